//! Business-time arithmetic: deadlines, elapsed business time, openness,
//! next opening and closing, with and without pauses.

use chrono::{DateTime, TimeDelta, Utc};

use crate::calendar::business_calendar::{BusinessCalendar, DeadlineRule};
use crate::calendar::compiled::{self, LAST_SEARCH_SLOT, MAX_UNIX, MIN_UNIX, YearBlock, slot_of};
use crate::calendar::error::{CalendarError, RangeKind};
use crate::calendar::marks::{ClockMarks, MarkMemo};

/// Checks that `t` is in the supported range.
#[inline]
pub(crate) fn check_unix(t: i64) -> Result<i64, CalendarError> {
    if (MIN_UNIX..=MAX_UNIX).contains(&t) {
        Ok(t)
    } else {
        Err(CalendarError::OutOfRange { unix_seconds: t })
    }
}

/// Unix seconds of a supported instant as a `DateTime<Utc>`.
#[inline]
pub(crate) fn to_datetime(t: i64) -> Result<DateTime<Utc>, CalendarError> {
    DateTime::from_timestamp(t, 0).ok_or(CalendarError::OutOfRange { unix_seconds: t })
}

/// Validates pauses and returns them clamped to the supported range,
/// sorted and merged.
pub(crate) fn normalize_pauses(
    pauses: impl Iterator<Item = (i64, i64)>,
) -> Result<Vec<(i64, i64)>, CalendarError> {
    let mut out = Vec::with_capacity(pauses.size_hint().0);
    for (from, to) in pauses {
        if to < from {
            return Err(CalendarError::EndsBeforeStart {
                kind: RangeKind::Pause,
                from,
                to,
            });
        }
        out.push((from.clamp(MIN_UNIX, MAX_UNIX), to.clamp(MIN_UNIX, MAX_UNIX)));
    }
    compiled::union(&mut out);
    Ok(out)
}

fn unix_pauses(pauses: &[(DateTime<Utc>, DateTime<Utc>)]) -> impl Iterator<Item = (i64, i64)> + '_ {
    pauses.iter().map(|(f, t)| (f.timestamp(), t.timestamp()))
}

fn whole_seconds(d: TimeDelta) -> Result<i64, CalendarError> {
    if d.subsec_nanos() != 0 {
        return Err(CalendarError::FractionalDuration { duration: d });
    }
    Ok(d.num_seconds())
}

impl BusinessCalendar {
    /// The deadline: the earliest instant `x >= start` such that the
    /// working time in `[start, x)` is `seconds`.
    ///
    /// A deadline that uses up an interval lands on its closing instant
    /// (unless the calendar's [`DeadlineRule`] says to roll it); a zero
    /// duration returns `start` unchanged, even outside working hours; a
    /// start in closed time moves to the next opening before counting.
    /// Sub-second parts of `start` are ignored for `seconds > 0`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::NegativeDuration`]; [`CalendarError::OutOfRange`]
    /// if `start` is outside 1970-01-01T00:00:00Z ..= 2201-01-01T00:00:00Z;
    /// [`CalendarError::DeadlineOutOfRange`] if the working time before the
    /// end of the supported range is too short.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("America/New_York")
    ///         .weekdays("09:00", "12:00")
    ///         .weekdays("13:00", "17:30")
    ///         .build()?;
    ///     let t = |s: &str| s.parse::<DateTime<Utc>>();
    ///     // Using up the morning lands on 12:00, not 13:00.
    ///     assert_eq!(cal.add(t("2026-01-06T09:00:00-05:00")?, 3 * 3600)?, t("2026-01-06T12:00:00-05:00")?);
    ///     // One second from the lunch break.
    ///     assert_eq!(cal.add(t("2026-01-06T12:30:00-05:00")?, 1)?, t("2026-01-06T13:00:01-05:00")?);
    ///     // Zero on a Saturday: unchanged.
    ///     assert_eq!(cal.add(t("2026-01-10T10:00:00-05:00")?, 0)?, t("2026-01-10T10:00:00-05:00")?);
    ///     Ok(())
    /// }
    /// ```
    pub fn add(&self, start: DateTime<Utc>, seconds: i64) -> Result<DateTime<Utc>, CalendarError> {
        if seconds == 0 {
            check_unix(start.timestamp())?;
            return Ok(start);
        }
        to_datetime(self.add_unix(start.timestamp(), seconds)?)
    }

    /// [`add`](Self::add) with a [`TimeDelta`] of whole seconds.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add), and [`CalendarError::FractionalDuration`] if
    /// `duration` has a sub-second part.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").weekdays("09:00", "17:00").build()?;
    ///     let start: DateTime<Utc> = "2026-01-09T16:00:00Z".parse()?;
    ///     let due = cal.add_duration(start, TimeDelta::hours(2))?;
    ///     assert_eq!(due, "2026-01-12T10:00:00Z".parse::<DateTime<Utc>>()?);
    ///     Ok(())
    /// }
    /// ```
    pub fn add_duration(
        &self,
        start: DateTime<Utc>,
        duration: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        self.add(start, whole_seconds(duration)?)
    }

    /// [`add`](Self::add) with the working time inside `pauses` (`[from,
    /// to)` ranges, in any order, possibly overlapping) not counted.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add), and [`CalendarError::EndsBeforeStart`] for a
    /// pause that ends before it starts.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("America/New_York")
    ///         .weekdays("09:00", "12:00")
    ///         .weekdays("13:00", "17:30")
    ///         .build()?;
    ///     let t = |s: &str| s.parse::<DateTime<Utc>>();
    ///     // Pending from Friday 17:00 to Monday 10:00.
    ///     let pauses = [(t("2026-01-09T17:00:00-05:00")?, t("2026-01-12T10:00:00-05:00")?)];
    ///     let due = cal.add_with_pauses(t("2026-01-09T16:00:00-05:00")?, 7200, &pauses)?;
    ///     assert_eq!(due, t("2026-01-12T11:00:00-05:00")?);
    ///     Ok(())
    /// }
    /// ```
    pub fn add_with_pauses(
        &self,
        start: DateTime<Utc>,
        seconds: i64,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<DateTime<Utc>, CalendarError> {
        if seconds == 0 {
            normalize_pauses(unix_pauses(pauses))?;
            check_unix(start.timestamp())?;
            return Ok(start);
        }
        let pauses = normalize_pauses(unix_pauses(pauses))?;
        to_datetime(self.add_paused(start.timestamp(), seconds, &pauses)?)
    }

    /// The business seconds in `[start, end)`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] for an instant outside the supported
    /// range; [`CalendarError::EndsBeforeStart`] if `end < start`.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("America/New_York")
    ///         .weekdays("09:00", "12:00")
    ///         .weekdays("13:00", "17:30")
    ///         .build()?;
    ///     let a: DateTime<Utc> = "2026-01-09T16:00:00-05:00".parse()?;
    ///     let b: DateTime<Utc> = "2026-01-12T10:00:00-05:00".parse()?;
    ///     assert_eq!(cal.elapsed(a, b)?, 9000);
    ///     Ok(())
    /// }
    /// ```
    pub fn elapsed(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<i64, CalendarError> {
        self.elapsed_unix(start.timestamp(), end.timestamp())
    }

    /// [`elapsed`](Self::elapsed) as a [`TimeDelta`].
    ///
    /// # Errors
    ///
    /// As [`elapsed`](Self::elapsed).
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "24:00").build()?;
    ///     let a: DateTime<Utc> = "2026-01-01T00:00:00Z".parse()?;
    ///     assert_eq!(cal.elapsed_duration(a, a + TimeDelta::days(2))?, TimeDelta::days(2));
    ///     Ok(())
    /// }
    /// ```
    pub fn elapsed_duration(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        self.elapsed(start, end).map(TimeDelta::seconds)
    }

    /// [`elapsed`](Self::elapsed) with the time inside `pauses` not
    /// counted.
    ///
    /// # Errors
    ///
    /// As [`elapsed`](Self::elapsed), and
    /// [`CalendarError::EndsBeforeStart`] for a pause that ends before it
    /// starts.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").weekdays("09:00", "17:00").build()?;
    ///     let t = |s: &str| s.parse::<DateTime<Utc>>();
    ///     let pauses = [(t("2026-01-05T10:00:00Z")?, t("2026-01-05T11:00:00Z")?),
    ///                   (t("2026-01-05T10:30:00Z")?, t("2026-01-05T12:00:00Z")?)];
    ///     let worked = cal.elapsed_with_pauses(t("2026-01-05T00:00:00Z")?, t("2026-01-06T00:00:00Z")?, &pauses)?;
    ///     assert_eq!(worked, 6 * 3600);
    ///     Ok(())
    /// }
    /// ```
    pub fn elapsed_with_pauses(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<i64, CalendarError> {
        let pauses = normalize_pauses(unix_pauses(pauses))?;
        self.elapsed_paused(start.timestamp(), end.timestamp(), &pauses)
    }

    /// Whether `t` is working time.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] for an instant outside the supported
    /// range.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("Europe/London").weekdays("09:00", "17:00").build()?;
    ///     assert!(cal.is_open("2026-07-01T08:00:00Z".parse::<DateTime<Utc>>()?)?); // 09:00 BST
    ///     assert!(!cal.is_open("2026-07-01T16:00:00Z".parse::<DateTime<Utc>>()?)?); // 17:00 BST
    ///     Ok(())
    /// }
    /// ```
    pub fn is_open(&self, t: DateTime<Utc>) -> Result<bool, CalendarError> {
        self.is_open_unix(t.timestamp())
    }

    /// The earliest instant `x >= t` that is working time: `t` itself if it
    /// is open, else the next opening. `None` if there is none before the
    /// end of the supported range.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] for an instant outside the supported
    /// range.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").weekdays("09:00", "17:00").build()?;
    ///     let sat: DateTime<Utc> = "2026-01-10T12:00:00Z".parse()?;
    ///     assert_eq!(cal.next_opening(sat)?, Some("2026-01-12T09:00:00Z".parse()?));
    ///     let mon: DateTime<Utc> = "2026-01-12T10:00:00Z".parse()?;
    ///     assert_eq!(cal.next_opening(mon)?, Some(mon));
    ///     Ok(())
    /// }
    /// ```
    pub fn next_opening(&self, t: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, CalendarError> {
        self.next_opening_unix(t.timestamp())?
            .map(to_datetime)
            .transpose()
    }

    /// The earliest instant `x >= t` that is not working time: `t` itself if
    /// it is closed, else the end of the working block holding `t` (adjacent
    /// intervals merge: 22:00-24:00 then 00:00-06:00 closes at 06:00).
    /// `None` if it stays open to the end of the supported range (finding
    /// that out compiles every remaining year once, about 10 ms for a 24x7
    /// calendar).
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] for an instant outside the supported
    /// range.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("22:00", "06:00").build()?;
    ///     let t: DateTime<Utc> = "2026-01-10T23:00:00Z".parse()?;
    ///     assert_eq!(cal.next_closing(t)?, Some("2026-01-11T06:00:00Z".parse()?));
    ///     Ok(())
    /// }
    /// ```
    pub fn next_closing(&self, t: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, CalendarError> {
        self.next_closing_unix(t.timestamp())?
            .map(to_datetime)
            .transpose()
    }

    /// Compiles the UTC years covering `[from, to]` now rather than on first
    /// use (for latency-sensitive callers; optional).
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] for an instant outside the supported
    /// range; [`CalendarError::EndsBeforeStart`] if `to < from`.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").weekdays("09:00", "17:00").build()?;
    ///     cal.prepare("2026-01-01T00:00:00Z".parse()?, "2027-12-31T00:00:00Z".parse()?)?;
    ///     assert_eq!(cal.cache_stats().years, 2);
    ///     Ok(())
    /// }
    /// ```
    pub fn prepare(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), CalendarError> {
        let (a, b) = self.checked_range(from.timestamp(), to.timestamp())?;
        for slot in slot_of(a)..=slot_of(b) {
            self.block(slot);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- unix

    /// [`add`](Self::add) on Unix seconds: the fast path.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "24:00").build()?;
    ///     assert_eq!(cal.add_unix(1_767_225_600, 60)?, 1_767_225_660);
    ///     Ok(())
    /// }
    /// ```
    #[inline]
    pub fn add_unix(&self, start: i64, seconds: i64) -> Result<i64, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration { seconds });
        }
        check_unix(start)?;
        if seconds == 0 {
            return Ok(start);
        }
        let x = self.raw_add(start, seconds)?;
        Ok(match self.rule {
            DeadlineRule::StayAtClosing => x,
            DeadlineRule::RollToNextOpening => self.roll(x, &[]),
        })
    }

    /// [`add_with_pauses`](Self::add_with_pauses) on Unix seconds.
    ///
    /// # Errors
    ///
    /// As [`add_with_pauses`](Self::add_with_pauses).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "24:00").build()?;
    ///     assert_eq!(cal.add_unix_with_pauses(0, 60, &[(30, 90)])?, 120);
    ///     Ok(())
    /// }
    /// ```
    pub fn add_unix_with_pauses(
        &self,
        start: i64,
        seconds: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, CalendarError> {
        let pauses = normalize_pauses(pauses.iter().copied())?;
        self.add_paused(start, seconds, &pauses)
    }

    /// [`elapsed`](Self::elapsed) on Unix seconds.
    ///
    /// # Errors
    ///
    /// As [`elapsed`](Self::elapsed).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "12:00").build()?;
    ///     assert_eq!(cal.elapsed_unix(0, 86_400)?, 43_200);
    ///     Ok(())
    /// }
    /// ```
    pub fn elapsed_unix(&self, start: i64, end: i64) -> Result<i64, CalendarError> {
        let (a, b) = self.checked_range(start, end)?;
        self.raw_elapsed(a, b)
    }

    /// [`elapsed_with_pauses`](Self::elapsed_with_pauses) on Unix seconds.
    ///
    /// # Errors
    ///
    /// As [`elapsed_with_pauses`](Self::elapsed_with_pauses).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "24:00").build()?;
    ///     assert_eq!(cal.elapsed_unix_with_pauses(0, 100, &[(90, 200), (10, 20)])?, 80);
    ///     Ok(())
    /// }
    /// ```
    pub fn elapsed_unix_with_pauses(
        &self,
        start: i64,
        end: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, CalendarError> {
        let pauses = normalize_pauses(pauses.iter().copied())?;
        self.elapsed_paused(start, end, &pauses)
    }

    /// [`is_open`](Self::is_open) on Unix seconds.
    ///
    /// # Errors
    ///
    /// As [`is_open`](Self::is_open).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "12:00").build()?;
    ///     assert!(cal.is_open_unix(0)?);
    ///     assert!(!cal.is_open_unix(43_200)?);
    ///     Ok(())
    /// }
    /// ```
    pub fn is_open_unix(&self, t: i64) -> Result<bool, CalendarError> {
        check_unix(t)?;
        Ok(self.block(slot_of(t)).is_some_and(|b| b.contains(t)))
    }

    /// [`next_opening`](Self::next_opening) on Unix seconds.
    ///
    /// # Errors
    ///
    /// As [`next_opening`](Self::next_opening).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("12:00", "13:00").build()?;
    ///     assert_eq!(cal.next_opening_unix(0)?, Some(43_200));
    ///     Ok(())
    /// }
    /// ```
    pub fn next_opening_unix(&self, t: i64) -> Result<Option<i64>, CalendarError> {
        check_unix(t)?;
        Ok(self.raw_next_opening(t))
    }

    /// [`next_closing`](Self::next_closing) on Unix seconds.
    ///
    /// # Errors
    ///
    /// As [`next_closing`](Self::next_closing).
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let cal = BusinessCalendar::builder("UTC").every_day("00:00", "12:00").build()?;
    ///     assert_eq!(cal.next_closing_unix(0)?, Some(43_200));
    ///     assert_eq!(cal.next_closing_unix(50_000)?, Some(50_000));
    ///     Ok(())
    /// }
    /// ```
    pub fn next_closing_unix(&self, t: i64) -> Result<Option<i64>, CalendarError> {
        check_unix(t)?;
        let mut slot = slot_of(t);
        let Some(block) = self.block(slot) else {
            return Ok(Some(t));
        };
        let mut end = match block.interval_ending_after(t) {
            Some((s, e)) if s <= t => e,
            _ => return Ok(Some(t)),
        };
        let mut year_end = block.end;
        // An interval cut at New Year continues in the next year.
        while end == year_end {
            if slot >= LAST_SEARCH_SLOT {
                return Ok(None);
            }
            slot += 1;
            let Some(next) = self.block(slot) else {
                return Ok(None);
            };
            match next.first() {
                Some((s, e)) if s == end => end = e,
                _ => break,
            }
            year_end = next.end;
        }
        Ok(Some(end))
    }

    // ----------------------------------------------------------- internals

    /// Checks both ends and their order.
    pub(crate) fn checked_range(&self, start: i64, end: i64) -> Result<(i64, i64), CalendarError> {
        check_unix(start)?;
        check_unix(end)?;
        if end < start {
            return Err(CalendarError::EndsBeforeStart {
                kind: RangeKind::Query,
                from: start,
                to: end,
            });
        }
        Ok((start, end))
    }

    fn block_at(&self, slot: usize, t: i64) -> Result<&YearBlock, CalendarError> {
        self.block(slot)
            .ok_or(CalendarError::OutOfRange { unix_seconds: t })
    }

    /// The deadline without the rule, for a checked `start` and
    /// `seconds > 0`.
    #[inline]
    fn raw_add(&self, start: i64, seconds: i64) -> Result<i64, CalendarError> {
        if !self.inner.has_working_pattern {
            return Err(CalendarError::NoWorkingTime);
        }
        let beyond = || CalendarError::DeadlineOutOfRange { start, seconds };
        // Business time never exceeds real time, so this also rules out
        // overflow below (all values stay within the supported range).
        if seconds > MAX_UNIX - start {
            return Err(beyond());
        }
        let mut slot = slot_of(start);
        let Some(block) = self.block(slot) else {
            return Err(beyond());
        };
        let target = block.before(start) + seconds;
        if target <= block.total {
            return block.locate(target).ok_or_else(beyond);
        }
        let mut rest = target - block.total;
        while slot < LAST_SEARCH_SLOT {
            slot += 1;
            let Some(block) = self.block(slot) else {
                break;
            };
            if rest <= block.total {
                return block.locate(rest).ok_or_else(beyond);
            }
            rest -= block.total;
        }
        Err(beyond())
    }

    /// Business seconds in `[a, b)` for checked `a <= b`.
    fn raw_elapsed(&self, a: i64, b: i64) -> Result<i64, CalendarError> {
        let sa = slot_of(a);
        let first = self.block_at(sa, a)?;
        if b < first.end {
            return Ok(first.before(b) - first.before(a));
        }
        let sb = slot_of(b);
        let mut sum = first.total - first.before(a);
        for slot in sa + 1..sb {
            sum += self.block_at(slot, b)?.total;
        }
        if b > compiled::year_start(compiled::slot_year(sb)) {
            sum += self.block_at(sb, b)?.before(b);
        }
        Ok(sum)
    }

    /// The first open instant `>= t` for a checked `t`.
    fn raw_next_opening(&self, t: i64) -> Option<i64> {
        if !self.inner.has_working_pattern {
            return None;
        }
        let mut slot = slot_of(t);
        if slot > LAST_SEARCH_SLOT {
            return None;
        }
        if let Some((s, _)) = self.block(slot)?.interval_ending_after(t) {
            return Some(s.max(t));
        }
        while slot < LAST_SEARCH_SLOT {
            slot += 1;
            if let Some((s, _)) = self.block(slot)?.first() {
                return Some(s);
            }
        }
        None
    }

    /// Rolls a deadline sitting on a closing instant to the next instant
    /// that is open and not paused (`pauses` normalized); unchanged if it is
    /// already open or nothing opens later.
    pub(crate) fn roll(&self, x: i64, pauses: &[(i64, i64)]) -> i64 {
        let mut x = x;
        for _ in 0..=pauses.len() {
            let Some(y) = self.raw_next_opening(x) else {
                return x;
            };
            // The pause holding y, if any (pauses are sorted and disjoint).
            let i = pauses.partition_point(|p| p.1 <= y);
            match pauses.get(i) {
                Some(&(ps, pe)) if ps <= y => x = pe,
                _ => return y,
            }
        }
        x
    }

    /// Deadline with normalized pauses (sorted, disjoint, clamped to the
    /// supported range) removed: the walk of [`ClockMarks`] over the gaps
    /// between the pauses.
    pub(crate) fn add_paused(
        &self,
        start: i64,
        seconds: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration { seconds });
        }
        let mut marks = ClockMarks::default();
        self.clock_marks(start, pauses, &mut marks, &mut MarkMemo::default())?;
        self.marked_add(&marks, seconds)
    }

    /// Elapsed with normalized pauses (sorted, disjoint, clamped to the
    /// supported range) removed.
    pub(crate) fn elapsed_paused(
        &self,
        start: i64,
        end: i64,
        pauses: &[(i64, i64)],
    ) -> Result<i64, CalendarError> {
        let (a, b) = self.checked_range(start, end)?;
        let mut marks = ClockMarks::default();
        let mut memo = MarkMemo::default();
        self.clock_marks(a, pauses, &mut marks, &mut memo)?;
        self.marked_elapsed(&marks, b, &mut memo)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc, Weekday};

    use crate::calendar::{BusinessCalendar, CalendarError, DeadlineRule, RangeKind};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn ny_split() -> BusinessCalendar {
        BusinessCalendar::builder("America/New_York")
            .weekdays("09:00", "12:00")
            .weekdays("13:00", "17:30")
            .holidays(["2026-01-19", "2026-11-26", "2026-12-25"].map(|d| d.parse().unwrap()))
            .build()
            .unwrap()
    }

    fn daily(zone: &str, open: &str, close: &str) -> BusinessCalendar {
        BusinessCalendar::builder(zone)
            .every_day(open, close)
            .build()
            .unwrap()
    }

    #[test]
    fn calendar_is_send_sync_clone_debug_eq() {
        fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug + PartialEq>() {}
        assert_traits::<BusinessCalendar>();
        let cal = ny_split();
        cal.add(t("2026-01-06T09:00:00Z"), 60).unwrap();
        let copy = cal.clone();
        assert_eq!(copy.cache_stats(), cal.cache_stats());
        assert_eq!(copy, cal);
        assert!(format!("{cal:?}").contains("America/New_York"));
        assert_ne!(cal.with_deadline_rule(DeadlineRule::RollToNextOpening), cal);
    }

    #[test]
    fn new_york_gap_boundaries() {
        // 02:30-04:00 daily; on 2026-03-08 02:30 is in the gap: opens 03:30 EDT.
        let cal = daily("America/New_York", "02:30", "04:00");
        assert_eq!(
            cal.add(t("2026-03-08T00:00:00-05:00"), 600).unwrap(),
            t("2026-03-08T03:40:00-04:00")
        );
        assert_eq!(
            cal.elapsed(
                t("2026-03-08T00:00:00-05:00"),
                t("2026-03-08T12:00:00-04:00")
            )
            .unwrap(),
            1800
        );
        assert!(!cal.is_open(t("2026-03-08T03:29:59-04:00")).unwrap());
        assert!(cal.is_open(t("2026-03-08T03:30:00-04:00")).unwrap());
        // 02:30-03:00 resolves to 03:30-03:00 EDT: empty that day.
        let empty = daily("America/New_York", "02:30", "03:00");
        assert_eq!(
            empty
                .elapsed(
                    t("2026-03-08T00:00:00-05:00"),
                    t("2026-03-08T12:00:00-04:00")
                )
                .unwrap(),
            0
        );
        assert_eq!(
            empty
                .elapsed(
                    t("2026-03-09T00:00:00-04:00"),
                    t("2026-03-09T12:00:00-04:00")
                )
                .unwrap(),
            1800
        );
        // Intervals that overlap once resolved are merged, not double counted:
        // 01:00-02:45 -> 06:00Z-07:45Z and 03:00-04:00 -> 07:00Z-08:00Z.
        let merged = BusinessCalendar::builder("America/New_York")
            .every_day("01:00", "02:45")
            .every_day("03:00", "04:00")
            .build()
            .unwrap();
        assert_eq!(
            merged
                .elapsed(
                    t("2026-03-08T00:00:00-05:00"),
                    t("2026-03-08T12:00:00-04:00")
                )
                .unwrap(),
            2 * 3600
        );
    }

    #[test]
    fn new_york_overlap_boundaries() {
        // 01:30-03:30 on fall-back day: 01:30 EDT to 03:30 EST = 3 h.
        let cal = daily("America/New_York", "01:30", "03:30");
        let day = (
            t("2026-11-01T00:00:00-04:00"),
            t("2026-11-01T06:00:00-05:00"),
        );
        assert_eq!(cal.elapsed(day.0, day.1).unwrap(), 3 * 3600);
        assert!(cal.is_open(t("2026-11-01T01:30:00-04:00")).unwrap());
        assert!(cal.is_open(t("2026-11-01T01:29:59-05:00")).unwrap());
        assert!(!cal.is_open(t("2026-11-01T03:30:00-05:00")).unwrap());
        // An interval ending at the repeated 01:30 ends at its first occurrence.
        let cal = daily("America/New_York", "00:00", "01:30");
        assert_eq!(
            cal.next_closing(t("2026-11-01T00:10:00-04:00")).unwrap(),
            Some(t("2026-11-01T01:30:00-04:00"))
        );
    }

    #[test]
    fn lord_howe_half_hour_dst() {
        // Gap 02:00 -> 02:30 on 2026-10-04; 02:15 reads as 02:45 (+11).
        let cal = daily("Australia/Lord_Howe", "02:15", "03:00");
        let (a, b) = (
            t("2026-10-04T00:00:00+10:30"),
            t("2026-10-04T12:00:00+11:00"),
        );
        assert_eq!(cal.elapsed(a, b).unwrap(), 15 * 60);
        assert_eq!(
            cal.next_opening(a).unwrap(),
            Some(t("2026-10-04T02:45:00+11:00"))
        );
        // Overlap 01:30-02:00 repeats on 2026-04-05: 01:45 takes +11.
        let cal = daily("Australia/Lord_Howe", "01:45", "02:30");
        let (a, b) = (
            t("2026-04-05T00:00:00+11:00"),
            t("2026-04-05T12:00:00+10:30"),
        );
        // 01:45 (+11) = 14:45Z to 02:30 (+10:30) = 16:00Z.
        assert_eq!(cal.elapsed(a, b).unwrap(), 75 * 60);
        // A 24-hour day there is 23.5 h or 24.5 h.
        let all = daily("Australia/Lord_Howe", "00:00", "24:00");
        assert_eq!(
            all.elapsed(
                t("2026-10-04T00:00:00+10:30"),
                t("2026-10-05T00:00:00+11:00")
            )
            .unwrap(),
            23 * 3600 + 1800
        );
    }

    #[test]
    fn overnight_shift_across_a_holiday() {
        let cal = BusinessCalendar::builder("America/New_York")
            .weekdays("22:00", "06:00")
            .holiday("2026-12-25".parse().unwrap())
            .build()
            .unwrap();
        // Thursday's shift loses 00:00-06:00 of the holiday; Friday's shift
        // (owned by the holiday's date) starts at 22:00... on Dec 25: removed too.
        assert_eq!(
            cal.elapsed(
                t("2026-12-24T20:00:00-05:00"),
                t("2026-12-25T08:00:00-05:00")
            )
            .unwrap(),
            7200
        );
        assert_eq!(
            cal.elapsed(
                t("2026-12-25T00:00:00-05:00"),
                t("2026-12-26T00:00:00-05:00")
            )
            .unwrap(),
            0
        );
        assert_eq!(
            cal.add(t("2026-12-24T22:00:00-05:00"), 4 * 3600).unwrap(),
            t("2026-12-26T02:00:00-05:00")
        );
    }

    #[test]
    fn closing_at_24_00_and_merging_across_midnight() {
        let cal = BusinessCalendar::builder("Europe/London")
            .interval(Weekday::Mon, "18:00", "24:00")
            .interval(Weekday::Tue, "00:00", "02:00")
            .build()
            .unwrap();
        let mon = t("2026-01-05T18:00:00Z");
        assert_eq!(cal.add(mon, 6 * 3600).unwrap(), t("2026-01-06T00:00:00Z"));
        assert_eq!(
            cal.add(mon, 6 * 3600 + 1).unwrap(),
            t("2026-01-06T00:00:01Z")
        );
        assert_eq!(
            cal.next_closing(mon).unwrap(),
            Some(t("2026-01-06T02:00:00Z"))
        );
        let blocks: Vec<_> = cal
            .open_intervals(t("2026-01-05T00:00:00Z"), t("2026-01-07T00:00:00Z"))
            .unwrap()
            .collect();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].seconds(), 8 * 3600);
    }

    #[test]
    fn twenty_four_seven_across_dst() {
        for (open, close) in [("00:00", "24:00"), ("00:00", "00:00"), ("07:00", "07:00")] {
            let cal = daily("America/New_York", open, close);
            // Fall back: 24 business hours from noon end at 11:00 EST.
            assert_eq!(
                cal.add(t("2026-10-31T12:00:00-04:00"), 86_400).unwrap(),
                t("2026-11-01T11:00:00-05:00")
            );
            // Spring forward: 24 h from noon end at 13:00 EDT.
            assert_eq!(
                cal.add(t("2026-03-07T12:00:00-05:00"), 86_400).unwrap(),
                t("2026-03-08T13:00:00-04:00")
            );
            // Never closes: no closing before the end of the range.
            assert_eq!(cal.next_closing(t("2200-06-01T00:00:00Z")).unwrap(), None);
        }
        // Across New Year the compiled years are cut, but nothing shows it.
        let cal = daily("UTC", "00:00", "24:00");
        let a = t("2026-12-31T23:00:00Z");
        assert_eq!(cal.add(a, 3600).unwrap(), t("2027-01-01T00:00:00Z"));
        assert_eq!(cal.add(a, 7200).unwrap(), t("2027-01-01T01:00:00Z"));
        assert_eq!(
            cal.elapsed(a, t("2028-01-01T00:00:00Z")).unwrap(),
            3600 + 365 * 86_400
        );
        let roll = cal.with_deadline_rule(DeadlineRule::RollToNextOpening);
        assert_eq!(roll.add(a, 3600).unwrap(), t("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn far_instants() {
        let cal = daily("America/New_York", "09:00", "17:00");
        // 1970-01-01 00:00Z is 1969-12-31 19:00 in New York.
        let epoch = t("1970-01-01T00:00:00Z");
        assert_eq!(
            cal.add(epoch, 3600).unwrap(),
            t("1970-01-01T10:00:00-05:00")
        );
        assert_eq!(
            cal.elapsed(epoch, t("1970-01-02T00:00:00Z")).unwrap(),
            8 * 3600
        );
        let late = t("2199-07-01T12:00:00Z");
        let due = cal.add(late, 40 * 3600).unwrap();
        assert_eq!(cal.elapsed(late, due).unwrap(), 40 * 3600);
        // Up to the very end of the range.
        let end = t("2201-01-01T00:00:00Z");
        assert_eq!(cal.add(end, 0).unwrap(), end);
        assert!(!cal.is_open(end).unwrap());
        assert_eq!(cal.next_opening(end).unwrap(), None);
        assert_eq!(
            cal.add(t("2200-12-31T20:00:00Z"), 3600 * 100),
            Err(CalendarError::DeadlineOutOfRange {
                start: t("2200-12-31T20:00:00Z").timestamp(),
                seconds: 360_000
            })
        );
        let before = t("1969-12-31T23:59:59Z");
        let err = cal.add(before, 1).unwrap_err();
        assert_eq!(err, CalendarError::OutOfRange { unix_seconds: -1 });
        assert!(err.to_string().contains("1969-12-31T23:59:59Z"), "{err}");
        assert!(cal.elapsed(epoch, t("2300-01-01T00:00:00Z")).is_err());
        assert_eq!(
            cal.add_unix(i64::MAX, 1),
            Err(CalendarError::OutOfRange {
                unix_seconds: i64::MAX
            })
        );
        assert!(cal.add_unix(0, i64::MAX).is_err());
        assert!(cal.elapsed_unix(i64::MIN, 0).is_err());
    }

    #[test]
    fn no_working_time() {
        let a = t("2026-01-01T00:00:00Z");
        // Refused when built: there is nothing to count.
        for b in [
            BusinessCalendar::builder("UTC"),
            BusinessCalendar::builder("UTC")
                .holiday(a.date_naive())
                .closure(a, t("2026-01-02T00:00:00Z")),
            // An empty opening is no working time either.
            BusinessCalendar::builder("UTC").opening(a, a),
        ] {
            assert_eq!(b.build().unwrap_err(), CalendarError::NoWorkingTime);
        }
        // Only a one-off opening: its time can be used, then nothing is left.
        let once = BusinessCalendar::builder("UTC")
            .opening(t("2026-01-01T10:00:00Z"), t("2026-01-01T11:00:00Z"))
            .build()
            .unwrap();
        assert_eq!(once.add(a, 3600), Ok(t("2026-01-01T11:00:00Z")));
        assert!(matches!(
            once.add(a, 3601),
            Err(CalendarError::DeadlineOutOfRange { .. })
        ));
        // An opening a closure cancels builds (`lint` warns about it), and
        // has no time to give.
        let cancelled = BusinessCalendar::builder("UTC")
            .opening(t("2026-01-01T10:00:00Z"), t("2026-01-01T11:00:00Z"))
            .closure(t("2026-01-01T09:00:00Z"), t("2026-01-01T12:00:00Z"))
            .build()
            .unwrap();
        assert!(matches!(
            cancelled.add(a, 1),
            Err(CalendarError::DeadlineOutOfRange { .. })
        ));
        assert_eq!(cancelled.add(a, 0), Ok(a));
        assert_eq!(cancelled.elapsed(a, t("2027-01-01T00:00:00Z")), Ok(0));
        assert_eq!(cancelled.next_opening(a), Ok(None));
    }

    #[test]
    fn bad_durations_and_ranges() {
        let cal = ny_split();
        let a = t("2026-01-06T09:00:00Z");
        assert_eq!(
            cal.add(a, -1),
            Err(CalendarError::NegativeDuration { seconds: -1 })
        );
        assert_eq!(
            cal.add_duration(a, TimeDelta::milliseconds(1500)),
            Err(CalendarError::FractionalDuration {
                duration: TimeDelta::milliseconds(1500)
            })
        );
        assert_eq!(
            cal.add_duration(a, TimeDelta::seconds(-5)),
            Err(CalendarError::NegativeDuration { seconds: -5 })
        );
        let err = cal.elapsed(a, a - TimeDelta::seconds(1)).unwrap_err();
        assert!(matches!(
            err,
            CalendarError::EndsBeforeStart {
                kind: RangeKind::Query,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "range ends before it starts: 2026-01-06T09:00:00Z .. 2026-01-06T08:59:59Z"
        );
        let err = cal
            .add_with_pauses(a, 10, &[(a, a - TimeDelta::seconds(1))])
            .unwrap_err();
        assert!(matches!(
            err,
            CalendarError::EndsBeforeStart {
                kind: RangeKind::Pause,
                ..
            }
        ));
    }

    #[test]
    fn bad_definitions() {
        let err = |b: crate::calendar::CalendarBuilder| b.build().unwrap_err();
        assert_eq!(
            err(BusinessCalendar::builder("Mars/Olympus")).to_string(),
            r#"unknown time zone "Mars/Olympus""#
        );
        assert_eq!(
            err(BusinessCalendar::builder("UTC").interval(Weekday::Mon, "09:00", "25:00")),
            CalendarError::MalformedTime {
                value: "25:00".into(),
                day: Weekday::Mon
            }
        );
        assert_eq!(
            err(BusinessCalendar::builder("UTC")
                .interval(Weekday::Tue, "09:00", "12:00")
                .interval(Weekday::Tue, "11:00", "13:00"))
            .to_string(),
            "overlapping intervals 09:00-12:00 and 11:00-13:00 on tue"
        );
        assert_eq!(
            err(BusinessCalendar::builder("UTC")
                .interval(Weekday::Mon, "22:00", "06:00")
                .interval(Weekday::Tue, "05:00", "09:00"))
            .to_string(),
            "overlapping intervals 22:00-06:00 on mon and 05:00-09:00 on tue"
        );
        let (a, b) = (t("2026-05-05T15:00:00Z"), t("2026-05-05T13:00:00Z"));
        assert_eq!(
            err(BusinessCalendar::builder("UTC").closure(a, b)).to_string(),
            "closure ends before it starts: 2026-05-05T15:00:00Z .. 2026-05-05T13:00:00Z"
        );
        assert!(matches!(
            err(BusinessCalendar::builder("UTC").opening(a, b)),
            CalendarError::EndsBeforeStart {
                kind: RangeKind::Opening,
                ..
            }
        ));
        // An empty closure is fine (`lint` warns about it).
        assert!(
            BusinessCalendar::builder("UTC")
                .weekdays("09:00", "17:00")
                .closure(a, a)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn precedence_of_openings_closures_and_holidays() {
        let cal = BusinessCalendar::builder("UTC")
            .weekdays("09:00", "17:00")
            .holiday("2026-01-07".parse().unwrap())
            // An opening on the holiday and on Saturday.
            .opening(t("2026-01-07T10:00:00Z"), t("2026-01-07T12:00:00Z"))
            .opening(t("2026-01-10T10:00:00Z"), t("2026-01-10T11:00:00Z"))
            // A closure inside that opening and across Friday afternoon.
            .closure(t("2026-01-07T11:00:00Z"), t("2026-01-07T11:30:00Z"))
            .closure(t("2026-01-09T16:00:00Z"), t("2026-01-10T10:30:00Z"))
            .build()
            .unwrap();
        let day = |d: &str| {
            let a = t(&format!("{d}T00:00:00Z"));
            cal.elapsed(a, a + TimeDelta::days(1)).unwrap()
        };
        assert_eq!(day("2026-01-07"), 5400);
        assert_eq!(day("2026-01-09"), 7 * 3600);
        assert_eq!(day("2026-01-10"), 1800);
    }

    #[test]
    fn rolling_to_next_opening() {
        let stay = ny_split();
        let roll = stay.with_deadline_rule(DeadlineRule::RollToNextOpening);
        let nine = t("2026-01-06T09:00:00-05:00");
        assert_eq!(
            stay.add(nine, 3 * 3600).unwrap(),
            t("2026-01-06T12:00:00-05:00")
        );
        assert_eq!(
            roll.add(nine, 3 * 3600).unwrap(),
            t("2026-01-06T13:00:00-05:00")
        );
        assert_eq!(
            roll.add(nine, 3 * 3600 - 1).unwrap(),
            t("2026-01-06T11:59:59-05:00")
        );
        // Zero never rolls.
        let sat = t("2026-01-10T10:00:00-05:00");
        assert_eq!(roll.add(sat, 0).unwrap(), sat);
        // With a pause at the next opening, roll past it.
        let pauses = [(
            t("2026-01-06T13:00:00-05:00"),
            t("2026-01-06T14:00:00-05:00"),
        )];
        assert_eq!(
            roll.add_with_pauses(nine, 3 * 3600, &pauses).unwrap(),
            t("2026-01-06T14:00:00-05:00")
        );
        // Friday evening -> Monday holiday -> Tuesday.
        assert_eq!(
            roll.add(t("2026-01-16T17:00:00-05:00"), 1800).unwrap(),
            t("2026-01-20T09:00:00-05:00")
        );
    }

    #[test]
    fn pauses_are_normalised() {
        let cal = daily("UTC", "00:00", "24:00");
        let a = t("2026-01-01T00:00:00Z");
        let h = |n: i64| a + TimeDelta::hours(n);
        let pauses = [
            (h(5), h(7)),
            (h(1), h(2)),
            (h(6), h(8)),
            (h(3), h(3)),
            (h(-5), h(0)),
        ];
        assert_eq!(
            cal.elapsed_with_pauses(a, h(10), &pauses).unwrap(),
            6 * 3600
        );
        // Using up the time before a pause lands on the pause's start.
        assert_eq!(cal.add_with_pauses(a, 4 * 3600, &pauses).unwrap(), h(5));
        assert_eq!(
            cal.add_with_pauses(a, 4 * 3600 + 1, &pauses).unwrap(),
            h(8) + TimeDelta::seconds(1)
        );
        assert_eq!(cal.add_with_pauses(a, 3 * 3600, &pauses).unwrap(), h(4));
        // Start inside a pause.
        assert_eq!(
            cal.add_with_pauses(h(1), 1, &pauses).unwrap(),
            h(2) + TimeDelta::seconds(1)
        );
        // Pauses before 1970 are clamped, not rejected.
        let old = [(t("1960-01-01T00:00:00Z"), h(1))];
        assert_eq!(
            cal.add_with_pauses(a, 60, &old).unwrap(),
            h(1) + TimeDelta::seconds(60)
        );
    }

    #[test]
    fn start_inside_closed_time_moves_to_next_opening() {
        let cal = ny_split();
        assert_eq!(
            cal.add(t("2026-01-06T07:15:00-05:00"), 1800).unwrap(),
            t("2026-01-06T09:30:00-05:00")
        );
        assert_eq!(
            cal.add(t("2026-01-06T17:29:59-05:00"), 2).unwrap(),
            t("2026-01-07T09:00:01-05:00")
        );
        // Sub-second starts are truncated for counting; zero keeps them.
        let frac = t("2026-01-06T15:00:00.750Z");
        assert_eq!(cal.add(frac, 0).unwrap(), frac);
        assert_eq!(cal.add(frac, 1).unwrap(), t("2026-01-06T15:00:01Z"));
    }

    #[test]
    fn long_durations_skip_whole_years() {
        let cal = ny_split();
        let a = t("2026-01-05T09:00:00-05:00");
        for hours in [1i64, 8, 40, 400, 4000, 40_000] {
            let due = cal.add(a, hours * 3600).unwrap();
            assert_eq!(cal.elapsed(a, due).unwrap(), hours * 3600, "{hours} h");
        }
        cal.prepare(t("2030-01-01T00:00:00Z"), t("2030-06-01T00:00:00Z"))
            .unwrap();
        let stats = cal.cache_stats();
        assert!(stats.years >= 20 && stats.intervals > 10_000, "{stats:?}");
    }
}
