// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modprobe.d lines, /etc/modules and /proc/modules of a scratch root, read
 * by kmods.c (with libkmod for modprobe.d, as doctor does). Queries for
 * the modules passthrough cares about must answer without crashing, and
 * every boot-list entry is a non-empty name.
 *
 * Input: MODPROBE.CONF NUL ETC-MODULES NUL PROC-MODULES.
 */
#include "fuzz.h"
#include "host/facts.h"
#include "util.h"

static const char *const mods[] = { "vfio_pci", "vfio-pci", "nouveau",	    "nvidia",
				    "amdgpu",	"i915",	    "snd_hda_intel" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct vp_kmods k = { 0 };
	struct vp_ctx *ctx = NULL;
	char *part[3];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!ready) {
		/* libkmod logs every bad line at "err"; only its crashes matter here. */
		setenv("KMOD_LOG", "0", 1);
		fuzz_put_str("proc/sys/kernel/osrelease", "6.8.12-4-pve\n");
		fuzz_put_str("lib/modules/6.8.12-4-pve/modules.dep", "");
		ready = true;
	}
	fuzz_parts(data, size, part, 3);
	fuzz_put_str("etc/modprobe.d/vfio.conf", part[0]);
	fuzz_put_str("etc/modules", part[1]);
	fuzz_put_str("proc/modules", part[2]);
	if (vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	if (vp_kmods_load(ctx, "6.8.12-4-pve", &k) == 0) {
		for (size_t i = 0; i < k.nboot; i++)
			FUZZ_ASSERT(k.boot[i].module && k.boot[i].module[0]);
		for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
			vp_kmods_is_loaded(&k, mods[i]);
			free(vp_kmods_options(&k, mods[i]));
			free(vp_kmods_option(&k, mods[i], "ids"));
			vp_kmods_blacklisted(&k, mods[i]);
			vp_kmods_softdep_pre(&k, mods[i], "vfio-pci");
		}
	}
	vp_kmods_free(&k);
	vp_ctx_free(ctx);
	fuzz_parts_free(part, 3);
	return 0;
}
