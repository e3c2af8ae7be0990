#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Confinement and robust reading, through the binary (issue 21): broken
sysfs bus entries, FIFOs where host files are read, links that leave the
root, and JSON that must be UTF-8 whatever bytes the input holds.

usage: test_confine.py VFIO_PILOT FIXTURES_DIR
Prints TAP.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN, FIX = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, why=""):
    results.append((name, bool(ok), why))


def run(root, *args, timeout=60):
    """(exit status, stdout bytes, stderr text); a hang is status 'timeout'."""
    try:
        p = subprocess.run([BIN, "--root", root, *args], capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", b"", ""
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def strict_json(data):
    """JSON (RFC 8259 8.1: UTF-8) or the reason it is not."""
    try:
        return json.loads(data.decode("utf-8", "strict")), ""
    except (UnicodeDecodeError, ValueError) as e:
        return None, str(e)


def scratch(tmp, fixture):
    root = os.path.join(tmp, "root")
    shutil.copytree(os.path.join(FIX, fixture), root, symlinks=True)
    return root


def relink(root, rel, target):
    p = os.path.join(root, rel)
    if os.path.lexists(p):
        os.unlink(p)
    os.symlink(target, p)


def d1_dangling_entry():
    # The command of issue 21's D1, and a loop beside it.
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch(tmp, "intel-4090")
        relink(root, "sys/bus/pci/devices/0000:01:00.0",
               "../../../devices/pci0000:00/0000:00:01.0/gone")
        relink(root, "sys/bus/pci/devices/0000:01:00.1", "0000:01:00.1")
        rc, out, err = run(root, "devices")
        check("D1: devices with a dangling and a looping bus entry exits 0 (was 134)",
              rc == 0, f"exit {rc}: {err[-300:]}")
        check("D1: each broken entry is named in a warning",
              "0000:01:00.0: a dangling link" in err and "0000:01:00.1: a symlink loop" in err,
              err[-300:])
        check("D1: the other functions are listed", b"0000:02:00.0" in out and b"0000:01:00.0" not in out)
        rc, out, err = run(root, "--json", "groups")
        doc, why = strict_json(out)
        check("D1: groups --json still runs and parses", rc in (0, 1, 2) and doc is not None,
              f"exit {rc} {why}")


def parent_loop():
    # Found by fuzz_sysfslinks: the root port's entry leads to its own child's
    # directory, which made it its own parent; groups never returned.
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch(tmp, "intel-4090")
        relink(root, "sys/bus/pci/devices/0000:00:01.0",
               "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1")
        rc, out, err = run(root, "groups", timeout=30)
        check("a bus entry linked to another function's directory: groups returns, entry named",
              rc == 0 and "0000:00:01.0: a link to a directory of another name" in err,
              f"exit {rc}: {err[-300:]}")


def d12_fifos():
    # A FIFO nobody writes to: a blocking open never returns.
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch(tmp, "intel-4090")
        mods = os.path.join(root, "etc/modules")
        if os.path.lexists(mods):
            os.unlink(mods)
        os.mkfifo(mods)
        rc, out, err = run(root, "host", "plan", "-d", "01:00.0", timeout=30)
        # A plan refusal (exit 2) that names the file, like every /etc/modules refusal.
        check("D12: host plan with a FIFO as /etc/modules returns, refused (exit 2)",
              rc == 2 and b"/etc/modules is not a list of modules" in out,
              f"exit {rc}")
        os.unlink(mods)
        os.mkfifo(os.path.join(root, "etc/modprobe.d/zz.conf"))
        rc, out, err = run(root, "host", "plan", "-d", "01:00.0", timeout=30)
        check("D12: host plan with a FIFO as a modprobe.d *.conf returns and names it",
              rc == 65 and "/etc/modprobe.d/zz.conf: not a regular file; the passthrough" in err,
              f"exit {rc}: {err[-300:]}")
        rc, out, err = run(root, "doctor", timeout=30)
        check("D12: doctor with that FIFO returns", rc != "timeout", f"exit {rc}")


def d7_modprobe_outside():
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch(tmp, "intel-4090")
        outside = os.path.join(tmp, "outside")
        os.mkdir(outside)
        with open(os.path.join(outside, "evil.conf"), "w") as f:
            f.write("options vfio-pci ids=dead:beef\n")
        md = os.path.join(root, "etc/modprobe.d")
        os.rename(md, md + ".orig")
        os.symlink(outside, md)
        rc, out, err = run(root, "--json", "doctor")
        check("D7: a modprobe.d linked outside the root is not read (doctor)",
              b"dead:beef" not in out, "doctor quoted ids=dead:beef")
        rc, out, err = run(root, "host", "plan", "-d", "01:00.0")
        check("D7: host plan does not see the outside options", rc == 0 and b"dead:beef" not in out,
              f"exit {rc}")


def d7_bus_entry_outside():
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch(tmp, "intel-4090")
        # The absolute link targets the fixture's own function directory, so
        # the path exists both in the root and, through the kernel, outside it.
        target = os.path.join(root, "sys/devices/pci0000:00/0000:00:1c.0/0000:05:00.0")
        relink(root, "sys/bus/pci/devices/0000:05:00.0", target)
        rc, out, err = run(root, "devices")
        # Inside the root the absolute path names nothing: dangling there.
        check("D7: an absolute bus entry is left out, named, not crashed on",
              rc == 0 and "/sys/bus/pci/devices/0000:05:00.0: a dangling link" in err
              and b"0000:05:00.0" not in out, f"exit {rc}: {err[-300:]}")


def d13_utf8():
    rc, out, err = run("/", "--json", "explain", "--symptom", "code 43 \udcff")
    doc, why = strict_json(out)
    check("D13: explain --symptom with byte 0xff prints UTF-8 JSON", doc is not None, why)
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch(tmp, "intel-4090-vms")
        with open(os.path.join(root, "etc/pve/qemu-server/100.conf"), "ab") as f:
            f.write(b"hostpci0: 01:00,pcie=1\xff\n")
        rc, out, err = run(root, "--json", "vm", "lint", "100")
        doc, why = strict_json(out)
        check("D13: vm lint --json of a config line with byte 0xff is UTF-8 JSON",
              doc is not None and "\ufffd" in json.dumps(doc, ensure_ascii=False), why)
        ids = os.path.join(tmp, "pci.ids")
        with open(ids, "wb") as f:
            f.write(b"10de  NVIDIA \xff Corp\n\t2684  AD102 \xc0\xaf\n")
        rc, out, err = run(root, "--ids", ids, "--json", "devices")
        doc, why = strict_json(out)
        check("D13: devices --json with --ids names holding invalid bytes is UTF-8 JSON",
              doc is not None and "NVIDIA \ufffd Corp" in json.dumps(doc, ensure_ascii=False), why)


for t in (d1_dangling_entry, parent_loop, d12_fifos, d7_modprobe_outside, d7_bus_entry_outside, d13_utf8):
    try:
        t()
    except Exception as e:  # a broken case is a failure, not a skipped one
        check(t.__name__, False, repr(e))

print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok and why:
        for line in str(why).splitlines():
            print(f"# {line}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
