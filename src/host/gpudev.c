// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A GPU's device nodes for a container, beyond /dev/dri (see gpudev.h).
 *
 * NVIDIA: the driver registers char major 195 with minors 0-247 for the
 * cards, 254 for nvidia-modeset and 255 for nvidiactl
 * (open-gpu-kernel-modules kernel-open/common/inc/nv-chardev-numbers.h);
 * nvidia-uvm (minor 0, nvidia-uvm-tools minor 1) and nvidia-caps have
 * dynamic majors listed in /proc/devices. A card's minor is printed as
 * "Device Minor: \t %u" in /proc/driver/nvidia/gpus/ADDR/information and
 * the version as "NVRM version: %s" in /proc/driver/nvidia/version
 * (kernel-open/nvidia/nv-procfs.c). The nodes are made by nvidia-modprobe
 * when a program first opens the driver, not by udev, so a host that has
 * not run nvidia-smi since boot may lack some of them.
 *
 * AMD: amdgpu's KFD registers class "kfd", device "kfd" (/dev/kfd,
 * drivers/gpu/drm/amd/amdkfd/kfd_chardev.c), one node for every GPU;
 * systemd's 50-udev-default.rules gives it the render group.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "host/gpudev.h"
#include "pve/ctconf.h"

int vp_group_file_gid(const char *text, const char *name)
{
	size_t n = strlen(name);

	/* group(5): name:password:GID:members */
	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p;
		char *end;
		long gid;

		if (strncmp(l, name, n) != 0 || l[n] != ':')
			continue;
		p = strchr(l + n + 1, ':');
		if (!p || p > strchrnul(l, '\n'))
			return -1;
		gid = strtol(p + 1, &end, 10);
		return (end != p + 1 && *end == ':' && gid >= 0 && gid < 1 << 30)
			       ? (int)gid
			       : -1;
	}
	return -1;
}

int vp_nvidia_info_minor(const char *text)
{
	static const char key[] = "Device Minor:";

	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l + sizeof(key) - 1;
		char *end;
		long v;

		if (strncmp(l, key, sizeof(key) - 1) != 0)
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		v = strtol(p, &end, 10);
		if (end == p || (*end && !isspace((unsigned char)*end)) || v < 0 ||
		    v > VP_NV_MINOR_REGULAR_MAX)
			return -1;
		return (int)v;
	}
	return -1;
}

char *vp_nvidia_proc_version(const char *text)
{
	const char *p, *eol;

	if (!text || !startswith(text, "NVRM version:"))
		return NULL;
	eol = strchrnul(text, '\n');
	p = strstr(text, " Module ");
	if (!p || p > eol)
		return NULL;
	/* The first word after "Module" that is a version: "for x86_64" may come first.
	 */
	for (p += 8; p < eol;) {
		size_t len;

		while (p < eol && isspace((unsigned char)*p))
			p++;
		len = strcspn(p, " \t\n");
		if (len && isdigit((unsigned char)*p) && strspn(p, "0123456789.") == len)
			return strndup(p, len);
		p += len;
	}
	return NULL;
}

int vp_proc_devices_major(const char *text, const char *name)
{
	bool chr = false;

	/* fs/proc/devices.c: "Character devices:\n%3d %s\n"..., "\nBlock devices:\n"...
	 */
	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *eol = strchrnul(l, '\n'), *p;
		char *end;
		long major;

		if (startswith(l, "Character devices:")) {
			chr = true;
			continue;
		}
		if (startswith(l, "Block devices:"))
			chr = false;
		if (!chr)
			continue;
		major = strtol(l, &end, 10);
		if (end == l || (*end != ' ' && *end != '\t'))
			continue;
		for (p = end; *p == ' ' || *p == '\t'; p++)
			;
		/* The whole name: "nvidia-caps" is not "nvidia-caps-imex-channels". */
		if ((size_t)(eol - p) == strlen(name) && strncmp(p, name, eol - p) == 0 &&
		    major > 0 && major < 4096)
			return (int)major;
	}
	return -1;
}

void vp_gpu_nodes_free(struct vp_gpu_nodes *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].path);
	free(g->v);
	free(g->nv_version);
	free(g->nv_version_from);
	strv_free(&g->notes);
	strv_free(&g->refusals);
	*g = (struct vp_gpu_nodes){ .nv_minor = -1 };
}

static int push(struct vp_gpu_nodes *g, const char *sub, bool render)
{
	struct vp_gpu_node *nv = realloc(g->v, (g->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	g->v = nv;
	nv[g->n].path = vp_display_path(VP_DEV, sub);
	nv[g->n].render = render;
	if (!nv[g->n].path)
		return -ENOMEM;
	g->n++;
	return 0;
}

/* The DRM nodes of @addr: render nodes first, then (unless @render_only) card nodes. */
static int drm_nodes(struct vp_gpu_nodes *g, const struct vp_drm *drm, const char *addr,
		     bool render_only)
{
	size_t before = g->n;
	int r = 0;

	for (int pass = 0; pass < 2 && r == 0; pass++) {
		const char *prefix = pass ? "card" : "renderD";

		if (pass && (render_only || g->n == before))
			break;
		for (size_t i = 0; i < drm->n && r == 0; i++) {
			_cleanup_free_ char *sub = NULL;

			if (!startswith(drm->nodes[i].name, prefix) ||
			    !streq(drm->nodes[i].address, addr))
				continue;
			sub = xasprintf("dri/%s", drm->nodes[i].name);
			r = sub ? push(g, sub, !pass) : -ENOMEM;
		}
	}
	return r;
}

/*
 * The card's minor when the information file cannot be read: the driver
 * numbers the GPUs it binds in probe order, which is address order on
 * these buses (nv-pci.c nv_pci_probe takes the next free minor).
 */
static int assumed_minor(const struct vp_host *h, const struct vp_dev *d)
{
	int k = 0;

	for (size_t i = 0; i < h->ndevs; i++) {
		const struct vp_dev *o = h->devs[i];

		if (o == d)
			return k;
		if (o->vendor == VP_PCI_VENDOR_NVIDIA && o->kind == VP_KIND_DISPLAY &&
		    o->driver && streq(o->driver, "nvidia") &&
		    strcmp(o->addr, d->addr) < 0)
			k++;
	}
	return k;
}

static int nvidia_version(struct vp_ctx *ctx, struct vp_gpu_nodes *g)
{
	_cleanup_free_ char *text = NULL;

	/* The module's MODULE_VERSION, the plain "550.127.05". */
	if (vp_read_strf(ctx, VP_SYS, &text, "module/nvidia/version") == 0 && *text &&
	    isdigit((unsigned char)text[0])) {
		g->nv_version = TAKE_PTR(text);
		g->nv_version_from = vp_display_path(VP_SYS, "module/nvidia/version");
		return g->nv_version_from ? 0 : -ENOMEM;
	}
	free(text);
	text = NULL;
	if (vp_read_strf(ctx, VP_PROC, &text, "driver/nvidia/version") == 0) {
		g->nv_version = vp_nvidia_proc_version(text);
		if (g->nv_version) {
			g->nv_version_from =
				vp_display_path(VP_PROC, "driver/nvidia/version");
			return g->nv_version_from ? 0 : -ENOMEM;
		}
	}
	return 0;
}

static int nvidia_nodes(struct vp_ctx *ctx, const struct vp_host *h,
			const struct vp_dev *d, struct vp_gpu_nodes *g)
{
	static const char *const shared[] = {
		"nvidiactl",
		"nvidia-uvm",
		"nvidia-uvm-tools",
		"nvidia-modeset",
	};
	_cleanup_free_ char *info = NULL, *card = NULL, *infopath = NULL;
	_cleanup_closedir_ DIR *caps = NULL;
	struct strv capnames = { 0 };
	struct dirent *e;
	int r;

	g->nvidia = true;
	if (!d->driver || !streq(d->driver, "nvidia"))
		return strv_pushf(
			&g->refusals,
			"%s is %s%s, not to nvidia: a container uses the host's "
			"NVIDIA driver (nvidia, and nvidia_uvm for CUDA and NVENC)",
			d->addr, d->driver ? "bound to " : "bound to no driver",
			d->driver ? d->driver : "");
	r = nvidia_version(ctx, g);
	if (r < 0)
		return r;
	infopath = xasprintf("driver/nvidia/gpus/%s/information", d->addr);
	if (!infopath)
		return -ENOMEM;
	if (vp_read_strf(ctx, VP_PROC, &info, "%s", infopath) == 0)
		g->nv_minor = vp_nvidia_info_minor(info);
	if (g->nv_minor < 0) {
		_cleanup_free_ char *shown = vp_display_path(VP_PROC, infopath);
		_cleanup_free_ char *gpus =
			vp_display_path(VP_PROC, "driver/nvidia/gpus");

		g->nv_minor = assumed_minor(h, d);
		g->nv_minor_assumed = true;
		r = strv_pushf(&g->notes,
			       "minor %d (node nvidia%d) assumed for %s: %s could not be "
			       "read; the driver numbers cards in probe order (address "
			       "order here); check with: grep Minor %s/*/information",
			       g->nv_minor, g->nv_minor, d->addr,
			       shown ? shown : infopath,
			       gpus ? gpus : "driver/nvidia/gpus");
		if (r < 0)
			return r;
	}
	card = xasprintf("nvidia%d", g->nv_minor);
	if (!card)
		return -ENOMEM;
	/*
	 * pve-container's prestart hook refuses to start the container when a
	 * devN path is missing or not a device (proxmox-formats.md §7), so only
	 * nodes that exist are written.
	 */
	if (!vp_existsf(ctx, VP_DEV, "%s", card) ||
	    !vp_existsf(ctx, VP_DEV, "nvidiactl")) {
		_cleanup_free_ char *node = vp_display_path(
			VP_DEV, vp_existsf(ctx, VP_DEV, "%s", card) ? "nvidiactl" : card);

		return strv_pushf(
			&g->refusals,
			"%s is not on the host: nvidia-modprobe makes the nodes "
			"when a program first opens the driver; run nvidia-smi (or "
			"enable nvidia-persistenced) on the host, then plan again",
			node ? node : card);
	}
	/*
	 * The render group: these are the card's compute and media interface,
	 * what renderD* and /dev/kfd are for the DRM drivers (systemd's
	 * 50-udev-default.rules gives those to render). With NVIDIA's default
	 * mode 0666 (NVreg_DeviceFileMode) the host's mode is copied anyway.
	 */
	r = push(g, card, true);
	for (size_t i = 0; i < ARRAY_SIZE(shared) && r == 0; i++) {
		if (vp_existsf(ctx, VP_DEV, "%s", shared[i])) {
			r = push(g, shared[i], true);
			continue;
		}
		if (streq(shared[i], "nvidia-uvm")) {
			_cleanup_free_ char *node = vp_display_path(VP_DEV, shared[i]);
			_cleanup_free_ char *conf =
				vp_display_path(VP_ETC, "modules-load.d/nvidia-uvm.conf");

			r = strv_pushf(
				&g->notes,
				"%s is not on the host: CUDA and NVENC need it; load "
				"nvidia_uvm at boot (echo nvidia_uvm > %s) and create "
				"the nodes before the container starts (nvidia-modprobe "
				"-c0 -u), then plan again",
				node ? node : shared[i], conf ? conf : "modules-load.d");
		}
	}
	if (r < 0)
		return r;
	/* MIG and monitoring capabilities: nvidia-cap1 (config), nvidia-cap2 (monitor),
	 * ... */
	if (vp_opendirf(ctx, VP_DEV, &caps, "nvidia-caps") == 0) {
		while ((e = readdir(caps)) && r == 0)
			if (startswith(e->d_name, "nvidia-cap") &&
			    vp_existsf(ctx, VP_DEV, "nvidia-caps/%s", e->d_name))
				r = strv_add(&capnames, e->d_name);
		strv_sort(&capnames);
		for (size_t i = 0; i < capnames.n && r == 0; i++) {
			_cleanup_free_ char *sub =
				xasprintf("nvidia-caps/%s", capnames.v[i]);

			r = sub ? push(g, sub, true) : -ENOMEM;
		}
		strv_free(&capnames);
	}
	return r;
}

int vp_gpu_nodes_load(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_dev *d,
		      const struct vp_drm *drm, bool render_only, struct vp_gpu_nodes *g)
{
	int r;

	*g = (struct vp_gpu_nodes){ .nv_minor = -1 };
	if (d->vendor == VP_PCI_VENDOR_NVIDIA)
		return nvidia_nodes(ctx, h, d, g);
	r = drm_nodes(g, drm, d->addr, render_only);
	if (r < 0)
		return r;
	if (!g->n)
		return strv_pushf(
			&g->refusals,
			"%s has no render node under /dev/dri: its DRM driver is not "
			"bound (driver: %s)",
			d->addr, d->driver ? d->driver : "none");
	if (d->vendor != VP_PCI_VENDOR_AMD)
		return 0;
	if (vp_existsf(ctx, VP_DEV, "kfd"))
		return push(g, "kfd", true);
	return strv_pushf(
		&g->notes,
		"kfd (amdgpu's compute node) is not on the host: ROCm and OpenCL need it "
		"(amdgpu's KFD; is the card supported by ROCm and amdgpu loaded "
		"with it?); VA-API works with the render node alone");
}

static int nvidia_majmin(struct vp_ctx *ctx, const char *name, char **out)
{
	_cleanup_free_ char *devices = NULL;
	const char *dyn = NULL;
	int minor = -1, major = VP_NV_MAJOR;
	char *end;

	if (streq(name, "nvidiactl")) {
		minor = VP_NV_MINOR_CONTROL;
	} else if (streq(name, "nvidia-modeset")) {
		minor = VP_NV_MINOR_MODESET;
	} else if (streq(name, "nvidia-uvm")) {
		dyn = "nvidia-uvm";
		minor = 0;
	} else if (streq(name, "nvidia-uvm-tools")) {
		dyn = "nvidia-uvm";
		minor = 1;
	} else if (startswith(name, "nvidia-caps/nvidia-cap")) {
		dyn = "nvidia-caps";
		minor = (int)strtol(name + 22, &end, 10);
		if (end == name + 22 || *end)
			return 0;
	} else if (startswith(name, "nvidia") && isdigit((unsigned char)name[6])) {
		minor = (int)strtol(name + 6, &end, 10);
		if (*end || minor > VP_NV_MINOR_REGULAR_MAX)
			return 0;
	} else {
		return 0;
	}
	if (dyn) {
		if (vp_read_strf(ctx, VP_PROC, &devices, "devices") < 0)
			return 0;
		major = vp_proc_devices_major(devices, dyn);
		if (major < 0)
			return 0;
	}
	*out = xasprintf("%d:%d", major, minor);
	return *out ? 0 : -ENOMEM;
}

int vp_gpu_node_majmin(struct vp_ctx *ctx, const char *path, char **out)
{
	_cleanup_free_ char *devdir = NULL;
	_cleanup_close_ int fd = -1;
	size_t n;
	const char *name;
	char *v = NULL;
	struct stat st;

	*out = NULL;
	/* @path as vp_display_path(VP_DEV, ...) made it. */
	devdir = vp_display_path(VP_DEV, "");
	if (!devdir)
		return -ENOMEM;
	n = strlen(devdir);
	if (strncmp(path, devdir, n) != 0 || path[n] != '/')
		return 0;
	name = path + n + 1;
	fd = vp_openf(ctx, VP_DEV, O_PATH, "%s", name);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		*out = xasprintf("%u:%u", major(st.st_rdev), minor(st.st_rdev));
		return *out ? 0 : -ENOMEM;
	}
	if (startswith(name, "dri/")) {
		const char *digits = name + 4;

		if (vp_read_strf(ctx, VP_SYS, &v, "class/drm/%s/dev", name + 4) == 0 &&
		    strchr(v, ':')) {
			*out = v;
			return 0;
		}
		free(v);
		/* drm_minor ids: cardN and renderDN have minor N (drm_drv.c). */
		while (*digits && !isdigit((unsigned char)*digits))
			digits++;
		*out = xasprintf("%d:%s", 226, *digits ? digits : "*");
		return *out ? 0 : -ENOMEM;
	}
	if (streq(name, "kfd")) {
		if (vp_read_strf(ctx, VP_SYS, &v, "class/kfd/kfd/dev") == 0 &&
		    strchr(v, ':')) {
			*out = v;
			return 0;
		}
		free(v);
		return 0;
	}
	return nvidia_majmin(ctx, name, out);
}

/* ---- devN values (pve-container LXC/Config.pm $dev_desc) ---- */

void vp_lxc_wanted_free(struct vp_pve_lxc_dev *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vp_pve_lxc_dev_free(&v[i]);
	free(v);
}

static int want_push(struct vp_pve_lxc_dev **v, size_t *n, const char *name, int gid)
{
	_cleanup_free_ char *sub = xasprintf("dri/%s", name);
	struct vp_pve_lxc_dev *nv;

	if (!sub)
		return -ENOMEM;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = (struct vp_pve_lxc_dev){ .path = vp_display_path(VP_DEV, sub),
					  .uid = -1,
					  .gid = gid };
	if (!nv[*n].path)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int vp_lxc_wanted(const struct vp_drm *drm, const char *addr, bool render_only,
		  struct vp_pve_lxc_dev **out, size_t *n)
{
	struct vp_pve_lxc_dev *v = NULL;
	size_t k = 0;
	int r = 0;

	/* Render nodes first, then the card nodes: the order advise shows. */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		const char *prefix = pass ? "card" : "renderD";

		if (pass && (render_only || !k))
			break;
		for (size_t i = 0; i < drm->n && r == 0; i++)
			if (startswith(drm->nodes[i].name, prefix) &&
			    streq(drm->nodes[i].address, addr))
				r = want_push(&v, &k, drm->nodes[i].name,
					      pass ? drm->video_gid : drm->render_gid);
	}
	if (r == 0 && !k)
		r = -ENOENT;
	if (r < 0) {
		vp_lxc_wanted_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int vp_lxc_gpu_wanted(const struct vp_gpu_nodes *g, int render_gid, int video_gid,
		      struct vp_pve_lxc_dev **out, size_t *n)
{
	struct vp_pve_lxc_dev *v;

	if (!g->n)
		return -ENOENT;
	v = calloc(g->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		v[i] = (struct vp_pve_lxc_dev){ .path = strdup(g->v[i].path),
						.uid = -1,
						.gid = g->v[i].render ? render_gid
								      : video_gid };
		if (!v[i].path) {
			vp_lxc_wanted_free(v, i);
			return -ENOMEM;
		}
	}
	*out = v;
	*n = g->n;
	return 0;
}

/* ---- the GPU a container gets ---- */

static const struct vp_drm_node *render_node(const struct vp_drm *drm,
					     const struct vp_dev *d)
{
	for (size_t i = 0; i < drm->n; i++)
		if (startswith(drm->nodes[i].name, "renderD") &&
		    streq(drm->nodes[i].address, d->addr))
			return &drm->nodes[i];
	return NULL;
}

struct vp_dev *vp_dri_gpu(const struct vp_host *h, const struct vp_drm *drm)
{
	struct vp_dev *dri = NULL;

	/* For /dev/dri the host keeps the GPU; an iGPU or the console GPU is ideal. */
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind == VP_KIND_DISPLAY && render_node(drm, d) &&
		    (!dri || d->boot_vga == 1))
			dri = d;
	}
	return dri;
}

struct vp_dev *vp_nvidia_ct_gpu(const struct vp_host *h)
{
	struct vp_dev *nv = NULL;

	/*
	 * The NVIDIA driver makes no render node without nvidia-drm, but its
	 * own nodes (/dev/nvidia*) serve NVENC, NVDEC and CUDA in a container
	 * while the host keeps the card (lxc plan --gpu).
	 */
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];

		if (d->kind == VP_KIND_DISPLAY && d->vendor == VP_PCI_VENDOR_NVIDIA &&
		    streq(d->driver, "nvidia") && (!nv || d->boot_vga == 1))
			nv = d;
	}
	return nv;
}
