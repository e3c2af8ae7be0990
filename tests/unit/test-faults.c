// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fault injection over every write path: the plans of host apply, vm apply,
 * lxc apply, hookscript apply, mapping apply, sriov apply and usb map apply,
 * built by the library on a copy of a fixture host, applied while the Nth
 * system call of the writer
 * (open, mkdir, write, fchmod, fchown, fsync, rename, unlink) fails, for
 * every N until the apply goes through; then undo, failed the same way.
 *
 * After every failure each planned file is either its old or its new
 * version (never torn, never missing when it existed), no temporary file
 * is left, and the undo journal is consistent: a failed apply never leaves
 * a "complete" journal (undo would restore a change that never happened),
 * a failed undo leaves it "complete" so that undo can be run again, and
 * running it again restores every file byte for byte.
 *
 * Then 200 seeded kills (SIGKILL at call N, in a forked child)
 * across apply and undo of the same plans: one more apply or undo ends with
 * every file old or every file new, no run left half done, and after an
 * apply every command of the plan run.
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

#include "host/session.h"
#include "plan/hostplan.h"
#include "plan/plan.h"
#include "plan/pveplan.h"
#include "plan/sriovplan.h"
#include "plan/usbplan.h"
#include "plan/vmplan.h"
#include "util.h"

/* ---- the failing system calls ------------------------------------------ */

static int fail_at, calls;

static bool fail_now(void)
{
	return ++calls == fail_at;
}

static int f_openat(int d, const char *p, int fl, mode_t m)
{
	return fail_now() ? (errno = EACCES, -1) : openat(d, p, fl, m);
}

static int f_mkdirat(int d, const char *p, mode_t m)
{
	return fail_now() ? (errno = ENOSPC, -1) : mkdirat(d, p, m);
}

static ssize_t f_write(int fd, const void *b, size_t n)
{
	if (fail_now())
		return errno = ENOSPC, -1;
	/* A short write first, so the writer's loop is exercised too. */
	return write(fd, b, n > 1 ? n / 2 : n);
}

static int f_fchmod(int fd, mode_t m)
{
	return fail_now() ? (errno = EIO, -1) : fchmod(fd, m);
}

static int f_fchown(int fd, uid_t u, gid_t g)
{
	return fail_now() ? (errno = EIO, -1) : fchown(fd, u, g);
}

static int f_fsync(int fd)
{
	return fail_now() ? (errno = EIO, -1) : fsync(fd);
}

static int f_rename(int a, const char *b, int c, const char *d)
{
	return fail_now() ? (errno = EIO, -1) : renameat(a, b, c, d);
}

static int f_unlink(int a, const char *b, int c)
{
	return fail_now() ? (errno = EIO, -1) : unlinkat(a, b, c);
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

/* ---- a copy of a fixture host ------------------------------------------ */

struct fx {
	char dir[64];
	struct vp_ctx *ctx;
	struct vp_host *h;
	struct vp_session ses;
	bool have_ses;
};

static const char *copy_src;
static const char *copy_dst;

static int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	_cleanup_free_ char *dst = xasprintf("%s%s", copy_dst, path + strlen(copy_src));
	char buf[65536];
	int in, out;
	ssize_t n;

	if (!dst)
		return -1;
	if (type == FTW_D)
		return mkdir(dst, 0755) < 0 && errno != EEXIST ? -1 : 0;
	if (type == FTW_SL) {
		ssize_t l = readlink(path, buf, sizeof(buf) - 1);

		if (l < 0)
			return -1;
		buf[l] = '\0';
		return symlink(buf, dst);
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st->st_mode & 07777);
	if (out < 0)
		return -1;
	/* Write-only sysfs attributes (bind, remove) stay empty. */
	in = open(path, O_RDONLY);
	while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	if (in >= 0)
		close(in);
	close(out);
	return 0;
}

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

static struct fx *fixture(const char *name)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *base = getenv("VP_FIXTURES");
	_cleanup_free_ char *src = NULL;

	assert_non_null(f);
	if (!base)
		fail_msg("VP_FIXTURES is not set");
	src = xasprintf("%s/%s", base, name);
	/*
	 * On tmpfs when there is one: fsync is still called (and failed) at
	 * every point, but a loaded machine's disk does not make the thousands
	 * of applies here take minutes.
	 */
	snprintf(f->dir, sizeof(f->dir), "%s/vp-faults-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	copy_src = src;
	copy_dst = f->dir;
	assert_int_equal(nftw(src, copy_one, 32, FTW_PHYS), 0);
	assert_int_equal(vp_ctx_new(f->dir, &f->ctx), 0);
	return f;
}

static void load(struct fx *f, bool doc)
{
	assert_int_equal(vp_host_load(f->ctx, &f->h), 0);
	if (doc) {
		assert_int_equal(vp_session_init(&f->ses, f->ctx, f->h), 0);
		f->have_ses = true;
	}
}

static void done(struct fx *f)
{
	if (f->have_ses)
		vp_session_free(&f->ses);
	vp_host_free(f->h);
	vp_ctx_free(f->ctx);
	nftw(f->dir, rm_one, 32, FTW_DEPTH | FTW_PHYS);
	free(f);
}

/* ---- checks --------------------------------------------------------------- */

/* The file as it is now; NULL when absent. */
static char *now(struct fx *f, const char *sub, size_t *len)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, sub);
	char *data = NULL;
	FILE *fp = fopen(p, "r");
	size_t cap = 0;

	*len = 0;
	if (!fp)
		return NULL;
	data = malloc(1);
	for (;;) {
		char buf[4096];
		size_t n = fread(buf, 1, sizeof(buf), fp);

		if (!n)
			break;
		data = realloc(data, *len + n + 1);
		memcpy(data + *len, buf, n);
		*len += n;
	}
	data[*len] = '\0';
	(void)cap;
	fclose(fp);
	return data;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* 'o' old, 'n' new, or fail: torn, missing, or something else. */
static char state(struct fx *f, const struct vp_edit *e)
{
	size_t len;
	_cleanup_free_ char *cur = now(f, e->sub, &len);

	if (!cur)
		return e->old ? 'x' : 'o';
	if (same(cur, len, e->new, e->newlen))
		return 'n';
	if (e->old && same(cur, len, e->old, e->oldlen))
		return 'o';
	return 'x';
}

static void put_back(struct fx *f, const struct vp_edit *e)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, e->sub);

	unlink(p);
	if (e->old) {
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, e->oldmode);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, e->old, e->oldlen), (ssize_t)e->oldlen);
		fchmod(fd, e->oldmode);
		close(fd);
	}
}

static void no_temp_files(struct fx *f, const char *sub)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, sub);
	char *slash = strrchr(p, '/');
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;

	*slash = '\0';
	d = opendir(p);
	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".vfio-pilot."))
			fail_msg("temporary file %s/%s left", p, e->d_name);
}

/* How many journals are in each state. */
struct journals {
	int complete, undone, undoing, other;
};

static struct journals journals(struct fx *f)
{
	_cleanup_free_ char *p = xasprintf("%s/var/lib/vfio-pilot/undo", f->dir);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct journals j = { 0 };
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *text = NULL;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		sub = xasprintf("var/lib/vfio-pilot/undo/%s/journal", e->d_name);
		text = now(f, sub, &len);
		if (text && strstr(text, "\nstate complete\n"))
			j.complete++;
		else if (text && strstr(text, "\nstate undone\n"))
			j.undone++;
		else if (text && strstr(text, "\nstate undoing\n"))
			j.undoing++;
		else
			j.other++;
	}
	return j;
}

static void clear_undo(struct fx *f)
{
	_cleanup_free_ char *p = xasprintf("%s/var/lib/vfio-pilot", f->dir);

	nftw(p, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/*
 * Apply @p with every call failing in turn, then undo the same way. Returns
 * the number of fault points tried so the caller can see the test bit.
 */
static int drive(struct fx *f, const struct vp_plan *p, const char *what)
{
	FILE *devnull = fopen("/dev/null", "w");
	bool applied = false, undone = false;
	int points = 0;

	assert_non_null(devnull);
	if (p->nedits == 0)
		fail_msg("%s: the plan has no edits; nothing would be tested", what);
	if (p->refusals.n)
		fail_msg("%s: the plan is refused: %s", what, p->refusals.v[0]);

	for (fail_at = 1; fail_at < 1000 && !applied; fail_at++) {
		_cleanup_free_ char *id = NULL;
		int r;

		for (size_t i = 0; i < p->nedits; i++)
			put_back(f, &p->edits[i]);
		clear_undo(f);
		calls = 0;
		r = vp_plan_apply(f->ctx, &faulty, p, &id, devnull);
		points++;
		for (size_t i = 0; i < p->nedits; i++) {
			char s = state(f, &p->edits[i]);

			if (s == 'x')
				fail_msg(
					"%s: apply failing at call %d: /%s torn or missing",
					what, fail_at, p->edits[i].sub);
			/* A failed apply is rolled back whole. */
			if (r < 0 && s != 'o')
				fail_msg(
					"%s: apply failed at call %d (%s) but /%s is new",
					what, fail_at, strerror(-r), p->edits[i].sub);
			if (r == 0 && s != 'n')
				fail_msg("%s: apply succeeded but /%s is old", what,
					 p->edits[i].sub);
			no_temp_files(f, p->edits[i].sub);
		}
		if (r < 0) {
			if (journals(f).complete)
				fail_msg(
					"%s: apply failed at call %d but its journal says "
					"complete",
					what, fail_at);
			/* Nothing to undo: undo says so and changes nothing. */
			r = vp_undo(f->ctx, &vp_io_real, NULL, 0, devnull);
			if (r != -ENOENT)
				fail_msg("%s: undo after apply failing at call %d: %d",
					 what, fail_at, r);
			continue;
		}
		applied = true;
		assert_int_equal(journals(f).complete, 1);
		/* What was created has the mode asked for, and o-w never. */
		for (size_t i = 0; i < p->nedits; i++) {
			_cleanup_free_ char *path =
				xasprintf("%s/%s", f->dir, p->edits[i].sub);
			struct stat st;

			assert_int_equal(stat(path, &st), 0);
			assert_false(st.st_mode & S_IWOTH);
			if (!p->edits[i].old)
				assert_int_equal(st.st_mode & 07777,
						 p->edits[i].mode & 0775);
			else
				assert_int_equal(st.st_mode & 07777, p->edits[i].oldmode);
		}
	}
	assert_true(applied);
	/* The injection really reached the writer's calls. */
	assert_true(fail_at > 6);

	for (fail_at = 1; fail_at < 1000 && !undone; fail_at++) {
		_cleanup_free_ char *id = NULL;
		struct journals j;
		int r;

		for (size_t i = 0; i < p->nedits; i++)
			put_back(f, &p->edits[i]);
		clear_undo(f);
		assert_int_equal(vp_plan_apply(f->ctx, &vp_io_real, p, &id, devnull), 0);
		calls = 0;
		r = vp_undo(f->ctx, &faulty, NULL, 0, devnull);
		points++;
		for (size_t i = 0; i < p->nedits; i++) {
			char s = state(f, &p->edits[i]);

			if (s == 'x')
				fail_msg(
					"%s: undo failing at call %d: /%s torn or missing",
					what, fail_at, p->edits[i].sub);
			if (r == 0 && s != 'o')
				fail_msg("%s: undo succeeded but /%s is not the old one",
					 what, p->edits[i].sub);
			no_temp_files(f, p->edits[i].sub);
		}
		j = journals(f);
		if (r == 0) {
			undone = true;
			assert_int_equal(j.undone, 1);
			assert_int_equal(j.complete, 0);
			continue;
		}
		/*
		 * Failed after the "undone" journal was renamed in (its directory
		 * fsync failed): every file must be the old one already.
		 */
		if (j.undone == 1 && j.complete == 0) {
			for (size_t i = 0; i < p->nedits; i++)
				if (state(f, &p->edits[i]) != 'o')
					fail_msg(
						"%s: undo failed at call %d with the journal "
						"undone but /%s new",
						what, fail_at, p->edits[i].sub);
			continue;
		}
		/*
		 * Failed before: still undoable (complete), or marked as an undo in
		 * progress that the next undo finishes; either way undoing again
		 * restores everything.
		 */
		if (j.complete + j.undoing != 1)
			fail_msg(
				"%s: undo failed at call %d and left no complete journal",
				what, fail_at);
		assert_int_equal(vp_undo(f->ctx, &vp_io_real, NULL, 0, devnull), 0);
		for (size_t i = 0; i < p->nedits; i++)
			if (state(f, &p->edits[i]) != 'o')
				fail_msg(
					"%s: undo after a failed undo (call %d) left /%s new",
					what, fail_at, p->edits[i].sub);
	}
	assert_true(undone);
	fclose(devnull);
	return points;
}

/* ---- kills ------------------------------------------------------------------ */

/*
 * kill -9 at a seeded call of apply or undo: a forked child runs it through
 * a vp_io that raises SIGKILL at call N (any writer call or a command). Then one
 * more apply (planned again, as the command does) or undo must leave every
 * file of the plan in its old or, for apply, its new state, all alike, no
 * run half recovered, no temp file, and after an apply every command of the
 * plan run at least once, none left pending.
 */
static int kill_at, kcalls;
/* The call that put the first host file in place (or removed it), measured. */
static int first_target;
static char runlog[128];

static void kill_point(void)
{
	/* kill -9 itself: no cleanup, and no leak report from valgrind. */
	if (++kcalls == kill_at)
		raise(SIGKILL);
}

static int k_openat(int d, const char *p, int fl, mode_t m)
{
	kill_point();
	return openat(d, p, fl, m);
}

static int k_mkdirat(int d, const char *p, mode_t m)
{
	kill_point();
	return mkdirat(d, p, m);
}

static ssize_t k_write(int fd, const void *b, size_t n)
{
	kill_point();
	return write(fd, b, n > 1 ? n / 2 : n);
}

static int k_fchmod(int fd, mode_t m)
{
	kill_point();
	return fchmod(fd, m);
}

static int k_fchown(int fd, uid_t u, gid_t g)
{
	kill_point();
	return fchown(fd, u, g);
}

static int k_fsync(int fd)
{
	kill_point();
	return fsync(fd);
}

/* The call that renamed the first host file into place, while measuring. */

static int k_rename(int a, const char *b, int c, const char *d)
{
	kill_point();
	if (!first_target && !streq(d, "journal") && !streq(d, "lock") &&
	    !(strchr("bnr", d[0]) && d[1] >= '0' && d[1] <= '9'))
		first_target = kcalls;
	return renameat(a, b, c, d);
}

static int k_unlink(int a, const char *b, int c)
{
	kill_point();
	/* A file apply created is removed, not renamed, by undo. */
	if (!first_target && b[0] != '.' && !(c & AT_REMOVEDIR))
		first_target = kcalls;
	return unlinkat(a, b, c);
}

static int rec_run(char *const *argv, FILE *log)
{
	FILE *fp = fopen(runlog, "a");

	if (!fp)
		return -errno;
	for (size_t i = 0; argv[i]; i++)
		fprintf(fp, "%s%s", i ? " " : "", argv[i]);
	fputc('\n', fp);
	return fclose(fp) == 0 ? 0 : -EIO;
}

static int k_run(char *const *argv, FILE *log)
{
	kill_point(); /* before it ran */
	return rec_run(argv, log);
}

static const struct vp_io killer = {
	.openat = k_openat,
	.mkdirat = k_mkdirat,
	.write = k_write,
	.fchmod = k_fchmod,
	.fchown = k_fchown,
	.fsync = k_fsync,
	.renameat = k_rename,
	.unlinkat = k_unlink,
	.run = k_run,
};

static bool ran(const char *cmd)
{
	_cleanup_free_ char *s = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *fp = fopen(runlog, "r");

	while (fp && !found && getline(&s, &cap, fp) > 0) {
		s[strcspn(s, "\n")] = '\0';
		found = streq(s, cmd);
	}
	if (fp)
		fclose(fp);
	return found;
}

/* The plan made again from the files as they are, as the planners do. */
static void replan(struct fx *f, const struct vp_plan *p, struct vp_plan *q)
{
	*q = (struct vp_plan){ 0 };
	for (size_t i = 0; i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];
		char *n = malloc(e->newlen + 1);

		assert_non_null(n);
		memcpy(n, e->new, e->newlen);
		assert_int_equal(
			vp_plan_edit(f->ctx, q, e->sub, n, e->newlen, e->mode, e->why),
			0);
	}
	for (size_t i = 0; q->nedits && i < p->ncmds; i++)
		assert_int_equal(vp_plan_command(q, p->cmds[i].why,
						 (const char *const *)p->cmds[i].argv),
				 0);
}

static void no_temps_in(struct fx *f, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, rel);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".vfio-pilot."))
			fail_msg("temporary file %s/%s left", p, e->d_name);
}

/* No run left half done, no command left pending, no temp file. */
static void journals_settled(struct fx *f, const char *what, int k)
{
	_cleanup_free_ char *p = xasprintf("%s/var/lib/vfio-pilot/undo", f->dir);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *text = NULL, *dir = NULL;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		dir = xasprintf("var/lib/vfio-pilot/undo/%s", e->d_name);
		no_temps_in(f, dir);
		sub = xasprintf("%s/journal", dir);
		text = now(f, sub, &len);
		if (!text)
			fail_msg("%s kill %d: undo directory %s without a journal", what,
				 k, e->d_name);
		if (strstr(text, "\nstate prepared\n") || strstr(text, "\nstate undoing"))
			fail_msg("%s kill %d: %s left half done:\n%s", what, k, e->d_name,
				 text);
		if (strstr(text, "\nstate complete\n") && strstr(text, "\nrun 0\t"))
			fail_msg("%s kill %d: %s has a command pending:\n%s", what, k,
				 e->d_name, text);
	}
}

static int kills(struct fx *f, const struct vp_plan *p, const char *what, int n,
		 uint32_t seed)
{
	struct vp_io recorder = vp_io_real;
	FILE *devnull = fopen("/dev/null", "w");
	int napply, nundo, tapply, tundo, killed = 0;

	assert_non_null(devnull);
	recorder.run = rec_run;
	snprintf(runlog, sizeof(runlog), "%s.runlog", f->dir);
	/* How many calls a whole apply and undo make: the points to kill at. */
	for (size_t i = 0; i < p->nedits; i++)
		put_back(f, &p->edits[i]);
	clear_undo(f);
	{
		_cleanup_free_ char *id = NULL;

		kill_at = -1;
		kcalls = first_target = 0;
		assert_int_equal(vp_plan_apply(f->ctx, &killer, p, &id, devnull), 0);
		napply = kcalls;
		tapply = first_target;
		kcalls = first_target = 0;
		assert_int_equal(vp_undo(f->ctx, &killer, NULL, 0, devnull), 0);
		nundo = kcalls;
		tundo = first_target;
		assert_true(tapply > 0 && tundo > 0);
	}
	for (int k = 0; k < n; k++) {
		bool undo_kill, final_undo;
		int st, r;
		pid_t pid;

		seed = seed * 1103515245u + 12345u;
		undo_kill = (seed >> 16) & 1;
		final_undo = (seed >> 17) & 1;
		/*
		 * Every other kill lands from the first host file's rename on,
		 * where files are half written; the others anywhere, and one past
		 * the end (the run completes).
		 */
		if (k & 1) {
			int from = undo_kill ? tundo : tapply,
			    to = undo_kill ? nundo : napply;

			kill_at = from + (int)((seed >> 18) % (uint32_t)(to - from + 1));
		} else {
			kill_at = 1 + (int)((seed >> 18) %
					    (uint32_t)((undo_kill ? nundo : napply) + 1));
		}
		for (size_t i = 0; i < p->nedits; i++)
			put_back(f, &p->edits[i]);
		clear_undo(f);
		unlink(runlog);
		if (undo_kill) {
			_cleanup_free_ char *id = NULL;

			assert_int_equal(
				vp_plan_apply(f->ctx, &recorder, p, &id, devnull), 0);
		}
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char *id = NULL;

			kcalls = 0;
			r = undo_kill ? vp_undo(f->ctx, &killer, NULL, 0, devnull)
				      : vp_plan_apply(f->ctx, &killer, p, &id, devnull);
			_exit(r == 0 ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) &&
		    !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			fail_msg("%s kill %d: %s killed at call %d ended with status %#x",
				 what, k, undo_kill ? "undo" : "apply", kill_at, st);
		killed += WIFSIGNALED(st);
		if (final_undo) {
			r = vp_undo(f->ctx, &recorder, NULL, 0, devnull);
			if (r != 0 && r != -ENOENT)
				fail_msg("%s kill %d (%s at %d): undo after it: %s", what,
					 k, undo_kill ? "undo" : "apply", kill_at,
					 strerror(-r));
		} else {
			_cleanup_free_ char *id = NULL;
			struct vp_plan q;

			replan(f, p, &q);
			r = vp_plan_apply(f->ctx, &recorder, &q, &id, devnull);
			vp_plan_free(&q);
			/* After a killed undo, apply finishes it and asks for a new plan.
			 */
			if (r == -ESTALE && undo_kill)
				final_undo = true;
			else if (r != 0)
				fail_msg("%s kill %d (%s at %d): apply after it: %s",
					 what, k, undo_kill ? "undo" : "apply", kill_at,
					 strerror(-r));
		}
		for (size_t i = 0; i < p->nedits; i++) {
			char s = state(f, &p->edits[i]);

			if (s != (final_undo ? 'o' : 'n'))
				fail_msg("%s kill %d (%s at %d, then %s): /%s is %s",
					 what, k, undo_kill ? "undo" : "apply", kill_at,
					 final_undo ? "undo" : "apply", p->edits[i].sub,
					 s == 'x'   ? "torn or missing"
					 : s == 'o' ? "old"
						    : "new");
			no_temp_files(f, p->edits[i].sub);
		}
		for (size_t i = 0; !final_undo && i < p->ncmds; i++) {
			_cleanup_free_ char *c = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&c, &len);

			for (char **a = p->cmds[i].argv; *a; a++)
				fprintf(m, "%s%s", a == p->cmds[i].argv ? "" : " ", *a);
			fclose(m);
			if (!ran(c))
				fail_msg("%s kill %d: %s never ran", what, k, c);
		}
		journals_settled(f, what, k);
	}
	unlink(runlog);
	fclose(devnull);
	/* The kills really hit the runs, not only their end. */
	assert_true(killed > n / 2);
	return killed;
}

/* ---- the commands' plans --------------------------------------------------- */

static const char VM[] = "boot: order=scsi0\ncores: 8\nmemory: 16384\nname: win11\n"
			 "ostype: win11\nscsi0: local-lvm:vm-100-disk-0,size=100G\n"
			 "machine: q35\nbios: ovmf\n";
static const char CT[] =
	"arch: amd64\ncores: 2\nhostname: media\nmemory: 2048\n"
	"net0: name=eth0,bridge=vmbr0,ip=dhcp,type=veth\nostype: debian\n"
	"rootfs: local-lvm:vm-101-disk-0,size=8G\nunprivileged: 1\n";

static struct vp_bdf gpu(void)
{
	struct vp_bdf b;
	bool all;

	assert_int_equal(vp_bdf_parse("0000:01:00.0", &b, &all, false), 0);
	return b;
}

static void host_apply(void **state)
{
	struct fx *f = fixture("intel-4090");
	struct vp_bdf dev = gpu();
	bool slot = true;
	struct vp_host_opts o = { .devs = &dev, .slots = &slot, .ndevs = 1 };
	struct vp_plan p = { 0 };

	load(f, true);
	assert_int_equal(vp_session_targets(&f->ses, o.devs, o.slots, o.ndevs), 0);
	assert_int_equal(vp_host_plan(&f->ses, &o, &p), 0);
	drive(f, &p, "host apply");
	kills(f, &p, "host apply", 60, 1u);
	vp_plan_free(&p);
	done(f);
}

static void vm_apply(void **state)
{
	struct fx *f = fixture("intel-4090");
	struct vp_bdf dev = gpu();
	bool slot = true;
	struct vp_vm_opts o = { .vmid = 100, .devs = &dev, .slots = &slot, .ndevs = 1 };
	struct vp_plan p = { 0 };

	put(f, "etc/pve/qemu-server/100.conf", VM);
	load(f, true);
	assert_int_equal(vp_vm_plan(&f->ses, &o, &p), 0);
	drive(f, &p, "vm apply");
	kills(f, &p, "vm apply", 40, 2u);
	vp_plan_free(&p);
	done(f);
}

static void lxc_apply(void **state)
{
	struct fx *f = fixture("n100-minipc");
	struct vp_lxc_opts o = { .ctid = 101 };
	struct vp_plan p = { 0 };

	put(f, "etc/pve/lxc/101.conf", CT);
	load(f, false);
	assert_int_equal(vp_lxc_plan(f->ctx, f->h, &o, &p), 0);
	drive(f, &p, "lxc apply");
	kills(f, &p, "lxc apply", 20, 3u);
	vp_plan_free(&p);
	done(f);
}

static void hookscript_apply(void **state)
{
	struct fx *f = fixture("intel-4090");
	struct vp_hook_opts o = { .vmid = 100,
				  .device = "01:00.0",
				  .reset_method = "flr" };
	struct vp_plan p = { 0 };
	bool script = false;

	put(f, "etc/pve/qemu-server/100.conf", VM);
	put(f, "etc/pve/storage.cfg",
	    "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,snippets\n\n"
	    "lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n");
	load(f, false);
	assert_int_equal(vp_hookscript_plan(f->ctx, f->h, &o, &p), 0);
	drive(f, &p, "hookscript apply");
	kills(f, &p, "hookscript apply", 20, 4u);
	/* The snippet is executable by Proxmox: 0755, like Debian's scripts. */
	for (size_t i = 0; i < p.nedits; i++)
		if (strstr(p.edits[i].sub, "snippets/")) {
			script = true;
			assert_int_equal(p.edits[i].mode, 0755);
		}
	assert_true(script);
	vp_plan_free(&p);
	done(f);
}

static void mapping_apply(void **state)
{
	struct fx *f = fixture("intel-4090");
	struct vp_map_host host = { 0 };
	struct vp_plan p = { 0 };

	load(f, false);
	host.ctx = f->ctx;
	host.host = f->h;
	host.node = strdup("pve-rpl");
	assert_int_equal(vp_mapping_plan(&host, 1, "rtx4090",
					 (const char *const[]){ "01:00", NULL }, &p),
			 0);
	drive(f, &p, "mapping apply");
	kills(f, &p, "mapping apply", 20, 5u);
	free(host.node);
	vp_plan_free(&p);
	done(f);
}

static void sriov_apply(void **state)
{
	struct fx *f = fixture("sriov-usb");
	struct vp_guests g = { 0 };
	struct vp_plan p = { 0 };

	load(f, false);
	assert_int_equal(vp_guests_load(f->ctx, &g), 0);
	assert_int_equal(vp_sriov_plan(f->ctx, f->h, &g, "07:00.1", 4, &p), 0);
	assert_true(p.nedits > 0);
	drive(f, &p, "sriov apply");
	kills(f, &p, "sriov apply", 20, 6u);
	vp_guests_free(&g);
	vp_plan_free(&p);
	done(f);
}

static void usb_map_apply(void **state)
{
	struct fx *f = fixture("sriov-usb");
	struct vp_plan p = { 0 };

	load(f, false);
	assert_int_equal(vp_usb_mapping_plan(f->ctx, "zigbee", "1-2", &p), 0);
	assert_true(p.nedits > 0);
	drive(f, &p, "usb map apply");
	kills(f, &p, "usb map apply", 20, 7u);
	vp_plan_free(&p);
	done(f);
}

/*
 * Writes stay inside --root: a directory link to an absolute path, a ".."
 * walk and a link at the file itself cannot take a write outside it.
 */
static void no_escape(void **state)
{
	struct fx *f = fixture("n100-minipc");
	char outside[] = "/tmp/vp-outside-XXXXXX";
	_cleanup_free_ char *link = NULL, *inside = NULL, *ofile = NULL, *oconf = NULL;
	_cleanup_free_ char *pve = NULL, *keep = NULL, *iconf = NULL, *vlink = NULL;
	_cleanup_free_ char *got = NULL;
	struct stat st;
	size_t len;

	assert_non_null(mkdtemp(outside));
	ofile = xasprintf("%s/victim", outside);
	oconf = xasprintf("%s/100.conf", outside);
	fclose(fopen(ofile, "w"));
	fclose(fopen(oconf, "w"));
	/* ROOT/etc/pve/qemu-server -> /tmp/vp-outside-X (absolute, as in a snapshot) */
	pve = xasprintf("%s/etc/pve", f->dir);
	link = xasprintf("%s/qemu-server", pve);
	nftw(link, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	mkdir(pve, 0755);
	assert_int_equal(symlink(outside, link), 0);
	inside = xasprintf("tmp/%s", outside + 5);
	keep = xasprintf("%s/keep", inside);
	put(f, keep, "");
	assert_int_equal(vp_atomic_write(f->ctx, &vp_io_real, VP_ETC,
					 "pve/qemu-server/100.conf", "x\n", 2, 0644),
			 0);
	/* The link was followed inside the root, the real /tmp untouched. */
	iconf = xasprintf("%s/100.conf", inside);
	got = now(f, iconf, &len);
	assert_non_null(got);
	assert_string_equal(got, "x\n");
	assert_int_equal(stat(oconf, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* ".." cannot climb above the root either. */
	assert_true(vp_atomic_write(f->ctx, &vp_io_real, VP_ETC,
				    "../../../../../../../../tmp/vp-dotdot", "x", 1,
				    0644) <= 0);
	assert_int_not_equal(access("/tmp/vp-dotdot", F_OK), 0);
	/* A link at the file itself is never replaced (nor written through). */
	put(f, "etc/modprobe.d/keep.conf", "");
	vlink = xasprintf("%s/etc/modprobe.d/vfio.conf", f->dir);
	unlink(vlink);
	assert_int_equal(symlink(ofile, vlink), 0);
	assert_int_equal(vp_atomic_write(f->ctx, &vp_io_real, VP_ETC,
					 "modprobe.d/vfio.conf", "x", 1, 0644),
			 -EINVAL);
	assert_int_equal(stat(ofile, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(ofile);
	unlink(oconf);
	rmdir(outside);
	done(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_apply),	 cmocka_unit_test(vm_apply),
		cmocka_unit_test(lxc_apply),	 cmocka_unit_test(hookscript_apply),
		cmocka_unit_test(mapping_apply), cmocka_unit_test(sriov_apply),
		cmocka_unit_test(usb_map_apply), cmocka_unit_test(no_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
