//! 16 threads add 100 customer messages each to one ticket through a `Desk`
//! on a file `SqliteStore`, with the default `RetryPolicy`: every command
//! goes through, none gives up with `Contended`.
//!
//! The SQLite store rewrites a ticket's whole state on every commit, so
//! 1,600 messages on one ticket cost minutes in a debug build: there the
//! test sends 25 messages per thread (still 16 writers on one ticket).
//! `SUPPORTDESK_CONTENTION_EACH` and `SUPPORTDESK_CONTENTION_RUNS` override
//! the messages per thread and the number of runs.

use std::sync::Arc;
use std::time::Instant;

use supportdesk::customer::Identity;
use supportdesk::id::TenantId;
use supportdesk::port::{SystemClock, TicketStore};
use supportdesk::store::SqliteStore;
use supportdesk::testing::{RecordingNotifier, SequentialIds};
use supportdesk::ticket::Command;
use supportdesk::{Channel, Desk, Inbound};

const THREADS: usize = 16;
/// Messages per thread: 100 in an optimised build, 25 in a debug build.
const EACH: usize = if cfg!(debug_assertions) { 25 } else { 100 };

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One run on a fresh database file; returns the errors of the commands
/// that failed (empty when all went through).
fn run_once(each: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("contended.db")).unwrap();
    let tenant = TenantId::from_u128(1);
    let desk = Arc::new(
        Desk::new(store, RecordingNotifier::new(), SystemClock).with_ids(SequentialIds::new()),
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
                let mut failed = Vec::new();
                for i in 0..each {
                    let cmd = Command::customer_reply(
                        r.customer,
                        Channel::LiveChat,
                        format!("thread {t} message {i}"),
                    );
                    if let Err(e) = desk.execute(tenant, r.ticket, cmd) {
                        failed.push(format!("thread {t} message {i}: {e}"));
                    }
                }
                failed
            })
        })
        .collect();
    let failed: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let t = desk.ticket(tenant, r.ticket).unwrap();
    // Whatever happened, what is stored is consistent: one message per
    // command that went through, and the history matches the state.
    assert_eq!(t.messages().len(), 1 + THREADS * each - failed.len());
    let events = desk.store().events(tenant, r.ticket).unwrap();
    assert_eq!(events.len() as u64, t.version());
    assert_eq!(supportdesk::Ticket::from_events(&events).unwrap(), t);
    let mut bodies: Vec<_> = t.messages().iter().skip(1).map(|m| &m.body).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), THREADS * each - failed.len());
    failed
}

#[test]
fn sixteen_threads_times_one_hundred_messages_on_sqlite_all_go_through() {
    // A few runs in one test: one lucky run proves little. More runs:
    // SUPPORTDESK_CONTENTION_RUNS=20.
    let runs = env_or("SUPPORTDESK_CONTENTION_RUNS", 2);
    let each = env_or("SUPPORTDESK_CONTENTION_EACH", EACH);
    for run in 0..runs {
        let started = Instant::now();
        let failed = run_once(each);
        eprintln!(
            "run {run}: {} of {} commands failed in {:.2?}",
            failed.len(),
            THREADS * each,
            started.elapsed()
        );
        assert!(
            failed.is_empty(),
            "run {run}: {} commands failed with the default retry policy: {:?}",
            failed.len(),
            &failed[..failed.len().min(5)]
        );
    }
}
