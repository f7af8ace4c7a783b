#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-paths / bench-failover: run one benchmark scenario in its own
# guest (QEMU -icount, so rates follow instructions, not the host's load),
# then its report. Usage: scenario.sh NAME RUNS_PER_ROUND SECONDS_PER_RUN
#   paths     tests/vm/t/asym.sh, report_paths.py (ROUNDS=2 SECS=2)
#   failover  tests/vm/t/stall.sh, report_stall.py (ROUNDS=2)
#   mux       tests/vm/t/hbench.sh, report_mux.py (ROUNDS=2 SECS=8)
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver
name=$1 per_round=$2 per_run=$3
case $name in
paths) guest=asym ;;
failover) guest=stall ;;
mux) guest=hbench ;;
*) die "unknown benchmark scenario $name" ;;
esac
rounds=${ROUNDS:-2} secs=${SECS:-2}
outd=$MPX_TOP/out/bench
mkdir -p "$outd"
stamp=$name-$(date -u +%Y-%m-%dT%H%M%SZ)
n=$((rounds * per_round))
msg "benchmark $name: $rounds rounds, $n runs (about $((n * per_run / 60 + 2)) minutes)"
export MPX_VM_OUT=$MPX_TOP/out/vm-bench-$name
# The guest's clock follows instructions (-icount), the deadline is wall
# time: leave room for a host busy with other guests.
bash "$MPX_TOP/tests/vm/run.sh" -m bench -t $((n * per_run * 4 + 300)) -o "$outd/$stamp.tap" \
	"$guest-$rounds-$secs" >/dev/null || true
grep '^BENCH ' "$MPX_VM_OUT/results.log" | tr -d '\r' >"$outd/$stamp.raw" || true
[ -s "$outd/$stamp.raw" ] || die "the benchmark produced no results (see $MPX_VM_OUT/console.log)"
python3 "$MPX_TOP/tests/bench/report_$name.py" "$outd/$stamp"
msg "results: $outd/$stamp.json, $outd/$stamp.md"
