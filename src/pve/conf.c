// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line model of a guest config, on the byte-preserving line array of
 * linebuf.c: sections, lookups, the edit primitives and the edits of a
 * dialect (VM or CT). What each line means is decided by the classifiers in
 * vmconf.c and ctconf.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pve/conf-priv.h"
#include "pve/keys.h"
#include "pve/linebuf.h"
#include "pve/patterns.h"
#include "pve/priv.h"
#include "util.h"

_Static_assert(offsetof(struct vp_pve_line, text) == 0, "linebuf.h: text comes first");

/* The clear of linebuf.h for struct vp_pve_line; mapping.c clears its own fields. */
static void line_clear(void *record)
{
	struct vp_pve_line *l = record;

	free(l->key);
	free(l->value);
	free(l->reason);
	l->key = l->value = l->reason = NULL;
	l->kind = VP_PVE_LINE_BLANK;
	l->status = VP_PVE_OK;
	l->section = 0;
}

static void sections_free(struct vp_pve_conf *c)
{
	for (size_t i = 0; i < c->n_sections; i++)
		free(c->sections[i].name);
	free(c->sections);
	c->sections = NULL;
	c->n_sections = 0;
}

void vp_pve_conf_free(struct vp_pve_conf *c)
{
	if (!c)
		return;
	vp_pve_lines_free(c->lines, c->n_lines, sizeof(*c->lines), line_clear);
	sections_free(c);
	free(c);
}

int vp_pve_conf_add_section(struct vp_pve_conf *c, enum vp_pve_section_kind kind,
			    const char *name, size_t header)
{
	struct vp_pve_section *s = realloc(c->sections, (c->n_sections + 1) * sizeof(*s));
	char *n = strdup(name);

	if (s)
		c->sections = s;
	if (!s || !n) {
		free(n);
		return -ENOMEM;
	}
	c->sections[c->n_sections] = (struct vp_pve_section){
		.kind = kind,
		.name = n,
		.header = header,
	};
	return (int)c->n_sections++;
}

int vp_pve_conf_reset(struct vp_pve_conf *c)
{
	int r;

	for (size_t i = 0; i < c->n_lines; i++)
		line_clear(&c->lines[i]);
	sections_free(c);
	r = vp_pve_conf_add_section(c, VP_PVE_SEC_MAIN, "", SIZE_MAX);
	return r < 0 ? r : 0;
}

int vp_pve_line_set(struct vp_pve_line *l, enum vp_pve_line_kind kind, const char *key,
		    const char *value)
{
	l->kind = kind;
	if (key && !(l->key = strdup(key)))
		return -ENOMEM;
	if (value && !(l->value = strdup(value)))
		return -ENOMEM;
	return 0;
}

void vp_pve_line_status(struct vp_pve_line *l, enum vp_pve_status st, char *reason)
{
	free(l->reason);
	l->status = st;
	l->reason = reason;
}

int vp_pve_line_statusf(struct vp_pve_line *l, enum vp_pve_status st, const char *fmt,
			...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	vp_pve_line_status(l, st, msg);
	return 0;
}

/*
 * VM and CT configs side by side: a row each, read across to see the
 * difference.
 */
static const struct vp_pve_dialect dialects[] = {
	[VP_PVE_QEMU] = {
		.guest = VP_PVE_QEMU,
		.classify = vp_pve_vm_classify,
		.key = vp_pve_vm_key,
		.pending = "PENDING",
		.strip_quotes = true,
	},
	[VP_PVE_LXC] = {
		.guest = VP_PVE_LXC,
		.classify = vp_pve_ct_classify,
		.key = vp_pve_ct_key,
		.pending = "pve:pending",
		.raw_lxc = true,
	},
};

const struct vp_pve_dialect *vp_pve_dialect(enum vp_pve_guest guest)
{
	return &dialects[guest == VP_PVE_QEMU ? VP_PVE_QEMU : VP_PVE_LXC];
}

int vp_pve_conf_classify(struct vp_pve_conf *c)
{
	return vp_pve_dialect(c->guest)->classify(c);
}

int vp_pve_conf_new(const char *text, size_t len, enum vp_pve_guest guest,
		    struct vp_pve_conf **out)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = calloc(1, sizeof(*c));
	void *lines = NULL;
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->guest = guest;
	r = vp_pve_lines_split(text, len, sizeof(*c->lines), &lines, &c->n_lines,
			       &c->final_newline);
	c->lines = lines;
	if (r < 0)
		return r;
	r = vp_pve_conf_classify(c);
	if (r < 0)
		return r;
	*out = TAKE_PTR(c);
	return 0;
}

int vp_pve_conf_serialize(const struct vp_pve_conf *c, char **out, size_t *len)
{
	return vp_pve_lines_join(c->lines, c->n_lines, sizeof(*c->lines),
				 c->final_newline, out, len);
}

size_t vp_pve_conf_pending(const struct vp_pve_conf *c)
{
	for (size_t i = c->n_sections; i-- > 0;)
		if (c->sections[i].kind == VP_PVE_SEC_PENDING &&
		    !c->sections[i].discarded)
			return i;
	return SIZE_MAX;
}

static bool kept(const struct vp_pve_line *l)
{
	return l->status != VP_PVE_REJECTED && l->status != VP_PVE_IGNORED;
}

const struct vp_pve_line *vp_pve_conf_find(const struct vp_pve_conf *c, size_t section,
					   const char *key)
{
	for (size_t i = c->n_lines; i-- > 0;) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section == section &&
		    (l->kind == VP_PVE_LINE_KEY || l->kind == VP_PVE_LINE_LXC) &&
		    streq(l->key, key) && kept(l))
			return l;
	}
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *vp_pve_decode_text(const char *s)
{
	char *out = malloc(strlen(s) + 1), *p = out;

	if (!out)
		return NULL;
	while (*s) {
		if (s[0] == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*p++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 3;
		} else {
			*p++ = *s++;
		}
	}
	*p = '\0';
	return out;
}

static int append(char **buf, const char *s, bool newline)
{
	size_t old = *buf ? strlen(*buf) : 0;
	char *n = realloc(*buf, old + strlen(s) + 2);

	if (!n)
		return -ENOMEM;
	strcpy(n + old, s);
	if (newline)
		strcat(n, "\n");
	*buf = n;
	return 0;
}

int vp_pve_conf_description(const struct vp_pve_conf *c, size_t section, char **out)
{
	_cleanup_free_ char *d = NULL;

	*out = NULL;
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];
		_cleanup_free_ char *text = NULL;
		int r;

		if (l->section != section || !kept(l))
			continue;
		if (l->kind == VP_PVE_LINE_COMMENT)
			text = vp_pve_decode_text(l->text + 1);
		else if (l->kind == VP_PVE_LINE_DESCRIPTION)
			text = vp_pve_decode_text(l->value);
		else
			continue;
		if (!text)
			return -ENOMEM;
		r = append(&d, text, l->kind == VP_PVE_LINE_COMMENT);
		if (r < 0)
			return r;
	}
	if (d && c->guest == VP_PVE_QEMU) /* finish_description: s/\s+$// */
		strstrip_end(d);
	*out = TAKE_PTR(d);
	return 0;
}

const char *vp_pve_status_name(enum vp_pve_status s)
{
	static const char *const names[] = {
		[VP_PVE_OK] = "ok",
		[VP_PVE_IGNORED] = "ignored",
		[VP_PVE_REJECTED] = "rejected",
		[VP_PVE_WARNED] = "warned",
		[VP_PVE_API_INVALID] = "api-invalid",
		[VP_PVE_UNVERIFIED] = "unverified",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static int insert_line(struct vp_pve_conf *c, size_t at, const char *text)
{
	void *lines = c->lines;
	int r = vp_pve_lines_insert(&lines, &c->n_lines, sizeof(*c->lines), at, text,
				    strlen(text));

	c->lines = lines;
	if (r == 0 && c->n_lines == 1)
		c->final_newline = true; /* no byte of the input to keep */
	return r;
}

static bool counts_as(const struct vp_pve_line *l, enum vp_pve_line_kind kind)
{
	if (kind == VP_PVE_LINE_LXC)
		return l->kind == VP_PVE_LINE_KEY || l->kind == VP_PVE_LINE_LXC;
	return l->kind == VP_PVE_LINE_KEY;
}

/* Where a new line of @kind goes in @section. */
static size_t insert_point(const struct vp_pve_conf *c, size_t section,
			   enum vp_pve_line_kind kind)
{
	size_t after_key = SIZE_MAX, after_text = SIZE_MAX;

	for (size_t i = 0; i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section != section)
			continue;
		if (counts_as(l, kind) && l->status != VP_PVE_IGNORED)
			after_key = i + 1;
		if (l->kind != VP_PVE_LINE_BLANK)
			after_text = i + 1;
	}
	if (after_key != SIZE_MAX)
		return after_key;
	if (after_text != SIZE_MAX)
		return after_text;
	return 0;
}

int vp_pve_conf_put(struct vp_pve_conf *c, size_t section, enum vp_pve_line_kind kind,
		    const char *key, const char *text)
{
	size_t keep = SIZE_MAX, rejected = SIZE_MAX, target;
	int r;

	for (size_t i = 0; i < c->n_lines; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section != section || l->kind != kind || !streq(l->key, key) ||
		    l->status == VP_PVE_IGNORED)
			continue;
		if (l->status == VP_PVE_REJECTED)
			rejected = i;
		else
			keep = i;
	}
	target = keep != SIZE_MAX ? keep : rejected;
	if (target != SIZE_MAX) {
		char *t = strdup(text);

		if (!t)
			return -ENOMEM;
		free(c->lines[target].text);
		c->lines[target].text = t;
	} else {
		r = insert_line(c, insert_point(c, section, kind), text);
		if (r < 0)
			return r;
	}
	return vp_pve_conf_classify(c);
}

int vp_pve_conf_append(struct vp_pve_conf *c, size_t section, const char *text)
{
	int r = insert_line(c, insert_point(c, section, VP_PVE_LINE_LXC), text);

	return r < 0 ? r : vp_pve_conf_classify(c);
}

int vp_pve_conf_remove(struct vp_pve_conf *c, size_t section, enum vp_pve_line_kind kind,
		       const char *key)
{
	size_t removed = 0;

	for (size_t i = c->n_lines; i-- > 0;) {
		struct vp_pve_line *l = &c->lines[i];

		if (l->section != section || l->kind != kind || !streq(l->key, key) ||
		    l->status == VP_PVE_IGNORED)
			continue;
		vp_pve_lines_remove(c->lines, &c->n_lines, sizeof(*l), i, line_clear);
		removed++;
	}
	if (!removed)
		return -ENOENT;
	return vp_pve_conf_classify(c);
}

int vp_pve_conf_pending_create(struct vp_pve_conf *c, const char *name)
{
	_cleanup_free_ char *header = NULL;
	size_t p = c->n_lines, idx = vp_pve_conf_pending(c);
	int r;

	if (idx != SIZE_MAX)
		return (int)idx;
	header = xasprintf("[%s]", name);
	if (!header)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_lines; i++) {
		if (c->lines[i].section != 0) {
			p = i;
			break;
		}
	}
	while (p > 0 && c->lines[p - 1].kind == VP_PVE_LINE_BLANK)
		p--;
	r = insert_line(c, p, header);
	if (r == 0 && p > 0)
		r = insert_line(c, p, "");
	if (r == 0)
		r = vp_pve_conf_classify(c);
	if (r < 0)
		return r;
	idx = vp_pve_conf_pending(c);
	return idx == SIZE_MAX ? -EINVAL : (int)idx;
}

int vp_pve_conf_reads_back(enum vp_pve_guest guest, const char *line, const char *key,
			   const char *value, char **reason)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *one = NULL;
	const struct vp_pve_line *l;
	int r = vp_pve_conf_new(line, strlen(line), guest, &one);

	if (r < 0)
		return r;
	l = &one->lines[0];
	if (one->n_lines == 1 && l->status == VP_PVE_OK &&
	    (l->kind == VP_PVE_LINE_KEY || l->kind == VP_PVE_LINE_LXC) &&
	    streq(l->key, key) && streq(l->value, value))
		return 0;
	return vp_pve_fail(reason, -EINVAL, "'%s' would not read back as '%s'", line,
			   key);
}

/* The line vfio-pilot would write for key=value in dialect @d, checked. */
static int dialect_line(const struct vp_pve_dialect *d, const char *key,
			const char *value, char **line, char **reason)
{
	_cleanup_free_ char *canon = NULL;
	int r;

	if (d->raw_lxc && startswith(key, "lxc."))
		return vp_pve_fail(
			reason, -EINVAL,
			"'%s' is a raw lxc key: add it with vp_pve_ctconf_add_lxc", key);
	r = vp_pve_key_check_write(d->key(key), key, value, d->strip_quotes, &canon,
				   reason);
	if (r < 0)
		return r;
	*line = xasprintf("%s: %s", key, canon);
	if (!*line)
		return -ENOMEM;
	r = vp_pve_conf_reads_back(d->guest, *line, key, canon, reason);
	if (r < 0) {
		free(*line);
		*line = NULL;
	}
	return r;
}

int vp_pve_dialect_check(const struct vp_pve_dialect *d, const char *key,
			 const char *value, char **reason)
{
	_cleanup_free_ char *line = NULL;

	return dialect_line(d, key, value, &line, reason);
}

int vp_pve_dialect_set(const struct vp_pve_dialect *d, struct vp_pve_conf *c,
		       bool pending, const char *key, const char *value, char **reason)
{
	_cleanup_free_ char *line = NULL;
	int section = 0;
	int r = dialect_line(d, key, value, &line, reason);

	if (r < 0)
		return r;
	if (pending) {
		section = vp_pve_conf_pending_create(c, d->pending);
		if (section < 0)
			return section;
	}
	return vp_pve_conf_put(c, (size_t)section, VP_PVE_LINE_KEY, key, line);
}

int vp_pve_dialect_delete(const struct vp_pve_dialect *d, struct vp_pve_conf *c,
			  bool pending, const char *key)
{
	size_t section = pending ? vp_pve_conf_pending(c) : 0;
	bool raw = d->raw_lxc && startswith(key, "lxc.");

	if (section == SIZE_MAX)
		return -ENOENT;
	return vp_pve_conf_remove(c, section, raw ? VP_PVE_LINE_LXC : VP_PVE_LINE_KEY,
				  key);
}
