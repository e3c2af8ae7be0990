// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Configured versus running. After host apply and before the reboot, the
 * files say one thing and the running kernel another: the command line in
 * GRUB or /etc/kernel/cmdline against /proc/cmdline, /etc/modules against
 * /proc/modules, vfio-pci ids or driver_override rules against the bound
 * driver. Each difference is a change that takes effect at the next boot.
 * Earlier findings whose fix is exactly such a change are turned into
 * "applied, reboot pending" so the fix is not offered a second time (a
 * second edit would duplicate the first), and the verdict gets its own exit
 * status (VP_EXIT_REBOOT_PENDING).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "checks/doctor.h"
#include "host/bootcfg.h"

/* Command line parameters vfio-pilot writes or tells to remove (hostplan.c, checks). */
static const char *const managed_keys[] = {
	"intel_iommu",
	"amd_iommu",
	"iommu",
	"intremap",
	"vfio-pci.ids",
	"vfio_iommu_type1.allow_unsafe_interrupts",
	"pcie_acs_override",
	"initcall_blacklist",
	"video",
	"kvm.ignore_msrs",
	"vfio-pci.disable_idle_d3",
};

struct pending {
	time_t btime;	      /* the running kernel's boot (/proc/stat btime) */
	struct strv changes;  /* one line each, for the evidence */
	struct strv to_vfio;  /* addresses vfio-pci takes at the next boot */
	struct strv cmd_add;  /* "key=value" configured, not running */
	struct strv cmd_del;  /* managed keys running, not configured */
	struct strv mod_load; /* modules loaded at boot, not loaded now */
	char *cmd_file;	      /* where the command line is configured */
};

/*
 * A file changed after the boot is a change the running kernel has not seen.
 * One older than the boot was in effect at this boot: a difference then is a
 * failure (a driver won the race, a module failed to load), not a pending
 * change.
 */
static bool after_boot(struct vp_doc *doc, const struct pending *p, enum vp_loc loc,
		       const char *sub)
{
	_cleanup_close_ int fd = vp_openf(doc->s.ctx, loc, O_RDONLY, "%s", sub);
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_mtime > p->btime;
}

/* proc/stat "btime": seconds since the epoch at boot (proc(5)). */
static time_t boot_time(struct vp_doc *doc)
{
	_cleanup_free_ char *text = NULL;
	const char *b;

	if (vp_read_strf(doc->s.ctx, VP_PROC, &text, "stat") < 0)
		return 0;
	for (b = text; (b = strstr(b, "btime ")); b++)
		if (b == text || b[-1] == '\n')
			return (time_t)strtoll(b + 6, NULL, 10);
	return 0;
}

static void pending_free(struct pending *p)
{
	strv_free(&p->changes);
	strv_free(&p->to_vfio);
	strv_free(&p->cmd_add);
	strv_free(&p->cmd_del);
	strv_free(&p->mod_load);
	free(p->cmd_file);
}

static bool managed(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(managed_keys); i++) {
		const char *a = managed_keys[i], *b = key;

		/* '-' and '_' are one in parameter names (kernel/params.c parameq). */
		for (; *a && *b; a++, b++)
			if (*a != *b &&
			    !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
				break;
		if (!*a && !*b)
			return true;
	}
	return false;
}

static int cmdline_pending(struct vp_doc *doc, struct pending *p)
{
	const struct vp_cmdline *run = &doc->s.sys.cmdline;
	struct vp_bootcmd b = { 0 };
	struct vp_cmdline conf = { 0 };
	_cleanup_free_ char *why = NULL, *line = NULL;
	int r;

	if (!run->raw)
		return 0;
	r = vp_bootcmd_load(doc->s.ctx, doc->s.sys.boot, &b, &why);
	if (r < 0)
		return r == -ENOMEM ? r : 0; /* unparsable: the plan says so */
	line = xasprintf("%s %s", b.other ? b.other : "", b.value ? b.value : "");
	p->cmd_file = vp_display_path(VP_ROOT, b.sub);
	if (!after_boot(doc, p, VP_ROOT, b.sub)) {
		vp_bootcmd_free(&b);
		return line && p->cmd_file ? 0 : -ENOMEM;
	}
	vp_bootcmd_free(&b);
	if (!line || !p->cmd_file)
		return -ENOMEM;
	r = vp_cmdline_parse(line, &conf);
	for (size_t i = 0; r == 0 && i < conf.keys.n; i++) {
		const char *k = conf.keys.v[i], *v = conf.vals.v[i];
		const char *now = vp_cmdline_get(run, k);
		/* The last value counts (kernel/params.c parses left to right). */
		const char *want = vp_cmdline_get(&conf, k);

		if (v != want || (now && streq(now, want)) ||
		    (!now && vp_cmdline_has(run, k) && !*want))
			continue;
		r = strv_pushf(&p->cmd_add, "%s%s%s", k, *want ? "=" : "", want);
		if (r == 0)
			r = strv_pushf(&p->changes,
				       "kernel command line: %s%s%s (in %s, "
				       "not in /proc/cmdline%s%s)",
				       k, *want ? "=" : "", want, p->cmd_file,
				       now ? ", which has " : "", now ? now : "");
	}
	for (size_t i = 0; r == 0 && i < run->keys.n; i++) {
		const char *k = run->keys.v[i];

		if (!managed(k) || vp_cmdline_has(&conf, k) ||
		    strv_contains(&p->cmd_del, k))
			continue;
		r = strv_add(&p->cmd_del, k);
		if (r == 0)
			r = strv_pushf(
				&p->changes,
				"kernel command line: %s removed (running, no longer in %s)",
				k, p->cmd_file);
	}
	vp_cmdline_free(&conf);
	return r;
}

static int modules_pending(struct vp_doc *doc, struct pending *p)
{
	const struct vp_kmods *k = &doc->s.km;
	int r = 0;

	if (k->loaded_unreadable)
		return 0;
	for (size_t i = 0; r == 0 && i < k->nboot; i++) {
		_cleanup_free_ char *m = strdup(k->boot[i].module);
		_cleanup_free_ char *where = NULL;

		if (!m)
			return -ENOMEM;
		vp_modname_normalize(m);
		if (!k->boot[i].file || k->boot[i].file[0] != '/' ||
		    !after_boot(doc, p, VP_ROOT, k->boot[i].file + 1))
			continue;
		/* Gone from the kernel (vfio_virqfd since 6.2): no boot will load it. */
		if (vp_kmods_is_loaded(k, m) || !vp_kmods_available(k, m) ||
		    vp_kmods_is_builtin(k, m) == 1 || strv_contains(&p->mod_load, m))
			continue;
		where = xasprintf("%s line %d", k->boot[i].file, k->boot[i].line);
		r = strv_add(&p->mod_load, m);
		if (r == 0)
			r = strv_pushf(&p->changes,
				       "module %s loads at boot (%s), not loaded now", m,
				       where ? where : k->boot[i].file);
	}
	return r;
}

/* Boolean parameters read back as Y/N (kernel/params.c param_get_bool). */
static bool same_param(const char *conf, const char *now)
{
	static const char *const yes[] = { "1", "y", "Y" }, *const no[] = { "0", "n",
									    "N" };
	bool cy = false, cn = false, ny = false, nn = false;

	if (streq(conf, now))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		cy = cy || streq(conf, yes[i]);
		ny = ny || streq(now, yes[i]);
		cn = cn || streq(conf, no[i]);
		nn = nn || streq(now, no[i]);
	}
	return (cy && ny) || (cn && nn);
}

/*
 * Module options of vfio-pilot's modprobe file against the parameters of
 * the loaded module (/sys/module/M/parameters/P). Write-only parameters
 * (vfio-pci ids) have no file there: the bound driver tells instead.
 */
static int options_pending(struct vp_doc *doc, struct pending *p)
{
	_cleanup_free_ char *text = NULL;
	int r = 0;

	if (!after_boot(doc, p, VP_ETC, "modprobe.d/vfio-pilot.conf") ||
	    vp_read_strf(doc->s.ctx, VP_ETC, &text, "modprobe.d/vfio-pilot.conf") < 0)
		return 0;
	for (char *l = text, *next; r == 0 && l && *l; l = next) {
		char mod[64], *args, *save = NULL;
		int off = 0;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(l, " options %63s%n", mod, &off) != 1 || off <= 0)
			continue;
		args = l + off;
		vp_modname_normalize(mod);
		if (!vp_kmods_is_loaded(&doc->s.km, mod))
			continue; /* loads with them at the next boot or use */
		for (char *kv = args ? strtok_r(args, " \t", &save) : NULL; r == 0 && kv;
		     kv = strtok_r(NULL, " \t", &save)) {
			_cleanup_free_ char *now = NULL;
			char *eq = strchr(kv, '=');

			if (!eq)
				continue;
			*eq = '\0';
			if (vp_read_strf(doc->s.ctx, VP_SYS, &now,
					 "module/%s/parameters/%s", mod, kv) < 0 ||
			    same_param(eq + 1, now))
				continue;
			r = strv_pushf(
				&p->changes,
				"module option %s %s=%s (in /etc/modprobe.d/vfio-pilot.conf, "
				"the loaded module has %s)",
				mod, kv, eq + 1, now);
		}
	}
	return r;
}

/* Does "10de:2684,10de:22ba" (vfio-pci ids) claim @d? */
static bool ids_claim(const char *ids, const struct vp_dev *d)
{
	char want[16];
	size_t n;

	if (!ids)
		return false;
	n = (size_t)snprintf(want, sizeof(want), "%04x:%04x", d->vendor, d->device);
	for (const char *s = ids; *s;) {
		size_t len = strcspn(s, ",");

		if (len >= n && strncasecmp(s, want, n) == 0 && (len == n || s[n] == ':'))
			return true;
		s += len;
		if (*s == ',')
			s++;
	}
	return false;
}

/*
 * driver_override rules as host apply writes them (hostplan.c):
 * KERNEL=="ADDR", ATTR{driver_override}="vfio-pci", in any rules.d file.
 */
static int override_rules(struct vp_doc *doc, const struct pending *p, struct strv *addrs)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;

	if (vp_opendirf(doc->s.ctx, VP_ETC, &d, "udev/rules.d") < 0)
		return 0;
	while ((e = readdir(d))) {
		_cleanup_free_ char *text = NULL;

		_cleanup_free_ char *sub = xasprintf("udev/rules.d/%s", e->d_name);

		if (!sub)
			return -ENOMEM;
		if (!strstr(e->d_name, ".rules") || !after_boot(doc, p, VP_ETC, sub) ||
		    vp_read_strf(doc->s.ctx, VP_ETC, &text, "udev/rules.d/%s",
				 e->d_name) < 0)
			continue;
		for (char *l = text, *next; l && *l; l = next) {
			char *k;

			next = strchr(l, '\n');
			if (next)
				*next++ = '\0';
			while (*l == ' ' || *l == '\t')
				l++;
			if (*l == '#' ||
			    !strstr(l, "ATTR{driver_override}=\"vfio-pci\"") ||
			    !(k = strstr(l, "KERNEL==\"")))
				continue;
			k += strlen("KERNEL==\"");
			k[strcspn(k, "\"")] = '\0';
			if (strv_add(addrs, k) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int drivers_pending(struct vp_doc *doc, struct pending *p)
{
	_cleanup_free_ char *ids = NULL;
	_cleanup_(strv_free) struct strv rules = { 0 };
	int r = override_rules(doc, p, &rules);

	/* modprobe.d as a whole: its newest file (kmods.c) changed after the boot. */
	if (doc->s.km.newest_config > p->btime)
		ids = vp_kmods_option(&doc->s.km, "vfio_pci", "ids");

	for (size_t i = 0; r == 0 && i < doc->s.h->ndevs; i++) {
		const struct vp_dev *d = doc->s.h->devs[i];
		bool by_rule = strv_contains(&rules, d->addr);
		const char *cl = NULL;

		if (!d->driver || streq(d->driver, "vfio-pci"))
			continue;
		for (size_t k = 0; !cl && k < p->cmd_add.n; k++)
			if (startswith(p->cmd_add.v[k], "vfio-pci.ids=") ||
			    startswith(p->cmd_add.v[k], "vfio_pci.ids="))
				cl = p->cmd_add.v[k] + strlen("vfio-pci.ids=");
		if (!by_rule && !ids_claim(ids, d) && !ids_claim(cl, d))
			continue;
		r = strv_add(&p->to_vfio, d->addr);
		if (r == 0)
			r = strv_pushf(
				&p->changes, "%s: vfio-pci binds it at boot (%s), now %s",
				d->addr,
				by_rule ? "driver_override rule in /etc/udev/rules.d"
				: ids_claim(ids, d) ? "options vfio-pci ids in modprobe.d"
						    : "vfio-pci.ids on the command line",
				d->driver);
	}
	return r;
}

/* Is the key of "key=value" (or a bare "key") @key? */
static bool same_key(const char *kv, const char *key, size_t keylen)
{
	size_t n = strcspn(kv, "=");

	return n == keylen && strncmp(kv, key, keylen) == 0;
}

/*
 * A command line fix of vp_cmdline_fix: "add K=V to ..." is in place when
 * K=V is configured and not running; "remove K=V from ..." when K is no
 * longer configured, or configured with another value.
 */
static bool cmdline_fix_pending(const char *fix, const struct pending *p)
{
	bool add = fix && startswith(fix, "add "),
	     del = fix && startswith(fix, "remove ");
	size_t n, k;

	if (!add && !del)
		return false;
	fix += add ? 4 : 7;
	n = strcspn(fix, " ");
	k = strcspn(fix, "=");
	if (k > n)
		k = n;
	if (add) {
		for (size_t i = 0; i < p->cmd_add.n; i++)
			if (strlen(p->cmd_add.v[i]) == n &&
			    strncmp(p->cmd_add.v[i], fix, n) == 0)
				return true;
		return false;
	}
	for (size_t i = 0; i < p->cmd_del.n; i++)
		if (same_key(p->cmd_del.v[i], fix, k))
			return true;
	for (size_t i = 0; i < p->cmd_add.n; i++)
		if (same_key(p->cmd_add.v[i], fix, k) &&
		    (strlen(p->cmd_add.v[i]) != n ||
		     strncmp(p->cmd_add.v[i], fix, n) != 0))
			return true;
	return false;
}

static struct vp_dev *dev_by_addr(struct vp_doc *doc, const char *addr)
{
	for (size_t i = 0; addr && i < doc->s.h->ndevs; i++)
		if (streq(doc->s.h->devs[i]->addr, addr))
			return doc->s.h->devs[i];
	return NULL;
}

/* A finding whose fix is already configured and waits for the boot. */
static bool covered(struct vp_doc *doc, const struct vp_finding *f,
		    const struct pending *p, bool iommu_pending)
{
	struct vp_dev *d = dev_by_addr(doc, f->device);

	if (f->verdict != VP_V_FAIL && f->verdict != VP_V_WARN)
		return false;
	if (cmdline_fix_pending(f->fix, p))
		return true;
	/* A device without a group while the IOMMU waits for the boot. */
	if (streq(f->id, "device.group") && iommu_pending)
		return true;
	if (streq(f->id, "device.driver") && d)
		return strv_contains(&p->to_vfio, d->addr);
	if (streq(f->id, "device.companions") && d) {
		_cleanup_free_ struct vp_dev **comp = NULL;
		size_t n = 0;

		if (vp_session_companions(&doc->s, d, &comp, &n) < 0)
			return false;
		for (size_t i = 0; i < n; i++)
			if (comp[i]->driver && !streq(comp[i]->driver, "vfio-pci") &&
			    !strv_contains(&p->to_vfio, comp[i]->addr))
				return false;
		return n > 0;
	}
	return false;
}

int vp_check_reboot_pending(struct vp_doc *doc, const struct vp_check *c,
			    struct vp_dev *t)
{
	struct pending p = { 0 };
	_cleanup_free_ char *ev = NULL;
	size_t covered_n = 0;
	bool iommu_pending = false;
	int r;

	p.btime = boot_time(doc);
	if (!p.btime)
		return vp_report(
			doc, c, NULL, VP_V_SKIP,
			strdup("configured versus running not compared: the boot "
			       "time is unknown"),
			vp_evidence(VP_PROC, "stat", "no btime"), NULL);
	r = cmdline_pending(doc, &p);
	if (r == 0)
		r = modules_pending(doc, &p);
	if (r == 0)
		r = options_pending(doc, &p);
	if (r == 0)
		r = drivers_pending(doc, &p);
	if (r < 0) {
		pending_free(&p);
		return r;
	}
	if (p.changes.n == 0) {
		pending_free(&p);
		return vp_report(
			doc, c, NULL, VP_V_OK,
			strdup("the running kernel matches the configuration "
			       "(command line, boot modules, vfio-pci binding)"),
			strdup("the running command line, modules and bound drivers "
			       "against the boot configuration"),
			NULL);
	}
	for (size_t i = 0; i < doc->nf; i++) {
		struct vp_finding *f = &doc->f[i];
		char *s;

		if (!covered(doc, f, &p, iommu_pending))
			continue;
		if (streq(f->id, "kernel.iommu-active"))
			iommu_pending = true;
		s = xasprintf("applied, reboot pending: %s", f->summary);
		if (!s) {
			pending_free(&p);
			return -ENOMEM;
		}
		free(f->summary);
		f->summary = s;
		free(f->fix);
		f->fix = NULL;
		f->verdict = VP_V_OK;
		covered_n++;
	}
	for (size_t i = 0; i < p.changes.n; i++) {
		char *s =
			xasprintf("%s%s%s", ev ? ev : "", ev ? "; " : "", p.changes.v[i]);

		free(ev);
		ev = s;
		if (!ev) {
			pending_free(&p);
			return -ENOMEM;
		}
	}
	r = vp_report(
		doc, c, NULL, VP_V_WARN,
		xasprintf("applied, reboot pending: %zu change%s take%s effect at the "
			  "next boot%s",
			  p.changes.n, p.changes.n == 1 ? "" : "s",
			  p.changes.n == 1 ? "s" : "",
			  covered_n ? " (the findings they fix are marked)" : ""),
		strdup(ev),
		strdup("reboot: the configuration is in place, nothing is to be "
		       "edited again"));
	pending_free(&p);
	return r;
}

bool vp_doc_reboot_pending(const struct vp_doc *doc)
{
	for (size_t i = 0; i < doc->nf; i++)
		if (streq(doc->f[i].id, "kernel.reboot-pending"))
			return doc->f[i].verdict == VP_V_WARN;
	return false;
}
