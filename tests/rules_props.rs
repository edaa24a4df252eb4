//! Properties of rule books (`supportdesk::rules`): no input makes loading
//! panic; what loads round-trips through JSON; random books over random
//! tickets and updates always terminate, each trigger firing at most once
//! per update under Zendesk's semantics; and `ticket::causes` agrees with
//! every evaluation's `RuleFired` events.

use proptest::prelude::*;
use serde_json::{Value, json};
use supportdesk::id::{AgentId, CustomerId, GroupId};
use supportdesk::rules::{Engine, Env, Evaluation, RuleBook, RuleError, Update};
use supportdesk::testing::{SequentialIds, TicketBuilder};
use supportdesk::ticket::{Command, Context, EventKind, causes, decide};
use supportdesk::{Channel, Priority, Status, Tag};

const TAGS: [&str; 5] = ["a", "b", "c", "shipping", "shipping/late"];
const STATUSES: [&str; 4] = ["open", "pending", "on_hold", "solved"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const WORDS: [&str; 4] = ["refund", "late", "退款", "thanks"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        (
            pick(&["is", "is_not", "changed", "changed_to", "changed_from"]),
            pick(&STATUSES)
        )
            .prop_map(|(op, v)| json!({"field": "status", "op": op, "value": [v]})),
        (
            pick(&["is", "at_least", "at_most", "changed_to"]),
            pick(&PRIORITIES)
        )
            .prop_map(|(op, v)| json!({"field": "priority", "op": op, "value": v})),
        (
            pick(&[
                "includes_any",
                "includes_all",
                "excludes",
                "under",
                "not_under",
                "added",
                "removed"
            ]),
            proptest::sample::subsequence(TAGS.to_vec(), 1..3)
        )
            .prop_map(|(op, v)| json!({"field": "tags", "op": op, "value": v})),
        (
            pick(&["contains", "not_contains"]),
            pick(&WORDS),
            pick(&["customer", "agent", "any"])
        )
            .prop_map(
                |(op, w, from)| json!({"field": "message", "op": op, "value": w, "from": from})
            ),
        pick(&["refund|late", "^\\w+$", "(?i)THANKS"])
            .prop_map(|p| json!({"field": "subject", "op": "matches", "value": p})),
        pick(&["is_set", "not_set", "changed"]).prop_map(|op| json!({"field": "group", "op": op})),
        pick(&["is_set", "not_set", "changed"])
            .prop_map(|op| json!({"field": "assignee", "op": op})),
        (pick(&["at_least", "less_than"]), 0u32..48).prop_map(
            |(op, h)| json!({"field": "time_since", "event": "updated", "op": op, "hours": h})
        ),
        pick(&["reactive", "proactive"]).prop_map(|v| json!({"field": "origin", "value": v})),
    ]
}

fn action() -> impl Strategy<Value = Value> {
    let group = GroupId::from_u128(20).to_string();
    let agent = AgentId::from_u128(7).to_string();
    prop_oneof![
        pick(&["open", "pending", "on_hold", "solved"])
            .prop_map(|v| json!({"action": "set_status", "value": v})),
        pick(&PRIORITIES).prop_map(|v| json!({"action": "set_priority", "value": v})),
        proptest::sample::subsequence(TAGS.to_vec(), 1..3)
            .prop_map(|v| json!({"action": "add_tags", "value": v})),
        proptest::sample::subsequence(TAGS.to_vec(), 1..3)
            .prop_map(|v| json!({"action": "remove_tags", "value": v})),
        proptest::option::of(Just(group)).prop_map(|v| json!({"action": "set_group", "value": v})),
        proptest::option::of(Just(agent))
            .prop_map(|v| json!({"action": "set_assignee", "value": v})),
        pick(&["Check this", "注意"]).prop_map(|t| json!({"action": "add_note", "text": t})),
        pick(&["owner", "team"])
            .prop_map(|to| json!({"action": "notify", "to": to, "text": "look"})),
    ]
}

fn trigger(i: usize) -> impl Strategy<Value = Value> {
    (
        -3i64..3,
        any::<bool>(),
        proptest::collection::vec(condition(), 0..3),
        proptest::collection::vec(condition(), 0..2),
        proptest::collection::vec(action(), 1..4),
        proptest::sample::subsequence(
            vec![
                "opened",
                "customer_replied",
                "agent_replied",
                "note_added",
                "status_changed",
                "tags_added",
            ],
            0..2,
        ),
    )
        .prop_map(move |(position, active, all, any, actions, on)| {
            json!({"id": format!("t{i}"), "name": format!("Trigger {i}"), "position": position,
                   "active": active || i % 3 != 0, "on": on,
                   "conditions": {"all": all, "any": any}, "actions": actions})
        })
}

fn triggers(max: usize) -> impl Strategy<Value = Vec<Value>> {
    (0..=max).prop_flat_map(|n| (0..n).map(trigger).collect::<Vec<_>>())
}

fn semantics() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("zendesk")),
        Just(json!("chatwoot")),
        (any::<bool>(), any::<bool>(), 1u32..8).prop_map(|(re, once, max)| json!({
            "chaining": if re { "reevaluate" } else { "none" },
            "once_per_update": once, "max_passes": max})),
    ]
}

fn automation(i: usize) -> impl Strategy<Value = Value> {
    (
        pick(&[
            "created",
            "updated",
            "status_changed",
            "customer_replied",
            "agent_replied",
            "assigned",
            "solved",
        ]),
        0u32..100,
        1u32..59,
        proptest::collection::vec(condition(), 0..2),
        proptest::collection::vec(action(), 1..3),
    )
        .prop_map(move |(event, hours, minutes, all, actions)| {
            json!({"id": format!("a{i}"), "name": format!("Automation {i}"),
                   "after": {"event": event, "hours": hours, "minutes": minutes},
                   "conditions": {"all": all}, "actions": actions})
        })
}

fn a_book() -> impl Strategy<Value = Value> {
    (
        semantics(),
        triggers(6),
        (0usize..3).prop_flat_map(|n| (0..n).map(automation).collect::<Vec<_>>()),
        1u32..2000,
        1u32..200,
        pick(&["en", "zh-Hans", "zh-Hant"]),
        pick(&["UTC", "Europe/Berlin", "Asia/Taipei"]),
        proptest::option::of(pick(&["Shop", "商店"])),
    )
        .prop_map(
            |(sem, triggers, automations, tickets, firings, locale, zone, company)| {
                let mut b = json!({
                    "semantics": sem,
                    "budget": {"max_automation_tickets_per_sweep": tickets,
                               "max_automation_firings_per_ticket": firings},
                    "triggers": triggers, "automations": automations,
                    "macros": [{"id": "m", "name": "M", "then": "pending",
                                "actions": [{"action": "add_tags", "value": "a"}]}],
                    "default_locale": locale, "time_zone": zone,
                    "agents": {AgentId::from_u128(7).to_string(): "Bob"}
                });
                if let Some(c) = company {
                    b["company_name"] = json!(c);
                }
                b
            },
        )
}

/// JSON built from the book's own vocabulary, mostly malformed.
fn json_soup() -> impl Strategy<Value = Value> {
    let keys = proptest::sample::select(vec![
        "triggers",
        "automations",
        "macros",
        "semantics",
        "budget",
        "id",
        "name",
        "position",
        "conditions",
        "all",
        "any",
        "actions",
        "action",
        "field",
        "op",
        "value",
        "after",
        "event",
        "hours",
        "calendar",
        "template",
        "text",
        "to",
        "max_passes",
        "chaining",
        "from",
        "mood",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
        proptest::sample::select(vec![
            "zendesk",
            "open",
            "new",
            "urgent",
            "add_tags",
            "set_status",
            "matches",
            "(",
            "x",
            "status",
            "tags",
            "message",
            "reply",
            "is",
            "a/b",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..5).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn update_command() -> impl Strategy<Value = Command> {
    let customer = CustomerId::from_u128(1);
    let bob = AgentId::from_u128(7);
    prop_oneof![
        pick(&WORDS).prop_map(move |w| Command::customer_reply(
            customer,
            Channel::Email,
            format!("about {w}")
        )),
        pick(&WORDS).prop_map(move |w| Command::agent_reply(bob, format!("re {w}"))),
        Just(Command::AddNote {
            agent: bob,
            body: "refund".into()
        }),
        pick(&[
            Status::Open,
            Status::Pending,
            Status::OnHold,
            Status::Solved
        ])
        .prop_map(|to| Command::ChangeStatus { to }),
        pick(&TAGS).prop_map(|t| Command::AddTags {
            tags: vec![Tag::new(t).unwrap_or_else(|e| panic!("{e}"))]
        }),
        pick(&TAGS).prop_map(|t| Command::RemoveTags {
            tags: vec![Tag::new(t).unwrap_or_else(|e| panic!("{e}"))]
        }),
        Just(Command::Assign {
            agent: Some(bob),
            group: None
        }),
        Just(Command::SetPriority {
            priority: Priority::High
        }),
    ]
}

fn ticket() -> impl Strategy<Value = TicketBuilder> {
    (
        pick(&[
            Status::New,
            Status::Open,
            Status::Pending,
            Status::OnHold,
            Status::Solved,
        ]),
        pick(&[
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ]),
        proptest::sample::subsequence(TAGS.to_vec(), 0..3),
        pick(&["Parcel late", "Refund please", "thanks"]),
    )
        .prop_map(|(status, priority, tags, body)| {
            let mut b = TicketBuilder::new()
                .body(body)
                .priority(priority)
                .status(status);
            for t in tags {
                b = b.tag(t);
            }
            b
        })
}

/// Runs `cmd` on the ticket and the triggers on the update (`None` when
/// the core refuses the command).
fn evaluate(
    engine: &Engine,
    given: &TicketBuilder,
    cmd: &Command,
) -> Option<Result<Evaluation, RuleError>> {
    let before = given.build();
    let mut history = given.events();
    let ids = SequentialIds::new();
    let now = "2026-01-06T12:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(now, &ids);
    let d = decide(&before, cmd, &ctx).ok()?;
    let mut after = before.clone();
    for e in &d.events {
        after.apply(e);
    }
    history.extend(d.events.iter().cloned());
    Some(engine.triggers(
        Update {
            before: Some(&before),
            ticket: &after,
            events: &d.events,
            history: &history,
            customer: None,
        },
        &ctx,
    ))
}

/// `causes` agrees with the `RuleFired` events: each firing's count of
/// events follows it and maps to it; every event of a trigger evaluation is
/// a firing or caused by one.
fn check_causes(eval: &Evaluation) -> Result<(), TestCaseError> {
    let events = &eval.decision.events;
    let by = causes(events);
    prop_assert_eq!(by.len(), events.len());
    let mut i = 0;
    let mut firings = 0;
    while i < events.len() {
        let EventKind::RuleFired { firing } = &events[i].kind else {
            return Err(TestCaseError::fail(format!(
                "event {i} is not a firing nor caused: {:?}",
                events[i].kind
            )));
        };
        prop_assert!(by[i].is_none());
        let n = firing.events as usize;
        prop_assert!(i + n < events.len(), "the count runs past the events");
        for j in 1..=n {
            prop_assert_eq!(
                by[i + j].map(|f| f.rule.as_str()),
                Some(firing.rule.as_str())
            );
            let nested = matches!(events[i + j].kind, EventKind::RuleFired { .. });
            prop_assert!(!nested, "a firing inside another's events");
        }
        prop_assert_eq!(eval.fired[firings].events as usize, n);
        prop_assert_eq!(eval.fired[firings].rule.as_str(), firing.rule.as_str());
        firings += 1;
        i += n + 1;
    }
    prop_assert_eq!(firings, eval.fired.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn from_json_never_panics_on_any_string(s in ".{0,200}") {
        let _ = RuleBook::from_json(&s);
    }

    #[test]
    fn from_json_never_panics_on_json_of_its_vocabulary(v in json_soup()) {
        if let Ok(b) = RuleBook::from_json(&v.to_string()) {
            let _ = Engine::new(b, Env::default());
        }
    }

    #[test]
    fn a_valid_book_round_trips_through_json(v in a_book()) {
        let book = RuleBook::from_json(&v.to_string())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{v:#}")))?;
        Engine::new(book.clone(), Env::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{v:#}")))?;
        let again = RuleBook::from_json(&book.to_json())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", book.to_json())))?;
        prop_assert_eq!(again, book);
    }

    #[test]
    fn zendesk_books_terminate_with_each_trigger_once(
        ts in triggers(12), given in ticket(), cmd in update_command()
    ) {
        let v = json!({"semantics": "zendesk", "triggers": ts});
        let book = RuleBook::from_json(&v.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let active = book.triggers.iter().filter(|t| t.active).count();
        let engine = Engine::new(book, Env::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Some(result) = evaluate(&engine, &given, &cmd) {
            let eval = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(eval.fired.len() <= active, "{} fired of {active}", eval.fired.len());
            let mut ids: Vec<&str> = eval.fired.iter().map(|f| f.rule.as_str()).collect();
            ids.sort_unstable();
            let n = ids.len();
            ids.dedup();
            prop_assert_eq!(ids.len(), n, "a trigger fired twice");
            check_causes(&eval)?;
        }
    }

    #[test]
    fn any_semantics_terminates_and_causes_agree(
        sem in semantics(), ts in triggers(8), given in ticket(), cmd in update_command()
    ) {
        let v = json!({"semantics": sem, "triggers": ts});
        let book = RuleBook::from_json(&v.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let max = book.semantics.max_passes;
        let engine = Engine::new(book, Env::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match evaluate(&engine, &given, &cmd) {
            None => {}
            Some(Ok(eval)) => {
                if let Some(last) = eval.fired.iter().filter_map(|f| f.pass).max() {
                    prop_assert!(last <= max);
                }
                check_causes(&eval)?;
            }
            Some(Err(RuleError::Loop { passes, rules, .. })) => {
                prop_assert_eq!(passes, max);
                prop_assert!(!rules.is_empty());
            }
            Some(Err(e)) => return Err(TestCaseError::fail(e.to_string())),
        }
    }
}
