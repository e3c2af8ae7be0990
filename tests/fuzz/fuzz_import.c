// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pasted listings (IOMMU group loops, lspci -nn/-k/-vvv, find links), the
 * way import reads them: every device found has a valid address, and the
 * line readers never read past their line.
 */
#include "fuzz.h"
#include "snap/import.h"
#include "snap/paste.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	struct vp_import im = { 0 };
	char *save = NULL;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	text = fuzz_str(data, size);
	if (vp_import_parse(&im, text) == 0) {
		for (size_t i = 0; i < im.ndevs; i++) {
			FUZZ_ASSERT(im.devs[i].bdf.dev < 32 && im.devs[i].bdf.fn < 8);
			FUZZ_ASSERT(im.devs[i].group >= -1);
		}
	}
	vp_import_free(&im);
	/* explain's whole-paste reader: sections within the text, findings complete */
	{
		struct vp_paste p;

		if (vp_paste_parse(&p, text) == 0) {
			for (size_t i = 0; i < p.nsections; i++)
				FUZZ_ASSERT(p.sections[i].first >= 1 &&
					    p.sections[i].first <= p.sections[i].last &&
					    p.sections[i].last <= p.lines);
			for (size_t i = 0; i < p.nfindings; i++)
				FUZZ_ASSERT(p.findings[i].id && p.findings[i].title &&
					    p.findings[i].fix && p.findings[i].source &&
					    p.findings[i].line <= p.lines);
		}
		vp_paste_free(&p);
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *c = vp_imp_clean(l);
		struct vp_imp_dev d = { .group = -1 }, *links = NULL;
		const char *rest, *why;
		size_t n = 0;
		int g;

		if (!c)
			continue;
		vp_imp_group_header(c, &g, &rest);
		if (vp_imp_device_line(c, &d, &why) >= 0)
			vp_imp_detail_line(c, &d);
		free(d.driver);
		if (vp_imp_find_links(c, &links, &n) == 0)
			for (size_t i = 0; i < n; i++)
				free(links[i].driver);
		free(links);
	}
	return 0;
}
