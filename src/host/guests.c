// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which Proxmox guests use which PCI devices: hostpciN of VM configs, read
 * with the Proxmox format library (src/pve: the live section only, as
 * qemu-server's parse_vm_config keeps it), and devN lines of container
 * configs naming /dev/dri nodes (the same library, the main section).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "host/facts.h"
#include "pve/ctconf.h"
#include "pve/vmconf.h"
#include "pve/vmfacts.h"

static int add_ref(struct vp_guests *g, char kind, int id, const char *key,
		   const char *value, const char *address, const char *mapping,
		   const char *file)
{
	struct vp_guest_ref *r = realloc(g->refs, (g->n + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	g->refs = r;
	r = &g->refs[g->n++];
	r->kind = kind;
	r->id = id;
	r->key = strdup(key);
	r->value = strdup(value);
	r->address = address ? strdup(address) : NULL;
	r->mapping = mapping ? strdup(mapping) : NULL;
	r->file = strdup(file);
	return 0;
}

/* hostpciN hosts and mappings through the Proxmox format library (src/pve). */
static int vm_refs(struct vp_guests *g, int id, const char *text, const char *file)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct vp_pve_vmfacts f = { 0 };
	int r;

	r = vp_pve_vmconf_parse(text, strlen(text), &c);
	if (r == 0)
		r = vp_pve_vmfacts_get(c, &f);
	for (size_t i = 0; r == 0 && i < f.n_hostpci; i++) {
		const struct vp_pve_hostpci *h = &f.hostpci[i];
		char key[16];

		snprintf(key, sizeof(key), "hostpci%u", h->index);
		if (h->mapping)
			r = add_ref(g, 'q', id, key, h->value, NULL, h->mapping, file);
		for (size_t k = 0; r == 0 && k < h->hosts.n; k++)
			r = add_ref(g, 'q', id, key, h->value, h->hosts.v[k], NULL, file);
	}
	vp_pve_vmfacts_free(&f);
	return r;
}

/* devN: /dev/dri/renderD128[,gid=..] -> the PCI function behind that DRM node. */
static int parse_dev(struct vp_ctx *ctx, struct vp_guests *g, int id, const char *key,
		     const char *value, const char *file)
{
	_cleanup_free_ char *path = strndup(value, strcspn(value, ","));
	_cleanup_free_ char *res = NULL;
	const char *node = path ? vp_devnode_name(path) : NULL;
	const char *base;

	if (!path)
		return -ENOMEM;
	if (!node || !startswith(node, "dri/"))
		return 0;
	base = node + strlen("dri/");
	if (vp_resolve(ctx, VP_SYS, &res, "class/drm/%s/device", base) < 0)
		return add_ref(g, 'c', id, key, value, NULL, NULL, file);
	base = strrchr(res, '/');
	return add_ref(g, 'c', id, key, value, base ? base + 1 : res, NULL, file);
}

/*
 * devN lines of a container config, read with the Proxmox format library
 * (pve-container PVE/LXC/Config.pm parse_pct_config): the main section
 * only, and for a key written twice the line Proxmox keeps.
 */
static int ct_refs(struct vp_ctx *ctx, struct vp_guests *g, int id, const char *text,
		   const char *file)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	int r = vp_pve_ctconf_parse(text, strlen(text), &c);

	if (r < 0)
		return r == -ENOMEM ? r : 0; /* not a config pct reads: it uses nothing */
	for (size_t i = 0; r == 0 && i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section != 0 || l->kind != VP_PVE_LINE_KEY ||
		    !startswith(l->key, "dev") || !isdigit((unsigned char)l->key[3]) ||
		    l->status == VP_PVE_REJECTED || vp_pve_conf_find(c, 0, l->key) != l)
			continue;
		r = parse_dev(ctx, g, id, l->key, l->value, file);
	}
	return r;
}

static int parse_config(struct vp_ctx *ctx, struct vp_guests *g, char kind, int id,
			const char *dir, const char *name)
{
	_cleanup_free_ char *text = NULL, *file = NULL, *sub = NULL;
	int r;

	r = vp_read_strf(ctx, VP_ETC, &text, "pve/%s/%s", dir, name);
	if (r < 0)
		return 0;
	sub = xasprintf("pve/%s/%s", dir, name);
	file = sub ? vp_display_path(VP_ETC, sub) : NULL;
	if (!file)
		return -ENOMEM;
	return kind == 'q' ? vm_refs(g, id, text, file) : ct_refs(ctx, g, id, text, file);
}

static int scan_dir(struct vp_ctx *ctx, struct vp_guests *g, char kind, const char *dir,
		    size_t *count)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_(strv_free) struct strv names = { 0 };
	struct dirent *e;
	int r;

	if (vp_opendirf(ctx, VP_ETC, &d, "pve/%s", dir) < 0)
		return 0;
	g->present = true;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 5 && streq(e->d_name + n - 5, ".conf") &&
		    strspn(e->d_name, "0123456789") == n - 5)
			strv_add(&names, e->d_name);
	}
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		r = parse_config(ctx, g, kind, atoi(names.v[i]), dir, names.v[i]);
		if (r < 0)
			return r;
		(*count)++;
	}
	return 0;
}

int vp_guests_load(struct vp_ctx *ctx, struct vp_guests *g)
{
	int r = scan_dir(ctx, g, 'q', "qemu-server", &g->nvms);

	return r < 0 ? r : scan_dir(ctx, g, 'c', "lxc", &g->ncts);
}

int vp_guests_load_node(struct vp_ctx *ctx, const char *node, struct vp_guests *g)
{
	_cleanup_free_ char *dir = NULL;

	/* A node name is a pve-node (no '/', no ".."): checked by the caller. */
	if (strchr(node, '/') || node[0] == '.')
		return -EINVAL;
	dir = xasprintf("nodes/%s/qemu-server", node);
	return dir ? scan_dir(ctx, g, 'q', dir, &g->nvms) : -ENOMEM;
}

void vp_guests_free(struct vp_guests *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->refs[i].key);
		free(g->refs[i].value);
		free(g->refs[i].address);
		free(g->refs[i].mapping);
		free(g->refs[i].file);
	}
	free(g->refs);
}
