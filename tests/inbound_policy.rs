//! What `Desk::receive` does with a message that names a ticket
//! (`Inbound::to_ticket`) from an identity its requester does not own: the
//! `ForeignSender` policy, on every store the crate ships. The identity is
//! never linked to the requester implicitly. Through both drivers.

#[macro_use]
mod support;

use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId};
use supportdesk::port::TicketStore;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Author, Command, Ticket};
use supportdesk::{Channel, DeskError, ForeignSender, Inbound, Receipt, Status};

use support::Driver;

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);

fn email(a: &str) -> Identity {
    Identity::email(a).unwrap()
}

support::for_both_drivers! {

/// The desk before it is driven, over `store`.
fn base<S: TicketStore>(store: &S) -> TheDesk<Port<&S>, RecordingNotifier, ManualClock> {
    TheDesk::new(
        port(store),
        RecordingNotifier::new(),
        ManualClock::at("2026-03-02T09:00:00Z").unwrap(),
    )
    .with_ids(SequentialIds::new())
}

fn desk<S: TicketStore>(store: &S) -> Driven<Port<&S>, RecordingNotifier, ManualClock> {
    drive(base(store))
}

fn receive<D: Driver>(d: &D, inbound: Inbound) -> Receipt {
    d.receive(SHOP, inbound).unwrap()
}

/// Ana's ticket, with an agent's reply.
fn anas_ticket<D: Driver>(d: &D) -> Receipt {
    let ana = receive(
        d,
        Inbound::new(
            email("ana@example.com"),
            Channel::Email,
            "My order 1234 is late",
        )
        .subject("Order 1234"),
    );
    d.execute(
        SHOP,
        ana.ticket,
        Command::agent_reply(BOB, "It ships today"),
    )
    .unwrap();
    ana
}

/// The case: a stranger names Ana's ticket. Their message is on the
/// ticket as from a customer of their own, a participant; Ana's customer
/// keeps only her identity; the stranger's later un-threaded message opens
/// their own ticket, never continues Ana's.
fn stranger_is_a_participant_never_linked<S: TicketStore>(store: &S) {
    let d = desk(store);
    let ana = anas_ticket(&d);
    let stranger = email("mallory@example.net");
    let r = receive(
        &d,
        Inbound::new(
            stranger.clone(),
            Channel::Email,
            "Re: Order 1234, send it to me",
        )
        .to_ticket(ana.ticket),
    );
    assert_eq!(r.ticket, ana.ticket);
    assert!(!r.opened);
    assert_ne!(r.customer, ana.customer, "a distinct customer");
    assert_eq!(
        d.customer(SHOP, ana.customer).unwrap().identities,
        [email("ana@example.com")],
        "the stranger's identity is not linked to Ana"
    );
    assert_eq!(
        store
            .customer_by_identity(SHOP, &stranger)
            .unwrap()
            .map(|c| c.id),
        Some(r.customer)
    );
    let t = d.ticket(SHOP, ana.ticket).unwrap();
    assert_eq!(t.customer(), ana.customer, "Ana stays the requester");
    assert_eq!(t.participants(), [r.customer]);
    let m = t.messages().iter().find(|m| m.id == r.message).unwrap();
    assert_eq!(m.author, Author::Customer(r.customer));
    // Ana does not see the stranger's words; the stranger sees nothing.
    let view = d.customer_view(SHOP, ana.ticket, ana.customer).unwrap();
    assert!(view.message(r.message).is_none());
    assert!(matches!(
        d.customer_view(SHOP, ana.ticket, r.customer),
        Err(DeskError::TicketNotFound { .. })
    ));
    // A replay of the history gives the same ticket and participants.
    let replayed = Ticket::from_events(&d.history(SHOP, ana.ticket).unwrap()).unwrap();
    assert_eq!(replayed, t);
    assert_eq!(replayed.participants(), [r.customer]);

    // The stranger's next message, naming no ticket, is theirs alone.
    let next = receive(&d, Inbound::new(stranger, Channel::Email, "Hello?"));
    assert!(next.opened, "{next:?}");
    assert_ne!(next.ticket, ana.ticket);
    assert_eq!(next.customer, r.customer);
    assert_eq!(d.ticket(SHOP, next.ticket).unwrap().customer(), r.customer);
    assert_eq!(
        d.ticket(SHOP, ana.ticket).unwrap().version(),
        t.version(),
        "Ana's ticket is untouched"
    );
    // Ana's own next message still continues her ticket.
    let again = receive(
        &d,
        Inbound::new(email("ana@example.com"), Channel::Email, "Any news?"),
    );
    assert_eq!(again.ticket, ana.ticket);
    assert_eq!(again.customer, ana.customer);
}

/// A known customer naming someone else's ticket is a participant too; their
/// own ticket is not touched.
fn known_customer_is_a_participant<S: TicketStore>(store: &S) {
    let d = desk(store);
    let ana = anas_ticket(&d);
    let eve = receive(
        &d,
        Inbound::new(email("eve@example.com"), Channel::Email, "Eve's own"),
    );
    let r = receive(
        &d,
        Inbound::new(
            email("eve@example.com"),
            Channel::LiveChat,
            "About Ana's order",
        )
        .to_ticket(ana.ticket),
    );
    assert_eq!((r.ticket, r.customer), (ana.ticket, eve.customer));
    assert_eq!(
        d.ticket(SHOP, ana.ticket).unwrap().participants(),
        [eve.customer]
    );
    assert_eq!(d.ticket(SHOP, eve.ticket).unwrap().messages().len(), 1);
}

/// Like a CC'd sender's reply, a participant's message reopens a solved
/// ticket, so an agent sees it.
fn participant_reopens_a_solved_ticket<S: TicketStore>(store: &S) {
    let d = desk(store);
    let ana = anas_ticket(&d);
    d.execute(SHOP, ana.ticket, Command::status(Status::Solved))
        .unwrap();
    receive(
        &d,
        Inbound::new(email("cc@example.com"), Channel::Email, "One more thing")
            .to_ticket(ana.ticket),
    );
    let t = d.ticket(SHOP, ana.ticket).unwrap();
    assert_eq!((t.status(), t.reopens()), (Status::Open, 1));
}

/// A closed ticket is not followed up for Ana from a stranger's message:
/// the stranger gets a ticket of their own, with nothing of Ana's in it.
fn participant_naming_a_closed_ticket_gets_their_own<S: TicketStore>(store: &S) {
    let d = desk(store);
    let ana = anas_ticket(&d);
    d.execute(SHOP, ana.ticket, Command::status(Status::Solved))
        .unwrap();
    d.execute(SHOP, ana.ticket, Command::status(Status::Closed))
        .unwrap();
    let closed = d.ticket(SHOP, ana.ticket).unwrap();
    let r = receive(
        &d,
        Inbound::new(email("mallory@example.net"), Channel::Email, "Reopen this")
            .to_ticket(ana.ticket),
    );
    assert!(r.opened);
    assert_ne!(r.ticket, ana.ticket);
    let t = d.ticket(SHOP, r.ticket).unwrap();
    assert_eq!(t.customer(), r.customer);
    assert_ne!(r.customer, ana.customer);
    assert_eq!(t.follow_up_of(), None);
    assert_ne!(t.subject(), closed.subject());
    assert_eq!(d.ticket(SHOP, ana.ticket).unwrap(), closed, "untouched");
}

/// Under `Refuse`: a typed error naming the identity and the ticket, and
/// nothing written (no customer, message, inbound record or notification).
/// The requester's own replies still go through.
fn refuse_writes_nothing<S: TicketStore>(store: &S) {
    let d = base(store).with_foreign_sender(ForeignSender::Refuse);
    assert_eq!(d.foreign_sender(), ForeignSender::Refuse);
    let d = drive(d);
    let ana = anas_ticket(&d);
    let eve = receive(
        &d,
        Inbound::new(email("eve@example.com"), Channel::Email, "Eve's own"),
    );
    let before = d.ticket(SHOP, ana.ticket).unwrap();
    let sent = d.notifier().sent().len();
    for (from, known) in [
        (email("mallory@example.net"), false),
        (email("eve@example.com"), true),
    ] {
        let err = d
            .receive(
                SHOP,
                Inbound::new(from.clone(), Channel::Email, "Let me in")
                    .to_ticket(ana.ticket)
                    .external_id(format!("<{from}>")),
            )
            .unwrap_err();
        match &err {
            DeskError::ForeignSender { identity, ticket } => {
                assert_eq!((identity, *ticket), (&from, ana.ticket));
            }
            other => panic!("expected ForeignSender, got {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.contains(&from.to_string()) && text.contains(&ana.ticket.to_string()),
            "{text}"
        );
        assert_eq!(
            store
                .customer_by_identity(SHOP, &from)
                .unwrap()
                .map(|c| c.id),
            known.then_some(eve.customer)
        );
        assert!(
            store
                .inbound(
                    SHOP,
                    &supportdesk::port::InboundKey::new(Channel::Email, format!("<{from}>"))
                )
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(d.ticket(SHOP, ana.ticket).unwrap(), before);
    assert_eq!(d.notifier().sent().len(), sent);
    assert_eq!(d.customer(SHOP, ana.customer).unwrap().identities.len(), 1);
    let own = receive(
        &d,
        Inbound::new(email("ana@example.com"), Channel::Email, "Thanks").to_ticket(ana.ticket),
    );
    assert_eq!((own.ticket, own.customer), (ana.ticket, ana.customer));
}

/// Ana writing from a new address while naming her ticket is not linked
/// either: the desk cannot tell her from a stranger. Linking is explicit,
/// before (`add_identity`) or after (`move_identity`) the fact.
fn new_address_is_linked_only_explicitly<S: TicketStore>(store: &S) {
    let d = desk(store);
    let ana = anas_ticket(&d);
    let work = email("ana.work@example.com");
    let r = receive(
        &d,
        Inbound::new(work.clone(), Channel::Email, "From my work address").to_ticket(ana.ticket),
    );
    assert_ne!(r.customer, ana.customer);
    // An agent decides it is Ana's: the identity moves to her.
    let moved = d.move_identity(SHOP, ana.customer, work.clone()).unwrap();
    assert!(moved.has_identity(&work));
    assert!(!d.customer(SHOP, r.customer).unwrap().has_identity(&work));
    let next = receive(&d, Inbound::new(work.clone(), Channel::Email, "Me again"));
    assert_eq!((next.ticket, next.customer), (ana.ticket, ana.customer));

    let home = email("ana.home@example.com");
    d.add_identity(SHOP, ana.customer, home.clone()).unwrap();
    let r = receive(
        &d,
        Inbound::new(home, Channel::Email, "From home").to_ticket(ana.ticket),
    );
    assert_eq!((r.ticket, r.customer), (ana.ticket, ana.customer));
}

macro_rules! on_every_store {
    ($($case:ident),* $(,)?) => {
        mod in_memory {
            $(
                #[test]
                fn $case() {
                    super::$case(&supportdesk::InMemoryStore::new());
                }
            )*
        }
        mod sqlite {
            $(
                #[test]
                fn $case() {
                    super::$case(&supportdesk::SqliteStore::in_memory().unwrap());
                }
            )*
        }
    };
}

on_every_store!(
    stranger_is_a_participant_never_linked,
    known_customer_is_a_participant,
    participant_reopens_a_solved_ticket,
    participant_naming_a_closed_ticket_gets_their_own,
    refuse_writes_nothing,
    new_address_is_linked_only_explicitly,
);

}

/// The core command behind a participant's message, without a desk.
#[test]
fn participant_reply_in_the_core() {
    use supportdesk::id::CustomerId;
    use supportdesk::notification::{NotificationKind, Recipient};
    use supportdesk::testing::TicketBuilder;
    use supportdesk::ticket::{Action, Context, DomainError, EventKind, decide};

    let ids = SequentialIds::starting_at(1000);
    let ctx = Context::new("2026-01-05T10:00:00Z".parse().unwrap(), &ids);
    let requester = CustomerId::from_u128(1);
    let cc = CustomerId::from_u128(2);
    let reply = |customer| Command::ParticipantReply {
        customer,
        channel: Channel::Email,
        body: "Copying in".to_owned(),
        external_id: Some("<m2@mail>".to_owned()),
    };
    let t = TicketBuilder::new()
        .agent_reply(BOB, "On it")
        .status(Status::Pending)
        .build();
    let d = decide(&t, &reply(cc), &ctx).unwrap();
    let EventKind::CustomerReplied { message } = &d.events[0].kind else {
        panic!("{:?}", d.events)
    };
    assert_eq!(message.author, Author::Customer(cc));
    assert_eq!(message.external_id.as_deref(), Some("<m2@mail>"));
    assert!(matches!(
        d.events[1].kind,
        EventKind::StatusChanged {
            to: Status::Open,
            ..
        }
    ));
    // Agents hear of it; no customer is notified.
    assert_eq!(d.notifications.len(), 1);
    assert_eq!(d.notifications[0].kind, NotificationKind::CustomerReplied);
    assert!(!matches!(
        d.notifications[0].recipient,
        Recipient::Customer { .. }
    ));
    let mut after = t.clone();
    for e in &d.events {
        after.apply(e);
    }
    assert_eq!(after.participants(), [cc]);

    // From the requester it is their reply.
    let own = decide(&t, &reply(requester), &ctx).unwrap();
    let as_reply = decide(
        &t,
        &Command::CustomerReply {
            customer: requester,
            channel: Channel::Email,
            body: "Copying in".to_owned(),
            external_id: Some("<m2@mail>".to_owned()),
        },
        &Context::new(ctx.now, &SequentialIds::starting_at(1000)),
    )
    .unwrap();
    assert_eq!(
        own.events.iter().map(|e| e.kind.name()).collect::<Vec<_>>(),
        as_reply
            .events
            .iter()
            .map(|e| e.kind.name())
            .collect::<Vec<_>>()
    );
    assert!(
        own.events.iter().all(|e| e.ticket == t.id()),
        "on the ticket itself"
    );

    // Never on a closed ticket: no follow-up for the requester.
    let closed = TicketBuilder::new()
        .status(Status::Solved)
        .status(Status::Closed)
        .build();
    assert!(matches!(
        decide(&closed, &reply(cc), &ctx),
        Err(DomainError::IllegalInStatus {
            action: Action::ParticipantReply,
            ..
        })
    ));
}
