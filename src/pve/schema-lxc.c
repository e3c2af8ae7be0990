// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pve-container's devN format: src/PVE/LXC/Config.pm $dev_desc (devN since
 * pve-container 5.0.7, deny-write since 5.2.0; knowledge §7).
 */
#include "pve/schemas.h"
#include "util.h"

static const struct vp_pve_prop dev_props[] = {
	{
		.key = "path",
		.default_key = true,
		.optional = true, /* optional in the schema; parse_device requires it */
		.format = vp_pve_fmt_lxc_dev,
		.format_name = "pve-lxc-dev-string",
	},
	{
		.key = "mode",
		.optional = true,
		.pattern = vp_pve_pat_lxc_mode,
		.pattern_text = "0[0-7]{3}",
	},
	{
		.key = "uid",
		.type = VP_PVE_T_INTEGER,
		.optional = true,
		.has_min = true,
		.min = 0,
	},
	{
		.key = "gid",
		.type = VP_PVE_T_INTEGER,
		.optional = true,
		.has_min = true,
		.min = 0,
	},
	{
		.key = "deny-write",
		.type = VP_PVE_T_BOOLEAN,
		.optional = true,
		.def = "0",
	},
};

static const struct vp_pve_schema dev = {
	.name = "pve-lxc-dev",
	.props = dev_props,
	.n_props = ARRAY_SIZE(dev_props),
};

const struct vp_pve_schema *vp_pve_schema_lxc_dev(void)
{
	return &dev;
}
