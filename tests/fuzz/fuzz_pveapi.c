// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proxmox API answers (GET /nodes/NODE/hardware/pci, host/pveapi.c) and map
 * lines checked against them (host/mapcheck.c): whatever pvesh or a
 * recording hands over, a parse either fails with a reason or gives a host
 * sorted by address without duplicates, and every map line gets a verdict.
 *
 * Input: JSON NUL MAP-VALUE.
 */
#include <errno.h>

#include "fuzz.h"
#include "host/mapcheck.h"
#include "host/pveapi.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ char *err = NULL;
	struct vp_pve_propstr ps = { 0 };
	struct vp_map_verdict v;
	char *part[2];
	int r;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_parts(data, size, part, 2);
	r = vp_api_pci_parse(part[0], strlen(part[0]), &h, &err);
	if (r < 0) {
		FUZZ_ASSERT(r == -ENOMEM || (r == -EBADMSG && err && *err));
		goto out;
	}
	for (size_t i = 1; i < h->ndevs; i++)
		FUZZ_ASSERT(vp_bdf_cmp(&h->devs[i - 1]->bdf, &h->devs[i]->bdf) < 0);
	for (size_t i = 0; i < h->ndevs; i++)
		FUZZ_ASSERT(vp_host_find(h, &h->devs[i]->bdf) == h->devs[i]);
	if (vp_pve_propstr_parse(vp_pve_schema_pci_map(), part[1], &ps, NULL) == 0) {
		const struct vp_map_want w = {
			.path = vp_pve_propstr_get(&ps, "path"),
			.id = vp_pve_propstr_get(&ps, "id"),
			.subsys = vp_pve_propstr_get(&ps, "subsystem-id"),
			.group = vp_pve_propstr_get(&ps, "iommugroup"),
		};

		if (vp_map_verify(h, &w, &v) == 0) {
			FUZZ_ASSERT((v.state == VP_MAP_HOLDS) == (v.why == NULL));
			FUZZ_ASSERT(v.state != VP_MAP_HOLDS || v.now == v.at);
			vp_map_verdict_free(&v);
		}
	}
	vp_pve_propstr_free(&ps);
out:
	fuzz_parts_free(part, 2);
	return 0;
}
