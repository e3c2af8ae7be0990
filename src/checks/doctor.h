/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor: a table of small checks over the host model and facts. Each
 * finding has an id, a layer, a verdict, the evidence it read (file and
 * value) and, when something is to be done, the exact fix.
 */
#pragma once

#include "host/session.h"

enum vp_layer {
	VP_L_FIRMWARE,
	VP_L_KERNEL,
	VP_L_VFIO,
	VP_L_DEVICE,
	VP_L_VGPU, /* checks/vgpu.c: the vGPU host's setup */
	VP_L_PROXMOX,
	VP_L_COUNT,
};
const char *vp_layer_name(enum vp_layer l);
const char *vp_layer_title(enum vp_layer l);

enum vp_verdict {
	VP_V_OK,
	VP_V_WARN,
	VP_V_FAIL,
	VP_V_SKIP,
};
const char *vp_verdict_name(enum vp_verdict v);

struct vp_finding {
	const char *id;
	enum vp_layer layer;
	enum vp_verdict verdict;
	char *device; /* the target it is about, or NULL */
	char *summary;
	char *evidence;
	char *fix; /* NULL when nothing is to be done */
};

struct vp_vgpu_host;

/* doctor's state: the session (host/session.h), the kernel log, the findings. */
struct vp_doc {
	struct vp_session s;
	struct vp_klog klog;

	struct vp_finding *f;
	size_t nf;

	struct vp_vgpu_host *vgpu; /* checks/vgpu.c: read once, when first asked */
};

struct vp_check {
	const char *id;
	enum vp_layer layer;
	bool per_target;
	int (*run)(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *target);
};

/* Load the session and the kernel log; targets with vp_session_targets(&doc->s, ...). */
int vp_doc_init(struct vp_doc *doc, struct vp_ctx *ctx, struct vp_host *h,
		const char *kernel_log);
void vp_doc_free(struct vp_doc *doc);
int vp_doc_run(struct vp_doc *doc);

/*
 * Record a finding. @summary, @evidence and @fix are taken over (freed);
 * a NULL summary or evidence means an allocation failed.
 */
int vp_report(struct vp_doc *doc, const struct vp_check *c, const struct vp_dev *dev,
	      enum vp_verdict v, char *summary, char *evidence, char *fix);

/* Overall: 0 ready, 1 ready with warnings, 2 not ready (also the exit code). */
int vp_doc_overall(const struct vp_doc *doc);
const char *vp_overall_name(int overall);

/* The check tables of each layer (checks/<layer>.c). */
extern const struct vp_check vp_checks_firmware[];
extern const struct vp_check vp_checks_kernel[];
extern const struct vp_check vp_checks_vfio[];
extern const struct vp_check vp_checks_device[];
extern const struct vp_check vp_checks_vgpu[];
extern const struct vp_check vp_checks_proxmox[];

/* Checks of checks/lifecycle.c, entries of the layer tables above. */
int vp_check_last_starts(struct vp_doc *doc, const struct vp_check *c,
			 struct vp_dev *target);
/*
 * checks/pending.c: configured versus running; runs after every other check
 * (the last entry of the last table) as it marks the findings whose fix is
 * already in place and waits for the reboot.
 */
int vp_check_reboot_pending(struct vp_doc *doc, const struct vp_check *c,
			    struct vp_dev *target);
/* checks/upgrade.c: every installed kernel, not only the running one. */
int vp_check_upgrade_initramfs(struct vp_doc *doc, const struct vp_check *c,
			       struct vp_dev *target);
int vp_check_upgrade_modules(struct vp_doc *doc, const struct vp_check *c,
			     struct vp_dev *target);
int vp_check_upgrade_esp(struct vp_doc *doc, const struct vp_check *c,
			 struct vp_dev *target);
/*
 * checks/vgpu.c. Does @d stay on its host driver because it serves vGPUs (a
 * function offering vGPU types on nvidia, or a PF or VF of an SR-IOV card on
 * nvidia on a host set up for vGPU)? Then no check may send it to vfio-pci.
 * 1 yes, 0 no, -errno.
 */
int vp_doc_vgpu_keeps(struct vp_doc *doc, struct vp_dev *d);
/* Is this host set up for vGPU at all: 1, 0, or -errno. */
int vp_doc_vgpu_host(struct vp_doc *doc);
void vp_doc_vgpu_free(struct vp_doc *doc);
/* Is the kernel.reboot-pending finding a warning (changes wait for the boot)? */
bool vp_doc_reboot_pending(const struct vp_doc *doc);

/* Helpers shared by checks. */
/*
 * A fix on the kernel command line for this host's bootloader: @action is
 * "add intel_iommu=on to" or "remove intel_iommu=off from".
 */
char *vp_cmdline_fix(const struct vp_doc *doc, const char *action);
/* Evidence read from a device's sysfs attribute, as "<sysfs path of ATTR>: ...". */
char *vp_dev_ev(const struct vp_dev *d, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
