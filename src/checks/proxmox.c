// SPDX-License-Identifier: GPL-2.0-or-later
/* Proxmox: which version, and which guests already use each target. */
#include <errno.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "checks/mapcheck.h"

static int version(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->s.sys;

	if (s->pve_version)
		return vp_report(doc, c, NULL, VP_V_OK,
				 xasprintf("Proxmox VE (pve-manager %s)%s%s",
					   s->pve_version, s->os_pretty ? " on " : "",
					   s->os_pretty ? s->os_pretty : ""),
				 vp_evidence(VP_VAR_LIB, "dpkg/status",
					     "pve-manager %s installed", s->pve_version),
				 NULL);
	if (s->is_pve)
		return vp_report(doc, c, NULL, VP_V_OK,
				 strdup("Proxmox VE (version unknown)"),
				 vp_evidence(VP_ETC, "pve/local", "present"), NULL);
	return vp_report(doc, c, NULL, VP_V_SKIP,
			 xasprintf("not a Proxmox VE host%s%s: VM checks do not apply",
				   s->os_pretty ? " but " : "",
				   s->os_pretty ? s->os_pretty : ""),
			 vp_evidence(VP_VAR_LIB, "dpkg/status", "no pve-manager"), NULL);
}

/* "0000:01:00" (all functions), "01:00.0" or "0000:01:00.0" against a function. */
static bool ref_matches(const char *ref, const struct vp_dev *d)
{
	struct vp_devspec s;

	return ref && vp_devspec_parse(ref, &s) == 0 && vp_devspec_match(&s, d);
}

static int users(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_guests *g = &doc->s.guests;
	_cleanup_free_ char *who = NULL, *ev = NULL;
	size_t n = 0;
	int last_id = -1;
	char last_kind = 0;

	if (!g->present)
		return vp_report(doc, c, t, VP_V_SKIP, strdup("no guest configs to read"),
				 vp_evidence(VP_ETC, "pve/qemu-server", "missing"), NULL);
	for (size_t i = 0; i < g->n; i++) {
		const struct vp_guest_ref *r = &g->refs[i];
		char *s;

		if (!ref_matches(r->address, t))
			continue;
		if (r->kind != last_kind || r->id != last_id)
			n++;
		last_kind = r->kind;
		last_id = r->id;
		s = xasprintf("%s%s%s %d %s", who ? who : "", who ? ", " : "",
			      r->kind == 'q' ? "VM" : "CT", r->id, r->key);
		free(who);
		who = s;
		s = xasprintf("%s%s%s: %s: %s", ev ? ev : "", ev ? "; " : "", r->file,
			      r->key, r->value);
		free(ev);
		ev = s;
	}
	if (n > 1)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf(
				"used by several guests (%s): only one can run at a time",
				who),
			TAKE_PTR(ev),
			strdup("never start two of them together; a second start fails or "
			       "takes the device from the first"));
	if (n == 1)
		return vp_report(doc, c, t, VP_V_OK, xasprintf("used by %s", who),
				 TAKE_PTR(ev), NULL);
	return vp_report(
		doc, c, t, VP_V_OK,
		xasprintf("no guest uses it yet (%zu VMs, %zu containers read)", g->nvms,
			  g->ncts),
		vp_evidence(VP_ETC, "pve/qemu-server", "no hostpci naming %s", t->addr),
		NULL);
}

/*
 * The cluster resource mappings' lines for this node, checked as Proxmox
 * will at VM start (assert_valid): a BIOS update or a new card that moved a
 * bus or a group leaves a line that stops every VM using the mapping here.
 */
static int mappings(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL;
	_cleanup_free_ char *text = NULL, *node = NULL;
	struct vp_mapcheck mc = { 0 };
	struct vp_mapnode self;
	size_t held = 0;
	int r;

	(void)t;
	r = vp_read_strf(doc->s.ctx, VP_ETC, &text, "pve/mapping/pci.cfg");
	if (r < 0)
		return r == -ENOMEM ? r
				    : vp_report(doc, c, NULL, VP_V_SKIP,
						strdup("no cluster resource mappings"),
						vp_evidence(VP_ETC, "pve/mapping/pci.cfg",
							    "%s", strerror(-r)),
						NULL);
	if (vp_read_strf(doc->s.ctx, VP_ETC, &node, "hostname") < 0 || !node[0])
		return vp_report(
			doc, c, NULL, VP_V_SKIP,
			strdup("the node name is unknown: mapping lines not checked"),
			vp_evidence(VP_ETC, "hostname", "missing or empty"), NULL);
	node[strcspn(node, ". \t\n")] = '\0';
	self = (struct vp_mapnode){ .node = node, .host = doc->s.h };
	r = vp_pve_mapping_parse(VP_PVE_MAP_PCI, text, strlen(text), &m);
	if (r == 0)
		r = vp_mapcheck_run(m, NULL, &self, 1, false, &mc);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < mc.n; i++) {
		const struct vp_maprow *w = &mc.rows[i];

		if (w->state == VP_MAPROW_HOLDS) {
			held++;
			continue;
		}
		r = vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("mapping %s: its line for %s no longer holds: VMs "
				  "using it will not start here",
				  w->mapping, node),
			vp_evidence(VP_ETC, "pve/mapping/pci.cfg", "map %s: %s", w->map,
				    w->why),
			w->fix ? xasprintf(
					 "replace the line with: map %s (Datacenter > "
					 "Resource Mappings, or vfio-pilot mapping check)",
					 w->fix)
			       : strdup("edit or remove the line (Datacenter > Resource "
					"Mappings); vfio-pilot mapping plan NAME -d ADDR "
					"writes one that holds"));
	}
	if (r == 0 && held == mc.n)
		r = vp_report(
			doc, c, NULL, mc.n ? VP_V_OK : VP_V_SKIP,
			mc.n ? xasprintf("%zu mapping line%s of %s hold%s", mc.n,
					 mc.n == 1 ? "" : "s", node, mc.n == 1 ? "s" : "")
			     : xasprintf("no mapping line for %s", node),
			vp_evidence(VP_ETC, "pve/mapping/pci.cfg", "%zu line%s for %s",
				    mc.n, mc.n == 1 ? "" : "s", node),
			NULL);
	vp_mapcheck_free(&mc);
	return r;
}

const struct vp_check vp_checks_proxmox[] = {
	{ "proxmox.version", VP_L_PROXMOX, false, version },
	{ "proxmox.guests", VP_L_PROXMOX, true, users },
	{ "proxmox.last-start", VP_L_PROXMOX, false, vp_check_last_starts },
	{ "proxmox.mappings", VP_L_PROXMOX, false, mappings },
	/* Last of all: it reads the findings of every layer. */
	{ "kernel.reboot-pending", VP_L_KERNEL, false, vp_check_reboot_pending },
	{ NULL, 0, false, NULL },
};
