//! Tenant isolation.

use super::fixtures::*;
use crate::channel::Channel;
use crate::customer::Identity;
use crate::id::{MessageId, NotificationId, TenantId, TicketId};
use crate::port::{AsyncTicketStore, TicketQuery, TicketWrite};
use crate::testing::TicketBuilder;

/// The same ids in two tenants are two records: tickets, events, customers,
/// identities, inbound keys and notifications; a tenant never sees the
/// other's records.
///
/// # Panics
/// When a record leaks across tenants.
pub async fn tenant_isolation(store: &dyn AsyncTicketStore) {
    let id = TicketId::from_u128(0x59_0000);
    let shared = identity(Identity::email("same@example.com"));
    let key = inbound_key(Channel::Email, "<same@mail>");
    let mut written = Vec::new();
    for (n, tenant) in [T1, T2].into_iter().enumerate() {
        let b = TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .opened_at(at(n as i64 * 10))
            .body(&format!("from tenant {n}"));
        let b = if n == 0 {
            b.tag("one")
        } else {
            b.agent_reply(AGENT_A, "two")
        };
        let w = create(b.events());
        let mut c = commit_of(tenant, vec![w.clone()]);
        let mut cust = a_customer(tenant, 0xe1, vec![shared.clone()]);
        cust.name = Some(format!("customer of tenant {n}"));
        c.customers.push(new_customer(&cust));
        c.inbound.push(inbound_rec(key.clone(), id, 10 + n as u128));
        c.notifications
            .push(agent_notification(tenant, 0x59_0001, id));
        must(
            store.commit(&c).await,
            format_args!("committing the same ids in tenant {n}"),
        );
        written.push((tenant, w, cust));
    }
    for (n, (tenant, w, cust)) in written.iter().enumerate() {
        let msg = format!(
            "store conformance: tenant_isolation: tenant {n} must read back its own record"
        );
        assert_eq!(
            must(store.ticket(*tenant, id).await, "ticket").as_ref(),
            Some(&w.ticket),
            "{msg}"
        );
        assert_eq!(
            must(store.events(*tenant, id).await, "events"),
            w.events,
            "{msg}"
        );
        assert_eq!(
            must(store.customer(*tenant, cust.id).await, "customer").as_ref(),
            Some(cust),
            "{msg}"
        );
        assert_eq!(
            must(
                store.customer_by_identity(*tenant, &shared).await,
                "customer_by_identity"
            )
            .as_ref(),
            Some(cust),
            "{msg}"
        );
        assert_eq!(
            must(store.inbound(*tenant, &key).await, "inbound").map(|r| r.message),
            Some(MessageId::from_u128(10 + n as u128)),
            "{msg}"
        );
        assert_eq!(
            ids(&must(store.query(*tenant, &TicketQuery::new()).await, "query").items),
            vec![id],
            "{msg}"
        );
        assert_eq!(
            ids(&must(
                store
                    .query(*tenant, &TicketQuery::new().tag(tag("one")))
                    .await,
                "query"
            )
            .items)
            .len(),
            1 - n,
            "{msg}"
        );
    }
    let outbox = must(store.undelivered(10).await, "undelivered");
    assert_eq!(
        ids_of(&outbox),
        vec![
            (T1, NotificationId::from_u128(0x59_0001)),
            (T2, NotificationId::from_u128(0x59_0001))
        ],
        "store conformance: tenant_isolation: the same notification id in two tenants is two outbox entries"
    );
    // Delivering one tenant's leaves the other's.
    must(
        store
            .mark_delivered(T2, NotificationId::from_u128(0x59_0001))
            .await,
        "mark_delivered",
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10).await, "undelivered")),
        vec![(T1, NotificationId::from_u128(0x59_0001))],
        "store conformance: tenant_isolation: marking tenant 2's notification delivered must leave tenant 1's"
    );
    // A third tenant sees nothing.
    let t3 = TenantId::from_u128(0x7e_0003);
    assert_eq!(must(store.ticket(t3, id).await, "ticket"), None);
    assert!(must(store.events(t3, id).await, "events").is_empty());
    assert_eq!(
        must(
            store.customer_by_identity(t3, &shared).await,
            "customer_by_identity"
        ),
        None
    );
    assert_eq!(must(store.inbound(t3, &key).await, "inbound"), None);
    assert!(
        must(store.query(t3, &TicketQuery::new()).await, "query")
            .items
            .is_empty()
    );
}

/// Ids whose text forms are prefixes or concatenations of one another
/// (decimal and hex) stay distinct: a backend keying records by
/// concatenated strings fails here.
///
/// # Panics
/// When two such records collide.
pub async fn tenant_isolation_prefix_ids(store: &dyn AsyncTicketStore) {
    // (tenant, ticket) pairs whose decimal or hex concatenations collide:
    // "1"+"23" = "12"+"3" and 0x1 + 0x23 = 0x12 + 0x3.
    let pairs = [
        (1u128, 23u128),
        (12, 3),
        (0x1, 0x23),
        (0x12, 0x3),
        (1, 2),
        (1, 0x12),
    ];
    let mut written = Vec::new();
    for (n, (tenant, ticket)) in pairs.into_iter().enumerate() {
        let (tenant, id) = (TenantId::from_u128(tenant), TicketId::from_u128(ticket));
        let b = TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .opened_at(at(n as i64))
            .body(&format!("pair {n}"));
        let w = create(b.events());
        let mut c = commit_of(tenant, vec![w.clone()]);
        c.inbound.push(inbound_rec(
            inbound_key(Channel::Email, &format!("m{}", ticket)),
            id,
            n as u128,
        ));
        must(
            store.commit(&c).await,
            format_args!("committing ticket {ticket:#x} of tenant {tenant}"),
        );
        written.push((tenant, w));
    }
    for (tenant, w) in &written {
        assert_eq!(
            must(store.ticket(*tenant, w.ticket.id()).await, "ticket").as_ref(),
            Some(&w.ticket),
            "store conformance: tenant_isolation_prefix_ids: ticket {} of tenant {tenant} was mixed up with another",
            w.ticket.id()
        );
        let listed = ids(&must(store.query(*tenant, &TicketQuery::new()).await, "query").items);
        let want: Vec<TicketId> = {
            let mut v: Vec<&TicketWrite> = written
                .iter()
                .filter(|(t, _)| t == tenant)
                .map(|(_, w)| w)
                .collect();
            v.sort_by_key(|w| (w.ticket.created_at(), w.ticket.id()));
            v.iter().map(|w| w.ticket.id()).collect()
        };
        assert_eq!(
            listed, want,
            "store conformance: tenant_isolation_prefix_ids: tenant {tenant} lists another tenant's tickets"
        );
    }
    // External ids that are prefixes of one another are distinct keys.
    let w = simple(T1, TicketId::from_u128(0x5a_0000));
    let mut c = commit_of(T1, vec![w.clone()]);
    for (n, ext) in ["m1", "m10", "m1 ", "M1"].iter().enumerate() {
        c.inbound.push(inbound_rec(
            inbound_key(Channel::Sms, ext),
            w.ticket.id(),
            100 + n as u128,
        ));
    }
    must(
        store.commit(&c).await,
        "inbound keys that are prefixes of one another",
    );
    for (n, ext) in ["m1", "m10", "m1 ", "M1"].iter().enumerate() {
        assert_eq!(
            must(
                store.inbound(T1, &inbound_key(Channel::Sms, ext)).await,
                "inbound"
            )
            .map(|r| r.message),
            Some(MessageId::from_u128(100 + n as u128)),
            "store conformance: tenant_isolation_prefix_ids: inbound key {ext:?} mixed up"
        );
    }
    assert_eq!(
        must(
            store.inbound(T1, &inbound_key(Channel::Sms, "m")).await,
            "inbound"
        ),
        None
    );
}
