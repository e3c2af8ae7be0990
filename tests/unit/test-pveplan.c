// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line building of lxc, hookscript and mapping (src/plan/pveplan.c):
 * devN values and indices, the raw lxc.* lines for PVE < 8.1, the
 * hookscript text and its refusals, storage.cfg snippets checks, map
 * values and merging into pci.cfg; the GPU nodes of lxc --gpu (NVIDIA's
 * procfs parsed from real captures in tests/data/nvidia), the container's
 * rootfs and groups, raw lxc lines already mapping a node, and whole plans
 * on the nvidia-transcode and amd-compute fixtures.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "host/gpudev.h"
#include "host/host.h"
#include "host/mapcheck.h"
#include "host/pveapi.h"
#include "plan/pveplan.h"
#include "pve/conf.h"
#include "pve/ctconf.h"
#include "pve/mapping.h"
#include "pve/storage.h"
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
	char *out = NULL, *why = NULL;
	size_t n = 0, len;

	assert_int_equal(vp_lxc_wanted(&drm, "0000:00:02.0", render_only, &v, &n), 0);
	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	assert_int_equal(vp_lxc_set_devs(c, v, n, keys, &values, &notes, &why), 0);
	assert_null(why);
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
	_cleanup_free_ char *out = NULL, *why = NULL;
	size_t n = 0, len;

	assert_int_equal(vp_lxc_wanted(&drm, "0000:00:02.0", false, &v, &n), 0);
	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	assert_int_equal(vp_lxc_set_raw(c, v, majmin, n, &added, &why), 0);
	assert_int_equal(added.n, 4);
	assert_int_equal(vp_lxc_set_raw(c, v, majmin, n, &added, &why), 0);
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

/* The one storage.cfg reader (pve/storage.c) that ctroot.c and hookplan.c share. */
static void storage_cfg(void **state)
{
	static const char cfg[] = "# comment: x\n"
				  "zfspool: tank\n"
				  "\tpool rpool/data\n"
				  "\tmountpoint /rpool/data\n"
				  "\tcontent images,rootdir\n"
				  "\n"
				  "dir: tank\n"
				  "\tpath /second\n"
				  "dir: d\n"
				  "\tpath /mnt/d\n"
				  "\tcontent-dirs snippets=snip\n"
				  "\tcontent snippets\n";
	struct vp_pve_storage s;

	(void)state;
	/* A second section with one id does not change the first. */
	assert_int_equal(vp_pve_storage_find(cfg, "tank", &s), 0);
	assert_string_equal(s.type, "zfspool");
	assert_string_equal(s.pool, "rpool/data");
	assert_string_equal(s.mountpoint, "/rpool/data");
	assert_null(s.path);
	assert_true(vp_pve_storage_has_content(&s, "rootdir"));
	assert_false(vp_pve_storage_has_content(&s, "root"));
	vp_pve_storage_free(&s);
	assert_int_equal(vp_pve_storage_find(cfg, "d", &s), 0);
	assert_string_equal(s.content_dirs, "snippets=snip");
	assert_true(vp_pve_storage_has_content(&s, "snippets"));
	vp_pve_storage_free(&s);
	assert_int_equal(vp_pve_storage_find(cfg, "comment", &s), -ENOENT);
	assert_int_equal(vp_pve_storage_find(NULL, "d", &s), -ENOENT);
	assert_true(vp_pve_storage_id_ok("local-lvm"));
	assert_false(vp_pve_storage_id_ok("l"));
	assert_false(vp_pve_storage_id_ok("../x"));
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

static char *data_file(const char *name)
{
	const char *dir = getenv("VP_NVIDIA_DATA");
	_cleanup_free_ char *path = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!dir)
		fail_msg("VP_NVIDIA_DATA is not set");
	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open", path);
	buf = calloc(1, 65536);
	assert_non_null(buf);
	len = fread(buf, 1, 65535, f);
	fclose(f);
	assert_true(len > 0);
	return buf;
}

static void nvidia_procfs(void **state)
{
	_cleanup_free_ char *info = data_file("information-l4.txt");
	_cleanup_free_ char *v565 = data_file("version-open-565.txt");
	_cleanup_free_ char *v525 = data_file("version-open-525.txt");
	_cleanup_free_ char *dev = data_file("proc-devices-caps-imex.txt");
	char *v;

	assert_int_equal(vp_nvidia_info_minor(info), 0);
	assert_int_equal(vp_nvidia_info_minor("Device Minor: \t 3\n"), 3);
	assert_int_equal(vp_nvidia_info_minor("Model: \t\t x\n"), -1);
	assert_int_equal(vp_nvidia_info_minor("Device Minor: \t x\n"), -1);
	assert_int_equal(vp_nvidia_info_minor("Device Minor: \t 255\n"), -1);

	v = vp_nvidia_proc_version(v565);
	assert_string_equal(v, "565.57.01");
	free(v);
	v = vp_nvidia_proc_version(v525);
	assert_string_equal(v, "525.60.11");
	free(v);
	/* The proprietary module's spelling (nv-procfs.c with its NVRM_ID). */
	v = vp_nvidia_proc_version("NVRM version: NVIDIA UNIX x86_64 Kernel Module  "
				   "550.144.03  Mon Dec 30 17:10:07 UTC 2024\n");
	assert_string_equal(v, "550.144.03");
	free(v);
	assert_null(vp_nvidia_proc_version("GCC version: 12\n"));
	assert_null(vp_nvidia_proc_version("NVRM version: NVIDIA UNIX Kernel Module\n"));

	/* The whole name: not the imex channels listed first. */
	assert_int_equal(vp_proc_devices_major(dev, "nvidia-caps"), 511);
	assert_int_equal(vp_proc_devices_major(dev, "nvidia-caps-imex-channels"), 234);
	assert_int_equal(vp_proc_devices_major(dev, "nvidia-uvm"), -1);
	assert_int_equal(vp_proc_devices_major("Character devices:\n\nBlock devices:\n"
					       "259 nvidia-uvm\n",
					       "nvidia-uvm"),
			 -1);

	assert_int_equal(vp_group_file_gid("video:x:44:\nrender:x:993:jf\n", "render"),
			 993);
	assert_int_equal(vp_group_file_gid("renderx:x:5:\n", "render"), -1);
	assert_int_equal(vp_group_file_gid("render:x:\nvideo:x:44:\n", "render"), -1);
	assert_int_equal(vp_group_file_gid("render:x:abc:\n", "render"), -1);
}

static void rootfs_dir(void **state)
{
	static const char cfg[] =
		"dir: local\n\tpath /var/lib/vz\n\tcontent rootdir\n\n"
		"lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\n"
		"zfspool: local-zfs\n\tpool rpool/data\n\tsparse\n\n"
		"zfspool: tank\n\tpool tank/ct\n\tmountpoint /srv/ct\n\n"
		"btrfs: bt\n\tpath /mnt/bt\n\n"
		"dir: odd\n\tpath /srv/x\n\tcontent-dirs images=img\n";
	char *dir = NULL, *why = NULL;

	assert_int_equal(vp_ct_rootfs_dir("local:101/subvol-101-disk-0.subvol,size=0T",
					  cfg, &dir, &why),
			 0);
	assert_string_equal(dir, "/var/lib/vz/images/101/subvol-101-disk-0.subvol");
	free(dir);
	assert_int_equal(vp_ct_rootfs_dir("size=8G,volume=local-zfs:subvol-105-disk-0",
					  cfg, &dir, &why),
			 0);
	assert_string_equal(dir, "/rpool/data/subvol-105-disk-0");
	free(dir);
	assert_int_equal(
		vp_ct_rootfs_dir("tank:subvol-200-disk-0,size=32G", cfg, &dir, &why), 0);
	assert_string_equal(dir, "/srv/ct/subvol-200-disk-0");
	free(dir);
	assert_int_equal(
		vp_ct_rootfs_dir("bt:102/subvol-102-disk-0.subvol", cfg, &dir, &why), 0);
	assert_string_equal(dir, "/mnt/bt/images/102/subvol-102-disk-0.subvol");
	free(dir);
	assert_int_equal(vp_ct_rootfs_dir("/srv/ct-root", cfg, &dir, &why), 0);
	assert_string_equal(dir, "/srv/ct-root");
	free(dir);
	/* Without storage.cfg only local is known. */
	assert_int_equal(
		vp_ct_rootfs_dir("local:101/subvol-101-disk-0.subvol", NULL, &dir, &why),
		0);
	free(dir);

	/* Not directories: each says why. */
	assert_int_equal(vp_ct_rootfs_dir("local:101/vm-101-disk-0.raw", cfg, &dir, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "disk image"));
	free(why);
	assert_int_equal(
		vp_ct_rootfs_dir("local-lvm:vm-101-disk-0,size=8G", cfg, &dir, &why),
		-EINVAL);
	assert_non_null(strstr(why, "lvmthin"));
	free(why);
	assert_int_equal(vp_ct_rootfs_dir("local-zfs:vm-101-disk-0", cfg, &dir, &why),
			 -EINVAL);
	free(why);
	assert_int_equal(
		vp_ct_rootfs_dir("nas:101/subvol-101-disk-0.subvol", cfg, &dir, &why),
		-ENOENT);
	free(why);
	assert_int_equal(
		vp_ct_rootfs_dir("odd:101/subvol-101-disk-0.subvol", cfg, &dir, &why),
		-EINVAL);
	free(why);
	assert_int_equal(vp_ct_rootfs_dir("local:101/../../etc", cfg, &dir, &why),
			 -EINVAL);
	free(why);
	assert_int_equal(vp_ct_rootfs_dir("local:../subvol-1.subvol", cfg, &dir, &why),
			 -EINVAL);
	free(why);
	assert_int_equal(vp_ct_rootfs_dir("/srv/../etc", cfg, &dir, &why), -EINVAL);
	free(why);
	assert_int_equal(vp_ct_rootfs_dir(NULL, cfg, &dir, &why), -ENOENT);
	free(why);
	assert_null(dir);
}

static void raw_mapping(void **state)
{
	_cleanup_free_ char *recipe = data_file("lxc-recipe-schmidt-silas.conf");
	_cleanup_free_ char *text = xasprintf("arch: amd64\nmemory: 512\n%s"
					      "lxc.mount.entry: /dev/dri dev/dri none "
					      "bind,optional,create=dir\n",
					      recipe);
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	bool allowed;

	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	assert_non_null(vp_lxc_raw_mapping(c, "/dev/nvidia0", "195:0", &allowed));
	assert_true(allowed);
	assert_non_null(vp_lxc_raw_mapping(c, "/dev/nvidiactl", "195:255", &allowed));
	assert_true(allowed);
	/* Mapped, but the recipe's second major is not this host's nvidia-uvm. */
	assert_non_null(vp_lxc_raw_mapping(c, "/dev/nvidia-uvm", "235:0", &allowed));
	assert_false(allowed);
	assert_non_null(vp_lxc_raw_mapping(c, "/dev/nvidia-uvm", "511:0", &allowed));
	assert_true(allowed);
	/* Not mapped: nvidia-caps, and a name that only starts like a mapped one. */
	assert_null(
		vp_lxc_raw_mapping(c, "/dev/nvidia-caps/nvidia-cap1", "511:1", &allowed));
	assert_null(vp_lxc_raw_mapping(c, "/dev/nvidia01", "195:1", &allowed));
	/* A directory mount maps what is below it. */
	assert_non_null(
		vp_lxc_raw_mapping(c, "/dev/dri/renderD128", "226:128", &allowed));
	assert_false(allowed);
	assert_null(vp_lxc_raw_mapping(c, "/dev/drivers", NULL, &allowed));
}

/* Every devN line of @text passes Proxmox's property schema for devN. */
static void devn_lines_valid(const char *text)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	size_t k = 0;

	assert_int_equal(vp_pve_ctconf_parse(text, strlen(text), &c), 0);
	for (size_t i = 0; i < c->n_lines; i++) {
		_cleanup_free_ char *reason = NULL;
		const struct vp_pve_line *l = &c->lines[i];

		if (l->kind != VP_PVE_LINE_KEY || !startswith(l->key, "dev"))
			continue;
		k++;
		if (vp_pve_ctconf_check(l->key, l->value, &reason) != 0)
			fail_msg("%s: %s: %s", l->key, l->value, reason ? reason : "?");
		assert_int_equal(l->status, VP_PVE_OK);
	}
	assert_true(k > 0);
}

static struct vp_ctx *fixture(const char *name)
{
	const char *dir = getenv("VP_FIXTURES");
	_cleanup_free_ char *root = NULL;
	struct vp_ctx *ctx = NULL;

	if (!dir)
		fail_msg("VP_FIXTURES is not set");
	root = xasprintf("%s/%s", dir, name);
	assert_int_equal(vp_ctx_new(root, &ctx), 0);
	return ctx;
}

static bool has_note(const struct vp_plan *p, const char *needle)
{
	for (size_t i = 0; i < p->notes.n; i++)
		if (strstr(p->notes.v[i], needle))
			return true;
	return false;
}

/* The plan's one edit, the new file; NULL when nothing is to change. */
static const char *plan_text(const struct vp_plan *p)
{
	assert_int_equal(p->refusals.n, 0);
	return p->nedits ? p->edits[0].new : NULL;
}

static void gpu_plan_nvidia(void **state)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = fixture("nvidia-transcode");
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct vp_lxc_opts o = { .ctid = 101, .gpu = "0b:00.0" };
	struct vp_plan p = { 0 };
	const char *t;

	assert_int_equal(vp_host_load(ctx, &h), 0);
	/* The container's own render group (993, not the host's 104). */
	assert_int_equal(vp_lxc_plan(ctx, h, &o, &p), 0);
	t = plan_text(&p);
	assert_non_null(t);
	assert_non_null(strstr(t, "unprivileged: 1\n"
				  "dev0: /dev/nvidia0,gid=993\n"
				  "dev1: /dev/nvidiactl,gid=993\n"
				  "dev2: /dev/nvidia-uvm,gid=993\n"
				  "dev3: /dev/nvidia-uvm-tools,gid=993\n"
				  "dev4: /dev/nvidia-modeset,gid=993\n"
				  "dev5: /dev/nvidia-caps/nvidia-cap1,gid=993\n"
				  "dev6: /dev/nvidia-caps/nvidia-cap2,gid=993\n"));
	devn_lines_valid(t);
	assert_true(has_note(&p, "550.144.03"));
	assert_true(has_note(&p, "subvol-101-disk-0.subvol/etc/group"));
	vp_plan_free(&p);

	/* local-lvm: the host's gid, as a named assumption. */
	o.ctid = 102;
	p = (struct vp_plan){ 0 };
	assert_int_equal(vp_lxc_plan(ctx, h, &o, &p), 0);
	t = plan_text(&p);
	assert_non_null(strstr(t, "dev0: /dev/nvidia0,gid=104\n"));
	devn_lines_valid(t);
	assert_true(has_note(&p, "assumed"));
	assert_true(has_note(&p, "pct mount 102"));
	vp_plan_free(&p);

	/* The raw recipe maps five nodes: only nvidia-caps gets devN lines. */
	o.ctid = 103;
	p = (struct vp_plan){ 0 };
	assert_int_equal(vp_lxc_plan(ctx, h, &o, &p), 0);
	t = plan_text(&p);
	assert_null(strstr(t, "dev0: /dev/nvidia0"));
	assert_non_null(strstr(t, "dev0: /dev/nvidia-caps/nvidia-cap1,gid=104\n"
				  "dev1: /dev/nvidia-caps/nvidia-cap2,gid=104\n"));
	devn_lines_valid(t);
	assert_true(has_note(&p, "already mapped by lxc.mount.entry"));
	assert_true(has_note(&p, "c 235:0 rwm"));
	vp_plan_free(&p);

	/* --dri: no render node; the refusal names --gpu. */
	o = (struct vp_lxc_opts){ .ctid = 101 };
	p = (struct vp_plan){ 0 };
	assert_int_equal(vp_lxc_plan(ctx, h, &o, &p), 0);
	assert_int_equal(p.refusals.n, 1);
	assert_non_null(strstr(p.refusals.v[0], "--gpu 0000:0b:00.0"));
	vp_plan_free(&p);
}

static void gpu_plan_amd(void **state)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = fixture("amd-compute");
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct vp_lxc_opts o = { .ctid = 200, .gpu = "09:00.0" };
	struct vp_plan p = { 0 };
	const char *t;

	assert_int_equal(vp_host_load(ctx, &h), 0);
	assert_int_equal(vp_lxc_plan(ctx, h, &o, &p), 0);
	t = plan_text(&p);
	assert_non_null(t);
	assert_non_null(strstr(t, "dev0: /dev/dri/renderD128,gid=992\n"
				  "dev1: /dev/dri/card0,gid=44\n"
				  "dev2: /dev/kfd,gid=992\n"));
	devn_lines_valid(t);
	assert_true(has_note(&p, "/tank/ct/subvol-200-disk-0/etc/group"));
	vp_plan_free(&p);

	o.render_only = true;
	p = (struct vp_plan){ 0 };
	assert_int_equal(vp_lxc_plan(ctx, h, &o, &p), 0);
	t = plan_text(&p);
	assert_non_null(strstr(t, "dev0: /dev/dri/renderD128,gid=992\n"
				  "dev1: /dev/kfd,gid=992\n"));
	assert_null(strstr(t, "card0"));
	vp_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids),		 cmocka_unit_test(wanted),
		cmocka_unit_test(devn),		 cmocka_unit_test(raw_lines),
		cmocka_unit_test(script),	 cmocka_unit_test(storage),
		cmocka_unit_test(mapping),	 cmocka_unit_test(api_and_verify),
		cmocka_unit_test(nvidia_procfs), cmocka_unit_test(rootfs_dir),
		cmocka_unit_test(raw_mapping),	 cmocka_unit_test(gpu_plan_nvidia),
		cmocka_unit_test(gpu_plan_amd),	 cmocka_unit_test(storage_cfg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
