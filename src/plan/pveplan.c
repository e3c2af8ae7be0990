// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plans for Proxmox guest files: container devN lines (lxcplan.c), one
 * hookscript per VM (hookplan.c), cluster resource mappings (mapplan.c).
 * Edits are made on the src/pve models and recorded as whole-file edits;
 * on a live host ("/") the Proxmox CLI (pct, qm, pvesh) makes the config
 * changes instead, so its locks and checks apply. This file holds what
 * they share.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "host/gpudev.h"
#include "host/mapcheck.h"
#include "host/select.h"
#include "out/output.h"
#include "plan/pveplan.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/storage.h"
#include "pve/vmconf.h"

int vp_guest_id_parse(const char *s, unsigned long *out)
{
	size_t n = s ? strlen(s) : 0;

	/* pve-vmid: ^[1-9][0-9]{2,8}$ (PVE::JSONSchema). */
	if (n < 3 || n > 9 || s[0] < '1' || s[0] > '9')
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
	*out = strtoul(s, NULL, 10);
	return 0;
}

bool vp_pve_version_at_least(const char *version, int maj, int min)
{
	int a = 0, b = 0;

	if (!version || sscanf(version, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

bool vp_pve_live(const struct vp_ctx *ctx)
{
	return streq(ctx->root, "/");
}
