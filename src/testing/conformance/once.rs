//! Once keys.

use super::Harness;
use super::fixtures::*;
use crate::id::{NotificationId, TicketId};
use crate::port::{AsyncTicketStore, Commit, OnceKey, StoreError};

/// A once key is recorded once per tenant: a second commit carrying it gives
/// `AlreadyDone` naming it and writes nothing (not its ticket, not its
/// notification, not its other keys); another tenant has keys of its own.
///
/// # Panics
/// On another outcome.
pub async fn once_keys(store: &dyn AsyncTicketStore) {
    let done = OnceKey::notice(NotificationId::from_u128(0x5b_1000));
    let fresh = OnceKey::new("host/report-sent/2026-03");
    let first = simple(T1, TicketId::from_u128(0x5b_1000));
    let mut c = commit_of(T1, vec![first]);
    c.notifications.push(agent_notification(
        T1,
        0x5b_1000,
        TicketId::from_u128(0x5b_1000),
    ));
    c.once.push(done.clone());
    must(store.commit(&c).await, "recording a once key");

    let second = simple(T1, TicketId::from_u128(0x5b_1001));
    let mut c = commit_of(T1, vec![second.clone()]);
    c.notifications
        .push(agent_notification(T1, 0x5b_1001, second.ticket.id()));
    c.once.push(fresh.clone());
    c.once.push(done.clone());
    match store.commit(&c).await {
        Err(StoreError::AlreadyDone { key }) if key == done => {}
        other => panic!(
            "store conformance: once_keys: committing {done} again must give AlreadyDone naming it, got {other:?}"
        ),
    }
    assert_eq!(
        must(store.ticket(T1, second.ticket.id()).await, "ticket"),
        None,
        "store conformance: once_keys: a commit refused for a once key must write nothing"
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        vec![(T1, NotificationId::from_u128(0x5b_1000))],
        "store conformance: once_keys: a commit refused for a once key must queue nothing"
    );
    // The fresh key of the refused commit was not recorded.
    let mut c = Commit::new(T1);
    c.once.push(fresh.clone());
    must(store.commit(&c).await, "a key of a refused commit");
    match store.commit(&c).await {
        Err(StoreError::AlreadyDone { key }) if key == fresh => {}
        other => panic!(
            "store conformance: once_keys: a key alone is recorded too; committing {fresh} twice must give AlreadyDone, got {other:?}"
        ),
    }
    // Keys are compared exactly, and per tenant.
    for key in [
        OnceKey::new(format!("{done} ")),
        OnceKey::new(done.as_str().to_uppercase()),
        OnceKey::new("notice/"),
    ] {
        let mut c = Commit::new(T1);
        c.once.push(key.clone());
        must(store.commit(&c).await, format!("another key {key:?}"));
    }
    let mut c = Commit::new(T2);
    c.once.push(done);
    must(store.commit(&c).await, "the same key in another tenant");
}

/// (Declared with [`Capabilities::durable`](super::Capabilities::durable).) Once keys survive a reopen: a
/// commit carrying one recorded before gives `AlreadyDone`.
///
/// # Panics
/// When a key is forgotten, or the capability is not declared.
pub fn once_keys_durable(h: &mut Harness<'_>) {
    let key = OnceKey::notice(NotificationId::from_u128(0x63_0000));
    let mut c = Commit::new(T1);
    c.notifications.push(agent_notification(
        T1,
        0x63_0000,
        TicketId::from_u128(0x63_0000),
    ));
    c.once.push(key.clone());
    must(h.block_on(h.store().commit(&c)), "recording a once key");
    h.reopen();
    match h.block_on(h.store().commit(&c)) {
        Err(StoreError::AlreadyDone { key: found }) if found == key => {}
        other => panic!(
            "store conformance: once_keys_durable: {key} recorded before the reopen must give AlreadyDone after it, got {other:?}"
        ),
    }
}
