// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VFIO modules and binding: the modules, vfio-pci ids and what else they
 * claim, softdeps, blacklists, /etc/modules leftovers, a stale initramfs.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "host/adopt.h"
#include "kb/kb.h"

static int modules_present(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	static const char *const need[] = { "vfio", "vfio_iommu_type1", "vfio_pci" };
	const struct vp_kmods *k = &doc->s.km;
	char missing[96] = "", boot[96] = "";

	if (k->loaded_unreadable)
		return vp_report(doc, c, NULL, VP_V_SKIP,
				 strdup("loaded modules unknown"),
				 strdup(k->loaded_unreadable), NULL);
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		bool at_boot = false;

		if (vp_kmods_is_loaded(k, need[i]) ||
		    vp_kmods_is_builtin(k, need[i]) == 1)
			continue;
		for (size_t j = 0; j < k->nboot; j++) {
			_cleanup_free_ char *n = strdup(k->boot[j].module);

			if (n)
				vp_modname_normalize(n);
			at_boot = at_boot || streq(n, need[i]);
		}
		strcat(at_boot ? boot : missing, " ");
		strcat(at_boot ? boot : missing, need[i]);
	}
	if (missing[0])
		return vp_report(
			doc, c, NULL, VP_V_FAIL,
			xasprintf("not loaded and not loaded at boot:%s", missing),
			vp_evidence(VP_PROC, "modules", "no%s", missing),
			xasprintf("add%s to /etc/modules (one per line), then "
				  "update-initramfs -u -k all",
				  missing));
	if (boot[0])
		return vp_report(
			doc, c, NULL, VP_V_OK,
			xasprintf("listed to load at boot, not loaded now:%s", boot),
			vp_evidence(VP_PROC, "modules", "no%s", boot), NULL);
	return vp_report(
		doc, c, NULL, VP_V_OK,
		strdup("vfio, vfio_iommu_type1 and vfio_pci are loaded or built in"),
		vp_evidence(VP_PROC, "modules", "vfio modules present"), NULL);
}

/* vfio_virqfd was merged into vfio in Linux 6.2 (commit e2d55709398e). */
static int virqfd(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_kmods *k = &doc->s.km;
	int merged = vp_session_kernel_has(&doc->s, "vfio_virqfd_merged");

	for (size_t i = 0; i < k->nboot; i++) {
		_cleanup_free_ char *n = strdup(k->boot[i].module);

		if (!n)
			return -ENOMEM;
		vp_modname_normalize(n);
		if (!streq(n, "vfio_virqfd"))
			continue;
		if (merged != 1)
			return vp_report(
				doc, c, NULL, VP_V_OK,
				strdup("vfio_virqfd is listed and this kernel still has it"),
				xasprintf("%s:%d: %s", k->boot[i].file, k->boot[i].line,
					  k->boot[i].module),
				NULL);
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf(
				"vfio_virqfd no longer exists on kernel %s (merged into "
				"vfio in 6.2); loading it fails at boot",
				doc->s.sys.kver),
			xasprintf("%s:%d: %s", k->boot[i].file, k->boot[i].line,
				  k->boot[i].module),
			xasprintf("delete line %d (%s) from %s", k->boot[i].line,
				  k->boot[i].module, k->boot[i].file));
	}
	return vp_report(doc, c, NULL, VP_V_OK, strdup("no obsolete module listed"),
			 vp_evidence(VP_ETC, "modules", "no vfio_virqfd"), NULL);
}

/* drivers/vfio/pci/vfio_pci.c vfio_pci_fill_ids:
 * "vendor:device[:subvendor:subdevice[:class:class_mask]]" */
struct vfio_id {
	unsigned int v[6];
	int n;
};

/* Parsed once per id, not once per id and function (an sscanf each). */
static void id_parse(const char *spec, struct vfio_id *id)
{
	*id = (struct vfio_id){ .v = { 0, 0, ~0u, ~0u, 0, 0 } };
	id->n = sscanf(spec, "%x:%x:%x:%x:%x:%x", &id->v[0], &id->v[1], &id->v[2],
		       &id->v[3], &id->v[4], &id->v[5]);
}

static bool id_matches(const struct vfio_id *id, const struct vp_dev *d)
{
	const unsigned int *v = id->v;
	int n = id->n;

	if (n < 2)
		return false;
	if (v[0] != d->vendor || v[1] != d->device)
		return false;
	if (n >= 3 && v[2] != ~0u && v[2] != d->subvendor)
		return false;
	if (n >= 4 && v[3] != ~0u && v[3] != d->subdevice)
		return false;
	if (n >= 6 && (d->class & v[5]) != (v[4] & v[5]))
		return false;
	return true;
}

static int claim_ids(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *mp = vp_kmods_option(&doc->s.km, "vfio_pci", "ids");
	_cleanup_free_ char *all = NULL, *stolen = NULL, *src = NULL;
	const char *cl = vp_cmdline_get(&doc->s.sys.cmdline, "vfio_pci.ids");
	char *save = NULL;
	size_t claimed = 0;

	if (!mp && !cl)
		return vp_report(
			doc, c, NULL, VP_V_OK, strdup("no vfio-pci ids are configured"),
			strdup("modprobe.d and /proc/cmdline: no vfio-pci ids"), NULL);
	all = xasprintf("%s%s%s", mp ? mp : "", mp && cl ? "," : "", cl ? cl : "");
	src = xasprintf("%s%s%s", mp ? "modprobe.d: options vfio-pci ids=" : "",
			mp ? mp : "", cl ? " /proc/cmdline: vfio-pci.ids" : "");
	if (!all || !src)
		return -ENOMEM;
	for (char *spec = strtok_r(all, ",", &save); spec;
	     spec = strtok_r(NULL, ",", &save)) {
		struct vfio_id id;

		id_parse(spec, &id);
		for (size_t i = 0; i < doc->s.h->ndevs; i++) {
			struct vp_dev *d = doc->s.h->devs[i];
			char *s;

			if (!id_matches(&id, d))
				continue;
			claimed++;
			if (vp_session_goes(&doc->s, d) && !d->critical)
				continue;
			s = xasprintf("%s%s%s (%04x:%04x%s)", stolen ? stolen : "",
				      stolen ? ", " : "", d->addr, d->vendor, d->device,
				      d->critical ? ", host-critical" : ", not a target");
			free(stolen);
			stolen = s;
		}
	}
	if (stolen)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("vfio-pci ids also claim %s", stolen), TAKE_PTR(src),
			strdup("drop those ids and bind the target by address instead "
			       "(driver_override, as driverctl does), so the host keeps its "
			       "device"));
	return vp_report(
		doc, c, NULL, VP_V_OK,
		xasprintf("vfio-pci ids claim %zu function%s, all of them targets or "
			  "their companions",
			  claimed, claimed == 1 ? "" : "s"),
		TAKE_PTR(src), NULL);
}

static int blacklist(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *hurt = NULL;

	for (size_t i = 0; i < doc->s.h->ndevs; i++) {
		struct vp_dev *d = doc->s.h->devs[i];

		if (!d->driver)
			continue;
		for (size_t m = 0; m < d->modules.n; m++) {
			char *s;

			/* vp_session_goes last: it is the costly test, asked of every
			 * function. */
			if (!vp_kmods_blacklisted(&doc->s.km, d->modules.v[m]) ||
			    !streq(d->modules.v[m], d->driver) ||
			    vp_session_goes(&doc->s, d))
				continue;
			s = xasprintf("%s%s%s for %s", hurt ? hurt : "", hurt ? ", " : "",
				      d->modules.v[m], d->addr);
			free(hurt);
			hurt = s;
		}
	}
	if (doc->s.km.kmod_unavailable)
		return vp_report(doc, c, NULL, VP_V_SKIP, strdup("modprobe.d unknown"),
				 strdup(doc->s.km.kmod_unavailable), NULL);
	if (hurt)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("blacklisted drivers that host devices use: %s", hurt),
			strdup("modprobe.d blacklist lines"),
			strdup("remove the blacklist and keep the target off that driver "
			       "with vfio-pci ids plus a softdep, or driver_override"));
	return vp_report(doc, c, NULL, VP_V_OK,
			 strdup("no blacklist takes a driver from a host device"),
			 strdup("modprobe.d blacklist lines"), NULL);
}

/* The target's native driver must not grab it before vfio-pci at boot. */
static int softdep(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *missing = NULL;
	int r;

	if (streq(t->driver, "vfio-pci"))
		return vp_report(doc, c, t, VP_V_OK, strdup("bound to vfio-pci"),
				 vp_dev_ev(t, "driver", "vfio-pci"), NULL);
	/* a VFIO variant driver must keep it: no softdep hands it to vfio-pci */
	if (vp_kb_vfio_variant(t->driver))
		return vp_report(doc, c, t, VP_V_OK,
				 xasprintf("on the VFIO variant driver %s: vfio-pci must "
					   "not take it",
					   t->driver),
				 vp_dev_ev(t, "driver", "%s", t->driver), NULL);
	/* a vGPU card's functions stay on nvidia (checks/vgpu.c) */
	r = vp_doc_vgpu_keeps(doc, t);
	if (r < 0)
		return r;
	if (r)
		return vp_report(doc, c, t, VP_V_OK,
				 xasprintf("stays on %s for vGPU: no softdep may hand it "
					   "to vfio-pci",
					   t->driver),
				 vp_dev_ev(t, "driver", "%s", t->driver), NULL);
	if (vp_dev_unknown_why(t, "modules"))
		return vp_report(doc, c, t, VP_V_SKIP,
				 strdup("candidate drivers unknown"),
				 strdup(vp_dev_unknown_why(t, "modules")), NULL);
	for (size_t m = 0; m < t->modules.n; m++) {
		const char *mod = t->modules.v[m];
		char *s;

		if (streq(mod, "vfio_pci") || vp_kmods_blacklisted(&doc->s.km, mod) ||
		    vp_kmods_softdep_pre(&doc->s.km, mod, "vfio_pci"))
			continue;
		s = xasprintf("%s%ssoftdep %s pre: vfio-pci", missing ? missing : "",
			      missing ? "; " : "", mod);
		free(missing);
		missing = s;
	}
	if (!missing)
		return vp_report(
			doc, c, t, VP_V_OK,
			strdup("vfio-pci loads before every driver that could claim it"),
			strdup("modprobe.d softdep and blacklist lines"), NULL);
	return vp_report(
		doc, c, t, VP_V_WARN,
		xasprintf("a host driver may bind %s before vfio-pci at boot", t->addr),
		vp_dev_ev(t, "modalias", "matches %s",
			  t->modules.n ? t->modules.v[0] : "?"),
		xasprintf(
			"add to /etc/modprobe.d/vfio.conf: %s; then update-initramfs -u "
			"-k all",
			missing));
}

static int initramfs(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_kmods *k = &doc->s.km;
	_cleanup_free_ char *img =
		xasprintf("initrd.img-%s", doc->s.sys.kver ? doc->s.sys.kver : "?");

	if (!doc->s.sys.kver || !k->initramfs_mtime)
		return vp_report(doc, c, NULL, VP_V_SKIP, strdup("initramfs not found"),
				 vp_evidence(VP_BOOT, img, "missing"), NULL);
	if (k->newest_config > k->initramfs_mtime)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("the initramfs is older than %s: the change is not in "
				  "it yet",
				  k->newest_config_file),
			vp_evidence(VP_BOOT, img, "older than %s", k->newest_config_file),
			strdup("update-initramfs -u -k all, then reboot"));
	return vp_report(
		doc, c, NULL, VP_V_OK,
		strdup("the initramfs is newer than the module configuration"),
		vp_evidence(VP_BOOT, img, "newer than modprobe.d and /etc/modules"),
		NULL);
}

/* What the host's settings give to vfio-pci, and from which line (host/adopt.c). */
static int given(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	struct vp_claims cl = { 0 };
	_cleanup_free_ char *list = NULL, *ev = NULL, *bad = NULL;
	int r;

	(void)t;
	r = vp_claims_load(doc->s.ctx, &doc->s.sys.cmdline, &doc->s.km, &cl);
	if (r < 0)
		return r;
	for (size_t i = 0; i < doc->s.h->ndevs; i++) {
		const struct vp_dev *d = doc->s.h->devs[i];

		for (size_t k = 0; k < cl.n; k++) {
			_cleanup_free_ char *where = NULL;
			char *n;

			if (!vp_claim_to_vfio(&cl.v[k]) || !vp_claim_matches(&cl.v[k], d))
				continue;
			where = vp_claim_where(&cl.v[k]);
			n = xasprintf("%s%s%s (%s)", list ? list : "", list ? ", " : "",
				      d->addr, where ? where : "?");
			free(list);
			list = n;
			if (d->critical) {
				n = xasprintf("%s%s%s", bad ? bad : "", bad ? ", " : "",
					      d->addr);
				free(bad);
				bad = n;
			}
			break;
		}
	}
	for (size_t k = 0; k < cl.n; k++) {
		_cleanup_free_ char *where = vp_claim_where(&cl.v[k]);
		char *n = xasprintf("%s%s%s: %s", ev ? ev : "", ev ? "; " : "",
				    where ? where : "?", cl.v[k].text);

		free(ev);
		ev = n;
	}
	vp_claims_free(&cl);
	if (!list)
		return vp_report(
			doc, c, NULL, VP_V_OK,
			strdup("no setting gives a device to vfio-pci"),
			strdup(ev ? ev
				  : "modprobe.d, udev rules, driverctl and the kernel "
				    "command line: no vfio-pci binding"),
			NULL);
	return vp_report(
		doc, c, NULL, bad ? VP_V_WARN : VP_V_OK,
		xasprintf("given to vfio-pci: %s%s%s", list,
			  bad ? "; needed by the host: " : "", bad ? bad : ""),
		TAKE_PTR(ev),
		bad ? strdup("vfio-pilot host plan --adopt moves the line into "
			     "vfio-pilot's file, leaving the host's devices alone")
		    : NULL);
}

const struct vp_check vp_checks_vfio[] = {
	{ "vfio.modules", VP_L_VFIO, false, modules_present },
	{ "vfio.virqfd", VP_L_VFIO, false, virqfd },
	{ "vfio.ids", VP_L_VFIO, false, claim_ids },
	{ "vfio.given", VP_L_VFIO, false, given },
	{ "vfio.blacklist", VP_L_VFIO, false, blacklist },
	{ "vfio.softdep", VP_L_VFIO, true, softdep },
	{ "vfio.initramfs", VP_L_VFIO, false, initramfs },
	{ NULL, 0, false, NULL },
};
