/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The regular expressions and named formats Proxmox's schemas use, written
 * out in C for exactly the patterns vfio-pilot needs. Each pattern function
 * answers what Perl's `$value =~ m/^(?:PATTERN)$/` answers (JSONSchema.pm
 * check_prop anchors every pattern); each format function does what the
 * registered verify function does and gives Proxmox's message.
 *
 * Only ASCII digits count as \d here; Perl would also take other Unicode
 * digits, which no Proxmox tool writes.
 */
#pragma once

#include <stdbool.h>

/* A pattern: true when the whole value matches. */
typedef bool (*vp_pve_pattern_fn)(const char *value);

/*
 * A named format (PVE::JSONSchema::register_format with a code ref): 0 when
 * the value is valid, or -EINVAL with *msg set to Proxmox's message
 * (allocated, may be left NULL on allocation failure), or -ENOMEM.
 */
typedef int (*vp_pve_format_fn)(const char *value, char **msg);

/* Perl's \s: space, \t, \n, \v, \f, \r. */
bool vp_pve_isspace(char c);
/* Only white space (or empty): what `m/^\s*$/` matches. */
bool vp_pve_blank(const char *s);

/*
 * One PCI address as qemu-server PCI.pm $PCIRE spells it:
 * (?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?, lower-case hex
 * only. With @domain_required the domain must be there (Mapping/PCI.pm
 * $PCI_RE).
 */
bool vp_pve_re_pci_id(const char *s, bool domain_required);

/* hostpci host: PCIRE(;PCIRE)* (PCI.pm $hostpci_fmt->{host}). */
bool vp_pve_pat_hostpci_host(const char *s);
/* mapping path: (?:PCI_RE;)*PCI_RE with the domain required (Mapping/PCI.pm). */
bool vp_pve_pat_map_pci_path(const char *s);
/* ^0x[0-9a-fA-F]{4}$: hostpci vendor-id, device-id, sub-vendor-id, sub-device-id. */
bool vp_pve_pat_hex_id(const char *s);
/* [^,;]+: hostpci romfile. */
bool vp_pve_pat_romfile(const char *s);
/* [^/\.:]+: hostpci mdev. */
bool vp_pve_pat_mdev(const char *s);
/*
 * usb host (USB.pm): (0x)?XXXX:(0x)?XXXX, or bus-port(.port)* in decimal,
 * or "spice" in any case.
 */
bool vp_pve_pat_usb_host(const char *s);
/* ^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$: mapping id and subsystem-id. */
bool vp_pve_pat_vendor_device(const char *s);
/* ^(\d+)\-(\d+(\.\d+)*)$: usb mapping path. */
bool vp_pve_pat_usb_path(const char *s);
/* [a-zA-Z0-9]{1,12}: cpu hv-vendor-id. */
bool vp_pve_pat_hv_vendor_id(const char *s);
/* [+-]FLAG(;[+-]FLAG)*, FLAG [a-zA-Z0-9\-_\.]+: cpu flags (CPUConfig.pm). */
bool vp_pve_pat_cpu_flags(const char *s);
/* 0[0-7]{3}: LXC devN mode. */
bool vp_pve_pat_lxc_mode(const char *s);
/* \d+(?:-\d+)?(?:;\d+(?:-\d+)?)*: numaN cpus and hostnodes. */
bool vp_pve_pat_numa_ids(const char *s);
/* The machine type pattern of Machine.pm pve-qemu-machine-fmt. */
bool vp_pve_pat_machine_type(const char *s);
/* vmgenid: a UUID, or 1 or 0. */
bool vp_pve_pat_vmgenid(const char *s);

/* pve-configid (pve-common JSONSchema.pm pve_verify_configid). */
int vp_pve_fmt_configid(const char *s, char **msg);
/* pve-node (pve_verify_node_name). */
int vp_pve_fmt_node(const char *s, char **msg);
/* pve-volume-id (pve-storage PVE::Storage::parse_volume_id). */
int vp_pve_fmt_volume_id(const char *s, char **msg);
/* pve-volume-id-or-qm-path (QemuServer.pm verify_volume_id_or_qm_path). */
int vp_pve_fmt_volume_id_or_qm_path(const char *s, char **msg);
/* disk-size (pve_verify_disk_size via parse_size). */
int vp_pve_fmt_disk_size(const char *s, char **msg);
/* pve-phys-bits (CPUConfig.pm parse_phys_bits). */
int vp_pve_fmt_phys_bits(const char *s, char **msg);
/* pve-cpuset (QemuServer.pm pve_verify_cpuset, PVE::CpuSet::parse_cpuset). */
int vp_pve_fmt_cpuset(const char *s, char **msg);
/* pve-lxc-dev-string (pve-container LXC/Config.pm verify_lxc_dev_string). */
int vp_pve_fmt_lxc_dev(const char *s, char **msg);
