#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench report: RAW (the guest's BENCH lines) + META -> OUT.json, OUT.md
and OUT-*.png (the plots need python3-matplotlib; without it, none).

Usage: report_bench.py RAW META OUT

Every figure is the median over the rounds with the spread [min-max] of
the rounds. A ratio is the ratio of the medians, with the range of the
per-round ratios (each round ran every module set once, in rotated order).
"""
import collections
import json
import statistics
import sys

raw, metaf, out = sys.argv[1:4]
meta = json.load(open(metaf))
runs = []
for line in open(raw):
    f = line.split()
    if not f or f[0] != "BENCH":
        continue
    kv = {}
    for x in f[1:]:
        k, _, v = x.partition("=")
        try:
            kv[k] = int(v)
        except ValueError:
            try:
                kv[k] = float(v)
            except ValueError:
                kv[k] = v
    runs.append(kv)
by_sc = collections.defaultdict(list)
for r in runs:
    by_sc[r.get("sc", "?")].append(r)


def stat(xs):
    """median, min, max of a list (None if empty)."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def ratio(rows, key, a, b, metric):
    """ratio of the medians of sets a and b, and the range of per-round ratios."""
    sa = stat([r[metric] for r in rows if key(r) == a])
    sb = stat([r[metric] for r in rows if key(r) == b])
    if not sa or not sb or not sb["median"]:
        return None
    pa = {r["round"]: r[metric] for r in rows if key(r) == a}
    pb = {r["round"]: r[metric] for r in rows if key(r) == b}
    per = [pa[k] / pb[k] for k in pa if k in pb and pb[k]]
    return {"ratio": sa["median"] / sb["median"],
            "min": min(per) if per else None, "max": max(per) if per else None}


def fmt(s, div=1.0, nd=0):
    if not s:
        return "-"
    if s["n"] == 1:    # one round: no spread to show
        return f"{s['median'] / div:.{nd}f}"
    return (f"{s['median'] / div:.{nd}f} [{s['min'] / div:.{nd}f}-{s['max'] / div:.{nd}f}]")


def rf(v):
    """a ratio: three decimals, or below 0.01 as 1/N"""
    return f"{v:.3f}" if v >= 0.01 or v <= 0 else f"1/{1 / v:.0f}"


def fratio(x):
    if not x:
        return "-"
    if x["min"] is None:
        return rf(x["ratio"])
    if x["min"] == x["max"]:
        return f"**{rf(x['ratio'])}**"
    return f"**{rf(x['ratio'])}** [{rf(x['min'])}-{rf(x['max'])}]"


summary = {}
md = []
head = []    # the headline table's rows


def hrow(what, unit, cells, rs, rd, better):
    head.append((what, unit, cells, rs, rd, better))


# ---- overhead --------------------------------------------------------------
ov = by_sc.get("overhead", [])
if ov:
    sets = [s for s in ("ours", "stock", "upstream", "dm") if any(r["set"] == s for r in ov)]
    md += ["## Layer overhead (nvme-loop over null_blk, QD32)", "",
           "`single`: one path, multipath=N (no head); `mp1`: a head (or a dm map) over one path; "
           "`mp2-numa`, `mp2-rr`: two paths, numa or round-robin (dm: its round-robin selector). "
           "4k random reads in IOPS, 128k sequential reads in MiB/s; `-jN`: N fio jobs.", "",
           "| config | workload | " + " | ".join(sets) + " | ours/stock | ours/dm | ours/upstream |",
           "|---|---|" + "---|" * len(sets) + "---|---|---|"]
    summary["overhead"] = []
    cfgs = [c for c in ("single", "mp1", "mp2-numa", "mp2-rr") if any(r["config"] == c for r in ov)]
    for cfg in cfgs:
        for wl in sorted({r["workload"] for r in ov if r["config"] == cfg}, key=lambda w: (w[:4] != "rand", w)):
            rows = [r for r in ov if r["config"] == cfg and r["workload"] == wl]
            metric = "iops" if wl.startswith("randread") else "kbps"
            div = 1 if metric == "iops" else 1024
            st = {s: stat([r[metric] for r in rows if r["set"] == s]) for s in sets}
            rt = {b: ratio(rows, lambda r: r["set"], "ours", b, metric) for b in ("stock", "dm", "upstream")}
            summary["overhead"].append({"config": cfg, "workload": wl, "metric": metric,
                                        "sets": st, "p99_us": {s: stat([r["p99"] for r in rows if r["set"] == s])
                                                               for s in sets},
                                        "ours_over": rt})
            md.append(f"| {cfg} | {wl} | " + " | ".join(fmt(st[s], div) for s in sets) +
                      f" | {fratio(rt['stock'])} | {fratio(rt['dm'])} | {fratio(rt['upstream'])} |")
            if cfg in ("single", "mp2-rr") and wl in ("randread-4k-j1", "read-128k-j1", "randread-4k-j2"):
                hrow(f"overhead {cfg} {wl}", "IOPS" if div == 1 else "MiB/s",
                     {s: fmt(st.get(s), div) for s in ("ours", "stock", "dm")}, rt["stock"], rt["dm"], "higher")
    md.append("")

# ---- scale -----------------------------------------------------------------
scl = by_sc.get("scale", [])
if scl:
    sets = [s for s in ("ours", "stock", "dm") if any(r["set"] == s for r in scl)]
    md += ["## Scaling (nvme-loop over null_blk)", "",
           "Connect: from the first `nvme connect` until every head has all its path disks (dm: "
           "until every map is made). Tear-down: from the end of I/O until no NVMe disk is left "
           "(dm: its maps removed first). IOPS: 4k randread QD32, one fio job over all heads. "
           "Native sets use round-robin, dm its round-robin selector. Times: the guest's "
           "monotonic clock, polled every 5 ms.", "",
           "| paths | heads | metric | " + " | ".join(sets) + " | ours/stock | ours/dm |",
           "|---|---|---|" + "---|" * len(sets) + "---|---|"]
    summary["scale"] = []
    maxp = max(r["paths"] for r in scl if r["heads"] == 1) if any(r["heads"] == 1 for r in scl) else None
    maxh = max(r["heads"] for r in scl)
    for np_, nh in sorted({(r["paths"], r["heads"]) for r in scl}, key=lambda x: (x[1] > 1, x[1], x[0])):
        rows = [r for r in scl if r["paths"] == np_ and r["heads"] == nh]
        ent = {"paths": np_, "heads": nh}
        for metric, label in (("iops", "IOPS"), ("connect_ms", "connect ms"), ("teardown_ms", "tear-down ms")):
            st = {s: stat([r[metric] for r in rows if r["set"] == s]) for s in sets}
            rt = {b: ratio(rows, lambda r: r["set"], "ours", b, metric) for b in ("stock", "dm")}
            ent[metric] = {"sets": st, "ours_over": rt}
            md.append(f"| {np_} | {nh} | {label} | " + " | ".join(fmt(st[s]) for s in sets) +
                      f" | {fratio(rt['stock'])} | {fratio(rt['dm'])} |")
            if (np_, nh, metric) in ((maxp, 1, "iops"), (2, maxh, "iops"), (2, maxh, "connect_ms"),
                                     (2, maxh, "teardown_ms"), (1, 1, "connect_ms")):
                hrow(f"scale {np_} paths x {nh} heads", label, {s: fmt(st.get(s)) for s in ("ours", "stock", "dm")},
                     rt["stock"], rt["dm"], "higher" if metric == "iops" else "lower")
        summary["scale"].append(ent)
    md.append("")

# ---- asym ------------------------------------------------------------------
asy = by_sc.get("asym", [])
pol_cols = [("ours", "numa"), ("ours", "round-robin"), ("ours", "queue-depth"), ("ours", "service-time"),
            ("ours", "fast-alone"), ("stock", "numa"), ("stock", "round-robin"), ("stock", "queue-depth"),
            ("dm", "round-robin"), ("dm", "queue-length"), ("dm", "service-time")]
if asy:
    md += ["## Asymmetric paths (two NVMe/TCP paths, path 2's replies delayed by netem)", "",
           "Per policy: throughput (IOPS; MiB/s for 128k), then p99 and worst latency in ms. "
           "`fast-alone`: ours with the slow path failed (the ideal). The ratios compare the best "
           "policy of each: ours service-time against stock queue-depth and dm service-time.", ""]
    summary["asym"] = []
    for d in sorted({r["delay"] for r in asy}, reverse=True):
        for wl in [w for w in ("randread-4k-32", "randread-4k-1", "read-128k-8")
                   if any(r["workload"] == w and r["delay"] == d for r in asy)]:
            rows = [r for r in asy if r["delay"] == d and r["workload"] == wl]
            metric = "iops" if wl.startswith("randread") else "kbps"
            div = 1 if metric == "iops" else 1024
            md += [f"+{d} ms, {wl}:", "", "| set | policy | throughput | p99 ms | worst ms |", "|---|---|---|---|---|"]
            ent = {"delay_ms": d, "workload": wl, "metric": metric, "policies": {}}
            for s, p in pol_cols:
                rr = [r for r in rows if r["set"] == s and r["config"] == p]
                if not rr:
                    continue
                e = {metric: stat([r[metric] for r in rr]), "p99_us": stat([r["p99"] for r in rr]),
                     "max_us": stat([r["max"] for r in rr])}
                ent["policies"][f"{s}/{p}"] = e
                md.append(f"| {s} | {p} | {fmt(e[metric], div)} | {fmt(e['p99_us'], 1000, 1)} | "
                          f"{fmt(e['max_us'], 1000, 1)} |")
            key = lambda r: f"{r['set']}/{r['config']}"
            ent["st_over_stock_qd"] = ratio(rows, key, "ours/service-time", "stock/queue-depth", metric)
            ent["st_over_dm_st"] = ratio(rows, key, "ours/service-time", "dm/service-time", metric)
            md += ["", f"ours service-time / stock queue-depth: {fratio(ent['st_over_stock_qd'])}; "
                   f"/ dm service-time: {fratio(ent['st_over_dm_st'])}", ""]
            summary["asym"].append(ent)
            if wl in ("randread-4k-32", "read-128k-8"):
                pp = ent["policies"]
                hrow(f"asym +{d} ms {wl}, best policies", "IOPS" if div == 1 else "MiB/s",
                     {"ours": fmt(pp.get("ours/service-time", {}).get(metric), div) + " st",
                      "stock": fmt(pp.get("stock/queue-depth", {}).get(metric), div) + " qd",
                      "dm": fmt(pp.get("dm/service-time", {}).get(metric), div) + " st"},
                     ent["st_over_stock_qd"], ent["st_over_dm_st"], "higher")

# ---- failover --------------------------------------------------------------
fo = by_sc.get("failover", [])
if fo:
    sets = [s for s in ("ours", "stock", "dm") if any(r["set"] == s for r in fo)]
    rates = sorted({r.get("rate", 2000) for r in fo})
    md += ["## Failover stall (two NVMe/TCP paths, round-robin, 4k randread QD16 paced at "
           f"{'/'.join(str(x) for x in rates)} IOPS)", "",
           "A fault on path 1, 3 s in: port removal (port back after the given time), a blackhole (every "
           "packet dropped, no reset, lifted after the given time), a controller reset. Longest gap "
           "between two completions (ms) from the fault on, the longest one in the 3 s before it "
           "(the baseline: what the set stalls for with no fault at all), and the I/Os completed "
           "while the fault lasted (reset: the 2 s after it). dm: no multipathd, a 1 s reinstating "
           "checker.", "",
           "| fault | fault lasted (ms) | metric | " + " | ".join(sets) + " | ours/stock | ours/dm |",
           "|---|---|---|" + "---|" * len(sets) + "---|---|"]
    summary["failover"] = []
    for fault in ("portremove", "blackhole", "reset"):
        rows = [r for r in fo if r["fault"] == fault]
        if not rows:
            continue
        ent = {"fault": fault, "down_ms": stat([r["down_ms"] for r in rows]),
               "errors": sorted({r["set"] for r in rows if r.get("errors")})}
        for metric, label in (("gap", "longest gap ms"), ("pre", "baseline gap ms"),
                              ("during", "I/Os during")):
            if not all(metric in r for r in rows):
                continue    # results from before the baseline was measured
            st = {s: stat([r[metric] for r in rows if r["set"] == s]) for s in sets}
            rt = {b: ratio(rows, lambda r: r["set"], "ours", b, metric) for b in ("stock", "dm")}
            ent[metric] = {"sets": st, "ours_over": rt}
            md.append(f"| {fault} | {fmt(ent['down_ms'])} | {label} | " + " | ".join(fmt(st[s]) for s in sets) +
                      f" | {fratio(rt['stock'])} | {fratio(rt['dm'])} |")
            if metric == "gap":
                hrow(f"failover {fault}", "longest gap ms", {s: fmt(st.get(s)) for s in ("ours", "stock", "dm")},
                     rt["stock"], rt["dm"], "lower")
        summary["failover"].append(ent)
    errs = sorted({(r["set"], r["fault"]) for r in fo if r.get("errors")})
    md += ["", "I/O errors seen by fio: " + (", ".join(f"{s} {f}" for s, f in errs) if errs else "none"), ""]

# ---- heartbeat -------------------------------------------------------------
hb = by_sc.get("hb", [])
if hb:
    sets = [s for s in ("ours-mux", "ours-plain", "stock", "dm") if any(r["set"] == s for r in hb)]
    md += ["## Heartbeat under a blackhole (4 KiB write + verified read-back every 10 ms, two NVMe/TCP "
           "paths over brd, path 1 blackholed from 3 s to the end)", "",
           "| set | worst ms | p99.9 ms | I/Os | data |", "|---|---|---|---|---|"]
    summary["hb"] = {}
    for s in sets:
        rr = [r for r in hb if r["set"] == s]
        e = {"worst_us": stat([r["worst_us"] for r in rr]), "p999_us": stat([r["p999_us"] for r in rr]),
             "n": stat([r["n"] for r in rr]), "data": sorted({r["data"] for r in rr})}
        summary["hb"][s] = e
        md.append(f"| {s} | {fmt(e['worst_us'], 1000, 1)} | {fmt(e['p999_us'], 1000, 1)} | {fmt(e['n'])} | "
                  f"{','.join(e['data'])} |")
    key = lambda r: r["set"]
    for a in ("ours-mux", "ours-plain"):
        rs = ratio(hb, key, a, "stock", "worst_us")
        rd = ratio(hb, key, a, "dm", "worst_us")
        summary["hb"][a + "_over"] = {"stock": rs, "dm": rd}
        hrow(f"heartbeat worst, {a}", "ms", {"ours": fmt(summary["hb"].get(a, {}).get("worst_us"), 1000, 1),
                                            "stock": fmt(summary["hb"].get("stock", {}).get("worst_us"), 1000, 1),
                                            "dm": fmt(summary["hb"].get("dm", {}).get("worst_us"), 1000, 1)},
             rs, rd, "lower")
    md.append("")

# ---- headline and the document ---------------------------------------------
top = [f"# nvme-mpx benchmark {out.rsplit('/', 1)[-1]}", "",
       f"Kernel {meta['kernel']}, QEMU {meta['accel']} with a {meta['clock']} clock (one vCPU; under "
       "-icount the guest's clock follows instructions, so rates compare code paths, not the host's load), "
       f"{meta['rounds']} round{'s' if meta['rounds'] != 1 else ''}{' (QUICK)' if meta['quick'] else ''}, "
       f"{meta['secs']} s per throughput run, module sets rotated every round. Commit {meta['commit']}; wall time {meta['wall_seconds'] // 60} min "
       f"{meta['wall_seconds'] % 60} s; host load at the end {meta['host_load']} on {meta['host_cpus']} CPUs; "
       f"VM checks {meta['vm_results']}.", "",
       "Sets: **ours** (our nvme-core, native multipath), **stock** (Debian's modules, native multipath), "
       "**dm** (Debian's modules with nvme_core multipath=N and a dm-multipath map over the per-controller "
       "disks; Debian's dm-multipath and selectors; no multipathd, so dm fails a path only on an I/O error). "
       + ("Cells: median [min-max] over the rounds; ratios: of the medians [range of per-round ratios]."
        if meta["rounds"] > 1 else "One round: single values, no spread; ROUNDS=2 or more for medians."), "",
       "## Headline", "", "| measurement | unit | ours | stock | dm | ours/stock | ours/dm | better |",
       "|---|---|---|---|---|---|---|---|"]
for what, unit, cells, rs, rd, better in head:
    top.append(f"| {what} | {unit} | {cells.get('ours', '-')} | {cells.get('stock', '-')} | "
               f"{cells.get('dm', '-')} | {fratio(rs)} | {fratio(rd)} | {better} |")
top.append("")

plots = []
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("report_bench: python3-matplotlib is missing, no plots (apt-get install python3-matplotlib)",
          file=sys.stderr)
colors = {"ours": "tab:blue", "stock": "tab:orange", "dm": "tab:green", "upstream": "tab:gray"}

if plt and fo:
    faults = [f for f in ("portremove", "blackhole", "reset") if any(r["fault"] == f for r in fo)]
    fig, ax = plt.subplots(len(faults), 2, figsize=(13, 3.2 * len(faults)), squeeze=False)
    for i, fault in enumerate(faults):
        for s in ("ours", "stock", "dm"):
            rr = sorted([r for r in fo if r["fault"] == fault and r["set"] == s and r.get("series")],
                        key=lambda r: r["gap"])
            if not rr:
                continue
            r = rr[(len(rr) - 1) // 2]    # the run with the median gap
            bins = [tuple(int(x) for x in b.split("/")) for b in r["series"].split(",")]
            t = [k / 10 for k in range(len(bins))]
            ax[i][0].plot(t, [c * 10 for c, _ in bins], color=colors[s], lw=1,
                          label=f"{s} (gap {r['gap']} ms, round {r['round']})")
            # An empty bin has no latency: a gap in the line, and 0 completions on the left.
            ax[i][1].plot(t, [w / 1000 if c else float("nan") for c, w in bins], color=colors[s], lw=1,
                          label=s)
            a, b = r["from_ms"] / 1000, (r["from_ms"] + max(r["down_ms"], 100)) / 1000
        for j in (0, 1):
            ax[i][j].axvspan(a, b, color="red", alpha=0.08)
            ax[i][j].set_xlabel("time since fio started (s)")
            ax[i][j].grid(alpha=0.3)
        ax[i][0].set_ylim(bottom=0)
        ax[i][0].set_ylabel("completions/s (100 ms bins)")
        ax[i][0].set_title(f"{fault}: throughput")
        ax[i][0].legend(fontsize=8)
        ax[i][1].set_yscale("log")
        ax[i][1].set_ylabel("worst latency in bin (ms)")
        ax[i][1].set_title(f"{fault}: latency over time (shaded: the fault)")
    fig.tight_layout()
    fig.savefig(out + "-failover.png", dpi=90)
    plots.append(("Latency and throughput across a failover (the median-gap run of each set)", "failover"))

if plt and asy:
    groups = [(d, wl) for d in sorted({r["delay"] for r in asy}, reverse=True)
              for wl in ("randread-4k-32", "read-128k-8") if any(r["delay"] == d and r["workload"] == wl for r in asy)]
    fig, ax = plt.subplots(len(groups), 1, figsize=(12, 3.6 * len(groups)), squeeze=False)
    for i, (d, wl) in enumerate(groups):
        metric = "iops" if wl.startswith("randread") else "kbps"
        div = 1 if metric == "iops" else 1024
        names, meds, lo, hi, cs = [], [], [], [], []
        for s, p in pol_cols:
            xs = [r[metric] / div for r in asy if r["delay"] == d and r["workload"] == wl
                  and r["set"] == s and r["config"] == p]
            if not xs:
                continue
            m = statistics.median(xs)
            names.append(f"{s}\n{p}")
            meds.append(m)
            lo.append(m - min(xs))
            hi.append(max(xs) - m)
            cs.append(colors[s])
        ax[i][0].bar(range(len(names)), meds, yerr=[lo, hi], color=cs, capsize=3)
        ax[i][0].set_xticks(range(len(names)))
        ax[i][0].set_xticklabels(names, fontsize=8)
        ax[i][0].set_ylabel("IOPS" if div == 1 else "MiB/s")
        ax[i][0].set_title(f"throughput per policy, path 2 +{d} ms, {wl} (median, min-max)")
        ax[i][0].grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out + "-policies.png", dpi=90)
    plots.append(("Throughput per policy on asymmetric paths", "policies"))

if plt and scl:
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    for s in ("ours", "stock", "dm"):
        pts = sorted({r["paths"] for r in scl if r["heads"] == 1 and r["set"] == s})
        if pts:
            ax[0].plot(pts, [statistics.median(r["iops"] for r in scl if r["heads"] == 1 and r["paths"] == p
                                               and r["set"] == s) for p in pts], "o-", color=colors[s], label=s)
        hs = sorted({r["heads"] for r in scl if r["paths"] == 2 and r["set"] == s})
        for k, metric in ((1, "connect_ms"), (2, "teardown_ms")):
            if hs:
                ax[k].plot(hs, [statistics.median(r[metric] for r in scl if r["paths"] == 2 and r["heads"] == h
                                                  and r["set"] == s) / 1000 for h in hs], "o-", color=colors[s],
                           label=s)
    ax[0].set_xlabel("paths (one head)")
    ax[0].set_ylabel("4k randread QD32 IOPS")
    ax[1].set_ylabel("connect time (s)")
    ax[2].set_ylabel("tear-down time (s)")
    for k in (1, 2):
        ax[k].set_xlabel("heads (two paths each)")
        ax[k].set_xscale("log", base=2)
    for a in ax:
        a.set_ylim(bottom=0)
        a.grid(alpha=0.3)
        a.legend()
    fig.tight_layout()
    fig.savefig(out + "-scale.png", dpi=90)
    plots.append(("Scaling with paths and heads (medians)", "scale"))

name = out.rsplit("/", 1)[-1]
pl = []
for title, tag in plots:
    pl += [f"### {title}", "", f"![{tag}]({name}-{tag}.png)", ""]
doc = "\n".join(top + md + (["## Plots", ""] + pl if pl else [])) + "\n"
open(out + ".md", "w").write(doc)
json.dump({"meta": meta, "summary": summary, "runs": runs}, open(out + ".json", "w"), indent=1)
print("\n".join(top))
