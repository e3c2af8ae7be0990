// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The session (host/session.h): facts loaded once per command, and the
 * devices the command is about, chosen by the one companion rule.
 */
#include <errno.h>
#include <stdlib.h>

#include "host/session.h"
#include "kb/kb.h"

int vp_session_init(struct vp_session *s, struct vp_ctx *ctx, struct vp_host *h)
{
	int r;

	s->ctx = ctx;
	s->h = h;
	r = vp_system_load(ctx, &s->sys);
	if (r < 0)
		return r;
	r = vp_kmods_load(ctx, s->sys.kver, &s->km);
	if (r < 0)
		return r;
	return vp_guests_load(ctx, &s->guests);
}

void vp_session_free(struct vp_session *s)
{
	free(s->targets);
	vp_devset_free(&s->sel);
	strv_free(&s->target_why);
	vp_system_free(&s->sys);
	vp_kmods_free(&s->km);
	vp_guests_free(&s->guests);
}

static int add_target(struct vp_session *s, struct vp_dev *d, char *why)
{
	struct vp_dev **t;

	if (!why)
		return -ENOMEM;
	if (vp_session_is_target(s, d)) {
		free(why);
		return 0;
	}
	t = realloc(s->targets, (s->ntargets + 1) * sizeof(*t));
	if (!t) {
		free(why);
		return -ENOMEM;
	}
	s->targets = t;
	s->targets[s->ntargets++] = d;
	return strv_push(&s->target_why, why);
}

/*
 * What goes with the targets, by the one companion rule (host/select.c).
 * The session judges and never refuses, so the override is assumed here;
 * the plans select again with the operator's options.
 */
static int select_targets(struct vp_session *s)
{
	const struct vp_select_opts o = { .take_host_device = true };

	vp_devset_free(&s->sel);
	return vp_select_devs(s->ctx, s->h, s->targets, s->ntargets, &o, &s->sel);
}

static bool candidate(const struct vp_dev *d, size_t displays)
{
	return d && d->kind == VP_KIND_DISPLAY && !(d->boot_vga == 1 && displays > 1);
}

/*
 * Without addresses: every display function is a candidate GPU, except the
 * boot VGA while another display exists (the host keeps its console), and
 * except the SR-IOV VFs of a candidate PF: the PF stands for its card, whose
 * VFs (dozens on a vGPU host) are judged when named. VFs of a PF the host
 * keeps (an iGPU console with i915 SR-IOV) stay candidates.
 */
int vp_session_targets(struct vp_session *s, const struct vp_bdf *want, const bool *slots,
		       size_t n)
{
	const struct vp_host *h = s->h;
	size_t displays = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct vp_devspec spec = { .bdf = want[i], .slot = slots[i] };
		bool hit = false;

		for (size_t j = 0; j < h->ndevs; j++) {
			struct vp_dev *d = h->devs[j];

			/* A slot's bridge functions are not targets (host/select.c). */
			if (!vp_devspec_match(&spec, d) ||
			    (spec.slot && vp_dev_is_bridge(d)))
				continue;
			hit = true;
			r = add_target(
				s, d,
				xasprintf("%s: named on the command line", d->addr));
			if (r < 0)
				return r;
		}
		if (!hit)
			return -ENODEV;
	}
	if (n)
		return select_targets(s);
	for (size_t j = 0; j < h->ndevs; j++)
		if (h->devs[j]->kind == VP_KIND_DISPLAY)
			displays++;
	for (size_t j = 0; j < h->ndevs; j++) {
		struct vp_dev *d = h->devs[j];

		if (!candidate(d, displays))
			continue;
		if (vp_dev_is_vf(s->ctx, d) && d->physfn &&
		    candidate(vp_host_find_addr(h, d->physfn), displays))
			continue;
		r = add_target(
			s, d,
			displays == 1
				? xasprintf("%s: the only display device of this host",
					    d->addr)
				: xasprintf(
					  "%s: a display device that is not the boot VGA",
					  d->addr));
		if (r < 0)
			return r;
	}
	return select_targets(s);
}

bool vp_session_is_target(const struct vp_session *s, const struct vp_dev *d)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i] == d)
			return true;
	return false;
}

bool vp_session_goes(const struct vp_session *s, const struct vp_dev *d)
{
	return vp_devset_goes(&s->sel, d);
}

int vp_session_companions(const struct vp_session *s, struct vp_dev *d,
			  struct vp_dev ***out, size_t *n)
{
	return vp_companions(s->ctx, s->h, d, out, n);
}

int vp_session_kernel_has(const struct vp_session *s, const char *fact)
{
	int r;

	if (!s->sys.kver)
		return -1;
	r = vp_kb_kernel_has(s->sys.kver, fact);
	return r < 0 ? -1 : r;
}
