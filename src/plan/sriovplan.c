// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriov plan: the VF count of one PF made persistent (docs/sriov-usb-guest.md).
 * Refusals: not a PF, more VFs than sriov_totalvfs, a VF count change while
 * a VF is in a guest's config (the kernel removes every VF when the count
 * changes: drivers/pci/iov.c sriov_numvfs_store disables first), and a count
 * already set differently by a file vfio-pilot did not write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/sriovplan.h"

static const char conf_header[] =
	"# Written by vfio-pilot (sriov apply): SR-IOV VF counts set at boot by\n"
	"# sysfsutils (sysfs.conf(5)). 'vfio-pilot undo' restores the previous file.\n";

int vp_sriov_conf_set(const char *old, const char *addr, unsigned int vfs, char **out)
{
	_cleanup_free_ char *copy = old ? strdup(old) : NULL;
	struct strv keep = { 0 };
	char *buf = NULL, *next;
	size_t len = 0;
	bool done = false;
	FILE *m;
	int r = 0;

	if (old && !copy)
		return -ENOMEM;
	for (char *l = copy; l && *l; l = next) {
		char a[16];
		unsigned int n;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (vp_sriov_parse_sysfs_line(l, a, &n) == 1 && streq(a, addr)) {
			if (vfs && !done) {
				char *s =
					xasprintf("bus/pci/devices/%s/sriov_numvfs = %u",
						  addr, vfs);

				if (!s || (r = strv_push(&keep, s)) < 0)
					goto out;
			}
			done = true;
			continue;
		}
		if ((r = strv_add(&keep, l)) < 0)
			goto out;
	}
	if (!old) {
		char *h = strndup(conf_header, sizeof(conf_header) - 2);

		if (!h || (r = strv_push(&keep, h)) < 0)
			goto out;
	}
	if (!done && vfs) {
		char *s = xasprintf("bus/pci/devices/%s/sriov_numvfs = %u", addr, vfs);

		if (!s || (r = strv_push(&keep, s)) < 0)
			goto out;
	}
	m = open_memstream(&buf, &len);
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < keep.n; i++)
		fprintf(m, "%s\n", keep.v[i]);
	fclose(m);
	*out = buf;
out:
	strv_free(&keep);
	return r;
}

static void note_oot(struct vp_plan *p, const struct vp_sriov_pf *s)
{
	if (!s->kb || !s->kb->sriov_oot)
		return;
	vp_plan_note(p,
		     "%s (%s): SR-IOV needs the out-of-tree %s driver on the host; the "
		     "in-tree i915 cannot create VFs on it (%s). vfio-pilot installs "
		     "nothing: %s",
		     s->pf->addr, s->kb->family, s->kb->sriov_oot, s->kb->source,
		     s->oot_present == 1 ? "an out-of-tree module for it is installed"
		     : s->oot_present == 0
			     ? "no out-of-tree module for it is installed, "
			       "so the VF count cannot be written until it is"
			     : "the module index could not be read");
}

int vp_sriov_plan(struct vp_ctx *ctx, const struct vp_host *h, const struct vp_guests *g,
		  const char *addr, unsigned int vfs, struct vp_plan *p)
{
	struct vp_sriov_pf s = { 0 };
	struct vp_sriov_setting *set = NULL;
	_cleanup_free_ char *old = NULL, *new = NULL, *sub = NULL;
	const struct vp_dev *d = vp_host_find_addr(h, addr);
	size_t nset = 0;
	bool other = false;
	int r;

	if (!d)
		return vp_plan_refuse(p, "%s: no such PCI function on this host", addr);
	if (d->physfn)
		return vp_plan_refuse(p,
				      "%s is a virtual function of %s; give the physical "
				      "function",
				      d->addr, d->physfn);
	if (d->sriov != VP_PRESENT || !d->sriov_total)
		return vp_plan_refuse(
			p, "%s has no SR-IOV capability (sriov_totalvfs)%s", d->addr,
			d->sriov == VP_UNKNOWN ? ": unknown, run as root" : "");
	if (vfs > d->sriov_total)
		return vp_plan_refuse(
			p, "%s supports at most %u VFs (sriov_totalvfs), not %u", d->addr,
			d->sriov_total, vfs);
	r = vp_sriov_read(ctx, h, g, d, &s);
	if (r < 0)
		goto out;
	if (vfs != s.num && s.nused)
		for (size_t i = 0; i < s.nvfs; i++)
			for (size_t k = 0; k < s.vfs[i].used_by.n; k++)
				vp_plan_refuse(
					p,
					"%s is assigned to %s: changing the VF count "
					"from %u removes every VF of %s; remove it "
					"from the guest first",
					s.vfs[i].addr, s.vfs[i].used_by.v[k], s.num,
					d->addr);
	note_oot(p, &s);
	if (s.kb && !s.kb->sriov)
		vp_plan_note(p,
			     "%s: the knowledge base does not list %s VFs as usable for "
			     "VMs (%s)",
			     d->addr, s.kb->family, s.kb->source);
	if (!d->driver)
		vp_plan_note(
			p,
			"%s has no driver: sriov_numvfs can only be written while the "
			"PF's driver is bound (drivers/pci/iov.c)",
			d->addr);
	else if (streq(d->driver, "vfio-pci"))
		vp_plan_note(p,
			     "%s is bound to vfio-pci: it creates VFs only with "
			     "vfio-pci.enable_sriov=1 (drivers/vfio/pci/vfio_pci.c)",
			     d->addr);
	r = vp_sriov_settings(ctx, &set, &nset);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < nset; i++) {
		if (set[i].ours || !streq(set[i].addr, d->addr))
			continue;
		other = true;
		if (set[i].vfs == vfs)
			vp_plan_note(p,
				     "%s:%d already sets %u VFs for %s; nothing to add",
				     set[i].file, set[i].line, vfs, d->addr);
		else
			vp_plan_refuse(
				p,
				"%s:%d sets %u VFs for %s: change or remove that line "
				"(vfio-pilot does not edit files it did not write)",
				set[i].file, set[i].line, set[i].vfs, d->addr);
	}
	sub = vp_rel_path(VP_ETC, VP_SRIOV_CONF);
	if (!sub) {
		r = -ENOMEM;
		goto out;
	}
	r = vp_read_strf(ctx, VP_ETC, &old, "%s", VP_SRIOV_CONF);
	if (r == -ENOENT) {
		old = NULL;
	} else if (r < 0) {
		goto out;
	} else {
		/* vp_read_strf strips the trailing newline the file ends in */
		char *o = xasprintf("%s\n", old);

		free(old);
		if (!(old = o)) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = 0;
	if (p->refusals.n || (!old && (!vfs || other)))
		goto notes;
	/*
	 * Another file already sets this count: vfio-pilot's own line for the
	 * PF, if any, goes, so the count is set in one place only.
	 */
	r = vp_sriov_conf_set(old, d->addr, other ? 0 : vfs, &new);
	if (r == 0 && old && streq(old, new))
		goto notes;
	if (r == 0) {
		size_t len = strlen(new);

		r = vp_plan_edit(
			ctx, p, sub, TAKE_PTR(new), len, 0644,
			other ? "remove vfio-pilot's duplicate of a VF count set elsewhere"
			      : "SR-IOV VF count set at boot by sysfsutils");
	}
	if (r < 0 || other)
		goto out;
	if (!vp_dpkg_installed(ctx, "sysfsutils")) {
		_cleanup_free_ char *shown = vp_display_path(VP_ETC, VP_SRIOV_CONF);

		vp_plan_note(
			p,
			"sysfsutils is not installed: nothing reads %s at boot until "
			"it is (apt install sysfsutils)",
			shown ? shown : VP_SRIOV_CONF);
	}
notes:
	if (vfs != s.num && !p->refusals.n && !s.num)
		vp_plan_note(p,
			     "the count takes effect at the next boot; to create the VFs "
			     "now: echo %u > /sys/bus/pci/devices/%s/sriov_numvfs",
			     vfs, d->addr);
	else if (vfs != s.num && !p->refusals.n)
		vp_plan_note(
			p,
			"the count takes effect at the next boot; to change it now: "
			"echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs, then echo %u "
			"to it (the kernel refuses one non-zero count over another)",
			d->addr, vfs);
out:
	vp_sriov_settings_free(set, nset);
	vp_sriov_pf_free(&s);
	return r;
}
