// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VM configs (qemu-server's parse_vm_config): an unedited parse serialises
 * to the input byte for byte; after one vp_pve_vmconf_set/delete every line
 * other than the edited one (and a created [PENDING] header) is unchanged.
 *
 * Input: CONFIG NUL KEY NUL VALUE; a first config byte with the low bit set
 * edits the pending section.
 */
#include <errno.h>

#include "fuzz.h"
#include "pve/vmconf.h"
#include "util.h"

/* Lines of @c that differ from @d form one run of at most @old_max / @new_max. */
static void check_one_edit(const struct vp_pve_conf *c, const struct vp_pve_conf *d,
			   size_t old_max, size_t new_max)
{
	size_t pre = 0, suf = 0;

	while (pre < c->n_lines && pre < d->n_lines &&
	       streq(c->lines[pre].text, d->lines[pre].text))
		pre++;
	while (suf < c->n_lines - pre && suf < d->n_lines - pre &&
	       streq(c->lines[c->n_lines - 1 - suf].text,
		     d->lines[d->n_lines - 1 - suf].text))
		suf++;
	FUZZ_ASSERT(c->n_lines - pre - suf <= old_max);
	FUZZ_ASSERT(d->n_lines - pre - suf <= new_max);
}

/*
 * delete: the lines of @key are gone (every one: an earlier duplicate would
 * otherwise take effect), every other line is kept in order.
 */
static void check_delete(const struct vp_pve_conf *c, const struct vp_pve_conf *d,
			 const char *key)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n_lines; i++) {
		if (j < d->n_lines && streq(c->lines[i].text, d->lines[j].text)) {
			j++;
			continue;
		}
		FUZZ_ASSERT(c->lines[i].kind == VP_PVE_LINE_KEY && c->lines[i].key &&
			    streq(c->lines[i].key, key));
	}
	FUZZ_ASSERT(j == d->n_lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL, *d = NULL;
	_cleanup_free_ char *out = NULL, *reason = NULL, *desc = NULL;
	char *part[3];
	size_t len, cut;
	bool pending;
	int r;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* Byte identity over the whole input, NULs included (they are refused). */
	cut = size;
	for (size_t i = 0; i < size; i++)
		if (!data[i]) {
			cut = i;
			break;
		}
	r = vp_pve_vmconf_parse((const char *)data, size, &c);
	if (cut < size) {
		FUZZ_ASSERT(r == -EINVAL);
	} else {
		FUZZ_ASSERT(r == 0);
		FUZZ_ASSERT(vp_pve_conf_serialize(c, &out, &len) == 0);
		FUZZ_ASSERT(len == size && memcmp(out, data, size) == 0);
		for (size_t s = 0; s < c->n_sections; s++) {
			vp_pve_conf_description(c, s, &desc);
			free(TAKE_PTR(desc));
		}
		vp_pve_conf_pending(c);
		return 0;
	}
	vp_pve_conf_free(TAKE_PTR(c));
	fuzz_parts(data, size, part, 3);
	pending = size && (data[0] & 1);
	if (vp_pve_vmconf_parse(part[0], strlen(part[0]), &c) < 0)
		goto out;
	vp_pve_vmconf_check(part[1], part[2], &reason);
	free(TAKE_PTR(reason));
	if (part[2][0])
		r = vp_pve_vmconf_set(c, pending, part[1], part[2], &reason);
	else
		r = vp_pve_vmconf_delete(c, pending, part[1]);
	if (r < 0)
		goto out;
	FUZZ_ASSERT(vp_pve_conf_serialize(c, &out, &len) == 0);
	FUZZ_ASSERT(vp_pve_vmconf_parse(out, len, &d) == 0);
	{
		_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *orig = NULL;

		FUZZ_ASSERT(vp_pve_vmconf_parse(part[0], strlen(part[0]), &orig) == 0);
		if (part[2][0])
			/* set: one line replaced, or inserted with "", "[PENDING]" */
			check_one_edit(orig, d, 1, 3);
		else
			check_delete(orig, d, part[1]);
	}
	if (part[2][0]) {
		size_t sec = pending ? vp_pve_conf_pending(d) : 0;

		FUZZ_ASSERT(sec != SIZE_MAX);
		FUZZ_ASSERT(vp_pve_conf_find(d, sec, part[1]) != NULL);
	}
out:
	fuzz_parts_free(part, 3);
	return 0;
}
