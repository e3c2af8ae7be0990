// SPDX-License-Identifier: GPL-2.0-or-later
/* Addresses, kinds, ACS decoding and size formatting: the model's pure parts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host/host.h"
#include "out/output.h"

static void bdf_forms(void **state)
{
	struct vp_bdf b;
	bool slot;

	assert_int_equal(vp_bdf_parse("0000:01:00.1", &b, &slot, true), 0);
	assert_int_equal(b.domain, 0);
	assert_int_equal(b.bus, 1);
	assert_int_equal(b.dev, 0);
	assert_int_equal(b.fn, 1);
	assert_false(slot);

	assert_int_equal(vp_bdf_parse("c1:1f.7", &b, &slot, true), 0);
	assert_int_equal(b.bus, 0xc1);
	assert_int_equal(b.dev, 0x1f);
	assert_int_equal(b.fn, 7);

	assert_int_equal(vp_bdf_parse("01:00", &b, &slot, true), 0);
	assert_true(slot);
	/* A slot is only accepted where the caller allows every function. */
	assert_int_equal(vp_bdf_parse("01:00", &b, &slot, false), -EINVAL);

	/* Intel VMD domains go past 16 bits. */
	assert_int_equal(vp_bdf_parse("10000:e1:00.0", &b, NULL, false), 0);
	assert_int_equal(b.domain, 0x10000);
}

static void bdf_rejects(void **state)
{
	static const char *const bad[] = {
		"",	      "1:00.0",	       "01:0.0",     "01:20.0",
		"01:00.8",    "01:00.",	       "0:01:00.0",  "000g:01:00.0",
		"01:00.0x",   "01-00.0",       "01:00:00.0", "0000:01:00.0 ",
		"../01:00.0", "0000:01:00.10", "/x/bus/pci", "123456789:01:00.0",
	};
	struct vp_bdf b;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (vp_bdf_parse(bad[i], &b, NULL, true) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void bdf_order(void **state)
{
	struct vp_bdf a, b;

	vp_bdf_parse("0000:00:1f.0", &a, NULL, false);
	vp_bdf_parse("0000:01:00.0", &b, NULL, false);
	assert_true(vp_bdf_cmp(&a, &b) < 0);
	vp_bdf_parse("0001:00:00.0", &a, NULL, false);
	assert_true(vp_bdf_cmp(&a, &b) > 0);
	vp_bdf_parse("0000:01:00.3", &a, NULL, false);
	assert_true(vp_bdf_same_slot(&a, &b));
}

static void kinds(void **state)
{
	enum vp_kind k;

	assert_int_equal(vp_kind_of_class(0x030000), VP_KIND_DISPLAY);
	assert_int_equal(vp_kind_of_class(0x030200),
			 VP_KIND_DISPLAY); /* Tesla 3D controller */
	assert_int_equal(vp_kind_of_class(0x040300), VP_KIND_AUDIO);
	assert_int_equal(vp_kind_of_class(0x040000),
			 VP_KIND_OTHER); /* video, not audio */
	assert_int_equal(vp_kind_of_class(0x0c0330), VP_KIND_USB);
	assert_int_equal(vp_kind_of_class(0x0c8000), VP_KIND_OTHER); /* UCSI serial bus */
	assert_int_equal(vp_kind_of_class(0x020000), VP_KIND_NETWORK);
	assert_int_equal(vp_kind_of_class(0x010802), VP_KIND_STORAGE);
	assert_int_equal(vp_kind_of_class(0x060400), VP_KIND_BRIDGE);
	assert_int_equal(vp_kind_from_name("usb", &k), 0);
	assert_int_equal(k, VP_KIND_USB);
	assert_int_equal(vp_kind_from_name("gpu", &k), -EINVAL);
}

static void acs_decode(void **state)
{
	struct vp_dev d = { 0 };
	char *s;

	d.acs = VP_ABSENT;
	assert_false(vp_acs_isolates(&d));
	s = vp_acs_describe(&d);
	assert_string_equal(s, "no ACS capability");
	free(s);

	d.acs = VP_PRESENT;
	d.acs_ctrl = 0x001d; /* SV RR CR UF */
	assert_true(vp_acs_isolates(&d));
	d.acs_ctrl = 0x0001; /* SV only */
	assert_false(vp_acs_isolates(&d));
	s = vp_acs_describe(&d);
	assert_string_equal(s, "ACS control lacks RR CR UF");
	free(s);

	d.acs = VP_UNKNOWN;
	assert_int_equal(
		vp_dev_unknown(&d, "acs", "config space read returned %d bytes", 64), 0);
	assert_false(vp_acs_isolates(&d));
	s = vp_acs_describe(&d);
	assert_non_null(strstr(s, "64 bytes"));
	free(s);
	strv_free(&d.unknown);
}

static void unknown_fields(void **state)
{
	struct vp_dev d = { 0 };

	assert_null(vp_dev_unknown_why(&d, "flr"));
	vp_dev_unknown(&d, "flr", "first");
	vp_dev_unknown(&d, "flr", "second is ignored");
	vp_dev_unknown(&d, "flr_x", "other field");
	assert_string_equal(vp_dev_unknown_why(&d, "flr"), "first");
	assert_string_equal(vp_dev_unknown_why(&d, "flr_x"), "other field");
	assert_int_equal(d.unknown.n, 2);
	strv_free(&d.unknown);
}

static void sizes(void **state)
{
	char b[32];

	vp_fmt_size(256ull << 20, b, sizeof(b));
	assert_string_equal(b, "256M");
	vp_fmt_size(32ull << 30, b, sizeof(b));
	assert_string_equal(b, "32G");
	vp_fmt_size(16384, b, sizeof(b));
	assert_string_equal(b, "16K");
	vp_fmt_size(100, b, sizeof(b));
	assert_string_equal(b, "100");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bdf_forms),  cmocka_unit_test(bdf_rejects),
		cmocka_unit_test(bdf_order),  cmocka_unit_test(kinds),
		cmocka_unit_test(acs_decode), cmocka_unit_test(unknown_fields),
		cmocka_unit_test(sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
