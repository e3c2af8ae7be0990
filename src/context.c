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

void vp_log_stderr(void *data, int priority, const char *fmt, va_list args)
{
	const char *prefix = "vfio-pilot: ";

	(void)data;
	if (priority == VP_LOG_WARNING)
		prefix = "vfio-pilot: warning: ";
	else if (priority == VP_LOG_DEBUG)
		prefix = "vfio-pilot: debug: ";
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

void vp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_log_stderr(NULL, VP_LOG_ERR, fmt, ap);
	va_end(ap);
}

void vp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_log_stderr(NULL, VP_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void vp_ctx_set_log_fn(struct vp_ctx *ctx, vp_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

static void logv(struct vp_ctx *ctx, int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void logv(struct vp_ctx *ctx, int priority, const char *fmt, va_list ap)
{
	if (ctx->log_fn)
		ctx->log_fn(ctx->log_data, priority, fmt, ap);
}

void vp_log(struct vp_ctx *ctx, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(ctx, priority, fmt, ap);
	va_end(ap);
}

void vp_log_err(struct vp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(ctx, VP_LOG_ERR, fmt, ap);
	va_end(ap);
}

void vp_log_warn(struct vp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(ctx, VP_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void vp_dbg(struct vp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbose < 2)
		return;
	va_start(ap, fmt);
	logv(ctx, VP_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

int vp_ctx_new(const char *root, struct vp_ctx **out)
{
	_cleanup_free_ struct vp_ctx *ctx = calloc(1, sizeof(*ctx));
	struct stat st;

	if (!ctx)
		return -ENOMEM;
	ctx->rootfd = -1;
	/* The tool's streams for output; errors go to log_fn, none by default. */
	ctx->fout = stdout;
	ctx->fdiag = stderr;
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
	case -EAGAIN: /* a lock held, or openat2 asked to retry: try again */
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

/* openat2(2) (Linux 5.6); -ENOSYS where the kernel or a seccomp filter lacks it. */
static int sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = resolve,
	};
	long fd;

	/*
	 * With RESOLVE_BENEATH or RESOLVE_IN_ROOT, a ".." during a rename or
	 * mount anywhere on the system makes the kernel give up with EAGAIN
	 * (fs/namei.c, the rename_lock/mount_lock seqcount check): "the caller
	 * may choose to retry" (openat2(2)). A busy host, or the test suite's
	 * own atomic writes, must not turn that into a verdict.
	 */
	for (int tries = 0;; tries++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN || tries == 63)
			break;
	}
	/* Docker's default seccomp profile answers EPERM for calls it does not know. */
	return errno == EPERM ? -ENOSYS : -errno;
}

/*
 * An open of a file's contents (not O_PATH, not a directory): it gets
 * O_NONBLOCK, so that a FIFO cannot block it, and O_NOCTTY; check_type()
 * then refuses whatever is not a regular file or a directory.
 */
static bool plain_open(int flags)
{
	return !(flags & (O_PATH | O_DIRECTORY));
}

static int open_flags(int flags)
{
	if (plain_open(flags))
		flags |= O_NONBLOCK | O_NOCTTY;
	return flags | O_NOFOLLOW | O_CLOEXEC;
}

/*
 * FIFOs, sockets and device nodes are never host files vfio-pilot reads or
 * writes: a FIFO blocks a read until someone writes, a device can be
 * endless (/dev/zero) or act when opened. Checked on the opened file itself.
 */
static int check_type(int fd, int flags)
{
	struct stat st;
	int r;

	if (fd < 0 || !plain_open(flags))
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return fd;
	close(fd);
	return -EINVAL;
}

static int open_at(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, open_flags(flags));

	return fd < 0 ? -errno : check_type(fd, flags);
}

/*
 * openat2 of @rel below the root with no symlink anywhere, the last
 * component included (RESOLVE_NO_SYMLINKS refuses it with ELOOP even
 * without O_NOFOLLOW, which O_PATH would turn into "open the link").
 */
static int open_beneath(struct vp_ctx *ctx, const char *rel, int flags)
{
	int fd = sys_openat2(ctx->rootfd, rel, open_flags(flags) & ~O_NOFOLLOW,
			     RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH);

	if (fd == -ENOSYS)
		ctx->no_openat2 = true;
	return check_type(fd, flags);
}

/*
 * Open @canon, a path below the root without symlinks (as walk() makes
 * them), refusing any symlink on the way: the kernel enforces it with
 * openat2, or each component is opened with O_NOFOLLOW from the last one.
 */
static int open_nolinks(struct vp_ctx *ctx, const char *canon, int flags)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int dir = -1;
	char *save = NULL, *name, *next;
	int fd;

	if (!canon[0])
		return open_at(ctx->rootfd, ".", flags);
	if (!ctx->no_openat2) {
		fd = open_beneath(ctx, canon, flags);
		if (fd != -ENOSYS)
			return fd;
	}
	copy = strdup(canon);
	if (!copy)
		return -ENOMEM;
	name = strtok_r(copy, "/", &save);
	while (name && (next = strtok_r(NULL, "/", &save))) {
		fd = openat(dir >= 0 ? dir : ctx->rootfd, name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOTDIR ? -ELOOP : -errno;
		if (dir >= 0)
			close(dir);
		dir = fd;
		name = next;
	}
	if (!name)
		return -EINVAL;
	fd = open_at(dir >= 0 ? dir : ctx->rootfd, name, flags);
	if (fd >= 0 && (flags & O_PATH)) {
		struct stat st;

		/* O_PATH | O_NOFOLLOW opens a symlink itself: refuse it too. */
		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
			close(fd);
			return -ELOOP;
		}
	}
	return fd;
}

/* "a/./b//c/../d" -> "a/b/d"; -EXDEV when a ".." would climb above the root. */
static int normalize(const char *path, char *out, size_t size)
{
	size_t len = 0;

	while (*path) {
		size_t clen = strcspn(path, "/");

		if (clen == 2 && path[0] == '.' && path[1] == '.') {
			if (len == 0)
				return -EXDEV;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (clen > 0 && !(clen == 1 && path[0] == '.')) {
			if (len + clen + 2 > size)
				return -ENAMETOOLONG;
			if (len)
				out[len++] = '/';
			memcpy(out + len, path, clen);
			len += clen;
		}
		path += clen;
		if (*path == '/')
			path++;
	}
	out[len] = '\0';
	return 0;
}

typedef int (*on_link_fn)(void *data, const char *at, const char *target);

/* walk()'s @flags when only the canonical path is wanted, no descriptor. */
#define WALK_RESOLVE (-1)

/*
 * Resolve @path (relative to the root) as the kernel would if the root were
 * "/": an absolute symlink restarts at the root and ".." never climbs above
 * it. Every component is opened relative to the directory descriptor of the
 * one before, with O_NOFOLLOW; a symlink met is read and its target walked
 * the same way from that descriptor, and after ".." the directory is opened
 * again by its canonical name, links refused. No path string is ever handed
 * to the kernel to be resolved on its own, so swapping a directory for a
 * link while this runs can change what is found, never make it leave the
 * root (the check and the use are the same open).
 *
 * Unless @flags is WALK_RESOLVE, *fdp gets the last component opened with
 * @flags. *canon (when asked) gets the path below the root without
 * symlinks ("" is the root). A path without symlinks, most of them, costs
 * one openat2 call.
 */
static int walk(struct vp_ctx *ctx, const char *path, int flags, int *fdp, char **canon,
		on_link_fn on_link, void *data)
{
	_cleanup_free_ char *todo = NULL;
	_cleanup_close_ int dir = -1; /* -1: the root */
	char res[PATH_MAX], link[PATH_MAX];
	const bool resolve_only = flags == WALK_RESOLVE;
	size_t reslen = 0;
	bool stale = false; /* @dir does not match @res after a ".." */
	bool opened = false;
	int links = 0, fd;
	char *cur;

	if (path[0] == '/')
		return -EINVAL;
	if (!resolve_only && ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE))
		return -EINVAL; /* nothing is created here: see plan/atomic.c */

	/* Fast path: no symlink on the way, the kernel checks it. */
	if (!ctx->no_openat2 && normalize(path, res, sizeof(res)) == 0) {
		/*
		 * The path as given, not @res: without symlinks ".." is the
		 * lexical parent, so @res is then its canonical form.
		 */
		fd = open_beneath(ctx, path[0] ? path : ".",
				  resolve_only ? O_PATH : flags);
		if (fd != -ENOSYS && fd != -ELOOP && fd != -EXDEV && fd != -EAGAIN) {
			if (fd < 0)
				return fd;
			if (canon && !(*canon = strdup(res))) {
				close(fd);
				return -ENOMEM;
			}
			if (!resolve_only)
				*fdp = fd;
			else
				close(fd);
			return 0;
		}
	}

	todo = strdup(path);
	if (!todo)
		return -ENOMEM;
	res[0] = '\0';
	cur = todo;
	for (;;) {
		char name[NAME_MAX + 1];
		const char *rest;
		bool last;
		size_t clen;
		int at, err;
		ssize_t n;

		while (*cur == '/')
			cur++;
		if (!*cur)
			break;
		clen = strcspn(cur, "/");
		for (rest = cur + clen; *rest == '/'; rest++)
			;
		last = !*rest;
		if (clen == 1 && cur[0] == '.') {
			cur = (char *)rest;
			continue;
		}
		if (clen == 2 && cur[0] == '.' && cur[1] == '.') {
			while (reslen > 0 && res[reslen - 1] != '/')
				reslen--;
			if (reslen > 0)
				reslen--;
			res[reslen] = '\0';
			stale = true;
			cur = (char *)rest;
			continue;
		}
		if (clen > NAME_MAX || reslen + clen + 2 > sizeof(res))
			return -ENAMETOOLONG;
		memcpy(name, cur, clen);
		name[clen] = '\0';
		if (stale) {
			/* Reopened by its canonical name, never through "..". */
			if (dir >= 0)
				close(dir);
			dir = reslen ? open_nolinks(ctx, res, O_PATH | O_DIRECTORY) : -1;
			if (reslen && dir < 0)
				return dir;
			stale = false;
		}
		at = dir >= 0 ? dir : ctx->rootfd;

		if (!last) {
			fd = openat(at, name,
				    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			err = fd < 0 ? errno : 0;
		} else if (resolve_only) {
			/* Only the name is wanted: readlinkat below tells link or not. */
			fd = -1;
			err = ELOOP;
		} else {
			fd = open_at(at, name, flags);
			err = fd < 0 ? -fd : 0;
			if (fd >= 0 && (flags & O_PATH)) {
				struct stat st;

				/* O_PATH with O_NOFOLLOW opens a symlink itself. */
				if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
					close(fd);
					fd = -1;
					err = ELOOP;
				}
			}
		}
		if (fd >= 0) {
			if (reslen)
				res[reslen++] = '/';
			memcpy(res + reslen, name, clen + 1);
			reslen += clen;
			if (last) {
				*fdp = fd;
				opened = true;
				break;
			}
			if (dir >= 0)
				close(dir);
			dir = fd;
			cur = (char *)rest;
			continue;
		}
		/* ELOOP (O_NOFOLLOW met a link) or ENOTDIR (not a directory): a link? */
		if (err != ELOOP && err != ENOTDIR)
			return -err;
		n = readlinkat(at, name, link, sizeof(link) - 1);
		if (n < 0) {
			if (errno != EINVAL)
				return -errno;
			if (err == ENOTDIR)
				return -ENOTDIR;
			if (resolve_only) {
				/* The last component exists and is no link. */
				if (reslen)
					res[reslen++] = '/';
				memcpy(res + reslen, name, clen + 1);
				reslen += clen;
				break;
			}
			/* No longer a link since the open: count it, open again. */
			if (++links > VP_MAX_LINKS)
				return -ELOOP;
			continue;
		}
		if (++links > VP_MAX_LINKS)
			return -ELOOP;
		link[n] = '\0';
		if (on_link) {
			_cleanup_free_ char *where =
				reslen ? xasprintf("%s/%s", res, name) : strdup(name);
			int r;

			if (!where)
				return -ENOMEM;
			r = on_link(data, where, link);
			if (r < 0)
				return r;
		}
		if (link[0] == '/') {
			reslen = 0;
			res[0] = '\0';
			if (dir >= 0)
				close(dir);
			dir = -1;
			stale = false;
		}
		{
			/* The target replaces the component; what followed stays. */
			char *next = xasprintf("%s/%s", link, rest);

			if (!next)
				return -ENOMEM;
			free(todo);
			todo = next;
			cur = todo;
		}
	}
	/* The path ended in "." or "..", or was empty: the directory reached. */
	if (!resolve_only && !opened) {
		fd = open_nolinks(ctx, res, flags);
		if (fd < 0)
			return fd;
		*fdp = fd;
		opened = true;
	}
	if (canon && !(*canon = strdup(res))) {
		if (opened) {
			close(*fdp);
			*fdp = -1;
		}
		return -ENOMEM;
	}
	return 0;
}

int vp_resolve_walk(struct vp_ctx *ctx, const char *rel, char **out,
		    int (*on_link)(void *data, const char *at, const char *target),
		    void *data)
{
	return walk(ctx, rel, WALK_RESOLVE, NULL, out, on_link, data);
}

static int vresolve(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt,
		    va_list ap)
{
	_cleanup_free_ char *rel = NULL;
	int r;

	r = build_rel(loc, fmt, ap, &rel);
	if (r < 0)
		return r;
	return walk(ctx, rel, WALK_RESOLVE, NULL, out, NULL, NULL);
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
	_cleanup_free_ char *rel = NULL;
	int r, fd = -1;

	r = build_rel(loc, fmt, ap, &rel);
	if (r < 0)
		return r;
	r = walk(ctx, rel, flags, &fd, NULL, NULL, NULL);
	return r < 0 ? r : fd;
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
	_cleanup_close_ int fd = -1;
	va_list ap;

	va_start(ap, fmt);
	fd = vopen(ctx, loc, O_PATH, fmt, ap);
	va_end(ap);
	return fd >= 0;
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
		size_t n = 0;

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

int vp_open_beneath(struct vp_ctx *ctx, const char *rel, int flags)
{
	_cleanup_free_ char *host = NULL, *real = NULL;
	size_t n = strlen(ctx->root);
	int fd;

	if (rel[0] == '/')
		return -EINVAL;
	if (!ctx->no_openat2) {
		fd = sys_openat2(ctx->rootfd, rel[0] ? rel : ".",
				 open_flags(flags) & ~O_NOFOLLOW,
				 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		if (fd != -ENOSYS)
			return check_type(fd, flags);
		ctx->no_openat2 = true;
	}
	/* Without openat2: the kernel's walk, kept only when it ends below the root. */
	host = streq(ctx->root, "/") ? xasprintf("/%s", rel)
				     : xasprintf("%s/%s", ctx->root, rel);
	if (!host)
		return -ENOMEM;
	real = realpath(host, NULL);
	if (!real)
		return -errno;
	if (n > 1 && (strncmp(real, ctx->root, n) != 0 || (real[n] && real[n] != '/')))
		return -EXDEV;
	fd = open(real, open_flags(flags));
	return fd < 0 ? -errno : check_type(fd, flags);
}

int vp_open_canonical(struct vp_ctx *ctx, const char *rel, int flags)
{
	if (rel[0] == '/')
		return -EINVAL;
	return open_nolinks(ctx, rel, flags);
}

static bool one_component(const char *name)
{
	return name[0] && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

int vp_open_at(int dirfd, const char *name, int flags)
{
	if (!one_component(name))
		return -EINVAL;
	return open_at(dirfd, name, flags);
}

/*
 * Attributes below a function's directory, thousands per scan: opened
 * O_NONBLOCK without the fstat of open_at(), which would be a quarter of a
 * scan's system calls. A FIFO then cannot block (a read returns 0 without
 * a writer, EAGAIN without data) and only an empty or failed read asks
 * fstat whether this was a file at all. A FIFO that someone feeds gives
 * what a file would: one bounded read.
 */
static int attr_open(int dirfd, const char *name)
{
	int fd;

	if (!one_component(name))
		return -EINVAL;
	fd = openat(dirfd, name,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int attr_empty(int fd, int err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return err;
}

int vp_read_once_at(int dirfd, const char *name, char *buf, size_t size, size_t *len)
{
	_cleanup_close_ int fd = attr_open(dirfd, name);
	ssize_t n;

	if (fd < 0)
		return fd;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int r = attr_empty(fd, n < 0 ? -errno : 0);

		if (r < 0)
			return r;
		n = 0;
	}
	*len = (size_t)n;
	return (size_t)n == size ? -EFBIG : 0;
}

int vp_read_bytes_at(int dirfd, const char *name, void *buf, size_t max, size_t *len)
{
	_cleanup_close_ int fd = attr_open(dirfd, name);
	int r;

	if (fd < 0)
		return fd;
	r = read_fd(fd, buf, max, len);
	if (r < 0 || *len == 0)
		r = attr_empty(fd, r);
	return r;
}

int vp_read_str_at(int dirfd, const char *name, char **out)
{
	char buf[4097];
	size_t len;
	int r;

	/*
	 * sysfs attributes are at most a page (fs/sysfs/file.c) and come whole
	 * from the first read (fs/kernfs/file.c kernfs_seq_show), and a regular
	 * file in a snapshot is short only at its end: one read is the value.
	 * This halves the reads of a scan, where attributes are most of them.
	 */
	r = vp_read_once_at(dirfd, name, buf, sizeof(buf) - 1, &len);
	if (r < 0)
		return r;
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

bool vp_regular_at(int dirfd, const char *name)
{
	struct stat st;

	return one_component(name) &&
	       fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int vp_readlinkf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;
	char *slash;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = build_rel(loc, fmt, ap, &rel);
	va_end(ap);
	if (r < 0)
		return r;
	/* The directory part is walked; the last component is the link, read there. */
	slash = strrchr(rel, '/');
	base = slash ? slash + 1 : rel;
	dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
	if (!dir)
		return -ENOMEM;
	r = walk(ctx, dir, O_PATH | O_DIRECTORY, &dfd, NULL, NULL, NULL);
	if (r < 0)
		return r;
	return vp_readlink_at(dfd, base, out);
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
	_cleanup_free_ char *msg = NULL;
	size_t n;

	if (ctx->verbose < 2 || vasprintf(&msg, format, args) < 0)
		return;
	/* libkmod ends its messages with a newline; the log function adds one. */
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	vp_log(ctx, VP_LOG_DEBUG, "libkmod: %s", msg);
}

/*
 * libkmod opens the paths it is given by name (libkmod-config.c
 * kmod_config_new, libkmod-index.c index_mm_open): the kernel follows the
 * links on the way, out of the root if one leads there, and a FIFO blocks
 * the open. So it gets only files checked with vp_open_beneath: the
 * modprobe.d files one by one (libkmod takes a file as well as a
 * directory, and sorts and dedups by base name either way), picked as
 * libkmod picks them (conf_files_filter_out: no dot files, *.conf and
 * *.alias, no directories; for equal names the first directory wins),
 * and a modules directory whose index files are regular files below the
 * root. A file that fails is named and left out.
 */
static bool kmod_conf_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len >= 6 &&
	       (streq(n + len - 5, ".conf") || streq(n + len - 6, ".alias"));
}

static const char *beneath_why(int err)
{
	switch (err) {
	case -EXDEV:
		return "a link that leaves the root";
	case -EINVAL:
		return "not a regular file";
	case -ELOOP:
		return "a symlink loop";
	default:
		return strerror(-err);
	}
}

static int kmod_config_files(struct vp_ctx *ctx, struct strv *files)
{
	_cleanup_(strv_free) struct strv seen = { 0 };
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(modprobe_dirs); i++) {
		_cleanup_free_ char *canon = NULL;
		_cleanup_closedir_ DIR *dir = NULL;
		struct dirent *e;

		if (vp_resolve(ctx, VP_ROOT, &canon, "%s", modprobe_dirs[i]) < 0 ||
		    vp_opendirf(ctx, VP_ROOT, &dir, "%s", canon) < 0)
			continue;
		while ((e = readdir(dir))) {
			_cleanup_free_ char *rel = NULL;
			_cleanup_close_ int fd = -1;
			struct stat st;

			if (!kmod_conf_name(e->d_name) || strv_contains(&seen, e->d_name))
				continue;
			rel = canon[0] ? xasprintf("%s/%s", canon, e->d_name)
				       : strdup(e->d_name);
			if (!rel || strv_add(&seen, e->d_name) < 0)
				return -ENOMEM;
			fd = vp_open_beneath(ctx, rel, O_RDONLY);
			if (fd == -ENOENT)
				continue; /* dangling: libkmod skips it too */
			if (fd < 0) {
				vp_log_warn(ctx,
					    "/%s/%s: %s; modprobe configuration not read",
					    modprobe_dirs[i], e->d_name, beneath_why(fd));
				continue;
			}
			if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
				continue;
			r = strv_push(files,
				      streq(ctx->root, "/")
					      ? xasprintf("/%s", rel)
					      : xasprintf("%s/%s", ctx->root, rel));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* libkmod's index files (libkmod.c index_files) and what it reads beside them. */
static const char *const kmod_index_files[] = {
	"modules.dep.bin",	     "modules.alias.bin",   "modules.symbols.bin",
	"modules.builtin.alias.bin", "modules.builtin.bin", "modules.builtin.modinfo",
	"modules.softdep",
};

int vp_ctx_kmod(struct vp_ctx *ctx, struct kmod_ctx **out)
{
	_cleanup_(strv_free) struct strv files = { 0 };
	_cleanup_free_ char *canon = NULL, *dirname = NULL;
	const char *kver;
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
	r = vp_resolve(ctx, VP_MODULES, &canon, "%s", kver);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < ARRAY_SIZE(kmod_index_files); i++) {
		_cleanup_free_ char *rel = xasprintf("%s/%s", canon, kmod_index_files[i]);
		int fd;

		if (!rel) {
			r = -ENOMEM;
			goto fail;
		}
		fd = vp_open_beneath(ctx, rel, O_RDONLY);
		if (fd >= 0) {
			close(fd);
		} else if (fd != -ENOENT) {
			vp_log_warn(ctx, "/%s: %s; the module index is not read", rel,
				    beneath_why(fd));
			r = fd;
			goto fail;
		}
	}
	r = vp_host_pathf(ctx, VP_ROOT, &dirname, "%s", canon);
	if (r < 0)
		goto fail;
	r = kmod_config_files(ctx, &files);
	if (r < 0)
		goto fail;
	/*
	 * kmod_new() also merges the literal /proc/cmdline of this machine
	 * (libkmod-config.c kmod_config_parse_kcmdline); only alias and
	 * module lookups are taken from it, never options or blacklists.
	 */
	{
		static const char *const none[] = { NULL };

		ctx->kmod =
			kmod_new(dirname, files.n ? (const char *const *)files.v : none);
	}
	if (!ctx->kmod) {
		r = -ENOMEM;
		goto fail;
	}
	kmod_set_log_fn(ctx->kmod, kmod_log_quiet, ctx);
	*out = ctx->kmod;
	return 0;
fail:
	ctx->kmod_err = r;
	return r;
}

int vp_read_fd_whole(int fd, size_t max, char **data, size_t *len, struct stat *s)
{
	_cleanup_free_ char *buf = NULL;
	size_t got = 0;

	if (fstat(fd, s) < 0)
		return -errno;
	if (!S_ISREG(s->st_mode))
		return -EINVAL;
	if ((unsigned long long)s->st_size > max)
		return -EFBIG;
	buf = malloc((size_t)s->st_size + 1);
	if (!buf)
		return -ENOMEM;
	/* A file that shrinks meanwhile ends early; one that grows is cut at the size
	 * seen. */
	while (got < (size_t)s->st_size) {
		ssize_t n = read(fd, buf + got, (size_t)s->st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = TAKE_PTR(buf);
	*len = got;
	return 0;
}

int vp_file_read(struct vp_ctx *ctx, enum vp_loc loc, const char *sub, char **data,
		 size_t *len, struct vp_file_state *st)
{
	_cleanup_close_ int fd = -1;
	struct stat s;
	int r;

	*data = NULL;
	*len = 0;
	st->exists = false;
	fd = vp_openf(ctx, loc, O_RDONLY, "%s", sub);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = vp_read_fd_whole(fd, VP_MAX_READ_FILE, data, len, &s);
	if (r < 0)
		return r;
	st->exists = true;
	st->mode = s.st_mode & 07777;
	st->uid = s.st_uid;
	st->gid = s.st_gid;
	return 0;
}
