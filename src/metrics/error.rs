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
}
