//! Metrics benchmarks over a million tickets.
//!
//! `cargo bench --bench metrics`
//!
//! The tickets are [`synthetic_facts`]: one compact [`TicketFacts`] per
//! ticket (what `TicketFacts::from_events` derives once from a history),
//! generated directly so that a million fit in memory without their event
//! histories. Deriving facts from real histories is measured separately
//! (`facts_from_events`, per ticket).
//!
//! - `aggregate_1m/all_metrics`: stream the million facts into one
//!   `Aggregate` (every metric: volume by channel, priority and tag, first
//!   response and next reply sketches in calendar and business time, SLA
//!   outcome, resolution, agent work, one touch, reopens, CSAT per channel
//!   and by response time, low scores, CES, backlog at the instant).
//! - `aggregate_1m/per_day`: the same into a `Periodic` by day (Europe/London).
//! - `aggregate_1m/shards_merged`: 16 shards of 62,500 aggregated then
//!   merged (the per-shard/day pattern).
//! - `summary_1m`: reading every figure from the million-ticket aggregate.
//! - `facts_from_events/{calendar,business}/...`: facts of 2,000 histories
//!   built through the core (each with an SLA policy in business time), in
//!   calendar time only and with business-time figures: `from_events`, a
//!   reused `FactsDeriver`, the deriver into an `Aggregate` (end to end),
//!   and the general SLA-engine path it must agree with (`reference`,
//!   `reference_aggregate`), all timed by the thread's CPU time.
//!   `cargo bench --bench metrics -- facts_from_events`

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::id::{AgentId, CustomerId, TenantId};
use supportdesk::metrics::{
    Aggregate, FactsDeriver, FactsOptions, PeriodKind, Periodic, TicketFacts,
};
use supportdesk::sla::{Calendars, MetricDef, SlaPolicy, Target, TimeBasis};
use supportdesk::testing::{Lcg, SequentialIds, synthetic_facts};
use supportdesk::ticket::{
    Command, Context, Csat, Event, OpenTicket, Status, Ticket, decide, open,
};
use supportdesk::{Channel, Priority};

/// 2026-03-01T00:00:00Z.
const START: i64 = 1_772_323_200;
const N: usize = 1_000_000;
const SEED: u64 = 42;

fn facts() -> &'static [TicketFacts] {
    static F: OnceLock<Vec<TicketFacts>> = OnceLock::new();
    F.get_or_init(|| synthetic_facts(N, SEED, START))
}

fn aggregate(c: &mut Criterion) {
    let facts = facts();
    let mut g = c.benchmark_group("aggregate_1m");
    g.sample_size(10)
        .measurement_time(StdDuration::from_secs(8))
        .warm_up_time(StdDuration::from_secs(2))
        .throughput(Throughput::Elements(N as u64));
    g.bench_function("all_metrics", |b| {
        b.iter(|| {
            let mut a = Aggregate::new();
            for f in facts {
                a.add(f);
            }
            black_box(a)
        })
    });
    g.bench_function("per_day", |b| {
        b.iter(|| {
            let mut p = Periodic::new(PeriodKind::Day, chrono_tz::Europe::London);
            for f in facts {
                p.add(f);
            }
            black_box(p)
        })
    });
    g.bench_function("shards_merged", |b| {
        b.iter(|| {
            let mut total = Aggregate::new();
            for shard in facts.chunks(N / 16) {
                let part: Aggregate = shard.iter().collect();
                total.merge(&part);
            }
            black_box(total)
        })
    });
    g.finish();

    let all: Aggregate = facts.iter().collect();
    c.bench_function("summary_1m", |b| b.iter(|| black_box(all.summary())));
}

fn calendars() -> Calendars {
    let office = BusinessCalendar::builder("Europe/London")
        .weekdays("09:00", "17:30")
        .build()
        .unwrap();
    Calendars::new().with("office", office)
}

fn histories(n: usize) -> Vec<Vec<Event>> {
    let ids = SequentialIds::new();
    let mut r = Lcg::new(7);
    let policy = SlaPolicy {
        id: "p".into(),
        version: 1,
        name: "p".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply(), MetricDef::next_reply()],
        targets: Priority::ALL
            .into_iter()
            .map(|p| Target {
                metric: "first_reply".into(),
                priority: p,
                channel: None,
                seconds: 4 * 3600,
                basis: TimeBasis::Business {
                    calendar: "office".into(),
                },
            })
            .collect(),
        warnings: vec![],
        escalation: vec![],
    };
    let start: DateTime<Utc> = DateTime::from_timestamp(START, 0).unwrap();
    (0..n)
        .map(|i| {
            let mut now = start + Duration::minutes(40 * i as i64 % (30 * 24 * 60));
            let cmd = OpenTicket::reactive(
                CustomerId::from_u128(i as u128),
                Channel::Email,
                "Where is it?",
            );
            let d = open(TenantId::from_u128(1), &cmd, &Context::new(now, &ids)).unwrap();
            let mut t = Ticket::from_events(&d.events).unwrap();
            let mut events = d.events;
            let run =
                |cmd: Command, now: DateTime<Utc>, t: &mut Ticket, events: &mut Vec<Event>| {
                    if let Ok(d) = decide(t, &cmd, &Context::new(now, &ids)) {
                        for e in d.events {
                            t.apply(&e);
                            events.push(e);
                        }
                    }
                };
            run(
                Command::ApplySlaPolicy {
                    policy: Box::new(policy.clone()),
                },
                now,
                &mut t,
                &mut events,
            );
            run(
                Command::AutomatedReply {
                    bot: "ack".into(),
                    body: "Got it".into(),
                },
                now,
                &mut t,
                &mut events,
            );
            now += Duration::minutes(5 + r.below(600) as i64);
            run(
                Command::agent_reply(AgentId::from_u128(1), "On it"),
                now,
                &mut t,
                &mut events,
            );
            now += Duration::minutes(r.below(120) as i64);
            run(
                Command::customer_reply(t.customer(), Channel::Email, "Thanks, and?"),
                now,
                &mut t,
                &mut events,
            );
            now += Duration::minutes(5 + r.below(300) as i64);
            run(
                Command::AgentReply {
                    agent: AgentId::from_u128(1),
                    channel: None,
                    body: "Done".into(),
                    then: Some(Status::Solved),
                },
                now,
                &mut t,
                &mut events,
            );
            now += Duration::minutes(30);
            run(
                Command::RateSatisfaction {
                    score: Csat::new(1 + r.below(5) as i64).unwrap(),
                    comment: None,
                },
                now,
                &mut t,
                &mut events,
            );
            events
        })
        .collect()
}

/// Times `iters` runs of `body` by the CPU time of the thread rather than
/// the clock on the wall: what one core does while other jobs share the
/// machine (Linux; elsewhere, or if it cannot be read, wall time).
fn cpu_timed(iters: u64, mut body: impl FnMut()) -> StdDuration {
    let wall = std::time::Instant::now();
    let cpu = thread_cpu_time();
    for _ in 0..iters {
        body();
    }
    match (cpu, thread_cpu_time()) {
        (Some(a), Some(b)) if b >= a => b - a,
        _ => wall.elapsed(),
    }
}

/// The CPU time this thread has run so far (`/proc/thread-self/schedstat`,
/// Linux), `None` where it cannot be read.
fn thread_cpu_time() -> Option<StdDuration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(StdDuration::from_nanos(ns))
}

fn derive(c: &mut Criterion) {
    let hs = histories(2000);
    let as_of = DateTime::from_timestamp(START + 40 * 86_400, 0).unwrap();
    let calendar = FactsOptions::new(as_of, calendars());
    let business = calendar.clone().with_business_calendar("office").unwrap();
    let mut g = c.benchmark_group("facts_from_events");
    g.sample_size(10)
        .measurement_time(StdDuration::from_secs(4))
        .warm_up_time(StdDuration::from_secs(1))
        .throughput(Throughput::Elements(hs.len() as u64));
    // Every function is timed by the thread's CPU time (see `cpu_timed`).
    for (name, options) in [("calendar", &calendar), ("business", &business)] {
        g.bench_function(format!("{name}/from_events"), |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    for h in &hs {
                        black_box(TicketFacts::from_events(black_box(h), options).unwrap());
                    }
                })
            })
        });
        g.bench_function(format!("{name}/deriver"), |b| {
            let mut d = FactsDeriver::new(options);
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    for h in &hs {
                        black_box(d.derive(black_box(h)).unwrap());
                    }
                })
            })
        });
        // End to end: histories to facts to one aggregate.
        g.bench_function(format!("{name}/deriver_aggregate"), |b| {
            let mut d = FactsDeriver::new(options);
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    let mut a = Aggregate::new();
                    for h in &hs {
                        if let Some(f) = d.derive(black_box(h)).unwrap() {
                            a.add(&f);
                        }
                    }
                    black_box(a);
                })
            })
        });
        g.bench_function(format!("{name}/reference"), |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    for h in &hs {
                        black_box(
                            TicketFacts::from_events_reference(black_box(h), options).unwrap(),
                        );
                    }
                })
            })
        });
        g.bench_function(format!("{name}/reference_aggregate"), |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    let mut a = Aggregate::new();
                    for h in &hs {
                        if let Some(f) =
                            TicketFacts::from_events_reference(black_box(h), options).unwrap()
                        {
                            a.add(&f);
                        }
                    }
                    black_box(a);
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, aggregate, derive);
criterion_main!(benches);
