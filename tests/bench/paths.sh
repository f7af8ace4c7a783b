#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-paths: path selection on asymmetric NVMe/TCP paths (one slowed
# by netem) for every policy, ours and Debian's stock queue-depth, plus the
# cost of service-time on symmetric paths. Same boot, alternating order,
# ROUNDS rounds (default 3) of SECS-second fio runs (default 4).
# Writes out/bench/paths-<date>.{raw,json,md} and prints the table.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver
rounds=${ROUNDS:-3} secs=${SECS:-4}
outd=$MPX_TOP/out/bench
mkdir -p "$outd"
stamp=paths-$(date -u +%Y-%m-%dT%H%M%SZ)
# 2 sets x 2 delays x (5 or 1 configs) x 3 workloads + 2 symmetric runs.
n=$((rounds * 38))
msg "asymmetric-path benchmark: $rounds rounds, ${secs}s per fio run, $n runs (about $((n * (secs + 14) / 60 + 2)) minutes)"
export MPX_VM_OUT=$MPX_TOP/out/vm-bench-paths
bash "$MPX_TOP/tests/vm/run.sh" -m bench -t $((n * (secs + 30) + 300)) -o "$outd/$stamp.tap" \
	"asym-$rounds-$secs" >/dev/null || true
grep '^BENCH ' "$MPX_VM_OUT/results.log" | tr -d '\r' >"$outd/$stamp.raw" || true
[ -s "$outd/$stamp.raw" ] || die "the benchmark produced no results (see $MPX_VM_OUT/console.log)"
python3 "$MPX_TOP/tests/bench/report_paths.py" "$outd/$stamp"
msg "results: $outd/$stamp.json, $outd/$stamp.md"
