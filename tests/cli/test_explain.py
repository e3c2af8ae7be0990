#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run `vfio-pilot explain` on the real-world corpus and on made-up edge cases.

Each corpus log's expected signatures are written here by hand from the file's
'# note:' header (what really happened to the poster), not from the tool's
output. A corpus file without a hand-written expectation is still run and
checked for sane output. The corpus lives in ../shared/corpus next to the
repository, or wherever VP_CORPUS points; without it those tests are skipped.
With VP_FIXTURES (the generated fixture hosts) the --root part is tested too.
Prints TAP.

usage: test_explain.py VFIO_PILOT
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.environ.get("VP_CORPUS") or os.path.join(REPO, "..", "shared", "corpus")
FIXTURES = os.environ.get("VP_FIXTURES")
BIN = None
results = []

EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_NOINPUT = 0, 1, 64, 66

# file -> (outcome from the note, expected signature ids, devices, groups).
# Outcome "failed" or "worked" as the poster reported it; a log that shows
# nothing of the failure (Code 43 inside the guest) expects no signature.
EXPECT = {
    "dmesg/gvt-d-igpu-guest-reboot-dmar-read-storm-TRUNCATED.txt":
        # storm of DMAR DMA Read faults from the iGPU after guest reboot
        ("failed", {"dmar-fault"}, {"0000:00:02.0"}, set()),
    "dmesg/hp-server-dmar-rmrr-ineligible-harvester.txt":
        # VT-d refuses the RMRR-covered NIC; 2nd line: relax-intel-rmrr kernel
        ("failed", {"rmrr-ineligible", "rmrr-relaxed"}, {"0000:04:00.1"}, set()),
    "dmesg/nvidia-d3cold-not-ready-rminitadapter-failed-0x22-0x56-TRUNCATED.txt":
        # stuck in D3cold, not ready after resume, RmInitAdapter fails
        ("failed", {"device-not-ready", "nvrm-rminitadapter"}, {"0000:01:00.0"}, set()),
    "dmesg/pve-65-i915-sriov-pf-cmdline-code43-TRUNCATED.txt":
        # Code 43 is in the Windows guest; this host log is a healthy i915 PF start
        ("failed", set(), set(), set()),
    "dmesg/pve-n305-dmar-iommu-enabled-inconsistent-features.txt":
        # healthy VT-d init, benign 'inconsistent' lines; SR-IOV worked
        ("worked", set(), set(), set()),
    "dmesg/pve84-i915-sriov-dmar-pte-read-fault-TRUNCATED.txt":
        # repeated DMAR DMA Read faults from the iGPU
        ("failed", {"dmar-fault"}, {"0000:00:02.0"}, set()),
    "dmesg/rpi-no-iommu-group-vfio-probe-failed-error-22.txt":
        # no IOMMU group, vfio-pci probe fails with -22 (debug printks are not stock)
        # and disable_vga, which ARM builds of vfio_pci lack, is ignored
        ("failed", {"vfio-probe-einval", "module-unknown-param"}, {"0001:01:00.0"}, set()),
    "dmesg/ubuntu44-acs-override-patched-kernel-iommu-grouping.txt":
        # ACS override patch active; passthrough worked
        ("worked", {"acs-override-active"}, set(), set()),
    "task_log/libvirt-group-not-viable-arch-gpu-rom.txt":
        # group 2 with GPU 09:00.0 not viable
        ("failed", {"group-not-viable"}, {"0000:09:00.0"}, {2}),
    "task_log/libvirt-gvt-mdev-failed-to-set-iommu-for-container-eio.txt":
        # mdev (no PCI address): failed to setup container for group 11, EIO
        ("failed", {"container-iommu-failed"}, set(), {11}),
    "task_log/pve-qm-start-7840hs-reset-inappropriate-ioctl.txt":
        # 780M iGPU has no reset: sysfs reset ENOTTY
        ("failed", {"sysfs-reset-enotty"}, {"0000:c6:00.0"}, set()),
    "task_log/pve-vendor-reset-hookscript-unsupported-reset-method-qemu-assert.txt":
        # reset_method write refused, QEMU pci_irq_handler assert, TASK ERROR
        ("failed", {"reset-method-unsupported", "qemu-irq-assert", "qemu-exited"},
         {"0000:0f:00.0"}, set()),
    "task_log/qemu-cannot-reset-depends-on-group-not-owned-rembrandt-audio.txt":
        # audio 33:00.6 cannot be reset: depends on group 16 (the iGPU), not owned
        ("failed", {"reset-group-not-owned"}, {"0000:33:00.6"}, {16}),
}

# Real outputs of other kinds that hold no failure message: nothing may match.
QUIET_DIRS = ("lspci", "qm_showcmd", "vm_config", "cmdline", "iommu_groups")


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


def run(*args, stdin=None, root=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, input=stdin, check=False,
                       env=dict(os.environ, LC_ALL="C"), timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def jrun(*args, stdin=None, root=None):
    rc, out, err = run("--json", *args, stdin=stdin, root=root)
    check(rc >= 0, f"{args}: killed by signal {-rc}")
    try:
        return rc, json.loads(out.decode("utf-8")), err
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AssertionError(f"{args}: not JSON ({e}): {out[:200]!r} {err!r}")


def need_corpus():
    if not os.path.isdir(os.path.join(CORPUS, "dmesg")):
        raise Skip(f"no corpus at {CORPUS} (set VP_CORPUS)")


def sane(doc, path):
    """Invariants of every explain document."""
    check(doc["command"] == "explain", "command")
    check(list(doc)[:3] == ["schema", "command", "root"], f"key order {list(doc)}")
    lines = doc["lines"]
    check(lines["matched"] + lines["skipped"] <= lines["read"], f"{path}: counts {lines}")
    ids = [s["id"] for s in doc["signatures"]]
    check(len(ids) == len(set(ids)), f"{path}: a signature listed twice: {ids}")
    firsts = [s["lines"][0]["line"] for s in doc["signatures"]]
    check(firsts == sorted(firsts), f"{path}: not in the order of first lines")
    for s in doc["signatures"]:
        check(list(s) == ["id", "title", "severity", "where", "devices", "groups",
                          "match_count", "lines", "cause", "fix", "source", "host"],
              f"{s['id']}: key order {list(s)}")
        check(s["match_count"] >= len(s["lines"]) >= 1, f"{s['id']}: lines")
        check(all(1 <= x["line"] <= lines["read"] for x in s["lines"]),
              f"{s['id']}: line numbers")
        check(s["cause"] and s["fix"] and s["source"], f"{s['id']}: cause/fix/source")
    finds = doc["paste"]["findings"]
    check(doc["verdict"] == ("recognised" if ids or finds else "nothing-recognised"),
          "verdict")
    return ids


def corpus_file(rel, expect):
    need_corpus()
    path = os.path.join(CORPUS, rel)
    outcome, want, devs, groups = expect
    rc, doc, err = jrun("explain", path)
    ids = sane(doc, rel)
    check(set(ids) == want, f"{rel}: got {sorted(ids)}, expected {sorted(want)}")
    finds = doc["paste"]["findings"]
    check(rc == (EXIT_OK if want or finds else EXIT_NOTHING), f"{rel}: exit {rc} {err}")
    got_devs = {d for s in doc["signatures"] for d in s["devices"]}
    got_groups = {g for s in doc["signatures"] for g in s["groups"]}
    check(got_devs == devs, f"{rel}: devices {sorted(got_devs)}, expected {sorted(devs)}")
    check(got_groups == groups, f"{rel}: groups {sorted(got_groups)}, expected {groups}")
    sev = {s["severity"] for s in doc["signatures"]}
    if outcome == "worked":
        check("error" not in sev, f"{rel}: worked for the poster, but errors: {ids}")
    elif want:
        check(sev & {"error", "warning"}, f"{rel}: failed for the poster, only {sev}")
    check(doc["root"] is None and all(s["host"] is None for s in doc["signatures"]),
          f"{rel}: host details without --root")


def corpus_unexpected(rel):
    """A corpus log nobody wrote an expectation for: run it, check sanity."""
    need_corpus()
    rc, doc, err = jrun("explain", os.path.join(CORPUS, rel))
    ids = sane(doc, rel)
    finds = doc["paste"]["findings"]
    check(rc == (EXIT_OK if ids or finds else EXIT_NOTHING), f"{rel}: exit {rc} {err}")
    print(f"# {rel}: no hand-written expectation; explain found {ids}")


@test("every dmesg and task_log corpus file has a hand-written expectation")
def corpus_complete():
    need_corpus()
    have = {f"{d}/{n}" for d in ("dmesg", "task_log")
            for n in os.listdir(os.path.join(CORPUS, d)) if n.endswith(".txt")}
    missing = sorted(have - set(EXPECT))
    gone = sorted(set(EXPECT) - have)
    check(not gone, f"expected files missing from the corpus: {gone}")
    if missing:
        raise Skip(f"new corpus files without expectations: {missing}")


@test("other real outputs (lspci, qm showcmd, VM configs, cmdlines, groups) match no "
      "signature and raise no error")
def corpus_quiet():
    need_corpus()
    for d in QUIET_DIRS:
        top = os.path.join(CORPUS, d)
        for n in sorted(os.listdir(top)) if os.path.isdir(top) else []:
            rc, doc, err = jrun("explain", os.path.join(top, n))
            ids = sane(doc, n)
            finds = doc["paste"]["findings"]
            errors = [f["id"] for f in finds if f["severity"] == "error"]
            check(not ids and not errors, f"{d}/{n}: matched {ids}, errors {errors}")
            check(rc == (EXIT_OK if finds else EXIT_NOTHING), f"{d}/{n}: exit {rc}")


@test("text output: lines with numbers, cause, fix, counts and verdict")
def text_output():
    need_corpus()
    rel = "task_log/qemu-cannot-reset-depends-on-group-not-owned-rembrandt-audio.txt"
    rc, out, err = run("explain", os.path.join(CORPUS, rel))
    out = out.decode()
    check(rc == EXIT_OK, f"exit {rc} {err}")
    for want in ("reset-group-not-owned (warning;", "device: 0000:33:00.6",
                 "IOMMU group: 16", "line 3: qemu-system-x86_64: vfio: Cannot reset",
                 "line 4: ", "  cause: ", "  fix: ", "  source: ",
                 "4 lines read, 2 matched, 0 not recognised, 2 blank or comment.",
                 "Verdict: 1 known signature recognised, 0 findings from the facts.",
                 "Sections: qemu (lines 3-4)"):
        check(want in out, f"missing {want!r} in:\n{out}")
    rel = "dmesg/pve-n305-dmar-iommu-enabled-inconsistent-features.txt"
    rc, out, err = run("explain", os.path.join(CORPUS, rel))
    check(rc == EXIT_NOTHING and b"Verdict: nothing recognised" in out, f"{rc} {out!r}")


@test("standard input ('-') gives what the file gives")
def stdin_same():
    need_corpus()
    rel = "task_log/pve-vendor-reset-hookscript-unsupported-reset-method-qemu-assert.txt"
    with open(os.path.join(CORPUS, rel), "rb") as f:
        data = f.read()
    rc1, a, _ = jrun("explain", os.path.join(CORPUS, rel))
    rc2, b, err = jrun("explain", "-", stdin=data)
    check(rc1 == rc2 == EXIT_OK, f"exit {rc1} {rc2} {err}")
    check(b["input"] == "-", "input name")
    check(a["signatures"] == b["signatures"] and a["lines"] == b["lines"],
          "stdin and file differ")
    rc, doc, err = jrun("explain", "-", stdin=b"")
    check(rc == EXIT_NOTHING and doc["lines"]["read"] == 0, f"empty stdin: {rc} {doc}")


@test("made-up logs: journal prefix, CRLF, colours, no newline at the end")
def formats():
    log = (b"Mar 01 12:00:00 pve kernel: vfio-pci 0000:01:00.0: BAR 1: can't reserve "
           b"[mem 0xc0000000-0xcfffffff 64bit pref]\r\n"
           b"\x1b[33mvfio-pci 0000:01:00.0: \x1b[0mUnsupported reset method 'flr'\n"
           b"\n"
           b"   # a comment\n"
           b"kvm: vfio: Cannot reset device 0000:00:1f.3, no available reset mechanism.")
    rc, doc, err = jrun("explain", "-", stdin=log)
    ids = sane(doc, "formats")
    check(ids == ["bar-cannot-reserve", "reset-method-unsupported", "reset-no-mechanism"],
          f"got {ids}")
    check(doc["lines"] == {"read": 5, "matched": 3, "skipped": 2, "cut": 0, "binary": 0},
          f"counts {doc['lines']}")
    check(doc["signatures"][0]["lines"][0]["text"].endswith("64bit pref]"), "CR kept")
    check(doc["signatures"][2]["devices"] == ["0000:00:1f.3"], "device of the last line")
    # A known line twice and an unknown one: one signature, two lines, counted.
    log = b"TASK ERROR: start failed: QEMU exited with code 1\nfoo\n" * 2
    rc, doc, err = jrun("explain", "-", stdin=log)
    check(rc == EXIT_OK and len(doc["signatures"]) == 1, f"{rc} {doc['signatures']}")
    check(doc["signatures"][0]["match_count"] == 2, "match count")
    check(doc["lines"]["read"] == 4 and doc["lines"]["matched"] == 2, f"{doc['lines']}")


@test("binary and huge input: no crash, valid JSON, lines cut and counted")
def binary_input():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "junk.bin")
        junk = bytes(range(256)) * 64 + b"\xff\xfe\x00\xc3(\xed\xa0\x80"
        with open(path, "wb") as f:
            f.write(junk + b"\n")
            f.write(b"\x00\x01vfio: Unable to power on device, stuck in D3\xff\xc0\n")
            f.write(b"A" * 200000 + b"\n")
            f.write(b"No devices were found" + b"\x00" * 70000 + b"\n")
            f.write(os.urandom(300000))
        rc, doc, err = jrun("explain", path)
        ids = sane(doc, "junk")
        check(rc == EXIT_OK, f"exit {rc} {err}")
        check({"vfio-stuck-d3", "nvidia-smi-no-devices"} <= set(ids), f"got {ids}")
        check(doc["lines"]["binary"] >= 2 and doc["lines"]["cut"] >= 2, f"{doc['lines']}")
        for s in doc["signatures"]:
            for x in s["lines"]:
                check(len(x["text"].encode()) <= 1100, f"{s['id']}: kept line too long")
        rc, out, err = run("explain", path)
        check(rc == EXIT_OK and b"Verdict:" in out, f"text mode: {rc} {err}")
        out.decode("utf-8")  # text mode is valid UTF-8 too
        # Only junk: nothing recognised.
        path2 = os.path.join(tmp, "only.bin")
        with open(path2, "wb") as f:
            f.write(bytes(range(256)) * 1000)
        rc, doc, err = jrun("explain", path2)
        check(rc == EXIT_NOTHING and not doc["signatures"], f"{rc} {doc['signatures']}")


@test("missing file, directory and usage errors")
def errors():
    rc, out, err = run("explain", "/nonexistent/vfio-pilot-explain.log")
    check(rc == EXIT_NOINPUT and "cannot read" in err, f"missing: {rc} {err}")
    rc, out, err = run("--json", "explain", "/nonexistent/x.log")
    check(rc == EXIT_NOINPUT and not out, f"missing --json: {rc} {out!r}")
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = run("explain", tmp)
        check(rc == EXIT_NOINPUT, f"directory: {rc} {err}")
        log = os.path.join(tmp, "a.log")
        open(log, "w").close()
        for args in ([], [log, log], ["--symptom", "code 43", log], ["--list", log],
                     ["--list", "--symptom", "x"], ["--no-such-option", log],
                     ["--symptom"]):
            rc, out, err = run("explain", *args)
            check(rc == EXIT_USAGE, f"{args}: exit {rc}, expected 64 ({err})")
    rc, out, err = run("explain", "--help")
    check(rc == EXIT_OK and b"--symptom" in out, f"help: {rc} {out!r}")


@test("--symptom: the six symptoms, their causes and signatures; unknown is exit 1")
def symptoms():
    rc, lst, err = jrun("explain", "--list")
    check(rc == EXIT_OK, f"--list: {rc} {err}")
    sig_ids = {s["id"] for s in lst["signatures"]}
    check(len(sig_ids) == len(lst["signatures"]), "--list: ids unique")
    for text, sid in (("black screen", "black-screen"), ("Code 43", "code-43"),
                      ("host freezes when the VM stops", "host-freeze-on-stop"),
                      ("VM won't start", "vm-wont-start"),
                      ("GPU missing in the guest", "gpu-missing-in-guest"),
                      ('nvidia-smi "No devices were found"', "nvidia-smi-no-devices")):
        rc, doc, err = jrun("explain", "--symptom", text)
        check(rc == EXIT_OK and doc["verdict"] == "known", f"{text}: {rc} {err}")
        check(doc["symptom"]["id"] == sid, f"{text}: got {doc['symptom']['id']}")
        check(doc["symptom"]["causes"], f"{text}: no causes")
        for c in doc["symptom"]["causes"]:
            check(c["cause"] and c["check"] and c["fix"] and c["source"], f"{sid}: fields")
            check(set(c["signatures"]) <= sig_ids, f"{sid}: unknown {c['signatures']}")
        rc, out, err = run("explain", "--symptom", text)
        check(rc == EXIT_OK and out.decode().startswith(sid + ": "), f"{text}: text")
    rc, doc, err = jrun("explain", "--symptom", "purple elephants")
    check(rc == EXIT_NOTHING and doc["symptom"] is None, f"unknown: {rc} {doc}")
    check("code-43" in doc["known_symptoms"], "known symptoms listed")
    rc, out, err = run("explain", "--symptom", "purple elephants")
    check(rc == EXIT_NOTHING and b"black-screen" in out, f"unknown text: {rc}")
    # Code 43 on NVIDIA is a pre-R465 matter only (seed-corrections.md).
    rc, doc, err = jrun("explain", "--symptom", "code 43")
    nv = [c for c in doc["symptom"]["causes"] if "code43-nvidia" in c["signatures"]]
    check(nv and "R465" in nv[0]["cause"], "NVIDIA Code 43 cause names R465")


@test("--root: the fix names the host's device, driver and group")
def with_root():
    if not FIXTURES or not os.path.isdir(os.path.join(FIXTURES, "rx5700xt")):
        raise Skip("no fixture hosts (set VP_FIXTURES)")
    root = os.path.join(FIXTURES, "rx5700xt")
    log = (b"vfio-pci 0000:03:00.0: Unsupported reset method 'device_specific'\n"
           b"kvm: vfio 0000:03:00.0: group 2 is not viable\n"
           b"vfio: Cannot reset device 0000:7f:00.0, no available reset mechanism.\n")
    rc, doc, err = jrun("explain", "-", stdin=log, root=root)
    check(rc == EXIT_OK, f"exit {rc} {err}")
    check(doc["root"] and doc["root"].endswith("rx5700xt"), f"root {doc['root']}")
    by = {s["id"]: s for s in doc["signatures"]}
    dev = by["reset-method-unsupported"]["host"]["devices"][0]
    check(dev["address"] == "0000:03:00.0" and dev["found"], f"{dev}")
    check(dev["driver"] == "amdgpu" and dev["iommu_group"] == 2, f"{dev}")
    grp = by["group-not-viable"]["host"]["groups"][0]
    check(grp["group"] == 2 and grp["found"], f"{grp}")
    busy = [m["address"] for m in grp["members"]
            if not m["bridge"] and m["driver"] not in (None, "vfio-pci")]
    check(busy == ["0000:03:00.0", "0000:03:00.1"], f"members on host drivers: {busy}")
    gone = by["reset-no-mechanism"]["host"]["devices"][0]
    check(not gone["found"] and gone["driver"] is None, f"{gone}")
    rc, out, err = run("explain", "-", stdin=log, root=root)
    check(b"this host: 0000:03:00.0" in out and b"on a host driver: 0000:03:00.0" in out,
          f"text: {out!r}")
    check(b"0000:7f:00.0 is not on this host" in out, "absent device named")



# ---- whole pastes: sections, kinds, findings (tests/realworld/ and a few lines) ----

REALWORLD = os.path.join(REPO, "tests", "realworld")


def paste_of(path=None, text=None):
    args = ["explain", path or "-"]
    rc, doc, err = jrun(*args, stdin=text.encode() if text is not None else None)
    check(rc in (EXIT_OK, EXIT_NOTHING), f"{path}: exit {rc} {err}")
    sane(doc, path or "-")
    return doc["paste"], {s["id"] for s in doc["signatures"]}


# kind -> a real paste in tests/realworld/ holding it
KIND_FILES = {
    "kernel-log": "dmesg--rpi-no-iommu-group-vfio-probe-failed-error-22.txt",
    "journal": "issue--kata-10622-multiple-address-spaces-journal.txt",
    "pve-task-log": "issue--igd-9-legacy-igd-vga-not-none.txt",
    "qemu": "issue--eve-2544-multiple-address-spaces.txt",
    "libvirt": "issue--kubevirt-12825-slot-2-in-use.txt",
    "lspci": "lspci--gigabyte-rtx3080-still-nvidia-not-vfio-flattened-indent.txt",
    "lspci-vmm": "issue--davinci-checker-4-lspci-vmm-iommugroup-TRUNCATED.txt",
    "iommu-groups": "issue--vga-passthrough-15-group-not-viable-nvidia.txt",
    "ls-iommu": "issue--gpupm-21-ls-iommu-table-gtx1660s.txt",
    "kernel-cmdline": "cmdline--systemd-boot-entry-amd-iommu-arch.txt",
    "grub-default": "cmdline--fedora26-grub-rd-driver-pre-vfio.txt",
    "modprobe.d": "cmdline--vfio-conf-um890pro-phoenix3-softdeps.txt",
    "modules": "issue--kubevirt-gpu-45-four-kinds-post.txt",
    "vm-config": "vm_config--pve-habr-article-win10-gpu-plus-usbctrl-WORKING.txt",
    "qm-showcmd": "qm_showcmd--pve9-framework16-vm108-rx7700s-qm-showcmd-WORKING.txt",
}

# Kinds no corpus file has yet: a few lines in the shape the tool prints them.
# pvesh: the columns of PVE::SysFSTools::lspci (pve-manager PVE/API2/Hardware/PCI.pm).
PVESH_TABLE = """\
┌──────────┬────────┬──────────────┬────────────┬────────┬──────────────────────────┐
│ class    │ device │ id           │ iommugroup │ vendor │ device_name              │
╞══════════╪════════╪══════════════╪════════════╪════════╪══════════════════════════╡
│ 0x030000 │ 0x2206 │ 0000:01:00.0 │         14 │ 0x10de │ GA102 [GeForce RTX 3080] │
├──────────┼────────┼──────────────┼────────────┼────────┼──────────────────────────┤
│ 0x040300 │ 0x1aef │ 0000:01:00.1 │         14 │ 0x10de │ GA102 High Definition Au │
└──────────┴────────┴──────────────┴────────────┴────────┴──────────────────────────┘
"""
PVESH_JSON = ('[{"class":"0x030000","device":"0x2206","id":"0000:01:00.0","iommugroup":14,'
              '"vendor":"0x10de"},{"class":"0x040300","device":"0x1aef","id":"0000:01:00.1",'
              '"iommugroup":14,"vendor":"0x10de"}]\n')
INLINE_KINDS = {
    "pvesh-hardware-pci": PVESH_TABLE,
    # /etc/kernel/cmdline of the Proxmox host in dmesg--pve-65-... (its Command line:)
    "kernel-cmdline": "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt\n",
    "guest": "This device cannot start. (Code 10)\nWindows has stopped this device because "
             "it has reported problems. (Code 43)\n",
    # the addresses of issue--vga-passthrough-15's group 1, newlines lost
    "find-iommu-groups": "/sys/kernel/iommu_groups/1/devices/0000:00:01.0/sys/kernel/"
                         "iommu_groups/1/devices/0000:01:00.0/sys/kernel/iommu_groups/1/"
                         "devices/0000:01:00.1\n",
}


@test("every artefact kind is recognised (real pastes, and the forms no paste has yet)")
def kinds_recognised():
    for kind, name in sorted(KIND_FILES.items()):
        paste, _ = paste_of(os.path.join(REALWORLD, name))
        check(kind in paste["kinds"], f"{name}: {kind} not in {paste['kinds']}")
        for sec in paste["sections"]:
            check(1 <= sec["first_line"] <= sec["last_line"], f"{name}: {sec}")
    for kind, text in sorted(INLINE_KINDS.items()):
        paste, _ = paste_of(text=text)
        check(kind in paste["kinds"], f"{kind} not in {paste['kinds']} for {text!r}")
    paste, _ = paste_of(text=PVESH_JSON)
    check(paste["kinds"] == ["pvesh-hardware-pci"] and paste["devices"] == 2,
          f"pvesh JSON: {paste}")


@test("a post with four kinds at once: each section found, the facts read")
def four_kinds():
    paste, _ = paste_of(os.path.join(REALWORLD, "issue--kubevirt-gpu-45-four-kinds-post.txt"))
    want = {"kernel-log", "modprobe.d", "modules", "lspci"}
    check(want <= set(paste["kinds"]), f"kinds {paste['kinds']}")
    check(paste["cpu_vendor"] == "intel", f"vendor {paste['cpu_vendor']} (DMAR lines)")
    names = {p["name"] for p in paste["kernel_parameters"]}
    check({"intel_iommu", "modprobe.blacklist", "quiet"} <= names, f"params {names}")
    check(paste["devices"] == 1, f"devices {paste['devices']}")


@test("a find listing with its newlines lost: three functions of group 1")
def find_newlines_lost():
    paste, _ = paste_of(text=INLINE_KINDS["find-iommu-groups"])
    check(paste["devices"] == 3, f"devices {paste['devices']}")


@test("findings from the facts, each with its evidence line")
def findings():
    cases = [
        ("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on vfio-pci-ids=10de:2206,10de:1aef\"\n",
         "kernel-param-unknown", "vfio_pci.ids"),
        ("[    0.019620] DMAR: IOMMU enabled\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_iommu=on\"\n",
         "iommu-option-wrong-vendor", "Intel host"),
        ("[    0.000000] Kernel command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=/dev/sda1 "
         "pcie_acs_override=downstream,multifunction\n[    0.101] Unknown kernel command line "
         "parameters \"pcie_acs_override=downstream,multifunction\", will be passed to user space.\n",
         "acs-override-unpatched", "ACS"),
        ("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet pcie_acs_override=downstream\"\n",
         "acs-override-unverified", "ACS"),
        ("options vfio_iommu_type1 allow_unsafe_interrupts=1\nvfio-pci ids=10de:1b81,10de:10f0\n",
         "modprobe-missing-options", "modprobe"),
        ("options vfio-pci id=10de:1b81,10de:10f0 disable_vga=1\n", "modprobe-unknown-option",
         "ids"),
        ("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\n", "cpu-vendor-unknown", "vendor"),
    ]
    for text, fid, word in cases:
        paste, _ = paste_of(text=text)
        got = [f for f in paste["findings"] if f["id"] == fid]
        check(got, f"{fid} not found for {text!r}: {paste['findings']}")
        f = got[0]
        check(f["line"] and f["evidence"] and f["fix"] and f["source"], f"{fid}: {f}")
        check(word in f["title"] + f["fix"], f"{fid}: {word!r} not in {f}")
    paste, _ = paste_of(text=cases[-1][0])
    check(paste["findings"][0]["settle"] == "grep -m1 vendor_id /proc/cpuinfo",
          f"settle: {paste['findings']}")
    # the same GRUB line on an AMD host (AMD-Vi lines) is not the wrong vendor
    paste, _ = paste_of(text="[    1.0] pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40\n"
                             "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_iommu=on iommu=pt\"\n")
    check(paste["cpu_vendor"] == "amd" and
          [(f["id"], f["severity"]) for f in paste["findings"]] ==
          [("kernel-param-bad-value", "info")], f"AMD: {paste}")
    paste, _ = paste_of(text="GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=on\"\n")
    f = [f for f in paste["findings"] if f["id"] == "kernel-param-bad-value"]
    check(f and f[0]["severity"] == "warning" and "'on'" in f[0]["title"], f"{paste}")
    # iommu_v2's "AMD IOMMUv2 functionality not available" is printed on Intel too
    paste, _ = paste_of(os.path.join(REALWORLD, "issue--kubevirt-gpu-45-four-kinds-post.txt"))
    check(paste["cpu_vendor"] == "intel", f"vendor {paste['cpu_vendor']}")


@test("real pastes: a GPU on its host driver, a cosmetic reset warning in a TASK OK log")
def findings_real():
    paste, _ = paste_of(os.path.join(
        REALWORLD, "lspci--gigabyte-rtx3080-still-nvidia-not-vfio-flattened-indent.txt"))
    ids = [f["id"] for f in paste["findings"]]
    check("gpu-host-driver" in ids and "gpu-function-host-driver" in ids, f"{ids}")
    paste, sigs = paste_of(os.path.join(REALWORLD,
                                        "issue--ryzen-gpu-pve-131-task-ok-reset-warning.txt"))
    f = [f for f in paste["findings"] if f["id"] == "reset-warning-cosmetic"]
    check(f and f[0]["severity"] == "info", f"{paste['findings']}")
    check("sysfs-reset-enotty" in sigs, f"{sigs}")
    paste, _ = paste_of(os.path.join(REALWORLD,
                                     "issue--quickpassthrough-22-lspci-k-grep-audio.txt"))
    f = [f for f in paste["findings"] if f["id"] == "driver-not-shown"]
    check(f and f[0]["settle"] == "lspci -nnk -s 0000:07:00.1", f"{paste['findings']}")


def rw(name):
    """The machine output of a corpus file, its header left out."""
    with open(os.path.join(REALWORLD, name), encoding="utf-8") as f:
        return "".join(l for l in f if not l.startswith("# "))


def by_id(paste, fid):
    return [f for f in paste["findings"] if f["id"] == fid]


@test("real pastes judged by their facts: ids asked of vfio-pci, the framebuffer "
      "option, the CPU vendor, and what only another command can settle")
def facts_real():
    # the guide-followers' listing alone: no guess about why, the two commands
    # whose output would tell (vanities/GPU-Passthrough-Arch-Linux-to-Windows10#6)
    for name in ("issue--gpu-passthrough-arch-6-gtx1650m-still-nvidia.txt",
                 "lspci--gigabyte-rtx3080-still-nvidia-not-vfio-flattened-indent.txt",
                 "lspci--ryzen3600-rtx2070super-nvidia-bound-hook-rebind-fails.txt"):
        paste, _ = paste_of(os.path.join(REALWORLD, name))
        c, m = by_id(paste, "cmdline-not-shown"), by_id(paste, "modprobe-not-shown")
        check(c and c[0]["settle"] == "cat /proc/cmdline" and c[0]["severity"] == "info",
              f"{name}: {paste['findings']}")
        check(m and m[0]["settle"] == "cat /etc/modprobe.d/*.conf", f"{name}: {m}")
        check(not by_id(paste, "vfio-ids-not-bound"), f"{name}: guessed")
    # the same listing with the ids for the GPU added: what is wrong is now known
    # (the listing is real, the ids line is the one the guide has readers write)
    text = (rw("lspci--gigabyte-rtx3080-still-nvidia-not-vfio-flattened-indent.txt")
            + "options vfio-pci ids=10de:2206\n")
    paste, _ = paste_of(text=text)
    nb = by_id(paste, "vfio-ids-not-bound")
    check(len(nb) == 1 and nb[0]["severity"] == "error" and nb[0]["line"] == 1
          and "line 9" in nb[0]["title"] and "softdep nvidia pre: vfio-pci" in nb[0]["fix"],
          f"{paste['findings']}")
    lo = by_id(paste, "vfio-ids-function-left-out")
    check(lo and lo[0]["line"] == 5 and "10de:1aef" in lo[0]["fix"], f"{lo}")
    check(paste["vfio_ids"] == [{"id": "10de:2206", "line": 9}], f"{paste['vfio_ids']}")
    check(not by_id(paste, "cmdline-not-shown") and not by_id(paste, "gpu-host-driver"),
          f"{paste['findings']}")
    # a whole post: ids in modprobe.d, the release from the boot's command line,
    # Intel from DMAR; the listing is cut before the driver line: settle, not guess
    paste, _ = paste_of(os.path.join(REALWORLD, "issue--kubevirt-gpu-45-four-kinds-post.txt"))
    check(paste["kernel_release"] == "5.10.0-13-amd64", f"{paste['kernel_release']}")
    check(paste["vfio_ids"] == [{"id": "10de:21c4", "line": 12}], f"{paste['vfio_ids']}")
    d = by_id(paste, "driver-not-shown")
    check(d and d[0]["settle"] == "lspci -nnk -s 0000:01:00.0", f"{paste['findings']}")
    check(not by_id(paste, "cmdline-not-shown"), "the command line is in the paste")
    # ids on the command line and in modprobe.d, both read
    paste, _ = paste_of(os.path.join(REALWORLD, "issue--quickpassthrough-22-lspci-k-grep-audio.txt"))
    check([i["id"] for i in paste["vfio_ids"]] == ["10de:2504", "10de:228e"],
          f"{paste['vfio_ids']}")
    # video=efifb:off without the release: says so, asks for uname -r
    paste, _ = paste_of(os.path.join(
        REALWORLD, "heldout--cloud-hypervisor-4353-amd-grub-cmdline-working.txt"))
    e = by_id(paste, "efifb-off-obsolete")
    check(e and e[0]["severity"] == "info" and e[0]["settle"] == "uname -r"
          and e[0]["line"] == 6, f"{paste['findings']}")
    # ... and on the Proxmox 6.8 kernel a real boot log shows: a warning
    text = (rw("dmesg--pve-n305-dmar-iommu-enabled-inconsistent-features.txt")
            + 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on video=efifb:off"\n')
    paste, _ = paste_of(text=text)
    e = by_id(paste, "efifb-off-obsolete")
    check(paste["kernel_release"] == "6.8.12-2-pve" and e and e[0]["severity"] == "warning"
          and "initcall_blacklist=sysfb_init" in e[0]["fix"] and e[0]["settle"] is None,
          f"{paste['findings']}")
    # the 4.4 kernel of the ACS-override report still has efifb
    text = (rw("dmesg--ubuntu44-acs-override-patched-kernel-iommu-grouping.txt")
            + 'GRUB_CMDLINE_LINUX_DEFAULT="quiet video=efifb:off"\n')
    paste, _ = paste_of(text=text)
    check(paste["kernel_release"] == "4.4.0-34-generic"
          and not by_id(paste, "efifb-off-obsolete"), f"{paste['findings']}")
    # the CPU vendor from AMD's dummy host bridges and from i915 on 00:02.0
    for name in ("iommu_groups--amd-7950x-raphael-igpu-rtx3060.txt",
                 "iommu_groups--amd-b350-ryzen2600x-host-gpu-in-chipset-group-BAD.txt"):
        paste, _ = paste_of(os.path.join(REALWORLD, name))
        check(paste["cpu_vendor"] == "amd", f"{name}: {paste['cpu_vendor']}")
    paste, _ = paste_of(os.path.join(REALWORLD,
                                     "dmesg--pve-65-i915-sriov-pf-cmdline-code43-TRUNCATED.txt"))
    check(paste["cpu_vendor"] == "intel" and not by_id(paste, "cpu-vendor-unknown")
          and paste["kernel_release"] == "6.5.13-6-pve", f"{paste}")
    # text output: the settle line
    rc, out, err = run("explain", os.path.join(
        REALWORLD, "issue--gpu-passthrough-arch-6-gtx1650m-still-nvidia.txt"))
    check(b"to settle it, run: cat /proc/cmdline" in out, f"{out!r}")


@test("a pasted VM config gets vm lint's checks; a cut one only the line-local ones")
def vmconfig_lint():
    def finds(name):
        paste, _ = paste_of(os.path.join(REALWORLD, name))
        return {f["id"]: f for f in paste["findings"]}
    # whole (smbios1 and vmgenid): absence-based checks run too; snapshots are left out
    f = finds("vm_config--pve9-framework16-rx7700s-win11-lookingglass-WORKING-with-snapshots.txt")
    check("balloon" in f and "efi-ms-cert" in f and "vmconfig-cut" not in f, sorted(f))
    check(f["efi-ms-cert"]["severity"] == "warning" and f["efi-ms-cert"]["line"], f)
    check("qm enroll-efi-keys" in f["efi-ms-cert"]["fix"], f["efi-ms-cert"]["fix"])
    # cut: balloon is not judged; "romfile=x # note" is how people annotate a
    # post, so the paste does not call it an error
    f = finds("vm_config--pve-7840hs-780m-inappropriate-ioctl-TRUNCATED.txt")
    check("romfile-comment" not in f and "balloon" not in f, sorted(f))
    cut = f.get("vmconfig-cut")
    check(cut and "balloon" in cut["title"] and cut["settle"] == "qm config VMID", cut)
    # no machine line in a cut paste is not taken as i440fx
    f = finds("vm_config--pve81-ryzen7745hx-610m-raphael-code43-TRUNCATED.txt")
    check("pcie-without-q35" not in f and "pcie-without-q35" in f["vmconfig-cut"]["title"],
          sorted(f))
    # the same lines with smbios1 and vmgenid are whole: now it is judged
    with open(os.path.join(REALWORLD,
                           "vm_config--pve81-ryzen7745hx-610m-raphael-code43-TRUNCATED.txt")) as fh:
        body = "".join(ln for ln in fh if not ln.startswith("# "))
    paste, _ = paste_of(text=body + "smbios1: uuid=6b3c6a3e-0000-4000-8000-000000000001\n"
                        "vmgenid: 0b6d3b5c-0000-4000-8000-000000000002\n")
    ids = {x["id"] for x in paste["findings"]}
    check("pcie-without-q35" in ids and "vmconfig-cut" not in ids, sorted(ids))


@test("explain --list cites no internal note or section number")
def list_public():
    internal = ("\u00a7", ".md", "seed ", "knowledge", "corpus ", "/work/", "kb_row")
    rc, out, err = run("explain", "--list")
    check(rc == EXIT_OK, f"exit {rc} {err}")
    rc, doc, err = jrun("explain", "--list")
    text = out.decode() + json.dumps(doc, ensure_ascii=False)
    for word in internal:
        check(word not in text, f"--list cites {word!r}")
    for s in doc["signatures"]:
        check("kb_row" not in s, f"{s['id']}: kb_row")
        check("http" in s["source"] or "/" in s["source"] or "Microsoft" in s["source"]
              or "NVIDIA" in s["source"], f"{s['id']}: no public source: {s['source']}")


@test("endless input: a device is refused, a stream past 64 MiB ends with an error")
def endless_input():
    rc, out, err = run("explain", "/dev/zero")
    check(rc == EXIT_NOINPUT and "device" in err, f"/dev/zero: {rc} {err}")
    p = subprocess.run(f"head -c 70000000 /dev/zero | {BIN} explain -", shell=True,
                       capture_output=True, timeout=120)
    check(p.returncode == 65 and b"64 MiB" in p.stderr, f"pipe: {p.returncode} {p.stderr!r}")


def main():
    global BIN
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    BIN = sys.argv[1]
    for rel, exp in sorted(EXPECT.items()):
        results.append((f"corpus {rel}", lambda r=rel, e=exp: corpus_file(r, e)))
    if os.path.isdir(os.path.join(CORPUS, "dmesg")):
        for d in ("dmesg", "task_log"):
            for n in sorted(os.listdir(os.path.join(CORPUS, d))):
                rel = f"{d}/{n}"
                if n.endswith(".txt") and rel not in EXPECT:
                    results.append((f"corpus {rel} (no expectation)",
                                    lambda r=rel: corpus_unexpected(r)))
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, fn) in enumerate(results, 1):
        try:
            fn()
            print(f"ok {i} - {name}")
        except Skip as e:
            print(f"ok {i} - {name} # SKIP {e}")
        except (AssertionError, KeyError, TypeError, IndexError, OSError,
                subprocess.TimeoutExpired) as e:
            failed += 1
            print(f"not ok {i} - {name}")
            for line in str(e).splitlines() or [""]:
                print(f"# {type(e).__name__}: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
