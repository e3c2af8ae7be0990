// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storage.cfg sections (see storage.h). One reader for the container
 * root filesystem (plan/ctroot.c) and the hookscript's snippets storage
 * (plan/hookplan.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pve/storage.h"
#include "util.h"

void vp_pve_storage_free(struct vp_pve_storage *s)
{
	free(s->type);
	free(s->path);
	free(s->pool);
	free(s->mountpoint);
	free(s->content);
	free(s->content_dirs);
	*s = (struct vp_pve_storage){ 0 };
}

static int set(char **slot, const char *v)
{
	free(*slot);
	*slot = strdup(v);
	return *slot ? 0 : -ENOMEM;
}

int vp_pve_storage_find(const char *cfg, const char *name, struct vp_pve_storage *out)
{
	_cleanup_free_ char *copy = cfg ? strdup(cfg) : NULL;
	char *save = NULL;
	bool in = false, found = false;
	int r = 0;

	*out = (struct vp_pve_storage){ 0 };
	if (!copy)
		return cfg ? -ENOMEM : -ENOENT;
	for (char *l = strtok_r(copy, "\n", &save); r == 0 && l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *colon, *v;

		if (l[0] == '#')
			continue;
		if (!isspace((unsigned char)l[0])) {
			in = false;
			colon = strchr(l, ':');
			if (!colon)
				continue;
			*colon = '\0';
			for (v = colon + 1; isspace((unsigned char)*v); v++)
				;
			strstrip_end(v);
			/* SectionConfig keeps the first of two sections with one id. */
			if (streq(v, name) && !found) {
				in = found = true;
				r = set(&out->type, l);
			}
			continue;
		}
		if (!in)
			continue;
		while (isspace((unsigned char)*l))
			l++;
		v = l + strcspn(l, " \t");
		if (*v) {
			*v++ = '\0';
			while (isspace((unsigned char)*v))
				v++;
		}
		strstrip_end(v);
		if (streq(l, "path"))
			r = set(&out->path, v);
		else if (streq(l, "pool"))
			r = set(&out->pool, v);
		else if (streq(l, "mountpoint"))
			r = set(&out->mountpoint, v);
		else if (streq(l, "content"))
			r = set(&out->content, v);
		else if (streq(l, "content-dirs"))
			r = set(&out->content_dirs, v);
	}
	if (r < 0 || !found) {
		vp_pve_storage_free(out);
		return r < 0 ? r : -ENOENT;
	}
	return 0;
}

bool vp_pve_storage_has_content(const struct vp_pve_storage *s, const char *what)
{
	size_t n = strlen(what);

	for (const char *c = s->content; c && *c;) {
		size_t len = strcspn(c, ",");

		if (len == n && !strncmp(c, what, n))
			return true;
		c += len;
		if (*c == ',')
			c++;
	}
	return false;
}

bool vp_pve_storage_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || !isalpha((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}
