/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Does a cluster mapping's map line still describe a node's hardware? The
 * same comparison Proxmox makes at VM start (pve-guest-common
 * PVE/Mapping/PCI.pm assert_valid), made ahead of time so that a BIOS update
 * or a new card that renumbered a bus or the IOMMU groups is found before the
 * VM refuses to start on that node.
 */
#pragma once

#include "host/host.h"

/* The keys of one map line that matter here (pve-common: "0x" already stripped). */
struct vp_map_want {
	const char *path;   /* "0000:01:00.0" or "0000:01:00"; ';'-joined paths */
	const char *id;	    /* "10de:2684" */
	const char *subsys; /* "1458:40bf" or NULL */
	const char *group;  /* "14" or NULL */
};

enum vp_map_state {
	VP_MAP_HOLDS,
	VP_MAP_GONE,   /* no function at path */
	VP_MAP_ID,     /* another device there */
	VP_MAP_SUBSYS, /* same chip, another card (or the map lacks a subsystem id) */
	VP_MAP_GROUP,  /* the IOMMU group changed */
	VP_MAP_BAD,    /* the line itself cannot be read */
};

struct vp_map_verdict {
	enum vp_map_state state;
	char *why;		 /* for the operator; NULL when it holds */
	const struct vp_dev *at; /* the function at the (first) path, if any */
	/*
	 * Where the device the map describes is now: the one function of @h
	 * with its id, subsystem id and function number (NULL when none or
	 * ambiguous). For HOLDS, the function itself.
	 */
	const struct vp_dev *now;
	bool slot; /* the path named a slot (every function) */
};

int vp_map_verify(const struct vp_host *h, const struct vp_map_want *w,
		  struct vp_map_verdict *out);
void vp_map_verdict_free(struct vp_map_verdict *v);

/*
 * "node=N,path=P,id=V:D[,subsystem-id=S:S][,iommugroup=G]" for @d, the way
 * mapping plan writes a map (knowledge proxmox-formats.md §3.2): @path is the
 * function or, for every function, the slot.
 */
int vp_map_value(const char *node, const char *path, const struct vp_dev *d, char **out);
