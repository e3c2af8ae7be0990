// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The places a VF count is kept (src/host/sriov.c): sysfsutils lines
 * (/etc/sysfs.conf, /etc/sysfs.d) and udev rules, and the rewrite of
 * vfio-pilot's own sysfs.d file (src/plan/sriovplan.c).
 *
 * Properties: every setting found names one function's address; setting a count
 * in vfio-pilot's file and reading it back gives that count, and setting it
 * again changes nothing (a second apply is empty); a count of 0 leaves no
 * line for the address.
 *
 * Input: SYSFS.CONF NUL SYSFS.D-FILE NUL UDEV-RULES.
 */
#include "fuzz.h"
#include "host/host.h"
#include "host/sriov.h"
#include "plan/sriovplan.h"
#include "util.h"

static const char ADDR[] = "0000:07:00.1";

/* The count vfio-pilot's file gives ADDR: -1 when no line sets it. */
static long count_in(const char *text)
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;
	long found = -1;

	if (!copy)
		abort();
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char addr[16];
		unsigned int vfs;

		if (vp_sriov_parse_sysfs_line(l, addr, &vfs) == 1 && streq(addr, ADDR))
			found = vfs;
	}
	return found;
}

/* A function's address (VMD domains have five hex digits), not a slot. */
static bool full_address(const char *a)
{
	struct vp_bdf b;
	bool slot = true;

	return vp_bdf_parse(a, &b, &slot, false) == 0 && !slot;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_sriov_setting *set = NULL;
	struct vp_ctx *ctx = NULL;
	char *part[3];
	size_t n = 0;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_parts(data, size, part, 3);
	fuzz_put_str("etc/sysfs.conf", part[0]);
	fuzz_put_str("etc/" VP_SRIOV_CONF, part[1]);
	fuzz_put_str("etc/udev/rules.d/70-sriov.rules", part[2]);
	if (vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	if (vp_sriov_settings(ctx, &set, &n) == 0)
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(full_address(set[i].addr));
	vp_sriov_settings_free(set, n);

	for (unsigned int vfs = 0; vfs <= 4; vfs += 4) {
		_cleanup_free_ char *once = NULL, *twice = NULL;

		if (vp_sriov_conf_set(part[1], ADDR, vfs, &once) < 0)
			continue;
		FUZZ_ASSERT(vfs ? count_in(once) == vfs : count_in(once) == -1);
		FUZZ_ASSERT(vp_sriov_conf_set(once, ADDR, vfs, &twice) == 0);
		FUZZ_ASSERT(streq(once, twice));
	}
	vp_ctx_free(ctx);
	fuzz_parts_free(part, 3);
	return 0;
}
