# SPDX-License-Identifier: GPL-2.0-or-later
"""Journal files for the tests, written by systemd's own tools.

A journal export (the text format of systemd's JOURNAL_EXPORT_FORMATS.md,
what `journalctl -o export` prints) is generated here and turned into a real
journal file by systemd-journal-remote, so the tests read what journald's
code wrote and never a hand-made binary.
"""
import os
import shutil
import subprocess

REMOTE_CANDIDATES = (
    "/lib/systemd/systemd-journal-remote",
    "/usr/lib/systemd/systemd-journal-remote",
)


def journal_remote():
    """The systemd-journal-remote binary, or None."""
    for p in REMOTE_CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    return shutil.which("systemd-journal-remote")


def export_entry(out, boot, machine, usec, mono, message, transport="kernel",
                 ident="kernel", priority=6, extra=None):
    """One entry of the export format (fields 'NAME=value', blank line ends it)."""
    out.write(f"__REALTIME_TIMESTAMP={usec}\n")
    out.write(f"__MONOTONIC_TIMESTAMP={mono}\n")
    out.write(f"_BOOT_ID={boot}\n_MACHINE_ID={machine}\n_HOSTNAME=pve\n")
    out.write(f"_TRANSPORT={transport}\nSYSLOG_IDENTIFIER={ident}\n")
    out.write(f"PRIORITY={priority}\n")
    for k, v in (extra or {}).items():
        out.write(f"{k}={v}\n")
    out.write(f"MESSAGE={message}\n\n")


def write_export(path, boots, machine, start_usec=1732180321000000):
    """@boots: [(boot_id, [(transport, message), ...]), ...] oldest first."""
    usec = start_usec
    with open(path, "w", encoding="utf-8") as f:
        for boot, msgs in boots:
            for i, (transport, msg) in enumerate(msgs):
                export_entry(f, boot, machine, usec, 1000 + i * 1000, msg,
                             transport=transport,
                             ident="kernel" if transport == "kernel" else "systemd")
                usec += 1000
            usec += 3600 * 10**6


def make_journal(root, boots, machine="2f8100748a23469b862613703ae7e633",
                 where="var/log/journal"):
    """Write ROOT/<where>/<machine>/system.journal with systemd-journal-remote."""
    remote = journal_remote()
    if not remote:
        raise FileNotFoundError("systemd-journal-remote is not installed")
    d = os.path.join(root, where, machine)
    os.makedirs(d, exist_ok=True)
    export = os.path.join(root, "..", os.path.basename(root) + ".export")
    write_export(export, boots, machine)
    out = os.path.join(d, "system.journal")
    subprocess.run([remote, f"--output={out}", export], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.unlink(export)
    return out
