//! What can go wrong reading customers' experience.

use crate::calendar::CalendarError;

/// A definition that cannot be used, or time arithmetic that failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExperienceError {
    /// A window of zero or negative length.
    #[error("the window of {seconds} seconds is not positive")]
    EmptyWindow {
        /// The length given.
        seconds: i64,
    },
    /// A business-time window names a calendar the calendars lack.
    #[error(
        "the window counts business time on calendar {name:?}, which is not in the calendars given"
    )]
    UnknownCalendar {
        /// The calendar's name.
        name: String,
    },
    /// Business-time arithmetic failed (an instant outside the calendar's
    /// range).
    #[error("business time on calendar {name:?} failed: {source}")]
    Calendar {
        /// The calendar's name.
        name: String,
        /// Why.
        #[source]
        source: CalendarError,
    },
}
