/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * import: pasted text (the IOMMU group loop, find -type l over iommu_groups,
 * lspci -nnk, lspci -vvv) turned into a partial sysfs tree that groups and
 * doctor read with --root. Every line is either read or reported; nothing is
 * guessed (docs/snapshot.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "util.h"

struct vp_imp_dev {
	struct vp_bdf bdf;
	int group; /* -1: unknown */
	bool has_class, has_ids, has_sub, has_rev, has_progif;
	uint32_t class; /* 0xCCSS00, prog-if in the low byte when known */
	uint16_t vendor, device, subvendor, subdevice;
	uint8_t rev;
	char *driver;
	unsigned int line; /* where it was first seen */
};

/* What one line (decoration removed) says. */
enum vp_imp_kind {
	VP_IMP_NONE,	 /* blank or decoration only */
	VP_IMP_GROUP,	 /* "IOMMU Group N" (a header, maybe followed by a device) */
	VP_IMP_DEVICE,	 /* a device line (group from the header, or in the line) */
	VP_IMP_FINDLINK, /* .../iommu_groups/N/devices/BDF */
	VP_IMP_DETAIL, /* an lspci detail line ("Kernel driver in use: x", "Subsystem") */
	VP_IMP_UNKNOWN,
};

/*
 * Strip what a paste adds around a line: indentation, markdown emphasis,
 * backticks, list bullets, trailing space. Returns a new string.
 */
char *vp_imp_clean(const char *line);

/* "IOMMU Group 12:" -> 12; *rest after the header (may be ""). 1 matched, 0 not. */
int vp_imp_group_header(const char *s, int *group, const char **rest);

/*
 * A device line: "[(N) ][DDDD:]BB:DD.F Class [cccc]: Vendor Device [vvvv:dddd] (rev xx)",
 * "BB:DD.F cccc: vvvv:dddd (rev xx)" (lspci -n), or without ids (lspci -vvv).
 * 1 matched (fields filled as far as the text says), 0 not a device line.
 * *why is set when the line is a device line that lacks what a tree needs.
 */
int vp_imp_device_line(const char *s, struct vp_imp_dev *d, const char **why);

/* An lspci detail line applied to @d: 1 used, 2 understood but not used, 0 not one. */
int vp_imp_detail_line(const char *s, struct vp_imp_dev *d);

/* lspci's class name at the start of @s ("VGA compatible controller"): 1 and
 * *class (0xCCSS00), *len its length; 0 when none. */
int vp_imp_class_name(const char *s, uint32_t *class, size_t *len);

/* ls-iommu's table line ("Group 15: [10de:21c4] [R] 09:00.0  VGA ..." or a
 * member "[10de:1aeb]  09:00.1  Audio device ..."): 1 and *group (-1 on a
 * member line), 0 when not one. */
int vp_imp_lsiommu_line(const char *s, struct vp_imp_dev *d, int *group);

/* Every ".../iommu_groups/N/devices/BDF" in @s (newlines may be lost). */
int vp_imp_find_links(const char *s, struct vp_imp_dev **out, size_t *n);

struct vp_import {
	struct vp_imp_dev *devs;
	size_t ndevs;
	size_t devcap;
	size_t *idx; /* address -> position + 1 (import.c), idxcap a power of 2 */
	size_t idxcap;
	struct strv unread; /* "line N: text -- why" */
	struct strv notes;
	unsigned int lines;
	size_t ndetail_unused;
	bool saw_groups;
	bool saw_vmm; /* lspci -vmm records */
};

int vp_import_parse(struct vp_import *im, const char *text);
void vp_import_free(struct vp_import *im);
/* Write the tree below @out (a new or empty directory). */
int vp_import_write(struct vp_import *im, const char *out);
