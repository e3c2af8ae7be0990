// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qemu-server's property-string formats used for passthrough, as tables.
 * Sources: qemu-server src/PVE/QemuServer/PCI.pm ($hostpci_fmt, incl. the
 * `driver` key of 9.0.25), USB.pm ($usb_fmt), CPUConfig.pm ($cpu_fmt and
 * validate_vm_cpu_conf), Machine.pm (pve-qemu-machine-fmt), Memory.pm
 * ($memory_fmt, $numa_fmt), Drive.pm ($efidisk_fmt) and QemuServer.pm
 * ($vga_fmt); knowledge proxmox-formats.md §2.1-§2.4.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pve/priv.h"
#include "pve/schemas.h"
#include "util.h"

#define BOOLEAN(k, d)                                                          \
	{                                                                      \
		.key = k, .type = VP_PVE_T_BOOLEAN, .optional = true, .def = d \
	}

static const struct vp_pve_prop hostpci_props[] = {
	{
		.key = "host",
		.default_key = true,
		.optional = true,
		.pattern = vp_pve_pat_hostpci_host,
		.pattern_text = "PCIRE(;PCIRE)*, PCIRE = (?:[a-f0-9]{4,}:)?[a-f0-9]{2}:"
				"[a-f0-9]{2}(?:\\.[a-f0-9])?",
	},
	{
		.key = "mapping",
		.optional = true,
		.format = vp_pve_fmt_configid,
		.format_name = "pve-configid",
	},
	BOOLEAN("rombar", "1"),
	{
		.key = "romfile",
		.optional = true,
		.pattern = vp_pve_pat_romfile,
		.pattern_text = "[^,;]+",
	},
	BOOLEAN("pcie", "0"),
	BOOLEAN("x-vga", "0"),
	BOOLEAN("legacy-igd", "0"),
	{
		.key = "mdev",
		.optional = true,
		.pattern = vp_pve_pat_mdev,
		.pattern_text = "[^/\\.:]+",
	},
#define HEX_ID(k)                                                         \
	{                                                                 \
		.key = k, .optional = true, .pattern = vp_pve_pat_hex_id, \
		.pattern_text = "^0x[0-9a-fA-F]{4}$",                     \
	}
	HEX_ID("vendor-id"),
	HEX_ID("device-id"),
	HEX_ID("sub-vendor-id"),
	HEX_ID("sub-device-id"),
#undef HEX_ID
	{
		.key = "driver",
		.optional = true,
		.def = "vfio",
		.enums = (const char *const[]){ "vfio", "keep", NULL },
	},
};

static const struct vp_pve_schema hostpci = {
	.name = "pve-qm-hostpci",
	.props = hostpci_props,
	.n_props = ARRAY_SIZE(hostpci_props),
};

const struct vp_pve_schema *vp_pve_schema_hostpci(void)
{
	return &hostpci;
}

static const struct vp_pve_prop usb_props[] = {
	{
		.key = "host",
		.default_key = true,
		.optional = true,
		.pattern = vp_pve_pat_usb_host,
		.pattern_text = "(?:(?:USB_ID_RE)|(?:USB_PATH_RE)|[Ss][Pp][Ii][Cc][Ee])",
	},
	{
		.key = "mapping",
		.optional = true,
		.format = vp_pve_fmt_configid,
		.format_name = "pve-configid",
	},
	BOOLEAN("usb3", "0"),
};

static const struct vp_pve_schema usb = {
	.name = "pve-qm-usb",
	.props = usb_props,
	.n_props = ARRAY_SIZE(usb_props),
};

const struct vp_pve_schema *vp_pve_schema_usb(void)
{
	return &usb;
}

/* CPUConfig.pm $cpu_vendor_list (also the reported-model enum). */
static const char *const cpu_models[] = {
	"486",
	"pentium",
	"pentium2",
	"pentium3",
	"coreduo",
	"core2duo",
	"Conroe",
	"Penryn",
	"Nehalem",
	"Nehalem-IBRS",
	"Westmere",
	"Westmere-IBRS",
	"SandyBridge",
	"SandyBridge-IBRS",
	"IvyBridge",
	"IvyBridge-IBRS",
	"Haswell",
	"Haswell-IBRS",
	"Haswell-noTSX",
	"Haswell-noTSX-IBRS",
	"Broadwell",
	"Broadwell-IBRS",
	"Broadwell-noTSX",
	"Broadwell-noTSX-IBRS",
	"Skylake-Client",
	"Skylake-Client-IBRS",
	"Skylake-Client-noTSX-IBRS",
	"Skylake-Client-v4",
	"Skylake-Server",
	"Skylake-Server-IBRS",
	"Skylake-Server-noTSX-IBRS",
	"Skylake-Server-v4",
	"Skylake-Server-v5",
	"Cascadelake-Server",
	"Cascadelake-Server-v2",
	"Cascadelake-Server-noTSX",
	"Cascadelake-Server-v4",
	"Cascadelake-Server-v5",
	"Cooperlake",
	"Cooperlake-v2",
	"KnightsMill",
	"Icelake-Client",
	"Icelake-Client-noTSX",
	"Icelake-Server",
	"Icelake-Server-noTSX",
	"Icelake-Server-v3",
	"Icelake-Server-v4",
	"Icelake-Server-v5",
	"Icelake-Server-v6",
	"SapphireRapids",
	"SapphireRapids-v2",
	"GraniteRapids",
	"athlon",
	"phenom",
	"Opteron_G1",
	"Opteron_G2",
	"Opteron_G3",
	"Opteron_G4",
	"Opteron_G5",
	"EPYC",
	"EPYC-IBPB",
	"EPYC-v3",
	"EPYC-v4",
	"EPYC-Rome",
	"EPYC-Rome-v2",
	"EPYC-Rome-v3",
	"EPYC-Rome-v4",
	"EPYC-Milan",
	"EPYC-Milan-v2",
	"EPYC-Genoa",
	"host",
	"kvm32",
	"kvm64",
	"qemu32",
	"qemu64",
	"max",
	NULL,
};

/* CPUConfig.pm $builtin_models. */
static const char *const builtin_models[] = {
	"x86-64-v2", "x86-64-v2-AES", "x86-64-v3", "x86-64-v4", NULL,
};

/* CPUConfig.pm $supported_cpu_flags: what a VM config may name in flags=. */
static const char *const vm_cpu_flags[] = {
	"nested-virt", "md-clear",  "pcid",	"spec-ctrl",  "ssbd",
	"ibpb",	       "virt-ssbd", "amd-ssbd", "amd-no-ssb", "pdpe1gb",
	"hv-tlbflush", "hv-evmcs",  "aes",	NULL,
};

static bool in_list(const char *const *list, const char *s, size_t len)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
			return true;
	return false;
}

bool vp_pve_cpu_model_known(const char *model)
{
	return in_list(cpu_models, model, strlen(model)) ||
	       in_list(builtin_models, model, strlen(model));
}

/* Every [+-]FLAG of @flags is one of vm_cpu_flags. */
static bool vm_flags_ok(const char *flags)
{
	while (*flags) {
		size_t n = strcspn(flags + 1, ";");

		if ((*flags != '+' && *flags != '-') ||
		    !in_list(vm_cpu_flags, flags + 1, n))
			return false;
		flags += 1 + n;
		if (*flags == ';')
			flags++;
	}
	return true;
}

/*
 * validate_vm_cpu_conf. Definite errors first; a custom- model (whose
 * definition lives in cpu-models.conf) and a model missing from the table
 * above give -ENOENT, "cannot be verified here".
 */
static int validate_vm_cpu(const struct vp_pve_propstr *ps, char **reason)
{
	const char *type = vp_pve_propstr_get(ps, "cputype");
	const char *flags = vp_pve_propstr_get(ps, "flags");

	if (!type || !*type || streq(type, "0"))
		return vp_pve_fail(reason, -EINVAL, "CPU is missing cputype");
	if (flags && *flags && !vm_flags_ok(flags)) {
		_cleanup_free_ char *list = vp_pve_join(vm_cpu_flags);

		if (!list)
			return -ENOMEM;
		return vp_pve_fail(reason, -EINVAL,
				   "VM-specific CPU flags must be a subset of: %s", list);
	}
	if (vp_pve_propstr_get(ps, "reported-model"))
		return vp_pve_fail(
			reason, -EINVAL,
			"Property 'reported-model' not allowed in VM-specific CPU "
			"config.");
	if (startswith(type, "custom-"))
		return vp_pve_fail(reason, -ENOENT,
				   "custom CPU model '%s' must be defined in "
				   "virtual-guest/cpu-models.conf (not checked)",
				   type);
	if (!vp_pve_cpu_model_known(type))
		return vp_pve_fail(
			reason, -ENOENT,
			"Built-in cputype '%s' is not defined (missing 'custom-' "
			"prefix?), unless this host's QEMU lists it",
			type);
	return 0;
}

static const struct vp_pve_prop cpu_props[] = {
	{
		.key = "cputype",
		.default_key = true,
		.optional = true,
		.def = "kvm64",
	},
	{
		.key = "reported-model",
		.optional = true,
		.def = "kvm64",
		.enums = cpu_models,
	},
	BOOLEAN("hidden", "0"),
	{
		.key = "hv-vendor-id",
		.optional = true,
		.pattern = vp_pve_pat_hv_vendor_id,
		.pattern_text = "[a-zA-Z0-9]{1,12}",
	},
	{
		.key = "flags",
		.optional = true,
		.pattern = vp_pve_pat_cpu_flags,
		.pattern_text = "[+-][a-zA-Z0-9\\-_\\.]+(;[+-][a-zA-Z0-9\\-_\\.]+)*",
	},
	{
		.key = "guest-phys-bits",
		.type = VP_PVE_T_INTEGER,
		.optional = true,
		.has_min = true,
		.min = 32,
		.has_max = true,
		.max = 64,
	},
	{
		.key = "phys-bits",
		.optional = true,
		.format = vp_pve_fmt_phys_bits,
		.format_name = "pve-phys-bits",
	},
	{
		/* knowledge §2.3: integer 0..4294967295 (CPUID level, x86 only) */
		.key = "level",
		.type = VP_PVE_T_INTEGER,
		.optional = true,
		.has_min = true,
		.min = 0,
		.has_max = true,
		.max = 4294967295.0,
	},
};

static const struct vp_pve_schema cpu = {
	.name = "pve-vm-cpu-conf",
	.props = cpu_props,
	.n_props = ARRAY_SIZE(cpu_props),
	.validate = validate_vm_cpu,
};

const struct vp_pve_schema *vp_pve_schema_cpu(void)
{
	return &cpu;
}

static const struct vp_pve_prop vga_props[] = {
	{
		.key = "type",
		.default_key = true,
		.optional = true,
		.def = "std",
		.enums = (const char *const[]){ "cirrus", "qxl", "qxl2", "qxl3", "qxl4",
						"none", "serial0", "serial1", "serial2",
						"serial3", "std", "virtio", "virtio-gl",
						"vmware", NULL },
	},
	{
		.key = "memory",
		.type = VP_PVE_T_INTEGER,
		.optional = true,
		.has_min = true,
		.min = 4,
		.has_max = true,
		.max = 512,
	},
	{
		.key = "clipboard",
		.optional = true,
		.enums = (const char *const[]){ "vnc", NULL },
	},
};

static const struct vp_pve_schema vga = {
	.name = "pve-qm-vga",
	.props = vga_props,
	.n_props = ARRAY_SIZE(vga_props),
};

const struct vp_pve_schema *vp_pve_schema_vga(void)
{
	return &vga;
}

static const struct vp_pve_prop machine_props[] = {
	{
		.key = "type",
		.default_key = true,
		.optional = true,
		.pattern = vp_pve_pat_machine_type,
		.pattern_text =
			"(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|"
			"pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|"
			"virt(?:-\\d+(\\.\\d+)+)?(\\+pve\\d+)?)",
		.max_length = 40,
	},
	{
		.key = "viommu",
		.optional = true,
		.enums = (const char *const[]){ "intel", "virtio", NULL },
	},
	{
		.key = "aw-bits",
		.type = VP_PVE_T_NUMBER,
		.optional = true,
		.has_min = true,
		.min = 32,
		.has_max = true,
		.max = 64,
	},
	BOOLEAN("enable-s3", NULL),
	BOOLEAN("enable-s4", NULL),
};

static const struct vp_pve_schema machine = {
	.name = "pve-qemu-machine-fmt",
	.props = machine_props,
	.n_props = ARRAY_SIZE(machine_props),
};

const struct vp_pve_schema *vp_pve_schema_machine(void)
{
	return &machine;
}

static const struct vp_pve_prop memory_props[] = {
	{
		.key = "current",
		.type = VP_PVE_T_INTEGER,
		.default_key = true,
		.def = "512",
		.has_min = true,
		.min = 16,
	},
};

static const struct vp_pve_schema memory = {
	.name = "pve-qm-memory",
	.props = memory_props,
	.n_props = ARRAY_SIZE(memory_props),
};

const struct vp_pve_schema *vp_pve_schema_memory(void)
{
	return &memory;
}

static const struct vp_pve_prop numa_props[] = {
	{
		.key = "cpus",
		.pattern = vp_pve_pat_numa_ids,
		.pattern_text = "\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*",
	},
	{
		.key = "hostnodes",
		.optional = true,
		.pattern = vp_pve_pat_numa_ids,
		.pattern_text = "\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*",
	},
	{
		.key = "memory",
		.type = VP_PVE_T_NUMBER,
		.optional = true,
	},
	{
		.key = "policy",
		.optional = true,
		.enums = (const char *const[]){ "preferred", "bind", "interleave", NULL },
	},
};

static const struct vp_pve_schema numa = {
	.name = "pve-qm-numanode",
	.props = numa_props,
	.n_props = ARRAY_SIZE(numa_props),
};

const struct vp_pve_schema *vp_pve_schema_numa(void)
{
	return &numa;
}

static const struct vp_pve_prop efidisk_props[] = {
	{ .key = "volume", .alias = "file" },
	{
		.key = "file",
		.default_key = true,
		.format = vp_pve_fmt_volume_id_or_qm_path,
		.format_name = "pve-volume-id-or-qm-path",
	},
	{
		.key = "format",
		.optional = true,
		.enums = (const char *const[]){ "raw", "qcow", "qed", "qcow2", "vmdk",
						"cloop", NULL },
	},
	{
		.key = "size",
		.optional = true,
		.format = vp_pve_fmt_disk_size,
		.format_name = "disk-size",
	},
	{
		.key = "efitype",
		.optional = true,
		.def = "2m",
		.enums = (const char *const[]){ "2m", "4m", NULL },
	},
	BOOLEAN("pre-enrolled-keys", "0"),
	{
		/* the 2025 API schema: 2023 and 2023w are kept for compatibility */
		.key = "ms-cert",
		.optional = true,
		.def = "2011",
		.enums = (const char *const[]){ "2011", "2023", "2023w", "2023k", NULL },
	},
};

static const struct vp_pve_schema efidisk = {
	.name = "pve-qm-efidisk",
	.props = efidisk_props,
	.n_props = ARRAY_SIZE(efidisk_props),
};

const struct vp_pve_schema *vp_pve_schema_efidisk(void)
{
	return &efidisk;
}
