#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Judge one boot of the real-kernel stage from its serial log.

The guest's /init (tests/vm/init) prints every result between
"@@VP-BEGIN name" and "@@VP-END name rc=N". This prints one line per
assertion, "PASS what" or "FAIL what: why"; tests/vm/run counts them.
"""
import argparse
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

results = []


def check(ok, what, why=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + what + ("" if ok or not why else ": " + why))
    return ok


def parse(log):
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace").replace("\r", "")
    sections, cur, name = {}, None, None
    for line in text.split("\n"):
        m = re.match(r"^@@VP-BEGIN (\S+)$", line)
        if m:
            name, cur = m.group(1), []
            continue
        m = re.match(r"^@@VP-END (\S+) rc=(\d+)$", line)
        if m and cur is not None and m.group(1) == name:
            sections[name] = ("\n".join(cur), int(m.group(2)))
            cur = None
            continue
        if cur is not None:
            cur.append(line)
    devs = {}
    m = re.search(r"^@@VP-DEVS (.*)$", text, re.M)
    if m:
        for kv in m.group(1).split():
            k, _, v = kv.partition("=")
            devs[k] = v
    return text, sections, devs


def load_json(sections, name):
    if name not in sections:
        return None, None
    body, rc = sections[name]
    try:
        return json.loads(body[body.index("{"):]), rc
    except ValueError:
        return None, rc


def kernel_groups(sections):
    groups = {}
    for line in sections.get("kernel-groups", ("", 0))[0].splitlines():
        f = line.split()
        if f:
            groups[int(f[0])] = sorted(f[1:])
    return groups


def pci_drivers(sections):
    drv = {}
    for line in sections.get("pci", ("", 0))[0].splitlines():
        f = line.split()
        if len(f) >= 5:
            drv[f[0]] = f[4]
    return drv


def state(sections, name):
    s = {}
    body = sections.get(name, ("", 0))[0]
    vfio = []
    for line in body.splitlines():
        if line.startswith("vfio:"):
            vfio = line.split()[1:]
        elif len(line.split()) == 2:
            a, d = line.split()
            s[a] = d
    return s, vfio


def group_of(gj, addr):
    for g in gj["groups"]:
        for m in g["members"]:
            if m["address"] == addr:
                return g
    return None


def finding(dj, fid):
    for f in dj.get("findings", []):
        if f["id"] == fid:
            return f
    return None


def compare_groups(v, gj, kg, wrong):
    expect = {k: list(m) for k, m in kg.items()}
    if wrong and expect:
        # The self-check: one group with one member too many.
        first = sorted(expect)[0]
        expect[first] = sorted(expect[first] + ["0000:ff:1f.7"])
        print(f"     (self-check: expecting group {first} to also hold 0000:ff:1f.7)")
    got = {g["id"]: sorted(m["address"] for m in g["members"]) for g in gj["groups"]}
    check(sorted(got) == sorted(expect),
          f"{v}: groups --json lists the kernel's {len(expect)} IOMMU groups",
          f"json {sorted(got)} kernel {sorted(expect)}")
    for gid in sorted(expect):
        check(got.get(gid) == expect[gid],
              f"{v}: group {gid} members {' '.join(expect[gid])}",
              f"groups --json says {got.get(gid)}")


def run_tool(binary, root):
    p = subprocess.run([binary, "--root", root, "--ids", "/usr/share/misc/pci.ids", "--json",
                        "groups"], capture_output=True, text=True)
    try:
        return json.loads(p.stdout), p.returncode, p.stderr
    except ValueError:
        return None, p.returncode, p.stderr


def prune_links(root):
    """Drop symlinks that are absolute, leave the tree, or dangle (sysfs links
    to parts not captured, such as firmware_node)."""
    root = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                continue
            t = os.readlink(p)
            real = os.path.realpath(p)
            if t.startswith("/") or not (real == root or real.startswith(root + "/")) \
                    or not os.path.exists(p):
                os.unlink(p)


def snapshot(v, sections, gj, args):
    """vfio-pilot snapshot taken in the guest gives, read outside with --root,
    the guest's own groups and devices."""
    body, rc = sections.get("snapshot", ("", 1))
    if not check(rc == 0 and body.strip() != "", f"{v}: vfio-pilot snapshot ran in the guest"):
        return
    tree = os.path.join(args.work, "snapshot-" + v)
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    data = base64.b64decode("".join(body.split()))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        if hasattr(tarfile, "data_filter"):
            t.extractall(tree, filter="tar")
        else:
            t.extractall(tree)
    hj, hrc, err = run_tool(args.binary, tree)
    check(hj is not None and all(hj.get(k) == gj.get(k) for k in ("iommu", "iommu_units", "groups")),
          f"{v}: the snapshot read outside gives the guest's groups", f"exit {hrc}: {err.strip()}")
    dbody, drc = sections.get("devices-json-0", ("", 1))
    p = subprocess.run([args.binary, "--root", tree, "--ids", "/usr/share/misc/pci.ids", "--json",
                        "devices"], capture_output=True, text=True)
    try:
        inside = json.loads(dbody)["devices"]
        outside = json.loads(p.stdout)["devices"]
    except (ValueError, KeyError):
        inside = outside = None
    check(inside is not None and inside == outside,
          f"{v}: the snapshot read outside gives the guest's devices",
          f"exit {p.returncode}: {p.stderr.strip()[:300]}")


def capture(v, sections, gj, args):
    body, rc = sections.get("capture", ("", 1))
    if not check(rc == 0 and body.strip() != "", f"{v}: capture of /sys and /proc came out"):
        return
    data = base64.b64decode("".join(body.split()))
    tree = os.path.join(args.work, "capture-" + v)
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        if hasattr(tarfile, "data_filter"):
            t.extractall(tree, filter="tar")
        else:
            t.extractall(tree)
    prune_links(tree)
    hj, hrc, err = run_tool(args.binary, tree)
    if not check(hj is not None and hrc == 0, f"{v}: groups --json runs on the captured tree",
                 f"exit {hrc}: {err.strip()}"):
        return
    for k in ("iommu", "iommu_units", "groups"):
        check(hj.get(k) == gj.get(k), f"{v}: captured tree gives the guest's {k}",
              f"host {json.dumps(hj.get(k))[:300]} guest {json.dumps(gj.get(k))[:300]}")
    if args.fixture and not args.write_fixture:
        fj, frc, err = run_tool(args.binary, args.fixture)
        check(fj is not None and fj.get("groups") == gj.get("groups"),
              f"{v}: committed fixture {os.path.relpath(args.fixture)} gives this boot's groups",
              f"exit {frc}: {err.strip()}")
    if args.write_fixture:
        shutil.rmtree(args.write_fixture, ignore_errors=True)
        shutil.copytree(tree, args.write_fixture, symlinks=True)
        # What the guest printed, for tests/hosts/check (the regular suite).
        with open(args.write_fixture.rstrip("/") + ".groups.json", "w") as f:
            json.dump({k: gj[k] for k in ("iommu", "iommu_units", "groups")}, f, indent=1)
            f.write("\n")
        print(f"     wrote {args.write_fixture} and its .groups.json")


def applied(v, sections, args):
    """host apply --root wrote the files this boot used; a second apply
    changed nothing; the kernel ran with the GRUB line it wrote."""
    work = args.work
    rc1 = open(os.path.join(work, "apply-1.rc")).read().strip()
    out1 = open(os.path.join(work, "apply-1.txt")).read()
    check(rc1 == "0", f"{v}: host apply --root on the applied root exits 0", f"exit {rc1}: {out1[-600:]}")
    rc2 = open(os.path.join(work, "apply-2.rc")).read().strip()
    out2 = open(os.path.join(work, "apply-2.txt")).read()
    check(rc2 == "0" and "nothing to change" in out2.lower(),
          f"{v}: a second host apply changes nothing", f"exit {rc2}: {out2[-400:]}")
    ar = args.applied_root
    grub = open(os.path.join(ar, "etc/default/grub")).read()
    m = re.search(r'^GRUB_CMDLINE_LINUX_DEFAULT="([^"]*)"$', grub, re.M)
    body, _ = sections.get("cmdline", ("", 1))
    words = body.split()
    check(m is not None and all(w in words for w in m.group(1).split()),
          f"{v}: the kernel ran with the GRUB line host apply wrote ({m and m.group(1)})",
          body.strip())
    conf = os.path.join(ar, "etc/modprobe.d/vfio-pilot.conf")
    check(os.path.exists(conf), f"{v}: host apply wrote etc/modprobe.d/vfio-pilot.conf")
    files, _ = sections.get("applied-files", ("", 1))
    check(os.path.exists(conf) and open(conf).read() in files,
          f"{v}: the guest booted with that modprobe.d file", files[:400])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--fixture")
    ap.add_argument("--write-fixture")
    ap.add_argument("--wrong-expectation", action="store_true")
    ap.add_argument("--applied-root")
    args = ap.parse_args()
    v = args.variant

    if not os.path.exists(args.log):
        check(False, f"{v}: serial log", "missing")
        return
    text, sections, devs = parse(args.log)
    check("@@VP-DONE" in text, f"{v}: the guest ran every check and powered off",
          "no @@VP-DONE in the serial log; last lines:\n" + "\n".join(text.splitlines()[-15:]))
    gj, grc = load_json(sections, "groups-json")
    dj, _ = load_json(sections, "doctor-json")
    kg = kernel_groups(sections)

    if v == "none":
        check(grc == 3, f"{v}: groups exits 3 without an IOMMU", f"exit {grc}")
        check(gj is not None and gj["iommu"] is False and gj["groups"] == [],
              f"{v}: groups --json says iommu false, no groups")
        check(kg == {}, f"{v}: the kernel has no IOMMU groups", str(kg))
        f = finding(dj or {}, "kernel.iommu-active")
        check(f is not None and f["verdict"] == "fail", f"{v}: doctor fails kernel.iommu-active",
              str(f and f["verdict"]))
        return

    if not check(gj is not None and grc == 0, f"{v}: groups --json exits 0 with valid JSON",
                 f"exit {grc}"):
        return
    check(gj["iommu"] is True, f"{v}: groups --json says iommu true")
    compare_groups(v, gj, kg, args.wrong_expectation)
    if v == "bootclaim":
        applied(v, sections, args)
        dv, drc = load_json(sections, "devices-json")
        nic = devs.get("nic")
        d = {x["address"]: x for x in (dv or {}).get("devices", [])}
        check(nic in d and d[nic]["driver"] == "vfio-pci",
              f"{v}: the applied files made vfio-pci own the e1000e {nic} right after boot",
              str(d.get(nic, {}).get("driver")))
        nic_group = next((str(k) for k, m in kg.items() if nic in m), "?")
        body, _ = sections.get("vfio-nodes", ("", 1))
        check(nic_group in body.split(), f"{v}: /dev/vfio/{nic_group} exists for the NIC's group",
              body.strip())
        sh = devs.get("shared")
        check(sh in d and d[sh]["driver"] == "e1000",
              f"{v}: the e1000 {sh} (other id) stayed with e1000",
              str(d.get(sh, {}).get("driver")))
        return

    gpu, hda, nic, shared = devs.get("gpu"), devs.get("hda"), devs.get("nic"), devs.get("shared")
    g = group_of(gj, shared) or {}
    check(g.get("verdict") == "shared",
          f"{v}: the group behind the pcie-pci-bridge ({shared}) is shared", str(g.get("verdict")))
    g = group_of(gj, gpu) or {}
    roles = {m["address"]: m["role"] for m in g.get("members", [])}
    check(roles.get(gpu) == "primary" and roles.get(hda) == "companion",
          f"{v}: GPU {gpu} is primary, its HDA {hda} companion", str(roles))
    check(g.get("verdict") == "isolated-with-companions",
          f"{v}: the GPU group is isolated-with-companions", str(g.get("verdict")))
    gpu_group = str(g.get("id"))

    f = finding(dj or {}, "kernel.iommu-active")
    check(f is not None and f["verdict"] == "ok", f"{v}: doctor kernel.iommu-active ok",
          str(f and f["verdict"]))
    f = finding(dj or {}, "kernel.interrupt-remapping")
    check(f is not None and f["verdict"] == "ok", f"{v}: doctor kernel.interrupt-remapping ok",
          str(f and (f["verdict"], f["evidence"])))

    before = pci_drivers(sections)
    rc = sections.get("bind-gpu", ("", -1))[1]
    s, _ = state(sections, "state-bind-gpu")
    check(rc != 0 and s.get(gpu) == before.get(gpu) and s.get(hda) == before.get(hda),
          f"{v}: bind of the boot VGA without --force is refused, drivers unchanged",
          f"exit {rc}, {s}")
    rc = sections.get("bind-gpu-force", ("", -1))[1]
    s, vfio = state(sections, "state-bind-gpu-force")
    check(rc == 0 and s.get(gpu) == "vfio-pci" and s.get(hda) == "vfio-pci",
          f"{v}: bind --force moves GPU and HDA to vfio-pci", f"exit {rc}, {s}")
    check(gpu_group in vfio, f"{v}: /dev/vfio/{gpu_group} appeared", f"/dev/vfio: {vfio}")
    bj, _ = load_json(sections, "groups-json-bound")
    g = group_of(bj, gpu) if bj else None
    check(g is not None and all(m["driver"] == "vfio-pci" for m in g["members"]),
          f"{v}: groups --json shows the GPU group on vfio-pci")
    rc = sections.get("unbind-gpu", ("", -1))[1]
    s, vfio = state(sections, "state-unbind-gpu")
    check(rc == 0 and s.get(gpu) == before.get(gpu) and s.get(hda) == before.get(hda),
          f"{v}: unbind gives GPU and HDA back to {before.get(gpu)} and {before.get(hda)}",
          f"exit {rc}, {s}")
    rc = sections.get("bind-nic", ("", -1))[1]
    s, vfio = state(sections, "state-bind-nic")
    nic_group = next((str(k) for k, m in kg.items() if nic in m), "?")
    check(rc == 0 and s.get(nic) == "vfio-pci" and nic_group in vfio,
          f"{v}: bind of the isolated e1000e {nic} (no --force) gives vfio-pci and /dev/vfio/{nic_group}",
          f"exit {rc}, {s}, {vfio}")
    rc = sections.get("unbind-nic", ("", -1))[1]
    s, _ = state(sections, "state-unbind-nic")
    check(rc == 0 and s.get(nic) == before.get(nic), f"{v}: unbind gives the e1000e back",
          f"exit {rc}, {s}")
    rc = sections.get("bind-shared", ("", -1))[1]
    s, _ = state(sections, "state-bind-shared")
    check(rc != 0 and s.get(shared) == before.get(shared),
          f"{v}: bind --force of {shared} (group with an unrelated member) is refused",
          f"exit {rc}, {s}")
    if "capture" in sections or v == "intel":
        capture(v, sections, gj, args)
    if "snapshot" in sections or v == "intel":
        snapshot(v, sections, gj, args)


if __name__ == "__main__":
    main()
    sys.exit(0 if all(results) else 1)
