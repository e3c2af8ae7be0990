// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hookscript [plan|apply] VMID --device ADDR: one snippet per VM that sets
 * the device's reset_method at pre-start and can give it back to its host
 * driver at post-stop, plus the VM's "hookscript:" line (knowledge
 * proxmox-formats.md §4). Without plan or apply it applies (root only).
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "plan/pveplan.h"

enum {
	OPT_RESET = 0x200,
	OPT_REBIND,
	OPT_STRICT,
	OPT_STORAGE,
};

static const struct option hook_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "reset-method", required_argument, NULL, OPT_RESET },
	{ "rebind", optional_argument, NULL, OPT_REBIND },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "storage", required_argument, NULL, OPT_STORAGE },
	{ NULL, 0, NULL, 0 },
};

/* vp_parse_opts' callback, one case per option: alike in every command by design. */
static int hook_opt(void *data, int c, const char *arg)
{
	struct vp_hook_opts *o = data;

	switch (c) {
	case 'd':
		o->device = arg;
		return 0;
	case OPT_RESET:
		if (!vp_reset_method_known(arg)) {
			vp_err("'%s' is not a reset method the kernel knows (%s)", arg,
			       vp_reset_method_names);
			return -EINVAL;
		}
		o->reset_method = arg;
		return 0;
	case OPT_REBIND:
		o->rebind = true;
		o->rebind_driver = arg;
		return 0;
	case OPT_STRICT:
		o->strict = true;
		return 0;
	case OPT_STORAGE:
		o->storage = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

static int cmd_hookscript(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct vp_hook_opts o = { 0 };
	struct vp_plan p = { 0 };
	/*
	 * Without plan or apply it applies; the planner's -EINVAL is a --device
	 * or --storage it refused.
	 */
	struct vp_verb v = {
		.cmd = "hookscript", .verb = "apply", .apply = true, .einval_usage = true
	};
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", hook_opts, hook_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_hookscript);
		return VP_EXIT_OK;
	}
	if (argc - first == 2 && vp_verb_parse(&v, argv[first]) == 0)
		first++;
	if (argc - first != 1 || !o.device) {
		vp_err("use: hookscript [plan|apply] VMID --device ADDR [--reset-method M] "
		       "[--rebind] [--strict] [--storage ID]");
		return VP_EXIT_USAGE;
	}
	if (!o.reset_method && !o.rebind) {
		vp_err("the script would do nothing: give --reset-method M and/or --rebind");
		return VP_EXIT_USAGE;
	}
	if (vp_guest_id_parse(argv[first], &o.vmid) < 0) {
		vp_err("'%s' is not a VM id (100 to 999999999)", argv[first]);
		return VP_EXIT_USAGE;
	}
	r = vp_verb_need_root(&v, "hookscript needs root to write; nothing was written "
				  "('hookscript plan' shows the change)");
	if (r)
		return r;
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	r = vp_hookscript_plan(ctx, h, &o, &p);
	r = vp_verb_finish(&v, ctx, &p, r, NULL, NULL);
	vp_plan_free(&p);
	return r;
}

const struct vp_cmd vp_cmd_hookscript = {
	.name = "hookscript",
	.run = cmd_hookscript,
	.summary =
		"write a VM's hookscript snippet: reset_method at pre-start, rebind at post-stop",
	.usage =
		"  [plan|apply] VMID      plan shows the change; apply (the default) writes (root)\n"
		"  -d, --device ADDR      the passed-through function\n"
		"      --reset-method M   at pre-start: device_specific acpi flr af_flr pm bus\n"
		"                         cxl_bus, written only if the device lists it\n"
		"      --rebind[=DRIVER]  at post-stop: give the device back to its host driver\n"
		"      --strict           a failed step aborts the VM start (default: only logs)\n"
		"      --storage ID       the snippets storage (default: local)\n",
	.example = "vfio-pilot hookscript plan 100 -d 01:00.0 --reset-method bus",
};
