//! 16 threads add 100 customer messages each to one ticket through `Desk`.

use std::sync::Arc;

use supportdesk::customer::Identity;
use supportdesk::id::TenantId;
use supportdesk::port::{SystemClock, TicketStore};
use supportdesk::testing::{RecordingNotifier, SequentialIds};
use supportdesk::ticket::Command;
use supportdesk::{Channel, Desk, DeskError, InMemoryStore, Inbound};

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
