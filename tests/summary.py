#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Closing line of a test run: 'N passed, N failed, N skipped'.

meson test prints a summary block that CI does not read, so this counts the
results in meson-logs/testlog.json. TAP tests count per subtest ("ok" /
"not ok" lines, "# SKIP" as skipped); a TAP test that crashed or exited
non-zero after its plan also counts one failure, so a crash is never hidden.

Arguments ending in .tap are TAP streams of stages outside meson (valgrind,
fuzzing; tests/run): counted the same way, and a stream with fewer results
than its plan ("1..N") counts the missing ones as failures.
"""
import json
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")


def count(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            out = t.get("stdout") or ""
            p = fl = s = 0
            for l in out.splitlines():
                m = TAP_LINE.match(l.strip())
                if not m:
                    continue
                # TAP: SKIP is not run; a TODO test is expected to fail and
                # counts as skipped either way (a "not ok # TODO" is not a failure).
                if "# SKIP" in m.group(2).upper() or "# TODO" in m.group(2).upper():
                    s += 1
                elif m.group(1) == "ok":
                    p += 1
                else:
                    fl += 1
            ok = t["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
            if p + fl + s == 0:
                if t["result"] == "SKIP":
                    s = 1
                elif ok:
                    p = 1
                else:
                    fl = 1
            elif not ok and fl == 0:
                fl = 1
            passed += p
            failed += fl
            skipped += s
    return passed, failed, skipped


def tally(lines):
    p = fl = s = 0
    for l in lines:
        m = TAP_LINE.match(l.strip())
        if not m:
            continue
        if "# SKIP" in m.group(2).upper() or "# TODO" in m.group(2).upper():
            s += 1
        elif m.group(1) == "ok":
            p += 1
        else:
            fl += 1
    return p, fl, s


def count_tap(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return 0, 1, 0  # the stage did not even write its stream
    p, fl, s = tally(lines)
    plan = next((int(m.group(1)) for m in map(re.compile(r"^1\.\.(\d+)").match, lines) if m), None)
    if plan is None:
        fl += 1
    elif p + fl + s < plan:
        fl += plan - (p + fl + s)
    return p, fl, s


def main():
    total = [0, 0, 0]
    for path in sys.argv[1:]:
        counts = count_tap(path) if path.endswith(".tap") else count(path)
        for i, v in enumerate(counts):
            total[i] += v
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
