// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line array shared by guest configs and mapping files (linebuf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pve/linebuf.h"

/* The text member of record @i: the first member of every record type. */
static char **text_of(const void *lines, size_t size, size_t i)
{
	return (char **)((const char *)lines + i * size);
}

int vp_pve_lines_insert(void **lines, size_t *n, size_t size, size_t at, const char *text,
			size_t len)
{
	char *grown = realloc(*lines, (*n + 1) * size);
	char *t = strndup(text, len);

	if (grown)
		*lines = grown;
	if (!grown || !t) {
		free(t);
		return -ENOMEM;
	}
	memmove(grown + (at + 1) * size, grown + at * size, (*n - at) * size);
	memset(grown + at * size, 0, size);
	*text_of(grown, size, at) = t;
	(*n)++;
	return 0;
}

int vp_pve_lines_split(const char *text, size_t len, size_t size, void **lines, size_t *n,
		       bool *final_newline)
{
	const char *p = text, *end;

	if (memchr(text, '\0', len))
		return -EINVAL;
	*final_newline = len > 0 && text[len - 1] == '\n';
	end = text + (*final_newline ? len - 1 : len);
	while (len > 0) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r = vp_pve_lines_insert(lines, n, size, *n, p, l);

		if (r < 0)
			return r;
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

int vp_pve_lines_join(const void *lines, size_t n, size_t size, bool final_newline,
		      char **out, size_t *len)
{
	size_t total = 0;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		total += strlen(*text_of(lines, size, i)) + 1;
	s = malloc(total + 1);
	if (!s)
		return -ENOMEM;
	p = s;
	for (size_t i = 0; i < n; i++) {
		const char *t = *text_of(lines, size, i);
		size_t l = strlen(t);

		memcpy(p, t, l);
		p += l;
		if (i + 1 < n || final_newline)
			*p++ = '\n';
	}
	*p = '\0';
	*out = s;
	if (len)
		*len = (size_t)(p - s);
	return 0;
}

void vp_pve_lines_remove(void *lines, size_t *n, size_t size, size_t at,
			 vp_pve_line_clear_fn clear)
{
	char *base = lines;

	clear(base + at * size);
	free(*text_of(lines, size, at));
	memmove(base + at * size, base + (at + 1) * size, (*n - at - 1) * size);
	(*n)--;
}

void vp_pve_lines_free(void *lines, size_t n, size_t size, vp_pve_line_clear_fn clear)
{
	char *base = lines;

	for (size_t i = 0; i < n; i++) {
		clear(base + i * size);
		free(*text_of(lines, size, i));
	}
	free(lines);
}
