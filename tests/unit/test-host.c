// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host model read from generated fixture hosts ($VP_FIXTURES): what
 * libpci and sysfs give per function, group analysis, host-critical roles,
 * and what becomes unknown when config space is cut to 64 bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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
		large = large || (gpu->bars[i].size >= (1ull << 32) && gpu->bars[i].mem64 &&
				  gpu->bars[i].prefetch);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intel_4090_gpu),
		cmocka_unit_test(intel_4090_group_and_roles),
		cmocka_unit_test(nonroot_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
