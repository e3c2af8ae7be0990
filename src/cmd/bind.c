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

#include "checks/doctor.h"
#include "cmd/cmd.h"
#include "plan/atomic.h"

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

/* The device and the functions that must move with it; refusals on stderr. */
static int gather(struct vp_doc *doc, struct vp_dev *t, bool force, struct vp_dev **set,
		  size_t *n)
{
	struct vp_dev *comp[16];
	size_t nc = vp_doc_companions(doc, t, comp, ARRAY_SIZE(comp));
	const struct vp_group *g = vp_host_group(doc->h, t->iommu_group);
	int refused = 0;

	*n = 0;
	set[(*n)++] = t;
	for (size_t i = 0; i < nc; i++)
		if (comp[i]->unit >= 0)
			set[(*n)++] = comp[i];
	for (size_t i = 0; g && i < g->n; i++) {
		if (g->members[i]->unit >= 0 && g->members[i]->unit != t->unit) {
			vp_err("%s shares IOMMU group %d with %s: the group cannot be given away "
			       "alone",
			       t->addr, g->id, g->members[i]->addr);
			refused = -EPERM;
		}
	}
	for (size_t i = 0; i < *n; i++) {
		struct vp_dev *d = set[i];

		if (d->critical && !force) {
			vp_err("%s is needed by the host (%s); add --force to take it anyway",
			       d->addr, d->critical_why.v[0]);
			refused = -EPERM;
		}
		/* Unbinding a PF destroys its VFs (drivers/pci/iov.c sriov_disable). */
		if (d->sriov == VP_PRESENT && d->sriov_num > 0 && !force) {
			vp_err("%s is an SR-IOV physical function with %u VFs enabled; unbinding it "
			       "removes them. Add --force to do it anyway",
			       d->addr, d->sriov_num);
			refused = -EPERM;
		}
	}
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
	struct vp_dev *set[17];
	struct bind_opts o = { 0 };
	struct vp_doc doc = { 0 };
	struct vp_dev *t;
	struct vp_bdf b;
	size_t n = 0;
	int first, r;

	first = vp_parse_opts(g, argc, argv, "f", bind_opts, bind_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(vp_cmd_find(bind ? "bind" : "unbind"));
		return VP_EXIT_OK;
	}
	if (argc - first != 1 || vp_bdf_parse(argv[first], &b, NULL, false) < 0) {
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
	t = vp_host_find(h, &b);
	if (!t) {
		vp_err("no PCI function %s on this host", argv[first]);
		return VP_EXIT_NOINPUT;
	}
	r = vp_doc_init(&doc, ctx, h, NULL);
	if (r == 0)
		r = gather(&doc, t, o.force, set, &n);
	if (r == 0 && bind && !vp_existsf(ctx, VP_SYS, "bus/pci/drivers/vfio-pci")) {
		vp_err("vfio-pci is not loaded: modprobe vfio-pci first");
		r = -ENOENT;
	}
	if (r == 0)
		r = do_bind(ctx, set, n, bind);
	vp_doc_free(&doc);
	if (r == -EPERM)
		return VP_EXIT_FAIL;
	return r < 0 ? vp_exit_code(r) : VP_EXIT_OK;
}

int cmd_bind(struct vp_global *g, int argc, char **argv)
{
	return run(g, argc, argv, true);
}

int cmd_unbind(struct vp_global *g, int argc, char **argv)
{
	return run(g, argc, argv, false);
}
