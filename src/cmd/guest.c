// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guest check | guest script --windows: run inside the VM (or --root on a
 * copy of the guest's /sys and /proc), see checks/guest.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/guest.h"
#include "cmd/cmd.h"
#include "out/output.h"

enum { OPT_WINDOWS = 0x400 };

static const struct option guest_opts[] = {
	{ "windows", no_argument, NULL, OPT_WINDOWS },
	{ NULL, 0, NULL, 0 },
};

static int guest_opt(void *data, int c, const char *arg)
{
	if (c != OPT_WINDOWS)
		return -EINVAL;
	*(bool *)data = true;
	return 0;
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static int report_json(struct vp_ctx *ctx, const struct vp_guest_report *rep, int overall)
{
	struct json_object *doc = vp_json_doc(ctx, "guest check");
	struct json_object *gpus = json_object_new_array(), *fs = json_object_new_array();
	int r;

	for (size_t i = 0; i < rep->ngpus; i++) {
		const struct vp_guest_gpu *g = &rep->gpus[i];
		struct json_object *o = json_object_new_object();
		char id[16];

		snprintf(id, sizeof(id), "%04x:%04x", g->vendor, g->device);
		json_object_object_add(o, "address", json_object_new_string(g->addr));
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "family", jstr(g->kb ? g->kb->family : NULL));
		json_object_object_add(o, "driver", jstr(g->driver));
		json_object_object_add(o, "numa_node", json_object_new_int(g->numa_node));
		json_object_array_add(gpus, o);
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct vp_guest_finding *f = &rep->findings[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(f->id));
		json_object_object_add(
			o, "verdict",
			json_object_new_string(vp_verdict_name(f->verdict)));
		json_object_object_add(o, "device",
				       jstr(f->device[0] ? f->device : NULL));
		json_object_object_add(o, "summary", jstr(f->summary));
		json_object_object_add(o, "evidence", jstr(f->evidence));
		json_object_object_add(o, "fix", jstr(f->fix));
		json_object_array_add(fs, o);
	}
	json_object_object_add(doc, "verdict",
			       json_object_new_string(vp_overall_name(overall)));
	json_object_object_add(doc, "gpus", gpus);
	json_object_object_add(doc, "findings", fs);
	r = vp_json_print(ctx, doc);
	json_object_put(doc);
	return r;
}

static void report_text(FILE *f, const struct vp_guest_report *rep, int overall)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct vp_guest_finding *x = &rep->findings[i];

		fprintf(f, "[%s] %s: %s\n", vp_verdict_name(x->verdict), x->id,
			x->summary);
		if (x->evidence && x->verdict != VP_V_OK)
			fprintf(f, "       evidence: %s\n", x->evidence);
		if (x->fix)
			fprintf(f, "       fix: %s\n", x->fix);
	}
	fprintf(f, "verdict: %s\n", vp_overall_name(overall));
}

static int cmd_guest(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	struct vp_guest_report rep = { 0 };
	bool windows = false;
	int first, r, overall;

	first = vp_parse_opts(g, argc, argv, "", guest_opts, guest_opt, &windows);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_guest);
		return VP_EXIT_OK;
	}
	if (argc - first == 1 && streq(argv[first], "script")) {
		if (!windows) {
			vp_err("guest script needs --windows (a Linux guest runs 'vfio-pilot "
			       "guest check' itself)");
			return VP_EXIT_USAGE;
		}
		fputs(vp_guest_windows_probe, stdout);
		return VP_EXIT_OK;
	}
	if (argc - first != 1 || !streq(argv[first], "check") || windows) {
		vp_err("use: guest check | guest script --windows");
		return VP_EXIT_USAGE;
	}
	r = vp_open_ctx(g, &ctx);
	if (r < 0)
		return vp_exit_code(r);
	r = vp_guest_check(ctx, &rep);
	if (r == -ENOENT) {
		vp_err("%s: no bus/pci/devices below sys: not a Linux guest's tree",
		       ctx->root);
		r = VP_EXIT_NOINPUT;
		goto out;
	}
	if (r < 0) {
		r = vp_exit_code(r);
		goto out;
	}
	overall = vp_guest_overall(&rep);
	if (ctx->out == VP_OUT_JSON)
		r = report_json(ctx, &rep, overall);
	else
		report_text(ctx->fout, &rep, overall);
	r = r < 0 ? vp_exit_code(r) : overall;
out:
	vp_guest_report_free(&rep);
	return r;
}

const struct vp_cmd vp_cmd_guest = {
	.name = "guest",
	.run = cmd_guest,
	.summary = "inside a VM: does the passed GPU work, and what to fix on the host",
	.usage =
		"  check               a Linux guest (here, or its /sys and /proc with --root):\n"
		"                      GPU visible, driver, open module, hypervisor bit, BARs, NUMA\n"
		"  script --windows    a PowerShell probe; 'vfio-pilot explain' reads its output\n",
	.example = "vfio-pilot guest script --windows",
};
