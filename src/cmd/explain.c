// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * explain FILE|-: the failure signatures (src/kb/signatures.c) found in a
 * kernel log, journalctl -k export, Proxmox task log, qm start output or
 * lspci output, each once, with the lines that matched, its cause and fix.
 * Lines it does not know are counted, never guessed at. --symptom TEXT
 * gives a symptom's causes instead; --list the whole table.
 *
 * The input is the operator's file, read as given (it is not a host file, so
 * it does not go through --root), at most EX_INPUT_MAX bytes. The scanner
 * (src/kb/scan.c) matches it line by line and the paste parser
 * (src/snap/paste.c) reads it whole; this file reads it and prints what they
 * found. Exit 0 when something was recognised, 1 when nothing was
 * (docs/explain.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "host/tasks.h"
#include "kb/scan.h"
#include "kb/signatures.h"
#include "out/output.h"
#include "snap/paste.h"

#define EX_SHOW_TEXT 300 /* bytes of a line shown in text mode */
#define EX_SHOW	     5	 /* lines shown per signature in text mode without -v */
/* Bytes of input read at most: a kernel log of a long uptime is a few MiB; an
 * endless stream (cat /dev/zero | explain -) must end in an error, not a hang. */
#define EX_INPUT_MAX (64u << 20)

struct explain_opts {
	const char *symptom;
	bool list;
	const char *vm; /* --vm VMID: the log of its last start (host/tasks.c) */
};

static const struct option explain_opts[] = {
	{ "symptom", required_argument, NULL, 's' },
	{ "list", no_argument, NULL, 'l' },
	{ "vm", required_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int explain_opt(void *data, int c, const char *arg)
{
	struct explain_opts *o = data;

	switch (c) {
	case 's':
		o->symptom = arg;
		return 0;
	case 'l':
		o->list = true;
		return 0;
	case 'V':
		o->vm = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

static void where_text(unsigned int where, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < VP_SIG_WHERE_COUNT; b++)
		if (where & (1u << b))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
					      o ? ", " : "", vp_sig_where_name(b));
}

static struct json_object *where_json(unsigned int where)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int b = 0; b < VP_SIG_WHERE_COUNT; b++)
		if (where & (1u << b))
			json_object_array_add(
				a, json_object_new_string(vp_sig_where_name(b)));
	return a;
}

static struct json_object *strv_json(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* ---- this host (--root) ------------------------------------------------------------ */

static void host_dev_text(FILE *f, const struct vp_scan_host_dev *hd)
{
	const struct vp_dev *d = hd->dev;
	char name[320];

	if (!d) {
		fprintf(f, "  this host: %s is not on this host\n", hd->addr);
		return;
	}
	vp_fmt_name(d, name, sizeof(name));
	fprintf(f, "  this host: %s %s: driver %s", d->addr, name,
		d->driver ? d->driver : "none");
	if (d->iommu_group >= 0)
		fprintf(f, ", IOMMU group %d", d->iommu_group);
	else
		fprintf(f, ", no IOMMU group");
	if (d->reset_methods.n) {
		fprintf(f, ", reset methods:");
		for (size_t i = 0; i < d->reset_methods.n; i++)
			fprintf(f, " %s", d->reset_methods.v[i]);
	} else if (d->reset == VP_ABSENT) {
		fprintf(f, ", no reset method");
	}
	fputc('\n', f);
}

static void host_group_text(FILE *f, const struct vp_scan_host_group *hg)
{
	const struct vp_group *grp = hg->grp;
	size_t busy = 0;

	if (!grp) {
		fprintf(f, "  this host: IOMMU group %ld does not exist\n", hg->id);
		return;
	}
	fprintf(f, "  this host: IOMMU group %ld:", hg->id);
	for (size_t i = 0; i < grp->n; i++) {
		const struct vp_dev *m = grp->members[i];

		fprintf(f, "%s %s (%s%s)", i ? "," : "", m->addr,
			m->driver ? m->driver : "no driver",
			m->is_bridge ? ", bridge" : "");
		busy += vp_scan_on_host_driver(m);
	}
	if (busy) {
		fprintf(f, "; on a host driver:");
		for (size_t i = 0; i < grp->n; i++)
			if (vp_scan_on_host_driver(grp->members[i]))
				fprintf(f, " %s", grp->members[i]->addr);
	} else {
		fprintf(f, "; every endpoint is on vfio-pci or unbound");
	}
	fputc('\n', f);
}

static void host_text(FILE *f, const struct vp_host *h, const struct vp_sig *s,
		      const struct vp_scan_hit *hit)
{
	struct vp_scan_host m;

	vp_scan_host_match(h, s, hit, &m);
	/* The devices a line named, its groups; a vendor's devices come last. */
	for (size_t i = 0; !m.vendor && i < m.ndevs; i++)
		host_dev_text(f, &m.devs[i]);
	for (size_t i = 0; i < m.ngroups; i++)
		host_group_text(f, &m.groups[i]);
	if (!m.vendor)
		return;
	if (!m.ndevs)
		fprintf(f, "  this host: no %sdisplay device of vendor %04x\n",
			s->gpu == VP_SIG_GPU_INTEGRATED ? "integrated "
			: s->gpu == VP_SIG_GPU_DISCRETE ? "add-in "
							: "",
			s->vendor);
	for (size_t i = 0; i < m.ndevs; i++)
		host_dev_text(f, &m.devs[i]);
}

static struct json_object *host_dev_json(const struct vp_scan_host_dev *hd)
{
	const struct vp_dev *d = hd->dev;
	struct json_object *o = json_object_new_object();
	struct json_object *rm = json_object_new_array();
	char name[320];

	json_object_object_add(o, "address",
			       json_object_new_string(d ? d->addr : hd->addr));
	json_object_object_add(o, "found", json_object_new_boolean(d != NULL));
	if (d)
		vp_fmt_name(d, name, sizeof(name));
	json_object_object_add(o, "name", d ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "driver",
			       d && d->driver ? json_object_new_string(d->driver) : NULL);
	json_object_object_add(
		o, "iommu_group",
		d && d->iommu_group >= 0 ? json_object_new_int(d->iommu_group) : NULL);
	for (size_t i = 0; d && i < d->reset_methods.n; i++)
		json_object_array_add(rm, json_object_new_string(d->reset_methods.v[i]));
	json_object_object_add(o, "reset_methods", rm);
	return o;
}

static struct json_object *host_group_json(const struct vp_scan_host_group *hg)
{
	const struct vp_group *grp = hg->grp;
	struct json_object *o = json_object_new_object();
	struct json_object *members = json_object_new_array();

	json_object_object_add(o, "group", json_object_new_int64(hg->id));
	json_object_object_add(o, "found", json_object_new_boolean(grp != NULL));
	for (size_t i = 0; grp && i < grp->n; i++) {
		const struct vp_dev *m = grp->members[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "address", json_object_new_string(m->addr));
		json_object_object_add(j, "driver",
				       m->driver ? json_object_new_string(m->driver)
						 : NULL);
		json_object_object_add(j, "bridge",
				       json_object_new_boolean(m->is_bridge));
		json_object_array_add(members, j);
	}
	json_object_object_add(o, "members", members);
	return o;
}

static struct json_object *host_json(const struct vp_host *h, const struct vp_sig *s,
				     const struct vp_scan_hit *hit)
{
	struct json_object *o = json_object_new_object();
	struct json_object *devs = json_object_new_array();
	struct json_object *groups = json_object_new_array();
	struct vp_scan_host m;

	vp_scan_host_match(h, s, hit, &m);
	for (size_t i = 0; i < m.ndevs; i++)
		json_object_array_add(devs, host_dev_json(&m.devs[i]));
	for (size_t i = 0; i < m.ngroups; i++)
		json_object_array_add(groups, host_group_json(&m.groups[i]));
	json_object_object_add(o, "devices", devs);
	json_object_object_add(o, "groups", groups);
	return o;
}

/* ---- output ------------------------------------------------------------------------ */

static void paste_text(FILE *f, const struct vp_paste *p, bool first)
{
	for (size_t i = 0; i < p->nfindings; i++) {
		const struct vp_paste_finding *g = &p->findings[i];

		fprintf(f, "%s%s (%s; from the paste's facts)\n", first && !i ? "" : "\n",
			g->id, vp_sig_severity_name(g->severity));
		fprintf(f, "  %s\n", g->title);
		if (g->line) {
			_cleanup_free_ char *t = vp_scan_clean(
				g->evidence ? g->evidence : "", EX_SHOW_TEXT);

			fprintf(f, "  line %u: %s\n", g->line, t ? t : "");
		}
		fprintf(f, "  fix: %s\n", g->fix);
		if (g->settle)
			fprintf(f, "  to settle it, run: %s\n", g->settle);
		fprintf(f, "  source: %s\n", g->source);
	}
	if (p->nfindings)
		fputc('\n', f);
	fprintf(f, "Sections:");
	if (!p->nsections)
		fprintf(f, " none recognised");
	for (size_t i = 0; i < p->nsections && i < 40; i++)
		fprintf(f, "%s %s (lines %u-%u)", i ? "," : "",
			vp_paste_kind_name(p->sections[i].kind), p->sections[i].first,
			p->sections[i].last);
	if (p->nsections > 40)
		fprintf(f, ", ... %zu in all", p->nsections);
	fputc('\n', f);
}

static void print_text(struct vp_ctx *ctx, const struct vp_host *h, const char *input,
		       const struct vp_scan *x, const size_t *order, size_t n,
		       const struct vp_paste *p)
{
	FILE *f = ctx->fout;

	for (size_t k = 0; k < n; k++) {
		const struct vp_sig *s = vp_sig_at(order[k]);
		const struct vp_scan_hit *hit = &x->hits[order[k]];
		size_t show = ctx->verbose ? hit->nkept : EX_SHOW;
		char where[128];

		where_text(s->where, where, sizeof(where));
		fprintf(f, "%s%s (%s; %s)\n", k ? "\n" : "", s->id,
			vp_sig_severity_name(s->severity), where);
		fprintf(f, "  %s\n", s->title);
		if (hit->ndevs) {
			fprintf(f, "  device%s:", hit->ndevs > 1 ? "s" : "");
			for (size_t i = 0; i < hit->ndevs; i++)
				fprintf(f, " %s", hit->devs[i]);
			fputc('\n', f);
		}
		if (hit->ngroups) {
			fprintf(f, "  IOMMU group%s:", hit->ngroups > 1 ? "s" : "");
			for (size_t i = 0; i < hit->ngroups; i++)
				fprintf(f, " %ld", hit->groups[i]);
			fputc('\n', f);
		}
		for (size_t i = 0; i < hit->nkept && i < show; i++) {
			_cleanup_free_ char *t =
				vp_scan_clean(hit->kept[i].text, EX_SHOW_TEXT);

			fprintf(f, "  line %zu: %s\n", hit->kept[i].no, t ? t : "");
		}
		if (hit->nlines > show)
			fprintf(f, "  ... and %zu more matching line%s\n",
				hit->nlines - show, hit->nlines - show == 1 ? "" : "s");
		fprintf(f, "  cause: %s\n", s->cause);
		fprintf(f, "  fix: %s\n", s->fix);
		if (h)
			host_text(f, h, s, hit);
		fprintf(f, "  source: %s\n", s->source);
	}
	if (n)
		fputc('\n', f);
	paste_text(f, p, true);
	fprintf(f, "%s: %zu line%s read", input, x->nread, x->nread == 1 ? "" : "s");
	if (x->ncut)
		fprintf(f, " (%zu longer than %d bytes, matched on their start)", x->ncut,
			VP_SCAN_LINE_MAX);
	if (x->nbinary)
		fprintf(f, " (%zu with binary data)", x->nbinary);
	fprintf(f, ", %zu matched, %zu not recognised", x->nmatched,
		x->nread - x->nmatched - x->nskipped);
	if (x->nskipped)
		fprintf(f, ", %zu blank or comment", x->nskipped);
	fprintf(f, ".\n");
	if (n || p->nfindings)
		fprintf(f,
			"Verdict: %zu known signature%s recognised, %zu finding%s from the "
			"facts.\n",
			n, n == 1 ? "" : "s", p->nfindings, p->nfindings == 1 ? "" : "s");
	else
		fprintf(f,
			"Verdict: nothing recognised. No line matches a known signature; "
			"explain does not guess at the others (--list shows what it "
			"knows).\n");
}

static struct json_object *paste_json(const struct vp_paste *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *secs = json_object_new_array();
	struct json_object *kinds = json_object_new_array();
	struct json_object *finds = json_object_new_array();
	struct json_object *params = json_object_new_array();
	struct json_object *ids = json_object_new_array();
	static const char *const vendor[] = { NULL, "intel", "amd" };

	for (size_t i = 0; i < p->nsections; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(
			j, "kind",
			json_object_new_string(vp_paste_kind_name(p->sections[i].kind)));
		json_object_object_add(j, "first_line",
				       json_object_new_int64(p->sections[i].first));
		json_object_object_add(j, "last_line",
				       json_object_new_int64(p->sections[i].last));
		json_object_array_add(secs, j);
	}
	for (int k = 0; k < VP_PK_COUNT; k++)
		if (vp_paste_has(p, (enum vp_paste_kind)k))
			json_object_array_add(kinds,
					      json_object_new_string(vp_paste_kind_name(
						      (enum vp_paste_kind)k)));
	for (size_t i = 0; i < p->nfindings; i++) {
		const struct vp_paste_finding *g = &p->findings[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "id", json_object_new_string(g->id));
		json_object_object_add(
			j, "severity",
			json_object_new_string(vp_sig_severity_name(g->severity)));
		json_object_object_add(j, "title", json_object_new_string(g->title));
		json_object_object_add(j, "line",
				       g->line ? json_object_new_int64(g->line) : NULL);
		json_object_object_add(j, "evidence",
				       g->evidence ? json_object_new_string(g->evidence)
						   : NULL);
		json_object_object_add(j, "fix", json_object_new_string(g->fix));
		json_object_object_add(j, "settle",
				       g->settle ? json_object_new_string(g->settle)
						 : NULL);
		json_object_object_add(j, "source", json_object_new_string(g->source));
		json_object_array_add(finds, j);
	}
	for (size_t i = 0; i < p->nparams; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "name",
				       json_object_new_string(p->params[i].name));
		json_object_object_add(
			j, "value",
			p->params[i].value ? json_object_new_string(p->params[i].value)
					   : NULL);
		json_object_object_add(j, "line",
				       json_object_new_int64(p->params[i].line));
		json_object_array_add(params, j);
	}
	json_object_object_add(o, "sections", secs);
	json_object_object_add(o, "kinds", kinds);
	json_object_object_add(o, "findings", finds);
	json_object_object_add(o, "cpu_vendor",
			       p->vendor ? json_object_new_string(vendor[p->vendor])
					 : NULL);
	json_object_object_add(o, "kernel_parameters", params);
	json_object_object_add(o, "kernel_release",
			       p->kver ? json_object_new_string(p->kver) : NULL);
	for (size_t i = 0; i < p->nids; i++) {
		struct json_object *j = json_object_new_object();
		char id[10];

		snprintf(id, sizeof(id), "%04x:%04x", p->ids[i].vendor, p->ids[i].device);
		json_object_object_add(j, "id", json_object_new_string(id));
		json_object_object_add(j, "line", json_object_new_int64(p->ids[i].line));
		json_object_array_add(ids, j);
	}
	json_object_object_add(o, "vfio_ids", ids);
	json_object_object_add(o, "devices", json_object_new_int64((int64_t)p->im.ndevs));
	return o;
}

static int print_json(struct vp_ctx *ctx, const struct vp_host *h, const char *input,
		      const struct vp_scan *x, const size_t *order, size_t n,
		      const struct vp_paste *p)
{
	struct json_object *o = vp_json_doc(ctx, "explain");
	struct json_object *lines = json_object_new_object();
	struct json_object *sigs = json_object_new_array();
	int r;

	if (!h)
		json_object_object_add(o, "root", NULL);
	json_object_object_add(o, "input", json_object_new_string(input));
	json_object_object_add(lines, "read", json_object_new_int64((int64_t)x->nread));
	json_object_object_add(lines, "matched",
			       json_object_new_int64((int64_t)x->nmatched));
	json_object_object_add(lines, "skipped",
			       json_object_new_int64((int64_t)x->nskipped));
	json_object_object_add(lines, "cut", json_object_new_int64((int64_t)x->ncut));
	json_object_object_add(lines, "binary",
			       json_object_new_int64((int64_t)x->nbinary));
	json_object_object_add(o, "lines", lines);
	for (size_t k = 0; k < n; k++) {
		const struct vp_sig *s = vp_sig_at(order[k]);
		const struct vp_scan_hit *hit = &x->hits[order[k]];
		struct json_object *j = json_object_new_object();
		struct json_object *devs = json_object_new_array();
		struct json_object *groups = json_object_new_array();
		struct json_object *kept = json_object_new_array();

		json_object_object_add(j, "id", json_object_new_string(s->id));
		json_object_object_add(j, "title", json_object_new_string(s->title));
		json_object_object_add(
			j, "severity",
			json_object_new_string(vp_sig_severity_name(s->severity)));
		json_object_object_add(j, "where", where_json(s->where));
		for (size_t i = 0; i < hit->ndevs; i++)
			json_object_array_add(devs, json_object_new_string(hit->devs[i]));
		json_object_object_add(j, "devices", devs);
		for (size_t i = 0; i < hit->ngroups; i++)
			json_object_array_add(groups,
					      json_object_new_int64(hit->groups[i]));
		json_object_object_add(j, "groups", groups);
		json_object_object_add(j, "match_count",
				       json_object_new_int64((int64_t)hit->nlines));
		for (size_t i = 0; i < hit->nkept; i++) {
			struct json_object *l = json_object_new_object();

			json_object_object_add(
				l, "line",
				json_object_new_int64((int64_t)hit->kept[i].no));
			json_object_object_add(l, "text",
					       json_object_new_string(hit->kept[i].text));
			json_object_array_add(kept, l);
		}
		json_object_object_add(j, "lines", kept);
		json_object_object_add(j, "cause", json_object_new_string(s->cause));
		json_object_object_add(j, "fix", json_object_new_string(s->fix));
		json_object_object_add(j, "source", json_object_new_string(s->source));
		json_object_object_add(j, "host", h ? host_json(h, s, hit) : NULL);
		json_object_array_add(sigs, j);
	}
	json_object_object_add(o, "signatures", sigs);
	json_object_object_add(o, "paste", paste_json(p));
	json_object_object_add(o, "verdict",
			       json_object_new_string(n || p->nfindings
							      ? "recognised"
							      : "nothing-recognised"));
	r = vp_json_print(ctx, o);
	json_object_put(o);
	return r;
}

/* ---- --symptom and --list (each returns an exit code) ------------------------------ */

static int symptom(struct vp_ctx *ctx, const char *text)
{
	const struct vp_symptom *sy = vp_symptom_find(text);
	FILE *f = ctx->fout;

	if (ctx->out == VP_OUT_JSON) {
		struct json_object *o = vp_json_doc(ctx, "explain");
		struct json_object *j = NULL, *known = json_object_new_array();
		int r;

		json_object_object_add(o, "root", NULL);
		json_object_object_add(o, "query", json_object_new_string(text));
		if (sy) {
			struct json_object *causes = json_object_new_array();

			j = json_object_new_object();
			json_object_object_add(j, "id", json_object_new_string(sy->id));
			json_object_object_add(j, "title",
					       json_object_new_string(sy->title));
			for (size_t i = 0; i < sy->ncauses; i++) {
				const struct vp_symptom_cause *c = &sy->causes[i];
				struct json_object *cj = json_object_new_object();

				json_object_object_add(cj, "cause",
						       json_object_new_string(c->cause));
				json_object_object_add(cj, "check",
						       json_object_new_string(c->check));
				json_object_object_add(cj, "fix",
						       json_object_new_string(c->fix));
				json_object_object_add(cj, "signatures",
						       strv_json(c->signatures));
				json_object_object_add(cj, "source",
						       json_object_new_string(c->source));
				json_object_array_add(causes, cj);
			}
			json_object_object_add(j, "causes", causes);
		}
		json_object_object_add(o, "symptom", j);
		for (size_t i = 0; i < vp_symptom_count(); i++)
			json_object_array_add(
				known, json_object_new_string(vp_symptom_at(i)->id));
		json_object_object_add(o, "known_symptoms", known);
		json_object_object_add(
			o, "verdict",
			json_object_new_string(sy ? "known" : "unknown-symptom"));
		r = vp_json_print(ctx, o);
		json_object_put(o);
		if (r < 0)
			return vp_exit_code(r);
		return sy ? VP_EXIT_OK : VP_EXIT_WARN;
	}
	if (!sy) {
		fprintf(f, "No known symptom matches '%s'. Known symptoms:\n", text);
		for (size_t i = 0; i < vp_symptom_count(); i++)
			fprintf(f, "  %-22s %s\n", vp_symptom_at(i)->id,
				vp_symptom_at(i)->title);
		return VP_EXIT_WARN;
	}
	fprintf(f, "%s: %s\n", sy->id, sy->title);
	for (size_t i = 0; i < sy->ncauses; i++) {
		const struct vp_symptom_cause *c = &sy->causes[i];

		fprintf(f, "\n%zu. %s\n", i + 1, c->cause);
		fprintf(f, "   check: %s\n", c->check);
		fprintf(f, "   fix: %s\n", c->fix);
		if (c->signatures) {
			fprintf(f, "   signatures:");
			for (const char *const *s = c->signatures; *s; s++)
				fprintf(f, " %s", *s);
			fputc('\n', f);
		}
		fprintf(f, "   source: %s\n", c->source);
	}
	return VP_EXIT_OK;
}

static int list(struct vp_ctx *ctx)
{
	FILE *f = ctx->fout;

	if (ctx->out == VP_OUT_JSON) {
		struct json_object *o = vp_json_doc(ctx, "explain");
		struct json_object *sigs = json_object_new_array();
		struct json_object *syms = json_object_new_array();
		int r;

		json_object_object_add(o, "root", NULL);
		for (size_t i = 0; i < vp_sig_count(); i++) {
			const struct vp_sig *s = vp_sig_at(i);
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "id", json_object_new_string(s->id));
			json_object_object_add(j, "title",
					       json_object_new_string(s->title));
			json_object_object_add(
				j, "severity",
				json_object_new_string(
					vp_sig_severity_name(s->severity)));
			json_object_object_add(j, "where", where_json(s->where));
			json_object_object_add(j, "patterns", strv_json(s->patterns));
			json_object_object_add(j, "example",
					       json_object_new_string(s->example));
			json_object_object_add(j, "source",
					       json_object_new_string(s->source));
			/* Last, so readers of the older key order are unaffected. */
			json_object_object_add(j, "cause",
					       json_object_new_string(s->cause));
			json_object_object_add(j, "fix", json_object_new_string(s->fix));
			json_object_array_add(sigs, j);
		}
		for (size_t i = 0; i < vp_symptom_count(); i++) {
			const struct vp_symptom *sy = vp_symptom_at(i);
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "id", json_object_new_string(sy->id));
			json_object_object_add(j, "title",
					       json_object_new_string(sy->title));
			json_object_object_add(j, "aliases", strv_json(sy->aliases));
			json_object_array_add(syms, j);
		}
		json_object_object_add(o, "signatures", sigs);
		json_object_object_add(o, "symptoms", syms);
		r = vp_json_print(ctx, o);
		json_object_put(o);
		return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
	}
	for (size_t i = 0; i < vp_sig_count(); i++) {
		const struct vp_sig *s = vp_sig_at(i);
		char where[128];

		where_text(s->where, where, sizeof(where));
		fprintf(f, "%-30s %-7s %-24s %s\n", s->id,
			vp_sig_severity_name(s->severity), where, s->title);
	}
	fprintf(f, "\nSymptoms (--symptom):\n");
	for (size_t i = 0; i < vp_symptom_count(); i++)
		fprintf(f, "  %-22s %s\n", vp_symptom_at(i)->id, vp_symptom_at(i)->title);
	return VP_EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------- */

/*
 * The operator's file, or standard input for "-", read whole into *@out
 * (NUL-terminated, *@len bytes). 0 or -errno (printed). A character or block
 * device or a socket is refused (explain /dev/zero would never end); a pipe or
 * FIFO is read up to EX_INPUT_MAX, past which the input is refused (-EFBIG).
 */
/* A task log opened by host/tasks.c, read whole under the same bound as a file. */
static int read_stream(FILE *f, char **out, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		size_t k;

		if (cap - n < 65536) {
			char *nb;

			if (cap >= EX_INPUT_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		return -EIO;
	buf[n] = '\0';
	*out = TAKE_PTR(buf);
	*len = n;
	return 0;
}

static int read_input(const char *file, char **out, size_t *len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;
	struct stat st;

	if (streq(file, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int r = -errno;

		vp_err("cannot read '%s': %s", file, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		vp_err("cannot read '%s': %s", file, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		vp_err("'%s' is a directory, not a log file", file);
		return -EISDIR;
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
		vp_err("'%s' is a device or socket, not a log file (save the log to a file, or "
		       "pipe it to 'explain -')",
		       file);
		return -ENODEV;
	}
	if (!streq(file, "-")) {
		/* blocking reads from here: a FIFO's writer may be slow */
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0)
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	for (;;) {
		ssize_t k;

		if (n == cap) {
			char *nb;

			if (cap >= EX_INPUT_MAX) {
				vp_err("'%s' is larger than %u MiB: not a log explain can read "
				       "(give it the relevant part)",
				       file, EX_INPUT_MAX >> 20);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > EX_INPUT_MAX)
				cap = EX_INPUT_MAX;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			vp_err("cannot read '%s': %s", file, strerror(errno));
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[n] = '\0';
	*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

static int cmd_explain(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ size_t *order = NULL;
	_cleanup_free_ char *text = NULL;
	struct explain_opts o = { 0 };
	struct vp_paste paste = { 0 };
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	_cleanup_free_ char *vmlog = NULL;
	size_t textlen = 0;
	const char *file;
	FILE *f = NULL;
	size_t n;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "s:lV:", explain_opts, explain_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_explain);
		return VP_EXIT_OK;
	}
	n = (size_t)(argc - first);
	if ((o.list || o.symptom) && (n || (o.list && o.symptom))) {
		vp_err("give one of FILE, --symptom TEXT or --list");
		return VP_EXIT_USAGE;
	}
	if (o.vm && (n || o.list || o.symptom)) {
		vp_err("--vm VMID reads that VM's last start: give no FILE, --symptom or --list");
		return VP_EXIT_USAGE;
	}
	if (!o.list && !o.symptom && !o.vm && n != 1) {
		vp_err(n ? "explain reads one file at a time"
			 : "explain needs a FILE ('-' for standard input), --symptom TEXT "
			   "or --list");
		return VP_EXIT_USAGE;
	}
	if (o.list || o.symptom) {
		r = vp_open_ctx(g, &ctx);
		if (r < 0)
			return vp_exit_code(r);
		return o.list ? list(ctx) : symptom(ctx, o.symptom);
	}

	if (o.vm) {
		r = vp_open_ctx(g, &ctx);
		r = r < 0 ? r : vp_task_vm_start_log(ctx, o.vm, &f, &vmlog);
		if (r < 0)
			return r == -EINVAL ? VP_EXIT_USAGE : vp_exit_code(r);
		vp_ctx_free(TAKE_PTR(ctx));
		r = read_stream(f, &text, &textlen);
		fclose(f);
		f = NULL;
		file = vmlog;
	} else {
		file = argv[first];
		r = read_input(file, &text, &textlen);
	}
	if (r < 0)
		return r == -EISDIR || r == -ENODEV ? VP_EXIT_NOINPUT
		       : r == -EFBIG		    ? VP_EXIT_DATA
						    : vp_exit_code(r);
	/* The host is read only when --root names one: else explain reads the log alone.
	 */
	r = g->root ? vp_load(g, &ctx, &h) : vp_open_ctx(g, &ctx);
	if (r)
		return r < 0 ? vp_exit_code(r) : r;
	r = vp_scan_init(&x);
	order = calloc(x.nsig ? x.nsig : 1, sizeof(*order));
	r = r < 0 || !order ? -ENOMEM : vp_scan_text(&x, text, textlen);
	if (r == 0)
		r = vp_paste_parse(&paste, text);
	if (r < 0) {
		vp_err("cannot read '%s': %s", file, strerror(-r));
		vp_paste_free(&paste);
		return vp_exit_code(r);
	}
	r = vp_scan_order(&x, order, &n);
	if (r < 0)
		vp_err("explain failed: %s", strerror(-r));
	else if (ctx->out == VP_OUT_JSON)
		r = print_json(ctx, h, file, &x, order, n, &paste);
	else
		print_text(ctx, h, file, &x, order, n, &paste);
	if (r < 0) {
		vp_paste_free(&paste);
		return vp_exit_code(r);
	}
	r = n || paste.nfindings ? VP_EXIT_OK : VP_EXIT_WARN;
	vp_paste_free(&paste);
	return r;
}

const struct vp_cmd vp_cmd_explain = {
	.name = "explain",
	.run = cmd_explain,
	.summary = "known failure messages in a log: cause and fix",
	.usage =
		"  FILE                a log (dmesg, journalctl -k, Proxmox task log, qm start) or a\n"
		"                      whole pasted post (lspci, IOMMU groups, kernel command line,\n"
		"                      modprobe.d, VM config); '-' reads standard input\n"
		"      --vm VMID       the Proxmox task log of the VM's last start instead\n"
		"  -s, --symptom TEXT  causes of a symptom (black screen, code 43, ...) instead\n"
		"  -l, --list          every known signature and symptom\n"
		"      --root DIR      also name this host's devices, drivers and groups in fixes\n",
	.example = "journalctl -k -b | vfio-pilot explain -\n"
		   "vfio-pilot explain --symptom 'code 43'",
};
