// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * paste.c's facts and findings: the kernel release a line shows, the ids
 * vfio-pci is asked for, and the findings judged from them, on lines quoted
 * from tests/realworld/ (each names its file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snap/paste.h"
#include "util.h"

static void kver(void **state)
{
	static const struct {
		const char *line, *want;
	} t[] = {
		/* dmesg--pve-n305-...: the boot's command line */
		{ "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.8.12-2-pve "
		  "root=/dev/mapper/pve-root ro quiet intel_iommu=on",
		  "6.8.12-2-pve" },
		/* dmesg--pve-65-i915-...: proxmox-boot-tool's systemd-boot entry */
		{ "Command line: initrd=\\EFI\\proxmox\\6.5.13-6-pve\\initrd.img-6.5.13-6-pve "
		  "root=ZFS=rpool/ROOT/pve-1 boot=zfs",
		  "6.5.13-6-pve" },
		/* init/version.c linux_banner */
		{ "[    0.000000] Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian "
		  "12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4",
		  "6.8.12-4-pve" },
		{ "Linux pve 6.14.11-1-pve #1 SMP PREEMPT_DYNAMIC PMX x86_64 GNU/Linux",
		  "6.14.11-1-pve" },
		{ "initrd.img-5.10.0-13-amd64", "5.10.0-13-amd64" },
		/* no release */
		{ "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"", NULL },
		{ "Linux version x.y", NULL },
		{ "vmlinuz-", NULL },
		{ "Linux is great #1", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		_cleanup_free_ char *got = vp_paste_kver(t[i].line);

		if (!t[i].want && got)
			fail_msg("'%s': got '%s', wanted none", t[i].line, got);
		if (t[i].want && (!got || strcmp(got, t[i].want)))
			fail_msg("'%s': got '%s', wanted '%s'", t[i].line,
				 got ? got : "(none)", t[i].want);
	}
}

static void ids(void **state)
{
	struct vp_paste p = { 0 };

	(void)state;
	/* heldout--cloud-hypervisor-4353-...: vfio-pci.ids=10de:1af1,10de:20b0 */
	assert_int_equal(vp_paste_add_ids(&p, "10de:1af1,10de:20b0", 6), 0);
	/* the full form vendor:device:subvendor:subdevice:class:mask, and junk */
	assert_int_equal(vp_paste_add_ids(&p,
					  "1002:73BF:ffffffff:ffffffff:030000:ffff00,"
					  "zz:1,10de,10de:1af1,8086:56a0\"",
					  9),
			 0);
	assert_int_equal(p.nids, 4);
	assert_int_equal(vp_paste_wants_vfio(&p, 0x10de, 0x1af1),
			 6); /* first line kept */
	assert_int_equal(vp_paste_wants_vfio(&p, 0x10de, 0x20b0), 6);
	assert_int_equal(vp_paste_wants_vfio(&p, 0x1002, 0x73bf), 9);
	assert_int_equal(vp_paste_wants_vfio(&p, 0x8086, 0x56a0), 9);
	assert_int_equal(vp_paste_wants_vfio(&p, 0x10de, 0x2206), 0);
	/* a value ends at a blank: the next parameter is not an id */
	assert_int_equal(vp_paste_add_ids(&p, "10de:2504 10de:228e", 3), 0);
	assert_int_equal(vp_paste_wants_vfio(&p, 0x10de, 0x2504), 3);
	assert_int_equal(vp_paste_wants_vfio(&p, 0x10de, 0x228e), 0);
	vp_paste_free(&p);
}

static const struct vp_paste_finding *find(const struct vp_paste *p, const char *id)
{
	for (size_t i = 0; i < p->nfindings; i++)
		if (strcmp(p->findings[i].id, id) == 0)
			return &p->findings[i];
	return NULL;
}

/* lspci--gigabyte-rtx3080-still-nvidia-not-vfio-flattened-indent.txt, verbatim */
#define RTX3080                                                                            \
	"3e:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX " \
	"3080] [10de:2206] (rev a1)\n"                                                     \
	"Subsystem: Gigabyte Technology Co., Ltd Device [1458:404b]\n"                     \
	"Kernel driver in use: nvidia\n"                                                   \
	"Kernel modules: nouveau, nvidia_drm, nvidia\n"                                    \
	"3e:00.1 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio "     \
	"Controller [10de:1aef] (rev a1)\n"                                                \
	"Subsystem: Gigabyte Technology Co., Ltd Device [1458:404b]\n"                     \
	"Kernel driver in use: snd_hda_intel\n"                                            \
	"Kernel modules: snd_hda_intel\n"

static void asked_for_vfio(void **state)
{
	struct vp_paste p;
	const struct vp_paste_finding *f;

	(void)state;
	/* the listing alone: on host drivers, and the paste cannot say whether
	 * vfio-pci was asked for: the commands that settle it */
	assert_int_equal(vp_paste_parse(&p, RTX3080), 0);
	assert_non_null(find(&p, "gpu-host-driver"));
	assert_null(find(&p, "vfio-ids-not-bound"));
	f = find(&p, "cmdline-not-shown");
	assert_non_null(f);
	assert_string_equal(f->settle, "cat /proc/cmdline");
	assert_int_equal(f->line, 1);
	f = find(&p, "modprobe-not-shown");
	assert_non_null(f);
	assert_string_equal(f->settle, "cat /etc/modprobe.d/*.conf");
	vp_paste_free(&p);

	/* with the ids for the GPU only, in modprobe.d */
	assert_int_equal(vp_paste_parse(&p, RTX3080 "options vfio-pci ids=10de:2206\n"),
			 0);
	assert_int_equal(p.nids, 1);
	f = find(&p, "vfio-ids-not-bound");
	assert_non_null(f);
	assert_int_equal(f->severity, VP_SIG_ERROR);
	assert_int_equal(f->line, 1);
	assert_non_null(strstr(f->title, "[10de:2206] is on nvidia although line 9"));
	assert_non_null(strstr(f->fix, "softdep nvidia pre: vfio-pci"));
	f = find(&p, "vfio-ids-function-left-out");
	assert_non_null(f);
	assert_int_equal(f->line, 5);
	assert_non_null(strstr(f->fix, "Add 10de:1aef"));
	assert_non_null(strstr(f->fix, "update-initramfs"));
	assert_null(find(&p, "gpu-host-driver"));
	assert_null(find(&p, "cmdline-not-shown"));
	assert_null(find(&p, "modprobe-not-shown"));
	vp_paste_free(&p);

	/* both ids on the command line: two functions not bound */
	assert_int_equal(vp_paste_parse(&p,
					RTX3080 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
						"vfio_pci.ids=10de:2206,10de:1aef\"\n"),
			 0);
	assert_int_equal(p.nids, 2);
	assert_null(find(&p, "vfio-ids-function-left-out"));
	assert_int_equal(p.findings[0].severity, VP_SIG_ERROR);
	{
		size_t n = 0;

		for (size_t i = 0; i < p.nfindings; i++)
			n += strcmp(p.findings[i].id, "vfio-ids-not-bound") == 0;
		assert_int_equal(n, 2);
	}
	vp_paste_free(&p);
}

static void framebuffer(void **state)
{
	struct vp_paste p;
	const struct vp_paste_finding *f;

	(void)state;
	/* heldout--cloud-hypervisor-4353-...: no release in the paste */
	assert_int_equal(vp_paste_parse(&p,
					"GRUB_CMDLINE_LINUX=\"iommu=pt video=efifb:off "
					"nomodeset\"\n"),
			 0);
	f = find(&p, "efifb-off-obsolete");
	assert_non_null(f);
	assert_int_equal(f->severity, VP_SIG_INFO);
	assert_string_equal(f->settle, "uname -r");
	vp_paste_free(&p);

	/* a Proxmox 6.8 boot: it does nothing there */
	assert_int_equal(vp_paste_parse(&p,
					"[    0.000000] Command line: "
					"BOOT_IMAGE=/boot/vmlinuz-6.8.12-2-pve ro quiet "
					"video=efifb:off\n"),
			 0);
	assert_string_equal(p.kver, "6.8.12-2-pve");
	f = find(&p, "efifb-off-obsolete");
	assert_non_null(f);
	assert_int_equal(f->severity, VP_SIG_WARNING);
	assert_null(f->settle);
	assert_non_null(strstr(f->fix, "initcall_blacklist=sysfb_init"));
	vp_paste_free(&p);

	/* with sysfb_init blacklisted too: a leftover */
	assert_int_equal(vp_paste_parse(&p, "BOOT_IMAGE=/boot/vmlinuz-6.8.12-2-pve ro "
					    "initcall_blacklist=sysfb_init "
					    "video=efifb:off\n"),
			 0);
	f = find(&p, "efifb-off-obsolete");
	assert_non_null(f);
	assert_int_equal(f->severity, VP_SIG_INFO);
	vp_paste_free(&p);

	/* dmesg--ubuntu44-...: 4.4 still has efifb, the option works */
	assert_int_equal(vp_paste_parse(&p,
					"[    0.000000] Command line: "
					"BOOT_IMAGE=/boot/vmlinuz-4.4.0-34-generic ro "
					"video=efifb:off\n"),
			 0);
	assert_null(find(&p, "efifb-off-obsolete"));
	vp_paste_free(&p);
}

static void cmdline_split(void **state)
{
	struct vp_paste p;

	(void)state;
	/* the kernel's rule: double quotes group a value with blanks */
	assert_int_equal(vp_paste_parse(&p, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
					    "dyndbg=\\\"file vfio_pci_core.c +p\\\" "
					    "intel_iommu=on\"\n"),
			 0);
	assert_int_equal(p.nparams, 3);
	assert_string_equal(p.params[0].name, "quiet");
	assert_null(p.params[0].value);
	assert_string_equal(p.params[2].name, "intel_iommu");
	assert_string_equal(p.params[2].value, "on");
	vp_paste_free(&p);

	/* single-quoted shell word */
	assert_int_equal(
		vp_paste_parse(&p, "GRUB_CMDLINE_LINUX='amd_iommu=on iommu=pt'\n"), 0);
	assert_int_equal(p.nparams, 2);
	assert_string_equal(p.params[1].name, "iommu");
	assert_string_equal(p.params[1].value, "pt");
	vp_paste_free(&p);
}

static void cpu_vendor(void **state)
{
	struct vp_paste p;

	(void)state;
	/* iommu_groups--amd-7950x-...: AMD's dummy host bridge at 00:01.0 */
	assert_int_equal(vp_paste_parse(&p,
					"IOMMU GROUP 0\n (0) 00:01.0 Host bridge [0600]: "
					"Advanced Micro Devices, Inc. [AMD] Device "
					"[1022:14da]\n"),
			 0);
	assert_int_equal(p.vendor, VP_CPU_AMD);
	vp_paste_free(&p);
	/* lspci without -nn: the vendor's name */
	assert_int_equal(vp_paste_parse(&p,
					"00:00.0 Host bridge: Intel Corporation 8th Gen "
					"Core Processor Host Bridge/DRAM Registers (rev "
					"07)\n"),
			 0);
	assert_int_equal(p.vendor, VP_CPU_INTEL);
	vp_paste_free(&p);
	/* dmesg--pve-65-i915-...: the iGPU of an Intel CPU */
	assert_int_equal(vp_paste_parse(&p,
					"[   16.237211] i915 0000:00:02.0: Running in "
					"SR-IOV PF mode\n"),
			 0);
	assert_int_equal(p.vendor, VP_CPU_INTEL);
	vp_paste_free(&p);
	/* a PCI bridge says nothing */
	assert_int_equal(vp_paste_parse(&p, "00:01.1 PCI bridge [0604]: Advanced Micro "
					    "Devices, Inc. [AMD] Device [1022:14db]\n"),
			 0);
	assert_int_equal(p.vendor, VP_CPU_UNKNOWN);
	vp_paste_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kver),		  cmocka_unit_test(ids),
		cmocka_unit_test(asked_for_vfio), cmocka_unit_test(framebuffer),
		cmocka_unit_test(cmdline_split),  cmocka_unit_test(cpu_vendor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
