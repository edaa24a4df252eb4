//! What-if: the compliance a set of tickets would have had under another
//! policy or calendar.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::SlaError;
use crate::sla::policy::{Calendars, PolicySet};
use crate::sla::report::{SlaReport, TargetState, applied_policy, evaluate};
use crate::ticket::{Event, Ticket};

/// Compliance of one metric over a set of tickets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    /// Cycles achieved in time.
    pub met: usize,
    /// Cycles breached.
    pub breached: usize,
    /// Cycles still running or paused before their deadline.
    pub open: usize,
    /// Cycles cancelled before their deadline.
    pub cancelled: usize,
}

impl Compliance {
    /// `met / (met + breached)`, or `None` when nothing was decided yet.
    pub fn rate(&self) -> Option<f64> {
        let decided = self.met.saturating_add(self.breached);
        (decided > 0).then(|| self.met as f64 / decided as f64)
    }

    fn add(&mut self, s: TargetState) {
        let n = match s {
            TargetState::Fulfilled => &mut self.met,
            TargetState::Breached => &mut self.breached,
            TargetState::Running | TargetState::Paused => &mut self.open,
            TargetState::Cancelled => &mut self.cancelled,
        };
        *n = n.saturating_add(1);
    }

    /// Tallies a report's targets by metric.
    pub fn by_metric(reports: &[SlaReport]) -> BTreeMap<String, Compliance> {
        let mut m: BTreeMap<String, Compliance> = BTreeMap::new();
        for r in reports {
            for t in &r.targets {
                m.entry(t.metric.clone()).or_default().add(t.state);
            }
        }
        m
    }
}

/// Actual compliance next to what a proposal would have given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    /// Under the policies recorded on the tickets and the current calendars.
    pub actual: BTreeMap<String, Compliance>,
    /// Under the proposal.
    pub proposed: BTreeMap<String, Compliance>,
    /// Tickets whose outcome differs (breached in one, not in the other).
    pub changed: Vec<crate::id::TicketId>,
}

/// Replays ticket histories under a proposed policy set (selected per ticket
/// as at opening, segment unknown) and/or proposed calendars, at `now`.
///
/// # Errors
/// The first [`SlaError`] of any evaluation.
pub fn what_if(
    histories: &[Vec<Event>],
    calendars: &Calendars,
    proposed_policies: Option<&PolicySet>,
    proposed_calendars: Option<&Calendars>,
    now: DateTime<Utc>,
) -> Result<WhatIf, SlaError> {
    let mut actual = Vec::with_capacity(histories.len());
    let mut proposed = Vec::with_capacity(histories.len());
    let mut changed = Vec::new();
    for h in histories {
        let a = evaluate(h, calendars, now, None)?;
        let policy = match proposed_policies {
            Some(set) => Ticket::from_events(h).map(|t| set.select(&t, None).clone()),
            None => applied_policy(h, now).cloned(),
        };
        let p = evaluate(
            h,
            proposed_calendars.unwrap_or(calendars),
            now,
            policy.as_ref(),
        )?;
        let breached = |r: &SlaReport| r.targets.iter().any(|t| t.state == TargetState::Breached);
        if breached(&a) != breached(&p) {
            if let Some(e) = h.first() {
                changed.push(e.ticket);
            }
        }
        actual.push(a);
        proposed.push(p);
    }
    Ok(WhatIf {
        actual: Compliance::by_metric(&actual),
        proposed: Compliance::by_metric(&proposed),
        changed,
    })
}
