// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LXC devN values: pve-container src/PVE/LXC/Config.pm parse_device (the
 * $dev_desc schema, then "Path has to be defined") and print_device
 * (print_property_string: path first, then the other keys sorted).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pve/ctconf.h"
#include "pve/priv.h"
#include "pve/schemas.h"
#include "util.h"

void vp_pve_lxc_dev_free(struct vp_pve_lxc_dev *dev)
{
	free(dev->path);
	free(dev->mode);
	dev->path = dev->mode = NULL;
}

/* An id the schema accepted (^[+-]?\d+$, >= 0) as a number, or -ERANGE. */
static int id_value(const char *s, long long *out, const char *key, char **reason)
{
	char *end;

	errno = 0;
	*out = s ? strtoll(s, &end, 10) : -1;
	if (s && (errno || *end))
		return vp_pve_fail(reason, -ERANGE, "%s '%s' is too large", key, s);
	return 0;
}

int vp_pve_lxc_dev_parse(const char *value, struct vp_pve_lxc_dev *out, char **reason)
{
	struct vp_pve_propstr ps;
	const char *mode;
	int r;

	*out = (struct vp_pve_lxc_dev){ .uid = -1, .gid = -1 };
	r = vp_pve_propstr_parse(vp_pve_schema_lxc_dev(), value, &ps, reason);
	if (r < 0)
		return r;
	if (!vp_pve_propstr_get(&ps, "path")) {
		vp_pve_propstr_free(&ps);
		return vp_pve_fail(reason, -EINVAL, "Path has to be defined");
	}
	mode = vp_pve_propstr_get(&ps, "mode");
	out->path = strdup(vp_pve_propstr_get(&ps, "path"));
	out->mode = mode ? strdup(mode) : NULL;
	out->deny_write = vp_pve_propstr_bool(&ps, "deny-write");
	r = id_value(vp_pve_propstr_get(&ps, "uid"), &out->uid, "uid", reason);
	if (r == 0)
		r = id_value(vp_pve_propstr_get(&ps, "gid"), &out->gid, "gid", reason);
	if (r == 0 && (!out->path || (mode && !out->mode)))
		r = -ENOMEM;
	vp_pve_propstr_free(&ps);
	if (r < 0)
		vp_pve_lxc_dev_free(out);
	return r;
}

int vp_pve_lxc_dev_print(const struct vp_pve_lxc_dev *dev, char **out, char **reason)
{
	struct vp_pve_propstr ps = { .schema = vp_pve_schema_lxc_dev() };
	char num[24];
	int r;

	*out = NULL;
	if (!dev->path)
		return vp_pve_fail(reason, -EINVAL, "Path has to be defined");
	r = vp_pve_propstr_set(&ps, "path", dev->path, reason);
	if (r == 0 && dev->mode)
		r = vp_pve_propstr_set(&ps, "mode", dev->mode, reason);
	if (r == 0 && dev->uid >= 0) {
		snprintf(num, sizeof(num), "%lld", dev->uid);
		r = vp_pve_propstr_set(&ps, "uid", num, reason);
	}
	if (r == 0 && dev->gid >= 0) {
		snprintf(num, sizeof(num), "%lld", dev->gid);
		r = vp_pve_propstr_set(&ps, "gid", num, reason);
	}
	if (r == 0 && dev->deny_write)
		r = vp_pve_propstr_set(&ps, "deny-write", "1", reason);
	if (r == 0)
		r = vp_pve_propstr_print(&ps, out, reason);
	vp_pve_propstr_free(&ps);
	return r;
}
