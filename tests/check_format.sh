#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The C sources follow the repository's .clang-format (kernel style as kmod uses it).
top="$(dirname "$0")/.."
cd "$top" || exit 1
files=$(find src tests/unit -name '*.[ch]' | sort)
# shellcheck disable=SC2086
if ! clang-format --dry-run --Werror $files; then
	echo "run: clang-format -i \$(find src tests/unit -name '*.[ch]')"
	exit 1
fi
echo "$(echo "$files" | wc -l) files formatted"
