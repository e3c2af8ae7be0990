// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A host over time: the last start of each VM that uses a passed-through
 * device, from Proxmox's task logs, with the explain signatures run over a
 * failed one.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "host/tasks.h"
#include "kb/signatures.h"

/* The generic "QEMU exited" line says where the reason is, not what it is. */
static bool generic_sig(const struct vp_sig *s)
{
	return streq(s->id, "qemu-exited");
}

/* What the explain signatures find in a task's log: the line that tells the cause. */
struct vp_task_cause {
	const struct vp_sig *sig;
	char *line;
	size_t lineno, nmatched;
};

static void vp_task_cause_free(struct vp_task_cause *w)
{
	free(w->line);
	*w = (struct vp_task_cause){ 0 };
}

static int vp_task_cause(struct vp_ctx *ctx, const struct vp_task *t,
			 struct vp_task_cause *out)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, no = 0;
	int r = vp_task_open_log(ctx, t, &f);

	*out = (struct vp_task_cause){ 0 };
	if (r < 0)
		return r;
	while (getline(&line, &cap, f) > 0) {
		const struct vp_sig *s;
		struct vp_sig_match m;

		no++;
		strstrip_end(line);
		for (size_t i = 0; (s = vp_sig_scan(line, &i, &m)); i++) {
			bool better;

			out->nmatched++;
			/* The first error that is not the generic one, else the first at
			 * all. */
			better = !out->sig ||
				 (s->severity == VP_SIG_ERROR && !generic_sig(s) &&
				  (out->sig->severity != VP_SIG_ERROR ||
				   generic_sig(out->sig)));
			if (!better)
				continue;
			free(out->line);
			out->line = strndup(line, 300);
			out->sig = s;
			out->lineno = no;
			if (!out->line)
				return -ENOMEM;
		}
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static char *when(time_t t)
{
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm))
		return strdup("?");
	return strdup(buf);
}

static int one_vm(struct vp_doc *doc, const struct vp_check *c, int vmid)
{
	struct vp_task t = { 0 };
	struct vp_task_cause why = { 0 };
	_cleanup_free_ char *at = NULL, *path = NULL;
	char id[16];
	int r;

	snprintf(id, sizeof(id), "%d", vmid);
	r = vp_tasks_last(doc->s.ctx, "qmstart", id, &t);
	if (r == -ENOENT || r == -ENOTDIR)
		return vp_report(
			doc, c, NULL, VP_V_SKIP,
			xasprintf("VM %d: no start in the task logs", vmid),
			r == -ENOENT
				? vp_evidence(VP_VAR_LOG, "pve/tasks",
					      "no qmstart task for %d", vmid)
				: vp_evidence(VP_VAR_LOG, "pve/tasks", "%s", "missing"),
			NULL);
	if (r < 0)
		return r;
	at = when(t.starttime);
	path = vp_display_path(VP_ROOT, t.log);
	if (t.running || !t.status) {
		r = vp_report(doc, c, NULL, VP_V_OK,
			      xasprintf("VM %d: started %s, %s", vmid, at,
					t.running ? "still running" : "no status yet"),
			      xasprintf("%s: %s", path ? path : t.log,
					t.running ? "in the active list, no end time"
						  : "no TASK line"),
			      NULL);
		vp_task_free(&t);
		return r;
	}
	if (!vp_task_failed(&t)) {
		r = vp_report(doc, c, NULL, VP_V_OK,
			      xasprintf("VM %d: last start %s: %s", vmid, at, t.status),
			      xasprintf("%s (status from %s)", path ? path : t.log,
					t.status_from),
			      NULL);
		vp_task_free(&t);
		return r;
	}
	r = vp_task_cause(doc->s.ctx, &t, &why);
	if (r < 0 && r != -ENOENT) {
		vp_task_cause_free(&why);
		vp_task_free(&t);
		return r;
	}
	if (why.sig)
		r = vp_report(
			doc, c, NULL, VP_V_FAIL,
			xasprintf("VM %d: last start %s failed (%s); cause: %s", vmid, at,
				  t.status, why.sig->title),
			xasprintf("%s line %zu: %s [signature %s; explain --vm %d shows "
				  "all %zu matches]",
				  path ? path : t.log, why.lineno, why.line, why.sig->id,
				  vmid, why.nmatched),
			strdup(why.sig->fix));
	else
		r = vp_report(doc, c, NULL, VP_V_FAIL,
			      xasprintf("VM %d: last start %s failed: %s (no known "
					"signature in its log)",
					vmid, at, t.status),
			      xasprintf("%s (status from %s)%s", path ? path : t.log,
					t.status_from,
					r == -ENOENT ? "; the log itself is gone" : ""),
			      xasprintf("read the task log: qm start %d, or the task in "
					"the GUI; vfio-pilot explain --vm %d",
					vmid, vmid));
	vp_task_cause_free(&why);
	vp_task_free(&t);
	return r;
}

/* Every VM whose config has a hostpciN, in VMID order. */
int vp_check_last_starts(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_guests *g = &doc->s.guests;
	_cleanup_free_ int *ids = calloc(g->n ? g->n : 1, sizeof(int));
	size_t n = 0;
	int r = 0;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++)
		if (g->refs[i].kind == 'q' && startswith(g->refs[i].key, "hostpci"))
			ids[n++] = g->refs[i].id;
	qsort(ids, n, sizeof(*ids), cmp_int);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			r = one_vm(doc, c, ids[i]);
	return r;
}
