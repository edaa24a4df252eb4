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
    /// A threshold outside its scale.
    #[error("{name} is {value}, outside the scale {min} to {max}")]
    Threshold {
        /// Which threshold (`low_csat`, `high_csat`, `high_effort`).
        name: &'static str,
        /// The value given.
        value: i64,
        /// The lowest allowed.
        min: i64,
        /// The highest allowed.
        max: i64,
    },
    /// The low CSAT threshold is not below the high one, so one score
    /// would be both a bad and a good experience.
    #[error("low_csat {low} is not below high_csat {high}")]
    CsatThresholds {
        /// The highest low score.
        low: u8,
        /// The lowest high score.
        high: u8,
    },
    /// A recency window of zero or negative length.
    #[error("the recency window of {seconds} seconds is not positive")]
    RecentWindow {
        /// The length given.
        seconds: i64,
    },
    /// Risk tiers that cannot rank anybody: none, a tier starting at 0 bad
    /// experiences, or tiers not in strictly increasing order.
    #[error("risk tier {label:?} starting at {min_bad} bad experiences: {problem}")]
    RiskTier {
        /// The tier's label (empty when there is no tier at all).
        label: String,
        /// Its threshold.
        min_bad: u32,
        /// What is wrong.
        problem: &'static str,
    },
    /// Two ledgers (or two [`RepeatContacts`](crate::experience::RepeatContacts))
    /// built with different configurations (repeat rules), taxonomies or
    /// calendars cannot be merged.
    #[error("cannot merge ledgers with different {what}")]
    Mismatch {
        /// `config`, `taxonomy` or `calendars`.
        what: &'static str,
    },
    /// A serialised ledger that names a tag it does not define.
    #[error("the ledger's ticket {ticket} names tag number {tag}, but only {defined} are defined")]
    UnknownTagId {
        /// The ticket.
        ticket: String,
        /// The tag number.
        tag: u32,
        /// How many tags the ledger defines.
        defined: usize,
    },
}
