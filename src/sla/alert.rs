//! Warnings and breaches: raised once per target, at the right instant.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use crate::model::{AlertKey, AlertPoint, SlaAlert, SlaPolicy, Trigger};
use crate::sla::report::{SlaReport, TargetState};

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
