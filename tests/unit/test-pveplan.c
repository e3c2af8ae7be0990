// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line building of lxc, hookscript and mapping (src/plan/pveplan.c):
 * devN values and indices, the raw lxc.* lines for PVE < 8.1, the
 * hookscript text and its refusals, storage.cfg snippets checks, map
 * values and merging into pci.cfg.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "host/mapcheck.h"
#include "host/pveapi.h"
#include "plan/pveplan.h"
#include "pve/conf.h"
#include "pve/mapping.h"
#include "util.h"

static void ids(void **state)
{
	unsigned long v = 0;

	assert_int_equal(vp_guest_id_parse("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(vp_guest_id_parse("999999999", &v), 0);
	assert_int_equal(v, 999999999);
	assert_int_equal(vp_guest_id_parse("99", &v), -EINVAL);
	assert_int_equal(vp_guest_id_parse("1000000000", &v), -EINVAL);
	assert_int_equal(vp_guest_id_parse("0100", &v), -EINVAL);
	assert_int_equal(vp_guest_id_parse("10a", &v), -EINVAL);
	assert_int_equal(vp_guest_id_parse("", &v), -EINVAL);

	assert_true(vp_pve_version_at_least("8.1.3", 8, 1));
	assert_true(vp_pve_version_at_least("8.4.1", 8, 1));
	assert_true(vp_pve_version_at_least("9.0.3", 8, 1));
	assert_false(vp_pve_version_at_least("8.0.9", 8, 1));
	assert_false(vp_pve_version_at_least("7.4-17", 8, 1));
	assert_false(vp_pve_version_at_least(NULL, 8, 1));
	assert_false(vp_pve_version_at_least("x", 8, 1));
}

static struct vp_drm_node nodes[] = {
	{ "card0", "0000:00:02.0" },
	{ "card1", "0000:01:00.0" },
	{ "renderD128", "0000:00:02.0" },
	{ "renderD129", "0000:01:00.0" },
};

static void wanted(void **state)
{
	struct vp_drm drm = { nodes, ARRAY_SIZE(nodes), 104, 44 };
	struct vp_pve_lxc_dev *v = NULL;
	size_t n = 0;

	assert_int_equal(vp_lxc_wanted(&drm, "0000:00:02.0", false, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "/dev/dri/renderD128");
	assert_int_equal(v[0].gid, 104);
	assert_int_equal(v[0].uid, -1);
	assert_null(v[0].mode);
	assert_string_equal(v[1].path, "/dev/dri/card0");
	assert_int_equal(v[1].gid, 44);
	vp_lxc_wanted_free(v, n);

	assert_int_equal(vp_lxc_wanted(&drm, "0000:01:00.0", true, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "/dev/dri/renderD129");
	vp_lxc_wanted_free(v, n);

	assert_int_equal(vp_lxc_wanted(&drm, "0000:02:00.0", false, &v, &n), -ENOENT);
	drm.render_gid = -1;
	assert_int_equal(vp_lxc_wanted(&drm, "0000:00:02.0", true, &v, &n), 0);
	assert_int_equal(v[0].gid, -1);
	vp_lxc_wanted_free(v, n);
}

static char *set_devs(const char *text, bool render_only, struct strv *keys)
{
	struct vp_drm drm = { nodes, ARRAY_SIZE(nodes), 104, 44 };
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct strv values = { 0 }, notes = { 0 };
	struct vp_pve_lxc_dev *v = NULL;
	char *out = NULL;
	size_t n = 0, len;

	assert_int_equal(vp_lxc_wanted(&drm, "0000:00:02.0", render_only, &v, &n), 0);
	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	assert_int_equal(vp_lxc_set_devs(c, v, n, keys, &values, &notes), 0);
	assert_int_equal(vp_pve_conf_serialize(c, &out, &len), 0);
	assert_int_equal(keys->n, values.n);
	vp_lxc_wanted_free(v, n);
	strv_free(&values);
	strv_free(&notes);
	return out;
}

static void devn(void **state)
{
	static const char base[] = "arch: amd64\nhostname: ct\nmemory: 512\n";
	struct strv keys = { 0 };
	char *out;

	out = set_devs(base, false, &keys);
	assert_string_equal(out, "arch: amd64\nhostname: ct\nmemory: 512\n"
				 "dev0: /dev/dri/renderD128,gid=104\n"
				 "dev1: /dev/dri/card0,gid=44\n");
	assert_int_equal(keys.n, 2);
	strv_free(&keys);

	/* Idempotent: the same lines are kept, nothing is set. */
	{
		char *again = set_devs(out, false, &keys);

		assert_string_equal(again, out);
		assert_int_equal(keys.n, 0);
		free(again);
	}
	free(out);

	/* Used indices (also in [pve:pending]) are skipped. */
	out = set_devs("arch: amd64\ndev0: /dev/ttyUSB0\ndev2: /dev/net/tun\n"
		       "\n[pve:pending]\ndev1: /dev/kvm\n",
		       true, &keys);
	assert_string_equal(out, "arch: amd64\ndev0: /dev/ttyUSB0\ndev2: /dev/net/tun\n"
				 "dev3: /dev/dri/renderD128,gid=104\n"
				 "\n[pve:pending]\ndev1: /dev/kvm\n");
	assert_string_equal(keys.v[0], "dev3");
	strv_free(&keys);
	free(out);

	/* The same path with other values is rewritten in place. */
	out = set_devs("dev5: /dev/dri/renderD128,gid=0\nmemory: 512\n", true, &keys);
	assert_string_equal(out, "dev5: /dev/dri/renderD128,gid=104\nmemory: 512\n");
	strv_free(&keys);
	free(out);

	/* mode=0660 is Proxmox's default: the same as no mode. */
	out = set_devs("dev0: /dev/dri/renderD128,gid=104,mode=0660\n", true, &keys);
	assert_string_equal(out, "dev0: /dev/dri/renderD128,gid=104,mode=0660\n");
	assert_int_equal(keys.n, 0);
	strv_free(&keys);
	free(out);
}

static void raw_lines(void **state)
{
	struct vp_drm drm = { nodes, ARRAY_SIZE(nodes), 104, 44 };
	const char *majmin[] = { "226:128", "226:0" };
	static const char text[] = "arch: amd64\nmemory: 512\n";
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	struct strv added = { 0 };
	struct vp_pve_lxc_dev *v = NULL;
	_cleanup_free_ char *out = NULL;
	size_t n = 0, len;

	assert_int_equal(vp_lxc_wanted(&drm, "0000:00:02.0", false, &v, &n), 0);
	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	assert_int_equal(vp_lxc_set_raw(c, v, majmin, n, &added), 0);
	assert_int_equal(added.n, 4);
	assert_int_equal(vp_lxc_set_raw(c, v, majmin, n, &added), 0);
	assert_int_equal(added.n, 4); /* nothing twice */
	assert_int_equal(vp_pve_conf_serialize(c, &out, &len), 0);
	assert_string_equal(
		out,
		"arch: amd64\nmemory: 512\n"
		"lxc.cgroup2.devices.allow: c 226:128 rwm\n"
		"lxc.cgroup2.devices.allow: c 226:0 rwm\n"
		"lxc.mount.entry: /dev/dri/renderD128 dev/dri/renderD128 none "
		"bind,optional,create=file\n"
		"lxc.mount.entry: /dev/dri/card0 dev/dri/card0 none bind,optional,create=file\n");
	vp_lxc_wanted_free(v, n);
	strv_free(&added);
}

static void script(void **state)
{
	char *s = NULL;
	char tmpl[] = "/tmp/vp-hookXXXXXX";
	int fd;
	FILE *f;
	_cleanup_free_ char *cmd = NULL;

	assert_true(vp_reset_method_known("device_specific"));
	assert_true(vp_reset_method_known("cxl_bus"));
	assert_false(vp_reset_method_known("reset"));
	assert_false(vp_reset_method_known("flr "));

	assert_int_equal(vp_hookscript_text(101, "01:00.0", "flr", NULL, false, &s),
			 -EINVAL);
	assert_int_equal(
		vp_hookscript_text(101, "0000:01:00.0", "bogus", NULL, false, &s),
		-EINVAL);
	assert_int_equal(
		vp_hookscript_text(101, "0000:01:00.0", NULL, "amdgpu;reboot", false, &s),
		-EINVAL);
	assert_int_equal(vp_hookscript_text(101, "0000:01:00.0", NULL, NULL, false, &s),
			 -EINVAL);
	assert_int_equal(vp_hookscript_text(99, "0000:01:00.0", "flr", NULL, false, &s),
			 -EINVAL);

	assert_int_equal(vp_hookscript_text(101, "0000:0a:00.0", "device_specific",
					    "amdgpu", false, &s),
			 0);
	assert_true(startswith(s, "#!/bin/sh\n"));
	assert_non_null(strstr(s, "\ndev=0000:0a:00.0\n"));
	assert_non_null(strstr(s, "\nsysdev=/sys/bus/pci/devices/0000:0a:00.0\n"));
	assert_non_null(strstr(s, "\nmethod=device_specific\n"));
	assert_non_null(strstr(s, "\ndriver=amdgpu\n"));
	assert_non_null(strstr(s, "\nstrict=0\n"));
	assert_non_null(strstr(s, "\nexit 0\n"));

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
	cmd = xasprintf("sh -n %s", tmpl);
	assert_int_equal(system(cmd), 0);
	unlink(tmpl);
	free(s);

	assert_int_equal(vp_hookscript_text(101, "0000:0a:00.0", "bus", NULL, true, &s),
			 0);
	assert_non_null(strstr(s, "\nstrict=1\n"));
	assert_non_null(strstr(s, "\ndriver=\n"));
	free(s);
}

static void storage(void **state)
{
	static const char cfg[] = "dir: local\n"
				  "\tpath /var/lib/vz\n"
				  "\tcontent iso,vztmpl,backup\n"
				  "\n"
				  "lvmthin: local-lvm\n"
				  "\tthinpool data\n"
				  "\tvgname pve\n"
				  "\tcontent rootdir,images\n"
				  "\n"
				  "dir: snip\n"
				  "\tpath /srv/snip\n"
				  "\tcontent snippets,iso\n"
				  "\n"
				  "dir: evil\n"
				  "\tpath /srv/../etc\n"
				  "\tcontent snippets\n";
	char *path = NULL, *reason = NULL;

	assert_int_equal(vp_storage_snippets_path(cfg, "local", &path, &reason), -EINVAL);
	assert_non_null(
		strstr(reason, "pvesm set local --content iso,vztmpl,backup,snippets"));
	free(reason);
	assert_int_equal(vp_storage_snippets_path(cfg, "local-lvm", &path, &reason),
			 -EINVAL);
	assert_non_null(strstr(reason, "no directory"));
	free(reason);
	assert_int_equal(vp_storage_snippets_path(cfg, "nfs1", &path, &reason), -ENOENT);
	free(reason);
	assert_int_equal(vp_storage_snippets_path(cfg, "evil", &path, &reason), -EINVAL);
	free(reason);
	assert_int_equal(vp_storage_snippets_path(cfg, "snip", &path, &reason), 0);
	assert_string_equal(path, "/srv/snip");
	free(path);
	assert_int_equal(vp_storage_snippets_path(NULL, "local", &path, &reason), 0);
	assert_string_equal(path, "/var/lib/vz");
	free(path);
	assert_int_equal(vp_storage_snippets_path(NULL, "other", &path, &reason),
			 -ENOENT);
	free(reason);
}

static void mapping(void **state)
{
	struct vp_dev d = { .vendor = 0x10de,
			    .device = 0x2684,
			    .subvendor = 0x1458,
			    .subdevice = 0x40bf,
			    .iommu_group = 17 };
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *m = NULL, *back = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *out = NULL;
	struct strv added = { 0 }, refusals = { 0 }, maps = { 0 }, notes = { 0 };
	const char *names[] = { "pve1", "pve2", NULL };
	size_t len;

	assert_int_equal(vp_mapping_map_value("pve1", "0000:01:00.0", &d, &m1), 0);
	assert_string_equal(m1, "node=pve1,path=0000:01:00.0,id=10de:2684,"
				"subsystem-id=1458:40bf,iommugroup=17");
	d.iommu_group = 3;
	assert_int_equal(vp_mapping_map_value("pve2", "0000:41:00", &d, &m2), 0);
	assert_string_equal(m2, "node=pve2,path=0000:41:00,id=10de:2684,"
				"subsystem-id=1458:40bf,iommugroup=3");

	assert_int_equal(vp_pve_mapping_parse(VP_PVE_MAP_PCI, "", 0, &m), 0);
	{
		const char *const both[] = { m1, m2, NULL };

		assert_int_equal(vp_mapping_merge(m, "gpu", both, names, &added, &notes,
						  &refusals),
				 0);
		assert_int_equal(added.n, 2);
		assert_int_equal(refusals.n, 0);
		/* Again: nothing new, no refusal. */
		assert_int_equal(vp_mapping_merge(m, "gpu", both, names, &added, &notes,
						  &refusals),
				 0);
		assert_int_equal(added.n, 2);
		assert_int_equal(refusals.n, 0);
	}
	assert_int_equal(notes.n, 0);
	/* Another device for pve1 is an alternative: the node's pool grows. */
	d.iommu_group = 9;
	assert_int_equal(vp_mapping_map_value("pve1", "0000:02:00.0", &d, &m3), 0);
	{
		const char *const other[] = { m3, NULL };

		assert_int_equal(vp_mapping_merge(m, "gpu", other, names, &added, &notes,
						  &refusals),
				 0);
		assert_int_equal(refusals.n, 0);
		assert_int_equal(added.n, 3);
		assert_int_equal(notes.n, 1);
		assert_non_null(strstr(notes.v[0], "node pve1 now offers 2 devices"));
	}
	assert_int_equal(vp_pve_mapping_serialize(m, &out, &len), 0);
	assert_string_equal(out, "gpu\n"
				 "\tmap node=pve1,path=0000:01:00.0,id=10de:2684,"
				 "subsystem-id=1458:40bf,iommugroup=17\n"
				 "\tmap node=pve2,path=0000:41:00,id=10de:2684,"
				 "subsystem-id=1458:40bf,iommugroup=3\n"
				 "\tmap node=pve1,path=0000:02:00.0,id=10de:2684,"
				 "subsystem-id=1458:40bf,iommugroup=9\n");
	/* What Proxmox reads back: one valid section with both maps. */
	assert_int_equal(vp_pve_mapping_parse(VP_PVE_MAP_PCI, out, len, &back), 0);
	assert_non_null(vp_pve_mapping_find(back, "gpu"));
	assert_true(vp_pve_mapping_find(back, "gpu")->valid);
	assert_int_equal(vp_pve_mapping_maps(back, "gpu", &maps), 0);
	assert_int_equal(maps.n, 3);
	strv_free(&maps);
	strv_free(&added);
	strv_free(&refusals);
	strv_free(&notes);
}

/*
 * An API answer (pve-manager API2/Hardware/PCI.pm) as a host, and map lines
 * against it as assert_valid sees them: every state, and where the device
 * went when it moved.
 */
static void api_and_verify(void **state)
{
	static const char json[] =
		"{\"data\":[{\"id\":\"0000:09:00.1\",\"class\":\"0x040300\","
		"\"vendor\":\"0x10de\",\"device\":\"0x22ba\",\"iommugroup\":18},"
		"{\"id\":\"0000:09:00.0\",\"class\":\"0x030000\",\"vendor\":\"0x10de\","
		"\"device\":\"0x2684\",\"iommugroup\":18,\"subsystem_vendor\":\"0x1458\","
		"\"subsystem_device\":\"0x40bf\",\"vendor_name\":\"NVIDIA Corporation\"}]}";
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ char *err = NULL, *fix = NULL;
	struct vp_map_verdict v;
	struct vp_map_want w = { .path = "0000:09:00",
				 .id = "10de:2684",
				 .subsys = "1458:40bf",
				 .group = "18" };

	(void)state;
	assert_int_equal(vp_api_pci_parse(json, sizeof(json) - 1, &h, &err), 0);
	assert_int_equal(h->ndevs, 2);
	assert_string_equal(h->devs[0]->addr, "0000:09:00.0"); /* sorted */
	assert_int_equal(h->devs[0]->subvendor, 0x1458);
	assert_string_equal(h->devs[0]->vendor_name, "NVIDIA Corporation");

	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_HOLDS);
	assert_ptr_equal(v.now, h->devs[0]);
	vp_map_verdict_free(&v);

	w.group = "17";
	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_GROUP);
	assert_non_null(strstr(v.why, "IOMMU group 18 now, the map says 17"));
	vp_map_verdict_free(&v);

	w.group = NULL; /* assert_valid requires it */
	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_GROUP);
	vp_map_verdict_free(&v);

	w = (struct vp_map_want){ .path = "0000:09:00.0",
				  .id = "10de:2684",
				  .group = "18" };
	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_SUBSYS); /* the device has one, the map none */
	vp_map_verdict_free(&v);

	/* Moved from 01:00 (a renumbered bus): gone there, found at 09:00. */
	w = (struct vp_map_want){ .path = "0000:01:00",
				  .id = "10de:2684",
				  .subsys = "1458:40bf",
				  .group = "17" };
	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_GONE);
	assert_ptr_equal(v.now, h->devs[0]);
	assert_true(v.slot);
	assert_int_equal(vp_map_value("pve3", "0000:09:00", v.now, &fix), 0);
	assert_string_equal(fix, "node=pve3,path=0000:09:00,id=10de:2684,"
				 "subsystem-id=1458:40bf,iommugroup=18");
	vp_map_verdict_free(&v);

	w = (struct vp_map_want){ .path = "0000:09:00.1", .id = "10de:2684" };
	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_ID);
	vp_map_verdict_free(&v);

	w = (struct vp_map_want){ .path = "bogus", .id = "10de:2684" };
	assert_int_equal(vp_map_verify(h, &w, &v), 0);
	assert_int_equal(v.state, VP_MAP_BAD);
	vp_map_verdict_free(&v);

	/* Not the API's shape: refused with a reason, never half-read. */
	vp_host_free(TAKE_PTR(h));
	free(TAKE_PTR(err));
	assert_int_equal(vp_api_pci_parse("[{\"id\":\"0000:01:00.0\"}]", 23, &h, &err),
			 -EBADMSG);
	assert_null(h);
	assert_non_null(err);
	free(TAKE_PTR(err));
	assert_int_equal(vp_api_pci_parse("[1] x", 5, &h, &err), -EBADMSG);
	free(TAKE_PTR(err));
	assert_int_equal(vp_api_pci_parse("[{\"id\":\"0000:01:00.0\",\"vendor\":\"0x1\","
					  "\"device\":\"0x2\"},{\"id\":\"0000:01:00.0\","
					  "\"vendor\":\"0x1\",\"device\":\"0x2\"}]",
					  105, &h, &err),
			 -EBADMSG);
	assert_non_null(strstr(err, "listed twice"));
	assert_false(vp_api_node_name_ok("../x"));
	assert_false(vp_api_node_name_ok("-a"));
	assert_true(vp_api_node_name_ok("pve-gpu01"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids),	   cmocka_unit_test(wanted),
		cmocka_unit_test(devn),	   cmocka_unit_test(raw_lines),
		cmocka_unit_test(script),  cmocka_unit_test(storage),
		cmocka_unit_test(mapping), cmocka_unit_test(api_and_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
