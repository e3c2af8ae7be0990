// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "util.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
	abort();
}

char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void fuzz_parts(const uint8_t *data, size_t size, char **parts, size_t max)
{
	size_t at = 0;

	for (size_t i = 0; i < max; i++) {
		const uint8_t *nul =
			at < size ? memchr(data + at, '\0', size - at) : NULL;
		size_t end = i + 1 == max || !nul ? size : (size_t)(nul - data);

		if (at > size)
			at = size;
		parts[i] = fuzz_str(data + at, end > at ? end - at : 0);
		at = end + 1;
	}
}

void fuzz_parts_free(char **parts, size_t max)
{
	for (size_t i = 0; i < max; i++)
		free(parts[i]);
}

static char root[64];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void remove_root(void)
{
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_root(void)
{
	if (!root[0]) {
		const char *tmp = getenv("TMPDIR");
		struct stat st;

		/*
		 * Without TMPDIR, /dev/shm when it is there: harnesses that
		 * rebuild a tree per input spend most of their time in the
		 * disk filesystem's creates and unlinks otherwise.
		 */
		if (!tmp || strlen(tmp) >= 40)
			tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
					      access("/dev/shm", W_OK) == 0
				      ? "/dev/shm"
				      : "/tmp";
		snprintf(root, sizeof(root), "%s/vp-fuzz-XXXXXX", tmp);
		if (!mkdtemp(root))
			abort();
		atexit(remove_root);
	}
	return root;
}

static char *mkparents(const char *rel)
{
	char *p = xasprintf("%s/%s", fuzz_root(), rel);

	if (!p)
		abort();
	for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			abort();
		*s = '/';
	}
	return p;
}

void fuzz_put(const char *rel, const void *data, size_t len)
{
	_cleanup_free_ char *p = mkparents(rel);
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

void fuzz_put_str(const char *rel, const char *s)
{
	fuzz_put(rel, s, strlen(s));
}

void fuzz_rm(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", fuzz_root(), rel);

	if (p)
		unlink(p);
}

void fuzz_link(const char *rel, const char *target)
{
	_cleanup_free_ char *p = mkparents(rel);

	unlink(p);
	if (symlink(target, p) < 0)
		abort();
}
