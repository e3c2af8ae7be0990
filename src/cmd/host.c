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
};

static const struct option host_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "include-group", required_argument, NULL, OPT_INCLUDE },
	{ "take-host-device", no_argument, NULL, OPT_TAKE },
	{ "acs-override", no_argument, NULL, OPT_ACS },
	{ "unsafe-interrupts", no_argument, NULL, OPT_UNSAFE },
	{ "fb-off", no_argument, NULL, OPT_FB },
	{ "disable-idle-d3", no_argument, NULL, OPT_D3 },
	{ "ignore-msrs", no_argument, NULL, OPT_MSRS },
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

static int host_opt(void *data, int c, const char *arg)
{
	struct vp_host_opts *o = data;

	switch (c) {
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
	default:
		return -EINVAL;
	}
}

static void print_text(FILE *f, const struct vp_plan *p)
{
	for (size_t i = 0; i < p->notes.n; i++)
		fprintf(f, "note: %s\n", p->notes.v[i]);
	for (size_t i = 0; i < p->refusals.n; i++)
		fprintf(f, "refused: %s\n", p->refusals.v[i]);
	if (p->nedits || p->ncmds)
		fputc('\n', f);
	vp_plan_print(f, p);
}

static struct json_object *jstrv(const struct strv *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

static int print_json(struct vp_ctx *ctx, const struct vp_plan *p, const char *cmd,
		      const char *id)
{
	struct json_object *o = vp_json_doc(ctx, cmd), *edits = json_object_new_array();
	struct json_object *cmds = json_object_new_array();
	int r;

	for (size_t i = 0; i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];
		struct json_object *j = json_object_new_object();
		_cleanup_free_ char *label = vp_display_path(VP_ROOT, e->sub),
				    *diff = NULL;
		size_t dlen = 0;
		FILE *m = open_memstream(&diff, &dlen);

		if (m) {
			vp_diff(m, label, e->old, e->oldlen, e->old != NULL, e->new,
				e->newlen);
			fclose(m);
		}
		json_object_object_add(j, "path", json_object_new_string(label));
		json_object_object_add(j, "why", json_object_new_string(e->why));
		json_object_object_add(j, "created",
				       json_object_new_boolean(e->old == NULL));
		json_object_object_add(j, "diff",
				       diff ? json_object_new_string(diff) : NULL);
		json_object_array_add(edits, j);
	}
	for (size_t i = 0; i < p->ncmds; i++) {
		struct json_object *j = json_object_new_object(),
				   *argv = json_object_new_array();

		for (char **a = p->cmds[i].argv; *a; a++)
			json_object_array_add(argv, json_object_new_string(*a));
		json_object_object_add(j, "argv", argv);
		json_object_object_add(j, "why", json_object_new_string(p->cmds[i].why));
		json_object_array_add(cmds, j);
	}
	json_object_object_add(o, "edits", edits);
	json_object_object_add(o, "commands", cmds);
	json_object_object_add(o, "notes", jstrv(&p->notes));
	json_object_object_add(o, "refusals", jstrv(&p->refusals));
	json_object_object_add(o, "undo_id", id ? json_object_new_string(id) : NULL);
	r = vp_json_print(ctx, o);
	json_object_put(o);
	return r;
}

int cmd_host(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ char *id = NULL;
	struct vp_host_opts o = { 0 };
	struct vp_doc doc = { 0 };
	struct vp_plan p = { 0 };
	bool apply;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", host_opts, host_opt, &o);
	if (first < 0)
		goto usage;
	if (g->help) {
		vp_cmd_help(vp_cmd_find("host"));
		r = VP_EXIT_OK;
		goto out_opts;
	}
	if (argc - first != 1 ||
	    (!streq(argv[first], "plan") && !streq(argv[first], "apply"))) {
		vp_err("use: host plan|apply [--device ADDR ...]");
		goto usage;
	}
	apply = streq(argv[first], "apply");
	if (apply && geteuid() != 0) {
		vp_err("host apply needs root; nothing was written ('host plan' shows the change)");
		r = VP_EXIT_NOPERM;
		goto out_opts;
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		goto out_opts;
	r = vp_doc_init(&doc, ctx, h, NULL);
	if (r == 0)
		r = vp_doc_targets(&doc, o.devs, o.slots, o.ndevs);
	if (r == -ENODEV)
		vp_err("a --device is not on this host");
	if (r == 0)
		r = vp_host_plan(&doc, &o, &p);
	if (r < 0) {
		r = vp_exit_code(r);
		goto out;
	}
	if (!apply || p.refusals.n) {
		if (ctx->out == VP_OUT_JSON)
			print_json(ctx, &p, apply ? "host apply" : "host plan", NULL);
		else
			print_text(ctx->fout, &p);
		if (apply)
			fprintf(stderr,
				"vfio-pilot: not applied: the plan has refusals; nothing "
				"was written\n");
		r = p.refusals.n ? VP_EXIT_FAIL : VP_EXIT_OK;
		goto out;
	}
	if (!p.nedits && !p.ncmds) {
		if (ctx->out == VP_OUT_JSON)
			print_json(ctx, &p, "host apply", NULL);
		else
			fprintf(ctx->fout,
				"nothing to change: the host is already set up\n");
		r = VP_EXIT_OK;
		goto out;
	}
	r = vp_plan_apply(ctx, &vp_io_real, &p, &id,
			  ctx->out == VP_OUT_JSON ? stderr : ctx->fout);
	if (ctx->out == VP_OUT_JSON)
		print_json(ctx, &p, "host apply", id);
	if (r < 0) {
		vp_err("apply stopped: %s%s", strerror(-r),
		       id ? " (files written; commands failed)" : "");
		r = vp_exit_code(r);
		goto out;
	}
	if (ctx->out != VP_OUT_JSON && id)
		fprintf(ctx->fout,
			"applied; undo with: vfio-pilot%s%s undo %s\nreboot, then run "
			"vfio-pilot doctor\n",
			streq(ctx->root, "/") ? "" : " --root ",
			streq(ctx->root, "/") ? "" : ctx->root, id);
	r = VP_EXIT_OK;
out:
	vp_plan_free(&p);
	vp_doc_free(&doc);
out_opts:
	free(o.devs);
	free(o.slots);
	free(o.include);
	return r;
usage:
	r = VP_EXIT_USAGE;
	goto out_opts;
}

int cmd_undo(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "", NULL, NULL, NULL);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(vp_cmd_find("undo"));
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
	r = vp_undo(ctx, &vp_io_real, argc - first ? argv[first] : NULL, ctx->fout);
	return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
}
