// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The GRUB reader against dash. Every form below and every real file in
 * tests/data/grub/ is read by vfio-pilot; what it accepts must give the
 * command lines dash gives when it sources the files as grub-mkconfig does,
 * and every edit vfio-pilot renders must give dash the new command line.
 * What it refuses must be refused with the file and line.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "grub-dash.h"
#include "host/bootcfg.h"
#include "plan/atomic.h"

struct fx {
	char dir[64];
	struct vp_ctx *ctx;
	unsigned edits, unwritable;
};

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void put(struct fx *f, const char *rel, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, rel);
	_cleanup_free_ char *d = strdup(p);
	FILE *fp;

	for (char *s = strchr(d + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(d, 0755);
		*s = '/';
	}
	if (streq(content, "@dir")) {
		assert_int_equal(mkdir(p, 0755), 0);
		return;
	}
	if (streq(content, "@dangling")) {
		assert_int_equal(symlink("no-such-file", p), 0);
		return;
	}
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static void clean(struct fx *f)
{
	_cleanup_free_ char *d = xasprintf("%s/etc", f->dir);

	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vp-bootcfg-XXXXXX");
	if (!mkdtemp(f->dir) || vp_ctx_new(f->dir, &f->ctx) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int r;

	vp_ctx_free(f->ctx);
	r = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return r;
}

/* Record the first thing wrong with the form being checked; false then. */
static bool wrong(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool wrong(char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!*err && vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return false;
}

/* dash's command lines must be @def and @lin (NULL: ""). */
static bool dash_agrees(struct fx *f, char **err, const char *def, const char *lin)
{
	_cleanup_free_ char *d = NULL, *l = NULL;
	int r = grub_dash(f->dir, &d, &l);

	if (r == -ENOENT)
		return wrong(err, "dash is not installed (/usr/bin/dash)");
	if (r < 0)
		return wrong(err, "vfio-pilot accepted what dash fails on (%d)", r);
	if (!streq(d, def))
		return wrong(err,
			     "GRUB_CMDLINE_LINUX_DEFAULT: vfio-pilot '%s', dash '%s'",
			     def, d);
	if (!streq(l, lin ? lin : ""))
		return wrong(err, "GRUB_CMDLINE_LINUX: vfio-pilot '%s', dash '%s'",
			     lin ? lin : "", l);
	return true;
}

static const struct vp_param_change add_pt[] = { { "iommu", "pt" } };
static const struct vp_param_change on_and_drop[] = { { "intel_iommu", "on" },
						      { "quiet", NULL },
						      { "iommu", "pt" } };

static void write_file(struct fx *f, const char *sub, const char *data, size_t len)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, sub);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/*
 * Each edit rendered into the file: dash then sees the new line, and so does
 * vfio-pilot on the next read. An edit that cannot be spelled in the file
 * (it falls inside a $NAME) is refused with -EINVAL, never written wrong.
 */
static bool edits_agree(struct fx *f, char **err, const struct vp_bootcmd *b)
{
	const struct {
		const struct vp_param_change *ch;
		size_t n;
	} e[] = { { add_pt, 1 }, { on_and_drop, 3 } };
	_cleanup_free_ char *same = NULL;
	size_t len;

	/* Its own value renders the file unchanged. */
	if (!b->missing && (vp_bootcmd_render(b, b->value, &same, &len) < 0 ||
			    len != b->len || memcmp(same, b->text, len) != 0))
		return wrong(err, "its own value does not render the file unchanged");
	for (size_t i = 0; i < ARRAY_SIZE(e); i++) {
		_cleanup_free_ char *line = NULL, *out = NULL, *why = NULL;
		_cleanup_free_ char *orig = strndup(b->text, b->len);
		struct vp_bootcmd b2 = { 0 };
		bool ok;
		int r;

		if (vp_cmdline_edit(b->value, e[i].ch, e[i].n, &line) < 0)
			continue;
		r = vp_bootcmd_render(b, line, &out, &len);
		if (r == -EINVAL) {
			f->unwritable++;
			continue;
		}
		if (r < 0)
			return wrong(err, "render: %s", strerror(-r));
		f->edits++;
		write_file(f, b->sub, out, len);
		ok = dash_agrees(f, err, line, b->other);
		r = vp_bootcmd_load(f->ctx, VP_BOOT_GRUB, &b2, &why);
		if (ok && r < 0)
			ok = wrong(err, "the edited file is refused: %s", why);
		if (ok && !streq(b2.value, line))
			ok = wrong(err, "after the edit vfio-pilot reads '%s', not '%s'",
				   b2.value, line);
		if (ok && !streq(b2.other ? b2.other : "", b->other ? b->other : ""))
			ok = wrong(err, "the edit changed GRUB_CMDLINE_LINUX");
		vp_bootcmd_free(&b2);
		write_file(f, b->sub, orig, b->len);
		if (!ok)
			return wrong(err, "(edit to '%s':\n%s)", line, out);
	}
	return true;
}

struct form {
	const char *name;
	const char *grub;      /* /etc/default/grub; NULL: none */
	const char *cfg[3][2]; /* grub.d: name, content ("@dir", "@dangling") */
	const char *refused;   /* part of the refusal; NULL: accepted */
	const char *want;      /* the value vfio-pilot must read */
};

#define Q   "quiet intel_iommu=on"
#define DEF "GRUB_CMDLINE_LINUX_DEFAULT="

static const struct form forms[] = {
	/* Accepted: the shell's value, whatever the spelling. */
	{ "double quotes", DEF "\"" Q "\"\n", .want = Q },
	{ "single quotes", DEF "'" Q "'\n", .want = Q },
	{ "plain word", DEF "quiet\n", .want = "quiet" },
	{ "empty word", DEF "\n", .want = "" },
	{ "empty quotes", DEF "\"\"\n", .want = "" },
	{ "export and a tab", "export\t" DEF "\"" Q "\"\n", .want = Q },
	{ "export and a space", "export " DEF "\"" Q "\"\n", .want = Q },
	{ "export of the name only", DEF "\"" Q "\"\nexport GRUB_CMDLINE_LINUX_DEFAULT\n",
	  .want = Q },
	{ "two assignments on one line", "GRUB_TIMEOUT=1 " DEF "\"" Q "\"\n", .want = Q },
	{ "'#' glued to the quotes", DEF "\"" Q "\"#x\n", .want = Q "#x" },
	{ "'#' inside a plain word", DEF "quiet#x\n", .want = "quiet#x" },
	{ "a comment after a blank", DEF "\"" Q "\"   # c\n", .want = Q },
	{ "';' between assignments", DEF "\"" Q "\";GRUB_TIMEOUT=5\n", .want = Q },
	{ "';' and a comment", DEF "\"" Q "\" ; GRUB_TIMEOUT=5 # c\n", .want = Q },
	{ "indented", "\t  " DEF "\"" Q "\"\n", .want = Q },
	{ "quotes concatenated", DEF "\"quiet\"' splash'\" x\"\n",
	  .want = "quiet splash x" },
	{ "quoted and plain concatenated", DEF "'quiet'\\ splash\n",
	  .want = "quiet splash" },
	{ "escaped quotes inside double quotes", DEF "\"a \\\"b c\\\"\"\n",
	  .want = "a \"b c\"" },
	{ "escaped $ and backslash", DEF "\"a\\$x \\\\ \\q\"\n", .want = "a$x \\ \\q" },
	{ "a lone $", DEF "\"a$ b$\"\n", .want = "a$ b$" },
	/* An edit after a plain '$' once wrote $' iommu=pt', which shells differ on. */
	{ "a plain $ at the end", DEF "quiet\\ a$\n", .want = "quiet a$" },
	{ "quote in single quotes", DEF "'it'\\''s'\n", .want = "it's" },
	{ "the last definition wins", DEF "\"a\"\n" DEF "\"b\"\n", .want = "b" },
	{ "self-reference",
	  DEF "\"quiet\"\n" DEF "\"$GRUB_CMDLINE_LINUX_DEFAULT " Q "\"\n",
	  .want = "quiet " Q },
	{ "braced self-reference",
	  DEF "\"quiet\"\n" DEF "\"${GRUB_CMDLINE_LINUX_DEFAULT}\"\n", .want = "quiet" },
	{ "self-reference, plain", DEF "quiet\n" DEF "$GRUB_CMDLINE_LINUX_DEFAULT\n",
	  .want = "quiet" },
	{ "an unset GRUB_* variable is empty", DEF "\"$GRUB_NOT_SET quiet\"\n",
	  .want = " quiet" },
	{ "other variable", "GRUB_X=\"a b\"\n" DEF "\"$GRUB_X c\"\n", .want = "a b c" },
	{ "two assignments, the second reads the first", "GRUB_X=a " DEF "\"$GRUB_X\"\n",
	  .want = "a" },
	{ "Debian's lsb_release distributor",
	  "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n" DEF
	  "\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	  .want = "quiet" },
	{ "Debian 13's os-release distributor",
	  "GRUB_DISTRIBUTOR=`( . /etc/os-release && echo ${NAME} )`\n" DEF "\"quiet\"\n",
	  .want = "quiet" },
	{ "a $(...) distributor",
	  "GRUB_DISTRIBUTOR=\"$(echo 'a)b' | cut -c1)\"\n" DEF "x\n", .want = "x" },
	{ "CRLF line ends", DEF "\"quiet\"\r\nGRUB_TIMEOUT=5\r\n", .want = "quiet\r" },
	{ "no newline at the end", DEF "\"quiet\"", .want = "quiet" },
	{ "no definition", "GRUB_TIMEOUT=5\n", .want = "" },
	{ "no definition, no newline", "# x", .want = "" },
	/* grub.d: the glob's files, in strcmp order, hidden ones skipped. */
	{ "grub.d overrides",
	  DEF "\"quiet\"\n",
	  { { "50-local.cfg", DEF "\"" Q "\"\n" } },
	  .want = Q },
	{ "hidden grub.d file skipped",
	  DEF "\"" Q "\"\n",
	  { { ".old.cfg", DEF "\"nothing\"\n" } },
	  .want = Q },
	{ "grub.d file not matching *.cfg",
	  DEF "\"" Q "\"\n",
	  { { "50-local.cfg.bak", DEF "\"x\"\n" }, { "cfg", DEF "\"y\"\n" } },
	  .want = Q },
	{ "grub.d strcmp order",
	  DEF "\"a\"\n",
	  { { "10-a.cfg", DEF "\"ten\"\n" },
	    { "9-b.cfg", DEF "\"nine\"\n" },
	    { "Z.cfg", DEF "\"upper\"\n" } },
	  .want = "upper" },
	{ "grub.d lower case after upper case",
	  DEF "\"a\"\n",
	  { { "a.cfg", DEF "\"lower\"\n" }, { "Z.cfg", DEF "\"upper\"\n" } },
	  .want = "lower" },
	{ "grub.d dangling link skipped",
	  DEF "\"" Q "\"\n",
	  { { "99-x.cfg", "@dangling" } },
	  .want = Q },
	{ "grub.d appends to the default",
	  DEF "\"quiet\"\n",
	  { { "60-x.cfg", DEF "\"$GRUB_CMDLINE_LINUX_DEFAULT splash\"\n" } },
	  .want = "quiet splash" },
	/* Proxmox VE's ZFS installs: /etc/default/grub.d/zfs.cfg (the line as in
	 * https://github.com/search?q=proxsave "grub.d/zfs.cfg" fixtures). */
	{ "Proxmox ZFS zfs.cfg",
	  DEF "\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	  { { "zfs.cfg",
	      "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX root=ZFS=rpool/ROOT/pve-1 "
	      "boot=zfs\"\n" } },
	  .want = "quiet" },
	{ "no /etc/default/grub, grub.d defines it",
	  NULL,
	  { { "50-x.cfg", DEF "\"quiet\"\n" } },
	  .want = "quiet" },

	/* Refused, with the file and line. */
	{ "assignment to a non-GRUB name first", "A=1 " DEF "\"" Q "\"\n",
	  .refused = "grub line 1: an assignment to A" },
	{ "readonly", DEF "\"" Q "\"\nreadonly GRUB_CMDLINE_LINUX_DEFAULT\n",
	  .refused = "grub line 2: the command 'readonly'" },
	{ "a later '.'", DEF "\"" Q "\"\n. /etc/default/grub.local\n",
	  .refused = "grub line 2: the command '.'" },
	{ "source", DEF "\"" Q "\"\nsource /x\n",
	  .refused = "line 2: the command 'source'" },
	{ "unset", DEF "\"" Q "\"\nunset GRUB_CMDLINE_LINUX_DEFAULT\n",
	  .refused = "line 2: the command 'unset'" },
	{ "a function", DEF "\"" Q "\"\nf() { " DEF "x; }\n",
	  .refused = "line 2: the shell operator '('" },
	{ "a function keyword", "function f {\n" DEF "x\n}\n",
	  .refused = "line 1: shell control flow (function)" },
	{ "[ ] &&", DEF "\"" Q "\"\n[ -e /x ] && " DEF "\"y\"\n",
	  .refused = "line 2: the command '['" },
	{ "test &&", "test -e /x && " DEF "\"y\"\n",
	  .refused = "line 1: the command 'test'" },
	{ "if", "if true; then\n" DEF "\"a\"\nfi\n",
	  .refused = "shell control flow (if)" },
	{ "grub.d redefinition under control flow",
	  DEF "\"" Q "\"\n",
	  { { "50-x.cfg", "GRUB_TIMEOUT=1\nif [ -e /x ]; then " DEF "y; fi\n" } },
	  .refused = "grub.d/50-x.cfg line 2: shell control flow (if)" },
	{ "a continued line", DEF "\"quiet\" \\\nGRUB_TIMEOUT=1\n",
	  .refused = "line 1: a line continued" },
	{ "a continued line in quotes", DEF "\"quiet \\\nsplash\"\n",
	  .refused = "line 1: a line continued" },
	{ "a line break in the value", DEF "\"quiet\nsplash\"\n",
	  .refused = "line 1: a line break inside" },
	{ "unterminated double quote", "GRUB_TIMEOUT=1\n" DEF "\"quiet\n",
	  .refused = "line 2: an unterminated \"" },
	{ "unterminated single quote", DEF "'quiet\n", .refused = "an unterminated '" },
	{ "a command after the value", DEF "quiet splash\n",
	  .refused = "line 1: the command 'splash' after an assignment" },
	{ "a redirection", DEF "\"quiet\" >/tmp/x\n",
	  .refused = "the shell operator '>'" },
	{ "background", DEF "\"quiet\" &\n", .refused = "the shell operator '&'" },
	{ "a pipe", DEF "\"quiet\" | cat\n", .refused = "the shell operator '|'" },
	{ "tilde", DEF "~/x\n", .refused = "tilde" },
	{ "${X:-y}", DEF "\"${GRUB_X:-quiet}\"\n", .refused = "other than ${NAME}" },
	{ "$1", DEF "\"$1\"\n", .refused = "special parameter $1" },
	{ "$((...))", DEF "\"$((1+1))\"\n", .refused = "arithmetic" },
	{ "$(...) in the command line", DEF "\"$(cat /x)\"\n",
	  .refused = "a command substitution in a command line" },
	{ "`...` in the command line", DEF "\"`cat /x`\"\n",
	  .refused = "a command substitution in a command line" },
	{ "a variable from a command substitution",
	  "GRUB_X=`echo quiet`\n" DEF "\"$GRUB_X\"\n",
	  .refused = "line 2: $GRUB_X, whose value is not certain" },
	{ "a variable grub-mkconfig computes", DEF "\"root=$GRUB_DEVICE\"\n",
	  .refused = "$GRUB_DEVICE, whose value is not certain" },
	{ "a variable from the environment", DEF "\"$HOME\"\n",
	  .refused = "$HOME, whose value is not certain" },
	{ "export with an unquoted expansion", "GRUB_X=a\nexport " DEF "$GRUB_X\n",
	  .refused = "an unquoted expansion in an export" },
	{ "export of another name", "export LANG=C\n",
	  .refused = "an assignment to LANG" },
	{ "eval", "eval \"" DEF "x\"\n", .refused = "the command 'eval'" },
	{ "alias", "alias x=y\n", .refused = "the command 'alias'" },
	{ "set", "set -u\n", .refused = "the command 'set'" },
	{ "';;'", DEF "x;;\n", .refused = "';;' outside a case" },
	{ "an empty command", ";\n", .refused = "an empty command" },
	{ "a subshell", "(" DEF "x)\n", .refused = "the shell operator '('" },
	{ "a case in $(...)", "GRUB_X=$(case a in a) echo;; esac)\n",
	  .refused = "a case" },
	{ "+=", DEF "a\nGRUB_CMDLINE_LINUX_DEFAULT+=b\n", .refused = "the command" },
	{ "no file to append a definition to",
	  NULL,
	  { { "x.cfg", "" } },
	  .refused = "/etc/default/grub does not exist" },
	{ "a grub.d directory named *.cfg",
	  DEF "\"" Q "\"\n",
	  { { "50-x.cfg", "@dir" } },
	  .refused = "grub.d/50-x.cfg is not a GRUB settings file (not a regular file)" },
	{ "a backslash at the end", DEF "x\\", .refused = "a backslash at the end" },
	{ "a value over 64 KiB",
	  "GRUB_X=0123456789abcdef0123456789abcdef\nGRUB_X=$GRUB_X$GRUB_X$GRUB_X$GRUB_X\n"
	  "GRUB_X=$GRUB_X$GRUB_X$GRUB_X$GRUB_X\nGRUB_X=$GRUB_X$GRUB_X$GRUB_X$GRUB_X\n"
	  "GRUB_X=$GRUB_X$GRUB_X$GRUB_X$GRUB_X\nGRUB_X=$GRUB_X$GRUB_X$GRUB_X$GRUB_X\n"
	  "GRUB_X=$GRUB_X$GRUB_X$GRUB_X$GRUB_X\n",
	  .refused = "line 7: a value longer than" },
};

/* NULL, or what is wrong with this form. */
static char *one_form(struct fx *f, const struct form *c)
{
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL;
	char *err = NULL;
	int r;

	clean(f);
	if (c->grub)
		put(f, "etc/default/grub", c->grub);
	for (size_t i = 0; i < ARRAY_SIZE(c->cfg) && c->cfg[i][0]; i++) {
		_cleanup_free_ char *rel =
			xasprintf("etc/default/grub.d/%s", c->cfg[i][0]);

		put(f, rel, c->cfg[i][1]);
	}
	r = vp_bootcmd_load(f->ctx, VP_BOOT_GRUB, &b, &why);
	if (c->refused) {
		if (r != -EBADMSG)
			wrong(&err, "accepted (%d), value '%s'", r,
			      b.value ? b.value : "");
		else if (!why || !strstr(why, c->refused))
			wrong(&err, "refusal '%s' lacks '%s'", why, c->refused);
	} else if (r < 0) {
		wrong(&err, "refused: %s", why ? why : strerror(-r));
	} else if (c->want && !streq(b.value, c->want)) {
		wrong(&err, "value '%s', want '%s'", b.value, c->want);
	} else if (dash_agrees(f, &err, b.value, b.other)) {
		edits_agree(f, &err, &b);
	}
	vp_bootcmd_free(&b);
	return err;
}

/* Every form is checked; all that are wrong are listed, then the test fails. */
static void grub_forms(void **state)
{
	struct fx *f = *state;
	unsigned accepted = 0, refused = 0, bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		_cleanup_free_ char *err = one_form(f, &forms[i]);

		forms[i].refused ? refused++ : accepted++;
		if (err) {
			print_message("# WRONG: %s: %s\n", forms[i].name, err);
			bad++;
		}
	}
	print_message("# %u forms accepted, %u refused; %u edits checked with dash, "
		      "%u could not be spelled in the file\n",
		      accepted, refused, f->edits, f->unwritable);
	assert_int_equal(bad, 0);
	/* The edits really ran: at least one written per accepted form. */
	assert_true(f->edits >= accepted);
}

/* A NUL byte: dash and GRUB disagree on such files; refused. */
static void grub_nul(void **state)
{
	struct fx *f = *state;
	struct vp_bootcmd b = { 0 };
	_cleanup_free_ char *why = NULL, *p = NULL;
	FILE *fp;

	clean(f);
	put(f, "etc/default/grub", "");
	p = xasprintf("%s/etc/default/grub", f->dir);
	fp = fopen(p, "w");
	fwrite(DEF "a\0b\n", 1, sizeof(DEF) + 4, fp);
	fclose(fp);
	assert_int_equal(vp_bootcmd_load(f->ctx, VP_BOOT_GRUB, &b, &why), -EBADMSG);
	assert_non_null(strstr(why, "NUL"));
	vp_bootcmd_free(&b);
}

/* Real files (tests/data/grub/SOURCES), each as /etc/default/grub. */
static void grub_real_files(void **state)
{
	struct fx *f = *state;
	const char *dir = getenv("VP_GRUB_DATA");
	struct dirent **ents = NULL;
	unsigned n = 0;
	int k;

	assert_non_null(dir);
	k = scandir(dir, &ents, NULL, alphasort);
	assert_true(k > 0);
	for (int i = 0; i < k; i++) {
		const char *name = ents[i]->d_name;
		size_t l = strlen(name);

		if (l > 5 && streq(name + l - 5, ".grub")) {
			_cleanup_free_ char *p = xasprintf("%s/%s", dir, name),
					    *text = NULL;
			struct form c = { .name = name };
			FILE *fp = fopen(p, "r");
			size_t cap = 0;

			assert_non_null(fp);
			assert_true(getdelim(&text, &cap, '\0', fp) > 0);
			fclose(fp);
			c.grub = text;
			{
				_cleanup_free_ char *err = one_form(f, &c);

				if (err)
					fail_msg("%s: %s", name, err);
			}
			n++;
		}
		free(ents[i]);
	}
	free(ents);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(grub_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(grub_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(grub_real_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
