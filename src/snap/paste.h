/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole paste, as people post it: kernel logs, Proxmox task logs, lspci,
 * IOMMU group listings, kernel command lines, modprobe files and VM configs,
 * one after the other. paste.c splits it into sections by the kind of each
 * line, reads the host facts it shows (with import.c's parser for devices and
 * groups) and judges them: findings that no single line shows.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/facts.h"
#include "kb/signatures.h"
#include "snap/import.h"
#include "util.h"

enum vp_paste_kind {
	VP_PK_TEXT,	/* prose, prompts' output we do not know, blank */
	VP_PK_PROMPT,	/* "root@pve:~# cmd" or "$ cmd" */
	VP_PK_KLOG,	/* dmesg: "[    1.234] ..." or without timestamps */
	VP_PK_JOURNAL,	/* journalctl, kern.log, syslog: "Mon DD HH:MM:SS host ..." */
	VP_PK_PVE_TASK, /* Proxmox task log / qm start output */
	VP_PK_QEMU,	/* QEMU's stderr */
	VP_PK_LIBVIRT,	/* libvirt / virsh errors */
	VP_PK_LSPCI,	/* lspci -nn/-nnk/-k/-v..-vvv/-x */
	VP_PK_LSPCI_VMM,
	VP_PK_IOMMU,	/* the IOMMU group loop, one-line or header form */
	VP_PK_LS_IOMMU, /* ls-iommu's table */
	VP_PK_FIND,	/* find /sys/kernel/iommu_groups -type l */
	VP_PK_PVESH,	/* pvesh get /nodes/N/hardware/pci (table or JSON) */
	VP_PK_CMDLINE,	/* /proc/cmdline, /etc/kernel/cmdline, systemd-boot options */
	VP_PK_GRUB,	/* GRUB_CMDLINE_LINUX*= */
	VP_PK_MODPROBE, /* modprobe.d content */
	VP_PK_MODULES,	/* /etc/modules, modules-load.d */
	VP_PK_VMCONFIG, /* /etc/pve/qemu-server/VMID.conf */
	VP_PK_SHOWCMD,	/* qm showcmd: the kvm command line */
	VP_PK_GUEST,	/* Windows Device Manager codes, nvidia-smi */
	VP_PK_COUNT,
};
const char *vp_paste_kind_name(enum vp_paste_kind k);

/*
 * The kind of one line, decoration removed (vp_imp_clean); @prev is the kind
 * of the line before (detail lines of lspci, members of a listing).
 */
enum vp_paste_kind vp_paste_line_kind(const char *line, enum vp_paste_kind prev);

struct vp_paste_section {
	enum vp_paste_kind kind;
	unsigned int first, last; /* line numbers, 1-based */
};

struct vp_paste_param {
	char *name;  /* as written */
	char *value; /* NULL when none */
	unsigned int line;
};

/* A vendor:device id the paste asks vfio-pci to take (vfio-pci.ids=, options ids=). */
struct vp_paste_id {
	uint16_t vendor, device;
	unsigned int line;
};

struct vp_paste_finding {
	const char *id;
	enum vp_sig_severity severity;
	char *title;
	unsigned int line; /* the evidence, 0 when none */
	char *evidence;
	char *fix;
	const char *source;
	char *settle; /* the command whose output would settle it, or NULL */
};

struct vp_paste {
	struct vp_paste_section *sections;
	size_t nsections, scap;
	unsigned int lines;
	struct vp_import im;	       /* devices and groups, import.c's reading */
	struct vp_paste_param *params; /* kernel command line parameters */
	size_t nparams;
	enum vp_cpu_vendor vendor; /* host/facts.h */
	unsigned int vendor_line;
	char *kver; /* the running or booted kernel's release, NULL when not shown */
	unsigned int kver_line;
	struct vp_paste_id *ids; /* what vfio-pci is asked to take */
	size_t nids;
	struct vp_paste_finding *findings;
	size_t nfindings, fcap;
};

/* Split, read and judge @text. 0 or -ENOMEM. */
int vp_paste_parse(struct vp_paste *p, const char *text);
void vp_paste_free(struct vp_paste *p);
/* Was @kind seen in any section? */
bool vp_paste_has(const struct vp_paste *p, enum vp_paste_kind kind);

/* The kernel parameter table (for tests): is @name (as written) known? */
bool vp_paste_param_known(const char *name);
/*
 * The kernel release a line shows: "Linux version 6.8.12-4-pve (...",
 * "BOOT_IMAGE=/boot/vmlinuz-6.8.12-2-pve", "initrd=\EFI\proxmox\6.5.13-6-pve\...",
 * uname -a's "Linux pve 6.8.12-4-pve #1 SMP". A malloc'd string, or NULL.
 */
char *vp_paste_kver(const char *line);
/*
 * The vendor:device pairs of a vfio-pci ids= value ("10de:2504,10de:228e";
 * each entry is vendor:device[:subvendor[:subdevice[:class[:mask]]]] as
 * drivers/vfio/pci/vfio_pci.c vfio_pci_fill_ids() reads it) added to @p with
 * @line. Entries that do not parse are left out. 0 or -ENOMEM.
 */
int vp_paste_add_ids(struct vp_paste *p, const char *value, unsigned int line);
/* The line of the ids entry naming @vendor:@device, or 0. */
unsigned int vp_paste_wants_vfio(const struct vp_paste *p, uint16_t vendor,
				 uint16_t device);

/* The known parameter nearest to @name within 2 edits, or NULL. */
const char *vp_paste_param_nearest(const char *name);
