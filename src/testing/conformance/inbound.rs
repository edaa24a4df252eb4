//! Inbound records and their idempotency.

use super::fixtures::*;
use crate::channel::Channel;
use crate::id::TicketId;
use crate::port::{AsyncTicketStore, StoreError};

/// An inbound record read back by its key, and only by its key.
///
/// # Panics
/// When the record read back differs.
pub async fn round_trip_inbound_record(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0x52_0000));
    let key = inbound_key(Channel::Email, "<CAF=x+\"1\"@mail.example.com>");
    let rec = inbound_rec(key.clone(), w.ticket.id(), 77);
    let mut commit = commit_of(T1, vec![w]);
    commit.inbound.push(rec.clone());
    must(store.commit(&commit).await, "committing an inbound record");
    assert_eq!(
        must(store.inbound(T1, &key).await, "inbound"),
        Some(rec),
        "store conformance: round_trip_inbound_record: the record read back differs"
    );
    for other in [
        inbound_key(Channel::Sms, &key.external_id),
        inbound_key(Channel::Email, "<caf=x+\"1\"@mail.example.com>"),
        inbound_key(Channel::Email, "<CAF=x+\"1\"@mail.example.com"),
    ] {
        assert_eq!(
            must(store.inbound(T1, &other).await, "inbound"),
            None,
            "store conformance: round_trip_inbound_record: {other:?} is another key (channel and external id match exactly, case-sensitive)"
        );
    }
}

/// An inbound key is recorded once per tenant: a second commit with it
/// gives `DuplicateInbound` with the first record and writes nothing;
/// the same external id on another channel is another message.
///
/// # Panics
/// On another outcome.
pub async fn inbound_idempotency(store: &dyn AsyncTicketStore) {
    let first = simple(T1, TicketId::from_u128(0x5b_0000));
    let key = inbound_key(Channel::Email, "<once@mail>");
    let rec = inbound_rec(key.clone(), first.ticket.id(), 1);
    let mut c = commit_of(T1, vec![first.clone()]);
    c.inbound.push(rec.clone());
    must(store.commit(&c).await, "recording an inbound message");

    let second = simple(T1, TicketId::from_u128(0x5b_0001));
    let mut c = commit_of(T1, vec![second.clone()]);
    c.inbound
        .push(inbound_rec(key.clone(), second.ticket.id(), 2));
    c.notifications
        .push(agent_notification(T1, 0x5b_0001, second.ticket.id()));
    match store.commit(&c).await {
        Err(StoreError::DuplicateInbound { existing }) if existing == rec => {}
        other => panic!(
            "store conformance: inbound_idempotency: recording {key:?} twice must give DuplicateInbound with the first record, got {other:?}"
        ),
    }
    assert_eq!(
        must(store.ticket(T1, second.ticket.id()).await, "ticket"),
        None
    );
    assert!(must(store.undelivered(10).await, "undelivered").is_empty());
    assert_eq!(must(store.inbound(T1, &key).await, "inbound"), Some(rec));

    let mut c = commit_of(T1, vec![second.clone()]);
    let other_channel = inbound_key(Channel::WebForm, "<once@mail>");
    c.inbound
        .push(inbound_rec(other_channel.clone(), second.ticket.id(), 3));
    must(
        store.commit(&c).await,
        "the same external id on another channel",
    );
    assert_eq!(
        must(store.inbound(T1, &other_channel).await, "inbound").map(|r| r.ticket),
        Some(second.ticket.id())
    );
}
