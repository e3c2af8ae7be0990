#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the vfio-pilot binary on every fixture host and check what it says.

JSON output is parsed and checked field by field: invariants that hold on
every host (sorted devices, unknown values explained, groups consistent,
doctor findings complete), then each scenario's expected facts from
expect.py. Usage errors and broken roots are checked for their exit codes.
Prints TAP.

usage: test_cli.py VFIO_PILOT FIXTURES_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import expect  # noqa: E402

BIN = FIX = None
results = []


def run(*args, root=None, stdin=None):
    cmd = [BIN] + (["--root", root] if root else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, input=stdin, check=False,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def jrun(*args, root=None):
    rc, out, err = run("--json", *args, root=root)
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError as e:
        raise AssertionError(f"{' '.join(args)}: not JSON ({e}): {out[:200]!r} {err!r}")


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


# Fields that are null only when unknown, so a reason must be recorded.
NEEDS_REASON = ("flr", "acs", "rebar", "modules", "bars")


def invariants(name):
    root = os.path.join(FIX, name)
    rc, d, err = jrun("devices", root=root)
    check(rc == 0, f"devices exit {rc}: {err}")
    check(d["schema"] == 1 and d["command"] == "devices", "envelope")
    devs = d["devices"]
    addrs = [x["address"] for x in devs]
    check(addrs == sorted(addrs), "devices sorted by address")
    check(len(set(addrs)) == len(addrs), "addresses unique")
    for x in devs:
        for k in NEEDS_REASON:
            if x[k] is None:
                check(k in x["unknown"], f"{x['address']}: {k} is null without a reason")
        if x["class"].startswith("0300") and x["boot_vga"] is None:
            check("boot_vga" in x["unknown"], f"{x['address']}: boot_vga unexplained")
        if x["reset"]["methods"] is None:
            check("reset_method" in x["unknown"], f"{x['address']}: reset methods unexplained")
        if x["config_size"] < 256:
            check(x["capabilities_readable"] is None and "flr" in x["unknown"],
                  f"{x['address']}: short config space must make capabilities unknown")

    rc, g, err = jrun("groups", root=root)
    check(rc in (0, 3), f"groups exit {rc}: {err}")
    if rc == 3:
        check(not g["iommu"] and g["reason"] and not g["groups"], "no-IOMMU answer")
        check(all(x["iommu_group"] is None for x in devs), "no device has a group")
    else:
        seen = {}
        for grp in g["groups"]:
            check(grp["verdict"] in ("isolated", "isolated-with-companions", "shared",
                                     "bridges-only"), f"verdict {grp['verdict']}")
            check((grp["verdict"] == "shared") == (grp["cards"] > 1),
                  f"group {grp['id']}: shared iff more than one card")
            check(bool(grp["joined_by"]) == (grp["verdict"] == "shared"),
                  f"group {grp['id']}: joined_by only for shared groups")
            for m in grp["members"]:
                check(m["address"] not in seen, f"{m['address']} in two groups")
                seen[m["address"]] = grp["id"]
        for x in devs:
            check(seen.get(x["address"]) == x["iommu_group"],
                  f"{x['address']}: group {x['iommu_group']} vs listing {seen.get(x['address'])}")

    for x in devs:
        if x["kind"] != "display":
            continue
        rc, s, err = jrun("show", x["address"], root=root)
        check(rc == 0 and s["devices"][0]["address"] == x["address"], f"show {x['address']}")
        grp = s["devices"][0]["group"]
        if grp is not None:
            roles = {m["address"]: m["role"] for m in grp["members"]}
            check(roles[x["address"]] == "target", f"show {x['address']}: role target")

    rc, doc, err = jrun("doctor", root=root)
    check(rc in (0, 1, 2), f"doctor exit {rc}: {err}")
    check(doc["verdict"] == ("ready", "ready-with-warnings", "not-ready")[rc],
          f"doctor exit {rc} vs verdict {doc['verdict']}")
    for f in doc["findings"]:
        check(f["evidence"], f"{f['id']}: no evidence")
        if f["verdict"] in ("warn", "fail"):
            check(f["fix"], f"{f['id']}: {f['verdict']} without a fix")
    for cmd in (["devices"], ["groups"], ["doctor"], ["advise"], ["devices", "-v"]):
        trc, out, err = run(*cmd, root=root)
        check(out.strip() and trc in (0, 1, 2, 3), f"text {' '.join(cmd)}: exit {trc} {err}")
    rc, adv, err = jrun("advise", root=root)
    check(rc == 0 and adv["recommendation"], f"advise: {rc} {err}")


def by_addr(devs):
    return {x["address"]: x for x in devs}


def group_of(groups, addr):
    for g in groups:
        for m in g["members"]:
            if m["address"] == addr:
                return g
    return None


def scenario(name, exp):
    root = os.path.join(FIX, name)
    _, d, _ = jrun("devices", root=root)
    devs = by_addr(d["devices"])
    rc, g, _ = jrun("groups", root=root)
    for addr, facts in exp.get("devices", {}).items():
        check(addr in devs, f"{addr} missing")
        for k, v in facts.items():
            got = devs[addr]
            for part in k.split("."):
                got = got[part] if isinstance(got, dict) else None
            check(got == v, f"{addr} {k}: expected {v!r}, got {got!r}")
    for addr, gexp in exp.get("groups", {}).items():
        grp = group_of(g["groups"], addr)
        check(grp is not None, f"{addr}: no group")
        roles = {m["address"]: m["role"] for m in grp["members"]}
        check(grp["verdict"] == gexp["verdict"],
              f"group of {addr}: verdict {grp['verdict']}, expected {gexp['verdict']}")
        for role in ("unrelated", "companion", "bridge"):
            for a in gexp.get(role, []):
                check(roles.get(a) == role, f"group of {addr}: {a} should be {role}, is {roles.get(a)}")
        for a in gexp.get("joined_by", []):
            check(any(j["bridge"] == a for j in grp["joined_by"]),
                  f"group of {addr}: joined_by lacks {a}: {grp['joined_by']}")
    if "no_iommu" in exp:
        check(rc == 3 and exp["no_iommu"] in g["reason"], f"no-IOMMU reason: {g.get('reason')}")
    for addr, roles in exp.get("critical", {}).items():
        hc = devs[addr]["host_critical"]
        for r in roles:
            check(hc[r], f"{addr}: should be host-critical ({r})")
    if "doctor" in exp:
        dexp = exp["doctor"]
        args = ["doctor"] + dexp.get("args", [])
        rc, doc, err = jrun(*args, root=root)
        check(doc["verdict"] == dexp["verdict"], f"doctor verdict {doc['verdict']}, expected {dexp['verdict']}")
        bad = sorted({f["id"] for f in doc["findings"] if f["verdict"] in ("fail", "warn")})
        failing = sorted({f["id"] for f in doc["findings"] if f["verdict"] == "fail"})
        if "fail" in dexp:
            check(failing == sorted(dexp["fail"]), f"doctor failing ids {failing}, expected {sorted(dexp['fail'])}")
        if "warn" in dexp:
            warn = sorted(set(bad) - set(failing))
            check(warn == sorted(dexp["warn"]), f"doctor warning ids {warn}, expected {sorted(dexp['warn'])}")
        for key, have in (("fail_has", failing), ("warn_has", sorted(set(bad) - set(failing)))):
            for want in dexp.get(key, []):
                check(want in have, f"doctor {key[:4]} ids {have} lack {want}")
        if "targets" in dexp:
            check([t["address"] for t in doc["targets"]] == dexp["targets"], f"targets {doc['targets']}")
    for wl, aexp in exp.get("advise", {}).items():
        rc, adv, err = jrun("advise", "--workload", wl, root=root)
        check(adv["recommendation"] == aexp["recommendation"],
              f"advise {wl}: {adv['recommendation']}, expected {aexp['recommendation']} ({adv['why']})")
        if "device" in aexp:
            check(adv["device"] == aexp["device"], f"advise {wl}: device {adv['device']}")
        for needle in aexp.get("lines", []):
            check(any(needle in l for l in adv["config_lines"]), f"advise {wl}: no line with {needle!r}: {adv['config_lines']}")
        for needle in aexp.get("cautions", []):
            check(any(needle in l for l in adv["cautions"]), f"advise {wl}: no caution with {needle!r}: {adv['cautions']}")
    for args, needles in exp.get("text", []):
        rc, out, err = run(*args, root=root)
        for n in needles:
            check(n in out, f"{' '.join(args)}: output lacks {n!r}")


def errors():
    some = os.path.join(FIX, sorted(os.listdir(FIX))[0])
    cases = [
        (["show", "1:00.0"], 64), (["show"], 64), (["bogus"], 64), (["devices", "--nope"], 64),
        (["devices", "--class", "gpu"], 64), (["devices", "--vendor", "10d"], 64),
        (["advise", "--workload", "mining"], 64), (["show", "0000:7f:1f.7"], 66),
        (["groups", "0000:00:00.0", "0000:00:01.0"], 64), (["doctor", "zz:00.0"], 64),
    ]
    for args, want in cases:
        rc, out, err = run(*args, root=some)
        check(rc == want, f"{' '.join(args)}: exit {rc}, expected {want}")
        check(err.startswith("vfio-pilot: "), f"{' '.join(args)}: error message {err!r}")
    rc, _, err = run("devices", root="/nonexistent/vfio-pilot")
    check(rc == 66 and "cannot use root" in err, f"missing root: {rc} {err}")
    with tempfile.TemporaryDirectory() as t:
        rc, _, err = run("groups", root=t)
        check(rc == 66, f"root without sysfs: exit {rc} {err}")
        os.makedirs(os.path.join(t, "sys/bus/pci/devices"))
        open(os.path.join(t, "sys/bus/pci/devices/README"), "w").close()
        rc, _, err = run("devices", root=t)
        check(rc == 65 and "README" in err, f"malformed tree: exit {rc} {err}")
    rc, out, _ = run("--help")
    check(rc == 0 and "Exit status" in out and "64" in out, "help lists exit codes")


def plan(root, *args):
    rc, d, err = jrun("host", "plan", *args, root=root)
    edits = {e["path"]: e for e in d["edits"]}
    cmds = [" ".join(c["argv"]) for c in d["commands"]]
    return rc, d, edits, cmds


def added_lines(edit):
    return [l[1:] for l in edit["diff"].splitlines() if l.startswith("+") and not l.startswith("+++")]


def host_plans():
    """host plan on the fixtures: the right files, lines and commands per host."""
    rc, d, edits, cmds = plan(os.path.join(FIX, "intel-4090"), "--device", "01:00")
    check(rc == 0 and not d["refusals"], f"intel-4090 plan: {rc} {d['refusals']}")
    conf = added_lines(edits["/etc/modprobe.d/vfio-pilot.conf"])
    check("options vfio-pci ids=10de:2684,10de:22ba" in conf, f"ids line: {conf}")
    check("softdep nouveau pre: vfio-pci" in conf and "softdep snd_hda_intel pre: vfio-pci" in conf,
          f"softdeps: {conf}")
    check(added_lines(edits["/etc/modules"]) == ["vfio", "vfio_iommu_type1", "vfio_pci"],
          "modules lines (never vfio_virqfd on 6.8)")
    check("/etc/default/grub" not in edits, "6.8 with intel_iommu=on iommu=pt: no cmdline change")
    check(cmds == ["update-initramfs -u -k all"], f"commands {cmds}")

    # GRUB host whose 6.5 kernel needs intel_iommu=on.
    rc, d, edits, cmds = plan(os.path.join(FIX, "iommu-off"), "-d", "01:00")
    grub = added_lines(edits["/etc/default/grub"])
    check(grub == ['GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt intel_iommu=on"'], f"grub: {grub}")
    check("update-grub" in cmds and "proxmox-boot-tool refresh" not in cmds, f"commands {cmds}")

    # systemd-boot through proxmox-boot-tool: /etc/kernel/cmdline, never /etc/default/grub.
    rc, d, edits, cmds = plan(os.path.join(FIX, "rtx5090"), "-d", "01:00", "--acs-override")
    check("/etc/kernel/cmdline" in edits and "/etc/default/grub" not in edits, f"edits {list(edits)}")
    line = added_lines(edits["/etc/kernel/cmdline"])
    check(len(line) == 1 and "root=" in line[0] and line[0].endswith("pcie_acs_override=downstream,multifunction"),
          f"kernel cmdline {line}")
    check("proxmox-boot-tool refresh" in cmds and "update-grub" not in cmds, f"commands {cmds}")
    check(any("WARNING" in n and "isolate" in n for n in d["notes"]), "ACS override warning")

    # Identical cards: no ids line, per-device override for the chosen card only.
    rc, d, edits, cmds = plan(os.path.join(FIX, "twin-gpus"), "-d", "0c:00")
    conf = added_lines(edits["/etc/modprobe.d/vfio-pilot.conf"])
    check(not any(l.startswith("options vfio-pci ids") for l in conf), f"no ids line: {conf}")
    rules = added_lines(edits["/etc/udev/rules.d/70-vfio-pilot.rules"])
    overrides = [l for l in rules if "driver_override" in l and not l.startswith("#")]
    check(len(overrides) == 2 and all("0000:0c:00." in l for l in overrides), f"overrides {overrides}")
    check(not any("blacklist nvidia" == l for l in conf), "the console card still needs nvidia")

    # Refusals: an unrelated group member, and the host's console.
    rc, d, _, _ = plan(os.path.join(FIX, "b550"), "-d", "04:00")
    check(rc == 2 and any("--include-group" in r and "0000:05:00.0" in r for r in d["refusals"]),
          f"b550 refusal: {rc} {d['refusals']}")
    rc, d, _, _ = plan(os.path.join(FIX, "n100-minipc"), "-d", "00:02.0")
    check(rc == 2 and any("--take-host-device" in r for r in d["refusals"]), f"console refusal {d['refusals']}")
    rc, d, edits, _ = plan(os.path.join(FIX, "rx5700xt"), "-d", "03:00")
    rules = added_lines(edits["/etc/udev/rules.d/70-vfio-pilot.rules"])
    check(any('ATTR{reset_method}="device_specific"' in l and "0000:03:00.0" in l for l in rules),
          f"vendor-reset rule: {rules}")


def tree(root):
    out = {}
    for base, dirs, files in os.walk(root):
        rel = os.path.relpath(base, root)
        if rel.startswith("var/lib/vfio-pilot"):
            continue
        for n in files + [d for d in dirs if os.path.islink(os.path.join(base, d))]:
            p = os.path.join(base, n)
            st = os.lstat(p)
            data = os.readlink(p) if os.path.islink(p) else open(p, "rb").read()
            out[os.path.join(rel, n)] = (st.st_mode, st.st_uid, data)
    return out


def host_apply_undo():
    """apply twice (the second changes nothing), then undo: byte-identical."""
    if os.geteuid() != 0:
        raise Skip("host apply needs root")
    with tempfile.TemporaryDirectory() as t:
        root = os.path.join(t, "host")
        shutil.copytree(os.path.join(FIX, "iommu-off"), root, symlinks=True)
        before = tree(root)
        rc, out, err = run("host", "apply", "-d", "01:00", root=root)
        check(rc == 0 and "applied; undo with" in out, f"apply: {rc} {out} {err}")
        check("commands not run: --root is not /" in out, "commands are never run under --root")
        check(tree(root) != before, "apply changed files")
        rc, out, err = run("host", "apply", "-d", "01:00", root=root)
        check(rc == 0 and "nothing to change" in out, f"second apply: {rc} {out}")
        rc, d, edits, cmds = plan(root, "-d", "01:00")
        check(not edits and not cmds, f"plan after apply is empty: {list(edits)} {cmds}")
        rc, out, err = run("undo", root=root)
        check(rc == 0 and "update-grub" in out, f"undo: {rc} {out} {err}")
        check(tree(root) == before, "undo restores every file byte for byte, mode and owner")


def host_nonroot():
    """plan works without root; apply without root writes nothing."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        raise Skip("needs root and setpriv to drop to nobody")
    drop = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    with tempfile.TemporaryDirectory() as t:
        os.chmod(t, 0o755)
        binary = shutil.copy(BIN, os.path.join(t, "vfio-pilot"))
        os.chmod(binary, 0o755)
        root = os.path.join(FIX, "intel-4090")
        before = tree(root)
        p = subprocess.run(drop + [binary, "--root", root, "host", "plan", "-d", "01:00"],
                           capture_output=True, text=True, check=False)
        check(p.returncode == 0 and "vfio-pilot.conf" in p.stdout, f"plan as nobody: {p.returncode} {p.stderr}")
        p = subprocess.run(drop + [binary, "--root", root, "host", "apply", "-d", "01:00"],
                           capture_output=True, text=True, check=False)
        check(p.returncode == 77 and "needs root" in p.stderr, f"apply as nobody: {p.returncode} {p.stderr}")
        check(tree(root) == before, "nothing written")


def bind_rails():
    """bind refuses what the host needs, SR-IOV PFs with VFs and shared groups; nothing written."""
    if os.geteuid() != 0:
        raise Skip("bind needs root")
    cases = [("dual-socket-p40", "5e:00.0", ["needed by the host", "VFs enabled"]),
             ("n100-minipc", "00:02.0", ["boot VGA"]),
             ("b550", "04:00.0", ["shares IOMMU group 13 with 0000:05:00.0"])]
    for name, addr, needles in cases:
        root = os.path.join(FIX, name)
        before = tree(root)
        rc, out, err = run("bind", addr, root=root)
        check(rc == 2, f"{name} bind {addr}: exit {rc} {err}")
        for n in needles:
            check(n in err, f"{name} bind {addr}: no {n!r} in {err!r}")
        check(tree(root) == before, f"{name}: bind refused but wrote something")
    rc, out, err = run("bind", "01:00.0", root=os.path.join(FIX, "intel-4090"))
    check(rc == 66 and "modprobe vfio-pci" in err, f"vfio-pci not loaded: {rc} {err}")


class Skip(Exception):
    pass


def live_nonroot():
    """doctor as an unprivileged user on this machine: it runs and marks what it
    could not read instead of failing (the kernel gives non-root 64 bytes of
    config space)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        raise Skip("needs root and setpriv to drop to nobody")
    drop = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    # A copy nobody can reach, wherever the build directory lives.
    tmp = tempfile.mkdtemp()
    os.chmod(tmp, 0o755)
    binary = shutil.copy(BIN, os.path.join(tmp, "vfio-pilot"))
    os.chmod(binary, 0o755)
    try:
        nonroot_checks(drop, binary)
    finally:
        shutil.rmtree(tmp)


def nonroot_checks(drop, binary):
    p = subprocess.run(drop + [binary, "--json", "devices"], capture_output=True, text=True,
                       check=False)
    check(p.returncode == 0, f"devices as nobody: exit {p.returncode} {p.stderr}")
    devs = json.loads(p.stdout)["devices"]
    if not devs:
        raise Skip("this machine has no PCI devices")
    for x in devs:
        if x["config_size"] < 256:
            check(x["flr"] is None and "64" in x["unknown"]["flr"],
                  f"{x['address']}: cut config space not marked unknown")
    p = subprocess.run(drop + [binary, "--json", "doctor", devs[0]["address"]],
                       capture_output=True, text=True, check=False)
    check(p.returncode in (0, 1, 2), f"doctor as nobody: exit {p.returncode} {p.stderr}")
    doc = json.loads(p.stdout)
    check(all(f["evidence"] for f in doc["findings"]), "doctor as nobody: evidence")


def main():
    global BIN, FIX
    BIN, FIX = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(FIX) if os.path.isdir(os.path.join(FIX, n)))
    for n in names:
        test(f"{n}: invariants")(lambda n=n: invariants(n))
    for n, exp in sorted(expect.SCENARIOS.items()):
        test(f"{n}: expected facts")(lambda n=n, exp=exp: scenario(n, exp))
    test("usage errors and broken roots")(errors)
    test("doctor as an unprivileged user on this machine")(live_nonroot)
    test("host plan: files, lines and commands per bootloader and binding")(host_plans)
    test("host apply twice, then undo byte for byte")(host_apply_undo)
    test("host plan without root; apply without root writes nothing")(host_nonroot)
    test("bind refuses host-critical devices, PFs with VFs and shared groups")(bind_rails)
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, fn) in enumerate(results, 1):
        try:
            fn()
            print(f"ok {i} - {name}")
        except Skip as e:
            print(f"ok {i} - {name} # SKIP {e}")
        except (AssertionError, KeyError, TypeError, FileNotFoundError) as e:
            failed += 1
            print(f"not ok {i} - {name}")
            print(f"# {type(e).__name__}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
