// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checks run inside a Linux guest: the passed GPU is there, a driver is
 * bound and can work on it, the CPUID hypervisor bit, the BARs the guest
 * firmware mapped, NUMA. Each finding names the fix, on the host where the
 * host decides (hostpci, cpu, args). Facts come from src/kb (open module,
 * CPUID hiding); nothing here keeps its own list of GPU ids.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checks/guest.h"

/* include/linux/ioport.h */
#define IORESOURCE_IO	 0x00000100
#define IORESOURCE_MEM	 0x00000200
#define IORESOURCE_UNSET 0x20000000

bool vp_guest_emulated_display(uint16_t vendor, uint16_t device)
{
	/* QEMU hw/display: std VGA / bochs, QXL, virtio-gpu, cirrus, vmware SVGA */
	static const uint16_t ids[][2] = {
		{ 0x1234, 0x1111 }, { 0x1b36, 0x0100 }, { 0x1af4, 0x1050 },
		{ 0x1013, 0x00b8 }, { 0x15ad, 0x0405 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (ids[i][0] == vendor && ids[i][1] == device)
			return true;
	return false;
}

int vp_guest_nvidia_open(const char *banner)
{
	if (!banner || !strstr(banner, "NVRM version:"))
		return -1;
	/* kernel-open/nvidia/nv.c prints "NVIDIA UNIX Open Kernel Module for ..." */
	return strstr(banner, "Open Kernel Module") ? 1 : 0;
}

static int add(struct vp_guest_report *rep, const char *id, enum vp_verdict v,
	       const char *dev, char *evidence, char *fix, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static int add(struct vp_guest_report *rep, const char *id, enum vp_verdict v,
	       const char *dev, char *evidence, char *fix, const char *fmt, ...)
{
	struct vp_guest_finding *nv, *f;
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	nv = r < 0 ? NULL : realloc(rep->findings, (rep->n + 1) * sizeof(*nv));
	if (!nv) {
		free(s);
		free(evidence);
		free(fix);
		return -ENOMEM;
	}
	rep->findings = nv;
	f = &nv[rep->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->verdict = v;
	snprintf(f->device, sizeof(f->device), "%s", dev ? dev : "");
	f->summary = s;
	f->evidence = evidence;
	f->fix = fix;
	return 0;
}

static char *sysev(const char *addr, const char *attr, const char *what)
{
	_cleanup_free_ char *sub = xasprintf("bus/pci/devices/%s/%s", addr, attr);

	return sub ? vp_evidence(VP_SYS, sub, "%s", what) : NULL;
}

static unsigned long hexattr(struct vp_ctx *ctx, const char *addr, const char *attr)
{
	_cleanup_free_ char *s = NULL;

	if (vp_read_strf(ctx, VP_SYS, &s, "bus/pci/devices/%s/%s", addr, attr) < 0)
		return 0;
	return strtoul(s, NULL, 16);
}

static int cmp_gpu(const void *a, const void *b)
{
	return strcmp(((const struct vp_guest_gpu *)a)->addr,
		      ((const struct vp_guest_gpu *)b)->addr);
}

static int find_gpus(struct vp_ctx *ctx, struct vp_guest_report *rep, size_t *nemul)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;

	*nemul = 0;
	if (vp_opendirf(ctx, VP_SYS, &d, "bus/pci/devices") < 0)
		return -ENOENT;
	while ((e = readdir(d))) {
		struct vp_guest_gpu *g, *nv;
		_cleanup_free_ char *drv = NULL, *numa = NULL;
		unsigned long cls, ven, dev;

		if (e->d_name[0] == '.' || strlen(e->d_name) != 12)
			continue;
		cls = hexattr(ctx, e->d_name, "class");
		if ((cls >> 16) != 0x03)
			continue;
		ven = hexattr(ctx, e->d_name, "vendor");
		dev = hexattr(ctx, e->d_name, "device");
		if (vp_guest_emulated_display((uint16_t)ven, (uint16_t)dev)) {
			(*nemul)++;
			continue;
		}
		nv = realloc(rep->gpus, (rep->ngpus + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		rep->gpus = nv;
		g = &nv[rep->ngpus++];
		memset(g, 0, sizeof(*g));
		snprintf(g->addr, sizeof(g->addr), "%s", e->d_name);
		g->vendor = (uint16_t)ven;
		g->device = (uint16_t)dev;
		g->class = (uint32_t)cls;
		g->kb = vp_kb_gpu_lookup(g->vendor, g->device);
		g->numa_node = -1;
		if (vp_read_strf(ctx, VP_SYS, &numa, "bus/pci/devices/%s/numa_node",
				 g->addr) == 0)
			g->numa_node = atoi(numa);
		if (vp_readlinkf(ctx, VP_SYS, &drv, "bus/pci/devices/%s/driver",
				 g->addr) == 0) {
			const char *base = strrchr(drv, '/');

			g->driver = strdup(base ? base + 1 : drv);
			if (!g->driver)
				return -ENOMEM;
		}
	}
	if (rep->ngpus)
		qsort(rep->gpus, rep->ngpus, sizeof(*rep->gpus), cmp_gpu);
	return 0;
}

static int check_driver(struct vp_ctx *ctx, struct vp_guest_report *rep,
			const struct vp_guest_gpu *g)
{
	_cleanup_free_ char *banner = NULL;
	const char *name = g->kb ? g->kb->family : "this GPU";
	int open, r;

	if (!g->driver)
		return add(
			rep, "guest.driver", VP_V_FAIL, g->addr,
			sysev(g->addr, "driver", "no driver link"),
			xasprintf(
				"In the guest: install the %s driver. If it is installed and "
				"still does not bind, read the guest's kernel log with "
				"vfio-pilot explain; on the host: vfio-pilot doctor %s "
				"(reset, BARs, ROM)",
				g->vendor == 0x10de   ? "NVIDIA"
				: g->vendor == 0x1002 ? "amdgpu"
				: g->vendor == 0x8086 ? "i915/xe"
						      : "vendor's",
				g->addr),
			"%s has no driver bound", g->addr);
	r = add(rep, "guest.driver", VP_V_OK, g->addr,
		sysev(g->addr, "driver", g->driver), NULL, "%s is bound to %s", g->addr,
		g->driver);
	if (r < 0 || g->vendor != 0x10de || !streq(g->driver, "nvidia"))
		return r;
	vp_read_strf(ctx, VP_PROC, &banner, "driver/nvidia/version");
	open = vp_guest_nvidia_open(banner);
	if (!g->kb || !g->kb->guest_open_module)
		return add(rep, "guest.module", VP_V_OK, g->addr,
			   vp_evidence(VP_PROC, "driver/nvidia/version", "%s",
				       open == 1   ? "open kernel module"
				       : open == 0 ? "proprietary kernel module"
						   : "unreadable"),
			   NULL, "%s works with either NVIDIA kernel module", name);
	if (open == 1)
		return add(rep, "guest.module", VP_V_OK, g->addr,
			   vp_evidence(VP_PROC, "driver/nvidia/version",
				       "open kernel module"),
			   NULL, "%s needs NVIDIA's open kernel module, and it is loaded",
			   name);
	return add(
		rep, "guest.module", open == 0 ? VP_V_FAIL : VP_V_WARN, g->addr,
		vp_evidence(VP_PROC, "driver/nvidia/version", "%s",
			    open == 0 ? "proprietary kernel module (no \"Open Kernel "
					"Module\" in the banner)"
				      : "not readable: the module is not loaded"),
		xasprintf("In the guest: install NVIDIA's open kernel module (Debian: "
			  "nvidia-open-kernel-dkms; NVIDIA's .run: -m=kernel-open) and "
			  "remove the proprietary one; nothing on the host changes this "
			  "(%s)",
			  g->kb->source),
		"%s requires NVIDIA's open kernel module; %s", name,
		open == 0 ? "the proprietary module is loaded and cannot drive it"
			  : "which module is installed cannot be told");
}

static int check_hypervisor(struct vp_ctx *ctx, struct vp_guest_report *rep,
			    char **phys_bits)
{
	_cleanup_free_ char *text = NULL;
	const struct vp_kb_gpu *hide = NULL;
	bool visible = false, have_flags = false;
	char *save = NULL;

	if (vp_read_strf(ctx, VP_PROC, &text, "cpuinfo") < 0)
		return add(rep, "guest.hypervisor", VP_V_SKIP, NULL,
			   vp_evidence(VP_PROC, "cpuinfo", "not readable"), NULL,
			   "the CPU flags cannot be read");
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (startswith(l, "flags") && !have_flags) {
			char *v = strchr(l, ':'), *fs = NULL;

			have_flags = true;
			/* "hypervisor" as a whole word (arch/x86 X86_FEATURE_HYPERVISOR)
			 */
			for (char *t = v ? strtok_r(v + 1, " ", &fs) : NULL; t;
			     t = strtok_r(NULL, " ", &fs))
				visible |= streq(t, "hypervisor");
		} else if (startswith(l, "address sizes") && !*phys_bits) {
			char *v = strchr(l, ':');

			*phys_bits = v ? strdup(v + 2) : NULL;
		}
	}
	for (size_t i = 0; i < rep->ngpus; i++)
		if (vp_kb_hiding(rep->gpus[i].kb, 0) == VP_HIDE_KVM_HV)
			hide = rep->gpus[i].kb;
	/*
	 * Only the Windows driver of these GPUs checks the bit; i915 and xe in a
	 * Linux guest run either way, so this is a warning for a later Windows VM.
	 */
	if (visible && hide)
		return add(
			rep, "guest.hypervisor", VP_V_WARN, NULL,
			vp_evidence(VP_PROC, "cpuinfo", "flags: hypervisor"),
			xasprintf(
				"For a Windows guest, on the host: args: -cpu "
				"host,-hypervisor,kvm=off in the VM config (vfio-pilot vm "
				"plan VMID --device ADDR writes it) (%s)",
				hide->source),
			"the CPUID hypervisor bit is visible: the Linux driver does not "
			"mind, but the %s Windows driver refuses to run when it sees it",
			hide->family);
	return add(
		rep, "guest.hypervisor", VP_V_OK, NULL,
		vp_evidence(VP_PROC, "cpuinfo", "flags: %s",
			    visible ? "hypervisor" : "no hypervisor"),
		NULL,
		"the CPUID hypervisor bit is %s; current NVIDIA (R465+) and AMD drivers "
		"do not mind",
		visible ? "visible" : "hidden");
}

static int check_bars(struct vp_ctx *ctx, struct vp_guest_report *rep,
		      const struct vp_guest_gpu *g, const char *phys_bits)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL, missing[256] = "";
	int bar = 0;
	size_t used = 0;

	if (vp_read_strf(ctx, VP_SYS, &text, "bus/pci/devices/%s/resource", g->addr) < 0)
		return add(rep, "guest.bars", VP_V_SKIP, g->addr,
			   sysev(g->addr, "resource", "not readable"), NULL,
			   "the BARs of %s cannot be read", g->addr);
	for (char *l = strtok_r(text, "\n", &save); l && bar < 6;
	     l = strtok_r(NULL, "\n", &save), bar++) {
		unsigned long long start = 0, end = 0, flags = 0;

		if (sscanf(l, "%llx %llx %llx", &start, &end, &flags) != 3)
			continue;
		if (!(flags & IORESOURCE_MEM) || end == 0)
			continue;
		/* pci_assign_resource failed: start 0 (IORESOURCE_UNSET), size kept */
		if (start == 0 || (flags & IORESOURCE_UNSET))
			used += (size_t)snprintf(missing + used, sizeof(missing) - used,
						 "%sBAR%d (%llu MiB)", used ? ", " : "",
						 bar, (end - start + 1) >> 20);
		if (used >= sizeof(missing))
			break;
	}
	if (!missing[0])
		return add(
			rep, "guest.bars", VP_V_OK, g->addr,
			sysev(g->addr, "resource", "every memory BAR has an address"),
			NULL,
			"the guest firmware mapped every BAR of %s (address sizes: %s)",
			g->addr, phys_bits ? phys_bits : "unknown");
	return add(
		rep, "guest.bars", VP_V_FAIL, g->addr,
		sysev(g->addr, "resource", "start 0 (unassigned)"),
		xasprintf("On the host: give the VM a physical address space large "
			  "enough for the BARs: cpu: host (or cpu: ...,phys-bits=host), "
			  "bios: ovmf, and if that is not enough a larger 64-bit MMIO "
			  "window for OVMF: args: -fw_cfg "
			  "name=opt/ovmf/X-PciMmio64Mb,string=65536 (edk2 OvmfPkg); in "
			  "the host firmware Above 4G decoding must be on"),
		"%s: %s not mapped (guest address sizes: %s)", g->addr, missing,
		phys_bits ? phys_bits : "unknown");
}

static int check_numa(struct vp_ctx *ctx, struct vp_guest_report *rep)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int nodes = 0;

	if (vp_opendirf(ctx, VP_SYS, &d, "devices/system/node") == 0)
		while ((e = readdir(d)))
			nodes += startswith(e->d_name, "node") &&
				 isdigit((unsigned char)e->d_name[4]);
	if (nodes <= 1)
		return add(
			rep, "guest.numa", VP_V_OK, NULL,
			vp_evidence(VP_SYS, "devices/system/node", "%d node%s", nodes,
				    nodes == 1 ? "" : "s"),
			NULL,
			"one NUMA node in the guest: on a multi-socket host pin the VM "
			"to the GPU's node (vfio-pilot vm plan VMID --tune)");
	for (size_t i = 0; i < rep->ngpus; i++)
		if (rep->gpus[i].numa_node < 0)
			return add(
				rep, "guest.numa", VP_V_WARN, rep->gpus[i].addr,
				sysev(rep->gpus[i].addr, "numa_node", "-1"),
				xasprintf(
					"On the host: vfio-pilot vm plan VMID --tune puts "
					"the VM's memory and vCPUs on the GPU's node "
					"(numa0 hostnodes=, affinity)"),
				"%d guest NUMA nodes, but %s belongs to none: the guest "
				"cannot keep work near it",
				nodes, rep->gpus[i].addr);
	return add(rep, "guest.numa", VP_V_OK, NULL,
		   vp_evidence(VP_SYS, "devices/system/node", "%d nodes", nodes), NULL,
		   "%d guest NUMA nodes and the GPU belongs to one", nodes);
}

int vp_guest_check(struct vp_ctx *ctx, struct vp_guest_report *rep)
{
	_cleanup_free_ char *bits = NULL;
	size_t nemul = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	r = find_gpus(ctx, rep, &nemul);
	if (r < 0)
		return r;
	if (!rep->ngpus)
		r = add(rep, "guest.gpu", VP_V_FAIL, NULL,
			vp_evidence(VP_SYS, "bus/pci/devices",
				    "no display-class function but %zu emulated", nemul),
			xasprintf(
				"On the host: add the GPU to the VM as hostpciN "
				"(vfio-pilot vm plan VMID --device ADDR), check it with "
				"vfio-pilot doctor ADDR, and start the VM again"),
			"no passed-through GPU is visible in the guest");
	for (size_t i = 0; r == 0 && i < rep->ngpus; i++) {
		const struct vp_guest_gpu *g = &rep->gpus[i];

		r = add(rep, "guest.gpu", VP_V_OK, g->addr,
			sysev(g->addr, "vendor", "display-class function"), NULL,
			"%s %04x:%04x is visible%s%s", g->addr, g->vendor, g->device,
			g->kb ? ": " : "", g->kb ? g->kb->family : "");
		if (r == 0)
			r = check_driver(ctx, rep, g);
	}
	if (r == 0)
		r = check_hypervisor(ctx, rep, &bits);
	for (size_t i = 0; r == 0 && i < rep->ngpus; i++)
		r = check_bars(ctx, rep, &rep->gpus[i], bits);
	if (r == 0)
		r = check_numa(ctx, rep);
	return r;
}

void vp_guest_report_free(struct vp_guest_report *rep)
{
	for (size_t i = 0; i < rep->ngpus; i++)
		free(rep->gpus[i].driver);
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->findings[i].summary);
		free(rep->findings[i].evidence);
		free(rep->findings[i].fix);
	}
	free(rep->gpus);
	free(rep->findings);
	memset(rep, 0, sizeof(*rep));
}

int vp_guest_overall(const struct vp_guest_report *rep)
{
	int o = 0;

	for (size_t i = 0; i < rep->n; i++) {
		if (rep->findings[i].verdict == VP_V_FAIL)
			o = 2;
		else if (rep->findings[i].verdict == VP_V_WARN && o < 1)
			o = 1;
	}
	return o;
}

/*
 * Windows: device status and problem code (Get-PnpDevice, DEVPKEY_Device_
 * ProblemCode; "(Code N)" as Device Manager writes it, which explain's
 * signatures match), the driver (Win32_VideoController), dedicated video
 * memory through DXGI (IDXGIFactory1::EnumAdapters1, IDXGIAdapter1::GetDesc1)
 * and whether Windows fell back to the Microsoft Basic Display Adapter.
 */
const char vp_guest_windows_probe[] =
	"# vfio-pilot guest probe for Windows (PowerShell 5.1 or later). In the VM:\n"
	"#   powershell -NoProfile -ExecutionPolicy Bypass -File vfio-pilot-probe.ps1 "
	"> probe.txt\n"
	"# then on the Proxmox host: vfio-pilot explain probe.txt\n"
	"$ErrorActionPreference = 'Continue'\n"
	"Write-Output 'vfio-pilot-probe: windows 1'\n"
	"$os = Get-CimInstance Win32_OperatingSystem\n"
	"Write-Output (\"os: {0} {1}\" -f $os.Caption, $os.Version)\n"
	"Get-PnpDevice -Class Display -PresentOnly | ForEach-Object {\n"
	"  $code = (Get-PnpDeviceProperty -InstanceId $_.InstanceId "
	"-KeyName 'DEVPKEY_Device_ProblemCode' -ErrorAction SilentlyContinue).Data\n"
	"  $ver = (Get-PnpDeviceProperty -InstanceId $_.InstanceId "
	"-KeyName 'DEVPKEY_Device_DriverVersion' -ErrorAction SilentlyContinue).Data\n"
	"  if ($code) { $p = \"problem: $($_.Problem) (Code $code)\" } else { $p = 'problem: none' }\n"
	"  Write-Output (\"device: {0} | {1} | status {2} | driver {3} | {4}\" -f "
	"$_.FriendlyName, $_.InstanceId, $_.Status, $ver, $p)\n"
	"}\n"
	"Get-CimInstance Win32_VideoController | ForEach-Object {\n"
	"  Write-Output (\"adapter: {0} | driver {1} ({2}) | status {3}\" -f $_.Name, "
	"$_.DriverVersion, $_.InstalledDisplayDrivers, $_.Status)\n"
	"  if ($_.Name -eq 'Microsoft Basic Display Adapter') {\n"
	"    Write-Output 'fallback: Microsoft Basic Display Adapter (no vendor driver "
	"running)'\n"
	"  }\n"
	"}\n"
	"$src = @'\n"
	"using System;\n"
	"using System.Runtime.InteropServices;\n"
	"public static class VpDxgi {\n"
	"  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]\n"
	"  public struct Desc1 {\n"
	"    [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 128)] public string "
	"Description;\n"
	"    public uint VendorId, DeviceId, SubSysId, Revision;\n"
	"    public UIntPtr DedicatedVideoMemory, DedicatedSystemMemory, "
	"SharedSystemMemory;\n"
	"    public uint LuidLow; public int LuidHigh; public uint Flags;\n"
	"  }\n"
	"  [ComImport, Guid(\"29038f61-3839-4626-91fd-086879011a05\"), "
	"InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]\n"
	"  interface IAdapter1 {\n"
	"    void SetPrivateData(); void SetPrivateDataInterface(); void GetPrivateData(); "
	"void GetParent();\n"
	"    void EnumOutputs(); void GetDesc(); void CheckInterfaceSupport();\n"
	"    [PreserveSig] int GetDesc1(out Desc1 d);\n"
	"  }\n"
	"  [ComImport, Guid(\"770aae78-f26f-4dba-a829-253c83d1b387\"), "
	"InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]\n"
	"  interface IFactory1 {\n"
	"    void SetPrivateData(); void SetPrivateDataInterface(); void GetPrivateData(); "
	"void GetParent();\n"
	"    void EnumAdapters(); void MakeWindowAssociation(); void GetWindowAssociation();\n"
	"    void CreateSwapChain(); void CreateSoftwareAdapter();\n"
	"    [PreserveSig] int EnumAdapters1(uint i, out IAdapter1 a);\n"
	"  }\n"
	"  [DllImport(\"dxgi.dll\")] static extern int CreateDXGIFactory1(ref Guid riid, "
	"[MarshalAs(UnmanagedType.Interface)] out IFactory1 f);\n"
	"  public static string[] List() {\n"
	"    var g = new Guid(\"770aae78-f26f-4dba-a829-253c83d1b387\");\n"
	"    IFactory1 f; var o = new System.Collections.Generic.List<string>();\n"
	"    if (CreateDXGIFactory1(ref g, out f) != 0) return o.ToArray();\n"
	"    for (uint i = 0; ; i++) {\n"
	"      IAdapter1 a; if (f.EnumAdapters1(i, out a) != 0) break;\n"
	"      Desc1 d; if (a.GetDesc1(out d) != 0) continue;\n"
	"      o.Add(String.Format(\"dxgi: {0} | {1:x4}:{2:x4} | dedicated {3} MiB\", "
	"d.Description, d.VendorId, d.DeviceId, (ulong)d.DedicatedVideoMemory >> 20));\n"
	"    }\n"
	"    return o.ToArray();\n"
	"  }\n"
	"}\n"
	"'@\n"
	"try { Add-Type -TypeDefinition $src -ErrorAction Stop; [VpDxgi]::List() | "
	"ForEach-Object { Write-Output $_ } }\n"
	"catch { Write-Output \"dxgi: unavailable ($($_.Exception.Message))\" }\n"
	"Write-Output 'vfio-pilot-probe: end'\n";
