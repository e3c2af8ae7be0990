// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel and command line: IOMMU active, the vendor's IOMMU option,
 * interrupt remapping, ACS override, the host framebuffer.
 */
#include <errno.h>
#include <stdarg.h>

#include "checks/doctor.h"

static char *cmdline_ev(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Evidence read from the kernel command line. */
static char *cmdline_ev(const char *fmt, ...)
{
	va_list ap;
	char *e;

	va_start(ap, fmt);
	e = vp_evidencev(VP_PROC, "cmdline", fmt, ap);
	va_end(ap);
	return e;
}

static int iommu_active(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->s.sys;
	const struct vp_host *h = doc->s.h;
	const char *intel = vp_cmdline_get(&s->cmdline, "intel_iommu");
	char *fix;

	if (h->ngroups)
		return vp_report(
			doc, c, NULL, VP_V_OK,
			xasprintf("the IOMMU is active: %zu groups (%s)", h->ngroups,
				  h->iommus.n ? h->iommus.v[0] : "no unit listed"),
			vp_evidence(VP_SYS, "kernel/iommu_groups", "%zu groups",
				    h->ngroups),
			NULL);
	if (s->cpu == VP_CPU_INTEL && intel && startswith(intel, "off"))
		fix = vp_cmdline_fix(doc, "remove intel_iommu=off from");
	else if (!s->acpi_dmar && !s->acpi_ivrs)
		fix = xasprintf("enable %s in the firmware setup, then reboot",
				s->cpu == VP_CPU_AMD ? "IOMMU / AMD-Vi" : "VT-d");
	else if (s->cpu == VP_CPU_INTEL &&
		 vp_session_kernel_has(&doc->s, "pve_intel_iommu_default") != 1)
		fix = vp_cmdline_fix(doc,
				     "add intel_iommu=on (kernels before 6.8 leave the "
				     "Intel IOMMU off) to");
	else
		fix = strdup(
			"look for DMAR or AMD-Vi errors in the kernel log (dmesg | grep -i "
			"-e DMAR -e AMD-Vi)");
	return vp_report(doc, c, NULL, VP_V_FAIL, strdup(h->no_iommu_why),
			 vp_evidence(VP_SYS, "kernel/iommu_groups", "empty"), fix);
}

static int vendor_option(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->s.sys;
	const char *intel = vp_cmdline_get(&s->cmdline, "intel_iommu");
	const char *amd = vp_cmdline_get(&s->cmdline, "amd_iommu");

	if (s->cmdline.unreadable)
		return vp_report(doc, c, NULL, VP_V_SKIP,
				 strdup("kernel command line unknown"),
				 strdup(s->cmdline.unreadable), NULL);
	if (s->cpu == VP_CPU_INTEL && amd)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("amd_iommu=%s does nothing on an Intel CPU", amd),
			cmdline_ev("amd_iommu=%s", amd),
			vp_cmdline_fix(doc, "remove amd_iommu=... from"));
	if (s->cpu == VP_CPU_AMD && intel)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			xasprintf("intel_iommu=%s does nothing on an AMD CPU", intel),
			cmdline_ev("intel_iommu=%s", intel),
			vp_cmdline_fix(doc, "remove intel_iommu=... from"));
	/* amd_iommu has no "on" (Documentation/admin-guide/kernel-parameters.txt). */
	if (s->cpu == VP_CPU_AMD && amd && streq(amd, "on"))
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			strdup("amd_iommu=on is not a valid value; the AMD IOMMU is on by "
			       "default"),
			cmdline_ev("amd_iommu=%s", amd),
			vp_cmdline_fix(doc, "remove amd_iommu=on from"));
	if (s->cpu == VP_CPU_INTEL) {
		int dflt = vp_session_kernel_has(&doc->s, "pve_intel_iommu_default");
		bool pve_kernel = s->kver && strstr(s->kver, "-pve");

		if (intel && streq(intel, "on"))
			return vp_report(doc, c, NULL, VP_V_OK,
					 strdup("intel_iommu=on is set"),
					 cmdline_ev("intel_iommu=%s", intel), NULL);
		if (dflt == 1 && pve_kernel)
			return vp_report(
				doc, c, NULL, VP_V_OK,
				xasprintf("Proxmox kernel %s enables the Intel IOMMU by "
					  "default (6.8 and later)",
					  s->kver),
				vp_evidence(VP_PROC, "sys/kernel/osrelease", "%s",
					    s->kver),
				NULL);
		if (doc->s.h->ngroups)
			return vp_report(
				doc, c, NULL, VP_V_OK,
				strdup("the Intel IOMMU is on without intel_iommu=on"),
				cmdline_ev("%s", "no intel_iommu="), NULL);
		return vp_report(doc, c, NULL, VP_V_FAIL,
				 xasprintf("kernel %s needs intel_iommu=on",
					   s->kver ? s->kver : "(unknown version)"),
				 cmdline_ev("%s", "no intel_iommu=on"),
				 vp_cmdline_fix(doc, "add intel_iommu=on to"));
	}
	return vp_report(
		doc, c, NULL, VP_V_OK, strdup("no foreign or invalid IOMMU option"),
		cmdline_ev("%s", amd ? "amd_iommu given" : "no *_iommu option"), NULL);
}

static int iommu_pt(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const char *pt = vp_cmdline_get(&doc->s.sys.cmdline, "iommu");

	if (doc->s.sys.cmdline.unreadable)
		return vp_report(doc, c, NULL, VP_V_SKIP,
				 strdup("kernel command line unknown"),
				 strdup(doc->s.sys.cmdline.unreadable), NULL);
	if (pt && streq(pt, "pt"))
		return vp_report(
			doc, c, NULL, VP_V_OK,
			strdup("iommu=pt: host devices bypass IOMMU translation"),
			cmdline_ev("iommu=%s", pt), NULL);
	return vp_report(
		doc, c, NULL, VP_V_OK,
		strdup("iommu=pt is not set; it is optional (it spares host devices "
		       "the IOMMU's translation cost)"),
		cmdline_ev("%s", pt ? pt : "no iommu="), NULL);
}

/*
 * Without interrupt remapping vfio_iommu_type1 refuses to attach unless
 * allow_unsafe_interrupts is set (drivers/vfio/vfio_iommu_type1.c), which
 * lets a guest forge MSIs: a security compromise, not a fix.
 */
static int intremap(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	static const char *const good[] = {
		"DMAR-IR: Enabled IRQ remapping",
		"AMD-Vi: Interrupt remapping enabled",
		"Enabled IRQ remapping in x2apic mode",
	};
	static const char *const bad[] = {
		"No interrupt remapping support",
		"DMAR-IR: IRQ remapping disabled",
		"Not enabling interrupt remapping",
	};
	_cleanup_free_ char *unsafe = vp_kmods_option(&doc->s.km, "vfio_iommu_type1",
						      "allow_unsafe_interrupts");
	const char *cl = vp_cmdline_get(&doc->s.sys.cmdline,
					"vfio_iommu_type1.allow_unsafe_interrupts");
	const char *intremap_opt = vp_cmdline_get(&doc->s.sys.cmdline, "intremap");
	const struct vp_klog *k = &doc->klog;

	if ((unsafe && !streq(unsafe, "0")) || (cl && !streq(cl, "0")))
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			strdup("allow_unsafe_interrupts is set: guests can forge "
			       "interrupts (a security compromise)"),
			unsafe ? strdup("modprobe.d: options vfio_iommu_type1 "
					"allow_unsafe_interrupts=1")
			       : cmdline_ev("vfio_iommu_type1.allow_unsafe_interrupts=%s",
					    cl),
			strdup("enable interrupt remapping (x2APIC / IR) in the firmware "
			       "and drop allow_unsafe_interrupts"));
	if (intremap_opt && streq(intremap_opt, "off"))
		return vp_report(
			doc, c, NULL, VP_V_FAIL,
			strdup("interrupt remapping is turned off on the command line"),
			cmdline_ev("intremap=%s", intremap_opt),
			vp_cmdline_fix(doc, "remove intremap=off from"));
	if (!k->source)
		return vp_report(
			doc, c, NULL, VP_V_SKIP,
			strdup("interrupt remapping unknown without a kernel log"),
			strdup(k->unavailable), NULL);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *l = vp_klog_find(k, bad[i]);

		if (l)
			return vp_report(
				doc, c, NULL, VP_V_FAIL,
				strdup("no interrupt remapping: VFIO will refuse to attach "
				       "devices"),
				xasprintf("%s: %s", k->source, l),
				strdup("enable interrupt remapping / x2APIC in the firmware "
				       "setup; only as a last resort, and a security "
				       "compromise (a guest can forge interrupts): options "
				       "vfio_iommu_type1 allow_unsafe_interrupts=1"));
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const char *l = vp_klog_find(k, good[i]);

		if (l)
			return vp_report(doc, c, NULL, VP_V_OK,
					 strdup("interrupt remapping is enabled"),
					 xasprintf("%s: %s", k->source, l), NULL);
	}
	return vp_report(
		doc, c, NULL, VP_V_SKIP,
		strdup("the kernel log does not say whether interrupt remapping is on"),
		xasprintf("%s: no remapping line", k->source), NULL);
}

static int acs_override(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const char *v = vp_cmdline_get(&doc->s.sys.cmdline, "pcie_acs_override");
	const char *l = vp_klog_find(&doc->klog, "ACS overrides enabled");

	if (!v && !l)
		return vp_report(doc, c, NULL, VP_V_OK, strdup("no ACS override"),
				 cmdline_ev("%s", "no pcie_acs_override="), NULL);
	/* The Proxmox kernel's out-of-tree patch; it splits groups the hardware does not.
	 */
	return vp_report(
		doc, c, NULL, VP_V_WARN,
		strdup("ACS override is active: the groups no longer show real isolation; "
		       "a guest can reach devices left on the host by peer-to-peer DMA"),
		v ? cmdline_ev("pcie_acs_override=%s", v)
		  : xasprintf("%s: %s", doc->klog.source, l),
		strdup("prefer a slot whose group is isolated; keep the override only if "
		       "you accept the lost isolation"));
}

/* The boot framebuffer (efifb, simpledrm via sysfb) keeps the GPU's BAR busy. */
static int framebuffer(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_cmdline *cl = &doc->s.sys.cmdline;
	const char *ib = vp_cmdline_get(cl, "initcall_blacklist");
	const char *video = vp_cmdline_get(cl, "video");

	if (t->boot_vga != 1)
		return vp_report(
			doc, c, t, VP_V_OK,
			strdup("not the boot VGA: no host framebuffer on it"),
			vp_dev_ev(t, "boot_vga", "%s", t->boot_vga == 0 ? "0" : "absent"),
			NULL);
	if ((ib && strstr(ib, "sysfb_init")) || (video && strstr(video, "efifb:off")))
		return vp_report(doc, c, t, VP_V_OK,
				 strdup("the boot framebuffer is kept off the GPU"),
				 cmdline_ev("%s", ib ? ib : video), NULL);
	return vp_report(
		doc, c, t, VP_V_WARN,
		strdup("the GPU is the boot VGA and the host framebuffer holds its BAR "
		       "(vfio-pci: BAR can't reserve)"),
		vp_dev_ev(t, "boot_vga", "1"),
		vp_cmdline_fix(doc, "add initcall_blacklist=sysfb_init (video=efifb:off "
				    "on kernels before 5.15) to"));
}

const struct vp_check vp_checks_kernel[] = {
	{ "kernel.iommu-active", VP_L_KERNEL, false, iommu_active },
	{ "kernel.iommu-option", VP_L_KERNEL, false, vendor_option },
	{ "kernel.iommu-pt", VP_L_KERNEL, false, iommu_pt },
	{ "kernel.interrupt-remapping", VP_L_KERNEL, false, intremap },
	{ "kernel.acs-override", VP_L_KERNEL, false, acs_override },
	{ "kernel.framebuffer", VP_L_KERNEL, true, framebuffer },
	/* checks/upgrade.c: every installed kernel. */
	{ "kernel.upgrade-initramfs", VP_L_KERNEL, false, vp_check_upgrade_initramfs },
	{ "kernel.upgrade-modules", VP_L_KERNEL, false, vp_check_upgrade_modules },
	{ "kernel.upgrade-esp", VP_L_KERNEL, false, vp_check_upgrade_esp },
	{ NULL, 0, false, NULL },
};
