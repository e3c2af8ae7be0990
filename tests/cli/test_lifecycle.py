#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A host over months: host apply for one device, then another; a guide's
old vfio.conf; host release and status; the override paths (--acs-override,
vendor-reset at boot, the hookscript's rebind). Each runs on a copy of a
fixture host. Prints TAP.

usage: test_lifecycle.py VFIO_PILOT FIXTURES_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = FIX = TMP = None
results = []


class Skip(Exception):
    pass


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(*args, root):
    p = subprocess.run([BIN, "--root", root] + list(args), capture_output=True, text=True,
                       check=False, env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def jrun(*args, root):
    rc, out, err = run("--json", *args, root=root)
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError as e:
        raise AssertionError(f"{args}: not JSON ({e}): {out[:300]!r} {err!r}")


def copy(name, as_name):
    dst = os.path.join(TMP, as_name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(FIX, name), dst, symlinks=True)
    return dst


def put(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def read(root, rel):
    with open(os.path.join(root, rel)) as f:
        return f.read()


def need_root():
    if os.geteuid() != 0:
        raise Skip("apply needs root")


def tree(root):
    out = {}
    for base, dirs, files in os.walk(root):
        rel = os.path.relpath(base, root)
        if rel.startswith("var/lib/vfio-pilot"):
            continue
        for n in files:
            p = os.path.join(base, n)
            st = os.lstat(p)
            data = os.readlink(p) if os.path.islink(p) else open(p, "rb").read()
            out[os.path.join(rel, n)] = (st.st_mode, data)
    return out


def active(root, subdir, pattern):
    """Uncommented lines matching @pattern in every file of @subdir: (file, line)."""
    hits = []
    d = os.path.join(root, subdir)
    for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        for line in read(root, os.path.join(subdir, n)).splitlines():
            if not line.lstrip().startswith("#") and re.search(pattern, line):
                hits.append((n, line))
    return hits


def given(root):
    rc, d, err = jrun("host", "status", root=root)
    check(rc in (0, 1), f"host status: {rc} {err}")
    return [g["address"] for g in d["given"]], d


@test("GPU, then an HBA months later: both stay given; undo of the second restores the first")
def _():
    need_root()
    root = copy("intel-4090", "story")
    rc, out, err = run("host", "apply", "-d", "01:00", root=root)
    check(rc == 0, f"first apply: {rc} {out} {err}")
    first = tree(root)
    rc, d, err = jrun("host", "plan", "-d", "06:00.0", root=root)
    check(rc == 0 and not d["refusals"], f"second plan: {rc} {d['refusals']}")
    diff = "".join(e["diff"] for e in d["edits"])
    removed = [l for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
    check(all("ids=10de:2684,10de:22ba" in l for l in removed),
          f"the second plan removes lines of the first: {removed}")
    check(any("kept 0000:01:00.0" in n and "vfio-pilot.conf:3" in n for n in d["notes"]),
          f"the GPU is shown as kept, with its line: {d['notes']}")
    rc, out, err = run("host", "apply", "-d", "06:00.0", root=root)
    check(rc == 0, f"second apply: {rc} {out} {err}")
    conf = read(root, "etc/modprobe.d/vfio-pilot.conf").splitlines()
    check("options vfio-pci ids=10de:2684,10de:22ba,1b21:0612" in conf, f"ids: {conf}")
    for line in ("softdep nouveau pre: vfio-pci", "softdep snd_hda_intel pre: vfio-pci",
                 "softdep ahci pre: vfio-pci", "blacklist nouveau"):
        check(line in conf, f"{line!r} missing: {conf}")
    addrs, _ = given(root)
    check(addrs == ["0000:01:00.0", "0000:01:00.1", "0000:06:00.0"], f"status: {addrs}")
    rc, out, err = run("host", "plan", "-d", "06:00.0", root=root)
    check(rc == 0 and "nothing to change" in out, f"plan after apply: {rc} {out}")
    rc, out, err = run("undo", root=root)
    check(rc == 0, f"undo: {rc} {out} {err}")
    check(tree(root) == first, "undo of the second apply restores the first apply's files")


@test("host release takes one device back; host status then lists only the rest")
def _():
    need_root()
    root = copy("intel-4090", "release")
    for dev in ("01:00", "06:00.0"):
        rc, out, err = run("host", "apply", "-d", dev, root=root)
        check(rc == 0, f"apply {dev}: {rc} {out} {err}")
    rc, out, err = run("host", "release", "-d", "01:00", root=root)
    check(rc == 0 and "released 0000:01:00.0" in out, f"release: {rc} {out} {err}")
    conf = read(root, "etc/modprobe.d/vfio-pilot.conf").splitlines()
    check("options vfio-pci ids=1b21:0612" in conf, f"ids after release: {conf}")
    check("blacklist nouveau" not in conf and "softdep nouveau pre: vfio-pci" not in conf,
          f"the GPU's lines stay after release: {conf}")
    check("softdep ahci pre: vfio-pci" in conf, f"the HBA's softdep went: {conf}")
    addrs, d = given(root)
    check(addrs == ["0000:06:00.0"], f"status after release: {addrs}")
    src = d["given"][0]["sources"][0]
    check(src["file"] == "/etc/modprobe.d/vfio-pilot.conf" and src["line"] == 3 and
          src["vfio_pilot"], f"source: {src}")
    rc, out, err = run("host", "status", root=root)
    check(rc == 0 and "0000:06:00.0" in out and "vfio-pilot.conf:3" in out and
          "0000:01:00.0" not in out.split("Passthrough settings")[0], f"text status: {out}")
    rc, out, err = run("host", "release", "-d", "01:00", root=root)
    check(rc == 2 and "nothing to release" in out, f"release of a device not given: {rc} {out}")
    rc, out, err = run("host", "release", root=root)
    check(rc == 64, f"release without --device: {rc}")
    rc, out, err = run("host", "release", "-d", "06:00.0", root=root)
    check(rc == 0, f"release of the last one: {rc} {out} {err}")
    check(not active(root, "etc/modprobe.d", r"vfio.pci"), "nothing given any more")
    check(given(root)[0] == [], "status: nothing given")


@test("doctor lists what is given away and by which line")
def _():
    need_root()
    root = copy("intel-4090", "doctor")
    rc, out, err = run("host", "apply", "-d", "06:00.0", root=root)
    check(rc == 0, f"apply: {rc} {out} {err}")
    rc, d, err = jrun("doctor", root=root)
    f = [x for x in d["findings"] if x["id"] == "vfio.given"]
    check(len(f) == 1 and "0000:06:00.0" in f[0]["summary"] and
          "vfio-pilot.conf:3" in f[0]["summary"], f"vfio.given: {f}")


@test("identical cards, a guide's vfio.conf: refused naming file and line; --adopt makes one file")
def _():
    need_root()
    root = copy("twin-gpus-ids", "twins")
    before = tree(root)
    rc, d, err = jrun("host", "plan", "-d", "0c:00", root=root)
    check(rc == 2 and any("/etc/modprobe.d/vfio.conf:1" in r and "--adopt" in r and
                          "0000:0b:00.0" in r for r in d["refusals"]),
          f"refusal: {rc} {d['refusals']}")
    rc, out, err = run("host", "apply", "-d", "0c:00", root=root)
    check(rc == 2 and tree(root) == before, f"apply without --adopt writes nothing: {rc}")
    rc, out, err = run("host", "apply", "--adopt", "-d", "0c:00", root=root)
    check(rc == 0, f"apply --adopt: {rc} {out} {err}")
    ids = active(root, "etc/modprobe.d", r"options\s+vfio.pci.*ids=")
    check(not ids, f"an ids line still claims the console card: {ids}")
    deps = active(root, "etc/modprobe.d", r"pre:.*vfio.pci")
    check(deps and all(f == "vfio-pilot.conf" for f, _ in deps),
          f"passthrough lines live in vfio-pilot's file only: {deps}")
    overrides = active(root, "etc/udev/rules.d", r"driver_override")
    check(sorted(re.search(r'KERNEL=="([^"]+)"', l).group(1) for _, l in overrides) ==
          ["0000:0c:00.0", "0000:0c:00.1"], f"overrides: {overrides}")
    addrs, _ = given(root)
    check(addrs == ["0000:0c:00.0", "0000:0c:00.1"], f"status: {addrs}")
    rc, out, err = run("host", "plan", "-d", "0c:00", root=root)
    check(rc == 0 and "nothing to change" in out, f"second plan: {rc} {out}")
    rc, out, err = run("undo", root=root)
    check(rc == 0 and tree(root) == before, f"the guide's file is backed up and restored: {rc}")


@test("a guide's vfio.conf with our ids: merged, never a second file with the same ids")
def _():
    need_root()
    root = copy("intel-4090", "dup")
    put(root, "etc/modprobe.d/vfio.conf",
        "options vfio-pci ids=10de:2684,10de:22ba disable_vga=1\nsoftdep nouveau pre: vfio-pci\n")
    rc, out, err = run("host", "apply", "-d", "01:00", root=root)
    check(rc == 0, f"apply: {rc} {out} {err}")
    ids = active(root, "etc/modprobe.d", r"options\s+vfio.pci.*ids=")
    check(ids == [("vfio-pilot.conf", "options vfio-pci ids=10de:2684,10de:22ba")], f"ids: {ids}")
    check(("vfio-pilot.conf", "options vfio-pci disable_vga=1") in
          active(root, "etc/modprobe.d", r"disable_vga"), "the guide's other option is kept")
    left = [l for f, l in active(root, "etc/modprobe.d", r".") if f == "vfio.conf"]
    check(not left, f"the guide's file keeps active lines: {left}")
    rc, out, err = run("host", "plan", "-d", "01:00", root=root)
    check(rc == 0 and "nothing to change" in out, f"second plan: {rc} {out}")
    rc, out, err = run("host", "apply", "-d", "06:00.0", root=root)
    check(rc == 0 and "options vfio-pci disable_vga=1" in
          read(root, "etc/modprobe.d/vfio-pilot.conf").splitlines(),
          f"a later apply keeps the moved option: {rc} {out} {err}")


@test("a device given before but absent now (card out for repair) stays given")
def _():
    need_root()
    root = copy("intel-4090", "absent")
    rc, out, err = run("host", "apply", "-d", "01:00", root=root)
    check(rc == 0, f"apply: {rc} {out} {err}")
    conf = os.path.join(root, "etc/modprobe.d/vfio-pilot.conf")
    text = read(root, "etc/modprobe.d/vfio-pilot.conf").replace(
        "ids=10de:2684,10de:22ba", "ids=10de:2684,10de:22ba,1234:5678")
    with open(conf, "w") as f:
        f.write(text)
    rc, d, err = jrun("host", "plan", "-d", "06:00.0", root=root)
    added = [l for e in d["edits"] for l in e["diff"].splitlines() if l.startswith("+options")]
    check(rc == 0 and added == ["+options vfio-pci ids=10de:2684,10de:22ba,1b21:0612,1234:5678"],
          f"{rc} {added} {d['refusals']}")
    check(any("1234:5678" in n and "not on the host" in n or "no device" in n for n in d["notes"]),
          f"note: {d['notes']}")


@test("VFIO modules another tool loads from modules-load.d get no second line")
def _():
    root = copy("intel-4090", "modload")
    put(root, "etc/modules-load.d/vfio.conf", "vfio\nvfio-pci\n")
    rc, d, err = jrun("host", "plan", "-d", "01:00", root=root)
    mods = [l[1:] for e in d["edits"] if e["path"] == "/etc/modules"
            for l in e["diff"].splitlines() if l.startswith("+") and not l.startswith("+++")]
    check(rc == 0 and mods == ["vfio_iommu_type1"], f"{rc} {mods}")
    check(any("modules-load.d/vfio.conf:2" in n for n in d["notes"]), f"notes: {d['notes']}")


@test("a later apply keeps the opt-in options of an earlier one")
def _():
    need_root()
    root = copy("intel-4090", "opts")
    rc, out, err = run("host", "apply", "-d", "01:00", "--disable-idle-d3", "--ignore-msrs",
                       root=root)
    check(rc == 0, f"apply: {rc} {out} {err}")
    rc, out, err = run("host", "apply", "-d", "06:00.0", root=root)
    conf = read(root, "etc/modprobe.d/vfio-pilot.conf").splitlines()
    check(rc == 0 and "options vfio-pci disable_idle_d3=1" in conf and
          "options kvm ignore_msrs=1 report_ignored_msrs=0" in conf, f"{rc} {conf}")


@test("a setting vfio-pilot cannot edit (kernel command line) that takes the console: refused")
def _():
    root = copy("twin-gpus", "cmdline")
    cmd = read(root, "proc/cmdline").strip()
    put(root, "proc/cmdline", cmd + " vfio-pci.ids=10de:2204,10de:1aef\n")
    rc, d, err = jrun("host", "plan", "-d", "0c:00", "--adopt", root=root)
    check(rc == 2 and any("/proc/cmdline" in r and "0000:0b:00.0" in r for r in d["refusals"]),
          f"cmdline refusal: {rc} {d['refusals']}")


@test("--acs-override applies on a shared group, with its warning")
def _():
    need_root()
    root = copy("b550", "acs")
    rc, d, err = jrun("host", "plan", "-d", "04:00", root=root)
    check(rc == 2 and any("IOMMU group" in r for r in d["refusals"]), f"without: {d['refusals']}")
    rc, d, err = jrun("host", "plan", "-d", "04:00", "--acs-override", root=root)
    check(rc == 0 and not d["refusals"], f"with --acs-override: {rc} {d['refusals']}")
    check(any("WARNING" in n and "peer-to-peer" in n for n in d["notes"]), f"warning: {d['notes']}")
    rc, out, err = run("host", "apply", "-d", "04:00", "--acs-override", root=root)
    check(rc == 0 and "pcie_acs_override=downstream,multifunction" in
          read(root, "etc/default/grub"), f"apply: {rc} {out} {err}")


@test("vendor-reset is loaded at boot when the plan relies on it")
def _():
    root = copy("rx5700xt", "vreset")
    rc, d, err = jrun("host", "plan", "-d", "03:00", root=root)
    edits = {e["path"]: e for e in d["edits"]}
    rules = edits["/etc/udev/rules.d/70-vfio-pilot.rules"]["diff"]
    check('ATTR{reset_method}="device_specific"' in rules, "the reset_method rule")
    mods = [l[1:] for l in edits["/etc/modules"]["diff"].splitlines()
            if l.startswith("+") and not l.startswith("+++")]
    check("vendor_reset" in mods, f"/etc/modules: {mods}")
    check("update-initramfs -u -k all" in [" ".join(c["argv"]) for c in d["commands"]],
          "initramfs rebuilt with it")
    # The udev rule goes into the initramfs (initramfs-tools hooks/udev) and
    # runs there first: vendor-reset must be loaded there too.
    early = [l[1:] for l in edits["/etc/initramfs-tools/modules"]["diff"].splitlines()
             if l.startswith("+") and not l.startswith("+++")]
    check("vendor_reset" in early, f"initramfs-tools/modules: {early}")


@test("vendor-reset: Debian's initramfs-tools/modules is kept, and a listed vendor-reset not doubled")
def _():
    root = copy("rx5700xt", "vreset2")
    debian = ("# List of modules that you want to include in your initramfs.\n"
              "# They will be loaded at boot time in the order below.\n#\n"
              "# Syntax:  module_name [args ...]\n#\n"
              "# You must run update-initramfs(8) to effect this change.\n#\n"
              "# Examples:\n#\n# raid1\n# sd_mod\n")
    put(root, "etc/initramfs-tools/modules", debian)
    rc, d, err = jrun("host", "plan", "-d", "03:00", root=root)
    edits = {e["path"]: e for e in d["edits"]}
    diff = edits["/etc/initramfs-tools/modules"]["diff"]
    added = [l[1:] for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
    removed = [l for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
    check(added == ["vendor_reset"] and not removed, diff)
    put(root, "etc/initramfs-tools/modules", debian + "vendor-reset\n")
    rc, d, err = jrun("host", "plan", "-d", "03:00", root=root)
    check("/etc/initramfs-tools/modules" not in [e["path"] for e in d["edits"]],
          [e["path"] for e in d["edits"]])


VM = ("boot: order=scsi0\ncores: 8\nmemory: 16384\nname: win11\nostype: win11\n"
      "scsi0: local-lvm:vm-100-disk-0,size=100G\nhostpci0: 0000:03:00,pcie=1,x-vga=1\n"
      "machine: q35\nbios: ovmf\n")


def snippets(root):
    p = os.path.join(root, "etc/pve/storage.cfg")
    text = re.sub(r"(dir: local\n\tpath /var/lib/vz\n\tcontent )([^\n]*)",
                  lambda m: m.group(1) + m.group(2) + ",snippets", read(root, "etc/pve/storage.cfg"))
    with open(p, "w") as f:
        f.write(text)


@test("the hookscript's rebind loads its driver and never one the host plan blacklists")
def _():
    need_root()
    root = copy("rx5700xt", "hook")
    put(root, "etc/pve/qemu-server/100.conf", VM)
    snippets(root)
    rc, d, err = jrun("hookscript", "plan", "100", "--device", "03:00.0", "--rebind", root=root)
    check(rc == 0, f"before host apply: {rc} {d.get('refusals')} {err}")
    script = "".join(l[1:] + "\n" for l in d["edits"][0]["diff"].splitlines()
                     if l.startswith("+") and not l.startswith("+++"))
    body = script.split("rebind() {")[1].split("\n}\n")[0]
    check('modprobe "$driver"' in body and
          body.index('modprobe "$driver"') < body.index("drivers_probe"),
          f"rebind loads the driver before the probe: {body}")
    rc, out, err = run("host", "apply", "-d", "03:00", root=root)
    check(rc == 0 and "blacklist amdgpu" in read(root, "etc/modprobe.d/vfio-pilot.conf"),
          f"host apply blacklists amdgpu: {rc} {out} {err}")
    rc, d, err = jrun("hookscript", "plan", "100", "--device", "03:00.0", "--rebind", root=root)
    check(rc == 2 and any("amdgpu" in r and "blacklisted" in r for r in d["refusals"]),
          f"rebind to a blacklisted driver: {rc} {d['refusals']}")
    check(not any("driver=amdgpu" in e["diff"] for e in d["edits"]), "no script names amdgpu")


@test("a host plan never blacklists the driver a vfio-pilot hookscript rebinds to")
def _():
    need_root()
    root = copy("rx5700xt", "hook2")
    put(root, "etc/pve/qemu-server/100.conf", VM)
    snippets(root)
    rc, out, err = run("hookscript", "apply", "100", "--device", "03:00.0", "--rebind", root=root)
    check(rc == 0 and "hookscript: local:snippets/vfio-pilot-100.sh" in
          read(root, "etc/pve/qemu-server/100.conf"), f"hookscript apply: {rc} {out} {err}")
    rc, d, err = jrun("host", "plan", "-d", "03:00", root=root)
    conf = [l for e in d["edits"] if e["path"] == "/etc/modprobe.d/vfio-pilot.conf"
            for l in e["diff"].splitlines()]
    check(rc == 0 and "+softdep amdgpu pre: vfio-pci" in conf and "+blacklist amdgpu" not in conf,
          f"{rc} {conf}")
    check(any("amdgpu is not blacklisted" in n and "VM 100" in n for n in d["notes"]),
          f"notes: {d['notes']}")


def main():
    global BIN, FIX, TMP
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    BIN, FIX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    TMP = tempfile.mkdtemp(prefix="vp-lifecycle-")
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
