// SPDX-License-Identifier: GPL-2.0-or-later
/* Firmware and CPU: virtualization, the IOMMU's ACPI table, boot mode, BARs. */
#include <errno.h>
#include <inttypes.h>

#include "checks/doctor.h"
#include "kb/kb.h"
#include "out/output.h"

static int cpu_virt(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->s.sys;
	const char *flag = s->cpu == VP_CPU_AMD ? "svm" : "vmx";

	if (s->virt == VP_UNKNOWN)
		return vp_report(doc, c, NULL, VP_V_SKIP, strdup("CPU flags unknown"),
				 strdup(s->cpuinfo_unreadable ? s->cpuinfo_unreadable
							      : "no cpuinfo"),
				 NULL);
	if (s->virt == VP_PRESENT)
		return vp_report(
			doc, c, NULL, VP_V_OK,
			xasprintf("CPU virtualization is on (%s)", flag),
			vp_evidence(VP_PROC, "cpuinfo", "flags include %s", flag), NULL);
	return vp_report(
		doc, c, NULL, VP_V_FAIL,
		strdup("the CPU shows no virtualization extension (vmx/svm)"),
		vp_evidence(VP_PROC, "cpuinfo", "flags have neither vmx nor svm"),
		xasprintf("enable %s in the firmware setup",
			  s->cpu == VP_CPU_AMD ? "SVM (AMD-V)" : "Intel VT-x"));
}

static int iommu_table(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->s.sys;
	const char *want = s->cpu == VP_CPU_AMD ? "IVRS" : "DMAR";

	if (s->acpi_dmar || s->acpi_ivrs)
		return vp_report(doc, c, NULL, VP_V_OK,
				 xasprintf("the firmware describes an IOMMU (ACPI %s)",
					   s->acpi_dmar ? "DMAR" : "IVRS"),
				 vp_evidence(VP_SYS, "firmware/acpi/tables", "%s present",
					     s->acpi_dmar ? "DMAR" : "IVRS"),
				 NULL);
	if (doc->s.h->ngroups)
		return vp_report(
			doc, c, NULL, VP_V_OK,
			strdup("an IOMMU is active (no DMAR/IVRS table was captured)"),
			xasprintf("%zu IOMMU groups", doc->s.h->ngroups), NULL);
	if (!s->acpi_tables_listed)
		return vp_report(
			doc, c, NULL, VP_V_SKIP, strdup("ACPI tables not readable"),
			vp_evidence(VP_SYS, "firmware/acpi/tables", "missing"), NULL);
	return vp_report(
		doc, c, NULL, VP_V_FAIL,
		xasprintf("the firmware exposes no IOMMU (no ACPI %s table)", want),
		vp_evidence(VP_SYS, "firmware/acpi/tables", "no %s", want),
		xasprintf("enable %s in the firmware setup (often under Chipset or "
			  "North Bridge), then reboot",
			  s->cpu == VP_CPU_AMD ? "IOMMU / AMD-Vi" : "VT-d"));
}

static int boot_mode(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_system *s = &doc->s.sys;

	if (s->secure_boot == VP_PRESENT)
		return vp_report(
			doc, c, NULL, VP_V_WARN,
			strdup("UEFI with Secure Boot on: out-of-tree modules must be signed"),
			strdup("efivar SecureBoot = 1"),
			strdup("sign DKMS modules (vendor-reset, NVIDIA, i915-sriov-dkms) with an "
			       "enrolled MOK key, or turn Secure Boot off"));
	return vp_report(doc, c, NULL, VP_V_OK,
			 xasprintf("booted %s%s", s->uefi ? "UEFI" : "legacy BIOS",
				   s->uefi && s->secure_boot == VP_ABSENT
					   ? ", Secure Boot off"
				   : s->uefi ? ", Secure Boot state unknown"
					     : ""),
			 vp_evidence(VP_SYS, "firmware/efi", "%s",
				     s->uefi ? "present" : "missing"),
			 NULL);
}

/* A BAR above 4 GiB can only be placed with Above 4G decoding on. */
static int large_bar(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_kb_gpu *kb = vp_kb_gpu_lookup(t->vendor, t->device);
	const struct vp_bar *big = NULL;
	char sz[32];

	if (vp_dev_unknown_why(t, "bars"))
		return vp_report(doc, c, t, VP_V_SKIP, strdup("BARs unknown"),
				 xasprintf("%s", vp_dev_unknown_why(t, "bars")), NULL);
	for (size_t i = 0; i < t->nbars; i++)
		if (t->bars[i].size > (1ull << 32) &&
		    (!big || t->bars[i].size > big->size))
			big = &t->bars[i];
	if (big) {
		vp_fmt_size(big->size, sz, sizeof(sz));
		return vp_report(
			doc, c, t, VP_V_OK,
			xasprintf("BAR%u of %s is placed: Above 4G decoding works",
				  big->index, sz),
			vp_dev_ev(t, "resource", "BAR%u %s%s", big->index, sz,
				  big->prefetch ? " prefetchable" : ""),
			NULL);
	}
	if (kb && kb->large_bar)
		return vp_report(
			doc, c, t, VP_V_FAIL,
			xasprintf("%s %s needs a BAR above 4 GiB, and none is placed",
				  kb->vendor_name, kb->models),
			vp_dev_ev(t, "resource", "no BAR over 4 GiB"),
			strdup("enable Above 4G Decoding in the firmware setup"));
	return vp_report(doc, c, t, VP_V_OK, strdup("no BAR needs Above 4G decoding"),
			 vp_dev_ev(t, "resource", "every BAR under 4 GiB"), NULL);
}

static int rebar(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_rebar_bar *big = t->rebar_bars;
	char cur[32];

	if (t->rebar == VP_UNKNOWN)
		return vp_report(doc, c, t, VP_V_SKIP,
				 strdup("Resizable BAR state unknown"),
				 xasprintf("%s", vp_dev_unknown_why(t, "rebar")), NULL);
	if (t->rebar == VP_ABSENT || t->nrebar == 0)
		return vp_report(
			doc, c, t, VP_V_OK, strdup("no Resizable BAR capability"),
			xasprintf("%s config space: no capability 0x15", t->addr), NULL);
	for (size_t i = 1; i < t->nrebar; i++)
		if (t->rebar_bars[i].cur_log2_mb > big->cur_log2_mb)
			big = &t->rebar_bars[i];
	vp_fmt_size((uint64_t)1 << (20 + big->cur_log2_mb), cur, sizeof(cur));
	return vp_report(doc, c, t, VP_V_OK,
			 xasprintf("Resizable BAR present, BAR%u at %s", big->bar, cur),
			 vp_dev_ev(t, "config", "Resizable BAR control: BAR%u current %s",
				   big->bar, cur),
			 NULL);
}

const struct vp_check vp_checks_firmware[] = {
	{ "firmware.cpu-virt", VP_L_FIRMWARE, false, cpu_virt },
	{ "firmware.iommu-table", VP_L_FIRMWARE, false, iommu_table },
	{ "firmware.boot", VP_L_FIRMWARE, false, boot_mode },
	{ "firmware.above-4g", VP_L_FIRMWARE, true, large_bar },
	{ "firmware.rebar", VP_L_FIRMWARE, true, rebar },
	{ NULL, 0, false, NULL },
};
