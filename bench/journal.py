#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What reading the kernel log from the systemd journal adds to doctor.

A journal of --size-mb (default 1024) is written by systemd-journal-remote
from a generated export stream (journalctl's export format): several boots
of a busy host, about 1 in 20 entries from the kernel transport, the rest
from services. Then, interleaved for --rounds rounds after a warm-up:

  doctor       vfio-pilot --root ROOT --json doctor       (reads the journal)
  doctor -k    vfio-pilot --root ROOT --json doctor -k EMPTY  (reads no journal)
  journalctl   journalctl -D JOURNAL -k -b BOOT -o export > /dev/null

doctor's added cost is median(doctor) - median(doctor -k); the target is
that it is at most median(journalctl). The result replaces the section
between the markers in RESULTS.md (bench/run keeps it). Generating 1 GB takes
minutes (the time is printed and recorded): not for CI.

usage: bench/journal.py [--size-mb N] [--rounds N] [--work DIR]
                        [--binary build/vfio-pilot] [--fixture DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "cli"))
import journalfix  # noqa: E402

BEGIN = "<!-- journal-bench: written by bench/journal.py -->"
END = "<!-- /journal-bench -->"

KERNEL_MSGS = [
    "DMAR: IOMMU enabled",
    "DMAR-IR: Enabled IRQ remapping in x2apic mode",
    "pci 0000:01:00.0: [10de:2684] type 00 class 0x030000",
    "vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)",
    "EXT4-fs (dm-1): mounted filesystem with ordered data mode",
    "tap100i0: entered promiscuous mode",
    "vmbr0: port 2(tap100i0) entered forwarding state",
]
SERVICE_MSGS = [
    "pvestatd[1234]: status update time (5.123 seconds)",
    "pveproxy[2345]: worker 3456 started",
    "systemd[1]: Started session-42.scope - Session 42 of User root.",
    "CRON[4567]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
    "sshd[5678]: Accepted publickey for root from 192.0.2.10 port 50522 ssh2",
    "pvedaemon[6789]: <root@pam> starting task UPID:pve:00001A2B:002F3C4D:6740A000:qmstart:100:root@pam:",
]


def gen_export(out, nentries, boots, machine, jroot=None, size=0):
    """Stream the export format; the last boot is the current one. With
    @size, the boots go on until the journal under @jroot has that size
    (its files are rotated and compressed: bytes per entry vary)."""
    usec = 1700000000000000
    per_boot = nentries // len(boots)
    total = 0
    for b, boot in enumerate(boots):
        mono = 1000000
        i = 0
        more = True
        while more:
            if i >= per_boot:
                # Only the current boot grows the journal to its size.
                if not size or b != len(boots) - 1:
                    break
                if i % 50000 == 0:
                    out.flush()
                    # Only archived files count: the active one is allocated
                    # ahead and truncated when it is closed, so it overstates.
                    more = du(jroot, archived=True) < size
            kernel = i % 20 == 0 or i < 200
            if kernel:
                msg = KERNEL_MSGS[i % len(KERNEL_MSGS)] if i else "Linux version 6.8.12-4-pve"
                transport, ident, pid = "kernel", "kernel", ""
            else:
                msg = SERVICE_MSGS[i % len(SERVICE_MSGS)]
                transport, ident, pid = "syslog", msg.split("[")[0], f"_PID={1000 + i % 5000}\n"
            out.write(
                f"__REALTIME_TIMESTAMP={usec}\n__MONOTONIC_TIMESTAMP={mono}\n"
                f"_BOOT_ID={boot}\n_MACHINE_ID={machine}\n_HOSTNAME=pve\n"
                f"_TRANSPORT={transport}\nSYSLOG_IDENTIFIER={ident}\n{pid}"
                f"PRIORITY=6\nMESSAGE={msg} #{b}.{i}\n\n")
            usec += 1000
            mono += 1000
            i += 1
            total += 1
    return total


def du(path, archived=False):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            if not archived or "@" in f:
                total += os.path.getsize(os.path.join(d, f))
    return total


def timed(argv, stdout=subprocess.DEVNULL):
    t = time.monotonic()
    p = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE)
    dt = time.monotonic() - t
    if p.returncode not in (0, 1, 2, 4):
        sys.exit(f"{argv[0]} failed ({p.returncode}): {p.stderr.decode()[-300:]}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--work", default="/tmp/vp-bench-journal")
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "vfio-pilot"))
    ap.add_argument("--fixture",
                    default=os.path.join(REPO, "build", "tests", "fixtures", "intel-4090"))
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--bytes-per-entry", type=int, default=330,
                    help="journal bytes per generated entry, to size the first "
                    "boots; the last one goes on until the journal has --size-mb")
    a = ap.parse_args()
    remote = journalfix.journal_remote()
    if not remote or not shutil.which("journalctl"):
        sys.exit("needs systemd-journal-remote and journalctl")
    shutil.rmtree(a.work, ignore_errors=True)
    root = os.path.join(a.work, "root")
    shutil.copytree(a.fixture, root, symlinks=True)
    machine = uuid.uuid4().hex
    boots = [uuid.uuid4().hex for _ in range(4)]
    jdir = os.path.join(root, "var/log/journal", machine)
    os.makedirs(jdir)
    os.makedirs(os.path.join(root, "proc/sys/kernel/random"), exist_ok=True)
    b = boots[-1]
    with open(os.path.join(root, "proc/sys/kernel/random/boot_id"), "w") as fh:
        fh.write(f"{b[:8]}-{b[8:12]}-{b[12:16]}-{b[16:20]}-{b[20:]}\n")
    nentries = a.size_mb * 1024 * 1024 // a.bytes_per_entry
    t0 = time.monotonic()
    p = subprocess.Popen([remote, f"--output={jdir}/system.journal", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, text=True)
    nentries = gen_export(p.stdin, nentries, boots, machine,
               os.path.join(root, "var/log/journal"), a.size_mb * 1024 * 1024)
    p.stdin.close()
    if p.wait() != 0:
        sys.exit("systemd-journal-remote failed")
    gen_s = time.monotonic() - t0
    size = du(os.path.join(root, "var/log/journal"))
    print(f"journal: {size / 2**20:.0f} MiB, {nentries} entries, "
          f"{len(os.listdir(jdir))} files, generated in {gen_s:.0f} s", flush=True)
    empty = os.path.join(a.work, "empty.log")
    open(empty, "w").close()
    cmds = {
        "doctor": [a.binary, "--root", root, "--json", "doctor"],
        "doctor -k": [a.binary, "--root", root, "--json", "doctor", "-k", empty],
        "journalctl": ["journalctl", "-D", os.path.join(root, "var/log/journal"),
                       "-k", "-b", boots[-1], "-o", "export"],
    }
    # The journal's pages in the page cache for all three alike: one warm-up.
    for argv in cmds.values():
        timed(argv)
    times = {k: [] for k in cmds}
    for _ in range(a.rounds):
        for k, argv in cmds.items():
            times[k].append(timed(argv))
    med = {k: statistics.median(v) for k, v in times.items()}
    added = med["doctor"] - med["doctor -k"]
    ok = added <= med["journalctl"]
    out = subprocess.run(cmds["doctor"], capture_output=True, text=True).stdout
    line = [ln for ln in out.split('"') if "journal /var/log/journal" in ln]
    rows = "\n".join(f"| {k} | {med[k]:.3f} | {min(times[k]):.3f} | {max(times[k]):.3f} |"
                     for k in cmds)
    ver = subprocess.run(["journalctl", "--version"], capture_output=True,
                         text=True).stdout.splitlines()[0]
    section = f"""{BEGIN}
## Kernel log from the systemd journal

Written by `bench/journal.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())});
{ver}. A journal of {size / 2**20:.0f} MiB ({len(os.listdir(jdir))} files,
{nentries} entries over {len(boots)} boots, 1 in 20 from the kernel) written by
systemd-journal-remote from a generated export in {gen_s:.0f} s. Medians of
{a.rounds} interleaved rounds after a warm-up, wall seconds.

| command | median | min | max |
|---|---:|---:|---:|
{rows}

| target | measured | |
|---|---|---|
| doctor's added cost for the kernel log <= `journalctl -k -b -o export` | {added:.3f} s vs {med['journalctl']:.3f} s | {'met' if ok else 'NOT met'} |

doctor's evidence: `{line[0] if line else 'no journal evidence found'}`
{END}"""
    text = open(a.results).read() if os.path.exists(a.results) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(a.results, "w") as fh:
        fh.write(text)
    print(section)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
