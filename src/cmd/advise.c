// SPDX-License-Identifier: GPL-2.0-or-later
/* advise [--workload W]: should this host do passthrough at all, and how. */
#include <errno.h>
#include <stdlib.h>

#include "checks/advise.h"
#include "cmd/cmd.h"
#include "out/output.h"

static const struct option advise_opts[] = {
	{ "workload", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 },
};

static int advise_opt(void *data, int c, const char *arg)
{
	const struct vp_workload **wl = data;

	if (c != 'w')
		return -EINVAL;
	*wl = vp_workload_find(arg);
	if (!*wl) {
		vp_err("unknown workload '%s' (%s)", arg, vp_workload_names);
		return -EINVAL;
	}
	return 0;
}

static const char *path_title(enum vp_path p)
{
	switch (p) {
	case VP_PATH_PASSTHROUGH:
		return "full PCI passthrough to a VM";
	case VP_PATH_LXC_DRI:
		return "an LXC container with /dev/dri (no passthrough)";
	case VP_PATH_LXC_GPU:
		return "an LXC container with the NVIDIA card's nodes (no passthrough)";
	case VP_PATH_SRIOV_VF:
		return "an SR-IOV virtual function";
	case VP_PATH_VGPU:
		return "mediated vGPU";
	default:
		return "no GPU passthrough on this host";
	}
}

static void list(FILE *f, const char *title, const struct strv *s)
{
	if (!s->n)
		return;
	fprintf(f, "%s\n", title);
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "  - %s\n", s->v[i]);
}

static void print_text(struct vp_ctx *ctx, const struct vp_advice *a)
{
	FILE *f = ctx->fout;
	char name[320];

	fprintf(f, "Workload: %s\n", a->wl->name);
	fprintf(f, "Recommendation: %s\n", path_title(a->path));
	if (a->device) {
		vp_fmt_name(a->device, name, sizeof(name));
		fprintf(f, "Device: %s %s\n", a->device->addr, name);
	}
	if (a->effort)
		fprintf(f, "Expected effort: %s\n", a->effort);
	list(f, "Why:", &a->why);
	list(f, "Cautions:", &a->cautions);
	if (a->lines.n) {
		fprintf(f, "Container config lines (/etc/pve/lxc/CTID.conf):\n");
		for (size_t i = 0; i < a->lines.n; i++)
			fprintf(f, "  %s\n", a->lines.v[i]);
	}
	list(f, "Alternatives:", &a->alternatives);
	if (a->path == VP_PATH_PASSTHROUGH && a->device)
		fprintf(f, "Next: vfio-pilot doctor %s\n", a->device->addr);
}

static struct json_object *jstrv(const struct strv *s)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(arr, json_object_new_string(s->v[i]));
	return arr;
}

static int print_json(struct vp_ctx *ctx, const struct vp_advice *a)
{
	struct json_object *o = vp_json_doc(ctx, "advise");
	int r;

	json_object_object_add(o, "workload", json_object_new_string(a->wl->name));
	json_object_object_add(o, "recommendation",
			       json_object_new_string(vp_path_name(a->path)));
	json_object_object_add(
		o, "device", a->device ? json_object_new_string(a->device->addr) : NULL);
	json_object_object_add(o, "effort",
			       a->effort ? json_object_new_string(a->effort) : NULL);
	json_object_object_add(o, "why", jstrv(&a->why));
	json_object_object_add(o, "cautions", jstrv(&a->cautions));
	json_object_object_add(o, "config_lines", jstrv(&a->lines));
	json_object_object_add(o, "alternatives", jstrv(&a->alternatives));
	r = vp_json_print(ctx, o);
	json_object_put(o);
	return r;
}

static int cmd_advise(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	const struct vp_workload *wl = vp_workload_find("generic");
	struct vp_advice a = { 0 };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "w:", advise_opts, advise_opt, &wl);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_advise);
		return VP_EXIT_OK;
	}
	if (first != argc) {
		vp_err("advise takes no operands");
		return VP_EXIT_USAGE;
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	r = vp_advise(ctx, h, wl, &a);
	if (r == 0)
		r = ctx->out == VP_OUT_JSON ? print_json(ctx, &a)
					    : (print_text(ctx, &a), 0);
	vp_advice_free(&a);
	return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_advise = {
	.name = "advise",
	.run = cmd_advise,
	.summary = "passthrough, LXC /dev/dri, SR-IOV, vGPU, or not at all",
	.usage =
		"  -w, --workload W    gaming, ai, transcode, cad, nas or generic (default)\n",
	.example = "vfio-pilot advise -w transcode",
};
