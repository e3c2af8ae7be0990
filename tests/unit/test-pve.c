// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Property strings (src/pve/propstr.c) with the schemas of src/pve/schema-*.c
 * and the patterns of src/pve/patterns.c: every hostpci, usb and cpu option
 * with its boundaries, the grammar's errors in Proxmox's words, booleans and
 * the printer's canonical form. Then what the file formats share: the line
 * array of src/pve/linebuf.c under VM, CT and mapping files, and the
 * dialect edits of conf.c run the same way for VMs and CTs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pve/ctconf.h"
#include "pve/linebuf.h"
#include "pve/mapping.h"
#include "pve/patterns.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/vmconf.h"
#include "util.h"

/* Parse @text; on success return the value of @key (static copy) or "". */
static int parse(const struct vp_pve_schema *s, const char *text, char **reason)
{
	struct vp_pve_propstr ps;
	int r;

	if (reason)
		*reason = NULL;
	r = vp_pve_propstr_parse(s, text, &ps, reason);
	if (r == 0)
		vp_pve_propstr_free(&ps);
	return r;
}

static void ok(const struct vp_pve_schema *s, const char *text)
{
	_cleanup_free_ char *reason = NULL;
	int r = parse(s, text, &reason);

	if (r != 0)
		fail_msg("'%s' rejected: %s", text, reason);
}

/* Rejected with exactly @msg (or any message when @msg is NULL). */
static void bad(const struct vp_pve_schema *s, const char *text, const char *msg)
{
	_cleanup_free_ char *reason = NULL;
	int r = parse(s, text, &reason);

	if (r != -EINVAL)
		fail_msg("'%s' accepted (r=%d)", text, r);
	assert_non_null(reason);
	if (msg)
		assert_string_equal(reason, msg);
}

/* Parse and print: the canonical form. */
static void canonical(const struct vp_pve_schema *s, const char *text, const char *want)
{
	_cleanup_free_ char *reason = NULL, *out = NULL;
	struct vp_pve_propstr ps;

	assert_int_equal(vp_pve_propstr_parse(s, text, &ps, &reason), 0);
	assert_int_equal(vp_pve_propstr_print(&ps, &out, &reason), 0);
	assert_string_equal(out, want);
	vp_pve_propstr_free(&ps);
}

static void pci_ids(void **state)
{
	(void)state;
	assert_true(vp_pve_re_pci_id("0000:01:00.0", false));
	assert_true(vp_pve_re_pci_id("01:00.0", false));
	assert_true(vp_pve_re_pci_id("01:00", false));
	assert_true(vp_pve_re_pci_id("0000:01:00", false));
	assert_true(vp_pve_re_pci_id("10000:c6:1f.7", false));
	assert_true(vp_pve_re_pci_id("0000:c6:00.0", true));
	assert_false(vp_pve_re_pci_id("01:00.0", true));
	assert_false(vp_pve_re_pci_id("0000:0A:00.0", false)); /* upper-case hex */
	assert_false(vp_pve_re_pci_id("0000:01:00.F", false));
	assert_false(vp_pve_re_pci_id("000:01:00.0", false)); /* 3-digit domain */
	assert_false(vp_pve_re_pci_id("0000:1:00.0", false));
	assert_false(vp_pve_re_pci_id("0000:01:0.0", false));
	assert_false(vp_pve_re_pci_id("0000:01:00.00", false));
	assert_false(vp_pve_re_pci_id("0000:01:00.", false));
	assert_false(vp_pve_re_pci_id("01:02:03", false));
	assert_false(vp_pve_re_pci_id("0000:01:00.0:1", false));
	assert_false(vp_pve_re_pci_id("", false));
	assert_false(vp_pve_re_pci_id("0000:g1:00.0", false));
	assert_true(vp_pve_pat_hostpci_host("0000:01:00.0;0000:01:00.1"));
	assert_false(vp_pve_pat_hostpci_host("0000:01:00.0;"));
	assert_false(vp_pve_pat_hostpci_host(";0000:01:00.0"));
	assert_false(vp_pve_pat_hostpci_host("0000:01:00.0;;0000:01:00.1"));
	assert_true(vp_pve_pat_map_pci_path("0000:01:00.0;0000:02:00"));
	assert_false(vp_pve_pat_map_pci_path("0000:01:00.0;02:00.0"));
}

static void hostpci_accepts(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_hostpci();

	(void)state;
	ok(s, "0000:01:00.0");
	ok(s, "01:00.0");
	ok(s, "01:00");
	ok(s, "0000:01:00,pcie=1,x-vga=1");
	ok(s, "host=0000:01:00.0;0000:01:00.1");
	ok(s, "mapping=gpu0");
	ok(s, "mapping=ab"); /* pve-configid: two characters at least */
	ok(s, "mapping=GPU_0-a");
	ok(s, "mapping=gpu0,mdev=i915-GVTg_V5_4");
	ok(s, "0000:c6:00.0,pcie=1,romfile=vbios_1002_15bf.bin # Rom that I created");
	ok(s, "0000:01:00.0,rombar=0,legacy-igd=1,driver=keep");
	ok(s, "0000:01:00.0,driver=vfio");
	ok(s, "0000:01:00.0,vendor-id=0x10de,device-id=0x2204,sub-vendor-id=0x1458,"
	      "sub-device-id=0xABcd");
	ok(s, "0000:01:00.0,,pcie=1, ,"); /* empty and blank parts are skipped */
	ok(s, "pcie=1");		  /* host/mapping are checked at VM start */
	ok(s, "0000:01:00.0,mapping=gpu0");
	ok(s, "0000:01:00.0,mdev=nvidia-63");
}

static void hostpci_rejects(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_hostpci();

	(void)state;
	bad(s, "0000:0A:00.0",
	    "format error: host: value does not match the regex pattern");
	bad(s, "0000:01:00.0;", NULL);
	bad(s, "0000:01:00.0,x-vga=maybe",
	    "format error: x-vga: type check ('boolean') failed - got 'maybe'");
	bad(s, "0000:01:00.0,rombar=2",
	    "format error: rombar: type check ('boolean') failed - got '2'");
	bad(s, "0000:01:00.0,pcie=-1", NULL);
	bad(s, "mapping=a",
	    "format error: mapping: invalid format - invalid configuration ID 'a'");
	bad(s, "mapping=1gpu", NULL);
	bad(s, "mapping=gpu.0", NULL);
	bad(s, "0000:01:00.0,pcie=1,pcie=0",
	    "duplicate key in comma-separated list property: pcie");
	bad(s, "0000:01:00.0,host=0000:02:00.0",
	    "duplicate key in comma-separated list property: host");
	bad(s, "host=0000:02:00.0,0000:01:00.0",
	    "duplicate key in comma-separated list property: host");
	bad(s, "0000:01:00.0,0000:02:00.0",
	    "duplicate key in comma-separated list property: host");
	bad(s, "0000:01:00.0,multifunction=on",
	    "invalid key in comma-separated list property: multifunction");
	bad(s, "0000:01:00.0,bootindex=1", NULL);
	bad(s, "0000:01:00.0, pcie=1", /* keys are not trimmed */
	    "invalid key in comma-separated list property:  pcie");
	/* a comma ends the value: "b.rom" becomes a second default-key value */
	bad(s, "0000:01:00.0,romfile=a,b.rom",
	    "duplicate key in comma-separated list property: host");
	bad(s, "romfile=a,b.rom",
	    "format error: host: value does not match the regex pattern");
	bad(s, "0000:01:00.0,romfile=a;b.rom", NULL);
	bad(s, "0000:01:00.0,mdev=a.b", NULL);
	bad(s, "0000:01:00.0,mdev=a/b", NULL);
	bad(s, "0000:01:00.0,vendor-id=10de", NULL);
	bad(s, "0000:01:00.0,vendor-id=0X10de", NULL);
	bad(s, "0000:01:00.0,vendor-id=0x10de0", NULL);
	bad(s, "0000:01:00.0,device-id=0x220", NULL);
	bad(s, "0000:01:00.0,driver=vfio-pci",
	    "format error: driver: value 'vfio-pci' does not have a value in the "
	    "enumeration 'vfio, keep'");
	bad(s, "0000:01:00.0,pcie=", "missing key in comma-separated list property");
	bad(s, "0000:01:00.0,=1", "missing key in comma-separated list property");
	bad(s, "0000:01:00.0\n", "property contains a line feed");
}

static void hostpci_booleans(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_hostpci();
	static const char *const yes[] = {
		"1", "on", "yes", "true", "TRUE", "On", "YES"
	};
	static const char *const no[] = { "0", "off", "no", "false", "FALSE", "Off" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		_cleanup_free_ char *text = xasprintf("0000:01:00.0,x-vga=%s", yes[i]);
		struct vp_pve_propstr ps;

		assert_int_equal(vp_pve_propstr_parse(s, text, &ps, NULL), 0);
		assert_string_equal(vp_pve_propstr_get(&ps, "x-vga"), "1");
		assert_true(vp_pve_propstr_bool(&ps, "x-vga"));
		vp_pve_propstr_free(&ps);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		_cleanup_free_ char *text = xasprintf("0000:01:00.0,rombar=%s", no[i]);
		struct vp_pve_propstr ps;

		assert_int_equal(vp_pve_propstr_parse(s, text, &ps, NULL), 0);
		assert_string_equal(vp_pve_propstr_get(&ps, "rombar"), "0");
		assert_false(vp_pve_propstr_bool(&ps, "rombar"));
		vp_pve_propstr_free(&ps);
	}
	bad(s, "0000:01:00.0,pcie=2", NULL);
	bad(s, "0000:01:00.0,pcie=y", NULL);
	bad(s, "0000:01:00.0,pcie=enable", NULL);
	{
		/* defaults: rombar 1, the others 0 */
		struct vp_pve_propstr ps;

		assert_int_equal(vp_pve_propstr_parse(s, "0000:01:00.0", &ps, NULL), 0);
		assert_true(vp_pve_propstr_bool(&ps, "rombar"));
		assert_false(vp_pve_propstr_bool(&ps, "pcie"));
		assert_false(vp_pve_propstr_bool(&ps, "x-vga"));
		assert_false(vp_pve_propstr_bool(&ps, "legacy-igd"));
		vp_pve_propstr_free(&ps);
	}
}

static void hostpci_print(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_hostpci();
	_cleanup_free_ char *reason = NULL, *out = NULL;
	struct vp_pve_propstr ps;

	(void)state;
	canonical(s, "x-vga=on,pcie=yes,0000:01:00.0,romfile=v.rom",
		  "0000:01:00.0,pcie=1,romfile=v.rom,x-vga=1");
	canonical(s, "pcie=1,mapping=gpu0", "mapping=gpu0,pcie=1");
	canonical(s, "host=0000:01:00.0;0000:01:00.1,rombar=off",
		  "0000:01:00.0;0000:01:00.1,rombar=0");
	canonical(s, "driver=keep,0000:01:00.0,device-id=0x1234,vendor-id=0xabcd",
		  "0000:01:00.0,device-id=0x1234,driver=keep,vendor-id=0xabcd");

	/* building one: set() checks each value, print() the whole */
	ps = (struct vp_pve_propstr){ .schema = s };
	assert_int_equal(vp_pve_propstr_set(&ps, "host", "0000:03:00", &reason), 0);
	assert_int_equal(vp_pve_propstr_set(&ps, "x-vga", "on", &reason), 0);
	assert_int_equal(vp_pve_propstr_set(&ps, "pcie", "true", &reason), 0);
	assert_int_equal(vp_pve_propstr_set(&ps, "romfile", "a,b.rom", &reason), -EINVAL);
	assert_string_equal(reason, "illegal value with commas for romfile");
	assert_int_equal(vp_pve_propstr_set(&ps, "x-vga", "maybe", &reason), -EINVAL);
	assert_int_equal(vp_pve_propstr_set(&ps, "host", "0000:0A:00.0", &reason),
			 -EINVAL);
	assert_int_equal(vp_pve_propstr_set(&ps, "multifunction", "1", &reason), -EINVAL);
	assert_int_equal(vp_pve_propstr_set(&ps, "romfile", "", &reason), -EINVAL);
	assert_int_equal(vp_pve_propstr_print(&ps, &out, &reason), 0);
	assert_string_equal(out, "0000:03:00,pcie=1,x-vga=1");
	free(out);
	out = NULL;
	assert_int_equal(vp_pve_propstr_unset(&ps, "x-vga"), 0);
	assert_int_equal(vp_pve_propstr_unset(&ps, "x-vga"), -ENOENT);
	assert_int_equal(vp_pve_propstr_print(&ps, &out, &reason), 0);
	assert_string_equal(out, "0000:03:00,pcie=1");
	vp_pve_propstr_free(&ps);
}

static void usb_options(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_usb();

	(void)state;
	ok(s, "host=0781:55ae,usb3=1");
	ok(s, "0781:55ae");
	ok(s, "0x0781:0x55AE");
	ok(s, "0x0781:55ae");
	ok(s, "1-2");
	ok(s, "1-2.2");
	ok(s, "10-1.2.3.4");
	ok(s, "spice");
	ok(s, "SPICE");
	ok(s, "mapping=stick,usb3=yes");
	ok(s, "host=0781:55ae,mapping=stick"); /* exclusive only at VM start */
	bad(s, "0781:55a", "format error: host: value does not match the regex pattern");
	bad(s, "0781-55ae", NULL);
	bad(s, "0X0781:55ae", NULL);
	bad(s, "0781:55ae0", NULL);
	bad(s, "1-", NULL);
	bad(s, "-2", NULL);
	bad(s, "1-2.", NULL);
	bad(s, "1.2", NULL);
	bad(s, "spice1", NULL);
	bad(s, "0781:55ae,usb3=2",
	    "format error: usb3: type check ('boolean') failed - got '2'");
	bad(s, "0781:55ae,port=1", "invalid key in comma-separated list property: port");
	bad(s, "0781:55ae,usb3=1,usb3=0",
	    "duplicate key in comma-separated list property: usb3");
	bad(s, "mapping=s", NULL);
	canonical(s, "usb3=on,0781:55ae", "0781:55ae,usb3=1");
}

static void cpu_options(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_cpu();
	_cleanup_free_ char *reason = NULL;
	struct vp_pve_propstr ps;

	(void)state;
	ok(s, "host");
	ok(s, "cputype=host");
	ok(s, "host,hidden=1,flags=+virt-ssbd;+amd-ssbd;+amd-no-ssb;+aes");
	ok(s, "x86-64-v2-AES");
	ok(s, "x86-64-v4");
	ok(s, "kvm64,hv-vendor-id=proxmox");
	ok(s, "host,hv-vendor-id=123456789012");
	ok(s, "host,hv-vendor-id=a");
	ok(s, "host,flags=-pcid;+spec-ctrl;+md-clear;+nested-virt;+pdpe1gb;+hv-tlbflush;"
	      "+hv-evmcs;+ssbd;+ibpb;+virt-ssbd");
	ok(s, "host,phys-bits=host");
	ok(s, "host,phys-bits=8");
	ok(s, "host,phys-bits=64");
	ok(s, "host,guest-phys-bits=32");
	ok(s, "host,guest-phys-bits=64");
	ok(s, "host,level=0");
	ok(s, "host,level=4294967295");
	ok(s, "EPYC-Genoa");
	ok(s, "Icelake-Client");
	bad(s, "host,phys-bits=7",
	    "format error: phys-bits: invalid format - value must be an integer between 8 "
	    "and 64 or 'host'");
	bad(s, "host,phys-bits=65", NULL);
	bad(s, "host,phys-bits=100", NULL);
	bad(s, "host,phys-bits=auto", NULL);
	bad(s, "host,guest-phys-bits=31",
	    "format error: guest-phys-bits: value must have a minimum value of 32");
	bad(s, "host,guest-phys-bits=65",
	    "format error: guest-phys-bits: value must have a maximum value of 64");
	bad(s, "host,guest-phys-bits=x",
	    "format error: guest-phys-bits: type check ('integer') failed - got 'x'");
	bad(s, "host,level=4294967296",
	    "format error: level: value must have a maximum value of 4294967295");
	bad(s, "host,level=-1",
	    "format error: level: value must have a minimum value of 0");
	bad(s, "host,hv-vendor-id=1234567890abc",
	    "format error: hv-vendor-id: value does not match the regex pattern");
	bad(s, "host,hv-vendor-id=ab-c", NULL);
	bad(s, "host,hidden=2", NULL);
	bad(s, "host,flags=virt-ssbd",
	    "format error: flags: value does not match the regex pattern");
	bad(s, "host,flags=+virt-ssbd;", NULL);
	bad(s, "host,flags=+avx2",
	    "VM-specific CPU flags must be a subset of: nested-virt, md-clear, pcid, "
	    "spec-ctrl, ssbd, ibpb, virt-ssbd, amd-ssbd, amd-no-ssb, pdpe1gb, hv-tlbflush, "
	    "hv-evmcs, aes");
	bad(s, "host,reported-model=kvm64",
	    "Property 'reported-model' not allowed in VM-specific CPU config.");
	bad(s, "host,reported-model=foo", NULL);
	bad(s, "flags=+aes", "CPU is missing cputype");
	bad(s, "", "CPU is missing cputype");
	bad(s, "host,kvm=off", "invalid key in comma-separated list property: kvm");

	/* models vfio-pilot cannot confirm: -ENOENT, parsed values still there */
	assert_int_equal(vp_pve_propstr_parse(s, "EPYC-Turin", &ps, &reason), -ENOENT);
	assert_non_null(strstr(reason, "'EPYC-Turin'"));
	assert_int_equal(vp_pve_propstr_parse(s, "custom-7940HS", &ps, &reason), -ENOENT);
	assert_int_equal(vp_pve_propstr_split(s, "custom-7940HS,hidden=1", &ps, &reason),
			 0);
	assert_string_equal(vp_pve_propstr_get(&ps, "cputype"), "custom-7940HS");
	vp_pve_propstr_free(&ps);
	canonical(s, "hidden=yes,flags=+aes,host", "host,flags=+aes,hidden=1");
}

static void machine_types(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_machine();
	static const char *const good[] = {
		"pc",
		"q35",
		"pc-q35-8.1",
		"pc-q35-9.2+pve1",
		"pc-8.1",
		"pc-i440fx-9.0",
		"pc-i440fx-2.12",
		"pc-q35-9.2+pve1.pxe",
		"pc-q35-8.1.1",
		"virt",
		"virt-9.0",
		"virt-9.0+pve1",
		"virt+pve1",
		"pc-i440fx-7.1.pxe",
	};
	static const char *const wrong[] = {
		"pc-q35",	  "q35-8.1",	  "pc-q35-8",
		"virt-9",	  "i440fx",	  "pc-q35-8.1.pxe+pve1",
		"pc-q35-8.1+pve", "virt-9.0.pxe", "Q35",
		"pc-q35-8.1 ",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(vp_pve_pat_machine_type(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(wrong); i++)
		if (vp_pve_pat_machine_type(wrong[i]))
			fail_msg("'%s' accepted", wrong[i]);
	ok(s, "pc-q35-8.1,viommu=intel");
	ok(s, "q35,viommu=virtio,aw-bits=48");
	ok(s, "type=q35,enable-s3=1,enable-s4=0");
	bad(s, "q35,viommu=amd", NULL);
	bad(s, "q35,aw-bits=31", NULL);
	bad(s, "q35,aw-bits=65", NULL);
	bad(s, "pc-i440fx-1000000000000000000000000000000.0",
	    "format error: type: value may only be 40 characters long");
}

static void other_formats(void **state)
{
	(void)state;
	ok(vp_pve_schema_vga(), "none");
	ok(vp_pve_schema_vga(), "virtio-gl,memory=512");
	ok(vp_pve_schema_vga(), "std,memory=4,clipboard=vnc");
	bad(vp_pve_schema_vga(), "std,memory=3", NULL);
	bad(vp_pve_schema_vga(), "std,memory=513", NULL);
	bad(vp_pve_schema_vga(), "vga", NULL);
	ok(vp_pve_schema_memory(), "16384");
	ok(vp_pve_schema_memory(), "current=16");
	bad(vp_pve_schema_memory(), "15",
	    "format error: current: value must have a minimum "
	    "value of 16");
	bad(vp_pve_schema_memory(), "",
	    "format error: current: property is missing and it is "
	    "not optional");
	ok(vp_pve_schema_numa(), "cpus=0-3;8-11,hostnodes=0,memory=2048,policy=bind");
	bad(vp_pve_schema_numa(), "hostnodes=0",
	    "format error: cpus: property is missing and it is not optional");
	bad(vp_pve_schema_numa(), "cpus=0-", NULL);
	bad(vp_pve_schema_numa(), "cpus=0,policy=local", NULL);
	ok(vp_pve_schema_efidisk(),
	   "local-lvm:vm-100-disk-0,efitype=4m,pre-enrolled-keys=1,"
	   "size=4M");
	ok(vp_pve_schema_efidisk(), "vm1-pool:vm-108-efidisk,efitype=4m,ms-cert=2023,"
				    "pre-enrolled-keys=1,size=4M");
	ok(vp_pve_schema_efidisk(), "volume=local:100/vm-100-disk-1.qcow2,format=qcow2");
	ok(vp_pve_schema_efidisk(), "file=none,ms-cert=2023k");
	bad(vp_pve_schema_efidisk(), "local-lvm:vm-100-disk-0,efitype=8m", NULL);
	bad(vp_pve_schema_efidisk(), "local-lvm:vm-100-disk-0,ms-cert=2024", NULL);
	bad(vp_pve_schema_efidisk(), "local-lvm:vm-100-disk-0,size=4X", NULL);
	bad(vp_pve_schema_efidisk(), "x:", NULL);
	bad(vp_pve_schema_efidisk(), "efitype=4m",
	    "format error: file: property is missing and it is not optional");
}

static void named_formats(void **state)
{
	_cleanup_free_ char *m = NULL;

	(void)state;
	assert_int_equal(vp_pve_fmt_volume_id("local:snippets/hook.pl", &m), 0);
	assert_int_equal(vp_pve_fmt_volume_id("my.store-1_x:iso/a.iso", &m), 0);
	assert_int_equal(vp_pve_fmt_volume_id("a:b", &m),
			 -EINVAL); /* storage >= 2 chars */
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_volume_id("/var/lib/vz/snippets/hook.pl", &m),
			 -EINVAL);
	assert_string_equal(m,
			    "unable to parse volume ID '/var/lib/vz/snippets/hook.pl'");
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_volume_id("local-:x", &m), -EINVAL);
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_volume_id("local:", &m), -EINVAL);
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_cpuset("0,5,8-11", &m), 0);
	assert_int_equal(vp_pve_fmt_cpuset(" 1 - 2", &m), -EINVAL);
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_cpuset(" 1-2 ,3", &m), 0);
	assert_int_equal(vp_pve_fmt_cpuset("0,1,", &m), 0); /* Perl's split drops it */
	assert_int_equal(vp_pve_fmt_cpuset("3-1", &m), -EINVAL);
	assert_string_equal(m, "unable to parse cpuset option");
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_cpuset("0,,1", &m), -EINVAL);
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_node("pve1", &m), 0);
	assert_int_equal(vp_pve_fmt_node("a", &m), 0);
	assert_int_equal(vp_pve_fmt_node("pve-", &m), -EINVAL);
	free(m);
	m = NULL;
	assert_int_equal(vp_pve_fmt_node("pve_1", &m), -EINVAL);
	free(m);
	m = NULL;
	assert_true(vp_pve_pat_vmgenid("45a1294f-b135-9aad-890e-50fc513cc120"));
	assert_true(vp_pve_pat_vmgenid("1"));
	assert_false(vp_pve_pat_vmgenid("45a1294f-b135-9aad-890e-50fc513cc12"));
	assert_false(vp_pve_pat_vmgenid("2"));
	assert_int_equal(vp_pve_parse_boolean("tRuE"), 1);
	assert_int_equal(vp_pve_parse_boolean("n"), -EINVAL);
}

static void grammar_edges(void **state)
{
	const struct vp_pve_schema *s = vp_pve_schema_hostpci();
	const struct vp_pve_schema *m = vp_pve_schema_pci_map();
	struct vp_pve_propstr ps;

	(void)state;
	/* key=value splits at the first '=' */
	ok(s, "0000:01:00.0,romfile=a=b"); /* [^,;]+ takes '=' */
	assert_int_equal(vp_pve_propstr_parse(s, "romfile=a=b,mapping=gpu", &ps, NULL),
			 0);
	assert_string_equal(vp_pve_propstr_get(&ps, "romfile"), "a=b");
	vp_pve_propstr_free(&ps);
	/* no default key in the mapping map format */
	bad(m, "pve1", "value without key, but schema does not define a default key");
	bad(m, "node=pve1,path=0000:01:00.0",
	    "format error: id: property is missing and it is not optional");
	ok(m, "node=pve1,path=0000:01:00.0,id=10de:2204,iommugroup=14");
	ok(m,
	   "node=pve1,path=0000:01:00,id=10de:2204,subsystem-id=1458:4055,description=x y");
	bad(m, "node=pve1,path=01:00.0,id=10de:2204", NULL);
	bad(m, "node=pve1,path=0000:01:00.0,id=10de2204", NULL);
	bad(m, "node=pve1,path=0000:01:00.0,id=10de:2204,iommugroup=x", NULL);
	ok(vp_pve_schema_usb_map(), "node=pve1,id=0781:55ae,path=1-2.2");
	bad(vp_pve_schema_usb_map(), "node=pve1,id=0781:55ae,path=1", NULL);
}

/* A record as linebuf.h wants it: the text first, the rest the owner's. */
struct rec {
	char *text;
	int tag;
};

static void rec_clear(void *record)
{
	struct rec *r = record;

	assert_int_not_equal(r->tag, -1); /* cleared once only */
	r->tag = -1;
}

static void linebuf_split_join(void **state)
{
	static const struct {
		const char *text;
		size_t lines;
		bool final_newline;
	} cases[] = {
		{ "", 0, false },	  { "\n", 1, true },  { "\n\n", 2, true },
		{ "a", 1, false },	  { "a\n", 1, true }, { "a\r\nb\r\n", 2, true },
		{ "a\r\nb\r", 2, false }, { "\r", 1, false }, { "#c\n\n#d", 3, false },
		{ "a\n\n\n", 3, true },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *t = cases[i].text;
		void *lines = NULL;
		_cleanup_free_ char *out = NULL;
		size_t n = 0, len;
		bool nl = !cases[i].final_newline;

		assert_int_equal(vp_pve_lines_split(t, strlen(t), sizeof(struct rec),
						    &lines, &n, &nl),
				 0);
		assert_int_equal(n, cases[i].lines);
		assert_int_equal(nl, cases[i].final_newline);
		assert_int_equal(
			vp_pve_lines_join(lines, n, sizeof(struct rec), nl, &out, &len),
			0);
		assert_int_equal(len, strlen(t));
		assert_string_equal(out, t);
		vp_pve_lines_free(lines, n, sizeof(struct rec), rec_clear);
	}
}

static void linebuf_edits(void **state)
{
	struct rec *r;
	void *lines = NULL;
	_cleanup_free_ char *out = NULL;
	size_t n = 0;
	bool nl = false;

	(void)state;
	assert_int_equal(vp_pve_lines_split("a\0b", 3, sizeof(*r), &lines, &n, &nl),
			 -EINVAL);
	assert_null(lines);
	assert_int_equal(n, 0);

	assert_int_equal(vp_pve_lines_split("a\r\nc", 4, sizeof(*r), &lines, &n, &nl), 0);
	r = lines;
	r[0].tag = 10;
	r[1].tag = 30;
	assert_int_equal(vp_pve_lines_insert(&lines, &n, sizeof(*r), 1, "bXX", 1), 0);
	assert_int_equal(vp_pve_lines_insert(&lines, &n, sizeof(*r), 0, "", 0), 0);
	assert_int_equal(vp_pve_lines_insert(&lines, &n, sizeof(*r), n, "d", 1), 0);
	r = lines;
	assert_int_equal(n, 5);
	/* new records start zeroed, the others move whole */
	assert_int_equal(r[0].tag, 0);
	assert_int_equal(r[1].tag, 10);
	assert_int_equal(r[2].tag, 0);
	assert_int_equal(r[3].tag, 30);
	assert_int_equal(r[4].tag, 0);
	assert_int_equal(vp_pve_lines_join(lines, n, sizeof(*r), nl, &out, NULL), 0);
	assert_string_equal(out, "\na\r\nb\nc\nd");
	free(TAKE_PTR(out));

	vp_pve_lines_remove(lines, &n, sizeof(*r), 1, rec_clear);
	vp_pve_lines_remove(lines, &n, sizeof(*r), 3, rec_clear);
	assert_int_equal(n, 3);
	assert_int_equal(r[1].tag, 0);
	assert_int_equal(r[2].tag, 30);
	assert_int_equal(vp_pve_lines_join(lines, n, sizeof(*r), true, &out, NULL), 0);
	assert_string_equal(out, "\nb\nc\n");
	vp_pve_lines_free(lines, n, sizeof(*r), rec_clear);
}

static void mapping_round_trip(const char *text)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL;
	_cleanup_free_ char *out = NULL;
	size_t len;

	for (int t = VP_PVE_MAP_PCI; t <= VP_PVE_MAP_USB; t++) {
		assert_int_equal(vp_pve_mapping_parse(t, text, strlen(text), &m), 0);
		assert_int_equal(vp_pve_mapping_serialize(m, &out, &len), 0);
		assert_int_equal(len, strlen(text));
		assert_string_equal(out, text);
		vp_pve_mapping_free(TAKE_PTR(m));
		free(TAKE_PTR(out));
	}
}

/* VM and CT configs through the public API of each, side by side. */
static const struct dialect_case {
	const char *name;
	int (*parse)(const char *text, size_t len, struct vp_pve_conf **out);
	int (*set)(struct vp_pve_conf *c, bool pending, const char *key,
		   const char *value, char **reason);
	int (*del)(struct vp_pve_conf *c, bool pending, const char *key);
	const char *pending;
} dialect_cases[] = {
	{ "vm", vp_pve_vmconf_parse, vp_pve_vmconf_set, vp_pve_vmconf_delete,
	  "[PENDING]" },
	{ "ct", vp_pve_ctconf_parse, vp_pve_ctconf_set, vp_pve_ctconf_delete,
	  "[pve:pending]" },
};

static struct vp_pve_conf *dialect_parse(const struct dialect_case *d, const char *text)
{
	struct vp_pve_conf *c = NULL;

	assert_int_equal(d->parse(text, strlen(text), &c), 0);
	return c;
}

static void dialect_text(const struct vp_pve_conf *c, const char *want)
{
	_cleanup_free_ char *out = NULL;
	size_t len;

	assert_int_equal(vp_pve_conf_serialize(c, &out, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(out, want);
}

/* @text with every "@P@" replaced by @pending. */
static char *with_pending(const char *text, const char *pending)
{
	char *out = strdup(text), *at;

	while (out && (at = strstr(out, "@P@"))) {
		char *next = xasprintf("%.*s%s%s", (int)(at - out), out, pending, at + 3);

		free(out);
		out = next;
	}
	assert_non_null(out);
	return out;
}

/* Byte for byte, whatever the line endings, comments and sections. */
static void shared_round_trip(void **state)
{
	static const char *const texts[] = {
		"",
		"\n",
		"\r\n",
		"cores: 2",
		"cores: 2\r\nonboot: 1\r\n",
		"cores: 2\r\nonboot: 1",
		"#note\r\n# x: y\n#\ncores: 2\n",
		"cores: 2\n\n@P@\ncores: 4\r\n\n[snap1]\n#before\r\ncores: 1\n",
		"cores: 2\n\n[snap1]\ncores: 1\n\n[snap2]\nonboot: 0",
		"@P@\n\n@P@\ncores: 3\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		for (size_t g = 0; g < ARRAY_SIZE(dialect_cases); g++) {
			const struct dialect_case *d = &dialect_cases[g];
			_cleanup_free_ char *text = with_pending(texts[i], d->pending);
			_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c =
				dialect_parse(d, text);

			dialect_text(c, text);
		}
	}
	mapping_round_trip("");
	mapping_round_trip("\n\n");
	mapping_round_trip("#c\r\n");
	mapping_round_trip("gpu0\n\tmap node=pve1,path=0000:01:00.0,id=10de:2204");
	mapping_round_trip("gpu0\r\n\tmap node=pve1,path=0000:01:00.0,id=10de:2204\r\n"
			   "\t# c\n\r\n0\nx\n\n");
}

/* The same edits give the same bytes in both dialects, bar the pending header. */
static void shared_edits(void **state)
{
	(void)state;
	for (size_t g = 0; g < ARRAY_SIZE(dialect_cases); g++) {
		const struct dialect_case *d = &dialect_cases[g];
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = dialect_parse(
			d, "#note\r\ncores: 2\r\nonboot: 1\n\n[snap1]\ncores: 1\r\n");
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *e = dialect_parse(d, "");
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *f =
			dialect_parse(d, "cores: 2");
		_cleanup_free_ char *reason = NULL, *want = NULL;

		print_message("# dialect %s\n", d->name);
		assert_int_equal(d->set(c, true, "cores", "4", &reason), 0);
		want = xasprintf("#note\r\ncores: 2\r\nonboot: 1\n\n%s\ncores: 4\n\n"
				 "[snap1]\ncores: 1\r\n",
				 d->pending);
		dialect_text(c, want);
		free(TAKE_PTR(want));
		/* the line Proxmox takes is replaced; its '\r' goes with it */
		assert_int_equal(d->set(c, false, "cores", "8", &reason), 0);
		assert_int_equal(d->del(c, true, "cores"), 0);
		assert_int_equal(d->del(c, true, "cores"), -ENOENT);
		assert_int_equal(d->del(c, false, "onboot"), 0);
		assert_int_equal(d->del(c, false, "onboot"), -ENOENT);
		want = xasprintf("#note\r\ncores: 8\n\n%s\n\n[snap1]\ncores: 1\r\n",
				 d->pending);
		dialect_text(c, want);

		/* an empty file gets a final newline; a file without one keeps it so */
		assert_int_equal(d->set(e, false, "onboot", "yes", &reason), 0);
		dialect_text(e, "onboot: 1\n");
		assert_int_equal(d->set(f, false, "onboot", "0", &reason), 0);
		dialect_text(f, "cores: 2\nonboot: 0");
		assert_int_equal(d->del(f, true, "cores"), -ENOENT);
		assert_int_equal(d->set(f, false, "cores", "x", &reason), -EINVAL);
		assert_non_null(reason);
	}
}

/* Where the dialects differ: raw lxc.* lines are the container's alone. */
static void dialect_differences(void **state)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *vm = NULL, *ct = NULL;
	_cleanup_free_ char *reason = NULL;
	const char *text = "cores: 2\nlxc.mount.entry: /dev/dri dev/dri none bind\n";

	(void)state;
	vm = dialect_parse(&dialect_cases[0], text);
	ct = dialect_parse(&dialect_cases[1], text);
	assert_int_equal(vp_pve_vmconf_set(vm, false, "lxc.mount.entry", "a b", &reason),
			 -EINVAL);
	assert_int_equal(vp_pve_ctconf_set(ct, false, "lxc.mount.entry", "a b", &reason),
			 -EINVAL);
	assert_string_equal(reason, "'lxc.mount.entry' is a raw lxc key: add it with "
				    "vp_pve_ctconf_add_lxc");
	/* a VM has no lxc.* key to delete (qemu rejects the line); a CT does */
	assert_int_equal(vp_pve_vmconf_delete(vm, false, "lxc.mount.entry"), -ENOENT);
	assert_int_equal(vp_pve_ctconf_delete(ct, false, "lxc.mount.entry"), 0);
	dialect_text(ct, "cores: 2\n");
	/* each takes only its own pending header */
	free(TAKE_PTR(reason));
	vp_pve_conf_free(TAKE_PTR(vm));
	vm = dialect_parse(&dialect_cases[0], "cores: 2\n\n[pve:pending]\ncores: 3\n");
	assert_int_equal(vp_pve_conf_pending(vm), SIZE_MAX);
	vp_pve_conf_free(TAKE_PTR(ct));
	ct = dialect_parse(&dialect_cases[1], "cores: 2\n\n[PENDING]\ncores: 3\n");
	assert_int_equal(vp_pve_conf_pending(ct), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pci_ids),	   cmocka_unit_test(hostpci_accepts),
		cmocka_unit_test(hostpci_rejects), cmocka_unit_test(hostpci_booleans),
		cmocka_unit_test(hostpci_print),   cmocka_unit_test(usb_options),
		cmocka_unit_test(cpu_options),	   cmocka_unit_test(machine_types),
		cmocka_unit_test(other_formats),   cmocka_unit_test(named_formats),
		cmocka_unit_test(grammar_edges),   cmocka_unit_test(linebuf_split_join),
		cmocka_unit_test(linebuf_edits),   cmocka_unit_test(shared_round_trip),
		cmocka_unit_test(shared_edits),	   cmocka_unit_test(dialect_differences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
