// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cluster resource mappings (src/pve/mapping.c): byte-for-byte round trip,
 * SectionConfig's section rules and messages, adding entries and map lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pve/mapping.h"
#include "util.h"

static const char pci_cfg[] =
	"gpu0\n"
	"\tmap node=pve1,path=0000:01:00.0,id=10de:2204,iommugroup=14,subsystem-id=1458:4055\n"
	"\tmap node=pve2,path=0000:41:00.0,id=10de:2204\n"
	"\tdescription RTX 3090\n"
	"\tmdev 0\n"
	"\n"
	"# a comment\n"
	"vf-pool\n"
	"\tmap node=pve1,path=0000:00:02.1,id=8086:a7a0\n"
	"  # a comment inside\n"
	"\tmap node=pve1,path=0000:00:02.2,id=8086:a7a0\n"
	"\tlive-migration-capable\n"
	"\n"
	"pci: old\n"
	"\tmap node=pve1,path=0000:02:00.0,id=10de:2204\n"
	"\n"
	"1bad\n"
	"\tmap node=pve1,path=0000:03:00.0,id=10de:2204\n"
	"\n"
	"nomap\n"
	"\tdescription no map here\n"
	"\n"
	"broken\n"
	"\tmap node=pve1,path=01:00.0,id=10de:2204\n"
	"\tmdev yes\n"
	"\tmdev 1\n"
	"\tmdev\t0\n"
	"\tid foo\n"
	"\tcolor blue\n"
	"\tmap node=pve1,path=0000:04:00.0,id=10de:2204\n"
	"notindented\n"
	"\tdescription x\n";

static struct vp_pve_mapping *parse_text(enum vp_pve_map_type t, const char *text)
{
	struct vp_pve_mapping *m = NULL;

	assert_int_equal(vp_pve_mapping_parse(t, text, strlen(text), &m), 0);
	return m;
}

static void assert_text(const struct vp_pve_mapping *m, const char *want)
{
	_cleanup_free_ char *out = NULL;

	assert_int_equal(vp_pve_mapping_serialize(m, &out, NULL), 0);
	assert_string_equal(out, want);
}

static const struct vp_pve_map_line *line(const struct vp_pve_mapping *m,
					  const char *text)
{
	for (size_t i = 0; i < m->n_lines; i++)
		if (streq(m->lines[i].text, text))
			return &m->lines[i];
	fail_msg("no line '%s'", text);
	return NULL;
}

static void expect(const struct vp_pve_mapping *m, const char *text,
		   enum vp_pve_status st, const char *reason)
{
	const struct vp_pve_map_line *l = line(m, text);

	if (l->status != st)
		fail_msg("'%s': %s (%s)", text, vp_pve_status_name(l->status),
			 l->reason ? l->reason : "");
	if (reason)
		assert_string_equal(l->reason, reason);
}

static void pci_parse(void **state)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m =
		parse_text(VP_PVE_MAP_PCI, pci_cfg);
	_cleanup_(strv_free) struct strv maps = { 0 };

	(void)state;
	assert_text(m, pci_cfg);
	assert_non_null(vp_pve_mapping_find(m, "gpu0"));
	assert_int_equal(vp_pve_mapping_maps(m, "gpu0", &maps), 0);
	assert_int_equal(maps.n, 2);
	assert_string_equal(maps.v[1], "node=pve2,path=0000:41:00.0,id=10de:2204");
	strv_free(&maps);
	assert_int_equal(vp_pve_mapping_maps(m, "vf-pool", &maps), 0);
	assert_int_equal(maps.n, 2);
	expect(m, "\tlive-migration-capable", VP_PVE_OK, NULL); /* no value: 1 */
	expect(m, "# a comment", VP_PVE_IGNORED, NULL);
	expect(m, "  # a comment inside", VP_PVE_IGNORED, NULL);
	assert_int_equal(line(m, "  # a comment inside")->entry, 1);
	/* the type prefix of other section configs is not a header here */
	expect(m, "pci: old", VP_PVE_REJECTED, "ignore config line: pci: old");
	expect(m, "\tmap node=pve1,path=0000:02:00.0,id=10de:2204", VP_PVE_REJECTED,
	       NULL);
	assert_null(vp_pve_mapping_find(m, "pci:"));
	expect(m, "1bad", VP_PVE_REJECTED,
	       "(skip section '1bad'): invalid configuration ID '1bad'");
	expect(m, "\tmap node=pve1,path=0000:03:00.0,id=10de:2204", VP_PVE_IGNORED, NULL);
	expect(m, "nomap", VP_PVE_REJECTED,
	       "(skip section 'nomap'): missing value for required option 'map'");
	assert_null(vp_pve_mapping_find(m, "nomap"));
	expect(m, "\tmap node=pve1,path=01:00.0,id=10de:2204", VP_PVE_REJECTED,
	       "(section 'broken') - unable to parse value of 'map': invalid format - format "
	       "error: path: value does not match the regex pattern");
	expect(m, "\tmdev yes", VP_PVE_REJECTED,
	       "(section 'broken') - unable to parse value of 'mdev': type check ('boolean') "
	       "failed - got 'yes'");
	expect(m, "\tmdev 1", VP_PVE_OK, NULL);
	expect(m, "\tmdev\t0", VP_PVE_REJECTED,
	       "(section 'broken') - unable to parse value of 'mdev': duplicate attribute");
	expect(m, "\tid foo", VP_PVE_REJECTED,
	       "(section 'broken') - unable to parse value of 'id': unexpected property 'id'");
	expect(m, "\tcolor blue", VP_PVE_REJECTED,
	       "(section 'broken') - unable to parse value of 'color': unknown property type");
	/* no empty line before it: still inside "broken" */
	expect(m, "notindented", VP_PVE_REJECTED,
	       "(section 'broken') - ignore config line: notindented");
	expect(m, "\tdescription x", VP_PVE_OK, NULL);
	assert_non_null(vp_pve_mapping_find(m, "broken"));
	strv_free(&maps);
	assert_int_equal(vp_pve_mapping_maps(m, "broken", &maps), 0);
	assert_int_equal(maps.n, 1);
	assert_string_equal(maps.v[0], "node=pve1,path=0000:04:00.0,id=10de:2204");
	assert_int_equal(vp_pve_mapping_maps(m, "nomap", &maps), -ENOENT);
}

static void pci_edits(void **state)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = parse_text(
		VP_PVE_MAP_PCI, "gpu0\n"
				"\tmap node=pve1,path=0000:01:00.0,id=10de:2204\n"
				"\tdescription RTX 3090\n"
				"\n"
				"nic\n"
				"\tmap node=pve1,path=0000:05:00.0,id=8086:1533");
	_cleanup_free_ char *reason = NULL;
	const char *const maps[] = {
		"path=0000:41:00.0;0000:41:00.1,node=pve1,id=1002:73bf,subsystem-id=1002:0e3a,"
		"iommugroup=21",
		NULL,
	};
	struct vp_pve_map_opts opts = { .description = "RX 6800 XT",
					.mdev = 0,
					.live_migration_capable = 1 };

	(void)state;
	assert_int_equal(
		vp_pve_mapping_add_map(m, "gpu0",
				       "id=10de:2204,node=pve2,path=0000:81:00.0,"
				       "iommugroup=33",
				       &reason),
		0);
	assert_int_equal(vp_pve_mapping_add_entry(m, "gpu1", maps, &opts, &reason), 0);
	assert_text(m, "gpu0\n"
		       "\tmap node=pve1,path=0000:01:00.0,id=10de:2204\n"
		       "\tmap id=10de:2204,node=pve2,path=0000:81:00.0,iommugroup=33\n"
		       "\tdescription RTX 3090\n"
		       "\n"
		       "nic\n"
		       "\tmap node=pve1,path=0000:05:00.0,id=8086:1533\n"
		       "\n"
		       "gpu1\n"
		       "\tmap path=0000:41:00.0;0000:41:00.1,node=pve1,id=1002:73bf,"
		       "subsystem-id=1002:0e3a,iommugroup=21\n"
		       "\tdescription RX 6800 XT\n"
		       "\tlive-migration-capable 1\n"
		       "\tmdev 0\n");
	assert_non_null(vp_pve_mapping_find(m, "gpu1"));

	/* the same map in another order is the same map */
	assert_int_equal(
		vp_pve_mapping_add_map(
			m, "gpu0", "path=0000:01:00.0,id=10de:2204,node=pve1", &reason),
		-EEXIST);
	assert_int_equal(
		vp_pve_mapping_add_map(
			m, "gpu0", "node=pve1,path=0000:01:00.0,id=10de:2204 ", &reason),
		-EINVAL);
	assert_int_equal(vp_pve_mapping_add_map(m, "nope",
						"node=pve1,path=0000:01:00.0,"
						"id=10de:2204",
						&reason),
			 -ENOENT);
	assert_int_equal(vp_pve_mapping_add_map(m, "gpu0",
						"node=pve1,path=01:00.0,id=10de:2204",
						&reason),
			 -EINVAL);
	assert_int_equal(
		vp_pve_mapping_add_map(m, "gpu0", "node=pve1,path=0000:01:00.0", &reason),
		-EINVAL);
	assert_int_equal(vp_pve_mapping_add_map(m, "gpu0",
						"node=pve_1,path=0000:01:00.0,"
						"id=10de:2204",
						&reason),
			 -EINVAL);
	assert_int_equal(vp_pve_mapping_add_entry(m, "gpu1", maps, NULL, &reason),
			 -EEXIST);
	assert_int_equal(vp_pve_mapping_add_entry(m, "g", maps, NULL, &reason), -EINVAL);
	assert_int_equal(vp_pve_mapping_add_entry(
				 m, "gpu2", (const char *const[]){ NULL }, NULL, &reason),
			 -EINVAL);
	opts = (struct vp_pve_map_opts){ .description = " padded",
					 .mdev = -1,
					 .live_migration_capable = -1 };
	assert_int_equal(vp_pve_mapping_add_entry(m, "gpu2", maps, &opts, &reason),
			 -EINVAL);
	opts.description = NULL;
	opts.mdev = 2;
	assert_int_equal(vp_pve_mapping_add_entry(m, "gpu2", maps, &opts, &reason),
			 -EINVAL);
	/* failed calls changed nothing */
	assert_int_equal(m->n_entries, 3);
}

static void usb_mapping(void **state)
{
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m =
		parse_text(VP_PVE_MAP_USB, "stick\n"
					   "\tmap node=pve2,id=0781:55ae,path=1-2.2\n"
					   "\tmdev 1\n"
					   "\n"
					   "\n");
	_cleanup_free_ char *reason = NULL;
	struct vp_pve_map_opts opts = { .mdev = 1, .live_migration_capable = -1 };

	(void)state;
	expect(m, "\tmdev 1", VP_PVE_REJECTED,
	       "(section 'stick') - unable to parse value of 'mdev': unknown property type");
	assert_int_equal(
		vp_pve_mapping_add_map(m, "stick", "node=pve1,id=0781:55ae", &reason), 0);
	assert_int_equal(
		vp_pve_mapping_add_map(m, "stick", "node=pve1,id=0781:5567", &reason),
		-EEXIST);
	assert_string_equal(reason, "More than one USB mapping per host not supported");
	assert_int_equal(vp_pve_mapping_add_map(m, "stick",
						"node=pve3,id=0781:55ae,path=1", &reason),
			 -EINVAL);
	assert_int_equal(vp_pve_mapping_add_entry(
				 m, "kbd",
				 (const char *const[]){ "node=pve1,id=046d:c31c", NULL },
				 &opts, &reason),
			 -EINVAL);
	assert_int_equal(vp_pve_mapping_add_entry(
				 m, "kbd",
				 (const char *const[]){ "node=pve1,id=046d:c31c",
							"node=pve1,id=046d:c31d", NULL },
				 NULL, &reason),
			 -EEXIST);
	assert_int_equal(vp_pve_mapping_add_entry(
				 m, "kbd",
				 (const char *const[]){ "id=046d:c31c,node=pve1", NULL },
				 NULL, &reason),
			 0);
	assert_text(m, "stick\n"
		       "\tmap node=pve2,id=0781:55ae,path=1-2.2\n"
		       "\tmap node=pve1,id=0781:55ae\n"
		       "\tmdev 1\n"
		       "\n"
		       "\n"
		       "kbd\n"
		       "\tmap id=046d:c31c,node=pve1\n");
}

static void section_ends(void **state)
{
	static const char text[] = "a1\n"
				   "\tmap node=pve1,path=0000:01:00.0,id=10de:2204\n"
				   "0\n"
				   "b1\n"
				   "\tmap node=pve1,path=0000:02:00.0,id=10de:2204\n"
				   "  \n"
				   "c1\n";
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m =
		parse_text(VP_PVE_MAP_PCI, text);
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *e =
		parse_text(VP_PVE_MAP_PCI, "");
	_cleanup_free_ char *reason = NULL;

	(void)state;
	assert_text(m, text);
	/* Perl reads "0" as false: it ends the section like an empty line */
	assert_non_null(vp_pve_mapping_find(m, "a1"));
	assert_non_null(vp_pve_mapping_find(m, "b1"));
	/* a white-space line is true: "c1" is still inside b1 */
	expect(m, "  ", VP_PVE_REJECTED, NULL);
	expect(m, "c1", VP_PVE_REJECTED, "(section 'b1') - ignore config line: c1");
	assert_int_equal(m->n_entries, 2);

	assert_int_equal(vp_pve_mapping_add_entry(
				 e, "gpu0",
				 (const char *const[]){ "node=pve1,path=0000:01:00.0,"
							"id=10de:2204",
							NULL },
				 NULL, &reason),
			 0);
	assert_text(e, "gpu0\n\tmap node=pve1,path=0000:01:00.0,id=10de:2204\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pci_parse),
		cmocka_unit_test(pci_edits),
		cmocka_unit_test(usb_mapping),
		cmocka_unit_test(section_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
