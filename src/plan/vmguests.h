/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The other VMs of the node, for vm plan: running state as qemu-server
 * sees it, and their hold on the devices being planned.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/session.h"
#include "plan/plan.h"
#include "pve/mapping.h"

/*
 * Is VM @vmid running? 1 running (*pid set), 0 not, -ENOENT when the root
 * has no qemu-server run directory (the state cannot be known), -ENOMEM.
 */
int vp_vm_running(struct vp_ctx *ctx, unsigned long vmid, long *pid);

/* The node's name as Proxmox uses it (etc/hostname up to the first dot), or NULL. */
char *vp_vm_node_name(struct vp_ctx *ctx);

/* The path= addresses of mapping @id's maps for @node, each "a;b" split, added to @out.
 */
int vp_vm_map_paths(const struct vp_pve_mapping *m, const char *id, const char *node,
		    struct strv *out);

struct vp_vm_guest_scan {
	struct vp_session *ses; /* its guests: containers' devN */
	struct vp_ctx *ctx;
	const struct vp_vm_opts *o; /* the VM planned (skipped) and --mapping */
	struct vp_dev **sel;	    /* the functions planned */
	size_t nsel;
	const struct vp_pve_mapping *map; /* pci.cfg, NULL when none */
	const char *node;
	struct vp_plan *p; /* notes and refusals go here */
};

/*
 * Other guests that hold the devices or the mapping: a container's devN is
 * refused; a VM's live hostpciN is refused while that VM runs (a note when
 * it is stopped, or holds it through a pool mapping); [PENDING] and
 * snapshot hostpciN are notes naming the VM, section and key.
 */
int vp_vm_check_guests(const struct vp_vm_guest_scan *s);

/* A function another guest's config names. */
struct vp_vm_claim {
	char *host; /* "0000:18:00.4", a slot, or a path of a mapping on this node */
	char *mdev; /* the entry's mdev=, NULL when none */
	char *who;  /* "VM 100's hostpci0 (0000:18:00.4,mdev=nvidia-1148,pcie=1)" */
};

struct vp_vm_claims {
	struct vp_vm_claim *v;
	size_t n;
};

/*
 * Every function the other guests' configs name, whether they run or not:
 * containers' devN and the live, [PENDING] and snapshot hostpciN of every VM
 * but s->o->vmid (a mapping's paths on this node included), found as
 * vp_vm_check_guests finds them. s->sel and s->p are not used.
 */
int vp_vm_guest_claims(const struct vp_vm_guest_scan *s, struct vp_vm_claims *out);
/* The first claim on a function @addr is or shares (a slot covers its functions). */
const struct vp_vm_claim *vp_vm_claim_find(const struct vp_vm_claims *c,
					   const char *addr);
void vp_vm_claims_free(struct vp_vm_claims *c);
