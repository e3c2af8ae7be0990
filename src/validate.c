// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "validate.h"

/* Quote at most this much of a bad value back: a pasted blob is not an id. */
#define SHOW 40

static int bad(char **why, const char *s, const char *what)
{
	bool cut = strnlen(s, SHOW + 1) > SHOW;

	*why = xasprintf("'%.*s%s' is not %s", cut ? SHOW : (int)strlen(s), s,
			 cut ? "..." : "", what);
	return -EINVAL;
}

static int guest_id(const char *s, unsigned int *out, char **why, const char *what)
{
	size_t n = strlen(s);

	*why = NULL;
	/* PVE::JSONSchema pve-vmid: ^[1-9][0-9]{2,8}$ */
	if (n < 3 || n > 9 || s[0] < '1' || s[0] > '9' || strspn(s, "0123456789") != n)
		return bad(why, s, what);
	*out = (unsigned int)strtoul(s, NULL, 10);
	return 0;
}

int vp_valid_vmid(const char *s, unsigned int *out, char **why)
{
	return guest_id(s, out, why, "a VMID (a number from 100 to 999999999)");
}

int vp_valid_ctid(const char *s, unsigned int *out, char **why)
{
	return guest_id(s, out, why, "a container id (a number from 100 to 999999999)");
}

static int hex4(const char *s, uint16_t *out)
{
	unsigned int v = 0;

	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 16 +
		    (unsigned int)(isdigit((unsigned char)s[i])
					   ? s[i] - '0'
					   : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = (uint16_t)v;
	return 0;
}

int vp_valid_pci_id(const char *s, uint16_t *vendor, uint16_t *device, char **why)
{
	*why = NULL;
	if (strlen(s) != 9 || s[4] != ':' || hex4(s, vendor) < 0 ||
	    hex4(s + 5, device) < 0)
		return bad(why, s, "a PCI id (vendor:device, like 10de:2684)");
	return 0;
}

int vp_valid_name(const char *s, char **why)
{
	size_t n = strlen(s);

	*why = NULL;
	/* pve-configid: ^[a-z][a-z0-9_-]+$ (case-insensitive), PVE::JSONSchema */
	if (n < 2 || n > 64 || !isalpha((unsigned char)s[0]))
		goto fail;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			goto fail;
	return 0;
fail:
	return bad(why, s,
		   "a valid name (2 to 64 letters, digits, '-' or '_', starting with a "
		   "letter)");
}
