//! Property tests of the lifecycle invariants and serde round trips.

use proptest::prelude::*;
use supportdesk::Channel;
use supportdesk::id::{CustomerId, TenantId};
use supportdesk::testing::{SequentialIds, strategies};
use supportdesk::ticket::{
    Command, Context, Event, EventKind, LifecycleRules, OpenTicket, Status, Ticket, decide, open,
};

fn start(ids: &SequentialIds, now: chrono::DateTime<chrono::Utc>) -> (Ticket, Vec<Event>) {
    let cmd = OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "hello");
    let d = open(TenantId::from_u128(1), &cmd, &Context::new(now, ids)).unwrap();
    (Ticket::from_events(&d.events).unwrap(), d.events)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random command sequences never reach a status the table forbids,
    /// versions only grow (by exactly the events applied), every event's
    /// sequence follows the previous one, and a rejected command changes
    /// nothing.
    #[test]
    fn random_commands_keep_the_lifecycle_invariants(
        cmds in proptest::collection::vec(strategies::command(CustomerId::from_u128(1)), 1..60),
        strict in any::<bool>(),
    ) {
        let ids = SequentialIds::new();
        let rules = LifecycleRules { require_agent_reply_to_solve: strict, ..LifecycleRules::default() };
        let mut now: chrono::DateTime<chrono::Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
        let (mut t, mut history) = start(&ids, now);
        for cmd in &cmds {
            now += chrono::Duration::minutes(7);
            let ctx = Context::new(now, &ids).with_rules(&rules);
            let before = t.clone();
            match decide(&t, cmd, &ctx) {
                Err(_) => prop_assert_eq!(&t, &before),
                Ok(d) => {
                    let mine: Vec<_> = d.events.iter().filter(|e| e.ticket == t.id()).cloned().collect();
                    for e in &mine {
                        prop_assert_eq!(e.sequence, t.version() + 1);
                        prop_assert_eq!(e.at, now);
                        if let EventKind::StatusChanged { from, to } = e.kind {
                            prop_assert_eq!(from, t.status());
                            prop_assert!(from.can_transition_to(to), "{from} -> {to}");
                        }
                        let v = t.version();
                        t.apply(e);
                        prop_assert!(t.version() > v);
                    }
                    if t.status() == Status::Closed {
                        prop_assert!(before.status() == Status::Closed || before.status() == Status::Solved);
                    }
                    // Follow-ups start a different ticket at version 1.
                    for e in d.events.iter().filter(|e| e.ticket != t.id()) {
                        prop_assert_eq!(before.status(), Status::Closed);
                        prop_assert!(e.sequence >= 1);
                    }
                    if strict && t.status() == Status::Solved && before.status() != Status::Solved {
                        prop_assert!(t.has_agent_reply(), "solved without an agent reply");
                    }
                    history.extend(mine);
                }
            }
        }
        // Replaying the history gives the same ticket.
        prop_assert_eq!(Ticket::from_events(&history).unwrap(), t.clone());
        // Every event and the ticket survive a serde round trip.
        for e in &history {
            let json = serde_json::to_string(e).unwrap();
            prop_assert_eq!(&serde_json::from_str::<Event>(&json).unwrap(), e);
        }
        let json = serde_json::to_string(&t).unwrap();
        prop_assert_eq!(serde_json::from_str::<Ticket>(&json).unwrap(), t);
    }

    /// `apply` never panics, whatever events it is fed and in whatever order,
    /// and the version never goes down.
    #[test]
    fn apply_never_panics_on_arbitrary_events(
        cmds in proptest::collection::vec(strategies::command(CustomerId::from_u128(1)), 1..40),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 0..80),
    ) {
        let ids = SequentialIds::new();
        let now: chrono::DateTime<chrono::Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
        let (mut t, _) = start(&ids, now);
        let mut pool: Vec<Event> = Vec::new();
        for cmd in &cmds {
            if let Ok(d) = decide(&t, cmd, &Context::new(now, &ids)) {
                for e in &d.events {
                    if e.ticket == t.id() {
                        t.apply(e);
                    }
                }
                pool.extend(d.events);
            }
        }
        let (mut other, _) = start(&ids, now);
        if !pool.is_empty() {
            for ix in &order {
                let v = other.version();
                other.apply(ix.get(&pool));
                prop_assert!(other.version() >= v);
            }
        }
    }

    /// Commands and values round-trip through serde.
    #[test]
    fn commands_and_values_round_trip(
        cmd in strategies::command(CustomerId::from_u128(1)),
        identity in strategies::identity(),
        channel in strategies::channel(),
        status in strategies::status(),
        priority in strategies::priority(),
        tag in strategies::tag(),
    ) {
        let json = serde_json::to_string(&cmd).unwrap();
        prop_assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), cmd);
        let json = serde_json::to_string(&identity).unwrap();
        prop_assert_eq!(serde_json::from_str::<supportdesk::customer::Identity>(&json).unwrap(), identity);
        prop_assert_eq!(serde_json::from_str::<Channel>(&serde_json::to_string(&channel).unwrap()).unwrap(), channel);
        prop_assert_eq!(serde_json::from_str::<Status>(&serde_json::to_string(&status).unwrap()).unwrap(), status);
        prop_assert_eq!(serde_json::from_str::<supportdesk::Priority>(&serde_json::to_string(&priority).unwrap()).unwrap(), priority);
        prop_assert_eq!(serde_json::from_str::<supportdesk::Tag>(&serde_json::to_string(&tag).unwrap()).unwrap(), tag);
    }

    /// Identity constructors never panic and either reject or produce a
    /// value that normalises to itself.
    #[test]
    fn identity_normalisation_is_idempotent(s in "\\PC{0,40}", cc in "[0-9+]{0,4}") {
        if let Ok(i) = supportdesk::customer::Identity::email(&s) {
            prop_assert_eq!(supportdesk::customer::Identity::email(i.value()).unwrap(), i);
        }
        if let Ok(i) = supportdesk::customer::Identity::phone_in_country(&s, &cc) {
            prop_assert_eq!(supportdesk::customer::Identity::phone(i.value()).unwrap(), i);
        }
        if let Ok(i) = supportdesk::customer::Identity::social("x", &s) {
            prop_assert_eq!(supportdesk::customer::Identity::social("x", i.value()).unwrap(), i);
        }
        let _ = supportdesk::Tag::new(&s);
    }
}

/// Notifications of every kind round-trip too.
#[test]
fn decisions_round_trip() {
    let ids = SequentialIds::new();
    let now = "2026-03-02T09:00:00Z".parse().unwrap();
    let cmd = OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "hello");
    let d = open(TenantId::from_u128(1), &cmd, &Context::new(now, &ids)).unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(
        serde_json::from_str::<supportdesk::ticket::Decision>(&json).unwrap(),
        d
    );
}
