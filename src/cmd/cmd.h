/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommands. Each lives in its own file and is listed in main.c's table.
 * Global options (--root, --json, -v, --ids) are accepted before or after
 * the command name; every command parses them with vp_parse_opts().
 */
#pragma once

#include <getopt.h>

#include "context.h"
#include "host/host.h"

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
	const char *summary;
	const char *usage; /* options and arguments, one per line */
};

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
/* A worked example of the command, one command line per line, or NULL. */
const char *vp_cmd_example(const char *name);
const struct vp_cmd *vp_cmd_find(const char *name);

int cmd_devices(struct vp_global *g, int argc, char **argv);
int cmd_groups(struct vp_global *g, int argc, char **argv);
int cmd_show(struct vp_global *g, int argc, char **argv);
int cmd_doctor(struct vp_global *g, int argc, char **argv);
int cmd_advise(struct vp_global *g, int argc, char **argv);
int cmd_explain(struct vp_global *g, int argc, char **argv);
int cmd_host(struct vp_global *g, int argc, char **argv);
int cmd_undo(struct vp_global *g, int argc, char **argv);
int cmd_bind(struct vp_global *g, int argc, char **argv);
int cmd_unbind(struct vp_global *g, int argc, char **argv);
int cmd_vm(struct vp_global *g, int argc, char **argv);
int cmd_cpu_args(struct vp_global *g, int argc, char **argv);
int cmd_snapshot(struct vp_global *g, int argc, char **argv);
int cmd_import(struct vp_global *g, int argc, char **argv);
int cmd_lxc(struct vp_global *g, int argc, char **argv);
int cmd_hookscript(struct vp_global *g, int argc, char **argv);
int cmd_mapping(struct vp_global *g, int argc, char **argv);
int cmd_cluster(struct vp_global *g, int argc, char **argv);
int cmd_sriov(struct vp_global *g, int argc, char **argv);
int cmd_usb(struct vp_global *g, int argc, char **argv);
int cmd_guest(struct vp_global *g, int argc, char **argv);
