// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * advise's decision matrix as rows: seed 000 ("Should you attempt GPU
 * passthrough? Decision matrix" and "Expected setup time",
 * /work/shared/seeds/000_acec6e7500c26506.txt) applied to facts of the host
 * (enum vp_fact, gathered in advise.c). The first row that holds wins; a
 * row that keeps the GPU on the host hands over to the host-keeps rows
 * (a container, else no GPU path). Each row's tell() writes the reasons.
 */
#include <stdlib.h>

#include "checks/advise.h"
#include "kb/kb.h"

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

#define SEED000 "seed 000 decision matrix: "

static void tell_no_display(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_ct_nvidia(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_ct_dri(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_no_iommu(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_vgpu_ready(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_sriov(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_single(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_group(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_ha(struct vp_advice *a, const struct vp_advise_facts *f);
static void tell_passthrough(struct vp_advice *a, const struct vp_advise_facts *f);

/* ---- the matrix: the first row that holds wins ---------------------------- */

static const struct vp_advise_rule rules[] = {
	{
		.id = "no-display",
		.must_not = VP_FACT_DISPLAY,
		.path = VP_PATH_NONE,
		.tell = tell_no_display,
		.reason = "no display function: no GPU to use",
		.source = "the host model (PCI base class 03h)",
	},
	{
		.id = "container-nvidia",
		.must = VP_FACT_WL_PREFER_CT | VP_FACT_NV_CT,
		.must_not = VP_FACT_DRI,
		.path = VP_PATH_LXC_GPU,
		.device = VP_ADV_DEV_NV,
		.effort = EFFORT_LXC_NV,
		.tell = tell_ct_nvidia,
		.reason =
			"a container workload, and an NVIDIA card without a render node "
			"whose own nodes (/dev/nvidia*) serve NVENC, NVDEC and CUDA",
		.source = SEED000 "'Plex/Jellyfin transcoding only: usually no, LXC'; "
				  "the nodes: host/gpudev.c (open-gpu-kernel-modules "
				  "nv-chardev-numbers.h); devN: "
				  "knowledge/proxmox-formats.md",
	},
	{
		.id = "container-dri",
		.must = VP_FACT_WL_PREFER_CT | VP_FACT_DRI,
		.path = VP_PATH_LXC_DRI,
		.device = VP_ADV_DEV_DRI,
		.effort = EFFORT_LXC,
		.tell = tell_ct_dri,
		.reason = "a container workload and a GPU with a render node: the host "
			  "keeps the GPU and shares it",
		.source = SEED000 "'Plex/Jellyfin transcoding only: usually no, "
				  "LXC with /dev/dri'; seed 000 'GPU passthrough vs "
				  "LXC /dev/dri'; devN: knowledge/proxmox-formats.md",
	},
	{
		.id = "no-iommu",
		.must_not = VP_FACT_IOMMU,
		.host_keeps = true,
		.path = VP_PATH_NONE,
		.tell = tell_no_iommu,
		.reason = "no IOMMU groups: nothing can leave the host",
		.source = "seed 000 'requires CPU + motherboard IOMMU support'; why: "
			  "host/iommu.c",
	},
	{
		.id = "vgpu-ready",
		.must = VP_FACT_VGPU_FREE,
		.must_not = VP_FACT_WL_PREFER_CT,
		.path = VP_PATH_VGPU,
		.device = VP_ADV_DEV_VG,
		.effort = EFFORT_VGPU_READY,
		.tell = tell_vgpu_ready,
		.reason = "the vGPU host driver lists types a VM can take now, without "
			  "taking a card from the host",
		.source = "knowledge/pve9-fleet-peers.md (NVIDIA vGPU on kernel >= 6.8: "
			  "VFs with nvidia/creatable_vgpu_types); qemu-server "
			  "PCI/Mdev.pm",
	},
	{
		.id = "sriov-vf",
		.must = VP_FACT_ONE_DISPLAY | VP_FACT_PT_KB_SRIOV,
		.must_not = VP_FACT_WL_VM,
		.path = VP_PATH_SRIOV_VF,
		.device = VP_ADV_DEV_PT,
		.effort = EFFORT_SRIOV,
		.tell = tell_sriov,
		.reason =
			"the only display, of a family with SR-IOV: a VF goes to the VM, "
			"the host keeps its display",
		.source = "knowledge/quirks-and-signatures.md (12th gen+ iGPU SR-IOV "
			  "via i915-sriov-dkms; Arc Pro); kb/gpus.c sriov",
	},
	{
		.id = "single-gpu",
		.must = VP_FACT_ONE_DISPLAY | VP_FACT_PT,
		.host_keeps = true,
		.path = VP_PATH_NONE,
		.device = VP_ADV_DEV_PT,
		.tell = tell_single,
		.reason = "the only display: passing it through takes the console away",
		.source = SEED000 "'Single-GPU homelab (no host backup video): No'",
	},
	{
		.id = "no-clean-group",
		.must_not = VP_FACT_PT_GROUP_OK,
		.host_keeps = true,
		.path = VP_PATH_NONE,
		.device = VP_ADV_DEV_PT,
		.tell = tell_group,
		.reason = "no GPU can leave the host, or its IOMMU group holds unrelated "
			  "devices",
		.source = "seed 000 'clean IOMMU group isolation; the latter is hardware "
			  "lottery'; the ACS override: knowledge/seed-corrections.md",
	},
	{
		.id = "ha-vgpu",
		.must = VP_FACT_HA | VP_FACT_PT_KB_VGPU,
		.path = VP_PATH_VGPU,
		.device = VP_ADV_DEV_PT,
		.effort = EFFORT_VGPU,
		.tell = tell_ha,
		.reason =
			"an HA node: a passed-through GPU pins its VM, vGPU can migrate",
		.source = SEED000 "'HA cluster member with GPU-bound VM: usually no, "
				  "mediated devices'",
	},
	{
		.id = "passthrough",
		.path = VP_PATH_PASSTHROUGH,
		.device = VP_ADV_DEV_PT,
		.effort = EFFORT_CLEAN,
		.tell = tell_passthrough,
		.reason = "a GPU beside the console's, in a clean group",
		.source = SEED000 "'Tower with 2 GPUs (primary + passthrough): Yes'; "
				  "reset and guest needs: kb/gpus.c "
				  "(knowledge/quirks-and-signatures.md)",
	},
};

/* ---- the host keeps its GPU: a container, else no GPU path ---------------- */

static const struct vp_advise_rule keep_rules[] = {
	{
		.id = "keep-dri",
		.must = VP_FACT_WL_CT_OK | VP_FACT_DRI,
		.path = VP_PATH_LXC_DRI,
		.device = VP_ADV_DEV_DRI,
		.effort = EFFORT_LXC,
		.reason = "the workload can live in a container, and a GPU has a render "
			  "node",
		.source = "seed 000 '/dev/dri is usually the lower-friction choice'",
	},
	{
		.id = "keep-nvidia",
		.must = VP_FACT_WL_CT_OK | VP_FACT_NV_CT,
		.must_not = VP_FACT_DRI,
		.path = VP_PATH_LXC_GPU,
		.device = VP_ADV_DEV_NV,
		.effort = EFFORT_LXC_NV,
		.reason =
			"the workload can live in a container, on the NVIDIA card's own "
			"nodes",
		.source = "host/gpudev.c (open-gpu-kernel-modules nv-chardev-numbers.h)",
	},
	{
		.id = "keep-none",
		.path = VP_PATH_NONE,
		.device = VP_ADV_DEV_RULE,
		.reason = "no GPU path on this host for this workload",
		.source = SEED000 "'Attempt passthrough? No'",
	},
};

const struct vp_advise_rule *vp_advise_rules(bool host_keeps, size_t *n)
{
	*n = host_keeps ? ARRAY_SIZE(keep_rules) : ARRAY_SIZE(rules);
	return host_keeps ? keep_rules : rules;
}

const struct vp_advise_rule *vp_advise_first(const struct vp_advise_rule *t, size_t n,
					     unsigned int facts)
{
	for (size_t i = 0; i < n; i++)
		if ((facts & t[i].must) == t[i].must && !(facts & t[i].must_not))
			return &t[i];
	return NULL;
}

/* ---- what each row says --------------------------------------------------- */

static void say(struct strv *s, char *line)
{
	if (line)
		strv_push(s, line);
}

static void tell_no_display(struct vp_advice *a, const struct vp_advise_facts *f)
{
	(void)f;
	say(&a->why, strdup("this host has no display device"));
}

static void tell_container(struct vp_advice *a, const struct vp_advise_facts *f)
{
	say(&a->why, xasprintf("%s; the host keeps the GPU and can share it among "
			       "containers",
			       f->wl->why));
}

static void tell_ct_nvidia(struct vp_advice *a, const struct vp_advise_facts *f)
{
	tell_container(a, f);
	say(&a->alternatives,
	    strdup("full passthrough only if a Windows VM must own the GPU"));
}

static void tell_ct_dri(struct vp_advice *a, const struct vp_advise_facts *f)
{
	tell_container(a, f);
	say(&a->why, strdup("no VFIO, no reset bugs, the console stays"));
	say(&a->alternatives,
	    strdup("full passthrough only if a Windows VM must own the GPU"));
}

static void tell_no_iommu(struct vp_advice *a, const struct vp_advise_facts *f)
{
	say(&a->why, strdup(f->h->no_iommu_why));
}

static void tell_vgpu_ready(struct vp_advice *a, const struct vp_advise_facts *f)
{
	const struct vp_dev *vg = f->vg, *pt = f->pt;
	const struct vp_vgpu_type *t = &vg->vgpu.types[0];

	say(&a->why,
	    xasprintf("NVIDIA's vGPU host driver offers vGPUs here: %zu function%s "
		      "can take one now (%s: %zu type%s, e.g. %s %s)",
		      f->nvg, f->nvg == 1 ? "" : "s", vg->addr, vg->vgpu.ntypes,
		      vg->vgpu.ntypes == 1 ? "" : "s", t->type, t->name ? t->name : ""));
	say(&a->why, xasprintf("next: vfio-pilot vm plan VMID --vgpu %s", t->type));
	say(&a->cautions, strdup("the guest needs NVIDIA's vGPU guest driver and a "
				 "licence from NVIDIA's licensing service"));
	/* A card on that driver with SR-IOV but no VFs yet is a vGPU card too. */
	if ((f->bits & VP_FACT_PT_GROUP_OK) &&
	    !(pt->sriov == VP_PRESENT && pt->driver && streq(pt->driver, "nvidia")))
		say(&a->alternatives,
		    xasprintf("full passthrough of %s: %s", pt->addr, EFFORT_CLEAN));
}

static void tell_sriov(struct vp_advice *a, const struct vp_advise_facts *f)
{
	say(&a->why, xasprintf("%s supports SR-IOV: a VF goes to the VM while the host "
			       "keeps its display",
			       f->kb->family));
}

static void tell_single(struct vp_advice *a, const struct vp_advise_facts *f)
{
	say(&a->why, xasprintf("%s is the host's only display: passing it through takes "
			       "the console away",
			       f->pt->addr));
	say(&a->alternatives, xasprintf("single-GPU passthrough anyway: %s, with SSH or "
					"IPMI for the host",
					EFFORT_SINGLE));
	if (f->bits & VP_FACT_PT_KB_SRIOV)
		say(&a->alternatives, strdup("an SR-IOV VF of this GPU (the host keeps "
					     "its display)"));
}

static void tell_group(struct vp_advice *a, const struct vp_advise_facts *f)
{
	if (f->pt)
		say(&a->why, xasprintf("%s shares IOMMU group %d with unrelated devices",
				       f->pt->addr, f->pt->iommu_group));
	else
		say(&a->why, strdup("no display device can leave the host"));
	say(&a->alternatives,
	    strdup("move the card to a CPU-attached slot, or accept the "
		   "ACS override and its lost isolation"));
}

static void tell_ha(struct vp_advice *a, const struct vp_advise_facts *f)
{
	(void)f;
	say(&a->why, strdup("this node runs HA resources; a passed-through GPU pins its "
			    "VM to the node, mediated vGPU can migrate"));
}

/* The card's reset behaviour and guest needs (kb/gpus.c). */
static void describe_reset(struct vp_advice *a, const struct vp_kb_gpu *kb)
{
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

static void tell_passthrough(struct vp_advice *a, const struct vp_advise_facts *f)
{
	const struct vp_host *h = f->h;
	const struct vp_dev *pt = f->pt;

	say(&a->why, xasprintf("%s: %s", f->wl->name, f->wl->why));
	say(&a->why,
	    xasprintf("group %d is %s", pt->iommu_group,
		      vp_group_verdict_name(vp_host_group(h, pt->iommu_group)->verdict)));
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i]->boot_vga == 1 && h->devs[i] != pt)
			say(&a->why, xasprintf("the host keeps its console on %s",
					       h->devs[i]->addr));
	if (f->kb)
		describe_reset(a, f->kb);
	if (f->bits & VP_FACT_CLUSTER)
		say(&a->cautions,
		    strdup("a cluster node: the VM cannot fail over to a node "
			   "without the same GPU (use a resource mapping)"));
	if (f->bits & VP_FACT_PT_KB_VGPU)
		say(&a->alternatives, xasprintf("mediated vGPU to share %s among VMs: %s",
						f->kb->models, EFFORT_VGPU));
	if ((f->bits & VP_FACT_WL_CT_OK) && f->dri)
		say(&a->alternatives,
		    xasprintf("LXC /dev/dri on %s: %s", f->dri->addr, EFFORT_LXC));
}
