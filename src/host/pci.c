// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI functions: libpci for enumeration, names, BARs and capabilities; the
 * sysfs attributes (identity included, read as libpci reads them) come
 * through the context, relative to each function's directory. libpci is pointed at
 * ROOT/sys/bus/pci and forced to the sysfs method, so it can never fall back to port I/O
 * on this machine (pciutils lib/init.c probe_sequence).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <pci/pci.h>

#include "host/host.h"

/*
 * libpci's error callback takes no user pointer and must not return
 * (pci.h: PCI_NONRET), and its default calls exit(1). A scan therefore
 * arms this thread-local jump target and treats any libpci error as a
 * failure of the whole scan: fields libpci marked known before failing
 * cannot be trusted (see ../shared/knowledge/libraries.md 1.5).
 */
static __thread jmp_buf *pci_jmp;
static __thread char pci_errmsg[256];

static void __attribute__((noreturn)) pci_error_cb(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_errmsg, sizeof(pci_errmsg), msg, ap);
	va_end(ap);
	if (pci_jmp)
		longjmp(*pci_jmp, 1);
	/* Never reached: every libpci call below runs with pci_jmp armed. */
	abort();
}

static void pci_warning_cb(char *msg, ...)
{
	/* Config reads are checked by length ourselves; libpci's warnings add nothing. */
	(void)msg;
}

/*
 * libpci opens "<sysfs.path>/devices/ADDR/NAME" by name, so the kernel, not
 * the root's resolver, follows the links on the way: @bus is sys/bus/pci
 * already resolved inside the root (no symlink left in it), and each entry
 * below is checked to lead where the resolver says (open_entry).
 */
static int pci_open(struct vp_ctx *ctx, const char *bus)
{
	_cleanup_free_ char *sysfs = NULL;
	struct pci_access *a;
	int r;

	if (ctx->pacc)
		return 0;
	r = vp_host_pathf(ctx, VP_ROOT, &sysfs, "%s", bus);
	if (r < 0)
		return r;
	a = pci_alloc();
	if (!a)
		return -ENOMEM;
	a->method = PCI_ACCESS_SYS_BUS_PCI;
	a->error = pci_error_cb;
	a->warning = pci_warning_cb;
	a->debug = pci_warning_cb;
	/* Hermetic names: no udev hwdb of this machine, no ~/.pciids-cache. */
	a->id_lookup_mode &= ~(unsigned int)PCI_LOOKUP_CACHE;
	if (pci_set_param(a, "sysfs.path", sysfs) < 0 ||
	    pci_set_param(a, "hwdb.disable", "1") < 0) {
		pci_cleanup(a);
		return -EINVAL;
	}
	if (ctx->ids_file)
		pci_set_name_list_path(a, ctx->ids_file, 0);
	ctx->pacc = a;
	return 0;
}

/*
 * The entries of sys/bus/pci/devices, read through the root: libpci's own
 * scan (lib/sysfs.c sysfs_scan) would list the directory by name and take
 * every entry, links leaving the root included, and treats a name it
 * cannot parse as fatal. Check the names here so such a root gets a
 * precise error; a function without vendor/device/class still fails the
 * scan, through the error handler above, with libpci's message.
 */
static int pci_list(struct vp_ctx *ctx, struct strv *names)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;
	int r;

	r = vp_opendirf(ctx, VP_SYS, &dir, "bus/pci/devices");
	if (r < 0) {
		_cleanup_free_ char *shown = vp_display_path(VP_SYS, "bus/pci/devices");

		vp_log_err(ctx, "cannot read %s under %s: %s", shown, ctx->root,
			   strerror(-r));
		return r;
	}
	while ((e = readdir(dir))) {
		struct vp_bdf b;

		if (e->d_name[0] == '.')
			continue;
		if (vp_bdf_parse(e->d_name, &b, NULL, false) < 0 ||
		    !strchr(e->d_name, ':') ||
		    strchr(e->d_name, ':') == strrchr(e->d_name, ':')) {
			vp_log_err(ctx,
				   "unexpected entry '%s' in the PCI device directory",
				   e->d_name);
			return -EBADMSG;
		}
		r = strv_add(names, e->d_name);
		if (r < 0)
			return r;
	}
	return 0;
}

static char *lookup(struct pci_access *a, int flags, int a1, int a2, int a3, int a4)
{
	char buf[256];
	const char *s;

	s = pci_lookup_name(a, buf, sizeof(buf), flags | PCI_LOOKUP_NO_NUMBERS, a1, a2,
			    a3, a4);
	return s ? strdup(s) : NULL;
}

/*
 * pci.ids names: loading the list is a quarter of a scan (lib/names.c
 * pci_load_name_list), and each name a hash lookup and a formatted copy.
 */
void vp_dev_names(struct vp_ctx *ctx, struct vp_dev *d)
{
	if (d->names)
		return;
	d->names = true;
	d->vendor_name = lookup(ctx->pacc, PCI_LOOKUP_VENDOR, d->vendor, 0, 0, 0);
	d->device_name = lookup(ctx->pacc, PCI_LOOKUP_DEVICE, d->vendor, d->device, 0, 0);
	d->class_name =
		lookup(ctx->pacc, PCI_LOOKUP_CLASS, (int)(d->class >> 8), 0, 0, 0);
	if (d->subvendor && d->subvendor != 0xffff)
		d->subsys_name =
			lookup(ctx->pacc, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE,
			       d->vendor, d->device, d->subvendor, d->subdevice);
}

/* Reset, power and link attributes: see read_sysfs_extras. */
static void read_details(struct vp_dev *d, int dfd)
{
	_cleanup_free_ char *s = NULL;
	int r;

	/*
	 * reset_method (Linux 5.15+) and reset are both hidden when the kernel
	 * found no reset method (pci-sysfs.c *_attr_is_visible); reset alone
	 * means an older kernel that does not list its methods.
	 */
	r = vp_read_str_at(dfd, "reset_method", &s);
	if (r == 0) {
		char *save = NULL;

		for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save))
			strv_add(&d->reset_methods, t);
		d->reset = d->reset_methods.n ? VP_PRESENT : VP_ABSENT;
	} else if (vp_exists_at(dfd, "reset")) {
		d->reset = VP_PRESENT;
		vp_dev_unknown(d, "reset_method",
			       "no reset_method attribute (kernel before 5.15)");
	} else {
		d->reset = VP_ABSENT;
	}
	free(TAKE_PTR(s));

	r = vp_read_str_at(dfd, "power_state", &d->power_state);
	if (r < 0)
		vp_dev_unknown(d, "power_state", "no power_state attribute (%s)",
			       strerror(-r));
	r = vp_read_str_at(dfd, "d3cold_allowed", &s);
	d->d3cold_allowed = -1;
	if (r == 0 && (streq(s, "0") || streq(s, "1")))
		d->d3cold_allowed = s[0] == '1';
	else
		vp_dev_unknown(d, "d3cold_allowed", "d3cold_allowed unreadable");
	free(TAKE_PTR(s));

	/* Link attributes exist for PCIe functions only (pci-sysfs.c pcie_dev_attrs). */
	if (d->pcie != VP_ABSENT) {
		vp_read_str_at(dfd, "current_link_speed", &d->link_speed);
		vp_read_str_at(dfd, "current_link_width", &d->link_width);
		vp_read_str_at(dfd, "max_link_speed", &d->max_link_speed);
		vp_read_str_at(dfd, "max_link_width", &d->max_link_width);
	}
}

/*
 * @basic: what the group analysis, the host-critical roles and the checks
 * of all functions use (boot_vga). @details: driver_override, local_cpulist,
 * reset, power, link and SR-IOV, which only a target's checks, the listings
 * and the plans use. Both at once keep the order unknowns are recorded in.
 */
static int read_sysfs_extras(struct vp_dev *d, int dfd, bool basic, bool details)
{
	_cleanup_free_ char *s = NULL;
	int r;

	if (details) {
		r = vp_read_str_at(dfd, "driver_override", &s);
		if (r == 0 && !streq(s, "(null)") && s[0])
			d->driver_override = TAKE_PTR(s);
		else if (r < 0 && r != -ENOENT)
			vp_dev_unknown(d, "driver_override", "%s", strerror(-r));
		free(TAKE_PTR(s));
	}

	if (details) {
		r = vp_read_str_at(dfd, "local_cpulist", &d->local_cpulist);
		if (r < 0)
			vp_dev_unknown(d, "local_cpulist",
				       "no local_cpulist attribute (%s)", strerror(-r));
	}

	/* boot_vga exists only for VGA-class functions (drivers/pci/pci-sysfs.c). */
	if (basic)
		d->boot_vga = -1;
	if (basic && (d->class >> 8) == PCI_CLASS_DISPLAY_VGA) {
		r = vp_read_str_at(dfd, "boot_vga", &s);
		if (r == 0 && (streq(s, "0") || streq(s, "1")))
			d->boot_vga = s[0] == '1';
		else
			vp_dev_unknown(d, "boot_vga", "boot_vga unreadable (%s)",
				       r < 0 ? strerror(-r) : "unexpected value");
		free(TAKE_PTR(s));
	}

	if (details)
		read_details(d, dfd);
	if (!details)
		return 0;

	/* SR-IOV from sysfs: readable without root, unlike the capability. */
	/* Absent in a readable capability list means no sriov_* files either. */
	r = d->sriov == VP_ABSENT ? -ENOENT : vp_read_str_at(dfd, "sriov_totalvfs", &s);
	if (r == 0) {
		_cleanup_free_ char *num = NULL;

		d->sriov = VP_PRESENT;
		d->sriov_total = (unsigned int)strtoul(s, NULL, 10);
		if (vp_read_str_at(dfd, "sriov_numvfs", &num) == 0)
			d->sriov_num = (unsigned int)strtoul(num, NULL, 10);
		for (unsigned int i = 0; i < d->sriov_total && i < 256; i++) {
			_cleanup_free_ char *link = NULL;
			const char *base;

			char name[16];

			snprintf(name, sizeof(name), "virtfn%u", i);
			if (vp_readlink_at(dfd, name, &link) < 0)
				break;
			base = strrchr(link, '/');
			strv_add(&d->virtfn, base ? base + 1 : link);
		}
	} else if (d->sriov == VP_UNKNOWN) {
		/*
		 * The kernel adds sriov_* for every function with the SR-IOV
		 * capability (drivers/pci/iov.c sriov_pf_attrs), root or not.
		 */
		d->sriov = VP_ABSENT;
	}
	free(TAKE_PTR(s));
	r = vp_readlink_at(dfd, "physfn", &s);
	if (r == 0) {
		const char *base = strrchr(s, '/');

		d->physfn = strdup(base ? base + 1 : s);
	}
	return vp_vgpu_read(d, dfd);
}

static void fill_bars(struct vp_dev *d, struct pci_dev *p)
{
	for (int i = 0; i < 7; i++) {
		pciaddr_t size = i < 6 ? p->size[i] : p->rom_size;
		pciaddr_t flags = i < 6 ? p->flags[i] : p->rom_flags;
		struct vp_bar *b;

		if (!size)
			continue;
		b = &d->bars[d->nbars++];
		b->index = (uint8_t)i;
		b->size = size;
		b->io = (flags & PCI_IORESOURCE_IO) != 0;
		b->prefetch = (flags & PCI_IORESOURCE_PREFETCH) != 0;
		b->mem64 = (flags & PCI_IORESOURCE_MEM_64) != 0;
	}
}

/* Parent from the canonical sysfs path: the directory above is the upstream bridge. */
static void link_parents(struct vp_host *h)
{
	for (size_t i = 0; i < h->ndevs; i++) {
		struct vp_dev *d = h->devs[i];
		char *slash, *prev;
		struct vp_bdf b;

		if (!d->syspath)
			continue;
		slash = strrchr(d->syspath, '/');
		if (!slash)
			continue;
		*slash = '\0';
		prev = strrchr(d->syspath, '/');
		if (vp_bdf_parse(prev ? prev + 1 : d->syspath, &b, NULL, false) == 0)
			d->parent = vp_host_find(h, &b);
		*slash = '/';
	}
}

static int cmp_dev(const void *a, const void *b)
{
	const struct vp_dev *x = *(struct vp_dev *const *)a;
	const struct vp_dev *y = *(struct vp_dev *const *)b;

	return vp_bdf_cmp(&x->bdf, &y->bdf);
}

/* "sys/bus/pci/devices" + "../../../devices/pci0000:00/..." joined without lookups. */
static char *lexical_devpath(int busdir, const char *addr)
{
	_cleanup_free_ char *link = NULL, *joined = NULL;
	char *parts[64], *save = NULL;
	size_t n = 0, len = 0, fixed;
	char *out;

	if (busdir < 0 || vp_readlink_at(busdir, addr, &link) < 0 || link[0] == '/')
		return NULL;
	joined = xasprintf("sys/bus/pci/devices/%s", link);
	if (!joined)
		return NULL;
	/*
	 * Only the link's leading ".." are taken lexically: those climb real
	 * directories. A ".." after one of the link's own components would be
	 * the parent of whatever that component is, perhaps a link.
	 */
	fixed = 4;
	for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			if (n == 0 || n > fixed)
				return NULL;
			fixed = --n;
			continue;
		}
		if (n == ARRAY_SIZE(parts))
			return NULL;
		parts[n++] = t;
		len += strlen(t) + 1;
	}
	out = calloc(1, len + 1);
	for (size_t i = 0; out && i < n; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	return out;
}

/*
 * One attribute the way libpci's sysfs backend reads it (lib/sysfs.c
 * sysfs_get_string, sysfs_get_value): a single read of at most 1023 bytes,
 * the raw text kept (modalias ends in its newline), numbers by strtol base 0.
 * Relative to the function's directory: libpci opens
 * ROOT/sys/bus/pci/devices/ADDR/NAME, a walk of every component and the bus
 * link again for each attribute. Any failure returns -errno and the caller
 * lets libpci read the attribute instead, so a missing or odd file gets
 * libpci's own fallback or error.
 */
static int attr_str(int dfd, const char *name, char buf[1024])
{
	size_t n;
	int r = vp_read_once_at(dfd, name, buf, 1024, &n);

	if (r < 0)
		return r;
	buf[n] = '\0';
	return 0;
}

static int attr_int(int dfd, const char *name, int *v)
{
	char buf[1024];
	int r;

	r = attr_str(dfd, name, buf);
	if (r < 0)
		return r;
	*v = (int)strtol(buf, NULL, 0);
	return 0;
}

/*
 * Identity, class, revision, subsystem and NUMA node from @dfd;
 * returns the PCI_FILL_* flags libpci must fill itself because a read here
 * failed (it then reads sysfs, falls back to config space or fails the scan
 * exactly as without this shortcut).
 */
/* Why BARs are not read: libpci reads "resource" by name, so only a regular file. */
static const char *no_resource(int dfd)
{
	return vp_exists_at(dfd, "resource") ? "resource is not a regular file"
					     : "no resource attribute";
}

/*
 * libpci may read @name by path only if it is absent (libpci then fails or
 * falls back as it documents) or a regular file: a link could lead out of
 * the root, a FIFO would block libpci's read.
 */
static int lib_may_read(struct vp_ctx *ctx, const struct vp_dev *d, int dfd,
			const char *name)
{
	if (!vp_exists_at(dfd, name) || vp_regular_at(dfd, name))
		return 0;
	vp_log_err(ctx, "%s: %s is not a regular file", d->addr, name);
	return -EBADMSG;
}

static int read_ident(struct vp_ctx *ctx, struct vp_dev *d, int dfd,
		      const unsigned char *cfg)
{
	int v, w, flags = 0;

	if (attr_int(dfd, "vendor", &v) == 0 && attr_int(dfd, "device", &w) == 0) {
		d->vendor = (uint16_t)v;
		d->device = (uint16_t)w;
	} else {
		flags |= PCI_FILL_IDENT;
	}
	if (attr_int(dfd, "class", &v) == 0) {
		/* libpci: device_class = class >> 8 (a u16), prog_if = class & 0xff. */
		d->class = (uint32_t)(uint16_t)(v >> 8) << 8 | (uint8_t)v;
		if (attr_int(dfd, "revision", &w) == 0 && w >= 0)
			d->rev = (uint8_t)w;
		else
			/* lib/access.c: what the cache lacks reads as 0xff. */
			d->rev = d->cfg_len > PCI_REVISION_ID ? cfg[PCI_REVISION_ID]
							      : 0xff;
	} else {
		flags |= PCI_FILL_CLASS | PCI_FILL_CLASS_EXT;
	}
	if (attr_int(dfd, "subsystem_vendor", &v) == 0 && v >= 0) {
		d->subvendor = (uint16_t)v;
		if (attr_int(dfd, "subsystem_device", &w) == 0 && w >= 0)
			d->subdevice = (uint16_t)w;
	} else {
		/* libpci then reads the subsystem from config (lib/generic.c). */
		flags |= PCI_FILL_SUBSYS;
	}
	d->numa_node = attr_int(dfd, "numa_node", &v) == 0 ? v : -1;
	if (flags & PCI_FILL_IDENT && (lib_may_read(ctx, d, dfd, "vendor") < 0 ||
				       lib_may_read(ctx, d, dfd, "device") < 0))
		return -EBADMSG;
	if (flags & PCI_FILL_CLASS && (lib_may_read(ctx, d, dfd, "class") < 0 ||
				       lib_may_read(ctx, d, dfd, "revision") < 0))
		return -EBADMSG;
	if (flags & PCI_FILL_SUBSYS &&
	    (lib_may_read(ctx, d, dfd, "subsystem_vendor") < 0 ||
	     lib_may_read(ctx, d, dfd, "subsystem_device") < 0))
		return -EBADMSG;
	return flags;
}

static char *put_hex(char *o, const char *tag, unsigned int v, int digits)
{
	static const char hex[] = "0123456789ABCDEF";

	while (*tag)
		*o++ = *tag++;
	for (int i = digits - 1; i >= 0; i--)
		*o++ = hex[(v >> (4 * i)) & 0xf];
	return o;
}

/*
 * "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n" (pci-sysfs.c
 * modalias_show), without a vasprintf per function.
 */
static char *make_modalias(const struct vp_dev *d)
{
	char buf[64], *o = buf;

	o = put_hex(o, "pci:v", d->vendor, 8);
	o = put_hex(o, "d", d->device, 8);
	o = put_hex(o, "sv", d->subvendor, 8);
	o = put_hex(o, "sd", d->subdevice, 8);
	o = put_hex(o, "bc", (d->class >> 16) & 0xff, 2);
	o = put_hex(o, "sc", (d->class >> 8) & 0xff, 2);
	o = put_hex(o, "i", d->class & 0xff, 2);
	*o++ = '\n';
	*o = '\0';
	return strdup(buf);
}

/* @dfd is the function's directory (open_entry); fill_dev closes it. */
static int fill_dev(struct vp_ctx *ctx, int fd, struct pci_dev *p, struct vp_dev *d)
{
	_cleanup_close_ int dfd = fd;
	_cleanup_free_ char *link = NULL;
	unsigned char cfg[4096];
	int flags;
	int r;

	d->bdf.domain = (uint32_t)p->domain;
	d->bdf.bus = p->bus;
	d->bdf.dev = p->dev;
	d->bdf.fn = p->func;
	d->unit = -1;
	d->iommu_group = -1;
	d->d3cold_allowed = -1;
	d->pdev = p;
	snprintf(d->addr, sizeof(d->addr), "%04x:%02x:%02x.%d", p->domain, p->bus, p->dev,
		 p->func);

	r = vp_read_bytes_at(dfd, "config", cfg, sizeof(cfg), &d->cfg_len);
	if (r < 0)
		d->cfg_len = 0;
	/*
	 * What config does not hold reads as 0xff, as libpci makes of a short
	 * or failed read (lib/access.c pci_read_data): libpci then never opens
	 * config by name, which may not be a file (a link, a FIFO).
	 */
	memset(cfg + d->cfg_len, 0xff, sizeof(cfg) - d->cfg_len);
	flags = read_ident(ctx, d, dfd, cfg);
	if (flags < 0)
		return flags;
	/* Without the file, libpci would read 0xff for every capability. */
	if (d->cfg_len >= 256)
		flags |= PCI_FILL_CAPS | PCI_FILL_EXT_CAPS;
	/*
	 * libpci stops the scan when "resource" is missing (lib/sysfs.c).
	 * Parsing it (an sscanf a line) is a third of a scan's time: a lazy
	 * context leaves it to vp_dev_details().
	 */
	if (!ctx->dev_details_lazy) {
		if (vp_regular_at(dfd, "resource"))
			flags |= PCI_FILL_SIZES | PCI_FILL_BASES | PCI_FILL_IO_FLAGS;
		else
			vp_dev_unknown(d, "bars", "%s", no_resource(dfd));
	}
	/*
	 * libpci reads config space again for the class, the capability walk
	 * and every register: a pread each (lib/sysfs.c sysfs_read). Hand it
	 * the copy just read instead (lib/access.c pci_read_data serves what
	 * the cache covers); it is dropped before @cfg goes out of scope.
	 */
	pci_setup_cache(p, cfg, (int)sizeof(cfg));
	pci_fill_info(p, flags);

	if (flags & PCI_FILL_IDENT) {
		d->vendor = p->vendor_id;
		d->device = p->device_id;
	}
	/* The class is sysfs "class" as the kernel fixed it up, prog-if included. */
	if (flags & PCI_FILL_CLASS) {
		d->class = (uint32_t)p->device_class << 8 | p->prog_if;
		d->rev = p->rev_id;
	}
	if (flags & PCI_FILL_SUBSYS) {
		d->subvendor = p->subsys_vendor_id;
		d->subdevice = p->subsys_id;
	}
	/*
	 * modalias is made from the very fields just read (pci-sysfs.c
	 * modalias_show): only whether the attribute exists is asked.
	 */
	if (vp_exists_at(dfd, "modalias")) {
		d->modalias = make_modalias(d);
		if (!d->modalias)
			return -ENOMEM;
	}
	d->kind = vp_kind_of_class(d->class);

	if (!ctx->dev_names_lazy)
		vp_dev_names(ctx, d);

	/*
	 * The driver and iommu_group links are read here: libpci resolves them
	 * with realpath(3), a readlink per path component (lib/sysfs.c
	 * sysfs_deref_link), and only their last component matters.
	 */
	if (vp_readlink_at(dfd, "driver", &link) == 0) {
		const char *base = strrchr(link, '/');

		d->driver = strdup(base ? base + 1 : link);
		free(TAKE_PTR(link));
	}
	if (vp_readlink_at(dfd, "iommu_group", &link) == 0) {
		const char *base = strrchr(link, '/');
		char *end;
		long g = strtol(base ? base + 1 : link, &end, 10);

		if (*end == '\0' && end != (base ? base + 1 : link) && g >= 0 &&
		    g <= INT32_MAX)
			d->iommu_group = (int)g;
		else
			vp_dev_unknown(d, "iommu_group",
				       "unparsable iommu_group link '%s'", link);
	}
	if (flags & PCI_FILL_SIZES)
		fill_bars(d, p);
	d->details = !ctx->dev_details_lazy;
	if (d->cfg_len >= 0x40) {
		d->is_bridge = (cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE;
		if (d->is_bridge) {
			d->secondary_bus = cfg[PCI_SECONDARY_BUS];
			d->subordinate_bus = cfg[PCI_SUBORDINATE_BUS];
		}
	} else {
		/* Class 0x0604/0x0609 is what makes a PCI-to-PCI bridge without config.
		 */
		d->is_bridge = (d->class >> 8) == 0x0604 || (d->class >> 8) == 0x0609;
	}
	vp_pci_decode_caps(ctx, d, p);
	pci_setup_cache(p, NULL, 0);
	return read_sysfs_extras(d, dfd, true, d->details);
}

/*
 * The directory of bus entry @name as an O_PATH descriptor, and its
 * canonical path below the root. The entry is a relative link into
 * sys/devices (drivers/base/bus.c); joined lexically it is the canonical
 * path whenever nothing on the way is a link, which vp_open_canonical then
 * enforces. Otherwise it is resolved inside the root, and since libpci
 * opens its files by name, the kernel's own walk from the root must reach
 * the same directory: an absolute link, or one climbing above the root,
 * is -EXDEV. A dangling link is -ENOENT, a loop -ELOOP, a directory not
 * named by the address -EBADMSG.
 */
static int open_entry(struct vp_ctx *ctx, int busdir, const char *bus, const char *name,
		      char **syspath, int *dfdp)
{
	_cleanup_free_ char *sp = NULL, *byname = NULL;
	_cleanup_close_ int dfd = -1, kfd = -1;
	struct stat a, b;
	int r;

	if (streq(bus, "sys/bus/pci"))
		sp = lexical_devpath(busdir, name);
	if (sp) {
		dfd = vp_open_canonical(ctx, sp, O_PATH | O_DIRECTORY);
		if (dfd >= 0)
			goto done;
		free(TAKE_PTR(sp));
	}
	r = vp_resolve(ctx, VP_SYS, &sp, "bus/pci/devices/%s", name);
	if (r < 0)
		return r;
	dfd = vp_open_canonical(ctx, sp, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	byname = xasprintf("%s/devices/%s", bus, name);
	if (!byname)
		return -ENOMEM;
	kfd = vp_open_beneath(ctx, byname, O_PATH | O_DIRECTORY);
	if (kfd < 0)
		return kfd == -ENOENT ? -EXDEV : kfd;
	if (fstat(dfd, &a) < 0 || fstat(kfd, &b) < 0)
		return -errno;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return -EXDEV;
done:
	/*
	 * The kernel names a function's directory by its address; parents
	 * come from the directory above (link_parents), so a link to another
	 * name would make a function its own parent, or two functions one.
	 */
	if (!streq(strrchr(sp, '/') ? strrchr(sp, '/') + 1 : sp, name))
		return -EBADMSG;
	*syspath = TAKE_PTR(sp);
	*dfdp = dfd;
	dfd = -1;
	return 0;
}

/* A bus entry that leads nowhere is named, and the scan goes on without it. */
static int skip_entry(struct vp_ctx *ctx, struct vp_host *h, const char *name, int err)
{
	_cleanup_free_ char *shown = vp_display_path(VP_SYS, "bus/pci/devices");
	const char *why;

	switch (err) {
	case -ENOENT:
		why = "a dangling link";
		break;
	case -ELOOP:
		why = "a symlink loop";
		break;
	case -ENOTDIR:
		why = "not a directory";
		break;
	case -EXDEV:
		why = "a link that leaves the root (libpci would follow it there)";
		break;
	case -EBADMSG:
		why = "a link to a directory of another name";
		break;
	default:
		why = strerror(-err);
		break;
	}
	vp_log_warn(ctx, "%s/%s: %s; this function is left out", shown ? shown : "", name,
		    why);
	return strv_pushf(&h->notes, "%s/%s: %s; left out", shown ? shown : "", name,
			  why);
}

/* The scan proper, with libpci's error handler armed (no cleanup variables live here). */
static int scan(struct vp_ctx *ctx, struct vp_host *h, int busdir, const char *bus,
		const struct strv *names)
{
	jmp_buf jb;
	volatile size_t i = 0; /* read after longjmp */
	int r;

	pci_jmp = &jb;
	if (setjmp(jb)) {
		pci_jmp = NULL;
		vp_log_err(ctx, "libpci: %s", pci_errmsg);
		return -EBADMSG;
	}
	if (!ctx->pacc->methods)
		pci_init(ctx->pacc);
	for (; i < names->n; i++) {
		struct vp_bdf b;
		struct vp_dev *d;
		struct pci_dev *p;
		char *syspath = NULL;
		int dfd = -1;

		if (vp_bdf_parse(names->v[i], &b, NULL, false) < 0) {
			pci_jmp = NULL;
			return -EBADMSG; /* pci_list checked every name */
		}
		r = open_entry(ctx, busdir, bus, names->v[i], &syspath, &dfd);
		if (r == -ENOMEM) {
			pci_jmp = NULL;
			return r;
		}
		if (r < 0) {
			r = skip_entry(ctx, h, names->v[i], r);
			if (r < 0) {
				pci_jmp = NULL;
				return r;
			}
			continue;
		}
		d = calloc(1, sizeof(*d));
		if (!d) {
			free(syspath);
			close(dfd);
			pci_jmp = NULL;
			return -ENOMEM;
		}
		d->syspath = syspath;
		h->devs[h->ndevs++] = d;
		/*
		 * Only the functions checked above are handed to libpci, linked
		 * into its list as pci_scan_bus would (pci_cleanup frees them).
		 */
		p = pci_get_dev(ctx->pacc, (int)b.domain, b.bus, b.dev, b.fn);
		p->next = ctx->pacc->devices;
		ctx->pacc->devices = p;
		r = fill_dev(ctx, dfd, p, d);
		if (r < 0) {
			pci_jmp = NULL;
			vp_log_err(ctx, "%s: %s", d->addr, strerror(-r));
			return r;
		}
	}
	pci_jmp = NULL;
	return 0;
}

int vp_pci_scan(struct vp_ctx *ctx, struct vp_host *h)
{
	_cleanup_(strv_free) struct strv names = { 0 };
	_cleanup_free_ char *bus = NULL;
	_cleanup_close_ int busdir = -1;
	int r;

	r = vp_resolve(ctx, VP_SYS, &bus, "bus/pci");
	if (r == 0)
		r = pci_list(ctx, &names);
	else
		vp_log_err(ctx, "cannot read /sys/bus/pci under %s: %s", ctx->root,
			   strerror(-r));
	if (r < 0)
		return r;
	r = pci_open(ctx, bus);
	if (r < 0)
		return r;
	h->devs = calloc(names.n ? names.n : 1, sizeof(*h->devs));
	if (!h->devs)
		return -ENOMEM;
	busdir = vp_openf(ctx, VP_SYS, O_PATH | O_DIRECTORY, "bus/pci/devices");
	r = scan(ctx, h, busdir, bus, &names);
	if (r < 0)
		return r;
	/* lspci sorts by address (lspci.c sort_them). */
	qsort(h->devs, h->ndevs, sizeof(*h->devs), cmp_dev);
	link_parents(h);
	return 0;
}

/* BARs from libpci, with its error handler armed as in scan(). */
static int fill_bars_late(struct vp_ctx *ctx, struct vp_dev *d)
{
	struct pci_dev *p = d->pdev;
	jmp_buf jb;

	pci_jmp = &jb;
	if (setjmp(jb)) {
		pci_jmp = NULL;
		vp_log_err(ctx, "libpci: %s", pci_errmsg);
		return -EBADMSG;
	}
	pci_fill_info(p, PCI_FILL_SIZES | PCI_FILL_BASES | PCI_FILL_IO_FLAGS);
	pci_jmp = NULL;
	fill_bars(d, p);
	return 0;
}

int vp_dev_details(struct vp_ctx *ctx, struct vp_dev *d)
{
	_cleanup_close_ int dfd = -1;
	int r;

	if (d->details)
		return 0;
	d->details = true;
	if (!d->pdev || !d->syspath)
		return -EINVAL;
	dfd = vp_open_canonical(ctx, d->syspath, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	if (!vp_regular_at(dfd, "resource")) {
		vp_dev_unknown(d, "bars", "%s", no_resource(dfd));
	} else {
		r = fill_bars_late(ctx, d);
		if (r < 0)
			return r;
	}
	return read_sysfs_extras(d, dfd, false, true);
}
