// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * import's line readers on real lines from the corpus (../shared/corpus:
 * iommu_groups and lspci listings, quoted here verbatim), the whole-text
 * parser on their shapes (lexical group order, blank lines, lost newlines,
 * markdown), and the sanitizer's consistency.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "snap/import.h"
#include "snap/snap.h"
#include "util.h"

static void clean_decoration(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		/* granite ridge: 4-space markdown indentation */
		{ "    IOMMU group 0 00:01.0 Host bridge [0600]: x [1022:14da]",
		  "IOMMU group 0 00:01.0 Host bridge [0600]: x [1022:14da]" },
		/* um890pro: markdown bold around the record and the driver */
		{ "**c5:00.0 VGA compatible controller [0300]**: Advanced Micro Devices, Inc. "
		  "[AMD/ATI] Phoenix3 [1002:1900] (rev c4)",
		  "c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. "
		  "[AMD/ATI] Phoenix3 [1002:1900] (rev c4)" },
		{ "**Kernel driver in use: vfio-pci**",
		  "Kernel driver in use: vfio-pci" },
		/* x58: inline backticks */
		{ "`IOMMU Group 0 00:00.0 Host bridge [0600]: I [8086:3405] (rev 13)`",
		  "IOMMU Group 0 00:00.0 Host bridge [0600]: I [8086:3405] (rev 13)" },
		{ "\t\t\tKernel driver in use: nvidia\r",
		  "Kernel driver in use: nvidia" },
		{ "- 01:00.0 x", "01:00.0 x" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *s = vp_imp_clean(t[i].in);

		assert_non_null(s);
		assert_string_equal(s, t[i].out);
		free(s);
	}
}

static void group_headers(void **state)
{
	const char *rest;
	int g;

	/* raptor lake */
	assert_int_equal(vp_imp_group_header("IOMMU Group 16:", &g, &rest), 1);
	assert_int_equal(g, 16);
	assert_string_equal(rest, "");
	/* 7950x */
	assert_int_equal(vp_imp_group_header("IOMMU GROUP 38", &g, &rest), 1);
	assert_int_equal(g, 38);
	/* z170, b450m */
	assert_int_equal(vp_imp_group_header("IOMMU group 1", &g, &rest), 1);
	assert_int_equal(g, 1);
	/* b350: one line per device */
	assert_int_equal(
		vp_imp_group_header("IOMMU Group 10 00:14.0 SMBus [0c05]: Advanced "
				    "Micro Devices, Inc. [AMD] FCH SMBus Controller "
				    "[1022:790b] (rev 59)",
				    &g, &rest),
		1);
	assert_int_equal(g, 10);
	assert_true(startswith(rest, "00:14.0 SMBus"));
	assert_int_equal(vp_imp_group_header("IOMMU groups are", &g, &rest), 0);
	assert_int_equal(vp_imp_group_header("## PASSTHROUGH! PASSTHROUGH!", &g, &rest),
			 0);
	assert_int_equal(vp_imp_group_header("IOMMU Group 1x", &g, &rest), 0);
}

static void device_lines(void **state)
{
	struct vp_imp_dev d;
	const char *why;

	/* raptor lake: -nn with rev */
	assert_int_equal(
		vp_imp_device_line("01:00.0 VGA compatible controller [0300]: NVIDIA "
				   "Corporation AD102 [GeForce RTX 4090] [10de:2684] "
				   "(rev a1)",
				   &d, &why),
		1);
	assert_null(why);
	assert_true(d.has_class && d.has_ids && d.has_rev);
	assert_int_equal(d.class, 0x030000);
	assert_int_equal(d.vendor, 0x10de);
	assert_int_equal(d.device, 0x2684);
	assert_int_equal(d.rev, 0xa1);
	assert_int_equal(d.bdf.domain, 0);
	assert_int_equal(d.bdf.bus, 1);
	assert_int_equal(d.group, -1);

	/* 7950x: "(N)" in front, brackets in the vendor name */
	assert_int_equal(
		vp_imp_device_line("(39) 15:00.1 Audio device [0403]: Advanced Micro "
				   "Devices, Inc. [AMD/ATI] Rembrandt Radeon High "
				   "Definition Audio Controller [1002:1640]",
				   &d, &why),
		1);
	assert_null(why);
	assert_int_equal(d.group, 39);
	assert_int_equal(d.class, 0x040300);
	assert_int_equal(d.vendor, 0x1002);
	assert_int_equal(d.device, 0x1640);
	assert_int_equal(d.bdf.bus, 0x15);
	assert_int_equal(d.bdf.fn, 1);

	/* granite ridge: a name with '[' before the ids */
	assert_int_equal(
		vp_imp_device_line("03:00.0 VGA compatible controller [0300]: Intel "
				   "Corporation Battlemage G21 [Intel Graphics] "
				   "[8086:e212]",
				   &d, &why),
		1);
	assert_int_equal(d.device, 0xe212);

	/* with a domain (lspci -D) */
	assert_int_equal(
		vp_imp_device_line("0000:ff:00.1 Host bridge [0600]: Intel "
				   "Corporation Xeon 5600 Series QuickPath "
				   "Architecture System Address Decoder [8086:2d81] "
				   "(rev 02)",
				   &d, &why),
		1);
	assert_int_equal(d.bdf.bus, 0xff);
	assert_int_equal(d.device, 0x2d81);

	/* fedora26: lspci -vv -n, prog-if */
	assert_int_equal(
		vp_imp_device_line("02:00.0 0300: 10de:1c82 (rev a1) (prog-if 00 "
				   "[VGA controller])",
				   &d, &why),
		1);
	assert_null(why);
	assert_int_equal(d.class, 0x030000);
	assert_true(d.has_progif);
	assert_int_equal(d.vendor, 0x10de);
	assert_int_equal(d.device, 0x1c82);

	/* b450m: cut by its author: reported, not guessed */
	assert_int_equal(
		vp_imp_device_line("25:00.1 Audio device [0403]: Advanced Micro "
				   "Devices, Inc. [AMD/ATI] Caicos HDMI Audio [Radeon "
				   "HD 6450 / 7450/8450/8490 OEM / R5 230/235/235X OEM] "
				   "[1002:a...",
				   &d, &why),
		1);
	assert_non_null(why);
	assert_true(d.has_class);
	assert_false(d.has_ids);

	/* rpi: lspci -vvvv without numbers */
	assert_int_equal(
		vp_imp_device_line("01:00.0 VGA compatible controller: NVIDIA "
				   "Corporation Device 2684 (rev a1) (prog-if 00 [VGA "
				   "controller])",
				   &d, &why),
		1);
	assert_non_null(why);
	assert_false(d.has_ids);
	/* the class by its name (lspci without -nn) */
	assert_true(d.has_class && (d.class >> 8) == 0x0300);

	/* not device lines */
	assert_int_equal(
		vp_imp_device_line("nataliepc /h/n/k/kernel $ lspci -vv -n -s 00:02:00",
				   &d, &why),
		0);
	assert_int_equal(vp_imp_device_line("#  lspci -nnk -d 10de:1e84 :-", &d, &why),
			 0);
	assert_int_equal(vp_imp_device_line("00:1f.3", &d, &why), 0);
	assert_int_equal(
		vp_imp_device_line("00:20.0 Host bridge [0600]: x [8086:0001]", &d, &why),
		0); /* device 0x20 does not exist */
}

static void detail_lines(void **state)
{
	struct vp_imp_dev d = { .group = -1 };

	assert_int_equal(vp_imp_detail_line("Kernel driver in use: snd_hda_intel", &d),
			 1);
	assert_string_equal(d.driver, "snd_hda_intel");
	assert_int_equal(vp_imp_detail_line("Kernel driver in use: vfio-pci", &d), 1);
	assert_string_equal(d.driver, "vfio-pci");
	assert_int_equal(
		vp_imp_detail_line("Subsystem: Gigabyte Technology Co., Ltd TU104 "
				   "[GeForce RTX 2070 SUPER] [1458:3ffc]",
				   &d),
		1);
	assert_true(d.has_sub);
	assert_int_equal(d.subvendor, 0x1458);
	assert_int_equal(d.subdevice, 0x3ffc);
	assert_int_equal(vp_imp_detail_line("Subsystem: 3842:6251", &d), 1);
	assert_int_equal(d.subvendor, 0x3842);
	assert_int_equal(vp_imp_detail_line("IOMMU group: 12", &d), 1);
	assert_int_equal(d.group, 12);
	assert_int_equal(
		vp_imp_detail_line("Kernel modules: nouveau, nvidia_drm, nvidia", &d), 2);
	assert_int_equal(
		vp_imp_detail_line("Capabilities: [60] Power Management version 3", &d),
		2);
	assert_int_equal(vp_imp_detail_line("## Do not passthrough", &d), 0);
	free(d.driver);
}

static void find_links(void **state)
{
	struct vp_imp_dev *v = NULL;
	size_t n = 0;

	/* newlines lost: three paths run together */
	assert_int_equal(
		vp_imp_find_links("/sys/kernel/iommu_groups/7/devices/0000:00:1c.0"
				  "/sys/kernel/iommu_groups/1/devices/0000:01:00.0 "
				  "/sys/kernel/iommu_groups/1/devices/0000:01:00.1",
				  &v, &n),
		1);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].group, 7);
	assert_int_equal(v[0].bdf.dev, 0x1c);
	assert_int_equal(v[1].group, 1);
	assert_int_equal(v[2].bdf.fn, 1);
	free(v);
	assert_int_equal(
		vp_imp_find_links("find /sys/kernel/iommu_groups/ -type l", &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

static struct vp_imp_dev *dev_at(struct vp_import *im, unsigned bus, unsigned dev,
				 unsigned fn)
{
	for (size_t i = 0; i < im->ndevs; i++)
		if (im->devs[i].bdf.bus == bus && im->devs[i].bdf.dev == dev &&
		    im->devs[i].bdf.fn == fn)
			return &im->devs[i];
	return NULL;
}

static void whole_texts(void **state)
{
	/* x58: lexical group order, one device per line; then lost newlines */
	static const char x58[] =
		"# note: header\n"
		"IOMMU Group 0 00:00.0 Host bridge [0600]: Intel Corporation 5520/5500/X58 I/O "
		"Hub to ESI Port [8086:3405] (rev 13)\n"
		"IOMMU Group 10 00:1f.0 ISA bridge [0601]: Intel Corporation 82801JIR (ICH10R) "
		"LPC Interface Controller [8086:3a16]\n"
		"IOMMU Group 11 02:00.0 VGA compatible controller [0300]: NVIDIA Corporation "
		"GP106 [GeForce GTX 1060 6GB] [10de:1c03] (rev a1) IOMMU Group 11 02:00.1 Audio "
		"device [0403]: NVIDIA Corporation GP106 High Definition Audio Controller "
		"[10de:10f1] (rev a1)\n"
		"IOMMU Group 2 00:01.0 PCI bridge [0604]: Intel Corporation 5520/5500/X58 I/O "
		"Hub PCI Express Root Port 1 [8086:3408] (rev 13)\n";
	/* raptor lake: headings, blank lines, tab indentation */
	static const char rpl[] =
		"## PASSTHROUGH! PASSTHROUGH!\n"
		"IOMMU Group 16:\n"
		"\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation AD102 [GeForce "
		"RTX 4090] [10de:2684] (rev a1)\n"
		"\t01:00.1 Audio device [0403]: NVIDIA Corporation AD102 High Definition Audio "
		"Controller [10de:22ba] (rev a1)\n"
		"\n"
		"## Do not passthrough\n";
	/* gigabyte 3080: lspci -nnk with the indentation lost */
	static const char flat[] =
		"3e:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX "
		"3080] [10de:2206] (rev a1)\n"
		"Subsystem: Gigabyte Technology Co., Ltd Device [1458:404b]\n"
		"Kernel driver in use: nvidia\n"
		"Kernel modules: nouveau, nvidia_drm, nvidia\n"
		"3e:00.1 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio "
		"Controller [10de:1aef] (rev a1)\n"
		"Kernel driver in use: snd_hda_intel\n";
	struct vp_import im = { 0 };

	assert_int_equal(vp_import_parse(&im, x58), 0);
	assert_int_equal(im.ndevs, 5);
	assert_int_equal(dev_at(&im, 2, 0, 1)->group, 11);
	assert_int_equal(dev_at(&im, 0, 1, 0)->group, 2);
	assert_int_equal(im.unread.n, 1); /* the header line */
	vp_import_free(&im);

	assert_int_equal(vp_import_parse(&im, rpl), 0);
	assert_int_equal(im.ndevs, 2);
	assert_int_equal(dev_at(&im, 1, 0, 1)->group, 16);
	assert_int_equal(im.unread.n, 2); /* both headings, reported */
	vp_import_free(&im);

	assert_int_equal(vp_import_parse(&im, flat), 0);
	assert_int_equal(im.ndevs, 2);
	assert_string_equal(dev_at(&im, 0x3e, 0, 0)->driver, "nvidia");
	assert_string_equal(dev_at(&im, 0x3e, 0, 1)->driver, "snd_hda_intel");
	assert_int_equal(dev_at(&im, 0x3e, 0, 0)->group, -1);
	assert_int_equal(dev_at(&im, 0x3e, 0, 0)->subvendor, 0x1458);
	assert_int_equal(im.unread.n, 0);
	vp_import_free(&im);
}

static char *san(struct vp_sanitizer *s, const char *in)
{
	size_t n;

	return vp_san_text(s, in, strlen(in), &n);
}

static void sanitizer(void **state)
{
	struct vp_sanitizer *s = NULL;
	char *a, *b, *c, *d;

	assert_int_equal(vp_san_new(true, &s), 0);
	assert_int_equal(vp_san_add_hostname(s, "spruce.example.org"), 0);
	vp_san_learn_users(s, "render:x:108:alice\nbob:x:1001:\n", false);
	a = san(s, "Nov 21 09:14:33 spruce kernel: e1000e 0000:00:1f.6 eth0: "
		   "(PCI Express:2.5GT/s:Width x1) 9c:6b:00:12:34:56\n");
	assert_null(strstr(a, "spruce"));
	assert_null(strstr(a, "9c:6b:00:12:34:56"));
	assert_non_null(strstr(a, "0000:00:1f.6")); /* PCI addresses stay */
	b = san(s, "net0: virtio=9C:6B:00:12:34:56,bridge=vmbr0\nip 192.168.1.20 gw "
		   "192.168.1.1 lo 127.0.0.1 alice bob\n");
	/* the same MAC, the same replacement, whatever its case */
	assert_non_null(strstr(a, "02:00:00:00:00:01"));
	assert_non_null(strstr(b, "virtio=02:00:00:00:00:01"));
	assert_null(strstr(b, "192.168"));
	assert_non_null(strstr(b, "127.0.0.1"));
	assert_null(strstr(b, "alice"));
	assert_null(strstr(b, "bob"));
	c = san(s, "options vfio-pci ids=10de:2684,10de:22ba\nVersion: 8.3.0\n"
		   "Serial Number: ZX81ABC123\n");
	assert_non_null(strstr(c, "ids=10de:2684,10de:22ba"));
	assert_non_null(strstr(c, "Version: 8.3.0"));
	assert_null(strstr(c, "ZX81ABC123"));
	d = san(s, "inet6 2001:db8:1::42/64 and fe80::1 scope\n");
	assert_null(strstr(d, "2001:db8:1::42"));
	free(a);
	free(b);
	free(c);
	free(d);
	vp_san_free(s);

	/* "pve" is a word too: only the syslog host field */
	assert_int_equal(vp_san_new(true, &s), 0);
	vp_san_add_hostname(s, "pve");
	a = san(s, "2024-11-22T09:00:00.123+01:00 pve kernel: /etc/pve/qemu-server "
		   "pve-manager\n");
	assert_non_null(strstr(a, "/etc/pve/qemu-server pve-manager"));
	assert_true(startswith(strchr(a, ' ') + 1, "sanitized-host1 kernel"));
	free(a);
	vp_san_free(s);
}

static void ustar_headers(void **state)
{
	char h[512];
	unsigned sum = 0;
	char want[8];

	assert_int_equal(
		vp_ustar_header(h, "sys/bus/pci/devices/0000:01:00.0",
				"../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0",
				'2', 0777, 0, 0),
		0);
	assert_memory_equal(h + 257,
			    "ustar\0"
			    "00",
			    8);
	assert_int_equal(h[156], '2');
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
	snprintf(want, sizeof(want), "%06o", sum);
	assert_memory_equal(h + 148, want, 6);
	/* long names split into prefix and name */
	assert_int_equal(
		vp_ustar_header(h,
				"sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0/"
				"0000:02:01.0/0000:03:00.0/0000:04:01.0/0000:05:00.0/"
				"net/enp5s0/address",
				NULL, '0', 0444, 18, 0),
		0);
	assert_string_equal(h, "address");
	assert_string_equal(h + 345,
			    "sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0/"
			    "0000:02:01.0/0000:03:00.0/0000:04:01.0/0000:05:00.0/"
			    "net/enp5s0");
}

/* ls-iommu's table, ls-iommu -g lines, lspci -vmm records, pvesh's table and JSON. */
static void other_formats(void **state)
{
	/* https://github.com/uwzis/GPU-Passthrough-Manager/issues/21 */
	static const char lsiommu[] =
		"Group 15:\t[10de:21c4] [R] 09:00.0  VGA compatible controller                TU116 [GeForce GTX 1660 SUPER]\n"
		"\t\t[10de:1aeb]     09:00.1  Audio device                             TU116 High Definition Audio Controller\n";
	/* https://github.com/HikariKnight/quickpassthrough/issues/22 */
	static const char lsiommu_g[] =
		"IOMMU Group  12: 0000:01:00.0 USB controller [0c03] Advanced Micro Devices, Inc. [AMD] unknown [1022:43d0] (rev 01)\n";
	/* https://github.com/Ashark/davinci-resolve-checker/issues/4 */
	static const char vmm[] = "Slot:   00:01.3\n"
				  "Class:  PCI bridge [0604]\n"
				  "Vendor: Advanced Micro Devices, Inc. [AMD] [1022]\n"
				  "Device: Raven/Raven2 PCIe GPP Bridge [6:0] [15d3]\n"
				  "Driver: pcieport\n"
				  "IOMMUGroup:     1\n"
				  "\n"
				  "Slot:\t00:08.1\n"
				  "Class:\tPCI bridge\n"
				  "Vendor:\t1022\n"
				  "Device:\t15db\n";
	static const char pvesh[] =
		"\xe2\x94\x82 class    \xe2\x94\x82 device \xe2\x94\x82 id           \xe2\x94\x82 iommugroup \xe2\x94\x82 vendor \xe2\x94\x82\n"
		"\xe2\x94\x82 0x030000 \xe2\x94\x82 0x2206 \xe2\x94\x82 0000:01:00.0 \xe2\x94\x82         14 \xe2\x94\x82 0x10de \xe2\x94\x82\n";
	static const char pvesh_json[] =
		"[{\"class\":\"0x040300\",\"device\":\"0x1aef\",\"id\":\"0000:01:00.1\",\"iommugroup\":14,\"vendor\":\"0x10de\"}]\n";
	struct vp_import im = { 0 };
	struct vp_imp_dev *d;

	(void)state;
	assert_int_equal(vp_import_parse(&im, lsiommu), 0);
	assert_int_equal(im.ndevs, 2);
	d = dev_at(&im, 9, 0, 1);
	assert_non_null(d);
	assert_int_equal(d->group, 15);
	assert_true(d->has_class && d->class == 0x040300 && d->vendor == 0x10de);
	vp_import_free(&im);

	assert_int_equal(vp_import_parse(&im, lsiommu_g), 0);
	d = dev_at(&im, 1, 0, 0);
	assert_non_null(d);
	assert_true(d->group == 12 && d->class == 0x0c0300 && d->device == 0x43d0);
	vp_import_free(&im);

	assert_int_equal(vp_import_parse(&im, vmm), 0);
	assert_int_equal(im.ndevs, 2);
	d = dev_at(&im, 0, 1, 3);
	assert_true(d && d->group == 1 && d->class == 0x060400 && d->vendor == 0x1022 &&
		    d->device == 0x15d3 && d->driver && streq(d->driver, "pcieport"));
	d = dev_at(&im, 0, 8, 1);
	assert_true(d && d->group == -1 && d->class == 0x060400 && d->device == 0x15db);
	vp_import_free(&im);

	assert_int_equal(vp_import_parse(&im, pvesh), 0);
	d = dev_at(&im, 1, 0, 0);
	assert_true(d && d->group == 14 && d->class == 0x030000 && d->device == 0x2206);
	vp_import_free(&im);

	assert_int_equal(vp_import_parse(&im, pvesh_json), 0);
	d = dev_at(&im, 1, 0, 1);
	assert_true(d && d->group == 14 && d->class == 0x040300 && d->vendor == 0x10de);
	assert_int_equal(im.unread.n, 0);
	vp_import_free(&im);
}

/*
 * 100k lines, every one a new function: each was looked up by a linear scan
 * (16k lines 2 s, 100k lines 30 s). With the index the work per line is
 * constant; the bound is generous for a loaded machine and a sanitizer build.
 */
static void linear(void **state)
{
	size_t n = 100000, len = 0;
	char *text = malloc(n * 120);
	struct vp_import im = { 0 };
	struct timespec a, b;
	double secs;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(
			text + len,
			"IOMMU Group %zu %04zx:%02zx:%02zx.%zu VGA compatible "
			"controller [0300]: NVIDIA Device [10de:%04zx] (rev a1)\n",
			i, i >> 16, (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7, i & 0xffff);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(vp_import_parse(&im, text), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("# 100000 lines parsed in %.2f s\n", secs);
	assert_int_equal(im.ndevs, n);
	assert_true(secs < 8.0);
	vp_import_free(&im);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_decoration), cmocka_unit_test(group_headers),
		cmocka_unit_test(device_lines),	    cmocka_unit_test(detail_lines),
		cmocka_unit_test(find_links),	    cmocka_unit_test(whole_texts),
		cmocka_unit_test(sanitizer),	    cmocka_unit_test(ustar_headers),
		cmocka_unit_test(other_formats),    cmocka_unit_test(linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
