#!/usr/bin/env python3
"""End-to-end comparison with pandas from the RAW EVENT LOG: first response,
resolution, CSAT per channel and the repeat-contact rate, computed by pandas
from one CSV row per event (not from precomputed per-ticket facts), checked
against the Rust figures and timed against the Rust end-to-end path over the
same histories.

How to run (pandas is the only dependency: `pip install pandas`):

    cargo run --release --example export_events_csv -- target/events_1m.csv 1000000
    python3 benches/pandas_events_compare.py target/events_1m.csv

The example writes the CSV (`ticket,customer,seq,at,kind,origin,channel,
author_role,visibility,status_from,status_to,tags_added,tags_removed,csat`)
and `PATH.rust.json` with the Rust figures and the Rust timings measured in
the same process (best of 3, end to end from the in-memory histories:
`TicketFacts::from_histories`, `metrics::Aggregate`, summary, repeat-contact
rate; on one thread, and with the facts over every core; then the lean path,
`TicketFacts::fold_histories` with `FactsFields::CORE` into an aggregate and
`experience::RepeatContacts` per thread, whose figures the example checks equal to the full
path's and writes; and the floor, one pass reading the events). This script
prints them and the ratios, and exits non-zero when the figures disagree.

Definitions replicated here (the crate's, see src/sla and src/metrics):
- first response (the `MetricDef::first_reply` preset): reactive tickets
  only; from the opening to the first PUBLIC reply by a HUMAN AGENT (bot and
  automated replies and internal notes do not count); never paused; one
  cycle: a solve before any such reply cancels it (no first response, even if
  an agent replies after a reopen).
- resolution (the `MetricDef::total_resolution` preset): tickets solved (or
  closed) at the end; from the opening to the last solve, the time spent
  solved before each reopen left out:
  sum(entering solved) - sum(leaving solved) - opened.
- CSAT per channel: the latest answer per ticket (by sequence), grouped by
  the channel the ticket was opened on; answers and mean.
- repeat-contact rate (the default rule): a reactive contact is a repeat
  when the same customer had an earlier reactive contact (order: opening,
  then ticket) opened at most 7 calendar days before it sharing at least one
  why-tag (tags at the end: added at the opening or later, minus removed);
  repeats / reactive contacts.

Agreement: counts equal; means to 1e-9 relative; medians and p90 (pandas:
exact, linear interpolation) within the Rust sketch's bound (1/128
relative); the repeat counts equal.

Timing: pandas computation on the loaded DataFrame, best of 3; CSV parsing
timed separately (best of 3 as well, unless --parse-once). The ratio is
reported without and with parsing (the Rust figure starts from histories
already in memory).
"""

import json
import sys
import time

try:
    import numpy as np
    import pandas as pd
except ImportError:  # pragma: no cover
    sys.exit("pandas is not installed: pip install pandas")

WEEK = 7 * 86_400
DTYPES = {
    "ticket": "int64",
    "customer": "int64",
    "seq": "int64",
    "at": "int64",
    "kind": "category",
    "origin": "category",
    "channel": "category",
    "author_role": "category",
    "visibility": "category",
    "status_from": "category",
    "status_to": "category",
    "tags_added": "string",
    "tags_removed": "string",
    "csat": "float64",
}
RESOLVED = {"solved", "closed"}


def load(path):
    return pd.read_csv(path, dtype=DTYPES)


def describe(s):
    n = int(s.count())
    return {
        "count": n,
        "mean": float(s.mean()) if n else None,
        "median": float(s.quantile(0.5)) if n else None,
        "p90": float(s.quantile(0.9)) if n else None,
    }


def figures(ev, why_tags):
    ev = ev.sort_values(["ticket", "seq"], kind="stable")
    opened = ev[ev["kind"] == "opened"].set_index("ticket")[["customer", "at", "origin", "channel"]]
    created = opened["at"]

    # First response: first public human-agent reply, unless a solve came
    # first (by sequence).
    reply = ev[
        (ev["kind"] == "agent_replied") & (ev["author_role"] == "agent") & (ev["visibility"] == "public")
    ].groupby("ticket")[["seq", "at"]].first()
    status = ev[ev["kind"] == "status_changed"]
    to_resolved = status["status_to"].isin(RESOLVED)
    from_resolved = status["status_from"].isin(RESOLVED)
    first_solve = status[to_resolved].groupby("ticket")["seq"].first()
    reactive = opened.index[opened["origin"] == "reactive"]
    fr = reply.reindex(reactive).dropna()
    fs = first_solve.reindex(fr.index)
    fr = fr[fs.isna() | (fr["seq"] < fs)]
    first_response = fr["at"] - created.reindex(fr.index)

    # Resolution: resolved at the end; sum(enter) - sum(leave) - created.
    enter = status[to_resolved & ~from_resolved]
    leave = status[from_resolved & ~to_resolved]
    last_to = status.groupby("ticket")["status_to"].last()
    resolved = last_to.index[last_to.isin(RESOLVED)]
    res = (
        enter.groupby("ticket")["at"].sum().reindex(resolved)
        - leave.groupby("ticket")["at"].sum().reindex(resolved, fill_value=0)
        - created.reindex(resolved)
    )

    # CSAT: latest answer per ticket, by the opening channel.
    rated = ev[ev["kind"] == "satisfaction_rated"].groupby("ticket")["csat"].last()
    by_channel = (
        pd.DataFrame({"csat": rated, "channel": opened["channel"].reindex(rated.index)})
        .groupby("channel", observed=True)["csat"]
        .agg(["count", "mean"])
    )

    # Tags at the end: the last add/remove of each (ticket, tag) wins.
    added = ev.loc[ev["tags_added"].notna(), ["ticket", "seq", "tags_added"]].rename(columns={"tags_added": "tag"})
    added["op"] = 1
    removed = ev.loc[ev["tags_removed"].notna(), ["ticket", "seq", "tags_removed"]].rename(
        columns={"tags_removed": "tag"}
    )
    removed["op"] = 0
    ops = pd.concat([added, removed])
    ops["tag"] = ops["tag"].str.split("|")
    ops = ops.explode("tag")
    ops = ops[ops["tag"].isin(why_tags)]
    ops = ops.sort_values(["ticket", "tag", "seq"], kind="stable").groupby(["ticket", "tag"]).last()
    have = ops[ops["op"] == 1].reset_index()
    bit = {t: 1 << i for i, t in enumerate(why_tags)}
    have["bit"] = have["tag"].map(bit).astype("int64")
    bits = have.groupby("ticket")["bit"].sum()

    # Repeat contacts: compare each reactive contact with the 1st, 2nd, ...
    # earlier one of its customer while any is within the week.
    c = opened.loc[opened["origin"] == "reactive", ["customer", "at"]].copy()
    c["bits"] = bits.reindex(c.index, fill_value=0).astype("int64")
    c = c.reset_index().sort_values(["customer", "at", "ticket"], kind="stable")
    cust = c["customer"].to_numpy()
    at = c["at"].to_numpy()
    b = c["bits"].to_numpy()
    repeat = np.zeros(len(c), dtype=bool)
    lag = 1
    while lag < len(c):
        same = (cust[lag:] == cust[:-lag]) & (at[lag:] - at[:-lag] <= WEEK)
        if not same.any():
            break
        repeat[lag:] |= same & ((b[lag:] & b[:-lag]) != 0)
        lag += 1

    return {
        "first_response": describe(first_response),
        "resolution": describe(res),
        "csat_per_channel": {
            str(ch): {"count": int(row["count"]), "mean": float(row["mean"])} for ch, row in by_channel.iterrows()
        },
        "repeat": {"repeats": int(repeat.sum()), "contacts": int(len(c))},
    }


def close(a, b, rel):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def compare(py, rust):
    problems = []
    bound = rust["relative_error"]
    for key in ("first_response", "resolution"):
        p, r = py[key], rust[key]
        if p["count"] != r["count"]:
            problems.append(f"{key} count: pandas {p['count']} rust {r['count']}")
        if not close(p["mean"], r["mean"], 1e-9):
            problems.append(f"{key} mean: pandas {p['mean']} rust {r['mean']}")
        for q in ("median", "p90"):
            if not close(p[q], r[q], bound):
                problems.append(f"{key} {q}: pandas {p[q]} rust {r[q]} (bound {bound})")
    pc, rc = py["csat_per_channel"], rust["csat_per_channel"]
    if set(pc) != set(rc):
        problems.append(f"csat channels: pandas {sorted(pc)} rust {sorted(rc)}")
    for ch in set(pc) & set(rc):
        if pc[ch]["count"] != rc[ch]["count"] or not close(pc[ch]["mean"], rc[ch]["mean"], 1e-9):
            problems.append(f"csat {ch}: pandas {pc[ch]} rust {rc[ch]}")
    pr, rr = py["repeat"], rust["repeat"]
    if pr["repeats"] != rr["repeats"] or pr["contacts"] != rr["contacts"]:
        problems.append(f"repeat: pandas {pr} rust {rr}")
    return problems


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = args[0] if args else "target/events_1m.csv"
    parse_once = "--parse-once" in sys.argv
    with open(path + ".rust.json") as f:
        rust = json.load(f)

    parse = float("inf")
    for _ in range(1 if parse_once else 3):
        t = time.perf_counter()
        ev = load(path)
        parse = min(parse, time.perf_counter() - t)

    best = float("inf")
    py = None
    for _ in range(3):
        t = time.perf_counter()
        py = figures(ev, rust["why_tags"])
        best = min(best, time.perf_counter() - t)

    n = rust["tickets"]
    r = rust["rust_seconds"]
    print(f"tickets {n}, events {len(ev)} ({rust['events']} written)")
    print(f"pandas: parse CSV {parse:.3f} s (best of {1 if parse_once else 3}), compute {best:.3f} s (best of 3)")
    print(
        f"rust end to end from histories: {r:.3f} s (facts {rust['rust_facts_seconds']:.3f}, "
        f"aggregate+summary {rust['rust_aggregate_seconds']:.3f}, repeat rate {rust['rust_repeat_seconds']:.3f})"
    )
    print(f"ratio pandas compute / rust (one thread): {best / r:.1f}x; with CSV parsing: {(best + parse) / r:.1f}x")
    if "rust_lean_seconds" in rust:
        lean = rust["rust_lean_seconds"]
        lean_all = rust["rust_lean_all_cores_seconds"]
        print(
            f"rust lean path (core figures only, facts folded, not kept), one thread: {lean:.3f} s "
            f"(facts+aggregate+contacts {rust['rust_lean_fold_seconds']:.3f}, "
            f"merge+summary+repeat report {rust['rust_lean_finish_seconds']:.3f}); "
            f"ratio pandas compute / rust: {best / lean:.1f}x; with CSV parsing: {(best + parse) / lean:.1f}x"
        )
        print(
            f"rust lean path over {rust['rust_threads']} threads: {lean_all:.3f} s "
            f"(folding {rust['rust_lean_all_cores_fold_seconds']:.3f}); "
            f"ratio pandas compute / rust: {best / lean_all:.1f}x; with CSV parsing: {(best + parse) / lean_all:.1f}x"
        )
        print(f"of which the lean facts alone (one thread): {rust['rust_lean_facts_seconds']:.3f} s")
        floor, floor_all = rust["floor_seconds"], rust["floor_all_cores_seconds"]
        print(
            f"floor (one pass reading every event's instant and kind and each opening): "
            f"{floor:.3f} s on one thread, {floor_all:.3f} s over {rust['rust_threads']} threads; "
            f"pandas compute / floor: {best / floor:.1f}x, {best / floor_all:.1f}x"
        )
        print(f"goal 20x: the Rust path would need {best / 20:.3f} s")
    if "rust_all_cores_seconds" in rust:
        a = rust["rust_all_cores_seconds"]
        print(
            f"rust with the facts over {rust['rust_threads']} threads: {a:.3f} s "
            f"(facts {rust['rust_all_cores_facts_seconds']:.3f}); "
            f"ratio pandas compute / rust: {best / a:.1f}x; with CSV parsing: {(best + parse) / a:.1f}x"
        )
    rate = py["repeat"]["repeats"] / max(py["repeat"]["contacts"], 1)
    print(f"pandas figures: {json.dumps(py)}; repeat rate {rate:.6f}")
    problems = compare(py, rust)
    if problems:
        print("DISAGREE:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("figures agree: counts equal, means to 1e-9, percentiles within the sketch bound, repeats equal")


if __name__ == "__main__":
    main()
