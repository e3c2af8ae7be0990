/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots: what vfio-pilot reads from a host, captured as a tree that
 * --root reads directly (docs/snapshot.md).
 *
 * A sink receives paths relative to the snapshot's top (directories,
 * regular files and relative symlinks) and writes them either as a
 * directory or as a gzip'd ustar archive (our own writer plus zlib).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"
#include "util.h"

struct vp_sink;

/* @out ending in ".tar.gz" or ".tgz" gives an archive, anything else a directory. */
bool vp_sink_is_tar(const char *out);
int vp_sink_open(const char *out, struct vp_sink **sink);
int vp_sink_dir(struct vp_sink *s, const char *rel, mode_t mode);
int vp_sink_file(struct vp_sink *s, const char *rel, const void *data, size_t len,
		 mode_t mode);
int vp_sink_link(struct vp_sink *s, const char *rel, const char *target);
/* Whether @rel was already written (each path is written once). */
bool vp_sink_has(struct vp_sink *s, const char *rel);
size_t vp_sink_count(const struct vp_sink *s);
uint64_t vp_sink_bytes(const struct vp_sink *s);
/* Finish the archive (end blocks, gzip trailer, rename into place). */
int vp_sink_close(struct vp_sink *s);
/* Free; an unfinished archive or directory is removed. */
void vp_sink_free(struct vp_sink *s);
static inline void vp_sink_freep(struct vp_sink **s)
{
	vp_sink_free(*s);
}

/* One ustar header (512 bytes, plus a pax header before it when names are long). */
int vp_ustar_header(char *hdr, const char *name, const char *linkname, char type,
		    mode_t mode, uint64_t size, time_t mtime);

/* ---- sanitization ---- */

struct vp_sanitizer;

int vp_san_new(bool enabled, struct vp_sanitizer **out);
void vp_san_free(struct vp_sanitizer *s);
static inline void vp_san_freep(struct vp_sanitizer **s)
{
	vp_san_free(*s);
}
bool vp_san_enabled(const struct vp_sanitizer *s);
/* Names known in advance: the host name and user names are only found by name. */
int vp_san_add_hostname(struct vp_sanitizer *s, const char *name);
int vp_san_add_user(struct vp_sanitizer *s, const char *name);
/* Learn user names from an /etc/group or /etc/passwd text (ids 1000-59999). */
void vp_san_learn_users(struct vp_sanitizer *s, const char *text, bool passwd);
/* A sanitized copy of @len bytes of text (always NUL-terminated); NULL on ENOMEM. */
char *vp_san_text(struct vp_sanitizer *s, const char *text, size_t len, size_t *outlen);
/* proc/net/route and ipv6_route: hex address columns. */
char *vp_san_route(struct vp_sanitizer *s, const char *text, bool v6, size_t *outlen);
/* A path component that is the host name (etc/pve/nodes/HOST). */
const char *vp_san_component(struct vp_sanitizer *s, const char *comp);
/* "host name 1, MAC addresses 3, ..." for the MANIFEST. */
char *vp_san_summary(const struct vp_sanitizer *s);

/* ---- capture ---- */

struct vp_snap_opts {
	bool sanitize;
	FILE *progress; /* where a progress line goes (the tool gives stderr), or NULL */
};

int vp_snapshot(struct vp_ctx *ctx, struct vp_sink *sink, const struct vp_snap_opts *o);
