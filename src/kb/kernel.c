// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel facts: which release a passthrough-relevant change arrived in. From
 * /work/shared/knowledge (quirks-and-signatures.md, seed-corrections.md);
 * where the knowledge file hedges a version, `what` says so.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "kb/kb.h"
#include "util.h"

/*
 * Rows of one shape, by design: each row is data with its own source, so
 * `duplicates` reports neighbouring rows as same-shape runs. Folding them
 * into a macro or a loop would hide the citation each row carries.
 */
static const struct vp_kb_kernel facts[] = {
	{
		.id = "reset_method",
		.major = 5,
		.minor = 15,
		.what = "sysfs reset_method attribute: lists and selects PCI reset methods "
			"(vendor-reset then needs device_specific written to it)",
		.source =
			"quirks-and-signatures.md §2; seed-corrections.md (5.15, not 5.17)",
	},
	{
		.id = "vfio_virqfd_merged",
		.major = 6,
		.minor = 2,
		.what = "vfio_virqfd merged into vfio: listing it in /etc/modules only "
			"produces a module-not-found warning",
		.source = "quirks-and-signatures.md §2; seed-corrections.md",
	},
	{
		.id = "pve_intel_iommu_default",
		.major = 6,
		.minor = 8,
		.what = "Proxmox VE kernels (8.2+) enable the Intel IOMMU by default; "
			"applies to -pve kernels only, intel_iommu=on stays harmless",
		.source = "seed-corrections.md (Proxmox documentation)",
	},
	{
		.id = "cxl_bus_reset",
		.major = 6,
		.minor = 10,
		.what = "cxl_bus reset method (CXL port SBR unmask); version approximate "
			"(about 6.10, hedged in the source)",
		.source = "quirks-and-signatures.md §2",
	},
	{
		.id = "nvidia_gh100_no_bus_reset",
		.major = 5,
		.minor = 14,
		.what = "GH100/GH200 (10de:2340-237f) never get a bus reset; also backported "
			"to stable kernels from 4.4, so older releases may have it too",
		.source = "quirks-and-signatures.md §1.2 (commit 4c207e7121fa)",
	},
	{
		.id = "sysfb_simplefb",
		.major = 5,
		.minor = 15,
		.what = "the boot framebuffer is registered by sysfb as a simple-framebuffer "
			"(simplefb or simpledrm) on kernels built with CONFIG_SYSFB_SIMPLEFB, "
			"as Proxmox's are from 5.15: efifb never binds, so video=efifb:off "
			"does nothing and initcall_blacklist=sysfb_init is the option",
		.source = "drivers/firmware/sysfb.c (sysfb_init, moved there in 5.15), "
			  "drivers/video/fbdev/efifb.c (reads video=efifb:)",
	},
	{
		.id = "pci_config_acs",
		.major = 6,
		.minor = 11,
		.what = "pci=config_acs= kernel parameter; version approximate (about 6.11, "
			"hedged in the source: check kernel-parameters.txt)",
		.source = "quirks-and-signatures.md §1.1",
	},
};

size_t vp_kb_kernel_count(void)
{
	return ARRAY_SIZE(facts);
}

const struct vp_kb_kernel *vp_kb_kernel_at(size_t i)
{
	return i < ARRAY_SIZE(facts) ? &facts[i] : NULL;
}

const struct vp_kb_kernel *vp_kb_kernel_fact(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(facts); i++)
		if (streq(facts[i].id, id))
			return &facts[i];
	return NULL;
}

/* A decimal number of at most 4 digits, no sign, no leading blanks. */
static const char *parse_num(const char *s, int *out)
{
	int n = 0, digits = 0;

	while (isdigit((unsigned char)*s)) {
		if (++digits > 4)
			return NULL;
		n = n * 10 + (*s++ - '0');
	}
	if (!digits)
		return NULL;
	*out = n;
	return s;
}

/*
 * "6.8.12-4-pve", "6.1.0-27-amd64", "5.15.0", "6.8": major.minor, then the
 * end or a separator. "6", "6.", "abc" and "" are rejected.
 */
static int parse_release(const char *kver, int *major, int *minor)
{
	const char *p;

	if (!kver)
		return -EINVAL;
	p = parse_num(kver, major);
	if (!p || *p != '.')
		return -EINVAL;
	p = parse_num(p + 1, minor);
	if (!p)
		return -EINVAL;
	if (*p != '\0' && !strchr(".-+_~", *p))
		return -EINVAL;
	return 0;
}

int vp_kb_kernel_has(const char *kver, const char *id)
{
	const struct vp_kb_kernel *f = vp_kb_kernel_fact(id);
	int major, minor;

	if (!f || parse_release(kver, &major, &minor) < 0)
		return -EINVAL;
	if (major != f->major)
		return major > f->major;
	return minor >= f->minor;
}
