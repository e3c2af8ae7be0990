// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kb/scan.c, the scanner behind explain, on real pasted reports from
 * tests/realworld/ ($VP_REALWORLD_DATA; each file names its source URL):
 * CRLF, NUL and colour bytes normalized, invalid UTF-8 cleaned, a line past
 * the cap cut and counted, devices and IOMMU groups captured, the hits in
 * their documented order, nothing from a log no row knows; then which of a
 * fixture host's devices and groups a hit is about ($VP_FIXTURES).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "context.h"
#include "host/host.h"
#include "kb/scan.h"
#include "kb/signatures.h"
#include "util.h"

/*
 * A file of tests/realworld/, whole; *@len its size. Without
 * VP_REALWORLD_DATA (tests/run's valgrind pass sets only the older
 * variables) the corpus is found from the source tree's top.
 */
static char *corpus(const char *name, size_t *len)
{
	const char *dir = getenv("VP_REALWORLD_DATA");
	_cleanup_free_ char *path = NULL;
	char *buf;
	FILE *f;
	long n;

	if (!dir)
		dir = "tests/realworld";
	path = xasprintf("%s/%s", dir, name);
	assert_non_null(path);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* The first line of corpus file @name that contains @needle, without its '\n'. */
static char *corpus_line(const char *name, const char *needle)
{
	size_t len;
	_cleanup_free_ char *buf = corpus(name, &len);
	const char *p = strstr(buf, needle), *start, *end;

	if (!p)
		fail_msg("%s has no line with '%s'", name, needle);
	for (start = p; start > buf && start[-1] != '\n'; start--)
		;
	end = strchrnul(p, '\n');
	return strndup(start, (size_t)(end - start));
}

static size_t row(const char *id)
{
	for (size_t i = 0; i < vp_sig_count(); i++)
		if (streq(vp_sig_at(i)->id, id))
			return i;
	fail_msg("no signature row '%s'", id);
	return 0;
}

static const struct vp_scan_hit *hit(const struct vp_scan *x, const char *id)
{
	return &x->hits[row(id)];
}

/* Rows hit, in vp_scan_order()'s order, as "id,id,...". */
static char *hit_ids(const struct vp_scan *x)
{
	_cleanup_free_ size_t *order = calloc(x->nsig, sizeof(*order));
	char *s = strdup("");
	size_t n;

	assert_non_null(order);
	assert_int_equal(vp_scan_order(x, order, &n), 0);
	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? "," : "", vp_sig_at(order[i])->id);

		free(s);
		s = t;
	}
	assert_non_null(s);
	return s;
}

static void scan_str(struct vp_scan *x, const char *s, size_t len)
{
	assert_int_equal(vp_scan_init(x), 0);
	assert_int_equal(vp_scan_text(x, s, len), 0);
}

/* ---- normalizing: CRLF, NUL, colour ---- */

static void normalize(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen(in) */
		const char *want;
		bool binary;
	} t[] = {
		{ "TASK OK\r", 0, "TASK OK", false },
		{ "a\rb", 0, "a b", false },
		{ "a\0b", 3, "a b", true },
		{ "\x7f", 0, " ", true },
		{ "tab\tkept", 0, "tab\tkept", false },
		/* dmesg --color=always: SGR sequences gone, the text kept */
		{ "\x1b[33mvfio-pci\x1b[0m 0000:03:00.0", 0, "vfio-pci 0000:03:00.0",
		  false },
		/* a lone ESC is not binary: blanked, but the line is text */
		{ "a\033b", 3, "a b", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char buf[64];
		bool binary = false;
		size_t len = t[i].len ? t[i].len : strlen(t[i].in), n;

		memcpy(buf, t[i].in, len);
		n = vp_scan_normalize(buf, len, &binary);
		if (n != strlen(t[i].want) || strcmp(buf, t[i].want) ||
		    binary != t[i].binary)
			fail_msg("case %zu: got '%s' (%zu, binary %d)", i, buf, n,
				 binary);
	}
}

/*
 * The same report saved with CRLF line ends (a Windows editor, a browser's
 * copy) gives the same hits, lines and kept text as with LF.
 */
static void crlf(void **state)
{
	static const char name[] = "issue--ryzen-gpu-pve-131-task-ok-reset-warning.txt";
	size_t len, o = 0;
	_cleanup_free_ char *lf = corpus(name, &len);
	_cleanup_free_ char *cr = malloc(2 * len + 1);
	_cleanup_(vp_scan_free) struct vp_scan a = { 0 };
	_cleanup_(vp_scan_free) struct vp_scan b = { 0 };
	const struct vp_scan_hit *ha, *hb;

	(void)state;
	assert_non_null(cr);
	for (size_t i = 0; i < len; i++) {
		if (lf[i] == '\n')
			cr[o++] = '\r';
		cr[o++] = lf[i];
	}
	scan_str(&a, lf, len);
	scan_str(&b, cr, o);
	assert_int_equal(a.nread, 10);
	assert_int_equal(b.nread, a.nread);
	assert_int_equal(b.nmatched, 4);
	assert_int_equal(b.nskipped, 4); /* the four "# source:" ... label lines */
	assert_int_equal(b.nbinary, 0);
	ha = hit(&a, "sysfs-reset-enotty");
	hb = hit(&b, "sysfs-reset-enotty");
	assert_int_equal(hb->nlines, ha->nlines);
	assert_int_equal(hb->nkept, ha->nkept);
	for (size_t i = 0; i < hb->nkept; i++) {
		assert_int_equal(hb->kept[i].no, ha->kept[i].no);
		assert_string_equal(hb->kept[i].text, ha->kept[i].text);
		assert_null(strchr(hb->kept[i].text, '\r'));
	}
}

/*
 * A NUL inside a real line (a log file cut by a crash, a paste through a
 * terminal) is a blank: the line still matches, and is counted as binary.
 * A run of NULs alone, as a journal file's preallocated tail, is blank.
 */
static void nul(void **state)
{
	static const char name[] =
		"task_log--qemu-cannot-reset-depends-on-group-not-owned-rembrandt-audio.txt";
	_cleanup_free_ char *line = corpus_line(name, "Cannot reset device");
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	size_t len = strlen(line);
	char *sp = strchr(line, ' ');
	char buf[512], zeros[64] = { 0 };
	const struct vp_scan_hit *h;

	(void)state;
	assert_non_null(sp);
	assert_true(len + sizeof(zeros) + 2 < sizeof(buf));
	memcpy(buf, line, len);
	buf[sp - line] = '\0'; /* "qemu-system-x86_64:\0vfio: Cannot reset ..." */
	buf[len] = '\n';
	memcpy(buf + len + 1, zeros, sizeof(zeros));
	buf[len + 1 + sizeof(zeros)] = '\n';
	scan_str(&x, buf, len + sizeof(zeros) + 2);
	assert_int_equal(x.nread, 2);
	assert_int_equal(x.nbinary, 2);
	assert_int_equal(x.nskipped, 1);
	assert_int_equal(x.nmatched, 1);
	h = hit(&x, "reset-group-not-owned");
	assert_int_equal(h->nlines, 1);
	assert_string_equal(h->kept[0].text, line);
}

/* ---- invalid UTF-8 ---- */

static void utf8(void **state)
{
	static const char name[] = "issue--ryzen-gpu-pve-131-task-ok-reset-warning.txt";
	_cleanup_free_ char *line = corpus_line(name, "Inappropriate ioctl");
	_cleanup_free_ char *bad = NULL, *want = NULL;
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	const char *host = strstr(line, "pve2 ");
	const struct vp_scan_hit *h;

	(void)state;
	assert_non_null(host);
	/*
	 * The journal's host name in a Latin-1 terminal, and each kind of
	 * sequence RFC 3629 forbids: a stray continuation byte, a truncated
	 * sequence, an overlong form, a surrogate, a code point past U+10FFFF.
	 * Valid UTF-8 (the "ü") stays as it is.
	 */
	bad = xasprintf("%.*sp\xfc"
			"ve2 \xbf\xc3\x28 \xe0\x80\x80 \xed\xa0\x80 "
			"\xf4\x90\x80\x80 \xc3\xbc%s\n",
			(int)(host - line), line, host + 4);
	/* "?" "?(" apart: "??(" would be a trigraph */
	want = xasprintf("%.*sp?ve2 ?"
			 "?( ??? ??? ???? \xc3\xbc%s",
			 (int)(host - line), line, host + 4);
	assert_non_null(bad);
	assert_non_null(want);
	scan_str(&x, bad, strlen(bad));
	h = hit(&x, "sysfs-reset-enotty");
	assert_int_equal(h->nlines, 1);
	assert_string_equal(h->kept[0].text, want);
	assert_int_equal(x.nbinary, 0); /* invalid UTF-8 is text, not binary */
}

/* vp_scan_clean() leaves valid text alone and cuts on a character boundary. */
static void clean(void **state)
{
	/* vm_config--pve-habr-...: its source line names the article's section in Russian
	 */
	static const char name[] =
		"vm_config--pve-habr-article-win10-gpu-plus-usbctrl-WORKING.txt";
	_cleanup_free_ char *line = corpus_line(name, "# source:");
	_cleanup_free_ char *same = vp_scan_clean(line, VP_SCAN_TEXT_MAX);
	_cleanup_free_ char *cut = vp_scan_clean("\xd0\x9f\xd0\xa0", 3); /* "ПР" */
	_cleanup_free_ char *bytes = vp_scan_clean("\xd0\xd0\xa0", 3);
	bool utf8 = false;

	(void)state;
	for (const char *p = line; *p; p++)
		utf8 |= (unsigned char)*p >= 0x80;
	assert_true(utf8);
	assert_true(strlen(line) < VP_SCAN_TEXT_MAX);
	assert_string_equal(same, line);
	/* 3 bytes: one 2-byte character fits, the second would not */
	assert_string_equal(cut, "\xd0\x9f...");
	/* a lead byte without its continuation is one '?' */
	assert_string_equal(bytes, "?\xd0\xa0");
}

/* ---- the line cap ---- */

/*
 * The libvirt line of task_log--libvirt-group-not-viable-...: the message
 * explain knows is at its end. Past VP_SCAN_LINE_MAX bytes a line is matched
 * on its start only: the message before the cut is found, after it is not,
 * and the line is counted as cut either way.
 */
static void long_line(void **state)
{
	static const char name[] = "task_log--libvirt-group-not-viable-arch-gpu-rom.txt";
	_cleanup_free_ char *line = corpus_line(name, "is not viable");
	size_t len = strlen(line), pad = VP_SCAN_LINE_MAX;
	_cleanup_free_ char *buf = malloc(2 * len + 3 * pad + 3);
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	const struct vp_scan_hit *h;
	size_t o = 0;

	(void)state;
	assert_non_null(buf);
	/* line 1: the message, then a long tail; line 2: a long head, then it */
	memcpy(buf + o, line, len);
	o += len;
	memset(buf + o, 'x', pad);
	o += pad;
	buf[o++] = '\n';
	memset(buf + o, 'x', pad);
	o += pad;
	memcpy(buf + o, line, len);
	o += len;
	buf[o++] = '\n';
	/* line 3: exactly the cap, not cut */
	memset(buf + o, 'y', VP_SCAN_LINE_MAX);
	o += VP_SCAN_LINE_MAX;
	buf[o++] = '\n';
	scan_str(&x, buf, o);
	assert_int_equal(x.nread, 3);
	assert_int_equal(x.ncut, 2);
	assert_int_equal(x.nmatched, 1);
	h = hit(&x, "group-not-viable");
	assert_int_equal(h->nlines, 1);
	assert_int_equal(h->first, 1);
	/* kept: VP_SCAN_TEXT_MAX bytes and "..." */
	assert_int_equal(strlen(h->kept[0].text), VP_SCAN_TEXT_MAX + 3);
	assert_true(len < VP_SCAN_TEXT_MAX);
	assert_memory_equal(h->kept[0].text, line, len);
	assert_string_equal(h->kept[0].text + VP_SCAN_TEXT_MAX, "...");
}

/* ---- captures ---- */

static void captures(void **state)
{
	size_t len;
	_cleanup_free_ char *a = corpus(
		"task_log--qemu-cannot-reset-depends-on-group-not-owned-rembrandt-audio.txt",
		&len);
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	_cleanup_(vp_scan_free) struct vp_scan y = { 0 };
	_cleanup_(vp_scan_free) struct vp_scan z = { 0 };
	_cleanup_free_ char *b = NULL, *c = NULL, *shortform = NULL;
	const struct vp_scan_hit *h;

	(void)state;
	/* the same message twice: one device, one group, two lines */
	scan_str(&x, a, len);
	h = hit(&x, "reset-group-not-owned");
	assert_int_equal(h->nlines, 2);
	assert_int_equal(h->first, 5);
	assert_int_equal(h->nkept, 2);
	assert_int_equal(h->kept[0].no, 5);
	assert_int_equal(h->kept[1].no, 6);
	assert_int_equal(h->ndevs, 1);
	assert_string_equal(h->devs[0], "0000:33:00.6");
	assert_int_equal(h->ngroups, 1);
	assert_int_equal(h->groups[0], 16);

	/* two devices over four lines, each once, in the order of the log */
	b = corpus("issue--ryzen-gpu-pve-131-task-ok-reset-warning.txt", &len);
	scan_str(&y, b, len);
	h = hit(&y, "sysfs-reset-enotty");
	assert_int_equal(h->nlines, 4);
	assert_int_equal(h->ndevs, 2);
	assert_string_equal(h->devs[0], "0000:10:00.0");
	assert_string_equal(h->devs[1], "0000:7b:00.0");
	assert_int_equal(h->ngroups, 0);

	/* QEMU's libvirt error; the address without its domain is the same device */
	c = corpus_line("task_log--libvirt-group-not-viable-arch-gpu-rom.txt",
			"is not viable");
	shortform = xasprintf("%s\nkvm: vfio 09:00.0: group 2 is not viable\n", c);
	assert_non_null(shortform);
	scan_str(&z, shortform, strlen(shortform));
	h = hit(&z, "group-not-viable");
	assert_int_equal(h->nlines, 2);
	assert_int_equal(h->ndevs, 1);
	assert_string_equal(h->devs[0], "0000:09:00.0");
	assert_int_equal(h->ngroups, 1);
	assert_int_equal(h->groups[0], 2);
}

/* ---- the order of the hits ---- */

/*
 * As scan.h documents vp_scan_order() (docs/explain.md the first rule): by
 * the first line a row matched; rows that first match on the same line by
 * the table.
 */
static void order(void **state)
{
	static const char name[] =
		"task_log--pve-vendor-reset-hookscript-unsupported-reset-method-qemu-assert.txt";
	size_t len;
	_cleanup_free_ char *buf = corpus(name, &len);
	_cleanup_free_ char *ids = NULL, *ids2 = NULL, *one = NULL;
	_cleanup_free_ char *exited = corpus_line(name, "QEMU exited with code");
	_cleanup_free_ char *assert_line = corpus_line(name, "Assertion");
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	_cleanup_(vp_scan_free) struct vp_scan y = { 0 };

	(void)state;
	/* the table has them in another order than the log */
	assert_true(row("qemu-irq-assert") < row("reset-method-unsupported"));
	assert_true(row("reset-method-unsupported") < row("qemu-exited"));
	scan_str(&x, buf, len);
	ids = hit_ids(&x);
	assert_string_equal(ids, "qemu-irq-assert,qemu-exited,reset-method-unsupported");
	assert_int_equal(hit(&x, "qemu-irq-assert")->first, 9);
	assert_int_equal(hit(&x, "qemu-exited")->first, 10);
	assert_int_equal(hit(&x, "reset-method-unsupported")->first, 12);
	assert_int_equal(hit(&x, "reset-method-unsupported")->nlines, 5);

	/* a paste flattened onto one line: the table decides, not the column */
	one = xasprintf("%s %s\n", exited, assert_line);
	assert_non_null(one);
	scan_str(&y, one, strlen(one));
	ids2 = hit_ids(&y);
	assert_string_equal(ids2, "qemu-irq-assert,qemu-exited");
	assert_int_equal(y.nmatched, 1);
}

/* ---- nothing known ---- */

/* A healthy VT-d start (cause: none): every line read, none matched. */
static void nothing(void **state)
{
	size_t len;
	_cleanup_free_ char *buf = corpus(
		"dmesg--pve-n305-dmar-iommu-enabled-inconsistent-features.txt", &len);
	_cleanup_free_ char *ids = NULL;
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	_cleanup_(vp_scan_free) struct vp_scan e = { 0 };

	(void)state;
	scan_str(&x, buf, len);
	assert_int_equal(x.nread, 22);
	assert_int_equal(x.nmatched, 0);
	assert_int_equal(x.ncut, 0);
	assert_int_equal(x.nbinary, 0);
	for (size_t i = 0; i < x.nsig; i++)
		assert_int_equal(x.hits[i].nlines, 0);
	ids = hit_ids(&x);
	assert_string_equal(ids, "");

	/* and an empty input reads no line at all */
	scan_str(&e, "", 0);
	assert_int_equal(e.nread, 0);
}

/* ---- a message wrapped over two lines ---- */

static void wrapped(void **state)
{
	static const char name[] =
		"issue--kubevirt-17694-non-root-libvirt-memlock-eperm.txt";
	size_t len;
	_cleanup_free_ char *buf = corpus(name, &len);
	_cleanup_free_ char *head = corpus_line(name, "cannot limit locked memory");
	_cleanup_free_ char *tail = corpus_line(name, "of process 111");
	_cleanup_free_ char *one = xasprintf("%s %s\n", head, tail);
	_cleanup_free_ char *three = xasprintf("%s\n%s\n%s\n", head, head, tail);
	_cleanup_free_ char *gap = xasprintf("%s\n\n%s\n", head, tail);
	_cleanup_free_ char *shortl = xasprintf("cannot limit locked memory\n%s\n", tail);
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 }, j = { 0 }, t = { 0 }, g = { 0 },
					       s = { 0 };
	const struct vp_scan_hit *h;

	(void)state;
	/* The real paste: libvirt's message cut after "locked memory". */
	scan_str(&x, buf, len);
	h = hit(&x, "libvirt-memlock-denied");
	assert_int_equal(h->nlines, 1);
	assert_int_equal(h->first, 5); /* where the message starts */
	assert_non_null(strstr(h->kept[0].text, "memory of process 111 to"));
	assert_int_equal(x.nmatched, 2);
	/* the same message on one line matches alone */
	scan_str(&j, one, strlen(one));
	assert_int_equal(hit(&j, "libvirt-memlock-denied")->nlines, 1);
	assert_int_equal(j.nmatched, 1);
	/* a cut message repeated: its second start is joined with the rest */
	scan_str(&t, three, strlen(three));
	assert_int_equal(hit(&t, "libvirt-memlock-denied")->nlines, 1);
	assert_int_equal(hit(&t, "libvirt-memlock-denied")->first, 2);
	assert_int_equal(t.nmatched, 2);
	/* lines apart are not one message; nor is a short line a wrapped one */
	scan_str(&g, gap, strlen(gap));
	assert_int_equal(hit(&g, "libvirt-memlock-denied")->nlines, 0);
	scan_str(&s, shortl, strlen(shortl));
	assert_int_equal(hit(&s, "libvirt-memlock-denied")->nlines, 0);
}

/* ---- this host ---- */

static struct vp_host *load(const char *name, struct vp_ctx **ctxp)
{
	const char *dir = getenv("VP_FIXTURES");
	_cleanup_free_ char *root = NULL;
	struct vp_host *h = NULL;

	if (!dir)
		fail_msg("VP_FIXTURES is not set");
	root = xasprintf("%s/%s", dir, name);
	assert_non_null(root);
	assert_int_equal(vp_ctx_new(root, ctxp), 0);
	assert_int_equal(vp_host_load(*ctxp, &h), 0);
	return h;
}

/*
 * The RX 5700 XT fixture (Navi 10 at 03:00.0, its audio at 03:00.1, group 2):
 * the devices and groups lines name, found or not; the host drivers that keep
 * a group from a guest.
 */
static void host_named(void **state)
{
	static const char log[] =
		"vfio-pci 0000:03:00.0: Unsupported reset method 'device_specific'\n"
		"kvm: vfio 0000:03:00.0: group 2 is not viable\n"
		"kvm: vfio 0000:03:00.0: group 9999999 is not viable\n"
		/* task_log--qemu-cannot-reset-...: a device this host does not have */
		"qemu-system-x86_64: vfio: Cannot reset device 0000:33:00.6, depends on "
		"group 16 which is not owned.\n";
	struct vp_ctx *ctx;
	struct vp_host *h = load("rx5700xt", &ctx);
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	struct vp_scan_host m;
	size_t busy = 0;

	(void)state;
	scan_str(&x, log, strlen(log));
	vp_scan_host_match(h, vp_sig_find("reset-method-unsupported"),
			   hit(&x, "reset-method-unsupported"), &m);
	assert_false(m.vendor);
	assert_int_equal(m.ndevs, 1);
	assert_non_null(m.devs[0].dev);
	assert_string_equal(m.devs[0].dev->addr, "0000:03:00.0");
	assert_int_equal(m.ngroups, 0);

	vp_scan_host_match(h, vp_sig_find("group-not-viable"),
			   hit(&x, "group-not-viable"), &m);
	assert_int_equal(m.ngroups, 2);
	assert_int_equal(m.groups[0].id, 2);
	assert_non_null(m.groups[0].grp);
	for (size_t i = 0; i < m.groups[0].grp->n; i++) {
		const struct vp_dev *d = m.groups[0].grp->members[i];

		if (vp_scan_on_host_driver(d)) {
			assert_false(d->is_bridge);
			busy++;
		}
	}
	assert_int_equal(busy, 2); /* amdgpu and snd_hda_intel */
	assert_int_equal(m.groups[1].id, 9999999);
	assert_null(m.groups[1].grp);

	vp_scan_host_match(h, vp_sig_find("reset-group-not-owned"),
			   hit(&x, "reset-group-not-owned"), &m);
	assert_int_equal(m.ndevs, 1);
	assert_string_equal(m.devs[0].addr, "0000:33:00.6");
	assert_null(m.devs[0].dev);
	assert_int_equal(m.ngroups, 1);
	assert_int_equal(m.groups[0].id, 16);
	assert_null(m.groups[0].grp);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

/*
 * A row about Intel's iGPU whose lines name no device (issue
 * gvt-linux#19): the host's Intel integrated display on the N100 fixture,
 * none on the Raphael one (an AMD APU).
 */
static void host_vendor(void **state)
{
	static const char name[] = "issue--gvt-linux-19-igd-opregion-no-such-device.txt";
	size_t len;
	_cleanup_free_ char *buf = corpus(name, &len);
	_cleanup_(vp_scan_free) struct vp_scan x = { 0 };
	const struct vp_sig *s = vp_sig_find("igd-opregion-unsupported");
	struct vp_ctx *ctx;
	struct vp_host *h;
	struct vp_scan_host m;

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->vendor, 0x8086);
	scan_str(&x, buf, len);
	assert_int_equal(hit(&x, s->id)->ndevs, 0);

	h = load("n100-minipc", &ctx);
	vp_scan_host_match(h, s, hit(&x, s->id), &m);
	assert_true(m.vendor);
	assert_int_equal(m.ndevs, 1);
	assert_string_equal(m.devs[0].addr, "0000:00:02.0");
	assert_ptr_equal(m.devs[0].dev, vp_host_find_addr(h, "0000:00:02.0"));
	vp_host_free(h);
	vp_ctx_free(ctx);

	h = load("raphael-igpu", &ctx);
	vp_scan_host_match(h, s, hit(&x, s->id), &m);
	assert_true(m.vendor);
	assert_int_equal(m.ndevs, 0);
	vp_host_free(h);
	vp_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalize),   cmocka_unit_test(crlf),
		cmocka_unit_test(nul),	       cmocka_unit_test(utf8),
		cmocka_unit_test(clean),       cmocka_unit_test(long_line),
		cmocka_unit_test(captures),    cmocka_unit_test(order),
		cmocka_unit_test(nothing),     cmocka_unit_test(host_named),
		cmocka_unit_test(host_vendor), cmocka_unit_test(wrapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
