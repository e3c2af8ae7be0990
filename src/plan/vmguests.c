// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm plan's view of the other VMs: whether a VM runs, as qemu-server
 * decides it, and which VMs hold a device in their live config, [PENDING]
 * or snapshots, directly or through a cluster mapping (docs/vm.md).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/vmguests.h"
#include "plan/vmplan.h"
#include "pve/conf.h"
#include "pve/vmconf.h"
#include "pve/vmfacts.h"

/* /proc/PID/cmdline of a QEMU process: a few KiB; more is not a VM. */
#define VP_CMDLINE_MAX (256 * 1024)

/*
 * Is VM @vmid running? As qemu-server's vm_running_locally decides
 * (Helpers.pm): the pidfile /var/run/qemu-server/VMID.pid names a pid whose
 * /proc/PID/cmdline is a kvm or qemu-* binary started with "-pidfile" that
 * very file, and the process is not a zombie (ProcFSTools
 * check_process_running). Read below the root: a snapshot may hold them.
 * 1 running, 0 not, -ENOENT when the root has no qemu-server run directory
 * (the state cannot be known there).
 */
int vp_vm_running(struct vp_ctx *ctx, unsigned long vmid, long *pid)
{
	_cleanup_free_ char *text = NULL, *cmd = NULL, *stat = NULL, *want = NULL;
	size_t len = 0, k;
	const char *argv0, *base, *paren;
	bool match = false;
	char *end;

	*pid = 0;
	if (vp_read_strf(ctx, VP_ROOT, &text, "var/run/qemu-server/%lu.pid", vmid) < 0 &&
	    vp_read_strf(ctx, VP_ROOT, &text, "run/qemu-server/%lu.pid", vmid) < 0)
		return vp_existsf(ctx, VP_ROOT, "var/run/qemu-server") ||
				       vp_existsf(ctx, VP_ROOT, "run/qemu-server")
			       ? 0
			       : -ENOENT;
	*pid = strtol(text, &end, 10);
	if (end == text || *end || *pid <= 0)
		return 0;
	cmd = malloc(VP_CMDLINE_MAX + 1);
	want = xasprintf("/var/run/qemu-server/%lu.pid", vmid);
	if (!cmd || !want)
		return -ENOMEM;
	if (vp_read_bytesf(ctx, VP_PROC, cmd, VP_CMDLINE_MAX, &len, "%ld/cmdline", *pid) <
		    0 ||
	    !len)
		return 0;
	cmd[len] = '\0';
	argv0 = cmd;
	base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	k = strlen(argv0);
	if (!(k >= 3 && streq(argv0 + k - 3, "kvm")) && !startswith(base, "qemu-"))
		return 0;
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
		const char *a = cmd + i;

		if ((streq(a, "-pidfile") || streq(a, "--pidfile")) &&
		    i + strlen(a) + 1 < len)
			match = streq(a + strlen(a) + 1, want);
	}
	if (!match || vp_read_strf(ctx, VP_PROC, &stat, "%ld/stat", *pid) < 0)
		return 0;
	paren = strrchr(stat, ')');
	return paren && paren[1] == ' ' && paren[2] && paren[2] != 'Z' && paren[2] != 'X';
}

/* The node's name as Proxmox uses it: the host name up to the first dot. */
char *vp_vm_node_name(struct vp_ctx *ctx)
{
	_cleanup_free_ char *h = NULL;

	if (vp_read_strf(ctx, VP_ETC, &h, "hostname") < 0 || !h[0])
		return NULL;
	return strndup(h, strcspn(h, ". \t\n"));
}

/* The path= addresses of mapping @id's map lines for @node ("a;b" split). */
int vp_vm_map_paths(const struct vp_pve_mapping *m, const char *id, const char *node,
		    struct strv *out)
{
	_cleanup_(strv_free) struct strv maps = { 0 };
	int r;

	if (!m || !node)
		return 0;
	r = vp_pve_mapping_maps(m, id, &maps);
	for (size_t i = 0; r >= 0 && i < maps.n; i++) {
		_cleanup_free_ char *copy = strdup(maps.v[i]);
		const char *path = NULL, *nd = NULL;
		char *save = NULL;

		if (!copy)
			return -ENOMEM;
		for (char *t = strtok_r(copy, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			if (startswith(t, "node="))
				nd = t + 5;
			else if (startswith(t, "path="))
				path = t + 5;
		}
		if (!path || !nd || !streq(nd, node))
			continue;
		{
			_cleanup_free_ char *p2 = strdup(path);
			char *s2 = NULL;

			if (!p2)
				return -ENOMEM;
			for (char *t = strtok_r(p2, ";", &s2); t && r >= 0;
			     t = strtok_r(NULL, ";", &s2))
				r = strv_add(out, t);
		}
	}
	return r == -ENOENT ? 0 : r;
}

/*
 * The host addresses hostpci entry @h names on this node: its host= ids,
 * then its mapping's paths here. *direct: how many are host= ids.
 */
static int entry_hosts(const struct vp_vm_guest_scan *s, const struct vp_pve_hostpci *h,
		       struct strv *hosts, size_t *direct)
{
	int r = 0;

	for (size_t k = 0; k < h->hosts.n && r >= 0; k++)
		r = strv_add(hosts, h->hosts.v[k]);
	*direct = hosts->n;
	if (r >= 0 && h->mapping)
		r = vp_vm_map_paths(s->map, h->mapping, s->node, hosts);
	return r < 0 ? r : 0;
}

/* Called for each hostpciN of another VM; @where: "hostpci0", "[PENDING] hostpci0"... */
typedef int (*entry_fn)(const struct vp_vm_guest_scan *s, unsigned long id, int *running,
			long *pid, const struct vp_pve_hostpci *h, const char *where,
			bool live, void *data);

/* One hostpciN of VM @id against the functions planned. */
static int guest_entry(const struct vp_vm_guest_scan *s, unsigned long id, int *running,
		       long *pid, const struct vp_pve_hostpci *h, const char *where,
		       bool live, void *data)
{
	_cleanup_(strv_free) struct strv hosts = { 0 };
	_cleanup_free_ char *what = NULL;
	size_t direct;
	bool pool;
	int r;

	(void)data;
	r = entry_hosts(s, h, &hosts, &direct);
	if (r < 0)
		return r;
	/* a mapping with several maps on this node is a pool: Proxmox picks a free one */
	pool = hosts.n - direct > 1;
	if (s->o->mapping && streq(h->mapping, s->o->mapping))
		what = xasprintf("mapping %s", s->o->mapping);
	for (size_t i = 0; !what && i < s->nsel; i++)
		for (size_t k = 0; !what && k < hosts.n; k++)
			if (vp_bdf_ids_overlap(hosts.v[k], s->sel[i]->addr))
				what = strdup(s->sel[i]->addr);
	if (!what)
		return 0;
	if (!live)
		return vp_plan_note(
			s->p,
			"%s is also in VM %lu's %s (%s): it counts as used there; "
			"VM %lu takes it %s, and Proxmox refuses to start the two "
			"at once",
			what, id, where, h->value, id,
			startswith(where, "[PENDING]")
				? "when that pending change is applied at its next "
				  "start"
				: "back when rolled back to that snapshot");
	if (*running == -2)
		*running = vp_vm_running(s->ctx, id, pid);
	if (*running < 0 && *running != -ENOENT)
		return *running;
	if (*running == 1 && pool)
		return vp_plan_note(
			s->p,
			"%s may be in use by VM %lu, which is running: its %s takes "
			"mapping %s, a pool of %zu devices on this node, and Proxmox "
			"gave it a free one at start",
			what, id, where, h->mapping, hosts.n - direct);
	if (*running == 1)
		return vp_plan_refuse(
			s->p,
			"%s is in use by VM %lu, which is running (pid %ld; %s: "
			"%s): stop it, or take the device out of it, first",
			what, id, *pid, where, h->value);
	/* PCI.pm reserve_pci_usage: "PCI device '...' already in use by VMID" */
	return vp_plan_note(
		s->p,
		"%s is also in VM %lu's %s (%s), which is %s: both may hold it, "
		"but Proxmox refuses to start the two at once",
		what, id, where, h->value,
		*running == -ENOENT ? "taken as stopped (its running state "
				      "cannot be seen under --root)"
				    : "stopped");
}

static int guest_vm(const struct vp_vm_guest_scan *s, unsigned long id, entry_fn fn,
		    void *data)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ char *text = NULL;
	struct vp_pve_vmfacts f = { 0 };
	struct vp_pve_hostpci_refs refs = { 0 };
	int running = -2, r;
	long pid = 0;
	size_t len = 0;

	if (vp_vm_read_conf(s->ctx, id, &text, &len) < 0)
		return 0;
	r = vp_pve_vmconf_parse(text, len, &c);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	r = vp_pve_vmfacts_get(c, &f);
	if (r == 0)
		r = vp_pve_hostpci_refs_get(c, &refs);
	for (size_t i = 0; r >= 0 && i < f.n_hostpci; i++) {
		char where[16];

		if (!f.hostpci[i].valid)
			continue;
		snprintf(where, sizeof(where), "hostpci%u", f.hostpci[i].index);
		r = fn(s, id, &running, &pid, &f.hostpci[i], where, true, data);
	}
	for (size_t i = 0; r >= 0 && i < refs.n; i++) {
		const struct vp_pve_hostpci_ref *e = &refs.v[i];
		_cleanup_free_ char *where = NULL;

		if (e->deleted)
			continue;
		where = e->kind == VP_PVE_SEC_PENDING
				? xasprintf("[PENDING] hostpci%u", e->h.index)
				: xasprintf("snapshot '%s' hostpci%u", e->section,
					    e->h.index);
		r = where ? fn(s, id, &running, &pid, &e->h, where, false, data)
			  : -ENOMEM;
	}
	vp_pve_hostpci_refs_free(&refs);
	vp_pve_vmfacts_free(&f);
	return r < 0 ? r : 0;
}

/* @fn for each hostpciN of every VM of the node but s->o->vmid, in VMID order. */
static int each_vm_entry(const struct vp_vm_guest_scan *s, entry_fn fn, void *data)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_(strv_free) struct strv names = { 0 };
	struct dirent *e;
	int r = 0;

	if (vp_opendirf(s->ctx, VP_ETC, &d, "pve/qemu-server") < 0)
		return 0;
	while ((e = readdir(d)) && r >= 0) {
		size_t n = strlen(e->d_name);

		if (n > 5 && streq(e->d_name + n - 5, ".conf") &&
		    strspn(e->d_name, "0123456789") == n - 5)
			r = strv_add(&names, e->d_name);
	}
	strv_sort(&names);
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		unsigned long id = strtoul(names.v[i], NULL, 10);

		if (id != s->o->vmid)
			r = guest_vm(s, id, fn, data);
	}
	return r < 0 ? r : 0;
}

/*
 * Other guests that hold the devices or the mapping. A container's devN is
 * live; so is a VM's hostpciN, refused only while that VM runs. [PENDING]
 * and snapshots (which guests.c, reading the live section as Proxmox does,
 * does not see) count too, with a note that says where.
 */
int vp_vm_check_guests(const struct vp_vm_guest_scan *s)
{
	for (size_t k = 0; k < s->ses->guests.n; k++) {
		const struct vp_guest_ref *g = &s->ses->guests.refs[k];

		for (size_t i = 0; g->kind == 'c' && g->address && i < s->nsel; i++)
			if (vp_bdf_ids_overlap(g->address, s->sel[i]->addr))
				vp_plan_refuse(
					s->p,
					"%s is already used by container %d (%s: %s)",
					s->sel[i]->addr, g->id, g->key, g->value);
	}
	return each_vm_entry(s, guest_entry, NULL);
}

void vp_vm_claims_free(struct vp_vm_claims *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].host);
		free(c->v[i].mdev);
		free(c->v[i].who);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int add_claim(struct vp_vm_claims *c, const char *host, const char *mdev,
		     char *who)
{
	struct vp_vm_claim *nv = who ? realloc(c->v, (c->n + 1) * sizeof(*nv)) : NULL;

	if (!nv) {
		free(who);
		return -ENOMEM;
	}
	c->v = nv;
	nv[c->n] = (struct vp_vm_claim){ strdup(host), mdev ? strdup(mdev) : NULL, who };
	if (!nv[c->n].host || (mdev && !nv[c->n].mdev)) {
		free(nv[c->n].host);
		free(nv[c->n].mdev);
		free(who);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

static int claim_entry(const struct vp_vm_guest_scan *s, unsigned long id, int *running,
		       long *pid, const struct vp_pve_hostpci *h, const char *where,
		       bool live, void *data)
{
	_cleanup_(strv_free) struct strv hosts = { 0 };
	size_t direct;
	int r;

	(void)running, (void)pid, (void)live;
	r = entry_hosts(s, h, &hosts, &direct);
	for (size_t k = 0; r == 0 && k < hosts.n; k++)
		r = add_claim(data, hosts.v[k], h->mdev,
			      xasprintf("VM %lu's %s (%s)", id, where, h->value));
	return r;
}

int vp_vm_guest_claims(const struct vp_vm_guest_scan *s, struct vp_vm_claims *out)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; r == 0 && k < s->ses->guests.n; k++) {
		const struct vp_guest_ref *g = &s->ses->guests.refs[k];

		if (g->kind == 'c' && g->address)
			r = add_claim(out, g->address, NULL,
				      xasprintf("container %d's %s (%s)", g->id, g->key,
						g->value));
	}
	if (r == 0)
		r = each_vm_entry(s, claim_entry, out);
	if (r < 0)
		vp_vm_claims_free(out);
	return r;
}

const struct vp_vm_claim *vp_vm_claim_find(const struct vp_vm_claims *c, const char *addr)
{
	for (size_t i = 0; i < c->n; i++)
		if (vp_bdf_ids_overlap(c->v[i].host, addr))
			return &c->v[i];
	return NULL;
}
