// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>

#include "out/output.h"

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *jhex(unsigned int v, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%0*x", width, v);
	return json_object_new_string(buf);
}

static struct json_object *jstrv(const struct strv *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

/* true / false, or null when unknown (the reason is under "unknown"). */
static struct json_object *jstate(enum vp_state st)
{
	if (st == VP_UNKNOWN)
		return NULL;
	return json_object_new_boolean(st == VP_PRESENT);
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

struct json_object *vp_json_doc(struct vp_ctx *ctx, const char *command)
{
	struct json_object *o = json_object_new_object();

	add(o, "schema", json_object_new_int(VP_JSON_SCHEMA));
	add(o, "command", json_object_new_string(command));
	add(o, "root", json_object_new_string(ctx->root));
	return o;
}

static struct json_object *json_pcie(const struct vp_dev *d)
{
	struct json_object *o;

	if (d->pcie == VP_UNKNOWN && !d->link_speed)
		return NULL;
	o = json_object_new_object();
	add(o, "present",
	    jstate(d->pcie == VP_UNKNOWN && d->link_speed ? VP_PRESENT : d->pcie));
	add(o, "type",
	    d->pcie == VP_PRESENT ? jstr(vp_pcie_type_name(d->pcie_type)) : NULL);
	add(o, "link_speed", jstr(d->link_speed));
	add(o, "link_width", jstr(d->link_width));
	add(o, "max_link_speed", jstr(d->max_link_speed));
	add(o, "max_link_width", jstr(d->max_link_width));
	return o;
}

static struct json_object *json_acs(const struct vp_dev *d)
{
	struct json_object *o;

	if (d->acs == VP_UNKNOWN)
		return NULL;
	o = json_object_new_object();
	add(o, "present", json_object_new_boolean(d->acs == VP_PRESENT));
	if (d->acs == VP_PRESENT) {
		char *desc = vp_acs_describe(d);

		add(o, "capability", jhex(d->acs_cap, 4));
		add(o, "control", jhex(d->acs_ctrl, 4));
		add(o, "source_validation", json_object_new_boolean(d->acs_ctrl & 0x01));
		add(o, "request_redirect", json_object_new_boolean(d->acs_ctrl & 0x04));
		add(o, "completion_redirect",
		    json_object_new_boolean(d->acs_ctrl & 0x08));
		add(o, "upstream_forwarding",
		    json_object_new_boolean(d->acs_ctrl & 0x10));
		add(o, "isolates", json_object_new_boolean(vp_acs_isolates(d)));
		add(o, "description", jstr(desc));
		free(desc);
	}
	return o;
}

static struct json_object *json_rebar(const struct vp_dev *d)
{
	struct json_object *o, *a;

	if (d->rebar == VP_UNKNOWN)
		return NULL;
	o = json_object_new_object();
	add(o, "present", json_object_new_boolean(d->rebar == VP_PRESENT));
	if (d->rebar != VP_PRESENT)
		return o;
	a = json_object_new_array();
	for (size_t i = 0; i < d->nrebar; i++) {
		const struct vp_rebar_bar *rb = &d->rebar_bars[i];
		struct json_object *b = json_object_new_object(),
				   *sup = json_object_new_array();

		add(b, "bar", json_object_new_int(rb->bar));
		add(b, "current_size",
		    json_object_new_int64((int64_t)1 << (20 + rb->cur_log2_mb)));
		for (int bit = 0; bit < 28; bit++)
			if (rb->supported & (1u << bit))
				json_object_array_add(
					sup,
					json_object_new_int64((int64_t)1 << (20 + bit)));
		add(b, "supported_sizes", sup);
		json_object_array_add(a, b);
	}
	add(o, "bars", a);
	return o;
}

static struct json_object *json_sriov(const struct vp_dev *d)
{
	struct json_object *o;

	if (d->sriov == VP_UNKNOWN)
		return NULL;
	o = json_object_new_object();
	add(o, "present", json_object_new_boolean(d->sriov == VP_PRESENT));
	if (d->sriov != VP_PRESENT)
		return o;
	add(o, "total_vfs", json_object_new_int((int)d->sriov_total));
	add(o, "num_vfs", json_object_new_int((int)d->sriov_num));
	add(o, "vf_device_id", d->sriov_vf_device ? jhex(d->sriov_vf_device, 4) : NULL);
	add(o, "virtfns", jstrv(&d->virtfn));
	return o;
}

/* null when the function offers no vGPU; docs/json.md "vgpu". */
static struct json_object *json_vgpu(const struct vp_dev *d)
{
	const struct vp_vgpu *v = &d->vgpu;
	struct json_object *o, *a;

	if (v->iface == VP_VGPU_NONE)
		return NULL;
	o = json_object_new_object();
	a = json_object_new_array();
	add(o, "interface", jstr(vp_vgpu_iface_name(v->iface)));
	if (v->iface == VP_VGPU_NVIDIA) {
		const struct vp_vgpu_type *t = vp_vgpu_by_id(v, v->current);
		_cleanup_free_ char *cur =
			v->current ? xasprintf("nvidia-%u", v->current) : NULL;

		add(o, "current", jstr(cur));
		add(o, "current_name", t ? jstr(t->name) : NULL);
	} else {
		add(o, "instances",
		    v->instances < 0 ? NULL : json_object_new_int(v->instances));
	}
	for (size_t i = 0; i < v->ntypes; i++) {
		const struct vp_vgpu_type *t = &v->types[i];
		struct json_object *jt = json_object_new_object();

		add(jt, "type", jstr(t->type));
		add(jt, "id", t->id ? json_object_new_int64(t->id) : NULL);
		add(jt, "name", jstr(t->name));
		add(jt, "available",
		    t->available < 0 ? NULL : json_object_new_int(t->available));
		add(jt, "description", jstr(t->description));
		json_object_array_add(a, jt);
	}
	add(o, "types", a);
	return o;
}

struct json_object *vp_json_dev(const struct vp_dev *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *bars = json_object_new_array();
	struct json_object *reset = json_object_new_object();
	struct json_object *crit = json_object_new_object();
	struct json_object *unk = json_object_new_object();

	add(o, "address", jstr(d->addr));
	add(o, "vendor_id", jhex(d->vendor, 4));
	add(o, "device_id", jhex(d->device, 4));
	add(o, "subsystem_vendor_id", jhex(d->subvendor, 4));
	add(o, "subsystem_device_id", jhex(d->subdevice, 4));
	add(o, "class", jhex(d->class, 6));
	add(o, "revision", jhex(d->rev, 2));
	add(o, "vendor_name", jstr(d->vendor_name));
	add(o, "device_name", jstr(d->device_name));
	add(o, "subsystem_name", jstr(d->subsys_name));
	add(o, "class_name", jstr(d->class_name));
	add(o, "kind", jstr(vp_kind_name(d->kind)));
	add(o, "driver", jstr(d->driver));
	add(o, "driver_override", jstr(d->driver_override));
	add(o, "modalias", jstr(d->modalias));
	add(o, "modules", vp_dev_unknown_why(d, "modules") ? NULL : jstrv(&d->modules));
	add(o, "iommu_group",
	    d->iommu_group >= 0 ? json_object_new_int(d->iommu_group) : NULL);
	add(o, "parent", d->parent ? jstr(d->parent->addr) : NULL);
	{
		struct json_object *up = json_object_new_array();

		for (const struct vp_dev *p = d->parent; p; p = p->parent)
			json_object_array_add(up, json_object_new_string(p->addr));
		add(o, "upstream", up);
	}
	add(o, "is_bridge", json_object_new_boolean(d->is_bridge));
	add(o, "numa_node", json_object_new_int(d->numa_node));
	add(o, "local_cpulist", jstr(d->local_cpulist));
	add(o, "boot_vga", d->boot_vga < 0 ? NULL : json_object_new_boolean(d->boot_vga));

	add(reset, "possible", json_object_new_boolean(d->reset == VP_PRESENT));
	add(reset, "methods",
	    vp_dev_unknown_why(d, "reset_method") ? NULL : jstrv(&d->reset_methods));
	add(o, "reset", reset);
	add(o, "flr", jstate(d->flr));
	add(o, "power_state", jstr(d->power_state));
	add(o, "d3cold_allowed",
	    d->d3cold_allowed < 0 ? NULL : json_object_new_boolean(d->d3cold_allowed));
	for (size_t i = 0; i < d->nbars; i++) {
		const struct vp_bar *b = &d->bars[i];
		struct json_object *jb = json_object_new_object();

		add(jb, "index", json_object_new_int(b->index));
		add(jb, "rom", json_object_new_boolean(b->index == 6));
		add(jb, "size", json_object_new_int64((int64_t)b->size));
		add(jb, "io", json_object_new_boolean(b->io));
		add(jb, "mem64", json_object_new_boolean(b->mem64));
		add(jb, "prefetchable", json_object_new_boolean(b->prefetch));
		json_object_array_add(bars, jb);
	}
	add(o, "bars",
	    vp_dev_unknown_why(d, "bars") ? (json_object_put(bars), NULL) : bars);
	add(o, "config_size", json_object_new_int((int)d->cfg_len));
	add(o, "capabilities_readable", jstate(d->caps_readable));
	add(o, "extended_capabilities_readable", jstate(d->ecaps_readable));
	add(o, "pcie", json_pcie(d));
	add(o, "no_soft_reset",
	    d->pm == VP_PRESENT ? json_object_new_boolean(d->no_soft_reset) : NULL);
	add(o, "acs", json_acs(d));
	add(o, "rebar", json_rebar(d));
	add(o, "sriov", json_sriov(d));
	add(o, "physfn", jstr(d->physfn));
	add(o, "vgpu", json_vgpu(d));

	add(crit, "console", json_object_new_boolean(d->critical & VP_CRIT_CONSOLE));
	add(crit, "network", json_object_new_boolean(d->critical & VP_CRIT_NETWORK));
	add(crit, "root_disk", json_object_new_boolean(d->critical & VP_CRIT_ROOTDISK));
	add(crit, "why", jstrv(&d->critical_why));
	add(o, "host_critical", crit);

	for (size_t i = 0; i < d->unknown.n; i++) {
		const char *u = d->unknown.v[i];
		const char *colon = strchr(u, ':');
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)(colon - u), u);
		add(unk, key, json_object_new_string(colon + 2));
	}
	add(o, "unknown", unk);
	return o;
}

struct json_object *vp_json_group(const struct vp_host *h, const struct vp_group *g,
				  const struct vp_dev *from)
{
	struct json_object *o = json_object_new_object();
	struct json_object *mem = json_object_new_array();
	struct json_object *gaps = json_object_new_array();
	struct vp_gap *own = NULL;
	const struct vp_gap *gp = g->gaps;
	size_t ngaps = g->ngaps;

	(void)h;
	add(o, "id", json_object_new_int(g->id));
	add(o, "verdict", jstr(vp_group_verdict_name(g->verdict)));
	add(o, "cards", json_object_new_int((int)g->nunits));
	for (size_t i = 0; i < g->n; i++) {
		const struct vp_dev *m = g->members[i];
		struct json_object *jm = json_object_new_object();
		char crit[64];

		vp_fmt_critical(m, crit, sizeof(crit));
		add(jm, "address", jstr(m->addr));
		add(jm, "kind", jstr(vp_kind_name(m->kind)));
		add(jm, "vendor_id", jhex(m->vendor, 4));
		add(jm, "device_id", jhex(m->device, 4));
		add(jm, "name", jstr(m->device_name));
		add(jm, "driver", jstr(m->driver));
		add(jm, "role", jstr(vp_fmt_role(g, m, from)));
		add(jm, "card", m->unit >= 0 ? json_object_new_int(m->unit) : NULL);
		add(jm, "host_critical", json_object_new_boolean(m->critical != 0));
		json_object_array_add(mem, jm);
	}
	add(o, "members", mem);
	if (from && from->unit >= 0 && from->unit != g->primary_unit && g->nunits > 1) {
		if (vp_group_explain(g, from->unit, &own, &ngaps) == 0)
			gp = own;
		else
			ngaps = 0;
	}
	for (size_t i = 0; i < ngaps; i++) {
		struct json_object *jg = json_object_new_object();

		add(jg, "bridge", gp[i].bridge ? jstr(gp[i].bridge->addr) : NULL);
		add(jg, "why", jstr(gp[i].why));
		json_object_array_add(gaps, jg);
	}
	add(o, "joined_by", gaps);
	vp_gaps_free(own, own ? ngaps : 0);
	return o;
}

/*
 * Every document leaves through here: strings from host files, logs and
 * arguments are bytes, and json-c copies bytes above 0x7f as they are
 * (json_object.c json_escape_str). Invalid UTF-8 becomes U+FFFD on the way
 * out, so the output is always JSON (RFC 8259 8.1); JSON's own syntax is
 * ASCII, so only string contents can change.
 */
int vp_json_print(struct vp_ctx *ctx, struct json_object *doc)
{
	const char *s = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			     JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s)
		return -ENOMEM;
	if (fput_utf8(s, strlen(s), ctx->fout) < 0 || fputc('\n', ctx->fout) < 0)
		return -EIO;
	return 0;
}

/* Stands for the streamed array's elements while the rest of @doc is printed. */
#define STREAM_MARK "@@vp-stream@@"

static int put_indent(FILE *f, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		if (fwrite(spaces, 1, k, f) != k)
			return -EIO;
		n -= k;
	}
	return 0;
}

int vp_json_print_array(struct vp_ctx *ctx, struct json_object *doc, const char *key,
			struct json_object *(*next)(void *arg), void *arg)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *arr = json_object_new_array();
	struct json_object *el = next(arg);
	const char *s, *mark, *line;
	size_t indent;
	bool first = true;

	if (!arr)
		return -ENOMEM;
	json_object_object_add(doc, key, arr);
	if (!el)
		return vp_json_print(ctx, doc);
	/*
	 * json-c indents two spaces a level (json_object.c indent()), so an
	 * element printed alone and shifted by the marker's indentation has
	 * the bytes it would have inside the whole document.
	 */
	json_object_array_add(arr, json_object_new_string(STREAM_MARK));
	s = json_object_to_json_string_ext(doc, flags);
	mark = s ? strstr(s, "\"" STREAM_MARK "\"") : NULL;
	if (!mark) {
		json_object_put(el);
		return -ENOMEM;
	}
	for (line = mark; line > s && line[-1] == ' '; line--)
		;
	indent = (size_t)(mark - line);
	if (fput_utf8(s, (size_t)(line - s), ctx->fout) < 0)
		goto io;
	while (el) {
		const char *e = json_object_to_json_string_ext(el, flags), *nl;

		if (!e)
			goto nomem;
		if (!first && fputs(",\n", ctx->fout) < 0)
			goto io;
		first = false;
		/* fwrite, not fprintf: this is every line of thousands of groups. */
		if (put_indent(ctx->fout, indent) < 0)
			goto io;
		for (; (nl = strchr(e, '\n')); e = nl + 1)
			if (fput_utf8(e, (size_t)(nl - e + 1), ctx->fout) < 0 ||
			    put_indent(ctx->fout, indent) < 0)
				goto io;
		if (fput_utf8(e, strlen(e), ctx->fout) < 0)
			goto io;
		json_object_put(el);
		el = next(arg);
	}
	mark += strlen("\"" STREAM_MARK "\"");
	if (fput_utf8(mark, strlen(mark), ctx->fout) < 0 || fputc('\n', ctx->fout) < 0)
		return -EIO;
	return 0;
nomem:
	json_object_put(el);
	return -ENOMEM;
io:
	json_object_put(el);
	return -EIO;
}

struct group_iter {
	const struct vp_host *h;
	const struct vp_dev *only;
	size_t i;
};

static struct json_object *next_group(void *arg)
{
	struct group_iter *it = arg;

	for (; it->i < it->h->ngroups; it->i++) {
		const struct vp_group *g = &it->h->groups[it->i];

		if (it->only && it->only->iommu_group != g->id)
			continue;
		it->i++;
		return vp_json_group(it->h, g, NULL);
	}
	return NULL;
}

int vp_json_print_groups(struct vp_ctx *ctx, struct json_object *doc,
			 const struct vp_host *h, const struct vp_dev *only)
{
	struct group_iter it = { .h = h, .only = only };

	return vp_json_print_array(ctx, doc, "groups", next_group, &it);
}
