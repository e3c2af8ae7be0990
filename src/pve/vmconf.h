/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VM configs, /etc/pve/qemu-server/<vmid>.conf, read and edited the way
 * qemu-server's parse_vm_config (QemuServer.pm, knowledge §1.1) reads them.
 *
 * Sections: main (live), [PENDING], [special:cloudinit|fleecing], [snapshot]
 * and unknown [x] (its lines are skipped). Each line gets a status (conf.h):
 * rejected lines are kept byte for byte and carry Proxmox's message
 * ("unknown setting 'hostpci16'", "unable to parse config: ...").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pve/conf.h"

/* Parse the text of a VM config. -EINVAL only for text with NUL bytes. */
int vp_pve_vmconf_parse(const char *text, size_t len, struct vp_pve_conf **out);

/*
 * Would vfio-pilot write "key: value"? Checks what the file parser and the
 * API check (full schema: enum, pattern, minimum/maximum), plus that the
 * line reads back as the same key and value. -EINVAL or -EOPNOTSUPP (a key
 * whose format vfio-pilot does not check, description, keys Proxmox
 * manages) with *reason.
 */
int vp_pve_vmconf_check(const char *key, const char *value, char **reason);

/*
 * Set @key in the main section (or [PENDING] when @pending; the section is
 * created after the main section when missing): the line Proxmox uses is
 * replaced in place, or a new "key: value" line goes after the section's
 * last key. Every other byte stays as it was. Booleans are written 1/0.
 */
int vp_pve_vmconf_set(struct vp_pve_conf *c, bool pending, const char *key,
		      const char *value, char **reason);

/* Remove every line of @key from the main section (or [PENDING]); -ENOENT if none. */
int vp_pve_vmconf_delete(struct vp_pve_conf *c, bool pending, const char *key);
