#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/guide.md and docs/troubleshooting.md are generated; regenerate both
# into the build directory and fail when the committed copies differ.
#   tests/pkg/check_docs.sh BINARY FIXTURE_DIR SRCDIR OUTDIR
set -u
bin=$1 fixtures=$2 src=$3 out=$4
mkdir -p "$out" || exit 1
rc=0
n=0
check() { # NAME COMMAND...
	name=$1
	shift
	n=$((n + 1))
	if ! "$@" >"$out/$name.log" 2>&1; then
		echo "not ok $n - docs/$name regenerates"
		sed 's/^/# /' "$out/$name.log"
		rc=1
	elif ! diff -u "$src/docs/$name" "$out/$name" >"$out/$name.diff"; then
		echo "not ok $n - docs/$name is up to date"
		head -n 40 "$out/$name.diff" | sed 's/^/# /'
		echo "# regenerate it: $(echo "$*" | sed "s|$out/$name|docs/$name|")"
		rc=1
	else
		echo "ok $n - docs/$name is up to date"
	fi
}
check guide.md python3 "$src/tools/mkguide.py" "$bin" "$fixtures" "$out/guide.md"
check troubleshooting.md python3 "$src/tools/mktroubleshooting.py" "$bin" "$out/troubleshooting.md"
echo "1..$n"
exit $rc
