// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SR-IOV physical functions and the settings that make their VF count
 * persistent. The VF list comes from the host model (virtfnN links read by
 * host/pci.c); guests are Proxmox's hostpciN references (host/guests.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

#include "host/sriov.h"

/* Is @name's module, as the root's index finds it, built outside the tree? */
static int oot_module(struct vp_ctx *ctx, const struct vp_dev *d)
{
	struct kmod_ctx *kctx;
	int found = 0;

	if (vp_ctx_kmod(ctx, &kctx) < 0)
		return -1;
	for (size_t i = 0; i < d->modules.n; i++) {
		struct kmod_module *m = NULL;
		const char *path;

		if (kmod_module_new_from_name(kctx, d->modules.v[i], &m) < 0)
			continue;
		path = kmod_module_get_path(m);
		/* DKMS installs into lib/modules/KVER/updates/dkms (dkms.conf
		 * DEST_MODULE_LOCATION) */
		if (path && (strstr(path, "/updates/") || strstr(path, "/dkms/")))
			found = 1;
		kmod_module_unref(m);
	}
	return found;
}

int vp_sriov_read(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_guests *g,
		  const struct vp_dev *pf, struct vp_sriov_pf *out)
{
	memset(out, 0, sizeof(*out));
	out->pf = pf;
	out->total = pf->sriov_total;
	out->num = pf->sriov_num;
	out->kb = vp_kb_gpu_lookup(pf->vendor, pf->device);
	out->oot_present = out->kb && out->kb->sriov_oot ? oot_module(ctx, pf) : 0;
	if (!pf->virtfn.n)
		return 0;
	out->vfs = calloc(pf->virtfn.n, sizeof(*out->vfs));
	if (!out->vfs)
		return -ENOMEM;
	for (size_t i = 0; i < pf->virtfn.n; i++) {
		struct vp_sriov_vf *vf = &out->vfs[out->nvfs++];
		const struct vp_dev *d = vp_host_find_addr(h, pf->virtfn.v[i]);

		snprintf(vf->addr, sizeof(vf->addr), "%s", pf->virtfn.v[i]);
		vf->group = d ? d->iommu_group : -1;
		vf->driver = d ? d->driver : NULL;
		for (size_t k = 0; g && k < g->n; k++) {
			const struct vp_guest_ref *r = &g->refs[k];
			char *s;

			if (!r->address || !vp_bdf_ids_overlap(r->address, vf->addr))
				continue;
			s = xasprintf("%s %d (%s: %s)", r->kind == 'q' ? "VM" : "CT",
				      r->id, r->key, r->value);
			if (!s || strv_push(&vf->used_by, s) < 0)
				return -ENOMEM;
		}
		out->nused += vf->used_by.n > 0;
	}
	return 0;
}

void vp_sriov_pf_free(struct vp_sriov_pf *s)
{
	for (size_t i = 0; i < s->nvfs; i++)
		strv_free(&s->vfs[i].used_by);
	free(s->vfs);
	memset(s, 0, sizeof(*s));
}

static bool take_addr(const char *s, size_t len, char addr[16])
{
	struct vp_bdf b;
	bool slot = false;
	char buf[32];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (vp_bdf_parse(buf, &b, &slot, false) < 0)
		return false;
	/*
	 * A domain of more than five hex digits does not fit an address of
	 * the model (vp_dev.addr); no such function can be on this host, and a
	 * cut address would name another one.
	 */
	return snprintf(addr, 16, "%04x:%02x:%02x.%x", b.domain, b.bus, b.dev, b.fn) < 16;
}

static bool parse_count(const char *s, unsigned int *vfs)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtoul(s, &end, 10);
	if (v > 65535)
		return false;
	*vfs = (unsigned int)v;
	return end != s;
}

/*
 * sysfsutils (sysfs.conf(5)): "attribute = value", the attribute relative to
 * /sys; "mode" and "owner" lines set permissions and are not values.
 */
int vp_sriov_parse_sysfs_line(const char *line, char addr[16], unsigned int *vfs)
{
	const char *p = line, *attr, *eq, *slash;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '#' || startswith(p, "mode ") || startswith(p, "owner "))
		return 0;
	attr = strstr(p, "/sriov_numvfs");
	eq = strchr(p, '=');
	if (!attr || !eq || eq < attr)
		return 0;
	for (const char *q = attr + strlen("/sriov_numvfs"); q < eq; q++)
		if (!isspace((unsigned char)*q))
			return 0;
	slash = attr;
	while (slash > p && slash[-1] != '/')
		slash--;
	if (!take_addr(slash, (size_t)(attr - slash), addr))
		return 0;
	eq++;
	while (isspace((unsigned char)*eq))
		eq++;
	return parse_count(eq, vfs) ? 1 : 0;
}

/* udev(7): KERNEL=="0000:03:00.0" ... ATTR{sriov_numvfs}="4" on one line. */
int vp_sriov_parse_udev_line(const char *line, char addr[16], unsigned int *vfs)
{
	const char *p = line, *k, *a;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '#')
		return 0;
	k = strstr(p, "KERNEL==\"");
	a = strstr(p, "ATTR{sriov_numvfs}=\"");
	if (!k || !a)
		return 0;
	k += strlen("KERNEL==\"");
	if (!take_addr(k, strcspn(k, "\""), addr))
		return 0;
	a += strlen("ATTR{sriov_numvfs}=\"");
	return parse_count(a, vfs) ? 1 : 0;
}

static int add_setting(struct vp_sriov_setting **v, size_t *n, const char *sub, int line,
		       const char *addr, unsigned int vfs)
{
	struct vp_sriov_setting *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	nv[*n].file = vp_display_path(VP_ETC, sub);
	if (!nv[*n].file)
		return -ENOMEM;
	nv[*n].line = line;
	snprintf(nv[*n].addr, sizeof(nv[*n].addr), "%s", addr);
	nv[*n].vfs = vfs;
	nv[*n].ours = streq(sub, VP_SRIOV_CONF);
	(*n)++;
	return 0;
}

static int scan_file(struct vp_ctx *ctx, const char *sub, bool udev,
		     struct vp_sriov_setting **v, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	char *next;
	int lineno = 0, r;

	if (vp_read_strf(ctx, VP_ETC, &text, "%s", sub) < 0)
		return 0;
	/* line by line, empty ones counted, so the line numbers are the file's */
	for (char *l = text; l; l = next) {
		char addr[16];
		unsigned int vfs;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		r = udev ? vp_sriov_parse_udev_line(l, addr, &vfs)
			 : vp_sriov_parse_sysfs_line(l, addr, &vfs);
		if (r == 1 && (r = add_setting(v, n, sub, lineno, addr, vfs)) < 0)
			return r;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int scan_dir(struct vp_ctx *ctx, const char *dir, const char *suffix, bool udev,
		    struct vp_sriov_setting **v, size_t *n)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct strv names = { 0 };
	struct dirent *e;
	int r = 0;

	if (vp_opendirf(ctx, VP_ETC, &d, "%s", dir) < 0)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);

		if (e->d_name[0] == '.' || l <= sl || strcmp(e->d_name + l - sl, suffix))
			continue;
		if ((r = strv_add(&names, e->d_name)) < 0)
			goto out;
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n && r == 0; i++) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, names.v[i]);

		r = sub ? scan_file(ctx, sub, udev, v, n) : -ENOMEM;
	}
out:
	strv_free(&names);
	return r;
}

int vp_sriov_settings(struct vp_ctx *ctx, struct vp_sriov_setting **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	r = scan_file(ctx, "sysfs.conf", false, out, n);
	if (r == 0)
		r = scan_dir(ctx, "sysfs.d", ".conf", false, out, n);
	if (r == 0)
		r = scan_dir(ctx, "udev/rules.d", ".rules", true, out, n);
	return r;
}

void vp_sriov_settings_free(struct vp_sriov_setting *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].file);
	free(s);
}

/* dpkg's status file: a "Package: NAME" stanza whose Status ends "installed". */
bool vp_dpkg_installed(struct vp_ctx *ctx, const char *name)
{
	_cleanup_free_ char *text = NULL;
	bool in = false;
	char *save = NULL;

	if (vp_read_strf(ctx, VP_VAR_LIB, &text, "dpkg/status") < 0)
		return false;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (startswith(l, "Package: "))
			in = streq(l + strlen("Package: "), name);
		else if (in && startswith(l, "Status: "))
			return strstr(l, " installed") && !strstr(l, "not-installed");
	}
	return false;
}
