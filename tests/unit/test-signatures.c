// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Failure signatures: every row of quirks-and-signatures.md §5 recognised
 * from a real line (the knowledge file's string, or the corpus line), the
 * pattern matcher's edge cases, benign lines that must not match, the
 * tables' invariants and the symptom lookup.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kb/signatures.h"
#include "util.h"

/* Does some row with id @id match @line? Its match goes to *m. */
static bool line_has(const char *line, const char *id, struct vp_sig_match *m)
{
	const struct vp_sig *s;
	struct vp_sig_match local;

	for (size_t i = 0; (s = vp_sig_scan(line, &i, m ? m : &local)); i++)
		if (streq(s->id, id))
			return true;
	return false;
}

static size_t count_matches(const char *line)
{
	size_t n = 0;
	struct vp_sig_match m;

	for (size_t i = 0; vp_sig_scan(line, &i, &m); i++)
		n++;
	return n;
}

/* The capture of @kind, as a string in @buf, or NULL. */
static const char *cap(const struct vp_sig_match *m, enum vp_sig_cap_kind kind, char *buf,
		       size_t len)
{
	for (size_t i = 0; i < m->ncaps; i++) {
		if (m->caps[i].kind == kind && m->caps[i].len < len) {
			memcpy(buf, m->caps[i].at, m->caps[i].len);
			buf[m->caps[i].len] = '\0';
			return buf;
		}
	}
	return NULL;
}

/*
 * One real line per signature of §5 (several where the row lists several
 * messages): the knowledge file's string with its placeholders filled from
 * the cited occurrence, or the corpus line verbatim.
 */
static const struct {
	int row;
	const char *line;
	const char *id;
	const char *dev;   /* expected %bdf capture, or NULL */
	const char *group; /* expected %group capture, or NULL */
} kb5[] = {
	{ 1, "kvm: vfio: Cannot reset device 0000:00:1f.3, no available reset mechanism.",
	  "reset-no-mechanism", "0000:00:1f.3", NULL },
	{ 2,
	  "qemu-system-x86_64: vfio: Cannot reset device 0000:33:00.6, depends on group 16 "
	  "which is not owned.",
	  "reset-group-not-owned", "0000:33:00.6", "16" },
	{ 3,
	  "error writing '1' to '/sys/bus/pci/devices/0000:c6:00.0/reset': Inappropriate "
	  "ioctl for device",
	  "sysfs-reset-enotty", "0000:c6:00.0", NULL },
	{ 3,
	  "failed to reset PCI device '0000:c6:00.0', but trying to continue as not all "
	  "devices need a reset",
	  "sysfs-reset-enotty", "0000:c6:00.0", NULL },
	{ 4,
	  "kvm: ../hw/pci/pci.c:1487: pci_irq_handler: Assertion `0 <= irq_num && irq_num "
	  "< PCI_NUM_PINS' failed.",
	  "qemu-irq-assert", NULL, NULL },
	{ 4,
	  "kvm: ../hw/pci/pci.c:1815: pci_irq_handler: Assertion '0 <= irq_num && irq_num "
	  "< PCI_NUM_PINS' failed.",
	  "qemu-irq-assert", NULL, NULL },
	{ 4, "!!! Unknown header type 7f", "lspci-device-dead", NULL, NULL },
	{ 5, "TASK ERROR: start failed: QEMU exited with code 1", "qemu-exited", NULL,
	  NULL },
	{ 5, "TASK ERROR: no pci device info for device '0000:00:02.1'",
	  "pve-no-pci-device-info", "0000:00:02.1", NULL },
	{ 6,
	  "error: internal error: qemu unexpectedly closed the monitor: "
	  "2022-07-02T19:41:18.784519Z qemu-system-x86_64: -device "
	  "{\"driver\":\"vfio-pci\",\"host\":\"0000:09:00.0\",\"id\":\"hostdev0\",\"bus\":"
	  "\"pci.1\",\"addr\":\"0x0\",\"romfile\":\"/usr/share/vgabios/gpu.rom\"}: vfio "
	  "0000:09:00.0: group 2 is not viable",
	  "group-not-viable", "0000:09:00.0", "2" },
	{ 6,
	  "Please ensure all devices within the iommu_group are bound to their vfio bus dri",
	  "group-not-viable", NULL, NULL },
	{ 7,
	  "qemu unexpectedly closed the monitor: 2020-09-24T04:35:09.453740Z "
	  "qemu-system-x86_64: -device "
	  "vfio-pci,id=hostdev0,sysfsdev=/sys/bus/mdev/devices/"
	  "34658867-146a-4656-9fa5-890fdbc37010,display=on,bus=pcie.0,addr=0x9: vfio "
	  "34658867-146a-4656-9fa5-890fdbc37010: failed to setup container for group 11: "
	  "Failed to set iommu for container: Input/output error",
	  "container-iommu-failed", NULL, "11" },
	{ 7,
	  "vfio 0000:00:02.0: failed to setup container for group 1: Failed to set iommu for "
	  "container: Operation not permitted",
	  "container-iommu-failed", "0000:00:02.0", "1" },
	{ 8,
	  "vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module "
	  "param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform",
	  "no-interrupt-remapping", NULL, NULL },
	{ 9,
	  "Jan 09 10:03:12.035211 hp-129-tink-system kernel: vfio-pci 0000:04:00.1: DMAR: "
	  "Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  "
	  "Contact your platform vendor.",
	  "rmrr-ineligible", "0000:04:00.1", NULL },
	{ 9,
	  "[    0.050195] DMAR: Intel-IOMMU: assuming all RMRRs are relaxable. This can lead "
	  "to instability or data loss",
	  "rmrr-relaxed", NULL, NULL },
	{ 10,
	  "[   46.010697] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr "
	  "0x4f600000 [fault reason 0x06] PTE Read access is not set",
	  "dmar-fault", "00:02.0", NULL },
	{ 10,
	  "[  144.480641] DMAR: [DMA Read] Request device [00:02.0] PASID ffffffff fault addr "
	  "9c000000 [fault reason 06] PTE Read access is not set",
	  "dmar-fault", "00:02.0", NULL },
	{ 10, "[  139.513963] DMAR: DRHD: handling fault status reg 3", "dmar-fault",
	  NULL, NULL },
	{ 11, "AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x… address=0x… flags=0x…]",
	  "amd-vi-io-page-fault", NULL, NULL },
	{ 12, "AMD-Vi: Completion-Wait loop timed out", "amd-vi-completion-wait", NULL,
	  NULL },
	{ 12, "iommu ivhd0: AMD-Vi: Event logged [IOTLB_INV_TIMEOUT device=…]",
	  "amd-vi-completion-wait", NULL, NULL },
	{ 13,
	  "[   87.473074] NVRM: GPU 0000:01:00.0: RmInitAdapter failed! (0x22:0x56:667)",
	  "nvrm-rminitadapter", "0000:01:00.0", NULL },
	{ 13,
	  "[   87.473112] NVRM: GPU 0000:01:00.0: rm_init_adapter failed, device minor "
	  "number 0",
	  "nvrm-rminitadapter", "0000:01:00.0", NULL },
	{ 14,
	  "[   87.412701] nvidia 0000:01:00.0: not ready 65535ms after resume; giving up",
	  "device-not-ready", "0000:01:00.0", NULL },
	{ 14, "i915 0000:00:02.0: not ready 1023ms after FLR; waiting",
	  "device-not-ready", "0000:00:02.0", NULL },
	{ 14,
	  "[   87.412759] nvidia 0000:01:00.0: Unable to change power state from D3cold to "
	  "D0, device inaccessible",
	  "device-not-ready", "0000:01:00.0", NULL },
	{ 15, "vfio: Unable to power on device, stuck in D3", "vfio-stuck-d3", NULL,
	  NULL },
	{ 16, "vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0x…-0x… 64bit pref]",
	  "bar-cannot-reserve", "0000:01:00.0", NULL },
	{ 17, "pci 0000:01:00.0: BAR 0: assigned to efifb", "bar-assigned-efifb",
	  "0000:01:00.0", NULL },
	{ 18, "Could not mmap sparse area ... Device or resource busy (os error 16)",
	  "device-busy", NULL, NULL },
	{ 18, "vfio 0000:01:00.0: failed to open /dev/vfio/1: Device or resource busy",
	  "device-busy", NULL, "1" },
	{ 18, "[Errno 16] Device or resource busy", "device-busy", NULL, NULL },
	{ 19, "vfio 0000:01:00.0: failed to open /dev/vfio/1: No such file or directory",
	  "vfio-group-missing", "0000:01:00.0", "1" },
	{ 19, "vfio 0000:01:00.0: no iommu_group found: No such file or directory",
	  "vfio-group-missing", "0000:01:00.0", NULL },
	{ 20,
	  "unsupported configuration: host doesn't support passthrough of host PCI devices",
	  "libvirt-no-iommu", NULL, NULL },
	{ 21,
	  "No IOMMU detected, please activate it.See Documentation for further information.",
	  "pve-no-iommu", NULL, NULL },
	{ 22,
	  "[   26.895721] vfio-pci 0001:01:00.0: probe with driver vfio-pci failed with error "
	  "-22",
	  "vfio-probe-einval", "0001:01:00.0", NULL },
	{ 22, "vfio-pci: probe of 0000:01:00.0 failed with error -22",
	  "vfio-probe-einval", "0000:01:00.0", NULL },
	{ 23, "vfio 0000:01:00.1: group 1 used in multiple address spaces",
	  "group-multiple-address-spaces", "0000:01:00.1", "1" },
	{ 24, "vfio: Device does not support requested feature x-vga",
	  "x-vga-unsupported", NULL, NULL },
	{ 25, "Invalid PCI ROM header signature: expecting 0xaa55, got 0xffff",
	  "rom-bad-signature", NULL, NULL },
	{ 25, "Invalid PCI ROM header signature: expecting 0xaa55, got 0x0000",
	  "rom-bad-signature", NULL, NULL },
	{ 26,
	  "[  689.396614] vfio-pci 0000:0f:00.0: Unsupported reset method 'device_specific'",
	  "reset-method-unsupported", "0000:0f:00.0", NULL },
	{ 27,
	  "Firmware has requested this device have a 1:1 IOMMU mapping, rejecting "
	  "configuring the device without a 1:1 mapping. Contact your platform vendor.",
	  "firmware-identity-map", NULL, NULL },
	{ 28,
	  "Windows has stopped this device because it has reported problems. (Code 43)",
	  "code43-nvidia", NULL, NULL },
	{ 28,
	  "Windows has stopped this device because it has reported problems. (Code 43)",
	  "code43-intel-arc", NULL, NULL },
	{ 28,
	  "Windows has stopped this device because it has reported problems. (Code 43)",
	  "code43-amd-apu", NULL, NULL },
	{ 28,
	  "Windows has stopped this device because it has reported problems. (Code 43)",
	  "code43-intel-vf", NULL, NULL },
	{ 29,
	  "[    0.000000] Warning: PCIe ACS overrides enabled; This may allow non-IOMMU "
	  "protected peer-to-peer DMA",
	  "acs-override-active", NULL, NULL },
	{ 30, "Intel PCH root port ACS workaround enabled", "intel-pch-acs-quirk", NULL,
	  NULL },
	{ 30, "Intel SPT PCH root port ACS workaround enabled", "intel-pch-acs-quirk",
	  NULL, NULL },
	{ 30, "Failed to enable Intel PCH ACS quirk", "intel-pch-acs-quirk-failed", NULL,
	  NULL },
	{ 31, "pci 0000:01:00.0: Enabling HDA controller", "nvidia-hda-enabled",
	  "0000:01:00.0", NULL },
	{ 32,
	  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver",
	  "nvidia-smi-no-devices", NULL, NULL },
	{ 32, "No devices were found", "nvidia-smi-no-devices", NULL, NULL },
	{ 33, "GPU has fallen off the bus", "gpu-fallen-off-bus", NULL, NULL },
	{ 33, "xen_pt_check_bar_overlap", "gpu-fallen-off-bus", NULL, NULL },
	{ 34, "host doesn't support requested feature: CPUID...", "cpuid-feature-warning",
	  NULL, NULL },
};

static void every_kb_row(void **state)
{
	(void)state;
	for (int row = 1; row <= 34; row++) {
		bool in_table = false, tested = false;

		for (size_t i = 0; i < vp_sig_count(); i++)
			in_table |= vp_sig_at(i)->kb_row == row;
		for (size_t i = 0; i < ARRAY_SIZE(kb5); i++)
			tested |= kb5[i].row == row;
		if (!in_table || !tested)
			fail_msg("§5 row %d: %s", row,
				 in_table ? "no real line tested" : "no signature");
	}
}

static void kb_rows_recognised(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kb5); i++) {
		struct vp_sig_match m;
		char buf[64];
		const char *got;

		if (!line_has(kb5[i].line, kb5[i].id, &m))
			fail_msg("§5 #%d: %s not recognised in: %s", kb5[i].row,
				 kb5[i].id, kb5[i].line);
		if (vp_sig_find(kb5[i].id)->kb_row != kb5[i].row)
			fail_msg("%s: kb_row %d, expected %d", kb5[i].id,
				 vp_sig_find(kb5[i].id)->kb_row, kb5[i].row);
		got = cap(&m, VP_CAP_BDF, buf, sizeof(buf));
		if (kb5[i].dev && (!got || !streq(got, kb5[i].dev)))
			fail_msg("%s: device %s, expected %s", kb5[i].id,
				 got ? got : "none", kb5[i].dev);
		got = cap(&m, VP_CAP_GROUP, buf, sizeof(buf));
		if (kb5[i].group && (!got || !streq(got, kb5[i].group)))
			fail_msg("%s: group %s, expected %s", kb5[i].id,
				 got ? got : "none", kb5[i].group);
	}
}

/* Lines from healthy hosts and ordinary output: none may match anything. */
static void benign_lines(void **state)
{
	static const char *const lines[] = {
		"[    0.054043] DMAR: IOMMU enabled",
		"[    0.145258] DMAR-IR: IOAPIC id 2 under DRHD base  0xfed91000 IOMMU 1",
		"[    0.403235] pci 0000:00:02.0: DMAR: Skip IOMMU disabling for graphics",
		"[    0.440538] iommu: Default domain type: Translated",
		"[    0.483908] DMAR: IOMMU feature fl1gp_support inconsistent",
		"[    0.484136] pci 0000:00:02.0: Adding to iommu group 0",
		"[    0.604989] iommu: Adding device 0000:01:00.0 to group 12",
		"[    0.034836] DMAR-IR: IOAPIC id 2 under DRHD base  0xfed90000 IOMMU 0",
		"DMAR-IR: Enabled IRQ remapping in x2apic mode",
		"AMD-Vi: Interrupt remapping enabled",
		"pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40",
		"[   26.863805] VFIO - User Level meta-driver version: 0.3",
		"[   26.871532] vfio-pci 0001:01:00.0: vgaarb: VGA decodes changed: "
		"olddecodes=io+mem,decodes=none:owns=none",
		"[   26.895734] vfio_pci: add [10de:1c82[ffffffff:ffffffff]] class "
		"0x000000/00000000",
		"[   16.237211] i915 0000:00:02.0: Running in SR-IOV PF mode",
		"[   16.329383] i915 0000:00:02.0: [drm] VT-d active for gfx access",
		"vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)",
		"pci 0000:01:00.0: BAR 0: assigned [mem 0xf6000000-0xf6ffffff]",
		"pci 0000:01:00.0: vgaarb: setting as boot VGA device",
		"01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP106 [GeForce GTX "
		"1060 6GB] [10de:1c03] (rev a1)",
		"\tKernel driver in use: vfio-pci",
		"\tCapabilities: [100 v1] Access Control Services",
		"\t\tStatus: D0 NoSoftRst+ PME-Enable- DSel=0 DScale=0 PME-",
		"root@prox:~# qm start 110",
		"GUEST HOOK: 103 pre-start",
		"103 is starting, doing preparations.",
		"TASK OK",
		"| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4 |",
		"This device is working properly.",
		"Windows has stopped this device because it has reported problems. (Code 430)",
		"vfio: Cannot reset device 0000:01:00.0, depends on group ab which is not owned.",
		"",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		const struct vp_sig *s;
		struct vp_sig_match m;
		size_t j = 0;

		s = vp_sig_scan(lines[i], &j, &m);
		if (s)
			fail_msg("benign line matched %s: %s", s->id, lines[i]);
	}
}

static void match_ok(const char *pattern, const char *line)
{
	int r = vp_sig_match(pattern, line, NULL);

	if (r != 1)
		fail_msg("'%s' should match '%s' (got %d)", pattern, line, r);
}

static void match_no(const char *pattern, const char *line)
{
	int r = vp_sig_match(pattern, line, NULL);

	if (r != 0)
		fail_msg("'%s' should not match '%s' (got %d)", pattern, line, r);
}

static void matcher_bdf(void **state)
{
	struct vp_sig_match m;
	char buf[32];

	(void)state;
	assert_int_equal(vp_sig_match("dev %bdf:", "x dev 0000:01:00.0: y", &m), 1);
	assert_string_equal(cap(&m, VP_CAP_BDF, buf, sizeof(buf)), "0000:01:00.0");
	assert_int_equal(m.start, 2);
	assert_int_equal(m.end, 19);
	/* Without a domain, with an 8-digit domain, hex bus. */
	assert_int_equal(vp_sig_match("[%bdf]", "device [00:02.0] fault", &m), 1);
	assert_string_equal(cap(&m, VP_CAP_BDF, buf, sizeof(buf)), "00:02.0");
	assert_int_equal(vp_sig_match("%bdf: x", "10000000:c6:1f.7: x", &m), 1);
	assert_string_equal(cap(&m, VP_CAP_BDF, buf, sizeof(buf)), "10000000:c6:1f.7");
	/* A pattern-leading address takes the whole domain, not a tail of it. */
	assert_int_equal(vp_sig_match("%bdf: x", "pci 0001:01:00.0: x", &m), 1);
	assert_string_equal(cap(&m, VP_CAP_BDF, buf, sizeof(buf)), "0001:01:00.0");
	/* Device above 1f, function above 7, trailing digit, missing parts. */
	match_no("%bdf", "00:20.0");
	match_no("%bdf", "00:02.8");
	match_no("%bdf:", "00:02.01:");
	match_no("%bdf", "0:02.0");
	match_no("%bdf", "00:2.0");
	match_no("%bdf", "00-02.0");
	/* Not inside a word: "ab01:00.0" is no address. */
	match_no("%bdf: foo", "ab01:00.0: foo");
	/* A timestamp is not an address. */
	match_no("%bdf", "Jan 09 10:03:12.035211 host");
}

static void matcher_numbers(void **state)
{
	struct vp_sig_match m;
	char buf[32];

	(void)state;
	assert_int_equal(vp_sig_match("group %group is", "group 12 is", &m), 1);
	assert_string_equal(cap(&m, VP_CAP_GROUP, buf, sizeof(buf)), "12");
	match_no("group %group is", "group 1a is");
	match_no("group %group is", "group  is");
	match_no("group %group is", "group -1 is");
	/* A number that ends the pattern ends a word. */
	match_ok("code %n", "code 1.");
	match_ok("code %n", "code 1");
	match_no("code %n", "code 1x");
	match_no("%n", "abc");
	/* Hex with and without 0x; 0x alone is not a number. */
	match_ok("got 0x%x", "got 0xffff");
	match_ok("got %x", "got 0xFFFF");
	match_ok("got %x", "got 9c000000");
	match_no("got 0x%x", "got 0x");
	match_no("got %x", "got zz");
	assert_int_equal(vp_sig_match("(%x:%x:%n)", "failed! (0x22:0x56:667)", &m), 1);
	assert_int_equal(m.ncaps, 3);
	assert_int_equal(m.caps[0].kind, VP_CAP_HEX);
	assert_int_equal(m.caps[2].kind, VP_CAP_NUM);
	assert_string_equal(cap(&m, VP_CAP_NUM, buf, sizeof(buf)), "667");
}

static void matcher_wildcards(void **state)
{
	struct vp_sig_match m;
	char buf[32];

	(void)state;
	/* %w backs off until the rest matches. */
	assert_int_equal(vp_sig_match("method '%w' x", "method 'flr' x", &m), 1);
	assert_string_equal(cap(&m, VP_CAP_WORD, buf, sizeof(buf)), "flr");
	match_no("method '%w'", "method ''");
	match_no("a %w b", "a  b");
	/* %* may be empty, and may span anything. */
	match_ok("ab%*cd", "abcd");
	match_ok("ab%*cd", "ab xx cd");
	match_no("ab%*cd", "ab xx c");
	match_ok("%*x", "x");
	/* The first match is the leftmost. */
	assert_int_equal(vp_sig_match("b%*c", "aab1c b2c", &m), 1);
	assert_int_equal(m.start, 2);
	assert_int_equal(m.end, 5);
	/* An address after %* is whole, not the tail of a longer one. */
	assert_int_equal(vp_sig_match("to '%*%bdf/reset'",
				      "to '/sys/bus/pci/devices/0000:c6:00.0/reset'", &m),
			 1);
	assert_string_equal(cap(&m, VP_CAP_BDF, buf, sizeof(buf)), "0000:c6:00.0");
}

static void matcher_literals(void **state)
{
	char line[20000];

	(void)state;
	match_ok("100%% done", "100% done");
	match_no("100%% done", "100 done");
	/* Case and spacing count. */
	match_no("Cannot reset device", "cannot reset device");
	match_no("a b", "a  b");
	match_ok("x", "x");
	match_no("xy", "x");
	match_no("abc", "");
	/* Bytes above 0x7f are compared like any other. */
	match_ok("0x…-", "mem 0x…-0x…");
	/* Malformed patterns. */
	assert_int_equal(vp_sig_match("%q", "%q", NULL), -EINVAL);
	assert_int_equal(vp_sig_match("abc%", "abc%", NULL), -EINVAL);
	assert_int_equal(vp_sig_match("%b", "x", NULL), -EINVAL);
	assert_int_equal(vp_sig_match("", "x", NULL), -EINVAL);
	assert_int_equal(vp_sig_pattern_check("%n %n %n %n %n %n %n %n"), 0);
	assert_int_equal(vp_sig_pattern_check("%n %n %n %n %n %n %n %n %n"), -EINVAL);
	assert_int_equal(vp_sig_pattern_check("%*%*%*"), 0);
	/* A long line without the pattern's text, and with it at the very end. */
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	match_no("pci_irq_handler: Assertion %*PCI_NUM_PINS' failed", line);
	match_no("%bdf: not ready %nms after resume;", line);
	memcpy(line + sizeof(line) - 9, " 00:00.0", 8);
	match_ok("%bdf", line);
}

static bool is_kebab(const char *s)
{
	if (!s || !*s || !islower((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      *s == '-'))
			return false;
	return s[-1] != '-';
}

static size_t wildcards(const char *p)
{
	size_t n = 0;

	for (; *p; p++) {
		if (p[0] == '%' && p[1] == '%')
			p++;
		else if (p[0] == '%' && (p[1] == '*' || p[1] == 'w'))
			n++;
	}
	return n;
}

static void sig_invariants(void **state)
{
	(void)state;
	assert_true(vp_sig_count() >= 34);
	assert_null(vp_sig_at(vp_sig_count()));
	for (size_t i = 0; i < vp_sig_count(); i++) {
		const struct vp_sig *s = vp_sig_at(i);
		bool own = false;

		if (!is_kebab(s->id))
			fail_msg("row %zu: id '%s' is not lower-case-kebab", i, s->id);
		for (size_t j = 0; j < i; j++)
			if (streq(vp_sig_at(j)->id, s->id))
				fail_msg("id %s twice", s->id);
		if (!s->title || !*s->title || !s->cause || !*s->cause || !s->fix ||
		    !*s->fix || !s->example || !*s->example || !s->source || !*s->source)
			fail_msg("%s: title, cause, fix, example or source missing",
				 s->id);
		if (!s->where || s->where >= 1u << VP_SIG_WHERE_COUNT)
			fail_msg("%s: where 0x%x", s->id, s->where);
		if (s->kb_row < 0 || s->kb_row > 34)
			fail_msg("%s: kb_row %d", s->id, s->kb_row);
		if (s->gpu != VP_SIG_GPU_ANY && !s->vendor)
			fail_msg("%s: a GPU kind without a vendor", s->id);
		if (vp_sig_find(s->id) != s)
			fail_msg("%s: lookup", s->id);
		if (!s->patterns || !s->patterns[0])
			fail_msg("%s: no pattern", s->id);
		for (const char *const *p = s->patterns; *p; p++) {
			if (vp_sig_pattern_check(*p) < 0)
				fail_msg("%s: malformed pattern '%s'", s->id, *p);
			if (strstr(*p, "  "))
				fail_msg(
					"%s: '%s' has a double space (pasted logs lose them)",
					s->id, *p);
			if (wildcards(*p) > 2)
				fail_msg("%s: '%s' has more than two %%* or %%w", s->id,
					 *p);
			own |= vp_sig_match(*p, s->example, NULL) == 1;
		}
		if (!own)
			fail_msg("%s: its own example does not match: %s", s->id,
				 s->example);
		/* Public sources only: no internal notes or section numbers. */
		if (strstr(s->source, "\xc2\xa7") || strstr(s->source, ".md") ||
		    strstr(s->source, "seed ") || strstr(s->source, "knowledge") ||
		    strstr(s->source, "corpus") || strstr(s->cause, "\xc2\xa7") ||
		    strstr(s->fix, "\xc2\xa7"))
			fail_msg("%s: cites an internal note: %s", s->id, s->source);
	}
	for (size_t i = 0; i < VP_SIG_WHERE_COUNT; i++)
		assert_non_null(vp_sig_where_name((unsigned int)i));
	assert_null(vp_sig_where_name(VP_SIG_WHERE_COUNT));
	assert_string_equal(vp_sig_severity_name(VP_SIG_ERROR), "error");
	assert_string_equal(vp_sig_severity_name(VP_SIG_WARNING), "warning");
	assert_string_equal(vp_sig_severity_name(VP_SIG_INFO), "info");
	assert_null(vp_sig_find("no-such-signature"));
}

/* The seeds' claims as seed-corrections.md corrected them. */
static void corrections_applied(void **state)
{
	const struct vp_sig *nv = vp_sig_find("code43-nvidia");
	const struct vp_sig *arc = vp_sig_find("code43-intel-arc");
	const struct vp_sig *rm = vp_sig_find("nvrm-rminitadapter");
	const struct vp_sig *smi = vp_sig_find("nvidia-smi-no-devices");

	(void)state;
	assert_non_null(strstr(nv->cause, "older than R465"));
	assert_int_equal(nv->vendor, 0x10de);
	assert_non_null(strstr(arc->fix, "-hypervisor"));
	assert_int_equal(arc->vendor, 0x8086);
	assert_int_equal(arc->gpu, VP_SIG_GPU_DISCRETE);
	assert_int_equal(vp_sig_find("code43-amd-apu")->gpu, VP_SIG_GPU_INTEGRATED);
	assert_non_null(strstr(rm->fix, "Ada does not need it"));
	assert_null(strstr(smi->cause, "Ada"));
	assert_non_null(strstr(smi->cause, "older than R465"));
	/* Every Code 43 row reads the same line. */
	assert_int_equal(count_matches("Windows has stopped this device because it has "
				       "reported problems. (Code 43)"),
			 4);
}

static bool is_normalized(const char *s)
{
	if (!s || !*s || *s == ' ')
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      (*s == ' ' && s[1] && s[1] != ' ')))
			return false;
	return true;
}

static void symptom_invariants(void **state)
{
	static const char *const required[] = {
		"black-screen",		"code-43",
		"host-freeze-on-stop",	"vm-wont-start",
		"gpu-missing-in-guest", "nvidia-smi-no-devices",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		bool found = false;

		for (size_t j = 0; j < vp_symptom_count(); j++)
			found |= streq(vp_symptom_at(j)->id, required[i]);
		if (!found)
			fail_msg("symptom %s missing", required[i]);
	}
	assert_null(vp_symptom_at(vp_symptom_count()));
	for (size_t i = 0; i < vp_symptom_count(); i++) {
		const struct vp_symptom *sy = vp_symptom_at(i);

		if (!is_kebab(sy->id) || !sy->title || !*sy->title || !sy->ncauses)
			fail_msg("symptom %zu: id, title or causes", i);
		for (size_t j = 0; j < i; j++)
			if (streq(vp_symptom_at(j)->id, sy->id))
				fail_msg("symptom %s twice", sy->id);
		for (const char *const *a = sy->aliases; a && *a; a++)
			if (!is_normalized(*a))
				fail_msg("%s: alias '%s' is not lower case words", sy->id,
					 *a);
		for (size_t c = 0; c < sy->ncauses; c++) {
			const struct vp_symptom_cause *x = &sy->causes[c];

			if (!x->cause || !*x->cause || !x->check || !*x->check ||
			    !x->fix || !*x->fix || !x->source || !*x->source)
				fail_msg("%s cause %zu: a field is missing", sy->id, c);
			for (const char *const *s = x->signatures; s && *s; s++)
				if (!vp_sig_find(*s))
					fail_msg("%s cause %zu: unknown signature %s",
						 sy->id, c, *s);
		}
	}
}

static void symptom_lookup(void **state)
{
	static const struct {
		const char *text, *id;
	} cases[] = {
		{ "black screen", "black-screen" },
		{ "Black Screen after VM Boot", "black-screen" },
		{ "code 43", "code-43" },
		{ "Error 43 in device manager", "code-43" },
		{ "code-43", "code-43" },
		{ "host freezes when the VM stops", "host-freeze-on-stop" },
		{ "VM won't start", "vm-wont-start" },
		{ "TASK ERROR: start failed", "vm-wont-start" },
		{ "GPU missing in the guest", "gpu-missing-in-guest" },
		{ "nvidia-smi \"No devices were found\"", "nvidia-smi-no-devices" },
		{ "NO DEVICES FOUND", "nvidia-smi-no-devices" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct vp_symptom *sy = vp_symptom_find(cases[i].text);

		if (!sy || !streq(sy->id, cases[i].id))
			fail_msg("'%s' gave %s, expected %s", cases[i].text,
				 sy ? sy->id : "nothing", cases[i].id);
	}
	assert_null(vp_symptom_find("purple elephants"));
	assert_null(vp_symptom_find(""));
	assert_null(vp_symptom_find(NULL));
	/* Whole words only: "hangs" is not in "changes". */
	assert_null(vp_symptom_find("changes"));
}

/*
 * Pinning guest memory: each message names its own row, and the same QEMU
 * line with -22 (an IOVA the host IOMMU cannot map, not a memory limit) and
 * the ulimit listing beside a paste name none.
 */
static void memlock_rows(void **state)
{
	static const struct {
		const char *line, *id;
	} cases[] = {
		{ "kvm: VFIO_MAP_DMA failed: Cannot allocate memory",
		  "vfio-dma-map-enomem" },
		{ "vfio 0000:xx:00.0: failed to setup container for group N: memory listener "
		  "initialization failed: Region ram-node0: vfio_container_dma_map(0x5, 0x100000000, "
		  "0x1000, 0x7f00) = -12 (Cannot allocate memory)",
		  "vfio-dma-map-enomem" },
		{ "[  +0.001779] vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded",
		  "vfio-memlock-exceeded" },
		{ "Jul 28 16:14:53 s510u kernel: vfio_pin_page_external: Task qemu-system-x86 "
		  "(575712) RLIMIT_MEMLOCK (1048576) exceeded",
		  "vfio-memlock-exceeded" },
		{ "internal error: Process exited prior to exec: libvirt: error : cannot limit "
		  "locked memory of process 111 to 9007199254740991: Operation not permitted",
		  "libvirt-memlock-denied" },
		{ "Jun 04 07:27:56 pve1 QEMU[3989106]: kvm: vfio_dma_map(0x5e043daea2f0, "
		  "0x380010000000, 0x2000000, 0x771a6ce00000) = -22 (Invalid argument)",
		  NULL },
		{ "Jun 04 07:27:56 pve1 QEMU[3989106]: kvm: VFIO_MAP_DMA failed: Invalid argument",
		  NULL },
		{ "max locked memory       (kbytes, -l) 64", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vp_sig_match m;
		size_t at = 0;
		const struct vp_sig *sig = vp_sig_scan(cases[i].line, &at, &m);

		if (!cases[i].id && sig)
			fail_msg("'%s' named %s", cases[i].line, sig->id);
		if (cases[i].id && (!sig || !streq(sig->id, cases[i].id)))
			fail_msg("'%s' gave %s, expected %s", cases[i].line,
				 sig ? sig->id : "nothing", cases[i].id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kb_row),
		cmocka_unit_test(kb_rows_recognised),
		cmocka_unit_test(benign_lines),
		cmocka_unit_test(matcher_bdf),
		cmocka_unit_test(matcher_numbers),
		cmocka_unit_test(matcher_wildcards),
		cmocka_unit_test(matcher_literals),
		cmocka_unit_test(sig_invariants),
		cmocka_unit_test(corrections_applied),
		cmocka_unit_test(symptom_invariants),
		cmocka_unit_test(symptom_lookup),
		cmocka_unit_test(memlock_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
