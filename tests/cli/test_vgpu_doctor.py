#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""doctor on the NVIDIA vGPU hosts (checks/vgpu.c and what it changes elsewhere).

nvidia-vgpu is the host set up as the Proxmox wiki asks; nvidia-vgpu-unset is
the same host half done (tests/fixtures/scenarios/nvidia-vgpu.md says what a
correct tool concludes on each). The expectations are written from that
description, not from the tool's output. Variants the fixtures do not carry
(no vGPU host driver, no nvidia.ko for the running kernel, no unit enabled)
are made on copies. Prints TAP.

usage: test_vgpu_doctor.py VFIO_PILOT FIXTURES_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = FIX = None
results = []

A = "0000:"
CARD1, CARD2 = A + "18:00.0", A + "3b:00.0"
VF1 = A + "18:00.4"     # runs VM 100's 2Q vGPU
KVER, NEWER = "6.17.2-1-pve", "6.17.4-1-pve"
VERSION = "580.95.02"
UNIT_LINK = "/etc/systemd/system/multi-user.target.wants/pve-nvidia-sriov@"


def ok(cond, name, diag=""):
    results.append((bool(cond), name, diag))


def run(*args, root=None):
    argv = [BIN] + (["--root", root] if root else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True,
                          env=dict(os.environ, LC_ALL="C"))


def doctor(root, *extra):
    p = run("--json", "doctor", *extra, root=root)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, {"findings": [], "_err": p.stderr}


def find(doc, fid, device=None, prefix=None):
    return [f for f in doc["findings"] if f["id"] == fid
            and (device is None or f["device"] == device)
            and (prefix is None or f["summary"].startswith(prefix))]


def one(doc, fid, device=None, prefix=None):
    f = find(doc, fid, device, prefix)
    return f[0] if len(f) == 1 else None


def dump(x):
    return json.dumps(x, indent=1)


def copy_fixture(tmp, name):
    dst = tempfile.mkdtemp(prefix=name + "-", dir=tmp)
    os.rmdir(dst)
    shutil.copytree(os.path.join(FIX, name), dst, symlinks=True)
    return dst


def l40s_functions(root):
    """The addresses of both cards' PFs and VFs, from the tree itself."""
    base = os.path.join(root, "sys/bus/pci/devices")
    out = []
    for a in sorted(os.listdir(base)):
        with open(os.path.join(base, a, "vendor")) as v, open(os.path.join(base, a, "device")) as d:
            if v.read().strip() == "0x10de" and d.read().strip() == "0x26b9":
                out.append(a)
    return out


def no_vfio_advice(doc, funcs, what):
    """No finding about a vGPU card's function tells to bind it to vfio-pci."""
    bad = [f for f in doc["findings"] if f["device"] in funcs and f["fix"]
           and "vfio-pci" in f["fix"]]
    ok(not bad, f"{what}: no fix sends a vGPU card's PF or VF to vfio-pci", dump(bad[:3]))


def test_unset(tmp):
    root = os.path.join(FIX, "nvidia-vgpu-unset")
    rc, doc = doctor(root)
    ok(rc == 2 and doc.get("verdict") == "not-ready", "unset: not ready (exit 2)",
       f"{rc} {doc.get('verdict')} {doc.get('_err', '')}")
    ok(any(x["layer"] == "vgpu" for x in doc.get("layers", [])), "unset: a vgpu layer is listed")

    h = one(doc, "vgpu.host")
    ok(h and h["verdict"] == "ok" and "pve-nvidia-vgpu-helper" in h["summary"]
       and h["evidence"] == "/var/lib/dpkg/status: pve-nvidia-vgpu-helper installed"
       and CARD1 in h["summary"] and CARD2 in h["summary"],
       "unset: a vGPU host, helper installed, both SR-IOV cards named", dump(h))

    # 1. card 2 has no VFs; the unit is enabled for card 1 only.
    f = one(doc, "vgpu.vfs", CARD2)
    ok(f and f["verdict"] == "fail" and "no VFs (0 of 32)" in f["summary"]
       and "no vGPU can be made" in f["summary"]
       and "enabled for 0000:18:00.0 only" in f["summary"],
       "unset: card 2 without VFs fails, saying the unit covers card 1 only", dump(f))
    ok(f and f["evidence"].startswith(f"/sys/bus/pci/devices/{CARD2}/sriov_numvfs: 0 "
                                      "(sriov_totalvfs 32)")
       and f"{UNIT_LINK}0000:18:00.0.service" in f["evidence"],
       "unset: its evidence is sriov_numvfs and the enabled unit's link", dump(f))
    ok(f and f["fix"] == "systemctl enable --now pve-nvidia-sriov@0000:3b:00.0.service",
       "unset: the fix enables the unit for card 2", dump(f))
    f = one(doc, "vgpu.vfs", CARD1)
    ok(f and f["verdict"] == "ok" and "32 of 32 VFs" in f["summary"]
       and "pve-nvidia-sriov@0000:18:00.0.service" in f["summary"] and f["fix"] is None,
       "unset: card 1's VFs are made at boot by its own unit", dump(f))

    # 2. nouveau is not blacklisted.
    f = one(doc, "vgpu.nouveau")
    ok(f and f["verdict"] == "warn" and "not blacklisted" in f["summary"]
       and f["evidence"].startswith("/etc/modprobe.d: no 'blacklist nouveau'"),
       "unset: nouveau not blacklisted is a warning, from modprobe.d", dump(f))
    ok(f and f["fix"] and f["fix"].startswith(
        "printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > "
        "/etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u -k all"),
       "unset: the fix writes the blacklist and rebuilds the initramfs", dump(f))

    # 3. the running kernel has the driver; the newer one has not.
    f = one(doc, "vgpu.driver")
    ok(f and f["verdict"] == "ok" and VERSION in f["summary"] and KVER in f["summary"]
       and f["evidence"] == f"/lib/modules/{KVER}/modules.dep.bin: nvidia: "
                            "updates/dkms/nvidia.ko (libkmod)",
       "unset: nvidia is in the running kernel's index", dump(f))
    f = one(doc, "kernel.upgrade-modules", prefix=NEWER + ": nvidia")
    ok(f and f["verdict"] == "fail" and "no vGPU VM starts" in f["summary"]
       and f["evidence"] == f"/lib/modules/{NEWER}: modules.dep: no nvidia.ko in updates/ "
                            "or extra/"
       and f["fix"] == f"apt install proxmox-headers-{NEWER} && dkms autoinstall -k {NEWER}",
       "unset: kernel.upgrade-modules fails for the newer kernel, saying vGPU VMs will "
       "not start", dump(find(doc, "kernel.upgrade-modules")))
    f = one(doc, "kernel.upgrade-modules", prefix=KVER + ": nvidia")
    ok(f and f["verdict"] == "ok", "unset: the running kernel has the DKMS build", dump(f))

    # 4./5. card 1's VFs offer types; card 2 has no VFs to count.
    f = one(doc, "vgpu.types", CARD1)
    ok(f and f["verdict"] == "ok" and "32 VFs, 32 offer vGPU types (1 in use)" in f["summary"]
       and "nvidia-1148" in f["summary"]
       and f["evidence"] == f"/sys/bus/pci/devices/{VF1}/nvidia/creatable_vgpu_types: 1 type",
       "unset: card 1's VFs offer the 2Q type, one in use", dump(f))
    ok(not find(doc, "vgpu.types", CARD2), "unset: no type count for a card without VFs",
       dump(find(doc, "vgpu.types", CARD2)))

    funcs = l40s_functions(root)
    ok(len(funcs) == 34, "unset: 34 L40S functions (2 PFs, 32 VFs) in the tree", str(funcs))
    no_vfio_advice(doc, funcs, "unset")


def test_healthy(tmp):
    root = os.path.join(FIX, "nvidia-vgpu")
    rc, doc = doctor(root)
    vg = [f for f in doc["findings"] if f["id"].startswith("vgpu.")]
    ok(vg and all(f["verdict"] == "ok" and f["fix"] is None for f in vg),
       "healthy: every vgpu finding is ok", dump([f for f in vg if f["verdict"] != "ok"]))
    ok({f["id"] for f in vg} == {"vgpu.host", "vgpu.driver", "vgpu.nouveau", "vgpu.vfs",
                                 "vgpu.types"},
       "healthy: all five checks report", dump(sorted({f["id"] for f in vg})))
    f = one(doc, "vgpu.nouveau")
    ok(f and f["evidence"] == "/etc/modprobe.d/blacklist-nouveau.conf: blacklist nouveau",
       "healthy: the blacklist is found in its modprobe.d file", dump(f))
    for card in (CARD1, CARD2):
        f = one(doc, "vgpu.vfs", card)
        ok(f and "32 of 32 VFs" in f["summary"] and "pve-nvidia-sriov@ALL.service" in f["summary"]
           and f"{UNIT_LINK}ALL.service" in f["evidence"],
           f"healthy: {card} has its VFs, made by pve-nvidia-sriov@ALL", dump(f))
    f = one(doc, "vgpu.types", CARD2)
    ok(f and "32 VFs, 32 offer vGPU types (0 in use)" in f["summary"]
       and f["evidence"].endswith("creatable_vgpu_types: 23 types"),
       "healthy: card 2's VFs offer the whole L40S table", dump(f))
    ok(not [f for f in find(doc, "kernel.upgrade-modules") if f["verdict"] != "ok"],
       "healthy: no kernel lacks the driver", dump(find(doc, "kernel.upgrade-modules")))
    no_vfio_advice(doc, l40s_functions(root), "healthy")

    # The functions named: the VF with a running vGPU and its PF.
    for addr in (VF1, CARD1):
        rc, d = doctor(root, addr)
        drv = one(d, "device.driver", addr)
        sd = one(d, "vfio.softdep", addr)
        ok(drv and drv["verdict"] == "ok" and drv["summary"].startswith("stays on nvidia")
           and sd and sd["verdict"] == "ok" and sd["summary"].startswith("stays on nvidia"),
           f"healthy: doctor {addr}: device.driver and vfio.softdep keep it on nvidia",
           dump([drv, sd]))
        ok(not [f for f in d["findings"] if f["verdict"] in ("warn", "fail")
                and f["device"] == addr],
           f"healthy: doctor {addr}: nothing to fix on it",
           dump([f for f in d["findings"] if f["device"] == addr and f["verdict"] != "ok"]))
        no_vfio_advice(d, [addr], f"healthy: doctor {addr}")
    rc, d = doctor(root, VF1)
    drv = one(d, "device.driver", VF1)
    ok(drv and f"hostpciN: {VF1},mdev=nvidia-1148" in drv["summary"],
       "healthy: the VF's driver finding names the mdev= a VM takes", dump(drv))

    p = run("doctor", root=root)
    ok("\nvGPU host\n" in p.stdout and "vgpu.types" in p.stdout,
       "healthy: the text output has a vGPU host section", p.stdout[-400:])


def test_not_vgpu_driver(tmp):
    """VFs without nvidia/: the driver is not NVIDIA's vGPU host driver."""
    root = copy_fixture(tmp, "nvidia-vgpu")
    dev = os.path.join(root, "sys/bus/pci/devices")
    for a in os.listdir(dev):
        pf = os.path.join(dev, a, "physfn")
        if os.path.islink(pf) and os.path.basename(os.readlink(pf)) == CARD2:
            shutil.rmtree(os.path.join(os.path.realpath(os.path.join(dev, a)), "nvidia"))
    rc, doc = doctor(root)
    f = one(doc, "vgpu.types", CARD2)
    ok(f and f["verdict"] == "warn" and "32 VFs, none offers vGPU types" in f["summary"]
       and f"nvidia {VERSION} (/sys/module/nvidia/version)" in f["summary"],
       "no vGPU driver: a warning naming the driver's version", dump(f))
    ok(f and f["evidence"].startswith(f"/sys/bus/pci/devices/{A}3b:00.4/nvidia: missing")
       and f["evidence"].endswith(f"/sys/module/nvidia/version: {VERSION}")
       and "vgpu-kvm.run --dkms" in f["fix"] and VERSION in f["fix"],
       "no vGPU driver: evidence and the fix", dump(f))
    f = one(doc, "vgpu.types", CARD1)
    ok(f and f["verdict"] == "ok", "no vGPU driver: card 1 still offers types", dump(f))


def test_no_driver_for_running_kernel(tmp):
    root = copy_fixture(tmp, "nvidia-vgpu-unset")
    dkms = os.path.join(root, "usr/lib/modules", KVER, "updates/dkms")
    for m in os.listdir(dkms):
        if m.startswith("nvidia"):
            os.unlink(os.path.join(dkms, m))
    depmod = shutil.which("depmod") or "/usr/sbin/depmod"
    p = subprocess.run([depmod, "-b", root, KVER], capture_output=True, text=True)
    ok(p.returncode == 0, "no driver: depmod rebuilds the copy's index", p.stderr)
    rc, doc = doctor(root)
    f = one(doc, "vgpu.driver")
    ok(f and f["verdict"] == "fail" and f"running kernel {KVER} has no nvidia module"
       in f["summary"]
       and f["evidence"].startswith(f"/lib/modules/{KVER}/modules.dep.bin: no nvidia.ko")
       and f["fix"].startswith(f"apt install proxmox-headers-{KVER} && dkms autoinstall "
                               f"-k {KVER}"),
       "no driver: the running kernel without nvidia.ko fails with the DKMS fix", dump(f))


def test_no_unit(tmp):
    root = copy_fixture(tmp, "nvidia-vgpu")
    os.unlink(os.path.join(root, UNIT_LINK.lstrip("/") + "ALL.service"))
    rc, doc = doctor(root)
    for card in (CARD1, CARD2):
        f = one(doc, "vgpu.vfs", card)
        ok(f and f["verdict"] == "warn" and "32 VFs now" in f["summary"]
           and "no pve-nvidia-sriov@ unit is enabled" in f["summary"]
           and "after the next boot" in f["summary"]
           and f["fix"] == "systemctl enable pve-nvidia-sriov@ALL.service",
           f"no unit: {card}'s VFs will be gone after the boot", dump(f))


def test_other_hosts(tmp):
    for name in ("intel-4090", "nvidia-transcode", "dual-socket-p40"):
        rc, doc = doctor(os.path.join(FIX, name))
        vg = [f for f in doc["findings"] if f["id"].startswith("vgpu.")]
        ok(len(vg) == 1 and vg[0]["id"] == "vgpu.host" and vg[0]["verdict"] == "skip"
           and vg[0]["evidence"] == "/var/lib/dpkg/status: no pve-nvidia-vgpu-helper",
           f"{name}: not a vGPU host, the group skips", dump(vg))


def test_candidates(tmp):
    # Without addresses doctor judges the cards, not each VF: the L40S PFs
    # stand for their 32 VFs each. VFs of a PF the host keeps (the iGPU
    # console of sriov-usb, with i915 SR-IOV VFs) stay candidates.
    rc, doc = doctor(os.path.join(FIX, "nvidia-vgpu"))
    got = [t["address"] for t in doc.get("targets", [])]
    ok(got == [CARD1, CARD2, "0000:86:00.0", "0000:af:00.0"],
       "candidates: the cards, not their 64 VFs", dump(got))
    rc, doc = doctor(os.path.join(FIX, "sriov-usb"))
    got = [t["address"] for t in doc.get("targets", [])]
    ok(got == ["0000:00:02.1", "0000:00:02.2", "0000:01:00.0"],
       "candidates: an iGPU console's VFs stay candidates", dump(got))
    rc, doc = doctor(os.path.join(FIX, "nvidia-vgpu"), "0000:18:00.4")
    got = [t["address"] for t in doc.get("targets", [])]
    ok(got == ["0000:18:00.4"], "candidates: a named VF is judged", dump(got))


TESTS = [test_candidates, test_unset, test_healthy, test_not_vgpu_driver, test_no_driver_for_running_kernel,
         test_no_unit, test_other_hosts]


def main():
    global BIN, FIX
    BIN, FIX = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="vp-vgpu-") as tmp:
        for t in TESTS:
            try:
                t(tmp)
            except Exception as e:  # a crash of the harness is a failure
                ok(False, f"{t.__name__} ran", repr(e))
    print(f"1..{len(results)}")
    bad = 0
    for i, (res, name, diag) in enumerate(results, 1):
        if res:
            print(f"ok {i} - {name}")
        else:
            bad += 1
            print(f"not ok {i} - {name}")
            for line in str(diag).splitlines():
                print(f"# {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
