// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * usb: USB devices under their host controller's PCI address and IOMMU
 * group, with the device-or-controller advice and the usbN / hostpciN
 * value that passes each (docs/sriov-usb-guest.md).
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "host/usb.h"
#include "out/output.h"
#include "plan/usbplan.h"
#include "validate.h"

/* What usbN would hold: host=VID:PID, or host=B-P when the id is not unique. */
static char *usb_value(const struct vp_usb *u, const struct vp_usb_dev *d)
{
	bool unique = vp_usb_count_id(u, d->vid, d->pid) == 1;
	const char *ss = vp_usb_superspeed(d) ? ",usb3=1" : "";

	return unique ? xasprintf("host=%04x:%04x%s", d->vid, d->pid, ss)
		      : xasprintf("host=%s%s", d->name, ss);
}

static const char *dev_label(const struct vp_usb_dev *d)
{
	/* the device's own string names a Zigbee stick better than its UART chip's id */
	if (d->product)
		return d->product;
	return d->product_name ? d->product_name : "";
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *dev_json(const struct vp_usb *u, const struct vp_usb_dev *d)
{
	struct json_object *o = json_object_new_object(), *drv = json_object_new_array();
	_cleanup_free_ char *val = d->hub ? NULL : usb_value(u, d);
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", d->vid, d->pid);
	json_object_object_add(o, "port", json_object_new_string(d->name));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "bus", json_object_new_int((int)d->busnum));
	json_object_object_add(o, "devnum", json_object_new_int((int)d->devnum));
	json_object_object_add(o, "speed_mbps", jstr(d->speed));
	json_object_object_add(o, "vendor_name", jstr(d->vendor_name));
	json_object_object_add(o, "product_name", jstr(d->product_name));
	json_object_object_add(o, "manufacturer", jstr(d->manufacturer));
	json_object_object_add(o, "product", jstr(d->product));
	json_object_object_add(o, "hub", json_object_new_boolean(d->hub));
	json_object_object_add(o, "keyboard", json_object_new_boolean(d->keyboard));
	json_object_object_add(o, "storage", json_object_new_boolean(d->storage));
	for (size_t i = 0; i < d->drivers.n; i++)
		json_object_array_add(drv, json_object_new_string(d->drivers.v[i]));
	json_object_object_add(o, "drivers", drv);
	json_object_object_add(o, "usb_value", jstr(val));
	return o;
}

static int cmd_usb(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct json_object *doc = NULL, *ctrls = NULL;
	struct vp_usb u = { 0 };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "", NULL, NULL, NULL);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_usb);
		return VP_EXIT_OK;
	}
	if (first < argc && streq(argv[first], "map")) {
		struct vp_plan p = { 0 };
		struct vp_verb v = { .cmd = "usb map" };
		char *why = NULL;

		/* usb map NAME DEV plan|apply */
		if (argc - first != 4 || vp_verb_parse(&v, argv[first + 3]) < 0) {
			vp_err("use: usb map NAME VID:PID|BUS-PORT plan|apply");
			return VP_EXIT_USAGE;
		}
		if (vp_valid_name(argv[first + 1], &why) < 0) {
			vp_err("'%s' is not a mapping id: %s", argv[first + 1],
			       why ? why : "a letter, then letters, digits, - or _");
			free(why);
			return VP_EXIT_USAGE;
		}
		r = vp_verb_need_root(&v,
				      "usb map apply needs root; nothing was written");
		if (r)
			return r;
		r = vp_open_ctx(g, &ctx);
		if (r < 0)
			return vp_exit_code(r);
		r = vp_usb_mapping_plan(ctx, argv[first + 1], argv[first + 2], &p);
		r = vp_verb_finish(&v, ctx, &p, r, NULL, NULL);
		vp_plan_free(&p);
		return r;
	}
	if (first != argc) {
		vp_err("use: usb | usb map NAME DEV plan|apply");
		return VP_EXIT_USAGE;
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	r = vp_usb_load(ctx, &u);
	if (r < 0) {
		r = vp_exit_code(r);
		goto out;
	}
	if (ctx->out == VP_OUT_JSON) {
		doc = vp_json_doc(ctx, "usb");
		ctrls = json_object_new_array();
	} else if (!u.present) {
		fprintf(ctx->fout, "no USB devices (no /sys/bus/usb/devices)\n");
	}
	for (size_t i = 0; i < u.n;) {
		const char *ctrl = u.devs[i].ctrl;
		const struct vp_dev *d = ctrl[0] ? vp_host_find_addr(h, ctrl) : NULL;
		struct vp_usb_advice a = { 0 };
		struct json_object *jc = NULL, *jd = NULL;
		char name[256] = "";
		size_t j;

		if (d)
			vp_fmt_name(d, name, sizeof(name));
		if (ctrl[0] && (r = vp_usb_advise(h, &u, ctrl, &a)) < 0)
			goto out;
		if (doc) {
			struct json_object *w = json_object_new_array();
			_cleanup_free_ char *hp =
				d && a.controller_ok ? xasprintf("%s,pcie=1", d->addr)
						     : NULL;

			jc = json_object_new_object();
			jd = json_object_new_array();
			json_object_object_add(jc, "controller",
					       jstr(ctrl[0] ? ctrl : NULL));
			json_object_object_add(jc, "name",
					       d ? json_object_new_string(name) : NULL);
			json_object_object_add(
				jc, "iommu_group",
				d && d->iommu_group >= 0
					? json_object_new_int(d->iommu_group)
					: NULL);
			json_object_object_add(jc, "controller_passthrough_ok",
					       json_object_new_boolean(a.controller_ok));
			json_object_object_add(
				jc, "controller_passthrough_better",
				json_object_new_boolean(a.controller_better));
			json_object_object_add(jc, "hostpci_value", jstr(hp));
			for (size_t k = 0; k < a.why.n; k++)
				json_object_array_add(w,
						      json_object_new_string(a.why.v[k]));
			json_object_object_add(jc, "advice", w);
		} else {
			char grp[32] = "no group";

			if (d && d->iommu_group >= 0)
				snprintf(grp, sizeof(grp), "group %d", d->iommu_group);
			fprintf(ctx->fout, "%s%s%s  %s\n", ctrl[0] ? ctrl : "(not PCI)",
				name[0] ? "  " : "", name, grp);
			for (size_t k = 0; k < a.why.n; k++)
				fprintf(ctx->fout, "  advice: %s\n", a.why.v[k]);
		}
		for (j = i; j < u.n && streq(u.devs[j].ctrl, ctrl); j++) {
			const struct vp_usb_dev *x = &u.devs[j];
			_cleanup_free_ char *val = NULL;

			if (jd) {
				json_object_array_add(jd, dev_json(&u, x));
				continue;
			}
			val = x->hub ? NULL : usb_value(&u, x);
			fprintf(ctx->fout, "  %-8s %04x:%04x  %-6s %s%s%s%s%s\n", x->name,
				x->vid, x->pid, x->speed ? x->speed : "?",
				x->vendor_name ? x->vendor_name : "",
				x->vendor_name ? " " : "", dev_label(x),
				x->hub	      ? "  [hub]"
				: x->keyboard ? "  [keyboard]"
					      : "",
				x->storage ? "  [storage]" : "");
			if (val)
				fprintf(ctx->fout, "  %8s usbN: %s\n", "", val);
		}
		if (jc) {
			json_object_object_add(jc, "devices", jd);
			json_object_array_add(ctrls, jc);
		}
		vp_usb_advice_free(&a);
		i = j;
	}
	if (doc) {
		json_object_object_add(doc, "usb_ids", jstr(u.ids_file));
		json_object_object_add(doc, "controllers", ctrls);
		vp_json_print(ctx, doc);
		json_object_put(doc);
		doc = NULL;
	} else if (u.present && !u.ids_file) {
		fprintf(ctx->fout,
			"(no usb.ids on this root: names are the devices' own)\n");
	}
	r = VP_EXIT_OK;
out:
	json_object_put(doc);
	vp_usb_free(&u);
	return r;
}

const struct vp_cmd vp_cmd_usb = {
	.name = "usb",
	.run = cmd_usb,
	.summary =
		"USB devices under their controller and IOMMU group: pass a device or the controller",
	.usage =
		"  (no options)        every device with its usbN value and the controller advice\n"
		"  map NAME DEV plan|apply  a usb.cfg cluster mapping of DEV (VID:PID or bus-port)\n"
		"                      for this node; use it with vm plan --usb mapping=NAME\n",
	.example = "vfio-pilot usb\n"
		   "vfio-pilot usb map keyboard 046d:c52b plan",
};
