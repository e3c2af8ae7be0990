// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm plan|apply|lint and cpu-args (docs/vm.md). plan is a dry run; apply
 * needs root and writes through vp_plan_apply (backup, undo), or runs
 * "qm set" on a live host; lint reads a config and says what Proxmox will
 * make of it at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "checks/vmlint.h"
#include "cmd/cmd.h"
#include "out/output.h"
#include "plan/atomic.h"
#include "plan/vmplan.h"
#include "pve/vmconf.h"
#include "validate.h"

enum {
	OPT_MAPPING = 0x300,
	OPT_PRIMARY,
	OPT_TUNE,
	OPT_DRIVER,
	OPT_QM,
	OPT_VENDOR,
	OPT_CONFIG_LINE,
	OPT_USB,
	OPT_TAKE,
	OPT_OVMF,
	OPT_VGPU,
};

struct vm_args {
	struct vp_vm_opts o;
};

/* getopt_long's table: alike in every command by design, it is getopt's format. */
static const struct option vm_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "mapping", required_argument, NULL, OPT_MAPPING },
	{ "primary-gpu", no_argument, NULL, OPT_PRIMARY },
	{ "tune", no_argument, NULL, OPT_TUNE },
	{ "driver-version", required_argument, NULL, OPT_DRIVER },
	{ "qm", no_argument, NULL, OPT_QM },
	{ "usb", required_argument, NULL, OPT_USB },
	{ "take-host-device", no_argument, NULL, OPT_TAKE },
	{ "ovmf", no_argument, NULL, OPT_OVMF },
	{ "vgpu", required_argument, NULL, OPT_VGPU },
	{ NULL, 0, NULL, 0 },
};

static int parse_driver(const char *arg, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	/* "470.82" -> 470 */
	if (end == arg || (*end && *end != '.') || v < 1 || v > 9999) {
		vp_err("--driver-version wants the driver branch, like 470 or 550.54");
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int push_devs(struct vp_vm_opts *o, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct vp_bdf b;
		bool slot = false;
		void *nd, *ns;

		if (vp_bdf_parse(t, &b, &slot, true) < 0) {
			vp_err("'%s' is not a PCI address (use 0000:01:00.0, 01:00.0 or 01:00)",
			       t);
			return -EINVAL;
		}
		nd = realloc(o->devs, (o->ndevs + 1) * sizeof(*o->devs));
		if (nd)
			o->devs = nd;
		ns = realloc(o->slots, (o->ndevs + 1) * sizeof(*o->slots));
		if (ns)
			o->slots = ns;
		if (!nd || !ns)
			return -ENOMEM;
		o->devs[o->ndevs] = b;
		o->slots[o->ndevs++] = slot;
	}
	return 0;
}

static int vm_opt(void *data, int c, const char *arg)
{
	struct vp_vm_opts *o = data;

	switch (c) {
	case 'd':
		return push_devs(o, arg);
	case OPT_MAPPING: {
		_cleanup_free_ char *why = NULL;

		if (vp_valid_name(arg, &why) < 0) {
			vp_err("--mapping: %s", why);
			return -EINVAL;
		}
		o->mapping = arg;
		return 0;
	}
	case OPT_PRIMARY:
		o->primary_gpu = true;
		return 0;
	case OPT_TUNE:
		o->tune = true;
		return 0;
	case OPT_DRIVER:
		return parse_driver(arg, &o->driver_version);
	case OPT_QM:
		o->qm = true;
		return 0;
	case OPT_USB:
		return strv_add(&o->usb, arg);
	case OPT_TAKE:
		o->take_host_device = true;
		return 0;
	case OPT_OVMF:
		o->ovmf = true;
		return 0;
	case OPT_VGPU:
		if (!*arg) {
			vp_err("--vgpu wants a vGPU type: nvidia-1148, 1148, \"NVIDIA "
			       "L40S-2Q\" or L40S-2Q");
			return -EINVAL;
		}
		o->vgpu = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

static struct json_object *jstrv(const struct strv *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

/* pve-vmid through the shared validator, so vm and lxc say the same. */
static int parse_vmid(const char *s, unsigned long *out, char **why)
{
	unsigned int id;
	int r = vp_valid_vmid(s, &id, why);

	if (r == 0)
		*out = id;
	return r;
}

static int vm_plan_apply(struct vp_global *g, struct vp_vm_opts *o,
			 const struct vp_verb *v, const char *vmid_arg)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_free_ char *id = NULL, *why = NULL;
	const char *name = v->apply ? "vm apply" : "vm plan";
	struct vp_session ses = { 0 };
	struct vp_plan p = { 0 };
	int r;

	if (parse_vmid(vmid_arg, &o->vmid, &why) < 0) {
		vp_err("%s", why);
		return VP_EXIT_USAGE;
	}
	if (!o->ndevs && !o->mapping && !o->usb.n && !o->vgpu) {
		vp_err("give --device ADDR[,ADDR...], --mapping NAME, --usb DEV or --vgpu "
		       "TYPE");
		return VP_EXIT_USAGE;
	}
	r = vp_verb_need_root(v, NULL);
	if (r)
		return r;
	r = vp_load(g, &ctx, &h);
	if (r)
		return r;
	if (streq(ctx->root, "/"))
		o->qm = true;
	r = vp_session_init(&ses, ctx, h);
	if (r == 0)
		r = vp_vm_plan(&ses, o, &p);
	if (r < 0) {
		_cleanup_free_ char *sub = xasprintf("pve/qemu-server/%lu.conf", o->vmid);
		_cleanup_free_ char *path = sub ? vp_display_path(VP_ETC, sub) : NULL;

		vp_err("%s %lu: %s (reading %s and the host)", name, o->vmid,
		       strerror(-r), path ? path : "the VM config");
		r = vp_exit_code(r);
		goto out;
	}
	{
		struct json_object *extra = json_object_new_object();

		json_object_object_add(extra, "vmid",
				       json_object_new_int64((int64_t)o->vmid));
		r = vp_verb_finish(v, ctx, &p, 0, extra, NULL);
	}
out:
	vp_plan_free(&p);
	vp_session_free(&ses);
	return r;
}

static int read_file(const char *path, char **out, size_t *len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0, k;

	if (!f)
		return -errno;
	do {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = n + 65536);

			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		/* A VM config is small; a huge "config" is refused, not read whole. */
		if (n > VP_MAX_READ_FILE)
			return -EFBIG;
	} while (k > 0);
	if (ferror(f))
		return -EIO;
	buf[n] = '\0';
	*out = TAKE_PTR(buf);
	*len = n;
	return 0;
}

static int print_lint(struct vp_ctx *ctx, const struct vp_lint *l, const char *what)
{
	int v = vp_lint_verdict(l);

	if (ctx && ctx->out == VP_OUT_JSON) {
		struct json_object *o = vp_json_doc(ctx, "vm lint"),
				   *a = json_object_new_array();
		int r;

		for (size_t i = 0; i < l->n; i++) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "id",
					       json_object_new_string(l->f[i].id));
			json_object_object_add(
				j, "severity",
				json_object_new_string(vp_lint_sev_name(l->f[i].sev)));
			json_object_object_add(
				j, "line",
				l->f[i].line ? json_object_new_string(l->f[i].line)
					     : NULL);
			json_object_object_add(j, "message",
					       json_object_new_string(l->f[i].msg));
			json_object_object_add(j, "fix",
					       json_object_new_string(l->f[i].fix));
			json_object_array_add(a, j);
		}
		json_object_object_add(o, "config", json_object_new_string(what));
		json_object_object_add(o, "verdict",
				       json_object_new_string(v == 2   ? "error"
							      : v == 1 ? "warning"
								       : "clean"));
		json_object_object_add(o, "findings", a);
		r = vp_json_print(ctx, o);
		json_object_put(o);
		return r;
	}
	for (size_t i = 0; i < l->n; i++) {
		printf("%s %s: %s\n", vp_lint_sev_name(l->f[i].sev), l->f[i].id,
		       l->f[i].msg);
		if (l->f[i].line)
			printf("    line: %s\n", l->f[i].line);
		printf("    fix:  %s\n", l->f[i].fix);
	}
	printf("%s: %s\n", what, v == 2 ? "errors" : v == 1 ? "warnings" : "clean");
	return 0;
}

static int vm_lint(struct vp_global *g, const char *arg)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_(vp_pve_conf_freep) struct vp_pve_conf *c = NULL;
	_cleanup_(vp_pve_mapping_freep) struct vp_pve_mapping *map = NULL;
	_cleanup_free_ char *text = NULL, *maptext = NULL;
	struct vp_lint_env env = { 0 };
	struct vp_session ses = { 0 };
	struct vp_lint l = { 0 };
	size_t len = 0;
	_cleanup_free_ char *why = NULL;
	bool byid = parse_vmid(arg, &env.vmid, &why) == 0;
	int r;

	/* A FILE is judged alone unless --root names the host it belongs to. */
	if (byid || g->root) {
		r = vp_load(g, &ctx, &h);
		if (r)
			return r;
		r = vp_session_init(&ses, ctx, h);
		if (r < 0) {
			r = vp_exit_code(r);
			goto out;
		}
		env.ses = &ses;
		env.pcimap_known = true;
		if (vp_read_strf(ctx, VP_ETC, &maptext, "pve/mapping/pci.cfg") == 0)
			vp_pve_mapping_parse(VP_PVE_MAP_PCI, maptext, strlen(maptext),
					     &map);
		env.pcimap = map;
	} else {
		r = vp_open_ctx(g, &ctx);
		if (r < 0)
			return vp_exit_code(r);
	}
	r = byid ? vp_vm_read_conf(ctx, env.vmid, &text, &len)
		 : read_file(arg, &text, &len);
	if (r < 0) {
		vp_err("%s: %s", arg, strerror(-r));
		r = vp_exit_code(r);
		goto out;
	}
	r = vp_pve_vmconf_parse(text, len, &c);
	if (r == 0)
		r = vp_vm_lint(c, &env, &l);
	if (r < 0) {
		vp_err("%s: %s", arg, strerror(-r));
		r = vp_exit_code(r);
		goto out;
	}
	print_lint(ctx, &l, arg);
	r = vp_lint_verdict(&l);
out:
	vp_lint_free(&l);
	vp_session_free(&ses);
	return r;
}

static int cmd_vm(struct vp_global *g, int argc, char **argv)
{
	struct vp_vm_opts o = { 0 };
	struct vp_verb v = { .cmd = "vm" };
	int first, r;

	first = vp_parse_opts(g, argc, argv, "d:", vm_opts, vm_opt, &o);
	if (first < 0) {
		r = VP_EXIT_USAGE;
		goto out;
	}
	if (g->help) {
		vp_cmd_help(&vp_cmd_vm);
		r = VP_EXIT_OK;
		goto out;
	}
	if (argc - first != 2) {
		vp_err("use: vm plan|apply VMID --device ADDR[,ADDR...] | --vgpu TYPE, or vm "
		       "lint VMID|FILE");
		r = VP_EXIT_USAGE;
		goto out;
	}
	if (vp_verb_parse(&v, argv[first]) == 0)
		r = vm_plan_apply(g, &o, &v, argv[first + 1]);
	else if (streq(argv[first], "lint"))
		r = vm_lint(g, argv[first + 1]);
	else {
		vp_err("unknown vm subcommand '%s': plan, apply or lint", argv[first]);
		r = VP_EXIT_USAGE;
	}
out:
	free(o.devs);
	free(o.slots);
	strv_free(&o.usb);
	return r;
}

struct cpu_args_opts {
	const char *vendor;
	int driver_version;
	bool config_line;
};

static const struct option cpu_opts[] = {
	{ "vendor", required_argument, NULL, OPT_VENDOR },
	{ "driver-version", required_argument, NULL, OPT_DRIVER },
	{ "as-config-line", no_argument, NULL, OPT_CONFIG_LINE },
	{ NULL, 0, NULL, 0 },
};

static int cpu_opt(void *data, int c, const char *arg)
{
	struct cpu_args_opts *o = data;

	switch (c) {
	case OPT_VENDOR:
		o->vendor = arg;
		return 0;
	case OPT_DRIVER:
		return parse_driver(arg, &o->driver_version);
	case OPT_CONFIG_LINE:
		o->config_line = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Seed 004's generator, corrected by the knowledge base: only Intel Arc
 * and NVIDIA GeForce drivers before R465 need the hypervisor hidden.
 */
static int cmd_cpu_args(struct vp_global *g, int argc, char **argv)
{
	struct cpu_args_opts o = { 0 };
	const char *args = "-cpu host", *cpu = "host";
	struct strv why = { 0 };
	bool arc, nvc, old;
	int first;

	first = vp_parse_opts(g, argc, argv, "", cpu_opts, cpu_opt, &o);
	if (first < 0)
		return VP_EXIT_USAGE;
	if (g->help) {
		vp_cmd_help(&vp_cmd_cpu_args);
		return VP_EXIT_OK;
	}
	if (argc != first || !o.vendor ||
	    (!streq(o.vendor, "intel-arc") && !streq(o.vendor, "nvidia-consumer") &&
	     !streq(o.vendor, "nvidia-pro") && !streq(o.vendor, "amd"))) {
		vp_err("use: cpu-args --vendor intel-arc|nvidia-consumer|nvidia-pro|amd");
		return VP_EXIT_USAGE;
	}
	/* The vendors as the kb's rows describe them, judged by the one rule. */
	{
		static const struct vp_kb_gpu arc_row = { .cpuid_hiding = true,
							  .hide_hypervisor = true };
		static const struct vp_kb_gpu geforce_row = { .code43_before_r465 =
								      true };
		static const struct vp_kb_gpu other_row = { 0 };
		const struct vp_kb_gpu *row = streq(o.vendor, "intel-arc") ? &arc_row
					      : streq(o.vendor, "nvidia-consumer")
						      ? &geforce_row
						      : &other_row;
		enum vp_hiding h = vp_kb_hiding(row, o.driver_version);

		arc = h == VP_HIDE_KVM_HV;
		nvc = row == &geforce_row;
		old = h == VP_HIDE_KVM;
	}
	strv_add(&why, "host: the host CPU model, all its features for the guest");
	if (arc) {
		args = "-cpu host,-hypervisor,kvm=off";
		cpu = "host,hidden=1";
		strv_add(&why,
			 "kvm=off (cpu hidden=1): hides the KVM signature (CPUID leaf "
			 "0x40000000) from the Intel Arc Windows driver (Code 43)");
		strv_add(&why,
			 "-hypervisor: clears CPUID leaf 1 ECX bit 31, which the Arc "
			 "driver checks on its own; kvm=off alone is not enough");
		strv_add(&why,
			 "args -cpu replaces the -cpu line Proxmox builds, so set it in "
			 "args: cpu flags in the VM config cannot clear 'hypervisor'");
	} else if (old) {
		args = "-cpu host,kvm=off";
		cpu = "host,hidden=1";
		strv_add(&why,
			 "kvm=off (cpu hidden=1): GeForce drivers before R465 stop with "
			 "Code 43 when they see KVM");
	} else if (nvc) {
		strv_add(
			&why,
			o.driver_version
				? "no hiding: NVIDIA drivers R465 and later allow GeForce in "
				  "a VM"
				: "no hiding: NVIDIA drivers R465 (April 2021) and later allow "
				  "GeForce in a VM; give --driver-version for an older guest driver");
		strv_add(&why,
			 "Proxmox still adds kvm=off itself for x-vga=1 unless hidden=0");
	} else if (streq(o.vendor, "nvidia-pro")) {
		strv_add(&why,
			 "no hiding: professional and datacenter NVIDIA drivers never "
			 "refused a VM");
	} else {
		strv_add(&why,
			 "no hiding: AMD drivers do not check for a hypervisor; Code 43 "
			 "on AMD means a missing vBIOS or a reset problem");
	}
	if (g->json) {
		_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
		struct json_object *d;
		int r = vp_open_ctx(g, &ctx);

		if (r < 0) {
			strv_free(&why);
			return vp_exit_code(r);
		}
		d = vp_json_doc(ctx, "cpu-args");
		json_object_object_add(d, "vendor", json_object_new_string(o.vendor));
		json_object_object_add(d, "args", json_object_new_string(args));
		json_object_object_add(d, "cpu", json_object_new_string(cpu));
		json_object_object_add(d, "why", jstrv(&why));
		vp_json_print(ctx, d);
		json_object_put(d);
	} else {
		if (o.config_line) {
			printf("cpu: %s\n", cpu);
			if (arc)
				printf("args: %s\n", args);
		} else {
			printf("%s\n", args);
		}
		for (size_t i = 0; i < why.n; i++)
			fprintf(stderr, "why: %s\n", why.v[i]);
	}
	strv_free(&why);
	return VP_EXIT_OK;
}

const struct vp_cmd vp_cmd_vm = {
	.name = "vm",
	.run = cmd_vm,
	.summary = "plan (dry run), apply or lint the passthrough settings of a VM",
	.usage =
		"  plan|apply VMID        plan shows the diff or qm set command; apply writes (root)\n"
		"  lint VMID|FILE         what Proxmox finds only at start, or never (exit 0/1/2)\n"
		"  -d, --device ADDR[,ADDR...]  the devices (01:00 = all functions); companions go along\n"
		"      --mapping NAME     mapping=NAME (a cluster resource mapping) instead of addresses\n"
		"      --primary-gpu      the display GPU is the VM's primary display: x-vga=1, vga none\n"
		"      --tune             hugepages; numa and affinity for the GPU's node (multi-node)\n"
		"      --ovmf             switch a SeaBIOS VM to OVMF for a GPU (MBR guests stop booting)\n"
		"      --driver-version N the guest's NVIDIA driver branch (hiding only before R465)\n"
		"      --qm               a qm set command instead of the file edit (default on /)\n"
		"      --usb DEV          a USB device (VID:PID, bus-port 1-4.2 or mapping=NAME) as\n"
		"                         usbN, or a USB controller's PCI address as hostpciN\n"
		"      --take-host-device allow a device the host needs (console, network, root disk)\n"
		"      --vgpu TYPE        a vGPU (nvidia-1148, 1148, \"NVIDIA L40S-2Q\", L40S-2Q) as\n"
		"                         hostpciN ADDR,mdev=TYPE on the first free VF or mdev\n"
		"                         parent (of --device, a VF or a card's PF; else any);\n"
		"                         the function stays on its host driver\n",
	.example = "vfio-pilot vm plan 100 -d 01:00\n"
		   "vfio-pilot vm lint 100",
};

const struct vp_cmd vp_cmd_cpu_args = {
	.name = "cpu-args",
	.run = cmd_cpu_args,
	.summary = "CPU options for a GPU vendor's guest driver, with reasons",
	.usage =
		"  --vendor V          intel-arc, nvidia-consumer, nvidia-pro or amd\n"
		"  --driver-version N  the guest's NVIDIA driver branch (470, 550.54)\n"
		"  --as-config-line    cpu:/args: lines for the VM config instead of -cpu\n",
	.example = "vfio-pilot cpu-args --vendor nvidia-consumer --driver-version 470",
};
