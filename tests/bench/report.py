#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench report: BASE.raw (the guest's BENCH lines) -> BASE.json, BASE.md.

Medians per implementation, the ratios ours/stock, ours/upstream and
upstream/stock of the medians, and the range of the per-round ratios.
"""
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
    metric = "kbps" if wl.startswith("read-") else "iops"
    med = {}
    per = {}
    for st in ("ours", "stock", "upstream"):
        xs = groups.get((cfg, wl, st), [])
        med[st] = statistics.median(x[metric] for x in xs) if xs else None
        for x in xs:
            per.setdefault(x["round"], {})[st] = x[metric]
    row = {"config": cfg, "workload": wl, "metric": metric}
    for st in ("ours", "stock", "upstream"):
        row[st + "_median"] = med[st]
    # Per-round ratios show the spread that remains.
    for a, b in (("ours", "stock"), ("ours", "upstream"), ("upstream", "stock")):
        rs = [v[a] / v[b] for v in per.values() if v.get(a) and v.get(b)]
        row[f"{a}_{b}"] = (med[a] / med[b]) if med[a] and med[b] else None
        row[f"{a}_{b}_range"] = [min(rs), max(rs)] if rs else None
    row["rounds"] = len(per)
    rows.append(row)
json.dump({"runs": runs, "summary": rows}, open(base + ".json", "w"), indent=1)
unit = {"iops": "IOPS", "kbps": "MiB/s"}
lines = ["| config | workload | ours | stock | upstream | ours/stock (range) | ours/upstream (range) | upstream/stock | rounds |",
         "|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    div = 1024 if r["metric"] == "kbps" else 1
    f = lambda v: "-" if v is None else f"{v / div:.0f}"
    g = lambda k: "-" if r[k] is None else f"{r[k]:.3f}"
    rg = lambda k: "" if not r[k + "_range"] else f" ({r[k + '_range'][0]:.3f}-{r[k + '_range'][1]:.3f})"
    lines.append(f"| {r['config']} | {r['workload']} ({unit[r['metric']]}) | {f(r['ours_median'])} | "
                 f"{f(r['stock_median'])} | {f(r['upstream_median'])} | {g('ours_stock')}{rg('ours_stock')} | "
                 f"{g('ours_upstream')}{rg('ours_upstream')} | {g('upstream_stock')} | {r['rounds']} |")
md = "\n".join(lines) + "\n"
open(base + ".md", "w").write(md)
print(md)
