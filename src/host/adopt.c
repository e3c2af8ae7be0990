// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Passthrough settings already on the host. Guides and other tools leave
 * vfio-pci claims in many places; vfio-pilot reads them all so that a plan
 * extends what is there instead of fighting it (two modprobe.d files that
 * both set ids= leave only the last one read in effect).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/adopt.h"

/* modprobe.d(5) directories, highest priority first; a name in an earlier one hides
 * the same name in a later one (libkmod conf_files_list). */
static const char *const modprobe_dirs[] = {
	"etc/modprobe.d",     "run/modprobe.d", "usr/local/lib/modprobe.d",
	"usr/lib/modprobe.d", "lib/modprobe.d",
};

/* udev(7) rules directories, with the same shadowing by file name. */
static const char *const udev_dirs[] = {
	"etc/udev/rules.d",	"run/udev/rules.d", "usr/local/lib/udev/rules.d",
	"usr/lib/udev/rules.d", "lib/udev/rules.d",
};

const char *vp_claim_kind_name(enum vp_claim_kind k)
{
	static const char *const names[] = {
		[VP_CLAIM_IDS] = "ids",
		[VP_CLAIM_CMDLINE] = "cmdline-ids",
		[VP_CLAIM_OVERRIDE] = "udev-driver-override",
		[VP_CLAIM_DRIVERCTL] = "driverctl",
		[VP_CLAIM_SOFTDEP] = "softdep",
		[VP_CLAIM_MODULE] = "module",
		[VP_CLAIM_UNPARSED] = "unparsed",
	};
	return names[k];
}

static bool is_vfio_pci(const char *m)
{
	return streq(m, "vfio-pci") || streq(m, "vfio_pci");
}

static struct vp_claim *claim_new(struct vp_claims *c, enum vp_claim_kind kind,
				  const char *file, int line, int line_end,
				  const char *text)
{
	struct vp_claim *n = realloc(c->v, (c->n + 1) * sizeof(*n));

	if (!n)
		return NULL;
	c->v = n;
	n = &c->v[c->n];
	*n = (struct vp_claim){ .kind = kind, .line = line, .line_end = line_end };
	n->file = strdup(file);
	n->text = strdup(text);
	if (!n->file || !n->text) {
		free(n->file);
		free(n->text);
		return NULL;
	}
	c->n++;
	return n;
}

static int ids_parse(struct vp_claim *cl, const char *list)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		struct vp_vfio_id id = { .v = { 0, 0, ~0u, ~0u, 0, 0 } };
		struct vp_vfio_id *n;

		/* drivers/vfio/pci/vfio_pci.c vfio_pci_fill_ids(): the same sscanf. */
		id.n = sscanf(s, "%x:%x:%x:%x:%x:%x", &id.v[0], &id.v[1], &id.v[2],
			      &id.v[3], &id.v[4], &id.v[5]);
		if (id.n < 2)
			continue;
		n = realloc(cl->ids, (cl->nids + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cl->ids = n;
		cl->ids[cl->nids++] = id;
	}
	return 0;
}

bool vp_claim_matches(const struct vp_claim *c, const struct vp_dev *d)
{
	if (c->kind == VP_CLAIM_OVERRIDE || c->kind == VP_CLAIM_DRIVERCTL) {
		if (c->has_bdf)
			return vp_bdf_cmp(&c->bdf, &d->bdf) == 0;
	} else if (c->kind != VP_CLAIM_IDS && c->kind != VP_CLAIM_CMDLINE)
		return false;
	for (size_t i = 0; i < c->nids; i++) {
		const unsigned int *v = c->ids[i].v;
		int n = c->ids[i].n;

		if (v[0] != d->vendor || v[1] != d->device)
			continue;
		if (n >= 3 && v[2] != ~0u && v[2] != d->subvendor)
			continue;
		if (n >= 4 && v[3] != ~0u && v[3] != d->subdevice)
			continue;
		if (n >= 6 && (d->class & v[5]) != (v[4] & v[5]))
			continue;
		return true;
	}
	return false;
}

bool vp_claim_to_vfio(const struct vp_claim *c)
{
	switch (c->kind) {
	case VP_CLAIM_IDS:
	case VP_CLAIM_CMDLINE:
		return true;
	case VP_CLAIM_OVERRIDE:
	case VP_CLAIM_DRIVERCTL:
		return is_vfio_pci(c->driver);
	default:
		return false;
	}
}

char *vp_claim_where(const struct vp_claim *c)
{
	if (c->line > 0)
		return xasprintf("/%s:%d", c->file, c->line);
	return xasprintf("/%s", c->file);
}

/* The names in @dir matching @suffix, minus those a higher directory already had. */
static int list_dir(struct vp_ctx *ctx, const char *dir, const char *suffix,
		    struct strv *seen, struct strv *out)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	size_t sl = strlen(suffix);
	int r;

	if (vp_opendirf(ctx, VP_ROOT, &d, "%s", dir) < 0)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' || l <= sl || !streq(e->d_name + l - sl, suffix))
			continue;
		if (strv_contains(seen, e->d_name))
			continue;
		if ((r = strv_add(seen, e->d_name)) < 0 ||
		    (r = strv_pushf(out, "%s/%s", dir, e->d_name)) < 0)
			return r;
	}
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int read_text(struct vp_ctx *ctx, const char *rel, char **text)
{
	size_t len;
	struct vp_file_state st;
	int r = vp_file_read(ctx, VP_ROOT, rel, text, &len, &st);

	/*
	 * A setting that cannot be read cannot be adopted or left alone with
	 * certainty: the plan stops, and says which file.
	 */
	if (r < 0 && r != -ENOENT && r != -ENOMEM)
		vp_log_err(ctx, "/%s: %s; the passthrough settings there cannot be known",
			   rel, r == -EINVAL ? "not a regular file" : strerror(-r));
	if (r < 0 || !*text)
		return r;
	if (memchr(*text, '\0', len)) {
		free(*text);
		*text = NULL;
		return -EBADMSG;
	}
	return 0;
}

/* One logical modprobe.d line: options, softdep, or a vfio mention left unparsed. */
static int modprobe_line(struct vp_claims *c, const char *rel, bool ours, int from,
			 int to, const char *line)
{
	_cleanup_free_ char *copy = strdup(line), *rest = NULL, *ids = NULL;
	char *save = NULL, *cmd, *mod;
	struct vp_claim *cl;

	if (!copy)
		return -ENOMEM;
	cmd = strtok_r(copy, " \t", &save);
	if (!cmd || cmd[0] == '#')
		return 0;
	mod = strtok_r(NULL, " \t", &save);
	if (streq(cmd, "options") && is_vfio_pci(mod)) {
		for (char *t = strtok_r(NULL, " \t", &save); t;
		     t = strtok_r(NULL, " \t", &save)) {
			if (startswith(t, "ids=")) {
				free(ids);
				ids = strdup(t + 4);
				continue;
			}
			char *n =
				xasprintf("%s%s%s", rest ? rest : "", rest ? " " : "", t);

			free(rest);
			rest = n;
		}
		if (!ids)
			return 0;
		cl = claim_new(c, VP_CLAIM_IDS, rel, from, to, line);
		if (!cl)
			return -ENOMEM;
		cl->ours = ours;
		cl->editable = true;
		cl->rest = TAKE_PTR(rest);
		return ids_parse(cl, ids);
	}
	if (streq(cmd, "softdep") && mod) {
		bool pre = false;

		for (char *t = strtok_r(NULL, " \t", &save); t;
		     t = strtok_r(NULL, " \t", &save)) {
			if (streq(t, "pre:") || streq(t, "post:")) {
				pre = streq(t, "pre:");
				continue;
			}
			if (pre && is_vfio_pci(t)) {
				cl = claim_new(c, VP_CLAIM_SOFTDEP, rel, from, to, line);
				if (!cl || !(cl->module = strdup(mod)))
					return -ENOMEM;
				vp_modname_normalize(cl->module);
				cl->ours = ours;
				cl->editable = true;
				return 0;
			}
		}
		return 0;
	}
	/* "install vfio-pci /sbin/some-script": what the script binds is unknown. */
	if (streq(cmd, "install") && is_vfio_pci(mod)) {
		cl = claim_new(c, VP_CLAIM_UNPARSED, rel, from, to, line);
		return cl ? 0 : -ENOMEM;
	}
	return 0;
}

static int load_modprobe(struct vp_ctx *ctx, struct vp_claims *c)
{
	_cleanup_(strv_free) struct strv seen = { 0 }, files = { 0 };
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(modprobe_dirs); i++)
		if ((r = list_dir(ctx, modprobe_dirs[i], ".conf", &seen, &files)) < 0)
			return r;
	strv_sort(&files);
	for (size_t f = 0; f < files.n; f++) {
		_cleanup_free_ char *text = NULL, *acc = NULL;
		const char *rel = files.v[f];
		bool ours = startswith(base_name(rel), "vfio-pilot");
		int lineno = 0, from = 0;
		char *p, *nl;

		r = read_text(ctx, rel, &text);
		if (r == -EBADMSG)
			continue;
		if (r < 0)
			return r;
		for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
			size_t l;
			char *n;

			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			lineno++;
			if (!acc)
				from = lineno;
			l = strlen(p);
			/* libkmod's getline_wrapped(): a trailing '\' joins the next
			 * line. */
			if (l && p[l - 1] == '\\') {
				p[l - 1] = ' ';
				n = xasprintf("%s%s", acc ? acc : "", p);
				free(acc);
				if (!(acc = n))
					return -ENOMEM;
				continue;
			}
			n = xasprintf("%s%s", acc ? acc : "", p);
			free(acc);
			acc = NULL;
			if (!n)
				return -ENOMEM;
			r = modprobe_line(c, rel, ours, from, lineno, n);
			free(n);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* A udev rule's KEY{attr}OP"VALUE" pairs (udev(7)); false when it does not parse. */
static bool udev_pair(char **pp, char *key, size_t keymax, char *op, char **val)
{
	char *p = *pp, *q;
	size_t k = 0;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (!*p)
		return false;
	while (*p && !strchr("=!+-:", *p) && k + 1 < keymax)
		if (*p == ' ' || *p == '\t')
			p++;
		else
			key[k++] = *p++;
	key[k] = '\0';
	k = 0;
	while (*p && strchr("=!+-:", *p) && k < 2)
		op[k++] = *p++;
	op[k] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"' || !k)
		return false;
	q = strchr(p + 1, '"');
	if (!q)
		return false;
	*q = '\0';
	*val = p + 1;
	*pp = q + 1;
	return true;
}

static int udev_line(struct vp_claims *c, const char *rel, bool ours, int lineno,
		     const char *line)
{
	_cleanup_free_ char *copy = strdup(line);
	const char *kernel = NULL, *driver = NULL, *vendor = NULL, *device = NULL;
	bool ok = true;
	char key[64], op[3], *val, *p;
	struct vp_claim *cl;

	if (!copy)
		return -ENOMEM;
	p = copy + strspn(copy, " \t");
	if (*p == '#' || !strstr(p, "driver_override"))
		return 0;
	while (*p && (ok = udev_pair(&p, key, sizeof(key), op, &val))) {
		if ((streq(key, "KERNEL") || streq(key, "KERNELS")) && streq(op, "=="))
			kernel = val;
		else if (streq(key, "ATTR{driver_override}") &&
			 (streq(op, "=") || streq(op, ":=")))
			driver = val;
		else if ((streq(key, "ATTR{vendor}") || streq(key, "ATTRS{vendor}")) &&
			 streq(op, "=="))
			vendor = val;
		else if ((streq(key, "ATTR{device}") || streq(key, "ATTRS{device}")) &&
			 streq(op, "=="))
			device = val;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
	}
	if (!driver) {
		/* driver_override written by a RUN+= shell line: nothing certain. */
		if (strstr(line, "vfio")) {
			cl = claim_new(c, VP_CLAIM_UNPARSED, rel, lineno, lineno, line);
			return cl ? 0 : -ENOMEM;
		}
		return 0;
	}
	cl = claim_new(c, VP_CLAIM_OVERRIDE, rel, lineno, lineno, line);
	if (!cl || !(cl->driver = strdup(driver)))
		return -ENOMEM;
	cl->ours = ours;
	cl->editable = true;
	if (ok && kernel && vp_bdf_parse(kernel, &cl->bdf, NULL, false) == 0 &&
	    !strpbrk(kernel, "*?[")) {
		cl->has_bdf = true;
		return 0;
	}
	if (ok && vendor && device && !kernel) {
		_cleanup_free_ char *id = xasprintf("%lx:%lx", strtoul(vendor, NULL, 16),
						    strtoul(device, NULL, 16));

		return id ? ids_parse(cl, id) : -ENOMEM;
	}
	cl->kind = VP_CLAIM_UNPARSED;
	return 0;
}

static int load_udev(struct vp_ctx *ctx, struct vp_claims *c)
{
	_cleanup_(strv_free) struct strv seen = { 0 }, files = { 0 };
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(udev_dirs); i++)
		if ((r = list_dir(ctx, udev_dirs[i], ".rules", &seen, &files)) < 0)
			return r;
	strv_sort(&files);
	for (size_t f = 0; f < files.n; f++) {
		_cleanup_free_ char *text = NULL;
		const char *rel = files.v[f];
		bool ours = strstr(base_name(rel), "vfio-pilot") != NULL;
		int lineno = 0;
		char *p, *nl;

		r = read_text(ctx, rel, &text);
		if (r == -EBADMSG)
			continue;
		if (r < 0)
			return r;
		for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			lineno++;
			if ((r = udev_line(c, rel, ours, lineno, p)) < 0)
				return r;
		}
	}
	return 0;
}

/* driverctl keeps one file per override: /etc/driverctl.d/BUS-ADDR holding the driver. */
static int load_driverctl(struct vp_ctx *ctx, struct vp_claims *c)
{
	_cleanup_(strv_free) struct strv seen = { 0 }, files = { 0 };
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	if (vp_opendirf(ctx, VP_ROOT, &d, "etc/driverctl.d") < 0)
		return 0;
	while ((e = readdir(d)))
		if (startswith(e->d_name, "pci-") &&
		    (r = strv_add(&files, e->d_name)) < 0)
			return r;
	strv_sort(&files);
	for (size_t i = 0; i < files.n; i++) {
		_cleanup_free_ char *rel = xasprintf("etc/driverctl.d/%s", files.v[i]),
				    *drv = NULL, *text = NULL;
		struct vp_claim *cl;
		struct vp_bdf b;

		if (!rel)
			return -ENOMEM;
		if (vp_read_strf(ctx, VP_ROOT, &drv, "%s", rel) < 0 || !drv)
			continue;
		strstrip_end(drv);
		text = xasprintf("driverctl set-override %s %s", files.v[i] + 4, drv);
		if (!text)
			return -ENOMEM;
		cl = claim_new(c, VP_CLAIM_DRIVERCTL, rel, 0, 0, text);
		if (!cl || !(cl->driver = strdup(drv)))
			return -ENOMEM;
		if (vp_bdf_parse(files.v[i] + 4, &b, NULL, false) == 0) {
			cl->bdf = b;
			cl->has_bdf = true;
		} else
			cl->kind = VP_CLAIM_UNPARSED;
	}
	return 0;
}

int vp_claims_load(struct vp_ctx *ctx, const struct vp_cmdline *cmd,
		   const struct vp_kmods *km, struct vp_claims *c)
{
	const char *ids = cmd ? vp_cmdline_get(cmd, "vfio_pci.ids") : NULL;
	int r;

	*c = (struct vp_claims){ 0 };
	if ((r = load_modprobe(ctx, c)) < 0 || (r = load_udev(ctx, c)) < 0 ||
	    (r = load_driverctl(ctx, c)) < 0)
		goto fail;
	if (ids) {
		_cleanup_free_ char *text = xasprintf("vfio-pci.ids=%s", ids);
		struct vp_claim *cl =
			text ? claim_new(c, VP_CLAIM_CMDLINE, "proc/cmdline", 0, 0, text)
			     : NULL;

		r = cl ? ids_parse(cl, ids) : -ENOMEM;
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; km && i < km->nboot; i++) {
		_cleanup_free_ char *m = strdup(km->boot[i].module);
		struct vp_claim *cl;

		if (!m) {
			r = -ENOMEM;
			goto fail;
		}
		vp_modname_normalize(m);
		if (!startswith(m, "vfio") && !streq(m, "vendor_reset"))
			continue;
		cl = claim_new(c, VP_CLAIM_MODULE, km->boot[i].file + 1, km->boot[i].line,
			       km->boot[i].line, km->boot[i].module);
		if (!cl) {
			r = -ENOMEM;
			goto fail;
		}
		cl->module = TAKE_PTR(m);
	}
	return 0;
fail:
	vp_claims_free(c);
	return r;
}

void vp_claims_free(struct vp_claims *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].file);
		free(c->v[i].text);
		free(c->v[i].driver);
		free(c->v[i].module);
		free(c->v[i].rest);
		free(c->v[i].ids);
	}
	free(c->v);
	*c = (struct vp_claims){ 0 };
}

char *vp_comment_out(const char *text, size_t len, const int *from, const int *to,
		     size_t n, const char *marker)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	int lineno = 1;
	bool bol = true;

	if (!f)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (bol) {
			for (size_t k = 0; k < n; k++)
				if (lineno >= from[k] && lineno <= to[k]) {
					fputs(marker, f);
					break;
				}
			bol = false;
		}
		fputc(text[i], f);
		if (text[i] == '\n') {
			lineno++;
			bol = true;
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
