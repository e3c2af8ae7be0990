// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device selection: an address or a slot -> the functions that leave the
 * host with it (targets, companions, group members the operator named),
 * and the refusals about them. One rule for every command.
 */
#include <errno.h>
#include <stdlib.h>

#include <pci/header.h>

#include "host/select.h"

int vp_devspec_parse(const char *s, struct vp_devspec *out)
{
	bool slot = false;
	int r = vp_bdf_parse(s, &out->bdf, &slot, true);

	if (r < 0)
		return r;
	out->slot = slot;
	return 0;
}

bool vp_devspec_match(const struct vp_devspec *s, const struct vp_dev *d)
{
	return s->slot ? vp_bdf_same_slot(&s->bdf, &d->bdf)
		       : vp_bdf_cmp(&s->bdf, &d->bdf) == 0;
}

/* The run of h->devs (sorted) sharing @b's slot: *first and the count. */
static size_t slot_run(const struct vp_host *h, const struct vp_bdf *b, size_t *first)
{
	size_t lo = 0, hi = h->ndevs, end;
	struct vp_bdf f0 = *b;

	f0.fn = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (vp_bdf_cmp(&h->devs[mid]->bdf, &f0) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	end = lo;
	while (end < h->ndevs && vp_bdf_same_slot(&h->devs[end]->bdf, b))
		end++;
	*first = lo;
	return end - lo;
}

size_t vp_devspec_find(const struct vp_host *h, const struct vp_devspec *s, size_t *first)
{
	size_t a, n = slot_run(h, &s->bdf, &a);

	*first = a;
	if (s->slot)
		return n;
	for (size_t i = a; i < a + n; i++)
		if (vp_bdf_cmp(&h->devs[i]->bdf, &s->bdf) == 0) {
			*first = i;
			return 1;
		}
	return 0;
}

bool vp_dev_is_bridge(const struct vp_dev *d)
{
	return d->is_bridge || d->kind == VP_KIND_BRIDGE;
}

static bool below(const struct vp_dev *d, const struct vp_dev *anc)
{
	for (const struct vp_dev *p = d->parent; p; p = p->parent)
		if (p == anc)
			return true;
	return false;
}

/*
 * A switch inside a card (Intel Arc DG2 4fa1/4fa4 and Battlemage e2ff/e2f0,
 * AMD Navi 1478/1479): a bridge behind some port, made by the GPU's vendor,
 * with only that vendor's functions below it, a display among them. A
 * platform switch (an AMD chipset) fails the test as soon as one foreign
 * device or no display sits below it.
 */
static bool is_card_switch(const struct vp_host *h, const struct vp_dev *b)
{
	bool display = false;

	if (!b->is_bridge || !b->parent)
		return false;
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *d = h->devs[i];

		if (!below(d, b) || vp_dev_is_bridge(d))
			continue;
		if (d->vendor != b->vendor)
			return false;
		if (d->kind == VP_KIND_DISPLAY)
			display = true;
	}
	return display;
}

/* The device that stands for @d's card: the highest card switch, or itself. */
static const struct vp_dev *card_of(const struct vp_host *h, const struct vp_dev *d)
{
	const struct vp_dev *top = d;

	for (const struct vp_dev *p = d->parent; p; p = p->parent)
		if (p->vendor == d->vendor && is_card_switch(h, p))
			top = p;
	return top;
}

/* Classes a graphics card carries besides its display function. */
static bool card_class(const struct vp_dev *d)
{
	switch (d->class >> 8) {
	case 0x0403: /* HD audio: the HDMI/DP codec */
	case 0x0c03: /* USB: the VirtualLink/USB-C xHCI */
	case 0x0c80: /* serial bus: the USB-C UCSI controller */
		return true;
	}
	return (d->class >> 16) == PCI_BASE_CLASS_DISPLAY;
}

bool vp_dev_is_vf(struct vp_ctx *ctx, struct vp_dev *d)
{
	/* physfn is read with the details; a lazy scan reads them here. */
	if (!d->details && ctx && d->pdev)
		vp_dev_details(ctx, d);
	return d->physfn != NULL;
}

/*
 * Is @f, in a PCI device that holds a display function, part of the
 * graphics card? See the rule below.
 */
static bool card_function(const struct vp_host *h, size_t first, size_t n,
			  const struct vp_dev *f)
{
	bool display_vendor = false, platform = false;

	if ((f->class >> 16) == PCI_BASE_CLASS_DISPLAY)
		return true;
	if (!card_class(f))
		return false;
	for (size_t i = first; i < first + n; i++) {
		const struct vp_dev *e = h->devs[i];

		if ((e->class >> 16) == 0x03 && e->vendor == f->vendor)
			display_vendor = true;
		/* AMD's SoC side (1022) beside an ATI/AMD iGPU (1002). */
		if ((e->class >> 16) == 0x03 && e->vendor == 0x1002 &&
		    f->vendor == 0x1022)
			platform = true;
		/* Its vendor also put a function no card carries here: the platform's. */
		if (e->vendor == f->vendor && !card_class(e) && !vp_dev_is_bridge(e))
			platform = true;
	}
	return display_vendor || !platform;
}

/*
 * THE companion rule: a function goes with a GPU only when it belongs to
 * the graphics card, not merely to the GPU's bus or slot.
 *
 *  - Below a card's own switch (Intel Arc, AMD Navi 1x/2x), every endpoint
 *    of the card's vendor is the card's, whatever its bus.
 *  - In one PCI device (same bus and device number) that holds a display
 *    function, a function is the card's when it is of a class a graphics
 *    card carries (display, HD audio: the HDMI/DP codec,
 *    sound/pci/hda/hda_intel.c "ATI HDMI", "Nvidia HDMI"; USB and serial
 *    bus: NVIDIA Turing's USB-C xHCI and UCSI controller,
 *    drivers/usb/typec/ucsi/ucsi_ccg.c, drivers/i2c/busses/i2c-nvidia-gpu.c)
 *    and has the vendor ID of a display function there, or of no platform
 *    vendor (QEMU composes a "card" from its VGA 1234:1111 and an ICH9 HD
 *    audio 8086:293e, tests/hosts/qemu-q35-intel-iommu).
 *  - An AMD APU's iGPU (vendor 1002) shares its PCI device with SoC
 *    functions of vendor 1022, the platform's: the platform security
 *    processor (drivers/crypto/ccp/sp-pci.c: 15df, 1649, 14ca, 15c7), USB
 *    host controllers (15b6-15b9, 1639), the audio coprocessor ACP
 *    (sound/soc/amd/, 15e2), the HD audio controller (15e3). A vendor that
 *    puts a function no card carries (the PSP, the ACP) in the device, or
 *    1022 beside a 1002 display, is the platform: its functions are the
 *    host's, never companions, even the USB and HD audio ones. When the
 *    platform puts them in the iGPU's IOMMU group, giving the group away
 *    takes them from the host, and the group is judged shared (iommu.c),
 *    not "one card".
 *  - The functions that are not the card's are one device per vendor (an
 *    APU's group thus counts two: the iGPU's card and the SoC). Without a
 *    display function (a dual-port NIC, an HBA, a chipset), the device's
 *    functions are one device, as before.
 *  - An SR-IOV VF is its own function: VFs share slot numbers with their
 *    siblings (drivers/pci/iov.c pci_iov_virtfn_devfn) but are separate
 *    devices, each given on its own.
 */
bool vp_same_card(struct vp_ctx *ctx, const struct vp_host *h, struct vp_dev *a,
		  struct vp_dev *b)
{
	const struct vp_dev *ca, *cb;
	size_t first, n;
	bool display = false, ka, kb;

	if (a == b)
		return true;
	ca = card_of(h, a);
	cb = card_of(h, b);
	if (ca != a || cb != b)
		return ca == cb;
	if (!vp_bdf_same_slot(&a->bdf, &b->bdf))
		return false;
	if (vp_dev_is_vf(ctx, a) || vp_dev_is_vf(ctx, b))
		return false;
	n = slot_run(h, &a->bdf, &first);
	for (size_t i = first; i < first + n; i++)
		if ((h->devs[i]->class >> 16) == PCI_BASE_CLASS_DISPLAY)
			display = true;
	if (!display)
		return true;
	ka = card_function(h, first, n, a);
	kb = card_function(h, first, n, b);
	if (ka || kb)
		return ka && kb;
	return a->vendor == b->vendor;
}

int vp_devlist_add(struct vp_devlist *l, struct vp_dev *d)
{
	struct vp_dev **v;

	if (vp_devlist_has(l, d))
		return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = d;
	return 0;
}

bool vp_devlist_has(const struct vp_devlist *l, const struct vp_dev *d)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == d)
			return true;
	return false;
}

static int cmp_devp(const void *a, const void *b)
{
	return vp_bdf_cmp(&(*(struct vp_dev *const *)a)->bdf,
			  &(*(struct vp_dev *const *)b)->bdf);
}

void vp_devlist_sort(struct vp_devlist *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_devp);
}

int vp_companions(struct vp_ctx *ctx, const struct vp_host *h, struct vp_dev *d,
		  struct vp_dev ***out, size_t *n)
{
	struct vp_devlist l = { 0 };
	const struct vp_group *g = vp_host_group(h, d->iommu_group);
	const struct vp_dev *top = card_of(h, d);
	size_t first, ns = slot_run(h, &d->bdf, &first);
	int r = 0;

	/* The device's other functions. */
	for (size_t i = first; r == 0 && i < first + ns; i++) {
		struct vp_dev *e = h->devs[i];

		if (e != d && !vp_dev_is_bridge(e) && vp_same_card(ctx, h, d, e))
			r = vp_devlist_add(&l, e);
	}
	/* The group's reading of the same card (also a listing without buses). */
	for (size_t i = 0; r == 0 && g && i < g->n; i++) {
		struct vp_dev *e = g->members[i];

		if (e != d && e->unit >= 0 && e->unit == d->unit)
			r = vp_devlist_add(&l, e);
	}
	/* Below the card's own switch, in whatever group. */
	for (size_t i = 0; r == 0 && top != d && i < h->ndevs; i++) {
		struct vp_dev *e = h->devs[i];

		if (e != d && !vp_dev_is_bridge(e) && below(e, top) &&
		    vp_same_card(ctx, h, d, e))
			r = vp_devlist_add(&l, e);
	}
	if (r < 0) {
		free(l.v);
		return r;
	}
	vp_devlist_sort(&l);
	*out = l.v;
	*n = l.n;
	return 0;
}

void vp_devset_free(struct vp_devset *s)
{
	free(s->targets.v);
	free(s->companions.v);
	free(s->included.v);
	strv_free(&s->refusals);
	strv_free(&s->warnings);
	strv_free(&s->notes);
	memset(s, 0, sizeof(*s));
}

bool vp_devset_goes(const struct vp_devset *s, const struct vp_dev *d)
{
	return vp_devlist_has(&s->targets, d) || vp_devlist_has(&s->companions, d) ||
	       vp_devlist_has(&s->included, d);
}

int vp_devset_all(const struct vp_devset *s, struct vp_devlist *out)
{
	const struct vp_devlist *parts[] = { &s->targets, &s->companions, &s->included };
	int r = 0;

	out->v = NULL;
	out->n = 0;
	for (size_t p = 0; p < ARRAY_SIZE(parts); p++)
		for (size_t i = 0; r == 0 && i < parts[p]->n; i++)
			r = vp_devlist_add(out, parts[p]->v[i]);
	if (r < 0) {
		free(out->v);
		out->v = NULL;
		out->n = 0;
		return r;
	}
	vp_devlist_sort(out);
	return 0;
}

static bool included(const struct vp_select_opts *o, const struct vp_dev *d)
{
	for (size_t i = 0; i < o->ninclude; i++)
		if (vp_bdf_cmp(&o->include[i], &d->bdf) == 0)
			return true;
	return false;
}

/* A member of @d's group that is not of its card. */
static int refuse_member(const struct vp_select_opts *o, struct vp_devset *s,
			 const struct vp_group *g, const struct vp_dev *d,
			 const struct vp_dev *m)
{
	_cleanup_free_ char *what = NULL, *how = NULL;

	if (vp_bdf_same_slot(&d->bdf, &m->bdf))
		what = xasprintf(
			"%s [%04x:%04x, class %04x], a function of the same chip that "
			"is not part of the card: a host device, which would leave the "
			"host with the group",
			m->addr, m->vendor, m->device, m->class >> 8);
	else
		what = xasprintf("%s, an unrelated device", m->addr);
	if (o->include_flag && vp_bdf_same_slot(&d->bdf, &m->bdf))
		how = xasprintf("name it with %s %s to give it away too (the host "
				"loses it)",
				o->include_flag, m->addr);
	else if (o->include_flag)
		how = xasprintf("name it with %s %s to pass it too, or move the card "
				"to a slot with its own group",
				o->include_flag, m->addr);
	else
		how = xasprintf("the group cannot be given away alone (vfio-pilot "
				"groups %s)",
				d->addr);
	if (!what || !how)
		return -ENOMEM;
	return strv_pushf(&s->refusals, "%s shares IOMMU group %d with %s; %s", d->addr,
			  g->id, what, how);
}

/* What the host loses with @d, for a refusal or (with the override) a warning. */
static int judge_critical(const struct vp_select_opts *o, struct vp_devset *s,
			  const struct vp_dev *d)
{
	const char *why = d->critical_why.n ? d->critical_why.v[0] : "host-critical";
	const char *flag = o->take_flag ? o->take_flag : "--take-host-device";
	int r = 0;

	if (!d->critical)
		return 0;
	if (!o->take_host_device)
		return strv_pushf(
			&s->refusals,
			"%s is needed by the host (%s); vfio-pilot will not take "
			"it without %s",
			d->addr, why, flag);
	if (d->critical & VP_CRIT_CONSOLE)
		r = strv_pushf(
			&s->warnings,
			"%s is the host's console (%s), taken with %s: the host "
			"will be headless: reach it over the network (SSH, the web "
			"UI on port 8006)",
			d->addr, why, flag);
	if (r == 0 && (d->critical & VP_CRIT_NETWORK))
		r = strv_pushf(&s->warnings,
			       "%s carries the host's network (%s), taken with %s: the "
			       "host can become unreachable; keep another way in",
			       d->addr, why, flag);
	if (r == 0 && (d->critical & VP_CRIT_ROOTDISK))
		r = strv_pushf(&s->warnings,
			       "%s holds the host's root disk (%s), taken with %s: the "
			       "host stops working when the VM starts",
			       d->addr, why, flag);
	return r;
}

int vp_select_judge(const struct vp_select_opts *o, const struct vp_dev *d,
		    struct vp_devset *s)
{
	/*
	 * A bridge or port is the path to a device, not a device: vfio-pci
	 * binds only header type 0 functions (drivers/vfio/pci/vfio_pci.c
	 * vfio_pci_probe).
	 */
	if (vp_dev_is_bridge(d))
		return strv_pushf(
			&s->refusals,
			"%s is a PCI bridge or port (class %04x), not a device "
			"to pass through: name the device behind it (vfio-pilot "
			"devices)",
			d->addr, d->class >> 8);
	return judge_critical(o, s, d);
}

int vp_select_devs(struct vp_ctx *ctx, const struct vp_host *h,
		   struct vp_dev *const *devs, size_t n, const struct vp_select_opts *o,
		   struct vp_devset *s)
{
	struct vp_devlist refused = { 0 }, all = { 0 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++)
		r = vp_devlist_add(&s->targets, devs[i]);
	for (size_t i = 0; r == 0 && i < s->targets.n; i++) {
		_cleanup_free_ struct vp_dev **comp = NULL;
		size_t nc = 0;

		r = vp_companions(ctx, h, s->targets.v[i], &comp, &nc);
		for (size_t k = 0; r == 0 && k < nc; k++)
			if (!vp_devlist_has(&s->targets, comp[k]))
				r = vp_devlist_add(&s->companions, comp[k]);
	}
	if (r < 0)
		return r;
	vp_devlist_sort(&s->targets);
	vp_devlist_sort(&s->companions);

	/* Groups: every other card's endpoint in them goes too, or nothing does. */
	r = vp_devset_all(s, &all);
	for (size_t i = 0; r == 0 && i < all.n; i++) {
		const struct vp_dev *d = all.v[i];
		const struct vp_group *g = vp_host_group(h, d->iommu_group);

		if (!g)
			continue;
		for (size_t k = 0; r == 0 && k < g->n; k++) {
			struct vp_dev *m = g->members[k];

			if (vp_dev_is_bridge(m) || vp_devset_goes(s, m) ||
			    vp_devlist_has(&refused, m))
				continue;
			if (included(o, m)) {
				r = vp_devlist_add(&s->included, m);
				continue;
			}
			r = vp_devlist_add(&refused, m);
			if (r == 0)
				r = refuse_member(o, s, g, d, m);
		}
	}
	free(all.v);
	free(refused.v);
	if (r < 0)
		return r;
	vp_devlist_sort(&s->included);

	r = vp_devset_all(s, &all);
	for (size_t i = 0; r == 0 && i < all.n; i++)
		r = vp_select_judge(o, all.v[i], s);
	free(all.v);
	return r;
}

int vp_select(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_devspec *specs,
	      size_t n, const struct vp_select_opts *o, struct vp_devset *s)
{
	struct vp_devlist t = { 0 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t first, nf = vp_devspec_find(h, &specs[i], &first);
		size_t taken = 0;

		if (nf == 0) {
			s->missing++;
			r = specs[i].slot
				    ? strv_pushf(&s->refusals,
						 "%04x:%02x:%02x: no such device on "
						 "this host",
						 specs[i].bdf.domain, specs[i].bdf.bus,
						 specs[i].bdf.dev)
				    : strv_pushf(&s->refusals,
						 "%04x:%02x:%02x.%x: no such device on "
						 "this host",
						 specs[i].bdf.domain, specs[i].bdf.bus,
						 specs[i].bdf.dev, specs[i].bdf.fn);
			continue;
		}
		for (size_t k = first; r == 0 && k < first + nf; k++) {
			struct vp_dev *d = h->devs[k];

			/* A slot's bridge functions stay; a named one is refused. */
			if (vp_dev_is_bridge(d)) {
				if (specs[i].slot)
					continue;
				r = vp_select_judge(o, d, s);
				taken++;
				continue;
			}
			taken++;
			r = vp_devlist_add(&t, d);
		}
		if (r == 0 && !taken)
			r = strv_pushf(
				&s->refusals,
				"%04x:%02x:%02x holds only bridges or ports, nothing to "
				"pass through",
				specs[i].bdf.domain, specs[i].bdf.bus, specs[i].bdf.dev);
	}
	if (r == 0)
		r = vp_select_devs(ctx, h, t.v, t.n, o, s);
	free(t.v);
	return r;
}
