// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The doctor framework: targets, the check tables in layer order, findings
 * and the overall verdict.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "checks/doctor.h"
#include "kb/kb.h"

static const char *const layer_names[] = {
	[VP_L_FIRMWARE] = "firmware", [VP_L_KERNEL] = "kernel",
	[VP_L_VFIO] = "vfio",	      [VP_L_DEVICE] = "device",
	[VP_L_VGPU] = "vgpu",	      [VP_L_PROXMOX] = "proxmox",
};

static const char *const layer_titles[] = {
	[VP_L_FIRMWARE] = "Firmware and CPU",
	[VP_L_KERNEL] = "Kernel and command line",
	[VP_L_VFIO] = "VFIO modules and binding",
	[VP_L_DEVICE] = "Target devices",
	[VP_L_VGPU] = "vGPU host",
	[VP_L_PROXMOX] = "Proxmox",
};

static const char *const verdict_names[] = { [VP_V_OK] = "ok",
					     [VP_V_WARN] = "warn",
					     [VP_V_FAIL] = "fail",
					     [VP_V_SKIP] = "skip" };

const char *vp_layer_name(enum vp_layer l)
{
	return layer_names[l];
}

const char *vp_layer_title(enum vp_layer l)
{
	return layer_titles[l];
}

const char *vp_verdict_name(enum vp_verdict v)
{
	return verdict_names[v];
}

int vp_doc_init(struct vp_doc *doc, struct vp_ctx *ctx, struct vp_host *h,
		const char *kernel_log)
{
	int r;

	r = vp_session_init(&doc->s, ctx, h);
	if (r < 0)
		return r;
	return vp_klog_load(ctx, kernel_log, &doc->klog);
}

void vp_doc_free(struct vp_doc *doc)
{
	for (size_t i = 0; i < doc->nf; i++) {
		free(doc->f[i].device);
		free(doc->f[i].summary);
		free(doc->f[i].evidence);
		free(doc->f[i].fix);
	}
	free(doc->f);
	vp_klog_free(&doc->klog);
	vp_doc_vgpu_free(doc);
	vp_session_free(&doc->s);
}

char *vp_dev_ev(const struct vp_dev *d, const char *attr, const char *fmt, ...)
{
	_cleanup_free_ char *sub = xasprintf("bus/pci/devices/%s/%s", d->addr, attr);
	va_list ap;
	char *e;

	if (!sub)
		return NULL;
	va_start(ap, fmt);
	e = vp_evidencev(VP_SYS, sub, fmt, ap);
	va_end(ap);
	return e;
}

char *vp_cmdline_fix(const struct vp_doc *doc, const char *action)
{
	switch (doc->s.sys.boot) {
	case VP_BOOT_SYSTEMD_PBT:
		return xasprintf(
			"%s the single line of /etc/kernel/cmdline (keep root=), run "
			"proxmox-boot-tool refresh, then reboot",
			action);
	case VP_BOOT_GRUB_PBT:
		return xasprintf(
			"%s GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run "
			"proxmox-boot-tool refresh, then reboot",
			action);
	default:
		return xasprintf(
			"%s GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run "
			"update-grub, then reboot",
			action);
	}
}

int vp_report(struct vp_doc *doc, const struct vp_check *c, const struct vp_dev *dev,
	      enum vp_verdict v, char *summary, char *evidence, char *fix)
{
	struct vp_finding *f;

	if (!summary || !evidence) {
		free(summary);
		free(evidence);
		free(fix);
		return -ENOMEM;
	}
	f = realloc(doc->f, (doc->nf + 1) * sizeof(*f));
	if (!f) {
		free(summary);
		free(evidence);
		free(fix);
		return -ENOMEM;
	}
	doc->f = f;
	f = &doc->f[doc->nf++];
	f->id = c->id;
	f->layer = c->layer;
	f->verdict = v;
	f->device = dev ? strdup(dev->addr) : NULL;
	f->summary = summary;
	f->evidence = evidence;
	f->fix = fix;
	return 0;
}

int vp_doc_run(struct vp_doc *doc)
{
	const struct vp_check *const tables[] = {
		vp_checks_firmware, vp_checks_kernel, vp_checks_vfio,
		vp_checks_device,   vp_checks_vgpu,   vp_checks_proxmox,
	};
	int r;

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		for (const struct vp_check *c = tables[t]; c->id; c++) {
			if (!c->per_target) {
				r = c->run(doc, c, NULL);
				if (r < 0)
					return r;
				continue;
			}
			for (size_t i = 0; i < doc->s.ntargets; i++) {
				r = c->run(doc, c, doc->s.targets[i]);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

int vp_doc_overall(const struct vp_doc *doc)
{
	int worst = 0;

	for (size_t i = 0; i < doc->nf; i++) {
		if (doc->f[i].verdict == VP_V_FAIL)
			return 2;
		if (doc->f[i].verdict == VP_V_WARN)
			worst = 1;
	}
	return worst;
}

const char *vp_overall_name(int overall)
{
	return overall == 0   ? "ready"
	       : overall == 1 ? "ready-with-warnings"
			      : "not-ready";
}
