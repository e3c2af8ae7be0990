// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Capabilities from config space. libpci walks both capability lists; it
 * does not decode registers (that is lspci's ls-caps.c / ls-ecaps.c), so the
 * few fields vfio-pilot needs are read here with pci_read_*().
 *
 * The kernel gives a process without CAP_SYS_ADMIN only the first 64 bytes
 * of config space (drivers/pci/pci-sysfs.c pci_read_config), and libpci
 * turns the missing bytes into 0xff without a word. So the length of what
 * was read decides whether a capability is absent or merely unknown.
 */
#include <pci/pci.h>

#include "host/host.h"

/* PCIe r6.0 7.8.6: Resizable BAR Control, bits 7:5 = number of resizable BARs. */
#define REBAR_CTRL_NBAR(c) (((c) >> 5) & 0x7)
#define REBAR_CTRL_IDX(c)  ((c)&0x7)
#define REBAR_CTRL_SIZE(c) (((c) >> 8) & 0x3f)
/* PCIe r6.0 7.5.3.3: Function Level Reset Capability; pciutils 3.9 has no name for it. */
#define VP_DEVCAP_FLR 0x10000000

static void mark_unknown(struct vp_dev *d, enum vp_state *st, const char *field,
			 const char *why)
{
	*st = VP_UNKNOWN;
	vp_dev_unknown(d, field, "%s", why);
}

static void decode_std(struct vp_dev *d, struct pci_dev *p)
{
	struct pci_cap *c;

	c = pci_find_cap(p, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	d->pcie = c ? VP_PRESENT : VP_ABSENT;
	if (c) {
		u16 flags = pci_read_word(p, c->addr + PCI_EXP_FLAGS);
		u32 devcap = pci_read_long(p, c->addr + PCI_EXP_DEVCAP);

		d->pcie_type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;
		d->flr = (devcap & VP_DEVCAP_FLR) ? VP_PRESENT : VP_ABSENT;
	} else {
		/* A conventional function may still have AF FLR; "af_flr" in reset_method
		 * says so. */
		d->flr = VP_ABSENT;
	}

	c = pci_find_cap(p, PCI_CAP_ID_PM, PCI_CAP_NORMAL);
	d->pm = c ? VP_PRESENT : VP_ABSENT;
	if (c) {
		u16 pmcsr = pci_read_word(p, c->addr + PCI_PM_CTRL);

		d->no_soft_reset = (pmcsr & PCI_PM_CTRL_NO_SOFT_RST) != 0;
	}
}

static void decode_ext(struct vp_dev *d, struct pci_dev *p)
{
	struct pci_cap *c;

	c = pci_find_cap(p, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED);
	d->acs = c ? VP_PRESENT : VP_ABSENT;
	if (c) {
		d->acs_cap = pci_read_word(p, c->addr + PCI_ACS_CAP);
		d->acs_ctrl = pci_read_word(p, c->addr + PCI_ACS_CTRL);
	}

	c = pci_find_cap(p, PCI_EXT_CAP_ID_REBAR, PCI_CAP_EXTENDED);
	d->rebar = c ? VP_PRESENT : VP_ABSENT;
	if (c) {
		u32 ctrl0 = pci_read_long(p, c->addr + 8);
		size_t n = REBAR_CTRL_NBAR(ctrl0);

		for (size_t i = 0; i < n && i < ARRAY_SIZE(d->rebar_bars); i++) {
			u32 cap = pci_read_long(p, c->addr + 4 + (int)i * 8);
			u32 ctrl = pci_read_long(p, c->addr + 8 + (int)i * 8);
			struct vp_rebar_bar *rb = &d->rebar_bars[d->nrebar++];

			rb->bar = REBAR_CTRL_IDX(ctrl);
			rb->cur_log2_mb = REBAR_CTRL_SIZE(ctrl);
			rb->supported = cap >> 4;
		}
	}

	c = pci_find_cap(p, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED);
	if (c) {
		d->sriov = VP_PRESENT;
		d->sriov_vf_device = pci_read_word(p, c->addr + PCI_IOV_DID);
		/* sysfs sriov_* (read later) is authoritative for the counts. */
		d->sriov_total = pci_read_word(p, c->addr + PCI_IOV_TOTALVF);
		d->sriov_num = pci_read_word(p, c->addr + PCI_IOV_NUMVF);
	}
}

void vp_pci_decode_caps(struct vp_ctx *ctx, struct vp_dev *d, void *pdev)
{
	struct pci_dev *p = pdev;
	char why[160];

	(void)ctx;
	if (d->cfg_len < 256) {
		if (d->cfg_len == 0)
			snprintf(why, sizeof(why), "config space unreadable");
		else
			snprintf(why, sizeof(why),
				 "config space read returned %zu bytes (the kernel cuts "
				 "non-root reads to 64); run as root",
				 d->cfg_len);
		d->caps_readable = VP_UNKNOWN;
		d->ecaps_readable = VP_UNKNOWN;
		mark_unknown(d, &d->pcie, "pcie", why);
		mark_unknown(d, &d->flr, "flr", why);
		mark_unknown(d, &d->pm, "pm", why);
		mark_unknown(d, &d->acs, "acs", why);
		mark_unknown(d, &d->rebar, "rebar", why);
		d->sriov = VP_UNKNOWN; /* sysfs may still tell, see pci.c */
		return;
	}
	d->caps_readable = VP_PRESENT;
	decode_std(d, p);

	if (d->pcie != VP_PRESENT) {
		/* Conventional PCI has no extended configuration space. */
		d->ecaps_readable = VP_ABSENT;
		d->acs = d->rebar = d->sriov = VP_ABSENT;
		return;
	}
	if (d->cfg_len < 4096) {
		snprintf(why, sizeof(why),
			 "config space read returned %zu bytes; extended capabilities "
			 "need 4096",
			 d->cfg_len);
		d->ecaps_readable = VP_UNKNOWN;
		mark_unknown(d, &d->acs, "acs", why);
		mark_unknown(d, &d->rebar, "rebar", why);
		d->sriov = VP_UNKNOWN;
		return;
	}
	d->ecaps_readable = VP_PRESENT;
	decode_ext(d, p);
	if (d->sriov == VP_UNKNOWN)
		d->sriov = VP_ABSENT;
}
