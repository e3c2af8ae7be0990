// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CPU, firmware, kernel and distribution facts for the firmware and kernel
 * layers of doctor.
 */
#include <errno.h>
#include <fcntl.h>

#include "host/facts.h"

/* EFI global variable GUID (UEFI spec 2.10, 3.3 "Globally Defined Variables"). */
#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"

static char *field_value(char *line)
{
	char *colon = strchr(line, ':');

	if (!colon)
		return NULL;
	colon++;
	while (*colon == ' ' || *colon == '\t')
		colon++;
	return colon;
}

/* The first processor's vendor, model and flags stand for all of them. */
static void load_cpu(struct vp_ctx *ctx, struct vp_system *s)
{
	_cleanup_free_ char *info = NULL;
	char *save = NULL;
	bool flags_seen = false;
	int r;

	s->virt = VP_UNKNOWN;
	r = vp_read_strf(ctx, VP_PROC, &info, "cpuinfo");
	if (r < 0) {
		s->cpuinfo_unreadable =
			xasprintf("cannot read /proc/cpuinfo: %s", strerror(-r));
		return;
	}
	for (char *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v = field_value(l);

		if (!v)
			continue;
		if (startswith(l, "vendor_id") && s->cpu == VP_CPU_UNKNOWN) {
			if (streq(v, "GenuineIntel"))
				s->cpu = VP_CPU_INTEL;
			else if (streq(v, "AuthenticAMD") || streq(v, "HygonGenuine"))
				s->cpu = VP_CPU_AMD;
		} else if (startswith(l, "model name") && !s->cpu_model) {
			s->cpu_model = strdup(v);
		} else if (startswith(l, "flags") && !flags_seen) {
			char *fs = NULL;

			flags_seen = true;
			s->virt = VP_ABSENT;
			for (char *f = strtok_r(v, " ", &fs); f;
			     f = strtok_r(NULL, " ", &fs))
				if (streq(f, "vmx") || streq(f, "svm"))
					s->virt = VP_PRESENT;
		}
	}
	if (!flags_seen)
		s->cpuinfo_unreadable = strdup("cpuinfo has no flags line");
}

static void load_firmware(struct vp_ctx *ctx, struct vp_system *s)
{
	unsigned char sb[5];
	size_t len = 0;

	s->acpi_tables_listed = vp_existsf(ctx, VP_SYS, "firmware/acpi/tables");
	s->acpi_dmar = vp_existsf(ctx, VP_SYS, "firmware/acpi/tables/DMAR");
	s->acpi_ivrs = vp_existsf(ctx, VP_SYS, "firmware/acpi/tables/IVRS");
	s->uefi = vp_existsf(ctx, VP_SYS, "firmware/efi");
	s->secure_boot = VP_UNKNOWN;
	if (!s->uefi) {
		s->secure_boot = VP_ABSENT;
		return;
	}
	/* efivarfs: 4 bytes of attributes, then the variable's one byte. */
	if (vp_read_bytesf(ctx, VP_SYS, sb, sizeof(sb), &len,
			   "firmware/efi/efivars/SecureBoot-" EFI_GLOBAL_GUID) == 0 &&
	    len == 5)
		s->secure_boot = sb[4] == 1 ? VP_PRESENT : VP_ABSENT;
}

/*
 * pve-manager's version from dpkg's database, as pveversion reports it, and
 * qemu-server's: the VM config keys a plan may write depend on it
 * (hostpciN driver=, 9.0.25; efidisk0 ms-cert=, 9.0.27).
 */
static void load_pve(struct vp_ctx *ctx, struct vp_system *s)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL, *version = NULL;
	char **want = NULL;
	size_t cap = 0;
	bool installed = false;
	int fd;

	fd = vp_openf(ctx, VP_VAR_LIB, O_RDONLY, "dpkg/status");
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
	} else {
		while (getline(&line, &cap, f) > 0) {
			strstrip_end(line);
			if (!line[0]) {
				/* a stanza ends: keep its version if it is installed */
				if (want && installed && version && !*want)
					*want = TAKE_PTR(version);
				free(version);
				version = NULL;
				want = NULL;
				installed = false;
				continue;
			}
			if (startswith(line, "Package: "))
				want = streq(line + 9, "pve-manager")	? &s->pve_version
				       : streq(line + 9, "qemu-server") ? &s->qemu_server
									: NULL;
			else if (want && startswith(line, "Status: "))
				installed = strstr(line, " installed") != NULL;
			else if (want && startswith(line, "Version: ")) {
				free(version);
				version = strdup(line + 9);
			}
		}
		if (want && installed && version && !*want)
			*want = TAKE_PTR(version);
	}
	/* The cluster filesystem's mount point is the other sign of a Proxmox node. */
	s->is_pve = s->pve_version || vp_existsf(ctx, VP_ETC, "pve/local");
}

static void load_os(struct vp_ctx *ctx, struct vp_system *s)
{
	_cleanup_free_ char *rel = NULL;
	char *save = NULL;

	if (vp_read_strf(ctx, VP_ETC, &rel, "os-release") < 0 &&
	    vp_read_strf(ctx, VP_ROOT, &rel, "usr/lib/os-release") < 0)
		return;
	for (char *l = strtok_r(rel, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (startswith(l, "PRETTY_NAME=")) {
			char *v = l + strlen("PRETTY_NAME=");
			size_t n = strlen(v);

			if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
				v[n - 1] = '\0';
				v++;
			}
			s->os_pretty = strdup(v);
		}
	}
}

int vp_system_load(struct vp_ctx *ctx, struct vp_system *s)
{
	_cleanup_free_ char *raw = NULL;
	const char *kver;
	int r;

	r = vp_read_strf(ctx, VP_PROC, &raw, "cmdline");
	if (r < 0)
		s->cmdline.unreadable =
			xasprintf("cannot read /proc/cmdline: %s", strerror(-r));
	else if ((r = vp_cmdline_parse(raw, &s->cmdline)) < 0)
		return r;
	if (vp_ctx_kver(ctx, &kver) == 0)
		s->kver = strdup(kver);
	load_cpu(ctx, s);
	load_firmware(ctx, s);
	if (!vp_existsf(ctx, VP_ETC, "kernel/proxmox-boot-uuids"))
		s->boot = VP_BOOT_GRUB;
	else
		s->boot = s->uefi ? VP_BOOT_SYSTEMD_PBT : VP_BOOT_GRUB_PBT;
	load_pve(ctx, s);
	load_os(ctx, s);
	return 0;
}

void vp_system_free(struct vp_system *s)
{
	vp_cmdline_free(&s->cmdline);
	free(s->kver);
	free(s->cpu_model);
	free(s->cpuinfo_unreadable);
	free(s->pve_version);
	free(s->qemu_server);
	free(s->os_pretty);
}
