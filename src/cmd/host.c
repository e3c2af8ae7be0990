// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host plan|apply: set the host up for passthrough of the targets. plan is a
 * dry run any user may make; apply needs root, writes atomically with a
 * backup and an undo record, then runs the commands (only when --root is /).
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "out/output.h"
#include "plan/hostplan.h"

enum {
	OPT_INCLUDE = 0x200,
	OPT_TAKE,
	OPT_ACS,
	OPT_UNSAFE,
	OPT_FB,
	OPT_D3,
	OPT_MSRS,
	OPT_PLAN_FILE,
	OPT_ADOPT,
};

/* getopt_long's table: alike in every command by design, it is getopt's format. */
static const struct option host_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "include-group", required_argument, NULL, OPT_INCLUDE },
	{ "take-host-device", no_argument, NULL, OPT_TAKE },
	{ "acs-override", no_argument, NULL, OPT_ACS },
	{ "unsafe-interrupts", no_argument, NULL, OPT_UNSAFE },
	{ "fb-off", no_argument, NULL, OPT_FB },
	{ "disable-idle-d3", no_argument, NULL, OPT_D3 },
	{ "ignore-msrs", no_argument, NULL, OPT_MSRS },
	{ "plan-file", required_argument, NULL, OPT_PLAN_FILE },
	{ "adopt", no_argument, NULL, OPT_ADOPT },
	{ NULL, 0, NULL, 0 },
};

static int push_bdf(struct vp_bdf **v, bool **slots, size_t *n, const char *arg,
		    bool slot_ok)
{
	struct vp_bdf b;
	bool slot = false;

	if (vp_bdf_parse(arg, &b, &slot, slot_ok) < 0) {
		vp_err("'%s' is not a PCI address (use 0000:01:00.0, 01:00.0%s)", arg,
		       slot_ok ? " or 01:00" : "");
		return -EINVAL;
	}
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (slots)
		*slots = realloc(*slots, (*n + 1) * sizeof(**slots));
	if (!*v || (slots && !*slots))
		return -ENOMEM;
	(*v)[*n] = b;
	if (slots)
		(*slots)[*n] = slot;
	(*n)++;
	return 0;
}

/* The planner's options and the command's own. */
struct host_args {
	struct vp_host_opts o;
	const char *plan_file;
};

/* vp_parse_opts' callback, one case per option: alike in every command by design. */
static int host_opt(void *data, int c, const char *arg)
{
	struct host_args *a = data;
	struct vp_host_opts *o = &a->o;

	switch (c) {
	case OPT_PLAN_FILE:
		a->plan_file = arg;
		return 0;
	case 'd':
		return push_bdf(&o->devs, &o->slots, &o->ndevs, arg, true);
	case OPT_INCLUDE:
		return push_bdf(&o->include, NULL, &o->ninclude, arg, false);
	case OPT_TAKE:
		o->take_host_device = true;
		return 0;
	case OPT_ACS:
		o->acs_override = true;
		return 0;
	case OPT_UNSAFE:
		o->unsafe_interrupts = true;
		return 0;
	case OPT_FB:
		o->fb_off = true;
		return 0;
	case OPT_D3:
		o->disable_idle_d3 = true;
		return 0;
	case OPT_MSRS:
		o->ignore_msrs = true;
		return 0;
	case OPT_ADOPT:
		o->adopt = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static int cmd_host(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct host_args a = { 0 };
	struct vp_host_opts *o = &a.o;
	struct vp_session ses = { 0 };
	struct vp_plan p = { 0 };
	struct vp_verb v = { .cmd = "host" };
	bool status;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", host_opts, host_opt, &a);
	if (first < 0)
		goto usage;
	if (g->help) {
		vp_cmd_help(&vp_cmd_host);
		r = VP_EXIT_OK;
		goto out_opts;
	}
	if (argc - first != 1 ||
	    (vp_verb_parse(&v, argv[first]) < 0 && !streq(argv[first], "release") &&
	     !streq(argv[first], "status"))) {
		vp_err("use: host plan|apply|release|status [--device ADDR ...]");
		goto usage;
	}
	/* release is planned and applied like apply: backed up, undoable. */
	o->release = streq(argv[first], "release");
	if (o->release && !o->ndevs) {
		vp_err("host release needs --device: the devices to take back from vfio-pci");
		goto usage;
	}
	if (o->release)
		v = (struct vp_verb){ .cmd = "host", .verb = "release", .apply = true };
	status = streq(argv[first], "status");
	r = vp_verb_need_root(&v, NULL);
	if (r)
		goto out_opts;
	r = vp_load(g, &ctx, &h);
	if (r)
		goto out_opts;
	r = vp_session_init(&ses, ctx, h);
	if (r == 0 && status) {
		r = vp_host_status(&ses, ctx->fout);
		r = r < 0 ? vp_exit_code(r) : r;
		goto out;
	}
	if (r == 0)
		r = vp_session_targets(&ses, o->devs, o->slots, o->ndevs);
	if (r == -ENODEV)
		vp_err("a --device is not on this host");
	if (r == 0)
		r = vp_host_plan(&ses, o, &p);
	if (r < 0) {
		r = vp_exit_code(r);
		goto out;
	}
	r = vp_verb_finish(&v, ctx, &p, 0, NULL, a.plan_file);
out:
	vp_plan_free(&p);
	vp_session_free(&ses);
out_opts:
	free(o->devs);
	free(o->slots);
	free(o->include);
	return r;
usage:
	r = VP_EXIT_USAGE;
	goto out_opts;
}

static const struct option undo_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

static int undo_opt(void *data, int c, const char *arg)
{
	unsigned int *flags = data;

	if (c != 'f')
		return -EINVAL;
	*flags |= VP_UNDO_FORCE;
	return 0;
}

static int cmd_undo(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	unsigned int flags = 0;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "f", undo_opts, undo_opt, &flags);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_undo);
		return VP_EXIT_OK;
	}
	if (argc - first > 1) {
		vp_err("undo takes at most one id");
		return VP_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		vp_err("undo needs root; nothing was written");
		return VP_EXIT_NOPERM;
	}
	r = vp_open_ctx(g, &ctx);
	if (r < 0)
		return vp_exit_code(r);
	r = vp_undo(ctx, &vp_io_real, argc - first ? argv[first] : NULL, flags,
		    ctx->fout);
	return r < 0 ? vp_plan_exit_code(r) : VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_host = {
	.name = "host",
	.run = cmd_host,
	.summary =
		"plan (dry run) or apply the host setup: cmdline, VFIO binding, initramfs",
	.usage =
		"  plan|apply             plan shows diffs and commands; apply writes (root only);\n"
		"                         devices given before stay given\n"
		"  release -d ADDR        take devices back from vfio-pci (root; undoable)\n"
		"  status                 what is given to vfio-pci, by which file and line\n"
		"  -d, --device ADDR      a device to pass through (repeat; 01:00 = all functions);\n"
		"                         default: the candidate GPUs doctor picks\n"
		"      --include-group ADDR  also give away this unrelated member of a target's group\n"
		"      --take-host-device    allow a device the host needs (console, network, root disk)\n"
		"      --acs-override        pcie_acs_override=downstream,multifunction (loses isolation)\n"
		"      --unsafe-interrupts   vfio_iommu_type1 allow_unsafe_interrupts=1 (insecure)\n"
		"      --fb-off              keep the boot framebuffer off a boot-VGA target\n"
		"      --disable-idle-d3     vfio-pci disable_idle_d3=1 (cards that fail to wake)\n"
		"      --ignore-msrs         kvm ignore_msrs=1 (some Windows guests)\n"
		"      --plan-file F         plan: save the plan in F; apply: apply only that\n"
		"                            plan, exit 75 if the plan made now differs\n"
		"      --adopt               move another tool's conflicting vfio-pci line into\n"
		"                            vfio-pilot's file, fixed (the file is backed up)\n",
	.example = "vfio-pilot host plan -d 01:00\n"
		   "vfio-pilot host apply -d 01:00\n"
		   "vfio-pilot host status",
};

const struct vp_cmd vp_cmd_undo = {
	.name = "undo",
	.run = cmd_undo,
	.summary = "restore the files of an apply, byte for byte (root only)",
	.usage =
		"  [ID]                the apply to undo; default: the latest\n"
		"  -f, --force         also when a file changed since that apply (kept as\n"
		"                      undo/ID/rN); without it undo refuses with 75\n",
	.example = "vfio-pilot undo",
};
