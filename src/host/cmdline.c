// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel command line, split the way the kernel splits it
 * (lib/cmdline.c next_arg): white space separates parameters, double quotes
 * group, and "--" ends the kernel's part (the rest belongs to init).
 */
#include <ctype.h>
#include <errno.h>

#include "host/facts.h"

static int push_param(struct vp_cmdline *cl, const char *tok, size_t len)
{
	_cleanup_free_ char *t = strndup(tok, len);
	char *w = t, *eq;
	int r;

	if (!t)
		return -ENOMEM;
	/* The quotes only group; the kernel strips them. */
	for (char *s = t; *s; s++)
		if (*s != '"')
			*w++ = *s;
	*w = '\0';
	if (!t[0])
		return 0;
	eq = strchr(t, '=');
	if (eq)
		*eq = '\0';
	r = strv_add(&cl->keys, t);
	if (r < 0)
		return r;
	return strv_add(&cl->vals, eq ? eq + 1 : "");
}

int vp_cmdline_parse(const char *raw, struct vp_cmdline *cl)
{
	const char *p = raw, *start;
	bool quoted;
	int r;

	cl->raw = strdup(raw);
	if (!cl->raw)
		return -ENOMEM;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		quoted = false;
		while (*p && (quoted || !isspace((unsigned char)*p))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (p - start == 2 && start[0] == '-' && start[1] == '-')
			break;
		r = push_param(cl, start, (size_t)(p - start));
		if (r < 0)
			return r;
	}
	return 0;
}

/* kernel/params.c parameq(): '-' and '_' are equal in parameter names. */
static bool param_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

const char *vp_cmdline_get(const struct vp_cmdline *cl, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < cl->keys.n; i++)
		if (param_eq(cl->keys.v[i], key))
			v = cl->vals.v[i];
	return v;
}

bool vp_cmdline_has(const struct vp_cmdline *cl, const char *key)
{
	return vp_cmdline_get(cl, key) != NULL;
}

void vp_cmdline_free(struct vp_cmdline *cl)
{
	free(cl->raw);
	free(cl->unreadable);
	strv_free(&cl->keys);
	strv_free(&cl->vals);
	cl->raw = cl->unreadable = NULL;
}
