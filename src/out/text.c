// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>

#include "kb/kb.h"
#include "out/output.h"

void vp_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	uint64_t v = bytes;
	int u = -1;

	/* lspci prints sizes the same way: the largest exact binary unit. */
	while (v >= 1024 && (v % 1024) == 0 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[u]);
}

void vp_fmt_name(const struct vp_dev *d, char *buf, size_t len)
{
	/* Newer than the pci.ids on the host: the knowledge base may know it. */
	const struct vp_kb_gpu *kb =
		d->device_name ? NULL : vp_kb_gpu_lookup(d->vendor, d->device);

	if (d->vendor_name && d->device_name)
		snprintf(buf, len, "%s %s", d->vendor_name, d->device_name);
	else if (d->vendor_name && kb)
		snprintf(buf, len, "%s Device %04x (%s, not in pci.ids)", d->vendor_name,
			 d->device, kb->models);
	else if (d->vendor_name)
		snprintf(buf, len, "%s Device %04x", d->vendor_name, d->device);
	else
		snprintf(buf, len, "Device %04x:%04x", d->vendor, d->device);
}

/*
 * A member's role in its group, told from @from (show BDF) or, in the group
 * listing, from the group's primary card (its GPU when it has one).
 */
const char *vp_fmt_role(const struct vp_group *g, const struct vp_dev *m,
			const struct vp_dev *from)
{
	if (m->unit < 0)
		return "bridge";
	if (from) {
		if (m == from)
			return "target";
		return m->unit == from->unit ? "companion" : "unrelated";
	}
	if (m->unit != g->primary_unit)
		return "unrelated";
	/* The first function of the primary card, its display if it has one. */
	for (size_t i = 0; i < g->n; i++) {
		const struct vp_dev *x = g->members[i];

		if (x->unit == g->primary_unit && x->kind == VP_KIND_DISPLAY)
			return x == m ? "primary" : "companion";
	}
	for (size_t i = 0; i < g->n; i++)
		if (g->members[i]->unit == g->primary_unit)
			return g->members[i] == m ? "primary" : "companion";
	return "companion";
}

void vp_fmt_critical(const struct vp_dev *d, char *buf, size_t len)
{
	snprintf(
		buf, len, "%s%s%s%s%s", d->critical & VP_CRIT_CONSOLE ? "console" : "",
		(d->critical & VP_CRIT_CONSOLE) && (d->critical & ~VP_CRIT_CONSOLE) ? ", "
										    : "",
		d->critical & VP_CRIT_NETWORK ? "network" : "",
		(d->critical & VP_CRIT_NETWORK) && (d->critical & VP_CRIT_ROOTDISK) ? ", "
										    : "",
		d->critical & VP_CRIT_ROOTDISK ? "root disk" : "");
}

void vp_fmt_vgpu(const struct vp_dev *d, char *buf, size_t len)
{
	const struct vp_vgpu *v = &d->vgpu;
	const struct vp_vgpu_type *t;

	buf[0] = '\0';
	if (v->iface == VP_VGPU_NVIDIA && v->current) {
		/*
		 * A VF that runs a vGPU lists only what is still creatable, so
		 * its own type may be missing from the list: the id is the fact.
		 */
		t = vp_vgpu_by_id(v, v->current);
		snprintf(buf, len, "nvidia-%u%s%s in use", v->current,
			 t && t->name ? " " : "", t && t->name ? t->name : "");
	} else if (v->iface == VP_VGPU_NVIDIA) {
		snprintf(buf, len, "%zu type%s free", v->ntypes,
			 v->ntypes == 1 ? "" : "s");
	} else if (v->iface == VP_VGPU_MDEV) {
		snprintf(buf, len, "%zu mdev type%s", v->ntypes,
			 v->ntypes == 1 ? "" : "s");
		if (v->instances > 0)
			snprintf(buf + strlen(buf), len - strlen(buf), ", %d instance%s",
				 v->instances, v->instances == 1 ? "" : "s");
	}
}

static size_t count_role(const struct vp_group *g, const char *role)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++)
		if (streq(vp_fmt_role(g, g->members[i], NULL), role))
			n++;
	return n;
}

static const struct vp_dev *primary_of(const struct vp_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (streq(vp_fmt_role(g, g->members[i], NULL), "primary"))
			return g->members[i];
	return NULL;
}

void vp_print_group(struct vp_ctx *ctx, const struct vp_group *g,
		    const struct vp_dev *from, const struct vp_gap *gaps, size_t ngaps)
{
	FILE *f = ctx->fout;
	const struct vp_dev *who = from ? from : primary_of(g);

	fprintf(f, "IOMMU group %d  %s", g->id, vp_group_verdict_name(g->verdict));
	if (g->verdict == VP_GROUP_SHARED && who) {
		size_t unrelated = 0;

		for (size_t i = 0; i < g->n; i++)
			if (streq(vp_fmt_role(g, g->members[i], from), "unrelated"))
				unrelated++;
		fprintf(f, ": %s shares it with %zu unrelated device%s", who->addr,
			unrelated, unrelated == 1 ? "" : "s");
	} else if (g->verdict == VP_GROUP_COMPANIONS) {
		fprintf(f, ": %zu functions of one card", g->n - count_role(g, "bridge"));
	}
	fputc('\n', f);
	for (size_t i = 0; i < g->n; i++) {
		const struct vp_dev *m = g->members[i];
		char name[320], crit[64];

		vp_fmt_name(m, name, sizeof(name));
		vp_fmt_critical(m, crit, sizeof(crit));
		fprintf(f, "    %s  %-8s %04x:%04x  %-9s  %-14s %s%s%s%s\n", m->addr,
			vp_kind_name(m->kind), m->vendor, m->device,
			vp_fmt_role(g, m, from), m->driver ? m->driver : "-", name,
			crit[0] ? "  [host: " : "", crit, crit[0] ? "]" : "");
	}
	for (size_t i = 0; i < ngaps; i++) {
		const struct vp_dev *b = gaps[i].bridge;

		if (b)
			fprintf(f, "    joined at %s (%s %04x:%04x): %s\n", b->addr,
				b->pcie == VP_PRESENT ? vp_pcie_type_name(b->pcie_type)
						      : vp_kind_name(b->kind),
				b->vendor, b->device, gaps[i].why);
		else
			fprintf(f, "    joined: %s\n", gaps[i].why);
	}
}
