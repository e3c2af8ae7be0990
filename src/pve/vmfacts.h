/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough-relevant facts of a VM config, as Proxmox sees them: only
 * the main (live) section, only the lines it keeps, the last line of a key
 * winning. Defaults are Proxmox's (rombar 1, driver vfio, bios seabios).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pve/conf.h"
#include "util.h"

/* hostpciN (PCI.pm $hostpci_fmt). */
struct vp_pve_hostpci {
	unsigned index;
	char *value; /* as written */
	bool valid;  /* false: Proxmox drops the line (reason says why) */
	char *reason;
	struct strv hosts; /* host= split at ';': devices passed together */
	char *mapping;	   /* mapping=, a /etc/pve/mapping/pci.cfg id */
	bool pcie, x_vga, rombar, legacy_igd;
	char *romfile, *mdev, *vendor_id, *device_id, *sub_vendor_id, *sub_device_id;
	char *driver; /* "vfio" unless driver=keep */
};

/* usbN (USB.pm $usb_fmt). */
struct vp_pve_usbdev {
	unsigned index;
	char *value;
	bool valid;
	char *reason;
	char *host; /* vendor:product, bus-port or spice */
	char *mapping;
	bool usb3;
};

struct vp_pve_vmfacts {
	struct vp_pve_hostpci *hostpci; /* in index order */
	size_t n_hostpci;
	struct vp_pve_usbdev *usb;
	size_t n_usb;
	char *machine;	    /* the value, NULL when unset (i440fx "pc") */
	char *machine_type; /* its type=, NULL when it has none */
	bool q35;	    /* the type contains "q35" */
	char *bios;	    /* NULL when unset (seabios) */
	bool ovmf;
	char *vga;	/* the value, NULL when unset */
	char *vga_type; /* its type=, NULL when unset (std) */
	char *balloon;	/* NULL when unset; "0" disables the balloon device */
	char *cpu;	/* the value, NULL when unset */
	char *cputype;
	char *cpu_flags;
	int cpu_hidden; /* -1 unset, 0, 1 */
	char *hv_vendor_id;
	char *args;
	char *hookscript;
	char *ostype;
	/* KVM hidden from the guest: hidden=1, or some x-vga=1 unless hidden=0 (§2.1) */
	bool kvm_hidden;
	struct strv notes; /* what Proxmox will make of it, one line each */
};

int vp_pve_vmfacts_get(const struct vp_pve_conf *c, struct vp_pve_vmfacts *out);
void vp_pve_vmfacts_free(struct vp_pve_vmfacts *f);

/* A hostpci or mapping address without ".fn" stands for all functions of the device. */
bool vp_pve_pci_id_all_functions(const char *id);
