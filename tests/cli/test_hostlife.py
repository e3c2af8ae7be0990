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
import time

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
    dst = tempfile.mkdtemp(prefix=name + "-", dir=tmp)
    os.rmdir(dst)
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


def upid(node, pid, pstart, start, typ, vmid, user="root@pam"):
    """As pve-common's PVE/UPID.pm encode formats it."""
    return f"UPID:{node}:{pid:08X}:{pstart:08X}:{start:08X}:{typ}:{vmid}:{user}:"


def write_task(root, u, lines):
    """The log where UPID.pm decode puts it: tasks/<last hex digit of start>/UPID."""
    start_hex = u.split(":")[4]
    d = os.path.join(root, "var/log/pve/tasks", start_hex[7])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, u), "w") as fh:
        fh.write("".join(line + "\n" for line in lines))


# A failed qm start of a VM with an AMD GPU that needs vendor-reset, the task
# log's lines verbatim from https://github.com/gnif/vendor-reset/issues/46
# (tristan-k, 2022-07-29), with the VMID changed to the fixture's.
FAILED_START = [
    "GUEST HOOK: 103 pre-start",
    "103 is starting, doing preparations.",
    "sh: 1: echo: echo: I/O error",
    "kvm: ../hw/pci/pci.c:1487: pci_irq_handler: Assertion `0 <= irq_num && "
    "irq_num < PCI_NUM_PINS' failed.",
    "TASK ERROR: start failed: QEMU exited with code 1",
]


def make_tasks(root):
    t0 = 0x6740A000
    ok102 = upid("pve", 0x1A2B, 0x2F3C4D, t0, "qmstart", 102)
    ok103 = upid("pve", 0x1A30, 0x2F3C50, t0 + 0x10, "qmstart", 103)
    bad103 = upid("pve", 0x1B07, 0x2F4001, t0 + 0x25B, "qmstart", 103)
    other = upid("pve", 0x1B10, 0x2F4002, t0 + 0x300, "qmstop", 103)
    write_task(root, ok102, ["TASK OK"])
    write_task(root, ok103, ["TASK OK"])
    write_task(root, bad103, FAILED_START)
    write_task(root, other, ["TASK OK"])
    tasks = os.path.join(root, "var/log/pve/tasks")
    # index: RESTEnvironment.pm active_workers, "UPID %08X STATUS";
    # active: INotify.pm write_active_workers, "UPID SAVED %08X STATUS".
    with open(os.path.join(tasks, "index"), "w") as fh:
        fh.write(f"{ok102} {t0 + 5:08X} OK\n{ok103} {t0 + 0x12:08X} OK\n")
    with open(os.path.join(tasks, "active"), "w") as fh:
        fh.write(f"{bad103} 1 {t0 + 0x260:08X} start failed: QEMU exited with code 1\n"
                 f"{other} 1 {t0 + 0x301:08X} OK\n")
    return bad103


def test_tasks(tmp):
    root = copy_fixture(tmp, "intel-4090-vms")
    with open(os.path.join(root, "etc/pve/qemu-server/103.conf"), "w") as fh:
        fh.write("bios: ovmf\nmachine: q35\nmemory: 8192\nname: gpu\n"
                 "hostpci0: 0000:01:00,pcie=1\nhookscript: local:snippets/vendor-reset.pl\n")
    rc, doc = doctor_json(root)
    f = [x for x in doc["findings"] if x["id"] == "proxmox.last-start"]
    ok(len(f) == 2 and all(x["verdict"] == "skip" for x in f),
       "tasks: without task logs each VM with hostpci is skipped", json.dumps(f))
    bad = make_tasks(root)
    rc, doc = doctor_json(root)
    f = {x["summary"].split(":")[0]: x for x in doc["findings"]
         if x["id"] == "proxmox.last-start"}
    ok(set(f) == {"VM 102", "VM 103"}, "tasks: one finding per VM with hostpci",
       json.dumps(list(f)))
    f102, f103 = f.get("VM 102"), f.get("VM 103")
    ok(f102 and f102["verdict"] == "ok" and "status from index" in f102["evidence"],
       "tasks: VM 102's last start is OK from the index", json.dumps(f102))
    ok(f103 and f103["verdict"] == "fail"
       and "QEMU aborted in pci_irq_handler" in f103["summary"]
       and "start failed: QEMU exited with code 1" in f103["summary"]
       and bad in f103["evidence"] and "qemu-irq-assert" in f103["evidence"],
       "tasks: VM 103's failed start gives the cause from the signatures",
       json.dumps(f103))
    p = run("--json", "explain", "--vm", "103", root=root)
    try:
        ex = json.loads(p.stdout)
    except ValueError:
        ex = {}
    ids = [s["id"] for s in ex.get("signatures", [])]
    ok(p.returncode == 0 and "qemu-irq-assert" in ids and "qemu-exited" in ids
       and bad in ex.get("input", ""),
       "tasks: explain --vm 103 reads the failed start's log", p.stdout[-400:] + p.stderr)
    p = run("explain", "--vm", "103", root=root)
    ok(p.returncode == 0 and "status: start failed" in p.stdout,
       "tasks: explain --vm text names the task and its status", p.stdout[:300])
    p = run("explain", "--vm", "104", root=root)
    ok(p.returncode == 66 and "no start of VM 104" in p.stderr,
       "tasks: explain --vm of a VM never started exits 66", p.stderr)
    for bad_id in ("abc", "99", "0100", "-1"):
        p = run("explain", "--vm", bad_id, root=root)
        ok(p.returncode == 64, f"tasks: explain --vm {bad_id!r} is a usage error",
           p.stderr)
    p = run("explain", "--vm", "103", "x.log", root=root)
    ok(p.returncode == 64, "tasks: --vm with FILE is a usage error", p.stderr)
    # Without index or active, the status comes from the log's last line
    # (UPID.pm read_status).
    for name in ("index", "active"):
        os.unlink(os.path.join(root, "var/log/pve/tasks", name))
    rc, doc = doctor_json(root)
    f = [x for x in doc["findings"] if x["id"] == "proxmox.last-start"
         and x["summary"].startswith("VM 103")]
    ok(f and f[0]["verdict"] == "fail" and "qemu-irq-assert" in f[0]["evidence"],
       "tasks: the status from the log's TASK ERROR line", json.dumps(f))


def age_tree(root, seconds):
    """Every file of the copy as old as a host that booted after its last edit."""
    t = time.time() - seconds
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            os.utime(os.path.join(dirpath, n), (t, t), follow_symlinks=False)


def set_btime(root, t):
    with open(os.path.join(root, "proc/stat"), "w") as fh:
        fh.write(f"cpu  1 0 1 100 0 0 0 0 0 0\nbtime {int(t)}\nprocesses 1\n")


def rebind(root, addr, driver):
    """What the next boot does to a function's driver link (sysfs layout)."""
    dev = os.path.realpath(os.path.join(root, "sys/bus/pci/devices", addr))
    drv = os.path.join(root, "sys/bus/pci/drivers", driver)
    os.makedirs(drv, exist_ok=True)
    link = os.path.join(dev, "driver")
    if os.path.lexists(link):
        old = os.path.realpath(link)
        os.unlink(link)
        if os.path.lexists(os.path.join(old, addr)):
            os.unlink(os.path.join(old, addr))
    os.symlink(os.path.relpath(drv, dev), link)
    os.symlink(os.path.relpath(dev, drv), os.path.join(drv, addr))


def test_pending(tmp):
    root = copy_fixture(tmp, "intel-4090")
    age_tree(root, 7200)
    set_btime(root, time.time() - 3600)
    rc0, doc0 = doctor_json(root)
    f = finding(doc0, "device.driver", "0000:01:00.0")
    ok(f and f["verdict"] == "fail" and "nouveau" in f["summary"] and f["fix"],
       "pending: before apply nouveau holds the GPU, with a fix", json.dumps(f))
    f = finding(doc0, "kernel.reboot-pending")
    ok(f and f["verdict"] == "ok", "pending: before apply nothing is pending",
       json.dumps(f))
    p = run("host", "apply", root=root)
    ok(p.returncode == 0, "pending: host apply on the copy", p.stderr + p.stdout)
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.reboot-pending")
    ok(f and f["verdict"] == "warn"
       and f["summary"].startswith("applied, reboot pending: ")
       and "take effect at the next boot" in f["summary"],
       "pending: after apply doctor says reboot pending", json.dumps(f))
    ev = f["evidence"] if f else ""
    ok("0000:01:00.0: vfio-pci binds it at boot" in ev and "now nouveau" in ev
       and "0000:01:00.1: vfio-pci binds it at boot" in ev
       and "module vfio_pci loads at boot" in ev,
       "pending: the pending changes are listed", ev)
    n = int(f["summary"].split(": ")[1].split()[0]) if f else -1
    ok(n == ev.count("; ") + 1, "pending: N counts the listed changes", f and f["summary"])
    d = finding(doc, "device.driver", "0000:01:00.0")
    ok(d and d["verdict"] == "ok" and d["fix"] is None
       and d["summary"].startswith("applied, reboot pending"),
       "pending: the driver finding does not repeat its fix", json.dumps(d))
    c = finding(doc, "device.companions", "0000:01:00.0")
    ok(c and c["verdict"] == "ok" and c["fix"] is None,
       "pending: nor does the companions finding", json.dumps(c))
    fixes = " ".join(x["fix"] or "" for x in doc["findings"])
    ok("options vfio-pci ids=" not in fixes and "softdep nouveau" not in fixes,
       "pending: no finding offers the applied edit again", fixes)
    ok(rc == 4 and doc.get("verdict") == "reboot-pending",
       "pending: the verdict reboot-pending exits 4", f"{rc} {doc.get('verdict')}")
    p = run("doctor", root=root)
    ok("Verdict: reboot-pending" in p.stdout and p.returncode == 4,
       "pending: text verdict", p.stdout[-200:])
    # A second apply changes nothing (the plan is empty): still pending.
    p = run("host", "plan", root=root)
    ok("nothing to change" in p.stdout,
       "pending: the plan after apply is empty", p.stdout[-300:])
    # The simulated reboot: vfio modules loaded, the functions on vfio-pci,
    # a new boot time.
    with open(os.path.join(root, "proc/modules"), "a") as fh:
        for m in ("vfio_pci", "vfio_pci_core", "vfio_iommu_type1", "vfio"):
            fh.write(f"{m} 16384 0 - Live 0x0000000000000000\n")
    rebind(root, "0000:01:00.0", "vfio-pci")
    rebind(root, "0000:01:00.1", "vfio-pci")
    set_btime(root, time.time() + 5)
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.reboot-pending")
    ok(f and f["verdict"] == "ok", "pending: after the reboot nothing is pending",
       json.dumps(f))
    d = finding(doc, "device.driver", "0000:01:00.0")
    ok(d and d["verdict"] == "ok" and d["summary"] == "bound to vfio-pci",
       "pending: after the reboot the driver finding is ok", json.dumps(d))
    ok(rc != 4 and doc.get("verdict") != "reboot-pending",
       "pending: after the reboot the verdict is not reboot-pending",
       f"{rc} {doc.get('verdict')}")
    # Configured before this boot and still not in effect: a failure, not pending.
    root2 = copy_fixture(tmp, "twin-gpus-ids")
    age_tree(root2, 7200)
    set_btime(root2, time.time() - 3600)
    rc, doc = doctor_json(root2)
    f = finding(doc, "kernel.reboot-pending")
    ok(f and f["verdict"] == "ok" and rc != 4,
       "pending: ids older than the boot that did not bind are not pending",
       json.dumps(f))


HERE = os.path.dirname(os.path.abspath(__file__))
# An uncompressed early cpio prepended the way intel-microcode's and
# amd64-microcode's hooks do it (hook-functions' prepend_earlyinitramfs), so
# the image has the layout of a real host's: early cpio, then the main one.
EARLY_HOOK = """#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
d=$(mktemp -d)
mkdir -p "$d/kernel/x86/microcode"
echo test > "$d/kernel/x86/microcode/GenuineIntel.bin"
(cd "$d" && find . | cpio -o -H newc --quiet) > "$d.cpio"
prepend_earlyinitramfs "$d.cpio"
"""


def find_kernel():
    """A Debian kernel extracted by tests/vm/run into its cache: (KDIR, KVER)."""
    cache = os.environ.get("VM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "vfio-pilot-vm")
    if not os.path.isdir(cache):
        return None, f"no kernel cache {cache} (tests/vm/run fills it)"
    for kver in sorted(os.listdir(cache), reverse=True):
        kdir = os.path.join(cache, kver)
        if (os.path.isfile(os.path.join(kdir, ".done"))
                and os.path.isdir(os.path.join(kdir, "lib/modules", kver))
                and os.path.isfile(os.path.join(kdir, "boot", "config-" + kver))):
            return (kdir, kver), None
    return None, f"no extracted linux-image in {cache} (tests/vm/run fills it)"


def build_image(tmp, kdir, kver, name, with_vfio, modprobe_conf):
    conf = os.path.join(tmp, name + "-conf")
    shutil.copytree("/etc/initramfs-tools", conf, symlinks=True)
    with open(os.path.join(conf, "initramfs.conf")) as fh:
        lines = fh.read().splitlines()
    keep = [ln for ln in lines if not ln.startswith(("MODULES=", "COMPRESS=", "BUSYBOX="))]
    # MODULES=list: only what the modules file names (so the two differ only there).
    keep += ["MODULES=list", "COMPRESS=zstd", "BUSYBOX=n"]
    with open(os.path.join(conf, "initramfs.conf"), "w") as fh:
        fh.write("\n".join(keep) + "\n")
    with open(os.path.join(conf, "modules"), "w") as fh:
        fh.write("# written by test_hostlife.py\n")
        if with_vfio:
            fh.write("vfio\nvfio_iommu_type1\nvfio_pci\n")
    os.makedirs(os.path.join(conf, "hooks"), exist_ok=True)
    hook = os.path.join(conf, "hooks", "early-test")
    with open(hook, "w") as fh:
        fh.write(EARLY_HOOK)
    os.chmod(hook, 0o755)
    md = os.path.join(tmp, name + "-modprobe.d")
    os.makedirs(md)
    if modprobe_conf:
        shutil.copy(modprobe_conf, os.path.join(md, "vfio-pilot.conf"))
    out = os.path.join(tmp, name + ".img")
    p = subprocess.run([os.path.join(HERE, "mkinitramfs-test.sh"), kdir, kver, conf, md,
                        os.path.join(tmp, name + "-ov"), out],
                       capture_output=True, text=True)
    return out if p.returncode == 0 and os.path.getsize(out) > 0 else None, p.stderr


def test_pending_options(tmp):
    """A module option configured after the boot against the loaded module's parameter."""
    root = copy_fixture(tmp, "intel-4090")
    age_tree(root, 7200)
    set_btime(root, time.time() - 3600)
    with open(os.path.join(root, "proc/modules"), "a") as fh:
        fh.write("vfio_iommu_type1 45056 0 - Live 0x0000000000000000\n")
    par = os.path.join(root, "sys/module/vfio_iommu_type1/parameters")
    os.makedirs(par)
    with open(os.path.join(par, "allow_unsafe_interrupts"), "w") as fh:
        fh.write("N\n")
    p = run("host", "apply", "--unsafe-interrupts", root=root)
    ok(p.returncode == 0, "pending: host apply --unsafe-interrupts", p.stderr)
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.reboot-pending")
    ok(f and "module option vfio_iommu_type1 allow_unsafe_interrupts=1" in f["evidence"]
       and "the loaded module has N" in f["evidence"],
       "pending: a module option differing from the loaded parameter is pending",
       json.dumps(f))
    with open(os.path.join(par, "allow_unsafe_interrupts"), "w") as fh:
        fh.write("Y\n")
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.reboot-pending")
    ok(f and "allow_unsafe_interrupts" not in f["evidence"],
       "pending: Y in the parameter is the configured 1", json.dumps(f))


def test_initramfs(tmp):
    k, why = find_kernel()
    if not k:
        skip("initramfs: images built by mkinitramfs", why)
        return
    if not shutil.which("mkinitramfs") or not shutil.which("unshare"):
        skip("initramfs: images built by mkinitramfs", "no mkinitramfs or unshare")
        return
    kdir, kver = k
    root = copy_fixture(tmp, "intel-4090")
    p = run("host", "apply", root=root)
    ok(p.returncode == 0, "initramfs: host apply on the copy", p.stderr)
    conf = os.path.join(root, "etc/modprobe.d/vfio-pilot.conf")
    with_img, err1 = build_image(tmp, kdir, kver, "with", True, conf)
    without_img, err2 = build_image(tmp, kdir, kver, "without", False, None)
    if not with_img or not without_img:
        skip("initramfs: images built by mkinitramfs",
             "mkinitramfs in a mount namespace failed: " + (err1 + err2)[-300:])
        return
    # The Debian kernel as a second installed kernel of the fixture host.
    mods = os.path.join(root, "lib/modules", kver)
    os.makedirs(mods)
    for f in ("modules.dep", "modules.builtin"):
        shutil.copy(os.path.join(kdir, "lib/modules", kver, f), mods)
    os.makedirs(os.path.join(root, "boot"), exist_ok=True)
    img = os.path.join(root, "boot", "initrd.img-" + kver)
    shutil.copy(with_img, img)
    rc, doc = doctor_json(root)
    f = [x for x in doc["findings"] if x["id"] == "kernel.upgrade-initramfs"
         and x["summary"].startswith(kver)]
    ok(f and f[0]["verdict"] == "ok" and "2 segments" in f[0]["evidence"]
       and "zstd" in f[0]["evidence"],
       "initramfs: mkinitramfs's image with vfio (early cpio + zstd) is ok",
       json.dumps(f))
    shutil.copy(without_img, img)
    rc, doc = doctor_json(root)
    f = [x for x in doc["findings"] if x["id"] == "kernel.upgrade-initramfs"
         and x["summary"].startswith(kver)]
    ok(f and f[0]["verdict"] == "warn" and "lacks vfio vfio_iommu_type1 vfio_pci"
       in f[0]["summary"] and f[0]["fix"].endswith("update-initramfs -u -k " + kver),
       "initramfs: the image without vfio is told apart, with the repair",
       json.dumps(f))
    # The same image but vfio-pilot's options missing: only the options differ.
    # (Built with the modules and without the modprobe file.)
    opts_img, err = build_image(tmp, kdir, kver, "noopts", True, None)
    if opts_img:
        shutil.copy(opts_img, img)
        rc, doc = doctor_json(root)
        f = [x for x in doc["findings"] if x["id"] == "kernel.upgrade-initramfs"
             and x["summary"].startswith(kver)]
        ok(f and f[0]["verdict"] == "warn" and "older copy" in f[0]["summary"]
           and "options vfio-pci ids=10de:2684,10de:22ba" in f[0]["evidence"],
           "initramfs: an image without vfio-pilot's options is told apart",
           json.dumps(f))
    else:
        ok(False, "initramfs: the image without options builds", err[-300:])


def test_dkms(tmp):
    root = copy_fixture(tmp, "intel-4090")
    kv = os.listdir(os.path.join(root, "lib/modules"))[0]
    new = "6.8.12-9-pve"
    # A newer kernel installed without the DKMS build; the running one has it.
    shutil.copytree(os.path.join(root, "lib/modules", kv),
                    os.path.join(root, "lib/modules", new), symlinks=True)
    with open(os.path.join(root, "lib/modules", kv, "modules.dep"), "a") as fh:
        fh.write("updates/dkms/vendor-reset.ko:\n")
    with open(os.path.join(root, "etc/modules"), "a") as fh:
        fh.write("vendor-reset\nvfio_virqfd\n")
    rc, doc = doctor_json(root)
    f = [x for x in doc["findings"] if x["id"] == "kernel.upgrade-modules"]
    bad = [x for x in f if x["summary"].startswith(new + ": vendor_reset")]
    good = [x for x in f if x["summary"].startswith(kv + ": vendor_reset")]
    ok(bad and bad[0]["verdict"] == "fail"
       and bad[0]["fix"] == f"apt install proxmox-headers-{new} && dkms autoinstall -k {new}",
       "dkms: a kernel without the DKMS module the setup needs is reported",
       json.dumps(f))
    ok(good and good[0]["verdict"] == "ok", "dkms: the kernel that has it is ok",
       json.dumps(good))
    gone = [x for x in f if "no module vfio_virqfd" in x["summary"]]
    ok(gone and kv in gone[0]["summary"] and new in gone[0]["summary"]
       and "merged into vfio in 6.2" in gone[0]["summary"]
       and gone[0]["fix"].startswith("sed -i '"),
       "dkms: vfio_virqfd listed for 6.8 kernels is reported with the line to drop",
       json.dumps(gone))


def test_esp(tmp):
    root = copy_fixture(tmp, "intel-4090")
    rc, doc = doctor_json(root)
    ok(finding(doc, "kernel.upgrade-esp") is None,
       "esp: no finding on a host without proxmox-boot-tool")
    kv = os.listdir(os.path.join(root, "lib/modules"))[0]
    os.makedirs(os.path.join(root, "etc/kernel"), exist_ok=True)
    with open(os.path.join(root, "etc/kernel/proxmox-boot-uuids"), "w") as fh:
        fh.write("1234-ABCD\n")
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.upgrade-esp")
    ok(f and f["verdict"] == "ok" and kv in f["summary"]
       and "proxmox-boot-tool status" in f["summary"],
       "esp: the installed kernels, and that the ESPs are not read", json.dumps(f))
    with open(os.path.join(root, "etc/kernel/proxmox-boot-manual-kernels"), "w") as fh:
        fh.write("6.5.13-6-pve\n")
    rc, doc = doctor_json(root)
    f = finding(doc, "kernel.upgrade-esp")
    ok(f and f["verdict"] == "warn" and "6.5.13-6-pve" in f["summary"]
       and f["fix"].startswith("proxmox-boot-tool kernel remove 6.5.13-6-pve"),
       "esp: a kept kernel that is not installed", json.dumps(f))


TESTS = [test_journal, test_esp, test_tasks, test_pending, test_pending_options, test_initramfs,
         test_dkms]


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
