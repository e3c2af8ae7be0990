// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * usb.cfg mappings for USB devices (docs/sriov-usb-guest.md). A new id gets
 * a section; an existing id gets this node's map, unless the node already
 * has one (Mapping/USB.pm: "More than one USB mapping per host not
 * supported").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/usbplan.h"
#include "pve/mapping.h"

char *vp_usb_map_value(const char *node, const struct vp_usb_dev *d, bool by_path)
{
	return by_path ? xasprintf("node=%s,id=%04x:%04x,path=%s", node, d->vid, d->pid,
				   d->name)
		       : xasprintf("node=%s,id=%04x:%04x", node, d->vid, d->pid);
}

int vp_usb_mapping_plan(struct vp_ctx *ctx, const char *name, const char *spec,
			struct vp_plan *p)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL;
	_cleanup_free_ char *node = NULL, *text = NULL, *map = NULL, *reason = NULL;
	_cleanup_free_ char *out = NULL, *sub = NULL;
	const struct vp_usb_dev *d = NULL;
	struct vp_usb u = { 0 };
	size_t len = 0;
	bool by_path;
	int r;

	if (vp_read_strf(ctx, VP_ETC, &node, "hostname") < 0 || !node[0])
		return vp_plan_refuse(p, "no /etc/hostname: the node name is unknown");
	node[strcspn(node, ". \t\n")] = '\0';
	r = vp_usb_load(ctx, &u);
	if (r < 0)
		return r;
	r = vp_usb_find(&u, spec, &d);
	by_path = r == 0 && strchr(spec, '-');
	if (r == -EEXIST)
		vp_plan_refuse(p,
			       "%s: several devices have this id; give the bus-port path "
			       "(vfio-pilot usb lists them)",
			       spec);
	else if (r == -ENOENT)
		vp_plan_refuse(p, "%s: no such USB device on this host", spec);
	else if (r == -EINVAL)
		vp_plan_refuse(p, "%s: give VID:PID or a bus-port path (1-4.2)", spec);
	else if (r == 0 && d->hub)
		vp_plan_refuse(p, "%s is a hub", spec);
	if (p->refusals.n || r < 0) {
		r = 0;
		goto out;
	}
	map = vp_usb_map_value(node, d, by_path);
	sub = vp_rel_path(VP_ETC, "pve/mapping/usb.cfg");
	if (!map || !sub) {
		r = -ENOMEM;
		goto out;
	}
	r = vp_read_strf(ctx, VP_ETC, &text, "pve/mapping/usb.cfg");
	if (r == 0) {
		/* vp_read_strf drops the final newline; the parser records whether it was
		 * there */
		char *t = xasprintf("%s\n", text);

		free(text);
		if (!(text = t)) {
			r = -ENOMEM;
			goto out;
		}
	} else if (r != -ENOENT) {
		goto out;
	}
	r = vp_pve_mapping_parse(VP_PVE_MAP_USB, text ? text : "",
				 text ? strlen(text) : 0, &m);
	if (r < 0) {
		vp_plan_refuse(p, "the cluster's usb.cfg cannot be read with certainty");
		r = 0;
		goto out;
	}
	if (vp_pve_mapping_find(m, name)) {
		struct strv maps = { 0 };
		bool same = false;

		/* the same map again is no change (a second apply), not USB.pm's error */
		r = vp_pve_mapping_maps(m, name, &maps);
		for (size_t i = 0; r == 0 && i < maps.n; i++)
			same |= streq(maps.v[i], map);
		strv_free(&maps);
		if (r == 0 && same) {
			vp_plan_note(p, "mapping %s already has %s", name, map);
			goto out;
		}
		r = r < 0 ? r : vp_pve_mapping_add_map(m, name, map, &reason);
	} else {
		const char *maps[] = { map, NULL };
		struct vp_pve_map_opts o = { .mdev = -1, .live_migration_capable = -1 };

		r = vp_pve_mapping_add_entry(m, name, maps, &o, &reason);
	}
	if (r == -EEXIST) {
		if (reason && strstr(reason, "More than one"))
			vp_plan_refuse(p, "mapping %s: %s (node %s has a map already)",
				       name, reason, node);
		else
			vp_plan_note(p, "mapping %s already has %s", name, map);
		r = 0;
		goto out;
	}
	if (r < 0) {
		if (r != -ENOMEM)
			r = vp_plan_refuse(p, "mapping %s: %s", name,
					   reason ? reason : strerror(-r));
		goto out;
	}
	r = vp_pve_mapping_serialize(m, &out, &len);
	if (r == 0)
		r = vp_plan_edit(ctx, p, sub, TAKE_PTR(out), len, 0640,
				 "cluster USB resource mapping");
	if (r == 0 && by_path)
		vp_plan_note(
			p,
			"%s by port: whatever is plugged into that port goes to the VM; "
			"the id only tells Proxmox the hardware changed",
			d->name);
	if (r == 0)
		vp_plan_note(
			p,
			"use it in a VM with: vfio-pilot vm plan VMID --usb mapping=%s",
			name);
out:
	vp_usb_free(&u);
	return r;
}
