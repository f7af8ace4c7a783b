#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-paths report: BASE.raw -> BASE.json, BASE.md (and stdout).

Per delay and workload: the median over rounds of throughput, p99 and worst
completion latency for each policy; service-time against the fast path
alone and against stock queue-depth; on symmetric paths the per-round
ratio service-time / round-robin.
"""
import collections
import json
import statistics
import sys

base = sys.argv[1]
runs = []
for line in open(base + ".raw"):
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    if not kv.get("iops"):
        continue
    runs.append({"round": int(kv["round"]), "set": kv["set"], "config": kv["config"],
                 "delay": int(kv["delay"]), "workload": kv["workload"],
                 "iops": float(kv["iops"]), "kbps": float(kv["kbps"]),
                 "p99_us": float(kv["p99"]), "max_us": float(kv["max"])})

groups = collections.defaultdict(list)
for r in runs:
    groups[(r["delay"], r["workload"], r["set"], r["config"])].append(r)

cols = [("ours", "numa"), ("ours", "round-robin"), ("ours", "queue-depth"),
        ("ours", "service-time"), ("stock", "queue-depth"), ("ours", "fast-alone")]


def med(xs, k):
    return statistics.median(x[k] for x in xs) if xs else None


summary = []
lines = []
for delay in sorted({r["delay"] for r in runs if r["delay"]}, reverse=True):
    for wl in ("randread-4k-32", "randread-4k-1", "read-128k-8"):
        metric = "kbps" if wl.startswith("read-") else "iops"
        row = {"delay_ms": delay, "workload": wl, "metric": metric}
        for st, cfg in cols:
            xs = groups.get((delay, wl, st, cfg), [])
            row[f"{st}/{cfg}"] = {k: med(xs, k) for k in (metric, "p99_us", "max_us")}
            row[f"{st}/{cfg}"]["rounds"] = len(xs)
        stv = row["ours/service-time"][metric]
        fa = row["ours/fast-alone"][metric]
        sq = row["stock/queue-depth"][metric]
        row["st_vs_fast_alone"] = stv / fa if stv and fa else None
        row["st_vs_stock_qd"] = stv / sq if stv and sq else None
        summary.append(row)

sym = collections.defaultdict(dict)
for r in runs:
    if r["delay"] == 0:
        sym[r["round"]][r["config"]] = r["iops"]
sym_ratios = [v["service-time"] / v["round-robin"] for v in sym.values()
              if v.get("service-time") and v.get("round-robin")]

json.dump({"runs": runs, "summary": summary,
           "symmetric_st_over_rr": sym_ratios}, open(base + ".json", "w"), indent=1)


def fmt(v, div=1, nd=0):
    return "-" if v is None else f"{v / div:.{nd}f}"


lines.append("Throughput (IOPS, or MiB/s for 128k) / p99 ms / worst ms, median over rounds:")
lines.append("")
lines.append("| delay | workload | " + " | ".join(f"{c} ({s})" for s, c in cols) +
             " | st / fast alone | st / stock qd |")
lines.append("|---|---|" + "---|" * len(cols) + "---|---|")
for row in summary:
    div = 1024 if row["metric"] == "kbps" else 1
    cells = []
    for st, cfg in cols:
        c = row[f"{st}/{cfg}"]
        cells.append(f"{fmt(c[row['metric']], div)} / {fmt(c['p99_us'], 1000, 1)} / "
                     f"{fmt(c['max_us'], 1000, 1)}")
    lines.append(f"| +{row['delay_ms']} ms | {row['workload']} | " + " | ".join(cells) +
                 f" | {fmt(row['st_vs_fast_alone'], 1, 3)} | {fmt(row['st_vs_stock_qd'], 1, 3)} |")
lines.append("")
if sym_ratios:
    lines.append(f"Symmetric paths, 4k randread QD32, service-time / round-robin per round: "
                 + ", ".join(f"{x:.3f}" for x in sym_ratios)
                 + f" (median {statistics.median(sym_ratios):.3f})")
text = "\n".join(lines) + "\n"
open(base + ".md", "w").write(text)
print(text)
