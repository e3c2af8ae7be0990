#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The layers of docs/ARCHITECTURE.md point one way:
#   3 cmd/, main.c
#   2 checks/, plan/, out/, snap/
#   1 host/, kb/, pve/
#   0 context, util, validate (src/*.[ch])
# A file may include headers of its own layer or of a layer below, never one
# above, and checks/ and plan/ (both layer 2) never include each other. And
# the library never prints (issue #15): a file in checks/, plan/,
# snap/, host/, kb/ or pve/ reports errors through the context's log function
# (vp_log_err, vp_log_warn) and writes output only to a FILE* it is given, so
# it must not call vp_err, vp_warn, perror or printf-to-stdout, nor name
# stderr, stdout or their descriptors; comments and strings do not count.
# usage: check_layers.sh [SRC-DIR]; --self-check proves on a scratch copy
# that a wrong include and a library file printing make it fail.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# The layer of path $1 in $rank (a variable, not output: no fork per include).
rank() {
	case $1 in
	cmd/* | main.c | main.h) rank=3 ;;
	checks/* | plan/* | out/* | snap/*) rank=2 ;;
	host/* | kb/* | pve/*) rank=1 ;;
	*/*) rank=9 ;; # a directory nobody placed: a failure, not a pass
	*) rank=0 ;;
	esac
}

# Library directories: they report through the context, the tool prints.
quiet_dirs="checks plan snap host kb pve"
# Calls that print, and the streams; grep picks the files to read.
calls='vp_err|vp_warn|perror|printf|vprintf|puts|putchar'
streams='stderr|stdout|STDERR_FILENO|STDOUT_FILENO'
words="$calls|$streams"

# Lines of C file $1 (shown as $2) that print on their own: comments and
# string and character literals are blanked first, so a message that says
# "stderr" is no call.
prints() {
	awk -v name="$2" -v calls="$calls" -v streams="$streams" '
	{
		out = ""
		n = length($0)
		i = 1
		if (!incom && $0 !~ /["\047\/]/) {
			out = $0 # nothing to blank: no comment, no literal
			i = n + 1
		}
		while (i <= n) {
			c = substr($0, i, 1)
			d = substr($0, i, 2)
			if (incom) {
				if (d == "*/") {
					incom = 0
					i += 2
				} else
					i++
				continue
			}
			if (d == "/*") {
				incom = 1
				i += 2
				continue
			}
			if (d == "//")
				break
			if (c == "\"" || c == "\047") {
				i++
				while (i <= n && substr($0, i, 1) != c) {
					if (substr($0, i, 1) == "\\")
						i++
					i++
				}
				i++
				out = out c c
				continue
			}
			out = out c
			i++
		}
		if (out ~ ("(^|[^A-Za-z0-9_])(" calls ")[ \t]*[(]") ||
		    out ~ ("(^|[^A-Za-z0-9_])(" streams ")([^A-Za-z0-9_]|$)"))
			printf "%s:%d: prints instead of reporting through the context: %s\n", name, FNR, $0
	}' "$1"
}

# The library files under $1 that print.
check_prints() {
	pbad=0
	# $quiet_dirs is split on purpose: one argument per directory.
	# shellcheck disable=SC2086
	for f in $(cd "$1" && grep -rlwE "$words" --include='*.[ch]' $quiet_dirs 2>/dev/null | sort); do
		out=$(prints "$1/$f" "$f")
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
			pbad=1
		fi
	done
	return $pbad
}

check() {
	src=$1
	bad=0
	for f in $(cd "$src" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
		rank "$f"
		own=$rank
		if [ "$own" = 9 ]; then
			echo "$f: in no layer (add its directory to tests/check_layers.sh)"
			bad=1
			continue
		fi
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src/$f"); do
			rank "$inc"
			if [ "$rank" -gt "$own" ]; then
				echo "$f (layer $own) includes $inc (layer $rank)"
				bad=1
			fi
			# Within layer 2, judging and planning stay apart: both
			# start from the session (host/session.h), never from
			# each other.
			case $f:$inc in
			checks/*:plan/* | plan/*:checks/*)
				echo "$f includes $inc: checks/ and plan/ do not include each other"
				bad=1
				;;
			esac
		done
	done
	check_prints "$src" || bad=1
	return $bad
}

if [ "${1:-}" = --self-check ]; then
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	cp -r "$here/../src" "$tmp/src"
	check "$tmp/src" >/dev/null || { echo "self-check: the tree itself fails"; exit 1; }
	cp "$tmp/src/host/pci.c" "$tmp/pci.c"
	# One run must name both: the wrong include and the library file printing.
	printf '#include "plan/plan.h"\nstatic void planted(void)\n{\n\tvp_err("x");\n}\n' \
		>>"$tmp/src/host/pci.c"
	out=$(check "$tmp/src") && { echo "self-check: the planted faults pass"; exit 1; }
	case $out in
	*"host/pci.c (layer 1) includes plan/plan.h"*) ;;
	*)
		echo "self-check: host/pci.c including plan/plan.h was not caught"
		exit 1
		;;
	esac
	case $out in
	*"host/pci.c:"*"prints instead"*) ;;
	*)
		echo "self-check: host/pci.c calling vp_err was not caught"
		exit 1
		;;
	esac
	# Judging and planning apart: a check including a plan header fails.
	cp "$tmp/src/checks/vmlint.c" "$tmp/vmlint.c"
	printf '#include "plan/vmplan.h"\n' >>"$tmp/src/checks/vmlint.c"
	out=$(check "$tmp/src") && { echo "self-check: checks/ including plan/ passes"; exit 1; }
	case $out in
	*"checks/vmlint.c includes plan/vmplan.h"*) ;;
	*)
		echo "self-check: checks/vmlint.c including plan/vmplan.h was not caught"
		exit 1
		;;
	esac
	cp "$tmp/vmlint.c" "$tmp/src/checks/vmlint.c"
	# What a message may say is no call: these alone must pass.
	cp "$tmp/pci.c" "$tmp/src/host/pci.c"
	printf '/* vp_err("x") to stderr */\nstatic const char *const s = "printf(\\"stderr\\")";\n' \
		>>"$tmp/src/host/pci.c"
	if [ -n "$(prints "$tmp/src/host/pci.c" host/pci.c)" ]; then
		echo "self-check: a comment and a string naming stderr were taken for calls"
		exit 1
	fi
	# Each way of printing is seen, in every library directory.
	for line in 'vp_err("cannot read");' 'vp_warn ("x");' \
		'fprintf(stderr, "x\\n");' 'fputs("x", stdout);' 'perror("x");' \
		'dprintf(STDERR_FILENO, "x");' 'printf("x");'; do
		for f in host/pci.c plan/report.c snap/capture.c kb/gpus.c pve/conf.c checks/doctor.c; do
			[ -f "$tmp/src/$f" ] || continue
			cp "$tmp/src/$f" "$tmp/planted.c"
			printf 'static void planted(void)\n{\n\t%s\n}\n' "$line" >>"$tmp/planted.c"
			if ! grep -qwE "$words" "$tmp/planted.c" ||
				[ -z "$(prints "$tmp/planted.c" "$f")" ]; then
				echo "self-check: $f with '$line' was not caught"
				exit 1
			fi
		done
	done
	echo "self-check: a host file including a plan header fails the check," \
		"and so do a check including a plan header and a library file that" \
		"prints (vp_err, stderr, stdout, ...)"
	exit 0
fi
if check "${1:-$here/../src}"; then
	echo "every include points to the same layer or one below; the library" \
		"prints nothing of its own"
else
	exit 1
fi
