#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the Debian 6.12 kernel in QEMU with our NVMe modules and run VM tests.
# Usage: run.sh [-m MODE] [-o RESULTS.tap] [-t SECONDS] [PATTERN...]
#   PATTERN: shell globs over the names in tests/vm/suite (default: all).
#   -t: the deadline of a test that is not in the suite (demo, bench).
# Prints the guest's result lines as they come; writes TAP to RESULTS.tap and
# exits non-zero if any test failed or did not report.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver

mode=check tap= tlimit=300
while getopts m:o:t: o; do
	case $o in
	m) mode=$OPTARG ;;
	o) tap=$OPTARG ;;
	t) tlimit=$OPTARG ;;
	*) die "usage: run.sh [-m MODE] [-o RESULTS.tap] [-t SECONDS] [PATTERN...]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- '*'

# names: what to run; specs: NAME:DEADLINE for the guest.
names=() specs=() total=0
while read -r n t; do
	case $n in ''|'#'*) continue ;; esac
	for pat in "$@"; do
		# shellcheck disable=SC2254
		case $n in $pat) names+=("$n"); specs+=("$n:$t"); total=$((total + t)); break ;; esac
	done
done <"$MPX_TOP/tests/vm/suite"
# A name outside the suite (the demo) runs if its script exists.
if [ ${#names[@]} -eq 0 ] && [ $# -eq 1 ] && [ -f "$MPX_TOP/tests/vm/t/${1%%-*}.sh" ]; then
	names=("$1") specs=("$1:$tlimit") total=$tlimit
fi
[ ${#names[@]} -gt 0 ] || die "no VM test matches '$*' (see tests/vm/suite)"

# MPX_VM_OUT lets two guests run side by side (a benchmark and a test).
work=${MPX_VM_OUT:-$MPX_TOP/out/vm}
mkdir -p "$work"
"$MPX_TOP/tests/vm/mkinitramfs.sh" "$MPX_CACHE/initramfs/$MPX_ABI" >&2
cp "$MPX_CACHE/initramfs/$MPX_ABI/initrd.gz" "$work/initrd.gz"

# KVM where Debian's kernel really boots under it (not on every host: a
# nested KVM may refuse its CPU model); otherwise TCG. Probed once per host.
accel() {
	local f=$MPX_CACHE/accel-$MPX_KREL
	if [ ! -f "$f" ]; then
		echo tcg >"$f"
		if [ -w /dev/kvm ]; then
			msg "probing KVM (up to 30 s)"
			rm -f "$work/probe.out"
			timeout 30 qemu-system-x86_64 -accel kvm -cpu host -m 1G -smp 1 \
				-display none -no-reboot -nic none -serial null \
				-serial "file:$work/probe.out" -kernel "$MPX_VMLINUZ" \
				-initrd "$work/initrd.gz" \
				-append "console=ttyS0 panic=-1 mpx.tests=" >/dev/null 2>&1 || true
			grep -q MPX-DONE "$work/probe.out" 2>/dev/null && echo kvm >"$f"
		fi
	fi
	cat "$f"
}
a=$(accel)
smp=2
if [ "$a" = kvm ]; then
	qaccel=(-accel kvm -cpu host)
elif [ "$mode" = bench ] && [ "${BENCH_CLOCK:-icount}" = icount ]; then
	# Under emulation, wall-clock rates swing by 30% with the host's load.
	# With -icount the guest's clock advances by instructions executed, so
	# a rate measured in guest time reflects the code path's length, not
	# the host's mood. One vCPU: icount needs single-threaded TCG.
	qaccel=(-accel tcg,thread=single -cpu max -icount shift=0,sleep=off)
	smp=1
else
	qaccel=(-accel tcg,thread=multi -cpu max)
fi

limit=$((total + 120))
list=$(IFS=,; echo "${specs[*]}")
msg "booting $MPX_KREL under ${qaccel[*]:0:2} with ${#names[@]} test(s): ${names[*]} (deadline ${limit}s)"
rm -f "$work/console.log" "$work/results.log"
: >"$work/results.log"
timeout -k 5 "$limit" qemu-system-x86_64 "${qaccel[@]}" -smp $smp -m 4G \
	-display none -no-reboot -nic none \
	-serial "file:$work/console.log" -serial "file:$work/results.log" \
	-kernel "$MPX_VMLINUZ" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=6 mpx.mode=$mode mpx.tests=$list" \
	</dev/null >"$work/qemu.out" 2>&1 &
qpid=$!
if [ "$mode" = demo ]; then
	# The demo's own output is the show; protocol lines stay out of it.
	tail -n +1 -f --pid=$qpid "$work/results.log" | tr -d '\r' |
		grep --line-buffered -vE '^(MPX-|ok |# running)' >&2 &
else
	tail -n +1 -f --pid=$qpid "$work/results.log" | tr -d '\r' |
		grep --line-buffered -E '^(ok|not ok|MPX-|# |BENCH )' | sed -u 's/^/  /' >&2 &
fi
tpid=$!
wait $qpid && qrc=0 || qrc=$?
wait $tpid || true
[ $qrc -eq 0 ] || msg "qemu ended with status $qrc (124: whole-boot deadline)"

# Turn the guest's lines into TAP; a test that never reported END failed.
tap=${tap:-$work/results.tap}
awk -v names="${names[*]}" -v con="$work/console.log" '
BEGIN { n = split(names, want, " ") }
/^MPX-BEGIN / { cur = $2; begun[cur] = 1 }
/^MPX-END / { ended[$2] = 1 }
/^(ok|not ok) / { line[++k] = $0 }
/^# / { line[++k] = $0 }
END {
	for (i = 1; i <= n; i++)
		if (!ended[want[i]])
			line[++k] = "not ok " want[i] ": did not finish (guest died or hung; see " con ")"
	t = 0
	for (i = 1; i <= k; i++) if (line[i] !~ /^# /) t++
	print "TAP version 13"; print "1.." t
	j = 0
	for (i = 1; i <= k; i++) {
		if (line[i] ~ /^# /) { print line[i]; continue }
		j++
		if (line[i] ~ /^ok /) print "ok " j " - " substr(line[i], 4)
		else print "not ok " j " - " substr(line[i], 8)
	}
}' "$work/results.log" | tr -d '\r' >"$tap"
pass=$(grep -c '^ok ' "$tap" || true)
fail=$(grep -c '^not ok ' "$tap" || true)
grep '^not ok ' "$tap" | sed 's/^/FAILED: /' >&2 || true
echo "vm: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
