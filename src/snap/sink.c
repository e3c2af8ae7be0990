// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a snapshot goes: a directory, or a gzip'd POSIX ustar archive (pax
 * records for names longer than ustar allows) written here with zlib. Every
 * path is written once, its parent directories first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "snap/snap.h"

struct vp_sink {
	bool tar;
	bool done;
	char *out;
	char *tmp; /* archive being written, renamed to out on close */
	int dirfd; /* directory output */
	gzFile gz; /* archive output */
	time_t mtime;
	/* Paths already written: open addressing over owned strings. */
	char **set;
	size_t setcap, nset;
	uint64_t bytes;
};

bool vp_sink_is_tar(const char *out)
{
	size_t n = strlen(out);

	return (n > 7 && streq(out + n - 7, ".tar.gz")) ||
	       (n > 4 && streq(out + n - 4, ".tgz"));
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static char **set_slot(char **set, size_t cap, const char *s)
{
	size_t i = hash_str(s) & (cap - 1);

	while (set[i] && !streq(set[i], s))
		i = (i + 1) & (cap - 1);
	return &set[i];
}

static int set_add(struct vp_sink *s, const char *rel)
{
	char **slot;

	if ((s->nset + 1) * 2 > s->setcap) {
		size_t ncap = s->setcap ? s->setcap * 2 : 1024;
		char **nset = calloc(ncap, sizeof(*nset));

		if (!nset)
			return -ENOMEM;
		for (size_t i = 0; i < s->setcap; i++)
			if (s->set[i])
				*set_slot(nset, ncap, s->set[i]) = s->set[i];
		free(s->set);
		s->set = nset;
		s->setcap = ncap;
	}
	slot = set_slot(s->set, s->setcap, rel);
	if (*slot)
		return 0;
	*slot = strdup(rel);
	if (!*slot)
		return -ENOMEM;
	s->nset++;
	return 1;
}

bool vp_sink_has(struct vp_sink *s, const char *rel)
{
	return s->setcap && *set_slot(s->set, s->setcap, rel);
}

size_t vp_sink_count(const struct vp_sink *s)
{
	return s->nset;
}

uint64_t vp_sink_bytes(const struct vp_sink *s)
{
	return s->bytes;
}

int vp_sink_open(const char *out, struct vp_sink **sinkp)
{
	_cleanup_(vp_sink_freep) struct vp_sink *s = calloc(1, sizeof(*s));
	int fd;

	if (!s)
		return -ENOMEM;
	s->dirfd = -1;
	s->done = true; /* nothing to remove until something is created */
	s->tar = vp_sink_is_tar(out);
	s->mtime = time(NULL);
	s->out = strdup(out);
	if (!s->out)
		return -ENOMEM;
	if (!s->tar) {
		if (mkdir(out, 0755) < 0 && errno != EEXIST)
			return -errno;
		s->dirfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dirfd < 0)
			return -errno;
		{
			DIR *d = fdopendir(dup(s->dirfd));
			struct dirent *e;
			bool empty = true;

			if (!d)
				return -errno;
			while ((e = readdir(d)))
				if (!streq(e->d_name, ".") && !streq(e->d_name, ".."))
					empty = false;
			closedir(d);
			if (!empty)
				return -EEXIST;
		}
		*sinkp = TAKE_PTR(s);
		return 0;
	}
	s->tmp = xasprintf("%s.tmp-%ld", out, (long)getpid());
	if (!s->tmp)
		return -ENOMEM;
	fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	s->done = false;
	s->gz = gzdopen(fd, "wb6");
	if (!s->gz) {
		close(fd);
		return -ENOMEM;
	}
	*sinkp = TAKE_PTR(s);
	return 0;
}

static void octal(char *field, size_t width, uint64_t v)
{
	/* width - 1 digits and a NUL, as ustar wants. */
	snprintf(field, width, "%0*llo", (int)(width - 1), (unsigned long long)v);
}

int vp_ustar_header(char *hdr, const char *name, const char *linkname, char type,
		    mode_t mode, uint64_t size, time_t mtime)
{
	size_t n = strlen(name);
	unsigned int sum = 0;
	const char *base = name;

	memset(hdr, 0, 512);
	if (n <= 100) {
		memcpy(hdr, name, n);
	} else {
		/* prefix (155) '/' name (100), split at a slash. */
		const char *cut = NULL;

		for (const char *p = name; *p; p++)
			if (*p == '/' && (size_t)(p - name) <= 155 &&
			    n - (size_t)(p - name) - 1 <= 100 && p != name)
				cut = p;
		if (!cut)
			return -ENAMETOOLONG;
		memcpy(hdr + 345, name, (size_t)(cut - name));
		base = cut + 1;
		memcpy(hdr, base, strlen(base));
	}
	if (linkname) {
		if (strlen(linkname) > 100)
			return -ENAMETOOLONG;
		memcpy(hdr + 157, linkname, strlen(linkname));
	}
	octal(hdr + 100, 8, mode & 07777);
	octal(hdr + 108, 8, 0);
	octal(hdr + 116, 8, 0);
	octal(hdr + 124, 12, size);
	octal(hdr + 136, 12, (uint64_t)mtime);
	hdr[156] = type;
	memcpy(hdr + 257, "ustar", 6);
	memcpy(hdr + 263, "00", 2);
	memcpy(hdr + 265, "root", 4);
	memcpy(hdr + 297, "root", 4);
	memset(hdr + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)hdr[i];
	snprintf(hdr + 148, 7, "%06o", sum);
	hdr[155] = ' ';
	return 0;
}

static int gz_put(struct vp_sink *s, const void *data, size_t len)
{
	while (len) {
		unsigned int chunk = len > (1u << 30) ? (1u << 30) : (unsigned int)len;
		int n = gzwrite(s->gz, data, chunk);

		if (n <= 0)
			return -EIO;
		data = (const char *)data + n;
		len -= (size_t)n;
	}
	return 0;
}

static int gz_pad(struct vp_sink *s, uint64_t size)
{
	static const char zero[512];
	size_t pad = (size_t)((512 - size % 512) % 512);

	return pad ? gz_put(s, zero, pad) : 0;
}

/* A pax record "LEN key=value\n", LEN counting itself. */
static char *pax_record(const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3; /* ' ' '=' '\n' */
	size_t len = body + 1;

	while (snprintf(NULL, 0, "%zu", len) + body != len)
		len++;
	return xasprintf("%zu %s=%s\n", len, key, value);
}

static int tar_entry(struct vp_sink *s, const char *rel, const char *link, char type,
		     mode_t mode, const void *data, uint64_t size)
{
	char hdr[512];
	int r;

	r = vp_ustar_header(hdr, rel, link, type, mode, size, s->mtime);
	if (r == -ENAMETOOLONG) {
		_cleanup_free_ char *p1 = pax_record("path", rel);
		_cleanup_free_ char *p2 =
			link ? pax_record("linkpath", link) : strdup("");
		_cleanup_free_ char *all = p1 && p2 ? xasprintf("%s%s", p1, p2) : NULL;
		char short_name[100];

		if (!all)
			return -ENOMEM;
		snprintf(short_name, sizeof(short_name), "PaxHeader/%.80s",
			 strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel);
		r = vp_ustar_header(hdr, short_name, NULL, 'x', 0644, strlen(all),
				    s->mtime);
		if (r == 0)
			r = gz_put(s, hdr, 512);
		if (r == 0)
			r = gz_put(s, all, strlen(all));
		if (r == 0)
			r = gz_pad(s, strlen(all));
		if (r < 0)
			return r;
		snprintf(short_name, sizeof(short_name), "%.99s",
			 strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel);
		r = vp_ustar_header(hdr, short_name,
				    link && strlen(link) <= 100 ? link : "", type, mode,
				    size, s->mtime);
	}
	if (r < 0)
		return r;
	r = gz_put(s, hdr, 512);
	if (r == 0 && size) {
		r = gz_put(s, data, (size_t)size);
		if (r == 0)
			r = gz_pad(s, size);
	}
	return r;
}

/* Write the parent directories of @rel that are not written yet. */
static int ensure_parents(struct vp_sink *s, const char *rel)
{
	_cleanup_free_ char *p = strdup(rel);

	if (!p)
		return -ENOMEM;
	for (char *q = strchr(p, '/'); q; q = strchr(q + 1, '/')) {
		int r;

		*q = '\0';
		if (!vp_sink_has(s, p)) {
			r = vp_sink_dir(s, p, 0755);
			if (r < 0)
				return r;
		}
		*q = '/';
	}
	return 0;
}

static int check_rel(const char *rel)
{
	/* Never anything absolute or climbing out of the output. */
	if (!rel[0] || rel[0] == '/' || streq(rel, "..") || startswith(rel, "../") ||
	    strstr(rel, "/../") ||
	    (strlen(rel) >= 3 && streq(rel + strlen(rel) - 3, "/..")))
		return -EINVAL;
	return 0;
}

int vp_sink_dir(struct vp_sink *s, const char *rel, mode_t mode)
{
	int r = check_rel(rel);

	if (r < 0 || vp_sink_has(s, rel))
		return r;
	r = ensure_parents(s, rel);
	if (r < 0)
		return r;
	r = set_add(s, rel);
	if (r < 0)
		return r;
	if (s->tar) {
		_cleanup_free_ char *d = xasprintf("%s/", rel);

		return d ? tar_entry(s, d, NULL, '5', mode, NULL, 0) : -ENOMEM;
	}
	if (mkdirat(s->dirfd, rel, mode | 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vp_sink_file(struct vp_sink *s, const char *rel, const void *data, size_t len,
		 mode_t mode)
{
	_cleanup_close_ int fd = -1;
	int r = check_rel(rel);

	if (r < 0 || vp_sink_has(s, rel))
		return r;
	r = ensure_parents(s, rel);
	if (r < 0)
		return r;
	r = set_add(s, rel);
	if (r < 0)
		return r;
	s->bytes += len;
	if (s->tar)
		return tar_entry(s, rel, NULL, '0', mode, data, len);
	fd = openat(s->dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    (mode & 0777) | 0600);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	/* Keep the host's mode (0200 reset, 0400 ACPI tables) once written. */
	if (fchmod(fd, mode & 0777) < 0)
		return -errno;
	return 0;
}

int vp_sink_link(struct vp_sink *s, const char *rel, const char *target)
{
	int r = check_rel(rel);

	if (r < 0 || vp_sink_has(s, rel))
		return r;
	if (!target[0] || target[0] == '/')
		return -EINVAL;
	r = ensure_parents(s, rel);
	if (r < 0)
		return r;
	r = set_add(s, rel);
	if (r < 0)
		return r;
	if (s->tar)
		return tar_entry(s, rel, target, '2', 0777, NULL, 0);
	if (symlinkat(target, s->dirfd, rel) < 0)
		return -errno;
	return 0;
}

int vp_sink_close(struct vp_sink *s)
{
	static const char zero[1024];
	int r, fd;

	if (!s->tar) {
		s->done = true;
		return fsync(s->dirfd) < 0 ? -errno : 0;
	}
	r = gz_put(s, zero, sizeof(zero));
	if (gzclose(s->gz) != Z_OK && r == 0)
		r = -EIO;
	s->gz = NULL;
	if (r == 0) {
		fd = open(s->tmp, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (fsync(fd) < 0)
				r = -errno;
			close(fd);
		}
	}
	if (r == 0 && rename(s->tmp, s->out) < 0)
		r = -errno;
	if (r == 0)
		s->done = true;
	return r;
}

void vp_sink_free(struct vp_sink *s)
{
	if (!s)
		return;
	if (s->gz)
		gzclose(s->gz);
	if (s->tar && !s->done && s->tmp)
		unlink(s->tmp);
	if (s->dirfd >= 0)
		close(s->dirfd);
	for (size_t i = 0; i < s->setcap; i++)
		free(s->set[i]);
	free(s->set);
	free(s->tmp);
	free(s->out);
	free(s);
}
