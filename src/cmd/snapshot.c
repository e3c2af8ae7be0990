// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot -o OUT [--no-sanitize]: what vfio-pilot reads from the host (or
 * --root), as a directory or a .tar.gz that --root reads directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "snap/snap.h"

struct snapshot_opts {
	const char *out;
	bool no_sanitize;
};

enum { OPT_NO_SANITIZE = 0x200 };

static const struct option snapshot_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "no-sanitize", no_argument, NULL, OPT_NO_SANITIZE },
	{ NULL, 0, NULL, 0 },
};

/* vp_parse_opts' callback, one case per option: alike in every command by design. */
static int snapshot_opt(void *data, int c, const char *arg)
{
	struct snapshot_opts *o = data;

	switch (c) {
	case 'o':
		o->out = arg;
		return 0;
	case OPT_NO_SANITIZE:
		o->no_sanitize = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static int cmd_snapshot(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_sink_freep) struct vp_sink *sink = NULL;
	struct snapshot_opts o = { 0 };
	struct vp_snap_opts so = { 0 };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "o:", snapshot_opts, snapshot_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_snapshot);
		return VP_EXIT_OK;
	}
	if (first < argc) {
		vp_err("snapshot takes no operands ('%s'); name the output with -o",
		       argv[first]);
		return VP_EXIT_USAGE;
	}
	if (!o.out) {
		vp_err("snapshot needs -o OUT (a directory, or a file ending in .tar.gz)");
		return VP_EXIT_USAGE;
	}
	r = vp_open_ctx(g, &ctx);
	if (r < 0)
		return vp_exit_code(r);
	r = vp_sink_open(o.out, &sink);
	if (r < 0) {
		if (r == -EEXIST)
			vp_err("%s: exists and is not empty; choose a new name", o.out);
		else
			vp_err("%s: %s", o.out, strerror(-r));
		return r == -EEXIST ? VP_EXIT_USAGE : VP_EXIT_IO;
	}
	so.sanitize = !o.no_sanitize;
	so.progress = isatty(STDERR_FILENO) ? stderr : NULL;
	r = vp_snapshot(ctx, sink, &so);
	if (r == 0)
		r = vp_sink_close(sink);
	if (r < 0) {
		vp_err("snapshot failed: %s", strerror(-r));
		return r == -ENOMEM ? VP_EXIT_SOFTWARE : VP_EXIT_IO;
	}
	if (ctx->verbose)
		fprintf(stderr, "snapshot: %zu entries written to %s\n",
			vp_sink_count(sink), o.out);
	return VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_snapshot = {
	.name = "snapshot",
	.run = cmd_snapshot,
	.summary = "capture what vfio-pilot reads as a tree --root can read",
	.usage =
		"  -o, --output OUT    a directory, or OUT.tar.gz for a gzip'd tar archive\n"
		"      --no-sanitize   keep host name, MAC/IP addresses, serials and user names\n",
	.example = "vfio-pilot snapshot -o host.tar.gz",
};
