#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: our modules against Debian's stock ones, same boot, alternating
# order, ROUNDS rounds (default 3) of SECS-second fio runs (default 8).
# Writes out/bench/<date>.json and .md and prints the table: medians per
# implementation and the ours/stock ratio with the spread (min-max) of rounds.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
rounds=${ROUNDS:-3} secs=${SECS:-8}
outd=$MPX_TOP/out/bench
mkdir -p "$outd"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
msg "benchmark: $rounds rounds, ${secs}s per fio run, ours vs stock (about $((rounds * 10 * (secs + 4) / 60 + 1)) minutes)"
bash "$MPX_TOP/tests/vm/run.sh" -m bench -t $((rounds * 10 * (secs + 6) + 120)) -o "$outd/$stamp.tap" "bench-$rounds-$secs" >/dev/null || true
grep '^BENCH ' "$MPX_TOP/out/vm/results.log" | tr -d '\r' >"$outd/$stamp.raw"
[ -s "$outd/$stamp.raw" ] || die "the benchmark produced no results (see out/vm/console.log)"
python3 - "$outd/$stamp" "$(uname -r)" <<'PY'
import json, statistics, sys, collections
base = sys.argv[1]
runs = []
for line in open(base + ".raw"):
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    runs.append({"round": int(kv["round"]), "set": kv["set"], "config": kv["config"],
                 "workload": kv["workload"], "iops": float(kv["iops"]),
                 "kbps": float(kv["kbps"])})
groups = collections.defaultdict(list)
for r in runs:
    groups[(r["config"], r["workload"], r["set"])].append(r)
rows = []
for (cfg, wl) in sorted({(c, w) for c, w, _ in groups}):
    o = groups.get((cfg, wl, "ours"), [])
    s = groups.get((cfg, wl, "stock"), [])
    metric = "kbps" if wl.startswith("read-") else "iops"
    mo = statistics.median(x[metric] for x in o) if o else None
    ms = statistics.median(x[metric] for x in s) if s else None
    # Per-round ratios show the spread that emulation adds.
    per = {}
    for x in o + s:
        per.setdefault(x["round"], {})[x["set"]] = x[metric]
    ratios = [v["ours"] / v["stock"] for v in per.values() if "ours" in v and v.get("stock")]
    rows.append({"config": cfg, "workload": wl, "metric": metric,
                 "ours_median": mo, "stock_median": ms,
                 "ratio": (mo / ms) if mo and ms else None,
                 "ratio_min": min(ratios) if ratios else None,
                 "ratio_max": max(ratios) if ratios else None,
                 "rounds": len(ratios)})
json.dump({"runs": runs, "summary": rows}, open(base + ".json", "w"), indent=1)
unit = {"iops": "IOPS", "kbps": "MiB/s"}
lines = ["| config | workload | ours | stock | ours/stock | per-round range | rounds |",
         "|---|---|---|---|---|---|---|"]
for r in rows:
    div = 1024 if r["metric"] == "kbps" else 1
    f = lambda v: "-" if v is None else f"{v / div:.0f}"
    g = lambda v: "-" if v is None else f"{v:.3f}"
    lines.append(f"| {r['config']} | {r['workload']} ({unit[r['metric']]}) | {f(r['ours_median'])} | "
                 f"{f(r['stock_median'])} | {g(r['ratio'])} | {g(r['ratio_min'])}-{g(r['ratio_max'])} | {r['rounds']} |")
md = "\n".join(lines) + "\n"
open(base + ".md", "w").write(md)
print(md)
PY
msg "results: $outd/$stamp.json, $outd/$stamp.md"
