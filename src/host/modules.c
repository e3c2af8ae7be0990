// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which kernel modules could bind each function: its modalias looked up with
 * libkmod in the root's own modules directory and modprobe.d, the way
 * modprobe resolves "modprobe $MODALIAS" at hotplug time.
 */
#include <errno.h>

#include <libkmod.h>

#include "host/host.h"

static int match_one(struct kmod_ctx *kmod, struct vp_dev *d)
{
	struct kmod_list *list = NULL, *it;
	int r;

	r = kmod_module_new_from_lookup(kmod, d->modalias, &list);
	if (r < 0)
		return vp_dev_unknown(d, "modules", "libkmod lookup failed: %s",
				      strerror(-r));
	kmod_list_foreach(it, list)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		const char *name = kmod_module_get_name(m);

		if (name && !strv_contains(&d->modules, name))
			r = strv_add(&d->modules, name);
		kmod_module_unref(m);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	strv_sort(&d->modules);
	return r < 0 ? r : 0;
}

int vp_modules_match(struct vp_ctx *ctx, struct vp_host *h)
{
	struct kmod_ctx *kmod;
	const char *kver = NULL;
	int r;

	/*
	 * Without modules.alias.bin libkmod answers every lookup with "no
	 * module", which would read as a fact; call the index missing instead.
	 */
	r = vp_ctx_kver(ctx, &kver);
	if (r == 0 && !vp_existsf(ctx, VP_MODULES, "%s/modules.alias.bin", kver))
		r = -ENOENT;
	if (r == 0)
		r = vp_ctx_kmod(ctx, &kmod);
	if (r < 0) {
		_cleanup_free_ char *why = NULL;

		if (vp_ctx_kver(ctx, &kver) < 0)
			why = strdup("the root's kernel version is unknown (no "
				     "sys/kernel/osrelease in its procfs)");
		else
			why = xasprintf("no module index for kernel %s "
					"(lib/modules/%s/modules.alias.bin)",
					kver, kver);
		for (size_t i = 0; i < h->ndevs; i++)
			vp_dev_unknown(h->devs[i], "modules", "%s",
				       why ? why : "unknown");
		return 0;
	}
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];
		struct vp_dev *same = NULL;

		if (!d->modalias) {
			vp_dev_unknown(d, "modules", "no modalias attribute");
			continue;
		}
		/* VFs and identical cards share a modalias: look each one up once. */
		for (size_t j = i; j-- > 0 && i - j <= 64 && !same;)
			if (streq(h->devs[j]->modalias, d->modalias) &&
			    !vp_dev_unknown_why(h->devs[j], "modules"))
				same = h->devs[j];
		if (same) {
			for (size_t k = 0; k < same->modules.n; k++)
				if ((r = strv_add(&d->modules, same->modules.v[k])) < 0)
					return r;
			continue;
		}
		r = match_one(kmod, d);
		if (r < 0)
			return r;
	}
	return 0;
}
