#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-failover report: BASE.raw -> BASE.json, BASE.md (and stdout).

Per fault: the median over rounds of the longest completion gap and of the
I/Os completed while the fault lasted, ours and stock, and the gap ratio.
"""
import collections
import json
import statistics
import sys

base = sys.argv[1]
runs = []
for line in open(base + ".raw"):
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    if "gap" not in kv:
        continue
    runs.append({"round": int(kv["round"]), "set": kv["set"], "fault": kv["fault"],
                 "down_ms": int(kv["down_ms"]), "gap_ms": int(kv["gap"]),
                 "during": int(kv["during"])})
g = collections.defaultdict(list)
for r in runs:
    g[(r["fault"], r["set"])].append(r)
summary = []
lines = ["| fault | fault lasted (ms) | longest gap ours (ms) | stock (ms) | ours / stock | "
         "I/Os during fault ours | stock | rounds |", "|---|---|---|---|---|---|---|---|"]
for fault in ("portremove", "blackhole", "reset"):
    o, s = g.get((fault, "ours"), []), g.get((fault, "stock"), [])
    if not o and not s:
        continue
    med = lambda xs, k: statistics.median(x[k] for x in xs) if xs else None
    row = {"fault": fault, "down_ms": med(o + s, "down_ms"),
           "gap_ours": med(o, "gap_ms"), "gap_stock": med(s, "gap_ms"),
           "during_ours": med(o, "during"), "during_stock": med(s, "during"),
           "gap_ours_all": [x["gap_ms"] for x in o], "gap_stock_all": [x["gap_ms"] for x in s]}
    row["ratio"] = row["gap_ours"] / row["gap_stock"] if row["gap_ours"] is not None and row["gap_stock"] else None
    summary.append(row)
    f = lambda v: "-" if v is None else f"{v:.0f}"
    lines.append(f"| {fault} | {f(row['down_ms'])} | {f(row['gap_ours'])} {row['gap_ours_all']} | "
                 f"{f(row['gap_stock'])} {row['gap_stock_all']} | "
                 f"{'-' if row['ratio'] is None else format(row['ratio'], '.3f')} | "
                 f"{f(row['during_ours'])} | {f(row['during_stock'])} | {len(o)} |")
json.dump({"runs": runs, "summary": summary}, open(base + ".json", "w"), indent=1)
text = "\n".join(lines) + "\n"
open(base + ".md", "w").write(text)
print(text)
