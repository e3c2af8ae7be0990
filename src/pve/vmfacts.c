// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Passthrough facts of a VM config. The notes restate what qemu-server does
 * at VM start (PCI.pm parse_hostpci / parse_hostpci_devices /
 * choose_hostpci_devices, USB.pm assert_usb_index_is_useable, and the x-vga
 * handling in QemuServer.pm; knowledge §2.1, §2.2).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pve/conf.h"
#include "pve/keys.h"
#include "pve/schemas.h"
#include "pve/vmfacts.h"

bool vp_pve_pci_id_all_functions(const char *id)
{
	return !strchr(id, '.');
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -ENOMEM;
	return 0;
}

/* The kept line of @key in the main section, else its last rejected one. */
static const struct vp_pve_line *main_line(const struct vp_pve_conf *c, const char *key)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);

	if (l)
		return l;
	for (size_t i = c->n_lines; i-- > 0;)
		if (c->lines[i].section == 0 && c->lines[i].kind == VP_PVE_LINE_KEY &&
		    c->lines[i].status == VP_PVE_REJECTED && streq(c->lines[i].key, key))
			return &c->lines[i];
	return NULL;
}

static const char *main_value(const struct vp_pve_conf *c, const char *key)
{
	const struct vp_pve_line *l = vp_pve_conf_find(c, 0, key);

	return l ? l->value : NULL;
}

/* A property string's key, or NULL when @value does not parse. */
static int prop_of(const struct vp_pve_schema *s, const char *value, const char *key,
		   char **out)
{
	struct vp_pve_propstr ps;
	int r;

	*out = NULL;
	if (!value)
		return 0;
	r = vp_pve_propstr_split(s, value, &ps, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	r = dup_opt(out, vp_pve_propstr_get(&ps, key));
	vp_pve_propstr_free(&ps);
	return r;
}

static int hostpci_fill(struct vp_pve_hostpci *h, const struct vp_pve_line *l)
{
	struct vp_pve_propstr ps;
	const char *host;
	int r;

	h->valid = l->status != VP_PVE_REJECTED;
	if (!(h->value = strdup(l->value)) || dup_opt(&h->reason, l->reason) < 0)
		return -ENOMEM;
	h->rombar = true;
	r = vp_pve_propstr_split(vp_pve_schema_hostpci(), l->value, &ps, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return dup_opt(&h->driver, "vfio");
	h->pcie = vp_pve_propstr_bool(&ps, "pcie");
	h->x_vga = vp_pve_propstr_bool(&ps, "x-vga");
	h->rombar = vp_pve_propstr_bool(&ps, "rombar");
	h->legacy_igd = vp_pve_propstr_bool(&ps, "legacy-igd");
	host = vp_pve_propstr_get(&ps, "host");
	r = 0;
	if (host) {
		_cleanup_free_ char *copy = strdup(host);
		char *save = NULL;

		if (!copy)
			r = -ENOMEM;
		for (char *t = copy ? strtok_r(copy, ";", &save) : NULL; t && r == 0;
		     t = strtok_r(NULL, ";", &save))
			r = strv_add(&h->hosts, t);
	}
	if (r == 0)
		r = dup_opt(&h->mapping, vp_pve_propstr_get(&ps, "mapping"));
	if (r == 0)
		r = dup_opt(&h->romfile, vp_pve_propstr_get(&ps, "romfile"));
	if (r == 0)
		r = dup_opt(&h->mdev, vp_pve_propstr_get(&ps, "mdev"));
	if (r == 0)
		r = dup_opt(&h->vendor_id, vp_pve_propstr_get(&ps, "vendor-id"));
	if (r == 0)
		r = dup_opt(&h->device_id, vp_pve_propstr_get(&ps, "device-id"));
	if (r == 0)
		r = dup_opt(&h->sub_vendor_id, vp_pve_propstr_get(&ps, "sub-vendor-id"));
	if (r == 0)
		r = dup_opt(&h->sub_device_id, vp_pve_propstr_get(&ps, "sub-device-id"));
	if (r == 0) {
		const char *d = vp_pve_propstr_get(&ps, "driver");

		r = dup_opt(&h->driver, d ? d : "vfio");
	}
	vp_pve_propstr_free(&ps);
	return r;
}

static int usb_fill(struct vp_pve_usbdev *u, const struct vp_pve_line *l)
{
	struct vp_pve_propstr ps;
	int r;

	u->valid = l->status != VP_PVE_REJECTED;
	if (!(u->value = strdup(l->value)) || dup_opt(&u->reason, l->reason) < 0)
		return -ENOMEM;
	r = vp_pve_propstr_split(vp_pve_schema_usb(), l->value, &ps, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	u->usb3 = vp_pve_propstr_bool(&ps, "usb3");
	r = dup_opt(&u->host, vp_pve_propstr_get(&ps, "host"));
	if (r == 0)
		r = dup_opt(&u->mapping, vp_pve_propstr_get(&ps, "mapping"));
	vp_pve_propstr_free(&ps);
	return r;
}

static int collect_devices(const struct vp_pve_conf *c, struct vp_pve_vmfacts *f)
{
	char key[16];
	int r;

	f->hostpci = calloc(VP_HOSTPCI_MAX, sizeof(*f->hostpci));
	f->usb = calloc(14, sizeof(*f->usb));
	if (!f->hostpci || !f->usb)
		return -ENOMEM;
	for (unsigned i = 0; i < VP_HOSTPCI_MAX; i++) {
		const struct vp_pve_line *l;

		snprintf(key, sizeof(key), "hostpci%u", i);
		l = main_line(c, key);
		if (!l)
			continue;
		f->hostpci[f->n_hostpci].index = i;
		r = hostpci_fill(&f->hostpci[f->n_hostpci++], l);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < 14; i++) {
		const struct vp_pve_line *l;

		snprintf(key, sizeof(key), "usb%u", i);
		l = main_line(c, key);
		if (!l)
			continue;
		f->usb[f->n_usb].index = i;
		r = usb_fill(&f->usb[f->n_usb++], l);
		if (r < 0)
			return r;
	}
	return 0;
}

static int collect_scalars(const struct vp_pve_conf *c, struct vp_pve_vmfacts *f)
{
	_cleanup_free_ char *hidden = NULL;
	int r;

	if ((r = dup_opt(&f->machine, main_value(c, "machine"))) < 0 ||
	    (r = prop_of(vp_pve_schema_machine(), f->machine, "type", &f->machine_type)) <
		    0 ||
	    (r = dup_opt(&f->bios, main_value(c, "bios"))) < 0 ||
	    (r = dup_opt(&f->vga, main_value(c, "vga"))) < 0 ||
	    (r = prop_of(vp_pve_schema_vga(), f->vga, "type", &f->vga_type)) < 0 ||
	    (r = dup_opt(&f->balloon, main_value(c, "balloon"))) < 0 ||
	    (r = dup_opt(&f->cpu, main_value(c, "cpu"))) < 0 ||
	    (r = prop_of(vp_pve_schema_cpu(), f->cpu, "cputype", &f->cputype)) < 0 ||
	    (r = prop_of(vp_pve_schema_cpu(), f->cpu, "flags", &f->cpu_flags)) < 0 ||
	    (r = prop_of(vp_pve_schema_cpu(), f->cpu, "hv-vendor-id", &f->hv_vendor_id)) <
		    0 ||
	    (r = prop_of(vp_pve_schema_cpu(), f->cpu, "hidden", &hidden)) < 0 ||
	    (r = dup_opt(&f->args, main_value(c, "args"))) < 0 ||
	    (r = dup_opt(&f->hookscript, main_value(c, "hookscript"))) < 0 ||
	    (r = dup_opt(&f->ostype, main_value(c, "ostype"))) < 0)
		return r;
	f->q35 = f->machine_type && strstr(f->machine_type, "q35");
	f->ovmf = streq(f->bios, "ovmf");
	f->cpu_hidden = hidden ? vp_pve_parse_boolean(hidden) : -1;
	return 0;
}

/* The machine version of pc-q35-X.Y / pc-i440fx-X.Y / pc-X.Y, or 0 when none. */
static int machine_version(const char *type, int *major, int *minor)
{
	const char *p = NULL;

	if (!type)
		return 0;
	if (startswith(type, "pc-q35-"))
		p = type + 7;
	else if (startswith(type, "pc-i440fx-"))
		p = type + 10;
	else if (startswith(type, "pc-"))
		p = type + 3;
	return p && sscanf(p, "%d.%d", major, minor) == 2;
}

static bool same_pci_id(const char *a, const char *b)
{
	/* normalize_pci_id: an address without a domain is in domain 0000 */
	if (strchr(a, ':') == strrchr(a, ':'))
		return startswith(b, "0000:") && streq(a, b + 5);
	if (strchr(b, ':') == strrchr(b, ':'))
		return startswith(a, "0000:") && streq(b, a + 5);
	return streq(a, b);
}

/*
 * parse_hostpci_devices' legacy-igd checks: a single host device at 00:02.0,
 * vga none, rombar on, no x-vga, no mdev, an i440fx machine.
 */
static int legacy_igd_notes(struct vp_pve_vmfacts *f, const struct vp_pve_hostpci *h)
{
	const char *host = h->hosts.n == 1 ? h->hosts.v[0] : "";
	size_t n = strlen(host);
	int r = 0;

	if (h->hosts.n != 1 || h->mapping)
		r = strv_pushf(&f->notes,
			       "hostpci%u: legacy-igd takes exactly one host device",
			       h->index);
	else if (!(n >= 4 && streq(host + n - 4, "02.0")))
		r = strv_pushf(
			&f->notes,
			"hostpci%u: legacy-igd only works for devices on host bus 00:02.0",
			h->index);
	if (r == 0 && !streq(f->vga_type, "none"))
		r = strv_pushf(&f->notes, "hostpci%u: legacy-igd needs vga: none",
			       h->index);
	if (r == 0 && !h->rombar)
		r = strv_pushf(&f->notes, "hostpci%u: legacy-igd needs rombar", h->index);
	if (r == 0 && (h->x_vga || h->mdev))
		r = strv_pushf(&f->notes,
			       "hostpci%u: legacy-igd does not go with x-vga or mdev",
			       h->index);
	if (r == 0 && f->q35)
		r = strv_pushf(&f->notes,
			       "hostpci%u: legacy-igd needs an i440fx machine, not q35",
			       h->index);
	return r;
}

static int hostpci_notes(struct vp_pve_vmfacts *f)
{
	int r = 0;

	for (size_t i = 0; i < f->n_hostpci && r == 0; i++) {
		const struct vp_pve_hostpci *h = &f->hostpci[i];

		if (!h->valid) {
			r = strv_pushf(&f->notes, "hostpci%u: %s; Proxmox drops the line",
				       h->index, h->reason);
			continue;
		}
		if (h->hosts.n && h->mapping)
			r = strv_pushf(
				&f->notes,
				"hostpci%u: Cannot set both 'host' and 'mapping' (VM start fails)",
				h->index);
		else if (!h->hosts.n && !h->mapping)
			r = strv_pushf(
				&f->notes,
				"hostpci%u: Either 'host' or 'mapping' must be set (VM start "
				"fails)",
				h->index);
		if (r == 0 && h->pcie && !f->q35)
			r = strv_pushf(
				&f->notes,
				"hostpci%u: pcie=1 needs a q35 machine (VM start fails: q35 "
				"machine model is not enabled)",
				h->index);
		if (r == 0 && h->x_vga && f->ovmf)
			r = strv_pushf(
				&f->notes,
				"hostpci%u: x-vga=1 with bios ovmf: Proxmox does not pass "
				"x-vga=on to QEMU",
				h->index);
		if (r == 0 && h->romfile && strpbrk(h->romfile, " \t#"))
			r = strv_pushf(
				&f->notes,
				"hostpci%u: romfile '%s' holds white space or '#'; Proxmox "
				"takes all of it as the file name in /usr/share/kvm (an "
				"inline '#' is not a comment)",
				h->index, h->romfile);
		if (r == 0 && h->legacy_igd)
			r = legacy_igd_notes(f, h);
		if (r == 0 && h->mdev && h->hosts.n > 1)
			r = strv_pushf(
				&f->notes,
				"hostpci%u: cannot use mediated device with multifunction "
				"device",
				h->index);
		for (size_t j = i + 1; j < f->n_hostpci && r == 0; j++)
			for (size_t a = 0; a < h->hosts.n && r == 0; a++)
				for (size_t b = 0; b < f->hostpci[j].hosts.n && r == 0;
				     b++)
					if (same_pci_id(h->hosts.v[a],
							f->hostpci[j].hosts.v[b]))
						r = strv_pushf(
							&f->notes,
							"hostpci%u and hostpci%u: device '%s' "
							"assigned more than once",
							h->index, f->hostpci[j].index,
							h->hosts.v[a]);
	}
	return r;
}

static int usb_notes(struct vp_pve_vmfacts *f)
{
	static const char *const modern[] = { "l26", "win8", "win10", "win11" };
	bool os_ok = false;
	int major = 99, minor = 99, r = 0;

	machine_version(f->machine_type, &major, &minor);
	for (size_t i = 0; i < ARRAY_SIZE(modern); i++)
		os_ok = os_ok || streq(f->ostype, modern[i]);
	for (size_t i = 0; i < f->n_usb && r == 0; i++) {
		const struct vp_pve_usbdev *u = &f->usb[i];

		if (!u->valid)
			r = strv_pushf(&f->notes, "usb%u: %s; Proxmox drops the line",
				       u->index, u->reason);
		else if (u->index >= 5 &&
			 (!os_ok || major < 7 || (major == 7 && minor < 1)))
			r = strv_pushf(
				&f->notes,
				"usb%u: using usb%u is only possible with machine type >= 7.1 "
				"and ostype l26 or windows > 7",
				u->index, u->index);
	}
	return r;
}

static bool passthrough_key(const char *key)
{
	static const char *const keys[] = { "machine", "bios",	     "vga",    "cpu",
					    "args",    "hookscript", "balloon" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (streq(key, keys[i]))
			return true;
	return startswith(key, "hostpci") || startswith(key, "usb");
}

/* [PENDING] changes of passthrough keys: they apply at the next VM start. */
static int pending_notes(const struct vp_pve_conf *c, struct vp_pve_vmfacts *f)
{
	size_t p = vp_pve_conf_pending(c);
	int r = 0;

	for (size_t i = 0; p != SIZE_MAX && i < c->n_lines && r == 0; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section != p || l->status == VP_PVE_REJECTED)
			continue;
		if (l->kind == VP_PVE_LINE_KEY && passthrough_key(l->key))
			r = strv_pushf(
				&f->notes,
				"%s: pending change to '%s' (applied when the VM next starts)",
				l->key, l->value);
		else if (l->kind == VP_PVE_LINE_DELETE)
			r = strv_pushf(
				&f->notes,
				"pending deletion of '%s' (applied when the VM next starts)",
				l->value);
	}
	return r;
}

/* Rejected hostpciN/usbN lines outside the index ranges, and disabled copies. */
static int other_notes(const struct vp_pve_conf *c, struct vp_pve_vmfacts *f)
{
	int r = 0;

	for (size_t i = 0; i < c->n_lines && r == 0; i++) {
		const struct vp_pve_line *l = &c->lines[i];

		if (l->section != 0)
			continue;
		if (l->kind == VP_PVE_LINE_KEY && l->status == VP_PVE_REJECTED &&
		    (startswith(l->key, "hostpci") || startswith(l->key, "usb")) &&
		    l->reason && strstr(l->reason, "unknown setting"))
			r = strv_pushf(
				&f->notes,
				"%s: %s (hostpci0-15 and usb0-13 only); Proxmox drops the line",
				l->key, l->reason);
		if (l->kind == VP_PVE_LINE_COMMENT) {
			_cleanup_free_ char *d = vp_pve_decode_text(l->text + 1);

			if (!d)
				return -ENOMEM;
			if (startswith(d, "hostpci") || startswith(d, "usb"))
				r = strv_pushf(
					&f->notes,
					"'%s' is a line of the description, not an active "
					"setting",
					d);
		}
	}
	return r;
}

int vp_pve_vmfacts_get(const struct vp_pve_conf *c, struct vp_pve_vmfacts *out)
{
	bool any_x_vga = false;
	int r;

	*out = (struct vp_pve_vmfacts){ .cpu_hidden = -1 };
	r = collect_devices(c, out);
	if (r == 0)
		r = collect_scalars(c, out);
	for (size_t i = 0; r == 0 && i < out->n_hostpci; i++)
		any_x_vga = any_x_vga || (out->hostpci[i].valid && out->hostpci[i].x_vga);
	out->kvm_hidden = out->cpu_hidden == 1 || (any_x_vga && out->cpu_hidden != 0);
	if (r == 0)
		r = hostpci_notes(out);
	if (r == 0)
		r = usb_notes(out);
	if (r == 0)
		r = other_notes(c, out);
	if (r == 0)
		r = pending_notes(c, out);
	if (r < 0)
		vp_pve_vmfacts_free(out);
	return r;
}

static void hostpci_free(struct vp_pve_hostpci *h)
{
	free(h->value);
	free(h->reason);
	strv_free(&h->hosts);
	free(h->mapping);
	free(h->romfile);
	free(h->mdev);
	free(h->vendor_id);
	free(h->device_id);
	free(h->sub_vendor_id);
	free(h->sub_device_id);
	free(h->driver);
}

static int push_ref(struct vp_pve_hostpci_refs *out, const struct vp_pve_section *sec,
		    unsigned index, const struct vp_pve_line *l)
{
	struct vp_pve_hostpci_ref *nv = realloc(out->v, (out->n + 1) * sizeof(*nv)), *e;

	if (!nv)
		return -ENOMEM;
	out->v = nv;
	e = &out->v[out->n++];
	memset(e, 0, sizeof(*e));
	e->kind = sec->kind;
	e->deleted = !l;
	e->h.index = index;
	if (!(e->section = strdup(sec->name)))
		return -ENOMEM;
	return l ? hostpci_fill(&e->h, l) : 0;
}

/* "delete: hostpci0,!hostpci1 usb0": separators , ; or white space, '!' forces. */
static int pending_deletes(const struct vp_pve_conf *c, size_t sec,
			   struct vp_pve_hostpci_refs *out)
{
	int r = 0;

	for (size_t i = 0; i < c->n_lines && r == 0; i++) {
		const struct vp_pve_line *l = &c->lines[i];
		_cleanup_free_ char *copy = NULL;
		char *save = NULL;

		if (l->section != sec || l->kind != VP_PVE_LINE_DELETE || !l->value)
			continue;
		if (!(copy = strdup(l->value)))
			return -ENOMEM;
		for (char *t = strtok_r(copy, ",; \t", &save); t && r == 0;
		     t = strtok_r(NULL, ",; \t", &save)) {
			unsigned n;
			char tail;

			t += *t == '!';
			if (sscanf(t, "hostpci%u%c", &n, &tail) == 1 &&
			    n < VP_HOSTPCI_MAX)
				r = push_ref(out, &c->sections[sec], n, NULL);
		}
	}
	return r;
}

int vp_pve_hostpci_refs_get(const struct vp_pve_conf *c, struct vp_pve_hostpci_refs *out)
{
	char key[16];
	int r = 0;

	*out = (struct vp_pve_hostpci_refs){ 0 };
	for (size_t s = 1; s < c->n_sections && r == 0; s++) {
		const struct vp_pve_section *sec = &c->sections[s];

		if (sec->discarded ||
		    (sec->kind != VP_PVE_SEC_PENDING && sec->kind != VP_PVE_SEC_SNAPSHOT))
			continue;
		for (unsigned i = 0; i < VP_HOSTPCI_MAX && r == 0; i++) {
			const struct vp_pve_line *l;

			snprintf(key, sizeof(key), "hostpci%u", i);
			l = vp_pve_conf_find(c, s, key);
			if (l)
				r = push_ref(out, sec, i, l);
		}
		if (r == 0 && sec->kind == VP_PVE_SEC_PENDING)
			r = pending_deletes(c, s, out);
	}
	if (r < 0)
		vp_pve_hostpci_refs_free(out);
	return r;
}

void vp_pve_hostpci_refs_free(struct vp_pve_hostpci_refs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].section);
		hostpci_free(&r->v[i].h);
	}
	free(r->v);
	*r = (struct vp_pve_hostpci_refs){ 0 };
}

void vp_pve_vmfacts_free(struct vp_pve_vmfacts *f)
{
	for (size_t i = 0; f->hostpci && i < f->n_hostpci; i++)
		hostpci_free(&f->hostpci[i]);
	for (size_t i = 0; f->usb && i < f->n_usb; i++) {
		free(f->usb[i].value);
		free(f->usb[i].reason);
		free(f->usb[i].host);
		free(f->usb[i].mapping);
	}
	free(f->hostpci);
	free(f->usb);
	free(f->machine);
	free(f->machine_type);
	free(f->bios);
	free(f->vga);
	free(f->vga_type);
	free(f->balloon);
	free(f->cpu);
	free(f->cputype);
	free(f->cpu_flags);
	free(f->hv_vendor_id);
	free(f->args);
	free(f->hookscript);
	free(f->ostype);
	strv_free(&f->notes);
	*f = (struct vp_pve_vmfacts){ .cpu_hidden = -1 };
}
