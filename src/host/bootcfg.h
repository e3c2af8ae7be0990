/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel command line as configured (not as booted): the effective
 * GRUB_CMDLINE_LINUX_DEFAULT of /etc/default/grub and its grub.d files, or the
 * single line of /etc/kernel/cmdline for systemd-boot through
 * proxmox-boot-tool. Anything that cannot be parsed with certainty is
 * refused with the reason, never guessed.
 */
#pragma once

#include "context.h"
#include "host/facts.h"

struct vp_bootcmd {
	enum vp_bootloader kind;
	char *sub;  /* the file holding the effective value, below the root */
	char *text; /* its content */
	size_t len;
	size_t vstart, vend;	/* the value's bytes in text (GRUB: the whole word) */
	unsigned line;		/* where the definition starts (GRUB) */
	struct vp_grubmap *map; /* how each byte of the GRUB value is spelled */
	bool missing;		/* no definition: one is appended to sub */
	char *value;		/* the effective value */
	char *other;		/* GRUB_CMDLINE_LINUX, also on the kernel command line */
	char *other_sub;	/* where it is set, and on which line */
	unsigned other_line;
};

/* 0, or -EBADMSG with *why set when the files cannot be parsed with certainty. */
int vp_bootcmd_load(struct vp_ctx *ctx, enum vp_bootloader kind, struct vp_bootcmd *b,
		    char **why);
void vp_bootcmd_free(struct vp_bootcmd *b);
/* The file's new content with the value replaced by @value. */
int vp_bootcmd_render(const struct vp_bootcmd *b, const char *value, char **out,
		      size_t *len);

/* A change of one parameter: set key=value (value "" for a bare flag) or remove key. */
struct vp_param_change {
	const char *key;
	const char *value; /* NULL: remove every occurrence */
};
/*
 * 0, or -EBADMSG with *why set when @line cannot be edited with certainty:
 * an unbalanced '"', or more parameters than vp_cmdline_edit() takes.
 */
int vp_cmdline_check(const char *line, char **why);
/* Apply changes to a command line in place: other parameters keep their bytes. */
int vp_cmdline_edit(const char *line, const struct vp_param_change *ch, size_t n,
		    char **out);
/* The value of @key in a command line string, or NULL ("" for a bare flag). */
char *vp_cmdline_value(const char *line, const char *key);
