// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/atomic.h"
#include "util.h"

static ssize_t real_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return openat(dirfd, path, flags, mode);
}

const struct vp_io vp_io_real = {
	.openat = real_openat,
	.mkdirat = mkdirat,
	.write = real_write,
	.fchmod = fchmod,
	.fchown = fchown,
	.fsync = fsync,
	.renameat = renameat,
	.unlinkat = unlinkat,
	.run = vp_run_command,
};

static int split(const char *sub, char **dir, const char **base)
{
	const char *slash = strrchr(sub, '/');

	*base = slash ? slash + 1 : sub;
	*dir = slash ? strndup(sub, (size_t)(slash - sub)) : strdup("");
	if (!*dir)
		return -ENOMEM;
	if (!**base || streq(*base, ".") || streq(*base, ".."))
		return -EINVAL;
	return 0;
}

/* The directory below @loc as an O_RDONLY fd, creating missing levels. */
static int open_dir(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		    const char *dir, bool create)
{
	size_t n = strlen(dir);
	int fd;

	fd = vp_openf(ctx, loc, O_RDONLY | O_DIRECTORY, "%s", dir);
	if (fd != -ENOENT || !create)
		return fd;
	/* Each level from the top, each parent found through the resolver. */
	for (size_t i = 1; i <= n; i++) {
		_cleanup_free_ char *prefix = NULL, *parent = NULL;
		_cleanup_close_ int pfd = -1;
		const char *slash, *name;

		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		prefix = strndup(dir, i);
		if (!prefix)
			return -ENOMEM;
		slash = strrchr(prefix, '/');
		name = slash ? slash + 1 : prefix;
		parent = slash ? strndup(prefix, (size_t)(slash - prefix)) : strdup("");
		if (!parent)
			return -ENOMEM;
		pfd = vp_openf(ctx, loc, O_RDONLY | O_DIRECTORY, "%s", parent);
		if (pfd < 0)
			return pfd;
		if (io->mkdirat(pfd, name, 0755) < 0) {
			if (errno != EEXIST)
				return -errno;
			continue;
		}
		/* The new entry reaches the disk before anything is written in it. */
		if (io->fsync(pfd) < 0)
			return -errno;
	}
	return vp_openf(ctx, loc, O_RDONLY | O_DIRECTORY, "%s", dir);
}

int vp_atomic_open_dir(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		       const char *sub, bool create)
{
	_cleanup_free_ char *rel = vp_rel_path(loc, sub);

	if (!rel)
		return -EINVAL;
	return open_dir(ctx, io, VP_ROOT, rel, create);
}

static int write_all(const struct vp_io *io, int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = io->write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int vp_atomic_write(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		    const char *sub, const char *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL, *rel = vp_rel_path(loc, sub);
	_cleanup_close_ int dfd = -1, fd = -1;
	const char *base;
	struct stat old;
	bool have_old;
	int r;

	if (!rel)
		return -EINVAL;
	/* A file vfio-pilot creates is never world-writable, set-id or sticky. */
	mode &= 0775;
	/* Root-relative, so that missing levels above @loc are created too. */
	r = split(rel, &dir, &base);
	if (r < 0)
		return r;
	dfd = open_dir(ctx, io, VP_ROOT, dir, true);
	if (dfd < 0)
		return dfd;
	have_old = fstatat(dfd, base, &old, AT_SYMLINK_NOFOLLOW) == 0;
	if (have_old && !S_ISREG(old.st_mode))
		return -EINVAL; /* a symlink or special file: never replace it */
	tmp = xasprintf(".%s.vfio-pilot.%d", base, (int)getpid());
	if (!tmp)
		return -ENOMEM;
	/* 0600 until written: the final mode comes with fchmod below. */
	fd = io->openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			0600);
	if (fd < 0) {
		r = -errno;
		/* A temp file left by a killed run: remove it and try once more. */
		if (r != -EEXIST || unlinkat(dfd, tmp, 0) < 0)
			return r;
		fd = io->openat(dfd, tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				0600);
		if (fd < 0)
			return -errno;
	}
	r = write_all(io, fd, data, len);
	if (r == 0 && have_old) {
		/* Mode and owner of the original (umask must not change them). */
		if (io->fchmod(fd, old.st_mode & 07777) < 0 ||
		    (io->fchown(fd, old.st_uid, old.st_gid) < 0 && errno != EPERM))
			r = -errno;
	} else if (r == 0 && io->fchmod(fd, mode) < 0) {
		r = -errno;
	}
	if (r == 0 && io->fsync(fd) < 0)
		r = -errno;
	if (r == 0 && io->renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	/* The rename itself must reach the disk before we call the file written. */
	if (io->fsync(dfd) < 0)
		return -errno;
	return 0;
}

/*
 * The directory holding @sub below @loc, opened for an unlink of *@base
 * (which points into *@rel); -ENOENT when the directory is gone.
 */
static int open_parent(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		       const char *sub, char **rel, char **dir, const char **base)
{
	int r;

	*rel = vp_rel_path(loc, sub);
	if (!*rel)
		return -EINVAL;
	r = split(*rel, dir, base);
	if (r < 0)
		return r;
	return open_dir(ctx, io, VP_ROOT, *dir, false);
}

int vp_atomic_remove(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		     const char *sub)
{
	_cleanup_free_ char *rel = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;

	dfd = open_parent(ctx, io, loc, sub, &rel, &dir, &base);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (io->unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
		return -errno;
	return io->fsync(dfd) < 0 ? -errno : 0;
}

int vp_atomic_rmdir(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		    const char *sub)
{
	_cleanup_free_ char *rel = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;

	dfd = open_parent(ctx, io, loc, sub, &rel, &dir, &base);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (io->unlinkat(dfd, base, AT_REMOVEDIR) < 0) {
		/* Someone put a file in it since: it is theirs now, keep it. */
		if (errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST)
			return 0;
		return -errno;
	}
	return io->fsync(dfd) < 0 ? -errno : 1;
}

/*
 * ".NAME.vfio-pilot.PID" as vp_atomic_write names its temporary files:
 * the PID, or 0 when @name is not one (of @base, when given).
 */
static pid_t temp_pid(const char *name, const char *base)
{
	static const char mark[] = ".vfio-pilot.";
	const char *m, *end;
	char *e;
	long pid;

	if (name[0] != '.')
		return 0;
	end = name + strlen(name);
	/* The last mark: NAME may hold one itself. */
	for (m = NULL; (e = strstr(m ? m + 1 : name, mark));)
		m = e;
	if (!m || m == name + 1)
		return 0;
	if (base && ((size_t)(m - name - 1) != strlen(base) ||
		     strncmp(name + 1, base, strlen(base)) != 0))
		return 0;
	if (!m[sizeof(mark) - 1] || m[sizeof(mark) - 1] == '0')
		return 0;
	errno = 0;
	pid = strtol(m + sizeof(mark) - 1, &e, 10);
	if (errno || e != end || pid <= 0 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid;
}

int vp_atomic_clean_temps(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
			  const char *dirsub, const char *base)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int dfd = -1;
	struct dirent *e;
	int fd, n = 0;

	dfd = vp_atomic_open_dir(ctx, io, loc, dirsub, false);
	if (dfd < 0)
		return dfd == -ENOENT || dfd == -ENOTDIR ? 0 : dfd;
	fd = dup(dfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		pid_t pid = temp_pid(e->d_name, base);
		struct stat st;

		if (!pid || pid == getpid())
			continue;
		/*
		 * Only a temp file whose writer is gone: kill(2) with signal 0
		 * checks that the process exists. One that lives (or a reused
		 * PID) keeps its file; a wrong guess costs a stray file, never
		 * a half-written one in use.
		 */
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (io->unlinkat(dfd, e->d_name, 0) < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		n++;
	}
	if (n && io->fsync(dfd) < 0)
		return -errno;
	return n;
}
