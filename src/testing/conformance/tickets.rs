//! Tickets and their events.

use super::fixtures::*;
use crate::channel::Channel;
use crate::customer::Identity;
use crate::id::{CustomerId, TicketId};
use crate::port::{AsyncTicketStore, TicketQuery};
use crate::ticket::{EventKind, Status, Ticket};

/// A ticket using every field, and its events, read back exactly (also
/// after an update appends events); the merged ticket too.
///
/// # Panics
/// When anything read back differs from what was written.
pub async fn round_trip_ticket_every_field(store: &dyn AsyncTicketStore) {
    let id = TicketId::from_u128(0x51_0000);
    let (events, source_events) = rich_ticket(T1, id);
    let w = create(events.clone());
    let src = create(source_events.clone());
    must(
        store
            .commit(&commit_of(T1, vec![w.clone(), src.clone()]))
            .await,
        "committing a rich ticket",
    );
    let got = must(store.ticket(T1, id).await, "ticket");
    assert_eq!(
        got.as_ref(),
        Some(&w.ticket),
        "store conformance: round_trip_ticket_every_field: the ticket read back differs"
    );
    assert_eq!(
        must(store.events(T1, id).await, "events"),
        events,
        "store conformance: round_trip_ticket_every_field: the events read back differ"
    );
    assert_eq!(
        must(store.ticket(T1, src.ticket.id()).await, "ticket").as_ref(),
        Some(&src.ticket),
        "store conformance: round_trip_ticket_every_field: the merged ticket read back differs"
    );
    assert_eq!(
        must(store.events(T1, src.ticket.id()).await, "events"),
        source_events
    );
    // An update appends; the state and the whole history read back.
    let up = append(
        &w.ticket,
        at(30),
        vec![
            note(7, AGENT_A, at(30), "after the merge"),
            EventKind::StatusChanged {
                from: Status::Solved,
                to: Status::Closed,
            },
        ],
    );
    must(
        store.commit(&commit_of(T1, vec![up.clone()])).await,
        "updating the rich ticket",
    );
    assert_eq!(
        must(store.ticket(T1, id).await, "ticket"),
        Some(up.ticket.clone()),
        "store conformance: round_trip_ticket_every_field: the updated ticket read back differs"
    );
    let mut all = events;
    all.extend(up.events);
    assert_eq!(
        must(store.events(T1, id).await, "events"),
        all,
        "store conformance: round_trip_ticket_every_field: events after an update must be the whole history in sequence order"
    );
    assert_eq!(
        Ticket::from_events(&all).as_ref(),
        Some(&up.ticket),
        "store conformance fixture: replay must give the state"
    );
}

/// Reads of ids that were never written are empty, not errors.
///
/// # Panics
/// When a read returns something or fails.
pub async fn unknown_ids_are_none(store: &dyn AsyncTicketStore) {
    let t = TicketId::from_u128(0x56_0000);
    assert_eq!(
        must(store.ticket(T1, t).await, "ticket of an empty store"),
        None
    );
    assert!(must(store.events(T1, t).await, "events of an empty store").is_empty());
    assert_eq!(
        must(
            store.customer(T1, CustomerId::from_u128(1)).await,
            "customer"
        ),
        None
    );
    let i = identity(Identity::email("ghost@example.com"));
    assert_eq!(
        must(
            store.customer_by_identity(T1, &i).await,
            "customer_by_identity"
        ),
        None
    );
    assert_eq!(
        must(
            store.inbound(T1, &inbound_key(Channel::Email, "x")).await,
            "inbound"
        ),
        None
    );
    let page = must(
        store.query(T1, &TicketQuery::new()).await,
        "query of an empty store",
    );
    assert!(page.items.is_empty() && page.next.is_none());
    assert!(must(store.undelivered(10).await, "undelivered").is_empty());
    // And with something else stored.
    must(
        store
            .commit(&commit_of(
                T1,
                vec![simple(T1, TicketId::from_u128(0x56_0001))],
            ))
            .await,
        "creating a ticket",
    );
    assert_eq!(must(store.ticket(T1, t).await, "ticket"), None);
    assert!(must(store.events(T1, t).await, "events").is_empty());
}
