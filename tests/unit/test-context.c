// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The context keeps every lookup inside --root: absolute links restart at
 * the root and ".." stops there, as if the root were "/".
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "context.h"
#include "host/host.h"
#include "host/tasks.h"
#include "plan/atomic.h"
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
	/* exit 75 is "try again" (main.c), as a held lock or a retry asks */
	assert_int_equal(vp_exit_code(-EAGAIN), VP_EXIT_TEMPFAIL);
}

static void physical_dotdot_after_link(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *res = NULL, *s = NULL;

	/*
	 * class/dirlink is ../devices: its ".." is sys, not class (the kernel's
	 * physical parent), so "class/dirlink/../devices/value" is sys/devices/value.
	 */
	assert_int_equal(
		vp_resolve(f->ctx, VP_SYS, &res, "class/dirlink/../devices/value"), 0);
	assert_string_equal(res, "sys/devices/value");
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &s, "class/dirlink/../class/rel"),
			 0);
	assert_string_equal(s, "0x10de");
}

static void fifo_and_devices_refused(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *fifo = xasprintf("%s/root/etc/modules", f->dir);
	_cleanup_free_ char *s = NULL, *t = NULL;
	_cleanup_close_ int dfd = -1;
	char buf[16];
	size_t len;

	/* A FIFO nobody writes to: a blocking open would never return. */
	alarm(20);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	lnk(f->dir, "root/etc/fifolink", "modules");
	assert_int_equal(vp_read_strf(f->ctx, VP_ETC, &s, "modules"), -EINVAL);
	assert_int_equal(vp_read_strf(f->ctx, VP_ETC, &t, "fifolink"), -EINVAL);
	assert_int_equal(vp_openf(f->ctx, VP_ETC, O_RDONLY, "modules"), -EINVAL);
	assert_int_equal(vp_openf(f->ctx, VP_ETC, O_WRONLY, "modules"), -ENXIO);
	dfd = vp_openf(f->ctx, VP_ETC, O_PATH | O_DIRECTORY, ".");
	assert_true(dfd >= 0);
	assert_int_equal(vp_read_bytes_at(dfd, "modules", buf, sizeof(buf), &len),
			 -EINVAL);
	assert_false(vp_regular_at(dfd, "modules"));
	assert_true(vp_regular_at(dfd, "hostname"));
	/* A device node (here the null device, made when allowed): never read. */
	{
		_cleanup_free_ char *node = xasprintf("%s/root/etc/null", f->dir);
		_cleanup_free_ char *u = NULL;

		if (mknod(node, S_IFCHR | 0644, makedev(1, 3)) == 0)
			assert_int_equal(vp_read_strf(f->ctx, VP_ETC, &u, "null"),
					 -EINVAL);
	}
	alarm(0);
}

static void creates_nothing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(vp_openf(f->ctx, VP_ETC, O_WRONLY | O_CREAT, "new"), -EINVAL);
	assert_false(vp_existsf(f->ctx, VP_ETC, "new"));
}

/*
 * The swap race of issue 21 (D6): while one thread exchanges ROOT/etc/udev
 * with a link to a directory outside the root (renameat2 RENAME_EXCHANGE,
 * so the name is always one or the other), host apply's writer writes a
 * rule below it again and again. Whatever the interleaving, nothing may
 * ever appear in the outside directory.
 */
struct swapper {
	const char *dir;
	atomic_bool stop;
	atomic_ulong swaps;
};

static void *swap_loop(void *arg)
{
	struct swapper *s = arg;
	_cleanup_free_ char *udev = xasprintf("%s/root/etc/udev", s->dir);
	_cleanup_free_ char *abs = xasprintf("%s/root/etc/udev.abs", s->dir);
	_cleanup_free_ char *rel = xasprintf("%s/root/etc/udev.rel", s->dir);

	for (unsigned long i = 0; !atomic_load(&s->stop); i++) {
		const char *other = i & 2 ? abs : rel;

		if (renameat2(AT_FDCWD, udev, AT_FDCWD, other, RENAME_EXCHANGE) == 0)
			atomic_fetch_add(&s->swaps, 1);
	}
	return NULL;
}

static int no_fsync(int fd)
{
	(void)fd;
	return 0;
}

static void swap_race_cannot_escape(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *outside = xasprintf("%s/outside-udev", f->dir);
	_cleanup_free_ char *rules = xasprintf("%s/outside-udev/rules.d", f->dir);
	struct swapper s = { .dir = f->dir };
	struct vp_io io = vp_io_real;
	static const char rule[] = "ACTION==\"add\", ATTR{sriov_numvfs}=\"4\"\n";
	_cleanup_free_ char *leak =
		xasprintf("%s/outside-udev/rules.d/70-vfio-pilot.rules", f->dir);
	unsigned long written = 0;
	time_t start;
	pthread_t t;

	/* Only the race is under test: the disk's fsync would only slow it. */
	io.fsync = no_fsync;
	mkd(f->dir, "outside-udev");
	mkd(f->dir, "outside-udev/rules.d");
	mkd(f->dir, "root/etc/udev");
	mkd(f->dir, "root/etc/udev/rules.d");
	lnk(f->dir, "root/etc/udev.abs", outside);
	lnk(f->dir, "root/etc/udev.rel", "../../outside-udev");
	assert_int_equal(pthread_create(&t, NULL, swap_loop, &s), 0);
	/*
	 * Until 1000 writes went through (each a chance for the swap to land
	 * between a check and a use), or 10 s; an escape ends it at once.
	 */
	start = time(NULL);
	while (written < 1000 && time(NULL) - start < 10) {
		if (vp_atomic_write(f->ctx, &io, VP_ETC,
				    "udev/rules.d/70-vfio-pilot.rules", rule,
				    sizeof(rule) - 1, 0644) == 0)
			written++;
		if (faccessat(AT_FDCWD, leak, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			break;
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	print_message("# %lu writes, %lu swaps\n", written, atomic_load(&s.swaps));
	assert_true(written > 0);
	assert_true(atomic_load(&s.swaps) >= 1000);
	/* The outside directory holds its empty rules.d and nothing else. */
	{
		_cleanup_closedir_ DIR *d = opendir(rules);
		struct dirent *e;

		assert_non_null(d);
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' &&
			    (!e->d_name[1] || streq(e->d_name, "..")))
				continue;
			fail_msg("written outside the root: %s/%s", rules, e->d_name);
		}
	}
	{
		_cleanup_closedir_ DIR *d = opendir(outside);
		struct dirent *e;

		assert_non_null(d);
		while ((e = readdir(d)))
			if (!streq(e->d_name, ".") && !streq(e->d_name, "..") &&
			    !streq(e->d_name, "rules.d"))
				fail_msg("written outside the root: %s/%s", outside,
					 e->d_name);
	}
}

/* The same answers where openat2 is missing (Linux < 5.6, seccomp): the O_NOFOLLOW walk.
 */
static void without_openat2(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *res = NULL;
	_cleanup_close_ int fd = -1;

	f->ctx->no_openat2 = true;
	assert_int_equal(vp_read_strf(f->ctx, VP_ETC, &a, "hostname"), 0);
	assert_string_equal(a, "pve");
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &b, "class/rel"), 0);
	assert_string_equal(b, "0x10de");
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &c, "class/abs"), 0);
	assert_string_equal(c, "pve");
	assert_int_equal(vp_read_strf(f->ctx, VP_SYS, &d, "class/escape"), -ENOENT);
	assert_int_equal(
		vp_resolve(f->ctx, VP_SYS, &res, "class/dirlink/../devices/value"), 0);
	assert_string_equal(res, "sys/devices/value");
	fd = vp_open_canonical(f->ctx, "sys/class/rel", O_RDONLY);
	assert_int_equal(fd, -ELOOP);
	fd = vp_open_canonical(f->ctx, "sys/devices/value", O_RDONLY);
	assert_true(fd >= 0);
	f->ctx->no_openat2 = false;
}

static void strv_joined(void **state)
{
	_cleanup_(strv_free) struct strv s = { 0 };
	_cleanup_free_ char *none = NULL, *one = NULL, *three = NULL;

	(void)state;
	none = strv_join(&s, ", ");
	assert_string_equal(none, "");
	assert_int_equal(strv_add(&s, "flr"), 0);
	one = strv_join(&s, ", ");
	assert_string_equal(one, "flr");
	assert_int_equal(strv_add(&s, "pm"), 0);
	assert_int_equal(strv_add(&s, "bus"), 0);
	three = strv_join(&s, "; ");
	assert_string_equal(three, "flr; pm; bus");
}

static void utf8_replacement(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "\xff", "\xef\xbf\xbd" },
		{ "a\xc3", "a\xef\xbf\xbd" },		    /* truncated */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
		{ "\xed\xa0\x80",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80x",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *s = utf8_sanitize(cases[i].in);
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		assert_string_equal(s, cases[i].out);
		assert_int_equal(fput_utf8(cases[i].in, strlen(cases[i].in), m), 0);
		fclose(m);
		assert_string_equal(buf, cases[i].out);
		free(buf);
	}
}

/* A log function that keeps what the library reports, one line each. */
struct captured {
	struct strv lines;
	int priority;
};

static void capture_log(void *data, int priority, const char *fmt, va_list args)
{
	struct captured *c = data;
	char *s = NULL;

	assert_true(vasprintf(&s, fmt, args) >= 0);
	assert_int_equal(strv_push(&c->lines, s), 0);
	c->priority = priority;
}

/* Run @fn with stderr going to a scratch file; what was written there. */
static char *stderr_of(struct fx *f, void (*fn)(struct fx *f, void *arg), void *arg)
{
	_cleanup_free_ char *path = xasprintf("%s/stderr", f->dir);
	char *text = NULL;
	size_t len = 0;
	int saved, fd;
	FILE *in;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	fn(f, arg);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	in = fopen(path, "re");
	assert_non_null(in);
	text = calloc(1, 4096);
	assert_non_null(text);
	len = fread(text, 1, 4095, in);
	text[len] = '\0';
	fclose(in);
	unlink(path);
	return text;
}

static void load_host(struct fx *f, void *arg)
{
	struct vp_host *h = NULL;

	/* The fixture root has no sys/bus/pci. */
	assert_int_equal(vp_host_load(f->ctx, &h), -ENOENT);
	assert_null(h);
}

static void last_start(struct fx *f, void *arg)
{
	const char *vmid = arg;
	_cleanup_free_ char *label = NULL;
	FILE *log = NULL;

	/* "0100" is no VMID; 100 has no start in an empty task directory. */
	assert_int_equal(vp_task_vm_start_log(f->ctx, vmid, &log, &label),
			 vmid[0] == '0' ? -EINVAL : -ENOENT);
	assert_null(log);
}

/*
 * The library reports, the tool prints (issue #15): a host read error
 * (host/pci.c) and a refusal (host/tasks.c) arrive at the log function the
 * context holds, and nothing is written to stderr; the printer vp_open_ctx
 * installs writes the same line there, byte for byte as before.
 */
static void errors_go_to_log_fn(void **state)
{
	struct fx *f = *state;
	struct captured c = { { 0 }, 0 };
	_cleanup_free_ char *want = NULL, *out = NULL;

	vp_ctx_set_log_fn(f->ctx, capture_log, &c);
	out = stderr_of(f, load_host, NULL);
	assert_string_equal(out, "");
	assert_int_equal(c.lines.n, 1);
	assert_int_equal(c.priority, VP_LOG_ERR);
	want = xasprintf("cannot read /sys/bus/pci under %s/root: %s", f->dir,
			 strerror(ENOENT));
	assert_string_equal(c.lines.v[0], want);
	strv_free(&c.lines);

	mkd(f->dir, "root/var");
	mkd(f->dir, "root/var/log");
	mkd(f->dir, "root/var/log/pve");
	mkd(f->dir, "root/var/log/pve/tasks");
	mkd(f->dir, "root/var/log/pve/tasks/0");
	free(out);
	out = stderr_of(f, last_start, "100");
	assert_string_equal(out, "");
	assert_int_equal(c.lines.n, 1);
	assert_string_equal(c.lines.v[0],
			    "no start of VM 100 in the task logs (/var/log/pve/tasks)");
	strv_free(&c.lines);

	/* No log function: the library stays silent. */
	vp_ctx_set_log_fn(f->ctx, NULL, NULL);
	free(out);
	out = stderr_of(f, last_start, "0100");
	assert_string_equal(out, "");

	/* The tool's printer: today's text on stderr. */
	vp_ctx_set_log_fn(f->ctx, vp_log_stderr, NULL);
	free(out);
	out = stderr_of(f, last_start, "0100");
	assert_string_equal(out, "vfio-pilot: '0100' is not a VMID (100 to 999999999)\n");
	free(out);
	out = stderr_of(f, load_host, NULL);
	free(want);
	want = xasprintf("vfio-pilot: cannot read /sys/bus/pci under %s/root: %s\n",
			 f->dir, strerror(ENOENT));
	assert_string_equal(out, want);
	vp_ctx_set_log_fn(f->ctx, NULL, NULL);
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
		cmocka_unit_test(physical_dotdot_after_link),
		cmocka_unit_test(fifo_and_devices_refused),
		cmocka_unit_test(creates_nothing),
		cmocka_unit_test(swap_race_cannot_escape),
		cmocka_unit_test(without_openat2),
		cmocka_unit_test(utf8_replacement),
		cmocka_unit_test(strv_joined),
		cmocka_unit_test(errors_go_to_log_fn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
