// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doctor [ADDR...]: every layer checked for the targets, each finding with
 * its evidence and fix; exit 0 ready, 1 ready with warnings, 2 not ready,
 * 4 applied and waiting for a reboot.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "cmd/cmd.h"
#include "out/output.h"

struct doctor_opts {
	const char *kernel_log;
};

static const struct option doctor_opts[] = {
	{ "kernel-log", required_argument, NULL, 'k' },
	{ NULL, 0, NULL, 0 },
};

static int doctor_opt(void *data, int c, const char *arg)
{
	struct doctor_opts *o = data;

	if (c != 'k')
		return -EINVAL;
	o->kernel_log = arg;
	return 0;
}

static const char *overall_name(int overall)
{
	return overall == VP_EXIT_REBOOT_PENDING ? "reboot-pending"
						 : vp_overall_name(overall);
}

static void print_text(struct vp_ctx *ctx, const struct vp_doc *doc, int overall)
{
	FILE *f = ctx->fout;

	if (doc->s.ntargets == 0)
		fprintf(f,
			"Targets: none (no display device found; name one: doctor ADDR)\n");
	for (size_t i = 0; i < doc->s.ntargets; i++) {
		char name[320];

		vp_dev_names(ctx, doc->s.targets[i]);
		vp_fmt_name(doc->s.targets[i], name, sizeof(name));
		fprintf(f, "%s %s\n", i ? "        " : "Target:", doc->s.target_why.v[i]);
		fprintf(f, "         %s\n", name);
	}
	for (int l = 0; l < VP_L_COUNT; l++) {
		size_t cnt[4] = { 0 };

		fprintf(f, "\n%s\n", vp_layer_title((enum vp_layer)l));
		for (size_t i = 0; i < doc->nf; i++) {
			const struct vp_finding *x = &doc->f[i];
			bool detail = x->verdict != VP_V_OK || ctx->verbose;

			if ((int)x->layer != l)
				continue;
			cnt[x->verdict]++;
			fprintf(f, "  %-4s  %-26s %s%s%s\n", vp_verdict_name(x->verdict),
				x->id, x->device ? x->device : "", x->device ? ": " : "",
				x->summary);
			if (detail)
				fprintf(f, "        evidence: %s\n", x->evidence);
			if (x->fix &&
			    (x->verdict == VP_V_WARN || x->verdict == VP_V_FAIL))
				fprintf(f, "        fix: %s\n", x->fix);
		}
		fprintf(f, "  -> %zu ok, %zu warning%s, %zu failed, %zu skipped\n",
			cnt[VP_V_OK], cnt[VP_V_WARN], cnt[VP_V_WARN] == 1 ? "" : "s",
			cnt[VP_V_FAIL], cnt[VP_V_SKIP]);
	}
	fprintf(f, "\nVerdict: %s\n", overall_name(overall));
}

static int print_json(struct vp_ctx *ctx, const struct vp_doc *doc, int overall)
{
	struct json_object *o = vp_json_doc(ctx, "doctor");
	struct json_object *targets = json_object_new_array();
	struct json_object *findings = json_object_new_array();
	struct json_object *layers = json_object_new_array();
	int r;

	for (size_t i = 0; i < doc->s.ntargets; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "address",
				       json_object_new_string(doc->s.targets[i]->addr));
		json_object_object_add(t, "why",
				       json_object_new_string(doc->s.target_why.v[i]));
		json_object_array_add(targets, t);
	}
	for (size_t i = 0; i < doc->nf; i++) {
		const struct vp_finding *x = &doc->f[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "id", json_object_new_string(x->id));
		json_object_object_add(j, "layer",
				       json_object_new_string(vp_layer_name(x->layer)));
		json_object_object_add(
			j, "verdict",
			json_object_new_string(vp_verdict_name(x->verdict)));
		json_object_object_add(j, "device",
				       x->device ? json_object_new_string(x->device)
						 : NULL);
		json_object_object_add(j, "summary", json_object_new_string(x->summary));
		json_object_object_add(j, "evidence",
				       json_object_new_string(x->evidence));
		json_object_object_add(j, "fix",
				       x->fix ? json_object_new_string(x->fix) : NULL);
		json_object_array_add(findings, j);
	}
	for (int l = 0; l < VP_L_COUNT; l++) {
		struct json_object *j = json_object_new_object();
		int cnt[4] = { 0 };

		for (size_t i = 0; i < doc->nf; i++)
			if ((int)doc->f[i].layer == l)
				cnt[doc->f[i].verdict]++;
		json_object_object_add(
			j, "layer",
			json_object_new_string(vp_layer_name((enum vp_layer)l)));
		json_object_object_add(j, "ok", json_object_new_int(cnt[VP_V_OK]));
		json_object_object_add(j, "warn", json_object_new_int(cnt[VP_V_WARN]));
		json_object_object_add(j, "fail", json_object_new_int(cnt[VP_V_FAIL]));
		json_object_object_add(j, "skip", json_object_new_int(cnt[VP_V_SKIP]));
		json_object_array_add(layers, j);
	}
	json_object_object_add(o, "targets", targets);
	json_object_object_add(o, "findings", findings);
	json_object_object_add(o, "layers", layers);
	json_object_object_add(o, "verdict",
			       json_object_new_string(overall_name(overall)));
	r = vp_json_print(ctx, o);
	json_object_put(o);
	return r;
}

/* What the lazy scan left out, for the targets and the functions that go with them. */
static int target_details(struct vp_ctx *ctx, struct vp_doc *doc)
{
	/* Names are looked up only when printed (print_text). */
	for (size_t i = 0; i < doc->s.sel.targets.n; i++) {
		int r = vp_dev_details(ctx, doc->s.sel.targets.v[i]);

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < doc->s.sel.companions.n; i++) {
		int r = vp_dev_details(ctx, doc->s.sel.companions.v[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static int cmd_doctor(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ struct vp_bdf *want = NULL;
	_cleanup_free_ bool *slots = NULL;
	struct doctor_opts o = { 0 };
	struct vp_doc doc = { 0 };
	size_t n;
	int first, r, overall;

	first = vp_parse_opts(g, argc, argv, "k:", doctor_opts, doctor_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_doctor);
		return VP_EXIT_OK;
	}
	n = (size_t)(argc - first);
	want = calloc(n ? n : 1, sizeof(*want));
	slots = calloc(n ? n : 1, sizeof(*slots));
	if (!want || !slots)
		return VP_EXIT_SOFTWARE;
	for (size_t i = 0; i < n; i++) {
		struct vp_devspec spec;

		if (vp_devspec_parse(argv[first + (int)i], &spec) < 0) {
			vp_err("'%s' is not a PCI address (use 0000:01:00.0, 01:00.0 or 01:00)",
			       argv[first + (int)i]);
			return VP_EXIT_USAGE;
		}
		want[i] = spec.bdf;
		slots[i] = spec.slot;
	}
	r = vp_open_ctx(g, &ctx);
	if (r < 0)
		return vp_exit_code(r);
	/* A host of thousands of VFs has a few targets: read their details only. */
	ctx->dev_details_lazy = true;
	ctx->dev_names_lazy = true;
	r = vp_host_load(ctx, &h);
	if (r < 0) {
		vp_err("cannot read the host at %s: %s", ctx->root, strerror(-r));
		return vp_exit_code(r);
	}
	r = vp_doc_init(&doc, ctx, h, o.kernel_log);
	if (r == 0) {
		r = vp_session_targets(&doc.s, want, slots, n);
		if (r == -ENODEV)
			vp_err("a named device is not on this host");
	}
	if (r == 0)
		r = target_details(ctx, &doc);
	if (r == 0)
		r = vp_doc_run(&doc);
	if (r < 0) {
		vp_doc_free(&doc);
		if (r != -ENODEV)
			vp_err("doctor failed: %s", strerror(-r));
		return vp_exit_code(r);
	}
	overall = vp_doc_overall(&doc);
	/* Failures still come first; then the changes that wait for the boot. */
	if (overall != VP_EXIT_FAIL && vp_doc_reboot_pending(&doc))
		overall = VP_EXIT_REBOOT_PENDING;
	if (ctx->out == VP_OUT_JSON)
		r = print_json(ctx, &doc, overall);
	else
		print_text(ctx, &doc, overall);
	vp_doc_free(&doc);
	return r < 0 ? vp_exit_code(r) : overall;
}

const struct vp_cmd vp_cmd_doctor = {
	.name = "doctor",
	.run = cmd_doctor,
	.summary = "check every layer for passthrough, with evidence and fixes",
	.usage =
		"  -k, --kernel-log FILE  a dmesg or journalctl -k export (default: the current\n"
		"                         boot in the root's systemd journal, else\n"
		"                         /var/log/kern.log)\n"
		"  [ADDR...]              the devices to pass through; default: the candidate GPUs\n",
	.example = "vfio-pilot doctor\n"
		   "vfio-pilot doctor -k kern.log 01:00",
};
