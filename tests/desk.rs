//! Integration tests of the desk service through the public API only, run
//! against both drivers (`Desk` and `AsyncDesk`, see `support`).

#[macro_use]
mod support;

use std::sync::Arc;

use chrono::Duration;
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId, TicketId};
use supportdesk::notification::{NotificationContent, NotificationKind, Recipient};
use supportdesk::port::{Clock, OutboxClaim, OutboxLease, StoreError, TicketStore};
use supportdesk::testing::{FaultyStore, ManualClock, RecordingNotifier, SequentialIds, StoreOp};
use supportdesk::ticket::{Command, DomainError, EventKind, LifecycleRules};
use supportdesk::{Channel, DeskError, ForeignSender, InMemoryStore, Inbound, Status};

const SHOP: TenantId = TenantId::from_u128(1);
const OTHER: TenantId = TenantId::from_u128(2);
const BOB: AgentId = AgentId::from_u128(7);

fn email(a: &str) -> Identity {
    Identity::email(a).unwrap()
}

fn clock() -> ManualClock {
    ManualClock::at("2026-03-02T09:00:00Z").unwrap()
}

support::for_both_drivers! {

type TestDesk = Driven<InMemoryStore, RecordingNotifier, ManualClock>;

/// The desk before it is driven, for tests that configure it further.
fn base() -> TheDesk<InMemoryStore, RecordingNotifier, ManualClock> {
    TheDesk::new(InMemoryStore::new(), RecordingNotifier::new(), clock())
        .with_ids(SequentialIds::new())
}

fn desk() -> TestDesk {
    drive(base())
}

#[test]
fn dispatch_left_to_the_outbox_sends_nothing_until_a_dispatcher_does() {
    let d = drive(base().with_dispatch(supportdesk::Dispatch::Outbox));
    let r = d
        .receive(SHOP, Inbound::new(email("ana@example.com"), Channel::Email, "Where is my order?"))
        .unwrap();
    assert!(r.delivery.delivered.is_empty());
    assert!(!r.delivery.pending.is_empty());
    assert!(d.notifier().sent().is_empty(), "sent before a dispatcher ran");
    let waiting = d.store().undelivered(10).unwrap();
    assert_eq!(waiting.len(), r.delivery.pending.len());
    assert!(waiting.iter().all(|e| e.lease.is_none()), "left to the outbox, yet leased");
    let sent = d.dispatch_outbox(10).unwrap();
    assert_eq!(sent.delivered.len(), waiting.len());
    assert_eq!(d.notifier().sent().len(), waiting.len());
    assert!(d.store().undelivered(10).unwrap().is_empty());
}

#[test]
fn inbound_opens_ticket_and_acknowledges() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(
                email("ana@example.com"),
                Channel::Email,
                "Where is my order?\nThanks",
            )
            .subject("Order 1234"),
        )
        .unwrap();
    assert!(r.opened && !r.duplicate);
    let t = d.ticket(SHOP, r.ticket).unwrap();
    assert_eq!(t.status(), Status::New);
    assert_eq!(t.subject(), "Order 1234");
    assert_eq!(t.messages().len(), 1);
    let kinds: Vec<_> = d.notifier().sent().iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [
            NotificationKind::TicketReceived,
            NotificationKind::NewTicket
        ]
    );
    assert_eq!(r.delivery.delivered.len(), 2);
    assert!(d.store().undelivered(10).unwrap().is_empty());
}

#[test]
fn redelivered_inbound_is_recorded_once() {
    let d = desk();
    let msg =
        || Inbound::new(email("ana@example.com"), Channel::Email, "Hi").external_id("<a@mail>");
    let first = d.receive(SHOP, msg()).unwrap();
    let second = d.receive(SHOP, msg()).unwrap();
    assert!(second.duplicate);
    assert_eq!(
        (second.ticket, second.message, second.customer),
        (first.ticket, first.message, first.customer)
    );
    assert_eq!(d.ticket(SHOP, first.ticket).unwrap().messages().len(), 1);
    assert_eq!(d.store().ticket_count(SHOP), 1);
    // The same external id on another channel or tenant is another message.
    let sms = d
        .receive(
            SHOP,
            Inbound::new(Identity::phone("+15550001111").unwrap(), Channel::Sms, "Hi")
                .external_id("<a@mail>"),
        )
        .unwrap();
    assert!(!sms.duplicate);
    let other = d.receive(OTHER, msg()).unwrap();
    assert!(!other.duplicate);
}

#[test]
fn second_channel_continues_the_open_ticket() {
    let d = desk();
    let r1 = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Parcel late"),
        )
        .unwrap();
    let phone = Identity::phone("+44 7700 900123").unwrap();
    d.add_identity(SHOP, r1.customer, phone.clone()).unwrap();
    let r2 = d
        .receive(
            SHOP,
            Inbound::new(phone, Channel::WhatsApp, "Still waiting"),
        )
        .unwrap();
    assert_eq!(r2.ticket, r1.ticket);
    assert_eq!(r2.customer, r1.customer);
    assert!(!r2.opened);
    let t = d.ticket(SHOP, r1.ticket).unwrap();
    let channels: Vec<_> = t.messages().iter().map(|m| m.channel).collect();
    assert_eq!(channels, [Channel::Email, Channel::WhatsApp]);
    // Normalisation: the same address typed differently is the same customer.
    let r3 = d
        .receive(
            SHOP,
            Inbound::new(email(" ANA@example.COM"), Channel::WebForm, "Hello?"),
        )
        .unwrap();
    assert_eq!(r3.customer, r1.customer);
    assert_eq!(r3.ticket, r1.ticket);
}

#[test]
fn host_can_name_the_ticket_and_a_new_identity_is_not_linked() {
    let d = desk();
    let r1 = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "First"),
        )
        .unwrap();
    d.execute(SHOP, r1.ticket, Command::status(Status::Solved))
        .unwrap();
    let r2 = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Second problem"),
        )
        .unwrap();
    assert_ne!(
        r2.ticket, r1.ticket,
        "a solved ticket is not continued implicitly"
    );
    // The host threads a reply to the first ticket, from a new address: the
    // desk cannot tell Ana from a stranger who copied the thread, so the
    // sender is a participant of their own, and the address is not linked.
    let r3 = d
        .receive(
            SHOP,
            Inbound::new(
                email("ana.work@example.com"),
                Channel::Email,
                "About the first",
            )
            .to_ticket(r1.ticket),
        )
        .unwrap();
    assert_eq!(r3.ticket, r1.ticket);
    assert_ne!(r3.customer, r1.customer);
    assert_eq!(
        d.ticket(SHOP, r1.ticket).unwrap().status(),
        Status::Open,
        "reopened"
    );
    assert_eq!(d.ticket(SHOP, r1.ticket).unwrap().reopens(), 1);
    assert_eq!(
        d.ticket(SHOP, r1.ticket).unwrap().participants(),
        [r3.customer]
    );
    assert!(
        !d.customer(SHOP, r1.customer)
            .unwrap()
            .has_identity(&email("ana.work@example.com"))
    );
}

#[test]
fn naming_someone_elses_ticket_is_rejected_when_refused() {
    let d = drive(base().with_foreign_sender(ForeignSender::Refuse));
    let ana = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Mine"),
        )
        .unwrap();
    d.receive(
        SHOP,
        Inbound::new(email("eve@example.com"), Channel::Email, "Eve here"),
    )
    .unwrap();
    let err = d
        .receive(
            SHOP,
            Inbound::new(email("eve@example.com"), Channel::Email, "Let me in")
                .to_ticket(ana.ticket),
        )
        .unwrap_err();
    assert!(
        matches!(err, DeskError::ForeignSender { ticket, .. } if ticket == ana.ticket),
        "{err}"
    );
    assert_eq!(d.ticket(SHOP, ana.ticket).unwrap().messages().len(), 1);
}

#[test]
fn reply_to_closed_ticket_opens_linked_follow_up() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Broken"),
        )
        .unwrap();
    d.execute(SHOP, r.ticket, Command::agent_reply(BOB, "Fixed"))
        .unwrap();
    d.execute(SHOP, r.ticket, Command::status(Status::Solved))
        .unwrap();
    d.execute(SHOP, r.ticket, Command::status(Status::Closed))
        .unwrap();
    let closed_version = d.ticket(SHOP, r.ticket).unwrap().version();
    let f = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Broken again")
                .to_ticket(r.ticket),
        )
        .unwrap();
    assert_ne!(f.ticket, r.ticket);
    assert!(f.opened);
    let follow = d.ticket(SHOP, f.ticket).unwrap();
    assert_eq!(follow.follow_up_of(), Some(r.ticket));
    assert_eq!(follow.subject(), "Broken");
    assert_eq!(
        d.ticket(SHOP, r.ticket).unwrap().version(),
        closed_version,
        "closed ticket untouched"
    );
    // Same through execute.
    let out = d
        .execute(
            SHOP,
            r.ticket,
            Command::customer_reply(r.customer, Channel::Email, "And again"),
        )
        .unwrap();
    assert_eq!(out.ticket.follow_up_of(), Some(r.ticket));
}

#[test]
fn illegal_command_changes_nothing_and_names_ticket_status_action() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    d.execute(SHOP, r.ticket, Command::status(Status::Solved))
        .unwrap();
    d.execute(SHOP, r.ticket, Command::status(Status::Closed))
        .unwrap();
    let before = d.ticket(SHOP, r.ticket).unwrap();
    let sent = d.notifier().sent().len();
    let err = d
        .execute(SHOP, r.ticket, Command::status(Status::Open))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&r.ticket.to_string())
            && msg.contains("closed")
            && msg.contains("change the status to open"),
        "{msg}"
    );
    assert_eq!(d.ticket(SHOP, r.ticket).unwrap(), before);
    assert_eq!(d.notifier().sent().len(), sent);
}

#[test]
fn solving_unanswered_ticket_can_be_forbidden() {
    let d = drive(base().with_rules(LifecycleRules {
        require_agent_reply_to_solve: true,
        ..LifecycleRules::default()
    }));
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    let err = d
        .execute(SHOP, r.ticket, Command::status(Status::Solved))
        .unwrap_err();
    assert!(matches!(
        err,
        DeskError::Domain(DomainError::ReplyRequiredToSolve { .. })
    ));
    // Bot replies do not count either.
    d.execute(
        SHOP,
        r.ticket,
        Command::AutomatedReply {
            bot: "ack".into(),
            body: "We got it".into(),
        },
    )
    .unwrap();
    assert!(
        d.execute(SHOP, r.ticket, Command::status(Status::Solved))
            .is_err()
    );
    let out = d
        .execute(
            SHOP,
            r.ticket,
            Command::AgentReply {
                agent: BOB,
                channel: None,
                body: "Done".into(),
                then: Some(Status::Solved),
            },
        )
        .unwrap();
    assert_eq!(out.ticket.status(), Status::Solved);
    assert_eq!(
        d.notifier().sent().last().unwrap().kind,
        NotificationKind::TicketSolved
    );
}

#[test]
fn cross_tenant_lookups_answer_not_found() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    assert!(matches!(
        d.ticket(OTHER, r.ticket),
        Err(DeskError::TicketNotFound { .. })
    ));
    assert!(matches!(
        d.history(OTHER, r.ticket),
        Err(DeskError::TicketNotFound { .. })
    ));
    assert!(matches!(
        d.execute(OTHER, r.ticket, Command::agent_reply(BOB, "x")),
        Err(DeskError::TicketNotFound { .. })
    ));
    assert!(matches!(
        d.customer(OTHER, r.customer),
        Err(DeskError::CustomerNotFound { .. })
    ));
    assert!(matches!(
        d.customer_view(OTHER, r.ticket, r.customer),
        Err(DeskError::TicketNotFound { .. })
    ));
    // Another customer of the same tenant cannot see it either.
    let eve = d
        .receive(
            SHOP,
            Inbound::new(email("eve@example.com"), Channel::Email, "Eve"),
        )
        .unwrap();
    assert!(matches!(
        d.customer_view(SHOP, r.ticket, eve.customer),
        Err(DeskError::TicketNotFound { .. })
    ));
    // Same identity in another tenant is another customer.
    let r2 = d
        .receive(
            OTHER,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    assert_ne!(r2.customer, r.customer);
}

#[test]
fn notifier_failure_keeps_change_and_outbox_retries() {
    let d = desk();
    d.notifier().set_failing(true);
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    assert_eq!(r.delivery.pending.len(), 2);
    assert!(r.delivery.delivered.is_empty());
    assert_eq!(
        d.ticket(SHOP, r.ticket).unwrap().messages().len(),
        1,
        "the change is kept"
    );
    let pending = d.store().undelivered(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert!(
        pending
            .iter()
            .all(|e| e.attempts == 1 && e.last_error.is_some())
    );
    d.notifier().set_failing(false);
    let retry = d.dispatch_outbox(10).unwrap();
    assert_eq!(retry.delivered.len(), 2);
    assert!(d.store().undelivered(10).unwrap().is_empty());
    assert_eq!(d.notifier().sent().len(), 2);
}

/// A desk on the shared `store` and `clock`, delivering to its own
/// notifier, under the worker name `worker`.
fn worker_on<S: TicketStore + 'static>(
    store: S,
    clock: &Arc<ManualClock>,
    worker: &str,
) -> Driven<Port<S>, RecordingNotifier, Arc<ManualClock>> {
    drive(
        TheDesk::new(port(store), RecordingNotifier::new(), Arc::clone(clock))
            .with_ids(SequentialIds::new())
            .with_worker(worker),
    )
}

#[test]
fn workers_are_named_and_lease_for_a_minute_by_default() {
    let (a, b) = (desk(), desk());
    assert!(a.worker().starts_with("desk-"), "{}", a.worker());
    assert_ne!(a.worker(), b.worker(), "every desk has a worker name of its own");
    assert_eq!(a.outbox_lease(), Duration::seconds(60));
    let named = drive(base().with_worker("host-1/pid-7").with_outbox_lease(Duration::minutes(5)));
    assert_eq!(named.worker(), "host-1/pid-7");
    assert_eq!(named.outbox_lease(), Duration::minutes(5));
}

#[test]
fn a_dispatcher_that_died_mid_lease_loses_nothing() {
    let store = Arc::new(InMemoryStore::new());
    let clock = Arc::new(clock());
    let writer = worker_on(Arc::clone(&store), &clock, "writer");
    writer.notifier().set_failing(true);
    let r = writer
        .receive(SHOP, Inbound::new(email("ana@example.com"), Channel::Email, "Hi"))
        .unwrap();
    assert_eq!(r.delivery.pending.len(), 2);
    // A failed send ends the writer's lease; a dispatcher claims both and
    // dies before marking them.
    let t0 = clock.now();
    let dead = OutboxClaim::new("dead-dispatcher", t0, Duration::seconds(60), 10);
    assert_eq!(store.claim(&dead).unwrap().len(), 2);

    let rescuer = worker_on(Arc::clone(&store), &clock, "rescuer");
    assert!(rescuer.dispatch_outbox(10).unwrap().delivered.is_empty(), "the lease holds");
    clock.advance(Duration::seconds(59));
    assert!(rescuer.dispatch_outbox(10).unwrap().delivered.is_empty(), "the lease still holds");
    assert!(rescuer.notifier().sent().is_empty());
    clock.advance(Duration::seconds(1));
    let d = rescuer.dispatch_outbox(10).unwrap();
    assert_eq!(d.delivered.len(), 2, "{d:?}");
    assert_eq!(rescuer.notifier().sent().len(), 2);
    assert!(store.undelivered(10).unwrap().is_empty());
    // The dead dispatcher's late mark is harmless.
    let first = rescuer.notifier().sent()[0].clone();
    store.mark_delivered(first.tenant, first.id).unwrap();
}

#[test]
fn a_commits_notifications_are_held_by_its_desk_until_the_lease_ends() {
    let store = Arc::new(InMemoryStore::new());
    let clock = Arc::new(clock());
    // The writer sends, but cannot mark what it sent (as if it died right
    // after sending): its lease keeps dispatchers off.
    let faulty = Arc::new(FaultyStore::new(Arc::clone(&store)));
    faulty.fail_always(StoreOp::MarkDeliveredAt);
    let writer = drive(
        TheDesk::new(port(Arc::clone(&faulty)), RecordingNotifier::new(), Arc::clone(&clock))
            .with_ids(SequentialIds::new())
            .with_worker("writer")
            .with_outbox_lease(Duration::minutes(2)),
    );
    let t0 = clock.now();
    let r = writer
        .receive(SHOP, Inbound::new(email("ana@example.com"), Channel::Email, "Hi"))
        .unwrap();
    assert_eq!(writer.notifier().sent().len(), 2);
    assert_eq!(r.delivery.pending.len(), 2, "{:?}", r.delivery);
    let held = store.undelivered(10).unwrap();
    assert_eq!(held.len(), 2);
    assert!(
        held.iter()
            .all(|e| e.lease == Some(OutboxLease::new("writer", t0 + Duration::minutes(2)))),
        "{held:?}"
    );

    let dispatcher = worker_on(Arc::clone(&store), &clock, "dispatcher");
    clock.advance(Duration::seconds(119));
    assert!(dispatcher.dispatch_outbox(10).unwrap().delivered.is_empty());
    assert!(dispatcher.notifier().sent().is_empty(), "no second send while the writer holds them");
    clock.advance(Duration::seconds(1));
    assert_eq!(dispatcher.dispatch_outbox(10).unwrap().delivered.len(), 2);
    assert!(store.undelivered(10).unwrap().is_empty());
}

#[test]
fn prune_delivered_deletes_deliveries_older_than_the_age_by_the_desk_clock() {
    let store = Arc::new(InMemoryStore::new());
    let clock = Arc::new(clock());
    let d = worker_on(Arc::clone(&store), &clock, "w");
    d.receive(SHOP, Inbound::new(email("ana@example.com"), Channel::Email, "Hi"))
        .unwrap();
    d.notifier().set_failing(true);
    clock.advance(Duration::hours(1));
    let r = d
        .receive(SHOP, Inbound::new(email("bo@example.com"), Channel::Email, "Hi"))
        .unwrap();
    assert_eq!(r.delivery.pending.len(), 2);
    clock.advance(Duration::hours(1));
    assert_eq!(d.prune_delivered(Duration::hours(2), 100).unwrap(), 0);
    assert_eq!(
        d.prune_delivered(Duration::hours(2) - Duration::nanoseconds(1), 100).unwrap(),
        2,
        "the two delivered two hours ago"
    );
    assert_eq!(d.prune_delivered(Duration::zero(), 100).unwrap(), 0, "the rest are undelivered");
    assert_eq!(store.undelivered(10).unwrap().len(), 2);
    for bad in [Duration::seconds(-1), Duration::MAX] {
        match d.prune_delivered(bad, 100) {
            Err(DeskError::InvalidRetention { older_than, now }) => {
                assert_eq!((older_than, now), (bad, clock.now()));
            }
            other => panic!("{DRIVER}: pruning older than {bad}: {other:?}"),
        }
    }
}

#[test]
fn failed_commit_leaves_ticket_untouched_and_notifies_nobody() {
    let store = Arc::new(FaultyStore::new(InMemoryStore::new()));
    let d = drive(
        TheDesk::new(port(Arc::clone(&store)), RecordingNotifier::new(), clock())
            .with_ids(SequentialIds::new()),
    );
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    let before = d.ticket(SHOP, r.ticket).unwrap();
    let sent = d.notifier().sent().len();
    store.fail_op(StoreOp::Commit, 1);
    let err = d
        .execute(SHOP, r.ticket, Command::agent_reply(BOB, "Hello"))
        .unwrap_err();
    assert!(
        matches!(err, DeskError::Store(StoreError::Backend { .. })),
        "{err}"
    );
    assert_eq!(d.ticket(SHOP, r.ticket).unwrap(), before);
    assert_eq!(d.notifier().sent().len(), sent);
    assert!(store.undelivered(10).unwrap().is_empty());
}

#[test]
fn merge_moves_history_and_closes_source() {
    let d = desk();
    let a = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Order late"),
        )
        .unwrap();
    d.execute(
        SHOP,
        a.ticket,
        Command::AddNote {
            agent: BOB,
            body: "dup".into(),
        },
    )
    .unwrap();
    d.clock().advance(Duration::minutes(5));
    // A second ticket of hers (the first is solved so the desk opens another).
    d.execute(SHOP, a.ticket, Command::status(Status::Solved))
        .unwrap();
    let b = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::LiveChat, "Same order"),
        )
        .unwrap();
    d.execute(
        SHOP,
        a.ticket,
        Command::customer_reply(a.customer, Channel::Email, "reopen"),
    )
    .unwrap();
    let out = d.merge(SHOP, a.ticket, b.ticket).unwrap();
    assert_eq!(out.ticket.id(), b.ticket);
    let src = d.ticket(SHOP, a.ticket).unwrap();
    assert_eq!(src.status(), Status::Closed);
    assert_eq!(src.merged_into(), Some(b.ticket));
    let tgt = d.ticket(SHOP, b.ticket).unwrap();
    assert_eq!(tgt.merged_from(), [a.ticket]);
    assert_eq!(tgt.messages().len(), 1 + src.messages().len());
    assert!(tgt.messages().windows(2).all(|w| w[0].at <= w[1].at));
    // Commands on the merged ticket name the target.
    let err = d
        .execute(SHOP, a.ticket, Command::agent_reply(BOB, "x"))
        .unwrap_err();
    assert!(
        matches!(err, DeskError::Domain(DomainError::Merged { target, .. }) if target == b.ticket)
    );
    assert!(matches!(
        d.merge(SHOP, b.ticket, b.ticket),
        Err(DeskError::Domain(DomainError::MergeIntoSelf { .. }))
    ));
    assert!(matches!(
        d.merge(SHOP, b.ticket, TicketId::from_u128(5)),
        Err(DeskError::TicketNotFound { .. })
    ));
}

#[test]
fn proactive_ticket_waits_on_customer() {
    let d = desk();
    let c = d
        .register_customer(SHOP, Some("Ana"), &[email("ana@example.com")])
        .unwrap();
    let out = d
        .open_proactive(
            SHOP,
            c.id,
            Channel::Email,
            Some(BOB),
            "Delivery delay",
            "Your parcel will be two days late.",
        )
        .unwrap();
    assert_eq!(out.ticket.status(), Status::Pending);
    assert!(out.ticket.has_agent_reply());
    let n = d.notifier().sent_to_customers();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NotificationKind::ProactiveMessage);
    let err = d
        .open_proactive(SHOP, c.id, Channel::HelpCenter, None, "x", "y")
        .unwrap_err();
    assert!(matches!(
        err,
        DeskError::Domain(DomainError::ChannelNotProactive { .. })
    ));
    // The customer's answer reopens and continues it.
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "OK thanks"),
        )
        .unwrap();
    assert_eq!(r.ticket, out.ticket.id());
    assert_eq!(d.ticket(SHOP, r.ticket).unwrap().status(), Status::Open);
}

#[test]
fn automated_reply_is_not_a_first_response() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    d.execute(
        SHOP,
        r.ticket,
        Command::AutomatedReply {
            bot: "ack".into(),
            body: "Thanks, we'll get back".into(),
        },
    )
    .unwrap();
    let t = d.ticket(SHOP, r.ticket).unwrap();
    assert!(t.first_agent_reply().is_none());
    assert_eq!(
        t.status(),
        Status::New,
        "a bot reply does not open the ticket"
    );
    d.clock().advance(Duration::minutes(42));
    d.execute(SHOP, r.ticket, Command::agent_reply(BOB, "Here"))
        .unwrap();
    let t = d.ticket(SHOP, r.ticket).unwrap();
    assert_eq!(
        t.first_agent_reply().unwrap().at - t.created_at(),
        Duration::minutes(42)
    );
}

#[test]
fn ratings_need_a_solved_ticket_and_low_scores_alert_the_owner() {
    use supportdesk::ticket::{Ces, Csat};
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    let rate = |s| Command::RateSatisfaction {
        score: Csat::new(s).unwrap(),
        comment: Some("  slow ".into()),
    };
    assert!(matches!(
        d.execute(SHOP, r.ticket, rate(2)),
        Err(DeskError::Domain(DomainError::IllegalInStatus { .. }))
    ));
    d.execute(
        SHOP,
        r.ticket,
        Command::Assign {
            agent: Some(BOB),
            group: None,
        },
    )
    .unwrap();
    d.execute(SHOP, r.ticket, Command::status(Status::Solved))
        .unwrap();
    d.execute(SHOP, r.ticket, rate(2)).unwrap();
    d.execute(
        SHOP,
        r.ticket,
        Command::RateEffort {
            score: Ces::new(6).unwrap(),
        },
    )
    .unwrap();
    let t = d.ticket(SHOP, r.ticket).unwrap();
    assert_eq!(t.satisfaction().unwrap().score.score(), 2);
    assert_eq!(t.satisfaction().unwrap().comment.as_deref(), Some("slow"));
    assert_eq!(t.effort().unwrap().score.score(), 6);
    let last = d
        .notifier()
        .sent()
        .into_iter()
        .rev()
        .find(|n| n.kind == NotificationKind::LowSatisfaction)
        .unwrap();
    assert_eq!(last.recipient, Recipient::Agent { agent: BOB });
    match last.content {
        NotificationContent::Agent(a) => assert_eq!(a.satisfaction, Some((2, Some("slow".into())))),
        other => panic!("expected an agent notice, got {other:?}"),
    }
}

#[test]
fn history_replays_to_the_stored_ticket() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    d.execute(SHOP, r.ticket, Command::agent_reply(BOB, "Hello"))
        .unwrap();
    d.execute(
        SHOP,
        r.ticket,
        Command::AddTags {
            tags: vec![supportdesk::Tag::new("shipping/late").unwrap()],
        },
    )
    .unwrap();
    d.execute(SHOP, r.ticket, Command::status(Status::Pending))
        .unwrap();
    let history = d.history(SHOP, r.ticket).unwrap();
    let replayed = supportdesk::Ticket::from_events(&history).unwrap();
    assert_eq!(replayed, d.ticket(SHOP, r.ticket).unwrap());
    assert!(matches!(history[0].kind, EventKind::Opened(_)));
    assert!(
        history
            .iter()
            .enumerate()
            .all(|(i, e)| e.sequence == i as u64 + 1)
    );
}

#[test]
fn no_op_commands_write_nothing() {
    let d = desk();
    let r = d
        .receive(
            SHOP,
            Inbound::new(email("ana@example.com"), Channel::Email, "Hi"),
        )
        .unwrap();
    let v = d.ticket(SHOP, r.ticket).unwrap().version();
    let out = d
        .execute(SHOP, r.ticket, Command::status(Status::New))
        .unwrap();
    assert!(out.events.is_empty());
    d.execute(
        SHOP,
        r.ticket,
        Command::RemoveTags {
            tags: vec![supportdesk::Tag::new("x").unwrap()],
        },
    )
    .unwrap();
    d.execute(
        SHOP,
        r.ticket,
        Command::Assign {
            agent: None,
            group: None,
        },
    )
    .unwrap();
    assert_eq!(d.ticket(SHOP, r.ticket).unwrap().version(), v);
}

}
