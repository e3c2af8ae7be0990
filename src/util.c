// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>

#include "util.h"

char *strstrip_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int strv_vpushf(struct strv *s, const char *fmt, va_list ap)
{
	char *m;

	if (vasprintf(&m, fmt, ap) < 0)
		return -ENOMEM;
	return strv_push(s, m);
}

int strv_pushf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vpushf(s, fmt, ap);
	va_end(ap);
	return r;
}

int strv_push(struct strv *s, char *owned)
{
	char **v;

	if (!owned)
		return -ENOMEM;
	v = realloc(s->v, (s->n + 2) * sizeof(*v));
	if (!v) {
		free(owned);
		return -ENOMEM;
	}
	v[s->n++] = owned;
	v[s->n] = NULL;
	s->v = v;
	return 0;
}

int strv_add(struct strv *s, const char *str)
{
	return strv_push(s, strdup(str));
}

bool strv_contains(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], str))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(struct strv *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
