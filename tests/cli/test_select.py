#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Device selection (src/host/select.c) as every command sees it.

One companion rule for groups, import, doctor, host plan and vm plan (an APU
whose SoC functions share the iGPU's PCI device); bridges refused as targets;
an SR-IOV VF given alone; host-critical devices only with --take-host-device
and its warning; a cluster mapping no way around those refusals. Each case
works on a copy of a fixture. Prints TAP.

usage: test_select.py VFIO_PILOT FIXTURES_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = FIX = TMP = None
results = []
A = "0000:"
VM = ("boot: order=scsi0\ncores: 4\nmemory: 8192\nname: guest\nostype: l26\n"
      "scsi0: local-lvm:vm-100-disk-0,size=32G\n")


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(*args, root=None, stdin=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False, input=stdin,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def jrun(*args, root=None):
    rc, out, err = run("--json", *args, root=root)
    try:
        return rc, json.loads(out)
    except json.JSONDecodeError as e:
        raise AssertionError(f"{' '.join(args)}: not JSON ({e}): {out[:300]!r} {err!r}")


def copy(fixture, vm=True):
    dst = os.path.join(TMP, fixture)
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(os.path.join(FIX, fixture), dst, symlinks=True,
                    ignore_dangling_symlinks=True, copy_function=copy_file)
    if vm:
        put(dst, "etc/pve/qemu-server/100.conf", VM)
    return dst


def copy_file(src, dst):
    try:
        return shutil.copy2(src, dst)
    except PermissionError:
        open(dst, "w").close()
        return dst


def put(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def added(doc):
    out = []
    for e in doc["edits"]:
        out += [l[1:] for l in e["diff"].splitlines()
                if l.startswith("+") and not l.startswith("+++")]
    return out


def plan_targets(doc):
    """Functions a host plan takes: its 'target ADDR (...)' notes."""
    return {n.split()[1] for n in doc["notes"] if n.startswith("target ")}


def hostpci(doc):
    return [l.split(": ", 1)[1].split(",")[0] for l in added(doc) if l.startswith("hostpci")]


def refused_members(refusals):
    """The members a refusal names as sharing the group: 'shares IOMMU group N with X'."""
    out = set()
    for r in refusals:
        if " shares IOMMU group " in r:
            out.add(r.split(" with ", 1)[1].split()[0].rstrip(",;"))
    return out


def listing(root):
    """The fixture's groups as the classic shell loop prints them (what people paste)."""
    lines = []
    base = os.path.join(root, "sys/kernel/iommu_groups")
    for g in sorted(os.listdir(base), key=int):
        lines.append(f"IOMMU Group {g}:")
        for a in sorted(os.listdir(os.path.join(base, g, "devices"))):
            d = os.path.join(root, "sys/bus/pci/devices", a)

            def rd(n):
                with open(os.path.join(d, n)) as f:
                    return f.read().strip()
            lines.append(f"\t{a[5:]} Class [{rd('class')[2:6]}]: Device "
                         f"[{rd('vendor')[2:]}:{rd('device')[2:]}]")
    return "\n".join(lines) + "\n"


def group_roles(doc, addr):
    for g in doc["groups"]:
        if any(m["address"] == addr for m in g["members"]):
            return g["verdict"], {m["address"]: m["role"] for m in g["members"]}
    raise AssertionError(f"no group holds {addr}")


APU = A + "03:00.0"
APU_CARD = {A + "03:00.1"}
APU_SOC = {A + "03:00.%d" % f for f in (2, 3, 4, 5, 6)}


@test("APU: groups, import, doctor, host plan and vm plan agree: HDMI audio goes, SoC stays")
def _():
    root = copy("cezanne-apu")
    verdicts = {}
    # groups, on the fixture and on an import of its pasted listing
    rc, d = jrun("groups", "03:00.0", root=root)
    verdict, roles = group_roles(d, APU)
    verdicts["groups"] = (verdict, {a for a, r in roles.items() if r == "companion"},
                          {a for a, r in roles.items() if r == "unrelated"})
    imp = os.path.join(TMP, "cezanne-import")
    shutil.rmtree(imp, ignore_errors=True)
    rc, out, err = run("import", "-", "-o", imp, stdin=listing(root))
    check(rc == 0, f"import: {rc} {err}")
    rc, d = jrun("groups", "03:00.0", root=imp)
    verdict, roles = group_roles(d, APU)
    verdicts["import"] = (verdict, {a for a, r in roles.items() if r == "companion"},
                          {a for a, r in roles.items() if r == "unrelated"})
    # doctor: the companions check and the group check
    rc, d = jrun("doctor", "03:00.0", root=root)
    f = {x["id"]: x for x in d["findings"] if x.get("device") == APU}
    comp = {w.strip(",") for w in f["device.companions"]["evidence"].split() if w.startswith(A)}
    grp = f["device.group"]
    host = {w.strip(",;") for w in grp["summary"].split() if w.startswith(A)}
    check("host devices of the same chip" in grp["summary"], f"doctor group: {grp['summary']}")
    verdicts["doctor"] = ("shared" if grp["verdict"] == "fail" else grp["verdict"], comp, host)
    # host plan: what it takes, and whom it refuses
    rc, d = jrun("host", "plan", "-d", "03:00.0", "--take-host-device", root=root)
    verdicts["host plan"] = ("shared" if refused_members(d["refusals"]) else "ok",
                             plan_targets(d) - {APU}, refused_members(d["refusals"]))
    check(not any("1022:" in l for l in added(d)), f"host plan binds SoC ids: {added(d)}")
    # vm plan
    rc, d = jrun("vm", "plan", "100", "-d", "03:00.0", "--take-host-device", root=root)
    verdicts["vm plan"] = ("shared" if refused_members(d["refusals"]) else "ok", None,
                           refused_members(d["refusals"]))
    # vm lint of "all functions" of the iGPU's device: the SoC functions go too
    put(root, "etc/pve/qemu-server/100.conf", VM + "hostpci0: 0000:03:00,pcie=1\n")
    rc, d = jrun("vm", "lint", "100", root=root)
    lint = {w for f in d["findings"] if f["id"] == "not-card-function"
            for w in f["message"].split()[:3] if w.startswith(A)}
    check(lint == APU_SOC, f"vm lint not-card-function: {lint} {d['findings']}")
    for cmd, (verdict, comp, host) in verdicts.items():
        check(verdict == "shared", f"{cmd}: verdict {verdict}")
        check(comp is None or comp == APU_CARD, f"{cmd}: companions {comp}")
        check(host == APU_SOC, f"{cmd}: host devices {host}")


@test("APU with per-function groups (raphael-igpu): the iGPU takes its HDMI audio, not the SoC")
def _():
    root = copy("raphael-igpu")
    rc, d = jrun("host", "plan", "-d", "15:00.0", "--take-host-device", root=root)
    check(plan_targets(d) == {A + "15:00.0", A + "15:00.1"}, f"host plan targets {plan_targets(d)}")
    rc, d = jrun("vm", "plan", "100", "-d", "15:00.0", "--take-host-device", root=root)
    check(not d["refusals"], f"vm plan refusals {d['refusals']}")
    check(hostpci(d) == [A + "15:00.0", A + "15:00.1"], f"hostpci {hostpci(d)} (not the whole device)")
    rc, d = jrun("doctor", "15:00.0", root=root)
    f = {x["id"]: x for x in d["findings"] if x.get("device") == A + "15:00.0"}
    check("0000:15:00.2" not in f["device.companions"]["evidence"],
          f"doctor companions {f['device.companions']['evidence']}")


@test("a bridge or port is refused as a target by host plan, vm plan and bind")
def _():
    root = copy("b550")
    for args in (["host", "plan", "-d", "00:01.1"], ["vm", "plan", "100", "-d", "00:01.1"]):
        rc, d = jrun(*args, root=root)
        check(rc == 2 and any("0000:00:01.1 is a PCI bridge or port" in r for r in d["refusals"]),
              f"{args}: {rc} {d['refusals']}")
    if os.geteuid() == 0:
        rc, out, err = run("bind", "00:01.1", root=root)
        check(rc == 2 and "bridge or port" in err, f"bind: {rc} {err}")


@test("an SR-IOV VF given with -d is its own function, not its slot's VFs")
def _():
    root = copy("sriov-usb")
    rc, d = jrun("vm", "plan", "100", "-d", "07:10.4", root=root)
    check(hostpci(d) == [A + "07:10.4"], f"vm plan hostpci {hostpci(d)} {d['refusals']}")
    rc, d = jrun("host", "plan", "-d", "07:10.4", root=root)
    check(plan_targets(d) == {A + "07:10.4"}, f"host plan targets {plan_targets(d)}")
    # The iGPU PF shares its slot with its VFs 00:02.1/.2: they are not its companions.
    rc, d = jrun("host", "plan", "-d", "00:02.0", "--take-host-device", root=root)
    check(plan_targets(d) == {A + "00:02.0"}, f"PF targets {plan_targets(d)}")


@test("boot VGA of an iGPU-only host: refused without --take-host-device, given with it and the warning")
def _():
    root = copy("n100-minipc")
    for cmd in (["vm", "plan", "100"], ["host", "plan"]):
        rc, d = jrun(*cmd, "-d", "00:02.0", root=root)
        check(rc == 2 and any("needed by the host" in r and "--take-host-device" in r
                              for r in d["refusals"]), f"{cmd} without: {rc} {d['refusals']}")
        rc, d = jrun(*cmd, "-d", "00:02.0", "--take-host-device", root=root)
        check(not d["refusals"], f"{cmd} with the override: {d['refusals']}")
        check(any("headless: reach it over the network" in n for n in d["notes"]),
              f"{cmd}: no headless warning in {d['notes']}")
    rc, d = jrun("vm", "plan", "100", "-d", "00:02.0", "--take-host-device", root=root)
    check(hostpci(d) == [A + "00:02"] or hostpci(d) == [A + "00:02.0"], f"hostpci {hostpci(d)}")


@test("a cluster mapping is no way around the root-disk refusal: mapping plan, vm plan --mapping, vm lint")
def _():
    root = copy("intel-4090")
    node = open(os.path.join(root, "etc/hostname")).read().strip()
    rc, d = jrun("vm", "plan", "100", "-d", "02:00.0", root=root)
    check(rc == 2 and any("0000:02:00.0" in r and "root filesystem" in r for r in d["refusals"]),
          f"vm plan -d: {d['refusals']}")
    rc, d = jrun("mapping", "plan", "rootdisk", "--device", "02:00.0", root=root)
    check(rc == 2 and any("0000:02:00.0 is needed by the host" in r for r in d["refusals"]),
          f"mapping plan: {rc} {d.get('refusals')}")
    # A mapping made elsewhere (the GUI, another tool) that names the root disk.
    put(root, "etc/pve/mapping/pci.cfg",
        f"rootdisk\n\tmap node={node},path=0000:02:00.0,id=144d:a80a\n\n")
    rc, d = jrun("vm", "plan", "100", "--mapping", "rootdisk", root=root)
    check(rc == 2 and any("mapping 'rootdisk'" in r and "needed by the host" in r
                          for r in d["refusals"]), f"vm plan --mapping: {rc} {d['refusals']}")
    check(not d["edits"], "vm plan --mapping refused but plans an edit")
    put(root, "etc/pve/qemu-server/100.conf", VM + "hostpci0: mapping=rootdisk,pcie=1\nmachine: q35\n")
    rc, d = jrun("vm", "lint", "100", root=root)
    ids = [f["id"] for f in d["findings"]]
    check(rc == 2 and "host-device" in ids, f"vm lint mapping: {rc} {ids}")
    put(root, "etc/pve/qemu-server/100.conf", VM + "hostpci0: 0000:02:00.0,pcie=1\nmachine: q35\n")
    rc, d = jrun("vm", "lint", "100", root=root)
    check(rc == 2 and "host-device" in [f["id"] for f in d["findings"]], f"vm lint address: {rc} {d}")


def main():
    global BIN, FIX, TMP
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    BIN, FIX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    TMP = tempfile.mkdtemp(prefix="vp-select-")
    failed = 0
    print(f"1..{len(results)}")
    try:
        for i, (name, fn) in enumerate(results, 1):
            try:
                fn()
                print(f"ok {i} - {name}")
            except Exception as e:  # noqa: BLE001
                failed += 1
                print(f"not ok {i} - {name}")
                for line in str(e).splitlines() or [repr(e)]:
                    print(f"# {line}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
