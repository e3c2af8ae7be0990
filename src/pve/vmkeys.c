// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The keys of a VM config: qemu-server src/PVE/QemuServer.pm $confdesc and
 * $confdesc_cloudinit, the drive keys of Drive.pm, hostpciN (PCI.pm, 0-15),
 * usbN (USB.pm, 0-13), numaN (Memory.pm, 0-7), virtiofsN (0-9), and the keys
 * the 9.x API lists (allow-ksm, intel-tdx). Knowledge §1.3 has the limits.
 */
#include <string.h>

#include "pve/keys.h"
#include "pve/schemas.h"
#include "util.h"

#define BOOL(n)                                     \
	{                                           \
		.name = n, .type = VP_PVE_T_BOOLEAN \
	}
#define STR(n)            \
	{                 \
		.name = n \
	}
#define INT(n, lo)                                                              \
	{                                                                       \
		.name = n, .type = VP_PVE_T_INTEGER, .has_min = true, .min = lo \
	}
#define INTR(n, lo, hi)                                                          \
	{                                                                        \
		.name = n, .type = VP_PVE_T_INTEGER, .has_min = true, .min = lo, \
		.has_max = true, .max = hi                                       \
	}
#define NUM(n, lo)                                                             \
	{                                                                      \
		.name = n, .type = VP_PVE_T_NUMBER, .has_min = true, .min = lo \
	}
#define NUMR(n, lo, hi)                                                         \
	{                                                                       \
		.name = n, .type = VP_PVE_T_NUMBER, .has_min = true, .min = lo, \
		.has_max = true, .max = hi                                      \
	}
#define ENUM(n, ...)                                      \
	{                                                 \
		.name = n, .enums = (const char *const[]) \
		{                                         \
			__VA_ARGS__, NULL                 \
		}                                         \
	}
#define UNCHECKED(n, what)                   \
	{                                    \
		.name = n, .unchecked = what \
	}
#define UNCHECKEDN(n, c, what)                           \
	{                                                \
		.name = n, .count = c, .unchecked = what \
	}
#define SCHEMA(n, fn)                   \
	{                               \
		.name = n, .schema = fn \
	}
#define FORMAT(n, fn, fname)                                  \
	{                                                     \
		.name = n, .format = fn, .format_name = fname \
	}

static const struct vp_pve_key vm_keys[] = {
	BOOL("acpi"),
	FORMAT("affinity", vp_pve_fmt_cpuset, "pve-cpuset"),
	UNCHECKED("agent", "format pve-qm-agent"),
	BOOL("allow-ksm"),
	UNCHECKED("amd-sev", "format pve-qemu-sev-fmt"),
	ENUM("arch", "x86_64", "aarch64"),
	STR("args"), /* stored verbatim, never validated (knowledge §1.1) */
	UNCHECKED("audio0", "format pve-qm-audio"),
	BOOL("autostart"),
	INT("balloon", 0),
	ENUM("bios", "seabios", "ovmf"),
	UNCHECKED("boot", "format pve-qm-boot"),
	UNCHECKED("bootdisk", "format pve-qm-bootdisk"),
	UNCHECKED("cdrom", "format pve-qm-ide"),
	UNCHECKED("cicustom", "format pve-qm-cicustom"),
	STR("cipassword"),
	ENUM("citype", "configdrive2", "nocloud", "opennebula"),
	BOOL("ciupgrade"),
	STR("ciuser"),
	INT("cores", 1),
	SCHEMA("cpu", vp_pve_schema_cpu),
	NUMR("cpulimit", 0, 128),
	INTR("cpuunits", 1, 262144),
	{ .name = "description", .max_length = 8192 },
	SCHEMA("efidisk0", vp_pve_schema_efidisk),
	BOOL("freeze"),
	FORMAT("hookscript", vp_pve_fmt_volume_id, "pve-volume-id"),
	{ .name = "hostpci", .count = 16, .schema = vp_pve_schema_hostpci },
	UNCHECKED("hotplug", "format pve-hotplug-features"),
	ENUM("hugepages", "any", "2", "1024"),
	UNCHECKEDN("ide", 4, "format pve-qm-ide"),
	UNCHECKED("intel-tdx", "format pve-qemu-tdx-fmt"),
	UNCHECKEDN("ipconfig", 32, "format pve-qm-ipconfig"),
	UNCHECKED("ivshmem", "format pve-qm-ivshmem"),
	BOOL("keephugepages"),
	ENUM("keyboard", "de", "de-ch", "da", "en-gb", "en-us", "es", "fi", "fr", "fr-be",
	     "fr-ca", "fr-ch", "hu", "is", "it", "ja", "lt", "mk", "nl", "no", "pl", "pt",
	     "pt-br", "sv", "sl", "tr"),
	BOOL("kvm"),
	BOOL("localtime"),
	{
		.name = "lock",
		.internal = true,
		.enums = (const char *const[]){ "backup", "clone", "create", "migrate",
						"rollback", "snapshot", "snapshot-delete",
						"suspending", "suspended", NULL },
	},
	SCHEMA("machine", vp_pve_schema_machine),
	SCHEMA("memory", vp_pve_schema_memory),
	{ .name = "meta", .internal = true, .unchecked = "format pve-qm-meta-info" },
	NUM("migrate_downtime", 0),
	INT("migrate_speed", 0),
	UNCHECKED("name", "format dns-name"),
	UNCHECKED("nameserver", "format address-list"),
	UNCHECKEDN("net", 32, "format pve-qm-net"),
	BOOL("numa"),
	{ .name = "numa", .count = 8, .schema = vp_pve_schema_numa },
	BOOL("onboot"),
	ENUM("ostype", "other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8",
	     "win10", "win11", "l24", "l26", "solaris"),
	UNCHECKEDN("parallel", 3, "pattern of parallelN"),
	{
		.name = "parent",
		.format = vp_pve_fmt_configid,
		.format_name = "pve-configid",
		.max_length = 40,
		.internal = true,
	},
	BOOL("protection"),
	BOOL("reboot"),
	UNCHECKED("rng0", "format pve-qm-rng"),
	{ .name = "running-nets-host-mtu", .internal = true, .unchecked = "pattern" },
	{ .name = "runningcpu", .internal = true, .unchecked = "pattern" },
	{ .name = "runningmachine",
	  .internal = true,
	  .unchecked = "format pve-qemu-machine" },
	UNCHECKEDN("sata", 6, "format pve-qm-sata"),
	UNCHECKEDN("scsi", 31, "format pve-qm-scsi"),
	ENUM("scsihw", "lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single",
	     "megasas", "pvscsi"),
	STR("searchdomain"),
	UNCHECKEDN("serial", 4, "pattern of serialN"),
	INTR("shares", 0, 50000),
	UNCHECKED("smbios1", "format pve-qm-smbios1"),
	INT("smp", 1),
	{ .name = "snaptime",
	  .type = VP_PVE_T_INTEGER,
	  .has_min = true,
	  .internal = true },
	INT("sockets", 1),
	UNCHECKED("spice_enhancements", "format pve-qm-spice-enhancements"),
	UNCHECKED("sshkeys", "format urlencoded"),
	UNCHECKED("startdate", "pattern of startdate"),
	UNCHECKED("startup", "format pve-startup-order"),
	BOOL("tablet"),
	UNCHECKED("tags", "format pve-tag-list"),
	BOOL("tdf"),
	BOOL("template"),
	UNCHECKED("tpmstate0", "format pve-qm-tpmstate"),
	UNCHECKEDN("unused", 256, "format pve-volume-id"),
	{ .name = "usb", .count = 14, .schema = vp_pve_schema_usb },
	INT("vcpus", 1),
	SCHEMA("vga", vp_pve_schema_vga),
	UNCHECKEDN("virtio", 16, "format pve-qm-virtio"),
	UNCHECKEDN("virtiofs", 10, "format pve-qm-virtiofs"),
	{ .name = "vmgenid", .pattern = vp_pve_pat_vmgenid },
	{
		.name = "vmstate",
		.format = vp_pve_fmt_volume_id,
		.format_name = "pve-volume-id",
		.internal = true,
	},
	UNCHECKED("vmstatestorage", "format pve-storage-id"),
	UNCHECKED("watchdog", "format pve-qm-watchdog"),
};

const struct vp_pve_key *vp_pve_vm_key(const char *key)
{
	return vp_pve_key_lookup(vm_keys, ARRAY_SIZE(vm_keys), key);
}
