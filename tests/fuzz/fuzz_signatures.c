// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel logs and task logs against the failure signatures (explain), and
 * the kernel log reader (doctor): every match lies inside its line and
 * every capture inside the match. Symptom lookup takes free text.
 */
#include "fuzz.h"
#include "host/facts.h"
#include "kb/signatures.h"
#include "util.h"

static void scan(const char *line)
{
	struct vp_sig_match m;
	size_t n = strlen(line);
	const struct vp_sig *s;

	for (size_t i = 0; (s = vp_sig_scan(line, &i, &m)); i++) {
		FUZZ_ASSERT(m.start <= m.end && m.end <= n);
		FUZZ_ASSERT(m.ncaps <= VP_SIG_MAX_CAPS);
		for (size_t c = 0; c < m.ncaps; c++)
			FUZZ_ASSERT(m.caps[c].at >= line &&
				    m.caps[c].at + m.caps[c].len <= line + n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vp_ctx *ctx;
	_cleanup_free_ char *text = NULL;
	struct vp_klog k = { 0 };
	char *save = NULL;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!ctx && vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	fuzz_put("var/log/kern.log", data, size);
	FUZZ_ASSERT(vp_klog_load(ctx, NULL, &k) == 0);
	vp_klog_find(&k, "vfio");
	vp_klog_free(&k);
	text = fuzz_str(data, size);
	vp_symptom_find(text);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		scan(l);
	return 0;
}
