/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Renderers of the host model: JSON (json-c, insertion order kept so the
 * schema in docs/json.md is stable) and the shared pieces of the text mode.
 */
#pragma once

#include <json-c/json.h>

#include "host/host.h"

/* Schema version of every JSON document; bumped on incompatible change. */
#define VP_JSON_SCHEMA 1

struct json_object *vp_json_doc(struct vp_ctx *ctx, const char *command);
struct json_object *vp_json_dev(const struct vp_dev *d);
struct json_object *vp_json_group(const struct vp_host *h, const struct vp_group *g,
				  const struct vp_dev *from);
int vp_json_print(struct vp_ctx *ctx, struct json_object *doc);
/*
 * Print @doc with a last member @key: an array whose elements come one at a
 * time from @next (NULL ends it) and are freed once printed, so thousands
 * of elements are never held at once. The bytes are vp_json_print's.
 */
int vp_json_print_array(struct vp_ctx *ctx, struct json_object *doc, const char *key,
			struct json_object *(*next)(void *arg), void *arg);
/* @doc with "groups": every group, or only @only's, streamed as above. */
int vp_json_print_groups(struct vp_ctx *ctx, struct json_object *doc,
			 const struct vp_host *h, const struct vp_dev *only);

/* "256M", "24G", "4K": binary units as lspci prints BAR sizes. */
void vp_fmt_size(uint64_t bytes, char *buf, size_t len);
/* "NVIDIA Corporation AD102 [GeForce RTX 4090]", or "Device 10de:2684". */
void vp_fmt_name(const struct vp_dev *d, char *buf, size_t len);
/* "display", "bridge" ... padded for columns. */
const char *vp_fmt_role(const struct vp_group *g, const struct vp_dev *d,
			const struct vp_dev *from);
/* "console, network" or "" */
void vp_fmt_critical(const struct vp_dev *d, char *buf, size_t len);
/*
 * The vGPU state of @d in a few words ("nvidia-1148 NVIDIA L40S-2Q in use",
 * "21 types", "3 mdev types, 1 instance"), "" when it offers none.
 */
void vp_fmt_vgpu(const struct vp_dev *d, char *buf, size_t len);
/* A group as a small tree, told from @from (or its primary card), with the gaps. */
void vp_print_group(struct vp_ctx *ctx, const struct vp_group *g,
		    const struct vp_dev *from, const struct vp_gap *gaps, size_t ngaps);

/*
 * The PCI tree as Graphviz DOT: groups as clusters, shared groups in red,
 * host-critical devices and @targets marked (out/dot.c).
 */
int vp_dot_print(FILE *f, const struct vp_host *h, const char *title,
		 struct vp_dev *const *targets, size_t ntargets);
