//! The outbox.

use super::fixtures::*;
use crate::channel::Channel;
use crate::id::{AgentId, GroupId, NotificationId, TenantId, TicketId};
use crate::model::notification::{
    AgentNotice, CustomerNotice, Notification, NotificationContent, NotificationKind, Recipient,
};
use crate::port::{AsyncTicketStore, OutboxEntry, StoreError};
use crate::ticket::{CustomerTicketView, Priority, Status, Visibility};

/// Notifications to every kind of recipient, with customer and agent
/// content, read back from the outbox exactly, oldest first.
///
/// # Panics
/// When an outbox entry differs.
pub async fn round_trip_notifications_both_audiences(store: &dyn AsyncTicketStore) {
    let id = TicketId::from_u128(0x53_0000);
    let (events, _) = rich_ticket(T1, id);
    let w = create(events);
    let t = w.ticket.clone();
    let view = CustomerTicketView::of(&t);
    let first_public = t.public_messages().next().map(|m| m.id);
    let internal = t
        .messages()
        .iter()
        .find(|m| m.visibility == Visibility::Internal)
        .cloned();
    let base = |n: u128, recipient: Recipient, kind: NotificationKind, content| Notification {
        id: NotificationId::from_u128(0x4e_0000 + n),
        tenant: T1,
        ticket: id,
        created_at: at(n as i64),
        recipient,
        kind,
        content,
    };
    let notes = vec![
        base(
            1,
            Recipient::Customer {
                customer: t.customer(),
                channel: Channel::WhatsApp,
            },
            NotificationKind::AgentReplied,
            NotificationContent::Customer(CustomerNotice::new(view.clone(), first_public)),
        ),
        base(
            2,
            Recipient::Customer {
                customer: t.customer(),
                channel: Channel::Email,
            },
            NotificationKind::TicketSolved,
            NotificationContent::Customer(CustomerNotice::new(view, None)),
        ),
        base(
            3,
            Recipient::Agent {
                agent: AgentId::from_u128(0xa0_0002),
            },
            NotificationKind::LowSatisfaction,
            NotificationContent::Agent(AgentNotice {
                subject: t.subject().to_owned(),
                status: t.status(),
                priority: t.priority(),
                message: internal,
                satisfaction: Some((2, Some("slow «very»".to_owned()))),
                alert: None,
            }),
        ),
        base(
            4,
            Recipient::Group {
                group: GroupId::from_u128(0x60_0001),
            },
            NotificationKind::Assigned,
            NotificationContent::Agent(AgentNotice {
                subject: String::new(),
                status: Status::Open,
                priority: Priority::Urgent,
                message: None,
                satisfaction: None,
                alert: None,
            }),
        ),
        base(
            5,
            Recipient::Team,
            NotificationKind::NewTicket,
            NotificationContent::Agent(AgentNotice {
                subject: "x".to_owned(),
                status: Status::New,
                priority: Priority::Low,
                message: t.messages().first().cloned(),
                satisfaction: Some((1, None)),
                alert: None,
            }),
        ),
    ];
    let mut commit = commit_of(T1, vec![w]);
    commit.notifications = notes.clone();
    must(store.commit(&commit).await, "committing notifications");
    let got = must(store.undelivered(100).await, "undelivered");
    let want: Vec<OutboxEntry> = notes
        .into_iter()
        .map(|notification| OutboxEntry::new(notification, 0, None))
        .collect();
    assert_eq!(
        got, want,
        "store conformance: round_trip_notifications_both_audiences: the outbox must hold the notifications exactly, in commit order, with no attempts"
    );
}

/// Undelivered notifications come oldest commit first (across tenants),
/// in commit order within a commit, up to the limit; delivered ones leave;
/// marking twice is fine.
///
/// # Panics
/// When the order or the delivered set is wrong.
pub async fn outbox_order_and_delivery(store: &dyn AsyncTicketStore) {
    let mut want = Vec::new();
    // Ids deliberately not in commit order.
    let plan: [(TenantId, &[u128]); 4] =
        [(T1, &[50, 10]), (T2, &[40]), (T1, &[5, 60, 20]), (T2, &[1])];
    for (n, (tenant, nids)) in plan.iter().enumerate() {
        let w = simple(*tenant, TicketId::from_u128(0x5c_0000 + n as u128));
        let mut c = commit_of(*tenant, vec![w.clone()]);
        for id in *nids {
            c.notifications
                .push(agent_notification(*tenant, *id, w.ticket.id()));
            want.push((*tenant, NotificationId::from_u128(*id)));
        }
        must(store.commit(&c).await, "committing notifications");
    }
    assert_eq!(
        ids_of(&must(store.undelivered(100).await, "undelivered")),
        want,
        "store conformance: outbox_order_and_delivery: undelivered must be in commit order, across tenants"
    );
    assert_eq!(
        ids_of(&must(store.undelivered(3).await, "undelivered")),
        want[..3].to_vec()
    );
    assert!(must(store.undelivered(0).await, "undelivered(0)").is_empty());
    // Deliver the second and the fifth.
    for i in [1usize, 4] {
        let (t, id) = want[i];
        must(store.mark_delivered(t, id).await, "mark_delivered");
        must(
            store.mark_delivered(t, id).await,
            "mark_delivered a second time",
        );
    }
    let rest: Vec<_> = want
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1 && *i != 4)
        .map(|(_, k)| *k)
        .collect();
    assert_eq!(
        ids_of(&must(store.undelivered(100).await, "undelivered")),
        rest,
        "store conformance: outbox_order_and_delivery: delivered notifications must leave the undelivered list, the rest keep their order"
    );
    for (t, id) in &rest {
        must(store.mark_delivered(*t, *id).await, "mark_delivered");
    }
    assert!(must(store.undelivered(100).await, "undelivered").is_empty());
}

/// `record_failure` counts attempts and keeps the last error; the entry
/// stays undelivered in its place.
///
/// # Panics
/// When attempts or the error are not recorded.
pub async fn outbox_failures_are_recorded(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0x5d_0000));
    let mut c = commit_of(T1, vec![w.clone()]);
    for id in [1u128, 2, 3] {
        c.notifications
            .push(agent_notification(T1, id, w.ticket.id()));
    }
    must(store.commit(&c).await, "committing notifications");
    let n2 = NotificationId::from_u128(2);
    must(
        store.record_failure(T1, n2, "smtp 451: try later").await,
        "record_failure",
    );
    must(
        store.record_failure(T1, n2, "smtp 421: «busy»\nbye").await,
        "record_failure",
    );
    let got = must(store.undelivered(10).await, "undelivered");
    assert_eq!(
        ids_of(&got),
        vec![
            (T1, NotificationId::from_u128(1)),
            (T1, n2),
            (T1, NotificationId::from_u128(3))
        ],
        "store conformance: outbox_failures_are_recorded: a failure must not move the entry"
    );
    assert_eq!(
        (got[1].attempts, got[1].last_error.as_deref()),
        (2, Some("smtp 421: «busy»\nbye")),
        "store conformance: outbox_failures_are_recorded: two failures must give 2 attempts and the last error"
    );
    assert_eq!((got[0].attempts, got[0].last_error.as_deref()), (0, None));
    must(
        store.mark_delivered(T1, n2).await,
        "mark_delivered after failures",
    );
    assert_eq!(must(store.undelivered(10).await, "undelivered").len(), 2);
}

/// Marking or failing a notification that is not in the tenant's outbox
/// (unknown, or another tenant's) gives `UnknownNotification` and changes
/// nothing.
///
/// # Panics
/// On another outcome.
pub async fn outbox_unknown_and_foreign_ids(store: &dyn AsyncTicketStore) {
    let w = simple(T1, TicketId::from_u128(0x5e_0000));
    let mut c = commit_of(T1, vec![w.clone()]);
    let id = NotificationId::from_u128(0x5e_0001);
    c.notifications
        .push(agent_notification(T1, 0x5e_0001, w.ticket.id()));
    must(store.commit(&c).await, "committing a notification");
    let unknown = NotificationId::from_u128(0x5e_0002);
    for (tenant, nid, what) in [
        (T1, unknown, "an unknown id"),
        (T2, id, "another tenant's id"),
    ] {
        match store.mark_delivered(tenant, nid).await {
            Err(StoreError::UnknownNotification { id: got }) if got == nid => {}
            other => panic!(
                "store conformance: outbox_unknown_and_foreign_ids: mark_delivered of {what} must give UnknownNotification, got {other:?}"
            ),
        }
        match store.record_failure(tenant, nid, "x").await {
            Err(StoreError::UnknownNotification { id: got }) if got == nid => {}
            other => panic!(
                "store conformance: outbox_unknown_and_foreign_ids: record_failure of {what} must give UnknownNotification, got {other:?}"
            ),
        }
    }
    let got = must(store.undelivered(10).await, "undelivered");
    assert_eq!(ids_of(&got), vec![(T1, id)]);
    assert_eq!(
        got[0].attempts, 0,
        "store conformance: outbox_unknown_and_foreign_ids: another tenant's failure must not count"
    );
}

/// A committed notification whose tenant and id are already in the outbox
/// (delivered or not) is ignored; the rest of the commit is written.
///
/// # Panics
/// When the first notification is replaced or duplicated.
pub async fn outbox_keeps_the_first_of_a_known_id(store: &dyn AsyncTicketStore) {
    let a = simple(T1, TicketId::from_u128(0x5f_0000));
    let b = simple(T1, TicketId::from_u128(0x5f_0001));
    let mut c = commit_of(T1, vec![a.clone()]);
    c.notifications
        .push(agent_notification(T1, 1, a.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 2, a.ticket.id()));
    must(store.commit(&c).await, "committing notifications");
    must(
        store.mark_delivered(T1, NotificationId::from_u128(2)).await,
        "mark_delivered",
    );
    let mut c = commit_of(T1, vec![b.clone()]);
    c.notifications
        .push(agent_notification(T1, 1, b.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 2, b.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 3, b.ticket.id()));
    must(store.commit(&c).await, "committing known notification ids");
    let got = must(store.undelivered(10).await, "undelivered");
    assert_eq!(
        got.iter()
            .map(|e| (e.notification.id.as_u128(), e.notification.ticket))
            .collect::<Vec<_>>(),
        vec![(1, a.ticket.id()), (3, b.ticket.id())],
        "store conformance: outbox_keeps_the_first_of_a_known_id: a known id must keep its first entry (delivered stays delivered)"
    );
    assert!(must(store.ticket(T1, b.ticket.id()).await, "ticket").is_some());
}
