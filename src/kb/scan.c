// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The log scanner behind explain (scan.h): lines normalized and matched
 * against the signature table, the matched lines kept with their numbers,
 * and the devices and groups the patterns captured; then which of a host's
 * devices and groups a hit is about.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "kb/kb.h"
#include "kb/scan.h"
#include "kb/signatures.h"
#include "util.h"

int vp_scan_init(struct vp_scan *x)
{
	*x = (struct vp_scan){ 0 };
	x->nsig = vp_sig_count();
	x->hits = calloc(x->nsig ? x->nsig : 1, sizeof(*x->hits));
	if (!x->hits)
		return -ENOMEM;
	return 0;
}

void vp_scan_free(struct vp_scan *x)
{
	for (size_t i = 0; x->hits && i < x->nsig; i++)
		for (size_t j = 0; j < x->hits[i].nkept; j++)
			free(x->hits[i].kept[j].text);
	free(x->hits);
	x->hits = NULL;
	free(x->prev);
	x->prev = NULL;
}

char *vp_scan_clean(const char *s, size_t max)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc((n < max ? n : max) + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_valid_len((const unsigned char *)s + i, n - i);

		if (o + (l ? l : 1) > max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (!l) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return out;
}

size_t vp_scan_normalize(char *s, size_t len, bool *binary)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* ECMA-48 CSI: ESC [, parameter and intermediate bytes, a final byte
		 * in 0x40-0x7e; what dmesg --color=always writes. */
		if (c == 0x1b && i + 1 < len && s[i + 1] == '[') {
			for (i += 2; i < len && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
				;
			continue;
		}
		/* A log saved on Windows or pasted from a browser ends lines in CRLF. */
		if (c == '\r' && i + 1 == len)
			continue;
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			if (c != 0x1b)
				*binary = true;
			c = ' ';
		} else if (c == '\r') {
			c = ' ';
		}
		s[o++] = (char)c;
	}
	s[o] = '\0';
	return o;
}

static void add_dev(struct vp_scan_hit *hit, const char *at, size_t len)
{
	char buf[24];
	struct vp_bdf b;

	if (len >= sizeof(buf))
		return;
	memcpy(buf, at, len);
	buf[len] = '\0';
	if (vp_bdf_parse(buf, &b, NULL, false) < 0)
		return;
	/* One spelling, so "01:00.0" and "0000:01:00.0" are one device. */
	snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", b.domain, b.bus, b.dev, b.fn);
	for (size_t i = 0; i < hit->ndevs; i++)
		if (streq(hit->devs[i], buf))
			return;
	if (hit->ndevs < VP_SCAN_MAX_IDS)
		memcpy(hit->devs[hit->ndevs++], buf, sizeof(buf));
}

static void add_group(struct vp_scan_hit *hit, const char *at, size_t len)
{
	long v = 0;

	/* %group captures digits only; more than 9 would not fit the kernel's int id. */
	if (len > 9)
		return;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (at[i] - '0');
	for (size_t i = 0; i < hit->ngroups; i++)
		if (hit->groups[i] == v)
			return;
	if (hit->ngroups < VP_SCAN_MAX_IDS)
		hit->groups[hit->ngroups++] = v;
}

static int record(struct vp_scan_hit *hit, const char *line, size_t no,
		  const struct vp_sig_match *m)
{
	hit->nlines++;
	if (!hit->first)
		hit->first = no;
	if (hit->nkept < VP_SCAN_KEEP) {
		char *t = vp_scan_clean(line, VP_SCAN_TEXT_MAX);

		if (!t)
			return -ENOMEM;
		hit->kept[hit->nkept++] = (struct vp_scan_line){ .no = no, .text = t };
	}
	for (size_t i = 0; i < m->ncaps; i++) {
		if (m->caps[i].kind == VP_CAP_BDF)
			add_dev(hit, m->caps[i].at, m->caps[i].len);
		else if (m->caps[i].kind == VP_CAP_GROUP)
			add_group(hit, m->caps[i].at, m->caps[i].len);
	}
	return 0;
}

/*
 * @line (number @no) matched nothing: try it after the previous unmatched
 * line (scan.h, VP_SCAN_WRAP). Either way it becomes the previous line,
 * unless the two matched together: a message is wrapped once, not chained.
 */
static int scan_joined(struct vp_scan *x, const char *line, size_t no)
{
	_cleanup_free_ char *both = NULL;
	const struct vp_sig *s;
	struct vp_sig_match m;
	bool matched = false;

	if (x->prev && x->prevno + 1 == no) {
		both = xasprintf("%s %s", x->prev, line + strspn(line, " \t"));
		if (!both)
			return -ENOMEM;
		for (size_t i = 0; (s = vp_sig_scan(both, &i, &m)); i++) {
			int r = record(&x->hits[i], both, x->prevno, &m);

			if (r < 0)
				return r;
			matched = true;
		}
	}
	free(x->prev);
	x->prev = NULL;
	if (matched) {
		x->nmatched += 2;
		return 0;
	}
	if (strlen(line) >= VP_SCAN_WRAP) {
		x->prev = strdup(line);
		if (!x->prev)
			return -ENOMEM;
		x->prevno = no;
	}
	return 0;
}

int vp_scan_line(struct vp_scan *x, char *line, size_t len, bool cut)
{
	const struct vp_sig *s;
	struct vp_sig_match m;
	bool binary = false, matched = false;
	size_t no = ++x->nread;
	const char *p;

	if (cut)
		x->ncut++;
	vp_scan_normalize(line, len, &binary);
	if (binary)
		x->nbinary++;
	/* Blank, or "# ...": a comment or a root prompt someone pasted, not output. */
	p = line + strspn(line, " \t");
	if (!*p || *p == '#') {
		x->nskipped++;
		return 0;
	}
	for (size_t i = 0; (s = vp_sig_scan(line, &i, &m)); i++) {
		int r = record(&x->hits[i], line, no, &m);

		if (r < 0)
			return r;
		matched = true;
	}
	if (matched) {
		x->nmatched++;
		free(x->prev);
		x->prev = NULL;
		return 0;
	}
	return scan_joined(x, line, no);
}

int vp_scan_text(struct vp_scan *x, const char *buf, size_t len)
{
	_cleanup_free_ char *line = NULL;

	if (!len)
		return 0;
	line = malloc(VP_SCAN_LINE_MAX + 1);
	if (!line)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t take = nl ? (size_t)(nl - (buf + i)) : len - i;
		bool cut = take > VP_SCAN_LINE_MAX;
		size_t keep = cut ? VP_SCAN_LINE_MAX : take;
		int r;

		/* A copy: normalizing writes, and the caller's text is read again
		 * (explain hands it to the paste parser next). */
		memcpy(line, buf + i, keep);
		r = vp_scan_line(x, line, keep, cut);
		if (r < 0)
			return r;
		i += take + (nl ? 1 : 0);
	}
	return 0;
}

struct scan_order {
	size_t first, sig; /* first line, row of the signature table */
};

static int order_cmp(const void *a, const void *b)
{
	const struct scan_order *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->sig < y->sig ? -1 : x->sig > y->sig;
}

int vp_scan_order(const struct vp_scan *x, size_t *order, size_t *n)
{
	_cleanup_free_ struct scan_order *o = calloc(x->nsig ? x->nsig : 1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < x->nsig; i++)
		if (x->hits[i].nlines)
			o[(*n)++] = (struct scan_order){ .first = x->hits[i].first,
							 .sig = i };
	qsort(o, *n, sizeof(*o), order_cmp);
	for (size_t i = 0; i < *n; i++)
		order[i] = o[i].sig;
	return 0;
}

/* ---- this host --------------------------------------------------------------------- */

/*
 * The host's side of a vendor-specific row: its display devices of that
 * vendor, of the row's kind (integrated or not) where the GPU table knows it.
 */
static size_t vendor_devs(const struct vp_host *h, const struct vp_sig *s,
			  struct vp_scan_host_dev *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < h->ndevs && n < max; i++) {
		const struct vp_dev *d = h->devs[i];
		const struct vp_kb_gpu *k = vp_kb_gpu_lookup(d->vendor, d->device);

		if (d->kind != VP_KIND_DISPLAY || d->vendor != s->vendor)
			continue;
		if (k && s->gpu != VP_SIG_GPU_ANY &&
		    (k->role == VP_GPU_INTEGRATED) != (s->gpu == VP_SIG_GPU_INTEGRATED))
			continue;
		out[n++] = (struct vp_scan_host_dev){ .addr = d->addr, .dev = d };
	}
	return n;
}

void vp_scan_host_match(const struct vp_host *h, const struct vp_sig *s,
			const struct vp_scan_hit *hit, struct vp_scan_host *out)
{
	*out = (struct vp_scan_host){ 0 };
	for (size_t i = 0; i < hit->ndevs; i++)
		out->devs[out->ndevs++] = (struct vp_scan_host_dev){
			.addr = hit->devs[i],
			.dev = vp_host_find_addr(h, hit->devs[i]),
		};
	if (s->vendor && !hit->ndevs) {
		out->vendor = true;
		out->ndevs = vendor_devs(h, s, out->devs, VP_SCAN_MAX_IDS);
	}
	for (size_t i = 0; i < hit->ngroups; i++) {
		long id = hit->groups[i];

		out->groups[out->ngroups++] = (struct vp_scan_host_group){
			.id = id,
			.grp = id <= 0x7fffffff ? vp_host_group(h, (int)id) : NULL,
		};
	}
}

bool vp_scan_on_host_driver(const struct vp_dev *m)
{
	return !m->is_bridge && m->driver && !streq(m->driver, "vfio-pci");
}
