/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the files of src/pve/ only.
 */
#pragma once

#include <stdarg.h>

/*
 * Set *reason (when @reason is not NULL) to the formatted message, freeing
 * what it held, and return @err; -ENOMEM when the message cannot be made.
 */
int vp_pve_fail(char **reason, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Hand an owned message to *reason (or free it), returning @err. */
int vp_pve_fail_take(char **reason, int err, char *msg);

/* The NULL-terminated @list joined with ", " (Perl's join(", ", @list)), or NULL. */
char *vp_pve_join(const char *const *list);
