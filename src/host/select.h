/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device selection: what an operator names (an address or a slot) -> the
 * functions that leave the host with it, and the refusals about them.
 *
 * Every command that gives devices away or judges them (bind, host plan,
 * vm plan, mapping plan, doctor, vm lint, groups) goes through here, so
 * "which functions are one card" is decided in one place: vp_same_card().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/host.h"

/* What the operator named: one function, or with @slot every function of a device. */
struct vp_devspec {
	struct vp_bdf bdf;
	bool slot;
};

/* "0000:01:00.0", "01:00.0", or (a slot) "01:00"; -EINVAL otherwise. */
int vp_devspec_parse(const char *s, struct vp_devspec *out);
bool vp_devspec_match(const struct vp_devspec *s, const struct vp_dev *d);
/*
 * The functions @s names, in address order, as a run of h->devs (which is
 * sorted): *first and the count returned. 0 when none.
 */
size_t vp_devspec_find(const struct vp_host *h, const struct vp_devspec *s,
		       size_t *first);

/*
 * THE companion rule: are @a and @b functions of one physical card?
 * See select.c for the rule and its sources. @ctx may be NULL (an
 * imported listing); it is used to learn whether a function is an SR-IOV
 * VF when a lazy scan has not read that yet.
 */
bool vp_same_card(struct vp_ctx *ctx, const struct vp_host *h, struct vp_dev *a,
		  struct vp_dev *b);
/* An SR-IOV virtual function (its physfn link; read now on a lazy scan). */
bool vp_dev_is_vf(struct vp_ctx *ctx, struct vp_dev *d);
/* A host bridge, PCI bridge or PCIe port: never a passthrough target. */
bool vp_dev_is_bridge(const struct vp_dev *d);
/*
 * The companions of @d: every other endpoint of its card, in address
 * order, into a new array (*out, freed by the caller; NULL when none).
 */
int vp_companions(struct vp_ctx *ctx, const struct vp_host *h, struct vp_dev *d,
		  struct vp_dev ***out, size_t *n);

struct vp_select_opts {
	/* --take-host-device (bind: --force): allow console, network, root disk */
	bool take_host_device;
	const char *take_flag; /* how the override is spelt for this command */
	/*
	 * --include-group: members of another card in a target's group that
	 * the operator gives away too. @include_flag NULL: the command has no
	 * such override, and a shared group is refused outright.
	 */
	const struct vp_bdf *include;
	size_t ninclude;
	const char *include_flag;
};

/* One list of devices: heap-sized, never truncated. */
struct vp_devlist {
	struct vp_dev **v;
	size_t n;
};
int vp_devlist_add(struct vp_devlist *l, struct vp_dev *d);
bool vp_devlist_has(const struct vp_devlist *l, const struct vp_dev *d);
void vp_devlist_sort(struct vp_devlist *l);

struct vp_devset {
	struct vp_devlist targets;    /* named by the operator */
	struct vp_devlist companions; /* the other functions of the targets' cards */
	struct vp_devlist included;   /* other cards' group members, by --include-group */
	/* Each names the device and why, and the override that would allow it. */
	struct strv refusals;
	struct strv warnings; /* taken with an override: what the host loses */
	struct strv notes;
	size_t missing; /* devspecs that named no function on this host */
};
void vp_devset_free(struct vp_devset *s);
/* Does @d leave the host with the set: a target, companion or included member? */
bool vp_devset_goes(const struct vp_devset *s, const struct vp_dev *d);
/* Every function that goes, sorted by address, into a new array. */
int vp_devset_all(const struct vp_devset *s, struct vp_devlist *out);

/*
 * The refusals about @d alone, for a device reached another way (a
 * cluster mapping): a bridge, or a device the host needs (a warning with
 * the override).
 */
int vp_select_judge(const struct vp_select_opts *o, const struct vp_dev *d,
		    struct vp_devset *s);
/* Targets from @specs, then vp_select_devs(). */
int vp_select(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_devspec *specs,
	      size_t n, const struct vp_select_opts *o, struct vp_devset *out);
/*
 * Targets already chosen (doctor's candidates): add their companions and
 * judge the set. @out->targets is filled by the caller, or from @devs.
 */
int vp_select_devs(struct vp_ctx *ctx, const struct vp_host *h,
		   struct vp_dev *const *devs, size_t n, const struct vp_select_opts *o,
		   struct vp_devset *out);
