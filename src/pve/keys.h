/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The top-level keys of guest configs ($confdesc of qemu-server
 * QemuServer.pm and of pve-container LXC/Config.pm) and how a value is
 * judged, at two levels:
 *
 *   file: what the config parser's check_type does (unknown key, line feed,
 *         boolean/integer/number syntax, check_format for keys with a
 *         format). qemu drops a line that fails; lxc keeps it with a warning.
 *   api:  what the API (qm set / pct set) adds: enum, pattern, maxLength,
 *         minimum and maximum of keys without a format (knowledge §1.1:
 *         "hugepages: 4" and "bios: foo" pass the file parser only).
 *
 * Keys whose format vfio-pilot does not implement (net0, scsi0, smbios1,
 * ...) are known, so never "unknown setting", but their values are
 * UNVERIFIED and vfio-pilot refuses to write them.
 */
#pragma once

/* pve-vmid (PVE::JSONSchema): 100 to 999999999, for VMs and containers alike. */
#define VP_VMID_MIN 100UL
#define VP_VMID_MAX 999999999UL
/* hostpci0-15: $MAX_HOSTPCI_DEVICES (qemu-server PVE/QemuServer/PCI.pm). */
#define VP_HOSTPCI_MAX 16

#include <stdbool.h>

#include "pve/conf.h"
#include "pve/propstr.h"

struct vp_pve_key {
	const char *name;
	unsigned count; /* 0: the key itself; N: name0 .. name(N-1) */
	enum vp_pve_type type;
	const struct vp_pve_schema *(*schema)(void); /* a property-string format */
	vp_pve_format_fn format; /* a named format with a verify function */
	const char *format_name;
	const char *unchecked;	   /* a format or pattern vfio-pilot does not check */
	vp_pve_pattern_fn pattern; /* API level (keys without a format) */
	const char *const *enums;  /* API level */
	bool has_min, has_max;	   /* API level */
	double min, max;
	size_t max_length; /* API level */
	/* API level, after the rest: e.g. devN needs a path (update_pct_config) */
	int (*api_check)(const char *key, const char *value, char **msg);
	bool internal; /* written by Proxmox itself (parent, snaptime, lock, ...) */
};

/*
 * The entry of @key in a table (hostpci3 -> the hostpci entry of count 16),
 * or NULL: "unknown setting". An index has no leading zeros.
 */
const struct vp_pve_key *vp_pve_key_lookup(const struct vp_pve_key *table, size_t n,
					   const char *key);
/* The VM and CT key tables. */
const struct vp_pve_key *vp_pve_vm_key(const char *key);
const struct vp_pve_key *vp_pve_ct_key(const char *key);

/*
 * Judge "key: value" as the file parser and then the API would. Sets *st to
 * OK, REJECTED (file level; the caller turns it into WARNED for lxc),
 * API_INVALID or UNVERIFIED and *reason to the message (NULL for OK).
 * @strip_quotes: qemu's check_type removes one pair of surrounding double
 * quotes from a string without a format. Returns 0 or -ENOMEM.
 */
int vp_pve_key_judge(const struct vp_pve_key *k, const char *key, const char *value,
		     bool strip_quotes, enum vp_pve_status *st, char **reason);

/*
 * May vfio-pilot write "key: value"? Only when both levels accept it and
 * the value reads back unchanged. *canonical gets the text to write
 * (booleans as 1/0). -EINVAL (bad value or unknown key) or -EOPNOTSUPP
 * (a key vfio-pilot cannot verify, or one Proxmox manages) with *reason.
 */
int vp_pve_key_check_write(const struct vp_pve_key *k, const char *key, const char *value,
			   bool strip_quotes, char **canonical, char **reason);
