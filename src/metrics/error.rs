//! Metrics errors.

use crate::sla::SlaError;

/// Computing metrics failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// The business calendar named for business-time figures is not in the
    /// calendar set.
    #[error("unknown business calendar {name:?}")]
    UnknownCalendar {
        /// The name given.
        name: String,
    },
    /// Evaluating a ticket's clocks failed (a calendar the ticket's SLA
    /// policy names is missing, or business-time arithmetic failed).
    #[error("ticket {ticket}: sla evaluation failed")]
    Sla {
        /// The ticket.
        ticket: crate::id::TicketId,
        /// Why.
        #[source]
        source: SlaError,
    },
    /// Two per-period aggregates with different time zones or period kinds
    /// cannot be merged.
    #[error("cannot merge {left} periods with {right} periods")]
    PeriodMismatch {
        /// The receiving side, described.
        left: String,
        /// The other side, described.
        right: String,
    },
    /// A serialised [`Periodic`](crate::metrics::Periodic) lists a period
    /// of another kind, or one that does not start where a period of its
    /// kind starts (a week not on a Monday, a month not on the 1st).
    #[error("{period} is not a {kind:?} period")]
    NotAPeriod {
        /// The period, described.
        period: String,
        /// The kind of the per-period aggregate.
        kind: crate::metrics::PeriodKind,
    },
    /// A serialised [`Periodic`](crate::metrics::Periodic) lists a period
    /// twice.
    #[error("period {period} is listed more than once")]
    DuplicatePeriod {
        /// The period.
        period: String,
    },
}

/// A serialised [`DurationSketch`](crate::metrics::DurationSketch) whose
/// parts disagree, so that no sequence of added values could have made it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SketchError {
    /// The smallest value is above the largest.
    #[error("sketch min {min} is above its max {max}")]
    MinAboveMax {
        /// `min` as given.
        min: u64,
        /// `max` as given.
        max: u64,
    },
    /// The bucket counts do not add up to the count.
    #[error("sketch count is {count} but its buckets hold {buckets} values")]
    BucketCount {
        /// `count` as given.
        count: u64,
        /// The sum of the bucket counts (saturating).
        buckets: u64,
    },
    /// An empty sketch has a non-zero field.
    #[error("sketch is empty (count 0) but its {field} is {value}")]
    NotEmpty {
        /// `sum`, `min`, `max` or `exact`.
        field: &'static str,
        /// The value found.
        value: u64,
    },
    /// The smallest or largest value is not in the first or last bucket
    /// holding values.
    #[error("sketch {field} {value} is not in its buckets' {field} bucket ({lo} to {hi})")]
    OutsideBuckets {
        /// `min` or `max`.
        field: &'static str,
        /// The value given.
        value: u64,
        /// The smallest value of the bucket it should be in.
        lo: u64,
        /// The largest value of that bucket.
        hi: u64,
    },
    /// The sum cannot be the sum of `count` values between the extremes.
    #[error("sketch sum {sum} cannot be the sum of {count} values from {min} to {max}")]
    Sum {
        /// `sum` as given.
        sum: u64,
        /// `count` as given.
        count: u64,
        /// `min` as given.
        min: u64,
        /// `max` as given.
        max: u64,
    },
    /// The kept values are not all values (at most
    /// [`EXACT_LIMIT`](crate::metrics::EXACT_LIMIT)) or not none (beyond).
    #[error("sketch keeps {len} exact values where its count needs {expected}")]
    ExactLength {
        /// How many values `exact` holds.
        len: usize,
        /// How many it must hold.
        expected: u64,
    },
    /// The kept values disagree with another field (or are not sorted).
    #[error("sketch exact values disagree with its {field}")]
    ExactMismatch {
        /// `exact` (not sorted), `min`, `max`, `sum` or `buckets`.
        field: &'static str,
    },
    /// More buckets than values can fall in.
    #[error("sketch has {len} buckets, more than the {max} there are")]
    TooManyBuckets {
        /// How many were given.
        len: usize,
        /// How many exist.
        max: usize,
    },
}
