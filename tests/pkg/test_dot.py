#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""groups --dot on every fixture host: dot -Tpng renders it, every IOMMU
group is a cluster, exactly the shared groups are drawn red, host-critical
devices and the targets are marked, and --svg writes an SVG (and says what
to install when graphviz is missing). TAP output; skips only when graphviz's
dot is not installed (tools/install-deps installs it).
  test_dot.py BINARY FIXTURE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

binary, fixtures = (os.path.abspath(a) for a in sys.argv[1:3])
n = 0
failed = 0


def report(ok, what, detail=""):
    global n, failed
    n += 1
    failed += not ok
    print(("ok" if ok else "not ok") + f" {n} - {what}")
    for line in ([] if ok else str(detail).splitlines()[:15]):
        print("# " + line)


dot = shutil.which("dot")
if not dot:
    print("1..0 # SKIP graphviz's dot is not installed (tools/install-deps installs it)")
    sys.exit(0)

work = tempfile.mkdtemp(prefix="vp-dot.")
try:
    for name in sorted(os.listdir(fixtures)):
        root = os.path.join(fixtures, name)
        if not os.path.isdir(os.path.join(root, "sys")):
            continue
        p = subprocess.run([binary, "--root", root, "groups", "--dot"],
                           capture_output=True, text=True, check=False)
        j = subprocess.run([binary, "--root", root, "--json", "groups"],
                           capture_output=True, text=True, check=False)
        groups = json.loads(j.stdout)["groups"]
        text = p.stdout
        report(p.returncode == (0 if groups else 3) and text.startswith("digraph"),
               f"{name}: groups --dot exits {p.returncode}", p.stderr)
        png = os.path.join(work, name + ".png")
        r = subprocess.run([dot, "-Tpng", "-o", png], input=text, capture_output=True,
                           text=True, check=False)
        report(r.returncode == 0 and os.path.getsize(png) > 1000 and not r.stderr,
               f"{name}: dot -Tpng renders it", r.stderr)
        clusters = re.findall(r'subgraph "cluster_group_(\d+)" \{\n\t\tlabel="[^"]*";\n'
                              r'\t\t(style=[^\n]*)', text)
        red = {int(g) for g, style in clusters if "#c00000" in style}
        shared = {g["id"] for g in groups if g["verdict"] == "shared"}
        report(len(clusters) == len(groups) and red == shared,
               f"{name}: {len(groups)} clusters, shared {sorted(shared)} in red",
               f"clusters {len(clusters)}, red {sorted(red)}")
        dv = subprocess.run([binary, "--root", root, "--json", "devices"],
                            capture_output=True, text=True, check=False)
        crit = [d["address"] for d in json.loads(dv.stdout)["devices"]
                if any(v is True for v in d["host_critical"].values())]
        marked = re.findall(r'"([0-9a-f:.]+)" \[label="[^"]*host needs it', text)
        report(sorted(crit) == sorted(marked), f"{name}: host-critical marked {marked}",
               f"expected {crit}")
        for g in groups:
            for m in g["members"]:
                if not re.search(r'"%s" \[' % re.escape(m["address"]), text):
                    report(False, f"{name}: {m['address']} is drawn")
        if any(d["kind"] == "display" for g in groups for d in g["members"]):
            report("TARGET" in text and "peripheries=2" in text,
                   f"{name}: a candidate GPU is marked as the target")

    root = os.path.join(fixtures, "b550")
    svg = os.path.join(work, "b550.svg")
    p = subprocess.run([binary, "--root", root, "groups", "--svg", svg],
                       capture_output=True, text=True, check=False)
    ok = p.returncode == 0 and open(svg, encoding="utf-8").read().lstrip().startswith("<?xml")
    report(ok, "groups --svg writes an SVG through dot", p.stderr)
    p = subprocess.run([binary, "--root", root, "groups", "--svg", svg],
                       capture_output=True, text=True, check=False,
                       env={"PATH": work})
    report(p.returncode == 66 and "apt install graphviz" in p.stderr,
           f"--svg without graphviz: exit {p.returncode} and what to install", p.stderr)
    p = subprocess.run([binary, "--root", root, "--json", "groups", "--dot"],
                       capture_output=True, text=True, check=False)
    report(p.returncode == 64, "--json with --dot is a usage error", p.stderr)
finally:
    shutil.rmtree(work, ignore_errors=True)

print(f"1..{n}")
sys.exit(1 if failed else 0)
