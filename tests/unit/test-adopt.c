// SPDX-License-Identifier: GPL-2.0-or-later
/* Passthrough settings other tools left: what each line gives, and where. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "context.h"
#include "host/adopt.h"

static void put(const char *root, const char *rel, const char *text)
{
	char path[512], *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct vp_claim *find(const struct vp_claims *c, enum vp_claim_kind k,
				   const char *file, int line)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].kind == k && strcmp(c->v[i].file, file) == 0 &&
		    c->v[i].line == line)
			return &c->v[i];
	return NULL;
}

static void claims(void **state)
{
	char root[] = "/tmp/vp-adopt-XXXXXX";
	struct vp_ctx *ctx = NULL;
	struct vp_cmdline cl = { 0 };
	struct vp_claims c = { 0 };
	const struct vp_claim *x;
	struct vp_dev gpu = { .vendor = 0x10de, .device = 0x2204, .subvendor = 0x3842 };
	struct vp_dev amd = { .vendor = 0x1002, .device = 0x731f };
	char cmd[1024];

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "etc/modprobe.d/vfio.conf",
	    "# a guide\n"
	    "options vfio-pci \\\n  ids=10de:2204,10de:1aef disable_vga=1\n"
	    "softdep nvidia pre: vfio-pci\n"
	    "install vfio-pci /sbin/vfio-override.sh\n");
	put(root, "etc/modprobe.d/vfio-pilot.conf", "options vfio_pci ids=1b21:0612\n");
	put(root, "etc/udev/rules.d/90-pt.rules",
	    "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:0c:00.0\", "
	    "ATTR{driver_override}=\"vfio-pci\"\n"
	    "ATTR{vendor}==\"0x1002\", ATTR{device}==\"0x731f\", "
	    "ATTR{driver_override}=\"amdgpu\"\n"
	    "ACTION==\"add\", RUN+=\"/bin/sh -c 'echo vfio-pci > "
	    "/sys$devpath/driver_override'\"\n");
	put(root, "etc/driverctl.d/pci-0000:03:00.0", "vfio-pci\n");
	assert_int_equal(vp_ctx_new(root, &ctx), 0);
	assert_int_equal(vp_cmdline_parse("quiet vfio_pci.ids=1002:731f", &cl), 0);
	assert_int_equal(vp_claims_load(ctx, &cl, NULL, &c), 0);

	/* A continued line is one claim spanning both lines; other options kept. */
	x = find(&c, VP_CLAIM_IDS, "etc/modprobe.d/vfio.conf", 2);
	assert_non_null(x);
	assert_int_equal(x->line_end, 3);
	assert_string_equal(x->rest, "disable_vga=1");
	assert_false(x->ours);
	assert_true(vp_claim_matches(x, &gpu));
	assert_false(vp_claim_matches(x, &amd));
	x = find(&c, VP_CLAIM_SOFTDEP, "etc/modprobe.d/vfio.conf", 4);
	assert_non_null(x);
	assert_string_equal(x->module, "nvidia");
	assert_non_null(find(&c, VP_CLAIM_UNPARSED, "etc/modprobe.d/vfio.conf", 5));
	x = find(&c, VP_CLAIM_IDS, "etc/modprobe.d/vfio-pilot.conf", 1);
	assert_non_null(x);
	assert_true(x->ours);

	/* udev: by address, by ids to another driver, and a RUN line left unparsed. */
	x = find(&c, VP_CLAIM_OVERRIDE, "etc/udev/rules.d/90-pt.rules", 1);
	assert_non_null(x);
	assert_true(x->has_bdf && x->bdf.bus == 0x0c);
	assert_true(vp_claim_to_vfio(x));
	x = find(&c, VP_CLAIM_OVERRIDE, "etc/udev/rules.d/90-pt.rules", 2);
	assert_non_null(x);
	assert_false(vp_claim_to_vfio(x));
	assert_true(vp_claim_matches(x, &amd));
	assert_non_null(find(&c, VP_CLAIM_UNPARSED, "etc/udev/rules.d/90-pt.rules", 3));

	x = find(&c, VP_CLAIM_DRIVERCTL, "etc/driverctl.d/pci-0000:03:00.0", 0);
	assert_non_null(x);
	assert_true(x->has_bdf && x->bdf.bus == 3 && !x->editable);
	x = find(&c, VP_CLAIM_CMDLINE, "proc/cmdline", 0);
	assert_non_null(x);
	assert_true(vp_claim_matches(x, &amd));

	vp_claims_free(&c);
	vp_cmdline_free(&cl);
	vp_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void comment_out(void **state)
{
	const char text[] = "a\nb\nc\nd";
	int from[] = { 2, 4 }, to[] = { 3, 4 };
	char *out;

	(void)state;
	out = vp_comment_out(text, strlen(text), from, to, 2, "#x: ");
	assert_non_null(out);
	assert_string_equal(out, "a\n#x: b\n#x: c\n#x: d");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(claims),
		cmocka_unit_test(comment_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
