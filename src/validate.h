/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Validators for what people type on the command line, shared by every
 * command so a bad value gets the same message and exit code
 * (VP_EXIT_USAGE) wherever it is given (docs/bad-input.md lists them).
 * Each returns 0, or -EINVAL with *why set to a sentence for the user.
 */
#pragma once

#include <stdint.h>

/* pve-vmid (PVE::JSONSchema): ^[1-9][0-9]{2,8}$, 100 to 999999999. */
int vp_valid_vmid(const char *s, unsigned int *out, char **why);
/* Containers share the VMID space and format. */
int vp_valid_ctid(const char *s, unsigned int *out, char **why);
/* "10de:2684": a PCI vendor:device pair, four hex digits each. */
int vp_valid_pci_id(const char *s, uint16_t *vendor, uint16_t *device, char **why);
/* pve-configid (mapping ids, snippet base names): ^[a-z][a-z0-9_-]+$i, <= 64. */
int vp_valid_name(const char *s, char **why);
