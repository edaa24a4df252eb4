//! SLA engine benchmarks: the full report of many tickets from memory, and
//! the due-ticket sweep over a million open tickets.
//!
//! `cargo bench --bench sla`

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::id::AgentId;
use supportdesk::id::{CustomerId, TenantId, TicketId};
use supportdesk::port::{Commit, DueUpdate, ExpectedVersion, TicketStore, TicketWrite};
use supportdesk::sla::{self, Calendars, MetricDef, SlaPolicy, Target, TimeBasis, WarnAt};
use supportdesk::testing::{SequentialIds, TicketBuilder};
use supportdesk::ticket::{
    Command, Context, Event, EventKind, OpenTicket, Priority, Status, Ticket, decide, open,
};
use supportdesk::{Channel, InMemoryStore};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

fn calendars() -> Calendars {
    let ny = BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "12:00")
        .weekdays("13:00", "17:30")
        .holidays(
            [
                "2026-01-01",
                "2026-01-19",
                "2026-05-25",
                "2026-07-03",
                "2026-09-07",
                "2026-11-26",
                "2026-12-25",
            ]
            .map(|d| d.parse().unwrap()),
        )
        .build()
        .unwrap();
    Calendars::new().with("ny", ny)
}

fn policy() -> SlaPolicy {
    let biz = TimeBasis::Business {
        calendar: "ny".into(),
    };
    let t = |m: &str, s: i64, basis: &TimeBasis| Target {
        metric: m.into(),
        priority: Priority::Normal,
        channel: None,
        seconds: s,
        basis: basis.clone(),
    };
    SlaPolicy {
        id: "bench".into(),
        version: 1,
        name: String::new(),
        conditions: Default::default(),
        metrics: vec![
            MetricDef::first_reply(),
            MetricDef::next_reply(),
            MetricDef::requester_wait(),
            MetricDef::total_resolution(),
        ],
        targets: vec![
            t("first_reply", 4 * 3600, &biz),
            t("next_reply", 8 * 3600, &biz),
            t("requester_wait", 24 * 3600, &biz),
            t("total_resolution", 5 * 86_400, &TimeBasis::Calendar),
        ],
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![],
    }
}

/// About ten events per ticket: open, message, reply, pending, customer
/// reply (reopen), reply, solve, sometimes a reopen and a second solve.
fn histories(n: usize) -> Vec<Vec<Event>> {
    let ids = SequentialIds::new();
    let mut rng = Lcg(42);
    let year: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let agent = AgentId::from_u128(7);
    (0..n)
        .map(|_| {
            let mut now = year + Duration::seconds(rng.below(360 * 86_400));
            let c = CustomerId::from_u128(1);
            let d = open(
                TenantId::from_u128(1),
                &OpenTicket::reactive(c, Channel::Email, "help"),
                &Context::new(now, &ids),
            )
            .unwrap();
            let mut t = Ticket::from_events(&d.events).unwrap();
            let mut events = d.events;
            let script = [
                Command::agent_reply(agent, "a"),
                Command::status(Status::Pending),
                Command::customer_reply(c, Channel::Email, "b"),
                Command::agent_reply(agent, "c"),
                Command::status(Status::Solved),
                Command::customer_reply(c, Channel::Email, "d"),
                Command::AgentReply {
                    agent,
                    channel: None,
                    body: "e".into(),
                    then: Some(Status::Solved),
                },
            ];
            let steps = 4 + rng.below(4) as usize;
            for cmd in script.iter().take(steps) {
                now += Duration::seconds(60 + rng.below(30 * 3600));
                if let Ok(d) = decide(&t, cmd, &Context::new(now, &ids)) {
                    for e in d.events {
                        t.apply(&e);
                        events.push(e);
                    }
                }
            }
            events
        })
        .collect()
}

/// The number of ticket histories evaluated: the million by
/// default, `SLA_BENCH_TICKETS` to change it (a few thousand fit in cache
/// and show the arithmetic alone; a million come from main memory).
fn ticket_count() -> usize {
    std::env::var("SLA_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

fn bench_evaluate(c: &mut Criterion) {
    let cals = calendars();
    let p = policy();
    let started = std::time::Instant::now();
    let hs = histories(ticket_count());
    let events: usize = hs.iter().map(Vec::len).sum();
    eprintln!(
        "{} tickets, {:.1} events per ticket (built in {:.1?})",
        hs.len(),
        events as f64 / hs.len() as f64,
        started.elapsed()
    );
    let now: DateTime<Utc> = "2027-01-15T12:00:00Z".parse().unwrap();
    // Warm the calendar's compiled years.
    for h in &hs {
        let _ = sla::evaluate(h, &cals, now, Some(&p));
    }
    let mut g = c.benchmark_group("sla_report");
    g.throughput(Throughput::Elements(hs.len() as u64));
    g.sample_size(10)
        .measurement_time(StdDuration::from_secs(10));
    g.bench_function("evaluate", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for h in &hs {
                n += sla::evaluate(black_box(h), &cals, now, Some(&p))
                    .map_or(0, |r| r.targets.len());
            }
            n
        })
    });
    // The floor set by memory: only read each event's time and kind, as
    // the timeline must.
    g.bench_function("read_events_only", |b| {
        b.iter(|| {
            let mut n = 0i64;
            for h in &hs {
                for e in black_box(h) {
                    n += e.at.timestamp()
                        + i64::from(matches!(e.kind, EventKind::AgentReplied { .. }));
                }
            }
            n
        })
    });
    g.bench_function("evaluator", |b| {
        let mut eval = sla::Evaluator::new(&p, &cals);
        b.iter(|| {
            let mut n = 0usize;
            for h in &hs {
                n += eval
                    .evaluate(black_box(h), now)
                    .map_or(0, |r| r.targets.len());
            }
            n
        })
    });
    // The same loop timed by the CPU time of the thread instead of the
    // clock on the wall: what one core does while other jobs share the
    // machine (Linux; elsewhere it falls back to wall time).
    g.bench_function("evaluator_cpu_time", |b| {
        let mut eval = sla::Evaluator::new(&p, &cals);
        b.iter_custom(|iters| {
            cpu_timed(iters, || {
                let mut n = 0usize;
                for h in &hs {
                    n += eval
                        .evaluate(black_box(h), now)
                        .map_or(0, |r| r.targets.len());
                }
                n
            })
        })
    });
    // The bulk entry point: the same reports, with the events of a history
    // a few places ahead read while the current one is evaluated.
    g.bench_function("evaluator_many", |b| {
        let mut eval = sla::Evaluator::new(&p, &cals);
        b.iter(|| {
            let mut n = 0usize;
            eval.evaluate_many(black_box(&hs), now, |_, r| {
                n += r.map_or(0, |r| r.targets.len());
            });
            n
        })
    });
    g.bench_function("evaluator_many_cpu_time", |b| {
        let mut eval = sla::Evaluator::new(&p, &cals);
        b.iter_custom(|iters| {
            cpu_timed(iters, || {
                let mut n = 0usize;
                eval.evaluate_many(black_box(&hs), now, |_, r| {
                    n += r.map_or(0, |r| r.targets.len());
                });
                n
            })
        })
    });
    g.finish();
}

/// The CPU time of `iters` runs of `f` on this thread (the wall-clock time
/// where the thread's CPU time cannot be read).
fn cpu_timed(iters: u64, mut f: impl FnMut() -> usize) -> StdDuration {
    let wall = std::time::Instant::now();
    let cpu = thread_cpu_time();
    for _ in 0..iters {
        black_box(f());
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

fn million_open_tickets() -> InMemoryStore {
    // One million open tickets with due times spread over 30 days.
    let store = InMemoryStore::new();
    let tenant = TenantId::from_u128(1);
    let mut rng = Lcg(7);
    let template = TicketBuilder::new().tenant(tenant);
    for i in 0..1_000_000u128 {
        let events: Vec<Event> = template.clone().id(TicketId::from_u128(i + 1)).events();
        let ticket = Ticket::from_events(&events).unwrap();
        let due = DueUpdate::new(
            ticket.id(),
            ticket.version(),
            Some(sweep_base() + Duration::seconds(rng.below(30 * 86_400))),
        );
        let commit = Commit::new(tenant).due(due).ticket(TicketWrite::new(
            ExpectedVersion::New,
            ticket,
            events,
        ));
        store.commit(&commit).unwrap();
    }
    store
}

fn sweep_base() -> DateTime<Utc> {
    "2026-03-01T00:00:00Z".parse().unwrap()
}

fn bench_sweep(c: &mut Criterion) {
    static STORE: OnceLock<InMemoryStore> = OnceLock::new();
    let mut g = c.benchmark_group("due_sweep_1m_open");
    g.sample_size(20)
        .measurement_time(StdDuration::from_secs(3));
    // Due sets of growing size: the time grows with them, not with the
    // million tickets in the store.
    for minutes in [1i64, 10, 100, 1000] {
        let until = sweep_base() + Duration::minutes(minutes);
        g.bench_with_input(
            BenchmarkId::new("due_within_minutes", minutes),
            &until,
            |b, until| {
                static SAID: std::sync::Mutex<Vec<i64>> = std::sync::Mutex::new(Vec::new());
                let store = STORE.get_or_init(million_open_tickets);
                let mut said = SAID.lock().unwrap();
                if !said.contains(&minutes) {
                    said.push(minutes);
                    let n = store.due(*until, usize::MAX).unwrap().len();
                    eprintln!("  due within {minutes} min: {n} of 1,000,000 open tickets");
                }
                drop(said);
                b.iter(|| store.due(black_box(*until), usize::MAX).unwrap().len())
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench_evaluate, bench_sweep);
criterion_main!(benches);
