#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Record what Proxmox's API answers for a node, from a fixture tree.

GET /nodes/NODE/hardware/pci (pve-manager PVE/API2/Hardware/PCI.pm) returns
PVE::SysFSTools::lspci(filter, verbose) of pve-common: for each
/sys/bus/pci/devices/* (sorted), id "dddd:bb:dd.f"; vendor, device, class,
subsystem_vendor, subsystem_device as sysfs has them ("0x10de"); iommugroup,
the basename of the iommu_group link or -1; mdev 1 when the function has
mdev_supported_types/ or nvidia/. Names come from pci.ids and are left out
here (lspci leaves them out too when pci.ids lacks the id). pvesh
--output-format json prints the array. GET /nodes (API2/Nodes.pm) gives
node and status among other keys. GET /nodes/NODE/storage/local/content
--content snippets (API2/Storage/Content.pm) lists the snippets of the dir
storage "local" (/var/lib/vz/snippets) with their volid.

usage: mkapi.py OUT NODE=TREE[:RENUMBER] ... [--offline NODE] [--fail NODE=MESSAGE]
  RENUMBER: old-new bus pairs and a group shift, "18-19,3b-3c;+1": the same
  hardware after a firmware update moved the buses (and the groups).
"""
import json
import os
import sys


def sysfs_lspci(tree):
    base = os.path.join(tree, "sys/bus/pci/devices")
    out = []
    for name in sorted(os.listdir(base)):
        d = os.path.join(base, name)

        def rd(attr):
            try:
                with open(os.path.join(d, attr)) as f:
                    return f.read().strip()
            except OSError:
                return None
        e = {"id": name, "class": rd("class"), "vendor": rd("vendor"), "device": rd("device")}
        grp = os.path.join(d, "iommu_group")
        e["iommugroup"] = int(os.path.basename(os.readlink(grp))) if os.path.islink(grp) else -1
        if os.path.isdir(os.path.join(d, "mdev_supported_types")) or \
                os.path.isdir(os.path.join(d, "nvidia")):
            e["mdev"] = 1
        for k in ("subsystem_vendor", "subsystem_device"):
            v = rd(k)
            if v is not None:
                e[k] = v
        out.append(e)
    return out


def renumber(entries, spec):
    pairs, _, shift = spec.partition(";")
    buses = dict(p.split("-") for p in pairs.split(",") if p)
    shift = int(shift or "0")
    for e in entries:
        dom, bus, rest = e["id"].split(":", 2)
        if bus in buses:
            e["id"] = f"{dom}:{buses[bus]}:{rest}"
            if e["iommugroup"] >= 0:
                e["iommugroup"] += shift
    return sorted(entries, key=lambda e: e["id"])


def main(argv):
    out, args = argv[1], argv[2:]
    nodes, offline, fail = [], set(), {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--offline":
            offline.add(args[i + 1])
            nodes.append((args[i + 1], None, None))
            i += 2
            continue
        if a == "--fail":
            n, _, msg = args[i + 1].partition("=")
            fail[n] = msg
            nodes.append((n, None, None))
            i += 2
            continue
        n, _, rest = a.partition("=")
        tree, _, ren = rest.partition(":")
        nodes.append((n, tree, ren))
        i += 1
    os.makedirs(out, exist_ok=True)
    index = []
    for n, tree, ren in nodes:
        index.append({"node": n, "status": "offline" if n in offline else "online",
                      "type": "node", "id": f"node/{n}"})
        d = os.path.join(out, "nodes", n, "hardware")
        os.makedirs(d, exist_ok=True)
        if n in fail:
            with open(os.path.join(d, "pci.err"), "w") as f:
                f.write(fail[n] + "\n")
        elif tree:
            entries = sysfs_lspci(tree)
            if ren:
                entries = renumber(entries, ren)
            with open(os.path.join(d, "pci.json"), "w") as f:
                json.dump(entries, f, separators=(",", ":"))
            snip = os.path.join(tree, "var/lib/vz/snippets")
            names = sorted(os.listdir(snip)) if os.path.isdir(snip) else []
            sd = os.path.join(out, "nodes", n, "storage", "local")
            os.makedirs(sd, exist_ok=True)
            with open(os.path.join(sd, "content.json"), "w") as f:
                json.dump([{"volid": f"local:snippets/{x}", "format": "snippet",
                            "content": "snippets",
                            "size": os.path.getsize(os.path.join(snip, x))}
                           for x in names], f, separators=(",", ":"))
    with open(os.path.join(out, "nodes.json"), "w") as f:
        json.dump(index, f, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
