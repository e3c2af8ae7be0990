/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mapping check: every map line of /etc/pve/mapping/pci.cfg against the
 * hardware of its node, as Proxmox will check it at VM start
 * (host/mapcheck.c), with the corrected line where the device is still
 * there under another address or group.
 */
#pragma once

#include "host/mapcheck.h"
#include "pve/mapping.h"

/* A node whose hardware is known: this root, another tree, or the API. */
struct vp_mapnode {
	const char *node;
	const struct vp_host *host; /* NULL: the node did not answer */
	const char *why_not;	    /* for a NULL host */
};

enum vp_maprow_state {
	VP_MAPROW_HOLDS,
	VP_MAPROW_DRIFT,     /* the VM will not start on that node */
	VP_MAPROW_UNCHECKED, /* no hardware for that node */
	VP_MAPROW_INVALID,   /* Proxmox itself ignores the line */
};

struct vp_maprow {
	char *mapping, *node, *map;
	enum vp_maprow_state state;
	char *why; /* DRIFT, UNCHECKED, INVALID */
	char *fix; /* DRIFT: the map line that holds now, or NULL */
};

struct vp_mapcheck {
	struct vp_maprow *rows; /* file order */
	size_t n;
};

/*
 * Check the map lines of section @name (every section when NULL) of @m whose
 * node is one of @nodes, or of every node when @all_nodes (a node not in
 * @nodes is then UNCHECKED). -ENOENT: no section @name.
 */
int vp_mapcheck_run(const struct vp_pve_mapping *m, const char *name,
		    const struct vp_mapnode *nodes, size_t nn, bool all_nodes,
		    struct vp_mapcheck *out);
void vp_mapcheck_free(struct vp_mapcheck *c);
const char *vp_maprow_state_name(enum vp_maprow_state s);
