// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names for the knowledge base's enums. The GPU table lives in gpus.c, the
 * kernel facts in kernel.c.
 */
#include "kb/kb.h"

/* Stable lowercase ids: they appear in JSON output, never change them. */
const char *vp_reset_class_name(enum vp_reset_class c)
{
	switch (c) {
	case VP_RESET_OK:
		return "ok";
	case VP_RESET_VENDOR_RESET:
		return "vendor-reset";
	case VP_RESET_UNRELIABLE:
		return "unreliable";
	case VP_RESET_BUG_NO_FIX:
		return "bug-no-fix";
	case VP_RESET_NONE:
		return "none";
	case VP_RESET_UNKNOWN:
		break;
	}
	return "unknown";
}
