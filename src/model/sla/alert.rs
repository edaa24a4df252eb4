//! SLA alert values: which warning or breach of which target, as recorded
//! on a ticket, and who hears about it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::sla::policy::{EscalateTo, SlaPolicy, Trigger};

/// Which alert of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "point", content = "index", rename_all = "snake_case")]
pub enum AlertPoint {
    /// The policy's warning with this index.
    Warning(usize),
    /// The breach.
    Breach,
}

/// Identifies one alert: it is raised at most once per ticket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlertKey {
    /// The policy id.
    pub policy: String,
    /// The policy version.
    pub version: u32,
    /// The metric.
    pub metric: String,
    /// The cycle.
    pub cycle: u32,
    /// Warning or breach.
    pub point: AlertPoint,
}

/// A warning or breach raised on a ticket, recorded as an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaAlert {
    /// What it is.
    pub key: AlertKey,
    /// The instant the threshold was reached (the breach: the deadline it
    /// passed).
    pub due_at: DateTime<Utc>,
    /// The target's deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// The highest escalation level this alert reaches, if the ladder has a
    /// step for it.
    pub level: Option<u8>,
}

/// Who to notify for an alert: the ladder's steps for its trigger, or the
/// ticket's owner when the ladder has none.
pub fn recipients(policy: &SlaPolicy, point: AlertPoint) -> Vec<EscalateTo> {
    let trigger = match point {
        AlertPoint::Warning(i) => Trigger::Warning(i),
        AlertPoint::Breach => Trigger::Breach,
    };
    let steps: Vec<EscalateTo> = policy
        .escalation
        .iter()
        .filter(|s| s.trigger == trigger)
        .map(|s| s.notify)
        .collect();
    if steps.is_empty() {
        vec![EscalateTo::Owner]
    } else {
        steps
    }
}
