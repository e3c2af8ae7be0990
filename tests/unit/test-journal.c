// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The undo journal under kills and concurrent runs, driven deterministically:
 * a forked child runs apply or undo through a struct vp_io that raises SIGKILL
 * at a chosen call (a kill -9 there) or blocks at it until the parent lets it
 * go (a second run meanwhile). Commands go to a runner that records them in
 * a file, so that "every command ran" can be checked under --root.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "plan/plan.h"
#include "util.h"

static const char GRUB_OLD[] = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
static const char GRUB_NEW[] =
	"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\n";
static const char MOD_NEW[] = "options vfio-pci ids=10de:2684,10de:22ba\n";
static const char MODS_OLD[] = "# /etc/modules\n";
static const char MODS_NEW[] = "# /etc/modules\nvfio\nvfio_pci\n";

struct fx {
	char dir[64];
	struct vp_ctx *ctx;
};

static char runlog[128];
static int run_fail; /* the runner fails this many times first */

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

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

/* The file's content, NULL when absent. */
static char *get(struct fx *f, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, rel);
	char *s = NULL;
	size_t cap = 0;
	FILE *fp = fopen(p, "r");

	if (!fp)
		return NULL;
	if (getdelim(&s, &cap, '\0', fp) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(fp);
	return s;
}

static bool is(struct fx *f, const char *rel, const char *want)
{
	_cleanup_free_ char *s = get(f, rel);

	return want ? s && streq(s, want) : !s;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/vp-journal-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(f->dir) || vp_ctx_new(f->dir, &f->ctx) < 0)
		return -1;
	snprintf(runlog, sizeof(runlog), "%s.runlog", f->dir);
	unlink(runlog);
	run_fail = 0;
	put(f, "etc/default/grub", GRUB_OLD);
	put(f, "etc/modules", MODS_OLD);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vp_ctx_free(f->ctx);
	nftw(f->dir, rm_one, 32, FTW_DEPTH | FTW_PHYS);
	unlink(runlog);
	free(f);
	return 0;
}

/* ---- the runner and the injected calls ------------------------------------ */

static int fake_run(char *const *argv, FILE *log)
{
	FILE *fp;

	if (run_fail > 0) {
		run_fail--;
		return -ECHILD;
	}
	fp = fopen(runlog, "a");
	if (!fp)
		return -errno;
	for (size_t i = 0; argv[i]; i++)
		fprintf(fp, "%s%s", i ? " " : "", argv[i]);
	fputc('\n', fp);
	fclose(fp);
	return 0;
}

static int runs(const char *cmd)
{
	_cleanup_free_ char *s = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *fp = fopen(runlog, "r");

	while (fp && getline(&s, &cap, fp) > 0) {
		s[strcspn(s, "\n")] = '\0';
		n += streq(s, cmd);
	}
	if (fp)
		fclose(fp);
	return n;
}

/* What the hook does at a target file's rename (a base name below). */
enum { HOOK_NONE, HOOK_KILL, HOOK_BLOCK, HOOK_CHANGE_JOURNAL, HOOK_CLAIM_ID };
static int hook, hook_after; /* the action, at the hook_after-th target rename */
static int seen, to_parent = -1, from_parent = -1;
static const char *journal_path;
static char claimed[64];

static bool target(const char *base)
{
	return streq(base, "grub") || streq(base, "vfio.conf") ||
	       streq(base, "modules") || streq(base, "x.conf");
}

static void at_target(void)
{
	char c = 0;

	if (++seen != hook_after)
		return;
	switch (hook) {
	case HOOK_KILL:
		/* kill -9 itself: no cleanup, no atexit, no leak report. */
		raise(SIGKILL);
		_exit(9);
	case HOOK_BLOCK:
		/* Tell the parent the lock is held mid-run, wait to go on. */
		if (write(to_parent, "x", 1) != 1 || read(from_parent, &c, 1) != 1)
			_exit(3);
		break;
	case HOOK_CHANGE_JOURNAL: {
		/* What a second undo that finished meanwhile did (D2). */
		_cleanup_free_ char *j = NULL, *nj = NULL;
		char *s, *e;
		FILE *fp;

		fp = fopen(journal_path, "r");
		if (!fp)
			break;
		if (getdelim(&j, &(size_t){ 0 }, '\0', fp) < 0)
			j = NULL;
		fclose(fp);
		s = j ? strstr(j, "\nstate ") : NULL;
		e = s ? strchr(s + 1, '\n') : NULL;
		if (!e)
			break;
		*s = '\0';
		nj = xasprintf("%s\nstate undone%s", j, e);
		fp = fopen(journal_path, "w");
		if (fp && nj)
			fputs(nj, fp);
		if (fp)
			fclose(fp);
		break;
	}
	}
}

static int h_rename(int a, const char *b, int c, const char *d)
{
	int r = renameat(a, b, c, d);

	if (r == 0 && target(d))
		at_target();
	return r;
}

static int h_mkdirat(int d, const char *p, mode_t m)
{
	/* Another apply takes the id this one is about to claim (D5). */
	if (hook == HOOK_CLAIM_ID && p[0] == '2' && !claimed[0]) {
		_cleanup_free_ char *j = xasprintf("%s/journal", p);
		int fd;

		snprintf(claimed, sizeof(claimed), "%s", p);
		if (mkdirat(d, p, 0700) == 0 &&
		    (fd = openat(d, j, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0) {
			if (write(fd, "other\n", 6) != 6)
				claimed[0] = '\0';
			close(fd);
		}
	}
	return mkdirat(d, p, m);
}

static int last_mkdir_fd = -1;
static bool mkdir_unsynced;

static int s_mkdirat(int d, const char *p, mode_t m)
{
	int r = mkdirat(d, p, m);

	if (r == 0) {
		last_mkdir_fd = d;
		mkdir_unsynced = true;
	}
	return r;
}

static int s_fsync(int fd)
{
	if (fd == last_mkdir_fd)
		mkdir_unsynced = false;
	return fsync(fd);
}

static int s_openat(int d, const char *p, int fl, mode_t m)
{
	/* Nothing is created in a new directory before its entry is synced. */
	if (mkdir_unsynced)
		fail_msg("openat(%s) after a mkdir whose parent was not fsynced", p);
	return openat(d, p, fl, m);
}

static struct vp_io with_runner(void)
{
	struct vp_io io = vp_io_real;

	io.run = fake_run;
	return io;
}

/* ---- plans -------------------------------------------------------------- */

static void plan_host(struct fx *f, struct vp_plan *p)
{
	const char *const initramfs[] = { "update-initramfs", "-u", "-k", "all", NULL };
	const char *const grub[] = { "update-grub", NULL };

	*p = (struct vp_plan){ 0 };
	assert_int_equal(vp_plan_edit(f->ctx, p, "etc/default/grub", strdup(GRUB_NEW),
				      strlen(GRUB_NEW), 0644, "cmdline"),
			 0);
	assert_int_equal(vp_plan_edit(f->ctx, p, "etc/modprobe.d/vfio.conf",
				      strdup(MOD_NEW), strlen(MOD_NEW), 0644, "ids"),
			 0);
	assert_int_equal(vp_plan_edit(f->ctx, p, "etc/modules", strdup(MODS_NEW),
				      strlen(MODS_NEW), 0644, "modules"),
			 0);
	/* As the host planner does: commands only for files that change. */
	if (p->nedits) {
		assert_int_equal(vp_plan_command(p, "initramfs", initramfs), 0);
		assert_int_equal(vp_plan_command(p, "grub", grub), 0);
	}
}

static bool all_old(struct fx *f)
{
	return is(f, "etc/default/grub", GRUB_OLD) &&
	       is(f, "etc/modprobe.d/vfio.conf", NULL) && is(f, "etc/modules", MODS_OLD);
}

static bool all_new(struct fx *f)
{
	return is(f, "etc/default/grub", GRUB_NEW) &&
	       is(f, "etc/modprobe.d/vfio.conf", MOD_NEW) &&
	       is(f, "etc/modules", MODS_NEW);
}

/* Fork a child that applies (or undoes) with the hook armed; its exit status. */
static int child(struct fx *f, bool undo, int what, int after)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vp_io io = with_runner();
		struct vp_plan p;
		FILE *devnull = fopen("/dev/null", "w");
		char *id = NULL;
		int r;

		io.renameat = h_rename;
		hook = what;
		hook_after = after;
		seen = 0;
		if (undo) {
			r = vp_undo(f->ctx, &io, NULL, 0, devnull);
		} else {
			plan_host(f, &p);
			r = vp_plan_apply(f->ctx, &io, &p, &id, devnull);
		}
		_exit(r == 0 ? 0 : 100 + (-r & 0x7f));
	}
	if (what == HOOK_BLOCK)
		return pid;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int apply_now(struct fx *f, char **id)
{
	struct vp_io io = with_runner();
	FILE *devnull = fopen("/dev/null", "w");
	struct vp_plan p;
	int r;

	*id = NULL;
	plan_host(f, &p);
	r = vp_plan_apply(f->ctx, &io, &p, id, devnull);
	vp_plan_free(&p);
	fclose(devnull);
	return r;
}

static int undo_now(struct fx *f, const char *id, unsigned int flags, FILE *log)
{
	struct vp_io io = with_runner();
	FILE *devnull = log ? NULL : fopen("/dev/null", "w");
	int r = vp_undo(f->ctx, &io, id, flags, log ? log : devnull);

	if (devnull)
		fclose(devnull);
	return r;
}

static char *journal_of(struct fx *f, const char *id)
{
	_cleanup_free_ char *rel = xasprintf("var/lib/vfio-pilot/undo/%s/journal", id);

	return get(f, rel);
}

/* ---- D3: a kill between the first target rename and "complete" ----------- */

static void kill_mid_apply_then_undo(void **state)
{
	struct fx *f = *state;
	FILE *devnull = fopen("/dev/null", "w");

	/* Killed right after the first host file was renamed into place. */
	assert_int_equal(child(f, false, HOOK_KILL, 1), 128 + SIGKILL);
	assert_true(is(f, "etc/default/grub", GRUB_NEW));
	assert_false(all_new(f));
	/* undo takes the interrupted apply back (it said "no applied change"). */
	assert_int_equal(undo_now(f, NULL, 0, devnull), 0);
	assert_true(all_old(f));
	/* The directory the apply made for vfio.conf is gone too. */
	assert_int_equal(access(f->dir, F_OK), 0);
	{
		_cleanup_free_ char *d = xasprintf("%s/etc/modprobe.d", f->dir);

		assert_int_not_equal(access(d, F_OK), 0);
	}
	assert_int_equal(undo_now(f, NULL, 0, devnull), -ENOENT);
	fclose(devnull);
}

static void kill_mid_apply_then_apply(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *id = NULL;

	assert_int_equal(child(f, false, HOOK_KILL, 2), 128 + SIGKILL);
	assert_false(all_new(f));
	assert_false(all_old(f));
	assert_int_equal(runs("update-grub"), 0);
	/* The next apply (planned from the half state) finishes it. */
	assert_int_equal(apply_now(f, &id), 0);
	assert_true(all_new(f));
	assert_int_equal(runs("update-grub"), 1);
	assert_int_equal(runs("update-initramfs -u -k all"), 1);
	/* And it is one apply that undo takes back whole. */
	assert_int_equal(undo_now(f, NULL, 0, NULL), 0);
	assert_true(all_old(f));
}

/* ---- D4: commands re-run until they have succeeded once ------------------ */

static void kill_before_commands(void **state)
{
	struct fx *f = *state;
	_cleanup_(strv_free) struct strv cmds = { 0 }, intr = { 0 };
	_cleanup_free_ char *id = NULL;

	/* Killed at the first command: files new, journal complete. */
	run_fail = 0;
	{
		pid_t pid;
		int st;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct vp_io io = with_runner();
			struct vp_plan p;
			char *cid = NULL;

			io.run = NULL; /* stands for a kill before the commands */
			plan_host(f, &p);
			_exit(vp_plan_apply(f->ctx, &io, &p, &cid,
					    fopen("/dev/null", "w")) == 0
				      ? 0
				      : 1);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_true(all_new(f));
	assert_int_equal(runs("update-grub"), 0);
	/* plan shows them as pending... */
	assert_int_equal(vp_plan_pending(f->ctx, &cmds, &intr), 0);
	assert_int_equal(cmds.n, 2);
	assert_true(strv_contains(&cmds, "update-grub"));
	assert_int_equal(intr.n, 0);
	/* ...and the next apply runs them though no file changes now. */
	assert_int_equal(apply_now(f, &id), 0);
	assert_null(id);
	assert_int_equal(runs("update-grub"), 1);
	assert_int_equal(runs("update-initramfs -u -k all"), 1);
	/* Once: a third apply runs nothing. */
	assert_int_equal(apply_now(f, &id), 0);
	assert_int_equal(runs("update-grub"), 1);
}

static void failed_command_reruns(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *id = NULL, *id2 = NULL;

	run_fail = 1; /* update-initramfs fails the first time */
	assert_int_equal(apply_now(f, &id), -ECHILD);
	assert_non_null(id);
	assert_true(all_new(f));
	assert_int_equal(runs("update-grub"), 0);
	assert_int_equal(apply_now(f, &id2), 0);
	assert_int_equal(runs("update-initramfs -u -k all"), 1);
	assert_int_equal(runs("update-grub"), 1);
}

/* Under --root the real runner never runs them; they stay pending, shown. */
static void pending_under_root(void **state)
{
	struct fx *f = *state;
	_cleanup_(strv_free) struct strv cmds = { 0 }, intr = { 0 };
	_cleanup_free_ char *id = NULL, *out = NULL;
	struct vp_plan p;
	size_t len = 0;
	FILE *log = open_memstream(&out, &len);

	plan_host(f, &p);
	assert_int_equal(vp_plan_apply(f->ctx, &vp_io_real, &p, &id, log), 0);
	fclose(log);
	assert_non_null(strstr(out, "commands not run: --root is not /"));
	assert_int_equal(vp_plan_pending(f->ctx, &cmds, &intr), 0);
	assert_int_equal(cmds.n, 2);
	vp_plan_free(&p);
}

/* ---- D2 and D5: concurrent runs ---------------------------------------------- */

static void two_applies(void **state)
{
	struct fx *f = *state;
	int go[2], ready[2], st;
	_cleanup_free_ char *id = NULL;
	struct vp_plan mine;
	FILE *devnull = fopen("/dev/null", "w");
	struct vp_io io = with_runner();
	pid_t pid;
	char c;

	/*
	 * A different change to one of the same files, planned before the other
	 * apply runs: written later, it would silently drop the other's.
	 */
	mine = (struct vp_plan){ 0 };
	assert_int_equal(vp_plan_edit(f->ctx, &mine, "etc/default/grub",
				      strdup("GRUB_DEFAULT=1\n"), 15, 0644, "mine"),
			 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	to_parent = ready[1];
	from_parent = go[0];
	pid = child(f, false, HOOK_BLOCK, 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	/* The child holds the lock mid-apply: this one is refused, writes nothing. */
	assert_int_equal(vp_plan_apply(f->ctx, &io, &mine, &id, devnull), -EAGAIN);
	assert_int_equal(vp_plan_exit_code(-EAGAIN), VP_EXIT_TEMPFAIL);
	assert_int_equal(undo_now(f, NULL, 0, devnull), -EAGAIN);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(all_new(f));
	/* No lost update: the stale plan is refused now, not written over. */
	assert_int_equal(vp_plan_apply(f->ctx, &io, &mine, &id, devnull), -ESTALE);
	assert_true(all_new(f));
	vp_plan_free(&mine);
	fclose(devnull);
}

static void two_undos(void **state)
{
	struct fx *f = *state;
	int go[2], ready[2], st;
	_cleanup_free_ char *id = NULL, *j = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	pid_t pid;
	char c;

	assert_int_equal(apply_now(f, &id), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	to_parent = ready[1];
	from_parent = go[0];
	pid = child(f, true, HOOK_BLOCK, 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(undo_now(f, NULL, 0, devnull), -EAGAIN);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(all_old(f));
	j = journal_of(f, id);
	assert_non_null(strstr(j, "\nstate undone\n"));
	assert_int_equal(undo_now(f, NULL, 0, devnull), -ENOENT);
	fclose(devnull);
}

/* The journal rewritten under a running undo no longer crashes it (D2). */
static void journal_changed_under_undo(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *id = NULL, *jp = NULL, *j = NULL;

	assert_int_equal(apply_now(f, &id), 0);
	jp = xasprintf("%s/var/lib/vfio-pilot/undo/%s/journal", f->dir, id);
	journal_path = jp;
	/* A crash (the old NULL store) is a signal: 128 + n. */
	assert_int_equal(child(f, true, HOOK_CHANGE_JOURNAL, 1), 0);
	assert_true(all_old(f));
	j = journal_of(f, id);
	assert_non_null(strstr(j, "\nstate undone\n"));
}

/* Two applies in one second: the id another run claimed is never shared. */
static void unique_ids(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *id = NULL, *other = NULL, *j = NULL;
	struct vp_io io = with_runner();
	FILE *devnull = fopen("/dev/null", "w");
	struct vp_plan p;

	io.mkdirat = h_mkdirat;
	hook = HOOK_CLAIM_ID;
	claimed[0] = '\0';
	plan_host(f, &p);
	assert_int_equal(vp_plan_apply(f->ctx, &io, &p, &id, devnull), 0);
	hook = HOOK_NONE;
	assert_true(claimed[0]);
	assert_string_not_equal(id, claimed);
	/* The other run's directory holds only its own file. */
	other = journal_of(f, claimed);
	assert_string_equal(other, "other\n");
	j = journal_of(f, id);
	assert_non_null(strstr(j, "\nstate complete\n"));
	assert_int_equal(undo_now(f, id, 0, devnull), 0);
	assert_true(all_old(f));
	vp_plan_free(&p);
	fclose(devnull);
}

/* ---- D14 and #17: undo that respects what came after ------------------------ */

static void undo_after_later_apply(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *a = NULL, *b = NULL, *out = NULL;
	static const char later[] =
		"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\n";
	struct vp_io io = with_runner();
	FILE *devnull = fopen("/dev/null", "w");
	struct vp_plan q = { 0 };
	size_t len = 0;
	FILE *log;

	assert_int_equal(apply_now(f, &a), 0);
	sleep(0); /* ids differ by their suffix within one second */
	assert_int_equal(vp_plan_edit(f->ctx, &q, "etc/default/grub", strdup(later),
				      strlen(later), 0644, "later"),
			 0);
	assert_int_equal(vp_plan_apply(f->ctx, &io, &q, &b, devnull), 0);
	assert_string_not_equal(a, b);
	log = open_memstream(&out, &len);
	assert_int_equal(undo_now(f, a, 0, log), -ESTALE);
	fclose(log);
	/* It names the apply to undo first, and wrote nothing. */
	assert_non_null(strstr(out, b));
	assert_non_null(strstr(out, "first"));
	assert_true(is(f, "etc/default/grub", later));
	assert_true(is(f, "etc/modules", MODS_NEW));
	/* In order it works: b, then a. */
	assert_int_equal(undo_now(f, b, 0, devnull), 0);
	assert_int_equal(undo_now(f, a, 0, devnull), 0);
	assert_true(all_old(f));
	vp_plan_free(&q);
	fclose(devnull);
}

static void undo_after_hand_edit(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *a = NULL, *out = NULL, *kept = NULL, *rel = NULL;
	static const char edited[] = "GRUB_DEFAULT=2\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
				     "intel_iommu=on\"\n";
	FILE *devnull = fopen("/dev/null", "w");
	size_t len = 0;
	FILE *log;

	assert_int_equal(apply_now(f, &a), 0);
	put(f, "etc/default/grub", edited);
	log = open_memstream(&out, &len);
	assert_int_equal(undo_now(f, NULL, 0, log), -ESTALE);
	fclose(log);
	/* The lines that differ from what the apply wrote. */
	assert_non_null(strstr(out, "-GRUB_DEFAULT=0"));
	assert_non_null(strstr(out, "+GRUB_DEFAULT=2"));
	assert_non_null(strstr(out, "--force"));
	assert_true(is(f, "etc/default/grub", edited));
	assert_true(is(f, "etc/modules", MODS_NEW));
	/* --force restores, and keeps what it replaced. */
	assert_int_equal(undo_now(f, NULL, VP_UNDO_FORCE, devnull), 0);
	assert_true(all_old(f));
	rel = xasprintf("var/lib/vfio-pilot/undo/%s/r0", a);
	kept = get(f, rel);
	assert_non_null(kept);
	assert_string_equal(kept, edited);
	fclose(devnull);
}

/* host apply --plan-file: exactly the reviewed plan, 75 when anything changed. */
static void plan_file(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *path = xasprintf("%s.plan", f->dir), *out = NULL;
	struct vp_plan p, q, r;
	size_t len = 0;
	FILE *log = open_memstream(&out, &len);

	plan_host(f, &p);
	assert_int_equal(vp_plan_save(&p, path), 0);
	plan_host(f, &q);
	assert_int_equal(vp_plan_check_saved(&q, path, log), 0);
	/* An edit after the review: the plan made now differs. */
	put(f, "etc/modules", "# /etc/modules\nloop\n");
	plan_host(f, &r);
	assert_int_equal(vp_plan_check_saved(&r, path, log), -ESTALE);
	fclose(log);
	assert_non_null(strstr(out, "etc/modules"));
	unlink(path);
	vp_plan_free(&p);
	vp_plan_free(&q);
	vp_plan_free(&r);
}

/* ---- temp files, directories, fsync ------------------------------------------- */

static void stale_temps_cleaned(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *dead = NULL, *live = NULL, *id = NULL;
	pid_t pid;

	/* A PID that no longer exists: a child that has exited and been reaped. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	dead = xasprintf("etc/default/.grub.vfio-pilot.%d", (int)pid);
	live = xasprintf("etc/default/.grub.vfio-pilot.%d", (int)getppid());
	put(f, dead, "half");
	put(f, live, "in use");
	put(f, "etc/default/.grub.vfio-pilot.x1", "not ours");
	put(f, "etc/default/grub.vfio-pilot.1", "not ours");
	assert_int_equal(apply_now(f, &id), 0);
	assert_true(is(f, dead, NULL));
	assert_true(is(f, live, "in use")); /* its writer still runs */
	assert_true(is(f, "etc/default/.grub.vfio-pilot.x1", "not ours"));
	assert_true(is(f, "etc/default/grub.vfio-pilot.1", "not ours"));
}

static void created_dirs(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *id = NULL, *d1 = xasprintf("%s/etc/new", f->dir);
	_cleanup_free_ char *d2 = xasprintf("%s/etc/new/deeper", f->dir);
	struct vp_io io = with_runner();
	FILE *devnull = fopen("/dev/null", "w");
	struct vp_plan p = { 0 };

	io.mkdirat = s_mkdirat;
	io.fsync = s_fsync;
	io.openat = s_openat;
	assert_int_equal(vp_plan_edit(f->ctx, &p, "etc/new/deeper/x.conf", strdup("x\n"),
				      2, 0644, "test"),
			 0);
	assert_int_equal(vp_plan_apply(f->ctx, &io, &p, &id, devnull), 0);
	assert_false(mkdir_unsynced);
	assert_int_equal(access(d2, F_OK), 0);
	assert_int_equal(vp_undo(f->ctx, &io, NULL, 0, devnull), 0);
	/* Both levels the apply made are gone; etc, which was there, stays. */
	assert_int_not_equal(access(d2, F_OK), 0);
	assert_int_not_equal(access(d1, F_OK), 0);
	assert_true(is(f, "etc/default/grub", GRUB_OLD));
	vp_plan_free(&p);
	fclose(devnull);
}

/* A journal an earlier version wrote (no nN, "command" lines) is still undone. */
static void version1_journal(void **state)
{
	struct fx *f = *state;

	put(f, "etc/default/grub", GRUB_NEW);
	put(f, "var/lib/vfio-pilot/undo/20250101-000000/b0", GRUB_OLD);
	put(f, "var/lib/vfio-pilot/undo/20250101-000000/b1", "");
	put(f, "etc/modprobe.d/vfio.conf", MOD_NEW);
	put(f, "var/lib/vfio-pilot/undo/20250101-000000/journal",
	    "vfio-pilot-undo 1\nstate complete\n"
	    "file etc/default/grub\treplaced\tb0\t0644\n"
	    "file etc/modprobe.d/vfio.conf\tcreated\tb1\t0644\n"
	    "command\tupdate-grub\n");
	assert_int_equal(undo_now(f, NULL, 0, NULL), 0);
	assert_true(is(f, "etc/default/grub", GRUB_OLD));
	assert_true(is(f, "etc/modprobe.d/vfio.conf", NULL));
	/* Its commands ran at that apply: nothing is re-run. */
	assert_int_equal(runs("update-grub"), 0);
	assert_int_equal(undo_now(f, NULL, 0, NULL), -ENOENT);
}

/* A file edited after the kill stops recovery; undo --force takes it back. */
static void kill_then_hand_edit(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *id = NULL, *out = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&out, &len);

	assert_int_equal(child(f, false, HOOK_KILL, 1), 128 + SIGKILL);
	put(f, "etc/default/grub", "GRUB_DEFAULT=7\n");
	assert_int_equal(apply_now(f, &id), -ESTALE);
	assert_int_equal(undo_now(f, NULL, 0, log), -ESTALE);
	fclose(log);
	assert_non_null(strstr(out, "+GRUB_DEFAULT=7"));
	assert_true(is(f, "etc/default/grub", "GRUB_DEFAULT=7\n"));
	assert_int_equal(undo_now(f, NULL, VP_UNDO_FORCE, NULL), 0);
	assert_true(all_old(f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kill_mid_apply_then_undo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(kill_mid_apply_then_apply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(kill_before_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_command_reruns, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_under_root, setup, teardown),
		cmocka_unit_test_setup_teardown(two_applies, setup, teardown),
		cmocka_unit_test_setup_teardown(two_undos, setup, teardown),
		cmocka_unit_test_setup_teardown(journal_changed_under_undo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unique_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(undo_after_later_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(undo_after_hand_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(plan_file, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_temps_cleaned, setup, teardown),
		cmocka_unit_test_setup_teardown(created_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(version1_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(kill_then_hand_edit, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
