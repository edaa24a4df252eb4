//! How the desk retries a command whose write lost a race: the
//! [`RetryPolicy`] (a budget in attempts and in time, with back-off), and the
//! turns that commands of one desk take on a contended ticket.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::id::TicketId;

/// How long and how often the desk retries a command whose write lost a
/// race (another writer changed the ticket between the load and the
/// compare-and-set commit).
///
/// A command is attempted until it goes through, fails for another reason,
/// or its retry budget is spent, whichever comes first:
/// - **time**: no attempt starts once [`deadline`](Self::deadline) has
///   passed since the first one (`None`: no limit in time);
/// - **count**: at most [`max_attempts`](Self::max_attempts) attempts in
///   all (at least 1).
///
/// Then the command fails with
/// [`DeskError::Contended`](crate::DeskError::Contended) and nothing of it
/// was written.
///
/// Between attempts the desk pauses: `base_backoff` after the first lost
/// race, doubled after each further one up to `max_backoff`, never past the
/// deadline. Each pause is "equal jitter": between half and all of that
/// value, the fraction derived from the attempt number and the calling
/// thread (no random numbers), so threads and processes that collided do not
/// retry in lockstep.
///
/// Commands of one [`Desk`](crate::Desk) that lost a race on a ticket also
/// take turns: from their first lost race on, they retry one at a time (a
/// wait for the turn counts against the deadline), competing only with
/// first attempts, so under heavy contention in one process no command
/// starves. Writers in other processes are held off by the back-off and the
/// deadline alone. A command gives its turn back as soon as its commit is
/// written, before its notifications are dispatched, so a slow notifier
/// never holds up the other writers of the ticket. An
/// [`AsyncDesk`](crate::AsyncDesk) pauses with the host's
/// [`Sleep`](crate::Sleep) and has no turns: its tasks are held off by the
/// back-off and the deadline, like writers of other processes.
///
/// The default gives up after 10 seconds (the default
/// [`SqliteOptions::busy_timeout`](crate::store::SqliteOptions) too), with
/// no limit by count, pausing from 20 µs up to 5 ms.
///
/// ```
/// use std::time::Duration;
/// use supportdesk::RetryPolicy;
///
/// // The default: a budget in time.
/// let p = RetryPolicy::default();
/// assert_eq!(p.deadline, Some(Duration::from_secs(10)));
///
/// // A fixed number of attempts and no limit in time (how retries were bounded before).
/// let p = RetryPolicy::attempts(50);
/// assert_eq!((p.max_attempts, p.deadline), (50, None));
///
/// // Patient: up to a minute, pausing at most 20 ms.
/// let p = RetryPolicy::within(Duration::from_secs(60))
///     .with_backoff(Duration::from_micros(50), Duration::from_millis(20));
/// assert_eq!(p.backoff(0), Duration::from_micros(50));
/// assert_eq!(p.backoff(30), Duration::from_millis(20));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all (at least 1; 0 counts as 1). `u32::MAX`: no limit by
    /// count.
    pub max_attempts: u32,
    /// Pause after the first lost race; doubled after each further one, up
    /// to `max_backoff`.
    pub base_backoff: Duration,
    /// The longest pause.
    pub max_backoff: Duration,
    /// The retry budget in time, from the start of the first attempt: no
    /// attempt starts after it. `None`: only `max_attempts` limits retries.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: u32::MAX,
            base_backoff: Duration::from_micros(20),
            max_backoff: Duration::from_millis(5),
            deadline: Some(Duration::from_secs(10)),
        }
    }
}

impl RetryPolicy {
    /// At most `max_attempts` attempts (at least 1) with the default
    /// back-off and no limit in time.
    pub fn attempts(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            deadline: None,
            ..RetryPolicy::default()
        }
    }

    /// Retries for up to `deadline` (no limit by count), with the default
    /// back-off.
    pub fn within(deadline: Duration) -> Self {
        RetryPolicy {
            deadline: Some(deadline),
            ..RetryPolicy::default()
        }
    }

    /// One attempt: a lost race fails at once with
    /// [`DeskError::Contended`](crate::DeskError::Contended).
    pub fn no_retries() -> Self {
        RetryPolicy::attempts(1)
    }

    /// Sets the most attempts.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the budget in time (`None`: no limit in time).
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the first and the longest pause.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_backoff = base;
        self.max_backoff = max;
        self
    }

    /// The longest pause after `lost` lost races (0: after the first):
    /// `base_backoff` × 2^`lost`, at most `max_backoff`. The pause taken is
    /// between half of it and all of it (see the type's docs).
    pub fn backoff(&self, lost: u32) -> Duration {
        let factor = 1u32 << lost.min(20);
        self.base_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The pause after `lost` lost races for the thread whose hash is
    /// `salt`: between half of [`backoff`](Self::backoff) and all of it.
    pub(crate) fn jittered(&self, lost: u32, salt: u64) -> Duration {
        let full = self.backoff(lost);
        let half = full / 2;
        // A fraction of 2^-16 steps from the attempt and the thread.
        let frac = mix(salt ^ u64::from(lost)) >> 48;
        let extra = full
            .saturating_sub(half)
            .as_nanos()
            .saturating_mul(u128::from(frac))
            >> 16;
        half.saturating_add(Duration::from_nanos(
            u64::try_from(extra).unwrap_or(u64::MAX),
        ))
    }

    /// The instant no attempt may start after, for a command started at
    /// `started` (`None`: no limit in time, or beyond what `Instant` holds).
    pub(crate) fn deadline_from(&self, started: Instant) -> Option<Instant> {
        self.deadline.and_then(|d| started.checked_add(d))
    }

    /// Sleeps the pause after `lost` lost races, ending at `deadline` at the
    /// latest.
    pub(crate) fn pause(&self, lost: u32, deadline: Option<Instant>) {
        let mut d = self.jittered(lost, thread_salt());
        if let Some(end) = deadline {
            d = d.min(end.saturating_duration_since(Instant::now()));
        }
        if d.is_zero() {
            std::thread::yield_now();
        } else {
            std::thread::sleep(d);
        }
    }
}

/// A hash of the calling thread's id (a fixed-key hasher: no randomness).
fn thread_salt() -> u64 {
    let mut h = DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish()
}

/// splitmix64's finaliser: spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// How many tickets' turns are kept apart; tickets that share a stripe
/// share turns only while both are contended.
const STRIPES: usize = 64;

/// The turns that commands of one desk take on contended tickets.
pub(super) struct Turns {
    stripes: [Stripe; STRIPES],
}

#[derive(Default)]
struct Stripe {
    /// The thread holding the turn, if any.
    busy: Mutex<Option<ThreadId>>,
    free: Condvar,
}

impl Stripe {
    fn lock(&self) -> MutexGuard<'_, Option<ThreadId>> {
        // The holder is a plain value: consistent even after a panic.
        self.busy.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Holding the turn of a stripe; dropping it passes the turn on. A command
/// run from inside another on the same thread (a notifier that calls back
/// into the desk while the outer command dispatches) shares the outer
/// command's turn instead of waiting for itself.
pub(super) struct Turn<'a> {
    stripe: &'a Stripe,
    /// False for a nested turn: the outer command passes the turn on.
    owner: bool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if self.owner {
            *self.stripe.lock() = None;
            self.stripe.free.notify_one();
        }
    }
}

impl Turns {
    pub(super) fn new() -> Self {
        Turns {
            stripes: std::array::from_fn(|_| Stripe::default()),
        }
    }

    /// Waits for the turn on `ticket`'s stripe (one shared stripe for
    /// commands about no known ticket) until `deadline`; `None` when the
    /// deadline passed first.
    pub(super) fn enter(
        &self,
        ticket: Option<TicketId>,
        deadline: Option<Instant>,
    ) -> Option<Turn<'_>> {
        let i = ticket.map_or(0, |t| {
            let u = t.as_uuid().as_u128();
            // Both halves; a v4 UUID's bits are random, a sequential id's
            // are in the low half.
            let folded = (u ^ (u >> 64)) as u64;
            (mix(folded) % STRIPES as u64) as usize
        });
        let stripe = self.stripes.get(i)?;
        let me = std::thread::current().id();
        let mut busy = stripe.lock();
        if *busy == Some(me) {
            return Some(Turn {
                stripe,
                owner: false,
            });
        }
        while busy.is_some() {
            busy = match deadline {
                None => stripe.free.wait(busy).unwrap_or_else(|e| e.into_inner()),
                Some(end) => {
                    let left = end.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    stripe
                        .free
                        .wait_timeout(busy, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        *busy = Some(me);
        Some(Turn {
            stripe,
            owner: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_micros(20), Duration::from_millis(5));
        assert_eq!(p.backoff(0), Duration::from_micros(20));
        assert_eq!(p.backoff(1), Duration::from_micros(40));
        assert_eq!(p.backoff(8), Duration::from_millis(5));
        assert_eq!(p.backoff(u32::MAX), Duration::from_millis(5));
        let huge = p.with_backoff(Duration::MAX, Duration::MAX);
        assert_eq!(huge.backoff(3), Duration::MAX);
    }

    #[test]
    fn jitter_stays_between_half_and_all_and_is_deterministic() {
        let p = RetryPolicy::default();
        let mut distinct = std::collections::BTreeSet::new();
        for salt in [0u64, 1, 42, u64::MAX] {
            for lost in 0..40 {
                let full = p.backoff(lost);
                let d = p.jittered(lost, salt);
                assert!(d >= full / 2 && d <= full, "{d:?} for {full:?}");
                assert_eq!(d, p.jittered(lost, salt));
                distinct.insert(d);
            }
        }
        // Different attempts and threads do not pause in lockstep.
        assert!(distinct.len() > 100, "{}", distinct.len());
        let zero = p.with_backoff(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.jittered(3, 7), Duration::ZERO);
    }

    #[test]
    fn old_json_without_a_deadline_reads_with_the_default_deadline() {
        let p: RetryPolicy = serde_json::from_str(
            r#"{"max_attempts": 50, "base_backoff": {"secs": 0, "nanos": 20000}, "max_backoff": {"secs": 0, "nanos": 5000000}}"#,
        )
        .unwrap();
        assert_eq!(p.max_attempts, 50);
        assert_eq!(p.deadline, RetryPolicy::default().deadline);
        let json = serde_json::to_string(&RetryPolicy::attempts(3)).unwrap();
        assert_eq!(
            serde_json::from_str::<RetryPolicy>(&json).unwrap(),
            RetryPolicy::attempts(3)
        );
        assert!(serde_json::from_str::<RetryPolicy>(r#"{"max_attemps": 3}"#).is_err());
    }

    #[test]
    fn turns_are_taken_one_at_a_time_and_a_waiter_gives_up_at_its_deadline() {
        let turns = Turns::new();
        let t = Some(TicketId::from_u128(7));
        let other_thread_gets_it = |wait: Duration| {
            std::thread::scope(|s| {
                s.spawn(|| turns.enter(t, Some(Instant::now() + wait)).is_some())
                    .join()
                    .unwrap()
            })
        };
        let first = turns.enter(t, None).unwrap();
        // Another thread waits, and gives up at its deadline.
        assert!(!other_thread_gets_it(Duration::from_millis(20)));
        // The same thread shares its turn (a nested command); dropping the
        // nested turn does not pass the turn on.
        let nested = turns.enter(t, Some(Instant::now())).unwrap();
        drop(nested);
        assert!(!other_thread_gets_it(Duration::from_millis(20)));
        drop(first);
        assert!(other_thread_gets_it(Duration::from_secs(5)));
        // Passed on to a waiter in another thread.
        let held = turns.enter(t, None).unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| turns.enter(t, None).is_some());
            std::thread::sleep(Duration::from_millis(10));
            drop(held);
            assert!(waiter.join().unwrap());
        });
    }
}
