// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host setup edits: kernel command line tokens, the GRUB and systemd-boot
 * files, the diff, and the atomic apply with fault injection and undo.
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

#include "host/bootcfg.h"
#include "plan/plan.h"

/* ---- a scratch root ---------------------------------------------------- */

struct fx {
	char dir[64];
	struct vp_ctx *ctx;
};

static void put(struct fx *f, const char *rel, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, rel);
	_cleanup_free_ char *d = strdup(p);
	FILE *fp;

	for (char *s = strchr(d + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(d, 0755);
		*s = '/';
	}
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static char *get(struct fx *f, const char *rel)
{
	_cleanup_free_ char *data = NULL;
	struct vp_file_state st;
	size_t len;

	assert_int_equal(vp_file_read(f->ctx, VP_ROOT, rel, &data, &len, &st), 0);
	return st.exists ? TAKE_PTR(data) : NULL;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vp-plan-XXXXXX");
	if (!mkdtemp(f->dir) || vp_ctx_new(f->dir, &f->ctx) < 0)
		return -1;
	*state = f;
	return 0;
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

/* ---- command line tokens ----------------------------------------------- */

static void edit(const char *in, const struct vp_param_change *ch, size_t n,
		 const char *want)
{
	_cleanup_free_ char *out = NULL;

	assert_int_equal(vp_cmdline_edit(in, ch, n, &out), 0);
	assert_string_equal(out, want);
}

static void cmdline_tokens(void **state)
{
	const struct vp_param_change add[] = { { "iommu", "pt" },
					       { "intel_iommu", "on" } };
	const struct vp_param_change off_to_on[] = { { "intel-iommu", "on" } };
	const struct vp_param_change del[] = { { "pcie_acs_override", NULL } };
	_cleanup_free_ char *v = NULL;

	edit("quiet", add, 2, "quiet iommu=pt intel_iommu=on");
	edit("", add, 2, "iommu=pt intel_iommu=on");
	/* Present: unchanged; the last occurrence is the one in effect. */
	edit("quiet iommu=pt intel_iommu=on", add, 2, "quiet iommu=pt intel_iommu=on");
	/* '-' and '_' are one name; the existing spelling is kept. */
	edit("intel_iommu=off quiet", off_to_on, 1, "intel_iommu=on quiet");
	edit("a intel_iommu=off b intel_iommu=igfx_off", off_to_on, 1,
	     "a intel_iommu=off b intel_iommu=on");
	edit("pcie_acs_override=downstream quiet", del, 1, "quiet");
	edit("quiet pcie_acs_override=downstream", del, 1, "quiet");
	edit("a pcie_acs_override=x b pcie-acs-override=y c", del, 1, "a b c");
	/* Other tokens keep their bytes, quotes included. */
	edit("root=ZFS=rpool/ROOT/pve-1 boot=zfs \"foo=a b\"", add, 1,
	     "root=ZFS=rpool/ROOT/pve-1 boot=zfs \"foo=a b\" iommu=pt");
	v = vp_cmdline_value("x vfio-pci.ids=10de:2684 y", "vfio_pci.ids");
	assert_string_equal(v, "10de:2684");
}

/* ---- GRUB --------------------------------------------------------------- */

static const struct vp_param_change pt[] = { { "iommu", "pt" } };

/* Load, change iommu=pt, and compare the whole new file. */
static void grub_case(struct fx *f, const char *file, const char *want_sub,
		      const char *want)
{
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL, *line = NULL, *out = NULL;
	size_t len;

	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_GRUB, &b, &why), 0);
	assert_string_equal(b.sub, want_sub);
	assert_int_equal(vp_cmdline_edit(b.value, pt, 1, &line), 0);
	assert_int_equal(vp_bootcmd_render(&b, line, &out, &len), 0);
	assert_string_equal(out, want);
	vp_bootcmd_free(&b);
	(void)file;
}

static void grub_refused(struct fx *f, const char *needle)
{
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL;

	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_GRUB, &b, &why), -EBADMSG);
	assert_non_null(why);
	if (!strstr(why, needle))
		fail_msg("refusal '%s' lacks '%s'", why, needle);
	vp_bootcmd_free(&b);
}

static void grub_forms(void **state)
{
	struct fx *f = *state;

	put(f, "etc/default/grub",
	    "# If you change this file, run 'update-grub'\n"
	    "GRUB_DEFAULT=0\n"
	    "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
	    "#GRUB_CMDLINE_LINUX_DEFAULT=\"old commented\"\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"   # keep this comment\n"
	    "GRUB_CMDLINE_LINUX=\"\"\n");
	grub_case(f, NULL, "etc/default/grub",
		  "# If you change this file, run 'update-grub'\n"
		  "GRUB_DEFAULT=0\n"
		  "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
		  "#GRUB_CMDLINE_LINUX_DEFAULT=\"old commented\"\n"
		  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"   # keep this comment\n"
		  "GRUB_CMDLINE_LINUX=\"\"\n");

	put(f, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n");
	grub_case(f, NULL, "etc/default/grub",
		  "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash iommu=pt'\n");

	/* A plain word gains quotes when it needs them. */
	put(f, "etc/default/grub", "export GRUB_CMDLINE_LINUX_DEFAULT=quiet\n");
	grub_case(f, NULL, "etc/default/grub",
		  "export GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n");

	/* Several definitions: the last is in effect, the others are left alone. */
	put(f, "etc/default/grub",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"first\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"second\"\n");
	grub_case(
		f, NULL, "etc/default/grub",
		"GRUB_CMDLINE_LINUX_DEFAULT=\"first\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"second "
		"iommu=pt\"\n");

	/* No definition: one is appended (also after a last line without newline). */
	put(f, "etc/default/grub", "GRUB_DEFAULT=0");
	grub_case(f, NULL, "etc/default/grub",
		  "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"iommu=pt\"\n");

	/* A grub.d file sourced later overrides /etc/default/grub: edit it there. */
	put(f, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	put(f, "etc/default/grub.d/50-local.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet nomodeset\"\n");
	put(f, "etc/default/grub.d/proxmox-kernel-pin.cfg",
	    "GRUB_DEFAULT=\"gnulinux\"\n");
	grub_case(f, NULL, "etc/default/grub.d/50-local.cfg",
		  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet nomodeset iommu=pt\"\n");
	{
		_cleanup_free_ char *cfg =
			xasprintf("%s/etc/default/grub.d/50-local.cfg", f->dir);

		remove(cfg);
	}
}

static void grub_refusals(void **state)
{
	struct fx *f = *state;

	put(f, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $EXTRA\"\n");
	grub_refused(f, "certainty");
	put(f, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\" ; echo hi\n");
	grub_refused(f, "certainty");
	put(f, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"unterminated\n");
	grub_refused(f, "certainty");
	put(f, "etc/default/grub",
	    "if [ -e /x ]; then\nGRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nfi\n");
	grub_refused(f, "control flow");
	put(f, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /x)\"\n");
	grub_refused(f, "certainty");
}

static void kernel_cmdline(void **state)
{
	struct fx *f = *state;
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL, *line = NULL, *out = NULL;
	size_t len;

	put(f, "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs\n");
	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_SYSTEMD_PBT, &b, &why), 0);
	assert_int_equal(vp_cmdline_edit(b.value, pt, 1, &line), 0);
	assert_int_equal(vp_bootcmd_render(&b, line, &out, &len), 0);
	assert_string_equal(out, "root=ZFS=rpool/ROOT/pve-1 boot=zfs iommu=pt\n");
	vp_bootcmd_free(&b);
	free(TAKE_PTR(out));
	free(TAKE_PTR(line));

	/* Without a trailing newline it stays without one. */
	put(f, "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs");
	memset(&b, 0, sizeof(b));
	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_SYSTEMD_PBT, &b, &why), 0);
	assert_int_equal(vp_cmdline_edit(b.value, pt, 1, &line), 0);
	assert_int_equal(vp_bootcmd_render(&b, line, &out, &len), 0);
	assert_string_equal(out, "root=ZFS=rpool/ROOT/pve-1 boot=zfs iommu=pt");
	vp_bootcmd_free(&b);

	put(f, "etc/kernel/cmdline", "root=/dev/x\nsecond line\n");
	memset(&b, 0, sizeof(b));
	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_SYSTEMD_PBT, &b, &why),
			 -EBADMSG);
	assert_non_null(strstr(why, "one line"));
	vp_bootcmd_free(&b);
	free(TAKE_PTR(why));

	put(f, "etc/kernel/cmdline", "quiet boot=zfs\n");
	memset(&b, 0, sizeof(b));
	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_SYSTEMD_PBT, &b, &why),
			 -EBADMSG);
	assert_non_null(strstr(why, "root="));
	vp_bootcmd_free(&b);
}

/* ---- diff ---------------------------------------------------------------- */

static void diff_format(void **state)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	vp_diff(m, "/etc/x", "a\nb\nc\n", 6, true, "a\nB\nc\nd", 7);
	fclose(m);
	assert_string_equal(buf, "--- /etc/x\n+++ /etc/x\n"
				 "@@ -1,3 +1,4 @@\n"
				 " a\n-b\n+B\n c\n+d\n\\ No newline at end of file\n");
}

/* ---- apply: fault injection and undo ------------------------------------ */

static int fail_at, calls;

static ssize_t f_write(int fd, const void *b, size_t n)
{
	if (++calls == fail_at)
		return errno = EIO, -1;
	return write(fd, b, n);
}

static int f_fsync(int fd)
{
	if (++calls == fail_at)
		return errno = EIO, -1;
	return fsync(fd);
}

static int f_rename(int a, const char *b, int c, const char *d)
{
	if (++calls == fail_at)
		return errno = EIO, -1;
	return renameat(a, b, c, d);
}

static int f_unlink(int a, const char *b, int c)
{
	if (++calls == fail_at)
		return errno = EIO, -1;
	return unlinkat(a, b, c);
}

static int f_openat(int d, const char *p, int fl, mode_t m)
{
	if (++calls == fail_at)
		return errno = EACCES, -1;
	return openat(d, p, fl, m);
}

static int f_mkdirat(int d, const char *p, mode_t m)
{
	if (++calls == fail_at)
		return errno = ENOSPC, -1;
	return mkdirat(d, p, m);
}

static int f_fchmod(int fd, mode_t m)
{
	if (++calls == fail_at)
		return errno = EIO, -1;
	return fchmod(fd, m);
}

static int f_fchown(int fd, uid_t u, gid_t g)
{
	if (++calls == fail_at)
		return errno = EIO, -1;
	return fchown(fd, u, g);
}

static const struct vp_io faulty = {
	.openat = f_openat,
	.mkdirat = f_mkdirat,
	.write = f_write,
	.fchmod = f_fchmod,
	.fchown = f_fchown,
	.fsync = f_fsync,
	.renameat = f_rename,
	.unlinkat = f_unlink,
};

static bool no_temp_files(struct fx *f, const char *dir)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, dir);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".vfio-pilot."))
			return false;
	return true;
}

static void apply_faults(void **state)
{
	static const char old_a[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
	static const char new_a[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n";
	static const char new_b[] = "options vfio-pci ids=10de:2684\n";
	struct fx *f = *state;
	bool succeeded = false;

	for (fail_at = 1; fail_at < 100 && !succeeded; fail_at++) {
		struct vp_plan p = { 0 };
		_cleanup_free_ char *id = NULL, *a = NULL, *b = NULL;
		FILE *devnull = fopen("/dev/null", "w");
		int r;

		put(f, "etc/default/grub", old_a);
		{
			_cleanup_free_ char *bp =
				xasprintf("%s/etc/modprobe.d/vfio-pilot.conf", f->dir);
			_cleanup_free_ char *undo =
				xasprintf("%s/var/lib/vfio-pilot/undo", f->dir);

			remove(bp);
			/*
			 * Each attempt on its own: the undo ids earlier attempts
			 * claimed in this second would otherwise take the calls
			 * (one mkdir each) that the fault is injected at.
			 */
			nftw(undo, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		}
		assert_int_equal(vp_plan_edit(f->ctx, &p, "etc/default/grub",
					      strdup(new_a), strlen(new_a), 0644, "test"),
				 0);
		assert_int_equal(vp_plan_edit(f->ctx, &p,
					      "etc/modprobe.d/vfio-pilot.conf",
					      strdup(new_b), strlen(new_b), 0644, "test"),
				 0);
		calls = 0;
		r = vp_plan_apply(f->ctx, &faulty, &p, &id, devnull);
		fclose(devnull);
		a = get(f, "etc/default/grub");
		b = get(f, "etc/modprobe.d/vfio-pilot.conf");
		/* Every file is the old or the new version, never torn, never missing. */
		assert_non_null(a);
		assert_true(streq(a, old_a) || streq(a, new_a));
		assert_true(!b || streq(b, new_b));
		assert_true(no_temp_files(f, "etc/default"));
		assert_true(no_temp_files(f, "etc/modprobe.d"));
		if (r == 0) {
			succeeded = true;
			assert_string_equal(a, new_a);
			assert_string_equal(b, new_b);
		} else {
			/* A failed apply leaves the old state whole (written files rolled
			 * back). */
			assert_string_equal(a, old_a);
			assert_null(b);
		}
		vp_plan_free(&p);
	}
	assert_true(succeeded);
	assert_true(fail_at > 5); /* the injection really hit several calls */
}

static void apply_twice_and_undo(void **state)
{
	static const char old_a[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n# tail\n";
	static const char new_a[] =
		"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\n# tail\n";
	struct fx *f = *state;
	struct vp_plan p = { 0 }, q = { 0 };
	_cleanup_free_ char *id = NULL, *a = NULL, *b = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	_cleanup_free_ char *gp = xasprintf("%s/etc/default/grub", f->dir);
	struct stat st;

	put(f, "etc/default/grub", old_a);
	chmod(gp, 0640);
	assert_int_equal(vp_plan_edit(f->ctx, &p, "etc/default/grub", strdup(new_a),
				      strlen(new_a), 0644, "test"),
			 0);
	assert_int_equal(vp_plan_edit(f->ctx, &p, "etc/udev/rules.d/70-x.rules",
				      strdup("x\n"), 2, 0644, "test"),
			 0);
	assert_int_equal(vp_plan_apply(f->ctx, &vp_io_real, &p, &id, devnull), 0);
	assert_non_null(id);
	assert_int_equal(stat(gp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640); /* mode kept */

	/* Planned again: nothing to change. */
	assert_int_equal(vp_plan_edit(f->ctx, &q, "etc/default/grub", strdup(new_a),
				      strlen(new_a), 0644, "test"),
			 0);
	assert_int_equal(q.nedits, 0);

	assert_int_equal(vp_undo(f->ctx, &vp_io_real, NULL, 0, devnull), 0);
	a = get(f, "etc/default/grub");
	assert_string_equal(a, old_a);
	b = get(f, "etc/udev/rules.d/70-x.rules");
	assert_null(b); /* created by apply, removed by undo */
	assert_int_equal(stat(gp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* Undone once; there is nothing left to undo. */
	assert_int_equal(vp_undo(f->ctx, &vp_io_real, NULL, 0, devnull), -ENOENT);
	/* A file changed since the plan: apply refuses and writes nothing. */
	put(f, "etc/default/grub", "changed\n");
	free(TAKE_PTR(id));
	assert_int_equal(vp_plan_apply(f->ctx, &vp_io_real, &p, &id, devnull), -ESTALE);
	free(a);
	a = get(f, "etc/default/grub");
	assert_string_equal(a, "changed\n");
	fclose(devnull);
	vp_plan_free(&p);
	vp_plan_free(&q);
}

/* Commands run with a fixed environment, not the caller's. */
static void command_env(void **state)
{
	char path[] = "/tmp/vp-env-XXXXXX";
	int fd = mkstemp(path);
	const char *const argv[] = { "sh", "-c", "env > \"$0\"; umask >> \"$0\"", path,
				     NULL };
	_cleanup_free_ char *env = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	FILE *f;
	size_t cap = 0;

	assert_true(fd >= 0);
	close(fd);
	setenv("VP_TEST_SECRET", "leak", 1);
	setenv("LD_PRELOAD", "", 1);
	/* The runner apply uses on "/" (not apply itself: it would lock the real
	 * /var/lib). */
	assert_true(vp_io_real.run == vp_run_command);
	assert_int_equal(vp_run_command((char *const *)argv, devnull), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(getdelim(&env, &cap, '\0', f) > 0);
	fclose(f);
	unlink(path);
	assert_null(strstr(env, "VP_TEST_SECRET"));
	assert_null(strstr(env, "LD_PRELOAD"));
	assert_non_null(strstr(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	assert_non_null(strstr(env, "LC_ALL=C\n"));
	assert_non_null(strstr(env, "0022\n"));
	unsetenv("VP_TEST_SECRET");
	unsetenv("LD_PRELOAD");
	fclose(devnull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_tokens),
		cmocka_unit_test_setup_teardown(grub_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(grub_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(kernel_cmdline, setup, teardown),
		cmocka_unit_test(diff_format),
		cmocka_unit_test_setup_teardown(apply_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(apply_twice_and_undo, setup, teardown),
		cmocka_unit_test(command_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
