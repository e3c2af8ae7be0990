/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm plan|apply: the keys of /etc/pve/qemu-server/VMID.conf a passthrough VM
 * needs, written through the src/pve library (only the intended keys change)
 * or, on a live host, as one "qm set" command so Proxmox takes its own lock.
 *
 * vp_vm_build() works on text alone (unit tests); vp_vm_plan() gathers the
 * devices, companions, groups and other guests from the host first.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "host/session.h"
#include "kb/kb.h"
#include "plan/plan.h"
#include "pve/keys.h"

/* One hostpciN entry to add. */
struct vp_vm_dev {
	char host[40]; /* "0000:01:00" (all functions) or "0000:01:00.0" */
	uint16_t vendor, device;
	uint32_t class;		    /* of the entry's display function, else its first */
	const struct vp_kb_gpu *kb; /* NULL when not in the knowledge base */
	/*
	 * The host driver of the entry's display function (else its first),
	 * NULL when none; keep: every function of the entry is bound to a VFIO
	 * variant driver (kb/vfio.c), so the entry gets driver=keep.
	 */
	const char *driver;
	bool keep;
	uint64_t bar64; /* the entry's 64-bit memory BARs together, bytes */
	/*
	 * --vgpu: the mdev= type ("nvidia-1148"), NULL for a whole function.
	 * Such an entry is one function on its host driver: no x-vga, no
	 * driver=keep, no vga change (qemu-server PCI.pm parse_hostpci).
	 */
	const char *mdev;
};

/*
 * 64-bit BARs of at least this much together must go above 4 GiB, into the
 * window OVMF sizes from the guest's physical address bits (docs/vm.md).
 */
#define VP_VM_LARGE_BAR (4ULL << 30)

/* The host's hugepages of one size (sysfs hugepages-<kB>kB/), -1 unknown. */
struct vp_vm_hugepages {
	bool known;	     /* the sysfs directory was readable */
	bool has_1g, has_2m; /* the kernel offers the page size */
	long total_1g, free_1g, total_2m, free_2m;
	const char *where; /* "host node 1" or "the host" */
};

struct vp_vm_req {
	unsigned long vmid;
	const struct vp_vm_dev *devs;
	size_t ndevs;
	const char *mapping; /* one entry mapping=NAME instead of host addresses */
	bool primary_gpu;    /* the display GPU is the VM's primary display */
	int driver_version;  /* guest NVIDIA driver branch (465), 0 unknown */
	bool tune;
	bool ovmf;	       /* --ovmf: a SeaBIOS VM may be switched to OVMF */
	bool multi_node;       /* the host has more than one NUMA node */
	int host_nodes;	       /* how many (node0..nodeN-1 in sysfs); 0 unknown */
	int numa_node;	       /* the GPU's node, -1 unknown */
	const char *node_cpus; /* its local_cpulist */
	struct vp_vm_hugepages hp;
	/* usbN values to add ("host=10c4:ea60", "host=1-2,usb3=1"), with notes */
	const struct strv *usb;
	/* qemu-server's version from dpkg ("9.1.1"), NULL unknown: which keys exist */
	const char *qemu_server;
};

struct vp_vm_change {
	char *text; /* the new content */
	size_t len;
	struct strv keys, values; /* what was set, in order (qm set) */
	/*
	 * Volumes Proxmox must allocate (efidisk0, tpmstate0 as STORAGE:1,...):
	 * only "qm set" can; a file edit cannot, so there they are notes.
	 */
	struct strv alloc_keys, alloc_values;
	struct strv notes, refusals;
};

/* Plan the keys on the config text @old. Returns 0 or -ENOMEM. */
int vp_vm_build(const char *old, size_t oldlen, const struct vp_vm_req *r,
		struct vp_vm_change *out);
void vp_vm_change_free(struct vp_vm_change *c);

struct vp_vm_opts {
	unsigned long vmid;
	struct vp_bdf *devs;
	bool *slots;
	size_t ndevs;
	const char *mapping;
	bool primary_gpu, tune;
	bool take_host_device; /* --take-host-device: console, network, root disk */
	bool ovmf; /* switch a SeaBIOS VM to OVMF (the guest must boot by UEFI) */
	int driver_version;
	bool qm; /* a "qm set" command instead of the file edit (default on a live host)
		  */
	/*
	 * --usb: USB devices as VID:PID or B-P(.P) (usbN lines), or the PCI
	 * address of a USB controller (a hostpciN like --device).
	 */
	struct strv usb;
	/*
	 * --vgpu TYPE: one hostpciN with mdev=TYPE on the first function (of
	 * --device, or a PF's VFs, or the whole host) that can make it now.
	 */
	const char *vgpu;
};

/* The whole plan on a loaded host; refusals go into @p. */
int vp_vm_plan(struct vp_session *ses, const struct vp_vm_opts *o, struct vp_plan *p);

/* Read a whole file below the root; *out is NUL-terminated. */
int vp_vm_read_conf(struct vp_ctx *ctx, unsigned long vmid, char **out, size_t *len);
