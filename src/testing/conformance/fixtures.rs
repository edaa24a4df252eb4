//! Fixtures and helpers the cases share.

use chrono::{DateTime, Duration, Utc};

use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, GroupId, MessageId, NotificationId, TenantId, TicketId};
use crate::model::notification::{
    AgentNotice, Notification, NotificationContent, NotificationKind, Recipient,
};
use crate::port::{
    AsyncTicketStore, Commit, CustomerWrite, ExpectedVersion, InboundKey, InboundRecord,
    OutboxEntry, StoreError, TicketOrder, TicketQuery, TicketWrite,
};
use crate::testing::TicketBuilder;
use crate::ticket::{
    Assignment, Author, Ces, Csat, Event, EventKind, MergeReceipt, Message, Opening, Origin,
    Priority, Status, Tag, Ticket, TicketOpened, Visibility,
};
use std::fmt::Display;

/// Unwraps a store result, or fails the case naming the call.
#[track_caller]
pub(super) fn must<T>(r: Result<T, StoreError>, what: impl Display) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("store conformance: {what}: unexpected error: {e} ({e:?})"),
    }
}

/// The tenants the cases use.
pub(super) const T1: TenantId = TenantId::from_u128(0x7e_0001);

pub(super) const T2: TenantId = TenantId::from_u128(0x7e_0002);

/// A fixed instant with nanoseconds (2026-01-05 09:00:00.123456789 UTC),
/// plus `minutes`; stores must keep every digit.
pub(super) fn at(minutes: i64) -> DateTime<Utc> {
    let base = DateTime::from_timestamp(1_767_603_600, 123_456_789).unwrap_or_default();
    base + Duration::minutes(minutes)
}

#[track_caller]
pub(super) fn tag(s: &str) -> Tag {
    match Tag::new(s) {
        Ok(t) => t,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

pub(super) fn ev(
    tenant: TenantId,
    ticket: TicketId,
    sequence: u64,
    at: DateTime<Utc>,
    kind: EventKind,
) -> Event {
    Event {
        tenant,
        ticket,
        sequence,
        at,
        kind,
    }
}

/// A write creating a ticket from its events.
#[track_caller]
pub(super) fn create(events: Vec<Event>) -> TicketWrite {
    let Some(ticket) = Ticket::from_events(&events) else {
        panic!("store conformance fixture: events do not start with opened");
    };
    TicketWrite {
        expected: ExpectedVersion::New,
        ticket,
        events,
    }
}

/// A write appending events of `kinds` (all at `at`) to `t`.
pub(super) fn append(t: &Ticket, at: DateTime<Utc>, kinds: Vec<EventKind>) -> TicketWrite {
    let mut state = t.clone();
    let mut events = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let e = ev(t.tenant(), t.id(), t.version() + 1 + i as u64, at, kind);
        state.apply(&e);
        events.push(e);
    }
    TicketWrite {
        expected: ExpectedVersion::Version(t.version()),
        ticket: state,
        events,
    }
}

pub(super) fn note(id: u128, agent: AgentId, at: DateTime<Utc>, body: &str) -> EventKind {
    EventKind::NoteAdded {
        message: Box::new(Message {
            id: MessageId::from_u128(id),
            author: Author::Agent(agent),
            visibility: Visibility::Internal,
            channel: Channel::Email,
            body: body.to_owned(),
            at,
            external_id: None,
        }),
    }
}

pub(super) fn commit_of(tenant: TenantId, tickets: Vec<TicketWrite>) -> Commit {
    let mut c = Commit::new(tenant);
    c.tickets = tickets;
    c
}

/// A simple ticket from the [`TicketBuilder`] with its events.
pub(super) fn simple(tenant: TenantId, id: TicketId) -> TicketWrite {
    create(
        TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .opened_at(at(0))
            .events(),
    )
}

pub(super) fn msg(
    id: u128,
    author: Author,
    visibility: Visibility,
    channel: Channel,
    body: &str,
    at: DateTime<Utc>,
    external_id: Option<&str>,
) -> Message {
    Message {
        id: MessageId::from_u128(id),
        author,
        visibility,
        channel,
        body: body.to_owned(),
        at,
        external_id: external_id.map(str::to_owned),
    }
}

#[track_caller]
pub(super) fn csat(n: i64) -> Csat {
    match Csat::new(n) {
        Ok(c) => c,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

#[track_caller]
pub(super) fn ces(n: i64) -> Ces {
    match Ces::new(n) {
        Ok(c) => c,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

/// A ticket that uses every field: a proactive follow-up with starting
/// tags, messages of every author and visibility (with an external id,
/// unicode, quotes, newlines and a NUL), assignment to an agent and a
/// group, priority and status changes (a reopen), tags added and removed,
/// both ratings, and a merge received. Returns its events and the events
/// of the ticket merged into it.
pub(super) fn rich_ticket(tenant: TenantId, id: TicketId) -> (Vec<Event>, Vec<Event>) {
    let customer = CustomerId::from_u128(0xc0_0001);
    let other = CustomerId::from_u128(0xc0_0002);
    let (ana, bob) = (AgentId::from_u128(0xa0_0001), AgentId::from_u128(0xa0_0002));
    let source = TicketId::from_u128(id.as_u128() + 1);
    let mut events = Vec::new();
    let mut push = |minute: i64, kind: EventKind| {
        let seq = events.len() as u64 + 1;
        events.push(ev(tenant, id, seq, at(minute), kind));
    };
    push(
        0,
        EventKind::Opened(Opening::from(TicketOpened {
            customer,
            channel: Channel::WhatsApp,
            subject: "Colis «perdu» \"again\"\n— 物流/延迟".to_owned(),
            priority: Priority::High,
            origin: Origin::Proactive { agent: Some(ana) },
            follow_up_of: Some(TicketId::from_u128(id.as_u128() + 2)),
            tags: vec![tag("shipping"), tag("物流/延迟")],
        })),
    );
    push(
        1,
        EventKind::CustomerReplied {
            message: Box::new(msg(
                1,
                Author::Customer(customer),
                Visibility::Public,
                Channel::WhatsApp,
                "Where is it?\nLine two\t\"quoted\" \\ back\u{0}slash ✓",
                at(1),
                Some("wamid.HBgM\u{e9}=="),
            )),
        },
    );
    push(
        2,
        EventKind::AutomatedReplySent {
            message: Box::new(msg(
                2,
                Author::Bot("ack-bot".to_owned()),
                Visibility::Public,
                Channel::WhatsApp,
                "We got it",
                at(2),
                None,
            )),
        },
    );
    push(
        3,
        EventKind::AgentReplied {
            message: Box::new(msg(
                3,
                Author::Agent(ana),
                Visibility::Public,
                Channel::Email,
                "It ships today",
                at(3),
                Some("<r1@desk>"),
            )),
        },
    );
    push(
        4,
        EventKind::NoteAdded {
            message: Box::new(msg(
                4,
                Author::Agent(bob),
                Visibility::Internal,
                Channel::WhatsApp,
                "Carrier lost it",
                at(4),
                None,
            )),
        },
    );
    push(
        5,
        EventKind::Assigned(Box::new(Assignment {
            agent: Some(bob),
            group: Some(GroupId::from_u128(0x60_0001)),
        })),
    );
    push(
        6,
        EventKind::PriorityChanged {
            from: Priority::High,
            to: Priority::Urgent,
        },
    );
    for (m, from, to) in [
        (7, Status::New, Status::Open),
        (8, Status::Open, Status::Pending),
        (9, Status::Pending, Status::Solved),
        (10, Status::Solved, Status::Open),
        (11, Status::Open, Status::OnHold),
        (12, Status::OnHold, Status::Solved),
    ] {
        push(m, EventKind::StatusChanged { from, to });
    }
    push(
        13,
        EventKind::TagsAdded {
            tags: Box::new([tag("vip"), tag("cause/carrier-delay")]),
        },
    );
    push(
        14,
        EventKind::TagsRemoved {
            tags: Box::new([tag("shipping")]),
        },
    );
    push(
        15,
        EventKind::SatisfactionRated {
            score: csat(2),
            comment: Some("slow «very»".into()),
        },
    );
    push(16, EventKind::EffortRated { score: ces(6) });
    push(
        17,
        EventKind::MergeReceived(Box::new(MergeReceipt {
            source,
            messages: vec![
                msg(
                    5,
                    Author::Customer(other),
                    Visibility::Internal,
                    Channel::Email,
                    "Same here (another requester)",
                    at(-30),
                    Some("<o1@mail>"),
                ),
                msg(
                    6,
                    Author::System,
                    Visibility::Internal,
                    Channel::Email,
                    "Merged from another ticket",
                    at(17),
                    None,
                ),
            ],
        })),
    );
    let source_events = vec![
        ev(
            tenant,
            source,
            1,
            at(-30),
            EventKind::Opened(Opening::from(TicketOpened {
                customer: other,
                channel: Channel::Email,
                subject: String::new(),
                priority: Priority::Low,
                origin: Origin::Reactive,
                follow_up_of: None,
                tags: Vec::new(),
            })),
        ),
        ev(
            tenant,
            source,
            2,
            at(17),
            EventKind::MergedInto { target: id },
        ),
        ev(
            tenant,
            source,
            3,
            at(17),
            EventKind::StatusChanged {
                from: Status::New,
                to: Status::Closed,
            },
        ),
    ];
    (events, source_events)
}

pub(super) fn a_customer(tenant: TenantId, id: u128, identities: Vec<Identity>) -> Customer {
    Customer {
        id: CustomerId::from_u128(id),
        tenant,
        name: Some(format!("Ana Silva-{id} «ü»")),
        identities,
        segment: Some("vip".to_owned()),
        locale: Some("zh-Hant".to_owned()),
        time_zone: Some(chrono_tz::Asia::Taipei),
        version: 1,
    }
}

#[track_caller]
pub(super) fn identity(r: Result<Identity, crate::customer::IdentityError>) -> Identity {
    match r {
        Ok(i) => i,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

pub(super) fn new_customer(c: &Customer) -> CustomerWrite {
    CustomerWrite {
        expected: ExpectedVersion::New,
        customer: c.clone(),
    }
}

pub(super) fn inbound_key(channel: Channel, external_id: &str) -> InboundKey {
    InboundKey {
        channel,
        external_id: external_id.to_owned(),
    }
}

pub(super) fn inbound_rec(key: InboundKey, ticket: TicketId, n: u128) -> InboundRecord {
    InboundRecord {
        key,
        ticket,
        message: MessageId::from_u128(n),
        customer: CustomerId::from_u128(n + 1),
    }
}

pub(super) fn agent_notification(tenant: TenantId, id: u128, ticket: TicketId) -> Notification {
    Notification {
        id: NotificationId::from_u128(id),
        tenant,
        ticket,
        created_at: at(id as i64 % 1000),
        recipient: Recipient::Team,
        kind: NotificationKind::NewTicket,
        content: NotificationContent::Agent(AgentNotice {
            subject: format!("ticket {ticket}"),
            status: Status::New,
            priority: Priority::Normal,
            message: None,
            satisfaction: None,
            alert: None,
        }),
    }
}

pub(super) fn ids_of(entries: &[OutboxEntry]) -> Vec<(TenantId, NotificationId)> {
    entries
        .iter()
        .map(|e| (e.notification.tenant, e.notification.id))
        .collect()
}

/// Everything the store says about some records, to compare before and
/// after a failed commit.
#[derive(Debug, PartialEq)]
pub(super) struct Snapshot {
    pub(super) tickets: Vec<Option<Ticket>>,
    pub(super) events: Vec<Vec<Event>>,
    pub(super) customers: Vec<Option<Customer>>,
    pub(super) identities: Vec<Option<Customer>>,
    pub(super) inbound: Vec<Option<InboundRecord>>,
    pub(super) outbox: Vec<OutboxEntry>,
    pub(super) listed: Vec<Ticket>,
}

pub(super) async fn snapshot(
    store: &dyn AsyncTicketStore,
    tenant: TenantId,
    tickets: &[TicketId],
    customers: &[CustomerId],
    identities: &[Identity],
    inbound: &[InboundKey],
) -> Snapshot {
    let mut snap = Snapshot {
        tickets: Vec::new(),
        events: Vec::new(),
        customers: Vec::new(),
        identities: Vec::new(),
        inbound: Vec::new(),
        outbox: must(store.undelivered(10_000).await, "undelivered"),
        listed: all_tickets(store, tenant, TicketOrder::CreatedAsc).await,
    };
    for id in tickets {
        snap.tickets
            .push(must(store.ticket(tenant, *id).await, "ticket"));
        snap.events
            .push(must(store.events(tenant, *id).await, "events"));
    }
    for id in customers {
        snap.customers
            .push(must(store.customer(tenant, *id).await, "customer"));
    }
    for i in identities {
        snap.identities.push(must(
            store.customer_by_identity(tenant, i).await,
            "customer_by_identity",
        ));
    }
    for k in inbound {
        snap.inbound
            .push(must(store.inbound(tenant, k).await, "inbound"));
    }
    snap
}

/// Every ticket of a tenant, through the query in pages of 100.
pub(super) async fn all_tickets(
    store: &dyn AsyncTicketStore,
    tenant: TenantId,
    order: TicketOrder,
) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q = TicketQuery::new().order(order).limit(100).after(after);
        let page = must(store.query(tenant, &q).await, "query");
        out.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

pub(super) fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(Ticket::id).collect()
}

pub(super) const AGENT_A: AgentId = AgentId::from_u128(0xa0_00a1);

pub(super) const AGENT_B: AgentId = AgentId::from_u128(0xa0_00b2);

/// Stores `n` varied tickets in `tenant` (one commit each) and returns
/// them. Ids are not in creation order; groups of three share their
/// creation time and some share their update time, so the id tie-break
/// matters. Statuses, assignees, customers, channels and tags vary (the
/// tags include `ship`, `shipping` and `shipping/late`).
pub(super) async fn store_varied(
    store: &dyn AsyncTicketStore,
    tenant: TenantId,
    n: usize,
) -> Vec<Ticket> {
    let channels = [
        Channel::Email,
        Channel::LiveChat,
        Channel::WhatsApp,
        Channel::Phone,
    ];
    let mut out = Vec::new();
    for i in 0..n {
        let id = TicketId::from_u128(0x1000 + ((i * 37) % n) as u128);
        let mut b = TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .customer(CustomerId::from_u128(1 + (i % 3) as u128))
            .channel(channels[i % 4])
            .opened_at(at(60 * (i / 3) as i64));
        match i % 5 {
            0 => b = b.assignee(AGENT_A),
            1 => b = b.assignee(AGENT_B),
            _ => {}
        }
        if i % 2 == 0 {
            b = b.tag("shipping");
        }
        if i % 3 == 0 {
            b = b.tag("shipping/late");
        }
        if i % 7 == 0 {
            b = b.tag("ship");
        }
        b = match i % 6 {
            0 => b,
            1 => b.agent_reply(AGENT_A, "On it"),
            2 => b.status(Status::Pending),
            3 => b.status(Status::OnHold),
            4 => b.status(Status::Solved),
            _ => b.status(Status::Closed),
        };
        let w = create(b.events());
        must(
            store.commit(&commit_of(tenant, vec![w.clone()])).await,
            format_args!("storing ticket {i} of the query fixture"),
        );
        out.push(w.ticket);
    }
    out
}
