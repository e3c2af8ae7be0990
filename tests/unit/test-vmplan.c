// SPDX-License-Identifier: GPL-2.0-or-later
/* vp_vm_build and vp_vm_lint on in-memory configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/vmlint.h"
#include "plan/vmplan.h"
#include "pve/vmconf.h"
#include "pve/vmfacts.h"

static const char base[] =
	"boot: order=scsi0\ncores: 4\ncpu: x86-64-v2-AES\nmemory: 8192\n"
	"ostype: win11\n";

static void build_rq(const char *text, const struct vp_vm_req *rq,
		     struct vp_vm_change *ch)
{
	assert_int_equal(vp_vm_build(text, strlen(text), rq, ch), 0);
}

/* GPUs with --ovmf, as before SeaBIOS guests were left alone without it. */
static void build(const char *text, const struct vp_vm_dev *d, size_t n, bool primary,
		  struct vp_vm_change *ch)
{
	struct vp_vm_req rq = { .vmid = 100,
				.devs = d,
				.ndevs = n,
				.primary_gpu = primary,
				.ovmf = true,
				.numa_node = -1 };

	build_rq(text, &rq, ch);
}

static bool has_note(const struct vp_vm_change *ch, const char *part)
{
	for (size_t i = 0; i < ch->notes.n; i++)
		if (strstr(ch->notes.v[i], part))
			return true;
	return false;
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

static unsigned long num(const struct vp_pve_conf *c, const char *key, unsigned long dflt)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);

	return l ? strtoul(l->value, NULL, 10) : dflt;
}

/*
 * What qemu-server checks at start, as far as vfio-pilot writes it
 * (Memory.pm config / hugepages_size / hugepages_topology, PCI.pm
 * print_hostpci_devices): hugepages only with numa on, each guest node's
 * memory a multiple of the page size, numa0-7 complete and adding up, pcie=1
 * only on q35, no device twice; and no new hostpciN on an index [PENDING]
 * or its deletions name.
 */
/* Every value set or allocated passes Proxmox's API schema for its key. */
static void assert_schema_ok(const struct vp_vm_change *ch)
{
	for (size_t i = 0; i < ch->keys.n; i++) {
		_cleanup_free_ char *reason = NULL;

		if (vp_pve_vmconf_check(ch->keys.v[i], ch->values.v[i], &reason) != 0)
			fail_msg("%s: %s: %s", ch->keys.v[i], ch->values.v[i], reason);
	}
	for (size_t i = 0; i < ch->alloc_keys.n; i++) {
		_cleanup_free_ char *reason = NULL;

		/* tpmstate0's format is one vfio-pilot does not check (keys.c) */
		if (streq(ch->alloc_keys.v[i], "tpmstate0"))
			continue;
		if (vp_pve_vmconf_check(ch->alloc_keys.v[i], ch->alloc_values.v[i],
					&reason) != 0)
			fail_msg("%s: %s: %s", ch->alloc_keys.v[i], ch->alloc_values.v[i],
				 reason);
	}
}

static void assert_starts(const struct vp_vm_change *ch)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct vp_pve_vmfacts f;
	struct vp_pve_hostpci_refs refs;
	const struct vp_pve_line *hp;
	unsigned long mem, size, total = 0;

	assert_int_equal(vp_pve_vmconf_parse(ch->text, ch->len, &c), 0);
	assert_int_equal(vp_pve_vmfacts_get(c, &f), 0);
	for (size_t i = 0; i < f.notes.n; i++) {
		assert_null(strstr(f.notes.v[i], "start fails"));
		assert_null(strstr(f.notes.v[i], "more than once"));
	}
	vp_pve_vmfacts_free(&f);
	assert_int_equal(vp_pve_hostpci_refs_get(c, &refs), 0);
	for (size_t k = 0; k < ch->keys.n; k++)
		for (size_t i = 0; i < refs.n; i++)
			if (refs.v[i].kind == VP_PVE_SEC_PENDING) {
				char key[16];

				snprintf(key, sizeof(key), "hostpci%u",
					 refs.v[i].h.index);
				assert_string_not_equal(ch->keys.v[k], key);
			}
	vp_pve_hostpci_refs_free(&refs);
	{
		struct vp_lint_env env = { 0 };
		struct vp_lint l;

		assert_int_equal(vp_vm_lint(c, &env, &l), 0);
		for (size_t i = 0; i < l.n; i++) {
			assert_string_not_equal(l.f[i].id, "hugepages-without-numa");
			assert_string_not_equal(l.f[i].id, "hugepages-size");
			assert_string_not_equal(l.f[i].id, "numa-hugepages");
			assert_string_not_equal(l.f[i].id, "numa-memory");
			assert_string_not_equal(l.f[i].id, "pcie-without-q35");
			assert_string_not_equal(l.f[i].id, "device-twice");
		}
		vp_lint_free(&l);
	}
	hp = vp_pve_conf_find(c, 0, "hugepages");
	if (!hp)
		return;
	assert_int_equal(num(c, "numa", 0), 1);
	size = streq(hp->value, "any") ? 2 : strtoul(hp->value, NULL, 10);
	mem = num(c, "memory", 512);
	for (int i = 0; i < 8; i++) {
		char key[8];
		const struct vp_pve_line *l;

		snprintf(key, sizeof(key), "numa%d", i);
		if (!(l = vp_pve_conf_find(c, 0, key)))
			continue;
		assert_non_null(strstr(l->value, "hostnodes="));
		assert_non_null(strstr(l->value, "policy="));
		assert_non_null(strstr(l->value, "memory="));
		total += strtoul(strstr(l->value, "memory=") + 7, NULL, 10);
		assert_int_equal(
			strtoul(strstr(l->value, "memory=") + 7, NULL, 10) % size, 0);
	}
	if (total)
		assert_int_equal(total, mem);
	else
		assert_int_equal((mem / num(c, "sockets", 1)) % size, 0);
}

static const struct vp_vm_dev gpu = { .host = "0000:01:00",
				      .vendor = 0x10de,
				      .device = 0x2684,
				      .class = 0x030000 };
static const struct vp_vm_dev hba = { .host = "0000:06:00.0",
				      .vendor = 0x1b21,
				      .device = 0x0612,
				      .class = 0x010601 };

/* [PENDING] and snapshots hold indexes and devices too. */
static void test_pending_snapshots(void **state)
{
	static const char t[] =
		"bios: ovmf\nmachine: q35\nmemory: 8192\n"
		"\n[PENDING]\nhostpci0: 0000:08:00.0,pcie=1\n"
		"delete: hostpci2\n"
		"\n[pre-hba]\nhostpci1: 0000:06:00.0,pcie=1\nmemory: 8192\n";
	static const char own[] = "machine: q35\n\n[PENDING]\nhostpci0: 0000:06:00.0\n";
	struct vp_vm_req rq = { .vmid = 103, .devs = &gpu, .ndevs = 1, .numa_node = -1 };
	struct vp_vm_change ch;

	build_rq(t, &rq, &ch);
	assert_int_equal(ch.refusals.n, 0);
	/* 0 is pending, 1 in a snapshot, 2 pending deletion: 3 */
	assert_non_null(strstr(ch.text, "hostpci3: 0000:01:00,pcie=1\n"));
	assert_null(strstr(ch.text, "hostpci0: 0000:01"));
	assert_true(has_note(&ch, "hostpci0 is taken in [PENDING]"));
	assert_true(has_note(&ch, "hostpci2 is taken in [PENDING] (a pending deletion)"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	/* the device already pending in this VM: left alone */
	rq.devs = &hba;
	build_rq(own, &rq, &ch);
	assert_int_equal(ch.refusals.n, 0);
	assert_null(strstr(ch.text, "hostpci1"));
	assert_true(has_note(&ch, "already in [PENDING] hostpci0"));
	vp_vm_change_free(&ch);
}

/* An HBA, NIC or USB controller: hostpci only; pcie=1 only on q35. */
static void test_non_display(void **state)
{
	static const char seabios[] =
		"boot: order=scsi0\ncores: 2\nmemory: 4096\nostype: l26\n";
	static const char q35[] = "machine: q35\nmemory: 4096\nostype: l26\n";
	struct vp_vm_req rq = { .vmid = 104, .devs = &hba, .ndevs = 1, .numa_node = -1 };
	struct vp_vm_change ch;

	build_rq(seabios, &rq, &ch);
	assert_non_null(strstr(ch.text, "hostpci0: 0000:06:00.0\n"));
	assert_null(strstr(ch.text, "machine:"));
	assert_null(strstr(ch.text, "bios:"));
	assert_null(strstr(ch.text, "cpu:"));
	assert_null(strstr(ch.text, "vga:"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	rq.ovmf = true; /* --ovmf is for GPUs: an HBA never changes the firmware */
	build_rq(q35, &rq, &ch);
	assert_non_null(strstr(ch.text, "hostpci0: 0000:06:00.0,pcie=1\n"));
	assert_null(strstr(ch.text, "bios:"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);
}

/* A SeaBIOS guest keeps SeaBIOS unless --ovmf, and then with a warning. */
static void test_seabios(void **state)
{
	static const char t[] = "boot: order=scsi0\nmemory: 8192\nostype: l26\n"
				"scsi0: local-lvm:vm-100-disk-0,size=32G\n";
	struct vp_vm_req rq = { .vmid = 100, .devs = &gpu, .ndevs = 1, .numa_node = -1 };
	struct vp_vm_change ch;

	build_rq(t, &rq, &ch);
	assert_null(strstr(ch.text, "bios:"));
	assert_non_null(strstr(ch.text, "machine: q35\n"));
	assert_true(has_note(&ch, "bios stays SeaBIOS"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);
	rq.ovmf = true;
	build_rq(t, &rq, &ch);
	assert_non_null(strstr(ch.text, "bios: ovmf\n"));
	assert_true(has_note(&ch, "warning: bios seabios -> ovmf"));
	vp_vm_change_free(&ch);
}

/* --tune: hugepages only where Proxmox will start the VM. */
static void test_tune(void **state)
{
	struct vp_vm_req rq = { .vmid = 100,
				.devs = &gpu,
				.ndevs = 1,
				.ovmf = true,
				.tune = true,
				.host_nodes = 1,
				.numa_node = 0,
				.hp = { .known = true,
					.has_1g = true,
					.has_2m = true,
					.total_1g = 4,
					.free_1g = 4,
					.total_2m = 0,
					.free_2m = 0 } };
	struct vp_vm_change ch;

	/* one node, numa 0: numa 1 and 1 GiB pages; 4 free, 16 needed: a warning */
	build_rq("memory: 16384\nnuma: 0\nsockets: 1\n", &rq, &ch);
	assert_non_null(strstr(ch.text, "numa: 1\n"));
	assert_null(strstr(ch.text, "numa: 0\n"));
	assert_non_null(strstr(ch.text, "hugepages: 1024\n"));
	assert_null(strstr(ch.text, "numa0:"));
	assert_true(
		has_note(&ch, "warning: hugepages: the host has 4 free pages of 1 GiB"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	/* memory not a multiple of 1 GiB: 2 MiB pages */
	build_rq("memory: 3000\n", &rq, &ch);
	assert_non_null(strstr(ch.text, "hugepages: 2\n"));
	assert_non_null(strstr(ch.text, "numa: 1\n"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	/* two sockets on a one-node host: guest node 1 has no host node 1 */
	build_rq("memory: 4096\nsockets: 2\n", &rq, &ch);
	assert_null(strstr(ch.text, "hugepages:"));
	assert_true(has_note(&ch, "host NUMA node1 doesn't exist"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	/* an admin's numa0 without hostnodes: skipped, left alone */
	build_rq("memory: 4096\nnuma: 1\nnuma0: cpus=0-3,memory=4096\n", &rq, &ch);
	assert_null(strstr(ch.text, "hugepages:"));
	assert_true(has_note(&ch, "numa hostnodes need to be defined"));
	vp_vm_change_free(&ch);

	/* memory hotplug: no hugepages, no numa0 */
	build_rq("memory: 4096\nhotplug: network,disk,memory\n", &rq, &ch);
	assert_null(strstr(ch.text, "hugepages:"));
	assert_null(strstr(ch.text, "numa0:"));
	vp_vm_change_free(&ch);

	/* two nodes: bound to the GPU's node, memory in numa0 */
	rq.host_nodes = 2;
	rq.multi_node = true;
	rq.numa_node = 1;
	rq.node_cpus = "16-31";
	build_rq("memory: 65536\ncores: 16\n", &rq, &ch);
	assert_non_null(strstr(
		ch.text, "numa0: cpus=0-15,hostnodes=1,memory=65536,policy=bind\n"));
	assert_non_null(strstr(ch.text, "affinity: 16-31\n"));
	assert_starts(&ch);
	vp_vm_change_free(&ch);
}

/* --mapping honours --primary-gpu; Windows 11 gets its EFI disk and TPM. */
static void test_mapping_win11(void **state)
{
	static const char t[] = "boot: order=scsi0;ide2\nmemory: 8192\nostype: win11\n"
				"ide2: local:iso/w.iso,media=cdrom\n"
				"scsi0: fast:vm-100-disk-0,size=64G\n";
	struct vp_vm_req rq = { .vmid = 100,
				.mapping = "rtx4090",
				.devs = &gpu,
				.ndevs = 1,
				.primary_gpu = true,
				.ovmf = true,
				.numa_node = -1 };
	struct vp_vm_change ch;

	build_rq(t, &rq, &ch);
	assert_non_null(strstr(ch.text, "hostpci0: mapping=rtx4090,pcie=1,x-vga=1\n"));
	assert_non_null(strstr(ch.text, "vga: none\n"));
	assert_int_equal(ch.alloc_keys.n, 2);
	assert_string_equal(ch.alloc_keys.v[0], "efidisk0");
	/* the 2023 Microsoft UEFI CA: the 2011 certificates expire in June 2026 */
	assert_string_equal(ch.alloc_values.v[0],
			    "fast:1,efitype=4m,pre-enrolled-keys=1,ms-cert=2023k");
	assert_string_equal(ch.alloc_keys.v[1], "tpmstate0");
	assert_string_equal(ch.alloc_values.v[1], "fast:1,version=v2.0");
	assert_schema_ok(&ch);
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	/* qemu-server before 9.0.27 has no ms-cert key: left out, with a note */
	rq.qemu_server = "9.0.18";
	build_rq(t, &rq, &ch);
	assert_string_equal(ch.alloc_values.v[0],
			    "fast:1,efitype=4m,pre-enrolled-keys=1");
	assert_true(has_note(&ch, "qm enroll-efi-keys"));
	vp_vm_change_free(&ch);
}

/* A ConnectX VF on mlx5_vfio_pci: driver=keep, where qemu-server knows it. */
static void test_keep(void **state)
{
	struct vp_vm_dev vf = { .host = "0000:07:00.2",
				.vendor = 0x15b3,
				.device = 0x101e,
				.class = 0x020000,
				.driver = "mlx5_vfio_pci",
				.keep = true };
	struct vp_vm_req rq = { .vmid = 100, .devs = &vf, .ndevs = 1, .numa_node = -1 };
	struct vp_vm_change ch;

	build_rq("machine: q35\nbios: ovmf\n", &rq, &ch);
	assert_int_equal(ch.refusals.n, 0);
	assert_non_null(strstr(ch.text, "hostpci0: 0000:07:00.2,pcie=1,driver=keep\n"));
	assert_true(has_note(&ch, "stays on its VFIO variant driver mlx5_vfio_pci"));
	assert_schema_ok(&ch);
	assert_starts(&ch);
	vp_vm_change_free(&ch);

	rq.qemu_server = "9.1.1";
	build_rq("machine: q35\n", &rq, &ch);
	assert_non_null(strstr(ch.text, "hostpci0: 0000:07:00.2,pcie=1,driver=keep\n"));
	assert_false(has_note(&ch, "version is unknown"));
	vp_vm_change_free(&ch);

	/* qemu-server 9.0.18 predates driver=: refused, nothing written */
	rq.qemu_server = "9.0.18";
	build_rq("machine: q35\n", &rq, &ch);
	assert_int_equal(ch.refusals.n, 1);
	assert_non_null(strstr(ch.refusals.v[0], "added in 9.0.25"));
	assert_null(strstr(ch.text, "hostpci0"));
	vp_vm_change_free(&ch);

	/* an ordinary driver: no keep */
	vf.keep = false;
	vf.driver = "mlx5_core";
	rq.qemu_server = NULL;
	build_rq("machine: q35\n", &rq, &ch);
	assert_non_null(strstr(ch.text, "hostpci0: 0000:07:00.2,pcie=1\n"));
	vp_vm_change_free(&ch);
}

/*
 * 64-bit BARs of 4 GiB and more under OVMF: a kvm64/qemu64-based CPU type
 * gets +pdpe1gb (qemu-server 9.1.7 CPUConfig.pm), cpu: host only a note.
 */
static void test_large_bar(void **state)
{
	struct vp_vm_dev acc = { .host = "0000:41:00.0",
				 .vendor = 0x1e52,
				 .device = 0x0001,
				 .class = 0x120000,
				 .bar64 = 64ULL << 30 };
	struct vp_vm_dev rtx = { .host = "0000:01:00",
				 .vendor = 0x10de,
				 .device = 0x2684,
				 .class = 0x030000,
				 .bar64 = (32ULL << 30) + (32 << 20) };
	struct vp_vm_req rq = { .vmid = 100, .devs = &acc, .ndevs = 1, .numa_node = -1 };
	struct vp_vm_change ch, again;

	build_rq("bios: ovmf\ncpu: x86-64-v2-AES,flags=+aes;-pdpe1gb\nmachine: q35\n",
		 &rq, &ch);
	assert_non_null(strstr(ch.text, "cpu: x86-64-v2-AES,flags=+aes;+pdpe1gb\n"));
	assert_true(has_note(&ch, "+pdpe1gb"));
	assert_schema_ok(&ch);
	build_rq(ch.text, &rq, &again);
	assert_int_equal(again.keys.n, 0);
	vp_vm_change_free(&again);
	vp_vm_change_free(&ch);

	/* no cpu line: Proxmox's default kvm64 */
	build_rq("bios: ovmf\nmachine: q35\n", &rq, &ch);
	assert_non_null(strstr(ch.text, "cpu: kvm64,flags=+pdpe1gb\n"));
	assert_schema_ok(&ch);
	vp_vm_change_free(&ch);

	/* a named model: whether it has pdpe1gb is not known here */
	build_rq("bios: ovmf\ncpu: EPYC-Rome\nmachine: q35\n", &rq, &ch);
	assert_null(strstr(ch.text, "pdpe1gb"));
	assert_true(has_note(&ch, "is not known here"));
	vp_vm_change_free(&ch);

	/* SeaBIOS: no flag */
	build_rq("cpu: kvm64\nmachine: q35\n", &rq, &ch);
	assert_null(strstr(ch.text, "pdpe1gb"));
	vp_vm_change_free(&ch);

	/* small BARs: nothing */
	acc.bar64 = 256 << 20;
	build_rq("bios: ovmf\ncpu: kvm64\nmachine: q35\n", &rq, &ch);
	assert_null(strstr(ch.text, "pdpe1gb"));
	assert_false(has_note(&ch, "64-bit BARs"));
	vp_vm_change_free(&ch);

	/* a GPU gets cpu: host, which has pdpe1gb and the host's phys-bits */
	rtx.kb = vp_kb_gpu_lookup(rtx.vendor, rtx.device);
	rq.devs = &rtx;
	build_rq("bios: ovmf\ncpu: x86-64-v2-AES\nmachine: q35\n", &rq, &ch);
	assert_non_null(strstr(ch.text, "cpu: host\n"));
	assert_null(strstr(ch.text, "pdpe1gb"));
	assert_true(has_note(&ch, "cpu host gives the guest the host's pdpe1gb"));
	vp_vm_change_free(&ch);
}

/* A romfile is root@pam's alone since qemu-server 9.2.6. */
static void test_romfile_root(void **state)
{
	struct vp_vm_dev apu = { .host = "0000:c6:00.0",
				 .vendor = 0x1002,
				 .class = 0x030000 };
	struct vp_vm_req rq = { .vmid = 100, .devs = &apu, .ndevs = 1, .numa_node = -1 };
	struct vp_vm_change ch;

	for (size_t i = 0; i < vp_kb_gpu_count(); i++)
		if (vp_kb_gpu_at(i)->needs_romfile && vp_kb_gpu_at(i)->vendor == 0x1002) {
			apu.kb = vp_kb_gpu_at(i);
			apu.device = apu.kb->first;
			break;
		}
	assert_non_null(apu.kb);
	build_rq("bios: ovmf\nmachine: q35\n", &rq, &ch);
	assert_non_null(strstr(ch.text, ",romfile=vbios-1002-"));
	assert_true(has_note(&ch, "romfile= can only be set by root@pam"));
	assert_schema_ok(&ch);
	vp_vm_change_free(&ch);
}

/* vm lint: a Windows EFI disk with Microsoft's keys but without the 2023 CA. */
static void test_lint_ms_cert(void **state)
{
	static const struct {
		const char *text;
		bool warn;
	} cases[] = {
		{ "bios: ovmf\nostype: win11\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,"
		  "pre-enrolled-keys=1,size=4M\n",
		  true },
		{ "bios: ovmf\nostype: win10\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,"
		  "ms-cert=2023,pre-enrolled-keys=1,size=4M\n",
		  true },
		{ "bios: ovmf\nostype: win11\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,"
		  "ms-cert=2023k,pre-enrolled-keys=1,size=4M\n",
		  false },
		/* no keys enrolled: Secure Boot off, nothing to update */
		{ "bios: ovmf\nostype: win11\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,"
		  "size=4M\n",
		  false },
		/* Linux: Proxmox warns at start too, but it is Windows that breaks */
		{ "bios: ovmf\nostype: l26\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,"
		  "pre-enrolled-keys=1,size=4M\n",
		  false },
	};

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
		struct vp_lint_env env = { .vmid = 100 };
		struct vp_lint l;
		bool found = false;

		assert_int_equal(
			vp_pve_vmconf_parse(cases[k].text, strlen(cases[k].text), &c), 0);
		assert_int_equal(vp_vm_lint(c, &env, &l), 0);
		for (size_t i = 0; i < l.n; i++)
			if (streq(l.f[i].id, "efi-ms-cert")) {
				found = true;
				assert_non_null(
					strstr(l.f[i].fix, "qm enroll-efi-keys 100"));
			}
		assert_int_equal(found, cases[k].warn);
		vp_lint_free(&l);
	}
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

/* The memory rules of Memory.pm as lint findings. */
static void test_lint_memory(void **state)
{
	static const struct {
		const char *text, *id;
	} cases[] = {
		{ "memory: 16384\nnuma: 0\nhugepages: 1024\n", "hugepages-without-numa" },
		{ "memory: 3000\nnuma: 1\nhugepages: 1024\n", "hugepages-size" },
		{ "memory: 8192\nnuma: 1\nhugepages: 2\nnuma0: cpus=0-3,memory=8192\n",
		  "numa-hugepages" },
		{ "memory: 8192\nnuma: 1\nnuma0: cpus=0-3,memory=4096\n", "numa-memory" },
		{ "memory: 8192\nnuma: 1\nhugepages: 1024\n", NULL },
	};

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
		struct vp_lint_env env = { 0 };
		struct vp_lint l;
		bool found = false;

		assert_int_equal(
			vp_pve_vmconf_parse(cases[k].text, strlen(cases[k].text), &c), 0);
		assert_int_equal(vp_vm_lint(c, &env, &l), 0);
		for (size_t i = 0; i < l.n; i++)
			found |= cases[k].id && streq(l.f[i].id, cases[k].id);
		if (cases[k].id)
			assert_true(found);
		else
			assert_int_equal(vp_lint_verdict(&l), 0);
		vp_lint_free(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpu),
		cmocka_unit_test(test_compute_and_full),
		cmocka_unit_test(test_arc_hiding),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_pending_snapshots),
		cmocka_unit_test(test_non_display),
		cmocka_unit_test(test_seabios),
		cmocka_unit_test(test_tune),
		cmocka_unit_test(test_mapping_win11),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_large_bar),
		cmocka_unit_test(test_romfile_root),
		cmocka_unit_test(test_lint_ms_cert),
		cmocka_unit_test(test_lint_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
