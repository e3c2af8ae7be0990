// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The keys of a container config: pve-container src/PVE/LXC/Config.pm
 * $confdesc, with devN 0-255 (knowledge §1.3, §7), mpN, unusedN (0-255) and
 * netN (0-31).
 */
#include <errno.h>
#include <string.h>

#include "pve/keys.h"
#include "pve/keytab.h"
#include "pve/priv.h"
#include "pve/schemas.h"
#include "util.h"

/* update_pct_config: "Path is not defined for passthrough device devN". */
static int dev_needs_path(const char *key, const char *value, char **msg)
{
	struct vp_pve_propstr ps;
	bool has_path;
	int r = vp_pve_propstr_parse(vp_pve_schema_lxc_dev(), value, &ps, NULL);

	if (r < 0)
		return r == -ENOMEM ? r : 0; /* the file level reports it */
	has_path = vp_pve_propstr_get(&ps, "path") != NULL;
	vp_pve_propstr_free(&ps);
	if (has_path)
		return 0;
	return vp_pve_fail(msg, -EINVAL, "Path is not defined for passthrough device %s",
			   key);
}

static const struct vp_pve_key ct_keys[] = {
	ENUM("arch", "amd64", "i386", "arm64", "armhf", "riscv32", "riscv64"),
	ENUM("cmode", "shell", "console", "tty"),
	BOOL("console"),
	INTR("cores", 1, 8192),
	{ .name = "cpulimit",
	  .type = VP_PVE_T_NUMBER,
	  .has_min = true,
	  .has_max = true,
	  .max = 8192 },
	INTR("cpuunits", 0, 500000),
	BOOL("debug"),
	{ .name = "description", .max_length = 8192 },
	{
		.name = "dev",
		.count = 256,
		.schema = vp_pve_schema_lxc_dev,
		.api_check = dev_needs_path,
	},
	STR("entrypoint"),
	UNCHECKED("features", "format of features"),
	{ .name = "hookscript",
	  .format = vp_pve_fmt_volume_id,
	  .format_name = "pve-volume-id" },
	UNCHECKED("hostname", "format dns-name"),
	BOOL("ipmanagehost"),
	{
		.name = "lock",
		.internal = true,
		.enums =
			(const char *const[]){ "backup", "create", "destroyed", "disk",
					       "fstrim", "migrate", "mounted", "rollback",
					       "snapshot", "snapshot-delete", NULL },
	},
	INT("memory", 16),
	UNCHECKEDN("mp", 256, "format pve-ct-mountpoint"),
	UNCHECKED("nameserver", "format lxc-ip-with-ll-iface-list"),
	UNCHECKEDN("net", 32, "format pve-lxc-network"),
	BOOL("onboot"),
	ENUM("ostype", "debian", "devuan", "ubuntu", "centos", "fedora", "opensuse",
	     "archlinux", "alpine", "gentoo", "nixos", "unmanaged"),
	{
		.name = "parent",
		.format = vp_pve_fmt_configid,
		.format_name = "pve-configid",
		.max_length = 40,
		.internal = true,
	},
	BOOL("protection"),
	UNCHECKED("rootfs", "format pve-ct-rootfs"),
	UNCHECKED("searchdomain", "format dns-name-list"),
	{ .name = "snaptime",
	  .type = VP_PVE_T_INTEGER,
	  .has_min = true,
	  .internal = true },
	UNCHECKED("startup", "format pve-startup-order"),
	INT("swap", 0),
	UNCHECKED("tags", "format pve-tag-list"),
	BOOL("template"),
	UNCHECKED("timezone", "format pve-ct-timezone"),
	INTR("tty", 0, 6),
	BOOL("unprivileged"),
	UNCHECKEDN("unused", 256, "format pve-volume-id"),
};

const struct vp_pve_key *vp_pve_ct_key(const char *key)
{
	return vp_pve_key_lookup(ct_keys, ARRAY_SIZE(ct_keys), key);
}
