// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot command line files: /etc/default/grub (with one grub.d file)
 * and /etc/kernel/cmdline, read through a scratch root. What loads renders
 * back byte for byte with its own value, and a rendered edit loads again
 * with the new value.
 *
 * With VP_FUZZ_DASH=1 in the environment, the verdicts are also checked
 * against dash sourcing the GRUB files as grub-mkconfig does
 * (tests/unit/grub-dash.h): for every input vfio-pilot accepts, dash gives
 * the same GRUB_CMDLINE_LINUX_DEFAULT and GRUB_CMDLINE_LINUX, and after
 * the rendered edit dash sees the new value. Inputs with a command
 * substitution are not given to dash (it would run them); a fork and exec
 * per input makes this mode slow, so it is opt-in.
 *
 * Input: KIND-BYTE FILE NUL GRUB.D-FILE NUL NEW-VALUE.
 */
#include <errno.h>

#include "../unit/grub-dash.h"
#include "fuzz.h"
#include "host/bootcfg.h"
#include "util.h"

/* Does dash agree with what vfio-pilot read? Only when asked, and never with
 * a command substitution in the files. */
static void dash_check(const char *file, const char *cfg, const char *def,
		       const char *lin)
{
	static int want = -1;
	char *d = NULL, *l = NULL;

	if (want < 0)
		want = getenv("VP_FUZZ_DASH") != NULL;
	if (!want || strchr(file, '`') || strstr(file, "$(") || strchr(cfg, '`') ||
	    strstr(cfg, "$("))
		return;
	FUZZ_ASSERT(grub_dash(fuzz_root(), &d, &l) == 0);
	FUZZ_ASSERT(streq(d, def));
	FUZZ_ASSERT(streq(l, lin ? lin : ""));
	free(d);
	free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vp_ctx *ctx;
	struct vp_bootcmd b = { 0 }, b2 = { 0 };
	_cleanup_free_ char *why = NULL, *out = NULL, *why2 = NULL;
	enum vp_bootloader kind;
	char *part[3];
	size_t len;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	if (!ctx && vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	kind = data[0] % 3;
	fuzz_parts(data + 1, size - 1, part, 3);
	fuzz_rm("etc/default/grub");
	fuzz_rm("etc/default/grub.d/50-local.cfg");
	fuzz_rm("etc/kernel/cmdline");
	if (kind == VP_BOOT_SYSTEMD_PBT) {
		fuzz_put_str("etc/kernel/cmdline", part[0]);
	} else {
		fuzz_put_str("etc/default/grub", part[0]);
		if (part[1][0])
			fuzz_put_str("etc/default/grub.d/50-local.cfg", part[1]);
	}
	if (vp_bootcmd_load(ctx, kind, &b, &why) < 0)
		goto out;
	FUZZ_ASSERT(b.sub && b.value);
	if (kind != VP_BOOT_SYSTEMD_PBT)
		dash_check(part[0], part[1], b.value, b.other);
	if (!b.missing) {
		/* Its own value renders the file unchanged. */
		if (vp_bootcmd_render(&b, b.value, &out, &len) == 0) {
			FUZZ_ASSERT(len == b.len && memcmp(out, b.text, len) == 0);
		}
		free(TAKE_PTR(out));
	}
	if (vp_bootcmd_render(&b, part[2], &out, &len) == 0) {
		_cleanup_free_ char *root = vp_cmdline_value(part[2], "root");
		int r;

		fuzz_put(b.sub, out, len);
		r = vp_bootcmd_load(ctx, kind, &b2, &why2);
		/* proxmox-boot-tool needs root=: the loader refuses a line without. */
		if (kind == VP_BOOT_SYSTEMD_PBT && !root) {
			FUZZ_ASSERT(r == -EBADMSG);
		} else {
			FUZZ_ASSERT(r == 0);
			FUZZ_ASSERT(streq(b2.sub, b.sub));
			FUZZ_ASSERT(streq(b2.value, part[2]));
			if (kind != VP_BOOT_SYSTEMD_PBT)
				dash_check(
					streq(b.sub, "etc/default/grub") ? out : part[0],
					streq(b.sub, "etc/default/grub") ? part[1] : out,
					part[2], b.other);
		}
		vp_bootcmd_free(&b2);
	}
out:
	vp_bootcmd_free(&b);
	fuzz_parts_free(part, 3);
	return 0;
}
