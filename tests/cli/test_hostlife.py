#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A Proxmox host as it lives: the kernel log from the systemd journal, Proxmox
task logs, "reboot pending" after host apply, and the next kernel upgrade.

Journals are written by systemd-journal-remote (journalfix.py), never by
hand; the fixture hosts are copied to a temporary directory before anything
is added to them. Prints TAP.

usage: test_hostlife.py VFIO_PILOT FIXTURE_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journalfix  # noqa: E402

BIN = FIX = None
results = []


def ok(cond, name, diag=""):
    results.append((bool(cond), name, diag))


def skip(name, why):
    results.append((None, name, why))


def run(*args, root=None, input=None):
    argv = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(argv, capture_output=True, text=True, input=input)
    return p


def doctor_json(root, *extra):
    p = run("--json", "doctor", *extra, root=root)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, {"findings": [], "_err": p.stderr}


def finding(doc, fid, device=None):
    for f in doc.get("findings", []):
        if f["id"] == fid and (device is None or f.get("device") == device):
            return f
    return None


def copy_fixture(tmp, name):
    dst = os.path.join(tmp, name)
    shutil.copytree(os.path.join(FIX, name), dst, symlinks=True)
    return dst


BOOT_OLD = "5d1f0e0a7c3b4c7e9a1e2b3c4d5e6f70"
BOOT_NOW = "8e2b1c7d0f9a4b3e8d7c6b5a49382716"


def dashed(b):
    return f"{b[:8]}-{b[8:12]}-{b[12:16]}-{b[16:20]}-{b[20:]}"


def test_journal(tmp):
    if not journalfix.journal_remote():
        skip("journal: kernel log from the journal", "no systemd-journal-remote")
        return
    root = copy_fixture(tmp, "intel-4090")
    ok(not os.path.exists(os.path.join(root, "var/log/kern.log")),
       "journal: the fixture has no kern.log")
    # An older boot without remapping, the current one with it, and a
    # non-kernel message that must not count (the transport filter).
    journalfix.make_journal(root, [
        (BOOT_OLD, [("kernel", "Linux version 6.5.13-6-pve"),
                    ("kernel", "DMAR-IR: No interrupt remapping support")]),
        (BOOT_NOW, [("kernel", "Linux version 6.8.12-4-pve"),
                    ("kernel", "DMAR-IR: Enabled IRQ remapping in x2apic mode"),
                    ("syslog", "DMAR-IR: No interrupt remapping support")]),
    ])
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.interrupt-remapping")
    ok(f and f["verdict"] == "ok", "journal: newest boot's remapping is ok",
       json.dumps(f))
    ok(f and "journal /var/log/journal" in f["evidence"]
       and BOOT_NOW in f["evidence"] and "newest in the journal" in f["evidence"],
       "journal: evidence names the journal, the boot and why that boot",
       f and f["evidence"])
    # The root's own boot id decides which boot is read.
    d = os.path.join(root, "proc/sys/kernel/random")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "boot_id"), "w") as fh:
        fh.write(dashed(BOOT_OLD) + "\n")
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.interrupt-remapping")
    ok(f and f["verdict"] == "fail" and BOOT_OLD in f["evidence"]
       and "newest" not in f["evidence"],
       "journal: the root's boot_id selects its boot", f and f["evidence"])
    # -k FILE wins over the journal.
    klog = os.path.join(tmp, "dmesg.txt")
    with open(klog, "w") as fh:
        fh.write("[    0.0] Linux version 6.8\n[    0.1] AMD-Vi: Interrupt remapping enabled\n")
    rc, doc = doctor_json(root, "-k", klog)
    f = finding(doc, "kernel.interrupt-remapping")
    ok(f and f["verdict"] == "ok" and f["evidence"].startswith(klog),
       "journal: -k FILE is used when given", f and f["evidence"])
    # The snapshot carries the boot's kernel messages, and doctor reads them.
    snap = os.path.join(tmp, "snap-journal")
    p = run("snapshot", "-o", snap, root=root)
    ok(p.returncode == 0, "journal: snapshot runs", p.stderr)
    txt = os.path.join(snap, "var/log/vfio-pilot-journal-kernel.txt")
    ok(os.path.exists(txt) and not os.path.exists(os.path.join(snap, "var/log/journal")),
       "journal: snapshot writes the messages as text, not the journal files")
    rc, doc = doctor_json(snap)
    f = finding(doc, "kernel.interrupt-remapping")
    ok(f and f["verdict"] == "fail" and "as captured in" in f["evidence"]
       and BOOT_OLD in f["evidence"],
       "journal: doctor on the snapshot reads the captured messages",
       f and f["evidence"])
    # No journal and no kern.log: the reason names both.
    shutil.rmtree(os.path.join(root, "var/log/journal"))
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.interrupt-remapping")
    ok(f and f["verdict"] == "skip" and "journal" in f["evidence"]
       and "kern.log" in f["evidence"], "journal: none at all is said",
       f and f["evidence"])


TESTS = [test_journal]


def main():
    global BIN, FIX
    BIN, FIX = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="vp-hostlife-") as tmp:
        for t in TESTS:
            try:
                t(tmp)
            except Exception as e:  # a crash of the harness is a failure
                ok(False, f"{t.__name__} ran", repr(e))
    print(f"1..{len(results)}")
    bad = 0
    for i, (res, name, diag) in enumerate(results, 1):
        if res is None:
            print(f"ok {i} - {name} # SKIP {diag}")
        elif res:
            print(f"ok {i} - {name}")
        else:
            bad += 1
            print(f"not ok {i} - {name}")
            for line in str(diag).splitlines():
                print(f"# {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
