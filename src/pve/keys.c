// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Judging one "key: value" of a guest config: the file parser's check_type
 * (qemu-server QemuServer.pm check_type, pve-container LXC/Config.pm
 * check_type) and the API's schema check (pve-common JSONSchema.pm
 * check_prop) on top. See keys.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pve/keys.h"
#include "pve/priv.h"
#include "util.h"

/* @key is @name followed by an index below @count, written without leading zeros. */
static bool indexed(const char *key, const char *name, unsigned count)
{
	size_t n = strlen(name);
	unsigned long idx = 0;
	const char *p;

	if (strncmp(key, name, n) != 0 || !key[n])
		return false;
	p = key + n;
	if (p[0] == '0' && p[1])
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		idx = idx * 10 + (unsigned long)(*p - '0');
		if (idx >= count)
			return false;
	}
	return true;
}

const struct vp_pve_key *vp_pve_key_lookup(const struct vp_pve_key *t, size_t n,
					   const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].count ? indexed(key, t[i].name, t[i].count)
			       : streq(key, t[i].name))
			return &t[i];
	}
	return NULL;
}

static bool in_enum(const char *const *list, const char *v)
{
	for (size_t i = 0; list[i]; i++)
		if (streq(list[i], v))
			return true;
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* check_type's number: ^(\d+)(\.\d+)?$ */
static bool file_number(const char *s)
{
	const char *dot = strchr(s, '.');

	if (!dot)
		return all_digits(s);
	{
		_cleanup_free_ char *whole = strndup(s, dot - s);

		return whole && all_digits(whole) && all_digits(dot + 1);
	}
}

static char *bound_msg(const char *which, double d)
{
	if (d == (double)(long long)d)
		return xasprintf("value must have a %s value of %lld", which,
				 (long long)d);
	return xasprintf("value must have a %s value of %g", which, d);
}

static int result(enum vp_pve_status *st, char **reason, enum vp_pve_status s, char *msg)
{
	if (!msg)
		return -ENOMEM;
	*st = s;
	*reason = msg;
	return 0;
}

/* The file parser's check_type: NULL when it accepts, else its message. */
static int file_level(const struct vp_pve_key *k, const char *value, char **msg,
		      bool *unverified)
{
	*msg = NULL;
	*unverified = false;
	if (strpbrk(value, "\n\r"))
		return (*msg = strdup("property contains a line feed")) ? 0 : -ENOMEM;
	switch (k->type) {
	case VP_PVE_T_BOOLEAN:
		if (vp_pve_parse_boolean(value) < 0)
			*msg = xasprintf("type check ('boolean') failed - got '%s'",
					 value);
		else
			return 0;
		break;
	case VP_PVE_T_INTEGER:
		if (!all_digits(value))
			*msg = xasprintf("type check ('integer') failed - got '%s'",
					 value);
		else
			return 0;
		break;
	case VP_PVE_T_NUMBER:
		if (!file_number(value))
			*msg = xasprintf("type check ('number') failed - got '%s'",
					 value);
		else
			return 0;
		break;
	case VP_PVE_T_STRING:
		if (k->schema) {
			struct vp_pve_propstr ps;
			int r = vp_pve_propstr_parse(k->schema(), value, &ps, msg);

			if (r == 0)
				vp_pve_propstr_free(&ps);
			else if (r == -ENOENT)
				*unverified = true;
			else if (r != -EINVAL)
				return r;
			return 0;
		}
		if (k->format) {
			int r = k->format(value, msg);

			return r == -ENOMEM ? r : 0;
		}
		return 0;
	}
	return *msg ? 0 : -ENOMEM;
}

/* The API's check_prop on top, for the stored value @v: *msg NULL when it passes. */
static int api_level(const struct vp_pve_key *k, const char *key, const char *v,
		     char **msg)
{
	*msg = NULL;
	if (k->type == VP_PVE_T_INTEGER || k->type == VP_PVE_T_NUMBER) {
		double d = strtod(v, NULL);

		if (k->has_max && d > k->max)
			*msg = bound_msg("maximum", k->max);
		else if (k->has_min && d < k->min)
			*msg = bound_msg("minimum", k->min);
		else
			return 0;
		return *msg ? 0 : -ENOMEM;
	}
	if (k->type != VP_PVE_T_STRING)
		return 0;
	if (k->pattern && !k->pattern(v))
		*msg = strdup("value does not match the regex pattern");
	else if (k->max_length && strlen(v) > k->max_length)
		*msg = xasprintf("value may only be %zu characters long", k->max_length);
	else if (k->enums && !in_enum(k->enums, v)) {
		_cleanup_free_ char *list = vp_pve_join(k->enums);

		*msg = list ? xasprintf(
				      "value '%s' does not have a value in the enumeration "
				      "'%s'",
				      v, list)
			    : NULL;
	} else if (k->api_check) {
		int r = k->api_check(key, v, msg);

		if (r == -ENOMEM || r == 0)
			return r;
		if (!*msg)
			*msg = strdup("invalid value");
	} else {
		return 0;
	}
	return *msg ? 0 : -ENOMEM;
}

int vp_pve_key_judge(const struct vp_pve_key *k, const char *key, const char *value,
		     bool strip_quotes, enum vp_pve_status *st, char **reason)
{
	_cleanup_free_ char *msg = NULL, *stripped = NULL;
	bool unverified;
	const char *v = value;
	size_t n = strlen(value);
	int r;

	*st = VP_PVE_OK;
	*reason = NULL;
	if (!k)
		return result(
			st, reason, VP_PVE_REJECTED,
			xasprintf("unable to parse value of '%s' - unknown setting '%s'",
				  key, key));
	r = file_level(k, value, &msg, &unverified);
	if (r < 0)
		return r;
	if (msg && unverified)
		return result(st, reason, VP_PVE_UNVERIFIED, TAKE_PTR(msg));
	if (msg)
		return result(st, reason, VP_PVE_REJECTED,
			      xasprintf("unable to parse value of '%s' - %s", key, msg));
	if (k->type == VP_PVE_T_STRING && !k->schema && !k->format && strip_quotes &&
	    n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		/* s/^\"(.*)\"$/$1/ */
		stripped = strndup(value + 1, n - 2);
		if (!stripped)
			return -ENOMEM;
		v = stripped;
	}
	if (k->unchecked)
		return result(st, reason, VP_PVE_UNVERIFIED,
			      xasprintf("%s: '%s' is not checked by vfio-pilot", key,
					k->unchecked));
	r = api_level(k, key, v, &msg);
	if (r < 0)
		return r;
	if (msg)
		return result(st, reason, VP_PVE_API_INVALID,
			      xasprintf("%s: %s", key, msg));
	return 0;
}

int vp_pve_key_check_write(const struct vp_pve_key *k, const char *key, const char *value,
			   bool strip_quotes, char **canonical, char **reason)
{
	_cleanup_free_ char *msg = NULL;
	enum vp_pve_status st;
	size_t n = strlen(value);
	int r;

	*canonical = NULL;
	if (!k)
		return vp_pve_fail(reason, -EINVAL, "unknown setting '%s'", key);
	if (k->internal)
		return vp_pve_fail(reason, -EOPNOTSUPP,
				   "'%s' is managed by Proxmox itself", key);
	if (streq(k->name, "description"))
		return vp_pve_fail(
			reason, -EOPNOTSUPP,
			"the description is kept as '#' lines, not written as a key");
	if (n == 0)
		return vp_pve_fail(reason, -EINVAL, "'%s' needs a value", key);
	if (strpbrk(value, "\n\r"))
		return vp_pve_fail(reason, -EINVAL, "value of '%s' contains a line feed",
				   key);
	if (vp_pve_isspace(value[0]) || vp_pve_isspace(value[n - 1]))
		return vp_pve_fail(reason, -EINVAL,
				   "value of '%s' starts or ends with white space, which "
				   "Proxmox strips",
				   key);
	if (k->type == VP_PVE_T_STRING && !k->schema && !k->format && strip_quotes &&
	    n >= 2 && value[0] == '"' && value[n - 1] == '"')
		return vp_pve_fail(
			reason, -EINVAL,
			"value of '%s' is in double quotes, which Proxmox strips", key);
	if (k->type == VP_PVE_T_BOOLEAN && vp_pve_parse_boolean(value) >= 0)
		value = vp_pve_parse_boolean(value) ? "1" : "0";
	r = vp_pve_key_judge(k, key, value, strip_quotes, &st, &msg);
	if (r < 0)
		return r;
	if (st == VP_PVE_UNVERIFIED)
		return vp_pve_fail(reason, -EOPNOTSUPP,
				   "%s; vfio-pilot writes only values it can check", msg);
	if (st != VP_PVE_OK)
		return vp_pve_fail_take(reason, -EINVAL, TAKE_PTR(msg));
	*canonical = strdup(value);
	return *canonical ? 0 : -ENOMEM;
}
