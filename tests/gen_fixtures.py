#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build step: generate every fixture host, then touch the stamp meson tracks."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
stamp, outdir = sys.argv[1], sys.argv[2]
subprocess.run([sys.executable, os.path.join(here, "fixtures", "mkfixtures.py"), outdir],
               check=True, stdout=subprocess.DEVNULL)
with open(stamp, "w", encoding="utf-8") as f:
    f.write("generated\n")
