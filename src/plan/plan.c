// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plan/plan.h"

#define UNDO_DIR "vfio-pilot/undo"

void vp_plan_free(struct vp_plan *p)
{
	for (size_t i = 0; i < p->nedits; i++) {
		free(p->edits[i].sub);
		free(p->edits[i].old);
		free(p->edits[i].new);
		free(p->edits[i].why);
	}
	free(p->edits);
	for (size_t i = 0; i < p->ncmds; i++) {
		for (char **a = p->cmds[i].argv; a && *a; a++)
			free(*a);
		free(p->cmds[i].argv);
		free(p->cmds[i].why);
	}
	free(p->cmds);
	strv_free(&p->notes);
	strv_free(&p->refusals);
}

int vp_plan_edit(struct vp_ctx *ctx, struct vp_plan *p, const char *sub, char *new,
		 size_t newlen, mode_t mode, const char *why)
{
	_cleanup_free_ char *owned = new, *old = NULL;
	struct vp_file_state st;
	struct vp_edit *e;
	size_t oldlen;
	int r;

	r = vp_file_read(ctx, VP_ROOT, sub, &old, &oldlen, &st);
	if (r < 0)
		return r;
	if (st.exists && oldlen == newlen && memcmp(old, new, newlen) == 0)
		return 0;
	e = realloc(p->edits, (p->nedits + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	p->edits = e;
	e = &p->edits[p->nedits++];
	*e = (struct vp_edit){ .sub = strdup(sub),
			       .old = st.exists ? TAKE_PTR(old) : NULL,
			       .oldlen = st.exists ? oldlen : 0,
			       .new = TAKE_PTR(owned),
			       .newlen = newlen,
			       .mode = mode,
			       .oldmode = st.exists ? st.mode : mode,
			       .why = strdup(why) };
	return e->sub && e->why ? 0 : -ENOMEM;
}

int vp_plan_command(struct vp_plan *p, const char *why, const char *const *argv)
{
	struct vp_command *c;
	size_t n = 0;

	for (size_t i = 0; i < p->ncmds; i++) {
		char *const *have = p->cmds[i].argv;

		for (n = 0; argv[n] && have[n] && streq(argv[n], have[n]); n++)
			;
		if (!argv[n] && !have[n])
			return 0; /* planned already */
	}
	for (n = 0; argv[n]; n++)
		;
	c = realloc(p->cmds, (p->ncmds + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->cmds = c;
	c = &p->cmds[p->ncmds++];
	c->argv = calloc(n + 1, sizeof(*c->argv));
	c->why = strdup(why);
	if (!c->argv || !c->why)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(c->argv[i] = strdup(argv[i])))
			return -ENOMEM;
	return 0;
}

int vp_plan_note(struct vp_plan *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vpushf(&p->notes, fmt, ap);
	va_end(ap);
	return r;
}

int vp_plan_refuse(struct vp_plan *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_vpushf(&p->refusals, fmt, ap);
	va_end(ap);
	return r;
}

static void print_argv(FILE *f, char *const *argv)
{
	for (size_t i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
}

void vp_plan_print(FILE *f, const struct vp_plan *p)
{
	for (size_t i = 0; i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];
		_cleanup_free_ char *label = vp_display_path(VP_ROOT, e->sub);

		fprintf(f, "%s# %s: %s\n", i ? "\n" : "", label, e->why);
		vp_diff(f, label, e->old, e->oldlen, e->old != NULL, e->new, e->newlen);
	}
	if (p->ncmds)
		fprintf(f, "%sCommands to run after the files are written:\n",
			p->nedits ? "\n" : "");
	for (size_t i = 0; i < p->ncmds; i++) {
		fputs("  ", f);
		print_argv(f, p->cmds[i].argv);
		fprintf(f, "    # %s\n", p->cmds[i].why);
	}
}
/* ---- journal ------------------------------------------------------------ */

/*
 * ROOT/var/lib/vfio-pilot/undo/ID/ holds, for apply ID, bN (file N before),
 * nN (file N as apply wrote it) and the journal:
 *
 *   vfio-pilot-undo 2
 *   state prepared|complete|rolled-back|undoing|undoing-forced|undone
 *   file SUB<TAB>replaced|created<TAB>bN<TAB>MODE<TAB>nN
 *   dir SUB                     a directory the apply created
 *   run 0|1<TAB>ARG<TAB>ARG...  a command; 1 once it has exited 0
 *
 * SUB and ARG escape backslash, tab and newline. The journal is written
 * before the first file is renamed ("prepared") and rewritten atomically at
 * each step, so a run killed anywhere leaves a state the next apply or undo
 * can finish or take back. Version 1 journals (no nN, "command" lines) are
 * still read.
 */
#define JOURNAL_MAGIC1 "vfio-pilot-undo 1"
#define JOURNAL_MAGIC  "vfio-pilot-undo 2"

struct jfile {
	char *sub;
	bool created;
	size_t idx;
	mode_t mode; /* of the file before, or of a created one */
	bool have_new;
};

struct jcmd {
	char **argv;
	bool done;
};

struct journal {
	char *id;
	char *state;
	struct jfile *files;
	size_t nfiles;
	struct strv dirs;
	struct jcmd *cmds;
	size_t ncmds;
};

static void argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

static char **argv_dup(char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = strdup(argv[i]))) {
			argv_free(v);
			return NULL;
		}
	return v;
}

static bool argv_eq(char *const *a, char *const *b)
{
	size_t i;

	for (i = 0; a[i] && b[i] && streq(a[i], b[i]); i++)
		;
	return !a[i] && !b[i];
}

static void journal_free(struct journal *j)
{
	free(j->id);
	free(j->state);
	for (size_t i = 0; i < j->nfiles; i++)
		free(j->files[i].sub);
	free(j->files);
	strv_free(&j->dirs);
	for (size_t i = 0; i < j->ncmds; i++)
		argv_free(j->cmds[i].argv);
	free(j->cmds);
	*j = (struct journal){ 0 };
}

static void esc(FILE *m, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", m);
		else if (*s == '\t')
			fputs("\\t", m);
		else if (*s == '\n')
			fputs("\\n", m);
		else
			fputc(*s, m);
	}
}

/* In place; NULL on an escape esc() does not write. */
static char *unesc(char *s)
{
	char *o = s;

	for (char *i = s; *i; i++) {
		if (*i != '\\') {
			*o++ = *i;
			continue;
		}
		i++;
		if (*i == '\\')
			*o++ = '\\';
		else if (*i == 't')
			*o++ = '\t';
		else if (*i == 'n')
			*o++ = '\n';
		else
			return NULL;
	}
	*o = '\0';
	return s;
}

static bool safe_sub(const char *sub)
{
	return *sub && sub[0] != '/' && !strstr(sub, "..");
}

static int add_cmd(struct jcmd **v, size_t *n, char **argv, bool done)
{
	struct jcmd *c = realloc(*v, (*n + 1) * sizeof(**v));

	if (!c) {
		argv_free(argv);
		return -ENOMEM;
	}
	*v = c;
	c[(*n)++] = (struct jcmd){ .argv = argv, .done = done };
	return 0;
}

/* A tab-separated tail of unescaped arguments as an argv. */
static char **parse_argv(char *l)
{
	_cleanup_(strv_free) struct strv a = { 0 };
	char *save = NULL, **v;

	for (char *t = strtok_r(l, "\t", &save); t; t = strtok_r(NULL, "\t", &save))
		if (!unesc(t) || strv_add(&a, t) < 0)
			return NULL;
	if (!a.n)
		return NULL;
	v = calloc(a.n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < a.n; i++)
		v[i] = TAKE_PTR(a.v[i]);
	return v;
}

static int parse_file(char *l, struct journal *j, bool v2)
{
	char *f[6] = { 0 }, *save = NULL, *end;
	struct jfile *nf, x = { 0 };
	size_t n = 0;
	unsigned long mode;

	for (char *t = strtok_r(l, "\t", &save); t && n < 6;
	     t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	if (n < 4 || n > 5 || !unesc(f[0]) || !safe_sub(f[0]))
		return -EBADMSG;
	if (!streq(f[1], "created") && !streq(f[1], "replaced"))
		return -EBADMSG;
	if (f[2][0] != 'b' || !f[2][1] || f[2][1] == '-')
		return -EBADMSG;
	errno = 0;
	x.idx = strtoul(f[2] + 1, &end, 10);
	if (errno || *end)
		return -EBADMSG;
	mode = strtoul(f[3], &end, 8);
	if (errno || *end || mode > 07777)
		return -EBADMSG;
	x.mode = (mode_t)mode;
	x.created = streq(f[1], "created");
	/* nN names the same N: the one file this line restores. */
	if (v2 && n == 5 && !streq(f[4], "-")) {
		if (f[4][0] != 'n' || !streq(f[4] + 1, f[2] + 1))
			return -EBADMSG;
		x.have_new = true;
	}
	for (size_t i = 0; i < j->nfiles; i++)
		if (j->files[i].idx == x.idx || streq(j->files[i].sub, f[0]))
			return -EBADMSG;
	x.sub = strdup(f[0]);
	if (!x.sub)
		return -ENOMEM;
	nf = realloc(j->files, (j->nfiles + 1) * sizeof(*nf));
	if (!nf) {
		free(x.sub);
		return -ENOMEM;
	}
	j->files = nf;
	j->files[j->nfiles++] = x;
	return 0;
}

static int journal_parse(char *text, struct journal *j)
{
	char *save = NULL;
	bool v2;
	int r = 0;

	if (startswith(text, JOURNAL_MAGIC "\n"))
		v2 = true;
	else if (startswith(text, JOURNAL_MAGIC1 "\n"))
		v2 = false;
	else
		return -EBADMSG;
	for (char *l = strtok_r(text, "\n", &save); l && r == 0;
	     l = strtok_r(NULL, "\n", &save)) {
		if (startswith(l, "state ")) {
			free(j->state);
			j->state = strdup(l + 6);
			r = j->state ? 0 : -ENOMEM;
		} else if (startswith(l, "file ")) {
			r = parse_file(l + 5, j, v2);
		} else if (v2 && startswith(l, "dir ")) {
			r = unesc(l + 4) && safe_sub(l + 4) ? strv_add(&j->dirs, l + 4)
							    : -EBADMSG;
		} else if (v2 && (startswith(l, "run 0\t") || startswith(l, "run 1\t"))) {
			char **argv = parse_argv(l + 6);

			r = argv ? add_cmd(&j->cmds, &j->ncmds, argv, l[4] == '1')
				 : -EBADMSG;
		} else if (!v2 && startswith(l, "command\t")) {
			/* Version 1 ran its commands (or showed them) at apply. */
			char **argv = parse_argv(l + 8);

			r = argv ? add_cmd(&j->cmds, &j->ncmds, argv, true) : -EBADMSG;
		}
	}
	if (r == 0 && !j->state)
		r = -EBADMSG;
	return r;
}

static char *journal_text(const struct journal *j, size_t *len)
{
	char *t = NULL;
	FILE *m = open_memstream(&t, len);

	if (!m)
		return NULL;
	fprintf(m, JOURNAL_MAGIC "\nstate %s\n", j->state);
	for (size_t i = 0; i < j->nfiles; i++) {
		const struct jfile *f = &j->files[i];

		fputs("file ", m);
		esc(m, f->sub);
		fprintf(m, "\t%s\tb%zu\t%04o\t", f->created ? "created" : "replaced",
			f->idx, (unsigned int)(f->mode & 07777));
		if (f->have_new)
			fprintf(m, "n%zu\n", f->idx);
		else
			fputs("-\n", m);
	}
	for (size_t i = 0; i < j->dirs.n; i++) {
		fputs("dir ", m);
		esc(m, j->dirs.v[i]);
		fputc('\n', m);
	}
	for (size_t i = 0; i < j->ncmds; i++) {
		fprintf(m, "run %d", j->cmds[i].done ? 1 : 0);
		for (char **a = j->cmds[i].argv; *a; a++) {
			fputc('\t', m);
			esc(m, *a);
		}
		fputc('\n', m);
	}
	if (fclose(m) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static int journal_save(struct vp_ctx *ctx, const struct vp_io *io, struct journal *j,
			const char *state)
{
	_cleanup_free_ char *sub = xasprintf(UNDO_DIR "/%s/journal", j->id);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (state) {
		char *s = strdup(state);

		if (!s)
			return -ENOMEM;
		free(j->state);
		j->state = s;
	}
	text = journal_text(j, &len);
	if (!text || !sub)
		return -ENOMEM;
	return vp_atomic_write(ctx, io, VP_VAR_LIB, sub, text, len, 0600);
}

static int journal_load(struct vp_ctx *ctx, const char *id, struct journal *j)
{
	_cleanup_free_ char *text = NULL;
	struct vp_file_state st;
	size_t len;
	int r;

	*j = (struct journal){ 0 };
	{
		_cleanup_free_ char *sub = xasprintf(UNDO_DIR "/%s/journal", id);

		if (!sub)
			return -ENOMEM;
		r = vp_file_read(ctx, VP_VAR_LIB, sub, &text, &len, &st);
	}
	if (r < 0)
		return r;
	if (!st.exists)
		return -ENOENT;
	if (strlen(text) != len)
		return -EBADMSG;
	j->id = strdup(id);
	if (!j->id)
		return -ENOMEM;
	r = journal_parse(text, j);
	if (r < 0)
		journal_free(j);
	return r;
}

/* The undo ids, oldest first (ids sort by time). */
static int list_ids(struct vp_ctx *ctx, struct strv *ids)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	r = vp_opendirf(ctx, VP_VAR_LIB, &d, UNDO_DIR);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strv_add(ids, e->d_name) < 0)
			return -ENOMEM;
	strv_sort(ids);
	return 0;
}

/* bN or nN of apply @id; -ENOENT when it is missing. */
static int undo_data(struct vp_ctx *ctx, const char *id, char kind, size_t idx,
		     char **data, size_t *len)
{
	_cleanup_free_ char *sub = xasprintf(UNDO_DIR "/%s/%c%zu", id, kind, idx);
	struct vp_file_state st;
	int r;

	if (!sub)
		return -ENOMEM;
	r = vp_file_read(ctx, VP_VAR_LIB, sub, data, len, &st);
	if (r == 0 && !st.exists)
		r = -ENOENT;
	return r;
}

struct fver {
	char *data;
	size_t len;
	bool exists;
};

static void fver_free(struct fver *v)
{
	free(v->data);
	*v = (struct fver){ 0 };
}

static bool fver_eq(const struct fver *a, const struct fver *b)
{
	return a->exists == b->exists &&
	       (!a->exists ||
		(a->len == b->len && memcmp(a->data, b->data, a->len) == 0));
}

/* The three versions of a journal's file: before, as written, now. */
static int versions(struct vp_ctx *ctx, const struct journal *j, const struct jfile *f,
		    struct fver *old, struct fver *new, struct fver *cur)
{
	struct vp_file_state st;
	int r;

	*old = *new = *cur = (struct fver){ 0 };
	if (!f->created) {
		r = undo_data(ctx, j->id, 'b', f->idx, &old->data, &old->len);
		if (r < 0)
			return r;
		old->exists = true;
	}
	if (f->have_new) {
		r = undo_data(ctx, j->id, 'n', f->idx, &new->data, &new->len);
		if (r < 0)
			return r;
		new->exists = true;
	}
	r = vp_file_read(ctx, VP_ROOT, f->sub, &cur->data, &cur->len, &st);
	if (r < 0)
		return r;
	cur->exists = st.exists;
	return 0;
}

static int clean_temps_of(struct vp_ctx *ctx, const struct vp_io *io, const char *sub)
{
	_cleanup_free_ char *dir = strdup(sub);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		return vp_atomic_clean_temps(ctx, io, VP_ROOT, "", dir);
	*slash = '\0';
	return vp_atomic_clean_temps(ctx, io, VP_ROOT, dir, slash + 1);
}

/* ---- commands ------------------------------------------------------------- */

int vp_run_command(char *const *argv, FILE *log)
{
	pid_t pid;
	int status;

	fputs("running: ", log);
	print_argv(log, argv);
	fputc('\n', log);
	fflush(log);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/*
		 * update-initramfs, proxmox-boot-tool and qm run as root: they get
		 * a fixed environment, not the caller's (a PATH, LD_PRELOAD or
		 * BASH_ENV from a sudo shell must not choose what runs), and the
		 * umask Debian's tools expect for the files they write.
		 */
		clearenv();
		if (setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0 ||
		    setenv("LC_ALL", "C", 1) < 0)
			_exit(127);
		umask(022);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(log, "  failed: %s %d\n", WIFEXITED(status) ? "exit status" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -ECHILD;
}

static bool can_run(struct vp_ctx *ctx, const struct vp_io *io)
{
	/* The real commands act on this machine, so only when the root is it. */
	return io->run && (io->run != vp_run_command || streq(ctx->root, "/"));
}

/*
 * Run every command an apply recorded and that has not yet exited 0 (oldest
 * apply first, each distinct command once), then @extra (a plan's commands
 * that no journal holds). A command is marked done in its journals as soon
 * as it succeeds, so a run killed between two commands re-runs only the
 * rest; one killed inside a command runs it again (these commands are
 * idempotent: they regenerate from the files). Stops at the first failure.
 */
static int run_pending(struct vp_ctx *ctx, const struct vp_io *io,
		       const struct vp_plan *extra, FILE *log)
{
	_cleanup_(strv_free) struct strv ids = { 0 };
	struct journal *js = NULL;
	size_t nj = 0;
	char ***todo = NULL;
	size_t ntodo = 0;
	int r;

	r = list_ids(ctx, &ids);
	if (r < 0)
		return r;
	js = calloc(ids.n + 1, sizeof(*js));
	if (!js)
		return -ENOMEM;
	for (size_t i = 0; i < ids.n; i++) {
		struct journal j;

		if (journal_load(ctx, ids.v[i], &j) < 0)
			continue;
		if (!streq(j.state, "complete")) {
			journal_free(&j);
			continue;
		}
		js[nj++] = j;
	}
	todo = calloc(1, sizeof(*todo));
	for (size_t i = 0; todo && i < nj; i++)
		for (size_t k = 0; todo && k < js[i].ncmds; k++) {
			bool seen = false;
			char ***t;

			if (js[i].cmds[k].done)
				continue;
			for (size_t m = 0; m < ntodo && !seen; m++)
				seen = argv_eq(todo[m], js[i].cmds[k].argv);
			if (seen)
				continue;
			t = realloc(todo, (ntodo + 1) * sizeof(*todo));
			if (!t) {
				free(todo);
				todo = NULL;
				break;
			}
			todo = t;
			todo[ntodo++] = js[i].cmds[k].argv;
		}
	for (size_t k = 0; todo && extra && k < extra->ncmds; k++) {
		bool seen = false;
		char ***t;

		for (size_t m = 0; m < ntodo && !seen; m++)
			seen = argv_eq(todo[m], extra->cmds[k].argv);
		if (seen)
			continue;
		t = realloc(todo, (ntodo + 1) * sizeof(*todo));
		if (!t) {
			free(todo);
			todo = NULL;
			break;
		}
		todo = t;
		todo[ntodo++] = extra->cmds[k].argv;
	}
	if (!todo) {
		r = -ENOMEM;
		goto out;
	}
	if (ntodo && !can_run(ctx, io)) {
		fprintf(log,
			"commands not run: --root is not / (run them on that host; "
			"they stay pending until an apply or undo there runs them):\n");
		for (size_t m = 0; m < ntodo; m++) {
			fputs("  ", log);
			print_argv(log, todo[m]);
			fputc('\n', log);
		}
		goto out;
	}
	for (size_t m = 0; m < ntodo && r == 0; m++) {
		r = io->run(todo[m], log);
		if (r < 0) {
			fprintf(log,
				"the command stays pending: the next apply or undo runs "
				"it again\n");
			break;
		}
		for (size_t i = 0; i < nj && r == 0; i++) {
			bool changed = false;

			for (size_t k = 0; k < js[i].ncmds; k++)
				if (!js[i].cmds[k].done &&
				    argv_eq(js[i].cmds[k].argv, todo[m])) {
					js[i].cmds[k].done = true;
					changed = true;
				}
			if (changed)
				r = journal_save(ctx, io, &js[i], NULL);
		}
	}
out:
	free(todo);
	for (size_t i = 0; i < nj; i++)
		journal_free(&js[i]);
	free(js);
	return r;
}

/* ---- lock and recovery ------------------------------------------------------ */

int vp_plan_lock(struct vp_ctx *ctx, const struct vp_io *io, int *fdp)
{
	_cleanup_close_ int dfd = -1, fd = -1;

	*fdp = -1;
	dfd = vp_atomic_open_dir(ctx, io, VP_VAR_LIB, "vfio-pilot", true);
	if (dfd < 0)
		return dfd;
	fd = io->openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/* flock(2): released by the kernel when the process ends, however. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return -errno;
		vp_log_err(
			ctx,
			"another vfio-pilot apply, undo or bind is writing to %s (it holds "
			"%s/var/lib/vfio-pilot/lock); nothing was written: run again "
			"when it has finished",
			ctx->root, streq(ctx->root, "/") ? "" : ctx->root);
		return -EAGAIN;
	}
	*fdp = fd;
	fd = -1;
	return 0;
}

int vp_plan_exit_code(int err)
{
	return err == -EAGAIN ? VP_EXIT_TEMPFAIL : vp_exit_code(err);
}

/*
 * An undo directory without a journal: apply was killed while writing its
 * backups, before any host file was touched. Only the names apply writes
 * there are removed.
 */
static void discard_dir(struct vp_ctx *ctx, const struct vp_io *io, const char *id)
{
	_cleanup_free_ char *sub = xasprintf(UNDO_DIR "/%s", id);
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int dfd = -1;
	struct dirent *e;
	int fd;

	if (!sub)
		return;
	vp_atomic_clean_temps(ctx, io, VP_VAR_LIB, sub, NULL);
	dfd = vp_atomic_open_dir(ctx, io, VP_VAR_LIB, sub, false);
	if (dfd < 0 || (fd = dup(dfd)) < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		const char *n = e->d_name;

		if ((n[0] == 'b' || n[0] == 'n') && n[1] &&
		    strspn(n + 1, "0123456789") == strlen(n + 1))
			io->unlinkat(dfd, n, 0);
	}
	vp_atomic_rmdir(ctx, io, VP_VAR_LIB, sub);
}

static void conflict(FILE *log, const char *sub, const struct fver *want,
		     const struct fver *cur, const char *what)
{
	_cleanup_free_ char *label = vp_display_path(VP_ROOT, sub);

	if (!cur->exists) {
		fprintf(log, "%s was removed since %s\n", label, what);
		return;
	}
	fprintf(log, "%s changed since %s; the lines that differ from what it wrote:\n",
		label, what);
	vp_diff(log, label, want->data, want->len, want->exists, cur->data, cur->len);
}

/*
 * Put back what apply @j replaced. A file that already holds its old
 * content is left alone (an undo killed half way is run again); one that
 * holds neither what apply wrote nor the old content is refused, or with
 * @force saved as undo/ID/rN before it is restored. Then the directories
 * the apply created, when empty.
 */
static int restore_files(struct vp_ctx *ctx, const struct vp_io *io, struct journal *j,
			 bool force, FILE *log)
{
	for (size_t i = j->nfiles; i-- > 0;) {
		const struct jfile *f = &j->files[i];
		struct fver old, new, cur;
		int r;

		r = versions(ctx, j, f, &old, &new, &cur);
		if (r == 0 && fver_eq(&cur, &old))
			goto next;
		if (r == 0 && f->have_new && !fver_eq(&cur, &new) && cur.exists) {
			_cleanup_free_ char *rsub =
				xasprintf(UNDO_DIR "/%s/r%zu", j->id, f->idx);

			if (!force) {
				conflict(log, f->sub, &new, &cur, "the apply");
				r = -ESTALE;
				goto next;
			}
			r = rsub ? vp_atomic_write(ctx, io, VP_VAR_LIB, rsub, cur.data,
						   cur.len, 0600)
				 : -ENOMEM;
			if (r == 0)
				fprintf(log, "kept /%s as it was in /var/lib/%s\n",
					f->sub, rsub);
		}
		if (r == 0)
			r = f->created ? vp_atomic_remove(ctx, io, VP_ROOT, f->sub)
				       : vp_atomic_write(ctx, io, VP_ROOT, f->sub,
							 old.data, old.len, f->mode);
		if (r == 0)
			fprintf(log, "restored /%s%s\n", f->sub,
				f->created ? " (removed)" : "");
	next:
		fver_free(&old);
		fver_free(&new);
		fver_free(&cur);
		if (r < 0) {
			if (r != -ESTALE)
				fprintf(log, "undo of /%s failed: %s\n", f->sub,
					strerror(-r));
			return r;
		}
	}
	for (size_t i = j->dirs.n; i-- > 0;) {
		int r = vp_atomic_rmdir(ctx, io, VP_ROOT, j->dirs.v[i]);

		if (r < 0)
			return r;
		if (r > 0)
			fprintf(log, "removed /%s (created by the apply)\n",
				j->dirs.v[i]);
	}
	return 0;
}

/* Write what apply @j wrote to the files that still hold their old content. */
static int finish_files(struct vp_ctx *ctx, const struct vp_io *io, struct journal *j,
			FILE *log)
{
	/* Every file first: none is written unless all are old or new. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < j->nfiles; i++) {
			const struct jfile *f = &j->files[i];
			struct fver old, new, cur;
			int r;

			if (!f->have_new)
				return -EBADMSG;
			r = versions(ctx, j, f, &old, &new, &cur);
			if (r == 0 && !fver_eq(&cur, &new) && !fver_eq(&cur, &old)) {
				conflict(log, f->sub, &new, &cur,
					 "the interrupted apply");
				r = -ESTALE;
			} else if (r == 0 && pass == 1 && !fver_eq(&cur, &new)) {
				r = vp_atomic_write(ctx, io, VP_ROOT, f->sub, new.data,
						    new.len, f->mode);
				if (r == 0)
					fprintf(log, "wrote /%s\n", f->sub);
			}
			fver_free(&old);
			fver_free(&new);
			fver_free(&cur);
			if (r < 0)
				return r;
		}
	return 0;
}

/*
 * What a killed run left: an apply in "prepared" (its files old or new, in
 * any mix) or an undo in "undoing". Apply finishes an interrupted apply, undo
 * takes it back; an interrupted undo is finished by either. A file that is
 * neither version stops it (-ESTALE): someone changed it since, and only the
 * operator can say which is right; undo --force (@force) keeps it as rN and
 * takes the run back. Returns how many runs were recovered.
 */
static int recover(struct vp_ctx *ctx, const struct vp_io *io, bool undo, bool force,
		   bool *undid, FILE *log)
{
	_cleanup_(strv_free) struct strv ids = { 0 };
	int n = 0, r;

	*undid = false;
	r = list_ids(ctx, &ids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ids.n; i++) {
		_cleanup_free_ char *dir = xasprintf(UNDO_DIR "/%s", ids.v[i]);
		/* What it wrote is kept (version 2): it can be finished. */
		bool complete = true;
		struct journal j;

		if (!dir)
			return -ENOMEM;
		vp_atomic_clean_temps(ctx, io, VP_VAR_LIB, dir, NULL);
		r = journal_load(ctx, ids.v[i], &j);
		if (r == -ENOENT) {
			discard_dir(ctx, io, ids.v[i]);
			continue;
		}
		if (r < 0) {
			fprintf(log, "undo record %s is unreadable (%s); left alone\n",
				ids.v[i], strerror(-r));
			continue;
		}
		if (streq(j.state, "prepared") || startswith(j.state, "undoing")) {
			for (size_t k = 0; k < j.nfiles; k++)
				clean_temps_of(ctx, io, j.files[k].sub);
		}
		for (size_t k = 0; k < j.nfiles; k++)
			complete &= j.files[k].have_new;
		if (streq(j.state, "prepared") && !undo && complete) {
			fprintf(log,
				"finishing apply %s, interrupted before it completed\n",
				j.id);
			r = finish_files(ctx, io, &j, log);
			if (r == 0)
				r = journal_save(ctx, io, &j, "complete");
		} else if (streq(j.state, "prepared")) {
			if (!undo)
				*undid = true; /* the plan was made from the half state */
			fprintf(log,
				"taking back apply %s, interrupted before it completed\n",
				j.id);
			r = restore_files(ctx, io, &j, force, log);
			if (r == 0)
				r = journal_save(ctx, io, &j, "rolled-back");
		} else if (startswith(j.state, "undoing")) {
			fprintf(log, "finishing the undo of %s, interrupted\n", j.id);
			r = restore_files(ctx, io, &j,
					  force || streq(j.state, "undoing-forced"), log);
			for (size_t k = 0; r == 0 && k < j.ncmds; k++)
				j.cmds[k].done = true;
			if (r == 0)
				r = journal_save(ctx, io, &j, "undone");
			*undid = true;
		} else {
			journal_free(&j);
			continue;
		}
		if (r == -ESTALE)
			fprintf(log,
				"recovery of %s stopped: put the file back as it was, or run "
				"undo --force (it keeps the file as undo/%s/rN)\n",
				j.id, j.id);
		journal_free(&j);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

/* ---- apply ------------------------------------------------------------------ */

static int new_id(struct vp_ctx *ctx, const struct vp_io *io, char **idp)
{
	_cleanup_close_ int dfd = -1;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	*idp = NULL;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	dfd = vp_atomic_open_dir(ctx, io, VP_VAR_LIB, UNDO_DIR, true);
	if (dfd < 0)
		return dfd;
	/*
	 * mkdir(2) is the claim: it fails with EEXIST for every id another run
	 * took, so no two applies share a directory. "-NN" sorts after the
	 * bare stamp and before the next second.
	 */
	for (int n = 0; n < 100; n++) {
		_cleanup_free_ char *id =
			n ? xasprintf("%s-%02d", stamp, n) : strdup(stamp);

		if (!id)
			return -ENOMEM;
		if (io->mkdirat(dfd, id, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		if (io->fsync(dfd) < 0)
			return -errno;
		*idp = TAKE_PTR(id);
		return 0;
	}
	return -EEXIST;
}

static bool holds(const struct fver *cur, const char *data, size_t len, bool exists)
{
	struct fver want = { .data = (char *)data, .len = len, .exists = exists };

	return fver_eq(cur, &want);
}

/*
 * After a failed apply: put back every file that no longer holds its old
 * content (a file whose rename landed but whose directory fsync failed
 * counts too), so the host is left as it was.
 */
static void roll_back(struct vp_ctx *ctx, struct journal *j, const struct vp_plan *p,
		      FILE *log)
{
	for (size_t k = j->nfiles; k-- > 0;) {
		const struct vp_edit *e = &p->edits[j->files[k].idx];
		struct vp_file_state st;
		struct fver cur = { 0 };
		int r;

		r = vp_file_read(ctx, VP_ROOT, e->sub, &cur.data, &cur.len, &st);
		cur.exists = st.exists;
		if (r == 0 && holds(&cur, e->old, e->oldlen, e->old != NULL)) {
			fver_free(&cur);
			continue;
		}
		fver_free(&cur);
		r = e->old ? vp_atomic_write(ctx, &vp_io_real, VP_ROOT, e->sub, e->old,
					     e->oldlen, e->oldmode)
			   : vp_atomic_remove(ctx, &vp_io_real, VP_ROOT, e->sub);
		fprintf(log, "rolled back /%s%s\n", e->sub, r < 0 ? " FAILED" : "");
	}
	for (size_t i = j->dirs.n; i-- > 0;)
		vp_atomic_rmdir(ctx, &vp_io_real, VP_ROOT, j->dirs.v[i]);
}

/* The directories above @sub that do not exist yet, outermost first. */
static int missing_dirs(struct vp_ctx *ctx, const char *sub, struct strv *dirs)
{
	for (const char *s = strchr(sub, '/'); s; s = strchr(s + 1, '/')) {
		_cleanup_free_ char *d = strndup(sub, (size_t)(s - sub));

		if (!d)
			return -ENOMEM;
		if (vp_existsf(ctx, VP_ROOT, "%s", d) || strv_contains(dirs, d))
			continue;
		if (strv_add(dirs, d) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int write_undo_data(struct vp_ctx *ctx, const struct vp_io *io, const char *id,
			   char kind, size_t idx, const char *data, size_t len)
{
	_cleanup_free_ char *b = xasprintf(UNDO_DIR "/%s/%c%zu", id, kind, idx);

	if (!b)
		return -ENOMEM;
	return vp_atomic_write(ctx, io, VP_VAR_LIB, b, data ? data : "", len, 0600);
}

static int apply_locked(struct vp_ctx *ctx, const struct vp_io *io,
			const struct vp_plan *p, char **idp, FILE *log)
{
	_cleanup_free_ bool *todo = calloc(p->nedits + 1, sizeof(*todo));
	_cleanup_free_ char *id = NULL;
	struct journal j = { 0 };
	size_t ntodo = 0;
	bool undid;
	int r;

	if (!todo)
		return -ENOMEM;
	r = recover(ctx, io, false, false, &undid, log);
	if (r < 0)
		return r;
	/*
	 * The plan was made from the files as a killed undo (or an apply that
	 * could only be taken back) left them, half restored: it may lack
	 * edits for the files restored just now.
	 */
	if (undid) {
		fprintf(log,
			"an interrupted run was taken back first; the plan was made "
			"before, so nothing else was written: plan and apply again\n");
		return -ESTALE;
	}
	/*
	 * Nothing may have changed since the plan was made. A file that holds
	 * the planned content already (an interrupted apply just finished it)
	 * needs no edit.
	 */
	for (size_t i = 0; i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];
		struct vp_file_state st;
		struct fver cur = { 0 };

		r = vp_file_read(ctx, VP_ROOT, e->sub, &cur.data, &cur.len, &st);
		if (r < 0)
			return r;
		cur.exists = st.exists;
		if (holds(&cur, e->new, e->newlen, true)) {
			fver_free(&cur);
			continue;
		}
		if (!holds(&cur, e->old, e->oldlen, e->old != NULL)) {
			fver_free(&cur);
			fprintf(log,
				"/%s changed since the plan was made; nothing written\n",
				e->sub);
			return -ESTALE;
		}
		fver_free(&cur);
		todo[i] = true;
		ntodo++;
	}
	if (ntodo) {
		r = new_id(ctx, io, &id);
		if (r < 0)
			return r;
		j.id = strdup(id);
		if (!j.id)
			r = -ENOMEM;
		for (size_t i = 0; i < p->nedits && r == 0; i++) {
			const struct vp_edit *e = &p->edits[i];
			struct jfile *nf;

			if (!todo[i])
				continue;
			nf = realloc(j.files, (j.nfiles + 1) * sizeof(*nf));
			if (!nf) {
				r = -ENOMEM;
				break;
			}
			j.files = nf;
			nf[j.nfiles] = (struct jfile){ .sub = strdup(e->sub),
						       .created = !e->old,
						       .idx = i,
						       .mode = e->oldmode,
						       .have_new = true };
			if (!nf[j.nfiles++].sub)
				r = -ENOMEM;
			if (r == 0)
				r = missing_dirs(ctx, e->sub, &j.dirs);
			/* A failure here leaves a stray file, never a wrong one. */
			if (r == 0)
				clean_temps_of(ctx, io, e->sub);
			/* Backups first: undo must be possible from the first rename. */
			if (r == 0)
				r = write_undo_data(ctx, io, id, 'b', i, e->old,
						    e->oldlen);
			if (r == 0)
				r = write_undo_data(ctx, io, id, 'n', i, e->new,
						    e->newlen);
		}
		for (size_t i = 0; i < p->ncmds && r == 0; i++) {
			char **argv = argv_dup(p->cmds[i].argv);

			r = argv ? add_cmd(&j.cmds, &j.ncmds, argv, false) : -ENOMEM;
		}
		if (r < 0) {
			journal_free(&j);
			return r; /* no journal: the next run discards the directory */
		}
		/* Failing, it may still have landed (its directory fsync failed). */
		r = journal_save(ctx, io, &j, "prepared");
		for (size_t i = 0; i < p->nedits && r == 0; i++) {
			const struct vp_edit *e = &p->edits[i];

			if (!todo[i])
				continue;
			r = vp_atomic_write(ctx, io, VP_ROOT, e->sub, e->new, e->newlen,
					    e->mode);
			if (r < 0)
				fprintf(log, "writing /%s failed: %s\n", e->sub,
					strerror(-r));
			else
				fprintf(log, "wrote /%s\n", e->sub);
		}
		if (r == 0)
			r = journal_save(ctx, io, &j, "complete");
		if (r < 0) {
			roll_back(ctx, &j, p, log);
			journal_save(ctx, &vp_io_real, &j, "rolled-back");
			journal_free(&j);
			return r;
		}
		journal_free(&j);
	}
	/* The plan's commands are in the journal when it wrote files. */
	r = run_pending(ctx, io, ntodo ? NULL : p, log);
	*idp = TAKE_PTR(id);
	return r;
}

int vp_plan_apply(struct vp_ctx *ctx, const struct vp_io *io, const struct vp_plan *p,
		  char **idp, FILE *log)
{
	_cleanup_close_ int lock = -1;
	int r;

	*idp = NULL;
	if (p->refusals.n)
		return -EPERM;
	r = vp_plan_lock(ctx, io, &lock);
	if (r < 0)
		return r;
	return apply_locked(ctx, io, p, idp, log);
}

int vp_plan_pending(struct vp_ctx *ctx, struct strv *cmds, struct strv *interrupted)
{
	_cleanup_(strv_free) struct strv ids = { 0 };
	int r;

	r = list_ids(ctx, &ids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ids.n; i++) {
		struct journal j;

		if (journal_load(ctx, ids.v[i], &j) < 0)
			continue;
		if ((streq(j.state, "prepared") || startswith(j.state, "undoing")) &&
		    strv_add(interrupted, j.id) < 0)
			r = -ENOMEM;
		for (size_t k = 0; r == 0 && streq(j.state, "complete") && k < j.ncmds;
		     k++) {
			char *s = NULL;
			size_t len = 0;
			FILE *m;

			if (j.cmds[k].done)
				continue;
			m = open_memstream(&s, &len);
			if (!m) {
				r = -ENOMEM;
				break;
			}
			print_argv(m, j.cmds[k].argv);
			fclose(m);
			if (!s || strv_contains(cmds, s))
				free(s);
			else if (strv_push(cmds, s) < 0)
				r = -ENOMEM;
		}
		journal_free(&j);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- undo --------------------------------------------------------------- */

/* The latest apply whose journal is complete. */
static char *latest_id(struct vp_ctx *ctx)
{
	_cleanup_(strv_free) struct strv ids = { 0 };

	if (list_ids(ctx, &ids) < 0)
		return NULL;
	for (size_t i = ids.n; i-- > 0;) {
		struct journal j;
		bool ok;

		if (journal_load(ctx, ids.v[i], &j) < 0)
			continue;
		ok = streq(j.state, "complete");
		journal_free(&j);
		if (ok)
			return strdup(ids.v[i]);
	}
	return NULL;
}

/*
 * The files of @j that hold neither what the apply wrote nor their old
 * content: each named, with the later apply that wrote it (undo that
 * first) or the lines changed by hand. Returns how many.
 */
static int check_changed(struct vp_ctx *ctx, const struct journal *j, FILE *log)
{
	_cleanup_(strv_free) struct strv ids = { 0 };
	int n = 0, r;

	r = list_ids(ctx, &ids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < j->nfiles; i++) {
		const struct jfile *f = &j->files[i];
		struct fver old, new, cur;
		const char *later = NULL;
		struct journal l = { 0 };

		if (!f->have_new)
			continue; /* a version 1 journal: what it wrote is not kept */
		r = versions(ctx, j, f, &old, &new, &cur);
		if (r < 0)
			return r;
		if (fver_eq(&cur, &new) || fver_eq(&cur, &old))
			goto next;
		n++;
		for (size_t k = ids.n; k-- > 0 && !later;) {
			if (strcmp(ids.v[k], j->id) <= 0)
				break;
			if (journal_load(ctx, ids.v[k], &l) < 0)
				continue;
			for (size_t m = 0; streq(l.state, "complete") && m < l.nfiles;
			     m++)
				if (streq(l.files[m].sub, f->sub))
					later = ids.v[k];
			journal_free(&l);
		}
		if (later)
			fprintf(log,
				"/%s was changed by apply %s after %s: undo %s first\n",
				f->sub, later, j->id, later);
		else {
			_cleanup_free_ char *what = xasprintf("apply %s", j->id);

			conflict(log, f->sub, &new, &cur, what ? what : "the apply");
		}
	next:
		fver_free(&old);
		fver_free(&new);
		fver_free(&cur);
	}
	return n;
}

int vp_undo(struct vp_ctx *ctx, const struct vp_io *io, const char *want,
	    unsigned int flags, FILE *log)
{
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *id = NULL;
	struct journal j = { 0 };
	bool force = flags & VP_UNDO_FORCE, undid;
	int r, n;

	if (want && (!*want || strchr(want, '/') || want[0] == '.')) {
		vp_log_err(ctx,
			   "'%s' is not an undo id (a name from /var/lib/" UNDO_DIR ")",
			   want);
		return -EINVAL;
	}
	/* Nothing was ever applied here (or no such id): no lock file either. */
	if (want ? !vp_existsf(ctx, VP_VAR_LIB, UNDO_DIR "/%s", want)
		 : !vp_existsf(ctx, VP_VAR_LIB, UNDO_DIR)) {
		if (!want) {
			fprintf(log, "no applied change to undo\n");
			return -ENOENT;
		}
		vp_log_err(ctx,
			   "cannot read the undo record /var/lib/" UNDO_DIR "/%s: %s",
			   want, strerror(ENOENT));
		return -ENOENT;
	}
	r = vp_plan_lock(ctx, io, &lock);
	if (r < 0)
		return r;
	n = recover(ctx, io, true, force, &undid, log);
	if (n < 0)
		return n;
	if (n > 0 && !want) {
		fprintf(log,
			"the interrupted run is taken back; nothing else was undone\n");
		return run_pending(ctx, io, NULL, log);
	}
	id = want ? strdup(want) : latest_id(ctx);
	if (!id) {
		fprintf(log, "no applied change to undo\n");
		return -ENOENT;
	}
	r = journal_load(ctx, id, &j);
	if (r < 0) {
		vp_log_err(ctx,
			   "cannot read the undo record /var/lib/" UNDO_DIR "/%s: %s", id,
			   strerror(-r));
		return r;
	}
	if (!streq(j.state, "complete")) {
		fprintf(log, "undo %s: the journal is not of a completed apply (%s)\n",
			id, j.state);
		journal_free(&j);
		return -EBADMSG;
	}
	r = check_changed(ctx, &j, log);
	if (r > 0 && !force) {
		fprintf(log,
			"undo %s refused: %d file%s changed since that apply; nothing was "
			"written. Undo the later apply first, or use --force to restore "
			"anyway (what is there now is kept under /var/lib/" UNDO_DIR
			"/%s)\n",
			id, r, r == 1 ? "" : "s", id);
		journal_free(&j);
		return -ESTALE;
	}
	if (r >= 0) {
		for (size_t i = 0; i < j.nfiles; i++)
			clean_temps_of(ctx, io, j.files[i].sub);
		r = journal_save(ctx, io, &j, r > 0 ? "undoing-forced" : "undoing");
	}
	if (r == 0)
		r = restore_files(ctx, io, &j, force, log);
	if (r == 0) {
		for (size_t k = 0; k < j.ncmds; k++)
			j.cmds[k].done = true;
		r = journal_save(ctx, io, &j, "undone");
	}
	if (r == 0 && j.ncmds) {
		fprintf(log, "run again so the restored files take effect:\n");
		for (size_t k = 0; k < j.ncmds; k++) {
			fputs("  ", log);
			print_argv(log, j.cmds[k].argv);
			fputc('\n', log);
		}
	}
	journal_free(&j);
	if (r < 0)
		return r;
	return run_pending(ctx, io, NULL, log);
}

/* ---- a reviewed plan as a file --------------------------------------------- */

#define PLAN_MAGIC "vfio-pilot-plan 1\n"
/* A saved plan is read whole; bigger is not one of ours. */
#define PLAN_MAX (4 * VP_MAX_READ_FILE)

static char *plan_text(const struct vp_plan *p, size_t *len)
{
	char *t = NULL;
	FILE *m = open_memstream(&t, len);

	if (!m)
		return NULL;
	fputs(PLAN_MAGIC, m);
	for (size_t i = 0; i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];

		fputs("edit ", m);
		esc(m, e->sub);
		fprintf(m, "\t%s\t%zu\t%zu\n", e->old ? "replaced" : "created", e->oldlen,
			e->newlen);
		if (e->old)
			fwrite(e->old, 1, e->oldlen, m);
		fwrite(e->new, 1, e->newlen, m);
		fputc('\n', m);
	}
	for (size_t i = 0; i < p->ncmds; i++) {
		fputs("run", m);
		for (char **a = p->cmds[i].argv; *a; a++) {
			fputc('\t', m);
			esc(m, *a);
		}
		fputc('\n', m);
	}
	if (fclose(m) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

int vp_plan_save(const struct vp_plan *p, const char *path)
{
	_cleanup_free_ char *t = NULL;
	size_t len = 0;
	FILE *f;

	t = plan_text(p, &len);
	if (!t)
		return -ENOMEM;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fwrite(t, 1, len, f) != len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) == 0 ? 0 : -errno;
}

/* The first edit header of @t at or after @from, for naming what differs. */
static const char *edit_at(const char *t, size_t len, size_t from, char *name,
			   size_t nlen)
{
	const char *s = t, *end = t + len;

	/* Walk the records so that file content is never taken for a header. */
	s += strlen(PLAN_MAGIC);
	while (s < end && startswith(s, "edit ")) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		char how[16];
		size_t ol, nw, n;
		const char *tab;

		if (!nl)
			return NULL;
		tab = memchr(s + 5, '\t', (size_t)(nl - s - 5));
		if (!tab || sscanf(tab + 1, "%15[^\t]\t%zu\t%zu", how, &ol, &nw) != 3)
			return NULL;
		if (streq(how, "created"))
			ol = 0;
		if ((size_t)(nl + 1 - t) + ol + nw + 1 > len)
			return NULL;
		if ((size_t)(nl + 1 + ol + nw + 1 - t) > from) {
			n = (size_t)(tab - s - 5) < nlen - 1 ? (size_t)(tab - s - 5)
							     : nlen - 1;
			memcpy(name, s + 5, n);
			name[n] = '\0';
			return name;
		}
		s = nl + 1 + ol + nw + 1;
	}
	return NULL;
}

int vp_plan_check_saved(const struct vp_plan *p, const char *path, FILE *log)
{
	_cleanup_free_ char *now = NULL, *saved = NULL;
	_cleanup_close_ int fd = -1;
	size_t nlen = 0, slen = 0, i;
	int r;
	char name[512];
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = vp_read_fd_whole(fd, PLAN_MAX, &saved, &slen, &st);
	if (r < 0)
		return r == -EFBIG ? -EINVAL : r;
	/* edit_at() scans headers as strings: vp_read_fd_whole ends it with a NUL. */
	if (slen < strlen(PLAN_MAGIC) ||
	    memcmp(saved, PLAN_MAGIC, strlen(PLAN_MAGIC)) != 0) {
		fprintf(log, "%s is not a plan saved by vfio-pilot plan --plan-file\n",
			path);
		return -EBADMSG;
	}
	now = plan_text(p, &nlen);
	if (!now)
		return -ENOMEM;
	if (nlen == slen && memcmp(now, saved, nlen) == 0)
		return 0;
	for (i = 0; i < nlen && i < slen && now[i] == saved[i]; i++)
		;
	if (edit_at(saved, slen, i, name, sizeof(name)) ||
	    edit_at(now, nlen, i, name, sizeof(name)))
		fprintf(log, "the plan changed since it was saved in %s, first at %s%s\n",
			path, name[0] == '/' ? "" : "/", unesc(name) ? name : "?");
	else
		fprintf(log,
			"the plan changed since it was saved in %s (its commands "
			"or the files it edits)\n",
			path);
	return -ESTALE;
}
