// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Failure signatures and symptoms as data, and the small matcher explain
 * runs them with (the pattern language is described in signatures.h).
 *
 * Every row cites public sources an operator can read: the kernel, QEMU,
 * qemu-server or pve-common source file that prints or explains the message,
 * vendor documentation, or the public issues where it was reported and
 * resolved. Hypervisor hiding matters for NVIDIA only with drivers older than
 * R465, Intel Arc needs it including -hypervisor, and the open kernel module
 * is needed by Blackwell and Hopper, not Ada. .kb_row keeps the project's own
 * cross-reference; it is never printed.
 *
 * Conventions:
 *  - .example is a real line: verbatim from a public report where one is at
 *    hand (tests/realworld/ holds many), else the message as its source
 *    prints it, its placeholders filled with the device of the cited
 *    occurrence or 0000:01:00.0. tests/unit/test-signatures.c checks
 *    that every row matches its own example.
 *  - Patterns stop before text that varies between kernel versions or is
 *    often re-spaced when pasted (the double spaces in kernel messages).
 *  - Rows that share a message (Code 43) differ by .vendor; explain shows
 *    each, and with --root names the host's display devices of that vendor.
 */
#include <ctype.h>
#include <errno.h>

#include "kb/signatures.h"
#include "util.h"

// clang-format off
#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- sources ---------------------------------------------------------------------- */

/* ---- shared fix texts -------------------------------------------------------------- */
#define FIX_NO_IOMMU "Enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware. Intel kernels before 6.8 also need intel_iommu=on (Proxmox kernels enable it by default from 6.8). amd_iommu=on is not a documented value: AMD needs only the firmware switch (iommu=pt is optional)."
#define FIX_HIDE_ARC "Hide both the KVM signature and the CPUID hypervisor bit: args: -cpu host,kvm=off,-hypervisor (Proxmox adds hv_vendor_id=proxmox with x-vga=1). kvm=off alone is not enough."

/*
 * Rows of one shape, by design: each row is data with its own source, so
 * `duplicates` reports neighbouring rows as same-shape runs. Folding them
 * into a macro or a loop would hide the citation each row carries.
 */
static const struct vp_sig sigs[] = {
	/* ---- reset ---- */
	{
		.id = "reset-no-mechanism",
		.title = "QEMU cannot reset the device: it has no reset method",
		.patterns = P("vfio: Cannot reset device %bdf, no available reset mechanism."),
		.where = VP_SIG_QEMU | VP_SIG_PVE,
		.severity = VP_SIG_WARNING,
		.kb_row = 1,
		.cause = "The function has no FLR, PM, bus or device-specific reset (typical of chipset audio 00:1f.3, USB 00:14.0 and iGPU audio). QEMU goes on without resetting it.",
		.fix = "Usually harmless. Pass all functions of the device together, and do not rely on a reset between VM runs: if the device misbehaves on the second start, restart the host.",
		.example = "vfio: Cannot reset device 0000:00:1f.3, no available reset mechanism.",
		.source = "https://github.com/gangqizai/igd/issues/17; https://github.com/ryanprescott/realtek-verb-tools/issues/2; https://github.com/ra1nstorm/ra1nstorm-helper/issues/103",
	},
	{
		.id = "reset-group-not-owned",
		.title = "QEMU cannot reset the device: the reset would hit a group the VM does not own",
		.patterns = P("vfio: Cannot reset device %bdf, depends on group %group which is not owned."),
		.where = VP_SIG_QEMU | VP_SIG_PVE,
		.severity = VP_SIG_WARNING,
		.kb_row = 2,
		.cause = "Only a bus or slot reset is left for the function, and it would also reset the devices of another IOMMU group that this VM does not have (an iGPU's audio or ACP function passed without the iGPU).",
		.fix = "Pass every function of the device to the same VM (the iGPU together with its audio functions), or accept that this function is not reset between VM runs.",
		.example = "qemu-system-x86_64: vfio: Cannot reset device 0000:33:00.6, depends on group 16 which is not owned.",
		.source = "https://github.com/tomsom/yoga-linux/issues/3",
	},
	{
		.id = "sysfs-reset-enotty",
		.title = "Proxmox could not reset the device: the kernel has no reset for it",
		.patterns = P("error writing '1' to '%*%bdf/reset': Inappropriate ioctl for device",
			      "failed to reset PCI device '%bdf', but trying to continue as not all devices need a reset"),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_WARNING,
		.kb_row = 3,
		.cause = "Writing 1 to the device's sysfs reset file failed with ENOTTY: no FLR, PM, bus or device-specific reset works on it. Expected on AMD APU iGPUs; also seen with NVIDIA Blackwell (RTX PRO 4000, PVE 9.1.5). Proxmox only warns and starts the VM, which then often fails or shows nothing.",
		.fix = "AMD APU iGPU: give the VM the vBIOS romfile and AMDGopDriver.rom, and expect one VM start per host boot (community vendor-reset forks exist for some APUs). NVIDIA Blackwell: no kernel fix as of 6.18; bind vfio-pci at boot, set vfio-pci disable_idle_d3=1 and power-cycle the host after a failed stop. The device's reset_method file lists what the kernel can do.",
		.example = "error writing '1' to '/sys/bus/pci/devices/0000:c6:00.0/reset': Inappropriate ioctl for device",
		.source = "https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/89; qemu-server commit 458b487b (a failed reset only warns, qemu-server 8.2.6)",
	},
	{
		.id = "qemu-irq-assert",
		.title = "QEMU aborted in pci_irq_handler: the device's config space is unreadable",
		.patterns = P("pci_irq_handler: Assertion %*PCI_NUM_PINS' failed"),
		.where = VP_SIG_QEMU | VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 4,
		.cause = "QEMU read all ones as the device's interrupt pin: the device no longer answers, typically after a failed reset (an AMD GPU without a working vendor-reset, NVIDIA Blackwell).",
		.fix = "Make the reset work (AMD Polaris, Vega, Navi 1x: vendor-reset loaded early and reset_method set to device_specific), power-cycle the host, and check the device answers: lspci -vvv must not show '!!! Unknown header type 7f' or rev ff.",
		.example = "kvm: ../hw/pci/pci.c:1487: pci_irq_handler: Assertion `0 <= irq_num && irq_num < PCI_NUM_PINS' failed.",
		.source = "https://github.com/gnif/vendor-reset/issues/46",
	},
	{
		.id = "reset-method-unsupported",
		.title = "The kernel refused a reset method written to reset_method",
		.patterns = P("%bdf: Unsupported reset method '", "Unsupported reset method '"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 26,
		.cause = "A write to the device's reset_method named a method the device does not have or the kernel did not probe. For device_specific: vendor-reset's hook is not active.",
		.fix = "Load vendor-reset early (list it in /etc/modules), then write device_specific to reset_method (kernel 5.15+, e.g. from a udev rule); otherwise write only methods that reset_method lists.",
		.example = "[  689.396614] vfio-pci 0000:0f:00.0: Unsupported reset method 'device_specific'",
		.source = "https://github.com/gnif/vendor-reset/issues/46",
	},
	{
		.id = "lspci-device-dead",
		.title = "lspci reads all ones from the device: it does not answer",
		.patterns = P("!!! Unknown header type 7f", "%bdf %*(rev ff)"),
		.where = VP_SIG_LSPCI,
		.severity = VP_SIG_ERROR,
		.kb_row = 4,
		.cause = "Config space reads return 0xff: the device is gone from the bus, after a failed reset, stuck in D3cold or dropped off the link.",
		.fix = "Power-cycle the host (a warm reboot may not be enough), then fix what left it there: the reset (vendor-reset with device_specific for AMD) or D3cold (vfio-pci disable_idle_d3=1).",
		.example = "!!! Unknown header type 7f",
		.source = "https://github.com/gnif/vendor-reset/issues/46",
	},

	/* ---- Proxmox task log ---- */
	{
		.id = "qemu-exited",
		.title = "Proxmox: the VM did not start because QEMU exited",
		.patterns = P("TASK ERROR: start failed: QEMU exited with code %n"),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 5,
		.cause = "Generic: QEMU stopped while the VM was starting. The reason is in the lines before it (the kvm: messages), not in this one.",
		.fix = "Read the lines above it in the task log, or run qm start VMID in a shell to see QEMU's own messages; the other signatures found in the same log name the cause.",
		.example = "TASK ERROR: start failed: QEMU exited with code 1",
		.source = "https://github.com/strongtz/i915-sriov-dkms/issues/342; https://github.com/gnif/vendor-reset/issues/46",
	},
	{
		.id = "pve-no-pci-device-info",
		.title = "Proxmox: the configured PCI device is not on the host",
		.patterns = P("TASK ERROR: no pci device info for device '%bdf'"),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 5,
		.cause = "The hostpci entry names an address the host does not have: typically an SR-IOV virtual function that vanished because the VFs were not created again after boot or after the PF driver was reloaded.",
		.fix = "Create the VFs (sriov_numvfs) at boot before the VM starts, or correct the hostpci address.",
		.example = "TASK ERROR: no pci device info for device '0000:00:02.1'",
		.source = "https://github.com/strongtz/i915-sriov-dkms/issues/342",
	},
	{
		.id = "pve-bind-failed",
		.title = "Proxmox could not bind a device of the group to vfio-pci",
		.patterns = P("Cannot bind %bdf to vfio"),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 0,
		.cause = "At VM start Proxmox binds every endpoint of the device's IOMMU group to vfio-pci (bridges excepted); one of them did not bind.",
		.fix = "Find the member that kept its host driver (lspci -nnk), keep that driver off it (softdep or blacklist, or vfio-pci ids= at boot), and check that vfio-pci can be loaded.",
		.example = "Cannot bind 0000:01:00.0 to vfio",
		.source = "pve-common src/PVE/SysFSTools.pm (pci_dev_group_bind_to_vfio)",
	},
	{
		.id = "hookscript-pre-start-failed",
		.title = "Proxmox: the VM's hookscript failed in pre-start",
		.patterns = P("hookscript error for %n on pre-start: "),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 0,
		.cause = "The hookscript exited non-zero in its pre-start phase, and Proxmox aborts the start (other phases only warn).",
		.fix = "Run the script by hand with the VM id and pre-start, make it exit 0, and check it still exists and is executable (restores lose it).",
		.example = "hookscript error for 103 on pre-start: ...",
		.source = "pve-common src/PVE/GuestHelpers.pm (exec_hookscript: a failing pre-start hook aborts the start)",
	},

	/* ---- IOMMU groups and VFIO ---- */
	{
		.id = "group-not-viable",
		.title = "vfio: the IOMMU group is not viable",
		.patterns = P("vfio %bdf: group %group is not viable",
			      "Please ensure all devices within the iommu_group are bound to their vfio bus"),
		.where = VP_SIG_QEMU | VP_SIG_LIBVIRT | VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 6,
		.cause = "Another endpoint of the same IOMMU group is bound to a host driver: VFIO hands a group to a VM only when every endpoint in it is on vfio-pci or unbound.",
		.fix = "Bind every endpoint of the group to vfio-pci (bridges and ports excepted), including the GPU's HDMI audio and USB-C functions. If unrelated devices share the group, move the card to a CPU-attached slot; pcie_acs_override (Proxmox kernel) splits the group only by removing the isolation between them.",
		.example = "error: internal error: qemu unexpectedly closed the monitor: 2022-07-02T19:41:18.784519Z qemu-system-x86_64: -device {\"driver\":\"vfio-pci\",\"host\":\"0000:09:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.1\",\"addr\":\"0x0\",\"romfile\":\"/usr/share/vgabios/gpu.rom\"}: vfio 0000:09:00.0: group 2 is not viable",
		.source = "https://github.com/foxlet/vmra1n/issues/4; https://github.com/BigAnteater/KVM-GPU-Passthrough/issues/19; https://github.com/64kramsystem/vga-passthrough/issues/15; https://github.com/pcengines/apu2-documentation/issues/236; https://github.com/NVIDIA/kubevirt-gpu-device-plugin/issues/27; https://github.com/NVIDIA/kubevirt-gpu-device-plugin/issues/50",
	},
	{
		.id = "group-multiple-address-spaces",
		.title = "vfio: one IOMMU group used by different VMs",
		.patterns = P("vfio %bdf: group %group used in multiple address spaces"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_ERROR,
		.kb_row = 23,
		.cause = "Functions of one IOMMU group were given to different VMs or address spaces.",
		.fix = "Give the whole group to the same VM.",
		.example = "vfio 0000:01:00.1: group 1 used in multiple address spaces",
		.source = "https://github.com/kata-containers/kata-containers/issues/10622",
	},
	{
		.id = "container-iommu-failed",
		.title = "vfio: the group could not be attached to an IOMMU container",
		.patterns = P("vfio %bdf: failed to setup container for group %group: Failed to set iommu for container",
			      "failed to setup container for group %group: Failed to set iommu for container"),
		.where = VP_SIG_QEMU | VP_SIG_LIBVIRT | VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 7,
		.cause = "The VFIO type1 IOMMU attach failed. With Input/output error the IOMMU is not really on (or, for a GVT-g mdev, not active for its parent); with Operation not permitted there is no interrupt remapping or an RMRR covers the device.",
		.fix = FIX_NO_IOMMU " For Operation not permitted look in the kernel log for no-interrupt-remapping and rmrr-ineligible.",
		.example = "vfio 34658867-146a-4656-9fa5-890fdbc37010: failed to setup container for group 11: Failed to set iommu for container: Input/output error",
		.source = "https://github.com/intel/gvt-linux/issues/171",
	},
	{
		.id = "vfio-group-missing",
		.title = "vfio: the device has no VFIO group",
		.patterns = P("vfio %bdf: failed to open /dev/vfio/%group: No such file or directory",
			      "vfio %bdf: no iommu_group found: No such file or directory"),
		.where = VP_SIG_QEMU | VP_SIG_LIBVIRT,
		.severity = VP_SIG_ERROR,
		.kb_row = 19,
		.cause = "There is no VFIO group node for the device: vfio-pci is not loaded or not bound to it, or the IOMMU is off so no groups exist.",
		.fix = "Load vfio-pci and bind the device to it (Proxmox binds at VM start when groups exist); enable the IOMMU in the firmware and, where needed, on the kernel command line.",
		.example = "vfio 0000:01:00.0: no iommu_group found: No such file or directory",
		.source = "https://github.com/foxlet/macOS-Simple-KVM/issues/12; https://github.com/foxlet/macOS-Simple-KVM/issues/159; https://github.com/foxlet/macOS-Simple-KVM/issues/497; https://github.com/foxlet/macOS-Simple-KVM/issues/143; https://github.com/foxlet/macOS-Simple-KVM/issues/579; https://github.com/foxlet/vmra1n/issues/17",
	},
	{
		.id = "device-busy",
		.title = "The device's BAR or VFIO group is already in use",
		.patterns = P("Could not mmap sparse area%*Device or resource busy",
			      "failed to open /dev/vfio/%group: Device or resource busy",
			      "[Errno 16] Device or resource busy"),
		.where = VP_SIG_QEMU | VP_SIG_LIBVIRT,
		.severity = VP_SIG_ERROR,
		.kb_row = 18,
		.cause = "Something holds the device: a host framebuffer on a single-GPU host, or another VM or process has /dev/vfio/N open.",
		.fix = "Free the framebuffer (see bar-cannot-reserve), stop the other VM, and give each IOMMU group to one VM only.",
		.example = "Could not mmap sparse area ... Device or resource busy (os error 16)",
		.source = "https://github.com/cloud-hypervisor/cloud-hypervisor/issues/4353; https://github.com/VoltCyclone/PCILeechFWGenerator/issues/79",
	},
	/* ---- pinning guest memory ---- */
	{
		.id = "vfio-dma-map-enomem",
		.title = "QEMU could not map the guest RAM for the device's DMA (out of memory)",
		.patterns = P("VFIO_MAP_DMA failed: Cannot allocate memory",
			      "vfio_dma_map(%*) = -12 (Cannot allocate memory)",
			      "vfio_container_dma_map(%*) = -12 (Cannot allocate memory)"),
		.where = VP_SIG_QEMU | VP_SIG_LIBVIRT | VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.cause = "With a passed-through device the whole guest RAM is pinned for DMA. The kernel refused with ENOMEM: the QEMU process's locked-memory limit (RLIMIT_MEMLOCK, set by libvirt, KubeVirt or the service) is below the guest RAM, or the host or the process's cgroup has not that much memory free. The kernel log then often says RLIMIT_MEMLOCK exceeded.",
		.fix = "Give the VM's memory fully to it: no memory overcommit or ballooning for VMs with passthrough (KubeVirt/Harvester: memory request equal to the limit, overcommit 100%), a memlock limit of at least guest RAM (libvirt sets it from <memtune><hard_limit> or when it runs QEMU as root), or less guest RAM; hugepages reduce the overhead. Check the host has the guest RAM free.",
		.example = "2022-11-10T09:16:07.938799Z qemu-system-x86_64: -device vfio-pci,host=0000:af:00.0,id=ua-hostdevice-00011,bus=pci.6,addr=0x0: VFIO_MAP_DMA failed: Cannot allocate memory",
		.source = "QEMU hw/vfio/container.c (VFIO_MAP_DMA failed, vfio_container_dma_map); https://github.com/harvester/harvester/issues/3135 (fixed by harvester/harvester pull 3449, overcommit 100%)",
	},
	{
		.id = "vfio-memlock-exceeded",
		.title = "The kernel refused to pin more guest memory: RLIMIT_MEMLOCK exceeded",
		.patterns = P("vfio_pin_pages_remote: RLIMIT_MEMLOCK (%n) exceeded",
			      "vfio_pin_page_external: Task %w (%n) RLIMIT_MEMLOCK (%n) exceeded"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.cause = "VFIO type1 pins the guest RAM the device may DMA to and counts it against the QEMU process's locked-memory limit, whose value in bytes the message shows. The limit is smaller than the guest RAM (a GVT-g vGPU pins guest pages as it runs), so mapping fails with ENOMEM and the VM does not start or the vGPU fails.",
		.fix = "Raise the locked-memory limit of the process that runs QEMU to at least the guest RAM: libvirt sets it when it runs QEMU as root or from <memtune><hard_limit>; for QEMU run by hand or as a user, LimitMEMLOCK= in its systemd unit or memlock in /etc/security/limits.d; KubeVirt: memory request equal to the limit. Hugepages reduce the count.",
		.example = "[  365.159219] vfio_pin_pages_remote: RLIMIT_MEMLOCK (4194304) exceeded",
		.source = "Linux drivers/vfio/vfio_iommu_type1.c (vfio_pin_pages_remote); https://github.com/cloud-hypervisor/cloud-hypervisor/issues/165; https://github.com/intel/gvt-linux/issues/69; https://github.com/kubevirt/kubevirt/issues/8472",
	},
	{
		.id = "libvirt-memlock-denied",
		.title = "libvirt could not raise QEMU's locked-memory limit",
		.patterns = P("cannot limit locked memory of process %n to %n: Operation not permitted",
			      "cannot limit locked memory to %n: Operation not permitted"),
		.where = VP_SIG_LIBVIRT,
		.severity = VP_SIG_ERROR,
		.cause = "For a VM with a passed-through device libvirt raises QEMU's RLIMIT_MEMLOCK to the guest RAM plus overhead (times the number of devices with a vIOMMU), and the kernel refused (EPERM): libvirt runs without CAP_SYS_RESOURCE (session mode, KubeVirt non-root) and the limit it inherited is lower, e.g. because memory overcommit makes the VM's guest memory larger than what the limit was computed from.",
		.fix = "Let the limit be raised: run the libvirt daemon with a memlock limit at least the guest RAM (systemd LimitMEMLOCK=, a MemoryLock setting of the user slice), or as root. KubeVirt/Harvester: no memory overcommit for VMs with passthrough, and a KubeVirt release whose virt-handler sets the memlock limit for VFIO VMs.",
		.example = "57m         Warning   SyncFailed              virtualmachineinstance/vm-g049nxgn    server error. command SyncVMI failed: \"LibvirtError(Code=1, Domain=10, Message='internal error: Process exited prior to exec: libvirt:  error : cannot limit locked memory of process 84 to 9074376704: Operation not permitted')\"",
		.source = "libvirt src/util/virprocess.c (virProcessSetMaxMemLock); https://github.com/kubevirt/kubevirt/issues/10379; https://github.com/kubevirt/kubevirt/issues/12433",
	},
	{
		.id = "vfio-probe-einval",
		.title = "vfio-pci refused the device (error -22)",
		.patterns = P("%bdf: probe with driver vfio-pci failed with error -22",
			      "vfio-pci: probe of %bdf failed with error -22"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 22,
		.cause = "vfio-pci takes only devices in an IOMMU group: this one has none, because the IOMMU is off or the platform has none for PCIe (Raspberry Pi), or its header type is not supported.",
		.fix = FIX_NO_IOMMU " A platform without an IOMMU cannot pass the device.",
		.example = "[   26.895721] vfio-pci 0001:01:00.0: probe with driver vfio-pci failed with error -22",
		.source = "https://github.com/geerlingguy/raspberry-pi-pcie-devices/issues/754",
	},
	{
		.id = "x-vga-unsupported",
		.title = "vfio: the device does not support x-vga",
		.patterns = P("vfio: Device does not support requested feature x-vga",
			      "device does not support requested feature x-vga"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_ERROR,
		.kb_row = 24,
		.cause = "x-vga=on was asked for a device without VGA ranges, or vfio-pci was built without VGA support.",
		.fix = "Drop x-vga: OVMF (UEFI) guests do not need it, and Proxmox adds x-vga=on only for SeaBIOS guests.",
		.example = "vfio: Device does not support requested feature x-vga",
		.source = "qemu-server PVE/QemuServer/PCI.pm (x-vga only without OVMF)",
	},

	/* ---- IOMMU off ---- */
	{
		.id = "libvirt-no-iommu",
		.title = "libvirt: the host has no IOMMU for passthrough",
		.patterns = P("host doesn't support passthrough of host PCI devices"),
		.where = VP_SIG_LIBVIRT,
		.severity = VP_SIG_ERROR,
		.kb_row = 20,
		.cause = "No IOMMU is active: VT-d or AMD-Vi is off in the firmware, or the kernel was given the wrong vendor's parameter (amd_iommu=on on an Intel host).",
		.fix = FIX_NO_IOMMU,
		.example = "unsupported configuration: host doesn't support passthrough of host PCI devices",
		.source = "https://github.com/BigAnteater/KVM-GPU-Passthrough/issues/19; https://github.com/NVIDIA/deepops/issues/291; https://github.com/NVIDIA/deepops/issues/515; https://github.com/openshift/sriov-network-operator/issues/498",
	},
	{
		.id = "pve-no-iommu",
		.title = "Proxmox: no IOMMU found",
		.patterns = P("No IOMMU detected, please activate it.",
			      "cannot prepare PCI pass-through, IOMMU not present"),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.kb_row = 21,
		.cause = "Proxmox finds no IOMMU (no entry in the kernel's iommu class, so no groups): it is off in the firmware or on the command line, or the platform has none.",
		.fix = FIX_NO_IOMMU,
		.example = "No IOMMU detected, please activate it.See Documentation for further information.",
		.source = "https://github.com/jiangcuo/pxvirt/issues/127; pve-common src/PVE/SysFSTools.pm (check_iommu_support)",
	},
	{
		.id = "no-interrupt-remapping",
		.title = "VFIO refuses the IOMMU: no interrupt remapping",
		.patterns = P("No interrupt remapping support."),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 8,
		.cause = "The IOMMU has no interrupt remapping (an old chipset, remapping off in the firmware, or intremap=off), so vfio_iommu_type1 refuses to attach and QEMU gets Operation not permitted.",
		.fix = "Enable interrupt remapping / x2APIC in the firmware and remove intremap=off. Last resort: options vfio_iommu_type1 allow_unsafe_interrupts=1, which lets a guest forge interrupts (a security risk).",
		.example = "vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform",
		.source = "https://github.com/gangqizai/igd/issues/17; https://github.com/tiiuae/ghaf/issues/103; Linux drivers/vfio/vfio_iommu_type1.c",
	},
	{
		.id = "rmrr-ineligible",
		.title = "Intel VT-d refuses the device: a firmware RMRR covers it",
		.patterns = P("%bdf: DMAR: Device is ineligible for IOMMU domain attach due to platform RMRR requirement.",
			      "Device is ineligible for IOMMU domain attach due to platform RMRR requirement."),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 9,
		.cause = "The firmware reserves memory for the device (an RMRR, e.g. HP ProLiant shared memory for iLO), and Intel VT-d will not give such a device to a VM.",
		.fix = "In the firmware, turn off the shared-memory feature for that slot (HP), or use another slot; or run a kernel with the relax-intel-rmrr patch (it logs 'assuming all RMRRs are relaxable').",
		.example = "Jan 09 10:03:12.035211 hp-129-tink-system kernel: vfio-pci 0000:04:00.1: DMAR: Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  Contact your platform vendor.",
		.source = "https://github.com/harvester/harvester/issues/7340; https://github.com/kiler129/relax-intel-rmrr/issues/16",
	},
	{
		.id = "rmrr-relaxed",
		.title = "The kernel treats every RMRR as relaxable (relax-intel-rmrr patch)",
		.patterns = P("Intel-IOMMU: assuming all RMRRs are relaxable"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_WARNING,
		.kb_row = 9,
		.cause = "The kernel carries the out-of-tree relax-intel-rmrr patch: devices under an RMRR can be passed, while the firmware may still use that memory.",
		.fix = "Nothing to change for passthrough; the kernel itself warns this can cause instability.",
		.example = "[    0.050195] DMAR: Intel-IOMMU: assuming all RMRRs are relaxable. This can lead to instability or data loss",
		.source = "https://github.com/harvester/harvester/issues/7340; https://github.com/kiler129/relax-intel-rmrr/issues/16",
	},
	{
		.id = "firmware-identity-map",
		.title = "The firmware demands a 1:1 IOMMU mapping for the device",
		.patterns = P("Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping."),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 27,
		.cause = "An RMRR or IVMD entry requires an identity mapping for the device (HPE ProLiant), so it cannot be given to a VM.",
		.fix = "Change the firmware settings for that slot, or use a different slot.",
		.example = "Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.",
		.source = "https://github.com/AltraMayor/gatekeeper/issues/718",
	},

	/* ---- DMA faults ---- */
	{
		.id = "dmar-fault",
		.title = "Intel VT-d blocked DMA from the device (DMAR fault)",
		.patterns = P("DMAR: [DMA Read%*] Request device [%bdf]%*PTE Read access is not set",
			      "DMAR: DRHD: handling fault status reg",
			      "dmar_fault: %n callbacks suppressed"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 10,
		.cause = "The device read memory its IOMMU domain does not map: an Intel iGPU still using stolen memory or its GTT after a guest reboot or a driver change, wrong reserved regions, or a driver unbound in flight. A storm of them ('callbacks suppressed') comes with failed guest reboots.",
		.fix = "Intel iGPU: use the settings its mode needs (legacy IGD assignment, or SR-IOV VFs with a matching i915-sriov-dkms) and update the firmware; intel_iommu=igfx_off only when the iGPU stays with the host. A discrete GPU: usually its guest driver.",
		.example = "[   46.010697] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x4f600000 [fault reason 0x06] PTE Read access is not set",
		.source = "https://github.com/strongtz/i915-sriov-dkms/issues/286; https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/patmagauran/i915ovmfPkg/issues/23; https://github.com/thesofproject/sof-test/issues/744",
	},
	{
		.id = "amd-vi-io-page-fault",
		.title = "The AMD IOMMU blocked DMA from the device (IO_PAGE_FAULT)",
		.patterns = P("%bdf: AMD-Vi: Event logged [IO_PAGE_FAULT", "AMD-Vi: Event logged [IO_PAGE_FAULT"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 11,
		.cause = "The AMD counterpart of a DMAR fault: the device did DMA to an address its domain does not map (a driver or firmware bug, or a device left running across a reset).",
		.fix = "Update the firmware, try iommu=pt, and look at the driver of that device in the guest or on the host.",
		.example = "AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x… address=0x… flags=0x…]",
		.source = "https://github.com/Dasharo/dasharo-issues/issues/1134",
	},
	{
		.id = "amd-vi-completion-wait",
		.title = "The AMD IOMMU's command queue is stuck",
		.patterns = P("AMD-Vi: Completion-Wait loop timed out", "AMD-Vi: Event logged [IOTLB_INV_TIMEOUT"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 12,
		.cause = "A device does not answer the IOMMU's invalidations, usually a GPU that failed its reset or fell off the bus. The host may hang.",
		.fix = "Fix the GPU's reset (Vega 10 on new kernels needs vendor-reset PR #109), try iommu=pt or turning ATS off, update the firmware.",
		.example = "AMD-Vi: Completion-Wait loop timed out",
		.source = "https://github.com/gnif/vendor-reset/issues/81; https://github.com/endlessm/linux/issues/460",
	},

	/* ---- power states ---- */
	{
		.id = "device-not-ready",
		.title = "The device did not come back from D3cold or FLR",
		.patterns = P("%bdf: not ready %nms after resume;",
			      "%bdf: not ready %nms after FLR;",
			      "%bdf: Unable to change power state from D3cold to D0, device inaccessible"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 14,
		.cause = "The device was powered down (D3cold) or reset by FLR and never became ready again: it is inaccessible, and every driver, VFIO included, fails on it.",
		.fix = "Keep passthrough devices out of D3cold: options vfio-pci disable_idle_d3=1 (then update the initramfs and reboot); keep host drivers off the device; for an Intel HD 630 freezing after FLR (GVT-d) a community no-FLR quirk for 8086:5912 exists. Remove and rescan the device or reboot to recover.",
		.example = "[   87.412701] nvidia 0000:01:00.0: not ready 65535ms after resume; giving up",
		.source = "https://github.com/bryansteiner/gpu-passthrough-tutorial/issues/39; https://github.com/patmagauran/i915ovmfPkg/issues/23",
	},
	{
		.id = "vfio-stuck-d3",
		.title = "QEMU could not power on the device: stuck in D3",
		.patterns = P("vfio: Unable to power on device, stuck in D3"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_ERROR,
		.kb_row = 15,
		.cause = "The D3cold problem seen from QEMU: the device does not wake (reported for the RX 9070 XT; Navi 4x and Blackwell are prone to it).",
		.fix = "options vfio-pci disable_idle_d3=1, update the initramfs, reboot.",
		.example = "vfio: Unable to power on device, stuck in D3",
		.source = "https://github.com/mroboff/vm-curator/pull/63",
	},
	{
		.id = "nvrm-rminitadapter",
		.title = "NVIDIA's driver could not initialise the GPU (RmInitAdapter failed)",
		.patterns = P("NVRM: GPU %bdf: RmInitAdapter failed!",
			      "NVRM: GPU %bdf: rm_init_adapter failed",
			      "RmInitAdapter failed!"),
		.where = VP_SIG_DMESG | VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.kb_row = 13,
		.cause = "On the host: the GPU was asleep or gone after an unbind (see device-not-ready), or the host's nvidia driver took a GPU meant for passthrough. In a guest: a failed reset left the card in a bad state, or a Blackwell or Hopper GPU runs NVIDIA's proprietary kernel module, which does not drive them (0x22:0x56:1017).",
		.fix = "Host: keep nvidia off the passthrough GPU (bind vfio-pci at boot), set vfio-pci disable_idle_d3=1, remove and rescan the device or reboot. Guest with Blackwell or Hopper: install NVIDIA's open kernel module (the -open driver package); Ada does not need it.",
		.example = "[   87.473074] NVRM: GPU 0000:01:00.0: RmInitAdapter failed! (0x22:0x56:667)",
		.source = "https://github.com/bryansteiner/gpu-passthrough-tutorial/issues/39",
	},
	{
		.id = "gpu-fallen-off-bus",
		.title = "The GPU fell off the bus",
		.patterns = P("GPU has fallen off the bus", "xen_pt_check_bar_overlap"),
		.where = VP_SIG_DMESG | VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.kb_row = 33,
		.cause = "The device dropped off PCIe (NVIDIA Xid 79): power, a failed reset or the link.",
		.fix = "Check power and the PSU, turn ASPM off (pcie_aspm=off), update the firmware, and fix the reset.",
		.example = "GPU has fallen off the bus",
		.source = "https://github.com/QubesOS/qubes-issues/issues/8783",
	},

	/* ---- host framebuffer and ROM ---- */
	{
		.id = "bar-cannot-reserve",
		.title = "vfio-pci cannot claim the GPU's BAR: a host framebuffer holds it",
		.patterns = P("%bdf: BAR %n: can't reserve ["),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.kb_row = 16,
		.cause = "A host framebuffer (efifb, simplefb, simpledrm, BOOTFB) still owns part of the GPU's memory: the GPU is the host's boot display.",
		.fix = "Boot the host on another GPU, or add initcall_blacklist=sysfb_init to the kernel command line (older kernels: video=efifb:off video=vesafb:off); with simpledrm built into 6.x kernels even that may not be enough.",
		.example = "vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0x…-0x… 64bit pref]",
		.source = "https://github.com/siderolabs/talos/issues/14356; https://github.com/cosminmocan/vfio-single-amdgpu-passthrough/issues/3",
	},
	{
		.id = "bar-assigned-efifb",
		.title = "The GPU is the firmware's boot display (efifb took its BAR)",
		.patterns = P("%bdf: BAR %n: assigned to efifb"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_WARNING,
		.kb_row = 17,
		.cause = "The firmware made this GPU the boot display and efifb uses its BAR, so vfio-pci will meet bar-cannot-reserve unless the framebuffer lets go.",
		.fix = "Choose another primary GPU in the firmware, or apply the framebuffer fix of bar-cannot-reserve.",
		.example = "pci 0000:01:00.0: BAR 0: assigned to efifb",
		.source = "https://github.com/cloud-hypervisor/cloud-hypervisor/issues/6147; https://github.com/alshdavid-labs/vfio-log",
	},
	{
		.id = "rom-bad-signature",
		.title = "A device's option ROM is unreadable",
		.patterns = P("Invalid PCI ROM header signature: expecting 0xaa55, got 0x%x"),
		.where = VP_SIG_DMESG | VP_SIG_QEMU,
		/*
		 * A warning, not an error: the kernel and QEMU print it for every
		 * device whose ROM BAR is empty, which is expected of an Intel iGPU
		 * (its VBIOS is part of the system firmware) and of most NICs. It
		 * is the cause only when the guest then has no display.
		 */
		.severity = VP_SIG_WARNING,
		.kb_row = 25,
		.cause = "The option ROM could not be read from the device. Expected and harmless for an Intel iGPU (its VBIOS is part of the system firmware) and for devices without a ROM (most NICs); the cause of a black screen when a GPU's ROM was shadowed as the boot display, for an AMD APU, or with a broken dump.",
		.fix = "Nothing while the guest shows a display. Otherwise give the VM a dumped vBIOS with romfile= (a file in /usr/share/kvm); AMD APUs need their vBIOS plus AMDGopDriver.rom.",
		.example = "Invalid PCI ROM header signature: expecting 0xaa55, got 0xffff",
		.source = "https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/tomitamoeko/VfioIgdPkg/issues/5; qemu-server PVE/QemuServer/PCI.pm (romfile); harmless: https://github.com/gangqizai/igd/issues/24, https://github.com/ColinIanKing/stress-ng/issues/255; Linux drivers/pci/rom.c (pci_get_rom_size)",
	},

	/* ---- isolation and quirks (informational) ---- */
	{
		.id = "acs-override-active",
		.title = "The ACS override is active: groups are split without isolation",
		.patterns = P("PCIe ACS overrides enabled"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_WARNING,
		.kb_row = 29,
		.cause = "The kernel's pcie_acs_override patch (carried by the Proxmox kernel) splits IOMMU groups where the hardware does not isolate the devices.",
		.fix = "Devices split this way can still reach each other by DMA, so a guest can reach devices left on the host. Prefer a slot with real isolation; keep the override only knowingly.",
		.example = "[    0.000000] Warning: PCIe ACS overrides enabled; This may allow non-IOMMU protected peer-to-peer DMA",
		.source = "the ACS override patch (\"pci: Enable overrides for missing ACS capabilities\", carried by pve-kernel, linux-zen, linux-vfio), e.g. https://github.com/truenas/linux/pull/170; Linux drivers/pci/quirks.c",
	},
	{
		.id = "intel-pch-acs-quirk",
		.title = "The kernel's ACS quirk for Intel PCH root ports is on",
		.patterns = P("Intel PCH root port ACS workaround enabled", "Intel SPT PCH root port ACS workaround enabled"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_INFO,
		.kb_row = 30,
		.cause = "The kernel treats these PCH root ports as isolating (drivers/pci/quirks.c, pci_quirk_intel_pch_acs). On 100/200-series (SPT) PCHs lspci still shows the wrong standard ACS control register.",
		.fix = "Nothing to do.",
		.example = "Intel SPT PCH root port ACS workaround enabled",
		.source = "Linux drivers/pci/quirks.c",
	},
	{
		.id = "intel-pch-acs-quirk-failed",
		.title = "The kernel could not enable its Intel PCH ACS quirk",
		.patterns = P("Failed to enable Intel PCH ACS quirk"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_WARNING,
		.kb_row = 30,
		.cause = "The PCH root ports the quirk would isolate stay without isolation, so devices behind them share IOMMU groups.",
		.fix = "Expect shared groups behind the PCH ports (vfio-pilot groups shows them); use a CPU-attached slot for the card.",
		.example = "Failed to enable Intel PCH ACS quirk",
		.source = "Linux drivers/pci/quirks.c",
	},
	{
		.id = "nvidia-hda-enabled",
		.title = "The kernel enabled the NVIDIA card's hidden HDMI audio function",
		.patterns = P("%bdf: Enabling HDA controller"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_INFO,
		.kb_row = 31,
		.cause = "The firmware hid the card's audio function and the kernel turned it on (quirk_nvidia_hda); the GPU is now multifunction.",
		.fix = "Pass the audio function with the GPU: it is in the GPU's IOMMU group.",
		.example = "pci 0000:01:00.0: Enabling HDA controller",
		.source = "https://github.com/QubesOS/qubes-issues/issues/10036",
	},
	{
		.id = "cpuid-feature-warning",
		.title = "QEMU: the host CPU lacks a requested CPUID feature",
		.patterns = P("host doesn't support requested feature: CPUID"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_INFO,
		.kb_row = 34,
		.cause = "The VM's CPU model asks for a flag the host CPU does not have; QEMU drops it.",
		.fix = "Nothing to do for passthrough.",
		.example = "host doesn't support requested feature: CPUID...",
		.source = "https://github.com/foxlet/macOS-Simple-KVM/issues/143",
	},

	/* ---- in the guest ---- */
	{
		.id = "code43-nvidia",
		.title = "Windows stopped the GPU (Code 43): NVIDIA",
		.patterns = P("(Code 43)"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.vendor = 0x10de,
		.kb_row = 28,
		.cause = "On an NVIDIA GeForce card only drivers older than R465 (April 2021) refuse to run under a hypervisor. With a current driver, Code 43 means the card did not initialise: a failed reset on the host or a card left in a bad state.",
		.fix = "Use a driver of R465 or later. Only for older drivers hide the hypervisor (cpu: host,hidden=1, or args -cpu host,kvm=off,hv_vendor_id=...; Proxmox already adds kvm=off and hv_vendor_id=proxmox with x-vga=1). With a current driver, look at the host's reset messages instead.",
		.example = "Windows has stopped this device because it has reported problems. (Code 43)",
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429; qemu-server PVE/QemuServer.pm (x-vga adds kvm=off and hv_vendor_id)",
	},
	{
		.id = "code43-intel-arc",
		.title = "Windows stopped the GPU (Code 43): Intel Arc",
		.patterns = P("(Code 43)"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.vendor = 0x8086,
		.gpu = VP_SIG_GPU_DISCRETE,
		.kb_row = 28,
		.cause = "Intel Arc's Windows driver refuses to run when it sees a hypervisor, and it checks both the KVM signature and the CPUID hypervisor bit.",
		.fix = FIX_HIDE_ARC,
		.example = "Windows has stopped this device because it has reported problems. (Code 43)",
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
	{
		.id = "code43-intel-vf",
		.title = "Windows stopped the GPU (Code 43): Intel iGPU SR-IOV VF",
		.patterns = P("(Code 43)"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.vendor = 0x8086,
		.gpu = VP_SIG_GPU_INTEGRATED,
		.kb_row = 28,
		.cause = "On a virtual function of an Intel iGPU (i915-sriov-dkms) several users report Code 43; for one of them the driver was reacting to the visible hypervisor.",
		.fix = "args: -cpu host,hv_vendor_id=... fixed it for one user (strongtz/i915-sriov-dkms#429); check that the host PF runs in SR-IOV PF mode and the VF exists.",
		.example = "Windows has stopped this device because it has reported problems. (Code 43)",
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429; https://github.com/strongtz/i915-sriov-dkms/issues/131",
	},
	{
		.id = "code43-amd-apu",
		.title = "Windows stopped the GPU (Code 43): AMD APU iGPU",
		.patterns = P("(Code 43)"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.vendor = 0x1002,
		.gpu = VP_SIG_GPU_INTEGRATED,
		.kb_row = 28,
		.cause = "On an AMD APU iGPU the VM lacks the iGPU's vBIOS and GOP (the ROM cannot be read from the device), or the iGPU was already used once since the host booted: it has no reset.",
		.fix = "Give the VM the APU's vBIOS (romfile=) and AMDGopDriver.rom as isc30/ryzen-gpu-passthrough-proxmox describes, and start the VM once per host boot.",
		.example = "Windows has stopped this device because it has reported problems. (Code 43)",
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
	{
		.id = "basic-display-adapter",
		.title = "Windows uses the Microsoft Basic Display Adapter",
		.patterns = P("Microsoft Basic Display Adapter"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_WARNING,
		.kb_row = 0,
		.cause = "Windows fell back to its generic display driver: the GPU vendor's driver is not installed or did not start. With Intel Arc that is the driver seeing the hypervisor, or an INF of Intel's package that does not fit the card (iigd_dch.inf against iigd_dch_d.inf).",
		.fix = "Install the vendor's driver and look for Code 43 in Device Manager. Intel Arc: " FIX_HIDE_ARC,
		.example = "Microsoft Basic Display Adapter",
		.source = "Microsoft Learn, Microsoft Basic Display Adapter and Device Manager error messages; QEMU docs/system/i386/cpu.rst (kvm=off, -hypervisor)",
	},
	{
		.id = "code12-resources",
		.title = "Windows cannot give the GPU its memory ranges (Code 12)",
		.patterns = P("(Code 12)"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.kb_row = 0,
		.cause = "Code 12 (CM_PROB_NORMAL_CONFLICT): the device's BARs found no free address range. With a passed-through GPU the VM's firmware could not place a large BAR: the guest's physical address space (phys-bits) or OVMF's 64-bit MMIO window is too small, or the VM boots SeaBIOS.",
		.fix = "On the host: bios: ovmf and cpu: host (or cpu: ...,phys-bits=host); if that is not enough, a larger OVMF MMIO window: args: -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=65536. Above 4G decoding on in the host firmware. A Linux guest shows the same as an unassigned BAR (vfio-pilot guest check).",
		.example = "device: NVIDIA GeForce RTX 4090 | PCI\\VEN_10DE&DEV_2684 | status Error | driver 32.0.15.6094 | problem: CM_PROB_NORMAL_CONFLICT (Code 12)",
		.source = "qemu-server PVE/QemuServer/CPUConfig.pm (phys-bits); Microsoft Learn, Device Manager error messages (Code 12, CM_PROB_NORMAL_CONFLICT); edk2 OvmfPkg (opt/ovmf/X-PciMmio64Mb)",
	},
	{
		.id = "nvidia-smi-no-devices",
		.title = "nvidia-smi finds no GPU in the guest",
		.patterns = P("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver",
			      "No devices were found"),
		.where = VP_SIG_GUEST,
		.severity = VP_SIG_ERROR,
		.vendor = 0x10de,
		.kb_row = 32,
		.cause = "The guest's NVIDIA driver did not initialise the GPU: a failed reset on the host left it in a bad state, BAR space is missing (a large BAR without Above 4G decoding), or a Blackwell or Hopper GPU runs the proprietary kernel module instead of the open one. Hypervisor detection explains it only with drivers older than R465.",
		.fix = "Look for RmInitAdapter in the guest's kernel log; Blackwell or Hopper: install the open kernel module; enable Above 4G decoding; fix the host-side reset (Blackwell has no full fix: power-cycle after a failed stop).",
		.example = "No devices were found",
		.source = "https://github.com/NVIDIA/open-gpu-kernel-modules/issues/915; https://github.com/QubesOS/qubes-issues/issues/10036",
	},
	/* ---- rows from the real-world corpus (tests/realworld/) ---- */
	{
		.id = "modprobe-bad-line",
		.title = "modprobe ignores a line of a modprobe.d file",
		.patterns = P("kmod_config_parse: %w line %n: ignoring bad line starting with"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.cause = "A line of the named modprobe.d file does not start with a keyword modprobe knows (options, softdep, blacklist, install, remove, alias): typically vfio-pci ids written on lines of their own, or 'vfio-pci ids=...' without 'options'. The ids on it never reach vfio-pci.",
		.fix = "Put the ids on one line: options vfio-pci ids=VVVV:DDDD,VVVV:DDDD, then update-initramfs -u -k all and reboot. vfio-pilot explain on the file itself names the line.",
		.example = "Jan 12 08:07:44 z640-media systemd-udevd[660]: libkmod: ERROR: kmod_config_parse: /etc/modprobe.d/vfio.conf line 37: ignoring bad line starting with '8086:6f99'",
		.source = "kmod libkmod/libkmod-config.c (kmod_config_parse); modprobe.d(5); https://github.com/Danilop95/Proxmox-Enhanced-Configuration-Utility/issues/34",
	},
	{
		.id = "module-unknown-param",
		.title = "A module ignored an option it does not have",
		.patterns = P("%w: unknown parameter '%w' ignored"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_WARNING,
		.cause = "An 'options MODULE ...' line in modprobe.d, or MODULE.param= on the kernel command line, names a parameter the module does not have: a typo such as 'id=' for vfio-pci's 'ids=', or a parameter of another build (vfio_pci's disable_vga exists only with CONFIG_VFIO_PCI_VGA, which ARM kernels lack). The module loads without it.",
		.fix = "Correct the parameter (modinfo -p MODULE lists them), then update-initramfs -u -k all and reboot.",
		.example = "vfio_pci: unknown parameter 'id' ignored",
		.source = "Linux kernel/module/main.c (unknown_module_param_cb); modinfo(8)",
	},
	{
		.id = "kernel-unknown-params",
		.title = "The kernel does not know some command line parameters",
		.patterns = P("Unknown kernel command line parameters \"%*\", will be passed to user space."),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_WARNING,
		.cause = "The kernel (5.15 and later) lists the parameters that neither it nor a built-in module accepts: misspelled ones (vfio-pci-ids= for vfio-pci.ids=), options of a patch the kernel lacks (pcie_acs_override= on a kernel without the ACS override patch), or words of a broken GRUB line. They have no effect.",
		.fix = "Correct or remove each listed parameter in the boot configuration (GRUB_CMDLINE_LINUX_DEFAULT, /etc/kernel/cmdline), run update-grub or proxmox-boot-tool refresh, and reboot.",
		.example = "Unknown kernel command line parameters \"vfio-pci-ids=10de:2206 BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve\", will be passed to user space.",
		.source = "Linux init/main.c (print_unknown_bootoptions)",
	},
	{
		.id = "vendor-reset-failed",
		.title = "vendor-reset could not reset the AMD GPU",
		.patterns = P("AMD_%w: failed to reset device"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.vendor = 0x1002,
		.cause = "vendor-reset's reset sequence for this GPU family failed (the SMU no longer answers after the guest halted it, the vBIOS could not be read, or the family's reset does not fit this GPU). The card keeps the state the guest left it in.",
		.fix = "Use the reset of the GPU's real family (vendor-reset supports Polaris, Vega 10/20 and Navi 10/12/14 only; APUs are not covered), shut the guest down cleanly rather than reset it, and power-cycle the host when the card is stuck.",
		.example = "vfio-pci 0000:0d:00.0: AMD_VEGA10: failed to reset device",
		.source = "gnif/vendor-reset src/amd/ (https://github.com/gnif/vendor-reset/issues/82, https://github.com/gnif/vendor-reset/pull/109)",
	},
	{
		.id = "vendor-reset-result-ok",
		.title = "vendor-reset ran its reset (\"reset result = 0\")",
		.patterns = P("AMD_%w: reset result = %n"),
		.where = VP_SIG_DMESG,
		.severity = VP_SIG_INFO,
		.vendor = 0x1002,
		.cause = "vendor-reset's reset sequence completed and returned this code. 0 says the steps ran, not that the card is usable: a card that stays dead after a guest reboot, or a VM that never starts, can follow a 'reset result = 0'.",
		.fix = "If the card is dead after a guest reboot although the reset says 0, check that vendor-reset is the reset in use (cat /sys/bus/pci/devices/BDF/reset_method shows device_specific, set by vendor-reset's udev rule) and that the family matches the GPU; otherwise shut the guest down instead of rebooting it, or power-cycle the host.",
		.example = "May 13 04:19:06 pve kernel: vfio-pci 0000:75:00.0: AMD_VEGA20: reset result = 0",
		.source = "gnif/vendor-reset (https://github.com/gnif/vendor-reset/issues/82, https://github.com/gnif/vendor-reset/issues/80)",
	},
	{
		.id = "igd-legacy-vga",
		.title = "Proxmox refuses legacy IGD passthrough while the VM has an emulated VGA",
		.patterns = P("legacy IGD assignment requires VGA mode to be 'none'"),
		.where = VP_SIG_PVE,
		.severity = VP_SIG_ERROR,
		.vendor = 0x8086,
		.gpu = VP_SIG_GPU_INTEGRATED,
		.cause = "Legacy IGD assignment (legacy-igd=1, the iGPU at guest address 00:02.0) needs the guest slot 00:02.0 and the VGA ranges, which an emulated display (vga: std, qxl, virtio...) would take.",
		.fix = "Set the VM's display to none (qm set VMID --vga none) and reach the guest through its own remote desktop or the IGD's output.",
		.example = "TASK ERROR: legacy IGD assignment requires VGA mode to be 'none'",
		.source = "qemu-server PVE/QemuServer.pm (config_to_command); https://github.com/gangqizai/igd/issues/9",
	},
	{
		.id = "igd-slot-in-use",
		.title = "QEMU: the guest slot asked for the device is taken",
		.patterns = P("PCI: slot %n function %n not available for vfio-pci, in use by %w"),
		.where = VP_SIG_QEMU | VP_SIG_LIBVIRT,
		.severity = VP_SIG_ERROR,
		.cause = "The vfio-pci device was given a guest address that another device (an emulated VGA, a root port) already holds. Legacy IGD assignment needs the iGPU at guest 00:02.0, where machine types put their VGA.",
		.fix = "Free the slot: no emulated VGA (vga: none in Proxmox, <video><model type='none'/> in libvirt) and no other device at bus 0 slot 2; or let the iGPU take another address and use UPT mode (no legacy IGD).",
		.example = "qemu-kvm: -device {\"driver\":\"vfio-pci\",\"host\":\"0000:00:02.0\",\"id\":\"ua-hostdevice-video\",\"addr\":\"2.0\",\"bus\":\"pcie.0\"}: PCI: slot 2 function 0 not available for vfio-pci, in use by pcie-root-port,id=pci.9",
		.source = "QEMU hw/pci/pci.c (do_pci_register_device), docs/igd-assign.txt; https://github.com/kubevirt/kubevirt/issues/12825",
	},
	{
		.id = "igd-opregion-unsupported",
		.title = "vfio: the IGD OpRegion is not available",
		.patterns = P("does not support requested IGD OpRegion feature"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_ERROR,
		.vendor = 0x8086,
		.gpu = VP_SIG_GPU_INTEGRATED,
		.cause = "QEMU was asked for the iGPU's OpRegion (x-igd-opregion=on), but the host's vfio-pci does not expose it: a kernel without CONFIG_VFIO_PCI_IGD or too old for the device, or a GVT-g mdev kernel that lacks the region.",
		.fix = "Use a kernel with CONFIG_VFIO_PCI_IGD=y (current distribution and Proxmox kernels have it; the thread's fix was a newer kernel), or drop x-igd-opregion.",
		.example = "qemu-system-x86_64: -device vfio-pci,host=00:02.0,bus=pci.0,addr=0x2,x-igd-opregion=on: vfio error: 0000:00:02.0: does not support requested IGD OpRegion feature: No such device",
		.source = "QEMU hw/vfio/igd.c; Linux drivers/vfio/pci/vfio_pci_igd.c; https://github.com/intel/gvt-linux/issues/19",
	},
	{
		.id = "igd-legacy-disabled",
		.title = "QEMU turned legacy IGD mode off",
		.patterns = P("legacy mode disabled", "cannot support legacy mode due to existing devices"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_WARNING,
		.vendor = 0x8086,
		.gpu = VP_SIG_GPU_INTEGRATED,
		.cause = "QEMU sets up legacy IGD mode only when the iGPU sits at guest 00:02.0 of an i440fx or q35 machine, the host bridge and LPC bridge config can be read, and nothing occupies guest 00:1f.0. One of these failed, so the iGPU runs without legacy VGA and the vBIOS/GOP may not start.",
		.fix = "Put the iGPU at guest 00:02.0 with no emulated VGA and nothing at 00:1f.0 (Proxmox: legacy-igd=1 with vga: none and machine i440fx), or use UPT mode with a GOP ROM for UEFI guests.",
		.example = "IGD device 730e3d97-e78c-44c1-897f-2921d58bb4bb does not support host bridge access,legacy mode disabled",
		.source = "QEMU hw/vfio/igd.c, docs/igd-assign.txt; https://github.com/intel/gvt-linux/issues/229",
	},
	{
		.id = "msix-pba-overlap",
		.title = "QEMU cannot place the device's MSI-X table and PBA",
		.patterns = P("table & pba overlap, or they don't fit in BARs, or don't align",
			      "MSIX PBA outside of specified BAR"),
		.where = VP_SIG_QEMU,
		.severity = VP_SIG_ERROR,
		.cause = "The device's MSI-X capability describes a table and pending-bit array that overlap, fall outside their BAR, or are misaligned (firmware or hardware that reports a bad layout), so QEMU cannot emulate MSI-X for it.",
		.fix = "Ask QEMU to move the MSI-X structures to a BAR of their own: the vfio-pci option x-msix-relocation=bar2 (Proxmox: through args: -set device.hostpci0.x-msix-relocation=bar2 or an equivalent device option); update the device's firmware.",
		.example = "vfio 0000:03:00.0: table & pba overlap, or they don't fit in BARs, or don't align",
		.source = "QEMU hw/pci/msix.c (msix_init), hw/vfio/pci.c (vfio_msix_early_setup, x-msix-relocation)",
	},
	{
		.id = "intx-busy",
		.title = "vfio cannot take the device's legacy interrupt: the line is busy",
		.patterns = P("Failed to setup INTx fd: Device or resource busy",
			      "signaling for interrupt INTX-%n: VFIO_DEVICE_SET_IRQS failure: Device or resource busy",
			      "genirq: Flags mismatch irq %n. %* (vfio-intx("),
		.where = VP_SIG_QEMU | VP_SIG_DMESG,
		.severity = VP_SIG_ERROR,
		.cause = "The device uses a legacy INTx line that another host device shares, and it cannot mask INTx itself (no DisINTx support, or vfio-pci's nointxmask=1), so vfio-pci needs the line exclusively and the kernel refuses the shared IRQ.",
		.fix = "Free the interrupt line: unbind or move the other device on the same IRQ (cat /proc/interrupts), use another slot, or have the guest driver use MSI/MSI-X.",
		.example = "vfio: Error: Failed to setup INTx fd: Device or resource busy",
		.source = "Linux drivers/vfio/pci/vfio_pci_intrs.c (vfio_intx_set_signal, exclusive IRQ without INTx masking); QEMU hw/vfio/pci.c (vfio_intx_enable)",
	},
};

/* ---- symptoms ----------------------------------------------------------------------- */

#define S_FB "https://github.com/siderolabs/talos/issues/14356; https://github.com/cosminmocan/vfio-single-amdgpu-passthrough/issues/3; https://github.com/cloud-hypervisor/cloud-hypervisor/issues/6147"
#define S_APU "https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/89; https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/tomitamoeko/VfioIgdPkg/issues/5; https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429"
#define S_RESET "https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/89; https://github.com/gnif/vendor-reset/issues/46"
#define S_BW "https://github.com/NVIDIA/open-gpu-kernel-modules/issues/853"

static const struct vp_symptom_cause black_screen[] = {
	{
		.cause = "The GPU is the host's boot display and a host framebuffer still holds its BAR.",
		.check = "Kernel log: 'BAR n: can't reserve' or 'assigned to efifb' for the GPU; boot_vga of the GPU is 1.",
		.fix = "Boot the host on another GPU, or initcall_blacklist=sysfb_init on the kernel command line.",
		.signatures = P("bar-cannot-reserve", "bar-assigned-efifb", "device-busy"),
		.source = "https://github.com/siderolabs/talos/issues/14356; https://github.com/cosminmocan/vfio-single-amdgpu-passthrough/issues/3; https://github.com/cloud-hypervisor/cloud-hypervisor/issues/6147",
	},
	{
		.cause = "The GPU's option ROM is unreadable (IGD, shadowed boot GPU, AMD APU).",
		.check = "Kernel log or QEMU: 'Invalid PCI ROM header signature'.",
		.fix = "romfile= with a dumped vBIOS in /usr/share/kvm; AMD APUs also need AMDGopDriver.rom.",
		.signatures = P("rom-bad-signature"),
		.source = "https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/tomitamoeko/VfioIgdPkg/issues/5",
	},
	{
		.cause = "An AMD APU iGPU: it has no reset and needs its vBIOS and GOP in the VM.",
		.check = "The task log shows 'Inappropriate ioctl for device' for the iGPU's reset; it worked once after a host boot.",
		.fix = "romfile with the vBIOS and AMDGopDriver.rom; one VM start per host boot.",
		.signatures = P("sysfs-reset-enotty", "code43-amd-apu"),
		.source = "https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/89; https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/tomitamoeko/VfioIgdPkg/issues/5; https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
	{
		.cause = "A previous VM run left the GPU unreset (AMD reset bug, NVIDIA Blackwell).",
		.check = "The first VM start after a host boot works, the second does not; reset messages in the task or kernel log.",
		.fix = "AMD Polaris, Vega, Navi 1x: vendor-reset with reset_method device_specific. Blackwell: no fix; power-cycle the host, disable_idle_d3=1.",
		.signatures = P("sysfs-reset-enotty", "reset-method-unsupported", "qemu-irq-assert", "device-not-ready"),
		.source = "https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/89; https://github.com/gnif/vendor-reset/issues/46",
	},
	{
		.cause = "The guest runs without the vendor's driver (Basic Display Adapter) or the driver stopped the device (Code 43).",
		.check = "Device Manager in the guest (remote desktop or the Proxmox console).",
		.fix = "Install the vendor's driver; see the code-43 symptom.",
		.signatures = P("basic-display-adapter", "code43-nvidia", "code43-intel-arc"),
		.source = "Microsoft Learn, Device Manager error messages (Code 43, CM_PROB_FAILED_POST_START)",
	},
};

static const struct vp_symptom_cause code43[] = {
	{
		.cause = "NVIDIA GeForce with a driver older than R465 sees the hypervisor.",
		.check = "The guest's driver version: below 465 (modern drivers need no hiding).",
		.fix = "Update the driver; only for old drivers hide KVM (cpu: host,hidden=1 or kvm=off with hv_vendor_id).",
		.signatures = P("code43-nvidia"),
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
	{
		.cause = "Intel Arc sees the hypervisor: its driver checks the KVM signature and the CPUID hypervisor bit.",
		.check = "The VM's args line: kvm=off and -hypervisor both present?",
		.fix = FIX_HIDE_ARC,
		.signatures = P("code43-intel-arc", "basic-display-adapter"),
		.source = "QEMU docs/system/i386/cpu.rst (kvm=off hides the KVM signature, -hypervisor clears the CPUID hypervisor bit)",
	},
	{
		.cause = "An AMD APU iGPU without its vBIOS and GOP, or used a second time since host boot.",
		.check = "hostpci romfile= set? First start after a host boot?",
		.fix = "romfile with the vBIOS and AMDGopDriver.rom; start once per host boot.",
		.signatures = P("code43-amd-apu", "sysfs-reset-enotty"),
		.source = "https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/89; https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/tomitamoeko/VfioIgdPkg/issues/5; https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
	{
		.cause = "An Intel iGPU SR-IOV VF; one user's fix was hiding the hypervisor vendor.",
		.check = "The host PF runs in SR-IOV PF mode and the VF is present (lspci shows 00:02.1 and up).",
		.fix = "args: -cpu host,hv_vendor_id=...; keep i915-sriov-dkms and the guest driver matched.",
		.signatures = P("code43-intel-vf"),
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
	{
		.cause = "The card was left in a bad state by a failed reset on the host.",
		.check = "Reset messages in the task log or kernel log; the first start after a host boot works.",
		.fix = "Fix the reset (vendor-reset for AMD Polaris, Vega, Navi 1x), or power-cycle the host.",
		.signatures = P("sysfs-reset-enotty", "reset-method-unsupported", "device-not-ready"),
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429",
	},
};

static const struct vp_symptom_cause host_freeze[] = {
	{
		.cause = "An AMD APU iGPU: it has no reset, and a forced stop can hang the host.",
		.check = "The GPU is an APU iGPU (vfio-pilot show ADDR), reset_method is empty.",
		.fix = "Shut the guest down from inside, never stop it forcibly; one VM start per host boot.",
		.signatures = P("sysfs-reset-enotty"),
		.source = "https://github.com/gnif/vendor-reset/issues/82",
	},
	{
		.cause = "NVIDIA Blackwell's reset bug: after the VM stops the GPU stays unresponsive until a power cycle and can freeze the host.",
		.check = "The GPU is Blackwell (RTX 50, RTX PRO Blackwell); the first VM start worked.",
		.fix = "No kernel fix as of 6.18: bind vfio-pci at boot, vfio-pci disable_idle_d3=1, power-cycle the host after a stop.",
		.signatures = P("sysfs-reset-enotty", "qemu-irq-assert"),
		.source = "https://github.com/NVIDIA/open-gpu-kernel-modules/issues/853",
	},
	{
		.cause = "An AMD GPU with the reset bug (Polaris, Vega, Navi 1x) without a working vendor-reset; the IOMMU's queue can get stuck on it.",
		.check = "Kernel log: 'Completion-Wait loop timed out', 'Unsupported reset method'; reset_method lacks device_specific.",
		.fix = "vendor-reset loaded early and reset_method set to device_specific (5.15+); Vega 10 on new kernels needs vendor-reset PR #109.",
		.signatures = P("amd-vi-completion-wait", "reset-method-unsupported"),
		.source = "https://github.com/gnif/vendor-reset/issues/81; https://github.com/endlessm/linux/issues/460; https://github.com/gnif/vendor-reset/issues/46",
	},
	{
		.cause = "An Intel iGPU (GVT-d) not ready after FLR, or faulting DMA after the guest stops.",
		.check = "Kernel log: 'not ready 1023ms after FLR', DMAR fault storms from 00:02.0.",
		.fix = "Legacy IGD settings, firmware update; a community no-FLR quirk exists for 8086:5912.",
		.signatures = P("device-not-ready", "dmar-fault"),
		.source = "https://github.com/strongtz/i915-sriov-dkms/issues/286; https://github.com/patmagauran/i915ovmfPkg/issues/16; https://github.com/patmagauran/i915ovmfPkg/issues/23; https://github.com/thesofproject/sof-test/issues/744; https://github.com/bryansteiner/gpu-passthrough-tutorial/issues/39",
	},
};

static const struct vp_symptom_cause wont_start[] = {
	{
		.cause = "Another device of the IOMMU group is on a host driver.",
		.check = "vfio-pilot groups ADDR: every endpoint must be on vfio-pci.",
		.fix = "Bind all endpoints of the group to vfio-pci, or move the card to a slot with its own group.",
		.signatures = P("group-not-viable", "pve-bind-failed", "group-multiple-address-spaces"),
		.source = "https://github.com/foxlet/vmra1n/issues/4; https://github.com/BigAnteater/KVM-GPU-Passthrough/issues/19; https://github.com/64kramsystem/vga-passthrough/issues/15; https://github.com/pcengines/apu2-documentation/issues/236; https://github.com/NVIDIA/kubevirt-gpu-device-plugin/issues/27; https://github.com/NVIDIA/kubevirt-gpu-device-plugin/issues/50; https://github.com/kata-containers/kata-containers/issues/10622",
	},
	{
		.cause = "No IOMMU, or no interrupt remapping, or an RMRR on the device.",
		.check = "Kernel log: 'DMAR: IOMMU enabled' or AMD-Vi lines; 'No interrupt remapping support'; RMRR messages.",
		.fix = FIX_NO_IOMMU,
		.signatures = P("pve-no-iommu", "libvirt-no-iommu", "container-iommu-failed", "vfio-group-missing", "vfio-probe-einval", "no-interrupt-remapping", "rmrr-ineligible", "firmware-identity-map"),
		.source = "https://github.com/intel/gvt-linux/issues/171; https://github.com/gangqizai/igd/issues/17; https://github.com/harvester/harvester/issues/7340; https://github.com/kiler129/relax-intel-rmrr/issues/16; https://github.com/foxlet/macOS-Simple-KVM/issues/12; https://github.com/foxlet/macOS-Simple-KVM/issues/159; https://github.com/foxlet/macOS-Simple-KVM/issues/497; https://github.com/foxlet/macOS-Simple-KVM/issues/143; https://github.com/foxlet/macOS-Simple-KVM/issues/579; https://github.com/foxlet/vmra1n/issues/17; https://github.com/BigAnteater/KVM-GPU-Passthrough/issues/19; https://github.com/NVIDIA/deepops/issues/291; https://github.com/NVIDIA/deepops/issues/515; https://github.com/openshift/sriov-network-operator/issues/498; https://github.com/jiangcuo/pxvirt/issues/127; https://github.com/geerlingguy/raspberry-pi-pcie-devices/issues/754; https://github.com/AltraMayor/gatekeeper/issues/718",
	},
	{
		.cause = "The device does not answer after a failed reset, or is stuck in D3cold.",
		.check = "The task log ends with a kvm: assertion; lspci -vvv shows rev ff.",
		.fix = "Power-cycle the host; fix the reset; vfio-pci disable_idle_d3=1.",
		.signatures = P("qemu-irq-assert", "vfio-stuck-d3", "device-not-ready", "lspci-device-dead"),
		.source = "https://github.com/gnif/vendor-reset/issues/46; https://github.com/bryansteiner/gpu-passthrough-tutorial/issues/39; https://github.com/patmagauran/i915ovmfPkg/issues/23; https://github.com/mroboff/vm-curator/pull/63",
	},
	{
		.cause = "Something else holds the device: a host framebuffer, another VM.",
		.check = "Kernel log: 'can't reserve' for the GPU's BAR; another running VM with the same group.",
		.fix = "initcall_blacklist=sysfb_init or another boot GPU; one VM per group.",
		.signatures = P("bar-cannot-reserve", "device-busy"),
		.source = "https://github.com/siderolabs/talos/issues/14356; https://github.com/cosminmocan/vfio-single-amdgpu-passthrough/issues/3; https://github.com/cloud-hypervisor/cloud-hypervisor/issues/4353; https://github.com/VoltCyclone/PCILeechFWGenerator/issues/79",
	},
	{
		.cause = "The guest RAM cannot be pinned for the device's DMA: the locked-memory limit is too small, or memory is overcommitted.",
		.check = "QEMU: 'VFIO_MAP_DMA failed: Cannot allocate memory'; kernel log: 'RLIMIT_MEMLOCK exceeded'; libvirt: 'cannot limit locked memory'.",
		.fix = "A memlock limit of at least the guest RAM; no memory overcommit for VMs with passthrough.",
		.signatures = P("vfio-dma-map-enomem", "vfio-memlock-exceeded", "libvirt-memlock-denied"),
		.source = "https://github.com/harvester/harvester/issues/3135; https://github.com/kubevirt/kubevirt/issues/8472; https://github.com/kubevirt/kubevirt/issues/10379; https://github.com/cloud-hypervisor/cloud-hypervisor/issues/165",
	},
	{
		.cause = "The configured device is gone (an SR-IOV VF not created again) or a hookscript failed in pre-start.",
		.check = "The task log's TASK ERROR line.",
		.fix = "Create the VFs before the VM starts; make the hookscript exit 0.",
		.signatures = P("pve-no-pci-device-info", "hookscript-pre-start-failed", "qemu-exited"),
		.source = "https://github.com/strongtz/i915-sriov-dkms/issues/342",
	},
};

static const struct vp_symptom_cause gpu_missing[] = {
	{
		.cause = "The guest has no vendor driver for it, or the driver stopped it.",
		.check = "Device Manager: Basic Display Adapter, Code 43; Linux guest: nvidia-smi, the guest's kernel log.",
		.fix = "Install the driver; see the code-43 and nvidia-smi symptoms.",
		.signatures = P("basic-display-adapter", "code43-nvidia", "code43-intel-arc", "nvidia-smi-no-devices"),
		.source = "https://github.com/sk1080/nvidia-kvm-patcher/issues/32; https://github.com/isc30/ryzen-gpu-passthrough-proxmox/issues/23; https://github.com/strongtz/i915-sriov-dkms/issues/205; https://github.com/strongtz/i915-sriov-dkms/issues/225; https://github.com/strongtz/i915-sriov-dkms/issues/429; https://github.com/NVIDIA/open-gpu-kernel-modules/issues/915; https://github.com/QubesOS/qubes-issues/issues/10036",
	},
	{
		.cause = "The GPU did not initialise: a failed reset or D3cold on the host.",
		.check = "Kernel log on the host: not ready after resume/FLR, RmInitAdapter; the first start after a host boot works.",
		.fix = "vfio-pci disable_idle_d3=1; fix the reset; power-cycle the host.",
		.signatures = P("device-not-ready", "nvrm-rminitadapter", "gpu-fallen-off-bus", "sysfs-reset-enotty"),
		.source = "https://github.com/bryansteiner/gpu-passthrough-tutorial/issues/39; https://github.com/patmagauran/i915ovmfPkg/issues/23; https://github.com/QubesOS/qubes-issues/issues/8783",
	},
	{
		.cause = "Not every function of the card was passed, or an SR-IOV VF vanished.",
		.check = "hostpci lists the whole device (0000:01:00, all functions); the VF exists on the host.",
		.fix = "Pass all functions (HDMI audio, USB-C); create the VFs at boot.",
		.signatures = P("reset-group-not-owned", "pve-no-pci-device-info", "nvidia-hda-enabled"),
		.source = "https://github.com/tomsom/yoga-linux/issues/3; https://github.com/strongtz/i915-sriov-dkms/issues/342; https://github.com/QubesOS/qubes-issues/issues/10036",
	},
	{
		.cause = "A laptop GPU (Optimus, 3D controller) cannot be passed with its display output.",
		.check = "The GPU's class is 3D controller (0302) on a laptop.",
		.fix = "Use it for compute only, or not at all.",
		.signatures = NULL,
		.source = "https://github.com/HikariKnight/ls-iommu/issues/3",
	},
};

static const struct vp_symptom_cause no_devices[] = {
	{
		.cause = "A Blackwell or Hopper GPU with NVIDIA's proprietary kernel module in the guest (Ada does not need the open one).",
		.check = "The guest's kernel log: RmInitAdapter failed (0x22:0x56:1017); the driver package without -open.",
		.fix = "Install the open kernel module variant of the driver in the guest.",
		.signatures = P("nvrm-rminitadapter", "nvidia-smi-no-devices"),
		.source = "NVIDIA open-gpu-kernel-modules README (Blackwell and later need the open kernel modules); https://github.com/NVIDIA/open-gpu-kernel-modules/issues/915",
	},
	{
		.cause = "A failed reset on the host left the GPU in a bad state (Blackwell: no full fix).",
		.check = "The first VM start after a host boot works; host reset messages.",
		.fix = "Power-cycle the host; vfio-pci disable_idle_d3=1, bind vfio-pci at boot.",
		.signatures = P("sysfs-reset-enotty", "device-not-ready", "gpu-fallen-off-bus"),
		.source = "https://github.com/NVIDIA/open-gpu-kernel-modules/issues/915; https://github.com/QubesOS/qubes-issues/issues/10036",
	},
	{
		.cause = "BAR space is missing: a large-BAR GPU without Above 4G decoding.",
		.check = "The guest's kernel log or lspci -vv in the guest: BARs unassigned.",
		.fix = "Enable Above 4G decoding in the host firmware; use OVMF (UEFI) for the VM.",
		.signatures = NULL,
		.source = "https://github.com/NVIDIA/open-gpu-kernel-modules/issues/915; https://github.com/QubesOS/qubes-issues/issues/10036",
	},
	{
		.cause = "A GeForce card with a driver older than R465 refuses to run under a hypervisor.",
		.check = "The guest's driver version.",
		.fix = "Update the driver (R465 or later), or hide the hypervisor for old drivers.",
		.signatures = P("code43-nvidia"),
		.source = "NVIDIA support article \"GeForce GPU Passthrough for Windows Virtual Machine\" (allowed from driver R465)",
	},
};

#define CAUSES(a) .causes = (a), .ncauses = ARRAY_SIZE(a)

static const struct vp_symptom symptoms[] = {
	{ .id = "black-screen", .title = "Black screen: no picture from the passed GPU",
	  .aliases = P("black screen", "blank screen", "no picture", "no display", "no signal", "no output", "no video"),
	  CAUSES(black_screen) },
	{ .id = "code-43", .title = "Code 43 in Windows Device Manager",
	  .aliases = P("code 43", "error 43", "code43"),
	  CAUSES(code43) },
	{ .id = "host-freeze-on-stop", .title = "The host freezes or hangs when the VM stops",
	  .aliases = P("host freezes", "host freeze", "host froze", "host hangs", "host hang", "host crashes", "host crash", "host locks up", "freezes", "freeze", "hangs", "when the vm stops", "after vm shutdown"),
	  CAUSES(host_freeze) },
	{ .id = "vm-wont-start", .title = "The VM does not start",
	  .aliases = P("won t start", "wont start", "will not start", "does not start", "doesn t start", "fails to start", "failed to start", "start failed", "not starting", "cannot start", "can t start"),
	  CAUSES(wont_start) },
	{ .id = "gpu-missing-in-guest", .title = "The GPU is missing or not working in the guest",
	  .aliases = P("gpu missing", "missing gpu", "missing", "not detected", "not visible", "no gpu", "does not show up", "doesn t show up", "not showing", "basic display adapter"),
	  CAUSES(gpu_missing) },
	{ .id = "nvidia-smi-no-devices", .title = "nvidia-smi says \"No devices were found\"",
	  .aliases = P("no devices were found", "no devices found", "nvidia smi", "couldn t communicate with the nvidia driver"),
	  CAUSES(no_devices) },
};
// clang-format on

/* ---- names ------------------------------------------------------------------------ */

const char *vp_sig_where_name(unsigned int bit)
{
	static const char *const names[VP_SIG_WHERE_COUNT] = {
		"dmesg", "qemu", "pve-task", "libvirt", "guest", "lspci",
	};

	return bit < VP_SIG_WHERE_COUNT ? names[bit] : NULL;
}

const char *vp_sig_severity_name(enum vp_sig_severity s)
{
	switch (s) {
	case VP_SIG_ERROR:
		return "error";
	case VP_SIG_WARNING:
		return "warning";
	case VP_SIG_INFO:
		break;
	}
	return "info";
}

/* ---- the matcher ------------------------------------------------------------------- */

enum tok {
	T_LIT,
	T_BDF,
	T_GROUP,
	T_NUM,
	T_HEX,
	T_WORD,
	T_ANY,
	T_END,
	T_BAD,
};

/* The token at @p; *len gets how many pattern bytes it takes. */
static enum tok tok_at(const char *p, size_t *len)
{
	static const struct {
		const char *name;
		enum tok t;
	} toks[] = {
		{ "%bdf", T_BDF }, { "%group", T_GROUP }, { "%n", T_NUM },
		{ "%x", T_HEX },   { "%w", T_WORD },	  { "%*", T_ANY },
		{ "%%", T_LIT },
	};

	if (!*p) {
		*len = 0;
		return T_END;
	}
	if (*p != '%') {
		*len = 1;
		return T_LIT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(toks); i++) {
		if (startswith(p, toks[i].name)) {
			*len = strlen(toks[i].name);
			return toks[i].t;
		}
	}
	*len = 1;
	return T_BAD;
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static size_t run_of(const char *s, int (*cls)(int))
{
	size_t n = 0;

	while (s[n] && cls((unsigned char)s[n]))
		n++;
	return n;
}

static int hexdig(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* "bb:dd.f" with device <= 1f, not followed by a word character. */
static size_t bdf_short(const char *s)
{
	if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isxdigit((unsigned char)s[3]) ||
	    !isxdigit((unsigned char)s[4]) || s[5] != '.' || s[6] < '0' || s[6] > '7')
		return 0;
	if (hexdig(s[3]) > 1 || is_word(s[7]))
		return 0;
	return 7;
}

/* A PCI address at @s: "dddd:bb:dd.f" (domain 4-8 digits) or "bb:dd.f". */
static size_t bdf_len(const char *s)
{
	size_t d = run_of(s, isxdigit), n;

	if (d >= 4 && d <= 8 && s[d] == ':') {
		n = bdf_short(s + d + 1);
		if (n)
			return d + 1 + n;
	}
	return bdf_short(s);
}

static size_t hex_len(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]))
		return 2 + run_of(s + 2, isxdigit);
	return run_of(s, isxdigit);
}

static int is_nonblank(int c)
{
	return !isspace(c);
}

struct mstate {
	const char *line;
	struct vp_sig_match *m;
};

static bool add_cap(struct mstate *st, enum vp_sig_cap_kind kind, const char *at,
		    size_t len)
{
	struct vp_sig_match *m = st->m;

	if (m->ncaps >= VP_SIG_MAX_CAPS)
		return false;
	m->caps[m->ncaps++] = (struct vp_sig_cap){ .kind = kind, .at = at, .len = len };
	return true;
}

/*
 * Match @p at exactly @s. @fresh: the previous pattern element was nothing
 * or %*, so a number or address must not start inside a word.
 */
static bool match_here(struct mstate *st, const char *p, const char *s, bool fresh)
{
	for (;;) {
		size_t plen, n = 0, saved = st->m->ncaps;
		enum vp_sig_cap_kind kind = VP_CAP_NUM;
		enum tok t = tok_at(p, &plen);

		switch (t) {
		case T_END:
			st->m->end = (size_t)(s - st->line);
			return true;
		case T_BAD:
			return false;
		case T_LIT:
			if (*s != p[plen - 1])
				return false;
			s++;
			p += plen;
			fresh = false;
			continue;
		case T_BDF:
		case T_GROUP:
		case T_NUM:
		case T_HEX:
			if (fresh && s > st->line && is_word(s[-1]))
				return false;
			if (t == T_BDF) {
				n = bdf_len(s);
				kind = VP_CAP_BDF;
			} else if (t == T_HEX) {
				n = hex_len(s);
				kind = VP_CAP_HEX;
			} else {
				n = run_of(s, isdigit);
				kind = t == T_GROUP ? VP_CAP_GROUP : VP_CAP_NUM;
			}
			if (!n)
				return false;
			/* A number ending the pattern must end a word too. */
			if (t != T_BDF && !p[plen] && is_word(s[n]))
				return false;
			if (!add_cap(st, kind, s, n))
				return false;
			s += n;
			p += plen;
			fresh = false;
			continue;
		case T_WORD:
			/* Longest first, then shorter until the rest matches. */
			for (n = run_of(s, is_nonblank); n > 0; n--) {
				st->m->ncaps = saved;
				if (!add_cap(st, VP_CAP_WORD, s, n))
					return false;
				if (match_here(st, p + plen, s + n, false))
					return true;
			}
			st->m->ncaps = saved;
			return false;
		case T_ANY:
			/* Shortest first. */
			for (n = 0;; n++) {
				st->m->ncaps = saved;
				if (match_here(st, p + plen, s + n, true))
					return true;
				if (!s[n])
					break;
			}
			st->m->ncaps = saved;
			return false;
		}
	}
}

int vp_sig_pattern_check(const char *pattern)
{
	size_t ncaps = 0, plen;
	enum tok t;

	if (!pattern || !*pattern)
		return -EINVAL;
	for (const char *p = pattern; (t = tok_at(p, &plen)) != T_END; p += plen) {
		if (t == T_BAD)
			return -EINVAL;
		if (t != T_LIT && t != T_ANY && ++ncaps > VP_SIG_MAX_CAPS)
			return -EINVAL;
	}
	return 0;
}

/*
 * The longest run of literal text in @pattern (*at, returned length): a
 * line without it cannot match, and memmem() finds that out fast.
 */
static size_t longest_literal(const char *pattern, const char **at)
{
	size_t best = 0, cur = 0, plen;
	const char *start = NULL;
	enum tok t;

	*at = NULL;
	for (const char *p = pattern;; p += plen) {
		t = tok_at(p, &plen);
		if (t == T_LIT && plen == 1) {
			if (!cur)
				start = p;
			cur++;
			continue;
		}
		if (cur > best) {
			best = cur;
			*at = start;
		}
		cur = 0;
		if (t == T_END)
			return best;
	}
}

/* vp_sig_match() for a pattern known to be well formed; @len is strlen(@line). */
static int match(const char *pattern, const char *line, size_t len,
		 struct vp_sig_match *m)
{
	struct mstate st = { .line = line, .m = m };
	const char *end = line + len, *lit;
	size_t litlen = longest_literal(pattern, &lit);
	/* A pattern that starts with literal text can only match where that text is. */
	size_t lead = strcspn(pattern, "%");

	if (litlen && !memmem(line, len, lit, litlen))
		return 0;
	for (const char *s = line; s <= end; s++) {
		if (lead) {
			s = memmem(s, (size_t)(end - s), pattern, lead);
			if (!s)
				return 0;
		}
		m->ncaps = 0;
		if (match_here(&st, pattern, s, true)) {
			m->start = (size_t)(s - line);
			return 1;
		}
	}
	return 0;
}

int vp_sig_match(const char *pattern, const char *line, struct vp_sig_match *m)
{
	struct vp_sig_match local;
	int r = vp_sig_pattern_check(pattern);

	if (r < 0)
		return r;
	return match(pattern, line, strlen(line), m ? m : &local);
}

/* The table's patterns are well formed: tests/unit/test-signatures.c checks them. */
const struct vp_sig *vp_sig_scan(const char *line, size_t *i, struct vp_sig_match *m)
{
	size_t len = strlen(line);

	for (; *i < ARRAY_SIZE(sigs); (*i)++)
		for (const char *const *p = sigs[*i].patterns; *p; p++)
			if (match(*p, line, len, m) == 1)
				return &sigs[*i];
	return NULL;
}

size_t vp_sig_count(void)
{
	return ARRAY_SIZE(sigs);
}

const struct vp_sig *vp_sig_at(size_t i)
{
	return i < ARRAY_SIZE(sigs) ? &sigs[i] : NULL;
}

const struct vp_sig *vp_sig_find(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (streq(sigs[i].id, id))
			return &sigs[i];
	return NULL;
}

/* ---- symptoms ---------------------------------------------------------------------- */

size_t vp_symptom_count(void)
{
	return ARRAY_SIZE(symptoms);
}

const struct vp_symptom *vp_symptom_at(size_t i)
{
	return i < ARRAY_SIZE(symptoms) ? &symptoms[i] : NULL;
}

/* Lower case, every run of other characters one space, framed by spaces. */
static char *normalize(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n + 3), *o = out;

	if (!out)
		return NULL;
	*o++ = ' ';
	for (const char *s = text; *s; s++) {
		if (isalnum((unsigned char)*s))
			*o++ = (char)tolower((unsigned char)*s);
		else if (o[-1] != ' ')
			*o++ = ' ';
	}
	if (o[-1] != ' ')
		*o++ = ' ';
	*o = '\0';
	return out;
}

/* Does the normalized @hay hold @phrase as whole words? */
static bool has_phrase(const char *hay, const char *phrase)
{
	size_t n = strlen(phrase);

	for (const char *s = strstr(hay, phrase); s; s = strstr(s + 1, phrase))
		if (s[-1] == ' ' && s[n] == ' ')
			return true;
	return false;
}

const struct vp_symptom *vp_symptom_find(const char *text)
{
	_cleanup_free_ char *norm = text ? normalize(text) : NULL;
	const struct vp_symptom *best = NULL;
	size_t best_len = 0;

	if (!norm)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(symptoms); i++) {
		_cleanup_free_ char *id = normalize(symptoms[i].id);

		if (id && streq(id, norm))
			return &symptoms[i];
	}
	for (size_t i = 0; i < ARRAY_SIZE(symptoms); i++) {
		for (const char *const *a = symptoms[i].aliases; *a; a++) {
			size_t n = strlen(*a);

			if (n > best_len && has_phrase(norm, *a)) {
				best = &symptoms[i];
				best_len = n;
			}
		}
	}
	return best;
}
