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

/*
 * vGPU facts shared by vm plan --vgpu and vm lint. The functions' details
 * (vp_dev_details) must be read.
 */
/* The card of a VF (its PF), else @d itself. */
const struct vp_dev *vp_vm_vgpu_card(const struct vp_host *h, const struct vp_dev *d);
/*
 * The vGPU type @want names on @d's model: @d's own list first, then that
 * of any function with the same vendor:device. An NVIDIA VF lists only what
 * fits beside the vGPUs its card runs, another card of the model the whole
 * table. @exact: @want is the type as mdev= writes it (Proxmox takes it
 * verbatim), else as vp_vgpu_find() matches it. NULL when none knows it.
 */
const struct vp_vgpu_type *vp_vm_vgpu_known(const struct vp_host *h,
					    const struct vp_dev *d, const char *want,
					    bool exact);
/*
 * Can Proxmox make @type on @d at VM start: NVIDIA, listed in
 * creatable_vgpu_types and current_vgpu_type 0 (or, with @current_ok, that
 * very type: create_nvidia_device then leaves it); mdev, available_instances
 * of the type at least 1 (qemu-server PCI/Mdev.pm).
 */
bool vp_vm_vgpu_creatable(const struct vp_dev *d, const char *type, bool current_ok);
struct vp_vm_claims;
/*
 * The vGPUs the VFs of @d's card run, @d left out: "NVIDIA L40S-2Q
 * (nvidia-1148) on 0000:18:00.4" and, from @claims (may be NULL), the
 * config that names that VF; joined by ", ". NULL when none (or on -ENOMEM:
 * *err set).
 */
char *vp_vm_vgpu_running(const struct vp_host *h, const struct vp_dev *d,
			 const struct vp_vm_claims *claims, int *err);
/* The types @n functions list, each once: "NVIDIA L40S-2Q (nvidia-1148), ..."; "none". */
char *vp_vm_vgpu_offered(struct vp_dev *const *c, size_t n);
