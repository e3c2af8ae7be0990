// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * USB devices from sysfs through the context's resolver, names from
 * usb.ids, and the device-or-controller advice (docs/sriov-usb-guest.md).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host/usb.h"

static int read_opt(struct vp_ctx *ctx, char **out, const char *name, const char *attr)
{
	int r = vp_read_strf(ctx, VP_SYS, out, "bus/usb/devices/%s/%s", name, attr);

	if (r == -ENOENT || r == -ENOTDIR) {
		*out = NULL;
		return 0;
	}
	return r;
}

static int read_hex(struct vp_ctx *ctx, const char *name, const char *attr,
		    unsigned long *v)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	int r = vp_read_strf(ctx, VP_SYS, &s, "bus/usb/devices/%s/%s", name, attr);

	if (r < 0)
		return r;
	*v = strtoul(s, &end, 16);
	return end == s ? -EINVAL : 0;
}

static int read_dec(struct vp_ctx *ctx, const char *name, const char *attr, unsigned *v)
{
	_cleanup_free_ char *s = NULL;
	int r = vp_read_strf(ctx, VP_SYS, &s, "bus/usb/devices/%s/%s", name, attr);

	if (r < 0)
		return r;
	*v = (unsigned)strtoul(s, NULL, 10);
	return 0;
}

/* "B-P(.P)*": a device below a root hub (root hubs are "usbN", interfaces have ':'). */
static bool is_device_name(const char *s)
{
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '-' || !isdigit((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return p[-1] != '.';
}

/* The PCI function in the canonical path: the last component that is an address. */
static void find_ctrl(const char *canon, char ctrl[16])
{
	_cleanup_free_ char *copy = strdup(canon);
	char *save = NULL;

	ctrl[0] = '\0';
	if (!copy)
		return;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		struct vp_bdf b;
		bool slot = false;

		if (strlen(t) == 12 && vp_bdf_parse(t, &b, &slot, false) == 0)
			snprintf(ctrl, 16, "%s", t);
	}
}

static int read_ifaces(struct vp_ctx *ctx, struct vp_usb_dev *d)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;
	size_t nl = strlen(d->name);
	int r;

	if (vp_opendirf(ctx, VP_SYS, &dir, "bus/usb/devices/%s", d->name) < 0)
		return 0;
	while ((e = readdir(dir))) {
		unsigned long cls = 0, sub = 0, proto = 0;
		_cleanup_free_ char *drv = NULL;

		/* interfaces of this configuration: "NAME:C.I" (usb_set_configuration) */
		if (strncmp(e->d_name, d->name, nl) || e->d_name[nl] != ':')
			continue;
		if (read_hex(ctx, e->d_name, "bInterfaceClass", &cls) < 0)
			continue;
		read_hex(ctx, e->d_name, "bInterfaceSubClass", &sub);
		read_hex(ctx, e->d_name, "bInterfaceProtocol", &proto);
		d->hid |= cls == VP_USB_CLASS_HID;
		/* HID boot interface, protocol keyboard (HID 1.11 §4.2, §4.3) */
		d->keyboard |= cls == VP_USB_CLASS_HID && sub == 1 && proto == 1;
		d->storage |= cls == VP_USB_CLASS_STORAGE;
		d->hub |= cls == VP_USB_CLASS_HUB;
		if (vp_readlinkf(ctx, VP_SYS, &drv, "bus/usb/devices/%s/driver",
				 e->d_name) == 0) {
			const char *base = strrchr(drv, '/');

			base = base ? base + 1 : drv;
			if (!strv_contains(&d->drivers, base) &&
			    (r = strv_add(&d->drivers, base)) < 0)
				return r;
		}
	}
	return 0;
}

static int cmp_path(const char *a, const char *b)
{
	/* numeric compare of "1-4.10" against "1-4.2" */
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long x = strtoul(a, (char **)&a, 10),
				      y = strtoul(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_dev(const void *pa, const void *pb)
{
	const struct vp_usb_dev *a = pa, *b = pb;
	int c = strcmp(a->ctrl, b->ctrl);

	return c ? c : cmp_path(a->name, b->name);
}

/* usb.ids: "VVVV  vendor" at column 0, "\tPPPP  product" below it. */
static void ids_lookup(const char *text, struct vp_usb_dev *d)
{
	char want[8];
	const char *p = text;
	bool in_vendor = false;

	snprintf(want, sizeof(want), "%04x  ", d->vid);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (in_vendor && p[0] != '\t' && p[0] != '#')
			return;
		if (!in_vendor && len > 6 && strncasecmp(p, want, 6) == 0) {
			d->vendor_name = strndup(p + 6, len - 6);
			in_vendor = true;
		} else if (in_vendor && p[0] == '\t' && p[1] != '\t' && len > 7) {
			char pid[8];

			snprintf(pid, sizeof(pid), "%04x  ", d->pid);
			if (strncasecmp(p + 1, pid, 6) == 0) {
				d->product_name = strndup(p + 7, len - 7);
				return;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
}

static int load_ids(struct vp_ctx *ctx, struct vp_usb *u)
{
	/* Debian: usbutils ships /usr/share/misc/usb.ids, hwdata /usr/share/hwdata */
	static const char *const where[] = { "misc/usb.ids", "hwdata/usb.ids" };
	_cleanup_free_ char *text = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		if (vp_read_strf(ctx, VP_USR_SHARE, &text, "%s", where[i]) < 0)
			continue;
		u->ids_file = vp_display_path(VP_USR_SHARE, where[i]);
		for (size_t k = 0; k < u->n; k++)
			ids_lookup(text, &u->devs[k]);
		return 0;
	}
	return 0;
}

int vp_usb_load(struct vp_ctx *ctx, struct vp_usb *u)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;
	int r;

	memset(u, 0, sizeof(*u));
	if (vp_opendirf(ctx, VP_SYS, &dir, "bus/usb/devices") < 0)
		return 0;
	u->present = true;
	while ((e = readdir(dir))) {
		_cleanup_free_ char *canon = NULL;
		struct vp_usb_dev *d, *nv;
		unsigned long vid = 0, pid = 0, cls = 0;

		if (!is_device_name(e->d_name) || strlen(e->d_name) >= sizeof(d->name))
			continue;
		if (read_hex(ctx, e->d_name, "idVendor", &vid) < 0 ||
		    read_hex(ctx, e->d_name, "idProduct", &pid) < 0)
			continue;
		nv = realloc(u->devs, (u->n + 1) * sizeof(*u->devs));
		if (!nv)
			return -ENOMEM;
		u->devs = nv;
		d = &u->devs[u->n++];
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", e->d_name);
		d->vid = (uint16_t)vid;
		d->pid = (uint16_t)pid;
		read_dec(ctx, e->d_name, "busnum", &d->busnum);
		read_dec(ctx, e->d_name, "devnum", &d->devnum);
		if (read_hex(ctx, e->d_name, "bDeviceClass", &cls) == 0)
			d->dclass = (uint8_t)cls;
		d->hub = d->dclass == VP_USB_CLASS_HUB;
		if ((r = read_opt(ctx, &d->speed, e->d_name, "speed")) < 0 ||
		    (r = read_opt(ctx, &d->product, e->d_name, "product")) < 0 ||
		    (r = read_opt(ctx, &d->manufacturer, e->d_name, "manufacturer")) < 0)
			return r;
		if (vp_resolve(ctx, VP_SYS, &canon, "bus/usb/devices/%s", e->d_name) == 0)
			find_ctrl(canon, d->ctrl);
		if ((r = read_ifaces(ctx, d)) < 0)
			return r;
	}
	if (u->n)
		qsort(u->devs, u->n, sizeof(*u->devs), cmp_dev);
	return load_ids(ctx, u);
}

void vp_usb_free(struct vp_usb *u)
{
	for (size_t i = 0; i < u->n; i++) {
		struct vp_usb_dev *d = &u->devs[i];

		free(d->speed);
		free(d->product);
		free(d->manufacturer);
		free(d->vendor_name);
		free(d->product_name);
		strv_free(&d->drivers);
	}
	free(u->devs);
	free(u->ids_file);
	memset(u, 0, sizeof(*u));
}

bool vp_usb_superspeed(const struct vp_usb_dev *d)
{
	return d->speed && strtod(d->speed, NULL) >= 5000;
}

size_t vp_usb_count_id(const struct vp_usb *u, uint16_t vid, uint16_t pid)
{
	size_t n = 0;

	for (size_t i = 0; i < u->n; i++)
		n += !u->devs[i].hub && u->devs[i].vid == vid && u->devs[i].pid == pid;
	return n;
}

static bool hex4(const char **p, unsigned long *v)
{
	const char *s = *p;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (int i = 0; i < 4; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	*v = strtoul((char[5]){ s[0], s[1], s[2], s[3], 0 }, NULL, 16);
	*p = s + 4;
	return true;
}

int vp_usb_find(const struct vp_usb *u, const char *spec, const struct vp_usb_dev **out)
{
	const char *p = spec;
	unsigned long vid, pid;

	*out = NULL;
	if (hex4(&p, &vid) && *p++ == ':' && hex4(&p, &pid) && !*p) {
		size_t n = vp_usb_count_id(u, (uint16_t)vid, (uint16_t)pid);

		if (n > 1)
			return -EEXIST;
		for (size_t i = 0; i < u->n; i++)
			if (!u->devs[i].hub && u->devs[i].vid == vid &&
			    u->devs[i].pid == pid)
				*out = &u->devs[i];
		return *out ? 0 : -ENOENT;
	}
	if (!is_device_name(spec))
		return -EINVAL;
	for (size_t i = 0; i < u->n; i++)
		if (streq(u->devs[i].name, spec))
			*out = &u->devs[i];
	return *out ? 0 : -ENOENT;
}

int vp_usb_advise(const struct vp_host *h, const struct vp_usb *u, const char *ctrl,
		  struct vp_usb_advice *a)
{
	const struct vp_dev *d = vp_host_find_addr(h, ctrl);
	const struct vp_group *g = d ? vp_host_group(h, d->iommu_group) : NULL;
	size_t ndev = 0, nss = 0;
	const char *kbd = NULL;
	int r = 0;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < u->n; i++) {
		const struct vp_usb_dev *x = &u->devs[i];

		if (!streq(x->ctrl, ctrl) || x->hub)
			continue;
		ndev++;
		nss += vp_usb_superspeed(x);
		if (x->keyboard && !kbd)
			kbd = x->name;
	}
	a->controller_ok = true;
	if (!d) {
		a->controller_ok = false;
		return strv_pushf(&a->why,
				  "the controller is not a PCI function of this host");
	}
	if (kbd) {
		a->controller_ok = false;
		r = strv_pushf(
			&a->why,
			"keep the controller: it carries a keyboard (%s), likely the host's "
			"console keyboard; pass single devices",
			kbd);
	}
	if (r == 0 && (d->critical & VP_CRIT_ROOTDISK)) {
		a->controller_ok = false;
		r = strv_pushf(&a->why,
			       "keep the controller: the host's root disk is behind it");
	}
	if (r == 0 && d->critical && !(d->critical & VP_CRIT_ROOTDISK)) {
		a->controller_ok = false;
		r = strv_pushf(&a->why, "keep the controller: the host needs it (%s)",
			       d->critical_why.n ? d->critical_why.v[0]
						 : "host-critical");
	}
	if (r == 0 && d->iommu_group < 0) {
		a->controller_ok = false;
		r = strv_pushf(
			&a->why,
			"the controller has no IOMMU group: only device passthrough "
			"(which needs no IOMMU) works");
	} else if (r == 0 && g && g->verdict == VP_GROUP_SHARED) {
		a->controller_ok = false;
		r = strv_pushf(
			&a->why,
			"the controller's IOMMU group %d holds unrelated devices: it cannot "
			"go to a VM alone",
			g->id);
	}
	if (r < 0 || !a->controller_ok)
		return r;
	if (ndev >= 2 || nss) {
		a->controller_better = true;
		r = strv_pushf(
			&a->why,
			"pass the whole controller (hostpci): %zu device(s)%s; the VM gets "
			"hot-plug on every port and native speed",
			ndev, nss ? ", SuperSpeed among them" : "");
	} else {
		r = strv_pushf(
			&a->why,
			"either works: device passthrough (usbN) is simpler; pass the "
			"controller (hostpci) if devices come and go (hot-plug on every "
			"port)");
	}
	return r;
}

void vp_usb_advice_free(struct vp_usb_advice *a)
{
	strv_free(&a->why);
}
