/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm lint: what Proxmox finds in a VM config only at start, or never
 * (docs/vm.md). Each finding has an id, a severity, the line and the fix.
 */
#pragma once

#include "host/session.h"
#include "pve/conf.h"
#include "pve/mapping.h"

enum vp_lint_sev {
	VP_LINT_WARN = 1,
	VP_LINT_ERROR = 2,
};

struct vp_lint_finding {
	const char *id;
	enum vp_lint_sev sev;
	char *line; /* the config line, or NULL when the problem is a missing line */
	char *msg;
	char *fix;
};

struct vp_lint {
	struct vp_lint_finding *f;
	size_t n;
};

struct vp_lint_env {
	unsigned long vmid;		     /* 0 for a file */
	const struct vp_session *ses;	     /* host model and guests, or NULL */
	const struct vp_pve_mapping *pcimap; /* pci.cfg, or NULL */
	bool pcimap_known;		     /* pci.cfg was looked for (NULL = absent) */
	char id[24]; /* filled by vp_vm_lint: the VMID or "VMID" */
};

int vp_vm_lint(const struct vp_pve_conf *c, const struct vp_lint_env *env,
	       struct vp_lint *out);
/* 0 clean, 1 warnings, 2 errors. */
int vp_lint_verdict(const struct vp_lint *l);
const char *vp_lint_sev_name(enum vp_lint_sev s);
void vp_lint_free(struct vp_lint *l);
