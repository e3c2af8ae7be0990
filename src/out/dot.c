// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PCI tree as a Graphviz digraph: each IOMMU group a cluster, edges from
 * the upstream port or root bus to each function. Shared groups are drawn in
 * red with the ports that join them (vp_gap), host-critical devices filled
 * and named, targets with a double border. The output depends only on the
 * model (devices and groups are sorted), so it can be diffed and committed.
 */
#include <errno.h>
#include <stdio.h>

#include "out/output.h"

#define DOT_RED	     "#c00000"
#define DOT_RED_FILL "#ffe6e6"
#define DOT_CRIT     "#fff0b3"
#define DOT_TARGET   "#0050b0"

/* A DOT double-quoted string: only '"' and '\' need escaping (dot(1) lang). */
static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static bool is_target(const struct vp_dev *d, struct vp_dev *const *targets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (targets[i] == d)
			return true;
	return false;
}

static bool is_gap(const struct vp_host *h, const struct vp_dev *d)
{
	const struct vp_group *g;

	if (d->iommu_group < 0)
		return false;
	g = vp_host_group(h, d->iommu_group);
	for (size_t i = 0; g && i < g->ngaps; i++)
		if (g->gaps[i].bridge == d)
			return true;
	return false;
}

static void dot_node(FILE *f, const struct vp_host *h, const struct vp_dev *d,
		     struct vp_dev *const *targets, size_t ntargets, const char *indent)
{
	bool target = is_target(d, targets, ntargets);
	bool gap = is_gap(h, d);
	char name[320], crit[64];
	_cleanup_free_ char *label = NULL;

	vp_fmt_name(d, name, sizeof(name));
	vp_fmt_critical(d, crit, sizeof(crit));
	label = xasprintf("%s  %s\n%s\n%s%s%s%s%s", d->addr, vp_kind_name(d->kind), name,
			  d->driver ? d->driver : "no driver", target ? "\nTARGET" : "",
			  crit[0] ? "\nhost needs it: " : "", crit,
			  gap ? "\nno ACS isolation: joins the group" : "");
	fprintf(f, "%s", indent);
	dot_str(f, d->addr);
	fputs(" [label=", f);
	dot_str(f, label ? label : d->addr);
	if (d->is_bridge)
		fputs(", shape=box, style=\"rounded", f);
	else
		fputs(", shape=box, style=\"solid", f);
	if (crit[0])
		fprintf(f, ",filled,bold\", fillcolor=\"%s\"", DOT_CRIT);
	else
		fputs(",filled\", fillcolor=white", f);
	if (target)
		fprintf(f, ", peripheries=2, color=\"%s\", penwidth=2", DOT_TARGET);
	else if (gap)
		fprintf(f, ", color=\"%s\", penwidth=2", DOT_RED);
	fputs("];\n", f);
}

static void dot_group(FILE *f, const struct vp_host *h, const struct vp_group *g,
		      struct vp_dev *const *targets, size_t ntargets)
{
	bool shared = g->verdict == VP_GROUP_SHARED;
	_cleanup_free_ char *label = NULL;

	label = xasprintf("IOMMU group %d: %s", g->id, vp_group_verdict_name(g->verdict));
	fprintf(f, "\tsubgraph \"cluster_group_%d\" {\n\t\tlabel=", g->id);
	dot_str(f, label ? label : "IOMMU group");
	if (shared)
		fprintf(f,
			";\n\t\tstyle=\"filled,bold\"; color=\"%s\"; fillcolor=\"%s\"; "
			"fontcolor=\"%s\"; penwidth=3;\n",
			DOT_RED, DOT_RED_FILL, DOT_RED);
	else
		fputs(";\n\t\tstyle=rounded; color=gray40;\n", f);
	for (size_t i = 0; i < g->n; i++)
		dot_node(f, h, g->members[i], targets, ntargets, "\t\t");
	fputs("\t}\n", f);
}

/* A root bus node per domain:bus that has functions without a parent bridge. */
static void dot_roots(FILE *f, const struct vp_host *h)
{
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *d = h->devs[i];
		bool seen = false;

		if (d->parent)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct vp_dev *e = h->devs[j];

			seen = !e->parent && e->bdf.domain == d->bdf.domain &&
			       e->bdf.bus == d->bdf.bus;
		}
		if (seen)
			continue;
		fprintf(f,
			"\t\"pci%04x:%02x\" [label=\"root bus %04x:%02x\", shape=oval, "
			"style=filled, fillcolor=gray90];\n",
			d->bdf.domain, d->bdf.bus, d->bdf.domain, d->bdf.bus);
	}
}

int vp_dot_print(FILE *f, const struct vp_host *h, const char *title,
		 struct vp_dev *const *targets, size_t ntargets)
{
	size_t shared = 0;
	_cleanup_free_ char *label = NULL;

	for (size_t i = 0; i < h->ngroups; i++)
		if (h->groups[i].verdict == VP_GROUP_SHARED)
			shared++;
	label = xasprintf("%s: %zu IOMMU groups, %zu shared (red)%s%s\n"
			  "double border: target; yellow: the host needs it; "
			  "red border: a port without ACS isolation",
			  title, h->ngroups, shared, h->ngroups ? "" : "\n",
			  h->ngroups	    ? ""
			  : h->no_iommu_why ? h->no_iommu_why
					    : "");
	fputs("digraph \"vfio-pilot\" {\n\tgraph [rankdir=LR, fontname=\"Helvetica\", "
	      "fontsize=11, labelloc=t, label=",
	      f);
	dot_str(f, label ? label : title);
	fputs("];\n\tnode [fontname=\"Helvetica\", fontsize=10];\n"
	      "\tedge [color=gray50, arrowsize=0.6];\n",
	      f);
	dot_roots(f, h);
	for (size_t i = 0; i < h->ngroups; i++)
		dot_group(f, h, &h->groups[i], targets, ntargets);
	/* Functions without a group (no IOMMU, or not in one) stand alone. */
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i]->iommu_group < 0 ||
		    !vp_host_group(h, h->devs[i]->iommu_group))
			dot_node(f, h, h->devs[i], targets, ntargets, "\t");
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *d = h->devs[i];

		if (d->parent)
			fprintf(f, "\t\"%s\" -> \"%s\";\n", d->parent->addr, d->addr);
		else
			fprintf(f, "\t\"pci%04x:%02x\" -> \"%s\";\n", d->bdf.domain,
				d->bdf.bus, d->addr);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
