/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The property-string formats vfio-pilot validates, one table each, with
 * the Proxmox source they are taken from. The tables are static data
 * returned by these accessors.
 */
#pragma once

#include <stdbool.h>

#include "pve/propstr.h"

/* qemu-server */
const struct vp_pve_schema *vp_pve_schema_hostpci(void); /* pve-qm-hostpci, PCI.pm */
const struct vp_pve_schema *vp_pve_schema_usb(void);	 /* pve-qm-usb, USB.pm */
const struct vp_pve_schema *vp_pve_schema_cpu(void); /* pve-vm-cpu-conf, CPUConfig.pm */
const struct vp_pve_schema *vp_pve_schema_vga(void); /* $vga_fmt, QemuServer.pm */
const struct vp_pve_schema *
vp_pve_schema_machine(void); /* pve-qemu-machine-fmt, Machine.pm */
const struct vp_pve_schema *vp_pve_schema_memory(void);	 /* $memory_fmt, Memory.pm */
const struct vp_pve_schema *vp_pve_schema_numa(void);	 /* $numa_fmt, Memory.pm */
const struct vp_pve_schema *vp_pve_schema_efidisk(void); /* $efidisk_fmt, Drive.pm */

/* pve-container LXC/Config.pm $dev_desc: devN */
const struct vp_pve_schema *vp_pve_schema_lxc_dev(void);

/* pve-guest-common Mapping/PCI.pm and Mapping/USB.pm $map_fmt: "map" entries */
const struct vp_pve_schema *vp_pve_schema_pci_map(void);
const struct vp_pve_schema *vp_pve_schema_usb_map(void);

/*
 * A CPU model qemu-server knows without reading the host: the built-in
 * x86-64-v* models and the hard-coded $cpu_vendor_list (CPUConfig.pm).
 * Newer QEMU models listed in /usr/share/kvm/cpu-models-x86_64.json are
 * not in it.
 */
bool vp_pve_cpu_model_known(const char *model);
