/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proxmox property strings ("0000:01:00.0,pcie=1,x-vga=1"), parsed, checked
 * and printed as pve-common's PVE::JSONSchema does:
 *
 *   parse_property_string (JSONSchema.pm, knowledge §2.0): split on ',' with
 *   no quoting or escaping, skip white-space parts, "key=value" where the key
 *   runs to the first '=' and the value is not empty, a part without '=' is
 *   the default key's value; duplicate and unknown keys are errors; boolean
 *   values 1|on|yes|true / 0|off|no|false (any case) become 1 / 0.
 *
 *   check_object / check_prop: required keys, type (boolean 1|0, integer
 *   ^[+-]?\d+$, number), format, pattern (anchored), maxLength, minimum and
 *   maximum, enum; then the format's validator (register_format's third
 *   argument, e.g. validate_vm_cpu_conf).
 *
 *   print_property_string: default key first without "key=", then required
 *   keys sorted, then the rest sorted; a value with ',' cannot be printed.
 *
 * A schema is a table of struct vp_pve_prop (see schemas.h for the tables).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pve/patterns.h"

enum vp_pve_type {
	VP_PVE_T_STRING,
	VP_PVE_T_BOOLEAN,
	VP_PVE_T_INTEGER,
	VP_PVE_T_NUMBER,
};

struct vp_pve_prop {
	const char *key;
	enum vp_pve_type type;
	bool default_key;  /* a part without "key=" is this key's value */
	bool optional;	   /* false: check_object requires it */
	const char *alias; /* this key is another name of key @alias (efidisk volume) */
	const char *def;   /* Proxmox's default as text, for readers; NULL if none */
	const char *const *enums; /* NULL-terminated allowed values, or NULL */
	vp_pve_pattern_fn pattern;
	const char *pattern_text; /* the pattern as Proxmox writes it (for docs) */
	vp_pve_format_fn format;
	const char *format_name; /* "pve-configid", ... */
	bool has_min, has_max;
	double min, max;
	size_t max_length; /* 0: no limit */
};

struct vp_pve_propstr;

struct vp_pve_schema {
	const char *name; /* the name Proxmox registers: "pve-qm-hostpci" */
	const struct vp_pve_prop *props;
	size_t n_props;
	/*
	 * The format's validator, run after the schema check. Returns 0, or
	 * -EINVAL with *reason set; -ENOENT means "cannot be verified here"
	 * (a CPU model vfio-pilot does not know).
	 */
	int (*validate)(const struct vp_pve_propstr *ps, char **reason);
};

struct vp_pve_kv {
	const struct vp_pve_prop *prop; /* the schema entry (after alias resolution) */
	char *value; /* booleans normalised to "1"/"0" when Proxmox's parse_boolean takes
			them */
};

struct vp_pve_propstr {
	const struct vp_pve_schema *schema;
	struct vp_pve_kv *kv; /* in the order the keys were first seen */
	size_t n;
};

/* Proxmox's parse_boolean: 1, 0, or -EINVAL. */
int vp_pve_parse_boolean(const char *s);

const struct vp_pve_prop *vp_pve_schema_prop(const struct vp_pve_schema *s,
					     const char *key);
const struct vp_pve_prop *vp_pve_schema_default_key(const struct vp_pve_schema *s);

/*
 * Split @text into keys and values (the grammar part of
 * parse_property_string), without check_object or the validator. On error
 * returns -EINVAL with *reason (if @reason) set to Proxmox's message and
 * leaves @out empty. Every function here returns -ENOMEM on allocation
 * failure.
 */
int vp_pve_propstr_split(const struct vp_pve_schema *schema, const char *text,
			 struct vp_pve_propstr *out, char **reason);
/*
 * check_object and the validator on a split or edited property string:
 * 0, -EINVAL with Proxmox's message, or -ENOENT when only the validator
 * cannot tell (a CPU model missing from vfio-pilot's list, a custom- model).
 */
int vp_pve_propstr_check(const struct vp_pve_propstr *ps, char **reason);
/* Split and check: what parse_property_string accepts. @out is empty on any error. */
int vp_pve_propstr_parse(const struct vp_pve_schema *schema, const char *text,
			 struct vp_pve_propstr *out, char **reason);

/* The value of @key, or NULL when it is not set. */
const char *vp_pve_propstr_get(const struct vp_pve_propstr *ps, const char *key);
/* A boolean key: its value, else the schema default, else false. */
bool vp_pve_propstr_bool(const struct vp_pve_propstr *ps, const char *key);
/*
 * Set @key to @value after checking the value against the key's schema
 * entry (the validator runs in check and print). Booleans are stored as
 * 1 / 0. A value Proxmox could not read back (empty, with ',' or a line
 * break) is refused.
 */
int vp_pve_propstr_set(struct vp_pve_propstr *ps, const char *key, const char *value,
		       char **reason);
/* Remove @key; -ENOENT when it is not set. */
int vp_pve_propstr_unset(struct vp_pve_propstr *ps, const char *key);

/*
 * Print in print_property_string's order after a full check. A default-key
 * value that the parser would not read back as such (it holds '=' or is
 * only white space) is printed as "key=value". The result is parsed again
 * and compared before it is returned.
 */
int vp_pve_propstr_print(const struct vp_pve_propstr *ps, char **out, char **reason);

void vp_pve_propstr_free(struct vp_pve_propstr *ps);
