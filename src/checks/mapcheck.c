// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks/mapcheck.h"
#include "pve/propstr.h"
#include "pve/schemas.h"

const char *vp_maprow_state_name(enum vp_maprow_state s)
{
	switch (s) {
	case VP_MAPROW_HOLDS:
		return "holds";
	case VP_MAPROW_DRIFT:
		return "drift";
	case VP_MAPROW_UNCHECKED:
		return "unchecked";
	case VP_MAPROW_INVALID:
		return "invalid";
	}
	return "?";
}

void vp_mapcheck_free(struct vp_mapcheck *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->rows[i].mapping);
		free(c->rows[i].node);
		free(c->rows[i].map);
		free(c->rows[i].why);
		free(c->rows[i].fix);
	}
	free(c->rows);
	*c = (struct vp_mapcheck){ 0 };
}

static const struct vp_mapnode *find_node(const struct vp_mapnode *v, size_t n,
					  const char *node)
{
	for (size_t i = 0; node && i < n; i++)
		if (streq(v[i].node, node))
			return &v[i];
	return NULL;
}

static int check_line(const struct vp_pve_map_line *l, const char *mapping,
		      const struct vp_mapnode *nodes, size_t nn, bool all_nodes,
		      struct vp_mapcheck *out)
{
	struct vp_pve_propstr ps = { 0 };
	const struct vp_mapnode *mn;
	struct vp_maprow row = { 0 };
	struct vp_map_verdict v;
	struct vp_maprow *nv;
	const char *node;
	int r = 0;

	if (vp_pve_propstr_parse(vp_pve_schema_pci_map(), l->value, &ps, NULL) < 0) {
		vp_pve_propstr_free(&ps);
		return 0; /* Proxmox rejected it too: the mapping parser reports it */
	}
	node = vp_pve_propstr_get(&ps, "node");
	mn = find_node(nodes, nn, node);
	if (!mn && !all_nodes) {
		vp_pve_propstr_free(&ps);
		return 0;
	}
	row.mapping = strdup(mapping);
	row.node = strdup(node ? node : "?");
	row.map = strdup(l->value);
	if (!mn || !mn->host) {
		row.state = VP_MAPROW_UNCHECKED;
		row.why = xasprintf("no hardware of node %s: %s", row.node,
				    mn && mn->why_not ? mn->why_not : "not given");
	} else {
		const struct vp_map_want w = {
			.path = vp_pve_propstr_get(&ps, "path"),
			.id = vp_pve_propstr_get(&ps, "id"),
			.subsys = vp_pve_propstr_get(&ps, "subsystem-id"),
			.group = vp_pve_propstr_get(&ps, "iommugroup"),
		};

		r = vp_map_verify(mn->host, &w, &v);
		if (r == 0 && v.state != VP_MAP_HOLDS) {
			row.state = v.state == VP_MAP_BAD ? VP_MAPROW_INVALID
							  : VP_MAPROW_DRIFT;
			row.why = TAKE_PTR(v.why);
			/* A ;-group of devices is not rewritten: too many ways to be
			 * wrong. */
			if (v.now && w.path && !strchr(w.path, ';')) {
				char path[16];

				if (v.slot)
					snprintf(path, sizeof(path), "%04x:%02x:%02x",
						 v.now->bdf.domain, v.now->bdf.bus,
						 v.now->bdf.dev);
				else
					snprintf(path, sizeof(path), "%s", v.now->addr);
				r = vp_map_value(row.node, path, v.now, &row.fix);
			}
		}
		vp_map_verdict_free(&v);
	}
	vp_pve_propstr_free(&ps);
	if (r == 0 && (!row.mapping || !row.node || !row.map ||
		       (row.state != VP_MAPROW_HOLDS && !row.why)))
		r = -ENOMEM;
	nv = r == 0 ? realloc(out->rows, (out->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(row.mapping);
		free(row.node);
		free(row.map);
		free(row.why);
		free(row.fix);
		return r < 0 ? r : -ENOMEM;
	}
	out->rows = nv;
	out->rows[out->n++] = row;
	return 0;
}

int vp_mapcheck_run(const struct vp_pve_mapping *m, const char *name,
		    const struct vp_mapnode *nodes, size_t nn, bool all_nodes,
		    struct vp_mapcheck *out)
{
	*out = (struct vp_mapcheck){ 0 };
	if (name && !vp_pve_mapping_find(m, name))
		return -ENOENT;
	for (size_t i = 0; i < m->n_lines; i++) {
		const struct vp_pve_map_line *l = &m->lines[i];
		const struct vp_pve_map_entry *e;
		int r;

		if (l->kind != VP_PVE_MAPL_PROPERTY || l->entry == SIZE_MAX || !l->key ||
		    !streq(l->key, "map") || !l->value || l->status != VP_PVE_OK)
			continue;
		e = &m->entries[l->entry];
		if (!e->valid || (name && !streq(e->id, name)))
			continue;
		r = check_line(l, e->id, nodes, nn, all_nodes, out);
		if (r < 0) {
			vp_mapcheck_free(out);
			return r;
		}
	}
	return 0;
}
