// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mapping plan|apply NAME --device ADDR... [--host DIR ...]: a cluster
 * resource mapping (/etc/pve/mapping/pci.cfg, knowledge proxmox-formats.md
 * §3) with one map line per device per node whose hardware matches; several
 * devices make a pool (alternatives, the first free one is used). The first host is
 * --root (or /); each --host DIR is another node's tree (a snapshot or
 * fixture). With --cluster the other nodes come from Proxmox's API
 * (host/pveapi.c: pvesh, or answers recorded in --api DIR). The file is
 * written into the first host's tree only: the cluster filesystem shares it
 * with every node.
 *
 * mapping check [NAME]: every map line against its node's hardware
 * (checks/mapcheck.c), for this root, the --host trees and, with --cluster,
 * every node of the cluster.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "checks/mapcheck.h"
#include "cmd/cmd.h"
#include "host/pveapi.h"
#include "out/output.h"
#include "plan/pveplan.h"

struct map_args {
	struct strv devices;
	struct strv hosts;
	bool cluster;
	const char *api;
};

static const struct option map_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "host", required_argument, NULL, 'H' },
	{ "cluster", no_argument, NULL, 'C' },
	{ "api", required_argument, NULL, 'A' },
	{ NULL, 0, NULL, 0 },
};

static int map_opt(void *data, int c, const char *arg)
{
	struct map_args *a = data;

	switch (c) {
	case 'd':
		return strv_add(&a->devices, arg);
	case 'H':
		return strv_add(&a->hosts, arg);
	case 'C':
		a->cluster = true;
		return 0;
	case 'A':
		a->api = arg;
		a->cluster = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/* pve-configid: ^[a-z][a-z0-9_-]+$, any case. */
static bool configid_ok(const char *s)
{
	if (!s || !isalpha((unsigned char)s[0]) || !s[1])
		return false;
	for (size_t i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static int load_host(const struct vp_global *g, const char *root, struct vp_map_host *mh)
{
	struct vp_global g2 = *g;
	char *name = NULL;
	int r;

	g2.root = root;
	r = vp_load(&g2, &mh->ctx, &mh->host);
	if (r)
		return r;
	if (vp_read_strf(mh->ctx, VP_ETC, &name, "hostname") < 0 || !name[0]) {
		free(name);
		vp_err("%s: no hostname (etc/hostname): the node name is unknown",
		       mh->ctx->root);
		return VP_EXIT_DATA;
	}
	name[strcspn(name, ". \t\n")] = '\0';
	mh->node = name;
	return 0;
}

/*
 * The other nodes through the API: every node but the ones already given
 * as trees. Nodes that did not answer are kept with their reason.
 */
static int load_api(const struct vp_global *g, const struct map_args *a,
		    struct vp_api_host **api, size_t *napi)
{
	const struct vp_api src = { .dir = a->api };
	_cleanup_free_ char *err = NULL;
	int r;

	if (!a->api && !streq(g->root, "/")) {
		vp_err("--cluster under --root asks the live cluster about another host: "
		       "give the recorded answers with --api DIR");
		return VP_EXIT_USAGE;
	}
	r = vp_api_cluster(&src, api, napi, &err);
	if (r < 0) {
		vp_err("the cluster's node list (GET /nodes): %s",
		       err ? err : strerror(-r));
		return r == -ENOMEM    ? VP_EXIT_SOFTWARE
		       : r == -EBADMSG ? VP_EXIT_DATA
				       : VP_EXIT_NOINPUT;
	}
	return 0;
}

static bool have_node(const struct vp_map_host *hosts, size_t n, const char *node)
{
	for (size_t i = 0; i < n; i++)
		if (streq(hosts[i].node, node))
			return true;
	return false;
}

static int mapping_check(struct vp_map_host *hosts, size_t n, struct vp_api_host *api,
			 size_t napi, const char *name)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct vp_mapnode *nodes = calloc(n + napi + 1, sizeof(*nodes));
	struct vp_ctx *ctx = hosts[0].ctx;
	struct vp_mapcheck c = { 0 };
	struct json_object *o = NULL, *rows = NULL;
	size_t nn = 0, drift = 0, unchecked = 0;
	int r;

	if (!nodes)
		return VP_EXIT_SOFTWARE;
	for (size_t i = 0; i < n; i++)
		nodes[nn++] = (struct vp_mapnode){ .node = hosts[i].node,
						   .host = hosts[i].host };
	for (size_t i = 0; i < napi; i++)
		if (!have_node(hosts, n, api[i].node))
			nodes[nn++] = (struct vp_mapnode){ .node = api[i].node,
							   .host = api[i].host,
							   .why_not = api[i].error };
	r = vp_read_strf(ctx, VP_ETC, &text, "pve/mapping/pci.cfg");
	if (r == -ENOENT) {
		vp_err("%s/etc/pve/mapping/pci.cfg does not exist: no mapping to check",
		       streq(ctx->root, "/") ? "" : ctx->root);
		return VP_EXIT_NOINPUT;
	}
	if (r < 0) {
		vp_err("%s/etc/pve/mapping/pci.cfg: %s",
		       streq(ctx->root, "/") ? "" : ctx->root, strerror(-r));
		return vp_exit_code(r);
	}
	r = vp_pve_mapping_parse(VP_PVE_MAP_PCI, text, strlen(text), &m);
	if (r == 0)
		r = vp_mapcheck_run(m, name, nodes, nn, napi > 0, &c);
	if (r == -ENOENT) {
		vp_err("no mapping '%s' in /etc/pve/mapping/pci.cfg", name);
		return VP_EXIT_NOINPUT;
	}
	if (r < 0)
		return vp_exit_code(r);
	if (ctx->out == VP_OUT_JSON) {
		o = vp_json_doc(ctx, "mapping check");
		rows = json_object_new_array();
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct vp_maprow *w = &c.rows[i];

		drift += w->state == VP_MAPROW_DRIFT || w->state == VP_MAPROW_INVALID;
		unchecked += w->state == VP_MAPROW_UNCHECKED;
		if (rows) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "mapping",
					       json_object_new_string(w->mapping));
			json_object_object_add(j, "node",
					       json_object_new_string(w->node));
			json_object_object_add(j, "map", json_object_new_string(w->map));
			json_object_object_add(
				j, "state",
				json_object_new_string(vp_maprow_state_name(w->state)));
			json_object_object_add(
				j, "why", w->why ? json_object_new_string(w->why) : NULL);
			json_object_object_add(
				j, "fix", w->fix ? json_object_new_string(w->fix) : NULL);
			json_object_array_add(rows, j);
			continue;
		}
		printf("%-9s %s on %s: %s\n", vp_maprow_state_name(w->state), w->mapping,
		       w->node, w->map);
		if (w->why)
			printf("          %s\n", w->why);
		if (w->fix)
			printf("          fix: map %s\n", w->fix);
		else if (w->state == VP_MAPROW_DRIFT)
			printf("          fix: no single device of that kind on %s now; edit "
			       "or remove the line (Datacenter > Resource Mappings)\n",
			       w->node);
	}
	if (o) {
		json_object_object_add(o, "maps", rows);
		json_object_object_add(o, "drift", json_object_new_int((int)drift));
		json_object_object_add(o, "unchecked",
				       json_object_new_int((int)unchecked));
		r = vp_json_print(ctx, o);
		json_object_put(o);
		if (r < 0) {
			vp_mapcheck_free(&c);
			return vp_exit_code(r);
		}
	} else if (!c.n) {
		printf("no map line of %s to check here\n", name ? name : "any mapping");
	}
	vp_mapcheck_free(&c);
	/* 2: a VM using that map will not start on that node; 1: not all checked. */
	return drift ? VP_EXIT_FAIL : unchecked ? VP_EXIT_WARN : VP_EXIT_OK;
}

static int cmd_mapping(struct vp_global *g, int argc, char **argv)
{
	struct map_args a = { 0 };
	struct vp_map_host *hosts = NULL;
	struct vp_api_host *api = NULL;
	struct vp_plan p = { 0 };
	/* The planner's -EINVAL is a --device it refused. */
	struct vp_verb v = { .cmd = "mapping", .einval_usage = true };
	size_t n = 0, napi = 0;
	bool check;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", map_opts, map_opt, &a);
	if (first < 0) {
		r = VP_EXIT_USAGE;
		goto out;
	}
	if (g->help) {
		vp_cmd_help(&vp_cmd_mapping);
		r = VP_EXIT_OK;
		goto out;
	}
	check = argc - first >= 1 && streq(argv[first], "check");
	if (check ? (argc - first > 2 || a.devices.n)
		  : (argc - first != 2 || !a.devices.n ||
		     vp_verb_parse(&v, argv[first]) < 0)) {
		vp_err("use: mapping plan|apply NAME --device ADDR... [--host DIR ...] "
		       "[--cluster [--api DIR]], or mapping check [NAME] [--host DIR ...] "
		       "[--cluster [--api DIR]]");
		r = VP_EXIT_USAGE;
		goto out;
	}
	if (argc - first == 2 && !configid_ok(argv[first + 1])) {
		vp_err("'%s' is not a mapping id (a letter, then letters, digits, - or _)",
		       argv[first + 1]);
		r = VP_EXIT_USAGE;
		goto out;
	}
	r = vp_verb_need_root(&v, NULL);
	if (r)
		goto out;
	hosts = calloc(a.hosts.n + 1, sizeof(*hosts));
	if (!hosts) {
		r = VP_EXIT_SOFTWARE;
		goto out;
	}
	for (size_t i = 0; i <= a.hosts.n; i++) {
		r = load_host(g, i ? a.hosts.v[i - 1] : g->root, &hosts[n++]);
		if (r)
			goto out;
	}
	if (a.cluster && (r = load_api(g, &a, &api, &napi)))
		goto out;
	if (check) {
		r = mapping_check(hosts, n, api, napi,
				  argc - first == 2 ? argv[first + 1] : NULL);
		goto out;
	}
	if (napi) {
		struct vp_map_host *more = realloc(hosts, (n + napi) * sizeof(*hosts));

		if (!more) {
			r = VP_EXIT_SOFTWARE;
			goto out;
		}
		hosts = more;
		for (size_t i = 0; i < napi; i++) {
			if (have_node(hosts, n, api[i].node))
				continue;
			hosts[n++] = (struct vp_map_host){ .node = strdup(api[i].node),
							   .host = TAKE_PTR(api[i].host),
							   .why_not = api[i].error,
							   .api = true };
			if (!hosts[n - 1].node) {
				r = VP_EXIT_SOFTWARE;
				goto out;
			}
		}
	}
	r = vp_mapping_plan(hosts, n, argv[first + 1], (const char *const *)a.devices.v,
			    &p);
	r = vp_verb_finish(&v, hosts[0].ctx, &p, r, NULL, NULL);
out:
	for (size_t i = 0; i < n; i++) {
		vp_host_free(hosts[i].host);
		vp_ctx_free(hosts[i].ctx);
		free(hosts[i].node);
	}
	free(hosts);
	vp_api_cluster_free(api, napi);
	vp_plan_free(&p);
	strv_free(&a.hosts);
	strv_free(&a.devices);
	return r;
}

const struct vp_cmd vp_cmd_mapping = {
	.name = "mapping",
	.run = cmd_mapping,
	.summary = "plan, apply or check a cluster PCI resource mapping across the nodes",
	.usage =
		"  plan|apply NAME        plan shows the diff; apply writes (root only)\n"
		"  check [NAME]           every map line against its node's hardware now: exit 2\n"
		"                         when one no longer holds (with the line that does)\n"
		"  -d, --device ADDR      the function (01:00 maps every function of the slot);\n"
		"                         repeat for a pool (each node offers every card)\n"
		"      --host DIR         another node's tree (repeat); the first node is --root,\n"
		"                         and the file goes into its etc/pve/mapping/pci.cfg\n"
		"      --cluster          every other node through Proxmox's API (pvesh)\n"
		"      --api DIR          the API's answers recorded in DIR instead (implies\n"
		"                         --cluster; needed under --root)\n",
	.example = "vfio-pilot mapping plan gpu0 -d 01:00 --host node2-snapshot",
};
