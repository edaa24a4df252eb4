//! Concurrency through both drivers: 16 writers on one ticket through `Desk`
//! (threads) and `AsyncDesk` (tasks on a small multi-threaded executor), and
//! a notifier failing 30% of calls under concurrent commands.

#[macro_use]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, NotificationId, TenantId};
use supportdesk::port::{SystemClock, TicketStore};
use supportdesk::testing::{RecordingNotifier, SequentialIds};
use supportdesk::ticket::Command;
use supportdesk::{AsyncDesk, Channel, Delivery, Desk, DeskError, InMemoryStore, Inbound, Receipt};

use support::Driver;
use support::chaos::FlakyNotifier;
use support::tasks::{Task, run_tasks};

const TENANT: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
/// Writers (threads or tasks).
const WRITERS: usize = 16;
/// Messages each writer sends.
const EACH: usize = 100;
/// OS threads the async tasks run on.
const EXECUTOR_THREADS: usize = 4;

#[test]
fn sixteen_threads_times_one_hundred_messages() {
    const THREADS: usize = 16;
    const EACH: usize = 100;
    let tenant = TenantId::from_u128(1);
    let desk = Arc::new(
        Desk::new(InMemoryStore::new(), RecordingNotifier::new(), SystemClock)
            .with_ids(SequentialIds::new()),
    );
    let r = desk
        .receive(
            tenant,
            Inbound::new(
                Identity::email("ana@example.com").unwrap(),
                Channel::Email,
                "first",
            ),
        )
        .unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let desk = Arc::clone(&desk);
            std::thread::spawn(move || {
                let (mut ok, mut contended) = (0usize, 0usize);
                for i in 0..EACH {
                    let cmd = Command::customer_reply(
                        r.customer,
                        Channel::LiveChat,
                        format!("thread {t} message {i}"),
                    );
                    match desk.execute(tenant, r.ticket, cmd) {
                        Ok(_) => ok += 1,
                        Err(DeskError::Contended { .. }) => contended += 1,
                        Err(e) => panic!("unexpected error: {e}"),
                    }
                }
                (ok, contended)
            })
        })
        .collect();
    let (mut ok, mut contended) = (0, 0);
    for h in handles {
        let (o, c) = h.join().unwrap();
        ok += o;
        contended += c;
    }
    assert_eq!(ok + contended, THREADS * EACH);
    let t = desk.ticket(tenant, r.ticket).unwrap();
    // Every accepted command added exactly one message; every contended one none.
    assert_eq!(t.messages().len(), 1 + ok);
    assert_eq!(
        contended, 0,
        "the default retry policy absorbs this contention"
    );
    assert_eq!(t.messages().len(), 1 + THREADS * EACH);
    // Each message is there once.
    let mut bodies: Vec<_> = t
        .messages()
        .iter()
        .skip(1)
        .map(|m| m.body.clone())
        .collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), THREADS * EACH);
    // The stored history matches the state.
    let events = desk.store().events(tenant, r.ticket).unwrap();
    assert_eq!(events.len() as u64, t.version());
    assert_eq!(supportdesk::Ticket::from_events(&events).unwrap(), t);
}

fn ana() -> Identity {
    Identity::email("ana@example.com").expect("a valid email")
}

/// Message `i` of writer `who`: from Ana, with its own external id, so all
/// of them land on her one open ticket.
fn message(who: usize, i: usize) -> Inbound {
    Inbound::new(
        ana(),
        Channel::LiveChat,
        format!("writer {who} message {i}"),
    )
    .external_id(format!("<{who}.{i}@chat>"))
}

/// What a writer sends, in order: each of its messages, then a redelivery
/// of its neighbour's message of the same number (which may arrive before
/// the neighbour's own delivery).
fn sends(writer: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..EACH).flat_map(move |i| [(writer, i), ((writer + 1) % WRITERS, i)])
}

/// What one receive gave: which message, and the result.
type Sent = ((usize, usize), Result<Receipt, DeskError>);

/// Every message stored exactly once, on Ana's ticket, with one first
/// receipt and one duplicate receipt naming the same message.
fn check_inbound<D: Driver<Store = InMemoryStore>>(desk: &D, first: &Receipt, sent: Vec<Sent>) {
    assert_eq!(sent.len(), WRITERS * EACH * 2);
    let mut receipts: BTreeMap<(usize, usize), Vec<Receipt>> = BTreeMap::new();
    for (key, result) in sent {
        match result {
            Ok(r) => receipts.entry(key).or_default().push(r),
            Err(e) => panic!("{}: message {key:?} failed: {e}", D::NAME),
        }
    }
    assert_eq!(receipts.len(), WRITERS * EACH);
    for (key, rs) in &receipts {
        let firsts = rs.iter().filter(|r| !r.duplicate).count();
        assert_eq!((rs.len(), firsts), (2, 1), "{}: message {key:?}", D::NAME);
        assert_eq!(rs[0].message, rs[1].message, "{}: message {key:?}", D::NAME);
        assert!(
            rs.iter()
                .all(|r| r.ticket == first.ticket && r.customer == first.customer)
        );
    }
    let t = desk.ticket(TENANT, first.ticket).expect("Ana's ticket");
    assert_eq!(t.messages().len(), 1 + WRITERS * EACH, "{}", D::NAME);
    let bodies: BTreeSet<_> = t
        .messages()
        .iter()
        .skip(1)
        .map(|m| m.body.clone())
        .collect();
    assert_eq!(
        bodies.len(),
        WRITERS * EACH,
        "{}: a message stored twice",
        D::NAME
    );
    let ids: BTreeSet<_> = receipts.values().map(|rs| rs[0].message).collect();
    let stored: BTreeSet<_> = t.messages().iter().skip(1).map(|m| m.id).collect();
    assert_eq!(ids, stored, "{}", D::NAME);
    assert_eq!(desk.store().ticket_count(TENANT), 1);
    let events = desk.history(TENANT, first.ticket).expect("its history");
    assert_eq!(events.len() as u64, t.version());
    assert_eq!(
        supportdesk::Ticket::from_events(&events).expect("replays"),
        t
    );
}

#[test]
fn sixteen_threads_receive_one_hundred_messages_each_through_desk() {
    let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), SystemClock)
        .with_ids(SequentialIds::new());
    let first = desk
        .receive(TENANT, Inbound::new(ana(), Channel::Email, "first"))
        .expect("the first message");
    let sent: Vec<Sent> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let desk = &desk;
                s.spawn(move || {
                    sends(w)
                        .map(|(who, i)| ((who, i), desk.receive(TENANT, message(who, i))))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a writer thread"))
            .collect()
    });
    check_inbound(&desk, &first, sent);
}

#[test]
fn sixteen_tasks_receive_one_hundred_messages_each_through_async_desk() {
    let desk = AsyncDesk::new(InMemoryStore::new(), RecordingNotifier::new(), SystemClock)
        .with_ids(SequentialIds::new());
    let first = supportdesk::testing::block_on(
        desk.receive(TENANT, Inbound::new(ana(), Channel::Email, "first")),
    )
    .expect("the first message");
    let tasks: Vec<Task<'_, Vec<Sent>>> = (0..WRITERS)
        .map(|w| {
            let desk = &desk;
            Box::pin(async move {
                let mut out = Vec::new();
                for (who, i) in sends(w) {
                    out.push(((who, i), desk.receive(TENANT, message(who, i)).await));
                }
                out
            }) as Task<'_, _>
        })
        .collect();
    let sent = run_tasks(EXECUTOR_THREADS, tasks)
        .into_iter()
        .flatten()
        .collect();
    check_inbound(&support::BlockingAsync(desk), &first, sent);
}

/// Customers per writer in the flaky-notifier test.
const CUSTOMERS: usize = 10;

/// Writer `w`'s customer `i` writes in (a new ticket: an acknowledgement
/// and an agents' alert), and Bob answers (a reply notice).
fn customer(w: usize, i: usize) -> Inbound {
    let from = Identity::email(&format!("c{w}-{i}@example.com")).expect("a valid email");
    Inbound::new(from, Channel::Email, format!("help {w}/{i}"))
}

/// The notification ids a command's delivery names.
fn ids(d: &Delivery) -> impl Iterator<Item = NotificationId> + '_ {
    d.delivered
        .iter()
        .copied()
        .chain(d.pending.iter().map(|(id, _)| *id))
}

/// After outbox rounds, every queued notification was accepted exactly
/// once and the outbox is empty.
fn check_flaky<D: Driver<Store = InMemoryStore, Notifier = FlakyNotifier>>(
    desk: &D,
    queued: BTreeSet<NotificationId>,
) {
    assert_eq!(queued.len(), WRITERS * CUSTOMERS * 3, "{}", D::NAME);
    let failed_first = desk.notifier().failed();
    assert!(failed_first > 0, "{}: the notifier failed no call", D::NAME);
    let mut rounds = 0;
    while !desk
        .store()
        .undelivered(usize::MAX)
        .expect("the outbox")
        .is_empty()
    {
        rounds += 1;
        assert!(
            rounds <= 100,
            "{}: the outbox did not drain in 100 rounds",
            D::NAME
        );
        desk.dispatch_outbox(64).expect("dispatch");
    }
    let accepted = desk.notifier().accepted();
    let delivered: BTreeSet<_> = accepted.keys().copied().collect();
    assert_eq!(
        delivered,
        queued,
        "{}: lost or unknown notifications",
        D::NAME
    );
    let doubled: Vec<_> = accepted.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        doubled.is_empty(),
        "{}: sent more than once: {doubled:?}",
        D::NAME
    );
    let calls = desk.notifier().calls();
    assert_eq!(calls - desk.notifier().failed(), queued.len() as u64);
}

#[test]
fn a_notifier_failing_thirty_percent_loses_nothing_through_desk() {
    let desk = Desk::new(
        InMemoryStore::new(),
        FlakyNotifier::new(30, 12),
        SystemClock,
    )
    .with_ids(SequentialIds::new());
    let queued: BTreeSet<NotificationId> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let desk = &desk;
                s.spawn(move || {
                    let mut queued = Vec::new();
                    for i in 0..CUSTOMERS {
                        let r = desk.receive(TENANT, customer(w, i)).expect("receive");
                        queued.extend(ids(&r.delivery));
                        let out = desk
                            .execute(TENANT, r.ticket, Command::agent_reply(BOB, "On it"))
                            .expect("reply");
                        queued.extend(ids(&out.delivery));
                    }
                    queued
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a writer thread"))
            .collect()
    });
    check_flaky(&desk, queued);
}

#[test]
fn a_notifier_failing_thirty_percent_loses_nothing_through_async_desk() {
    let desk = AsyncDesk::new(
        InMemoryStore::new(),
        FlakyNotifier::new(30, 12),
        SystemClock,
    )
    .with_ids(SequentialIds::new());
    let tasks: Vec<Task<'_, Vec<NotificationId>>> = (0..WRITERS)
        .map(|w| {
            let desk = &desk;
            Box::pin(async move {
                let mut queued = Vec::new();
                for i in 0..CUSTOMERS {
                    let r = desk.receive(TENANT, customer(w, i)).await.expect("receive");
                    queued.extend(ids(&r.delivery));
                    let out = desk
                        .execute(TENANT, r.ticket, Command::agent_reply(BOB, "On it"))
                        .await
                        .expect("reply");
                    queued.extend(ids(&out.delivery));
                }
                queued
            }) as Task<'_, _>
        })
        .collect();
    let queued = run_tasks(EXECUTOR_THREADS, tasks)
        .into_iter()
        .flatten()
        .collect();
    check_flaky(&support::BlockingAsync(desk), queued);
}
