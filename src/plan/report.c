// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Showing and applying a plan, the same for every command that has one
 * (host, vm, lxc, hookscript, mapping): notes, refusals, the diffs and
 * commands as text or JSON; apply only without refusals; a second apply
 * that finds nothing to do says so.
 */
#include <errno.h>
#include <stdlib.h>

#include "out/output.h"
#include "plan/plan.h"

/* What earlier runs left for the next apply or undo to finish. */
struct pending {
	struct strv cmds;
	struct strv interrupted;
};

static void print_pending(FILE *f, const struct pending *w)
{
	for (size_t i = 0; i < w->interrupted.n; i++)
		fprintf(f,
			"pending: apply or undo %s was interrupted; the next apply or "
			"undo finishes it\n",
			w->interrupted.v[i]);
	for (size_t i = 0; i < w->cmds.n; i++)
		fprintf(f,
			"pending: %s    # an earlier apply's command that has not run "
			"yet; the next apply or undo runs it\n",
			w->cmds.v[i]);
}

static void print_text(FILE *f, const struct vp_plan *p, const struct pending *w)
{
	for (size_t i = 0; i < p->notes.n; i++)
		fprintf(f, "note: %s\n", p->notes.v[i]);
	for (size_t i = 0; i < p->refusals.n; i++)
		fprintf(f, "refused: %s\n", p->refusals.v[i]);
	print_pending(f, w);
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
		      struct json_object *extra, const char *id, const struct pending *w)
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
	if (extra) {
		json_object_object_foreach (extra, key, val) {
			json_object_object_add(o, key, json_object_get(val));
		}
	}
	json_object_object_add(o, "edits", edits);
	json_object_object_add(o, "commands", cmds);
	json_object_object_add(o, "notes", jstrv(&p->notes));
	json_object_object_add(o, "refusals", jstrv(&p->refusals));
	json_object_object_add(o, "pending_commands", jstrv(&w->cmds));
	json_object_object_add(o, "interrupted", jstrv(&w->interrupted));
	json_object_object_add(o, "undo_id", id ? json_object_new_string(id) : NULL);
	r = vp_json_print(ctx, o);
	json_object_put(o);
	return r;
}

static int finish(struct vp_ctx *ctx, struct vp_plan *p, const char *cmd, bool apply,
		  struct json_object *extra, const char *plan_file, struct pending *w)
{
	_cleanup_free_ char *id = NULL;
	bool json = ctx->out == VP_OUT_JSON;
	int r;

	/* Read only: an unreadable record shows nothing pending, apply says more. */
	vp_plan_pending(ctx, &w->cmds, &w->interrupted);
	if (!apply || p->refusals.n) {
		if (json)
			print_json(ctx, p, cmd, extra, NULL, w);
		else
			print_text(ctx->fout, p, w);
		if (apply)
			vp_log_err(ctx, "not applied: the plan has refusals; nothing "
					"was written");
		if (!apply && plan_file && !p->refusals.n) {
			r = vp_plan_save(p, plan_file);
			if (r < 0) {
				vp_log_err(ctx, "cannot save the plan to %s: %s",
					   plan_file, strerror(-r));
				return vp_exit_code(r == -ENOENT ? -EIO : r);
			}
			const char *sp = strrchr(cmd, ' ');

			fprintf(json ? ctx->fdiag : ctx->fout,
				"plan saved to %s; apply exactly this plan with: vfio-pilot "
				"%.*s apply --plan-file %s\n",
				plan_file, sp ? (int)(sp - cmd) : (int)strlen(cmd), cmd,
				plan_file);
		}
		return p->refusals.n ? VP_EXIT_FAIL : VP_EXIT_OK;
	}
	if (plan_file) {
		r = vp_plan_check_saved(p, plan_file, ctx->fdiag);
		if (r < 0) {
			vp_log_err(
				ctx,
				"not applied: the reviewed plan in %s %s; nothing was written",
				plan_file,
				r == -ESTALE
					? "is not what would be applied now (make and "
					  "review a new plan)"
					: strerror(-r));
			return r == -ENOENT ? VP_EXIT_NOINPUT : vp_plan_exit_code(r);
		}
	}
	if (!p->nedits && !p->ncmds && !w->cmds.n && !w->interrupted.n) {
		if (json) {
			print_json(ctx, p, cmd, extra, NULL, w);
		} else {
			for (size_t i = 0; i < p->notes.n; i++)
				fprintf(ctx->fout, "note: %s\n", p->notes.v[i]);
			fprintf(ctx->fout, "nothing to change\n");
		}
		return VP_EXIT_OK;
	}
	if (!json)
		for (size_t i = 0; i < p->notes.n; i++)
			fprintf(ctx->fout, "note: %s\n", p->notes.v[i]);
	r = vp_plan_apply(ctx, &vp_io_real, p, &id, json ? ctx->fdiag : ctx->fout);
	if (json) {
		/* What is still pending after the run. */
		strv_free(&w->cmds);
		strv_free(&w->interrupted);
		vp_plan_pending(ctx, &w->cmds, &w->interrupted);
		print_json(ctx, p, cmd, extra, id, w);
	}
	if (r < 0) {
		vp_log_err(
			ctx, "apply stopped: %s%s", strerror(-r),
			id ? " (files written; commands failed: the next apply or undo "
			     "runs them again)"
			   : "");
		return vp_plan_exit_code(r);
	}
	if (!json && !id && !p->nedits)
		fprintf(ctx->fout, "nothing to change in the files\n");
	if (!json && id)
		fprintf(ctx->fout, "applied; undo with: vfio-pilot%s%s undo %s\n",
			streq(ctx->root, "/") ? "" : " --root ",
			streq(ctx->root, "/") ? "" : ctx->root, id);
	return VP_EXIT_OK;
}

int vp_plan_finish_file(struct vp_ctx *ctx, struct vp_plan *p, const char *cmd,
			bool apply, struct json_object *extra, const char *plan_file)
{
	struct pending w = { 0 };
	int r = finish(ctx, p, cmd, apply, extra, plan_file, &w);

	strv_free(&w.cmds);
	strv_free(&w.interrupted);
	json_object_put(extra);
	return r;
}

int vp_plan_finish(struct vp_ctx *ctx, struct vp_plan *p, const char *cmd, bool apply,
		   struct json_object *extra)
{
	return vp_plan_finish_file(ctx, p, cmd, apply, extra, NULL);
}
