// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vGPU types of one PCI function, as the two kernel interfaces show them
 * (see struct vp_vgpu). What Proxmox reads is the same: qemu-server's
 * PVE/QemuServer/PCI/Mdev.pm get_mdev_types takes mdev_supported_types/
 * first and NVIDIA's nvidia/creatable_vgpu_types only without it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/header.h>

#include "host/host.h"

/* Processing accelerators (PCI Code and ID Assignment 1.x: base class 12h); pciutils has
 * no name for it. */
#define VP_PCI_BASE_ACCELERATOR 0x12

const char *vp_vgpu_iface_name(enum vp_vgpu_iface i)
{
	switch (i) {
	case VP_VGPU_NVIDIA:
		return "nvidia";
	case VP_VGPU_MDEV:
		return "mdev";
	case VP_VGPU_NONE:
		break;
	}
	return "none";
}

void vp_vgpu_clear(struct vp_vgpu *v)
{
	for (size_t i = 0; i < v->ntypes; i++) {
		free(v->types[i].type);
		free(v->types[i].name);
		free(v->types[i].description);
	}
	free(v->types);
	*v = (struct vp_vgpu){ 0 };
}

static struct vp_vgpu_type *add_type(struct vp_vgpu *v)
{
	struct vp_vgpu_type *t;

	t = reallocarray(v->types, v->ntypes + 1, sizeof(*t));
	if (!t)
		return NULL;
	v->types = t;
	t = &v->types[v->ntypes++];
	*t = (struct vp_vgpu_type){ .available = -1 };
	return t;
}

/* A decimal id of at most 9 digits (NVIDIA's are 3 to 4), or -EBADMSG. */
static int parse_id(const char *s, size_t len, unsigned int *out)
{
	unsigned int v = 0;

	if (len == 0 || len > 9)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EBADMSG;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * "ID    : vGPU Name" and "1148  : NVIDIA L40S-2Q" as the driver prints them
 * ("%-5d : %s", nvidia-vgpu-vfio and the RFC's nvidia_vgpu vfio_main.c).
 */
int vp_vgpu_parse_creatable(const char *text, struct vp_vgpu *v)
{
	const char *p = text;

	while (*p) {
		const char *end = strchrnul(p, '\n');
		const char *colon, *name, *q;
		_cleanup_free_ char *n = NULL;
		struct vp_vgpu_type *t;
		size_t idlen, namelen;
		unsigned int id;

		while (p < end && isspace((unsigned char)*p))
			p++;
		q = end;
		while (q > p && isspace((unsigned char)q[-1]))
			q--;
		if (p == q)
			goto next;
		colon = memchr(p, ':', (size_t)(q - p));
		if (!colon)
			return -EBADMSG;
		idlen = (size_t)(colon - p);
		while (idlen && isspace((unsigned char)p[idlen - 1]))
			idlen--;
		name = colon + 1;
		while (name < q && isspace((unsigned char)*name))
			name++;
		namelen = (size_t)(q - name);
		if (idlen == 2 && !strncmp(p, "ID", 2))
			goto next; /* the header */
		if (parse_id(p, idlen, &id) < 0 || namelen == 0 || id == 0)
			return -EBADMSG;
		n = strndup(name, namelen);
		if (!n || !(t = add_type(v)))
			return -ENOMEM;
		t->id = id;
		t->name = TAKE_PTR(n);
		t->type = xasprintf("nvidia-%u", id);
		/* Listed on a VF = creatable there now: PCI/Mdev.pm says available 1. */
		t->available = 1;
		if (!t->type)
			return -ENOMEM;
	next:
		p = *end ? end + 1 : end;
	}
	return 0;
}

static bool name_matches(const char *name, const char *want)
{
	if (!name)
		return false;
	if (!strcasecmp(name, want))
		return true;
	/* "L40S-2Q" for "NVIDIA L40S-2Q": the profile as NVIDIA's tables print it. */
	return !strncasecmp(name, "NVIDIA ", 7) && !strcasecmp(name + 7, want);
}

const struct vp_vgpu_type *vp_vgpu_find_type(const struct vp_vgpu *v, const char *type)
{
	for (size_t i = 0; type && i < v->ntypes; i++)
		if (v->types[i].type && streq(v->types[i].type, type))
			return &v->types[i];
	return NULL;
}

const struct vp_vgpu_type *vp_vgpu_by_id(const struct vp_vgpu *v, unsigned int id)
{
	/* 0 is no type: current_vgpu_type's "none", and no mdev type's id. */
	for (size_t i = 0; id && i < v->ntypes; i++)
		if (v->types[i].id == id)
			return &v->types[i];
	return NULL;
}

const struct vp_vgpu_type *vp_vgpu_find(const struct vp_vgpu *v, const char *want)
{
	const struct vp_vgpu_type *t;
	unsigned int id;

	if (!want || !*want)
		return NULL;
	t = vp_vgpu_find_type(v, want);
	if (!t && parse_id(want, strlen(want), &id) == 0)
		t = vp_vgpu_by_id(v, id);
	for (size_t i = 0; !t && i < v->ntypes; i++)
		if (name_matches(v->types[i].name, want))
			t = &v->types[i];
	return t;
}

struct vp_dev *vp_vgpu_next(const struct vp_host *h, const struct vp_dev *d, size_t *pos)
{
	/*
	 * An mdev parent (i915 GVT-g, NVIDIA before kernel 6.8) or one of
	 * NVIDIA's VFs offers types itself; a PF on NVIDIA's vGPU host driver
	 * offers none and its VFs do (nvidia/creatable_vgpu_types per VF).
	 */
	if (d->vgpu.iface != VP_VGPU_NONE)
		return (*pos)++ == 0 ? vp_host_find_addr(h, d->addr) : NULL;
	while (*pos < d->virtfn.n) {
		struct vp_dev *vf = vp_host_find_addr(h, d->virtfn.v[(*pos)++]);

		if (vf && vf->vgpu.iface != VP_VGPU_NONE)
			return vf;
	}
	return NULL;
}

static int read_nvidia(struct vp_dev *d, int dfd)
{
	_cleanup_close_ int nfd = vp_open_at(dfd, "nvidia", O_PATH | O_DIRECTORY);
	_cleanup_free_ char *text = NULL, *cur = NULL;
	unsigned int current = 0;
	int r;

	if (nfd < 0)
		return nfd;
	d->vgpu.iface = VP_VGPU_NVIDIA;
	r = vp_read_str_at(nfd, "creatable_vgpu_types", &text);
	if (r == 0)
		r = vp_vgpu_parse_creatable(text, &d->vgpu);
	if (r < 0) {
		vp_vgpu_clear(&d->vgpu);
		d->vgpu.iface = VP_VGPU_NVIDIA;
		vp_dev_unknown(d, "vgpu", "nvidia/creatable_vgpu_types: %s",
			       r == -EBADMSG ? "not in the driver's format"
					     : strerror(-r));
		return 0;
	}
	r = vp_read_str_at(nfd, "current_vgpu_type", &cur);
	if (r == 0 && parse_id(cur, strlen(cur), &current) == 0)
		d->vgpu.current = current;
	else
		vp_dev_unknown(d, "vgpu_current", "nvidia/current_vgpu_type: %s",
			       r < 0 ? strerror(-r) : "not a number");
	return 0;
}

static int count_entries(int dirfd, const char *name)
{
	_cleanup_close_ int fd = vp_open_at(dirfd, name, O_RDONLY | O_DIRECTORY);
	DIR *dir;
	struct dirent *e;
	int n = 0;

	if (fd < 0)
		return fd;
	dir = fdopendir(fd);
	if (!dir)
		return -errno;
	fd = -1; /* closedir closes it */
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_mdev_type(struct vp_dev *d, int mfd, const char *type)
{
	_cleanup_close_ int tfd = vp_open_at(mfd, type, O_PATH | O_DIRECTORY);
	_cleanup_free_ char *avail = NULL;
	struct vp_vgpu_type *t;
	unsigned int id, n;
	int made;

	if (tfd < 0)
		return 0; /* not a type directory */
	t = add_type(&d->vgpu);
	if (!t || !(t->type = strdup(type)))
		return -ENOMEM;
	if (startswith(type, "nvidia-") && parse_id(type + 7, strlen(type + 7), &id) == 0)
		t->id = id;
	if (vp_read_str_at(tfd, "name", &t->name) < 0)
		t->name = NULL; /* optional
				   (Documentation/driver-api/vfio-mediated-device.rst) */
	vp_read_str_at(tfd, "description", &t->description);
	if (vp_read_str_at(tfd, "available_instances", &avail) == 0 &&
	    parse_id(avail, strlen(avail), &n) == 0)
		t->available = (int)n;
	made = count_entries(tfd, "devices");
	if (made >= 0)
		d->vgpu.instances =
			(d->vgpu.instances < 0 ? 0 : d->vgpu.instances) + made;
	return 0;
}

static int read_mdev(struct vp_dev *d, int dfd)
{
	_cleanup_close_ int mfd =
		vp_open_at(dfd, "mdev_supported_types", O_RDONLY | O_DIRECTORY);
	struct strv names = { 0 };
	struct dirent *e;
	DIR *dir;
	int r = 0, fd;

	if (mfd < 0)
		return mfd;
	fd = dup(mfd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' && (r = strv_add(&names, e->d_name)) < 0)
			break;
	closedir(dir);
	if (r < 0) {
		strv_free(&names);
		return r;
	}
	/* readdir order is the directory's hash order: sort for a stable listing. */
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	d->vgpu.iface = VP_VGPU_MDEV;
	d->vgpu.instances = -1;
	for (size_t i = 0; r == 0 && i < names.n; i++)
		r = read_mdev_type(d, mfd, names.v[i]);
	strv_free(&names);
	return r;
}

int vp_vgpu_read(struct vp_dev *d, int dfd)
{
	int r;

	vp_vgpu_clear(&d->vgpu);
	/*
	 * Mediated-device parents on the PCI bus and NVIDIA's vGPU VFs are
	 * display controllers (i915 GVT-g 0300, NVIDIA 0300/0302) or
	 * accelerators (12xx); every other function would cost two failed
	 * lookups per scan for nothing. Out-of-tree NIC mdev drivers (Intel's
	 * Scalable IOV) are not read.
	 */
	if ((d->class >> 16) != PCI_BASE_CLASS_DISPLAY &&
	    (d->class >> 16) != VP_PCI_BASE_ACCELERATOR)
		return 0;
	r = read_mdev(d, dfd);
	if (r == -ENOENT || r == -ENOTDIR)
		r = read_nvidia(d, dfd);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		vp_dev_unknown(d, "vgpu", "vGPU types unreadable: %s", strerror(-r));
	return 0;
}

/*
 * What a VM config may ask of a host's vGPUs, for vm plan --vgpu and vm
 * lint. What Proxmox does with hostpciN mdev= is qemu-server's: PCI.pm
 * parse_hostpci turns mdev=nvidia-<N> on a function with an nvidia/
 * directory into NVIDIA's VF interface, PCI/Mdev.pm create_nvidia_device
 * writes N into the VF's current_vgpu_type at start, QemuServer.pm
 * cleanup_pci_devices writes 0 at stop; any other mdev= makes a mediated
 * device of that type (PCI.pm prepare_pci_device, PCI/Mdev.pm
 * pci_create_mdev_device). The functions' details must be read.
 */
const struct vp_dev *vp_vgpu_card(const struct vp_host *h, const struct vp_dev *d)
{
	const struct vp_dev *pf = d->physfn ? vp_host_find_addr(h, d->physfn) : NULL;

	return pf ? pf : d;
}

static const struct vp_vgpu_type *find_type(const struct vp_vgpu *v, const char *want,
					    bool exact)
{
	return exact ? vp_vgpu_find_type(v, want) : vp_vgpu_find(v, want);
}

const struct vp_vgpu_type *vp_vgpu_known(const struct vp_host *h, const struct vp_dev *d,
					 const char *want, bool exact)
{
	const struct vp_vgpu_type *t = find_type(&d->vgpu, want, exact);

	for (size_t i = 0; !t && i < h->ndevs; i++) {
		const struct vp_dev *o = h->devs[i];

		if (o->vendor == d->vendor && o->device == d->device &&
		    o->vgpu.iface == d->vgpu.iface)
			t = find_type(&o->vgpu, want, exact);
	}
	return t;
}

bool vp_vgpu_creatable(const struct vp_dev *d, const char *type, bool current_ok)
{
	const struct vp_vgpu_type *t = vp_vgpu_find_type(&d->vgpu, type);
	unsigned int id = 0;

	if (d->vgpu.iface == VP_VGPU_NVIDIA) {
		if (vp_dev_unknown_why(d, "vgpu_current"))
			return false;
		/* create_nvidia_device: "return 1 if $current eq $model" */
		if (current_ok && startswith(type, "nvidia-") &&
		    sscanf(type + 7, "%u", &id) == 1 && id && d->vgpu.current == id)
			return true;
		return t && d->vgpu.current == 0;
	}
	return t && t->available >= 1;
}

/* "NVIDIA L40S-2Q (nvidia-1148)", or the type alone when it has no name. */
char *vp_vgpu_type_label(const struct vp_vgpu_type *t)
{
	return t->name ? xasprintf("%s (%s)", t->name, t->type) : strdup(t->type);
}

char *vp_vgpu_running(const struct vp_host *h, const struct vp_dev *d,
		      const char *(*who)(const void *data, const char *addr),
		      const void *data, int *err)
{
	const struct vp_dev *card = vp_vgpu_card(h, d);
	char *out = NULL;

	*err = 0;
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *v = h->devs[i];
		const struct vp_vgpu_type *t;
		const char *cl;
		char id[16];

		if (v == d || v->vgpu.iface != VP_VGPU_NVIDIA || !v->vgpu.current ||
		    vp_vgpu_card(h, v) != card)
			continue;
		snprintf(id, sizeof(id), "%u", v->vgpu.current);
		t = vp_vgpu_known(h, v, id, false);
		cl = who ? who(data, v->addr) : NULL;
		if (strappendf(&out, ", ", "%s%snvidia-%u%s on %s%s%s",
			       t && t->name ? t->name : "", t && t->name ? " (" : "",
			       v->vgpu.current, t && t->name ? ")" : "", v->addr,
			       cl ? ", " : "", cl ? cl : "") < 0) {
			free(out);
			*err = -ENOMEM;
			return NULL;
		}
	}
	return out;
}

char *vp_vgpu_offered(struct vp_dev *const *c, size_t n)
{
	_cleanup_(strv_free) struct strv seen = { 0 };
	char *out = NULL;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c[i]->vgpu.ntypes; k++) {
			const struct vp_vgpu_type *t = &c[i]->vgpu.types[k];
			_cleanup_free_ char *l = NULL;

			if (!t->type || strv_contains(&seen, t->type))
				continue;
			l = vp_vgpu_type_label(t);
			if (!l || strv_add(&seen, t->type) < 0 ||
			    strappendf(&out, ", ", "%s", l) < 0) {
				free(out);
				return NULL;
			}
		}
	return out ? out : strdup("none");
}
