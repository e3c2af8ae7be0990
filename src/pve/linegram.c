// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line grammar of qemu-server QemuServer.pm parse_vm_config and
 * pve-container LXC/Config.pm parse_pct_config, one function per regular
 * expression (conf-priv.h lists them). Perl's \s is vp_pve_isspace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pve/conf-priv.h"
#include "pve/patterns.h"
#include "util.h"

static bool lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool alpha(char c)
{
	return lower(c) || (c >= 'A' && c <= 'Z');
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static int take(char **out, const char *s, size_t n)
{
	*out = strndup(s, n);
	return *out ? 1 : -ENOMEM;
}

/* "]" followed by white space only. */
static bool closes(const char *p)
{
	return *p == ']' && vp_pve_blank(p + 1);
}

int vp_pve_gram_header(const char *line, const char *name)
{
	size_t n = strlen(name);

	return line[0] == '[' && strncasecmp(line + 1, name, n) == 0 &&
	       closes(line + 1 + n);
}

int vp_pve_gram_special(const char *line, char **name)
{
	static const char *const names[] = { "cloudinit", "fleecing" };
	const char *p = line + strlen("[special:");

	if (strncasecmp(line, "[special:", strlen("[special:")) != 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(p, names[i], n) == 0 && closes(p + n))
			return take(name, p, n);
	}
	return 0;
}

static bool snap_char(char c)
{
	return alpha(c) || digit(c) || c == '_' || c == '-';
}

int vp_pve_gram_snapshot(const char *line, char **name)
{
	size_t n = 1;

	if (line[0] != '[' || !alpha(line[1]))
		return 0;
	while (snap_char(line[1 + n]))
		n++;
	if (n < 2 || !closes(line + 1 + n))
		return 0;
	return take(name, line + 1, n);
}

int vp_pve_gram_any_header(const char *line, char **name)
{
	const char *end;

	if (line[0] != '[')
		return 0;
	end = strchr(line + 1, ']');
	if (!end || !closes(end))
		return 0;
	return take(name, line + 1, end - line - 1);
}

/* \s*(.*\S)\s*$ from @p: the text between the first and last non-space. */
static int trimmed(const char *p, char **value)
{
	const char *end = p + strlen(p);

	while (vp_pve_isspace(*p))
		p++;
	while (end > p && vp_pve_isspace(end[-1]))
		end--;
	if (end == p)
		return 0;
	return take(value, p, end - p);
}

int vp_pve_gram_named(const char *line, const char *name, char **value)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return 0;
	return trimmed(line + n + 1, value);
}

int vp_pve_gram_snapstate(const char *line)
{
	static const char *const states[] = { "prepare", "delete" };

	for (const char *p = strstr(line, "snapstate:"); p;
	     p = strstr(p + 1, "snapstate:")) {
		const char *q = p + strlen("snapstate:");

		while (vp_pve_isspace(*q))
			q++;
		for (size_t i = 0; i < ARRAY_SIZE(states); i++)
			if (startswith(q, states[i]) &&
			    vp_pve_blank(q + strlen(states[i])))
				return 1;
	}
	return 0;
}

int vp_pve_gram_key(const char *line, bool dash, char **key, char **value)
{
	const char *p = line + 1, *rest, *v, *end;
	int r;

	if (!lower(line[0]))
		return 0;
	while (lower(*p) || *p == '_' || (dash && *p == '-'))
		p++;
	while (digit(*p))
		p++;
	if (*p != ':')
		return 0;
	rest = p + 1;
	if (!*rest)
		return 0;
	/* \s*(.+?)\s*$ */
	v = rest;
	while (vp_pve_isspace(*v))
		v++;
	end = v + strlen(v);
	while (end > v && vp_pve_isspace(end[-1]))
		end--;
	if (end == v) {
		/* only white space: \s* gives the last character back to (.+?) */
		v = rest + strlen(rest) - 1;
		end = v + 1;
	}
	r = take(key, line, p - line);
	if (r < 0)
		return r;
	r = take(value, v, end - v);
	if (r < 0) {
		free(*key);
		*key = NULL;
	}
	return r;
}

static bool lxc_char(char c)
{
	return lower(c) || digit(c) || c == '_' || c == '-' || c == '.';
}

int vp_pve_gram_lxc(const char *line, char **key, char **value)
{
	const char *p = line + 4, *sep, *v, *end;
	int r;

	if (!startswith(line, "lxc.") || !lxc_char(*p))
		return 0;
	while (lxc_char(*p))
		p++;
	sep = p;
	if (*sep != ':') {
		while (vp_pve_isspace(*sep))
			sep++;
		if (*sep != '=')
			return 0;
	}
	v = sep + 1;
	while (vp_pve_isspace(*v))
		v++;
	end = v + strlen(v);
	while (end > v && vp_pve_isspace(end[-1]))
		end--;
	r = take(key, line, p - line);
	if (r < 0)
		return r;
	r = take(value, v, end - v);
	if (r < 0) {
		free(*key);
		*key = NULL;
	}
	return r;
}
