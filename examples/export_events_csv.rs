//! Exports generated raw ticket histories to CSV, one row per event, for
//! the end-to-end pandas comparison (`benches/pandas_events_compare.py`),
//! with the Rust figures and the Rust end-to-end time over the same
//! histories, measured in this process.
//!
//! ```sh
//! cargo run --release --example export_events_csv -- target/events_1m.csv 1000000
//! python3 benches/pandas_events_compare.py target/events_1m.csv
//! # where the time goes, stage by stage (clock and processor time; writes nothing):
//! cargo run --release --example export_events_csv -- --stages target/events_1m.csv 1000000
//! ```
//!
//! Writes:
//! - `PATH`: one row per event, `ticket,customer,seq,at,kind,origin,channel,
//!   author_role,visibility,status_from,status_to,tags_added,tags_removed,
//!   csat` (empty cells where a column does not apply; tags joined by `|`;
//!   `origin` on `opened` rows only, `reactive` or `proactive`).
//! - `PATH.rust.json`: the figures (first response, resolution, CSAT per
//!   channel, repeat-contact rate), the why-tags of the taxonomy, and the
//!   Rust timings (best of 3): end to end from the in-memory histories
//!   (`TicketFacts::from_histories`, `Aggregate`, summary, repeat-contact
//!   rate) and each stage, on one thread and with the facts over every
//!   core; the same for the lean path (`TicketFacts::fold_histories` with
//!   `FactsFields::CORE` into an `Aggregate` and `RepeatContacts` per
//!   thread, the facts never kept), whose figures must equal the full
//!   path's (the example fails otherwise) and are the ones written; and
//!   the floor, a pass that only reads every event's instant and kind and
//!   each opening's payload.
//!
//! The histories (deterministic, LCG): N tickets (default 1,000,000) of
//! N × 3 / 10 customers over 60 days, each customer's tickets in one
//! fortnight (so customers come back); 6 channels; 5% proactive; opened
//! with a what-tag and usually a why-tag of a small taxonomy; an automated
//! acknowledgement on half (never a first response), an internal note on a
//! fifth (never one either), a human agent reply on 92% after 1 minute to
//! 10 hours, 3% solved without any reply, a why-tag replaced on 10%,
//! solved on 85%, reopened by the customer on 8% of the solved and solved
//! again, CSAT on 30% of the solved, answered twice on 5% of those (the
//! latest counts).

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write as _;
use std::num::NonZeroUsize;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use supportdesk::experience::{Ledger, LedgerConfig, RepeatContacts, RepeatReport, RepeatRule};
use supportdesk::id::{AgentId, CustomerId, TenantId};
use supportdesk::metrics::{
    Aggregate, CsatFigures, DurationSummary, FactsFields, FactsOptions, MetricsSummary,
    RELATIVE_ERROR, TicketFacts,
};
use supportdesk::model::{AuthorRole, TagKind, Visibility};
use supportdesk::sla::Calendars;
use supportdesk::taxonomy::{TagConfig, TaxonomyConfig};
use supportdesk::testing::{Lcg, SequentialIds};
use supportdesk::ticket::{
    Command, Context, Csat, Event, EventKind, OpenTicket, Origin, Status, Ticket, decide, open,
};
use supportdesk::{Channel, Tag, Taxonomy};

/// 2026-03-01T00:00:00Z.
const START: i64 = 1_772_323_200;
const DAY: i64 = 86_400;
const WHAT: [&str; 6] = [
    "order/where",
    "order/return",
    "billing/refund",
    "billing/charge",
    "account/login",
    "product/broken",
];
const WHY: [&str; 4] = [
    "cause/carrier-delay",
    "cause/warehouse-delay",
    "cause/payment-error",
    "cause/bug",
];
const CHANNELS: [Channel; 6] = [
    Channel::Email,
    Channel::WebForm,
    Channel::LiveChat,
    Channel::Phone,
    Channel::Sms,
    Channel::WhatsApp,
];

fn taxonomy() -> Result<Taxonomy, Box<dyn Error>> {
    let mut tags: Vec<TagConfig> = WHAT
        .iter()
        .map(|t| TagConfig::new(*t).kind(TagKind::What))
        .collect();
    tags.extend(WHY.iter().map(|t| TagConfig::new(*t).kind(TagKind::Why)));
    Ok(Taxonomy::from_config(TaxonomyConfig {
        tags,
        ..Default::default()
    })?)
}

fn histories(n: usize) -> Result<Vec<Vec<Event>>, Box<dyn Error>> {
    let ids = SequentialIds::new();
    let mut r = Lcg::new(2026);
    let customers = (n as u64 * 3 / 10).max(1);
    let what: Vec<Tag> = WHAT.iter().map(|t| Tag::new(t)).collect::<Result<_, _>>()?;
    let why: Vec<Tag> = WHY.iter().map(|t| Tag::new(t)).collect::<Result<_, _>>()?;
    let agent = AgentId::from_u128(1);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let c = r.below(customers);
        let customer = CustomerId::from_u128(u128::from(c) + 1);
        let offset = (c * 7919) % (46 * DAY as u64) + r.below(14 * DAY as u64);
        let mut now =
            DateTime::<Utc>::from_timestamp(START + offset as i64, 0).ok_or("time out of range")?;
        let channel = CHANNELS[r.below(CHANNELS.len() as u64) as usize];
        // Proactive only where the channel allows it (not web forms).
        let proactive = r.chance(5) && channel != Channel::WebForm;
        let mut cmd = if proactive {
            OpenTicket::proactive(customer, channel, Some(agent), "Your parcel is late")
        } else {
            OpenTicket::reactive(customer, channel, "Where is my order?")
        };
        cmd.tags
            .push(what[r.below(what.len() as u64) as usize].clone());
        if r.chance(80) {
            cmd.tags
                .push(why[r.below(why.len() as u64) as usize].clone());
        }
        let d = open(TenantId::from_u128(1), &cmd, &Context::new(now, &ids))?;
        let mut t = Ticket::from_events(&d.events).ok_or("the opening does not replay")?;
        let mut events = d.events;
        let mut run = |cmd: Command, now: DateTime<Utc>, t: &mut Ticket| {
            if let Ok(d) = decide(t, &cmd, &Context::new(now, &ids)) {
                for e in d.events {
                    t.apply(&e);
                    events.push(e);
                }
            }
        };
        if r.chance(50) {
            run(
                Command::AutomatedReply {
                    bot: "ack".into(),
                    body: "Got it".into(),
                },
                now,
                &mut t,
            );
        }
        if r.chance(20) {
            now += Duration::minutes(1 + r.below(30) as i64);
            run(
                Command::AddNote {
                    agent,
                    body: "Checking the carrier".into(),
                },
                now,
                &mut t,
            );
        }
        let roll = r.below(100);
        if roll < 3 {
            // Solved without any reply: no first response.
            now += Duration::minutes(10 + r.below(600) as i64);
            run(Command::ChangeStatus { to: Status::Solved }, now, &mut t);
        } else if roll < 95 {
            now += Duration::seconds(60 + r.below(36_000) as i64);
            run(
                Command::agent_reply(agent, "Let me check that for you"),
                now,
                &mut t,
            );
            if r.chance(10) {
                let old = t
                    .tags()
                    .iter()
                    .find(|g| g.as_str().starts_with("cause/"))
                    .cloned();
                if let Some(old) = old {
                    now += Duration::minutes(5);
                    run(Command::RemoveTags { tags: vec![old] }, now, &mut t);
                }
                run(
                    Command::AddTags {
                        tags: vec![why[r.below(why.len() as u64) as usize].clone()],
                    },
                    now,
                    &mut t,
                );
            }
            if r.chance(87) {
                now += Duration::seconds(60 + r.below(2 * DAY as u64) as i64);
                run(
                    Command::AgentReply {
                        agent,
                        channel: None,
                        body: "Done".into(),
                        then: Some(Status::Solved),
                    },
                    now,
                    &mut t,
                );
            }
        }
        if t.status() == Status::Solved {
            if r.chance(8) {
                now += Duration::seconds(600 + r.below(DAY as u64) as i64);
                run(
                    Command::customer_reply(customer, channel, "Still not here"),
                    now,
                    &mut t,
                );
                now += Duration::seconds(600 + r.below(DAY as u64) as i64);
                run(
                    Command::AgentReply {
                        agent,
                        channel: None,
                        body: "Sent again".into(),
                        then: Some(Status::Solved),
                    },
                    now,
                    &mut t,
                );
            }
            if r.chance(30) {
                let answers = if r.chance(5) { 2 } else { 1 };
                for _ in 0..answers {
                    now += Duration::minutes(30 + r.below(600) as i64);
                    run(
                        Command::RateSatisfaction {
                            score: Csat::new(1 + r.below(5) as i64)?,
                            comment: None,
                        },
                        now,
                        &mut t,
                    );
                }
            }
        }
        out.push(events);
    }
    Ok(out)
}

/// The repeat-contact rate under the default rule
/// ([`RepeatRule::default`]: the same customer's earlier reactive contact
/// opened at most 7 calendar days before, sharing a why-tag), from
/// `RepeatReport::from_facts` (the library's `experience` module):
/// `(repeats, reactive contacts)` over every ticket opened up to the
/// instant.
fn rust_repeat_rate(
    facts: &[TicketFacts],
    taxonomy: &Taxonomy,
    as_of: i64,
) -> Result<(u64, u64), Box<dyn Error>> {
    let r = RepeatReport::from_facts(
        facts,
        &RepeatRule::default(),
        taxonomy,
        &Calendars::new(),
        START - DAY,
        as_of + 1,
    )?;
    Ok((r.overall.repeat.count, r.overall.repeat.of))
}

/// One end-to-end measurement: best of 3 of each stage and of the whole.
struct Run {
    threads: usize,
    total: f64,
    facts: f64,
    aggregate: f64,
    repeat: f64,
    result: (MetricsSummary, (u64, u64)),
}

/// Histories -> facts (on `threads` threads) -> aggregate -> summary, and
/// the repeat-contact rate from the same facts; best of 3.
fn end_to_end(
    hs: &[Vec<Event>],
    options: &FactsOptions,
    taxonomy: &Taxonomy,
    threads: NonZeroUsize,
) -> Result<Run, Box<dyn Error>> {
    let mut run = Run {
        threads: threads.get(),
        total: f64::INFINITY,
        facts: f64::INFINITY,
        aggregate: f64::INFINITY,
        repeat: f64::INFINITY,
        result: (Aggregate::new().summary(), (0, 0)),
    };
    for _ in 0..3 {
        let t0 = Instant::now();
        let facts = TicketFacts::from_histories(hs, options, threads)?;
        let t1 = Instant::now();
        let mut a = Aggregate::new();
        for f in &facts {
            a.add(f);
        }
        let s = a.summary();
        let t2 = Instant::now();
        let repeat = rust_repeat_rate(&facts, taxonomy, options.as_of().timestamp())?;
        let t3 = Instant::now();
        run.total = run.total.min((t3 - t0).as_secs_f64());
        run.facts = run.facts.min((t1 - t0).as_secs_f64());
        run.aggregate = run.aggregate.min((t2 - t1).as_secs_f64());
        run.repeat = run.repeat.min((t3 - t2).as_secs_f64());
        run.result = (s, repeat);
    }
    Ok(run)
}

/// The figures the comparison reads: first response, resolution, CSAT per
/// channel, and the repeat-contact rate `(repeats, reactive contacts)`.
type Figures = (
    DurationSummary,
    DurationSummary,
    Vec<(Channel, CsatFigures)>,
    (u64, u64),
);

fn figures(s: &MetricsSummary, repeat: (u64, u64)) -> Figures {
    (
        s.first_response.times.clone(),
        s.resolution.clone(),
        s.csat.by_channel.clone(),
        repeat,
    )
}

/// One measurement of the lean path: best of 3 of each stage and of the
/// whole.
struct LeanRun {
    threads: usize,
    total: f64,
    /// Facts (only the core figures), aggregate and repeat records, folded
    /// history by history on every thread.
    fold: f64,
    /// The parts merged, the summary and the repeat-contact report (its
    /// keys sorted once).
    finish: f64,
    result: Figures,
}

/// The lean path, best of 3: `TicketFacts::fold_histories` with
/// `FactsFields::CORE` (first response, resolution, CSAT, tags: no next
/// replies, agent work, own SLA nor message-derived figures) folding each
/// history's facts straight into an `Aggregate` and the `RepeatContacts`
/// (no experience ledger) of each thread, without keeping the facts; then
/// the parts merged, and the summary and the repeat report read (the report
/// over the same threads, `RepeatContacts::report_on`).
fn lean_end_to_end(
    hs: &[Vec<Event>],
    options: &FactsOptions,
    taxonomy: &Taxonomy,
    threads: NonZeroUsize,
) -> Result<LeanRun, Box<dyn Error>> {
    let lean = options.clone().with_fields(FactsFields::CORE);
    let empty = RepeatContacts::new(RepeatRule::default(), taxonomy, Calendars::new())?;
    let as_of = options.as_of().timestamp();
    let mut run = LeanRun {
        threads: threads.get(),
        total: f64::INFINITY,
        fold: f64::INFINITY,
        finish: f64::INFINITY,
        result: figures(&Aggregate::new().summary(), (0, 0)),
    };
    for _ in 0..3 {
        let t0 = Instant::now();
        let parts = TicketFacts::fold_histories(
            hs,
            &lean,
            threads,
            |n| {
                let mut contacts = empty.clone();
                contacts.reserve(n);
                (Aggregate::new(), contacts)
            },
            |(a, c), f| {
                a.add(f);
                c.add(f);
            },
        )?;
        let t1 = Instant::now();
        let mut parts = parts.into_iter();
        let (mut aggregate, mut contacts) = parts.next().ok_or("no part")?;
        for (a, c) in parts {
            aggregate.merge(&a);
            contacts.merge(c)?;
        }
        let summary = aggregate.summary();
        let report = contacts.report_on(START - DAY, as_of + 1, threads)?;
        let t2 = Instant::now();
        run.total = run.total.min((t2 - t0).as_secs_f64());
        run.fold = run.fold.min((t1 - t0).as_secs_f64());
        run.finish = run.finish.min((t2 - t1).as_secs_f64());
        run.result = figures(
            &summary,
            (report.overall.repeat.count, report.overall.repeat.of),
        );
    }
    Ok(run)
}

/// The floor: one pass that only reads what any path must read, every
/// event's instant and kind and each opening's payload (customer and
/// tags), asking for the events ahead as the facts' bulk path does, the
/// histories split over `threads` threads as the facts are; best of 3.
fn read_floor(hs: &[Vec<Event>], threads: NonZeroUsize) -> f64 {
    let per = hs.len().div_ceil(threads.get()).max(1);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        std::thread::scope(|s| {
            let handles: Vec<_> = hs
                .chunks(per)
                .map(|c| s.spawn(move || read_floor_once(c)))
                .collect();
            for h in handles {
                let _ = h.join();
            }
        });
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

/// One pass of [`read_floor`] over `hs` on this thread.
fn read_floor_once(hs: &[Vec<Event>]) -> i64 {
    let read = |hs: &[Vec<Event>]| {
        let mut sum = 0i64;
        for (i, h) in hs.iter().enumerate() {
            // The events four histories ahead asked for, as the facts'
            // bulk path asks for them.
            if let Some(far) = hs.get(i + 4) {
                for e in far {
                    mem_prefetch::prefetch_read_data::<_, 3>(&e.kind);
                }
            }
            for e in h {
                sum = sum.wrapping_add(e.at.timestamp());
                match &e.kind {
                    EventKind::Opened(o) => {
                        sum = sum
                            .wrapping_add(o.customer.as_u128() as i64)
                            .wrapping_add(o.tags.len() as i64);
                    }
                    EventKind::StatusChanged { to, .. } => {
                        sum = sum.wrapping_add(i64::from(*to == Status::Solved));
                    }
                    EventKind::AgentReplied { .. } => sum = sum.wrapping_add(3),
                    _ => sum = sum.wrapping_add(1),
                }
            }
        }
        std::hint::black_box(sum)
    };
    read(hs)
}

/// The lean facts alone (`FactsFields::CORE`, each dropped at once) on one
/// thread, best of 3: how much of the lean path deriving takes.
fn lean_facts_only(hs: &[Vec<Event>], options: &FactsOptions) -> Result<f64, Box<dyn Error>> {
    let lean = options.clone().with_fields(FactsFields::CORE);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let n =
            TicketFacts::fold_histories(hs, &lean, NonZeroUsize::MIN, |_| 0usize, |n, _| *n += 1)?;
        std::hint::black_box(n);
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

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

fn role(r: AuthorRole) -> &'static str {
    match r {
        AuthorRole::Customer => "customer",
        AuthorRole::Agent => "agent",
        AuthorRole::System => "system",
        _ => "bot",
    }
}

fn tags(t: &[Tag]) -> String {
    t.iter().map(Tag::as_str).collect::<Vec<_>>().join("|")
}

fn write_csv(path: &str, hs: &[Vec<Event>]) -> Result<(), Box<dyn Error>> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    writeln!(
        w,
        "ticket,customer,seq,at,kind,origin,channel,author_role,visibility,status_from,status_to,tags_added,tags_removed,csat"
    )?;
    let mut line = String::new();
    for (i, h) in hs.iter().enumerate() {
        let Some(EventKind::Opened(o)) = h.first().map(|e| &e.kind) else {
            continue;
        };
        let customer = o.customer.as_u128();
        for e in h {
            line.clear();
            let _ = write!(
                line,
                "{},{},{},{},",
                i + 1,
                customer,
                e.sequence,
                e.at.timestamp()
            );
            let (kind, origin, channel, author, vis, from, to, added, removed, csat) = match &e.kind
            {
                EventKind::Opened(o) => (
                    "opened",
                    if matches!(o.origin, Origin::Reactive) {
                        "reactive"
                    } else {
                        "proactive"
                    },
                    o.channel.to_string(),
                    "",
                    "",
                    String::new(),
                    String::new(),
                    tags(&o.tags),
                    String::new(),
                    String::new(),
                ),
                EventKind::CustomerReplied { message }
                | EventKind::AgentReplied { message }
                | EventKind::NoteAdded { message }
                | EventKind::AutomatedReplySent { message } => (
                    match &e.kind {
                        EventKind::CustomerReplied { .. } => "customer_replied",
                        EventKind::AgentReplied { .. } => "agent_replied",
                        EventKind::NoteAdded { .. } => "note_added",
                        _ => "automated_reply",
                    },
                    "",
                    message.channel.to_string(),
                    role(message.author.role()),
                    if message.visibility == Visibility::Public {
                        "public"
                    } else {
                        "internal"
                    },
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                EventKind::StatusChanged { from, to } => (
                    "status_changed",
                    "",
                    String::new(),
                    "",
                    "",
                    from.to_string(),
                    to.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                EventKind::TagsAdded { tags: t } => (
                    "tags_added",
                    "",
                    String::new(),
                    "",
                    "",
                    String::new(),
                    String::new(),
                    tags(t),
                    String::new(),
                    String::new(),
                ),
                EventKind::TagsRemoved { tags: t } => (
                    "tags_removed",
                    "",
                    String::new(),
                    "",
                    "",
                    String::new(),
                    String::new(),
                    String::new(),
                    tags(t),
                    String::new(),
                ),
                EventKind::SatisfactionRated { score, .. } => (
                    "satisfaction_rated",
                    "",
                    String::new(),
                    "",
                    "",
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    score.score().to_string(),
                ),
                _ => (
                    "other",
                    "",
                    String::new(),
                    "",
                    "",
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
            };
            let _ = writeln!(
                line,
                "{kind},{origin},{channel},{author},{vis},{from},{to},{added},{removed},{csat}"
            );
            w.write_all(line.as_bytes())?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The processor time this thread has used, in seconds (Linux; 10 ms
/// steps; 0 elsewhere): on a machine shared with other work, less noisy
/// than the time on the clock.
fn thread_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| -> f64 { fields.get(i).and_then(|x| x.parse().ok()).unwrap_or(0.0) };
    // utime and stime (fields 14 and 15 of the line), in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

/// `--stages`: where the time goes, stage by stage on one thread, four
/// rounds, each stage as clock time and this thread's processor time.
fn stages(
    hs: &[Vec<Event>],
    options: &FactsOptions,
    taxonomy: &Taxonomy,
) -> Result<(), Box<dyn Error>> {
    let lean = options.clone().with_fields(FactsFields::CORE);
    let one = NonZeroUsize::MIN;
    let as_of = options.as_of().timestamp();
    let facts = TicketFacts::from_histories(hs, options, one)?;
    let rule = RepeatRule::default();
    let empty = RepeatContacts::new(rule.clone(), taxonomy, Calendars::new())?;
    for round in 1..=4 {
        let mut line = format!("round {round}:");
        let mut stage = |name: &str, f: &mut dyn FnMut() -> Result<(), Box<dyn Error>>| {
            let (c, t) = (thread_cpu(), Instant::now());
            let r = f();
            let _ = write!(
                line,
                " {name} {:.0} ms ({:.2} s cpu);",
                t.elapsed().as_secs_f64() * 1e3,
                thread_cpu() - c
            );
            r
        };
        stage("floor", &mut || {
            std::hint::black_box(read_floor_once(hs));
            Ok(())
        })?;
        for (name, o) in [
            ("full facts, dropped", options),
            ("core facts, dropped", &lean),
        ] {
            stage(name, &mut || {
                let n = TicketFacts::fold_histories(hs, o, one, |_| 0usize, |n, _| *n += 1)?;
                std::hint::black_box(n);
                Ok(())
            })?;
        }
        stage("core facts folded into an Aggregate", &mut || {
            let parts =
                TicketFacts::fold_histories(hs, &lean, one, |_| Aggregate::new(), |a, f| a.add(f))?;
            std::hint::black_box(parts.len());
            Ok(())
        })?;
        stage("core facts folded into RepeatContacts", &mut || {
            let parts = TicketFacts::fold_histories(
                hs,
                &lean,
                one,
                |n| {
                    let mut c = empty.clone();
                    c.reserve(n);
                    c
                },
                |c, f| c.add(f),
            )?;
            std::hint::black_box(parts.len());
            Ok(())
        })?;
        stage("full facts, kept", &mut || {
            drop(TicketFacts::from_histories(hs, options, one)?);
            Ok(())
        })?;
        stage("aggregate", &mut || {
            let mut a = Aggregate::new();
            for f in &facts {
                a.add(f);
            }
            std::hint::black_box(a.summary());
            Ok(())
        })?;
        let mut by_ledger = None;
        stage("repeat by ledger", &mut || {
            let config = LedgerConfig::default().with_repeat(rule.clone());
            let mut l = Ledger::new(config, taxonomy, Calendars::new())?;
            l.extend(&facts);
            by_ledger = Some(l.repeat_report(START - DAY, as_of + 1)?);
            Ok(())
        })?;
        let mut by_contacts = None;
        stage("repeat by RepeatContacts", &mut || {
            let mut c = RepeatContacts::new(rule.clone(), taxonomy, Calendars::new())?;
            c.extend(&facts);
            by_contacts = Some(c.report(START - DAY, as_of + 1)?);
            Ok(())
        })?;
        if by_ledger != by_contacts {
            return Err("the two repeat reports differ".into());
        }
        eprintln!("{line}");
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let stages_only = std::env::args().any(|a| a == "--stages");
    let mut args = std::env::args().skip(1).filter(|a| a != "--stages");
    let path = args
        .next()
        .unwrap_or_else(|| "target/events_1m.csv".to_owned());
    let n: usize = match args.next() {
        Some(s) => s.parse()?,
        None => 1_000_000,
    };
    let taxonomy = taxonomy()?;
    let t = Instant::now();
    let hs = histories(n)?;
    let events: usize = hs.iter().map(Vec::len).sum();
    eprintln!(
        "generated {n} histories ({events} events) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let as_of = DateTime::<Utc>::from_timestamp(START + 80 * DAY, 0).ok_or("as_of")?;
    let options = FactsOptions::new(as_of, Calendars::new());
    if stages_only {
        return stages(&hs, &options, &taxonomy);
    }

    // End to end, best of 3: histories -> facts -> aggregate -> summary,
    // plus the repeat-contact rate from the same facts; on one thread, then
    // with the facts spread over every core (`TicketFacts::from_histories`).
    let cores = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    let one = end_to_end(&hs, &options, &taxonomy, NonZeroUsize::MIN)?;
    let all = end_to_end(&hs, &options, &taxonomy, cores)?;
    if one.result != all.result {
        return Err("the figures on one thread and on every core differ".into());
    }
    for (label, r) in [("one thread", &one), ("every core", &all)] {
        eprintln!(
            "rust end to end ({label}, {} threads for the facts): {n} histories in {:.1} ms ({:.2} M tickets/s): facts {:.1} ms, aggregate+summary {:.1} ms, repeat rate {:.1} ms",
            r.threads,
            r.total * 1e3,
            n as f64 / r.total / 1e6,
            r.facts * 1e3,
            r.aggregate * 1e3,
            r.repeat * 1e3
        );
    }
    let (s, repeat) = &one.result;
    let full = figures(s, *repeat);

    // The lean path (core figures only, folded without keeping the facts),
    // on one thread and on every core; its figures must equal the full
    // path's.
    let lean_one = lean_end_to_end(&hs, &options, &taxonomy, NonZeroUsize::MIN)?;
    let lean_all = lean_end_to_end(&hs, &options, &taxonomy, cores)?;
    if lean_one.result != full || lean_all.result != full {
        return Err("the lean path's figures differ from the full path's".into());
    }
    for (label, r) in [("one thread", &lean_one), ("every core", &lean_all)] {
        eprintln!(
            "rust lean path ({label}, {} threads): {n} histories in {:.1} ms ({:.2} M tickets/s): facts+aggregate+contacts {:.1} ms, merge+summary+repeat report {:.1} ms",
            r.threads,
            r.total * 1e3,
            n as f64 / r.total / 1e6,
            r.fold * 1e3,
            r.finish * 1e3
        );
    }
    let lean_facts = lean_facts_only(&hs, &options)?;
    eprintln!(
        "of which the lean facts alone (one thread): {:.1} ms",
        lean_facts * 1e3
    );
    let floor = read_floor(&hs, NonZeroUsize::MIN);
    let floor_all = read_floor(&hs, cores);
    eprintln!(
        "floor: reading every event's instant and kind and each opening's payload: {:.1} ms on one thread, {:.1} ms on {} threads",
        floor * 1e3,
        floor_all * 1e3,
        cores.get()
    );
    let (first_response, resolution, by_channel, (repeats, contacts)) = lean_one.result;

    let t = Instant::now();
    write_csv(&path, &hs)?;
    eprintln!("wrote {path} in {:.1} s", t.elapsed().as_secs_f64());

    let channels: Vec<String> = by_channel
        .iter()
        .map(|(c, f)| {
            format!(
                "\"{}\": {{\"count\": {}, \"mean\": {:.12}}}",
                c,
                f.responses,
                f.mean.unwrap_or(0.0)
            )
        })
        .collect();
    let why: Vec<String> = WHY.iter().map(|t| format!("\"{t}\"")).collect();
    let json = format!(
        "{{\n  \"tickets\": {n},\n  \"events\": {events},\n  \"as_of\": {},\n  \"why_tags\": [{}],\n  \"rust_seconds\": {:.6},\n  \"rust_facts_seconds\": {:.6},\n  \"rust_aggregate_seconds\": {:.6},\n  \"rust_repeat_seconds\": {:.6},\n  \"rust_threads\": {},\n  \"rust_all_cores_seconds\": {:.6},\n  \"rust_all_cores_facts_seconds\": {:.6},\n  \"rust_lean_seconds\": {:.6},\n  \"rust_lean_fold_seconds\": {:.6},\n  \"rust_lean_finish_seconds\": {:.6},\n  \"rust_lean_all_cores_seconds\": {:.6},\n  \"rust_lean_all_cores_fold_seconds\": {:.6},\n  \"rust_lean_facts_seconds\": {:.6},\n  \"floor_seconds\": {:.6},\n  \"floor_all_cores_seconds\": {:.6},\n  \"relative_error\": {RELATIVE_ERROR},\n  \"first_response\": {},\n  \"resolution\": {},\n  \"csat_per_channel\": {{{}}},\n  \"repeat\": {{\"repeats\": {repeats}, \"contacts\": {contacts}, \"rate\": {:.12}}}\n}}\n",
        as_of.timestamp(),
        why.join(", "),
        one.total,
        one.facts,
        one.aggregate,
        one.repeat,
        all.threads,
        all.total,
        all.facts,
        lean_one.total,
        lean_one.fold,
        lean_one.finish,
        lean_all.total,
        lean_all.fold,
        lean_facts,
        floor,
        floor_all,
        json_duration(&first_response),
        json_duration(&resolution),
        channels.join(", "),
        if contacts == 0 {
            0.0
        } else {
            repeats as f64 / contacts as f64
        }
    );
    std::fs::write(format!("{path}.rust.json"), json)?;
    eprintln!("wrote {path}.rust.json");
    Ok(())
}
