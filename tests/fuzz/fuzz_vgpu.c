// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nvidia/creatable_vgpu_types as host/vgpu.c parses it.
 *
 * Properties: a text is parsed or refused (-EBADMSG; the reader then
 * drops what was taken); every type taken is "nvidia-<id>" with 0 < id,
 * has a name without surrounding blanks or a line break, and is found again
 * by its type and its name.
 *
 * Input: the attribute's text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "fuzz.h"
#include "host/host.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_vgpu v = { 0 };
	char *text;
	int r;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	text = fuzz_str(data, size);
	r = vp_vgpu_parse_creatable(text, &v);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -ENOMEM);
	if (r < 0) {
		vp_vgpu_clear(&v);
		free(text);
		return 0;
	}
	for (size_t i = 0; i < v.ntypes; i++) {
		const struct vp_vgpu_type *t = &v.types[i], *f;
		char want[32];
		size_t n = strlen(t->name);

		FUZZ_ASSERT(t->id > 0);
		snprintf(want, sizeof(want), "nvidia-%u", t->id);
		FUZZ_ASSERT(streq(t->type, want));
		FUZZ_ASSERT(n > 0 && !isspace((unsigned char)t->name[0]) &&
			    !isspace((unsigned char)t->name[n - 1]) &&
			    !strchr(t->name, '\n'));
		/*
		 * An earlier row may carry the same id, and a name that looks
		 * like an id or like another name without "NVIDIA " finds that
		 * row first: only that something is found is a property.
		 */
		f = vp_vgpu_find(&v, t->type);
		FUZZ_ASSERT(f && f->id == t->id);
		FUZZ_ASSERT(vp_vgpu_find(&v, t->name));
	}
	vp_vgpu_clear(&v);
	free(text);
	return 0;
}
