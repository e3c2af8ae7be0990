// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plans for Proxmox guest files (knowledge proxmox-formats.md §3, §4, §7):
 * container devN lines, one hookscript per VM, cluster resource mappings.
 * Edits are made on the src/pve models and recorded as whole-file edits;
 * on a live host ("/") the Proxmox CLI (pct, qm, pvesh) makes the config
 * changes instead, so its locks and checks apply.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "checks/advise.h"
#include "host/gpudev.h"
#include "host/mapcheck.h"
#include "host/select.h"
#include "out/output.h"
#include "plan/pveplan.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/vmconf.h"

int vp_guest_id_parse(const char *s, unsigned long *out)
{
	size_t n = s ? strlen(s) : 0;

	/* pve-vmid: ^[1-9][0-9]{2,8}$ (PVE::JSONSchema). */
	if (n < 3 || n > 9 || s[0] < '1' || s[0] > '9')
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
	*out = strtoul(s, NULL, 10);
	return 0;
}

bool vp_pve_version_at_least(const char *version, int maj, int min)
{
	int a = 0, b = 0;

	if (!version || sscanf(version, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

static bool is_live(const struct vp_ctx *ctx)
{
	return streq(ctx->root, "/");
}

/* ---- lxc ------------------------------------------------------------------ */

void vp_lxc_wanted_free(struct vp_pve_lxc_dev *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vp_pve_lxc_dev_free(&v[i]);
	free(v);
}

static int want_push(struct vp_pve_lxc_dev **v, size_t *n, const char *name, int gid)
{
	_cleanup_free_ char *sub = xasprintf("dri/%s", name);
	struct vp_pve_lxc_dev *nv;

	if (!sub)
		return -ENOMEM;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = (struct vp_pve_lxc_dev){ .path = vp_display_path(VP_DEV, sub),
					  .uid = -1,
					  .gid = gid };
	if (!nv[*n].path)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int vp_lxc_wanted(const struct vp_drm *drm, const char *addr, bool render_only,
		  struct vp_pve_lxc_dev **out, size_t *n)
{
	struct vp_pve_lxc_dev *v = NULL;
	size_t k = 0;
	int r = 0;

	/* Render nodes first, then the card nodes: the order advise shows. */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		const char *prefix = pass ? "card" : "renderD";

		if (pass && (render_only || !k))
			break;
		for (size_t i = 0; i < drm->n && r == 0; i++)
			if (startswith(drm->nodes[i].name, prefix) &&
			    streq(drm->nodes[i].address, addr))
				r = want_push(&v, &k, drm->nodes[i].name,
					      pass ? drm->video_gid : drm->render_gid);
	}
	if (r == 0 && !k)
		r = -ENOENT;
	if (r < 0) {
		vp_lxc_wanted_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int vp_lxc_gpu_wanted(const struct vp_gpu_nodes *g, int render_gid, int video_gid,
		      struct vp_pve_lxc_dev **out, size_t *n)
{
	struct vp_pve_lxc_dev *v;

	if (!g->n)
		return -ENOENT;
	v = calloc(g->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		v[i] = (struct vp_pve_lxc_dev){ .path = strdup(g->v[i].path),
						.uid = -1,
						.gid = g->v[i].render ? render_gid
								      : video_gid };
		if (!v[i].path) {
			vp_lxc_wanted_free(v, i);
			return -ENOMEM;
		}
	}
	*out = v;
	*n = g->n;
	return 0;
}

/* devN with N 0-255 written as Proxmox does (no leading zero): N, else -1. */
static int dev_index(const char *key)
{
	char *end;
	long v;

	if (!key || !startswith(key, "dev") || !isdigit((unsigned char)key[3]) ||
	    (key[3] == '0' && key[4]))
		return -1;
	v = strtol(key + 3, &end, 10);
	return *end || v > 255 ? -1 : (int)v;
}

static bool same_mode(const char *a, const char *b)
{
	/* Proxmox's default mode is 0660. */
	return streq(a ? a : "0660", b ? b : "0660");
}

static bool same_dev(const struct vp_pve_lxc_dev *a, const struct vp_pve_lxc_dev *b)
{
	return streq(a->path, b->path) && a->uid == b->uid && a->gid == b->gid &&
	       same_mode(a->mode, b->mode) && a->deny_write == b->deny_write;
}

int vp_lxc_set_devs(struct vp_pve_conf *c, const struct vp_pve_lxc_dev *want, size_t n,
		    struct strv *keys, struct strv *values, struct strv *notes)
{
	size_t pend = vp_pve_conf_pending(c);

	for (size_t w = 0; w < n; w++) {
		_cleanup_free_ char *value = NULL, *reason = NULL, *key = NULL;
		bool used[256] = { false };
		const char *match = NULL;
		bool identical = false;
		int r;

		r = vp_pve_lxc_dev_print(&want[w], &value, &reason);
		if (r < 0)
			return r;
		for (size_t i = 0; i < c->n_lines; i++) {
			const struct vp_pve_line *l = &c->lines[i];
			struct vp_pve_lxc_dev have = { 0 };
			int idx = l->kind == VP_PVE_LINE_KEY ? dev_index(l->key) : -1;

			if (idx < 0 || (l->section != 0 && l->section != pend))
				continue;
			used[idx] = true;
			if (l->section != 0 || !l->value)
				continue;
			if (vp_pve_lxc_dev_parse(l->value, &have, NULL) < 0)
				continue;
			if (streq(have.path, want[w].path)) {
				match = l->key;
				identical = same_dev(&have, &want[w]);
			}
			vp_pve_lxc_dev_free(&have);
		}
		if (match && identical) {
			strv_push(notes, xasprintf("%s already passes %s: kept", match,
						   want[w].path));
			continue;
		}
		if (match) {
			key = strdup(match);
			strv_push(notes, xasprintf("%s passes %s with other settings: "
						   "rewritten in place",
						   match, want[w].path));
		} else {
			int idx = 0;

			while (idx < 256 && used[idx])
				idx++;
			if (idx == 256)
				return -ENOSPC;
			key = xasprintf("dev%d", idx);
		}
		if (!key)
			return -ENOMEM;
		free(reason);
		reason = NULL;
		r = vp_pve_ctconf_set(c, false, key, value, &reason);
		if (r < 0) {
			if (reason)
				vp_err("%s: %s", key, reason);
			return r;
		}
		if (strv_add(keys, key) < 0 || strv_add(values, value) < 0)
			return -ENOMEM;
	}
	return 0;
}

static bool has_lxc_line(const struct vp_pve_conf *c, const char *key, const char *value)
{
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section == 0 && l->kind == VP_PVE_LINE_LXC && streq(l->key, key) &&
		    streq(l->value, value))
			return true;
	}
	return false;
}

static int add_raw(struct vp_pve_conf *c, const char *key, char *value,
		   struct strv *added)
{
	_cleanup_free_ char *v = value, *reason = NULL;
	int r;

	if (!v)
		return -ENOMEM;
	if (has_lxc_line(c, key, v))
		return 0;
	r = vp_pve_ctconf_add_lxc(c, key, v, &reason);
	if (r < 0) {
		if (reason)
			vp_err("%s: %s", key, reason);
		return r;
	}
	return strv_push(added, xasprintf("%s: %s", key, v));
}

int vp_lxc_set_raw(struct vp_pve_conf *c, const struct vp_pve_lxc_dev *want,
		   const char *const *majmin, size_t n, struct strv *added)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		r = add_raw(c, "lxc.cgroup2.devices.allow",
			    xasprintf("c %s rwm", majmin[i]), added);
	for (size_t i = 0; i < n && r == 0; i++)
		r = add_raw(c, "lxc.mount.entry",
			    xasprintf("%s %s none bind,optional,create=file",
				      want[i].path, want[i].path + 1),
			    added);
	return r;
}

/* "c 195:* rwm", "a": does it allow read and write of char device @maj:@min? */
static bool cgroup_allows(const char *v, const char *majmin)
{
	char type, mm[64], access[8] = "rwm";
	const char *colon;
	int k;

	k = sscanf(v, " %c %63s %7s", &type, mm, access);
	if (k >= 1 && type == 'a')
		return true; /* "a" (all devices, all access) */
	if (k < 2 || type != 'c' || !majmin || !strchr(access, 'r') ||
	    !strchr(access, 'w'))
		return false;
	colon = strchr(majmin, ':');
	if (!colon || !strchr(mm, ':'))
		return false;
	/* MAJ:MIN, either may be "*" (cgroup v1 devices.allow syntax, kept by LXC). */
	{
		char *mc = strchr(mm, ':');
		bool maj_ok, min_ok;

		*mc = '\0';
		maj_ok = streq(mm, "*") || (strlen(mm) == (size_t)(colon - majmin) &&
					    strncmp(mm, majmin, colon - majmin) == 0);
		min_ok = streq(mc + 1, "*") || streq(mc + 1, colon + 1);
		return maj_ok && min_ok;
	}
}

/* "SRC TGT TYPE OPTIONS": does it bind @path (or a directory above it) to the same place?
 */
static bool mount_maps(const char *v, const char *path)
{
	char src[4096], tgt[4096], type[64], opts[1024];
	const char *t;
	size_t n;

	if (sscanf(v, "%4095s %4095s %63s %1023s", src, tgt, type, opts) != 4 ||
	    !strstr(opts, "bind"))
		return false;
	n = strlen(src);
	while (n > 1 && src[n - 1] == '/')
		src[--n] = '\0';
	if (!(streq(src, path) || (strncmp(path, src, n) == 0 && path[n] == '/')))
		return false;
	/* lxc.mount.entry targets are relative to the rootfs; a leading "/" is allowed.
	 */
	for (t = tgt; *t == '/'; t++)
		;
	n = strlen(t);
	while (n && t[n - 1] == '/')
		n--;
	return n == strlen(src) - 1 && strncmp(t, src + 1, n) == 0;
}

const char *vp_lxc_raw_mapping(const struct vp_pve_conf *c, const char *path,
			       const char *majmin, bool *allowed)
{
	const char *found = NULL;

	*allowed = false;
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section != 0 || l->kind != VP_PVE_LINE_LXC || !l->value)
			continue;
		if (streq(l->key, "lxc.mount.entry") && !found &&
		    mount_maps(l->value, path))
			found = l->value;
		else if ((streq(l->key, "lxc.cgroup2.devices.allow") ||
			  streq(l->key, "lxc.cgroup.devices.allow")) &&
			 cgroup_allows(l->value, majmin))
			*allowed = true;
	}
	return found;
}

/* The host node's mode, when it is not Proxmox's default 0660 (the CT node copies it). */
static void host_mode(struct vp_ctx *ctx, struct vp_pve_lxc_dev *d)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* fstat of the node opened through the root (O_PATH opens no device). */
	fd = vp_openf(ctx, VP_DEV, O_PATH | O_CLOEXEC, "%s", d->path + 5);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    (st.st_mode & 07777) == 0660)
		return;
	d->mode = xasprintf("0%o", (unsigned)(st.st_mode & 07777));
}

/* An NVIDIA card on the nvidia driver: it has no render node, --gpu passes its nodes. */
static const struct vp_dev *nvidia_card(const struct vp_host *h)
{
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i]->vendor == VP_PCI_VENDOR_NVIDIA &&
		    h->devs[i]->kind == VP_KIND_DISPLAY &&
		    streq(h->devs[i]->driver, "nvidia"))
			return h->devs[i];
	return NULL;
}

static int find_dev(const struct vp_host *h, const char *addr, const struct vp_dev **d)
{
	struct vp_bdf b;

	if (vp_bdf_parse(addr, &b, NULL, false) < 0) {
		vp_err("'%s' is not a PCI function address (use 0000:00:02.0)", addr);
		return -EINVAL;
	}
	*d = vp_host_find(h, &b);
	if (!*d) {
		vp_err("%s is not on this host", addr);
		return -ENODEV;
	}
	return 0;
}

/*
 * The gids: the container's own render and video groups where its root
 * filesystem can be read (ctroot.c), else the host's as a named assumption.
 */
static int lxc_gids(struct vp_ctx *ctx, struct vp_plan *p, const struct vp_pve_conf *c,
		    unsigned long ctid, struct vp_drm *drm)
{
	struct vp_ct_groups g;
	int host_render = drm->render_gid, host_video = drm->video_gid;
	int r;

	r = vp_ct_groups_load(ctx, c, ctid, &g);
	if (r < 0)
		return r;
	if (g.from) {
		for (int k = 0; k < 2; k++) {
			const char *name = k ? "video" : "render";
			int ct = k ? g.video : g.render,
			    host = k ? host_video : host_render;

			if (ct >= 0) {
				vp_plan_note(
					p,
					"gid %d for %s: the container's own group (%s)%s",
					ct, name, g.from,
					ct != host && host >= 0
						? "; the host's differs, which is fine: "
						  "gid= is the group inside the container"
						: "");
				if (k)
					drm->video_gid = ct;
				else
					drm->render_gid = ct;
			} else if (host >= 0) {
				vp_plan_note(
					p,
					"gid %d for %s assumed (the host's): %s has no %s "
					"group; create it in the container with that gid "
					"(groupadd -r -g %d %s) or the node is owned by a "
					"bare number",
					host, name, g.from, name, host, name);
			}
		}
	} else {
		vp_plan_note(
			p,
			"gid %d (render) and %d (video) assumed, the host's: the "
			"container's /etc/group could not be read (%s); on a live host "
			"`pct mount %lu` and plan again (it reads "
			"/var/lib/lxc/%lu/rootfs/etc/group), then `pct unmount %lu`; "
			"or compare with `pct exec %lu -- getent group render video`. "
			"Debian 13 and recent Ubuntu containers use 992/993",
			host_render, host_video, g.why ? g.why : "unknown reason", ctid,
			ctid, ctid, ctid);
	}
	vp_ct_groups_free(&g);
	return 0;
}

/*
 * Drop the nodes a raw lxc.mount.entry already maps (a devN beside it
 * would mount the node twice), saying so; and say when nothing allows the
 * device in the cgroup, which leaves the mapped node unusable.
 */
static int drop_raw_mapped(struct vp_ctx *ctx, struct vp_plan *p,
			   const struct vp_pve_conf *c, struct vp_pve_lxc_dev *want,
			   size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		_cleanup_free_ char *mm = NULL;
		const char *line;
		bool allowed;
		int r;

		r = vp_gpu_node_majmin(ctx, want[i].path, &mm);
		if (r < 0)
			return r;
		line = vp_lxc_raw_mapping(c, want[i].path, mm, &allowed);
		if (!line) {
			want[k++] = want[i];
			continue;
		}
		vp_plan_note(p,
			     "%s is already mapped by lxc.mount.entry: %s; no devN added",
			     want[i].path, line);
		if (!allowed)
			vp_plan_note(
				p,
				"no lxc.cgroup2.devices.allow line allows %s (c %s): the "
				"container cannot open it; add lxc.cgroup2.devices.allow: "
				"c %s rwm",
				want[i].path, mm ? mm : "?", mm ? mm : "MAJOR:MINOR");
		vp_pve_lxc_dev_free(&want[i]);
	}
	*n = k;
	return 0;
}

int vp_lxc_plan(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_lxc_opts *o,
		struct vp_plan *p)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ char *conf = xasprintf("pve/lxc/%lu.conf", o->ctid), *text = NULL,
			    *shown = NULL, *out = NULL, *rel = NULL;
	struct vp_pve_lxc_dev *want = NULL;
	struct strv keys = { 0 }, values = { 0 }, raw = { 0 }, majmin = { 0 };
	struct vp_gpu_nodes gn = { .nv_minor = -1 };
	struct vp_system sys = { 0 };
	struct vp_drm drm = { 0 };
	struct vp_file_state st;
	const struct vp_dev *d = NULL;
	size_t n = 0, len, outlen;
	bool devn;
	int r;

	if (!conf)
		return -ENOMEM;
	shown = vp_display_path(VP_ETC, conf);
	rel = vp_rel_path(VP_ETC, conf);
	r = vp_file_read(ctx, VP_ROOT, rel, &text, &len, &st);
	if (r < 0)
		return r;
	if (!st.exists) {
		vp_err("container %lu has no config (%s): no such container on this "
		       "node",
		       o->ctid, shown);
		return -ENOENT;
	}
	r = vp_system_load(ctx, &sys);
	if (r < 0)
		goto out;
	r = vp_drm_load(ctx, &drm);
	if (r < 0)
		goto out;
	if (o->gpu || o->device) {
		r = find_dev(h, o->gpu ? o->gpu : o->device, &d);
		if (r < 0)
			goto out;
	} else {
		d = vp_dri_gpu(h, &drm);
		if (!d) {
			const struct vp_dev *nv = nvidia_card(h);

			if (nv)
				vp_plan_refuse(
					p,
					"no GPU of this host has a DRM render node; the "
					"NVIDIA card %s has its own nodes: lxc plan %lu "
					"--gpu %s",
					nv->addr, o->ctid, nv->addr);
			else
				vp_plan_refuse(
					p, "no GPU of this host has a DRM render node "
					   "(is its DRM driver loaded?)");
			r = 0;
			goto out;
		}
		vp_plan_note(p, "GPU: %s (the one advise picks: %s)", d->addr,
			     d->boot_vga == 1 ? "the boot VGA"
					      : "first with a render node");
	}
	r = vp_pve_ctconf_parse(text, len, &c);
	if (r < 0)
		goto out;
	r = lxc_gids(ctx, p, c, o->ctid, &drm);
	if (r < 0)
		goto out;
	if (o->gpu) {
		r = vp_gpu_nodes_load(ctx, h, d, &drm, o->render_only, &gn);
		if (r < 0)
			goto out;
		for (size_t i = 0; i < gn.notes.n; i++)
			vp_plan_note(p, "%s", gn.notes.v[i]);
		for (size_t i = 0; i < gn.refusals.n; i++)
			vp_plan_refuse(p, "%s", gn.refusals.v[i]);
		if (gn.refusals.n) {
			r = 0;
			goto out;
		}
		r = vp_lxc_gpu_wanted(&gn, drm.render_gid, drm.video_gid, &want, &n);
	} else {
		r = vp_lxc_wanted(&drm, d->addr, o->render_only, &want, &n);
	}
	if (r == -ENOENT) {
		if (d->vendor == VP_PCI_VENDOR_NVIDIA && streq(d->driver, "nvidia"))
			vp_plan_refuse(
				p,
				"%s has no render node under /dev/dri: the NVIDIA "
				"driver makes its own nodes; lxc plan %lu --gpu %s",
				d->addr, o->ctid, d->addr);
		else
			vp_plan_refuse(
				p,
				"%s has no render node under /dev/dri: its DRM driver "
				"is not bound (driver: %s)",
				d->addr, d->driver ? d->driver : "none");
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (gn.nvidia) {
		if (gn.nv_version)
			vp_plan_note(
				p,
				"host NVIDIA driver %s (%s): the container's NVIDIA "
				"userland (libcuda, libnvidia-encode, nvidia-smi) must be "
				"exactly %s; install the same release there without its "
				"kernel module (NVIDIA-Linux-x86_64-%s.run "
				"--no-kernel-module)",
				gn.nv_version, gn.nv_version_from, gn.nv_version,
				gn.nv_version);
		else
			vp_plan_note(
				p,
				"the host NVIDIA driver's version could not be read "
				"(module/nvidia/version in sysfs, driver/nvidia/version "
				"in procfs): the container's NVIDIA userland must be "
				"exactly the host driver's release");
	}
	if (gn.nvidia)
		vp_plan_note(
			p, "pve-container refuses to start the container when a devN "
			   "node is missing, and nvidia-modprobe makes the NVIDIA nodes "
			   "only when a program first opens the driver: keep them there "
			   "from boot (nvidia-persistenced enabled, or a unit running "
			   "nvidia-modprobe -c0 -u)");
	for (size_t i = 0; i < n; i++) {
		host_mode(ctx, &want[i]);
		if (want[i].gid < 0) {
			_cleanup_free_ char *grp = vp_display_path(VP_ETC, "group");

			vp_plan_note(p,
				     "no %s group in %s: %s gets gid 0 (root only) in "
				     "the container",
				     strstr(want[i].path, "renderD") ? "render" : "video",
				     grp ? grp : "group", want[i].path);
		}
	}
	r = drop_raw_mapped(ctx, p, c, want, &n);
	if (r < 0)
		goto out;
	if (!sys.is_pve)
		vp_plan_note(p, "this root does not look like Proxmox VE (no pve-manager "
				"package); planning for devN anyway");
	devn = !sys.pve_version || vp_pve_version_at_least(sys.pve_version, 8, 1);
	if (!sys.pve_version)
		vp_plan_note(p,
			     "pve-manager version unknown: assuming 8.1 or later (devN)");
	if (devn) {
		r = vp_lxc_set_devs(c, want, n, &keys, &values, &p->notes);
	} else {
		vp_plan_note(
			p,
			"pve-manager %s is older than 8.1, which has no devN keys "
			"(pve-container 5.0.7): using raw lxc.cgroup2.devices.allow and "
			"lxc.mount.entry lines; an unprivileged container also needs an "
			"idmap or host-side permissions for the groups",
			sys.pve_version);
		for (size_t i = 0; i < n && r >= 0; i++) {
			char *mm = NULL;

			r = vp_gpu_node_majmin(ctx, want[i].path, &mm);
			if (r == 0 && !mm) {
				vp_plan_refuse(
					p,
					"the device number of %s cannot be read (the "
					"node, /proc/devices): no lxc.cgroup2 line can "
					"be written for it",
					want[i].path);
				r = 0;
				goto out;
			}
			if (r == 0)
				r = strv_push(&majmin, mm);
		}
		if (r >= 0)
			r = vp_lxc_set_raw(c, want, (const char *const *)majmin.v, n,
					   &raw);
	}
	if (r < 0)
		goto out;
	if (!keys.n && !raw.n) {
		r = 0;
		goto out;
	}
	if (devn && is_live(ctx)) {
		const char **argv = calloc(3 + 2 * keys.n + 1, sizeof(*argv));
		_cleanup_free_ char *id = xasprintf("%lu", o->ctid);
		_cleanup_free_ char **opts = calloc(keys.n + 1, sizeof(*opts));

		if (!argv || !id || !opts) {
			free(argv);
			r = -ENOMEM;
			goto out;
		}
		argv[0] = "pct";
		argv[1] = "set";
		argv[2] = id;
		for (size_t i = 0; i < keys.n; i++) {
			opts[i] = xasprintf("--%s", keys.v[i]);
			argv[3 + 2 * i] = opts[i];
			argv[4 + 2 * i] = values.v[i];
		}
		r = vp_plan_command(
			p,
			o->gpu ? "pass the GPU's nodes to the container (pct "
				 "set checks and locks the config)"
			       : "pass the DRM nodes to the container (pct set "
				 "checks and locks the config)",
			argv);
		for (size_t i = 0; i < keys.n; i++)
			free(opts[i]);
		free(argv);
		goto out;
	}
	r = vp_pve_conf_serialize(c, &out, &outlen);
	if (r < 0)
		goto out;
	r = vp_plan_edit(
		ctx, p, rel, TAKE_PTR(out), outlen, 0640,
		o->gpu ? (devn ? "pass the GPU's nodes to the container (devN)"
			       : "pass the GPU's nodes to the container (raw lxc "
				 "keys)")
		: devn ? "pass the DRM nodes to the container (devN)"
		       : "pass the DRM nodes to the container (raw lxc keys)");
	if (r == 0 && is_live(ctx) && !devn)
		vp_plan_note(p, "restart the container to apply the lxc.* lines");
out:
	vp_lxc_wanted_free(want, n);
	vp_gpu_nodes_free(&gn);
	strv_free(&keys);
	strv_free(&values);
	strv_free(&raw);
	strv_free(&majmin);
	vp_drm_free(&drm);
	vp_system_free(&sys);
	return r;
}

/* ---- hookscript ------------------------------------------------------------- */

/* drivers/pci/pci.c pci_reset_fn_methods[] (cxl_bus since about 6.10). */
static const char *const reset_methods[] = {
	"device_specific", "acpi", "flr", "af_flr", "pm", "bus", "cxl_bus",
};
const char *const vp_reset_method_names =
	"device_specific acpi flr af_flr pm bus cxl_bus";

bool vp_reset_method_known(const char *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(reset_methods); i++)
		if (streq(m, reset_methods[i]))
			return true;
	return false;
}

static bool canonical_bdf(const char *s)
{
	struct vp_bdf b;
	char buf[16];

	if (!s || vp_bdf_parse(s, &b, NULL, false) < 0)
		return false;
	snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", b.domain, b.bus, b.dev, b.fn);
	return streq(buf, s);
}

static bool module_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 56)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_' && *s != '-')
			return false;
	return true;
}

int vp_hookscript_text(unsigned long vmid, const char *addr, const char *method,
		       const char *rebind_driver, bool strict, char **out)
{
	_cleanup_free_ char *sub = NULL, *sysdev = NULL, *probe = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (vmid < 100 || vmid > 999999999 || !canonical_bdf(addr) ||
	    (method && !vp_reset_method_known(method)) ||
	    (rebind_driver && !module_name_ok(rebind_driver)) ||
	    (!method && !rebind_driver))
		return -EINVAL;
	sub = xasprintf("bus/pci/devices/%s", addr);
	sysdev = sub ? vp_display_path(VP_SYS, sub) : NULL;
	probe = vp_display_path(VP_SYS, "bus/pci/drivers_probe");
	if (!sysdev || !probe)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"#!/bin/sh\n"
		"# vfio-pilot hookscript for VM %lu, device %s.\n"
		"# Written by 'vfio-pilot hookscript'; one script per VM (Proxmox runs one\n"
		"# hookscript per guest). Proxmox calls it as: SCRIPT VMID PHASE.\n"
		"# A restore or migration to another node needs this file there too.\n"
		"# pre-start: a non-zero exit aborts the VM start, so this script\n"
		"# %s.\n"
		"\n"
		"vmid=\"$1\"\n"
		"phase=\"$2\"\n"
		"dev=%s\n"
		"sysdev=%s\n"
		"method=%s\n"
		"driver=%s\n"
		"strict=%d\n"
		"\n"
		"log() {\n"
		"\techo \"vfio-pilot hook (VM $vmid, $phase, $dev): $*\" >&2\n"
		"}\n"
		"\n"
		"problem() {\n"
		"\tlog \"$*\"\n"
		"\tif [ \"$strict\" = 1 ] && [ \"$phase\" = pre-start ]; then\n"
		"\t\texit 1\n"
		"\tfi\n"
		"}\n"
		"\n"
		"set_reset_method() {\n"
		"\t[ -n \"$method\" ] || return 0\n"
		"\tif [ ! -r \"$sysdev/reset_method\" ]; then\n"
		"\t\tproblem \"no $sysdev/reset_method (device gone, or kernel before 5.15)\"\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tcurrent=$(cat \"$sysdev/reset_method\" 2>/dev/null)\n"
		"\tfound=0\n"
		"\tfor m in $current; do\n"
		"\t\tif [ \"$m\" = \"$method\" ]; then\n"
		"\t\t\tfound=1\n"
		"\t\tfi\n"
		"\tdone\n"
		"\tif [ \"$found\" != 1 ]; then\n"
		"\t\tproblem \"reset_method '$current' does not list $method; left as it is\"\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tif [ \"$current\" = \"$method\" ]; then\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tif echo \"$method\" > \"$sysdev/reset_method\"; then\n"
		"\t\tlog \"reset_method set to $method (was: $current)\"\n"
		"\telse\n"
		"\t\tproblem \"could not write $method to $sysdev/reset_method\"\n"
		"\tfi\n"
		"}\n"
		"\n"
		"rebind() {\n"
		"\t[ -n \"$driver\" ] || return 0\n"
		"\tif [ ! -e \"$sysdev\" ]; then\n"
		"\t\tproblem \"$sysdev is missing\"\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\techo \"$driver\" > \"$sysdev/driver_override\" || problem \"cannot set "
		"driver_override\"\n"
		"\tif [ -e \"$sysdev/driver\" ]; then\n"
		"\t\techo \"$dev\" > \"$sysdev/driver/unbind\" || problem \"cannot unbind\"\n"
		"\tfi\n"
		"\t# The driver may not be loaded: vfio-pci took the device at boot.\n"
		"\tmodprobe \"$driver\" || problem \"cannot load $driver\"\n"
		"\techo \"$dev\" > %s || problem \"drivers_probe failed\"\n"
		"\t# Clear the override, or vfio-pci could not take the device at the next "
		"start.\n"
		"\techo > \"$sysdev/driver_override\" || problem \"cannot clear "
		"driver_override\"\n"
		"\tlog \"given back to $driver\"\n"
		"}\n"
		"\n"
		"case \"$phase\" in\n"
		"pre-start)\n"
		"\tset_reset_method\n"
		"\t;;\n"
		"post-stop)\n"
		"\trebind\n"
		"\t;;\n"
		"post-start | pre-stop) ;;\n"
		"*)\n"
		"\tlog \"unknown phase, ignored\"\n"
		"\t;;\n"
		"esac\n"
		"exit 0\n",
		vmid, addr,
		strict ? "fails pre-start when a step fails (--strict)"
		       : "never fails; it only logs to stderr (the task log)",
		addr, sysdev, method ? method : "", rebind_driver ? rebind_driver : "",
		strict ? 1 : 0, probe);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

static bool path_ok(const char *p)
{
	if (!p || p[0] != '/' || !p[1])
		return false;
	for (const char *s = p; *s; s++) {
		if (isspace((unsigned char)*s) || *s == '"' || *s == '\'' || *s == '\\')
			return false;
		if (s[0] == '/' && s[1] == '.' &&
		    (s[2] == '/' || !s[2] || (s[2] == '.' && (s[3] == '/' || !s[3]))))
			return false;
	}
	return true;
}

int vp_storage_snippets_path(const char *cfg, const char *name, char **path,
			     char **reason)
{
	_cleanup_free_ char *copy = cfg ? strdup(cfg) : NULL, *type = NULL,
			    *content = NULL, *dir = NULL;
	char *save = NULL;
	bool in = false, found = false;

	*reason = NULL;
	if (!cfg) {
		if (!streq(name, "local")) {
			*reason = xasprintf("no storage.cfg: only 'local' is known");
			return -ENOENT;
		}
		*path = vp_display_path(VP_VAR_LIB, "vz");
		return *path ? 0 : -ENOMEM;
	}
	if (!copy)
		return -ENOMEM;
	/* SectionConfig: "type: id" headers, indented "key value" properties. */
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon, *v;

		if (l[0] == '#')
			continue;
		if (!isspace((unsigned char)l[0])) {
			colon = strchr(l, ':');
			in = false;
			if (!colon)
				continue;
			*colon = '\0';
			for (v = colon + 1; isspace((unsigned char)*v); v++)
				;
			strstrip_end(v);
			if (streq(v, name)) {
				in = found = true;
				free(type);
				type = strdup(l);
			}
			continue;
		}
		if (!in)
			continue;
		while (isspace((unsigned char)*l))
			l++;
		v = l + strcspn(l, " \t");
		if (*v) {
			*v++ = '\0';
			while (isspace((unsigned char)*v))
				v++;
		}
		strstrip_end(v);
		if (streq(l, "path")) {
			free(dir);
			dir = strdup(v);
		} else if (streq(l, "content")) {
			free(content);
			content = strdup(v);
		}
	}
	if (!found) {
		*reason = xasprintf("storage '%s' is not in storage.cfg", name);
		return -ENOENT;
	}
	if (!dir) {
		*reason = xasprintf(
			"storage '%s' (%s) has no directory; snippets need a file "
			"storage (dir, nfs, cifs, cephfs)",
			name, type ? type : "?");
		return -EINVAL;
	}
	if (!path_ok(dir)) {
		*reason =
			xasprintf("storage '%s' has a path vfio-pilot will not use: '%s'",
				  name, dir);
		return -EINVAL;
	}
	{
		bool snippets = false;
		_cleanup_free_ char *c2 = content ? strdup(content) : NULL;
		char *s2 = NULL;

		for (char *t = c2 ? strtok_r(c2, ",", &s2) : NULL; t;
		     t = strtok_r(NULL, ",", &s2))
			if (streq(t, "snippets"))
				snippets = true;
		if (!snippets) {
			*reason = xasprintf(
				"storage '%s' does not hold snippets (content %s); "
				"fix: pvesm set %s --content %s%ssnippets",
				name, content ? content : "none", name,
				content ? content : "", content ? "," : "");
			return -EINVAL;
		}
	}
	*path = TAKE_PTR(dir);
	return 0;
}

static bool storage_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* pve-storage-id: ^[a-z][a-z0-9\-\_\.]*[a-z0-9]$ (any case) */
	if (n < 2 || !isalpha((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static char *join(const struct strv *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? " " : "", s->v[i]);
	fclose(f);
	return buf;
}

static bool is_vfio(const char *m)
{
	return streq(m, "vfio_pci") || streq(m, "vfio-pci");
}

/*
 * The host driver for --rebind: the one bound now unless it is vfio-pci,
 * else the only module (but vfio-pci) matching the modalias.
 */
static const char *host_driver(const struct vp_dev *d, size_t *candidates)
{
	const char *found = NULL;

	*candidates = 0;
	if (d->driver && !is_vfio(d->driver) && module_name_ok(d->driver)) {
		*candidates = 1;
		return d->driver;
	}
	for (size_t i = 0; i < d->modules.n; i++)
		if (!is_vfio(d->modules.v[i]) && module_name_ok(d->modules.v[i])) {
			found = d->modules.v[i];
			(*candidates)++;
		}
	return *candidates == 1 ? found : NULL;
}

/* 1 when modprobe.d of the root blacklists @driver, 0 when not, -errno. */
static int rebind_blacklisted(struct vp_ctx *ctx, const char *driver)
{
	struct vp_kmods km = { 0 };
	const char *kver = NULL;
	int r;

	(void)vp_ctx_kver(ctx, &kver);
	r = vp_kmods_load(ctx, kver, &km);
	if (r == 0)
		r = vp_kmods_blacklisted(&km, driver) ? 1 : 0;
	vp_kmods_free(&km);
	return r;
}

int vp_hookscript_plan(struct vp_ctx *ctx, const struct vp_host *h,
		       const struct vp_hook_opts *o, struct vp_plan *p)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ char *conf = xasprintf("pve/qemu-server/%lu.conf", o->vmid),
			    *rel = NULL, *text = NULL, *cfg = NULL, *dir = NULL,
			    *reason = NULL, *script = NULL, *file = NULL, *snip = NULL,
			    *vol = NULL, *shown = NULL, *out = NULL, *old = NULL;
	const char *storage = o->storage ? o->storage : "local", *driver = NULL;
	struct vp_file_state st, sst;
	const struct vp_dev *d;
	struct vp_bdf b;
	size_t len, outlen, cfglen, oldlen, slen;
	int r;

	if (!conf)
		return -ENOMEM;
	rel = vp_rel_path(VP_ETC, conf);
	shown = vp_display_path(VP_ETC, conf);
	r = vp_file_read(ctx, VP_ROOT, rel, &text, &len, &st);
	if (r < 0)
		return r;
	if (!st.exists) {
		vp_err("VM %lu has no config (%s): no such VM on this node", o->vmid,
		       shown);
		return -ENOENT;
	}
	if (vp_bdf_parse(o->device, &b, NULL, false) < 0) {
		vp_err("'%s' is not a PCI function address (use 0000:01:00.0)",
		       o->device);
		return -EINVAL;
	}
	d = vp_host_find(h, &b);
	if (!d) {
		vp_err("%s is not on this host", o->device);
		return -ENODEV;
	}
	if (o->reset_method) {
		if (!strv_contains(&d->reset_methods, o->reset_method)) {
			_cleanup_free_ char *list = join(&d->reset_methods);

			vp_plan_note(
				p,
				"warning: %s lists reset_method '%s' now, not %s: the "
				"script leaves reset_method alone until it does%s",
				d->addr, list ? list : "", o->reset_method,
				streq(o->reset_method, "device_specific")
					? " (is vendor-reset loaded?)"
					: "");
		}
	}
	if (o->rebind) {
		size_t nc = 0;

		driver = o->rebind_driver ? o->rebind_driver : host_driver(d, &nc);
		if (!module_name_ok(driver) && o->rebind_driver) {
			vp_err("'%s' is not a driver name", o->rebind_driver);
			return -EINVAL;
		}
		if (!driver && nc > 1) {
			_cleanup_free_ char *list = join(&d->modules);

			vp_plan_refuse(
				p,
				"--rebind: several host drivers match %s (%s): name "
				"one with --rebind=DRIVER",
				d->addr, list ? list : "");
		} else if (!driver) {
			vp_plan_refuse(p,
				       "--rebind: no host driver is known for %s (no "
				       "module matches its modalias): name one with "
				       "--rebind=DRIVER",
				       d->addr);
		} else if ((r = rebind_blacklisted(ctx, driver)) != 0) {
			if (r < 0)
				return r;
			/*
			 * A blacklist keeps the driver off the host (host plan writes
			 * one when no kept device needs it); loading it after every
			 * VM stop would undo that, and the next start would have to
			 * take the card from it again.
			 */
			vp_plan_refuse(
				p,
				"--rebind: %s is blacklisted in modprobe.d (the host is set "
				"up to keep it off %s); post-stop would load it anyway. "
				"Leave the card with vfio-pci (no --rebind), or release it "
				"first with 'host release -d %s'",
				driver, d->addr, d->addr);
			driver = NULL;
		} else
			vp_plan_note(p, "post-stop loads %s and gives %s back to it",
				     driver, d->addr);
	}
	if (!storage_name_ok(storage)) {
		vp_err("'%s' is not a storage id", storage);
		return -EINVAL;
	}
	r = vp_file_read(ctx, VP_ETC, "pve/storage.cfg", &cfg, &cfglen, &sst);
	if (r < 0)
		return r;
	r = vp_storage_snippets_path(sst.exists ? cfg : NULL, storage, &dir, &reason);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		vp_plan_refuse(p, "%s", reason);
		return 0;
	}
	file = xasprintf("vfio-pilot-%lu.sh", o->vmid);
	snip = xasprintf("%s/snippets/%s", dir + 1, file);
	vol = xasprintf("%s:snippets/%s", storage, file);
	if (!file || !snip || !vol)
		return -ENOMEM;
	r = vp_hookscript_text(o->vmid, d->addr, o->reset_method, driver, o->strict,
			       &script);
	if (r == -EINVAL && o->rebind && !driver)
		return 0;
	if (r < 0)
		return r;
	r = vp_file_read(ctx, VP_ROOT, snip, &old, &oldlen, &sst);
	if (r < 0)
		return r;
	if (sst.exists && (sst.mode & 0111) != 0111) {
		_cleanup_free_ char *hp = vp_display_path(VP_ROOT, snip);

		if (is_live(ctx)) {
			const char *argv[] = { "chmod", "0755", hp, NULL };

			r = vp_plan_command(
				p, "Proxmox runs only an executable hookscript", argv);
			if (r < 0)
				return r;
		} else {
			vp_plan_note(
				p,
				"%s exists with mode %04o: make it 0755 (an apply keeps "
				"an existing file's mode)",
				hp, (unsigned)sst.mode);
		}
	}
	slen = strlen(script);
	r = vp_plan_edit(ctx, p, snip, TAKE_PTR(script), slen, 0755,
			 "the hookscript of this VM (one per VM)");
	if (r < 0)
		return r;

	r = vp_pve_vmconf_parse(text, len, &c);
	if (r < 0)
		return r;
	{
		const struct vp_pve_line *l = vp_pve_conf_find(c, 0, "hookscript");

		if (l && l->value && !streq(l->value, vol)) {
			const char *base = strrchr(l->value, '/');

			if (!base || !startswith(base + 1, "vfio-pilot-")) {
				vp_plan_refuse(
					p,
					"VM %lu already has hookscript %s, and Proxmox "
					"runs one per VM: merge it by hand, or remove it "
					"first (qm set %lu --delete hookscript)",
					o->vmid, l->value, o->vmid);
				return 0;
			}
			vp_plan_note(p,
				     "replaces the VM's earlier vfio-pilot hookscript %s",
				     l->value);
		}
		if (l && streq(l->value, vol))
			goto notes;
	}
	if (is_live(ctx)) {
		_cleanup_free_ char *id = xasprintf("%lu", o->vmid);
		const char *argv[] = { "qm", "set", id, "--hookscript", vol, NULL };

		if (!id)
			return -ENOMEM;
		r = vp_plan_command(
			p, "run the hookscript at every start and stop of the VM", argv);
	} else {
		r = vp_pve_vmconf_set(c, false, "hookscript", vol, &reason);
		if (r < 0) {
			if (reason)
				vp_err("hookscript: %s", reason);
			return r;
		}
		r = vp_pve_conf_serialize(c, &out, &outlen);
		if (r == 0)
			r = vp_plan_edit(
				ctx, p, rel, TAKE_PTR(out), outlen, 0640,
				"run the hookscript at every start and stop of the VM");
	}
	if (r < 0)
		return r;
notes:
	vp_plan_note(p,
		     "a backup restored or a VM migrated to another node needs %s "
		     "there too: without it the VM does not start",
		     vol);
	return 0;
}

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
			vp_err("'%s' is not a PCI address (use 0000:01:00.0, or 01:00 for "
			       "every function)",
			       devices[k]);
			return -EINVAL;
		}
		if (slot)
			b.fn = 0;
		ref = vp_host_find(hosts[0].host, &b);
		if (!ref) {
			vp_err("%s is not on %s (%s)", devices[k], hosts[0].node,
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
