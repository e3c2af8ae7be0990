// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hookscript: one snippet per VM that sets reset_method at pre-start and
 * gives the device back at post-stop, and the storage it lives on.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "host/gpudev.h"
#include "host/mapcheck.h"
#include "host/select.h"
#include "out/output.h"
#include "plan/pveplan.h"
#include "pve/keys.h"
#include "pve/propstr.h"
#include "pve/schemas.h"
#include "pve/storage.h"
#include "pve/vmconf.h"

/* ---- hookscript ------------------------------------------------------------- */

/* drivers/pci/pci.c pci_reset_fn_methods[] (cxl_bus since about 6.10). */
static const char *const reset_methods[] = {
	"device_specific", "acpi", "flr", "af_flr", "pm", "bus", "cxl_bus",
};
const char *const vp_reset_method_names =
	"device_specific acpi flr af_flr pm bus cxl_bus";

bool vp_reset_method_known(const char *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(reset_methods); i++)
		if (streq(m, reset_methods[i]))
			return true;
	return false;
}

static bool canonical_bdf(const char *s)
{
	struct vp_bdf b;
	char buf[16];

	if (!s || vp_bdf_parse(s, &b, NULL, false) < 0)
		return false;
	snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", b.domain, b.bus, b.dev, b.fn);
	return streq(buf, s);
}

static bool module_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 56)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_' && *s != '-')
			return false;
	return true;
}

int vp_hookscript_text(unsigned long vmid, const char *addr, const char *method,
		       const char *rebind_driver, bool strict, char **out)
{
	_cleanup_free_ char *sub = NULL, *sysdev = NULL, *probe = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (vmid < VP_VMID_MIN || vmid > VP_VMID_MAX || !canonical_bdf(addr) ||
	    (method && !vp_reset_method_known(method)) ||
	    (rebind_driver && !module_name_ok(rebind_driver)) ||
	    (!method && !rebind_driver))
		return -EINVAL;
	sub = xasprintf("bus/pci/devices/%s", addr);
	sysdev = sub ? vp_display_path(VP_SYS, sub) : NULL;
	probe = vp_display_path(VP_SYS, "bus/pci/drivers_probe");
	if (!sysdev || !probe)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"#!/bin/sh\n"
		"# vfio-pilot hookscript for VM %lu, device %s.\n"
		"# Written by 'vfio-pilot hookscript'; one script per VM (Proxmox runs one\n"
		"# hookscript per guest). Proxmox calls it as: SCRIPT VMID PHASE.\n"
		"# A restore or migration to another node needs this file there too.\n"
		"# pre-start: a non-zero exit aborts the VM start, so this script\n"
		"# %s.\n"
		"\n"
		"vmid=\"$1\"\n"
		"phase=\"$2\"\n"
		"dev=%s\n"
		"sysdev=%s\n"
		"method=%s\n"
		"driver=%s\n"
		"strict=%d\n"
		"\n"
		"log() {\n"
		"\techo \"vfio-pilot hook (VM $vmid, $phase, $dev): $*\" >&2\n"
		"}\n"
		"\n"
		"problem() {\n"
		"\tlog \"$*\"\n"
		"\tif [ \"$strict\" = 1 ] && [ \"$phase\" = pre-start ]; then\n"
		"\t\texit 1\n"
		"\tfi\n"
		"}\n"
		"\n"
		"set_reset_method() {\n"
		"\t[ -n \"$method\" ] || return 0\n"
		"\tif [ ! -r \"$sysdev/reset_method\" ]; then\n"
		"\t\tproblem \"no $sysdev/reset_method (device gone, or kernel before 5.15)\"\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tcurrent=$(cat \"$sysdev/reset_method\" 2>/dev/null)\n"
		"\tfound=0\n"
		"\tfor m in $current; do\n"
		"\t\tif [ \"$m\" = \"$method\" ]; then\n"
		"\t\t\tfound=1\n"
		"\t\tfi\n"
		"\tdone\n"
		"\tif [ \"$found\" != 1 ]; then\n"
		"\t\tproblem \"reset_method '$current' does not list $method; left as it is\"\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tif [ \"$current\" = \"$method\" ]; then\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tif echo \"$method\" > \"$sysdev/reset_method\"; then\n"
		"\t\tlog \"reset_method set to $method (was: $current)\"\n"
		"\telse\n"
		"\t\tproblem \"could not write $method to $sysdev/reset_method\"\n"
		"\tfi\n"
		"}\n"
		"\n"
		"rebind() {\n"
		"\t[ -n \"$driver\" ] || return 0\n"
		"\tif [ ! -e \"$sysdev\" ]; then\n"
		"\t\tproblem \"$sysdev is missing\"\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\techo \"$driver\" > \"$sysdev/driver_override\" || problem \"cannot set "
		"driver_override\"\n"
		"\tif [ -e \"$sysdev/driver\" ]; then\n"
		"\t\techo \"$dev\" > \"$sysdev/driver/unbind\" || problem \"cannot unbind\"\n"
		"\tfi\n"
		"\t# The driver may not be loaded: vfio-pci took the device at boot.\n"
		"\tmodprobe \"$driver\" || problem \"cannot load $driver\"\n"
		"\techo \"$dev\" > %s || problem \"drivers_probe failed\"\n"
		"\t# Clear the override, or vfio-pci could not take the device at the next "
		"start.\n"
		"\techo > \"$sysdev/driver_override\" || problem \"cannot clear "
		"driver_override\"\n"
		"\tlog \"given back to $driver\"\n"
		"}\n"
		"\n"
		"case \"$phase\" in\n"
		"pre-start)\n"
		"\tset_reset_method\n"
		"\t;;\n"
		"post-stop)\n"
		"\trebind\n"
		"\t;;\n"
		"post-start | pre-stop) ;;\n"
		"*)\n"
		"\tlog \"unknown phase, ignored\"\n"
		"\t;;\n"
		"esac\n"
		"exit 0\n",
		vmid, addr,
		strict ? "fails pre-start when a step fails (--strict)"
		       : "never fails; it only logs to stderr (the task log)",
		addr, sysdev, method ? method : "", rebind_driver ? rebind_driver : "",
		strict ? 1 : 0, probe);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

static bool path_ok(const char *p)
{
	if (!p || p[0] != '/' || !p[1])
		return false;
	for (const char *s = p; *s; s++) {
		if (isspace((unsigned char)*s) || *s == '"' || *s == '\'' || *s == '\\')
			return false;
		if (s[0] == '/' && s[1] == '.' &&
		    (s[2] == '/' || !s[2] || (s[2] == '.' && (s[3] == '/' || !s[3]))))
			return false;
	}
	return true;
}

int vp_storage_snippets_path(const char *cfg, const char *name, char **path,
			     char **reason)
{
	struct vp_pve_storage st = { 0 };
	int r;

	*reason = NULL;
	if (!cfg) {
		if (!streq(name, "local")) {
			*reason = xasprintf("no storage.cfg: only 'local' is known");
			return -ENOENT;
		}
		*path = vp_display_path(VP_VAR_LIB, "vz");
		return *path ? 0 : -ENOMEM;
	}
	r = vp_pve_storage_find(cfg, name, &st);
	if (r == -ENOENT) {
		*reason = xasprintf("storage '%s' is not in storage.cfg", name);
		return r;
	}
	if (r < 0)
		return r;
	if (!st.path) {
		*reason = xasprintf(
			"storage '%s' (%s) has no directory; snippets need a file "
			"storage (dir, nfs, cifs, cephfs)",
			name, st.type);
		r = -EINVAL;
	} else if (!path_ok(st.path)) {
		*reason =
			xasprintf("storage '%s' has a path vfio-pilot will not use: '%s'",
				  name, st.path);
		r = -EINVAL;
	} else if (!vp_pve_storage_has_content(&st, "snippets")) {
		*reason = xasprintf("storage '%s' does not hold snippets (content %s); "
				    "fix: pvesm set %s --content %s%ssnippets",
				    name, st.content ? st.content : "none", name,
				    st.content ? st.content : "", st.content ? "," : "");
		r = -EINVAL;
	} else {
		*path = TAKE_PTR(st.path);
	}
	vp_pve_storage_free(&st);
	return r;
}

static bool is_vfio(const char *m)
{
	return streq(m, "vfio_pci") || streq(m, "vfio-pci");
}

/*
 * The host driver for --rebind: the one bound now unless it is vfio-pci,
 * else the only module (but vfio-pci) matching the modalias.
 */
static const char *host_driver(const struct vp_dev *d, size_t *candidates)
{
	const char *found = NULL;

	*candidates = 0;
	if (d->driver && !is_vfio(d->driver) && module_name_ok(d->driver)) {
		*candidates = 1;
		return d->driver;
	}
	for (size_t i = 0; i < d->modules.n; i++)
		if (!is_vfio(d->modules.v[i]) && module_name_ok(d->modules.v[i])) {
			found = d->modules.v[i];
			(*candidates)++;
		}
	return *candidates == 1 ? found : NULL;
}

/* 1 when modprobe.d of the root blacklists @driver, 0 when not, -errno. */
static int rebind_blacklisted(struct vp_ctx *ctx, const char *driver)
{
	struct vp_kmods km = { 0 };
	const char *kver = NULL;
	int r;

	(void)vp_ctx_kver(ctx, &kver);
	r = vp_kmods_load(ctx, kver, &km);
	if (r == 0)
		r = vp_kmods_blacklisted(&km, driver) ? 1 : 0;
	vp_kmods_free(&km);
	return r;
}

int vp_hookscript_plan(struct vp_ctx *ctx, const struct vp_host *h,
		       const struct vp_hook_opts *o, struct vp_plan *p)
{
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_free_ char *conf = xasprintf("pve/qemu-server/%lu.conf", o->vmid),
			    *rel = NULL, *text = NULL, *cfg = NULL, *dir = NULL,
			    *reason = NULL, *script = NULL, *file = NULL, *snip = NULL,
			    *vol = NULL, *shown = NULL, *out = NULL, *old = NULL;
	const char *storage = o->storage ? o->storage : "local", *driver = NULL;
	struct vp_file_state st, sst;
	const struct vp_dev *d;
	struct vp_bdf b;
	size_t len, outlen, cfglen, oldlen, slen;
	int r;

	if (!conf)
		return -ENOMEM;
	rel = vp_rel_path(VP_ETC, conf);
	shown = vp_display_path(VP_ETC, conf);
	r = vp_file_read(ctx, VP_ROOT, rel, &text, &len, &st);
	if (r < 0)
		return r;
	if (!st.exists) {
		vp_log_err(ctx, "VM %lu has no config (%s): no such VM on this node",
			   o->vmid, shown);
		return -ENOENT;
	}
	if (vp_bdf_parse(o->device, &b, NULL, false) < 0) {
		vp_log_err(ctx, "'%s' is not a PCI function address (use 0000:01:00.0)",
			   o->device);
		return -EINVAL;
	}
	d = vp_host_find(h, &b);
	if (!d) {
		vp_log_err(ctx, "%s is not on this host", o->device);
		return -ENODEV;
	}
	if (o->reset_method) {
		if (!strv_contains(&d->reset_methods, o->reset_method)) {
			_cleanup_free_ char *list = strv_join(&d->reset_methods, " ");

			vp_plan_note(
				p,
				"warning: %s lists reset_method '%s' now, not %s: the "
				"script leaves reset_method alone until it does%s",
				d->addr, list ? list : "", o->reset_method,
				streq(o->reset_method, "device_specific")
					? " (is vendor-reset loaded?)"
					: "");
		}
	}
	if (o->rebind) {
		size_t nc = 0;

		driver = o->rebind_driver ? o->rebind_driver : host_driver(d, &nc);
		if (!module_name_ok(driver) && o->rebind_driver) {
			vp_log_err(ctx, "'%s' is not a driver name", o->rebind_driver);
			return -EINVAL;
		}
		if (!driver && nc > 1) {
			_cleanup_free_ char *list = strv_join(&d->modules, " ");

			vp_plan_refuse(
				p,
				"--rebind: several host drivers match %s (%s): name "
				"one with --rebind=DRIVER",
				d->addr, list ? list : "");
		} else if (!driver) {
			vp_plan_refuse(p,
				       "--rebind: no host driver is known for %s (no "
				       "module matches its modalias): name one with "
				       "--rebind=DRIVER",
				       d->addr);
		} else if ((r = rebind_blacklisted(ctx, driver)) != 0) {
			if (r < 0)
				return r;
			/*
			 * A blacklist keeps the driver off the host (host plan writes
			 * one when no kept device needs it); loading it after every
			 * VM stop would undo that, and the next start would have to
			 * take the card from it again.
			 */
			vp_plan_refuse(
				p,
				"--rebind: %s is blacklisted in modprobe.d (the host is set "
				"up to keep it off %s); post-stop would load it anyway. "
				"Leave the card with vfio-pci (no --rebind), or release it "
				"first with 'host release -d %s'",
				driver, d->addr, d->addr);
			driver = NULL;
		} else
			vp_plan_note(p, "post-stop loads %s and gives %s back to it",
				     driver, d->addr);
	}
	if (!vp_pve_storage_id_ok(storage)) {
		vp_log_err(ctx, "'%s' is not a storage id", storage);
		return -EINVAL;
	}
	r = vp_file_read(ctx, VP_ETC, "pve/storage.cfg", &cfg, &cfglen, &sst);
	if (r < 0)
		return r;
	r = vp_storage_snippets_path(sst.exists ? cfg : NULL, storage, &dir, &reason);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		vp_plan_refuse(p, "%s", reason);
		return 0;
	}
	file = xasprintf("vfio-pilot-%lu.sh", o->vmid);
	snip = xasprintf("%s/snippets/%s", dir + 1, file);
	vol = xasprintf("%s:snippets/%s", storage, file);
	if (!file || !snip || !vol)
		return -ENOMEM;
	r = vp_hookscript_text(o->vmid, d->addr, o->reset_method, driver, o->strict,
			       &script);
	if (r == -EINVAL && o->rebind && !driver)
		return 0;
	if (r < 0)
		return r;
	r = vp_file_read(ctx, VP_ROOT, snip, &old, &oldlen, &sst);
	if (r < 0)
		return r;
	if (sst.exists && (sst.mode & 0111) != 0111) {
		_cleanup_free_ char *hp = vp_display_path(VP_ROOT, snip);

		if (vp_pve_live(ctx)) {
			const char *argv[] = { "chmod", "0755", hp, NULL };

			r = vp_plan_command(
				p, "Proxmox runs only an executable hookscript", argv);
			if (r < 0)
				return r;
		} else {
			vp_plan_note(
				p,
				"%s exists with mode %04o: make it 0755 (an apply keeps "
				"an existing file's mode)",
				hp, (unsigned)sst.mode);
		}
	}
	slen = strlen(script);
	r = vp_plan_edit(ctx, p, snip, TAKE_PTR(script), slen, 0755,
			 "the hookscript of this VM (one per VM)");
	if (r < 0)
		return r;

	r = vp_pve_vmconf_parse(text, len, &c);
	if (r < 0)
		return r;
	{
		const struct vp_pve_line *l = vp_pve_conf_find(c, 0, "hookscript");

		if (l && l->value && !streq(l->value, vol)) {
			const char *base = strrchr(l->value, '/');

			if (!base || !startswith(base + 1, "vfio-pilot-")) {
				vp_plan_refuse(
					p,
					"VM %lu already has hookscript %s, and Proxmox "
					"runs one per VM: merge it by hand, or remove it "
					"first (qm set %lu --delete hookscript)",
					o->vmid, l->value, o->vmid);
				return 0;
			}
			vp_plan_note(p,
				     "replaces the VM's earlier vfio-pilot hookscript %s",
				     l->value);
		}
		if (l && streq(l->value, vol))
			goto notes;
	}
	if (vp_pve_live(ctx)) {
		_cleanup_free_ char *id = xasprintf("%lu", o->vmid);
		const char *argv[] = { "qm", "set", id, "--hookscript", vol, NULL };

		if (!id)
			return -ENOMEM;
		r = vp_plan_command(
			p, "run the hookscript at every start and stop of the VM", argv);
	} else {
		r = vp_pve_vmconf_set(c, false, "hookscript", vol, &reason);
		if (r < 0) {
			if (reason)
				vp_log_err(ctx, "hookscript: %s", reason);
			return r;
		}
		r = vp_pve_conf_serialize(c, &out, &outlen);
		if (r == 0)
			r = vp_plan_edit(
				ctx, p, rel, TAKE_PTR(out), outlen, 0640,
				"run the hookscript at every start and stop of the VM");
	}
	if (r < 0)
		return r;
notes:
	vp_plan_note(p,
		     "a backup restored or a VM migrated to another node needs %s "
		     "there too: without it the VM does not start",
		     vol);
	return 0;
}
