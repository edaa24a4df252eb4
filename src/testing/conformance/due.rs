//! The SLA due-time index.

use chrono::{DateTime, Utc};

use super::fixtures::*;
use crate::id::{TenantId, TicketId};
use crate::port::{AsyncTicketStore, Commit, TicketWrite};

async fn due_of(
    store: &dyn AsyncTicketStore,
    until: DateTime<Utc>,
) -> Vec<(TenantId, TicketId, DateTime<Utc>)> {
    must(store.due(until, usize::MAX).await, "reading the due index")
        .into_iter()
        .map(|d| (d.tenant, d.ticket, d.at))
        .collect()
}

fn with_due(tenant: TenantId, w: TicketWrite, due: Option<DateTime<Utc>>) -> Commit {
    let mut c = commit_of(tenant, vec![w.clone()]);
    c.due.push(crate::port::DueUpdate {
        ticket: w.ticket.id(),
        version: w.ticket.version(),
        at: due,
    });
    c
}

/// The due index answers tickets due by an instant, earliest first (ties
/// by tenant then ticket id), at most `limit`, and nothing after `until`.
///
/// # Panics
/// When the store breaks the rule.
pub async fn due_index_order_and_limit(store: &dyn AsyncTicketStore) {
    let times = [30, 10, 20, 10, 50];
    for (i, m) in times.iter().enumerate() {
        let w = simple(T1, TicketId::from_u128(0xd0_0000 + i as u128));
        must(
            store.commit(&with_due(T1, w, Some(at(*m)))).await,
            "creating a due ticket",
        );
    }
    let all = due_of(store, at(40)).await;
    let want: Vec<_> = [(10, 1u128), (10, 3), (20, 2), (30, 0)]
        .iter()
        .map(|(m, i)| (T1, TicketId::from_u128(0xd0_0000 + i), at(*m)))
        .collect();
    assert_eq!(
        all, want,
        "store conformance: due_index_order_and_limit: due by minute 40"
    );
    let two = must(store.due(at(40), 2).await, "reading the due index");
    assert_eq!(
        two.len(),
        2,
        "store conformance: due_index_order_and_limit: limit 2"
    );
    assert!(
        due_of(store, at(9)).await.is_empty(),
        "store conformance: due_index_order_and_limit: nothing due before minute 10"
    );
    assert_eq!(
        due_of(store, at(10)).await.len(),
        2,
        "store conformance: due_index_order_and_limit: `until` is inclusive"
    );
}

/// A later commit moves a ticket's due time or removes it (`at: None`).
///
/// # Panics
/// When the store breaks the rule.
pub async fn due_index_updates_and_removals(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0xd1_0000));
    must(
        store.commit(&with_due(T1, w.clone(), Some(at(10)))).await,
        "creating a due ticket",
    );
    let up = append(&w.ticket, at(5), vec![note(0xd1, AGENT_A, at(5), "moved")]);
    must(
        store.commit(&with_due(T1, up.clone(), Some(at(60)))).await,
        "moving the due time",
    );
    assert_eq!(
        due_of(store, at(100)).await,
        vec![(T1, w.ticket.id(), at(60))],
        "store conformance: due_index_updates_and_removals: the new due time replaces the old"
    );
    let up2 = append(&up.ticket, at(6), vec![note(0xd2, AGENT_A, at(6), "done")]);
    must(
        store.commit(&with_due(T1, up2, None)).await,
        "removing the due time",
    );
    assert!(
        due_of(store, at(1000)).await.is_empty(),
        "store conformance: due_index_updates_and_removals: `at: None` removes the ticket from the index"
    );
}

/// A due update computed for an older version of the ticket is ignored,
/// not an error (a slower writer must not undo a newer due time).
///
/// # Panics
/// When the store breaks the rule.
pub async fn due_index_ignores_stale_versions(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0xd3_0000));
    must(
        store.commit(&with_due(T1, w.clone(), Some(at(10)))).await,
        "creating a due ticket",
    );
    let up = append(&w.ticket, at(5), vec![note(0xd3, AGENT_A, at(5), "newer")]);
    must(
        store.commit(&with_due(T1, up.clone(), Some(at(20)))).await,
        "updating",
    );
    let mut stale = Commit::new(T1);
    stale.due.push(crate::port::DueUpdate {
        ticket: w.ticket.id(),
        version: w.ticket.version(),
        at: Some(at(99)),
    });
    must(
        store.commit(&stale).await,
        "a stale due update is accepted and ignored",
    );
    assert_eq!(
        due_of(store, at(1000)).await,
        vec![(T1, w.ticket.id(), at(20))],
        "store conformance: due_index_ignores_stale_versions: the stale due time must not apply"
    );
}

/// The index spans tenants (the sweep is infrastructure) and names each
/// ticket's tenant; the same ticket id in two tenants is two entries.
///
/// # Panics
/// When the store breaks the rule.
pub async fn due_index_tenants(store: &dyn AsyncTicketStore) {
    let id = TicketId::from_u128(0xd4_0000);
    must(
        store
            .commit(&with_due(T1, simple(T1, id), Some(at(10))))
            .await,
        "tenant 1",
    );
    must(
        store
            .commit(&with_due(T2, simple(T2, id), Some(at(10))))
            .await,
        "tenant 2",
    );
    let mut got = due_of(store, at(10)).await;
    got.sort();
    let mut want = vec![(T1, id, at(10)), (T2, id, at(10))];
    want.sort();
    assert_eq!(got, want, "store conformance: due_index_tenants");
}
