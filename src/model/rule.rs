//! What a ticket records when a rule of a [`RuleBook`](crate::rules::RuleBook)
//! fires on it: which rule, of which kind, and how many of the events that
//! follow it caused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kind of rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleKind {
    /// An event trigger: it ran on a ticket update.
    Trigger,
    /// A time-based automation: it ran when a ticket came due.
    Automation,
    /// A macro an agent applied.
    Macro,
}

impl std::fmt::Display for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RuleKind::Trigger => "trigger",
            RuleKind::Automation => "automation",
            RuleKind::Macro => "macro",
        })
    }
}

/// One firing of a rule on one ticket, recorded as the
/// [`RuleFired`](crate::ticket::EventKind::RuleFired) event that comes just
/// before the events the rule caused: the next `events` events of the
/// ticket's history are the rule's doing (read them with
/// [`ticket::causes`](crate::ticket::causes)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFiring {
    /// The rule's id.
    pub rule: String,
    /// The rule's name when it fired.
    pub name: String,
    /// Trigger, automation or macro.
    pub kind: RuleKind,
    /// How many of the events right after this one the rule caused.
    pub events: u32,
    /// For an automation: the instant it was due (its anchor plus its
    /// delay). The firing itself is stamped with the time the sweep ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// For an automation: the instant its delay counted from (e.g. when the
    /// ticket became pending). An automation fires at most once per anchor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<DateTime<Utc>>,
    /// For a trigger: the evaluation pass of the update it fired in (from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<u32>,
}
