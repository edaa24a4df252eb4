//! Compare-and-set, all-or-nothing commits and `Commit::validate`.

use super::fixtures::*;
use crate::channel::Channel;
use crate::customer::Identity;
use crate::id::TicketId;
use crate::port::{
    AsyncTicketStore, Commit, CustomerWrite, Entity, ExpectedVersion, StoreError, TicketQuery,
    TicketWrite,
};

/// Creating a ticket or a customer that exists gives `AlreadyExists`
/// naming it, and changes nothing.
///
/// # Panics
/// On another outcome.
pub async fn new_twice_is_already_exists(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0x54_0000));
    must(
        store.commit(&commit_of(T1, vec![w.clone()])).await,
        "creating a ticket",
    );
    let again = simple(T1, w.ticket.id());
    match store.commit(&commit_of(T1, vec![again])).await {
        Err(StoreError::AlreadyExists {
            entity: Entity::Ticket(id),
        }) if id == w.ticket.id() => {}
        other => panic!(
            "store conformance: new_twice_is_already_exists: creating ticket {} twice must give AlreadyExists naming it, got {other:?}",
            w.ticket.id()
        ),
    }
    assert_eq!(
        must(store.events(T1, w.ticket.id()).await, "events"),
        w.events
    );

    let c = a_customer(
        T1,
        0xc3,
        vec![identity(Identity::email("new@twice.example"))],
    );
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c));
    must(store.commit(&commit).await, "creating a customer");
    let mut c2 = c.clone();
    c2.name = Some("Someone else".to_owned());
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c2));
    match store.commit(&commit).await {
        Err(StoreError::AlreadyExists {
            entity: Entity::Customer(id),
        }) if id == c.id => {}
        other => panic!(
            "store conformance: new_twice_is_already_exists: creating customer {} twice must give AlreadyExists naming it, got {other:?}",
            c.id
        ),
    }
    assert_eq!(must(store.customer(T1, c.id).await, "customer"), Some(c));
}

/// A write expecting another version than the stored one (behind, ahead,
/// or of a record that does not exist) gives `Conflict` with the expected
/// and actual versions, and changes nothing.
///
/// # Panics
/// On another outcome.
pub async fn stale_version_is_conflict(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0x55_0000));
    let id = w.ticket.id();
    must(
        store.commit(&commit_of(T1, vec![w.clone()])).await,
        "creating a ticket",
    );
    let v1 = w.ticket.version();
    let up = append(&w.ticket, at(5), vec![note(0x55, AGENT_A, at(5), "first")]);
    must(
        store.commit(&commit_of(T1, vec![up.clone()])).await,
        "updating a ticket",
    );
    let v2 = up.ticket.version();

    // Stale: built on the version before the update.
    let stale = append(&w.ticket, at(6), vec![note(0x56, AGENT_A, at(6), "lost")]);
    let check = async |write: TicketWrite,
                       expected: ExpectedVersion,
                       actual: Option<u64>,
                       what: &str| {
        let target = write.ticket.id();
        match store.commit(&commit_of(T1, vec![write])).await {
            Err(StoreError::Conflict {
                entity: Entity::Ticket(t),
                expected: e,
                actual: a,
            }) if t == target && e == expected && a == actual => {}
            other => panic!(
                "store conformance: stale_version_is_conflict: {what} must give Conflict {{ ticket {target}, expected {expected}, actual {actual:?} }}, got {other:?}"
            ),
        }
    };
    check(
        stale,
        ExpectedVersion::Version(v1),
        Some(v2),
        "a stale version",
    )
    .await;
    // Ahead of the stored version.
    let mut ahead_base = up.ticket.clone();
    let bump = ev(T1, id, v2 + 1, at(7), note(0x57, AGENT_A, at(7), "x"));
    ahead_base.apply(&bump);
    let ahead = append(
        &ahead_base,
        at(8),
        vec![note(0x58, AGENT_A, at(8), "ahead")],
    );
    check(
        ahead,
        ExpectedVersion::Version(v2 + 1),
        Some(v2),
        "a version ahead of the stored one",
    )
    .await;
    // A version of a ticket that does not exist.
    let ghost = simple(T1, TicketId::from_u128(0x55_0001));
    let ghost_up = append(
        &ghost.ticket,
        at(9),
        vec![note(0x59, AGENT_A, at(9), "ghost")],
    );
    check(
        ghost_up,
        ExpectedVersion::Version(ghost.ticket.version()),
        None,
        "an update of a ticket that does not exist",
    )
    .await;
    assert_eq!(
        must(store.ticket(T1, id).await, "ticket"),
        Some(up.ticket.clone())
    );
    assert_eq!(must(store.events(T1, id).await, "events").len() as u64, v2);
    assert_eq!(
        must(
            store.ticket(T1, TicketId::from_u128(0x55_0001)).await,
            "ticket"
        ),
        None
    );

    // Customers too.
    let c = a_customer(T1, 0xc4, vec![identity(Identity::email("cas@example.com"))]);
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c));
    must(store.commit(&commit).await, "creating a customer");
    let mut c3 = c.clone();
    c3.version = 3;
    let mut commit = Commit::new(T1);
    commit.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(2),
        customer: c3,
    });
    match store.commit(&commit).await {
        Err(StoreError::Conflict {
            entity: Entity::Customer(cid),
            expected: ExpectedVersion::Version(2),
            actual: Some(1),
        }) if cid == c.id => {}
        other => panic!(
            "store conformance: stale_version_is_conflict: updating customer {} at version 2 while it is at 1 must give Conflict, got {other:?}",
            c.id
        ),
    }
    let mut missing = a_customer(
        T1,
        0xc5,
        vec![identity(Identity::email("nobody@example.com"))],
    );
    missing.version = 2;
    let mut commit = Commit::new(T1);
    commit.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: missing,
    });
    match store.commit(&commit).await {
        Err(StoreError::Conflict {
            entity: Entity::Customer(_),
            expected: ExpectedVersion::Version(1),
            actual: None,
        }) => {}
        other => panic!(
            "store conformance: stale_version_is_conflict: updating a customer that does not exist must give Conflict with actual None, got {other:?}"
        ),
    }
    assert_eq!(must(store.customer(T1, c.id).await, "customer"), Some(c));
}

/// A commit that fails in any way writes nothing: tickets, events,
/// customers, identities, inbound records and the outbox are as before.
///
/// # Panics
/// When a failed commit left anything behind, or a commit did not fail.
pub async fn commit_is_all_or_nothing(store: &dyn AsyncTicketStore) {
    let existing = simple(T1, TicketId::from_u128(0x57_0000));
    let owner = a_customer(
        T1,
        0xc6,
        vec![identity(Identity::email("owner@example.com"))],
    );
    let used_key = inbound_key(Channel::Email, "<used@mail>");
    let mut setup = commit_of(T1, vec![existing.clone()]);
    setup.customers.push(new_customer(&owner));
    setup
        .inbound
        .push(inbound_rec(used_key.clone(), existing.ticket.id(), 1));
    setup
        .notifications
        .push(agent_notification(T1, 0x57_0001, existing.ticket.id()));
    must(store.commit(&setup).await, "setting up");

    let good1 = simple(T1, TicketId::from_u128(0x57_0010));
    let good2 = simple(T1, TicketId::from_u128(0x57_0011));
    let good_up = append(
        &existing.ticket,
        at(3),
        vec![note(0x5710, AGENT_A, at(3), "good")],
    );
    let fresh = a_customer(
        T1,
        0xc7,
        vec![identity(Identity::email("fresh@example.com"))],
    );
    let fresh_key = inbound_key(Channel::Email, "<fresh@mail>");
    let tickets = [existing.ticket.id(), good1.ticket.id(), good2.ticket.id()];
    let customers = [owner.id, fresh.id];
    let idents: Vec<Identity> = [&owner, &fresh]
        .iter()
        .flat_map(|c| c.identities.clone())
        .collect();
    let keys = [used_key.clone(), fresh_key.clone()];
    let before = snapshot(store, T1, &tickets, &customers, &idents, &keys).await;

    let base = || {
        let mut c = commit_of(T1, vec![good1.clone(), good_up.clone(), good2.clone()]);
        c.customers.push(new_customer(&fresh));
        c.inbound
            .push(inbound_rec(fresh_key.clone(), good1.ticket.id(), 2));
        c.notifications
            .push(agent_notification(T1, 0x57_0002, good1.ticket.id()));
        c.notifications
            .push(agent_notification(T1, 0x57_0003, good2.ticket.id()));
        c
    };
    let mut cases: Vec<(&str, Commit)> = Vec::new();
    // One stale ticket write among good ones (last, so the good ones may
    // already have been written by a careless backend).
    let mut c = base();
    c.tickets.push(append(
        &simple(T1, TicketId::from_u128(0x57_0099)).ticket,
        at(4),
        vec![note(0x5799, AGENT_A, at(4), "stale")],
    ));
    cases.push(("a stale ticket write among good ones", c));
    let mut c = base();
    c.tickets.push(simple(T1, existing.ticket.id()));
    c.tickets.remove(1);
    cases.push(("creating a ticket that exists, among good writes", c));
    let mut c = base();
    c.inbound
        .push(inbound_rec(used_key.clone(), good2.ticket.id(), 3));
    cases.push(("a duplicate inbound key", c));
    let mut c = base();
    c.customers.push(new_customer(&a_customer(
        T1,
        0xc8,
        owner.identities.clone(),
    )));
    cases.push(("an identity another customer owns", c));
    let mut c = base();
    let mut stale_owner = owner.clone();
    stale_owner.version = 3;
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(2),
        customer: stale_owner,
    });
    cases.push(("a stale customer write", c));

    for (what, commit) in cases {
        match store.commit(&commit).await {
            Err(e)
                if !matches!(
                    e,
                    StoreError::Backend { .. } | StoreError::InvalidCommit { .. }
                ) => {}
            other => panic!(
                "store conformance: commit_is_all_or_nothing: a commit with {what} must fail with a conflict-type error, got {other:?}"
            ),
        }
        let after = snapshot(store, T1, &tickets, &customers, &idents, &keys).await;
        assert!(
            after == before,
            "store conformance: commit_is_all_or_nothing: a failed commit with {what} changed the store:\nbefore: {before:?}\nafter: {after:?}"
        );
    }
    // The same commit without the fault goes through whole.
    must(store.commit(&base()).await, "the commit without its fault");
    let after = snapshot(store, T1, &tickets, &customers, &idents, &keys).await;
    assert_eq!(after.tickets[1].as_ref(), Some(&good1.ticket));
    assert_eq!(after.tickets[0].as_ref(), Some(&good_up.ticket));
    assert_eq!(after.outbox.len(), 3);
}

/// Every inconsistency [`Commit::validate`] finds is returned as
/// `InvalidCommit`, and nothing is written.
///
/// # Panics
/// On another outcome.
pub async fn invalid_commit_is_rejected(store: &dyn AsyncTicketStore) {
    let good = simple(T1, TicketId::from_u128(0x58_0000));
    let mut cases: Vec<(&str, Commit)> = Vec::new();
    // A ticket of another tenant.
    let foreign = simple(T2, TicketId::from_u128(0x58_0001));
    cases.push((
        "a ticket of another tenant",
        commit_of(T1, vec![good.clone(), foreign]),
    ));
    // A gap in the sequences.
    let mut gap = simple(T1, TicketId::from_u128(0x58_0002));
    if let Some(e) = gap.events.last_mut() {
        e.sequence += 1;
    }
    cases.push((
        "events with a gap in their sequence",
        commit_of(T1, vec![good.clone(), gap]),
    ));
    // A version that is not the last sequence.
    let mut wrong_version = simple(T1, TicketId::from_u128(0x58_0003));
    wrong_version.events.pop();
    cases.push((
        "a ticket version that is not its last event",
        commit_of(T1, vec![good.clone(), wrong_version]),
    ));
    // No events.
    let mut empty = simple(T1, TicketId::from_u128(0x58_0004));
    empty.events.clear();
    cases.push((
        "a ticket write without events",
        commit_of(T1, vec![good.clone(), empty]),
    ));
    // A customer at the wrong version.
    let mut c = commit_of(T1, vec![good.clone()]);
    let mut cust = a_customer(T1, 0xc9, vec![identity(Identity::email("v0@example.com"))]);
    cust.version = 5;
    c.customers.push(new_customer(&cust));
    cases.push(("a new customer not at version 1", c));
    // A notification of another tenant.
    let mut c = commit_of(T1, vec![good.clone()]);
    c.notifications
        .push(agent_notification(T2, 0x58_0001, good.ticket.id()));
    cases.push(("a notification of another tenant", c));
    // The same ticket twice.
    cases.push((
        "the same ticket twice",
        commit_of(T1, vec![good.clone(), good.clone()]),
    ));

    for (what, commit) in cases {
        match store.commit(&commit).await {
            Err(StoreError::InvalidCommit { .. }) => {}
            other => panic!(
                "store conformance: invalid_commit_is_rejected: a commit with {what} must give InvalidCommit (call Commit::validate first), got {other:?}"
            ),
        }
        assert_eq!(
            must(store.ticket(T1, good.ticket.id()).await, "ticket"),
            None,
            "store conformance: invalid_commit_is_rejected: a commit with {what} wrote its good ticket"
        );
        assert!(must(store.undelivered(10).await, "undelivered").is_empty());
        assert!(
            must(store.query(T2, &TicketQuery::new()).await, "query")
                .items
                .is_empty()
        );
    }
}
