#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""host apply --plan-file, the root's lock, pending commands and undo over
later edits, through the binary on a copy of a fixture host. Prints TAP.

usage: test_journal.py VFIO_PILOT FIXTURES_DIR
"""
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile

BIN, FIX = sys.argv[1], sys.argv[2]
results = []


def run(root, *args):
    p = subprocess.run([BIN, "--root", root] + list(args), capture_output=True, text=True,
                       check=False, env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout + p.stderr


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def append(root, rel, text):
    with open(os.path.join(root, rel), "a", encoding="utf-8") as f:
        f.write(text)


def check(name, cond, detail=""):
    results.append((name, cond, detail))


def main():
    tmp = tempfile.mkdtemp(prefix="vp-journal-")
    root = os.path.join(tmp, "root")
    shutil.copytree(os.path.join(FIX, "intel-4090"), root, symlinks=True)
    pf = os.path.join(tmp, "reviewed.plan")
    mods = "etc/modules"
    conf = "etc/modprobe.d/vfio-pilot.conf"
    try:
        rc, out = run(root, "host", "plan", "-d", "01:00", "--plan-file", pf)
        check("plan --plan-file saves the plan", rc == 0 and os.path.exists(pf), out)
        append(root, mods, "# edited after the review\n")
        edited = read(root, mods)
        rc, out = run(root, "host", "apply", "-d", "01:00", "--plan-file", pf)
        check("apply --plan-file after an edit: exit 75, nothing written",
              rc == 75 and read(root, mods) == edited and "etc/modules" in out
              and not os.path.exists(os.path.join(root, conf)), out)
        rc, out = run(root, "host", "plan", "-d", "01:00", "--plan-file", pf)
        rc, out = run(root, "host", "apply", "-d", "01:00", "--plan-file", pf)
        check("apply --plan-file of the reviewed plan: exit 0",
              rc == 0 and read(root, mods) != edited and "undo with" in out, out)
        check("commands under --root are listed, not run",
              "commands not run" in out and "update-initramfs" in out, out)
        rc, out = run(root, "host", "plan", "-d", "01:00")
        check("plan shows the commands still pending",
              rc == 0 and "pending: update-initramfs -u -k all" in out, out)

        lock = os.path.join(root, "var/lib/vfio-pilot/lock")
        os.makedirs(os.path.dirname(lock), exist_ok=True)
        with open(lock, "a", encoding="utf-8") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            rc, out = run(root, "undo")
            check("undo while another run holds the lock: exit 75, says so",
                  rc == 75 and "lock" in out, out)
            rc2, out2 = run(root, "host", "apply", "-d", "01:00")
            check("apply while another run holds the lock: exit 75",
                  rc2 == 75 and "lock" in out2, out2)
            rc3, out3 = run(root, "bind", "01:00.0")
            check("bind while another run holds the lock: exit 75",
                  rc3 == 75 and "lock" in out3, out3)
        rc3, out3 = run(root, "bind", "01:00.0")
        check("bind without the lock held goes on (here: vfio-pci not loaded, 66)",
              rc3 == 66 and "modprobe vfio-pci" in out3, out3)

        append(root, conf, "options kvm ignore_msrs=1\n")
        rc, out = run(root, "undo")
        check("undo over a hand edit: exit 75, the line named, nothing written",
              rc == 75 and "+options kvm ignore_msrs=1" in out and "--force" in out
              and read(root, mods) != edited, out)
        rc, out = run(root, "undo", "--force")
        check("undo --force restores the files as before the apply",
              rc == 0 and read(root, mods) == edited
              and not os.path.exists(os.path.join(root, conf)), out)
        undo = os.path.join(root, "var/lib/vfio-pilot/undo")
        kept = [os.path.join(undo, d, f) for d in os.listdir(undo)
                for f in os.listdir(os.path.join(undo, d)) if f.startswith("r")]
        check("undo --force keeps what it replaced",
              len(kept) == 1 and "ignore_msrs=1" in open(kept[0], encoding="utf-8").read(),
              str(kept))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{len(results)}")
    for i, (name, ok, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            for line in detail.splitlines()[:30]:
                print(f"# {line}")


main()
