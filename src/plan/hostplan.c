// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host change set for passthrough, from the host model and the doctor's
 * facts. Files vfio-pilot owns are written whole (so a second plan is
 * empty); files it shares with the operator (/etc/modules, the boot files)
 * get minimal edits that keep every other byte.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include "host/adopt.h"
#include "host/bootcfg.h"
#include "kb/kb.h"
#include "plan/hostplan.h"
#include "plan/pveplan.h"

#define MODPROBE_FILE	       "etc/modprobe.d/vfio-pilot.conf"
#define UDEV_FILE	       "etc/udev/rules.d/70-vfio-pilot.rules"
#define MODULES_FILE	       "etc/modules"
#define INITRAMFS_MODULES_FILE "etc/initramfs-tools/modules"
#define HEADER		       "# Written by vfio-pilot (host apply); regenerated on every apply.\n"
/* Prefix of a line moved out of another tool's file into vfio-pilot's. */
#define MOVED "#vfio-pilot: moved into its own file: "

struct devset {
	struct vp_dev **d;
	size_t n;
};

/* What the settings already on the host add to the plan. */
struct vp_adoption {
	bool cmdline_ids;  /* vfio-pci.ids= on the kernel command line */
	struct strv extra; /* other vfio-pci options of an ids line moved in */
	/* vfio-pilot's own ids and addresses that match no device present now
	 * (a card out for repair): kept, never dropped without a release. */
	struct strv orphan_ids, orphan_addrs;
};

static bool in_set(const struct devset *s, const struct vp_dev *d)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i] == d)
			return true;
	return false;
}

static int add_dev(struct devset *s, struct vp_dev *d)
{
	struct vp_dev **n;

	if (in_set(s, d))
		return 0;
	n = realloc(s->d, (s->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->d = n;
	s->d[s->n++] = d;
	return 0;
}

static int cmp_devp(const void *a, const void *b)
{
	return vp_bdf_cmp(&(*(struct vp_dev *const *)a)->bdf,
			  &(*(struct vp_dev *const *)b)->bdf);
}

/*
 * Targets, their companions, and group members the operator named: the one
 * selector (host/select.c), with this command's overrides.
 */
static int collect(struct vp_session *ses, const struct vp_host_opts *o,
		   struct vp_plan *p, struct devset *s)
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

	r = vp_select_devs(ses->ctx, ses->h, ses->targets, ses->ntargets, &so, &set);
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
	/*
	 * Sorted by address, each function once. A function on a VFIO variant
	 * driver (kb/vfio.c) is left where it is: that driver already serves
	 * VFIO, and vfio-pci would take what the variant adds (migration, the
	 * vendor's VF handling). Proxmox passes it with driver=keep (qemu-server
	 * PCI.pm prepare_pci_device, 9.0.25).
	 */
	s->d = all.v;
	s->n = 0;
	for (size_t i = 0; i < all.n; i++) {
		if (vp_kb_vfio_variant(all.v[i]->driver)) {
			vp_plan_note(
				p,
				"skipped %s: it is bound to the VFIO variant driver %s, "
				"which already serves VFIO; binding it to vfio-pci would "
				"lose what the variant adds. Pass it as it is: vfio-pilot "
				"vm plan writes hostpciN: ...,driver=keep",
				all.v[i]->addr, all.v[i]->driver);
			continue;
		}
		s->d[s->n++] = all.v[i];
	}
	if (!s->n && all.n)
		vp_plan_refuse(p, "nothing to bind: every target is on a VFIO variant "
				  "driver already (see the notes)");
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
static int plan_cmdline(struct vp_session *ses, const struct vp_host_opts *o,
			const struct devset *s, struct vp_plan *p, bool *changed)
{
	const struct vp_system *sys = &ses->sys;
	struct vp_param_change ch[8];
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL, *line = NULL, *text = NULL, *where = NULL;
	size_t n = 0, len;
	bool boot_vga = false;
	int r;

	*changed = false;
	for (size_t i = 0; i < s->n; i++)
		boot_vga = boot_vga || s->d[i]->boot_vga == 1;
	r = vp_bootcmd_load(ses->ctx, sys->boot, &b, &why);
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
		bool pve_default =
			sys->kver && strstr(sys->kver, "-pve") &&
			vp_session_kernel_has(ses, "pve_intel_iommu_default") == 1;
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
		ch[n++] = vp_session_kernel_has(ses, "reset_method") == 0
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
	r = vp_plan_edit(ses->ctx, p, b.sub, TAKE_PTR(text), len, 0644,
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
static bool host_needs(const struct vp_session *ses, const struct devset *s,
		       const char *mod)
{
	for (size_t i = 0; i < ses->h->ndevs; i++) {
		const struct vp_dev *d = ses->h->devs[i];

		if (!in_set(s, d) && strv_contains(&d->modules, mod))
			return true;
	}
	return false;
}

/*
 * The VM whose vfio-pilot hookscript gives a card back to @mod after the VM
 * stops (its "driver=" line), or 0. Blacklisting that driver would leave the
 * hookscript and the host plan disagreeing.
 */
static unsigned long hook_rebinds(struct vp_session *ses, const char *mod)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *cfg = NULL;
	struct vp_file_state st;
	struct dirent *e;
	size_t len;

	if (vp_opendirf(ses->ctx, VP_ETC, &d, "pve/qemu-server") < 0)
		return 0;
	if (vp_file_read(ses->ctx, VP_ETC, "pve/storage.cfg", &cfg, &len, &st) < 0)
		cfg = NULL;
	while ((e = readdir(d))) {
		_cleanup_free_ char *conf = NULL, *dir = NULL, *why = NULL, *text = NULL,
				    *want = NULL;
		unsigned long vmid;
		char *end, *h, storage[64], file[64];

		vmid = strtoul(e->d_name, &end, 10);
		if (!vmid || !streq(end, ".conf") ||
		    vp_read_strf(ses->ctx, VP_ETC, &conf, "pve/qemu-server/%s",
				 e->d_name) < 0 ||
		    !conf)
			continue;
		/* Only the current config: a snapshot section starts with '['. */
		if ((h = strstr(conf, "\n[")))
			h[1] = '\0';
		h = startswith(conf, "hookscript: ") ? conf
						     : strstr(conf, "\nhookscript: ");
		if (h && *h == '\n')
			h++;
		if (!h ||
		    sscanf(h + 12, "%63[^:]:snippets/%63[^\n]", storage, file) != 2 ||
		    !startswith(file, "vfio-pilot-"))
			continue;
		if (vp_storage_snippets_path(st.exists ? cfg : NULL, storage, &dir,
					     &why) < 0 ||
		    vp_read_strf(ses->ctx, VP_ROOT, &text, "%s/snippets/%s", dir + 1,
				 file) < 0 ||
		    !text)
			continue;
		want = xasprintf("\ndriver=%s", mod);
		for (h = want ? strstr(text, want) : NULL; h; h = strstr(h + 1, want)) {
			char after = h[strlen(want)];

			/* vp_read_strf drops the trailing newline of the last line. */
			if (after == '\n' || after == '\0')
				return vmid;
		}
	}
	return 0;
}

static int plan_binding(struct vp_session *ses, const struct vp_host_opts *o,
			const struct devset *s, const struct vp_adoption *a,
			struct vp_plan *p, bool *changed)
{
	_cleanup_free_ char *ids = NULL, *conf = NULL, *rules = NULL, *others = NULL;
	_cleanup_(strv_free) struct strv mods = { 0 };
	bool by_id = !a->cmdline_ids;
	size_t len;
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
		for (size_t k = 0; k < ses->h->ndevs; k++) {
			const struct vp_dev *x = ses->h->devs[k];

			if (in_set(s, x) || x->vendor != d->vendor ||
			    x->device != d->device)
				continue;
			by_id = false;
			others = append(others, "%s%s", others ? ", " : "", x->addr);
		}
	}
	strv_sort(&mods);
	if (!s->n && !a->orphan_ids.n && !a->orphan_addrs.n) {
		/* Everything released: the files stay, saying so, for undo and status. */
		conf = strdup(HEADER
			      "# No device is given to vfio-pci (host release).\n");
		if (!conf)
			return -ENOMEM;
		len = strlen(conf);
		r = vp_plan_edit(ses->ctx, p, MODPROBE_FILE, TAKE_PTR(conf), len, 0644,
				 "no device is given to vfio-pci any more");
		if (r == 0 && vp_existsf(ses->ctx, VP_ROOT, UDEV_FILE)) {
			rules = strdup(HEADER);
			r = rules ? vp_plan_edit(ses->ctx, p, UDEV_FILE, TAKE_PTR(rules),
						 strlen(HEADER), 0644,
						 "no device is bound by address any more")
				  : -ENOMEM;
		}
		*changed = r == 0 && p->nedits > 0;
		return r;
	}
	conf = strdup(
		"# Written by vfio-pilot (host apply); regenerated on every apply.\n"
		"# vfio-pci must load before the drivers that could claim the targets.\n");
	for (size_t i = 0; i < a->orphan_ids.n; i++)
		if (by_id || !a->cmdline_ids)
			ids = append(ids, "%s%s", ids && by_id ? "," : "",
				     a->orphan_ids.v[i]);
	if (by_id || (a->orphan_ids.n && !a->cmdline_ids)) {
		/* !by_id: only the absent devices' ids, which match nothing here. */
		if (!by_id) {
			free(ids);
			ids = NULL;
			for (size_t i = 0; i < a->orphan_ids.n; i++)
				ids = append(ids, "%s%s", i ? "," : "",
					     a->orphan_ids.v[i]);
		}
		if (ids)
			conf = append(conf, "options vfio-pci ids=%s\n", ids);
	}
	if (by_id && a->orphan_addrs.n)
		rules = strdup(HEADER);
	if (!by_id) {
		if (a->cmdline_ids)
			vp_plan_note(
				p,
				"the kernel command line sets vfio-pci.ids=: a second ids "
				"list in modprobe.d would replace it, so these devices are "
				"bound by address (driver_override) instead");
		else
			vp_plan_note(p,
				     "ids would also claim %s, which the host keeps: "
				     "binding by address (driver_override, set by udev "
				     "before any driver loads) instead",
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
	for (size_t i = 0; rules && i < a->orphan_addrs.n; i++)
		rules = append(rules,
			       "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", "
			       "ATTR{driver_override}=\"vfio-pci\"\n",
			       a->orphan_addrs.v[i]);
	for (size_t i = 0; conf && i < mods.n; i++)
		conf = append(conf, "softdep %s pre: vfio-pci\n", mods.v[i]);
	for (size_t i = 0; conf && i < mods.n; i++) {
		unsigned long vm;

		if (!gpu_driver(mods.v[i]) || host_needs(ses, s, mods.v[i]))
			continue;
		vm = hook_rebinds(ses, mods.v[i]);
		if (vm) {
			vp_plan_note(
				p,
				"%s is not blacklisted: the hookscript of VM %lu gives "
				"the card back to it after the VM stops",
				mods.v[i], vm);
			continue;
		}
		conf = append(conf, "blacklist %s\n", mods.v[i]);
	}
	for (size_t i = 0; conf && i < a->extra.n; i++)
		conf = append(conf, "options vfio-pci %s\n", a->extra.v[i]);
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
		if (!vp_kmods_available(&ses->km, "vendor_reset"))
			vp_plan_note(
				p,
				"%s (%s) needs vendor-reset, which is not installed for "
				"kernel %s: build it with DKMS from its source; vfio-pilot "
				"does not download it",
				s->d[i]->addr, kb->family,
				ses->sys.kver ? ses->sys.kver : "?");
	}
	if (!conf || (!by_id && !rules))
		return -ENOMEM;
	/* A device released from address binding: the old rules must go too. */
	if (!rules && vp_existsf(ses->ctx, VP_ROOT, UDEV_FILE) &&
	    !(rules = strdup(HEADER)))
		return -ENOMEM;
	len = strlen(conf);
	r = vp_plan_edit(ses->ctx, p, MODPROBE_FILE, TAKE_PTR(conf), len, 0644,
			 "vfio-pci first: ids or softdeps, blacklists, options");
	if (r < 0)
		return r;
	if (rules) {
		len = strlen(rules);

		r = vp_plan_edit(
			ses->ctx, p, UDEV_FILE, TAKE_PTR(rules), len, 0644,
			"bind by address / reset method, as each device appears");
		if (r < 0)
			return r;
	}
	*changed = p->nedits > 0;
	return 0;
}

/* Is @mod named by a line of @text (a module list: "name [args]", # comments)? */
static bool listed_in(const char *text, const char *mod)
{
	for (const char *l = text; l && *l;) {
		size_t w;
		char name[64];

		l += strspn(l, " \t");
		w = strcspn(l, " \t\n#");
		if (*l != '#' && w && w < sizeof(name)) {
			memcpy(name, l, w);
			name[w] = '\0';
			vp_modname_normalize(name);
			if (streq(name, mod))
				return true;
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	return false;
}

/*
 * A module list (/etc/modules, /etc/initramfs-tools/modules): append what is
 * missing, keep every existing line.
 */
static int plan_list(struct vp_session *ses, const char *file, const char *header,
		     const char *const *need, size_t n, const char *why,
		     struct vp_plan *p, bool *changed)
{
	_cleanup_free_ char *text = NULL, *out = NULL;
	struct vp_file_state st;
	size_t len;
	int r;

	*changed = false;
	r = vp_file_read(ses->ctx, VP_ROOT, file, &text, &len, &st);
	/* vp_file_read: -EINVAL not a regular file, -EFBIG over 16 MiB. */
	if (r == -EINVAL || r == -EFBIG)
		return vp_plan_refuse(
			p, "/%s is not a list of modules (%s); fix it by hand", file,
			r == -EFBIG ? "larger than 16 MiB" : "not a regular file");
	if (r < 0 && r != -ENOMEM)
		return vp_plan_refuse(p, "/%s cannot be read: %s", file, strerror(-r));
	if (r < 0)
		return r;
	if (text && memchr(text, '\0', len)) {
		vp_plan_refuse(p, "/%s is not a text file", file);
		return 0;
	}
	out = st.exists ? strndup(text, len) : strdup(header);
	if (out && out[0] && out[strlen(out) - 1] != '\n')
		out = append(out, "\n");
	for (size_t i = 0; out && i < n; i++) {
		bool have = listed_in(out, need[i]);

		/* /etc/modules: listed in modules-load.d by another tool, no second
		 * line. */
		for (size_t j = 0;
		     streq(file, MODULES_FILE) && j < ses->km.nboot && !have; j++) {
			const struct vp_modline *b = &ses->km.boot[j];
			_cleanup_free_ char *m = strdup(b->module);

			if (m)
				vp_modname_normalize(m);
			have = streq(m, need[i]);
			if (have && !streq(b->file + 1, MODULES_FILE))
				vp_plan_note(p, "%s is already loaded at boot by %s:%d",
					     need[i], b->file, b->line);
		}
		if (!have)
			out = append(out, "%s\n", need[i]);
	}
	if (!out)
		return -ENOMEM;
	len = strlen(out);
	r = vp_plan_edit(ses->ctx, p, file, TAKE_PTR(out), len, 0644, why);
	*changed = r == 0 && p->nedits && streq(p->edits[p->nedits - 1].sub, file);
	return r;
}

/* Does a target rely on vendor-reset, and is it installed for this kernel? */
static bool wants_vendor_reset(struct vp_session *ses, const struct devset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vp_kb_gpu *kb =
			vp_kb_gpu_lookup(s->d[i]->vendor, s->d[i]->device);

		if (kb && kb->vendor_reset)
			return vp_kmods_available(&ses->km, "vendor_reset");
	}
	return false;
}

/* /etc/modules and, for vendor-reset, /etc/initramfs-tools/modules. */
static int plan_modules(struct vp_session *ses, const struct devset *s, struct vp_plan *p,
			bool *changed)
{
	const char *need[] = { "vfio", "vfio_iommu_type1", "vfio_pci", NULL, NULL, NULL };
	const char *const early[] = { "vendor_reset" };
	size_t n = 3;
	bool ch = false;
	int r;

	/* vfio_virqfd exists only before 6.2 (merged into vfio). */
	if (vp_session_kernel_has(ses, "vfio_virqfd_merged") == 0)
		need[n++] = "vfio_virqfd";
	/*
	 * The reset_method=device_specific udev rule only takes when vendor-reset
	 * is loaded: it registers the method (gnif/vendor-reset README: load it
	 * from /etc/modules, then update-initramfs). An absent module would fail
	 * systemd-modules-load at every boot, so only when it is installed.
	 */
	if (wants_vendor_reset(ses, s))
		need[n++] = "vendor_reset";
	r = plan_list(
		ses, MODULES_FILE,
		"# /etc/modules: kernel modules to load at boot time, one per line.\n",
		need, n, "load the VFIO modules at boot", p, changed);
	if (r < 0 || !wants_vendor_reset(ses, s))
		return r;
	/*
	 * initramfs-tools copies every /etc/udev/rules.d rule into the initramfs
	 * (hooks/udev), so the reset_method rule first runs there, at coldplug,
	 * before systemd-modules-load reads /etc/modules: without vendor-reset
	 * loaded the write fails ("Unsupported reset method", gnif/vendor-reset
	 * #46). initramfs-tools loads its modules list before udev triggers.
	 */
	r = plan_list(ses, INITRAMFS_MODULES_FILE,
		      "# List of modules that you want to include in your initramfs.\n"
		      "# They will be loaded at boot time in the order below.\n",
		      early, 1, "load vendor-reset in the initramfs, before udev", p,
		      &ch);
	*changed = *changed || ch;
	return r;
}

/* "0000:0b:00.0 (boot VGA: the host console), ..." for the devices of @v. */
static char *dev_list(struct vp_dev **v, size_t n, bool why)
{
	char *acc = NULL;

	for (size_t i = 0; i < n; i++)
		acc = append(
			acc, "%s%s%s%s%s", i ? ", " : "", v[i]->addr, why ? " (" : "",
			!why		       ? ""
			: v[i]->critical_why.n ? v[i]->critical_why.v[0]
					       : "same card as a device the host needs",
			why ? ")" : "");
	return acc ? acc : strdup("");
}

/* Is @d needed by the host, or a function of the same card as one that is? */
static bool host_keeps(struct vp_session *ses, struct vp_dev *d)
{
	_cleanup_free_ struct vp_dev **comp = NULL;
	size_t n = 0;

	if (d->critical)
		return true;
	/* no memory to ask: keep it, the safe answer */
	if (vp_session_companions(ses, d, &comp, &n) < 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (comp[i]->critical)
			return true;
	return false;
}

/* vfio-pilot's own ids and addresses that no present device matches. */
static int keep_orphans(struct vp_session *ses, const struct vp_claim *c,
			struct vp_adoption *a, struct vp_plan *p)
{
	_cleanup_free_ char *where = vp_claim_where(c);
	int r = 0;

	if (!where)
		return -ENOMEM;
	if (c->kind == VP_CLAIM_OVERRIDE && c->has_bdf && vp_claim_to_vfio(c) &&
	    !vp_host_find(ses->h, &c->bdf)) {
		char addr[16];

		snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%x", c->bdf.domain,
			 c->bdf.bus, c->bdf.dev, c->bdf.fn);
		if (strv_contains(&a->orphan_addrs, addr))
			return 0;
		vp_plan_note(p, "kept %s (%s): not on the host now%s", addr, where,
			     c->ours ? " (delete that line to drop it)" : "");
		return strv_add(&a->orphan_addrs, addr);
	}
	if (c->kind != VP_CLAIM_IDS)
		return 0;
	for (size_t i = 0; r == 0 && i < c->nids; i++) {
		const unsigned int *v = c->ids[i].v;
		struct vp_claim one = *c;
		bool present = false;
		char id[64];

		one.ids = &c->ids[i];
		one.nids = 1;
		for (size_t k = 0; k < ses->h->ndevs && !present; k++)
			present = vp_claim_matches(&one, ses->h->devs[k]);
		if (present)
			continue;
		if (c->ids[i].n > 2)
			snprintf(id, sizeof(id), "%04x:%04x:%04x:%04x", v[0], v[1], v[2],
				 v[3]);
		else
			snprintf(id, sizeof(id), "%04x:%04x", v[0], v[1]);
		if (strv_contains(&a->orphan_ids, id))
			continue;
		vp_plan_note(p,
			     "kept ids %s (%s): no device with them is on the "
			     "host now%s",
			     id, where,
			     c->ours ? " (delete them there to drop them)" : "");
		r = strv_add(&a->orphan_ids, id);
	}
	return r;
}

/*
 * The settings already on the host. vfio-pilot's own files say what it gave
 * away before: the plan keeps it (less what is released). Other tools' lines
 * are merged into vfio-pilot's files, commented out where they were, so two
 * files never disagree (of two ids= lists modprobe keeps only the last one).
 * A line that gives away a device the host needs, or binds a target to
 * another driver, is refused; --adopt moves it, fixed. The command line and
 * driverctl are not edited here: those are refused with the command to run.
 */
static int plan_adopt(struct vp_session *ses, const struct vp_host_opts *o,
		      const struct vp_claims *cl, const struct devset *req,
		      const struct devset *rel, struct devset *s, struct vp_adoption *a,
		      struct vp_plan *p)
{
	_cleanup_free_ bool *strip = calloc(cl->n + 1, sizeof(*strip));
	_cleanup_(strv_free) struct strv files = { 0 };
	int r;

	if (!strip)
		return -ENOMEM;
	for (size_t i = 0; i < cl->n; i++) {
		const struct vp_claim *c = &cl->v[i];
		_cleanup_free_ char *where = vp_claim_where(c), *bad_s = NULL,
				    *rel_s = NULL;
		struct vp_dev *bad[32], *gone[32];
		size_t nbad = 0, ngone = 0;

		if (!where)
			return -ENOMEM;
		if (c->kind == VP_CLAIM_UNPARSED) {
			vp_plan_refuse(
				p,
				"%s: '%s' gives devices to vfio-pci in a way vfio-pilot cannot "
				"read with certainty; remove it (or bind those devices with "
				"vfio-pilot) first",
				where, c->text);
			continue;
		}
		if (!vp_claim_to_vfio(c))
			continue;
		for (size_t k = 0; k < ses->h->ndevs; k++) {
			struct vp_dev *d = ses->h->devs[k];

			if (!vp_claim_matches(c, d))
				continue;
			if (in_set(rel, d)) {
				if (ngone < ARRAY_SIZE(gone))
					gone[ngone++] = d;
				continue;
			}
			if (!c->ours && host_keeps(ses, d) &&
			    !(o->take_host_device && in_set(req, d))) {
				if (nbad < ARRAY_SIZE(bad))
					bad[nbad++] = d;
				continue;
			}
			if ((r = add_dev(s, d)) < 0)
				return r;
		}
		if (c->ours) {
			r = keep_orphans(ses, c, a, p);
			if (r < 0)
				return r;
			continue;
		}
		bad_s = dev_list(bad, nbad, true);
		rel_s = dev_list(gone, ngone, false);
		if (!bad_s || !rel_s)
			return -ENOMEM;
		if (nbad && !c->editable) {
			vp_plan_refuse(
				p,
				"%s: '%s' also gives %s to vfio-pci, which the host needs; "
				"%s by hand (vfio-pilot does not edit it here)",
				where, c->text, bad_s,
				c->kind == VP_CLAIM_CMDLINE
					? "remove vfio-pci.ids= from the kernel command line"
					: "run driverctl unset-override for it");
			continue;
		}
		if (nbad && !o->adopt) {
			vp_plan_refuse(
				p,
				"%s: '%s' also gives %s to vfio-pci, which the host needs; "
				"with --adopt vfio-pilot moves it into its own file, binding "
				"only the other devices (by address where ids are ambiguous), "
				"and backs the file up",
				where, c->text, bad_s);
			continue;
		}
		if (ngone && !c->editable) {
			vp_plan_refuse(p,
				       "%s: '%s' gives %s to vfio-pci; vfio-pilot cannot "
				       "release it there: %s by hand",
				       where, c->text, rel_s,
				       c->kind == VP_CLAIM_CMDLINE
					       ? "remove vfio-pci.ids= from the kernel "
						 "command line"
					       : "run driverctl unset-override for it");
			continue;
		}
		if (c->kind == VP_CLAIM_CMDLINE) {
			a->cmdline_ids = true;
			vp_plan_note(p, "already on the host: %s: %s (kept)", where,
				     c->text);
			continue;
		}
		if (!c->editable) {
			vp_plan_note(p, "already on the host: %s: %s (kept)", where,
				     c->text);
			continue;
		}
		strip[i] = true;
		/* A guide's ids for a card that is out now move in too. */
		if ((r = keep_orphans(ses, c, a, p)) < 0)
			return r;
		if (c->rest && !strv_contains(&a->extra, c->rest) &&
		    (r = strv_add(&a->extra, c->rest)) < 0)
			return r;
		vp_plan_note(
			p, "already on the host: %s: %s (moved into vfio-pilot's file%s)",
			where, c->text, nbad ? ", leaving the host's devices alone" : "");
	}
	/* Second pass, on the final set: overrides to other drivers, softdeps. */
	for (size_t i = 0; i < cl->n; i++) {
		const struct vp_claim *c = &cl->v[i];
		_cleanup_free_ char *where = vp_claim_where(c);
		bool hit = false;

		if (!where)
			return -ENOMEM;
		if (c->ours || strip[i])
			continue;
		if ((c->kind == VP_CLAIM_OVERRIDE || c->kind == VP_CLAIM_DRIVERCTL) &&
		    !vp_claim_to_vfio(c)) {
			for (size_t k = 0; k < s->n; k++)
				hit = hit || vp_claim_matches(c, s->d[k]);
			if (!hit)
				continue;
			if (c->editable && o->adopt) {
				strip[i] = true;
				vp_plan_note(p,
					     "%s: '%s' bound a device given to vfio-pci "
					     "to %s: commented out (--adopt)",
					     where, c->text, c->driver);
			} else
				vp_plan_refuse(
					p,
					"%s: '%s' binds a device given to vfio-pci to %s; %s",
					where, c->text, c->driver,
					c->editable
						? "--adopt comments it out (with a backup)"
						: "run driverctl unset-override for it");
			continue;
		}
		if (c->kind != VP_CLAIM_SOFTDEP)
			continue;
		for (size_t k = 0; k < s->n; k++)
			hit = hit || strv_contains(&s->d[k]->modules, c->module);
		if (hit) {
			strip[i] = true;
			vp_plan_note(
				p,
				"already on the host: %s: %s (moved into vfio-pilot's "
				"file)",
				where, c->text);
		}
	}
	for (size_t i = 0; i < cl->n; i++)
		if (strip[i] && !strv_contains(&files, cl->v[i].file) &&
		    (r = strv_add(&files, cl->v[i].file)) < 0)
			return r;
	for (size_t f = 0; f < files.n; f++) {
		_cleanup_free_ char *text = NULL, *out = NULL;
		_cleanup_free_ int *from = calloc(cl->n, sizeof(int)),
				   *to = calloc(cl->n, sizeof(int));
		struct vp_file_state st;
		size_t len, n = 0;

		if (!from || !to)
			return -ENOMEM;
		for (size_t i = 0; i < cl->n; i++)
			if (strip[i] && streq(cl->v[i].file, files.v[f])) {
				from[n] = cl->v[i].line;
				to[n++] = cl->v[i].line_end;
			}
		r = vp_file_read(ses->ctx, VP_ROOT, files.v[f], &text, &len, &st);
		if (r < 0)
			return r;
		out = vp_comment_out(text ? text : "", text ? len : 0, from, to, n,
				     MOVED);
		if (!out)
			return -ENOMEM;
		len = strlen(out);
		r = vp_plan_edit(ses->ctx, p, files.v[f], TAKE_PTR(out), len, 0644,
				 "passthrough lines moved into vfio-pilot's files");
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The opt-in options an earlier apply wrote into vfio-pilot's file stay: a
 * later apply for another device must not drop --disable-idle-d3 and the
 * like without being asked to.
 */
static int keep_options(struct vp_session *ses, struct vp_host_opts *o,
			struct vp_adoption *a, struct vp_plan *p)
{
	static const struct {
		const char *line;
		size_t off;
		const char *flag;
	} opt[] = {
		{ "options vfio-pci disable_idle_d3=1\n",
		  offsetof(struct vp_host_opts, disable_idle_d3), "--disable-idle-d3" },
		{ "options vfio_iommu_type1 allow_unsafe_interrupts=1\n",
		  offsetof(struct vp_host_opts, unsafe_interrupts),
		  "--unsafe-interrupts" },
		{ "options kvm ignore_msrs=1 report_ignored_msrs=0\n",
		  offsetof(struct vp_host_opts, ignore_msrs), "--ignore-msrs" },
	};
	_cleanup_free_ char *text = NULL;
	struct vp_file_state st;
	size_t len;
	int r = vp_file_read(ses->ctx, VP_ROOT, MODPROBE_FILE, &text, &len, &st);

	if (r < 0 || !text || memchr(text, '\0', len))
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(opt); i++) {
		bool *flag = (bool *)((char *)o + opt[i].off);

		if (*flag || !strstr(text, opt[i].line))
			continue;
		*flag = true;
		vp_plan_note(p, "kept %s from an earlier apply (/%s)", opt[i].flag,
			     MODPROBE_FILE);
	}
	/* Options moved in from another tool's line (disable_vga=1, ...). */
	for (char *l = text, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		const char *rest;

		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (!startswith(l, "options vfio-pci "))
			continue;
		rest = l + strlen("options vfio-pci ");
		if (startswith(rest, "ids=") || streq(rest, "disable_idle_d3=1") ||
		    strv_contains(&a->extra, rest))
			continue;
		if ((r = strv_add(&a->extra, rest)) < 0)
			return r;
	}
	return 0;
}

/* Where @d was given away before, for the plan and status: NULL when not. */
static const struct vp_claim *given_by(const struct vp_claims *cl, const struct vp_dev *d)
{
	for (size_t i = 0; i < cl->n; i++)
		if (vp_claim_to_vfio(&cl->v[i]) && vp_claim_matches(&cl->v[i], d))
			return &cl->v[i];
	return NULL;
}

/*
 * Without --acs-override an unrelated device in a target's group is refused.
 * With it, that is the one case the option exists for: the kernel splits the
 * group at the next boot (pcie_acs_override, Proxmox kernel patch), so the
 * refusal becomes the warning.
 */
static int take_collect(struct vp_session *ses, const struct vp_host_opts *o,
			struct vp_plan *p, struct devset *s)
{
	struct vp_plan tmp = { 0 };
	int r = collect(ses, o, &tmp, s);

	for (size_t i = 0; r == 0 && i < tmp.notes.n; i++)
		r = strv_add(&p->notes, tmp.notes.v[i]);
	for (size_t i = 0; r == 0 && i < tmp.refusals.n; i++) {
		const char *t = tmp.refusals.v[i];

		/* host/select.c's judge_group words a shared group this way */
		if (o->acs_override && strstr(t, " shares IOMMU group "))
			r = vp_plan_note(
				p,
				"WARNING: %s; --acs-override splits that group at "
				"the next boot instead, and the other device stays "
				"with the host",
				t);
		else
			r = strv_add(&p->refusals, t);
	}
	vp_plan_free(&tmp);
	return r;
}

int vp_host_plan(struct vp_session *ses, const struct vp_host_opts *o, struct vp_plan *p)
{
	struct devset s = { 0 }, req = { 0 }, rel = { 0 };
	struct vp_claims cl = { 0 };
	struct vp_adoption a = { 0 };
	struct vp_host_opts eff;
	bool cmdline = false, bind = false, mods = false;
	size_t before;
	int r;

	if (o->release) {
		for (size_t i = 0; i < ses->ntargets; i++) {
			_cleanup_free_ struct vp_dev **comp = NULL;
			size_t n = 0;

			r = vp_session_companions(ses, ses->targets[i], &comp, &n);
			if (r == 0)
				r = add_dev(&rel, ses->targets[i]);
			for (size_t k = 0; r == 0 && k < n; k++)
				r = add_dev(&rel, comp[k]);
			if (r < 0)
				goto out;
		}
	} else {
		r = take_collect(ses, o, p, &req);
		if (r < 0)
			goto out;
		if (!req.n) {
			if (!p->refusals.n)
				vp_plan_refuse(
					p, "no target device: name one with --device");
			goto out;
		}
	}
	r = vp_claims_load(ses->ctx, &ses->sys.cmdline, &ses->km, &cl);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < rel.n; i++)
		if (!given_by(&cl, rel.d[i]))
			vp_plan_refuse(
				p,
				"%s is not given to vfio-pci by any file vfio-pilot "
				"reads: nothing to release",
				rel.d[i]->addr);
	for (size_t i = 0; i < req.n; i++)
		if ((r = add_dev(&s, req.d[i])) < 0)
			goto out;
	r = plan_adopt(ses, o, &cl, &req, &rel, &s, &a, p);
	if (r < 0)
		goto out;
	if (s.n)
		qsort(s.d, s.n, sizeof(*s.d), cmp_devp);
	for (size_t i = 0; i < s.n; i++) {
		const struct vp_claim *c = given_by(&cl, s.d[i]);
		_cleanup_free_ char *where = c ? vp_claim_where(c) : NULL;

		if (in_set(&req, s.d[i]))
			vp_plan_note(p, "target %s (%04x:%04x)%s", s.d[i]->addr,
				     s.d[i]->vendor, s.d[i]->device,
				     vp_session_is_target(ses, s.d[i]) ? ""
								       : ", goes along");
		else
			vp_plan_note(p,
				     "kept %s (%04x:%04x): given to vfio-pci before (%s)",
				     s.d[i]->addr, s.d[i]->vendor, s.d[i]->device,
				     where ? where : "?");
	}
	for (size_t i = 0; i < rel.n; i++)
		vp_plan_note(p,
			     "released %s (%04x:%04x): back to its host driver after "
			     "the reboot",
			     rel.d[i]->addr, rel.d[i]->vendor, rel.d[i]->device);
	if (!o->release) {
		r = plan_cmdline(ses, o, &s, p, &cmdline);
		if (r < 0)
			goto out;
	}
	eff = *o;
	if (s.n && (r = keep_options(ses, &eff, &a, p)) < 0)
		goto out;
	before = p->nedits;
	r = plan_binding(ses, &eff, &s, &a, p, &bind);
	if (r < 0)
		goto out;
	bind = p->nedits > before;
	if (s.n) {
		r = plan_modules(ses, &s, p, &mods);
		if (r < 0)
			goto out;
	}
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
			ses->sys.boot == VP_BOOT_GRUB ? grub : pbt);
	}
	if (r == 0 && p->nedits)
		vp_plan_note(
			p, o->release
				   ? "after apply, reboot; the released devices then "
				     "return to their host drivers"
				   : "after apply, reboot; then vfio-pilot doctor should "
				     "show the targets bound to vfio-pci");
	else if (r == 0 && !p->refusals.n)
		vp_plan_note(
			p,
			"nothing to change: the host is already set up for these targets");
out:
	vp_claims_free(&cl);
	strv_free(&a.extra);
	strv_free(&a.orphan_ids);
	strv_free(&a.orphan_addrs);
	free(s.d);
	free(req.d);
	free(rel.d);
	return r;
}
