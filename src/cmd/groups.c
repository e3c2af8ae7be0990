// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * groups: every IOMMU group as a small tree with a verdict. This is the
 * listing the guides build with a `find /sys/kernel/iommu_groups` loop,
 * read the way a passthrough attempt needs it read.
 *
 * --dot draws the same model for Graphviz (out/dot.c); --svg FILE hands it
 * to graphviz's dot, run with an argument vector and the text on a memfd as
 * its standard input, so no shell and no temporary file are involved.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cmd/cmd.h"
#include "host/session.h"
#include "out/output.h"

struct groups_opts {
	bool dot;
	const char *svg;
};

enum {
	OPT_DOT = 0x200,
	OPT_SVG,
};

static const struct option groups_opts[] = {
	{ "dot", no_argument, NULL, OPT_DOT },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ NULL, 0, NULL, 0 },
};

static int groups_opt(void *data, int c, const char *arg)
{
	struct groups_opts *o = data;

	switch (c) {
	case OPT_DOT:
		o->dot = true;
		return 0;
	case OPT_SVG:
		o->svg = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

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
	/* Streamed: on thousands of groups the whole tree would not fit 16 MB. */
	r = vp_json_print_groups(ctx, doc, h, only);
	json_object_put(doc);
	return r;
}

/* The graph's title: the tree's own name, never the path it was read from. */
static void dot_title(const struct vp_global *g, char *buf, size_t len)
{
	size_t n;
	const char *s;

	snprintf(buf, len, "%s", g->root ? g->root : "/");
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	if (streq(buf, "/")) {
		snprintf(buf, len, "this host");
		return;
	}
	s = strrchr(buf, '/');
	if (s)
		memmove(buf, s + 1, strlen(s + 1) + 1);
}

/* Run dot -Tsvg -o @out with the graph on its standard input; an exit code. */
static int render_svg(const char *out, int memfd)
{
	char *const av[] = { (char *)"dot", (char *)"-Tsvg", (char *)"-o", (char *)out,
			     NULL };
	int status;
	pid_t pid;

	if (lseek(memfd, 0, SEEK_SET) < 0)
		return VP_EXIT_IO;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		vp_err("cannot start dot: %s", strerror(errno));
		return VP_EXIT_SOFTWARE;
	}
	if (pid == 0) {
		if (dup2(memfd, STDIN_FILENO) < 0)
			_exit(126);
		execvp(av[0], av);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(pid, &status, 0) < 0) {
		vp_err("waiting for dot: %s", strerror(errno));
		return VP_EXIT_SOFTWARE;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return VP_EXIT_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		vp_err("--svg needs graphviz's 'dot', which is not installed: run "
		       "'apt install graphviz', or use 'vfio-pilot groups --dot > host.dot' "
		       "and render it elsewhere with 'dot -Tsvg host.dot'");
		return VP_EXIT_NOINPUT;
	}
	vp_err("dot could not write '%s' (%s %d); check that its directory exists and "
	       "is writable",
	       out, WIFEXITED(status) ? "exit status" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return VP_EXIT_IO;
}

static int print_dot(struct vp_ctx *ctx, struct vp_host *h, const struct vp_global *g,
		     const struct vp_bdf *want, const char *svg)
{
	struct vp_session ses = { 0 };
	char title[256];
	bool slot = false;
	int r, fd = -1;
	FILE *f = ctx->fout;

	/* Targets as doctor picks them: the named function or the candidate GPUs. */
	r = vp_session_init(&ses, ctx, h);
	if (r >= 0)
		r = vp_session_targets(&ses, want, &slot, want ? 1 : 0);
	if (r < 0) {
		vp_session_free(&ses);
		vp_err("cannot pick the targets to mark: %s", strerror(-r));
		return vp_exit_code(r);
	}
	dot_title(g, title, sizeof(title));
	if (svg) {
		fd = memfd_create("vfio-pilot.dot", MFD_CLOEXEC);
		f = fd < 0 ? NULL : fdopen(fd, "w+");
		if (!f) {
			vp_err("cannot buffer the graph for dot: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			vp_session_free(&ses);
			return VP_EXIT_SOFTWARE;
		}
	}
	r = vp_dot_print(f, h, title, ses.targets, ses.ntargets);
	vp_session_free(&ses);
	if (svg) {
		/* dup2 in the child clears CLOEXEC on its copy only. */
		if (r == 0 && fflush(f) == 0)
			r = render_svg(svg, fileno(f));
		else
			r = VP_EXIT_IO;
		fclose(f);
		if (r == VP_EXIT_OK && ctx->out == VP_OUT_TEXT)
			fprintf(ctx->fout, "wrote %s\n", svg);
		return r;
	}
	return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
}

static int cmd_groups(struct vp_global *g, int argc, char **argv)
{
	struct groups_opts o = { 0 };
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	const struct vp_dev *only = NULL;
	struct vp_bdf b;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "", groups_opts, groups_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_groups);
		return VP_EXIT_OK;
	}
	if ((o.dot || o.svg) && g->json) {
		vp_err("--json and --%s are two ways to print; choose one",
		       o.dot ? "dot" : "svg");
		return VP_EXIT_USAGE;
	}
	if (o.dot && o.svg) {
		vp_err("--svg FILE already renders the graph; leave out --dot, or use --dot "
		       "alone to print the DOT text");
		return VP_EXIT_USAGE;
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
	r = vp_open_ctx(g, &ctx);
	if (r < 0)
		return vp_exit_code(r);
	/* Groups show no BARs, reset, power or link: leave them unread (host/pci.c). */
	ctx->dev_details_lazy = true;
	r = vp_host_load(ctx, &h);
	if (r < 0) {
		vp_err("cannot read the host at %s: %s", ctx->root, strerror(-r));
		return vp_exit_code(r);
	}
	if (argc - first == 1) {
		only = vp_host_find(h, &b);
		if (!only) {
			vp_err("no PCI function %s on this host", argv[first]);
			return VP_EXIT_NOINPUT;
		}
	}
	if (o.dot || o.svg) {
		r = print_dot(ctx, h, g, argc - first == 1 ? &b : NULL, o.svg);
		return r == VP_EXIT_OK && h->ngroups == 0 ? VP_EXIT_NO_IOMMU : r;
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

const struct vp_cmd vp_cmd_groups = {
	.name = "groups",
	.run = cmd_groups,
	.summary = "IOMMU groups with their members, verdicts and ACS gaps",
	.usage =
		"  [ADDR]              only the group of this function (with --dot/--svg: the\n"
		"                      target marked in the whole tree)\n"
		"      --dot           the PCI tree for Graphviz: groups as clusters, shared\n"
		"                      groups in red, host-critical devices and targets marked\n"
		"      --svg FILE      the same drawn by graphviz's dot into FILE\n",
	.example = "vfio-pilot groups 01:00.0\n"
		   "vfio-pilot groups --svg host.svg",
};
