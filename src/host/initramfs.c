// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Initramfs images read with libarchive (initramfs.h). libarchive, not
 * Debian's lsinitramfs as a subprocess: the modprobe.d files' contents are
 * needed, not only the names, and unmkinitramfs would unpack the whole image
 * to disk; libarchive is a maintained library with every compressor the
 * kernel accepts (gzip, xz, lz4, lzma, zstd, bzip2).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/initramfs.h"

#define MODPROBE_MAX (256 * 1024) /* bytes of one modprobe.d file */

void vp_initramfs_free(struct vp_initramfs *ir)
{
	strv_free(&ir->files);
	strv_free(&ir->modprobe);
	free(ir->main_filter);
	*ir = (struct vp_initramfs){ 0 };
}

static bool is_modprobe_conf(const char *p)
{
	const char *dir = strstr(p, "modprobe.d/");

	return dir && (dir == p || dir[-1] == '/') && !strchr(dir + 11, '/') &&
	       strlen(p) > 5 && streq(p + strlen(p) - 5, ".conf");
}

static int read_conf(struct archive *a, const char *name, struct vp_initramfs *ir)
{
	_cleanup_free_ char *buf = malloc(MODPROBE_MAX + 1);
	la_ssize_t n;
	size_t len = 0;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	while (len < MODPROBE_MAX &&
	       (n = archive_read_data(a, buf + len, MODPROBE_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (char *l = buf, *next; r == 0 && l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		strstrip_end(l);
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l && *l != '#')
			r = strv_pushf(&ir->modprobe, "%s: %s", name, l);
	}
	return r;
}

/*
 * One cpio segment from @off: its entries, and in *@used the bytes the cpio
 * reader consumed (archive_filter_bytes of the outermost filter), so the
 * next segment can be found after it.
 */
static int read_segment(int fd, off_t off, struct vp_initramfs *ir, off_t *used,
			bool *compressed)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = 0, ar;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_cpio(a);
	if (lseek(fd, off, SEEK_SET) < 0) {
		r = -errno;
		goto out;
	}
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		r = -EBADMSG;
		goto out;
	}
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);

		if (!p)
			continue;
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		while (*p == '/')
			p++;
		if (!*p || streq(p, "."))
			continue;
		r = strv_add(&ir->files, p);
		if (r == 0 && archive_entry_filetype(e) == AE_IFREG &&
		    is_modprobe_conf(p))
			r = read_conf(a, p, ir);
		if (r < 0)
			goto out;
	}
	if (ar != ARCHIVE_EOF) {
		r = -EBADMSG;
		goto out;
	}
	*compressed = archive_filter_count(a) > 1;
	if (*compressed) {
		free(ir->main_filter);
		ir->main_filter = strdup(archive_filter_name(a, 0));
	}
	*used = (off_t)archive_filter_bytes(a, 0);
	ir->nsegments++;
out:
	archive_read_free(a);
	return r;
}

int vp_initramfs_read(struct vp_ctx *ctx, const char *sub, struct vp_initramfs *ir)
{
	_cleanup_close_ int fd = vp_openf(ctx, VP_BOOT, O_RDONLY, "%s", sub);
	off_t off = 0, size;

	if (fd < 0)
		return fd;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		return -EBADMSG;
	/* Uncompressed segments first; a compressed one is always the last. */
	for (int seg = 0; seg < 16 && off < size; seg++) {
		off_t used = 0;
		bool compressed = false;
		unsigned char c;
		int r = read_segment(fd, off, ir, &used, &compressed);

		if (r < 0)
			return ir->nsegments ? 0 : r;
		if (compressed || used <= 0)
			break;
		off += used;
		/* Zero padding between segments (unmkinitramfs skips it too). */
		while (off < size && pread(fd, &c, 1, off) == 1 && c == 0)
			off++;
	}
	return ir->nsegments ? 0 : -EBADMSG;
}

static bool same_mod(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

bool vp_initramfs_has_module(const struct vp_initramfs *ir, const char *mod)
{
	size_t n = strlen(mod);

	for (size_t i = 0; i < ir->files.n; i++) {
		const char *p = ir->files.v[i], *base = strrchr(p, '/');

		base = base ? base + 1 : p;
		if (strlen(base) > n + 2 && same_mod(base, mod, n) &&
		    startswith(base + n, ".ko"))
			return true;
	}
	return false;
}

bool vp_initramfs_has_modprobe_line(const struct vp_initramfs *ir, const char *line)
{
	for (size_t i = 0; i < ir->modprobe.n; i++) {
		const char *l = strstr(ir->modprobe.v[i], ": ");

		if (l && streq(l + 2, line))
			return true;
	}
	return false;
}
