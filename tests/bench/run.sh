#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: our modules against Debian's stock ones, same boot, alternating
# order, ROUNDS rounds (default 3) of SECS-second fio runs (default 8).
# Writes out/bench/<date>.json and .md and prints the table: medians per
# implementation and the ours/stock ratio with the spread (min-max) of rounds.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver
rounds=${ROUNDS:-3} secs=${SECS:-8}
outd=$MPX_TOP/out/bench
mkdir -p "$outd"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
msg "building upstream's NVMe sources through the same pipeline (the same-build yardstick)"
MPX_PLAIN=1 MPX_NVME_DIR=$MPX_KDIR/nvme-upstream bash "$MPX_TOP/scripts/build-modules.sh"
export MPX_UPSTREAM_MODULES=$MPX_KDIR/nvme-upstream/modules
msg "benchmark: $rounds rounds, ${secs}s per fio run, ours, stock and upstream (about $((rounds * 15 * (secs + 17) / 60 + 1)) minutes)"
export MPX_VM_OUT=$MPX_TOP/out/vm-bench
bash "$MPX_TOP/tests/vm/run.sh" -m bench -t $((rounds * 15 * (secs + 20) + 120)) -o "$outd/$stamp.tap" "bench-$rounds-$secs" >/dev/null || true
grep '^BENCH ' "$MPX_VM_OUT/results.log" | tr -d '\r' >"$outd/$stamp.raw"
[ -s "$outd/$stamp.raw" ] || die "the benchmark produced no results (see $MPX_VM_OUT/console.log)"
python3 "$MPX_TOP/tests/bench/report.py" "$outd/$stamp"
msg "results: $outd/$stamp.json, $outd/$stamp.md"
