#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sriov, usb, vm plan --usb, guest check / guest script, and explain on the
Windows probe's output (docs/sriov-usb-guest.md).

Hosts: the sriov-usb fixture (tests/fixtures/scenarios/sriov-usb.md). Guests:
trees written here by tests/fixtures/fixturelib/guest.py. Probe outputs:
tests/fixtures/probes. Expectations come from those descriptions, not from
the tool's output. Prints TAP.

usage: test_sriov_usb_guest.py VFIO_PILOT FIXTURES_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_FIX = os.path.join(os.path.dirname(HERE), "fixtures")
sys.dont_write_bytecode = True
sys.path.insert(0, SRC_FIX)
from fixturelib import guest  # noqa: E402

BIN = FIX = None
A = "0000:"
CONF = "/etc/sysfs.d/vfio-pilot-sriov.conf"
results = []

# qemu-server USB.pm: usbN (0-13) host= USB_ID_RE | USB_PATH_RE, usb3 boolean
USB_LINE = re.compile(r"^usb(1[0-3]|[0-9]): host=((0x)?[0-9A-Fa-f]{4}:(0x)?[0-9A-Fa-f]{4}"
                      r"|\d+-\d+(\.\d+)*)(,usb3=[01])?$")


class Skip(Exception):
    pass


def run(*args, root=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def jrun(*args, root=None):
    rc, out, err = run("--json", *args, root=root)
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError as e:
        raise AssertionError(f"{' '.join(args)}: not JSON ({e}): {out[:200]!r} {err!r}")


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def host():
    return os.path.join(FIX, "sriov-usb")


def added(edit):
    return [l[1:] for l in edit["diff"].splitlines()
            if l.startswith("+") and not l.startswith("+++")]


def tree(root):
    out = {}
    for base, dirs, files in os.walk(root):
        rel = os.path.relpath(base, root)
        if rel.startswith("var/lib/vfio-pilot"):
            continue
        for n in files + [d for d in dirs if os.path.islink(os.path.join(base, d))]:
            p = os.path.join(base, n)
            st = os.lstat(p)
            data = os.readlink(p) if os.path.islink(p) else open(p, "rb").read()
            out[os.path.join(rel, n)] = (st.st_mode, st.st_uid, data)
    return out


@test("sriov: every PF with its VFs, groups, drivers and guests")
def sriov_show():
    rc, d, err = jrun("sriov", root=host())
    check(rc == 0, f"exit {rc} {err}")
    pfs = {p["address"]: p for p in d["physical_functions"]}
    check(sorted(pfs) == [A + "00:02.0", A + "07:00.0", A + "07:00.1"], f"PFs {sorted(pfs)}")
    igpu, nic, nic1 = pfs[A + "00:02.0"], pfs[A + "07:00.0"], pfs[A + "07:00.1"]
    check((igpu["total_vfs"], igpu["num_vfs"]) == (7, 2), "iGPU 2 of 7")
    check((nic["total_vfs"], nic["num_vfs"]) == (63, 4), "82599 4 of 63")
    check(nic1["num_vfs"] == 0 and nic1["vfs"] == [], "port 1 has no VFs")
    check(igpu["out_of_tree_driver"] == "i915-sriov-dkms" and igpu["out_of_tree_present"] is False,
          f"iGPU needs i915-sriov-dkms, not installed: {igpu['out_of_tree_driver']} "
          f"{igpu['out_of_tree_present']}")
    check(nic["out_of_tree_driver"] is None, "the 82599 needs no out-of-tree driver")
    vfs = {v["address"]: v for v in nic["vfs"]}
    check(sorted(vfs) == [A + "07:10.0", A + "07:10.2", A + "07:10.4", A + "07:10.6"],
          f"82599 VFs {sorted(vfs)}")
    check(any("VM 101" in u for u in vfs[A + "07:10.0"]["used_by"]), "07:10.0 is in VM 101")
    check(vfs[A + "07:10.2"]["used_by"] == [] and vfs[A + "07:10.2"]["driver"] == "ixgbevf",
          "07:10.2 free on ixgbevf")
    groups = [v["iommu_group"] for v in nic["vfs"] + igpu["vfs"]]
    check(None not in groups and len(set(groups)) == len(groups), f"VFs alone: {groups}")
    check(any("VM 102" in u for u in igpu["vfs"][0]["used_by"]), "00:02.1 is in VM 102")
    check(all(p["persistent"] == [] for p in pfs.values()), "nothing persistent yet")
    rc, out, err = run("sriov", "00:14.0", root=host())
    check(rc == 2 and "not an SR-IOV physical function" in out, f"non-PF: {rc} {out}")
    rc, out, err = run("sriov", "07:00.1", "--vfs", "2", root=host())
    check(rc == 64, f"--vfs without plan is a usage error: {rc}")
    rc, out, err = run("sriov", "07:00.1", "--vfs", "x", "plan", root=host())
    check(rc == 64 and "--vfs" in err, f"bad --vfs: {rc} {err}")


@test("sriov plan: refuses a count change while a VF is in a VM, and too many VFs")
def sriov_refusals():
    rc, d, err = jrun("sriov", "07:00.0", "--vfs", "8", "plan", root=host())
    check(rc == 2 and any("07:10.0" in r and "VM 101" in r for r in d["refusals"]),
          f"refusal names the VF and VM: {rc} {d['refusals']}")
    check(not d["edits"], "nothing planned")
    rc, d, err = jrun("sriov", "07:00.1", "--vfs", "64", "plan", root=host())
    check(rc == 2 and any("at most 63" in r for r in d["refusals"]), f"64 > 63: {d['refusals']}")
    rc, d, err = jrun("sriov", "07:10.2", "--vfs", "1", "plan", root=host())
    check(rc == 2 and any("virtual function" in r for r in d["refusals"]), "a VF is refused")
    rc, d, err = jrun("sriov", "00:02.0", "--vfs", "7", "plan", root=host())
    check(rc == 2 and any("i915-sriov-dkms" in n and "installs" in n for n in d["notes"]),
          f"iGPU: out-of-tree note {d['notes']}")
    # The same count as now touches no guest: allowed, made persistent.
    rc, d, err = jrun("sriov", "07:00.0", "--vfs", "4", "plan", root=host())
    check(rc == 0 and not d["refusals"], f"same count: {rc} {d['refusals']}")
    check(added(d["edits"][0])[-1] == "bus/pci/devices/0000:07:00.0/sriov_numvfs = 4",
          f"sysfs.conf line: {d['edits']}")


@test("sriov plan: a count set by udev or sysfs.conf is detected, never doubled")
def sriov_other_settings():
    with tempfile.TemporaryDirectory() as t:
        root = os.path.join(t, "host")
        shutil.copytree(host(), root, symlinks=True)
        os.makedirs(os.path.join(root, "etc/udev/rules.d"), exist_ok=True)
        with open(os.path.join(root, "etc/udev/rules.d/80-sriov.rules"), "w") as f:
            f.write("# VFs for the router\n\nACTION==\"add\", SUBSYSTEM==\"pci\", "
                    "KERNEL==\"0000:07:00.1\", ATTR{sriov_numvfs}=\"2\"\n")
        rc, d, err = jrun("sriov", "07:00.1", "--vfs", "4", "plan", root=root)
        check(rc == 2 and any("/etc/udev/rules.d/80-sriov.rules:3" in r for r in d["refusals"]),
              f"different count in a udev rule: {d['refusals']}")
        rc, d, err = jrun("sriov", "07:00.1", "--vfs", "2", "plan", root=root)
        check(rc == 0 and not d["edits"] and any("already sets 2" in n for n in d["notes"]),
              f"same count: no edit, a note: {d['edits']} {d['notes']}")
        with open(os.path.join(root, "etc/sysfs.conf"), "w") as f:
            f.write("devices/pci0000:00/0000:00:1d.0/0000:07:00.0/sriov_numvfs = 4\n")
        rc, d, err = jrun("sriov", root=root)
        pf = {p["address"]: p for p in d["physical_functions"]}
        check(pf[A + "07:00.0"]["persistent"][0]["file"] == "/etc/sysfs.conf",
              f"sysfs.conf setting shown: {pf[A + '07:00.0']['persistent']}")
    if os.geteuid() != 0:
        raise Skip("the duplicate case needs sriov apply (root)")
    with tempfile.TemporaryDirectory() as t:
        root = os.path.join(t, "host")
        shutil.copytree(host(), root, symlinks=True)
        rc, out, err = run("sriov", "07:00.1", "--vfs", "2", "apply", root=root)
        check(rc == 0, f"apply: {rc} {err}")
        os.makedirs(os.path.join(root, "etc/udev/rules.d"), exist_ok=True)
        with open(os.path.join(root, "etc/udev/rules.d/80-sriov.rules"), "w") as f:
            f.write('KERNEL=="0000:07:00.1", ATTR{sriov_numvfs}="2"\n')
        rc, d, err = jrun("sriov", "07:00.1", "--vfs", "2", "plan", root=root)
        gone = [l for l in d["edits"][0]["diff"].splitlines() if l.startswith("-bus")] \
            if d["edits"] else []
        check(rc == 0 and gone == ["-bus/pci/devices/0000:07:00.1/sriov_numvfs = 2"],
              f"vfio-pilot's duplicate line goes: {d['edits']} {d['notes']}")


@test("sriov apply twice, then undo byte for byte")
def sriov_apply_undo():
    if os.geteuid() != 0:
        raise Skip("sriov apply needs root")
    with tempfile.TemporaryDirectory() as t:
        root = os.path.join(t, "host")
        shutil.copytree(host(), root, symlinks=True)
        before = tree(root)
        rc, d, err = jrun("sriov", "07:00.1", "--vfs", "4", "plan", root=root)
        check([e["path"] for e in d["edits"]] == [CONF] and d["edits"][0]["created"],
              f"plan: one new file {d['edits']}")
        check(any("sysfsutils is not installed" in n for n in d["notes"]), "sysfsutils note")
        rc, out, err = run("sriov", "07:00.1", "--vfs", "4", "apply", root=root)
        check(rc == 0 and "applied; undo with" in out, f"apply: {rc} {out} {err}")
        text = open(os.path.join(root, CONF[1:])).read()
        check(text.endswith("bus/pci/devices/0000:07:00.1/sriov_numvfs = 4\n"), text)
        check(os.stat(os.path.join(root, CONF[1:])).st_mode & 0o777 == 0o644, "mode 0644")
        rc, out, err = run("sriov", "07:00.1", "--vfs", "4", "apply", root=root)
        check(rc == 0 and "nothing to change" in out, f"second apply: {rc} {out}")
        after1 = tree(root)
        rc, out, err = run("sriov", "07:00.0", "--vfs", "4", "apply", root=root)
        check(rc == 0, f"second PF: {rc} {err}")
        lines = open(os.path.join(root, CONF[1:])).read().splitlines()
        check(lines[-2:] == ["bus/pci/devices/0000:07:00.1/sriov_numvfs = 4",
                             "bus/pci/devices/0000:07:00.0/sriov_numvfs = 4"],
              f"both lines, the first kept: {lines}")
        rc, out, err = run("undo", root=root)
        check(rc == 0 and tree(root) == after1, f"undo of the second apply: {rc} {err}")
        rc, out, err = run("undo", root=root)
        check(rc == 0, f"undo: {rc} {err}")
        check(tree(root) == before, "undo restores the tree byte for byte")


@test("usb: each device under its controller and IOMMU group, with advice")
def usb_list():
    rc, d, err = jrun("usb", root=host())
    check(rc == 0, f"exit {rc} {err}")
    check(d["usb_ids"] == "/usr/share/misc/usb.ids", f"usb.ids {d['usb_ids']}")
    ctrl = {c["controller"]: c for c in d["controllers"]}
    check(sorted(ctrl) == [A + "00:14.0", A + "03:00.0"], f"controllers {sorted(ctrl)}")
    pch, asm = ctrl[A + "00:14.0"], ctrl[A + "03:00.0"]
    _, g, _ = jrun("groups", root=host())
    grp = {m["address"]: x["id"] for x in g["groups"] for m in x["members"]}
    check(pch["iommu_group"] == grp[A + "00:14.0"] and asm["iommu_group"] == grp[A + "03:00.0"],
          "controller groups are the kernel's")
    ports = [x["port"] for x in pch["devices"]]
    check(ports == ["1-1", "1-2", "1-4", "1-4.1", "1-4.2"], f"PCH devices {ports}")
    check([x["port"] for x in asm["devices"]] == ["3-1", "4-1"], "ASMedia devices")
    dev = {x["port"]: x for x in pch["devices"] + asm["devices"]}
    check(dev["1-1"]["keyboard"] and dev["1-4"]["hub"] and dev["4-1"]["storage"], "roles")
    check(dev["1-2"]["id"] == "10c4:ea60" and dev["1-2"]["speed_mbps"] == "12", "id, speed")
    check(dev["1-4.1"]["vendor_name"] == "WIBU-Systems AG", "usb.ids vendor name")
    check(dev["1-2"]["usb_value"] == "host=1-2" and dev["1-4.2"]["usb_value"] == "host=1-4.2",
          "the two CP210x are passed by port")
    check(dev["1-4.1"]["usb_value"] == "host=064f:2af9", "a unique id is passed by id")
    check(dev["4-1"]["usb_value"] == "host=0bda:9210,usb3=1", "SuperSpeed: usb3=1")
    check(dev["1-4"]["usb_value"] is None, "no usbN value for a hub")
    check(not pch["controller_passthrough_ok"] and any("keyboard" in w for w in pch["advice"]),
          f"the keyboard keeps 00:14.0 on the host: {pch['advice']}")
    check(asm["controller_passthrough_ok"] and asm["controller_passthrough_better"]
          and asm["hostpci_value"] == A + "03:00.0,pcie=1", f"ASMedia: {asm}")
    for x in dev.values():
        if x["usb_value"]:
            check(USB_LINE.match("usb0: " + x["usb_value"]), f"USB.pm pattern: {x['usb_value']}")
    rc, out, err = run("usb", root=os.path.join(FIX, "b550"))
    check(rc == 0 and "no USB devices" in out, f"a host without USB tree: {rc} {out}")


def vm_plan(root, *args):
    rc, d, err = jrun("vm", "plan", "103", *args, root=root)
    lines = added(d["edits"][0]) if d["edits"] else []
    return rc, d, lines


@test("vm plan --usb: usbN lines Proxmox accepts, or the controller as hostpci")
def vm_usb():
    rc, d, lines = vm_plan(host(), "--usb", "1-2", "--usb", "0bda:9210", "--usb", "064f:2af9")
    check(rc == 0 and lines == ["usb1: host=1-2", "usb2: host=0bda:9210,usb3=1"],
          f"usb lines: {rc} {lines} {d['refusals']}")
    check(all(USB_LINE.match(l) for l in lines), f"USB.pm patterns: {lines}")
    check(any("already" in n for n in d["notes"]), "064f:2af9 is already usb0")
    rc, d, lines = vm_plan(host(), "--usb", "10c4:ea60")
    check(rc == 2 and any("bus-port" in r for r in d["refusals"]), f"ambiguous id: {d}")
    rc, d, lines = vm_plan(host(), "--usb", "1-4")
    check(rc == 2 and any("hub" in r for r in d["refusals"]), "a hub is refused")
    rc, d, lines = vm_plan(host(), "--usb", "1-9")
    check(rc == 2 and any("no such USB device" in r for r in d["refusals"]), "missing device")
    rc, d, lines = vm_plan(host(), "--usb", "00:14.0")
    check(rc == 2 and any("keyboard" in r for r in d["refusals"]), f"PCH xHCI: {d['refusals']}")
    rc, d, lines = vm_plan(host(), "--usb", "03:00.0")
    check(rc == 0 and "hostpci0: 0000:03:00,pcie=1" in lines, f"controller: {lines}")
    rc, d, lines = vm_plan(host(), "--usb", "07:00.1")
    check(rc == 2 and any("not a USB controller" in r for r in d["refusals"]), "a NIC is refused")
    if os.geteuid() != 0:
        raise Skip("vm apply needs root")
    with tempfile.TemporaryDirectory() as t:
        root = os.path.join(t, "host")
        shutil.copytree(host(), root, symlinks=True)
        rc, out, err = run("vm", "apply", "103", "--usb", "1-2", "--usb", "4-1", root=root)
        check(rc == 0, f"apply: {rc} {out} {err}")
        rc, lint, err = jrun("vm", "lint", "103", root=root)
        bad = [f for f in lint["findings"] if f["severity"] == "error" or f["id"] == "api-invalid"]
        check(rc in (0, 1) and not bad, f"lint of the result: {rc} {bad}")
        rc, out, err = run("vm", "apply", "103", "--usb", "1-2", "--usb", "4-1", root=root)
        check(rc == 0 and "nothing to change" in out, f"second apply: {rc} {out}")


@test("usb map: a usb.cfg mapping per node, used by vm plan --usb mapping=NAME")
def usb_mapping():
    rc, d, err = jrun("usb", "map", "zigbee", "1-2", "plan", root=host())
    check(rc == 0 and [e["path"] for e in d["edits"]] == ["/etc/pve/mapping/usb.cfg"],
          f"plan: {rc} {d['edits']} {err}")
    # proxmox-formats.md §3.3: node, id (lower-case, as sysfs), path for a port
    check(added(d["edits"][0]) == ["zigbee", "\tmap node=pve-share,id=10c4:ea60,path=1-2"],
          f"usb.cfg lines: {added(d['edits'][0])}")
    rc, d, err = jrun("usb", "map", "dongle", "064f:2af9", "plan", root=host())
    check(added(d["edits"][0])[1] == "\tmap node=pve-share,id=064f:2af9", "by id: no path")
    rc, out, err = run("usb", "map", "9bad", "1-2", "plan", root=host())
    check(rc == 64, f"bad mapping id: {rc}")
    rc, d, lines = vm_plan(host(), "--usb", "mapping=zigbee")
    check(rc == 2 and any("not in the cluster's USB mappings" in r for r in d["refusals"]),
          "a mapping that does not exist is refused")
    if os.geteuid() != 0:
        raise Skip("usb map apply needs root")
    with tempfile.TemporaryDirectory() as t:
        root = os.path.join(t, "host")
        shutil.copytree(host(), root, symlinks=True)
        before = tree(root)
        rc, out, err = run("usb", "map", "zigbee", "1-2", "apply", root=root)
        check(rc == 0, f"apply: {rc} {err}")
        rc, out, err = run("usb", "map", "zigbee", "1-2", "apply", root=root)
        check(rc == 0 and "nothing to change" in out, f"second apply: {out}")
        rc, d, err = jrun("usb", "map", "zigbee", "1-4.1", "plan", root=root)
        check(rc == 2 and any("More than one USB mapping" in r for r in d["refusals"]),
              f"one map per node: {d['refusals']}")
        rc, d, lines = vm_plan(root, "--usb", "mapping=zigbee")
        check(rc == 0 and lines == ["usb1: mapping=zigbee"], f"vm plan: {lines}")
        rc, out, err = run("undo", root=root)
        check(rc == 0 and tree(root) == before, f"undo: {rc} {err}")


@test("guest check: bound, unbound, Blackwell with the proprietary module")
def guest_check():
    with tempfile.TemporaryDirectory() as t:
        guest.write_all(t)
        find = lambda d, i: [f for f in d["findings"] if f["id"] == i]
        rc, d, err = jrun("guest", "check", root=os.path.join(t, "guest-gpu-bound"))
        check(rc == 0 and d["verdict"] == "ready", f"bound: {rc} {d['verdict']} {err}")
        check(d["gpus"][0]["driver"] == "nvidia" and d["gpus"][0]["id"] == "10de:2684", "gpu")
        rc, d, err = jrun("guest", "check", root=os.path.join(t, "guest-gpu-unbound"))
        check(rc == 2, f"unbound: exit {rc}")
        check(find(d, "guest.driver")[0]["verdict"] == "fail", "no driver is a failure")
        bars = find(d, "guest.bars")[0]
        check(bars["verdict"] == "fail" and "BAR1" in bars["summary"] and "phys-bits" in bars["fix"],
              f"unmapped BAR1 with a host fix: {bars}")
        rc, d, err = jrun("guest", "check", root=os.path.join(t, "guest-blackwell-proprietary"))
        mod = find(d, "guest.module")
        check(rc == 2 and mod and mod[0]["verdict"] == "fail", f"Blackwell: {rc} {mod}")
        check("open kernel module" in mod[0]["summary"] and "Blackwell" in mod[0]["summary"],
              f"says the open module is required: {mod[0]['summary']}")
        rc, out, err = run("guest", "check", root=os.path.join(t, "guest-blackwell-proprietary"))
        check("requires NVIDIA's open kernel module" in out, f"text: {out}")
        rc, d, err = jrun("guest", "check", root=os.path.join(t, "guest-arc-visible"))
        hv = find(d, "guest.hypervisor")[0]
        check(rc == 1 and hv["verdict"] == "warn" and "-hypervisor" in hv["fix"],
              f"Arc: the hypervisor bit matters for its Windows driver: {rc} {hv}")
        rc, out, err = run("guest", "check", root=os.path.join(FIX, "sriov-usb"))
        check(rc in (0, 1, 2), f"a host tree reads as a guest without crashing: {rc} {err}")
        rc, out, err = run("guest", "check", root=t)
        check(rc == 66, f"not a guest tree: {rc} {err}")
    rc, out, err = run("guest", "frob")
    check(rc == 64, f"usage: {rc}")


@test("guest script --windows prints the probe; explain reads its output")
def windows_probe():
    rc, out, err = run("guest", "script", "--windows")
    check(rc == 0, f"exit {rc} {err}")
    for needle in ("DEVPKEY_Device_ProblemCode", "(Code $code)", "GetDesc1",
                   "DedicatedVideoMemory", "Microsoft Basic Display Adapter", "Win32_VideoController"):
        check(needle in out, f"probe lacks {needle!r}")
    rc, out, err = run("guest", "script")
    check(rc == 64, "script without --windows is a usage error")
    probes = os.path.join(SRC_FIX, "probes")
    want = {"win-nvidia-code43.txt": "code43-nvidia", "win-arc-basic-display.txt":
            "basic-display-adapter", "win-code12-bar.txt": "code12-resources"}
    for name, sig in want.items():
        rc, d, err = jrun("explain", os.path.join(probes, name))
        ids = [s["id"] for s in d["signatures"]]
        check(rc == 0 and sig in ids, f"{name}: {rc} {ids}")
    rc, d, err = jrun("explain", os.path.join(probes, "win-ok.txt"))
    check(rc == 1 and not d["signatures"], f"a working GPU matches nothing: {rc}")


def main():
    global BIN, FIX
    BIN, FIX = sys.argv[1], sys.argv[2]
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, fn) in enumerate(results, 1):
        try:
            fn()
            print(f"ok {i} - {name}")
        except Skip as e:
            print(f"ok {i} - {name} # SKIP {e}")
        except (AssertionError, KeyError, TypeError, IndexError, FileNotFoundError) as e:
            failed += 1
            print(f"not ok {i} - {name}")
            print(f"# {type(e).__name__}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
