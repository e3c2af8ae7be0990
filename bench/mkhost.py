#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Large fixture hosts for the benchmark: the intel-4090 host plus a second
PCI domain of root ports, each holding a dual-port 82599 with 63 VFs per
port (128 functions per root port), and eight GPUs with their audio.

usage: mkhost.py OUTDIR FUNCTIONS [FUNCTIONS...]   e.g. 1024 4096 16384
Each host goes to OUTDIR/bench-N. Built with tests/fixtures/fixturelib, so
the trees have the same layout, config spaces and groups as every fixture.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

from fixturelib import kmod, loader  # noqa: E402
from fixturelib.catalog import (intel_82599, intel_82599_vf, nvidia_gpu,  # noqa: E402
                                nvidia_hda, root_port)
from fixturelib.finalize import add_vfs  # noqa: E402
from fixturelib.generate import generate  # noqa: E402
from fixturelib.pcicfg import Link  # noqa: E402

PER_PORT = 128  # two PFs and 63 VFs each, plus nothing else on the bus


def build(total):
    h = loader.load("intel-4090").build(f"bench-{total}")
    h.expect_groups = None
    h.mmio64 = (0x10000000000, 0x7FFFFFFFFFF)
    base = len(h.all_funcs())
    ports = max(1, -(-(total - base - 16) // PER_PORT))
    domains = []
    n = 0
    for d in range(1, 1 + (ports + 247) // 248):
        domains.append(h.root_bus(0x00, domain=d))
    for p in range(ports):
        bus = domains[p // 248]
        i = p % 248
        rp = bus.add(1 + i // 8, i % 8, root_port(0x8086, 0x2030, 0x04, Link(3, 8, 2, 8),
                                                  name="IIO root port"),
                     secondary=1 + i)
        for port in (0, 1):
            f = intel_82599(0x01, (0x8086, 0x0003), Link(2, 8), serial=0xA036 + n)
            # Servers leave I/O BARs and ROMs of NICs unassigned; 64 KiB of I/O
            # space and the 32-bit window would not hold hundreds of them.
            f.bars.pop(2, None)
            f.rom = None
            pf = rp.secondary.add(0, port, f)
            add_vfs(pf, 63, lambda: intel_82599_vf(0x01, (0x8086, 0x0003), Link(2, 8)))
            for vf in pf.vfs:
                vf.pcie.link = None
            n += 1
    kmod.use(h, "ixgbe", "ixgbevf", "vfio_pci", "vfio_iommu_type1")
    # Eight GPUs with audio on their own ports at the end of the last domain.
    gdom = h.root_bus(0x00, domain=len(domains) + 1)
    for g in range(8):
        rp = gdom.add(1 + g, 0, root_port(0x8086, 0x2030, 0x04, Link(4, 16),
                                          name="IIO root port"), secondary=1 + g)
        rp.secondary.add(0, 0, nvidia_gpu(0x2204, 0xA1, (0x1462, 0x3881), Link(4, 16),
                                          driver="vfio-pci"))
        rp.secondary.add(0, 1, nvidia_hda(0x1AEF, 0xA1, (0x1462, 0x3881), Link(4, 16),
                                          driver="vfio-pci"))
    return h


def main():
    out = sys.argv[1]
    for total in (int(a) for a in sys.argv[2:]):
        h = build(total)
        dest = os.path.join(out, h.name)
        if os.path.exists(dest):
            import shutil
            shutil.rmtree(dest)
        generate(h, dest)
        print(f"{dest}: {len(h.all_funcs())} functions")


if __name__ == "__main__":
    main()
