//! What a durable store keeps across a reopen.

use super::Harness;
use super::fixtures::*;
use crate::channel::Channel;
use crate::customer::Identity;
use crate::id::{NotificationId, TicketId};
use crate::port::{Commit, TicketOrder};

/// (Declared with [`Capabilities::durable`](super::Capabilities::durable).) Everything written is read
/// back the same after the store is closed and reopened, and the reopened
/// store goes on (compare-and-set against the stored versions, the outbox
/// state kept).
///
/// # Panics
/// When something is lost or changed by the reopen, or the capability is
/// not declared.
pub fn durable_reopen(h: &mut Harness<'_>) {
    let (events, source) = rich_ticket(T1, TicketId::from_u128(0x61_0000));
    let rich = create(events);
    let src = create(source);
    let cust = a_customer(
        T1,
        0xf1,
        vec![identity(Identity::email("durable@example.com"))],
    );
    let key = inbound_key(Channel::Email, "<durable@mail>");
    let mut c = commit_of(T1, vec![rich.clone(), src.clone()]);
    c.customers.push(new_customer(&cust));
    c.inbound
        .push(inbound_rec(key.clone(), rich.ticket.id(), 1));
    for n in 1..=3 {
        c.notifications
            .push(agent_notification(T1, n, rich.ticket.id()));
    }
    let tickets = [rich.ticket.id(), src.ticket.id()];
    let (before, before_t2, varied) = h.block_on(async {
        let store = h.store();
        must(store.commit(&c).await, "committing before the reopen");
        must(
            store.mark_delivered(T1, NotificationId::from_u128(1)).await,
            "mark_delivered",
        );
        must(
            store
                .record_failure(T1, NotificationId::from_u128(2), "down")
                .await,
            "record_failure",
        );
        let varied = store_varied(store, T2, 12).await;
        let before = snapshot(
            store,
            T1,
            &tickets,
            &[cust.id],
            &cust.identities,
            std::slice::from_ref(&key),
        )
        .await;
        let before_t2 = all_tickets(store, T2, TicketOrder::UpdatedDesc).await;
        (before, before_t2, varied)
    });
    h.reopen();
    h.block_on(async {
    let store = h.store();
    let after = snapshot(
        store,
        T1,
        &tickets,
        &[cust.id],
        &cust.identities,
        std::slice::from_ref(&key),
    ).await;
    assert!(
        after == before,
        "store conformance: durable_reopen: the store reads differently after a reopen:\nbefore: {before:?}\nafter: {after:?}"
    );
    assert_eq!(all_tickets(store, T2, TicketOrder::UpdatedDesc).await, before_t2);
    assert_eq!(varied.len(), before_t2.len());
    // It goes on from the stored versions.
    let stale = append(
        &src.ticket,
        at(90),
        vec![note(0x6101, AGENT_A, at(90), "x")],
    );
    must(
        store.commit(&commit_of(T1, vec![stale.clone()])).await,
        "updating after the reopen",
    );
    match store.commit(&commit_of(T1, vec![stale])).await {
        Err(e) if e.is_conflict() => {}
        other => panic!(
            "store conformance: durable_reopen: a stale write after the reopen must conflict, got {other:?}"
        ),
    }
    let mut c = Commit::new(T1);
    c.notifications
        .push(agent_notification(T1, 1, rich.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 4, rich.ticket.id()));
    must(
        store.commit(&c).await,
        "committing notifications after the reopen",
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        vec![
            (T1, NotificationId::from_u128(2)),
            (T1, NotificationId::from_u128(3)),
            (T1, NotificationId::from_u128(4))
        ],
        "store conformance: durable_reopen: the outbox (delivered ids included) must survive the reopen"
    );
    });
}
