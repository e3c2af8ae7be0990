// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host model's lifetime, addresses and small classifiers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>

#include <pci/header.h>

#include "host/host.h"

static int hexval(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 16 +
		    (unsigned long)(isdigit((unsigned char)s[i])
					    ? s[i] - '0'
					    : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = v;
	return 0;
}

/*
 * The kernel names functions "%04x:%02x:%02x.%d" (drivers/pci/probe.c
 * pci_setup_device); lspci also prints the short "%02x:%02x.%d" form.
 * Domains can exceed 16 bits (Intel VMD uses 10000+), so up to 8 digits.
 */
int vp_bdf_parse(const char *s, struct vp_bdf *out, bool *all_functions, bool slot_ok)
{
	const char *p[4];
	size_t len[4];
	unsigned long v[4];
	size_t nparts = 0;
	const char *cur = s, *dot;
	struct vp_bdf b = { 0 };
	bool slot;

	if (!s || !*s || strlen(s) > 16)
		return -EINVAL;
	dot = strchr(s, '.');
	/* Split on ':' up to the '.', then the function after it. */
	while (nparts < 3) {
		const char *c = strchr(cur, ':');

		if (!c || (dot && c > dot))
			break;
		p[nparts] = cur;
		len[nparts] = (size_t)(c - cur);
		nparts++;
		cur = c + 1;
	}
	p[nparts] = cur;
	len[nparts] = dot ? (size_t)(dot - cur) : strlen(cur);
	nparts++;
	if (nparts < 2 || nparts > 3)
		return -EINVAL;
	slot = !dot;
	if (slot && !slot_ok)
		return -EINVAL;
	for (size_t i = 0; i < nparts; i++)
		if (hexval(p[i], len[i], &v[i]) < 0)
			return -EINVAL;
	if (nparts == 3) {
		if (len[0] < 4 || len[0] > 8)
			return -EINVAL;
		b.domain = (uint32_t)v[0];
	}
	if (len[nparts - 2] != 2 || len[nparts - 1] != 2)
		return -EINVAL;
	b.bus = (uint8_t)v[nparts - 2];
	if (v[nparts - 1] > 0x1f)
		return -EINVAL;
	b.dev = (uint8_t)v[nparts - 1];
	if (!slot) {
		if (strlen(dot + 1) != 1 || dot[1] < '0' || dot[1] > '7')
			return -EINVAL;
		b.fn = (uint8_t)(dot[1] - '0');
	}
	*out = b;
	if (all_functions)
		*all_functions = slot;
	return 0;
}

int vp_bdf_cmp(const struct vp_bdf *a, const struct vp_bdf *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

bool vp_bdf_same_slot(const struct vp_bdf *a, const struct vp_bdf *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

bool vp_bdf_ids_overlap(const char *a, const char *b)
{
	struct vp_bdf x, y;
	bool xs = false, ys = false;

	if (vp_bdf_parse(a, &x, &xs, true) < 0 || vp_bdf_parse(b, &y, &ys, true) < 0)
		return false;
	return (xs || ys) ? vp_bdf_same_slot(&x, &y) : vp_bdf_cmp(&x, &y) == 0;
}

static const char *const kind_names[] = {
	[VP_KIND_DISPLAY] = "display", [VP_KIND_AUDIO] = "audio",
	[VP_KIND_USB] = "usb",	       [VP_KIND_NETWORK] = "network",
	[VP_KIND_STORAGE] = "storage", [VP_KIND_BRIDGE] = "bridge",
	[VP_KIND_OTHER] = "other",
};

const char *vp_kind_name(enum vp_kind k)
{
	return kind_names[k];
}

int vp_kind_from_name(const char *s, enum vp_kind *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++) {
		if (streq(s, kind_names[i])) {
			*out = (enum vp_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Class codes from the PCI Code and ID Assignment Specification r1.15. */
enum vp_kind vp_kind_of_class(uint32_t class24)
{
	unsigned int base = (class24 >> 16) & 0xff;
	unsigned int sub = (class24 >> 8) & 0xff;

	switch (base) {
	case 0x01:
		return VP_KIND_STORAGE;
	case 0x02:
		return VP_KIND_NETWORK;
	case 0x03:
		return VP_KIND_DISPLAY;
	case 0x04:
		/* 0x0401 audio, 0x0403 HD Audio; 0x0400 video stays "other". */
		return (sub == 0x01 || sub == 0x03) ? VP_KIND_AUDIO : VP_KIND_OTHER;
	case 0x06:
		return VP_KIND_BRIDGE;
	case 0x0c:
		return sub == 0x03 ? VP_KIND_USB : VP_KIND_OTHER;
	default:
		return VP_KIND_OTHER;
	}
}

static const char *const verdict_names[] = {
	[VP_GROUP_ISOLATED] = "isolated",
	[VP_GROUP_COMPANIONS] = "isolated-with-companions",
	[VP_GROUP_SHARED] = "shared",
	[VP_GROUP_BRIDGES_ONLY] = "bridges-only",
};

const char *vp_group_verdict_name(enum vp_group_verdict v)
{
	return verdict_names[v];
}

/* PCIe r6.0 7.5.3.2, Device/Port Type field of the PCIe Capabilities register. */
const char *vp_pcie_type_name(uint8_t type)
{
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT:
		return "endpoint";
	case PCI_EXP_TYPE_LEG_END:
		return "legacy-endpoint";
	case PCI_EXP_TYPE_ROOT_PORT:
		return "root-port";
	case PCI_EXP_TYPE_UPSTREAM:
		return "upstream-port";
	case PCI_EXP_TYPE_DOWNSTREAM:
		return "downstream-port";
	case PCI_EXP_TYPE_PCI_BRIDGE:
		return "pcie-to-pci-bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE:
		return "pci-to-pcie-bridge";
	case PCI_EXP_TYPE_ROOT_INT_EP:
		return "rc-integrated-endpoint";
	case PCI_EXP_TYPE_ROOT_EC:
		return "rc-event-collector";
	default:
		return "unknown";
	}
}

int vp_dev_unknown(struct vp_dev *d, const char *field, const char *fmt, ...)
{
	_cleanup_free_ char *why = NULL;
	va_list ap;
	int r;

	if (vp_dev_unknown_why(d, field))
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return strv_push(&d->unknown, xasprintf("%s: %s", field, why));
}

const char *vp_dev_unknown_why(const struct vp_dev *d, const char *field)
{
	size_t flen = strlen(field);

	for (size_t i = 0; i < d->unknown.n; i++) {
		const char *u = d->unknown.v[i];

		if (strncmp(u, field, flen) == 0 && u[flen] == ':')
			return u + flen + 2;
	}
	return NULL;
}

/* drivers/pci/pci.c pci_acs_enabled() with REQ_ACS_FLAGS from drivers/iommu/iommu.c */
#define VP_ACS_REQUIRED                                                       \
	(PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED | \
	 PCI_ACS_CTRL_FORWARD)

bool vp_acs_isolates(const struct vp_dev *d)
{
	return d->acs == VP_PRESENT && (d->acs_ctrl & VP_ACS_REQUIRED) == VP_ACS_REQUIRED;
}

char *vp_acs_describe(const struct vp_dev *d)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} bits[] = {
		{ PCI_ACS_CTRL_VALID, "SV" },
		{ PCI_ACS_CTRL_REQ_RED, "RR" },
		{ PCI_ACS_CTRL_CMPLT_RED, "CR" },
		{ PCI_ACS_CTRL_FORWARD, "UF" },
	};
	char missing[32] = "";

	if (d->acs == VP_UNKNOWN) {
		const char *why = vp_dev_unknown_why(d, "acs");

		return xasprintf("ACS unknown (%s)", why ? why : "not read");
	}
	if (d->acs == VP_ABSENT)
		return strdup("no ACS capability");
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++) {
		if (d->acs_ctrl & bits[i].bit)
			continue;
		if (missing[0])
			strcat(missing, " ");
		strcat(missing, bits[i].name);
	}
	if (!missing[0])
		return strdup("ACS enabled (SV RR CR UF)");
	return xasprintf("ACS control lacks %s", missing);
}

static void dev_free(struct vp_dev *d)
{
	if (!d)
		return;
	free(d->syspath);
	free(d->vendor_name);
	free(d->device_name);
	free(d->subsys_name);
	free(d->class_name);
	free(d->driver);
	free(d->driver_override);
	free(d->modalias);
	strv_free(&d->modules);
	free(d->local_cpulist);
	strv_free(&d->reset_methods);
	free(d->power_state);
	free(d->link_speed);
	free(d->link_width);
	free(d->max_link_speed);
	free(d->max_link_width);
	strv_free(&d->virtfn);
	free(d->physfn);
	vp_vgpu_clear(&d->vgpu);
	strv_free(&d->critical_why);
	strv_free(&d->unknown);
	free(d);
}

void vp_host_free(struct vp_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ngroups; i++) {
		struct vp_group *g = &h->groups[i];

		for (size_t j = 0; j < g->ngaps; j++)
			free(g->gaps[j].why);
		free(g->gaps);
		free(g->members);
	}
	free(h->groups);
	for (size_t i = 0; i < h->ndevs; i++)
		dev_free(h->devs[i]);
	free(h->devs);
	strv_free(&h->iommus);
	free(h->no_iommu_why);
	free(h->acs_override);
	strv_free(&h->notes);
	free(h);
}

struct vp_dev *vp_host_find(const struct vp_host *h, const struct vp_bdf *bdf)
{
	size_t lo = 0, hi = h->ndevs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = vp_bdf_cmp(&h->devs[mid]->bdf, bdf);

		if (c == 0)
			return h->devs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct vp_dev *vp_host_find_addr(const struct vp_host *h, const char *addr)
{
	struct vp_bdf b;

	if (vp_bdf_parse(addr, &b, NULL, false) < 0)
		return NULL;
	return vp_host_find(h, &b);
}

struct vp_group *vp_host_group(const struct vp_host *h, int id)
{
	size_t lo = 0, hi = h->ngroups;

	/* Groups are sorted by id (iommu.c). */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->groups[mid].id == id)
			return &h->groups[mid];
		if (h->groups[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int vp_host_load(struct vp_ctx *ctx, struct vp_host **out)
{
	struct vp_host *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	r = vp_pci_scan(ctx, h);
	if (r < 0)
		goto fail;
	r = vp_modules_match(ctx, h);
	if (r < 0)
		goto fail;
	r = vp_iommu_load(ctx, h);
	if (r < 0)
		goto fail;
	r = vp_critical_load(ctx, h);
	if (r < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	vp_host_free(h);
	return r;
}
