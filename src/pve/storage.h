/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/pve/storage.cfg, as far as vfio-pilot needs it: one storage's type
 * and the properties that place files on the host. A SectionConfig file
 * (pve-common PVE/SectionConfig.pm): "TYPE: ID" headers, indented
 * "key value" properties, "#" comments.
 */
#pragma once

#include <stdbool.h>

struct vp_pve_storage {
	char *type;	    /* dir, zfspool, lvmthin, nfs, ... */
	char *path;	    /* dir, nfs, cifs, cephfs, btrfs: the directory */
	char *pool;	    /* zfspool */
	char *mountpoint;   /* zfspool: where the pool is mounted, when not /POOL */
	char *content;	    /* "images,rootdir,snippets" */
	char *content_dirs; /* "snippets=snip,..." (pve-storage 8.x) */
};

/* The section of storage @name in @cfg: 0, -ENOENT when absent, -ENOMEM. */
int vp_pve_storage_find(const char *cfg, const char *name, struct vp_pve_storage *out);
void vp_pve_storage_free(struct vp_pve_storage *s);
/* Does the comma list @content name @what ("snippets")? */
bool vp_pve_storage_has_content(const struct vp_pve_storage *s, const char *what);
/* pve-storage-id (pve-storage PVE/Storage/Plugin.pm): ^[a-z][a-z0-9\-\_\.]*[a-z0-9]$, any
 * case. */
bool vp_pve_storage_id_ok(const char *s);
