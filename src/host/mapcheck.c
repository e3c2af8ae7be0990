// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "host/mapcheck.h"

int vp_map_value(const char *node, const char *path, const struct vp_dev *d, char **out)
{
	char *v = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&v, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "node=%s,path=%s,id=%04x:%04x", node, path, d->vendor, d->device);
	/* assert_valid: a subsystem id in sysfs must be in the map. */
	if (d->subvendor || d->subdevice)
		fprintf(f, ",subsystem-id=%04x:%04x", d->subvendor, d->subdevice);
	if (d->iommu_group >= 0)
		fprintf(f, ",iommugroup=%d", d->iommu_group);
	if (fclose(f) != 0 || !v) {
		free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

void vp_map_verdict_free(struct vp_map_verdict *v)
{
	free(v->why);
	*v = (struct vp_map_verdict){ 0 };
}

static int ids(const char *s, unsigned int *a, unsigned int *b)
{
	/* pve-common strips a "0x" before comparing; the schema allows 4 hex : 4 hex. */
	if (!s || strlen(s) != 9 || s[4] != ':' ||
	    strspn(s, "0123456789abcdefABCDEF") != 4 ||
	    strspn(s + 5, "0123456789abcdefABCDEF") != 4)
		return -EINVAL;
	return sscanf(s, "%4x:%4x", a, b) == 2 ? 0 : -EINVAL;
}

int vp_map_verify(const struct vp_host *h, const struct vp_map_want *w,
		  struct vp_map_verdict *out)
{
	_cleanup_free_ char *first = NULL;
	unsigned int ven, dev, sv = 0, sd = 0;
	bool have_subsys = w->subsys != NULL;
	struct vp_bdf b;
	size_t found = 0;

	*out = (struct vp_map_verdict){ .state = VP_MAP_HOLDS };
	first = w->path ? strndup(w->path, strcspn(w->path, ";")) : NULL;
	if (!w->path || !first || ids(w->id, &ven, &dev) < 0 ||
	    (have_subsys && ids(w->subsys, &sv, &sd) < 0) ||
	    vp_bdf_parse(first, &b, &out->slot, true) < 0) {
		if (w->path && !first)
			return -ENOMEM;
		out->state = VP_MAP_BAD;
		out->why = strdup("the map line lacks a valid path or id");
		return out->why ? 0 : -ENOMEM;
	}
	/* assert_valid: a path without a function is its function 0. */
	if (out->slot)
		b.fn = 0;
	/* Where is the card the map describes now? */
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *d = h->devs[i];

		if (d->vendor != ven || d->device != dev || d->bdf.fn != b.fn ||
		    (have_subsys && (d->subvendor != sv || d->subdevice != sd)))
			continue;
		out->now = d;
		found++;
	}
	if (found != 1)
		out->now = NULL;
	out->at = vp_host_find(h, &b);
	/* The same chip still at the path: the line only needs its ids or group. */
	if (out->at && out->at->vendor == ven && out->at->device == dev)
		out->now = out->at;
	if (!out->at) {
		out->state = VP_MAP_GONE;
		out->why = xasprintf("no device at %s now", first);
	} else if (out->at->vendor != ven || out->at->device != dev) {
		out->state = VP_MAP_ID;
		out->why =
			xasprintf("%s is %04x:%04x now, the map says %s", out->at->addr,
				  out->at->vendor, out->at->device, w->id);
	} else if ((out->at->subvendor || out->at->subdevice) &&
		   (!have_subsys || out->at->subvendor != sv ||
		    out->at->subdevice != sd)) {
		/* assert_valid: "missing expected property 'subsystem-id'" or a mismatch.
		 */
		out->state = VP_MAP_SUBSYS;
		out->why =
			have_subsys
				? xasprintf("%s has subsystem id %04x:%04x, the map "
					    "says %s",
					    out->at->addr, out->at->subvendor,
					    out->at->subdevice, w->subsys)
				: xasprintf("%s has subsystem id %04x:%04x and the map "
					    "has none (Proxmox requires it)",
					    out->at->addr, out->at->subvendor,
					    out->at->subdevice);
	} else if (!w->group && out->at->iommu_group >= 0) {
		out->state = VP_MAP_GROUP;
		out->why = xasprintf("%s is in IOMMU group %d and the map has no "
				     "iommugroup (Proxmox requires it)",
				     out->at->addr, out->at->iommu_group);
	} else if (w->group && atoi(w->group) != out->at->iommu_group) {
		out->state = VP_MAP_GROUP;
		out->why = xasprintf("%s is in IOMMU group %d now, the map says %s",
				     out->at->addr, out->at->iommu_group, w->group);
	} else {
		out->now = out->at;
		return 0;
	}
	return out->why ? 0 : -ENOMEM;
}
