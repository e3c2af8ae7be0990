// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lxc plan|apply CTID --dri | --gpu ADDR: pass a GPU's /dev/dri nodes, or
 * the nodes its vendor's compute and media stack needs (/dev/nvidia*,
 * /dev/kfd beside /dev/dri), to a container with devN lines
 * (pve-container, PVE 8.1+), or the raw lxc.* lines on older Proxmox.
 * plan is a dry run; apply needs root.
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "plan/pveplan.h"

enum {
	OPT_DRI = 0x200,
	OPT_RENDER_ONLY,
	OPT_GPU,
};

struct lxc_args {
	bool dri;
	struct vp_lxc_opts o;
};

static const struct option lxc_opts[] = {
	{ "dri", no_argument, NULL, OPT_DRI },
	{ "render-only", no_argument, NULL, OPT_RENDER_ONLY },
	{ "gpu", required_argument, NULL, OPT_GPU },
	{ "device", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 },
};

static int lxc_opt(void *data, int c, const char *arg)
{
	struct lxc_args *a = data;

	switch (c) {
	case OPT_DRI:
		a->dri = true;
		return 0;
	case OPT_RENDER_ONLY:
		a->o.render_only = true;
		return 0;
	case 'd':
		a->o.device = arg;
		return 0;
	case OPT_GPU:
		a->o.gpu = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

static int cmd_lxc(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct lxc_args a = { 0 };
	struct vp_plan p = { 0 };
	/* The planner's -EINVAL is a --gpu or --device it refused. */
	struct vp_verb v = { .cmd = "lxc", .einval_usage = true };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", lxc_opts, lxc_opt, &a);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_lxc);
		return VP_EXIT_OK;
	}
	if (argc - first != 2 || vp_verb_parse(&v, argv[first]) < 0) {
		vp_err("use: lxc plan|apply CTID --dri [--render-only] [--device ADDR] | "
		       "--gpu ADDR [--render-only]");
		return VP_EXIT_USAGE;
	}
	if (!a.dri && !a.o.gpu) {
		vp_err("say what to pass: --dri (the GPU's /dev/dri nodes) or --gpu ADDR "
		       "(the nodes its vendor's compute and media stack needs)");
		return VP_EXIT_USAGE;
	}
	if (a.dri && a.o.gpu) {
		vp_err("--dri and --gpu exclude each other (--gpu includes an AMD or Intel "
		       "card's /dev/dri nodes)");
		return VP_EXIT_USAGE;
	}
	if (a.o.gpu && a.o.device) {
		vp_err("--gpu names the GPU itself; --device is for --dri");
		return VP_EXIT_USAGE;
	}
	if (vp_guest_id_parse(argv[first + 1], &a.o.ctid) < 0) {
		vp_err("'%s' is not a container id (100 to 999999999)", argv[first + 1]);
		return VP_EXIT_USAGE;
	}
	r = vp_verb_need_root(&v, NULL);
	if (r)
		return r;
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	r = vp_lxc_plan(ctx, h, &a.o, &p);
	r = vp_verb_finish(&v, ctx, &p, r, NULL, NULL);
	vp_plan_free(&p);
	return r;
}

const struct vp_cmd vp_cmd_lxc = {
	.name = "lxc",
	.run = cmd_lxc,
	.summary = "plan or apply a container's GPU devN lines (/dev/dri, NVIDIA, kfd)",
	.usage =
		"  plan|apply CTID        plan shows the diff or pct command; apply writes (root only)\n"
		"      --dri              pass the GPU's /dev/dri nodes (renderD*, card*)\n"
		"      --gpu ADDR         pass what GPU ADDR's vendor stack needs: NVIDIA's\n"
		"                         /dev/nvidiaN, nvidiactl, nvidia-uvm*, nvidia-modeset,\n"
		"                         nvidia-caps/* (with the driver version the container\n"
		"                         must match); AMD's /dev/dri nodes and /dev/kfd\n"
		"      --render-only      only the render node (enough for VA-API, QSV, OpenCL)\n"
		"  -d, --device ADDR      the GPU for --dri (default: the one advise picks, the\n"
		"                         boot VGA or iGPU with a render node)\n"
		"  gid= is the container's own render/video group, read from its root\n"
		"  filesystem where it is a directory (else the host's, as a named assumption)\n",
	.example = "vfio-pilot lxc plan 105 --dri --render-only\n"
		   "vfio-pilot lxc plan 105 --gpu 01:00.0",
};
