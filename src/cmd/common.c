// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"

enum {
	OPT_ROOT = 0x100,
	OPT_JSON,
	OPT_IDS,
};

static const struct option global_opts[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "ids", required_argument, NULL, OPT_IDS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};

int vp_parse_opts(struct vp_global *g, int argc, char **argv, const char *shortopts,
		  const struct option *cmdopts,
		  int (*on_opt)(void *data, int c, const char *arg), void *data)
{
	_cleanup_free_ struct option *all = NULL;
	_cleanup_free_ char *shorts = xasprintf(":vh%s", shortopts ? shortopts : "");
	size_t ncmd = 0;
	int c;

	while (cmdopts && cmdopts[ncmd].name)
		ncmd++;
	all = calloc(ncmd + ARRAY_SIZE(global_opts) + 1, sizeof(*all));
	if (!all || !shorts)
		return -ENOMEM;
	memcpy(all, global_opts, sizeof(global_opts));
	if (ncmd)
		memcpy(all + ARRAY_SIZE(global_opts), cmdopts, ncmd * sizeof(*all));

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_JSON:
			g->json = true;
			break;
		case OPT_IDS:
			g->ids = optarg;
			break;
		case 'v':
			g->verbose++;
			break;
		case 'h':
			g->help = true;
			break;
		case ':':
			vp_err("option '%s' needs an argument; 'vfio-pilot %s --help' shows "
			       "what it takes",
			       argv[optind - 1], g->cmd ? g->cmd : "COMMAND");
			return -EINVAL;
		case '?':
			if (optopt)
				vp_err("unknown option '-%c'; 'vfio-pilot %s --help' lists the "
				       "options",
				       optopt, g->cmd ? g->cmd : "COMMAND");
			else
				vp_err("unknown option '%s'; 'vfio-pilot %s --help' lists the "
				       "options",
				       argv[optind - 1], g->cmd ? g->cmd : "COMMAND");
			return -EINVAL;
		default:
			if (!on_opt || on_opt(data, c, optarg) < 0)
				return -EINVAL;
			break;
		}
	}
	return optind;
}

int vp_open_ctx(const struct vp_global *g, struct vp_ctx **out)
{
	struct vp_ctx *ctx;
	int r;

	r = vp_ctx_new(g->root, &ctx);
	if (r < 0) {
		vp_err("cannot use root '%s': %s", g->root ? g->root : "/", strerror(-r));
		return r;
	}
	/* The library never prints: its errors reach stderr through this. */
	vp_ctx_set_log_fn(ctx, vp_log_stderr, NULL);
	ctx->out = g->json ? VP_OUT_JSON : VP_OUT_TEXT;
	ctx->verbose = g->verbose;
	if (g->ids) {
		if (access(g->ids, R_OK) < 0) {
			r = -errno;
			vp_err("cannot read ids file '%s': %s", g->ids, strerror(-r));
			vp_ctx_free(ctx);
			return r;
		}
		ctx->ids_file = strdup(g->ids);
	}
	*out = ctx;
	return 0;
}

int vp_load(const struct vp_global *g, struct vp_ctx **ctx, struct vp_host **host)
{
	int r;

	r = vp_open_ctx(g, ctx);
	if (r < 0)
		return vp_exit_code(r);
	r = vp_host_load(*ctx, host);
	if (r < 0) {
		vp_err("cannot read the host at %s: %s", (*ctx)->root, strerror(-r));
		vp_ctx_free(*ctx);
		*ctx = NULL;
		return vp_exit_code(r);
	}
	return 0;
}

/*
 * One worked example per command, shown at the end of its --help. Kept
 * apart from main.c's table so the examples, the man page and the
 * completion (docs/vfio-pilot.8.scd, contrib/bash-completion) can be
 * checked against one list (tests/pkg/test_help.py runs every example).
 */
static const struct {
	const char *name;
	const char *example;
} examples[] = {
	{ "devices", "vfio-pilot devices -c display\n"
		     "vfio-pilot devices 01:00" },
	{ "groups", "vfio-pilot groups 01:00.0\n"
		    "vfio-pilot groups --svg host.svg" },
	{ "show", "vfio-pilot show 01:00" },
	{ "doctor", "vfio-pilot doctor\n"
		    "vfio-pilot doctor -k kern.log 01:00" },
	{ "advise", "vfio-pilot advise -w transcode" },
	{ "explain", "journalctl -k -b | vfio-pilot explain -\n"
		     "vfio-pilot explain --symptom 'code 43'" },
	{ "host", "vfio-pilot host plan -d 01:00\n"
		  "vfio-pilot host apply -d 01:00\n"
		  "vfio-pilot host status" },
	{ "undo", "vfio-pilot undo" },
	{ "bind", "vfio-pilot bind 01:00.0" },
	{ "unbind", "vfio-pilot unbind 01:00.0" },
	{ "vm", "vfio-pilot vm plan 100 -d 01:00\n"
		"vfio-pilot vm lint 100" },
	{ "cpu-args",
	  "vfio-pilot cpu-args --vendor nvidia-consumer --driver-version 470" },
	{ "lxc", "vfio-pilot lxc plan 105 --dri --render-only\n"
		 "vfio-pilot lxc plan 105 --gpu 01:00.0" },
	{ "hookscript", "vfio-pilot hookscript plan 100 -d 01:00.0 --reset-method bus" },
	{ "mapping", "vfio-pilot mapping plan gpu0 -d 01:00 --host node2-snapshot" },
	{ "cluster", "vfio-pilot cluster --api recorded-answers/" },
	{ "snapshot", "vfio-pilot snapshot -o host.tar.gz" },
	{ "import", "vfio-pilot import pasted.txt -o pasted-host\n"
		    "vfio-pilot --root pasted-host groups" },
	{ "sriov", "vfio-pilot sriov 00:02.0 --vfs 7 plan" },
	{ "usb", "vfio-pilot usb\n"
		 "vfio-pilot usb map keyboard 046d:c52b plan" },
	{ "guest", "vfio-pilot guest script --windows" },
};

const char *vp_cmd_example(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(examples); i++)
		if (streq(examples[i].name, name))
			return examples[i].example;
	return NULL;
}
