// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Surviving the next kernel upgrade: for every installed kernel, not only
 * the running one, whether its initramfs carries the vfio modules and
 * vfio-pilot's modprobe options, whether the out-of-tree modules the setup
 * relies on are built for it, and whether /etc/modules names modules it no
 * longer has. On proxmox-boot-tool hosts, which kernels it keeps on the ESPs.
 * Each finding names the kernel version and the exact repair command.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "host/initramfs.h"

#define VP_MODPROBE_CONF "modprobe.d/vfio-pilot.conf" /* below etc: hostplan.c */

static const char *const vfio_mods[] = { "vfio", "vfio_iommu_type1", "vfio_pci" };

/*
 * Out-of-tree modules a passthrough setup relies on, built by DKMS for each
 * kernel: vendor-reset (gnif/vendor-reset), nvidia (the host driver for vGPU
 * or a second card), i915 of i915-sriov-dkms, kvmfr (Looking Glass).
 */
static const char *const oot_mods[] = { "vendor_reset", "nvidia", "i915", "kvmfr" };

static int cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Installed kernels: ROOT/lib/modules/KVER with a module index, and /boot/vmlinuz-KVER.
 */
static int kernels(struct vp_doc *doc, struct strv *out)
{
	_cleanup_closedir_ DIR *d = NULL, *b = NULL;
	struct dirent *e;
	int r = 0;

	if (vp_opendirf(doc->s.ctx, VP_MODULES, &d, ".") == 0)
		while (r == 0 && (e = readdir(d)))
			if (e->d_name[0] != '.' &&
			    (vp_existsf(doc->s.ctx, VP_MODULES, "%s/modules.dep",
					e->d_name) ||
			     vp_existsf(doc->s.ctx, VP_MODULES, "%s/modules.dep.bin",
					e->d_name)))
				r = strv_add(out, e->d_name);
	if (r == 0 && vp_opendirf(doc->s.ctx, VP_BOOT, &b, ".") == 0)
		while (r == 0 && (e = readdir(b)))
			if (startswith(e->d_name, "vmlinuz-") && e->d_name[8] &&
			    !strv_contains(out, e->d_name + 8))
				r = strv_add(out, e->d_name + 8);
	if (r == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return r;
}

/*
 * Does the module path of an index line (@len bytes at @l, "kernel/x/y.ko"
 * or "updates/dkms/y.ko.xz") name @mod (normalised, @n bytes)? '-' and '_'
 * are one in module names (kmod's modname_normalize).
 */
static bool path_names(const char *l, size_t len, const char *mod, size_t n)
{
	const char *base = l;
	bool same = true;

	for (size_t i = 0; i < len; i++)
		if (l[i] == '/')
			base = l + i + 1;
	if ((size_t)(l + len - base) <= n + 2)
		return false;
	for (size_t i = 0; same && i < n; i++)
		same = (base[i] == '-' ? '_' : base[i]) == mod[i];
	return same && startswith(base + n, ".ko");
}

/* Is @mod (normalised) a line of ROOT/lib/modules/KVER/modules.builtin or modules.dep? */
static bool in_index(struct vp_doc *doc, const char *kver, const char *file,
		     const char *mod)
{
	_cleanup_free_ char *text = NULL;
	size_t n = strlen(mod);

	if (vp_read_strf(doc->s.ctx, VP_MODULES, &text, "%s/%s", kver, file) < 0)
		return false;
	for (char *l = text; l && *l;) {
		if (path_names(l, strcspn(l, "\n:"), mod, n))
			return true;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

static bool has_text_index(struct vp_doc *doc, const char *kver)
{
	return vp_existsf(doc->s.ctx, VP_MODULES, "%s/modules.dep", kver);
}

/* vfio-pilot's modprobe.d lines, as host apply wrote them. */
static int own_options(struct vp_doc *doc, struct strv *lines)
{
	_cleanup_free_ char *text = NULL;

	if (vp_read_strf(doc->s.ctx, VP_ETC, &text, VP_MODPROBE_CONF) < 0)
		return 0;
	for (char *l = text, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		strstrip_end(l);
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l && *l != '#' && strv_add(lines, l) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Does the setup want vfio early: its modprobe file, or vfio modules listed to load? */
static bool vfio_wanted(struct vp_doc *doc, const struct strv *opts)
{
	_cleanup_free_ char *list = NULL;

	if (opts->n)
		return true;
	for (size_t i = 0; i < doc->s.km.nboot; i++)
		if (startswith(doc->s.km.boot[i].module, "vfio"))
			return true;
	return vp_read_strf(doc->s.ctx, VP_ETC, &list, "initramfs-tools/modules") == 0 &&
	       strstr(list, "vfio");
}

static int one_initramfs(struct vp_doc *doc, const struct vp_check *c, const char *kver,
			 const struct strv *opts)
{
	_cleanup_free_ char *img = xasprintf("initrd.img-%s", kver);
	_cleanup_free_ char *missing_s = NULL, *lines_s = NULL;
	_cleanup_(strv_free) struct strv missing = { 0 }, lines = { 0 };
	struct vp_initramfs ir = { 0 };
	int r;

	if (!img)
		return -ENOMEM;
	r = vp_initramfs_read(doc->s.ctx, img, &ir);
	if (r == -ENOENT)
		return vp_report(doc, c, NULL, VP_V_SKIP,
				 xasprintf("%s: no initramfs to look into", kver),
				 vp_evidence(VP_BOOT, img, "missing"), NULL);
	if (r < 0)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("%s: the initramfs cannot be read", kver),
			vp_evidence(VP_BOOT, img, "libarchive: %s", strerror(-r)),
			xasprintf("update-initramfs -u -k %s", kver));
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(vfio_mods); i++)
		if (!vp_initramfs_has_module(&ir, vfio_mods[i]) &&
		    !in_index(doc, kver, "modules.builtin", vfio_mods[i]))
			r = strv_add(&missing, vfio_mods[i]);
	for (size_t i = 0; r == 0 && i < opts->n; i++)
		if (!vp_initramfs_has_modprobe_line(&ir, opts->v[i]))
			r = strv_add(&lines, opts->v[i]);
	if (r < 0) {
		vp_initramfs_free(&ir);
		return r;
	}
	missing_s = strv_join(&missing, " ");
	lines_s = strv_join(&lines, "; ");
	if (!missing_s || !lines_s)
		r = -ENOMEM;
	else if (missing.n)
		r = vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("%s: the initramfs lacks %s: a GPU driver in it binds "
				  "the card before vfio-pci can",
				  kver, missing_s),
			vp_evidence(VP_BOOT, img, "%zu files in %zu segment%s%s%s, no %s",
				    ir.files.n, ir.nsegments,
				    ir.nsegments == 1 ? "" : "s",
				    ir.main_filter ? ", main " : "",
				    ir.main_filter ? ir.main_filter : "", missing_s),
			xasprintf("printf '%%s\\n' %s >> /etc/initramfs-tools/modules && "
				  "update-initramfs -u -k %s",
				  missing_s, kver));
	else if (lines.n)
		r = vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("%s: the initramfs has an older copy of "
				  "vfio-pilot's modprobe options (etc/" VP_MODPROBE_CONF
				  ")",
				  kver),
			vp_evidence(VP_BOOT, img, "missing: %s", lines_s),
			xasprintf("update-initramfs -u -k %s", kver));
	else
		r = vp_report(
			doc, c, NULL, VP_V_OK,
			xasprintf("%s: the initramfs carries the vfio modules%s", kver,
				  opts->n ? " and vfio-pilot's modprobe options" : ""),
			vp_evidence(VP_BOOT, img, "%zu files in %zu segment%s%s%s",
				    ir.files.n, ir.nsegments,
				    ir.nsegments == 1 ? "" : "s",
				    ir.main_filter ? ", main " : "",
				    ir.main_filter ? ir.main_filter : ""),
			NULL);
	vp_initramfs_free(&ir);
	return r;
}

int vp_check_upgrade_initramfs(struct vp_doc *doc, const struct vp_check *c,
			       struct vp_dev *t)
{
	_cleanup_(strv_free) struct strv ks = { 0 }, opts = { 0 };
	int r = kernels(doc, &ks);

	if (r == 0)
		r = own_options(doc, &opts);
	if (r < 0)
		return r;
	if (!vfio_wanted(doc, &opts))
		return vp_report(doc, c, NULL, VP_V_OK,
				 strdup("no VFIO setup to carry into the initramfs"),
				 vp_evidence(VP_ETC, VP_MODPROBE_CONF,
					     "missing, no vfio module listed to load"),
				 NULL);
	for (size_t i = 0; r == 0 && i < ks.n; i++)
		r = one_initramfs(doc, c, ks.v[i], &opts);
	return r;
}

/* Is the out-of-tree module @m relied on: listed to load at boot, or loaded now? */
static bool relied_on(struct vp_doc *doc, const char *m)
{
	for (size_t i = 0; i < doc->s.km.nboot; i++) {
		_cleanup_free_ char *n = strdup(doc->s.km.boot[i].module);

		if (n) {
			vp_modname_normalize(n);
			if (streq(n, m))
				return true;
		}
	}
	return vp_kmods_is_loaded(&doc->s.km, m);
}

/* Built out of tree for @kver: in updates/ or extra/ of its modules.dep. */
static bool built_for(struct vp_doc *doc, const char *kver, const char *m)
{
	_cleanup_free_ char *dep = NULL;
	size_t n = strlen(m);

	if (vp_read_strf(doc->s.ctx, VP_MODULES, &dep, "%s/modules.dep", kver) < 0)
		return false;
	for (char *l = dep; l && *l;) {
		size_t len = strcspn(l, ":\n");

		if ((startswith(l, "updates/") || startswith(l, "extra/")) &&
		    len > n + 3 && path_names(l, len, m, n))
			return true;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

int vp_check_upgrade_modules(struct vp_doc *doc, const struct vp_check *c,
			     struct vp_dev *t)
{
	_cleanup_(strv_free) struct strv ks = { 0 };
	size_t nfound = 0;
	int r = kernels(doc, &ks);

	/* DKMS modules the setup relies on, for each kernel. */
	for (size_t m = 0; r == 0 && m < ARRAY_SIZE(oot_mods); m++) {
		const char *mod = oot_mods[m];
		int vgpu = 0;

		if (!relied_on(doc, mod))
			continue;
		/* nvidia as the vGPU host driver (checks/vgpu.c): say what is lost. */
		if (streq(mod, "nvidia")) {
			vgpu = vp_doc_vgpu_host(doc);
			if (vgpu < 0)
				return vgpu;
		}
		/* i915 is in tree; only the DKMS build (i915-sriov-dkms) is out of tree.
		 */
		if (streq(mod, "i915") &&
		    (!doc->s.sys.kver || !built_for(doc, doc->s.sys.kver, mod)))
			continue;
		for (size_t i = 0; r == 0 && i < ks.n; i++) {
			if (!has_text_index(doc, ks.v[i]))
				continue;
			nfound++;
			if (built_for(doc, ks.v[i], mod))
				r = vp_report(
					doc, c, NULL, VP_V_OK,
					xasprintf("%s: %s is built for it", ks.v[i], mod),
					vp_evidence(VP_MODULES, ks.v[i],
						    "modules.dep: updates/ or extra/ "
						    "%s.ko",
						    mod),
					NULL);
			else
				r = vp_report(
					doc, c, NULL, VP_V_FAIL,
					xasprintf(
						"%s: %s, which the setup relies on, is not "
						"built for this kernel%s",
						ks.v[i], mod,
						vgpu ? ": booted into it, no vGPU VM "
						       "starts"
						     : ""),
					vp_evidence(
						VP_MODULES, ks.v[i],
						"modules.dep: no %s.ko in updates/ or "
						"extra/",
						mod),
					xasprintf(
						"apt install proxmox-headers-%s && dkms "
						"autoinstall -k %s",
						ks.v[i], ks.v[i]));
		}
	}
	/* Modules listed to load at boot that a kernel no longer has. */
	for (size_t b = 0; r == 0 && b < doc->s.km.nboot; b++) {
		_cleanup_free_ char *mod = strdup(doc->s.km.boot[b].module);
		_cleanup_(strv_free) struct strv gone = { 0 };
		_cleanup_free_ char *list = NULL;

		bool oot = false;

		if (!mod)
			return -ENOMEM;
		vp_modname_normalize(mod);
		/* Out-of-tree ones are reported above, with the DKMS command. */
		for (size_t m = 0; m < ARRAY_SIZE(oot_mods); m++)
			oot = oot || streq(mod, oot_mods[m]);
		if (oot)
			continue;
		for (size_t i = 0; r == 0 && i < ks.n; i++)
			if (has_text_index(doc, ks.v[i]) &&
			    !in_index(doc, ks.v[i], "modules.dep", mod) &&
			    !in_index(doc, ks.v[i], "modules.builtin", mod))
				r = strv_add(&gone, ks.v[i]);
		if (r < 0 || !gone.n)
			continue;
		nfound++;
		list = strv_join(&gone, ", ");
		r = vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf(
				"%s has no module %s, yet %s line %d loads it at boot%s",
				list ? list : "?", mod, doc->s.km.boot[b].file,
				doc->s.km.boot[b].line,
				streq(mod, "vfio_virqfd") ? " (merged into vfio in 6.2)"
							  : ""),
			xasprintf("%s: no %s.ko in modules.dep or modules.builtin of %s",
				  doc->s.km.boot[b].file, mod, list ? list : "?"),
			xasprintf(
				"sed -i '%dd' %s  (the line '%s'), then update-initramfs "
				"-u -k all",
				doc->s.km.boot[b].line, doc->s.km.boot[b].file,
				doc->s.km.boot[b].module));
	}
	if (r == 0 && !nfound)
		r = vp_report(doc, c, NULL, VP_V_OK,
			      xasprintf("%zu installed kernel%s: no out-of-tree module "
					"relied on, no listed module missing",
					ks.n, ks.n == 1 ? "" : "s"),
			      vp_evidence(VP_MODULES, ".", "%zu kernels", ks.n), NULL);
	return r;
}

/*
 * proxmox-boot-tool (proxmox-kernel-helper, proxmox-boot/functions: ESP_LIST,
 * MANUAL_KERNEL_LIST, PINNED_KERNEL_CONF, NEXT_BOOT_PIN): the ESPs listed in
 * /etc/kernel/proxmox-boot-uuids get the kernels of `kernel list`: the
 * manually added ones (/etc/kernel/proxmox-boot-manual-kernels), the pinned
 * ones (/etc/kernel/proxmox-boot-pin, next-boot-pin) and the automatically
 * selected installed ones. What is on the ESPs needs them mounted: not read.
 */
int vp_check_upgrade_esp(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *uuids = NULL, *manual = NULL, *pin = NULL, *ks_s = NULL;
	_cleanup_(strv_free) struct strv ks = { 0 }, miss = { 0 };
	_cleanup_free_ char *miss_s = NULL;
	int r;

	if (vp_read_strf(doc->s.ctx, VP_ETC, &uuids, "kernel/proxmox-boot-uuids") < 0)
		return 0; /* not a proxmox-boot-tool host: nothing to report */
	r = kernels(doc, &ks);
	if (r < 0)
		return r;
	vp_read_strf(doc->s.ctx, VP_ETC, &manual, "kernel/proxmox-boot-manual-kernels");
	if (vp_read_strf(doc->s.ctx, VP_ETC, &pin, "kernel/proxmox-boot-pin") < 0)
		vp_read_strf(doc->s.ctx, VP_ETC, &pin, "kernel/next-boot-pin");
	for (char *l = manual; l && *l;) {
		size_t len = strcspn(l, "\n");
		_cleanup_free_ char *k = strndup(l, len);

		if (k && *k && !strv_contains(&ks, k))
			r = strv_add(&miss, k);
		l += len;
		if (*l)
			l++;
	}
	if (r == 0 && pin && *pin && !strv_contains(&ks, pin) &&
	    !strv_contains(&miss, pin))
		r = strv_add(&miss, pin);
	if (r < 0)
		return r;
	ks_s = strv_join(&ks, " ");
	miss_s = strv_join(&miss, " ");
	if (!ks_s || !miss_s)
		return -ENOMEM;
	if (miss.n)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf(
				"proxmox-boot-tool keeps kernels that are not installed: %s",
				miss_s),
			vp_evidence(VP_ETC, "kernel/proxmox-boot-manual-kernels",
				    "%s%s%s; installed: %s", manual ? manual : "",
				    pin ? ", pinned " : "", pin ? pin : "", ks_s),
			xasprintf("proxmox-boot-tool kernel remove %s (or unpin), then "
				  "proxmox-boot-tool refresh",
				  miss_s));
	return vp_report(
		doc, c, NULL, VP_V_OK,
		xasprintf(
			"proxmox-boot-tool: installed kernels %s%s%s; what the ESPs hold "
			"is not readable from files (run proxmox-boot-tool status)",
			ks_s, pin ? ", pinned " : "", pin ? pin : ""),
		vp_evidence(VP_ETC, "kernel/proxmox-boot-uuids", "present"), NULL);
}
