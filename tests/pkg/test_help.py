#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every command answers --help with an example, and every example runs.

The commands come from `vfio-pilot --help`, so a command added to main.c's
list without an example in its struct vp_cmd fails here. Each example line that starts with
vfio-pilot is run against a copy of a fixture host (--root), so a typo in an
option name (exit 64, bad command line) fails too. Exit codes other than 64
and 70 are fine: an example may name a file or VM the fixture lacks.
The man page and the bash completion must name every command as well.
TAP output.
  test_help.py BINARY FIXTURE_DIR SRCDIR
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

binary, fixtures, src = (os.path.abspath(a) for a in sys.argv[1:4])
n = 0
failed = 0


def report(ok, what, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + f" {n} - {what}")
    for line in ([] if ok else detail.splitlines()[:15]):
        print("# " + line)


def run(args, cwd=None):
    p = subprocess.run(args, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL,
                       env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run([binary, "--help"])
cmds = []
in_cmds = False
for line in out.splitlines():
    if line.startswith("Read-only unless"):
        in_cmds = True
        continue
    if in_cmds:
        m = re.match(r"^  (\S+) +\S", line)
        if not m:
            break
        cmds.append(m.group(1))
report(rc == 0 and len(cmds) >= 15, f"--help lists {len(cmds)} commands", err)

man = open(os.path.join(src, "docs", "vfio-pilot.8.scd"), encoding="utf-8").read()
comp = open(os.path.join(src, "contrib", "bash-completion", "vfio-pilot"),
            encoding="utf-8").read()
comp_cmds = re.search(r'cmds="([^"]*)"', comp)
comp_cmds = comp_cmds.group(1).split() if comp_cmds else []

work = tempfile.mkdtemp(prefix="vp-help.")
host = os.path.join(work, "host")
shutil.copytree(os.path.join(fixtures, "intel-4090-vms"), host, symlinks=True)
try:
    for c in cmds:
        rc, out, err = run([binary, c, "--help"])
        ex = re.search(r"^Examples?:\n((?:  .*\n)+)", out, re.M)
        report(rc == 0 and ex is not None, f"{c} --help exits 0 with an example",
               out + err)
        report(f"*{c}*" in man, f"{c} has a section in vfio-pilot(8)")
        report(c in comp_cmds, f"{c} is completed by bash completion")
        if not ex:
            continue
        for line in ex.group(1).splitlines():
            argv = shlex.split(line.strip())
            if "|" in argv:  # "journalctl ... | vfio-pilot explain -"
                argv = argv[argv.index("|") + 1:]
            if not argv or argv[0] != "vfio-pilot":
                continue
            args = [binary, "--root", host] + argv[1:]
            rc, out, err = run(args, cwd=work)
            report(rc not in (64, 70), f"example runs: {line.strip()} (exit {rc})",
                   err)
finally:
    shutil.rmtree(work, ignore_errors=True)

print(f"1..{n}")
sys.exit(1 if failed else 0)
