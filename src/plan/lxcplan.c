// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lxc plan: a container's devN lines for a GPU's nodes (/dev/dri, NVIDIA's
 * /dev/nvidia*, AMD's /dev/kfd), and raw lxc.* lines that already map them.
 * The shared parts are in pveplan.c.
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

/* ---- lxc ------------------------------------------------------------------ */

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
		    struct strv *keys, struct strv *values, struct strv *notes,
		    char **why)
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
				*why = xasprintf("%s: %s", key, reason);
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
		   struct strv *added, char **why)
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
			*why = xasprintf("%s: %s", key, reason);
		return r;
	}
	return strv_push(added, xasprintf("%s: %s", key, v));
}

int vp_lxc_set_raw(struct vp_pve_conf *c, const struct vp_pve_lxc_dev *want,
		   const char *const *majmin, size_t n, struct strv *added, char **why)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		r = add_raw(c, "lxc.cgroup2.devices.allow",
			    xasprintf("c %s rwm", majmin[i]), added, why);
	for (size_t i = 0; i < n && r == 0; i++)
		r = add_raw(c, "lxc.mount.entry",
			    xasprintf("%s %s none bind,optional,create=file",
				      want[i].path, want[i].path + 1),
			    added, why);
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

static int find_dev(struct vp_ctx *ctx, const struct vp_host *h, const char *addr,
		    const struct vp_dev **d)
{
	struct vp_bdf b;

	if (vp_bdf_parse(addr, &b, NULL, false) < 0) {
		vp_log_err(ctx, "'%s' is not a PCI function address (use 0000:00:02.0)",
			   addr);
		return -EINVAL;
	}
	*d = vp_host_find(h, &b);
	if (!*d) {
		vp_log_err(ctx, "%s is not on this host", addr);
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
			    *shown = NULL, *out = NULL, *rel = NULL, *why = NULL;
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
		vp_log_err(ctx,
			   "container %lu has no config (%s): no such container on this "
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
		r = find_dev(ctx, h, o->gpu ? o->gpu : o->device, &d);
		if (r < 0)
			goto out;
	} else {
		d = vp_dri_gpu(h, &drm);
		if (!d) {
			/* The card advise names too (host/gpudev.c). */
			const struct vp_dev *nv = vp_nvidia_ct_gpu(h);

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
		r = vp_lxc_set_devs(c, want, n, &keys, &values, &p->notes, &why);
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
					   &raw, &why);
	}
	if (r < 0 && why)
		vp_log_err(ctx, "%s", why);
	if (r < 0)
		goto out;
	if (!keys.n && !raw.n) {
		r = 0;
		goto out;
	}
	if (devn && vp_pve_live(ctx)) {
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
	if (r == 0 && vp_pve_live(ctx) && !devn)
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
