// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "plan/plan.h"

const struct vp_global_opt vp_global_opts[] = {
	{ { "root", required_argument, NULL, VP_OPT_ROOT },
	  "DIR",
	  "read the host below DIR instead of / (a snapshot or fixture)" },
	{ { "json", no_argument, NULL, VP_OPT_JSON },
	  NULL,
	  "machine-readable output (schema: docs/json.md)" },
	{ { "ids", required_argument, NULL, VP_OPT_IDS },
	  "FILE",
	  "PCI names from FILE instead of the system pci.ids" },
	{ { "verbose", no_argument, NULL, 'v' },
	  NULL,
	  "more detail; twice for debug messages" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "this help" },
	/*
	 * A form of its own ("vfio-pilot --version", SYNOPSIS in vfio-pilot(8)):
	 * main.c answers it before a command is named, so vp_parse_opts leaves
	 * it out.
	 */
	{ { "version", no_argument, NULL, VP_OPT_VERSION }, NULL, "the version" },
};

const size_t vp_n_global_opts = ARRAY_SIZE(vp_global_opts);

int vp_parse_opts(struct vp_global *g, int argc, char **argv, const char *shortopts,
		  const struct option *cmdopts,
		  int (*on_opt)(void *data, int c, const char *arg), void *data)
{
	_cleanup_free_ struct option *all = NULL;
	_cleanup_free_ char *shorts = NULL;
	char gshorts[2 * ARRAY_SIZE(vp_global_opts) + 2] = ":";
	size_t ncmd = 0, nall = 0, k = 1;
	int c;

	/* The global options' short forms first, as getopt's "x" or "x:". */
	for (size_t i = 0; i < ARRAY_SIZE(vp_global_opts); i++) {
		const struct option *o = &vp_global_opts[i].opt;

		if (o->val >= 0x100)
			continue;
		gshorts[k++] = (char)o->val;
		if (o->has_arg == required_argument)
			gshorts[k++] = ':';
	}
	gshorts[k] = '\0';
	shorts = xasprintf("%s%s", gshorts, shortopts ? shortopts : "");
	while (cmdopts && cmdopts[ncmd].name)
		ncmd++;
	all = calloc(ncmd + ARRAY_SIZE(vp_global_opts) + 1, sizeof(*all));
	if (!all || !shorts)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(vp_global_opts); i++)
		if (vp_global_opts[i].opt.val != VP_OPT_VERSION)
			all[nall++] = vp_global_opts[i].opt;
	if (ncmd)
		memcpy(all + nall, cmdopts, ncmd * sizeof(*all));

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		switch (c) {
		case VP_OPT_ROOT:
			g->root = optarg;
			break;
		case VP_OPT_JSON:
			g->json = true;
			break;
		case VP_OPT_IDS:
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

int vp_verb_parse(struct vp_verb *v, const char *arg)
{
	if (!streq(arg, "plan") && !streq(arg, "apply"))
		return -EINVAL;
	v->verb = arg;
	v->apply = streq(arg, "apply");
	return 0;
}

int vp_verb_need_root(const struct vp_verb *v, const char *msg)
{
	if (!v->apply || geteuid() == 0)
		return 0;
	if (msg)
		vp_err("%s", msg);
	else
		vp_err("%s apply needs root; nothing was written ('%s plan' shows the "
		       "change)",
		       v->cmd, v->cmd);
	return VP_EXIT_NOPERM;
}

int vp_verb_finish(const struct vp_verb *v, struct vp_ctx *ctx, struct vp_plan *p, int r,
		   struct json_object *extra, const char *plan_file)
{
	_cleanup_free_ char *name = NULL;

	if (r < 0) {
		json_object_put(extra);
		return r == -EINVAL && v->einval_usage ? VP_EXIT_USAGE : vp_exit_code(r);
	}
	name = xasprintf("%s %s", v->cmd, v->verb);
	if (!name) {
		json_object_put(extra);
		return VP_EXIT_SOFTWARE;
	}
	return vp_plan_finish_file(ctx, p, name, v->apply, extra, plan_file);
}
