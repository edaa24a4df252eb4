//! Lost updates: threads and handles racing on one ticket.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Duration;

use super::Harness;
use super::fixtures::*;
use crate::channel::Channel;
use crate::id::{AgentId, IdGenerator, TicketId};
use crate::port::{AsyncTicketStore, Commit, ExpectedVersion, StoreError, TicketWrite};
use crate::testing::{SequentialIds, TicketBuilder};
use crate::ticket::{self, Command, Context, EventKind, Ticket};

/// 16 threads each apply 100 decided updates to one ticket with
/// compare-and-set (load, decide, commit at the loaded version, retry on
/// conflict). Exactly 1,600 must be applied: the version grows by 1,600,
/// every update's event is there once, and the events replay to the state.
/// (Each update assigns the ticket to an agent of its own, so the ticket
/// stays small and every update is a change.)
///
/// # Panics
/// When an update is lost or applied twice, or a commit fails with
/// anything but a conflict.
pub fn race_compare_and_set(h: &mut Harness<'_>) {
    race(h, &[h.store()], 16, 100);
}

/// `threads` threads, each running its updates with the harness's
/// executor, take turns over `stores` (handles on one storage).
fn race(h: &Harness<'_>, stores: &[&dyn AsyncTicketStore], threads: usize, per_thread: usize) {
    let Some(first) = stores.first().copied() else {
        return;
    };
    let id = TicketId::from_u128(0x60_0000);
    let w = create(
        TicketBuilder::new()
            .tenant(T1)
            .id(id)
            .opened_at(at(0))
            .agent_reply(AGENT_A, "On it")
            .events(),
    );
    must(
        h.block_on(first.commit(&commit_of(T1, vec![w.clone()]))),
        "creating the raced ticket",
    );
    let start = w.ticket.version();
    let ids = SequentialIds::starting_at(10_000_000);
    let conflicts = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let store = stores[thread % stores.len()];
            let ids = &ids;
            let conflicts = &conflicts;
            scope.spawn(move || h.block_on(async move {
                for n in 0..per_thread {
                    let cmd = Command::Assign {
                        agent: Some(race_agent(thread, n)),
                        group: None,
                    };
                    let mut attempts = 0u64;
                    loop {
                        attempts += 1;
                        assert!(
                            attempts < 1_000_000,
                            "store conformance: race_compare_and_set: thread {thread} never got a write in"
                        );
                        let Some(t) = must(store.ticket(T1, id).await, "loading the raced ticket") else {
                            panic!("store conformance: race_compare_and_set: the raced ticket disappeared");
                        };
                        let now = t.updated_at() + Duration::milliseconds(1);
                        let ctx = Context::new(now, ids as &dyn IdGenerator);
                        let decision = match ticket::decide(&t, &cmd, &ctx) {
                            Ok(d) => d,
                            Err(e) => panic!("store conformance: race_compare_and_set: decide failed: {e}"),
                        };
                        let mut state = t.clone();
                        for e in &decision.events {
                            state.apply(e);
                        }
                        let mut c = commit_of(
                            T1,
                            vec![TicketWrite {
                                expected: ExpectedVersion::Version(t.version()),
                                ticket: state,
                                events: decision.events,
                            }],
                        );
                        c.notifications = decision.notifications;
                        match store.commit(&c).await {
                            Ok(()) => break,
                            Err(e) if e.is_conflict() => {
                                conflicts.fetch_add(1, Ordering::Relaxed);
                                std::thread::yield_now();
                            }
                            Err(e) => panic!(
                                "store conformance: race_compare_and_set: a racing commit failed with {e} ({e:?}); only conflicts are allowed"
                            ),
                        }
                    }
                }
            }));
        }
    });
    let total = (threads * per_thread) as u64;
    let Some(t) = must(h.block_on(first.ticket(T1, id)), "loading the raced ticket") else {
        panic!("store conformance: race_compare_and_set: the raced ticket disappeared");
    };
    assert_eq!(
        t.version(),
        start + total,
        "store conformance: race_compare_and_set: {total} compare-and-set updates must move the version from {start} by exactly {total} ({} conflicts retried)",
        conflicts.load(Ordering::Relaxed)
    );
    let events = must(
        h.block_on(first.events(T1, id)),
        "events of the raced ticket",
    );
    assert_eq!(
        events.len() as u64,
        t.version(),
        "store conformance: race_compare_and_set: one event per version"
    );
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.sequence == i as u64 + 1),
        "store conformance: race_compare_and_set: event sequences must be 1, 2, 3, ..."
    );
    assert_eq!(
        Ticket::from_events(&events).as_ref(),
        Some(&t),
        "store conformance: race_compare_and_set: the events must replay to the state"
    );
    let mut assigned: Vec<AgentId> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Assigned(a) => a.agent.filter(|a| *a != AGENT_A),
            _ => None,
        })
        .collect();
    assigned.sort_unstable();
    let mut want: Vec<AgentId> = (0..threads)
        .flat_map(|t| (0..per_thread).map(move |n| race_agent(t, n)))
        .collect();
    want.sort_unstable();
    assert!(
        assigned == want,
        "store conformance: race_compare_and_set: every update's event must be stored exactly once ({} stored, {} made)",
        assigned.len(),
        want.len()
    );
}

fn race_agent(thread: usize, n: usize) -> AgentId {
    AgentId::from_u128(0xa1_0000_0000 + ((thread as u128) << 16) + n as u128)
}

/// (Declared with [`Capabilities::shared`](super::Capabilities::shared).) Two handles on the same
/// storage, as two processes: each sees the other's commits at once,
/// compare-and-set holds across them (a stale write through one after a
/// write through the other conflicts), and the lost-update race over both
/// handles (8 threads x 50) applies every update exactly once.
///
/// # Panics
/// When the handles disagree or an update is lost, or the capability is
/// not declared.
pub fn shared_handles(h: &mut Harness<'_>) {
    let b = h.second_handle();
    let (a, b) = (h.store(), &*b);
    h.block_on(async {
        let w = simple(T1, TicketId::from_u128(0x62_0000));
        must(
            a.commit(&commit_of(T1, vec![w.clone()])).await,
            "committing through the first handle",
        );
        assert_eq!(
            must(
                b.ticket(T1, w.ticket.id()).await,
                "ticket through the second handle"
            ),
            Some(w.ticket.clone()),
            "store conformance: shared_handles: the second handle must see the first one's commit"
        );
        let up = append(
            &w.ticket,
            at(5),
            vec![note(0x6201, AGENT_A, at(5), "through b")],
        );
        must(
            b.commit(&commit_of(T1, vec![up.clone()])).await,
            "updating through the second handle",
        );
        let stale = append(
            &w.ticket,
            at(6),
            vec![note(0x6202, AGENT_A, at(6), "through a")],
        );
        match a.commit(&commit_of(T1, vec![stale])).await {
            Err(StoreError::Conflict { actual, .. }) if actual == Some(up.ticket.version()) => {}
            other => panic!(
                "store conformance: shared_handles: a stale write through one handle after a write through the other must conflict, got {other:?}"
            ),
        }
        let key = inbound_key(Channel::Email, "<shared@mail>");
        let c = Commit::new(T1).inbound(inbound_rec(key.clone(), w.ticket.id(), 1));
        must(a.commit(&c).await, "recording inbound through the first handle");
        match b.commit(&c).await {
            Err(StoreError::DuplicateInbound { .. }) => {}
            other => panic!(
                "store conformance: shared_handles: an inbound key recorded through one handle must be a duplicate through the other, got {other:?}"
            ),
        }
    });
    race(h, &[a, b], 8, 50);
}
