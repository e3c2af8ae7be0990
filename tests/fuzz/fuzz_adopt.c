// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The passthrough settings other tools leave (src/host/adopt.c): a
 * modprobe.d file, a udev rules file, a driverctl override and the kernel
 * command line of a scratch root. Every claim names its file and a line
 * range in order; commenting out every claim's lines keeps every byte and
 * adds the marker once per line.
 *
 * Input: MODPROBE.CONF NUL UDEV.RULES NUL DRIVERCTL NUL CMDLINE.
 */
#include <string.h>

#include "fuzz.h"
#include "host/adopt.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_claims c = { 0 };
	struct vp_cmdline cl = { 0 };
	struct vp_ctx *ctx = NULL;
	struct vp_dev d = { .vendor = 0x10de, .device = 0x2204 };
	char *part[4];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_parts(data, size, part, 4);
	fuzz_put_str("etc/modprobe.d/vfio.conf", part[0]);
	fuzz_put_str("etc/udev/rules.d/90-vfio.rules", part[1]);
	fuzz_put_str("etc/driverctl.d/pci-0000:01:00.0", part[2]);
	if (vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	if (vp_cmdline_parse(part[3], &cl) < 0)
		abort();
	if (vp_claims_load(ctx, &cl, NULL, &c) == 0) {
		size_t len = strlen(part[0]), n = 0, lines = 0;
		int *from = calloc(c.n + 1, sizeof(int)),
		    *to = calloc(c.n + 1, sizeof(int));
		char *out;

		FUZZ_ASSERT(from && to);
		for (size_t i = 0; i < c.n; i++) {
			const struct vp_claim *x = &c.v[i];
			char *where = vp_claim_where(x);

			FUZZ_ASSERT(x->file && x->text && where);
			FUZZ_ASSERT(x->line <= x->line_end);
			free(where);
			vp_claim_matches(x, &d);
			vp_claim_to_vfio(x);
			if (streq(x->file, "etc/modprobe.d/vfio.conf")) {
				from[n] = x->line;
				to[n++] = x->line_end;
			}
		}
		out = vp_comment_out(part[0], len, from, to, n, "#m: ");
		FUZZ_ASSERT(out);
		/* Every commented line gains the marker once, nothing else changes. */
		for (const char *p = out; (p = strstr(p, "#m: ")); p += 4)
			lines++;
		for (const char *p = part[0]; (p = strstr(p, "#m: ")); p += 4)
			lines--;
		FUZZ_ASSERT(strlen(out) == len + 4 * lines);
		free(out);
		free(from);
		free(to);
	}
	vp_claims_free(&c);
	vp_cmdline_free(&cl);
	vp_ctx_free(ctx);
	fuzz_parts_free(part, 4);
	return 0;
}
