/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container configs, /etc/pve/lxc/<ctid>.conf, read and edited the way
 * pve-container's parse_pct_config (LXC/Config.pm, knowledge §7) reads them.
 * Differences from VM configs: the pending section is [pve:pending], keys
 * are ^[a-z][a-z_]*\d* (no '-'), raw lxc.* lines are allowed (by key), there
 * is no [special:...] and no skipped unknown section, and a key with an
 * invalid value or an unknown key is kept with a warning (status WARNED)
 * instead of dropped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pve/conf.h"

int vp_pve_ctconf_parse(const char *text, size_t len, struct vp_pve_conf **out);

/* As vp_pve_vmconf_check, for container keys (not lxc.*). */
int vp_pve_ctconf_check(const char *key, const char *value, char **reason);
/* As vp_pve_vmconf_set; the pending section is [pve:pending]. */
int vp_pve_ctconf_set(struct vp_pve_conf *c, bool pending, const char *key,
		      const char *value, char **reason);
/* Remove every line of @key (a config key or an lxc.* key); -ENOENT if none. */
int vp_pve_ctconf_delete(struct vp_pve_conf *c, bool pending, const char *key);
/*
 * Append a raw "lxc.key: value" line to the main section (after its last
 * key or lxc line; Proxmox writes lxc lines after the other keys). The key
 * must be one Proxmox accepts without a warning.
 */
int vp_pve_ctconf_add_lxc(struct vp_pve_conf *c, const char *key, const char *value,
			  char **reason);

/* A devN value (LXC/Config.pm $dev_desc, parse_device, print_device). */
struct vp_pve_lxc_dev {
	char *path;	 /* required */
	char *mode;	 /* "0660"; NULL: not set (Proxmox uses 0660) */
	long long uid;	 /* -1: not set (0, mapped for unprivileged CTs) */
	long long gid;	 /* -1: not set */
	bool deny_write; /* printed only when set */
};

/* parse_device: the full schema, then "Path has to be defined". */
int vp_pve_lxc_dev_parse(const char *value, struct vp_pve_lxc_dev *out, char **reason);
/* print_device: path first, then the other keys sorted (renderD128,gid=104,mode=0660). */
int vp_pve_lxc_dev_print(const struct vp_pve_lxc_dev *dev, char **out, char **reason);
void vp_pve_lxc_dev_free(struct vp_pve_lxc_dev *dev);
