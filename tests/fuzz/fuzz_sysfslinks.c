// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The link structure of a root, not its values: a small host (a root port,
 * a GPU and its audio function, IOMMU groups, modprobe.d, /etc/modules)
 * rebuilt for each input, then changed by the input's operations: an entry
 * replaced by a symlink (dangling, to itself, absolute, climbing above the
 * root, into a canary directory outside the root, or any target the input
 * spells), a FIFO, an empty directory, a short file, or removed. Then the
 * whole model is read (vp_host_load: the resolver, the bus scan with
 * libpci, groups, host-critical roles) and libkmod's configuration.
 *
 * Properties: nothing from the canary outside the root is ever read. Its
 * function says vendor 0xdead, device 0xbeef, and its modprobe.d sets
 * vfio-pci ids=dead:beef; its resource file and one modprobe.d file are
 * FIFOs, so a library that follows a link there by name blocks (a
 * libFuzzer timeout). No FIFO inside the root may block either. Every
 * function found has a valid address.
 *
 * Input: records OP SLOT [TARGET-or-TEXT '\n'], see ops[] and slots[].
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "host/facts.h"
#include "host/host.h"
#include "util.h"

#define PORT "sys/devices/pci0000:00/0000:00:01.0"
#define DEV  PORT "/0000:01:00.0"
#define DEV1 PORT "/0000:01:00.1"
#define KVER "6.8.12-4-pve"

/* Where an operation lands. */
static const char *const slots[] = {
	"sys/bus/pci/devices/0000:01:00.0",
	"sys/bus/pci/devices/0000:01:00.1",
	"sys/bus/pci/devices/0000:00:01.0",
	"sys/bus/pci/devices/0000:02:00.0",
	"sys/bus/pci/devices",
	"sys/bus/pci",
	"sys/bus",
	"sys",
	DEV,
	DEV "/config",
	DEV "/vendor",
	DEV "/class",
	DEV "/resource",
	DEV "/iommu_group",
	DEV "/driver",
	DEV "/subsystem_vendor",
	DEV1,
	PORT,
	"sys/devices",
	"sys/kernel/iommu_groups",
	"sys/kernel/iommu_groups/2",
	"sys/kernel/iommu_groups/2/devices/0000:01:00.0",
	"etc",
	"etc/modprobe.d",
	"etc/modprobe.d/vfio.conf",
	"etc/modules",
	"run/modprobe.d",
	"lib/modprobe.d/zz.conf",
	"lib/modules",
	"proc/sys/kernel/osrelease",
	"proc/modules",
	"proc",
};

static char outside[64];

static const unsigned char gpu_config[64] = {
	0xde, 0x10, 0x84, 0x26, 0x07, 0x04, 0x10, 0x00, 0xa1, 0x00, 0x00, 0x03,
};
static const unsigned char port_config[64] = {
	0x86, 0x80, 0x10, 0x15, 0x07, 0x04, 0x10,	   0x00, 0x00, 0x00,
	0x04, 0x06, 0x10, 0x00, 0x01, 0x00, [0x18] = 0x00, 0x01, 0x01, 0x00,
};
static const unsigned char canary_config[64] = { 0xad, 0xde, 0xef, 0xbe, [0x0b] = 0x03 };

static const char resource[] =
	"0x00000000f0000000 0x00000000f0ffffff 0x0000000000040200\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n";

static void fn(const char *dir, const char *vendor, const char *device, const char *class,
	       const unsigned char *cfg, int group)
{
	_cleanup_free_ char *v = xasprintf("%s/vendor", dir),
			    *d = xasprintf("%s/device", dir);
	_cleanup_free_ char *c = xasprintf("%s/class", dir),
			    *g = xasprintf("%s/config", dir);
	_cleanup_free_ char *r = xasprintf("%s/resource", dir);
	_cleanup_free_ char *m = xasprintf("%s/modalias", dir);

	fuzz_put_str(v, vendor);
	fuzz_put_str(d, device);
	fuzz_put_str(c, class);
	fuzz_put(g, cfg, 64);
	fuzz_put_str(r, resource);
	fuzz_put_str(m, "pci:v000010DEd00002684sv00000000sd00000000bc03sc00i00\n");
	if (group >= 0) {
		_cleanup_free_ char *l = xasprintf("%s/iommu_group", dir);
		_cleanup_free_ char *t =
			xasprintf("../../../../kernel/iommu_groups/%d", group);
		_cleanup_free_ char *back =
			xasprintf("sys/kernel/iommu_groups/%d/devices/%s", group,
				  strrchr(dir, '/') + 1);
		_cleanup_free_ char *to = xasprintf("../../../../%s", dir + 4);

		fuzz_link(l, group == 1 ? t + 3 : t);
		fuzz_link(back, to);
	}
}

static void build_tree(void)
{
	fuzz_put_str("proc/sys/kernel/osrelease", KVER "\n");
	fuzz_put_str("proc/cmdline", "BOOT_IMAGE=/vmlinuz quiet intel_iommu=on\n");
	fuzz_put_str("proc/modules", "vfio_pci 16384 0 - Live 0x0\n");
	fuzz_put_str("proc/mounts", "rpool/ROOT/pve-1 / zfs rw 0 0\n");
	fuzz_put_str("etc/hostname", "pve\n");
	fuzz_put_str("etc/modules", "vfio\nvfio_pci\n");
	fuzz_put_str("etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:2684\n");
	fuzz_put_str("lib/modprobe.d/zz.conf", "blacklist nouveau\n");
	fuzz_put_str("lib/modules/" KVER "/modules.builtin", "");
	fn(PORT, "0x8086\n", "0x1510\n", "0x060400\n", port_config, 1);
	fn(DEV, "0x10de\n", "0x2684\n", "0x030000\n", gpu_config, 2);
	fn(DEV1, "0x10de\n", "0x22ba\n", "0x040300\n", gpu_config, 2);
	fuzz_link("sys/bus/pci/devices/0000:00:01.0",
		  "../../../devices/pci0000:00/0000:00:01.0");
	fuzz_link("sys/bus/pci/devices/0000:01:00.0",
		  "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	fuzz_link("sys/bus/pci/devices/0000:01:00.1",
		  "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1");
	fuzz_put_str("sys/bus/pci/drivers/vfio-pci/new_id", "");
	fuzz_link(DEV1 "/driver", "../../../../bus/pci/drivers/vfio-pci");
}

/* The canary outside the root, made once: regular files and FIFOs. */
static void build_outside(void)
{
	char p[160];
	FILE *f;

	/* Beside the root, so that a relative link can climb into it. */
	snprintf(outside, sizeof(outside), "%s", fuzz_root());
	snprintf(strrchr(outside, '/'),
		 sizeof(outside) - (size_t)(strrchr(outside, '/') - outside),
		 "/vp-fuzz-outside-XXXXXX");
	if (!mkdtemp(outside))
		abort();
	snprintf(p, sizeof(p), "%s/fn", outside);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/modprobe.d", outside);
	mkdir(p, 0755);
	static const char *const files[][2] = {
		{ "fn/vendor", "0xdead\n" },
		{ "fn/device", "0xbeef\n" },
		{ "fn/class", "0x030000\n" },
		{ "modprobe.d/canary.conf", "options vfio-pci ids=dead:beef\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", outside, files[i][0]);
		f = fopen(p, "w");
		if (!f)
			abort();
		fputs(files[i][1], f);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/fn/config", outside);
	f = fopen(p, "w");
	if (!f)
		abort();
	fwrite(canary_config, 1, sizeof(canary_config), f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/fn/resource", outside);
	mkfifo(p, 0644);
	snprintf(p, sizeof(p), "%s/modprobe.d/zz-fifo.conf", outside);
	mkfifo(p, 0644);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	return ftw->level ? remove(path) : 0;
}

static void remove_outside(void)
{
	nftw(outside, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(outside);
}

/*
 * The parent directory of @rel below the root, every component opened
 * without following links: the harness must never write outside the
 * scratch root itself, whatever links earlier operations made.
 */
static int open_parent(const char *rel, const char **base)
{
	_cleanup_free_ char *copy = strdup(rel);
	char *save = NULL, *name, *next;
	int dir = open(fuzz_root(), O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (!copy || dir < 0)
		abort();
	name = strtok_r(copy, "/", &save);
	while (name && (next = strtok_r(NULL, "/", &save))) {
		int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		close(dir);
		if (fd < 0)
			return -1;
		dir = fd;
		name = next;
	}
	*base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	return dir;
}

static int depth(const char *rel)
{
	int n = 0;

	for (const char *p = rel; *p; p++)
		n += *p == '/';
	return n;
}

/* The link targets an operation picks from, @free being the input's own. */
static char *target(unsigned char pick, const char *rel, const char *free_text)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	_cleanup_free_ char *up = strdup("");

	for (int i = 0; i <= depth(rel) && up; i++) {
		char *more = xasprintf("%s../", up);

		free(up);
		up = more;
	}
	if (!up)
		abort();
	switch (pick % 13) {
	case 0:
		return strdup("nonexistent");
	case 1:
		return strdup(base); /* itself: a loop */
	case 2:
		return strdup("..");
	case 3:
		return strdup("/");
	case 4:
		return xasprintf("%s/fn", outside);
	case 5:
		return xasprintf("%s/modprobe.d", outside);
	case 6:
		return strdup("/" DEV);
	case 7: /* relative, climbing out of the root into the canary */
		return xasprintf("%s%s/fn", up, strrchr(outside, '/') + 1);
	case 8:
		return xasprintf("%s%s/modprobe.d", up, strrchr(outside, '/') + 1);
	case 9:
		return strdup("../../../../../../../../../../../../../../../..");
	case 10:
		return strdup("../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1");
	case 11:
		return strdup("../devices");
	default:
		return strdup(free_text);
	}
}

static const char *const texts[] = { "", "\n", "0x10de\n", "x", "options vfio-pci\n" };

static void apply(const uint8_t *data, size_t size)
{
	size_t i = 0;

	while (i + 2 <= size) {
		unsigned char op = data[i], pick = data[i + 1];
		const char *rel = slots[pick % ARRAY_SIZE(slots)];
		_cleanup_free_ char *text = NULL, *to = NULL;
		_cleanup_close_ int dir = -1;
		const char *base;
		const uint8_t *nl;
		size_t tlen;

		i += 2;
		nl = memchr(data + i, '\n', size - i);
		tlen = nl ? (size_t)(nl - (data + i)) : size - i;
		text = fuzz_str(data + i, tlen);
		i += tlen + (nl ? 1 : 0);
		dir = open_parent(rel, &base);
		if (dir < 0)
			continue;
		/* A directory in the way is renamed aside (dot names are skipped). */
		if (unlinkat(dir, base, 0) < 0 && unlinkat(dir, base, AT_REMOVEDIR) < 0) {
			char aside[32];

			snprintf(aside, sizeof(aside), ".aside-%zu", i);
			renameat(dir, base, dir, aside);
		}
		switch (op % 6) {
		case 0:
			to = target(text[0], rel, text[0] ? text + 1 : "");
			if (to)
				symlinkat(to, dir, base);
			break;
		case 1:
			mkfifoat(dir, base, 0644);
			break;
		case 2:
			mkdirat(dir, base, 0755);
			break;
		case 3: {
			int fd = openat(dir, base,
					O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
						O_CLOEXEC,
					0644);

			if (fd >= 0) {
				const char *t =
					texts[(unsigned char)text[0] % ARRAY_SIZE(texts)];

				if (write(fd, t, strlen(t)) < 0)
					abort();
				close(fd);
			}
			break;
		}
		case 4:
			break; /* removed */
		default:
			to = strdup(text);
			if (to)
				symlinkat(to, dir, base);
			break;
		}
	}
}

static void clear_root(void)
{
	nftw(fuzz_root(), rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct vp_kmods k = { 0 };
	struct vp_ctx *ctx = NULL;
	const char *kver = NULL;
	static bool cleanup_set;

	if (size > 4096)
		return 0;
	if (!outside[0]) {
		build_outside();
		atexit(remove_outside);
	}
	clear_root();
	if (!cleanup_set) {
		/* Runs before fuzz_root()'s own removal (atexit is last in, first out).
		 */
		atexit(clear_root);
		cleanup_set = true;
	}
	build_tree();
	apply(data, size);

	/* A new context each time: nothing is cached between inputs. */
	if (vp_ctx_new(fuzz_root(), &ctx) < 0)
		abort();
	/* pci.ids names take most of a scan's time and depend on no link. */
	ctx->dev_names_lazy = true;
	if (vp_host_load(ctx, &h) == 0) {
		for (size_t d = 0; d < h->ndevs; d++) {
			FUZZ_ASSERT(h->devs[d]->bdf.dev < 32 && h->devs[d]->bdf.fn < 8);
			FUZZ_ASSERT(h->devs[d]->vendor != 0xdead);
			FUZZ_ASSERT(h->devs[d]->device != 0xbeef);
		}
	}
	if (vp_ctx_kver(ctx, &kver) < 0)
		kver = NULL;
	if (vp_kmods_load(ctx, kver, &k) == 0) {
		_cleanup_free_ char *ids = vp_kmods_options(&k, "vfio_pci");

		FUZZ_ASSERT(!ids || !strstr(ids, "dead:beef"));
	}
	vp_kmods_free(&k);
	vp_ctx_free(ctx);
	return 0;
}
