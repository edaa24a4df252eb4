//! A notifier that fails a deterministic share of its calls.

use std::collections::BTreeMap;
use std::sync::Mutex;

use supportdesk::id::NotificationId;
use supportdesk::notification::Notification;
use supportdesk::port::{AsyncNotifier, BoxFuture, Notifier, NotifyError};
use supportdesk::testing::Lcg;

#[derive(Debug)]
struct State {
    rng: Lcg,
    calls: u64,
    failed: u64,
    /// How many times each notification was accepted.
    accepted: BTreeMap<NotificationId, u32>,
}

/// Fails `percent` of its calls with [`NotifyError::Unavailable`], chosen by
/// a seeded [`Lcg`] (the same seed, the same order of calls: the same
/// failures), and records every notification it accepts.
#[derive(Debug)]
pub struct FlakyNotifier {
    percent: u64,
    state: Mutex<State>,
}

impl FlakyNotifier {
    /// Fails `percent` of calls, drawn from `seed`.
    pub fn new(percent: u64, seed: u64) -> Self {
        FlakyNotifier {
            percent,
            state: Mutex::new(State {
                rng: Lcg::new(seed),
                calls: 0,
                failed: 0,
                accepted: BTreeMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Calls made, failed ones included.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    /// Calls that failed.
    pub fn failed(&self) -> u64 {
        self.lock().failed
    }

    /// How many times each notification was accepted.
    pub fn accepted(&self) -> BTreeMap<NotificationId, u32> {
        self.lock().accepted.clone()
    }
}

impl Notifier for FlakyNotifier {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        let mut s = self.lock();
        s.calls += 1;
        if s.rng.chance(self.percent) {
            s.failed += 1;
            return Err(NotifyError::Unavailable {
                reason: format!("flaky notifier dropped call {}", s.calls),
            });
        }
        *s.accepted.entry(n.id).or_insert(0) += 1;
        Ok(())
    }
}

impl AsyncNotifier for FlakyNotifier {
    fn notify<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move { Notifier::notify(self, n) })
    }
}
