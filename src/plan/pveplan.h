/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plans for Proxmox guest files: container devN lines for /dev/dri and a
 * GPU's compute nodes (/dev/nvidia*, /dev/kfd) (lxc),
 * one hookscript snippet per VM (hookscript), and cluster resource
 * mappings (mapping). The line building is pure (text in, text out) so the
 * unit tests can drive it; the vp_*_plan functions read the root and fill a
 * struct vp_plan. Every edit goes through the src/pve format library.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/facts.h"
#include "plan/plan.h"
#include "pve/ctconf.h"
#include "pve/mapping.h"

/* The character-device major of DRM nodes (include/uapi/drm/drm.h DRM_MAJOR). */
#define VP_DRM_MAJOR 226

/* A guest id as Proxmox allows it (pve-vmid: 100 to 999999999, decimal). */
int vp_guest_id_parse(const char *s, unsigned long *out);

/* "8.4.1" >= maj.min? false when @version is NULL or unreadable. */
bool vp_pve_version_at_least(const char *version, int maj, int min);

/* The root is "/": the Proxmox CLI makes the config changes (qm, pct, pvesh). */
bool vp_pve_live(const struct vp_ctx *ctx);

/* ---- lxc (plan/lxcplan.c) -------------------------------------------------- */

/*
 * Put @want into the main section of container config @c: a devN line with
 * the same path and the same values is kept; one with the same path and
 * other values is rewritten in place; otherwise the next free devN index
 * (0-255) is used. @keys/@values get what was set (for pct set). When
 * Proxmox's schema refuses a value, *@why (NULL before) gets "KEY: reason".
 */
int vp_lxc_set_devs(struct vp_pve_conf *c, const struct vp_pve_lxc_dev *want, size_t n,
		    struct strv *keys, struct strv *values, struct strv *notes,
		    char **why);

/*
 * Proxmox older than 8.1 (no devN): the classic raw keys,
 * "lxc.cgroup2.devices.allow: c MAJ:MIN rwm" and
 * "lxc.mount.entry: /dev/dri/X dev/dri/X none bind,optional,create=file",
 * added only when the same line is not there. @majmin[i] is "226:128".
 * *@why as for vp_lxc_set_devs.
 */
int vp_lxc_set_raw(struct vp_pve_conf *c, const struct vp_pve_lxc_dev *want,
		   const char *const *majmin, size_t n, struct strv *added, char **why);

/*
 * A raw line of @c's main section that already maps host node @path into
 * the container: an lxc.mount.entry bind-mounting @path, or a directory
 * above it, to the same place. Returns that line's value (NULL: none).
 * *allowed tells whether an lxc.cgroup2.devices.allow (or v1
 * lxc.cgroup.devices.allow) line lets the container read and write the
 * character device @majmin ("195:0"; NULL: unknown, not allowed).
 */
const char *vp_lxc_raw_mapping(const struct vp_pve_conf *c, const char *path,
			       const char *majmin, bool *allowed);

/*
 * The host directory holding the root filesystem of a container whose
 * rootfs: value is @rootfs, from storage.cfg text @storage_cfg (NULL: none;
 * only "local" at /var/lib/vz is known then). -ENOENT or -EINVAL with
 * *why when it is not a directory (a disk image, a block device, ...).
 */
int vp_ct_rootfs_dir(const char *rootfs, const char *storage_cfg, char **dir, char **why);

/* The container's render and video gids, from its own /etc/group. */
struct vp_ct_groups {
	int render, video; /* -1: no such group, or not read */
	char *from;	   /* the group file read (host path), NULL: none */
	char *why;	   /* why none could be read */
};
/*
 * Read from the root filesystem found by vp_ct_rootfs_dir, else from
 * /var/lib/lxc/CTID/rootfs (where `pct mount` puts it). Not finding one is
 * no error: g->from stays NULL and g->why says why.
 */
int vp_ct_groups_load(struct vp_ctx *ctx, const struct vp_pve_conf *c, unsigned long ctid,
		      struct vp_ct_groups *g);
void vp_ct_groups_free(struct vp_ct_groups *g);

struct vp_lxc_opts {
	unsigned long ctid;
	bool render_only;
	const char *device; /* --dri: NULL, the GPU advise would pick */
	const char *gpu;    /* --gpu ADDR: the vendor's compute and media nodes */
};
int vp_lxc_plan(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_lxc_opts *o,
		struct vp_plan *p);

/* ---- hookscript (plan/hookplan.c)
 * ------------------------------------------------------------- */

/* A reset method name the kernel knows (drivers/pci/pci.c pci_reset_fn_methods). */
bool vp_reset_method_known(const char *m);
extern const char *const vp_reset_method_names;

struct vp_hook_opts {
	unsigned long vmid;
	const char *device;	  /* the address, as given */
	const char *reset_method; /* NULL: leave reset_method alone */
	bool rebind;
	const char *rebind_driver; /* NULL: the host driver vfio-pilot finds */
	bool strict;
	const char *storage; /* NULL: local */
};

/*
 * The script for @vmid and function @addr (a canonical address). The
 * rebind driver is the host driver given back the device at post-stop
 * (NULL: no rebind). Refuses values that are not a BDF, a known method or
 * a module name, so nothing unvalidated reaches the text.
 */
int vp_hookscript_text(unsigned long vmid, const char *addr, const char *method,
		       const char *rebind_driver, bool strict, char **out);

/*
 * The directory of storage @name in storage.cfg text @cfg (NULL: no
 * storage.cfg; only "local" at /var/lib/vz is known then), refusing one
 * without "snippets" content or without a path. *reason holds the why and
 * the fix on -EINVAL / -ENOENT.
 */
int vp_storage_snippets_path(const char *cfg, const char *name, char **path,
			     char **reason);

int vp_hookscript_plan(struct vp_ctx *ctx, const struct vp_host *h,
		       const struct vp_hook_opts *o, struct vp_plan *p);

/* ---- mapping (plan/mapplan.c)
 * ---------------------------------------------------------------- */

/* One host of the cluster: its tree and model. */
struct vp_map_host {
	struct vp_ctx *ctx;   /* NULL for a node known through the API only */
	struct vp_host *host; /* NULL: the node did not answer (why_not) */
	char *node;	      /* etc/hostname, or the API's node name */
	const char *why_not;
	/*
	 * Known through the API (--cluster): a node whose hardware does not
	 * match gets no map and a note rather than a refusal, and the
	 * host-needs checks of vm plan cannot run there (no sysfs).
	 */
	bool api;
};

/*
 * "node=N,path=0000:01:00.0,id=10de:2684,subsystem-id=1043:88e2,iommugroup=14".
 * @path is the function or, for all functions, the slot ("0000:01:00").
 */
int vp_mapping_map_value(const char *node, const char *path, const struct vp_dev *d,
			 char **out);

/*
 * Add @maps (@nodes[i] is the node of @maps[i]) to section @name: a new
 * section, or the maps not there yet. Maps of one node are alternatives (a
 * pool): a new one beside another gets a line in @notes.
 */
int vp_mapping_merge(struct vp_pve_mapping *m, const char *name, const char *const *maps,
		     const char *const *nodes, struct strv *added, struct strv *notes,
		     struct strv *refusals);

/*
 * Map line(s) for every device of @devices (NULL-terminated addresses or
 * slots on hosts[0]) on every host whose hardware matches. Several devices
 * make a pool: one map per device per node.
 */
int vp_mapping_plan(struct vp_map_host *hosts, size_t nhosts, const char *name,
		    const char *const *devices, struct vp_plan *p);
