/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host plan: the kernel command line, VFIO binding and initramfs for the targets. */
#pragma once

#include "host/session.h"
#include "plan/plan.h"

struct vp_host_opts {
	struct vp_bdf *devs; /* --device; none: doctor's candidate GPUs */
	bool *slots;
	size_t ndevs;
	struct vp_bdf
		*include; /* --include-group: unrelated group members to give away too */
	size_t ninclude;
	bool take_host_device; /* --take-host-device: allow console / network / root disk
				*/
	bool acs_override, unsafe_interrupts, fb_off, disable_idle_d3, ignore_msrs;
	bool adopt;   /* --adopt: move other tools' conflicting lines into ours, fixed */
	bool release; /* host release: the devices are taken back from vfio-pci */
};

int vp_host_plan(struct vp_session *ses, const struct vp_host_opts *o, struct vp_plan *p);

/*
 * host status: every passthrough setting on the host (vfio-pilot's and other
 * tools'), and the devices they give to vfio-pci, as text or JSON.
 */
int vp_host_status(struct vp_session *ses, FILE *f);
