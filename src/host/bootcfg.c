// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "host/bootcfg.h"

#define GRUB_VAR       "GRUB_CMDLINE_LINUX_DEFAULT"
#define GRUB_VAR_LINUX "GRUB_CMDLINE_LINUX"

/* A parameter token: [start, end) in the string, its name ending at keyend. */
struct tok {
	size_t start, end, keyend;
};

/* Split as the kernel does (lib/cmdline.c): white space separates, quotes group. */
static size_t tokens(const char *s, struct tok *t, size_t max)
{
	size_t n = 0, i = 0;

	while (s[i]) {
		bool q = false;
		size_t st;

		while (s[i] && isspace((unsigned char)s[i]))
			i++;
		if (!s[i])
			break;
		st = i;
		while (s[i] && (q || !isspace((unsigned char)s[i]))) {
			if (s[i] == '"')
				q = !q;
			i++;
		}
		if (n < max) {
			size_t k = st;

			while (k < i && s[k] != '=')
				k++;
			t[n] = (struct tok){ st, i, k };
		}
		n++;
	}
	return n;
}

/* kernel/params.c parameq: '-' and '_' are one in names. */
static bool key_is(const char *s, const struct tok *t, const char *key)
{
	size_t n = t->keyend - t->start;

	if (strlen(key) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s[t->start + i] == '-' ? '_' : s[t->start + i];
		char b = key[i] == '-' ? '_' : key[i];

		if (a != b)
			return false;
	}
	return true;
}

static int refuse(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record why the boot files cannot be edited with certainty. */
static int refuse(char **why, const char *fmt, ...)
{
	va_list ap;

	free(*why);
	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return -EBADMSG;
}

#define MAX_TOKENS 512

char *vp_cmdline_value(const char *line, const char *key)
{
	struct tok t[MAX_TOKENS];
	size_t n = tokens(line, t, MAX_TOKENS);
	char *v = NULL;

	for (size_t i = 0; i < n && i < MAX_TOKENS; i++) {
		if (!key_is(line, &t[i], key))
			continue;
		free(v);
		v = t[i].keyend < t[i].end
			    ? strndup(line + t[i].keyend + 1, t[i].end - t[i].keyend - 1)
			    : strdup("");
	}
	return v;
}

int vp_cmdline_check(const char *line, char **why)
{
	size_t quotes = 0;

	for (const char *q = line; (q = strchr(q, '"')); q++)
		quotes++;
	/* lib/cmdline.c next_arg: an open '"' takes the rest of the line. */
	if (quotes % 2)
		return refuse(why, "an unbalanced '\"' (the kernel would read the rest "
				   "of the line, and any parameter added after it, as "
				   "one parameter)");
	if (tokens(line, NULL, 0) > MAX_TOKENS)
		return refuse(why, "more than %d parameters, more than vfio-pilot edits",
			      MAX_TOKENS);
	return 0;
}

int vp_cmdline_edit(const char *line, const struct vp_param_change *ch, size_t nch,
		    char **out)
{
	size_t quotes = 0;
	char *cur;

	/*
	 * An unterminated '"' groups the rest of the line into one parameter
	 * (lib/cmdline.c next_arg), so an appended parameter would be swallowed
	 * by it: the edit could not take effect and would be repeated on every
	 * apply. Found by tests/fuzz/fuzz_cmdline.
	 */
	for (const char *q = line; (q = strchr(q, '"')); q++)
		quotes++;
	if (quotes % 2)
		return -EBADMSG;
	cur = strdup(line);
	if (!cur)
		return -ENOMEM;
	for (size_t c = 0; c < nch; c++) {
		struct tok t[MAX_TOKENS];
		size_t n = tokens(cur, t, MAX_TOKENS);
		_cleanup_free_ char *param = NULL;
		char *next = NULL;
		ssize_t last = -1;

		/* An empty name would match "=value" tokens: nothing to change. */
		if (!ch[c].key[0])
			continue;
		if (n > MAX_TOKENS) {
			free(cur);
			return -E2BIG;
		}
		for (size_t i = 0; i < n; i++)
			if (key_is(cur, &t[i], ch[c].key))
				last = (ssize_t)i;
		if (ch[c].value) {
			param = ch[c].value[0]
					? xasprintf("%s=%s", ch[c].key, ch[c].value)
					: strdup(ch[c].key);
			if (!param)
				goto nomem;
			if (last >= 0) {
				/*
				 * The last occurrence is the one in effect; change its
				 * value in place and keep its spelling of the name.
				 */
				const struct tok *l = &t[last];

				next = ch[c].value[0]
					       ? xasprintf("%.*s=%s%s", (int)l->keyend,
							   cur, ch[c].value, cur + l->end)
					       : xasprintf("%.*s%s", (int)l->keyend, cur,
							   cur + l->end);
			} else {
				size_t len = strlen(cur);

				while (len && isspace((unsigned char)cur[len - 1]))
					len--;
				next = xasprintf("%.*s%s%s%s", (int)len, cur,
						 len ? " " : "", param, cur + len);
			}
		} else {
			/*
			 * Remove every occurrence with the white space before it (after
			 * it, for what leads the line), built front to back: removing
			 * in place from the end used offsets of the original line and
			 * left one of " - -" behind (found by tests/fuzz/fuzz_cmdline).
			 */
			size_t len = strlen(cur), pos = 0, o = 0;
			bool kept = false;

			next = malloc(len + 1);
			for (size_t i = 0; next && i < n; i++) {
				size_t st = t[i].start, end = t[i].end;

				if (!key_is(cur, &t[i], ch[c].key)) {
					kept = true;
					continue;
				}
				if (kept) {
					while (st > pos &&
					       isspace((unsigned char)cur[st - 1]))
						st--;
				} else {
					st = pos;
					while (end < len &&
					       isspace((unsigned char)cur[end]))
						end++;
				}
				memcpy(next + o, cur + pos, st - pos);
				o += st - pos;
				pos = end;
			}
			if (next) {
				memcpy(next + o, cur + pos, len - pos);
				next[o + len - pos] = '\0';
			}
		}
		if (!next)
			goto nomem;
		free(cur);
		cur = next;
	}
	*out = cur;
	return 0;
nomem:
	free(cur);
	return -ENOMEM;
}

/*
 * GRUB's settings, read as /bin/sh reads them when grub-mkconfig sources
 * them (util/grub-mkconfig.in): /etc/default/grub "if test -f", then each
 * name of the glob "default/grub.d" "*.cfg" "if [ -e ]". /bin/sh is dash on Debian and
 * Proxmox VE; its glob skips names starting with '.' and sorts with strcmp
 * (dash src/expand.c expsort). Nothing is run: only a small grammar whose
 * meaning is certain is accepted, and anything else is refused with its
 * file and line (the grammar is in docs/host-setup.md):
 *  - blank lines, comments, and commands separated by newlines or ';';
 *  - a command is one or more assignments NAME=WORD of GRUB_* names, or
 *    "export" followed by NAME or NAME=WORD operands;
 *  - a WORD is made of plain characters, backslash escapes, '...', "..."
 *    (with \" \\ \$ \` escapes), $NAME and ${NAME}; a `...` or $(...)
 *    command substitution is accepted only in variables other than the two
 *    command lines, whose value then becomes unknown.
 * A variable read before any assignment is empty when it is a GRUB_* name
 * (update-grub's environment is assumed clean), and unknown when it is one
 * grub-mkconfig computes itself (GRUB_DEVICE*, GRUB_FS) or any other name.
 */
#define GRUB_VALUE_MAX 65536

enum {
	CX_PLAIN = 'p',
	CX_SQ = 's',
	CX_DQ = 'd',
	CX_EXP_PLAIN = 'P', /* from a $NAME outside quotes */
	CX_EXP_DQ = 'D',    /* from a $NAME inside "..." */
};

/* One byte of a value: where it was spelled in the file. */
struct vchar {
	size_t ss, se; /* its source bytes, or those of its expansion */
	unsigned part; /* a quoted region, a plain run or one expansion */
	char cx;
};

/* A place inside a quoted region, or the word's end, where text can go. */
struct slot {
	size_t pos, voff;
	char cx;
};

struct vp_grubmap {
	size_t n;
	struct vchar *c;
	struct slot *slots;
	size_t nslots;
	bool simple; /* the word is one plain run without escapes */
};

static void grubmap_free(struct vp_grubmap *m)
{
	if (!m)
		return;
	free(m->c);
	free(m->slots);
	free(m);
}

struct gvar {
	char *name;
	char *val; /* NULL: not certain */
};

struct gstate {
	struct gvar *vars;
	size_t nvars;
	struct strv subs, texts; /* every file read, in order */
	/* the definition of GRUB_CMDLINE_LINUX_DEFAULT in effect */
	bool found;
	size_t def_file, def_ws, def_we;
	unsigned def_line;
	/* and of GRUB_CMDLINE_LINUX */
	size_t other_file;
	unsigned other_line;
	struct vp_grubmap *def;
	char **why;
	/* the file being read */
	const char *sub, *t;
	size_t len, i;
	unsigned line;
};

/* A value being built, with its spelling when @m is set. */
struct vbuild {
	char *s;
	size_t n, cap;
	struct vp_grubmap *m;
	size_t mcap, scap;
	char *unknown; /* why the value is not certain, NULL when it is */
	unsigned part;
	char lastcx;
};

static int bad(struct gstate *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Refuse at the current line of the current file. */
static int bad(struct gstate *st, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return refuse(st->why,
		      "/%s line %u: %s; the command line it gives cannot be read "
		      "with certainty (vfio-pilot reads only the grammar in "
		      "host-setup.md); edit it by hand",
		      st->sub, st->line, what);
}

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static bool is_cmdline_var(const char *name, size_t n)
{
	return (n == strlen(GRUB_VAR) && !strncmp(name, GRUB_VAR, n)) ||
	       (n == strlen(GRUB_VAR_LINUX) && !strncmp(name, GRUB_VAR_LINUX, n));
}

static int vb_put(struct gstate *st, struct vbuild *vb, char ch, size_t ss, size_t se,
		  char cx)
{
	if (vb->n + 1 >= GRUB_VALUE_MAX)
		return bad(st, "a value longer than %d bytes", GRUB_VALUE_MAX);
	if (vb->n + 2 > vb->cap) {
		size_t cap = vb->cap ? vb->cap * 2 : 64;
		char *s = realloc(vb->s, cap);

		if (!s)
			return -ENOMEM;
		vb->s = s;
		vb->cap = cap;
	}
	if (vb->m) {
		if (vb->n + 1 > vb->mcap) {
			size_t cap = vb->mcap ? vb->mcap * 2 : 64;
			struct vchar *c = realloc(vb->m->c, cap * sizeof(*c));

			if (!c)
				return -ENOMEM;
			vb->m->c = c;
			vb->mcap = cap;
		}
		if (cx != vb->lastcx)
			vb->part++;
		vb->m->c[vb->n] = (struct vchar){ ss, se, vb->part, cx };
		vb->m->n = vb->n + 1;
	}
	vb->lastcx = cx;
	vb->s[vb->n++] = ch;
	vb->s[vb->n] = '\0';
	return 0;
}

static int vb_slot(struct vbuild *vb, size_t pos, char cx)
{
	struct slot *s;

	if (!vb->m)
		return 0;
	if (vb->m->nslots + 1 > vb->scap) {
		vb->scap = vb->scap ? vb->scap * 2 : 8;
		s = realloc(vb->m->slots, vb->scap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		vb->m->slots = s;
	}
	vb->m->slots[vb->m->nslots++] = (struct slot){ pos, vb->n, cx };
	return 0;
}

/* Start a new part: a quoted region or an expansion. */
static void vb_part(struct vbuild *vb, char cx)
{
	vb->part++;
	vb->lastcx = cx;
}

static int vb_unknown(struct vbuild *vb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int vb_unknown(struct vbuild *vb, const char *fmt, ...)
{
	va_list ap;
	int r = 0;

	if (vb->unknown)
		return 0;
	va_start(ap, fmt);
	if (vasprintf(&vb->unknown, fmt, ap) < 0) {
		vb->unknown = NULL;
		r = -ENOMEM;
	}
	va_end(ap);
	return r;
}

static const struct gvar *var_find(const struct gstate *st, const char *name, size_t n)
{
	for (size_t k = 0; k < st->nvars; k++)
		if (strlen(st->vars[k].name) == n && !strncmp(st->vars[k].name, name, n))
			return &st->vars[k];
	return NULL;
}

/* $NAME or ${NAME} at st->i (after its '$'), ending at @end. */
static int expand(struct gstate *st, struct vbuild *vb, const char *name, size_t n,
		  size_t start, size_t end, char cx, bool strict)
{
	const struct gvar *v = var_find(st, name, n);

	if (!v && startswith(name, "GRUB_") && strncmp(name, "GRUB_DEVICE", 11) != 0 &&
	    !(n == 7 && !strncmp(name, "GRUB_FS", 7)))
		return 0; /* never assigned: empty */
	if (!v || !v->val) {
		if (strict)
			return bad(st,
				   "$%.*s, whose value is not certain, in a command line",
				   (int)n, name);
		return vb_unknown(vb, "$%.*s", (int)n, name);
	}
	vb_part(vb, 0);
	for (const char *c = v->val; *c; c++) {
		int r = vb_put(st, vb, *c, start, end, cx);

		if (r < 0)
			return r;
	}
	vb_part(vb, 0);
	return 0;
}

/* The extent of a `...` starting at @i; the index of its closing '`'. */
static int backquote_end(struct gstate *st, size_t i, size_t *end)
{
	unsigned line = st->line;

	for (size_t j = i + 1; j < st->len; j++) {
		if (st->t[j] == '\\' && j + 1 < st->len) {
			if (st->t[++j] == '\n')
				line++;
			continue;
		}
		if (st->t[j] == '\n')
			line++;
		if (st->t[j] == '`') {
			*end = j;
			st->line = line;
			return 0;
		}
	}
	return bad(st, "an unterminated `");
}

/*
 * The extent of a $( ... ) starting at @i (its '$'). Parentheses nest;
 * quotes and escapes are skipped. A "case" (whose patterns end in an
 * unbalanced ')'), a comment or a here-document is refused, since the end
 * could not be found without a full parser.
 */
static int dollar_paren_end(struct gstate *st, size_t i, size_t *end)
{
	const char *t = st->t;
	unsigned depth = 1, line = st->line;

	for (size_t j = i + 2; j < st->len; j++) {
		char c = t[j];

		if (c == '\n')
			line++;
		if (c == '\\') {
			j++;
			continue;
		}
		if (c == '\'' || c == '"' || c == '`') {
			size_t k = j + 1;

			while (k < st->len && t[k] != c) {
				if (c != '\'' && t[k] == '\\')
					k++;
				k++;
			}
			if (k >= st->len)
				break;
			for (size_t x = j; x < k; x++)
				line += t[x] == '\n';
			j = k;
			continue;
		}
		if (c == '#' || (c == '<' && j + 1 < st->len && t[j + 1] == '<') ||
		    ((j == 0 || !name_char(t[j - 1])) && !strncmp(t + j, "case", 4) &&
		     (j + 4 >= st->len || !name_char(t[j + 4]))))
			return bad(st, "a $(...) holding a comment, a here-document or "
				       "a case");
		if (c == '(')
			depth++;
		if (c == ')' && --depth == 0) {
			*end = j;
			st->line = line;
			return 0;
		}
	}
	return bad(st, "an unterminated $(");
}

/* A '$' at st->i, in plain text or inside "...". */
static int dollar(struct gstate *st, struct vbuild *vb, bool dq, bool strict,
		  bool exported)
{
	const char *t = st->t;
	size_t i = st->i, len = st->len, end = 0;
	char n = i + 1 < len ? t[i + 1] : '\0';
	char cx = dq ? CX_EXP_DQ : CX_EXP_PLAIN;
	int r;

	if (name_start(n) || n == '{' || n == '(' || n == '`') {
		/* Old dash split an unquoted operand of export into fields. */
		if (exported && !dq)
			return bad(st, "an unquoted expansion in an export");
		if (vb->m)
			vb->m->simple = false;
	}
	if (name_start(n)) {
		size_t k = i + 1;

		while (k < len && name_char(t[k]))
			k++;
		st->i = k;
		return expand(st, vb, t + i + 1, k - i - 1, i, k, cx, strict);
	}
	if (n == '{') {
		size_t k = i + 2;

		while (k < len && name_char(t[k]))
			k++;
		if (k == i + 2 || !name_start(t[i + 2]) || k >= len || t[k] != '}')
			return bad(st, "a ${...} other than ${NAME}");
		st->i = k + 1;
		return expand(st, vb, t + i + 2, k - i - 2, i, k + 1, cx, strict);
	}
	if (n == '(') {
		if (i + 2 < len && t[i + 2] == '(')
			return bad(st, "an arithmetic expansion $((...))");
		if (strict)
			return bad(st, "a command substitution in a command line");
		r = dollar_paren_end(st, i, &end);
		if (r < 0)
			return r;
		st->i = end + 1;
		return vb_unknown(vb, "a command substitution");
	}
	if ((n >= '0' && n <= '9') || (n && strchr("@*#?-$!", n)))
		return bad(st, "the special parameter $%c", n);
	if (!dq && (n == '\'' || n == '"'))
		return bad(st, "$%c quoting, which shells read differently", n);
	/* A '$' that starts nothing is itself. */
	st->i = i + 1;
	return vb_put(st, vb, '$', i, i + 1, dq ? CX_DQ : CX_PLAIN);
}

static int backquote(struct gstate *st, struct vbuild *vb, bool strict, bool exported,
		     bool dq)
{
	size_t end = 0;
	int r;

	if (strict)
		return bad(st, "a command substitution in a command line");
	if (exported && !dq)
		return bad(st, "an unquoted command substitution in an export");
	r = backquote_end(st, st->i, &end);
	if (r < 0)
		return r;
	st->i = end + 1;
	if (vb->m)
		vb->m->simple = false;
	return vb_unknown(vb, "a command substitution");
}

static int dquote(struct gstate *st, struct vbuild *vb, bool strict, bool exported)
{
	const char *t = st->t;
	unsigned opened = st->line;
	int r;

	vb_part(vb, CX_DQ);
	st->i++;
	r = vb_slot(vb, st->i, CX_DQ);
	while (r == 0) {
		size_t i = st->i;
		char c;

		if (i >= st->len) {
			st->line = opened;
			return bad(st, "an unterminated \"");
		}
		c = t[i];
		if (c == '"') {
			r = vb_slot(vb, i, CX_DQ);
			st->i = i + 1;
			vb_part(vb, 0);
			return r;
		}
		if (c == '\\' && i + 1 < st->len && t[i + 1] == '\n')
			return bad(st, "a line continued with a backslash");
		if (c == '\\' && i + 1 < st->len && strchr("$`\"\\", t[i + 1])) {
			r = vb_put(st, vb, t[i + 1], i, i + 2, CX_DQ);
			st->i = i + 2;
		} else if (c == '$') {
			r = dollar(st, vb, true, strict, exported);
		} else if (c == '`') {
			r = backquote(st, vb, strict, exported, true);
		} else {
			if (c == '\n')
				st->line++;
			r = vb_put(st, vb, c, i, i + 1, CX_DQ);
			st->i = i + 1;
		}
	}
	return r;
}

static int squote(struct gstate *st, struct vbuild *vb)
{
	unsigned opened = st->line;
	int r;

	vb_part(vb, CX_SQ);
	st->i++;
	r = vb_slot(vb, st->i, CX_SQ);
	while (r == 0) {
		size_t i = st->i;

		if (i >= st->len) {
			st->line = opened;
			return bad(st, "an unterminated '");
		}
		if (st->t[i] == '\'') {
			r = vb_slot(vb, i, CX_SQ);
			st->i = i + 1;
			vb_part(vb, 0);
			return r;
		}
		if (st->t[i] == '\n')
			st->line++;
		r = vb_put(st, vb, st->t[i], i, i + 1, CX_SQ);
		st->i = i + 1;
	}
	return r;
}

static bool word_end(const struct gstate *st)
{
	return st->i >= st->len || strchr(" \t\n;", st->t[st->i]);
}

/* The WORD of an assignment, from st->i to its end. */
static int word(struct gstate *st, struct vbuild *vb, bool strict, bool exported)
{
	int r = 0;

	if (vb->m)
		vb->m->simple = true;
	while (r == 0 && !word_end(st)) {
		size_t i = st->i;
		char c = st->t[i];

		if (strchr("&|<>()", c))
			return bad(st, "the shell operator '%c'", c);
		if (c == '\'' || c == '"') {
			if (vb->m)
				vb->m->simple = false;
			r = c == '"' ? dquote(st, vb, strict, exported) : squote(st, vb);
		} else if (c == '$') {
			r = dollar(st, vb, false, strict, exported);
		} else if (c == '`') {
			r = backquote(st, vb, strict, exported, false);
		} else if (c == '\\') {
			if (i + 1 >= st->len)
				return bad(st, "a backslash at the end of the file");
			if (st->t[i + 1] == '\n')
				return bad(st, "a line continued with a backslash");
			if (vb->m)
				vb->m->simple = false;
			r = vb_put(st, vb, st->t[i + 1], i, i + 2, CX_PLAIN);
			st->i = i + 2;
		} else if (c == '~') {
			return bad(st, "an unquoted ~ (tilde expansion)");
		} else if (exported && strchr("*?[", c)) {
			return bad(st, "an unquoted pattern character in an export");
		} else {
			r = vb_put(st, vb, c, i, i + 1, CX_PLAIN);
			st->i = i + 1;
		}
	}
	if (r == 0)
		r = vb_slot(vb, st->i, CX_PLAIN);
	return r;
}

static int var_set(struct gstate *st, const char *name, size_t n, char *val)
{
	struct gvar *v = (struct gvar *)var_find(st, name, n), *nv;

	if (v) {
		free(v->val);
		v->val = val;
		return 0;
	}
	nv = realloc(st->vars, (st->nvars + 1) * sizeof(*nv));
	if (!nv) {
		free(val);
		return -ENOMEM;
	}
	st->vars = nv;
	nv[st->nvars].name = strndup(name, n);
	nv[st->nvars].val = val;
	if (!nv[st->nvars].name) {
		free(val);
		return -ENOMEM;
	}
	st->nvars++;
	return 0;
}

/* NAME=WORD at st->i; the name is @n bytes long. */
static int assignment(struct gstate *st, size_t n, bool exported)
{
	const char *name = st->t + st->i;
	bool strict = is_cmdline_var(name, n);
	bool is_default = strict && n == strlen(GRUB_VAR);
	struct vbuild vb = { 0 };
	unsigned line = st->line;
	size_t ws;
	int r;

	if (n < 5 || strncmp(name, "GRUB_", 5) != 0)
		return bad(st, "an assignment to %.*s (only GRUB_* variables are read)",
			   (int)n, name);
	if (is_default) {
		vb.m = calloc(1, sizeof(*vb.m));
		if (!vb.m)
			return -ENOMEM;
	}
	st->i += n + 1;
	ws = st->i;
	vb.s = calloc(1, vb.cap = 64); /* an empty value is "" */
	r = vb.s ? word(st, &vb, strict, exported) : -ENOMEM;
	if (r == 0 && strict && memchr(vb.s, '\n', vb.n)) {
		st->line = line;
		r = bad(st, "a line break inside the value of %.*s", (int)n, name);
	}
	if (r < 0) {
		free(vb.s);
		free(vb.unknown);
		grubmap_free(vb.m);
		return r;
	}
	if (is_default) {
		grubmap_free(st->def);
		st->def = TAKE_PTR(vb.m);
		st->found = true;
		st->def_file = st->subs.n - 1;
		st->def_line = line;
		st->def_ws = ws;
		st->def_we = st->i;
	}
	if (strict && !is_default) {
		st->other_file = st->subs.n - 1;
		st->other_line = line;
	}
	if (vb.unknown) {
		free(vb.s);
		vb.s = NULL;
	}
	free(vb.unknown);
	return var_set(st, name, n, vb.s);
}

static bool is_control_word(const char *w, size_t n)
{
	static const char *const kw[] = { "if",	      "then",	"elif", "else",	 "fi",
					  "case",     "esac",	"for",	"while", "until",
					  "do",	      "done",	"{",	"}",	 "!",
					  "function", "select", "[[" };

	for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
		if (strlen(kw[i]) == n && strncmp(w, kw[i], n) == 0)
			return true;
	return false;
}

/* One simple command: assignments only, or export with its operands. */
static int command(struct gstate *st)
{
	bool exported = false;

	for (unsigned nw = 0;; nw++) {
		const char *w;
		size_t n = 0, wl;
		int r;

		while (st->i < st->len && (st->t[st->i] == ' ' || st->t[st->i] == '\t'))
			st->i++;
		if (word_end(st) || st->t[st->i] == '#') {
			if (nw == 1 && exported)
				return bad(st, "export without a name");
			return 0;
		}
		w = st->t + st->i;
		if (w[0] == '\\' && w[1] == '\n')
			return bad(st, "a line continued with a backslash");
		if (name_start(w[0]))
			while (st->i + n < st->len && name_char(w[n]))
				n++;
		if (n && st->i + n < st->len && w[n] == '=') {
			r = assignment(st, n, exported);
			if (r < 0)
				return r;
			continue;
		}
		if (nw == 0 && n == 6 && !strncmp(w, "export", 6) &&
		    st->i + 6 < st->len && (w[6] == ' ' || w[6] == '\t')) {
			exported = true;
			st->i += 6;
			continue;
		}
		if (exported && n && (st->i + n >= st->len || strchr(" \t\n;", w[n]))) {
			if (n < 5 || strncmp(w, "GRUB_", 5) != 0)
				return bad(st,
					   "an export of %.*s (only GRUB_* variables "
					   "are read)",
					   (int)n, w);
			st->i += n;
			continue;
		}
		wl = strcspn(w, " \t\n;");
		if (st->i + wl > st->len)
			wl = st->len - st->i;
		if (is_control_word(w, wl))
			return bad(st, "shell control flow (%.*s)", (int)wl, w);
		for (size_t k = 0; k < wl; k++)
			if (strchr("&|<>()", w[k]))
				return bad(st, "the shell operator '%c'", w[k]);
		return bad(st, "the command '%.*s'%s", (int)(wl > 40 ? 40 : wl), w,
			   nw ? " after an assignment" : "");
	}
}

static int parse_file(struct gstate *st)
{
	int r;

	while (st->i < st->len) {
		char c = st->t[st->i];

		if (c == ' ' || c == '\t') {
			st->i++;
		} else if (c == '\n') {
			st->line++;
			st->i++;
		} else if (c == '#') {
			while (st->i < st->len && st->t[st->i] != '\n')
				st->i++;
		} else if (c == ';') {
			return bad(st, "an empty command before ';'");
		} else {
			r = command(st);
			if (r < 0)
				return r;
			if (st->i < st->len && st->t[st->i] == ';') {
				st->i++;
				while (st->i < st->len &&
				       (st->t[st->i] == ' ' || st->t[st->i] == '\t'))
					st->i++;
				if (st->i < st->len && st->t[st->i] == ';')
					return bad(st, "';;' outside a case");
			}
		}
	}
	return 0;
}

/* Read one sourced file into the state; a file that does not exist is skipped. */
static int grub_file(struct vp_ctx *ctx, struct gstate *st, const char *sub, bool *exists)
{
	_cleanup_free_ char *text = NULL;
	struct vp_file_state fs;
	size_t len;
	int r;

	*exists = false;
	r = vp_file_read(ctx, VP_ROOT, sub, &text, &len, &fs);
	/* vp_file_read: -EINVAL not a regular file, -EFBIG over 16 MiB. */
	if (r == -EINVAL || r == -EFBIG)
		return refuse(st->why, "/%s is not a GRUB settings file (%s)", sub,
			      r == -EFBIG ? "larger than 16 MiB" : "not a regular file");
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return refuse(st->why, "/%s cannot be read: %s", sub, strerror(-r));
	if (!fs.exists)
		return 0;
	*exists = true;
	if (memchr(text, '\0', len))
		return refuse(st->why, "/%s is not a text file (it holds a NUL byte)",
			      sub);
	if (strv_add(&st->subs, sub) < 0)
		return -ENOMEM;
	r = strv_push(&st->texts, TAKE_PTR(text));
	if (r < 0)
		return r;
	st->sub = st->subs.v[st->subs.n - 1];
	st->t = st->texts.v[st->texts.n - 1];
	st->len = len;
	st->i = 0;
	st->line = 1;
	return parse_file(st);
}

static void gstate_free(struct gstate *st)
{
	for (size_t k = 0; k < st->nvars; k++) {
		free(st->vars[k].name);
		free(st->vars[k].val);
	}
	free(st->vars);
	strv_free(&st->subs);
	strv_free(&st->texts);
	grubmap_free(st->def);
}

static int load_grub(struct vp_ctx *ctx, struct vp_bootcmd *b, char **why)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_(strv_free) struct strv cfgs = { 0 };
	struct gstate st = { .why = why };
	const struct gvar *v;
	struct dirent *e;
	bool exists, main_exists;
	int r;

	r = grub_file(ctx, &st, "etc/default/grub", &main_exists);
	if (r < 0)
		goto out;
	if (vp_opendirf(ctx, VP_ETC, &dir, "default/grub.d") == 0) {
		while ((e = readdir(dir))) {
			size_t n = strlen(e->d_name);

			/* The glob *.cfg: no hidden names. */
			if (e->d_name[0] != '.' && n > 4 &&
			    streq(e->d_name + n - 4, ".cfg") &&
			    strv_add(&cfgs, e->d_name) < 0) {
				r = -ENOMEM;
				goto out;
			}
		}
		strv_sort(&cfgs);
	}
	for (size_t i = 0; i < cfgs.n; i++) {
		_cleanup_free_ char *sub = xasprintf("etc/default/grub.d/%s", cfgs.v[i]);

		r = sub ? grub_file(ctx, &st, sub, &exists) : -ENOMEM;
		if (r < 0)
			goto out;
	}
	v = var_find(&st, GRUB_VAR_LINUX, strlen(GRUB_VAR_LINUX));
	if (v && v->val) {
		b->other = strdup(v->val);
		b->other_sub = strdup(st.subs.v[st.other_file]);
		b->other_line = st.other_line;
		if (!b->other || !b->other_sub) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (st.found) {
		b->sub = strdup(st.subs.v[st.def_file]);
		b->text = TAKE_PTR(st.texts.v[st.def_file]);
		b->len = strlen(b->text);
		b->vstart = st.def_ws;
		b->vend = st.def_we;
		b->line = st.def_line;
		b->map = TAKE_PTR(st.def);
		v = var_find(&st, GRUB_VAR, strlen(GRUB_VAR));
		b->value = v && v->val ? strdup(v->val) : NULL;
		if (!b->sub || !b->value)
			r = -ENOMEM;
		goto out;
	}
	/* No definition: one is appended to /etc/default/grub. */
	b->sub = strdup("etc/default/grub");
	b->value = strdup("");
	b->missing = true;
	if (!b->sub || !b->value) {
		r = -ENOMEM;
		goto out;
	}
	if (!main_exists) {
		r = refuse(why, "/%s does not exist", b->sub);
		goto out;
	}
	b->text = TAKE_PTR(st.texts.v[0]);
	b->len = strlen(b->text);
	b->line = 1;
	for (const char *c = b->text; *c; c++)
		b->line += *c == '\n';
out:
	gstate_free(&st);
	return r;
}

/* Characters that need no quoting inside a word of an assignment. */
static bool plain_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]) && !strchr("./,:=+@%-", s[i]))
			return false;
	return true;
}

/*
 * @s spelled for context @cx: inside "...", inside '...', or as plain word
 * text, where each character that needs it gets a backslash (not quotes: a
 * quote after a literal '$' would read as $'...', which shells differ on;
 * found by comparing with dash). @escape_first escapes the first character
 * even if plain, so it cannot extend a $NAME before it.
 */
static char *spell(const char *s, size_t n, char cx, bool escape_first)
{
	size_t o = 0;
	char *out = malloc(4 * n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (cx == CX_PLAIN && ((i == 0 && escape_first) || !plain_safe(s + i, 1)))
			out[o++] = '\\';
		if (cx == CX_DQ && strchr("\"$`\\", s[i]))
			out[o++] = '\\';
		if (cx == CX_SQ && s[i] == '\'') {
			/* close the quote, an escaped ', open again */
			memcpy(out + o, "'\\''", 4);
			o += 4;
			continue;
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/*
 * Would text starting with a name character, put at @pos, join a $NAME
 * ending there into a longer name?
 */
static bool glues_to_name(const char *text, size_t pos, const char *ins)
{
	size_t k = pos;

	if (!ins[0] || !name_char(ins[0]))
		return false;
	while (k > 0 && name_char(text[k - 1]))
		k--;
	return k > 0 && k < pos && text[k - 1] == '$';
}

static int grub_render(const struct vp_bootcmd *b, const char *value, char **out,
		       size_t *len)
{
	const struct vp_grubmap *m = b->map;
	const char *old = b->value;
	size_t on = strlen(old), nn = strlen(value), p = 0, s = 0, q, from, to;
	_cleanup_free_ char *ins = NULL;
	const char *t;
	char cx = 0;

	/* A line break would end GRUB's linux line (and the shell's word). */
	if (strchr(value, '\n'))
		return -EINVAL;
	if (b->missing) {
		_cleanup_free_ char *v = spell(value, nn, CX_DQ, false);
		bool nl = b->len == 0 || b->text[b->len - 1] == '\n';

		if (!v)
			return -ENOMEM;
		*out = xasprintf("%.*s%s" GRUB_VAR "=\"%s\"\n", (int)b->len, b->text,
				 nl ? "" : "\n", v);
		goto done;
	}
	while (p < on && p < nn && old[p] == value[p])
		p++;
	while (s < on - p && s < nn - p && old[on - 1 - s] == value[nn - 1 - s])
		s++;
	q = on - s;
	t = value + p;
	if (p == on && p == nn) {
		*out = strndup(b->text, b->len);
		goto done;
	}
	if (m->simple) {
		/* One plain word: written again, quoted if it now needs that. */
		bool bare = nn && plain_safe(value, nn);
		_cleanup_free_ char *w = spell(value, nn, CX_DQ, false);

		if (!w)
			return -ENOMEM;
		*out = xasprintf("%.*s%s%s%s%s", (int)b->vstart, b->text,
				 bare ? "" : "\"", bare ? value : w, bare ? "" : "\"",
				 b->text + b->vend);
		goto done;
	}
	if (q > p) {
		/* Bytes change: they must be one literal run of the file. */
		for (size_t i = p; i < q; i++)
			if (m->c[i].part != m->c[p].part || isupper(m->c[i].cx))
				return -EINVAL;
		cx = m->c[p].cx;
		from = m->c[p].ss;
		to = m->c[q - 1].se;
	} else {
		/* Only an insertion: next to a literal byte, or in a quoted slot. */
		if (p > 0 && !isupper(m->c[p - 1].cx)) {
			cx = m->c[p - 1].cx;
			from = to = m->c[p - 1].se;
		} else if (p < on && !isupper(m->c[p].cx)) {
			cx = m->c[p].cx;
			from = to = m->c[p].ss;
		} else {
			size_t k;

			for (k = 0; k < m->nslots; k++)
				if (m->slots[k].voff == p &&
				    (m->slots[k].cx != CX_DQ ||
				     !glues_to_name(b->text, m->slots[k].pos, t)))
					break;
			if (k == m->nslots)
				return -EINVAL;
			cx = m->slots[k].cx;
			from = to = m->slots[k].pos;
		}
	}
	if (cx == CX_DQ && glues_to_name(b->text, from, t))
		return -EINVAL;
	ins = spell(t, nn - s - p, cx, cx == CX_PLAIN && glues_to_name(b->text, from, t));
	if (!ins)
		return -ENOMEM;
	*out = xasprintf("%.*s%s%s", (int)from, b->text, ins, b->text + to);
done:
	if (!*out)
		return -ENOMEM;
	*len = strlen(*out);
	return 0;
}

/* proxmox-boot-tool reads the first line and insists on root= (zz-proxmox-boot). */
static int load_kernel_cmdline(struct vp_ctx *ctx, struct vp_bootcmd *b, char **why)
{
	struct vp_file_state st;
	const char *nl;
	int r;

	b->sub = strdup("etc/kernel/cmdline");
	r = vp_file_read(ctx, VP_ROOT, b->sub, &b->text, &b->len, &st);
	if (r == -EINVAL || r == -EFBIG)
		return refuse(why, "/%s is not a command line file (%s)", b->sub,
			      r == -EFBIG ? "larger than 16 MiB" : "not a regular file");
	if (r < 0)
		return r;
	if (!st.exists)
		return refuse(why,
			      "/%s is missing on this systemd-boot host; create it first "
			      "(the booted command line without initrd=)",
			      b->sub);
	nl = memchr(b->text, '\n', b->len);
	if (memchr(b->text, '\0', b->len) || (nl && (size_t)(nl - b->text) + 1 != b->len))
		return refuse(why, "/%s must be exactly one line; it has more", b->sub);
	b->vstart = 0;
	b->vend = nl ? (size_t)(nl - b->text) : b->len;
	b->value = strndup(b->text, b->vend);
	if (!b->value)
		return -ENOMEM;
	{
		_cleanup_free_ char *root = vp_cmdline_value(b->value, "root");

		if (!root)
			return refuse(
				why,
				"/%s has no root= parameter; proxmox-boot-tool would "
				"refuse it",
				b->sub);
	}
	return 0;
}

int vp_bootcmd_load(struct vp_ctx *ctx, enum vp_bootloader kind, struct vp_bootcmd *b,
		    char **why)
{
	int r;

	*why = NULL;
	b->kind = kind;
	r = kind == VP_BOOT_SYSTEMD_PBT ? load_kernel_cmdline(ctx, b, why)
					: load_grub(ctx, b, why);
	/* A refused file leaves nothing behind for the caller to free. */
	if (r < 0)
		vp_bootcmd_free(b);
	return r;
}

void vp_bootcmd_free(struct vp_bootcmd *b)
{
	free(b->sub);
	free(b->text);
	free(b->value);
	free(b->other);
	free(b->other_sub);
	grubmap_free(b->map);
	*b = (struct vp_bootcmd){ 0 };
}

int vp_bootcmd_render(const struct vp_bootcmd *b, const char *value, char **out,
		      size_t *len)
{
	if (b->kind != VP_BOOT_SYSTEMD_PBT)
		return grub_render(b, value, out, len);
	if (strchr(value, '\n'))
		return -EINVAL;
	*out = xasprintf("%.*s%s%.*s", (int)b->vstart, b->text, value,
			 (int)(b->len - b->vend), b->text + b->vend);
	if (!*out)
		return -ENOMEM;
	*len = strlen(*out);
	return 0;
}
