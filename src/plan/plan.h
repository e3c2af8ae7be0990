/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A change plan: file edits and commands. The dry run shows each edit as a
 * unified diff and lists the commands. apply writes every file atomically
 * (plan/atomic.c) after backing it up under ROOT/var/lib/vfio-pilot/undo/ID,
 * with a journal that undo reads to restore the files byte for byte.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "context.h"
#include "plan/atomic.h"
#include "util.h"

struct vp_edit {
	char *sub; /* path below the root, "etc/default/grub" */
	char *old; /* content when planned; NULL when the file did not exist */
	size_t oldlen;
	char *new;
	size_t newlen;
	mode_t mode;	/* for a new file */
	mode_t oldmode; /* of the file when planned, for undo */
	char *why;
};

struct vp_command {
	char **argv; /* NULL-terminated; run without a shell */
	char *why;
};

struct vp_plan {
	struct vp_edit *edits;
	size_t nedits;
	struct vp_command *cmds;
	size_t ncmds;
	struct strv notes;    /* what the operator should know */
	struct strv refusals; /* why the plan must not be applied */
};

void vp_plan_free(struct vp_plan *p);

/*
 * Plan @sub to hold @new (taken over). Nothing is recorded when the file
 * already holds exactly that, which makes a second apply a no-op.
 */
int vp_plan_edit(struct vp_ctx *ctx, struct vp_plan *p, const char *sub, char *new,
		 size_t newlen, mode_t mode, const char *why);
int vp_plan_command(struct vp_plan *p, const char *why, const char *const *argv);
int vp_plan_note(struct vp_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vp_plan_refuse(struct vp_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Unified diff of one file. */
int vp_diff(FILE *f, const char *label, const char *old, size_t oldlen, bool existed,
	    const char *new, size_t newlen);
/* The dry run: every diff, then the commands. */
void vp_plan_print(FILE *f, const struct vp_plan *p);

/*
 * Apply, under the root's lock (vp_plan_lock): first finish what a killed
 * apply or undo left (the journal's "prepared" or "undoing" state); check
 * every file still holds what was planned (or already the planned content),
 * back up the old and the new content, journal, write each file atomically
 * (rolling back the ones written if a later one fails), then run every
 * command recorded by this or an earlier apply that has not yet exited 0
 * (io->run: the real runner only when the root is "/"). *id gets the undo
 * id, NULL when no file needed writing. Returns 0 or -errno: -EAGAIN when
 * another run holds the lock, -ESTALE when a file changed since the plan.
 */
int vp_plan_apply(struct vp_ctx *ctx, const struct vp_io *io, const struct vp_plan *p,
		  char **id, FILE *log);
struct json_object;
/*
 * Print the plan (text or JSON, keys of @extra added to the JSON) and, with
 * @apply, apply it. Returns the exit code: 0, 2 with refusals, or the
 * error's code. Takes @extra over.
 */
int vp_plan_finish(struct vp_ctx *ctx, struct vp_plan *p, const char *cmd, bool apply,
		   struct json_object *extra);

/* Like vp_plan_finish; with @plan_file, plan saves the plan there and apply
 * applies only when the plan made now is exactly that one (else 75). */
int vp_plan_finish_file(struct vp_ctx *ctx, struct vp_plan *p, const char *cmd,
			bool apply, struct json_object *extra, const char *plan_file);

/*
 * Restore the files of apply @id (the latest complete one when NULL), byte
 * for byte, under the lock, after finishing or taking back what a killed run
 * left (then, without @id, nothing more). A file changed since that apply
 * (by a later apply, named, or by hand, shown as a diff) makes it refuse
 * with -ESTALE; VP_UNDO_FORCE restores anyway and keeps what it replaces as
 * undo/ID/rN.
 */
#define VP_UNDO_FORCE 1u
int vp_undo(struct vp_ctx *ctx, const struct vp_io *io, const char *id,
	    unsigned int flags, FILE *log);

/*
 * flock(2) ROOT/var/lib/vfio-pilot/lock for every writing run: *fd holds it
 * until closed. -EAGAIN, with a message, when another run holds it.
 */
int vp_plan_lock(struct vp_ctx *ctx, const struct vp_io *io, int *fd);
/* vp_exit_code, with a held lock (-EAGAIN) as 75 like a changed file. */
int vp_plan_exit_code(int err);
/*
 * Commands recorded by completed applies that have not yet exited 0 (as
 * text, one per distinct command), and the ids of applies or undos a kill
 * interrupted; the next apply or undo runs or finishes them.
 */
int vp_plan_pending(struct vp_ctx *ctx, struct strv *cmds, struct strv *interrupted);

/*
 * The plan as a file (every edit's old and new content, the commands) and
 * the check that a plan made now is exactly the saved one: 0, or -ESTALE
 * with what differs on @log.
 */
int vp_plan_save(const struct vp_plan *p, const char *path);
int vp_plan_check_saved(const struct vp_plan *p, const char *path, FILE *log);
