/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The log scanner behind explain: a pasted kernel log, journalctl -k export,
 * Proxmox task log, qm start output or lspci output matched line by line
 * against the failure signatures (kb/signatures.c), each row once, with the
 * lines that matched and the devices and IOMMU groups they name. Lines no
 * row knows are counted, never guessed at.
 *
 * Input is bytes as the operator pasted them: a line is matched on its first
 * VP_SCAN_LINE_MAX bytes, and only VP_SCAN_KEEP lines are kept per signature,
 * so binary or endless input costs time, not memory. Nothing here prints or
 * reads a file: explain (cmd/explain.c) reads the input and prints the hits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/host.h"
#include "kb/signatures.h"

#define VP_SCAN_LINE_MAX 16384 /* bytes of a line that are matched */
#define VP_SCAN_KEEP	 50    /* matched lines kept per signature */
#define VP_SCAN_TEXT_MAX 1024  /* bytes of a kept line */
#define VP_SCAN_MAX_IDS	 16    /* devices and groups kept per signature */

struct vp_scan_line {
	size_t no;  /* 1-based line number in the input */
	char *text; /* vp_scan_clean()ed, at most VP_SCAN_TEXT_MAX bytes */
};

/* What one signature matched. */
struct vp_scan_hit {
	size_t nlines; /* lines matched, all of them */
	size_t first;  /* number of the first, 0 when none */
	struct vp_scan_line kept[VP_SCAN_KEEP];
	size_t nkept;
	/* %bdf captures as 0000:00:00.0, %group captures; each once, in input order */
	char devs[VP_SCAN_MAX_IDS][24];
	size_t ndevs;
	long groups[VP_SCAN_MAX_IDS];
	size_t ngroups;
};

struct vp_scan {
	struct vp_scan_hit *hits; /* one per row of the signature table (vp_sig_at) */
	size_t nsig;
	size_t nread;	 /* lines read */
	size_t nmatched; /* lines some row matched (both of a wrapped message) */
	size_t ncut;	 /* lines longer than VP_SCAN_LINE_MAX, matched on their start */
	size_t nbinary;	 /* lines with NUL or other control bytes */
	size_t nskipped; /* blank, or "# ..." (a comment or a pasted root prompt) */
	/*
	 * The last line read when no row matched it, for a message that a
	 * terminal, a log viewer or a post wrapped over two lines.
	 */
	char *prev;
	size_t prevno;
};

/*
 * A line no row matches is tried again joined to the next one (with a
 * blank), when neither matches alone and the first is long enough to have
 * been wrapped (VP_SCAN_WRAP bytes): a pasted message is often cut where the
 * reader's window was. A match found so is recorded at the first line.
 */
#define VP_SCAN_WRAP 60

/* An empty scan, one hit per signature row. 0 or -ENOMEM. */
int vp_scan_init(struct vp_scan *x);
void vp_scan_free(struct vp_scan *x);

/*
 * Scan @len bytes of @buf (NULs allowed; need not end in a newline): lines
 * end at '\n', a last line without one counts. Counts add to what @x holds,
 * so a scan may be fed one buffer after another only when each ends at a line
 * end. @buf is not changed. 0 or -ENOMEM.
 */
int vp_scan_text(struct vp_scan *x, const char *buf, size_t len);

/*
 * Scan one line (its bytes only, no '\n'), normalized in place; @cut tells
 * it was cut from a longer one. @line must have room for @len + 1 bytes.
 */
int vp_scan_line(struct vp_scan *x, char *line, size_t len, bool cut);

/*
 * Make a raw line matchable, in place: colour escapes (dmesg --color=always)
 * and a trailing CR removed, NUL and other control bytes turned into blanks
 * (*@binary set, except for a lone ESC). Returns the new length; the line is
 * NUL-terminated there.
 */
size_t vp_scan_normalize(char *s, size_t len, bool *binary);

/*
 * A copy of @s fit for a terminal and for JSON: invalid UTF-8 as '?', at most
 * @max bytes, cut on a character boundary with "..." when longer. NULL when
 * out of memory.
 */
char *vp_scan_clean(const char *s, size_t max);

/*
 * The rows that matched, as indices of @x->hits, in the order of their first
 * line, then of the table. @order has room for @x->nsig entries; *@n is set
 * to how many were written. 0 or -ENOMEM.
 */
int vp_scan_order(const struct vp_scan *x, size_t *order, size_t *n);

/* ---- this host (explain --root) ---- */

struct vp_scan_host_dev {
	const char *addr;	  /* as the hit names it, or the device's own */
	const struct vp_dev *dev; /* NULL: no such function on this host */
};

struct vp_scan_host_group {
	long id;
	const struct vp_group *grp; /* NULL: no such group on this host */
};

/* Which of this host's devices and groups a hit is about. */
struct vp_scan_host {
	/*
	 * The devices the hit names; when it names none and the row is about a
	 * vendor (vp_sig.vendor), the host's display devices of that vendor and
	 * of the row's kind, and .vendor is set (.ndevs 0: the host has none).
	 */
	struct vp_scan_host_dev devs[VP_SCAN_MAX_IDS];
	size_t ndevs;
	bool vendor;
	struct vp_scan_host_group groups[VP_SCAN_MAX_IDS];
	size_t ngroups;
};

/* Fill *@out for the hit @hit of row @s on host @h. Pointers point into @h and @hit. */
void vp_scan_host_match(const struct vp_host *h, const struct vp_sig *s,
			const struct vp_scan_hit *hit, struct vp_scan_host *out);

/*
 * Is group member @m held by a host driver, one that keeps the group from a
 * guest? Bridges do not count: VFIO lets a port stay on portdrv while the
 * devices below it are assigned (Linux commit "PCI: portdrv: Set
 * driver_managed_dma", 2022, which kept that working under DMA ownership).
 */
bool vp_scan_on_host_driver(const struct vp_dev *m);
