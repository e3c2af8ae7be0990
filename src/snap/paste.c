// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * paste: sections, facts and findings of a whole pasted post (paste.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "checks/vmlint.h"
#include "kb/kb.h"
#include "pve/vmconf.h"
#include "snap/paste.h"

static const char *const kind_names[VP_PK_COUNT] = {
	[VP_PK_TEXT] = "text",
	[VP_PK_PROMPT] = "prompt",
	[VP_PK_KLOG] = "kernel-log",
	[VP_PK_JOURNAL] = "journal",
	[VP_PK_PVE_TASK] = "pve-task-log",
	[VP_PK_QEMU] = "qemu",
	[VP_PK_LIBVIRT] = "libvirt",
	[VP_PK_LSPCI] = "lspci",
	[VP_PK_LSPCI_VMM] = "lspci-vmm",
	[VP_PK_IOMMU] = "iommu-groups",
	[VP_PK_LS_IOMMU] = "ls-iommu",
	[VP_PK_FIND] = "find-iommu-groups",
	[VP_PK_PVESH] = "pvesh-hardware-pci",
	[VP_PK_CMDLINE] = "kernel-cmdline",
	[VP_PK_GRUB] = "grub-default",
	[VP_PK_MODPROBE] = "modprobe.d",
	[VP_PK_MODULES] = "modules",
	[VP_PK_VMCONFIG] = "vm-config",
	[VP_PK_SHOWCMD] = "qm-showcmd",
	[VP_PK_GUEST] = "guest",
};

const char *vp_paste_kind_name(enum vp_paste_kind k)
{
	return k < VP_PK_COUNT ? kind_names[k] : "?";
}

/* ---- line kinds ----------------------------------------------------------------------
 */

static bool is_bdf_at(const char *p)
{
	struct vp_imp_dev d;
	const char *why;

	return vp_imp_device_line(p, &d, &why) == 1;
}

/* "[   12.345678] " at @s: the length, or 0 */
static size_t klog_stamp(const char *s)
{
	const char *p = s;

	if (*p != '[')
		return 0;
	p++;
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != '.')
		return 0;
	p++;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != ']')
		return 0;
	return (size_t)(p + 1 - s);
}

/* "Jan 12 08:07:44 host proc[pid]: " (syslog, kern.log, journalctl): 1 or 0 */
static bool journal_stamp(const char *s)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	bool ok = false;

	for (size_t i = 0; i < 12; i++)
		if (strncmp(s, mon[i], 3) == 0)
			ok = true;
	if (!ok || s[3] != ' ')
		return false;
	s += 4;
	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)s[0]))
		return false;
	s += isdigit((unsigned char)s[1]) ? 2 : 1;
	return s[0] == ' ' && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && s[3] == ':';
}

static bool any_of(const char *s, const char *const *needles)
{
	for (; *needles; needles++)
		if (strstr(s, *needles))
			return true;
	return false;
}

/* Proxmox VM config keys (pve-docs qm.conf; qemu-server PVE/QemuServer.pm). */
static bool vmconfig_line(const char *s)
{
	static const char *const keys[] = {
		"hostpci",  "args",	"bios",	     "machine",	   "vga",     "cores",
		"memory",   "sockets",	"boot",	     "scsi",	   "ide",     "sata",
		"virtio",   "net",	"ostype",    "cpu",	   "numa",    "smbios1",
		"vmgenid",  "efidisk0", "tpmstate0", "name",	   "meta",    "balloon",
		"agent",    "scsihw",	"usb",	     "hookscript", "onboot",  "parent",
		"snaptime", "tablet",	"kvm",	     "affinity",   "hotplug", "startup",
		"audio0",   NULL
	};
	const char *colon = strchr(s, ':');
	size_t n;

	if (!colon || colon[1] != ' ' || colon == s)
		return false;
	n = (size_t)(colon - s);
	for (size_t i = 0; keys[i]; i++) {
		size_t k = strlen(keys[i]);

		if (n >= k && strncmp(s, keys[i], k) == 0) {
			size_t j = k;

			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			if (j == n)
				return true;
		}
	}
	return false;
}

/* A kernel command line: BOOT_IMAGE=, or root= with another parameter. */
static bool cmdline_line(const char *s)
{
	static const char *const params[] = { "intel_iommu=",
					      "amd_iommu=",
					      "iommu=",
					      "quiet",
					      "vfio-pci.ids=",
					      "vfio_pci.ids=",
					      "boot=zfs",
					      " ro",
					      "pcie_acs_override=",
					      NULL };
	int n = 0;

	if (strstr(s, "BOOT_IMAGE=") || strstr(s, "initrd=\\EFI"))
		return true;
	if (!strstr(s, "root="))
		return false;
	for (size_t i = 0; params[i]; i++)
		if (strstr(s, params[i]))
			n++;
	return n >= 1 && !strchr(s, '<');
}

static bool modules_line(const char *s)
{
	static const char *const mods[] = {
		"vfio",	       "vfio_pci", "vfio-pci",	   "vfio_iommu_type1",
		"vfio_virqfd", "kvmgt",	   "vendor-reset", "vendor_reset",
		"pci_stub",    "kvm",	   "kvm_intel",	   "kvm_amd",
		"i915",	       "xengt",	   "mdev",	   NULL
	};

	for (size_t i = 0; mods[i]; i++)
		if (streq(s, mods[i]))
			return true;
	return false;
}

static bool lspci_detail(const char *s)
{
	static const char *const keys[] = { "Subsystem:",
					    "Kernel driver in use:",
					    "Kernel modules:",
					    "Control:",
					    "Status:",
					    "Latency:",
					    "Interrupt:",
					    "Region ",
					    "Capabilities:",
					    "Flags:",
					    "DevCap:",
					    "DevCtl:",
					    "DevSta:",
					    "LnkCap:",
					    "LnkCtl:",
					    "LnkSta:",
					    "Expansion ROM",
					    "Bus:",
					    "Physical Slot:",
					    "NUMA node:",
					    "IOMMU group:",
					    "DeviceName:",
					    "Address:",
					    "Vector table:",
					    "PBA:",
					    "Product Name:",
					    "BridgeCtl:",
					    "Secondary status:",
					    "I/O behind",
					    "Memory behind",
					    "Prefetchable memory",
					    NULL };

	for (size_t i = 0; keys[i]; i++)
		if (startswith(s, keys[i]))
			return true;
	/* lspci -x: "00: 86 80 ..." */
	if (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1]) &&
	    s[2] == ':' && s[3] == ' ' && isxdigit((unsigned char)s[4]) &&
	    isxdigit((unsigned char)s[5]) && s[6] == ' ')
		return true;
	return false;
}

enum vp_paste_kind vp_paste_line_kind(const char *s, enum vp_paste_kind prev)
{
	static const char *const pve[] = { "TASK OK",
					   "TASK ERROR",
					   "TASK WARNINGS",
					   "start failed",
					   "GUEST HOOK:",
					   "is starting, doing",
					   "WARN: ",
					   "swtpm_setup:",
					   "trying to continue",
					   NULL };
	static const char *const qemu[] = { "qemu-system-", "qemu-kvm:", "kvm: ",
					    "vfio error:",  "vfio: ",	 NULL };
	static const char *const libvirt[] = { "libvirt",
					       "virError",
					       "error: internal error",
					       "error: Failed to start domain",
					       "unsupported configuration:",
					       NULL };
	static const char *const guest[] = { "(Code 43)",
					     "Code 43",
					     "(Code 31)",
					     "(Code 12)",
					     "No devices were found",
					     "Microsoft Basic Display Adapter",
					     NULL };
	struct vp_imp_dev d;
	int g;
	const char *rest;

	if (!s[0])
		return VP_PK_TEXT;
	if (startswith(s, "root@") || startswith(s, "$ ") || startswith(s, "# ") ||
	    (strstr(s, ":~#") && strstr(s, "@")) || (strstr(s, ":~$") && strstr(s, "@")))
		return VP_PK_PROMPT;
	if (klog_stamp(s))
		return VP_PK_KLOG;
	if (journal_stamp(s))
		return VP_PK_JOURNAL;
	if (strstr(s, "iommu_groups/") && strstr(s, "devices/"))
		return VP_PK_FIND;
	if (startswith(s, "GRUB_CMDLINE_LINUX") || strstr(s, " GRUB_CMDLINE_LINUX"))
		return VP_PK_GRUB;
	if (vp_imp_lsiommu_line(s, &d, &g))
		return VP_PK_LS_IOMMU;
	if (vp_imp_group_header(s, &g, &rest) || startswith(s, "Group:"))
		return VP_PK_IOMMU;
	if (startswith(s, "Slot:") ||
	    (prev == VP_PK_LSPCI_VMM && isupper((unsigned char)s[0]) && strchr(s, ':') &&
	     strchr(s, ':') - s < 12 && !strchr(s, ' ') == !strchr(strchr(s, ':'), ' ')))
		return VP_PK_LSPCI_VMM;
	if (strstr(s, "iommugroup") ||
	    (prev == VP_PK_PVESH &&
	     (strstr(s, "\xe2\x94") || s[0] == '|' || s[0] == '{' || s[0] == '}' ||
	      s[0] == '"' || s[0] == ']' || s[0] == '[')))
		return VP_PK_PVESH;
	if (startswith(s, "/usr/bin/kvm ") || strstr(s, "-device 'vfio-pci,") ||
	    (prev == VP_PK_SHOWCMD && s[0] == '-'))
		return VP_PK_SHOWCMD;
	if (modules_line(s))
		return VP_PK_MODULES;
	if (any_of(s, pve))
		return VP_PK_PVE_TASK;
	if (any_of(s, libvirt))
		return VP_PK_LIBVIRT;
	if (any_of(s, qemu))
		return VP_PK_QEMU;
	if (is_bdf_at(s))
		return VP_PK_LSPCI;
	if ((prev == VP_PK_LSPCI || prev == VP_PK_IOMMU) && lspci_detail(s))
		return prev;
	if (prev == VP_PK_LS_IOMMU && lspci_detail(s))
		return prev;
	/* a systemd-boot entry's "options root=... intel_iommu=on": the first
	 * word is a parameter, where modprobe.d's is a module name */
	if (startswith(s, "options") && (s[7] == ' ' || s[7] == '\t')) {
		const char *w = s + 7 + strspn(s + 7, " \t");

		if (strcspn(w, "= \t") < strcspn(w, " \t"))
			return VP_PK_CMDLINE;
	}
	if (startswith(s, "options ") || startswith(s, "options\t") ||
	    startswith(s, "softdep ") || startswith(s, "blacklist ") ||
	    startswith(s, "install ") || startswith(s, "alias ") ||
	    startswith(s, "remove "))
		return VP_PK_MODPROBE;
	if (vmconfig_line(s) || (s[0] == '[' && strchr(s, ']') && prev == VP_PK_VMCONFIG))
		return VP_PK_VMCONFIG;
	if (cmdline_line(s) || (startswith(s, "options ") && prev == VP_PK_CMDLINE))
		return VP_PK_CMDLINE;
	if (modules_line(s))
		return VP_PK_MODULES;
	if (any_of(s, guest))
		return VP_PK_GUEST;
	if (strstr(s, "DMAR:") || strstr(s, "AMD-Vi:") || strstr(s, "vfio-pci ") ||
	    strstr(s, "Kernel command line:"))
		return VP_PK_KLOG;
	return VP_PK_TEXT;
}

/* ---- small helpers -------------------------------------------------------------------
 */

static int addf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int addf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(out, fmt, ap);
	va_end(ap);
	if (r < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static struct vp_paste_finding *finding(struct vp_paste *p, const char *id,
					enum vp_sig_severity sev, unsigned int line,
					const char *evidence, const char *source)
{
	struct vp_paste_finding *f = p->findings;

	if (p->nfindings == p->fcap) {
		size_t cap = p->fcap ? p->fcap * 2 : 16;

		f = realloc(p->findings, cap * sizeof(*p->findings));
		if (!f)
			return NULL;
		p->findings = f;
		p->fcap = cap;
	}
	f = &f[p->nfindings++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = sev;
	f->line = line;
	f->source = source;
	f->evidence = evidence ? strndup(evidence, 1024) : NULL;
	return f;
}

static bool has_finding(const struct vp_paste *p, const char *id)
{
	for (size_t i = 0; i < p->nfindings; i++)
		if (streq(p->findings[i].id, id))
			return true;
	return false;
}

/* ---- kernel parameters ---------------------------------------------------------------
 */

/*
 * Parameters that matter for passthrough, as the kernel and the vfio modules
 * accept them: Documentation/admin-guide/kernel-parameters.txt, and the
 * module_param()s of drivers/vfio/pci/vfio_pci.c, drivers/vfio/vfio_iommu_type1.c,
 * drivers/vfio/vfio_main.c. Names compare with '-' and '_' equal, as the
 * kernel's parameq() does. pcie_acs_override is here although mainline lacks
 * it: it exists only in kernels carrying the ACS override patch.
 */
static const char *const known_params[] = {
	"intel_iommu",
	"amd_iommu",
	"amd_iommu_intr",
	"amd_iommu_dump",
	"iommu",
	"iommu.passthrough",
	"iommu.strict",
	"iommu.forcedac",
	"ivrs_ioapic",
	"ivrs_hpet",
	"ivrs_acpihid",
	"vfio_pci.ids",
	"vfio_pci.disable_vga",
	"vfio_pci.disable_idle_d3",
	"vfio_pci.nointxmask",
	"vfio_pci.enable_sriov",
	"vfio_pci.disable_denylist",
	"vfio_iommu_type1.allow_unsafe_interrupts",
	"vfio_iommu_type1.disable_hugepages",
	"vfio_iommu_type1.dma_entry_limit",
	"vfio.enable_unsafe_noiommu_mode",
	"pcie_acs_override",
	"pci",
	"pcie_aspm",
	"pcie_aspm.policy",
	"pcie_ports",
	"video",
	"nofb",
	"nomodeset",
	"initcall_blacklist",
	"modprobe.blacklist",
	"module_blacklist",
	"rd.driver.pre",
	"rd.driver.blacklist",
	"rd.modules-load",
	"kvm.ignore_msrs",
	"kvm.report_ignored_msrs",
	"kvm_amd.npt",
	"kvm_amd.avic",
	"kvm_intel.nested",
	"kvm_amd.nested",
	"i915.enable_gvt",
	"i915.enable_guc",
	"i915.max_vfs",
	"xe.max_vfs",
	"xe.force_probe",
	"i915.force_probe",
	"nouveau.modeset",
	"amdgpu.runpm",
	"efifb",
	"vfio_pci_core.disable_idle_d3",
	"disable_idle_d3",
	"pci_stub.ids",
	"quiet",
	"splash",
	"root",
	"ro",
	"rw",
	"boot",
	"initrd",
	"BOOT_IMAGE",
	"hugepagesz",
	"hugepages",
	"default_hugepagesz",
	"isolcpus",
	"nohz_full",
	"rcu_nocbs",
	"mitigations",
	"console",
	"sysfb_init",
	"vga",
	"rootdelay",
	"resume",
	"systemd.unified_cgroup_hierarchy",
	"nvme_core.default_ps_max_latency_us",
	NULL,
};

static void norm(const char *in, size_t n, char *out, size_t len)
{
	size_t i;

	for (i = 0; i < n && i + 1 < len; i++)
		out[i] = in[i] == '-' ? '_' : (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

bool vp_paste_param_known(const char *name)
{
	char a[128], b[128];

	norm(name, strlen(name), a, sizeof(a));
	for (size_t i = 0; known_params[i]; i++) {
		norm(known_params[i], strlen(known_params[i]), b, sizeof(b));
		if (streq(a, b))
			return true;
	}
	return false;
}

static size_t edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[130];

	if (la > 127 || lb > 127)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

const char *vp_paste_param_nearest(const char *name)
{
	char a[128], b[128];
	const char *best = NULL;
	size_t bd = 3;

	norm(name, strlen(name), a, sizeof(a));
	for (size_t i = 0; known_params[i]; i++) {
		size_t d;

		norm(known_params[i], strlen(known_params[i]), b, sizeof(b));
		if (strlen(b) < 5)
			continue; /* "ro", "pci": too short to be what a typo meant */
		d = edits(a, b);
		if (d < bd) {
			bd = d;
			best = known_params[i];
		}
	}
	return best;
}

/* Parameters in the passthrough family: only these are judged when unknown. */
static bool family(const char *name)
{
	static const char *const words[] = { "iommu", "vfio",	   "acs",
					     "efifb", "vesafb",	   "pci",
					     "kvm",   "blacklist", NULL };
	char a[128];

	norm(name, strlen(name), a, sizeof(a));
	for (size_t i = 0; words[i]; i++)
		if (strstr(a, words[i]))
			return true;
	return false;
}

static int add_param(struct vp_paste *p, const char *name, const char *value,
		     unsigned int line)
{
	struct vp_paste_param *v;

	for (size_t i = 0; i < p->nparams; i++)
		if (p->params[i].line == line && streq(p->params[i].name, name))
			return 0;
	v = realloc(p->params, (p->nparams + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->params = v;
	v = &v[p->nparams];
	v->name = strdup(name);
	/* vp_cmdline keeps "" for a bare flag: "name=" with nothing after is as rare
	 * as it is meaningless here, so both read as no value */
	v->value = value && *value ? strdup(value) : NULL;
	v->line = line;
	if (!v->name || (value && *value && !v->value)) {
		free(v->name);
		free(v->value);
		return -ENOMEM;
	}
	p->nparams++;
	return 0;
}

/*
 * The parameters of a command line in @s, split by vp_cmdline_parse() as the
 * kernel splits /proc/cmdline (host/cmdline.c, lib/cmdline.c next_arg), the
 * same splitter doctor uses. One pair of quotes around the whole line is the
 * shell's (GRUB_CMDLINE_LINUX="...") or a paste's, not the kernel's.
 */
static int read_cmdline(struct vp_paste *p, const char *s, unsigned int line)
{
	_cleanup_free_ char *t = NULL;
	struct vp_cmdline cl = { 0 };
	size_t n;
	int r;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	t = strndup(s, n);
	if (!t)
		return -ENOMEM;
	/* a single-quoted shell word: the kernel only knows double quotes */
	for (char *q = t; *q; q++)
		if (*q == '\'')
			*q = ' ';
	r = vp_cmdline_parse(t, &cl);
	for (size_t i = 0; r == 0 && i < cl.keys.n; i++)
		r = add_param(p, cl.keys.v[i], cl.vals.v[i], line);
	vp_cmdline_free(&cl);
	return r;
}

static int cmdline_facts(struct vp_paste *p, const char *s, enum vp_paste_kind k,
			 unsigned int line)
{
	const char *c;

	if ((c = strstr(s, "Kernel command line: ")))
		return read_cmdline(p, c + 21, line);
	if ((c = strstr(s, "Command line: ")))
		return read_cmdline(p, c + 14, line);
	if (k == VP_PK_GRUB && (c = strchr(s, '=')))
		return read_cmdline(p, c + 1, line);
	if (k == VP_PK_CMDLINE) {
		if (startswith(s, "options") && (s[7] == ' ' || s[7] == '\t'))
			s += 7;
		return read_cmdline(p, s, line);
	}
	return 0;
}

static const struct vp_paste_param *param(const struct vp_paste *p, const char *name)
{
	char a[128], b[128];

	norm(name, strlen(name), b, sizeof(b));
	for (size_t i = 0; i < p->nparams; i++) {
		norm(p->params[i].name, strlen(p->params[i].name), a, sizeof(a));
		if (streq(a, b))
			return &p->params[i];
	}
	return NULL;
}

/* ---- the kernel release and the ids vfio-pci is asked for ----------------------------
 */

/* A release at @s: a digit, a dot, a digit, up to a blank, quote or path separator. */
static char *release_at(const char *s)
{
	size_t n = strcspn(s, " \t\"'\\/,;)");

	if (n < 3 || n > 64 || !isdigit((unsigned char)s[0]) || !memchr(s, '.', n))
		return NULL;
	{
		const char *dot = memchr(s, '.', n);

		if (!isdigit((unsigned char)dot[1]))
			return NULL;
	}
	return strndup(s, n);
}

char *vp_paste_kver(const char *line)
{
	const char *c;

	/* init/version.c linux_banner: "Linux version 6.8.12-4-pve (build@...) ..." */
	if ((c = strstr(line, "Linux version ")))
		return release_at(c + 14);
	/* BOOT_IMAGE=/boot/vmlinuz-REL, a GRUB entry's "linux /boot/vmlinuz-REL" */
	if ((c = strstr(line, "vmlinuz-")))
		return release_at(c + 8);
	if ((c = strstr(line, "initrd.img-")))
		return release_at(c + 11);
	/* proxmox-boot-tool's systemd-boot entries:
	 * initrd=\EFI\proxmox\REL\initrd.img-REL */
	if ((c = strstr(line, "\\EFI\\proxmox\\")))
		return release_at(c + 13);
	/* uname -a: "Linux HOST REL #1 SMP ..." */
	if (startswith(line, "Linux ") && strstr(line, " #")) {
		c = line + 6;
		c += strcspn(c, " ");
		c += strspn(c, " ");
		return release_at(c);
	}
	return NULL;
}

static int hex16(const char *s, size_t n, uint16_t *out)
{
	unsigned int v = 0;

	if (n != 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 16 +
		    (unsigned int)(isdigit((unsigned char)s[i])
					   ? s[i] - '0'
					   : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = (uint16_t)v;
	return 0;
}

int vp_paste_add_ids(struct vp_paste *p, const char *value, unsigned int line)
{
	const char *q = value;

	while (*q) {
		size_t n = strcspn(q, ", \t\"'");
		const char *colon = memchr(q, ':', n);
		uint16_t v, d;

		if (colon && hex16(q, (size_t)(colon - q), &v) == 0 &&
		    hex16(colon + 1, strcspn(colon + 1, ":, \t\"'"), &d) == 0 &&
		    !vp_paste_wants_vfio(p, v, d)) {
			struct vp_paste_id *ids =
				realloc(p->ids, (p->nids + 1) * sizeof(*ids));

			if (!ids)
				return -ENOMEM;
			p->ids = ids;
			ids[p->nids++] = (struct vp_paste_id){ v, d, line };
		}
		q += n;
		if (!*q || *q == ' ' || *q == '\t' || *q == '"' || *q == '\'')
			break;
		q++;
	}
	return 0;
}

unsigned int vp_paste_wants_vfio(const struct vp_paste *p, uint16_t vendor,
				 uint16_t device)
{
	for (size_t i = 0; i < p->nids; i++)
		if (p->ids[i].vendor == vendor && p->ids[i].device == device)
			return p->ids[i].line;
	return 0;
}

/*
 * What the paste asks vfio-pci to take: vfio-pci.ids= on a command line
 * (vfio_pci.ids is the same parameter, kernel/params.c parameq) and
 * "options vfio-pci ids=..." in modprobe.d (modprobe.d(5); libkmod compares
 * module names with '-' and '_' equal).
 */
static int collect_ids(struct vp_paste *p, char **lines, const enum vp_paste_kind *kinds,
		       size_t nlines)
{
	int r = 0;

	for (size_t i = 0; i < p->nparams && r == 0; i++) {
		char a[32];

		norm(p->params[i].name, strlen(p->params[i].name), a, sizeof(a));
		if (streq(a, "vfio_pci.ids") && p->params[i].value)
			r = vp_paste_add_ids(p, p->params[i].value, p->params[i].line);
	}
	for (size_t i = 0; i < nlines && r == 0; i++) {
		_cleanup_free_ char *c = NULL;
		const char *q, *ids;

		if (kinds[i] != VP_PK_MODPROBE)
			continue;
		c = vp_imp_clean(lines[i]);
		if (!c)
			return -ENOMEM;
		if (!startswith(c, "options") || (c[7] != ' ' && c[7] != '\t'))
			continue;
		q = c + 7 + strspn(c + 7, " \t");
		if (strncmp(q, "vfio-pci", 8) && strncmp(q, "vfio_pci", 8))
			continue;
		if (q[8] != ' ' && q[8] != '\t')
			continue;
		ids = strstr(q, " ids=");
		if (!ids)
			ids = strstr(q, "\tids=");
		if (ids)
			r = vp_paste_add_ids(p, ids + 5, (unsigned int)i + 1);
	}
	return r;
}

/* ---- the CPU vendor ------------------------------------------------------------------
 */

static void vendor_clue(struct vp_paste *p, const char *s, unsigned int line)
{
	enum vp_cpu_vendor v = VP_CPU_UNKNOWN;

	/* drivers/iommu/amd/iommu_v2.c printed "AMD IOMMUv2 functionality not
	 * available" on any host where the module loaded, Intel ones too. */
	if (strstr(s, "AMD-Vi:") && !strstr(s, "IOMMUv2"))
		v = VP_CPU_AMD;
	else if (strstr(s, "AuthenticAMD") || strstr(s, "AMD Ryzen") ||
		 strstr(s, "AMD EPYC"))
		v = VP_CPU_AMD;
	else if (strstr(s, "DMAR:") || strstr(s, "DMAR-IR:") ||
		 strstr(s, "GenuineIntel") || strstr(s, "Intel(R) Core") ||
		 strstr(s, "Intel(R) Xeon") ||
		 /* the iGPU of an Intel CPU; Arc cards sit behind a port */
		 strstr(s, "i915 0000:00:02.0:"))
		v = VP_CPU_INTEL;
	else if (strstr(s, "Host bridge")) {
		/* lspci without -nn, which import does not keep: pci.ids' vendor name
		 * of a host bridge on bus 0 (vendor_from_devices() below) */
		struct vp_imp_dev d = { 0 };
		const char *why, *t = s, *rest;
		int g;

		if (vp_imp_group_header(t, &g, &rest))
			t = rest;
		if (vp_imp_device_line(t, &d, &why) == 1 && !d.bdf.domain && !d.bdf.bus) {
			if (strstr(s, "Intel Corporation"))
				v = VP_CPU_INTEL;
			else if (strstr(s, "Advanced Micro Devices"))
				v = VP_CPU_AMD;
		}
	}
	if (v && !p->vendor) {
		p->vendor = v;
		p->vendor_line = line;
	}
}

/*
 * A host bridge on bus 0 names the platform's vendor: Intel's at 00:00.0,
 * AMD's root complex at 00:00.0 and its dummy host bridges at 00:01.0,
 * 00:02.0, ... (group listings often show only the latter).
 */
static void vendor_from_devices(struct vp_paste *p)
{
	for (size_t i = 0; i < p->im.ndevs && !p->vendor; i++) {
		const struct vp_imp_dev *d = &p->im.devs[i];

		if (d->bdf.domain || d->bdf.bus || !d->has_class ||
		    (d->class >> 8) != 0x0600)
			continue;
		if (d->has_ids && d->vendor == 0x8086)
			p->vendor = VP_CPU_INTEL;
		else if (d->has_ids && d->vendor == 0x1022)
			p->vendor = VP_CPU_AMD;
		if (p->vendor)
			p->vendor_line = d->line;
	}
}

/* ---- judging --------------------------------------------------------------------------
 */

#define SRC_PARAMS                                                             \
	"Documentation/admin-guide/kernel-parameters.txt; module_param()s of " \
	"drivers/vfio/pci/vfio_pci.c and drivers/vfio/vfio_iommu_type1.c"

static const char *line_text(char **lines, size_t n, unsigned int no)
{
	return no && no <= n ? lines[no - 1] : NULL;
}

/*
 * The values the IOMMU options take (Documentation/admin-guide/kernel-parameters.txt;
 * intel_iommu_setup() in drivers/iommu/intel/iommu.c, parse_amd_iommu_options() in
 * drivers/iommu/amd/init.c, iommu_setup() in arch/x86/kernel/pci-dma.c). Any
 * other value is ignored by the kernel.
 */
static const struct {
	const char *name, *values;
} param_values[] = {
	{ "intel_iommu", " on off igfx_off forcedac strict sp_off sm_on sm_off "
			 "tboot_noforce nobounce " },
	{ "amd_iommu", " fullflush off force_isolation force_enable pgtbl_v1 pgtbl_v2 "
		       "irtcachedis nohugepages v2_pgsizes_only " },
	{ "iommu", " off force noforce biomerge panic nopanic merge nomerge soft pt nopt "
		   "forcesac allowdac nodac usedac calgary noagp fullflush nofullflush "
		   "memaper noaperture allowed " },
};

static int judge_values(struct vp_paste *p, char **lines, size_t nlines)
{
	for (size_t i = 0; i < p->nparams; i++) {
		const struct vp_paste_param *v = &p->params[i];
		char name[64];

		if (!v->value)
			continue;
		norm(v->name, strlen(v->name), name, sizeof(name));
		for (size_t k = 0; k < sizeof(param_values) / sizeof(param_values[0]);
		     k++) {
			const char *q = v->value;

			if (!streq(name, param_values[k].name))
				continue;
			while (*q) {
				size_t n = strcspn(q, ",");
				char key[40];

				if (n && n < sizeof(key) - 2) {
					snprintf(key, sizeof(key), " %.*s ", (int)n, q);
					if (!strstr(param_values[k].values, key)) {
						/* amd_iommu=on is common and harmless */
						bool amd_on = k == 1 && n == 2 &&
							      !strncmp(q, "on", 2);
						struct vp_paste_finding *f = finding(
							p, "kernel-param-bad-value",
							amd_on ? VP_SIG_INFO
							       : VP_SIG_WARNING,
							v->line,
							line_text(lines, nlines, v->line),
							"Documentation/admin-guide/kernel-parameters.txt; "
							"drivers/iommu/intel/iommu.c, drivers/iommu/amd/init.c, "
							"arch/x86/kernel/pci-dma.c");

						if (!f ||
						    addf(&f->title,
							 "%s= does not take '%.*s'",
							 v->name, (int)n, q) < 0 ||
						    addf(&f->fix,
							 "The kernel ignores this value.%s It takes:%.*s.",
							 amd_on ? " The AMD IOMMU is on whenever the "
								  "firmware enables it, so nothing is lost."
								: "",
							 (int)strlen(
								 param_values[k].values) -
								 1,
							 param_values[k].values) < 0)
							return -ENOMEM;
					}
				}
				q += n;
				if (*q == ',')
					q++;
			}
		}
	}
	return 0;
}

static int judge_params(struct vp_paste *p, char **lines, size_t nlines)
{
	const struct vp_paste_param *amd = param(p, "amd_iommu");
	const struct vp_paste_param *intel = param(p, "intel_iommu");
	const struct vp_paste_param *acs = param(p, "pcie_acs_override");

	for (size_t i = 0; i < p->nparams; i++) {
		const struct vp_paste_param *v = &p->params[i];
		const char *near;
		struct vp_paste_finding *f;

		if (vp_paste_param_known(v->name) || !family(v->name))
			continue;
		near = vp_paste_param_nearest(v->name);
		f = finding(p, "kernel-param-unknown", VP_SIG_ERROR, v->line,
			    line_text(lines, nlines, v->line), SRC_PARAMS);
		if (!f || addf(&f->title, "Unknown kernel parameter '%s'%s%s%s", v->name,
			       near ? " (did you mean '" : "", near ? near : "",
			       near ? "'?)" : "") < 0)
			return -ENOMEM;
		if (addf(&f->fix,
			 "Neither the kernel nor the vfio modules accept '%s': the kernel passes "
			 "it to init and it does nothing.%s%s%s Fix the spelling, update the boot "
			 "configuration (update-grub or proxmox-boot-tool refresh) and reboot.",
			 v->name, near ? " The parameter meant is probably '" : "",
			 near ? near : "", near ? "'." : "") < 0)
			return -ENOMEM;
	}
	if (amd && p->vendor == VP_CPU_INTEL) {
		struct vp_paste_finding *f = finding(
			p, "iommu-option-wrong-vendor",
			intel ? VP_SIG_INFO : VP_SIG_ERROR, amd->line,
			line_text(lines, nlines, amd->line),
			"Documentation/admin-guide/kernel-parameters.txt (amd_iommu, "
			"intel_iommu); drivers/iommu/intel/iommu.c");
		if (!f ||
		    addf(&f->title, "amd_iommu= on an Intel host (evidence line %u)",
			 p->vendor_line) < 0 ||
		    addf(&f->fix, "%s",
			 intel ? "amd_iommu= is ignored on Intel; intel_iommu= is set too, so "
				 "only the stray option is to be removed."
			       : "amd_iommu= does nothing on Intel. Intel's IOMMU needs "
				 "intel_iommu=on (default on only in kernels built with "
				 "CONFIG_INTEL_IOMMU_DEFAULT_ON, e.g. Proxmox's from 6.8) and "
				 "VT-d in the firmware.") < 0)
			return -ENOMEM;
	} else if (intel && p->vendor == VP_CPU_AMD) {
		struct vp_paste_finding *f = finding(
			p, "iommu-option-wrong-vendor", VP_SIG_WARNING, intel->line,
			line_text(lines, nlines, intel->line),
			"Documentation/admin-guide/kernel-parameters.txt (intel_iommu)");
		if (!f ||
		    addf(&f->title, "intel_iommu= on an AMD host (evidence line %u)",
			 p->vendor_line) < 0 ||
		    addf(&f->fix,
			 "intel_iommu= is ignored on AMD. The AMD IOMMU is on when "
			 "the firmware enables it (AMD-Vi/IOMMU in the setup); "
			 "amd_iommu=on is not needed.") < 0)
			return -ENOMEM;
	} else if ((amd || intel) && !p->vendor) {
		const struct vp_paste_param *v = amd ? amd : intel;
		struct vp_paste_finding *f =
			finding(p, "cpu-vendor-unknown", VP_SIG_INFO, v->line,
				line_text(lines, nlines, v->line),
				"Documentation/admin-guide/kernel-parameters.txt");
		if (!f ||
		    addf(&f->title,
			 "%s= is for %s CPUs; the paste does not show the CPU "
			 "vendor",
			 v->name, amd ? "AMD" : "Intel") < 0 ||
		    addf(&f->fix, "Check that the option matches the CPU.") < 0 ||
		    !(f->settle = strdup("grep -m1 vendor_id /proc/cpuinfo")))
			return -ENOMEM;
	}
	if (acs) {
		bool unknown = false, active = false, booted = false, pve = false;

		for (size_t i = 0; i < nlines; i++) {
			if (strstr(lines[i], "Unknown kernel command line parameters") &&
			    strstr(lines[i], "pcie_acs_override"))
				unknown = true;
			if (strstr(lines[i], "PCIe ACS overrides enabled"))
				active = true;
			if (strstr(lines[i], "Kernel command line:"))
				booted = true;
			if (strstr(lines[i], "-pve ") || strstr(lines[i], "-pve\n") ||
			    strstr(lines[i], "-pve/"))
				pve = true;
		}
		if (unknown || (booted && !active && !pve)) {
			struct vp_paste_finding *f = finding(
				p, "acs-override-unpatched", VP_SIG_ERROR, acs->line,
				line_text(lines, nlines, acs->line),
				"drivers/pci/quirks.c in kernels carrying the ACS override patch "
				"(e.g. pve-kernel); init/main.c (unknown parameters)");
			if (!f ||
			    addf(&f->title,
				 "pcie_acs_override= on a kernel without the ACS "
				 "override patch") < 0 ||
			    addf(&f->fix, "%s",
				 unknown ? "The kernel says it does not know the parameter: "
					   "mainline kernels have no ACS override. Boot a kernel "
					   "that carries the patch (Proxmox's, linux-zen, "
					   "linux-vfio) or pass the whole group."
					 : "The kernel log of this boot has no 'PCIe ACS overrides "
					   "enabled' warning, which the patch prints when the "
					   "parameter takes effect. Boot a kernel that carries the "
					   "patch or pass the whole group.") < 0)
				return -ENOMEM;
		} else if (!active && !pve) {
			struct vp_paste_finding *f = finding(
				p, "acs-override-unverified", VP_SIG_INFO, acs->line,
				line_text(lines, nlines, acs->line),
				"drivers/pci/quirks.c in kernels carrying the ACS "
				"override patch");
			if (!f ||
			    addf(&f->title,
				 "pcie_acs_override= is set; the paste does not show whether "
				 "this kernel has the patch") < 0 ||
			    addf(&f->fix,
				 "A patched kernel logs 'PCIe ACS overrides enabled' "
				 "at boot.") < 0 ||
			    !(f->settle = strdup(
				      "journalctl -k -b | grep -i 'ACS overrides'")))
				return -ENOMEM;
		}
	}
	return 0;
}

/* modprobe.d lines that lost their keyword: "vfio-pci ids=...", "ids=...", bare ids. */
/*
 * "options MODULE param=value ..." for the vfio modules: a parameter the
 * module does not have (ids misspelled "id=") is dropped with "unknown
 * parameter ignored" in the kernel log. 0, or -ENOMEM.
 */
static int judge_options(struct vp_paste *p, const char *c, const char *line,
			 unsigned int no)
{
	static const struct {
		const char *module, *params;
	} mods[] = {
		/* module_param()s of drivers/vfio/pci/vfio_pci.c */
		{ "vfio_pci", " ids nointxmask disable_vga disable_idle_d3 enable_sriov "
			      "disable_denylist " },
		/* drivers/vfio/vfio_iommu_type1.c */
		{ "vfio_iommu_type1", " allow_unsafe_interrupts disable_hugepages "
				      "dma_entry_limit " },
		/* drivers/vfio/vfio_main.c (enable_unsafe_noiommu_mode) */
		{ "vfio", " enable_unsafe_noiommu_mode " },
	};
	char mod[64], name[64], key[70];
	const char *q = c + 7;
	size_t n;

	q += strspn(q, " \t");
	n = strcspn(q, " \t");
	if (!n || n >= sizeof(mod))
		return 0;
	norm(q, n, mod, sizeof(mod));
	for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		if (!streq(mod, mods[m].module))
			continue;
		for (q += n; *q;) {
			struct vp_paste_finding *f;

			q += strspn(q, " \t");
			n = strcspn(q, "= \t");
			if (!n)
				break;
			if (n < sizeof(name)) {
				norm(q, n, name, sizeof(name));
				snprintf(key, sizeof(key), " %s ", name);
				if (!strstr(mods[m].params, key)) {
					f = finding(
						p, "modprobe-unknown-option",
						VP_SIG_ERROR, no, line,
						"module_param()s of drivers/vfio/pci/vfio_pci.c, "
						"drivers/vfio/vfio_iommu_type1.c, "
						"drivers/vfio/vfio_main.c; kernel/module/main.c "
						"(unknown parameter ignored)");
					if (!f ||
					    addf(&f->title, "%s has no parameter '%s'",
						 mods[m].module, name) < 0 ||
					    addf(&f->fix,
						 "The module ignores it (the kernel logs \"unknown "
						 "parameter '%s' ignored\"). Its parameters are: %.*s. "
						 "Fix the line, update-initramfs -u -k all and reboot.",
						 name, (int)strlen(mods[m].params) - 2,
						 mods[m].params + 1) < 0)
						return -ENOMEM;
				}
			}
			q += strcspn(q, " \t");
		}
		break;
	}
	return 0;
}

static int judge_modprobe(struct vp_paste *p, char **lines,
			  const enum vp_paste_kind *kinds, size_t nlines)
{
	for (size_t i = 0; i < nlines; i++) {
		_cleanup_free_ char *c = vp_imp_clean(lines[i]);
		const char *why = NULL;
		struct vp_paste_finding *f;
		int r;

		if (!c)
			return -ENOMEM;
		if (kinds[i] == VP_PK_MODPROBE && startswith(c, "options") &&
		    (c[7] == ' ' || c[7] == '\t')) {
			r = judge_options(p, c, lines[i], (unsigned int)i + 1);
			if (r < 0)
				return r;
		}
		if ((startswith(c, "vfio-pci ") || startswith(c, "vfio_pci ")) &&
		    strstr(c, "ids="))
			why = "the line has no 'options' keyword: modprobe ignores it";
		else if (startswith(c, "options ") &&
			 (strstr(c, " vfio-pci.ids=") || strstr(c, " vfio_pci.ids=")))
			why = "modprobe.d takes 'options vfio-pci ids=...', not the kernel "
			      "command line's 'vfio-pci.ids=' form";
		else if (startswith(c, "ids=") && i && kinds[i - 1] == VP_PK_MODPROBE)
			why = "a line of ids alone: modprobe ignores it";
		if (!why)
			continue;
		f = finding(
			p, "modprobe-missing-options", VP_SIG_ERROR, (unsigned int)i + 1,
			lines[i],
			"modprobe.d(5); libkmod/libkmod-config.c (kmod_config_parse)");
		if (!f ||
		    addf(&f->title, "A modprobe.d line modprobe does not read") < 0 ||
		    addf(&f->fix,
			 "%s. Write it as 'options vfio-pci ids=VVVV:DDDD,...' on one line, then "
			 "update-initramfs -u -k all and reboot.",
			 why) < 0)
			return -ENOMEM;
	}
	return 0;
}

static bool vfio_driver(const char *d)
{
	return d &&
	       (streq(d, "vfio-pci") || streq(d, "pci-stub") || streq(d, "vfio_pci"));
}

/* "# lspci -nnk ...", "$ lspci -k": a prompt whose lspci shows drivers. */
static bool lspci_k_prompt(const char *line)
{
	const char *c = strstr(line, "lspci");

	while (c && (c = strchr(c, '-'))) {
		size_t n = strspn(c + 1, "nvkDsdAtmx");

		if (c[1] != '-' && memchr(c + 1, 'k', n))
			return true;
		c++;
	}
	return false;
}

#define SRC_BIND                                                                        \
	"drivers/pci/pci-driver.c (pci_add_dynid: new ids bind only devices no driver " \
	"holds); drivers/vfio/pci/vfio_pci.c (vfio_pci_fill_ids); modprobe.d(5) softdep"

/* A function the paste asks vfio-pci for (line @want) is on a host driver. */
static int not_bound(struct vp_paste *p, char **lines, const struct vp_imp_dev *d,
		     unsigned int line, const char *driver, unsigned int want)
{
	struct vp_paste_finding *f = finding(p, "vfio-ids-not-bound", VP_SIG_ERROR, line,
					     lines[line - 1], SRC_BIND);

	if (!f ||
	    addf(&f->title,
		 "%04x:%02x:%02x.%u [%04x:%04x] is on %s although line %u asks vfio-pci for "
		 "it",
		 d->bdf.domain, d->bdf.bus, d->bdf.dev, d->bdf.fn, d->vendor, d->device,
		 driver, want) < 0 ||
	    addf(&f->fix,
		 "vfio-pci's ids= take only a device that no driver holds when vfio-pci "
		 "loads, so %s got there first. Make it wait for vfio-pci (modprobe.d: "
		 "softdep %s pre: vfio-pci), make sure vfio-pci and its ids are in the "
		 "initramfs (vfio, vfio_iommu_type1 and vfio_pci listed in "
		 "initramfs-tools' /etc/initramfs-tools/modules; update-initramfs -u -k "
		 "all), and reboot. A driver built into the kernel does not wait for modprobe.d: there, "
		 "bind by driver_override.",
		 driver, driver) < 0)
		return -ENOMEM;
	return 0;
}

/* The GPU is asked for (line @gpu_want), this function of its card is not. */
static int function_left_out(struct vp_paste *p, char **lines, const struct vp_imp_dev *d,
			     unsigned int line, const char *driver, unsigned int gpu_want)
{
	struct vp_paste_finding *f = finding(
		p, "vfio-ids-function-left-out", VP_SIG_WARNING, line, lines[line - 1],
		"drivers/vfio/vfio_main.c (a group is viable only when every "
		"endpoint is on a vfio driver); " SRC_BIND);

	if (!f ||
	    addf(&f->title,
		 "%04x:%02x:%02x.%u [%04x:%04x], a function of the GPU's card, is on %s: the "
		 "ids on line %u name the GPU but not it",
		 d->bdf.domain, d->bdf.bus, d->bdf.dev, d->bdf.fn, d->vendor, d->device,
		 driver, gpu_want) < 0 ||
	    addf(&f->fix,
		 "Add %04x:%04x to the same ids= list (the card's functions share its "
		 "IOMMU group, which the VM gets only whole), %s and reboot.",
		 d->vendor, d->device,
		 strstr(lines[gpu_want - 1], "options")
			 ? "update-initramfs -u -k all"
			 : "update the boot configuration (update-grub or proxmox-boot-tool "
			   "refresh)") < 0)
		return -ENOMEM;
	return 0;
}

/*
 * GPUs and their card's functions on host drivers, from lspci -k. A function
 * belongs to the card when it shares the GPU's slot and vendor (the card's
 * HDMI audio, USB-C controller); an SoC's own functions on an APU's bus have
 * another vendor id or another slot.
 */
static int judge_drivers(struct vp_paste *p, char **lines,
			 const enum vp_paste_kind *kinds, size_t nlines,
			 unsigned int *unasked)
{
	struct cur {
		struct vp_imp_dev d;
		unsigned int line;
		bool driver_line, modules_line, on;
		char *driver;
	} c = { 0 };
	struct vp_imp_dev gpu = { 0 };
	bool have_gpu = false, any_k = false;
	int r;

	for (size_t k = 0; k < nlines && !any_k; k++)
		any_k = strstr(lines[k], "Kernel driver in use:") != NULL ||
			(kinds[k] == VP_PK_PROMPT && lspci_k_prompt(lines[k]));

	for (size_t i = 0; i <= nlines; i++) {
		_cleanup_free_ char *s = i < nlines ? vp_imp_clean(lines[i]) : NULL;
		struct vp_imp_dev d;
		const char *why;
		bool dev = false;

		if (i < nlines && !s)
			return -ENOMEM;
		if (s) {
			const char *t = s;
			int g;
			const char *rest;

			if (vp_imp_group_header(t, &g, &rest))
				t = rest;
			dev = (kinds[i] == VP_PK_LSPCI || kinds[i] == VP_PK_IOMMU) &&
			      vp_imp_device_line(t, &d, &why) == 1;
		}
		if (c.on && (dev || i == nlines || !s[0] ||
			     (kinds[i] != VP_PK_LSPCI && kinds[i] != VP_PK_IOMMU &&
			      kinds[i] != VP_PK_TEXT))) {
			bool is_gpu = c.d.has_class &&
				      (c.d.class >> 16) == PCI_BASE_CLASS_DISPLAY;
			bool same_slot = have_gpu && c.d.bdf.domain == gpu.bdf.domain &&
					 c.d.bdf.bus == gpu.bdf.bus &&
					 c.d.bdf.dev == gpu.bdf.dev;
			/* the same vendor id; without ids (lspci -k), only HDMI audio */
			bool card_fn =
				same_slot && !is_gpu &&
				(c.d.has_ids && gpu.has_ids
					 ? c.d.vendor == gpu.vendor
					 : c.d.has_class && (c.d.class >> 8) == 0x0403);
			char a[16];

			snprintf(a, sizeof(a), "%04x:%02x:%02x.%u", c.d.bdf.domain,
				 c.d.bdf.bus, c.d.bdf.dev, c.d.bdf.fn);
			unsigned int want =
				c.d.has_ids
					? vp_paste_wants_vfio(p, c.d.vendor, c.d.device)
					: 0;
			unsigned int gpu_want =
				card_fn && gpu.has_ids
					? vp_paste_wants_vfio(p, gpu.vendor, gpu.device)
					: 0;

			if ((is_gpu || card_fn) && c.driver && !vfio_driver(c.driver) &&
			    want) {
				r = not_bound(p, lines, &c.d, c.line, c.driver, want);
				if (r < 0)
					return r;
			} else if (card_fn && c.driver && !vfio_driver(c.driver) &&
				   c.d.has_ids && gpu_want) {
				r = function_left_out(p, lines, &c.d, c.line, c.driver,
						      gpu_want);
				if (r < 0)
					return r;
			} else if ((is_gpu || card_fn) && c.driver &&
				   !vfio_driver(c.driver)) {
				struct vp_paste_finding *f = finding(
					p,
					is_gpu ? "gpu-host-driver"
					       : "gpu-function-host-driver",
					VP_SIG_WARNING, c.line, lines[c.line - 1],
					"drivers/vfio/pci/vfio_pci.c (ids=, binding); Proxmox "
					"PVE/SysFSTools.pm pci_dev_bind_to_vfio");
				if (!f ||
				    addf(&f->title, "%s %s is on the host driver %s",
					 is_gpu ? "The GPU"
						: "A function of the GPU's card",
					 a, c.driver) < 0 ||
				    addf(&f->fix,
					 "A device passed to a VM must be on vfio-pci. Give vfio-pci "
					 "the card's ids (options vfio-pci ids=...) and make the host "
					 "driver load after it (softdep %s pre: vfio-pci), then "
					 "update-initramfs -u and reboot. On a single-GPU host this is "
					 "expected until the VM starts.",
					 c.driver) < 0)
					return -ENOMEM;
				if (!p->nids && !*unasked)
					*unasked = c.line;
				/* lspci -k without -nn: its id is not shown */
				if (p->nids && !c.d.has_ids &&
				    addf(&f->settle, "lspci -nnk -s %s", a) < 0)
					return -ENOMEM;
			} else if ((is_gpu || card_fn) && !c.driver_line &&
				   !c.modules_line && kinds[c.line - 1] == VP_PK_LSPCI &&
				   c.d.has_class && p->nfindings < 64) {
				/* no detail at all: lspci without -k, or filtered by grep
				 */
				if (any_k) {
					struct vp_paste_finding *f = finding(
						p, "driver-not-shown", VP_SIG_INFO,
						c.line, lines[c.line - 1], "lspci(8) -k");
					if (!f ||
					    addf(&f->title,
						 "The paste does not show which driver %s is on "
						 "(filtered lines?)",
						 a) < 0 ||
					    addf(&f->fix,
						 "Look at the full lspci -k output of "
						 "the function.") < 0 ||
					    addf(&f->settle, "lspci -nnk -s %s", a) < 0)
						return -ENOMEM;
				}
			}
			if (is_gpu) {
				gpu = c.d;
				have_gpu = true;
			}
			free(c.driver);
			c.driver = NULL;
			c.on = false;
		}
		if (dev) {
			c.d = d;
			c.line = (unsigned int)i + 1;
			c.on = true;
			c.driver_line = c.modules_line = false;
			continue;
		}
		if (c.on && s) {
			if (startswith(s, "Kernel driver in use:")) {
				const char *v = s + 21;

				v += strspn(v, " \t");
				c.driver_line = true;
				free(c.driver);
				c.driver = strdup(v);
				if (!c.driver)
					return -ENOMEM;
			} else if (startswith(s, "Kernel modules:")) {
				c.modules_line = true;
			}
		}
	}
	free(c.driver);
	return 0;
}

/* A failed reset that Proxmox only warned about, in a task that ended TASK OK. */
static int judge_task(struct vp_paste *p, char **lines, size_t nlines)
{
	unsigned int ok = 0, warn = 0;

	for (size_t i = 0; i < nlines; i++) {
		if (strstr(lines[i], "TASK OK"))
			ok = (unsigned int)i + 1;
		if (!warn &&
		    (strstr(lines[i], "but trying to continue as not all devices "
				      "need a reset") ||
		     (strstr(lines[i], "/reset'") &&
		      strstr(lines[i], "Inappropriate ioctl"))))
			warn = (unsigned int)i + 1;
	}
	if (ok && warn) {
		struct vp_paste_finding *f = finding(
			p, "reset-warning-cosmetic", VP_SIG_INFO, warn, lines[warn - 1],
			"qemu-server PVE/QemuServer/PCI.pm prepare_pci_device (a failed reset "
			"only warns since qemu-server 8.2.6, commit 458b487b)");
		if (!f ||
		    addf(&f->title,
			 "The reset warning is harmless: the task ended TASK OK "
			 "(line %u)",
			 ok) < 0 ||
		    addf(&f->fix,
			 "Proxmox goes on when a device has no reset, and the VM started. If the "
			 "GPU does not work in the guest, look at the guest driver, the vBIOS "
			 "(romfile) and whether the card survives a VM restart, not at this "
			 "warning.") < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * video=efifb:off (and vesafb:off) after the switch to sysfb's
 * simple-framebuffer: efifb never binds, so the option keeps nothing off the
 * GPU's BAR (kb fact sysfb_simplefb). The release comes from the paste.
 */
static int judge_framebuffer(struct vp_paste *p, char **lines, size_t nlines)
{
	const struct vp_kb_kernel *kf = vp_kb_kernel_fact("sysfb_simplefb");
	const struct vp_paste_param *ib = param(p, "initcall_blacklist");
	bool sysfb_off = ib && ib->value && strstr(ib->value, "sysfb_init");

	for (size_t i = 0; i < p->nparams; i++) {
		const struct vp_paste_param *v = &p->params[i];
		struct vp_paste_finding *f;
		int has;

		if (!streq(v->name, "video") || !v->value ||
		    (!strstr(v->value, "efifb:off") && !strstr(v->value, "vesafb:off")))
			continue;
		has = p->kver ? vp_kb_kernel_has(p->kver, "sysfb_simplefb") : -EINVAL;
		if (has == 0)
			continue; /* efifb still binds: the option works */
		f = finding(p, "efifb-off-obsolete",
			    has == 1 && !sysfb_off ? VP_SIG_WARNING : VP_SIG_INFO,
			    v->line, line_text(lines, nlines, v->line), kf->source);
		if (!f)
			return -ENOMEM;
		if (has == 1 &&
		    addf(&f->title,
			 "video=%s does nothing on kernel %s (line %u): the boot "
			 "framebuffer is no longer efifb",
			 v->value, p->kver, p->kver_line) < 0)
			return -ENOMEM;
		if (has != 1 &&
		    (addf(&f->title,
			  "video=%s does nothing from kernel %d.%d on; the paste does not "
			  "show which kernel this is",
			  v->value, kf->major, kf->minor) < 0 ||
		     !(f->settle = strdup("uname -r"))))
			return -ENOMEM;
		if (addf(&f->fix, "%s",
			 sysfb_off
				 ? "initcall_blacklist=sysfb_init is set as well and does "
				   "the job; video=efifb:off is a harmless leftover."
				 : "From 5.15 on (on kernels built with CONFIG_SYSFB_SIMPLEFB, "
				   "as Proxmox's and most distributions' are) sysfb registers "
				   "the boot framebuffer as a simple-framebuffer for simplefb "
				   "or simpledrm, and efifb never binds. Keep it off the "
				   "passed GPU with initcall_blacklist=sysfb_init instead, "
				   "update the boot configuration and reboot.") < 0)
			return -ENOMEM;
		break;
	}
	return 0;
}

/*
 * Lines that say VFIO has no IOMMU to work with (the kernel's and QEMU's
 * messages: drivers/vfio/vfio_iommu_type1.c, drivers/vfio/pci/vfio_pci_core.c,
 * hw/vfio/common.c; libvirt's qemuHostdevPreparePCIDevicesCheckSupport;
 * Proxmox's PVE/QemuServer/PCI.pm).
 */
static unsigned int no_iommu_line(char **lines, size_t nlines)
{
	static const char *const needles[] = {
		"No IOMMU detected",
		"host doesn't support passthrough of host PCI devices",
		"no iommu_group found",
		"probe with driver vfio-pci failed with error -22",
		"Failed to set iommu for container",
		NULL,
	};

	for (size_t i = 0; i < nlines; i++)
		if (any_of(lines[i], needles))
			return (unsigned int)i + 1;
	return 0;
}

/*
 * Questions the paste raises but cannot settle: each finding names the one
 * command whose output would. @unasked: the line of a GPU on a host driver
 * while nothing in the paste asks vfio-pci for any device.
 */
static int judge_unsettled(struct vp_paste *p, char **lines, size_t nlines,
			   unsigned int unasked)
{
	unsigned int noiommu = no_iommu_line(lines, nlines);
	struct vp_paste_finding *f;

	if (!p->nparams && (unasked || noiommu)) {
		unsigned int at = unasked ? unasked : noiommu;

		f = finding(p, "cmdline-not-shown", VP_SIG_INFO, at, lines[at - 1],
			    "Documentation/admin-guide/kernel-parameters.txt "
			    "(intel_iommu, vfio_pci.ids)");
		if (!f ||
		    addf(&f->title, "The paste has no kernel command line: %s",
			 unasked ? "whether vfio-pci.ids= asks for the GPU is open"
				 : "whether the IOMMU is asked for is open") < 0 ||
		    addf(&f->fix, "%s",
			 unasked ? "vfio-pci.ids= on the command line is one of the two "
				   "places that give a device to vfio-pci at boot."
				 : "An Intel IOMMU needs intel_iommu=on on kernels before "
				   "6.8 (Proxmox's from 6.8 turn it on by default); "
				   "intel_iommu=off or amd_iommu=off turn it off.") < 0 ||
		    !(f->settle = strdup("cat /proc/cmdline")))
			return -ENOMEM;
	}
	if (unasked && !vp_paste_has(p, VP_PK_MODPROBE)) {
		f = finding(p, "modprobe-not-shown", VP_SIG_INFO, unasked,
			    lines[unasked - 1], "modprobe.d(5)");
		if (!f ||
		    addf(&f->title,
			 "The paste shows no modprobe.d file: whether "
			 "'options vfio-pci ids=' asks for the GPU is open") < 0 ||
		    addf(&f->fix, "%s",
			 "'options vfio-pci ids=...' with a 'softdep DRIVER pre: vfio-pci' "
			 "is the other place that gives a device to vfio-pci at boot.") <
			    0 ||
		    !(f->settle = strdup("cat /etc/modprobe.d/*.conf")))
			return -ENOMEM;
	}
	return 0;
}

/* ---- the whole paste ------------------------------------------------------------------
 */

/* ---- pasted VM configs: vm lint's checks ------------------------------------------- */

/*
 * vm lint findings that a line shows by itself. The others follow from a
 * key being absent (no machine: i440fx; no bios: SeaBIOS; no balloon:
 * ballooning on), which a cut paste cannot tell from a key cut off.
 */
static bool lint_line_local(const char *id)
{
	static const char *const ids[] = { "romfile-comment", "dropped-line",
					   "device-twice",    "efi-ms-cert",
					   "api-invalid",     "hugepages-size",
					   "needless-hiding" };

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (streq(id, ids[i]))
			return true;
	return false;
}

/* The paste line (1-based) in @first..@last whose cleaned text is @want, or 0. */
static unsigned int paste_line_of(char **lines, unsigned int first, unsigned int last,
				  const char *want)
{
	for (unsigned int l = first; want && l <= last; l++) {
		_cleanup_free_ char *c = vp_imp_clean(lines[l - 1]);

		if (c && streq(c, want))
			return l;
	}
	return 0;
}

/*
 * Lint one VM config section as `vm lint FILE` does, without a host: what
 * qemu-server refuses or warns about at VM start that the config itself
 * shows. Proxmox writes smbios1 and vmgenid into every VM it creates
 * (qemu-server PVE/API2/Qemu.pm create_vm), so a section without them is
 * taken as cut: only line-local findings are kept, and one note names what
 * was not judged and the command that shows the whole config.
 */
static int lint_section(struct vp_paste *p, char **lines, unsigned int first,
			unsigned int last)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *conf = NULL;
	_cleanup_free_ char *text = NULL;
	struct vp_lint_env env = { 0 };
	struct vp_lint lint = { 0 };
	struct strv skipped = { 0 };
	bool whole_smbios = false, whole_genid = false;
	size_t len = 0;
	int r = 0;

	for (unsigned int l = first; l <= last; l++) {
		_cleanup_free_ char *c = vp_imp_clean(lines[l - 1]);
		char *n;

		if (!c)
			return -ENOMEM;
		whole_smbios = whole_smbios || startswith(c, "smbios1:");
		whole_genid = whole_genid || startswith(c, "vmgenid:");
		n = realloc(text, len + strlen(c) + 2);
		if (!n)
			return -ENOMEM;
		text = n;
		len += (size_t)sprintf(text + len, "%s\n", c);
	}
	if (!text || vp_pve_vmconf_parse(text, len, &conf) < 0)
		return 0; /* not a config Proxmox would read: the line rules judge it */
	if (vp_vm_lint(conf, &env, &lint) < 0)
		return 0;
	for (size_t i = 0; r == 0 && i < lint.n; i++) {
		const struct vp_lint_finding *lf = &lint.f[i];
		struct vp_paste_finding *f;
		unsigned int at;

		/*
		 * "romfile=x.rom # my note": in a config file QEMU then looks for
		 * that whole name, but in a post it is how people annotate a
		 * line; the paste cannot tell which.
		 */
		if (streq(lf->id, "romfile-comment"))
			continue;
		if (!(whole_smbios && whole_genid) && !lint_line_local(lf->id)) {
			if (!strv_contains(&skipped, lf->id))
				r = strv_add(&skipped, lf->id);
			continue;
		}
		at = paste_line_of(lines, first, last, lf->line);
		f = finding(
			p, lf->id,
			lf->sev == VP_LINT_ERROR ? VP_SIG_ERROR : VP_SIG_WARNING, at,
			at ? lines[at - 1] : NULL,
			"qemu-server PVE/QemuServer.pm and PVE/QemuServer/PCI.pm: what a VM "
			"start refuses or warns about (vfio-pilot vm lint)");
		if (!f || !(f->title = strdup(lf->msg)) ||
		    !(f->fix = strdup(lf->fix ? lf->fix
					      : "vfio-pilot vm lint VMID on the host")))
			r = -ENOMEM;
	}
	if (r == 0 && skipped.n) {
		_cleanup_free_ char *ids = NULL;
		struct vp_paste_finding *f;

		for (size_t i = 0; i < skipped.n; i++) {
			char *n = xasprintf("%s%s%s", ids ? ids : "", ids ? ", " : "",
					    skipped.v[i]);

			free(ids);
			ids = n;
			if (!ids)
				break;
		}
		f = finding(p, "vmconfig-cut", VP_SIG_INFO, first, lines[first - 1],
			    "qemu-server PVE/API2/Qemu.pm create_vm (smbios1 and vmgenid "
			    "are written for every new VM)");
		if (!f || !ids ||
		    addf(&f->title,
			 "The VM config (line %u) looks cut (no smbios1 and vmgenid lines, which "
			 "Proxmox writes into every VM): not judged: %s",
			 first, ids) < 0 ||
		    !(f->fix = strdup("paste the whole config: qm config VMID")) ||
		    !(f->settle = strdup("qm config VMID")))
			r = -ENOMEM;
	}
	strv_free(&skipped);
	vp_lint_free(&lint);
	return r;
}

/*
 * Every VM config section, except one that follows a "[snapshot]" or
 * "[PENDING]" header: that is a snapshot's or a pending state, not the
 * config the VM starts with.
 */
static int judge_vmconfig(struct vp_paste *p, char **lines, size_t nlines)
{
	for (size_t i = 0; i < p->nsections; i++) {
		const struct vp_paste_section *sec = &p->sections[i];
		bool header = false;
		int r;

		if (sec->kind != VP_PK_VMCONFIG)
			continue;
		for (unsigned int l = sec->first - 1; l >= 1 && l <= nlines; l--) {
			_cleanup_free_ char *c = vp_imp_clean(lines[l - 1]);

			if (!c)
				return -ENOMEM;
			if (!c[0])
				continue;
			header = c[0] == '[' && strchr(c, ']');
			break;
		}
		if (header)
			continue;
		r = lint_section(p, lines, sec->first, sec->last);
		if (r < 0)
			return r;
	}
	return 0;
}

int vp_paste_parse(struct vp_paste *p, const char *text)
{
	_cleanup_free_ char *copy = strdup(text);
	_cleanup_free_ char **lines = NULL;
	_cleanup_free_ enum vp_paste_kind *kinds = NULL;
	size_t nlines = 0, cap = 0;
	enum vp_paste_kind prev = VP_PK_TEXT;
	unsigned int unasked = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if (!copy)
		return -ENOMEM;
	for (char *s = copy; s;) {
		char *nl = strchr(s, '\n');

		if (nl)
			*nl = '\0';
		if (!nl && !*s)
			break;
		if (nlines == cap) {
			char **nv;

			cap = cap ? cap * 2 : 256;
			nv = realloc(lines, cap * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			lines = nv;
		}
		lines[nlines++] = s;
		s = nl ? nl + 1 : NULL;
	}
	p->lines = (unsigned int)nlines;
	kinds = calloc(nlines + 1, sizeof(*kinds));
	if (!kinds)
		return -ENOMEM;
	for (size_t i = 0; i < nlines; i++) {
		_cleanup_free_ char *c = vp_imp_clean(lines[i]);
		enum vp_paste_kind k;

		if (!c)
			return -ENOMEM;
		k = vp_paste_line_kind(c, prev);
		/* a prompt's command names the kind of what follows */
		if (k == VP_PK_PROMPT && (strstr(c, "cmdline") || strstr(c, "grub")))
			prev = VP_PK_CMDLINE;
		else if (k == VP_PK_PROMPT && strstr(c, "modprobe.d"))
			prev = VP_PK_MODPROBE;
		else if (k == VP_PK_PROMPT &&
			 ((strstr(c, "modules") && !strstr(c, "modprobe")) ||
			  strstr(c, "modules-load.d")))
			prev = VP_PK_MODULES;
		else if (k != VP_PK_TEXT)
			prev = k;
		if (k == VP_PK_TEXT && c[0] &&
		    (prev == VP_PK_MODULES || prev == VP_PK_MODPROBE) &&
		    !strchr(c, ' ') && islower((unsigned char)c[0]))
			k = prev; /* a module name in /etc/modules */
		if (k == VP_PK_TEXT && c[0] && prev == VP_PK_CMDLINE && !strchr(c, ':') &&
		    strchr(c, '='))
			k = VP_PK_CMDLINE;
		kinds[i] = k;
		if (k == VP_PK_PROMPT)
			continue; /* a command or a comment: no facts */
		vendor_clue(p, c, (unsigned int)i + 1);
		if (!p->kver && (p->kver = vp_paste_kver(c)))
			p->kver_line = (unsigned int)i + 1;
		r = cmdline_facts(p, c, k, (unsigned int)i + 1);
		if (r < 0)
			return r;
		if (k == VP_PK_TEXT || k == VP_PK_PROMPT)
			continue;
		if (p->nsections && p->sections[p->nsections - 1].kind == k) {
			p->sections[p->nsections - 1].last = (unsigned int)i + 1;
			continue;
		}
		{
			struct vp_paste_section *ns = p->sections;

			if (p->nsections == p->scap) {
				p->scap = p->scap ? p->scap * 2 : 16;
				ns = realloc(p->sections, p->scap * sizeof(*ns));
				if (!ns)
					return -ENOMEM;
				p->sections = ns;
			}
			ns[p->nsections++] =
				(struct vp_paste_section){ .kind = k,
							   .first = (unsigned int)i + 1,
							   .last = (unsigned int)i + 1 };
		}
	}
	r = vp_import_parse(&p->im, text);
	if (r < 0)
		return r;
	vendor_from_devices(p);
	r = collect_ids(p, lines, kinds, nlines);
	if (r == 0)
		r = judge_params(p, lines, nlines);
	if (r == 0)
		r = judge_values(p, lines, nlines);
	if (r == 0)
		r = judge_modprobe(p, lines, kinds, nlines);
	if (r == 0)
		r = judge_framebuffer(p, lines, nlines);
	if (r == 0)
		r = judge_drivers(p, lines, kinds, nlines, &unasked);
	if (r == 0)
		r = judge_unsettled(p, lines, nlines, unasked);
	if (r == 0)
		r = judge_task(p, lines, nlines);
	if (r == 0)
		r = judge_vmconfig(p, lines, nlines);
	(void)has_finding;
	return r;
}

bool vp_paste_has(const struct vp_paste *p, enum vp_paste_kind kind)
{
	for (size_t i = 0; i < p->nsections; i++)
		if (p->sections[i].kind == kind)
			return true;
	return false;
}

void vp_paste_free(struct vp_paste *p)
{
	for (size_t i = 0; i < p->nparams; i++) {
		free(p->params[i].name);
		free(p->params[i].value);
	}
	free(p->params);
	for (size_t i = 0; i < p->nfindings; i++) {
		free(p->findings[i].title);
		free(p->findings[i].evidence);
		free(p->findings[i].fix);
		free(p->findings[i].settle);
	}
	free(p->findings);
	free(p->sections);
	free(p->kver);
	free(p->ids);
	vp_import_free(&p->im);
	memset(p, 0, sizeof(*p));
}
