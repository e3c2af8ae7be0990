// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The `map` entries of the cluster resource mappings: pve-guest-common
 * src/PVE/Mapping/PCI.pm and USB.pm $map_fmt (knowledge §3.2, §3.3). Neither
 * format has a default key.
 */
#include "pve/schemas.h"
#include "util.h"

#define NODE                                                                         \
	{                                                                            \
		.key = "node", .format = vp_pve_fmt_node, .format_name = "pve-node", \
	}
#define DESCRIPTION                                                         \
	{                                                                   \
		.key = "description", .optional = true, .max_length = 4096, \
	}

static const struct vp_pve_prop pci_map_props[] = {
	NODE,
	{
		.key = "id",
		.pattern = vp_pve_pat_vendor_device,
		.pattern_text = "^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$",
	},
	{
		.key = "subsystem-id",
		.optional = true,
		.pattern = vp_pve_pat_vendor_device,
		.pattern_text = "^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$",
	},
	{
		.key = "path",
		.pattern = vp_pve_pat_map_pci_path,
		.pattern_text = "(?:PCI_RE;)*PCI_RE, PCI_RE = [a-f0-9]{4,}:[a-f0-9]{2}:"
				"[a-f0-9]{2}(?:\\.[a-f0-9])?",
	},
	{
		.key = "iommugroup",
		.type = VP_PVE_T_INTEGER,
		.optional = true,
	},
	DESCRIPTION,
};

static const struct vp_pve_schema pci_map = {
	.name = "pve-pci-mapping-map",
	.props = pci_map_props,
	.n_props = ARRAY_SIZE(pci_map_props),
};

const struct vp_pve_schema *vp_pve_schema_pci_map(void)
{
	return &pci_map;
}

static const struct vp_pve_prop usb_map_props[] = {
	NODE,
	{
		.key = "id",
		.pattern = vp_pve_pat_vendor_device,
		.pattern_text = "^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$",
	},
	{
		.key = "path",
		.optional = true,
		.pattern = vp_pve_pat_usb_path,
		.pattern_text = "^(\\d+)\\-(\\d+(\\.\\d+)*)$",
	},
	DESCRIPTION,
};

static const struct vp_pve_schema usb_map = {
	.name = "pve-usb-mapping-map",
	.props = usb_map_props,
	.n_props = ARRAY_SIZE(usb_map_props),
};

const struct vp_pve_schema *vp_pve_schema_usb_map(void)
{
	return &usb_map;
}
