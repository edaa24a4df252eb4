//! Explaining a deadline in words a support lead understands.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{SlaError, TimeBasis};
use crate::sla::policy::Calendars;
use crate::sla::report::{TargetReport, TargetState, far_future};
use crate::sla::{Span, human};

/// What produced a deadline: the stretches of time that counted, the
/// holidays skipped, the pauses, and the same in sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The stretches of time that counted, `[from, to)`, up to the deadline
    /// (or up to the end of the clock, or now, when there is no deadline).
    pub counted: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Holidays of the calendar between the start and that end.
    pub holidays: Vec<NaiveDate>,
    /// The sentences.
    pub lines: Vec<String>,
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for l in &self.lines {
            writeln!(f, "{l}")?;
        }
        Ok(())
    }
}

const MAX_LISTED: usize = 40;

/// Explains one target of a report.
///
/// # Errors
/// [`SlaError::UnknownCalendar`] when the target's calendar is not in
/// `calendars`; [`SlaError::Calendar`] on arithmetic errors.
pub fn explain(t: &TargetReport, calendars: &Calendars) -> Result<Explanation, SlaError> {
    // Up to the deadline; without one (paused), up to where the clock
    // stopped or the pause began.
    let horizon = t
        .deadline
        .or(t.ended_at)
        .or_else(|| t.pauses.last().map(|p| p.from))
        .unwrap_or(t.started_at)
        .max(t.started_at);
    let pauses: Vec<Span> = t
        .pauses
        .iter()
        .map(|p| (p.from, p.to.unwrap_or_else(far_future)))
        .collect();
    let (tz, raw, what, holidays): (Tz, Vec<Span>, String, Vec<NaiveDate>) = match &t.basis {
        TimeBasis::Calendar => (
            Tz::UTC,
            vec![(t.started_at, horizon)],
            "calendar time".to_owned(),
            Vec::new(),
        ),
        TimeBasis::Business { calendar } => {
            let cal = calendars
                .get(calendar)
                .ok_or_else(|| SlaError::UnknownCalendar {
                    policy: String::new(),
                    name: calendar.clone(),
                })?;
            let tz = cal.timezone();
            let intervals = cal
                .open_intervals(t.started_at, horizon)
                .map_err(|source| SlaError::Calendar {
                    name: calendar.clone(),
                    source,
                })?
                .map(|w| (w.start, w.end))
                .collect();
            let mut hol = Vec::new();
            let first = t.started_at.with_timezone(&tz).date_naive();
            let last = horizon.with_timezone(&tz).date_naive();
            let mut d = first;
            while d <= last && hol.len() < MAX_LISTED {
                if cal.is_holiday(d) {
                    hol.push(d);
                }
                match d.checked_add_days(Days::new(1)) {
                    Some(n) => d = n,
                    None => break,
                }
            }
            (
                tz,
                intervals,
                format!("business time on calendar \"{calendar}\" ({})", tz.name()),
                hol,
            )
        }
    };
    let counted = subtract(&raw, &pauses);
    let fmt = |x: DateTime<Utc>| {
        x.with_timezone(&tz)
            .format("%a %-d %b %Y %H:%M %Z")
            .to_string()
    };
    let short = |x: DateTime<Utc>| x.with_timezone(&tz).format("%a %-d %b %H:%M").to_string();
    let mut lines = vec![format!(
        "{} (cycle {}): target {} of {}.",
        t.metric,
        t.cycle,
        human(t.target_seconds),
        what
    )];
    lines.push(format!("The clock started {}.", fmt(t.started_at)));
    if !counted.is_empty() {
        let list: Vec<String> = counted
            .iter()
            .take(MAX_LISTED)
            .map(|(a, b)| {
                let same_day =
                    a.with_timezone(&tz).date_naive() == b.with_timezone(&tz).date_naive();
                let end = if same_day {
                    b.with_timezone(&tz).format("%H:%M").to_string()
                } else {
                    short(*b)
                };
                format!("{}–{end} ({})", short(*a), human((*b - *a).num_seconds()))
            })
            .collect();
        let more = counted.len().saturating_sub(MAX_LISTED);
        lines.push(format!(
            "Counted: {}{}.",
            list.join("; "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    for h in &holidays {
        lines.push(format!(
            "Not counted: holiday {}.",
            h.format("%a %-d %b %Y")
        ));
    }
    for p in &t.pauses {
        match p.to {
            Some(to) => lines.push(format!(
                "Paused while {}: {} to {}.",
                p.status,
                short(p.from),
                short(to)
            )),
            None => lines.push(format!(
                "Paused while {} since {}.",
                p.status,
                short(p.from)
            )),
        }
    }
    match t.deadline {
        Some(d) => lines.push(format!("Due {}.", fmt(d))),
        None => lines.push("No deadline while paused: it moves with the pause.".to_owned()),
    }
    let state = match t.state {
        TargetState::Running => "running",
        TargetState::Paused => "paused",
        TargetState::Fulfilled => "fulfilled",
        TargetState::Breached => "breached",
        TargetState::Cancelled => "cancelled",
    };
    let left = if t.remaining_seconds >= 0 {
        format!("{} left", human(t.remaining_seconds))
    } else {
        format!("{} over", human(t.remaining_seconds.saturating_neg()))
    };
    lines.push(format!(
        "State: {state}, {} used ({:.0}%), {left}.",
        human(t.elapsed_seconds),
        t.share_used * 100.0
    ));
    Ok(Explanation {
        counted,
        holidays,
        lines,
    })
}

/// `ranges` minus `cut`, both sorted and disjoint.
fn subtract(
    ranges: &[(DateTime<Utc>, DateTime<Utc>)],
    cut: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    for &(a, b) in ranges {
        let mut start = a;
        for &(p, q) in cut {
            if q <= start || p >= b {
                continue;
            }
            if p > start {
                out.push((start, p));
            }
            start = start.max(q);
            if start >= b {
                break;
            }
        }
        if start < b {
            out.push((start, b));
        }
    }
    out
}
