// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per target: its IOMMU group, driver, companion functions, reset, the host
 * console and other host-critical roles, D3cold and NUMA.
 */
#include <errno.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "kb/kb.h"

/* Native GPU drivers that hold a card the host must let go of. */
static bool gpu_host_driver(const char *drv)
{
	static const char *const gpu[] = { "nvidia", "nouveau", "amdgpu",
					   "radeon", "i915",	"xe" };

	for (size_t i = 0; drv && i < ARRAY_SIZE(gpu); i++)
		if (streq(drv, gpu[i]))
			return true;
	return false;
}

static int group(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_group *g = vp_host_group(doc->s.h, t->iommu_group);
	struct vp_gap *gaps = NULL;
	size_t ngaps = 0;
	_cleanup_free_ char *unrelated = NULL, *where = NULL;
	bool soc = false;
	int r;

	if (!g)
		return vp_report(
			doc, c, t, VP_V_FAIL, xasprintf("%s has no IOMMU group", t->addr),
			vp_dev_ev(t, "iommu_group", "missing"),
			strdup("turn the IOMMU on first (see kernel.iommu-active)"));
	if (g->verdict != VP_GROUP_SHARED && doc->s.h->acs_override)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf("group %d is %s only through the ACS override: the "
				  "isolation is not real",
				  g->id, vp_group_verdict_name(g->verdict)),
			vp_dev_ev(t, "iommu_group", "%d with pcie_acs_override=%s", g->id,
				  doc->s.h->acs_override),
			strdup("use a slot whose group is isolated without the override, "
			       "or accept that the guest can reach host devices"));
	if (g->verdict != VP_GROUP_SHARED)
		return vp_report(doc, c, t, VP_V_OK,
				 xasprintf("group %d is %s", g->id,
					   vp_group_verdict_name(g->verdict)),
				 vp_dev_ev(t, "iommu_group", "%d", g->id), NULL);
	for (size_t i = 0; i < g->n; i++) {
		const struct vp_dev *m = g->members[i];
		char *s;

		if (m->unit < 0 || m->unit == t->unit)
			continue;
		soc = soc || vp_bdf_same_slot(&m->bdf, &t->bdf);
		s = xasprintf("%s%s%s", unrelated ? unrelated : "", unrelated ? ", " : "",
			      m->addr);
		free(unrelated);
		unrelated = s;
	}
	r = vp_group_explain(g, t->unit, &gaps, &ngaps);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ngaps; i++) {
		char *s = xasprintf("%s%s%s %s", where ? where : "", where ? "; " : "",
				    gaps[i].bridge ? gaps[i].bridge->addr : "platform",
				    gaps[i].why);

		free(where);
		where = s;
	}
	vp_gaps_free(gaps, ngaps);
	/* An APU's SoC functions beside its iGPU: the rule in host/select.c. */
	if (soc)
		return vp_report(
			doc, c, t, VP_V_FAIL,
			xasprintf(
				"group %d also holds host devices of the same chip, not "
				"of the card: %s; giving the group away takes them from "
				"the host",
				g->id, unrelated ? unrelated : "?"),
			vp_dev_ev(t, "iommu_group", "%d, joined at %s", g->id,
				  where ? where : "?"),
			strdup("give them away too only if the host can do without "
			       "them (host plan --include-group), or keep the GPU on "
			       "the host"));
	return vp_report(
		doc, c, t, VP_V_FAIL,
		xasprintf("group %d also holds unrelated devices: %s", g->id,
			  unrelated ? unrelated : "?"),
		vp_dev_ev(t, "iommu_group", "%d, joined at %s", g->id,
			  where ? where : "?"),
		strdup("move the card to a slot wired to the CPU (its own group), or "
		       "accept the ACS override and its lost isolation"));
}

/* "10de:2684,10de:22ba": the target and its companions, each id once. */
static char *card_ids(const struct vp_doc *doc, struct vp_dev *t)
{
	_cleanup_free_ struct vp_dev **comp = NULL;
	size_t n = 0;
	char *ids;

	if (vp_session_companions(&doc->s, t, &comp, &n) < 0)
		return NULL;
	ids = xasprintf("%04x:%04x", t->vendor, t->device);

	for (size_t i = 0; ids && i < n; i++) {
		char id[16], *more;

		if (comp[i]->unit < 0)
			continue;
		snprintf(id, sizeof(id), "%04x:%04x", comp[i]->vendor, comp[i]->device);
		if (strstr(ids, id))
			continue;
		more = xasprintf("%s,%s", ids, id);
		free(ids);
		ids = more;
	}
	return ids;
}

static int driver(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ char *ids = NULL;
	int r;

	if (streq(t->driver, "vfio-pci"))
		return vp_report(doc, c, t, VP_V_OK, strdup("bound to vfio-pci"),
				 vp_dev_ev(t, "driver", "vfio-pci"), NULL);
	/*
	 * A VFIO variant driver serves VFIO itself (kb/vfio.c): binding the
	 * device to vfio-pci would only lose what the variant adds. Proxmox
	 * leaves it alone with driver=keep (qemu-server PCI.pm
	 * prepare_pci_device, 9.0.25).
	 */
	if (vp_kb_vfio_variant(t->driver))
		return vp_report(
			doc, c, t, VP_V_OK,
			xasprintf("bound to the VFIO variant driver %s: pass it as it is "
				  "with hostpciN: ...,driver=keep (qemu-server 9.0.25), "
				  "not through vfio-pci",
				  t->driver),
			vp_dev_ev(t, "driver", "%s", t->driver), NULL);
	/*
	 * A vGPU card's PF and VFs stay on nvidia: VMs get vGPUs on the VFs
	 * (hostpciN: VF,mdev=nvidia-ID), which vfio-pci would take away.
	 */
	r = vp_doc_vgpu_keeps(doc, t);
	if (r < 0)
		return r;
	if (r)
		return vp_report(
			doc, c, t, VP_V_OK,
			t->vgpu.ntypes
				? xasprintf(
					  "stays on %s: it offers vGPU types (a VM gets "
					  "one as hostpciN: %s,mdev=%s), not the "
					  "function through vfio-pci",
					  t->driver, t->addr, t->vgpu.types[0].type)
				: xasprintf("stays on %s: a vGPU card's %s (see vgpu.vfs "
					    "and vgpu.types), not for vfio-pci",
					    t->driver, t->physfn ? "VF" : "PF"),
			t->physfn || t->vgpu.iface
				? vp_dev_ev(t, "driver", "%s; %zu vGPU type%s offered",
					    t->driver, t->vgpu.ntypes,
					    t->vgpu.ntypes == 1 ? "" : "s")
				: vp_dev_ev(t, "driver", "%s; %u of %u VFs enabled",
					    t->driver, t->sriov_num, t->sriov_total),
			NULL);
	if (!t->driver)
		return vp_report(
			doc, c, t, VP_V_OK,
			strdup("no driver bound; Proxmox binds vfio-pci at VM start"),
			vp_dev_ev(t, "driver", "none"), NULL);
	ids = card_ids(doc, t);
	if (!ids)
		return -ENOMEM;
	if (gpu_host_driver(t->driver))
		return vp_report(
			doc, c, t, VP_V_FAIL,
			xasprintf("the host driver %s holds the GPU", t->driver),
			vp_dev_ev(t, "driver", "%s", t->driver),
			xasprintf(
				"bind it to vfio-pci at boot: options vfio-pci ids=%s "
				"and softdep %s pre: vfio-pci in /etc/modprobe.d/vfio.conf, "
				"then update-initramfs -u -k all and reboot",
				ids, t->driver));
	return vp_report(
		doc, c, t, VP_V_WARN,
		xasprintf("bound to %s; Proxmox rebinds it at VM start, which works "
			  "only if %s lets go cleanly",
			  t->driver, t->driver),
		vp_dev_ev(t, "driver", "%s", t->driver),
		xasprintf("bind it to vfio-pci at boot (options vfio-pci ids=%s)", ids));
}

static int companions(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	_cleanup_free_ struct vp_dev **comp = NULL;
	_cleanup_free_ char *held = NULL, *list = NULL;
	size_t n = 0, slotfns = 0, slotcard = 1;
	int r = vp_session_companions(&doc->s, t, &comp, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < doc->s.h->ndevs; i++)
		slotfns += vp_bdf_same_slot(&doc->s.h->devs[i]->bdf, &t->bdf);
	for (size_t i = 0; i < n; i++)
		slotcard += vp_bdf_same_slot(&comp[i]->bdf, &t->bdf);
	if (n == 0)
		return vp_report(doc, c, t, VP_V_OK, strdup("no companion functions"),
				 vp_dev_ev(t, "iommu_group", "%d", t->iommu_group), NULL);
	for (size_t i = 0; i < n; i++) {
		char *s = xasprintf("%s%s%s", list ? list : "", list ? " " : "",
				    comp[i]->addr);

		free(list);
		list = s;
		if (!comp[i]->driver || streq(comp[i]->driver, "vfio-pci"))
			continue;
		s = xasprintf("%s%s%s (%s)", held ? held : "", held ? ", " : "",
			      comp[i]->addr, comp[i]->driver);
		free(held);
		held = s;
	}
	/* An APU's device also holds the host's SoC functions: never "all functions". */
	if (held && slotcard < slotfns)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf("companion functions still on host drivers: %s", held),
			xasprintf("functions of the same card: %s", list),
			xasprintf(
				"pass each of them as its own hostpci entry (not the "
				"whole device %.*s: its other functions are the host's), "
				"and add their ids to vfio-pci ids",
				(int)strlen(t->addr) - 2, t->addr));
	if (held)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf("companion functions still on host drivers: %s", held),
			xasprintf("functions of the same card: %s", list),
			xasprintf("pass the whole device (hostpci0: %.*s) so they move "
				  "together, and add their ids to vfio-pci ids",
				  (int)strlen(t->addr) - 2, t->addr));
	return vp_report(doc, c, t, VP_V_OK,
			 xasprintf("companion functions ready to go along: %s", list),
			 xasprintf("functions of the same card: %s", list), NULL);
}

static char *methods(const struct vp_dev *t)
{
	char *s = NULL;

	if (vp_dev_unknown_why(t, "reset_method"))
		return strdup("methods unknown");
	for (size_t i = 0; i < t->reset_methods.n; i++) {
		char *n = xasprintf("%s%s%s", s ? s : "", s ? " " : "",
				    t->reset_methods.v[i]);

		free(s);
		s = n;
	}
	return s ? s : strdup("none");
}

static int reset(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_kb_gpu *kb = vp_kb_gpu_lookup(t->vendor, t->device);
	_cleanup_free_ char *m = methods(t);
	char *ev = vp_dev_ev(t, "reset_method", "%s", m ? m : "?");

	if (kb && kb->reset == VP_RESET_VENDOR_RESET) {
		if (strv_contains(&t->reset_methods, "device_specific"))
			return vp_report(
				doc, c, t, VP_V_OK,
				xasprintf("%s reset bug handled: vendor-reset via "
					  "device_specific",
					  kb->family),
				ev, NULL);
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf(
				"%s has the AMD reset bug; vendor-reset handles it only "
				"with reset_method device_specific",
				kb->family),
			ev,
			xasprintf("install vendor-reset (vendor-reset-dkms), load it at "
				  "boot via /etc/modules, and add a udev rule: "
				  "ACTION==\"add\", SUBSYSTEM==\"pci\", "
				  "ATTR{vendor}==\"0x%04x\", ATTR{device}==\"0x%04x\", "
				  "ATTR{reset_method}=\"device_specific\"",
				  t->vendor, t->device));
	}
	if (kb && kb->reset == VP_RESET_BUG_NO_FIX)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf(
				"%s has a known reset bug with no kernel fix: the second "
				"VM start may need a host reboot",
				kb->family),
			ev,
			strdup("bind vfio-pci at boot so the host driver never touches the "
			       "card, set options vfio-pci disable_idle_d3=1, and plan for a "
			       "host reboot after a failed restart"));
	if (kb && kb->reset == VP_RESET_NONE)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf("%s has no working reset: it works once per host boot",
				  kb->family),
			ev,
			strdup("give the VM a vBIOS romfile and restart the host between "
			       "VM starts"));
	if (t->reset == VP_ABSENT)
		return vp_report(
			doc, c, t, VP_V_WARN,
			strdup("the kernel has no reset method for it: state carries over "
			       "between VM starts"),
			ev,
			strdup("pass every function of the device so a bus reset is "
			       "possible, or restart the host between VM starts"));
	if (kb && kb->reset == VP_RESET_UNRELIABLE)
		return vp_report(
			doc, c, t, VP_V_WARN,
			xasprintf("%s: reset reported unreliable (%s)", kb->family, m),
			ev, strdup("test a VM restart before relying on it"));
	return vp_report(doc, c, t, VP_V_OK, xasprintf("reset methods: %s", m), ev, NULL);
}

static int console(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	size_t displays = 0;

	for (size_t i = 0; i < doc->s.h->ndevs; i++)
		if (doc->s.h->devs[i]->kind == VP_KIND_DISPLAY && doc->s.h->devs[i] != t)
			displays++;
	if (t->boot_vga != 1)
		return vp_report(
			doc, c, t, VP_V_OK, strdup("not the host console"),
			vp_dev_ev(t, "boot_vga", "%s", t->boot_vga == 0 ? "0" : "absent"),
			NULL);
	return vp_report(
		doc, c, t, VP_V_WARN,
		displays ? strdup("the host console is on this GPU: the screen goes dark "
				  "when the VM starts")
			 : strdup("this is the host's only display: the console is gone "
				  "while the VM runs"),
		vp_dev_ev(t, "boot_vga", "1"),
		strdup("keep SSH (or IPMI / a BMC) working before you start the VM, or "
		       "make another GPU the primary display in the firmware setup"));
}

static int host_critical(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	if (!(t->critical & (VP_CRIT_NETWORK | VP_CRIT_ROOTDISK)))
		return vp_report(
			doc, c, t, VP_V_OK, strdup("the host does not depend on it"),
			strdup("default route, bridges and root filesystem checked"),
			NULL);
	return vp_report(doc, c, t, VP_V_FAIL,
			 xasprintf("the host needs it: %s", t->critical_why.v[0]),
			 strdup(t->critical_why.v[0]),
			 strdup("do not pass it through; give the VM another device"));
}

static int d3cold(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	const struct vp_kb_gpu *kb = vp_kb_gpu_lookup(t->vendor, t->device);
	_cleanup_free_ char *opt =
		vp_kmods_option(&doc->s.km, "vfio_pci", "disable_idle_d3");
	const char *cl = vp_cmdline_get(&doc->s.sys.cmdline, "vfio_pci.disable_idle_d3");

	if (!kb || !kb->d3cold_trouble)
		return vp_report(doc, c, t, VP_V_OK, strdup("no known D3cold trouble"),
				 vp_dev_ev(t, "d3cold_allowed", "%d", t->d3cold_allowed),
				 NULL);
	if ((opt && !streq(opt, "0")) || (cl && !streq(cl, "0")))
		return vp_report(doc, c, t, VP_V_OK,
				 strdup("disable_idle_d3 keeps it out of D3cold"),
				 strdup("options vfio-pci disable_idle_d3=1"), NULL);
	return vp_report(
		doc, c, t, VP_V_WARN,
		xasprintf("%s may not wake from D3cold (stuck in D3)", kb->family),
		vp_dev_ev(t, "d3cold_allowed", "%d", t->d3cold_allowed),
		strdup("add the line options vfio-pci disable_idle_d3=1 to "
		       "modprobe.d (/etc/modprobe.d/vfio.conf), then update-initramfs -u "
		       "-k all"));
}

static int numa(struct vp_doc *doc, const struct vp_check *c, struct vp_dev *t)
{
	int nodes = 0;

	for (size_t i = 0; i < doc->s.h->ndevs; i++)
		if (doc->s.h->devs[i]->numa_node + 1 > nodes)
			nodes = doc->s.h->devs[i]->numa_node + 1;
	if (nodes <= 1 || t->numa_node < 0)
		return vp_report(doc, c, t, VP_V_OK, strdup("a single NUMA node"),
				 vp_dev_ev(t, "numa_node", "%d", t->numa_node), NULL);
	return vp_report(
		doc, c, t, VP_V_OK,
		xasprintf("on NUMA node %d (CPUs %s): give the VM that node's CPUs and "
			  "memory",
			  t->numa_node, t->local_cpulist ? t->local_cpulist : "?"),
		vp_dev_ev(t, "numa_node", "%d", t->numa_node), NULL);
}

const struct vp_check vp_checks_device[] = {
	{ "device.group", VP_L_DEVICE, true, group },
	{ "device.driver", VP_L_DEVICE, true, driver },
	{ "device.companions", VP_L_DEVICE, true, companions },
	{ "device.reset", VP_L_DEVICE, true, reset },
	{ "device.console", VP_L_DEVICE, true, console },
	{ "device.host-critical", VP_L_DEVICE, true, host_critical },
	{ "device.d3cold", VP_L_DEVICE, true, d3cold },
	{ "device.numa", VP_L_DEVICE, true, numa },
	{ NULL, 0, false, NULL },
};
