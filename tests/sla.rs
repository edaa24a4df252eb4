//! SLA engine through the public API: presets, pauses, reopen, bots,
//! warnings and breaches raised exactly once through the desk (both
//! drivers, `Desk` and `AsyncDesk`).

#[macro_use]
mod support;

use chrono::{DateTime, Duration, Utc};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId, TicketId};
use supportdesk::notification::NotificationKind;
use supportdesk::port::TicketStore;
use supportdesk::sla::{
    self, AlertPoint, Calendars, EscalateTo, EscalationStep, MetricDef, PolicySet, SlaPolicy,
    Target, TargetState, TimeBasis, Trigger, WarnAt,
};
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::Command;
use supportdesk::{Channel, InMemoryStore, Inbound, Priority, Status};

use support::Driver;

const T: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
const LEAD: AgentId = AgentId::from_u128(8);

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn calendars() -> Calendars {
    // New York, Mon-Fri 09:00-12:00 and 13:00-17:30; holiday Mon 2026-01-19.
    let ny = BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "12:00")
        .weekdays("13:00", "17:30")
        .holiday("2026-01-19".parse().unwrap())
        .build()
        .unwrap();
    Calendars::new().with("ny", ny)
}

fn target(metric: &str, secs: i64, business: bool) -> Target {
    Target {
        metric: metric.into(),
        priority: Priority::Normal,
        channel: None,
        seconds: secs,
        basis: if business {
            TimeBasis::Business {
                calendar: "ny".into(),
            }
        } else {
            TimeBasis::Calendar
        },
    }
}

/// A policy with `targets`; a metric's target for normal priority applies
/// to the priorities `targets` leave without one (every metric needs a
/// target for every priority).
fn policy(metrics: Vec<MetricDef>, mut targets: Vec<Target>) -> SlaPolicy {
    for i in 0..targets.len() {
        for p in Priority::ALL {
            let t = &targets[i];
            if t.priority == Priority::Normal
                && !targets
                    .iter()
                    .any(|o| o.metric == t.metric && o.priority == p)
            {
                let copy = Target {
                    priority: p,
                    ..t.clone()
                };
                targets.push(copy);
            }
        }
    }
    SlaPolicy {
        id: "p".into(),
        version: 1,
        name: "test".into(),
        conditions: Default::default(),
        metrics,
        targets,
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![
            EscalationStep {
                trigger: Trigger::Warning(0),
                level: 1,
                notify: EscalateTo::Owner,
            },
            EscalationStep {
                trigger: Trigger::Breach,
                level: 2,
                notify: EscalateTo::Agent(LEAD),
            },
        ],
    }
}

/// A ticket opened at `t0` and set pending at `pause` (requester wait
/// pauses in pending), as events.
fn pending_at(t0: DateTime<Utc>, pause: DateTime<Utc>) -> Vec<supportdesk::ticket::Event> {
    use supportdesk::testing::TicketBuilder;
    let mut events = TicketBuilder::new()
        .opened_at(t0)
        .status(Status::Pending)
        .events();
    for e in &mut events {
        if matches!(e.kind, supportdesk::ticket::EventKind::StatusChanged { .. }) {
            e.at = pause;
        }
    }
    events
}

#[test]
fn targets_beyond_the_supported_range_are_errors_not_panics() {
    use supportdesk::testing::TicketBuilder;
    let cals = calendars();
    let events = TicketBuilder::new().events();
    let now = events[0].at + Duration::hours(1);
    // i64::MAX overflows; 10^13 s (~317,000 years) fits an i64 but not a
    // `DateTime`.
    for (business, secs) in [
        (false, i64::MAX),
        (false, 10_000_000_000_000),
        (true, i64::MAX),
    ] {
        let p = policy(
            vec![MetricDef::first_reply()],
            vec![target("first_reply", secs, business)],
        );
        let err = sla::evaluate(&events, &cals, now, Some(&p)).unwrap_err();
        let text = err.to_string();
        let start = events[0].at.timestamp();
        if business {
            assert!(matches!(err, sla::SlaError::Calendar { .. }), "{text}");
            assert!(text.contains("business seconds"), "{text}");
        } else {
            // Calendar time says so, not "business".
            assert_eq!(
                err,
                sla::SlaError::CalendarTimeOutOfRange {
                    start,
                    seconds: secs
                },
                "{text}"
            );
            assert!(
                text.contains(&format!("{secs} seconds of calendar time")),
                "{text}"
            );
            assert!(!text.contains("business"), "{text}");
        }
        let mut eval = sla::Evaluator::new(&p, &cals);
        assert_eq!(eval.evaluate(&events, now).unwrap_err(), err);
    }
}

#[test]
fn a_clock_paused_exactly_at_its_deadline_keeps_it_and_breaches() {
    let cals = calendars();
    // Calendar time: 10:00Z + 1h = 11:00Z. Business time (New York): Tue
    // 09:00 EST + 4h = 3h + 13:00-14:00 = 14:00 EST.
    for (business, t0, secs, deadline) in [
        (false, "2026-01-06T10:00:00Z", 3600, "2026-01-06T11:00:00Z"),
        (
            true,
            "2026-01-06T09:00:00-05:00",
            4 * 3600,
            "2026-01-06T14:00:00-05:00",
        ),
    ] {
        let p = policy(
            vec![MetricDef::requester_wait()],
            vec![target("requester_wait", secs, business)],
        );
        let (t0, d) = (at(t0), at(deadline));
        let s = Duration::seconds(1);
        let report = |pause: DateTime<Utc>, now: DateTime<Utc>| {
            sla::evaluate(&pending_at(t0, pause), &cals, now, Some(&p))
                .unwrap()
                .latest("requester_wait")
                .cloned()
                .unwrap()
        };
        // Paused one second before: one second left, no deadline yet, for
        // ever.
        for now in [d - s, d, d + Duration::days(30)] {
            let r = report(d - s, now);
            assert_eq!(
                (r.state, r.deadline, r.remaining_seconds),
                (TargetState::Paused, None, 1),
                "business {business}, now {now}"
            );
        }
        // Paused exactly at the deadline: the target was used up then; the
        // deadline is known and passes one second later.
        let r = report(d, d);
        assert_eq!(
            (r.state, r.deadline, r.remaining_seconds),
            (TargetState::Paused, Some(d), 0),
            "business {business}"
        );
        for now in [d + s, d + Duration::days(30)] {
            let r = report(d, now);
            assert_eq!(
                (r.state, r.deadline, r.elapsed_seconds),
                (TargetState::Breached, Some(d), secs),
                "business {business}, now {now}"
            );
        }
        // Paused one second after: breached with the same deadline.
        for now in [d + s, d + Duration::days(30)] {
            let r = report(d + s, now);
            assert_eq!(
                (r.state, r.deadline),
                (TargetState::Breached, Some(d)),
                "business {business}, now {now}"
            );
        }
        // The host is woken for the breach of the clock paused at its
        // deadline, one second after it.
        let events = pending_at(t0, d);
        let rep = sla::evaluate(&events, &cals, d, Some(&p)).unwrap();
        let raised = [sla::AlertKey {
            policy: p.id.clone(),
            version: p.version,
            metric: "requester_wait".into(),
            cycle: 0,
            point: AlertPoint::Warning(0),
        }]
        .into_iter()
        .collect();
        assert_eq!(sla::next_wakeup(&rep, &p, &raised, d), Some(d + s));
    }
}

support::for_both_drivers! {

type D = Driven<InMemoryStore, RecordingNotifier, ManualClock>;

fn desk(p: SlaPolicy, start: &str) -> D {
    drive(
        TheDesk::new(
            InMemoryStore::new(),
            RecordingNotifier::new(),
            ManualClock::at(start).unwrap(),
        )
        .with_ids(SequentialIds::new())
        .with_sla(PolicySet::new(p), calendars())
        .unwrap(),
    )
}

fn open(d: &D, body: &str) -> TicketId {
    d.receive(
        T,
        Inbound::new(
            Identity::email("ana@example.com").unwrap(),
            Channel::Email,
            body,
        ),
    )
    .unwrap()
    .ticket
}

fn latest(d: &D, id: TicketId, metric: &str) -> sla::TargetReport {
    d.sla_report(T, id)
        .unwrap()
        .latest(metric)
        .cloned()
        .unwrap()
}

#[test]
fn first_reply_in_business_time_ignores_bots_and_notes() {
    // Friday 16:00 EST, target 4 business hours: 1h30 Friday, then Monday 09:00-11:30.
    let d = desk(
        policy(
            vec![MetricDef::first_reply()],
            vec![target("first_reply", 4 * 3600, true)],
        ),
        "2026-01-09T21:00:00Z",
    );
    let id = open(&d, "help");
    d.clock().advance(Duration::minutes(10));
    d.execute(
        T,
        id,
        Command::AutomatedReply {
            bot: "ack".into(),
            body: "got it".into(),
        },
    )
    .unwrap();
    d.execute(
        T,
        id,
        Command::AddNote {
            agent: BOB,
            body: "looking".into(),
        },
    )
    .unwrap();
    let r = latest(&d, id, "first_reply");
    assert_eq!(r.state, TargetState::Running);
    assert_eq!(r.deadline, Some(at("2026-01-12T11:30:00-05:00")));
    assert_eq!(r.elapsed_seconds, 600);
    d.clock().set(at("2026-01-12T10:00:00-05:00"));
    d.execute(T, id, Command::agent_reply(BOB, "here")).unwrap();
    let r = latest(&d, id, "first_reply");
    assert_eq!(r.state, TargetState::Fulfilled);
    assert_eq!(r.elapsed_seconds, 90 * 60 + 60 * 60);
    assert_eq!(r.remaining_seconds, 4 * 3600 - 150 * 60);
}

#[test]
fn next_reply_repeats_and_solving_cancels_it() {
    let d = desk(
        policy(
            vec![MetricDef::next_reply()],
            vec![target("next_reply", 3600, false)],
        ),
        "2026-01-06T14:00:00Z",
    );
    let id = open(&d, "q1");
    // Before the first agent reply, no next-reply clock.
    assert!(d.sla_report(T, id).unwrap().targets.is_empty());
    d.execute(T, id, Command::agent_reply(BOB, "a1")).unwrap();
    d.clock().advance(Duration::minutes(5));
    let c = d.ticket(T, id).unwrap().customer();
    d.execute(T, id, Command::customer_reply(c, Channel::Email, "q2"))
        .unwrap();
    d.clock().advance(Duration::minutes(5));
    d.execute(
        T,
        id,
        Command::customer_reply(c, Channel::Email, "q2 again"),
    )
    .unwrap();
    let r = latest(&d, id, "next_reply");
    assert_eq!((r.cycle, r.state), (0, TargetState::Running));
    assert_eq!(
        r.started_at,
        at("2026-01-06T14:05:00Z"),
        "the oldest unanswered message anchors it"
    );
    d.clock().advance(Duration::minutes(20));
    d.execute(T, id, Command::agent_reply(BOB, "a2")).unwrap();
    assert_eq!(latest(&d, id, "next_reply").state, TargetState::Fulfilled);
    d.execute(T, id, Command::customer_reply(c, Channel::Email, "thanks!"))
        .unwrap();
    d.clock().advance(Duration::minutes(1));
    d.execute(T, id, Command::status(Status::Solved)).unwrap();
    let r = latest(&d, id, "next_reply");
    assert_eq!((r.cycle, r.state), (1, TargetState::Cancelled));
    // Hours later, nothing is breached: no clock runs on a solved ticket.
    d.clock().advance(Duration::hours(5));
    assert_eq!(d.sla_report(T, id).unwrap().breached().count(), 0);
}

#[test]
fn pending_pause_adds_exactly_the_paused_business_time() {
    let d = desk(
        policy(
            vec![MetricDef::requester_wait()],
            vec![target("requester_wait", 8 * 3600, true)],
        ),
        "2026-01-06T14:00:00Z",
    );
    // Tue 09:00 EST.
    let id = open(&d, "x");
    let before = latest(&d, id, "requester_wait").deadline.unwrap();
    assert_eq!(before, at("2026-01-07T09:30:00-05:00")); // 7h30 Tue + 30m Wed
    d.clock().set(at("2026-01-06T10:00:00-05:00"));
    d.execute(
        T,
        id,
        Command::AgentReply {
            agent: BOB,
            channel: None,
            body: "need info".into(),
            then: Some(Status::Pending),
        },
    )
    .unwrap();
    assert_eq!(latest(&d, id, "requester_wait").state, TargetState::Paused);
    assert_eq!(latest(&d, id, "requester_wait").deadline, None);
    d.clock().set(at("2026-01-06T14:00:00-05:00"));
    let c = d.ticket(T, id).unwrap().customer();
    d.execute(T, id, Command::customer_reply(c, Channel::Email, "info"))
        .unwrap();
    let r = latest(&d, id, "requester_wait");
    assert_eq!(r.state, TargetState::Running);
    // Paused 10:00-14:00 = 3h of business time (lunch excluded): deadline moves 3h.
    assert_eq!(r.deadline.unwrap(), at("2026-01-07T13:30:00-05:00"));
    assert_eq!(r.elapsed_seconds, 3600);
}

#[test]
fn resolution_resumes_on_reopen_without_counting_solved_time() {
    let d = desk(
        policy(
            vec![MetricDef::total_resolution()],
            vec![target("total_resolution", 24 * 3600, false)],
        ),
        "2026-01-06T10:00:00Z",
    );
    let id = open(&d, "x");
    d.clock().advance(Duration::hours(2));
    d.execute(T, id, Command::status(Status::Solved)).unwrap();
    let r = latest(&d, id, "total_resolution");
    assert_eq!((r.state, r.elapsed_seconds), (TargetState::Fulfilled, 7200));
    d.clock().advance(Duration::hours(10));
    let c = d.ticket(T, id).unwrap().customer();
    d.execute(
        T,
        id,
        Command::customer_reply(c, Channel::Email, "still broken"),
    )
    .unwrap();
    d.clock().advance(Duration::hours(1));
    let r = latest(&d, id, "total_resolution");
    assert_eq!(
        (r.cycle, r.state, r.elapsed_seconds),
        (0, TargetState::Running, 3 * 3600)
    );
    assert_eq!(r.deadline, Some(at("2026-01-07T20:00:00Z")));
}

#[test]
fn warnings_and_breach_fire_once_through_sweep() {
    let d = desk(
        policy(
            vec![MetricDef::first_reply()],
            vec![target("first_reply", 3600, false)],
        ),
        "2026-01-06T10:00:00Z",
    );
    let id = open(&d, "x");
    d.execute(
        T,
        id,
        Command::Assign {
            agent: Some(BOB),
            group: None,
        },
    )
    .unwrap();
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-01-06T10:45:00Z")));
    d.clock().set(at("2026-01-06T10:44:59Z"));
    assert!(d.sweep(100).unwrap().alerts.is_empty());
    d.clock().set(at("2026-01-06T10:45:00Z"));
    let s = d.sweep(100).unwrap();
    assert_eq!(s.alerts.len(), 1);
    assert_eq!(s.alerts[0].1.key.point, AlertPoint::Warning(0));
    assert_eq!(s.alerts[0].1.level, Some(1));
    assert!(d.sweep(100).unwrap().alerts.is_empty(), "not twice");
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-01-06T11:00:01Z")));
    d.clock().set(at("2026-01-06T11:00:00Z"));
    assert!(
        d.sweep(100).unwrap().alerts.is_empty(),
        "at the deadline it is not breached yet"
    );
    d.clock().set(at("2026-01-06T11:00:01Z"));
    let s = d.sweep(100).unwrap();
    assert_eq!(s.alerts.len(), 1);
    assert_eq!(s.alerts[0].1.key.point, AlertPoint::Breach);
    assert_eq!(s.alerts[0].1.due_at, at("2026-01-06T11:00:00Z"));
    // Replaying tick and sweep raises nothing more; the index is empty.
    assert!(d.tick(T, id).unwrap().events.is_empty());
    assert!(d.sweep(100).unwrap().alerts.is_empty());
    assert_eq!(d.next_wakeup().unwrap(), None);
    let kinds: Vec<_> = d
        .notifier()
        .sent()
        .into_iter()
        .filter(|n| {
            matches!(
                n.kind,
                NotificationKind::SlaWarning | NotificationKind::SlaBreach
            )
        })
        .map(|n| (n.kind, n.recipient))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert_eq!(
        kinds[0].1,
        supportdesk::notification::Recipient::Agent { agent: BOB }
    );
    assert_eq!(
        kinds[1].1,
        supportdesk::notification::Recipient::Agent { agent: LEAD }
    );
    // A reply after the breach fulfils late: still breached.
    d.execute(T, id, Command::agent_reply(BOB, "sorry"))
        .unwrap();
    assert_eq!(latest(&d, id, "first_reply").state, TargetState::Breached);
}

#[test]
fn late_sweep_raises_breach_even_after_the_clock_stopped() {
    let d = desk(
        policy(
            vec![MetricDef::first_reply()],
            vec![target("first_reply", 3600, false)],
        ),
        "2026-01-06T10:00:00Z",
    );
    let id = open(&d, "x");
    d.clock().set(at("2026-01-06T12:00:00Z"));
    d.execute(T, id, Command::agent_reply(BOB, "late")).unwrap();
    let s = d.sweep(100).unwrap();
    assert_eq!(
        s.alerts.iter().map(|a| a.1.key.point).collect::<Vec<_>>(),
        [AlertPoint::Breach]
    );
}

#[test]
fn editing_a_policy_does_not_rewrite_existing_tickets() {
    let p1 = policy(
        vec![MetricDef::first_reply()],
        vec![target("first_reply", 3600, false)],
    );
    let d = desk(p1.clone(), "2026-01-06T10:00:00Z");
    let id = open(&d, "x");
    let mut p2 = p1.clone();
    p2.version = 2;
    p2.targets[0].seconds = 7200;
    // The ticket keeps the policy it was opened under.
    assert_eq!(d.ticket(T, id).unwrap().sla_policy().unwrap().version, 1);
    assert_eq!(
        latest(&d, id, "first_reply").deadline,
        Some(at("2026-01-06T11:00:00Z"))
    );
    d.clock().advance(Duration::minutes(30));
    d.apply_sla_policy(T, id, p2).unwrap();
    let r = latest(&d, id, "first_reply");
    assert_eq!(
        r.deadline,
        Some(at("2026-01-06T12:00:00Z")),
        "time already used is kept"
    );
    assert_eq!(r.elapsed_seconds, 1800);
    assert_eq!(d.sla_report(T, id).unwrap().policy, Some(("p".into(), 2)));
}

#[test]
fn explanation_names_holiday_and_pause() {
    let d = desk(
        policy(
            vec![MetricDef::requester_wait()],
            vec![target("requester_wait", 8 * 3600, true)],
        ),
        "2026-01-16T21:00:00Z",
    );
    // Fri 16 Jan 16:00 EST; Monday 19 is a holiday.
    let id = open(&d, "x");
    let r = latest(&d, id, "requester_wait");
    // 1h30 Friday, Monday is a holiday, 3h + 3h30 Tuesday.
    assert_eq!(r.deadline, Some(at("2026-01-20T16:30:00-05:00")));
    let e = sla::explain(&r, &d.sla().unwrap().calendars).unwrap();
    let text = e.to_string();
    assert!(text.contains("holiday Mon 19 Jan 2026"), "{text}");
    assert!(text.contains("Due Tue 20 Jan 2026 16:30 EST"), "{text}");
    assert_eq!(
        e.counted
            .iter()
            .map(|(a, b)| (*b - *a).num_seconds())
            .sum::<i64>(),
        8 * 3600
    );
}

#[test]
fn what_if_compares_compliance() {
    let p = policy(
        vec![MetricDef::first_reply()],
        vec![target("first_reply", 3600, false)],
    );
    let d = desk(p.clone(), "2026-01-06T10:00:00Z");
    let mut ids = Vec::new();
    for (i, mins) in [30, 90, 150].iter().enumerate() {
        d.clock()
            .set(at("2026-01-06T10:00:00Z") + Duration::hours(i as i64 * 5));
        let id = d
            .receive(
                T,
                Inbound::new(
                    Identity::email(&format!("c{i}@example.com")).unwrap(),
                    Channel::Email,
                    "x",
                ),
            )
            .unwrap()
            .ticket;
        d.clock().advance(Duration::minutes(*mins));
        d.execute(T, id, Command::agent_reply(BOB, "r")).unwrap();
        ids.push(id);
    }
    let histories: Vec<_> = ids.iter().map(|id| d.history(T, *id).unwrap()).collect();
    let mut looser = p.clone();
    looser.targets[0].seconds = 2 * 3600;
    let w = sla::what_if(
        &histories,
        &d.sla().unwrap().calendars,
        Some(&PolicySet::new(looser)),
        None,
        supportdesk::port::Clock::now(d.clock()),
    )
    .unwrap();
    assert_eq!(
        (
            w.actual["first_reply"].met,
            w.actual["first_reply"].breached
        ),
        (1, 2)
    );
    assert_eq!(
        (
            w.proposed["first_reply"].met,
            w.proposed["first_reply"].breached
        ),
        (2, 1)
    );
    assert_eq!(w.changed, vec![ids[1]]);
}

#[test]
fn due_index_answers_only_due_tickets() {
    let d = desk(
        policy(
            vec![MetricDef::first_reply()],
            vec![target("first_reply", 3600, false)],
        ),
        "2026-01-06T10:00:00Z",
    );
    for i in 0..50 {
        d.clock()
            .set(at("2026-01-06T10:00:00Z") + Duration::minutes(i));
        d.receive(
            T,
            Inbound::new(
                Identity::email(&format!("c{i}@example.com")).unwrap(),
                Channel::Email,
                "x",
            ),
        )
        .unwrap();
    }
    // Warnings at 45 minutes: by 10:50, tickets opened 10:00..=10:05 are due.
    let due = d.store().due(at("2026-01-06T10:50:00Z"), 1000).unwrap();
    assert_eq!(due.len(), 6);
    assert!(due.windows(2).all(|w| w[0].at <= w[1].at));
}

#[cfg(feature = "sqlite")]
#[test]
fn sweep_works_on_sqlite_too() {
    use supportdesk::SqliteStore;
    let d = TheDesk::new(
        port(SqliteStore::in_memory().unwrap()),
        RecordingNotifier::new(),
        ManualClock::at("2026-01-06T10:00:00Z").unwrap(),
    )
    .with_ids(SequentialIds::new())
    .with_sla(
        PolicySet::new(policy(
            vec![MetricDef::first_reply()],
            vec![target("first_reply", 3600, false)],
        )),
        calendars(),
    )
    .unwrap();
    let d = drive(d);
    let id = d
        .receive(
            T,
            Inbound::new(
                Identity::email("ana@example.com").unwrap(),
                Channel::Email,
                "x",
            ),
        )
        .unwrap()
        .ticket;
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-01-06T10:45:00Z")));
    d.clock().set(at("2026-01-06T11:00:01Z"));
    // The host slept through the warning: the breach supersedes it, once.
    let s = d.sweep(10).unwrap();
    assert_eq!(
        s.alerts.iter().map(|a| a.1.key.point).collect::<Vec<_>>(),
        [AlertPoint::Breach]
    );
    assert!(d.sweep(10).unwrap().alerts.is_empty());
    assert_eq!(d.next_wakeup().unwrap(), None);
    assert_eq!(d.ticket(T, id).unwrap().sla_alerts().len(), 1);
}

#[test]
fn sweep_raises_the_breach_of_a_ticket_paused_at_its_deadline() {
    let d = desk(
        policy(
            vec![MetricDef::requester_wait()],
            vec![target("requester_wait", 3600, false)],
        ),
        "2026-01-06T10:00:00Z",
    );
    let id = open(&d, "x");
    d.clock().set(at("2026-01-06T10:45:00Z"));
    let s = d.sweep(10).unwrap();
    assert_eq!(s.alerts.len(), 1);
    assert_eq!(s.alerts[0].1.key.point, AlertPoint::Warning(0));
    // Pending at exactly the deadline.
    d.clock().set(at("2026-01-06T11:00:00Z"));
    d.execute(
        T,
        id,
        Command::ChangeStatus {
            to: Status::Pending,
        },
    )
    .unwrap();
    let r = latest(&d, id, "requester_wait");
    assert_eq!(r.state, TargetState::Paused);
    assert_eq!(r.deadline, Some(at("2026-01-06T11:00:00Z")));
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-01-06T11:00:01Z")));
    d.clock().set(at("2026-01-06T11:00:01Z"));
    let s = d.sweep(10).unwrap();
    assert_eq!(
        s.alerts
            .iter()
            .map(|a| (a.0, a.1.key.point, a.1.due_at))
            .collect::<Vec<_>>(),
        [(id, AlertPoint::Breach, at("2026-01-06T11:00:00Z"))]
    );
    assert_eq!(
        latest(&d, id, "requester_wait").state,
        TargetState::Breached
    );
    assert!(d.sweep(10).unwrap().alerts.is_empty(), "not twice");
    assert_eq!(d.next_wakeup().unwrap(), None);
}

#[test]
fn update_clocks_wait_for_the_next_agent_reply_after_reopening() {
    let d = desk(
        policy(
            vec![MetricDef::periodic_update()],
            vec![target("periodic_update", 3600, false)],
        ),
        "2026-01-06T10:00:00Z",
    );
    let id = open(&d, "x");
    d.clock().set(at("2026-01-06T10:10:00Z"));
    d.execute(T, id, Command::agent_reply(BOB, "looking"))
        .unwrap();
    d.clock().set(at("2026-01-06T10:20:00Z"));
    d.execute(T, id, Command::ChangeStatus { to: Status::Solved })
        .unwrap();
    let r = latest(&d, id, "periodic_update");
    assert_eq!((r.cycle, r.state), (0, TargetState::Cancelled));
    // The customer reopens the ticket: no update clock until the next reply.
    d.clock().set(at("2026-01-06T11:00:00Z"));
    let c = d.ticket(T, id).unwrap().customer();
    d.execute(T, id, Command::customer_reply(c, Channel::Email, "again"))
        .unwrap();
    assert_eq!(d.ticket(T, id).unwrap().status(), Status::Open);
    d.clock().set(at("2026-01-06T14:00:00Z"));
    let r = latest(&d, id, "periodic_update");
    assert_eq!((r.cycle, r.state), (0, TargetState::Cancelled));
    // The next agent reply starts cycle 1.
    d.execute(T, id, Command::agent_reply(BOB, "update"))
        .unwrap();
    let r = latest(&d, id, "periodic_update");
    assert_eq!(
        (r.cycle, r.state, r.started_at, r.deadline),
        (
            1,
            TargetState::Running,
            at("2026-01-06T14:00:00Z"),
            Some(at("2026-01-06T15:00:00Z"))
        )
    );
    // `explain` numbers cycles as the report does (docs/sla-scenarios.md).
    let e = sla::explain(&r, &calendars()).unwrap();
    assert!(
        e.lines[0].starts_with("periodic_update (cycle 1): "),
        "{}",
        e.lines[0]
    );
}

}
