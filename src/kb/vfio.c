// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VFIO variant drivers. Every in-tree one lives in drivers/vfio/pci/<dir>/
 * and registers its pci_driver as KBUILD_MODNAME, so the name in
 * /sys/bus/pci/drivers ends in "_vfio_pci"; what matters to Proxmox is only
 * that it is not "vfio-pci": qemu-server's PCI.pm prepare_pci_device rebinds
 * every other driver to vfio-pci at VM start unless the entry has
 * driver=keep (qemu-server 9.0.25, commit aa47045f; knowledge
 * proxmox-formats.md §2.1, pve9-fleet-peers.md).
 *
 * Migration: a variant that sets vfio_device.mig_ops implements the VFIO
 * migration uAPI; vfio-pci itself never does, so QEMU's
 * enable-migration=on (what a live-migration-capable mapping gives,
 * PCI.pm parse_hostpci) fails at start with "VFIO migration is not
 * supported in kernel" (pve9-fleet-peers.md, strongtz/i915-sriov-dkms#405).
 * The per-driver migration column below is from the kernel tree as
 * remembered, not re-read here: each row says so in its source.
 */
#include <string.h>

#include "kb/kb.h"
#include "util.h"

#define UNREAD " (migration support not re-read from the kernel source here)"

static const struct vp_kb_vfio_variant variants[] = {
	{ "mlx5_vfio_pci", true, "NVIDIA/Mellanox ConnectX-7/BlueField-3 VFs",
	  "drivers/vfio/pci/mlx5/main.c; pve9-fleet-peers.md, proxmox-formats.md §2.1" },
	{ "hisi_acc_vfio_pci", true, "HiSilicon accelerator VFs",
	  "drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c" UNREAD },
	{ "pds_vfio_pci", true, "AMD/Pensando DSC VFs", "drivers/vfio/pci/pds/" UNREAD },
	{ "qat_vfio_pci", true, "Intel QAT 4xxx VFs", "drivers/vfio/pci/qat/" UNREAD },
	{ "virtio_vfio_pci", true, "virtio-net VFs (legacy I/O, admin-queue migration)",
	  "drivers/vfio/pci/virtio/" UNREAD },
	{ "xe_vfio_pci", true, "Intel Xe SR-IOV GPU VFs",
	  "drivers/vfio/pci/xe/main.c (xe_vfio_pci_migration_init)" },
	{ "nvgrace_gpu_vfio_pci", false, "NVIDIA Grace Hopper/Blackwell GPUs",
	  "drivers/vfio/pci/nvgrace-gpu/; NVIDIA gpu-operator vfio-manager (pve9-fleet-peers.md)" UNREAD },
	/* named in issue #19 and pve9-fleet-peers.md; not an upstream module name */
	{ "i915_vfio_pci", false, "Intel i915 SR-IOV GPU VFs (out of tree)",
	  "pve9-fleet-peers.md (i915 VFs); not in the mainline kernel" },
	/*
	 * No row for NVIDIA vGPU: its SR-IOV VFs stay on the nvidia driver and
	 * Proxmox knows them by their nvidia/ sysfs directory, not by a driver
	 * name (qemu-server src/PVE/QemuServer/PCI.pm prepare_pci_device,
	 * PCI/Mdev.pm); they are passed with mdev=, not driver=keep.
	 */
};

size_t vp_kb_vfio_variant_count(void)
{
	return ARRAY_SIZE(variants);
}

const struct vp_kb_vfio_variant *vp_kb_vfio_variant_at(size_t i)
{
	return i < ARRAY_SIZE(variants) ? &variants[i] : NULL;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && streq(s + n - t, tail);
}

const struct vp_kb_vfio_variant *vp_kb_vfio_variant(const char *driver)
{
	static const struct vp_kb_vfio_variant generic = {
		.driver = NULL,
		.migration = false,
		.what = "a VFIO variant driver (named *_vfio_pci)",
		.source = "the kernel's naming of drivers/vfio/pci/*/ modules",
	};

	if (!driver || streq(driver, "vfio-pci"))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++)
		if (streq(variants[i].driver, driver))
			return &variants[i];
	if (ends_with(driver, "_vfio_pci") || ends_with(driver, "-vfio-pci"))
		return &generic;
	return NULL;
}

bool vp_kb_vfio_driver(const char *driver)
{
	return streq(driver, "vfio-pci") || vp_kb_vfio_variant(driver);
}
