// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the host itself needs (rule 2 of the brief): the boot VGA that
 * carries the console, the NICs behind the default route and the Linux
 * bridges (vmbr0 is Proxmox's management bridge), and the controller of the
 * disk that holds the root filesystem. Everything is found from sysfs and
 * procfs links, through the context.
 */
#include <errno.h>
#include <stdlib.h>

#include "host/host.h"

/* Deep enough for vlan on bond on bridge; sysfs stacks are shallow. */
#define MAX_NET_DEPTH	8
#define MAX_BLOCK_DEPTH 8

static int mark(struct vp_dev *d, unsigned int role, char *why)
{
	if (!why)
		return -ENOMEM;
	d->critical |= role;
	if (strv_contains(&d->critical_why, why)) {
		free(why);
		return 0;
	}
	return strv_push(&d->critical_why, why);
}

/* The PCI function a canonical sysfs path belongs to: its last BDF component. */
static struct vp_dev *dev_of_path(const struct vp_host *h, const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	struct vp_dev *found = NULL;
	char *save = NULL;

	if (!copy)
		return NULL;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		struct vp_bdf b;

		if (strchr(t, ':') != strrchr(t, ':') &&
		    vp_bdf_parse(t, &b, NULL, false) == 0) {
			struct vp_dev *d = vp_host_find(h, &b);

			if (d)
				found = d;
		}
	}
	return found;
}

static void mark_console(struct vp_host *h)
{
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i]->boot_vga == 1)
			mark(h->devs[i], VP_CRIT_CONSOLE,
			     strdup("boot VGA: the host console (boot_vga=1)"));
}

static bool safe_name(const char *n)
{
	return n[0] && n[0] != '.' && !strchr(n, '/');
}

/* Mark the PCI functions under interface @ifname, following bridges, bonds and vlans. */
static int mark_netdev(struct vp_ctx *ctx, struct vp_host *h, const char *ifname,
		       const char *why, int depth)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_free_ char *dev = NULL;
	struct dirent *e;
	int r;

	if (depth > MAX_NET_DEPTH || !safe_name(ifname))
		return 0;
	if (vp_resolve(ctx, VP_SYS, &dev, "class/net/%s/device", ifname) == 0 &&
	    vp_existsf(ctx, VP_SYS, "class/net/%s/device", ifname)) {
		struct vp_dev *d = dev_of_path(h, dev);

		if (d)
			return mark(d, VP_CRIT_NETWORK,
				    xasprintf("%s (interface %s)", why, ifname));
		return 0;
	}
	/* Stacked devices name what is below them: lower_<if> links (net/core/dev.c). */
	if (vp_opendirf(ctx, VP_SYS, &dir, "class/net/%s", ifname) < 0)
		return 0;
	while ((e = readdir(dir))) {
		if (!startswith(e->d_name, "lower_"))
			continue;
		r = mark_netdev(ctx, h, e->d_name + 6, why, depth + 1);
		if (r < 0)
			return r;
	}
	closedir(TAKE_PTR(dir));
	/* Bridge ports are also listed in brif/ (net/bridge/br_sysfs_if.c). */
	if (vp_opendirf(ctx, VP_SYS, &dir, "class/net/%s/brif", ifname) < 0)
		return 0;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		r = mark_netdev(ctx, h, e->d_name, why, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Interfaces with a default route: /proc/net/route lines with destination and mask 0. */
static int default_route_ifaces(struct vp_ctx *ctx, struct strv *out)
{
	_cleanup_free_ char *route = NULL, *route6 = NULL;
	char *save = NULL;
	int r;

	r = vp_read_strf(ctx, VP_PROC, &route, "net/route");
	if (r == 0) {
		for (char *l = strtok_r(route, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char ifn[64], dst[16], gw[16], mask[16];
			unsigned int flags;

			if (sscanf(l, "%63s %15s %15s %x %*s %*s %*s %15s", ifn, dst, gw,
				   &flags, mask) != 5)
				continue;
			if (streq(dst, "00000000") && streq(mask, "00000000") &&
			    !strv_contains(out, ifn))
				strv_add(out, ifn);
		}
	}
	/* /proc/net/ipv6_route: dest, prefix len, ..., device name last. */
	if (vp_read_strf(ctx, VP_PROC, &route6, "net/ipv6_route") == 0) {
		save = NULL;
		for (char *l = strtok_r(route6, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char dst[40], plen[4], ifn[64];

			if (sscanf(l, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %63s", dst,
				   plen, ifn) != 3)
				continue;
			if (streq(plen, "00") && strspn(dst, "0") == 32 &&
			    !streq(ifn, "lo") && !strv_contains(out, ifn))
				strv_add(out, ifn);
		}
	}
	return r;
}

static int mark_network(struct vp_ctx *ctx, struct vp_host *h)
{
	_cleanup_(strv_free) struct strv ifs = { 0 };
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;
	int r;

	r = default_route_ifaces(ctx, &ifs);
	if (r < 0)
		strv_push(&h->notes,
			  xasprintf("default route unknown: cannot read /proc/net/route "
				    "(%s)",
				    strerror(-r)));
	else if (ifs.n == 0)
		strv_add(&h->notes, "no default route found in /proc/net/route");
	for (size_t i = 0; i < ifs.n; i++) {
		_cleanup_free_ char *why =
			xasprintf("management network: default route via %s", ifs.v[i]);

		if (!why)
			return -ENOMEM;
		r = mark_netdev(ctx, h, ifs.v[i], why, 0);
		if (r < 0)
			return r;
	}
	/* Every Linux bridge port: VMs and the host lose their network with it. */
	if (vp_opendirf(ctx, VP_SYS, &dir, "class/net") < 0)
		return 0;
	while ((e = readdir(dir))) {
		_cleanup_free_ char *why = NULL;

		if (!safe_name(e->d_name) ||
		    !vp_existsf(ctx, VP_SYS, "class/net/%s/bridge", e->d_name))
			continue;
		why = xasprintf("port of Linux bridge %s", e->d_name);
		if (!why)
			return -ENOMEM;
		r = mark_netdev(ctx, h, e->d_name, why, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Mark the controllers below block device @name, through dm/md slaves and partitions. */
static int mark_blockdev(struct vp_ctx *ctx, struct vp_host *h, const char *name,
			 const char *why, int depth, bool *found)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_free_ char *path = NULL;
	struct dirent *e;
	bool slaves = false;
	int r;

	if (depth > MAX_BLOCK_DEPTH || !safe_name(name))
		return 0;
	r = vp_resolve(ctx, VP_SYS, &path, "class/block/%s", name);
	if (r < 0 || !vp_existsf(ctx, VP_SYS, "class/block/%s", name))
		return 0;
	if (vp_opendirf(ctx, VP_SYS, &dir, "class/block/%s/slaves", name) == 0) {
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.')
				continue;
			slaves = true;
			r = mark_blockdev(ctx, h, e->d_name, why, depth + 1, found);
			if (r < 0)
				return r;
		}
	}
	if (!slaves) {
		struct vp_dev *d = dev_of_path(h, path);

		if (d) {
			*found = true;
			return mark(d, VP_CRIT_ROOTDISK, xasprintf("%s (%s)", why, name));
		}
	}
	return 0;
}

/* /dev/mapper/NAME -> dm-N, by the dm/name attribute (drivers/md/dm-sysfs.c). */
static char *dm_by_name(struct vp_ctx *ctx, const char *mapname)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;

	if (vp_opendirf(ctx, VP_SYS, &dir, "class/block") < 0)
		return NULL;
	while ((e = readdir(dir))) {
		_cleanup_free_ char *n = NULL;

		if (!startswith(e->d_name, "dm-"))
			continue;
		if (vp_read_strf(ctx, VP_SYS, &n, "class/block/%s/dm/name", e->d_name) ==
			    0 &&
		    streq(n, mapname))
			return strdup(e->d_name);
	}
	return NULL;
}

/* Root on ZFS: pool members are not in sysfs, so every disk controller may hold it. */
static int mark_all_disk_controllers(struct vp_ctx *ctx, struct vp_host *h,
				     const char *pool)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_free_ char *why =
		xasprintf("may hold ZFS pool '%s' with the root filesystem "
			  "(pool members are not visible in sysfs)",
			  pool);
	struct dirent *e;
	bool found = false;

	if (!why)
		return -ENOMEM;
	if (vp_opendirf(ctx, VP_SYS, &dir, "block") < 0)
		return 0;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || startswith(e->d_name, "loop") ||
		    startswith(e->d_name, "zd") || startswith(e->d_name, "dm-"))
			continue;
		int r = mark_blockdev(ctx, h, e->d_name, why, 0, &found);

		if (r < 0)
			return r;
	}
	return 0;
}

static int mark_rootdisk(struct vp_ctx *ctx, struct vp_host *h)
{
	_cleanup_free_ char *mounts = NULL, *src = NULL, *fstype = NULL, *blk = NULL;
	const char *devnode;
	char *save = NULL;
	bool found = false;
	int r;

	r = vp_read_strf(ctx, VP_PROC, &mounts, "mounts");
	if (r < 0)
		return strv_push(&h->notes,
				 xasprintf("root disk unknown: cannot read /proc/mounts "
					   "(%s)",
					   strerror(-r)));
	/* The last mount on "/" is the one in effect. */
	for (char *l = strtok_r(mounts, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char s[512], m[512], t[64];

		if (sscanf(l, "%511s %511s %63s", s, m, t) != 3 || !streq(m, "/"))
			continue;
		free(src);
		free(fstype);
		src = strdup(s);
		fstype = strdup(t);
		if (!src || !fstype)
			return -ENOMEM;
	}
	if (!src)
		return strv_add(&h->notes, "root disk unknown: no '/' in /proc/mounts");
	if (streq(fstype, "zfs")) {
		_cleanup_free_ char *pool = strndup(src, strcspn(src, "/"));

		if (!pool)
			return -ENOMEM;
		strv_push(&h->notes,
			  xasprintf("root is on ZFS pool '%s'; every disk controller is "
				    "treated as host-critical",
				    pool));
		return mark_all_disk_controllers(ctx, h, pool);
	}
	devnode = vp_devnode_name(src);
	if (devnode && startswith(devnode, "mapper/"))
		blk = dm_by_name(ctx, devnode + strlen("mapper/"));
	if (!blk && devnode) {
		_cleanup_free_ char *res = NULL;

		/* /dev/disk/by-* and /dev/VG/LV are links to the kernel name. */
		if (vp_resolve(ctx, VP_DEV, &res, "%s", devnode) == 0) {
			const char *base = strrchr(res, '/');

			blk = strdup(base ? base + 1 : res);
		} else if (!strchr(devnode, '/')) {
			/* A kernel name such as /dev/nvme0n1p2 needs no /dev in the
			 * snapshot. */
			blk = strdup(devnode);
		}
	}
	if (blk) {
		_cleanup_free_ char *why = xasprintf("holds the root filesystem %s", src);

		if (!why)
			return -ENOMEM;
		r = mark_blockdev(ctx, h, blk, why, 0, &found);
		if (r < 0)
			return r;
	}
	if (!found)
		return strv_push(
			&h->notes,
			xasprintf("root disk unknown: cannot map '%s' (%s) to a PCI "
				  "controller",
				  src, fstype));
	return 0;
}

int vp_critical_load(struct vp_ctx *ctx, struct vp_host *h)
{
	int r;

	mark_console(h);
	r = mark_network(ctx, h);
	if (r < 0)
		return r;
	return mark_rootdisk(ctx, h);
}
