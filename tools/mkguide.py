#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write docs/guide.md: a walk-through from a fresh Proxmox host to a GPU VM
and to an LXC transcoding container, every step with the output vfio-pilot
really prints on the fixture hosts.

Each part works on a copy of a fixture (tests/fixtures/scenarios/*.md say
what the hosts are). Commands are shown as the operator types them on the
host; they run with --root COPY, and the copy's path is printed as "/" in
the output, as it would be on the host. Names come from tools/guide.pci.ids
(a subset of Debian 12's pci.ids), so the page does not change with the
pci.ids of the machine that builds it. tests/meson.build regenerates the
page and fails when the committed docs/guide.md differs.

  tools/mkguide.py BINARY FIXTURE_DIR OUT.md
  tools/mkguide.py --ids-subset FIXTURE_DIR [PCI_IDS]   rewrite guide.pci.ids
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
IDS = os.path.join(HERE, "guide.pci.ids")
FIXTURES = ("intel-4090-vms", "dual-socket-p40-vms", "n100-minipc")

# What `pct create` writes for a small unprivileged Debian container; the
# container itself is made with Proxmox's tools, not with vfio-pilot.
CT101 = ("arch: amd64\ncores: 2\nhostname: jellyfin\nmemory: 2048\n"
         "net0: name=eth0,bridge=vmbr0,ip=dhcp,type=veth\nostype: debian\n"
         "rootfs: local-lvm:vm-101-disk-0,size=8G\nunprivileged: 1\n")


def ids_subset(fixture_dir, src="/usr/share/misc/pci.ids"):
    """The vendors, devices and subsystems of the guide's fixtures, and every class."""
    want = set()
    for fx in FIXTURES:
        top = os.path.join(fixture_dir, fx, "sys", "bus", "pci", "devices")
        for d in sorted(os.listdir(top)):
            def rd(name):
                try:
                    with open(os.path.join(top, d, name), encoding="ascii") as f:
                        return f.read().strip()[2:]
                except OSError:
                    return ""
            want.add((rd("vendor"), rd("device"), rd("subsystem_vendor"),
                      rd("subsystem_device")))
    vendors = {w[0] for w in want} | {w[2] for w in want}
    devices = {(w[0], w[1]) for w in want}
    subs = {(w[0], w[1], w[2], w[3]) for w in want}
    out = ["# A subset of Debian 12's pci.ids (package pci.ids 0.0~2023.04.11),",
           "# the ids of the fixture hosts in docs/guide.md; written by",
           "# tools/mkguide.py --ids-subset. pci.ids is available under the",
           "# GNU GPL v2 or later, or the 3-clause BSD licence.", ""]
    vendor = device = None
    in_classes = False
    with open(src, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("C "):
                in_classes = True
            if in_classes:
                if line and not line.startswith("#"):
                    out.append(line)
                continue
            if not line or line.startswith("#"):
                continue
            if not line.startswith("\t"):
                vendor, device = line[:4], None
                if vendor in vendors:
                    out.append(line)
            elif not line.startswith("\t\t"):
                device = line[1:5]
                if (vendor, device) in devices:
                    out.append(line)
            else:
                sv, sd = line[2:6], line[7:11]
                if (vendor, device, sv, sd) in subs:
                    out.append(line)
    with open(IDS, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


class Guide:
    def __init__(self, binary, fixture_dir, work):
        self.binary = binary
        self.fixture_dir = fixture_dir
        self.work = work
        self.text = []
        self.root = None

    def host(self, name):
        self.root = os.path.join(self.work, name)
        shutil.copytree(os.path.join(self.fixture_dir, name), self.root, symlinks=True)

    def put(self, path, content):
        full = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(content)

    def md(self, text):
        self.text.append(text.strip("\n") + "\n")

    def run(self, line, expect=None, show=None):
        """Run `vfio-pilot ARGS` on the current host copy; show command and output."""
        argv = shlex.split(line)
        assert argv[0] == "vfio-pilot"
        # A file named on the command line (vm lint FILE) is the host's file.
        argv = [os.path.join(self.root, a.lstrip("/"))
                if a.startswith("/") and os.path.exists(os.path.join(self.root, a.lstrip("/")))
                else a for a in argv]
        p = subprocess.run([self.binary, "--root", self.root, "--ids", IDS] + argv[1:],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           cwd=self.work, env={"PATH": os.environ.get("PATH", ""),
                                               "LC_ALL": "C", "NO_COLOR": "1"},
                           check=False)
        out = p.stdout.decode("utf-8", "replace")
        out = out.replace(self.root + "/", "/").replace(self.root, "/")
        out = out.replace(self.work + "/", "")
        if expect is not None and p.returncode not in expect:
            sys.exit(f"mkguide: '{line}' exited {p.returncode}, expected {expect}:\n{out}")
        lines = out.rstrip("\n").split("\n")
        if show:
            lines = show(lines)
        body = "\n".join(["# " + line] + lines)
        self.text.append("```\n" + body + "\n```\n")
        if p.returncode:
            self.text.append(f"(exit status {p.returncode})\n")
        return p.returncode, out

    def command(self, line):
        """A step done with another tool, or as root on the host: shown, not run."""
        self.text.append("```\n# " + line + "\n```\n")


def tail_from(pattern):
    def pick(lines):
        for i, line in enumerate(lines):
            if re.search(pattern, line):
                return ["[...]"] + lines[i:]
        return lines
    return pick


def write_guide(g):
    g.md("""
# Guide: from a fresh Proxmox VE host to a GPU VM and a transcoding container

<!-- Generated by tools/mkguide.py from the fixture hosts; do not edit. -->

This walk-through uses only vfio-pilot commands, plus the Proxmox tools where a
step belongs to Proxmox (creating a container, rebooting). Every output below is
what vfio-pilot printed on the project's fixture hosts, generated when the page
was built: the page cannot drift from the program. The hosts are described in
`tests/fixtures/scenarios/`.

Install the package first (see the README):

```
# apt install ./vfio-pilot_0.1.0_amd64.deb
```

Everything vfio-pilot does is read-only until a command says `apply`. Every
command has `--help` with an example, and `--json` where it reports.
""")

    # ---- Part 1 ---------------------------------------------------------------------
    g.host("intel-4090-vms")
    g.md("""
## Part 1: a GeForce RTX 4090 for a Windows VM

The host: a Core i9 (Raptor Lake) on Proxmox VE 8, the iGPU as its console, an
RTX 4090 at `01:00` still on the nouveau driver, and a Windows 11 VM 100 made in
the GUI with the defaults.

### 1. Ask the doctor

`doctor` checks firmware, kernel, VFIO, the device and Proxmox, each finding
with the file it read and the exact fix. On a fresh host it is "not ready", and
says why:
""")
    g.run("vfio-pilot doctor", expect=(0, 1, 2))
    g.md("""
### 2. Find the card and its IOMMU group

A device can only go to a VM with every other device of its IOMMU group.
""")
    g.run("vfio-pilot devices -c display", expect=(0,))
    g.run("vfio-pilot groups 01:00.0", expect=(0,))
    g.md("""
The card is alone with its own HDMI audio function: `isolated-with-companions`.
Pass both functions (`01:00`). To see the whole PCI tree, draw it; groups are
boxes, shared groups red, the host's own devices yellow:

```
# vfio-pilot groups --svg host.svg
```

### 3. Is passthrough the right tool?
""")
    g.run("vfio-pilot advise -w gaming", expect=(0, 1))
    g.md("""
### 4. Hand the card to vfio-pci at boot

`host plan` shows every file it would change, as a diff, and the commands it
would run. Nothing is written.
""")
    g.run("vfio-pilot host plan -d 01:00", expect=(0, 1, 2))
    g.md("""
Review it, then apply it as root and reboot. `apply` writes each file atomically
with a backup, and `vfio-pilot undo` restores them byte for byte:

```
# vfio-pilot host apply -d 01:00
# reboot
```

After the reboot, `vfio-pilot doctor 01:00` should show the card on vfio-pci.

### 5. Give the card to the VM

VM 100 was just created for Windows 11 and nothing is installed yet, so it may
move from SeaBIOS to UEFI: `--ovmf` says so. Without it vfio-pilot keeps
SeaBIOS, as a guest installed under SeaBIOS does not boot under OVMF.
""")
    g.run("vfio-pilot vm plan 100 -d 01:00 --ovmf", expect=(0, 1))
    g.md("""
On the host (without `--root`) the plan is a `qm set` command; `vm apply` runs
it. A config copied from a guide is worth a lint before the first start:
""")
    g.run("vfio-pilot vm lint /root/vm-101-guide.conf", expect=(0, 1, 2))

    # ---- Part 2 ---------------------------------------------------------------------
    g.host("dual-socket-p40-vms")
    g.md("""
## Part 2: a compute card on a two-socket server

The host: two NUMA nodes and four Tesla P40 cards, already bound to vfio-pci
(this is what a host looks like after step 4 and its reboot); VM 100 is a Linux
VM on q35 and OVMF. The doctor's view of one card, from its VFIO checks on:
""")
    g.run("vfio-pilot doctor 86:00", expect=(0, 1), show=tail_from(r"^VFIO modules"))
    g.md("""
`ids=` binds all four identical cards, not only the one asked about; on this
host the other three are meant for other VMs, so the warning is expected. A
compute card has no display, and on two
sockets the VM should run on the card's node:
""")
    g.run("vfio-pilot groups 86:00.0", expect=(0,))
    g.run("vfio-pilot vm plan 100 -d 86:00 --tune", expect=(0, 1))

    # ---- Part 3 ---------------------------------------------------------------------
    g.host("n100-minipc")
    g.md("""
## Part 3: the iGPU of a mini PC for a transcoding container

The host: an Intel N100 mini PC whose only GPU is the iGPU, which is also the
host's console. Passing it to a VM would leave the host headless; a container
can share it instead:
""")
    g.run("vfio-pilot advise -w transcode", expect=(0, 1))
    g.md("""
Create the container with Proxmox's tools (here, container 101):

```
# pct create 101 local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst --hostname jellyfin --unprivileged 1 ...
```

Then give it the render node:
""")
    g.put("/etc/pve/lxc/101.conf", CT101)
    g.run("vfio-pilot lxc plan 101 --dri --render-only", expect=(0,))
    g.md("""
Apply it as root and restart the container; inside, `vainfo` lists the iGPU's
codecs:

```
# vfio-pilot lxc apply 101 --dri --render-only
# pct reboot 101
```

## When something goes wrong

Paste the log into `explain`; it recognises the known failure messages and names
the cause and fix. A symptom works too:
""")
    g.run("vfio-pilot explain --symptom 'code 43'", expect=(0,))
    g.md("""
The whole table is in [troubleshooting.md](troubleshooting.md). To ask for help
elsewhere, `vfio-pilot snapshot -o host.tar.gz` captures what vfio-pilot reads,
with host names, addresses and serials replaced, so others can run the same
commands with `--root`.
""")


def main():
    if sys.argv[1] == "--ids-subset":
        ids_subset(sys.argv[2], *sys.argv[3:4])
        return
    binary, fixture_dir, out = (os.path.abspath(a) for a in sys.argv[1:4])
    work = tempfile.mkdtemp(prefix="vp-guide.")
    try:
        g = Guide(binary, fixture_dir, work)
        write_guide(g)
        text = "\n".join(g.text)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if work in text:
        sys.exit("mkguide: the output still names the temporary directory")
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
