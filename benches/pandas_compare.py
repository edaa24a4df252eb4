#!/usr/bin/env python3
"""First response, resolution and CSAT per channel with pandas, from the
tickets `examples/export_metrics_csv.rs` exports, checked against the Rust
figures and timed against the Rust aggregate.

Installs nothing itself. Needs pandas (and numpy, which pandas brings):

    pip install pandas
    cargo run --release --example export_metrics_csv -- target/metrics_1m.csv
    python3 benches/pandas_compare.py target/metrics_1m.csv

What is compared:
- first response (seconds, answered tickets): count, mean, median, p90;
- resolution (seconds, resolved tickets): count, mean, median, p90;
- CSAT per channel: answers and mean score.

Counts must be equal and means equal to 1e-9 (relative); medians and p90
are exact in pandas and from a log-bucketed sketch in Rust, so they must
agree within the sketch's stated bound (1/128 relative). Percentiles are
linear interpolation between the closest ranks in both (pandas' default).

Timing: the pandas computation on the loaded DataFrame (best of 5, CSV
parsing timed separately) against the Rust side over the same tickets in
memory (best of 5, from the JSON): the same three figures with the
crate's DurationSketch and CSAT arrays, and the full Aggregate (every
metric of the crate, one pass, plus the summary).
"""

import json
import sys
import time

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    sys.exit("pandas is not installed: pip install pandas")


def figures(df):
    fr = df["first_reply_seconds"].dropna()
    rs = df["resolution_seconds"].dropna()
    by_channel = df.dropna(subset=["csat"]).groupby("channel", observed=True)["csat"].agg(["count", "mean"])
    describe = lambda s: {  # noqa: E731
        "count": int(s.count()),
        "mean": float(s.mean()) if len(s) else None,
        "median": float(s.quantile(0.5)) if len(s) else None,
        "p90": float(s.quantile(0.9)) if len(s) else None,
    }
    return {
        "first_response": describe(fr),
        "resolution": describe(rs),
        "csat_per_channel": {
            ch: {"count": int(row["count"]), "mean": float(row["mean"])}
            for ch, row in by_channel.iterrows()
        },
    }


def close(a, b, rel):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * abs(b) + 1e-9


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "target/metrics_1m.csv"
    with open(path + ".rust.json") as f:
        rust = json.load(f)

    t = time.perf_counter()
    df = pd.read_csv(
        path,
        dtype={"channel": "category", "priority": "category", "csat": "float64",
               "first_reply_seconds": "float64", "resolution_seconds": "float64"},
    )
    load = time.perf_counter() - t

    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        ours = figures(df)
        best = min(best, time.perf_counter() - t)

    problems = []
    for key in ("first_response", "resolution"):
        p, r = ours[key], rust[key]
        if p["count"] != r["count"]:
            problems.append(f"{key} count: pandas {p['count']} rust {r['count']}")
        if not close(r["mean"], p["mean"], 1e-9):
            problems.append(f"{key} mean: pandas {p['mean']} rust {r['mean']}")
        for q in ("median", "p90"):
            if not close(r[q], p[q], rust["relative_error"]):
                problems.append(f"{key} {q}: pandas {p[q]} rust {r[q]}")
        print(f"{key:>15}: n={p['count']} mean {p['mean']:.3f} (rust {r['mean']:.3f}) "
              f"median {p['median']:.1f} (rust {r['median']:.1f}) p90 {p['p90']:.1f} (rust {r['p90']:.1f})")
    pc, rc = ours["csat_per_channel"], rust["csat_per_channel"]
    if set(pc) != set(rc):
        problems.append(f"channels differ: pandas {sorted(pc)} rust {sorted(rc)}")
    for ch in sorted(set(pc) & set(rc)):
        if pc[ch]["count"] != rc[ch]["count"] or not close(rc[ch]["mean"], pc[ch]["mean"], 1e-9):
            problems.append(f"csat {ch}: pandas {pc[ch]} rust {rc[ch]}")
    print("  csat/channel: " + ", ".join(
        f"{ch} {pc[ch]['mean']:.4f} (n={pc[ch]['count']})" for ch in sorted(pc)))

    n = rust["tickets"]
    print(f"pandas {pd.__version__}: CSV load {load * 1e3:.0f} ms; the three figures {best * 1e3:.1f} ms "
          f"({n / best / 1e6:.2f} M tickets/s)")
    three = rust["rust_three_seconds"]
    print(f"rust: the same three figures {three * 1e3:.1f} ms ({n / three / 1e6:.2f} M tickets/s); "
          f"every metric of the crate {rust['rust_seconds'] * 1e3:.1f} ms ({n / rust['rust_seconds'] / 1e6:.2f} M tickets/s)")
    print(f"ratio pandas / rust, same three figures: {best / three:.1f}x "
          f"(with pandas' CSV parsing: {(best + load) / three:.1f}x)")
    print(f"ratio pandas (three figures) / rust (every metric): {best / rust['rust_seconds']:.2f}x")
    if problems:
        print("MISMATCH:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("figures agree (counts and means exactly, percentiles within 1/128)")


if __name__ == "__main__":
    main()
