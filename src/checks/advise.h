/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * advise: the question before passthrough. Seed 000's decision matrix as
 * data, applied to this host's GPUs, groups and cluster: full passthrough,
 * LXC /dev/dri (or an NVIDIA card's /dev/nvidia* nodes), an SR-IOV VF,
 * mediated vGPU, or not at all.
 */
#pragma once

#include "host/facts.h"
#include "host/host.h"

enum vp_path {
	VP_PATH_PASSTHROUGH,
	VP_PATH_LXC_DRI,
	VP_PATH_SRIOV_VF,
	VP_PATH_VGPU,
	VP_PATH_NONE,
	VP_PATH_LXC_GPU, /* a container with an NVIDIA card's own nodes (lxc --gpu) */
};
const char *vp_path_name(enum vp_path p);

struct vp_workload {
	const char *name;
	bool needs_vm;	   /* Windows, DirectX, anti-cheat, exclusive VRAM */
	bool container_ok; /* a Linux container with /dev/dri does the job */
	bool prefer_container;
	const char *why;
};
const struct vp_workload *vp_workload_find(const char *name);
extern const char *const vp_workload_names;

/* ---- the decision matrix as rows (checks/advise-rules.c) ---- */

/* What the rows look at, gathered once from the host and the workload. */
enum vp_fact {
	VP_FACT_DISPLAY = 1 << 0,	/* a display function (PCI class 03h) */
	VP_FACT_ONE_DISPLAY = 1 << 1,	/* exactly one */
	VP_FACT_IOMMU = 1 << 2,		/* IOMMU groups exist */
	VP_FACT_PT = 1 << 3,		/* a GPU that can leave the host (see pt) */
	VP_FACT_PT_GROUP_OK = 1 << 4,	/* ... alone in its group, or with its own card */
	VP_FACT_PT_KB_SRIOV = 1 << 5,	/* ... of a family with usable SR-IOV VFs */
	VP_FACT_PT_KB_VGPU = 1 << 6,	/* ... of a family with NVIDIA vGPU */
	VP_FACT_DRI = 1 << 7,		/* a GPU with a DRM render node */
	VP_FACT_NV_CT = 1 << 8,		/* an NVIDIA card on the nvidia driver */
	VP_FACT_VGPU_FREE = 1 << 9,	/* a function where a vGPU can be made now */
	VP_FACT_HA = 1 << 10,		/* the node runs HA resources */
	VP_FACT_CLUSTER = 1 << 11,	/* the node is in a cluster */
	VP_FACT_WL_VM = 1 << 12,	/* the workload needs a VM */
	VP_FACT_WL_CT_OK = 1 << 13,	/* a container does the job */
	VP_FACT_WL_PREFER_CT = 1 << 14, /* ... and is the better place */
};

struct vp_drm;
struct vp_kb_gpu;
struct vp_advise_facts {
	unsigned int bits; /* enum vp_fact */
	struct vp_ctx *ctx;
	const struct vp_host *h;
	const struct vp_workload *wl;
	const struct vp_drm *drm;
	struct vp_dev *pt;	    /* the GPU a VM would get: not the console while
				       another display exists, not a vGPU card */
	const struct vp_kb_gpu *kb; /* pt's knowledge-base row, or NULL */
	struct vp_dev *dri;	    /* vp_dri_gpu */
	struct vp_dev *nv;	    /* vp_nvidia_ct_gpu */
	struct vp_dev *vg;	    /* the first function where a vGPU can be made now */
	size_t nvg;		    /* how many such functions */
};

/* Which device of the facts a row's advice is about. */
enum vp_advise_dev {
	VP_ADV_DEV_NONE,
	VP_ADV_DEV_PT,
	VP_ADV_DEV_DRI,
	VP_ADV_DEV_NV,
	VP_ADV_DEV_VG,
	VP_ADV_DEV_RULE, /* a host-keeps row: the device of the row that sent it */
};

struct vp_advice;
struct vp_advise_rule {
	const char *id;
	/* The row holds when every bit of @must is a fact and none of @must_not. */
	unsigned int must, must_not;
	/*
	 * Passthrough is out and the host keeps its GPU: the path (NONE here)
	 * and the effort are the first host-keeps row's that holds (a
	 * container, else none).
	 */
	bool host_keeps;
	enum vp_path path;
	enum vp_advise_dev device;
	const char *effort; /* seed 000's expected setup time */
	/*
	 * Why, cautions and alternatives, after the path's own lines (the LXC
	 * preview). Host-keeps rows have none: the row that sent them speaks.
	 */
	void (*tell)(struct vp_advice *a, const struct vp_advise_facts *f);
	const char *reason; /* the row in one line */
	const char *source;
};

/* The rows in order (@host_keeps: the host-keeps rows); the last always holds. */
const struct vp_advise_rule *vp_advise_rules(bool host_keeps, size_t *n);
/* The first row of @t that holds for @facts. */
const struct vp_advise_rule *vp_advise_first(const struct vp_advise_rule *t, size_t n,
					     unsigned int facts);

struct vp_advice {
	const struct vp_workload *wl;
	enum vp_path path;
	struct vp_dev *device; /* the GPU the advice is about, or NULL */
	const char *effort;    /* seed 000's expected setup time */
	struct strv why;
	struct strv cautions;
	struct strv alternatives;
	struct strv lines; /* config lines to preview (LXC devN) */
	/* the row that decided, and the host-keeps row it led to (or NULL) */
	const struct vp_advise_rule *rule, *kept;
};

int vp_advise(struct vp_ctx *ctx, struct vp_host *h, const struct vp_workload *wl,
	      struct vp_advice *a);
void vp_advice_free(struct vp_advice *a);
