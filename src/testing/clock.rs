use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::port::Clock;

/// A clock that only moves when told to.
///
/// ```
/// use supportdesk::port::Clock;
/// use supportdesk::testing::ManualClock;
/// let clock = ManualClock::at("2026-03-02T09:00:00Z")?;
/// clock.advance(chrono::Duration::minutes(90));
/// assert_eq!(clock.now().to_rfc3339(), "2026-03-02T10:30:00+00:00");
/// # Ok::<(), chrono::ParseError>(())
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// A clock stopped at an RFC 3339 instant.
    ///
    /// # Errors
    /// The parse error when the text is not RFC 3339.
    pub fn at(rfc3339: &str) -> Result<Self, chrono::ParseError> {
        Ok(Self::new(
            DateTime::parse_from_rfc3339(rfc3339)?.with_timezone(&Utc),
        ))
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the time forward (or back, with a negative duration),
    /// stopping at the first or last instant chrono can represent.
    pub fn advance(&self, by: Duration) {
        let mut g = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *g = g
            .checked_add_signed(by)
            .unwrap_or(if by < Duration::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}
