//! Warnings and breaches: raised once per target, at the right instant.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::sla::policy::{EscalateTo, SlaPolicy, Trigger};
use crate::sla::report::{SlaReport, TargetState};

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

/// The alerts due at `now` that are not in `raised` yet. A breach is due
/// once `now` is past the deadline (or the clock stopped after it); a
/// warning once its instant is reached while the clock still runs, unless
/// the breach is raised in the same call.
pub fn due_alerts(
    report: &SlaReport,
    policy: &SlaPolicy,
    raised: &BTreeSet<AlertKey>,
    now: DateTime<Utc>,
) -> Vec<SlaAlert> {
    let mut out = Vec::new();
    let key = |metric: &str, cycle: u32, point| AlertKey {
        policy: policy.id.clone(),
        version: policy.version,
        metric: metric.to_owned(),
        cycle,
        point,
    };
    for t in &report.targets {
        let breach_key = key(&t.metric, t.cycle, AlertPoint::Breach);
        if t.state == TargetState::Breached {
            if !raised.contains(&breach_key) {
                if let Some(d) = t.deadline {
                    out.push(SlaAlert {
                        level: level_for(policy, Trigger::Breach),
                        key: breach_key,
                        due_at: d,
                        deadline: t.deadline,
                    });
                }
            }
            continue;
        }
        if !matches!(t.state, TargetState::Running | TargetState::Paused) {
            continue;
        }
        for (i, w) in t.warnings.iter().enumerate() {
            let Some(w) = *w else { continue };
            let k = key(&t.metric, t.cycle, AlertPoint::Warning(i));
            if w <= now && !raised.contains(&k) {
                out.push(SlaAlert {
                    level: level_for(policy, Trigger::Warning(i)),
                    key: k,
                    due_at: w,
                    deadline: t.deadline,
                });
            }
        }
    }
    out.sort_by_key(|a| a.due_at);
    out
}

/// When the host should look at the ticket again: the earliest warning or
/// breach not raised yet among running targets, and paused targets whose
/// instants are known (a clock paused exactly at its deadline; a breach is
/// due one second after the deadline, the first whole second past it).
/// `None` when nothing can fire without a new event (paused before the
/// deadline, stopped, or all raised).
pub fn next_wakeup(
    report: &SlaReport,
    policy: &SlaPolicy,
    raised: &BTreeSet<AlertKey>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if !due_alerts(report, policy, raised, now).is_empty() {
        return Some(now);
    }
    let mut best: Option<DateTime<Utc>> = None;
    let mut consider = |t: DateTime<Utc>| {
        if best.is_none_or(|b| t < b) {
            best = Some(t);
        }
    };
    for t in report
        .targets
        .iter()
        .filter(|t| matches!(t.state, TargetState::Running | TargetState::Paused))
    {
        let key = |point| AlertKey {
            policy: policy.id.clone(),
            version: policy.version,
            metric: t.metric.clone(),
            cycle: t.cycle,
            point,
        };
        for (i, w) in t.warnings.iter().enumerate() {
            if let Some(w) = *w {
                if !raised.contains(&key(AlertPoint::Warning(i))) {
                    consider(w.max(now));
                }
            }
        }
        if let Some(d) = t.deadline {
            if !raised.contains(&key(AlertPoint::Breach)) {
                // (At the last instant there is, the breach is due then.)
                let due = d.checked_add_signed(Duration::seconds(1)).unwrap_or(d);
                consider(due.max(now));
            }
        }
    }
    best
}

/// The highest level of the ladder's steps for a trigger.
fn level_for(policy: &SlaPolicy, trigger: Trigger) -> Option<u8> {
    policy
        .escalation
        .iter()
        .filter(|s| s.trigger == trigger)
        .map(|s| s.level)
        .max()
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
