// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The context and the only mapping from host locations to paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <sys/syscall.h>

#include <libkmod.h>
#include <pci/pci.h>

#include "context.h"
#include "util.h"

/* Linux allows 40 symlinks in one lookup (fs/namei.c MAXSYMLINKS). */
#define VP_MAX_LINKS 40
/* sysfs attributes are at most a page; files we read whole are small. */
#define VP_MAX_SMALL_FILE (1024 * 1024)

static const char *const loc_prefix[] = {
	[VP_ROOT] = "",
	[VP_SYS] = "sys",
	[VP_PROC] = "proc",
	[VP_ETC] = "etc",
	[VP_DEV] = "dev",
	[VP_MODULES] = "lib/modules",
	[VP_USR_SHARE] = "usr/share",
	[VP_VAR_LIB] = "var/lib",
	[VP_VAR_LOG] = "var/log",
	[VP_BOOT] = "boot",
};

/*
 * modprobe.d directories in libkmod's own order (libkmod.c default_config_paths):
 * for equal basenames the first directory wins, so /etc overrides /lib.
 */
static const char *const modprobe_dirs[] = {
	"etc/modprobe.d",     "run/modprobe.d", "usr/local/lib/modprobe.d",
	"usr/lib/modprobe.d", "lib/modprobe.d",
};

void vp_err(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio-pilot: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vp_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio-pilot: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vp_dbg(struct vp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbose < 2)
		return;
	fputs("vfio-pilot: debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vp_ctx_new(const char *root, struct vp_ctx **out)
{
	_cleanup_free_ struct vp_ctx *ctx = calloc(1, sizeof(*ctx));
	struct stat st;

	if (!ctx)
		return -ENOMEM;
	ctx->rootfd = -1;
	ctx->fout = stdout;
	ctx->root = realpath(root ? root : "/", NULL);
	if (!ctx->root)
		return -errno;
	if (stat(ctx->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(ctx->root);
		return -ENOTDIR;
	}
	ctx->rootfd = open(ctx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0) {
		int r = -errno;

		free(ctx->root);
		return r;
	}
	*out = TAKE_PTR(ctx);
	return 0;
}

void vp_ctx_free(struct vp_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->pacc)
		pci_cleanup(ctx->pacc);
	kmod_unref(ctx->kmod);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	free(ctx->kver);
	free(ctx->ids_file);
	free(ctx->root);
	free(ctx);
}

int vp_exit_code(int err)
{
	switch (err) {
	case 0:
		return VP_EXIT_OK;
	case -ENOENT:
	case -ENOTDIR:
	case -ENODEV:
		return VP_EXIT_NOINPUT;
	case -EINVAL:
	case -EBADMSG:
	case -ERANGE:
	case -EFBIG: /* a file past the size cap: refused, not read */
		return VP_EXIT_DATA;
	case -EIO:
	case -EACCES:
	case -ELOOP:
		return VP_EXIT_IO;
	case -ESTALE:
		return VP_EXIT_TEMPFAIL;
	case -EPERM:
		return VP_EXIT_NOPERM;
	default:
		return VP_EXIT_SOFTWARE;
	}
}

/* "sys" + "bus/pci" -> "sys/bus/pci"; rejects absolute sub-paths. */
static int build_rel(enum vp_loc loc, const char *fmt, va_list ap, char **out)
{
	_cleanup_free_ char *sub = NULL;
	const char *pre = loc_prefix[loc];

	if (vasprintf(&sub, fmt, ap) < 0)
		return -ENOMEM;
	if (sub[0] == '/')
		return -EINVAL;
	if (!pre[0])
		*out = TAKE_PTR(sub);
	else if (!sub[0])
		*out = strdup(pre);
	else
		*out = xasprintf("%s/%s", pre, sub);
	return *out ? 0 : -ENOMEM;
}

/*
 * Resolve @path (relative to the root) one component at a time, following
 * symlinks as the kernel would if the root were "/": an absolute target
 * restarts at the root and ".." never climbs above it. Every prefix passed
 * to readlinkat() is already free of symlinks, so nothing outside the root
 * is ever touched. The result has no leading slash ("" is the root).
 */
static int resolve_in_root(int rootfd, const char *path, char **out,
			   int (*on_link)(void *data, const char *at, const char *target),
			   void *data)
{
	_cleanup_free_ char *todo = strdup(path);
	char res[PATH_MAX];
	char link[PATH_MAX];
	size_t reslen = 0;
	int links = 0;
	char *cur;

	if (!todo)
		return -ENOMEM;
	res[0] = '\0';
	cur = todo;
	while (*cur) {
		char *slash = strchr(cur, '/');
		size_t clen = slash ? (size_t)(slash - cur) : strlen(cur);
		char *rest = slash ? slash + 1 : cur + clen;
		size_t save = reslen;
		ssize_t n;

		if (clen == 0 || (clen == 1 && cur[0] == '.')) {
			cur = rest;
			continue;
		}
		if (clen == 2 && cur[0] == '.' && cur[1] == '.') {
			while (reslen > 0 && res[reslen - 1] != '/')
				reslen--;
			if (reslen > 0)
				reslen--;
			res[reslen] = '\0';
			cur = rest;
			continue;
		}
		if (reslen + clen + 2 >= PATH_MAX)
			return -ENAMETOOLONG;
		if (reslen)
			res[reslen++] = '/';
		memcpy(res + reslen, cur, clen);
		reslen += clen;
		res[reslen] = '\0';

		n = readlinkat(rootfd, res, link, sizeof(link) - 1);
		if (n < 0) {
			if (errno != EINVAL)
				return -errno;
			cur = rest; /* not a link */
			continue;
		}
		if (++links > VP_MAX_LINKS)
			return -ELOOP;
		link[n] = '\0';
		if (on_link) {
			int r = on_link(data, res, link);

			if (r < 0)
				return r;
		}
		/* Replace this component by the link target, then continue. */
		reslen = save;
		res[reslen] = '\0';
		if (link[0] == '/') {
			reslen = 0;
			res[0] = '\0';
		}
		{
			char *next = xasprintf("%s/%s", link, rest);

			if (!next)
				return -ENOMEM;
			free(todo);
			todo = next;
			cur = todo;
		}
	}
	*out = strdup(res);
	return *out ? 0 : -ENOMEM;
}

int vp_resolve_walk(struct vp_ctx *ctx, const char *rel, char **out,
		    int (*on_link)(void *data, const char *at, const char *target),
		    void *data)
{
	if (rel[0] == '/')
		return -EINVAL;
	return resolve_in_root(ctx->rootfd, rel, out, on_link, data);
}

static int vresolve(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt,
		    va_list ap)
{
	_cleanup_free_ char *rel = NULL;
	int r;

	r = build_rel(loc, fmt, ap, &rel);
	if (r < 0)
		return r;
	return resolve_in_root(ctx->rootfd, rel, out, NULL, NULL);
}

int vp_resolve(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vresolve(ctx, loc, out, fmt, ap);
	va_end(ap);
	return r;
}

static int vopen(struct vp_ctx *ctx, enum vp_loc loc, int flags, const char *fmt,
		 va_list ap)
{
	_cleanup_free_ char *res = NULL;
	int r, fd;

	r = vresolve(ctx, loc, &res, fmt, ap);
	if (r < 0)
		return r;
	fd = openat(ctx->rootfd, res[0] ? res : ".", flags | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vp_openf(struct vp_ctx *ctx, enum vp_loc loc, int flags, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vopen(ctx, loc, flags, fmt, ap);
	va_end(ap);
	return r;
}

int vp_opendirf(struct vp_ctx *ctx, enum vp_loc loc, DIR **dir, const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	fd = vopen(ctx, loc, O_RDONLY | O_DIRECTORY, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	*dir = fdopendir(fd);
	if (!*dir) {
		int r = -errno;

		close(fd);
		return r;
	}
	return 0;
}

bool vp_existsf(struct vp_ctx *ctx, enum vp_loc loc, const char *fmt, ...)
{
	_cleanup_free_ char *res = NULL;
	struct stat st;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vresolve(ctx, loc, &res, fmt, ap);
	va_end(ap);
	if (r < 0)
		return false;
	return fstatat(ctx->rootfd, res[0] ? res : ".", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int read_fd(int fd, void *buf, size_t max, size_t *len)
{
	size_t got = 0;

	while (got < max) {
		ssize_t n = read(fd, (char *)buf + got, max - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return 0;
}

int vp_read_bytesf(struct vp_ctx *ctx, enum vp_loc loc, void *buf, size_t max,
		   size_t *len, const char *fmt, ...)
{
	_cleanup_close_ int fd = -1;
	va_list ap;

	va_start(ap, fmt);
	fd = vopen(ctx, loc, O_RDONLY, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	return read_fd(fd, buf, max, len);
}

int vp_read_strf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, len = 0;
	va_list ap;
	int r;

	va_start(ap, fmt);
	fd = vopen(ctx, loc, O_RDONLY, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return fd;
	for (;;) {
		char *nb = realloc(buf, cap + 1);
		size_t n;

		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = read_fd(fd, buf + len, cap - len, &n);
		if (r < 0)
			return r;
		len += n;
		if (len < cap)
			break;
		if (cap >= VP_MAX_SMALL_FILE)
			return -EFBIG;
		cap *= 2;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EBADMSG; /* binary where text was expected */
	strstrip_end(buf);
	*out = TAKE_PTR(buf);
	return 0;
}

int vp_open_canonical(struct vp_ctx *ctx, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	long fd;

	if (rel[0] == '/')
		return -EINVAL;
	fd = syscall(SYS_openat2, ctx->rootfd, rel[0] ? rel : ".", &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	/* No openat2 (old kernel or seccomp): resolve one component at a time. */
	return vp_openf(ctx, VP_ROOT, flags, "%s", rel);
}

static bool one_component(const char *name)
{
	return name[0] && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

int vp_read_bytes_at(int dirfd, const char *name, void *buf, size_t max, size_t *len)
{
	_cleanup_close_ int fd = -1;

	if (!one_component(name))
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return read_fd(fd, buf, max, len);
}

int vp_read_str_at(int dirfd, const char *name, char **out)
{
	_cleanup_close_ int fd = -1;
	char buf[4097];
	size_t len;
	ssize_t n;

	/*
	 * sysfs attributes are at most a page (fs/sysfs/file.c) and come whole
	 * from the first read (fs/kernfs/file.c kernfs_seq_show), and a regular
	 * file in a snapshot is short only at its end: one read is the value.
	 * This halves the reads of a scan, where attributes are most of them.
	 */
	if (!one_component(name))
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	len = (size_t)n;
	if (len == sizeof(buf) - 1)
		return -EFBIG;
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	strstrip_end(buf);
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

int vp_readlink_at(int dirfd, const char *name, char **out)
{
	char link[PATH_MAX];
	ssize_t n;

	if (!one_component(name))
		return -EINVAL;
	n = readlinkat(dirfd, name, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	*out = strdup(link);
	return *out ? 0 : -ENOMEM;
}

bool vp_exists_at(int dirfd, const char *name)
{
	struct stat st;

	return one_component(name) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int vp_readlinkf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL, *dir = NULL, *res = NULL;
	char link[PATH_MAX];
	const char *base;
	char *slash;
	va_list ap;
	ssize_t n;
	int r;

	va_start(ap, fmt);
	r = build_rel(loc, fmt, ap, &rel);
	va_end(ap);
	if (r < 0)
		return r;
	/* Resolve the directory part only: the last component is the link. */
	slash = strrchr(rel, '/');
	base = slash ? slash + 1 : rel;
	dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
	if (!dir)
		return -ENOMEM;
	r = resolve_in_root(ctx->rootfd, dir, &res, NULL, NULL);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *full =
			res[0] ? xasprintf("%s/%s", res, base) : strdup(base);

		if (!full)
			return -ENOMEM;
		n = readlinkat(ctx->rootfd, full, link, sizeof(link) - 1);
	}
	if (n < 0)
		return -errno;
	link[n] = '\0';
	*out = strdup(link);
	return *out ? 0 : -ENOMEM;
}

int vp_host_pathf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = build_rel(loc, fmt, ap, &rel);
	va_end(ap);
	if (r < 0)
		return r;
	if (streq(ctx->root, "/"))
		*out = xasprintf("/%s", rel);
	else
		*out = xasprintf("%s/%s", ctx->root, rel);
	return *out ? 0 : -ENOMEM;
}

char *vp_rel_path(enum vp_loc loc, const char *sub)
{
	const char *pre = loc_prefix[loc];

	if (!sub || sub[0] == '/')
		return NULL;
	if (!pre[0])
		return strdup(sub);
	return sub[0] ? xasprintf("%s/%s", pre, sub) : strdup(pre);
}

char *vp_display_path(enum vp_loc loc, const char *sub)
{
	const char *pre = loc_prefix[loc];

	if (!pre[0])
		return xasprintf("/%s", sub);
	if (!sub || !sub[0])
		return xasprintf("/%s", pre);
	return xasprintf("/%s/%s", pre, sub);
}

char *vp_evidencev(enum vp_loc loc, const char *sub, const char *fmt, va_list ap)
{
	_cleanup_free_ char *path = vp_display_path(loc, sub), *what = NULL;

	if (vasprintf(&what, fmt, ap) < 0) {
		what = NULL;
		return NULL;
	}
	return path ? xasprintf("%s: %s", path, what) : NULL;
}

char *vp_evidence(enum vp_loc loc, const char *sub, const char *fmt, ...)
{
	va_list ap;
	char *e;

	va_start(ap, fmt);
	e = vp_evidencev(loc, sub, fmt, ap);
	va_end(ap);
	return e;
}

const char *vp_devnode_name(const char *s)
{
	static const char dev[] = "/dev/";

	if (!s || strncmp(s, dev, strlen(dev)) != 0 || !s[strlen(dev)])
		return NULL;
	return s + strlen(dev);
}

int vp_ctx_kver(struct vp_ctx *ctx, const char **out)
{
	int r;

	if (!ctx->kver) {
		/* The root's running kernel, never uname(2) of this machine. */
		r = vp_read_strf(ctx, VP_PROC, &ctx->kver, "sys/kernel/osrelease");
		if (r < 0)
			return r;
		if (!ctx->kver[0] || strchr(ctx->kver, '/')) {
			free(ctx->kver);
			ctx->kver = NULL;
			return -EBADMSG;
		}
	}
	*out = ctx->kver;
	return 0;
}

static void kmod_log_quiet(void *data, int priority, const char *file, int line,
			   const char *fn, const char *format, va_list args)
{
	struct vp_ctx *ctx = data;

	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	if (ctx->verbose < 2)
		return;
	fputs("vfio-pilot: debug: libkmod: ", stderr);
	vfprintf(stderr, format, args);
}

int vp_ctx_kmod(struct vp_ctx *ctx, struct kmod_ctx **out)
{
	char *paths[ARRAY_SIZE(modprobe_dirs) + 1] = { 0 };
	_cleanup_free_ char *dirname = NULL;
	const char *kver;
	size_t i;
	int r;

	if (ctx->kmod) {
		*out = ctx->kmod;
		return 0;
	}
	if (ctx->kmod_err)
		return ctx->kmod_err;
	r = vp_ctx_kver(ctx, &kver);
	if (r < 0)
		goto fail;
	r = vp_host_pathf(ctx, VP_MODULES, &dirname, "%s", kver);
	if (r < 0)
		goto fail;
	for (i = 0; i < ARRAY_SIZE(modprobe_dirs); i++) {
		r = vp_host_pathf(ctx, VP_ROOT, &paths[i], "%s", modprobe_dirs[i]);
		if (r < 0)
			goto out_paths;
	}
	/*
	 * kmod_new() also merges the literal /proc/cmdline of this machine
	 * (libkmod-config.c kmod_config_parse_kcmdline); only alias and
	 * module lookups are taken from it, never options or blacklists.
	 */
	ctx->kmod = kmod_new(dirname, (const char *const *)paths);
	if (!ctx->kmod) {
		r = -ENOMEM;
		goto out_paths;
	}
	kmod_set_log_fn(ctx->kmod, kmod_log_quiet, ctx);
	r = 0;
out_paths:
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		free(paths[i]);
	if (r == 0) {
		*out = ctx->kmod;
		return 0;
	}
fail:
	ctx->kmod_err = r;
	return r;
}
