//! Golden event histories.
//!
//! Stored events are the storage format: `SqliteStore` keeps each `Event`
//! in its envelope (`StoredEvent`, carrying the format version), and a
//! host's own store may too. The files under `tests/data/golden/` are event
//! logs written by the crate's code of one day, covering every event kind;
//! this test reads them forever, each through the upcasters from the format
//! it is in (`StoredEvent::read`), and replays each history to the ticket
//! state recorded beside it.
//!
//! - `histories-2026-12-03.json`: written by the code of 2026-12-03 in
//!   format 1 (bare `Event`s, no envelope).
//! - `histories-v2-2026-12-03.json`: the same histories, written by the
//!   code of the same day in format 2 (the `StoredEvent` envelope).
//! - `histories-v2-2026-12-03b.json`: the same, plus a ticket a trigger of
//!   a rule book fired on (the `rule_fired` event, issue 14), still in
//!   format 2: a new event kind is not a new shape of the old ones.
//!
//! A change of an event's shape is a new format version: it must keep
//! reading every golden file (an upcaster) and comes with a new golden file
//! written by the new code: `todays_code_writes_the_newest_golden_file`
//! fails until it exists. Name it so that it sorts after the others
//! (`histories-v3-<date>.json`), put it in `NEWEST` and `ALL` with its
//! format, and write it with `SUPPORTDESK_WRITE_GOLDEN=1 cargo test
//! --all-features --test golden_histories` (it refuses to overwrite an
//! existing file).

#[macro_use]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::Duration;
use serde::{Deserialize, Serialize};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, GroupId, TenantId};
use supportdesk::rules::RuleBook;
use supportdesk::sla::{Calendars, MetricDef, PolicySet, SlaPolicy, Target, TimeBasis, WarnAt};
use supportdesk::template::TemplateSet;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Ces, Command, Csat, EVENT_FORMAT_VERSION, Event, StoredEvent};
use supportdesk::{
    AsyncDesk, Channel, Desk, InMemoryStore, Inbound, Priority, Status, Tag, Ticket,
};

use support::Driver;

/// The newest golden file: the one today's code must write, in today's
/// format (`EVENT_FORMAT_VERSION`).
const NEWEST: &str = "histories-v2-2026-12-03b.json";
/// Every golden file, oldest first, with the event format it is written in;
/// each is read forever.
const ALL: &[(&str, u32)] = &[
    // Bare `Event`s.
    ("histories-2026-12-03.json", 1),
    // `StoredEvent` envelopes.
    ("histories-v2-2026-12-03.json", 2),
    // The same with a rule firing.
    (NEWEST, 2),
];

/// Event kinds added after the first golden files, with the first file
/// that must hold them.
const KINDS_SINCE: &[(&str, &str)] = &[("rule_fired", "histories-v2-2026-12-03b.json")];

/// Every event kind the crate writes (`EventKind::name`).
const KINDS: &[&str] = &[
    "opened",
    "customer_replied",
    "agent_replied",
    "note_added",
    "automated_reply_sent",
    "assigned",
    "priority_changed",
    "status_changed",
    "tags_added",
    "tags_removed",
    "satisfaction_rated",
    "effort_rated",
    "merged_into",
    "merge_received",
    "sla_policy_applied",
    "sla_alerted",
    "rule_fired",
];

/// A golden file as it is stored: the events in their stored format.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct GoldenFile<E> {
    /// What wrote the file.
    written_by: String,
    tickets: Vec<GoldenTicket<E>>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct GoldenTicket<E> {
    /// What the history shows.
    about: String,
    /// The events: stored records (`serde_json::Value`) as read, `Event`s
    /// once decoded, `StoredEvent`s to write.
    events: Vec<E>,
    /// The state the events replay to, as the store kept it.
    state: Ticket,
}

/// A golden file with its events decoded to today's `Event`.
type Golden = GoldenFile<Event>;

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/golden")
        .join(name)
}

/// Histories through the desk (`Desk`), deterministic (manual clock,
/// sequential ids), covering every event kind.
fn record() -> Golden {
    let (policies, calendars) = sla_setup();
    record_on(
        &Desk::new(InMemoryStore::new(), RecordingNotifier::new(), start())
            .with_ids(SequentialIds::new())
            .with_sla(policies, calendars)
            .unwrap()
            .with_rule_book(rule_book(), TemplateSet::new())
            .unwrap(),
    )
}

/// The rule book the recorded desk runs: one trigger, on angry messages.
fn rule_book() -> RuleBook {
    RuleBook::from_json(
        r#"{"triggers": [{
            "id": "angry", "name": "Angry customers are urgent", "on": ["opened", "customer_replied"],
            "conditions": {"all": [{"field": "message", "op": "contains", "value": "furious"}]},
            "actions": [
                {"action": "set_priority", "value": "urgent"},
                {"action": "add_note", "text": "Angry customer: call back today."},
                {"action": "notify", "to": "team", "text": "An angry customer wrote."}
            ]
        }]}"#,
    )
    .unwrap()
}

/// Monday 10:00 in Paris.
fn start() -> ManualClock {
    ManualClock::at("2026-03-02T09:00:00Z").unwrap()
}

/// The SLA policy and calendar the recorded desk runs with.
fn sla_setup() -> (PolicySet, Calendars) {
    let office = BusinessCalendar::builder("Europe/Paris")
        .weekdays("09:00", "18:00")
        .build()
        .unwrap();
    let policy = SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets: Target::every_priority(
            "first_reply",
            3600,
            TimeBasis::Business {
                calendar: "office".into(),
            },
        )
        .into_iter()
        .collect(),
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![],
    };
    (
        PolicySet::new(policy),
        Calendars::new().with("office", office),
    )
}

/// The histories, recorded through either driver.
fn record_on<D: Driver<Clock = ManualClock>>(desk: &D) -> Golden {
    let clock = desk.clock();
    let shop = TenantId::from_u128(1);
    let bob = AgentId::from_u128(7);
    let ana = desk
        .receive(
            shop,
            Inbound::new(
                Identity::email("ana@example.com").unwrap(),
                Channel::Email,
                "Where is my refund?",
            )
            .subject("Refund")
            .external_id("<m1@mail>"),
        )
        .unwrap();
    let t = ana.ticket;
    desk.execute(
        shop,
        t,
        Command::AutomatedReply {
            bot: "ack".into(),
            body: "We got your message.".into(),
        },
    )
    .unwrap();
    // The warning at 45 minutes, the breach after an hour.
    clock.advance(Duration::minutes(50));
    desk.sweep(100).unwrap();
    clock.advance(Duration::minutes(20));
    desk.sweep(100).unwrap();
    desk.execute(
        shop,
        t,
        Command::Assign {
            agent: Some(bob),
            group: Some(GroupId::from_u128(3)),
        },
    )
    .unwrap();
    desk.execute(
        shop,
        t,
        Command::SetPriority {
            priority: Priority::High,
        },
    )
    .unwrap();
    let refund = Tag::new("billing/refund").unwrap();
    let late = Tag::new("why/late").unwrap();
    desk.execute(
        shop,
        t,
        Command::AddTags {
            tags: vec![refund.clone(), late.clone()],
        },
    )
    .unwrap();
    desk.execute(
        shop,
        t,
        Command::AddNote {
            agent: bob,
            body: "Carrier lost it".into(),
        },
    )
    .unwrap();
    clock.advance(Duration::minutes(5));
    desk.execute(
        shop,
        t,
        Command::AgentReply {
            agent: bob,
            channel: None,
            body: "Refunded today.".into(),
            then: Some(Status::Pending),
        },
    )
    .unwrap();
    clock.advance(Duration::hours(2));
    desk.execute(
        shop,
        t,
        Command::customer_reply(ana.customer, Channel::WhatsApp, "Thanks!"),
    )
    .unwrap();
    desk.execute(shop, t, Command::RemoveTags { tags: vec![late] })
        .unwrap();
    desk.execute(shop, t, Command::status(Status::Solved))
        .unwrap();
    desk.execute(
        shop,
        t,
        Command::RateSatisfaction {
            score: Csat::new(4).unwrap(),
            comment: Some("quick".into()),
        },
    )
    .unwrap();
    desk.execute(
        shop,
        t,
        Command::RateEffort {
            score: Ces::new(2).unwrap(),
        },
    )
    .unwrap();
    // Another customer's ticket, merged into Ana's.
    clock.advance(Duration::hours(1));
    let eve = desk
        .receive(
            shop,
            Inbound::new(
                Identity::phone("+44 7700 900123").unwrap(),
                Channel::Sms,
                "Same refund problem",
            ),
        )
        .unwrap();
    desk.merge(shop, eve.ticket, t).unwrap();
    // A trigger fires on a third customer's first message.
    clock.advance(Duration::minutes(10));
    let max = desk
        .receive(
            shop,
            Inbound::new(
                Identity::email("max@example.com").unwrap(),
                Channel::Email,
                "I am furious: the lamp arrived broken.",
            ),
        )
        .unwrap();

    let ticket = |id, about: &str| GoldenTicket {
        about: about.into(),
        events: desk.history(shop, id).unwrap(),
        state: desk.ticket(shop, id).unwrap(),
    };
    Golden {
        written_by: format!("supportdesk {}", env!("CARGO_PKG_VERSION")),
        tickets: vec![
            ticket(
                t,
                "every event a ticket goes through, SLA alerts and a merge received",
            ),
            ticket(eve.ticket, "a ticket merged into another"),
            ticket(max.ticket, "a trigger of the rule book fired on it"),
        ],
    }
}

/// The golden file `name` as stored.
fn read_stored(name: &str) -> GoldenFile<serde_json::Value> {
    let path = golden_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} no longer reads: {e}"))
}

/// The golden file `name`, its events (all in `format`) decoded through
/// the upcasters to today's `Event`.
fn read(name: &str, format: u32) -> Golden {
    let stored = read_stored(name);
    GoldenFile {
        written_by: stored.written_by,
        tickets: stored
            .tickets
            .into_iter()
            .map(|t| GoldenTicket {
                events: t
                    .events
                    .iter()
                    .map(|e| {
                        assert_eq!(
                            StoredEvent::format_of(e),
                            Ok(format),
                            "{name}: `{}` holds an event of another format than ALL says",
                            t.about
                        );
                        StoredEvent::read(e).unwrap_or_else(|err| {
                            panic!("{name}: `{}`: an event no longer reads: {err}", t.about)
                        })
                    })
                    .collect(),
                about: t.about,
                state: t.state,
            })
            .collect(),
    }
}

/// What today's code stores for the recorded histories.
fn stored_today(recorded: &Golden) -> GoldenFile<StoredEvent<'_>> {
    GoldenFile {
        written_by: recorded.written_by.clone(),
        tickets: recorded
            .tickets
            .iter()
            .map(|t| GoldenTicket {
                about: t.about.clone(),
                events: t.events.iter().map(StoredEvent::new).collect(),
                state: t.state.clone(),
            })
            .collect(),
    }
}

#[test]
fn every_golden_history_replays_to_its_recorded_state() {
    for (name, format) in ALL {
        let golden = read(name, *format);
        assert!(!golden.tickets.is_empty(), "{name} holds histories");
        for g in &golden.tickets {
            let replayed = Ticket::from_events(&g.events)
                .unwrap_or_else(|| panic!("{name}: `{}` does not start with opened", g.about));
            assert_eq!(
                replayed, g.state,
                "{name}: `{}` replays to another state",
                g.about
            );
            for (i, e) in g.events.iter().enumerate() {
                assert_eq!(e.sequence, i as u64 + 1, "{name}: `{}` numbering", g.about);
            }
        }
    }
}

#[test]
fn the_golden_histories_cover_every_event_kind() {
    for (name, format) in ALL {
        let seen: BTreeSet<&str> = read(name, *format)
            .tickets
            .iter()
            .flat_map(|g| g.events.iter().map(|e| e.kind.name()))
            .collect();
        let required = |k: &str| {
            KINDS_SINCE
                .iter()
                .find(|(kind, _)| *kind == k)
                .is_none_or(|(_, since)| *name >= *since)
        };
        let missing: Vec<&&str> = KINDS
            .iter()
            .filter(|k| required(k) && !seen.contains(**k))
            .collect();
        assert!(missing.is_empty(), "{name} has no {missing:?} event");
    }
    // KINDS is every kind `EventKind::name` knows.
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ticket/event.rs"))
            .unwrap();
    let body = source
        .split("pub fn name(&self)")
        .nth(1)
        .and_then(|rest| rest.split("\n    }\n").next())
        .expect("EventKind::name in src/ticket/event.rs");
    let named: BTreeSet<&str> = body
        .split("=> \"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(
        named,
        KINDS.iter().copied().collect(),
        "a new event kind needs a golden history"
    );
}

#[test]
fn todays_code_writes_the_newest_golden_file() {
    assert_eq!(
        ALL.last(),
        Some(&(NEWEST, EVENT_FORMAT_VERSION)),
        "the newest golden file is last in ALL, in today's event format: a new format version needs a new golden file"
    );
    let names: Vec<&str> = ALL.iter().map(|(name, _)| *name).collect();
    assert!(
        names.is_sorted(),
        "golden file names sort oldest first: {names:?}"
    );
    let recorded = record();
    let path = golden_path(NEWEST);
    if std::env::var_os("SUPPORTDESK_WRITE_GOLDEN").is_some() && !path.exists() {
        let text = serde_json::to_string_pretty(&stored_today(&recorded)).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
    }
    let today = serde_json::to_value(stored_today(&recorded)).unwrap();
    // Exactly the records today's code stores, not only the same events
    // once decoded.
    let newest = serde_json::to_value(read_stored(NEWEST)).unwrap();
    assert_eq!(
        today["tickets"], newest["tickets"],
        "today's code writes events unlike {NEWEST}: an event's shape or its envelope changed. Keep every golden file readable (an upcaster), add a new golden file written by this code, and name it in NEWEST and ALL"
    );
    assert_eq!(read(NEWEST, EVENT_FORMAT_VERSION).tickets, recorded.tickets);
}

/// The two files of 2026-12-03 were written by the code of the same day,
/// in format 1 and in format 2: through the upcaster they are the same
/// histories, event for event.
/// `AsyncDesk` writes exactly the histories and states `Desk` writes (so
/// the golden files hold for hosts on either driver).
#[test]
fn the_async_desk_writes_the_same_histories() {
    let (policies, calendars) = sla_setup();
    let desk = AsyncDesk::new(InMemoryStore::new(), RecordingNotifier::new(), start())
        .with_ids(SequentialIds::new())
        .with_sla(policies, calendars)
        .unwrap()
        .with_rule_book(rule_book(), TemplateSet::new())
        .unwrap();
    let through_async = record_on(&support::BlockingAsync(desk));
    assert_eq!(through_async, record());
    assert!(through_async.tickets.iter().all(|t| !t.events.is_empty()));
}

#[test]
fn the_format_1_upcaster_loses_nothing() {
    let bare = read("histories-2026-12-03.json", 1);
    let envelopes = read("histories-v2-2026-12-03.json", 2);
    assert_eq!(bare.tickets, envelopes.tickets);
}
