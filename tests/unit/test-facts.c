// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel command line splitter and the kernel log reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host/facts.h"

static void cmdline_split(void **state)
{
	struct vp_cmdline cl = { 0 };

	assert_int_equal(
		vp_cmdline_parse(
			"BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root "
			"ro quiet intel_iommu=on iommu=pt "
			"vfio-pci.ids=10de:2684,10de:22ba",
			&cl),
		0);
	assert_string_equal(vp_cmdline_get(&cl, "intel_iommu"), "on");
	assert_string_equal(vp_cmdline_get(&cl, "iommu"), "pt");
	/* '-' and '_' are one in parameter names (kernel/params.c parameq). */
	assert_string_equal(vp_cmdline_get(&cl, "vfio_pci.ids"), "10de:2684,10de:22ba");
	assert_string_equal(vp_cmdline_get(&cl, "quiet"), "");
	assert_true(vp_cmdline_has(&cl, "ro"));
	assert_null(vp_cmdline_get(&cl, "amd_iommu"));
	assert_null(vp_cmdline_get(&cl, "intel"));
	vp_cmdline_free(&cl);
}

static void cmdline_quotes_and_end(void **state)
{
	struct vp_cmdline cl = { 0 };

	assert_int_equal(
		vp_cmdline_parse("  a=1 \"b=two words\" c=\"x y\" d=1 -- e=init  d=2",
				 &cl),
		0);
	assert_string_equal(vp_cmdline_get(&cl, "b"), "two words");
	assert_string_equal(vp_cmdline_get(&cl, "c"), "x y");
	/* After "--" the parameters are init's, not the kernel's. */
	assert_null(vp_cmdline_get(&cl, "e"));
	assert_string_equal(vp_cmdline_get(&cl, "d"), "1");
	vp_cmdline_free(&cl);

	memset(&cl, 0, sizeof(cl));
	assert_int_equal(vp_cmdline_parse("x=1 x=2", &cl), 0);
	assert_string_equal(vp_cmdline_get(&cl, "x"), "2"); /* the last one wins */
	vp_cmdline_free(&cl);

	memset(&cl, 0, sizeof(cl));
	assert_int_equal(vp_cmdline_parse("", &cl), 0);
	assert_int_equal(cl.keys.n, 0);
	vp_cmdline_free(&cl);
}

static void klog_last_boot(void **state)
{
	char path[] = "/tmp/vp-klog-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct vp_klog k = { 0 };

	assert_non_null(f);
	fputs("Nov 20 10:00:00 pve kernel: Linux version 6.8.12-2-pve\n"
	      "Nov 20 10:00:01 pve kernel: DMAR-IR: IRQ remapping disabled\n"
	      "Nov 21 09:00:00 pve kernel: Linux version 6.8.12-4-pve\n"
	      "Nov 21 09:00:01 pve kernel: DMAR-IR: Enabled IRQ remapping in x2apic mode\n",
	      f);
	fclose(f);
	assert_int_equal(vp_klog_load(NULL, path, &k), 0);
	unlink(path);
	/* Only the last boot counts: the old "disabled" line is gone. */
	assert_null(vp_klog_find(&k, "IRQ remapping disabled"));
	assert_non_null(vp_klog_find(&k, "Enabled IRQ remapping"));
	assert_int_equal(k.lines.n, 2);
	vp_klog_free(&k);
}

static void klog_missing_file(void **state)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	struct vp_klog k = { 0 };

	/* The error is reported through a context (one without a log function here). */
	assert_int_equal(vp_ctx_new("/", &ctx), 0);
	assert_int_equal(vp_klog_load(ctx, "/nonexistent/kern.log", &k), -ENOENT);
	vp_klog_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_split),
		cmocka_unit_test(cmdline_quotes_and_end),
		cmocka_unit_test(klog_last_boot),
		cmocka_unit_test(klog_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
