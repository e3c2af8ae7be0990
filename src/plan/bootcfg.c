// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "plan/atomic.h"
#include "plan/bootcfg.h"

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

static bool is_control_word(const char *w, size_t n)
{
	static const char *const kw[] = { "if",	  "then", "elif",     "else",  "fi",
					  "case", "esac", "for",      "while", "until",
					  "do",	  "done", "function", "{",     "}" };

	for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
		if (strlen(kw[i]) == n && strncmp(w, kw[i], n) == 0)
			return true;
	return false;
}

/*
 * One assignment VAR=value on a line of a sourced shell file. Only forms
 * whose value is certain are accepted: "..." without $, ` or \; '...';
 * or a plain word. Returns 1 when @var is assigned on the line, 0 when not,
 * -EBADMSG when it is but the value is not certain.
 */
static int parse_assign(const char *line, const char *var, size_t *vs, size_t *ve,
			char *quote)
{
	const char *p = line, *v;
	size_t n = strlen(var);

	while (*p == ' ' || *p == '\t')
		p++;
	if (startswith(p, "export "))
		p += 7;
	if (strncmp(p, var, n) != 0 || p[n] != '=')
		return 0;
	v = p + n + 1;
	if (*v == '"' || *v == '\'') {
		const char *end = strchr(v + 1, *v);

		if (!end)
			return -EBADMSG;
		if (*v == '"')
			for (const char *c = v + 1; c < end; c++)
				if (*c == '$' || *c == '`' || *c == '\\')
					return -EBADMSG;
		*quote = *v;
		*vs = (size_t)(v + 1 - line);
		*ve = (size_t)(end - line);
		v = end + 1;
	} else {
		const char *c = v;

		while (*c && !isspace((unsigned char)*c)) {
			if (strchr("$`\\\"';&|<>()", *c))
				return -EBADMSG;
			c++;
		}
		*quote = 0;
		*vs = (size_t)(v - line);
		*ve = (size_t)(c - line);
		v = c;
	}
	while (*v == ' ' || *v == '\t')
		v++;
	/* Only a comment may follow. */
	return (*v == '\0' || *v == '#') ? 1 : -EBADMSG;
}

struct grubdef {
	char *sub;
	char *text;
	size_t len;
	size_t vs, ve; /* offsets in text */
	char quote;
	bool found;
};

/* Scan one sourced file for @var; keep its last definition. */
static int scan_grub_file(struct vp_ctx *ctx, const char *sub, const char *var,
			  struct grubdef *d, char **why)
{
	_cleanup_free_ char *text = NULL;
	struct vp_file_state st;
	size_t len, off = 0;
	bool in_heredoc = false;
	int r;

	r = vp_file_read(ctx, VP_ROOT, sub, &text, &len, &st);
	/* vp_file_read: -EINVAL not a regular file, -EFBIG over 16 MiB. */
	if (r == -EINVAL || r == -EFBIG)
		return refuse(why, "/%s is not a GRUB settings file (%s)", sub,
			      r == -EFBIG ? "larger than 16 MiB" : "not a regular file");
	if (r < 0 || !st.exists)
		return r;
	if (memchr(text, '\0', len))
		return refuse(why, "/%s is not a text file", sub);
	while (off < len) {
		char *nl = memchr(text + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - text) : len;
		_cleanup_free_ char *line = strndup(text + off, end - off);
		const char *w;
		size_t vs, ve;
		char q;

		if (!line)
			return -ENOMEM;
		w = line + strspn(line, " \t");
		if (*w && *w != '#') {
			size_t wl = strcspn(w, " \t;");

			if (is_control_word(w, wl) || strstr(line, "<<"))
				in_heredoc = true;
			if (line[strlen(line) ? strlen(line) - 1 : 0] == '\\')
				in_heredoc = true; /* continued lines */
		}
		r = parse_assign(line, var, &vs, &ve, &q);
		if (r < 0)
			return refuse(
				why,
				"/%s: the %s line cannot be read with certainty "
				"(quoting, $ or a command substitution); edit it by hand",
				sub, var);
		if (r == 1) {
			free(d->sub);
			free(d->text);
			d->sub = strdup(sub);
			d->text = NULL;
			d->vs = off + vs;
			d->ve = off + ve;
			d->quote = q;
			d->found = true;
		}
		off = end + 1;
	}
	if (in_heredoc && d->found)
		return refuse(
			why,
			"/%s uses shell control flow or continued lines; vfio-pilot "
			"will not guess which %s is in effect",
			sub, var);
	if (d->found && streq(d->sub, sub)) {
		d->text = TAKE_PTR(text);
		d->len = len;
	}
	return 0;
}

/* grub-mkconfig sources /etc/default/grub, then the grub.d .cfg files in glob order. */
static int grub_effective(struct vp_ctx *ctx, const char *var, struct grubdef *d,
			  char **why)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_(strv_free) struct strv cfgs = { 0 };
	struct dirent *e;
	int r;

	r = scan_grub_file(ctx, "etc/default/grub", var, d, why);
	if (r < 0)
		return r;
	if (vp_opendirf(ctx, VP_ETC, &dir, "default/grub.d") == 0) {
		while ((e = readdir(dir))) {
			size_t n = strlen(e->d_name);

			if (n > 4 && streq(e->d_name + n - 4, ".cfg"))
				strv_add(&cfgs, e->d_name);
		}
		strv_sort(&cfgs);
	}
	for (size_t i = 0; i < cfgs.n; i++) {
		_cleanup_free_ char *sub = xasprintf("etc/default/grub.d/%s", cfgs.v[i]);

		if (!sub)
			return -ENOMEM;
		r = scan_grub_file(ctx, sub, var, d, why);
		if (r < 0)
			return r;
	}
	/* The winning file's text was dropped if a later file only looked; read it again.
	 */
	if (d->found && !d->text) {
		struct vp_file_state st;

		r = vp_file_read(ctx, VP_ROOT, d->sub, &d->text, &d->len, &st);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_grub(struct vp_ctx *ctx, struct vp_bootcmd *b, char **why)
{
	struct grubdef d = { 0 }, l = { 0 };
	int r;

	r = grub_effective(ctx, GRUB_VAR, &d, why);
	if (r == 0)
		r = grub_effective(ctx, GRUB_VAR_LINUX, &l, why);
	if (r < 0)
		goto out;
	if (l.found)
		b->other = strndup(l.text + l.vs, l.ve - l.vs);
	if (d.found) {
		b->sub = TAKE_PTR(d.sub);
		b->text = TAKE_PTR(d.text);
		b->len = d.len;
		b->vstart = d.vs;
		b->vend = d.ve;
		b->quote = d.quote;
		b->value = strndup(b->text + b->vstart, b->vend - b->vstart);
	} else {
		struct vp_file_state st;

		/* As if a definition were found: refused where control flow follows. */
		struct grubdef probe = { .sub = strdup(""),
					 .text = strdup(""),
					 .found = true };

		b->sub = strdup("etc/default/grub");
		r = vp_file_read(ctx, VP_ROOT, b->sub, &b->text, &b->len, &st);
		if (r == 0 && !st.exists)
			r = refuse(why, "/%s does not exist", b->sub);
		/*
		 * The definition is appended to this file; with control flow in it
		 * or in a grub.d file the next load would refuse what apply wrote
		 * (found by tests/fuzz/fuzz_bootcfg), so refuse before writing.
		 */
		if (r == 0 && (!probe.sub || !probe.text))
			r = -ENOMEM;
		if (r == 0 && grub_effective(ctx, GRUB_VAR, &probe, why) < 0)
			r = refuse(why,
				   "/%s or a grub.d file uses shell control flow or "
				   "continued lines; vfio-pilot will not add %s",
				   b->sub, GRUB_VAR);
		free(probe.sub);
		free(probe.text);
		b->missing = true;
		b->value = strdup("");
	}
out:
	free(d.sub);
	free(d.text);
	free(l.sub);
	free(l.text);
	return r;
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
	*why = NULL;
	b->kind = kind;
	return kind == VP_BOOT_SYSTEMD_PBT ? load_kernel_cmdline(ctx, b, why)
					   : load_grub(ctx, b, why);
}

void vp_bootcmd_free(struct vp_bootcmd *b)
{
	free(b->sub);
	free(b->text);
	free(b->value);
	free(b->other);
}

int vp_bootcmd_render(const struct vp_bootcmd *b, const char *value, char **out,
		      size_t *len)
{
	char q = b->quote;

	/* "<<" reads as a here-document to the loader, which would then refuse
	 * the file apply wrote (found by tests/fuzz/fuzz_bootcfg). */
	if (strchr(value, '\n') || (q == '\'' && strchr(value, '\'')) ||
	    (q != '\'' && b->kind != VP_BOOT_SYSTEMD_PBT && strpbrk(value, "\"$`\\")) ||
	    (b->kind != VP_BOOT_SYSTEMD_PBT && strstr(value, "<<")))
		return -EINVAL;
	if (b->missing) {
		bool nl = b->len == 0 || b->text[b->len - 1] == '\n';

		*out = xasprintf("%.*s%s" GRUB_VAR "=\"%s\"\n", (int)b->len, b->text,
				 nl ? "" : "\n", value);
	} else if (b->kind != VP_BOOT_SYSTEMD_PBT && !q &&
		   strpbrk(value, " \t\r\v\f';&|<>()")) {
		/*
		 * A plain word that now needs quotes: white space, or a character
		 * the shell (and parse_assign) would not take in a plain word
		 * (found by tests/fuzz/fuzz_bootcfg).
		 */
		*out = xasprintf("%.*s\"%s\"%s", (int)b->vstart, b->text, value,
				 b->text + b->vend);
	} else {
		*out = xasprintf("%.*s%s%.*s", (int)b->vstart, b->text, value,
				 (int)(b->len - b->vend), b->text + b->vend);
	}
	if (!*out)
		return -ENOMEM;
	*len = strlen(*out);
	return 0;
}
