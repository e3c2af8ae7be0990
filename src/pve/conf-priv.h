/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by conf.c, linegram.c, vmconf.c and ctconf.c: building
 * the line model, the line grammar (the regular expressions of
 * parse_vm_config / parse_pct_config in C), the edit primitives and the
 * dialects that the VM and CT edits share.
 */
#pragma once

#include "pve/conf.h"

struct vp_pve_key;

/*
 * What sets VM and CT configs apart where vfio-pilot checks, sets and
 * deletes a key. The rest of each grammar stays in its classifier.
 */
struct vp_pve_dialect {
	enum vp_pve_guest guest;
	int (*classify)(struct vp_pve_conf *c);		  /* vmconf.c, ctconf.c */
	const struct vp_pve_key *(*key)(const char *key); /* the key table */
	const char *pending; /* the pending header's name: [PENDING], [pve:pending] */
	bool strip_quotes;   /* qemu's check_type drops one pair of quotes (keys.h) */
	bool raw_lxc; /* lxc.* keys are raw lines (LXC/Config.pm), not table keys */
};

/* The dialect of @guest. */
const struct vp_pve_dialect *vp_pve_dialect(enum vp_pve_guest guest);

/* vp_pve_vmconf_check / vp_pve_ctconf_check in dialect @d. */
int vp_pve_dialect_check(const struct vp_pve_dialect *d, const char *key,
			 const char *value, char **reason);
/* vp_pve_vmconf_set / vp_pve_ctconf_set in dialect @d. */
int vp_pve_dialect_set(const struct vp_pve_dialect *d, struct vp_pve_conf *c,
		       bool pending, const char *key, const char *value, char **reason);
/* vp_pve_vmconf_delete / vp_pve_ctconf_delete in dialect @d. */
int vp_pve_dialect_delete(const struct vp_pve_dialect *d, struct vp_pve_conf *c,
			  bool pending, const char *key);

/* Split @text (no NUL bytes) into lines and classify them for @guest. */
int vp_pve_conf_new(const char *text, size_t len, enum vp_pve_guest guest,
		    struct vp_pve_conf **out);

/* Forget all classification; sections become just an empty main section. */
int vp_pve_conf_reset(struct vp_pve_conf *c);
/* Append a section and return its index, or -ENOMEM. */
int vp_pve_conf_add_section(struct vp_pve_conf *c, enum vp_pve_section_kind kind,
			    const char *name, size_t header);
/* Classify line @l: kind, key and value (copied; either may be NULL). */
int vp_pve_line_set(struct vp_pve_line *l, enum vp_pve_line_kind kind, const char *key,
		    const char *value);
/* Give line @l a status and a reason (owned; NULL for none). */
void vp_pve_line_status(struct vp_pve_line *l, enum vp_pve_status st, char *reason);
/* The same with a formatted reason; -ENOMEM when it cannot be made. */
int vp_pve_line_statusf(struct vp_pve_line *l, enum vp_pve_status st, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));

/* Re-run the classifier of the config's guest type. */
int vp_pve_conf_classify(struct vp_pve_conf *c);
int vp_pve_vm_classify(struct vp_pve_conf *c);
int vp_pve_ct_classify(struct vp_pve_conf *c);

/*
 * Edits. Each changes the lines and classifies again.
 *
 * put: replace the line Proxmox takes for @key in @section (or, failing
 * that, the last line with that key it rejects) with @text; when there is
 * none, insert @text after the section's last key line (last non-blank line,
 * or the header, or the top of the file). @kind says which lines count as
 * that key's (KEY or LXC).
 */
int vp_pve_conf_put(struct vp_pve_conf *c, size_t section, enum vp_pve_line_kind kind,
		    const char *key, const char *text);
/* Append @text after the last line of @kind in @section (see put). */
int vp_pve_conf_append(struct vp_pve_conf *c, size_t section, const char *text);
/* Remove every line of @kind with @key in @section; -ENOENT if none. */
int vp_pve_conf_remove(struct vp_pve_conf *c, size_t section, enum vp_pve_line_kind kind,
		       const char *key);
/*
 * The pending section, created when missing: "\n[<name>]" is inserted after
 * the last non-blank line of the main section, before any other section.
 * Returns its index or -errno.
 */
int vp_pve_conf_pending_create(struct vp_pve_conf *c, const char *name);

/*
 * Does @line, alone in a config of @guest, read back as @key with @value and
 * status OK? 0, or -EINVAL with *reason.
 */
int vp_pve_conf_reads_back(enum vp_pve_guest guest, const char *line, const char *key,
			   const char *value, char **reason);

/*
 * The line grammar. Each returns 1 on a match (filling the outputs, which
 * the caller frees), 0 when the line does not match, -ENOMEM.
 */
/* ^\[NAME\]\s*$, NAME compared without regard to case. */
int vp_pve_gram_header(const char *line, const char *name);
/* ^\[special:(cloudinit|fleecing)\]\s*$ (case-insensitive); *name as written. */
int vp_pve_gram_special(const char *line, char **name);
/* ^\[([a-z][a-z0-9_\-]+)\]\s*$ (case-insensitive): a snapshot. */
int vp_pve_gram_snapshot(const char *line, char **name);
/* ^\[([^\]]*)\]\s*$: any other header. */
int vp_pve_gram_any_header(const char *line, char **name);
/* ^NAME:\s*(.*\S)\s*$ for description, args and delete. */
int vp_pve_gram_named(const char *line, const char *name, char **value);
/* snapstate:\s*(prepare|delete)\s*$ anywhere in the line (the regex has no ^). */
int vp_pve_gram_snapstate(const char *line);
/* ^([a-z][a-z_\-]*\d*):\s*(.+?)\s*$ (qemu); without '-' in the key for lxc. */
int vp_pve_gram_key(const char *line, bool dash, char **key, char **value);
/* ^(lxc\.[a-z0-9_\-\.]+)(:|\s*=)\s*(.*?)\s*$ */
int vp_pve_gram_lxc(const char *line, char **key, char **value);
