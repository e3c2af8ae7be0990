/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside an initramfs image: the file list and the modprobe.d files, read
 * with libarchive. An image built by initramfs-tools is a concatenation of
 * uncompressed cpio archives (early microcode, prepended by
 * hook-functions' prepend_earlyinitramfs) and a last, compressed one, the
 * layout unmkinitramfs splits (initramfs-tools' unmkinitramfs.sh); the
 * kernel unpacks them in turn (init/initramfs.c unpack_to_rootfs).
 */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "util.h"

struct vp_initramfs {
	struct strv files;    /* paths inside, without a leading "./" or "/" */
	struct strv modprobe; /* "path: line" of etc/ and lib/modprobe.d files */
	size_t nsegments;
	char *main_filter; /* compression of the last segment ("zstd", "gzip") */
};

/* 0, -ENOENT when the image is missing, -EBADMSG when libarchive cannot read it. */
int vp_initramfs_read(struct vp_ctx *ctx, const char *sub, struct vp_initramfs *ir);
void vp_initramfs_free(struct vp_initramfs *ir);
/* A module file for @mod (".ko", ".ko.xz", ".ko.zst", '-' and '_' as one). */
bool vp_initramfs_has_module(const struct vp_initramfs *ir, const char *mod);
/* Does a modprobe.d file inside hold @line exactly? */
bool vp_initramfs_has_modprobe_line(const struct vp_initramfs *ir, const char *line);
