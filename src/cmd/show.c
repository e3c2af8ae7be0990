// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * show BDF: everything vfio-pilot knows about one function (or every
 * function of one device, for "01:00"), and its group told from it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "host/select.h"
#include "out/output.h"

static const char *state(enum vp_state s, const char *yes, const char *no)
{
	return s == VP_PRESENT ? yes : s == VP_ABSENT ? no : "unknown";
}

static void line(FILE *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line(FILE *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "  %-17s ", key);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void show_caps(FILE *f, const struct vp_dev *d)
{
	char sz[32], *acs;

	if (d->pcie == VP_PRESENT)
		line(f, "pcie:", "%s, link %s x%s (max %s x%s)",
		     vp_pcie_type_name(d->pcie_type), d->link_speed ? d->link_speed : "?",
		     d->link_width ? d->link_width : "?",
		     d->max_link_speed ? d->max_link_speed : "?",
		     d->max_link_width ? d->max_link_width : "?");
	else
		line(f, "pcie:", "%s", state(d->pcie, "yes", "no (conventional PCI)"));
	line(f, "flr:", "%s", state(d->flr, "yes", "no"));
	acs = vp_acs_describe(d);
	line(f, "acs:", "%s", acs ? acs : "?");
	free(acs);
	if (d->rebar == VP_PRESENT) {
		for (size_t i = 0; i < d->nrebar; i++) {
			vp_fmt_size((uint64_t)1 << (20 + d->rebar_bars[i].cur_log2_mb),
				    sz, sizeof(sz));
			line(f, i ? "" : "resizable bar:", "BAR%u current %s",
			     d->rebar_bars[i].bar, sz);
		}
	} else {
		line(f, "resizable bar:", "%s", state(d->rebar, "yes", "no"));
	}
	if (d->sriov == VP_PRESENT)
		line(f, "sr-iov:", "%u of %u VFs enabled", d->sriov_num, d->sriov_total);
	else
		line(f, "sr-iov:", "%s", state(d->sriov, "yes", "no"));
	if (d->physfn)
		line(f, "physical function:", "%s", d->physfn);
}

/*
 * The vGPU types a function offers, or for a PF on NVIDIA's vGPU driver how
 * many of its VFs offer them: the types live on the VFs (struct vp_vgpu).
 */
static void show_vgpu(FILE *f, const struct vp_host *h, const struct vp_dev *d)
{
	const struct vp_vgpu *v = &d->vgpu;
	char what[160];

	if (v->iface == VP_VGPU_NONE && d->virtfn.n) {
		const struct vp_dev *vf;
		size_t offer = 0, used = 0, pos = 0;

		while ((vf = vp_vgpu_next(h, d, &pos))) {
			offer++;
			used += vf->vgpu.current != 0;
		}
		if (offer)
			line(f, "vgpu:",
			     "on %zu of %zu VFs, %zu in use (show a VF for its types)",
			     offer, d->virtfn.n, used);
		return;
	}
	if (v->iface == VP_VGPU_NONE)
		return;
	vp_fmt_vgpu(d, what, sizeof(what));
	line(f, "vgpu:", "%s interface, %s", vp_vgpu_iface_name(v->iface), what);
	for (size_t i = 0; i < v->ntypes; i++) {
		const struct vp_vgpu_type *t = &v->types[i];

		if (v->iface == VP_VGPU_MDEV)
			line(f, i ? "" : "vgpu types:", "%-16s %s, %d available", t->type,
			     t->name ? t->name : "(no name)", t->available);
		else
			line(f, i ? "" : "vgpu types:", "%-16s %s", t->type, t->name);
	}
}

static void show_text(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_dev *d)
{
	FILE *f = ctx->fout;
	char name[320], sz[32];
	const struct vp_group *g = vp_host_group(h, d->iommu_group);

	vp_fmt_name(d, name, sizeof(name));
	fprintf(f, "%s %s [%04x:%04x] (rev %02x)\n", d->addr, name, d->vendor, d->device,
		d->rev);
	line(f, "kind:", "%s (class %06x%s%s)", vp_kind_name(d->kind), d->class,
	     d->class_name ? " " : "", d->class_name ? d->class_name : "");
	line(f, "subsystem:", "%04x:%04x%s%s", d->subvendor, d->subdevice,
	     d->subsys_name ? " " : "", d->subsys_name ? d->subsys_name : "");
	line(f, "driver:", "%s%s%s", d->driver ? d->driver : "none",
	     d->driver_override ? ", driver_override " : "",
	     d->driver_override ? d->driver_override : "");
	if (vp_dev_unknown_why(d, "modules")) {
		line(f, "modules:", "unknown (%s)", vp_dev_unknown_why(d, "modules"));
	} else {
		fprintf(f, "  %-17s", "modules:");
		for (size_t i = 0; i < d->modules.n; i++)
			fprintf(f, " %s", d->modules.v[i]);
		fprintf(f, "%s\n", d->modules.n ? "" : " none");
	}
	if (g)
		line(f, "iommu group:", "%d (%s)", g->id,
		     vp_group_verdict_name(g->verdict));
	else
		line(f, "iommu group:", "none (%s)",
		     h->no_iommu_why ? h->no_iommu_why : "no link");
	if (!d->parent) {
		line(f, "upstream:", "root bus");
	} else {
		fprintf(f, "  %-17s", "upstream:");
		for (const struct vp_dev *p = d->parent; p; p = p->parent) {
			_cleanup_free_ char *acs = vp_acs_describe(p);

			if (p != d->parent)
				fprintf(f, "\n  %-17s", "");
			fprintf(f, " %s%s (%s, %s)", p == d->parent ? "" : "-> ", p->addr,
				p->pcie == VP_PRESENT ? vp_pcie_type_name(p->pcie_type)
						      : vp_kind_name(p->kind),
				acs ? acs : "?");
		}
		fputc('\n', f);
	}
	line(f, "numa node:", "%d%s%s", d->numa_node,
	     d->local_cpulist ? ", local CPUs " : "",
	     d->local_cpulist ? d->local_cpulist : "");
	if (d->boot_vga >= 0)
		line(f, "boot vga:", "%s", d->boot_vga ? "yes" : "no");
	if (vp_dev_unknown_why(d, "reset_method")) {
		line(f, "reset:", "possible, methods unknown");
	} else if (d->reset_methods.n) {
		fprintf(f, "  %-17s", "reset:");
		for (size_t i = 0; i < d->reset_methods.n; i++)
			fprintf(f, " %s", d->reset_methods.v[i]);
		fputc('\n', f);
	} else {
		line(f, "reset:", "none (the kernel has no reset method)");
	}
	line(f, "power:", "%s, d3cold_allowed %s",
	     d->power_state ? d->power_state : "unknown",
	     d->d3cold_allowed < 0 ? "unknown"
	     : d->d3cold_allowed   ? "1"
				   : "0");
	for (size_t i = 0; i < d->nbars; i++) {
		const struct vp_bar *b = &d->bars[i];

		vp_fmt_size(b->size, sz, sizeof(sz));
		line(f, i ? "" : "bars:", "%s%u %s%s%s%s", b->index == 6 ? "ROM" : "BAR",
		     b->index == 6 ? 0 : b->index, sz, b->io ? " I/O" : "",
		     b->mem64 ? " 64-bit" : "", b->prefetch ? " prefetchable" : "");
	}
	show_caps(f, d);
	show_vgpu(f, h, d);
	line(f, "config space:", "%zu bytes", d->cfg_len);
	for (size_t i = 0; i < d->critical_why.n; i++)
		line(f, i ? "" : "host needs it:", "%s", d->critical_why.v[i]);
	for (size_t i = 0; i < d->unknown.n; i++)
		line(f, i ? "" : "unknown:", "%s", d->unknown.v[i]);
	if (g && g->verdict != VP_GROUP_BRIDGES_ONLY) {
		struct vp_gap *gaps = NULL;
		size_t n = 0;

		if (d->unit >= 0)
			vp_group_explain(g, d->unit, &gaps, &n);
		vp_print_group(ctx, g, d->unit >= 0 ? d : NULL,
			       d->unit >= 0 ? gaps : g->gaps,
			       d->unit >= 0 ? n : g->ngaps);
		vp_gaps_free(gaps, n);
	}
}

static int cmd_show(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct json_object *doc = NULL, *arr;
	struct vp_devspec spec;
	size_t shown = 0;
	int first, r = 0;

	first = vp_parse_opts(g, argc, argv, "", NULL, NULL, NULL);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_show);
		return VP_EXIT_OK;
	}
	if (argc - first != 1) {
		vp_err("show takes one address, like 01:00.0");
		return VP_EXIT_USAGE;
	}
	if (vp_devspec_parse(argv[first], &spec) < 0) {
		vp_err("'%s' is not a PCI address (use 0000:01:00.0, 01:00.0 or 01:00)",
		       argv[first]);
		return VP_EXIT_USAGE;
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	if (ctx->out == VP_OUT_JSON) {
		doc = vp_json_doc(ctx, "show");
		arr = json_object_new_array();
		json_object_object_add(doc, "devices", arr);
	}
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];
		const struct vp_group *grp;

		if (!vp_devspec_match(&spec, d))
			continue;
		if (!doc) {
			if (shown)
				fputc('\n', ctx->fout);
			show_text(ctx, h, d);
		} else {
			struct json_object *jd = vp_json_dev(d);

			grp = vp_host_group(h, d->iommu_group);
			json_object_object_add(
				jd, "group",
				grp ? vp_json_group(h, grp, d->unit >= 0 ? d : NULL)
				    : NULL);
			json_object_array_add(arr, jd);
		}
		shown++;
	}
	if (doc) {
		if (shown)
			r = vp_json_print(ctx, doc);
		json_object_put(doc);
	}
	if (!shown) {
		vp_err("no PCI function %s on this host", argv[first]);
		return VP_EXIT_NOINPUT;
	}
	return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_show = {
	.name = "show",
	.run = cmd_show,
	.summary = "everything about one device and its group",
	.usage =
		"  ADDR                0000:01:00.0, 01:00.0, or 01:00 for every function\n",
	.example = "vfio-pilot show 01:00",
};
