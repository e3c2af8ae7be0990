// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host model read from generated fixture hosts ($VP_FIXTURES): what
 * libpci and sysfs give per function, group analysis, host-critical roles,
 * and what becomes unknown when config space is cut to 64 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/facts.h"
#include "host/host.h"

static struct vp_host *load(const char *name, struct vp_ctx **ctxp)
{
	const char *dir = getenv("VP_FIXTURES");
	_cleanup_free_ char *root = NULL;
	struct vp_host *h = NULL;

	if (!dir)
		fail_msg("VP_FIXTURES is not set");
	root = xasprintf("%s/%s", dir, name);
	assert_int_equal(vp_ctx_new(root, ctxp), 0);
	assert_int_equal(vp_host_load(*ctxp, &h), 0);
	return h;
}

static struct vp_dev *dev(struct vp_host *h, const char *addr)
{
	struct vp_dev *d = vp_host_find_addr(h, addr);

	if (!d)
		fail_msg("%s not found", addr);
	return d;
}

static void intel_4090_gpu(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("intel-4090", &ctx);
	struct vp_dev *gpu = dev(h, "0000:01:00.0");
	bool large = false;

	for (size_t i = 1; i < h->ndevs; i++)
		assert_true(vp_bdf_cmp(&h->devs[i - 1]->bdf, &h->devs[i]->bdf) < 0);
	assert_int_equal(gpu->vendor, 0x10de);
	assert_int_equal(gpu->device, 0x2684);
	assert_int_equal(gpu->kind, VP_KIND_DISPLAY);
	assert_int_equal(gpu->cfg_len, 4096);
	assert_int_equal(gpu->pcie, VP_PRESENT);
	/* NVIDIA GPUs report themselves as (legacy) PCIe endpoints. */
	assert_true(gpu->pcie_type == 0 || gpu->pcie_type == 1);
	assert_int_equal(gpu->flr, VP_PRESENT);
	assert_int_equal(gpu->rebar, VP_PRESENT);
	assert_true(gpu->nrebar > 0);
	assert_int_equal(gpu->boot_vga, 0);
	assert_non_null(gpu->parent);
	assert_string_equal(gpu->parent->addr, "0000:00:01.0");
	assert_true(gpu->parent->is_bridge);
	for (size_t i = 0; i < gpu->nbars; i++)
		large = large || (gpu->bars[i].size >= (1ull << 32) &&
				  gpu->bars[i].mem64 && gpu->bars[i].prefetch);
	assert_true(large);
	assert_true(strv_contains(&gpu->modules, "nouveau"));
	assert_true(strv_contains(&gpu->reset_methods, "flr"));
	assert_null(vp_dev_unknown_why(gpu, "flr"));
	vp_host_free(h);
	vp_ctx_free(ctx);
}

static void intel_4090_group_and_roles(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("intel-4090", &ctx);
	struct vp_dev *gpu = dev(h, "0000:01:00.0"), *audio = dev(h, "0000:01:00.1");
	struct vp_group *g = vp_host_group(h, gpu->iommu_group);

	assert_non_null(g);
	assert_int_equal(g->verdict, VP_GROUP_COMPANIONS);
	assert_int_equal(g->nunits, 1);
	assert_int_equal(gpu->unit, audio->unit);
	assert_int_equal(audio->iommu_group, gpu->iommu_group);
	assert_true(dev(h, "0000:00:02.0")->critical & VP_CRIT_CONSOLE);
	assert_true(dev(h, "0000:05:00.0")->critical & VP_CRIT_NETWORK);
	assert_true(dev(h, "0000:02:00.0")->critical & VP_CRIT_ROOTDISK);
	assert_int_equal(gpu->critical, 0);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/* A non-root read: capabilities are unknown, with the reason, never "absent". */
static void nonroot_config(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("intel-4090-user", &ctx);
	struct vp_dev *gpu = dev(h, "0000:01:00.0");

	assert_int_equal(gpu->cfg_len, 64);
	assert_int_equal(gpu->caps_readable, VP_UNKNOWN);
	assert_int_equal(gpu->flr, VP_UNKNOWN);
	assert_int_equal(gpu->acs, VP_UNKNOWN);
	assert_int_equal(gpu->rebar, VP_UNKNOWN);
	assert_non_null(strstr(vp_dev_unknown_why(gpu, "flr"), "64 bytes"));
	assert_non_null(vp_dev_unknown_why(gpu, "acs"));
	/* What sysfs tells without root is still known. */
	assert_int_equal(gpu->vendor, 0x10de);
	assert_non_null(gpu->link_speed);
	assert_true(strv_contains(&gpu->reset_methods, "flr"));
	assert_int_equal(gpu->iommu_group, dev(h, "0000:01:00.1")->iommu_group);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/* b550: the chipset group holds the GPU, USB, SATA and the vmbr0 NIC. */
static void b550_shared_group(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("b550", &ctx);
	struct vp_dev *gpu = dev(h, "0000:04:00.0"), *nic = dev(h, "0000:05:00.0");
	struct vp_group *g = vp_host_group(h, gpu->iommu_group);
	struct vp_gap *gaps = NULL;
	size_t n = 0;
	bool port_gpu = false, port_nic = false;

	assert_non_null(g);
	assert_int_equal(g->verdict, VP_GROUP_SHARED);
	assert_int_equal(nic->iommu_group, gpu->iommu_group);
	assert_int_not_equal(nic->unit, gpu->unit);
	assert_int_equal(dev(h, "0000:04:00.1")->unit, gpu->unit);
	assert_int_equal(dev(h, "0000:03:00.0")->unit, -1); /* a port, not a card */
	assert_true(nic->critical & VP_CRIT_NETWORK);
	assert_int_equal(vp_group_explain(g, gpu->unit, &gaps, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (!gaps[i].bridge)
			continue;
		port_gpu = port_gpu || streq(gaps[i].bridge->addr, "0000:03:00.0");
		port_nic = port_nic || streq(gaps[i].bridge->addr, "0000:03:08.0");
		if (streq(gaps[i].bridge->addr, "0000:03:00.0"))
			assert_string_equal(gaps[i].why, "no ACS capability");
	}
	assert_true(port_gpu);
	assert_true(port_nic);
	vp_gaps_free(gaps, n);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/* arc-a310: the card's own switch (4fa1/4fa4) makes GPU and audio one card. */
static void arc_card_switch(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("arc-a310", &ctx);
	struct vp_dev *gpu = dev(h, "0000:09:00.0"), *audio = dev(h, "0000:0a:00.0");
	struct vp_group *g = vp_host_group(h, gpu->iommu_group);

	assert_false(vp_bdf_same_slot(&gpu->bdf, &audio->bdf));
	assert_non_null(g);
	assert_int_equal(g->verdict, VP_GROUP_COMPANIONS);
	assert_int_equal(g->nunits, 1);
	assert_int_equal(audio->unit, gpu->unit);
	assert_int_equal(dev(h, "0000:07:00.0")->unit, -1);
	assert_int_equal(dev(h, "0000:08:01.0")->unit, -1);
	assert_int_equal(dev(h, "0000:06:00.0")->unit, -1);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/* dual-socket-p40: NUMA nodes, no boot_vga on a 3D controller, SR-IOV VFs. */
static void p40_numa_and_vfs(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("dual-socket-p40", &ctx);
	struct vp_dev *p40 = dev(h, "0000:86:00.0"), *pf = dev(h, "0000:5e:00.0");

	assert_int_equal(p40->numa_node, 1);
	assert_int_equal(p40->boot_vga, -1);
	assert_null(vp_dev_unknown_why(p40, "boot_vga"));
	assert_int_equal(p40->flr, VP_ABSENT);
	assert_int_equal(pf->sriov, VP_PRESENT);
	assert_int_equal(pf->sriov_num, 4);
	assert_int_equal(pf->virtfn.n, 4);
	assert_string_equal(dev(h, pf->virtfn.v[0])->physfn, pf->addr);
	assert_true(pf->critical & VP_CRIT_NETWORK);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/* rtx5090: root on ZFS, so every disk controller is treated as critical. */
static void zfs_root(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("rtx5090", &ctx);
	bool noted = false;

	assert_true(dev(h, "0000:02:00.0")->critical & VP_CRIT_ROOTDISK);
	assert_true(dev(h, "0000:03:00.0")->critical & VP_CRIT_ROOTDISK);
	for (size_t i = 0; i < h->notes.n; i++)
		noted = noted || strstr(h->notes.v[i], "ZFS pool 'rpool'");
	assert_true(noted);
	assert_int_equal(dev(h, "0000:01:00.0")->critical, 0);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

static void iommu_off_reasons(void **state)
{
	struct vp_ctx *ctx;
	struct vp_host *h = load("iommu-off", &ctx);

	assert_int_equal(h->ngroups, 0);
	assert_non_null(strstr(h->no_iommu_why, "DMAR"));
	/* ACS is there but switched off: "capable, not enabled", never "absent". */
	assert_int_equal(dev(h, "0000:00:01.0")->acs, VP_PRESENT);
	assert_false(vp_acs_isolates(dev(h, "0000:00:01.0")));
	vp_host_free(h);
	vp_ctx_free(ctx);

	h = load("iommu-off-cmdline", &ctx);
	assert_non_null(strstr(h->no_iommu_why, "intel_iommu=off"));
	vp_host_free(h);
	vp_ctx_free(ctx);

	h = load("raphael-igpu", &ctx);
	assert_string_equal(h->acs_override, "downstream,multifunction");
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/* A scratch copy of a fixture host: DIR/root, with DIR free for "outside". */
struct scratch {
	char dir[64];
	char *root;
};

static void scratch_copy(struct scratch *s, const char *fixture)
{
	const char *fx = getenv("VP_FIXTURES");
	_cleanup_free_ char *src = NULL;
	int status;
	pid_t pid;

	if (!fx)
		fail_msg("VP_FIXTURES is not set");
	snprintf(s->dir, sizeof(s->dir), "/tmp/vp-host-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	s->root = xasprintf("%s/root", s->dir);
	src = xasprintf("%s/%s", fx, fixture);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("cp", "cp", "-a", src, s->root, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void scratch_free(struct scratch *s)
{
	nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(s->root);
}

static void mkdir_p(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		mkdir(p, 0755);
		*c = '/';
	}
	mkdir(p, 0755);
}

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Replace @rel below @root by a link to @target. */
static void relink(const char *root, const char *rel, const char *target)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);

	unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

static bool noted(const struct vp_host *h, const char *what, const char *addr)
{
	for (size_t i = 0; i < h->notes.n; i++)
		if (strstr(h->notes.v[i], what) && strstr(h->notes.v[i], addr))
			return true;
	return false;
}

/* Issue 21, D1: a dangling bus entry crashed the scan with a double free. */
static void broken_bus_entries(void **state)
{
	struct scratch s;
	struct vp_ctx *ctx = NULL;
	struct vp_host *h = NULL;

	(void)state;
	scratch_copy(&s, "intel-4090");
	relink(s.root, "sys/bus/pci/devices/0000:01:00.0",
	       "../../../devices/pci0000:00/0000:00:01.0/gone");
	relink(s.root, "sys/bus/pci/devices/0000:01:00.1", "0000:01:00.1");
	relink(s.root, "sys/bus/pci/devices/0000:04:00.0",
	       "../../../devices/x/../../../..");
	assert_int_equal(vp_ctx_new(s.root, &ctx), 0);
	assert_int_equal(vp_host_load(ctx, &h), 0);
	assert_null(vp_host_find_addr(h, "0000:01:00.0"));
	assert_null(vp_host_find_addr(h, "0000:01:00.1"));
	assert_null(vp_host_find_addr(h, "0000:04:00.0"));
	assert_non_null(vp_host_find_addr(h, "0000:02:00.0"));
	assert_true(noted(h, "dangling link", "0000:01:00.0"));
	assert_true(noted(h, "symlink loop", "0000:01:00.1"));
	assert_true(noted(h, "0000:04:00.0", "0000:04:00.0"));
	vp_host_free(h);
	vp_ctx_free(ctx);
	scratch_free(&s);
}

/* A minimal PCI function directory whose BAR 0 is @bar bytes. */
static void make_fn(const char *dir, unsigned long bar)
{
	unsigned char cfg[64] = { 0x86, 0x80, 0xfb, 0x10, [0x0b] = 0x02 };
	_cleanup_free_ char *p = xasprintf("%s/config", dir);
	_cleanup_free_ char *res =
		xasprintf("0x00000000f0000000 0x%016lx 0x0000000000040200\n",
			  0xf0000000UL + bar - 1);
	FILE *f;

	mkdir_p(dir);
	put(dir, "vendor", "0x8086\n");
	put(dir, "device", "0x10fb\n");
	put(dir, "class", "0x020000\n");
	f = fopen(p, "w");
	assert_non_null(f);
	fwrite(cfg, 1, sizeof(cfg), f);
	fclose(f);
	for (int i = 0; i < 6; i++) {
		char *more = xasprintf("%s0x0000000000000000 0x0000000000000000 "
				       "0x0000000000000000\n",
				       res);

		free(res);
		res = more;
	}
	put(dir, "resource", res);
}

/*
 * Issue 21, D7: libpci opens bus entries by name, so an absolute link
 * there was followed on this machine while the resolver read the root's
 * copy. The function's BAR 0 is 256 MiB outside and 16 MiB in the root.
 */
static void pci_entry_leaving_root(void **state)
{
	struct scratch s;
	struct vp_ctx *ctx = NULL;
	struct vp_host *h = NULL;
	_cleanup_free_ char *outside = NULL, *inside = NULL;

	(void)state;
	scratch_copy(&s, "intel-4090");
	outside = xasprintf("%s/outside-fn", s.dir);
	inside = xasprintf("%s%s", s.root, outside);
	make_fn(outside, 0x10000000UL);
	make_fn(inside, 0x1000000UL);
	free(inside);
	/* ".." above the root: the resolver stops at the root, the kernel does not. */
	inside = xasprintf("%s/outside-fn", s.root);
	make_fn(inside, 0x1000000UL);
	relink(s.root, "sys/bus/pci/devices/0000:0b:00.0", outside);
	relink(s.root, "sys/bus/pci/devices/0000:0c:00.0", "../../../../../outside-fn");
	assert_int_equal(vp_ctx_new(s.root, &ctx), 0);
	assert_int_equal(vp_host_load(ctx, &h), 0);
	for (size_t i = 0; i < h->ndevs; i++)
		for (size_t b = 0; b < h->devs[i]->nbars; b++)
			assert_true(h->devs[i]->bars[b].size != 0x10000000UL ||
				    h->devs[i]->vendor != 0x8086 ||
				    h->devs[i]->device != 0x10fb);
	assert_null(vp_host_find_addr(h, "0000:0b:00.0"));
	assert_null(vp_host_find_addr(h, "0000:0c:00.0"));
	assert_true(noted(h, "leaves the root", "0000:0b:00.0"));
	assert_true(noted(h, "leaves the root", "0000:0c:00.0"));
	assert_non_null(vp_host_find_addr(h, "0000:02:00.0"));
	vp_host_free(h);
	vp_ctx_free(ctx);
	scratch_free(&s);
}

/*
 * Issue 21, D7 and D12: libkmod opens its configuration by name, so
 * ROOT/etc/modprobe.d linked outside was read as the root's, and a FIFO
 * named *.conf (or /etc/modules) blocked the reading forever.
 */
static void kmod_config_confined(void **state)
{
	struct scratch s;
	struct vp_ctx *ctx = NULL;
	struct vp_kmods k = { 0 };
	_cleanup_free_ char *outside = NULL, *p = NULL, *q = NULL, *fifo = NULL;
	_cleanup_free_ char *mods = NULL, *ids = NULL, *evil = NULL, *good = NULL;
	const char *kver = NULL;

	(void)state;
	scratch_copy(&s, "intel-4090");
	outside = xasprintf("%s/outside-modprobe", s.dir);
	mkdir_p(outside);
	put(outside, "evil.conf", "options vfio-pci ids=dead:beef\n");
	put(outside, "other.conf", "options evilmod x=1\n");
	p = xasprintf("%s/etc/modprobe.d", s.root);
	q = xasprintf("%s/etc/modprobe.d.orig", s.root);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(symlink(outside, p), 0);
	free(p);
	p = xasprintf("%s/run/modprobe.d", s.root);
	mkdir_p(p);
	relink(s.root, "run/modprobe.d/other.conf",
	       "../../../outside-modprobe/other.conf");
	free(p);
	p = xasprintf("%s/lib/modprobe.d", s.root);
	mkdir_p(p);
	put(p, "good.conf", "options goodmod y=2\n");
	fifo = xasprintf("%s/zz.conf", p);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	mods = xasprintf("%s/etc/modules", s.root);
	unlink(mods);
	assert_int_equal(mkfifo(mods, 0644), 0);

	alarm(20); /* a blocking open would never return */
	assert_int_equal(vp_ctx_new(s.root, &ctx), 0);
	assert_int_equal(vp_ctx_kver(ctx, &kver), 0);
	assert_int_equal(vp_kmods_load(ctx, kver, &k), 0);
	alarm(0);
	assert_non_null(k.kmod);
	ids = vp_kmods_option(&k, "vfio_pci", "ids");
	evil = vp_kmods_options(&k, "evilmod");
	good = vp_kmods_option(&k, "goodmod", "y");
	assert_null(ids);
	assert_null(evil);
	assert_non_null(good);
	assert_string_equal(good, "2");
	assert_int_equal(k.nboot, 0);
	vp_kmods_free(&k);
	vp_ctx_free(ctx);
	scratch_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intel_4090_gpu),
		cmocka_unit_test(intel_4090_group_and_roles),
		cmocka_unit_test(nonroot_config),
		cmocka_unit_test(b550_shared_group),
		cmocka_unit_test(arc_card_switch),
		cmocka_unit_test(p40_numa_and_vfs),
		cmocka_unit_test(zfs_root),
		cmocka_unit_test(iommu_off_reasons),
		cmocka_unit_test(broken_bus_entries),
		cmocka_unit_test(pci_entry_leaving_root),
		cmocka_unit_test(kmod_config_confined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
