#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: the VM suite on a debug kernel. Builds (once; cached by
# the config fragment's hash) linux-source-6.12 with KASAN, lockdep,
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak and DEBUG_OBJECTS
# (scripts/debug-kernel.sh), builds our NVMe modules against it into a
# module dir of its own, boots it and runs the suite (T= picks tests, as
# for make vmtest). Each boot ends with a kmemleak scan after unloading the
# NVMe modules (tests/vm/init). Fails on any test failure, on a leak from
# nvme/nvmet/nvme-mpx code, and on any splat in the whole serial console
# log, boot and cleanup between tests included. Too slow for CI: run it
# before every release (README).
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
set -e
t0=$(date +%s)
bash "$MPX_TOP/scripts/debug-kernel.sh"
t1=$(date +%s)
export MPX_DEBUG=1
# Deadlines in the guest scale by this: KASAN and lockdep cost time.
export MPX_SLOW=${MPX_SLOW:-3}
resolve_kver
msg "building our NVMe modules against $MPX_KREL into $MPX_NVME"
bash "$MPX_TOP/scripts/build-modules.sh"
t2=$(date +%s)
work=${MPX_VM_OUT:-$MPX_TOP/out/vm}
tap=$MPX_TOP/out/check-debug.tap
set +e
# shellcheck disable=SC2086
bash "$MPX_TOP/tests/vm/run.sh" -o "$tap" ${T:-'*'}
t3=$(date +%s)
set -e
pass=$(grep -c '^ok ' "$tap" || true)
fail=$(grep -c '^not ok ' "$tap" || true)

# Everything the kernel said, between tests too (the guest checks only each
# test's own window): any report of the debug options fails the run.
splat='WARNING:|BUG:|kernel BUG at|Oops|general protection fault|possible (circular|recursive) locking|lockdep is turned off|suspicious RCU|rcu: INFO|self-detected stall|blocked for more than|UBSAN|KASAN|ODEBUG|kmemleak: [0-9]+ new suspected|kmemleak: .*(disabled|Cannot)|Call Trace'
con=$work/console.log
# kmemleak's own "N new suspected" line comes from the final scan, whose
# result (ours or not) the guest has already given. The log goes into a file
# to be grepped: under pipefail a "grep -q" or "head" that stops early makes
# the writer's SIGPIPE the pipeline's status, which would pass a log with a
# report in it (or, under set -e, end this script).
tr -d '\r' 2>/dev/null <"$con" | grep -v 'kmemleak: [0-9]* new suspected' >"$work/console.scan" || true
if [ -s "$con" ] && ! grep -Eq "$splat" "$work/console.scan"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAILED: debug kernel: the console log has reports (or is empty): $con" >&2
	grep -E -B2 -A20 "$splat" "$work/console.scan" | sed -n '1,80s/^/# console: /p' >&2 || true
fi
msg "debug kernel $(((t1 - t0) / 60)) min (0 when cached), modules $((t2 - t1)) s, VM suite $(((t3 - t2) / 60)) min"
echo "check-debug: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
