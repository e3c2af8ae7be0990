/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session: what a command knows about one host besides the PCI model
 * (system facts, module state, guest configs) and the devices it is about.
 * doctor, the host and VM plans and groups all start from one; doctor adds
 * the kernel log and its findings on top (checks/doctor.h), the plans take
 * the session alone, so a plan never reads the journal nor depends on
 * doctor's state.
 */
#pragma once

#include "host/facts.h"
#include "host/host.h"
#include "host/select.h"

struct vp_session {
	struct vp_ctx *ctx;
	struct vp_host *h;
	struct vp_system sys;
	struct vp_kmods km;
	struct vp_guests guests;

	struct vp_dev **targets;
	size_t ntargets;
	struct strv target_why; /* one line per target: why it was chosen */
	struct vp_devset sel;	/* the targets and their companions (host/select.c) */
};

/* Load the system facts, module state and guest configs of @ctx's root. */
int vp_session_init(struct vp_session *s, struct vp_ctx *ctx, struct vp_host *h);
void vp_session_free(struct vp_session *s);
/*
 * Targets: the named functions (@slots[i]: every function of @want[i]'s
 * device), or without any the candidate GPUs, with the reason for each.
 * -ENODEV when a name matches no function.
 */
int vp_session_targets(struct vp_session *s, const struct vp_bdf *want, const bool *slots,
		       size_t n);
bool vp_session_is_target(const struct vp_session *s, const struct vp_dev *d);
/* Does @d go to a VM: a target, or a companion function of one? */
bool vp_session_goes(const struct vp_session *s, const struct vp_dev *d);
/* Functions that must go with @d, by vp_same_card() (host/select.c): a new array. */
int vp_session_companions(const struct vp_session *s, struct vp_dev *d,
			  struct vp_dev ***out, size_t *n);
/* Kernel facts from the knowledge base against the root's kernel: 1, 0, or -1 unknown. */
int vp_session_kernel_has(const struct vp_session *s, const char *fact);
