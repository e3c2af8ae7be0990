/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommands, registered the way kmod's tools are (kmod's tools/kmod.h and
 * each tool's file): each src/cmd/X.c exports `const struct vp_cmd vp_cmd_X` with
 * its name, run function and help text, and main.c only lists pointers to
 * them. Global options (vp_global_opts) are accepted before or after the
 * command name; every command parses them with vp_parse_opts().
 */
#pragma once

#include <getopt.h>

#include "context.h"
#include "host/host.h"

struct json_object;
struct vp_plan;

struct vp_global {
	const char *root;
	const char *ids;
	bool json;
	int verbose;
	bool help;
	const char *cmd; /* the command's name, for "see COMMAND --help" */
};

struct vp_cmd {
	const char *name;
	int (*run)(struct vp_global *g, int argc, char **argv);
	const char *summary; /* one line in 'vfio-pilot --help' */
	const char *usage;   /* options and arguments, one per line */
	/*
	 * Worked command lines, one per line, shown at the end of --help;
	 * tests/pkg/test_help.py runs every line that starts with vfio-pilot.
	 */
	const char *example;
};

/* In 'vfio-pilot --help' order: main.c lists them so. */
extern const struct vp_cmd vp_cmd_devices;
extern const struct vp_cmd vp_cmd_groups;
extern const struct vp_cmd vp_cmd_show;
extern const struct vp_cmd vp_cmd_doctor;
extern const struct vp_cmd vp_cmd_advise;
extern const struct vp_cmd vp_cmd_explain;
extern const struct vp_cmd vp_cmd_host;
extern const struct vp_cmd vp_cmd_undo;
extern const struct vp_cmd vp_cmd_bind;
extern const struct vp_cmd vp_cmd_unbind;
extern const struct vp_cmd vp_cmd_vm;
extern const struct vp_cmd vp_cmd_cpu_args;
extern const struct vp_cmd vp_cmd_lxc;
extern const struct vp_cmd vp_cmd_hookscript;
extern const struct vp_cmd vp_cmd_mapping;
extern const struct vp_cmd vp_cmd_cluster;
extern const struct vp_cmd vp_cmd_snapshot;
extern const struct vp_cmd vp_cmd_import;
extern const struct vp_cmd vp_cmd_sriov;
extern const struct vp_cmd vp_cmd_usb;
extern const struct vp_cmd vp_cmd_guest;

enum {
	VP_OPT_ROOT = 0x100,
	VP_OPT_JSON,
	VP_OPT_IDS,
	VP_OPT_VERSION,
};

/*
 * The global options, once: main.c's search for the command skips the
 * argument of those that take one, vp_parse_opts() accepts them beside a
 * command's own, and every --help prints @arg and @help.
 */
struct vp_global_opt {
	struct option opt;
	const char *arg;  /* the argument's name in --help, or NULL */
	const char *help; /* what the option does, for --help */
};

extern const struct vp_global_opt vp_global_opts[];
extern const size_t vp_n_global_opts;

/*
 * getopt_long over @cmdopts plus the global options. Command options go to
 * @on_opt; returns the index of the first operand, or -EINVAL after
 * printing what was wrong.
 */
int vp_parse_opts(struct vp_global *g, int argc, char **argv, const char *shortopts,
		  const struct option *cmdopts,
		  int (*on_opt)(void *data, int c, const char *arg), void *data);
/* The context for the parsed global options; prints the error itself. */
int vp_open_ctx(const struct vp_global *g, struct vp_ctx **ctx);
/* The context plus the loaded host model; returns an exit code on error. */
int vp_load(const struct vp_global *g, struct vp_ctx **ctx, struct vp_host **host);
void vp_cmd_help(const struct vp_cmd *cmd);
const struct vp_cmd *vp_cmd_find(const char *name);

/*
 * The plan|apply step that every command writing through a plan shares
 * (host, vm, lxc, hookscript, mapping, sriov, usb map): the verb, the root
 * check made before anything is read, and the plan shown or applied through
 * plan/report.c under the name "CMD VERB".
 */
struct vp_verb {
	const char *cmd;  /* "lxc", "usb map" */
	const char *verb; /* "plan", "apply" (host: also "release") */
	bool apply;	  /* writes: needs root */
	/* The planner's -EINVAL is an argument it refused (64), not host data (65). */
	bool einval_usage;
};

/* @arg is "plan" or "apply": sets v->verb and v->apply. Else -EINVAL. */
int vp_verb_parse(struct vp_verb *v, const char *arg);
/*
 * VP_EXIT_NOPERM, after saying so, when @v applies and the user is not
 * root; else 0. @msg replaces "CMD apply needs root; nothing was written
 * ('CMD plan' shows the change)".
 */
int vp_verb_need_root(const struct vp_verb *v, const char *msg);
/*
 * The exit code of the step: the plan @p that the planner's result @r
 * built, shown or (v->apply) applied with @extra's keys in the JSON and
 * @plan_file (--plan-file) if given; or @r's own code when it is an error.
 * Takes @extra over; @p stays the caller's to free.
 */
int vp_verb_finish(const struct vp_verb *v, struct vp_ctx *ctx, struct vp_plan *p, int r,
		   struct json_object *extra, const char *plan_file);
