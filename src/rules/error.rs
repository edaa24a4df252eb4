//! Errors of loading and running a rule book.

use crate::calendar::CalendarError;
use crate::id::TicketId;
use crate::model::SlaError;
use crate::ticket::DomainError;

/// What went wrong loading or running a [`RuleBook`](super::RuleBook).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The JSON does not parse into a rule book: an unknown key or value,
    /// a missing field, a wrong type (serde's message names it, with the
    /// line and column).
    #[error("rule book: {0}")]
    Parse(String),
    /// A rule is malformed.
    #[error("{kind} `{id}`: {reason}")]
    Invalid {
        /// Trigger, automation, macro or semantics.
        kind: &'static str,
        /// The rule's id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Two rules of a kind share an id.
    #[error("two {kind}s have the id `{id}`")]
    DuplicateId {
        /// Trigger, automation or macro.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// Over a limit.
    #[error("{count} {what}, over the limit of {max}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A pattern does not compile or is over the limits.
    #[error("rule `{rule}`: pattern `{pattern}`: {reason}")]
    Pattern {
        /// The rule.
        rule: String,
        /// The pattern (its first 60 characters).
        pattern: String,
        /// Why.
        reason: String,
    },
    /// A rule names a calendar the planner does not have.
    #[error("rule `{rule}` names the calendar `{calendar}`, which is not configured")]
    UnknownCalendar {
        /// The rule.
        rule: String,
        /// The calendar.
        calendar: String,
    },
    /// A rule names a template the template set does not have.
    #[error("rule `{rule}` names the template `{template}`, which is not in the template set")]
    UnknownTemplate {
        /// The rule.
        rule: String,
        /// The template id.
        template: String,
    },
    /// A rule names an SLA policy the planner does not have.
    #[error("rule `{rule}` applies the SLA policy `{policy}`, which is not configured")]
    UnknownPolicy {
        /// The rule.
        rule: String,
        /// The policy id.
        policy: String,
    },
    /// A `tag_kind` condition without a taxonomy to tell kinds.
    #[error("rule `{rule}` has a `tag_kind` condition but no taxonomy is configured")]
    NeedsTaxonomy {
        /// The rule.
        rule: String,
    },
    /// The triggers did not settle within the pass cap. Nothing of the
    /// update is committed.
    #[error(
        "triggers did not settle on ticket {ticket} within {passes} passes; they kept firing: {}",
        rules.join(", ")
    )]
    Loop {
        /// The ticket.
        ticket: TicketId,
        /// The cap.
        passes: u32,
        /// The triggers that fired (those that fired more than once when
        /// triggers may fire again).
        rules: Vec<String>,
    },
    /// No macro with this id.
    #[error("no macro `{id}`")]
    UnknownMacro {
        /// The id.
        id: String,
    },
    /// A macro's actions were refused (by the lifecycle, the taxonomy or a
    /// template missing a value).
    #[error("rule `{rule}` refused: {reason}")]
    Refused {
        /// The rule.
        rule: String,
        /// Why.
        reason: String,
    },
    /// The ticket core refused what a rule recorded.
    #[error("rule `{rule}`: {source}")]
    Domain {
        /// The rule.
        rule: String,
        /// The core's error.
        source: DomainError,
    },
    /// A business-time condition or delay failed on its calendar.
    #[error("rule `{rule}`: calendar: {source}")]
    Calendar {
        /// The rule (empty for a condition).
        rule: String,
        /// The calendar's error.
        source: CalendarError,
    },
    /// An SLA condition could not evaluate the ticket's clocks.
    #[error("sla condition: {0}")]
    Sla(SlaError),
}
