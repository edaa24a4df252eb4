//! SLA scenario files and policies refuse what they used to accept
//! silently: each bad input is a typed error that names it.

use chrono::{DateTime, Utc};
use supportdesk::sla::scenario::{ScenarioError, ScenarioFile};
use supportdesk::sla::{Calendars, MetricDef, SlaError, SlaPolicy, Target, TimeBasis, WarnAt};
use supportdesk::ticket::{Event, EventKind};
use supportdesk::{Priority, Status};

/// A valid file with two scenarios; tests break one thing at a time.
const GOOD: &str = r#"{
  "format": "supportdesk sla scenarios v1",
  "policies": {
    "p": {
      "id": "p",
      "metrics": ["first_reply", "requester_wait"],
      "targets": [
        {"metric": "first_reply", "priority": "low", "seconds": 7200, "basis": "calendar"},
        {"metric": "first_reply", "priority": "normal", "seconds": 3600, "basis": "calendar"},
        {"metric": "first_reply", "priority": "high", "seconds": 1800, "basis": "calendar"},
        {"metric": "first_reply", "priority": "urgent", "seconds": 900, "basis": "calendar"},
        {"metric": "requester_wait", "priority": "low", "seconds": 86400, "basis": "calendar"},
        {"metric": "requester_wait", "priority": "normal", "seconds": 43200, "basis": "calendar"},
        {"metric": "requester_wait", "priority": "high", "seconds": 21600, "basis": "calendar"},
        {"metric": "requester_wait", "priority": "urgent", "seconds": 7200, "basis": "calendar"}
      ],
      "warnings": [{"at": "share", "share": 0.75}]
    }
  },
  "scenarios": [
    {
      "id": "one",
      "policy": "p",
      "opened_at": "2026-01-06T10:00:00Z",
      "steps": [
        {"at": "2026-01-06T10:20:00Z", "do": "agent_reply", "then": "pending"},
        {"at": "2026-01-06T10:40:00Z", "do": "customer_reply"}
      ],
      "now": "2026-01-06T11:00:00Z",
      "expect": [{"metric": "first_reply", "state": "fulfilled", "elapsed": 1200}]
    },
    {
      "id": "two",
      "policy": "p",
      "opened_at": "2026-01-06T10:00:00Z",
      "now": "2026-01-06T10:30:00Z",
      "expect": [{"metric": "first_reply", "state": "running", "deadline": "2026-01-06T11:00:00Z"}]
    }
  ]
}"#;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn good() -> ScenarioFile {
    serde_json::from_str(GOOD).unwrap()
}

/// `GOOD` with one substring replaced, as JSON: the load error's message.
fn load_error(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    serde_json::from_str::<ScenarioFile>(&GOOD.replacen(from, to, 1))
        .unwrap_err()
        .to_string()
}

#[test]
fn the_good_file_loads_and_passes() {
    let f = good();
    f.validate().unwrap();
    let outcomes = supportdesk::sla::scenario::run_all(&f);
    assert!(outcomes.iter().all(|o| o.passed()), "{outcomes:?}");
    assert_eq!(outcomes.len(), 2);
}

#[test]
fn a_step_out_of_time_order_is_rejected() {
    let mut f = good();
    f.scenarios[0].steps[1].at = at("2026-01-06T10:15:00Z");
    let err = f.validate().unwrap_err();
    assert_eq!(
        err,
        ScenarioError::StepOutOfOrder {
            scenario: "one".into(),
            step: 1,
            at: at("2026-01-06T10:15:00Z"),
            previous_at: at("2026-01-06T10:20:00Z"),
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("\"one\"")
            && text.contains("steps[1] at 2026-01-06 10:15:00 UTC")
            && text.contains("steps[0] at 2026-01-06 10:20:00 UTC"),
        "{text}"
    );
    // The same file as JSON does not load, and says why.
    let msg = load_error(
        r#""at": "2026-01-06T10:40:00Z", "do": "customer_reply""#,
        r#""at": "2026-01-06T10:15:00Z", "do": "customer_reply""#,
    );
    assert!(msg.contains("steps[1] at 2026-01-06 10:15:00 UTC"), "{msg}");
    // The checker refuses to run it rather than depend on list order.
    let outcomes = supportdesk::sla::scenario::run_all(&f);
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].id, "(file)");
    assert_eq!(outcomes[0].failures, std::slice::from_ref(&text));
    let one = supportdesk::sla::scenario::run(&f, &f.scenarios[0]);
    assert_eq!(one.failures, [text]);
    // Equal instants are in order.
    f.scenarios[0].steps[1].at = f.scenarios[0].steps[0].at;
    f.validate().unwrap();
}

#[test]
fn a_step_before_opening_is_rejected() {
    let mut f = good();
    f.scenarios[0].steps[0].at = at("2026-01-06T09:59:59Z");
    let err = f.validate().unwrap_err();
    assert_eq!(
        err,
        ScenarioError::StepBeforeOpening {
            scenario: "one".into(),
            step: 0,
            at: at("2026-01-06T09:59:59Z"),
            opened_at: at("2026-01-06T10:00:00Z"),
        }
    );
    let msg = load_error(
        r#""at": "2026-01-06T10:20:00Z""#,
        r#""at": "2026-01-06T09:59:59Z""#,
    );
    assert!(
        msg.contains("\"one\": steps[0] at 2026-01-06 09:59:59 UTC is before the opening at 2026-01-06 10:00:00 UTC"),
        "{msg}"
    );
}

#[test]
fn now_before_opening_is_rejected() {
    let mut f = good();
    f.scenarios[1].now = at("2026-01-06T09:00:00Z");
    let err = f.validate().unwrap_err();
    assert_eq!(
        err,
        ScenarioError::NowBeforeOpening {
            scenario: "two".into(),
            now: at("2026-01-06T09:00:00Z"),
            opened_at: at("2026-01-06T10:00:00Z"),
        }
    );
    let msg = load_error(
        r#""now": "2026-01-06T10:30:00Z""#,
        r#""now": "2026-01-06T09:00:00Z""#,
    );
    assert!(
        msg.contains("\"two\": now 2026-01-06 09:00:00 UTC is before the opening"),
        "{msg}"
    );
}

#[test]
fn duplicate_scenario_ids_are_rejected() {
    let mut f = good();
    f.scenarios[1].id = "one".into();
    let err = f.validate().unwrap_err();
    assert_eq!(
        err,
        ScenarioError::DuplicateId {
            id: "one".into(),
            first: 0,
            second: 1,
        }
    );
    let msg = load_error(r#""id": "two""#, r#""id": "one""#);
    assert!(
        msg.contains("scenario id \"one\" is used twice: scenarios[0] and scenarios[1]"),
        "{msg}"
    );
}

#[test]
fn an_unknown_policy_name_is_rejected() {
    let mut f = good();
    f.scenarios[1].policy = "q".into();
    assert_eq!(
        f.validate().unwrap_err(),
        ScenarioError::UnknownPolicy {
            scenario: "two".into(),
            policy: "q".into(),
        }
    );
    let msg = load_error(
        r#""do": "customer_reply"}"#,
        r#""do": "apply_policy", "policy": "nope"}"#,
    );
    assert!(
        msg.contains("scenario \"one\" names policy \"nope\""),
        "{msg}"
    );
}

/// `err` is the policy error `want`, through `check`, `validate`, a file
/// built in code and a file read from JSON (`from` → `to` in `GOOD`), each
/// naming `needle`.
fn policy_rejected(
    mutate: impl Fn(&mut SlaPolicy),
    want: SlaError,
    from: &str,
    to: &str,
    needle: &str,
) {
    let mut f = good();
    let p = f.policies.get_mut("p").unwrap();
    mutate(p);
    assert_eq!(p.check().unwrap_err(), want);
    assert_eq!(p.validate(&Calendars::new()).unwrap_err(), want);
    assert!(want.to_string().contains(needle), "{want}");
    assert_eq!(
        f.validate().unwrap_err(),
        ScenarioError::Policy {
            name: "p".into(),
            source: want.clone(),
        }
    );
    let msg = load_error(from, to);
    assert!(msg.contains(needle), "{msg}");
    // The policy on its own does not deserialise either.
    let policy = serde_json::to_string(&f.policies["p"]).unwrap();
    let msg = serde_json::from_str::<SlaPolicy>(&policy)
        .unwrap_err()
        .to_string();
    assert!(msg.contains(needle), "{msg}");
}

#[test]
fn a_zero_target_is_rejected() {
    policy_rejected(
        |p| p.targets[2].seconds = 0,
        SlaError::NonPositiveTarget {
            policy: "p".into(),
            metric: "first_reply".into(),
            seconds: 0,
        },
        r#""seconds": 1800"#,
        r#""seconds": 0"#,
        "target 0 s for metric \"first_reply\" in policy \"p\" must be positive",
    );
}

#[test]
fn a_target_for_a_metric_the_policy_does_not_list_is_rejected() {
    policy_rejected(
        |p| p.targets[0].metric = "next_reply".into(),
        SlaError::UnknownMetric {
            policy: "p".into(),
            metric: "next_reply".into(),
        },
        r#"{"metric": "first_reply", "priority": "low""#,
        r#"{"metric": "next_reply", "priority": "low""#,
        "target for unknown metric \"next_reply\" in policy \"p\"",
    );
}

#[test]
fn a_priority_without_a_target_is_rejected() {
    policy_rejected(
        |p| {
            p.targets
                .retain(|t| !(t.metric == "requester_wait" && t.priority == Priority::High))
        },
        SlaError::MissingTarget {
            policy: "p".into(),
            metric: "requester_wait".into(),
            priority: Priority::High,
        },
        r#"{"metric": "requester_wait", "priority": "high", "seconds": 21600, "basis": "calendar"},"#,
        "",
        "metric \"requester_wait\" of policy \"p\" has no target for priority high",
    );
    // A channel-specific target is a target for its priority.
    let mut p = good().policies["p"].clone();
    for t in p.targets.iter_mut().filter(|t| t.priority == Priority::Low) {
        t.channel = Some(supportdesk::Channel::Phone);
    }
    p.check().unwrap();
}

#[test]
fn a_warning_share_outside_zero_one_is_rejected() {
    for (share, shown) in [(1.0, "1"), (0.0, "0"), (1.5, "1.5"), (-0.25, "-0.25")] {
        policy_rejected(
            |p| p.warnings[0] = WarnAt::Share { share },
            SlaError::BadWarning {
                policy: "p".into(),
                warning: format!("share {shown}"),
            },
            r#""share": 0.75"#,
            &format!(r#""share": {shown}"#),
            &format!("warning share {shown} in policy \"p\""),
        );
    }
    // NaN cannot be written in JSON, but can be built in code.
    let mut p = good().policies["p"].clone();
    p.warnings[0] = WarnAt::Share { share: f64::NAN };
    assert!(matches!(p.check(), Err(SlaError::BadWarning { .. })));
}

#[test]
fn validate_still_checks_calendars() {
    let mut p = good().policies["p"].clone();
    p.targets[0].basis = TimeBasis::Business {
        calendar: "nowhere".into(),
    };
    p.check().unwrap();
    assert_eq!(
        p.validate(&Calendars::new()).unwrap_err(),
        SlaError::UnknownCalendar {
            policy: "p".into(),
            name: "nowhere".into(),
        }
    );
}

#[test]
fn a_policy_recorded_on_a_ticket_loads_as_recorded() {
    // Applied before a target was required for every priority: history
    // still loads (events and ticket state), though the policy itself would
    // not load today.
    let old = SlaPolicy {
        id: "old".into(),
        version: 1,
        name: String::new(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets: vec![Target {
            metric: "first_reply".into(),
            priority: Priority::Normal,
            channel: None,
            seconds: 3600,
            basis: TimeBasis::Calendar,
        }],
        warnings: vec![],
        escalation: vec![],
    };
    let json = serde_json::to_string(&old).unwrap();
    assert!(serde_json::from_str::<SlaPolicy>(&json).is_err());
    let mut events = supportdesk::testing::TicketBuilder::new()
        .status(Status::Open)
        .events();
    let last = events.last().unwrap().clone();
    events.push(Event {
        sequence: last.sequence + 1,
        kind: EventKind::SlaPolicyApplied {
            policy: Box::new(old.clone()),
        },
        ..last
    });
    let text = serde_json::to_string(&events).unwrap();
    let back: Vec<Event> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, events);
    let ticket = supportdesk::ticket::Ticket::from_events(&events).unwrap();
    let state = serde_json::to_string(&ticket).unwrap();
    let back: supportdesk::ticket::Ticket = serde_json::from_str(&state).unwrap();
    assert_eq!(back.sla_policy(), Some(&old));
}

#[test]
fn applying_a_bad_policy_through_the_desk_is_refused() {
    use supportdesk::customer::Identity;
    use supportdesk::id::TenantId;
    use supportdesk::testing::{ManualClock, RecordingNotifier};
    use supportdesk::{Channel, Desk, DeskError, InMemoryStore, Inbound};
    let d = Desk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::at("2026-01-06T10:00:00Z").unwrap(),
    );
    let t = TenantId::from_u128(1);
    let id = d
        .receive(
            t,
            Inbound::new(
                Identity::email("a@example.com").unwrap(),
                Channel::Email,
                "x",
            ),
        )
        .unwrap()
        .ticket;
    let mut p = good().policies["p"].clone();
    p.targets[1].seconds = 0;
    let err = d.apply_sla_policy(t, id, p).unwrap_err();
    assert!(
        matches!(
            err,
            DeskError::Sla(SlaError::NonPositiveTarget { seconds: 0, .. })
        ),
        "{err}"
    );
    assert!(d.ticket(t, id).unwrap().sla_policy().is_none());
    // A good one is applied.
    d.apply_sla_policy(t, id, good().policies["p"].clone())
        .unwrap();
    assert_eq!(d.ticket(t, id).unwrap().sla_policy().unwrap().id, "p");
}

#[test]
fn the_complete_example_in_the_docs_loads_and_passes() {
    let doc = include_str!("../docs/sla-scenarios.md");
    let section = doc.split("## A complete example").nth(1).unwrap();
    let json = section
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let f: ScenarioFile = serde_json::from_str(json).unwrap();
    let outcomes = supportdesk::sla::scenario::run_all(&f);
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes.iter().all(|o| o.passed()), "{outcomes:?}");
}
