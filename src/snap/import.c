// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * import: pasted IOMMU group listings and lspci output to a partial tree.
 * Line readers first (unit-tested on the corpus), then the tree writer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include <pci/header.h>

#include "snap/import.h"
#include "snap/snap.h"

char *vp_imp_clean(const char *line)
{
	char *out = malloc(strlen(line) + 1);
	const char *p = line;
	size_t n = 0;

	if (!out)
		return NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		/* quote marks and list bullets, then indentation again */
		if ((p[0] == '>' || p[0] == '-' || p[0] == '*' || p[0] == '+') &&
		    p[1] == ' ')
			p += 2;
		else
			break;
	}
	for (; *p; p++) {
		if (*p == '`' || *p == '\r')
			continue;
		if (p[0] == '*' && p[1] == '*') {
			p++;
			continue;
		}
		out[n++] = *p;
	}
	while (n && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
	return out;
}

int vp_imp_group_header(const char *s, int *group, const char **rest)
{
	const char *p = s;
	char *end;
	long v;

	if (strncasecmp(p, "iommu", 5) != 0)
		return 0;
	p += 5;
	while (*p == ' ' || *p == '\t' || *p == '_')
		p++;
	if (strncasecmp(p, "group", 5) != 0)
		return 0;
	p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	v = strtol(p, &end, 10);
	if (v < 0 || v > 1000000)
		return 0;
	p = end;
	if (*p == ':')
		p++;
	if (*p && *p != ' ' && *p != '\t')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	*group = (int)v;
	*rest = p;
	return 1;
}

static int hexn(const char *p, int n, unsigned int *v)
{
	unsigned int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		x = x * 16 +
		    (unsigned int)(isdigit((unsigned char)p[i])
					   ? p[i] - '0'
					   : tolower((unsigned char)p[i]) - 'a' + 10);
	}
	*v = x;
	return 0;
}

/* [DDDD:]BB:DD.F at @p; returns its length or 0. */
static size_t parse_bdf(const char *p, struct vp_bdf *b)
{
	unsigned int dom = 0, bus, dev, fn;
	size_t off = 0;

	if (hexn(p, 4, &dom) == 0 && p[4] == ':' && hexn(p + 5, 2, &bus) == 0 &&
	    p[7] == ':')
		off = 5;
	else
		dom = 0;
	if (hexn(p + off, 2, &bus) < 0 || p[off + 2] != ':' ||
	    hexn(p + off + 3, 2, &dev) < 0 || p[off + 5] != '.' ||
	    !isdigit((unsigned char)p[off + 6]))
		return 0;
	fn = (unsigned int)(p[off + 6] - '0');
	if (dev > 0x1f || fn > 7 || isalnum((unsigned char)p[off + 7]))
		return 0;
	b->domain = dom;
	b->bus = (uint8_t)bus;
	b->dev = (uint8_t)dev;
	b->fn = (uint8_t)fn;
	return off + 7;
}

/* The last "[hhhh:hhhh]" in @s. */
static bool last_ids(const char *s, uint16_t *a, uint16_t *b)
{
	bool found = false;

	for (const char *p = strchr(s, '['); p; p = strchr(p + 1, '[')) {
		unsigned int x, y;

		if (hexn(p + 1, 4, &x) == 0 && p[5] == ':' && hexn(p + 6, 4, &y) == 0 &&
		    p[10] == ']') {
			*a = (uint16_t)x;
			*b = (uint16_t)y;
			found = true;
		}
	}
	return found;
}

/*
 * lspci's class names (the class and subclass names of pci.ids, as lspci
 * prints them without -nn): ls-iommu's table and plain lspci -vmm give only
 * the name. Longest name first where one is a prefix of another.
 */
static const struct {
	const char *name;
	uint16_t code;
} class_names[] = {
	{ "VGA compatible controller", PCI_CLASS_DISPLAY_VGA },
	{ "3D controller", PCI_CLASS_DISPLAY_3D },
	{ "Display controller", 0x0380 },
	{ "Audio device", 0x0403 },
	{ "Multimedia audio controller", 0x0401 },
	{ "Multimedia video controller", 0x0400 },
	{ "Multimedia controller", 0x0480 },
	{ "USB controller", 0x0c03 },
	{ "Serial bus controller", 0x0c80 },
	{ "SMBus", 0x0c05 },
	{ "FireWire (IEEE 1394)", 0x0c00 },
	{ "Host bridge", 0x0600 },
	{ "ISA bridge", 0x0601 },
	{ "PCI bridge", 0x0604 },
	{ "CardBus bridge", 0x0607 },
	{ "Bridge", 0x0680 },
	{ "SCSI storage controller", 0x0100 },
	{ "IDE interface", 0x0101 },
	{ "RAID bus controller", 0x0104 },
	{ "SATA controller", 0x0106 },
	{ "Serial Attached SCSI controller", 0x0107 },
	{ "Non-Volatile memory controller", 0x0108 },
	{ "Mass storage controller", 0x0180 },
	{ "Ethernet controller", 0x0200 },
	{ "Network controller", 0x0280 },
	{ "RAM memory", 0x0500 },
	{ "Memory controller", 0x0580 },
	{ "Serial controller", 0x0700 },
	{ "Communication controller", 0x0780 },
	{ "PIC", 0x0800 },
	{ "IOMMU", 0x0806 },
	{ "SD Host controller", 0x0805 },
	{ "System peripheral", 0x0880 },
	{ "Encryption controller", 0x1080 },
	{ "Signal processing controller", 0x1180 },
	{ "Non-Essential Instrumentation", 0x1300 },
	{ "Co-processor", 0x0b40 },
	{ "Processing accelerators", 0x1200 },
	{ "Unassigned class", 0xff00 },
};

int vp_imp_class_name(const char *s, uint32_t *class, size_t *len)
{
	size_t best = 0;

	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
		size_t n = strlen(class_names[i].name);

		if (n > best && strncmp(s, class_names[i].name, n) == 0 &&
		    (!s[n] || s[n] == ' ' || s[n] == '\t' || s[n] == ':' ||
		     s[n] == '[')) {
			best = n;
			*class = (uint32_t)class_names[i].code << 8;
		}
	}
	if (len)
		*len = best;
	return best ? 1 : 0;
}

/* The last "[hhhh]" in @s, or @s itself when it is 4 hex digits. */
static bool last_hex4(const char *s, unsigned int *v)
{
	bool found = false;
	unsigned int x;

	if (hexn(s, 4, v) == 0 && (!s[4] || s[4] == ' '))
		return true;
	for (const char *p = strchr(s, '['); p; p = strchr(p + 1, '['))
		if (hexn(p + 1, 4, &x) == 0 && p[5] == ']') {
			*v = x;
			found = true;
		}
	return found;
}

/*
 * ls-iommu's table: "Group 15:  [10de:21c4] [R] 09:00.0  VGA compatible
 * controller  TU116 [...]", its further members "[10de:1aeb]  09:00.1  Audio
 * device ...". 1 matched (*group -1 on a member line), 0 not.
 */
int vp_imp_lsiommu_line(const char *s, struct vp_imp_dev *d, int *group)
{
	const char *p = s;
	unsigned int x, y;
	size_t n;

	memset(d, 0, sizeof(*d));
	d->group = -1;
	*group = -1;
	if (strncmp(p, "Group", 5) == 0) {
		char *end;
		long g;

		p += 5;
		while (*p == ' ' || *p == '\t')
			p++;
		g = strtol(p, &end, 10);
		if (end == p || *end != ':' || g < 0 || g > 1000000)
			return 0;
		*group = (int)g;
		p = end + 1;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (p[0] != '[' || hexn(p + 1, 4, &x) < 0 || p[5] != ':' ||
	    hexn(p + 6, 4, &y) < 0 || p[10] != ']')
		return 0;
	p += 11;
	while (*p == ' ' || *p == '\t')
		p++;
	if (startswith(p, "[R]"))
		p += 3;
	while (*p == ' ' || *p == '\t')
		p++;
	n = parse_bdf(p, &d->bdf);
	if (!n)
		return 0;
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	d->has_ids = true;
	d->vendor = (uint16_t)x;
	d->device = (uint16_t)y;
	if (vp_imp_class_name(p, &d->class, NULL))
		d->has_class = true;
	d->group = *group;
	return 1;
}

int vp_imp_device_line(const char *s, struct vp_imp_dev *d, const char **why)
{
	const char *p = s;
	struct vp_bdf b;
	size_t n;
	unsigned int x, y, z;

	*why = NULL;
	memset(d, 0, sizeof(*d));
	d->group = -1;
	if (*p == '(') {
		/* "(12) 00:14.0 ...": the group repeated in front of the device */
		char *end;
		long g = strtol(p + 1, &end, 10);

		if (end == p + 1 || *end != ')')
			return 0;
		d->group = (int)g;
		p = end + 1;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	n = parse_bdf(p, &b);
	if (!n || (p[n] != ' ' && p[n] != '\t'))
		return 0;
	d->bdf = b;
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	/* lspci -n: "0300: 10de:1c82 (rev a1)" */
	if (hexn(p, 4, &x) == 0 && p[4] == ':' && p[5] == ' ' &&
	    hexn(p + 6, 4, &y) == 0 && p[10] == ':' && hexn(p + 11, 4, &z) == 0) {
		d->has_class = d->has_ids = true;
		d->class = x << 8;
		d->vendor = (uint16_t)y;
		d->device = (uint16_t)z;
	} else if (vp_imp_class_name(p, &d->class, &n) && p[n] == ' ' &&
		   p[n + 1] == '[' && hexn(p + n + 2, 4, &x) == 0 && p[n + 6] == ']' &&
		   p[n + 7] == ' ') {
		/* ls-iommu -g: "0000:01:00.0 USB controller [0c03] AMD ... [1022:43d0]"
		 */
		d->has_class = true;
		d->class = x << 8;
		if (last_ids(p + n + 7, &d->vendor, &d->device))
			d->has_ids = true;
	} else {
		const char *colon = strstr(p, ": ");

		if (!colon && !(colon = strchr(p, ':')))
			return 0; /* "00:1f.3 something": not lspci's shape */
		/* The class code: "[hhhh]" right before the class name's ':' */
		for (const char *q = strchr(p, '['); q && q < colon + 1;
		     q = strchr(q + 1, '['))
			if (hexn(q + 1, 4, &x) == 0 && q[5] == ']' && q[6] == ':') {
				d->has_class = true;
				d->class = x << 8;
			}
		if (last_ids(colon, &d->vendor, &d->device))
			d->has_ids = true;
		/* lspci without -nn: the class by its name */
		if (!d->has_class && vp_imp_class_name(p, &d->class, NULL))
			d->has_class = true;
	}
	{
		const char *r = strstr(p, "(rev ");

		if (r && hexn(r + 5, 2, &x) == 0) {
			d->has_rev = true;
			d->rev = (uint8_t)x;
		}
		r = strstr(p, "(prog-if ");
		if (r && hexn(r + 9, 2, &x) == 0) {
			d->has_progif = true;
			d->class |= x;
		}
	}
	if (!d->has_class && !d->has_ids)
		*why = "no [class] and [vendor:device] numbers (paste lspci -nn output)";
	else if (!d->has_class)
		*why = "no [class] number";
	else if (!d->has_ids)
		*why = "no [vendor:device] ids (line cut?)";
	return 1;
}

static const char *const detail_keys[] = {
	"Control:",
	"Status:",
	"Latency:",
	"Interrupt:",
	"Region ",
	"Expansion ROM",
	"Capabilities:",
	"Bus:",
	"I/O behind bridge",
	"Memory behind bridge",
	"Prefetchable memory behind bridge",
	"Secondary status:",
	"BridgeCtl:",
	"Physical Slot:",
	"Flags:",
	"NUMA node:",
	"DeviceName:",
	"Kernel modules:",
	"Kernel driver in use:",
	"Subsystem:",
	"IOMMU group:",
};

int vp_imp_detail_line(const char *s, struct vp_imp_dev *d)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(detail_keys); i++)
		if (startswith(s, detail_keys[i]))
			break;
	if (i == ARRAY_SIZE(detail_keys))
		return 0;
	if (startswith(s, "Kernel driver in use:")) {
		const char *v = s + strlen("Kernel driver in use:");
		size_t n;

		while (*v == ' ')
			v++;
		n = strcspn(v, " \t");
		if (!n)
			return 0;
		free(d->driver);
		d->driver = strndup(v, n);
		return d->driver ? 1 : -ENOMEM;
	}
	if (startswith(s, "IOMMU group:")) {
		char *end;
		long g = strtol(s + strlen("IOMMU group:"), &end, 10);

		if (end != s + strlen("IOMMU group:") && !*end) {
			d->group = (int)g;
			return 1;
		}
		return 0;
	}
	if (startswith(s, "Subsystem:")) {
		const char *v = s + strlen("Subsystem:");
		unsigned int x, y;

		while (*v == ' ')
			v++;
		if (last_ids(v, &d->subvendor, &d->subdevice)) {
			d->has_sub = true;
			return 1;
		}
		if (hexn(v, 4, &x) == 0 && v[4] == ':' && hexn(v + 5, 4, &y) == 0 &&
		    !v[9]) {
			d->subvendor = (uint16_t)x;
			d->subdevice = (uint16_t)y;
			d->has_sub = true;
			return 1;
		}
	}
	return 2;
}

int vp_imp_find_links(const char *s, struct vp_imp_dev **out, size_t *n)
{
	const char *key = "iommu_groups/";
	size_t found = 0;

	*out = NULL;
	*n = 0;
	for (const char *p = strstr(s, key); p; p = strstr(p + 1, key)) {
		const char *q = p + strlen(key);
		char *end;
		long g = strtol(q, &end, 10);
		struct vp_bdf b;
		size_t bl;

		if (end == q || end[0] != '/' || !startswith(end + 1, "devices/"))
			continue;
		q = end + 1 + strlen("devices/");
		bl = parse_bdf(q, &b);
		if (!bl)
			continue;
		{
			struct vp_imp_dev *nd =
				realloc(*out, (found + 1) * sizeof(**out));

			if (!nd)
				return -ENOMEM;
			*out = nd;
			memset(&nd[found], 0, sizeof(nd[found]));
			nd[found].bdf = b;
			nd[found].group = (int)g;
			found++;
		}
	}
	*n = found;
	return found ? 1 : 0;
}

/*
 * An open-addressing index from address to position in im->devs: a paste of
 * 100k lines looked every device up by a linear scan, which made import
 * quadratic (16k lines 2 s, 100k lines 30 s). Slots hold position + 1.
 */
static uint64_t bdf_key(const struct vp_bdf *b)
{
	return ((uint64_t)b->domain << 16) | ((uint64_t)b->bus << 8) |
	       ((uint64_t)b->dev << 3) | b->fn;
}

static size_t bdf_slot(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static size_t *index_find(struct vp_import *im, const struct vp_bdf *b)
{
	uint64_t k = bdf_key(b);

	if (!im->idxcap)
		return NULL;
	for (size_t i = bdf_slot(k, im->idxcap);; i = (i + 1) & (im->idxcap - 1)) {
		size_t *s = &im->idx[i];

		if (!*s || bdf_key(&im->devs[*s - 1].bdf) == k)
			return s;
	}
}

static int index_grow(struct vp_import *im)
{
	size_t cap = im->idxcap ? im->idxcap * 2 : 256;
	size_t *old = im->idx, oldcap = im->idxcap;

	im->idx = calloc(cap, sizeof(*im->idx));
	if (!im->idx) {
		im->idx = old;
		return -ENOMEM;
	}
	im->idxcap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			*index_find(im, &im->devs[old[i] - 1].bdf) = old[i];
	free(old);
	return 0;
}

static struct vp_imp_dev *find_dev(struct vp_import *im, const struct vp_bdf *b)
{
	size_t *s = index_find(im, b);

	return s && *s ? &im->devs[*s - 1] : NULL;
}

static int note(struct strv *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int note(struct strv *v, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s ? strv_push(v, s) : -ENOMEM;
}

static void addr_of(const struct vp_bdf *b, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", b->domain, b->bus, b->dev, b->fn);
}

/* Add or merge; returns the stored device or NULL on ENOMEM. */
static struct vp_imp_dev *merge(struct vp_import *im, struct vp_imp_dev *d)
{
	struct vp_imp_dev *o = find_dev(im, &d->bdf);
	char a[16];

	addr_of(&d->bdf, a, sizeof(a));
	if (!o) {
		struct vp_imp_dev *nd = im->devs;

		if (im->ndevs == im->devcap) {
			size_t cap = im->devcap ? im->devcap * 2 : 64;

			nd = realloc(im->devs, cap * sizeof(*nd));
			if (!nd)
				return NULL;
			im->devs = nd;
			im->devcap = cap;
		}
		/* at most half full, so a probe always ends */
		if ((im->ndevs + 1) * 2 > im->idxcap && index_grow(im) < 0)
			return NULL;
		nd[im->ndevs] = *d;
		d->driver = NULL;
		*index_find(im, &d->bdf) = im->ndevs + 1;
		return &nd[im->ndevs++];
	}
	if (d->group >= 0) {
		if (o->group >= 0 && o->group != d->group)
			note(&im->notes,
			     "%s: the text puts it in group %d and group %d; kept %d", a,
			     o->group, d->group, o->group);
		else
			o->group = d->group;
	}
	if (d->has_ids) {
		if (o->has_ids && (o->vendor != d->vendor || o->device != d->device))
			note(&im->notes,
			     "%s: two different ids in the text (%04x:%04x, %04x:%04x); "
			     "kept the first",
			     a, o->vendor, o->device, d->vendor, d->device);
		else {
			o->has_ids = true;
			o->vendor = d->vendor;
			o->device = d->device;
		}
	}
	if (d->has_class && !o->has_class) {
		o->has_class = true;
		o->class = d->class;
	}
	if (d->has_progif && !o->has_progif) {
		o->has_progif = true;
		o->class = (o->class & ~0xffu) | (d->class & 0xff);
	}
	if (d->has_rev && !o->has_rev) {
		o->has_rev = true;
		o->rev = d->rev;
	}
	return o;
}

/* ---- lspci -vmm records ---- */

struct vmm_rec {
	bool on;
	struct vp_imp_dev d;
};

static int vmm_flush(struct vp_import *im, struct vmm_rec *r)
{
	if (r->on) {
		r->on = false;
		if (r->d.has_class || r->d.has_ids || r->d.group >= 0) {
			im->saw_groups |= r->d.group >= 0;
			if (!merge(im, &r->d)) {
				free(r->d.driver);
				return -ENOMEM;
			}
		}
		free(r->d.driver);
		r->d.driver = NULL;
	}
	return 0;
}

/* "Key:<TAB>value" of lspci -vmm: 1 used, 0 not a -vmm line, -ENOMEM. */
static int vmm_line(struct vp_import *im, struct vmm_rec *r, const char *s,
		    unsigned int ln)
{
	static const char *const keys[] = {
		"Class:",  "Vendor:", "Device:", "SVendor:",	"SDevice:",  "Rev:",
		"ProgIf:", "Driver:", "Module:", "IOMMUGroup:", "NUMANode:", "PhySlot:"
	};
	const char *v;
	unsigned int x;
	size_t k;

	if (startswith(s, "Slot:")) {
		struct vp_bdf b;

		v = s + 5;
		v += strspn(v, " \t");
		if (!parse_bdf(v, &b))
			return 0;
		if (vmm_flush(im, r) < 0)
			return -ENOMEM;
		memset(&r->d, 0, sizeof(r->d));
		r->d.group = -1;
		r->d.bdf = b;
		r->d.line = ln;
		r->on = true;
		return 1;
	}
	if (!r->on)
		return 0;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (startswith(s, keys[k]))
			break;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return 0;
	v = s + strlen(keys[k]);
	v += strspn(v, " \t");
	switch (k) {
	case 0:
		if (last_hex4(v, &x)) {
			r->d.class = x << 8;
			r->d.has_class = true;
		} else if (vp_imp_class_name(v, &r->d.class, NULL)) {
			r->d.has_class = true;
		}
		break;
	case 1:
	case 2:
		if (last_hex4(v, &x)) {
			if (k == 1)
				r->d.vendor = (uint16_t)x;
			else
				r->d.device = (uint16_t)x;
			r->d.has_ids = r->d.vendor && (k == 2 || r->d.device);
		}
		break;
	case 3:
	case 4:
		if (last_hex4(v, &x)) {
			if (k == 3)
				r->d.subvendor = (uint16_t)x;
			else
				r->d.subdevice = (uint16_t)x;
			r->d.has_sub = r->d.subvendor && r->d.subdevice;
		}
		break;
	case 5:
		if (hexn(v, 2, &x) == 0) {
			r->d.rev = (uint8_t)x;
			r->d.has_rev = true;
		}
		break;
	case 6:
		if (hexn(v, 2, &x) == 0) {
			r->d.class |= x;
			r->d.has_progif = true;
		}
		break;
	case 7:
		free(r->d.driver);
		r->d.driver = strdup(v);
		if (!r->d.driver)
			return -ENOMEM;
		break;
	case 9: {
		char *end;
		long g = strtol(v, &end, 10);

		if (end != v && g >= 0 && g < 1000000)
			r->d.group = (int)g;
		break;
	}
	default:
		break;
	}
	return 1;
}

/* ---- the Proxmox API's hardware/pci list (pvesh get /nodes/N/hardware/pci) ---- */

enum { PC_CLASS, PC_ID, PC_GROUP, PC_VENDOR, PC_DEVICE, PC_SUBV, PC_SUBD, PC_N };

static const char *const pvesh_cols[PC_N] = { "class",		 "id",
					      "iommugroup",	 "vendor",
					      "device",		 "subsystem_vendor",
					      "subsystem_device" };

static bool pvesh_border(const char *s)
{
	/* box drawing (U+2500..U+257F: e2 94/95 xx), ascii +-=| and blanks */
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (p[0] == 0xe2 && (p[1] == 0x94 || p[1] == 0x95) && p[2]) {
			if (p[1] == 0x94 && p[2] == 0x82) /* a vertical bar: a row */
				return false;
			p += 3;
		} else if (strchr("+-=| ", *p)) {
			p++;
		} else {
			return false;
		}
	}
	return true;
}

/* The cells of a table row ("│ a │ b │" or "| a | b |"), trimmed. */
static int table_cells(const char *s, struct strv *cells)
{
	_cleanup_free_ char *c = strdup(s);
	char *p, *q;

	if (!c)
		return -ENOMEM;
	for (p = c; (q = strstr(p, "\xe2\x94\x82")); p = q + 1) {
		q[0] = '|';
		memmove(q + 1, q + 3, strlen(q + 3) + 1);
	}
	p = c;
	p += strspn(p, " \t");
	if (*p != '|')
		return 0;
	p++;
	while ((q = strchr(p, '|'))) {
		char *a = p, *e = q;

		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (strv_push(cells, strndup(a, (size_t)(e - a))) < 0)
			return -ENOMEM;
		p = q + 1;
	}
	return (int)cells->n;
}

static unsigned long hexval(const char *v, bool *ok)
{
	char *end;
	unsigned long x;

	if (startswith(v, "0x"))
		v += 2;
	x = strtoul(v, &end, 16);
	*ok = end != v && !*end;
	return x;
}

static int pvesh_add(struct vp_import *im, const char *const *val, unsigned int ln)
{
	struct vp_imp_dev d = { .group = -1, .line = ln };
	bool ok;
	unsigned long x;

	if (!val[PC_ID] || !parse_bdf(val[PC_ID], &d.bdf))
		return 0;
	if (val[PC_CLASS] && (x = hexval(val[PC_CLASS], &ok), ok) && x <= 0xffffff) {
		d.class = (uint32_t)x;
		d.has_class = d.has_progif = true;
	}
	if (val[PC_VENDOR] && val[PC_DEVICE]) {
		bool ok2;
		unsigned long y = hexval(val[PC_DEVICE], &ok2);

		x = hexval(val[PC_VENDOR], &ok);
		if (ok && ok2 && x && x <= 0xffff && y <= 0xffff) {
			d.vendor = (uint16_t)x;
			d.device = (uint16_t)y;
			d.has_ids = true;
		}
	}
	if (val[PC_SUBV] && val[PC_SUBD]) {
		unsigned long a = hexval(val[PC_SUBV], &ok);
		bool ok2;
		unsigned long b = hexval(val[PC_SUBD], &ok2);

		if (ok && ok2 && a <= 0xffff && b <= 0xffff) {
			d.subvendor = (uint16_t)a;
			d.subdevice = (uint16_t)b;
			d.has_sub = true;
		}
	}
	if (val[PC_GROUP]) {
		char *end;
		long g = strtol(val[PC_GROUP], &end, 10);

		/* -1: Proxmox found no iommu_group link */
		if (end != val[PC_GROUP] && !*end && g >= 0 && g < 1000000) {
			d.group = (int)g;
			im->saw_groups = true;
		}
	}
	return merge(im, &d) ? 1 : -ENOMEM;
}

/*
 * The JSON form (--output-format json or json-pretty): an array of objects.
 * @start and @end: the bytes of @text it covered (0/0 when none).
 */
static int pvesh_json(struct vp_import *im, const char *text, size_t *start, size_t *end)
{
	*start = *end = 0;
	if (!strstr(text, "\"iommugroup\""))
		return 0;
	for (const char *p = text; p; p = strchr(p, '\n')) {
		const char *q = p + (*p == '\n');
		struct json_tokener *tok;
		struct json_object *arr;
		size_t len;
		int added = 0;

		q += strspn(q, " \t");
		p = q;
		if (*q != '[')
			continue;
		tok = json_tokener_new();
		if (!tok)
			return -ENOMEM;
		len = strlen(q);
		arr = json_tokener_parse_ex(tok, q,
					    len > INT32_MAX ? INT32_MAX : (int)len);
		if (arr && json_object_is_type(arr, json_type_array)) {
			size_t off = json_tokener_get_parse_end(tok);

			for (size_t i = 0; i < json_object_array_length(arr); i++) {
				struct json_object *o = json_object_array_get_idx(arr, i);
				const char *val[PC_N] = { 0 };
				char grp[16];

				if (!json_object_is_type(o, json_type_object))
					continue;
				for (int c = 0; c < PC_N; c++) {
					struct json_object *f;

					if (!json_object_object_get_ex(o, pvesh_cols[c],
								       &f))
						continue;
					if (c == PC_GROUP) {
						snprintf(grp, sizeof(grp), "%d",
							 json_object_get_int(f));
						val[c] = grp;
					} else if (json_object_is_type(
							   f, json_type_string)) {
						val[c] = json_object_get_string(f);
					}
				}
				if (pvesh_add(im, val, 0) < 0) {
					json_object_put(arr);
					json_tokener_free(tok);
					return -ENOMEM;
				}
				added++;
			}
			if (added) {
				*start = (size_t)(q - text);
				*end = *start + off;
			}
		}
		json_object_put(arr);
		json_tokener_free(tok);
		if (added)
			return 1;
	}
	return 0;
}

static bool blank(const char *s)
{
	return strspn(s, " \t\r") == strlen(s);
}

/* Split @line before every "IOMMU Group" after its start (newlines lost). */
static int split_groups(const char *line, struct strv *parts)
{
	const char *start = line;
	const char *p = line;

	while ((p = strcasestr(p + 1, "iommu group"))) {
		int g;
		const char *rest;

		struct vp_bdf b;

		/* Only where a device follows: "IOMMU group 1 with only ..." is prose. */
		if (!vp_imp_group_header(p, &g, &rest) || !parse_bdf(rest, &b))
			continue;
		if (strv_push(parts, strndup(start, (size_t)(p - start))) < 0)
			return -ENOMEM;
		start = p;
	}
	return strv_add(parts, start);
}

int vp_import_parse(struct vp_import *im, const char *text)
{
	_cleanup_free_ char *copy = strdup(text);
	struct vmm_rec vmm = { 0 };
	int pcol[PC_N];
	bool ptable = false;
	size_t jstart, jend;
	int group = -1;
	struct vp_imp_dev *cur = NULL;
	bool skipping = false; /* detail lines of a device line that was not read */
	char *save = NULL, *line;
	unsigned int ln = 0;
	char *p;
	int r0;

	if (!copy)
		return -ENOMEM;
	r0 = pvesh_json(im, text, &jstart, &jend);
	if (r0 < 0)
		return r0;
	p = copy;
	while (p) {
		struct strv parts = { 0 };
		char *nl = strchr(p, '\n');
		size_t at = (size_t)(p - copy);
		bool indented;

		(void)save;
		line = p;
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
		if (!p && !line[0])
			break;
		ln++;
		im->lines = ln;
		indented = line[0] == ' ' || line[0] == '\t';
		if (jend && at >= jstart && at < jend)
			continue; /* read as pvesh JSON above */
		if (blank(line)) {
			group = -1;
			ptable = false;
			if (vmm_flush(im, &vmm) < 0)
				return -ENOMEM;
			continue;
		}
		{
			_cleanup_free_ char *c = vp_imp_clean(line);
			struct strv cells = { 0 };
			struct vp_imp_dev d;
			int g, r;

			if (!c)
				return -ENOMEM;
			r = vmm_line(im, &vmm, c, ln);
			if (r < 0)
				return r;
			if (r) {
				im->saw_vmm = true;
				continue;
			}
			if (vmm_flush(im, &vmm) < 0)
				return -ENOMEM;
			if (vp_imp_lsiommu_line(c, &d, &g)) {
				if (g >= 0)
					group = g;
				d.group = group;
				d.line = ln;
				im->saw_groups |= group >= 0;
				cur = merge(im, &d);
				if (!cur)
					return -ENOMEM;
				continue;
			}
			if (pvesh_border(c) && (ptable || strstr(line, "\xe2\x94"))) {
				continue;
			}
			r = table_cells(c, &cells);
			if (r < 0) {
				strv_free(&cells);
				return r;
			}
			if (r > 0 && strv_contains(&cells, "iommugroup") &&
			    strv_contains(&cells, "id")) {
				for (int k = 0; k < PC_N; k++) {
					pcol[k] = -1;
					for (size_t i = 0; i < cells.n; i++)
						if (streq(cells.v[i], pvesh_cols[k]))
							pcol[k] = (int)i;
				}
				ptable = true;
				strv_free(&cells);
				continue;
			}
			if (r > 0 && ptable) {
				const char *val[PC_N] = { 0 };

				for (int k = 0; k < PC_N; k++)
					if (pcol[k] >= 0 && (size_t)pcol[k] < cells.n)
						val[k] = cells.v[pcol[k]];
				r = pvesh_add(im, val, ln);
				strv_free(&cells);
				if (r < 0)
					return r;
				if (r > 0) {
					cur = NULL;
					continue;
				}
			}
			strv_free(&cells);
		}
		/* find -type l output, possibly many on one line */
		if (strstr(line, "iommu_groups/")) {
			_cleanup_free_ struct vp_imp_dev *links = NULL;
			size_t n = 0;
			int r = vp_imp_find_links(line, &links, &n);

			if (r < 0)
				return r;
			if (n) {
				for (size_t i = 0; i < n; i++)
					if (!merge(im, &links[i]))
						return -ENOMEM;
				im->saw_groups = true;
				cur = NULL;
				continue;
			}
		}
		if (split_groups(line, &parts) < 0) {
			strv_free(&parts);
			return -ENOMEM;
		}
		for (size_t k = 0; k < parts.n; k++) {
			_cleanup_free_ char *s = vp_imp_clean(parts.v[k]);
			const char *rest = NULL, *why = NULL;
			struct vp_imp_dev d;
			int g, r;

			if (!s) {
				strv_free(&parts);
				return -ENOMEM;
			}
			if (!s[0] || strspn(s, "#=-_*~ ") == strlen(s))
				continue; /* decoration only */
			if (vp_imp_group_header(s, &g, &rest)) {
				group = g;
				im->saw_groups = true;
				cur = NULL;
				if (!rest[0])
					continue;
			} else {
				rest = s;
			}
			r = vp_imp_device_line(rest, &d, &why);
			if (r == 1) {
				if (d.group < 0)
					d.group = group;
				else
					im->saw_groups = true;
				if (why) {
					note(&im->unread, "line %u: %s -- %s", ln, s,
					     why);
					cur = NULL;
					skipping = true;
					/* the group membership is still known */
					if (d.group >= 0 || find_dev(im, &d.bdf)) {
						d.has_class = d.has_ids = false;
						d.line = ln;
						if (!merge(im, &d))
							return -ENOMEM;
					}
					continue;
				}
				d.line = ln;
				skipping = false;
				cur = merge(im, &d);
				if (!cur)
					return -ENOMEM;
				continue;
			}
			if (cur && rest == s) {
				/* It frees a driver it replaces (a second "Kernel driver
				 * in use:" line); freeing it here too was a double free
				 * found by tests/fuzz/fuzz_import. */
				int dr = vp_imp_detail_line(s, cur);

				if (dr < 0)
					return dr;
				if (dr == 1)
					continue;
				if (dr == 2 || indented) {
					im->ndetail_unused++;
					continue;
				}
			}
			if (!cur && skipping && rest == s) {
				struct vp_imp_dev scratch = { .group = -1 };
				int dr = vp_imp_detail_line(s, &scratch);

				free(scratch.driver);
				if (dr > 0 || indented) {
					im->ndetail_unused++;
					continue;
				}
			}
			note(&im->unread, "line %u: %s -- %s", ln, s,
			     rest != s
				     ? "a group header followed by text that is not a device"
				     : "not an IOMMU group, find or lspci line");
		}
		strv_free(&parts);
	}
	return vmm_flush(im, &vmm);
}

void vp_import_free(struct vp_import *im)
{
	for (size_t i = 0; i < im->ndevs; i++)
		free(im->devs[i].driver);
	free(im->devs);
	free(im->idx);
	strv_free(&im->unread);
	strv_free(&im->notes);
	memset(im, 0, sizeof(*im));
}

static int cmp_dev(const void *a, const void *b)
{
	return vp_bdf_cmp(&((const struct vp_imp_dev *)a)->bdf,
			  &((const struct vp_imp_dev *)b)->bdf);
}

/* A sysfs hex attribute as the kernel prints it: "0x%0*x\n" of @digits digits. */
static int put_hex(struct vp_sink *s, const char *dir, const char *name, int digits,
		   unsigned int v)
{
	char val[32];
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	if (!p)
		return -ENOMEM;
	snprintf(val, sizeof(val), "0x%0*x\n", digits, v);
	return vp_sink_file(s, p, val, strlen(val), 0444);
}

static int write_notes(struct vp_import *im, struct vp_sink *s, size_t written,
		       size_t skipped, int ngroups)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fprintf(f, "vfio-pilot import\n\n");
	fprintf(f, "Read: %u input lines; %zu PCI functions written, %d IOMMU groups.\n",
		im->lines, written, ngroups);
	if (skipped)
		fprintf(f,
			"Not written: %zu functions whose class or vendor:device ids the text "
			"does not give (named below).\n",
			skipped);
	fprintf(f,
		"\nUnknown in this tree (the text does not say):\n"
		"  config space: none -> capabilities unknown (ACS, FLR, PM reset, PCIe "
		"link, Resizable BAR, SR-IOV)\n"
		"  parents: the bridges above each function are unknown; functions sit flat "
		"under sys/devices/pciDDDD:BB\n"
		"  BARs, reset_method, boot_vga, power state, NUMA node: absent\n"
		"  drivers: only where 'Kernel driver in use' was given\n"
		"  everything outside PCI: cmdline, modules, firmware, Proxmox configs "
		"(doctor reports them as unknown or missing)\n"
		"  addresses without a domain are domain 0000, as lspci prints them\n");
	if (!im->saw_groups)
		fprintf(f,
			"  IOMMU groups: none in the text (sys/kernel/iommu_groups not "
			"written)\n");
	if (im->ndetail_unused)
		fprintf(f, "\n%zu lspci detail lines were recognised but not used.\n",
			im->ndetail_unused);
	if (im->notes.n) {
		fprintf(f, "\nNotes:\n");
		for (size_t i = 0; i < im->notes.n; i++)
			fprintf(f, "  %s\n", im->notes.v[i]);
	}
	fprintf(f, "\nLines not read (%zu):\n", im->unread.n);
	for (size_t i = 0; i < im->unread.n; i++)
		fprintf(f, "  %s\n", im->unread.v[i]);
	if (!im->unread.n)
		fprintf(f, "  none\n");
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	r = vp_sink_file(s, "IMPORT-NOTES", buf, len, 0644);
	free(buf);
	return r;
}

int vp_import_write(struct vp_import *im, const char *out)
{
	_cleanup_(vp_sink_freep) struct vp_sink *s = NULL;
	size_t written = 0, skipped = 0;
	int ngroups = 0, r;
	int *groups = NULL;

	r = vp_sink_open(out, &s);
	if (r < 0)
		return r;
	qsort(im->devs, im->ndevs, sizeof(*im->devs), cmp_dev);
	/* the positions moved: rebuild the index */
	if (im->idx) {
		memset(im->idx, 0, im->idxcap * sizeof(*im->idx));
		for (size_t i = 0; i < im->ndevs; i++)
			*index_find(im, &im->devs[i].bdf) = i + 1;
	}
	r = vp_sink_dir(s, "sys/bus/pci/devices", 0755);
	if (r == 0 && im->saw_groups)
		r = vp_sink_dir(s, "sys/kernel/iommu_groups", 0755);
	for (size_t i = 0; r == 0 && i < im->ndevs; i++) {
		struct vp_imp_dev *d = &im->devs[i];
		char a[16];
		_cleanup_free_ char *dir = NULL, *bus = NULL, *bt = NULL;

		addr_of(&d->bdf, a, sizeof(a));
		if (!d->has_ids || !d->has_class) {
			skipped++;
			note(&im->unread, "%s%s: not written: %s", a,
			     d->group >= 0 ? " (in a group)" : "",
			     !d->has_ids ? "vendor:device ids unknown" : "class unknown");
			continue;
		}
		dir = xasprintf("sys/devices/pci%04x:%02x/%s", d->bdf.domain, d->bdf.bus,
				a);
		bus = xasprintf("sys/bus/pci/devices/%s", a);
		bt = xasprintf("../../../devices/pci%04x:%02x/%s", d->bdf.domain,
			       d->bdf.bus, a);
		if (!dir || !bus || !bt)
			return -ENOMEM;
		r = vp_sink_dir(s, dir, 0755);
		if (r == 0)
			r = put_hex(s, dir, "vendor", 4, d->vendor);
		if (r == 0)
			r = put_hex(s, dir, "device", 4, d->device);
		if (r == 0)
			r = put_hex(s, dir, "class", 6, d->class);
		if (r == 0 && d->has_rev)
			r = put_hex(s, dir, "revision", 2, d->rev);
		if (r == 0 && d->has_sub) {
			r = put_hex(s, dir, "subsystem_vendor", 4, d->subvendor);
			if (r == 0)
				r = put_hex(s, dir, "subsystem_device", 4, d->subdevice);
		}
		if (r == 0)
			r = vp_sink_link(s, bus, bt);
		if (r == 0 && d->driver) {
			_cleanup_free_ char *dl = xasprintf("%s/driver", dir);
			_cleanup_free_ char *dt =
				xasprintf("../../../bus/pci/drivers/%s", d->driver);
			_cleanup_free_ char *back =
				xasprintf("sys/bus/pci/drivers/%s/%s", d->driver, a);
			_cleanup_free_ char *bk =
				xasprintf("../../../../devices/pci%04x:%02x/%s",
					  d->bdf.domain, d->bdf.bus, a);

			if (!dl || !dt || !back || !bk)
				return -ENOMEM;
			if (strchr(d->driver, '/') || d->driver[0] == '.')
				continue;
			r = vp_sink_link(s, dl, dt);
			if (r == 0)
				r = vp_sink_link(s, back, bk);
		}
		if (r == 0 && d->group >= 0) {
			_cleanup_free_ char *gl = xasprintf("%s/iommu_group", dir);
			_cleanup_free_ char *gt =
				xasprintf("../../../kernel/iommu_groups/%d", d->group);
			_cleanup_free_ char *gd =
				xasprintf("sys/kernel/iommu_groups/%d/devices", d->group);
			_cleanup_free_ char *m = xasprintf(
				"sys/kernel/iommu_groups/%d/devices/%s", d->group, a);
			_cleanup_free_ char *mt =
				xasprintf("../../../../devices/pci%04x:%02x/%s",
					  d->bdf.domain, d->bdf.bus, a);

			if (!gl || !gt || !gd || !m || !mt)
				return -ENOMEM;
			if (!vp_sink_has(s, gd))
				ngroups++;
			r = vp_sink_dir(s, gd, 0755);
			if (r == 0)
				r = vp_sink_link(s, gl, gt);
			if (r == 0)
				r = vp_sink_link(s, m, mt);
		} else if (r == 0 && im->saw_groups) {
			note(&im->notes, "%s: in no group the text names", a);
		}
		written++;
	}
	free(groups);
	if (r == 0)
		r = write_notes(im, s, written, skipped, ngroups);
	if (r == 0)
		r = vp_sink_close(s);
	return r;
}
