//! The customer behind the tickets: a per-customer experience ledger,
//! repeat contacts and first-contact resolution, next-issue avoidance, all
//! read from [`TicketFacts`](crate::metrics::TicketFacts) (the same facts
//! the metrics aggregate) and a [`Taxonomy`](crate::Taxonomy) that says
//! which tags are contact reasons (what) and which are causes (why).
//!
//! Two contacts of one customer are related when the later one comes
//! within a [`Within`] of the earlier one, in calendar time or in business
//! time on a named calendar.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::todo,
    clippy::unimplemented
)]

mod error;
mod next_issue;
mod within;

pub use error::ExperienceError;
pub use next_issue::{
    LikelyNext, NextIssue, NextIssueConfig, NextIssueCounts, NextIssueError, NextIssues,
    ReasonCounts, Suggestion, describe_window, wilson95,
};
pub use within::Within;
