// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replacing what identifies a host or its people in captured text: the host
 * name, MAC addresses, IPv4 and IPv6 addresses, serial numbers and user
 * names. The same input gets the same replacement within one snapshot, so a
 * MAC in a guest config still matches the same MAC in kern.log.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"

enum san_kind {
	SAN_HOST,
	SAN_MAC,
	SAN_IP4,
	SAN_IP6,
	SAN_SERIAL,
	SAN_USER,
	SAN_KINDS,
};

static const char *const kind_name[] = {
	[SAN_HOST] = "host names",	 [SAN_MAC] = "MAC addresses",
	[SAN_IP4] = "IPv4 addresses",	 [SAN_IP6] = "IPv6 addresses",
	[SAN_SERIAL] = "serial numbers", [SAN_USER] = "user names",
};

struct san_map {
	struct strv from, to;
	size_t hits;
};

struct vp_sanitizer {
	bool enabled;
	struct san_map m[SAN_KINDS];
	/* Host names too generic to replace as words ("pve"): only where a name must be.
	 */
	struct strv generic_hosts;
};

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->cap ? b->cap : 256);
		char *np;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

int vp_san_new(bool enabled, struct vp_sanitizer **out)
{
	struct vp_sanitizer *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->enabled = enabled;
	*out = s;
	return 0;
}

void vp_san_free(struct vp_sanitizer *s)
{
	if (!s)
		return;
	for (int k = 0; k < SAN_KINDS; k++) {
		strv_free(&s->m[k].from);
		strv_free(&s->m[k].to);
	}
	strv_free(&s->generic_hosts);
	free(s);
}

bool vp_san_enabled(const struct vp_sanitizer *s)
{
	return s->enabled;
}

/* The replacement for @orig, minted on first sight. */
static const char *lookup(struct vp_sanitizer *s, enum san_kind k, const char *orig)
{
	struct san_map *m = &s->m[k];
	size_t i, n;
	char *rep = NULL;

	for (i = 0; i < m->from.n; i++)
		if (streq(m->from.v[i], orig)) {
			m->hits++;
			return m->to.v[i];
		}
	n = m->from.n + 1;
	switch (k) {
	case SAN_HOST:
		rep = xasprintf("sanitized-host%zu", n);
		break;
	case SAN_MAC:
		rep = xasprintf("02:00:00:00:%02zx:%02zx", (n >> 8) & 0xff, n & 0xff);
		break;
	case SAN_IP4:
		rep = xasprintf("10.254.%zu.%zu", (n >> 8) & 0xff, n & 0xff);
		break;
	case SAN_IP6:
		rep = xasprintf("fd00::5a:%zx", n);
		break;
	case SAN_SERIAL:
		rep = xasprintf("SERIAL%zu", n);
		break;
	case SAN_USER:
		rep = xasprintf("user%zu", n);
		break;
	default:
		return NULL;
	}
	if (!rep || strv_add(&m->from, orig) < 0 || strv_push(&m->to, rep) < 0)
		return NULL;
	m->hits++;
	return m->to.v[m->to.n - 1];
}

static bool generic_host(const char *name)
{
	static const char *const generic[] = {
		"pve",	"proxmox", "localhost", "debian", "host", "server",
		"node", "kernel",  "ubuntu",	"linux",  "root", "admin"
	};

	for (size_t i = 0; i < ARRAY_SIZE(generic); i++)
		if (streq(name, generic[i]))
			return true;
	return strlen(name) < 2;
}

int vp_san_add_hostname(struct vp_sanitizer *s, const char *name)
{
	_cleanup_free_ char *short_name = NULL;

	if (!s->enabled || !name || !name[0])
		return 0;
	short_name = strndup(name, strcspn(name, "."));
	if (!short_name)
		return -ENOMEM;
	if (generic_host(short_name) && !strv_contains(&s->generic_hosts, short_name))
		if (strv_add(&s->generic_hosts, short_name) < 0)
			return -ENOMEM;
	if (!lookup(s, SAN_HOST, short_name))
		return -ENOMEM;
	s->m[SAN_HOST].hits--;
	return 0;
}

int vp_san_add_user(struct vp_sanitizer *s, const char *name)
{
	if (!s->enabled || !name || !name[0] || generic_host(name))
		return 0;
	if (!lookup(s, SAN_USER, name))
		return -ENOMEM;
	s->m[SAN_USER].hits--;
	return 0;
}

void vp_san_learn_users(struct vp_sanitizer *s, const char *text, bool passwd)
{
	_cleanup_free_ char *copy = strdup(text ? text : "");
	char *save = NULL;

	if (!copy || !s->enabled)
		return;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[5] = { 0 };
		char *p = l;
		int nf = 0;
		long id;

		while (nf < 5) {
			f[nf++] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (nf < 3)
			continue;
		id = strtol(f[2], NULL, 10);
		if (id >= 1000 && id < 60000)
			vp_san_add_user(s, f[0]);
		if (!passwd && nf >= 4 && f[3]) {
			char *msave = NULL;

			for (char *u = strtok_r(f[3], ",", &msave); u;
			     u = strtok_r(NULL, ",", &msave))
				if (!streq(u, "root"))
					vp_san_add_user(s, u);
		}
	}
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static bool hex2(const char *p)
{
	return isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]);
}

/* "aa:bb:cc:dd:ee:ff" at @p (also with '-'); returns 17 or 0. */
static size_t match_mac(const char *p, const char *end)
{
	if (end - p < 17)
		return 0;
	for (int i = 0; i < 6; i++) {
		if (!hex2(p + i * 3))
			return 0;
		if (i < 5 && p[i * 3 + 2] != ':' && p[i * 3 + 2] != '-')
			return 0;
		if (i < 5 && p[i * 3 + 2] != p[2])
			return 0;
	}
	if (p + 17 < end && (isxdigit((unsigned char)p[17]) || p[17] == ':'))
		return 0;
	return 17;
}

static size_t match_ip4(const char *p, const char *end)
{
	const char *q = p;

	for (int i = 0; i < 4; i++) {
		int v = 0, d = 0;

		while (q < end && isdigit((unsigned char)*q) && d < 4) {
			v = v * 10 + (*q - '0');
			q++;
			d++;
		}
		if (d == 0 || d > 3 || v > 255)
			return 0;
		if (i < 3) {
			if (q >= end || *q != '.')
				return 0;
			q++;
		}
	}
	if (q < end && (isalnum((unsigned char)*q) ||
			(*q == '.' && q + 1 < end && isdigit((unsigned char)q[1]))))
		return 0;
	return (size_t)(q - p);
}

static size_t match_ip6(const char *p, const char *end)
{
	const char *q = p;
	int colons = 0, hex = 0;
	bool dbl = false;

	while (q < end && (isxdigit((unsigned char)*q) || *q == ':')) {
		if (*q == ':') {
			colons++;
			if (q + 1 < end && q[1] == ':')
				dbl = true;
		} else {
			hex++;
		}
		q++;
	}
	if (q < end && (isalnum((unsigned char)*q) || *q == '.' || *q == '_'))
		return 0;
	if (colons < 2 || hex == 0 || (!dbl && colons != 7) || colons > 7)
		return 0;
	return (size_t)(q - p);
}

static const char *const serial_keys[] = {
	"serialnumber: ", "serial number: ", "serial number ", "serial=",
	"serial: ",	  "serial ",	     "sn: ",	       "s/n: ",
};

static size_t match_serial_key(const char *p, const char *end)
{
	for (size_t i = 0; i < ARRAY_SIZE(serial_keys); i++) {
		size_t n = strlen(serial_keys[i]);

		if ((size_t)(end - p) > n && strncasecmp(p, serial_keys[i], n) == 0 &&
		    isalnum((unsigned char)p[n]))
			return n;
	}
	return 0;
}

static bool skip_ip4(const char *ip)
{
	return startswith(ip, "0.") || startswith(ip, "127.") || startswith(ip, "255.") ||
	       atoi(ip) >= 224;
}

static bool is_generic(struct vp_sanitizer *s, const char *name)
{
	return strv_contains(&s->generic_hosts, name);
}

/* A known host or user name: its replacement, or NULL. */
static const char *name_rep(struct vp_sanitizer *s, const char *tok, bool any_host)
{
	struct san_map *h = &s->m[SAN_HOST], *u = &s->m[SAN_USER];

	for (size_t i = 0; i < h->from.n; i++)
		if (streq(h->from.v[i], tok) && (any_host || !is_generic(s, tok)))
			return lookup(s, SAN_HOST, tok);
	for (size_t i = 0; i < u->from.n; i++)
		if (streq(u->from.v[i], tok))
			return lookup(s, SAN_USER, tok);
	return NULL;
}

/* Where a syslog line names its host: "Nov 22 09:00:01 HOST " or "2024-..T.. HOST ". */
static size_t syslog_host_at(const char *line, const char *end)
{
	const char *p = line;
	int spaces = 0;

	if (end - line > 16 && isalpha((unsigned char)line[0]) && line[3] == ' ' &&
	    line[9] == ':' && line[12] == ':') {
		for (; p < end && spaces < 3; p++)
			if (*p == ' ' && p[-1] != ' ')
				spaces++;
		return spaces == 3 ? (size_t)(p - line) : 0;
	}
	if (end - line > 20 && isdigit((unsigned char)line[0]) && line[4] == '-' &&
	    line[10] == 'T') {
		p = memchr(line, ' ', (size_t)(end - line));
		return p ? (size_t)(p + 1 - line) : 0;
	}
	return 0;
}

char *vp_san_text(struct vp_sanitizer *s, const char *text, size_t len, size_t *outlen)
{
	struct buf b = { 0 };
	const char *p = text, *end = text + len;
	const char *line = text;
	size_t host_at = syslog_host_at(line, end);

	put(&b, "", 0);
	if (!s->enabled) {
		put(&b, text, len);
		goto out;
	}
	while (p < end) {
		bool boundary =
			p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		char tmp[256];
		size_t n;

		if (*p == '\n') {
			put(&b, p, 1);
			p++;
			line = p;
			host_at = syslog_host_at(line, end);
			continue;
		}
		if (boundary && (n = match_mac(p, end))) {
			memcpy(tmp, p, n);
			tmp[n] = '\0';
			for (char *c = tmp; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (streq(tmp, "00:00:00:00:00:00") ||
			    streq(tmp, "ff:ff:ff:ff:ff:ff"))
				put(&b, p, n);
			else
				puts_(&b, lookup(s, SAN_MAC, tmp) ?: "");
			p += n;
			continue;
		}
		if (boundary && p[-1 + (p == text)] != '.' && (n = match_ip4(p, end))) {
			memcpy(tmp, p, n);
			tmp[n] = '\0';
			if (skip_ip4(tmp))
				put(&b, p, n);
			else
				puts_(&b, lookup(s, SAN_IP4, tmp) ?: "");
			p += n;
			continue;
		}
		if (boundary && (n = match_ip6(p, end)) && n < sizeof(tmp)) {
			memcpy(tmp, p, n);
			tmp[n] = '\0';
			for (char *c = tmp; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (streq(tmp, "::") || streq(tmp, "::1"))
				put(&b, p, n);
			else
				puts_(&b, lookup(s, SAN_IP6, tmp) ?: "");
			p += n;
			continue;
		}
		if (boundary && (n = match_serial_key(p, end))) {
			const char *v = p + n;
			size_t vn = 0;

			while (v + vn < end &&
			       (isalnum((unsigned char)v[vn]) || v[vn] == '-' ||
				v[vn] == '_' || v[vn] == '.') &&
			       vn < sizeof(tmp) - 1)
				vn++;
			/* "serial console", "serial 8250": words and small numbers stay.
			 */
			memcpy(tmp, v, vn);
			tmp[vn] = '\0';
			put(&b, p, n);
			if (vn >= 6 || strpbrk(tmp, "0123456789") == NULL) {
				bool digits = strspn(tmp, "0123456789") == vn;
				bool word = true;

				for (size_t i = 0; i < vn; i++)
					if (!islower((unsigned char)tmp[i]))
						word = false;
				if (vn >= 4 && !word && !(digits && vn < 6))
					puts_(&b, lookup(s, SAN_SERIAL, tmp) ?: "");
				else
					put(&b, v, vn);
			} else {
				put(&b, v, vn);
			}
			p = v + vn;
			continue;
		}
		if (boundary && (isalnum((unsigned char)*p) || *p == '_')) {
			const char *q = p;
			const char *rep;
			size_t dot;

			while (q < end && name_char(*q))
				q++;
			n = (size_t)(q - p);
			if (n < sizeof(tmp)) {
				bool at_host = host_at && p == line + host_at;

				memcpy(tmp, p, n);
				tmp[n] = '\0';
				/* A trailing '.' ends a sentence, not a name. */
				while (n && tmp[n - 1] == '.')
					tmp[--n] = '\0';
				dot = strcspn(tmp, ".");
				rep = name_rep(s, tmp, at_host);
				if (!rep && dot < n && dot > 0) {
					/* host.example.org: the first label. */
					tmp[dot] = '\0';
					rep = name_rep(s, tmp, at_host);
					if (rep) {
						puts_(&b, rep);
						p += dot;
						continue;
					}
				}
				if (rep) {
					puts_(&b, rep);
					p += n;
					continue;
				}
				/* Not a name: copy the word whole (no matches inside it).
				 */
				while (p < end &&
				       (isalnum((unsigned char)*p) || *p == '_'))
					put(&b, p++, 1);
				continue;
			}
		}
		put(&b, p, 1);
		p++;
	}
out:
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*outlen = b.len;
	return b.p;
}

static const char *map_hex_ip4(struct vp_sanitizer *s, const char *hex, char *out)
{
	unsigned long v = strtoul(hex, NULL, 16);
	char dotted[20];
	const char *rep;
	unsigned int a, b2, c, d;

	/* /proc/net/route prints addresses in host (little-endian) order. */
	snprintf(dotted, sizeof(dotted), "%lu.%lu.%lu.%lu", v & 0xff, (v >> 8) & 0xff,
		 (v >> 16) & 0xff, (v >> 24) & 0xff);
	if (v == 0 || skip_ip4(dotted))
		return hex;
	rep = lookup(s, SAN_IP4, dotted);
	if (!rep || sscanf(rep, "%u.%u.%u.%u", &a, &b2, &c, &d) != 4)
		return hex;
	sprintf(out, "%02X%02X%02X%02X", d, c, b2, a);
	return out;
}

char *vp_san_route(struct vp_sanitizer *s, const char *text, bool v6, size_t *outlen)
{
	struct buf b = { 0 };
	const char *p = text;
	bool first = true;

	put(&b, "", 0);
	if (!s->enabled) {
		puts_(&b, text);
		goto out;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		int col = 0;
		const char *q = p;

		while (q < p + ll) {
			const char *ws = q;
			const char *tok;
			size_t tl;
			char tmp[64], out[16];

			while (q < p + ll && (*q == ' ' || *q == '\t'))
				q++;
			put(&b, ws, (size_t)(q - ws));
			tok = q;
			while (q < p + ll && *q != ' ' && *q != '\t')
				q++;
			tl = (size_t)(q - tok);
			if (!tl)
				break;
			col++;
			if (tl < sizeof(tmp)) {
				memcpy(tmp, tok, tl);
				tmp[tl] = '\0';
			} else {
				tmp[0] = '\0';
			}
			if (!first && !v6 && (col == 2 || col == 3) && tl == 8) {
				puts_(&b, map_hex_ip4(s, tmp, out));
			} else if (v6 && (col == 1 || col == 3 || col == 5) && tl == 32 &&
				   strspn(tmp, "0") != 32 && !startswith(tmp, "fe80") &&
				   !startswith(tmp, "ff") &&
				   !streq(tmp, "00000000000000000000000000000001")) {
				const char *rep = lookup(s, SAN_IP6, tmp);
				unsigned long n =
					rep ? strtoul(strrchr(rep, ':') + 1, NULL, 16)
					    : 0;
				char hex[40];

				snprintf(hex, sizeof(hex),
					 "fd00000000000000000000000000%04lx", n & 0xffff);
				puts_(&b, hex);
			} else {
				put(&b, tok, tl);
			}
		}
		if (nl)
			put(&b, "\n", 1);
		first = false;
		p += ll + (nl ? 1 : 0);
	}
out:
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*outlen = b.len;
	return b.p;
}

const char *vp_san_component(struct vp_sanitizer *s, const char *comp)
{
	struct san_map *h = &s->m[SAN_HOST];

	if (!s->enabled)
		return comp;
	for (size_t i = 0; i < h->from.n; i++)
		if (streq(h->from.v[i], comp))
			return h->to.v[i];
	return comp;
}

char *vp_san_summary(const struct vp_sanitizer *s)
{
	struct buf b = { 0 };

	put(&b, "", 0);
	if (!s->enabled) {
		puts_(&b, "none (--no-sanitize): host name, MAC and IP addresses, serial "
			  "numbers and user names are as on the host\n");
	} else {
		puts_(&b,
		      "host name, MAC addresses, IPv4/IPv6 addresses, serial numbers and "
		      "user names replaced consistently (same value, same replacement):\n");
		for (int k = 0; k < SAN_KINDS; k++) {
			char line[128];

			snprintf(line, sizeof(line),
				 "  %-16s %zu distinct value%s replaced\n", kind_name[k],
				 s->m[k].from.n, s->m[k].from.n == 1 ? "" : "s");
			puts_(&b, line);
		}
		if (s->generic_hosts.n)
			puts_(&b,
			      "  the host name is a common word: replaced only where a host "
			      "name stands (hostname files, syslog host field, "
			      "etc/pve/nodes/NAME)\n");
		puts_(&b,
		      "  loopback, link-local/multicast, all-zero and broadcast addresses "
		      "are kept\n");
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
