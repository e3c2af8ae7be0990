// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SR-IOV settings parsing and the sysfsutils file, USB reading and advice on
 * the sriov-usb fixture ($VP_FIXTURES), usbN planning on in-memory VM
 * configs, and the guest-side helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/guest.h"
#include "host/sriov.h"
#include "host/usb.h"
#include "plan/sriovplan.h"
#include "plan/vmplan.h"

static void sysfs_lines(void **state)
{
	char a[16];
	unsigned int n = 0;

	assert_int_equal(vp_sriov_parse_sysfs_line(
				 "bus/pci/devices/0000:03:00.0/sriov_numvfs = 4", a, &n),
			 1);
	assert_string_equal(a, "0000:03:00.0");
	assert_int_equal(n, 4);
	/* a devices/ path, no domain in the address, no spaces */
	assert_int_equal(vp_sriov_parse_sysfs_line(
				 "devices/pci0000:00/0000:00:02.0/sriov_numvfs=7", a, &n),
			 1);
	assert_string_equal(a, "0000:00:02.0");
	assert_int_equal(n, 7);
	assert_int_equal(
		vp_sriov_parse_sysfs_line(
			"# bus/pci/devices/0000:03:00.0/sriov_numvfs = 4", a, &n),
		0);
	assert_int_equal(
		vp_sriov_parse_sysfs_line(
			"mode bus/pci/devices/0000:03:00.0/sriov_numvfs = 0664", a, &n),
		0);
	assert_int_equal(
		vp_sriov_parse_sysfs_line(
			"bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe = 0", a,
			&n),
		0);
	assert_int_equal(
		vp_sriov_parse_sysfs_line("bus/pci/devices/junk/sriov_numvfs = 4", a, &n),
		0);
	/* A VMD domain fits; an eight-digit one would be cut (found by fuzz_sriov). */
	assert_int_equal(vp_sriov_parse_sysfs_line(
				 "bus/pci/devices/10000:e1:00.0/sriov_numvfs = 2", a, &n),
			 1);
	assert_string_equal(a, "10000:e1:00.0");
	assert_int_equal(
		vp_sriov_parse_sysfs_line(
			"bus/pci/devices/de0a0000:07:00.1/sriov_numvfs = 2", a, &n),
		0);
}

static void udev_lines(void **state)
{
	char a[16];
	unsigned int n = 0;

	assert_int_equal(vp_sriov_parse_udev_line("ACTION==\"add\", SUBSYSTEM==\"pci\", "
						  "KERNEL==\"0000:03:00.0\", "
						  "ATTR{sriov_numvfs}=\"4\"",
						  a, &n),
			 1);
	assert_string_equal(a, "0000:03:00.0");
	assert_int_equal(n, 4);
	assert_int_equal(vp_sriov_parse_udev_line("#KERNEL==\"0000:03:00.0\", "
						  "ATTR{sriov_numvfs}=\"4\"",
						  a, &n),
			 0);
	assert_int_equal(vp_sriov_parse_udev_line("KERNEL==\"0000:03:00.0\", "
						  "ATTR{driver_override}=\"vfio-pci\"",
						  a, &n),
			 0);
}

static void conf_set(void **state)
{
	char *out = NULL, *again = NULL, *gone = NULL;

	assert_int_equal(vp_sriov_conf_set(NULL, "0000:07:00.1", 4, &out), 0);
	assert_non_null(strstr(out, "# Written by vfio-pilot"));
	assert_non_null(strstr(out, "\nbus/pci/devices/0000:07:00.1/sriov_numvfs = 4\n"));
	/* another PF is added after, a changed count replaces its own line only */
	assert_int_equal(vp_sriov_conf_set(out, "0000:07:00.0", 2, &again), 0);
	free(out);
	assert_int_equal(vp_sriov_conf_set(again, "0000:07:00.1", 8, &out), 0);
	assert_non_null(strstr(out, "0000:07:00.1/sriov_numvfs = 8\n"
				    "bus/pci/devices/0000:07:00.0/sriov_numvfs = 2\n"));
	assert_null(strstr(out, "= 4"));
	/* 0 removes the line and keeps the rest byte for byte */
	assert_int_equal(vp_sriov_conf_set(out, "0000:07:00.1", 0, &gone), 0);
	assert_null(strstr(gone, "07:00.1"));
	assert_non_null(strstr(gone, "0000:07:00.0/sriov_numvfs = 2\n"));
	free(out);
	free(again);
	free(gone);
}

static struct vp_ctx *fixture(const char *name)
{
	const char *dir = getenv("VP_FIXTURES");
	_cleanup_free_ char *root = NULL;
	struct vp_ctx *ctx = NULL;

	if (!dir)
		fail_msg("VP_FIXTURES is not set");
	root = xasprintf("%s/%s", dir, name);
	assert_int_equal(vp_ctx_new(root, &ctx), 0);
	return ctx;
}

static void usb_tree(void **state)
{
	struct vp_ctx *ctx = fixture("sriov-usb");
	struct vp_host *h = NULL;
	struct vp_usb u;
	struct vp_usb_advice a;
	const struct vp_usb_dev *d;

	assert_int_equal(vp_host_load(ctx, &h), 0);
	assert_int_equal(vp_usb_load(ctx, &u), 0);
	assert_true(u.present);
	assert_int_equal(u.n, 7); /* 5 on the PCH xHCI, 2 on the ASMedia card */
	assert_string_equal(u.devs[0].name, "1-1");
	assert_string_equal(u.devs[0].ctrl, "0000:00:14.0");
	assert_string_equal(u.devs[5].ctrl, "0000:03:00.0");
	assert_int_equal(vp_usb_find(&u, "10c4:ea60", &d), -EEXIST);
	assert_int_equal(vp_usb_find(&u, "0x064F:0x2AF9", &d), 0);
	assert_string_equal(d->name, "1-4.1");
	assert_string_equal(d->vendor_name, "WIBU-Systems AG");
	assert_int_equal(vp_usb_find(&u, "1-4.2", &d), 0);
	assert_int_equal(d->vid, 0x10c4);
	assert_int_equal(vp_usb_find(&u, "4-1", &d), 0);
	assert_true(d->storage && vp_usb_superspeed(d));
	assert_int_equal(vp_usb_find(&u, "2-9", &d), -ENOENT);
	assert_int_equal(vp_usb_find(&u, "1-", &d), -EINVAL);
	assert_int_equal(vp_usb_find(&u, "12345:1", &d), -EINVAL);
	assert_int_equal(vp_usb_advise(h, &u, "0000:00:14.0", &a), 0);
	assert_false(a.controller_ok);
	vp_usb_advice_free(&a);
	assert_int_equal(vp_usb_advise(h, &u, "0000:03:00.0", &a), 0);
	assert_true(a.controller_ok && a.controller_better);
	vp_usb_advice_free(&a);
	vp_usb_free(&u);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

static void sriov_read(void **state)
{
	struct vp_ctx *ctx = fixture("sriov-usb");
	struct vp_host *h = NULL;
	struct vp_guests g = { 0 };
	struct vp_sriov_pf s;

	assert_int_equal(vp_host_load(ctx, &h), 0);
	assert_int_equal(vp_guests_load(ctx, &g), 0);
	assert_int_equal(
		vp_sriov_read(ctx, h, &g, vp_host_find_addr(h, "0000:07:00.0"), &s), 0);
	assert_int_equal(s.num, 4);
	assert_int_equal(s.nvfs, 4);
	assert_int_equal(s.nused, 1);
	assert_string_equal(s.vfs[0].addr, "0000:07:10.0");
	assert_int_equal(s.vfs[0].used_by.n, 1);
	assert_null(s.kb);
	vp_sriov_pf_free(&s);
	assert_int_equal(
		vp_sriov_read(ctx, h, &g, vp_host_find_addr(h, "0000:00:02.0"), &s), 0);
	assert_non_null(s.kb);
	assert_string_equal(s.kb->sriov_oot, "i915-sriov-dkms");
	assert_int_equal(s.oot_present, 0);
	vp_sriov_pf_free(&s);
	vp_guests_free(&g);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

static const char vm[] =
	"boot: order=scsi0\nmemory: 2048\nostype: l26\n"
	"usb0: host=1-1\nusb1: host=1-2\nusb2: host=1-3\nusb3: host=1-4\n"
	"usb4: host=1-5\n";

static void usb_build(const char *text, const char *val, struct vp_vm_change *ch)
{
	struct strv usb = { 0 };
	struct vp_vm_req rq = { .vmid = 100, .numa_node = -1, .usb = &usb };

	assert_int_equal(strv_add(&usb, val), 0);
	assert_int_equal(vp_vm_build(text, strlen(text), &rq, ch), 0);
	strv_free(&usb);
}

static void usb_index_rule(void **state)
{
	struct vp_vm_change ch;
	_cleanup_free_ char *old_machine = xasprintf("%smachine: pc-q35-6.2\n", vm);
	_cleanup_free_ char *win7 = xasprintf("%smachine: q35\nostype: win7\n", vm);

	/* usb5 on l26 with the latest machine: allowed, nothing else changes */
	usb_build(vm, "host=10c4:ea60", &ch);
	assert_int_equal(ch.refusals.n, 0);
	assert_int_equal(ch.keys.n, 1);
	assert_string_equal(ch.keys.v[0], "usb5");
	assert_null(strstr(ch.text, "machine"));
	vp_vm_change_free(&ch);
	/* machine 6.2: USB.pm refuses usb5 at start */
	usb_build(old_machine, "host=10c4:ea60", &ch);
	assert_int_equal(ch.refusals.n, 1);
	assert_non_null(strstr(ch.refusals.v[0], "machine type >= 7.1"));
	vp_vm_change_free(&ch);
	usb_build(win7, "host=10c4:ea60", &ch);
	assert_int_equal(ch.refusals.n, 1);
	vp_vm_change_free(&ch);
	/* the same host= already there: nothing to set */
	usb_build(vm, "host=1-3", &ch);
	assert_int_equal(ch.keys.n, 0);
	assert_int_equal(ch.notes.n, 1);
	vp_vm_change_free(&ch);
	/* a value the schema refuses never reaches the file */
	usb_build("memory: 512\n", "host=1-2,bogus=1", &ch);
	assert_int_equal(ch.keys.n, 0);
	assert_int_equal(ch.refusals.n, 1);
	vp_vm_change_free(&ch);
}

static void guest_helpers(void **state)
{
	assert_int_equal(
		vp_guest_nvidia_open("NVRM version: NVIDIA UNIX Open Kernel Module for "
				     "x86_64  570.133.07  Release Build"),
		1);
	assert_int_equal(
		vp_guest_nvidia_open("NVRM version: NVIDIA UNIX x86_64 Kernel Module  "
				     "570.133.07  Fri Mar 14 12:50:41 UTC 2025"),
		0);
	assert_int_equal(vp_guest_nvidia_open(NULL), -1);
	assert_int_equal(vp_guest_nvidia_open("garbage"), -1);
	assert_true(vp_guest_emulated_display(0x1234, 0x1111));
	assert_false(vp_guest_emulated_display(0x10de, 0x2b85));
	assert_true(vp_kb_gpu_lookup(0x10de, 0x2b85)->guest_open_module);
	assert_false(vp_kb_gpu_lookup(0x10de, 0x2684)->guest_open_module);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sysfs_lines),	 cmocka_unit_test(udev_lines),
		cmocka_unit_test(conf_set),	 cmocka_unit_test(usb_tree),
		cmocka_unit_test(sriov_read),	 cmocka_unit_test(usb_index_rule),
		cmocka_unit_test(guest_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
