// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plan/plan.h"

#define UNDO_DIR      "vfio-pilot/undo"
#define JOURNAL_MAGIC "vfio-pilot-undo 1"

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

static char *journal_text(const struct vp_plan *p, const char *state)
{
	char *t = xasprintf("%s\nstate %s\n", JOURNAL_MAGIC, state);

	for (size_t i = 0; t && i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];
		char *n =
			xasprintf("%sfile %s\t%s\tb%zu\t%04o\n", t, e->sub,
				  e->old ? "replaced" : "created", i, e->oldmode & 07777);

		free(t);
		t = n;
	}
	for (size_t i = 0; t && i < p->ncmds; i++) {
		char *n = xasprintf("%scommand", t);

		free(t);
		t = n;
		for (char **a = p->cmds[i].argv; t && *a; a++) {
			n = xasprintf("%s\t%s", t, *a);
			free(t);
			t = n;
		}
		if (t) {
			n = xasprintf("%s\n", t);
			free(t);
			t = n;
		}
	}
	return t;
}

static int write_journal(struct vp_ctx *ctx, const struct vp_io *io, const char *id,
			 const struct vp_plan *p, const char *state)
{
	_cleanup_free_ char *text = journal_text(p, state);
	_cleanup_free_ char *sub = xasprintf(UNDO_DIR "/%s/journal", id);

	if (!text || !sub)
		return -ENOMEM;
	return vp_atomic_write(ctx, io, VP_VAR_LIB, sub, text, strlen(text), 0600);
}

static char *new_id(struct vp_ctx *ctx)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int n = 0; n < 100; n++) {
		char *id = n ? xasprintf("%s-%d", stamp, n) : strdup(stamp);

		if (!id || !vp_existsf(ctx, VP_VAR_LIB, UNDO_DIR "/%s", id))
			return id;
		free(id);
	}
	return NULL;
}

static int run_command(char *const *argv, FILE *log)
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

/*
 * After a failed apply: put back every file that no longer holds its old
 * content (a file whose rename landed but whose directory fsync failed
 * counts too), so the host is left as it was.
 */
static void roll_back(struct vp_ctx *ctx, const struct vp_plan *p, FILE *log)
{
	for (size_t i = p->nedits; i-- > 0;) {
		const struct vp_edit *e = &p->edits[i];
		_cleanup_free_ char *cur = NULL;
		struct vp_file_state st;
		size_t len;
		int r;

		r = vp_file_read(ctx, VP_ROOT, e->sub, &cur, &len, &st);
		if (r == 0 && st.exists == (e->old != NULL) &&
		    (!st.exists || (len == e->oldlen && memcmp(cur, e->old, len) == 0)))
			continue;
		r = e->old ? vp_atomic_write(ctx, &vp_io_real, VP_ROOT, e->sub, e->old,
					     e->oldlen, e->oldmode)
			   : vp_atomic_remove(ctx, &vp_io_real, VP_ROOT, e->sub);
		fprintf(log, "rolled back /%s%s\n", e->sub, r < 0 ? " FAILED" : "");
	}
}

int vp_plan_apply(struct vp_ctx *ctx, const struct vp_io *io, const struct vp_plan *p,
		  char **idp, FILE *log)
{
	_cleanup_free_ char *id = NULL;
	int r;

	*idp = NULL;
	if (p->refusals.n)
		return -EPERM;
	/* Nothing may have changed since the plan was made. */
	for (size_t i = 0; i < p->nedits; i++) {
		const struct vp_edit *e = &p->edits[i];
		_cleanup_free_ char *cur = NULL;
		struct vp_file_state st;
		size_t len;

		r = vp_file_read(ctx, VP_ROOT, e->sub, &cur, &len, &st);
		if (r < 0)
			return r;
		if (st.exists != (e->old != NULL) ||
		    (st.exists && (len != e->oldlen || memcmp(cur, e->old, len) != 0))) {
			fprintf(log,
				"/%s changed since the plan was made; nothing written\n",
				e->sub);
			return -ESTALE;
		}
	}
	if (p->nedits) {
		id = new_id(ctx);
		if (!id)
			return -ENOMEM;
		/* Backups and the journal first: undo must be possible from the first
		 * rename. */
		for (size_t i = 0; i < p->nedits; i++) {
			const struct vp_edit *e = &p->edits[i];
			_cleanup_free_ char *b = xasprintf(UNDO_DIR "/%s/b%zu", id, i);

			if (!b)
				return -ENOMEM;
			r = vp_atomic_write(ctx, io, VP_VAR_LIB, b, e->old ? e->old : "",
					    e->oldlen, 0600);
			if (r < 0)
				return r;
		}
		r = write_journal(ctx, io, id, p, "prepared");
		if (r < 0)
			return r;
		for (size_t i = 0; i < p->nedits && r == 0; i++) {
			const struct vp_edit *e = &p->edits[i];

			r = vp_atomic_write(ctx, io, VP_ROOT, e->sub, e->new, e->newlen,
					    e->mode);
			if (r < 0)
				fprintf(log, "writing /%s failed: %s\n", e->sub,
					strerror(-r));
			else
				fprintf(log, "wrote /%s\n", e->sub);
		}
		if (r == 0)
			r = write_journal(ctx, io, id, p, "complete");
		if (r < 0) {
			roll_back(ctx, p, log);
			write_journal(ctx, &vp_io_real, id, p, "rolled-back");
			return r;
		}
	}
	if (p->ncmds && !streq(ctx->root, "/")) {
		fprintf(log,
			"commands not run: --root is not / (run them on that host):\n");
		for (size_t i = 0; i < p->ncmds; i++) {
			fputs("  ", log);
			print_argv(log, p->cmds[i].argv);
			fputc('\n', log);
		}
	} else {
		for (size_t i = 0; i < p->ncmds; i++) {
			r = run_command(p->cmds[i].argv, log);
			if (r < 0) {
				*idp = TAKE_PTR(id);
				return r;
			}
		}
	}
	*idp = TAKE_PTR(id);
	return 0;
}

/* ---- undo --------------------------------------------------------------- */

static char *latest_id(struct vp_ctx *ctx)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	char *best = NULL;

	if (vp_opendirf(ctx, VP_VAR_LIB, &d, UNDO_DIR) < 0)
		return NULL;
	while ((e = readdir(d))) {
		_cleanup_free_ char *j = NULL;

		if (e->d_name[0] == '.')
			continue;
		if (vp_read_strf(ctx, VP_VAR_LIB, &j, UNDO_DIR "/%s/journal", e->d_name) <
			    0 ||
		    !strstr(j, "\nstate complete\n"))
			continue;
		if (!best || strcmp(e->d_name, best) > 0) {
			free(best);
			best = strdup(e->d_name);
		}
	}
	return best;
}

int vp_undo(struct vp_ctx *ctx, const struct vp_io *io, const char *want, FILE *log)
{
	_cleanup_free_ char *id = want ? strdup(want) : latest_id(ctx), *j = NULL;
	_cleanup_(strv_free) struct strv cmds = { 0 };
	char *save = NULL, *l;
	int r;

	if (!id) {
		fprintf(log, "no applied change to undo\n");
		return -ENOENT;
	}
	if (strchr(id, '/') || id[0] == '.') {
		vp_err("'%s' is not an undo id (a name from /var/lib/" UNDO_DIR ")", id);
		return -EINVAL;
	}
	r = vp_read_strf(ctx, VP_VAR_LIB, &j, UNDO_DIR "/%s/journal", id);
	if (r < 0) {
		vp_err("cannot read the undo record /var/lib/" UNDO_DIR "/%s: %s", id,
		       strerror(-r));
		return r;
	}
	if (!startswith(j, JOURNAL_MAGIC "\n") || !strstr(j, "\nstate complete\n")) {
		fprintf(log, "undo %s: the journal is not of a completed apply\n", id);
		return -EBADMSG;
	}
	for (l = strtok_r(j, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char sub[4096], how[16], bname[32];
		unsigned int mode;

		if (startswith(l, "command\t")) {
			char *c = strdup(l + 8);

			if (!c)
				return -ENOMEM;
			for (char *p = c; *p; p++)
				if (*p == '\t')
					*p = ' ';
			strv_push(&cmds, c);
			continue;
		}
		if (!startswith(l, "file "))
			continue;
		if (sscanf(l + 5, "%4095[^\t]\t%15[^\t]\t%31[^\t]\t%o", sub, how, bname,
			   &mode) != 4 ||
		    strstr(sub, ".."))
			return -EBADMSG;
		if (streq(how, "created")) {
			r = vp_atomic_remove(ctx, io, VP_ROOT, sub);
		} else {
			_cleanup_free_ char *data = NULL,
					    *bsub = xasprintf(UNDO_DIR "/%s/%s", id,
							      bname);
			struct vp_file_state st;
			size_t len;

			if (!bsub)
				return -ENOMEM;
			r = vp_file_read(ctx, VP_VAR_LIB, bsub, &data, &len, &st);
			if (r == 0 && !st.exists)
				r = -ENOENT;
			if (r == 0)
				r = vp_atomic_write(ctx, io, VP_ROOT, sub, data, len,
						    mode);
		}
		if (r < 0) {
			fprintf(log, "undo of /%s failed: %s\n", sub, strerror(-r));
			return r;
		}
		fprintf(log, "restored /%s%s\n", sub,
			streq(how, "created") ? " (removed)" : "");
	}
	{
		_cleanup_free_ char *jsub = xasprintf(UNDO_DIR "/%s/journal", id);
		_cleanup_free_ char *old = NULL, *nj = NULL;
		char *pos;

		if (!jsub || vp_read_strf(ctx, VP_VAR_LIB, &old, "%s", jsub) < 0)
			return -EIO;
		pos = strstr(old, "\nstate complete\n");
		*pos = '\0';
		nj = xasprintf("%s\nstate undone\n%s\n", old,
			       pos + strlen("\nstate complete\n"));
		if (!nj)
			return -ENOMEM;
		r = vp_atomic_write(ctx, io, VP_VAR_LIB, jsub, nj, strlen(nj), 0600);
		if (r < 0)
			return r;
	}
	if (cmds.n) {
		fprintf(log, "run again so the restored files take effect:\n");
		for (size_t i = 0; i < cmds.n; i++)
			fprintf(log, "  %s\n", cmds.v[i]);
	}
	return 0;
}
