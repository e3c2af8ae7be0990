// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel modules: what is loaded (the root's /proc/modules), what is loaded
 * by name at boot (/etc/modules, modules-load.d), and the modprobe.d
 * configuration as libkmod reads it from the root's own directories.
 *
 * libkmod also reads this machine's /sys/module and /proc/cmdline
 * (libkmod-module.c kmod_module_get_initstate, libkmod-config.c
 * kmod_config_parse_kcmdline). So loaded state comes only from the root's
 * /proc/modules, and built-in state only from modules.builtin.bin through
 * KMOD_FILTER_BUILTIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <libkmod.h>

#include "host/facts.h"

/* systemd-modules-load's directories (modules-load.d(5)), /etc first. */
static const char *const load_dirs[] = {
	"etc/modules-load.d",	  "run/modules-load.d", "usr/local/lib/modules-load.d",
	"usr/lib/modules-load.d", "lib/modules-load.d",
};

static const char *const modprobe_dirs[] = {
	"etc/modprobe.d",     "run/modprobe.d", "usr/local/lib/modprobe.d",
	"usr/lib/modprobe.d", "lib/modprobe.d",
};

void vp_modname_normalize(char *name)
{
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

static void note_mtime(struct vp_ctx *ctx, struct vp_kmods *k, const char *rel)
{
	_cleanup_close_ int fd = vp_openf(ctx, VP_ROOT, O_RDONLY, "%s", rel);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_mtime <= k->newest_config)
		return;
	k->newest_config = st.st_mtime;
	free(k->newest_config_file);
	k->newest_config_file = xasprintf("/%s", rel);
}

static int load_loaded(struct vp_ctx *ctx, struct vp_kmods *k)
{
	_cleanup_free_ char *mods = NULL;
	char *save = NULL;
	int r;

	r = vp_read_strf(ctx, VP_PROC, &mods, "modules");
	if (r < 0) {
		k->loaded_unreadable =
			xasprintf("cannot read /proc/modules: %s", strerror(-r));
		return 0;
	}
	for (char *l = strtok_r(mods, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');

		if (sp)
			*sp = '\0';
		vp_modname_normalize(l);
		r = strv_add(&k->loaded, l);
		if (r < 0)
			return r;
	}
	strv_sort(&k->loaded);
	return 0;
}

/* Module names one per line; '#' and ';' start comments (modules-load.d(5)). */
static int load_list(struct vp_ctx *ctx, struct vp_kmods *k, const char *rel)
{
	_cleanup_free_ char *text = NULL;
	int lineno = 0;
	char *p, *nl;

	if (vp_read_strf(ctx, VP_ROOT, &text, "%s", rel) < 0)
		return 0;
	note_mtime(ctx, k, rel);
	for (p = text; p; p = nl ? nl + 1 : NULL) {
		struct vp_modline *b;
		size_t n;

		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		p += strspn(p, " \t");
		n = strcspn(p, " \t#;");
		if (!n || *p == '#' || *p == ';')
			continue;
		b = realloc(k->boot, (k->nboot + 1) * sizeof(*b));
		if (!b)
			return -ENOMEM;
		k->boot = b;
		b = &k->boot[k->nboot++];
		b->module = strndup(p, n);
		b->file = xasprintf("/%s", rel);
		b->line = lineno;
		if (!b->module || !b->file)
			return -ENOMEM;
	}
	return 0;
}

static int load_boot_lists(struct vp_ctx *ctx, struct vp_kmods *k)
{
	int r = load_list(ctx, k, "etc/modules");

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(load_dirs); i++) {
		_cleanup_closedir_ DIR *dir = NULL;
		_cleanup_(strv_free) struct strv names = { 0 };
		struct dirent *e;

		if (vp_opendirf(ctx, VP_ROOT, &dir, "%s", load_dirs[i]) < 0)
			continue;
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.' && strlen(e->d_name) > 5 &&
			    streq(e->d_name + strlen(e->d_name) - 5, ".conf"))
				strv_add(&names, e->d_name);
		strv_sort(&names);
		for (size_t j = 0; r == 0 && j < names.n; j++) {
			_cleanup_free_ char *rel =
				xasprintf("%s/%s", load_dirs[i], names.v[j]);

			r = rel ? load_list(ctx, k, rel) : -ENOMEM;
		}
	}
	return r;
}

static void modprobe_mtimes(struct vp_ctx *ctx, struct vp_kmods *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(modprobe_dirs); i++) {
		_cleanup_closedir_ DIR *dir = NULL;
		struct dirent *e;

		if (vp_opendirf(ctx, VP_ROOT, &dir, "%s", modprobe_dirs[i]) < 0)
			continue;
		while ((e = readdir(dir))) {
			_cleanup_free_ char *rel = NULL;

			if (e->d_name[0] == '.')
				continue;
			rel = xasprintf("%s/%s", modprobe_dirs[i], e->d_name);
			if (rel)
				note_mtime(ctx, k, rel);
		}
	}
}

int vp_kmods_load(struct vp_ctx *ctx, const char *kver, struct vp_kmods *k)
{
	int r;

	r = load_loaded(ctx, k);
	if (r < 0)
		return r;
	r = load_boot_lists(ctx, k);
	if (r < 0)
		return r;
	modprobe_mtimes(ctx, k);
	if (kver) {
		_cleanup_close_ int fd =
			vp_openf(ctx, VP_BOOT, O_RDONLY, "initrd.img-%s", kver);
		struct stat st;

		if (fd >= 0 && fstat(fd, &st) == 0)
			k->initramfs_mtime = st.st_mtime;
	}
	r = vp_ctx_kmod(ctx, &k->kmod);
	if (r < 0) {
		k->kmod = NULL;
		k->kmod_unavailable =
			xasprintf("libkmod could not read the root's module "
				  "configuration: %s",
				  strerror(-r));
	}
	return 0;
}

void vp_kmods_free(struct vp_kmods *k)
{
	strv_free(&k->loaded);
	free(k->loaded_unreadable);
	for (size_t i = 0; i < k->nboot; i++) {
		free(k->boot[i].module);
		free(k->boot[i].file);
	}
	free(k->boot);
	free(k->kmod_unavailable);
	free(k->newest_config_file);
	/* k->kmod belongs to the context. */
}

bool vp_kmods_is_loaded(const struct vp_kmods *k, const char *name)
{
	_cleanup_free_ char *n = strdup(name);

	if (!n)
		return false;
	vp_modname_normalize(n);
	return strv_contains(&k->loaded, n);
}

int vp_kmods_is_builtin(const struct vp_kmods *k, const char *name)
{
	struct kmod_list *list = NULL, *filtered = NULL;
	int r;

	if (!k->kmod)
		return -ENOENT;
	r = kmod_module_new_from_lookup(k->kmod, name, &list);
	if (r < 0)
		return r;
	if (!list)
		return 0;
	/* KMOD_FILTER_BUILTIN drops what modules.builtin.bin lists. */
	r = kmod_module_apply_filter(k->kmod, KMOD_FILTER_BUILTIN, list, &filtered);
	if (r == 0)
		r = filtered == NULL;
	kmod_module_unref_list(filtered);
	kmod_module_unref_list(list);
	return r;
}

bool vp_kmods_available(const struct vp_kmods *k, const char *name)
{
	struct kmod_module *mod = NULL;
	bool found;

	if (!k->kmod || kmod_module_new_from_name(k->kmod, name, &mod) < 0)
		return false;
	/* A path comes from modules.dep; built-in modules have none. */
	found = kmod_module_get_path(mod) != NULL || vp_kmods_is_builtin(k, name) == 1;
	kmod_module_unref(mod);
	return found;
}

char *vp_kmods_options(const struct vp_kmods *k, const char *module)
{
	_cleanup_free_ char *want = strdup(module);
	struct kmod_config_iter *it;
	char *out = NULL;

	if (!k->kmod || !want)
		return NULL;
	vp_modname_normalize(want);
	it = kmod_config_get_options(k->kmod);
	while (it && kmod_config_iter_next(it)) {
		_cleanup_free_ char *key = strdup(kmod_config_iter_get_key(it));
		const char *val = kmod_config_iter_get_value(it);
		char *joined;

		if (!key)
			break;
		vp_modname_normalize(key);
		if (!streq(key, want) || !val)
			continue;
		joined = out ? xasprintf("%s %s", out, val) : strdup(val);
		free(out);
		out = joined;
	}
	kmod_config_iter_free_iter(it);
	return out;
}

char *vp_kmods_option(const struct vp_kmods *k, const char *module, const char *param)
{
	_cleanup_free_ char *opts = vp_kmods_options(k, module);
	char *save = NULL, *found = NULL;
	size_t plen = strlen(param);

	if (!opts)
		return NULL;
	/* Later options win, as for the kernel's parameter parsing. */
	for (char *t = strtok_r(opts, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (strncmp(t, param, plen) == 0 && t[plen] == '=') {
			free(found);
			found = strdup(t + plen + 1);
		}
	}
	return found;
}

bool vp_kmods_blacklisted(const struct vp_kmods *k, const char *module)
{
	_cleanup_free_ char *want = strdup(module);
	struct kmod_config_iter *it;
	bool hit = false;

	if (!k->kmod || !want)
		return false;
	vp_modname_normalize(want);
	it = kmod_config_get_blacklists(k->kmod);
	while (!hit && it && kmod_config_iter_next(it)) {
		_cleanup_free_ char *key = strdup(kmod_config_iter_get_key(it));

		if (key) {
			vp_modname_normalize(key);
			hit = streq(key, want);
		}
	}
	kmod_config_iter_free_iter(it);
	return hit;
}

bool vp_kmods_softdep_pre(const struct vp_kmods *k, const char *module, const char *pre)
{
	_cleanup_free_ char *want = strdup(pre);
	struct kmod_module *mod = NULL;
	struct kmod_list *pres = NULL, *posts = NULL, *it;
	bool hit = false;

	if (!k->kmod || !want)
		return false;
	vp_modname_normalize(want);
	if (kmod_module_new_from_name(k->kmod, module, &mod) < 0)
		return false;
	/* Structured softdeps: kmod 30 drops the separator in the iterator string. */
	if (kmod_module_get_softdeps(mod, &pres, &posts) == 0) {
		kmod_list_foreach(it, pres)
		{
			struct kmod_module *m = kmod_module_get_module(it);
			_cleanup_free_ char *n = strdup(kmod_module_get_name(m));

			if (n) {
				vp_modname_normalize(n);
				hit = hit || streq(n, want);
			}
			kmod_module_unref(m);
		}
	}
	kmod_module_unref_list(pres);
	kmod_module_unref_list(posts);
	kmod_module_unref(mod);
	return hit;
}
