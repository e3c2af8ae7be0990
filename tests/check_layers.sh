#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The layers of docs/ARCHITECTURE.md point one way:
#   3 cmd/, main.c
#   2 checks/, plan/, out/, snap/
#   1 host/, kb/, pve/
#   0 context, util, validate (src/*.[ch])
# A file may include headers of its own layer or of a layer below, never one
# above. usage: check_layers.sh [SRC-DIR]; --self-check proves on a scratch
# copy that a wrong include makes it fail.
set -u
here=$(cd "$(dirname "$0")" && pwd)

rank() {
	case $1 in
	cmd/* | main.c | main.h) echo 3 ;;
	checks/* | plan/* | out/* | snap/*) echo 2 ;;
	host/* | kb/* | pve/*) echo 1 ;;
	*/*) echo 9 ;; # a directory nobody placed: a failure, not a pass
	*) echo 0 ;;
	esac
}

check() {
	src=$1
	bad=0
	for f in $(cd "$src" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
		own=$(rank "$f")
		if [ "$own" = 9 ]; then
			echo "$f: in no layer (add its directory to tests/check_layers.sh)"
			bad=1
			continue
		fi
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src/$f"); do
			r=$(rank "$inc")
			if [ "$r" -gt "$own" ]; then
				echo "$f (layer $own) includes $inc (layer $r)"
				bad=1
			fi
		done
	done
	return $bad
}

if [ "${1:-}" = --self-check ]; then
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	cp -r "$here/../src" "$tmp/src"
	check "$tmp/src" >/dev/null || { echo "self-check: the tree itself fails"; exit 1; }
	printf '#include "plan/plan.h"\n' >>"$tmp/src/host/pci.c"
	if check "$tmp/src" >/dev/null; then
		echo "self-check: host/pci.c including plan/plan.h was not caught"
		exit 1
	fi
	echo "self-check: a host file including a plan header fails the check"
	exit 0
fi
if check "${1:-$here/../src}"; then
	echo "every include points to the same layer or one below"
else
	exit 1
fi
