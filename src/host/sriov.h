/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV physical functions: their virtual functions (drivers/pci/iov.c
 * sriov_totalvfs, sriov_numvfs, virtfnN; Documentation/ABI/testing/
 * sysfs-bus-pci), the groups and guests of each VF, and where a host
 * already makes the VF count persistent (sysfsutils or udev).
 */
#pragma once

#include "host/facts.h"
#include "host/host.h"
#include "kb/kb.h"

struct vp_sriov_vf {
	char addr[16];
	int group;	     /* -1 without a group */
	const char *driver;  /* borrowed from the host model; NULL when none */
	struct strv used_by; /* "VM 101 (hostpci0: 0000:07:10.0,pcie=1)" */
};

struct vp_sriov_pf {
	const struct vp_dev *pf;
	unsigned int total, num;
	struct vp_sriov_vf *vfs;
	size_t nvfs;
	size_t nused;		    /* VFs some guest uses */
	const struct vp_kb_gpu *kb; /* the PF's GPU row, NULL when not a known GPU */
	/*
	 * With kb->sriov_oot: 1 when the root's module index has that driver's
	 * module outside the kernel tree (updates/ or dkms), 0 when not, -1 when
	 * the index cannot be read.
	 */
	int oot_present;
};

/* An existing sriov_numvfs setting in a file the host reads at boot. */
struct vp_sriov_setting {
	char *file; /* as the operator writes it: /etc/sysfs.conf */
	int line;
	char addr[16];
	unsigned int vfs;
	bool ours; /* in vfio-pilot's own file */
};

/* vfio-pilot's sysfsutils file, below VP_ETC. */
#define VP_SRIOV_CONF "sysfs.d/vfio-pilot-sriov.conf"

int vp_sriov_read(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_guests *g,
		  const struct vp_dev *pf, struct vp_sriov_pf *out);
void vp_sriov_pf_free(struct vp_sriov_pf *s);

/*
 * Parse one line of a sysfsutils file ("bus/pci/devices/ADDR/sriov_numvfs =
 * N" or a devices/... path) or of a udev rule (KERNEL=="ADDR" ...
 * ATTR{sriov_numvfs}="N"). 1 and @addr/@vfs filled when it sets a VF count,
 * 0 when not.
 */
int vp_sriov_parse_sysfs_line(const char *line, char addr[16], unsigned int *vfs);
int vp_sriov_parse_udev_line(const char *line, char addr[16], unsigned int *vfs);

/* Every sriov_numvfs setting in etc/sysfs.conf, etc/sysfs.d and etc/udev/rules.d. */
int vp_sriov_settings(struct vp_ctx *ctx, struct vp_sriov_setting **out, size_t *n);
void vp_sriov_settings_free(struct vp_sriov_setting *s, size_t n);

/* Is Debian package @name installed in the root's dpkg database? */
bool vp_dpkg_installed(struct vp_ctx *ctx, const char *name);
