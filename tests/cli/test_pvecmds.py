#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Proxmox guest commands on fixture hosts: lxc (devN for /dev/dri),
hookscript (one snippet per VM) and mapping (cluster PCI mappings).

Each test works on a copy of a fixture with the guest configs it needs.
Applies and undo need root (they write with root ownership); without root
those tests print '# SKIP'. Prints TAP.

usage: test_pvecmds.py VFIO_PILOT FIXTURES_DIR
"""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

BIN = FIX = None
TMP = None
results = []
ROOT = os.geteuid() == 0

CT = ("arch: amd64\ncores: 2\nhostname: media\nmemory: 2048\n"
      "net0: name=eth0,bridge=vmbr0,ip=dhcp,type=veth\nostype: debian\n"
      "rootfs: local-lvm:vm-101-disk-0,size=8G\nunprivileged: 1\n")
VM = ("boot: order=scsi0\ncores: 8\nmemory: 16384\nname: win11\nostype: win11\n"
      "scsi0: local-lvm:vm-100-disk-0,size=100G\nhostpci0: 0000:01:00,pcie=1,x-vga=1\n"
      "machine: q35\nbios: ovmf\n")


class Skip(Exception):
    pass


def run(*args, root=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def jrun(*args, root=None):
    rc, out, err = run("--json", *args, root=root)
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError as e:
        raise AssertionError(f"{' '.join(args)}: not JSON ({e}): {out[:300]!r} {err!r}")


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def need_root():
    if not ROOT:
        raise Skip("needs root (apply writes root-owned files)")


def copy(fixture, name):
    dst = os.path.join(TMP, name)
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(os.path.join(FIX, fixture), dst, symlinks=True, copy_function=copy_file)
    return dst


def copy_file(src, dst):
    """Write-only sysfs attributes (bind, remove) cannot be read without root."""
    try:
        return shutil.copy2(src, dst)
    except PermissionError:
        open(dst, "w").close()
        os.chmod(dst, stat.S_IMODE(os.lstat(src).st_mode))
        return dst


def put(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
    return p


def read(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        return f.read()


def added_lines(doc):
    out = []
    for e in doc["edits"]:
        out += [l[1:] for l in e["diff"].splitlines() if l.startswith("+") and not l.startswith("+++")]
    return out


def n100_ct():
    root = copy("n100-minipc", "n100-ct")
    put(root, "etc/pve/lxc/101.conf", CT)
    return root


def storage_snippets(root):
    p = os.path.join(root, "etc/pve/storage.cfg")
    with open(p) as f:
        text = f.read()
    text = re.sub(r"(dir: local\n\tpath /var/lib/vz\n\tcontent )([^\n]*)",
                  lambda m: m.group(1) + m.group(2) + ",snippets", text)
    with open(p, "w") as f:
        f.write(text)


def set_hostname(root, name):
    put(root, "etc/hostname", name + "\n")


# ---- lxc -------------------------------------------------------------------

@test("lxc plan on n100-minipc: dev0 renderD128 gid=104, dev1 card0 with the video gid")
def _():
    root = n100_ct()
    rc, d, err = jrun("lxc", "plan", "101", "--dri", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    lines = added_lines(d)
    check(lines == ["dev0: /dev/dri/renderD128,gid=104", "dev1: /dev/dri/card0,gid=44"],
          f"lines {lines}")
    check(d["edits"][0]["path"] == "/etc/pve/lxc/101.conf", d["edits"][0]["path"])
    check(d["commands"] == [], "no commands under --root")


@test("lxc plan --render-only: only the render node")
def _():
    root = n100_ct()
    rc, d, err = jrun("lxc", "plan", "101", "--dri", "--render-only", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    check(added_lines(d) == ["dev0: /dev/dri/renderD128,gid=104"], added_lines(d))


@test("lxc plan --device: a function without a render node is refused")
def _():
    root = n100_ct()
    rc, out, err = run("lxc", "plan", "101", "--dri", "--device", "00:1f.3", root=root)
    check(rc == 2 and "refused:" in out and "render node" in out, f"rc {rc}: {out} {err}")


@test("lxc refuses a CTID without config and one out of range")
def _():
    root = n100_ct()
    rc, out, err = run("lxc", "plan", "102", "--dri", root=root)
    check(rc == 66 and "has no config" in err, f"rc {rc}: {err}")
    for bad in ("99", "1000000000", "0101", "abc"):
        rc, out, err = run("lxc", "plan", bad, "--dri", root=root)
        check(rc == 64, f"{bad}: rc {rc}: {err}")
    rc, out, err = run("lxc", "plan", "101", root=root)
    check(rc == 64, f"without --dri: rc {rc}")


@test("lxc on Proxmox 7.4: raw lxc.cgroup2/lxc.mount.entry lines, and why")
def _():
    root = n100_ct()
    p = os.path.join(root, "var/lib/dpkg/status")
    with open(p) as f:
        text = f.read()
    text = re.sub(r"(Package: pve-manager\n(?:[^\n]+\n)*?Version: )[^\n]*", r"\g<1>7.4-17", text)
    with open(p, "w") as f:
        f.write(text)
    rc, d, err = jrun("lxc", "plan", "101", "--dri", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    lines = added_lines(d)
    check("lxc.cgroup2.devices.allow: c 226:128 rwm" in lines, lines)
    check("lxc.mount.entry: /dev/dri/renderD128 dev/dri/renderD128 none "
          "bind,optional,create=file" in lines, lines)
    check(not any(l.startswith("dev") for l in lines), lines)
    check(any("older than 8.1" in n for n in d["notes"]), d["notes"])


@test("lxc plan --gpu on nvidia-transcode: the NVIDIA nodes, the container's render gid 993")
def _():
    root = copy("nvidia-transcode", "nv-ct")
    rc, d, err = jrun("lxc", "plan", "101", "--gpu", "0b:00.0", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    lines = added_lines(d)
    check(lines == ["dev0: /dev/nvidia0,gid=993", "dev1: /dev/nvidiactl,gid=993",
                    "dev2: /dev/nvidia-uvm,gid=993", "dev3: /dev/nvidia-uvm-tools,gid=993",
                    "dev4: /dev/nvidia-modeset,gid=993",
                    "dev5: /dev/nvidia-caps/nvidia-cap1,gid=993",
                    "dev6: /dev/nvidia-caps/nvidia-cap2,gid=993"], lines)
    notes = " ".join(d["notes"])
    check("550.144.03" in notes and "/sys/module/nvidia/version" in notes, notes)
    check("gid 993 for render" in notes, notes)


@test("lxc plan --gpu: unreadable rootfs is a named assumption; raw lxc lines recognised")
def _():
    root = copy("nvidia-transcode", "nv-ct2")
    rc, d, err = jrun("lxc", "plan", "102", "--gpu", "0b:00.0", root=root)
    check(rc == 0 and "dev0: /dev/nvidia0,gid=104" in added_lines(d), f"{rc} {err}")
    notes = " ".join(d["notes"])
    check("gid 104 (render) and 44 (video) assumed" in notes and "pct mount 102" in notes,
          notes)
    rc, d, err = jrun("lxc", "plan", "103", "--gpu", "0b:00.0", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    check(added_lines(d) == ["dev0: /dev/nvidia-caps/nvidia-cap1,gid=104",
                             "dev1: /dev/nvidia-caps/nvidia-cap2,gid=104"], added_lines(d))
    notes = " ".join(d["notes"])
    check("already mapped by lxc.mount.entry" in notes and "c 235:0 rwm" in notes, notes)


@test("lxc plan --dri on an NVIDIA-only host: refused, pointing to --gpu")
def _():
    root = copy("nvidia-transcode", "nv-ct3")
    rc, out, err = run("lxc", "plan", "101", "--dri", root=root)
    check(rc == 2 and "--gpu 0000:0b:00.0" in out, f"rc {rc}: {out} {err}")
    rc, out, err = run("lxc", "plan", "101", "--dri", "--gpu", "0b:00.0", root=root)
    check(rc == 64, f"--dri with --gpu: rc {rc}")


@test("lxc plan --dri refusal names the NVIDIA card advise names (the boot VGA one)")
def _():
    # Two RTX 3090s on nvidia, the second the boot VGA: advise's container
    # path and lxc plan's refusal must point to the same card.
    root = copy("twin-gpus", "nv-two")
    put(root, "etc/pve/lxc/101.conf",
        read(os.path.join(FIX, "nvidia-transcode"), "etc/pve/lxc/101.conf").decode())
    for fn, v in (("0b", "0\n"), ("0c", "1\n")):
        p = os.path.join(root, f"sys/bus/pci/devices/0000:{fn}:00.0/boot_vga")
        os.chmod(p, 0o644)  # sysfs's 0444: writable here only as root
        put(root, p, v)
    rc, out, err = run("advise", "-w", "transcode", root=root)
    check("lxc plan CTID --gpu 0000:0c:00.0" in out, f"advise: rc {rc}: {out} {err}")
    rc, out, err = run("lxc", "plan", "101", "--dri", root=root)
    check(rc == 2 and "lxc plan 101 --gpu 0000:0c:00.0" in out, f"rc {rc}: {out} {err}")


@test("a container's devN (main section, last of a key) keeps its GPU from vm plan")
def _():
    root = copy("amd-compute", "ct-uses-gpu")
    vm = ("boot: order=scsi0\ncores: 4\nmemory: 8192\nname: g\nostype: l26\n"
          "scsi0: local-lvm:vm-100-disk-0,size=32G\n")
    put(root, "etc/pve/qemu-server/100.conf", vm)
    conf = read(root, "etc/pve/lxc/200.conf").decode()
    # only in a snapshot: not live, the GPU is free
    put(root, "etc/pve/lxc/200.conf", conf + "\n[before]\ndev0: /dev/dri/renderD128,gid=992\n")
    rc, d, _ = jrun("vm", "plan", "100", "-d", "09:00.0", root=root)
    check(not any("container 200" in x for x in d["refusals"]), d["refusals"])
    # the key written twice: pct keeps the last, /dev/dri/renderD128
    put(root, "etc/pve/lxc/200.conf",
        conf + "dev0: /dev/null\ndev0: /dev/dri/renderD128,gid=992\n")
    rc, d, _ = jrun("vm", "plan", "100", "-d", "09:00.0", root=root)
    check(any("already used by container 200 (dev0: /dev/dri/renderD128,gid=992)" in x
              for x in d["refusals"]), d["refusals"])


@test("lxc plan --gpu on amd-compute: render node, card, /dev/kfd with the CT's gids")
def _():
    root = copy("amd-compute", "amd-ct")
    rc, d, err = jrun("lxc", "plan", "200", "--gpu", "09:00.0", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    check(added_lines(d) == ["dev0: /dev/dri/renderD128,gid=992", "dev1: /dev/dri/card0,gid=44",
                             "dev2: /dev/kfd,gid=992"], added_lines(d))


@test("lxc apply --gpu twice (second: no change)")
def _():
    need_root()
    root = copy("nvidia-transcode", "nv-apply")
    rc, out, err = run("lxc", "apply", "101", "--gpu", "0b:00.0", root=root)
    check(rc == 0, f"apply: rc {rc}: {err}")
    rc, d, err = jrun("lxc", "plan", "101", "--gpu", "0b:00.0", root=root)
    check(rc == 0 and not d["edits"], f"second plan: {d['edits']}")


@test("lxc apply twice (second: no change), undo restores byte for byte")
def _():
    need_root()
    root = n100_ct()
    before = read(root, "etc/pve/lxc/101.conf")
    rc, out, err = run("lxc", "apply", "101", "--dri", root=root)
    check(rc == 0 and "applied" in out, f"rc {rc}: {out} {err}")
    after = read(root, "etc/pve/lxc/101.conf").decode()
    check(after.endswith("dev0: /dev/dri/renderD128,gid=104\ndev1: /dev/dri/card0,gid=44\n"),
          after)
    rc, out, err = run("lxc", "apply", "101", "--dri", root=root)
    check(rc == 0 and "nothing to change" in out, f"second: rc {rc}: {out}")
    rc, d, err = jrun("lxc", "plan", "101", "--dri", root=root)
    check(d["edits"] == [], "plan after apply is empty")
    rc, out, err = run("undo", root=root)
    check(rc == 0, f"undo rc {rc}: {err}")
    check(read(root, "etc/pve/lxc/101.conf") == before, "undo not byte-identical")


# ---- hookscript -------------------------------------------------------------

def vm_host():
    root = copy("intel-4090", "hook")
    put(root, "etc/pve/qemu-server/100.conf", VM)
    return root


@test("hookscript refuses a storage without snippets content, with the fix")
def _():
    root = vm_host()
    rc, out, err = run("hookscript", "plan", "100", "--device", "01:00.0",
                       "--reset-method", "flr", root=root)
    check(rc == 2 and "pvesm set local --content" in out and "snippets" in out,
          f"rc {rc}: {out} {err}")
    rc, out, err = run("hookscript", "plan", "100", "--device", "01:00.0",
                       "--reset-method", "flr", "--storage", "local-lvm", root=root)
    check(rc == 2 and "no directory" in out, f"rc {rc}: {out}")


@test("hookscript refuses an unknown method, a bad VMID, a VM without config")
def _():
    root = vm_host()
    storage_snippets(root)
    rc, out, err = run("hookscript", "plan", "100", "--device", "01:00.0",
                       "--reset-method", "hot_reset", root=root)
    check(rc == 64 and "device_specific acpi flr af_flr pm bus cxl_bus" in err, f"rc {rc}: {err}")
    rc, out, err = run("hookscript", "plan", "100", "--device", "01:00.0",
                       "--reset-method", "flr;reboot", root=root)
    check(rc == 64, f"rc {rc}")
    rc, out, err = run("hookscript", "plan", "42", "--device", "01:00.0",
                       "--reset-method", "flr", root=root)
    check(rc == 64, f"rc {rc}")
    rc, out, err = run("hookscript", "plan", "105", "--device", "01:00.0",
                       "--reset-method", "flr", root=root)
    check(rc == 66 and "has no config" in err, f"rc {rc}: {err}")
    rc, out, err = run("hookscript", "plan", "100", "--device", "01:00.0", root=root)
    check(rc == 64, f"nothing to do: rc {rc}")


@test("hookscript plan: the snippet, the hookscript line, the restore warning")
def _():
    root = vm_host()
    storage_snippets(root)
    rc, d, err = jrun("hookscript", "plan", "100", "--device", "01:00.0",
                      "--reset-method", "flr", "--rebind=nouveau", root=root)
    check(rc == 0, f"rc {rc}: {err}")
    paths = [e["path"] for e in d["edits"]]
    check(paths == ["/var/lib/vz/snippets/vfio-pilot-100.sh", "/etc/pve/qemu-server/100.conf"],
          paths)
    check("hookscript: local:snippets/vfio-pilot-100.sh" in added_lines(d), added_lines(d))
    check(any("restore" in n for n in d["notes"]), d["notes"])
    script = "".join(l[1:] + "\n" for l in d["edits"][0]["diff"].splitlines()
                     if l.startswith("+") and not l.startswith("+++"))
    check(script.startswith("#!/bin/sh\n") and "driver=nouveau\n" in script, script[:300])
    p = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True)
    check(p.returncode == 0, f"sh -n: {p.stderr}")
    behaviour(script)
    rc, d2, err = jrun("hookscript", "plan", "100", "--device", "01:00.0",
                       "--reset-method", "bus", root=root)
    check(any("not bus" in n for n in d2["notes"]), f"unlisted method not warned: {d2['notes']}")


@test("hookscript apply writes one snippet per VM, mode 0755; second run changes nothing")
def _():
    need_root()
    root = vm_host()
    storage_snippets(root)
    rc, out, err = run("hookscript", "100", "--device", "01:00.0", "--reset-method", "flr",
                       "--rebind", root=root)
    check(rc == 0, f"rc {rc}: {out} {err}")
    snip = os.path.join(root, "var/lib/vz/snippets/vfio-pilot-100.sh")
    mode = stat.S_IMODE(os.stat(snip).st_mode)
    check(mode == 0o755, f"mode {mode:o}")
    p = subprocess.run(["sh", "-n", snip], capture_output=True, text=True)
    check(p.returncode == 0, f"sh -n: {p.stderr}")
    text = open(snip).read()
    check("method=flr\n" in text and "dev=0000:01:00.0\n" in text, text[:400])
    conf = read(root, "etc/pve/qemu-server/100.conf").decode()
    check(conf.endswith("hookscript: local:snippets/vfio-pilot-100.sh\n"), conf)
    rc, out, err = run("hookscript", "100", "--device", "01:00.0", "--reset-method", "flr",
                       "--rebind", root=root)
    check(rc == 0 and "nothing to change" in out, f"second: rc {rc}: {out}")
    behaviour(text)


def behaviour(text):
    """Run the script against a fake device directory, never the real sysfs."""
    fake = os.path.join(TMP, "fakedev")
    os.makedirs(fake, exist_ok=True)
    script = os.path.join(TMP, "hook.sh")
    with open(script, "w") as f:
        f.write(re.sub(r"(?m)^sysdev=.*$", "sysdev=" + fake, text, count=1))
    for listed, want, logged in (("flr bus", "flr", "set to flr"),
                                 ("bus", "bus", "does not list flr")):
        with open(os.path.join(fake, "reset_method"), "w") as f:
            f.write(listed + "\n")
        p = subprocess.run(["sh", script, "100", "pre-start"], capture_output=True, text=True)
        check(p.returncode == 0, f"pre-start exit {p.returncode}: {p.stderr}")
        got = open(os.path.join(fake, "reset_method")).read().strip()
        check(got == want and logged in p.stderr, f"{listed!r}: {got!r} {p.stderr!r}")
    os.unlink(os.path.join(fake, "reset_method"))
    p = subprocess.run(["sh", script, "100", "pre-start"], capture_output=True, text=True)
    check(p.returncode == 0, "a missing reset_method must not fail pre-start")
    strict = re.sub(r"(?m)^strict=0$", "strict=1", open(script).read())
    with open(script, "w") as f:
        f.write(strict)
    p = subprocess.run(["sh", script, "100", "pre-start"], capture_output=True, text=True)
    check(p.returncode == 1, "--strict: a failed step fails pre-start")


@test("hookscript refuses to replace another hookscript of the VM")
def _():
    root = vm_host()
    storage_snippets(root)
    put(root, "etc/pve/qemu-server/100.conf", VM + "hookscript: local:snippets/mine.pl\n")
    rc, out, err = run("hookscript", "plan", "100", "--device", "01:00.0",
                       "--reset-method", "flr", root=root)
    check(rc == 2 and "mine.pl" in out, f"rc {rc}: {out}")


# ---- mapping -----------------------------------------------------------------

def two_nodes():
    a = copy("intel-4090", "node-a")
    b = copy("intel-4090", "node-b")
    set_hostname(b, "pve2")
    return a, b


MAP_RE = re.compile(r"^\tmap node=([A-Za-z0-9-]+),path=([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}"
                    r"(?:\.[0-9a-f])?),id=([0-9a-f]{4}:[0-9a-f]{4})"
                    r"(?:,subsystem-id=[0-9a-f]{4}:[0-9a-f]{4})?(?:,iommugroup=\d+)?$")


@test("mapping plan across two hosts with the same GPU: two map lines")
def _():
    a, b = two_nodes()
    node_a = open(os.path.join(a, "etc/hostname")).read().strip()
    rc, d, err = jrun("mapping", "plan", "rtx4090", "--device", "01:00.0", "--host", b, root=a)
    check(rc == 0, f"rc {rc}: {err}")
    check(d["edits"][0]["path"] == "/etc/pve/mapping/pci.cfg", d["edits"])
    lines = added_lines(d)
    check(lines[0] == "rtx4090", lines)
    maps = [MAP_RE.match(l) for l in lines[1:]]
    check(len(maps) == 2 and all(maps), lines)
    check([m.group(1) for m in maps] == [node_a, "pve2"], lines)
    check(all(m.group(3) == "10de:2684" for m in maps), lines)


@test("mapping refuses a host whose device id differs, and names it")
def _():
    a, b = two_nodes()
    rc, out, err = run("mapping", "plan", "gpu", "--device", "01:00", "--host", b,
                       "--host", os.path.join(FIX, "rtx5090"), root=a)
    other = open(os.path.join(FIX, "rtx5090", "etc/hostname")).read().strip()
    check(rc == 2 and f"refused: {other}" in out and "does not match" in out, f"rc {rc}: {out}")
    rc, out, err = run("mapping", "plan", "9bad", "--device", "01:00", root=a)
    check(rc == 64, f"bad id: rc {rc}")


@test("mapping apply: a pci.cfg that reads back (second apply: no change), undo")
def _():
    need_root()
    a, b = two_nodes()
    rc, out, err = run("mapping", "apply", "rtx4090", "--device", "01:00", "--host", b, root=a)
    check(rc == 0, f"rc {rc}: {out} {err}")
    text = read(a, "etc/pve/mapping/pci.cfg").decode()
    lines = text.splitlines()
    check(lines[0] == "rtx4090" and len(lines) == 3, text)
    check(all(MAP_RE.match(l) for l in lines[1:]), text)
    check(",path=0000:01:00," in lines[1], "a slot maps every function")
    # Read back through the library: the same maps are found, nothing to add.
    rc, out, err = run("mapping", "apply", "rtx4090", "--device", "01:00", "--host", b, root=a)
    check(rc == 0 and "nothing to change" in out, f"second: rc {rc}: {out} {err}")
    rc, out, err = run("undo", root=a)
    check(rc == 0 and not os.path.exists(os.path.join(a, "etc/pve/mapping/pci.cfg")),
          f"undo rc {rc}: {err}")



def p40_nodes():
    a = copy("dual-socket-p40", "p40-a")
    b = copy("dual-socket-p40", "p40-b")
    set_hostname(b, "pve-gpu02")
    return a, b


@test("mapping pool: two cards on each of two nodes give four map lines")
def _():
    a, b = p40_nodes()
    rc, d, err = jrun("mapping", "plan", "p40", "-d", "18:00", "-d", "3b:00.0", "--host", b,
                      root=a)
    check(rc == 0, f"rc {rc}: {err} {d.get('refusals')}")
    lines = added_lines(d)
    maps = [MAP_RE.match(l) for l in lines[1:]]
    check(lines[0] == "p40" and len(maps) == 4 and all(maps), lines)
    got = sorted((m.group(1), m.group(2)) for m in maps)
    check(got == [("pve-gpu01", "0000:18:00"), ("pve-gpu01", "0000:3b:00.0"),
                  ("pve-gpu02", "0000:18:00"), ("pve-gpu02", "0000:3b:00.0")], got)


@test("mapping pool: a second device for a node grows its pool, with a note")
def _():
    a, _ = p40_nodes()
    put(a, "etc/pve/mapping/pci.cfg",
        "p40\n\tmap node=pve-gpu01,path=0000:18:00,id=10de:1b38,"
        "subsystem-id=10de:11d9,iommugroup=2\n")
    rc, d, err = jrun("mapping", "plan", "p40", "-d", "3b:00", root=a)
    check(rc == 0, f"rc {rc}: {err} {d.get('refusals')}")
    lines = added_lines(d)
    check(len(lines) == 1 and ",path=0000:3b:00," in lines[0], lines)
    check(any("now offers 2 devices" in n for n in d["notes"]), d["notes"])


@test("mapping: an old map of the node that no longer holds is refused, not pooled")
def _():
    a, _ = p40_nodes()
    put(a, "etc/pve/mapping/pci.cfg",
        "p40\n\tmap node=pve-gpu01,path=0000:18:00,id=10de:1b38,subsystem-id=10de:11d9,"
        "iommugroup=7\n")
    rc, out, err = run("mapping", "plan", "p40", "-d", "3b:00", root=a)
    check(rc == 2 and "no longer holds" in out and "is in IOMMU group 2 now, the map says 7" in out,
          f"rc {rc}: {out} {err}")


@test("mapping pool: two functions of one card are not a pool")
def _():
    a, _ = two_nodes()
    rc, out, err = run("mapping", "plan", "gpu", "-d", "01:00.0", "-d", "01:00.1", root=a)
    check(rc == 2 and "functions of one card" in out, f"rc {rc}: {out} {err}")


def main():
    global BIN, FIX, TMP
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    BIN, FIX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    TMP = tempfile.mkdtemp(prefix="vp-pvecmds-")
    failed = 0
    print(f"1..{len(results)}")
    try:
        for i, (name, fn) in enumerate(results, 1):
            try:
                fn()
                print(f"ok {i} - {name}")
            except Skip as s:
                print(f"ok {i} - {name} # SKIP {s}")
            except Exception as e:  # noqa: BLE001
                failed += 1
                print(f"not ok {i} - {name}")
                for line in str(e).splitlines() or [repr(e)]:
                    print(f"# {line}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
