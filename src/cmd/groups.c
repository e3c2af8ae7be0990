// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * groups: every IOMMU group as a small tree with a verdict. This is the
 * listing the guides build with a `find /sys/kernel/iommu_groups` loop,
 * read the way a passthrough attempt needs it read.
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "out/output.h"

static int print_text(struct vp_ctx *ctx, const struct vp_host *h,
		      const struct vp_dev *only)
{
	size_t shared = 0;

	for (size_t i = 0; i < h->ngroups; i++) {
		const struct vp_group *g = &h->groups[i];

		if (only && only->iommu_group != g->id)
			continue;
		if (g->verdict == VP_GROUP_SHARED)
			shared++;
		vp_print_group(ctx, g, NULL, g->gaps, g->ngaps);
	}
	if (!only)
		fprintf(ctx->fout,
			"%zu IOMMU groups, %zu shared by more than one card; IOMMU: %s\n",
			h->ngroups, shared,
			h->iommus.n ? h->iommus.v[0] : "none registered");
	if (h->acs_override)
		fprintf(ctx->fout,
			"WARNING: pcie_acs_override=%s is active: these groups do not show real "
			"isolation; a guest can reach devices left on the host by peer-to-peer DMA\n",
			h->acs_override);
	return 0;
}

static int print_json(struct vp_ctx *ctx, const struct vp_host *h,
		      const struct vp_dev *only)
{
	struct json_object *doc = vp_json_doc(ctx, "groups");
	struct json_object *arr = json_object_new_array();
	struct json_object *units = json_object_new_array();
	int r;

	for (size_t i = 0; i < h->iommus.n; i++)
		json_object_array_add(units, json_object_new_string(h->iommus.v[i]));
	json_object_object_add(doc, "iommu", json_object_new_boolean(h->ngroups > 0));
	json_object_object_add(doc, "iommu_units", units);
	json_object_object_add(doc, "reason",
			       h->no_iommu_why ? json_object_new_string(h->no_iommu_why)
					       : NULL);
	json_object_object_add(doc, "acs_override",
			       h->acs_override ? json_object_new_string(h->acs_override)
					       : NULL);
	for (size_t i = 0; i < h->ngroups; i++) {
		if (only && only->iommu_group != h->groups[i].id)
			continue;
		json_object_array_add(arr, vp_json_group(h, &h->groups[i], NULL));
	}
	json_object_object_add(doc, "groups", arr);
	r = vp_json_print(ctx, doc);
	json_object_put(doc);
	return r;
}

int cmd_groups(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	const struct vp_dev *only = NULL;
	struct vp_bdf b;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "", NULL, NULL, NULL);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(vp_cmd_find("groups"));
		return VP_EXIT_OK;
	}
	if (argc - first > 1) {
		vp_err("groups takes at most one address");
		return VP_EXIT_USAGE;
	}
	if (argc - first == 1 && vp_bdf_parse(argv[first], &b, NULL, false) < 0) {
		vp_err("'%s' is not a PCI function address (use 0000:01:00.0 or 01:00.0)",
		       argv[first]);
		return VP_EXIT_USAGE;
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	if (argc - first == 1) {
		only = vp_host_find(h, &b);
		if (!only) {
			vp_err("no PCI function %s on this host", argv[first]);
			return VP_EXIT_NOINPUT;
		}
	}
	if (h->ngroups == 0) {
		if (ctx->out == VP_OUT_JSON)
			r = print_json(ctx, h, NULL);
		else
			fprintf(ctx->fout, "%s\n", h->no_iommu_why);
		return r < 0 ? vp_exit_code(r) : VP_EXIT_NO_IOMMU;
	}
	if (only && only->iommu_group < 0) {
		vp_err("%s has no IOMMU group", only->addr);
		return VP_EXIT_NO_IOMMU;
	}
	r = ctx->out == VP_OUT_JSON ? print_json(ctx, h, only) : print_text(ctx, h, only);
	return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
}
