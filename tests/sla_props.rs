//! Property tests of the SLA engine.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportdesk::Channel;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::id::{CustomerId, TenantId};
use supportdesk::sla::{
    self, AlertPoint, Calendars, MetricDef, SlaPolicy, Target, TargetState, TimeBasis, Timeline,
    WarnAt,
};
use supportdesk::testing::{SequentialIds, strategies};
use supportdesk::ticket::{Command, Context, Event, OpenTicket, Priority, Ticket, decide, open};

fn calendars() -> Calendars {
    let ny = BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "12:00")
        .weekdays("13:00", "17:30")
        .holiday("2026-03-09".parse().unwrap())
        .build()
        .unwrap();
    let night = BusinessCalendar::builder("Europe/Berlin")
        .weekdays("22:00", "06:00")
        .build()
        .unwrap();
    Calendars::new().with("ny", ny).with("night", night)
}

fn policy(basis: TimeBasis, scale: i64) -> SlaPolicy {
    let metrics = MetricDef::presets();
    let targets = metrics
        .iter()
        .flat_map(|m| {
            Priority::ALL.into_iter().map(|p| Target {
                metric: m.name.clone(),
                priority: p,
                channel: None,
                seconds: scale * (4 - p as i64).max(1),
                basis: basis.clone(),
            })
        })
        .collect();
    SlaPolicy {
        id: "prop".into(),
        version: 1,
        name: String::new(),
        conditions: Default::default(),
        metrics,
        targets,
        warnings: vec![WarnAt::Share { share: 0.5 }, WarnAt::Before { seconds: 60 }],
        escalation: vec![],
    }
}

fn basis() -> impl Strategy<Value = TimeBasis> {
    prop_oneof![
        Just(TimeBasis::Calendar),
        Just(TimeBasis::Business {
            calendar: "ny".into()
        }),
        Just(TimeBasis::Business {
            calendar: "night".into()
        }),
    ]
}

/// A random history: a ticket opened at a random instant around the
/// 2026 spring DST change, then random commands at random gaps.
fn history() -> impl Strategy<Value = (Vec<Event>, SlaPolicy)> {
    (
        0i64..(20 * 86_400),
        proptest::collection::vec(
            (strategies::command(CustomerId::from_u128(1)), 0i64..20_000),
            0..25,
        ),
        basis(),
        1i64..8,
    )
        .prop_map(|(offset, steps, basis, scale)| {
            let ids = SequentialIds::new();
            let start: DateTime<Utc> = "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
                + Duration::seconds(offset);
            let p = policy(basis, scale * 1800);
            let cmd = OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "hi");
            let d = open(TenantId::from_u128(1), &cmd, &Context::new(start, &ids)).unwrap();
            let mut events = d.events;
            let mut t = Ticket::from_events(&events).unwrap();
            let mut now = start;
            let apply = Command::ApplySlaPolicy {
                policy: Box::new(p.clone()),
            };
            for c in std::iter::once((apply, 0)).chain(steps) {
                now += Duration::seconds(c.1);
                if let Ok(d) = decide(&t, &c.0, &Context::new(now, &ids)) {
                    let id = t.id();
                    for e in d.events.into_iter().filter(|e| e.ticket == id) {
                        t.apply(&e);
                        events.push(e);
                    }
                }
            }
            (events, p)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A breach never fires before its deadline or twice; a warning never
    /// before its instant; one second earlier the target was not breached.
    #[test]
    fn alerts_fire_once_and_never_early((events, _p) in history(), extra in 0i64..(14 * 86_400)) {
        let cals = calendars();
        let until = events.last().unwrap().at + Duration::seconds(extra);
        let fired = sla::simulate(&events, &cals, None, until).unwrap();
        let mut seen = BTreeSet::new();
        for f in &fired {
            prop_assert!(seen.insert(f.alert.key.clone()), "fired twice: {:?}", f.alert.key);
            match f.alert.key.point {
                AlertPoint::Breach => {
                    let deadline = f.alert.deadline.unwrap();
                    prop_assert!(f.at > deadline, "breach at {} not after deadline {}", f.at, deadline);
                    let before = sla::evaluate(&events, &cals, f.at - Duration::seconds(1), None).unwrap();
                    let t = before.targets.iter().find(|t| t.metric == f.alert.key.metric && t.cycle == f.alert.key.cycle);
                    if let Some(t) = t {
                        prop_assert!(t.state != TargetState::Breached || t.ended_at.is_some_and(|e| e > deadline),
                            "already breached one second before the alert");
                    }
                }
                AlertPoint::Warning(_) => prop_assert!(f.at >= f.alert.due_at),
            }
        }
        // Every breached target in the final report was alerted.
        let report = sla::evaluate(&events, &cals, until, None).unwrap();
        for t in report.targets.iter().filter(|t| t.state == TargetState::Breached) {
            prop_assert!(fired.iter().any(|f| f.alert.key.metric == t.metric && f.alert.key.cycle == t.cycle
                && f.alert.key.point == AlertPoint::Breach), "breach of {} {} never fired", t.metric, t.cycle);
        }
    }

    /// Evaluating incrementally (events observed one by one, report at any
    /// instant) equals evaluating the replayed prefix.
    #[test]
    fn incremental_equals_replay((events, p) in history(), cut in any::<prop::sample::Index>(), later in 0i64..86_400) {
        let cals = calendars();
        let k = cut.index(events.len()) + 1;
        let now = events[k - 1].at + Duration::seconds(later);
        let mut tl = Timeline::new(&p.metrics);
        for e in &events[..k] {
            tl.observe(e);
        }
        let inc = sla::report(&p, &tl, &cals, now).unwrap();
        let replay = sla::evaluate(&events[..k], &cals, now, Some(&p)).unwrap();
        prop_assert_eq!(inc, replay);
    }

    /// The bulk evaluator, reused across tickets, gives exactly the reports
    /// of `evaluate`.
    #[test]
    fn evaluator_equals_evaluate(hs in proptest::collection::vec(history(), 1..6), later in 0i64..86_400) {
        let cals = calendars();
        let p = hs[0].1.clone();
        let mut eval = sla::Evaluator::new(&p, &cals);
        for (events, _) in &hs {
            let now = events.last().unwrap().at + Duration::seconds(later);
            let bulk = eval.evaluate(events, now).unwrap().clone();
            let one = sla::evaluate(events, &cals, now, Some(&p)).unwrap();
            prop_assert_eq!(bulk, one);
        }
    }

    /// The bulk entry point, which reads histories ahead, hands out in
    /// order exactly the reports of `evaluate` on each history.
    #[test]
    fn evaluate_many_equals_evaluate(hs in proptest::collection::vec(history(), 1..10), later in 0i64..86_400) {
        let cals = calendars();
        let p = hs[0].1.clone();
        let histories: Vec<Vec<Event>> = hs.into_iter().map(|(events, _)| events).collect();
        let last = histories.iter().filter_map(|h| h.last()).map(|e| e.at).max().unwrap();
        let now = last + Duration::seconds(later);
        let mut seen = Vec::new();
        sla::Evaluator::new(&p, &cals).evaluate_many(&histories, now, |i, r| seen.push((i, r.cloned())));
        prop_assert_eq!(seen.len(), histories.len());
        for (k, (i, bulk)) in seen.into_iter().enumerate() {
            prop_assert_eq!(i, k);
            prop_assert_eq!(bulk, sla::evaluate(&histories[k], &cals, now, Some(&p)));
        }
    }

    /// Every target's deadline and elapsed time are the calendar's own
    /// paused arithmetic over the pauses the report lists: the deadline
    /// counts the target from the start with the finished pauses left out
    /// (a deadline behind an unfinished pause is not known yet), the
    /// elapsed time runs to where the clock stopped (or `now`) with every
    /// pause left out.
    #[test]
    fn report_agrees_with_the_calendar((events, p) in history(), later in 0i64..(5 * 86_400)) {
        let cals = calendars();
        let now = events.last().unwrap().at + Duration::seconds(later);
        let far: DateTime<Utc> = "2200-01-01T00:00:00Z".parse().unwrap();
        let report = sla::evaluate(&events, &cals, now, Some(&p)).unwrap();
        for t in &report.targets {
            let finished: Vec<_> = t.pauses.iter().filter_map(|q| q.to.map(|to| (q.from, to))).collect();
            let all: Vec<_> = t.pauses.iter().map(|q| (q.from, q.to.unwrap_or(far))).collect();
            let until = t.ended_at.unwrap_or(now).max(t.started_at);
            let (deadline, elapsed) = match &t.basis {
                TimeBasis::Business { calendar } => {
                    let c = cals.get(calendar).unwrap();
                    (
                        c.add_with_pauses(t.started_at, t.target_seconds, &finished).unwrap(),
                        c.elapsed_with_pauses(t.started_at, until, &all).unwrap(),
                    )
                }
                _ => {
                    let mut d = t.started_at;
                    let mut left = t.target_seconds;
                    for &(a, b) in &finished {
                        if b <= d { continue; }
                        if a >= d + Duration::seconds(left) { break; }
                        if a > d { left -= (a - d).num_seconds(); }
                        d = b;
                    }
                    let mut e = (until - t.started_at).num_seconds();
                    for &(a, b) in &all {
                        let (lo, hi) = (a.max(t.started_at), b.min(until));
                        if hi > lo { e -= (hi - lo).num_seconds(); }
                    }
                    (d + Duration::seconds(left), e)
                }
            };
            if let Some(d) = t.deadline {
                prop_assert_eq!(d, deadline, "{:?}", t);
            }
            prop_assert_eq!(t.elapsed_seconds, elapsed, "{:?}", t);
            prop_assert_eq!(t.remaining_seconds, t.target_seconds - elapsed);
        }
    }

    /// A timeline whose pauses were reordered by hand reports as the one
    /// built from the events.
    #[test]
    fn reordered_pauses_report_the_same((events, p) in history(), later in 0i64..86_400) {
        let cals = calendars();
        let now = events.last().unwrap().at + Duration::seconds(later);
        let timeline = Timeline::from_events(&p.metrics, events.iter().filter(|e| e.at <= now));
        let mut shuffled = timeline.clone();
        for mt in &mut shuffled.metrics {
            for c in &mut mt.cycles {
                c.pauses.reverse();
            }
        }
        let want = sla::report(&p, &timeline, &cals, now).unwrap();
        let got = sla::report(&p, &shuffled, &cals, now).unwrap();
        prop_assert_eq!(want.targets.len(), got.targets.len());
        for (w, g) in want.targets.iter().zip(&got.targets) {
            prop_assert_eq!((w.state, w.deadline, w.elapsed_seconds), (g.state, g.deadline, g.elapsed_seconds));
        }
    }

    /// Pausing and resuming adds exactly the paused business time: the
    /// business time from the start to the deadline is the target plus the
    /// business time inside the pause.
    #[test]
    fn pausing_adds_exactly_the_paused_time(
        offset in 0i64..(30 * 86_400),
        pause_at in 0i64..200_000,
        pause_len in 1i64..300_000,
        target in 1i64..100_000,
        cal in prop_oneof![Just("ny"), Just("night")],
    ) {
        let cals = calendars();
        let c = cals.get(cal).unwrap();
        let t0: DateTime<Utc> = "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::seconds(offset);
        let p0 = t0 + Duration::seconds(pause_at);
        let p1 = p0 + Duration::seconds(pause_len);
        let plain = c.add(t0, target).unwrap();
        let paused = c.add_with_pauses(t0, target, &[(p0, p1)]).unwrap();
        if p0 < plain {
            let inside = c.elapsed(p0, p1.min(paused)).unwrap();
            prop_assert_eq!(c.elapsed(t0, paused).unwrap(), target + inside);
        } else {
            prop_assert_eq!(paused, plain);
        }
    }
}

/// Events of a ticket opened at `t0` and set pending at `pause`.
fn pending_at(t0: DateTime<Utc>, pause: DateTime<Utc>) -> Vec<Event> {
    let mut events = supportdesk::testing::TicketBuilder::new()
        .opened_at(t0)
        .status(supportdesk::Status::Pending)
        .events();
    for e in &mut events {
        if matches!(e.kind, supportdesk::ticket::EventKind::StatusChanged { .. }) {
            e.at = pause;
        }
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The report is continuous at the deadline: a clock paused at the very
    /// instant its target is used up reports the same deadline as one paused
    /// a second later (and so the same breach), and one paused a second
    /// earlier has a second left and no deadline.
    #[test]
    fn pausing_at_the_deadline_is_continuous(
        offset in 0i64..(20 * 86_400),
        target in 1i64..200_000,
        basis in basis(),
        later in 0i64..(3 * 86_400),
    ) {
        let cals = calendars();
        let t0: DateTime<Utc> = "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::seconds(offset);
        let p = SlaPolicy {
            id: "edge".into(),
            version: 1,
            name: String::new(),
            conditions: Default::default(),
            metrics: vec![MetricDef::requester_wait()],
            targets: Priority::ALL.into_iter().map(|priority| Target {
                metric: "requester_wait".into(),
                priority,
                channel: None,
                seconds: target,
                basis: basis.clone(),
            }).collect(),
            warnings: vec![],
            escalation: vec![],
        };
        let second = Duration::seconds(1);
        let eval = |events: &[Event], now: DateTime<Utc>| {
            sla::evaluate(events, &cals, now, Some(&p)).unwrap().targets[0].clone()
        };
        // The deadline of the clock that is never paused.
        let unpaused = supportdesk::testing::TicketBuilder::new().opened_at(t0).events();
        let d = eval(&unpaused, t0).deadline.unwrap();
        let at_deadline = pending_at(t0, d);
        let after = pending_at(t0, d + second);
        let r = eval(&at_deadline, d);
        prop_assert_eq!((r.state, r.deadline), (TargetState::Paused, Some(d)));
        let now = d + second + Duration::seconds(later);
        let (a, b) = (eval(&at_deadline, now), eval(&after, now));
        prop_assert_eq!((a.state, a.deadline), (TargetState::Breached, Some(d)));
        prop_assert_eq!((a.state, a.deadline), (b.state, b.deadline));
        prop_assert_eq!(a.elapsed_seconds, target);
        // Both wake the host for the breach at the same instant.
        let none = BTreeSet::new();
        let wake = |events: &[Event], at: DateTime<Utc>| {
            let r = sla::evaluate(events, &cals, at, Some(&p)).unwrap();
            sla::next_wakeup(&r, &p, &none, at)
        };
        prop_assert_eq!(wake(&at_deadline, d), Some(d + second));
        let before = eval(&pending_at(t0, d - second), now);
        prop_assert_eq!((before.state, before.deadline, before.remaining_seconds), (TargetState::Paused, None, 1));
    }
}
