/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * usb map NAME DEV plan|apply: a USB device as a cluster resource mapping in
 * /etc/pve/mapping/usb.cfg (knowledge proxmox-formats.md §3.3), written
 * through the src/pve mapping library and src/plan (backup, undo).
 */
#pragma once

#include "host/usb.h"
#include "plan/plan.h"

/*
 * The map value for @d on @node: "node=N,id=vvvv:pppp", with ",path=B-P"
 * when @by_path (USB.pm: with a path the device is attached by port and the
 * id only detects a hardware change). Ids lower-case, as sysfs has them.
 */
char *vp_usb_map_value(const char *node, const struct vp_usb_dev *d, bool by_path);

int vp_usb_mapping_plan(struct vp_ctx *ctx, const char *name, const char *spec,
			struct vp_plan *p);
