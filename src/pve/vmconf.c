// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VM configs: the line classifier follows qemu-server src/PVE/QemuServer.pm
 * parse_vm_config (tests in its order: blank, [PENDING], [special:...],
 * [snapshot], [unknown], then inside a section '#', description:,
 * snapstate:, args:, delete:, key: value, anything else), and edits go
 * through the line model of conf.c in the VM dialect.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pve/conf-priv.h"
#include "pve/keys.h"
#include "pve/vmconf.h"
#include "util.h"

/* A later section of the same kind and name replaces this one. */
static int discard_earlier(struct vp_pve_conf *c, size_t earlier)
{
	c->sections[earlier].discarded = true;
	for (size_t j = 0; j < c->n_lines; j++) {
		struct vp_pve_line *l = &c->lines[j];
		int r;

		if (l->section != earlier || l->kind == VP_PVE_LINE_BLANK)
			continue;
		r = vp_pve_line_statusf(
			l, VP_PVE_REJECTED,
			"section [%s] appears again later; Proxmox keeps only "
			"the later one",
			c->sections[earlier].name);
		if (r < 0)
			return r;
	}
	return 0;
}

static int open_section(struct vp_pve_conf *c, size_t i, enum vp_pve_section_kind kind,
			const char *name, const char *dup_msg, size_t *cur, bool *skip)
{
	size_t dup = SIZE_MAX;
	int idx, r;

	for (size_t s = 0; s < c->n_sections; s++)
		if (c->sections[s].kind == kind && streq(c->sections[s].name, name) &&
		    !c->sections[s].discarded)
			dup = s;
	idx = vp_pve_conf_add_section(c, kind, name, i);
	if (idx < 0)
		return idx;
	*cur = (size_t)idx;
	*skip = kind == VP_PVE_SEC_UNKNOWN;
	c->lines[i].section = *cur;
	r = vp_pve_line_set(&c->lines[i], VP_PVE_LINE_SECTION, name, NULL);
	if (r < 0)
		return r;
	if (kind == VP_PVE_SEC_UNKNOWN)
		return vp_pve_line_statusf(&c->lines[i], VP_PVE_REJECTED,
					   "skipping unknown section: '%s'", name);
	if (dup == SIZE_MAX)
		return 0;
	r = discard_earlier(c, dup);
	if (r < 0)
		return r;
	return vp_pve_line_statusf(&c->lines[i], VP_PVE_WARNED, "%s: %s", dup_msg, name);
}

/* A section header? 1 (handled), 0 (not a header), -errno. */
static int header(struct vp_pve_conf *c, size_t i, size_t *cur, bool *skip)
{
	const char *text = c->lines[i].text;
	_cleanup_free_ char *name = NULL;
	int r;

	if (vp_pve_gram_header(text, vp_pve_dialect(VP_PVE_QEMU)->pending))
		r = open_section(c, i, VP_PVE_SEC_PENDING, "pending", "duplicate section",
				 cur, skip);
	else if ((r = vp_pve_gram_special(text, &name)) > 0)
		r = open_section(c, i, VP_PVE_SEC_SPECIAL, name,
				 "duplicate special section", cur, skip);
	else if (r == 0 && (r = vp_pve_gram_snapshot(text, &name)) > 0)
		r = open_section(c, i, VP_PVE_SEC_SNAPSHOT, name,
				 "duplicate snapshot section", cur, skip);
	else if (r == 0 && (r = vp_pve_gram_any_header(text, &name)) > 0)
		r = open_section(c, i, VP_PVE_SEC_UNKNOWN, name, NULL, cur, skip);
	else
		return r;
	return r < 0 ? r : 1;
}

/* check_type against the section's schema, and the API on top. */
static int judge(struct vp_pve_line *l, const struct vp_pve_section *sec)
{
	const struct vp_pve_key *k;
	enum vp_pve_status st;
	size_t n;
	char *reason = NULL;
	int r;

	if (sec->kind == VP_PVE_SEC_SPECIAL && streq(sec->name, "cloudinit"))
		return 0; /* "ignore validation only used for informative purpose" */
	if (sec->kind == VP_PVE_SEC_SPECIAL && streq(sec->name, "fleecing")) {
		if (streq(l->key, "fleecing-images"))
			return vp_pve_line_statusf(
				l, VP_PVE_UNVERIFIED,
				"format pve-volume-id-list is not checked "
				"by vfio-pilot");
		return vp_pve_line_statusf(
			l, VP_PVE_REJECTED,
			"unable to parse value of '%s' - unknown setting "
			"'%s'",
			l->key, l->key);
	}
	if (sec->kind == VP_PVE_SEC_SPECIAL)
		return vp_pve_line_statusf(
			l, VP_PVE_REJECTED,
			"unable to parse value of '%s' - check_type: no "
			"schema defined",
			l->key);
	k = vp_pve_vm_key(l->key);
	r = vp_pve_key_judge(k, l->key, l->value, true, &st, &reason);
	if (r < 0)
		return r;
	vp_pve_line_status(l, st, reason);
	n = strlen(l->value);
	if (k && st != VP_PVE_REJECTED && k->type == VP_PVE_T_STRING && !k->schema &&
	    !k->format && n >= 2 && l->value[0] == '"' && l->value[n - 1] == '"') {
		/* check_type stores it without the quotes: s/^\"(.*)\"$/$1/ */
		memmove(l->value, l->value + 1, n - 2);
		l->value[n - 2] = '\0';
	}
	return 0;
}

/* The lines inside a section: parse_vm_config's tests after the headers. */
static int body_line(struct vp_pve_conf *c, struct vp_pve_line *l, bool judged)
{
	const struct vp_pve_section *sec = &c->sections[l->section];
	_cleanup_free_ char *key = NULL, *value = NULL;
	int r;

	if (l->text[0] == '#')
		return vp_pve_line_set(l, VP_PVE_LINE_COMMENT, NULL, NULL);
	if ((r = vp_pve_gram_named(l->text, "description", &value)))
		return r < 0 ? r
			     : vp_pve_line_set(l, VP_PVE_LINE_DESCRIPTION, NULL, value);
	if (vp_pve_gram_snapstate(l->text))
		return vp_pve_line_set(l, VP_PVE_LINE_SNAPSTATE, "snapstate", NULL);
	if ((r = vp_pve_gram_named(l->text, "args", &value)))
		return r < 0 ? r : vp_pve_line_set(l, VP_PVE_LINE_KEY, "args", value);
	if ((r = vp_pve_gram_named(l->text, "delete", &value))) {
		if (r < 0 ||
		    (r = vp_pve_line_set(l, VP_PVE_LINE_DELETE, "delete", value)) < 0)
			return r;
		if (sec->kind == VP_PVE_SEC_PENDING || !judged)
			return 0;
		return vp_pve_line_statusf(
			l, VP_PVE_REJECTED,
			"property 'delete' is only allowed in [PENDING]");
	}
	if ((r = vp_pve_gram_key(l->text, true, &key, &value))) {
		if (r < 0 || (r = vp_pve_line_set(l, VP_PVE_LINE_KEY, key, value)) < 0)
			return r;
		return judged ? judge(l, sec) : 0;
	}
	r = vp_pve_line_set(l, VP_PVE_LINE_OTHER, NULL, NULL);
	if (r < 0 || !judged)
		return r;
	return vp_pve_line_statusf(l, VP_PVE_REJECTED, "unable to parse config: %s",
				   l->text);
}

int vp_pve_vm_classify(struct vp_pve_conf *c)
{
	size_t cur = 0;
	bool skip = false;
	int r = vp_pve_conf_reset(c);

	for (size_t i = 0; r >= 0 && i < c->n_lines; i++) {
		struct vp_pve_line *l = &c->lines[i];

		l->section = cur;
		if (vp_pve_blank(l->text)) {
			vp_pve_line_status(l, VP_PVE_IGNORED, NULL);
			continue;
		}
		r = header(c, i, &cur, &skip);
		if (r != 0)
			continue;
		r = body_line(c, l, !skip);
		if (r >= 0 && skip)
			r = vp_pve_line_statusf(
				l, VP_PVE_IGNORED,
				"in unknown section [%s], which Proxmox skips",
				c->sections[cur].name);
	}
	return r < 0 ? r : 0;
}

int vp_pve_vmconf_parse(const char *text, size_t len, struct vp_pve_conf **out)
{
	return vp_pve_conf_new(text, len, VP_PVE_QEMU, out);
}

/* The API of vmconf.h over the edits VMs share with CTs (conf.c): alike by design. */
int vp_pve_vmconf_check(const char *key, const char *value, char **reason)
{
	return vp_pve_dialect_check(vp_pve_dialect(VP_PVE_QEMU), key, value, reason);
}

int vp_pve_vmconf_set(struct vp_pve_conf *c, bool pending, const char *key,
		      const char *value, char **reason)
{
	return vp_pve_dialect_set(vp_pve_dialect(VP_PVE_QEMU), c, pending, key, value,
				  reason);
}

int vp_pve_vmconf_delete(struct vp_pve_conf *c, bool pending, const char *key)
{
	return vp_pve_dialect_delete(vp_pve_dialect(VP_PVE_QEMU), c, pending, key);
}
