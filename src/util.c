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

char *strv_join(const struct strv *s, const char *sep)
{
	size_t len = 1, seplen = strlen(sep), o = 0;
	char *out;

	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + (i ? seplen : 0);
	out = malloc(len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		size_t n = strlen(s->v[i]);

		if (i) {
			memcpy(out + o, sep, seplen);
			o += seplen;
		}
		memcpy(out + o, s->v[i], n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

size_t utf8_valid_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0; /* a continuation byte, 0xc0, 0xc1 or 0xf5..0xff */
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* U+FFFD REPLACEMENT CHARACTER, for each byte that starts no valid sequence. */
static const char replacement[] = "\xef\xbf\xbd";

int fput_utf8(const char *s, size_t len, FILE *f)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;

	while (p < end) {
		size_t n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		n = utf8_valid_len(p, (size_t)(end - p));
		if (n) {
			p += n;
			continue;
		}
		if (fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run) ||
		    fwrite(replacement, 1, 3, f) != 3)
			return -EIO;
		run = ++p;
	}
	if (fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
		return -EIO;
	return 0;
}

char *utf8_sanitize(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *out = malloc(len * 3 + 1);
	const unsigned char *p = (const unsigned char *)s;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_valid_len(p + i, len - i);

		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, replacement, 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

int strappendf(char **s, const char *sep, const char *fmt, ...)
{
	_cleanup_free_ char *add = NULL;
	char *n;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (r < 0) {
		add = NULL;
		return -ENOMEM;
	}
	n = xasprintf("%s%s%s", *s ? *s : "", *s ? sep : "", add);
	if (!n)
		return -ENOMEM;
	free(*s);
	*s = n;
	return 0;
}
