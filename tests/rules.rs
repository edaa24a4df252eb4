//! Rules as data (`supportdesk::rules`) through the public API only, as a
//! new user would use them: load errors that name the bad value, the
//! Zendesk and Chatwoot semantics side by side, loops, events that carry
//! their rule, every action and every condition field, time-based
//! automations at the instant through the desk (both drivers), macros,
//! the dry run, reply quality in the planner, and limits.

#[macro_use]
mod support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, CustomerId, GroupId, TenantId, TicketId};
use supportdesk::notification::{NotificationContent, NotificationKind, Recipient};
use supportdesk::plan::{self, Planner};
use supportdesk::port::{Commit, CustomerWrite, ExpectedVersion, TicketStore};
use supportdesk::rules::{
    Engine, Env, Evaluation, MAX_PATTERN_BYTES, RuleBook, RuleError, RuleKind, Semantics, Update,
};
use supportdesk::sla::{Calendars, PolicySet, SlaPolicy};
use supportdesk::template::TemplateSet;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds, TicketBuilder};
use supportdesk::ticket::{Command, Context, Event, EventKind, causes, decide};
use supportdesk::{
    Channel, DeskError, InMemoryStore, Inbound, Priority, ReplyQuality, Status, Tag, Taxonomy,
    Ticket,
};

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
const SUPPORT: GroupId = GroupId::from_u128(20);
const BILLING: GroupId = GroupId::from_u128(21);

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Berlin, weekdays 09:00-17:00.
fn calendars() -> Calendars {
    let berlin = BusinessCalendar::builder("Europe/Berlin")
        .weekdays("09:00", "17:00")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Calendars::new().with("berlin", berlin)
}

/// One SLA policy, `std`: first reply within 2 business hours in Berlin.
fn policy() -> SlaPolicy {
    let targets: Vec<Value> = ["low", "normal", "high", "urgent"]
        .iter()
        .map(|p| {
            json!({"metric": "first_reply", "priority": p, "seconds": 7200,
                   "basis": "business", "calendar": "berlin"})
        })
        .collect();
    serde_json::from_value(json!({
        "id": "std", "version": 1, "metrics": ["first_reply"], "targets": targets,
        "warnings": [], "escalation": []
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn policies() -> PolicySet {
    PolicySet::new(policy())
}

fn taxonomy() -> Taxonomy {
    serde_json::from_value(json!({
        "tags": [
            {"tag": "payment/declined", "kind": "what", "polarity": "bad"},
            {"tag": "cause/bank", "kind": "why", "polarity": "bad"}
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn templates() -> TemplateSet {
    TemplateSet::from_json(
        &json!({"templates": [
            {"id": "reminder", "text": {
                "en": "Hi, are you still there? Ticket {{ticket.number}}.",
                "zh-Hans": "您好，请问您还需要帮助吗？",
                "zh-Hant": "您好，請問您還需要幫助嗎？"}},
            {"id": "thanks", "text": {"en": "Thanks {{customer.name}}, {{agent.name}} here. We are on it."}},
            {"id": "ack", "text": {"en": "We got your message."}},
            {"id": "named", "text": {"en": "Dear {{customer.first_name}}, we are on it."}},
            {"id": "notice", "fallback": ["en"], "text": {"en": "Urgent ticket: {{ticket.subject}}"}}
        ]})
        .to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn env() -> Env {
    Env {
        calendars: calendars(),
        policies: Some(policies()),
        taxonomy: Some(Arc::new(taxonomy())),
        templates: templates(),
    }
}

fn book(v: Value) -> RuleBook {
    RuleBook::from_json(&v.to_string()).unwrap_or_else(|e| panic!("{e}\n{v:#}"))
}

fn engine(v: Value) -> Engine {
    Engine::new(book(v), env()).unwrap_or_else(|e| panic!("{e}"))
}

/// A book with one trigger of these conditions and actions.
fn one_trigger(all: Value, actions: Value) -> Value {
    json!({"triggers": [{"id": "t", "name": "T", "conditions": {"all": all}, "actions": actions}]})
}

/// Loads a book (parse, then check against `env`) and returns the error.
fn load_err_with(v: Value, env: Env) -> RuleError {
    let text = v.to_string();
    let result = RuleBook::from_json(&text).and_then(|b| Engine::new(b, env));
    match result {
        Ok(e) => panic!("loaded, expected an error: {e:?}\n{v:#}"),
        Err(e) => e,
    }
}

fn load_err(v: Value) -> RuleError {
    load_err_with(v, env())
}

/// Asserts the error's message names every one of `words`.
#[track_caller]
fn names(e: &RuleError, words: &[&str]) {
    let s = e.to_string();
    for w in words {
        assert!(s.contains(w), "`{s}` does not name `{w}`");
    }
}

/// Runs `cmd` on `given` at `now` and the triggers on the update.
fn on_update(engine: &Engine, given: &TicketBuilder, cmd: Command, now: &str) -> Evaluation {
    try_update(engine, given, cmd, now, None).unwrap_or_else(|e| panic!("{e}"))
}

fn try_update(
    engine: &Engine,
    given: &TicketBuilder,
    cmd: Command,
    now: &str,
    customer: Option<&Customer>,
) -> Result<Evaluation, RuleError> {
    let before = given.build();
    let mut history = given.events();
    let ids = SequentialIds::new();
    let ctx = Context::new(at(now), &ids);
    let d = decide(&before, &cmd, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let mut after = before.clone();
    for e in &d.events {
        after.apply(e);
    }
    history.extend(d.events.iter().cloned());
    engine.triggers(
        Update {
            before: Some(&before),
            ticket: &after,
            events: &d.events,
            history: &history,
            customer,
        },
        &ctx,
    )
}

fn fired(eval: &Evaluation) -> Vec<&str> {
    eval.fired.iter().map(|f| f.rule.as_str()).collect()
}

/// The ticket after the update's evaluation.
fn after(given: &TicketBuilder, cmd: Command, now: &str, eval: &Evaluation) -> Ticket {
    let mut t = given.build();
    let ids = SequentialIds::new();
    let ctx = Context::new(at(now), &ids);
    for e in &decide(&t, &cmd, &ctx)
        .unwrap_or_else(|e| panic!("{e}"))
        .events
    {
        t.apply(e);
    }
    for e in &eval.decision.events {
        t.apply(e);
    }
    t
}

const MON: &str = "2026-03-02T10:00:00Z";

// ---------------------------------------------------------------- loading

#[test]
fn unknown_keys_are_load_errors_naming_the_key() {
    let cases = [
        (
            one_trigger(
                json!([{"field": "mood", "op": "is", "value": "sad"}]),
                json!([{"action": "add_tags", "value": "x"}]),
            ),
            "mood",
        ),
        (
            one_trigger(
                json!([{"field": "status", "op": "is", "value": "open", "colour": 1}]),
                json!([{"action": "add_tags", "value": "x"}]),
            ),
            "colour",
        ),
        (
            one_trigger(
                json!([]),
                json!([{"action": "add_tags", "value": "x", "wipe": true}]),
            ),
            "wipe",
        ),
        (
            one_trigger(json!([]), json!([{"action": "set_all_tags", "value": "x"}])),
            "set_all_tags",
        ),
        (
            json!({"triggers": [{"id": "t", "name": "T", "when": [], "actions": [{"action": "add_tags", "value": "x"}]}]}),
            "when",
        ),
        (json!({"trigers": []}), "trigers"),
        (
            json!({"triggers": [{"id": "t", "name": "T", "conditions": {"every": []}, "actions": [{"action": "add_tags", "value": "x"}]}]}),
            "every",
        ),
        (json!({"semantics": "freshdesk"}), "freshdesk"),
        (json!({"budget": {"max_tickets": 3}}), "max_tickets"),
    ];
    for (v, word) in cases {
        let e = load_err(v);
        assert!(matches!(e, RuleError::Parse(_)), "{e:?}");
        names(&e, &[word]);
    }
}

#[test]
fn bad_values_are_load_errors_naming_the_value() {
    let add = json!([{"action": "add_tags", "value": "x"}]);
    let cases = [
        (
            one_trigger(
                json!([{"field": "status", "op": "is", "value": "bogus"}]),
                add.clone(),
            ),
            "bogus",
        ),
        (
            one_trigger(
                json!([{"field": "priority", "op": "is", "value": "critical"}]),
                add.clone(),
            ),
            "critical",
        ),
        (
            one_trigger(
                json!([]),
                json!([{"action": "set_priority", "value": "critical"}]),
            ),
            "critical",
        ),
        (
            one_trigger(
                json!([{"field": "group", "op": "is", "value": "not-a-uuid"}]),
                add.clone(),
            ),
            "not-a-uuid",
        ),
        (
            one_trigger(
                json!([]),
                json!([{"action": "set_assignee", "value": "nobody"}]),
            ),
            "nobody",
        ),
        (
            one_trigger(
                json!([]),
                json!([{"action": "add_tags", "value": "Bad Tag!"}]),
            ),
            "Bad Tag!",
        ),
        (
            one_trigger(
                json!([{"field": "tags", "op": "under", "value": ["ok", "//"]}]),
                add.clone(),
            ),
            "//",
        ),
        (
            one_trigger(
                json!([{"field": "channel", "op": "is", "value": "pigeon"}]),
                add.clone(),
            ),
            "pigeon",
        ),
        (
            one_trigger(
                json!([{"field": "status", "op": "becomes", "value": "open"}]),
                add.clone(),
            ),
            "becomes",
        ),
    ];
    for (v, word) in cases {
        let e = load_err(v);
        assert!(matches!(e, RuleError::Parse(_)), "{e:?}");
        names(&e, &[word]);
    }
}

#[test]
fn names_the_env_does_not_have_are_load_errors() {
    let e = load_err(one_trigger(
        json!([{"field": "business_hours", "calendar": "tokyo", "value": true}]),
        json!([{"action": "add_tags", "value": "x"}]),
    ));
    assert!(
        matches!(&e, RuleError::UnknownCalendar { rule, calendar } if rule == "t" && calendar == "tokyo"),
        "{e:?}"
    );
    names(&e, &["tokyo", "`t`"]);

    let e = load_err(one_trigger(
        json!([{"field": "time_since", "event": "created", "op": "at_least", "hours": 1, "calendar": "tokyo"}]),
        json!([{"action": "add_tags", "value": "x"}]),
    ));
    assert!(
        matches!(&e, RuleError::UnknownCalendar { calendar, .. } if calendar == "tokyo"),
        "{e:?}"
    );

    let e = load_err(json!({"automations": [{"id": "a", "name": "A",
        "after": {"event": "created", "hours": 1, "calendar": "tokyo"},
        "actions": [{"action": "add_tags", "value": "x"}]}]}));
    assert!(
        matches!(&e, RuleError::UnknownCalendar { rule, calendar } if rule == "a" && calendar == "tokyo"),
        "{e:?}"
    );

    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "reply", "template": "nope"}]),
    ));
    assert!(
        matches!(&e, RuleError::UnknownTemplate { template, .. } if template == "nope"),
        "{e:?}"
    );
    names(&e, &["nope"]);
    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "add_note", "template": "nope2"}]),
    ));
    names(&e, &["nope2"]);
    let e = load_err(json!({"macros": [{"id": "m", "name": "M", "reply": "nope3"}]}));
    assert!(
        matches!(&e, RuleError::UnknownTemplate { rule, template } if rule == "m" && template == "nope3"),
        "{e:?}"
    );

    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "apply_sla_policy", "policy": "gold"}]),
    ));
    assert!(
        matches!(&e, RuleError::UnknownPolicy { policy, .. } if policy == "gold"),
        "{e:?}"
    );
    names(&e, &["gold"]);
    // Without any SLA setup, every policy is unknown.
    let e = load_err_with(
        one_trigger(
            json!([]),
            json!([{"action": "apply_sla_policy", "policy": "std"}]),
        ),
        Env {
            policies: None,
            ..env()
        },
    );
    assert!(
        matches!(&e, RuleError::UnknownPolicy { policy, .. } if policy == "std"),
        "{e:?}"
    );

    let e = load_err_with(
        one_trigger(
            json!([{"field": "tag_kind", "op": "present", "value": "why"}]),
            json!([{"action": "add_tags", "value": "x"}]),
        ),
        Env {
            taxonomy: None,
            ..env()
        },
    );
    assert!(
        matches!(&e, RuleError::NeedsTaxonomy { rule } if rule == "t"),
        "{e:?}"
    );
}

#[test]
fn malformed_rules_are_load_errors_naming_the_rule() {
    let add = json!([{"action": "add_tags", "value": "x"}]);
    // Duplicate ids.
    let e = load_err(json!({"triggers": [
        {"id": "dup", "name": "A", "actions": add},
        {"id": "dup", "name": "B", "actions": add}]}));
    assert!(
        matches!(&e, RuleError::DuplicateId { kind: "trigger", id } if id == "dup"),
        "{e:?}"
    );
    // A trigger and a macro may share an id (kinds are separate namespaces).
    Engine::new(
        book(
            json!({"triggers": [{"id": "same", "name": "A", "actions": add}],
                    "macros": [{"id": "same", "name": "M", "then": "solved"}]}),
        ),
        env(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Bad ids.
    for bad in ["", "Upper", "with space", "ünï", &"x".repeat(101)] {
        let e = load_err(json!({"triggers": [{"id": bad, "name": "A", "actions": add}]}));
        assert!(
            matches!(
                &e,
                RuleError::Invalid {
                    kind: "trigger",
                    ..
                }
            ),
            "{bad}: {e:?}"
        );
        names(&e, &["id"]);
    }
    // A regex that does not compile.
    let e = load_err(one_trigger(
        json!([{"field": "message", "op": "matches", "value": "(unclosed"}]),
        add.clone(),
    ));
    assert!(
        matches!(&e, RuleError::Pattern { rule, pattern, .. } if rule == "t" && pattern == "(unclosed"),
        "{e:?}"
    );
    // Over MAX_PATTERN_BYTES, as a pattern and as a phrase.
    let long = "a".repeat(MAX_PATTERN_BYTES + 1);
    for op in ["matches", "contains"] {
        let e = load_err(one_trigger(
            json!([{"field": "subject", "op": op, "value": long}]),
            add.clone(),
        ));
        assert!(matches!(&e, RuleError::Pattern { .. }), "{op}: {e:?}");
        names(
            &e,
            &[
                &(MAX_PATTERN_BYTES + 1).to_string(),
                &MAX_PATTERN_BYTES.to_string(),
            ],
        );
    }
    // Exactly at the limit is fine.
    let edge = "a".repeat(MAX_PATTERN_BYTES);
    Engine::new(
        book(one_trigger(
            json!([{"field": "subject", "op": "matches", "value": edge}]),
            add.clone(),
        )),
        env(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Nested too deep (short, yet over the nesting limit).
    let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    assert!(deep.len() <= MAX_PATTERN_BYTES);
    let e = load_err(one_trigger(
        json!([{"field": "message", "op": "matches", "value": deep}]),
        add.clone(),
    ));
    assert!(
        matches!(&e, RuleError::Pattern { reason, .. } if reason.to_lowercase().contains("nest")),
        "{e:?}"
    );
    // A pattern whose compiled form is too big.
    let huge = "\\w{1000}\\w{1000}\\w{1000}";
    let e = load_err(one_trigger(
        json!([{"field": "message", "op": "matches", "value": huge}]),
        add.clone(),
    ));
    assert!(matches!(&e, RuleError::Pattern { .. }), "{e:?}");
    // `matches` with two patterns.
    let e = load_err(one_trigger(
        json!([{"field": "subject", "op": "matches", "value": ["a", "b"]}]),
        add.clone(),
    ));
    assert!(
        matches!(&e, RuleError::Invalid { id, reason, .. } if id == "t" && reason.contains("one pattern")),
        "{e:?}"
    );
    // max_passes: 0.
    let e = load_err(
        json!({"semantics": {"chaining": "reevaluate", "once_per_update": true, "max_passes": 0}}),
    );
    assert!(
        matches!(
            &e,
            RuleError::Invalid {
                kind: "semantics",
                ..
            }
        ),
        "{e:?}"
    );
    names(&e, &["max_passes"]);
    // A per-sweep budget of zero would leave due tickets due forever.
    let e = load_err(json!({"budget": {"max_automation_tickets_per_sweep": 0}}));
    assert!(
        matches!(&e, RuleError::Invalid { kind: "budget", .. }),
        "{e:?}"
    );
    names(&e, &["max_automation_tickets_per_sweep"]);
    // No actions.
    let e = load_err(json!({"triggers": [{"id": "idle", "name": "Idle", "actions": []}]}));
    assert!(
        matches!(&e, RuleError::Invalid { id, reason, .. } if id == "idle" && reason.contains("no actions")),
        "{e:?}"
    );
    let e = load_err(
        json!({"automations": [{"id": "idle", "name": "Idle", "after": {"event": "created", "hours": 1}, "actions": []}]}),
    );
    assert!(
        matches!(
            &e,
            RuleError::Invalid {
                kind: "automation",
                ..
            }
        ),
        "{e:?}"
    );
    let e = load_err(json!({"macros": [{"id": "idle", "name": "Idle"}]}));
    assert!(
        matches!(&e, RuleError::Invalid { kind: "macro", .. }),
        "{e:?}"
    );
    // An automation with zero delay.
    let e = load_err(
        json!({"automations": [{"id": "now", "name": "Now", "after": {"event": "created"}, "actions": add}]}),
    );
    assert!(
        matches!(&e, RuleError::Invalid { kind: "automation", id, reason } if id == "now" && reason.contains("zero")),
        "{e:?}"
    );
    // set_status: new.
    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "set_status", "value": "new"}]),
    ));
    assert!(
        matches!(&e, RuleError::Invalid { reason, .. } if reason.contains("new")),
        "{e:?}"
    );
    // Empty names, value lists and phrases.
    let e = load_err(json!({"triggers": [{"id": "t", "name": "  ", "actions": add}]}));
    names(&e, &["name"]);
    let e = load_err(one_trigger(
        json!([{"field": "status", "op": "is", "value": []}]),
        add.clone(),
    ));
    names(&e, &["status"]);
    let e = load_err(one_trigger(
        json!([{"field": "message", "op": "contains", "value": ""}]),
        add.clone(),
    ));
    names(&e, &["empty"]);
    let e = load_err(one_trigger(
        json!([{"field": "satisfaction", "op": "at_most", "value": 9}]),
        add.clone(),
    ));
    names(&e, &["9"]);
    let e = load_err(one_trigger(
        json!([{"field": "channel", "op": "changed", "value": "email"}]),
        add.clone(),
    ));
    names(&e, &["channel"]);
    let e = load_err(one_trigger(
        json!([{"field": "priority", "op": "at_least", "value": ["low", "high"]}]),
        add.clone(),
    ));
    names(&e, &["one value"]);
    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "notify", "to": "team"}]),
    ));
    names(&e, &["template", "text"]);
}

#[test]
fn a_book_round_trips_through_json() {
    let v = json!({
        "semantics": "chatwoot",
        "budget": {"max_automation_tickets_per_sweep": 2},
        "triggers": [{"id": "t", "name": "T", "position": 3, "on": ["opened", "customer_replied"],
            "conditions": {"all": [{"field": "status", "op": "is", "value": ["open", "pending"]}],
                           "any": [{"field": "message", "op": "matches", "value": "refund|退款"}]},
            "actions": [{"action": "set_group", "value": SUPPORT}, {"action": "notify", "to": {"group": SUPPORT}, "text": "hi"}]}],
        "automations": [{"id": "a", "name": "A", "after": {"event": "status_changed", "hours": 24, "calendar": "berlin"},
            "actions": [{"action": "reply", "template": "reminder"}]}],
        "macros": [{"id": "m", "name": "M", "reply": "thanks", "then": "pending", "actions": [{"action": "add_tags", "value": "vip"}]}],
        "default_locale": "zh-Hans", "time_zone": "Europe/Berlin", "company_name": "Shop",
        "agents": {BOB.to_string(): "Bob"}
    });
    let b = book(v);
    assert_eq!(b.semantics, Semantics::CHATWOOT);
    assert_eq!(b.budget.max_automation_tickets_per_sweep, 2);
    assert_eq!(b.budget.max_automation_firings_per_ticket, 100);
    let again = RuleBook::from_json(&b.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, b);
    Engine::new(b, env()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn bad_ids_in_actions_and_agents_are_named() {
    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "notify", "to": {"agent": "nobody"}, "text": "x"}]),
    ));
    names(&e, &["nobody"]);
    let e = load_err(one_trigger(
        json!([]),
        json!([{"action": "set_group", "value": "nogroup"}]),
    ));
    names(&e, &["nogroup"]);
    let e = load_err(json!({"agents": {"noagent": "Bob"}}));
    assert!(matches!(e, RuleError::Parse(_)), "{e:?}");
    // `null` clears the group, and an absent value is `null`.
    let b = book(one_trigger(
        json!([]),
        json!([{"action": "set_group", "value": null}, {"action": "set_assignee"}]),
    ));
    Engine::new(b, env()).unwrap_or_else(|e| panic!("{e}"));
}

// -------------------------------------------------------------- semantics

/// Trigger `b` (position 1) reacts to what `a` (position 2) does: in
/// Zendesk's semantics the evaluation starts again from the top after `a`
/// fires; in Chatwoot's there is one pass, so `b` (already passed) never
/// sees it.
fn chained(semantics: &str) -> Value {
    json!({"semantics": semantics, "triggers": [
        {"id": "a", "name": "Refunds are urgent", "position": 2,
         "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
         "actions": [{"action": "set_priority", "value": "urgent"}]},
        {"id": "b", "name": "Urgent goes to billing", "position": 1,
         "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
         "actions": [{"action": "set_group", "value": BILLING}]},
        {"id": "c2", "name": "Tag refunds", "position": 2,
         "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
         "actions": [{"action": "add_tags", "value": "refund"}]},
        {"id": "c1", "name": "Ask for order", "position": 2,
         "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
         "actions": [{"action": "add_tags", "value": "need-order"}]}
    ]})
}

#[test]
fn zendesk_reevaluates_from_the_top_and_chatwoot_does_not() {
    let given = TicketBuilder::new().status(Status::Open);
    let reply =
        || Command::customer_reply(CustomerId::from_u128(1), Channel::Email, "A refund please");

    let z = on_update(&engine(chained("zendesk")), &given, reply(), MON);
    // Order by position then id (`a`, `c1`, `c2` share position 2), but
    // after `a` fires the evaluation starts again from the top, where `b`
    // (position 1) now holds. Each fires once: `a` still holds in the later
    // passes.
    assert_eq!(fired(&z), ["a", "b", "c1", "c2"]);
    let passes: Vec<Option<u32>> = z.fired.iter().map(|f| f.pass).collect();
    assert_eq!(passes, [Some(1), Some(2), Some(3), Some(4)]);
    let t = after(&given, reply(), MON, &z);
    assert_eq!((t.priority(), t.group()), (Priority::Urgent, Some(BILLING)));

    let c = on_update(&engine(chained("chatwoot")), &given, reply(), MON);
    assert_eq!(fired(&c), ["a", "c1", "c2"]);
    assert!(c.fired.iter().all(|f| f.pass == Some(1)));
    let t = after(&given, reply(), MON, &c);
    assert_eq!((t.priority(), t.group()), (Priority::Urgent, None));
}

#[test]
fn chatwoot_rules_ignore_changes_made_by_rules_even_when_later_in_order() {
    // `b` comes after `a` and asks whether the update changed the priority:
    // under Chatwoot only the update's own events count.
    let v = |sem: &str| {
        json!({"semantics": sem, "triggers": [
            {"id": "a", "name": "A", "position": 1,
             "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
             "actions": [{"action": "set_priority", "value": "urgent"}]},
            {"id": "b", "name": "B", "position": 2,
             "conditions": {"all": [{"field": "priority", "op": "changed_to", "value": "urgent"}]},
             "actions": [{"action": "add_tags", "value": "escalated"}]},
            {"id": "g", "name": "G", "position": 3,
             "conditions": {"all": [{"field": "group", "op": "changed"}]},
             "actions": [{"action": "add_tags", "value": "regrouped"}]},
            {"id": "s", "name": "S", "position": 0,
             "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
             "actions": [{"action": "set_group", "value": SUPPORT}]}
        ]})
    };
    let given = TicketBuilder::new().status(Status::Open);
    let reply = || Command::customer_reply(CustomerId::from_u128(1), Channel::Email, "refund!");
    let z = on_update(&engine(v("zendesk")), &given, reply(), MON);
    assert_eq!(fired(&z), ["s", "a", "b", "g"]);
    let c = on_update(&engine(v("chatwoot")), &given, reply(), MON);
    assert_eq!(
        fired(&c),
        ["s", "a"],
        "a rule's change started another rule under chatwoot"
    );
}

fn ping_pong(once: bool) -> Value {
    json!({"semantics": {"chaining": "reevaluate", "once_per_update": once, "max_passes": 10},
        "triggers": [
        {"id": "ping", "name": "Ping", "conditions": {"all": [{"field": "tags", "op": "includes_any", "value": "ping"}]},
         "actions": [{"action": "remove_tags", "value": "ping"}, {"action": "add_tags", "value": "pong"}]},
        {"id": "pong", "name": "Pong", "conditions": {"all": [{"field": "tags", "op": "includes_any", "value": "pong"}]},
         "actions": [{"action": "remove_tags", "value": "pong"}, {"action": "add_tags", "value": "ping"}]}
    ]})
}

#[test]
fn a_ping_pong_pair_is_a_loop_error_naming_both_rules() {
    let given = TicketBuilder::new().status(Status::Open).tag("ping");
    let note = || Command::AddNote {
        agent: BOB,
        body: "hm".into(),
    };
    let e = try_update(&engine(ping_pong(false)), &given, note(), MON, None).unwrap_err();
    match &e {
        RuleError::Loop {
            ticket,
            passes,
            rules,
        } => {
            assert_eq!(*ticket, given.build().id());
            assert_eq!(*passes, 10);
            assert_eq!(rules, &["ping", "pong"]);
        }
        other => panic!("{other:?}"),
    }
    names(&e, &["ping", "pong", "10"]);
    // Once per update, the same pair settles: each fires once.
    let eval = on_update(&engine(ping_pong(true)), &given, note(), MON);
    assert_eq!(fired(&eval), ["ping", "pong"]);
    // A trigger that may fire again but changes nothing the second time
    // settles too.
    let v = json!({"semantics": {"chaining": "reevaluate", "once_per_update": false, "max_passes": 3},
        "triggers": [{"id": "t", "name": "T", "actions": [{"action": "add_tags", "value": "seen"}]}]});
    assert_eq!(fired(&on_update(&engine(v), &given, note(), MON)), ["t"]);
}

#[test]
fn events_carry_their_rule() {
    let v = json!({"triggers": [
        {"id": "two", "name": "Two things",
         "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
         "actions": [{"action": "set_priority", "value": "high"}, {"action": "add_tags", "value": ["refund", "money"]}]},
        {"id": "noop", "name": "Adds what two added", "position": 5,
         "actions": [{"action": "add_tags", "value": "refund"}]}
    ]});
    let given = TicketBuilder::new().status(Status::Open);
    let reply = Command::customer_reply(CustomerId::from_u128(1), Channel::Email, "refund");
    let eval = on_update(&engine(v), &given, reply, MON);
    // `noop` only adds a tag `two` added already: it records nothing.
    assert_eq!(fired(&eval), ["two"]);
    let events = &eval.decision.events;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds, ["rule_fired", "priority_changed", "tags_added"]);
    let EventKind::RuleFired { firing } = &events[0].kind else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(
        (firing.rule.as_str(), firing.kind, firing.events),
        ("two", RuleKind::Trigger, 2)
    );
    assert_eq!(eval.fired[0].events, 2);
    let by = causes(events);
    assert_eq!(by[0], None);
    assert!(
        by[1..].iter().all(|f| f.is_some_and(|f| f.rule == "two")),
        "{by:?}"
    );
    // Over the whole history: the customer's reply before is nobody's doing.
    let mut history = given.events();
    history.extend(events.iter().cloned());
    let by = causes(&history);
    assert_eq!(by.iter().filter(|c| c.is_some()).count(), 2);
    // A rule whose actions change nothing records nothing.
    let v = one_trigger(
        json!([]),
        json!([{"action": "set_priority", "value": "normal"}, {"action": "remove_tags", "value": "absent"}]),
    );
    let eval = on_update(
        &engine(v),
        &given,
        Command::AddNote {
            agent: BOB,
            body: "x".into(),
        },
        MON,
    );
    assert!(
        eval.is_empty() && eval.decision.events.is_empty() && eval.refused.is_empty(),
        "{eval:?}"
    );
}

#[test]
fn triggers_run_only_on_their_update_kinds() {
    let v = json!({"triggers": [{"id": "t", "name": "T", "on": ["status_changed"],
        "actions": [{"action": "add_tags", "value": "moved"}]}]});
    let e = engine(v);
    let given = TicketBuilder::new().status(Status::Open);
    assert!(
        on_update(
            &e,
            &given,
            Command::AddNote {
                agent: BOB,
                body: "x".into()
            },
            MON
        )
        .is_empty()
    );
    assert_eq!(
        fired(&on_update(
            &e,
            &given,
            Command::status(Status::Pending),
            MON
        )),
        ["t"]
    );
}

#[test]
fn a_new_tickets_first_message_is_read_by_message_conditions() {
    let given = TicketBuilder::new().body("I want a REFUND");
    let ticket = given.build();
    let events = given.events();
    let ids = SequentialIds::new();
    let ctx = Context::new(at(MON), &ids);
    let run = |cond: Value| {
        let e = engine(
            json!({"triggers": [{"id": "t", "name": "T", "on": ["opened"],
            "conditions": {"all": [cond]}, "actions": [{"action": "add_tags", "value": "hit"}]}]}),
        );
        let u = Update {
            before: None,
            ticket: &ticket,
            events: &events,
            history: &events,
            customer: None,
        };
        !e.triggers(u, &ctx)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    };
    assert!(run(
        json!({"field": "message", "op": "contains", "value": "refund"})
    ));
    assert!(run(
        json!({"field": "message", "op": "matches", "value": "want\\s+a"})
    ));
    assert!(!run(
        json!({"field": "message", "op": "contains", "value": "refund", "from": "agent"})
    ));
    assert!(run(
        json!({"field": "message", "op": "not_contains", "value": "thanks"})
    ));
}

// ---------------------------------------------------------------- actions

fn customer(locale: Option<&str>, segment: Option<&str>, name: Option<&str>) -> Customer {
    let mut c = Customer::new(
        CustomerId::from_u128(1),
        TenantId::from_u128(1),
        Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}")),
    );
    c.locale = locale.map(str::to_owned);
    c.segment = segment.map(str::to_owned);
    c.name = name.map(str::to_owned);
    c
}

#[test]
fn every_action_does_what_it_says() {
    let given = TicketBuilder::new()
        .status(Status::Open)
        .assignee(BOB)
        .tag("keep")
        .tag("drop");
    let note = || Command::AddNote {
        agent: BOB,
        body: "x".into(),
    };
    let v = one_trigger(
        json!([]),
        json!([
            {"action": "set_status", "value": "pending"},
            {"action": "set_priority", "value": "urgent"},
            {"action": "set_group", "value": BILLING},
            {"action": "add_tags", "value": ["new", "keep"]},
            {"action": "remove_tags", "value": "drop"},
            {"action": "add_note", "text": "Internal: check the bank"},
            {"action": "reply", "template": "reminder"},
            {"action": "notify", "to": {"group": SUPPORT}, "template": "notice"},
            {"action": "apply_sla_policy", "policy": "std"}
        ]),
    );
    let e = engine(v);
    let zh = customer(Some("zh-Hant"), None, None);
    let eval = try_update(&e, &given, note(), MON, Some(&zh)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fired(&eval), ["t"], "{:?}", eval.refused);
    let t = after(&given, note(), MON, &eval);
    assert_eq!(t.status(), Status::Pending);
    assert_eq!(t.priority(), Priority::Urgent);
    // set_group keeps the assignee.
    assert_eq!((t.group(), t.assignee()), (Some(BILLING), Some(BOB)));
    let tags: Vec<&str> = t.tags().iter().map(Tag::as_str).collect();
    assert_eq!(tags, ["keep", "new"], "other tags survive");
    assert_eq!(t.sla_policy().map(|p| p.id.as_str()), Some("std"));
    // The note is internal and never in the customer's view; the reply is
    // public, in the requester's zh-Hant.
    let view = supportdesk::ticket::CustomerTicketView::of(&t);
    assert!(
        t.messages()
            .iter()
            .any(|m| m.body == "Internal: check the bank")
    );
    assert!(
        view.messages.iter().all(|m| !m.body.contains("Internal")),
        "{view:?}"
    );
    assert!(
        view.messages
            .iter()
            .any(|m| m.body == "您好，請問您還需要幫助嗎？"),
        "{view:?}"
    );
    // The notice goes to the group, with the text.
    let n: Vec<_> = eval
        .decision
        .notifications
        .iter()
        .filter(|n| !n.recipient.is_customer())
        .collect();
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].kind, NotificationKind::RuleNotice);
    assert_eq!(n[0].recipient, Recipient::Group { group: SUPPORT });
    match &n[0].content {
        NotificationContent::Agent(a) => {
            assert_eq!(
                a.message.as_ref().map(|m| m.body.as_str()),
                Some("Urgent ticket: Hello")
            );
        }
        other => panic!("{other:?}"),
    }
    // The customer hears of the public reply.
    assert_eq!(eval.fired[0].notifications, 2);
    // Events caused: status, priority, assigned, tags added, tags removed,
    // note, reply, policy.
    assert_eq!(
        eval.fired[0].events as usize,
        eval.decision.events.len() - 1
    );
    // English for a customer without a locale (the book's default).
    let eval = try_update(&e, &given, note(), MON, None).unwrap_or_else(|e| panic!("{e}"));
    let t = after(&given, note(), MON, &eval);
    assert!(
        t.messages()
            .iter()
            .any(|m| m.body.starts_with("Hi, are you still there? Ticket")),
        "{:?}",
        t.messages()
    );
}

#[test]
fn set_assignee_keeps_the_group_and_both_in_one_rule() {
    let grouped = || Command::Assign {
        agent: None,
        group: Some(SUPPORT),
    };
    let given = TicketBuilder::new().status(Status::Open);
    let e = engine(
        json!({"triggers": [{"id": "t", "name": "T", "on": ["assigned"],
        "actions": [{"action": "set_assignee", "value": BOB}]}]}),
    );
    let eval = on_update(&e, &given, grouped(), MON);
    let t = after(&given, grouped(), MON, &eval);
    assert_eq!((t.group(), t.assignee()), (Some(SUPPORT), Some(BOB)));
    let e = engine(
        json!({"triggers": [{"id": "t", "name": "T", "on": ["assigned"],
        "actions": [{"action": "set_group", "value": BILLING}, {"action": "set_assignee", "value": BOB}]}]}),
    );
    let eval = on_update(&e, &given, grouped(), MON);
    let t = after(&given, grouped(), MON, &eval);
    assert_eq!((t.group(), t.assignee()), (Some(BILLING), Some(BOB)));
    assert_eq!(eval.fired[0].events, 2);
}

// ------------------------------------------------------------- conditions

/// Whether a trigger with `cond` fires on `cmd` over `given` at `now`.
fn holds(
    cond: Value,
    given: &TicketBuilder,
    cmd: Command,
    now: &str,
    customer: Option<&Customer>,
) -> bool {
    let e = engine(one_trigger(
        json!([cond]),
        json!([{"action": "add_tags", "value": "hit"}]),
    ));
    let eval = try_update(&e, given, cmd, now, customer).unwrap_or_else(|e| panic!("{e}"));
    !eval.is_empty()
}

fn note() -> Command {
    Command::AddNote {
        agent: BOB,
        body: "note".into(),
    }
}

fn from_customer(body: &str) -> Command {
    Command::customer_reply(CustomerId::from_u128(1), Channel::Email, body)
}

#[test]
fn every_condition_field() {
    let open = TicketBuilder::new().status(Status::Open);
    let pending = TicketBuilder::new().status(Status::Pending);
    let no = None;
    // status
    let c = json!({"field": "status", "op": "changed_to", "value": "pending"});
    assert!(holds(
        c.clone(),
        &open,
        Command::status(Status::Pending),
        MON,
        no
    ));
    assert!(!holds(c, &open, Command::status(Status::Solved), MON, no));
    let c = json!({"field": "status", "op": "changed_from", "value": ["open"]});
    assert!(holds(
        c.clone(),
        &open,
        Command::status(Status::Pending),
        MON,
        no
    ));
    assert!(!holds(
        c.clone(),
        &pending,
        Command::status(Status::Open),
        MON,
        no
    ));
    assert!(!holds(c, &open, note(), MON, no));
    // priority
    let c = json!({"field": "priority", "op": "at_least", "value": "high"});
    assert!(holds(
        c.clone(),
        &open.clone().priority(Priority::High),
        note(),
        MON,
        no
    ));
    assert!(holds(
        c.clone(),
        &open.clone().priority(Priority::Urgent),
        note(),
        MON,
        no
    ));
    assert!(!holds(c, &open, note(), MON, no));
    // channel
    let c = json!({"field": "channel", "op": "is", "value": ["live_chat", "sms"]});
    assert!(holds(
        c.clone(),
        &open.clone().channel(Channel::LiveChat),
        note(),
        MON,
        no
    ));
    assert!(!holds(c, &open, note(), MON, no));
    // tags: under (hierarchy), added, removed
    let c = json!({"field": "tags", "op": "under", "value": "shipping"});
    assert!(holds(
        c.clone(),
        &open.clone().tag("shipping/late"),
        note(),
        MON,
        no
    ));
    assert!(holds(
        c.clone(),
        &open.clone().tag("shipping"),
        note(),
        MON,
        no
    ));
    assert!(!holds(
        c.clone(),
        &open.clone().tag("shipping-fee"),
        note(),
        MON,
        no
    ));
    let c = json!({"field": "tags", "op": "not_under", "value": "shipping"});
    assert!(holds(
        c.clone(),
        &open.clone().tag("shipping-fee"),
        note(),
        MON,
        no
    ));
    let c = json!({"field": "tags", "op": "added", "value": "vip"});
    assert!(holds(
        c.clone(),
        &open,
        Command::AddTags {
            tags: vec![tag("vip")]
        },
        MON,
        no
    ));
    assert!(!holds(c, &open.clone().tag("vip"), note(), MON, no));
    let c = json!({"field": "tags", "op": "removed", "value": "vip"});
    assert!(holds(
        c.clone(),
        &open.clone().tag("vip"),
        Command::RemoveTags {
            tags: vec![tag("vip")]
        },
        MON,
        no
    ));
    assert!(!holds(c, &open.clone().tag("vip"), note(), MON, no));
    // tag_kind what / why, with the taxonomy
    let declined = open.clone().tag("payment/declined");
    assert!(holds(
        json!({"field": "tag_kind", "op": "present", "value": "what"}),
        &declined,
        note(),
        MON,
        no
    ));
    assert!(!holds(
        json!({"field": "tag_kind", "op": "present", "value": "why"}),
        &declined,
        note(),
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "tag_kind", "op": "absent", "value": "why"}),
        &declined,
        note(),
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "tag_kind", "op": "present", "value": "why"}),
        &declined.clone().tag("cause/bank"),
        note(),
        MON,
        no
    ));
    // group / assignee: is_set, changed
    let grouped = Command::Assign {
        agent: None,
        group: Some(SUPPORT),
    };
    assert!(holds(
        json!({"field": "group", "op": "is_set"}),
        &open,
        grouped.clone(),
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "group", "op": "changed"}),
        &open,
        grouped.clone(),
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "group", "op": "is", "value": SUPPORT}),
        &open,
        grouped.clone(),
        MON,
        no
    ));
    assert!(!holds(
        json!({"field": "group", "op": "is_set"}),
        &open,
        note(),
        MON,
        no
    ));
    assert!(!holds(
        json!({"field": "group", "op": "changed"}),
        &open,
        note(),
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "assignee", "op": "is_set"}),
        &open.clone().assignee(BOB),
        note(),
        MON,
        no
    ));
    assert!(!holds(
        json!({"field": "assignee", "op": "changed"}),
        &open.clone().assignee(BOB),
        note(),
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "assignee", "op": "changed"}),
        &open,
        Command::Assign {
            agent: Some(BOB),
            group: None
        },
        MON,
        no
    ));
    assert!(holds(
        json!({"field": "assignee", "op": "not_set"}),
        &open,
        grouped,
        MON,
        no
    ));
    // segment
    let vip = customer(None, Some("vip"), None);
    let plain = customer(None, None, None);
    let c = json!({"field": "segment", "op": "is", "value": "vip"});
    assert!(holds(c.clone(), &open, note(), MON, Some(&vip)));
    assert!(!holds(c.clone(), &open, note(), MON, Some(&plain)));
    assert!(!holds(c, &open, note(), MON, None));
    assert!(holds(
        json!({"field": "segment", "op": "is_not", "value": "vip"}),
        &open,
        note(),
        MON,
        Some(&plain)
    ));
    // origin
    assert!(holds(
        json!({"field": "origin", "value": "reactive"}),
        &open,
        note(),
        MON,
        no
    ));
    assert!(!holds(
        json!({"field": "origin", "value": "proactive"}),
        &open,
        note(),
        MON,
        no
    ));
    // message: contains (case-insensitive), matches; from customer vs agent
    let c = json!({"field": "message", "op": "contains", "value": "REFUND"});
    assert!(holds(
        c.clone(),
        &open,
        from_customer("I want a Refund now"),
        MON,
        no
    ));
    assert!(!holds(
        c.clone(),
        &open,
        Command::agent_reply(BOB, "refund is on its way"),
        MON,
        no
    ));
    assert!(!holds(c.clone(), &open, note(), MON, no));
    let c = json!({"field": "message", "op": "contains", "value": "refund", "from": "agent"});
    assert!(holds(
        c.clone(),
        &open,
        Command::agent_reply(BOB, "Your REFUND is on its way"),
        MON,
        no
    ));
    assert!(!holds(c.clone(), &open, from_customer("refund"), MON, no));
    assert!(
        !holds(
            c,
            &open,
            Command::AddNote {
                agent: BOB,
                body: "refund".into()
            },
            MON,
            no
        ),
        "a note is not a public reply"
    );
    let c = json!({"field": "message", "op": "matches", "value": "order\\s+#?\\d{3,}"});
    assert!(holds(
        c.clone(),
        &open,
        from_customer("Where is my ORDER #1234?"),
        MON,
        no
    ));
    assert!(!holds(
        c,
        &open,
        from_customer("Where is my order?"),
        MON,
        no
    ));
    let c = json!({"field": "message", "op": "not_contains", "value": ["thanks", "谢谢"]});
    assert!(holds(c.clone(), &open, from_customer("help"), MON, no));
    assert!(!holds(c, &open, from_customer("多谢谢"), MON, no));
    // subject
    let parcel = TicketBuilder::new()
        .body("Parcel late\nWhere is it?")
        .status(Status::Open);
    assert!(holds(
        json!({"field": "subject", "op": "contains", "value": "PARCEL"}),
        &parcel,
        note(),
        MON,
        no
    ));
    assert!(!holds(
        json!({"field": "subject", "op": "matches", "value": "^where"}),
        &parcel,
        note(),
        MON,
        no
    ));
    // business hours on a calendar (Mon 11:00 Berlin open; Sat closed)
    let c = json!({"field": "business_hours", "calendar": "berlin", "value": true});
    assert!(holds(c.clone(), &open, note(), MON, no));
    assert!(!holds(c, &open, note(), "2026-03-07T10:00:00Z", no));
    assert!(holds(
        json!({"field": "business_hours", "calendar": "berlin", "value": false}),
        &open,
        note(),
        "2026-03-02T17:30:00Z",
        no
    ));
    // time since, business vs calendar time: opened Mon 2026-01-05 10:00
    // Berlin; Tue 09:30 Berlin is 23.5 calendar hours and 7.5 business hours
    // later.
    let tue = "2026-01-06T08:30:00Z";
    let since = |calendar: Option<&str>, op: &str| {
        let mut c = json!({"field": "time_since", "event": "created", "op": op, "hours": 8});
        if let Some(cal) = calendar {
            c["calendar"] = json!(cal);
        }
        c
    };
    assert!(holds(since(None, "at_least"), &open, note(), tue, no));
    assert!(!holds(
        since(Some("berlin"), "at_least"),
        &open,
        note(),
        tue,
        no
    ));
    assert!(holds(
        since(Some("berlin"), "less_than"),
        &open,
        note(),
        tue,
        no
    ));
    assert!(holds(
        since(Some("berlin"), "at_least"),
        &open,
        note(),
        "2026-01-06T09:00:00Z",
        no
    ));
    // SLA: first reply within 2 business hours from the opening (Mon 10:00
    // Berlin): running at 10:30, breached at 15:00.
    let apply = || Command::ApplySlaPolicy {
        policy: Box::new(policy()),
    };
    let breached =
        json!({"field": "sla", "metric": "first_reply", "op": "is", "value": "breached"});
    let running = json!({"field": "sla", "metric": "first_reply", "op": "is", "value": "running"});
    let new = TicketBuilder::new();
    assert!(holds(
        running.clone(),
        &new,
        apply(),
        "2026-01-05T09:30:00Z",
        no
    ));
    assert!(!holds(
        breached.clone(),
        &new,
        apply(),
        "2026-01-05T09:30:00Z",
        no
    ));
    assert!(holds(breached, &new, apply(), "2026-01-05T14:00:00Z", no));
    assert!(!holds(running, &new, apply(), "2026-01-05T14:00:00Z", no));
    assert!(holds(
        json!({"field": "sla", "metric": "first_reply", "op": "is", "value": "none"}),
        &new,
        note(),
        MON,
        no
    ));
    // satisfaction
    let solved = TicketBuilder::new().status(Status::Solved);
    let rate = |s: i64| Command::RateSatisfaction {
        score: supportdesk::ticket::Csat::new(s).unwrap_or_else(|e| panic!("{e}")),
        comment: None,
    };
    let c = json!({"field": "satisfaction", "op": "at_most", "value": 2});
    assert!(holds(c.clone(), &solved, rate(1), MON, no));
    assert!(holds(c.clone(), &solved, rate(2), MON, no));
    assert!(!holds(c.clone(), &solved, rate(4), MON, no));
    assert!(!holds(c, &open, note(), MON, no), "unrated");
}

#[test]
fn any_needs_one_and_all_needs_every_one() {
    let v = json!({"triggers": [{"id": "t", "name": "T",
        "conditions": {
            "all": [{"field": "status", "op": "is", "value": "open"}],
            "any": [{"field": "priority", "op": "is", "value": "urgent"},
                    {"field": "tags", "op": "includes_any", "value": "vip"}]},
        "actions": [{"action": "add_tags", "value": "hit"}]}]});
    let e = engine(v);
    let open = TicketBuilder::new().status(Status::Open);
    assert!(on_update(&e, &open, note(), MON).is_empty());
    assert!(!on_update(&e, &open.clone().tag("vip"), note(), MON).is_empty());
    assert!(!on_update(&e, &open.clone().priority(Priority::Urgent), note(), MON).is_empty());
    let pending = TicketBuilder::new().status(Status::Pending).tag("vip");
    assert!(on_update(&e, &pending, note(), MON).is_empty());
}

// ----------------------------------------------------------- scenarios

fn planner(rules: Value) -> Planner {
    Planner::new()
        .with_ids(SequentialIds::new())
        .with_sla(policies(), calendars())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_rule_book(book(rules), templates())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn scenario_a_macro_and_the_trigger_after_it() {
    use supportdesk::testing::Scenario;
    let given = TicketBuilder::new().status(Status::Open);
    let id = given.build().id();
    let then = Scenario::given(given)
        .given_customer(customer(None, None, Some("Ana Silva")))
        .planner(planner(macros()))
        .when_macro_applied(id, "ask-photo", BOB)
        .then_fired(&["ask-photo", "waiting"])
        .then_status(Status::Pending);
    assert!(then.output().refused_rules.is_empty());
    // An unknown macro is an error and nothing is planned.
    Scenario::given(TicketBuilder::new().status(Status::Open))
        .planner(planner(macros()))
        .when_macro_applied(id, "nope", BOB)
        .then_error(|e| matches!(e, DeskError::Rules(RuleError::UnknownMacro { .. })));
}

#[test]
fn scenario_a_tick_fires_a_due_automation_and_its_triggers() {
    use supportdesk::testing::Scenario;
    let mut rules = reminders();
    rules["triggers"] = json!([{"id": "after-solve", "name": "After solve", "on": ["status_changed"],
        "conditions": {"all": [{"field": "status", "op": "changed_to", "value": "solved"}]},
        "actions": [{"action": "add_note", "text": "Solved by the automation"}]}]);
    // Pending at Mon 2026-01-05 09:03 UTC (the builder's third minute),
    // 48 business hours later is Mon 2026-01-12 10:03 Berlin... so a tick on
    // Wed 2026-01-14 finds both automations overdue: they fire in order.
    let given = TicketBuilder::new().status(Status::Pending);
    let id = given.build().id();
    Scenario::given(given)
        .planner(planner(rules.clone()))
        .at(at("2026-01-14T12:00:00Z"))
        .when_ticked(id)
        .then_fired(&["remind", "solve", "after-solve"])
        .then_status(Status::Solved);
    // Not due yet: nothing fires.
    Scenario::given(TicketBuilder::new().status(Status::Pending))
        .planner(planner(rules))
        .at(at("2026-01-06T12:00:00Z"))
        .when_ticked(id)
        .then_fired(&[]);
}

// ------------------------------------------------------------ through the desk

use support::Driver;

/// Rewrites a customer record in the store (locale, segment and zone are
/// the host's data; the desk has no command for them).
fn update_customer(store: &InMemoryStore, id: CustomerId, f: impl FnOnce(&mut Customer)) {
    let mut c = TicketStore::customer(store, SHOP, id)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no customer {id}"));
    let expected = ExpectedVersion::Version(c.version);
    f(&mut c);
    c.version += 1;
    let mut commit = Commit::new(SHOP);
    commit.customers.push(CustomerWrite::new(expected, c));
    TicketStore::commit(store, &commit).unwrap_or_else(|e| panic!("{e}"));
}

fn reminders() -> Value {
    json!({"automations": [
        {"id": "remind", "name": "Remind after 24 business hours pending",
         "after": {"event": "status_changed", "hours": 24, "calendar": "berlin"},
         "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
         "actions": [{"action": "reply", "template": "reminder"}]},
        {"id": "solve", "name": "Solve after 48 business hours pending",
         "after": {"event": "status_changed", "hours": 48, "calendar": "berlin"},
         "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
         "actions": [{"action": "set_status", "value": "solved"}]}
    ]})
}

fn names_of(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

/// The automation firings in `events`: (rule, due).
fn automation_firings(events: &[Event]) -> Vec<(String, Option<DateTime<Utc>>)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RuleFired { firing } if firing.kind == RuleKind::Automation => {
                Some((firing.rule.clone(), firing.due))
            }
            _ => None,
        })
        .collect()
}

fn macros() -> Value {
    json!({
        "agents": {BOB.to_string(): "Bob Lee"},
        "macros": [
            {"id": "ask-photo", "name": "Ask for a photo", "reply": "thanks", "then": "pending",
             "actions": [{"action": "add_tags", "value": "photo-asked"}]},
            {"id": "dear", "name": "Dear", "reply": "named"}
        ],
        "triggers": [{"id": "waiting", "name": "Tag waiting", "on": ["status_changed"],
            "conditions": {"all": [{"field": "status", "op": "changed_to", "value": "pending"}]},
            "actions": [{"action": "add_tags", "value": "waiting"}]}]
    })
}

support::for_both_drivers! {

type D = Driven<InMemoryStore, RecordingNotifier, ManualClock>;

fn desk_with(rules: Value, now: &str) -> D {
    desk_quality(rules, now, None)
}

fn desk_quality(rules: Value, now: &str, quality: Option<ReplyQuality>) -> D {
    let d = base(now).with_rule_book(book(rules), templates()).unwrap_or_else(|e| panic!("{e}"));
    drive(match quality {
        Some(q) => d.with_reply_quality(q),
        None => d,
    })
}

/// A desk with the SLA setup, before its rule book.
fn base(now: &str) -> TheDesk<InMemoryStore, RecordingNotifier, ManualClock> {
    TheDesk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::at(now).unwrap_or_else(|e| panic!("{e}")),
    )
    .with_ids(SequentialIds::new())
    .with_sla(policies(), calendars())
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn with_a_taxonomy_rules_adding_unknown_tags_are_refused_and_reported() {
    let rules = json!({"triggers": [
        {"id": "unknown", "name": "Unknown tag", "position": 1, "actions": [{"action": "add_tags", "value": "not-in-taxonomy"}]},
        {"id": "known", "name": "Known tag", "position": 2,
         "conditions": {"all": [{"field": "tag_kind", "op": "absent", "value": "what"}]},
         "actions": [{"action": "add_tags", "value": "payment/declined"}]}
    ]});
    let d = drive(
        base("2026-03-02T09:00:00Z")
            .with_taxonomy(taxonomy())
            .with_rule_book(book(rules), templates())
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let (id, _) = ana_writes(&d, "ana@example.com", "Hello");
    let out = d.execute(SHOP, id, note()).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    // Nothing to do on this update: `known` fired when the ticket opened.
    assert!(out.refused_rules.iter().all(|r| r.rule == "unknown"), "{out:?}");
    let h = d.history(SHOP, id).unwrap();
    let fired: Vec<&str> = h.iter().filter_map(|e| match &e.kind {
        EventKind::RuleFired { firing } => Some(firing.rule.as_str()),
        _ => None,
    }).collect();
    assert_eq!(fired, ["known"], "{DRIVER}");
    assert!(d.ticket(SHOP, id).unwrap().has_tag(&tag("payment/declined")));
    assert_eq!(out.refused_rules.len(), 1, "{DRIVER}: {:?}", out.refused_rules);
    assert!(out.refused_rules[0].reason.contains("not-in-taxonomy"), "{}", out.refused_rules[0].reason);
}

/// Ana writes at the clock's time; returns the ticket and her id.
fn ana_writes(d: &D, who: &str, body: &str) -> (TicketId, CustomerId) {
    let email = Identity::email(who).unwrap_or_else(|e| panic!("{e}"));
    let r = d
        .receive(SHOP, Inbound::new(email, Channel::Email, body).subject("Parcel"))
        .unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    (r.ticket, r.customer)
}

fn set_clock(d: &D, s: &str) {
    d.clock().set(at(s));
}

fn pending(d: &D, id: TicketId) {
    d.execute(SHOP, id, Command::AgentReply { agent: BOB, channel: None, body: "Could you send a photo?".into(), then: Some(Status::Pending) })
        .unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
}

/// Sweeps at the clock's time; no ticket fails.
fn sweep(d: &D) {
    let report = d.sweep(100).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert!(report.failed.is_empty(), "{DRIVER}: {:?}", report.failed);
}

fn firings_of(d: &D, id: TicketId) -> Vec<(String, Option<DateTime<Utc>>)> {
    automation_firings(&d.history(SHOP, id).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn since_the_last_update_counts_people_not_the_automation_itself() {
    // A day after anyone last touched it: the automation's own reply does
    // not restart the day, so it fires once, not every day.
    let rules = json!({"automations": [{"id": "stale", "name": "Stale",
        "after": {"event": "updated", "hours": 24},
        "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
        "actions": [{"action": "reply", "template": "reminder"}]}]});
    let d = desk_with(rules, "2026-03-02T09:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "My parcel is late");
    set_clock(&d, "2026-03-02T10:00:00Z");
    pending(&d, id);
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-03-03T10:00:00Z")), "{DRIVER}");
    set_clock(&d, "2026-03-03T10:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id).len(), 1, "{DRIVER}");
    set_clock(&d, "2026-03-10T10:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id).len(), 1, "{DRIVER}: fired again after its own reply");
    // A person's change is a new update: a day later it fires again, once.
    d.execute(SHOP, id, note()).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-03-11T10:00:00Z")), "{DRIVER}");
    set_clock(&d, "2026-03-11T10:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id).len(), 2, "{DRIVER}");
}

#[test]
fn automations_fire_once_at_the_instant_skipping_the_weekend() {
    let d = desk_with(reminders(), "2026-03-06T14:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "My parcel is late");
    // Friday 16:00 Berlin: pending.
    set_clock(&d, "2026-03-06T15:00:00Z");
    pending(&d, id);
    // 24 business hours: Fri 16-17 (1), Mon (9), Tue (17), Wed 09-16 (24).
    let wed = at("2026-03-11T15:00:00Z");
    assert_eq!(d.next_wakeup().unwrap(), Some(wed), "{DRIVER}");
    set_clock(&d, "2026-03-11T14:59:00Z");
    sweep(&d);
    assert!(firings_of(&d, id).is_empty(), "{DRIVER}: fired early");
    set_clock(&d, "2026-03-11T15:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id), [("remind".to_owned(), Some(wed))], "{DRIVER}");
    let h = d.history(SHOP, id).unwrap();
    let tail: Vec<&str> = names_of(&h).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["automated_reply_sent", "rule_fired"], "{DRIVER}");
    let t = d.ticket(SHOP, id).unwrap();
    assert_eq!(t.status(), Status::Pending);
    assert!(t.messages().last().is_some_and(|m| m.body.starts_with("Hi, are you still there?")));
    // A second sweep at the same instant fires nothing.
    sweep(&d);
    assert_eq!(firings_of(&d, id).len(), 1, "{DRIVER}: fired twice");
    // Solve after 48 business hours: Fri 1 + a week's 40 + Mon 09-16.
    let mon = at("2026-03-16T15:00:00Z");
    assert_eq!(d.next_wakeup().unwrap(), Some(mon), "{DRIVER}");
    set_clock(&d, "2026-03-16T14:59:59Z");
    sweep(&d);
    assert_eq!(d.ticket(SHOP, id).unwrap().status(), Status::Pending);
    set_clock(&d, "2026-03-16T15:00:00Z");
    sweep(&d);
    assert_eq!(
        firings_of(&d, id),
        [("remind".to_owned(), Some(wed)), ("solve".to_owned(), Some(mon))],
        "{DRIVER}"
    );
    assert_eq!(d.ticket(SHOP, id).unwrap().status(), Status::Solved);
    assert_eq!(d.next_wakeup().unwrap(), None, "{DRIVER}");
}

#[test]
fn automations_count_business_hours_across_the_dst_change() {
    let d = desk_with(reminders(), "2026-03-27T14:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "My parcel is late");
    // Friday 2026-03-27 16:00 CET; Berlin moves to CEST on Sunday 29th.
    set_clock(&d, "2026-03-27T15:00:00Z");
    pending(&d, id);
    // Wednesday 2026-04-01 16:00 CEST is 14:00 UTC.
    let wed = at("2026-04-01T14:00:00Z");
    assert_eq!(d.next_wakeup().unwrap(), Some(wed), "{DRIVER}");
    set_clock(&d, "2026-04-01T13:59:00Z");
    sweep(&d);
    assert!(firings_of(&d, id).is_empty(), "{DRIVER}: fired early");
    set_clock(&d, "2026-04-01T14:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id), [("remind".to_owned(), Some(wed))], "{DRIVER}");
}

#[test]
fn a_customer_reply_before_the_instant_cancels_and_pending_again_reanchors() {
    let d = desk_with(reminders(), "2026-03-06T14:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "My parcel is late");
    set_clock(&d, "2026-03-06T15:00:00Z");
    pending(&d, id);
    // Tuesday: Ana answers; the ticket reopens.
    set_clock(&d, "2026-03-10T10:00:00Z");
    ana_writes(&d, "ana@example.com", "Here is the photo");
    assert_eq!(d.ticket(SHOP, id).unwrap().status(), Status::Open);
    assert_eq!(d.next_wakeup().unwrap(), None, "{DRIVER}");
    set_clock(&d, "2026-03-11T15:00:00Z");
    sweep(&d);
    assert!(firings_of(&d, id).is_empty(), "{DRIVER}");
    // Wednesday 10:00 Berlin: pending again; 24 business hours later is
    // Monday 10:00 (Wed 7 + Thu 8 + Fri 8 + Mon 1).
    set_clock(&d, "2026-03-11T09:00:00Z");
    pending(&d, id);
    let due = at("2026-03-16T09:00:00Z");
    assert_eq!(d.next_wakeup().unwrap(), Some(due), "{DRIVER}");
    set_clock(&d, "2026-03-16T09:00:00Z");
    sweep(&d);
    sweep(&d);
    assert_eq!(firings_of(&d, id), [("remind".to_owned(), Some(due))], "{DRIVER}");
}

#[test]
fn the_per_ticket_budget_stops_firings() {
    let mut rules = reminders();
    rules["budget"] = json!({"max_automation_firings_per_ticket": 1});
    let d = desk_with(rules, "2026-03-06T14:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "My parcel is late");
    set_clock(&d, "2026-03-06T15:00:00Z");
    pending(&d, id);
    set_clock(&d, "2026-03-11T15:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id).len(), 1, "{DRIVER}");
    assert_eq!(d.next_wakeup().unwrap(), None, "{DRIVER}: due after the budget is spent");
    set_clock(&d, "2026-03-20T15:00:00Z");
    sweep(&d);
    assert_eq!(firings_of(&d, id).len(), 1, "{DRIVER}");
    assert_eq!(d.ticket(SHOP, id).unwrap().status(), Status::Pending);
}

#[test]
fn the_per_sweep_budget_leaves_the_rest_for_the_next_sweep() {
    let mut rules = reminders();
    rules["budget"] = json!({"max_automation_tickets_per_sweep": 2});
    let d = desk_with(rules, "2026-03-06T14:00:00Z");
    let ids: Vec<TicketId> = (0..5)
        .map(|i| ana_writes(&d, &format!("c{i}@example.com"), "late").0)
        .collect();
    set_clock(&d, "2026-03-06T15:00:00Z");
    for id in &ids {
        pending(&d, *id);
    }
    set_clock(&d, "2026-03-11T15:00:00Z");
    let fired = |d: &D| ids.iter().filter(|id| !firings_of(d, **id).is_empty()).count();
    sweep(&d);
    assert_eq!(fired(&d), 2, "{DRIVER}");
    sweep(&d);
    assert_eq!(fired(&d), 4, "{DRIVER}");
    sweep(&d);
    assert_eq!(fired(&d), 5, "{DRIVER}");
    assert!(ids.iter().all(|id| firings_of(&d, *id).len() == 1));
}

#[test]
fn refused_automations_are_reported_and_not_retried() {
    // `named` needs the customer's first name; Ana gave none.
    let rules = json!({"automations": [{"id": "greet", "name": "Greet",
        "after": {"event": "status_changed", "hours": 1},
        "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
        "actions": [{"action": "reply", "template": "named"}]}]});
    let d = desk_with(rules, "2026-03-06T14:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "My parcel is late");
    set_clock(&d, "2026-03-06T15:00:00Z");
    pending(&d, id);
    assert_eq!(d.next_wakeup().unwrap(), Some(at("2026-03-06T16:00:00Z")));
    set_clock(&d, "2026-03-06T16:00:00Z");
    let out = d.tick(SHOP, id).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert_eq!(out.refused_rules.len(), 1, "{DRIVER}: {out:?}");
    let r = &out.refused_rules[0];
    assert_eq!((r.rule.as_str(), r.kind, r.ticket), ("greet", RuleKind::Automation, id));
    assert!(r.reason.contains("first_name"), "{}", r.reason);
    // Recorded with no effect, so it is not due again for this anchor.
    assert_eq!(names_of(&out.events), ["rule_fired"], "{DRIVER}");
    assert_eq!(d.next_wakeup().unwrap(), None, "{DRIVER}");
    let again = d.tick(SHOP, id).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert!(again.refused_rules.is_empty() && again.events.is_empty(), "{DRIVER}: {again:?}");
}

#[test]
fn a_loop_through_the_desk_changes_nothing() {
    let d = desk_with(ping_pong(false), "2026-03-02T09:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "Hello");
    d.execute(SHOP, id, Command::AddTags { tags: vec![tag("other")] }).unwrap();
    let before = d.ticket(SHOP, id).unwrap();
    let history = d.history(SHOP, id).unwrap().len();
    let sent = d.notifier().sent().len();
    let e = d.execute(SHOP, id, Command::AddTags { tags: vec![tag("ping")] }).unwrap_err();
    assert!(
        matches!(&e, DeskError::Rules(RuleError::Loop { rules, .. }) if rules == &["ping", "pong"]),
        "{DRIVER}: {e:?}"
    );
    assert_eq!(d.ticket(SHOP, id).unwrap().version(), before.version());
    assert_eq!(d.history(SHOP, id).unwrap().len(), history);
    assert_eq!(d.notifier().sent().len(), sent);
}

#[test]
fn macros_reply_as_the_agent_then_triggers_run() {
    let d = desk_with(macros(), "2026-03-02T09:00:00Z");
    let email = Identity::email("ana@example.com").unwrap();
    let r = d.receive(SHOP, Inbound::new(email, Channel::Email, "Broken vase").name("Ana Silva")).unwrap();
    let id = r.ticket;
    d.clock().advance(chrono::Duration::minutes(30));
    let out = d.apply_macro(SHOP, id, "ask-photo", BOB).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert_eq!(
        names_of(&out.events),
        ["rule_fired", "agent_replied", "status_changed", "tags_added", "rule_fired", "tags_added"],
        "{DRIVER}"
    );
    let EventKind::RuleFired { firing } = &out.events[0].kind else { panic!() };
    assert_eq!((firing.rule.as_str(), firing.kind, firing.events), ("ask-photo", RuleKind::Macro, 3));
    let EventKind::RuleFired { firing } = &out.events[4].kind else { panic!() };
    assert_eq!((firing.rule.as_str(), firing.kind), ("waiting", RuleKind::Trigger));
    let t = &out.ticket;
    assert_eq!(t.status(), Status::Pending);
    let tags: Vec<&str> = t.tags().iter().map(Tag::as_str).collect();
    assert_eq!(tags, ["photo-asked", "waiting"]);
    // The reply is Bob's, rendered with his name from the book, and it is
    // his first reply (the SLA's first-reply target is met).
    let first = t.first_agent_reply().unwrap_or_else(|| panic!("{DRIVER}: no first reply"));
    assert_eq!(first.body, "Thanks Ana Silva, Bob Lee here. We are on it.");
    let report = d.sla_report(SHOP, id).unwrap();
    let fr = report.latest("first_reply").unwrap_or_else(|| panic!("no first_reply"));
    assert_eq!(fr.state, supportdesk::sla::TargetState::Fulfilled, "{DRIVER}");
    // Unknown macro.
    let e = d.apply_macro(SHOP, id, "nope", BOB).unwrap_err();
    assert!(matches!(&e, DeskError::Rules(RuleError::UnknownMacro { id }) if id == "nope"), "{DRIVER}: {e:?}");
}

#[test]
fn a_macro_missing_a_value_is_refused_and_changes_nothing() {
    let d = desk_with(macros(), "2026-03-02T09:00:00Z");
    let (id, _) = ana_writes(&d, "ana@example.com", "Hello");
    let before = d.ticket(SHOP, id).unwrap();
    let sent = d.notifier().sent().len();
    let e = d.apply_macro(SHOP, id, "dear", BOB).unwrap_err();
    assert!(
        matches!(&e, DeskError::Rules(RuleError::Refused { rule, reason }) if rule == "dear" && reason.contains("first_name")),
        "{DRIVER}: {e:?}"
    );
    assert_eq!(d.ticket(SHOP, id).unwrap(), before);
    assert_eq!(d.notifier().sent().len(), sent);
}

#[test]
fn preview_shows_the_firings_and_writes_nothing() {
    let d = desk_with(chained("zendesk"), "2026-03-02T09:00:00Z");
    let (id, customer) = ana_writes(&d, "ana@example.com", "Hello");
    let before = d.ticket(SHOP, id).unwrap();
    let history = d.history(SHOP, id).unwrap();
    let cmd = Command::customer_reply(customer, Channel::Email, "I want a refund");
    let out = d.preview(plan::Execute::new(SHOP, id, cmd.clone())).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    let fired: Vec<&str> = out.events.iter().filter_map(|e| match &e.kind {
        EventKind::RuleFired { firing } => Some(firing.rule.as_str()),
        _ => None,
    }).collect();
    assert_eq!(fired, ["a", "b", "c1", "c2"], "{DRIVER}");
    assert_eq!(out.ticket.priority(), Priority::Urgent);
    assert_eq!(d.ticket(SHOP, id).unwrap(), before);
    assert_eq!(d.history(SHOP, id).unwrap(), history);
    // Run for real: the same firings.
    let real = d.execute(SHOP, id, cmd).unwrap();
    assert_eq!(names_of(&real.events), names_of(&out.events));
}

#[test]
fn reply_quality_advises_blocks_and_reads_the_customers_language() {
    let shipped = || ReplyQuality::shipped().unwrap_or_else(|e| panic!("{e}"));
    let d = desk_quality(json!({}), "2026-03-02T09:00:00Z", Some(shipped()));
    let (id, customer) = ana_writes(&d, "ana@example.com", "Hello");
    let bad = "Unfortunately that's our policy.";
    let out = d.execute(SHOP, id, Command::agent_reply(BOB, bad)).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    let q = out.quality.unwrap_or_else(|| panic!("{DRIVER}: no quality report"));
    assert!(q.score < 100, "{q:?}");
    assert!(q.findings.iter().any(|f| f.rule_id.starts_with("en.")), "{q:?}");
    // Notes are not checked.
    let out = d.execute(SHOP, id, Command::AddNote { agent: BOB, body: bad.into() }).unwrap();
    assert!(out.quality.is_none());

    let d = desk_quality(json!({}), "2026-03-02T09:00:00Z", Some(shipped().blocking_below(90)));
    let (id, customer2) = ana_writes(&d, "ana@example.com", "Hello");
    let _ = customer;
    let before = d.ticket(SHOP, id).unwrap();
    let e = d.execute(SHOP, id, Command::agent_reply(BOB, bad)).unwrap_err();
    assert!(matches!(&e, DeskError::ReplyQuality { score, min: 90, findings } if *score < 90 && !findings.is_empty()), "{DRIVER}: {e:?}");
    assert_eq!(d.ticket(SHOP, id).unwrap(), before);
    // A zh-Hans customer's reply is checked with the zh-Hans set.
    update_customer(d.store(), customer2, |c| c.locale = Some("zh-Hans".into()));
    let e = d.execute(SHOP, id, Command::agent_reply(BOB, "很遗憾，我们无法退款，这是公司规定。")).unwrap_err();
    match &e {
        DeskError::ReplyQuality { findings, .. } => {
            assert!(findings.iter().all(|f| f.rule_id.starts_with("zh-Hans.")), "{findings:?}");
            assert!(!findings.is_empty());
        }
        other => panic!("{DRIVER}: {other:?}"),
    }
}

#[test]
fn reply_quality_advice_never_refuses_a_reply_the_lifecycle_allows() {
    // The host allows 2 MiB bodies; the quality checker reads at most
    // 1 MiB. As advice, an over-long reply is recorded without a report.
    let rules = supportdesk::ticket::LifecycleRules { max_body_bytes: 2 << 20, ..Default::default() };
    let shipped = || ReplyQuality::shipped().unwrap_or_else(|e| panic!("{e}"));
    let d = drive(
        base("2026-03-02T09:00:00Z")
            .with_rules(rules.clone())
            .with_reply_quality(shipped()),
    );
    let (id, _) = ana_writes(&d, "ana@example.com", "Hello");
    let long = "Thanks. ".repeat((3 << 20) / 16);
    assert!(long.len() > supportdesk::quality::MAX_TEXT_BYTES && long.len() <= rules.max_body_bytes);
    let out = d.execute(SHOP, id, Command::agent_reply(BOB, long.clone())).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert!(out.quality.is_none());
    assert_eq!(out.ticket.messages().last().map(|m| m.body.len()), Some(long.len()));
    // Blocking, the host asked for every reply to be judged: refused.
    let d = drive(
        base("2026-03-02T09:00:00Z")
            .with_rules(rules)
            .with_reply_quality(shipped().blocking_below(50)),
    );
    let (id, _) = ana_writes(&d, "ana@example.com", "Hello");
    let e = d.execute(SHOP, id, Command::agent_reply(BOB, long)).unwrap_err();
    assert!(matches!(e, DeskError::Quality(_)), "{DRIVER}: {e:?}");
}

#[test]
fn macro_replies_are_checked_and_notices_reach_the_notifier() {
    let mut rules = macros();
    rules["triggers"] = json!([{"id": "tell", "name": "Tell billing", "on": ["customer_replied"],
        "conditions": {"all": [{"field": "message", "op": "contains", "value": "invoice"}]},
        "actions": [{"action": "notify", "to": {"group": BILLING}, "text": "Invoice question"}]}]);
    let q = ReplyQuality::shipped().unwrap_or_else(|e| panic!("{e}"));
    let d = desk_quality(rules, "2026-03-02T09:00:00Z", Some(q));
    let email = Identity::email("ana@example.com").unwrap();
    let r = d.receive(SHOP, Inbound::new(email.clone(), Channel::Email, "Hello").name("Ana Silva")).unwrap();
    let out = d.apply_macro(SHOP, r.ticket, "ask-photo", BOB).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    assert!(out.quality.is_some(), "{DRIVER}: the macro's reply was not checked");
    d.receive(SHOP, Inbound::new(email, Channel::Email, "And my INVOICE?")).unwrap();
    let notices: Vec<_> = d
        .notifier()
        .sent()
        .into_iter()
        .filter(|n| n.kind == NotificationKind::RuleNotice)
        .collect();
    assert_eq!(notices.len(), 1, "{DRIVER}: {notices:?}");
    assert_eq!(notices[0].recipient, Recipient::Group { group: BILLING });
    match &notices[0].content {
        NotificationContent::Agent(a) => {
            assert_eq!(a.message.as_ref().map(|m| m.body.as_str()), Some("Invoice question"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn automated_replies_follow_the_customers_locale_through_the_desk() {
    let d = desk_with(reminders(), "2026-03-06T14:00:00Z");
    let (id, customer) = ana_writes(&d, "ana@example.com", "包裹遲到了");
    update_customer(d.store(), customer, |c| c.locale = Some("zh-Hant".into()));
    set_clock(&d, "2026-03-06T15:00:00Z");
    pending(&d, id);
    set_clock(&d, "2026-03-11T15:00:00Z");
    sweep(&d);
    let view = d.customer_view(SHOP, id, customer).unwrap();
    assert_eq!(view.messages.last().map(|m| m.body.as_str()), Some("您好，請問您還需要幫助嗎？"), "{DRIVER}");
}

#[test]
fn segment_conditions_read_the_stored_customer() {
    let rules = json!({"triggers": [{"id": "vip", "name": "VIP", "on": ["customer_replied"],
        "conditions": {"all": [{"field": "segment", "op": "is", "value": "vip"}]},
        "actions": [{"action": "set_priority", "value": "urgent"}]}]});
    let d = desk_with(rules, "2026-03-02T09:00:00Z");
    let (id, customer) = ana_writes(&d, "ana@example.com", "Hello");
    assert_eq!(d.ticket(SHOP, id).unwrap().priority(), Priority::Normal);
    update_customer(d.store(), customer, |c| c.segment = Some("vip".into()));
    ana_writes(&d, "ana@example.com", "Hello again");
    assert_eq!(d.ticket(SHOP, id).unwrap().priority(), Priority::Urgent, "{DRIVER}");
}

#[test]
fn a_maximum_size_message_against_text_conditions_completes() {
    let rules = json!({"triggers": [
        {"id": "m", "name": "M", "conditions": {"all": [{"field": "message", "op": "matches", "value": "(a|b)*c$"}]},
         "actions": [{"action": "add_tags", "value": "matched"}]},
        {"id": "c", "name": "C", "conditions": {"all": [{"field": "message", "op": "contains", "value": ["zzz", "ÄÖÜ"]}]},
         "actions": [{"action": "add_tags", "value": "contained"}]}
    ]});
    let d = desk_with(rules, "2026-03-02T09:00:00Z");
    let max = supportdesk::ticket::LifecycleRules::default().max_body_bytes;
    let mut body = "ab".repeat(max / 2 - 3);
    body.push_str("äöü");
    assert!(body.len() <= max);
    let (id, customer) = ana_writes(&d, "ana@example.com", "Hello");
    d.execute(SHOP, id, Command::customer_reply(customer, Channel::Email, body)).unwrap_or_else(|e| panic!("{DRIVER}: {e}"));
    let tags: Vec<String> = d.ticket(SHOP, id).unwrap().tags().iter().map(|t| t.as_str().to_owned()).collect();
    assert_eq!(tags, ["contained"], "{DRIVER}");
}

}

#[test]
fn more_bad_values_are_named() {
    let add = json!([{"action": "add_tags", "value": "x"}]);
    let cases = [
        (json!({"time_zone": "Mars/Base"}), "Mars/Base"),
        (
            json!({"budget": {"max_automation_tickets_per_sweep": -1}}),
            "-1",
        ),
        (
            json!({"automations": [{"id": "a", "name": "A", "after": {"event": "yesterday", "hours": 1}, "actions": add}]}),
            "yesterday",
        ),
        (
            json!({"triggers": [{"id": "t", "name": "T", "on": ["exploded"], "actions": add}]}),
            "exploded",
        ),
        (
            one_trigger(
                json!([{"field": "sla", "metric": "first_reply", "op": "is", "value": "late"}]),
                add.clone(),
            ),
            "late",
        ),
        (
            one_trigger(
                json!([{"field": "tag_kind", "op": "present", "value": "how"}]),
                add.clone(),
            ),
            "how",
        ),
        (
            one_trigger(
                json!([{"field": "message", "op": "contains", "value": "x", "from": "robot"}]),
                add.clone(),
            ),
            "robot",
        ),
        (
            json!({"macros": [{"id": "m", "name": "M", "then": "gone"}]}),
            "gone",
        ),
    ];
    for (v, word) in cases {
        let e = load_err(v);
        names(&e, &[word]);
    }
}

#[test]
fn the_pass_cap_counts_passes_that_change_something() {
    // Three triggers in a chain: c reacts to b, b to a. Three passes fire,
    // a fourth settles.
    let chain = |max: u32| {
        json!({"semantics": {"chaining": "reevaluate", "once_per_update": true, "max_passes": max},
        "triggers": [
            {"id": "a", "name": "A", "position": 3, "actions": [{"action": "add_tags", "value": "a"}]},
            {"id": "b", "name": "B", "position": 2,
             "conditions": {"all": [{"field": "tags", "op": "includes_any", "value": "a"}]},
             "actions": [{"action": "add_tags", "value": "b"}]},
            {"id": "c", "name": "C", "position": 1,
             "conditions": {"all": [{"field": "tags", "op": "includes_any", "value": "b"}]},
             "actions": [{"action": "add_tags", "value": "c"}]}
        ]})
    };
    let given = TicketBuilder::new().status(Status::Open);
    let note = || Command::AddNote {
        agent: BOB,
        body: "hm".into(),
    };
    let eval = on_update(&engine(chain(3)), &given, note(), MON);
    assert_eq!(fired(&eval), ["a", "b", "c"]);
    let e = try_update(&engine(chain(2)), &given, note(), MON, None).unwrap_err();
    assert!(
        matches!(&e, RuleError::Loop { passes: 2, rules, .. } if rules.contains(&"c".to_owned())),
        "{e}"
    );
}

#[test]
fn notes_and_notices_render_in_the_books_language_not_the_customers() {
    // The notice template is English only, without fallback: the agents
    // read it, so a zh-Hant requester does not refuse it.
    let templates = TemplateSet::from_json(
        &json!({"templates": [{"id": "agents-only", "text": {"en": "Look at {{ticket.subject}}"}}]})
            .to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new(
        book(json!({"triggers": [{"id": "t", "name": "T", "actions": [
            {"action": "add_note", "template": "agents-only"},
            {"action": "notify", "to": "team", "template": "agents-only"}]}]})),
        Env { templates, ..env() },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let given = TicketBuilder::new()
        .status(Status::Open)
        .body("Broken lamp");
    let mei = customer(Some("zh-Hant"), None, Some("陳美玲"));
    let eval = try_update(
        &engine,
        &given,
        Command::AddTags {
            tags: vec![tag("x")],
        },
        MON,
        Some(&mei),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(eval.refused.is_empty(), "{:?}", eval.refused);
    assert_eq!(fired(&eval), ["t"]);
    assert_eq!(eval.decision.notifications.len(), 1);
}

#[test]
fn closed_tickets_get_no_automations() {
    let engine = engine(json!({"automations": [{"id": "late", "name": "Late",
        "after": {"event": "created", "hours": 1},
        "actions": [{"action": "add_tags", "value": "late"}]}]}));
    let open = TicketBuilder::new().status(Status::Open);
    let history = open.events();
    let t = open.build();
    assert_eq!(
        engine
            .next_due(&t, &history, None)
            .unwrap_or_else(|e| panic!("{e}")),
        Some(t.created_at() + chrono::Duration::hours(1))
    );
    let closed = TicketBuilder::new().status(Status::Closed);
    let (history, t) = (closed.events(), closed.build());
    assert_eq!(
        engine
            .next_due(&t, &history, None)
            .unwrap_or_else(|e| panic!("{e}")),
        None
    );
    let ids = SequentialIds::new();
    let ctx = Context::new(t.created_at() + chrono::Duration::days(3), &ids);
    let eval = engine
        .automations(&t, &history, None, &ctx)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(eval.decision.events.is_empty(), "{eval:?}");
}
