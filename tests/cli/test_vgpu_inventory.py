#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vGPU in the inventory (devices, show, --json), in advise and in snapshot,
on the nvidia-vgpu and nvidia-vgpu-unset fixtures
(tests/fixtures/scenarios/nvidia-vgpu.py): two L40S with 32 VFs each; card 1
runs a 2Q on 18:00.4 so its VFs offer 2Q only, card 2's VFs offer all 23
types of the real capture in tests/data/vgpu. Prints TAP.

usage: test_vgpu_inventory.py VFIO_PILOT FIXTURES_DIR
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
HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(os.path.dirname(HERE), "data", "vgpu", "l40s-creatable_vgpu_types")


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(*args, root=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def jrun(*args, root=None):
    rc, out, err = run("--json", *args, root=root)
    try:
        return rc, json.loads(out)
    except json.JSONDecodeError as e:
        raise AssertionError(f"{' '.join(args)}: not JSON ({e}): {out[:300]!r} {err!r}")


def fx(name):
    return os.path.join(FIX, name)


def real_rows():
    rows = []
    with open(REAL) as f:
        for line in f:
            i, _, name = line.partition(":")
            if i.strip() != "ID":
                rows.append((f"nvidia-{int(i)}", name.strip()))
    return rows


def by_addr(doc):
    return {d["address"]: d for d in doc["devices"]}


@test("devices: each VF says what it runs or how many types it offers; PFs and P40s nothing")
def _():
    rc, out, err = run("devices", root=fx("nvidia-vgpu"))
    check(rc == 0, f"exit {rc}: {err}")
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith(A)}
    check(lines[A + "18:00.4"].endswith("[vgpu: nvidia-1148 NVIDIA L40S-2Q in use]"),
          lines[A + "18:00.4"])
    check(lines[A + "18:00.5"].endswith("[vgpu: 1 type free]"), lines[A + "18:00.5"])
    check(lines[A + "3b:04.3"].endswith(f"[vgpu: {len(real_rows())} types free]"),
          lines[A + "3b:04.3"])
    for plain in ("18:00.0", "3b:00.0", "86:00.0", "00:17.0"):
        check("vgpu" not in lines[A + plain], lines[A + plain])
    tagged = [a for a, ln in lines.items() if "[vgpu:" in ln]
    check(len(tagged) == 64, f"{len(tagged)} functions tagged")


@test("devices --json: the vgpu object of a free VF is the real capture, in its order")
def _():
    rc, doc = jrun("devices", root=fx("nvidia-vgpu"))
    check(rc == 0, f"exit {rc}")
    d = by_addr(doc)
    v = d[A + "3b:00.4"]["vgpu"]
    check(v["interface"] == "nvidia" and v["current"] is None, v)
    check([(t["type"], t["name"]) for t in v["types"]] == real_rows(), v["types"])
    check(all(t["available"] == 1 and t["description"] is None for t in v["types"]), v)
    check(v["types"][0]["id"] == 1145, v["types"][0])
    u = d[A + "18:00.4"]["vgpu"]
    check(u["current"] == "nvidia-1148" and u["current_name"] == "NVIDIA L40S-2Q", u)
    check(d[A + "86:00.0"]["vgpu"] is None and d[A + "18:00.0"]["vgpu"] is None, "no vgpu")


@test("show: a PF counts its VFs that offer vGPU; a VF lists its types")
def _():
    rc, out, err = run("show", "18:00.0", root=fx("nvidia-vgpu"))
    check(rc == 0, err)
    check("vgpu:             on 32 of 32 VFs, 1 in use" in out, out)
    rc, out, err = run("show", "3b:00.4", root=fx("nvidia-vgpu"))
    check("nvidia interface, 23 types free" in out, out)
    check("nvidia-2164      NVIDIA L40S-3B" in out, out)
    rc, out, err = run("show", "3b:00.0", root=fx("nvidia-vgpu-unset"))
    check(rc == 0 and "vgpu" not in out and "sr-iov:           0 of 32 VFs enabled" in out,
          out)


@test("advise: a host whose vGPU driver offers types gets vGPU, with the first free VF")
def _():
    rc, doc = jrun("advise", root=fx("nvidia-vgpu"))
    check(rc == 0, f"exit {rc}")
    check(doc["recommendation"] == "vgpu", doc)
    check(doc["device"] == A + "18:00.5", doc["device"])
    why = " ".join(doc["why"])
    check("63 functions can take one now" in why, why)
    check("--vgpu nvidia-1148" in why, why)
    alts = " ".join(doc["alternatives"])
    check("full passthrough of 0000:86:00.0" in alts, alts)


@test("advise: card 2 without VFs is no passthrough alternative; a P40 host stays passthrough")
def _():
    rc, doc = jrun("advise", root=fx("nvidia-vgpu-unset"))
    check(doc["recommendation"] == "vgpu", doc)
    check("31 functions" in " ".join(doc["why"]), doc["why"])
    check(not any("3b:00.0" in a for a in doc["alternatives"]), doc["alternatives"])
    rc, doc = jrun("advise", root=fx("dual-socket-p40"))
    check(doc["recommendation"] != "vgpu", doc)


@test("snapshot keeps nvidia/ and the vGPU listing reads the same from it")
def _():
    snap = os.path.join(TMP, "snap")
    rc, out, err = run("snapshot", "-o", snap, root=fx("nvidia-vgpu"))
    check(rc == 0, f"exit {rc}: {err}")
    rc1, a = jrun("devices", root=fx("nvidia-vgpu"))
    rc2, b = jrun("devices", root=snap)
    va = {k: v["vgpu"] for k, v in by_addr(a).items()}
    vb = {k: v["vgpu"] for k, v in by_addr(b).items()}
    check(va == vb, [k for k in va if va[k] != vb.get(k)][:5])
    check(sum(1 for v in vb.values() if v) == 64, "64 VFs with vgpu")


@test("snapshot keeps the helper's dpkg stanza and its enabled units: doctor's vGPU verdicts hold")
def _():
    snap = os.path.join(TMP, "snap-unset")
    rc, out, err = run("snapshot", "-o", snap, root=fx("nvidia-vgpu-unset"))
    check(rc == 0, f"exit {rc}: {err}")

    def verdicts(root):
        rc, d = jrun("doctor", root=root)
        return sorted((f["id"], f["verdict"], f["device"] or "") for f in d["findings"]
                      if f["id"] in ("vgpu.host", "vgpu.vfs", "vgpu.nouveau"))
    a, b = verdicts(fx("nvidia-vgpu-unset")), verdicts(snap)
    check(a == b and len(a) >= 4, f"{a} != {b}")


@test("mdev types below a function are read, sorted, with their available instances")
def _():
    root = os.path.join(TMP, "mdev")
    shutil.copytree(fx("nvidia-vgpu"), root, symlinks=True)
    dev = os.path.realpath(os.path.join(root, "sys/bus/pci/devices", A + "86:00.0"))
    src = os.path.join(os.path.dirname(REAL), "harvester-a2-vf", "mdev_supported_types")
    for t, avail in (("nvidia-743", "0"), ("nvidia-742", "15")):
        d = os.path.join(dev, "mdev_supported_types", t)
        shutil.copytree(os.path.join(src, t), d)
        with open(os.path.join(d, "available_instances"), "w") as f:
            f.write(avail + "\n")  # not in the capture: ours
    rc, doc = jrun("show", "86:00.0", root=root)
    v = doc["devices"][0]["vgpu"]
    check(v["interface"] == "mdev", v)
    check([(t["type"], t["name"], t["available"]) for t in v["types"]] ==
          [("nvidia-742", "NVIDIA A2-1B", 15), ("nvidia-743", "NVIDIA A2-2B", 0)], v)
    check(v["types"][0]["description"].startswith("num_heads=4, frl_config=45"), v)
    rc, out, err = run("devices", root=root)
    line = [ln for ln in out.splitlines() if ln.startswith(A + "86:00.0")][0]
    check(line.endswith("[vgpu: 2 mdev types]"), line)


def main():
    global BIN, FIX, TMP
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    BIN, FIX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    TMP = tempfile.mkdtemp(prefix="vp-vgpu-inv-")
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
