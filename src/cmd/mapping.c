// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mapping plan|apply NAME --device ADDR... [--host DIR ...]: a cluster
 * resource mapping (/etc/pve/mapping/pci.cfg, knowledge proxmox-formats.md
 * §3) with one map line per device per node whose hardware matches; several
 * devices make a pool (alternatives, the first free one is used). The first host is
 * --root (or /); each --host DIR is another node's tree (a snapshot or
 * fixture). The file is written into the first host's tree only: the
 * cluster filesystem shares it with every node.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "plan/pveplan.h"

struct map_args {
	struct strv devices;
	struct strv hosts;
};

static const struct option map_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "host", required_argument, NULL, 'H' },
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

int cmd_mapping(struct vp_global *g, int argc, char **argv)
{
	struct map_args a = { 0 };
	struct vp_map_host *hosts = NULL;
	struct vp_plan p = { 0 };
	size_t n = 0;
	bool apply;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", map_opts, map_opt, &a);
	if (first < 0) {
		r = VP_EXIT_USAGE;
		goto out;
	}
	if (g->help) {
		vp_cmd_help(vp_cmd_find("mapping"));
		r = VP_EXIT_OK;
		goto out;
	}
	if (argc - first != 2 || !a.devices.n ||
	    (!streq(argv[first], "plan") && !streq(argv[first], "apply"))) {
		vp_err("use: mapping plan|apply NAME --device ADDR... [--host DIR ...]");
		r = VP_EXIT_USAGE;
		goto out;
	}
	if (!configid_ok(argv[first + 1])) {
		vp_err("'%s' is not a mapping id (a letter, then letters, digits, - or _)",
		       argv[first + 1]);
		r = VP_EXIT_USAGE;
		goto out;
	}
	apply = streq(argv[first], "apply");
	if (apply && geteuid() != 0) {
		vp_err("mapping apply needs root; nothing was written ('mapping plan' shows "
		       "the change)");
		r = VP_EXIT_NOPERM;
		goto out;
	}
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
	r = vp_mapping_plan(hosts, n, argv[first + 1], (const char *const *)a.devices.v,
			    &p);
	if (r < 0)
		r = r == -EINVAL ? VP_EXIT_USAGE : vp_exit_code(r);
	else
		r = vp_plan_finish(hosts[0].ctx, &p,
				   apply ? "mapping apply" : "mapping plan", apply, NULL);
out:
	for (size_t i = 0; i < n; i++) {
		vp_host_free(hosts[i].host);
		vp_ctx_free(hosts[i].ctx);
		free(hosts[i].node);
	}
	free(hosts);
	vp_plan_free(&p);
	strv_free(&a.hosts);
	strv_free(&a.devices);
	return r;
}
