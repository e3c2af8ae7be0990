// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriov [ADDR] [--vfs N] [plan|apply]: SR-IOV physical functions, their VFs,
 * groups and guests; plan/apply make a VF count persistent through
 * src/plan/sriovplan.c (docs/sriov-usb-guest.md).
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "out/output.h"
#include "plan/sriovplan.h"

struct sriov_args {
	long vfs; /* -1: not given */
};

static const struct option sriov_opts[] = {
	{ "vfs", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

static int sriov_opt(void *data, int c, const char *arg)
{
	struct sriov_args *a = data;
	char *end;

	if (c != 'n')
		return -EINVAL;
	errno = 0;
	a->vfs = strtol(arg, &end, 10);
	if (errno || end == arg || *end || a->vfs < 0 || a->vfs > 65535) {
		vp_err("--vfs wants a number of VFs (0 removes the setting), not '%s'",
		       arg);
		return -EINVAL;
	}
	return 0;
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *pf_json(const struct vp_sriov_pf *s,
				   const struct vp_sriov_setting *set, size_t nset)
{
	struct json_object *o = json_object_new_object(), *vfs = json_object_new_array();
	struct json_object *pers = json_object_new_array();
	char name[256];

	vp_fmt_name(s->pf, name, sizeof(name));
	json_object_object_add(o, "address", json_object_new_string(s->pf->addr));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "driver", jstr(s->pf->driver));
	json_object_object_add(o, "total_vfs", json_object_new_int((int)s->total));
	json_object_object_add(o, "num_vfs", json_object_new_int((int)s->num));
	json_object_object_add(o, "out_of_tree_driver",
			       jstr(s->kb ? s->kb->sriov_oot : NULL));
	json_object_object_add(o, "out_of_tree_present",
			       s->kb && s->kb->sriov_oot && s->oot_present >= 0
				       ? json_object_new_boolean(s->oot_present)
				       : NULL);
	for (size_t i = 0; i < nset; i++) {
		struct json_object *j;

		if (!streq(set[i].addr, s->pf->addr))
			continue;
		j = json_object_new_object();
		json_object_object_add(j, "file", json_object_new_string(set[i].file));
		json_object_object_add(j, "line", json_object_new_int(set[i].line));
		json_object_object_add(j, "vfs", json_object_new_int((int)set[i].vfs));
		json_object_object_add(j, "ours", json_object_new_boolean(set[i].ours));
		json_object_array_add(pers, j);
	}
	json_object_object_add(o, "persistent", pers);
	for (size_t i = 0; i < s->nvfs; i++) {
		struct json_object *j = json_object_new_object(),
				   *u = json_object_new_array();

		json_object_object_add(j, "address",
				       json_object_new_string(s->vfs[i].addr));
		json_object_object_add(j, "iommu_group",
				       s->vfs[i].group >= 0
					       ? json_object_new_int(s->vfs[i].group)
					       : NULL);
		json_object_object_add(j, "driver", jstr(s->vfs[i].driver));
		for (size_t k = 0; k < s->vfs[i].used_by.n; k++)
			json_object_array_add(
				u, json_object_new_string(s->vfs[i].used_by.v[k]));
		json_object_object_add(j, "used_by", u);
		json_object_array_add(vfs, j);
	}
	json_object_object_add(o, "vfs", vfs);
	return o;
}

static void pf_text(FILE *f, const struct vp_sriov_pf *s,
		    const struct vp_sriov_setting *set, size_t nset)
{
	char name[256];
	bool pers = false;

	vp_fmt_name(s->pf, name, sizeof(name));
	fprintf(f, "%s  %s  driver %s  VFs %u of %u\n", s->pf->addr, name,
		s->pf->driver ? s->pf->driver : "none", s->num, s->total);
	for (size_t i = 0; i < nset; i++) {
		if (!streq(set[i].addr, s->pf->addr))
			continue;
		fprintf(f, "  persistent: %s:%d sets %u VFs%s\n", set[i].file,
			set[i].line, set[i].vfs, set[i].ours ? " (vfio-pilot)" : "");
		pers = true;
	}
	if (!pers)
		fprintf(f, "  persistent: no (the count is lost at reboot)\n");
	if (s->kb && s->kb->sriov_oot)
		fprintf(f, "  needs the out-of-tree %s driver for SR-IOV: %s\n",
			s->kb->sriov_oot,
			s->oot_present == 1 ? "installed"
			: s->oot_present == 0
				? "not installed (vfio-pilot installs nothing)"
				: "unknown");
	for (size_t i = 0; i < s->nvfs; i++) {
		const struct vp_sriov_vf *v = &s->vfs[i];
		char grp[16];

		if (v->group >= 0)
			snprintf(grp, sizeof(grp), "%d", v->group);
		else
			snprintf(grp, sizeof(grp), "none");
		fprintf(f, "  %s  group %-4s %-10s %s\n", v->addr, grp,
			v->driver ? v->driver : "-",
			v->used_by.n ? v->used_by.v[0] : "free");
		for (size_t k = 1; k < v->used_by.n; k++)
			fprintf(f, "  %*s%s\n", 38, "", v->used_by.v[k]);
	}
}

static int show(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_guests *g,
		const struct vp_dev *only)
{
	struct vp_sriov_setting *set = NULL;
	struct json_object *doc = NULL, *arr = NULL;
	size_t nset = 0, shown = 0;
	int r;

	r = vp_sriov_settings(ctx, &set, &nset);
	if (r < 0)
		return vp_exit_code(r);
	if (ctx->out == VP_OUT_JSON) {
		doc = vp_json_doc(ctx, "sriov");
		arr = json_object_new_array();
	}
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *d = h->devs[i];
		struct vp_sriov_pf s;

		if (only && d != only)
			continue;
		if (d->sriov != VP_PRESENT || !d->sriov_total || d->physfn)
			continue;
		r = vp_sriov_read(ctx, h, g, d, &s);
		if (r == 0) {
			if (arr)
				json_object_array_add(arr, pf_json(&s, set, nset));
			else
				pf_text(ctx->fout, &s, set, nset);
			shown++;
		}
		vp_sriov_pf_free(&s);
		if (r < 0)
			break;
	}
	vp_sriov_settings_free(set, nset);
	if (doc) {
		json_object_object_add(doc, "physical_functions", arr);
		vp_json_print(ctx, doc);
		json_object_put(doc);
	} else if (!shown) {
		fprintf(ctx->fout, "%s\n",
			only ? "not an SR-IOV physical function (no sriov_totalvfs)"
			     : "no SR-IOV physical functions on this host");
	}
	if (r < 0)
		return vp_exit_code(r);
	return only && !shown ? VP_EXIT_FAIL : VP_EXIT_OK;
}

static int cmd_sriov(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct sriov_args a = { .vfs = -1 };
	struct vp_guests guests = { 0 };
	struct vp_plan p = { 0 };
	const struct vp_dev *d = NULL;
	const char *action = NULL, *addr = NULL;
	struct vp_verb v = { .cmd = "sriov" };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "", sriov_opts, sriov_opt, &a);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_sriov);
		return VP_EXIT_OK;
	}
	for (int i = first; i < argc; i++) {
		if (vp_verb_parse(&v, argv[i]) == 0) {
			if (action) {
				vp_err("give plan or apply once");
				return VP_EXIT_USAGE;
			}
			action = argv[i];
		} else if (!addr) {
			addr = argv[i];
		} else {
			vp_err("use: sriov [ADDR] [--vfs N] [plan|apply]");
			return VP_EXIT_USAGE;
		}
	}
	if (action && (!addr || a.vfs < 0)) {
		vp_err("use: sriov ADDR --vfs N %s", action);
		return VP_EXIT_USAGE;
	}
	if (!action && a.vfs >= 0) {
		vp_err("--vfs goes with plan or apply: sriov %s --vfs %ld plan",
		       addr ? addr : "ADDR", a.vfs);
		return VP_EXIT_USAGE;
	}
	r = vp_verb_need_root(&v,
			      "sriov apply needs root; nothing was written ('sriov ... "
			      "plan' shows the change)");
	if (r)
		return r;
	if (addr) {
		struct vp_bdf b;
		bool slot = false;

		if (vp_bdf_parse(addr, &b, &slot, false) < 0) {
			vp_err("'%s' is not a PCI function address (0000:03:00.0 or 03:00.0)",
			       addr);
			return VP_EXIT_USAGE;
		}
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	r = vp_guests_load(ctx, &guests);
	if (r < 0) {
		r = vp_exit_code(r);
		goto out;
	}
	if (addr) {
		struct vp_bdf b;
		bool slot = false;

		vp_bdf_parse(addr, &b, &slot, false);
		d = vp_host_find(h, &b);
		if (!d) {
			vp_err("%s: no such PCI function on this host", addr);
			r = VP_EXIT_NOINPUT;
			goto out;
		}
	}
	if (!action) {
		r = show(ctx, h, &guests, d);
		goto out;
	}
	r = vp_sriov_plan(ctx, h, &guests, d->addr, (unsigned int)a.vfs, &p);
	if (r < 0) {
		r = vp_exit_code(r);
		goto out;
	}
	{
		struct json_object *extra = json_object_new_object();

		json_object_object_add(extra, "address", json_object_new_string(d->addr));
		json_object_object_add(extra, "vfs", json_object_new_int((int)a.vfs));
		r = vp_verb_finish(&v, ctx, &p, 0, extra, NULL);
	}
out:
	vp_plan_free(&p);
	vp_guests_free(&guests);
	return r;
}

const struct vp_cmd vp_cmd_sriov = {
	.name = "sriov",
	.run = cmd_sriov,
	.summary =
		"SR-IOV functions, their VFs, groups and guests; a persistent VF count",
	.usage =
		"  [ADDR]              the physical function (default: list every one)\n"
		"  plan|apply          plan shows the change; apply writes (root only)\n"
		"      --vfs N         the VF count to set at boot (0 removes the setting)\n",
	.example = "vfio-pilot sriov 00:02.0 --vfs 7 plan",
};
