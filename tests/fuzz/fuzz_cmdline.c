// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel command lines (/proc/cmdline, and the token editor used for
 * /etc/kernel/cmdline and GRUB values): split as lib/cmdline.c does; an
 * edit sets exactly the value asked for, and a second identical edit
 * changes nothing (apply is idempotent).
 *
 * Input: LINE NUL KEY NUL VALUE (an empty VALUE removes KEY).
 */
#include <ctype.h>

#include "fuzz.h"
#include "host/bootcfg.h"
#include "host/facts.h"
#include "util.h"

/* A key the editor can set: a parameter name as the kernel reads one. */
static bool plain_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-' && *k != '.')
			return false;
	return true;
}

static bool plain_value(const char *v)
{
	for (; *v; v++)
		if (isspace((unsigned char)*v) || *v == '"' ||
		    !isprint((unsigned char)*v))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_cmdline cl = { 0 }, cl2 = { 0 };
	_cleanup_free_ char *out = NULL, *out2 = NULL, *v = NULL;
	char *part[3];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_parts(data, size, part, 3);
	FUZZ_ASSERT(vp_cmdline_parse(part[0], &cl) == 0);
	FUZZ_ASSERT(cl.keys.n == cl.vals.n);
	vp_cmdline_get(&cl, part[1]);
	vp_cmdline_has(&cl, part[1]);
	free(vp_cmdline_value(part[0], part[1]));
	if (plain_key(part[1]) && plain_value(part[2])) {
		struct vp_param_change ch = { part[1], part[2][0] ? part[2] : NULL };

		if (vp_cmdline_edit(part[0], &ch, 1, &out) == 0) {
			FUZZ_ASSERT(vp_cmdline_edit(out, &ch, 1, &out2) == 0);
			FUZZ_ASSERT(streq(out, out2));
			v = vp_cmdline_value(out, part[1]);
			if (ch.value)
				FUZZ_ASSERT(v && streq(v, ch.value));
			else
				FUZZ_ASSERT(!v);
			FUZZ_ASSERT(vp_cmdline_parse(out, &cl2) == 0);
		}
	}
	vp_cmdline_free(&cl);
	vp_cmdline_free(&cl2);
	fuzz_parts_free(part, 3);
	return 0;
}
