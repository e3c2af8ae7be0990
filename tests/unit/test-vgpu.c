// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host/vgpu.c on sysfs text other people captured (tests/data/vgpu/SOURCES):
 * an L40S VF's nvidia/creatable_vgpu_types and an A2 VF's
 * mdev_supported_types, copied into a scratch directory the way the kernel
 * lays them out below a function's sysfs directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/host.h"
#include "util.h"

static char *data_path(const char *name)
{
	const char *dir = getenv("VP_VGPU_DATA");

	if (!dir)
		fail_msg("VP_VGPU_DATA is not set");
	return xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *path)
{
	char *buf = calloc(1, 65536);
	FILE *f = fopen(path, "r");
	size_t len;

	assert_non_null(buf);
	if (!f)
		fail_msg("%s: cannot open", path);
	len = fread(buf, 1, 65535, f);
	fclose(f);
	assert_true(len > 0);
	return buf;
}

static void put(const char *dir, const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void parse_real_l40s(void **state)
{
	_cleanup_free_ char *path = data_path("l40s-creatable_vgpu_types");
	_cleanup_free_ char *text = slurp(path);
	struct vp_vgpu v = { 0 };
	const struct vp_vgpu_type *t;

	(void)state;
	assert_int_equal(vp_vgpu_parse_creatable(text, &v), 0);
	assert_int_equal(v.ntypes, 23);
	assert_string_equal(v.types[0].type, "nvidia-1145");
	assert_string_equal(v.types[0].name, "NVIDIA L40S-1B");
	assert_int_equal(v.types[0].available, 1);
	/* The last row breaks the run of ids: 2164 came with a later driver. */
	assert_string_equal(v.types[22].type, "nvidia-2164");
	assert_string_equal(v.types[22].name, "NVIDIA L40S-3B");
	t = vp_vgpu_find(&v, "L40S-2Q");
	assert_non_null(t);
	assert_int_equal(t->id, 1148);
	assert_ptr_equal(vp_vgpu_find(&v, "nvidia-1148"), t);
	assert_ptr_equal(vp_vgpu_find(&v, "1148"), t);
	assert_ptr_equal(vp_vgpu_find(&v, "nvidia l40s-2q"), t);
	assert_null(vp_vgpu_find(&v, "L40S-99Q"));
	assert_null(vp_vgpu_find(&v, "nvidia-"));
	assert_null(vp_vgpu_find(&v, ""));
	vp_vgpu_clear(&v);
	assert_int_equal(v.ntypes, 0);
}

static void parse_shapes(void **state)
{
	static const struct {
		const char *text;
		int r;
		size_t n;
	} t[] = {
		/* all made: only the header is left (NVIDIA vgpu-device-manager's test)
		 */
		{ "ID    : vGPU Name\n", 0, 0 },
		{ "", 0, 0 },
		/* the RFC driver's "%-5d : %s" without the header, no final newline */
		{ "941   : NVIDIA RTX6000-Ada-1Q\n942   : NVIDIA RTX6000-Ada-2Q", 0, 2 },
		{ "  1148  : NVIDIA L40S-2Q  \r\n", 0, 1 },
		{ "ID : vGPU Name\nabc : x\n", -EBADMSG, 0 },
		{ "1148 NVIDIA L40S-2Q\n", -EBADMSG, 0 },
		{ "0 : zero is no type\n", -EBADMSG, 0 },
		{ "1234567890 : too long\n", -EBADMSG, 0 },
		{ "1148 :\n", -EBADMSG, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct vp_vgpu v = { 0 };
		int r = vp_vgpu_parse_creatable(t[i].text, &v);

		if (r != t[i].r || (r == 0 && v.ntypes != t[i].n))
			fail_msg("case %zu: r=%d n=%zu", i, r, v.ntypes);
		vp_vgpu_clear(&v);
	}
}

struct tree {
	char dir[64];
	int dfd;
};

static void tree_make(struct tree *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/vp-vgpu-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static void tree_open(struct tree *t)
{
	t->dfd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->dfd >= 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tree_drop(struct tree *t)
{
	close(t->dfd);
	assert_int_equal(nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void copy_type(const char *dir, const char *type)
{
	static const char *const files[] = { "name", "description" };
	_cleanup_free_ char *tdir = xasprintf("%s/mdev_supported_types/%s", dir, type);

	assert_int_equal(mkdir(tdir, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *src = NULL, *rel = NULL, *text = NULL;

		rel = xasprintf("harvester-a2-vf/mdev_supported_types/%s/%s", type,
				files[i]);
		src = data_path(rel);
		text = slurp(src);
		free(rel);
		rel = xasprintf("mdev_supported_types/%s/%s", type, files[i]);
		put(dir, rel, text);
	}
}

static void read_mdev(void **state)
{
	struct vp_dev d = { .class = 0x030200 };
	struct tree t;
	_cleanup_free_ char *types = NULL, *inst = NULL;

	(void)state;
	tree_make(&t);
	types = xasprintf("%s/mdev_supported_types", t.dir);
	assert_int_equal(mkdir(types, 0755), 0);
	copy_type(t.dir, "nvidia-743");
	copy_type(t.dir, "nvidia-742");
	/* Not in the capture: ours, to see the count read. */
	put(t.dir, "mdev_supported_types/nvidia-742/available_instances", "15\n");
	put(t.dir, "mdev_supported_types/nvidia-743/available_instances", "0\n");
	inst = xasprintf("%s/mdev_supported_types/nvidia-742/devices", t.dir);
	assert_int_equal(mkdir(inst, 0755), 0);
	put(t.dir,
	    "mdev_supported_types/nvidia-742/devices/00000000-0000-0000-0000-000000000100",
	    "");
	tree_open(&t);
	assert_int_equal(vp_vgpu_read(&d, t.dfd), 0);
	assert_int_equal(d.vgpu.iface, VP_VGPU_MDEV);
	assert_int_equal(d.vgpu.ntypes, 2);
	/* sorted by name, not in readdir's order */
	assert_string_equal(d.vgpu.types[0].type, "nvidia-742");
	assert_int_equal(d.vgpu.types[0].id, 742);
	assert_string_equal(d.vgpu.types[0].name, "NVIDIA A2-1B");
	assert_int_equal(d.vgpu.types[0].available, 15);
	assert_string_equal(d.vgpu.types[0].description,
			    "num_heads=4, frl_config=45, framebuffer=1024M, "
			    "max_resolution=5120x2880, max_instance=16");
	assert_int_equal(d.vgpu.types[1].available, 0);
	assert_int_equal(d.vgpu.instances, 1);
	assert_ptr_equal(vp_vgpu_find(&d.vgpu, "A2-2B"), &d.vgpu.types[1]);
	vp_vgpu_clear(&d.vgpu);
	strv_free(&d.unknown);
	tree_drop(&t);
}

static void read_nvidia(void **state)
{
	struct vp_dev d = { .class = 0x030200 };
	struct vp_dev nic = { .class = 0x020000 };
	struct tree t;
	_cleanup_free_ char *nv = NULL;

	(void)state;
	tree_make(&t);
	nv = xasprintf("%s/nvidia", t.dir);
	assert_int_equal(mkdir(nv, 0755), 0);
	/* A VF that runs a 2Q: the card offers 2Q only (nvidia-vgpu fixture). */
	put(t.dir, "nvidia/creatable_vgpu_types",
	    "ID    : vGPU Name\n1148  : NVIDIA L40S-2Q\n");
	put(t.dir, "nvidia/current_vgpu_type", "1148\n");
	tree_open(&t);
	assert_int_equal(vp_vgpu_read(&d, t.dfd), 0);
	assert_int_equal(d.vgpu.iface, VP_VGPU_NVIDIA);
	assert_int_equal(d.vgpu.current, 1148);
	assert_int_equal(d.vgpu.ntypes, 1);
	assert_null(vp_dev_unknown_why(&d, "vgpu"));
	/* Only display and accelerator functions are looked at. */
	assert_int_equal(vp_vgpu_read(&nic, t.dfd), 0);
	assert_int_equal(nic.vgpu.iface, VP_VGPU_NONE);
	/* A text not in the driver's format: no types, and the reason kept. */
	put(t.dir, "nvidia/creatable_vgpu_types", "garbage\n");
	assert_int_equal(vp_vgpu_read(&d, t.dfd), 0);
	assert_int_equal(d.vgpu.iface, VP_VGPU_NVIDIA);
	assert_int_equal(d.vgpu.ntypes, 0);
	assert_non_null(vp_dev_unknown_why(&d, "vgpu"));
	vp_vgpu_clear(&d.vgpu);
	strv_free(&d.unknown);
	tree_drop(&t);
}

/* The exact type name, the id and the name: what vp_vgpu_find chains. */
static void lookups(void **state)
{
	struct vp_vgpu_type types[] = {
		{ .type = "nvidia-1148", .id = 1148, .name = "NVIDIA L40S-2Q" },
		{ .type = "i915-GVTg_V5_4", .name = "GVTg_V5_4" },
		{ .type = "nvidia-63", .id = 63 },
	};
	struct vp_vgpu v = { VP_VGPU_MDEV, types, 3, 0, -1 };

	(void)state;
	assert_ptr_equal(vp_vgpu_find_type(&v, "nvidia-1148"), &types[0]);
	assert_ptr_equal(vp_vgpu_find_type(&v, "i915-GVTg_V5_4"), &types[1]);
	/* exact: neither the id nor the name nor another case */
	assert_null(vp_vgpu_find_type(&v, "1148"));
	assert_null(vp_vgpu_find_type(&v, "L40S-2Q"));
	assert_null(vp_vgpu_find_type(&v, "NVIDIA-1148"));
	assert_null(vp_vgpu_find_type(&v, NULL));
	assert_ptr_equal(vp_vgpu_by_id(&v, 63), &types[2]);
	assert_ptr_equal(vp_vgpu_by_id(&v, 1148), &types[0]);
	/* 0 is "no type" (current_vgpu_type), never the mdev type without an id */
	assert_null(vp_vgpu_by_id(&v, 0));
	assert_null(vp_vgpu_by_id(&v, 64));
	assert_ptr_equal(vp_vgpu_find(&v, "63"), &types[2]);
	assert_null(vp_vgpu_find(&v, "0"));
	assert_ptr_equal(vp_vgpu_find(&v, "gvtg_v5_4"), &types[1]);
}

static void dev_init(struct vp_dev *d, const char *addr, enum vp_vgpu_iface iface)
{
	*d = (struct vp_dev){ .vgpu.iface = iface };
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	assert_int_equal(vp_bdf_parse(addr, &d->bdf, NULL, false), 0);
}

/* Where a function's vGPUs live: on itself, else on its VFs that offer them. */
static void vgpu_functions(void **state)
{
	struct vp_dev pf, vf1, vf2, vf3, mdev, plain;
	struct vp_dev *devs[] = { &pf, &vf1, &vf2, &vf3, &mdev, &plain };
	struct vp_host h = { .devs = devs, .ndevs = 6 };
	struct vp_dev *got[4];
	size_t n = 0, pos = 0;
	struct vp_dev *d;

	(void)state;
	/* An L40S PF on NVIDIA's vGPU host driver: types on VFs 1 and 3. */
	dev_init(&pf, "0000:18:00.0", VP_VGPU_NONE);
	dev_init(&vf1, "0000:18:00.4", VP_VGPU_NVIDIA);
	dev_init(&vf2, "0000:18:00.5", VP_VGPU_NONE);
	dev_init(&vf3, "0000:18:00.6", VP_VGPU_NVIDIA);
	dev_init(&mdev, "0000:3b:00.0", VP_VGPU_MDEV);
	dev_init(&plain, "0000:5e:00.0", VP_VGPU_NONE);
	/* virtfn order, with one VF the host does not list */
	assert_int_equal(strv_add(&pf.virtfn, "0000:18:00.6"), 0);
	assert_int_equal(strv_add(&pf.virtfn, "0000:18:01.0"), 0);
	assert_int_equal(strv_add(&pf.virtfn, "0000:18:00.5"), 0);
	assert_int_equal(strv_add(&pf.virtfn, "0000:18:00.4"), 0);
	while ((d = vp_vgpu_next(&h, &pf, &pos)) && n < 4)
		got[n++] = d;
	assert_int_equal(n, 2);
	assert_ptr_equal(got[0], &vf3);
	assert_ptr_equal(got[1], &vf1);
	/* A function with an interface is its own and only one, VFs or not. */
	assert_int_equal(strv_add(&mdev.virtfn, "0000:18:00.4"), 0);
	pos = 0;
	assert_ptr_equal(vp_vgpu_next(&h, &mdev, &pos), &mdev);
	assert_null(vp_vgpu_next(&h, &mdev, &pos));
	pos = 0;
	assert_ptr_equal(vp_vgpu_next(&h, &vf1, &pos), &vf1);
	assert_null(vp_vgpu_next(&h, &vf1, &pos));
	pos = 0;
	assert_null(vp_vgpu_next(&h, &plain, &pos));
	pos = 0;
	assert_null(vp_vgpu_next(&h, &vf2, &pos));
	strv_free(&pf.virtfn);
	strv_free(&mdev.virtfn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_real_l40s), cmocka_unit_test(parse_shapes),
		cmocka_unit_test(read_mdev),	   cmocka_unit_test(read_nvidia),
		cmocka_unit_test(lookups),	   cmocka_unit_test(vgpu_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
