#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Ansible collection (contrib/ansible) run by Debian's ansible-playbook.

Usage: test_ansible.py VFIO_PILOT FIXTURES_DIR COLLECTION_DIR   (TAP on stdout)

The collection is copied into a temporary ansible_collections tree and run
with connection local against copies of fixture hosts: facts, host/vm/mapping
in check mode (a diff, the trees unchanged), failures (refusals, a bad
argument, a missing root, an unknown schema), apply (root only) and a second
run that reports changed: false. Ansible's home, temp and config are in the
temporary directory, and the playbooks use nothing from the network.
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

VP, FIX, COLL = (os.path.abspath(a) for a in sys.argv[1:4])
PLAYBOOK = shutil.which("ansible-playbook") or "/usr/bin/ansible-playbook"
ROOT = os.geteuid() == 0
TMP = tempfile.mkdtemp(prefix="vp-ansible-")
results = []
state = {}


def test(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def need_root():
    if not ROOT:
        raise Skip("apply needs root (vfio-pilot exits 77 otherwise); run the tests as root")


def copy_file(src, dst):
    """Write-only sysfs attributes (bind, remove) cannot be read without root."""
    try:
        return shutil.copy2(src, dst)
    except PermissionError:
        open(dst, "w").close()
        os.chmod(dst, stat.S_IMODE(os.lstat(src).st_mode))
        return dst


def copy(fixture, name):
    dst = os.path.join(TMP, "roots", name)
    shutil.copytree(os.path.join(FIX, fixture), dst, symlinks=True, copy_function=copy_file)
    return dst


def tree(root):
    """Every entry below root: its kind, mode and content (or link target)."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", st.st_mode)
            else:
                try:
                    with open(p, "rb") as f:
                        h = hashlib.sha256(f.read()).hexdigest()
                except OSError:
                    h = None
                out[rel] = ("f", st.st_mode, h)
    return out


def changes(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def env():
    home = os.path.join(TMP, "home")
    e = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    e.update({
        "HOME": home,
        "ANSIBLE_HOME": home,
        "ANSIBLE_CONFIG": os.path.join(TMP, "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(TMP, "local-tmp"),
        "ANSIBLE_REMOTE_TEMP": os.path.join(TMP, "remote-tmp"),
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(TMP, "collections"),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_GALAXY_CACHE_DIR": os.path.join(TMP, "galaxy-cache"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PYTHONDONTWRITEBYTECODE": "1",
        "LC_ALL": "C.UTF-8",
        # Nothing here needs the network; anything that tried would fail at once.
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
        "no_proxy": "",
    })
    return e


def setup():
    if "env" in state:
        return
    if not os.access(PLAYBOOK, os.X_OK):
        raise Skip("ansible-playbook is not installed (apt install ansible-core)")
    dst = os.path.join(TMP, "collections", "ansible_collections", "vfio_pilot", "proxmox")
    shutil.copytree(COLL, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for d in ("home", "local-tmp", "remote-tmp"):
        os.makedirs(os.path.join(TMP, d))
    with open(os.path.join(TMP, "ansible.cfg"), "w") as f:
        f.write("[defaults]\ngathering = explicit\nstdout_callback = default\n")
    state["env"] = env()
    state["host"] = copy("intel-4090", "host")
    state["vms"] = copy("intel-4090-vms", "vms")
    state["node2"] = copy("intel-4090", "node2")
    with open(os.path.join(state["node2"], "etc", "hostname"), "w") as f:
        f.write("pve2\n")
    # A vfio-pilot from the future: its envelope has a schema the collection does not know.
    fake = os.path.join(TMP, "vfio-pilot-schema99")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\necho '{\"schema\": 99, \"command\": \"devices\", \"root\": \"/\", "
                "\"devices\": []}'\n")
    os.chmod(fake, 0o755)
    state["fake"] = fake


def ansible(*args, timeout=120):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                       env=state["env"], cwd=TMP)
    return p.returncode, p.stdout + p.stderr


FACTS = """
    - name: facts
      vfio_pilot.proxmox.facts:
        root: {host}
        binary: {vp}
        devices: ["01:00.0"]
      register: facts
"""


def tasks(s):
    """The tasks every run makes: host, vm, mapping."""
    return f"""
    - name: host
      vfio_pilot.proxmox.host:
        root: {s['host']}
        binary: {VP}
        devices: ["01:00"]
      register: host
    - name: vm
      vfio_pilot.proxmox.vm:
        root: {s['vms']}
        binary: {VP}
        vmid: 100
        devices: ["01:00"]
        ovmf: true
      register: vm
    - name: mapping
      vfio_pilot.proxmox.mapping:
        root: {s['vms']}
        binary: {VP}
        name: rtx4090
        devices: ["01:00"]
        hosts: ["{s['node2']}"]
      register: mapping
"""


FAILURES = """
    - name: refusal
      vfio_pilot.proxmox.host:
        root: {host}
        binary: {vp}
        devices: ["00:02.0"]
      register: refusal
      ignore_errors: true
    - name: bad argument
      vfio_pilot.proxmox.vm:
        root: {vms}
        binary: {vp}
        vmid: 100
        devices: ["zz:zz.9"]
      register: badarg
      ignore_errors: true
    - name: missing root
      vfio_pilot.proxmox.facts:
        root: {tmp}/no-such-root
        binary: {vp}
      register: noroot
      ignore_errors: true
    - name: unknown schema
      vfio_pilot.proxmox.facts:
        root: {host}
        binary: {fake}
        doctor: false
      register: schema
      ignore_errors: true
"""


MARK = "vfio-pilot-test-results "


def playbook(name, before="", after="", regs=("host", "vm", "mapping"), opts=()):
    """Write and run one playbook; returns (rc, output, registered results).
    The results are printed by debug (on the controller: no module run)."""
    dump = ", ".join(f"'{r}': {r}" for r in regs)
    text = f"""---
- name: vfio-pilot {name}
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
{before}{tasks(state)}{after}
    - name: results
      ansible.builtin.debug:
        msg: "{MARK}{{{{ {{{dump}}} | to_json }}}}"
"""
    pb = os.path.join(TMP, name + ".yml")
    with open(pb, "w") as f:
        f.write(text)
    rc, output = ansible(PLAYBOOK, "-i", "localhost,", pb, *opts)
    regd = None
    at = output.rfind("ok: [localhost] => ")
    if at >= 0 and MARK in output[at:]:
        shown, _ = json.JSONDecoder().raw_decode(output, at + len("ok: [localhost] => "))
        regd = json.loads(shown["msg"][len(MARK):])
    return rc, output, regd


def check_run():
    """The check-mode run with --diff, failures included, and the trees it left."""
    setup()
    if "check" not in state:
        before = {k: tree(state[k]) for k in ("host", "vms", "node2")}
        fail = FAILURES.format(host=state["host"], vms=state["vms"], vp=VP, tmp=TMP,
                               fake=state["fake"])
        facts = FACTS.format(host=state["host"], vp=VP)
        rc, output, regd = playbook("check", facts, fail,
                                    ("facts", "host", "vm", "mapping", "refusal", "badarg",
                                     "noroot", "schema"), ("--check", "--diff"))
        after = {k: tree(state[k]) for k in before}
        state["check"] = (rc, output, regd, {k: changes(before[k], after[k]) for k in before})
    rc, output, regd, changed = state["check"]
    check(rc == 0 and regd, f"ansible-playbook --check exit {rc}:\n{output[-3000:]}")
    return output, regd, changed


def apply_runs():
    setup()
    need_root()
    check_run()
    if "apply" not in state:
        state["apply"] = playbook("apply")
        state["again"] = playbook("again")
    return state["apply"], state["again"]


@test("the collection builds, its modules' documentation parses, the example playbook is valid")
def _():
    setup()
    rc, out = ansible("ansible-galaxy", "collection", "build", "--output-path",
                      os.path.join(TMP, "dist"), COLL)
    check(rc == 0 and os.path.exists(os.path.join(TMP, "dist",
                                                  "vfio_pilot-proxmox-0.1.0.tar.gz")), out)
    mods = [f"vfio_pilot.proxmox.{m}" for m in ("facts", "host", "vm", "mapping")]
    rc, out = ansible("ansible-doc", "--json", *mods)
    check(rc == 0, out)
    docs = json.loads(out)
    for m in mods:
        d = docs[m]["doc"]
        check({"root", "binary"} <= set(d["options"]), f"{m}: root and binary options")
        check(d["attributes"]["check_mode"]["support"] == "full", f"{m}: check mode")
    rc, out = ansible(PLAYBOOK, "-i", "localhost,", "--syntax-check",
                      os.path.join(COLL, "playbooks", "example.yml"))
    check(rc == 0, out)


@test("facts: devices and doctor's verdict gathered (intel-4090: not-ready, target 01:00.0)")
def _():
    _, regd, _ = check_run()
    f = regd["facts"]
    check(not f.get("failed") and f["changed"] is False, f)
    vp = f["ansible_facts"]["vfio_pilot"]
    check(vp["schema"] == 1 and vp["root"] == state["host"], vp["root"])
    check("0000:01:00.0" in [d["address"] for d in vp["devices"]], "01:00.0 listed")
    check("0000:01:00.0" in vp["gpus"], vp["gpus"])
    doc = vp["doctor"]
    check(doc["verdict"] == "not-ready", doc["verdict"])
    check([t["address"] for t in doc["targets"]] == ["0000:01:00.0"], doc["targets"])
    check({"device.driver", "vfio.modules"} <= set(doc["failed"]), doc["failed"])
    check("doctor: not-ready" in f["msg"], f["msg"])


@test("host in check mode: changed with the plan's diff, shown by --diff; the tree unchanged")
def _():
    output, regd, changed = check_run()
    h = regd["host"]
    check(h["changed"] is True and not h.get("failed"), h)
    check(h["plan"]["command"] == "host plan" and h["undo_id"] is None, h["plan"]["command"])
    diff = "".join(d["prepared"] for d in h["diff"])
    for want in ("+++ /etc/modprobe.d/vfio-pilot.conf", "+options vfio-pci ids=10de:2684,10de:22ba",
                 "+vfio_pci", "update-initramfs -u -k all"):
        check(want in diff, f"{want!r} not in the diff:\n{diff}")
        check(want in output, f"{want!r} not shown by --diff")
    check(h["msg"].startswith("would change: /etc/modprobe.d/vfio-pilot.conf"), h["msg"])
    check(not changed["host"], f"check mode wrote {changed['host']}")


@test("vm and mapping in check mode: changed with diffs; the trees unchanged")
def _():
    _, regd, changed = check_run()
    v, m = regd["vm"], regd["mapping"]
    check(v["changed"] is True and v["plan"]["vmid"] == 100, v)
    vd = "".join(d["prepared"] for d in v["diff"])
    check("+++ /etc/pve/qemu-server/100.conf" in vd and "+hostpci0: 0000:01:00,pcie=1" in vd, vd)
    check("+bios: ovmf" in vd, vd)
    check(m["changed"] is True, m)
    md = "".join(d["prepared"] for d in m["diff"])
    check("+rtx4090" in md and "map node=pve-rpl,path=0000:01:00," in md
          and "map node=pve2,path=0000:01:00," in md, md)
    check(not changed["vms"] and not changed["node2"],
          f"check mode wrote {changed['vms'] + changed['node2']}")


@test("a refusal (the boot VGA, needed by the host) fails with the refusal in msg")
def _():
    _, regd, _ = check_run()
    r = regd["refusal"]
    check(r["failed"] is True and r["rc"] == 2, r)
    check(r["msg"].startswith("vfio-pilot host refused: 0000:00:02.0 is needed by the host"),
          r["msg"])
    check(r["refusals"] and "--take-host-device" in r["refusals"][0], r["refusals"])


@test("exit codes: a bad address (64) and a missing root (66) fail with vfio-pilot's words")
def _():
    _, regd, _ = check_run()
    b = regd["badarg"]
    check(b["failed"] is True and b["rc"] == 64, b)
    check("exit 64: bad command line or argument" in b["msg"]
          and "'zz:zz.9' is not a PCI address" in b["msg"], b["msg"])
    n = regd["noroot"]
    check(n["failed"] is True and n["rc"] == 66 and "exit 66" in n["msg"]
          and "no-such-root" in n["msg"], n)


@test("a JSON schema the collection does not know is refused")
def _():
    _, regd, _ = check_run()
    s = regd["schema"]
    check(s["failed"] is True and "schema 99 is not one this collection reads" in s["msg"], s)


@test("apply: host, vm and mapping changed, files written, undo ids; pending commands warned")
def _():
    (rc, output, regd), _ = apply_runs()
    check(rc == 0 and regd, f"ansible-playbook exit {rc}:\n{output[-3000:]}")
    for k in ("host", "vm", "mapping"):
        r = regd[k]
        check(r["changed"] is True and r["undo_id"] and r["plan"]["command"] == k + " apply",
              f"{k}: {r}")
        check(f"undo with: vfio-pilot --root {r['plan']['root']} undo {r['undo_id']}" in r["msg"],
              r["msg"])
    with open(os.path.join(state["host"], "etc/modprobe.d/vfio-pilot.conf")) as f:
        check("options vfio-pci ids=10de:2684,10de:22ba" in f.read(), "modprobe.d written")
    with open(os.path.join(state["vms"], "etc/pve/qemu-server/100.conf")) as f:
        check("hostpci0: 0000:01:00,pcie=1" in f.read(), "VM config written")
    with open(os.path.join(state["vms"], "etc/pve/mapping/pci.cfg")) as f:
        text = f.read()
    check(text.startswith("rtx4090\n") and text.count("\tmap node=") == 2, text)
    check(any(w.startswith("not run: update-initramfs -u -k all")
              for w in regd["host"].get("warnings", [])), regd["host"].get("warnings"))
    check("changed=3" in output, "three changes")


@test("a second run reports changed: false everywhere")
def _():
    _, (rc, output, regd) = apply_runs()
    check(rc == 0 and regd, f"ansible-playbook exit {rc}:\n{output[-3000:]}")
    for k in ("host", "vm", "mapping"):
        r = regd[k]
        check(r["changed"] is False and not r.get("failed"), f"{k}: {r}")
    for k in ("host", "vm", "mapping"):
        # Nothing to do: the plan is the answer, no apply ran.
        check(regd[k]["undo_id"] is None and regd[k]["plan"]["command"] == k + " plan"
              and not regd[k]["plan"]["edits"], regd[k])
    check(any(w.startswith("pending from an earlier apply") and "update-initramfs" in w
              for w in regd["host"].get("warnings", [])), regd["host"].get("warnings"))
    check("changed=0" in output and "failed=0" in output, output[-500:])


def main():
    print(f"1..{len(results)}")
    bad = 0
    try:
        for i, (name, fn) in enumerate(results, 1):
            try:
                fn()
                print(f"ok {i} - {name}")
            except Skip as e:
                print(f"ok {i} - {name} # SKIP {e}")
            except Exception as e:  # noqa: BLE001
                bad += 1
                print(f"not ok {i} - {name}")
                for line in str(e).splitlines() or [repr(e)]:
                    print(f"# {line}")
            sys.stdout.flush()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
