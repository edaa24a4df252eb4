//! Properties of the metrics: aggregating parts and merging them equals
//! aggregating everything at once, in any order and grouping; facts of
//! random histories agree with the SLA engine and never panic.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportdesk::Priority;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::id::{CustomerId, TenantId};
use supportdesk::metrics::{
    Aggregate, DurationSketch, FactsOptions, PeriodKind, Periodic, TicketFacts,
};
use supportdesk::sla::{self, Calendars, MetricDef, SlaPolicy, Target, TimeBasis};
use supportdesk::testing::{SequentialIds, strategies};
use supportdesk::ticket::{Command, Context, OpenTicket, Ticket, decide, open};

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
