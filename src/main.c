// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-pilot: PCI passthrough on Proxmox VE, from inventory to a VM that
 * survives its second boot. A multi-call front end in the manner of kmod's
 * tools/kmod.c: global options, then a command from the list below; each
 * command registers itself in its own src/cmd/X.c as vp_cmd_X.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"

#ifndef VP_VERSION
#define VP_VERSION "0"
#endif

/*
 * Each command's file exports its vp_cmd_X (cmd/cmd.h); this list only
 * orders them, as 'vfio-pilot --help' shows them. One per line.
 */
// clang-format off
static const struct vp_cmd *const commands[] = {
	&vp_cmd_devices,
	&vp_cmd_groups,
	&vp_cmd_show,
	&vp_cmd_doctor,
	&vp_cmd_advise,
	&vp_cmd_explain,
	&vp_cmd_host,
	&vp_cmd_undo,
	&vp_cmd_bind,
	&vp_cmd_unbind,
	&vp_cmd_vm,
	&vp_cmd_cpu_args,
	&vp_cmd_lxc,
	&vp_cmd_hookscript,
	&vp_cmd_mapping,
	&vp_cmd_cluster,
	&vp_cmd_snapshot,
	&vp_cmd_import,
	&vp_cmd_sriov,
	&vp_cmd_usb,
	&vp_cmd_guest,
};
// clang-format on

const struct vp_cmd *vp_cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* The global options' lines of every --help, from vp_global_opts. */
static void global_help(void)
{
	printf("Global options (before or after the command):\n");
	for (size_t i = 0; i < vp_n_global_opts; i++) {
		const struct vp_global_opt *o = &vp_global_opts[i];
		char lhs[32];

		snprintf(lhs, sizeof(lhs), "--%s%s%s", o->opt.name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		if (o->opt.val < 0x100)
			printf("  -%c, %-16s%s\n", o->opt.val, lhs, o->help);
		else
			printf("      %-16s%s\n", lhs, o->help);
	}
}

/* @a names a global option that takes an argument: --root DIR, --ids FILE. */
static bool global_takes_arg(const char *a)
{
	if (a[0] != '-' || a[1] != '-')
		return false;
	for (size_t i = 0; i < vp_n_global_opts; i++)
		if (streq(vp_global_opts[i].opt.name, a + 2))
			return vp_global_opts[i].opt.has_arg == required_argument;
	return false;
}

static const char exit_help[] =
	"Exit status:\n"
	"   0  done\n"
	"   1  done; the verdict has warnings (explain: nothing recognised)\n"
	"   2  done; the verdict is \"not ready\"\n"
	"   3  done; the host has no IOMMU groups\n"
	"   4  done; doctor: applied, changes wait for a reboot\n"
	"  64  bad command line or argument\n"
	"  65  host data that cannot be parsed with certainty\n"
	"  66  root, device or file not found\n"
	"  70  internal error\n"
	"  74  I/O or permission error while reading\n"
	"  75  nothing written, try again: a file changed since the plan (or since\n"
	"      that apply, for undo), or another apply or undo holds the lock\n"
	"  77  the command needs root; nothing was written\n";

void vp_cmd_help(const struct vp_cmd *cmd)
{
	const char *ex = cmd->example;

	printf("Usage: vfio-pilot [GLOBAL OPTIONS] %s [OPTIONS]\n\n%s.\n\n%s\n",
	       cmd->name, cmd->summary, cmd->usage);
	if (ex) {
		fputs(ex[0] && strchr(ex, '\n') ? "Examples:\n" : "Example:\n", stdout);
		for (const char *p = ex; *p;) {
			size_t n = strcspn(p, "\n");

			printf("  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
		putchar('\n');
	}
	global_help();
	printf("\n%s", exit_help);
}

static void help(void)
{
	printf("Usage: vfio-pilot [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
	       "Read-only unless a command says otherwise. Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i]->name, commands[i]->summary);
	putchar('\n');
	global_help();
	printf("\n%s\n'vfio-pilot COMMAND --help' shows a command's options.\n",
	       exit_help);
}

int main(int argc, char **argv)
{
	struct vp_global g = { 0 };
	const struct vp_cmd *cmd = NULL;
	int i;

	/* Global options may come first; the command is the first operand. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (streq(a, "--version")) {
			printf("vfio-pilot %s\n", VP_VERSION);
			return VP_EXIT_OK;
		}
		if (global_takes_arg(a)) {
			i++;
			continue;
		}
		if (a[0] == '-')
			continue;
		cmd = vp_cmd_find(a);
		if (!cmd) {
			/* "group", "doc": the command the operator most likely meant. */
			for (size_t k = 0; k < ARRAY_SIZE(commands) && a[0]; k++)
				if (strncmp(commands[k]->name, a, strlen(a)) == 0 ||
				    strncmp(commands[k]->name, a,
					    strlen(commands[k]->name)) == 0) {
					vp_err("unknown command '%s'; did you mean 'vfio-pilot %s'?",
					       a, commands[k]->name);
					return VP_EXIT_USAGE;
				}
			vp_err("unknown command '%s'; 'vfio-pilot --help' lists them", a);
			return VP_EXIT_USAGE;
		}
		break;
	}
	if (!cmd) {
		for (int j = 1; j < argc; j++) {
			if (streq(argv[j], "-h") || streq(argv[j], "--help")) {
				help();
				return VP_EXIT_OK;
			}
		}
		vp_err("no command given; 'vfio-pilot --help' lists them");
		return VP_EXIT_USAGE;
	}
	/* Hand the command an argv without its name: globals and its own options mix. */
	{
		_cleanup_free_ char **av = calloc((size_t)argc, sizeof(*av));
		int n = 0;

		if (!av)
			return VP_EXIT_SOFTWARE;
		for (int j = 0; j < argc; j++)
			if (j != i)
				av[n++] = argv[j];
		g.cmd = cmd->name;
		return cmd->run(&g, n, av);
	}
}
