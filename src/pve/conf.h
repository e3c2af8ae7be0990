/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest config (/etc/pve/qemu-server/<vmid>.conf or /etc/pve/lxc/<ctid>.conf)
 * kept as its lines, byte for byte, each line classified the way Proxmox's
 * own parser (qemu-server QemuServer.pm parse_vm_config, pve-container
 * LXC/Config.pm parse_pct_config) treats it. Serialising an unedited parse
 * gives back the input exactly; edits touch only the lines they change.
 *
 * The library works on text: reading and writing the file (with the
 * /var/lock/qemu-server/lock-<vmid>.conf flock and a rename, knowledge §1.2)
 * is the caller's business.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum vp_pve_guest {
	VP_PVE_QEMU,
	VP_PVE_LXC,
};

enum vp_pve_line_kind {
	VP_PVE_LINE_BLANK,	 /* white space only: skipped */
	VP_PVE_LINE_SECTION,	 /* a [header] line */
	VP_PVE_LINE_COMMENT,	 /* "#text": a line of the section's description */
	VP_PVE_LINE_DESCRIPTION, /* "description: text": appended to the description */
	VP_PVE_LINE_KEY,	 /* "key: value" (including args) */
	VP_PVE_LINE_DELETE,	 /* "delete: keys" (pending deletions) */
	VP_PVE_LINE_SNAPSTATE,	 /* "snapstate: prepare|delete" (transient) */
	VP_PVE_LINE_LXC,	 /* a raw "lxc.key: value" / "lxc.key = value" line */
	VP_PVE_LINE_OTHER,	 /* matches nothing Proxmox knows */
};

enum vp_pve_section_kind {
	VP_PVE_SEC_MAIN,     /* the live config, before the first header */
	VP_PVE_SEC_PENDING,  /* [PENDING] (qemu), [pve:pending] (lxc) */
	VP_PVE_SEC_SPECIAL,  /* [special:cloudinit], [special:fleecing] (qemu) */
	VP_PVE_SEC_SNAPSHOT, /* [snapname] */
	VP_PVE_SEC_UNKNOWN,  /* [anything else] (qemu skips its lines) */
};

enum vp_pve_status {
	VP_PVE_OK,	 /* Proxmox reads and keeps the line */
	VP_PVE_IGNORED,	 /* blank, or inside a section Proxmox skips */
	VP_PVE_REJECTED, /* Proxmox warns and drops it: gone at its next write */
	VP_PVE_WARNED,	 /* Proxmox warns but keeps it (containers, duplicate headers) */
	VP_PVE_API_INVALID, /* the file parser keeps it, the API (qm set/pct set) refuses
			       it */
	VP_PVE_UNVERIFIED,  /* kept; its value's format is not one vfio-pilot checks */
};

struct vp_pve_line {
	char *text; /* exactly as in the file, without the '\n' */
	enum vp_pve_line_kind kind;
	size_t section; /* index into vp_pve_conf.sections */
	char *key;	/* KEY, LXC: the key; SECTION: the section name */
	char *value; /* KEY, LXC, DESCRIPTION, DELETE: the value as Proxmox stores it */
	enum vp_pve_status status;
	char *reason; /* why, in Proxmox's words where it has them; NULL for OK */
};

struct vp_pve_section {
	enum vp_pve_section_kind kind;
	char *name;	/* "" for main, "pending", "cloudinit", the snapshot name, ... */
	size_t header;	/* line index of the header line (main: none, SIZE_MAX) */
	bool discarded; /* a later section of the same name replaces this one */
};

struct vp_pve_conf {
	enum vp_pve_guest guest;
	struct vp_pve_line *lines;
	size_t n_lines;
	struct vp_pve_section *sections; /* [0] is always the main section */
	size_t n_sections;
	bool final_newline; /* the text ended in '\n' */
};

/* The text again: the input, byte for byte, plus whatever was edited. */
int vp_pve_conf_serialize(const struct vp_pve_conf *c, char **out, size_t *len);

void vp_pve_conf_free(struct vp_pve_conf *c);
static inline void vp_pve_conf_freep(struct vp_pve_conf **c)
{
	vp_pve_conf_free(*c);
}

/* The pending section Proxmox uses (the last one), or SIZE_MAX. */
size_t vp_pve_conf_pending(const struct vp_pve_conf *c);

/*
 * The line Proxmox takes for @key in section @section: the last one it keeps
 * (the last wins, as in its hash), or NULL.
 */
const struct vp_pve_line *vp_pve_conf_find(const struct vp_pve_conf *c, size_t section,
					   const char *key);

/*
 * The description of a section as Proxmox assembles it from "#" and
 * "description:" lines (PVE::Tools::decode_text: %XX unescaped), with
 * trailing white space removed; NULL when there is none.
 */
int vp_pve_conf_description(const struct vp_pve_conf *c, size_t section, char **out);

/* PVE::Tools::decode_text without the UTF-8 decode: %XX -> byte. */
char *vp_pve_decode_text(const char *s);

const char *vp_pve_status_name(enum vp_pve_status s);
