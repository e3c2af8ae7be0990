// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm plan: the passthrough keys of a VM config (docs/vm.md). Every value
 * goes through vp_pve_vmconf_set, which applies Proxmox's file and API
 * checks; a value it refuses becomes a refusal, never a write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "host/usb.h"
#include "plan/atomic.h"
#include "plan/vmguests.h"
#include "plan/vmplan.h"
#include "pve/mapping.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/vmconf.h"
#include "pve/vmfacts.h"

void vp_vm_change_free(struct vp_vm_change *c)
{
	free(c->text);
	strv_free(&c->keys);
	strv_free(&c->values);
	strv_free(&c->notes);
	strv_free(&c->refusals);
	strv_free(&c->alloc_keys);
	strv_free(&c->alloc_values);
	memset(c, 0, sizeof(*c));
}

/* Set @key to @value unless it already holds exactly that. */
static int set_key(struct vp_pve_conf *c, struct vp_vm_change *out, const char *key,
		   const char *value)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);
	_cleanup_free_ char *reason = NULL;
	int r;

	if (l && l->status == VP_PVE_OK && streq(l->value, value))
		return 0;
	r = vp_pve_vmconf_set(c, false, key, value, &reason);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return strv_pushf(&out->refusals, "%s: %s: %s", key, value,
				  reason ? reason : strerror(-r));
	r = strv_add(&out->keys, key);
	return r < 0 ? r : strv_add(&out->values, value);
}

/* A vGPU entry is neither: the VM's display settings stay as they are. */
static bool is_compute(const struct vp_vm_dev *d)
{
	return !d->mdev && ((d->class >> 8) == PCI_CLASS_DISPLAY_3D ||
			    (d->kb && d->kb->role == VP_GPU_COMPUTE));
}

static bool is_display(const struct vp_vm_dev *d)
{
	return !d->mdev && (d->class >> 8) == PCI_CLASS_DISPLAY_VGA && !is_compute(d);
}

/* "host,hidden=1,flags=..." from the present cpu value. */
static char *cpu_value(const char *cur, bool hide)
{
	_cleanup_free_ char *copy = cur ? strdup(cur) : strdup("");
	char *v = strdup("host"), *save = NULL;
	bool hidden = false;

	if (!copy || !v) {
		free(v);
		return NULL;
	}
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *n;

		if (!strchr(t, '=') || startswith(t, "cputype="))
			continue;
		if (startswith(t, "hidden=")) {
			if (hide)
				continue;
			hidden = true;
		}
		n = xasprintf("%s,%s", v, t);
		free(v);
		if (!(v = n))
			return NULL;
	}
	if (hide && !hidden) {
		char *n = xasprintf("%s,hidden=1", v);

		free(v);
		v = n;
	}
	return v;
}

static unsigned long conf_num(const struct vp_pve_conf *c, const char *key,
			      unsigned long dflt)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);
	const char *v;

	if (!l || !l->value)
		return dflt;
	v = l->value;
	if (startswith(v, "current="))
		v += strlen("current=");
	return strtoul(v, NULL, 10) ?: dflt;
}

static bool is_gpu(const struct vp_vm_dev *d)
{
	/* PCI base class 03 (display controller): VGA, 3D (compute) or other */
	return (d->class >> 16) == PCI_BASE_CLASS_DISPLAY;
}

/*
 * Is qemu-server @v ("9.1.1", "9.0.25~1") at least a.b.c? 1 yes, 0 no, -1
 * unknown (no version, or one that does not parse).
 */
static int qs_at_least(const char *v, int a, int b, int c)
{
	int x = 0, y = 0, z = 0;

	if (!v || sscanf(v, "%d.%d.%d", &x, &y, &z) < 2)
		return -1;
	if (x != a)
		return x > a;
	if (y != b)
		return y > b;
	return z >= c;
}

/*
 * The hostpciN indexes in use: the live section's lines (even the ones
 * Proxmox drops, which the admin may mean to fix), [PENDING]'s lines and its
 * deletions (applying the pending change would replace or remove a new
 * entry there), and, as @snap, the ones only a snapshot has (a rollback
 * restores that snapshot's whole config, so these are taken last).
 */
static void used_indexes(const struct vp_pve_conf *c,
			 const struct vp_pve_hostpci_refs *refs, bool *used, bool *snap)
{
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];
		unsigned n;
		char tail;

		if (l->section != 0 || l->kind != VP_PVE_LINE_KEY || !l->key)
			continue;
		if (sscanf(l->key, "hostpci%u%c", &n, &tail) == 1 && n < VP_HOSTPCI_MAX)
			used[n] = true;
	}
	for (size_t i = 0; i < refs->n; i++)
		if (refs->v[i].h.index < VP_HOSTPCI_MAX) {
			if (refs->v[i].kind == VP_PVE_SEC_PENDING)
				used[refs->v[i].h.index] = true;
			else
				snap[refs->v[i].h.index] = true;
		}
}

/* The indexes a new entry skips because [PENDING] holds them, said once. */
static int note_pending_indexes(const struct vp_pve_conf *c,
				const struct vp_pve_hostpci_refs *refs,
				struct vp_vm_change *out)
{
	for (size_t i = 0; i < refs->n; i++) {
		const struct vp_pve_hostpci_ref *e = &refs->v[i];
		char key[16];
		int r;

		snprintf(key, sizeof(key), "hostpci%u", e->h.index);
		if (e->kind != VP_PVE_SEC_PENDING || vp_pve_conf_find(c, 0, key))
			continue;
		r = strv_pushf(
			&out->notes,
			"hostpci%u is taken in [PENDING] (%s): not reused, as "
			"applying the pending change would replace a new entry there",
			e->h.index, e->deleted ? "a pending deletion" : e->h.value);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pick_index(const struct vp_pve_hostpci_refs *refs, const bool *used,
		      const bool *snap, struct vp_vm_change *out)
{
	for (int i = 0; i < VP_HOSTPCI_MAX; i++)
		if (!used[i] && !snap[i])
			return i;
	for (int i = 0; i < VP_HOSTPCI_MAX; i++) {
		const struct vp_pve_hostpci_ref *e = NULL;
		int r;

		if (used[i])
			continue;
		for (size_t k = 0; k < refs->n && !e; k++)
			if (refs->v[k].h.index == (unsigned)i)
				e = &refs->v[k];
		r = strv_pushf(
			&out->notes,
			"hostpci%d: every other index is taken; this one is in "
			"snapshot '%s' (%s): rolling back restores that snapshot's "
			"device instead",
			i, e ? e->section : "?", e && e->h.value ? e->h.value : "");
		return r < 0 ? r : i;
	}
	return -1;
}

/* Does a [PENDING] hostpciN already name @host? */
static const struct vp_pve_hostpci_ref *
pending_has(const struct vp_pve_hostpci_refs *refs, const char *host, const char *mapping)
{
	for (size_t i = 0; i < refs->n; i++) {
		const struct vp_pve_hostpci_ref *e = &refs->v[i];

		if (e->kind != VP_PVE_SEC_PENDING || e->deleted)
			continue;
		if (mapping && streq(e->h.mapping, mapping))
			return e;
		for (size_t k = 0; host && k < e->h.hosts.n; k++)
			if (vp_bdf_ids_overlap(e->h.hosts.v[k], host))
				return e;
	}
	return NULL;
}

/*
 * Does the entry for @d keep its driver? With --mapping every device the
 * mapping names on this node must be on a variant driver.
 */
static bool keep_all(const struct vp_vm_req *rq, const struct vp_vm_dev *d)
{
	/* a vGPU stays on its host driver: PCI.pm prepare_pci_device skips it */
	if (d->mdev)
		return false;
	if (!rq->mapping)
		return d->keep;
	for (size_t i = 0; i < rq->ndevs; i++)
		if (!rq->devs[i].keep)
			return false;
	return rq->ndevs > 0;
}

/*
 * driver=keep (qemu-server 9.0.25, commit aa47045f, PCI.pm $hostpci_fmt and
 * prepare_pci_device): Proxmox then neither binds the device to vfio-pci nor
 * resets it, and QEMU opens the VFIO device the variant driver provides.
 * Without it Proxmox would rebind a variant-driven device to plain vfio-pci
 * and lose what the variant adds (migration, the vendor's VF handling).
 * A qemu-server that predates the key rejects the line: then a refusal, and
 * *val is freed.
 */
static int plan_keep(const struct vp_vm_req *rq, const struct vp_vm_dev *d,
		     const char *key, char **val, struct vp_vm_change *out)
{
	int have = qs_at_least(rq->qemu_server, 9, 0, 25);
	char *n;

	if (have == 0) {
		free(*val);
		*val = NULL;
		return strv_pushf(
			&out->refusals,
			"%s: %s is bound to the VFIO variant driver %s and needs "
			"driver=keep, which qemu-server %s does not know (added in "
			"9.0.25): upgrade to Proxmox VE 9",
			key, d->host, d->driver ? d->driver : "?", rq->qemu_server);
	}
	n = xasprintf("%s,driver=keep", *val);
	if (!n)
		return -ENOMEM;
	free(*val);
	*val = n;
	return strv_pushf(&out->notes,
			  "%s: driver=keep: %s stays on its VFIO variant driver %s; "
			  "Proxmox neither rebinds it to vfio-pci nor resets it at VM "
			  "start (qemu-server 9.0.25)%s",
			  key, d->host, d->driver ? d->driver : "?",
			  have < 0
				  ? "; qemu-server's version is unknown here, older ones "
				    "reject the key"
				  : "");
}

static int plan_devices(struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
			const struct vp_pve_hostpci_refs *refs,
			const struct vp_vm_req *rq, bool q35, bool display,
			struct vp_vm_change *out)
{
	bool used[VP_HOSTPCI_MAX] = { 0 }, snap[VP_HOSTPCI_MAX] = { 0 };
	const struct vp_pve_hostpci_ref *e;
	bool noted = false;
	int r;

	used_indexes(c, refs, used, snap);
	if (rq->mapping) {
		for (size_t i = 0; i < f->n_hostpci; i++)
			if (streq(f->hostpci[i].mapping, rq->mapping))
				return strv_pushf(&out->notes,
						  "hostpci%u already uses mapping %s",
						  f->hostpci[i].index, rq->mapping);
		if ((e = pending_has(refs, NULL, rq->mapping)))
			return strv_pushf(&out->notes,
					  "[PENDING] hostpci%u already uses mapping %s "
					  "(applied when the VM next starts)",
					  e->h.index, rq->mapping);
	}
	for (size_t i = 0; i < (rq->mapping ? 1 : rq->ndevs); i++) {
		const struct vp_vm_dev *d = rq->ndevs ? &rq->devs[i] : NULL;
		_cleanup_free_ char *key = NULL, *val = NULL;
		bool have = false;
		int idx;

		for (size_t j = 0; d && !rq->mapping && j < f->n_hostpci && !have; j++)
			for (size_t k = 0; k < f->hostpci[j].hosts.n; k++)
				if (vp_bdf_ids_overlap(f->hostpci[j].hosts.v[k],
						       d->host)) {
					r = strv_pushf(
						&out->notes,
						"%s is already in hostpci%u: left as it is",
						d->host, f->hostpci[j].index);
					if (r < 0)
						return r;
					have = true;
					break;
				}
		if (!have && d && !rq->mapping &&
		    (e = pending_has(refs, d->host, NULL))) {
			r = strv_pushf(
				&out->notes,
				"%s is already in [PENDING] hostpci%u (%s), applied "
				"when the VM next starts: left as it is",
				d->host, e->h.index, e->h.value);
			if (r < 0)
				return r;
			have = true;
		}
		if (have)
			continue;
		if (!noted) {
			r = note_pending_indexes(c, refs, out);
			if (r < 0)
				return r;
			noted = true;
		}
		idx = pick_index(refs, used, snap, out);
		if (idx == -ENOMEM)
			return idx;
		if (idx < 0)
			return strv_pushf(
				&out->refusals,
				"all 16 hostpci slots (hostpci0-15) are taken in the config, "
				"its [PENDING] section or its snapshots; Proxmox allows no "
				"more");
		used[idx] = true;
		key = xasprintf("hostpci%d", idx);
		/* pcie=1 is refused at start without q35 (PCI.pm print_hostpci_devices)
		 */
		if (rq->mapping)
			val = xasprintf("mapping=%s%s", rq->mapping,
					q35 ? ",pcie=1" : "");
		else if (d->mdev)
			val = xasprintf("%s,mdev=%s%s", d->host, d->mdev,
					q35 ? ",pcie=1" : "");
		else
			val = xasprintf("%s%s", d->host, q35 ? ",pcie=1" : "");
		if (!key || !val)
			return -ENOMEM;
		if (rq->primary_gpu && (rq->mapping ? display : d && is_display(d))) {
			char *n = xasprintf("%s,x-vga=1", val);

			free(val);
			if (!(val = n))
				return -ENOMEM;
		}
		if (d && keep_all(rq, d)) {
			r = plan_keep(rq, d, key, &val, out);
			if (r < 0)
				return r;
			if (!val)
				continue;
		}
		if (d && d->kb && d->kb->needs_romfile) {
			char *n = xasprintf("%s,romfile=vbios-%04x-%04x.bin", val,
					    d->vendor, d->device);

			free(val);
			if (!(val = n))
				return -ENOMEM;
			r = strv_pushf(
				&out->notes,
				"%s: %s needs its vBIOS (%s); place the dumped ROM as "
				"/usr/share/kvm/vbios-%04x-%04x.bin before the VM starts",
				key, d->kb->family, d->kb->source, d->vendor, d->device);
			/*
			 * qemu-server 9.2.6 (commit 79782166, API2/Qemu.pm): only
			 * root@pam may set romfile through the API
			 */
			if (r == 0)
				r = strv_pushf(
					&out->notes,
					"%s: romfile= can only be set by root@pam (qemu-server "
					"9.2.6): an API token or another user gets 'only root "
					"can set romfile'; apply as root",
					key);
			if (r < 0)
				return r;
		}
		r = set_key(c, out, key, val);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan_cpu(struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
		    const struct vp_vm_req *rq, struct vp_vm_change *out)
{
	const struct vp_kb_gpu *arc = NULL, *old_nv = NULL, *nv = NULL;
	_cleanup_free_ char *cpu = NULL;
	int r;

	for (size_t i = 0; i < rq->ndevs; i++) {
		const struct vp_kb_gpu *k = rq->devs[i].kb;

		enum vp_hiding h = vp_kb_hiding(k, rq->driver_version);

		if (h == VP_HIDE_KVM_HV)
			arc = k;
		if (k && k->code43_before_r465) {
			nv = k;
			if (h == VP_HIDE_KVM)
				old_nv = k;
		}
	}
	if (nv && !old_nv) {
		r = strv_pushf(
			&out->notes,
			"%s: no KVM hiding; NVIDIA drivers R465 and later run on GeForce in "
			"a VM%s",
			nv->family,
			rq->driver_version
				? ""
				: " (give --driver-version if the guest runs an older one)");
		if (r < 0)
			return r;
	}
	cpu = cpu_value(f->cpu, arc || old_nv);
	if (!cpu)
		return -ENOMEM;
	r = set_key(c, out, "cpu", cpu);
	if (r < 0)
		return r;
	if (old_nv) {
		r = strv_pushf(
			&out->notes,
			"hidden=1 (kvm=off): the guest's NVIDIA driver %d is older than R465 "
			"and reports Code 43 when it sees KVM",
			rq->driver_version);
		if (r < 0)
			return r;
	}
	if (arc) {
		const char *want = "-cpu host,-hypervisor,kvm=off";
		_cleanup_free_ char *args = NULL;

		r = strv_pushf(
			&out->notes,
			"%s: hidden=1 and -hypervisor: the Arc Windows driver checks CPUID "
			"leaf 1 ECX bit 31 as well as the KVM signature (Code 43); args -cpu "
			"replaces the -cpu Proxmox builds",
			arc->family);
		if (r < 0)
			return r;
		if (f->args && strstr(f->args, "-hypervisor"))
			return 0;
		if (f->args && strstr(f->args, "-cpu"))
			return strv_pushf(
				&out->notes,
				"args already has a -cpu option; add -hypervisor,kvm=off to it "
				"by hand");
		args = f->args ? xasprintf("%s %s", f->args, want) : strdup(want);
		if (!args)
			return -ENOMEM;
		r = set_key(c, out, "args", args);
	}
	return r;
}

static bool conf_true(const struct vp_pve_conf *c, const char *key)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);

	return l && l->value && vp_pve_parse_boolean(l->value) == 1;
}

/* "hotplug: network,disk,memory": "1" means network,disk,usb (QemuServer.pm
 * parse_hotplug_features). */
static bool memory_hotplug(const struct vp_pve_conf *c)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, "hotplug");
	_cleanup_free_ char *copy = l && l->value ? strdup(l->value) : NULL;
	char *save = NULL;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save))
		if (streq(t, "memory"))
			return true;
	return false;
}

/*
 * A VM's own numa0-7 lines, checked as Memory.pm config and
 * hugepages_topology check them at start with hugepages on: memory, cpus,
 * hostnodes (one node each) and policy set, and the memories adding up to
 * the VM's memory. Fills @mem with each node's memory. 0, or 1 with *why.
 */
static int custom_numa(const struct vp_pve_conf *c, unsigned long memory,
		       unsigned long *mem, size_t *n, char **why)
{
	unsigned long total = 0;

	*n = 0;
	for (int i = 0; i < 8; i++) {
		char key[8];
		const struct vp_pve_line *l;
		struct vp_pve_propstr ps;
		const char *m, *hn, *pol, *cpus;
		int r;

		snprintf(key, sizeof(key), "numa%d", i);
		if (!(l = vp_pve_conf_find(c, 0, key)))
			continue;
		r = vp_pve_propstr_split(vp_pve_schema_numa(), l->value, &ps, NULL);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			*why = xasprintf("%s does not parse", key);
			return 1;
		}
		m = vp_pve_propstr_get(&ps, "memory");
		hn = vp_pve_propstr_get(&ps, "hostnodes");
		pol = vp_pve_propstr_get(&ps, "policy");
		cpus = vp_pve_propstr_get(&ps, "cpus");
		if (!m || !cpus)
			*why = xasprintf("%s has no %s (missing NUMA node%d %s value)",
					 key, m ? "cpus" : "memory", i,
					 m ? "cpus" : "memory");
		else if (!hn)
			*why = xasprintf("%s has no hostnodes (numa hostnodes need to be "
					 "defined to use hugepages)",
					 key);
		else if (strspn(hn, "0123456789") != strlen(hn))
			*why = xasprintf(
				"%s has hostnodes=%s (more than 1 hostnode value "
				"in numa node is not supported when hugepages are "
				"enabled)",
				key, hn);
		else if (!pol)
			*why = xasprintf("%s has no policy (you need to define a policy "
					 "for hostnode %s)",
					 key, hn);
		else
			mem[(*n)++] = strtoul(m, NULL, 10), total += mem[*n - 1];
		vp_pve_propstr_free(&ps);
		if (*why)
			return 1;
	}
	if (*n && total != memory) {
		*why = xasprintf(
			"numa0-7 memory adds up to %lu, not the VM's %lu (total "
			"memory for NUMA nodes must be equal to vm static memory)",
			total, memory);
		return 1;
	}
	return 0;
}

/* Where the hugepages' page count of @size (MiB) stands on the host. */
static int note_reservation(const struct vp_vm_req *rq, unsigned long size,
			    unsigned long pages, struct vp_vm_change *out)
{
	long total = size == 1024 ? rq->hp.total_1g : rq->hp.total_2m;
	long avail = size == 1024 ? rq->hp.free_1g : rq->hp.free_2m;
	const char *unit = size == 1024 ? "1 GiB" : "2 MiB";
	const char *where = rq->hp.where ? rq->hp.where : "the host";

	if (!rq->hp.known || avail < 0)
		return strv_pushf(
			&out->notes,
			"hugepages: the host's reservation could not be read "
			"(/sys/kernel/mm/hugepages): the VM needs %lu free pages of %s on "
			"%s when it starts",
			pages, unit, where);
	if ((unsigned long)avail >= pages)
		return strv_pushf(
			&out->notes,
			"hugepages: %s has %ld free pages of %s (%ld reserved); "
			"the VM needs %lu",
			where, avail, unit, total, pages);
	return strv_pushf(
		&out->notes,
		"warning: hugepages: %s has %ld free pages of %s (%ld reserved) but the VM "
		"needs %lu: qemu-server tries to allocate the rest when the VM starts "
		"(Memory.pm hugepages_allocate), which %s; reserve them at boot "
		"(kernel command line %s hugepages=%lu)",
		where, avail, unit, total, pages,
		size == 1024 ? "for 1 GiB pages usually fails once memory is fragmented"
			     : "fails when memory is short",
		size == 1024 ? "hugepagesz=1G" : "hugepagesz=2M", pages);
}

/*
 * --tune: hugepages, NUMA and affinity that pass qemu-server's start checks
 * (Memory.pm config, hugepages_size, hugepages_topology): hugepages only with
 * numa on, every guest node's memory a multiple of the page size, a host node
 * behind every guest node, no memory hotplug with numa0-7. What cannot pass
 * is skipped with a note, never written.
 */
static int plan_tune(struct vp_pve_conf *c, const struct vp_vm_req *rq,
		     struct vp_vm_change *out)
{
	_cleanup_free_ char *numa0 = NULL, *why = NULL;
	unsigned long vcpus, mem, sockets, nodemem[8], size = 0, total = 0;
	const struct vp_pve_line *hp = vp_pve_conf_find(c, 0, "hugepages");
	size_t n = 0;
	bool bind, custom, ok1g = true, ok2m = true;
	int r;

	sockets = conf_num(c, "sockets", 1);
	vcpus = conf_num(c, "cores", 1) * sockets;
	mem = conf_num(c, "memory", 512);
	if (memory_hotplug(c))
		return strv_pushf(&out->notes,
				  "--tune: memory hotplug is on (hotplug: memory): no "
				  "hugepages or NUMA binding, as Proxmox sizes the DIMMs "
				  "itself and refuses numa0-7 with it");
	r = custom_numa(c, mem, nodemem, &n, &why);
	custom = n > 0;
	if (r < 0)
		return r;
	if (r > 0)
		return strv_pushf(
			&out->notes,
			"--tune: no hugepages: the VM's %s; Proxmox would refuse "
			"to start it (Memory.pm)",
			why ? why : "NUMA lines do not parse");
	bind = !n && rq->multi_node && rq->numa_node >= 0;
	if (bind) {
		nodemem[n++] = mem;
	} else if (!n) {
		/* numa without numa0-7: one guest node per socket on host nodes 0..S-1 */
		if (sockets > 8 ||
		    (rq->host_nodes > 0 && sockets > (unsigned long)rq->host_nodes))
			return strv_pushf(
				&out->notes,
				"--tune: no hugepages: with sockets: %lu and no numa0-7 lines "
				"Proxmox puts guest node N on host node N, and this host has "
				"%d (host NUMA node%d doesn't exist)",
				sockets, rq->host_nodes, rq->host_nodes);
		if (mem % sockets)
			return strv_pushf(
				&out->notes,
				"--tune: no hugepages: memory %lu does not split "
				"evenly over %lu sockets",
				mem, sockets);
		for (unsigned long i = 0; i < sockets; i++)
			nodemem[n++] = mem / sockets;
	}
	for (size_t i = 0; i < n; i++) {
		ok1g = ok1g && nodemem[i] % 1024 == 0;
		ok2m = ok2m && nodemem[i] % 2 == 0 && nodemem[i] > 0;
		total += nodemem[i];
	}
	if (hp && hp->value && !streq(hp->value, "any")) {
		size = strtoul(hp->value, NULL, 10);
		if ((size == 1024 && !ok1g) || (size == 2 && !ok2m))
			return strv_pushf(
				&out->notes,
				"warning: hugepages: %lu is already set, but memory %lu "
				"is not a multiple of it on every NUMA node: Proxmox "
				"will refuse to start the VM; left for you to fix",
				size, mem);
	} else if (hp) {
		size = ok1g && (!rq->hp.known || rq->hp.has_1g) ? 1024 : 2;
	} else if (ok1g && (!rq->hp.known || rq->hp.has_1g)) {
		size = 1024;
	} else if (ok2m && (!rq->hp.known || rq->hp.has_2m)) {
		size = 2;
	} else {
		return strv_pushf(
			&out->notes,
			"--tune: no hugepages: memory %lu is not a multiple of a "
			"page size this host offers",
			mem);
	}
	if (!hp) {
		r = set_key(c, out, "hugepages", size == 1024 ? "1024" : "2");
		if (r < 0)
			return r;
	}
	if (!conf_true(c, "numa")) {
		r = set_key(c, out, "numa", "1");
		if (r == 0)
			r = strv_pushf(
				&out->notes,
				"numa: 1: Proxmox starts a VM with hugepages only with "
				"NUMA on (Memory.pm: numa needs to be enabled to use "
				"hugepages)");
		if (r < 0)
			return r;
	}
	r = note_reservation(rq, size, total / size, out);
	if (r < 0 || !bind)
		return r < 0 ? r
			     : strv_pushf(
				       &out->notes, "%s",
				       custom ? "numa0-7 kept as they are; no affinity change"
				       : !rq->multi_node
					       ? "one NUMA node: no numa0 or affinity settings"
					       : "the devices' NUMA node is unknown: no numa0 or "
						 "affinity settings");
	numa0 = vcpus > 1 ? xasprintf("cpus=0-%lu,hostnodes=%d,memory=%lu,policy=bind",
				      vcpus - 1, rq->numa_node, mem)
			  : xasprintf("cpus=0,hostnodes=%d,memory=%lu,policy=bind",
				      rq->numa_node, mem);
	if (!numa0)
		return -ENOMEM;
	r = set_key(c, out, "numa0", numa0);
	if (r == 0 && rq->node_cpus)
		r = set_key(c, out, "affinity", rq->node_cpus);
	if (r == 0)
		r = strv_pushf(
			&out->notes,
			"numa: the VM's memory and vCPUs on host node %d, the GPU's node",
			rq->numa_node);
	return r;
}

/* "pc-q35-7.1+pve1", "pc-i440fx-8.2" or "q35": at least maj.min? (unversioned: latest) */
static bool machine_at_least(const char *machine, int maj, int min)
{
	const char *v = machine ? strrchr(machine, '-') : NULL;
	int a = 0, b = 0;

	if (!v || sscanf(v + 1, "%d.%d", &a, &b) != 2)
		return true;
	return a > maj || (a == maj && b >= min);
}

/*
 * usbN (qemu-server USB.pm): indexes 0-13; 5 and up only with machine >= 7.1
 * and ostype l26 or Windows newer than 7 (assert_usb_index_is_useable).
 */
static int plan_usb(struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
		    const struct vp_vm_req *rq, struct vp_vm_change *out)
{
	static const char *const modern[] = { "l26", "win8", "win10", "win11" };
	bool used[14] = { 0 }, os_ok = false;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(modern); i++)
		os_ok = os_ok || streq(f->ostype, modern[i]);
	for (size_t i = 0; i < f->n_usb; i++)
		if (f->usb[i].index < 14)
			used[f->usb[i].index] = true;
	for (size_t i = 0; rq->usb && i < rq->usb->n; i++) {
		const char *want = rq->usb->v[i];
		_cleanup_free_ char *key = NULL;
		bool have = false;
		int idx = -1;

		/* the same host= already there (any index, any other options) */
		for (size_t k = 0; k < f->n_usb && !have; k++)
			have = f->usb[k].host && startswith(want, "host=") &&
			       strlen(f->usb[k].host) == strcspn(want + 5, ",") &&
			       strncasecmp(f->usb[k].host, want + 5,
					   strlen(f->usb[k].host)) == 0;
		if (have) {
			r = strv_pushf(
				&out->notes,
				"%s is already in the VM's usb lines: left as it is",
				want);
			if (r < 0)
				return r;
			continue;
		}
		for (int k = 0; k < 14 && idx < 0; k++)
			if (!used[k])
				idx = k;
		if (idx < 0)
			return strv_pushf(
				&out->refusals,
				"all 14 usb slots (usb0-13) are taken; Proxmox allows no more");
		if (idx >= 5 && (!os_ok || !machine_at_least(f->machine, 7, 1)))
			return strv_pushf(
				&out->refusals,
				"usb%d: using usb%d is only possible with machine type >= 7.1 "
				"and ostype l26 or windows > 7 (usb0-4 are taken)",
				idx, idx);
		used[idx] = true;
		key = xasprintf("usb%d", idx);
		if (!key)
			return -ENOMEM;
		r = set_key(c, out, key, want);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The storage of the VM's boot disk ("local-lvm" of "scsi0:
 * local-lvm:vm-100-disk-0,size=32G"), for new volumes: the disk in boot's
 * order, else the first disk that is not a CD-ROM. NULL when none names one.
 */
static char *boot_storage(const struct vp_pve_conf *c)
{
	static const struct {
		const char *bus;
		int n;
	} buses[] = { { "scsi", 31 }, { "virtio", 16 }, { "sata", 6 }, { "ide", 4 } };
	const struct vp_pve_line *boot = vp_pve_conf_find(c, 0, "boot");
	const char *order = boot && boot->value ? strstr(boot->value, "order=") : NULL;
	char key[16];

	for (int pass = 0; pass < 2; pass++)
		for (size_t b = 0; b < ARRAY_SIZE(buses); b++)
			for (int i = 0; i < buses[b].n; i++) {
				const struct vp_pve_line *l;
				const char *v;
				size_t k;

				snprintf(key, sizeof(key), "%s%d", buses[b].bus, i);
				if (pass == 0 && (!order || !strstr(order, key)))
					continue;
				l = vp_pve_conf_find(c, 0, key);
				v = l ? l->value : NULL;
				if (!v || strstr(v, "media=cdrom") ||
				    startswith(v, "none") || startswith(v, "/"))
					continue;
				k = strcspn(v, ":,");
				if (v[k] == ':' && k > 0)
					return strndup(v, k);
			}
	return NULL;
}

static int add_alloc(struct vp_vm_change *out, const char *key, const char *value)
{
	int r = strv_add(&out->alloc_keys, key);

	return r < 0 ? r : strv_add(&out->alloc_values, value);
}

/*
 * Windows 11 wants UEFI with Secure Boot and a TPM 2.0: an efidisk0 with
 * Microsoft's keys enrolled and a tpmstate0 (Drive.pm $efidisk_fmt,
 * $tpmstate_fmt). A new volume is allocated by "qm set KEY STORAGE:1,...";
 * a file edit cannot allocate one, so under --root they are notes.
 */
static int plan_win11(const struct vp_pve_conf *c, const struct vp_vm_req *rq, bool ovmf,
		      struct vp_vm_change *out)
{
	_cleanup_free_ char *st = boot_storage(c), *efi = NULL, *tpm = NULL;
	const char *name = st ? st : "STORAGE";
	int r = 0;

	if (!vp_pve_conf_find(c, 0, "efidisk0") && ovmf) {
		/*
		 * ms-cert=2023k: the 2023 Microsoft UEFI CA, the Windows UEFI CA
		 * 2023 and the KEK 2K CA 2023 are enrolled (Drive.pm $efidisk_fmt;
		 * OVMF.pm create_efidisk); the 2011 certificates expire in June
		 * 2026 (QemuServer.pm check_efi_vars). The key came with qemu-server
		 * 9.0.27 (commit c5b3a314): an older one rejects it.
		 */
		bool cert = qs_at_least(rq->qemu_server, 9, 0, 27) != 0;

		efi = xasprintf("%s:1,efitype=4m,pre-enrolled-keys=1%s", name,
				cert ? ",ms-cert=2023k" : "");
		if (!efi)
			return -ENOMEM;
		r = st ? add_alloc(out, "efidisk0", efi) : 0;
		if (r == 0)
			r = strv_pushf(
				&out->notes,
				"ostype win11 without efidisk0: qm set %lu --efidisk0 %s "
				"(Secure Boot keys enrolled%s)%s",
				rq->vmid, efi,
				cert ? ", with the 2023 Microsoft UEFI CA: the 2011 "
				       "certificates expire in June 2026"
				     : "; qemu-server before 9.0.27 enrols only the 2011 "
				       "certificates, which expire in June 2026: after "
				       "upgrading, qm enroll-efi-keys",
				st ? ""
				   : "; name the storage, the VM has no disk to take it from");
	} else if (!vp_pve_conf_find(c, 0, "efidisk0")) {
		r = strv_pushf(
			&out->notes,
			"ostype win11 under SeaBIOS: Windows 11 wants UEFI; no efidisk0 "
			"while the VM keeps SeaBIOS (--ovmf switches it)");
	}
	if (r == 0 && !vp_pve_conf_find(c, 0, "tpmstate0")) {
		tpm = xasprintf("%s:1,version=v2.0", name);
		if (!tpm)
			return -ENOMEM;
		r = st ? add_alloc(out, "tpmstate0", tpm) : 0;
		if (r == 0)
			r = strv_pushf(
				&out->notes,
				"ostype win11 without tpmstate0: qm set %lu --tpmstate0 %s "
				"(TPM 2.0)%s",
				rq->vmid, tpm,
				st ? ""
				   : "; name the storage, the VM has no disk to take it from");
	}
	return r;
}

/*
 * CPU types qemu-server resolves to QEMU's qemu64 or kvm64 model: the
 * default (kvm64) and the built-in x86-64-v2..v4 (CPUConfig.pm
 * $builtin_models_by_arch, reported-model qemu64).
 */
static bool cpu_qemu64_based(const char *type)
{
	static const char *const based[] = { "kvm64",	      "qemu64",	   "x86-64-v2",
					     "x86-64-v2-AES", "x86-64-v3", "x86-64-v4" };

	if (!type)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(based); i++)
		if (streq(type, based[i]))
			return true;
	return false;
}

/* "+aes;-pdpe1gb" -> "+aes;+pdpe1gb"; "" or NULL -> "+pdpe1gb". */
static char *flags_with_pdpe1gb(const char *flags)
{
	_cleanup_free_ char *copy = flags ? strdup(flags) : strdup("");
	char *out = strdup(""), *save = NULL;

	if (!copy || !out) {
		free(out);
		return NULL;
	}
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		char *n;

		if (streq(t + 1, "pdpe1gb"))
			continue;
		n = xasprintf("%s%s;", out, t);
		free(out);
		if (!(out = n))
			return NULL;
	}
	{
		char *n = xasprintf("%s+pdpe1gb", out);

		free(out);
		return n;
	}
}

/* @cpu (a cpu value) with flags=...;+pdpe1gb, the other options kept. */
static char *cpu_with_pdpe1gb(const char *cpu, const char *flags)
{
	_cleanup_free_ char *copy = strdup(cpu ? cpu : "kvm64"),
			    *nf = flags_with_pdpe1gb(flags);
	char *v = NULL, *save = NULL;

	if (!copy || !nf)
		return NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *n;

		if (startswith(t, "flags="))
			continue;
		n = v ? xasprintf("%s,%s", v, t) : strdup(t);
		free(v);
		if (!(v = n))
			return NULL;
	}
	{
		char *n = xasprintf("%s,flags=%s", v ? v : "kvm64", nf);

		free(v);
		return n;
	}
}

/*
 * Large BARs (VP_VM_LARGE_BAR, or a kb family marked large_bar) under OVMF:
 * OVMF limits the guest to 40 physical address bits when the CPU lacks
 * pdpe1gb (1 GiB pages), too few for a GPU with a lot of vRAM; qemu-server
 * 9.1.7 warns at start when a qemu64/kvm64-based CPU type lacks it
 * (CPUConfig.pm check_phys_bits_above_40_compat, commit 980ee163). cpu: host
 * has the host's pdpe1gb and QEMU's host model sets host-phys-bits
 * (target/i386/host-cpu.c host_cpu_max_instance_init), so it needs nothing.
 * @type is the CPU type the VM will have once the plan is applied.
 */
static int plan_large_bar(struct vp_pve_conf *c, const struct vp_pve_vmfacts *f,
			  const struct vp_vm_req *rq, const char *type, bool ovmf,
			  struct vp_vm_change *out)
{
	const struct vp_vm_dev *big = NULL;
	_cleanup_free_ char *cpu = NULL;
	uint64_t total = 0;
	bool kb_large = false;
	int r;

	for (size_t i = 0; i < rq->ndevs; i++) {
		total += rq->devs[i].bar64;
		if (!big || rq->devs[i].bar64 > big->bar64)
			big = &rq->devs[i];
		if (rq->devs[i].kb && rq->devs[i].kb->large_bar) {
			kb_large = true;
			big = big->bar64 ? big : &rq->devs[i];
		}
	}
	if (!big || (total < VP_VM_LARGE_BAR && !kb_large))
		return 0;
	if (!ovmf)
		return strv_pushf(
			&out->notes,
			"%s: %llu MiB of 64-bit BARs; SeaBIOS places them as it "
			"can, OVMF (--ovmf) sizes its window from the CPU's "
			"physical address bits",
			big->host, (unsigned long long)(total >> 20));
	if (type && (streq(type, "host") || streq(type, "max")))
		return strv_pushf(
			&out->notes,
			"%s: %llu MiB of 64-bit BARs: cpu %s gives the guest the host's "
			"pdpe1gb and physical address bits, so OVMF can map them above 4 "
			"GiB; a kvm64, qemu64 or x86-64-v2..v4 type would need "
			"flags=+pdpe1gb (qemu-server 9.1.7 warns 'OVMF firmware might "
			"limit CPU phys-bits to 40')",
			big->host, (unsigned long long)(total >> 20), type);
	if (type && startswith(type, "custom-"))
		return strv_pushf(
			&out->notes,
			"%s: %llu MiB of 64-bit BARs: the custom CPU model %s must carry "
			"+pdpe1gb (virtual-guest/cpu-models.conf), or OVMF limits the "
			"guest to 40 physical address bits",
			big->host, (unsigned long long)(total >> 20), type);
	if (!cpu_qemu64_based(type))
		return strv_pushf(
			&out->notes,
			"%s: %llu MiB of 64-bit BARs: whether QEMU's model %s has pdpe1gb "
			"is not known here; if the guest cannot map the BARs, add "
			"flags=+pdpe1gb or use cpu: host",
			big->host, (unsigned long long)(total >> 20), type);
	if (f->cpu_flags && strstr(f->cpu_flags, "+pdpe1gb"))
		return 0;
	cpu = cpu_with_pdpe1gb(f->cpu, f->cpu_flags);
	if (!cpu)
		return -ENOMEM;
	r = set_key(c, out, "cpu", cpu);
	if (r == 0)
		r = strv_pushf(
			&out->notes,
			"cpu %s: +pdpe1gb: %s has %llu MiB of 64-bit BARs, and without "
			"1 GiB pages OVMF limits a %s guest to 40 physical address bits "
			"(qemu-server 9.1.7, CPUConfig.pm)",
			cpu, big->host, (unsigned long long)(total >> 20),
			type ? type : "kvm64");
	return r;
}

int vp_vm_build(const char *old, size_t oldlen, const struct vp_vm_req *rq,
		struct vp_vm_change *out)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct vp_pve_vmfacts f = { 0 };
	struct vp_pve_hostpci_refs refs = { 0 };
	bool compute = false, display = false, gpu = false, ovmf;
	int r;

	memset(out, 0, sizeof(*out));
	r = vp_pve_vmconf_parse(old, oldlen, &c);
	if (r < 0)
		return r == -ENOMEM
			       ? r
			       : strv_pushf(&out->refusals, "the config holds NUL bytes");
	r = vp_pve_vmfacts_get(c, &f);
	if (r < 0)
		return r;
	r = vp_pve_hostpci_refs_get(c, &refs);
	if (r < 0)
		goto out;
	if (vp_pve_conf_find(c, 0, "lock")) {
		r = strv_pushf(&out->refusals,
			       "the VM is locked (lock: %s); wait for the task or "
			       "run qm unlock %lu",
			       vp_pve_conf_find(c, 0, "lock")->value, rq->vmid);
		goto out;
	}
	for (size_t i = 0; i < rq->ndevs; i++) {
		compute |= is_compute(&rq->devs[i]);
		display |= is_display(&rq->devs[i]);
		gpu |= is_gpu(&rq->devs[i]);
	}
	/* --mapping whose devices are unknown here: --primary-gpu says it is a GPU */
	if (rq->mapping && !rq->ndevs && rq->primary_gpu)
		gpu = display = true;
	ovmf = f.ovmf || (gpu && rq->ovmf);
	r = plan_usb(c, &f, rq, out);
	if (r < 0 || (!rq->ndevs && !rq->mapping)) {
		/* USB devices alone need none of the PCI passthrough settings */
		if (r == 0)
			r = vp_pve_conf_serialize(c, &out->text, &out->len);
		goto out;
	}
	r = plan_devices(c, &f, &refs, rq, f.q35 || gpu, display, out);
	if (r == 0 && !gpu)
		r = strv_pushf(&out->notes,
			       "no display device (PCI class 03) among them: no machine, "
			       "firmware, cpu or vga change%s",
			       f.q35 ? "" : "; no pcie=1, which needs q35");
	if (r == 0 && gpu && !f.q35) {
		r = set_key(c, out, "machine", "q35");
		if (r == 0 && f.machine)
			r = strv_pushf(
				&out->notes,
				"machine %s -> q35: pcie=1 needs q35; Windows may ask to "
				"re-activate after the chipset change",
				f.machine);
	}
	if (r == 0 && gpu && !f.ovmf && rq->ovmf) {
		r = set_key(c, out, "bios", "ovmf");
		if (r == 0)
			r = strv_pushf(
				&out->notes,
				"warning: bios seabios -> ovmf (--ovmf): a guest "
				"installed under SeaBIOS (MBR) will not boot until "
				"converted to UEFI/GPT (Windows: mbr2gpt)");
	} else if (r == 0 && gpu && !f.ovmf) {
		r = strv_pushf(
			&out->notes,
			"bios stays SeaBIOS: a guest installed under SeaBIOS does not "
			"boot under OVMF; give --ovmf to switch (modern GPUs want "
			"UEFI, and x-vga=1 is the SeaBIOS way to a primary GPU)");
	}
	if (r == 0 && ovmf && !vp_pve_conf_find(c, 0, "efidisk0") &&
	    !streq(f.ostype, "win11"))
		r = strv_pushf(
			&out->notes,
			"warning: no efidisk0: OVMF settings are lost at every start; add one "
			"with qm set %lu --efidisk0 STORAGE:1,efitype=4m,pre-enrolled-keys=0",
			rq->vmid);
	if (r == 0 && gpu && rq->primary_gpu && display)
		r = set_key(c, out, "vga", "none");
	else if (r == 0 && gpu && compute && !display) {
		r = set_key(c, out, "vga", "serial0");
		if (r == 0)
			r = strv_pushf(&out->notes,
				       "vga serial0: a compute card has no display; the "
				       "console is on the serial port (qm terminal %lu)",
				       rq->vmid);
	}
	if (r == 0 && rq->primary_gpu && !display)
		r = strv_pushf(&out->notes,
			       "--primary-gpu: no display GPU (class 0300) among the "
			       "devices; no x-vga");
	if (r == 0) {
		r = set_key(c, out, "balloon", "0");
		if (r == 0)
			r = strv_pushf(
				&out->notes,
				"balloon 0: recommended, not required: a passthrough VM's memory "
				"is pinned, so the balloon cannot give any back");
	}
	for (size_t i = 0; r == 0 && i < rq->ndevs; i++)
		if (rq->devs[i].mdev)
			r = strv_pushf(
				&out->notes,
				"vga left as it is: a vGPU has no output for x-vga=1 and "
				"is no console; Proxmox's console shows the emulated "
				"display, the vGPU's picture reaches a remote desktop in "
				"the guest");
	if (r == 0 && gpu)
		r = plan_cpu(c, &f, rq, out);
	if (r == 0)
		r = plan_large_bar(c, &f, rq, gpu ? "host" : f.cputype, ovmf, out);
	if (r == 0 && streq(f.ostype, "win11"))
		r = plan_win11(c, rq, ovmf, out);
	if (r == 0 && rq->tune)
		r = plan_tune(c, rq, out);
	if (r == 0)
		r = vp_pve_conf_serialize(c, &out->text, &out->len);
out:
	vp_pve_hostpci_refs_free(&refs);
	vp_pve_vmfacts_free(&f);
	return r;
}

int vp_vm_read_conf(struct vp_ctx *ctx, unsigned long vmid, char **out, size_t *len)
{
	_cleanup_free_ char *sub = xasprintf("pve/qemu-server/%lu.conf", vmid);
	struct vp_file_state st;
	int r;

	if (!sub)
		return -ENOMEM;
	/* The shared reader: regular files only, and a size cap (-EFBIG). */
	r = vp_file_read(ctx, VP_ETC, sub, out, len, &st);
	if (r < 0)
		return r;
	return st.exists ? 0 : -ENOENT;
}

static int add_unique(struct vp_dev ***v, size_t *n, struct vp_dev *d)
{
	struct vp_dev **nv;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == d)
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = d;
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return vp_bdf_cmp(&(*(struct vp_dev *const *)a)->bdf,
			  &(*(struct vp_dev *const *)b)->bdf);
}

/*
 * Targets, companions and refusals about them: the one selector
 * (host/select.c: groups, bridges, host needs), then what only a VM adds
 * (no group at all, other guests).
 */
static int select_functions(struct vp_session *ses, const struct vp_vm_opts *o,
			    struct vp_plan *p, struct vp_dev ***sel, size_t *nsel)
{
	const struct vp_select_opts so = {
		.take_host_device = o->take_host_device,
		.take_flag = "--take-host-device",
	};
	_cleanup_free_ struct vp_devspec *specs =
		calloc(o->ndevs ? o->ndevs : 1, sizeof(*specs));
	struct vp_devset set = { 0 };
	struct vp_devlist all = { 0 };
	int r;

	if (!specs)
		return -ENOMEM;
	for (size_t i = 0; i < o->ndevs; i++) {
		specs[i].bdf = o->devs[i];
		specs[i].slot = o->slots[i];
	}
	r = vp_select(ses->ctx, ses->h, specs, o->ndevs, &so, &set);
	if (r == 0)
		r = vp_devset_all(&set, &all);
	for (size_t i = 0; r == 0 && i < set.refusals.n; i++)
		vp_plan_refuse(p, "%s", set.refusals.v[i]);
	for (size_t i = 0; r == 0 && i < set.warnings.n; i++)
		vp_plan_note(p, "WARNING: %s", set.warnings.v[i]);
	vp_devset_free(&set);
	if (r < 0) {
		free(all.v);
		return r;
	}
	for (size_t i = 0; r == 0 && i < all.n; i++)
		r = add_unique(sel, nsel, all.v[i]);
	free(all.v);
	if (r < 0)
		return r;
	if (*nsel)
		qsort(*sel, *nsel, sizeof(**sel), cmp_dev);
	for (size_t i = 0; i < *nsel; i++) {
		struct vp_dev *d = (*sel)[i];

		if (d->iommu_group < 0)
			vp_plan_refuse(p,
				       "%s has no IOMMU group: the IOMMU is off or the "
				       "device is not isolated (vfio-pilot doctor)",
				       d->addr);
		/* other guests: vp_vm_check_guests (plan/vmguests.c) */
	}
	return 0;
}

/*
 * The devices a mapping stands for on this node go through the same
 * selector as --device: a mapping is no way around its refusals.
 */
static int check_mapping(struct vp_session *ses, const struct vp_vm_opts *o,
			 const struct vp_pve_mapping *m, struct vp_plan *p)
{
	const struct vp_select_opts so = {
		.take_host_device = o->take_host_device,
		.take_flag = "--take-host-device",
	};
	_cleanup_free_ char *node = NULL;
	_cleanup_free_ struct vp_devspec *specs = NULL;
	struct vp_devset set = { 0 };
	struct strv paths = { 0 };
	size_t n = 0;
	int r;

	if (vp_read_strf(ses->ctx, VP_ETC, &node, "hostname") == 0)
		node[strcspn(node, ". \t\n")] = '\0';
	r = vp_pve_mapping_paths(m, o->mapping, node && node[0] ? node : NULL, &paths);
	if (r == 0 && paths.n)
		specs = calloc(paths.n, sizeof(*specs));
	if (r == 0 && paths.n && !specs)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < paths.n; i++)
		if (vp_devspec_parse(paths.v[i], &specs[n]) == 0)
			n++;
	if (r == 0 && n)
		r = vp_select(ses->ctx, ses->h, specs, n, &so, &set);
	for (size_t i = 0; r == 0 && i < set.refusals.n; i++)
		vp_plan_refuse(p, "mapping '%s': %s", o->mapping, set.refusals.v[i]);
	for (size_t i = 0; r == 0 && i < set.warnings.n; i++)
		vp_plan_note(p, "WARNING: mapping '%s': %s", o->mapping,
			     set.warnings.v[i]);
	vp_devset_free(&set);
	strv_free(&paths);
	return r == -ENOENT ? 0 : r;
}

/* @e's keep (every function on a VFIO variant driver) and 64-bit BAR total. */
static void entry_drivers(struct vp_session *ses, struct vp_dev **fns, size_t n,
			  struct vp_vm_dev *e)
{
	e->keep = n > 0;
	e->bar64 = 0;
	for (size_t i = 0; i < n; i++) {
		struct vp_dev *d = fns[i];

		e->keep = e->keep && vp_kb_vfio_variant(d->driver);
		if (!d->details && vp_dev_details(ses->ctx, d) < 0)
			continue;
		for (size_t b = 0; b < d->nbars; b++)
			if (d->bars[b].index < 6 && !d->bars[b].io && d->bars[b].mem64)
				e->bar64 += d->bars[b].size;
	}
}

/* Group the functions into hostpci entries: a whole device when all its functions go. */
static int make_entries(struct vp_session *ses, struct vp_dev **sel, size_t nsel,
			struct vp_vm_dev **out, size_t *nout)
{
	for (size_t i = 0; i < nsel;) {
		size_t j = i, host_fns = 0;
		struct vp_vm_dev *e, *nv;
		struct vp_dev *rep = sel[i];

		while (j < nsel && vp_bdf_same_slot(&sel[j]->bdf, &sel[i]->bdf))
			j++;
		for (size_t k = 0; k < ses->h->ndevs; k++)
			host_fns += vp_bdf_same_slot(&ses->h->devs[k]->bdf, &sel[i]->bdf);
		for (size_t k = i; k < j; k++)
			if ((sel[k]->class >> 16) == PCI_BASE_CLASS_DISPLAY) {
				rep = sel[k];
				break;
			}
		for (size_t k = i; k < j; k++) {
			nv = realloc(*out, (*nout + 1) * sizeof(**out));
			if (!nv)
				return -ENOMEM;
			*out = nv;
			e = &(*out)[(*nout)++];
			memset(e, 0, sizeof(*e));
			if (host_fns == j - i)
				snprintf(e->host, sizeof(e->host), "%04x:%02x:%02x",
					 rep->bdf.domain, rep->bdf.bus, rep->bdf.dev);
			else
				rep = sel[k],
				snprintf(e->host, sizeof(e->host), "%s", rep->addr);
			e->vendor = rep->vendor;
			e->device = rep->device;
			e->class = rep->class;
			e->kb = vp_kb_gpu_lookup(rep->vendor, rep->device);
			e->driver = rep->driver;
			entry_drivers(ses, host_fns == j - i ? &sel[i] : &sel[k],
				      host_fns == j - i ? j - i : 1, e);
			if (host_fns == j - i)
				break;
		}
		i = j;
	}
	return 0;
}

/*
 * --usb specs: a USB device becomes a usbN value; a USB controller's PCI
 * address joins the hostpci devices (@devs/@slots/@ndevs, copies of the
 * --device ones). What cannot be passed is a refusal.
 */
static int resolve_usb(struct vp_session *ses, const struct vp_vm_opts *o,
		       struct vp_plan *p, struct strv *vals, struct vp_bdf **devs,
		       bool **slots, size_t *ndevs)
{
	struct vp_usb u = { 0 };
	int r;

	if (!o->usb.n)
		return 0;
	r = vp_usb_load(ses->ctx, &u);
	for (size_t i = 0; r == 0 && i < o->usb.n; i++) {
		const char *spec = o->usb.v[i];
		const struct vp_usb_dev *d = NULL;
		struct vp_bdf b;
		bool slot = false;

		if (vp_bdf_parse(spec, &b, &slot, false) == 0) {
			const struct vp_dev *c = vp_host_find(ses->h, &b);
			struct vp_usb_advice a = { 0 };
			void *nd, *ns;

			if (!c || (c->class >> 8) != 0x0c03) {
				vp_plan_refuse(
					p, "%s is not a USB controller on this host%s",
					spec, c ? " (class 0c03)" : "");
				continue;
			}
			r = vp_usb_advise(ses->h, &u, c->addr, &a);
			if (r == 0 && !a.controller_ok)
				for (size_t k = 0; k < a.why.n; k++)
					vp_plan_refuse(p, "%s: %s", c->addr, a.why.v[k]);
			vp_usb_advice_free(&a);
			nd = realloc(*devs, (*ndevs + 1) * sizeof(**devs));
			if (nd)
				*devs = nd;
			ns = realloc(*slots, (*ndevs + 1) * sizeof(**slots));
			if (ns)
				*slots = ns;
			if (!nd || !ns)
				r = -ENOMEM;
			if (r < 0)
				break;
			(*devs)[*ndevs] = b;
			(*slots)[(*ndevs)++] = false;
			continue;
		}
		if (startswith(spec, "mapping=")) {
			_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL;
			_cleanup_free_ char *text = NULL;
			char *v;

			/* pve-configid; the section must exist in usb.cfg (USB.pm) */
			if (vp_read_strf(ses->ctx, VP_ETC, &text, "pve/mapping/usb.cfg") <
				    0 ||
			    vp_pve_mapping_parse(VP_PVE_MAP_USB, text, strlen(text), &m) <
				    0 ||
			    !vp_pve_mapping_find(m, spec + strlen("mapping=")))
				vp_plan_refuse(
					p,
					"--usb %s: not in the cluster's USB mappings "
					"(vfio-pilot usb map NAME DEV apply)",
					spec);
			else if (!(v = strdup(spec)) || strv_push(vals, v) < 0)
				r = -ENOMEM;
			continue;
		}
		r = vp_usb_find(&u, spec, &d);
		if (r == -EINVAL)
			vp_plan_refuse(
				p,
				"--usb %s: give VID:PID (10c4:ea60), a bus-port path (1-4.2) "
				"or a USB controller's PCI address",
				spec);
		else if (r == -ENOENT)
			vp_plan_refuse(
				p,
				"--usb %s: no such USB device on this host (vfio-pilot usb)",
				spec);
		else if (r == -EEXIST)
			vp_plan_refuse(
				p,
				"--usb %s: several devices have this id; give the bus-port "
				"path instead (vfio-pilot usb lists them)",
				spec);
		else if (r == 0 && d->hub)
			vp_plan_refuse(
				p,
				"--usb %s is a hub: pass the devices behind it, or the "
				"controller",
				spec);
		else if (r == 0) {
			bool by_path = strchr(spec, '-') != NULL;
			char *v =
				by_path ? xasprintf("host=%s%s", d->name,
						    vp_usb_superspeed(d) ? ",usb3=1" : "")
					: xasprintf("host=%04x:%04x%s", d->vid, d->pid,
						    vp_usb_superspeed(d) ? ",usb3=1"
									 : "");

			if (!v || strv_push(vals, v) < 0) {
				r = -ENOMEM;
				break;
			}
			if (d->keyboard)
				vp_plan_note(
					p,
					"%s is a keyboard: if it is the host's console "
					"keyboard, the host loses it while the VM runs",
					d->name);
			if (by_path)
				vp_plan_note(
					p,
					"%s by port: whatever is plugged into that port goes "
					"to the VM",
					d->name);
		}
		r = r == -ENOMEM ? r : 0;
	}
	vp_usb_free(&u);
	return r;
}

/*
 * GPUs on different host NUMA nodes: the VM can sit on one node only, so the
 * other GPU's DMA and interrupts cross the socket interconnect. @bound: the
 * node --tune binds the VM to, -1 none.
 */
static int note_gpu_nodes(struct vp_plan *p, struct vp_dev **sel, size_t nsel, int bound)
{
	_cleanup_free_ char *list = NULL;
	int first = -1;
	bool split = false;

	for (size_t i = 0; i < nsel; i++) {
		char *n;

		if ((sel[i]->class >> 16) != 0x03 || sel[i]->numa_node < 0)
			continue;
		if (first < 0)
			first = sel[i]->numa_node;
		split = split || sel[i]->numa_node != first;
		n = xasprintf("%s%s%s on node %d", list ? list : "", list ? ", " : "",
			      sel[i]->addr, sel[i]->numa_node);
		free(list);
		if (!(list = n))
			return -ENOMEM;
	}
	if (!split)
		return 0;
	if (bound >= 0)
		return vp_plan_note(
			p,
			"warning: the GPUs sit on different host NUMA nodes (%s): "
			"--tune binds the VM's memory and vCPUs to node %d, so the "
			"GPUs of the other node reach them across the socket "
			"interconnect; one VM per node keeps each GPU local",
			list, bound);
	return vp_plan_note(
		p,
		"warning: the GPUs sit on different host NUMA nodes (%s): the "
		"VM's memory is local to one node at most, so the others' DMA "
		"crosses the socket interconnect; one VM per node keeps each "
		"GPU local",
		list);
}

static long read_long(struct vp_ctx *ctx, const char *fmt, const char *base,
		      const char *size)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	long v;

	if (vp_read_strf(ctx, VP_SYS, &s, "%s/hugepages-%skB/%s", base, size, fmt) < 0)
		return -1;
	v = strtol(s, &end, 10);
	return end == s || *end || v < 0 ? -1 : v;
}

/*
 * The host's hugepages as Memory.pm reads them: the sizes the kernel offers
 * (/sys/kernel/mm/hugepages/hugepages-<kB>kB) and, per node, nr_ and
 * free_hugepages under /sys/devices/system/node/nodeN/hugepages, or the
 * whole host's when the VM is not bound to a node.
 */
static int read_hugepages(struct vp_ctx *ctx, int node, struct vp_vm_hugepages *hp,
			  char *where, size_t wsize)
{
	_cleanup_free_ char *base =
		node >= 0 ? xasprintf("devices/system/node/node%d/hugepages", node)
			  : strdup("kernel/mm/hugepages");

	if (!base)
		return -ENOMEM;
	hp->known = vp_existsf(ctx, VP_SYS, "kernel/mm/hugepages");
	hp->has_1g = vp_existsf(ctx, VP_SYS, "kernel/mm/hugepages/hugepages-1048576kB");
	hp->has_2m = vp_existsf(ctx, VP_SYS, "kernel/mm/hugepages/hugepages-2048kB");
	hp->total_1g = read_long(ctx, "nr_hugepages", base, "1048576");
	hp->free_1g = read_long(ctx, "free_hugepages", base, "1048576");
	hp->total_2m = read_long(ctx, "nr_hugepages", base, "2048");
	hp->free_2m = read_long(ctx, "free_hugepages", base, "2048");
	if (node >= 0)
		snprintf(where, wsize, "host node %d", node);
	else
		snprintf(where, wsize, "the host");
	hp->where = where;
	return 0;
}

/*
 * vGPUs (--vgpu). The kernel's two interfaces are read by host/vgpu.c; what
 * Proxmox does with hostpciN mdev= is qemu-server's: PCI.pm parse_hostpci
 * turns mdev=nvidia-<N> on a function with an nvidia/ directory into NVIDIA's
 * VF interface, PCI/Mdev.pm create_nvidia_device writes N into the VF's
 * current_vgpu_type at start, QemuServer.pm cleanup_pci_devices writes 0 at
 * stop; any other mdev= makes a mediated device of that type
 * (PCI.pm prepare_pci_device, PCI/Mdev.pm pci_create_mdev_device).
 */
static void fmt_bdf(const struct vp_bdf *b, bool slot, char *buf, size_t size)
{
	if (slot)
		snprintf(buf, size, "%04x:%02x:%02x", b->domain, b->bus, b->dev);
	else
		snprintf(buf, size, "%04x:%02x:%02x.%x", b->domain, b->bus, b->dev,
			 b->fn);
}

static int add_dev(struct vp_dev ***v, size_t *n, struct vp_dev *d)
{
	struct vp_dev **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = d;
	return 0;
}

/*
 * The functions --vgpu may take, in address order: --device's function, or
 * its VFs when it is a PF that has none itself, else every function of the
 * host with a vGPU interface. None: a refusal saying why.
 */
static int vgpu_candidates(struct vp_session *ses, const struct vp_vm_opts *o,
			   struct vp_plan *p, struct vp_dev ***out, size_t *n)
{
	struct vp_host *h = ses->h;
	struct vp_dev *d, *c;
	char a[24];
	int r = 0;

	for (size_t i = 0; i < h->ndevs; i++)
		if (!h->devs[i]->details &&
		    vp_dev_details(ses->ctx, h->devs[i]) == -ENOMEM)
			return -ENOMEM;
	if (!o->ndevs) {
		for (size_t i = 0; r == 0 && i < h->ndevs; i++)
			if (h->devs[i]->vgpu.iface != VP_VGPU_NONE)
				r = add_dev(out, n, h->devs[i]);
		if (r == 0 && !*n)
			r = vp_plan_refuse(
				p,
				"no vGPU types on this host: no function has "
				"nvidia/creatable_vgpu_types (NVIDIA's vGPU host driver "
				"offers them on a card's SR-IOV VFs once enabled) or "
				"mdev_supported_types (a mediated-device driver)");
		return r;
	}
	fmt_bdf(&o->devs[0], o->slots[0], a, sizeof(a));
	if (o->slots[0])
		return vp_plan_refuse(
			p,
			"--vgpu with --device %s: a vGPU is one function; qemu-server "
			"refuses mdev= on a slot's functions together ('cannot use "
			"mediated device with multifunction device', PCI.pm "
			"parse_hostpci): give a VF (%s.F) or the card's PF",
			a, a);
	d = vp_host_find(h, &o->devs[0]);
	if (!d)
		return vp_plan_refuse(p, "--device %s: no such PCI function on this host",
				      a);
	for (size_t pos = 0; r == 0 && (c = vp_vgpu_next(h, d, &pos));)
		r = add_dev(out, n, c);
	if (r < 0 || *n)
		return r;
	if (d->virtfn.n)
		return vp_plan_refuse(
			p,
			"--device %s offers no vGPU types, nor do its %zu VFs (no "
			"nvidia/creatable_vgpu_types or mdev_supported_types; driver %s)",
			d->addr, d->virtfn.n, d->driver ? d->driver : "none");
	if (d->sriov == VP_PRESENT && d->sriov_total)
		return vp_plan_refuse(
			p,
			"--device %s offers no vGPU types: it is an SR-IOV PF with no "
			"VFs enabled (0 of %u), and NVIDIA's vGPU host driver offers "
			"vGPUs on the VFs (enable them, e.g. /usr/lib/nvidia/sriov-manage "
			"-e %s)",
			d->addr, d->sriov_total, d->addr);
	return vp_plan_refuse(
		p,
		"--device %s offers no vGPU types (no nvidia/creatable_vgpu_types or "
		"mdev_supported_types; driver %s): pass it whole with --device alone",
		d->addr, d->driver ? d->driver : "none");
}

/* The VM's own live hostpciN on @addr, or NULL. */
static const struct vp_pve_hostpci *own_entry(const struct vp_pve_vmfacts *f,
					      const char *addr)
{
	for (size_t i = 0; i < f->n_hostpci; i++)
		for (size_t k = 0; k < f->hostpci[i].hosts.n; k++)
			if (vp_bdf_ids_overlap(f->hostpci[i].hosts.v[k], addr))
				return &f->hostpci[i];
	return NULL;
}

/* Why @d cannot take @t now (it lists it), into a new string. */
static char *busy_why(const struct vp_host *h, const struct vp_dev *d,
		      const struct vp_vgpu_type *t, const struct vp_vm_claim *cl,
		      const struct vp_pve_hostpci *mine)
{
	const struct vp_vgpu_type *cur;
	char id[16];

	if (cl)
		return xasprintf("%s is named by %s", d->addr, cl->who);
	if (mine)
		return xasprintf("%s is in this VM's hostpci%u already (%s)", d->addr,
				 mine->index, mine->value);
	if (d->vgpu.iface != VP_VGPU_NVIDIA)
		return xasprintf("%s has no %s instance left (available_instances %d)",
				 d->addr, t->type, t->available);
	if (vp_dev_unknown_why(d, "vgpu_current"))
		return xasprintf("%s: %s", d->addr,
				 vp_dev_unknown_why(d, "vgpu_current"));
	snprintf(id, sizeof(id), "%u", d->vgpu.current);
	cur = vp_vgpu_known(h, d, id, false);
	return xasprintf("%s runs %s (nvidia-%u) already", d->addr,
			 cur && cur->name ? cur->name : "a vGPU", d->vgpu.current);
}

/* vp_vgpu_running's @who: the guest config that names the VF (vmguests.c). */
static const char *claim_who(const void *data, const char *addr)
{
	const struct vp_vm_claim *cl = vp_vm_claim_find(data, addr);

	return cl ? cl->who : NULL;
}

/*
 * Why none of a card's functions @c[0..n) can take @want: what runs on the
 * card when it lists @want nowhere (an NVIDIA card without heterogeneous
 * vGPU mode runs one profile size at a time), else the first busy one.
 */
static int card_why(const struct vp_host *h, struct vp_dev *const *c, size_t n,
		    const struct strv *why, size_t first,
		    const struct vp_vm_claims *claims, char **out)
{
	const struct vp_dev *card = vp_vgpu_card(h, c[0]);
	_cleanup_free_ char *run = NULL, *offers = NULL;
	size_t listed = 0, busy0 = SIZE_MAX;
	int err;

	for (size_t i = 0; i < n; i++)
		if (why->v[first + i][0]) {
			listed++;
			busy0 = busy0 == SIZE_MAX ? first + i : busy0;
		}
	if (listed)
		return strappendf(
			out, "; ", "%s: %zu function%s offer%s it, none free (%s%s)",
			card->addr, listed, listed == 1 ? "" : "s",
			listed == 1 ? "s" : "", why->v[busy0], listed > 1 ? ", ..." : "");
	run = vp_vgpu_running(h, card, claim_who, claims, &err);
	offers = vp_vgpu_offered(c, n);
	if (err < 0 || !offers)
		return -ENOMEM;
	if (run)
		return strappendf(
			out, "; ",
			"card %s runs %s; without heterogeneous vGPU mode an NVIDIA "
			"card runs one vGPU profile size at a time, so %s offer%s "
			"only %s now",
			card->addr, run, n == 1 ? c[0]->addr : "its VFs",
			n == 1 ? "s" : "", offers);
	return strappendf(out, "; ", "%s offer%s only %s",
			  n == 1 ? c[0]->addr : card->addr, n == 1 ? "s" : "", offers);
}

struct vgpu_pick {
	struct vp_dev *dev;
	const struct vp_vgpu_type *type;
};

/* What the plan says about the vGPU it picked. */
static int vgpu_notes(const struct vp_host *h, const struct vp_vm_opts *o,
		      const struct vgpu_pick *pk, const struct vp_vm_claims *claims,
		      const char *skipped, size_t nskip, struct vp_plan *p)
{
	const struct vp_dev *d = pk->dev, *card = vp_vgpu_card(h, d);
	_cleanup_free_ char *label = vp_vgpu_type_label(pk->type);
	int r;

	if (!label)
		return -ENOMEM;
	r = vp_plan_note(p,
			 "--vgpu %s: %s on %s%s%s, the first function%s that can "
			 "make it now%s%s%s",
			 o->vgpu, label, d->addr, card != d ? ", a VF of card " : "",
			 card != d ? card->addr : "",
			 o->ndevs ? " of --device" : " of the host",
			 nskip ? " (skipped: " : "", nskip ? skipped : "",
			 nskip > 2 ? "; ...)"
			 : nskip   ? ")"
				   : "");
	if (r == 0 && d->vgpu.iface == VP_VGPU_NVIDIA)
		r = vp_plan_note(
			p,
			"%s stays on its driver %s: no vfio-pci binding and no host "
			"change; Proxmox writes %u into its nvidia/current_vgpu_type at "
			"VM start and 0 at stop (qemu-server PCI/Mdev.pm "
			"create_nvidia_device, QemuServer.pm cleanup_pci_devices)",
			d->addr, d->driver ? d->driver : "none", pk->type->id);
	else if (r == 0)
		r = vp_plan_note(
			p,
			"%s stays on its driver %s: no vfio-pci binding and no host "
			"change; Proxmox makes a %s mediated device on it at VM start and "
			"removes it at stop (qemu-server PCI.pm prepare_pci_device, "
			"PCI/Mdev.pm pci_create_mdev_device)",
			d->addr, d->driver ? d->driver : "none", pk->type->type);
	/* another VM's vGPU of another size on the same card */
	for (size_t i = 0; r == 0 && d->vgpu.iface == VP_VGPU_NVIDIA && i < claims->n;
	     i++) {
		const struct vp_vm_claim *cl = &claims->v[i];
		const struct vp_dev *o2 = vp_host_find_addr(h, cl->host);

		if (!cl->mdev || !o2 || o2 == d || vp_vgpu_card(h, o2) != card ||
		    streq(cl->mdev, pk->type->type))
			continue;
		r = vp_plan_note(
			p,
			"warning: %s puts %s on %s of the same card: without "
			"heterogeneous vGPU mode an NVIDIA card runs one vGPU profile "
			"size at a time, so that VM and this one cannot run at once",
			cl->who, cl->mdev, o2->addr);
	}
	return r;
}

/*
 * --vgpu: the first candidate in address order that lists the type, that no
 * other guest's config names (live, [PENDING], snapshots: the scan of
 * plan/vmguests.c) and that can make it now. A function this VM already
 * has with that type is taken again, so a second apply changes nothing.
 */
static int plan_vgpu(struct vp_session *ses, const struct vp_vm_opts *o, const char *old,
		     size_t oldlen, const struct vp_pve_mapping *map, const char *node,
		     struct vp_plan *p, struct vgpu_pick *pick)
{
	const struct vp_vm_guest_scan gs = {
		.ses = ses, .ctx = ses->ctx, .o = o, .map = map, .node = node, .p = p
	};
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ struct vp_dev **cand = NULL;
	_cleanup_(strv_free) struct strv why = { 0 };
	_cleanup_free_ char *label = NULL, *msg = NULL, *skipped = NULL, *run = NULL;
	struct vp_vm_claims claims = { 0 };
	struct vp_pve_vmfacts f = { 0 };
	const struct vp_vgpu_type *known = NULL;
	const struct vp_host *h = ses->h;
	size_t n = 0, nskip = 0;
	int r;

	r = vgpu_candidates(ses, o, p, &cand, &n);
	if (r < 0 || !n)
		return r;
	r = vp_vm_guest_claims(&gs, &claims);
	if (r == 0) {
		r = vp_pve_vmconf_parse(old, oldlen, &c);
		r = r == -ENOMEM ? r : c ? vp_pve_vmfacts_get(c, &f) : 0;
	}
	for (size_t i = 0; r == 0 && i < n && !pick->dev; i++) {
		struct vp_dev *d = cand[i];
		const struct vp_vgpu_type *t = vp_vgpu_find(&d->vgpu, o->vgpu);
		const struct vp_vm_claim *cl = vp_vm_claim_find(&claims, d->addr);
		const struct vp_pve_hostpci *mine = own_entry(&f, d->addr);
		char *w;

		known = known ? known : vp_vgpu_known(h, d, o->vgpu, false);
		if (t && mine && streq(mine->mdev, t->type)) {
			*pick = (struct vgpu_pick){ d, t };
			break;
		}
		if (t && !cl && !mine && vp_vgpu_creatable(d, t->type, false)) {
			*pick = (struct vgpu_pick){ d, t };
			break;
		}
		/* one entry per candidate, "" where it does not list the type */
		w = t ? busy_why(h, d, t, cl, mine) : strdup("");
		if (strv_push(&why, w) < 0)
			r = -ENOMEM;
		else if (w[0] && nskip++ < 2)
			r = strappendf(&skipped, "; ", "%s", w);
	}
	if (r < 0)
		goto out;
	if (!pick->dev && !known) {
		_cleanup_free_ char *list = vp_vgpu_offered(cand, n);

		if (!list) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n && r == 0; i++) {
			_cleanup_free_ char *one = NULL;

			if (cand[i]->physfn &&
			    (i == 0 ||
			     vp_vgpu_card(h, cand[i]) != vp_vgpu_card(h, cand[i - 1])) &&
			    (one = vp_vgpu_running(h, vp_vgpu_card(h, cand[i]), claim_who,
						   &claims, &r)))
				r = strappendf(&run, ", ", "%s runs %s",
					       vp_vgpu_card(h, cand[i])->addr, one);
		}
		if (r == 0)
			r = vp_plan_refuse(
				p,
				"--vgpu %s: no vGPU type of that name on %s; it offers: "
				"%s%s%s%s",
				o->vgpu, o->ndevs ? cand[0]->addr : "this host", list,
				run ? " (a card that runs vGPUs lists only the types that "
				      "fit beside them: "
				    : "",
				run ? run : "", run ? ")" : "");
		goto out;
	}
	if (!pick->dev) {
		label = vp_vgpu_type_label(known);
		for (size_t i = 0; label && r == 0 && i < n;) {
			size_t j = i;

			while (j < n &&
			       vp_vgpu_card(h, cand[j]) == vp_vgpu_card(h, cand[i]))
				j++;
			r = card_why(h, &cand[i], j - i, &why, i, &claims, &msg);
			i = j;
		}
		if (!label)
			r = -ENOMEM;
		if (r == 0)
			r = vp_plan_refuse(p,
					   "--vgpu %s: %s cannot be made on %s now: %s",
					   o->vgpu, label,
					   !o->ndevs ? "this host"
					   : n == 1  ? cand[0]->addr
						     : "the VFs of --device",
					   msg ? msg : "no function can");
		goto out;
	}
	r = vgpu_notes(h, o, pick, &claims, skipped, nskip, p);
out:
	vp_vm_claims_free(&claims);
	vp_pve_vmfacts_free(&f);
	return r;
}

int vp_vm_plan(struct vp_session *ses, const struct vp_vm_opts *o, struct vp_plan *p)
{
	struct vp_ctx *ctx = ses->ctx;
	_cleanup_free_ struct vp_dev **sel = NULL;
	_cleanup_free_ struct vp_vm_dev *ents = NULL;
	_cleanup_free_ char *old = NULL, *sub = NULL;
	struct vp_vm_change ch = { 0 };
	struct vp_vm_req rq = { 0 };
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *map = NULL;
	_cleanup_free_ char *node = NULL, *maptext = NULL;
	_cleanup_(strv_free) struct strv mpaths = { 0 };
	struct strv usbvals = { 0 };
	struct vgpu_pick vpick = { 0 };
	size_t nsel = 0, nents = 0, oldlen = 0;
	char where[32];
	long pid = 0;
	int r;

	if (o->vmid < VP_VMID_MIN || o->vmid > VP_VMID_MAX)
		return vp_plan_refuse(p, "VMID %lu is outside %lu-%lu", o->vmid,
				      VP_VMID_MIN, VP_VMID_MAX);
	/* a vGPU is one function with mdev= (PCI.pm parse_hostpci) */
	if (o->vgpu && o->mapping)
		vp_plan_refuse(
			p,
			"--vgpu with --mapping: not planned here; write hostpciN: "
			"mapping=%s,mdev=TYPE yourself (the mapping needs 'mdev 1' in "
			"pci.cfg, and Proxmox picks a free device of it at start)",
			o->mapping);
	if (o->vgpu && o->usb.n)
		vp_plan_refuse(p, "--vgpu with --usb: plan the vGPU and the USB devices "
				  "one after the other");
	if (o->vgpu && o->ndevs > 1)
		vp_plan_refuse(
			p,
			"--vgpu takes one --device (a VF, or the card's PF to choose "
			"among its VFs): qemu-server refuses mdev= on several functions "
			"('cannot use mediated device with multifunction device')");
	if (o->vgpu && o->primary_gpu)
		vp_plan_refuse(p, "--vgpu with --primary-gpu: a vGPU has no output for "
				  "x-vga=1; the VM keeps its emulated display");
	if (p->refusals.n)
		return 0;
	r = vp_vm_read_conf(ctx, o->vmid, &old, &oldlen);
	if (r == -ENOENT) {
		_cleanup_free_ char *path = NULL;

		path = xasprintf("pve/qemu-server/%lu.conf", o->vmid);
		sub = path ? vp_display_path(VP_ETC, path) : NULL;
		return vp_plan_refuse(p, "VM %lu does not exist on this node (no %s)",
				      o->vmid, sub ? sub : "config");
	}
	if (r < 0)
		return r;
	r = vp_vm_running(ctx, o->vmid, &pid);
	if (r == 1)
		vp_plan_refuse(
			p, "VM %lu is running (pid %ld); stop it first (qm shutdown %lu)",
			o->vmid, pid, o->vmid);
	else if (r == -ENOENT)
		vp_plan_note(
			p,
			"the root has no /var/run/qemu-server, where qemu-server keeps "
			"a running VM's pidfile: VM %lu is taken as stopped; stop it "
			"before applying on the host",
			o->vmid);
	else if (r < 0)
		return r;
	node = vp_vm_node_name(ctx);
	if (vp_read_strf(ctx, VP_ETC, &maptext, "pve/mapping/pci.cfg") == 0)
		r = vp_pve_mapping_parse(VP_PVE_MAP_PCI, maptext, strlen(maptext), &map);
	if (r == -ENOMEM)
		return r;
	if (o->mapping && (!map || !vp_pve_mapping_find(map, o->mapping)))
		vp_plan_refuse(p,
			       "mapping '%s' is not in the cluster's PCI mappings "
			       "(Datacenter > Resource Mappings)",
			       o->mapping);
	else if (o->mapping) {
		/* the mapping is no way around the selector's refusals */
		r = check_mapping(ses, o, map, p);
		if (r == 0)
			r = vp_vm_map_paths(map, o->mapping, node, &mpaths);
		if (r < 0)
			return r;
		if (!mpaths.n)
			vp_plan_note(p,
				     "mapping '%s' has no map for this node (%s): the VM "
				     "will not start here",
				     o->mapping, node ? node : "no /etc/hostname");
	}
	if (o->vgpu) {
		r = plan_vgpu(ses, o, old, oldlen, map, node, p, &vpick);
		if (r == 0 && vpick.dev)
			r = add_unique(&sel, &nsel, vpick.dev);
	} else {
		struct vp_vm_opts oo = *o;

		oo.devs = malloc((o->ndevs + 1) * sizeof(*oo.devs));
		oo.slots = malloc((o->ndevs + 1) * sizeof(*oo.slots));
		if (!oo.devs || !oo.slots) {
			r = -ENOMEM;
		} else {
			/* --usb alone: no devices, and memcpy from NULL is undefined. */
			if (o->ndevs) {
				memcpy(oo.devs, o->devs, o->ndevs * sizeof(*oo.devs));
				memcpy(oo.slots, o->slots, o->ndevs * sizeof(*oo.slots));
			}
			r = resolve_usb(ses, o, p, &usbvals, &oo.devs, &oo.slots,
					&oo.ndevs);
		}
		if (r == 0)
			r = select_functions(ses, &oo, p, &sel, &nsel);
		free(oo.devs);
		free(oo.slots);
	}
	/* --mapping: its devices on this node decide the settings (display or not) */
	for (size_t i = 0; r == 0 && !o->ndevs && i < mpaths.n; i++) {
		struct vp_bdf b;
		bool slot = false;

		if (vp_bdf_parse(mpaths.v[i], &b, &slot, true) < 0)
			continue;
		for (size_t j = 0; r == 0 && j < ses->h->ndevs; j++)
			if (slot ? vp_bdf_same_slot(&ses->h->devs[j]->bdf, &b)
				 : vp_bdf_cmp(&ses->h->devs[j]->bdf, &b) == 0)
				r = add_unique(&sel, &nsel, ses->h->devs[j]);
	}
	if (r == 0 && nsel)
		qsort(sel, nsel, sizeof(*sel), cmp_dev);
	if (r == 0)
		r = make_entries(ses, sel, nsel, &ents, &nents);
	if (r == 0 && vpick.dev && nents == 1) {
		/* one function by its address, even when alone in its slot */
		snprintf(ents[0].host, sizeof(ents[0].host), "%s", vpick.dev->addr);
		ents[0].mdev = vpick.type->type;
		ents[0].keep = false;
	}
	if (r == 0) {
		struct vp_vm_guest_scan gs = { .ses = ses,
					       .ctx = ctx,
					       .o = o,
					       .sel = sel,
					       .nsel = nsel,
					       .map = map,
					       .node = node,
					       .p = p };

		r = vp_vm_check_guests(&gs);
	}
	if (r < 0)
		goto out;
	if (!nents && !o->mapping && !usbvals.n) {
		r = p->refusals.n
			    ? 0
			    : vp_plan_refuse(p, "no device to add: give --device ADDR "
						"or --usb");
		goto out;
	}
	rq.vmid = o->vmid;
	rq.devs = ents;
	rq.ndevs = nents;
	rq.mapping = o->mapping;
	rq.primary_gpu = o->primary_gpu;
	rq.driver_version = o->driver_version;
	rq.tune = o->tune;
	rq.usb = &usbvals;
	rq.ovmf = o->ovmf;
	rq.qemu_server = ses->sys.qemu_server;
	rq.numa_node = -1;
	for (int i = 0;
	     i < 1024 && vp_existsf(ctx, VP_SYS, "devices/system/node/node%d", i); i++)
		rq.host_nodes = i + 1;
	rq.multi_node = rq.host_nodes > 1;
	for (int pass = 0; pass < 2 && rq.numa_node < 0; pass++)
		for (size_t i = 0; i < nsel; i++)
			if ((pass || (sel[i]->class >> 16) == PCI_BASE_CLASS_DISPLAY) &&
			    sel[i]->numa_node >= 0) {
				rq.numa_node = sel[i]->numa_node;
				rq.node_cpus = sel[i]->local_cpulist;
				break;
			}
	r = note_gpu_nodes(p, sel, nsel, o->tune && rq.multi_node ? rq.numa_node : -1);
	if (r == 0 && o->tune)
		r = read_hugepages(ctx, rq.multi_node ? rq.numa_node : -1, &rq.hp, where,
				   sizeof(where));
	if (r < 0)
		goto out;
	for (size_t i = 0; !o->vgpu && i < nsel; i++)
		if (vp_kb_vfio_variant(sel[i]->driver))
			continue; /* driver=keep, noted by plan_keep */
		else if (!streq(sel[i]->driver, "vfio-pci"))
			vp_plan_note(p,
				     "%s is bound to %s: hand it to vfio-pci first "
				     "(vfio-pilot host plan --device %s)",
				     sel[i]->addr,
				     sel[i]->driver ? sel[i]->driver : "no driver",
				     sel[i]->addr);
	r = vp_vm_build(old, oldlen, &rq, &ch);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < ch.notes.n; i++)
		vp_plan_note(p, "%s", ch.notes.v[i]);
	for (size_t i = 0; i < ch.refusals.n; i++)
		vp_plan_refuse(p, "%s", ch.refusals.v[i]);
	if (p->refusals.n || (!ch.keys.n && !(o->qm && ch.alloc_keys.n)))
		goto out;
	if (o->qm) {
		_cleanup_free_ const char **argv =
			calloc((ch.keys.n + ch.alloc_keys.n) * 2 + 4, sizeof(*argv));
		_cleanup_free_ char *id = xasprintf("%lu", o->vmid);
		_cleanup_free_ char *opts = NULL;
		struct strv flags = { 0 };
		size_t n = 0;

		if (!argv || !id) {
			r = -ENOMEM;
			goto out;
		}
		argv[n++] = "qm";
		argv[n++] = "set";
		argv[n++] = id;
		for (size_t i = 0; i < ch.keys.n; i++) {
			if (strv_pushf(&flags, "--%s", ch.keys.v[i]) < 0) {
				strv_free(&flags);
				r = -ENOMEM;
				goto out;
			}
			argv[n++] = flags.v[flags.n - 1];
			argv[n++] = ch.values.v[i];
		}
		/* STORAGE:1 asks Proxmox to allocate the volume (qm set's disk syntax) */
		for (size_t i = 0; i < ch.alloc_keys.n; i++) {
			if (strv_pushf(&flags, "--%s", ch.alloc_keys.v[i]) < 0) {
				strv_free(&flags);
				r = -ENOMEM;
				goto out;
			}
			argv[n++] = flags.v[flags.n - 1];
			argv[n++] = ch.alloc_values.v[i];
		}
		r = vp_plan_command(
			p,
			"qm set takes Proxmox's config lock and checks every value itself",
			argv);
		strv_free(&flags);
	} else {
		_cleanup_free_ char *rel = xasprintf("pve/qemu-server/%lu.conf", o->vmid);

		sub = rel ? vp_rel_path(VP_ETC, rel) : NULL;
		if (!sub) {
			r = -ENOMEM;
			goto out;
		}
		r = vp_plan_edit(ctx, p, sub, TAKE_PTR(ch.text), ch.len, 0640,
				 "passthrough settings of the VM");
		if (r == 0 && streq(ctx->root, "/"))
			vp_plan_note(
				p,
				"the file is written directly: make sure no qm or GUI "
				"task changes the VM meanwhile (--qm uses qm set instead)");
	}
out:
	vp_vm_change_free(&ch);
	strv_free(&usbvals);
	return r;
}
