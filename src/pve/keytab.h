/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The row makers of the key tables in vmkeys.c and ctkeys.c: one
 * struct vp_pve_key initializer a key, so that a table reads like
 * $confdesc does. Only those two files include this.
 */
#pragma once

#include "pve/keys.h"

#define BOOL(n)                                     \
	{                                           \
		.name = n, .type = VP_PVE_T_BOOLEAN \
	}
#define STR(n)            \
	{                 \
		.name = n \
	}
#define INT(n, lo)                                                              \
	{                                                                       \
		.name = n, .type = VP_PVE_T_INTEGER, .has_min = true, .min = lo \
	}
#define INTR(n, lo, hi)                                                          \
	{                                                                        \
		.name = n, .type = VP_PVE_T_INTEGER, .has_min = true, .min = lo, \
		.has_max = true, .max = hi                                       \
	}
#define NUM(n, lo)                                                             \
	{                                                                      \
		.name = n, .type = VP_PVE_T_NUMBER, .has_min = true, .min = lo \
	}
#define NUMR(n, lo, hi)                                                         \
	{                                                                       \
		.name = n, .type = VP_PVE_T_NUMBER, .has_min = true, .min = lo, \
		.has_max = true, .max = hi                                      \
	}
#define ENUM(n, ...)                                      \
	{                                                 \
		.name = n, .enums = (const char *const[]) \
		{                                         \
			__VA_ARGS__, NULL                 \
		}                                         \
	}
#define UNCHECKED(n, what)                   \
	{                                    \
		.name = n, .unchecked = what \
	}
#define UNCHECKEDN(n, c, what)                           \
	{                                                \
		.name = n, .count = c, .unchecked = what \
	}
#define SCHEMA(n, fn)                   \
	{                               \
		.name = n, .schema = fn \
	}
#define FORMAT(n, fn, fname)                                  \
	{                                                     \
		.name = n, .format = fn, .format_name = fname \
	}
