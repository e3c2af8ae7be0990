/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host model: plain structs filled by the readers in src/host/.
 *
 * A value is either read from the host or recorded as unknown together with
 * the reason (vp_dev.unknown); nothing is guessed. Devices are always kept
 * sorted by domain:bus:device.function.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "util.h"

struct vp_bdf {
	uint32_t domain;
	uint8_t bus, dev, fn;
};

/* "0000:01:00.0", "01:00.0"; with @slot_ok also "01:00" (all functions). */
int vp_bdf_parse(const char *s, struct vp_bdf *out, bool *all_functions, bool slot_ok);
int vp_bdf_cmp(const struct vp_bdf *a, const struct vp_bdf *b);
/* Same domain, bus and device: functions of one PCI device. */
bool vp_bdf_same_slot(const struct vp_bdf *a, const struct vp_bdf *b);
/*
 * Do two addresses as people write them ("0000:01:00", "01:00.0") name a
 * common function? A slot covers all its functions; unparsable is false.
 */
bool vp_bdf_ids_overlap(const char *a, const char *b);

enum vp_state {
	VP_UNKNOWN = 0,
	VP_ABSENT,
	VP_PRESENT,
};

enum vp_kind {
	VP_KIND_DISPLAY,
	VP_KIND_AUDIO,
	VP_KIND_USB,
	VP_KIND_NETWORK,
	VP_KIND_STORAGE,
	VP_KIND_BRIDGE,
	VP_KIND_OTHER,
};
const char *vp_kind_name(enum vp_kind k);
int vp_kind_from_name(const char *s, enum vp_kind *out);
enum vp_kind vp_kind_of_class(uint32_t class24);

struct vp_bar {
	uint8_t index; /* 0-5, 6 = expansion ROM */
	uint64_t size;
	bool io, mem64, prefetch;
};

struct vp_rebar_bar {
	uint8_t bar;	    /* BAR index, PCIe r6.0 7.8.6.3 bits 2:0 */
	int cur_log2_mb;    /* current size as log2(MiB), bits 13:8 */
	uint32_t supported; /* bit n set: 2^n MiB supported (capability bits 31:4) */
};

/*
 * vGPU types a function offers. Two kernel interfaces exist:
 * - NVIDIA's own on kernels >= 6.8 (vGPU 17+, Ada and later): each SR-IOV
 *   VF of a PF on the nvidia driver has nvidia/creatable_vgpu_types ("ID :
 *   vGPU Name" then "<id> : <name>" lines) and nvidia/current_vgpu_type
 *   (0 = none). Proxmox names the type "nvidia-<id>" (qemu-server
 *   PCI/Mdev.pm get_mdev_types) and writes the id at VM start.
 * - mediated devices (drivers/vfio/mdev): mdev_supported_types/<type>/ with
 *   name, available_instances, description, device_api.
 */
enum vp_vgpu_iface {
	VP_VGPU_NONE = 0,
	VP_VGPU_NVIDIA, /* nvidia/creatable_vgpu_types on a VF */
	VP_VGPU_MDEV,	/* mdev_supported_types/ */
};
const char *vp_vgpu_iface_name(enum vp_vgpu_iface i);

struct vp_vgpu_type {
	char *type;	   /* what hostpciN mdev= takes: "nvidia-1148", "nvidia-63",
			      "i915-GVTg_V5_4" */
	unsigned int id;   /* NVIDIA's numeric id; 0 for other mdev types */
	char *name;	   /* "NVIDIA L40S-2Q"; NULL when the kernel gives none */
	int available;	   /* instances that can still be made; -1 unknown */
	char *description; /* mdev only, as the driver wrote it */
};

struct vp_vgpu {
	enum vp_vgpu_iface iface;
	struct vp_vgpu_type *types; /* in the kernel's order */
	size_t ntypes;
	unsigned int current; /* NVIDIA: current_vgpu_type, 0 = none */
	int instances;	      /* mdev: instances made on this parent, -1 unknown */
};

/*
 * Parse nvidia/creatable_vgpu_types. The header line is optional (the
 * open-gpu-kernel-modules and nvidia-vgpu-vfio texts differ); a line that is
 * neither header nor "<id> : <name>" is -EBADMSG. Appends to @v.
 */
int vp_vgpu_parse_creatable(const char *text, struct vp_vgpu *v);
void vp_vgpu_clear(struct vp_vgpu *v);
/* The type of @v called @want ("nvidia-1148", "1148", "NVIDIA L40S-2Q", "L40S-2Q"), or
 * NULL: the exact type name first, then NVIDIA's id, then the name. */
const struct vp_vgpu_type *vp_vgpu_find(const struct vp_vgpu *v, const char *want);
/*
 * The type of @v whose name is exactly @type ("nvidia-1148", "i915-GVTg_V5_4"),
 * as hostpciN mdev= names it and qemu-server compares it, or NULL.
 */
const struct vp_vgpu_type *vp_vgpu_find_type(const struct vp_vgpu *v, const char *type);
/* The type of @v whose NVIDIA id is @id, or NULL (also for 0: no type). */
const struct vp_vgpu_type *vp_vgpu_by_id(const struct vp_vgpu *v, unsigned int id);

/* Host-critical roles (rule 2 of the brief). */
enum {
	VP_CRIT_CONSOLE = 1 << 0,  /* boot VGA: the host console */
	VP_CRIT_NETWORK = 1 << 1,  /* carries the default route or a bridge port */
	VP_CRIT_ROOTDISK = 1 << 2, /* controller of the root filesystem's disk */
};

struct vp_dev {
	struct vp_bdf bdf;
	char addr[16]; /* "0000:01:00.0" */
	char *syspath; /* canonical path below the root: "sys/devices/pci0000:00/..." */

	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class; /* base, sub, prog-if (24 bits, as in sysfs "class") */
	uint8_t rev;
	char *vendor_name, *device_name, *subsys_name, *class_name;
	enum vp_kind kind;

	/* Header type 1: a bridge or PCIe port. */
	bool is_bridge;
	uint8_t secondary_bus, subordinate_bus;
	struct vp_dev *parent; /* upstream bridge, NULL on a root bus */

	char *driver;	       /* bound driver, NULL when none is bound */
	char *driver_override; /* NULL when unset */
	char *modalias;
	struct strv modules; /* modules whose aliases match modalias */

	int iommu_group; /* -1: no group */
	int numa_node;	 /* -1: no node */
	char *local_cpulist;
	int boot_vga;		   /* 1/0, -1 when the kernel has no boot_vga file */
	struct strv reset_methods; /* in the kernel's order */
	enum vp_state reset;	   /* can the kernel reset it at all */
	char *power_state;
	int d3cold_allowed; /* -1 unknown */

	struct vp_bar bars[7];
	size_t nbars;

	/* Config space as read: 64 bytes for non-root, 256 or 4096 for root. */
	size_t cfg_len;
	enum vp_state caps_readable;  /* standard capability list */
	enum vp_state ecaps_readable; /* extended capabilities (PCIe, 4096 bytes) */

	enum vp_state pcie;
	uint8_t pcie_type; /* PCI_EXP_TYPE_* from the PCIe capability */
	enum vp_state flr; /* PCIe DevCap bit 28 (PCIe r6.0 7.5.3.3) */
	char *link_speed, *link_width, *max_link_speed, *max_link_width;
	enum vp_state pm;
	bool no_soft_reset; /* PM control/status NoSoftRst (PCI PM 1.2 3.2.4) */

	enum vp_state acs;
	uint16_t acs_cap, acs_ctrl;

	enum vp_state rebar;
	struct vp_rebar_bar rebar_bars[6];
	size_t nrebar;

	enum vp_state sriov;
	unsigned int sriov_total, sriov_num;
	uint16_t sriov_vf_device;
	struct strv virtfn; /* addresses of enabled VFs */
	char *physfn;	    /* for a VF: the PF's address */

	struct vp_vgpu vgpu; /* read with the details */

	unsigned int critical; /* VP_CRIT_* */
	struct strv critical_why;

	/* "field: reason" for every value that could not be read. */
	struct strv unknown;

	/* Filled by the group analysis. */
	int unit; /* index of the physical card within its group, -1 for bridges */

	/*
	 * false while BARs, driver_override, local_cpulist, reset, power, link
	 * and SR-IOV are still unread (a context with dev_details_lazy):
	 * vp_dev_details().
	 */
	bool details;
	bool names; /* pci.ids names looked up: vp_dev_names() */
	void *pdev; /* libpci's struct pci_dev, alive as long as the context */
};

/* Where two parts of a group meet without ACS isolation. */
struct vp_gap {
	struct vp_dev *bridge; /* the port or bridge; NULL for the root complex */
	char *why;	       /* "no ACS capability", "ACS control lacks RR CR" ... */
};

enum vp_group_verdict {
	VP_GROUP_ISOLATED,     /* one function */
	VP_GROUP_COMPANIONS,   /* one card: its functions (HDMI audio, USB-C) */
	VP_GROUP_SHARED,       /* endpoints of more than one card */
	VP_GROUP_BRIDGES_ONLY, /* host bridges and ports, nothing to pass */
};
const char *vp_group_verdict_name(enum vp_group_verdict v);

struct vp_group {
	int id;
	struct vp_dev **members; /* sorted by address */
	size_t n;
	size_t nunits;	  /* physical cards among the endpoints */
	int primary_unit; /* the card the verdict is told from (a GPU first) */
	enum vp_group_verdict verdict;
	struct vp_gap *gaps; /* for SHARED: the bridges that join the cards */
	size_t ngaps;
};

struct vp_host {
	struct vp_dev **devs; /* sorted by address */
	size_t ndevs;

	struct vp_group *groups; /* sorted by id */
	size_t ngroups;

	/* IOMMU: the registered units (dmar0, ivhd0) and, without groups, why. */
	struct strv iommus;
	char *no_iommu_why;
	/*
	 * pcie_acs_override=... on the command line: the Proxmox kernel's
	 * out-of-tree patch then splits groups the hardware does not isolate.
	 */
	char *acs_override;

	/* Host-critical detection notes, e.g. why the root disk is unknown. */
	struct strv notes;
};

/* Read everything: PCI devices, groups, host-critical roles. */
int vp_host_load(struct vp_ctx *ctx, struct vp_host **out);
void vp_host_free(struct vp_host *h);
static inline void vp_host_freep(struct vp_host **h)
{
	vp_host_free(*h);
}

struct vp_dev *vp_host_find(const struct vp_host *h, const struct vp_bdf *bdf);
struct vp_dev *vp_host_find_addr(const struct vp_host *h, const char *addr);
struct vp_group *vp_host_group(const struct vp_host *h, int id);

/* The readers, each its own file. */
int vp_pci_scan(struct vp_ctx *ctx, struct vp_host *h); /* host/pci.c */
/*
 * Read what a lazy scan left out for @d: BARs, driver_override, local_cpulist,
 * reset, power, link and SR-IOV. Names come apart, from vp_dev_names().
 */
int vp_dev_details(struct vp_ctx *ctx, struct vp_dev *d); /* host/pci.c */
/* pci.ids names of @d, when a lazy scan has not looked them up. */
void vp_dev_names(struct vp_ctx *ctx, struct vp_dev *d); /* host/pci.c */
void vp_pci_decode_caps(struct vp_ctx *ctx, struct vp_dev *d,
			void *pdev);			     /* host/caps.c */
int vp_iommu_load(struct vp_ctx *ctx, struct vp_host *h);    /* host/iommu.c */
int vp_critical_load(struct vp_ctx *ctx, struct vp_host *h); /* host/critical.c */
int vp_modules_match(struct vp_ctx *ctx, struct vp_host *h); /* host/modules.c */
/* vGPU types of the function whose sysfs directory is @dfd (host/vgpu.c). */
int vp_vgpu_read(struct vp_dev *d, int dfd);
/*
 * The functions where @d's vGPUs are made, one per call (host/vgpu.c): @d
 * itself when it has a vGPU interface, else each of its SR-IOV VFs that has
 * one, in virtfnN order. @d is a function of @h whose and whose VFs'
 * details are read (vgpu comes with them); *@pos starts at 0. NULL after
 * the last.
 */
struct vp_dev *vp_vgpu_next(const struct vp_host *h, const struct vp_dev *d, size_t *pos);
/*
 * vGPU facts shared by vm plan --vgpu and vm lint (host/vgpu.c). The
 * functions' details (vp_dev_details) must be read.
 */
/* The card of a VF (its PF), else @d itself. */
const struct vp_dev *vp_vgpu_card(const struct vp_host *h, const struct vp_dev *d);
/*
 * The vGPU type @want names on @d's model: @d's own list first, then that
 * of any function with the same vendor:device. An NVIDIA VF lists only what
 * fits beside the vGPUs its card runs, another card of the model the whole
 * table. @exact: @want is the type as mdev= writes it (Proxmox takes it
 * verbatim), else as vp_vgpu_find() matches it. NULL when none knows it.
 */
const struct vp_vgpu_type *vp_vgpu_known(const struct vp_host *h, const struct vp_dev *d,
					 const char *want, bool exact);
/*
 * Can Proxmox make @type on @d at VM start: NVIDIA, listed in
 * creatable_vgpu_types and current_vgpu_type 0 (or, with @current_ok, that
 * very type: create_nvidia_device then leaves it); mdev, available_instances
 * of the type at least 1 (qemu-server PCI/Mdev.pm).
 */
bool vp_vgpu_creatable(const struct vp_dev *d, const char *type, bool current_ok);
/*
 * The vGPUs the VFs of @d's card run, @d left out: "NVIDIA L40S-2Q
 * (nvidia-1148) on 0000:18:00.4" and, from @who (may be NULL; plans pass
 * the guest config that names that VF), ", <who>"; joined by ", ". NULL
 * when none (or on -ENOMEM: *err set).
 */
char *vp_vgpu_running(const struct vp_host *h, const struct vp_dev *d,
		      const char *(*who)(const void *data, const char *addr),
		      const void *data, int *err);
/* "NVIDIA L40S-2Q (nvidia-1148)", or the type alone when it has no name. */
char *vp_vgpu_type_label(const struct vp_vgpu_type *t);
/* The types @n functions list, each once: "NVIDIA L40S-2Q (nvidia-1148), ..."; "none". */
char *vp_vgpu_offered(struct vp_dev *const *c, size_t n);

/* Record that @field of @d could not be read, and why. */
int vp_dev_unknown(struct vp_dev *d, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The reason recorded for @field, or NULL when it was read. */
const char *vp_dev_unknown_why(const struct vp_dev *d, const char *field);

/* ACS as libvirt and the kernel's REQ_ACS_FLAGS judge it: SV, RR, CR, UF all set. */
bool vp_acs_isolates(const struct vp_dev *d);
/* "no ACS capability", "ACS control lacks RR CR", "unknown: ..." into a new string. */
char *vp_acs_describe(const struct vp_dev *d);
const char *vp_pcie_type_name(uint8_t type);

/*
 * Why the card @from_unit of @g is not alone: the ports and bridges without
 * ACS isolation between it and each other card of the group.
 */
int vp_group_explain(const struct vp_group *g, int from_unit, struct vp_gap **gaps,
		     size_t *ngaps);
void vp_gaps_free(struct vp_gap *gaps, size_t n);
