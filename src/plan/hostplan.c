// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host change set for passthrough, from the host model and the doctor's
 * facts. Files vfio-pilot owns are written whole (so a second plan is
 * empty); files it shares with the operator (/etc/modules, the boot files)
 * get minimal edits that keep every other byte.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "kb/kb.h"
#include "plan/bootcfg.h"
#include "plan/hostplan.h"

#define MODPROBE_FILE "etc/modprobe.d/vfio-pilot.conf"
#define UDEV_FILE     "etc/udev/rules.d/70-vfio-pilot.rules"
#define MODULES_FILE  "etc/modules"

struct devset {
	struct vp_dev **d;
	size_t n;
};

static bool in_set(const struct devset *s, const struct vp_dev *d)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i] == d)
			return true;
	return false;
}

/*
 * Targets, their companions, and group members the operator named: the one
 * selector (host/select.c), with this command's overrides.
 */
static int collect(struct vp_doc *doc, const struct vp_host_opts *o, struct vp_plan *p,
		   struct devset *s)
{
	const struct vp_select_opts so = {
		.take_host_device = o->take_host_device,
		.take_flag = "--take-host-device",
		.include = o->include,
		.ninclude = o->ninclude,
		.include_flag = "--include-group",
	};
	struct vp_devset set = { 0 };
	struct vp_devlist all = { 0 };
	int r;

	r = vp_select_devs(doc->ctx, doc->h, doc->targets, doc->ntargets, &so, &set);
	if (r == 0)
		r = vp_devset_all(&set, &all);
	for (size_t i = 0; r == 0 && i < set.targets.n; i++)
		if (set.targets.v[i]->iommu_group < 0)
			vp_plan_note(
				p,
				"%s has no IOMMU group yet: its group is judged after the "
				"IOMMU is on (run doctor after the reboot)",
				set.targets.v[i]->addr);
	for (size_t i = 0; r == 0 && i < set.refusals.n; i++)
		vp_plan_refuse(p, "%s", set.refusals.v[i]);
	for (size_t i = 0; r == 0 && i < set.warnings.n; i++)
		vp_plan_note(p, "WARNING: %s", set.warnings.v[i]);
	vp_devset_free(&set);
	if (r < 0) {
		free(all.v);
		return r;
	}
	/* Sorted by address, each function once. */
	s->d = all.v;
	s->n = all.n;
	return 0;
}

static char *append(char *acc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* @acc (taken over) followed by the formatted text; NULL on failure. */
static char *append(char *acc, const char *fmt, ...)
{
	_cleanup_free_ char *more = NULL;
	va_list ap;
	char *n;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&more, fmt, ap);
	va_end(ap);
	n = r < 0 ? NULL : xasprintf("%s%s", acc ? acc : "", more);
	if (r < 0)
		more = NULL;
	free(acc);
	return n;
}

/*
 * x86's COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h): the kernel drops
 * what lies past it, so a parameter added there would never take effect.
 */
#define KERNEL_CMDLINE_MAX 2048

/* Where the command line is set, for messages: the file and the line. */
static char *cmdline_where(const struct vp_bootcmd *b)
{
	if (b->kind == VP_BOOT_SYSTEMD_PBT || b->missing)
		return xasprintf("/%s", b->sub);
	return xasprintf("/%s line %u (GRUB_CMDLINE_LINUX_DEFAULT)", b->sub, b->line);
}

/*
 * The kernel command line: what this kernel needs, plus what was asked for.
 * Every way out frees the loaded files (LeakSanitizer found the refusals'
 * early returns).
 */
static int plan_cmdline(struct vp_doc *doc, const struct vp_host_opts *o,
			const struct devset *s, struct vp_plan *p, bool *changed)
{
	const struct vp_system *sys = &doc->sys;
	struct vp_param_change ch[8];
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL, *line = NULL, *text = NULL, *where = NULL;
	size_t n = 0, len;
	bool boot_vga = false;
	int r;

	*changed = false;
	for (size_t i = 0; i < s->n; i++)
		boot_vga = boot_vga || s->d[i]->boot_vga == 1;
	r = vp_bootcmd_load(doc->ctx, sys->boot, &b, &why);
	if (r == -EBADMSG) {
		r = vp_plan_refuse(p, "kernel command line: %s", why);
		goto out;
	}
	if (r < 0)
		goto out;
	where = cmdline_where(&b);
	if (!where) {
		r = -ENOMEM;
		goto out;
	}
	if (vp_cmdline_check(b.value, &why) < 0) {
		r = vp_plan_refuse(p, "kernel command line: %s: %s; edit it by hand",
				   where, why);
		goto out;
	}
	if (b.other && vp_cmdline_check(b.other, &why) < 0) {
		r = vp_plan_refuse(p,
				   "kernel command line: /%s line %u "
				   "(GRUB_CMDLINE_LINUX): %s; edit it by hand",
				   b.other_sub, b.other_line, why);
		goto out;
	}
	ch[n++] = (struct vp_param_change){ "iommu", "pt" };
	if (sys->cpu == VP_CPU_INTEL) {
		bool pve_default = sys->kver && strstr(sys->kver, "-pve") &&
				   vp_doc_kernel_has(doc, "pve_intel_iommu_default") == 1;
		_cleanup_free_ char *cur = vp_cmdline_value(b.value, "intel_iommu");

		/* Needed before 6.8; off must go either way. */
		if (!pve_default || (cur && startswith(cur, "off")))
			ch[n++] = (struct vp_param_change){ "intel_iommu", "on" };
	}
	if (o->acs_override) {
		ch[n++] = (struct vp_param_change){ "pcie_acs_override",
						    "downstream,multifunction" };
		vp_plan_note(
			p,
			"WARNING: --acs-override splits IOMMU groups the hardware does not "
			"isolate; a guest can then reach host devices by peer-to-peer DMA");
	}
	if (o->fb_off)
		ch[n++] = vp_doc_kernel_has(doc, "reset_method") == 0
				  ? (struct vp_param_change){ "video", "efifb:off" }
				  : (struct vp_param_change){ "initcall_blacklist",
							      "sysfb_init" };
	else if (boot_vga)
		vp_plan_note(
			p,
			"a target is the boot VGA: if vfio-pci cannot reserve its BAR, plan "
			"again with --fb-off");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *other =
			b.other ? vp_cmdline_value(b.other, ch[i].key) : NULL;

		if (other && ch[i].value && !streq(other, ch[i].value)) {
			r = vp_plan_refuse(
				p,
				"GRUB_CMDLINE_LINUX already sets %s=%s; change it there "
				"by hand",
				ch[i].key, other);
			goto out;
		}
		if (other && ch[i].value && streq(other, ch[i].value))
			ch[i].value = NULL,
			ch[i].key = ""; /* already on the command line */
	}
	r = vp_cmdline_edit(b.value, ch, n, &line);
	if (r == -EBADMSG || r == -E2BIG) {
		/* vp_cmdline_check() refused these above; kept as a backstop. */
		r = vp_plan_refuse(p, "kernel command line: %s cannot be edited", where);
		goto out;
	}
	if (r < 0 || streq(line, b.value))
		goto out;
	if (strlen(line) + (b.other ? strlen(b.other) + 1 : 0) >= KERNEL_CMDLINE_MAX) {
		r = vp_plan_refuse(p,
				   "kernel command line: with the new parameters, %s "
				   "would be longer than the %d bytes the kernel reads; "
				   "shorten it by hand",
				   where, KERNEL_CMDLINE_MAX - 1);
		goto out;
	}
	r = vp_bootcmd_render(&b, line, &text, &len);
	if (r == -EINVAL) {
		r = vp_plan_refuse(
			p,
			"kernel command line: the change cannot be written into %s: the "
			"part to change comes from another variable ($NAME), or the new "
			"value holds a character its quoting cannot; edit it by hand",
			where);
		goto out;
	}
	if (r < 0)
		goto out;
	r = vp_plan_edit(doc->ctx, p, b.sub, TAKE_PTR(text), len, 0644,
			 "kernel command line for passthrough");
	*changed = r == 0;
out:
	vp_bootcmd_free(&b);
	return r;
}

static bool gpu_driver(const char *m)
{
	static const char *const gpu[] = { "nouveau", "nvidia", "amdgpu",
					   "radeon",  "i915",	"xe" };

	for (size_t i = 0; i < ARRAY_SIZE(gpu); i++)
		if (streq(m, gpu[i]))
			return true;
	return false;
}

/* Does a device the host keeps list @mod among the drivers that can bind it? */
static bool host_needs(const struct vp_doc *doc, const struct devset *s, const char *mod)
{
	for (size_t i = 0; i < doc->h->ndevs; i++) {
		const struct vp_dev *d = doc->h->devs[i];

		if (!in_set(s, d) && strv_contains(&d->modules, mod))
			return true;
	}
	return false;
}

static int plan_binding(struct vp_doc *doc, const struct vp_host_opts *o,
			const struct devset *s, struct vp_plan *p, bool *changed)
{
	_cleanup_free_ char *ids = NULL, *conf = NULL, *rules = NULL, *others = NULL;
	_cleanup_(strv_free) struct strv mods = { 0 };
	bool by_id = true;
	int r;

	*changed = false;
	for (size_t i = 0; i < s->n; i++) {
		const struct vp_dev *d = s->d[i];
		char id[16];

		snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
		if (!ids || !strstr(ids, id))
			ids = append(ids, "%s%s", ids ? "," : "", id);
		/*
		 * Without the modules a softdep cannot be written, and ids alone
		 * lose the race when udev loads the native driver first.
		 */
		if (vp_dev_unknown_why(d, "modules"))
			vp_plan_note(
				p,
				"WARNING: the drivers that could claim %s are unknown "
				"(%s); no softdep is written for them",
				d->addr, vp_dev_unknown_why(d, "modules"));
		for (size_t m = 0; m < d->modules.n; m++)
			if (!streq(d->modules.v[m], "vfio_pci") &&
			    !strv_contains(&mods, d->modules.v[m]))
				strv_add(&mods, d->modules.v[m]);
		/* An id that also matches a device the host keeps cannot be used. */
		for (size_t k = 0; k < doc->h->ndevs; k++) {
			const struct vp_dev *x = doc->h->devs[k];

			if (in_set(s, x) || x->vendor != d->vendor ||
			    x->device != d->device)
				continue;
			by_id = false;
			others = append(others, "%s%s", others ? ", " : "", x->addr);
		}
	}
	strv_sort(&mods);
	if (!s->n)
		return 0;
	conf = strdup(
		"# Written by vfio-pilot (host apply); regenerated on every apply.\n"
		"# vfio-pci must load before the drivers that could claim the targets.\n");
	if (by_id) {
		_cleanup_free_ char *cur = vp_kmods_option(&doc->km, "vfio_pci", "ids");

		if (cur && !streq(cur, ids))
			vp_plan_refuse(
				p,
				"modprobe.d already sets vfio-pci ids=%s; remove that line "
				"first (vfio-pilot writes ids=%s to /%s)",
				cur, ids, MODPROBE_FILE);
		conf = append(conf, "options vfio-pci ids=%s\n", ids);
	} else {
		vp_plan_note(
			p,
			"ids would also claim %s, which the host keeps: binding by address "
			"(driver_override, set by udev before any driver loads) instead",
			others);
		rules = strdup(
			"# Written by vfio-pilot (host apply); regenerated on every apply.\n"
			"# driver_override is set as each device appears, before udev's "
			"80-drivers.rules\n# loads a driver for it; only vfio-pci will then "
			"bind it.\n");
		for (size_t i = 0; rules && i < s->n; i++)
			rules = append(
				rules,
				"ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", "
				"ATTR{driver_override}=\"vfio-pci\"\n",
				s->d[i]->addr);
	}
	for (size_t i = 0; conf && i < mods.n; i++)
		conf = append(conf, "softdep %s pre: vfio-pci\n", mods.v[i]);
	for (size_t i = 0; conf && i < mods.n; i++)
		if (gpu_driver(mods.v[i]) && !host_needs(doc, s, mods.v[i]))
			conf = append(conf, "blacklist %s\n", mods.v[i]);
	if (conf && o->disable_idle_d3)
		conf = append(conf, "options vfio-pci disable_idle_d3=1\n");
	if (conf && o->unsafe_interrupts) {
		conf = append(conf,
			      "options vfio_iommu_type1 allow_unsafe_interrupts=1\n");
		vp_plan_note(
			p,
			"WARNING: --unsafe-interrupts lets a guest forge interrupts (no "
			"interrupt remapping); use it only when the firmware cannot enable it");
	}
	if (conf && o->ignore_msrs)
		conf = append(conf, "options kvm ignore_msrs=1 report_ignored_msrs=0\n");
	/* vendor-reset's BACO reset is used only through reset_method device_specific
	 * (5.15+). */
	for (size_t i = 0; i < s->n; i++) {
		const struct vp_kb_gpu *kb =
			vp_kb_gpu_lookup(s->d[i]->vendor, s->d[i]->device);

		if (!kb || !kb->vendor_reset)
			continue;
		if (!rules)
			rules = strdup(
				"# Written by vfio-pilot (host apply); regenerated on every "
				"apply.\n");
		rules = append(rules,
			       "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", "
			       "ATTR{reset_method}=\"device_specific\"\n",
			       s->d[i]->addr);
		if (!vp_kmods_available(&doc->km, "vendor_reset"))
			vp_plan_note(
				p,
				"%s (%s) needs vendor-reset, which is not installed for "
				"kernel %s: build it with DKMS from its source; vfio-pilot "
				"does not download it",
				s->d[i]->addr, kb->family,
				doc->sys.kver ? doc->sys.kver : "?");
	}
	if (!conf || (!by_id && !rules))
		return -ENOMEM;
	{
		size_t len = strlen(conf);

		r = vp_plan_edit(doc->ctx, p, MODPROBE_FILE, TAKE_PTR(conf), len, 0644,
				 "vfio-pci first: ids or softdeps, blacklists, options");
	}
	if (r < 0)
		return r;
	if (rules) {
		size_t len = strlen(rules);

		r = vp_plan_edit(
			doc->ctx, p, UDEV_FILE, TAKE_PTR(rules), len, 0644,
			"bind by address / reset method, as each device appears");
		if (r < 0)
			return r;
	}
	*changed = p->nedits > 0;
	return 0;
}

/* /etc/modules: append what is missing, keep every existing line. */
static int plan_modules(struct vp_doc *doc, struct vp_plan *p, bool *changed)
{
	_cleanup_free_ char *text = NULL, *out = NULL;
	struct vp_file_state st;
	const char *need[] = { "vfio", "vfio_iommu_type1", "vfio_pci", NULL, NULL };
	size_t len, n = 3;
	int r;

	*changed = false;
	/* vfio_virqfd exists only before 6.2 (merged into vfio). */
	if (vp_doc_kernel_has(doc, "vfio_virqfd_merged") == 0)
		need[n++] = "vfio_virqfd";
	r = vp_file_read(doc->ctx, VP_ROOT, MODULES_FILE, &text, &len, &st);
	/* vp_file_read: -EINVAL not a regular file, -EFBIG over 16 MiB. */
	if (r == -EINVAL || r == -EFBIG)
		return vp_plan_refuse(
			p, "/%s is not a list of modules (%s); fix it by hand",
			MODULES_FILE,
			r == -EFBIG ? "larger than 16 MiB" : "not a regular file");
	if (r < 0 && r != -ENOMEM)
		return vp_plan_refuse(p, "/%s cannot be read: %s", MODULES_FILE,
				      strerror(-r));
	if (r < 0)
		return r;
	if (text && memchr(text, '\0', len)) {
		vp_plan_refuse(p, "/%s is not a text file", MODULES_FILE);
		return 0;
	}
	out = st.exists ? strndup(text, len)
			: strdup("# /etc/modules: kernel modules to load at "
				 "boot time, one per line.\n");
	if (out && out[0] && out[strlen(out) - 1] != '\n')
		out = append(out, "\n");
	for (size_t i = 0; out && i < n; i++) {
		bool have = false;

		for (size_t j = 0; j < doc->km.nboot; j++) {
			_cleanup_free_ char *m = strdup(doc->km.boot[j].module);

			if (m)
				vp_modname_normalize(m);
			have = have || (streq(doc->km.boot[j].file + 1, MODULES_FILE) &&
					streq(m, need[i]));
		}
		if (!have)
			out = append(out, "%s\n", need[i]);
	}
	if (!out)
		return -ENOMEM;
	len = strlen(out);
	r = vp_plan_edit(doc->ctx, p, MODULES_FILE, TAKE_PTR(out), len, 0644,
			 "load the VFIO modules at boot");
	*changed =
		r == 0 && p->nedits && streq(p->edits[p->nedits - 1].sub, MODULES_FILE);
	return r;
}

int vp_host_plan(struct vp_doc *doc, const struct vp_host_opts *o, struct vp_plan *p)
{
	struct devset s = { 0 };
	bool cmdline = false, bind = false, mods = false;
	size_t before;
	int r;

	r = collect(doc, o, p, &s);
	if (r < 0)
		goto out;
	if (!s.n) {
		vp_plan_refuse(p, "no target device: name one with --device");
		goto out;
	}
	for (size_t i = 0; i < s.n; i++)
		vp_plan_note(p, "target %s (%04x:%04x)%s", s.d[i]->addr, s.d[i]->vendor,
			     s.d[i]->device,
			     vp_doc_is_target(doc, s.d[i]) ? "" : ", goes along");
	r = plan_cmdline(doc, o, &s, p, &cmdline);
	if (r < 0)
		goto out;
	before = p->nedits;
	r = plan_binding(doc, o, &s, p, &bind);
	if (r < 0)
		goto out;
	bind = p->nedits > before;
	r = plan_modules(doc, p, &mods);
	if (r < 0)
		goto out;
	if (bind || mods) {
		const char *const initramfs[] = { "update-initramfs", "-u", "-k", "all",
						  NULL };

		r = vp_plan_command(p,
				    "put the VFIO modules and options into the initramfs",
				    initramfs);
	}
	if (r == 0 && cmdline) {
		const char *const grub[] = { "update-grub", NULL };
		const char *const pbt[] = { "proxmox-boot-tool", "refresh", NULL };

		r = vp_plan_command(
			p, "write the new kernel command line to the boot entries",
			doc->sys.boot == VP_BOOT_GRUB ? grub : pbt);
	}
	if (r == 0 && p->nedits)
		vp_plan_note(
			p, "after apply, reboot; then vfio-pilot doctor should show the "
			   "targets bound to vfio-pci");
	else if (r == 0 && !p->refusals.n)
		vp_plan_note(
			p,
			"nothing to change: the host is already set up for these targets");
out:
	free(s.d);
	return r;
}
