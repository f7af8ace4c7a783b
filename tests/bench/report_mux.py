#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-mux report: BASE.raw -> BASE.json, BASE.md (and stdout).

Heartbeat under a blackholed path: per module set, the median over rounds
of the worst and the p99.9 latency (and each round's worst). Hedging: the
median IOPS with mpx_hedge off and auto on a healthy pair, and their ratio.
"""
import collections
import json
import statistics
import sys

base = sys.argv[1]
hb, hedge = [], []
for line in open(base + ".raw"):
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    if kv.get("kind") == "hb":
        hb.append({"round": int(kv["round"]), "set": kv["set"], "worst_us": int(kv["worst_us"]),
                   "p999_us": int(kv["p999_us"]), "n": int(kv["n"]), "data": kv["data"]})
    elif kv.get("kind") == "hedge":
        hedge.append({"round": int(kv["round"]), "hedge": kv["hedge"], "iops": float(kv["iops"]),
                      "sent": int(kv["sent"]), "won": int(kv["won"])})
med = lambda xs: statistics.median(xs) if xs else None
f = lambda v: "-" if v is None else f"{v:.0f}"
g = collections.defaultdict(list)
for r in hb:
    g[r["set"]].append(r)
lines = ["Heartbeat (4 KiB write + read-back every 10 ms), path 1 blackholed from 3 s to 15 s:", "",
         "| modules | worst (ms) | p99.9 (ms) | worst per round (ms) | I/Os | data | rounds |",
         "|---|---|---|---|---|---|---|"]
summary = {"hb": {}, "hedge": {}}
for s in ("ours-mux", "ours-plain", "stock"):
    rs = g.get(s, [])
    if not rs:
        continue
    row = {"worst_us": med([r["worst_us"] for r in rs]), "p999_us": med([r["p999_us"] for r in rs]),
           "worst_all_us": [r["worst_us"] for r in rs], "data": sorted({r["data"] for r in rs})}
    summary["hb"][s] = row
    lines.append(f"| {s} | {row['worst_us'] / 1000:.1f} | {row['p999_us'] / 1000:.1f} | "
                 f"{[round(x / 1000, 1) for x in row['worst_all_us']]} | {f(med([r['n'] for r in rs]))} | "
                 f"{','.join(row['data'])} | {len(rs)} |")
off = [r["iops"] for r in hedge if r["hedge"] == "off"]
auto = [r["iops"] for r in hedge if r["hedge"] == "auto"]
if off and auto:
    ratio = med(auto) / med(off) if med(off) else None
    summary["hedge"] = {"off": med(off), "auto": med(auto), "ratio": ratio, "off_all": off, "auto_all": auto}
    lines += ["", "Hedged reads on a healthy pair (4k randread QD16):", "",
              "| hedge off IOPS | hedge auto IOPS | auto / off | goal |", "|---|---|---|---|",
              f"| {f(med(off))} {off} | {f(med(auto))} {auto} | "
              f"{'-' if ratio is None else format(ratio, '.3f')} | >= 0.97 |"]
json.dump({"hb": hb, "hedge": hedge, "summary": summary}, open(base + ".json", "w"), indent=1)
text = "\n".join(lines) + "\n"
open(base + ".md", "w").write(text)
print(text)
