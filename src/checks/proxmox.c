// SPDX-License-Identifier: GPL-2.0-or-later
/* Proxmox: which version, and which guests already use each target. */
#include <errno.h>
#include <stdlib.h>

#include "checks/doctor.h"

static int version(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->sys;

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
	const struct vp_guests *g = &doc->guests;
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

const struct vp_check vp_checks_proxmox[] = {
	{ "proxmox.version", VP_L_PROXMOX, false, version },
	{ "proxmox.guests", VP_L_PROXMOX, true, users },
	{ "proxmox.last-start", VP_L_PROXMOX, false, vp_check_last_starts },
	/* Last of all: it reads the findings of every layer. */
	{ "kernel.reboot-pending", VP_L_KERNEL, false, vp_check_reboot_pending },
	{ NULL, 0, false, NULL },
};
