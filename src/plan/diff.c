// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A unified diff (the format of GNU diff -u) of two small text files, for
 * the dry run. Line-based LCS; configuration files are short, and beyond
 * VP_DIFF_MAX lines the whole file is shown as replaced rather than
 * computing a large table.
 */
#include <errno.h>
#include <stdlib.h>

#include "plan/plan.h"

#define VP_DIFF_MAX 4000
#define CONTEXT	    3

struct lines {
	const char **l; /* start of each line */
	size_t *len;	/* its length without '\n' */
	size_t n;
	bool last_nl; /* the text ends with a newline */
};

static int split_lines(const char *t, size_t len, struct lines *out)
{
	size_t cap = 16;

	out->l = malloc(cap * sizeof(*out->l));
	out->len = malloc(cap * sizeof(*out->len));
	out->n = 0;
	out->last_nl = len == 0 || t[len - 1] == '\n';
	if (!out->l || !out->len)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - t) : len;

		if (out->n == cap) {
			cap *= 2;
			out->l = realloc(out->l, cap * sizeof(*out->l));
			out->len = realloc(out->len, cap * sizeof(*out->len));
			if (!out->l || !out->len)
				return -ENOMEM;
		}
		out->l[out->n] = t + i;
		out->len[out->n++] = e - i;
		i = e + 1;
	}
	return 0;
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->l[i], b->l[j], a->len[i]) == 0;
}

/* One script entry: ' ' keep, '-' delete (a line of old), '+' insert. */
struct op {
	char kind;
	size_t a, b;
};

static void emit(FILE *f, char kind, const struct lines *x, size_t i)
{
	fprintf(f, "%c%.*s\n", kind, (int)x->len[i], x->l[i]);
	if (i + 1 == x->n && !x->last_nl)
		fputs("\\ No newline at end of file\n", f);
}

static void print_hunks(FILE *f, const struct op *ops, size_t nops, const struct lines *a,
			const struct lines *b)
{
	size_t i = 0;

	while (i < nops) {
		size_t start, end, k, as = 0, bs = 0, ac = 0, bc = 0;

		while (i < nops && ops[i].kind == ' ')
			i++;
		if (i == nops)
			break;
		start = i > CONTEXT ? i - CONTEXT : 0;
		/* Extend while changes are closer than 2*CONTEXT apart. */
		end = i;
		for (k = i; k < nops; k++) {
			if (ops[k].kind != ' ')
				end = k;
			else if (k - end > 2 * CONTEXT)
				break;
		}
		end = end + CONTEXT + 1 < nops ? end + CONTEXT + 1 : nops;
		for (k = start; k < end; k++) {
			if (ops[k].kind != '+' && !ac++)
				as = ops[k].a;
			if (ops[k].kind != '-' && !bc++)
				bs = ops[k].b;
		}
		/* GNU diff numbers an empty range by the line before it. */
		fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? as + 1 : ops[start].a, ac,
			bc ? bs + 1 : ops[start].b, bc);
		for (k = start; k < end; k++)
			emit(f, ops[k].kind, ops[k].kind == '+' ? b : a,
			     ops[k].kind == '+' ? ops[k].b : ops[k].a);
		i = end;
	}
}

int vp_diff(FILE *f, const char *label, const char *old, size_t oldlen, bool existed,
	    const char *new, size_t newlen)
{
	struct lines a = { 0 }, b = { 0 };
	_cleanup_free_ struct op *ops = NULL;
	_cleanup_free_ unsigned *t = NULL;
	_cleanup_free_ char *devnull = vp_display_path(VP_DEV, "null");
	size_t nops = 0, i, j;
	int r;

	r = split_lines(old ? old : "", old ? oldlen : 0, &a);
	if (r == 0)
		r = split_lines(new, newlen, &b);
	if (r < 0)
		goto out;
	fprintf(f, "--- %s\n+++ %s\n", existed ? label : devnull, label);
	ops = calloc(a.n + b.n + 1, sizeof(*ops));
	if (!ops) {
		r = -ENOMEM;
		goto out;
	}
	if (a.n > VP_DIFF_MAX || b.n > VP_DIFF_MAX) {
		for (i = 0; i < a.n; i++)
			ops[nops++] = (struct op){ '-', i, 0 };
		for (j = 0; j < b.n; j++)
			ops[nops++] = (struct op){ '+', a.n, j };
		print_hunks(f, ops, nops, &a, &b);
		goto out;
	}
	/* t[i][j] = LCS length of a[i..] and b[j..]. */
	t = calloc((a.n + 1) * (b.n + 1), sizeof(*t));
	if (!t) {
		r = -ENOMEM;
		goto out;
	}
	for (i = a.n; i-- > 0;)
		for (j = b.n; j-- > 0;)
			t[i * (b.n + 1) + j] =
				same(&a, i, &b, j)
					? t[(i + 1) * (b.n + 1) + j + 1] + 1
					: (t[(i + 1) * (b.n + 1) + j] >
							   t[i * (b.n + 1) + j + 1]
						   ? t[(i + 1) * (b.n + 1) + j]
						   : t[i * (b.n + 1) + j + 1]);
	for (i = 0, j = 0; i < a.n || j < b.n;) {
		/* A last line that only gains or loses its newline is a change. */
		bool eq = i < a.n && j < b.n && same(&a, i, &b, j) &&
			  !(i + 1 == a.n && j + 1 == b.n && a.last_nl != b.last_nl);

		/* On a tie, delete first: GNU diff shows old lines before new ones. */
		if (eq) {
			ops[nops++] = (struct op){ ' ', i++, j++ };
		} else if (i < a.n && (j == b.n || t[(i + 1) * (b.n + 1) + j] >=
							   t[i * (b.n + 1) + j + 1])) {
			ops[nops++] = (struct op){ '-', i++, j };
		} else {
			ops[nops++] = (struct op){ '+', i, j++ };
		}
	}
	print_hunks(f, ops, nops, &a, &b);
out:
	free(a.l);
	free(a.len);
	free(b.l);
	free(b.len);
	return r;
}
