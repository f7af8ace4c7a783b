#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: style, the CLI (-Werror, fake sysfs), KUnit, then the VM
# suite. Each stage ends with its own "STAGE: N passed, M failed"; the last
# line sums them. A stage that dies without a summary counts as one failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/out"
P=0 F=0
stage() {
	local name=$1 t0 line p f
	shift
	t0=$(date +%s)
	echo "==> [$name] $*" >&2
	"$@" 2>&1 | tee "$top/out/check-$name.log" | grep -E --line-buffered -v '^$'
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$top/out/check-$name.log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')
	else
		p=0 f=1
		echo "FAILED: stage $name ended without a result" >&2
	fi
	P=$((P + p)) F=$((F + f))
	echo "==> [$name] $p passed, $f failed in $(($(date +%s) - t0)) s" >&2
}
stage style bash "$top/scripts/style.sh"
stage tools bash "$top/tests/tools.sh"
stage kunit bash "$top/tests/kunit/run.sh"
stage vm bash "$top/tests/vm/run.sh" -o "$top/out/vm.tap"
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
