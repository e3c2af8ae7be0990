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

/*
 * hostpciN of the sections Proxmox keeps besides the live one: [PENDING]
 * (applied at the next start, QemuServer.pm vmconfig_apply_pending) and each
 * snapshot (restored by a rollback), plus the pending deletions of hostpciN
 * (AbstractConfig.pm parse_pending_delete). A new hostpciN must not take an
 * index any of these name, or applying the pending change or rolling back
 * replaces it.
 */
struct vp_pve_hostpci_ref {
	enum vp_pve_section_kind kind; /* VP_PVE_SEC_PENDING or VP_PVE_SEC_SNAPSHOT */
	char *section;		       /* "pending" or the snapshot's name */
	bool deleted;		       /* "delete: hostpciN" in [PENDING] */
	struct vp_pve_hostpci h;       /* index; hosts and mapping unless deleted */
};

struct vp_pve_hostpci_refs {
	struct vp_pve_hostpci_ref *v;
	size_t n;
};

int vp_pve_hostpci_refs_get(const struct vp_pve_conf *c, struct vp_pve_hostpci_refs *out);
void vp_pve_hostpci_refs_free(struct vp_pve_hostpci_refs *r);

/* A hostpci or mapping address without ".fn" stands for all functions of the device. */
bool vp_pve_pci_id_all_functions(const char *id);
