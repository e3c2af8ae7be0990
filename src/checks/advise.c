// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * advise: the facts the decision matrix looks at (enum vp_fact), gathered
 * from the host model, the knowledge base and /dev/dri, and the advice a
 * row yields: its path, device, effort and the lines lxc plan would write.
 * The matrix itself, row by row with its sources, is advise-rules.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/advise.h"
#include "host/gpudev.h"
#include "kb/kb.h"
#include "out/output.h"
#include "pve/ctconf.h"

static const struct vp_workload workloads[] = {
	{ "gaming", true, false, false,
	  "games need Windows, DirectX and often anti-cheat" },
	{ "cad", true, false, false, "CAD wants professional drivers on a full GPU" },
	{ "ai", false, true, false,
	  "training wants the whole VRAM; inference can share" },
	{ "transcode", false, true, true, "transcoding needs only the media engine" },
	{ "nas", false, true, true, "NAS apps (Jellyfin, Frigate) run in containers" },
	{ "generic", false, true, false, "no workload given" },
};

const char *const vp_workload_names = "gaming, ai, transcode, cad, nas, generic";

const struct vp_workload *vp_workload_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++)
		if (streq(workloads[i].name, name))
			return &workloads[i];
	return NULL;
}

const char *vp_path_name(enum vp_path p)
{
	static const char *const n[] = {
		[VP_PATH_PASSTHROUGH] = "passthrough",
		[VP_PATH_LXC_DRI] = "lxc-dri",
		[VP_PATH_SRIOV_VF] = "sriov-vf",
		[VP_PATH_VGPU] = "vgpu",
		[VP_PATH_NONE] = "none",
		[VP_PATH_LXC_GPU] = "lxc-gpu",
	};
	return n[p];
}

static void say(struct strv *s, char *line)
{
	if (line)
		strv_push(s, line);
}

static bool group_ok(const struct vp_host *h, const struct vp_dev *d)
{
	const struct vp_group *g = vp_host_group(h, d->iommu_group);

	return g &&
	       (g->verdict == VP_GROUP_ISOLATED || g->verdict == VP_GROUP_COMPANIONS);
}

/* Does @d offer vGPUs, or is it the card whose VFs do (struct vp_vgpu)? */
static bool vgpu_card(const struct vp_host *h, const struct vp_dev *d)
{
	size_t pos = 0;

	return vp_vgpu_next(h, d, &pos) != NULL;
}

/*
 * The first function where a vGPU can be made now: a VF of NVIDIA's vGPU
 * driver with no type set and a type listed, or an mdev parent with an
 * available instance. @nfree counts them all.
 */
static struct vp_dev *vgpu_free(const struct vp_host *h, size_t *nfree)
{
	struct vp_dev *first = NULL;

	*nfree = 0;
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_vgpu *v = &h->devs[i]->vgpu;
		bool avail = false;

		if (v->iface == VP_VGPU_NVIDIA)
			avail = v->current == 0 && v->ntypes > 0;
		for (size_t t = 0; v->iface == VP_VGPU_MDEV && t < v->ntypes; t++)
			avail = avail || v->types[t].available > 0;
		if (!avail)
			continue;
		(*nfree)++;
		if (!first)
			first = h->devs[i];
	}
	return first;
}

/* The best GPU to hand to a VM: not the console while another display exists. */
static struct vp_dev *pick_passthrough(const struct vp_host *h, size_t displays)
{
	struct vp_dev *best = NULL;

	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind != VP_KIND_DISPLAY || (d->critical & ~VP_CRIT_CONSOLE))
			continue;
		/* A card that hosts vGPUs stays on its driver; its VFs are vGPUs. */
		if (vgpu_card(h, d))
			continue;
		if (displays > 1 && d->boot_vga == 1)
			continue;
		/* An isolated group first, then the first by address. */
		if (!best || (group_ok(h, d) && !group_ok(h, best)))
			best = d;
	}
	return best;
}

/* The devN lines lxc plan would write (host/gpudev.c), for the preview. */
static void lxc_lines(struct vp_advice *a, const struct vp_drm *drm,
		      const struct vp_dev *d)
{
	struct vp_pve_lxc_dev *want = NULL;
	size_t n = 0;

	if (vp_lxc_wanted(drm, d->addr, false, &want, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *value = NULL, *reason = NULL;

		if (vp_pve_lxc_dev_print(&want[i], &value, &reason) == 0)
			say(&a->lines, xasprintf("dev%zu: %s", i, value));
	}
	vp_lxc_wanted_free(want, n);
}

/* The devN lines of lxc plan --gpu for an NVIDIA card, with the host's gids. */
static void nvidia_lines(struct vp_advice *a, struct vp_ctx *ctx, const struct vp_host *h,
			 const struct vp_drm *drm, const struct vp_dev *d)
{
	struct vp_gpu_nodes g;
	struct vp_pve_lxc_dev *want = NULL;
	size_t n = 0;

	if (vp_gpu_nodes_load(ctx, h, d, drm, false, &g) < 0) {
		vp_gpu_nodes_free(&g);
		return;
	}
	if (g.refusals.n) {
		for (size_t i = 0; i < g.refusals.n; i++)
			say(&a->cautions, strdup(g.refusals.v[i]));
	} else if (vp_lxc_gpu_wanted(&g, drm->render_gid, drm->video_gid, &want, &n) ==
		   0) {
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *value = NULL, *reason = NULL;

			if (vp_pve_lxc_dev_print(&want[i], &value, &reason) == 0)
				say(&a->lines, xasprintf("dev%zu: %s", i, value));
		}
		vp_lxc_wanted_free(want, n);
	}
	if (g.nv_version)
		say(&a->cautions,
		    xasprintf("the container's NVIDIA userland must be exactly the host "
			      "driver's release, %s (%s)",
			      g.nv_version, g.nv_version_from));
	vp_gpu_nodes_free(&g);
}

/* A container on the NVIDIA card's nodes: why, the lines, and the lxc command. */
static void container_nvidia(struct vp_advice *a, struct vp_ctx *ctx,
			     const struct vp_host *h, const struct vp_drm *drm,
			     struct vp_dev *nv)
{
	say(&a->why, xasprintf("%s has no DRM render node, but the NVIDIA driver's own "
			       "nodes give a container NVENC, NVDEC and CUDA (lxc plan "
			       "CTID --gpu %s)",
			       nv->addr, nv->addr));
	nvidia_lines(a, ctx, h, drm, nv);
}

static struct vp_dev *fact_dev(const struct vp_advise_facts *f, enum vp_advise_dev which)
{
	switch (which) {
	case VP_ADV_DEV_PT:
		return f->pt;
	case VP_ADV_DEV_DRI:
		return f->dri;
	case VP_ADV_DEV_NV:
		return f->nv;
	case VP_ADV_DEV_VG:
		return f->vg;
	case VP_ADV_DEV_NONE:
	case VP_ADV_DEV_RULE:
		break;
	}
	return NULL;
}

static void facts_gather(struct vp_ctx *ctx, const struct vp_host *h,
			 const struct vp_workload *wl, const struct vp_drm *drm,
			 struct vp_advise_facts *f)
{
	size_t displays = 0;

	for (size_t i = 0; i < h->ndevs; i++)
		displays += h->devs[i]->kind == VP_KIND_DISPLAY;
	*f = (struct vp_advise_facts){ .ctx = ctx, .h = h, .wl = wl, .drm = drm };
	f->dri = vp_dri_gpu(h, drm);
	f->nv = vp_nvidia_ct_gpu(h);
	f->pt = pick_passthrough(h, displays);
	f->kb = f->pt ? vp_kb_gpu_lookup(f->pt->vendor, f->pt->device) : NULL;
	f->vg = vgpu_free(h, &f->nvg);

	f->bits |= displays ? VP_FACT_DISPLAY : 0;
	f->bits |= displays == 1 ? VP_FACT_ONE_DISPLAY : 0;
	f->bits |= h->ngroups ? VP_FACT_IOMMU : 0;
	f->bits |= f->pt ? VP_FACT_PT : 0;
	f->bits |= f->pt && group_ok(h, f->pt) ? VP_FACT_PT_GROUP_OK : 0;
	f->bits |= f->kb && f->kb->sriov ? VP_FACT_PT_KB_SRIOV : 0;
	f->bits |= f->kb && f->kb->vgpu ? VP_FACT_PT_KB_VGPU : 0;
	f->bits |= f->dri ? VP_FACT_DRI : 0;
	f->bits |= f->nv ? VP_FACT_NV_CT : 0;
	f->bits |= f->vg ? VP_FACT_VGPU_FREE : 0;
	f->bits |= vp_existsf(ctx, VP_ETC, "pve/ha/resources.cfg") ? VP_FACT_HA : 0;
	f->bits |= vp_pve_is_cluster(ctx) ? VP_FACT_CLUSTER : 0;
	f->bits |= wl->needs_vm ? VP_FACT_WL_VM : 0;
	f->bits |= wl->container_ok ? VP_FACT_WL_CT_OK : 0;
	f->bits |= wl->prefer_container ? VP_FACT_WL_PREFER_CT : 0;
}

int vp_advise(struct vp_ctx *ctx, struct vp_host *h, const struct vp_workload *wl,
	      struct vp_advice *a)
{
	struct vp_drm drm = { 0 };
	struct vp_advise_facts f;
	const struct vp_advise_rule *rules, *row, *out;
	size_t n;
	int r;

	a->wl = wl;
	r = vp_drm_load(ctx, &drm);
	if (r < 0)
		return r;
	facts_gather(ctx, h, wl, &drm, &f);
	rules = vp_advise_rules(false, &n);
	row = out = vp_advise_first(rules, n, f.bits);
	if (row->host_keeps) {
		rules = vp_advise_rules(true, &n);
		out = vp_advise_first(rules, n, f.bits);
	}
	a->rule = row;
	a->kept = out != row ? out : NULL;
	a->path = out->path;
	a->device =
		fact_dev(&f, out->device == VP_ADV_DEV_RULE ? row->device : out->device);
	a->effort = out->effort;
	/* The path's own lines first, then the row's reasons. */
	if (a->path == VP_PATH_LXC_DRI)
		lxc_lines(a, &drm, a->device);
	else if (a->path == VP_PATH_LXC_GPU)
		container_nvidia(a, ctx, h, &drm, a->device);
	if (row->tell)
		row->tell(a, &f);
	vp_drm_free(&drm);
	return 0;
}

void vp_advice_free(struct vp_advice *a)
{
	strv_free(&a->why);
	strv_free(&a->cautions);
	strv_free(&a->alternatives);
	strv_free(&a->lines);
}
