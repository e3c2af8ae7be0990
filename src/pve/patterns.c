// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proxmox's schema patterns and named formats in C. Each function says which
 * Proxmox source it follows; see patterns.h for the contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pve/patterns.h"
#include "util.h"

bool vp_pve_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool vp_pve_blank(const char *s)
{
	for (; *s; s++)
		if (!vp_pve_isspace(*s))
			return false;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_hex(char c)
{
	return is_lower_hex(c) || (c >= 'A' && c <= 'F');
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

/* @n characters of @s, all passing @ok, and nothing else up to @end. */
static bool run_of(const char *s, const char *end, bool (*ok)(char))
{
	if (s >= end)
		return false;
	for (; s < end; s++)
		if (!ok(*s))
			return false;
	return true;
}

/* \d+ at *p; advances *p. */
static bool digits(const char **p)
{
	const char *s = *p;

	while (is_digit(**p))
		(*p)++;
	return *p > s;
}

/* Call @one for each ';'-separated part; no part may be empty. */
static bool each_part(const char *s, char sep, bool (*one)(const char *, const char *))
{
	for (;;) {
		const char *end = strchr(s, sep);

		if (!end)
			end = s + strlen(s);
		if (end == s || !one(s, end))
			return false;
		if (!*end)
			return true;
		s = end + 1;
	}
}

/*
 * [domain:]bus:dev[.fn]: the domain is 4 or more lower-case hex digits, bus
 * and dev exactly 2, fn 1. Splitting at ':' is exact because none of the
 * parts can hold a ':'.
 */
static bool pci_id(const char *s, const char *end, bool domain_required)
{
	const char *c1 = memchr(s, ':', end - s);
	const char *c2, *bus, *dev;

	if (!c1)
		return false;
	c2 = memchr(c1 + 1, ':', end - c1 - 1);
	if (c2) {
		if (memchr(c2 + 1, ':', end - c2 - 1) || c1 - s < 4 ||
		    !run_of(s, c1, is_lower_hex))
			return false;
		bus = c1 + 1;
		dev = c2 + 1;
	} else {
		if (domain_required)
			return false;
		bus = s;
		dev = c1 + 1;
	}
	if (dev - 1 - bus != 2 || !run_of(bus, dev - 1, is_lower_hex))
		return false;
	if (end - dev < 2 || !run_of(dev, dev + 2, is_lower_hex))
		return false;
	if (end - dev == 2)
		return true;
	return end - dev == 4 && dev[2] == '.' && is_lower_hex(dev[3]);
}

bool vp_pve_re_pci_id(const char *s, bool domain_required)
{
	return pci_id(s, s + strlen(s), domain_required);
}

static bool pci_id_opt(const char *s, const char *end)
{
	return pci_id(s, end, false);
}

static bool pci_id_req(const char *s, const char *end)
{
	return pci_id(s, end, true);
}

bool vp_pve_pat_hostpci_host(const char *s)
{
	return each_part(s, ';', pci_id_opt);
}

bool vp_pve_pat_map_pci_path(const char *s)
{
	return each_part(s, ';', pci_id_req);
}

bool vp_pve_pat_hex_id(const char *s)
{
	return strlen(s) == 6 && s[0] == '0' && s[1] == 'x' &&
	       run_of(s + 2, s + 6, is_hex);
}

bool vp_pve_pat_romfile(const char *s)
{
	return *s && !strpbrk(s, ",;");
}

bool vp_pve_pat_mdev(const char *s)
{
	return *s && !strpbrk(s, "/.:");
}

/* (0x)?XXXX at *p. */
static bool usb_hex4(const char **p)
{
	if ((*p)[0] == '0' && (*p)[1] == 'x')
		*p += 2;
	if (strlen(*p) < 4 || !run_of(*p, *p + 4, is_hex))
		return false;
	*p += 4;
	return true;
}

/* (\d+)\-(\d+(\.\d+)*) from *p to the end. */
static bool bus_port(const char *p)
{
	if (!digits(&p) || *p++ != '-' || !digits(&p))
		return false;
	while (*p == '.') {
		p++;
		if (!digits(&p))
			return false;
	}
	return !*p;
}

bool vp_pve_pat_usb_host(const char *s)
{
	const char *p = s;

	if (usb_hex4(&p) && *p++ == ':' && usb_hex4(&p) && !*p)
		return true;
	return bus_port(s) || strcasecmp(s, "spice") == 0;
}

bool vp_pve_pat_vendor_device(const char *s)
{
	return strlen(s) == 9 && run_of(s, s + 4, is_hex) && s[4] == ':' &&
	       run_of(s + 5, s + 9, is_hex);
}

bool vp_pve_pat_usb_path(const char *s)
{
	return bus_port(s);
}

bool vp_pve_pat_hv_vendor_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 12 && run_of(s, s + n, is_alnum);
}

static bool flag_char(char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.';
}

static bool cpu_flag(const char *s, const char *end)
{
	return (*s == '+' || *s == '-') && run_of(s + 1, end, flag_char);
}

bool vp_pve_pat_cpu_flags(const char *s)
{
	return each_part(s, ';', cpu_flag);
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

bool vp_pve_pat_lxc_mode(const char *s)
{
	return strlen(s) == 4 && s[0] == '0' && run_of(s + 1, s + 4, is_octal);
}

static bool numa_range(const char *s, const char *end)
{
	const char *dash = memchr(s, '-', end - s);

	if (!dash)
		return run_of(s, end, is_digit);
	return run_of(s, dash, is_digit) && run_of(dash + 1, end, is_digit);
}

bool vp_pve_pat_numa_ids(const char *s)
{
	return each_part(s, ';', numa_range);
}

/* \d+(\.\d+)+ at *p: a machine version such as 8.1 or 9.2. */
static bool machine_version(const char **p)
{
	int dots = 0;

	if (!digits(p))
		return false;
	while (**p == '.' && is_digit((*p)[1])) {
		(*p)++;
		digits(p);
		dots++;
	}
	return dots > 0;
}

/* (\+pve\d+)? at *p. */
static bool pve_suffix(const char **p)
{
	if (!startswith(*p, "+pve"))
		return true;
	*p += 4;
	return digits(p);
}

/*
 * Machine.pm: (pc|pc(-i440fx)?-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|q35|
 * pc-q35-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|virt(?:-\d+(\.\d+)+)?(\+pve\d+)?)
 */
bool vp_pve_pat_machine_type(const char *s)
{
	const char *p;

	if (streq(s, "pc") || streq(s, "q35"))
		return true;
	if (startswith(s, "virt")) {
		p = s + 4;
		if (*p == '-') {
			p++;
			if (!machine_version(&p))
				return false;
		}
		return pve_suffix(&p) && !*p;
	}
	if (startswith(s, "pc-q35-"))
		p = s + 7;
	else if (startswith(s, "pc-i440fx-"))
		p = s + 10;
	else if (startswith(s, "pc-"))
		p = s + 3;
	else
		return false;
	if (!machine_version(&p) || !pve_suffix(&p))
		return false;
	if (startswith(p, ".pxe"))
		p += 4;
	return !*p;
}

bool vp_pve_pat_vmgenid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	if (streq(s, "0") || streq(s, "1"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		if ((int)strlen(s) < groups[i] || !run_of(s, s + groups[i], is_hex))
			return false;
		s += groups[i];
		if (i + 1 < ARRAY_SIZE(groups) && *s++ != '-')
			return false;
	}
	return !*s;
}

static int fail(char **msg, char *text)
{
	*msg = text;
	return text ? -EINVAL : -ENOMEM;
}

static bool configid_char(char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/* pve_verify_configid: ^[a-z][a-z0-9_-]+$ case-insensitive, so two or more. */
int vp_pve_fmt_configid(const char *s, char **msg)
{
	size_t n = strlen(s);

	if (n >= 2 && is_alpha(s[0]) && run_of(s + 1, s + n, configid_char))
		return 0;
	return fail(msg, xasprintf("invalid configuration ID '%s'", s));
}

static bool node_char(char c)
{
	return is_alnum(c) || c == '-';
}

/* pve_verify_node_name: ^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$ */
int vp_pve_fmt_node(const char *s, char **msg)
{
	size_t n = strlen(s);

	if (n >= 1 && is_alnum(s[0]) && is_alnum(s[n - 1]) &&
	    (n < 3 || run_of(s + 1, s + n - 1, node_char)))
		return 0;
	return fail(msg, xasprintf("value does not look like a valid node name"));
}

static bool storage_char(char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.';
}

/* parse_volume_id: ^([a-z][a-z0-9\-\_\.]*[a-z0-9]):(.+)$ case-insensitive. */
int vp_pve_fmt_volume_id(const char *s, char **msg)
{
	const char *colon = strchr(s, ':');

	if (colon && colon - s >= 2 && is_alpha(s[0]) && is_alnum(colon[-1]) &&
	    (colon - s < 3 || run_of(s + 1, colon - 1, storage_char)) && colon[1])
		return 0;
	return fail(msg, xasprintf("unable to parse volume ID '%s'", s));
}

/* none, cdrom, an absolute path, or a volume id. */
int vp_pve_fmt_volume_id_or_qm_path(const char *s, char **msg)
{
	if (streq(s, "none") || streq(s, "cdrom") || s[0] == '/')
		return 0;
	return vp_pve_fmt_volume_id(s, msg);
}

/* parse_size: ^(\d+(\.\d+)?)([KMGT])?$ */
int vp_pve_fmt_disk_size(const char *s, char **msg)
{
	const char *p = s;

	if (digits(&p)) {
		if (*p == '.') {
			p++;
			if (!digits(&p))
				goto bad;
		}
		if (*p && strchr("KMGT", *p))
			p++;
		if (!*p)
			return 0;
	}
bad:
	return fail(msg, xasprintf("value '%s' is not a valid disk size", s));
}

/* ^(host|\d{1,2})$ and 8..64 (CPUConfig.pm parse_phys_bits). */
int vp_pve_fmt_phys_bits(const char *s, char **msg)
{
	size_t n = strlen(s);

	if (streq(s, "host"))
		return 0;
	if (n >= 1 && n <= 2 && run_of(s, s + n, is_digit) && atoi(s) >= 8 &&
	    atoi(s) <= 64)
		return 0;
	return fail(msg,
		    xasprintf("value must be an integer between 8 and 64 or 'host'"));
}

/* \s*(\d+)(?:-(\d+))?\s* with from <= to. */
static bool cpuset_part(const char *s, const char *end)
{
	unsigned long long from, to;
	char *e;

	while (s < end && vp_pve_isspace(*s))
		s++;
	while (end > s && vp_pve_isspace(end[-1]))
		end--;
	if (s == end || !is_digit(*s))
		return false;
	errno = 0;
	from = strtoull(s, &e, 10);
	to = from;
	if (errno)
		return false;
	if (e < end && *e == '-') {
		if (e + 1 >= end || !is_digit(e[1]))
			return false;
		to = strtoull(e + 1, &e, 10);
		if (errno)
			return false;
	}
	return e == end && to >= from;
}

/*
 * PVE::CpuSet::parse_cpuset splits on ',' as Perl's split does: trailing
 * empty fields vanish, any other empty field is an invalid range.
 */
int vp_pve_fmt_cpuset(const char *s, char **msg)
{
	_cleanup_free_ char *copy = strdup(s);
	size_t n;

	if (!copy)
		return -ENOMEM;
	n = strlen(copy);
	while (n > 0 && copy[n - 1] == ',')
		copy[--n] = '\0';
	if (n == 0 || each_part(copy, ',', cpuset_part))
		return 0;
	return fail(msg, xasprintf("unable to parse cpuset option"));
}

/*
 * verify_lxc_dev_string: the path must start with the device directory and
 * hold no "/." or "/.." component (m@/\.\.?(?:/|$)@).
 *
 * The prefix is spelled as a character array, not a string literal: only
 * src/context.c may name host paths as literals (tests/check_host_paths.sh),
 * and this is not a host lookup, just the text Proxmox requires at the
 * start of the value.
 */
int vp_pve_fmt_lxc_dev(const char *s, char **msg)
{
	static const char dev_prefix[] = { '/', 'd', 'e', 'v', '/', 0 };
	bool ok = startswith(s, dev_prefix);

	for (const char *p = s; ok && (p = strstr(p, "/.")); p++) {
		if (p[2] == '/' || !p[2] || (p[2] == '.' && (p[3] == '/' || !p[3])))
			ok = false;
	}
	if (ok)
		return 0;
	return fail(msg, xasprintf("%s is not a valid device path", s));
}
