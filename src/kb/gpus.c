// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The GPU table: vendor:device -> family, generation and what passthrough
 * needs. Facts come from /work/shared/knowledge (quirks-and-signatures.md,
 * seed-corrections.md); where the seeds add context they are named in the
 * row's source, and where they disagree with knowledge/ the knowledge files
 * win. Where a fact is not known the flag stays false and reset stays
 * VP_RESET_UNKNOWN.
 *
 * Conventions:
 *  - One row per id or contiguous id range of one family, sorted by vendor,
 *    then first id; rows never overlap (tests/unit/test-kb.c checks both).
 *  - Every row sets .role and .reset explicitly: their zero values
 *    (VP_GPU_DISCRETE, VP_RESET_OK) must never be defaults by accident.
 *  - Companion functions (HDMI audio, Turing USB-C/UCSI) carry the card's
 *    whole-card reset verdict (OK, unreliable, bug-no-fix). Where the GPU
 *    needs vendor-reset, which resets only the GPU function, they carry
 *    VP_RESET_UNKNOWN, so vendor_reset == (reset == VENDOR_RESET) holds.
 *  - kb.h has no role for a USB controller: Turing's xHCI and UCSI functions
 *    use VP_GPU_AUDIO in the sense of "companion endpoint, pass it with the
 *    GPU". Internal switch ports are VP_GPU_SWITCH: bridges, never passed.
 *  - GPU-only properties (open module, D3cold, romfile, hiding) are set on
 *    the GPU function's row only, not on its companions.
 */
#include "kb/kb.h"
#include "util.h"

#define NV(a, b)    .vendor = 0x10de, .vendor_name = "NVIDIA", .first = (a), .last = (b)
#define AMD(a, b)   .vendor = 0x1002, .vendor_name = "AMD", .first = (a), .last = (b)
#define INTEL(a, b) .vendor = 0x8086, .vendor_name = "Intel", .first = (a), .last = (b)

// clang-format off
/* ---- sources ---------------------------------------------------------------------- */
#define Q "quirks-and-signatures.md "
#define SC "seed-corrections.md"

#define S_BW Q "§4.1 (pci.ids c1c12547), §6 (reset bug, D3cold), §2 (disable_idle_d3); " SC " (open module; vendor-reset does not cover it)"
#define S_BW_AUDIO Q "§4.1 (pci.ids c1c12547), §1.5 (quirk_nvidia_hda), §6"
#define S_BWDC Q "§4.1 (pci.ids c1c12547), §6; " SC " (Blackwell needs the open module)"
#define S_HOPPER Q "§4.1 (pci.ids c1c12547), §6 (H100 not affected by the reset bug); " SC " (Hopper needs the open module)"
#define S_GH200 Q "§1.2 (quirk_nvidia_no_bus_reset, v5.14), §4.1, §6; " SC " (open module)"
#define S_ADA Q "§4.1 (pci.ids c1c12547), §6 (RTX 4090 not affected); " SC " (Ada does not need the open module; hiding only pre-R465)"
#define S_ADA_DC S_ADA "; seeds 000/003 (vGPU on L-series)"
#define S_ADA_AUDIO Q "§4.1 (pci.ids c1c12547), §1.5 (quirk_gpu_hda), §6"
#define S_OLDNV_RESET "seed 000 (reset bug specific to Blackwell, RTX 30/40 safe), seed 003 (NVIDIA pro cards need no workarounds)"
#define S_AMPERE Q "§4.1 (pci.ids c1c12547), §5 #28; " SC " (Code 43 only pre-R465 consumer); " S_OLDNV_RESET
#define S_AMPERE_PRO Q "§4.1 (pci.ids c1c12547); " SC "; " S_OLDNV_RESET
#define S_AMPERE_DC Q "§4.1 (pci.ids c1c12547; datacenter cards have no display); seeds 000/003 (vGPU on A100 / A-series); " S_OLDNV_RESET
#define S_AMPERE_AUDIO Q "§4.1 (pci.ids c1c12547), §1.5 (quirk_gpu_hda); " S_OLDNV_RESET
#define S_TURING Q "§4.1 (pci.ids c1c12547), §1.5 (Turing has 4 functions), §5 #28; " SC " (Code 43 only pre-R465 consumer); " S_OLDNV_RESET
#define S_TURING_PRO Q "§4.1 (pci.ids c1c12547), §1.5 (Turing has 4 functions); " S_OLDNV_RESET
#define S_TURING_FN Q "§1.5 (quirk_gpu_hda/usb/usb_typec_ucsi, Turing function ids), §4.1; " S_OLDNV_RESET
#define S_T4 Q "§1.2 (T4 no-bus-reset quirk added in 6.4, reverted), §4.1; seed 000 (vGPU on T4); " S_OLDNV_RESET
#define S_PASCAL Q "§4.1 (pci.ids c1c12547), §5 #28, §6 (6.14.2/6.12.23 GTX 1080 reset regression); " SC " (Code 43 only pre-R465 consumer); " S_OLDNV_RESET
#define S_PASCAL_PRO Q "§4.1 (pci.ids c1c12547); " S_OLDNV_RESET
#define S_PASCAL_DC Q "§4.1 (pci.ids c1c12547; Tesla cards have no display); seed 001 (vGPU on Tesla); " S_OLDNV_RESET
#define S_P40 Q "§4.1 (pci.ids c1c12547, 1b38 Tesla P40); seed 002 (P40: no display, 24 GB needs a large MMIO window / Above 4G); seed 001 (vGPU on Tesla); " S_OLDNV_RESET
#define S_PASCAL_AUDIO Q "§4.1 (pci.ids c1c12547), §1.5 (quirk_gpu_hda); " S_OLDNV_RESET

#define S_VR(fam) Q "§3 (gnif/vendor-reset device-db.h " fam "), §4.2, §6, §2 (device_specific on 5.15+)"
#define S_VR_NAVI(fam) S_VR(fam) ", §1.5 (quirk_amd_harvest_no_ats)"
#define S_AMD_AUDIO Q "§4.2 (pci.ids c1c12547), §3 (vendor-reset lists GPU functions only)"
#define S_NAVI_SWITCH Q "§4.2 (731f: internal switch 1478/1479), §3"
#define S_GCN Q "§4.2 (GCN1-3 row), §1.2 (quirk_no_pm_reset for AMD VGA)"
#define S_ATS_ONLY Q "§1.5 (quirk_amd_harvest_no_ats)"
#define S_NAVI2X Q "§4.2 (Navi 2x row), §3 (maintainer: 6000 series fine; not in vendor-reset)"
#define S_NAVI3X Q "§4.2 (Navi 3x row: FLR reported unreliable), §3 (not in vendor-reset)"
#define S_NAVI4X Q "§4.2 (Navi 4x row), §6, §2 (disable_idle_d3, RX 9070 XT), §3 (vendor-reset#107: unsupported)"
#define S_APU Q "§4.2 (APU iGPUs row), §6, §5 #3 #25 #28, §3 (APUs not in vendor-reset)"
#define S_APU_AUDIO Q "§4.2 (APU iGPU HDMI audio ids), §5 #2"

#define S_DG2 Q "§4.3 (pci.ids, drm pciids.h), §1.5 (ASPM L1 quirk, internal switch); " SC " (Intel Arc needs hiding incl. -hypervisor); seed 004 (A310)"
#define S_DG2_SWITCH Q "§1.5 (DG2 switch 4fa1/4fa4, pci.ids), §4.3"
#define S_DG2_AUDIO Q "§4.3 (DG2 audio 4f90-4f92), §1.5 (audio behind the switch)"
#define S_FLEX Q "§4.3 (Arc Flex: SR-IOV capable), §1.5 (ASPM L1 quirk)"
#define S_BMG Q "§4.3 (pci.ids, drm pciids.h; SR-IOV on Pro B50/B60), §1.5 (internal switch)"
#define S_BMG_SWITCH Q "§1.5 (BMG switch/audio ids, from a PVE 9.1 group listing; not in pci.ids 2026-08)"
#define S_IGPU_SRIOV Q "§4.3 (iGPU row: 12th gen+ SR-IOV via i915-sriov-dkms; legacy IGD needs romfile), §6"
#define S_IGPU_GVT Q "§4.3 (iGPU row: GVT-g 5th-10th gen; legacy IGD needs romfile), §6"
#define S_IGPU_OLD Q "§4.3 (iGPU row: legacy IGD needs romfile), §6"
#define S_IGPU_IVB Q "§1.4 (reset_ivb_igd), §4.3 (pre-Broadwell: legacy only)"

/* ---- flag sets (each row must still end up with exactly one .role and .reset) ---- */
#define BW .generation = "blackwell", .reset = VP_RESET_BUG_NO_FIX, .guest_open_module = true, .d3cold_trouble = true
#define BW_AUDIO .generation = "blackwell", .role = VP_GPU_AUDIO, .reset = VP_RESET_BUG_NO_FIX
#define BWDC .generation = "blackwell-dc", .role = VP_GPU_COMPUTE, .guest_open_module = true
#define HOPPER .generation = "hopper", .role = VP_GPU_COMPUTE, .guest_open_module = true
#define ADA .generation = "ada", .reset = VP_RESET_OK
#define AMPERE .generation = "ampere", .reset = VP_RESET_OK
#define TURING .generation = "turing", .reset = VP_RESET_OK
#define PASCAL .generation = "pascal", .reset = VP_RESET_OK
#define NV_AUDIO .role = VP_GPU_AUDIO
#define GEFORCE .role = VP_GPU_DISCRETE, .code43_before_r465 = true
#define NV_DC .role = VP_GPU_COMPUTE, .vgpu = true

#define VR .reset = VP_RESET_VENDOR_RESET, .vendor_reset = true
#define APU .role = VP_GPU_INTEGRATED, .reset = VP_RESET_NONE, .needs_romfile = true
#define APU_AUDIO .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN
#define NAVI2X .generation = "navi2x", .reset = VP_RESET_OK
#define NAVI3X .generation = "navi3x", .reset = VP_RESET_UNRELIABLE
#define NAVI4X .generation = "navi4x", .reset = VP_RESET_BUG_NO_FIX

#define DG2 .generation = "dg2", .reset = VP_RESET_UNKNOWN, .cpuid_hiding = true, .hide_hypervisor = true, .internal_switch = true
#define BMG .generation = "bmg", .reset = VP_RESET_UNKNOWN, .internal_switch = true
#define OOT_I915 "i915-sriov-dkms"
#define IGPU .role = VP_GPU_INTEGRATED, .reset = VP_RESET_UNKNOWN, .needs_romfile = true

/* ---- notes ------------------------------------------------------------------------ */
#define N_BW "Reset bug with no fix: card can hang after VM stop until power-cycle; bind vfio-pci at boot, disable_idle_d3=1; guest needs NVIDIA's open kernel module"
#define N_BW_MOBILE "Laptop Blackwell: rarely passable with display output; reset bug with no fix; guest needs the open kernel module"
#define N_BW_AUDIO "HDMI/DP audio of a Blackwell card: pass it with the GPU; shares the card's reset bug"
#define N_BWDC "Data center Blackwell: guest needs the open kernel module; passthrough reset not reported (unknown)"
#define N_HOPPER_H100 "H100: reset reported fine; guest needs NVIDIA's open kernel module"
#define N_HOPPER "GH100 part: reset reported fine for H100 only, unknown here; guest needs the open kernel module"
#define N_GH200 "Grace-Hopper: kernel never bus-resets these (quirk), so only FLR is used; practical reset unknown; open kernel module"
#define N_ADA "Resets fine; no hypervisor hiding (no pre-R465 driver exists); proprietary or open guest module both work"
#define N_ADA_DC "No display outputs (omit x-vga); vGPU with a licence; resets fine"
#define N_NV_AUDIO "HDMI/DP audio of the card: pass it with the GPU"
#define N_GEFORCE "Code 43 only with guest drivers older than R465 (then hide KVM); modern drivers need no hiding"
#define N_NV_PRO "Workstation card: no hypervisor hiding needed"
#define N_NV_DC "No display outputs (omit x-vga); vGPU with a licence"
#define N_NV_MOBILE_OLD "Laptop GPU: rarely passable with display output"
#define N_TURING "Turing: four functions (VGA, audio, USB-C, UCSI) share the group, pass all; Code 43 only with drivers older than R465"
#define N_TURING_PRO "Turing workstation card: four functions (VGA, audio, USB-C, UCSI), pass all"
#define N_TURING_USB "Turing USB-C xHCI function (role AUDIO stands for companion): pass it with the GPU"
#define N_TURING_UCSI "Turing USB-C UCSI function (role AUDIO stands for companion): pass it with the GPU"
#define N_TURING_HDA "Turing HDMI/DP audio: pass it with the GPU and its USB-C functions"
#define N_T4 "No display outputs; kernel bus-reset quirk for T4 was added in 6.4 and reverted; vGPU with a licence"
#define N_PASCAL "Code 43 only with guest drivers older than R465 (then hide KVM); GTX 1080 reset broke in 6.14.2/6.12.23 stable"
#define N_P40 "Compute only, no display (omit x-vga); 24 GB BAR: Above 4G decoding and a large guest MMIO window; vGPU with a licence"

#define N_VR "Reset bug: vendor-reset loaded early and reset_method=device_specific (5.15+)"
#define N_VR_VEGA10 "Reset bug: vendor-reset with reset_method=device_specific; Vega 10 needs vendor-reset PR #109 on new kernels"
#define N_VR_NAVI "Reset bug: vendor-reset (BACO) with reset_method=device_specific; kernel disables ATS"
#define N_VR_AUDIO "HDMI audio of a vendor-reset card: pass it with the GPU; vendor-reset handles the GPU function only"
#define N_NAVI_SWITCH "Internal PCIe switch port of a Navi card: a bridge, never pass it"
#define N_GCN "No PM reset (kernel quirk for AMD VGA); bus reset usually works"
#define N_ATS_ONLY "Only in the kernel's ATS quirk list; passthrough behaviour not known"
#define N_NAVI2X "Resets fine for most; some host/BIOS-specific problems"
#define N_NAVI3X "FLR reported unreliable; works for many"
#define N_NAVI4X "Reset problems, no vendor-reset support; may not wake from D3cold (disable_idle_d3=1); suspend-to-RAM hook workaround"
#define N_NAVI4X_AUDIO "HDMI audio of a Navi 4x card: pass it with the GPU; shares the card's reset problems"
#define N_AMD_AUDIO "HDMI audio of the card: pass it with the GPU"
#define N_APU "APU iGPU: no reset at all, usually once per host boot, forced stop can hang the host; needs vBIOS romfile + AMDGopDriver"
#define N_APU_FORK "APU iGPU: no reset at all (community vendor-reset forks exist, not upstream); needs vBIOS romfile + AMDGopDriver"
#define N_APU_AUDIO "HD audio beside the APU iGPU: pass it with the iGPU; its own reset behaviour not known"

#define N_DG2 "Arc: guest driver needs the hypervisor hidden (kvm=off and -hypervisor); card has its own PCIe switch; reset not known"
#define N_DG2_MOBILE "Arc laptop part: hypervisor hiding as for Arc cards; switch and reset not confirmed for laptops"
#define N_DG2_SWITCH "Internal PCIe switch port of an Arc card: a bridge, expected in the GPU's group, never pass it"
#define N_DG2_AUDIO "Audio of an Arc card, behind its internal switch: pass it with the GPU"
#define N_FLEX "Data center Arc: SR-IOV virtual functions; hiding and reset not known"
#define N_BMG "xe driver only; card has its own PCIe switch; need for hypervisor hiding not established (known for DG2); reset not known"
#define N_BMG_SRIOV "xe driver only; SR-IOV virtual functions; own PCIe switch; hiding need and reset not known"
#define N_BMG_SWITCH "Internal PCIe switch port of a Battlemage card: a bridge, never pass it"
#define N_BMG_AUDIO "Audio of a Battlemage card, behind its internal switch: pass it with the GPU"
#define N_IGPU_SRIOV "12th gen+: SR-IOV VFs (00:02.1-7) via i915-sriov-dkms; full assignment needs legacy IGD mode + romfile"
#define N_IGPU_SRIOV_NEW "Newer than 12th gen: SR-IOV per knowledge (i915-sriov-dkms coverage not confirmed); full assignment needs legacy IGD + romfile"
#define N_IGPU_GVT "GVT-g (mdev) or full legacy IGD assignment with romfile; no SR-IOV"
#define N_IGPU_OLD "No SR-IOV or GVT-g listed; full legacy IGD assignment with romfile only"

/*
 * Rows of one shape, by design: each row is data with its own source, so
 * `duplicates` reports neighbouring rows as same-shape runs. Folding them
 * into a macro or a loop would hide the citation each row carries.
 */
static const struct vp_kb_gpu gpus[] = {
	/* ---- AMD ---- */
	{ AMD(0x1114, 0x1114), .family = "Krackan", .generation = "krackan", APU, .models = "Radeon 840M / 860M", .note = N_APU, .source = S_APU },
	{ AMD(0x13c0, 0x13c0), .family = "Granite Ridge", .generation = "granite-ridge", APU, .models = "Ryzen 9000 desktop iGPU", .note = N_APU, .source = S_APU },
	{ AMD(0x1478, 0x1478), .family = "Navi 10 internal switch", .generation = "navi10", .role = VP_GPU_SWITCH, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "Navi 10 upstream switch port", .note = N_NAVI_SWITCH, .source = S_NAVI_SWITCH },
	{ AMD(0x1479, 0x1479), .family = "Navi 10 internal switch", .generation = "navi10", .role = VP_GPU_SWITCH, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "Navi 10 downstream switch port", .note = N_NAVI_SWITCH, .source = S_NAVI_SWITCH },
	{ AMD(0x1506, 0x1506), .family = "Mendocino", .generation = "mendocino", APU, .models = "Radeon 610M", .note = N_APU, .source = S_APU },
	{ AMD(0x150e, 0x150e), .family = "Strix Point", .generation = "strix", APU, .models = "Radeon 880M / 890M", .note = N_APU, .source = S_APU },
	{ AMD(0x1586, 0x1586), .family = "Strix Halo", .generation = "strix-halo", APU, .models = "Radeon 8050S / 8060S", .note = N_APU, .source = S_APU },
	{ AMD(0x15bf, 0x15bf), .family = "Phoenix1", .generation = "phoenix", APU, .models = "Radeon 780M", .note = N_APU_FORK, .source = S_APU },
	{ AMD(0x15c8, 0x15c8), .family = "Phoenix2", .generation = "phoenix", APU, .models = "Phoenix2 iGPU", .note = N_APU, .source = S_APU },
	{ AMD(0x15d8, 0x15d8), .family = "Picasso / Raven2", .generation = "picasso", APU, .models = "Picasso / Raven2 iGPU", .note = N_APU, .source = S_APU ", §1.5 (ATS quirk, rev cf)" },
	{ AMD(0x15dd, 0x15dd), .family = "Raven Ridge", .generation = "raven", APU, .models = "Raven Ridge iGPU", .note = N_APU, .source = S_APU },
	{ AMD(0x15de, 0x15de), .family = "Raven Ridge", .generation = "raven", APU_AUDIO, .models = "Raven HDMI/DP audio", .note = N_APU_AUDIO, .source = S_APU_AUDIO },
	{ AMD(0x15e7, 0x15e7), .family = "Barcelo", .generation = "barcelo", APU, .models = "Barcelo iGPU", .note = N_APU, .source = S_APU },
	{ AMD(0x1636, 0x1636), .family = "Renoir", .generation = "renoir", APU, .models = "Renoir iGPU", .note = N_APU, .source = S_APU },
	{ AMD(0x1637, 0x1637), .family = "Renoir / Cezanne", .generation = "renoir", APU_AUDIO, .models = "Renoir/Cezanne HDMI/DP audio", .note = N_APU_AUDIO, .source = S_APU_AUDIO },
	{ AMD(0x1638, 0x1638), .family = "Cezanne", .generation = "cezanne", APU, .models = "Cezanne iGPU (e.g. Ryzen 5600G)", .note = N_APU_FORK, .source = S_APU },
	{ AMD(0x1640, 0x1640), .family = "Rembrandt / Strix", .generation = "rembrandt", APU_AUDIO, .models = "Rembrandt/Strix Radeon HD audio", .note = N_APU_AUDIO, .source = S_APU_AUDIO },
	{ AMD(0x164c, 0x164c), .family = "Lucienne", .generation = "lucienne", APU, .models = "Lucienne iGPU", .note = N_APU, .source = S_APU },
	{ AMD(0x164e, 0x164e), .family = "Raphael", .generation = "raphael", APU, .models = "Ryzen 7000 desktop iGPU; Ryzen 7x45HX Radeon 610M", .note = N_APU, .source = S_APU },
	{ AMD(0x1681, 0x1681), .family = "Rembrandt", .generation = "rembrandt", APU, .models = "Radeon 680M", .note = N_APU, .source = S_APU },
	{ AMD(0x1900, 0x1901), .family = "Hawk Point", .generation = "hawk-point", APU, .models = "Radeon 780M / 760M (Ryzen 8x45HS; shown as Phoenix3)", .note = N_APU_FORK, .source = S_APU },
	{ AMD(0x66a0, 0x66a0), .family = "Vega 20", .generation = "vega20", .role = VP_GPU_DISCRETE, VR, .models = "Vega 20 (Radeon VII / MI50 / MI60 / Pro VII family)", .note = N_VR, .source = S_VR("AMD_VEGA20") },
	{ AMD(0x66a1, 0x66a1), .family = "Vega 20", .generation = "vega20", .role = VP_GPU_DISCRETE, VR, .models = "Instinct MI50 / Radeon Pro VII", .note = N_VR, .source = S_VR("AMD_VEGA20") },
	{ AMD(0x66a2, 0x66a4), .family = "Vega 20", .generation = "vega20", .role = VP_GPU_DISCRETE, VR, .models = "Vega 20 (Radeon VII / MI50 / MI60 / Pro VII family)", .note = N_VR, .source = S_VR("AMD_VEGA20") },
	{ AMD(0x66a7, 0x66a7), .family = "Vega 20", .generation = "vega20", .role = VP_GPU_DISCRETE, VR, .models = "Vega 20 (Radeon VII / MI50 / MI60 / Pro VII family)", .note = N_VR, .source = S_VR("AMD_VEGA20") },
	{ AMD(0x66af, 0x66af), .family = "Vega 20", .generation = "vega20", .role = VP_GPU_DISCRETE, VR, .models = "Radeon VII", .note = N_VR, .source = S_VR("AMD_VEGA20") },
	{ AMD(0x677b, 0x677b), .family = "Caicos", .generation = "gcn", .role = VP_GPU_DISCRETE, .reset = VP_RESET_OK, .models = "Radeon HD 7450", .note = N_GCN, .source = S_GCN },
	{ AMD(0x67b1, 0x67b1), .family = "Hawaii", .generation = "gcn", .role = VP_GPU_DISCRETE, .reset = VP_RESET_OK, .models = "Radeon R9 290 / 390", .note = N_GCN, .source = S_GCN },
	{ AMD(0x67c0, 0x67c2), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67c4, 0x67c4), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67c7, 0x67ca), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67cc, 0x67cc), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67cf, 0x67cf), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67d0, 0x67d0), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67df, 0x67df), .family = "Polaris 10 (Ellesmere)", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Radeon RX 470 / 480 / 570 / 580 / 590", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x67e0, 0x67e1), .family = "Polaris 11", .generation = "polaris11", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 11 (RX 460 / 560 / WX 4100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS11") },
	{ AMD(0x67e3, 0x67e3), .family = "Polaris 11", .generation = "polaris11", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 11 (RX 460 / 560 / WX 4100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS11") },
	{ AMD(0x67e7, 0x67e9), .family = "Polaris 11", .generation = "polaris11", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 11 (RX 460 / 560 / WX 4100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS11") },
	{ AMD(0x67eb, 0x67eb), .family = "Polaris 11", .generation = "polaris11", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 11 (RX 460 / 560 / WX 4100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS11") },
	{ AMD(0x67ef, 0x67ef), .family = "Polaris 11", .generation = "polaris11", .role = VP_GPU_DISCRETE, VR, .models = "Radeon RX 460 / 560", .note = N_VR, .source = S_VR("AMD_POLARIS11") },
	{ AMD(0x67ff, 0x67ff), .family = "Polaris 11", .generation = "polaris11", .role = VP_GPU_DISCRETE, VR, .models = "Radeon RX 550 640SP / RX 560", .note = N_VR, .source = S_VR("AMD_POLARIS11") },
	{ AMD(0x6860, 0x6862), .family = "Vega 10", .generation = "vega10", .role = VP_GPU_DISCRETE, VR, .models = "Vega 10 (Vega 56/64/FE, MI25, WX 8100/9100 family)", .note = N_VR_VEGA10, .source = S_VR("AMD_VEGA10") },
	{ AMD(0x6863, 0x6863), .family = "Vega 10", .generation = "vega10", .role = VP_GPU_DISCRETE, VR, .models = "Radeon Vega Frontier Edition", .note = N_VR_VEGA10, .source = S_VR("AMD_VEGA10") },
	{ AMD(0x6864, 0x6864), .family = "Vega 10", .generation = "vega10", .role = VP_GPU_DISCRETE, VR, .models = "Vega 10 (Vega 56/64/FE, MI25, WX 8100/9100 family)", .note = N_VR_VEGA10, .source = S_VR("AMD_VEGA10") },
	{ AMD(0x6867, 0x686f), .family = "Vega 10", .generation = "vega10", .role = VP_GPU_DISCRETE, VR, .models = "Vega 10 (Vega 56/64/FE, MI25, WX 8100/9100 family)", .note = N_VR_VEGA10, .source = S_VR("AMD_VEGA10") },
	{ AMD(0x687f, 0x687f), .family = "Vega 10", .generation = "vega10", .role = VP_GPU_DISCRETE, VR, .models = "Radeon RX Vega 56 / 64", .note = N_VR_VEGA10, .source = S_VR("AMD_VEGA10") },
	{ AMD(0x6900, 0x6900), .family = "Iceland", .generation = "iceland", .role = VP_GPU_DISCRETE, .reset = VP_RESET_UNKNOWN, .models = "Iceland", .note = N_ATS_ONLY, .source = S_ATS_ONLY },
	{ AMD(0x6980, 0x6981), .family = "Polaris 12", .generation = "polaris12", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 12 (RX 540/550, WX 2100/3100/3200 family)", .note = N_VR, .source = S_VR("AMD_POLARIS12") },
	{ AMD(0x6985, 0x6987), .family = "Polaris 12", .generation = "polaris12", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 12 (RX 540/550, WX 2100/3100/3200 family)", .note = N_VR, .source = S_VR("AMD_POLARIS12") },
	{ AMD(0x6995, 0x6995), .family = "Polaris 12", .generation = "polaris12", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 12 (RX 540/550, WX 2100/3100/3200 family)", .note = N_VR, .source = S_VR("AMD_POLARIS12") },
	{ AMD(0x6997, 0x6997), .family = "Polaris 12", .generation = "polaris12", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 12 (RX 540/550, WX 2100/3100/3200 family)", .note = N_VR, .source = S_VR("AMD_POLARIS12") },
	{ AMD(0x699f, 0x699f), .family = "Polaris 12 (Lexa)", .generation = "polaris12", .role = VP_GPU_DISCRETE, VR, .models = "Radeon RX 540 / 550", .note = N_VR, .source = S_VR("AMD_POLARIS12") },
	{ AMD(0x6fdf, 0x6fdf), .family = "Polaris 10", .generation = "polaris10", .role = VP_GPU_DISCRETE, VR, .models = "Polaris 10 (RX 470-590 / WX 5100 / WX 7100 family)", .note = N_VR, .source = S_VR("AMD_POLARIS10") },
	{ AMD(0x7310, 0x7310), .family = "Navi 10", .generation = "navi10", .role = VP_GPU_DISCRETE, VR, .models = "Navi 10 (RX 5600/5700, W5700 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI10") },
	{ AMD(0x7312, 0x7312), .family = "Navi 10", .generation = "navi10", .role = VP_GPU_DISCRETE, VR, .models = "Navi 10 (RX 5600/5700, W5700 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI10") },
	{ AMD(0x7318, 0x731b), .family = "Navi 10", .generation = "navi10", .role = VP_GPU_DISCRETE, VR, .models = "Navi 10 (RX 5600/5700, W5700 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI10") },
	{ AMD(0x731e, 0x731e), .family = "Navi 10", .generation = "navi10", .role = VP_GPU_DISCRETE, VR, .models = "Navi 10 (RX 5600/5700, W5700 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI10") },
	{ AMD(0x731f, 0x731f), .family = "Navi 10", .generation = "navi10", .role = VP_GPU_DISCRETE, VR, .internal_switch = true, .models = "Radeon RX 5600 XT / 5700 / 5700 XT", .note = N_VR_NAVI "; card carries switch 1478/1479", .source = S_VR_NAVI("AMD_NAVI10") },
	{ AMD(0x7340, 0x7340), .family = "Navi 14", .generation = "navi14", .role = VP_GPU_DISCRETE, VR, .models = "Radeon RX 5500 / 5500 XT / 5300", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI14") },
	{ AMD(0x7341, 0x7341), .family = "Navi 14", .generation = "navi14", .role = VP_GPU_DISCRETE, VR, .models = "Navi 14 (RX 5300/5500, W5500 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI14") },
	{ AMD(0x7347, 0x7347), .family = "Navi 14", .generation = "navi14", .role = VP_GPU_DISCRETE, VR, .models = "Navi 14 (RX 5300/5500, W5500 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI14") },
	{ AMD(0x734f, 0x734f), .family = "Navi 14", .generation = "navi14", .role = VP_GPU_DISCRETE, VR, .models = "Navi 14 (RX 5300/5500, W5500 family)", .note = N_VR_NAVI, .source = S_VR_NAVI("AMD_NAVI14") },
	{ AMD(0x7360, 0x7360), .family = "Navi 12", .generation = "navi12", .role = VP_GPU_DISCRETE, VR, .models = "Radeon Pro 5600M", .note = N_VR, .source = S_VR("AMD_NAVI12") },
	{ AMD(0x7362, 0x7362), .family = "Navi 12", .generation = "navi12", .role = VP_GPU_DISCRETE, VR, .models = "Radeon Pro V520", .note = N_VR, .source = S_VR("AMD_NAVI12") },
	{ AMD(0x738c, 0x738c), .family = "Arcturus", .generation = "arcturus", .role = VP_GPU_COMPUTE, VR, .models = "Instinct MI100", .note = N_VR, .source = S_VR("ARCTURUS, labelled AMD_VEGA20") },
	{ AMD(0x73a5, 0x73a5), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6950 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x73af, 0x73af), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6900 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x73bf, 0x73bf), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6800 / 6800 XT / 6900 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x73df, 0x73df), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6700 / 6700 XT / 6750 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x73ef, 0x73ef), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6650 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x73ff, 0x73ff), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6600 / 6600 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x743f, 0x743f), .family = "Navi 2x", NAVI2X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 6400 / 6500 XT", .note = N_NAVI2X, .source = S_NAVI2X },
	{ AMD(0x7448, 0x7448), .family = "Navi 3x", NAVI3X, .role = VP_GPU_DISCRETE, .models = "Radeon Pro W7900", .note = N_NAVI3X, .source = S_NAVI3X },
	{ AMD(0x744c, 0x744c), .family = "Navi 3x", NAVI3X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 7900 XT / XTX / GRE", .note = N_NAVI3X, .source = S_NAVI3X },
	{ AMD(0x7470, 0x7470), .family = "Navi 3x", NAVI3X, .role = VP_GPU_DISCRETE, .models = "Radeon Pro W7700", .note = N_NAVI3X, .source = S_NAVI3X },
	{ AMD(0x747e, 0x747e), .family = "Navi 3x", NAVI3X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 7700 XT / 7800 XT", .note = N_NAVI3X, .source = S_NAVI3X },
	{ AMD(0x7480, 0x7480), .family = "Navi 33", NAVI3X, .role = VP_GPU_DISCRETE, .models = "Radeon RX 7600 / 7600 XT / 7600M XT / 7700S", .note = N_NAVI3X, .source = S_NAVI3X },
	{ AMD(0x7489, 0x7489), .family = "Navi 3x", NAVI3X, .role = VP_GPU_DISCRETE, .models = "Radeon Pro W7500", .note = N_NAVI3X, .source = S_NAVI3X },
	{ AMD(0x7550, 0x7550), .family = "Navi 48", NAVI4X, .role = VP_GPU_DISCRETE, .d3cold_trouble = true, .models = "Radeon RX 9070 / 9070 XT / 9070 GRE", .note = N_NAVI4X, .source = S_NAVI4X },
	{ AMD(0x7551, 0x7551), .family = "Navi 4x", NAVI4X, .role = VP_GPU_DISCRETE, .d3cold_trouble = true, .models = "Radeon AI PRO R9700", .note = N_NAVI4X, .source = S_NAVI4X },
	{ AMD(0x7590, 0x7590), .family = "Navi 44", NAVI4X, .role = VP_GPU_DISCRETE, .d3cold_trouble = true, .models = "Radeon RX 9050 / 9060 XT", .note = N_NAVI4X, .source = S_NAVI4X },
	{ AMD(0x98e4, 0x98e4), .family = "Stoney", .generation = "stoney", .role = VP_GPU_INTEGRATED, .reset = VP_RESET_UNKNOWN, .models = "Stoney iGPU", .note = N_ATS_ONLY, .source = S_ATS_ONLY },
	{ AMD(0xaae0, 0xaae0), .family = "Polaris 11/12", .generation = "polaris11", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .models = "Polaris 11/12 HDMI audio (RX 550/560, Lexa)", .note = N_VR_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xaaf0, 0xaaf0), .family = "Polaris 10 (Ellesmere)", .generation = "polaris10", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .models = "Ellesmere HDMI audio (RX 470-590)", .note = N_VR_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xaaf8, 0xaaf8), .family = "Vega 10", .generation = "vega10", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .models = "Vega 10 HDMI audio (RX Vega 56/64)", .note = N_VR_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xab10, 0xab10), .family = "Polaris 12 (Lexa)", .generation = "polaris12", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .models = "Lexa HDMI audio (RX 540/550)", .note = N_VR_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xab20, 0xab20), .family = "Vega 20", .generation = "vega20", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .models = "Vega 20 HDMI audio (Radeon VII)", .note = N_VR_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xab28, 0xab28), .family = "Navi 2x", NAVI2X, .role = VP_GPU_AUDIO, .models = "Navi 2x HDMI audio (RX 6800-6950)", .note = N_AMD_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xab30, 0xab30), .family = "Navi 3x", NAVI3X, .role = VP_GPU_AUDIO, .models = "Navi 3x HDMI audio (RX 7900)", .note = N_AMD_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xab38, 0xab38), .family = "Navi 10", .generation = "navi10", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .models = "Navi 10 HDMI audio (RX 5600/5700)", .note = N_VR_AUDIO, .source = S_AMD_AUDIO },
	{ AMD(0xab40, 0xab40), .family = "Navi 4x", NAVI4X, .role = VP_GPU_AUDIO, .models = "Navi 4x HDMI audio (RX 9070)", .note = N_NAVI4X_AUDIO, .source = S_AMD_AUDIO ", §6" },

	/* ---- NVIDIA ---- */
	{ NV(0x0fb8, 0x0fb8), .family = "Pascal GP108", PASCAL, NV_AUDIO, .models = "GP108 HDMI audio (GT 1030)", .note = N_NV_AUDIO, .source = S_PASCAL_AUDIO },
	{ NV(0x0fb9, 0x0fb9), .family = "Pascal GP107", PASCAL, NV_AUDIO, .models = "GP107 HDMI audio (GTX 1050 / 1050 Ti)", .note = N_NV_AUDIO, .source = S_PASCAL_AUDIO },
	{ NV(0x10ef, 0x10ef), .family = "Pascal GP102", PASCAL, NV_AUDIO, .models = "GP102 HDMI audio", .note = N_NV_AUDIO, .source = S_PASCAL_AUDIO },
	{ NV(0x10f0, 0x10f0), .family = "Pascal GP104", PASCAL, NV_AUDIO, .models = "GP104 HDMI audio", .note = N_NV_AUDIO, .source = S_PASCAL_AUDIO },
	{ NV(0x10f1, 0x10f1), .family = "Pascal GP106", PASCAL, NV_AUDIO, .models = "GP106 HDMI audio", .note = N_NV_AUDIO, .source = S_PASCAL_AUDIO },
	{ NV(0x10f7, 0x10f7), .family = "Turing TU102", TURING, NV_AUDIO, .models = "TU102 HD audio", .note = N_TURING_HDA, .source = S_TURING_FN },
	{ NV(0x10f8, 0x10f8), .family = "Turing TU104", TURING, NV_AUDIO, .models = "TU104 HD audio", .note = N_TURING_HDA, .source = S_TURING_FN },
	{ NV(0x10f9, 0x10f9), .family = "Turing TU106", TURING, NV_AUDIO, .models = "TU106 HD audio", .note = N_TURING_HDA, .source = S_TURING_FN },
	{ NV(0x15f7, 0x15f8), .family = "Pascal GP100", PASCAL, NV_DC, .models = "Tesla P100 PCIe", .note = N_NV_DC, .source = S_PASCAL_DC },
	{ NV(0x15f9, 0x15f9), .family = "Pascal GP100", PASCAL, NV_DC, .models = "Tesla P100 SXM2", .note = N_NV_DC, .source = S_PASCAL_DC },
	{ NV(0x1ad6, 0x1ad6), .family = "Turing TU102", TURING, NV_AUDIO, .models = "TU102 USB 3.1 xHCI (USB-C)", .note = N_TURING_USB, .source = S_TURING_FN },
	{ NV(0x1ad7, 0x1ad7), .family = "Turing TU102", TURING, NV_AUDIO, .models = "TU102 USB-C UCSI", .note = N_TURING_UCSI, .source = S_TURING_FN },
	{ NV(0x1ad8, 0x1ad8), .family = "Turing TU104", TURING, NV_AUDIO, .models = "TU104 USB 3.1 xHCI (USB-C)", .note = N_TURING_USB, .source = S_TURING_FN },
	{ NV(0x1ad9, 0x1ad9), .family = "Turing TU104", TURING, NV_AUDIO, .models = "TU104 USB-C UCSI", .note = N_TURING_UCSI, .source = S_TURING_FN },
	{ NV(0x1ada, 0x1ada), .family = "Turing TU106", TURING, NV_AUDIO, .models = "TU106 USB 3.1 xHCI (USB-C)", .note = N_TURING_USB, .source = S_TURING_FN },
	{ NV(0x1adb, 0x1adb), .family = "Turing TU106", TURING, NV_AUDIO, .models = "TU106 USB-C UCSI", .note = N_TURING_UCSI, .source = S_TURING_FN },
	{ NV(0x1aeb, 0x1aeb), .family = "Turing TU116", TURING, NV_AUDIO, .models = "TU116 HD audio", .note = N_TURING_HDA, .source = S_TURING_FN },
	{ NV(0x1aec, 0x1aec), .family = "Turing TU116", TURING, NV_AUDIO, .models = "TU116 USB 3.1 xHCI (USB-C)", .note = N_TURING_USB, .source = S_TURING_FN },
	{ NV(0x1aed, 0x1aed), .family = "Turing TU116", TURING, NV_AUDIO, .models = "TU116 USB-C UCSI", .note = N_TURING_UCSI, .source = S_TURING_FN },
	{ NV(0x1aef, 0x1aef), .family = "Ampere GA102", AMPERE, NV_AUDIO, .models = "GA102 HD audio", .note = N_NV_AUDIO, .source = S_AMPERE_AUDIO },
	{ NV(0x1b00, 0x1b00), .family = "Pascal GP102", PASCAL, GEFORCE, .models = "TITAN X (Pascal)", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1b02, 0x1b02), .family = "Pascal GP102", PASCAL, GEFORCE, .models = "TITAN Xp", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1b06, 0x1b06), .family = "Pascal GP102", PASCAL, GEFORCE, .models = "GeForce GTX 1080 Ti", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1b30, 0x1b30), .family = "Pascal GP102", PASCAL, .role = VP_GPU_DISCRETE, .models = "Quadro P6000", .note = N_NV_PRO, .source = S_PASCAL_PRO },
	{ NV(0x1b38, 0x1b38), .family = "Pascal GP102", PASCAL, NV_DC, .large_bar = true, .models = "Tesla P40", .note = N_P40, .source = S_P40 },
	{ NV(0x1b39, 0x1b39), .family = "Pascal GP102", PASCAL, NV_DC, .models = "Tesla P10", .note = N_NV_DC, .source = S_PASCAL_DC },
	{ NV(0x1b80, 0x1b80), .family = "Pascal GP104", PASCAL, GEFORCE, .models = "GeForce GTX 1080", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1b81, 0x1b81), .family = "Pascal GP104", PASCAL, GEFORCE, .models = "GeForce GTX 1070", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1b82, 0x1b82), .family = "Pascal GP104", PASCAL, GEFORCE, .models = "GeForce GTX 1070 Ti", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1b83, 0x1b84), .family = "Pascal GP104", PASCAL, GEFORCE, .models = "GeForce GTX 1060 (GP104)", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1bb0, 0x1bb0), .family = "Pascal GP104", PASCAL, .role = VP_GPU_DISCRETE, .models = "Quadro P5000", .note = N_NV_PRO, .source = S_PASCAL_PRO },
	{ NV(0x1bb1, 0x1bb1), .family = "Pascal GP104", PASCAL, .role = VP_GPU_DISCRETE, .models = "Quadro P4000", .note = N_NV_PRO, .source = S_PASCAL_PRO },
	{ NV(0x1bb3, 0x1bb3), .family = "Pascal GP104", PASCAL, NV_DC, .models = "Tesla P4", .note = N_NV_DC, .source = S_PASCAL_DC },
	{ NV(0x1c02, 0x1c03), .family = "Pascal GP106", PASCAL, GEFORCE, .models = "GeForce GTX 1060", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1c06, 0x1c06), .family = "Pascal GP106", PASCAL, GEFORCE, .models = "GeForce GTX 1060", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1c30, 0x1c30), .family = "Pascal GP106", PASCAL, .role = VP_GPU_DISCRETE, .models = "Quadro P2000", .note = N_NV_PRO, .source = S_PASCAL_PRO },
	{ NV(0x1c81, 0x1c81), .family = "Pascal GP107", PASCAL, GEFORCE, .models = "GeForce GTX 1050", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1c82, 0x1c82), .family = "Pascal GP107", PASCAL, GEFORCE, .models = "GeForce GTX 1050 Ti", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1cb3, 0x1cb3), .family = "Pascal GP107", PASCAL, .role = VP_GPU_DISCRETE, .models = "Quadro P400", .note = N_NV_PRO, .source = S_PASCAL_PRO },
	{ NV(0x1d01, 0x1d01), .family = "Pascal GP108", PASCAL, GEFORCE, .models = "GeForce GT 1030", .note = N_PASCAL, .source = S_PASCAL },
	{ NV(0x1e02, 0x1e02), .family = "Turing TU102", TURING, GEFORCE, .models = "TITAN RTX", .note = N_TURING, .source = S_TURING },
	{ NV(0x1e04, 0x1e04), .family = "Turing TU102", TURING, GEFORCE, .models = "GeForce RTX 2080 Ti", .note = N_TURING, .source = S_TURING },
	{ NV(0x1e07, 0x1e07), .family = "Turing TU102", TURING, GEFORCE, .models = "GeForce RTX 2080 Ti", .note = N_TURING, .source = S_TURING },
	{ NV(0x1e30, 0x1e30), .family = "Turing TU102", TURING, .role = VP_GPU_DISCRETE, .models = "Quadro RTX 6000/8000", .note = N_TURING_PRO, .source = S_TURING_PRO },
	{ NV(0x1e36, 0x1e36), .family = "Turing TU102", TURING, .role = VP_GPU_DISCRETE, .models = "Quadro RTX 6000/8000", .note = N_TURING_PRO, .source = S_TURING_PRO },
	{ NV(0x1e78, 0x1e78), .family = "Turing TU102", TURING, .role = VP_GPU_DISCRETE, .models = "Quadro RTX 6000/8000", .note = N_TURING_PRO, .source = S_TURING_PRO },
	{ NV(0x1e81, 0x1e81), .family = "Turing TU104", TURING, GEFORCE, .models = "GeForce RTX 2080 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x1e82, 0x1e82), .family = "Turing TU104", TURING, GEFORCE, .models = "GeForce RTX 2080", .note = N_TURING, .source = S_TURING },
	{ NV(0x1e84, 0x1e84), .family = "Turing TU104", TURING, GEFORCE, .models = "GeForce RTX 2070 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x1e87, 0x1e87), .family = "Turing TU104", TURING, GEFORCE, .models = "GeForce RTX 2080 Rev. A", .note = N_TURING, .source = S_TURING },
	{ NV(0x1eb0, 0x1eb0), .family = "Turing TU104", TURING, .role = VP_GPU_DISCRETE, .models = "Quadro RTX 5000", .note = N_TURING_PRO, .source = S_TURING_PRO },
	{ NV(0x1eb1, 0x1eb1), .family = "Turing TU104", TURING, .role = VP_GPU_DISCRETE, .models = "Quadro RTX 4000", .note = N_TURING_PRO, .source = S_TURING_PRO },
	{ NV(0x1eb8, 0x1eb8), .family = "Turing TU104", TURING, NV_DC, .models = "Tesla T4", .note = N_T4, .source = S_T4 },
	{ NV(0x1f02, 0x1f02), .family = "Turing TU106", TURING, GEFORCE, .models = "GeForce RTX 2070", .note = N_TURING, .source = S_TURING },
	{ NV(0x1f06, 0x1f06), .family = "Turing TU106", TURING, GEFORCE, .models = "GeForce RTX 2060 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x1f07, 0x1f07), .family = "Turing TU106", TURING, GEFORCE, .models = "GeForce RTX 2070", .note = N_TURING, .source = S_TURING },
	{ NV(0x1f08, 0x1f08), .family = "Turing TU106", TURING, GEFORCE, .models = "GeForce RTX 2060", .note = N_TURING, .source = S_TURING },
	{ NV(0x1f42, 0x1f42), .family = "Turing TU106", TURING, GEFORCE, .models = "GeForce RTX 2060 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x1f47, 0x1f47), .family = "Turing TU106", TURING, GEFORCE, .models = "GeForce RTX 2060 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x1f82, 0x1f82), .family = "Turing TU117", TURING, GEFORCE, .models = "GeForce GTX 1650", .note = N_GEFORCE, .source = S_TURING },
	{ NV(0x1fb1, 0x1fb1), .family = "Turing TU117", TURING, .role = VP_GPU_DISCRETE, .models = "T600", .note = N_NV_PRO, .source = S_TURING_PRO },
	{ NV(0x1ff2, 0x1ff2), .family = "Turing TU117", TURING, .role = VP_GPU_DISCRETE, .models = "T400", .note = N_NV_PRO, .source = S_TURING_PRO },
	{ NV(0x20b0, 0x20b5), .family = "Ampere GA100", AMPERE, NV_DC, .models = "A100", .note = N_NV_DC, .source = S_AMPERE_DC },
	{ NV(0x20b7, 0x20b7), .family = "Ampere GA100", AMPERE, NV_DC, .models = "A30", .note = N_NV_DC, .source = S_AMPERE_DC },
	{ NV(0x2182, 0x2182), .family = "Turing TU116", TURING, GEFORCE, .models = "GeForce GTX 1660 Ti", .note = N_TURING, .source = S_TURING },
	{ NV(0x2184, 0x2184), .family = "Turing TU116", TURING, GEFORCE, .models = "GeForce GTX 1660", .note = N_TURING, .source = S_TURING },
	{ NV(0x2187, 0x2187), .family = "Turing TU116", TURING, GEFORCE, .models = "GeForce GTX 1650 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x21c4, 0x21c4), .family = "Turing TU116", TURING, GEFORCE, .models = "GeForce GTX 1660 SUPER", .note = N_TURING, .source = S_TURING },
	{ NV(0x2203, 0x2203), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3090 Ti", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2204, 0x2204), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3090", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2206, 0x2206), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3080", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2207, 0x2207), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3070 Ti (GA102)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2208, 0x2208), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3080 Ti", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x220a, 0x220a), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3080 12GB", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2216, 0x2216), .family = "Ampere GA102", AMPERE, GEFORCE, .models = "GeForce RTX 3080 LHR", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2230, 0x2230), .family = "Ampere GA102", AMPERE, .role = VP_GPU_DISCRETE, .models = "RTX A6000", .note = N_NV_PRO, .source = S_AMPERE_PRO },
	{ NV(0x2231, 0x2231), .family = "Ampere GA102", AMPERE, .role = VP_GPU_DISCRETE, .models = "RTX A5000", .note = N_NV_PRO, .source = S_AMPERE_PRO },
	{ NV(0x2233, 0x2233), .family = "Ampere GA102", AMPERE, .role = VP_GPU_DISCRETE, .models = "RTX A5500", .note = N_NV_PRO, .source = S_AMPERE_PRO },
	{ NV(0x2235, 0x2235), .family = "Ampere GA102", AMPERE, NV_DC, .models = "A40", .note = N_NV_DC, .source = S_AMPERE_DC },
	{ NV(0x2236, 0x2236), .family = "Ampere GA102", AMPERE, NV_DC, .models = "A10", .note = N_NV_DC, .source = S_AMPERE_DC },
	{ NV(0x228b, 0x228b), .family = "Ampere GA104", AMPERE, NV_AUDIO, .models = "GA104 HD audio (GA103/GA104 cards)", .note = N_NV_AUDIO, .source = S_AMPERE_AUDIO },
	{ NV(0x228e, 0x228e), .family = "Ampere GA106", AMPERE, NV_AUDIO, .models = "GA106 HD audio", .note = N_NV_AUDIO, .source = S_AMPERE_AUDIO },
	{ NV(0x2291, 0x2291), .family = "Ampere GA107", AMPERE, NV_AUDIO, .models = "GA107 HD audio", .note = N_NV_AUDIO, .source = S_AMPERE_AUDIO },
	{ NV(0x22ba, 0x22ba), .family = "Ada AD102", ADA, NV_AUDIO, .models = "AD102 HD audio", .note = N_NV_AUDIO, .source = S_ADA_AUDIO },
	{ NV(0x22bb, 0x22bb), .family = "Ada AD103", ADA, NV_AUDIO, .models = "AD103 HD audio", .note = N_NV_AUDIO, .source = S_ADA_AUDIO },
	{ NV(0x22bc, 0x22bc), .family = "Ada AD104", ADA, NV_AUDIO, .models = "AD104 HD audio", .note = N_NV_AUDIO, .source = S_ADA_AUDIO },
	{ NV(0x22bd, 0x22bd), .family = "Ada AD106", ADA, NV_AUDIO, .models = "AD106 HD audio", .note = N_NV_AUDIO, .source = S_ADA_AUDIO },
	{ NV(0x22be, 0x22be), .family = "Ada AD107", ADA, NV_AUDIO, .models = "AD107 HD audio", .note = N_NV_AUDIO, .source = S_ADA_AUDIO },
	{ NV(0x22e8, 0x22e8), .family = "Blackwell GB202", BW_AUDIO, .models = "GB202 HD audio", .note = N_BW_AUDIO, .source = S_BW_AUDIO },
	{ NV(0x22e9, 0x22e9), .family = "Blackwell GB203", BW_AUDIO, .models = "GB203 HD audio", .note = N_BW_AUDIO, .source = S_BW_AUDIO },
	{ NV(0x22eb, 0x22eb), .family = "Blackwell GB206", BW_AUDIO, .models = "GB206 HD audio", .note = N_BW_AUDIO, .source = S_BW_AUDIO },
	{ NV(0x22ec, 0x22ec), .family = "Blackwell GB207", BW_AUDIO, .models = "GB207 HD audio", .note = N_BW_AUDIO, .source = S_BW_AUDIO },
	{ NV(0x2321, 0x2321), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "H100L / H800 / H20 variant", .note = N_HOPPER, .source = S_HOPPER },
	{ NV(0x2322, 0x2322), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "H100L / H800 / H20 variant", .note = N_HOPPER, .source = S_HOPPER },
	{ NV(0x2324, 0x2324), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "H100L / H800 / H20 variant", .note = N_HOPPER, .source = S_HOPPER },
	{ NV(0x2329, 0x2329), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "H100L / H800 / H20 variant", .note = N_HOPPER, .source = S_HOPPER },
	{ NV(0x2330, 0x2330), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_OK, .models = "H100 SXM5", .note = N_HOPPER_H100, .source = S_HOPPER },
	{ NV(0x2331, 0x2331), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_OK, .models = "H100 PCIe", .note = N_HOPPER_H100, .source = S_HOPPER },
	{ NV(0x2335, 0x2335), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "H200", .note = N_HOPPER, .source = S_HOPPER },
	{ NV(0x233b, 0x233b), .family = "Hopper GH100", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "H200 NVL", .note = N_HOPPER, .source = S_HOPPER },
	{ NV(0x2340, 0x237f), .family = "Hopper GH100 (Grace-Hopper)", HOPPER, .reset = VP_RESET_UNKNOWN, .models = "GH200 (e.g. 2342, 2348)", .note = N_GH200, .source = S_GH200 },
	{ NV(0x2414, 0x2414), .family = "Ampere GA103", AMPERE, GEFORCE, .models = "GeForce RTX 3060 Ti (GA103)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2482, 0x2482), .family = "Ampere GA104", AMPERE, GEFORCE, .models = "GeForce RTX 3070 Ti", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2484, 0x2484), .family = "Ampere GA104", AMPERE, GEFORCE, .models = "GeForce RTX 3070", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2486, 0x2486), .family = "Ampere GA104", AMPERE, GEFORCE, .models = "GeForce RTX 3060 Ti", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2487, 0x2487), .family = "Ampere GA104", AMPERE, GEFORCE, .models = "GeForce RTX 3060 (GA104)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2488, 0x2489), .family = "Ampere GA104", AMPERE, GEFORCE, .models = "GeForce RTX 30 LHR (GA104)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x24b0, 0x24b0), .family = "Ampere GA104", AMPERE, .role = VP_GPU_DISCRETE, .models = "RTX A4000", .note = N_NV_PRO, .source = S_AMPERE_PRO },
	{ NV(0x2503, 0x2504), .family = "Ampere GA106", AMPERE, GEFORCE, .models = "GeForce RTX 3060 (2504 LHR)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2507, 0x2507), .family = "Ampere GA106", AMPERE, GEFORCE, .models = "GeForce RTX 3050 (GA106)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x2531, 0x2531), .family = "Ampere GA106", AMPERE, .role = VP_GPU_DISCRETE, .models = "RTX A2000", .note = N_NV_PRO, .source = S_AMPERE_PRO },
	{ NV(0x2571, 0x2571), .family = "Ampere GA106", AMPERE, .role = VP_GPU_DISCRETE, .models = "RTX A2000 12GB", .note = N_NV_PRO, .source = S_AMPERE_PRO },
	{ NV(0x2582, 0x2584), .family = "Ampere GA107", AMPERE, GEFORCE, .models = "GeForce RTX 3050 (GA107)", .note = N_GEFORCE, .source = S_AMPERE },
	{ NV(0x25b6, 0x25b6), .family = "Ampere GA107", AMPERE, NV_DC, .models = "A2 / A16", .note = N_NV_DC, .source = S_AMPERE_DC },
	{ NV(0x2681, 0x2681), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "TITAN Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x2684, 0x2684), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4090", .note = N_ADA, .source = S_ADA },
	{ NV(0x2685, 0x2685), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4090 D", .note = N_ADA, .source = S_ADA },
	{ NV(0x2689, 0x2689), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4070 Ti SUPER (AD102)", .note = N_ADA, .source = S_ADA },
	{ NV(0x26b1, 0x26b1), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 6000 Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x26b2, 0x26b2), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 5000 Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x26b3, 0x26b3), .family = "Ada AD102", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 5880 Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x26b5, 0x26b5), .family = "Ada AD102", ADA, NV_DC, .models = "L40", .note = N_ADA_DC, .source = S_ADA_DC },
	{ NV(0x26b9, 0x26b9), .family = "Ada AD102", ADA, NV_DC, .models = "L40S", .note = N_ADA_DC, .source = S_ADA_DC },
	{ NV(0x26ba, 0x26ba), .family = "Ada AD102", ADA, NV_DC, .models = "L20", .note = N_ADA_DC, .source = S_ADA_DC },
	{ NV(0x2702, 0x2703), .family = "Ada AD103", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4080 SUPER", .note = N_ADA, .source = S_ADA },
	{ NV(0x2704, 0x2704), .family = "Ada AD103", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4080", .note = N_ADA, .source = S_ADA },
	{ NV(0x2705, 0x2705), .family = "Ada AD103", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4070 Ti SUPER (AD103)", .note = N_ADA, .source = S_ADA },
	{ NV(0x2709, 0x2709), .family = "Ada AD103", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4070 (AD103)", .note = N_ADA, .source = S_ADA },
	{ NV(0x2782, 0x2782), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4070 Ti", .note = N_ADA, .source = S_ADA },
	{ NV(0x2783, 0x2783), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4070 SUPER", .note = N_ADA, .source = S_ADA },
	{ NV(0x2786, 0x2786), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4070", .note = N_ADA, .source = S_ADA },
	{ NV(0x2788, 0x2788), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4060 Ti (AD104)", .note = N_ADA, .source = S_ADA },
	{ NV(0x27b0, 0x27b0), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 4000 SFF Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x27b1, 0x27b1), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 4500 Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x27b2, 0x27b2), .family = "Ada AD104", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 4000 Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x27b8, 0x27b8), .family = "Ada AD104", ADA, NV_DC, .models = "L4", .note = N_ADA_DC, .source = S_ADA_DC },
	{ NV(0x2803, 0x2803), .family = "Ada AD106", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4060 Ti", .note = N_ADA, .source = S_ADA },
	{ NV(0x2805, 0x2805), .family = "Ada AD106", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4060 Ti 16GB", .note = N_ADA, .source = S_ADA },
	{ NV(0x2808, 0x2808), .family = "Ada AD106", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4060", .note = N_ADA, .source = S_ADA },
	{ NV(0x2882, 0x2882), .family = "Ada AD107", ADA, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 4060 (AD107)", .note = N_ADA, .source = S_ADA },
	{ NV(0x28b0, 0x28b0), .family = "Ada AD107", ADA, .role = VP_GPU_DISCRETE, .models = "RTX 2000 Ada", .note = N_ADA, .source = S_ADA },
	{ NV(0x2901, 0x2901), .family = "Blackwell GB100", BWDC, .reset = VP_RESET_OK, .models = "B200", .note = "B200: reset bug not seen (unlike consumer Blackwell); guest needs the open kernel module", .source = S_BWDC },
	{ NV(0x2941, 0x2941), .family = "Blackwell GB100", BWDC, .reset = VP_RESET_UNKNOWN, .models = "GB200", .note = N_BWDC, .source = S_BWDC },
	{ NV(0x29bc, 0x29bc), .family = "Blackwell GB100", BWDC, .reset = VP_RESET_UNKNOWN, .models = "B100", .note = N_BWDC, .source = S_BWDC },
	{ NV(0x2b85, 0x2b85), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5090", .note = N_BW, .source = S_BW },
	{ NV(0x2b87, 0x2b87), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5090 D", .note = N_BW, .source = S_BW },
	{ NV(0x2b8c, 0x2b8c), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5090 D V2", .note = N_BW, .source = S_BW },
	{ NV(0x2bb1, 0x2bb1), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 6000 Blackwell Workstation", .note = N_BW, .source = S_BW },
	{ NV(0x2bb2, 0x2bb2), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 6000D Blackwell", .note = N_BW, .source = S_BW },
	{ NV(0x2bb3, 0x2bb3), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 5000 Blackwell (48/72GB)", .note = N_BW, .source = S_BW },
	{ NV(0x2bb4, 0x2bb4), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 6000 Blackwell Max-Q", .note = N_BW, .source = S_BW },
	{ NV(0x2bb5, 0x2bb5), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 6000 Blackwell Server Edition", .note = N_BW, .source = S_BW },
	{ NV(0x2bb9, 0x2bb9), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX 6000D Blackwell", .note = N_BW, .source = S_BW },
	{ NV(0x2bbc, 0x2bbc), .family = "Blackwell GB202", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 6000D Blackwell Max-Q", .note = N_BW, .source = S_BW },
	{ NV(0x2c02, 0x2c02), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5080", .note = N_BW, .source = S_BW },
	{ NV(0x2c05, 0x2c05), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5070 Ti", .note = N_BW, .source = S_BW },
	{ NV(0x2c18, 0x2c19), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "GB203 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2c31, 0x2c31), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 4500 Blackwell", .note = N_BW, .source = S_BW },
	{ NV(0x2c33, 0x2c33), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 4000 Blackwell SFF", .note = N_BW, .source = S_BW },
	{ NV(0x2c34, 0x2c34), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 4000 Blackwell", .note = N_BW, .source = S_BW },
	{ NV(0x2c3a, 0x2c3a), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 4500 Blackwell Server", .note = N_BW, .source = S_BW },
	{ NV(0x2c58, 0x2c59), .family = "Blackwell GB203", BW, .role = VP_GPU_DISCRETE, .models = "GB203 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2d04, 0x2d04), .family = "Blackwell GB206", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5060 Ti", .note = N_BW, .source = S_BW },
	{ NV(0x2d05, 0x2d05), .family = "Blackwell GB206", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5060", .note = N_BW, .source = S_BW },
	{ NV(0x2d18, 0x2d19), .family = "Blackwell GB206", BW, .role = VP_GPU_DISCRETE, .models = "GB206 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2d30, 0x2d30), .family = "Blackwell GB206", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 2000 Blackwell", .note = N_BW, .source = S_BW },
	{ NV(0x2d58, 0x2d59), .family = "Blackwell GB206", BW, .role = VP_GPU_DISCRETE, .models = "GB206 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2d83, 0x2d83), .family = "Blackwell GB207", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5050", .note = N_BW, .source = S_BW },
	{ NV(0x2d98, 0x2d98), .family = "Blackwell GB207", BW, .role = VP_GPU_DISCRETE, .models = "GB207 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2db8, 0x2db9), .family = "Blackwell GB207", BW, .role = VP_GPU_DISCRETE, .models = "RTX PRO 500/1000 Blackwell laptop", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2dd8, 0x2dd8), .family = "Blackwell GB207", BW, .role = VP_GPU_DISCRETE, .models = "GB207 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2e12, 0x2e12), .family = "Blackwell GB10", BWDC, .reset = VP_RESET_UNKNOWN, .models = "GB10", .note = N_BWDC, .source = S_BWDC },
	{ NV(0x2f04, 0x2f04), .family = "Blackwell GB205", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5070", .note = N_BW, .source = S_BW },
	{ NV(0x2f06, 0x2f06), .family = "Blackwell GB205", BW, .role = VP_GPU_DISCRETE, .models = "GeForce RTX 5060 (GB205)", .note = N_BW, .source = S_BW },
	{ NV(0x2f18, 0x2f18), .family = "Blackwell GB205", BW, .role = VP_GPU_DISCRETE, .models = "GB205 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2f38, 0x2f38), .family = "Blackwell GB205", BW, .role = VP_GPU_DISCRETE, .models = "GB205 (listed with the laptop ids, name not recorded)", .note = N_BW, .source = S_BW },
	{ NV(0x2f58, 0x2f58), .family = "Blackwell GB205", BW, .role = VP_GPU_DISCRETE, .models = "GB205 laptop GPU", .note = N_BW_MOBILE, .source = S_BW },
	{ NV(0x2f80, 0x2f80), .family = "Blackwell GB205", BW_AUDIO, .models = "GB205 HD audio", .note = N_BW_AUDIO, .source = S_BW_AUDIO },
	{ NV(0x3182, 0x3182), .family = "Blackwell GB110", BWDC, .reset = VP_RESET_UNKNOWN, .models = "B300", .note = N_BWDC, .source = S_BWDC },
	{ NV(0x31c2, 0x31c3), .family = "Blackwell GB110", BWDC, .reset = VP_RESET_UNKNOWN, .models = "GB300", .note = N_BWDC, .source = S_BWDC },

	/* ---- Intel ---- */
	{ INTEL(0x0156, 0x0156), .family = "Ivy Bridge (mobile)", .generation = "ivy-bridge", IGPU, .models = "Ivy Bridge mobile IGD", .note = "Kernel has a device-specific reset for it (reset_ivb_igd); pre-Broadwell: legacy IGD assignment only", .source = S_IGPU_IVB },
	{ INTEL(0x0166, 0x0166), .family = "Ivy Bridge (mobile)", .generation = "ivy-bridge", IGPU, .models = "Ivy Bridge mobile IGD", .note = "Kernel has a device-specific reset for it (reset_ivb_igd); pre-Broadwell: legacy IGD assignment only", .source = S_IGPU_IVB },
	{ INTEL(0x3184, 0x3185), .family = "Gemini Lake", .generation = "gemini-lake", IGPU, .models = "Gemini Lake iGPU", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x3e91, 0x3e92), .family = "Coffee Lake", .generation = "coffee-lake", IGPU, .models = "UHD Graphics 630", .note = N_IGPU_GVT, .source = S_IGPU_GVT },
	{ INTEL(0x3e98, 0x3e98), .family = "Coffee Lake", .generation = "coffee-lake", IGPU, .models = "UHD Graphics 630", .note = N_IGPU_GVT, .source = S_IGPU_GVT },
	{ INTEL(0x3e9b, 0x3e9b), .family = "Coffee Lake", .generation = "coffee-lake", IGPU, .models = "Coffee Lake iGPU", .note = N_IGPU_GVT, .source = S_IGPU_GVT },
	{ INTEL(0x4555, 0x4555), .family = "Elkhart Lake", .generation = "elkhart-lake", IGPU, .models = "Elkhart Lake iGPU", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x4680, 0x4680), .family = "Alder Lake-S", .generation = "alder-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "UHD Graphics 770", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x4690, 0x4690), .family = "Alder Lake-S", .generation = "alder-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Alder Lake-S iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x4692, 0x4692), .family = "Alder Lake-S", .generation = "alder-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "UHD Graphics 730", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x46a6, 0x46a6), .family = "Alder Lake-P", .generation = "alder-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Iris Xe Graphics", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x46a8, 0x46a8), .family = "Alder Lake-P", .generation = "alder-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Iris Xe Graphics", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x46d0, 0x46d2), .family = "Alder Lake-N", .generation = "alder-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "N100 / N200 / N305 iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x4c8a, 0x4c8a), .family = "Rocket Lake", .generation = "rocket-lake", IGPU, .models = "UHD Graphics 750", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x4e61, 0x4e61), .family = "Jasper Lake", .generation = "jasper-lake", IGPU, .models = "Jasper Lake iGPU", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x4e71, 0x4e71), .family = "Jasper Lake", .generation = "jasper-lake", IGPU, .models = "Jasper Lake iGPU", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x4f80, 0x4f88), .family = "Arc Alchemist DG2", DG2, .role = VP_GPU_DISCRETE, .models = "other DG2 ids", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x4f90, 0x4f92), .family = "Arc Alchemist DG2", .generation = "dg2", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "DG2 HD audio", .note = N_DG2_AUDIO, .source = S_DG2_AUDIO },
	{ INTEL(0x4fa1, 0x4fa1), .family = "Arc Alchemist DG2", .generation = "dg2", .role = VP_GPU_SWITCH, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "DG2 upstream switch port", .note = N_DG2_SWITCH, .source = S_DG2_SWITCH },
	{ INTEL(0x4fa4, 0x4fa4), .family = "Arc Alchemist DG2", .generation = "dg2", .role = VP_GPU_SWITCH, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "DG2 downstream switch port", .note = N_DG2_SWITCH, .source = S_DG2_SWITCH },
	{ INTEL(0x5690, 0x5692), .family = "Arc Alchemist DG2-G10", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A-series laptop (G10)", .note = N_DG2_MOBILE, .source = S_DG2 },
	{ INTEL(0x5693, 0x5695), .family = "Arc Alchemist DG2-G11", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A-series laptop (G11)", .note = N_DG2_MOBILE, .source = S_DG2 },
	{ INTEL(0x5696, 0x5697), .family = "Arc Alchemist DG2-G12", DG2, .role = VP_GPU_DISCRETE, .models = "DG2-G12", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56a0, 0x56a0), .family = "Arc Alchemist DG2-G10", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A770", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56a1, 0x56a1), .family = "Arc Alchemist DG2-G10", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A750", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56a2, 0x56a2), .family = "Arc Alchemist DG2-G10", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A580", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56a3, 0x56a4), .family = "Arc Alchemist DG2-G12", DG2, .role = VP_GPU_DISCRETE, .models = "DG2-G12", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56a5, 0x56a5), .family = "Arc Alchemist DG2-G11", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A380", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56a6, 0x56a6), .family = "Arc Alchemist DG2-G11", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A310", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56b0, 0x56b1), .family = "Arc Alchemist DG2-G11", DG2, .role = VP_GPU_DISCRETE, .models = "Arc Pro A30M / A40 / A50", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56b2, 0x56b3), .family = "Arc Alchemist DG2-G12", DG2, .role = VP_GPU_DISCRETE, .models = "Arc Pro A60", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56ba, 0x56bd), .family = "Arc Alchemist DG2-G11", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A-series embedded (G11)", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56be, 0x56bf), .family = "Arc Alchemist DG2-G10", DG2, .role = VP_GPU_DISCRETE, .models = "Arc A750E / A580E", .note = N_DG2, .source = S_DG2 },
	{ INTEL(0x56c0, 0x56c0), .family = "Arc Flex (ATS-M)", .generation = "ats-m", .role = VP_GPU_COMPUTE, .reset = VP_RESET_UNKNOWN, .sriov = true, .models = "Data Center GPU Flex 170", .note = N_FLEX, .source = S_FLEX },
	{ INTEL(0x56c1, 0x56c1), .family = "Arc Flex (ATS-M)", .generation = "ats-m", .role = VP_GPU_COMPUTE, .reset = VP_RESET_UNKNOWN, .sriov = true, .models = "Data Center GPU Flex 140", .note = N_FLEX, .source = S_FLEX },
	{ INTEL(0x5912, 0x5912), .family = "Kaby Lake", .generation = "kaby-lake", IGPU, .models = "HD Graphics 630", .note = N_IGPU_GVT "; FLR hangs reported (community no-FLR quirk)", .source = S_IGPU_GVT ", §1.3, §5 #14" },
	{ INTEL(0x5916, 0x5917), .family = "Kaby Lake", .generation = "kaby-lake", IGPU, .models = "UHD Graphics 620", .note = N_IGPU_GVT, .source = S_IGPU_GVT },
	{ INTEL(0x64a0, 0x64a0), .family = "Lunar Lake", .generation = "lunar-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Lunar Lake iGPU", .note = N_IGPU_SRIOV_NEW, .source = S_IGPU_SRIOV },
	{ INTEL(0x7d41, 0x7d41), .family = "Arrow Lake", .generation = "arrow-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Arrow Lake iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x7d45, 0x7d45), .family = "Meteor Lake", .generation = "meteor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Meteor Lake iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x7d51, 0x7d51), .family = "Arrow Lake", .generation = "arrow-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Arrow Lake iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x7d55, 0x7d55), .family = "Meteor Lake", .generation = "meteor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Arc Graphics (Meteor Lake)", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x7d67, 0x7d67), .family = "Arrow Lake-S", .generation = "arrow-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Arrow Lake-S iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x7dd5, 0x7dd5), .family = "Meteor Lake", .generation = "meteor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Meteor Lake iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0x9a49, 0x9a49), .family = "Tiger Lake", .generation = "tiger-lake", IGPU, .models = "Iris Xe Graphics", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x9a60, 0x9a60), .family = "Tiger Lake", .generation = "tiger-lake", IGPU, .models = "Tiger Lake iGPU", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x9a78, 0x9a78), .family = "Tiger Lake", .generation = "tiger-lake", IGPU, .models = "Tiger Lake iGPU", .note = N_IGPU_OLD, .source = S_IGPU_OLD },
	{ INTEL(0x9bc5, 0x9bc5), .family = "Comet Lake", .generation = "comet-lake", IGPU, .models = "UHD Graphics 630", .note = N_IGPU_GVT, .source = S_IGPU_GVT },
	{ INTEL(0x9bc8, 0x9bc8), .family = "Comet Lake", .generation = "comet-lake", IGPU, .models = "UHD Graphics 630", .note = N_IGPU_GVT, .source = S_IGPU_GVT },
	{ INTEL(0xa720, 0xa721), .family = "Raptor Lake-P", .generation = "raptor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Raptor Lake-P iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0xa780, 0xa780), .family = "Raptor Lake-S", .generation = "raptor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "UHD Graphics 770", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0xa781, 0xa78b), .family = "Raptor Lake-S", .generation = "raptor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Raptor Lake-S iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0xa7a0, 0xa7a1), .family = "Raptor Lake-P", .generation = "raptor-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Raptor Lake-P iGPU", .note = N_IGPU_SRIOV, .source = S_IGPU_SRIOV },
	{ INTEL(0xb0a0, 0xb0a0), .family = "Panther Lake", .generation = "panther-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Panther Lake iGPU", .note = N_IGPU_SRIOV_NEW, .source = S_IGPU_SRIOV },
	{ INTEL(0xe202, 0xe202), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G21", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe209, 0xe209), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G21", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe20b, 0xe20b), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "Arc B580", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe20c, 0xe20c), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "Arc B570", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe20d, 0xe20d), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G21", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe210, 0xe210), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G21", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe211, 0xe211), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .sriov = true, .models = "Arc Pro B60", .note = N_BMG_SRIOV, .source = S_BMG },
	{ INTEL(0xe212, 0xe212), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .sriov = true, .models = "Arc Pro B50", .note = N_BMG_SRIOV, .source = S_BMG ", §1.5 (seen on PVE 9.1)" },
	{ INTEL(0xe215, 0xe215), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G21", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe216, 0xe216), .family = "Arc Battlemage BMG-G21", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G21", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe220, 0xe220), .family = "Arc Battlemage BMG-G31", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G31", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe221, 0xe221), .family = "Arc Battlemage BMG-G31", BMG, .role = VP_GPU_DISCRETE, .models = "BMG-G31", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe222, 0xe222), .family = "Arc Battlemage BMG-G31", BMG, .role = VP_GPU_DISCRETE, .models = "Arc Pro B65", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe223, 0xe223), .family = "Arc Battlemage BMG-G31", BMG, .role = VP_GPU_DISCRETE, .models = "Arc Pro B70", .note = N_BMG, .source = S_BMG },
	{ INTEL(0xe2f0, 0xe2f1), .family = "Arc Battlemage", .generation = "bmg", .role = VP_GPU_SWITCH, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "BMG downstream switch port", .note = N_BMG_SWITCH, .source = S_BMG_SWITCH },
	{ INTEL(0xe2f7, 0xe2f7), .family = "Arc Battlemage", .generation = "bmg", .role = VP_GPU_AUDIO, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "BMG HDMI audio", .note = N_BMG_AUDIO, .source = S_BMG_SWITCH },
	{ INTEL(0xe2ff, 0xe2ff), .family = "Arc Battlemage", .generation = "bmg", .role = VP_GPU_SWITCH, .reset = VP_RESET_UNKNOWN, .internal_switch = true, .models = "BMG upstream switch port", .note = N_BMG_SWITCH, .source = S_BMG_SWITCH },
	{ INTEL(0xfd80, 0xfd81), .family = "Wildcat Lake", .generation = "wildcat-lake", IGPU, .sriov = true, .sriov_oot = OOT_I915, .models = "Wildcat Lake iGPU", .note = N_IGPU_SRIOV_NEW, .source = S_IGPU_SRIOV },
};
// clang-format on

static int key_cmp(uint16_t vendor, uint16_t device, const struct vp_kb_gpu *g)
{
	if (vendor != g->vendor)
		return vendor < g->vendor ? -1 : 1;
	if (device < g->first)
		return -1;
	if (device > g->last)
		return 1;
	return 0;
}

const struct vp_kb_gpu *vp_kb_gpu_lookup(uint16_t vendor, uint16_t device)
{
	size_t lo = 0, hi = ARRAY_SIZE(gpus);

	/* Rows are sorted and disjoint, so at most one range can hold the id. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(vendor, device, &gpus[mid]);

		if (c == 0)
			return &gpus[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t vp_kb_gpu_count(void)
{
	return ARRAY_SIZE(gpus);
}

const struct vp_kb_gpu *vp_kb_gpu_at(size_t i)
{
	return i < ARRAY_SIZE(gpus) ? &gpus[i] : NULL;
}
