// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vGPU host: what the Proxmox wiki "NVIDIA vGPU on Proxmox VE" asks of
 * it. pve-nvidia-vgpu-helper (`setup` blacklists nouveau and installs the
 * kernel headers and DKMS), NVIDIA's vGPU host driver built with --dkms for
 * every kernel, and pve-nvidia-sriov@ALL.service (or @ADDR) making the VFs
 * at every boot: on SR-IOV cards (Ada, Ampere with vGPU 17+) vGPUs live on
 * the VFs (nvidia/creatable_vgpu_types, host/vgpu.c), so without VFs there
 * is no vGPU. Functions offering mediated-device types (mdev_supported_types)
 * make a vGPU host too. Everything else skips.
 *
 * The kernels after the running one are kernel.upgrade-modules' (upgrade.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include <libkmod.h>

#include "checks/doctor.h"
#include "host/gpudev.h"
#include "host/sriov.h"

#define HELPER	  "pve-nvidia-vgpu-helper"
#define UNIT	  "pve-nvidia-sriov@"
#define UNIT_DIR  "systemd/system" /* below etc: where systemctl enable links */
#define NV_MODULE "nvidia"

struct vp_vgpu_host {
	int err;	       /* the scan failed: -errno, for every later ask */
	bool helper;	       /* HELPER installed (dpkg) */
	struct vp_dev **cards; /* PFs on nvidia with SR-IOV (sriov_totalvfs > 0) */
	size_t ncards;
	struct vp_dev **parents; /* other functions (not VFs) offering mdev types */
	size_t nparents;
	bool nv_types;		/* a function on nvidia has the vGPU interface */
	struct strv units;	/* enabled UNIT instances: "ALL", "0000:18:00.0" */
	struct strv unit_paths; /* their links below etc */
	char *nv_version;	/* the loaded module's version, NULL unknown */
	char *nv_version_from;
};

static bool on_nvidia(const struct vp_dev *d)
{
	return d->vendor == VP_PCI_VENDOR_NVIDIA && d->driver &&
	       streq(d->driver, "nvidia");
}

static int push_dev(struct vp_dev ***v, size_t *n, struct vp_dev *d)
{
	struct vp_dev **nv = reallocarray(*v, *n + 1, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

/* Instances of UNIT that `systemctl enable` linked into a target's .wants/. */
static int read_units(struct vp_ctx *ctx, struct vp_vgpu_host *v)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r = 0;

	if (vp_opendirf(ctx, VP_ETC, &d, UNIT_DIR) < 0)
		return 0;
	while (r == 0 && (e = readdir(d))) {
		_cleanup_closedir_ DIR *w = NULL;
		size_t len = strlen(e->d_name);
		struct dirent *u;

		if (e->d_name[0] == '.' || len < 6 ||
		    !streq(e->d_name + len - 6, ".wants"))
			continue;
		if (vp_opendirf(ctx, VP_ETC, &w, UNIT_DIR "/%s", e->d_name) < 0)
			continue;
		while (r == 0 && (u = readdir(w))) {
			const char *inst = u->d_name + strlen(UNIT);
			size_t ilen = strlen(u->d_name);
			_cleanup_free_ char *name = NULL;

			if (!startswith(u->d_name, UNIT) || ilen <= strlen(UNIT) + 8 ||
			    !streq(u->d_name + ilen - 8, ".service"))
				continue;
			/* A link to a unit file that is gone enables nothing. */
			if (!vp_existsf(ctx, VP_ETC, UNIT_DIR "/%s/%s", e->d_name,
					u->d_name))
				continue;
			name = strndup(inst, ilen - strlen(UNIT) - 8);
			if (!name)
				return -ENOMEM;
			if (strv_contains(&v->units, name))
				continue;
			r = strv_add(&v->units, name);
			if (r == 0)
				r = strv_pushf(&v->unit_paths, UNIT_DIR "/%s/%s",
					       e->d_name, u->d_name);
		}
	}
	if (r == 0)
		strv_sort(&v->units);
	return r;
}

/* The nvidia module's own version (MODULE_VERSION), as host/gpudev.c reads it. */
static int read_version(struct vp_ctx *ctx, struct vp_vgpu_host *v)
{
	_cleanup_free_ char *text = NULL;

	if (vp_read_strf(ctx, VP_SYS, &text, "module/" NV_MODULE "/version") == 0 &&
	    *text) {
		v->nv_version = TAKE_PTR(text);
		v->nv_version_from =
			vp_display_path(VP_SYS, "module/" NV_MODULE "/version");
		return v->nv_version_from ? 0 : -ENOMEM;
	}
	free(TAKE_PTR(text));
	if (vp_read_strf(ctx, VP_PROC, &text, "driver/nvidia/version") == 0) {
		v->nv_version = vp_nvidia_proc_version(text);
		if (v->nv_version) {
			v->nv_version_from =
				vp_display_path(VP_PROC, "driver/nvidia/version");
			return v->nv_version_from ? 0 : -ENOMEM;
		}
	}
	return 0;
}

/*
 * Read once: the display functions' details (doctor reads only the
 * targets'; the VFs and their vGPU types come with the details), the
 * package and the enabled units.
 */
static int scan(struct vp_doc *doc, struct vp_vgpu_host **out)
{
	struct vp_vgpu_host *v = doc->vgpu;
	const struct vp_host *h = doc->s.h;
	int r = 0;

	if (v) {
		*out = v;
		return v->err;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	doc->vgpu = v;
	for (size_t i = 0; r == 0 && i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind != VP_KIND_DISPLAY)
			continue;
		r = vp_dev_details(doc->s.ctx, d);
		if (r < 0)
			break;
		if (on_nvidia(d) && !d->physfn && d->sriov == VP_PRESENT &&
		    d->sriov_total > 0)
			r = push_dev(&v->cards, &v->ncards, d);
		else if (d->vgpu.iface == VP_VGPU_MDEV && !d->physfn)
			r = push_dev(&v->parents, &v->nparents, d);
		if (on_nvidia(d) && d->vgpu.iface != VP_VGPU_NONE)
			v->nv_types = true;
	}
	if (r == 0) {
		v->helper = vp_dpkg_installed(doc->s.ctx, HELPER);
		r = read_units(doc->s.ctx, v);
	}
	if (r == 0)
		r = read_version(doc->s.ctx, v);
	*out = v;
	v->err = r;
	return r;
}

void vp_doc_vgpu_free(struct vp_doc *doc)
{
	struct vp_vgpu_host *v = doc->vgpu;

	if (!v)
		return;
	free(v->cards);
	free(v->parents);
	strv_free(&v->units);
	strv_free(&v->unit_paths);
	free(v->nv_version);
	free(v->nv_version_from);
	free(v);
	doc->vgpu = NULL;
}

/* Set up for NVIDIA vGPU: the helper, its unit, or a function offering types. */
static bool nv_intent(const struct vp_vgpu_host *v)
{
	return v->helper || v->units.n || v->nv_types;
}

static bool nv_host(const struct vp_vgpu_host *v)
{
	return v->ncards || nv_intent(v);
}

int vp_doc_vgpu_host(struct vp_doc *doc)
{
	struct vp_vgpu_host *v;
	int r = scan(doc, &v);

	if (r < 0)
		return r;
	return nv_host(v) || v->nparents;
}

static bool is_card(const struct vp_vgpu_host *v, const char *addr)
{
	for (size_t i = 0; addr && i < v->ncards; i++)
		if (streq(v->cards[i]->addr, addr))
			return true;
	return false;
}

int vp_doc_vgpu_keeps(struct vp_doc *doc, struct vp_dev *d)
{
	struct vp_vgpu_host *v;
	int r = scan(doc, &v);

	if (r < 0)
		return r;
	if (!on_nvidia(d))
		return 0;
	if (d->vgpu.iface != VP_VGPU_NONE)
		return 1;
	return nv_intent(v) && (is_card(v, d->addr) || is_card(v, d->physfn));
}

/* The enabled instance that makes the VFs of @addr, or NULL. */
static const char *unit_for(const struct vp_vgpu_host *v, const char *addr)
{
	for (size_t i = 0; i < v->units.n; i++) {
		const char *u = v->units.v[i];

		/* sriov-manage takes ALL or an address, with or without the domain. */
		if (streq(u, "ALL") || streq(u, addr) ||
		    (strlen(u) == 7 && streq(addr + 5, u)))
			return u;
	}
	return NULL;
}

/* "no UNIT unit is enabled" or "UNIT is enabled for 0000:18:00.0". */
static char *units_said(const struct vp_vgpu_host *v)
{
	_cleanup_free_ char *list = strv_join(&v->units, ", ");

	if (!list)
		return NULL;
	if (!v->units.n)
		return strdup("no " UNIT " unit is enabled");
	return xasprintf(UNIT " is enabled for %s%s", list,
			 strv_contains(&v->units, "ALL") ? "" : " only");
}

static char *units_ev(const struct vp_vgpu_host *v)
{
	_cleanup_free_ char *list = NULL;
	struct strv shown = { 0 };
	char *e;

	for (size_t i = 0; i < v->unit_paths.n; i++)
		if (strv_push(&shown, vp_display_path(VP_ETC, v->unit_paths.v[i])) < 0) {
			strv_free(&shown);
			return NULL;
		}
	list = strv_join(&shown, ", ");
	strv_free(&shown);
	if (!list)
		return NULL;
	if (v->unit_paths.n)
		return xasprintf("enabled: %s", list);
	e = vp_evidence(VP_ETC, UNIT_DIR, "no */" UNIT "*.service link");
	return e;
}

static int host(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *list = NULL;
	struct vp_vgpu_host *v;
	int r = scan(doc, &v);

	(void)t;
	if (r < 0)
		return r;
	if (!nv_host(v) && !v->nparents)
		return vp_report(
			doc, c, NULL, VP_V_SKIP,
			strdup("no vGPU host: no NVIDIA SR-IOV card on the nvidia driver, no "
			       "function offering vGPU types, " HELPER " not installed"),
			vp_evidence(VP_VAR_LIB, "dpkg/status", "no " HELPER), NULL);
	for (size_t i = 0; i < v->ncards; i++) {
		char *n = xasprintf("%s%s%s", list ? list : "", list ? " " : "",
				    v->cards[i]->addr);

		free(list);
		list = n;
	}
	for (size_t i = 0; i < v->nparents; i++) {
		char *n = xasprintf("%s%s%s (mdev, %s)", list ? list : "",
				    list ? " " : "", v->parents[i]->addr,
				    v->parents[i]->driver ? v->parents[i]->driver
							  : "no driver");

		free(list);
		list = n;
	}
	if (!nv_host(v))
		return vp_report(
			doc, c, NULL, VP_V_OK,
			xasprintf("vGPU host: mediated-device types on %s", list),
			vp_dev_ev(v->parents[0], "mdev_supported_types", "present"),
			NULL);
	if (v->helper || !doc->s.sys.is_pve)
		return vp_report(
			doc, c, NULL, VP_V_OK,
			xasprintf("NVIDIA vGPU host%s%s; %s",
				  list ? ": SR-IOV cards " : "", list ? list : "",
				  v->helper ? HELPER " is installed"
					    : "not Proxmox VE: " HELPER " is Proxmox's"),
			vp_evidence(VP_VAR_LIB, "dpkg/status", HELPER " %s",
				    v->helper ? "installed" : "not installed"),
			NULL);
	return vp_report(
		doc, c, NULL, VP_V_WARN,
		xasprintf("NVIDIA vGPU host%s%s without " HELPER ", Proxmox's tool that "
			  "blacklists nouveau, installs the kernel headers and DKMS and "
			  "ships " UNIT ".service",
			  list ? ": SR-IOV cards " : "", list ? list : ""),
		vp_evidence(VP_VAR_LIB, "dpkg/status", "no " HELPER),
		strdup("apt install " HELPER " && " HELPER " setup"));
}

/* The nvidia module in the running kernel's index (libkmod, modules.dep.bin). */
static int driver(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	struct vp_vgpu_host *v;
	struct kmod_module *mod = NULL;
	_cleanup_free_ char *idx = NULL, *rel = NULL, *ver = NULL;
	const char *kver = doc->s.sys.kver;
	int r = scan(doc, &v);

	(void)t;
	if (r < 0)
		return r;
	if (!nv_host(v))
		return 0;
	if (!kver || !doc->s.km.kmod)
		return vp_report(
			doc, c, NULL, VP_V_SKIP,
			strdup("the running kernel's module index is unknown"),
			strdup(doc->s.km.kmod_unavailable
				       ? doc->s.km.kmod_unavailable
				       : "the running kernel's version is unknown"),
			NULL);
	idx = xasprintf("%s/modules.dep.bin", kver);
	ver = v->nv_version ? xasprintf(" %s (%s)", v->nv_version, v->nv_version_from)
			    : strdup("");
	if (!idx || !ver)
		return -ENOMEM;
	if (!vp_kmods_available(&doc->s.km, NV_MODULE))
		return vp_report(
			doc, c, NULL, VP_V_FAIL,
			xasprintf(
				"the running kernel %s has no nvidia module: the vGPU host "
				"driver is not built for it, no vGPU VM starts",
				kver),
			vp_evidence(VP_MODULES, idx, "no " NV_MODULE ".ko (libkmod)%s%s",
				    v->nv_version ? "; loaded now:" : "", ver),
			xasprintf(
				"apt install proxmox-headers-%s && dkms autoinstall -k %s "
				"(or install NVIDIA's vGPU host driver again with --dkms)",
				kver, kver));
	/* The path as the index names it, below the kernel's directory. */
	if (kmod_module_new_from_name(doc->s.km.kmod, NV_MODULE, &mod) == 0) {
		const char *p = kmod_module_get_path(mod);
		_cleanup_free_ char *at = xasprintf("/%s/", kver);
		const char *s = p && at ? strstr(p, at) : NULL;

		rel = strdup(s ? s + strlen(at) : "built in");
		kmod_module_unref(mod);
		if (!rel)
			return -ENOMEM;
	}
	return vp_report(
		doc, c, NULL, VP_V_OK,
		xasprintf("nvidia%s is built for the running kernel %s%s", ver, kver,
			  strstr(rel ? rel : "", "updates/") ||
					  strstr(rel ? rel : "", "extra/")
				  ? " (DKMS); other kernels: kernel.upgrade-modules"
				  : ""),
		vp_evidence(VP_MODULES, idx, NV_MODULE ": %s (libkmod)", rel ? rel : "?"),
		NULL);
}

/* The blacklist line and its file, for the evidence; libkmod decides. */
static char *blacklist_where(struct vp_doc *doc)
{
	static const char *const dirs[] = {
		"etc/modprobe.d",     "run/modprobe.d", "usr/local/lib/modprobe.d",
		"usr/lib/modprobe.d", "lib/modprobe.d",
	};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *e;

		if (vp_opendirf(doc->s.ctx, VP_ROOT, &d, "%s", dirs[i]) < 0)
			continue;
		while ((e = readdir(d))) {
			_cleanup_free_ char *text = NULL;
			size_t len = strlen(e->d_name);

			if (e->d_name[0] == '.' || len < 6 ||
			    !streq(e->d_name + len - 5, ".conf") ||
			    vp_read_strf(doc->s.ctx, VP_ROOT, &text, "%s/%s", dirs[i],
					 e->d_name) < 0)
				continue;
			for (char *l = text, *next; l && *l; l = next) {
				next = strchr(l, '\n');
				if (next)
					*next++ = '\0';
				l += strspn(l, " \t");
				if (startswith(l, "blacklist") &&
				    (l[9] == ' ' || l[9] == '\t') &&
				    streq(l + 10 + strspn(l + 10, " \t"), "nouveau"))
					return xasprintf("/%s/%s: blacklist nouveau",
							 dirs[i], e->d_name);
			}
		}
	}
	return strdup("modprobe.d (libkmod): blacklist nouveau");
}

/* nouveau, if it binds first, takes the card from nvidia. */
static int nouveau(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *held = NULL;
	struct vp_vgpu_host *v;
	bool loaded;
	int r = scan(doc, &v);

	(void)t;
	if (r < 0)
		return r;
	if (!v->ncards && !v->nv_types)
		return 0;
	if (doc->s.km.kmod_unavailable)
		return vp_report(doc, c, NULL, VP_V_SKIP, strdup("modprobe.d unknown"),
				 strdup(doc->s.km.kmod_unavailable), NULL);
	if (vp_kmods_blacklisted(&doc->s.km, "nouveau"))
		return vp_report(doc, c, NULL, VP_V_OK,
				 strdup("nouveau is blacklisted: it cannot take a vGPU "
					"card from nvidia"),
				 blacklist_where(doc), NULL);
	for (size_t i = 0; i < doc->s.h->ndevs; i++) {
		const struct vp_dev *d = doc->s.h->devs[i];
		char *n;

		if (!d->driver || !streq(d->driver, "nouveau"))
			continue;
		n = xasprintf("%s%s%s", held ? held : "", held ? " " : "", d->addr);
		free(held);
		held = n;
	}
	loaded = vp_kmods_is_loaded(&doc->s.km, "nouveau");
	return vp_report(
		doc, c, NULL, held ? VP_V_FAIL : VP_V_WARN,
		held ? xasprintf("nouveau is not blacklisted and holds %s", held)
		     : strdup("nouveau is not blacklisted: if it binds a vGPU card "
			      "first, nvidia cannot have it"),
		vp_evidence(VP_ETC, "modprobe.d",
			    "no 'blacklist nouveau' in any modprobe.d directory (read "
			    "through libkmod); nouveau %s (/proc/modules)",
			    loaded ? "loaded" : "not loaded"),
		strdup("printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' "
		       "> /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs "
		       "-u -k all, then reboot (" HELPER " setup writes the same "
		       "blacklist)"));
}

/* VFs after the boot: without them no vGPU can be made on an SR-IOV card. */
static int vfs(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	struct vp_vgpu_host *v;
	int r = scan(doc, &v);

	(void)t;
	for (size_t i = 0; r == 0 && i < v->ncards; i++) {
		struct vp_dev *pf = v->cards[i];
		const char *u = unit_for(v, pf->addr);
		_cleanup_free_ char *said = units_said(v), *uev = units_ev(v);
		_cleanup_free_ char *inst = NULL;

		if (!said || !uev)
			return -ENOMEM;
		/* Keep the operator's way: per address when that is what is enabled. */
		inst = xasprintf(UNIT "%s.service", v->units.n ? pf->addr : "ALL");
		if (!inst)
			return -ENOMEM;
		if (pf->sriov_num == 0 && u)
			r = vp_report(
				doc, c, pf, nv_intent(v) ? VP_V_FAIL : VP_V_WARN,
				xasprintf(
					"no VFs (0 of %u): no vGPU can be made; " UNIT
					"%s.service is enabled yet made none at this boot",
					pf->sriov_total, u),
				vp_dev_ev(pf, "sriov_numvfs", "0 (sriov_totalvfs %u); %s",
					  pf->sriov_total, uev),
				xasprintf("systemctl restart " UNIT
					  "%s.service; if the VFs "
					  "still do not appear: journalctl -b -u " UNIT
					  "%s.service",
					  u, u));
		else if (pf->sriov_num == 0)
			r = vp_report(
				doc, c, pf, nv_intent(v) ? VP_V_FAIL : VP_V_WARN,
				xasprintf("no VFs (0 of %u): no vGPU can be made on this "
					  "card; %s%s",
					  pf->sriov_total, said,
					  v->units.n ? " (@ALL would cover every card)"
						     : ""),
				vp_dev_ev(pf, "sriov_numvfs", "0 (sriov_totalvfs %u); %s",
					  pf->sriov_total, uev),
				xasprintf("%ssystemctl enable --now %s",
					  v->helper ? "" : "apt install " HELPER " && ",
					  inst));
		else if (!u)
			r = vp_report(
				doc, c, pf, VP_V_WARN,
				xasprintf(
					"%u VFs now, but %s for this card: after the next "
					"boot it has none and no vGPU VM starts",
					pf->sriov_num, said),
				vp_dev_ev(pf, "sriov_numvfs",
					  "%u (sriov_totalvfs %u); %s", pf->sriov_num,
					  pf->sriov_total, uev),
				xasprintf("%ssystemctl enable %s",
					  v->helper ? "" : "apt install " HELPER " && ",
					  inst));
		else
			r = vp_report(doc, c, pf, VP_V_OK,
				      xasprintf("%u of %u VFs enabled; " UNIT
						"%s.service makes them at every boot",
						pf->sriov_num, pf->sriov_total, u),
				      vp_dev_ev(pf, "sriov_numvfs",
						"%u (sriov_totalvfs %u); %s",
						pf->sriov_num, pf->sriov_total, uev),
				      NULL);
	}
	return r;
}

/* One card's VFs: how many have the vGPU interface, offer types, run one. */
static int card_types(struct vp_doc *doc, const struct vp_check *c,
		      struct vp_vgpu_host *v, struct vp_dev *pf)
{
	struct vp_dev *first = NULL, *sample = NULL;
	size_t n = 0, iface = 0, offer = 0, used = 0;
	_cleanup_free_ char *ver = NULL;

	for (size_t i = 0; i < pf->virtfn.n; i++) {
		struct vp_dev *vf = vp_host_find_addr(doc->s.h, pf->virtfn.v[i]);
		int r;

		if (!vf)
			continue;
		r = vp_dev_details(doc->s.ctx, vf);
		if (r < 0)
			return r;
		n++;
		first = first ? first : vf;
		if (vf->vgpu.iface == VP_VGPU_NONE)
			continue;
		iface++;
		if (vf->vgpu.ntypes) {
			offer++;
			sample = sample ? sample : vf;
		}
		used += vf->vgpu.current != 0;
	}
	if (!first)
		return 0; /* no VFs: vgpu.vfs says so */
	ver = v->nv_version ? xasprintf("%s (%s)", v->nv_version, v->nv_version_from)
			    : strdup("of unknown version");
	if (!ver)
		return -ENOMEM;
	if (!iface)
		return vp_report(
			doc, c, pf, VP_V_WARN,
			xasprintf("%zu VFs, none offers vGPU types: nvidia %s is not "
				  "NVIDIA's vGPU host driver",
				  n, ver),
			vp_dev_ev(first, "nvidia",
				  "missing, as on every VF of %s; %s: %s", pf->addr,
				  v->nv_version_from ? v->nv_version_from
						     : "nvidia version",
				  v->nv_version ? v->nv_version : "unknown"),
			xasprintf(
				"install NVIDIA's vGPU host driver for KVM "
				"(NVIDIA-Linux-x86_64-VERSION-vgpu-kvm.run --dkms, from "
				"the NVIDIA licensing portal) in place of nvidia %s, "
				"then reboot",
				v->nv_version ? v->nv_version : "(this driver)"));
	if (!sample)
		return vp_report(
			doc, c, pf, VP_V_OK,
			xasprintf(
				"%zu VFs with the vGPU interface, none offers a type now "
				"(%zu in use): the card is full",
				n, used),
			vp_dev_ev(first, "nvidia/creatable_vgpu_types", "empty"), NULL);
	return vp_report(
		doc, c, pf, VP_V_OK,
		xasprintf("%zu VFs, %zu offer vGPU types (%zu in use); e.g. %s "
			  "%s",
			  n, offer, used, sample->vgpu.types[0].type,
			  sample->vgpu.types[0].name ? sample->vgpu.types[0].name : ""),
		vp_dev_ev(sample, "nvidia/creatable_vgpu_types", "%zu type%s",
			  sample->vgpu.ntypes, sample->vgpu.ntypes == 1 ? "" : "s"),
		NULL);
}

static int types(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	struct vp_vgpu_host *v;
	int r = scan(doc, &v);

	(void)t;
	for (size_t i = 0; r == 0 && i < v->ncards; i++)
		r = card_types(doc, c, v, v->cards[i]);
	for (size_t i = 0; r == 0 && i < v->nparents; i++) {
		struct vp_dev *d = v->parents[i];

		r = vp_report(doc, c, d, VP_V_OK,
			      xasprintf("%zu mediated-device types%s%s", d->vgpu.ntypes,
					d->vgpu.ntypes ? ", e.g. " : "",
					d->vgpu.ntypes ? d->vgpu.types[0].type : ""),
			      vp_dev_ev(d, "mdev_supported_types", "%zu entries",
					d->vgpu.ntypes),
			      NULL);
	}
	return r;
}

const struct vp_check vp_checks_vgpu[] = {
	{ "vgpu.host", VP_L_VGPU, false, host },
	{ "vgpu.driver", VP_L_VGPU, false, driver },
	{ "vgpu.nouveau", VP_L_VGPU, false, nouveau },
	{ "vgpu.vfs", VP_L_VGPU, false, vfs },
	{ "vgpu.types", VP_L_VGPU, false, types },
	{ NULL, 0, false, NULL },
};
