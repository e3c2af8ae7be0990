/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host facts beyond the PCI tree, read for doctor and advise: the kernel
 * command line, CPU and firmware, kernel modules and their configuration,
 * the kernel log, and Proxmox's VM and container configs. Each reader fills
 * plain structs through the context; what it cannot read it says why.
 */
#pragma once

#include <stdbool.h>
#include <time.h>

#include "host/host.h"

/* /proc/cmdline split as the kernel does (lib/cmdline.c next_arg: quotes group). */
struct vp_cmdline {
	char *raw;	  /* NULL when unreadable */
	char *unreadable; /* why */
	struct strv keys; /* "intel_iommu", "vfio-pci.ids", "quiet" */
	struct strv vals; /* "" for a bare flag */
};
int vp_cmdline_parse(const char *raw, struct vp_cmdline *cl);
/*
 * The last value given for @key, or NULL. In parameter names '-' and '_' are
 * the same (kernel/params.c parameq); the value is matched as written.
 */
const char *vp_cmdline_get(const struct vp_cmdline *cl, const char *key);
bool vp_cmdline_has(const struct vp_cmdline *cl, const char *key);
void vp_cmdline_free(struct vp_cmdline *cl);

enum vp_cpu_vendor {
	VP_CPU_UNKNOWN,
	VP_CPU_INTEL,
	VP_CPU_AMD,
};

/*
 * Where the kernel command line is kept, decided the way proxmox-boot-tool's
 * zz-proxmox-boot hook does (proxmox-kernel-helper): no proxmox-boot-uuids
 * means plain GRUB; with uuids, UEFI means systemd-boot (unless the ESP holds
 * GRUB, which only the mounted ESP shows) and BIOS means GRUB on the ESP.
 */
enum vp_bootloader {
	VP_BOOT_GRUB,	     /* /etc/default/grub, update-grub */
	VP_BOOT_GRUB_PBT,    /* /etc/default/grub, proxmox-boot-tool refresh */
	VP_BOOT_SYSTEMD_PBT, /* /etc/kernel/cmdline, proxmox-boot-tool refresh */
};

struct vp_system {
	struct vp_cmdline cmdline;
	enum vp_bootloader boot;
	char *kver; /* NULL when unknown */

	enum vp_cpu_vendor cpu;
	char *cpu_model;
	enum vp_state virt; /* vmx or svm in the flags */
	char *cpuinfo_unreadable;

	bool acpi_dmar, acpi_ivrs;
	bool acpi_tables_listed; /* the tables directory was readable */
	bool uefi;
	enum vp_state secure_boot;

	/* Proxmox: from dpkg's status database, the way pveversion learns it. */
	bool is_pve;
	char *pve_version; /* pve-manager version */
	char *qemu_server; /* qemu-server version: what VM config keys exist */
	char *os_pretty;   /* PRETTY_NAME from os-release */
};
int vp_system_load(struct vp_ctx *ctx, struct vp_system *s);
void vp_system_free(struct vp_system *s);

/* A line of /etc/modules or a modules-load.d file naming a module. */
struct vp_modline {
	char *module; /* as written */
	char *file;   /* host path, for the fix */
	int line;
};

struct vp_kmods {
	struct strv loaded; /* ROOT/proc/modules, names normalised to '_' */
	char *loaded_unreadable;
	struct vp_modline *boot; /* modules loaded at boot by name */
	size_t nboot;
	/* modprobe.d as libkmod reads it from the root, NULL when unavailable */
	struct kmod_ctx *kmod;
	char *kmod_unavailable;
	time_t newest_config; /* mtime of the newest modprobe.d / modules file */
	char *newest_config_file;
	time_t initramfs_mtime; /* ROOT/boot/initrd.img-KVER, 0 when missing */
};
int vp_kmods_load(struct vp_ctx *ctx, const char *kver, struct vp_kmods *k);
void vp_kmods_free(struct vp_kmods *k);
/* "vfio-pci" and "vfio_pci" are one module (libkmod normalises the same way). */
void vp_modname_normalize(char *name);
bool vp_kmods_is_loaded(const struct vp_kmods *k, const char *name);
/* Is @name in the root's module index (modules.dep) or built in? */
bool vp_kmods_available(const struct vp_kmods *k, const char *name);
/* 1 built in, 0 not, -errno when the module index cannot tell. */
int vp_kmods_is_builtin(const struct vp_kmods *k, const char *name);
/* The "options" of @module from modprobe.d, joined; NULL when none. */
char *vp_kmods_options(const struct vp_kmods *k, const char *module);
/* Value of parameter @param (e.g. "ids") in modprobe.d options of @module. */
char *vp_kmods_option(const struct vp_kmods *k, const char *module, const char *param);
bool vp_kmods_blacklisted(const struct vp_kmods *k, const char *module);
/* Does a softdep make @pre load before @module? */
bool vp_kmods_softdep_pre(const struct vp_kmods *k, const char *module, const char *pre);

/*
 * The kernel log of the current boot: --kernel-log FILE when given, else the
 * root's systemd journal (sd-journal), else ROOT/var/log/kern.log.
 */
struct vp_klog {
	struct strv lines;
	char *source; /* where it came from, as evidence names it; NULL when none */
	char *unavailable;
	char *boot_id;	   /* from the journal: the boot read */
	char *journal_dir; /* "var/log/journal" or "run/log/journal" */
};
/*
 * A snapshot cannot carry the journal files (they hold every service's
 * messages); it carries the current boot's kernel messages from the journal
 * as text in ROOT/var/log/VP_KLOG_FROM_JOURNAL, first line the header and
 * the source it was read from.
 */
#define VP_KLOG_FROM_JOURNAL   "vfio-pilot-journal-kernel.txt"
#define VP_KLOG_JOURNAL_HEADER "# vfio-pilot snapshot of the kernel messages from "
/* The journal part: 0, or -ENOENT with k->unavailable saying why when unset. */
int vp_journal_klog(struct vp_ctx *ctx, struct vp_klog *k);
int vp_klog_load(struct vp_ctx *ctx, const char *file, struct vp_klog *k);
/* The first line containing @needle, or NULL. */
const char *vp_klog_find(const struct vp_klog *k, const char *needle);
void vp_klog_free(struct vp_klog *k);

/* A Proxmox guest's use of a PCI device. */
struct vp_guest_ref {
	char kind; /* 'q' VM, 'c' container */
	int id;
	char *key; /* "hostpci0", "dev0", "lxc.mount.entry" */
	char *value;
	char *address; /* the device as written (0000:01:00 or 01:00.0), NULL for mappings
			*/
	char *mapping; /* mapping=NAME */
	char *file;
};

struct vp_guests {
	struct vp_guest_ref *refs;
	size_t n;
	size_t nvms, ncts;
	bool present; /* ROOT/etc/pve/qemu-server or lxc readable */
};
int vp_guests_load(struct vp_ctx *ctx, struct vp_guests *g);
/* The VMs of one node of the cluster (/etc/pve/nodes/NODE/qemu-server). */
int vp_guests_load_node(struct vp_ctx *ctx, const char *node, struct vp_guests *g);
void vp_guests_free(struct vp_guests *g);

/* DRM nodes (/dev/dri) and the groups that own them, for LXC device passthrough. */
struct vp_drm_node {
	char *name;    /* "renderD128", "card0" */
	char *address; /* PCI function behind it, NULL when not PCI */
};

struct vp_drm {
	struct vp_drm_node *nodes; /* sorted by name */
	size_t n;
	int render_gid, video_gid; /* from the root's /etc/group; -1 unknown */
};
int vp_drm_load(struct vp_ctx *ctx, struct vp_drm *d);
void vp_drm_free(struct vp_drm *d);

/* Cluster membership: corosync.conf in the cluster filesystem. */
bool vp_pve_is_cluster(struct vp_ctx *ctx);
