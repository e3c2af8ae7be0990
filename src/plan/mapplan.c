// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mapping plan: cluster PCI resource mappings (/etc/pve/mapping/pci.cfg)
 * across nodes, pooled and checked as Proxmox's assert_valid does.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "host/gpudev.h"
#include "host/mapcheck.h"
#include "host/select.h"
#include "out/output.h"
#include "plan/pveplan.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/storage.h"
#include "pve/vmconf.h"

/* ---- mapping ---------------------------------------------------------------- */

int vp_mapping_map_value(const char *node, const char *path, const struct vp_dev *d,
			 char **out)
{
	return vp_map_value(node, path, d, out);
}

static int map_parse(const char *text, struct vp_pve_propstr *ps)
{
	return vp_pve_propstr_parse(vp_pve_schema_pci_map(), text, ps, NULL);
}

static bool maps_equal(const char *a, const char *b)
{
	struct vp_pve_propstr pa = { 0 }, pb = { 0 };
	bool eq;

	if (map_parse(a, &pa) < 0 || map_parse(b, &pb) < 0) {
		vp_pve_propstr_free(&pa);
		vp_pve_propstr_free(&pb);
		return streq(a, b);
	}
	eq = pa.n == pb.n;
	for (size_t i = 0; eq && i < pa.n; i++)
		eq = streq(pa.kv[i].value, vp_pve_propstr_get(&pb, pa.kv[i].prop->key));
	vp_pve_propstr_free(&pa);
	vp_pve_propstr_free(&pb);
	return eq;
}

static char *map_node(const char *map)
{
	struct vp_pve_propstr ps = { 0 };
	char *node = NULL;

	if (map_parse(map, &ps) == 0 && vp_pve_propstr_get(&ps, "node"))
		node = strdup(vp_pve_propstr_get(&ps, "node"));
	vp_pve_propstr_free(&ps);
	return node;
}

int vp_mapping_merge(struct vp_pve_mapping *m, const char *name, const char *const *maps,
		     const char *const *nodes, struct strv *added, struct strv *notes,
		     struct strv *refusals)
{
	_cleanup_free_ char *reason = NULL;
	struct strv have = { 0 };
	int r = 0;

	if (!vp_pve_mapping_find(m, name)) {
		r = vp_pve_mapping_add_entry(m, name, maps, NULL, &reason);
		if (r < 0) {
			strv_push(refusals, xasprintf("mapping %s: %s", name,
						      reason ? reason : strerror(-r)));
			return r == -ENOMEM ? r : 0;
		}
		for (size_t i = 0; maps[i]; i++)
			if (strv_add(added, maps[i]) < 0)
				return -ENOMEM;
		return 0;
	}
	r = vp_pve_mapping_maps(m, name, &have);
	for (size_t i = 0; r == 0 && maps[i]; i++) {
		bool same = false;
		size_t others = 0;

		for (size_t j = 0; j < have.n; j++) {
			_cleanup_free_ char *node = map_node(have.v[j]);

			if (!streq(node, nodes[i]))
				continue;
			if (maps_equal(have.v[j], maps[i]))
				same = true;
			else
				others++;
		}
		if (same)
			continue;
		free(reason);
		reason = NULL;
		r = vp_pve_mapping_add_map(m, name, maps[i], &reason);
		if (r < 0) {
			strv_push(refusals, xasprintf("mapping %s: %s", name,
						      reason ? reason : strerror(-r)));
			r = r == -ENOMEM ? r : 0;
			continue;
		}
		r = strv_add(added, maps[i]);
		/*
		 * Maps of one node are alternatives: qemu-server PCI.pm takes the
		 * first free one at VM start, in file order. A second map grows
		 * the node's pool; it does not replace the first.
		 */
		if (r == 0 && others)
			r = strv_pushf(notes,
				       "mapping %s: node %s now offers %zu devices (a "
				       "pool: a VM gets the first one free)",
				       name, nodes[i], others + 1);
	}
	strv_free(&have);
	return r;
}

/*
 * A map of @name for this node whose device is no longer what the map says
 * (a BIOS update or a new card renumbered the bus or the groups): Proxmox's
 * assert_valid fails on it at VM start. Growing the pool beside it would hide
 * that, and is refused; `mapping check` names the fix.
 */
static int stale_maps(const struct vp_pve_mapping *m, const char *name,
		      const struct vp_map_host *mh, struct vp_plan *p)
{
	struct strv have = { 0 };
	int r;

	if (!vp_pve_mapping_find(m, name))
		return 0;
	r = vp_pve_mapping_maps(m, name, &have);
	for (size_t j = 0; r == 0 && j < have.n; j++) {
		struct vp_pve_propstr ps = { 0 };
		struct vp_map_verdict v;
		struct vp_map_want w;
		const char *node;

		if (map_parse(have.v[j], &ps) < 0) {
			vp_pve_propstr_free(&ps);
			continue;
		}
		node = vp_pve_propstr_get(&ps, "node");
		w = (struct vp_map_want){ .path = vp_pve_propstr_get(&ps, "path"),
					  .id = vp_pve_propstr_get(&ps, "id"),
					  .subsys =
						  vp_pve_propstr_get(&ps, "subsystem-id"),
					  .group =
						  vp_pve_propstr_get(&ps, "iommugroup") };
		if (node && streq(node, mh->node)) {
			r = vp_map_verify(mh->host, &w, &v);
			if (r == 0 && v.state != VP_MAP_HOLDS)
				r = vp_plan_refuse(
					p,
					"mapping %s: the map of node %s for %s no longer "
					"holds (%s); fix or remove it first (mapping check "
					"%s) rather than add a device beside it",
					name, mh->node, w.path ? w.path : "?", v.why,
					name);
			vp_map_verdict_free(&v);
		}
		vp_pve_propstr_free(&ps);
	}
	strv_free(&have);
	return r;
}

/*
 * A mapping is one more way to give a device to a VM: what vm plan -d
 * refuses (host/select.c) it refuses too. It never carries the override:
 * a device the host needs is given by address, with vm plan
 * --take-host-device, where the warning is seen.
 */
static int check_mapped(const struct vp_map_host *mh, const char *path, struct vp_plan *p)
{
	const struct vp_select_opts so = {
		.take_flag = "vm plan --device ADDR --take-host-device (a mapping never "
			     "takes it)",
	};
	struct vp_devset set = { 0 };
	struct vp_devspec spec;
	int r = vp_devspec_parse(path, &spec);

	if (r == 0)
		r = vp_select(mh->ctx, mh->host, &spec, 1, &so, &set);
	for (size_t i = 0; r == 0 && i < set.refusals.n; i++)
		vp_plan_refuse(p, "%s: %s", mh->node, set.refusals.v[i]);
	vp_devset_free(&set);
	return r;
}

/* One device the mapping names, as given on host 0. */
struct map_ref {
	const struct vp_dev *ref;
	bool slot;
	const struct vp_dev *on; /* its match on the host being looked at */
};

static bool same_ids(const struct vp_dev *a, const struct vp_dev *b)
{
	return a->vendor == b->vendor && a->device == b->device && a->bdf.fn == b->bdf.fn;
}

/*
 * Which function of @h stands for each ref: the one at the same address
 * with the same ids, else, among the rest, the functions with the ref's ids
 * when there are exactly as many as refs still unmatched with those ids (a
 * renumbered bus: paired in address order, as both lists are sorted). A
 * function at an address where @h0 has a card of the same kind that is not
 * in the pool stands for that card, not for a moved one.
 * Anything else is ambiguous and refused by the caller (->on stays NULL).
 */
static bool other_card(const struct vp_host *h0, const struct vp_dev *d,
		       const struct map_ref *refs, size_t n)
{
	const struct vp_dev *there = vp_host_find(h0, &d->bdf);

	if (!there || !same_ids(there, d))
		return false;
	for (size_t k = 0; k < n; k++)
		if (refs[k].ref == there)
			return false;
	return true;
}

static void match_refs(const struct vp_host *h0, const struct vp_host *h,
		       struct map_ref *refs, size_t n)
{
	_cleanup_free_ bool *used = calloc(h->ndevs ? h->ndevs : 1, sizeof(*used));
	_cleanup_free_ bool *pending = calloc(n ? n : 1, sizeof(*pending));

	if (!used || !pending)
		return;
	for (size_t k = 0; k < n; k++) {
		const struct vp_dev *d = vp_host_find(h, &refs[k].ref->bdf);

		refs[k].on = NULL;
		for (size_t i = 0; d && i < h->ndevs; i++)
			if (h->devs[i] == d && !used[i] && same_ids(d, refs[k].ref)) {
				used[i] = true;
				refs[k].on = d;
			}
	}
	/* Those matched by address are settled; pair the rest as they stand now. */
	for (size_t k = 0; k < n; k++)
		pending[k] = !refs[k].on;
	for (size_t k = 0; k < n; k++) {
		size_t left = 0, cand = 0, nth = 0;

		if (!pending[k])
			continue;
		for (size_t j = 0; j < n; j++) {
			if (pending[j] && same_ids(refs[j].ref, refs[k].ref))
				left++;
			if (j < k && pending[j] && same_ids(refs[j].ref, refs[k].ref))
				nth++;
		}
		for (size_t i = 0; i < h->ndevs; i++)
			cand += !used[i] && same_ids(h->devs[i], refs[k].ref) &&
				!other_card(h0, h->devs[i], refs, n);
		if (cand != left)
			continue;
		for (size_t i = 0; i < h->ndevs; i++)
			if (!used[i] && same_ids(h->devs[i], refs[k].ref) &&
			    !other_card(h0, h->devs[i], refs, n) && nth-- == 0) {
				refs[k].on = h->devs[i];
				break;
			}
	}
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; refs[k].on && i < h->ndevs; i++)
			if (h->devs[i] == refs[k].on)
				used[i] = true;
}

int vp_mapping_plan(struct vp_map_host *hosts, size_t nhosts, const char *name,
		    const char *const *devices, struct vp_plan *p)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL;
	_cleanup_free_ char *rel = vp_rel_path(VP_ETC, "pve/mapping/pci.cfg"),
			    *text = NULL, *out = NULL;
	_cleanup_free_ struct map_ref *refs = NULL;
	struct strv maps = { 0 }, nodes = { 0 }, added = { 0 }, notes = { 0 };
	struct vp_ctx *ctx = hosts[0].ctx;
	struct vp_file_state st;
	size_t len = 0, outlen, nref = 0, ndev = 0;
	int r = 0;

	if (!rel)
		return -ENOMEM;
	while (devices[ndev])
		ndev++;
	refs = calloc(ndev ? ndev : 1, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (size_t k = 0; k < ndev; k++) {
		const struct vp_dev *ref;
		struct vp_bdf b;
		bool slot = false, dup = false;

		if (vp_bdf_parse(devices[k], &b, &slot, true) < 0) {
			vp_log_err(
				ctx,
				"'%s' is not a PCI address (use 0000:01:00.0, or 01:00 for "
				"every function)",
				devices[k]);
			return -EINVAL;
		}
		if (slot)
			b.fn = 0;
		ref = vp_host_find(hosts[0].host, &b);
		if (!ref) {
			vp_log_err(ctx, "%s is not on %s (%s)", devices[k], hosts[0].node,
				   hosts[0].ctx->root);
			return -ENODEV;
		}
		for (size_t j = 0; j < nref; j++) {
			if (refs[j].ref == ref) {
				dup = true;
			} else if (vp_bdf_same_slot(&refs[j].ref->bdf, &ref->bdf)) {
				/* A pool's entries are alternatives, not parts of one
				 * card. */
				vp_plan_refuse(
					p,
					"%s and %s are functions of one card: a pool "
					"holds whole cards; map the slot once",
					refs[j].ref->addr, ref->addr);
				dup = true;
			}
		}
		if (dup)
			continue;
		refs[nref++] = (struct map_ref){ .ref = ref, .slot = slot };
	}
	for (size_t i = 0; i < nhosts; i++) {
		const char *src = hosts[i].ctx ? hosts[i].ctx->root : "Proxmox API";
		size_t before = maps.n;

		for (size_t j = 0; j < i; j++)
			if (streq(hosts[j].node, hosts[i].node))
				vp_plan_refuse(p, "%s and %s both call themselves %s",
					       hosts[j].ctx ? hosts[j].ctx->root
							    : "Proxmox API",
					       src, hosts[i].node);
		if (!hosts[i].host) {
			/* Named, never skipped silently: run again when it answers. */
			vp_plan_note(p, "%s did not answer (%s): no map for it",
				     hosts[i].node,
				     hosts[i].why_not ? hosts[i].why_not : "?");
			continue;
		}
		if (i == 0)
			for (size_t k = 0; k < nref; k++)
				refs[k].on = refs[k].ref;
		else
			match_refs(hosts[0].host, hosts[i].host, refs, nref);
		for (size_t k = 0; k < nref; k++) {
			const struct vp_dev *d = refs[k].on, *ref = refs[k].ref,
					    *other = vp_host_find(hosts[i].host,
								  &ref->bdf);
			char path[16];
			char *v = NULL;

			if (!d && hosts[i].api) {
				vp_plan_note(
					p,
					"%s has no %04x:%04x for %s (through the API): "
					"no map for it",
					hosts[i].node, ref->vendor, ref->device,
					ref->addr);
				continue;
			}
			if (!d) {
				if (other && !same_ids(other, ref))
					vp_plan_refuse(
						p,
						"%s (%s) does not match: %s there is "
						"%04x:%04x, not %04x:%04x",
						hosts[i].node, hosts[i].ctx->root,
						other->addr, other->vendor, other->device,
						ref->vendor, ref->device);
				else
					vp_plan_refuse(
						p,
						"%s (%s) does not match: no single function "
						"%04x:%04x there for %s",
						hosts[i].node, hosts[i].ctx->root,
						ref->vendor, ref->device, ref->addr);
				continue;
			}
			if (d != ref && !vp_bdf_same_slot(&d->bdf, &ref->bdf))
				vp_plan_note(p, "on %s the device %s is at %s",
					     hosts[i].node, ref->addr, d->addr);
			if (d->iommu_group < 0) {
				vp_plan_refuse(
					p,
					"%s: %s has no IOMMU group; Proxmox checks the "
					"mapping's iommugroup at VM start",
					hosts[i].node, d->addr);
				continue;
			}
			if (refs[k].slot)
				snprintf(path, sizeof(path), "%04x:%02x:%02x",
					 d->bdf.domain, d->bdf.bus, d->bdf.dev);
			else
				snprintf(path, sizeof(path), "%s", d->addr);
			r = hosts[i].ctx ? check_mapped(&hosts[i], path, p) : 0;
			if (r == 0)
				r = vp_mapping_map_value(hosts[i].node, path, d, &v);
			if (r == 0)
				r = strv_push(&maps, v);
			if (r == 0)
				r = strv_add(&nodes, hosts[i].node);
			if (r < 0)
				goto out;
		}
		if (hosts[i].api && maps.n > before)
			vp_plan_note(
				p,
				"%s is known through the API only: whether that node "
				"needs the device itself (its console, its disk) is "
				"checked when vm plan runs there",
				hosts[i].node);
	}
	if (p->refusals.n || !maps.n)
		goto out;
	r = vp_file_read(ctx, VP_ROOT, rel, &text, &len, &st);
	if (r < 0)
		goto out;
	r = vp_pve_mapping_parse(VP_PVE_MAP_PCI, text ? text : "", text ? len : 0, &m);
	if (r < 0)
		goto out;
	for (size_t i = 0; r == 0 && i < nhosts; i++)
		r = stale_maps(m, name, &hosts[i], p);
	if (r < 0 || p->refusals.n)
		goto out;
	{
		bool existed = vp_pve_mapping_find(m, name) != NULL;

		r = vp_mapping_merge(m, name, (const char *const *)maps.v,
				     (const char *const *)nodes.v, &added, &notes,
				     &p->refusals);
		for (size_t i = 0; r == 0 && i < notes.n; i++)
			r = vp_plan_note(p, "%s", notes.v[i]);
		if (r < 0 || p->refusals.n || !added.n)
			goto out;
		if (streq(ctx->root, "/")) {
			_cleanup_free_ char *api =
				existed ? xasprintf("/cluster/mapping/pci/%s", name)
					: NULL;
			struct strv all = { 0 };
			const char **argv;
			size_t k = 0;

			r = vp_pve_mapping_maps(m, name, &all);
			argv = calloc(5 + 2 * all.n, sizeof(*argv));
			if (r < 0 || !argv || (existed && !api)) {
				free(argv);
				strv_free(&all);
				r = r < 0 ? r : -ENOMEM;
				goto out;
			}
			argv[k++] = "pvesh";
			argv[k++] = existed ? "set" : "create";
			argv[k++] = existed ? api : "/cluster/mapping/pci";
			if (!existed) {
				argv[k++] = "--id";
				argv[k++] = name;
			}
			for (size_t i = 0; i < all.n; i++) {
				argv[k++] = "--map";
				argv[k++] = all.v[i];
			}
			r = vp_plan_command(p,
					    "the cluster resource mapping (the API locks "
					    "the cluster file)",
					    argv);
			free(argv);
			strv_free(&all);
			goto out;
		}
	}
	r = vp_pve_mapping_serialize(m, &out, &outlen);
	if (r == 0)
		r = vp_plan_edit(
			ctx, p, rel, TAKE_PTR(out), outlen, 0640,
			"cluster resource mapping (one file for the whole cluster)");
	if (r == 0 && nhosts > 1 && !vp_pve_is_cluster(ctx))
		vp_plan_note(p,
			     "%s is not in a cluster (no corosync.conf): the other nodes "
			     "see this file only once they join one",
			     hosts[0].node);
out:
	strv_free(&maps);
	strv_free(&nodes);
	strv_free(&added);
	strv_free(&notes);
	return r;
}
