#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Rule 3: only the context module names host paths. Any "/sys, "/proc, "/etc or
# "/dev string literal elsewhere in src/ is a reader that bypasses --root.
src="$(dirname "$0")/../src"
hits=$(grep -rn --include='*.c' --include='*.h' -e '"/sys' -e '"/proc' -e '"/etc' -e '"/dev' "$src" |
	grep -v -e '/src/context\.c:' -e '/src/context\.h:')
if [ -n "$hits" ]; then
	echo "host path literals outside src/context.[ch]:"
	echo "$hits"
	exit 1
fi
echo "no host path literals outside src/context.[ch]"
