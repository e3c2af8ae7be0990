// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The identifiers people type: PCI addresses, vendor:device ids, VMIDs,
 * CTIDs, and names (src/validate.c), and VM guest references. An accepted
 * address prints back to the same address.
 */
#include <stdio.h>

#include "fuzz.h"
#include "host/host.h"
#include "util.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = NULL, *why = NULL;
	struct vp_bdf b, b2;
	bool all = false;
	char buf[32];
	unsigned int u;
	uint16_t ven, dev;

	if (size > 4096)
		return 0;
	s = fuzz_str(data, size);
	if (vp_bdf_parse(s, &b, &all, true) == 0 && !all) {
		FUZZ_ASSERT(b.dev < 32 && b.fn < 8);
		snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", b.domain, b.bus, b.dev,
			 b.fn);
		FUZZ_ASSERT(vp_bdf_parse(buf, &b2, &all, false) == 0);
		FUZZ_ASSERT(vp_bdf_cmp(&b, &b2) == 0);
	}
	if (vp_valid_vmid(s, &u, &why) == 0)
		FUZZ_ASSERT(u >= 100 && u <= 999999999);
	free(TAKE_PTR(why));
	vp_valid_ctid(s, &u, &why);
	free(TAKE_PTR(why));
	if (vp_valid_pci_id(s, &ven, &dev, &why) == 0) {
		snprintf(buf, sizeof(buf), "%04x:%04x", ven, dev);
		FUZZ_ASSERT(strcasecmp(buf, s) == 0);
	}
	free(TAKE_PTR(why));
	vp_valid_name(s, &why);
	return 0;
}
