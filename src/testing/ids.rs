use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;

use crate::id::IdGenerator;

/// Deterministic ids: 1, 2, 3, ... as UUIDs (`00000000-...-000000000001`).
/// Thread-safe; each call returns the next number.
///
/// ```
/// use supportdesk::id::IdGenerator;
/// use supportdesk::testing::SequentialIds;
/// let ids = SequentialIds::starting_at(10);
/// assert_eq!(ids.next_uuid().as_u128(), 10);
/// assert_eq!(ids.next_uuid().as_u128(), 11);
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    /// Starts at 1_000_000, away from the small numbers tests use for fixed
    /// ids (`TicketId::from_u128(1)`).
    pub fn new() -> Self {
        Self::starting_at(1_000_000)
    }

    /// Starts at `first`.
    pub fn starting_at(first: u64) -> Self {
        SequentialIds {
            next: AtomicU64::new(first),
        }
    }
}

impl Default for SequentialIds {
    fn default() -> Self {
        Self::new()
    }
}

impl IdGenerator for SequentialIds {
    fn next_uuid(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.next.fetch_add(1, Ordering::Relaxed)))
    }
}
