// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU groups and what they mean for passthrough.
 *
 * Group membership is the kernel's (the iommu_group links); vfio-pilot
 * never recomputes it. What it adds is the reading: which members are
 * functions of one physical card (the rule: vp_same_card in select.c), which are ports
 * and bridges, which are unrelated devices, and which port without ACS joins them. The
 * kernel joins devices whose path upstream lacks ACS Source Validation, Request and
 * Completion Redirect and Upstream Forwarding (drivers/iommu/iommu.c REQ_ACS_FLAGS,
 * pci_device_group), and everything behind a conventional PCI bridge
 * (pci_for_each_dma_alias).
 */
#include <errno.h>
#include <stdlib.h>

#include <pci/header.h>

#include "host/facts.h"
#include "host/host.h"
#include "host/select.h"

static bool is_bridge_role(const struct vp_dev *d)
{
	return vp_dev_is_bridge(d);
}

static int add_gap(struct vp_gap **gaps, size_t *n, struct vp_dev *bridge, char *why)
{
	struct vp_gap *g;

	if (!why)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++) {
		if ((*gaps)[i].bridge == bridge) {
			free(why);
			return 0;
		}
	}
	g = realloc(*gaps, (*n + 1) * sizeof(**gaps));
	if (!g) {
		free(why);
		return -ENOMEM;
	}
	g[*n].bridge = bridge;
	g[*n].why = why;
	*gaps = g;
	(*n)++;
	return 0;
}

void vp_gaps_free(struct vp_gap *gaps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(gaps[i].why);
	free(gaps);
}

static bool is_conventional_bridge(const struct vp_dev *d)
{
	return d->is_bridge &&
	       (d->pcie == VP_ABSENT ||
		(d->pcie == VP_PRESENT && d->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE));
}

/* Where the upstream paths of @a and @b meet, and which ports lack ACS there. */
static int explain_pair(struct vp_dev *a, struct vp_dev *b, struct vp_gap **gaps,
			size_t *n)
{
	struct vp_dev *lca = NULL, *ca = a, *cb = b;
	struct vp_dev *side[2];
	int r;

	for (struct vp_dev *x = a; x && !lca; x = x->parent)
		for (struct vp_dev *y = b; y; y = y->parent)
			if (x == y && x != a && x != b) {
				lca = x;
				break;
			}
	/* The two children of the meeting point (or the root-bus devices). */
	while (ca->parent && ca->parent != lca)
		ca = ca->parent;
	while (cb->parent && cb->parent != lca)
		cb = cb->parent;

	/*
	 * Behind a conventional bridge the bridge alone explains it: its
	 * devices share its requester ID, and ACS on them would change
	 * nothing (drivers/pci/search.c pci_for_each_dma_alias).
	 */
	if (lca && is_conventional_bridge(lca))
		return add_gap(
			gaps, n, lca,
			strdup("conventional PCI bridge: the devices behind it share "
			       "its requester ID and cannot be isolated"));
	/*
	 * Siblings in one multifunction device: without ACS on the functions
	 * the kernel treats them as able to reach each other
	 * (drivers/pci/pci.c pci_acs_enabled, pci_device_group).
	 */
	if (ca != cb && vp_bdf_same_slot(&ca->bdf, &cb->bdf) && !vp_acs_isolates(ca)) {
		_cleanup_free_ char *acs = vp_acs_describe(ca);

		return add_gap(
			gaps, n, ca,
			xasprintf("multifunction device %.*s: %s on its functions, so "
				  "they are not isolated from each other",
				  (int)strlen(ca->addr) - 2, ca->addr, acs ? acs : "?"));
	}
	side[0] = ca;
	side[1] = cb;
	for (int i = 0; i < 2; i++) {
		struct vp_dev *c = side[i];

		/* Ports decide; an endpoint's own ACS matters only between its functions.
		 */
		if (vp_acs_isolates(c) || !c->is_bridge)
			continue;
		r = add_gap(gaps, n, c, vp_acs_describe(c));
		if (r < 0)
			return r;
	}
	return 0;
}

int vp_group_explain(const struct vp_group *g, int from_unit, struct vp_gap **gaps,
		     size_t *ngaps)
{
	struct vp_dev *from = NULL;
	int r;

	*gaps = NULL;
	*ngaps = 0;
	for (size_t i = 0; i < g->n && !from; i++)
		if (g->members[i]->unit == from_unit)
			from = g->members[i];
	if (!from)
		return 0;
	for (int u = 0; u < (int)g->nunits; u++) {
		struct vp_dev *other = NULL;

		if (u == from_unit)
			continue;
		for (size_t i = 0; i < g->n && !other; i++)
			if (g->members[i]->unit == u)
				other = g->members[i];
		if (!other)
			continue;
		r = explain_pair(from, other, gaps, ngaps);
		if (r < 0)
			goto fail;
	}
	if (*ngaps == 0 && g->nunits > 1) {
		r = add_gap(
			gaps, ngaps, NULL,
			strdup("no port without ACS found in config space; the kernel "
			       "joined them by a DMA alias, a quirk or the platform"));
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	vp_gaps_free(*gaps, *ngaps);
	*gaps = NULL;
	*ngaps = 0;
	return r;
}

/*
 * A tree without bus numbers (imported from a pasted listing) cannot show
 * which functions sit below a card's own switch. Read the group as one card
 * only when that is the one way it can be: every endpoint from one vendor,
 * exactly one display among them, and a bridge of that vendor in the group
 * (Intel Arc, AMD Navi). Real sysfs never takes this path: there every
 * bridge's bus range is read from config space.
 */
static bool card_by_listing(const struct vp_group *g)
{
	bool unknown_bus = false, own_bridge = false;
	int vendor = -1;
	size_t displays = 0;

	for (size_t i = 0; i < g->n; i++) {
		const struct vp_dev *d = g->members[i];

		if (d->is_bridge && d->cfg_len < 0x40)
			unknown_bus = true;
		if (d->unit < 0)
			continue;
		if (d->parent)
			return false;
		if (vendor >= 0 && d->vendor != vendor)
			return false;
		vendor = d->vendor;
		displays += d->kind == VP_KIND_DISPLAY;
	}
	for (size_t i = 0; i < g->n; i++)
		own_bridge = own_bridge ||
			     (g->members[i]->unit < 0 && g->members[i]->vendor == vendor);
	return unknown_bus && own_bridge && displays == 1;
}

static void analyse_group(struct vp_ctx *ctx, struct vp_host *h, struct vp_group *g)
{
	size_t endpoints = 0;

	g->nunits = 0;
	g->primary_unit = -1;
	for (size_t i = 0; i < g->n; i++) {
		struct vp_dev *d = g->members[i];

		d->unit = -1;
		if (is_bridge_role(d))
			continue;
		endpoints++;
		for (size_t j = 0; j < i; j++) {
			struct vp_dev *e = g->members[j];

			/* The one companion rule (host/select.c). */
			if (e->unit >= 0 && vp_same_card(ctx, h, d, e)) {
				d->unit = e->unit;
				break;
			}
		}
		if (d->unit < 0)
			d->unit = (int)g->nunits++;
		if (g->primary_unit < 0 && d->kind == VP_KIND_DISPLAY)
			g->primary_unit = d->unit;
	}
	if (g->primary_unit < 0 && g->nunits)
		g->primary_unit = 0;
	if (g->nunits > 1 && card_by_listing(g)) {
		for (size_t i = 0; i < g->n; i++)
			if (g->members[i]->unit >= 0)
				g->members[i]->unit = 0;
		g->nunits = 1;
		g->primary_unit = 0;
		strv_push(
			&h->notes,
			xasprintf(
				"group %d: bus numbers unknown (a pasted listing); its "
				"functions are read as one card behind that card's own switch",
				g->id));
	}

	if (endpoints == 0)
		g->verdict = VP_GROUP_BRIDGES_ONLY;
	else if (g->nunits > 1)
		g->verdict = VP_GROUP_SHARED;
	else if (endpoints == 1)
		g->verdict = VP_GROUP_ISOLATED;
	else
		g->verdict = VP_GROUP_COMPANIONS;
}

static int cmp_group_addr(const void *a, const void *b)
{
	const struct vp_dev *x = *(struct vp_dev *const *)a,
			    *y = *(struct vp_dev *const *)b;

	if (x->iommu_group != y->iommu_group)
		return x->iommu_group < y->iommu_group ? -1 : 1;
	return vp_bdf_cmp(&x->bdf, &y->bdf);
}

static void explain_no_iommu(struct vp_ctx *ctx, struct vp_host *h)
{
	_cleanup_free_ char *cmdline = NULL;
	bool dmar = vp_existsf(ctx, VP_SYS, "firmware/acpi/tables/DMAR");
	bool ivrs = vp_existsf(ctx, VP_SYS, "firmware/acpi/tables/IVRS");
	const char *off = NULL;

	if (vp_read_strf(ctx, VP_PROC, &cmdline, "cmdline") == 0) {
		static const char *const offs[] = { "intel_iommu=off", "amd_iommu=off",
						    "iommu=off" };

		for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
			const char *p = strstr(cmdline, offs[i]);

			if (p && (p == cmdline || p[-1] == ' ')) {
				off = offs[i];
				break;
			}
		}
	}
	if (off)
		h->no_iommu_why = xasprintf(
			"no IOMMU groups: the kernel command line has '%s'", off);
	else if (h->iommus.n)
		h->no_iommu_why =
			xasprintf("no IOMMU groups although %s is registered; no PCI "
				  "function has an iommu_group link",
				  h->iommus.v[0]);
	else if (dmar || ivrs)
		h->no_iommu_why = xasprintf(
			"no IOMMU groups: the firmware has an %s table but the kernel enabled no "
			"IOMMU (%s)",
			dmar ? "ACPI DMAR" : "ACPI IVRS",
			dmar ? "before Linux 6.8 Intel needs intel_iommu=on"
			     : "check dmesg for AMD-Vi");
	else
		h->no_iommu_why = strdup(
			"no IOMMU groups: no IOMMU is registered and the firmware has no ACPI DMAR "
			"or IVRS table (VT-d/AMD-Vi off in firmware, or not supported)");
}

static void acs_override(struct vp_ctx *ctx, struct vp_host *h)
{
	_cleanup_free_ char *raw = NULL;
	struct vp_cmdline cl = { 0 };
	const char *v;

	if (vp_read_strf(ctx, VP_PROC, &raw, "cmdline") < 0 ||
	    vp_cmdline_parse(raw, &cl) < 0) {
		vp_cmdline_free(&cl);
		return;
	}
	v = vp_cmdline_get(&cl, "pcie_acs_override");
	if (v)
		h->acs_override = strdup(v);
	vp_cmdline_free(&cl);
}

int vp_iommu_load(struct vp_ctx *ctx, struct vp_host *h)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_free_ struct vp_dev **bygrp = NULL;
	size_t nids = 0;
	struct dirent *e;

	if (vp_opendirf(ctx, VP_SYS, &dir, "class/iommu") == 0) {
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.')
				strv_add(&h->iommus, e->d_name);
		strv_sort(&h->iommus);
	}

	acs_override(ctx, h);
	/* Devices ordered by (group, address): each group is then one run. */
	bygrp = calloc(h->ndevs ? h->ndevs : 1, sizeof(*bygrp));
	if (!bygrp)
		return -ENOMEM;
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i]->iommu_group >= 0)
			bygrp[nids++] = h->devs[i];
	if (nids == 0) {
		explain_no_iommu(ctx, h);
		return h->no_iommu_why ? 0 : -ENOMEM;
	}
	qsort(bygrp, nids, sizeof(*bygrp), cmp_group_addr);
	h->groups = calloc(nids, sizeof(*h->groups));
	if (!h->groups)
		return -ENOMEM;
	for (size_t i = 0; i < nids;) {
		struct vp_group *g = &h->groups[h->ngroups++];
		size_t j = i;

		while (j < nids && bygrp[j]->iommu_group == bygrp[i]->iommu_group)
			j++;
		g->id = bygrp[i]->iommu_group;
		g->n = j - i;
		g->members = malloc(g->n * sizeof(*g->members));
		if (!g->members)
			return -ENOMEM;
		memcpy(g->members, bygrp + i, g->n * sizeof(*g->members));
		i = j;
	}
	for (size_t i = 0; i < h->ngroups; i++) {
		struct vp_group *g = &h->groups[i];
		int r;

		analyse_group(ctx, h, g);
		if (g->verdict != VP_GROUP_SHARED)
			continue;
		r = vp_group_explain(g, g->primary_unit, &g->gaps, &g->ngaps);
		if (r < 0)
			return r;
	}
	return 0;
}
