// SPDX-License-Identifier: GPL-2.0-or-later
/* vp_vm_build and vp_vm_lint on in-memory configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "checks/vmlint.h"
#include "plan/vmplan.h"
#include "pve/vmconf.h"

static const char base[] =
	"boot: order=scsi0\ncores: 4\ncpu: x86-64-v2-AES\nmemory: 8192\n"
	"ostype: win11\n";

static void build(const char *text, const struct vp_vm_dev *d, size_t n, bool primary,
		  struct vp_vm_change *ch)
{
	struct vp_vm_req rq = { .vmid = 100,
				.devs = d,
				.ndevs = n,
				.primary_gpu = primary,
				.numa_node = -1 };

	assert_int_equal(vp_vm_build(text, strlen(text), &rq, ch), 0);
}

static void test_gpu(void **state)
{
	struct vp_vm_dev d = { .host = "0000:01:00",
			       .vendor = 0x10de,
			       .device = 0x2684,
			       .class = 0x030000 };
	struct vp_vm_change ch, again;

	d.kb = vp_kb_gpu_lookup(d.vendor, d.device);
	build(base, &d, 1, true, &ch);
	assert_int_equal(ch.refusals.n, 0);
	assert_non_null(strstr(ch.text, "cpu: host\n"));
	assert_non_null(strstr(ch.text, "hostpci0: 0000:01:00,pcie=1,x-vga=1\n"));
	assert_non_null(strstr(ch.text, "machine: q35\n"));
	assert_non_null(strstr(ch.text, "bios: ovmf\n"));
	assert_non_null(strstr(ch.text, "vga: none\n"));
	assert_non_null(strstr(ch.text, "balloon: 0\n"));
	assert_null(strstr(ch.text, "hidden"));
	/* only the intended lines changed: the rest is a prefix, byte for byte */
	assert_memory_equal(ch.text, "boot: order=scsi0\ncores: 4\ncpu: host\n", 36);
	/* a second build on the result changes nothing */
	build(ch.text, &d, 1, true, &again);
	assert_int_equal(again.keys.n, 0);
	assert_string_equal(again.text, ch.text);
	vp_vm_change_free(&again);
	vp_vm_change_free(&ch);
}

static void test_compute_and_full(void **state)
{
	struct vp_vm_dev d = { .host = "0000:86:00", .class = 0x030200 };
	struct vp_vm_change ch;
	char text[2048];
	size_t n = 0;

	build(base, &d, 1, true, &ch);
	assert_non_null(strstr(ch.text, "vga: serial0\n"));
	assert_null(strstr(ch.text, "x-vga"));
	vp_vm_change_free(&ch);

	n = (size_t)snprintf(text, sizeof(text), "%s", base);
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "hostpci%d: 0000:%02x:00.0\n", i, i + 0x10);
	build(text, &d, 1, false, &ch);
	assert_int_equal(ch.refusals.n, 1);
	vp_vm_change_free(&ch);

	build("lock: backup\ncores: 2\n", &d, 1, false, &ch);
	assert_int_equal(ch.refusals.n, 1);
	vp_vm_change_free(&ch);
}

static void test_arc_hiding(void **state)
{
	struct vp_vm_dev d = { .host = "0000:03:00.0",
			       .vendor = 0x8086,
			       .device = 0x56a6,
			       .class = 0x030000 };
	struct vp_vm_change ch;

	d.kb = vp_kb_gpu_lookup(d.vendor, d.device);
	if (!d.kb || !d.kb->cpuid_hiding)
		skip();
	build(base, &d, 1, false, &ch);
	assert_non_null(strstr(ch.text, "cpu: host,hidden=1\n"));
	assert_non_null(strstr(ch.text, "args: -cpu host,-hypervisor,kvm=off\n"));
	vp_vm_change_free(&ch);
}

static void test_lint(void **state)
{
	static const char t[] =
		"balloon: 1024\nhostpci0: 0000:01:00.0,pcie=1\nhostpci1: 01:00.0\n";
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct vp_lint_env env = { 0 };
	struct vp_lint l;
	bool q35 = false, twice = false, balloon = false;

	assert_int_equal(vp_pve_vmconf_parse(t, strlen(t), &c), 0);
	assert_int_equal(vp_vm_lint(c, &env, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		q35 |= streq(l.f[i].id, "pcie-without-q35");
		twice |= streq(l.f[i].id, "device-twice");
		balloon |= streq(l.f[i].id, "balloon");
	}
	assert_true(q35 && twice && balloon);
	assert_int_equal(vp_lint_verdict(&l), 2);
	vp_lint_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpu),
		cmocka_unit_test(test_compute_and_full),
		cmocka_unit_test(test_arc_hiding),
		cmocka_unit_test(test_lint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
