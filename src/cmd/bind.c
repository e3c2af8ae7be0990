// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind ADDR / unbind ADDR: move a device and the functions that must go with
 * it to vfio-pci now, and back. The kernel's way, as libvirt and driverctl
 * do it: driver_override, unbind from the current driver, drivers_probe
 * (Documentation/ABI/testing/sysfs-bus-pci). The previous driver is kept
 * under /var/lib/vfio-pilot/bind so unbind can restore it; the result is
 * read back from the driver link. Runtime only: a reboot undoes it (use
 * host apply to make it last).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "host/select.h"
#include "plan/atomic.h"
#include "plan/plan.h"

struct bind_opts {
	bool force;
};

static const struct option bind_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

static int bind_opt(void *data, int c, const char *arg)
{
	struct bind_opts *o = data;

	if (c != 'f')
		return -EINVAL;
	o->force = true;
	return 0;
}

/* Write one sysfs attribute of device @addr (or of the bus when @addr is NULL). */
static int sysfs_write(struct vp_ctx *ctx, const char *addr, const char *attr,
		       const char *value)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	fd = addr ? vp_openf(ctx, VP_SYS, O_WRONLY, "bus/pci/devices/%s/%s", addr, attr)
		  : vp_openf(ctx, VP_SYS, O_WRONLY, "bus/pci/%s", attr);
	if (fd < 0)
		return fd;
	n = write(fd, value, strlen(value));
	if (n < 0)
		return -errno;
	return (size_t)n == strlen(value) ? 0 : -EIO;
}

static char *driver_now(struct vp_ctx *ctx, const char *addr)
{
	_cleanup_free_ char *link = NULL;
	const char *base;

	if (vp_readlinkf(ctx, VP_SYS, &link, "bus/pci/devices/%s/driver", addr) < 0)
		return NULL;
	base = strrchr(link, '/');
	return strdup(base ? base + 1 : link);
}

/*
 * The device and the functions that must move with it (host/select.c, the
 * rule every command shares); refusals on stderr.
 */
static int gather(struct vp_ctx *ctx, struct vp_host *h, const struct vp_devspec *spec,
		  bool force, struct vp_devlist *set)
{
	const struct vp_select_opts o = { .take_host_device = force,
					  .take_flag = "--force" };
	struct vp_devset sel = { 0 };
	int refused = 0, r;

	r = vp_select(ctx, h, spec, 1, &o, &sel);
	if (r == 0)
		r = vp_devset_all(&sel, set);
	if (r < 0) {
		vp_devset_free(&sel);
		return r;
	}
	for (size_t i = 0; i < sel.refusals.n; i++) {
		vp_err("%s", sel.refusals.v[i]);
		refused = -EPERM;
	}
	for (size_t i = 0; i < sel.warnings.n; i++)
		vp_warn("%s", sel.warnings.v[i]);
	for (size_t i = 0; i < set->n; i++) {
		struct vp_dev *d = set->v[i];

		/* Unbinding a PF destroys its VFs (drivers/pci/iov.c sriov_disable). */
		vp_dev_details(ctx, d);
		if (d->sriov == VP_PRESENT && d->sriov_num > 0 && !force) {
			vp_err("%s is an SR-IOV physical function with %u VFs enabled; unbinding it "
			       "removes them. Add --force to do it anyway",
			       d->addr, d->sriov_num);
			refused = -EPERM;
		}
	}
	vp_devset_free(&sel);
	return refused;
}

static int do_bind(struct vp_ctx *ctx, struct vp_dev **set, size_t n, bool bind)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		const char *a = set[i]->addr;
		_cleanup_free_ char *before = driver_now(ctx, a), *saved = NULL,
				    *after = NULL;
		_cleanup_free_ char *rec = xasprintf("vfio-pilot/bind/%s", a);
		const char *want;
		int r;

		if (!rec)
			return -ENOMEM;
		if (bind) {
			want = "vfio-pci";
			if (streq(before, want)) {
				printf("%s: already bound to vfio-pci\n", a);
				continue;
			}
			r = vp_atomic_write(ctx, &vp_io_real, VP_VAR_LIB, rec,
					    before ? before : "",
					    before ? strlen(before) : 0, 0644);
			if (r == 0)
				r = sysfs_write(ctx, a, "driver_override", "vfio-pci");
		} else {
			vp_read_strf(ctx, VP_VAR_LIB, &saved, "%s", rec);
			want = saved && saved[0] ? saved : NULL;
			/* An empty write clears it (drivers/pci/pci-sysfs.c). */
			r = sysfs_write(ctx, a, "driver_override", "\n");
		}
		if (r == 0 && before)
			r = sysfs_write(ctx, a, "driver/unbind", a);
		if (r == 0)
			r = sysfs_write(ctx, NULL, "drivers_probe", a);
		after = driver_now(ctx, a);
		if (r < 0) {
			vp_err("%s: %s", a, strerror(-r));
			failed = r;
			continue;
		}
		if (want ? !streq(after, want) : after != NULL) {
			vp_err("%s: now bound to %s, expected %s", a,
			       after ? after : "no driver",
			       want ? want : "the driver the kernel picks");
			failed = -EIO;
			continue;
		}
		printf("%s: %s -> %s\n", a, before ? before : "none",
		       after ? after : "none");
		if (!bind)
			vp_atomic_remove(ctx, &vp_io_real, VP_VAR_LIB, rec);
	}
	return failed;
}

static int run(struct vp_global *g, int argc, char **argv, bool bind)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct vp_devlist set = { 0 };
	struct bind_opts o = { 0 };
	struct vp_devspec spec;
	_cleanup_close_ int lock = -1;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "f", bind_opts, bind_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(bind ? &vp_cmd_bind : &vp_cmd_unbind);
		return VP_EXIT_OK;
	}
	if (argc - first != 1 || vp_devspec_parse(argv[first], &spec) < 0 || spec.slot) {
		vp_err("%s takes one function address, like 01:00.0",
		       bind ? "bind" : "unbind");
		return VP_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		vp_err("%s needs root; nothing was changed", bind ? "bind" : "unbind");
		return VP_EXIT_NOPERM;
	}
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	if (!vp_host_find(h, &spec.bdf)) {
		vp_err("no PCI function %s on this host", argv[first]);
		return VP_EXIT_NOINPUT;
	}
	r = gather(ctx, h, &spec, o.force, &set);
	/*
	 * One writer per root: a bind beside a host apply or undo (or another
	 * bind of the same card) would interleave driver_override writes and the
	 * records under var/lib/vfio-pilot.
	 */
	if (r == 0)
		r = vp_plan_lock(ctx, &vp_io_real, &lock);
	if (r == 0 && bind && !vp_existsf(ctx, VP_SYS, "bus/pci/drivers/vfio-pci")) {
		vp_err("vfio-pci is not loaded: modprobe vfio-pci first");
		r = -ENOENT;
	}
	if (r == 0)
		r = do_bind(ctx, set.v, set.n, bind);
	free(set.v);
	if (r == -EPERM)
		return VP_EXIT_FAIL;
	return r < 0 ? vp_plan_exit_code(r) : VP_EXIT_OK;
}

static int cmd_bind(struct vp_global *g, int argc, char **argv)
{
	return run(g, argc, argv, true);
}

static int cmd_unbind(struct vp_global *g, int argc, char **argv)
{
	return run(g, argc, argv, false);
}

const struct vp_cmd vp_cmd_bind = {
	.name = "bind",
	.run = cmd_bind,
	.summary =
		"move a device and its companions to vfio-pci now (root; until reboot)",
	.usage =
		"  ADDR                the function; its companion functions go along\n"
		"  -f, --force         also a device the host needs, or an SR-IOV PF with VFs\n",
	.example = "vfio-pilot bind 01:00.0",
};

const struct vp_cmd vp_cmd_unbind = {
	.name = "unbind",
	.run = cmd_unbind,
	.summary = "give a device bound with bind back to its previous driver (root)",
	.usage = "  ADDR                the function; its companion functions go along\n"
		 "  -f, --force         also a device the host needs\n",
	.example = "vfio-pilot unbind 01:00.0",
};
