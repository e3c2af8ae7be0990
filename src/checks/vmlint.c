// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm lint: start-time and silent problems of a VM config, from the facts of
 * src/pve (what Proxmox keeps) and, when a host is loaded, its devices,
 * groups, other guests and the knowledge base.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "checks/vmlint.h"
#include "kb/kb.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/vmfacts.h"

const char *vp_lint_sev_name(enum vp_lint_sev s)
{
	return s == VP_LINT_ERROR ? "error" : "warning";
}

void vp_lint_free(struct vp_lint *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->f[i].line);
		free(l->f[i].msg);
		free(l->f[i].fix);
	}
	free(l->f);
	memset(l, 0, sizeof(*l));
}

int vp_lint_verdict(const struct vp_lint *l)
{
	int v = 0;

	for (size_t i = 0; i < l->n; i++)
		if ((int)l->f[i].sev > v)
			v = (int)l->f[i].sev;
	return v;
}

static int add(struct vp_lint *l, const char *id, enum vp_lint_sev sev, const char *line,
	       char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int add(struct vp_lint *l, const char *id, enum vp_lint_sev sev, const char *line,
	       char *fix, const char *fmt, ...)
{
	struct vp_lint_finding *nf;
	char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	nf = r < 0 || !fix ? NULL : realloc(l->f, (l->n + 1) * sizeof(*nf));
	if (!nf) {
		free(fix);
		if (r >= 0)
			free(msg);
		return -ENOMEM;
	}
	l->f = nf;
	nf[l->n] =
		(struct vp_lint_finding){ id, sev, line ? strdup(line) : NULL, msg, fix };
	l->n++;
	return 0;
}

static const char *line_of(const struct vp_pve_conf *c, const char *key)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);

	return l ? l->text : NULL;
}

/* Add the host functions a hostpci id (an address or a slot) names to @l. */
static int host_devs(const struct vp_session *ses, const char *id, struct vp_devlist *l)
{
	struct vp_devspec spec;
	size_t first, n;
	int r = 0;

	if (!ses || vp_devspec_parse(id, &spec) < 0)
		return 0;
	n = vp_devspec_find(ses->h, &spec, &first);
	for (size_t i = first; r == 0 && i < first + n; i++)
		r = vp_devlist_add(l, ses->h->devs[i]);
	return r;
}

/*
 * The host functions a hostpci mapping=NAME stands for on this node: the
 * map's paths for the node of /etc/hostname (every node's when unknown).
 */
static int mapped_devs(const struct vp_lint_env *env, const char *name,
		       struct vp_devlist *l)
{
	_cleanup_free_ char *node = NULL;
	struct strv paths = { 0 };
	int r;

	if (!env->ses || !env->pcimap || !vp_pve_mapping_find(env->pcimap, name))
		return 0;
	if (vp_read_strf(env->ses->ctx, VP_ETC, &node, "hostname") == 0)
		node[strcspn(node, ". \t\n")] = '\0';
	r = vp_pve_mapping_paths(env->pcimap, name, node && node[0] ? node : NULL,
				 &paths);
	for (size_t i = 0; r == 0 && i < paths.n; i++)
		r = host_devs(env->ses, paths.v[i], l);
	strv_free(&paths);
	return r == -ENOENT ? 0 : r;
}

/*
 * What vm plan refuses (host/select.c) is an error here too, whether the
 * VM names the device or a mapping does: a bridge, the root disk's or the
 * management network's controller. The console GPU is a warning: a
 * headless host is a choice (vm plan --take-host-device).
 */
static int lint_host_needs(const struct vp_dev *d, const char *line, const char *key,
			   struct vp_lint *l)
{
	const struct vp_select_opts so = { .take_flag = "--take-host-device" };
	struct vp_devset judged = { 0 };
	int r = vp_select_judge(&so, d, &judged);

	for (size_t i = 0; r == 0 && i < judged.refusals.n; i++) {
		bool console = d->critical == VP_CRIT_CONSOLE;

		r = add(l, console ? "host-console" : "host-device",
			console ? VP_LINT_WARN : VP_LINT_ERROR, line,
			console ? xasprintf("the host is headless while the VM runs: "
					    "reach it over the network, or give the VM "
					    "another GPU")
				: xasprintf("remove %s: vfio-pilot vm plan refuses this "
					    "device",
					    key),
			"%s", judged.refusals.v[i]);
	}
	vp_devset_free(&judged);
	return r;
}

/*
 * "All functions" of an APU's iGPU device also pass the SoC's own functions
 * (USB, security processor, audio): not the card's (vp_same_card in
 * host/select.c), so the host loses them.
 */
static int lint_not_card(const struct vp_session *ses, struct vp_dev **devs, size_t nd,
			 const char *line, const char *key, struct vp_lint *l)
{
	int r = 0;

	for (size_t i = 0; i < nd; i++) {
		if (devs[i]->kind != VP_KIND_DISPLAY)
			continue;
		for (size_t k = 0; r == 0 && k < nd; k++)
			if (vp_bdf_same_slot(&devs[k]->bdf, &devs[i]->bdf) &&
			    !vp_same_card(ses->ctx, ses->h, devs[i], devs[k]))
				r = add(l, "not-card-function", VP_LINT_WARN, line,
					xasprintf(
						"name the card's functions in %s one by "
						"one (%s and its companions), not the "
						"whole device",
						key, devs[i]->addr),
					"%s passes %s [%04x:%04x] with the GPU %s: it is "
					"not part of the card (an APU's SoC function or an "
					"SR-IOV VF) and the host loses it",
					key, devs[k]->addr, devs[k]->vendor,
					devs[k]->device, devs[i]->addr);
		return r;
	}
	return 0;
}

static bool vm_has_function(const struct vp_pve_vmfacts *f, const char *addr)
{
	for (size_t i = 0; i < f->n_hostpci; i++)
		for (size_t k = 0; k < f->hostpci[i].hosts.n; k++)
			if (vp_bdf_ids_overlap(f->hostpci[i].hosts.v[k], addr))
				return true;
	return false;
}

/*
 * driver= against the driver the device has (qemu-server PCI.pm
 * prepare_pci_device): with driver=keep Proxmox leaves the device on
 * whatever driver holds it, so an ordinary host driver (nvidia, amdgpu,
 * i915) keeps it and QEMU finds no VFIO device: the VM does not start.
 * Without it a device on a VFIO variant driver is rebound to plain vfio-pci
 * and reset, and loses what the variant adds (kb/vfio.c).
 */
static int lint_driver(const struct vp_pve_hostpci *h, struct vp_dev **devs, size_t nd,
		       const char *line, const char *key, const struct vp_lint_env *env,
		       struct vp_lint *l)
{
	bool keep = streq(h->driver, "keep");
	int r = 0;

	for (size_t k = 0; k < nd && r == 0; k++) {
		const struct vp_dev *d = devs[k];
		const struct vp_kb_vfio_variant *v = vp_kb_vfio_variant(d->driver);

		if (keep && !v && !streq(d->driver, "vfio-pci"))
			r = add(l, "keep-host-driver", VP_LINT_ERROR, line,
				xasprintf(
					"drop driver=keep from %s so Proxmox binds %s to "
					"vfio-pci at start, or bind it to its VFIO variant "
					"driver first",
					key, d->addr),
				"%s has driver=keep but %s is %s%s: Proxmox leaves the "
				"device to the host driver and QEMU finds no VFIO device, "
				"the VM does not start",
				key, d->addr,
				d->driver ? "bound to the host driver " : "",
				d->driver ? d->driver : "bound to no driver");
		else if (!keep && v)
			r = add(l, "variant-without-keep", VP_LINT_WARN, line,
				xasprintf("qm set %s --%s %s,driver=keep (qemu-server "
					  "9.0.25)",
					  env->id, key, h->value),
				"%s is on the VFIO variant driver %s, but %s has no "
				"driver=keep: at start Proxmox rebinds it to plain vfio-pci "
				"and resets it, losing what the variant adds%s",
				d->addr, d->driver, key,
				v->migration ? " (live migration)" : "");
	}
	return r;
}

/* The `live-migration-capable` of mapping @name: 1, 0 (also unset). */
static int map_live_migration(const struct vp_pve_mapping *m, const char *name)
{
	const struct vp_pve_map_entry *e = vp_pve_mapping_find(m, name);
	size_t idx;

	if (!e)
		return 0;
	idx = (size_t)(e - m->entries);
	for (size_t i = 0; i < m->n_lines; i++) {
		const struct vp_pve_map_line *ln = &m->lines[i];

		if (ln->entry == idx && ln->kind == VP_PVE_MAPL_PROPERTY &&
		    ln->status == VP_PVE_OK && streq(ln->key, "live-migration-capable"))
			return streq(ln->value, "1");
	}
	return 0;
}

/*
 * A live-migration-capable mapping makes Proxmox start QEMU with
 * enable-migration=on (qemu-server PCI.pm parse_hostpci, 8.3.9); QEMU then
 * refuses a device whose driver has no VFIO migration support instead of
 * blocking migration (hw/vfio/migration.c vfio_block_migration: "VFIO
 * migration is not supported in kernel"). Only variant drivers implement it;
 * vfio-pci with a GPU never does (pve9-fleet-peers.md).
 */
static int lint_migration(const struct vp_lint_env *env, const char *name,
			  struct vp_dev **devs, size_t nd, const char *line,
			  const char *key, struct vp_lint *l)
{
	int r = 0;

	if (!env->pcimap || !map_live_migration(env->pcimap, name))
		return 0;
	for (size_t k = 0; k < nd && r == 0; k++) {
		const struct vp_dev *d = devs[k];
		const struct vp_kb_vfio_variant *v = vp_kb_vfio_variant(d->driver);

		if (v && v->migration)
			continue;
		r = add(l, "migration-unsupported", VP_LINT_ERROR, line,
			xasprintf(
				"set live-migration-capable 0 on mapping '%s' (Datacenter "
				"> Resource Mappings), or bind %s to a VFIO variant "
				"driver that implements migration",
				name, d->addr),
			"mapping '%s' is live-migration-capable, so %s goes to QEMU with "
			"enable-migration=on, but %s is %s%s, %s: QEMU refuses the device "
			"('VFIO migration is not supported in kernel') and the VM does not "
			"start",
			name, key, d->addr, d->driver ? "bound to " : "",
			d->driver ? d->driver : "bound to no driver",
			v ? "a variant driver without VFIO migration"
			  : "and only VFIO variant drivers implement migration");
	}
	return r;
}

/*
 * hostpciN with mdev= (a vGPU), as qemu-server takes it: PCI.pm
 * parse_hostpci refuses mdev= on more than one function, makes
 * mdev=nvidia-<N> on a function with an nvidia/ directory NVIDIA's VF
 * interface (PCI/Mdev.pm create_nvidia_device: "vgpu type 'N' not
 * available" unless the VF lists it, or already runs it), and any other
 * mdev= a mediated device of that type (pci_create_mdev_device);
 * parse_hostpci_devices refuses legacy-igd with mdev. x-vga needs the
 * device's VGA region, which a vGPU VF lacks (QEMU hw/vfio/pci.c
 * vfio_populate_vga).
 */
static int lint_vgpu(const struct vp_pve_hostpci *h, struct vp_dev **devs, size_t nd,
		     const char *line, const char *key, const struct vp_lint_env *env,
		     struct vp_lint *l)
{
	const struct vp_session *ses = env->ses;
	bool nv = startswith(h->mdev, "nvidia-");
	const struct vp_dev *bad = NULL;
	const struct vp_vgpu_type *known = NULL;
	bool any_vgpu = false, busy_mdev = false;
	_cleanup_free_ char *offers = NULL, *run = NULL, *label = NULL;
	int r = 0, err = 0;

	if (h->hosts.n > 1 || (ses && !h->mapping && nd > 1))
		return add(l, "vgpu-multifunction", VP_LINT_ERROR, line,
			   xasprintf("name one function in %s (a VF: ADDR.F); vfio-pilot "
				     "vm plan %s --vgpu %s picks a free one",
				     key, env->id, h->mdev),
			   "%s has mdev=%s on %s: qemu-server refuses the start ('cannot "
			   "use mediated device with multifunction device', PCI.pm "
			   "parse_hostpci)",
			   key, h->mdev,
			   h->hosts.n > 1 ? "several devices"
					  : "all functions of a slot");
	if (!ses && h->hosts.n == 1 && vp_pve_pci_id_all_functions(h->hosts.v[0]))
		r = add(l, "vgpu-multifunction", VP_LINT_WARN, line,
			xasprintf("name one function in %s: %s.F", key, h->hosts.v[0]),
			"%s has mdev=%s on the slot %s: qemu-server refuses the start "
			"unless the slot has a single function ('cannot use mediated "
			"device with multifunction device')",
			key, h->mdev, h->hosts.v[0]);
	if (r == 0 && h->legacy_igd)
		r = add(l, "vgpu-display", VP_LINT_ERROR, line,
			xasprintf("remove legacy-igd=1 from %s", key),
			"%s has legacy-igd=1 with mdev=%s: Proxmox refuses the start "
			"('legacy IGD assignment is not compatible with mdev')",
			key, h->mdev);
	if (r == 0 && h->x_vga && nv)
		r = add(l, "vgpu-display", VP_LINT_ERROR, line,
			xasprintf("remove x-vga=1 from %s; the console stays on the "
				  "emulated display",
				  key),
			"%s has x-vga=1 with the NVIDIA vGPU mdev=%s: a vGPU has no VGA "
			"output for x-vga and QEMU refuses the device",
			key, h->mdev);
	if (r < 0 || !ses || !nd)
		return r;
	/* a mapping's devices are alternatives: one that can make it is enough */
	for (size_t k = 0; k < nd; k++) {
		const struct vp_dev *d = devs[k];

		if (d->vgpu.iface == VP_VGPU_NONE)
			continue;
		any_vgpu = true;
		/* the NVIDIA path only for mdev=nvidia-<N> (PCI.pm parse_hostpci) */
		if (d->vgpu.iface == VP_VGPU_NVIDIA && !nv)
			continue;
		if (vp_vgpu_creatable(d, h->mdev, true))
			return 0;
		known = known ? known : vp_vgpu_known(ses->h, d, h->mdev, true);
		bad = bad ? bad : d;
		busy_mdev = busy_mdev ||
			    (d->vgpu.iface == VP_VGPU_MDEV && d->vgpu.instances > 0);
	}
	if (!any_vgpu)
		return add(
			l, "vgpu-no-types", VP_LINT_ERROR, line,
			xasprintf("drop mdev= to pass %s whole, or name a function with "
				  "vGPU types (vfio-pilot vm plan %s --vgpu TYPE)",
				  devs[0]->addr, env->id),
			"%s has mdev=%s, but %s%s offers no vGPU types (no "
			"nvidia/creatable_vgpu_types or mdev_supported_types; driver "
			"%s): Proxmox cannot make the device and the VM does not start",
			key, h->mdev, devs[0]->addr, nd > 1 ? " (nor the others)" : "",
			devs[0]->driver ? devs[0]->driver : "none");
	bad = bad ? bad : devs[0];
	offers = vp_vgpu_offered((struct vp_dev *const *)&bad, 1);
	if (!offers)
		return -ENOMEM;
	if (!known) {
		/* "L40S-4Q" for "nvidia-1150": the name where the type belongs */
		const struct vp_vgpu_type *by_name =
			vp_vgpu_known(ses->h, bad, h->mdev, false);

		return add(
			l, "vgpu-type-unknown", VP_LINT_ERROR, line,
			by_name ? xasprintf("write mdev=%s: %s is the type's name, "
					    "mdev= takes the type",
					    by_name->type, h->mdev)
				: xasprintf("use a type %s offers, as mdev= writes "
					    "it (vfio-pilot vm plan %s --vgpu NAME)",
					    bad->addr, env->id),
			"%s has mdev=%s, which is no vGPU type of %s%s: Proxmox refuses "
			"the start; it offers: %s",
			key, h->mdev, bad->addr,
			bad->vgpu.iface == VP_VGPU_NVIDIA
				? " (NVIDIA types are nvidia-<id>)"
				: "",
			offers);
	}
	label = known->name ? xasprintf("%s (%s)", known->name, known->type)
			    : strdup(known->type);
	run = vp_vgpu_running(ses->h, vp_vgpu_card(ses->h, bad), NULL, NULL, &err);
	if (!label || err < 0)
		return -ENOMEM;
	return add(l, "vgpu-not-offered", busy_mdev ? VP_LINT_WARN : VP_LINT_ERROR, line,
		   xasprintf("pick a type %s makes now, or another card (vfio-pilot vm "
			     "plan %s --vgpu TYPE); or stop what runs there first",
			     bad->addr, env->id),
		   "%s has mdev=%s, %s, which %s cannot make now%s%s%s: Proxmox "
		   "refuses the start ('vgpu type not available'); it offers only: %s",
		   key, h->mdev, label, bad->addr, run ? ": its card runs " : "",
		   run ? run : "",
		   run ? " and, without heterogeneous vGPU mode, one vGPU profile "
			 "size at a time"
		   : busy_mdev ? " (no instance left; one may be this VM's own "
				 "while it runs)"
			       : "",
		   offers);
}

static int lint_lines(const struct vp_pve_conf *c, struct vp_lint *l)
{
	int r = 0;

	for (size_t i = 0; i < c->n_lines && r == 0; i++) {
		const struct vp_pve_line *ln = &c->lines[i];

		if (ln->section != 0)
			continue;
		if (ln->status == VP_PVE_REJECTED)
			r = add(l, "dropped-line", VP_LINT_ERROR, ln->text,
				strdup("correct the line; Proxmox removes it the next time it writes "
				       "the config"),
				"Proxmox ignores this line and drops it: %s",
				ln->reason ? ln->reason : "unparsable");
		else if (ln->status == VP_PVE_API_INVALID)
			r = add(l, "api-invalid", VP_LINT_WARN, ln->text,
				strdup("use a value qm set accepts"),
				"the file parser keeps it, but qm set and the GUI refuse it: %s",
				ln->reason ? ln->reason : "invalid");
	}
	return r;
}

static int lint_hostpci(const struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
			const struct vp_lint_env *env, struct vp_lint *l)
{
	const struct vp_session *ses = env->ses;
	int r = 0;

	for (size_t i = 0; i < f->n_hostpci && r == 0; i++) {
		const struct vp_pve_hostpci *h = &f->hostpci[i];
		_cleanup_free_ char *key = xasprintf("hostpci%u", h->index);
		const char *line = key ? line_of(c, key) : NULL;
		_cleanup_free_ struct vp_dev **devs = NULL;
		struct vp_devlist found = { 0 };
		size_t nd = 0;

		if (!key)
			return -ENOMEM;
		if (!h->valid)
			continue;
		for (size_t k = 0; r == 0 && k < h->hosts.n; k++)
			r = host_devs(ses, h->hosts.v[k], &found);
		if (r == 0 && h->mapping)
			r = mapped_devs(env, h->mapping, &found);
		devs = found.v;
		nd = found.n;
		for (size_t k = 0; r == 0 && k < nd; k++)
			r = lint_host_needs(devs[k], line, key, l);
		if (r == 0 && ses)
			r = lint_not_card(ses, devs, nd, line, key, l);
		if (r == 0 && ses)
			r = lint_driver(h, devs, nd, line, key, env, l);
		if (r == 0 && ses && h->mapping)
			r = lint_migration(env, h->mapping, devs, nd, line, key, l);
		if (r == 0 && h->mdev)
			r = lint_vgpu(h, devs, nd, line, key, env, l);
		if (h->pcie && !f->q35)
			r = add(l, "pcie-without-q35", VP_LINT_ERROR, line,
				xasprintf(
					"set machine: q35 (qm set %s --machine q35), or drop pcie=1",
					env->id),
				"pcie=1 needs the q35 machine; the VM does not start ('q35 machine "
				"model is not enabled')");
		if (r == 0 && !ses && !f->ovmf && h->x_vga)
			r = add(l, "seabios-gpu", VP_LINT_WARN, line_of(c, "bios"),
				xasprintf(
					"bios: ovmf with an efidisk0 (qm set %s --bios ovmf)",
					env->id),
				"SeaBIOS with a passthrough GPU (x-vga=1): modern GPUs expect UEFI "
				"(GOP) firmware");
		if (r == 0 && h->romfile && strpbrk(h->romfile, " \t#"))
			r = add(l, "romfile-comment", VP_LINT_ERROR, line,
				strdup("remove the comment: Proxmox has no inline comments, the text "
				       "becomes part of the file name"),
				"romfile '%s' holds white space or '#': QEMU looks for that file in "
				"/usr/share/kvm and the VM does not start",
				h->romfile);
		if (r == 0 && h->legacy_igd &&
		    (f->q35 || !streq(f->vga_type, "none") || h->x_vga || !h->rombar ||
		     h->hosts.n != 1 || !h->hosts.v[0] ||
		     !strstr(h->hosts.v[0], "00:02.0")))
			r = add(l, "legacy-igd", VP_LINT_ERROR, line,
				strdup("legacy-igd=1 needs the iGPU at 00:02.0 alone, an i440fx "
				       "machine, vga: none, rombar on, no x-vga; or drop legacy-igd"),
				"legacy-igd conditions not met: Proxmox refuses to start the VM");
		if (r == 0 && h->mapping && env->pcimap_known &&
		    (!env->pcimap || !vp_pve_mapping_find(env->pcimap, h->mapping)))
			r = add(l, "mapping-missing", VP_LINT_ERROR, line,
				xasprintf(
					"create mapping '%s' (Datacenter > Resource Mappings) or "
					"use the host address",
					h->mapping),
				"mapping '%s' is not in /etc/pve/mapping/pci.cfg",
				h->mapping);
		for (size_t k = 0; k < nd && r == 0; k++) {
			struct vp_dev *d = devs[k];
			_cleanup_free_ struct vp_dev **comp = NULL;
			const struct vp_kb_gpu *kb =
				vp_kb_gpu_lookup(d->vendor, d->device);
			bool compute = (d->class >> 8) == PCI_CLASS_DISPLAY_3D ||
				       (kb && kb->role == VP_GPU_COMPUTE);
			size_t nc;

			if (h->x_vga && compute)
				r = add(l, "xvga-compute", VP_LINT_ERROR, line,
					strdup("remove x-vga=1; use vga: serial0 or std for the console"),
					"x-vga=1 on %s, a compute card without display outputs",
					d->addr);
			if (r == 0 && !f->ovmf &&
			    (d->class >> 16) == PCI_BASE_CLASS_DISPLAY && kb)
				r = add(l, "seabios-gpu", VP_LINT_WARN,
					line_of(c, "bios"),
					xasprintf(
						"bios: ovmf with an efidisk0 (qm set %s --bios ovmf)",
						env->id),
					"SeaBIOS with %s (%s): modern GPUs expect UEFI (GOP) firmware",
					d->addr, kb->family);
			nc = 0;
			if (r == 0 && ses)
				r = vp_session_companions(ses, d, &comp, &nc);
			for (size_t j = 0; j < nc && r == 0; j++)
				if (!vm_has_function(f, comp[j]->addr))
					r = add(l, "missing-companion", VP_LINT_ERROR,
						line,
						xasprintf(
							"pass the whole device (%04x:%02x:%02x) or add "
							"%s as another hostpci",
							d->bdf.domain, d->bdf.bus,
							d->bdf.dev, comp[j]->addr),
						"%s goes without its companion %s: the group is not "
						"viable for vfio with one of them on the host",
						d->addr, comp[j]->addr);
			for (size_t j = 0; ses && j < ses->guests.n && r == 0; j++) {
				const struct vp_guest_ref *g = &ses->guests.refs[j];

				if (!g->address ||
				    !vp_bdf_ids_overlap(g->address, d->addr) ||
				    (g->kind == 'q' && (unsigned long)g->id == env->vmid))
					continue;
				r = add(l, "device-shared", VP_LINT_WARN, line,
					strdup("give each device to one guest, or never run both"),
					"%s is also in %s %d (%s): the second to start fails",
					d->addr, g->kind == 'q' ? "VM" : "container",
					g->id, g->key);
			}
		}
		if (r == 0 && h->x_vga && f->vga_type && !streq(f->vga_type, "none") &&
		    !startswith(f->vga_type, "serial"))
			r = add(l, "vga-beside-xvga", VP_LINT_WARN, line_of(c, "vga"),
				xasprintf("qm set %s --vga none", env->id),
				"an emulated VGA (%s) beside the x-vga GPU: the guest's primary "
				"display is the emulated one",
				f->vga_type);
		/* the same function in two entries */
		for (size_t j = i + 1; j < f->n_hostpci && r == 0; j++)
			for (size_t a = 0; a < h->hosts.n; a++)
				for (size_t b = 0; b < f->hostpci[j].hosts.n; b++)
					if (r == 0 &&
					    vp_bdf_ids_overlap(h->hosts.v[a],
							       f->hostpci[j].hosts.v[b]))
						r = add(l, "device-twice", VP_LINT_ERROR,
							line,
							xasprintf(
								"remove one of hostpci%u and hostpci%u",
								h->index,
								f->hostpci[j].index),
							"%s is in hostpci%u and hostpci%u: 'assigned "
							"more than once', the VM does not start",
							h->hosts.v[a], h->index,
							f->hostpci[j].index);
	}
	return r;
}

/* Hiding the kb says no card here needs: kvm=off, hidden=1. */
static int lint_hiding(const struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
		       const struct vp_lint_env *env, struct vp_lint *l)
{
	bool hides = f->cpu_hidden == 1 || (f->args && strstr(f->args, "kvm=off"));
	bool known = false, need = false;
	const struct vp_kb_gpu *first = NULL;

	if (!hides || !env->ses)
		return 0;
	for (size_t i = 0; i < f->n_hostpci; i++) {
		const struct vp_pve_hostpci *h = &f->hostpci[i];

		for (size_t k = 0; k < h->hosts.n; k++) {
			struct vp_devlist devs = { 0 };
			int r = host_devs(env->ses, h->hosts.v[k], &devs);

			if (r < 0)
				return r;
			for (size_t j = 0; j < devs.n; j++) {
				const struct vp_kb_gpu *kb = vp_kb_gpu_lookup(
					devs.v[j]->vendor, devs.v[j]->device);

				if (!kb || kb->role == VP_GPU_AUDIO)
					continue;
				known = true;
				first = first ? first : kb;
				need |= vp_kb_hiding_possible(kb);
			}
			free(devs.v);
		}
	}
	if (!known || need)
		return 0;
	return add(l, "needless-hiding", VP_LINT_WARN,
		   f->cpu_hidden == 1 ? line_of(c, "cpu") : line_of(c, "args"),
		   strdup("drop hidden=1 / kvm=off: they only cost performance "
			  "(Hyper-V enlightenments)"),
		   "%s (%s) needs no hypervisor hiding", first->family,
		   first->vendor_name);
}

static unsigned long lint_num(const struct vp_pve_conf *c, const char *key,
			      unsigned long dflt)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);
	const char *v = l ? l->value : NULL;

	if (v && startswith(v, "current="))
		v += strlen("current=");
	return v ? strtoul(v, NULL, 10) ?: dflt : dflt;
}

/*
 * Memory.pm config and hugepages_size at start: "numa needs to be enabled to
 * use hugepages", numa0-7 adding up to the memory ("total memory for NUMA
 * nodes must be equal to vm static memory") and, with hugepages, naming
 * hostnodes and a policy, and each guest node's memory a multiple of the
 * page size. Memory hotplug sizes its DIMMs itself and is left out.
 */
static int lint_memory(const struct vp_pve_conf *c, const struct vp_lint_env *env,
		       struct vp_lint *l)
{
	const struct vp_pve_line *hp = vp_pve_conf_find(c, 0, "hugepages"),
				 *numa = vp_pve_conf_find(c, 0, "numa"),
				 *hot = vp_pve_conf_find(c, 0, "hotplug");
	unsigned long mem = lint_num(c, "memory", 512),
		      sockets = lint_num(c, "sockets", 1);
	unsigned long size = 0, total = 0, nodes = 0;
	bool numa_on = numa && vp_pve_parse_boolean(numa->value) == 1;
	int r = 0;

	if (hp)
		size = streq(hp->value, "1024") ? 1024 : 2; /* "any": 2 MiB at worst */
	if (hp && !numa_on)
		return add(l, "hugepages-without-numa", VP_LINT_ERROR, hp->text,
			   xasprintf("qm set %s --numa 1", env->id),
			   "hugepages without numa: the VM does not start (numa needs to "
			   "be enabled to use hugepages)");
	if (!numa_on || (hot && strstr(hot->value, "memory")))
		return 0;
	for (int i = 0; i < 8 && r == 0; i++) {
		char key[8];
		const struct vp_pve_line *n;
		struct vp_pve_propstr ps;
		const char *m;

		snprintf(key, sizeof(key), "numa%d", i);
		if (!(n = vp_pve_conf_find(c, 0, key)))
			continue;
		r = vp_pve_propstr_split(vp_pve_schema_numa(), n->value, &ps, NULL);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			r = 0;
			continue;
		}
		nodes++;
		m = vp_pve_propstr_get(&ps, "memory");
		total += m ? strtoul(m, NULL, 10) : 0;
		if (hp && (!vp_pve_propstr_get(&ps, "hostnodes") ||
			   !vp_pve_propstr_get(&ps, "policy")))
			r = add(l, "numa-hugepages", VP_LINT_ERROR, n->text,
				xasprintf("add hostnodes=N,policy=bind to %s", key),
				"%s without hostnodes and policy: with hugepages the VM does "
				"not start (numa hostnodes need to be defined to use hugepages)",
				key);
		else if (hp && m && strtoul(m, NULL, 10) % size)
			r = add(l, "hugepages-size", VP_LINT_ERROR, n->text,
				xasprintf("make %s's memory a multiple of %lu", key,
					  size),
				"%s memory %s is not a multiple of the hugepage size %lu MiB: "
				"the VM does not start",
				key, m, size);
		vp_pve_propstr_free(&ps);
	}
	if (r == 0 && nodes && total != mem)
		r = add(l, "numa-memory", VP_LINT_ERROR, line_of(c, "numa0"),
			xasprintf("make numa0-7 memory add up to %lu", mem),
			"numa0-7 memory adds up to %lu, not the VM's %lu: the VM does not "
			"start (total memory for NUMA nodes must be equal to vm static memory)",
			total, mem);
	else if (r == 0 && hp && !nodes && (mem / sockets) % size)
		r = add(l, "hugepages-size", VP_LINT_ERROR, hp->text,
			xasprintf("qm set %s --memory %lu", env->id,
				  (mem / sockets / size + 1) * size * sockets),
			"memory %lu over %lu socket(s) is not a multiple of the hugepage "
			"size %lu MiB per NUMA node: the VM does not start",
			mem, sockets, size);
	return r;
}

/*
 * A Windows VM's EFI disk with Microsoft's keys enrolled but not the 2023
 * ones (ms-cert other than 2023k, Drive.pm $efidisk_fmt): the 2011
 * certificates expire in June 2026 and Windows' Secure Boot updates need the
 * 2023 CA. qemu-server warns at every start (QemuServer.pm check_efi_vars,
 * OVMF.pm should_enroll_ms_2023_cert) but does not enrol them itself, as that
 * trips BitLocker (changelog 9.0.x).
 */
static int lint_efidisk(const struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
			const struct vp_lint_env *env, struct vp_lint *l)
{
	static const char *const windows[] = { "wxp",  "w2k",  "w2k3",	"w2k8", "wvista",
					       "win7", "win8", "win10", "win11" };
	const struct vp_pve_line *efi = vp_pve_conf_find(c, 0, "efidisk0");
	struct vp_pve_propstr ps;
	const char *keys, *cert;
	bool win = false;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(windows); i++)
		win = win || streq(f->ostype, windows[i]);
	if (!efi || !efi->value || efi->status != VP_PVE_OK || !win)
		return 0;
	r = vp_pve_propstr_split(vp_pve_schema_efidisk(), efi->value, &ps, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	keys = vp_pve_propstr_get(&ps, "pre-enrolled-keys");
	cert = vp_pve_propstr_get(&ps, "ms-cert");
	if (keys && vp_pve_parse_boolean(keys) == 1 && !streq(cert, "2023k"))
		r = add(l, "efi-ms-cert", VP_LINT_WARN, efi->text,
			xasprintf("with the VM shut down: qm enroll-efi-keys %s (GUI: "
				  "Disk Action > Enroll Updated Certificates); suspend "
				  "BitLocker in the guest first",
				  env->id),
			"efidisk0 has Microsoft's Secure Boot keys but not the 2023 "
			"certificates (ms-cert=%s, not 2023k): the 2011 certificates "
			"expire in June 2026 and Windows' Secure Boot updates need the "
			"2023 CA",
			cert ? cert : "2011");
	vp_pve_propstr_free(&ps);
	return r;
}

/*
 * Large BARs under OVMF with a qemu64/kvm64-based CPU type and no +pdpe1gb:
 * OVMF then limits the guest to 40 physical address bits, too few for a
 * GPU with a lot of vRAM (qemu-server CPUConfig.pm
 * check_phys_bits_above_40_compat, 9.1.7; the rule vm plan follows,
 * plan/vmplan.c plan_large_bar).
 */
static int lint_large_bar(const struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
			  const struct vp_lint_env *env, struct vp_lint *l)
{
	static const char *const based[] = { "kvm64",	      "qemu64",	   "x86-64-v2",
					     "x86-64-v2-AES", "x86-64-v3", "x86-64-v4" };
	const struct vp_dev *big = NULL;
	unsigned long long total = 0;
	bool q64 = !f->cputype;

	for (size_t i = 0; i < ARRAY_SIZE(based); i++)
		q64 = q64 || streq(f->cputype, based[i]);
	if (!env->ses || !f->ovmf || !q64 ||
	    (f->cpu_flags && strstr(f->cpu_flags, "+pdpe1gb")))
		return 0;
	for (size_t i = 0; i < f->n_hostpci; i++) {
		struct vp_devlist devs = { 0 };
		int r = 0;

		for (size_t k = 0; r == 0 && k < f->hostpci[i].hosts.n; k++)
			r = host_devs(env->ses, f->hostpci[i].hosts.v[k], &devs);
		if (r == 0 && f->hostpci[i].mapping)
			r = mapped_devs(env, f->hostpci[i].mapping, &devs);
		for (size_t j = 0; r == 0 && j < devs.n; j++)
			for (size_t b = 0; b < devs.v[j]->nbars; b++) {
				const struct vp_bar *bar = &devs.v[j]->bars[b];

				if (bar->index >= 6 || bar->io || !bar->mem64)
					continue;
				total += bar->size;
				big = big ? big : devs.v[j];
			}
		free(devs.v);
		if (r < 0)
			return r;
	}
	if (!big || total < (4ULL << 30))
		return 0;
	return add(l, "large-bar-pdpe1gb", VP_LINT_WARN, line_of(c, "cpu"),
		   xasprintf("qm set %s --cpu %s,flags=%s%s+pdpe1gb (or cpu: host)",
			     env->id, f->cputype ? f->cputype : "kvm64",
			     f->cpu_flags ? f->cpu_flags : "", f->cpu_flags ? ";" : ""),
		   "%llu MiB of 64-bit BARs (%s ...) under OVMF with CPU type %s "
		   "without +pdpe1gb: OVMF limits the guest to 40 physical address "
		   "bits and may not map them (qemu-server 9.1.7 warns 'OVMF "
		   "firmware might limit CPU phys-bits to 40')",
		   total >> 20, big->addr, f->cputype ? f->cputype : "kvm64");
}

int vp_vm_lint(const struct vp_pve_conf *c, const struct vp_lint_env *env_in,
	       struct vp_lint *out)
{
	struct vp_lint_env e = *env_in;
	const struct vp_lint_env *env = env_in;
	struct vp_pve_vmfacts f = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	r = vp_pve_vmfacts_get(c, &f);
	if (r < 0)
		return r;
	if (env->vmid)
		snprintf(e.id, sizeof(e.id), "%lu", env->vmid);
	else
		snprintf(e.id, sizeof(e.id), "VMID");
	env = &e;
	r = lint_lines(c, out);
	if (r == 0)
		r = lint_hostpci(c, &f, env, out);
	if (r == 0 && f.n_hostpci && (!f.balloon || !streq(f.balloon, "0")))
		r = add(out, "balloon", VP_LINT_WARN, line_of(c, "balloon"),
			xasprintf("qm set %s --balloon 0 (recommended, not required)",
				  env->id),
			"ballooning with passthrough: the VM's memory is pinned, the balloon "
			"cannot return any and only confuses the guest");
	if (r == 0)
		r = lint_hiding(c, &f, env, out);
	if (r == 0)
		r = lint_memory(c, env, out);
	if (r == 0)
		r = lint_efidisk(c, &f, env, out);
	if (r == 0)
		r = lint_large_bar(c, &f, env, out);
	vp_pve_vmfacts_free(&f);
	return r;
}
