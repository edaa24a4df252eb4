//! Properties of the metrics: aggregating parts and merging them equals
//! aggregating everything at once, in any order and grouping; facts of
//! random histories agree with the SLA engine and never panic.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportdesk::Priority;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::id::{CustomerId, TenantId};
use supportdesk::metrics::{
    Aggregate, DurationSketch, FactsDeriver, FactsFields, FactsOptions, PeriodKind, Periodic,
    TicketFacts,
};
use supportdesk::sla::{self, Calendars, MetricDef, SlaPolicy, Target, TimeBasis};
use supportdesk::testing::{SequentialIds, strategies};
use supportdesk::ticket::{Command, Context, Event, OpenTicket, Ticket, decide, open};

/// Splits `items` into consecutive parts at the given cut points.
fn parts<'a, T>(items: &'a [T], cuts: &[usize]) -> Vec<&'a [T]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (items.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for c in cuts {
        out.push(&items[from..c]);
        from = c;
    }
    out.push(&items[from..]);
    out
}

fn tz() -> impl Strategy<Value = chrono_tz::Tz> {
    prop::sample::select(vec![
        chrono_tz::UTC,
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Australia::Lord_Howe,
    ])
}

fn kind() -> impl Strategy<Value = PeriodKind> {
    prop::sample::select(vec![
        PeriodKind::Day,
        PeriodKind::IsoWeek,
        PeriodKind::Month,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn merging_parts_equals_aggregating_all(
        facts in prop::collection::vec(strategies::ticket_facts(), 0..60),
        cuts in prop::collection::vec(any::<usize>(), 0..5),
        reverse in any::<bool>(),
    ) {
        let all: Aggregate = facts.iter().collect();
        let mut shards: Vec<Aggregate> = parts(&facts, &cuts).into_iter().map(|p| p.iter().collect()).collect();
        if reverse {
            shards.reverse();
        }
        let mut merged = Aggregate::new();
        for s in &shards {
            merged.merge(s);
        }
        prop_assert_eq!(&merged, &all);
        // Grouping does not matter either: ((a + b) + c) == (a + (b + c)).
        if shards.len() >= 3 {
            let mut right = shards[1].clone();
            for s in &shards[2..] { right.merge(s); }
            let mut left = shards[0].clone();
            left.merge(&right);
            prop_assert_eq!(&left, &all);
        }
        // The figures are the same too.
        prop_assert_eq!(merged.summary(), all.summary());
    }

    #[test]
    fn merging_periods_equals_aggregating_all(
        facts in prop::collection::vec(strategies::ticket_facts(), 0..40),
        cuts in prop::collection::vec(any::<usize>(), 0..4),
        kind in kind(),
        tz in tz(),
    ) {
        let mut all = Periodic::new(kind, tz);
        facts.iter().for_each(|f| all.add(f));
        let mut merged = Periodic::new(kind, tz);
        for p in parts(&facts, &cuts).into_iter().rev() {
            let mut shard = Periodic::new(kind, tz);
            p.iter().for_each(|f| shard.add(f));
            merged.merge(&shard).unwrap();
        }
        prop_assert_eq!(&merged, &all);
        // Every ticket counts in exactly one period.
        let total = all.total();
        prop_assert_eq!(total.tickets(), facts.len() as u64);
        let flat: Aggregate = facts.iter().collect();
        prop_assert_eq!(total.summary().volume, flat.summary().volume);
        prop_assert_eq!(total.summary().csat, flat.summary().csat);
        prop_assert_eq!(total.summary().first_response, flat.summary().first_response);
    }

    #[test]
    fn sketches_merge_exactly(
        values in prop::collection::vec(0u64..10_000_000, 0..300),
        cuts in prop::collection::vec(any::<usize>(), 0..4),
    ) {
        let mut all = DurationSketch::new();
        values.iter().for_each(|v| all.add(*v));
        let mut merged = DurationSketch::new();
        for p in parts(&values, &cuts) {
            let mut s = DurationSketch::new();
            p.iter().for_each(|v| s.add(*v));
            merged.merge(&s);
        }
        prop_assert_eq!(&merged, &all);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for p in [0.0, 0.25, 0.5, 0.9, 1.0] {
            let Some(est) = all.quantile(p) else { continue };
            let pos = p * (sorted.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            let exact = sorted[lo] as f64 + (sorted[hi] as f64 - sorted[lo] as f64) * (pos - lo as f64);
            prop_assert!((est - exact).abs() <= exact * supportdesk::metrics::RELATIVE_ERROR + 1e-6,
                "p{}: {} vs {}", p, est, exact);
        }
    }
}

fn calendars() -> Calendars {
    let office = BusinessCalendar::builder("Europe/Paris")
        .weekdays("09:00", "12:30")
        .weekdays("13:30", "18:00")
        .build()
        .unwrap();
    Calendars::new().with("office", office)
}

fn policy() -> SlaPolicy {
    let targets = Priority::ALL
        .into_iter()
        .flat_map(|p| {
            ["first_reply", "next_reply"].map(|m| Target {
                metric: m.into(),
                priority: p,
                channel: None,
                seconds: 3 * 3600,
                basis: TimeBasis::Business {
                    calendar: "office".into(),
                },
            })
        })
        .collect();
    SlaPolicy {
        id: "p".into(),
        version: 1,
        name: "p".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply(), MetricDef::next_reply()],
        targets,
        warnings: vec![],
        escalation: vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Any history the core can produce gives facts without error, and the
    /// first-reply figures are the SLA engine's.
    #[test]
    fn facts_of_random_histories_agree_with_the_sla_engine(
        steps in prop::collection::vec((strategies::command(CustomerId::from_u128(1)), 1i64..3000), 0..14),
        channel in strategies::channel(),
        minutes in 0i64..10_080,
        read_after in 0i64..20_000,
    ) {
        let ids = SequentialIds::new();
        let mut now: DateTime<Utc> = "2026-03-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minutes);
        let opened = open(TenantId::from_u128(1), &OpenTicket::reactive(CustomerId::from_u128(1), channel, "Help"), &Context::new(now, &ids)).unwrap();
        let mut events = opened.events;
        let mut ticket = Ticket::from_events(&events).unwrap();
        let apply = decide(&ticket, &Command::ApplySlaPolicy { policy: Box::new(policy()) }, &Context::new(now, &ids)).unwrap();
        for e in apply.events { ticket.apply(&e); events.push(e); }
        for (cmd, gap) in steps {
            now += Duration::minutes(gap);
            if let Ok(d) = decide(&ticket, &cmd, &Context::new(now, &ids)) {
                // A reply to a closed ticket opens a follow-up: keep this history only.
                let id = ticket.id();
                for e in d.events.into_iter().filter(|e| e.ticket == id) {
                    ticket.apply(&e);
                    events.push(e);
                }
            }
        }
        let as_of = now + Duration::minutes(read_after);
        let options = FactsOptions::new(as_of, calendars()).with_business_calendar("office").unwrap();
        let f = TicketFacts::from_events(&events, &options).unwrap().unwrap();
        let report = sla::evaluate(&events, options.calendars(), as_of, None).unwrap();
        let frt = report.targets.iter().find(|t| t.metric == "first_reply");
        match frt {
            Some(t) => {
                prop_assert_eq!(f.first_reply_sla, Some(t.state));
                if let Some(e) = f.first_reply.or(f.first_reply_waiting) {
                    prop_assert_eq!(e.business_seconds, Some(t.elapsed_seconds as u64));
                }
            }
            None => prop_assert_eq!(f.first_reply_sla, None),
        }
        for e in f.next_replies.iter().chain(f.first_reply.iter()).chain(f.resolution.iter()) {
            prop_assert!(e.business_seconds.unwrap_or(0) <= e.seconds);
        }
        prop_assert_eq!(f.agent_replies as usize, ticket.messages().iter().filter(|m| m.is_public_agent_reply()).count());
        prop_assert_eq!(f.status, ticket.status());
        prop_assert_eq!(f.reopens, ticket.reopens());
        prop_assert_eq!(f.csat.as_ref().map(|c| c.score), ticket.satisfaction().map(|s| s.score));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Facts from a host can hold anything: extreme instants and durations
    /// never make aggregation, figures or reports panic.
    #[test]
    fn extreme_facts_never_panic(
        base in prop::collection::vec(strategies::ticket_facts(), 1..4),
        created in prop::collection::vec(-(1i64 << 40)..(1i64 << 40), 4),
        ages in prop::collection::vec(0i64..(1i64 << 36), 4),
        secs in prop::collection::vec(any::<u64>(), 4),
    ) {
        let mut all = Aggregate::new();
        let mut months = Periodic::new(PeriodKind::Month, chrono_tz::Pacific::Apia);
        for (i, mut f) in base.into_iter().enumerate() {
            f.created_at = created[i];
            f.as_of = created[i].saturating_add(ages[i]);
            f.statuses = vec![(f.created_at, supportdesk::Status::New)];
            f.status = supportdesk::Status::Open;
            f.first_reply = Some(supportdesk::metrics::Elapsed::new(secs[i]).with_business(secs[(i + 1) % 4]));
            f.resolution = Some(supportdesk::metrics::Elapsed::new(secs[(i + 2) % 4]));
            all.add(&f);
            months.add(&f);
        }
        let mut twice = all.clone();
        twice.merge(&all);
        let s = twice.summary();
        let _ = months.total().summary();
        let html = supportdesk::report::Report::new("x", s, "2026-01-01T00:00:00Z".parse().unwrap()).to_html();
        prop_assert!(html.ends_with("</html>\n"));
    }
}

/// The own SLA policies the equivalence property draws from: none, the
/// business first and next reply policy, one in calendar time with
/// warnings, channel-specific targets, a renamed preset and metrics that
/// run by no preset's rules, and one naming a calendar the options lack.
fn own_policy(which: u8) -> Option<SlaPolicy> {
    use supportdesk::sla::WarnAt;
    let target = |metric: &str, priority, channel, seconds, basis: &TimeBasis| Target {
        metric: metric.into(),
        priority,
        channel,
        seconds,
        basis: basis.clone(),
    };
    let mixed = |basis: TimeBasis| {
        let mut targets = Vec::new();
        for p in Priority::ALL {
            targets.push(target(
                "reply",
                p,
                Some(supportdesk::Channel::LiveChat),
                600,
                &basis,
            ));
            targets.push(target("reply", p, None, 2 * 3600, &basis));
            targets.push(target("next_reply", p, None, 3600, &basis));
            targets.push(target("wait", p, None, 8 * 3600, &basis));
            targets.push(target("updates", p, None, 4 * 3600, &basis));
            targets.push(target("work", p, None, 6 * 3600, &basis));
        }
        // A target of a metric the policy does not define is ignored.
        targets.push(target("nowhere", Priority::Normal, None, 60, &basis));
        SlaPolicy {
            id: "mixed".into(),
            version: 2,
            name: "mixed".into(),
            conditions: Default::default(),
            metrics: vec![
                MetricDef::first_reply().named("reply"),
                MetricDef::next_reply(),
                MetricDef::requester_wait().named("wait"),
                MetricDef::pausable_update().named("updates"),
                MetricDef::agent_work().named("work"),
            ],
            targets,
            warnings: vec![
                WarnAt::Share { share: 0.5 },
                WarnAt::Before { seconds: 300 },
            ],
            escalation: vec![],
        }
    };
    match which % 8 {
        0 | 5 => None,
        1 | 6 => Some(policy()),
        2 | 7 => Some(mixed(TimeBasis::Calendar)),
        3 => Some(mixed(TimeBasis::Business {
            calendar: "office".into(),
        })),
        _ => Some(mixed(TimeBasis::Business {
            calendar: "missing".into(),
        })),
    }
}

/// A step of a history for the equivalence property.
#[derive(Debug, Clone)]
enum Step {
    /// A command on the ticket.
    Command(Command),
    /// Merge the ticket into the other one (`true`) or the other into it.
    Merge(bool),
    /// (Re)apply an own policy.
    Apply(u8),
}

fn step() -> impl Strategy<Value = Step> {
    let agent_reply = (1u128..3, prop::option::of(strategies::status())).prop_map(|(a, then)| {
        Step::Command(Command::AgentReply {
            agent: supportdesk::id::AgentId::from_u128(a),
            channel: None,
            body: "Answer".into(),
            then,
        })
    });
    let customer_reply = strategies::channel().prop_map(|channel| {
        Step::Command(Command::customer_reply(
            CustomerId::from_u128(1),
            channel,
            "And?",
        ))
    });
    prop_oneof![
        12 => strategies::command(CustomerId::from_u128(1)).prop_map(Step::Command),
        5 => agent_reply,
        5 => customer_reply,
        2 => Just(Step::Command(Command::ChangeStatus { to: supportdesk::Status::Solved })),
        1 => Just(Step::Command(Command::ChangeStatus { to: supportdesk::Status::Pending })),
        1 => any::<bool>().prop_map(Step::Merge),
        1 => any::<u8>().prop_map(Step::Apply),
    ]
}

/// A generated history for the fast-path properties: a ticket opened on
/// `channel` (proactive where the channel allows), commands, merges and
/// own policies applied; with another ticket's events mixed in, instants
/// jittered (out of order, sub-second) and the whole shifted into another
/// era. Returns the history and the instant of its last step.
#[derive(Debug, Clone)]
struct Generated {
    steps: Vec<(Step, i64)>,
    channel: supportdesk::Channel,
    proactive: bool,
    policy_at_open: u8,
    minutes: i64,
    mix_other: bool,
    jitter: Option<Vec<(i64, u32)>>,
    era: usize,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        prop::collection::vec((step(), 0i64..3000), 0..16),
        strategies::channel(),
        any::<bool>(),
        any::<u8>(),
        0i64..10_080,
        any::<bool>(),
        prop::option::of(prop::collection::vec(
            (-5000i64..5000, 0u32..1_000_000_000),
            1..6,
        )),
        prop_oneof![6 => Just(0usize), 1 => 1usize..6],
    )
        .prop_map(
            |(steps, channel, proactive, policy_at_open, minutes, mix_other, jitter, era)| {
                Generated {
                    steps,
                    channel,
                    proactive,
                    policy_at_open,
                    minutes,
                    mix_other,
                    jitter,
                    era,
                }
            },
        )
}

fn build(g: Generated) -> (Vec<Event>, DateTime<Utc>) {
    let Generated {
        steps,
        channel,
        proactive,
        policy_at_open,
        minutes,
        mix_other,
        jitter,
        era,
    } = g;
    let ids = SequentialIds::new();
    let tenant = TenantId::from_u128(1);
    let mut now: DateTime<Utc> =
        "2026-03-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minutes);
    let reactive = OpenTicket::reactive(CustomerId::from_u128(1), channel, "Help");
    let opened = if proactive {
        // Some channels cannot be proactive: those open reactively.
        let cmd = OpenTicket::proactive(
            CustomerId::from_u128(1),
            channel,
            Some(supportdesk::id::AgentId::from_u128(1)),
            "Hello",
        );
        open(tenant, &cmd, &Context::new(now, &ids))
            .or_else(|_| open(tenant, &reactive, &Context::new(now, &ids)))
            .unwrap()
    } else {
        open(tenant, &reactive, &Context::new(now, &ids)).unwrap()
    };
    let mut ticket = Ticket::from_events(&opened.events).unwrap();
    let mut events = opened.events;
    let other_open = open(
        tenant,
        &OpenTicket::reactive(
            CustomerId::from_u128(2),
            supportdesk::Channel::LiveChat,
            "Me too",
        ),
        &Context::new(now, &ids),
    )
    .unwrap();
    let mut other = Ticket::from_events(&other_open.events).unwrap();
    let mut all = events.clone();
    all.extend(other_open.events.iter().cloned());
    let applied = |p: SlaPolicy,
                   t: &mut Ticket,
                   at: DateTime<Utc>,
                   out: &mut Vec<Event>,
                   all: &mut Vec<Event>| {
        let e = Event {
            tenant,
            ticket: t.id(),
            sequence: t.version() + 1,
            at,
            kind: supportdesk::ticket::EventKind::SlaPolicyApplied {
                policy: Box::new(p),
            },
        };
        t.apply(&e);
        out.push(e.clone());
        all.push(e);
    };
    if let Some(p) = own_policy(policy_at_open) {
        applied(p, &mut ticket, now, &mut events, &mut all);
    }
    for (step, gap) in steps {
        now += Duration::minutes(gap);
        let ctx = Context::new(now, &ids);
        let decided = match step {
            Step::Command(cmd) => decide(&ticket, &cmd, &ctx).ok(),
            Step::Merge(out) if out => supportdesk::ticket::merge(&ticket, &other, &ctx).ok(),
            Step::Merge(_) => supportdesk::ticket::merge(&other, &ticket, &ctx).ok(),
            Step::Apply(which) => {
                if let Some(p) = own_policy(which) {
                    applied(p, &mut ticket, now, &mut events, &mut all);
                }
                None
            }
        };
        for e in decided.map(|d| d.events).unwrap_or_default() {
            if e.ticket == ticket.id() {
                ticket.apply(&e);
                events.push(e.clone());
            } else if e.ticket == other.id() {
                other.apply(&e);
            }
            all.push(e);
        }
    }
    // A history with another ticket's events in it: the facts skip
    // them, the clocks read them (as the SLA engine does).
    let mut history = if mix_other { all } else { events };
    if let Some(jitter) = jitter {
        for (i, (secs, nanos)) in jitter.into_iter().enumerate() {
            let n = history.len();
            if let Some(e) = history.get_mut((i * 7 + 3) % n) {
                e.at = e.at + Duration::seconds(secs) + Duration::nanoseconds(i64::from(nanos));
            }
        }
    }
    // Histories in other eras too: before 1970 and after 2200 business
    // time fails (the same error both ways), and near the last instant
    // chrono holds calendar-time deadlines cannot be computed either.
    let shift = [
        0,
        -60 * 365 * 86_400,
        300 * 365 * 86_400,
        170 * 365 * 86_400,
        DateTime::<Utc>::MAX_UTC.timestamp() - now.timestamp() - 40 * 86_400,
        // Straddling the calendars' last instant.
        BusinessCalendar::MAX_UNIX_SECONDS - now.timestamp() + 10 * 86_400,
    ][era];
    for e in &mut history {
        e.at += Duration::seconds(shift);
    }
    let now = now + Duration::seconds(shift);
    (history, now)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    /// The fast path (`from_events`, `FactsDeriver`) gives exactly the facts
    /// (or the error) of the general SLA-engine path, in calendar and
    /// business time, with and without an own policy, over histories with
    /// merges, reopens, pauses, bot replies, proactive openings, events of
    /// another ticket mixed in and instants out of order.
    #[test]
    fn fast_facts_equal_the_reference(
        g in generated(),
        read_after in -4000i64..20_000,
        business in any::<bool>(),
        skip in any::<[bool; 4]>(),
    ) {
        let (history, now) = build(g);
        let as_of = now + Duration::minutes(read_after);
        let mut options = FactsOptions::new(as_of, calendars());
        if business {
            options = options.with_business_calendar("office").unwrap();
        }
        let want = TicketFacts::from_events_reference(&history, &options);
        prop_assert_eq!(&TicketFacts::from_events(&history, &options), &want);
        // A deriver that has seen another history first gives the same.
        let mut deriver = FactsDeriver::new(&options);
        let _ = deriver.derive(&history[..history.len() / 2]);
        prop_assert_eq!(&deriver.derive(&history), &want);

        // Fewer figures: the fast path equals the reference, and both are
        // the full facts with the figures left out emptied.
        let mut fields = FactsFields::ALL;
        fields.next_replies = !skip[0];
        fields.agent_work = !skip[1];
        fields.own_sla = !skip[2];
        fields.messages = !skip[3];
        let lean = options.clone().with_fields(fields);
        let want_lean = TicketFacts::from_events_reference(&history, &lean);
        prop_assert_eq!(&TicketFacts::from_events(&history, &lean), &want_lean);
        let mut deriver = FactsDeriver::new(&lean);
        let _ = deriver.derive(&history[..history.len() / 2]);
        prop_assert_eq!(&deriver.derive(&history), &want_lean);
        // (From the thread's spare buffers of the other options, too.)
        let _ = TicketFacts::from_events(&history, &options);
        prop_assert_eq!(&TicketFacts::from_events(&history, &lean), &want_lean);
        if let Ok(full) = &want {
            let mut stripped = full.clone();
            if let Some(f) = stripped.as_mut() {
                fields.clear(f);
            }
            prop_assert_eq!(&want_lean, &Ok(stripped));
        }
        // Leaving figures out only skips work: the lean facts fail only
        // where the full facts fail (they can succeed where the full fail,
        // when only a left-out figure's clock fails, e.g. the agent-work
        // clock of a history after 2200).
        if want_lean.is_err() {
            prop_assert!(want.is_err());
        }
    }

    /// The core figures in calendar time (first reply, resolution, CSAT,
    /// tags: what the aggregate and the repeat-contact report read) follow
    /// the first-reply and resolution clocks directly, without the SLA
    /// engine's timeline; they equal the reference on the same histories,
    /// and on histories whose status changes claim a status the ticket was
    /// not in (the direct clocks leave those to the timeline).
    #[test]
    fn direct_clocks_equal_the_reference(
        g in generated(),
        read_after in -4000i64..20_000,
        messages in any::<bool>(),
        garble in prop::option::of((any::<prop::sample::Index>(), strategies::status())),
        swap in prop::option::of((any::<prop::sample::Index>(), any::<prop::sample::Index>())),
        rewind in prop::option::of((any::<prop::sample::Index>(), 0i64..5000, 0u32..1_000_000_000)),
        reopening in prop::option::weighted(0.2, any::<prop::sample::Index>()),
    ) {
        let (mut history, now) = build(g);
        // Two instants swapped: a history out of order.
        if let Some((a, b)) = swap {
            let (a, b) = (a.index(history.len()), b.index(history.len()));
            let at = history[a].at;
            history[a].at = history[b].at;
            history[b].at = at;
        }
        let changes: Vec<usize> = history
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.kind, supportdesk::ticket::EventKind::StatusChanged { .. }))
            .map(|(i, _)| i)
            .collect();
        if let Some((which, claimed)) = garble.filter(|_| !changes.is_empty()) {
            let i = changes[which.index(changes.len())];
            if let supportdesk::ticket::EventKind::StatusChanged { from, .. } = &mut history[i].kind {
                *from = claimed;
            }
        }
        // The opening once more, later (an import that replayed it).
        if let Some(which) = reopening {
            let i = which.index(history.len());
            let mut again = history[0].clone();
            again.at = history[i].at;
            history.insert(i + 1, again);
        }
        // A status change moved back in time (a pause that ends before it
        // starts, a reply before the opening).
        if let Some((which, minutes, nanos)) = rewind.filter(|_| !changes.is_empty()) {
            let i = changes[which.index(changes.len())];
            history[i].at = history[i].at - Duration::minutes(minutes) - Duration::nanoseconds(i64::from(nanos));
        }
        let as_of = now + Duration::minutes(read_after);
        let mut fields = FactsFields::CORE;
        fields.messages = messages;
        let options = FactsOptions::new(as_of, calendars()).with_fields(fields);
        let want = TicketFacts::from_events_reference(&history, &options);
        prop_assert_eq!(&TicketFacts::from_events(&history, &options), &want);
        let mut deriver = FactsDeriver::new(&options);
        let _ = deriver.derive(&history[..history.len() / 2]);
        prop_assert_eq!(&deriver.derive(&history), &want);
        // Into facts that held another ticket's figures.
        let mut facts = TicketFacts::new(supportdesk::id::TicketId::from_u128(9), CustomerId::from_u128(9), supportdesk::Channel::Email, 0);
        if let Ok(Some(full)) = TicketFacts::from_events(&history, &FactsOptions::new(as_of, calendars())) {
            facts = full;
        }
        let derived = deriver.derive_into(&history, &mut facts).map(|found| found.then(|| facts.clone()));
        prop_assert_eq!(&derived, &want);
    }

    /// Facts of many histories over any number of threads are the facts of
    /// each history in order (those without facts left out), and the error
    /// is the first history's that fails.
    #[test]
    fn facts_over_threads_equal_one_by_one(
        kinds in prop::collection::vec(0u8..4, 0..40),
        threads in 1usize..6,
    ) {
        let ids = SequentialIds::new();
        let tenant = TenantId::from_u128(1);
        let t0: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
        let mut histories: Vec<Vec<Event>> = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            let at = t0 + Duration::minutes(i as i64);
            let opened = open(tenant, &OpenTicket::reactive(CustomerId::from_u128(i as u128), supportdesk::Channel::Email, "Help"), &Context::new(at, &ids)).unwrap();
            let mut events = opened.events;
            match k {
                // No facts: nothing, or opened after the instant.
                0 => events.clear(),
                1 => {
                    for e in &mut events {
                        e.at += Duration::days(400);
                    }
                }
                // An error: a business-time policy on a calendar the
                // options do not have.
                2 => {
                    let t = Ticket::from_events(&events).unwrap();
                    events.push(Event {
                        tenant,
                        ticket: t.id(),
                        sequence: t.version() + 1,
                        at,
                        kind: supportdesk::ticket::EventKind::SlaPolicyApplied { policy: Box::new(policy()) },
                    });
                }
                _ => {}
            }
            histories.push(events);
        }
        let options = FactsOptions::new(t0 + Duration::days(30), Calendars::new());
        let one_by_one: Result<Vec<TicketFacts>, _> = histories
            .iter()
            .filter_map(|h| TicketFacts::from_events(h, &options).transpose())
            .collect();
        prop_assert_eq!(one_by_one.is_err(), kinds.contains(&2));
        let n = std::num::NonZeroUsize::new(threads).unwrap();
        prop_assert_eq!(&TicketFacts::from_histories(&histories, &options, n), &one_by_one);
        // Folded run by run: the same facts, in the same order.
        let folded = TicketFacts::fold_histories(&histories, &options, n, Vec::with_capacity, |v, f| v.push(f.clone()))
            .map(|parts| parts.concat());
        prop_assert_eq!(&folded, &one_by_one);
    }
}

proptest! {
    /// The facts' tags are the set the events leave (sorted, each text
    /// once), as the reference's set gives them, whatever the opening's
    /// order: duplicates, equal texts in separate allocations, tags added
    /// and removed later; and the same from a deriver that has met other
    /// tags first (its own copies of the texts).
    #[test]
    fn tags_are_the_set_the_events_leave(
        opening in prop::collection::vec((0usize..6, any::<bool>()), 0..8),
        later in prop::collection::vec((any::<bool>(), prop::collection::vec((0usize..6, any::<bool>()), 1..4)), 0..4),
        fields in prop_oneof![Just(FactsFields::ALL), Just(FactsFields::CORE)],
    ) {
        use supportdesk::Tag;
        use supportdesk::ticket::EventKind;
        let texts = ["order/where", "billing/refund", "cause/bug", "a", "order/where/late", "zz"];
        let shared: Vec<Tag> = texts.iter().map(|t| Tag::new(t).unwrap()).collect();
        let tag = |(i, apart): (usize, bool)| {
            if apart { Tag::new(texts[i]).unwrap() } else { shared[i].clone() }
        };
        let ids = SequentialIds::new();
        let tenant = TenantId::from_u128(1);
        let now: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
        let cmd = OpenTicket::reactive(CustomerId::from_u128(1), supportdesk::Channel::Email, "Help");
        let mut events = open(tenant, &cmd, &Context::new(now, &ids)).unwrap().events;
        let retag = |e: &mut Event, tags: Vec<Tag>| {
            if let EventKind::Opened(o) = &e.kind {
                let mut inner = o.clone().into_inner();
                inner.tags = tags;
                e.kind = EventKind::Opened(inner.into());
            }
        };
        retag(&mut events[0], opening.iter().copied().map(tag).collect());
        for (k, (add, tags)) in later.iter().enumerate() {
            let first = events[0].clone();
            let tags: Box<[Tag]> = tags.iter().copied().map(tag).collect();
            events.push(Event {
                sequence: first.sequence + 1 + k as u64,
                at: first.at + Duration::minutes(1 + k as i64),
                kind: if *add { EventKind::TagsAdded { tags } } else { EventKind::TagsRemoved { tags } },
                ..first
            });
        }
        let options = FactsOptions::new(now + Duration::days(1), Calendars::new()).with_fields(fields);
        let want = TicketFacts::from_events_reference(&events, &options).unwrap().unwrap();
        let mut set: Vec<Tag> = opening.iter().copied().map(tag).collect();
        for (add, tags) in &later {
            for t in tags.iter().copied().map(tag) {
                set.retain(|x| *x != t);
                if *add {
                    set.push(t);
                }
            }
        }
        set.sort();
        set.dedup();
        prop_assert_eq!(&want.tags, &set);
        prop_assert_eq!(TicketFacts::from_events(&events, &options).unwrap().unwrap(), want.clone());
        let mut deriver = FactsDeriver::new(&options);
        let mut other = events.clone();
        retag(&mut other[0], texts.iter().rev().map(|t| Tag::new(t).unwrap()).collect());
        let _ = deriver.derive(&other);
        prop_assert_eq!(deriver.derive(&events).unwrap().unwrap(), want);
    }
}
