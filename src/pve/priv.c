// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pve/priv.h"

int vp_pve_fail_take(char **reason, int err, char *msg)
{
	if (!msg)
		return -ENOMEM;
	if (reason) {
		free(*reason);
		*reason = msg;
	} else {
		free(msg);
	}
	return err;
}

int vp_pve_fail(char **reason, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	if (!reason)
		return err;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	return vp_pve_fail_take(reason, err, r < 0 ? NULL : msg);
}

char *vp_pve_join(const char *const *list)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; list[i]; i++)
		len += strlen(list[i]) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; list[i]; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, list[i]);
	}
	return s;
}
