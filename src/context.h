/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The context: the one place that knows where a host's files are.
 *
 * Every reader and writer takes a struct vp_ctx and names host files as a
 * location (enum vp_loc) plus a path below it. The context confines every
 * lookup to --root: symlinks are resolved one component at a time inside the
 * root, so an absolute link or a ".." in a captured tree can never reach the
 * machine vfio-pilot runs on (rule 3 of the brief).
 */
#pragma once

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct pci_access;
struct kmod_ctx;

/*
 * How library code reports, in the manner of libkmod's kmod_set_log_fn():
 * a function below the command layer never prints an error or a warning,
 * it hands the message to the log function the context holds, and the tool
 * decides where it goes (vp_open_ctx installs vp_log_stderr). @fmt has no
 * trailing newline. Priorities are syslog(3)'s numbers, as libkmod's.
 */
enum vp_log_priority {
	VP_LOG_ERR = 3,
	VP_LOG_WARNING = 4,
	VP_LOG_DEBUG = 7,
};
typedef void (*vp_log_fn)(void *data, int priority, const char *fmt, va_list args)
	__attribute__((format(printf, 3, 0)));

enum vp_output {
	VP_OUT_TEXT,
	VP_OUT_JSON,
};

/* The host locations vfio-pilot reads. Only context.c maps them to paths. */
enum vp_loc {
	VP_ROOT, /* the root itself */
	VP_SYS,
	VP_PROC,
	VP_ETC,
	VP_DEV,
	VP_MODULES, /* the kernel's modules directory (lib/modules) */
	VP_USR_SHARE,
	VP_VAR_LIB,
	VP_VAR_LOG,
	VP_BOOT,
};

struct vp_ctx {
	char *root;	    /* canonical absolute path of --root */
	int rootfd;	    /* O_PATH directory descriptor of root */
	bool no_openat2;    /* the kernel (or seccomp) refused openat2 once */
	enum vp_output out; /* text or JSON */
	int verbose;	    /* -v count */
	char *ids_file;	    /* --ids, or NULL for the system pci.ids */
	FILE *fout;	    /* where reports go (stdout) */
	/*
	 * Where a command's progress goes when fout holds JSON (stderr): apply's
	 * "running: ..." lines, a saved plan that no longer matches. Output, not
	 * errors: those go to log_fn.
	 */
	FILE *fdiag;
	/* Library errors and warnings; NULL drops them (vp_ctx_set_log_fn). */
	vp_log_fn log_fn;
	void *log_data;

	/* Opened on first use and released by vp_ctx_free(). */
	struct pci_access *pacc;
	struct kmod_ctx *kmod;
	int kmod_err; /* 0, or -errno from the first failed kmod_new() */
	char *kver;
	/*
	 * Set before vp_host_load() by commands that need BARs, reset, power,
	 * link and SR-IOV (details), or pci.ids names, of a few functions only:
	 * vp_dev_details() and vp_dev_names() read them (host/pci.c).
	 */
	bool dev_details_lazy;
	bool dev_names_lazy;
};

/* Exit codes, documented in --help and docs/cli.md. */
enum vp_exit {
	VP_EXIT_OK = 0,
	VP_EXIT_WARN = 1,	    /* ran; the verdict has warnings */
	VP_EXIT_FAIL = 2,	    /* ran; the verdict is "not ready" */
	VP_EXIT_NO_IOMMU = 3,	    /* ran; the host has no IOMMU groups */
	VP_EXIT_REBOOT_PENDING = 4, /* ran; doctor: applied, changes wait for a reboot */
	VP_EXIT_USAGE = 64,	    /* bad command line or argument (sysexits EX_USAGE) */
	VP_EXIT_DATA = 65,	    /* host data could not be parsed with certainty */
	VP_EXIT_NOINPUT = 66,	    /* root, device or file not found */
	VP_EXIT_SOFTWARE = 70,
	VP_EXIT_IO = 74, /* an I/O error while reading or writing */
	VP_EXIT_TEMPFAIL =
		75,	     /* a file changed between plan and apply; nothing written */
	VP_EXIT_NOPERM = 77, /* the command needs root */
};

int vp_ctx_new(const char *root, struct vp_ctx **out);
void vp_ctx_free(struct vp_ctx *ctx);
static inline void vp_ctx_freep(struct vp_ctx **c)
{
	vp_ctx_free(*c);
}

/* Map a negative errno from a reader to an exit code. */
int vp_exit_code(int err);

/*
 * Path access, all confined to the root. @fmt names a path below @loc; it
 * must not be absolute. Each returns 0 or -errno. Opens walk the path one
 * component at a time from descriptors (no check-then-use gap, context.c
 * walk()); an open of a file's contents refuses FIFOs, sockets and devices
 * with -EINVAL (opened O_NONBLOCK, then fstat). vp_openf never creates.
 */
int vp_resolve(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * vp_resolve of a root-relative path that also calls @on_link(data, at,
 * target) for every symlink met, @at being the link's own path below the
 * root (snapshot records them). A negative return stops the walk.
 */
int vp_resolve_walk(struct vp_ctx *ctx, const char *rel, char **out,
		    int (*on_link)(void *data, const char *at, const char *target),
		    void *data);
int vp_openf(struct vp_ctx *ctx, enum vp_loc loc, int flags, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int vp_opendirf(struct vp_ctx *ctx, enum vp_loc loc, DIR **dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool vp_existsf(struct vp_ctx *ctx, enum vp_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A whole small text file, trailing white space removed. */
int vp_read_strf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Up to @max bytes of a file; *len gets how many were read. */
int vp_read_bytesf(struct vp_ctx *ctx, enum vp_loc loc, void *buf, size_t max,
		   size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The target of a symlink, as stored (not resolved). */
int vp_readlinkf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Open @rel, a canonical path below the root as vp_resolve returned it. The
 * kernel then refuses any symlink on the way (openat2 RESOLVE_NO_SYMLINKS |
 * RESOLVE_BENEATH, Linux 5.6); without openat2 each component is opened
 * with O_NOFOLLOW from the one before.
 */
int vp_open_canonical(struct vp_ctx *ctx, const char *rel, int flags);
/*
 * Open @rel below the root the way a library given the path by name will
 * reach it: the kernel follows relative links, but the open fails
 * (-EXDEV) where an absolute link or a ".." would leave the root
 * (openat2 RESOLVE_BENEATH). What libpci and libkmod are handed is
 * checked with it.
 */
int vp_open_beneath(struct vp_ctx *ctx, const char *rel, int flags);

/*
 * Attributes of one directory already opened through the resolver (a PCI
 * function's sysfs directory): @name is a single path component, opened
 * with O_NOFOLLOW, so it cannot leave that directory. One lookup instead of
 * a resolution per attribute.
 */
int vp_open_at(int dirfd, const char *name, int flags);
/*
 * One read(2) of at most @size bytes (-EFBIG when it fills @buf): how
 * sysfs hands out an attribute. FIFOs cannot block it and are refused
 * unless someone feeds them; see context.c attr_open.
 */
int vp_read_once_at(int dirfd, const char *name, char *buf, size_t size, size_t *len);
int vp_read_str_at(int dirfd, const char *name, char **out);
int vp_read_bytes_at(int dirfd, const char *name, void *buf, size_t max, size_t *len);
int vp_readlink_at(int dirfd, const char *name, char **out);
bool vp_exists_at(int dirfd, const char *name);
/* A regular file, not a link, FIFO or device: what a library may open by name. */
bool vp_regular_at(int dirfd, const char *name);
/* The path a library that cannot be confined must be given (libpci, libkmod). */
int vp_host_pathf(struct vp_ctx *ctx, enum vp_loc loc, char **out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* @sub below @loc as a path relative to the root ("var/lib/x"), or NULL. */
char *vp_rel_path(enum vp_loc loc, const char *sub);
/* A root-relative path as the operator would write it on that host ("/sys/..."). */
char *vp_display_path(enum vp_loc loc, const char *sub);

/* Evidence for a finding: "<host path>: <what was read there>". */
char *vp_evidence(enum vp_loc loc, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *vp_evidencev(enum vp_loc loc, const char *sub, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * A device node named in a host file ("/dev/sda1" in /proc/mounts): the
 * part below the devtmpfs mount ("sda1"), or NULL when it is not one.
 */
const char *vp_devnode_name(const char *s);

/* Lazily opened library handles. */
int vp_ctx_kmod(struct vp_ctx *ctx, struct kmod_ctx **out);
int vp_ctx_kver(struct vp_ctx *ctx, const char **out);

/*
 * Library messages: through ctx->log_fn, never printed here. vp_dbg only
 * with -vv (ctx->verbose >= 2).
 */
void vp_ctx_set_log_fn(struct vp_ctx *ctx, vp_log_fn fn, void *data);
void vp_log(struct vp_ctx *ctx, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vp_log_err(struct vp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vp_log_warn(struct vp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vp_dbg(struct vp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The tool's printer: one line on stderr, "vfio-pilot: " then "warning: " or
 * "debug: " by priority. Installed by the command layer (cmd/common.c
 * vp_open_ctx); @data is unused.
 */
void vp_log_stderr(void *data, int priority, const char *fmt, va_list args)
	__attribute__((format(printf, 3, 0)));
/*
 * The command layer's own messages (cmd/, main.c), printed as vp_log_stderr
 * prints: tests/check_layers.sh keeps them out of every library directory.
 */
void vp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A file's mode and owner as read, for a writer that must keep them (plan/atomic.c). */
struct vp_file_state {
	bool exists;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* The largest file vp_file_read reads; bigger ones are -EFBIG, never read whole. */
#define VP_MAX_READ_FILE (16 * 1024 * 1024)

struct stat;
/*
 * Read the whole regular file open at @fd (NUL-terminated), at most @max
 * bytes: -EINVAL for anything but a regular file, -EFBIG when larger.
 */
int vp_read_fd_whole(int fd, size_t max, char **data, size_t *len, struct stat *s);

/*
 * Read a whole regular file below the root with its state; *data is NULL
 * and st->exists false when absent.
 */
int vp_file_read(struct vp_ctx *ctx, enum vp_loc loc, const char *sub, char **data,
		 size_t *len, struct vp_file_state *st);
