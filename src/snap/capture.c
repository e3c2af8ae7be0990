// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot: copy what vfio-pilot reads from a host into a sink, as a tree
 * that --root reads directly.
 *
 * Every path is walked one component at a time inside the root, exactly as
 * the context resolves it: each symlink met on the way is recorded (as a
 * relative link that stays inside the snapshot) and then followed, so the
 * snapshot resolves the same way the host did and never reaches out of it.
 * Directories on the canonical path are written as directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/facts.h"
#include "snap/snap.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

enum policy {
	P_RAW,	   /* bytes as read */
	P_TEXT,	   /* text, sanitized */
	P_EMPTY,   /* name and mode only: never read (ACPI tables, resourceN, reset) */
	P_DIRONLY, /* a directory (or a link's target) without its contents */
	P_ROUTE4,
	P_ROUTE6,
	P_DPKG,	  /* the pve-manager stanza of dpkg/status */
	P_TAIL,	  /* the end of a log, sanitized */
	P_CONFIG, /* PCI config space: as much as is readable */
	P_HOSTNAME,
};

struct cap {
	struct vp_ctx *ctx;
	struct vp_sink *sink;
	struct vp_sanitizer *san;
	const struct vp_snap_opts *o;
	struct strv problems; /* what could not be read, or was cut */
	size_t nproblems;
	size_t nunreadable_attrs; /* sysfs attributes that refuse reads (EINVAL ...) */
	size_t ndevs, nconfig_full, nconfig_256, nconfig_cut;
	size_t last_progress;
};

static void progress(struct cap *c, bool final)
{
	size_t n = vp_sink_count(c->sink);

	if (!c->o->progress)
		return;
	if (!final && n < c->last_progress + 100)
		return;
	c->last_progress = n;
	fprintf(c->o->progress, "\rsnapshot: %zu entries, %llu KiB%s", n,
		(unsigned long long)(vp_sink_bytes(c->sink) / KiB), final ? "\n" : "");
	fflush(c->o->progress);
}

static void problem(struct cap *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct cap *c, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	c->nproblems++;
	if (c->problems.n >= 400)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		strv_push(&c->problems, s);
}

/* Components after "nodes" are host names (etc/pve/nodes/HOST). */
static char *san_path(struct cap *c, const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	char *out = strdup(""), *save = NULL;
	bool after_nodes = false;
	bool first = true;

	if (!copy || !out) {
		free(out);
		return NULL;
	}
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		const char *comp = after_nodes ? vp_san_component(c->san, t) : t;
		char *n = xasprintf("%s%s%s", out, first ? "" : "/", comp);

		free(out);
		if (!n)
			return NULL;
		out = n;
		first = false;
		after_nodes = streq(t, "nodes");
	}
	if (path[0] == '/') {
		char *n = xasprintf("/%s", out);

		free(out);
		out = n;
	}
	return out;
}

/* Lexically normalize @dir + "/" + @target; *clamped when ".." went above the top. */
static char *normalize(const char *dir, const char *target, bool *clamped)
{
	_cleanup_free_ char *all =
		target[0] == '/' ? strdup(target + 1) : xasprintf("%s/%s", dir, target);
	_cleanup_free_ char *res = NULL;
	size_t len = 0;
	char *save = NULL;

	*clamped = false;
	if (!all)
		return NULL;
	res = calloc(1, strlen(all) + 2);
	if (!res)
		return NULL;
	for (char *t = strtok_r(all, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			if (len == 0) {
				*clamped = true;
				continue;
			}
			while (len > 0 && res[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			res[len] = '\0';
			continue;
		}
		if (len)
			res[len++] = '/';
		memcpy(res + len, t, strlen(t));
		len += strlen(t);
		res[len] = '\0';
	}
	return TAKE_PTR(res);
}

static int split_path(const char *p, struct strv *out)
{
	_cleanup_free_ char *copy = strdup(p);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
		if (strv_add(out, t) < 0)
			return -ENOMEM;
	return 0;
}

/* A relative path from directory @from to @to, both relative to the top. */
static char *relative(const char *from, const char *to)
{
	struct strv f = { 0 }, t = { 0 };
	size_t k = 0, cap;
	char *out = NULL;

	if (split_path(from, &f) < 0 || split_path(to, &t) < 0)
		goto done;
	while (k < f.n && k < t.n && streq(f.v[k], t.v[k]))
		k++;
	cap = (f.n - k) * 3 + strlen(to) + 2;
	out = calloc(1, cap);
	if (!out)
		goto done;
	for (size_t i = k; i < f.n; i++)
		strcat(out, "../");
	for (size_t i = k; i < t.n; i++) {
		strcat(out, t.v[i]);
		if (i + 1 < t.n)
			strcat(out, "/");
	}
	if (!out[0])
		strcpy(out, ".");
	else if (out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
done:
	strv_free(&f);
	strv_free(&t);
	return out;
}

static char *dirname_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? strndup(path, (size_t)(s - path)) : strdup("");
}

/* Record the link at canonical @at (its text @text) as a relative link inside the top. */
static int record_link(struct cap *c, const char *at, const char *text)
{
	_cleanup_free_ char *dir = dirname_of(at), *norm = NULL, *target = NULL;
	_cleanup_free_ char *sat = san_path(c, at), *starget = NULL;
	bool clamped;

	if (!dir || !sat)
		return -ENOMEM;
	if (vp_sink_has(c->sink, sat))
		return 0;
	norm = normalize(dir, text, &clamped);
	if (!norm)
		return -ENOMEM;
	if (text[0] != '/' && !clamped)
		target = strdup(text);
	else
		target = relative(dir, norm);
	if (!target)
		return -ENOMEM;
	starget = san_path(c, target);
	if (!starget)
		return -ENOMEM;
	return vp_sink_link(c->sink, sat, starget);
}

static int on_link(void *data, const char *at, const char *target)
{
	return record_link(data, at, target);
}

/*
 * Walk @path inside the root with the context's resolver, recording every
 * link met. *canon gets the link-free path ("" is the top).
 */
static int walk(struct cap *c, const char *path, char **canon)
{
	return vp_resolve_walk(c->ctx, path, canon, on_link, c);
}

/* Up to @max bytes of a canonical file; *cut when there was more. */
static int read_canon(struct cap *c, const char *canon, size_t max, char **data,
		      size_t *len, bool *cut, off_t tail)
{
	_cleanup_close_ int fd =
		vp_openf(c->ctx, VP_ROOT, O_RDONLY | O_NONBLOCK, "%s", canon);
	_cleanup_free_ char *buf = NULL;
	size_t got = 0;
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*cut = false;
	if (tail && st.st_size > tail) {
		if (lseek(fd, st.st_size - tail, SEEK_SET) < 0)
			return -errno;
		*cut = true;
	}
	buf = malloc(max + 2);
	if (!buf)
		return -ENOMEM;
	while (got < max + 1) {
		ssize_t n = read(fd, buf + got, max + 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (got > 0 && errno == EIO)
				break; /* config space beyond what a user may read */
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		got = max;
		*cut = true;
	}
	buf[got] = '\0';
	*data = TAKE_PTR(buf);
	*len = got;
	return 0;
}

/*
 * The dpkg/status stanzas doctor reads: pve-manager (the Proxmox version)
 * and pve-nvidia-vgpu-helper (checks/vgpu.c). Nothing else of the package
 * list leaves the host.
 */
static char *dpkg_stanza(const char *text, size_t *len)
{
	static const char *const keep[] = { "Package: pve-manager\n",
					    "Package: pve-nvidia-vgpu-helper\n" };
	_cleanup_free_ char *out = strdup("");
	const char *p = text;
	size_t olen = 0;

	while (out && p && *p) {
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) + 1 : strlen(p);

		for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
			char *grown;

			if (!startswith(p, keep[i]))
				continue;
			grown = realloc(out, olen + n + 2);
			if (!grown)
				return NULL;
			out = grown;
			/* stanzas stay apart by an empty line, as dpkg writes them */
			if (olen)
				out[olen++] = '\n';
			memcpy(out + olen, p, n);
			olen += n;
			out[olen] = '\0';
		}
		p = end ? end + 2 : NULL;
	}
	*len = olen;
	return TAKE_PTR(out);
}

static int emit_file(struct cap *c, const char *canon, const char *out, mode_t mode,
		     enum policy pol, size_t max)
{
	_cleanup_free_ char *data = NULL, *done = NULL;
	size_t len = 0, dlen = 0;
	bool cut = false;
	int r;

	if (pol == P_EMPTY)
		return vp_sink_file(c->sink, out, "", 0, mode);
	r = read_canon(c, canon, max, &data, &len, &cut, pol == P_TAIL ? (off_t)max : 0);
	if (r < 0) {
		if (startswith(canon, "sys/") &&
		    (r == -EINVAL || r == -EIO || r == -ENODATA || r == -EOPNOTSUPP ||
		     r == -ENXIO || r == -EAGAIN || r == -ENOTSUP))
			c->nunreadable_attrs++;
		else
			problem(c, "/%s: not captured: %s", canon, strerror(-r));
		return 0;
	}
	switch (pol) {
	case P_CONFIG:
		c->ndevs++;
		if (len >= 4096)
			c->nconfig_full++;
		else if (len == 256)
			c->nconfig_256++;
		else {
			c->nconfig_cut++;
			problem(c,
				"/%s: config space cut to %zu bytes (read as non-root?): "
				"capabilities beyond it are unknown",
				canon, len);
		}
		return vp_sink_file(c->sink, out, data, len, mode);
	case P_TEXT:
	case P_HOSTNAME:
	case P_TAIL:
		if (pol == P_TAIL && cut) {
			char *nl = memchr(data, '\n', len);
			size_t skip = nl ? (size_t)(nl + 1 - data) : 0;

			memmove(data, data + skip, len - skip + 1);
			len -= skip;
			problem(c, "/%s: only the last %zu KiB kept", canon, max / KiB);
		} else if (cut) {
			problem(c, "/%s: cut at %zu KiB", canon, max / KiB);
		}
		if (pol == P_HOSTNAME && vp_san_enabled(c->san)) {
			_cleanup_free_ char *name = strndup(data, strcspn(data, " \t\n"));

			if (name && name[0])
				vp_san_add_hostname(c->san, name);
		}
		done = vp_san_text(c->san, data, len, &dlen);
		if (!done)
			return -ENOMEM;
		return vp_sink_file(c->sink, out, done, dlen, mode);
	case P_ROUTE4:
	case P_ROUTE6:
		done = vp_san_route(c->san, data, pol == P_ROUTE6, &dlen);
		if (!done)
			return -ENOMEM;
		return vp_sink_file(c->sink, out, done, dlen, mode);
	case P_DPKG:
		done = dpkg_stanza(data, &dlen);
		if (!done)
			return -ENOMEM;
		{
			size_t slen = 0;
			_cleanup_free_ char *s = vp_san_text(c->san, done, dlen, &slen);

			if (!s)
				return -ENOMEM;
			if (!slen)
				problem(c, "/%s: no pve-manager stanza (written empty)",
					canon);
			return vp_sink_file(c->sink, out, s, slen, mode);
		}
	default:
		if (cut)
			problem(c, "/%s: cut at %zu KiB", canon, max / KiB);
		return vp_sink_file(c->sink, out, data, len, mode);
	}
}

/*
 * Capture @rel (relative to the root): its links on the way, then the object
 * itself by @pol. *canon_out (may be NULL) gets its canonical path, and *isdir.
 * @flat writes a file at @rel itself instead of at its canonical path (proc/net
 * is a link to self/net: no process ids in a snapshot). 0 when absent.
 */
static int cap_path(struct cap *c, const char *rel, enum policy pol, size_t max,
		    bool flat, char **canon_out, bool *isdir)
{
	_cleanup_free_ char *canon = NULL, *out = NULL;
	struct stat st;
	int r;

	if (isdir)
		*isdir = false;
	if (flat) {
		r = vp_resolve(c->ctx, VP_ROOT, &canon, "%s", rel);
		if (r == 0)
			out = san_path(c, rel);
	} else {
		r = walk(c, rel, &canon);
		if (r == 0)
			out = san_path(c, canon);
	}
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0) {
		problem(c, "/%s: not captured: %s", rel, strerror(-r));
		return 0;
	}
	if (!out)
		return -ENOMEM;
	if (!canon[0]) {
		if (isdir)
			*isdir = true;
		if (canon_out)
			*canon_out = TAKE_PTR(canon);
		return 0;
	}
	if (fstatat(c->ctx->rootfd, canon, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	progress(c, false);
	if (S_ISDIR(st.st_mode)) {
		r = vp_sink_dir(c->sink, out, st.st_mode & 07777);
		if (isdir)
			*isdir = true;
	} else if (S_ISREG(st.st_mode)) {
		r = vp_sink_has(c->sink, out)
			    ? 0
			    : emit_file(c, canon, out, st.st_mode & 07777, pol, max);
	} else {
		r = 0; /* devices, fifos, sockets: never */
	}
	if (r == 0 && canon_out)
		*canon_out = TAKE_PTR(canon);
	return r;
}

static int cap_loc(struct cap *c, enum vp_loc loc, const char *sub, enum policy pol,
		   size_t max)
{
	_cleanup_free_ char *rel = vp_rel_path(loc, sub);

	return rel ? cap_path(c, rel, pol, max, false, NULL, NULL) : -ENOMEM;
}

/* The sorted entry names of a canonical directory. */
static int list_dir(struct cap *c, const char *canon, struct strv *names)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	r = vp_opendirf(c->ctx, VP_ROOT, &d, "%s", canon[0] ? canon : ".");
	if (r < 0)
		return r;
	while ((e = readdir(d)))
		if (!streq(e->d_name, ".") && !streq(e->d_name, ".."))
			if (strv_add(names, e->d_name) < 0)
				return -ENOMEM;
	strv_sort(names);
	return 0;
}

enum entry_kind { E_NONE, E_FILE, E_DIR, E_LINK };

static enum entry_kind kind_of(struct cap *c, const char *canon, const char *name,
			       mode_t *mode)
{
	_cleanup_free_ char *p = xasprintf("%s%s%s", canon, canon[0] ? "/" : "", name);
	struct stat st;

	if (!p || fstatat(c->ctx->rootfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return E_NONE;
	*mode = st.st_mode & 07777;
	if (S_ISLNK(st.st_mode))
		return E_LINK;
	if (S_ISDIR(st.st_mode))
		return E_DIR;
	if (S_ISREG(st.st_mode))
		return E_FILE;
	return E_NONE;
}

/*
 * Everything below @rel: files by @pol, links followed to their targets
 * (the targets' contents not copied), subdirectories down to @depth.
 */
static int cap_tree(struct cap *c, const char *rel, enum policy pol, size_t max,
		    int depth)
{
	_cleanup_free_ char *canon = NULL;
	struct strv names = { 0 };
	bool isdir;
	int r;

	r = cap_path(c, rel, pol, max, false, &canon, &isdir);
	if (r < 0 || !canon || !isdir)
		return r;
	r = list_dir(c, canon, &names);
	if (r < 0) {
		problem(c, "/%s: not listed: %s", canon, strerror(-r));
		strv_free(&names);
		return 0;
	}
	for (size_t i = 0; i < names.n && r == 0; i++) {
		_cleanup_free_ char *child = xasprintf("%s/%s", canon, names.v[i]);
		mode_t mode = 0;
		enum entry_kind k = kind_of(c, canon, names.v[i], &mode);

		if (!child) {
			r = -ENOMEM;
			break;
		}
		if (k == E_DIR && depth > 0)
			r = cap_tree(c, child, pol, max, depth - 1);
		else if (k == E_DIR || k == E_LINK)
			r = cap_path(c, child, P_DIRONLY, 0, false, NULL, NULL);
		else if (k == E_FILE && (mode & 0444) == 0)
			r = cap_path(c, child, P_EMPTY, 0, false, NULL, NULL);
		else if (k == E_FILE)
			r = cap_path(c, child, pol, max, false, NULL, NULL);
	}
	strv_free(&names);
	return r;
}

static bool excluded_attr(const char *name, mode_t mode)
{
	static const char *const never[] = { "rom",	      "reset",	"remove",
					     "rescan",	      "vpd",	"bind",
					     "unbind",	      "new_id", "remove_id",
					     "uevent_trigger" };

	if ((mode & 0444) == 0)
		return true; /* write-only: reading would fail, and means nothing */
	if (startswith(name, "resource") && name[8] >= '0' && name[8] <= '9')
		return true; /* BARs: mmap only */
	for (size_t i = 0; i < ARRAY_SIZE(never); i++)
		if (streq(name, never[i]))
			return true;
	return false;
}

static bool pci_link_kept(const char *name)
{
	return streq(name, "driver") || streq(name, "iommu_group") ||
	       streq(name, "iommu") || streq(name, "physfn") ||
	       startswith(name, "virtfn") || streq(name, "subsystem");
}

/* One PCI function: its attributes, config space and links. */
static int cap_pci_dev(struct cap *c, const char *name)
{
	_cleanup_free_ char *rel = xasprintf("sys/bus/pci/devices/%s", name);
	_cleanup_free_ char *canon = NULL;
	struct strv names = { 0 };
	bool isdir;
	int r;

	if (!rel)
		return -ENOMEM;
	r = cap_path(c, rel, P_DIRONLY, 0, false, &canon, &isdir);
	if (r < 0 || !canon || !isdir)
		return r;
	r = list_dir(c, canon, &names);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		_cleanup_free_ char *child = xasprintf("%s/%s", canon, names.v[i]);
		mode_t mode = 0;
		enum entry_kind k = kind_of(c, canon, names.v[i], &mode);

		if (!child)
			return -ENOMEM;
		if (k == E_FILE && excluded_attr(names.v[i], mode)) {
			_cleanup_free_ char *out = san_path(c, child);

			/* Present with its mode (pci.c asks whether "reset" exists). */
			r = out ? vp_sink_file(c->sink, out, "", 0, mode) : -ENOMEM;
		} else if (k == E_FILE && streq(names.v[i], "config")) {
			r = cap_path(c, child, P_CONFIG, 4096, false, NULL, NULL);
		} else if (k == E_FILE) {
			r = cap_path(c, child, P_RAW, 64 * KiB, false, NULL, NULL);
		} else if (k == E_LINK && pci_link_kept(names.v[i])) {
			r = cap_path(c, child, P_DIRONLY, 0, false, NULL, NULL);
		} else if (k == E_DIR && streq(names.v[i], "nvidia")) {
			/* NVIDIA's vGPU VF attributes (host/vgpu.c). */
			r = cap_tree(c, child, P_RAW, 64 * KiB, 0);
		} else if (k == E_DIR && streq(names.v[i], "mdev_supported_types")) {
			/* One directory per type, its "devices" the instances. */
			r = cap_tree(c, child, P_RAW, 64 * KiB, 2);
		}
	}
	strv_free(&names);
	return r;
}

static int cap_each(struct cap *c, const char *rel, int (*fn)(struct cap *, const char *))
{
	_cleanup_free_ char *canon = NULL;
	struct strv names = { 0 };
	bool isdir;
	int r;

	r = cap_path(c, rel, P_DIRONLY, 0, false, &canon, &isdir);
	if (r < 0 || !canon || !isdir)
		return r;
	r = list_dir(c, canon, &names);
	if (r < 0) {
		problem(c, "/%s: not listed: %s", rel, strerror(-r));
		r = 0;
	}
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		_cleanup_free_ char *child = xasprintf("%s/%s", rel, names.v[i]);

		r = child ? fn(c, child) : -ENOMEM;
	}
	strv_free(&names);
	return r;
}

/* A unit enabled into a target: pve-nvidia-sriov@ instances (checks/vgpu.c). */
static int unit_each(struct cap *c, const char *child)
{
	if (!startswith(strrchr(child, '/') + 1, "pve-nvidia-sriov@"))
		return 0;
	return cap_path(c, child, P_TEXT, 64 * KiB, false, NULL, NULL);
}

static int wants_each(struct cap *c, const char *child)
{
	size_t n = strlen(child);

	if (n < 6 || !streq(child + n - 6, ".wants"))
		return 0;
	return cap_each(c, child, unit_each);
}

static int pci_each(struct cap *c, const char *child)
{
	return cap_pci_dev(c, strrchr(child, '/') + 1);
}

/* A class device (net, block, drm): small files, chosen links and subdirectories. */
static int cap_class_dev(struct cap *c, const char *rel, enum policy pol,
			 const char *const *subdirs, bool links_all)
{
	_cleanup_free_ char *canon = NULL;
	struct strv names = { 0 };
	bool isdir;
	int r;

	r = cap_path(c, rel, P_DIRONLY, 0, false, &canon, &isdir);
	if (r < 0 || !canon || !isdir)
		return r;
	r = list_dir(c, canon, &names);
	if (r < 0) {
		strv_free(&names);
		return 0;
	}
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		_cleanup_free_ char *child = xasprintf("%s/%s", canon, names.v[i]);
		mode_t mode = 0;
		enum entry_kind k = kind_of(c, canon, names.v[i], &mode);
		const char *n = names.v[i];

		if (!child)
			return -ENOMEM;
		if (k == E_FILE && !excluded_attr(n, mode) && !streq(n, "uevent"))
			r = cap_path(c, child, pol, 4 * KiB, false, NULL, NULL);
		else if (k == E_LINK &&
			 (links_all || streq(n, "device") || streq(n, "master") ||
			  startswith(n, "lower_") || startswith(n, "upper_")))
			r = cap_path(c, child, P_DIRONLY, 0, false, NULL, NULL);
		else if (k == E_DIR)
			for (size_t j = 0; subdirs && subdirs[j]; j++)
				if (streq(n, subdirs[j]))
					r = cap_tree(c, child, pol, 4 * KiB, 0);
	}
	strv_free(&names);
	return r;
}

static int net_each(struct cap *c, const char *child)
{
	static const char *const sub[] = { "brif", "bridge", "brport", NULL };

	return cap_class_dev(c, child, P_TEXT, sub, false);
}

static int block_each(struct cap *c, const char *child)
{
	static const char *const sub[] = { "slaves", "holders", "dm", NULL };

	return cap_class_dev(c, child, P_TEXT, sub, false);
}

static int drm_each(struct cap *c, const char *child)
{
	return cap_class_dev(c, child, P_RAW, NULL, false);
}

static int group_each(struct cap *c, const char *child)
{
	_cleanup_free_ char *devs = xasprintf("%s/devices", child);
	_cleanup_free_ char *type = xasprintf("%s/type", child);
	_cleanup_free_ char *rr = xasprintf("%s/reserved_regions", child);

	if (!devs || !type || !rr)
		return -ENOMEM;
	cap_path(c, type, P_RAW, 4 * KiB, false, NULL, NULL);
	cap_path(c, rr, P_RAW, 16 * KiB, false, NULL, NULL);
	return cap_tree(c, devs, P_RAW, 4 * KiB, 0);
}

static int link_each(struct cap *c, const char *child)
{
	return cap_path(c, child, P_DIRONLY, 0, false, NULL, NULL);
}

static int driver_each(struct cap *c, const char *child)
{
	_cleanup_free_ char *canon = NULL;
	struct strv names = { 0 };
	bool isdir;
	int r;

	r = cap_path(c, child, P_DIRONLY, 0, false, &canon, &isdir);
	if (r < 0 || !canon || !isdir)
		return r;
	if (list_dir(c, canon, &names) < 0)
		return 0;
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		mode_t mode;
		_cleanup_free_ char *p = xasprintf("%s/%s", canon, names.v[i]);

		if (!p)
			return -ENOMEM;
		if (kind_of(c, canon, names.v[i], &mode) == E_LINK)
			r = cap_path(c, p, P_DIRONLY, 0, false, NULL, NULL);
	}
	strv_free(&names);
	return r;
}

static int acpi_each(struct cap *c, const char *child)
{
	_cleanup_free_ char *dir = dirname_of(child);
	_cleanup_free_ char *canon = NULL;
	const char *base = strrchr(child, '/') + 1;
	mode_t mode = 0;
	enum entry_kind k;

	if (!dir)
		return -ENOMEM;
	if (vp_resolve(c->ctx, VP_ROOT, &canon, "%s", dir) < 0)
		return 0;
	k = kind_of(c, canon, base, &mode);
	if (k == E_FILE) {
		_cleanup_free_ char *p = xasprintf("%s/%s", canon, base);

		return p ? cap_path(c, p, P_EMPTY, 0, false, NULL, NULL) : -ENOMEM;
	}
	return 0; /* data/, dynamic/: not needed */
}

static int secureboot_each(struct cap *c, const char *child)
{
	const char *base = strrchr(child, '/') + 1;

	if (startswith(base, "SecureBoot-") || startswith(base, "SetupMode-"))
		return cap_path(c, child, P_RAW, 64, false, NULL, NULL);
	return 0;
}

static int conf_each(struct cap *c, const char *child)
{
	size_t n = strlen(child);

	if (n > 5 && streq(child + n - 5, ".conf"))
		return cap_path(c, child, P_TEXT, 1 * MiB, false, NULL, NULL);
	return 0;
}

static const char *const modprobe_dirs[] = {
	"etc/modprobe.d",     "run/modprobe.d", "usr/local/lib/modprobe.d",
	"usr/lib/modprobe.d", "lib/modprobe.d",
};
static const char *const load_dirs[] = {
	"etc/modules-load.d",	  "run/modules-load.d", "usr/local/lib/modules-load.d",
	"usr/lib/modules-load.d", "lib/modules-load.d",
};

/* Host and user names are learned before anything is written. */
static void learn_names(struct cap *c)
{
	_cleanup_free_ char *h1 = NULL, *h2 = NULL, *grp = NULL, *pw = NULL;

	if (vp_read_strf(c->ctx, VP_ETC, &h1, "hostname") == 0)
		vp_san_add_hostname(c->san, h1);
	if (vp_read_strf(c->ctx, VP_PROC, &h2, "sys/kernel/hostname") == 0)
		vp_san_add_hostname(c->san, h2);
	if (vp_read_strf(c->ctx, VP_ETC, &grp, "group") == 0)
		vp_san_learn_users(c->san, grp, false);
	if (vp_read_strf(c->ctx, VP_ETC, &pw, "passwd") == 0)
		vp_san_learn_users(c->san, pw, true);
	/* The node directories name the host too (etc/pve/nodes/NAME). */
	{
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *e;

		if (vp_opendirf(c->ctx, VP_ETC, &d, "pve/nodes") == 0)
			while ((e = readdir(d)))
				if (e->d_name[0] != '.')
					vp_san_add_hostname(c->san, e->d_name);
	}
}

/*
 * The current boot's kernel messages from the root's systemd journal. The
 * journal files are not copied: they hold every service's messages and a
 * binary file cannot be sanitized in place. The messages go, sanitized like
 * any text, one per line under a header naming the journal and boot, to the
 * file klog.c reads after the journal (VP_KLOG_FROM_JOURNAL).
 */
static int cap_journal(struct cap *c)
{
	struct vp_klog k = { 0 };
	_cleanup_free_ char *text = NULL, *done = NULL;
	char *buf = NULL;
	size_t len = 0, dlen = 0, first = 0, total = 0;
	FILE *f;
	int r;

	r = vp_journal_klog(c->ctx, &k);
	if (r < 0) {
		if (r != -ENOENT || k.unavailable)
			problem(c, "kernel messages of the journal not captured: %s",
				k.unavailable ? k.unavailable : strerror(-r));
		vp_klog_free(&k);
		return 0;
	}
	/* The last 1 MiB, as for kern.log: the checks read the boot's first lines. */
	for (size_t i = k.lines.n; i > 0; i--) {
		total += strlen(k.lines.v[i - 1]) + 1;
		if (total > 1 * MiB && i < k.lines.n)
			break;
		first = i - 1;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		vp_klog_free(&k);
		return -ENOMEM;
	}
	fprintf(f, "%s%s\n", VP_KLOG_JOURNAL_HEADER, k.source);
	for (size_t i = first; i < k.lines.n; i++)
		fprintf(f, "%s\n", k.lines.v[i]);
	if (first)
		problem(c,
			"kernel messages of the journal: only the last %zu of %zu kept",
			k.lines.n - first, k.lines.n);
	vp_klog_free(&k);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	text = buf;
	done = vp_san_text(c->san, text, len, &dlen);
	if (!done)
		return -ENOMEM;
	return vp_sink_file(c->sink, "var/log/" VP_KLOG_FROM_JOURNAL, done, dlen, 0640);
}

static int write_manifest(struct cap *c, const char *kver)
{
	_cleanup_free_ char *san = vp_san_summary(c->san);
	_cleanup_free_ char *text = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	time_t now = time(NULL);
	struct tm tm;
	char when[64];

	if (!f || !san)
		return -ENOMEM;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "vfio-pilot snapshot\n");
	fprintf(f, "format: 1 (read it with: vfio-pilot --root DIR COMMAND)\n");
	fprintf(f, "created: %s\n", when);
	fprintf(f, "kernel: %s\n", kver ? kver : "unknown");
	fprintf(f, "entries: %zu (%llu bytes of file data)\n\n", vp_sink_count(c->sink),
		(unsigned long long)vp_sink_bytes(c->sink));
	fprintf(f,
		"Captured:\n"
		"  sys: PCI functions (%zu) with their attributes and config space, "
		"bus/pci/devices, drivers, slots,\n"
		"       kernel/iommu_groups, class/iommu, class/net, class/block, "
		"sys/block, class/drm,\n"
		"       firmware/efi (presence, SecureBoot variable), "
		"firmware/acpi/tables (names only, as empty files)\n"
		"  proc: cmdline cpuinfo modules stat mounts net/route net/ipv6_route "
		"sys/kernel/osrelease sys/kernel/hostname sys/kernel/random/boot_id "
		"version\n"
		"  etc: modprobe.d modules modules-load.d default/grub default/grub.d "
		"kernel/cmdline kernel/proxmox-boot-uuids\n"
		"       os-release hostname group debian_version pve/{qemu-server,lxc,"
		"mapping,storage.cfg,local}\n"
		"       pve/corosync.conf (presence only, written empty)\n"
		"  var: lib/dpkg/status (the pve-manager and pve-nvidia-vgpu-helper stanzas only), log/kern.log (the "
		"last 1024 KiB),\n"
		"       log/" VP_KLOG_FROM_JOURNAL " (the current boot's kernel messages "
		"from the systemd journal, as text; the journal files are not copied)\n"
		"  lib/modules/%s: modules.{alias,dep,builtin,softdep,symbols,"
		"builtin.alias}.bin, modules.builtin.modinfo\n",
		c->ndevs, kver ? kver : "KVER");
	fprintf(f,
		"  config space: %zu functions with 4096 bytes, %zu with 256, %zu cut "
		"short\n\n",
		c->nconfig_full, c->nconfig_256, c->nconfig_cut);
	fprintf(f,
		"Never captured:\n"
		"  ACPI table contents, BAR contents (resourceN, rom: empty placeholders "
		"with the host's modes),\n"
		"  write-only attributes (reset, remove, rescan: empty placeholders),\n"
		"  device nodes (dev), boot (initramfs), kernel modules (.ko),\n"
		"  guest disks, other nodes' configs, passwd, shadow, keys\n\n");
	fprintf(f, "Sanitization: %s\n", san);
	fprintf(f, "Not read or cut (%zu):\n", c->nproblems);
	for (size_t i = 0; i < c->problems.n; i++)
		fprintf(f, "  %s\n", c->problems.v[i]);
	if (c->nproblems > c->problems.n)
		fprintf(f, "  ... and %zu more\n", c->nproblems - c->problems.n);
	if (c->nproblems == 0)
		fprintf(f, "  nothing\n");
	if (c->nunreadable_attrs)
		fprintf(f,
			"  %zu sysfs attributes refused to be read (EINVAL/EIO: a link "
			"down, no such capability); left out\n",
			c->nunreadable_attrs);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	text = buf;
	return vp_sink_file(c->sink, "MANIFEST", text, len, 0644);
}

int vp_snapshot(struct vp_ctx *ctx, struct vp_sink *sink, const struct vp_snap_opts *o)
{
	_cleanup_(vp_san_freep) struct vp_sanitizer *san = NULL;
	struct cap c = { .ctx = ctx, .sink = sink, .o = o };
	const char *kver = NULL;
	int r;

	r = vp_san_new(o->sanitize, &san);
	if (r < 0)
		return r;
	c.san = san;
	learn_names(&c);

	/* sysfs: PCI first (the class devices link into it). */
	r = cap_each(&c, "sys/bus/pci/devices", pci_each);
	if (r == 0)
		r = cap_each(&c, "sys/bus/pci/drivers", driver_each);
	if (r == 0)
		r = cap_tree(&c, "sys/bus/pci/slots", P_RAW, 4 * KiB, 1);
	if (r == 0)
		r = cap_each(&c, "sys/kernel/iommu_groups", group_each);
	if (r == 0)
		r = cap_each(&c, "sys/class/iommu", link_each);
	if (r == 0)
		r = cap_each(&c, "sys/class/net", net_each);
	if (r == 0)
		r = cap_each(&c, "sys/class/block", block_each);
	if (r == 0)
		r = cap_each(&c, "sys/block", link_each);
	if (r == 0)
		r = cap_each(&c, "sys/class/drm", drm_each);
	if (r == 0)
		r = cap_loc(&c, VP_SYS, "firmware/efi", P_DIRONLY, 0);
	if (r == 0)
		r = cap_each(&c, "sys/firmware/efi/efivars", secureboot_each);
	if (r == 0)
		r = cap_loc(&c, VP_SYS, "firmware/acpi", P_DIRONLY, 0);
	if (r == 0)
		r = cap_each(&c, "sys/firmware/acpi/tables", acpi_each);
	if (r < 0)
		return r;

	/* proc: written where they are read (proc/net links to a process). */
	{
		static const struct {
			const char *sub;
			enum policy pol;
			size_t max;
		} procs[] = {
			{ "cmdline", P_TEXT, 64 * KiB },
			{ "cpuinfo", P_RAW, 8 * MiB },
			{ "modules", P_RAW, 1 * MiB },
			/* btime: doctor tells a change made since the boot from a
			   failure. */
			{ "stat", P_RAW, 1 * MiB },
			{ "mounts", P_TEXT, 1 * MiB },
			{ "net/route", P_ROUTE4, 1 * MiB },
			{ "net/ipv6_route", P_ROUTE6, 1 * MiB },
			{ "sys/kernel/osrelease", P_RAW, 4 * KiB },
			{ "sys/kernel/hostname", P_HOSTNAME, 4 * KiB },
			{ "sys/kernel/random/boot_id", P_RAW, 4 * KiB },
			{ "version", P_TEXT, 4 * KiB },
		};

		for (size_t i = 0; r == 0 && i < ARRAY_SIZE(procs); i++) {
			_cleanup_free_ char *rel = vp_rel_path(VP_PROC, procs[i].sub);

			r = rel ? cap_path(&c, rel, procs[i].pol, procs[i].max, true,
					   NULL, NULL)
				: -ENOMEM;
		}
	}

	/* etc and friends */
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(modprobe_dirs); i++)
		r = cap_each(&c, modprobe_dirs[i], conf_each);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(load_dirs); i++)
		r = cap_each(&c, load_dirs[i], conf_each);
	{
		static const struct {
			const char *sub;
			enum policy pol;
		} etcs[] = {
			{ "modules", P_TEXT },
			{ "default/grub", P_TEXT },
			{ "kernel/cmdline", P_TEXT },
			{ "kernel/proxmox-boot-uuids", P_TEXT },
			{ "os-release", P_TEXT },
			{ "hostname", P_HOSTNAME },
			{ "group", P_TEXT },
			{ "debian_version", P_TEXT },
			{ "pve/storage.cfg", P_TEXT },
			{ "pve/local", P_DIRONLY },
			{ "pve/corosync.conf", P_EMPTY },
		};

		for (size_t i = 0; r == 0 && i < ARRAY_SIZE(etcs); i++)
			r = cap_loc(&c, VP_ETC, etcs[i].sub, etcs[i].pol, 1 * MiB);
	}
	if (r == 0)
		r = cap_tree(&c, "etc/default/grub.d", P_TEXT, 1 * MiB, 0);
	if (r == 0)
		r = cap_each(&c, "etc/pve/qemu-server", conf_each);
	if (r == 0)
		r = cap_each(&c, "etc/pve/lxc", conf_each);
	if (r == 0)
		r = cap_tree(&c, "etc/pve/mapping", P_TEXT, 1 * MiB, 1);
	if (r == 0)
		r = cap_each(&c, "etc/systemd/system", wants_each);
	if (r == 0)
		r = cap_loc(&c, VP_VAR_LIB, "dpkg/status", P_DPKG, 256 * MiB);
	if (r == 0)
		r = cap_loc(&c, VP_VAR_LOG, "kern.log", P_TAIL, 1 * MiB);
	if (r == 0)
		r = cap_journal(&c);
	if (r < 0)
		return r;

	/* The root's kernel modules index (libkmod reads these). */
	if (vp_ctx_kver(ctx, &kver) == 0 && kver) {
		static const char *const idx[] = {
			"modules.alias.bin",	   "modules.dep.bin",
			"modules.builtin.bin",	   "modules.softdep",
			"modules.symbols.bin",	   "modules.builtin.alias.bin",
			"modules.builtin.modinfo", "modules.devname",
		};

		for (size_t i = 0; r == 0 && i < ARRAY_SIZE(idx); i++) {
			_cleanup_free_ char *sub = xasprintf("%s/%s", kver, idx[i]);

			r = sub ? cap_loc(&c, VP_MODULES, sub, P_RAW, 64 * MiB) : -ENOMEM;
		}
	} else {
		problem(&c, "kernel version unknown: lib/modules not captured");
	}
	if (r < 0)
		return r;
	progress(&c, true);
	r = write_manifest(&c, kver);
	strv_free(&c.problems);
	return r;
}
