// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A container's own groups, read from its root filesystem on the host.
 *
 * The gid= of a devN line is the group the node gets inside the container
 * (pve-container LXC.pm maps it through the idmap), so it must be the
 * container's render or video gid, not the host's: Debian 13 and recent
 * Ubuntu containers have render 992/993 where the host has 104
 * (community-scripts/ProxmoxVE #7886, #6523).
 *
 * Where the root filesystem is a directory on the host it is found the way
 * pve-storage does (src/PVE/Storage/Plugin.pm filesystem_path: PATH/images/
 * VMID/NAME for dir, btrfs, nfs, cifs and cephfs; ZFSPoolPlugin.pm path:
 * MOUNTPOINT/NAME, the mountpoint defaulting to /POOL, for subvol-*).
 * A disk image (raw, qcow2, a zvol, an LVM volume) is only readable once
 * mounted: `pct mount CTID` mounts it at /var/lib/lxc/CTID/rootfs
 * (pve-container src/PVE/API2/LXC.pm, PVE::LXC::mount_all), which is read
 * next. The file is read through a context rooted at the container's root,
 * so its own absolute links stay inside it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/gpudev.h"
#include "plan/pveplan.h"
#include "pve/storage.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && streq(s + n - k, suffix);
}

/* A name that stays one path component (no "/", "." or ".."). */
static bool component_ok(const char *s)
{
	return s && *s && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..") &&
	       strlen(s) < 256;
}

/* An absolute path without "." or ".." components. */
static bool abs_path_ok(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (const char *s = p; *s; s++)
		if (s[0] == '/' && s[1] == '.' &&
		    (s[2] == '/' || !s[2] || (s[2] == '.' && (s[3] == '/' || !s[3]))))
			return false;
	return true;
}

int vp_ct_rootfs_dir(const char *rootfs, const char *storage_cfg, char **dir, char **why)
{
	_cleanup_free_ char *vol = NULL, *storeid = NULL;
	struct vp_pve_storage s = { 0 };
	const char *volname, *name;
	char *colon;
	size_t len;
	int r;

	*dir = *why = NULL;
	if (!rootfs) {
		*why = strdup("the config has no rootfs");
		return *why ? -ENOENT : -ENOMEM;
	}
	/* pve-ct-rootfs: the volume is the default key, or volume=. */
	for (const char *p = rootfs; *p;) {
		len = strcspn(p, ",");
		if (!memchr(p, '=', len) || startswith(p, "volume=")) {
			if (startswith(p, "volume="))
				p += 7, len -= 7;
			vol = strndup(p, len);
			break;
		}
		p += len + (p[len] == ',');
	}
	if (!vol) {
		*why = strdup("the rootfs has no volume");
		return *why ? -ENOENT : -ENOMEM;
	}
	if (vol[0] == '/') {
		/* A bind-mounted host directory (root@pam only). */
		if (!abs_path_ok(vol)) {
			*why = xasprintf(
				"the rootfs path '%s' is not one vfio-pilot reads", vol);
			return -EINVAL;
		}
		*dir = TAKE_PTR(vol);
		return 0;
	}
	colon = strchr(vol, ':');
	if (!colon) {
		*why = xasprintf("'%s' is not a volume id (STORAGE:NAME)", vol);
		return -EINVAL;
	}
	storeid = strndup(vol, colon - vol);
	if (!storeid)
		return -ENOMEM;
	volname = colon + 1;
	if (!storage_cfg) {
		if (!streq(storeid, "local")) {
			*why = xasprintf(
				"no storage.cfg: storage '%s' is unknown (only 'local' "
				"at /var/lib/vz is known without it)",
				storeid);
			return -ENOENT;
		}
		s.type = strdup("dir");
		s.path = strdup("/var/lib/vz");
		if (!s.type || !s.path) {
			vp_pve_storage_free(&s);
			return -ENOMEM;
		}
	} else {
		r = vp_pve_storage_find(storage_cfg, storeid, &s);
		if (r == -ENOENT)
			*why = xasprintf("storage '%s' is not in storage.cfg", storeid);
		if (r < 0)
			goto out;
	}
	if (streq(s.type, "zfspool")) {
		name = volname;
		if (!startswith(name, "subvol-") || !component_ok(name)) {
			*why = xasprintf(
				"'%s' on storage '%s' (zfspool) is a zvol, a block "
				"device",
				volname, storeid);
			r = -EINVAL;
			goto out;
		}
		if (s.mountpoint)
			*dir = xasprintf("%s/%s", s.mountpoint, name);
		else if (s.pool)
			*dir = xasprintf("/%s/%s", s.pool, name);
		else
			*why = xasprintf("storage '%s' (zfspool) has no pool", storeid);
	} else if (s.path) {
		/* VMID/NAME; content-dirs moves "images" (rare: say so rather than
		 * guess). */
		const char *slash = strchr(volname, '/');

		if (s.content_dirs && strstr(s.content_dirs, "images")) {
			*why = xasprintf("storage '%s' sets content-dirs (%s)", storeid,
					 s.content_dirs);
			r = -EINVAL;
			goto out;
		}
		name = slash ? slash + 1 : NULL;
		if (!slash || !component_ok(name) || slash == volname) {
			*why = xasprintf("'%s' is not a VMID/NAME volume", volname);
			r = -EINVAL;
			goto out;
		}
		if (!has_suffix(name, ".subvol")) {
			*why = xasprintf(
				"'%s' on storage '%s' (%s) is a disk image file, "
				"readable only once mounted",
				volname, storeid, s.type);
			r = -EINVAL;
			goto out;
		}
		*dir = xasprintf("%s/images/%.*s/%s", s.path, (int)(slash - volname),
				 volname, name);
	} else {
		*why = xasprintf("storage '%s' (%s) holds block devices, not directories",
				 storeid, s.type);
		r = -EINVAL;
		goto out;
	}
	if (!*dir && !*why)
		r = -ENOMEM;
	else if (!*dir)
		r = -EINVAL;
	else if (!abs_path_ok(*dir)) {
		*why = xasprintf("the rootfs directory '%s' is not one vfio-pilot reads",
				 *dir);
		free(*dir);
		*dir = NULL;
		r = -EINVAL;
	} else
		r = 0;
out:
	vp_pve_storage_free(&s);
	return r;
}

/*
 * A context rooted at @rel (a directory below @ctx's root), opened through
 * @ctx's resolver: no path string is resolved again, and the new root
 * confines what the container's own links point to.
 */
static int sub_ctx(struct vp_ctx *ctx, const char *rel, struct vp_ctx **out)
{
	_cleanup_free_ struct vp_ctx *sub = calloc(1, sizeof(*sub));
	int fd;

	if (!sub)
		return -ENOMEM;
	fd = vp_openf(ctx, VP_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC, "%s", rel);
	if (fd < 0)
		return fd;
	sub->rootfd = fd;
	sub->fout = ctx->fout;
	sub->no_openat2 = ctx->no_openat2;
	sub->root = streq(ctx->root, "/") ? xasprintf("/%s", rel)
					  : xasprintf("%s/%s", ctx->root, rel);
	if (!sub->root) {
		close(fd);
		return -ENOMEM;
	}
	*out = TAKE_PTR(sub);
	return 0;
}

/* etc/group of the tree at @rel; -ENOENT when it has none. */
static int read_groups(struct vp_ctx *ctx, const char *rel, struct vp_ct_groups *g)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ct = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = sub_ctx(ctx, rel, &ct);
	if (r < 0)
		return r;
	r = vp_read_strf(ct, VP_ETC, &text, "group");
	if (r < 0)
		return r;
	g->render = vp_group_file_gid(text, "render");
	g->video = vp_group_file_gid(text, "video");
	g->from = xasprintf("/%s/etc/group", rel);
	return g->from ? 0 : -ENOMEM;
}

void vp_ct_groups_free(struct vp_ct_groups *g)
{
	free(g->from);
	free(g->why);
	*g = (struct vp_ct_groups){ .render = -1, .video = -1 };
}

int vp_ct_groups_load(struct vp_ctx *ctx, const struct vp_pve_conf *c, unsigned long ctid,
		      struct vp_ct_groups *g)
{
	_cleanup_free_ char *cfg = NULL, *dir = NULL, *why = NULL, *mounted = NULL;
	const char *rootfs = NULL;
	struct vp_file_state st;
	size_t len;
	int r;

	*g = (struct vp_ct_groups){ .render = -1, .video = -1 };
	for (size_t i = 0; i < c->n_lines; i++)
		if (c->lines[i].section == 0 && c->lines[i].kind == VP_PVE_LINE_KEY &&
		    streq(c->lines[i].key, "rootfs"))
			rootfs = c->lines[i].value;
	r = vp_file_read(ctx, VP_ETC, "pve/storage.cfg", &cfg, &len, &st);
	if (r < 0)
		return r;
	r = vp_ct_rootfs_dir(rootfs, st.exists ? cfg : NULL, &dir, &why);
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		r = read_groups(ctx, dir + 1, g);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			why = xasprintf("%s/etc/group: %s", dir, strerror(-r));
		else
			return 0;
	}
	/* `pct mount CTID` puts any rootfs here, the disk images too. */
	mounted = xasprintf("var/lib/lxc/%lu/rootfs", ctid);
	if (!mounted)
		return -ENOMEM;
	if (vp_existsf(ctx, VP_ROOT, "%s/etc/group", mounted)) {
		r = read_groups(ctx, mounted, g);
		if (r == 0 || r == -ENOMEM)
			return r;
	}
	g->why = TAKE_PTR(why);
	return 0;
}
