/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Passthrough settings already on the host, whoever wrote them: vfio-pci ids
 * in modprobe.d or on the kernel command line, softdeps before vfio-pci, udev
 * driver_override rules, driverctl overrides, VFIO modules loaded at boot.
 * Each is kept with its file and line, so a plan can show it, merge it into
 * vfio-pilot's own files, or refuse naming it.
 */
#pragma once

#include "host/facts.h"
#include "host/host.h"

enum vp_claim_kind {
	VP_CLAIM_IDS,	    /* options vfio-pci ids= (modprobe.d) */
	VP_CLAIM_CMDLINE,   /* vfio-pci.ids= on the kernel command line */
	VP_CLAIM_OVERRIDE,  /* udev ATTR{driver_override}="DRIVER" */
	VP_CLAIM_DRIVERCTL, /* /etc/driverctl.d/pci-ADDR holding DRIVER */
	VP_CLAIM_SOFTDEP,   /* softdep MODULE pre: vfio-pci */
	VP_CLAIM_MODULE,    /* a VFIO module in /etc/modules or modules-load.d */
	VP_CLAIM_UNPARSED,  /* mentions vfio-pci, but what it binds is not certain */
};
const char *vp_claim_kind_name(enum vp_claim_kind k);

/* One vfio-pci id: vendor:device[:subvendor:subdevice[:class:class_mask]]. */
struct vp_vfio_id {
	unsigned int v[6];
	int n;
};

struct vp_claim {
	enum vp_claim_kind kind;
	char *file;    /* below the root: "etc/modprobe.d/vfio.conf", "proc/cmdline" */
	int line;      /* first line, 1-based; 0 for the command line or a whole file */
	int line_end;  /* last line (a modprobe.d line may continue with '\') */
	char *text;    /* as written (continuations joined) */
	bool ours;     /* a file vfio-pilot writes */
	bool editable; /* a line vfio-pilot may comment out (modprobe.d, udev) */
	char *driver;  /* override, driverctl: the driver named */
	char *module;  /* softdep, module: the module */
	char *rest;    /* ids: the other options on the same line, or NULL */
	bool has_bdf;  /* override, driverctl: by address */
	struct vp_bdf bdf;
	struct vp_vfio_id *ids; /* ids, cmdline; override by vendor/device */
	size_t nids;
};

struct vp_claims {
	struct vp_claim *v;
	size_t n;
};

int vp_claims_load(struct vp_ctx *ctx, const struct vp_cmdline *cl,
		   const struct vp_kmods *km, struct vp_claims *c);
void vp_claims_free(struct vp_claims *c);
/* Does @c give @d to a driver (vfio-pci for ids and cmdline)? */
bool vp_claim_matches(const struct vp_claim *c, const struct vp_dev *d);
/* Does @c bind what it matches to vfio-pci (as opposed to another driver)? */
bool vp_claim_to_vfio(const struct vp_claim *c);
/* The file and line as the operator sees them; NULL on allocation failure. */
char *vp_claim_where(const struct vp_claim *c);
/*
 * @text (of @len bytes) with lines @from..@to (1-based, inclusive) commented
 * out behind @marker; every other byte kept. NULL on allocation failure.
 */
char *vp_comment_out(const char *text, size_t len, const int *from, const int *to,
		     size_t n, const char *marker);
