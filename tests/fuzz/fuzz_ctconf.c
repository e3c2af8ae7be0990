// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Container configs (pve-container's parse_pct_config) and devN values: an
 * unedited parse serialises byte for byte; an edit leaves other lines alone;
 * a devN value that parses prints to a fixed point.
 *
 * Input: CONFIG NUL KEY NUL VALUE.
 */
#include <errno.h>

#include "fuzz.h"
#include "pve/ctconf.h"
#include "util.h"

static void dev_round_trip(const char *value)
{
	struct vp_pve_lxc_dev a = { 0 }, b = { 0 };
	_cleanup_free_ char *reason = NULL, *out = NULL, *out2 = NULL;

	if (vp_pve_lxc_dev_parse(value, &a, &reason) < 0)
		return;
	if (vp_pve_lxc_dev_print(&a, &out, &reason) == 0) {
		FUZZ_ASSERT(vp_pve_lxc_dev_parse(out, &b, &reason) == 0);
		FUZZ_ASSERT(vp_pve_lxc_dev_print(&b, &out2, &reason) == 0);
		FUZZ_ASSERT(streq(out, out2));
		vp_pve_lxc_dev_free(&b);
	}
	vp_pve_lxc_dev_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL, *d = NULL;
	_cleanup_free_ char *out = NULL, *reason = NULL;
	char *part[3];
	size_t len;
	int r;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!memchr(data, '\0', size)) {
		FUZZ_ASSERT(vp_pve_ctconf_parse((const char *)data, size, &c) == 0);
		FUZZ_ASSERT(vp_pve_conf_serialize(c, &out, &len) == 0);
		FUZZ_ASSERT(len == size && memcmp(out, data, size) == 0);
		return 0;
	}
	FUZZ_ASSERT(vp_pve_ctconf_parse((const char *)data, size, &c) == -EINVAL);
	vp_pve_conf_free(TAKE_PTR(c));
	fuzz_parts(data, size, part, 3);
	dev_round_trip(part[2]);
	if (vp_pve_ctconf_parse(part[0], strlen(part[0]), &c) < 0)
		goto out;
	vp_pve_ctconf_check(part[1], part[2], &reason);
	free(TAKE_PTR(reason));
	if (startswith(part[1], "lxc."))
		r = vp_pve_ctconf_add_lxc(c, part[1], part[2], &reason);
	else if (part[2][0])
		r = vp_pve_ctconf_set(c, size & 1, part[1], part[2], &reason);
	else
		r = vp_pve_ctconf_delete(c, size & 1, part[1]);
	if (r < 0)
		goto out;
	FUZZ_ASSERT(vp_pve_conf_serialize(c, &out, &len) == 0);
	FUZZ_ASSERT(vp_pve_ctconf_parse(out, len, &d) == 0);
out:
	fuzz_parts_free(part, 3);
	return 0;
}
