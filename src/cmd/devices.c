// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devices: one line per PCI function, as `lspci -nnk` would be read for
 * passthrough: kind, ids, IOMMU group, driver, name, and what the host
 * needs it for.
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "host/select.h"
#include "out/output.h"

struct devices_opts {
	unsigned int kinds; /* bit per enum vp_kind; 0 = all */
	int vendor;	    /* -1 = all */
};

static const struct option devices_opts[] = {
	{ "class", required_argument, NULL, 'c' },
	{ "vendor", required_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int devices_opt(void *data, int c, const char *arg)
{
	struct devices_opts *o = data;
	enum vp_kind k;
	char *end;
	unsigned long v;

	switch (c) {
	case 'c':
		if (vp_kind_from_name(arg, &k) < 0) {
			vp_err("unknown class '%s' (display, audio, usb, network, storage, "
			       "bridge, other)",
			       arg);
			return -EINVAL;
		}
		o->kinds |= 1u << k;
		return 0;
	case 'V':
		errno = 0;
		v = strtoul(arg, &end, 16);
		if (errno || end == arg || *end || strlen(arg) != 4 || v > 0xffff) {
			vp_err("vendor must be 4 hex digits, like 10de, not '%s'", arg);
			return -EINVAL;
		}
		o->vendor = (int)v;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Operands are addresses; "01:00" selects every function of the device. */
static int parse_filters(int argc, char **argv, int first, struct vp_devspec **out,
			 size_t *n)
{
	size_t cnt = (size_t)(argc - first);

	*n = cnt;
	*out = calloc(cnt ? cnt : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		if (vp_devspec_parse(argv[first + i], &(*out)[i]) < 0) {
			vp_err("'%s' is not a PCI address (use 0000:01:00.0, 01:00.0 or 01:00)",
			       argv[first + i]);
			return -EINVAL;
		}
	}
	return 0;
}

static bool selected(const struct vp_dev *d, const struct devices_opts *o,
		     const struct vp_devspec *f, size_t nf)
{
	bool hit = nf == 0;

	if (o->kinds && !(o->kinds & (1u << d->kind)))
		return false;
	if (o->vendor >= 0 && d->vendor != o->vendor)
		return false;
	for (size_t i = 0; i < nf && !hit; i++)
		hit = vp_devspec_match(&f[i], d);
	return hit;
}

static void print_verbose(FILE *f, const struct vp_dev *d)
{
	char sz[32];

	fprintf(f, "        subsystem %04x:%04x%s%s, rev %02x, class %06x%s%s\n",
		d->subvendor, d->subdevice, d->subsys_name ? " " : "",
		d->subsys_name ? d->subsys_name : "", d->rev, d->class,
		d->class_name ? " " : "", d->class_name ? d->class_name : "");
	if (vp_dev_unknown_why(d, "modules"))
		fprintf(f, "        modules: unknown (%s)\n",
			vp_dev_unknown_why(d, "modules"));
	else
		for (size_t i = 0; i < d->modules.n; i++)
			fprintf(f, "%s%s%s",
				i ? " " : "        modules: ", d->modules.v[i],
				i + 1 == d->modules.n ? "\n" : "");
	fprintf(f, "        reset: ");
	if (vp_dev_unknown_why(d, "reset_method"))
		fprintf(f, "possible, methods unknown");
	else if (d->reset_methods.n == 0)
		fprintf(f, "none");
	for (size_t i = 0; i < d->reset_methods.n; i++)
		fprintf(f, "%s%s", i ? " " : "", d->reset_methods.v[i]);
	fprintf(f, "; FLR %s; NUMA node %d\n",
		d->flr == VP_UNKNOWN   ? "unknown"
		: d->flr == VP_PRESENT ? "yes"
				       : "no",
		d->numa_node);
	for (size_t i = 0; i < d->nbars; i++) {
		vp_fmt_size(d->bars[i].size, sz, sizeof(sz));
		fprintf(f, "        %s%u: %s%s%s%s\n",
			d->bars[i].index == 6 ? "ROM" : "BAR",
			d->bars[i].index == 6 ? 0 : d->bars[i].index, sz,
			d->bars[i].io ? " I/O" : "", d->bars[i].mem64 ? " 64-bit" : "",
			d->bars[i].prefetch ? " prefetchable" : "");
	}
	for (size_t i = 0; i < d->unknown.n; i++)
		fprintf(f, "        unknown %s\n", d->unknown.v[i]);
}

static int print_text(struct vp_ctx *ctx, const struct vp_host *h,
		      const struct devices_opts *o, const struct vp_devspec *f, size_t nf,
		      size_t *shown)
{
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *d = h->devs[i];
		char name[320], grp[16], crit[64], vgpu[160];

		if (!selected(d, o, f, nf))
			continue;
		(*shown)++;
		vp_fmt_name(d, name, sizeof(name));
		vp_fmt_critical(d, crit, sizeof(crit));
		vp_fmt_vgpu(d, vgpu, sizeof(vgpu));
		if (d->iommu_group >= 0)
			snprintf(grp, sizeof(grp), "%d", d->iommu_group);
		else
			snprintf(grp, sizeof(grp), "-");
		fprintf(ctx->fout, "%s  %-8s %04x:%04x  %-5s %-14s %s%s%s%s%s%s%s\n",
			d->addr, vp_kind_name(d->kind), d->vendor, d->device, grp,
			d->driver ? d->driver : "-", name, crit[0] ? "  [host: " : "",
			crit, crit[0] ? "]" : "", vgpu[0] ? "  [vgpu: " : "", vgpu,
			vgpu[0] ? "]" : "");
		if (ctx->verbose)
			print_verbose(ctx->fout, d);
	}
	return 0;
}

static int print_json(struct vp_ctx *ctx, const struct vp_host *h,
		      const struct devices_opts *o, const struct vp_devspec *f, size_t nf,
		      size_t *shown)
{
	struct json_object *doc = vp_json_doc(ctx, "devices");
	struct json_object *arr = json_object_new_array();
	int r;

	for (size_t i = 0; i < h->ndevs; i++) {
		if (!selected(h->devs[i], o, f, nf))
			continue;
		(*shown)++;
		json_object_array_add(arr, vp_json_dev(h->devs[i]));
	}
	json_object_object_add(doc, "devices", arr);
	r = vp_json_print(ctx, doc);
	json_object_put(doc);
	return r;
}

static int cmd_devices(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ struct vp_devspec *filters = NULL;
	struct devices_opts o = { .kinds = 0, .vendor = -1 };
	size_t nf = 0, shown = 0;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "c:V:", devices_opts, devices_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_devices);
		return VP_EXIT_OK;
	}
	if (parse_filters(argc, argv, first, &filters, &nf) < 0)
		return VP_EXIT_USAGE;
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	if (ctx->out == VP_OUT_JSON)
		r = print_json(ctx, h, &o, filters, nf, &shown);
	else
		r = print_text(ctx, h, &o, filters, nf, &shown);
	if (r < 0)
		return vp_exit_code(r);
	if (nf && !shown) {
		vp_err("no PCI function matches the given addresses");
		return VP_EXIT_NOINPUT;
	}
	return VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_devices = {
	.name = "devices",
	.run = cmd_devices,
	.summary = "list PCI functions with kind, ids, group and driver",
	.usage =
		"  -c, --class KIND    only this kind: display audio usb network storage bridge other\n"
		"  -V, --vendor VVVV   only this PCI vendor id (hex, like 10de)\n"
		"  [ADDR...]           only these functions; 01:00 means every function of 01:00\n",
	.example = "vfio-pilot devices -c display\n"
		   "vfio-pilot devices 01:00",
};
