//! Ticket queries: filters, orders, limits, paging, against an independent model.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::fixtures::*;
use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, TenantId, TicketId};
use crate::port::{AsyncTicketStore, Cursor, ExpectedVersion, TicketOrder, TicketQuery};
use crate::testing::TicketBuilder;
use crate::ticket::{EventKind, Status, Ticket};

/// The query model: what a query must return from `tickets` (every ticket
/// of the tenant, as written), worked out from the [`TicketQuery`] docs with
/// plain iterator code. It does not use the query's own helpers
/// (`matches`, `cursor_of`, `is_after`, `effective_limit`), which stores
/// may use, so a mistake there does not hide a store's.
///
/// Returns every match after the cursor, in order, with its sort key.
fn model(tickets: &[Ticket], q: &TicketQuery) -> Vec<(DateTime<Utc>, TicketId)> {
    let descending = q.order == TicketOrder::UpdatedDesc;
    let mut rows: Vec<(DateTime<Utc>, TicketId)> = tickets
        .iter()
        // "Any of these statuses (empty: any status)".
        .filter(|t| q.statuses.is_empty() || q.statuses.iter().any(|s| *s == t.status()))
        // "Assigned to this agent", "Requested by this customer", "Opened on
        // this channel".
        .filter(|t| q.assignee.is_none() || t.assignee() == q.assignee)
        .filter(|t| q.customer.is_none() || Some(t.customer()) == q.customer)
        .filter(|t| q.channel.is_none() || Some(t.channel()) == q.channel)
        // "Carrying this tag": that very tag, not a prefix of it.
        .filter(|t| match &q.tag {
            None => true,
            Some(tag) => t.tags().iter().any(|have| have == tag),
        })
        // "Updated at or after this instant", "strictly before this instant".
        .filter(|t| match q.updated_from {
            None => true,
            Some(from) => t.updated_at() >= from,
        })
        .filter(|t| match q.updated_before {
            None => true,
            Some(before) => t.updated_at() < before,
        })
        // "Every order ends with the ticket id".
        .map(|t| match q.order {
            TicketOrder::CreatedAsc => (t.created_at(), t.id()),
            TicketOrder::UpdatedAsc | TicketOrder::UpdatedDesc => (t.updated_at(), t.id()),
        })
        .collect();
    rows.sort();
    if descending {
        rows.reverse();
    }
    // "Continue after this cursor": strictly after it in the order.
    if let Some(c) = q.after {
        rows.retain(|&key| {
            if descending {
                key < (c.at, c.id)
            } else {
                key > (c.at, c.id)
            }
        });
    }
    rows
}

/// "Page size (1 to 1,000; 0 means the default, 50)."
fn model_limit(q: &TicketQuery) -> usize {
    match q.limit {
        0 => 50,
        n if n > 1000 => 1000,
        n => n,
    }
}

/// The ids [`model`] says the query matches, in order (all pages).
fn expected(tickets: &[Ticket], q: &TicketQuery) -> Vec<TicketId> {
    model(tickets, q).into_iter().map(|(_, id)| id).collect()
}

const ORDERS: [TicketOrder; 3] = [
    TicketOrder::CreatedAsc,
    TicketOrder::UpdatedAsc,
    TicketOrder::UpdatedDesc,
];

async fn check_query(
    store: &dyn AsyncTicketStore,
    tenant: TenantId,
    all: &[Ticket],
    q: &TicketQuery,
) {
    let page = must(store.query(tenant, q).await, format_args!("query {q:?}"));
    let want = model(all, q);
    let limit = model_limit(q);
    let want_page: Vec<TicketId> = want.iter().take(limit).map(|&(_, id)| id).collect();
    assert_eq!(
        ids(&page.items),
        want_page,
        "store conformance: query {q:?} returned the wrong tickets or order"
    );
    for t in &page.items {
        let stored = all.iter().find(|s| s.id() == t.id());
        assert_eq!(
            Some(t),
            stored,
            "store conformance: a ticket returned by query {q:?} differs from the one stored"
        );
    }
    let want_next = match want.get(limit) {
        Some(_) => want
            .get(limit.saturating_sub(1))
            .map(|&(at, id)| Cursor::new(at, id)),
        None => None,
    };
    assert_eq!(
        page.next,
        want_next,
        "store conformance: query {q:?}: next must be Some exactly when more tickets follow ({} match, limit {limit}), and then the sort key of the last ticket returned",
        want.len()
    );
}

/// Every filter, alone and combined, and their boundaries.
///
/// # Panics
/// When a query returns other tickets than the matching ones in order.
pub async fn query_filters(store: &dyn AsyncTicketStore) {
    let all = store_varied(store, T1, 36).await;
    let some_updated = all[7].updated_at();
    let mut queries = vec![
        TicketQuery::new().limit(1000),
        TicketQuery::new().assignee(AGENT_A).limit(1000),
        TicketQuery::new().assignee(AGENT_B).limit(1000),
        TicketQuery::new()
            .assignee(AgentId::from_u128(0xdead))
            .limit(1000),
        TicketQuery::new()
            .customer(CustomerId::from_u128(2))
            .limit(1000),
        TicketQuery::new().channel(Channel::LiveChat).limit(1000),
        TicketQuery::new().channel(Channel::Sms).limit(1000),
        TicketQuery::new().tag(tag("shipping")).limit(1000),
        TicketQuery::new().tag(tag("shipping/late")).limit(1000),
        TicketQuery::new().tag(tag("ship")).limit(1000),
        TicketQuery::new().tag(tag("shippin")).limit(1000),
        TicketQuery::new().tag(tag("late")).limit(1000),
        TicketQuery::new()
            .updated_between(some_updated, some_updated + Duration::hours(5))
            .limit(1000),
        TicketQuery::new()
            .updated_between(some_updated, some_updated)
            .limit(1000),
        TicketQuery::new()
            .updated_between(some_updated, some_updated + Duration::nanoseconds(1))
            .limit(1000),
        TicketQuery::new()
            .updated_between(some_updated - Duration::nanoseconds(1), some_updated)
            .limit(1000),
        TicketQuery::new()
            .status(Status::Open)
            .status(Status::New)
            .tag(tag("shipping"))
            .customer(CustomerId::from_u128(1))
            .limit(1000),
        TicketQuery::new()
            .status(Status::Solved)
            .assignee(AGENT_A)
            .channel(Channel::Email)
            .limit(1000),
    ];
    let mut from_only = TicketQuery::new().limit(1000);
    from_only.updated_from = Some(some_updated);
    queries.push(from_only);
    let mut before_only = TicketQuery::new().limit(1000);
    before_only.updated_before = Some(some_updated);
    queries.push(before_only);
    for s in Status::ALL {
        queries.push(TicketQuery::new().status(s).limit(1000));
    }
    for base in queries {
        for order in ORDERS {
            check_query(store, T1, &all, &base.clone().order(order)).await;
        }
    }
    // Sanity of the fixture: the filters above are not all empty.
    assert!(!expected(&all, &TicketQuery::new().tag(tag("ship"))).is_empty());
    assert!(!expected(&all, &TicketQuery::new().status(Status::Closed)).is_empty());
}

/// Five tickets with hand-picked times, statuses and tags, and queries
/// whose answers are written out by hand (ids, and the next cursors while
/// paging), so the query model itself is checked against plain facts.
///
/// | id   | created | updated | status | tags    |
/// |------|---------|---------|--------|---------|
/// | 0x30 | 0       | 50      | New    | billing |
/// | 0x10 | 10      | 10      | New    |         |
/// | 0x20 | 10      | 40      | New    | billing |
/// | 0x40 | 20      | 40      | Open   |         |
/// | 0x05 | 30      | 30      | New    |         |
///
/// # Panics
/// When an answer differs.
pub async fn query_fixed_answers(store: &dyn AsyncTicketStore) {
    let plan: [(u128, i64, i64, bool, bool); 5] = [
        // (id, created, updated, opened (else still new), billing tag)
        (0x30, 0, 50, false, true),
        (0x10, 10, 10, false, false),
        (0x20, 10, 40, false, true),
        (0x40, 20, 40, true, false),
        (0x05, 30, 30, false, false),
    ];
    let mut all = Vec::new();
    for (id, created, updated, opened, billing) in plan {
        let mut b = TicketBuilder::new()
            .tenant(T1)
            .id(TicketId::from_u128(id))
            .opened_at(at(created));
        if billing {
            b = b.tag("billing");
        }
        let mut w = create(b.events());
        if updated != created {
            let kind = if opened {
                EventKind::StatusChanged {
                    from: Status::New,
                    to: Status::Open,
                }
            } else {
                note(0x9000 + id, AGENT_A, at(updated), "later")
            };
            let mut up = append(&w.ticket, at(updated), vec![kind]);
            up.expected = ExpectedVersion::New;
            up.events = [w.events, up.events].concat();
            w = up;
        }
        let t = &w.ticket;
        assert!(
            (t.created_at(), t.updated_at(), t.status() == Status::Open)
                == (at(created), at(updated), opened),
            "store conformance fixture: query_fixed_answers: ticket {id:#x} is not as planned: {t:?}"
        );
        must(
            store.commit(&commit_of(T1, vec![w.clone()])).await,
            "storing the fixed tickets",
        );
        all.push(w.ticket);
    }
    let tid = TicketId::from_u128;
    let q = TicketQuery::new;
    let answers: Vec<(&str, TicketQuery, Vec<u128>)> = vec![
        (
            "everything, CreatedAsc",
            q(),
            vec![0x30, 0x10, 0x20, 0x40, 0x05],
        ),
        (
            "everything, UpdatedAsc",
            q().order(TicketOrder::UpdatedAsc),
            vec![0x10, 0x05, 0x20, 0x40, 0x30],
        ),
        (
            "everything, UpdatedDesc",
            q().order(TicketOrder::UpdatedDesc),
            vec![0x30, 0x40, 0x20, 0x05, 0x10],
        ),
        ("tag billing", q().tag(tag("billing")), vec![0x30, 0x20]),
        ("tag bill (a prefix)", q().tag(tag("bill")), vec![]),
        ("status Open", q().status(Status::Open), vec![0x40]),
        (
            "status New, UpdatedDesc",
            q().status(Status::New).order(TicketOrder::UpdatedDesc),
            vec![0x30, 0x20, 0x05, 0x10],
        ),
        (
            "updated in [30, 50)",
            q().updated_between(at(30), at(50)),
            vec![0x20, 0x40, 0x05],
        ),
        (
            "UpdatedAsc after (40, 0x20), a cursor no page returned",
            q().order(TicketOrder::UpdatedAsc)
                .after(Some(Cursor::new(at(40), tid(0x20)))),
            vec![0x40, 0x30],
        ),
        (
            "UpdatedDesc after (40, 0x40)",
            q().order(TicketOrder::UpdatedDesc)
                .after(Some(Cursor::new(at(40), tid(0x40)))),
            vec![0x20, 0x05, 0x10],
        ),
        (
            "CreatedAsc after (10, 0x15), between two ids of one instant",
            q().after(Some(Cursor::new(at(10), tid(0x15)))),
            vec![0x20, 0x40, 0x05],
        ),
    ];
    for (what, query, want) in answers {
        let want: Vec<TicketId> = want.into_iter().map(tid).collect();
        assert_eq!(
            expected(&all, &query),
            want,
            "store conformance fixture: query_fixed_answers: the query model is wrong for {what}"
        );
        let page = must(store.query(T1, &query).await, format_args!("query {what}"));
        assert_eq!(
            (ids(&page.items), page.next),
            (want, None),
            "store conformance: query_fixed_answers: {what}"
        );
    }
    // Paging by hand: the pages and their cursors.
    // Each page: the ids, and the next cursor as (minute, id).
    type Pages = Vec<(Vec<u128>, Option<(i64, u128)>)>;
    let pages: Vec<(TicketOrder, usize, Pages)> = vec![
        (
            TicketOrder::UpdatedAsc,
            2,
            vec![
                (vec![0x10, 0x05], Some((30, 0x05))),
                (vec![0x20, 0x40], Some((40, 0x40))),
                (vec![0x30], None),
            ],
        ),
        (
            TicketOrder::UpdatedDesc,
            3,
            vec![
                (vec![0x30, 0x40, 0x20], Some((40, 0x20))),
                (vec![0x05, 0x10], None),
            ],
        ),
        (
            TicketOrder::CreatedAsc,
            5,
            vec![(vec![0x30, 0x10, 0x20, 0x40, 0x05], None)],
        ),
    ];
    for (order, limit, want_pages) in pages {
        let mut after = None;
        for (n, (want_ids, want_next)) in want_pages.into_iter().enumerate() {
            let query = q().order(order).limit(limit).after(after);
            let page = must(store.query(T1, &query).await, "query");
            let want_next = want_next.map(|(m, id)| Cursor::new(at(m), tid(id)));
            assert_eq!(
                (ids(&page.items), page.next),
                (want_ids.into_iter().map(tid).collect(), want_next),
                "store conformance: query_fixed_answers: page {} of {order:?} by {limit}",
                n + 1
            );
            after = page.next;
        }
    }
}

/// Each order sorts by its timestamp, then by ticket id (ties on the
/// timestamp are in the fixture), ascending or descending whole.
///
/// # Panics
/// When the order differs.
pub async fn query_orders(store: &dyn AsyncTicketStore) {
    let all = store_varied(store, T1, 24).await;
    for order in ORDERS {
        let q = TicketQuery::new().order(order).limit(1000);
        check_query(store, T1, &all, &q).await;
        let got = ids(&must(store.query(T1, &q).await, "query").items);
        let mut keys: Vec<(DateTime<Utc>, TicketId)> = got
            .iter()
            .filter_map(|id| all.iter().find(|t| t.id() == *id))
            .map(|t| match order {
                TicketOrder::CreatedAsc => (t.created_at(), t.id()),
                _ => (t.updated_at(), t.id()),
            })
            .collect();
        if order == TicketOrder::UpdatedDesc {
            keys.reverse();
        }
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "store conformance: query_orders: {order:?} must sort by its timestamp then by id"
        );
    }
}

/// Paging through with the cursor while nothing is written returns every
/// match exactly once, in order, for each order and several page sizes.
///
/// # Panics
/// When a ticket is missed, repeated or out of order.
pub async fn query_paging_is_stable(store: &dyn AsyncTicketStore) {
    let all = store_varied(store, T1, 30).await;
    for order in ORDERS {
        for limit in [1usize, 4, 7, 30, 31] {
            for filter in [TicketQuery::new(), TicketQuery::new().tag(tag("shipping"))] {
                let base = filter.order(order).limit(limit);
                let want = expected(&all, &base);
                let mut got = Vec::new();
                let mut after = None;
                let mut pages = 0;
                loop {
                    let q = base.clone().after(after);
                    check_query(store, T1, &all, &q).await;
                    let page = must(store.query(T1, &q).await, "query");
                    pages += 1;
                    assert!(
                        pages <= want.len() + 1,
                        "store conformance: query_paging_is_stable: paging does not end"
                    );
                    got.extend(ids(&page.items));
                    match page.next {
                        Some(c) => after = Some(c),
                        None => break,
                    }
                }
                assert_eq!(
                    got, want,
                    "store conformance: query_paging_is_stable: paging {order:?} by {limit} must return every match once, in order"
                );
            }
        }
    }
}

/// Paging while tickets are updated between pages: with `CreatedAsc` every
/// ticket is returned exactly once; with the `Updated*` orders every
/// ticket that was not updated is returned exactly once, an updated one at
/// most twice (`UpdatedAsc`: at least once) or at most once
/// (`UpdatedDesc`), as the contract says.
///
/// # Panics
/// When a ticket that was not updated is missed or repeated.
pub async fn query_paging_with_concurrent_updates(store: &dyn AsyncTicketStore) {
    let all = store_varied(store, T1, 24).await;
    let mut minute = 100_000;
    for order in ORDERS {
        let mut seen: BTreeMap<TicketId, usize> = BTreeMap::new();
        let mut updated: BTreeSet<TicketId> = BTreeSet::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let q = TicketQuery::new().order(order).limit(5).after(after);
            let page = must(store.query(T1, &q).await, "query");
            for t in &page.items {
                *seen.entry(t.id()).or_default() += 1;
            }
            // Update one ticket already returned and one not yet returned.
            let current = all_tickets(store, T1, TicketOrder::CreatedAsc).await;
            let pick_seen = current
                .iter()
                .find(|t| seen.contains_key(&t.id()) && !updated.contains(&t.id()));
            let pick_unseen = current
                .iter()
                .rev()
                .find(|t| !seen.contains_key(&t.id()) && !updated.contains(&t.id()));
            for t in [pick_seen, pick_unseen].into_iter().flatten() {
                minute += 1;
                let w = append(
                    t,
                    at(minute),
                    vec![note(0x7000 + minute as u128, AGENT_A, at(minute), "moved")],
                );
                must(
                    store.commit(&commit_of(T1, vec![w])).await,
                    "updating while paging",
                );
                updated.insert(t.id());
            }
            pages += 1;
            assert!(
                pages < 100,
                "store conformance: query_paging_with_concurrent_updates: paging does not end"
            );
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        for t in &all {
            let n = seen.get(&t.id()).copied().unwrap_or(0);
            let ok = match (order, updated.contains(&t.id())) {
                (TicketOrder::CreatedAsc, _) | (_, false) => n == 1,
                (TicketOrder::UpdatedAsc, true) => (1..=2).contains(&n),
                (_, true) => n <= 1,
            };
            assert!(
                ok,
                "store conformance: query_paging_with_concurrent_updates: paging {order:?} returned ticket {} {n} times (updated while paging: {})",
                t.id(),
                updated.contains(&t.id())
            );
        }
    }
}

/// A limit of 0 means 50; a limit above 1,000 means 1,000.
///
/// # Panics
/// When a page has another size.
pub async fn query_limits(store: &dyn AsyncTicketStore) {
    let mut writes = Vec::new();
    for i in 0..1001u128 {
        writes.push(simple(T1, TicketId::from_u128(0x2_0000 + i)));
    }
    must(
        store.commit(&commit_of(T1, writes)).await,
        "committing 1,001 tickets at once",
    );
    let page = must(store.query(T1, &TicketQuery::new()).await, "query");
    assert_eq!(
        page.items.len(),
        TicketQuery::DEFAULT_LIMIT,
        "store conformance: query_limits: limit 0 must give pages of 50"
    );
    assert!(page.next.is_some());
    let page = must(
        store.query(T1, &TicketQuery::new().limit(5000)).await,
        "query",
    );
    assert_eq!(
        page.items.len(),
        TicketQuery::MAX_LIMIT,
        "store conformance: query_limits: a limit above 1,000 must give pages of 1,000"
    );
    assert!(page.next.is_some());
    let rest = must(
        store
            .query(T1, &TicketQuery::new().limit(5000).after(page.next))
            .await,
        "query",
    );
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next.is_none());
}
