//! A notifier that logs each notification and keeps the latest few.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use supportdesk::notification::Notification;
use supportdesk::port::{AsyncNotifier, BoxFuture, NotifyError};

/// How many notifications a [`LogNotifier`] keeps.
const KEEP: usize = 256;

/// An [`AsyncNotifier`] for the example: prints one line per notification
/// to standard error and keeps the latest 256 (memory stays bounded however
/// long the host runs). A real host sends mail, SMS or chat messages here.
/// It never fails.
#[derive(Debug, Default)]
pub struct LogNotifier {
    count: AtomicU64,
    recent: Mutex<VecDeque<Notification>>,
    quiet: bool,
}

impl LogNotifier {
    /// A notifier that logs to standard error.
    pub fn new() -> Self {
        LogNotifier::default()
    }

    /// A notifier that only records (for tests).
    pub fn quiet() -> Self {
        LogNotifier {
            quiet: true,
            ..LogNotifier::default()
        }
    }

    /// How many notifications it has accepted.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The latest notifications accepted, oldest first (at most 256).
    pub fn recent(&self) -> Vec<Notification> {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.iter().cloned().collect()
    }
}

impl AsyncNotifier for LogNotifier {
    fn notify<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move {
            if !self.quiet {
                eprintln!(
                    "notify: {:?} to {:?} (tenant {}, ticket {}, id {})",
                    n.kind, n.recipient, n.tenant, n.ticket, n.id
                );
            }
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            if recent.len() == KEEP {
                recent.pop_front();
            }
            recent.push_back(n.clone());
            self.count.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
    }
}
