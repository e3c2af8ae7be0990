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
 * Apply: check every file still holds what was planned, back up, journal,
 * write each file atomically (rolling back the ones written if a later one
 * fails), then run the commands when the root is "/" (never under another
 * root). *id gets the undo id. Returns 0 or -errno.
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

/* Restore the files of apply @id (the latest when NULL), byte for byte. */
int vp_undo(struct vp_ctx *ctx, const struct vp_io *io, const char *id, FILE *log);
