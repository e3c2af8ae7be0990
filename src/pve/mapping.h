/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cluster resource mappings, /etc/pve/mapping/pci.cfg and usb.cfg: PVE
 * SectionConfig files (pve-common SectionConfig.pm parse_config/write_config)
 * with the header and schemas of pve-guest-common Mapping/PCI.pm and
 * Mapping/USB.pm (knowledge §3):
 *
 *   gpu0                                     <- the id alone, no "pci:" prefix
 *   \tmap node=pve1,path=0000:01:00.0,id=10de:2204,iommugroup=14
 *   \tdescription RTX 3090
 *   <empty line>                             <- ends the section
 *
 * A section runs from its header to the first empty line (a line "0" too,
 * as Perl reads it); "#" lines are skipped anywhere. Kept byte for byte;
 * every line carries Proxmox's verdict.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pve/conf.h"
#include "util.h"

enum vp_pve_map_type {
	VP_PVE_MAP_PCI,
	VP_PVE_MAP_USB,
};

enum vp_pve_map_line_kind {
	VP_PVE_MAPL_BLANK,    /* ends a section (or nothing) */
	VP_PVE_MAPL_COMMENT,  /* ^\s*#: skipped, and lost when Proxmox writes the file */
	VP_PVE_MAPL_HEADER,   /* ^(\S+)\s*$ outside a section: a section id */
	VP_PVE_MAPL_PROPERTY, /* ^\s+(\S+)(\s+(.*\S))?\s*$ inside a section */
	VP_PVE_MAPL_OTHER,    /* "ignore config line" */
};

struct vp_pve_map_line {
	char *text;
	enum vp_pve_map_line_kind kind;
	size_t entry;		   /* index into entries, SIZE_MAX outside a section */
	char *key;		   /* PROPERTY */
	char *value;		   /* PROPERTY; NULL when the line has no value */
	enum vp_pve_status status; /* OK, IGNORED or REJECTED */
	char *reason;
};

struct vp_pve_map_entry {
	char *id;
	size_t header; /* line index of the header */
	size_t last;   /* last line index of the section */
	bool valid;    /* Proxmox keeps the section */
	char *reason;  /* why not */
};

struct vp_pve_mapping {
	enum vp_pve_map_type type;
	struct vp_pve_map_line *lines;
	size_t n_lines;
	struct vp_pve_map_entry *entries;
	size_t n_entries;
	bool final_newline;
};

int vp_pve_mapping_parse(enum vp_pve_map_type type, const char *text, size_t len,
			 struct vp_pve_mapping **out);
int vp_pve_mapping_serialize(const struct vp_pve_mapping *m, char **out, size_t *len);
void vp_pve_mapping_free(struct vp_pve_mapping *m);
static inline void vp_pve_mapping_freep(struct vp_pve_mapping **m)
{
	vp_pve_mapping_free(*m);
}

/* The section Proxmox keeps for @id, or NULL. */
const struct vp_pve_map_entry *vp_pve_mapping_find(const struct vp_pve_mapping *m,
						   const char *id);
/* Its accepted `map` values, in file order. */
int vp_pve_mapping_maps(const struct vp_pve_mapping *m, const char *id, struct strv *out);
/*
 * The device addresses ("path", split at ';') of @id's maps on @node, or on
 * every node when @node is NULL; -ENOENT when there is no section @id.
 */
int vp_pve_mapping_paths(const struct vp_pve_mapping *m, const char *id, const char *node,
			 struct strv *out);

struct vp_pve_map_opts {
	const char *description;    /* NULL: none */
	int mdev;		    /* PCI only; -1: not written, else 0 or 1 */
	int live_migration_capable; /* PCI only; -1: not written */
};

/*
 * Append a section @id with the @maps (NULL-terminated, at least one; each
 * checked against the map schema and written as given, as the mapping API
 * stores them) and the options, in write_config's order: map lines, then
 * description, live-migration-capable, mdev. An empty line is put before it
 * when the file does not end with one. -EEXIST when @id exists.
 */
int vp_pve_mapping_add_entry(struct vp_pve_mapping *m, const char *id,
			     const char *const *maps, const struct vp_pve_map_opts *opts,
			     char **reason);
/*
 * Add one `map` line to section @id, after its last map line. -ENOENT when
 * there is no such section, -EEXIST for a map that is there already (the same
 * keys and values in any order) or, for
 * usb.cfg, a second map of the same node ("More than one USB mapping per
 * host not supported").
 */
int vp_pve_mapping_add_map(struct vp_pve_mapping *m, const char *id, const char *map,
			   char **reason);
