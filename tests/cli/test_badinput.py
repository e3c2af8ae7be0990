#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input: every case runs the binary on a copy of a fixture host and
checks that it is refused with a clear message and a documented exit code,
without a crash and without writing anything. The table in
docs/bad-input.md is generated from these cases; the test fails when the
table and the binary disagree, so the table cannot go stale.

usage: test_badinput.py VFIO_PILOT FIXTURES_DIR [--update DOC]
Prints TAP.
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

BIN = FIX = TMP = None
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                   "bad-input.md")
GB = 1 << 30
# The documented exit codes (src/context.h, docs/cli.md).
CODES = {1: "warnings", 2: "refused / not ready", 64: "usage", 65: "data", 66: "no input", 70: "software",
         74: "I/O", 77: "no permission"}

VM = ("boot: order=scsi0\ncores: 8\nmemory: 16384\nname: win11\nostype: win11\n"
      "scsi0: local-lvm:vm-100-disk-0,size=100G\nmachine: q35\nbios: ovmf\n")
CT = ("arch: amd64\ncores: 2\nhostname: media\nmemory: 2048\nostype: debian\n"
      "rootfs: local-lvm:vm-101-disk-0,size=8G\nunprivileged: 1\n")


def copy_file(src, dst):
    try:
        return shutil.copy2(src, dst)
    except PermissionError:
        open(dst, "w").close()
        return dst


def host(name="intel-4090"):
    dst = tempfile.mkdtemp(prefix="badinput-", dir=TMP)
    os.rmdir(dst)
    shutil.copytree(os.path.join(FIX, name), dst, symlinks=True, copy_function=copy_file)
    put(dst, "etc/pve/qemu-server/100.conf", VM)
    put(dst, "etc/pve/lxc/101.conf", CT)
    return dst


def put(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.lexists(p):
        os.unlink(p)
    with open(p, "w") as f:
        f.write(text)
    return p


def huge(root, rel, first=""):
    """A sparse file of 1 GB: a size test that costs no disk."""
    p = put(root, rel, first)
    os.truncate(p, GB)
    return p


def snapshot(root):
    """Every file's bytes and every link target, to prove nothing was written."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = "->" + os.readlink(p)
            elif rel.startswith("sys/") or os.path.getsize(p) >= GB:
                out[rel] = os.path.getsize(p)
            else:
                try:
                    with open(p, "rb") as f:
                        out[rel] = f.read()
                except PermissionError:
                    out[rel] = None
    return out


# (what is wrong, how it is given, setup(root) -> extra args, args)
def no_setup(root):
    return []


def grub_1g(root):
    huge(root, "etc/default/grub", 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
    return []


def cmdline_1g(root):
    huge(root, "proc/cmdline", "quiet ")
    return []


def vmconf_1g(root):
    huge(root, "etc/pve/qemu-server/100.conf", VM)
    return []


def klog_1g(root):
    return [huge(root, "tmp/kern.log", "[    0.000000] Linux version 6.8\n")]


def paste_1g(root):
    return [huge(root, "tmp/paste.txt", "IOMMU Group 1:\n"), "-o", os.path.join(root, "tmp/out")]


def vmconf_nul(root):
    put(root, "etc/pve/qemu-server/100.conf", VM + "args: \0-x\n")
    return []


def vmconf_symlink_out(root):
    outside = os.path.join(TMP, "outside-100.conf")
    with open(outside, "w") as f:
        f.write(VM)
    os.unlink(os.path.join(root, "etc/pve/qemu-server/100.conf"))
    os.symlink(outside, os.path.join(root, "etc/pve/qemu-server/100.conf"))
    return []


def ctconf_symlink_up(root):
    p = os.path.join(root, "etc/pve/lxc/101.conf")
    os.unlink(p)
    os.symlink("../../../../../../../../tmp/outside-101.conf", p)
    return []


def grub_dir(root):
    p = os.path.join(root, "etc/default/grub")
    if os.path.lexists(p):
        os.unlink(p)
    os.makedirs(p)
    return []


GRUB_HEAD = "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n"


def grub_unbalanced_quote(root):
    put(root, "etc/default/grub",
        GRUB_HEAD + "GRUB_CMDLINE_LINUX_DEFAULT='quiet acpi_osi=\"Windows 2012'\n")
    return []


def grub_too_many_params(root):
    params = " ".join(f"p{i}=1" for i in range(600))
    put(root, "etc/default/grub", GRUB_HEAD + f'GRUB_CMDLINE_LINUX_DEFAULT="{params}"\n')
    return []


def grub_sources_file(root):
    put(root, "etc/default/grub", GRUB_HEAD + 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n'
        ". /etc/default/grub.local\n")
    return []


def grub_readonly(root):
    put(root, "etc/default/grub", GRUB_HEAD + 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n'
        "readonly GRUB_CMDLINE_LINUX_DEFAULT\n")
    return []


def grub_d_control_flow(root):
    put(root, "etc/default/grub.d/50-local.cfg",
        '[ -e /etc/x ] && GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
    return []


def grub_missing(root):
    os.unlink(os.path.join(root, "etc/default/grub"))
    return []


def modules_dir(root):
    p = os.path.join(root, "etc/modules")
    if os.path.lexists(p):
        os.unlink(p)
    os.makedirs(p)
    return []


def modules_1g(root):
    huge(root, "etc/modules", "vfio\n")
    return []


def missing_file(root):
    return [os.path.join(root, "no-such-file.log")]


CASES = [
    ("VMID below 100", ["vm", "plan", "42", "--device", "01:00"], no_setup),
    ("VMID above 999999999", ["vm", "plan", "1000000000", "--device", "01:00"], no_setup),
    ("VMID not a number", ["vm", "plan", "abc", "--device", "01:00"], no_setup),
    ("mapping name with a path", ["vm", "plan", "100", "--mapping", "../x"], no_setup),
    ("BDF with letters", ["vm", "plan", "100", "--device", "zz:00.0"], no_setup),
    ("BDF function 8", ["vm", "plan", "100", "--device", "01:00.8"], no_setup),
    ("BDF with a path", ["host", "plan", "--device", "0000:01:00.0/x"], no_setup),
    ("device not on the host", ["host", "plan", "--device", "0a:00.0"], no_setup),
    ("CTID below 100", ["lxc", "plan", "99", "--dri"], no_setup),
    ("CTID in exponent form", ["lxc", "plan", "1e3", "--dri"], no_setup),
    ("CTID without config", ["lxc", "plan", "102", "--dri"], no_setup),
    ("hookscript VMID below 100", ["hookscript", "plan", "42", "--device", "01:00.0",
                                   "--reset-method", "flr"], no_setup),
    ("unknown reset method", ["hookscript", "plan", "100", "--device", "01:00.0",
                              "--reset-method", "bogus"], no_setup),
    ("snippet storage with a path", ["hookscript", "plan", "100", "--device", "01:00.0",
                                     "--reset-method", "flr", "--storage", "../x"], no_setup),
    ("mapping id starting with a digit", ["mapping", "plan", "9bad", "--device", "01:00"],
     no_setup),
    ("mapping id with a path", ["mapping", "plan", "a/../b", "--device", "01:00"], no_setup),
    ("vendor id not hex", ["devices", "--vendor", "zzzz"], no_setup),
    ("bind address with a path", ["bind", "01:00.0/../x"], no_setup),
    ("undo id with a path", ["undo", "../../etc"], no_setup),
    ("undo id that does not exist", ["undo", "20990101-000000"], no_setup),
    ("--root that does not exist", ["@root=/nonexistent", "devices"], no_setup),
    ("--root that does not exist, usb map",
     ["@root=/nonexistent", "usb", "map", "kb", "046d:c52b", "plan"], no_setup),
    ("--root that does not exist, guest check", ["@root=/nonexistent", "guest", "check"],
     no_setup),
    ("--root that does not exist, cluster --api",
     ["@root=/nonexistent", "cluster", "--api", "answers"], no_setup),
    ("1 GB /etc/default/grub", ["host", "plan", "--device", "01:00"], grub_1g),
    ("/etc/default/grub is a directory", ["host", "plan", "--device", "01:00"], grub_dir),
    ("GRUB command line with an unbalanced quote", ["host", "plan", "--device", "01:00"],
     grub_unbalanced_quote),
    ("GRUB command line of 600 parameters", ["host", "plan", "--device", "01:00"],
     grub_too_many_params),
    ("/etc/default/grub sources another file", ["host", "plan", "--device", "01:00"],
     grub_sources_file),
    ("/etc/default/grub makes the command line readonly",
     ["host", "plan", "--device", "01:00"], grub_readonly),
    ("grub.d file with [ ] &&", ["host", "plan", "--device", "01:00"], grub_d_control_flow),
    ("no /etc/default/grub", ["host", "plan", "--device", "01:00"], grub_missing),
    ("/etc/modules is a directory", ["host", "plan", "--device", "01:00"], modules_dir),
    ("1 GB /etc/modules", ["host", "plan", "--device", "01:00"], modules_1g),
    ("1 GB /proc/cmdline", ["doctor"], cmdline_1g),
    ("1 GB VM config", ["vm", "plan", "100", "--device", "01:00"], vmconf_1g),
    ("VM config with a NUL byte", ["vm", "plan", "100", "--device", "01:00"], vmconf_nul),
    ("VM config a symlink out of the root", ["vm", "apply", "100", "--device", "01:00"],
     vmconf_symlink_out),
    ("CT config a symlink up and out", ["lxc", "apply", "101", "--dri"], ctconf_symlink_up),
    ("1 GB kernel log", ["explain"], klog_1g),
    ("kernel log that does not exist", ["explain"], missing_file),
    ("1 GB paste to import", ["import"], paste_1g),
]


# Where the message is in a report rather than an error line.
NEEDLE = {"1 GB /proc/cmdline": "/proc/cmdline", "1 GB kernel log": "lines read"}


def message(name, out, err):
    """The line a user reads: the error, the plan's first refusal, or the report line."""
    for line in out.splitlines():
        if line.startswith("refused:"):
            return line.strip()
    for line in err.splitlines():
        if line.strip():
            return line.strip()
    for line in out.splitlines():
        if name in NEEDLE and NEEDLE[name] in line:
            return line.strip()
    return ""


def run_case(name, args, setup):
    root = host("n100-minipc" if "lxc" in args else "intel-4090")
    extra = setup(root)
    rootarg = root
    argv = []
    for a in args:
        if a.startswith("@root="):
            rootarg = a[6:]
        else:
            argv.append(a)
    before = snapshot(root)
    cmd = [BIN, "--root", rootarg] + argv + extra
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                       env=dict(os.environ, LC_ALL="C"), timeout=120)
    after = snapshot(root)
    msg = message(name, p.stdout, p.stderr).replace(root, "ROOT").replace(TMP, "TMP")
    problems = []
    if p.returncode < 0 or p.returncode >= 128:
        problems.append(f"crashed: {p.returncode}")
    elif p.returncode not in CODES:
        problems.append(f"exit {p.returncode} is not a documented code")
    if p.returncode == 0:
        problems.append("accepted")
    if not msg:
        problems.append("no message")
    if before != after:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        problems.append(f"wrote {changed[:3]}")
    outside = os.path.join(TMP, "outside-100.conf")
    if os.path.exists(outside) and open(outside).read() != VM:
        problems.append("wrote outside the root")
    shutil.rmtree(root, ignore_errors=True)
    return p.returncode, msg, problems


def shown(args, setup):
    a = " ".join(x if not x.startswith("@root=") else "--root " + x[6:] for x in args)
    tail = {klog_1g: " KERN.LOG", missing_file: " MISSING.LOG", paste_1g: " PASTE.TXT -o OUT"}
    return a + tail.get(setup, "")


def table(rows):
    out = ["| bad input | command | exit | message |", "|---|---|---|---|"]
    for name, cmd, rc, msg in rows:
        m = msg.replace("|", "\\|")
        out.append(f"| {name} | `vfio-pilot {cmd}` | {rc} ({CODES.get(rc, '?')}) | {m} |")
    return "\n".join(out) + "\n"


BEGIN = "<!-- generated by tests/cli/test_badinput.py --update; do not edit -->\n"
END = "<!-- end of generated table -->\n"


# Read-only commands never need root; a write without root is refused (77).
READ_ONLY = [("intel-4090", ["devices"]), ("intel-4090", ["groups"]),
             ("intel-4090", ["doctor"]), ("intel-4090", ["advise"]),
             ("intel-4090", ["host", "plan", "-d", "01:00"]),
             ("intel-4090", ["mapping", "plan", "gpu0", "--device", "01:00"]),
             ("intel-4090-vms", ["vm", "lint", "102"]), (None, ["explain", "--list"])]
WRITES = [("intel-4090", ["host", "apply", "-d", "01:00"]), ("intel-4090", ["undo"]),
          ("intel-4090", ["host", "release", "-d", "01:00"]),
          ("intel-4090", ["vm", "apply", "100", "-d", "01:00"]),
          ("n100-minipc", ["lxc", "apply", "101", "--dri"]),
          ("intel-4090", ["hookscript", "100", "-d", "01:00.0", "--reset-method", "flr"]),
          ("intel-4090", ["mapping", "apply", "gpu0", "--device", "01:00"]),
          ("sriov-usb", ["sriov", "00:02.0", "--vfs", "7", "apply"]),
          ("sriov-usb", ["usb", "map", "kb", "046d:c52b", "apply"])]


def as_nobody(root, args):
    cmd = [BIN] + (["--root", os.path.join(FIX, root)] if root else []) + args
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    return subprocess.run(cmd, capture_output=True, env=dict(os.environ, LC_ALL="C"),
                          timeout=120)


def privilege_checks():
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        yield True, "least privilege # SKIP setpriv (util-linux) not found"
        return
    for root, args in READ_ONLY:
        p = as_nobody(root, args)
        err = p.stderr.decode(errors="replace")
        ok = p.returncode in (0, 1, 2, 3) and "root" not in err.lower()
        yield ok, f"without root: {' '.join(args)} runs (exit {p.returncode}){'' if ok else ': ' + err[:200]}"
    for root, args in WRITES:
        p = as_nobody(root, args)
        err = p.stderr.decode(errors="replace")
        ok = p.returncode == 77 and "root" in err
        yield ok, f"without root: {' '.join(args)} is refused with 77 (exit {p.returncode}: {err.strip()[:120]})"


def main():
    global BIN, FIX, TMP
    BIN, FIX = os.path.abspath(sys.argv[1]), sys.argv[2]
    update = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--update" else None
    TMP = tempfile.mkdtemp(prefix="vp-badinput-")
    rows, results = [], []
    for name, args, setup in CASES:
        rc, msg, problems = run_case(name, args, setup)
        rows.append((name, shown(args, setup), rc, msg))
        results.append((name, rc, msg, problems))
    want = table(rows)
    doc_path = update or DOC
    if update:
        with open(doc_path) as f:
            text = f.read()
        a, b = text.index(BEGIN) + len(BEGIN), text.index(END)
        with open(doc_path, "w") as f:
            f.write(text[:a] + want + text[b:])
    with open(doc_path) as f:
        text = f.read()
    have = text[text.index(BEGIN) + len(BEGIN):text.index(END)] if BEGIN in text else ""
    have_rows = {l.split(" | ")[0][2:]: l for l in have.splitlines()[2:]}
    priv = list(privilege_checks())
    print(f"1..{len(results) + len(priv) + 1}")
    n = 0
    for (name, rc, msg, problems), line in zip(results, want.splitlines()[2:]):
        n += 1
        if problems:
            print(f"not ok {n} - {name}: {'; '.join(problems)} (exit {rc}: {msg})")
        elif have_rows.get(name) != line:
            print(f"not ok {n} - {name}: docs/bad-input.md says\n#   {have_rows.get(name)}\n# the binary gives\n#   {line}")
        else:
            print(f"ok {n} - {name}: exit {rc}")
    for ok, line in priv:
        n += 1
        print(f"{'ok' if ok else 'not ok'} {n} - {line}")
    n += 1
    extra = sorted(set(have_rows) - {r[0] for r in rows})
    if extra:
        print(f"not ok {n} - docs/bad-input.md lists cases the test does not run: {extra}")
    else:
        print(f"ok {n} - docs/bad-input.md lists exactly the cases run")
    shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
