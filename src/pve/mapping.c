// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /etc/pve/mapping/{pci,usb}.cfg. The classifier walks the lines as
 * pve-common SectionConfig.pm parse_config does: $nextline skips "#" lines,
 * the outer loop skips false lines ("" and "0"), a header comes from the
 * plugin's parse_section_header (^(\S+)\s*$, pve_verify_configid), and the
 * inner loop reads properties until the next false line; check_value and
 * check_config (required `map`) decide what is kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pve/linebuf.h"
#include "pve/mapping.h"
#include "pve/patterns.h"
#include "pve/priv.h"
#include "pve/propstr.h"
#include "pve/schemas.h"

_Static_assert(offsetof(struct vp_pve_map_line, text) == 0,
	       "linebuf.h: text comes first");

/* The clear of linebuf.h for struct vp_pve_map_line; conf.c clears its own fields. */
static void line_clear(void *record)
{
	struct vp_pve_map_line *l = record;

	free(l->key);
	free(l->value);
	free(l->reason);
	l->key = l->value = l->reason = NULL;
	l->kind = VP_PVE_MAPL_BLANK;
	l->status = VP_PVE_OK;
	l->entry = SIZE_MAX;
}

static void entries_free(struct vp_pve_mapping *m)
{
	for (size_t i = 0; i < m->n_entries; i++) {
		free(m->entries[i].id);
		free(m->entries[i].reason);
	}
	free(m->entries);
	m->entries = NULL;
	m->n_entries = 0;
}

void vp_pve_mapping_free(struct vp_pve_mapping *m)
{
	if (!m)
		return;
	vp_pve_lines_free(m->lines, m->n_lines, sizeof(*m->lines), line_clear);
	entries_free(m);
	free(m);
}

static int status(struct vp_pve_map_line *l, enum vp_pve_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int status(struct vp_pve_map_line *l, enum vp_pve_status st, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	free(l->reason);
	l->reason = msg;
	l->status = st;
	return 0;
}

/* Perl's truth of a line: "" and "0" are false. */
static bool false_line(const char *s)
{
	return !*s || streq(s, "0");
}

static bool comment_line(const char *s)
{
	while (vp_pve_isspace(*s))
		s++;
	return *s == '#';
}

/* ^(\S+)\s*$ */
static char *header_id(const char *s)
{
	size_t n = 0;

	while (s[n] && !vp_pve_isspace(s[n]))
		n++;
	if (n == 0 || !vp_pve_blank(s + n))
		return NULL;
	return strndup(s, n);
}

/* ^\s+(\S+)(\s+(.*\S))?\s*$: 1 with key (and value or NULL), 0, -ENOMEM. */
static int property(const char *s, char **key, char **value)
{
	const char *k, *v, *end;

	if (!vp_pve_isspace(*s))
		return 0;
	while (vp_pve_isspace(*s))
		s++;
	k = s;
	while (*s && !vp_pve_isspace(*s))
		s++;
	if (s == k)
		return 0;
	v = s;
	while (vp_pve_isspace(*v))
		v++;
	end = v + strlen(v);
	while (end > v && vp_pve_isspace(end[-1]))
		end--;
	*key = strndup(k, s - k);
	*value = end > v ? strndup(v, end - v) : NULL;
	if (!*key || (end > v && !*value))
		return -ENOMEM;
	return 1;
}

static const struct vp_pve_schema *map_schema(enum vp_pve_map_type t)
{
	return t == VP_PVE_MAP_PCI ? vp_pve_schema_pci_map() : vp_pve_schema_usb_map();
}

/*
 * $is_array, the duplicate check and check_value for one property of a
 * section of @type; *msg gets Proxmox's message. *is_map says it is a map.
 */
static int check_property(enum vp_pve_map_type type, const char *key, const char *value,
			  const struct strv *seen, bool *is_map, char **msg)
{
	/* mdev and live-migration-capable are not in Mapping/USB.pm's propertyList */
	bool boolean = type == VP_PVE_MAP_PCI &&
		       (streq(key, "mdev") || streq(key, "live-migration-capable"));

	*is_map = streq(key, "map");
	if (!(*is_map || boolean || streq(key, "description") || streq(key, "id") ||
	      streq(key, "type")))
		return vp_pve_fail(msg, -EINVAL, "unknown property type");
	if (!*is_map && strv_contains(seen, key))
		return vp_pve_fail(msg, -EINVAL, "duplicate attribute");
	if (streq(key, "type") && streq(value, type == VP_PVE_MAP_PCI ? "pci" : "usb"))
		return 0;
	if (streq(key, "id") || streq(key, "type"))
		return vp_pve_fail(msg, -EINVAL, "unexpected property '%s'", key);
	if (boolean && !value)
		value = "1";
	if (!value)
		return vp_pve_fail(msg, -EINVAL, "got undefined value");
	if (strpbrk(value, "\n\r"))
		return vp_pve_fail(msg, -EINVAL, "property contains a line feed");
	if (boolean && !streq(value, "1") && !streq(value, "0"))
		return vp_pve_fail(msg, -EINVAL,
				   "type check ('boolean') failed - got '%s'", value);
	if (streq(key, "description") && strlen(value) > 4096)
		return vp_pve_fail(msg, -EINVAL,
				   "value may only be 4096 characters long");
	if (*is_map) {
		_cleanup_free_ char *why = NULL;
		struct vp_pve_propstr ps;
		int r = vp_pve_propstr_parse(map_schema(type), value, &ps, &why);

		if (r < 0)
			return r == -ENOMEM ? r
					    : vp_pve_fail(msg, -EINVAL,
							  "invalid format - %s", why);
		vp_pve_propstr_free(&ps);
	}
	return 0;
}

static int add_entry(struct vp_pve_mapping *m, char *id, size_t header)
{
	struct vp_pve_map_entry *e = realloc(m->entries, (m->n_entries + 1) * sizeof(*e));

	if (!e) {
		free(id);
		return -ENOMEM;
	}
	m->entries = e;
	m->entries[m->n_entries] = (struct vp_pve_map_entry){
		.id = id, .header = header, .last = header, .valid = true
	};
	return (int)m->n_entries++;
}

/* Comment lines $nextline skips; they stay in the section they are in. */
static int skip_comments(struct vp_pve_mapping *m, size_t *i, size_t entry)
{
	while (*i < m->n_lines && comment_line(m->lines[*i].text)) {
		struct vp_pve_map_line *l = &m->lines[(*i)++];

		l->kind = VP_PVE_MAPL_COMMENT;
		l->entry = entry;
		if (status(l, VP_PVE_IGNORED,
			   "comment; Proxmox drops it when it writes the file"))
			return -ENOMEM;
	}
	return 0;
}

/* The inner loop: properties up to the next false line. */
static int section_body(struct vp_pve_mapping *m, size_t *i, size_t e, bool skip)
{
	_cleanup_(strv_free) struct strv seen = { 0 };
	bool has_map = false;
	int r;

	for (;;) {
		struct vp_pve_map_line *l;
		char *key = NULL, *value = NULL, *msg = NULL;
		bool is_map;

		if ((r = skip_comments(m, i, e)) < 0)
			return r;
		if (*i >= m->n_lines)
			break;
		l = &m->lines[(*i)++];
		l->entry = e;
		if (false_line(l->text)) {
			l->status = VP_PVE_IGNORED;
			break;
		}
		m->entries[e].last = *i - 1;
		r = property(l->text, &key, &value);
		l->key = key;
		l->value = value;
		if (r < 0)
			return r;
		l->kind = r ? VP_PVE_MAPL_PROPERTY : VP_PVE_MAPL_OTHER;
		if (skip) {
			r = status(l, VP_PVE_IGNORED,
				   "in section '%s', which Proxmox skips",
				   m->entries[e].id);
		} else if (!r) {
			r = status(l, VP_PVE_REJECTED,
				   "(section '%s') - ignore config line: %s",
				   m->entries[e].id, l->text);
		} else {
			r = check_property(m->type, key, value, &seen, &is_map, &msg);
			if (r == -EINVAL) {
				r = status(
					l, VP_PVE_REJECTED,
					"(section '%s') - unable to parse value of '%s': %s",
					m->entries[e].id, key, msg);
			} else if (r == 0) {
				has_map = has_map || is_map;
				if (!is_map)
					r = strv_add(&seen, key);
			}
			free(msg);
		}
		if (r < 0)
			return r;
	}
	if (skip || has_map)
		return 0;
	m->entries[e].valid = false;
	m->entries[e].reason =
		xasprintf("(skip section '%s'): missing value for required "
			  "option 'map'",
			  m->entries[e].id);
	return m->entries[e].reason ? 0 : -ENOMEM;
}

/* A later section with the same id replaces an earlier one. */
static int later_wins(struct vp_pve_mapping *m)
{
	for (size_t a = 0; a < m->n_entries; a++) {
		for (size_t b = a + 1; b < m->n_entries; b++) {
			if (!streq(m->entries[a].id, m->entries[b].id) ||
			    !m->entries[a].valid)
				continue;
			m->entries[a].valid = false;
			free(m->entries[a].reason);
			m->entries[a].reason =
				xasprintf("section '%s' appears again later; "
					  "Proxmox keeps only the later one",
					  m->entries[a].id);
			if (!m->entries[a].reason)
				return -ENOMEM;
		}
	}
	return 0;
}

static int classify(struct vp_pve_mapping *m)
{
	size_t i = 0;
	int r;

	for (size_t j = 0; j < m->n_lines; j++)
		line_clear(&m->lines[j]);
	entries_free(m);
	while (i < m->n_lines) {
		struct vp_pve_map_line *l;
		_cleanup_free_ char *msg = NULL;
		char *id;
		int e;

		if ((r = skip_comments(m, &i, SIZE_MAX)) < 0)
			return r;
		if (i >= m->n_lines)
			break;
		l = &m->lines[i++];
		if (false_line(l->text)) {
			l->status = VP_PVE_IGNORED;
			continue;
		}
		id = header_id(l->text);
		if (!id) {
			l->kind = VP_PVE_MAPL_OTHER;
			if ((r = status(l, VP_PVE_REJECTED, "ignore config line: %s",
					l->text)) < 0)
				return r;
			continue;
		}
		e = add_entry(m, id, i - 1);
		if (e < 0)
			return e;
		l->kind = VP_PVE_MAPL_HEADER;
		l->entry = (size_t)e;
		r = vp_pve_fmt_configid(id, &msg);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			m->entries[e].valid = false;
			m->entries[e].reason =
				xasprintf("(skip section '%s'): %s", id, msg);
			if (!m->entries[e].reason)
				return -ENOMEM;
		}
		r = section_body(m, &i, (size_t)e, r < 0);
		if (r < 0)
			return r;
	}
	r = later_wins(m);
	for (size_t e = 0; r == 0 && e < m->n_entries; e++) {
		struct vp_pve_map_line *h = &m->lines[m->entries[e].header];

		if (!m->entries[e].valid) {
			h->status = VP_PVE_REJECTED;
			free(h->reason);
			h->reason = strdup(m->entries[e].reason);
			if (!h->reason)
				r = -ENOMEM;
		}
	}
	return r;
}

static int push_line(struct vp_pve_mapping *m, size_t at, const char *s, size_t n)
{
	void *lines = m->lines;
	int r = vp_pve_lines_insert(&lines, &m->n_lines, sizeof(*m->lines), at, s, n);

	m->lines = lines;
	if (r == 0)
		m->lines[at].entry = SIZE_MAX;
	return r;
}

int vp_pve_mapping_parse(enum vp_pve_map_type type, const char *text, size_t len,
			 struct vp_pve_mapping **out)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = calloc(1, sizeof(*m));
	void *lines = NULL;
	int r;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->type = type;
	r = vp_pve_lines_split(text, len, sizeof(*m->lines), &lines, &m->n_lines,
			       &m->final_newline);
	m->lines = lines;
	/* classify() gives every line its entry (SIZE_MAX outside a section). */
	if (r == 0)
		r = classify(m);
	if (r < 0)
		return r;
	*out = TAKE_PTR(m);
	return 0;
}

int vp_pve_mapping_serialize(const struct vp_pve_mapping *m, char **out, size_t *len)
{
	return vp_pve_lines_join(m->lines, m->n_lines, sizeof(*m->lines),
				 m->final_newline, out, len);
}

const struct vp_pve_map_entry *vp_pve_mapping_find(const struct vp_pve_mapping *m,
						   const char *id)
{
	for (size_t i = 0; i < m->n_entries; i++)
		if (m->entries[i].valid && streq(m->entries[i].id, id))
			return &m->entries[i];
	return NULL;
}

int vp_pve_mapping_maps(const struct vp_pve_mapping *m, const char *id, struct strv *out)
{
	const struct vp_pve_map_entry *e = vp_pve_mapping_find(m, id);
	size_t idx;

	if (!e)
		return -ENOENT;
	idx = (size_t)(e - m->entries);
	for (size_t i = 0; i < m->n_lines; i++) {
		const struct vp_pve_map_line *l = &m->lines[i];
		int r;

		if (l->entry != idx || l->kind != VP_PVE_MAPL_PROPERTY ||
		    l->status != VP_PVE_OK || !streq(l->key, "map"))
			continue;
		r = strv_add(out, l->value);
		if (r < 0)
			return r;
	}
	return 0;
}

int vp_pve_mapping_paths(const struct vp_pve_mapping *m, const char *id, const char *node,
			 struct strv *out)
{
	_cleanup_(strv_free) struct strv maps = { 0 };
	int r = vp_pve_mapping_maps(m, id, &maps);

	if (r < 0)
		return r;
	for (size_t i = 0; i < maps.n && r == 0; i++) {
		struct vp_pve_propstr ps;
		const char *path;

		if (vp_pve_propstr_split(map_schema(m->type), maps.v[i], &ps, NULL) < 0)
			continue;
		path = vp_pve_propstr_get(&ps, "path");
		if (path && (!node || streq(vp_pve_propstr_get(&ps, "node"), node))) {
			/* Several devices in one map: "0000:01:00.0;0000:02:00.0"
			 * (PCI.pm). */
			_cleanup_free_ char *copy = strdup(path);
			char *save = NULL;

			r = copy ? 0 : -ENOMEM;
			for (char *t = copy ? strtok_r(copy, ";", &save) : NULL;
			     t && r == 0; t = strtok_r(NULL, ";", &save))
				r = strv_add(out, t);
		}
		vp_pve_propstr_free(&ps);
	}
	return r;
}

/*
 * Check a map value against the schema. It is written as given, as the
 * mapping API stores it (pve-manager API2/Cluster/Mapping/PCI.pm passes the
 * strings through); white space at either end would not read back.
 */
static int check_map(enum vp_pve_map_type type, const char *map, char **node,
		     char **reason)
{
	struct vp_pve_propstr ps;
	size_t n = strlen(map);
	int r;

	if (n == 0 || vp_pve_isspace(map[0]) || vp_pve_isspace(map[n - 1]))
		return vp_pve_fail(reason, -EINVAL,
				   "map '%s' is empty or starts or ends with white space",
				   map);
	r = vp_pve_propstr_parse(map_schema(type), map, &ps, reason);
	if (r < 0)
		return r;
	*node = strdup(vp_pve_propstr_get(&ps, "node"));
	vp_pve_propstr_free(&ps);
	return *node ? 0 : -ENOMEM;
}

/* The same keys with the same values, in whatever order. */
static bool same_map(enum vp_pve_map_type type, const char *a, const char *b)
{
	struct vp_pve_propstr x, y;
	bool same;

	if (vp_pve_propstr_split(map_schema(type), a, &x, NULL) < 0)
		return false;
	if (vp_pve_propstr_split(map_schema(type), b, &y, NULL) < 0) {
		vp_pve_propstr_free(&x);
		return false;
	}
	same = x.n == y.n;
	for (size_t i = 0; same && i < x.n; i++)
		same = streq(vp_pve_propstr_get(&y, x.kv[i].prop->key), x.kv[i].value);
	vp_pve_propstr_free(&x);
	vp_pve_propstr_free(&y);
	return same;
}

/* usb.cfg: "More than one USB mapping per host not supported" (USB.pm). */
static int usb_node_taken(const struct vp_pve_mapping *m, const char *id,
			  const char *node, char **reason)
{
	_cleanup_(strv_free) struct strv maps = { 0 };
	int r = vp_pve_mapping_maps(m, id, &maps);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (size_t i = 0; i < maps.n; i++) {
		struct vp_pve_propstr ps;
		bool same;

		if (vp_pve_propstr_split(vp_pve_schema_usb_map(), maps.v[i], &ps, NULL) <
		    0)
			continue;
		same = streq(vp_pve_propstr_get(&ps, "node"), node);
		vp_pve_propstr_free(&ps);
		if (same)
			return vp_pve_fail(
				reason, -EEXIST,
				"More than one USB mapping per host not supported");
	}
	return 0;
}

static int check_description(const char *d, char **reason)
{
	size_t n = strlen(d);

	if (n == 0 || n > 4096 || strpbrk(d, "\n\r") || vp_pve_isspace(d[0]) ||
	    vp_pve_isspace(d[n - 1]))
		return vp_pve_fail(
			reason, -EINVAL,
			"description must be 1 to 4096 characters on one line, "
			"without white space at either end");
	return 0;
}

int vp_pve_mapping_add_entry(struct vp_pve_mapping *m, const char *id,
			     const char *const *maps, const struct vp_pve_map_opts *opts,
			     char **reason)
{
	_cleanup_(strv_free) struct strv add = { 0 }, nodes = { 0 };
	_cleanup_free_ char *msg = NULL;
	size_t at;
	int r = vp_pve_fmt_configid(id, &msg);

	if (r < 0)
		return r == -ENOMEM ? r : vp_pve_fail(reason, r, "%s", msg);
	for (size_t i = 0; i < m->n_entries; i++)
		if (streq(m->entries[i].id, id))
			return vp_pve_fail(reason, -EEXIST, "mapping '%s' exists", id);
	if (!maps || !maps[0])
		return vp_pve_fail(reason, -EINVAL,
				   "missing value for required option 'map'");
	if (opts && m->type != VP_PVE_MAP_PCI &&
	    (opts->mdev >= 0 || opts->live_migration_capable >= 0))
		return vp_pve_fail(
			reason, -EINVAL,
			"mdev and live-migration-capable are PCI mapping options");
	if (opts && (opts->mdev > 1 || opts->live_migration_capable > 1))
		return vp_pve_fail(reason, -EINVAL, "booleans are 0 or 1");
	if (opts && opts->description &&
	    (r = check_description(opts->description, reason)))
		return r;
	if ((r = strv_add(&add, id)) < 0)
		return r;
	for (size_t i = 0; maps[i]; i++) {
		_cleanup_free_ char *node = NULL;

		r = check_map(m->type, maps[i], &node, reason);
		if (r < 0)
			return r;
		if (m->type == VP_PVE_MAP_USB && strv_contains(&nodes, node))
			return vp_pve_fail(
				reason, -EEXIST,
				"More than one USB mapping per host not supported");
		for (size_t j = 0; j < i; j++)
			if (same_map(m->type, maps[i], maps[j]))
				return vp_pve_fail(reason, -EEXIST,
						   "map '%s' is given twice", maps[i]);
		if ((r = strv_add(&nodes, node)) < 0 ||
		    (r = strv_push(&add, xasprintf("\tmap %s", maps[i]))) < 0)
			return r;
	}
	if (opts && opts->description &&
	    (r = strv_push(&add, xasprintf("\tdescription %s", opts->description))) < 0)
		return r;
	if (opts && opts->live_migration_capable >= 0 &&
	    (r = strv_push(&add, xasprintf("\tlive-migration-capable %d",
					   opts->live_migration_capable))) < 0)
		return r;
	if (opts && opts->mdev >= 0 &&
	    (r = strv_push(&add, xasprintf("\tmdev %d", opts->mdev))) < 0)
		return r;
	at = m->n_lines;
	if (at > 0 && m->lines[at - 1].text[0] && (r = push_line(m, at++, "", 0)) < 0)
		return r;
	for (size_t i = 0; i < add.n; i++)
		if ((r = push_line(m, at++, add.v[i], strlen(add.v[i]))) < 0)
			return r;
	m->final_newline = true;
	r = classify(m);
	if (r == 0 && !vp_pve_mapping_find(m, id))
		r = vp_pve_fail(reason, -EINVAL,
				"the new section '%s' does not read back", id);
	return r;
}

int vp_pve_mapping_add_map(struct vp_pve_mapping *m, const char *id, const char *map,
			   char **reason)
{
	_cleanup_(strv_free) struct strv maps = { 0 };
	_cleanup_free_ char *node = NULL, *line = NULL;
	const struct vp_pve_map_entry *e = vp_pve_mapping_find(m, id);
	size_t idx, at;
	int r;

	if (!e)
		return vp_pve_fail(reason, -ENOENT, "no mapping '%s'", id);
	idx = (size_t)(e - m->entries);
	at = e->last + 1;
	r = check_map(m->type, map, &node, reason);
	if (r < 0)
		return r;
	if (m->type == VP_PVE_MAP_USB && (r = usb_node_taken(m, id, node, reason)) < 0)
		return r;
	if ((r = vp_pve_mapping_maps(m, id, &maps)) < 0)
		return r;
	for (size_t i = 0; i < maps.n; i++)
		if (same_map(m->type, maps.v[i], map))
			return vp_pve_fail(reason, -EEXIST, "mapping '%s' has map '%s'",
					   id, map);
	for (size_t i = 0; i < m->n_lines; i++)
		if (m->lines[i].entry == idx &&
		    m->lines[i].kind == VP_PVE_MAPL_PROPERTY &&
		    m->lines[i].status == VP_PVE_OK && streq(m->lines[i].key, "map"))
			at = i + 1;
	line = xasprintf("\tmap %s", map);
	if (!line)
		return -ENOMEM;
	if ((r = push_line(m, at, line, strlen(line))) < 0)
		return r;
	if (at == m->n_lines - 1)
		m->final_newline = true;
	return classify(m);
}
