// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cluster mapping files (/etc/pve/mapping/pci.cfg and usb.cfg, the section
 * config parser): byte-identical serialisation of an unedited parse; an
 * added entry or map reads back.
 *
 * Input: TYPE-BYTE FILE NUL ID NUL MAP.
 */
#include <errno.h>

#include "fuzz.h"
#include "pve/mapping.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL, *n = NULL;
	_cleanup_(strv_free) struct strv maps = { 0 };
	_cleanup_free_ char *out = NULL, *reason = NULL;
	enum vp_pve_map_type type;
	char *part[3];
	size_t len;
	int r;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	type = data[0] & 1 ? VP_PVE_MAP_USB : VP_PVE_MAP_PCI;
	data++;
	size--;
	if (!memchr(data, '\0', size)) {
		FUZZ_ASSERT(vp_pve_mapping_parse(type, (const char *)data, size, &m) ==
			    0);
		FUZZ_ASSERT(vp_pve_mapping_serialize(m, &out, &len) == 0);
		FUZZ_ASSERT(len == size && memcmp(out, data, size) == 0);
		for (size_t i = 0; i < m->n_entries; i++) {
			/* Proxmox drops invalid sections: find sees valid ones only. */
			if (m->entries[i].valid)
				FUZZ_ASSERT(vp_pve_mapping_find(m, m->entries[i].id) !=
					    NULL);
			vp_pve_mapping_maps(m, m->entries[i].id, &maps);
			strv_free(&maps);
		}
		return 0;
	}
	fuzz_parts(data, size, part, 3);
	if (vp_pve_mapping_parse(type, part[0], strlen(part[0]), &m) < 0)
		goto out;
	if (vp_pve_mapping_find(m, part[1])) {
		r = vp_pve_mapping_add_map(m, part[1], part[2], &reason);
	} else {
		const char *const one[] = { part[2], NULL };
		struct vp_pve_map_opts o = { .description = NULL,
					     .mdev = -1,
					     .live_migration_capable = -1 };

		r = vp_pve_mapping_add_entry(m, part[1], one, &o, &reason);
	}
	if (r < 0)
		goto out;
	FUZZ_ASSERT(vp_pve_mapping_serialize(m, &out, &len) == 0);
	FUZZ_ASSERT(vp_pve_mapping_parse(type, out, len, &n) == 0);
	FUZZ_ASSERT(vp_pve_mapping_find(n, part[1]) != NULL);
out:
	fuzz_parts_free(part, 3);
	return 0;
}
