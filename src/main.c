// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-pilot: PCI passthrough on Proxmox VE, from inventory to a VM that
 * survives its second boot. A multi-call front end in the manner of kmod's
 * tools/kmod.c: global options, then a command from the table below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"

#ifndef VP_VERSION
#define VP_VERSION "0"
#endif

static const struct vp_cmd commands[] = {
	{ "devices", cmd_devices, "list PCI functions with kind, ids, group and driver",
	  "  -c, --class KIND    only this kind: display audio usb network storage bridge other\n"
	  "  -V, --vendor VVVV   only this PCI vendor id (hex, like 10de)\n"
	  "  [ADDR...]           only these functions; 01:00 means every function of 01:00\n" },
	{ "groups", cmd_groups, "IOMMU groups with their members, verdicts and ACS gaps",
	  "  [ADDR]              only the group of this function (with --dot/--svg: the\n"
	  "                      target marked in the whole tree)\n"
	  "      --dot           the PCI tree for Graphviz: groups as clusters, shared\n"
	  "                      groups in red, host-critical devices and targets marked\n"
	  "      --svg FILE      the same drawn by graphviz's dot into FILE\n" },
	{ "show", cmd_show, "everything about one device and its group",
	  "  ADDR                0000:01:00.0, 01:00.0, or 01:00 for every function\n" },
	{ "doctor", cmd_doctor,
	  "check every layer for passthrough, with evidence and fixes",
	  "  -k, --kernel-log FILE  a dmesg or journalctl -k export (default: the current\n"
	  "                         boot in the root's systemd journal, else\n"
	  "                         /var/log/kern.log)\n"
	  "  [ADDR...]              the devices to pass through; default: the candidate GPUs\n" },
	{ "advise", cmd_advise, "passthrough, LXC /dev/dri, SR-IOV, vGPU, or not at all",
	  "  -w, --workload W    gaming, ai, transcode, cad, nas or generic (default)\n" },
	{ "explain", cmd_explain, "known failure messages in a log: cause and fix",
	  "  FILE                a log (dmesg, journalctl -k, Proxmox task log, qm start) or a\n"
	  "                      whole pasted post (lspci, IOMMU groups, kernel command line,\n"
	  "                      modprobe.d, VM config); '-' reads standard input\n"
	  "      --vm VMID       the Proxmox task log of the VM's last start instead\n"
	  "  -s, --symptom TEXT  causes of a symptom (black screen, code 43, ...) instead\n"
	  "  -l, --list          every known signature and symptom\n"
	  "      --root DIR      also name this host's devices, drivers and groups in fixes\n" },
	{ "host", cmd_host,
	  "plan (dry run) or apply the host setup: cmdline, VFIO binding, initramfs",
	  "  plan|apply             plan shows diffs and commands; apply writes (root only);\n"
	  "                         devices given before stay given\n"
	  "  release -d ADDR        take devices back from vfio-pci (root; undoable)\n"
	  "  status                 what is given to vfio-pci, by which file and line\n"
	  "  -d, --device ADDR      a device to pass through (repeat; 01:00 = all functions);\n"
	  "                         default: the candidate GPUs doctor picks\n"
	  "      --include-group ADDR  also give away this unrelated member of a target's group\n"
	  "      --take-host-device    allow a device the host needs (console, network, root disk)\n"
	  "      --acs-override        pcie_acs_override=downstream,multifunction (loses isolation)\n"
	  "      --unsafe-interrupts   vfio_iommu_type1 allow_unsafe_interrupts=1 (insecure)\n"
	  "      --fb-off              keep the boot framebuffer off a boot-VGA target\n"
	  "      --disable-idle-d3     vfio-pci disable_idle_d3=1 (cards that fail to wake)\n"
	  "      --ignore-msrs         kvm ignore_msrs=1 (some Windows guests)\n"
	  "      --plan-file F         plan: save the plan in F; apply: apply only that\n"
	  "                            plan, exit 75 if the plan made now differs\n"
	  "      --adopt               move another tool's conflicting vfio-pci line into\n"
	  "                            vfio-pilot's file, fixed (the file is backed up)\n" },
	{ "undo", cmd_undo, "restore the files of an apply, byte for byte (root only)",
	  "  [ID]                the apply to undo; default: the latest\n"
	  "  -f, --force         also when a file changed since that apply (kept as\n"
	  "                      undo/ID/rN); without it undo refuses with 75\n" },
	{ "bind", cmd_bind,
	  "move a device and its companions to vfio-pci now (root; until reboot)",
	  "  ADDR                the function; its companion functions go along\n"
	  "  -f, --force         also a device the host needs, or an SR-IOV PF with VFs\n" },
	{ "unbind", cmd_unbind,
	  "give a device bound with bind back to its previous driver (root)",
	  "  ADDR                the function; its companion functions go along\n"
	  "  -f, --force         also a device the host needs\n" },
	{ "vm", cmd_vm, "plan (dry run), apply or lint the passthrough settings of a VM",
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
	  "                         the function stays on its host driver\n" },
	{ "cpu-args", cmd_cpu_args,
	  "CPU options for a GPU vendor's guest driver, with reasons",
	  "  --vendor V          intel-arc, nvidia-consumer, nvidia-pro or amd\n"
	  "  --driver-version N  the guest's NVIDIA driver branch (470, 550.54)\n"
	  "  --as-config-line    cpu:/args: lines for the VM config instead of -cpu\n" },
	{ "lxc", cmd_lxc,
	  "plan or apply a container's GPU devN lines (/dev/dri, NVIDIA, kfd)",
	  "  plan|apply CTID        plan shows the diff or pct command; apply writes (root only)\n"
	  "      --dri              pass the GPU's /dev/dri nodes (renderD*, card*)\n"
	  "      --gpu ADDR         pass what GPU ADDR's vendor stack needs: NVIDIA's\n"
	  "                         /dev/nvidiaN, nvidiactl, nvidia-uvm*, nvidia-modeset,\n"
	  "                         nvidia-caps/* (with the driver version the container\n"
	  "                         must match); AMD's /dev/dri nodes and /dev/kfd\n"
	  "      --render-only      only the render node (enough for VA-API, QSV, OpenCL)\n"
	  "  -d, --device ADDR      the GPU for --dri (default: the one advise picks, the\n"
	  "                         boot VGA or iGPU with a render node)\n"
	  "  gid= is the container's own render/video group, read from its root\n"
	  "  filesystem where it is a directory (else the host's, as a named assumption)\n" },
	{ "hookscript", cmd_hookscript,
	  "write a VM's hookscript snippet: reset_method at pre-start, rebind at post-stop",
	  "  [plan|apply] VMID      plan shows the change; apply (the default) writes (root)\n"
	  "  -d, --device ADDR      the passed-through function\n"
	  "      --reset-method M   at pre-start: device_specific acpi flr af_flr pm bus\n"
	  "                         cxl_bus, written only if the device lists it\n"
	  "      --rebind[=DRIVER]  at post-stop: give the device back to its host driver\n"
	  "      --strict           a failed step aborts the VM start (default: only logs)\n"
	  "      --storage ID       the snippets storage (default: local)\n" },
	{ "mapping", cmd_mapping,
	  "plan, apply or check a cluster PCI resource mapping across the nodes",
	  "  plan|apply NAME        plan shows the diff; apply writes (root only)\n"
	  "  check [NAME]           every map line against its node's hardware now: exit 2\n"
	  "                         when one no longer holds (with the line that does)\n"
	  "  -d, --device ADDR      the function (01:00 maps every function of the slot);\n"
	  "                         repeat for a pool (each node offers every card)\n"
	  "      --host DIR         another node's tree (repeat); the first node is --root,\n"
	  "                         and the file goes into its etc/pve/mapping/pci.cfg\n"
	  "      --cluster          every other node through Proxmox's API (pvesh)\n"
	  "      --api DIR          the API's answers recorded in DIR instead (implies\n"
	  "                         --cluster; needed under --root)\n" },
	{ "cluster", cmd_cluster,
	  "every node of the cluster through Proxmox's API: candidates, mappings, VMs, hookscripts",
	  "      --api DIR          the API's answers recorded in DIR (DIR/nodes.json,\n"
	  "                         DIR/nodes/NODE/hardware/pci.json); needed under --root\n"
	  "  -v                     every function, not only GPUs and accelerators\n" },
	{ "snapshot", cmd_snapshot,
	  "capture what vfio-pilot reads as a tree --root can read",
	  "  -o, --output OUT    a directory, or OUT.tar.gz for a gzip'd tar archive\n"
	  "      --no-sanitize   keep host name, MAC/IP addresses, serials and user names\n" },
	{ "import", cmd_import,
	  "turn pasted IOMMU group or lspci text into a partial tree",
	  "  FILE|-              the pasted text; '-' reads standard input\n"
	  "  -o, --output DIR    the tree to write (then: --root DIR groups, doctor)\n" },
	{ "sriov", cmd_sriov,
	  "SR-IOV functions, their VFs, groups and guests; a persistent VF count",
	  "  [ADDR]              the physical function (default: list every one)\n"
	  "  plan|apply          plan shows the change; apply writes (root only)\n"
	  "      --vfs N         the VF count to set at boot (0 removes the setting)\n" },
	{ "usb", cmd_usb,
	  "USB devices under their controller and IOMMU group: pass a device or the controller",
	  "  (no options)        every device with its usbN value and the controller advice\n"
	  "  map NAME DEV plan|apply  a usb.cfg cluster mapping of DEV (VID:PID or bus-port)\n"
	  "                      for this node; use it with vm plan --usb mapping=NAME\n" },
	{ "guest", cmd_guest,
	  "inside a VM: does the passed GPU work, and what to fix on the host",
	  "  check               a Linux guest (here, or its /sys and /proc with --root):\n"
	  "                      GPU visible, driver, open module, hypervisor bit, BARs, NUMA\n"
	  "  script --windows    a PowerShell probe; 'vfio-pilot explain' reads its output\n" },
};

const struct vp_cmd *vp_cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static const char global_help[] =
	"Global options (before or after the command):\n"
	"      --root DIR      read the host below DIR instead of / (a snapshot or fixture)\n"
	"      --json          machine-readable output (schema: docs/json.md)\n"
	"      --ids FILE      PCI names from FILE instead of the system pci.ids\n"
	"  -v, --verbose       more detail; twice for debug messages\n"
	"  -h, --help          this help\n"
	"      --version       the version\n";

static const char exit_help[] =
	"Exit status:\n"
	"   0  done\n"
	"   1  done; the verdict has warnings (explain: nothing recognised)\n"
	"   2  done; the verdict is \"not ready\"\n"
	"   3  done; the host has no IOMMU groups\n"
	"   4  done; doctor: applied, changes wait for a reboot\n"
	"  64  bad command line or argument\n"
	"  65  host data that cannot be parsed with certainty\n"
	"  66  root, device or file not found\n"
	"  70  internal error\n"
	"  74  I/O or permission error while reading\n"
	"  75  nothing written, try again: a file changed since the plan (or since\n"
	"      that apply, for undo), or another apply or undo holds the lock\n"
	"  77  the command needs root; nothing was written\n";

void vp_cmd_help(const struct vp_cmd *cmd)
{
	const char *ex = vp_cmd_example(cmd->name);

	printf("Usage: vfio-pilot [GLOBAL OPTIONS] %s [OPTIONS]\n\n%s.\n\n%s\n",
	       cmd->name, cmd->summary, cmd->usage);
	if (ex) {
		fputs(ex[0] && strchr(ex, '\n') ? "Examples:\n" : "Example:\n", stdout);
		for (const char *p = ex; *p;) {
			size_t n = strcspn(p, "\n");

			printf("  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
		putchar('\n');
	}
	printf("%s\n%s", global_help, exit_help);
}

static void help(void)
{
	printf("Usage: vfio-pilot [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
	       "Read-only unless a command says otherwise. Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\n%s\n%s\n'vfio-pilot COMMAND --help' shows a command's options.\n",
	       global_help, exit_help);
}

int main(int argc, char **argv)
{
	struct vp_global g = { 0 };
	const struct vp_cmd *cmd = NULL;
	int i;

	/* Global options may come first; the command is the first operand. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (streq(a, "--version")) {
			printf("vfio-pilot %s\n", VP_VERSION);
			return VP_EXIT_OK;
		}
		if (streq(a, "--root") || streq(a, "--ids")) {
			i++;
			continue;
		}
		if (a[0] == '-')
			continue;
		cmd = vp_cmd_find(a);
		if (!cmd) {
			/* "group", "doc": the command the operator most likely meant. */
			for (size_t k = 0; k < ARRAY_SIZE(commands) && a[0]; k++)
				if (strncmp(commands[k].name, a, strlen(a)) == 0 ||
				    strncmp(commands[k].name, a,
					    strlen(commands[k].name)) == 0) {
					vp_err("unknown command '%s'; did you mean 'vfio-pilot %s'?",
					       a, commands[k].name);
					return VP_EXIT_USAGE;
				}
			vp_err("unknown command '%s'; 'vfio-pilot --help' lists them", a);
			return VP_EXIT_USAGE;
		}
		break;
	}
	if (!cmd) {
		for (int j = 1; j < argc; j++) {
			if (streq(argv[j], "-h") || streq(argv[j], "--help")) {
				help();
				return VP_EXIT_OK;
			}
		}
		vp_err("no command given; 'vfio-pilot --help' lists them");
		return VP_EXIT_USAGE;
	}
	/* Hand the command an argv without its name: globals and its own options mix. */
	{
		_cleanup_free_ char **av = calloc((size_t)argc, sizeof(*av));
		int n = 0;

		if (!av)
			return VP_EXIT_SOFTWARE;
		for (int j = 0; j < argc; j++)
			if (j != i)
				av[n++] = argv[j];
		g.cmd = cmd->name;
		return cmd->run(&g, n, av);
	}
}
