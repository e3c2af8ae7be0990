#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Large fixture hosts for the benchmark: the dual-socket-p40 host (two
sockets, four Tesla P40s, an 82599 with VFs, the PCH) plus extra PCI domains,
alternating between the two NUMA nodes. Each extra domain holds root ports
with a dual-port 82599 and 63 VFs per port (129 functions with the port; the
last port has fewer VFs, so a host has exactly the functions asked for) and
one PCIe switch with four NVMe drives behind ACS-capable downstream ports;
a last domain holds eight GPUs with their HDMI audio on their own root ports.

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
                                nvidia_hda, nvme, root_port, switch_downstream,
                                switch_upstream)
from fixturelib.finalize import add_vfs  # noqa: E402
from fixturelib.generate import generate  # noqa: E402
from fixturelib.pcicfg import Link  # noqa: E402

PER_PORT = 129  # the root port, two PFs and 63 VFs each
NVME_PER_SHELF = 4
GPUS = 8 * 3  # root port, GPU, HDMI audio
# root port, switch upstream port, per drive a downstream port and the drive
SHELF = 2 + 2 * NVME_PER_SHELF
PORTS_PER_DOMAIN = 232  # devices 1-29 x 8 functions, buses 1-232; the shelf uses f0-f5


def nvme_shelf(bus, n):
    """A Broadcom PEX 88096-like switch on root port 1f.0 with NVMe drives."""
    rp = bus.add(0x1F, 0, root_port(0x8086, 0x2030, 0x04, Link(4, 16), name="IIO root port"),
                 secondary=0xF0)
    up = rp.secondary.add(0, 0, switch_upstream(0x1000, 0xC030, 0xB0, Link(4, 16),
                                                name="PEX switch upstream port"),
                          secondary=0xF1, subordinate=0xF1 + NVME_PER_SHELF)
    for i in range(NVME_PER_SHELF):
        ds = up.secondary.add(i, 0, switch_downstream(0x1000, 0xC030, 0xB0, Link(4, 4),
                                                      acs=True, port_num=i,
                                                      name="PEX switch downstream port"),
                              secondary=0xF2 + i)
        ds.secondary.add(0, 0, nvme(0x144D, 0xA824, 0x00, (0x144D, 0xA809), Link(4, 4),
                                    name="PM173X", serial=0x5330000000 + n * 16 + i))


def build(total):
    h = loader.load("dual-socket-p40").build()
    h.name = f"bench-{total}"
    h.expect_groups = None
    h.mmio64 = (0x10000000000, 0x7FFFFFFFFFF)
    base = len(h.all_funcs())
    # Root ports needed when each domain also holds a shelf; the last port
    # gets fewer VFs so that the host has exactly @total functions.
    ports = 1
    while True:
        ndom = (ports + PORTS_PER_DOMAIN - 1) // PORTS_PER_DOMAIN
        need = total - base - GPUS - ndom * SHELF
        if need <= ports * PER_PORT:
            break
        ports += 1
    if need < 1:
        raise SystemExit(f"{total} functions: the base host alone has {base + GPUS + SHELF}")
    domains = []
    n = 0
    for d in range(1, 1 + ndom):
        bus = h.root_bus(0x00, domain=d, node=d % 2)
        nvme_shelf(bus, d)
        domains.append(bus)
    for p in range(ports):
        bus = domains[p // PORTS_PER_DOMAIN]
        i = p % PORTS_PER_DOMAIN
        funcs = min(PER_PORT, need - p * PER_PORT) - 1
        pfs = min(2, funcs)
        # An empty port trains no link (width 0), as the kernel shows it.
        link = Link(3, 8, 2, 8 if funcs else 0)
        rp = bus.add(1 + i // 8, i % 8, root_port(0x8086, 0x2030, 0x04, link,
                                                  name="IIO root port"),
                     secondary=1 + i)
        for port in range(pfs):
            nvf = (funcs - pfs + (1 - port)) // pfs if pfs == 2 else funcs - 1
            f = intel_82599(0x01, (0x8086, 0x0003), Link(2, 8), serial=0xA036 + n)
            # Servers leave I/O BARs and ROMs of NICs unassigned; 64 KiB of I/O
            # space and the 32-bit window would not hold hundreds of them.
            f.bars.pop(2, None)
            f.rom = None
            pf = rp.secondary.add(0, port, f)
            if nvf:
                add_vfs(pf, nvf, lambda: intel_82599_vf(0x01, (0x8086, 0x0003), Link(2, 8)))
            for vf in pf.vfs:
                vf.pcie.link = None
            n += 1
    kmod.use(h, "ixgbe", "ixgbevf", "nvme", "vfio_pci", "vfio_iommu_type1")
    # Eight GPUs with audio on their own ports at the end of the last domain.
    gdom = h.root_bus(0x00, domain=len(domains) + 1, node=0)
    for g in range(8):
        rp = gdom.add(1 + g, 0, root_port(0x8086, 0x2030, 0x04, Link(4, 16),
                                          name="IIO root port"), secondary=1 + g)
        gpu = nvidia_gpu(0x2204, 0xA1, (0x1462, 0x3881), Link(4, 16), driver="vfio-pci")
        # 64 KiB of I/O space holds a dozen bridge windows: on GPU servers the
        # firmware leaves the GPUs' legacy I/O BARs unassigned.
        gpu.bars.pop(5, None)
        rp.secondary.add(0, 0, gpu)
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
