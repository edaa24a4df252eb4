//! Outbox leases (claims, leased commits, expiry, concurrent claimants) and
//! retention (delivery times, pruning).

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::Duration;

use super::Harness;
use super::fixtures::*;
use crate::id::{NotificationId, TenantId, TicketId};
use crate::port::{AsyncTicketStore, Commit, OutboxClaim, OutboxEntry, OutboxLease, StoreError};

/// The ticket the notifications of these cases name.
const TICKET: TicketId = TicketId::from_u128(0x6a_0000);

/// Commits notifications `ids` of `tenant` in one commit, under `lease`.
async fn queue(
    store: &dyn AsyncTicketStore,
    tenant: TenantId,
    ids: &[u128],
    lease: Option<OutboxLease>,
) {
    let mut c = Commit::new(tenant);
    for id in ids {
        c.notifications
            .push(agent_notification(tenant, *id, TICKET));
    }
    if let Some(l) = lease {
        c = c.leased_to(l);
    }
    must(store.commit(&c).await, "committing notifications");
}

/// The entries' tenants, ids and leases.
fn leases_of(entries: &[OutboxEntry]) -> Vec<(TenantId, NotificationId, Option<OutboxLease>)> {
    entries
        .iter()
        .map(|e| (e.notification.tenant, e.notification.id, e.lease.clone()))
        .collect()
}

fn nid(n: u128) -> NotificationId {
    NotificationId::from_u128(n)
}

/// A claim returns undelivered entries of every tenant in outbox order, up
/// to its limit, each leased to the claimant, and the store keeps the lease
/// (`undelivered` shows it); another claimant's claim skips them while the
/// lease holds; the holder may claim its own again (the lease is renewed);
/// a recorded failure ends the lease; a lease never removes an entry.
///
/// # Panics
/// When a claim returns the wrong entries or leases.
pub async fn outbox_claims_lease_entries(store: &dyn AsyncTicketStore) {
    queue(store, T1, &[11, 12], None).await;
    queue(store, T2, &[21], None).await;
    queue(store, T1, &[13, 14], None).await;
    let all = [
        (T1, nid(11)),
        (T1, nid(12)),
        (T2, nid(21)),
        (T1, nid(13)),
        (T1, nid(14)),
    ];

    let a = OutboxClaim::new("worker-a", at(0), Duration::minutes(10), 2);
    let got = must(store.claim(&a).await, "claim");
    assert_eq!(
        leases_of(&got),
        vec![
            (T1, nid(11), Some(a.lease.clone())),
            (T1, nid(12), Some(a.lease.clone()))
        ],
        "store conformance: outbox_claims_lease_entries: a claim must return the oldest entries up to its limit, leased to the claimant"
    );
    assert_eq!(got[0].attempts, 0);
    let waiting = must(store.undelivered(10).await, "undelivered");
    assert_eq!(
        leases_of(&waiting),
        vec![
            (T1, nid(11), Some(a.lease.clone())),
            (T1, nid(12), Some(a.lease.clone())),
            (T2, nid(21), None),
            (T1, nid(13), None),
            (T1, nid(14), None),
        ],
        "store conformance: outbox_claims_lease_entries: undelivered must show the leases the store keeps, and keep every entry"
    );

    let b = OutboxClaim::new("worker-b", at(1), Duration::minutes(10), 10);
    let got = must(store.claim(&b).await, "claim");
    assert_eq!(
        ids_of(&got),
        all[2..].to_vec(),
        "store conformance: outbox_claims_lease_entries: another claimant must get only the entries nobody holds"
    );
    assert!(
        got.iter().all(|e| e.lease.as_ref() == Some(&b.lease)),
        "store conformance: outbox_claims_lease_entries: every claimed entry must carry the claim's lease: {got:?}"
    );
    let c = OutboxClaim::new("worker-c", at(2), Duration::minutes(10), 10);
    assert!(
        must(store.claim(&c).await, "claim").is_empty(),
        "store conformance: outbox_claims_lease_entries: nothing may be claimed while every entry is leased to others"
    );
    assert!(
        must(
            store
                .claim(&OutboxClaim::new(
                    "worker-c",
                    at(2),
                    Duration::minutes(1),
                    0
                ))
                .await,
            "claim with limit 0"
        )
        .is_empty()
    );

    // The holder claims its own again: the lease is renewed.
    let a2 = OutboxClaim::new("worker-a", at(3), Duration::minutes(10), 10);
    let got = must(store.claim(&a2).await, "claim again");
    assert_eq!(
        leases_of(&got),
        vec![
            (T1, nid(11), Some(a2.lease.clone())),
            (T1, nid(12), Some(a2.lease.clone()))
        ],
        "store conformance: outbox_claims_lease_entries: the holder's claim must return what it holds, with the new lease"
    );

    // Delivering one and failing the other: the failure ends its lease.
    must(
        store.mark_delivered_at(T1, nid(11), at(4)).await,
        "mark_delivered_at",
    );
    must(
        store.record_failure(T1, nid(12), "smtp 451").await,
        "record_failure",
    );
    let got = must(store.claim(&c).await, "claim after a failure");
    assert_eq!(
        leases_of(&got),
        vec![(T1, nid(12), Some(c.lease.clone()))],
        "store conformance: outbox_claims_lease_entries: a recorded failure must end the lease, so another claimant gets the entry"
    );
    assert_eq!(
        (got[0].attempts, got[0].last_error.as_deref()),
        (1, Some("smtp 451")),
        "store conformance: outbox_claims_lease_entries: a claim must return the entry's attempts and last error"
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        all[1..].to_vec(),
        "store conformance: outbox_claims_lease_entries: only delivery removes an entry; leases never do"
    );
}

/// A lease ends at its `until`: from then on another claimant gets the
/// entry (a dispatcher that died mid-lease loses nothing), not a moment
/// before. A lease never stops anyone marking the entry delivered.
///
/// # Panics
/// When an expired lease still holds, or a live one does not.
pub async fn outbox_claims_expire(store: &dyn AsyncTicketStore) {
    queue(store, T1, &[1, 2, 3], None).await;
    let dead = OutboxClaim::new("died-mid-lease", at(0), Duration::minutes(1), 2);
    assert_eq!(
        ids_of(&must(store.claim(&dead).await, "claim")),
        vec![(T1, nid(1)), (T1, nid(2))]
    );
    let just_before = dead.lease.until - Duration::nanoseconds(1);
    let early = OutboxClaim::new("rescuer", just_before, Duration::minutes(1), 10);
    assert_eq!(
        ids_of(&must(
            store.claim(&early).await,
            "claim before the lease ends"
        )),
        vec![(T1, nid(3))],
        "store conformance: outbox_claims_expire: a lease must hold until its last nanosecond"
    );
    let on_time = OutboxClaim::new("rescuer-2", dead.lease.until, Duration::minutes(1), 10);
    let got = must(store.claim(&on_time).await, "claim when the lease ends");
    assert_eq!(
        leases_of(&got),
        vec![
            (T1, nid(1), Some(on_time.lease.clone())),
            (T1, nid(2), Some(on_time.lease.clone()))
        ],
        "store conformance: outbox_claims_expire: at its end a lease has expired and the entries go to the next claimant"
    );
    // The first claimant marks one delivered after all (at-least-once):
    // allowed, whoever holds the lease now.
    must(
        store.mark_delivered_at(T1, nid(1), at(5)).await,
        "mark_delivered_at by a former holder",
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        vec![(T1, nid(2)), (T1, nid(3))],
        "store conformance: outbox_claims_expire: marking delivered must remove the entry whoever holds it"
    );
    let later = OutboxClaim::new("rescuer-3", at(10), Duration::minutes(1), 10);
    assert_eq!(
        ids_of(&must(
            store.claim(&later).await,
            "claim after every lease ended"
        )),
        vec![(T1, nid(2)), (T1, nid(3))],
        "store conformance: outbox_claims_expire: a delivered entry is never claimed again"
    );
}

/// A commit leased to a worker ([`Commit::leased_to`]) puts its
/// notifications in the outbox under that lease: other claimants do not
/// get them until it ends, the worker's own claim does; an unleased
/// commit's are claimable at once; a known id keeps its first entry and
/// lease.
///
/// # Panics
/// When a leased commit's notifications can be claimed by another worker
/// during the lease.
pub async fn outbox_commit_leases(store: &dyn AsyncTicketStore) {
    let desk = OutboxLease::new("desk-1", at(5));
    queue(store, T1, &[1, 2], Some(desk.clone())).await;
    queue(store, T2, &[3], None).await;
    assert_eq!(
        leases_of(&must(store.undelivered(10).await, "undelivered")),
        vec![
            (T1, nid(1), Some(desk.clone())),
            (T1, nid(2), Some(desk.clone())),
            (T2, nid(3), None)
        ],
        "store conformance: outbox_commit_leases: a leased commit's notifications must be stored with its lease"
    );
    let other = OutboxClaim::new("dispatcher", at(0), Duration::minutes(10), 10);
    assert_eq!(
        ids_of(&must(store.claim(&other).await, "claim")),
        vec![(T2, nid(3))],
        "store conformance: outbox_commit_leases: another worker must not claim a leased commit's notifications during the lease"
    );
    // The same ids committed again, unleased: ignored, the lease stays.
    queue(store, T1, &[1, 2], None).await;
    let own = OutboxClaim::new("desk-1", at(1), Duration::minutes(1), 10);
    assert_eq!(
        leases_of(&must(
            store.claim(&own).await,
            "claim by the commit's worker"
        )),
        vec![
            (T1, nid(1), Some(own.lease.clone())),
            (T1, nid(2), Some(own.lease.clone()))
        ],
        "store conformance: outbox_commit_leases: the committing worker may claim what it holds (and nothing another holds)"
    );
    must(
        store.mark_delivered_at(T1, nid(1), at(1)).await,
        "mark_delivered_at",
    );
    let after = OutboxClaim::new("dispatcher", own.lease.until, Duration::minutes(1), 10);
    assert_eq!(
        ids_of(&must(store.claim(&after).await, "claim after the lease")),
        vec![(T1, nid(2)), (T2, nid(3))],
        "store conformance: outbox_commit_leases: once the lease ends, what the worker did not deliver goes to the next claimant"
    );
}

/// Several claimants in threads (over two handles when the backend
/// declares [`Capabilities::shared`](super::Capabilities::shared)), each
/// claiming 5 at a time and marking what it got delivered, drain 120
/// notifications: every notification is claimed by exactly one of them,
/// once.
///
/// # Panics
/// When two claimants get the same entry, or one is never claimed.
pub fn outbox_concurrent_claims_are_disjoint(h: &mut Harness<'_>) {
    const TOTAL: u128 = 120;
    const THREADS: usize = 6;
    let ids: Vec<u128> = (1..=TOTAL).collect();
    h.block_on(async {
        for chunk in ids.chunks(10) {
            queue(h.store(), T1, chunk, None).await;
        }
    });
    let second = h.has_second_handle().then(|| h.second_handle());
    let stores: Vec<&dyn AsyncTicketStore> = match &second {
        Some(b) => vec![h.store(), &**b],
        None => vec![h.store()],
    };
    let claimed: Mutex<BTreeMap<u128, Vec<usize>>> = Mutex::new(BTreeMap::new());
    let start = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for worker in 0..THREADS {
            let store = stores[worker % stores.len()];
            let (claimed, start, h) = (&claimed, &start, &*h);
            scope.spawn(move || {
                let claim =
                    OutboxClaim::new(format!("worker-{worker}"), at(0), Duration::minutes(30), 5);
                start.wait();
                h.block_on(async {
                    for round in 0.. {
                        assert!(
                            round < 10_000,
                            "store conformance: outbox_concurrent_claims_are_disjoint: worker {worker} never drained the outbox"
                        );
                        let got = must(store.claim(&claim).await, "claim");
                        if got.is_empty() {
                            break;
                        }
                        for e in got {
                            let n = &e.notification;
                            claimed
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .entry(n.id.as_u128())
                                .or_default()
                                .push(worker);
                            must(store.mark_delivered_at(n.tenant, n.id, at(1)).await, "mark_delivered_at");
                        }
                    }
                });
            });
        }
    });
    let claimed = claimed.into_inner().unwrap_or_else(|p| p.into_inner());
    let shared: Vec<_> = claimed.iter().filter(|(_, w)| w.len() != 1).collect();
    assert!(
        shared.is_empty(),
        "store conformance: outbox_concurrent_claims_are_disjoint: entries claimed more than once while leased: {shared:?}"
    );
    assert_eq!(
        claimed.keys().copied().collect::<Vec<_>>(),
        ids,
        "store conformance: outbox_concurrent_claims_are_disjoint: every entry must be claimed"
    );
    assert!(
        must(h.block_on(h.store().undelivered(10)), "undelivered").is_empty(),
        "store conformance: outbox_concurrent_claims_are_disjoint: every claimed entry was marked delivered"
    );
}

/// `mark_delivered_at` records the first delivery time (to the
/// nanosecond); `prune_delivered` deletes delivered entries of every
/// tenant delivered before the cut-off, oldest delivery first (time unknown
/// first), at most its limit, never an undelivered one; a pruned id is
/// forgotten (unknown to `mark_delivered`, queued again by a commit).
///
/// # Panics
/// When the wrong entries are pruned, or a pruned id is still known.
pub async fn outbox_retention_prunes_old_deliveries(store: &dyn AsyncTicketStore) {
    queue(store, T1, &[1, 2, 3], None).await;
    queue(store, T2, &[4, 5, 6, 7], None).await;
    let exact = at(40) + Duration::nanoseconds(1);
    must(
        store.mark_delivered(T1, nid(1)).await,
        "mark_delivered (no time)",
    );
    must(
        store.mark_delivered_at(T1, nid(2), at(10)).await,
        "mark_delivered_at",
    );
    must(
        store.mark_delivered_at(T1, nid(3), at(5)).await,
        "mark_delivered_at",
    );
    must(
        store.mark_delivered_at(T2, nid(4), at(20)).await,
        "mark_delivered_at",
    );
    must(
        store.mark_delivered_at(T2, nid(6), at(1)).await,
        "mark_delivered_at",
    );
    // A second marking keeps the first time.
    must(
        store.mark_delivered_at(T2, nid(6), at(30)).await,
        "mark_delivered_at again",
    );
    must(
        store.mark_delivered_at(T2, nid(7), exact).await,
        "mark_delivered_at",
    );
    // 5 stays undelivered.

    let prune = |before, limit| async move {
        must(
            store.prune_delivered(before, limit).await,
            "prune_delivered",
        )
    };
    let known = |tenant, n| async move {
        match store.mark_delivered(tenant, nid(n)).await {
            Ok(()) => true,
            Err(StoreError::UnknownNotification { id }) if id == nid(n) => false,
            Err(e) => panic!(
                "store conformance: outbox_retention_prunes_old_deliveries: mark_delivered of {n}: {e} ({e:?})"
            ),
        }
    };
    assert_eq!(
        prune(at(1), 10).await,
        1,
        "store conformance: outbox_retention_prunes_old_deliveries: before the first recorded time only the delivery of unknown time goes"
    );
    assert!(
        !known(T1, 1).await,
        "store conformance: outbox_retention_prunes_old_deliveries: a pruned id must be UnknownNotification"
    );
    assert_eq!(
        prune(at(11), 1).await,
        1,
        "store conformance: outbox_retention_prunes_old_deliveries: the limit must hold"
    );
    assert!(
        !known(T2, 6).await && known(T1, 3).await,
        "store conformance: outbox_retention_prunes_old_deliveries: the oldest delivery goes first, and a second marking must keep the first delivery time"
    );
    assert_eq!(
        prune(at(11), 10).await,
        2,
        "store conformance: outbox_retention_prunes_old_deliveries: deliveries before the cut-off, across tenants"
    );
    assert!(!known(T1, 3).await && !known(T1, 2).await && known(T2, 4).await);
    assert_eq!(
        prune(exact, 10).await,
        1,
        "store conformance: outbox_retention_prunes_old_deliveries: only deliveries strictly before the cut-off go"
    );
    assert!(
        known(T2, 7).await,
        "store conformance: outbox_retention_prunes_old_deliveries: delivery times must be kept to the nanosecond"
    );
    assert_eq!(prune(exact + Duration::nanoseconds(1), 10).await, 1);
    assert!(!known(T2, 7).await);
    assert_eq!(prune(chrono::DateTime::<chrono::Utc>::MAX_UTC, 10).await, 0);
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        vec![(T2, nid(5))],
        "store conformance: outbox_retention_prunes_old_deliveries: an undelivered entry is never pruned"
    );
    // A pruned id is queued again by a commit; a known one is not.
    queue(store, T1, &[2], None).await;
    queue(store, T2, &[5], None).await;
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        vec![(T2, nid(5)), (T1, nid(2))],
        "store conformance: outbox_retention_prunes_old_deliveries: a commit must queue a pruned id again"
    );
}
