//! Support metrics from ticket events, computed with the SLA engine's own
//! clocks so that reports and SLAs never disagree.
//!
//! Three steps:
//!
//! 1. **Facts.** [`TicketFacts::from_events`] reads one ticket's history at
//!    an instant into a compact summary. Durations come from
//!    [`sla::Timeline`](crate::sla::Timeline) and
//!    [`sla::report`](crate::sla::report) with the metric presets (first
//!    reply, next reply, total resolution, agent work), in calendar time
//!    and optionally in business time on a named calendar; SLA outcomes
//!    come from [`sla::evaluate`](crate::sla::evaluate) under the policy
//!    recorded on the ticket. Bot and automated replies never count as a
//!    reply or as agent work; internal notes are never read (only whether
//!    an agent acted after a low score).
//! 2. **Aggregates.** An [`Aggregate`] takes facts one at a time (streaming)
//!    and merges with other aggregates (per shard, per day): counts, sums,
//!    means, rates, bins and lists are exact; medians and 90th percentiles
//!    come from a [`DurationSketch`] (exact up to 64 values, then within
//!    1/128 relative error). [`Periodic`] keeps one aggregate per day, ISO
//!    week or month in a time zone.
//! 3. **Figures.** [`Aggregate::summary`] gives every figure: first response
//!    (mean, median, p90, share within the SLA target, longest wait,
//!    distribution), next reply, resolution and agent work times, one-touch
//!    and reopen rates, backlog and its ages, volume by channel, priority
//!    and tag, CSAT (mean, distribution, response rate, per channel, low
//!    scores with comments and their follow-up), CES, CSAT by first-response
//!    time with the [speed threshold](speed_threshold), SLA compliance per
//!    metric. Contact rates take their denominator from the host
//!    ([`ContactBase`]).
//!
//! ```
//! use supportdesk::metrics::{Aggregate, FactsOptions, TicketFacts};
//! use supportdesk::sla::Calendars;
//! use supportdesk::testing::TicketBuilder;
//! use supportdesk::ticket::Csat;
//! use supportdesk::{Status, id::{AgentId, TicketId}};
//!
//! let bob = AgentId::from_u128(7);
//! let histories = vec![
//!     // Answered after 1 minute, solved after 2: one touch.
//!     TicketBuilder::new().id(TicketId::from_u128(1)).agent_reply(bob, "Done").status(Status::Solved).events(),
//!     // Answered after 1 minute, the customer asks again, answered, solved.
//!     TicketBuilder::new().id(TicketId::from_u128(2)).agent_reply(bob, "Which order?")
//!         .customer_reply("#42").agent_reply(bob, "Refunded").status(Status::Solved).events(),
//!     // Not answered yet.
//!     TicketBuilder::new().id(TicketId::from_u128(3)).events(),
//! ];
//! let options = FactsOptions::new("2026-01-05T10:00:00Z".parse()?, Calendars::new());
//! let mut all = Aggregate::new();
//! for h in &histories {
//!     if let Some(f) = TicketFacts::from_events(h, &options)? {
//!         all.add(&f);
//!     }
//! }
//! let s = all.summary();
//! assert_eq!(s.first_response.times.mean, Some(60.0));
//! assert_eq!(s.first_response.waiting, 1);
//! assert_eq!(s.first_response.longest_waiting.map(|l| l.seconds), Some(3600));
//! assert_eq!(s.next_reply.mean, Some(60.0));
//! assert_eq!((s.one_touch.count, s.one_touch.of), (1, 2));
//! assert_eq!(s.backlog.open, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::todo,
    clippy::unimplemented
)]

mod aggregate;
mod contact;
mod direct;
mod error;
mod facts;
mod period;
mod sketch;
mod summary;

/// The one period type, from [`calendar`](crate::calendar).
pub use crate::calendar::{Period, PeriodKind};
pub use aggregate::{Aggregate, BACKLOG_AGE_EDGES, Longest, LowScore, RESPONSE_BIN_EDGES};
pub use contact::{BaseCount, ContactBase, ContactRate, Denominator};
pub use error::{MetricsError, SketchError};
pub use facts::{CsatFact, Elapsed, FactsDeriver, FactsFields, FactsOptions, TicketFacts};
pub use period::Periodic;
pub use sketch::{DurationSketch, EXACT_LIMIT, RELATIVE_ERROR};
pub use summary::{
    BacklogSummary, Basis, BinCount, CesSummary, CsatFigures, CsatSummary, DurationSummary,
    Interval, MetricsSummary, Rate, ResponseCsat, ResponseSummary, SpeedThreshold, VolumeSummary,
    secs, speed_threshold,
};
