//! Customers and their identities.

use super::Harness;
use super::fixtures::*;
use crate::channel::Channel;
use crate::customer::Identity;
use crate::port::{AsyncTicketStore, Commit, CustomerWrite, ExpectedVersion, StoreError};
use crate::testing::SequentialIds;

/// A customer with every identity kind, read by id and by each identity;
/// an update that drops an identity frees it and adds the new one.
///
/// # Panics
/// When a read differs from what was written.
pub async fn round_trip_customer_every_identity_kind(store: &dyn AsyncTicketStore) {
    let email = identity(Identity::email("Ana.Silva@Example.com"));
    let phone = identity(Identity::phone("+44 7700 900123"));
    let social = identity(Identity::social("Twitter", "@AnaS"));
    let external = identity(Identity::external("shop", "C-17/ä"));
    let c = a_customer(
        T1,
        0xc1,
        vec![
            email.clone(),
            phone.clone(),
            social.clone(),
            external.clone(),
        ],
    );
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c));
    must(store.commit(&commit).await, "committing a customer");
    assert_eq!(
        must(store.customer(T1, c.id).await, "customer"),
        Some(c.clone()),
        "store conformance: round_trip_customer_every_identity_kind: the customer read back differs"
    );
    for i in &c.identities {
        assert_eq!(
            must(
                store.customer_by_identity(T1, i).await,
                "customer_by_identity"
            ),
            Some(c.clone()),
            "store conformance: round_trip_customer_every_identity_kind: customer_by_identity({i}) must find the owner"
        );
    }
    let mut c2 = c.clone();
    c2.identities.retain(|i| *i != phone);
    let new_phone = identity(Identity::phone("+1 415 555 0132"));
    c2.identities.push(new_phone.clone());
    c2.name = None;
    c2.segment = None;
    c2.version = 2;
    let mut commit = Commit::new(T1);
    commit.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: c2.clone(),
    });
    must(store.commit(&commit).await, "updating a customer");
    assert_eq!(
        must(store.customer(T1, c.id).await, "customer"),
        Some(c2.clone())
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone).await,
            "customer_by_identity"
        ),
        None,
        "store conformance: round_trip_customer_every_identity_kind: an identity dropped by an update must no longer find the customer"
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &new_phone).await,
            "customer_by_identity"
        ),
        Some(c2.clone())
    );
    // The dropped identity is free for another customer.
    let other = a_customer(T1, 0xc2, vec![phone.clone()]);
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&other));
    must(
        store.commit(&commit).await,
        "another customer claiming an identity the first one dropped",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone).await,
            "customer_by_identity"
        ),
        Some(other)
    );
}

/// An identity belongs to one customer per tenant: claiming it for another
/// gives `IdentityTaken` naming the owner (also when two customers of one
/// commit claim it); the owner may keep it across updates.
///
/// # Panics
/// On another outcome.
pub async fn identities_are_unique_per_tenant(store: &dyn AsyncTicketStore) {
    let shared = identity(Identity::phone("+44 7700 900999"));
    let ana = a_customer(T1, 0xd1, vec![shared.clone()]);
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&ana));
    must(store.commit(&c).await, "creating a customer");
    let bob = a_customer(
        T1,
        0xd2,
        vec![identity(Identity::email("bob@example.com")), shared.clone()],
    );
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&bob));
    match store.commit(&c).await {
        Err(StoreError::IdentityTaken { identity: i, owner }) if i == shared && owner == ana.id => {
        }
        other => panic!(
            "store conformance: identities_are_unique_per_tenant: claiming {shared} owned by {} must give IdentityTaken naming the owner, got {other:?}",
            ana.id
        ),
    }
    assert_eq!(must(store.customer(T1, bob.id).await, "customer"), None);
    assert_eq!(
        must(
            store
                .customer_by_identity(T1, &identity(Identity::email("bob@example.com")))
                .await,
            "customer_by_identity"
        ),
        None
    );
    // Two customers of one commit claiming one new identity.
    let fresh = identity(Identity::email("both@example.com"));
    let mut c = Commit::new(T1);
    c.customers
        .push(new_customer(&a_customer(T1, 0xd3, vec![fresh.clone()])));
    c.customers
        .push(new_customer(&a_customer(T1, 0xd4, vec![fresh.clone()])));
    match store.commit(&c).await {
        Err(StoreError::IdentityTaken { identity: i, .. }) if i == fresh => {}
        other => panic!(
            "store conformance: identities_are_unique_per_tenant: two customers of one commit claiming {fresh} must give IdentityTaken, got {other:?}"
        ),
    }
    assert_eq!(
        must(
            store.customer_by_identity(T1, &fresh).await,
            "customer_by_identity"
        ),
        None
    );
    // The owner keeps it across an update.
    let mut ana2 = ana.clone();
    ana2.version = 2;
    ana2.identities.push(fresh.clone());
    let mut c = Commit::new(T1);
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: ana2.clone(),
    });
    must(
        store.commit(&c).await,
        "the owner updating with its identity",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &shared).await,
            "customer_by_identity"
        ),
        Some(ana2.clone())
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &fresh).await,
            "customer_by_identity"
        ),
        Some(ana2)
    );
}

/// One commit may move an identity: a customer written without it releases
/// it, and another customer of the same commit claims it, whichever of the
/// two writes comes first in the commit.
///
/// # Panics
/// When the move is refused or the identity ends with the wrong owner.
pub async fn identity_moves_between_customers_in_one_commit(store: &dyn AsyncTicketStore) {
    let phone = identity(Identity::phone("+44 7700 900555"));
    let ana = a_customer(
        T1,
        0xd5,
        vec![identity(Identity::email("ana@move.example")), phone.clone()],
    );
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&ana));
    must(store.commit(&c).await, "creating the first owner");
    // The claim first, then the release.
    let bob = a_customer(T1, 0xd6, vec![phone.clone()]);
    let mut ana2 = ana.clone();
    ana2.identities.retain(|i| *i != phone);
    ana2.version = 2;
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&bob));
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: ana2.clone(),
    });
    must(
        store.commit(&c).await,
        "identity_moves_between_customers_in_one_commit: moving an identity (claim listed first)",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone).await,
            "customer_by_identity"
        ),
        Some(bob.clone()),
        "store conformance: identity_moves_between_customers_in_one_commit: the identity must end with its new owner"
    );
    // Back again: the release first, then the claim.
    let mut bob2 = bob.clone();
    bob2.identities.clear();
    bob2.version = 2;
    let mut ana3 = ana2.clone();
    ana3.identities.push(phone.clone());
    ana3.version = 3;
    let mut c = Commit::new(T1);
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: bob2,
    });
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(2),
        customer: ana3.clone(),
    });
    must(
        store.commit(&c).await,
        "identity_moves_between_customers_in_one_commit: moving an identity back (release listed first)",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone).await,
            "customer_by_identity"
        ),
        Some(ana3),
        "store conformance: identity_moves_between_customers_in_one_commit: the identity must end with its new owner"
    );
}

/// Pairs of different identities whose parts, joined naively (with `:`,
/// another separator, nothing, or without the kind), are the same text;
/// `n` makes a fresh set.
fn lookalike_pairs(n: u32) -> Vec<(Identity, Identity)> {
    vec![
        (
            identity(Identity::external(&format!("shop{n}:eu"), "42")),
            identity(Identity::external(&format!("shop{n}"), "eu:42")),
        ),
        (
            identity(Identity::external(&format!("a{n}:b"), "c:d")),
            identity(Identity::external(&format!("a{n}"), "b:c:d")),
        ),
        (
            identity(Identity::external(&format!("shop{n}"), "x%3Ay")),
            identity(Identity::external(&format!("shop{n}"), "x:y")),
        ),
        (
            identity(Identity::social(&format!("twit{n}"), "terana")),
            identity(Identity::social(&format!("twit{n}ter"), "ana")),
        ),
        (
            identity(Identity::social(&format!("x{n}-y"), "z")),
            identity(Identity::social(&format!("x{n}"), "y-z")),
        ),
        (
            identity(Identity::social(&format!("net{n}"), "ana")),
            identity(Identity::external(&format!("net{n}"), "ana")),
        ),
    ]
}

/// Different identities whose parts joined naively are the same text
/// (`external("shop:eu", "42")` and `external("shop", "eu:42")`, social
/// handles likewise, the same parts under two kinds) belong to different
/// customers: each is registered, and each finds its own customer.
///
/// # Panics
/// When registering one is refused, or one finds the other's customer.
pub async fn lookalike_identities_stay_apart(store: &dyn AsyncTicketStore) {
    let mut next = 0xe0_u128;
    for (a, b) in lookalike_pairs(0) {
        let mut owners = Vec::new();
        for i in [&a, &b] {
            next += 1;
            let c = a_customer(T1, next, vec![i.clone()]);
            let mut commit = Commit::new(T1);
            commit.customers.push(new_customer(&c));
            if let Err(e) = store.commit(&commit).await {
                panic!(
                    "store conformance: lookalike_identities_stay_apart: registering {i:?} must succeed (it differs from {a:?} / {b:?}), got {e:?}"
                );
            }
            owners.push((i, c));
        }
        for (i, c) in &owners {
            assert_eq!(
                must(
                    store.customer_by_identity(T1, i).await,
                    "customer_by_identity"
                ),
                Some(c.clone()),
                "store conformance: lookalike_identities_stay_apart: {i:?} must find its own customer"
            );
        }
    }
    // In one commit too.
    let pairs = lookalike_pairs(1);
    let mut commit = Commit::new(T1);
    let mut owners = Vec::new();
    for i in pairs.iter().flat_map(|(a, b)| [a, b]) {
        next += 1;
        let c = a_customer(T1, next, vec![i.clone()]);
        commit.customers.push(new_customer(&c));
        owners.push((i, c));
    }
    must(
        store.commit(&commit).await,
        "lookalike_identities_stay_apart: one commit registering look-alike identities",
    );
    for (i, c) in &owners {
        assert_eq!(
            must(
                store.customer_by_identity(T1, i).await,
                "customer_by_identity"
            ),
            Some(c.clone()),
            "store conformance: lookalike_identities_stay_apart: {i:?} must find its own customer"
        );
    }
}

/// Through a [`Desk`](crate::Desk) on the store: a message from each of two
/// look-alike identities opens a ticket for a customer of its own, and
/// registering look-alike identities gives two customers.
///
/// # Panics
/// When the second message lands on the first's ticket or customer, or a
/// registration is refused.
pub fn desk_keeps_lookalike_identities_apart(h: &mut Harness<'_>) {
    let desk = crate::Desk::new(
        h.blocking(),
        crate::testing::RecordingNotifier::new(),
        crate::testing::ManualClock::new(at(0)),
    )
    .with_ids(SequentialIds::starting_at(0x10_0000));
    for (a, b) in lookalike_pairs(2) {
        let receive = |i: &Identity| match desk.receive(
            T1,
            crate::Inbound::new(i.clone(), Channel::LiveChat, format!("Hello from {i:?}")),
        ) {
            Ok(r) => r,
            Err(e) => panic!(
                "store conformance: desk_keeps_lookalike_identities_apart: receiving from {i:?} failed: {e}"
            ),
        };
        let (ra, rb) = (receive(&a), receive(&b));
        assert!(
            rb.opened && rb.customer != ra.customer && rb.ticket != ra.ticket,
            "store conformance: desk_keeps_lookalike_identities_apart: a message from {b:?} must open a ticket of its own customer, not continue {a:?}'s ({ra:?} / {rb:?})"
        );
        for (i, r) in [(&a, &ra), (&b, &rb)] {
            match desk.register_customer(T1, None, std::slice::from_ref(i)) {
                Ok(c) => assert_eq!(
                    c.id, r.customer,
                    "store conformance: desk_keeps_lookalike_identities_apart: {i:?} belongs to the customer its message created"
                ),
                Err(e) => panic!(
                    "store conformance: desk_keeps_lookalike_identities_apart: registering {i:?} again must return its customer, got {e}"
                ),
            }
        }
    }
    for (a, b) in lookalike_pairs(3) {
        let register = |i: &Identity| match desk.register_customer(
            T1,
            None,
            std::slice::from_ref(i),
        ) {
            Ok(c) => c,
            Err(e) => panic!(
                "store conformance: desk_keeps_lookalike_identities_apart: registering {i:?} failed: {e}"
            ),
        };
        let (ca, cb) = (register(&a), register(&b));
        assert_ne!(
            ca.id, cb.id,
            "store conformance: desk_keeps_lookalike_identities_apart: {a:?} and {b:?} must be two customers"
        );
    }
}
