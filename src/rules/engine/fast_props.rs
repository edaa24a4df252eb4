//! The fast path of the triggers (`Engine::holds_flat`, the plain-data
//! tests of [`flat`](super::flat)) agrees with the general path, the
//! reference (`Engine::holds_why`): over random books, tickets, requesters
//! and updates, each trigger's conditions hold or not (or fail with the
//! same error) alike, and whole evaluations are equal.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{Engine, Env, Facts, RuleBook, Update};
use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, GroupId, TenantId};
use crate::testing::{SequentialIds, TicketBuilder};
use crate::ticket::{Command, Context, decide};
use crate::{Channel, Priority, Status, Tag};

const TAGS: [&str; 5] = ["a", "b", "c", "shipping", "shipping/late"];
const STATUSES: [&str; 6] = ["new", "open", "pending", "on_hold", "solved", "closed"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const CHANNELS: [&str; 4] = ["email", "phone", "sms", "live_chat"];
const SEGMENTS: [&str; 3] = ["gold", "silver", "bronze"];
const WORDS: [&str; 3] = ["refund", "late", "thanks"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

fn ids(n: u128) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(
        (1..=n).prop_map(|i| GroupId::from_u128(i).to_string()),
        1..3,
    )
}

fn agents(n: u128) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(
        (1..=n).prop_map(|i| AgentId::from_u128(i).to_string()),
        1..3,
    )
}

fn condition() -> impl Strategy<Value = Value> {
    const SET_OPS: [&str; 5] = ["is", "is_not", "is_set", "not_set", "changed"];
    prop_oneof![
        1 => (
            pick(&["is", "is_not", "changed", "changed_to", "changed_from"]),
            proptest::sample::subsequence(STATUSES.to_vec(), 1..3)
        )
            .prop_map(|(op, v)| json!({"field": "status", "op": op, "value": v})),
        1 => (
            pick(&[
                "is",
                "is_not",
                "at_least",
                "at_most",
                "changed",
                "changed_to",
                "changed_from"
            ]),
            proptest::sample::subsequence(PRIORITIES.to_vec(), 1..3)
        )
            .prop_map(|(op, v)| json!({"field": "priority", "op": op, "value": v})),
        1 => (
            pick(&["is", "is_not"]),
            proptest::sample::subsequence(CHANNELS.to_vec(), 1..3)
        )
            .prop_map(|(op, v)| json!({"field": "channel", "op": op, "value": v})),
        1 => (
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
        1 => (pick(&SET_OPS), ids(3))
            .prop_map(|(op, v)| json!({"field": "group", "op": op, "value": v})),
        1 => (pick(&SET_OPS), agents(3))
            .prop_map(|(op, v)| json!({"field": "assignee", "op": op, "value": v})),
        1 => (
            pick(&SET_OPS),
            proptest::sample::subsequence(SEGMENTS.to_vec(), 1..3)
        )
            .prop_map(|(op, v)| json!({"field": "segment", "op": op, "value": v})),
        1 => pick(&["reactive", "proactive"]).prop_map(|v| json!({"field": "origin", "value": v})),
        // Message conditions weigh more: the notes the triggers add change
        // what they read.
        3 => (
            pick(&["contains", "not_contains"]),
            pick(&WORDS),
            pick(&["customer", "agent", "any"])
        )
            .prop_map(
                |(op, w, from)| json!({"field": "message", "op": op, "value": w, "from": from})
            ),
        1 => pick(&["refund|late", "^\\w+$"])
            .prop_map(|p| json!({"field": "subject", "op": "matches", "value": p})),
        2 => (
            pick(&["refund|late", "^about \\w+$", "note", "thanks"]),
            pick(&["customer", "agent", "any"])
        )
            .prop_map(|(p, from)| json!({"field": "message", "op": "matches", "value": p, "from": from})),
        2 => (
            pick(&["at_least", "less_than"]),
            0u32..48,
            pick(&["updated", "created", "status_changed", "assigned", "agent_replied"]),
            any::<bool>()
        )
            .prop_map(|(op, h, event, business)| {
                let mut c = json!({"field": "time_since", "event": event, "op": op, "hours": h});
                if business {
                    c["calendar"] = json!("ny");
                }
                c
            }),
        1 => any::<bool>()
            .prop_map(|v| json!({"field": "business_hours", "calendar": "ny", "value": v})),
    ]
}

/// The calendar the `business_hours` and business-time `time_since`
/// conditions name.
fn env() -> Env {
    let ny = crate::calendar::BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "17:00")
        .build();
    match ny {
        Ok(ny) => Env {
            calendars: crate::sla::Calendars::new().with("ny", ny),
            ..Env::default()
        },
        Err(_) => Env::default(),
    }
}

/// What a firing does: each action kind changes a different part of what
/// the conditions read (status, priority, tags, owner, messages), so the
/// triggers skipped after a firing are checked against firings that change
/// what they read.
fn action() -> impl Strategy<Value = Value> {
    prop_oneof![
        pick(&["high", "urgent", "low"])
            .prop_map(|p| json!({"action": "set_priority", "value": p})),
        pick(&TAGS).prop_map(|t| json!({"action": "add_tags", "value": [t]})),
        pick(&TAGS).prop_map(|t| json!({"action": "remove_tags", "value": [t]})),
        pick(&["open", "pending", "on_hold", "solved"])
            .prop_map(|v| json!({"action": "set_status", "value": v})),
        (1u128..=3).prop_map(|g| {
            json!({"action": "set_group", "value": GroupId::from_u128(g).to_string()})
        }),
        (1u128..=3).prop_map(|a| {
            json!({"action": "set_assignee", "value": AgentId::from_u128(a).to_string()})
        }),
        pick(&["note: refund", "note thanks"])
            .prop_map(|t| json!({"action": "add_note", "text": t})),
    ]
}

/// A trigger's `on` list (empty: every update).
fn on() -> impl Strategy<Value = Vec<&'static str>> {
    prop_oneof![
        2 => Just(Vec::new()),
        1 => proptest::sample::subsequence(
            vec![
                "customer_replied",
                "agent_replied",
                "status_changed",
                "priority_changed",
                "tags_added",
                "tags_removed",
                "note_added",
                "assigned",
            ],
            1..3
        ),
    ]
}

fn trigger(i: usize) -> impl Strategy<Value = Value> {
    (
        -3i64..3,
        any::<bool>(),
        proptest::collection::vec(condition(), 0..4),
        proptest::collection::vec(condition(), 0..3),
        proptest::collection::vec(action(), 1..3),
        on(),
    )
        .prop_map(move |(position, active, all, any, actions, on)| {
            json!({"id": format!("t{i}"), "name": format!("Trigger {i}"), "position": position,
                   "active": active || i % 3 != 0, "on": on,
                   "conditions": {"all": all, "any": any}, "actions": actions})
        })
}

fn book() -> impl Strategy<Value = Value> {
    (
        (0usize..24).prop_flat_map(|n| (0..n).map(trigger).collect::<Vec<_>>()),
        pick(&["zendesk", "chatwoot"]),
    )
        .prop_map(|(ts, sem)| json!({"semantics": sem, "triggers": ts}))
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
        pick(&[
            Channel::Email,
            Channel::Phone,
            Channel::Sms,
            Channel::LiveChat,
        ]),
        proptest::sample::subsequence(TAGS.to_vec(), 0..3),
        proptest::option::of(1u128..=3),
        pick(&["Parcel late", "Refund please", "thanks"]),
    )
        .prop_map(|(status, priority, channel, tags, agent, body)| {
            let mut b = TicketBuilder::new()
                .channel(channel)
                .body(body)
                .priority(priority)
                .status(status);
            if let Some(a) = agent {
                b = b.assignee(AgentId::from_u128(a));
            }
            for t in tags {
                b = b.tag(t);
            }
            b
        })
}

fn command() -> impl Strategy<Value = Command> {
    let customer = CustomerId::from_u128(1);
    let bob = AgentId::from_u128(2);
    prop_oneof![
        pick(&WORDS).prop_map(move |w| Command::customer_reply(
            customer,
            Channel::Email,
            format!("about {w}")
        )),
        pick(&WORDS).prop_map(move |w| Command::agent_reply(bob, format!("re {w}"))),
        pick(&[Status::Open, Status::Pending, Status::Solved])
            .prop_map(|to| Command::ChangeStatus { to }),
        pick(&TAGS).prop_map(|t| Command::AddTags {
            tags: Tag::new(t).into_iter().collect()
        }),
        (
            proptest::option::of(1u128..=3),
            proptest::option::of(1u128..=3)
        )
            .prop_map(|(a, g)| {
                Command::Assign {
                    agent: a.map(AgentId::from_u128),
                    group: g.map(GroupId::from_u128),
                }
            }),
        Just(Command::SetPriority {
            priority: Priority::Urgent
        }),
    ]
}

fn customer() -> impl Strategy<Value = Option<Customer>> {
    proptest::option::of(proptest::option::of(pick(&["gold", "silver", "tin"]))).prop_map(|c| {
        c.and_then(|seg| {
            let id = Identity::email("ana@example.com").ok()?;
            let mut c = Customer::new(CustomerId::from_u128(1), TenantId::from_u128(1), id);
            c.segment = seg.map(str::to_owned);
            Some(c)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fast_path_agrees_with_the_reference(
        v in book(), given in ticket(), cmd in command(), cust in customer(),
        // 07:00 in New York (closed), 10:30 (open).
        now in pick(&["2026-01-06T12:00:00Z", "2026-01-06T15:30:00Z"])
    ) {
        // Books the checks refuse (two values for `at_least`) are skipped.
        let Ok(book) = RuleBook::from_json(&v.to_string()) else {
            return Ok(());
        };
        let Ok(engine) = Engine::new(book, env()) else {
            return Ok(());
        };
        let before = given.build();
        let mut history = given.events();
        let ids = SequentialIds::new();
        let now = now.parse().map_err(|_| TestCaseError::fail("now"))?;
        let ctx = Context::new(now, &ids);
        let Ok(d) = decide(&before, &cmd, &ctx) else {
            return Ok(());
        };
        let mut after = before.clone();
        for e in &d.events {
            after.apply(e);
        }
        history.extend(d.events.iter().cloned());
        let update = Update {
            before: Some(&before),
            ticket: &after,
            events: &d.events,
            history: &history,
            customer: cust.as_ref(),
        };
        // Each trigger's conditions, one by one.
        let inner = &*engine.inner;
        let facts = Facts {
            before: update.before,
            ticket: update.ticket,
            update: super::Ev::of(update.events),
            history: super::Ev::of(update.history),
            customer: update.customer,
            at: now,
            lower: None,
        };
        let fast = inner.flat.facts(&after, cust.as_ref());
        let mut visit = Vec::new();
        let present = engine.phrases_present_for(update.events, update.ticket);
        inner.index.candidates(&fast, &present, &mut visit);
        let every = vec![u64::MAX; visit.len()];
        engine.timed_candidates(&facts, &every, &mut Vec::new(), &mut visit);
        for (i, (c, plan)) in inner.triggers.iter().zip(&inner.plans).enumerate() {
            let rule = &inner.book.triggers[c.index];
            let reference = engine.holds_why(&rule.conditions, c, &facts).map(|r| r.0);
            let flat = engine.holds_flat(*plan, &rule.conditions, c, &facts, &fast).map(|r| r.0);
            prop_assert_eq!(&flat, &reference, "trigger {}", rule.id);
            // A trigger the index leaves out is false, without an error.
            let visited = visit.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
            if rule.active && !visited {
                prop_assert_eq!(reference, Ok(false), "trigger {} left out", rule.id);
            }
        }
        // The state a firing hands back is the ticket with the firing's
        // events applied.
        let firing = crate::model::RuleFiring {
            rule: "f".into(),
            name: "F".into(),
            kind: crate::model::RuleKind::Trigger,
            events: 0,
            due: None,
            anchor: None,
            pass: Some(1),
        };
        let notices = [(crate::model::EscalateTo::Owner, "look".to_owned())];
        let ids_f = SequentialIds::new();
        if let Ok((d, state)) = crate::ticket::fire_rule_state(
            &after, firing, std::slice::from_ref(&cmd), &notices, &Context::new(now, &ids_f),
        ) {
            let mut applied = after.clone();
            for e in &d.events {
                applied.apply(e);
            }
            prop_assert_eq!(state, applied);
        }
        // Whole evaluations.
        let ids_a = SequentialIds::new();
        let ids_b = SequentialIds::new();
        let a = engine.run_triggers(update, &Context::new(now, &ids_a), true);
        let b = engine.run_triggers(update, &Context::new(now, &ids_b), false);
        prop_assert_eq!(a, b);
    }
}

#[test]
fn the_books_calendar_builds() {
    assert!(env().calendars.get("ny").is_some());
}
