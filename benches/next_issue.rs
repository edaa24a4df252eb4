//! Next-issue avoidance over a million tickets of 300,000 customers.
//!
//! `cargo bench --bench next_issue -- --sample-size 10`
//!
//! The tickets are generated facts (deterministic LCG): 1,000,000 tickets
//! (5% proactive) over 60 days among 300,000 customers (each customer's in
//! one fortnight), each
//! with (90%) one of a pair of what-tags the customer keeps coming back about, and
//! 0 to 2 more tags drawn from 12 what-tags, 4 why-tags and 2 tags outside
//! the taxonomy, so the counts have pairs above the thresholds.
//!
//! - `next_issue_1m/count`: `NextIssueCounts::count` (7 calendar days).
//! - `next_issue_1m/count_and_read`: the same plus `NextIssues::from_counts`
//!   and the suggestions.
//! - `next_issue_1m/shards_merged`: 8 shards of customers counted then
//!   merged.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supportdesk::experience::{NextIssueConfig, NextIssueCounts, NextIssues};
use supportdesk::id::{CustomerId, TicketId};
use supportdesk::metrics::TicketFacts;
use supportdesk::sla::Calendars;
use supportdesk::taxonomy::{TagConfig, TagKind, TaxonomyConfig};
use supportdesk::testing::Lcg;
use supportdesk::{Channel, Tag, Taxonomy};

/// 2026-03-01T00:00:00Z.
const START: i64 = 1_772_323_200;
const N: usize = 1_000_000;
const CUSTOMERS: u64 = 300_000;

fn taxonomy() -> Taxonomy {
    let mut tags: Vec<TagConfig> = (0..12)
        .map(|i| TagConfig::new(format!("reason/r{i}")).kind(TagKind::What))
        .collect();
    tags.extend((0..4).map(|i| TagConfig::new(format!("cause/c{i}")).kind(TagKind::Why)));
    Taxonomy::from_config(TaxonomyConfig {
        tags,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn facts() -> Vec<TicketFacts> {
    let what: Vec<Tag> = (0..12)
        .filter_map(|i| Tag::new(&format!("reason/r{i}")).ok())
        .collect();
    let why: Vec<Tag> = (0..4)
        .filter_map(|i| Tag::new(&format!("cause/c{i}")).ok())
        .collect();
    let other: Vec<Tag> = ["vip", "misc"]
        .iter()
        .filter_map(|t| Tag::new(t).ok())
        .collect();
    let mut r = Lcg::new(11);
    (0..N)
        .map(|i| {
            let customer = r.below(CUSTOMERS);
            // A customer's contacts cluster in a fortnight of the 60 days.
            let at = START + ((customer * 7919) % (46 * 86_400) + r.below(14 * 86_400)) as i64;
            let mut f = TicketFacts::new(
                TicketId::from_u128(i as u128),
                CustomerId::from_u128(u128::from(customer)),
                Channel::ALL[r.below(Channel::ALL.len() as u64) as usize],
                at,
            );
            f.proactive = r.chance(5);
            // The customer's "habit": most contacts are about one of two
            // neighbouring reasons, so one follows the other often enough.
            let base = 2 * (customer % 6) as usize;
            if r.chance(90) {
                f.tags.push(what[(base + r.below(2) as usize) % 12].clone());
            }
            for _ in 0..r.below(3) {
                let t = match r.below(10) {
                    0..=2 => what[r.below(12) as usize].clone(),
                    3..=7 => why[r.below(4) as usize].clone(),
                    _ => other[r.below(2) as usize].clone(),
                };
                if !f.tags.contains(&t) {
                    f.tags.push(t);
                }
            }
            f
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let facts = facts();
    let taxonomy = taxonomy();
    let cals = Calendars::new();
    let config = NextIssueConfig::default();
    let as_of = START + 61 * 86_400;
    let mut g = c.benchmark_group("next_issue_1m");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("count", |b| {
        b.iter(|| {
            NextIssueCounts::count(black_box(&facts), &taxonomy, &config, &cals, as_of)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.bench_function("count_and_read", |b| {
        b.iter(|| {
            let counts =
                NextIssueCounts::count(black_box(&facts), &taxonomy, &config, &cals, as_of)
                    .unwrap_or_else(|e| panic!("{e}"));
            let found = NextIssues::from_counts(&counts, &config);
            found.suggestions()
        })
    });
    // 8 shards of customers.
    let mut shards: Vec<Vec<TicketFacts>> = vec![Vec::new(); 8];
    for f in &facts {
        let k = f.customer.as_u128() % 8;
        shards[k as usize].push(f.clone());
    }
    g.bench_function("shards_merged", |b| {
        b.iter(|| {
            let mut all: Option<NextIssueCounts> = None;
            for s in &shards {
                let c = NextIssueCounts::count(s, &taxonomy, &config, &cals, as_of)
                    .unwrap_or_else(|e| panic!("{e}"));
                match &mut all {
                    None => all = Some(c),
                    Some(a) => a.merge(&c, &cals).unwrap_or_else(|e| panic!("{e}")),
                }
            }
            all
        })
    });
    g.finish();

    // What the data looks like (printed once).
    let counts = NextIssueCounts::count(&facts, &taxonomy, &config, &cals, as_of)
        .unwrap_or_else(|e| panic!("{e}"));
    let found = NextIssues::from_counts(&counts, &config);
    let s = found.suggestions();
    eprintln!(
        "customers {}, reasons {}, kept pairs {}; first: {}",
        counts.customers(),
        counts.reasons().len(),
        s.len(),
        s.first().map_or("", |s| s.text.as_str())
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
