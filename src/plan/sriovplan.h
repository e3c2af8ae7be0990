/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriov plan|apply: a persistent VF count for an SR-IOV physical function,
 * as a line of vfio-pilot's sysfsutils file (/etc/sysfs.d/vfio-pilot-sriov.conf)
 * written through src/plan (atomic, backup, undo).
 *
 * Why sysfsutils and not a udev rule: it is the way Proxmox's own
 * documentation (qm-pci-passthrough, SR-IOV) and i915-sriov-dkms make VFs
 * persistent, and it runs at boot after the PF's driver is loaded. A udev
 * rule on ACTION=="add" runs before a driver is bound, and writing
 * sriov_numvfs without a driver fails (drivers/pci/iov.c sriov_numvfs_store:
 * -ENOENT without a driver or its sriov_configure). Settings made the other
 * way (udev, /etc/sysfs.conf, another sysfs.d file) are detected and never
 * doubled.
 */
#pragma once

#include "host/sriov.h"
#include "plan/plan.h"

/*
 * The new content of vfio-pilot's file: @old (NULL when absent) with the line
 * for @addr set to @vfs, or removed when @vfs is 0. Other lines stay.
 */
int vp_sriov_conf_set(const char *old, const char *addr, unsigned int vfs, char **out);

int vp_sriov_plan(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_guests *g,
		  const char *addr, unsigned int vfs, struct vp_plan *p);
