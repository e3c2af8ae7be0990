// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * advise's decision matrix (checks/advise-rules.c): every row can win for
 * some possible set of facts, and does on a generated fixture host
 * ($VP_FIXTURES, plus two scratch copies: an HA cluster node and a host
 * without a GPU), so every path is reached.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/advise.h"
#include "host/host.h"
#include "util.h"

#define NFACTS 15

static const char *const workloads[] = { "gaming", "ai",  "transcode",
					 "cad",	   "nas", "generic" };

/* Facts that cannot come together: one implies another (advise.c gathers them). */
static bool possible(unsigned int f)
{
	if ((f & (VP_FACT_ONE_DISPLAY | VP_FACT_PT | VP_FACT_DRI | VP_FACT_NV_CT)) &&
	    !(f & VP_FACT_DISPLAY))
		return false;
	if ((f & VP_FACT_PT_GROUP_OK) &&
	    (f & (VP_FACT_PT | VP_FACT_IOMMU)) != (VP_FACT_PT | VP_FACT_IOMMU))
		return false;
	if ((f & (VP_FACT_PT_KB_SRIOV | VP_FACT_PT_KB_VGPU)) && !(f & VP_FACT_PT))
		return false;
	if ((f & VP_FACT_WL_PREFER_CT) && !(f & VP_FACT_WL_CT_OK))
		return false;
	return true;
}

static void check_table(bool keep)
{
	size_t n;
	const struct vp_advise_rule *t = vp_advise_rules(keep, &n);
	unsigned int won[32] = { 0 };

	/* NFACTS covers enum vp_fact */
	assert_int_equal(VP_FACT_WL_PREFER_CT, 1u << (NFACTS - 1));
	assert_true(n > 0 && n <= 32);
	/* the last row holds always, so the engine always ends on a row */
	assert_int_equal(t[n - 1].must | t[n - 1].must_not, 0);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].id);
		assert_true(t[i].reason && *t[i].reason);
		assert_true(t[i].source && *t[i].source);
		assert_int_equal(t[i].must & t[i].must_not, 0);
		assert_true((t[i].must | t[i].must_not) < (1u << NFACTS));
		if (keep) {
			assert_false(t[i].host_keeps);
			assert_null(t[i].tell);
		} else {
			assert_non_null(t[i].tell);
			if (t[i].host_keeps)
				assert_int_equal(t[i].path, VP_PATH_NONE);
		}
		for (size_t k = 0; k < i; k++)
			if (streq(t[k].id, t[i].id))
				fail_msg("row id %s twice", t[i].id);
	}
	for (unsigned int f = 0; f < (1u << NFACTS); f++) {
		const struct vp_advise_rule *r;

		if (!possible(f))
			continue;
		r = vp_advise_first(t, n, f);
		assert_non_null(r);
		won[r - t]++;
	}
	for (size_t i = 0; i < n; i++)
		if (!won[i])
			fail_msg("row %s never wins: an earlier row shadows it", t[i].id);
}

static void rows_can_win(void **state)
{
	(void)state;
	check_table(false);
	check_table(true);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void copy_tree(const char *from, const char *to)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("cp", "cp", "-a", from, to, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* @text as @root/etc/pve/@rel, making etc/pve/ha on the way. */
static void put_pve(const char *root, const char *rel, const char *text)
{
	const char *const dirs[] = { "etc", "etc/pve", "etc/pve/ha" };
	_cleanup_free_ char *p = xasprintf("%s/etc/pve/%s", root, rel);
	FILE *f;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", root, dirs[i]);

		assert_true(mkdir(d, 0755) == 0 || errno == EEXIST);
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Take every display function (class 03xxxx) off the bus listing of @root. */
static void drop_displays(const char *root)
{
	_cleanup_free_ char *bus = xasprintf("%s/sys/bus/pci/devices", root);
	DIR *dir = opendir(bus);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		_cleanup_free_ char *cls = NULL, *link = NULL;
		char buf[16] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		cls = xasprintf("%s/%s/class", bus, e->d_name);
		f = fopen(cls, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		if (!startswith(buf, "0x03"))
			continue;
		link = xasprintf("%s/%s", bus, e->d_name);
		assert_int_equal(unlink(link), 0);
		n++;
	}
	closedir(dir);
	assert_true(n > 0);
}

struct seen {
	const struct vp_advise_rule *row;
	char where[128];
};

static void advise_root(const char *root, const char *label, struct seen *rows,
			size_t nrows, bool *paths)
{
	struct vp_ctx *ctx = NULL;
	struct vp_host *h = NULL;

	assert_int_equal(vp_ctx_new(root, &ctx), 0);
	assert_int_equal(vp_host_load(ctx, &h), 0);
	for (size_t w = 0; w < ARRAY_SIZE(workloads); w++) {
		struct vp_advice a = { 0 };
		const struct vp_advise_rule *hit[2];

		assert_int_equal(vp_advise(ctx, h, vp_workload_find(workloads[w]), &a),
				 0);
		assert_non_null(a.rule);
		/* a path with a device names it; no path has no effort */
		assert_true(a.path == VP_PATH_NONE || a.device);
		assert_true(a.path != VP_PATH_NONE || !a.effort);
		assert_true(a.why.n > 0);
		paths[a.path] = true;
		hit[0] = a.rule;
		hit[1] = a.kept;
		for (size_t k = 0; k < 2; k++)
			for (size_t i = 0; hit[k] && i < nrows; i++)
				if (rows[i].row == hit[k] && !rows[i].where[0])
					snprintf(rows[i].where, sizeof(rows[i].where),
						 "%s -w %s", label, workloads[w]);
		vp_advice_free(&a);
	}
	vp_host_free(h);
	vp_ctx_free(ctx);
}

static void fixtures_reach_every_row(void **state)
{
	const char *fx = getenv("VP_FIXTURES");
	struct seen rows[64] = { 0 };
	bool paths[VP_PATH_LXC_GPU + 1] = { 0 };
	size_t nrows = 0, n;
	const struct vp_advise_rule *t;
	char scratch[] = "/tmp/vp-advise-XXXXXX";
	_cleanup_free_ char *copy = NULL, *from = NULL;
	struct dirent *e;
	DIR *dir;

	(void)state;
	if (!fx)
		fail_msg("VP_FIXTURES is not set");
	for (int keep = 0; keep < 2; keep++) {
		t = vp_advise_rules(keep, &n);
		for (size_t i = 0; i < n; i++)
			rows[nrows++].row = &t[i];
	}
	assert_non_null(mkdtemp(scratch));
	dir = opendir(fx);
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		_cleanup_free_ char *root = NULL;

		if (e->d_name[0] == '.')
			continue;
		root = xasprintf("%s/%s", fx, e->d_name);
		advise_root(root, e->d_name, rows, nrows, paths);
	}
	closedir(dir);
	/* A P40 host (mediated vGPU in the knowledge base) as an HA cluster node. */
	copy = xasprintf("%s/ha", scratch);
	from = xasprintf("%s/dual-socket-p40", fx);
	copy_tree(from, copy);
	put_pve(copy, "ha/resources.cfg", "vm: 100\n");
	put_pve(copy, "corosync.conf", "totem {\n}\n");
	advise_root(copy, "dual-socket-p40 with HA", rows, nrows, paths);
	/* A host without a display function: iommu-off without its two GPUs. */
	free(copy);
	free(from);
	copy = xasprintf("%s/nodisplay", scratch);
	from = xasprintf("%s/iommu-off", fx);
	copy_tree(from, copy);
	drop_displays(copy);
	advise_root(copy, "iommu-off without GPUs", rows, nrows, paths);
	nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < nrows; i++)
		printf("# %-18s %s\n", rows[i].row->id,
		       rows[i].where[0] ? rows[i].where : "(no fixture)");
	for (int p = 0; p <= VP_PATH_LXC_GPU; p++)
		if (!paths[p])
			fail_msg("no fixture gets path %s", vp_path_name(p));
	for (size_t i = 0; i < nrows; i++)
		if (!rows[i].where[0])
			fail_msg("no fixture reaches row %s", rows[i].row->id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_can_win),
		cmocka_unit_test(fixtures_reach_every_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
