//! Business-time arithmetic for one clock asked several questions: an SLA
//! cycle wants a deadline, warning instants and the time elapsed, all from
//! the same start with the same pauses. [`ClockMarks`] looks up the business
//! position of the start and of every pause bound once; each question then
//! costs at most one more look-up. A [`MarkMemo`] keeps the compiled year
//! of the last look-up, in which most of a ticket's instants fall.
//!
//! `add_paused` and `elapsed_paused` (behind `add_with_pauses` and
//! `elapsed_with_pauses`) are this walk too; a test below checks it against
//! the direct walk with a fresh look-up per question, on random input.

use crate::calendar::business_calendar::{BusinessCalendar, DeadlineRule};
use crate::calendar::business_time::check_unix;
use crate::calendar::compiled::{LAST_SEARCH_SLOT, YearBlock, slot_of};
use crate::calendar::error::CalendarError;

/// A position on the business-time line: the business seconds from the
/// start of `slot`'s year (compiled as `block`) to the instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark<'c> {
    slot: usize,
    before: i64,
    block: &'c YearBlock,
}

/// The compiled year looked up last on one calendar: the instants of a
/// ticket (its events, `now`) almost always fall in one or two years.
///
/// It remembers the year, not the positions: a position in a known year
/// costs a day-index look-up and a search over that day's intervals, about
/// as much as finding it in a list of recent positions did (a list of the
/// last 16 positions was tried: it cost more than it saved, 7 in 10
/// look-ups of a bulk evaluation missed it).
#[derive(Debug, Clone, Default)]
pub(crate) struct MarkMemo<'c> {
    /// The compiled calendar the year belongs to (its address; the
    /// calendar outlives `'c`).
    calendar: usize,
    /// The year compiled last.
    year: Option<(usize, &'c YearBlock)>,
}

/// A clock's start and pauses with their business positions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClockMarks<'c> {
    start: i64,
    start_mark: Option<Mark<'c>>,
    /// The pauses that end after the start, cut to begin no earlier than
    /// it: sorted and disjoint.
    bounds: Vec<(i64, i64)>,
    /// The positions of `bounds`.
    marks: Vec<(Mark<'c>, Mark<'c>)>,
}

impl BusinessCalendar {
    /// The compiled year of `slot`, or the out-of-range error for `t`.
    #[inline]
    fn year(&self, slot: usize, t: i64) -> Result<&YearBlock, CalendarError> {
        self.block(slot)
            .ok_or(CalendarError::OutOfRange { unix_seconds: t })
    }

    /// The position of a checked instant.
    #[inline]
    fn mark(&self, t: i64) -> Result<Mark<'_>, CalendarError> {
        let slot = slot_of(t);
        let block = self.year(slot, t)?;
        Ok(Mark {
            slot,
            before: block.before(t),
            block,
        })
    }

    /// The position of a checked instant, in the year of `memo` when it
    /// falls there.
    #[inline(always)]
    fn mark_with<'c>(&'c self, t: i64, memo: &mut MarkMemo<'c>) -> Result<Mark<'c>, CalendarError> {
        let me = std::sync::Arc::as_ptr(&self.inner) as usize;
        if memo.calendar == me {
            if let Some((slot, block)) = memo.year {
                if block.start <= t && t < block.end {
                    return Ok(Mark {
                        slot,
                        before: block.before(t),
                        block,
                    });
                }
            }
        }
        let m = self.mark(t)?;
        memo.calendar = me;
        memo.year = Some((m.slot, m.block));
        Ok(m)
    }

    /// Business seconds between two positions, `a` not after `b`.
    #[inline]
    fn span(&self, a: Mark<'_>, b: Mark<'_>) -> Result<i64, CalendarError> {
        if a.slot == b.slot {
            return Ok(b.before - a.before);
        }
        let mut sum = a.block.total - a.before;
        for slot in a.slot + 1..b.slot {
            sum += self.year(slot, i64::MAX)?.total;
        }
        Ok(sum + b.before)
    }

    /// The earliest instant with `seconds > 0` business seconds after
    /// position `a`; `None` if it falls after the supported range.
    #[inline]
    fn locate_after(&self, a: Mark<'_>, seconds: i64) -> Option<i64> {
        let mut target = a.before.checked_add(seconds)?;
        if target <= a.block.total {
            return a.block.locate(target);
        }
        target -= a.block.total;
        let mut slot = a.slot + 1;
        while slot <= LAST_SEARCH_SLOT {
            let block = self.block(slot)?;
            if target <= block.total {
                return block.locate(target);
            }
            target -= block.total;
            slot += 1;
        }
        None
    }

    /// Prepares `into` for a clock starting at `start` with `pauses`
    /// (sorted, disjoint, within the supported range), reusing its buffers.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] if `start` is outside the supported
    /// range.
    pub(crate) fn clock_marks<'c>(
        &'c self,
        start: i64,
        pauses: &[(i64, i64)],
        into: &mut ClockMarks<'c>,
        memo: &mut MarkMemo<'c>,
    ) -> Result<(), CalendarError> {
        check_unix(start)?;
        into.start = start;
        into.start_mark = None;
        into.bounds.clear();
        into.marks.clear();
        if !self.inner.has_working_pattern {
            // Nothing to look up: every question is answered without it.
            return Ok(());
        }
        into.start_mark = Some(self.mark_with(start, memo)?);
        for &(ps, pe) in pauses {
            if pe <= start {
                continue;
            }
            let ps = ps.max(start);
            into.bounds.push((ps, pe));
            into.marks
                .push((self.mark_with(ps, memo)?, self.mark_with(pe, memo)?));
        }
        Ok(())
    }

    /// As `add_paused(start, seconds, pauses)` for the clock in `m`.
    ///
    /// # Errors
    /// As `add_paused`.
    pub(crate) fn marked_add(
        &self,
        m: &ClockMarks<'_>,
        seconds: i64,
    ) -> Result<i64, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration { seconds });
        }
        if seconds == 0 {
            return Ok(m.start);
        }
        let Some(start_mark) = m.start_mark else {
            return Err(CalendarError::NoWorkingTime);
        };
        let beyond = || CalendarError::DeadlineOutOfRange {
            start: m.start,
            seconds,
        };
        let mut cur = m.start;
        let mut cur_mark = start_mark;
        let mut rest = seconds;
        let mut found = None;
        for (&(ps, pe), &(ps_mark, pe_mark)) in m.bounds.iter().zip(&m.marks) {
            if ps > cur {
                let available = self.span(cur_mark, ps_mark)?;
                if available >= rest {
                    found = Some(self.locate_after(cur_mark, rest).ok_or_else(beyond)?);
                    break;
                }
                rest -= available;
            }
            cur = pe;
            cur_mark = pe_mark;
        }
        let x = match found {
            Some(x) => x,
            None => self.locate_after(cur_mark, rest).ok_or_else(beyond)?,
        };
        Ok(match self.rule {
            DeadlineRule::StayAtClosing => x,
            DeadlineRule::RollToNextOpening => self.roll(x, &m.bounds),
        })
    }

    /// As `elapsed_paused(start, until, pauses)` for the clock in `m`, for
    /// `until >= start`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] if `until` is outside the supported
    /// range.
    pub(crate) fn marked_elapsed<'c>(
        &'c self,
        m: &ClockMarks<'c>,
        until: i64,
        memo: &mut MarkMemo<'c>,
    ) -> Result<i64, CalendarError> {
        check_unix(until)?;
        let Some(start_mark) = m.start_mark else {
            return Ok(0);
        };
        if until <= m.start {
            return Ok(0);
        }
        let until_mark = self.mark_with(until, memo)?;
        let mut sum = self.span(start_mark, until_mark)?;
        for (&(ps, pe), &(ps_mark, pe_mark)) in m.bounds.iter().zip(&m.marks) {
            if ps >= until {
                break;
            }
            let hi = if pe <= until { pe_mark } else { until_mark };
            sum -= self.span(ps_mark, hi)?;
        }
        Ok(sum)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::calendar::business_time::normalize_pauses;

    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: i64) -> i64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n as u64) as i64
        }
    }

    /// The reference: the direct walk over the gaps between the pauses with
    /// a fresh look-up for every question (how `add_paused` and
    /// `elapsed_paused` worked before the marks).
    fn reference_add(
        cal: &BusinessCalendar,
        start: i64,
        seconds: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration { seconds });
        }
        check_unix(start)?;
        if seconds == 0 {
            return Ok(start);
        }
        let flat = cal.with_deadline_rule(DeadlineRule::StayAtClosing);
        let restate = |e: CalendarError| match e {
            CalendarError::DeadlineOutOfRange { .. } => {
                CalendarError::DeadlineOutOfRange { start, seconds }
            }
            other => other,
        };
        let mut cur = start;
        let mut rest = seconds;
        let mut found = None;
        for &(ps, pe) in pauses {
            if pe <= cur {
                continue;
            }
            if ps > cur {
                let available = flat.elapsed_unix(cur, ps)?;
                if available >= rest {
                    found = Some(flat.add_unix(cur, rest).map_err(restate)?);
                    break;
                }
                rest -= available;
            }
            cur = pe;
        }
        let x = match found {
            Some(x) => x,
            None => flat.add_unix(cur, rest).map_err(restate)?,
        };
        Ok(match cal.rule {
            DeadlineRule::StayAtClosing => x,
            DeadlineRule::RollToNextOpening => cal.roll(x, pauses),
        })
    }

    fn reference_elapsed(
        cal: &BusinessCalendar,
        a: i64,
        b: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, CalendarError> {
        let mut sum = cal.elapsed_unix(a, b)?;
        for &(ps, pe) in pauses {
            let (lo, hi) = (ps.max(a), pe.min(b));
            if lo < hi {
                sum -= cal.elapsed_unix(lo, hi)?;
            }
        }
        Ok(sum)
    }

    fn calendars() -> Vec<BusinessCalendar> {
        let ny = BusinessCalendar::builder("America/New_York")
            .weekdays("09:00", "12:00")
            .weekdays("13:00", "17:30")
            .holidays(["2026-01-19", "2026-11-26", "2026-12-25"].map(|d| d.parse().unwrap()))
            .build()
            .unwrap();
        let night = BusinessCalendar::builder("Europe/London")
            .every_day("22:00", "06:00")
            .build()
            .unwrap();
        let sparse = BusinessCalendar::builder("Australia/Lord_Howe")
            .interval(chrono::Weekday::Wed, "10:00", "11:00")
            .build()
            .unwrap();
        // Only one-off openings.
        let empty = BusinessCalendar::builder("UTC")
            .opening(
                "2026-01-02T10:00:00Z".parse().unwrap(),
                "2026-01-02T11:00:00Z".parse().unwrap(),
            )
            .opening(
                "2026-01-09T10:00:00Z".parse().unwrap(),
                "2026-01-09T12:30:00Z".parse().unwrap(),
            )
            .build()
            .unwrap();
        let rolled = ny.with_deadline_rule(DeadlineRule::RollToNextOpening);
        vec![ny, night, sparse, empty, rolled]
    }

    #[test]
    fn marks_answer_as_the_paused_arithmetic_does() {
        let base = 1_767_225_600; // 2026-01-01
        let mut rng = Lcg(99);
        let cals = calendars();
        let mut m = ClockMarks::default();
        // One memo for every calendar, switching between them: a switch
        // must forget the other calendar's positions.
        let mut memo = MarkMemo::default();
        for i in 0..3_000 * cals.len() {
            let cal = &cals[(i * 7 + i / 5) % cals.len()];
            {
                let start = base + rng.below(2 * 365 * 86_400);
                let mut pauses = Vec::new();
                for _ in 0..rng.below(4) {
                    let from = start - 86_400 + rng.below(40 * 86_400);
                    pauses.push((from, from + rng.below(10 * 86_400)));
                }
                if rng.below(3) == 0 {
                    pauses.push((start + rng.below(30 * 86_400), 7_258_118_400));
                }
                let pauses = normalize_pauses(pauses.into_iter()).unwrap();
                cal.clock_marks(start, &pauses, &mut m, &mut memo).unwrap();
                for seconds in [0, 1, rng.below(4 * 3600), rng.below(400 * 3600), 3600] {
                    let want = reference_add(cal, start, seconds, &pauses);
                    assert_eq!(
                        cal.marked_add(&m, seconds),
                        want,
                        "{start} {seconds} {pauses:?}"
                    );
                }
                for until in [start, start + 1, start + rng.below(60 * 86_400)] {
                    let want = reference_elapsed(cal, start, until, &pauses);
                    assert_eq!(
                        cal.marked_elapsed(&m, until, &mut memo),
                        want,
                        "{start} {until} {pauses:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn marks_across_new_year_and_out_of_range() {
        let cal = &calendars()[0];
        let mut m = ClockMarks::default();
        let mut memo = MarkMemo::default();
        let start = 1_798_675_200 - 3 * 86_400; // 2026-12-29
        cal.clock_marks(start, &[], &mut m, &mut memo).unwrap();
        let two_years = 2 * 365 * 86_400;
        assert_eq!(
            cal.marked_elapsed(&m, start + two_years, &mut memo),
            reference_elapsed(cal, start, start + two_years, &[])
        );
        assert_eq!(
            cal.marked_add(&m, 4_000 * 3600),
            reference_add(cal, start, 4_000 * 3600, &[])
        );
        assert!(matches!(
            cal.marked_add(&m, i64::MAX),
            Err(CalendarError::DeadlineOutOfRange { .. })
        ));
        assert!(matches!(
            cal.clock_marks(-1, &[], &mut m, &mut memo),
            Err(CalendarError::OutOfRange { .. })
        ));
    }
}
