/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device nodes a container needs for one GPU's compute and media
 * engines, beyond /dev/dri: NVIDIA's /dev/nvidia* (the driver creates no
 * DRM render node without nvidia-drm, and CUDA/NVENC use its own nodes),
 * AMD's /dev/kfd (ROCm, OpenCL), and the facts around them: the NVIDIA
 * driver version the container's userland must match, the card's minor,
 * the majors in /proc/devices. Parsers are pure so the unit tests can feed
 * them real captured text.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "context.h"
#include "host/facts.h"
#include "host/host.h"
#include "util.h"

#define VP_PCI_VENDOR_NVIDIA 0x10de
#define VP_PCI_VENDOR_AMD    0x1002

/* kernel-open/common/inc/nv-chardev-numbers.h (NVIDIA open-gpu-kernel-modules). */
#define VP_NV_MAJOR		195
#define VP_NV_MINOR_MODESET	254
#define VP_NV_MINOR_CONTROL	255
#define VP_NV_MINOR_REGULAR_MAX 247

/* group(5) text: the gid of group @name, or -1 when absent or malformed. */
int vp_group_file_gid(const char *text, const char *name);

/* "Device Minor: \t 0" of /proc/driver/nvidia/gpus/ADDR/information, or -1. */
int vp_nvidia_info_minor(const char *text);

/*
 * The version in /proc/driver/nvidia/version's first line, both spellings:
 * "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  ..." and
 * "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  575.57.08  ...".
 * NULL when there is none (or on ENOMEM).
 */
char *vp_nvidia_proc_version(const char *text);

/* The character major of driver @name in /proc/devices text, or -1. */
int vp_proc_devices_major(const char *text, const char *name);

/* One node for the container: its host path and the container group it gets. */
struct vp_gpu_node {
	char *path;  /* as vp_display_path(VP_DEV, "nvidia0") shows it */
	bool render; /* the render group; else the video group */
};

struct vp_gpu_nodes {
	struct vp_gpu_node *v;
	size_t n;
	bool nvidia;
	char *nv_version;      /* the host driver's version, NULL unknown */
	char *nv_version_from; /* the file it was read from, as shown */
	int nv_minor;	       /* the card's /dev/nvidiaN, -1 unknown */
	bool nv_minor_assumed; /* not read from the driver's information file */
	struct strv notes;     /* what is missing and what that costs */
	struct strv refusals;  /* why no plan can be made */
};

/*
 * The nodes of GPU @d that exist under the root, in the order they are
 * written: NVIDIA: nvidiaN, nvidiactl, nvidia-uvm, nvidia-uvm-tools,
 * nvidia-modeset, nvidia-caps/nvidia-capN; AMD: the DRM nodes (render first; card
 * unless @render_only) and kfd; any other vendor: the DRM nodes.
 */
int vp_gpu_nodes_load(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_dev *d,
		      const struct vp_drm *drm, bool render_only, struct vp_gpu_nodes *g);
void vp_gpu_nodes_free(struct vp_gpu_nodes *g);

/*
 * The "MAJ:MIN" of host node @path (a vp_display_path of VP_DEV): the node's own
 * st_rdev when it is a character device under the root, else the driver's
 * numbers (sysfs dev files, /proc/devices and the fixed minors). NULL in
 * *out when they cannot be known.
 */
int vp_gpu_node_majmin(struct vp_ctx *ctx, const char *path, char **out);

/*
 * A GPU's nodes as the devN values of a container (pve-container
 * LXC/Config.pm $dev_desc): what lxc plan writes and advise previews.
 * Pure, so the line advise shows is the line the plan writes.
 */
struct vp_pve_lxc_dev;

/*
 * The DRM nodes of PCI function @addr: renderD* with the render gid, and
 * card* with the video gid unless @render_only. The path is /dev/dri/NAME
 * as the container host names it. -ENOENT when the function has no render
 * node.
 */
int vp_lxc_wanted(const struct vp_drm *drm, const char *addr, bool render_only,
		  struct vp_pve_lxc_dev **out, size_t *n);
void vp_lxc_wanted_free(struct vp_pve_lxc_dev *v, size_t n);

/* lxc --gpu: the nodes of vp_gpu_nodes_load, each with the render or video gid. */
int vp_lxc_gpu_wanted(const struct vp_gpu_nodes *g, int render_gid, int video_gid,
		      struct vp_pve_lxc_dev **out, size_t *n);

/*
 * The GPU for LXC /dev/dri, advise's pick and lxc plan's default: one with
 * a render node, the boot VGA first (or NULL).
 */
struct vp_dev *vp_dri_gpu(const struct vp_host *h, const struct vp_drm *drm);
/* An NVIDIA display function on the nvidia driver, the boot VGA first (or NULL). */
struct vp_dev *vp_nvidia_ct_gpu(const struct vp_host *h);
