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

struct vp_advice {
	const struct vp_workload *wl;
	enum vp_path path;
	struct vp_dev *device; /* the GPU the advice is about, or NULL */
	const char *effort;    /* seed 000's expected setup time */
	struct strv why;
	struct strv cautions;
	struct strv alternatives;
	struct strv lines; /* config lines to preview (LXC devN) */
};

/* The GPU for LXC /dev/dri: one with a render node, the boot VGA first (or NULL). */
struct vp_drm;
struct vp_dev *vp_dri_gpu(const struct vp_host *h, const struct vp_drm *drm);
/* An NVIDIA display function on the nvidia driver, the boot VGA first (or NULL). */
struct vp_dev *vp_nvidia_ct_gpu(const struct vp_host *h);

int vp_advise(struct vp_ctx *ctx, struct vp_host *h, const struct vp_workload *wl,
	      struct vp_advice *a);
void vp_advice_free(struct vp_advice *a);
