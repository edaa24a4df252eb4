//! The customer behind the tickets: a per-customer experience ledger,
//! repeat contacts and first-contact resolution, next-issue avoidance, all
//! read from [`TicketFacts`](crate::metrics::TicketFacts) (the same facts
//! the metrics aggregate) and a [`Taxonomy`](crate::Taxonomy) that says
//! which tags are contact reasons (what) and which are causes (why).
//!
//! Two contacts of one customer are related when the later one comes
//! within a [`Within`] of the earlier one, in calendar time or in business
//! time on a named calendar.
//!
//! The [`Ledger`] keeps one compact record per ticket, grouped by customer.
//! From those it derives, on query, each customer's good and bad
//! experiences ([`ExperienceKind`]: an SLA breach, a reopen, a low CSAT or
//! CES, a repeat contact, a follow-up after a closed ticket, a channel
//! switch; one-touch resolution and a high CSAT), a [`timeline`] per
//! customer, an [`at_risk`] list ranked by recent bad experiences with
//! [`RiskTiers`] that cite where their figures come from, and the
//! [`RepeatReport`]: the repeat-contact rate and first-contact resolution
//! next to one-touch resolution, per channel and per contact reason.
//! Ledgers of shards (of customers or of periods) [`merge`] into the whole,
//! and newer facts of a ticket replace its older ones.
//!
//! ```
//! use supportdesk::experience::{ExperienceKind, Ledger, LedgerConfig, RepeatRule, Same};
//! use supportdesk::id::{CustomerId, TicketId};
//! use supportdesk::metrics::TicketFacts;
//! use supportdesk::sla::Calendars;
//! use supportdesk::taxonomy::TaxonomyConfig;
//! use supportdesk::{Channel, Taxonomy};
//!
//! let day = 86_400;
//! let ann = CustomerId::from_u128(1);
//! // Ann writes on Monday, her ticket is solved; she calls again on Wednesday.
//! let mut monday = TicketFacts::new(TicketId::from_u128(1), ann, Channel::Email, 0);
//! monday.resolved_at = Some(3_600);
//! let wednesday = TicketFacts::new(TicketId::from_u128(2), ann, Channel::Phone, 2 * day);
//! let config = LedgerConfig::default().with_repeat(RepeatRule::default().with_same(Same::Any));
//! let taxonomy = Taxonomy::from_config(TaxonomyConfig::default())?;
//! // Two shards, merged.
//! let mut ledger = Ledger::new(config.clone(), &taxonomy, Calendars::new())?;
//! ledger.add(&monday);
//! let mut other = Ledger::new(config, &taxonomy, Calendars::new())?;
//! other.add(&wednesday);
//! ledger.merge(other)?;
//!
//! let timeline = ledger.timeline(ann)?;
//! assert_eq!(timeline[0].kind, ExperienceKind::RepeatContact { earlier: TicketId::from_u128(1) });
//! let at_risk = ledger.at_risk(3 * day, 10)?;
//! assert_eq!(at_risk[0].tier.year, 2022);
//! let report = ledger.repeat_report(0, 3 * day)?;
//! assert_eq!(report.overall.repeat.percent(), "50.0%");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`timeline`]: Ledger::timeline
//! [`at_risk`]: Ledger::at_risk
//! [`merge`]: Ledger::merge
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::todo,
    clippy::unimplemented
)]

mod error;
mod ledger;
mod next_issue;
mod record;
mod repeat;
mod repeat_rows;
mod within;

pub use error::ExperienceError;
pub use ledger::{AtRisk, Experience, ExperienceKind, Ledger, LedgerConfig, RiskTier, RiskTiers};
pub use next_issue::{
    LikelyNext, NextIssue, NextIssueConfig, NextIssueCounts, NextIssueError, NextIssues,
    ReasonCounts, Suggestion, describe_window,
};
pub use repeat::{
    Anchor, ChannelFigures, ReasonFigures, RepeatContacts, RepeatFigures, RepeatPair, RepeatReport,
    RepeatRule, Same,
};
pub use within::Within;
