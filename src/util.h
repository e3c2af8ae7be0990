/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every file: cleanup attributes (as kmod and systemd
 * use them), string helpers and a growable pointer array.
 */
#pragma once

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(x)	   __attribute__((cleanup(x)))
#define _cleanup_free_	   _cleanup_(freep)
#define _cleanup_close_	   _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a _cleanup_ variable. */
static inline void *take_ptr_(void **p)
{
	void *v = *p;

	*p = NULL;
	return v;
}
#define TAKE_PTR(p) take_ptr_((void **)&(p))

static inline bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Remove trailing white space (sysfs values end in '\n'). */
char *strstrip_end(char *s);

/* asprintf that returns NULL on failure instead of leaving *strp undefined. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* *@s + @sep (only when *@s is not NULL) + the formatted text; 0 or -ENOMEM. */
int strappendf(char **s, const char *sep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * UTF-8 (RFC 3629): the length of the valid sequence starting at @s, at
 * most @avail bytes long, or 0 when none starts there.
 */
size_t utf8_valid_len(const unsigned char *s, size_t avail);
/*
 * Host files, logs and arguments are bytes; JSON is UTF-8 (RFC 8259 8.1).
 * Each byte that starts no valid sequence becomes U+FFFD, as a decoder
 * replaces it; valid text is unchanged.
 */
int fput_utf8(const char *s, size_t len, FILE *f);
char *utf8_sanitize(const char *s);

/*
 * A NULL-terminated array of owned strings. Used for module lists, virtfn
 * lists and other short lists read from the host.
 */
struct strv {
	char **v;
	size_t n;
};

int strv_push(struct strv *s, char *owned);
/* strv_push of a formatted string; -ENOMEM when it cannot be made. */
int strv_pushf(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strv_vpushf(struct strv *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
int strv_add(struct strv *s, const char *str);
bool strv_contains(const struct strv *s, const char *str);
void strv_sort(struct strv *s);
/* The strings joined by @sep, "" when none; NULL on -ENOMEM. */
char *strv_join(const struct strv *s, const char *sep);
void strv_free(struct strv *s);
