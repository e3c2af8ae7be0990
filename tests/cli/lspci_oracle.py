#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare vfio-pilot's devices with the real lspci on every fixture host.

lspci reads the same tree through its own sysfs back end
(`-A linux-sysfs -O sysfs.path=ROOT/sys/bus/pci`), so any difference in the
set of functions, their order, ids, class, revision, subsystem, driver,
IOMMU group or names is a bug on one side. Prints TAP.

usage: lspci_oracle.py VFIO_PILOT FIXTURES_DIR [NAME...]
"""
import json
import os
import re
import subprocess
import sys

IDS = "/usr/share/misc/pci.ids"
BRACKET = re.compile(r"^(.*?)\s*\[([0-9a-f]{4})\]$")


def lspci_records(root):
    cmd = ["lspci", "-A", "linux-sysfs", "-O", f"sysfs.path={root}/sys/bus/pci",
           "-O", "hwdb.disable=1", "-i", IDS, "-vvmm", "-nn", "-D", "-k"]
    env = dict(os.environ, LC_ALL="C")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"lspci failed ({p.returncode}): {p.stderr.strip()}")
    recs = []
    for block in p.stdout.strip().split("\n\n"):
        r = {}
        for line in block.splitlines():
            k, _, v = line.partition(":\t")
            r[k] = v
        recs.append(r)
    return recs, p.stderr


def ours(binary, root):
    p = subprocess.run([binary, "--root", root, "--ids", IDS, "--json", "devices"],
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"vfio-pilot devices failed ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)["devices"]


def split(v):
    m = BRACKET.match(v)
    return (m.group(1), m.group(2)) if m else (v, None)


def compare(rec, dev):
    errs = []

    def eq(what, a, b):
        if a != b:
            errs.append(f"{dev['address']} {what}: lspci {a!r} vs vfio-pilot {b!r}")

    name, vid = split(rec["Vendor"])
    eq("vendor id", vid, dev["vendor_id"])
    if dev["vendor_name"] is not None:
        eq("vendor name", name, dev["vendor_name"])
    name, did = split(rec["Device"])
    eq("device id", did, dev["device_id"])
    if dev["device_name"] is not None:
        eq("device name", name, dev["device_name"])
    _, cls = split(rec["Class"])
    eq("class", cls, dev["class"][:4])
    eq("prog-if", rec.get("ProgIf", "00"), dev["class"][4:])
    eq("revision", rec.get("Rev", "00"), dev["revision"])
    if "SVendor" in rec:
        eq("subsystem vendor", split(rec["SVendor"])[1], dev["subsystem_vendor_id"])
        eq("subsystem device", split(rec["SDevice"])[1], dev["subsystem_device_id"])
    eq("driver", rec.get("Driver"), dev["driver"])
    grp = rec.get("IOMMUGroup")
    eq("iommu group", int(grp) if grp is not None else None, dev["iommu_group"])
    node = rec.get("NUMANode")
    if node is not None:
        eq("numa node", int(node), dev["numa_node"])
    return errs


def main():
    binary, fixtures = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or sorted(
        n for n in os.listdir(fixtures) if os.path.isdir(os.path.join(fixtures, n)))
    print(f"1..{len(names)}")
    failed = 0
    for i, name in enumerate(names, 1):
        root = os.path.join(fixtures, name)
        try:
            recs, stderr = lspci_records(root)
            devs = ours(binary, root)
            errs = []
            # libkmod's complaint is about this machine's modules, not the fixture.
            noise = [l for l in stderr.splitlines() if "libkmod" not in l]
            if noise:
                errs.append("lspci warned: " + "; ".join(noise))
            slots = [r["Slot"] for r in recs]
            addrs = [d["address"] for d in devs]
            if slots != addrs:
                errs.append(f"functions differ: lspci {slots} vs vfio-pilot {addrs}")
            else:
                for r, d in zip(recs, devs):
                    errs += compare(r, d)
        except (RuntimeError, json.JSONDecodeError, KeyError) as e:
            errs = [str(e)]
        if errs:
            failed += 1
            print(f"not ok {i} - {name} agrees with lspci")
            for e in errs[:20]:
                print(f"# {e}")
        else:
            print(f"ok {i} - {name}: {len(devs)} functions agree with lspci")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
