// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * import FILE|- -o DIR: pasted IOMMU group listings, find output or lspci
 * text as a partial tree that groups and doctor read with --root DIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "snap/import.h"

#define IMPORT_MAX (16u * 1024u * 1024u)

struct import_opts {
	const char *out;
};

static const struct option import_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

static int import_opt(void *data, int c, const char *arg)
{
	struct import_opts *o = data;

	if (c != 'o')
		return -EINVAL;
	o->out = arg;
	return 0;
}

/* The pasted text: a file named by the operator, or standard input. */
static int read_input(const char *name, char **out)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = malloc(IMPORT_MAX + 1);
	size_t len = 0;

	if (!buf)
		return -ENOMEM;
	if (streq(name, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < IMPORT_MAX) {
		ssize_t n = read(fd, buf + len, IMPORT_MAX - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len >= IMPORT_MAX)
		return -EFBIG;
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	*out = TAKE_PTR(buf);
	return 0;
}

static int cmd_import(struct vp_global *g, int argc, char **argv)
{
	_cleanup_free_ char *text = NULL;
	struct import_opts o = { 0 };
	struct vp_import im = { 0 };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "o:", import_opts, import_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_import);
		return VP_EXIT_OK;
	}
	if (argc - first != 1 || !o.out) {
		vp_err("usage: import FILE|- -o DIR");
		return VP_EXIT_USAGE;
	}
	r = read_input(argv[first], &text);
	if (r < 0) {
		vp_err("%s: %s", argv[first],
		       r == -EBADMSG ? "binary data, not pasted text" : strerror(-r));
		return vp_exit_code(r);
	}
	r = vp_import_parse(&im, text);
	if (r == 0 && im.ndevs == 0) {
		vp_err("%s: no device with class and vendor:device ids found (lspci -nn, "
		       "the IOMMU group loop or find output); lines not read:",
		       argv[first]);
		for (size_t i = 0; i < im.unread.n && i < 20; i++)
			fprintf(stderr, "  %s\n", im.unread.v[i]);
		vp_import_free(&im);
		return VP_EXIT_DATA;
	}
	if (r == 0)
		r = vp_import_write(&im, o.out);
	if (r < 0) {
		if (r == -EEXIST)
			vp_err("%s: exists and is not empty; choose a new directory",
			       o.out);
		else
			vp_err("import failed: %s", strerror(-r));
		vp_import_free(&im);
		return r == -EEXIST ? VP_EXIT_USAGE : vp_exit_code(r);
	}
	fprintf(stderr,
		"import: %zu functions from %u lines; %zu lines not read (see %s/IMPORT-NOTES)\n",
		im.ndevs, im.lines, im.unread.n, o.out);
	vp_import_free(&im);
	return VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_import = {
	.name = "import",
	.run = cmd_import,
	.summary = "turn pasted IOMMU group or lspci text into a partial tree",
	.usage =
		"  FILE|-              the pasted text; '-' reads standard input\n"
		"  -o, --output DIR    the tree to write (then: --root DIR groups, doctor)\n",
	.example = "vfio-pilot import pasted.txt -o pasted-host\n"
		   "vfio-pilot --root pasted-host groups",
};
