// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The context keeps every lookup inside --root: absolute links restart at
 * the root and ".." stops there, as if the root were "/".
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "context.h"
#include "util.h"

struct fx {
	char dir[64];
	struct vp_ctx *ctx;
};

static void put(const char *dir, const char *rel, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mkd(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);

	assert_int_equal(mkdir(p, 0755), 0);
}

static void lnk(const char *dir, const char *rel, const char *target)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);

	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vp-ctx-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	mkd(f->dir, "root");
	mkd(f->dir, "root/sys");
	mkd(f->dir, "root/sys/devices");
	mkd(f->dir, "root/sys/class");
	mkd(f->dir, "root/proc");
	mkd(f->dir, "root/etc");
	put(f->dir, "outside", "secret\n");
	put(f->dir, "root/etc/hostname", "pve\n");
	put(f->dir, "root/sys/devices/value", "0x10de\n");
	lnk(f->dir, "root/sys/class/rel", "../devices/value");
	lnk(f->dir, "root/sys/class/abs", "/etc/hostname");
	lnk(f->dir, "root/sys/class/escape", "../../../outside");
	lnk(f->dir, "root/sys/class/absescape", "/../outside");
	lnk(f->dir, "root/sys/class/loop", "loop");
	lnk(f->dir, "root/sys/class/dirlink", "../devices");
	{
		_cleanup_free_ char *root = xasprintf("%s/root", f->dir);

		if (vp_ctx_new(root, &f->ctx) < 0)
			return -1;
	}
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int r;

	vp_ctx_free(f->ctx);
	r = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return r;
}

static void reads_below_root(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL;

	assert_int_equal(vp_read_strf(f->ctx, VP_ETC, &s, "hostname"), 0);
	assert_string_equal(s, "pve"); /* trailing newline stripped */
}

static void relative_link(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL, *res = NULL;

	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &s, "class/rel"), 0);
	assert_string_equal(s, "0x10de");
	assert_int_equal(vp_resolve(f->ctx, VP_SYS, &res, "class/dirlink/value"), 0);
	assert_string_equal(res, "sys/devices/value");
}

static void absolute_link_stays_in_root(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL;

	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &s, "class/abs"), 0);
	assert_string_equal(s, "pve");
}

static void dotdot_cannot_escape(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL, *t = NULL, *u = NULL;

	/* ../../../outside from sys/class lands on <root>/outside, which does not exist.
	 */
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &s, "class/escape"), -ENOENT);
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &t, "class/absescape"), -ENOENT);
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &u, "../../outside"), -ENOENT);
}

static void rejects_absolute_subpath(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL;

	assert_int_equal(vp_read_strf(f->ctx, VP_ETC, &s, "/etc/hostname"), -EINVAL);
}

static void link_loop(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL;

	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &s, "class/loop"), -ELOOP);
}

static void readlink_raw(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *s = NULL;

	assert_int_equal(vp_readlinkf(f->ctx, VP_SYS, &s, "class/escape"), 0);
	assert_string_equal(s, "../../../outside");
	assert_true(vp_existsf(f->ctx, VP_SYS, "class/rel"));
	assert_false(vp_existsf(f->ctx, VP_SYS, "class/nothing"));
}

static void bytes_and_binary(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/root/sys/devices/config", f->dir);
	_cleanup_free_ char *s = NULL;
	unsigned char buf[4096], data[64] = { 0x86, 0x80 };
	size_t len = 0;
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, sizeof(data)), (int)sizeof(data));
	close(fd);
	assert_int_equal(
		vp_read_bytesf(f->ctx, VP_SYS, buf, sizeof(buf), &len, "devices/config"),
		0);
	assert_int_equal(len, 64);
	/* A text read of a binary file is refused, not silently cut at the NUL. */
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &s, "devices/config"), -EBADMSG);
}

static void host_paths(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *p = NULL, *expect = xasprintf("%s/root/sys/bus/pci", f->dir);
	_cleanup_free_ char *shown = vp_display_path(VP_SYS, "bus/pci/devices");

	assert_int_equal(vp_host_pathf(f->ctx, VP_SYS, &p, "bus/pci"), 0);
	assert_string_equal(p, expect);
	assert_string_equal(shown, "/sys/bus/pci/devices");
	assert_string_equal(vp_devnode_name("/dev/mapper/pve-root"), "mapper/pve-root");
	assert_null(vp_devnode_name("rpool/ROOT/pve-1"));
	assert_null(vp_devnode_name("/dev/"));
}

static void bad_root(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *file = xasprintf("%s/outside", f->dir);
	struct vp_ctx *ctx = NULL;

	assert_int_equal(vp_ctx_new("/nonexistent/vfio-pilot-root", &ctx), -ENOENT);
	assert_int_equal(vp_ctx_new(file, &ctx), -ENOTDIR);
	assert_int_equal(vp_exit_code(-ENOENT), VP_EXIT_NOINPUT);
	assert_int_equal(vp_exit_code(-EBADMSG), VP_EXIT_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_below_root),
		cmocka_unit_test(relative_link),
		cmocka_unit_test(absolute_link_stays_in_root),
		cmocka_unit_test(dotdot_cannot_escape),
		cmocka_unit_test(rejects_absolute_subpath),
		cmocka_unit_test(link_loop),
		cmocka_unit_test(readlink_raw),
		cmocka_unit_test(bytes_and_binary),
		cmocka_unit_test(host_paths),
		cmocka_unit_test(bad_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
