/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Failure signatures: messages that kernel, QEMU, Proxmox, libvirt, lspci or
 * the guest print when passthrough goes wrong, each with its cause, its fix,
 * a real example and its source. And symptoms ("black screen", "Code 43")
 * with the causes that produce them. Data in signatures.c; explain reads it.
 *
 * Patterns are literal text with a few tokens, matched anywhere in a line:
 *
 *   %bdf    a PCI address, 0000:01:00.0 or 01:00.0 (domain 4-8 hex digits,
 *           bus 2, device 2 (<= 1f), function 0-7); captured as a device
 *   %group  a decimal number, captured as an IOMMU group
 *   %n      a decimal number
 *   %x      a hex number, with or without 0x
 *   %w      a run of non-blank characters (at least one)
 *   %*      any text, possibly empty
 *   %%      a literal '%'
 *
 * Numbers are taken whole: "group %group" does not match "group 12a", and a
 * token that starts a pattern (or follows %*) does not start inside a word.
 * Everything else must be equal byte for byte, case included.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a message appears (a mask). Names: vp_sig_where_name(). */
enum vp_sig_where {
	VP_SIG_DMESG = 1 << 0,	 /* kernel log: dmesg, journalctl -k, kern.log */
	VP_SIG_QEMU = 1 << 1,	 /* QEMU's stderr ("kvm: ..." in a PVE task log) */
	VP_SIG_PVE = 1 << 2,	 /* Proxmox task log, qm start output, GUI */
	VP_SIG_LIBVIRT = 1 << 3, /* libvirt / virsh errors */
	VP_SIG_GUEST = 1 << 4,	 /* inside the VM: Device Manager, nvidia-smi */
	VP_SIG_LSPCI = 1 << 5,	 /* lspci output */
};
#define VP_SIG_WHERE_COUNT 6
/* The name of bit @bit (0 .. VP_SIG_WHERE_COUNT-1): "dmesg", "qemu", ... */
const char *vp_sig_where_name(unsigned int bit);

enum vp_sig_severity {
	VP_SIG_ERROR,	/* the failure itself, or its direct cause */
	VP_SIG_WARNING, /* often harmless, or a risk (reduced isolation) */
	VP_SIG_INFO,	/* a state worth knowing while reading the log */
};
const char *vp_sig_severity_name(enum vp_sig_severity s);

enum vp_sig_gpu {
	VP_SIG_GPU_ANY,
	VP_SIG_GPU_INTEGRATED,
	VP_SIG_GPU_DISCRETE, /* add-in cards, display or compute */
};

struct vp_sig {
	const char *id;	   /* stable: "group-not-viable"; JSON and tests use it */
	const char *title; /* what the message says, in one line */
	const char *const *patterns; /* alternatives, NULL-terminated */
	unsigned int where;	     /* VP_SIG_* mask */
	enum vp_sig_severity severity;
	uint16_t vendor; /* the PCI vendor the row is about, 0 for any */
	/*
	 * With .vendor: VP_SIG_GPU_INTEGRATED or _DISCRETE when the row is about
	 * only that kind of the vendor's GPUs (as src/kb/gpus.c classes them).
	 */
	enum vp_sig_gpu gpu;
	int kb_row; /* row of quirks-and-signatures.md §5, 0 when none */
	const char *cause;
	const char *fix;
	const char *example; /* a real line it matches (corpus or knowledge file) */
	const char *source;
};

size_t vp_sig_count(void);
const struct vp_sig *vp_sig_at(size_t i);
const struct vp_sig *vp_sig_find(const char *id);

#define VP_SIG_MAX_CAPS 8

enum vp_sig_cap_kind {
	VP_CAP_BDF,
	VP_CAP_GROUP,
	VP_CAP_NUM,
	VP_CAP_HEX,
	VP_CAP_WORD,
};

struct vp_sig_cap {
	enum vp_sig_cap_kind kind;
	const char *at; /* inside the line; not NUL-terminated */
	size_t len;
};

struct vp_sig_match {
	size_t start, end; /* the matched span of the line */
	struct vp_sig_cap caps[VP_SIG_MAX_CAPS];
	size_t ncaps;
};

/*
 * Does @pattern occur in @line? 1 yes (*m, when given, holds the leftmost
 * match and its captures), 0 no, -EINVAL when the pattern is malformed.
 */
int vp_sig_match(const char *pattern, const char *line, struct vp_sig_match *m);
/* 0, or -EINVAL for an unknown token or more than VP_SIG_MAX_CAPS captures. */
int vp_sig_pattern_check(const char *pattern);

/*
 * The first row at or after *@i whose patterns match @line, *@i set to its
 * index; NULL when no further row matches. Iterate with
 *   for (size_t i = 0; (s = vp_sig_scan(line, &i, &m)); i++)
 */
const struct vp_sig *vp_sig_scan(const char *line, size_t *i, struct vp_sig_match *m);

/* ---- symptoms (explain --symptom) ---- */

struct vp_symptom_cause {
	const char *cause;
	const char *check; /* how to confirm it on the host or guest */
	const char *fix;
	const char *const
		*signatures; /* ids of signatures that show it, NULL-terminated */
	const char *source;
};

struct vp_symptom {
	const char *id;		    /* "black-screen" */
	const char *title;	    /* "Black screen: no picture from the passed GPU" */
	const char *const *aliases; /* lower-case phrases, NULL-terminated */
	const struct vp_symptom_cause *causes;
	size_t ncauses;
};

size_t vp_symptom_count(void);
const struct vp_symptom *vp_symptom_at(size_t i);
/*
 * The symptom a free-text description names: its id, or the one whose
 * longest alias occurs in @text (case and punctuation ignored). NULL when
 * none does.
 */
const struct vp_symptom *vp_symptom_find(const char *text);
