#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: our layer against Debian's stock native multipath and against
# dm-multipath (Debian's modules with multipath=N), in one boot under QEMU
# -icount (the guest's clock follows instructions, so rates compare code
# paths, not the host's load; BENCH_CLOCK=real for wall-clock rates).
# Scenarios (tests/vm/t/yard.sh): overhead, scale, asym, failover, hb.
# Each one rotates the order of the module sets every round; every figure
# in the report is a median over the rounds with their min-max.
#
#   QUICK=1     1 round of 1 s runs, a subset of configs, failover I/O paced
#               at 1000 IOPS: a look in under 15 min on an idle host, with
#               no spread (ROUNDS=2 gives one, in about twice the time)
#   ROUNDS=N    rounds per scenario (default 3; QUICK: 1)
#   SECS=N      fio's runtime per throughput run, seconds or e.g. 500ms
#               (default 5, with 1 s of ramp; QUICK: 1, with 200 ms)
#   SCEN="..."  the scenarios to run (default: all five)
#   BENCH_UPSTREAM=0  skip upstream's sources built by our pipeline (the
#               overhead scenario's third native yardstick; never in QUICK)
#   BENCH_OUT=DIR     where the results go (default bench/results)
# Writes DIR/<date>[-quick].json, .md and .png plots; the guest's raw lines
# and TAP go to out/bench/.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver
quick=${QUICK:-0}
if [ "$quick" = 1 ]; then
	rounds=${ROUNDS:-1} secs=${SECS:-1} q=-q sfx=-quick
else
	rounds=${ROUNDS:-3} secs=${SECS:-5} q= sfx=
fi
case $secs in
*ms) [[ ${secs%ms} =~ ^[0-9]+$ ]] || die "SECS=$secs: a number of seconds, or of milliseconds as 500ms"
	sn=1 ;;
*) [[ $secs =~ ^[1-9][0-9]*$ ]] || die "SECS=$secs: a number of seconds, or of milliseconds as 500ms"
	sn=$secs ;;
esac
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$rounds: a positive number"
[ "$quick" = 0 ] || [ "$quick" = 1 ] || die "QUICK=$quick: 0 or 1"
scen=${SCEN:-failover hb asym overhead scale}
resd=${BENCH_OUT:-$MPX_TOP/bench/results}
outd=$MPX_TOP/out/bench
mkdir -p "$outd" "$resd"
stamp=$(date -u +%Y-%m-%d-%H%MZ)$sfx
py=/usr/bin/python3
[ -x $py ] || py=python3
$py -c 'import matplotlib' 2>/dev/null ||
	msg "python3-matplotlib is missing: the report will have no plots (make deps, or apt-get install python3-matplotlib)"

if [ "$quick" != 1 ] && [ "${BENCH_UPSTREAM:-1}" = 1 ]; then
	msg "building upstream's NVMe sources through the same pipeline (the same-build yardstick)"
	MPX_PLAIN=1 MPX_NVME_DIR=$MPX_KDIR/nvme-upstream bash "$MPX_TOP/scripts/build-modules.sh"
	export MPX_UPSTREAM_MODULES=$MPX_KDIR/nvme-upstream/modules
fi

# Guest seconds per round of each scenario, measured on one vCPU under
# -icount (setup, module swaps and fio); the deadline is three times that.
est() {
	local f=1
	[ "$quick" = 1 ] || f=2
	case $1 in
	overhead) echo $(((sn + 4) * 15 * f * f + 60)) ;;
	scale) echo $(((sn + 8) * 21 * f + 60)) ;;
	asym) echo $(((sn + 4) * 22 * f * f + 60)) ;;
	failover) echo $((3 * (40 + 60 * f))) ;;
	hb) echo $((4 * (30 + 10 * f))) ;;
	esac
}
tests=() total=0
for s in $scen; do
	case $s in overhead|scale|asym|failover|hb) ;; *) die "unknown scenario $s (overhead scale asym failover hb)" ;; esac
	e=$(($(est "$s") * rounds))
	total=$((total + e))
	tests+=("yard-$s-$rounds-$secs$q:$((e * 3 + 120))")
done
msg "benchmark: ${scen// /, }; $rounds round(s), ${secs}s per throughput run; $((total / 60 + 2)) minutes at the most"
export MPX_VM_OUT=$MPX_TOP/out/vm-bench
start=$(date +%s)
rc=0
bash "$MPX_TOP/tests/vm/run.sh" -m bench -o "$outd/$stamp.tap" "${tests[@]}" >/dev/null || rc=$?
grep '^BENCH ' "$MPX_VM_OUT/results.log" | tr -d '\r' >"$outd/$stamp.raw" || true
[ -s "$outd/$stamp.raw" ] || die "the benchmark produced no results (see $MPX_VM_OUT/console.log)"
wall=$(($(date +%s) - start))
cat >"$outd/$stamp.meta" <<EOF
{"kernel": "$MPX_KREL", "rounds": $rounds, "secs": $secs, "quick": $([ "$quick" = 1 ] && echo true || echo false),
 "clock": "${BENCH_CLOCK:-icount}", "accel": "$(cat "$MPX_CACHE/accel-$MPX_KREL" 2>/dev/null || echo tcg)",
 "scenarios": "$scen", "wall_seconds": $wall, "host_load": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "host_cpus": $(nproc), "commit": "$(git -C "$MPX_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "vm_results": "$(grep -c '^ok ' "$outd/$stamp.tap" || true) ok, $(grep -c '^not ok ' "$outd/$stamp.tap" || true) not ok"}
EOF
$py "$MPX_TOP/tests/bench/report_bench.py" "$outd/$stamp.raw" "$outd/$stamp.meta" "$resd/$stamp"
msg "results: $resd/$stamp.json, $resd/$stamp.md and plots $resd/$stamp-*.png ($((wall / 60)) min $((wall % 60)) s)"
grep '^not ok ' "$outd/$stamp.tap" | sed 's/^/FAILED: /' >&2 || true
exit $rc
