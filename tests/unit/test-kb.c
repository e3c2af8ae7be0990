// SPDX-License-Identifier: GPL-2.0-or-later
/* The knowledge base: acceptance lookups, table invariants, kernel facts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "util.h"

static const struct vp_kb_gpu *must_find(uint16_t vendor, uint16_t device)
{
	const struct vp_kb_gpu *g = vp_kb_gpu_lookup(vendor, device);

	if (!g)
		fail_msg("%04x:%04x not in the table", vendor, device);
	return g;
}

static void blackwell_5090(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x10de, 0x2b85);

	(void)state;
	assert_string_equal(g->generation, "blackwell");
	assert_non_null(strstr(g->family, "GB202"));
	assert_int_equal(g->reset, VP_RESET_BUG_NO_FIX);
	assert_true(g->guest_open_module);
	assert_true(g->d3cold_trouble);
	assert_false(g->vendor_reset); /* vendor-reset does not cover NVIDIA */
	assert_false(g->code43_before_r465);
	assert_int_equal(g->role, VP_GPU_DISCRETE);
	assert_string_equal(g->vendor_name, "NVIDIA");

	/* The real PVE 9.1.5 failure: RTX PRO 4000 SFF. */
	g = must_find(0x10de, 0x2c33);
	assert_string_equal(g->generation, "blackwell");
	assert_int_equal(g->reset, VP_RESET_BUG_NO_FIX);
	assert_true(g->guest_open_module);
}

static void blackwell_all_chips(void **state)
{
	static const struct {
		uint16_t dev;
		const char *chip;
	} ids[] = {
		{ 0x2b85, "GB202" }, { 0x2bb1, "GB202" }, { 0x2bb5, "GB202" },
		{ 0x2c02, "GB203" }, { 0x2c05, "GB203" }, { 0x2c34, "GB203" },
		{ 0x2f04, "GB205" }, { 0x2d04, "GB206" }, { 0x2d30, "GB206" },
		{ 0x2d83, "GB207" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct vp_kb_gpu *g = must_find(0x10de, ids[i].dev);

		assert_string_equal(g->generation, "blackwell");
		assert_non_null(strstr(g->family, ids[i].chip));
		assert_int_equal(g->reset, VP_RESET_BUG_NO_FIX);
		assert_true(g->guest_open_module);
		assert_true(g->d3cold_trouble);
	}
	/* Their HDMI audio functions. */
	assert_int_equal(must_find(0x10de, 0x22e8)->role, VP_GPU_AUDIO);
	assert_int_equal(must_find(0x10de, 0x2f80)->role, VP_GPU_AUDIO);
}

static void navi10(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x1002, 0x731f);

	(void)state;
	assert_string_equal(g->generation, "navi10");
	assert_true(g->vendor_reset);
	assert_int_equal(g->reset, VP_RESET_VENDOR_RESET);
	assert_int_equal(g->role, VP_GPU_DISCRETE);

	/* Its internal switch ports and audio. */
	assert_int_equal(must_find(0x1002, 0x1478)->role, VP_GPU_SWITCH);
	assert_int_equal(must_find(0x1002, 0x1479)->role, VP_GPU_SWITCH);
	assert_int_equal(must_find(0x1002, 0xab38)->role, VP_GPU_AUDIO);
}

static void arc_dg2(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x8086, 0x56a5);

	(void)state;
	assert_string_equal(g->generation, "dg2");
	assert_true(g->cpuid_hiding && g->hide_hypervisor);
	assert_true(g->internal_switch);
	assert_string_equal(g->vendor_name, "Intel");

	assert_int_equal(must_find(0x8086, 0x4fa1)->role, VP_GPU_SWITCH);
	assert_int_equal(must_find(0x8086, 0x4fa4)->role, VP_GPU_SWITCH);
	for (uint16_t d = 0x4f90; d <= 0x4f92; d++)
		assert_int_equal(must_find(0x8086, d)->role, VP_GPU_AUDIO);
	assert_true(must_find(0x8086, 0x56c0)->sriov);
}

static void battlemage(void **state)
{
	(void)state;
	assert_string_equal(must_find(0x8086, 0xe20b)->generation, "bmg");
	assert_true(must_find(0x8086, 0xe211)->sriov); /* Pro B60 */
	assert_true(must_find(0x8086, 0xe212)->sriov); /* Pro B50 */
	assert_false(must_find(0x8086, 0xe20b)->sriov);
	assert_int_equal(must_find(0x8086, 0xe2ff)->role, VP_GPU_SWITCH);
	assert_int_equal(must_find(0x8086, 0xe2f0)->role, VP_GPU_SWITCH);
	assert_int_equal(must_find(0x8086, 0xe2f1)->role, VP_GPU_SWITCH);
	assert_int_equal(must_find(0x8086, 0xe2f7)->role, VP_GPU_AUDIO);
}

static void tesla_p40(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x10de, 0x1b38);

	(void)state;
	assert_int_equal(g->role, VP_GPU_COMPUTE);
	assert_true(g->large_bar);
	assert_true(g->vgpu);
	assert_int_not_equal(g->role, VP_GPU_DISCRETE);
	assert_false(g->code43_before_r465);
	assert_string_equal(g->generation, "pascal");

	/* Consumer Pascal: Code 43 only before R465. */
	assert_true(must_find(0x10de, 0x1b06)->code43_before_r465);
	assert_int_equal(must_find(0x10de, 0x1bb3)->role, VP_GPU_COMPUTE); /* Tesla P4 */
}

static void rtx_4090(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x10de, 0x2684);

	(void)state;
	assert_string_equal(g->generation, "ada");
	assert_int_equal(g->reset, VP_RESET_OK);
	assert_false(g->guest_open_module); /* seed correction: Ada does not need it */
	assert_false(g->cpuid_hiding);
	assert_int_equal(must_find(0x10de, 0x26b5)->role, VP_GPU_COMPUTE); /* L40 */
	assert_int_equal(must_find(0x10de, 0x27b8)->role, VP_GPU_COMPUTE); /* L4 */
}

static void hopper(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x10de, 0x2342);

	(void)state;
	assert_string_equal(g->generation, "hopper");
	assert_true(g->guest_open_module);
	assert_int_equal(g->first, 0x2340);
	assert_int_equal(g->last, 0x237f);
	assert_non_null(g->note);
	assert_non_null(strstr(g->note, "bus-reset"));
	assert_ptr_equal(must_find(0x10de, 0x237f), g);
	assert_true(must_find(0x10de, 0x2331)->guest_open_module);
}

static void turing_functions(void **state)
{
	static const uint16_t companions[] = { 0x10f7, 0x1ad6, 0x1ad7, 0x10f8,
					       0x1ad8, 0x1ad9, 0x10f9, 0x1ada,
					       0x1adb, 0x1aeb, 0x1aec, 0x1aed };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(companions); i++) {
		const struct vp_kb_gpu *g = must_find(0x10de, companions[i]);

		assert_string_equal(g->generation, "turing");
		assert_int_equal(g->role, VP_GPU_AUDIO);
	}
}

static void raphael(void **state)
{
	const struct vp_kb_gpu *g = must_find(0x1002, 0x164e);

	(void)state;
	assert_string_equal(g->generation, "raphael");
	assert_int_equal(g->role, VP_GPU_INTEGRATED);
	assert_int_equal(g->reset, VP_RESET_NONE);
	assert_true(g->needs_romfile);
	assert_false(g->vendor_reset);
}

static void amd_apus(void **state)
{
	static const uint16_t apus[] = { 0x15dd, 0x15d8, 0x1636, 0x1638, 0x164c, 0x15e7,
					 0x1681, 0x15bf, 0x15c8, 0x1900, 0x1901, 0x1114,
					 0x150e, 0x1586, 0x1506, 0x164e, 0x13c0 };
	static const uint16_t audio[] = { 0x1640, 0x1637, 0x15de };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(apus); i++) {
		const struct vp_kb_gpu *g = must_find(0x1002, apus[i]);

		assert_int_equal(g->role, VP_GPU_INTEGRATED);
		assert_int_equal(g->reset, VP_RESET_NONE);
		assert_true(g->needs_romfile);
	}
	for (size_t i = 0; i < ARRAY_SIZE(audio); i++)
		assert_int_equal(must_find(0x1002, audio[i])->role, VP_GPU_AUDIO);
}

static void amd_newer(void **state)
{
	static const uint16_t navi4x[] = { 0x7550, 0x7590 };
	const struct vp_kb_gpu *g;

	(void)state;
	g = must_find(0x1002, 0x73bf);
	assert_string_equal(g->generation, "navi2x");
	assert_false(g->vendor_reset);
	g = must_find(0x1002, 0x744c);
	assert_string_equal(g->generation, "navi3x");
	assert_int_equal(g->reset, VP_RESET_UNRELIABLE);
	for (size_t i = 0; i < ARRAY_SIZE(navi4x); i++) {
		g = must_find(0x1002, navi4x[i]);
		assert_string_equal(g->generation, "navi4x");
		assert_int_equal(g->reset, VP_RESET_BUG_NO_FIX);
		assert_true(g->d3cold_trouble);
		assert_false(g->vendor_reset);
	}
}

static void intel_igpus(void **state)
{
	static const uint16_t sriov[] = {
		0x4680, 0x46a6, 0x46d0, 0xa780, 0xa7a0, 0x7d55
	};
	static const uint16_t older[] = {
		0x5912, 0x3e92, 0x9bc5, 0x4c8a, 0x9a49, 0x3184
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sriov); i++) {
		const struct vp_kb_gpu *g = must_find(0x8086, sriov[i]);

		assert_int_equal(g->role, VP_GPU_INTEGRATED);
		assert_true(g->sriov);
		assert_non_null(strstr(g->note, "i915-sriov-dkms"));
	}
	for (size_t i = 0; i < ARRAY_SIZE(older); i++) {
		const struct vp_kb_gpu *g = must_find(0x8086, older[i]);

		assert_int_equal(g->role, VP_GPU_INTEGRATED);
		assert_false(g->sriov);
	}
}

/* quirks-and-signatures.md §3 (gnif/vendor-reset device-db.h), typed independently. */
static void vendor_reset_ids(void **state)
{
	// clang-format off
	static const uint16_t ids[] = {
		/* AMD_POLARIS10 */
		0x67c0, 0x67c1, 0x67c2, 0x67c4, 0x67c7, 0x67d0, 0x67df, 0x67c8, 0x67c9, 0x67ca,
		0x67cc, 0x67cf, 0x6fdf,
		/* AMD_POLARIS11 */
		0x67e0, 0x67e3, 0x67e8, 0x67eb, 0x67ef, 0x67ff, 0x67e1, 0x67e7, 0x67e9,
		/* AMD_POLARIS12 */
		0x6980, 0x6981, 0x6985, 0x6986, 0x6987, 0x6995, 0x6997, 0x699f,
		/* AMD_VEGA10 */
		0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869, 0x686a, 0x686b,
		0x686c, 0x686d, 0x686e, 0x686f, 0x687f,
		/* AMD_VEGA20 */
		0x66a0, 0x66a1, 0x66a2, 0x66a3, 0x66a4, 0x66a7, 0x66af,
		/* AMD_NAVI10 */
		0x7310, 0x7312, 0x7318, 0x7319, 0x731a, 0x731b, 0x731e, 0x731f,
		/* AMD_NAVI14 */
		0x7340, 0x7341, 0x7347, 0x734f,
		/* AMD_NAVI12 */
		0x7360, 0x7362,
		/* ARCTURUS (MI100) */
		0x738c,
	};
	// clang-format on
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct vp_kb_gpu *g = must_find(0x1002, ids[i]);

		if (!g->vendor_reset || g->reset != VP_RESET_VENDOR_RESET)
			fail_msg("1002:%04x should be a vendor-reset row", ids[i]);
	}
	/* And no other row claims vendor-reset. */
	for (size_t i = 0; i < vp_kb_gpu_count(); i++) {
		const struct vp_kb_gpu *g = vp_kb_gpu_at(i);

		if (g->vendor_reset)
			n += g->last - g->first + 1u;
	}
	assert_int_equal(n, ARRAY_SIZE(ids));
}

static void unknown_ids(void **state)
{
	(void)state;
	assert_null(vp_kb_gpu_lookup(0x10de, 0x0001));
	assert_null(vp_kb_gpu_lookup(0x1234, 0x5678));
	assert_null(vp_kb_gpu_lookup(0x10de, 0x2b86)); /* between two rows */
	assert_null(vp_kb_gpu_lookup(0x0000, 0x0000));
	assert_null(vp_kb_gpu_lookup(0xffff, 0xffff));
	assert_null(vp_kb_gpu_lookup(0x1002, 0x2b85)); /* right device, wrong vendor */
	assert_null(vp_kb_gpu_at(vp_kb_gpu_count()));
}

static int row_cmp(const struct vp_kb_gpu *a, const struct vp_kb_gpu *b)
{
	if (a->vendor != b->vendor)
		return a->vendor < b->vendor ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return 0;
}

static void table_invariants(void **state)
{
	size_t n = vp_kb_gpu_count();

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct vp_kb_gpu *g = vp_kb_gpu_at(i);

		if (!g->family || !*g->family || !g->generation || !*g->generation ||
		    !g->source || !*g->source || !g->vendor_name || !*g->vendor_name ||
		    !g->models || !*g->models)
			fail_msg(
				"row %zu (%04x:%04x) lacks family/generation/source/models",
				i, g->vendor, g->first);
		if (g->first > g->last)
			fail_msg("row %zu (%04x:%04x): first > last", i, g->vendor,
				 g->first);
		/* vendor-reset rows and only they have the vendor-reset class. */
		if (g->vendor_reset != (g->reset == VP_RESET_VENDOR_RESET))
			fail_msg("row %zu (%04x:%04x): vendor_reset and reset disagree",
				 i, g->vendor, g->first);
		if (i > 0) {
			const struct vp_kb_gpu *p = vp_kb_gpu_at(i - 1);

			if (row_cmp(p, g) >= 0)
				fail_msg("row %zu (%04x:%04x) out of order", i, g->vendor,
					 g->first);
			if (p->vendor == g->vendor && p->last >= g->first)
				fail_msg("rows %04x:%04x-%04x and %04x-%04x overlap",
					 g->vendor, p->first, p->last, g->first, g->last);
		}
		/* Every id of the row, and its edges, finds this very row. */
		assert_ptr_equal(vp_kb_gpu_lookup(g->vendor, g->first), g);
		assert_ptr_equal(vp_kb_gpu_lookup(g->vendor, g->last), g);
	}
}

static void reset_names(void **state)
{
	(void)state;
	assert_string_equal(vp_reset_class_name(VP_RESET_OK), "ok");
	assert_string_equal(vp_reset_class_name(VP_RESET_VENDOR_RESET), "vendor-reset");
	assert_string_equal(vp_reset_class_name(VP_RESET_UNRELIABLE), "unreliable");
	assert_string_equal(vp_reset_class_name(VP_RESET_BUG_NO_FIX), "bug-no-fix");
	assert_string_equal(vp_reset_class_name(VP_RESET_NONE), "none");
	assert_string_equal(vp_reset_class_name(VP_RESET_UNKNOWN), "unknown");
	assert_string_equal(vp_reset_class_name((enum vp_reset_class)42), "unknown");
}

static void kernel_facts(void **state)
{
	static const struct {
		const char *id;
		int major, minor;
	} want[] = {
		{ "reset_method", 5, 15 },
		{ "vfio_virqfd_merged", 6, 2 },
		{ "pve_intel_iommu_default", 6, 8 },
		{ "cxl_bus_reset", 6, 10 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct vp_kb_kernel *k = vp_kb_kernel_fact(want[i].id);

		assert_non_null(k);
		assert_int_equal(k->major, want[i].major);
		assert_int_equal(k->minor, want[i].minor);
	}
	assert_non_null(strstr(vp_kb_kernel_fact("cxl_bus_reset")->what, "approximate"));
	assert_null(vp_kb_kernel_fact("no_such_fact"));
	assert_null(vp_kb_kernel_fact(NULL));
	assert_null(vp_kb_kernel_at(vp_kb_kernel_count()));

	for (size_t i = 0; i < vp_kb_kernel_count(); i++) {
		const struct vp_kb_kernel *k = vp_kb_kernel_at(i);

		if (!k->id || !*k->id || !k->what || !*k->what || !k->source ||
		    !*k->source)
			fail_msg("kernel fact %zu lacks id/what/source", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(vp_kb_kernel_at(j)->id, k->id) == 0)
				fail_msg("kernel fact '%s' twice", k->id);
	}
}

static void kernel_has(void **state)
{
	(void)state;
	assert_int_equal(vp_kb_kernel_has("6.8.12-4-pve", "pve_intel_iommu_default"), 1);
	assert_int_equal(vp_kb_kernel_has("6.8.12-4-pve", "vfio_virqfd_merged"), 1);
	assert_int_equal(vp_kb_kernel_has("6.8.12-4-pve", "cxl_bus_reset"), 0);
	assert_int_equal(vp_kb_kernel_has("6.5.13-6-pve", "pve_intel_iommu_default"), 0);
	assert_int_equal(vp_kb_kernel_has("6.1.0-27-amd64", "vfio_virqfd_merged"), 0);
	assert_int_equal(vp_kb_kernel_has("6.1.0-27-amd64", "reset_method"), 1);
	assert_int_equal(vp_kb_kernel_has("5.15.0", "reset_method"), 1);
	assert_int_equal(vp_kb_kernel_has("5.15.0", "vfio_virqfd_merged"), 0);
	assert_int_equal(vp_kb_kernel_has("5.4.0-150-generic", "reset_method"), 0);
	assert_int_equal(vp_kb_kernel_has("5.14.21", "reset_method"), 0);
	assert_int_equal(vp_kb_kernel_has("7.0.0-3-pve", "cxl_bus_reset"), 1);
	assert_int_equal(vp_kb_kernel_has("7.0.0-3-pve", "reset_method"), 1);
	assert_int_equal(vp_kb_kernel_has("6.14.11-1-pve", "cxl_bus_reset"), 1);
	assert_int_equal(vp_kb_kernel_has("6.14.11-1-pve", "pve_intel_iommu_default"), 1);
	assert_int_equal(vp_kb_kernel_has("6.2", "vfio_virqfd_merged"), 1);
	assert_int_equal(vp_kb_kernel_has("4.19.0+", "reset_method"), 0);

	assert_int_equal(vp_kb_kernel_has("", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("abc", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("6", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has(NULL, "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("6.", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has(".8", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("6.x", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has(" 6.8.0", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("-6.8", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("99999999999.1", "reset_method"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("6.8.12-4-pve", "no_such_fact"), -EINVAL);
	assert_int_equal(vp_kb_kernel_has("6.8.12-4-pve", NULL), -EINVAL);
}

/* The one hiding rule (kb/hiding.c) on real rows: Arc, GeForce, Radeon, Tesla, Ada. */
static void hiding_rule(void **state)
{
	const struct vp_kb_gpu *arc = vp_kb_gpu_lookup(0x8086, 0x56a5);	    /* Arc A380 */
	const struct vp_kb_gpu *geforce = vp_kb_gpu_lookup(0x10de, 0x2204); /* RTX 3090 */
	const struct vp_kb_gpu *navi = vp_kb_gpu_lookup(0x1002, 0x731f); /* RX 5700 XT */
	const struct vp_kb_gpu *p40 = vp_kb_gpu_lookup(0x10de, 0x1b38);	 /* Tesla P40 */

	(void)state;
	assert_non_null(arc);
	assert_non_null(geforce);
	assert_non_null(navi);
	assert_non_null(p40);
	assert_int_equal(vp_kb_hiding(arc, 0), VP_HIDE_KVM_HV);
	assert_int_equal(vp_kb_hiding(geforce, 0), VP_HIDE_NONE);
	assert_int_equal(vp_kb_hiding(geforce, 460), VP_HIDE_KVM);
	assert_int_equal(vp_kb_hiding(geforce, VP_NV_VM_RELEASE), VP_HIDE_NONE);
	assert_int_equal(vp_kb_hiding(navi, 460), VP_HIDE_NONE);
	assert_int_equal(vp_kb_hiding(p40, 460), VP_HIDE_NONE);
	assert_int_equal(vp_kb_hiding(NULL, 460), VP_HIDE_NONE);
	assert_true(vp_kb_hiding_possible(geforce));
	assert_true(vp_kb_hiding_possible(arc));
	assert_false(vp_kb_hiding_possible(navi));
	/* Ada came after R465: no driver of it ever needed hiding. */
	assert_false(vp_kb_hiding_possible(vp_kb_gpu_lookup(0x10de, 0x2684)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blackwell_5090),   cmocka_unit_test(blackwell_all_chips),
		cmocka_unit_test(navi10),	    cmocka_unit_test(arc_dg2),
		cmocka_unit_test(battlemage),	    cmocka_unit_test(tesla_p40),
		cmocka_unit_test(rtx_4090),	    cmocka_unit_test(hopper),
		cmocka_unit_test(turing_functions), cmocka_unit_test(raphael),
		cmocka_unit_test(amd_apus),	    cmocka_unit_test(amd_newer),
		cmocka_unit_test(intel_igpus),	    cmocka_unit_test(vendor_reset_ids),
		cmocka_unit_test(unknown_ids),	    cmocka_unit_test(table_invariants),
		cmocka_unit_test(reset_names),	    cmocka_unit_test(kernel_facts),
		cmocka_unit_test(kernel_has),	    cmocka_unit_test(hiding_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
