/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a host file so that it is always either the old or the new
 * version: a temporary file in the same directory, written and fsync'ed,
 * given the original's mode and owner, renamed over the original, and the
 * directory fsync'ed (rename(2) is atomic within one filesystem).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "context.h"

/*
 * The system calls the writer uses. Tests replace them to fail the Nth
 * call and prove that no file is ever torn or missing
 * (tests/unit/test-faults.c drives every command's apply through them).
 */
struct vp_io {
	int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
	int (*mkdirat)(int dirfd, const char *path, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fchmod)(int fd, mode_t mode);
	int (*fchown)(int fd, uid_t uid, gid_t gid);
	int (*fsync)(int fd);
	int (*renameat)(int olddirfd, const char *oldpath, int newdirfd,
			const char *newpath);
	int (*unlinkat)(int dirfd, const char *path, int flags);
	/*
	 * Runs a planned command; 0 when it exited 0. vp_io_real's is
	 * vp_run_command, used only when the root is "/"; another runner
	 * (a test's) is used under any root. NULL: commands are never run
	 * and stay pending in the undo journal.
	 */
	int (*run)(char *const *argv, FILE *log);
};
extern const struct vp_io vp_io_real;

/* struct vp_file_state and vp_file_read (what a plan compares) are in context.h. */

/*
 * Replace (or create) @sub below @loc with @data. A new file gets @mode and
 * root ownership; an existing one keeps its mode and owner. Parent
 * directories are created (0755) when missing. A symlink at @sub is refused.
 */
int vp_atomic_write(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		    const char *sub, const char *data, size_t len, mode_t mode);
/* Remove @sub (used by undo for files an apply created). */
int vp_atomic_remove(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		     const char *sub);

/* Remove the empty directory @sub; 1 removed, 0 absent or not empty. */
int vp_atomic_rmdir(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		    const char *sub);
/*
 * The directory @sub below @loc as an O_RDONLY fd, its missing levels
 * created (0755, each parent fsync'ed) with @create.
 */
int vp_atomic_open_dir(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
		       const char *sub, bool create);
/*
 * Remove the temporary files ".BASE.vfio-pilot.PID" (any BASE when @base is
 * NULL) that a killed vp_atomic_write left in @dirsub: regular files only,
 * only when process PID no longer exists. Returns how many were removed.
 */
int vp_atomic_clean_temps(struct vp_ctx *ctx, const struct vp_io *io, enum vp_loc loc,
			  const char *dirsub, const char *base);
/* Run @argv without a shell, in a fixed environment; 0 when it exited 0. */
int vp_run_command(char *const *argv, FILE *log);
