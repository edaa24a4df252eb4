//! Jumping virtual time from one SLA deadline to the next.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::model::{AlertKey, SlaAlert, SlaError, SlaPolicy};
use crate::sla::alert::{due_alerts, next_wakeup};
use crate::sla::policy::Calendars;
use crate::sla::report::evaluate;
use crate::ticket::{Event, EventKind};

/// An alert the simulation saw fire, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The instant the host would have been woken and raised it.
    pub at: DateTime<Utc>,
    /// The alert.
    pub alert: SlaAlert,
}

/// Replays a ticket's history from its first event to `until`, waking
/// exactly when [`next_wakeup`] says (and at every event), and collects the
/// alerts that fire, each once. Alerts already recorded in the history
/// (`SlaAlerted` events) count as raised. No clock is read: a week of a
/// ticket's life costs a handful of evaluations.
///
/// `policy` overrides the policy recorded in the history.
///
/// # Errors
/// The first [`SlaError`] of an evaluation.
pub fn simulate(
    events: &[Event],
    calendars: &Calendars,
    policy: Option<&SlaPolicy>,
    until: DateTime<Utc>,
) -> Result<Vec<Fired>, SlaError> {
    let mut raised: BTreeSet<AlertKey> = BTreeSet::new();
    let mut fired = Vec::new();
    let Some(first) = events.first() else {
        return Ok(fired);
    };
    let mut now = first.at;
    let mut next_event = 0usize;
    // Bounded: every iteration raises an alert or moves to a later instant
    // (a wake-up or an event), and there are finitely many of each.
    let limit = 100_000usize;
    for _ in 0..limit {
        while next_event < events.len() && events[next_event].at <= now {
            if let EventKind::SlaAlerted { alert } = &events[next_event].kind {
                raised.insert(alert.key.clone());
            }
            next_event += 1;
        }
        let seen = &events[..next_event];
        let Some(p) = policy.or_else(|| crate::sla::applied_policy(seen, now)) else {
            match events.get(next_event) {
                Some(e) if e.at <= until => {
                    now = e.at;
                    continue;
                }
                _ => break,
            }
        };
        let report = evaluate(seen, calendars, now, Some(p))?;
        let due = due_alerts(&report, p, &raised, now);
        if !due.is_empty() {
            for a in due {
                raised.insert(a.key.clone());
                fired.push(Fired { at: now, alert: a });
            }
            continue;
        }
        let wake = next_wakeup(&report, p, &raised, now);
        let event_at = events.get(next_event).map(|e| e.at);
        let next = match (wake, event_at) {
            (Some(w), Some(e)) => w.min(e),
            (Some(w), None) => w,
            (None, Some(e)) => e,
            (None, None) => break,
        };
        if next > until || next <= now && event_at != Some(next) {
            break;
        }
        now = next;
    }
    Ok(fired)
}
