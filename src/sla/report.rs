//! Evaluating a ticket's SLA targets at an instant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{
    BusinessCalendar, CalendarError, ClockMarks, MarkMemo, normalize_pauses, to_datetime,
};
use crate::channel::Channel;
use crate::model::{Priority, SlaError, SlaPolicy, Target, TimeBasis, WarnAt};
use crate::sla::policy::Calendars;
use crate::sla::timeline::{Cycle, CycleEnd, Pause, Timeline};
use crate::ticket::{Event, EventKind};

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    /// The clock runs and the deadline has not passed.
    Running,
    /// The clock is paused (e.g. the ticket is pending) and the deadline has
    /// not passed.
    Paused,
    /// Achieved in time.
    Fulfilled,
    /// The deadline passed before the clock stopped (whether it stopped
    /// later or not).
    Breached,
    /// Stopped without being achieved, before the deadline (solved without
    /// a reply, restarted by a newer message).
    Cancelled,
}

/// One target of one cycle at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    /// The metric.
    pub metric: String,
    /// The cycle (0 for the first).
    pub cycle: u32,
    /// The state at the report's instant.
    pub state: TargetState,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// When it stopped, if it did.
    pub ended_at: Option<DateTime<Utc>>,
    /// The target in seconds.
    pub target_seconds: i64,
    /// Business time on a calendar, or calendar time.
    pub basis: TimeBasis,
    /// The deadline; `None` while paused before it (it moves with the
    /// pause). A clock paused exactly at its deadline used its whole target
    /// before the pause: it keeps that deadline and is breached once the
    /// report's instant is past it, paused or not.
    pub deadline: Option<DateTime<Utc>>,
    /// Time counted so far (business seconds on a business basis), pauses
    /// left out.
    pub elapsed_seconds: i64,
    /// `target - elapsed`; negative once breached.
    pub remaining_seconds: i64,
    /// `elapsed / target`.
    pub share_used: f64,
    /// The pauses of the cycle.
    pub pauses: Vec<Pause>,
    /// The instant of each warning of the policy, for targets still running
    /// or paused (`None` when not known yet because of a pause, or when the
    /// warning falls outside the target); empty for targets that ended or
    /// are breached.
    pub warnings: Vec<Option<DateTime<Utc>>>,
}

impl TargetReport {
    /// Whether the clock is still counting (running or paused).
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// Every target of a ticket at an instant (not only the nearest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaReport {
    /// The policy applied (id, version), if any.
    pub policy: Option<(String, u32)>,
    /// The instant of the report.
    pub at: DateTime<Utc>,
    /// One entry per metric cycle that has a target for the ticket's
    /// priority and channel, metrics in policy order, cycles oldest first.
    pub targets: Vec<TargetReport>,
}

impl SlaReport {
    /// The running target with the nearest deadline.
    pub fn nearest(&self) -> Option<&TargetReport> {
        self.targets
            .iter()
            .filter(|t| t.state == TargetState::Running)
            .min_by_key(|t| t.deadline)
    }

    /// The breached targets.
    pub fn breached(&self) -> impl Iterator<Item = &TargetReport> {
        self.targets
            .iter()
            .filter(|t| t.state == TargetState::Breached)
    }

    /// The latest cycle of a metric.
    pub fn latest(&self, metric: &str) -> Option<&TargetReport> {
        self.targets.iter().rev().find(|t| t.metric == metric)
    }
}

/// The far end used for a pause that has not ended: 2200-01-01T00:00:00Z.
const FAR_FUTURE_UNIX: i64 = 7_258_118_400;

/// The far end used for a pause that has not ended.
pub(crate) fn far_future() -> DateTime<Utc> {
    DateTime::from_timestamp(FAR_FUTURE_UNIX, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// An instant as whole Unix seconds: the SLA clock counts whole seconds,
/// sub-second parts are dropped.
#[inline]
fn unix(t: DateTime<Utc>) -> i64 {
    crate::calendar::unix_seconds(t)
}

/// Whether whole Unix seconds `t` are an instant `DateTime<Utc>` holds
/// (as `DateTime::from_timestamp(t, 0).is_some()`, without building it).
#[inline]
fn representable(t: i64) -> bool {
    (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp()).contains(&t)
}

/// A pause bound kept inside the calendar's range.
#[inline]
fn pause_bound(t: i64) -> i64 {
    t.clamp(
        BusinessCalendar::MIN_UNIX_SECONDS,
        BusinessCalendar::MAX_UNIX_SECONDS,
    )
}

/// Business or plain arithmetic, with pauses, on whole Unix seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clockwork<'a> {
    Business(&'a BusinessCalendar, &'a str),
    Wall,
}

impl<'a> Clockwork<'a> {
    /// The clock of a target, its calendar looked up in `calendars` (the
    /// clock borrows the calendar and its name from `calendars` only).
    pub(crate) fn for_target(
        target: &Target,
        calendars: &'a Calendars,
        policy: &str,
    ) -> Result<Self, SlaError> {
        match &target.basis {
            TimeBasis::Calendar => Ok(Clockwork::Wall),
            TimeBasis::Business { calendar } => calendars
                .get_named(calendar)
                .map(|(name, c)| Clockwork::Business(c, name))
                .ok_or_else(|| SlaError::UnknownCalendar {
                    policy: policy.to_owned(),
                    name: calendar.clone(),
                }),
        }
    }

    fn err(&self, source: CalendarError) -> SlaError {
        let name = match self {
            Clockwork::Business(_, n) => (*n).to_owned(),
            Clockwork::Wall => "calendar time".to_owned(),
        };
        SlaError::Calendar { name, source }
    }

    /// Looks up, for business time, the calendar positions of a cycle's
    /// start and pauses (sorted, disjoint, within the calendar's range),
    /// which [`add`](Self::add) and [`elapsed`](Self::elapsed) then use.
    fn prepare(
        &self,
        start: i64,
        pauses: &[(i64, i64)],
        marks: &mut ClockMarks<'a>,
        memo: &mut MarkMemo<'a>,
    ) -> Result<(), SlaError> {
        match self {
            Clockwork::Business(cal, _) => cal
                .clock_marks(start, pauses, marks, memo)
                .map_err(|e| self.err(e)),
            Clockwork::Wall => Ok(()),
        }
    }

    /// The instant `secs` of counted time after `start`, `pauses` left out,
    /// with `marks` prepared for them.
    fn add(
        &self,
        marks: &ClockMarks<'_>,
        start: i64,
        secs: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, SlaError> {
        match self {
            Clockwork::Business(cal, _) => cal.marked_add(marks, secs).map_err(|e| self.err(e)),
            Clockwork::Wall => {
                let beyond = || SlaError::CalendarTimeOutOfRange {
                    start,
                    seconds: secs,
                };
                if secs < 0 {
                    return Err(self.err(CalendarError::NegativeDuration { seconds: secs }));
                }
                let mut t = start;
                let mut left = secs;
                for &(a, b) in pauses {
                    if b <= t {
                        continue;
                    }
                    if a >= t.checked_add(left).ok_or_else(beyond)? {
                        break;
                    }
                    if a > t {
                        left -= a - t;
                    }
                    t = b;
                }
                // An instant past what `DateTime` holds has no deadline
                // either.
                t.checked_add(left)
                    .filter(|&d| representable(d))
                    .ok_or_else(beyond)
            }
        }
    }

    /// The counted seconds in `[start, until)`, `pauses` left out, with
    /// `marks` prepared for them.
    fn elapsed(
        &self,
        marks: &ClockMarks<'a>,
        memo: &mut MarkMemo<'a>,
        start: i64,
        until: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, SlaError> {
        if until <= start {
            return Ok(0);
        }
        match self {
            Clockwork::Business(cal, _) => cal
                .marked_elapsed(marks, until, memo)
                .map_err(|e| self.err(e)),
            Clockwork::Wall => {
                let mut total = until - start;
                for &(p, q) in pauses {
                    let (lo, hi) = (p.max(start), q.min(until));
                    if hi > lo {
                        total -= hi - lo;
                    }
                }
                Ok(total)
            }
        }
    }

    /// Unix seconds back to an instant.
    pub(crate) fn instant(&self, t: i64) -> Result<DateTime<Utc>, SlaError> {
        to_datetime(t).map_err(|e| self.err(e))
    }

    /// Unix seconds checked as [`instant`](Self::instant) checks them
    /// (the same error), without building the instant.
    #[inline]
    pub(crate) fn checked(&self, t: i64) -> Result<i64, SlaError> {
        if representable(t) {
            Ok(t)
        } else {
            self.instant(t).map(|d| d.timestamp())
        }
    }
}

/// Writes the pauses of a cycle into `ranges` as closed ranges of Unix
/// seconds (an unfinished one reaching [`FAR_FUTURE_UNIX`]), sorted and
/// disjoint, and returns the start of the unfinished one.
///
/// A cycle fulfilled by solving, while the ticket stays solved, stopped at
/// the solve: its unfinished pause (the solved span) is not a pause the
/// deadline waits on and is left out.
#[inline(always)]
fn pause_ranges(c: &Cycle, ranges: &mut Vec<(i64, i64)>) -> Result<Option<i64>, SlaError> {
    ranges.clear();
    let solved = c.solved_at.is_some() && c.end.is_none();
    let mut open = None;
    let mut ordered = true;
    let mut last_end = i64::MIN;
    for p in &c.pauses {
        let from = unix(p.from);
        let to = match p.to {
            Some(t) => unix(t),
            None if solved => continue,
            None => {
                open = Some(from);
                FAR_FUTURE_UNIX
            }
        };
        ordered &= from >= last_end && to >= from;
        last_end = to;
        ranges.push((pause_bound(from), pause_bound(to)));
    }
    // A timeline built from events keeps its pauses in order; one built by
    // hand may not.
    if !ordered {
        let sorted =
            normalize_pauses(ranges.iter().copied()).map_err(|source| SlaError::Calendar {
                name: "pauses".to_owned(),
                source,
            })?;
        *ranges = sorted;
    }
    Ok(open)
}

/// The latest policy applied in a history up to `now`.
pub fn applied_policy(events: &[Event], now: DateTime<Utc>) -> Option<&SlaPolicy> {
    events
        .iter()
        .rev()
        .filter(|e| e.at <= now)
        .find_map(|e| match &e.kind {
            EventKind::SlaPolicyApplied { policy } => Some(&**policy),
            _ => None,
        })
}

/// Evaluates a ticket's history at `now` under the policy recorded in it
/// (the latest `SlaPolicyApplied` event), or under `policy` when given (a
/// what-if). Events after `now` are ignored. Pure.
///
/// # Errors
/// [`SlaError::UnknownCalendar`] when a target's calendar is missing;
/// [`SlaError::Calendar`] when business-time arithmetic fails.
pub fn evaluate(
    events: &[Event],
    calendars: &Calendars,
    now: DateTime<Utc>,
    policy: Option<&SlaPolicy>,
) -> Result<SlaReport, SlaError> {
    let Some(policy) = policy.or_else(|| applied_policy(events, now)) else {
        return Ok(SlaReport {
            policy: None,
            at: now,
            targets: Vec::new(),
        });
    };
    let timeline = Timeline::from_events(&policy.metrics, events.iter().filter(|e| e.at <= now));
    report(policy, &timeline, calendars, now)
}

/// The report of a timeline under a policy at `now`.
///
/// # Errors
/// As [`evaluate`].
pub fn report(
    policy: &SlaPolicy,
    timeline: &Timeline,
    calendars: &Calendars,
    now: DateTime<Utc>,
) -> Result<SlaReport, SlaError> {
    let mut targets = Vec::with_capacity(timeline.metrics.iter().map(|m| m.cycles.len()).sum());
    let resolved = Resolved::new(policy, calendars)?;
    fill_targets(
        policy,
        &resolved,
        timeline,
        now,
        &mut targets,
        &mut Scratch::default(),
    )?;
    Ok(SlaReport {
        policy: Some((policy.id.clone(), policy.version)),
        at: now,
        targets,
    })
}

/// One cycle's clock, ready to answer its deadline, warnings and elapsed
/// time.
struct CycleClock<'c, 'a> {
    clock: &'c Clockwork<'a>,
    marks: &'c ClockMarks<'a>,
    start: i64,
    ended: bool,
    ranges: &'c [(i64, i64)],
    open_pause: Option<i64>,
}

impl<'a> CycleClock<'_, 'a> {
    /// The instant `secs` of the target's time after the cycle start, or
    /// `None` when an unfinished pause starts before it (it is not known
    /// yet). A pause that starts exactly at that instant starts after the
    /// time was used up: the instant is known (a clock paused at its
    /// deadline has that deadline, and is breached once `now` passes it).
    #[inline(always)]
    fn instant_after(&self, secs: i64) -> Result<Option<i64>, SlaError> {
        let t = self.clock.add(self.marks, self.start, secs, self.ranges)?;
        Ok(match self.open_pause {
            Some(p) if t > p && !self.ended => None,
            _ => Some(t),
        })
    }

    /// The target's time counted from the cycle start to `until`.
    fn elapsed(&self, until: i64, memo: &mut MarkMemo<'a>) -> Result<i64, SlaError> {
        self.clock
            .elapsed(self.marks, memo, self.start, until, self.ranges)
    }
}

/// Scratch space for one cycle's arithmetic, kept from one cycle to the
/// next.
#[derive(Debug, Default)]
struct Scratch<'a> {
    /// The cycle arithmetic and its buffers.
    judge: CycleJudge<'a>,
    /// Calendar-name buffers of report slots that changed to calendar
    /// time, for slots that change to business time.
    names: Vec<String>,
    /// Reports of earlier tickets' targets beyond the current ticket's, to
    /// be filled again rather than allocated.
    reports: Vec<TargetReport>,
}

/// What a cycle's clock says at an instant: its state, deadline, end and
/// time counted. Shared by the reports and by the metrics' facts
/// ([`crate::metrics::TicketFacts`]), so both read the same arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Judged {
    /// The state at the instant.
    pub(crate) state: TargetState,
    /// The deadline (Unix seconds), `None` while paused before it.
    pub(crate) deadline: Option<i64>,
    /// When the clock stopped (or the ticket was solved, for a metric
    /// fulfilled by solving), if it did by the instant.
    pub(crate) ended_at: Option<DateTime<Utc>>,
    /// How it stopped, with `ended_at`.
    pub(crate) how: Option<CycleEnd>,
    /// Time counted so far, pauses left out.
    pub(crate) elapsed: i64,
}

/// When and how a cycle stopped by `now`: its end, or, for a metric
/// fulfilled by solving, the solve while the ticket stays solved.
#[inline]
fn ended(c: &Cycle, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, Option<CycleEnd>) {
    let (ended_at, how) = match c.end {
        Some((at, how)) if at <= now => (Some(at), Some(how)),
        _ => (None, None),
    };
    // A solved ticket fulfils a resolution metric while it stays solved.
    match (ended_at, c.solved_at) {
        (None, Some(s)) if s <= now => (Some(s), Some(CycleEnd::Fulfilled)),
        _ => (ended_at, how),
    }
}

/// The largest calendar-time target [`CycleJudge::elapsed_only`] skips the
/// deadline of: a year (with pauses bounded by the calendars' range, the
/// deadline stays far inside what an instant holds).
const MAX_SAFE_TARGET: i64 = 366 * 86_400;

/// Scratch space to judge cycles ([`judge`](CycleJudge::judge)), kept from
/// one cycle (and ticket) to the next.
#[derive(Debug, Default)]
pub(crate) struct CycleJudge<'a> {
    ranges: Vec<(i64, i64)>,
    marks: ClockMarks<'a>,
    /// The compiled year of the last calendar look-up, kept from one
    /// cycle and ticket to the next.
    memo: MarkMemo<'a>,
    /// The start of the unfinished pause of the cycle judged last.
    open_pause: Option<i64>,
    /// The start of the cycle judged last.
    start: i64,
}

impl<'a> CycleJudge<'a> {
    /// Judges cycle `c` against a target of `target_seconds` on `clock` at
    /// `now` (`now_s` its Unix seconds). All arithmetic is on whole Unix
    /// seconds.
    #[inline]
    pub(crate) fn judge(
        &mut self,
        c: &Cycle,
        target_seconds: i64,
        clock: &Clockwork<'a>,
        (now, now_s): (DateTime<Utc>, i64),
    ) -> Result<Judged, SlaError> {
        let start = unix(c.start);
        let open_pause = pause_ranges(c, &mut self.ranges)?;
        clock.prepare(start, &self.ranges, &mut self.marks, &mut self.memo)?;
        self.open_pause = open_pause;
        self.start = start;
        let cycle = CycleClock {
            clock,
            marks: &self.marks,
            start,
            ended: c.end.is_some(),
            ranges: &self.ranges,
            open_pause,
        };
        let deadline = cycle.instant_after(target_seconds)?;
        let (ended_at, how) = ended(c, now);
        let until = ended_at.map_or(now_s, unix).max(start);
        let elapsed = cycle.elapsed(until, &mut self.memo)?;
        let late = |at: i64| deadline.is_some_and(|d| at > d);
        let state = match how {
            Some(_) if late(until) => TargetState::Breached,
            Some(CycleEnd::Fulfilled) => TargetState::Fulfilled,
            Some(CycleEnd::Cancelled) => TargetState::Cancelled,
            None if late(now_s) => TargetState::Breached,
            None if open_pause.is_some_and(|p| p <= now_s) => TargetState::Paused,
            None => TargetState::Running,
        };
        Ok(Judged {
            state,
            deadline,
            ended_at,
            how,
            elapsed,
        })
    }

    /// When cycle `c` stopped by `now` and the time it counted, as
    /// [`judge`](Self::judge) finds them (and failing where it or the
    /// report's conversion of the deadline to an instant fails), for a
    /// caller that needs neither the state nor the deadline: on calendar
    /// time the deadline is not looked for when it cannot fail (a start
    /// within the calendars' range, where `start + target` plus the pauses,
    /// bounded by that range, is always an instant).
    #[inline]
    pub(crate) fn elapsed_only(
        &mut self,
        c: &Cycle,
        target_seconds: i64,
        clock: &Clockwork<'a>,
        (now, now_s): (DateTime<Utc>, i64),
    ) -> Result<(Option<DateTime<Utc>>, i64), SlaError> {
        let start = unix(c.start);
        let safe = matches!(clock, Clockwork::Wall)
            && (0..=MAX_SAFE_TARGET).contains(&target_seconds)
            && (BusinessCalendar::MIN_UNIX_SECONDS..=BusinessCalendar::MAX_UNIX_SECONDS)
                .contains(&start);
        if !safe {
            let j = self.judge(c, target_seconds, clock, (now, now_s))?;
            // The report turns the deadline into an instant, which can fail.
            if let Some(d) = j.deadline {
                clock.checked(d)?;
            }
            return Ok((j.ended_at, j.elapsed));
        }
        // The pauses can still be malformed (instants out of order): the
        // same error as `judge`.
        pause_ranges(c, &mut self.ranges)?;
        let (ended_at, _) = ended(c, now);
        let until = ended_at.map_or(now_s, unix).max(start);
        let elapsed =
            Clockwork::Wall.elapsed(&self.marks, &mut self.memo, start, until, &self.ranges)?;
        Ok((ended_at, elapsed))
    }

    /// The instant `secs` of target time after the start of the cycle
    /// judged last (as its deadline is found).
    pub(crate) fn instant_after(
        &self,
        clock: &Clockwork<'a>,
        ended: bool,
        secs: i64,
    ) -> Result<Option<i64>, SlaError> {
        CycleClock {
            clock,
            marks: &self.marks,
            start: self.start,
            ended,
            ranges: &self.ranges,
            open_pause: self.open_pause,
        }
        .instant_after(secs)
    }
}

/// Fills `out` with one cycle's report, reusing its allocations (the
/// metric and calendar names, pauses and warnings are overwritten in place).
/// All arithmetic is on whole Unix seconds.
#[allow(clippy::too_many_arguments)]
fn fill_cycle_report<'a>(
    out: &mut TargetReport,
    metric: &str,
    c: &Cycle,
    target: &Target,
    clock: &Clockwork<'a>,
    warnings: &[WarnAt],
    (now, now_s): (DateTime<Utc>, i64),
    scratch: &mut Scratch<'a>,
) -> Result<(), SlaError> {
    let Scratch {
        judge,
        names,
        reports: _,
    } = scratch;
    let Judged {
        state,
        deadline,
        ended_at,
        how: _,
        elapsed,
    } = judge.judge(c, target.seconds, clock, (now, now_s))?;
    // Warnings matter only while the clock runs: not computed for cycles
    // that ended or are already breached.
    out.warnings.clear();
    if matches!(state, TargetState::Running | TargetState::Paused) {
        for w in warnings {
            let at = match warning_offset(*w, target.seconds) {
                Some(s) => judge
                    .instant_after(clock, c.end.is_some(), s)?
                    .map(|t| clock.instant(t))
                    .transpose()?,
                None => None,
            };
            out.warnings.push(at);
        }
    }
    let share = if target.seconds > 0 {
        elapsed as f64 / target.seconds as f64
    } else {
        0.0
    };
    out.metric.clear();
    out.metric.push_str(metric);
    out.cycle = c.index;
    out.state = state;
    out.started_at = c.start;
    out.ended_at = ended_at;
    out.target_seconds = target.seconds;
    match (&mut out.basis, &target.basis) {
        (TimeBasis::Business { calendar: mine }, TimeBasis::Business { calendar }) => {
            mine.clear();
            mine.push_str(calendar);
        }
        (TimeBasis::Calendar, TimeBasis::Calendar) => {}
        // A slot that held another metric's report changes basis: the
        // calendar name's buffer is kept for the next slot that needs one
        // rather than freed and allocated again.
        (mine @ TimeBasis::Business { .. }, TimeBasis::Calendar) => {
            if let TimeBasis::Business { calendar } = std::mem::replace(mine, TimeBasis::Calendar) {
                names.push(calendar);
            }
        }
        (mine @ TimeBasis::Calendar, TimeBasis::Business { calendar }) => {
            let mut name = names.pop().unwrap_or_default();
            name.clear();
            name.push_str(calendar);
            *mine = TimeBasis::Business { calendar: name };
        }
    }
    out.deadline = deadline.map(|d| clock.instant(d)).transpose()?;
    out.elapsed_seconds = elapsed;
    out.remaining_seconds = target.seconds.saturating_sub(elapsed);
    out.share_used = share;
    out.pauses.clear();
    out.pauses.extend_from_slice(&c.pauses);
    Ok(())
}

impl TargetReport {
    fn blank() -> Self {
        TargetReport {
            metric: String::new(),
            cycle: 0,
            state: TargetState::Running,
            started_at: DateTime::<Utc>::UNIX_EPOCH,
            ended_at: None,
            target_seconds: 0,
            basis: TimeBasis::Calendar,
            deadline: None,
            elapsed_seconds: 0,
            remaining_seconds: 0,
            share_used: 0.0,
            pauses: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The targets of a policy resolved once: per metric (in policy order), its
/// targets with their calendars looked up, so choosing one for a cycle
/// compares enums, not names.
#[derive(Debug, Clone)]
struct Resolved<'a> {
    /// (metric index, target, its clock), in policy order.
    targets: Vec<(usize, &'a Target, Clockwork<'a>)>,
}

impl<'a> Resolved<'a> {
    fn new(policy: &'a SlaPolicy, calendars: &'a Calendars) -> Result<Self, SlaError> {
        let mut targets = Vec::with_capacity(policy.targets.len());
        for t in &policy.targets {
            if let Some(i) = policy.metrics.iter().position(|m| m.name == t.metric) {
                targets.push((i, t, Clockwork::for_target(t, calendars, &policy.id)?));
            }
        }
        Ok(Resolved { targets })
    }

    /// The same choice as [`SlaPolicy::target`]: a channel-specific target
    /// wins over a general one, the first of each kind.
    fn pick(
        &self,
        metric: usize,
        priority: Priority,
        channel: Channel,
    ) -> Option<(&'a Target, Clockwork<'a>)> {
        let mut general = None;
        for &(_, t, clock) in self
            .targets
            .iter()
            .filter(|(m, t, _)| *m == metric && t.priority == priority)
        {
            match t.channel {
                Some(c) if c == channel => return Some((t, clock)),
                None if general.is_none() => general = Some((t, clock)),
                _ => {}
            }
        }
        general
    }
}

/// Writes every target of `timeline` into `out`, reusing the reports
/// already there, and truncates it to the targets written.
fn fill_targets<'a>(
    policy: &SlaPolicy,
    resolved: &Resolved<'a>,
    timeline: &Timeline<'_>,
    now: DateTime<Utc>,
    out: &mut Vec<TargetReport>,
    scratch: &mut Scratch<'a>,
) -> Result<(), SlaError> {
    let now_s = unix(now);
    let mut n = 0usize;
    for (i, mt) in timeline.metrics.iter().enumerate() {
        // The target picked for the previous cycle's priority: the cycles of
        // a metric almost always share one.
        let mut picked = None;
        for c in &mt.cycles {
            // The cycle's own priority: a finished cycle keeps the one it
            // ended under.
            let choice = match picked {
                Some((p, choice)) if p == c.priority => choice,
                _ => {
                    let choice = resolved.pick(i, c.priority, timeline.channel);
                    picked = Some((c.priority, choice));
                    choice
                }
            };
            let Some((target, clock)) = choice else {
                continue;
            };
            if n == out.len() {
                out.push(scratch.reports.pop().unwrap_or_else(TargetReport::blank));
            }
            if let Some(slot) = out.get_mut(n) {
                fill_cycle_report(
                    slot,
                    &mt.metric.name,
                    c,
                    target,
                    &clock,
                    &policy.warnings,
                    (now, now_s),
                    scratch,
                )?;
            }
            n += 1;
        }
    }
    // The reports beyond this ticket's are kept, with their buffers, for a
    // later ticket with more targets.
    scratch.reports.extend(out.drain(n.min(out.len())..));
    Ok(())
}

/// Evaluates many tickets under one policy, reusing its buffers from one
/// ticket to the next: the bulk form of [`evaluate`] (reports, dashboards,
/// what-if over a whole history), with the same results.
///
/// ```
/// use supportdesk::sla::{Calendars, Evaluator, MetricDef, SlaPolicy, Target, TimeBasis, TargetState};
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::Priority;
///
/// let policy = SlaPolicy {
///     id: "p".into(), version: 1, name: String::new(), conditions: Default::default(),
///     metrics: vec![MetricDef::first_reply()],
///     targets: vec![Target { metric: "first_reply".into(), priority: Priority::Normal, channel: None,
///                            seconds: 3600, basis: TimeBasis::Calendar }],
///     warnings: vec![], escalation: vec![],
/// };
/// let calendars = Calendars::new();
/// let mut eval = Evaluator::new(&policy, &calendars);
/// let histories = [TicketBuilder::new().events(), TicketBuilder::new().agent_reply(supportdesk::id::AgentId::from_u128(1), "hi").events()];
/// let now = "2026-01-05T12:00:00Z".parse()?;
/// let states: Vec<TargetState> = histories
///     .iter()
///     .map(|h| eval.evaluate(h, now).map(|r| r.targets[0].state))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(states, [TargetState::Breached, TargetState::Fulfilled]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Evaluator<'a> {
    policy: &'a SlaPolicy,
    resolved: Result<Resolved<'a>, SlaError>,
    timeline: Timeline<'a>,
    report: SlaReport,
    scratch: Scratch<'a>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for tickets under `policy`.
    pub fn new(policy: &'a SlaPolicy, calendars: &'a Calendars) -> Self {
        Evaluator {
            policy,
            resolved: Resolved::new(policy, calendars),
            timeline: Timeline::new(&policy.metrics),
            report: SlaReport {
                policy: Some((policy.id.clone(), policy.version)),
                at: DateTime::<Utc>::UNIX_EPOCH,
                targets: Vec::new(),
            },
            scratch: Scratch::default(),
        }
    }

    /// The report of one ticket's history at `now`, as [`evaluate`] with
    /// this policy would give it. The report is overwritten by the next
    /// call.
    ///
    /// # Errors
    /// As [`evaluate`].
    pub fn evaluate(
        &mut self,
        events: &[Event],
        now: DateTime<Utc>,
    ) -> Result<&SlaReport, SlaError> {
        self.timeline.reset();
        for e in events.iter().filter(|e| e.at <= now) {
            self.timeline.observe_inlined(e);
        }
        self.report.at = now;
        let resolved = self.resolved.as_ref().map_err(Clone::clone)?;
        fill_targets(
            self.policy,
            resolved,
            &self.timeline,
            now,
            &mut self.report.targets,
            &mut self.scratch,
        )?;
        Ok(&self.report)
    }

    /// Evaluates every history of `histories` at `now`, in order, and hands
    /// `each` the index of the history and its report, as
    /// [`evaluate`](Self::evaluate) gives it (an error for one history does
    /// not stop the others).
    ///
    /// Same reports as calling [`evaluate`](Self::evaluate) on each history,
    /// and faster over many histories that are not in cache: while one
    /// history is evaluated, the events of one a few places further on are
    /// read ahead, so the wait for memory overlaps the work.
    ///
    /// ```
    /// use supportdesk::sla::{Calendars, Evaluator, MetricDef, SlaPolicy, Target, TimeBasis, TargetState};
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::{id::AgentId, Priority};
    ///
    /// let policy = SlaPolicy {
    ///     id: "p".into(), version: 1, name: String::new(), conditions: Default::default(),
    ///     metrics: vec![MetricDef::first_reply()],
    ///     targets: vec![Target { metric: "first_reply".into(), priority: Priority::Normal, channel: None,
    ///                            seconds: 3600, basis: TimeBasis::Calendar }],
    ///     warnings: vec![], escalation: vec![],
    /// };
    /// let calendars = Calendars::new();
    /// let histories = vec![
    ///     TicketBuilder::new().events(),
    ///     TicketBuilder::new().agent_reply(AgentId::from_u128(1), "hi").events(),
    /// ];
    /// let mut eval = Evaluator::new(&policy, &calendars);
    /// let mut states = Vec::new();
    /// eval.evaluate_many(&histories, "2026-01-05T12:00:00Z".parse()?, |i, report| {
    ///     states.push((i, report.map(|r| r.targets[0].state)));
    /// });
    /// assert_eq!(states, [(0, Ok(TargetState::Breached)), (1, Ok(TargetState::Fulfilled))]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_many<H: AsRef<[Event]>>(
        &mut self,
        histories: &[H],
        now: DateTime<Utc>,
        mut each: impl FnMut(usize, Result<&SlaReport, SlaError>),
    ) {
        for h in histories.iter().take(READ_AHEAD) {
            prefetch(h.as_ref());
        }
        for (i, h) in histories.iter().enumerate() {
            if let Some(ahead) = histories.get(i + READ_AHEAD) {
                prefetch(ahead.as_ref());
            }
            each(i, self.evaluate(h.as_ref(), now));
        }
    }
}

/// How many histories ahead of the one being evaluated
/// [`Evaluator::evaluate_many`] asks the processor to fetch (tuned over a
/// million histories: 1 and 2 beat 3, 4 and 8).
const READ_AHEAD: usize = 1;

/// Asks the processor to bring into cache what [`Timeline::observe`] will
/// read of each event (its time and kind), without waiting for it: a
/// prefetch instruction on x86 and x86_64, nothing elsewhere. The
/// instruction is a hint: it changes no value the program reads.
///
/// A plain read of the same fields instead (a "touch", tried first) did not
/// help: each load that misses holds up the processor's retirement until the
/// line arrives, so the wait moved from one ticket to the next.
#[inline]
fn prefetch(events: &[Event]) {
    for e in events {
        crate::hint::prefetch(&e.at);
        crate::hint::prefetch(&e.kind);
    }
}

/// Seconds after the start at which a warning falls, if it is before the
/// deadline.
pub(crate) fn warning_offset(w: WarnAt, target: i64) -> Option<i64> {
    let s = match w {
        WarnAt::Share { share } => (target as f64 * share).ceil() as i64,
        WarnAt::Before { seconds } => target.saturating_sub(seconds),
    };
    (s > 0 && s < target).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representable_agrees_with_chrono_at_the_edges() {
        let lo = DateTime::<Utc>::MIN_UTC.timestamp();
        let hi = DateTime::<Utc>::MAX_UTC.timestamp();
        for t in [
            i64::MIN,
            lo - 1,
            lo,
            lo + 1,
            -1,
            0,
            1,
            hi - 1,
            hi,
            hi + 1,
            i64::MAX,
        ] {
            assert_eq!(
                representable(t),
                DateTime::from_timestamp(t, 0).is_some(),
                "{t}"
            );
        }
    }
}
