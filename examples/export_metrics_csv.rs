//! Exports the metrics benchmark's tickets to CSV for the pandas
//! comparison (`benches/pandas_compare.py`), with the figures and the time
//! the Rust aggregate takes over the same tickets.
//!
//! ```sh
//! cargo run --release --example export_metrics_csv -- target/metrics_1m.csv
//! python3 benches/pandas_compare.py target/metrics_1m.csv
//! ```
//!
//! Writes `PATH` (one row per ticket: `ticket,channel,priority,created_at,
//! first_reply_seconds,resolution_seconds,csat`, empty cells where there is
//! no value) and `PATH.rust.json` (the figures and timings). Same tickets
//! as `benches/metrics.rs`: `synthetic_facts(1_000_000, 42, 2026-03-01)`.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use supportdesk::Channel;
use supportdesk::metrics::{
    Aggregate, CsatFigures, DurationSketch, DurationSummary, RELATIVE_ERROR, TicketFacts,
};
use supportdesk::testing::synthetic_facts;

const START: i64 = 1_772_323_200;
const SEED: u64 = 42;

fn json_duration(d: &DurationSummary) -> String {
    let f = |v: Option<f64>| v.map_or_else(|| "null".to_owned(), |x| format!("{x:.6}"));
    format!(
        "{{\"count\": {}, \"mean\": {}, \"median\": {}, \"p90\": {}}}",
        d.count,
        f(d.mean),
        f(d.median),
        f(d.p90)
    )
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "target/metrics_1m.csv".to_owned());
    let n: usize = match args.next() {
        Some(s) => s.parse()?,
        None => 1_000_000,
    };
    let facts: Vec<TicketFacts> = synthetic_facts(n, SEED, START);

    // The Rust side: every metric, one pass, best of 5.
    let mut best = f64::INFINITY;
    let mut all = Aggregate::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut a = Aggregate::new();
        for f in &facts {
            a.add(f);
        }
        let s = std::hint::black_box(a.summary());
        best = best.min(t.elapsed().as_secs_f64());
        all = a;
        drop(s);
    }
    let s = all.summary();

    // The same three figures only, with the crate's sketch: what pandas
    // computes, for a like-for-like ratio.
    let mut three = f64::INFINITY;
    let mut check = (DurationSummary::of(&DurationSketch::new()), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        let (mut frt, mut res) = (DurationSketch::new(), DurationSketch::new());
        let mut csat = [[0u64; 5]; Channel::ALL.len()];
        for f in &facts {
            if let Some(e) = f.first_reply {
                frt.add(e.seconds);
            }
            if let Some(e) = f.resolution {
                res.add(e.seconds);
            }
            if let Some(c) = &f.csat {
                let ch = Channel::ALL
                    .iter()
                    .position(|x| *x == f.channel)
                    .unwrap_or(0);
                csat[ch][usize::from(c.score.score()) - 1] += 1;
            }
        }
        let per_channel: Vec<(usize, CsatFigures)> = csat
            .iter()
            .enumerate()
            .filter(|(_, d)| d.iter().sum::<u64>() > 0)
            .map(|(i, d)| (i, CsatFigures::of(d)))
            .collect();
        let figures = std::hint::black_box((
            DurationSummary::of(&frt),
            DurationSummary::of(&res),
            per_channel,
        ));
        three = three.min(t.elapsed().as_secs_f64());
        check = (figures.0, figures.2);
    }
    assert_eq!(check.0, s.first_response.times, "the two Rust paths agree");
    assert_eq!(check.1.len(), s.csat.by_channel.len());
    eprintln!(
        "rust: the three figures only in {:.1} ms: {:.1} M tickets/s",
        three * 1e3,
        n as f64 / three / 1e6
    );
    eprintln!(
        "rust: {n} tickets aggregated (every metric) and summarised in {:.1} ms: {:.1} M tickets/s",
        best * 1e3,
        n as f64 / best / 1e6
    );

    let file = std::fs::File::create(&path)?;
    let mut w = std::io::BufWriter::new(file);
    writeln!(
        w,
        "ticket,channel,priority,created_at,first_reply_seconds,resolution_seconds,csat"
    )?;
    let mut line = String::new();
    for (i, f) in facts.iter().enumerate() {
        line.clear();
        let _ = write!(
            line,
            "{},{},{},{},",
            i + 1,
            f.channel,
            f.priority,
            f.created_at
        );
        if let Some(e) = f.first_reply {
            let _ = write!(line, "{}", e.seconds);
        }
        line.push(',');
        if let Some(e) = f.resolution {
            let _ = write!(line, "{}", e.seconds);
        }
        line.push(',');
        if let Some(c) = &f.csat {
            let _ = write!(line, "{}", c.score.score());
        }
        writeln!(w, "{line}")?;
    }
    w.flush()?;

    let channels: Vec<String> = s
        .csat
        .by_channel
        .iter()
        .map(|(c, f)| {
            format!(
                "\"{}\": {{\"count\": {}, \"mean\": {:.9}}}",
                c,
                f.responses,
                f.mean.unwrap_or(0.0)
            )
        })
        .collect();
    let json = format!(
        "{{\n  \"tickets\": {n},\n  \"rust_seconds\": {best:.6},\n  \"rust_three_seconds\": {three:.6},\n  \"relative_error\": {RELATIVE_ERROR},\n  \"first_response\": {},\n  \"resolution\": {},\n  \"csat_per_channel\": {{{}}}\n}}\n",
        json_duration(&s.first_response.times),
        json_duration(&s.resolution),
        channels.join(", ")
    );
    std::fs::write(format!("{path}.rust.json"), json)?;
    eprintln!("wrote {path} and {path}.rust.json");
    Ok(())
}
