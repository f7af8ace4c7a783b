#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the Debian 6.12 kernel in QEMU with our NVMe modules and run VM tests.
# Usage: run.sh [-m MODE] [-o RESULTS.tap] [-t SECONDS] [PATTERN...]
#   PATTERN: shell globs over the names in tests/vm/suite (default: all),
#   or names of tests outside it (demo, benchmarks), NAME[:SECONDS] each.
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

# MPX_DEBUG=1 (make check-debug): the debug kernel and its module tree
# instead of Debian's (scripts/lib.sh). Its checks make it slower, so the
# deadlines, the guest's own wait_for ones included (mpx.slow), are scaled
# by MPX_SLOW (default 1; check-debug sets it).
slow=${MPX_SLOW:-1}
case $slow in [1-9] | [1-9][0-9]) ;; *) die "MPX_SLOW=$slow: want a factor from 1 to 99" ;; esac

# names: what to run; specs: NAME:DEADLINE for the guest; disk: " NAME ..."
# of the tests marked "disk" in the suite.
names=() specs=() disk=" "
declare -A hit=()
while read -r n t f; do
	case $n in ''|'#'*) continue ;; esac
	m=
	for pat in "$@"; do
		# shellcheck disable=SC2254
		case $n in $pat) hit[$pat]=1 m=1 ;; esac
	done
	[ -n "$m" ] || continue
	names+=("$n") specs+=("$n:$((t * slow))")
	[ "$f" != disk ] || disk+="$n "
done <"$MPX_TOP/tests/vm/suite"
# A pattern that matches nothing in the suite names a test outside it (the
# demo, the benchmarks, the soak): its script must exist. It runs after the
# suite's, with the deadline -t or its own (NAME:SECONDS), scaled by
# MPX_SLOW. A name that is neither is an error, not silently left out.
for pat in "$@"; do
	[ -z "${hit[$pat]:-}" ] || continue
	n=${pat%%:*} t=$tlimit
	[ "$n" = "$pat" ] || t=${pat#*:}
	[ -f "$MPX_TOP/tests/vm/t/${n%%-*}.sh" ] || die "no VM test matches '$pat' (see tests/vm/suite)"
	case $t in '' | *[!0-9]*) die "'$pat': the deadline is not a number of seconds" ;; esac
	names+=("$n") specs+=("$n:$((t * slow))")
done

# MPX_VM_OUT lets two guests run side by side (a benchmark and a test).
work=${MPX_VM_OUT:-$MPX_TOP/out/vm}
mkdir -p "$work"
"$MPX_TOP/tests/vm/mkinitramfs.sh" "$MPX_CACHE/initramfs/$MPX_ABI" "$work/initrd.gz" >&2

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
smp=2 kargs=
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
	# Multi-threaded TCG does not order one vCPU's code patching against
	# another's translated blocks: when the late initcall flips the
	# sched_clock_stable static key, CPU 0 now and then runs the int3 the
	# patch had left in sched_clock_cpu after the patch was done, from an
	# IPI ("Oops: int3", 2 boots in 60 on a loaded host). With the TSC
	# marked unstable from the start that key is never flipped (0 in 60).
	kargs=" tsc=unstable"
fi

# One boot runs the tests in order, up to a test marked "disk": that one
# boots alone, with a fresh blank virtio disk (a raw image in the work dir),
# and may ask for more boots (MPX-REBOOT NAME ARGS, see init). Its next boot
# gets ARGS and mpx.boot=N on the command line, the same disk and that test
# alone; when it asks no more, the remaining tests go on in a boot of their
# own. Both serial logs collect every boot.
is_disk() { [[ $disk == *" $1 "* ]]; }
maxboots=4
# boot N ARGS SPEC...: one boot of the guest running SPEC...; qemu's status.
boot() {
	local n=$1 args=$2 list limit=$((120 * slow)) s d=()
	shift 2
	list=$(IFS=,; echo "$*")
	for s in "$@"; do limit=$((limit + ${s#*:})); done
	is_disk "${1%%:*}" && d=(-drive "file=$work/disk.img,format=raw,if=virtio,cache=unsafe")
	msg "booting $MPX_KREL under ${qaccel[*]:0:2} with $# test(s): ${*%%:*}${args:+ (boot $n: $args)}${d:+ and a disk} (deadline ${limit}s)"
	echo "==> run.sh: boot of $list ${args:+$args mpx.boot=$n}" >>"$work/console.log"
	timeout -k 5 "$limit" qemu-system-x86_64 "${qaccel[@]}" -smp $smp -m 4G \
		-display none -no-reboot -nic none \
		-chardev "file,id=con,path=$work/console.log,append=on" -serial chardev:con \
		-chardev "file,id=res,path=$work/results.log,append=on" -serial chardev:res \
		"${d[@]}" -kernel "$MPX_VMLINUZ" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=6$kargs mpx.mode=$mode mpx.tests=$list${args:+ $args mpx.boot=$n}${MPX_SLOW:+ mpx.slow=$slow}" \
		</dev/null >>"$work/qemu.out" 2>&1
}
# boots: every boot of the run, planned from what the last one reported.
boots() {
	local q=("${specs[@]}") run args= n=1 off coff req name rc=0 s early=0
	while [ ${#q[@]} -gt 0 ]; do
		if [ -n "$args" ] || is_disk "${q[0]%%:*}"; then
			run=("${q[0]}")
		else
			run=()
			for s in "${q[@]}"; do
				is_disk "${s%%:*}" && break
				run+=("$s")
			done
		fi
		if [ -z "$args" ] && is_disk "${run[0]%%:*}"; then
			rm -f "$work/disk.img"
			truncate -s 512M "$work/disk.img"
		fi
		off=$(stat -c %s "$work/results.log")
		coff=$(stat -c %s "$work/console.log" 2>/dev/null || echo 0)
		boot $n "$args" "${run[@]}" && rc=0 || rc=$?
		[ $rc -eq 0 ] || msg "qemu ended with status $rc (124: whole-boot deadline)"
		# What this boot reported, in a file: "tail | grep -q" under
		# pipefail fails when grep stops before tail has written all
		# (more than a pipe's 64 KiB after the match), which once made a
		# full boot look like one that never started.
		tail -c +$((off + 1)) "$work/results.log" | tr -d '\r' >"$work/boot.log"
		if ! grep -q '^MPX-READY ' "$work/boot.log"; then
			# Died before /init got to its first line: none of our
			# modules is loaded by then: a fault of the emulator (see
			# tsc=unstable above for the one we know). Once is the
			# emulator, twice in a row for the same boot is a failure.
			msg "the guest died before it was ready; its console ended with:"
			tail -c +$((coff + 1)) "$work/console.log" | tr -d '\r' | tail -n 25 | sed 's/^/    /' >&2
			if [ $early -lt 1 ]; then
				early=$((early + 1))
				msg "booting it once more"
				continue
			fi
		elif ! grep -q '^MPX-DONE' "$work/boot.log"; then
			# Hung or crashed in a test: show why, CI keeps only stdout.
			msg "the guest did not finish; its console ended with:"
			tail -c +$((coff + 1)) "$work/console.log" | tr -d '\r' | tail -n 60 | sed 's/^/    /' >&2
		fi
		early=0
		req=$(grep '^MPX-REBOOT ' "$work/boot.log" | tail -n 1) || true
		name=$(echo "$req" | cut -d' ' -f2)
		if [ -n "$req" ] && [ $n -lt $maxboots ]; then
			args=$(echo "$req" | cut -d' ' -f3-)
			n=$((n + 1))
			# The tests before NAME ran; NAME and those after it did not (yet).
			while [ ${#q[@]} -gt 0 ] && [ "${q[0]%%:*}" != "$name" ]; do q=("${q[@]:1}"); done
		else
			[ -z "$req" ] || msg "$name asked for a boot after $maxboots: refused"
			q=("${q[@]:${#run[@]}}") args= n=1
		fi
	done
	return $rc
}

rm -f "$work/console.log" "$work/results.log" "$work/qemu.out" "$work/disk.img"
: >"$work/results.log"
boots &
bpid=$!
if [ "$mode" = demo ]; then
	# The demo's own output is the show; protocol lines stay out of it.
	tail -n +1 -f --pid=$bpid "$work/results.log" |
		grep --line-buffered -vE '^(MPX-|ok |# running)' | sed -u 's/\r//g' >&2 &
else
	# No tr in the pipe: it would hold the lines back until the end of the run.
	tail -n +1 -f --pid=$bpid "$work/results.log" |
		grep --line-buffered -E '^(ok|not ok|MPX-|# |BENCH )' | sed -u 's/\r//g; s/^/  /' >&2 &
fi
tpid=$!
wait $bpid || true
wait $tpid || true

# Turn the guest's lines into TAP; a test that never reported END failed.
tap=${tap:-$work/results.tap}
awk -v names="${names[*]}" -v con="$work/console.log" '
BEGIN { n = split(names, want, " ") }
/^MPX-BEGIN / { cur = $2; begun[cur] = 1 }
/^MPX-END / { ended[$2] = 1 }
/^MPX-REBOOT / { ended[$2] = 0 }
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
