//! `RetryPolicy`: a command keeps retrying lost races for its budget in
//! time, and gives up with `Contended` once the budget (in time or in
//! attempts) is spent, having written nothing. The budget tests run through
//! both drivers; the turns that one `Desk`'s threads take stay sync-only.

#[macro_use]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use supportdesk::customer::Identity;
use supportdesk::id::{CustomerId, TenantId, TicketId};
use supportdesk::port::{Commit, Entity, ExpectedVersion, StoreCall, StoreError};
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::Command;
use supportdesk::{Channel, Desk, DeskError, InMemoryStore, Inbound, RetryPolicy};

use support::Driver;

/// A store where a rival writer wins every commit race on a ticket until
/// `until`: each commit of an existing ticket before then fails with a
/// version conflict, as when another writer commits first.
#[derive(Debug)]
struct Rival {
    inner: InMemoryStore,
    until: std::sync::Mutex<Option<Instant>>,
    lost: AtomicU64,
}

impl Rival {
    fn new() -> Self {
        Rival {
            inner: InMemoryStore::new(),
            until: std::sync::Mutex::new(None),
            lost: AtomicU64::new(0),
        }
    }

    fn wins_for(&self, d: Duration) {
        *self.until.lock().unwrap() = Some(Instant::now() + d);
    }
}

impl Rival {
    /// A commit of an existing ticket while the rival wins: the conflict
    /// the rival's earlier commit causes.
    fn lose(&self, commit: &Commit) -> Result<(), StoreError> {
        let racing = self
            .until
            .lock()
            .unwrap()
            .is_some_and(|u| Instant::now() < u);
        if let Some(w) = commit
            .tickets
            .iter()
            .find(|w| racing && w.expected != ExpectedVersion::New)
        {
            self.lost.fetch_add(1, Ordering::Relaxed);
            let ExpectedVersion::Version(v) = w.expected else {
                unreachable!()
            };
            return Err(StoreError::Conflict {
                entity: Entity::Ticket(w.ticket.id()),
                expected: w.expected,
                actual: Some(v + 1),
            });
        }
        Ok(())
    }
}

supportdesk::forward_ticket_store! {
    impl[] TicketStore for Rival {
        inner(this) = &this.inner;
        around(call, forward) = {
            if let StoreCall::Commit { commit } = call {
                this.lose(commit)?;
            }
            forward()
        };
    }
}

/// Ana's first message on a desk over a `Rival` store: the tenant and the
/// receipt (her ticket and customer).
fn ana_writes_in<D: Driver>(desk: &D) -> (TenantId, supportdesk::Receipt) {
    let tenant = TenantId::from_u128(1);
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
    (tenant, r)
}

fn sync_desk_with_ticket(
    retry: RetryPolicy,
) -> (
    Desk<Rival, RecordingNotifier, ManualClock>,
    TenantId,
    TicketId,
    CustomerId,
) {
    let desk = Desk::new(
        Rival::new(),
        RecordingNotifier::new(),
        ManualClock::at("2026-03-02T09:00:00Z").unwrap(),
    )
    .with_ids(SequentialIds::new())
    .with_retry(retry);
    let (tenant, r) = ana_writes_in(&desk);
    (desk, tenant, r.ticket, r.customer)
}

fn reply(customer: CustomerId) -> Command {
    Command::customer_reply(customer, Channel::LiveChat, "still there?")
}

support::for_both_drivers! {

/// A desk over a `Rival` store, as this module drives it.
type RivalDesk = Driven<Port<Arc<Rival>>, RecordingNotifier, ManualClock>;

fn desk_with_ticket(
    retry: RetryPolicy,
) -> (RivalDesk, Arc<Rival>, TenantId, TicketId, CustomerId) {
    let rival = Arc::new(Rival::new());
    let desk = drive(
        TheDesk::new(
            port(Arc::clone(&rival)),
            RecordingNotifier::new(),
            ManualClock::at("2026-03-02T09:00:00Z").unwrap(),
        )
        .with_ids(SequentialIds::new())
        .with_retry(retry),
    );
    let (tenant, r) = ana_writes_in(&desk);
    (desk, rival, tenant, r.ticket, r.customer)
}

/// The old default (50 attempts, pauses of at most 5 ms) gave up after a
/// quarter of a second of lost races; the default now keeps trying for
/// its time budget.
#[test]
fn the_default_policy_outlasts_a_second_of_lost_races() {
    let (desk, rival, tenant, id, customer) = desk_with_ticket(RetryPolicy::default());
    rival.wins_for(Duration::from_secs(1));
    let out = desk.execute(tenant, id, reply(customer)).unwrap();
    assert_eq!(out.ticket.messages().len(), 2);
    assert!(rival.lost.load(Ordering::Relaxed) > 1);
}

#[test]
fn a_count_only_policy_gives_up_after_its_attempts_having_written_nothing() {
    let (desk, rival, tenant, id, customer) = desk_with_ticket(RetryPolicy::attempts(7));
    rival.wins_for(Duration::from_secs(3600));
    let before = desk.ticket(tenant, id).unwrap();
    let err = desk.execute(tenant, id, reply(customer)).unwrap_err();
    assert!(
        matches!(err, DeskError::Contended { ticket: Some(t), attempts: 7 } if t == id),
        "{err:?}"
    );
    assert_eq!(rival.lost.load(Ordering::Relaxed), 7);
    assert_eq!(desk.ticket(tenant, id).unwrap(), before);
}

#[test]
fn a_time_budget_gives_up_once_it_has_passed() {
    let budget = Duration::from_millis(150);
    let (desk, rival, tenant, id, customer) = desk_with_ticket(RetryPolicy::within(budget));
    rival.wins_for(Duration::from_secs(3600));
    let started = Instant::now();
    let err = desk.execute(tenant, id, reply(customer)).unwrap_err();
    assert!(started.elapsed() >= budget);
    let DeskError::Contended { attempts, .. } = err else {
        panic!("{err:?}")
    };
    assert!(attempts > 1);
    assert_eq!(
        u64::from(attempts),
        rival.lost.load(Ordering::Relaxed)
    );
}

#[test]
fn no_retries_fails_on_the_first_lost_race() {
    let (desk, rival, tenant, id, customer) = desk_with_ticket(RetryPolicy::no_retries());
    rival.wins_for(Duration::from_secs(3600));
    let err = desk.execute(tenant, id, reply(customer)).unwrap_err();
    assert!(
        matches!(err, DeskError::Contended { attempts: 1, .. }),
        "{err:?}"
    );
}

}

/// While one command holds the turn on a contended ticket, another of the
/// same desk that lost a race waits for it rather than spinning, and both
/// go through once the rival stops.
#[test]
fn losers_of_one_desk_take_turns_and_all_go_through() {
    let (desk, tenant, id, customer) = sync_desk_with_ticket(RetryPolicy::default());
    desk.store().wins_for(Duration::from_millis(300));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| desk.execute(tenant, id, reply(customer)).map(|_| ())))
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    assert_eq!(desk.ticket(tenant, id).unwrap().messages().len(), 9);
}

/// A notifier that, the first time it is called after being armed, runs a
/// hook: here a command on the same desk, as a host's synchronous
/// notifier might (a bot that answers at once).
struct CallsBack {
    hook: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
    armed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for CallsBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallsBack")
    }
}

impl supportdesk::port::Notifier for CallsBack {
    fn notify(
        &self,
        _: &supportdesk::notification::Notification,
    ) -> Result<(), supportdesk::port::NotifyError> {
        if self.armed.swap(false, Ordering::SeqCst) {
            if let Some(hook) = self.hook.get() {
                hook();
            }
        }
        Ok(())
    }
}

/// A command that lost races holds its turn on the ticket while it
/// dispatches; a notifier that calls back into the desk on the same thread,
/// and whose command loses a race too, shares that turn instead of waiting
/// for itself until the budget runs out.
#[test]
fn a_notifier_calling_back_into_the_desk_does_not_wait_for_its_own_turn() {
    use std::sync::{Arc, Mutex};
    let notifier = Arc::new(CallsBack {
        hook: std::sync::OnceLock::new(),
        armed: std::sync::atomic::AtomicBool::new(false),
    });
    let desk = Arc::new(
        Desk::new(
            Rival::new(),
            Arc::clone(&notifier),
            ManualClock::at("2026-03-02T09:00:00Z").unwrap(),
        )
        .with_ids(SequentialIds::new())
        .with_retry(RetryPolicy::within(Duration::from_secs(5))),
    );
    let (tenant, r) = ana_writes_in(&*desk);
    let inner: Arc<Mutex<Option<Result<(), String>>>> = Arc::default();
    {
        let desk = Arc::downgrade(&desk);
        let inner = Arc::clone(&inner);
        let hook: Box<dyn Fn() + Send + Sync> = Box::new(move || {
            let Some(desk) = desk.upgrade() else { return };
            // The inner command loses a race too, so it asks for the turn.
            desk.store().wins_for(Duration::from_millis(50));
            let started = Instant::now();
            let result = desk
                .execute(tenant, r.ticket, reply(r.customer))
                .map(|_| ())
                .map_err(|e| format!("{e} after {:?}", started.elapsed()));
            *inner.lock().unwrap() = Some(result);
        });
        assert!(notifier.hook.set(hook).is_ok());
    }
    notifier.armed.store(true, Ordering::SeqCst);
    desk.store().wins_for(Duration::from_millis(50));
    let outer = desk.execute(tenant, r.ticket, reply(r.customer));
    assert!(outer.is_ok(), "{outer:?}");
    let inner = inner.lock().unwrap().take();
    assert_eq!(inner, Some(Ok(())), "the nested command");
    assert_eq!(desk.ticket(tenant, r.ticket).unwrap().messages().len(), 3);
}

/// `AsyncDesk` only: between attempts it pauses with the host's sleep, for
/// the policy's back-off (equal jitter: between half and all of it), and
/// never sleeps after the last attempt.
#[test]
fn the_async_desk_pauses_with_the_hosts_sleep_for_the_backoff() {
    use std::sync::Mutex;
    let policy =
        RetryPolicy::attempts(6).with_backoff(Duration::from_millis(1), Duration::from_millis(4));
    let pauses: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let rival = Arc::new(Rival::new());
    let recorded = Arc::clone(&pauses);
    let desk = supportdesk::AsyncDesk::new(
        supportdesk::port::SyncStore(Arc::clone(&rival)),
        RecordingNotifier::new(),
        ManualClock::at("2026-03-02T09:00:00Z").unwrap(),
    )
    .with_ids(SequentialIds::new())
    .with_retry(policy)
    .with_sleep(move |d: Duration| {
        recorded.lock().unwrap().push(d);
        std::future::ready(())
    });
    let desk = support::BlockingAsync(desk);
    let (tenant, r) = ana_writes_in(&desk);
    assert!(pauses.lock().unwrap().is_empty(), "no race, no pause");
    rival.wins_for(Duration::from_secs(3600));
    let err = desk
        .execute(tenant, r.ticket, reply(r.customer))
        .unwrap_err();
    assert!(
        matches!(err, DeskError::Contended { attempts: 6, .. }),
        "{err:?}"
    );
    let pauses = pauses.lock().unwrap().clone();
    assert_eq!(pauses.len(), 5, "{pauses:?}");
    for (lost, p) in pauses.iter().enumerate() {
        let full = policy.backoff(lost as u32);
        assert!(
            full / 2 <= *p && *p <= full,
            "pause {lost}: {p:?} outside {:?}..={full:?}",
            full / 2
        );
    }
    assert_eq!(policy.backoff(4), Duration::from_millis(4));
}
