#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cluster, mapping plan --cluster and mapping check on a recorded cluster.

Four nodes answer GET /nodes: pve-gpu01 (this root: dual-socket-p40, four
Tesla P40), pve-gpu02 (the same hardware after a firmware update moved two
buses and every group), pve-gpu03 (intel-4090 with its bus moved 01 -> 09)
and pve-gpu04, which does not answer (pvesh's proxy error). The API answers
are recorded from the fixture trees by tests/cluster/mkapi.py in the shapes
pve-manager returns (API2/Nodes.pm, API2/Hardware/PCI.pm ->
pve-common SysFSTools::lspci). A fake pvesh replays the same recording so
that the live path (fork, exec, pipes) runs too.

usage: test_cluster.py VFIO_PILOT FIXTURE_DIR
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MKAPI = os.path.join(HERE, "..", "cluster", "mkapi.py")
BIN = FIX = TMP = None
results = []
NOANSWER = "500 Can't connect to 10.20.0.34:8006 (No route to host)"


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(*args, root=None, env=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False,
                       env=dict(env or os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def world():
    """This root and the recorded answers of the four nodes."""
    root = os.path.join(TMP, "root")
    api = os.path.join(TMP, "api")
    for d in (root, api):
        shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(FIX, "dual-socket-p40"), root, symlinks=True)
    subprocess.run([sys.executable, MKAPI, api,
                    f"pve-gpu01={FIX}/dual-socket-p40",
                    f"pve-gpu02={FIX}/dual-socket-p40:18-19,3b-3c;+40",
                    f"pve-gpu03={FIX}/intel-4090:01-09;+1",
                    "--fail", f"pve-gpu04={NOANSWER}"], check=True)
    os.makedirs(os.path.join(root, "etc/pve/mapping"), exist_ok=True)
    with open(os.path.join(root, "etc/pve/corosync.conf"), "w") as f:
        f.write("totem {\n  cluster_name: lab\n}\n")
    return root, api


def put(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


P40 = "id=10de:1b38,subsystem-id=10de:11d9"
CFG = (f"p40\n\tmap node=pve-gpu01,path=0000:18:00,{P40},iommugroup=2\n"
       f"\tmap node=pve-gpu02,path=0000:18:00,{P40},iommugroup=2\n\n"
       "rtx4090\n\tmap node=pve-gpu03,path=0000:01:00,id=10de:2684,iommugroup=17\n")


@test("cluster: every node named, the silent one with pvesh's reason; exit 1")
def _():
    root, api = world()
    rc, out, err = run("cluster", "--api", api, root=root)
    check(rc == 1, f"rc {rc}: {err}")
    for n in ("pve-gpu01", "pve-gpu02", "pve-gpu03"):
        check(f"\n{n}\n" in "\n" + out, f"{n} missing: {out}")
    check(f"pve-gpu04: did not answer: {NOANSWER}" in out, out)
    check("0000:19:00.0  10de:1b38  group 42" in out, out)


@test("cluster --json: mappings and VMs (with HA group) per device")
def _():
    root, api = world()
    put(root, "etc/pve/mapping/pci.cfg", CFG)
    put(root, "etc/pve/nodes/pve-gpu02/qemu-server/200.conf",
        "name: train\nmemory: 8192\nhostpci0: mapping=p40,pcie=1\nmachine: q35\n")
    put(root, "etc/pve/nodes/pve-gpu01/qemu-server/100.conf",
        "name: cuda\nmemory: 8192\nhostpci0: 0000:3b:00,pcie=1\nmachine: q35\n")
    put(root, "etc/pve/ha/resources.cfg", "vm: 200\n\tgroup gpu-nodes\n\tstate started\n")
    rc, out, err = run("--json", "cluster", "--api", api, root=root)
    d = json.loads(out)
    nodes = {n["node"]: n for n in d["nodes"]}
    check(sorted(nodes) == ["pve-gpu01", "pve-gpu02", "pve-gpu03", "pve-gpu04"], nodes.keys())
    check(not nodes["pve-gpu04"]["answered"] and nodes["pve-gpu04"]["error"] == NOANSWER,
          nodes["pve-gpu04"])
    devs = {x["address"]: x for x in nodes["pve-gpu01"]["devices"]}
    check(devs["0000:18:00.0"]["mappings"] == ["p40"], devs["0000:18:00.0"])
    vms = devs["0000:18:00.0"]["vms"]
    check([(v["vmid"], v["node"], v["mapping"], v["ha_group"]) for v in vms] ==
          [(200, "pve-gpu02", "p40", "gpu-nodes")], vms)
    vms = devs["0000:3b:00.0"]["vms"]
    check([(v["vmid"], v["mapping"]) for v in vms] == [(100, None)], vms)
    check(nodes["pve-gpu02"]["devices"][1]["mappings"] == [], "the stale map covers nothing")


@test("cluster: a hookscript missing on a node its VM may run on (HA group); exit 2")
def _():
    root, api = world()
    node2 = os.path.join(TMP, "node2")
    shutil.rmtree(node2, ignore_errors=True)
    shutil.copytree(os.path.join(FIX, "dual-socket-p40"), node2, symlinks=True)
    put(node2, "var/lib/vz/snippets/vp-200.sh", "#!/bin/sh\n")
    subprocess.run([sys.executable, MKAPI, api, f"pve-gpu01={FIX}/dual-socket-p40",
                    f"pve-gpu02={node2}:18-19,3b-3c;+40",
                    f"pve-gpu03={FIX}/intel-4090:01-09;+1",
                    "--fail", f"pve-gpu04={NOANSWER}"], check=True)
    put(root, "etc/pve/mapping/pci.cfg", CFG)
    put(root, "etc/pve/nodes/pve-gpu02/qemu-server/200.conf",
        "name: train\nmemory: 8192\nhostpci0: mapping=p40,pcie=1\nmachine: q35\n"
        "hookscript: local:snippets/vp-200.sh\n")
    put(root, "etc/pve/ha/resources.cfg", "vm: 200\n\tgroup gpu-nodes\n")
    put(root, "etc/pve/ha/groups.cfg",
        "group: gpu-nodes\n\tnodes pve-gpu01,pve-gpu02:2\n\trestricted 1\n")
    rc, out, err = run("cluster", "--api", api, root=root)
    check(rc == 2 and "VM 200 (pve-gpu02): hookscript local:snippets/vp-200.sh is missing "
          "on pve-gpu01, where it may run (HA group gpu-nodes)" in out, f"rc {rc}: {out} {err}")
    check("missing on pve-gpu02" not in out, out)
    rc, out, err = run("--json", "cluster", "--api", api, root=root)
    h = json.loads(out)["hookscripts"]
    check(len(h) == 1 and h[0]["missing_on"] == ["pve-gpu01"]
          and h[0]["may_run_on"] == ["pve-gpu01", "pve-gpu02"], h)
    # Without HA: the nodes of the mappings it uses (p40: pve-gpu01, pve-gpu02).
    os.unlink(os.path.join(root, "etc/pve/ha/resources.cfg"))
    rc, out, err = run("--json", "cluster", "--api", api, root=root)
    h = json.loads(out)["hookscripts"]
    check(h[0]["because"] == "mapping p40" and h[0]["missing_on"] == ["pve-gpu01"], h)


@test("mapping plan --cluster: a pool on the two nodes that match, notes for the rest")
def _():
    root, api = world()
    rc, out, err = run("--json", "mapping", "plan", "p40", "-d", "18:00", "-d", "3b:00",
                       "--api", api, root=root)
    check(rc == 0, f"rc {rc}: {out} {err}")
    d = json.loads(out)
    lines = [l[1:] for l in d["edits"][0]["diff"].splitlines()
             if l.startswith("+") and not l.startswith("+++")]
    check(lines == ["p40",
                    f"\tmap node=pve-gpu01,path=0000:18:00,{P40},iommugroup=2",
                    f"\tmap node=pve-gpu01,path=0000:3b:00,{P40},iommugroup=5",
                    f"\tmap node=pve-gpu02,path=0000:19:00,{P40},iommugroup=42",
                    f"\tmap node=pve-gpu02,path=0000:3c:00,{P40},iommugroup=45"], lines)
    notes = "\n".join(d["notes"])
    check("pve-gpu03 has no 10de:1b38" in notes, notes)
    check(f"pve-gpu04 did not answer ({NOANSWER})" in notes, notes)
    rc, out, err = run("mapping", "plan", "p40", "-d", "18:00", "--cluster", root=root)
    check(rc == 64 and "--api DIR" in err, f"--cluster under --root: {rc} {err}")
    if os.geteuid() != 0:
        return
    # Written, then read back by the mapping parser with Proxmox's schema
    # (an invalid line would be dropped): four lines that hold on their nodes.
    rc, out, err = run("mapping", "apply", "p40", "-d", "18:00", "-d", "3b:00",
                       "--api", api, root=root)
    check(rc == 0, f"apply: {rc} {out} {err}")
    rc, out, err = run("--json", "mapping", "check", "--api", api, root=root)
    rows = json.loads(out)["maps"]
    check(rc == 0 and len(rows) == 4 and all(r["state"] == "holds" for r in rows),
          f"{rc} {rows}")
    rc, out, err = run("mapping", "apply", "p40", "-d", "18:00", "-d", "3b:00",
                       "--api", api, root=root)
    check(rc == 0 and "nothing to change" in out, f"second apply: {rc} {out}")


@test("mapping check: the drifted lines, each with its fix where one device fits; exit 2")
def _():
    root, api = world()
    put(root, "etc/pve/mapping/pci.cfg", CFG)
    rc, out, err = run("--json", "mapping", "check", "--api", api, root=root)
    check(rc == 2, f"rc {rc}: {err}")
    rows = {(r["mapping"], r["node"]): r for r in json.loads(out)["maps"]}
    check(rows[("p40", "pve-gpu01")]["state"] == "holds", rows)
    bad = rows[("p40", "pve-gpu02")]
    check(bad["state"] == "drift" and "no device at 0000:18:00" in bad["why"]
          and bad["fix"] is None, bad)
    moved = rows[("rtx4090", "pve-gpu03")]
    check(moved["state"] == "drift" and moved["fix"] ==
          "node=pve-gpu03,path=0000:09:00,id=10de:2684,subsystem-id=1458:40bf,iommugroup=18",
          moved)
    rc, out, err = run("mapping", "check", "rtx4090", "--api", api, root=root)
    check(rc == 2 and "fix: map node=pve-gpu03,path=0000:09:00," in out, f"{rc} {out}")
    rc, out, err = run("mapping", "check", "nosuch", root=root)
    check(rc == 66 and "no mapping 'nosuch'" in err, f"{rc} {err}")


@test("mapping check without the API: this node only; doctor reports the same line")
def _():
    root, api = world()
    put(root, "etc/pve/mapping/pci.cfg",
        f"p40\n\tmap node=pve-gpu01,path=0000:3b:00,{P40},iommugroup=9\n")
    rc, out, err = run("mapping", "check", root=root)
    check(rc == 2 and "is in IOMMU group 5 now, the map says 9" in out
          and f"fix: map node=pve-gpu01,path=0000:3b:00,{P40},iommugroup=5" in out, out)
    rc, out, err = run("--json", "doctor", root=root)
    f = [x for x in json.loads(out)["findings"] if x["id"] == "proxmox.mappings"]
    check(len(f) == 1 and f[0]["verdict"] == "warn" and "iommugroup=5" in f[0]["fix"], f)


@test("the live path: pvesh run with an argv and its answers parsed (a fake pvesh)")
def _():
    root, api = world()
    bindir = os.path.join(TMP, "bin")
    os.makedirs(bindir, exist_ok=True)
    fake = os.path.join(bindir, "pvesh")
    with open(fake, "w") as f:
        f.write(f"""#!{sys.executable}
import os, sys
a = sys.argv[1:]
assert a[0] == "get" and a[-2:] == ["--output-format", "json"], a
if a[1].endswith("/hardware/pci"):
    assert a[2:4] == ["--pci-class-blacklist", ""], a
base = os.path.join({api!r}, a[1].strip("/"))
if os.path.exists(base + ".err"):
    sys.stderr.write(open(base + ".err").read()); sys.exit(1)
sys.stdout.write(open(base + ".json").read())
""")
    os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"])
    rc, out, err = run("cluster", root="/", env=env)
    check(rc == 1 and "pve-gpu02\n" in out and f"did not answer: {NOANSWER}" in out,
          f"rc {rc}: {out} {err}")
    rc, out, err = run("cluster", root="/", env=dict(os.environ, PATH=TMP))
    check(rc == 66 and "GET /nodes" in err, f"no pvesh: {rc} {err}")


@test("a recorded answer that is not the API's shape is refused, not guessed")
def _():
    root, api = world()
    with open(os.path.join(api, "nodes/pve-gpu02/hardware/pci.json"), "w") as f:
        f.write('{"data": "oops"}')
    with open(os.path.join(api, "nodes/pve-gpu03/hardware/pci.json"), "w") as f:
        f.write('[{"id": "0000:01:00.0", "vendor": "0x10de"}]')
    rc, out, err = run("cluster", "--api", api, root=root)
    check(rc == 1 and "pve-gpu02: did not answer: not a list of PCI functions" in out
          and "pve-gpu03: did not answer: entry 0: no valid id, vendor and device" in out,
          f"{rc} {out} {err}")
    with open(os.path.join(api, "nodes.json"), "w") as f:
        f.write('[{"node": "../etc", "status": "online"}]')
    rc, out, err = run("cluster", "--api", api, root=root)
    check(rc == 65 and "no valid node name" in err, f"{rc} {err}")


def main():
    global BIN, FIX, TMP
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    BIN, FIX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    TMP = tempfile.mkdtemp(prefix="vp-cluster-")
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
