#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Style checks on the project's own files: checkpatch --strict from the
# matching kernel source on every C file, sparse and W=1 on our nvme-core
# objects (only what they say about our files counts), and shell syntax.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
resolve_kver
cd "$MPX_TOP"
pass=0 fail=0
result() {
	if [ "$1" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: style $2" >&2; fi
}

cfiles=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './out/*')
for f in $cfiles; do
	# TRACE_EVENT() blocks are laid out as in every kernel trace header,
	# which --strict does not know about (TRACE_INCLUDE_FILE has a dash).
	ign=
	case $f in *-trace.h) ign=--ignore=PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE,SPACING ;; esac
	out=$(perl "$MPX_SRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		$ign -f "$f" 2>&1 | grep -E 'ERROR|WARNING|CHECK')
	[ -z "$out" ] || echo "$out" >&2
	result "$([ -z "$out" ] && echo 0 || echo 1)" "checkpatch $f"
done

own=$(cd drivers/nvme/host && ls ./*.c 2>/dev/null | sed 's|^\./||')
if [ -n "$own" ]; then
	# C=2 runs sparse on every file of host/, rebuilt or not; W=1 only
	# reaches what is recompiled, so ours are touched first. Filter to ours.
	log=$(mktemp)
	for f in $own; do touch "$MPX_NVME/tree/host/$f"; done
	make -C "$MPX_HDRS" M="$MPX_NVME/tree/host" C=2 W=1 \
		KBUILD_EXTRA_SYMBOLS="$MPX_NVME/tree/common/Module.symvers" modules >"$log" 2>&1 ||
		echo "FAILED: style: the W=1 build of host/ failed" >&2
	for f in $own; do
		out=$(grep -F "host/$f:" "$log")
		[ -z "$out" ] || echo "$out" >&2
		result "$([ -z "$out" ] && echo 0 || echo 1)" "sparse and W=1 $f"
	done
	rm -f "$log"
fi

# The optional features (Kconfig NVME_MPX_*) must build when turned off, as
# an in-tree kernel may have them: build host/ once more, in a scratch copy,
# as if the .config said so.
if [ -n "$own" ]; then
	scratch=$(mktemp -d)
	cp -a "$MPX_NVME/tree/host/." "$scratch/"
	make -C "$MPX_HDRS" M="$scratch" CONFIG_NVME_MPX=y CONFIG_NVME_MPX_SELECTORS_EXTRA= \
		CONFIG_NVME_MPX_STALL= KBUILD_EXTRA_SYMBOLS="$MPX_NVME/tree/common/Module.symvers" \
		modules >"$scratch.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 20 "$scratch.log" >&2
	! grep -q 'mpx-ps-st.o' "$scratch.log" || { echo "optional selectors built anyway" >&2; rc=1; }
	result $rc "build with the optional features off"
	rm -rf "$scratch" "$scratch.log"
fi

for f in $(git ls-files '*.sh' .ci/run tests/vm/init 2>/dev/null); do
	case $(head -n 1 "$f") in
	*bash*) bash -n "$f" ;;
	*) dash -n "$f" ;;
	esac
	result $? "shell syntax $f"
done
echo "style: $pass passed, $fail failed"
[ $fail -eq 0 ]
