// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Property strings as pve-common JSONSchema.pm parses, checks and prints
 * them: parse_property_string, check_object/check_prop/check_type and
 * print_property_string. Messages are Proxmox's own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pve/priv.h"
#include "pve/propstr.h"
#include "util.h"

/* JSONSchema.pm parse_boolean. */
int vp_pve_parse_boolean(const char *s)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

const struct vp_pve_prop *vp_pve_schema_prop(const struct vp_pve_schema *s,
					     const char *key)
{
	for (size_t i = 0; i < s->n_props; i++)
		if (streq(s->props[i].key, key))
			return &s->props[i];
	return NULL;
}

const struct vp_pve_prop *vp_pve_schema_default_key(const struct vp_pve_schema *s)
{
	for (size_t i = 0; i < s->n_props; i++)
		if (s->props[i].default_key)
			return &s->props[i];
	return NULL;
}

static const struct vp_pve_prop *resolve(const struct vp_pve_schema *s, const char *key)
{
	const struct vp_pve_prop *p = vp_pve_schema_prop(s, key);

	if (p && p->alias)
		p = vp_pve_schema_prop(s, p->alias);
	return p;
}

static struct vp_pve_kv *find(const struct vp_pve_propstr *ps, const char *key)
{
	for (size_t i = 0; i < ps->n; i++)
		if (streq(ps->kv[i].prop->key, key))
			return &ps->kv[i];
	return NULL;
}

const char *vp_pve_propstr_get(const struct vp_pve_propstr *ps, const char *key)
{
	struct vp_pve_kv *kv = find(ps, key);

	return kv ? kv->value : NULL;
}

bool vp_pve_propstr_bool(const struct vp_pve_propstr *ps, const char *key)
{
	const struct vp_pve_prop *p = vp_pve_schema_prop(ps->schema, key);
	const char *v = vp_pve_propstr_get(ps, key);

	if (!v && p)
		v = p->def;
	return v && vp_pve_parse_boolean(v) == 1;
}

/* Store @value under @prop, replacing an earlier value as Perl's hash does. */
static int store(struct vp_pve_propstr *ps, const struct vp_pve_prop *prop,
		 const char *value)
{
	struct vp_pve_kv *kv = find(ps, prop->key);
	char *v = strdup(value);

	if (!v)
		return -ENOMEM;
	if (kv) {
		free(kv->value);
		kv->value = v;
		return 0;
	}
	kv = realloc(ps->kv, (ps->n + 1) * sizeof(*kv));
	if (!kv) {
		free(v);
		return -ENOMEM;
	}
	ps->kv = kv;
	ps->kv[ps->n].prop = prop;
	ps->kv[ps->n].value = v;
	ps->n++;
	return 0;
}

void vp_pve_propstr_free(struct vp_pve_propstr *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->kv[i].value);
	free(ps->kv);
	ps->kv = NULL;
	ps->n = 0;
}

/* Perl truth of a string: defined, not "" and not "0". */
static bool perl_true(const char *s)
{
	return s && *s && !streq(s, "0");
}

int vp_pve_propstr_split(const struct vp_pve_schema *schema, const char *text,
			 struct vp_pve_propstr *out, char **reason)
{
	_cleanup_free_ char *copy = NULL;
	const struct vp_pve_prop *dk = NULL;
	char *next;
	int r = 0;

	*out = (struct vp_pve_propstr){ .schema = schema };
	if (strpbrk(text, "\n\r"))
		return vp_pve_fail(reason, -EINVAL, "property contains a line feed");
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (char *part = copy; part && r == 0; part = next) {
		char *eq;

		next = strchr(part, ',');
		if (next)
			*next++ = '\0';
		if (vp_pve_blank(part))
			continue;
		eq = strchr(part, '=');
		if (eq && eq > part && eq[1]) {
			/* ^([^=]+)=(.+)$ */
			const struct vp_pve_prop *p;
			const char *value = eq + 1;

			*eq = '\0';
			if (find(out, part)) {
				r = vp_pve_fail(
					reason, -EINVAL,
					"duplicate key in comma-separated list property: %s",
					part);
				break;
			}
			p = resolve(schema, part);
			if (!p) {
				r = vp_pve_fail(
					reason, -EINVAL,
					"invalid key in comma-separated list property: %s",
					part);
				break;
			}
			if (p->type == VP_PVE_T_BOOLEAN &&
			    vp_pve_parse_boolean(value) >= 0)
				value = vp_pve_parse_boolean(value) ? "1" : "0";
			r = store(out, p, value);
		} else if (!eq) {
			if (dk) {
				r = vp_pve_fail(
					reason, -EINVAL,
					"duplicate key in comma-separated list property: %s",
					dk->key);
				break;
			}
			dk = vp_pve_schema_default_key(schema);
			if (!dk) {
				r = vp_pve_fail(
					reason, -EINVAL,
					"value without key, but schema does not define a "
					"default key");
				break;
			}
			if (perl_true(vp_pve_propstr_get(out, dk->key))) {
				r = vp_pve_fail(
					reason, -EINVAL,
					"duplicate key in comma-separated list property: %s",
					dk->key);
				break;
			}
			r = store(out, dk, part);
		} else {
			r = vp_pve_fail(reason, -EINVAL,
					"missing key in comma-separated list property");
		}
	}
	if (r < 0)
		vp_pve_propstr_free(out);
	return r;
}

/* is_integer: ^[+-]?\d+$ */
static bool is_integer(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static size_t count_digits(const char **p)
{
	size_t n = 0;

	while (**p >= '0' && **p <= '9') {
		(*p)++;
		n++;
	}
	return n;
}

/* is_number: ^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$ */
static bool is_number(const char *s)
{
	size_t whole, frac = 0;

	if (*s == '+' || *s == '-')
		s++;
	whole = count_digits(&s);
	if (*s == '.') {
		s++;
		frac = count_digits(&s);
	}
	if (whole == 0 && frac == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (count_digits(&s) == 0)
			return false;
	}
	return !*s;
}

/* "value must have a maximum value of 64", the bound as Perl prints a number. */
static int bound_fail(char **msg, const char *which, double d)
{
	if (d == (double)(long long)d)
		return vp_pve_fail(msg, -EINVAL, "value must have a %s value of %lld",
				   which, (long long)d);
	return vp_pve_fail(msg, -EINVAL, "value must have a %s value of %g", which, d);
}

/* check_prop for one value (NULL: not set); *msg gets Proxmox's message. */
static int check_prop(const struct vp_pve_prop *p, const char *v, char **msg)
{
	static const char *const type_names[] = {
		[VP_PVE_T_STRING] = "string",
		[VP_PVE_T_BOOLEAN] = "boolean",
		[VP_PVE_T_INTEGER] = "integer",
		[VP_PVE_T_NUMBER] = "number",
	};
	bool type_ok = true;

	if (!v) {
		if (p->optional)
			return 0;
		return vp_pve_fail(msg, -EINVAL,
				   "property is missing and it is not optional");
	}
	if (p->type == VP_PVE_T_BOOLEAN)
		type_ok = streq(v, "1") || streq(v, "0");
	else if (p->type == VP_PVE_T_INTEGER)
		type_ok = is_integer(v);
	else if (p->type == VP_PVE_T_NUMBER)
		type_ok = is_number(v);
	if (!type_ok)
		return vp_pve_fail(msg, -EINVAL, "type check ('%s') failed - got '%s'",
				   type_names[p->type], v);
	if (p->format) {
		_cleanup_free_ char *fmsg = NULL;
		int r = p->format(v, &fmsg);

		if (r == -EINVAL)
			return vp_pve_fail(msg, r, "invalid format - %s",
					   fmsg ? fmsg : "");
		if (r < 0)
			return r;
	}
	if (p->pattern && !p->pattern(v))
		return vp_pve_fail(msg, -EINVAL,
				   "value does not match the regex pattern");
	if (p->max_length && strlen(v) > p->max_length)
		return vp_pve_fail(msg, -EINVAL, "value may only be %zu characters long",
				   p->max_length);
	if ((p->has_min || p->has_max) && is_number(v)) {
		double d = strtod(v, NULL);

		if (p->has_max && d > p->max)
			return bound_fail(msg, "maximum", p->max);
		if (p->has_min && d < p->min)
			return bound_fail(msg, "minimum", p->min);
	}
	if (p->enums) {
		_cleanup_free_ char *list = NULL;

		for (size_t i = 0; p->enums[i]; i++)
			if (streq(p->enums[i], v))
				return 0;
		list = vp_pve_join(p->enums);
		if (!list)
			return -ENOMEM;
		return vp_pve_fail(
			msg, -EINVAL,
			"value '%s' does not have a value in the enumeration '%s'", v,
			list);
	}
	return 0;
}

int vp_pve_propstr_check(const struct vp_pve_propstr *ps, char **reason)
{
	const struct vp_pve_schema *s = ps->schema;

	for (size_t i = 0; i < s->n_props; i++) {
		const struct vp_pve_prop *p = &s->props[i];
		_cleanup_free_ char *msg = NULL;
		int r;

		if (p->alias)
			continue;
		r = check_prop(p, vp_pve_propstr_get(ps, p->key), &msg);
		if (r == -EINVAL)
			return vp_pve_fail(reason, r, "format error: %s: %s", p->key,
					   msg);
		if (r < 0)
			return r;
	}
	return s->validate ? s->validate(ps, reason) : 0;
}

int vp_pve_propstr_parse(const struct vp_pve_schema *schema, const char *text,
			 struct vp_pve_propstr *out, char **reason)
{
	int r = vp_pve_propstr_split(schema, text, out, reason);

	if (r < 0)
		return r;
	r = vp_pve_propstr_check(out, reason);
	if (r < 0)
		vp_pve_propstr_free(out);
	return r;
}

/* Can @v be written as a value at all? (print_property_string's rules) */
static int printable(const char *key, const char *v, char **reason)
{
	if (!*v)
		return vp_pve_fail(reason, -EINVAL, "empty value for '%s'", key);
	if (strchr(v, ','))
		return vp_pve_fail(reason, -EINVAL, "illegal value with commas for %s",
				   key);
	if (strpbrk(v, "\n\r"))
		return vp_pve_fail(reason, -EINVAL, "property '%s' contains a line feed",
				   key);
	return 0;
}

int vp_pve_propstr_set(struct vp_pve_propstr *ps, const char *key, const char *value,
		       char **reason)
{
	const struct vp_pve_prop *p = resolve(ps->schema, key);
	_cleanup_free_ char *msg = NULL;
	int r;

	if (!p)
		return vp_pve_fail(reason, -EINVAL,
				   "invalid key in comma-separated list property: %s",
				   key);
	r = printable(p->key, value, reason);
	if (r < 0)
		return r;
	if (p->type == VP_PVE_T_BOOLEAN) {
		r = vp_pve_parse_boolean(value);
		if (r < 0)
			return vp_pve_fail(
				reason, -EINVAL,
				"format error: %s: type check ('boolean') failed - got "
				"'%s'",
				p->key, value);
		value = r ? "1" : "0";
	}
	r = check_prop(p, value, &msg);
	if (r == -EINVAL)
		return vp_pve_fail(reason, r, "format error: %s: %s", p->key, msg);
	if (r < 0)
		return r;
	return store(ps, p, value);
}

int vp_pve_propstr_unset(struct vp_pve_propstr *ps, const char *key)
{
	struct vp_pve_kv *kv = find(ps, key);

	if (!kv)
		return -ENOENT;
	free(kv->value);
	memmove(kv, kv + 1, (ps->n - (size_t)(kv - ps->kv) - 1) * sizeof(*kv));
	ps->n--;
	return 0;
}

/* print_property_string order: default key, required keys, the rest; by key. */
static int print_rank(const struct vp_pve_kv *kv)
{
	if (kv->prop->default_key)
		return 0;
	return kv->prop->optional ? 2 : 1;
}

static int cmp_kv(const void *a, const void *b)
{
	const struct vp_pve_kv *x = *(const struct vp_pve_kv *const *)a;
	const struct vp_pve_kv *y = *(const struct vp_pve_kv *const *)b;
	int rx = print_rank(x), ry = print_rank(y);

	if (rx != ry)
		return rx - ry;
	return strcmp(x->prop->key, y->prop->key);
}

/* The printed text must parse back to the same keys and values. */
static int reparse_same(const struct vp_pve_propstr *ps, const char *text, char **reason)
{
	struct vp_pve_propstr back;
	int r = vp_pve_propstr_parse(ps->schema, text, &back, reason);

	if (r < 0)
		return r;
	if (back.n != ps->n)
		r = -EINVAL;
	for (size_t i = 0; r == 0 && i < ps->n; i++)
		if (!streq(vp_pve_propstr_get(&back, ps->kv[i].prop->key),
			   ps->kv[i].value))
			r = -EINVAL;
	vp_pve_propstr_free(&back);
	if (r < 0)
		return vp_pve_fail(reason, r,
				   "'%s' does not parse back to the same values", text);
	return 0;
}

int vp_pve_propstr_print(const struct vp_pve_propstr *ps, char **out, char **reason)
{
	_cleanup_free_ const struct vp_pve_kv **order = NULL;
	_cleanup_free_ char *s = NULL;
	size_t len = 1;
	int r;

	*out = NULL;
	r = vp_pve_propstr_check(ps, reason);
	if (r < 0)
		return r;
	order = calloc(ps->n ? ps->n : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < ps->n; i++) {
		r = printable(ps->kv[i].prop->key, ps->kv[i].value, reason);
		if (r < 0)
			return r;
		order[i] = &ps->kv[i];
		len += strlen(ps->kv[i].prop->key) + strlen(ps->kv[i].value) + 2;
	}
	qsort(order, ps->n, sizeof(*order), cmp_kv);
	s = malloc(len);
	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	for (size_t i = 0; i < ps->n; i++) {
		const char *v = order[i]->value;
		bool bare = order[i]->prop->default_key && !strchr(v, '=') &&
			    !vp_pve_blank(v);

		if (i)
			strcat(s, ",");
		if (!bare) {
			strcat(s, order[i]->prop->key);
			strcat(s, "=");
		}
		strcat(s, v);
	}
	r = reparse_same(ps, s, reason);
	if (r < 0)
		return r;
	*out = TAKE_PTR(s);
	return 0;
}
