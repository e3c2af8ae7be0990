// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DRM device nodes from sysfs (drivers/gpu/drm/drm_sysfs.c names them
 * cardN and renderDN; connectors are cardN-<connector> and are skipped),
 * and the gids of the render and video groups for an LXC devN line.
 */
#include <errno.h>
#include <stdlib.h>

#include "host/facts.h"
#include "host/gpudev.h"

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct vp_drm_node *)a)->name,
		      ((const struct vp_drm_node *)b)->name);
}

static int group_gid(struct vp_ctx *ctx, const char *name)
{
	_cleanup_free_ char *text = NULL;

	if (vp_read_strf(ctx, VP_ETC, &text, "group") < 0)
		return -1;
	return vp_group_file_gid(text, name);
}

int vp_drm_load(struct vp_ctx *ctx, struct vp_drm *d)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;

	d->render_gid = group_gid(ctx, "render");
	d->video_gid = group_gid(ctx, "video");
	if (vp_opendirf(ctx, VP_SYS, &dir, "class/drm") < 0)
		return 0;
	while ((e = readdir(dir))) {
		_cleanup_free_ char *res = NULL;
		struct vp_drm_node *nn;
		const char *base;

		if (!(startswith(e->d_name, "renderD") ||
		      startswith(e->d_name, "card")) ||
		    strchr(e->d_name, '-'))
			continue;
		nn = realloc(d->nodes, (d->n + 1) * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		d->nodes = nn;
		nn = &d->nodes[d->n++];
		nn->name = strdup(e->d_name);
		nn->address = NULL;
		if (vp_resolve(ctx, VP_SYS, &res, "class/drm/%s/device", e->d_name) ==
			    0 &&
		    vp_existsf(ctx, VP_SYS, "class/drm/%s/device", e->d_name)) {
			base = strrchr(res, '/');
			nn->address = strdup(base ? base + 1 : res);
		}
		if (!nn->name)
			return -ENOMEM;
	}
	if (d->n > 1)
		qsort(d->nodes, d->n, sizeof(*d->nodes), cmp_node);
	return 0;
}

void vp_drm_free(struct vp_drm *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->nodes[i].name);
		free(d->nodes[i].address);
	}
	free(d->nodes);
}

bool vp_pve_is_cluster(struct vp_ctx *ctx)
{
	return vp_existsf(ctx, VP_ETC, "pve/corosync.conf");
}
