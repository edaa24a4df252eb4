use std::sync::Mutex;

use crate::model::notification::Notification;
use crate::port::{Notifier, NotifyError};

#[derive(Debug, Default)]
struct State {
    sent: Vec<Notification>,
    attempts: usize,
    fail_next: usize,
    fail_all: bool,
}

/// A notifier that records what it is given, and can be told to fail.
///
/// ```
/// use supportdesk::testing::RecordingNotifier;
/// let n = RecordingNotifier::new();
/// n.fail_next(2);       // the next two notifications fail
/// n.set_failing(true);  // ... and every one after, until set_failing(false)
/// assert!(n.sent().is_empty());
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    state: Mutex<State>,
}

impl RecordingNotifier {
    /// A notifier that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The notifications accepted so far, in order.
    pub fn sent(&self) -> Vec<Notification> {
        self.lock().sent.clone()
    }

    /// The accepted notifications addressed to customers.
    pub fn sent_to_customers(&self) -> Vec<Notification> {
        self.lock()
            .sent
            .iter()
            .filter(|n| n.recipient.is_customer())
            .cloned()
            .collect()
    }

    /// Calls made, failed ones included.
    pub fn attempts(&self) -> usize {
        self.lock().attempts
    }

    /// Makes the next `n` calls fail with [`NotifyError::Unavailable`].
    pub fn fail_next(&self, n: usize) {
        self.lock().fail_next = n;
    }

    /// Makes every call fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.lock().fail_all = failing;
    }

    /// Forgets what was sent.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.sent.clear();
        s.attempts = 0;
    }
}

impl Notifier for RecordingNotifier {
    fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut s = self.lock();
        s.attempts += 1;
        if s.fail_all {
            return Err(NotifyError::Unavailable {
                reason: "recording notifier set to fail".to_owned(),
            });
        }
        if s.fail_next > 0 {
            s.fail_next -= 1;
            return Err(NotifyError::Unavailable {
                reason: "recording notifier told to fail this call".to_owned(),
            });
        }
        s.sent.push(notification.clone());
        Ok(())
    }
}

/// The same recording, as an asynchronous notifier (for
/// [`AsyncDesk`](crate::AsyncDesk)).
impl crate::port::AsyncNotifier for RecordingNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification,
    ) -> crate::port::BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move { Notifier::notify(self, notification) })
    }
}
