// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cluster [--api DIR]: every node of the Proxmox cluster through Proxmox's
 * own API (host/pveapi.c), with the passthrough candidates of each (GPUs and
 * accelerators; every function with -v), their IOMMU groups, the cluster
 * resource mappings that cover them and the VMs that use them, by address on
 * their node or through a mapping (with the VM's HA group). Nodes that do not
 * answer are named with pvesh's reason, never left out. A VM's hookscript is
 * a snippet on a storage that is often local to one node: it is looked up on
 * every node the VM may run on (its HA group's, else its mappings' nodes),
 * since qemu-server refuses to start a VM whose hookscript is missing.
 *
 * What the cluster filesystem holds (/etc/pve/mapping/pci.cfg,
 * /etc/pve/nodes/NODE/qemu-server, /etc/pve/ha/resources.cfg) is read
 * through --root like everything else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "host/facts.h"
#include "host/pveapi.h"
#include "out/output.h"
#include "pve/mapping.h"
#include "pve/vmconf.h"
#include "pve/vmfacts.h"

struct cluster_args {
	const char *api;
};

/* One VM's hookscript and the nodes it may run on. */
struct hook {
	int vmid;
	const char *node;  /* where its config is */
	char *volid;	   /* "local:snippets/x.sh" */
	struct strv where; /* nodes it may run on */
	char *why;	   /* how those were told */
	struct strv missing, unchecked;
};

static const struct option cluster_opts[] = {
	{ "api", required_argument, NULL, 'A' },
	{ NULL, 0, NULL, 0 },
};

static int cluster_opt(void *data, int c, const char *arg)
{
	struct cluster_args *a = data;

	if (c != 'A')
		return -EINVAL;
	a->api = arg;
	return 0;
}

/* One VM's use of a device. */
struct use {
	int vmid;
	const char *node; /* the VM's node */
	const char *key;  /* hostpciN */
	const char *mapping;
	const char *address;
};

struct world {
	struct vp_pve_mapping *m;
	struct vp_guests *guests; /* one per node, parallel to nodes */
	struct vp_api_host *nodes;
	size_t nn;
	struct strv ha_vm, ha_group;	 /* resources.cfg: vm:ID -> group */
	struct strv grp_name, grp_nodes; /* groups.cfg: group -> "n1:2,n2" */
	struct hook *hooks;
	size_t nhooks;
	const struct vp_api *api;
};

/*
 * One key of every section of a section config file (pve-common
 * SectionConfig.pm: "TYPE: ID" headers, indented "key value" lines): for
 * /etc/pve/ha/resources.cfg (pve-ha-manager HA/Resources.pm) "vm: 100" ->
 * "group NAME"; for /etc/pve/ha/groups.cfg (HA/Groups.pm) "group: NAME" ->
 * "nodes n1[:prio],n2" (pve-ha-group-node-list). PVE 9's node affinity
 * rules (rules.cfg) are not read here.
 */
static int section_key(struct vp_ctx *ctx, const char *file, const char *type,
		       const char *key, struct strv *ids, struct strv *values)
{
	_cleanup_free_ char *text = NULL, *cur = NULL;
	size_t tl = strlen(type), kl = strlen(key);
	char *save = NULL;
	int r = vp_read_strf(ctx, VP_ETC, &text, "pve/ha/%s", file);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v;

		if (!strncmp(l, type, tl) && l[tl] == ':') {
			free(cur);
			v = l + tl + 1;
			v += strspn(v, " \t");
			cur = strndup(v, strcspn(v, " \t"));
			if (!cur)
				return -ENOMEM;
			continue;
		}
		if (!cur || (l[0] != ' ' && l[0] != '\t'))
			continue;
		l += strspn(l, " \t");
		if (strncmp(l, key, kl) || (l[kl] != ' ' && l[kl] != '\t'))
			continue;
		v = l + kl;
		v += strspn(v, " \t");
		v[strcspn(v, " \t")] = '\0';
		if (strv_add(ids, cur) < 0 || strv_add(values, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int load_ha(struct vp_ctx *ctx, struct world *w)
{
	int r = section_key(ctx, "resources.cfg", "vm", "group", &w->ha_vm, &w->ha_group);

	return r < 0 ? r
		     : section_key(ctx, "groups.cfg", "group", "nodes", &w->grp_name,
				   &w->grp_nodes);
}

static const char *ha_group(const struct world *w, int vmid)
{
	char id[16];

	snprintf(id, sizeof(id), "%d", vmid);
	for (size_t i = 0; i < w->ha_vm.n; i++)
		if (streq(w->ha_vm.v[i], id))
			return w->ha_group.v[i];
	return NULL;
}

/* The mappings with a map of @node whose path covers @d. */
static int covering(const struct world *w, const char *node, const struct vp_dev *d,
		    struct strv *out)
{
	for (size_t i = 0; w->m && i < w->m->n_entries; i++) {
		const struct vp_pve_map_entry *e = &w->m->entries[i];
		struct strv paths = { 0 };
		bool hit = false;
		int r;

		if (!e->valid)
			continue;
		r = vp_pve_mapping_paths(w->m, e->id, node, &paths);
		for (size_t k = 0; r == 0 && k < paths.n && !hit; k++)
			hit = vp_bdf_ids_overlap(paths.v[k], d->addr);
		strv_free(&paths);
		if (r < 0 && r != -ENOENT)
			return r;
		if (hit && strv_add(out, e->id) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Does VM reference @ref use @d of @node (by address there, or a covering mapping)? */
static bool uses(const struct vp_guest_ref *ref, const char *vm_node, const char *node,
		 const struct vp_dev *d, const struct strv *maps)
{
	if (ref->kind != 'q')
		return false;
	if (ref->mapping) {
		for (size_t i = 0; i < maps->n; i++)
			if (streq(maps->v[i], ref->mapping))
				return true;
		return false;
	}
	return ref->address && streq(vm_node, node) &&
	       vp_bdf_ids_overlap(ref->address, d->addr);
}

static bool candidate(const struct vp_dev *d, int verbose)
{
	if (d->is_bridge || d->class >> 16 == 0x06)
		return false;
	return verbose || d->class >> 16 == 0x03 || d->class >> 16 == 0x12;
}

static int show_dev(const struct world *w, size_t ni, const struct vp_dev *d,
		    struct json_object *arr)
{
	const char *node = w->nodes[ni].node;
	struct strv maps = { 0 };
	struct json_object *j = NULL, *jm = NULL, *jv = NULL;
	char name[160];
	int r = covering(w, node, d, &maps);

	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s%s%s", d->vendor_name ? d->vendor_name : "",
		 d->vendor_name && d->device_name ? " " : "",
		 d->device_name ? d->device_name : "");
	if (arr) {
		char ids[4][8], cls[8];

		snprintf(ids[0], sizeof(ids[0]), "%04x", d->vendor);
		snprintf(ids[1], sizeof(ids[1]), "%04x", d->device);
		snprintf(ids[2], sizeof(ids[2]), "%04x", d->subvendor);
		snprintf(ids[3], sizeof(ids[3]), "%04x", d->subdevice);
		snprintf(cls, sizeof(cls), "%06x", d->class);
		j = json_object_new_object();
		jm = json_object_new_array();
		jv = json_object_new_array();
		json_object_object_add(j, "address", json_object_new_string(d->addr));
		json_object_object_add(j, "vendor_id", json_object_new_string(ids[0]));
		json_object_object_add(j, "device_id", json_object_new_string(ids[1]));
		json_object_object_add(j, "subsystem_vendor_id",
				       json_object_new_string(ids[2]));
		json_object_object_add(j, "subsystem_device_id",
				       json_object_new_string(ids[3]));
		json_object_object_add(j, "class", json_object_new_string(cls));
		json_object_object_add(j, "name",
				       name[0] ? json_object_new_string(name) : NULL);
		json_object_object_add(
			j, "iommu_group",
			d->iommu_group >= 0 ? json_object_new_int(d->iommu_group) : NULL);
		for (size_t i = 0; i < maps.n; i++)
			json_object_array_add(jm, json_object_new_string(maps.v[i]));
		json_object_object_add(j, "mappings", jm);
	} else {
		char grp[16] = "-";

		if (d->iommu_group >= 0)
			snprintf(grp, sizeof(grp), "%d", d->iommu_group);
		printf("  %s  %04x:%04x  group %-4s %s", d->addr, d->vendor, d->device,
		       grp, name[0] ? name : "");
		for (size_t i = 0; i < maps.n; i++)
			printf("%s%s", i ? ", " : "  [mapping ", maps.v[i]);
		if (maps.n)
			printf("]");
	}
	for (size_t k = 0; k < w->nn; k++) {
		const struct vp_guests *g = &w->guests[k];

		for (size_t i = 0; i < g->n; i++) {
			const struct vp_guest_ref *ref = &g->refs[i];
			const char *ha;

			if (!uses(ref, w->nodes[k].node, node, d, &maps))
				continue;
			ha = ha_group(w, ref->id);
			if (jv) {
				struct json_object *u = json_object_new_object();

				json_object_object_add(u, "vmid",
						       json_object_new_int(ref->id));
				json_object_object_add(
					u, "node",
					json_object_new_string(w->nodes[k].node));
				json_object_object_add(u, "key",
						       json_object_new_string(ref->key));
				json_object_object_add(
					u, "mapping",
					ref->mapping
						? json_object_new_string(ref->mapping)
						: NULL);
				json_object_object_add(u, "ha_group",
						       ha ? json_object_new_string(ha)
							  : NULL);
				json_object_array_add(jv, u);
			} else {
				printf("  VM %d on %s (%s%s%s%s%s)", ref->id,
				       w->nodes[k].node, ref->key,
				       ref->mapping ? ", mapping=" : "",
				       ref->mapping ? ref->mapping : "",
				       ha ? ", HA group " : "", ha ? ha : "");
			}
		}
	}
	if (j) {
		json_object_object_add(j, "vms", jv);
		json_object_array_add(arr, j);
	} else {
		printf("\n");
	}
	strv_free(&maps);
	return 0;
}

static int add_node(struct strv *s, const char *node)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], node))
			return 0;
	return strv_add(s, node);
}

/*
 * Where may VM @vmid of @node run? Its HA group's nodes when it has one;
 * else its own node and every node of the mappings it uses (the point of a
 * mapping is to run elsewhere); else its own node.
 */
static int hook_nodes(const struct world *w, struct hook *h,
		      const struct vp_pve_vmfacts *f)
{
	const char *grp = ha_group(w, h->vmid);
	int r = 0;

	if (grp) {
		for (size_t i = 0; i < w->grp_name.n; i++) {
			char *list, *save = NULL;

			if (!streq(w->grp_name.v[i], grp))
				continue;
			list = strdup(w->grp_nodes.v[i]);
			if (!list)
				return -ENOMEM;
			for (char *n = strtok_r(list, ",", &save); n && r == 0;
			     n = strtok_r(NULL, ",", &save)) {
				n[strcspn(n, ":")] = '\0'; /* node:priority */
				r = add_node(&h->where, n);
			}
			free(list);
			h->why = xasprintf("HA group %s", grp);
			return r < 0 ? r : h->why ? 0 : -ENOMEM;
		}
	}
	r = add_node(&h->where, h->node);
	for (size_t i = 0; r == 0 && i < f->n_hostpci; i++) {
		struct strv paths = { 0 };
		const char *m = f->hostpci[i].mapping;

		if (!m || !w->m || !vp_pve_mapping_find(w->m, m))
			continue;
		for (size_t k = 0; r == 0 && k < w->nn; k++) {
			r = vp_pve_mapping_paths(w->m, m, w->nodes[k].node, &paths);
			if (r == 0 && paths.n)
				r = add_node(&h->where, w->nodes[k].node);
			strv_free(&paths);
			r = r == -ENOENT ? 0 : r;
		}
		free(h->why);
		h->why = xasprintf("mapping %s", m);
		if (!h->why)
			return -ENOMEM;
	}
	if (r == 0 && !h->why && !(h->why = strdup("its own node")))
		return -ENOMEM;
	return r;
}

/* Every VM with a hookscript, and the nodes of its snippet that lack it. */
static int load_hooks(struct vp_ctx *ctx, struct world *w)
{
	for (size_t k = 0; k < w->nn; k++) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *e;

		if (vp_opendirf(ctx, VP_ETC, &d, "pve/nodes/%s/qemu-server",
				w->nodes[k].node) < 0)
			continue;
		while ((e = readdir(d))) {
			_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
			_cleanup_free_ char *text = NULL;
			struct vp_pve_vmfacts f = { 0 };
			size_t n = strlen(e->d_name);
			struct hook *nh, *h;
			int r;

			if (n <= 5 || !streq(e->d_name + n - 5, ".conf") ||
			    strspn(e->d_name, "0123456789") != n - 5)
				continue;
			if (vp_read_strf(ctx, VP_ETC, &text,
					 "pve/nodes/%s/qemu-server/%s", w->nodes[k].node,
					 e->d_name) < 0 ||
			    vp_pve_vmconf_parse(text, strlen(text), &c) < 0 ||
			    vp_pve_vmfacts_get(c, &f) < 0)
				continue;
			/* "STORAGE:snippets/NAME" (qemu-server: a volume id of content
			 * snippets). */
			if (!f.hookscript || !strstr(f.hookscript, ":snippets/")) {
				vp_pve_vmfacts_free(&f);
				continue;
			}
			nh = realloc(w->hooks, (w->nhooks + 1) * sizeof(*nh));
			if (!nh) {
				vp_pve_vmfacts_free(&f);
				return -ENOMEM;
			}
			w->hooks = nh;
			h = &w->hooks[w->nhooks++];
			*h = (struct hook){ .vmid = atoi(e->d_name),
					    .node = w->nodes[k].node,
					    .volid = strdup(f.hookscript) };
			r = h->volid ? hook_nodes(w, h, &f) : -ENOMEM;
			vp_pve_vmfacts_free(&f);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int check_hooks(struct world *w)
{
	for (size_t i = 0; i < w->nhooks; i++) {
		struct hook *h = &w->hooks[i];
		_cleanup_free_ char *storage = strndup(h->volid, strcspn(h->volid, ":"));

		if (!storage)
			return -ENOMEM;
		for (size_t k = 0; k < h->where.n; k++) {
			_cleanup_(strv_free) struct strv have = { 0 };
			_cleanup_free_ char *err = NULL;
			bool found = false;
			int r = vp_api_snippets(w->api, h->where.v[k], storage, &have,
						&err);

			if (r == -ENOMEM)
				return r;
			if (r < 0) {
				if (strv_pushf(&h->unchecked, "%s (%s)", h->where.v[k],
					       err ? err : strerror(-r)) < 0)
					return -ENOMEM;
				continue;
			}
			for (size_t j = 0; j < have.n && !found; j++)
				found = streq(have.v[j], h->volid);
			if (!found && strv_add(&h->missing, h->where.v[k]) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static struct json_object *strv_json(const struct strv *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

static int report(struct vp_ctx *ctx, struct world *w, int verbose)
{
	struct json_object *o = NULL, *jnodes = NULL, *jhooks = NULL;
	size_t silent = 0, missing = 0;
	int r = 0;

	if (ctx->out == VP_OUT_JSON) {
		o = vp_json_doc(ctx, "cluster");
		jnodes = json_object_new_array();
		jhooks = json_object_new_array();
	}
	for (size_t i = 0; i < w->nn && r == 0; i++) {
		const struct vp_api_host *n = &w->nodes[i];
		struct json_object *jn = NULL, *jd = NULL;

		silent += !n->host;
		if (o) {
			jn = json_object_new_object();
			json_object_object_add(jn, "node",
					       json_object_new_string(n->node));
			json_object_object_add(jn, "online",
					       json_object_new_boolean(n->online));
			json_object_object_add(jn, "answered",
					       json_object_new_boolean(n->host != NULL));
			json_object_object_add(jn, "error",
					       n->error ? json_object_new_string(n->error)
							: NULL);
			jd = json_object_new_array();
		} else if (!n->host) {
			printf("%s: did not answer: %s\n", n->node,
			       n->error ? n->error : "?");
			continue;
		} else {
			printf("%s\n", n->node);
		}
		for (size_t k = 0; n->host && k < n->host->ndevs && r == 0; k++)
			if (candidate(n->host->devs[k], verbose))
				r = show_dev(w, i, n->host->devs[k], jd);
		if (jn) {
			json_object_object_add(jn, "devices", jd);
			json_object_array_add(jnodes, jn);
		}
	}
	for (size_t i = 0; i < w->nhooks; i++) {
		const struct hook *h = &w->hooks[i];

		missing += h->missing.n > 0;
		if (o) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "vmid", json_object_new_int(h->vmid));
			json_object_object_add(j, "node",
					       json_object_new_string(h->node));
			json_object_object_add(j, "hookscript",
					       json_object_new_string(h->volid));
			json_object_object_add(j, "may_run_on", strv_json(&h->where));
			json_object_object_add(j, "because",
					       json_object_new_string(h->why));
			json_object_object_add(j, "missing_on", strv_json(&h->missing));
			json_object_object_add(j, "unchecked", strv_json(&h->unchecked));
			json_object_array_add(jhooks, j);
			continue;
		}
		for (size_t k = 0; k < h->missing.n; k++)
			printf("VM %d (%s): hookscript %s is missing on %s, where it may run "
			       "(%s): the VM will not start there\n",
			       h->vmid, h->node, h->volid, h->missing.v[k], h->why);
		for (size_t k = 0; k < h->unchecked.n; k++)
			printf("VM %d (%s): hookscript %s not checked on %s\n", h->vmid,
			       h->node, h->volid, h->unchecked.v[k]);
	}
	if (o) {
		json_object_object_add(o, "nodes", jnodes);
		json_object_object_add(o, "hookscripts", jhooks);
		if (r == 0)
			r = vp_json_print(ctx, o);
		json_object_put(o);
	}
	if (r < 0)
		return vp_exit_code(r);
	/*
	 * 2: a VM will not start on a node it may run on (its hookscript is not
	 * there); 1: the picture is incomplete, a node did not answer.
	 */
	return missing ? VP_EXIT_FAIL : silent ? VP_EXIT_WARN : VP_EXIT_OK;
}

static int cmd_cluster(struct vp_global *g, int argc, char **argv)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_free_ char *text = NULL, *err = NULL;
	struct cluster_args a = { 0 };
	struct world w = { 0 };
	struct vp_api api = { 0 };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "", cluster_opts, cluster_opt, &a);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_cluster);
		return VP_EXIT_OK;
	}
	if (argc != first) {
		vp_err("use: cluster [--api DIR]");
		return VP_EXIT_USAGE;
	}
	if (!a.api && !streq(g->root, "/")) {
		vp_err("cluster under --root would ask the live cluster about another host: "
		       "give its recorded answers with --api DIR");
		return VP_EXIT_USAGE;
	}
	r = vp_open_ctx(g, &ctx);
	if (r < 0)
		return vp_exit_code(r);
	api.dir = a.api;
	r = vp_api_cluster(&api, &w.nodes, &w.nn, &err);
	if (r < 0) {
		vp_err("the cluster's node list (GET /nodes): %s",
		       err ? err : strerror(-r));
		return r == -ENOMEM    ? VP_EXIT_SOFTWARE
		       : r == -EBADMSG ? VP_EXIT_DATA
				       : VP_EXIT_NOINPUT;
	}
	w.guests = calloc(w.nn ? w.nn : 1, sizeof(*w.guests));
	if (!w.guests) {
		r = -ENOMEM;
		goto out;
	}
	r = vp_read_strf(ctx, VP_ETC, &text, "pve/mapping/pci.cfg");
	if (r == 0)
		r = vp_pve_mapping_parse(VP_PVE_MAP_PCI, text, strlen(text), &w.m);
	else if (r == -ENOENT)
		r = 0;
	for (size_t i = 0; r == 0 && i < w.nn; i++)
		r = vp_guests_load_node(ctx, w.nodes[i].node, &w.guests[i]);
	if (r == 0)
		r = load_ha(ctx, &w);
	w.api = &api;
	if (r == 0)
		r = load_hooks(ctx, &w);
	if (r == 0)
		r = check_hooks(&w);
	if (r == 0) {
		r = report(ctx, &w, g->verbose);
		goto done;
	}
out:
	r = vp_exit_code(r);
done:
	for (size_t i = 0; w.guests && i < w.nn; i++)
		vp_guests_free(&w.guests[i]);
	free(w.guests);
	vp_pve_mapping_free(w.m);
	vp_api_cluster_free(w.nodes, w.nn);
	strv_free(&w.ha_vm);
	strv_free(&w.ha_group);
	strv_free(&w.grp_name);
	strv_free(&w.grp_nodes);
	for (size_t i = 0; i < w.nhooks; i++) {
		free(w.hooks[i].volid);
		free(w.hooks[i].why);
		strv_free(&w.hooks[i].where);
		strv_free(&w.hooks[i].missing);
		strv_free(&w.hooks[i].unchecked);
	}
	free(w.hooks);
	return r;
}

const struct vp_cmd vp_cmd_cluster = {
	.name = "cluster",
	.run = cmd_cluster,
	.summary =
		"every node of the cluster through Proxmox's API: candidates, mappings, VMs, hookscripts",
	.usage =
		"      --api DIR          the API's answers recorded in DIR (DIR/nodes.json,\n"
		"                         DIR/nodes/NODE/hardware/pci.json); needed under --root\n"
		"  -v                     every function, not only GPUs and accelerators\n",
	.example = "vfio-pilot cluster --api recorded-answers/",
};
