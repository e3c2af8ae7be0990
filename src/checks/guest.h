/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest check: run inside a Linux VM (or on a copy of its /sys and /proc
 * through --root), it tells whether the passed GPU works there and, when
 * not, what to change on the Proxmox host. guest script --windows prints a
 * PowerShell probe whose output explain reads (docs/sriov-usb-guest.md).
 */
#pragma once

#include <stdint.h>

#include "checks/doctor.h"
#include "kb/kb.h"

struct vp_guest_gpu {
	char addr[16];
	uint16_t vendor, device;
	uint32_t class;
	char *driver; /* NULL when none is bound */
	int numa_node;
	const struct vp_kb_gpu *kb;
};

struct vp_guest_finding {
	const char *id; /* "guest.driver", ... */
	enum vp_verdict verdict;
	char device[16]; /* "" when about the VM */
	char *summary, *evidence, *fix;
};

struct vp_guest_report {
	struct vp_guest_gpu *gpus;
	size_t ngpus;
	struct vp_guest_finding *findings;
	size_t n;
};

/* Is vendor:device one of QEMU's emulated display adapters? */
bool vp_guest_emulated_display(uint16_t vendor, uint16_t device);

/*
 * The NVIDIA module flavour from /proc/driver/nvidia/version's first line:
 * 1 open, 0 proprietary, -1 unknown.
 */
int vp_guest_nvidia_open(const char *banner);

int vp_guest_check(struct vp_ctx *ctx, struct vp_guest_report *rep);
void vp_guest_report_free(struct vp_guest_report *rep);
/* 0 all ok, 1 warnings, 2 failures (also the exit code). */
int vp_guest_overall(const struct vp_guest_report *rep);

/* The PowerShell probe for Windows guests. */
extern const char vp_guest_windows_probe[];
