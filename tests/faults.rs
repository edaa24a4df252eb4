//! Fault injection through `Desk`: for every kind of command and every k,
//! fail the k-th storage call the command makes and check the ticket is
//! either fully changed or untouched, with its notifications in the outbox
//! exactly when the change committed, and the error typed. Through both
//! drivers (`Desk` and `AsyncDesk`).

#[macro_use]
mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, NotificationId, TenantId, TicketId};
use supportdesk::port::{StoreError, TicketOrder, TicketQuery, TicketStore};
use supportdesk::testing::{FaultyStore, ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Command, Event, OpenTicket};
use supportdesk::{Channel, DeskError, InMemoryStore, Inbound, Status, Ticket};

use support::Driver;

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);

fn ana() -> Identity {
    Identity::email("ana@example.com").expect("a valid email")
}

/// What a command's setup left: the tickets it is about.
#[derive(Debug, Clone, Default)]
struct Fixture {
    tickets: Vec<TicketId>,
}

/// Everything observable about the tenant, read past the fault injector.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    tickets: Vec<Ticket>,
    events: Vec<Vec<Event>>,
    customers: Vec<Option<Customer>>,
    /// Undelivered notification ids.
    outbox: Vec<NotificationId>,
    /// Notification ids the notifier accepted.
    sent: Vec<NotificationId>,
}

impl Snapshot {
    /// Every notification id that reached the outbox (sent or waiting).
    fn notified(&self) -> BTreeSet<NotificationId> {
        self.outbox.iter().chain(&self.sent).copied().collect()
    }
}

/// Everything observable, read from `store` past the fault injector, and
/// what the desk's notifier accepted.
fn snapshot<S: TicketStore, D: Driver<Notifier = RecordingNotifier>>(
    desk: &D,
    faulty: &FaultyStore<S>,
) -> Snapshot {
    let store = faulty.inner();
    let mut tickets = Vec::new();
    let mut after = None;
    loop {
        let q = TicketQuery::new()
            .order(TicketOrder::CreatedAsc)
            .limit(100)
            .after(after);
        let page = store.query(SHOP, &q).expect("query");
        tickets.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let events = tickets
        .iter()
        .map(|t| store.events(SHOP, t.id()).expect("events"))
        .collect();
    let identities = [
        ana(),
        Identity::email("new@example.com").expect("a valid email"),
    ];
    let customers = identities
        .iter()
        .map(|i| store.customer_by_identity(SHOP, i).expect("customer"))
        .collect();
    Snapshot {
        tickets,
        events,
        customers,
        outbox: store
            .undelivered(1000)
            .expect("undelivered")
            .into_iter()
            .map(|e| e.notification.id)
            .collect(),
        sent: desk.notifier().sent().into_iter().map(|n| n.id).collect(),
    }
}

fn receive_new<D: Driver>(_: &D) -> Fixture {
    Fixture::default()
}

fn run_receive_new<D: Driver>(d: &D, _: &Fixture) -> Result<(), DeskError> {
    let from = Identity::email("new@example.com").expect("a valid email");
    let r = d.receive(
        SHOP,
        Inbound::new(from, Channel::Email, "Hello?").external_id("<n1@mail>"),
    )?;
    assert!(r.opened);
    Ok(())
}

fn one_ticket<D: Driver>(d: &D) -> Fixture {
    let r = d
        .receive(
            SHOP,
            Inbound::new(ana(), Channel::Email, "My parcel is late").external_id("<m1@mail>"),
        )
        .expect("setup: receive");
    Fixture {
        tickets: vec![r.ticket],
    }
}

fn run_receive_existing<D: Driver>(d: &D, f: &Fixture) -> Result<(), DeskError> {
    let r = d.receive(
        SHOP,
        Inbound::new(ana(), Channel::WhatsApp, "Any news?").external_id("wamid.2"),
    )?;
    assert_eq!(r.ticket, f.tickets[0]);
    Ok(())
}

fn run_reply<D: Driver>(d: &D, f: &Fixture) -> Result<(), DeskError> {
    d.execute(
        SHOP,
        f.tickets[0],
        Command::agent_reply(BOB, "It ships today"),
    )?;
    Ok(())
}

fn replied<D: Driver>(d: &D) -> Fixture {
    let f = one_ticket(d);
    d.execute(
        SHOP,
        f.tickets[0],
        Command::agent_reply(BOB, "It ships today"),
    )
    .expect("setup: reply");
    f
}

fn run_solve<D: Driver>(d: &D, f: &Fixture) -> Result<(), DeskError> {
    let out = d.execute(SHOP, f.tickets[0], Command::status(Status::Solved))?;
    assert_eq!(out.ticket.status(), Status::Solved);
    Ok(())
}

fn two_tickets<D: Driver>(d: &D) -> Fixture {
    let f = one_ticket(d);
    let customer = d
        .ticket(SHOP, f.tickets[0])
        .expect("setup: ticket")
        .customer();
    let second = d
        .open(
            SHOP,
            &OpenTicket::reactive(customer, Channel::WebForm, "Same parcel, second form"),
        )
        .expect("setup: open");
    Fixture {
        tickets: vec![second.ticket.id(), f.tickets[0]],
    }
}

fn run_merge<D: Driver>(d: &D, f: &Fixture) -> Result<(), DeskError> {
    d.merge(SHOP, f.tickets[0], f.tickets[1])?;
    Ok(())
}

fn closed<D: Driver>(d: &D) -> Fixture {
    let f = replied(d);
    d.execute(SHOP, f.tickets[0], Command::status(Status::Solved))
        .expect("setup: solve");
    d.execute(SHOP, f.tickets[0], Command::status(Status::Closed))
        .expect("setup: close");
    f
}

fn run_follow_up<D: Driver>(d: &D, f: &Fixture) -> Result<(), DeskError> {
    let r = d.receive(
        SHOP,
        Inbound::new(ana(), Channel::Email, "It broke again").to_ticket(f.tickets[0]),
    )?;
    assert!(r.opened && r.ticket != f.tickets[0]);
    Ok(())
}

support::for_both_drivers! {

/// A desk over a fault injector around `S`, as this module drives it.
type TestDesk<S> = Driven<Port<Arc<FaultyStore<S>>>, RecordingNotifier, ManualClock>;

/// A desk over `store` behind a fault injector, and the injector.
fn desk<S: TicketStore>(store: S) -> (TestDesk<S>, Arc<FaultyStore<S>>) {
    let clock = ManualClock::at("2026-03-02T09:00:00Z").expect("a valid time");
    let faulty = Arc::new(FaultyStore::new(store));
    let desk = drive(
        TheDesk::new(port(Arc::clone(&faulty)), RecordingNotifier::new(), clock)
            .with_ids(SequentialIds::new()),
    );
    (desk, faulty)
}

type Setup<S> = fn(&TestDesk<S>) -> Fixture;
type Run<S> = fn(&TestDesk<S>, &Fixture) -> Result<(), DeskError>;

/// Runs the command once without faults, then once per storage call it
/// makes with that call failing, each time on a fresh store.
fn check<S: TicketStore>(make: &dyn Fn() -> S, name: &str, setup: Setup<S>, run: Run<S>) -> u64 {
    // The reference run.
    let (reference, faulty) = desk(make());
    let fixture = setup(&reference);
    let before = snapshot(&reference, &faulty);
    let calls_before = faulty.calls();
    run(&reference, &fixture)
        .unwrap_or_else(|e| panic!("{DRIVER} {name}: the command failed without faults: {e}"));
    let calls = faulty.calls() - calls_before;
    let after = snapshot(&reference, &faulty);
    assert_ne!(
        before.tickets, after.tickets,
        "{DRIVER} {name}: the command changed no ticket"
    );
    let new_notes: BTreeSet<NotificationId> = after
        .notified()
        .difference(&before.notified())
        .copied()
        .collect();
    assert!(
        !new_notes.is_empty(),
        "{DRIVER} {name}: the command sent no notification"
    );
    assert!(calls > 0);

    let (mut untouched, mut committed) = (0, 0);
    for k in 1..=calls {
        let (d, faulty) = desk(make());
        let fixture = setup(&d);
        assert_eq!(
            snapshot(&d, &faulty),
            before,
            "{DRIVER} {name}: the setup is not deterministic"
        );
        faulty.fail_call(k);
        let result = run(&d, &fixture);
        let now = snapshot(&d, &faulty);
        match result {
            Err(DeskError::Store(StoreError::Backend { message, .. })) => {
                assert!(
                    message.contains("injected fault"),
                    "{DRIVER} {name} k={k}: {message}"
                );
                assert_eq!(
                    now, before,
                    "{DRIVER} {name} k={k}: a failed command changed something"
                );
                untouched += 1;
            }
            Err(e) => panic!("{DRIVER} {name} k={k}: the error is not the injected backend error: {e:?}"),
            Ok(()) => {
                // Committed: the change is whole, every notification of it is
                // in the outbox (sent, or still waiting to be).
                assert_eq!(
                    now.tickets, after.tickets,
                    "{DRIVER} {name} k={k}: tickets differ from the fault-free run"
                );
                assert_eq!(
                    now.events, after.events,
                    "{DRIVER} {name} k={k}: events differ from the fault-free run"
                );
                assert_eq!(
                    now.customers, after.customers,
                    "{DRIVER} {name} k={k}: customers differ"
                );
                let notes: BTreeSet<NotificationId> = now
                    .notified()
                    .difference(&before.notified())
                    .copied()
                    .collect();
                assert_eq!(
                    notes, new_notes,
                    "{DRIVER} {name} k={k}: the committed change's notifications are not all in the outbox"
                );
                // The fault hit after the commit (marking delivered): the
                // notification is still waiting.
                let waiting: BTreeSet<NotificationId> = now.outbox.iter().copied().collect();
                let unsent: BTreeSet<NotificationId> = new_notes
                    .iter()
                    .filter(|n| !now.sent.contains(n))
                    .copied()
                    .collect();
                assert!(
                    unsent.is_subset(&waiting),
                    "{DRIVER} {name} k={k}: a notification not sent left the outbox"
                );
                committed += 1;
            }
        }
    }
    // Faults before the commit leave the ticket untouched; faults after it
    // (marking notifications delivered) leave it changed.
    assert!(
        untouched > 0 && committed > 0,
        "{DRIVER} {name}: {untouched} untouched and {committed} committed outcomes over {calls} calls"
    );
    calls
}

fn check_all<S: TicketStore>(make: &dyn Fn() -> S) {
    let mut total = 0;
    total += check(
        make,
        "receive (new customer, new ticket)",
        receive_new,
        run_receive_new,
    );
    total += check(
        make,
        "receive (existing ticket)",
        one_ticket,
        run_receive_existing,
    );
    total += check(make, "execute agent reply", one_ticket, run_reply);
    total += check(make, "execute solve", replied, run_solve);
    total += check(make, "merge", two_tickets, run_merge);
    total += check(
        make,
        "receive on a closed ticket (follow-up)",
        closed,
        run_follow_up,
    );
    assert!(total >= 20, "only {total} storage calls were failed");
}

#[test]
fn every_failed_storage_call_leaves_all_or_nothing_in_memory() {
    check_all(&InMemoryStore::new);
}

#[cfg(feature = "sqlite")]
#[test]
fn every_failed_storage_call_leaves_all_or_nothing_in_sqlite() {
    check_all(&|| supportdesk::store::SqliteStore::in_memory().expect("sqlite in memory"));
}

#[cfg(feature = "postgres")]
#[test]
fn every_failed_storage_call_leaves_all_or_nothing_in_postgres() {
    check_all(&|| support::pg::BlockingPg::fresh("faults"));
}

}
