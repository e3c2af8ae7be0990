// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision: seed 000 ("Should you attempt GPU passthrough?") gives the
 * matrix and the expected setup times; the knowledge base gives each GPU's
 * reset behaviour, SR-IOV and vGPU; the host model gives groups, the boot
 * VGA and /dev/dri. Rules are tried in order; the first that applies wins.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/advise.h"
#include "host/gpudev.h"
#include "kb/kb.h"
#include "out/output.h"
#include "pve/ctconf.h"

/* Seed 000, "Expected setup time" (community reports, Linux-experienced operator). */
#define EFFORT_LXC "15-30 minutes (LXC /dev/dri)"
/* The same, plus one driver install on each side (their versions must match). */
#define EFFORT_LXC_NV                                                                    \
	"30-60 minutes (LXC with the NVIDIA nodes; the same driver release on the host " \
	"and in the container)"
#define EFFORT_CLEAN  "2-6 hours (clean dual-GPU passthrough on supported hardware)"
#define EFFORT_RESET  "1-3 days (AMD reset bug workarounds: vendor-reset, hookscripts)"
#define EFFORT_SINGLE "a recurring weekend project (single-GPU passthrough)"
#define EFFORT_VGPU   "days, plus NVIDIA's licensing process (mediated vGPU)"
#define EFFORT_SRIOV  "hours (SR-IOV VFs need i915-sriov-dkms on the host)"
#define EFFORT_VGPU_READY \
	"minutes per VM (the vGPU host driver is set up), plus a guest licence"

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

static const struct vp_drm_node *render_node(const struct vp_drm *drm,
					     const struct vp_dev *d)
{
	for (size_t i = 0; i < drm->n; i++)
		if (startswith(drm->nodes[i].name, "renderD") &&
		    streq(drm->nodes[i].address, d->addr))
			return &drm->nodes[i];
	return NULL;
}

static bool group_ok(const struct vp_host *h, const struct vp_dev *d)
{
	const struct vp_group *g = vp_host_group(h, d->iommu_group);

	return g &&
	       (g->verdict == VP_GROUP_ISOLATED || g->verdict == VP_GROUP_COMPANIONS);
}

/* The best GPU to hand to a VM: not the console while another display exists. */
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

struct vp_dev *vp_nvidia_ct_gpu(const struct vp_host *h)
{
	struct vp_dev *nv = NULL;

	/*
	 * The NVIDIA driver makes no render node without nvidia-drm, but its
	 * own nodes (/dev/nvidia*) serve NVENC, NVDEC and CUDA in a container
	 * while the host keeps the card (lxc plan --gpu).
	 */
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind == VP_KIND_DISPLAY && d->vendor == VP_PCI_VENDOR_NVIDIA &&
		    streq(d->driver, "nvidia") && (!nv || d->boot_vga == 1))
			nv = d;
	}
	return nv;
}

/* A container on the NVIDIA card's nodes: the lines, why, and the lxc command. */
static void container_nvidia(struct vp_advice *a, struct vp_ctx *ctx,
			     const struct vp_host *h, const struct vp_drm *drm,
			     struct vp_dev *nv)
{
	a->path = VP_PATH_LXC_GPU;
	a->device = nv;
	a->effort = EFFORT_LXC_NV;
	say(&a->why, xasprintf("%s has no DRM render node, but the NVIDIA driver's own "
			       "nodes give a container NVENC, NVDEC and CUDA (lxc plan "
			       "CTID --gpu %s)",
			       nv->addr, nv->addr));
	nvidia_lines(a, ctx, h, drm, nv);
}

struct vp_dev *vp_dri_gpu(const struct vp_host *h, const struct vp_drm *drm)
{
	struct vp_dev *dri = NULL;

	/* For /dev/dri the host keeps the GPU; an iGPU or the console GPU is ideal. */
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind == VP_KIND_DISPLAY && render_node(drm, d) &&
		    (!dri || d->boot_vga == 1))
			dri = d;
	}
	return dri;
}

/*
 * When passthrough is out: LXC /dev/dri if the workload can live in a
 * container and a GPU has a render node, otherwise no GPU path at all.
 */
static void container_or_none(struct vp_advice *a, struct vp_ctx *ctx,
			      const struct vp_host *h, const struct vp_workload *wl,
			      const struct vp_drm *drm, struct vp_dev *dri,
			      struct vp_dev *about)
{
	struct vp_dev *nv = dri ? NULL : vp_nvidia_ct_gpu(h);

	if (wl->container_ok && dri) {
		a->path = VP_PATH_LXC_DRI;
		a->device = dri;
		a->effort = EFFORT_LXC;
		lxc_lines(a, drm, dri);
		return;
	}
	if (wl->container_ok && nv) {
		container_nvidia(a, ctx, h, drm, nv);
		return;
	}
	a->path = VP_PATH_NONE;
	a->device = about;
	a->effort = NULL;
}

static void describe_reset(struct vp_advice *a, const struct vp_dev *d)
{
	const struct vp_kb_gpu *kb = vp_kb_gpu_lookup(d->vendor, d->device);

	if (!kb)
		return;
	switch (kb->reset) {
	case VP_RESET_BUG_NO_FIX:
		say(&a->cautions,
		    xasprintf("%s has an active reset bug with no fix: after a VM "
			      "stop the card may need a host power cycle",
			      kb->family));
		break;
	case VP_RESET_VENDOR_RESET:
		say(&a->cautions,
		    xasprintf("%s has the AMD reset bug: vendor-reset (DKMS) with "
			      "reset_method device_specific is needed",
			      kb->family));
		a->effort = EFFORT_RESET;
		break;
	case VP_RESET_NONE:
		say(&a->cautions,
		    xasprintf("%s cannot be reset: one VM start per host boot",
			      kb->family));
		break;
	case VP_RESET_UNRELIABLE:
		say(&a->cautions,
		    xasprintf("%s: reset reported unreliable; test VM restarts",
			      kb->family));
		break;
	case VP_RESET_OK:
		say(&a->why, xasprintf("%s resets cleanly in practice", kb->family));
		break;
	case VP_RESET_UNKNOWN:
		say(&a->cautions,
		    xasprintf("%s: no known reset behaviour; test a VM restart",
			      kb->family));
		break;
	}
	if (kb->cpuid_hiding)
		say(&a->cautions,
		    xasprintf("%s's guest driver needs the hypervisor hidden%s",
			      kb->family, kb->hide_hypervisor ? " (-hypervisor)" : ""));
	if (kb->guest_open_module)
		say(&a->cautions, strdup("the guest needs NVIDIA's open kernel module"));
}

int vp_advise(struct vp_ctx *ctx, struct vp_host *h, const struct vp_workload *wl,
	      struct vp_advice *a)
{
	struct vp_drm drm = { 0 };
	struct vp_dev *pt, *dri = NULL;
	struct vp_dev *vg;
	const struct vp_kb_gpu *kb;
	size_t displays = 0, nvg;
	bool cluster = vp_pve_is_cluster(ctx);
	bool ha = vp_existsf(ctx, VP_ETC, "pve/ha/resources.cfg");
	int r;

	a->wl = wl;
	r = vp_drm_load(ctx, &drm);
	if (r < 0)
		return r;
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind != VP_KIND_DISPLAY)
			continue;
		displays++;
	}
	dri = vp_dri_gpu(h, &drm);
	pt = pick_passthrough(h, displays);
	kb = pt ? vp_kb_gpu_lookup(pt->vendor, pt->device) : NULL;

	if (displays == 0) {
		a->path = VP_PATH_NONE;
		say(&a->why, strdup("this host has no display device"));
		goto out;
	}
	if (wl->prefer_container && !dri && vp_nvidia_ct_gpu(h)) {
		container_nvidia(a, ctx, h, &drm, vp_nvidia_ct_gpu(h));
		say(&a->why,
		    xasprintf("%s; the host keeps the GPU and can share it among "
			      "containers",
			      wl->why));
		say(&a->alternatives,
		    strdup("full passthrough only if a Windows VM must own the GPU"));
		goto out;
	}
	if (wl->prefer_container && dri) {
		a->path = VP_PATH_LXC_DRI;
		a->device = dri;
		a->effort = EFFORT_LXC;
		say(&a->why,
		    xasprintf("%s; the host keeps the GPU and can share it among "
			      "containers",
			      wl->why));
		say(&a->why, strdup("no VFIO, no reset bugs, the console stays"));
		lxc_lines(a, &drm, dri);
		say(&a->alternatives,
		    strdup("full passthrough only if a Windows VM must own the "
			   "GPU"));
		goto out;
	}
	if (!h->ngroups) {
		container_or_none(a, ctx, h, wl, &drm, dri, NULL);
		say(&a->why, strdup(h->no_iommu_why));
		goto out;
	}
	vg = vgpu_free(h, &nvg);
	if (vg && !wl->prefer_container) {
		const struct vp_vgpu_type *t = &vg->vgpu.types[0];

		/*
		 * The vGPU host driver is already there (its types are listed in
		 * sysfs): a VM gets a share without taking a card from the host.
		 */
		a->path = VP_PATH_VGPU;
		a->device = vg;
		a->effort = EFFORT_VGPU_READY;
		say(&a->why,
		    xasprintf(
			    "NVIDIA's vGPU host driver offers vGPUs here: %zu function%s "
			    "can take one now (%s: %zu type%s, e.g. %s %s)",
			    nvg, nvg == 1 ? "" : "s", vg->addr, vg->vgpu.ntypes,
			    vg->vgpu.ntypes == 1 ? "" : "s", t->type,
			    t->name ? t->name : ""));
		say(&a->why,
		    xasprintf("next: vfio-pilot vm plan VMID --vgpu %s", t->type));
		say(&a->cautions,
		    strdup("the guest needs NVIDIA's vGPU guest driver and a "
			   "licence from NVIDIA's licensing service"));
		/* A card on that driver with SR-IOV but no VFs yet is a vGPU card too. */
		if (pt && group_ok(h, pt) &&
		    !(pt->sriov == VP_PRESENT && pt->driver &&
		      streq(pt->driver, "nvidia")))
			say(&a->alternatives, xasprintf("full passthrough of %s: %s",
							pt->addr, EFFORT_CLEAN));
		goto out;
	}
	if (displays == 1 && pt && kb && kb->sriov && !wl->needs_vm) {
		a->path = VP_PATH_SRIOV_VF;
		a->device = pt;
		a->effort = EFFORT_SRIOV;
		say(&a->why,
		    xasprintf("%s supports SR-IOV: a VF goes to the VM while the host "
			      "keeps its display",
			      kb->family));
		goto out;
	}
	if (displays == 1 && pt) {
		/* Seed 000: "Single-GPU homelab (no host backup video): No". */
		container_or_none(a, ctx, h, wl, &drm, dri, pt);
		say(&a->why,
		    xasprintf("%s is the host's only display: passing it through takes "
			      "the console away",
			      pt->addr));
		say(&a->alternatives,
		    xasprintf("single-GPU passthrough anyway: %s, with SSH or "
			      "IPMI for the host",
			      EFFORT_SINGLE));
		if (kb && kb->sriov)
			say(&a->alternatives,
			    strdup("an SR-IOV VF of this GPU (the host keeps its "
				   "display)"));
		goto out;
	}
	if (!pt || !group_ok(h, pt)) {
		container_or_none(a, ctx, h, wl, &drm, dri, pt);
		if (pt)
			say(&a->why,
			    xasprintf("%s shares IOMMU group %d with unrelated devices",
				      pt->addr, pt->iommu_group));
		else
			say(&a->why, strdup("no display device can leave the host"));
		say(&a->alternatives,
		    strdup("move the card to a CPU-attached slot, or accept the "
			   "ACS override and its lost isolation"));
		goto out;
	}
	if (ha && kb && kb->vgpu) {
		a->path = VP_PATH_VGPU;
		a->device = pt;
		a->effort = EFFORT_VGPU;
		say(&a->why,
		    strdup("this node runs HA resources; a passed-through GPU pins its "
			   "VM to the node, mediated vGPU can migrate"));
		goto out;
	}
	a->path = VP_PATH_PASSTHROUGH;
	a->device = pt;
	a->effort = EFFORT_CLEAN;
	say(&a->why, xasprintf("%s: %s", wl->name, wl->why));
	say(&a->why,
	    xasprintf("group %d is %s", pt->iommu_group,
		      vp_group_verdict_name(vp_host_group(h, pt->iommu_group)->verdict)));
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i]->boot_vga == 1 && h->devs[i] != pt)
			say(&a->why, xasprintf("the host keeps its console on %s",
					       h->devs[i]->addr));
	describe_reset(a, pt);
	if (cluster)
		say(&a->cautions,
		    strdup("a cluster node: the VM cannot fail over to a node "
			   "without the same GPU (use a resource mapping)"));
	if (kb && kb->vgpu)
		say(&a->alternatives, xasprintf("mediated vGPU to share %s among VMs: %s",
						kb->models, EFFORT_VGPU));
	if (wl->container_ok && dri)
		say(&a->alternatives,
		    xasprintf("LXC /dev/dri on %s: %s", dri->addr, EFFORT_LXC));
out:
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
