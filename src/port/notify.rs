use std::fmt::Debug;

use crate::model::notification::Notification;

/// A notification could not be sent. The notification stays in the outbox
/// and a later [`Desk::dispatch_outbox`](crate::Desk::dispatch_outbox)
/// retries it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The transport is down or overloaded; try again later.
    #[error("notification transport unavailable: {reason}")]
    Unavailable {
        /// What the transport said.
        reason: String,
    },
    /// The transport refused this notification (bad address, blocked
    /// recipient). Retrying as is will probably fail again; it stays in the
    /// outbox for an operator to look at.
    #[error("notification rejected: {reason}")]
    Rejected {
        /// What the transport said.
        reason: String,
    },
}

/// Sends notifications: email, SMS, chat push, a message queue. The host
/// implements it.
///
/// # Contract
/// - Return `Ok` only when the transport has accepted the notification.
/// - Delivery is at-least-once: after a crash between sending and marking
///   delivered, the same notification (same [`id`](Notification::id)) can be
///   handed over again. Deduplicate on the id if the transport cannot.
/// - Do not block for long: the [`Desk`](crate::Desk) calls it right after
///   a command commits.
pub trait Notifier: Send + Sync + Debug {
    /// Sends one notification.
    ///
    /// # Errors
    /// [`NotifyError`] when it was not accepted.
    fn notify(&self, notification: &Notification) -> Result<(), NotifyError>;
}

impl<T: Notifier + ?Sized> Notifier for &T {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        (**self).notify(n)
    }
}

impl<T: Notifier + ?Sized> Notifier for Box<T> {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        (**self).notify(n)
    }
}

impl<T: Notifier + ?Sized> Notifier for std::sync::Arc<T> {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        (**self).notify(n)
    }
}
