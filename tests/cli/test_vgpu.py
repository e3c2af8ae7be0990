#!/usr/bin/env python3
"""vm plan|apply --vgpu and vm lint's vGPU findings on the nvidia-vgpu fixtures.

Usage: test_vgpu.py VFIO_PILOT FIXTURES_DIR   (TAP on stdout)

nvidia-vgpu (tests/fixtures/scenarios/nvidia-vgpu.py): two L40S, card 1 at
18:00.0 with VM 100 running NVIDIA L40S-2Q (nvidia-1148) on its VF 18:00.4,
so every VF of card 1 offers 1148 only; card 2 at 3b:00.0 with 32 VFs that
offer the whole table (1145..1165). VM 101 is empty (q35, OVMF).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

VP, FX = sys.argv[1], sys.argv[2]
HOST = "nvidia-vgpu"
NODE = "etc/pve/nodes/pve-vgpu/qemu-server"
results = []

# qemu-server PCI.pm $hostpci_fmt: mdev => { pattern => '[^/\.:]+' }
MDEV_PATTERN = re.compile(r"[^/\.:]+")
# what the repo's parser says of a line Proxmox drops or qm set refuses
SCHEMA_IDS = {"dropped-line", "api-invalid"}


def run(*args):
    p = subprocess.run([VP, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def fx(name=HOST):
    return os.path.join(FX, name)


def added(diff):
    return [l[1:] for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]


def plan(*args, root=None, vmid="101"):
    rc, out, err = run("--root", root or fx(), "--json", "vm", "plan", vmid, *args)
    check(out, f"no JSON (exit {rc}): {err}")
    d = json.loads(out)
    lines = [l for e in d["edits"] for l in added(e["diff"])]
    return rc, d, lines


def hostpci(lines):
    return [l for l in lines if l.startswith("hostpci")]


def lint_ids(target, root=None):
    args = ["--root", root] if root else []
    rc, out, err = run(*args, "--json", "vm", "lint", target)
    check(out, f"lint: no JSON (exit {rc}): {err}")
    return rc, {f["id"]: f for f in json.loads(out)["findings"]}, json.loads(out)["findings"]


def check_schema(line):
    """The line as Proxmox's hostpci schema takes it: the mdev value matches
    the property's pattern, and the repo's parser (src/pve, the schema of
    schema-qm.c) neither drops the line nor calls it API-invalid."""
    key, value = line.split(": ", 1)
    props = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
    check("mdev" in props, f"no mdev in {line}")
    check(MDEV_PATTERN.fullmatch(props["mdev"]), f"mdev {props['mdev']} fails [^/\\.:]+")
    with tempfile.TemporaryDirectory() as t:
        p = os.path.join(t, "c.conf")
        with open(p, "w") as f:
            f.write("machine: q35\nballoon: 0\n" + line + "\n")
        _, ids, _ = lint_ids(p)
        bad = SCHEMA_IDS & set(ids)
        check(not bad, f"{line}: {[ids[i]['message'] for i in bad]}")


_copy = {}


def copy_host():
    """One copy of the fixture below a temp dir, shared by the tests that
    change it (copying 7000 files is slow): each touches its own part,
    VM 102's config, the P40's mdev types, VM 101's config, in that order."""
    if "root" not in _copy:
        _copy["tmp"] = tempfile.TemporaryDirectory()
        _copy["root"] = os.path.join(_copy["tmp"].name, "h")
        shutil.copytree(fx(), _copy["root"], symlinks=True)
    return _copy["root"]


@test("--vgpu L40S-4Q --device 3b:00.0 (card 2's PF): its first VF 3b:00.4, mdev=nvidia-1150")
def _():
    rc, d, lines = plan("--vgpu", "L40S-4Q", "--device", "3b:00.0")
    check(rc == 0 and not d["refusals"], f"exit {rc}: {d['refusals']}")
    check(hostpci(lines) == ["hostpci0: 0000:3b:00.4,mdev=nvidia-1150,pcie=1"], lines)
    for line in hostpci(lines):
        check_schema(line)
    notes = "\n".join(d["notes"])
    # what an operator typed and what Proxmox writes: both named
    check("NVIDIA L40S-4Q" in notes and "nvidia-1150" in notes, notes)
    check("current_vgpu_type" in notes and "at VM start and 0 at stop" in notes, notes)
    check("hand it to vfio-pci" not in notes and "host plan" not in notes, notes)
    check(not any(l.startswith("vga:") for l in lines), f"vga changed: {lines}")
    check(not any("x-vga" in l or "driver=keep" in l for l in lines), lines)


@test("--vgpu forms: nvidia-1150, 1150, 'NVIDIA L40S-4Q' and a VF by address pick the same")
def _():
    for args in (["--vgpu", "nvidia-1150"], ["--vgpu", "1150"], ["--vgpu", "NVIDIA L40S-4Q"],
                 ["--vgpu", "l40s-4q", "--device", "3b:00.4"]):
        rc, d, lines = plan(*args)
        check(rc == 0, f"{args}: exit {rc}: {d['refusals']}")
        check(hostpci(lines) == ["hostpci0: 0000:3b:00.4,mdev=nvidia-1150,pcie=1"],
              f"{args}: {lines}")


@test("--vgpu L40S-2Q, no device: 18:00.5, as 18:00.4 is VM 100's (running)")
def _():
    rc, d, lines = plan("--vgpu", "L40S-2Q")
    check(rc == 0 and not d["refusals"], f"exit {rc}: {d['refusals']}")
    check(hostpci(lines) == ["hostpci0: 0000:18:00.5,mdev=nvidia-1148,pcie=1"], lines)
    check_schema(hostpci(lines)[0])
    notes = "\n".join(d["notes"])
    check("0000:18:00.4 is named by VM 100's hostpci0" in notes, notes)
    check("NVIDIA L40S-2Q (nvidia-1148)" in notes, notes)


@test("--vgpu L40S-4Q --device 18:00.5: refused, naming the 2Q that runs on card 1")
def _():
    for dev in ("18:00.5", "18:00.0"):
        rc, d, lines = plan("--vgpu", "L40S-4Q", "--device", dev)
        check(rc == 2 and not lines, f"{dev}: exit {rc}, {lines}")
        msg = "\n".join(d["refusals"])
        check("NVIDIA L40S-4Q (nvidia-1150)" in msg and "cannot be made" in msg, msg)
        check("runs NVIDIA L40S-2Q (nvidia-1148) on 0000:18:00.4" in msg, msg)
        check("VM 100's hostpci0" in msg and "one vGPU profile size at a time" in msg, msg)


@test("an unknown type is refused with what the host offers")
def _():
    rc, d, lines = plan("--vgpu", "L40S-7Q")
    check(rc == 2 and not lines, f"exit {rc}")
    msg = "\n".join(d["refusals"])
    check("no vGPU type of that name" in msg and "offers:" in msg, msg)
    check("NVIDIA L40S-2Q (nvidia-1148)" in msg and "NVIDIA L40S-48Q (nvidia-1156)" in msg, msg)
    # on card 1 alone the list is what the running 2Q leaves, and why
    rc, d, _ = plan("--vgpu", "L40S-7Q", "--device", "18:00.6")
    msg = "\n".join(d["refusals"])
    check(rc == 2 and "offers: NVIDIA L40S-2Q (nvidia-1148) (" in msg, msg)
    check("0000:18:00.0 runs NVIDIA L40S-2Q" in msg, msg)


@test("a function without vGPU types is refused: the SATA controller, a P40 on vfio-pci")
def _():
    for dev, drv in (("00:17.0", "ahci"), ("86:00.0", "vfio-pci")):
        rc, d, lines = plan("--vgpu", "L40S-2Q", "--device", dev)
        check(rc == 2 and not lines, f"{dev}: exit {rc}")
        msg = "\n".join(d["refusals"])
        check(f"0000:{dev} offers no vGPU types" in msg and f"driver {drv}" in msg, msg)


@test("nvidia-vgpu-unset: card 2's PF without VFs, and 4Q unknown while card 1 runs 2Q")
def _():
    root = fx("nvidia-vgpu-unset")
    rc, d, _ = plan("--vgpu", "L40S-4Q", "--device", "3b:00.0", root=root)
    msg = "\n".join(d["refusals"])
    check(rc == 2 and "SR-IOV PF with no VFs enabled" in msg, msg)
    rc, d, _ = plan("--vgpu", "L40S-4Q", root=root)
    msg = "\n".join(d["refusals"])
    check(rc == 2 and "offers: NVIDIA L40S-2Q (nvidia-1148)" in msg, msg)


@test("a host with no vGPU at all: 'no vGPU types on this host'")
def _():
    rc, d, _ = plan("--vgpu", "L40S-2Q", root=fx("dual-socket-p40-vms"), vmid="100")
    msg = "\n".join(d["refusals"])
    check(rc == 2 and "no vGPU types on this host" in msg, msg)


@test("--vgpu with --mapping, --usb, --primary-gpu, two devices or a slot: refused")
def _():
    cases = [(["--mapping", "gpu"], "--vgpu with --mapping"),
             (["--usb", "10c4:ea60"], "--vgpu with --usb"),
             (["--primary-gpu"], "--vgpu with --primary-gpu"),
             (["--device", "18:00.5,18:00.6"], "--vgpu takes one --device"),
             (["--device", "18:00"], "cannot use mediated device with multifunction device")]
    for args, want in cases:
        rc, d, lines = plan("--vgpu", "L40S-2Q", *args)
        check(rc == 2 and not lines, f"{args}: exit {rc}")
        check(any(want in r for r in d["refusals"]), f"{args}: {d['refusals']}")


@test("--qm: one qm set with the hostpci value")
def _():
    rc, d, _ = plan("--vgpu", "L40S-2Q", "--qm")
    check(rc == 0, d["refusals"])
    argv = d["commands"][0]["argv"]
    check(argv[:5] == ["qm", "set", "101", "--hostpci0", "0000:18:00.5,mdev=nvidia-1148,pcie=1"],
          argv)


@test("other configs count: a stopped VM's [PENDING] and a snapshot's VF are skipped")
def _():
    root = copy_host()
    conf = os.path.join(root, NODE, "102.conf")
    with open(conf, "w") as f:
        f.write("machine: q35\nmemory: 8192\n\n[PENDING]\n"
                "hostpci0: 0000:3b:00.4,mdev=nvidia-1150,pcie=1\n\n[pre]\n"
                "hostpci1: 0000:3b:00.5,mdev=nvidia-1150,pcie=1\n")
    rc, d, lines = plan("--vgpu", "L40S-4Q", root=root)
    check(rc == 0, d["refusals"])
    check(hostpci(lines) == ["hostpci0: 0000:3b:00.6,mdev=nvidia-1150,pcie=1"], lines)
    notes = "\n".join(d["notes"])
    check("VM 102's [PENDING] hostpci0" in notes, notes)
    # a 2Q beside that 4Q on card 2: picked, with the warning
    rc, d, lines = plan("--vgpu", "L40S-2Q", "--device", "3b:00.0", root=root)
    check(hostpci(lines) == ["hostpci0: 0000:3b:00.6,mdev=nvidia-1148,pcie=1"], lines)
    check(any(n.startswith("warning: VM 102's") and "cannot run at once" in n
              for n in d["notes"]), d["notes"])


@test("mdev_supported_types: a parent with an instance left is taken, one without is refused")
def _():
    root = copy_host()
    base = os.path.realpath(os.path.join(root, "sys/bus/pci/devices/0000:86:00.0"))
    types = os.path.join(base, "mdev_supported_types")
    for name, avail in (("nvidia-46", 0), ("nvidia-63", 2)):
        os.makedirs(os.path.join(types, name, "devices"))
        for k, v in (("name", f"GRID P40-{name[-2:]}Q"), ("available_instances", str(avail)),
                     ("device_api", "vfio-pci"), ("description", "num_heads=4")):
            with open(os.path.join(types, name, k), "w") as f:
                f.write(v + "\n")
    rc, d, lines = plan("--vgpu", "nvidia-63", "--device", "86:00.0", root=root)
    check(rc == 0, d["refusals"])
    check(hostpci(lines) == ["hostpci0: 0000:86:00.0,mdev=nvidia-63,pcie=1"], lines)
    check_schema(hostpci(lines)[0])
    check(any("mediated device" in n for n in d["notes"]), d["notes"])
    rc, d, lines = plan("--vgpu", "GRID P40-46Q", "--device", "86:00.0", root=root)
    msg = "\n".join(d["refusals"])
    check(rc == 2 and "available_instances 0" in msg, msg)


@test("apply writes the hostpci line; a second apply changes nothing; lint is clean of vGPU")
def _():
    if os.geteuid() != 0:
        raise Skip("apply needs root")
    root = copy_host()
    conf = os.path.join(root, NODE, "101.conf")
    before = open(conf).read()
    rc, out, err = run("--root", root, "vm", "apply", "101", "--vgpu", "L40S-2Q")
    check(rc == 0, f"exit {rc}: {out}{err}")
    after = open(conf).read()
    check(after != before and "hostpci0: 0000:18:00.5,mdev=nvidia-1148,pcie=1\n" in after,
          after)
    rc, out, err = run("--root", root, "vm", "apply", "101", "--vgpu", "L40S-2Q")
    check(rc == 0 and "nothing to change" in out, f"second apply: {rc} {out}{err}")
    check(open(conf).read() == after, "second apply changed the file")
    rc, ids, _ = lint_ids("101", root=root)
    bad = [i for i in ids if i.startswith("vgpu") or i in SCHEMA_IDS]
    check(not bad, f"lint of the written config: {bad}")


@test("vm lint 100 (the running 2Q on 18:00.4) has no vGPU finding")
def _():
    rc, ids, _ = lint_ids("100", root=fx())
    check(not [i for i in ids if i.startswith("vgpu")], ids)
    check(rc in (0, 1), f"exit {rc}")


@test("vm lint finds a wrong type, a name for a type, a busy card, a slot, x-vga and no vGPU")
def _():
    cases = [
        ("hostpci0: 0000:3b:00.5,mdev=nvidia-9999,pcie=1", "vgpu-type-unknown", 2),
        ("hostpci0: 0000:3b:00.5,mdev=L40S-4Q,pcie=1", "vgpu-type-unknown", 2),
        ("hostpci0: 0000:18:00.5,mdev=nvidia-1150,pcie=1", "vgpu-not-offered", 2),
        ("hostpci0: 0000:3b:00,mdev=nvidia-1150,pcie=1", "vgpu-multifunction", 2),
        ("hostpci0: 0000:3b:00.5;0000:3b:00.6,mdev=nvidia-1150,pcie=1", "vgpu-multifunction", 2),
        ("hostpci0: 0000:3b:00.5,mdev=nvidia-1150,pcie=1,x-vga=1", "vgpu-display", 2),
        ("hostpci0: 0000:86:00.0,mdev=nvidia-1150,pcie=1", "vgpu-no-types", 2),
    ]
    with tempfile.TemporaryDirectory() as t:
        p = os.path.join(t, "c.conf")
        for line, fid, sev in cases:
            with open(p, "w") as f:
                f.write("machine: q35\nbios: ovmf\ncpu: host\nballoon: 0\n" + line + "\n")
            rc, ids, _ = lint_ids(p, root=fx())
            check(fid in ids, f"{line}: {fid} missing: {list(ids)}")
            check(ids[fid]["severity"] == "error" and rc == sev, f"{line}: {rc} {ids[fid]}")
            check(ids[fid]["line"] == line, ids[fid])
        # the right type on a free VF: none of them
        with open(p, "w") as f:
            f.write("machine: q35\nbios: ovmf\ncpu: host\nballoon: 0\n"
                    "hostpci0: 0000:3b:00.5,mdev=nvidia-1150,pcie=1\n")
        rc, ids, _ = lint_ids(p, root=fx())
        check(not [i for i in ids if i.startswith("vgpu")], ids)
        # the fix for a name written as the type says which type it is
        with open(p, "w") as f:
            f.write("machine: q35\nhostpci0: 0000:3b:00.5,mdev=L40S-4Q,pcie=1\n")
        _, ids, _ = lint_ids(p, root=fx())
        check("mdev=nvidia-1150" in ids["vgpu-type-unknown"]["fix"], ids["vgpu-type-unknown"])


@test("the schema check can fail: an mdev value with a dot is caught")
def _():
    try:
        check_schema("hostpci0: 0000:3b:00.5,mdev=nvidia.1150,pcie=1")
    except AssertionError:
        return
    raise AssertionError("mdev=nvidia.1150 passed the schema check")


def main():
    try:
        return run_all()
    finally:
        if "tmp" in _copy:
            _copy["tmp"].cleanup()


def run_all():
    print(f"1..{len(results)}")
    bad = 0
    for i, (name, fn) in enumerate(results, 1):
        try:
            fn()
            print(f"ok {i} - {name}")
        except Skip as e:
            print(f"ok {i} - {name} # SKIP {e}")
        except Exception as e:  # noqa: BLE001
            bad += 1
            print(f"not ok {i} - {name}")
            for line in str(e).splitlines() or [repr(e)]:
                print(f"# {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
