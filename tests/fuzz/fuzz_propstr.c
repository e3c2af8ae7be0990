// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Property strings of every schema: parse, print, parse again. What parses
 * prints, and the printed form is a fixed point (print(parse(print(x))) ==
 * print(x)), so a value vfio-pilot writes reads back as written.
 */
#include "fuzz.h"
#include "pve/schemas.h"
#include "util.h"

static const struct vp_pve_schema *schema(unsigned int i)
{
	switch (i % 11) {
	case 0:
		return vp_pve_schema_hostpci();
	case 1:
		return vp_pve_schema_usb();
	case 2:
		return vp_pve_schema_cpu();
	case 3:
		return vp_pve_schema_vga();
	case 4:
		return vp_pve_schema_machine();
	case 5:
		return vp_pve_schema_memory();
	case 6:
		return vp_pve_schema_numa();
	case 7:
		return vp_pve_schema_efidisk();
	case 8:
		return vp_pve_schema_lxc_dev();
	case 9:
		return vp_pve_schema_pci_map();
	default:
		return vp_pve_schema_usb_map();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vp_pve_schema *s;
	struct vp_pve_propstr ps = { 0 }, again = { 0 };
	_cleanup_free_ char *text = NULL, *reason = NULL, *out = NULL, *out2 = NULL;
	_cleanup_free_ char *r2 = NULL, *r3 = NULL, *r4 = NULL;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	s = schema(data[0]);
	text = fuzz_str(data + 1, size - 1);
	vp_pve_parse_boolean(text);
	/* split alone (no schema check) must not fail differently from parse */
	if (vp_pve_propstr_split(s, text, &ps, &reason) == 0) {
		vp_pve_propstr_check(&ps, &r4);
		vp_pve_propstr_free(&ps);
	}
	free(TAKE_PTR(reason));
	memset(&ps, 0, sizeof(ps));
	if (vp_pve_propstr_parse(s, text, &ps, &reason) < 0)
		return 0;
	if (vp_pve_propstr_print(&ps, &out, &r2) == 0) {
		int r = vp_pve_propstr_parse(s, out, &again, &r3);

		if (r < 0)
			fprintf(stderr, "'%s' -> '%s' does not parse: %s\n", text, out,
				r3 ? r3 : "?");
		FUZZ_ASSERT(r == 0);
		FUZZ_ASSERT(vp_pve_propstr_print(&again, &out2, &r3) == 0);
		FUZZ_ASSERT(streq(out, out2));
		FUZZ_ASSERT(again.n == ps.n);
		vp_pve_propstr_free(&again);
	}
	vp_pve_propstr_free(&ps);
	return 0;
}
