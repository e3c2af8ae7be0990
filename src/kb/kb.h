/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The knowledge base: facts about GPU families and kernels as data, compiled
 * in, every row with its source. Checks look facts up here; no check keeps
 * its own list of device ids.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vp_reset_class {
	VP_RESET_OK,	       /* FLR or bus reset works in practice */
	VP_RESET_VENDOR_RESET, /* AMD reset bug that gnif/vendor-reset handles
				  (reset_method device_specific) */
	VP_RESET_UNRELIABLE, /* works for many, reported unreliable (e.g. Navi 3x FLR) */
	VP_RESET_BUG_NO_FIX, /* known reset bug with no kernel or vendor-reset fix
				(Blackwell, Navi 4x) */
	VP_RESET_NONE, /* no usable reset at all (AMD APU iGPUs): once per host boot */
	VP_RESET_UNKNOWN,
};
const char *vp_reset_class_name(enum vp_reset_class c);

enum vp_gpu_role {
	VP_GPU_DISCRETE,   /* add-in card with display outputs */
	VP_GPU_COMPUTE,	   /* datacenter / 3D controller without display outputs */
	VP_GPU_INTEGRATED, /* iGPU / APU graphics */
	VP_GPU_AUDIO,	   /* a GPU's HDMI/DP audio function */
	VP_GPU_SWITCH,	   /* a card's internal PCIe switch port */
};

struct vp_kb_gpu {
	uint16_t vendor;
	uint16_t first, last;	 /* device id range, inclusive; usually first == last */
	const char *vendor_name; /* "NVIDIA", "AMD", "Intel" */
	const char *family; /* "Blackwell GB202", "Navi 10", "Arc Alchemist DG2-G11" */
	const char *generation; /* stable id: "blackwell", "ada", "navi10", "dg2",
				   "raphael", ... */
	const char *models;	/* "GeForce RTX 5090" */
	enum vp_gpu_role role;
	enum vp_reset_class reset;
	bool vendor_reset;	 /* in gnif/vendor-reset's device table */
	bool cpuid_hiding;	 /* the guest driver needs the hypervisor hidden */
	bool hide_hypervisor;	 /* ... including -hypervisor (Intel Arc) */
	bool code43_before_r465; /* NVIDIA consumer: Code 43 with drivers before R465 */
	bool guest_open_module;	 /* the guest needs NVIDIA's open kernel module */
	bool d3cold_trouble; /* fails to wake from D3cold: vfio-pci disable_idle_d3=1 */
	bool needs_romfile;  /* needs a vBIOS romfile (+ AMDGopDriver for APUs) */
	bool large_bar;	     /* BARs beyond 4 GiB: Above 4G decoding required */
	bool sriov;	     /* SR-IOV virtual functions usable for VMs */
	/* the out-of-tree driver SR-IOV needs on the host ("i915-sriov-dkms"), or NULL */
	const char *sriov_oot;
	bool vgpu;	      /* NVIDIA mediated vGPU (licensed) */
	bool internal_switch; /* the card carries its own PCIe switch */
	const char *note;     /* one line on what to expect, or NULL */
	const char *source;   /* where the facts come from */
};

/* The row for a vendor:device, or NULL when the id is not in the table. */
const struct vp_kb_gpu *vp_kb_gpu_lookup(uint16_t vendor, uint16_t device);

/*
 * What a guest's GPU driver needs hidden from it: the one rule behind
 * cpu-args, vm plan, vm lint and guest check (kb/hiding.c).
 */
enum vp_hiding {
	VP_HIDE_NONE,
	VP_HIDE_KVM,	/* kvm=off (cpu hidden=1): the KVM signature, CPUID 0x40000000 */
	VP_HIDE_KVM_HV, /* and -hypervisor: CPUID leaf 1 ECX bit 31 (Intel Arc) */
};
/* NVIDIA's driver release from which GeForce cards run in a VM (April 2021). */
#define VP_NV_VM_RELEASE 465
/*
 * For the card @kb (NULL: unknown, nothing) and a guest driver release
 * @driver_version (NVIDIA's major, 0 when not known: the current drivers).
 */
enum vp_hiding vp_kb_hiding(const struct vp_kb_gpu *kb, int driver_version);
/* Could some guest driver of @kb need hiding (an old NVIDIA driver counts)? */
bool vp_kb_hiding_possible(const struct vp_kb_gpu *kb);
size_t vp_kb_gpu_count(void);
const struct vp_kb_gpu *vp_kb_gpu_at(size_t i);

/* Kernel facts with the version they changed in. */
struct vp_kb_kernel {
	const char
		*id; /* "reset_method", "vfio_virqfd_merged", "pve_intel_iommu_default" */
	int major, minor; /* first kernel version with the change */
	const char *what;
	const char *source;
};
const struct vp_kb_kernel *vp_kb_kernel_fact(const char *id);
size_t vp_kb_kernel_count(void);
const struct vp_kb_kernel *vp_kb_kernel_at(size_t i);
/*
 * Is the kernel release @kver ("6.8.12-4-pve") at least the version of fact
 * @id? 1 yes, 0 no, -EINVAL when kver cannot be parsed or id is unknown.
 */
int vp_kb_kernel_has(const char *kver, const char *id);

/*
 * VFIO variant drivers: PCI drivers built on vfio-pci-core that serve VFIO
 * themselves (drivers/vfio/pci/<vendor>/, or a vendor's own module). A device
 * bound to one is passed as it is, with hostpciN ...,driver=keep (qemu-server
 * 9.0.25); binding it to vfio-pci instead loses what the variant adds.
 */
struct vp_kb_vfio_variant {
	const char *driver; /* the name in /sys/bus/pci/drivers */
	bool migration;	    /* implements VFIO migration (mig_ops) */
	const char *what;
	const char *source;
};
/*
 * The row for @driver; a name not in the table that ends in "_vfio_pci" or
 * "-vfio-pci" (the kernel's naming of every in-tree variant) gets a generic
 * row with migration unknown (false). NULL for vfio-pci itself, an ordinary
 * host driver and NULL.
 */
const struct vp_kb_vfio_variant *vp_kb_vfio_variant(const char *driver);
/* Is @driver a VFIO driver at all: vfio-pci or a variant? */
bool vp_kb_vfio_driver(const char *driver);
size_t vp_kb_vfio_variant_count(void);
const struct vp_kb_vfio_variant *vp_kb_vfio_variant_at(size_t i);
