#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real-world corpus (tests/realworld/): public pastes with their source and the
cause the poster or an answerer confirmed. Runs `explain --json` on each, and
`import` + `groups --json` on those labelled with a GPU group verdict, and
prints the share of causes named and of GPU group verdicts right. TAP.

Header of a corpus file:
  # source: URL
  # kinds: artefact kinds (free text)
  # cause: the id explain must name (a signature or a finding), `none` for a
  #        report where nothing failed, `unconfirmed` when nobody settled it
  # confirmed: who confirmed it
  # gpu-group: ADDRESS VERDICT   (isolated or shared; may repeat)
  # held-out: present when the paste was gathered after the rules it tests

Usage: test_realworld.py VFIO_PILOT CORPUS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

MIN = 90.0


def header(path):
    h = {"gpu-group": []}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith("# ") or ":" not in line:
                break
            k, v = line[2:].split(":", 1)
            k, v = k.strip(), v.strip()
            if k == "gpu-group":
                h[k].append(v.split())
            else:
                h[k] = v
    return h


def main():
    exe, corpus = sys.argv[1], sys.argv[2]
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".txt"))
    n = 0
    causes = named = 0
    quiet = quiet_ok = 0
    held = held_named = 0  # files gathered after the rules were written
    verdicts = right = 0
    missed = []
    out = []
    for name in files:
        path = os.path.join(corpus, name)
        h = header(path)
        if "source" not in h or "cause" not in h:
            n += 1
            out.append(f"not ok {n} - {name}: header lacks source or cause")
            continue
        p = subprocess.run([exe, "--json", "explain", path], capture_output=True, text=True)
        n += 1
        if p.returncode not in (0, 1):
            out.append(f"not ok {n} - {name}: explain exit {p.returncode}: {p.stderr.strip()}")
            continue
        d = json.loads(p.stdout)
        ids = {s["id"] for s in d["signatures"]} | {f["id"] for f in d["paste"]["findings"]}
        errors = [s["id"] for s in d["signatures"] if s["severity"] == "error"] + [
            f["id"] for f in d["paste"]["findings"] if f["severity"] == "error"]
        cause = h["cause"]
        if cause == "none":
            quiet += 1
            ok = not errors
            quiet_ok += ok
            out.append(f"ok {n} - {name}: no failure reported; errors named: {errors or 'none'}"
                       + ("" if ok else " (a false alarm, counted apart)"))
        elif cause == "unconfirmed":
            out.append(f"ok {n} - {name}: cause unconfirmed; kinds {d['paste']['kinds']}")
        else:
            causes += 1
            hit = any(c in ids for c in cause.split("|"))
            named += hit
            if "held-out" in h:
                held += 1
                held_named += hit
            if not hit:
                missed.append(f"{name}: wanted {cause}, got {sorted(ids)}")
            out.append(f"ok {n} - {name}: cause {cause} {'named' if hit else 'MISSED'}")
        for addr, want in h["gpu-group"]:
            verdicts += 1
            with tempfile.TemporaryDirectory() as t:
                root = os.path.join(t, "root")
                i = subprocess.run([exe, "import", path, "-o", root], capture_output=True, text=True)
                got = f"import exit {i.returncode}"
                if i.returncode == 0:
                    g = subprocess.run([exe, "--root", root, "--json", "groups"],
                                       capture_output=True, text=True)
                    got = "not found"
                    if g.returncode in (0, 1, 2):
                        for grp in json.loads(g.stdout)["groups"]:
                            if any(m["address"] == addr for m in grp["members"]):
                                got = grp["verdict"]
            ok = got.startswith(want)
            right += ok
            if not ok:
                missed.append(f"{name}: {addr} wanted {want}, got {got}")
            n += 1
            out.append(f"ok {n} - {name}: GPU {addr} group {got} (labelled {want})"
                       + ("" if ok else " WRONG"))
    pc = 100.0 * named / causes if causes else 0.0
    pv = 100.0 * right / verdicts if verdicts else 0.0
    labelled = causes + verdicts
    n += 1
    out.append(f"{'ok' if labelled >= 40 and len(files) >= 40 else 'not ok'} {n} - corpus: "
               f"{len(files)} files, {causes} confirmed causes, {verdicts} GPU group labels")
    n += 1
    out.append(f"{'ok' if pc >= MIN else 'not ok'} {n} - causes named: {named}/{causes} = {pc:.1f}%")
    n += 1
    out.append(f"{'ok' if pv >= MIN else 'not ok'} {n} - GPU group verdicts right: "
               f"{right}/{verdicts} = {pv:.1f}%")
    print(f"1..{n}")
    print("\n".join(out))
    print(f"# causes named: {pc:.1f}% ({named}/{causes}); GPU group verdicts right: "
          f"{pv:.1f}% ({right}/{verdicts}); reports without a failure kept quiet: "
          f"{quiet_ok}/{quiet}; of them held out (gathered after the rules): "
          f"{held_named}/{held}")
    for m in missed:
        print(f"# missed: {m}")


if __name__ == "__main__":
    main()
