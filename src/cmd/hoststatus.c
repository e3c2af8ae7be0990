// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host status: what is given to vfio-pci on this host and by which line of
 * which file, vfio-pilot's own and every other tool's (host/adopt.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "host/adopt.h"
#include "out/output.h"
#include "plan/hostplan.h"

static struct json_object *claim_json(const struct vp_claim *c)
{
	struct json_object *j = json_object_new_object();
	_cleanup_free_ char *file = xasprintf("/%s", c->file);

	json_object_object_add(j, "file", json_object_new_string(file ? file : ""));
	json_object_object_add(j, "line", c->line ? json_object_new_int(c->line) : NULL);
	json_object_object_add(j, "kind",
			       json_object_new_string(vp_claim_kind_name(c->kind)));
	json_object_object_add(j, "text", json_object_new_string(c->text));
	json_object_object_add(j, "vfio_pilot", json_object_new_boolean(c->ours));
	json_object_object_add(j, "driver",
			       c->driver ? json_object_new_string(c->driver) : NULL);
	return j;
}

static void print_claim(FILE *f, const char *indent, const struct vp_claim *c)
{
	_cleanup_free_ char *where = vp_claim_where(c);

	fprintf(f, "%s%s: %s (%s%s)\n", indent, where ? where : "?", c->text,
		vp_claim_kind_name(c->kind), c->ours ? ", vfio-pilot" : "");
}

int vp_host_status(struct vp_session *ses, FILE *f)
{
	struct vp_claims cl = { 0 };
	struct json_object *o = NULL, *given = NULL, *settings = NULL;
	size_t ngiven = 0, nwarn = 0;
	int r;

	r = vp_claims_load(ses->ctx, &ses->sys.cmdline, &ses->km, &cl);
	if (r < 0)
		return r;
	if (ses->ctx->out == VP_OUT_JSON) {
		o = vp_json_doc(ses->ctx, "host status");
		given = json_object_new_array();
		settings = json_object_new_array();
	} else
		fprintf(f, "Given to vfio-pci:\n");
	/* host->devs is sorted by address. */
	for (size_t i = 0; i < ses->h->ndevs; i++) {
		const struct vp_dev *d = ses->h->devs[i];
		struct json_object *src = NULL, *j = NULL;
		char name[256];
		bool any = false;

		for (size_t k = 0; k < cl.n; k++) {
			const struct vp_claim *c = &cl.v[k];

			if (!vp_claim_to_vfio(c) || !vp_claim_matches(c, d))
				continue;
			if (!any && o) {
				j = json_object_new_object();
				src = json_object_new_array();
				json_object_object_add(j, "address",
						       json_object_new_string(d->addr));
				snprintf(name, sizeof(name), "%04x:%04x", d->vendor,
					 d->device);
				json_object_object_add(j, "id",
						       json_object_new_string(name));
				json_object_object_add(
					j, "driver",
					d->driver ? json_object_new_string(d->driver)
						  : NULL);
				json_object_object_add(
					j, "host_critical",
					json_object_new_boolean(d->critical != 0));
			} else if (!any) {
				vp_fmt_name(d, name, sizeof(name));
				fprintf(f, "  %s %04x:%04x %s (bound now: %s)%s\n",
					d->addr, d->vendor, d->device, name,
					d->driver ? d->driver : "no driver",
					d->critical ? ", NEEDED BY THE HOST" : "");
			}
			any = true;
			if (src)
				json_object_array_add(src, claim_json(c));
			else
				print_claim(f, "      ", c);
		}
		if (!any)
			continue;
		ngiven++;
		if (d->critical)
			nwarn++;
		if (j) {
			json_object_object_add(j, "sources", src);
			json_object_array_add(given, j);
		}
	}
	if (!o && !ngiven)
		fprintf(f, "  nothing\n");
	if (!o)
		fprintf(f, "\nPassthrough settings on the host:\n");
	for (size_t k = 0; k < cl.n; k++) {
		if (o)
			json_object_array_add(settings, claim_json(&cl.v[k]));
		else
			print_claim(f, "  ", &cl.v[k]);
	}
	if (!o && !cl.n)
		fprintf(f, "  none\n");
	if (!o && nwarn)
		fprintf(f,
			"\nWARNING: a device the host needs is given to vfio-pci; 'host "
			"plan --adopt' moves the line into vfio-pilot's file, fixed\n");
	if (o) {
		json_object_object_add(o, "given", given);
		json_object_object_add(o, "settings", settings);
		r = vp_json_print(ses->ctx, o);
		json_object_put(o);
	}
	vp_claims_free(&cl);
	return r < 0 ? r : (nwarn ? VP_EXIT_WARN : VP_EXIT_OK);
}
