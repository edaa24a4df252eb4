//! The compiled form of a calendar: per UTC year, its working intervals in
//! Unix seconds with cumulative business seconds, built lazily.
//!
//! Year slot `k` covers the UTC year `1970 + k`, `[Jan 1 00:00Z, next Jan 1
//! 00:00Z)`. Its intervals are sorted, disjoint and non-touching (touching
//! intervals are merged) except at the slot's edges, where an interval that
//! spans New Year is cut in two. `cum_end[i]` is the business seconds in
//! `[year start, ends[i])`, so a position-to-business-time lookup and its
//! inverse are each one binary search.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
    Utc,
};
use chrono_tz::Tz;

use crate::calendar::schedule::{DAY_MINUTES, Weekly};

/// The first UTC year compiled.
pub(crate) const FIRST_YEAR: i64 = 1970;
/// The number of year slots: 1970 ..= 2201. Slot 2201 only exists so that
/// the end of the supported range, 2201-01-01T00:00:00Z, is a valid instant.
pub(crate) const SLOT_COUNT: usize = 232;
/// The last slot in which deadlines and openings are searched (year 2200).
pub(crate) const LAST_SEARCH_SLOT: usize = SLOT_COUNT - 2;
/// The smallest supported instant, 1970-01-01T00:00:00Z.
pub(crate) const MIN_UNIX: i64 = 0;
/// The largest supported instant, 2201-01-01T00:00:00Z.
pub(crate) const MAX_UNIX: i64 = 7_289_654_400;

const DAY_SECONDS: i64 = 86_400;

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`
/// (H. Hinnant's `days_from_civil`).
pub(crate) const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian year of a day count since 1970-01-01
/// (H. Hinnant's `civil_from_days`, year only).
#[cfg(test)]
const fn year_from_days(z: i64) -> i64 {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let y = yoe + era * 400;
    if mp >= 10 { y + 1 } else { y }
}

/// The Unix second at which UTC year `year` starts.
pub(crate) const fn year_start(year: i64) -> i64 {
    days_from_civil(year, 1, 1) * DAY_SECONDS
}

/// The day (since 1970-01-01) on which each slot's year starts, and one
/// more for the end of the last slot. Evaluated at compile time, so an index
/// out of bounds fails the build, not a query.
#[allow(clippy::indexing_slicing)]
const SLOT_START_DAYS: [i64; SLOT_COUNT + 1] = {
    let mut days = [0; SLOT_COUNT + 1];
    let mut i = 0;
    while i <= SLOT_COUNT {
        days[i] = days_from_civil(FIRST_YEAR + i as i64, 1, 1);
        i += 1;
    }
    days
};

/// Whole Unix seconds of an instant, the sub-second part dropped: the same
/// value as `t.timestamp()`. For years in the table above (1970 to 2202) it
/// is a look-up of the year's first day plus the day of the year; chrono's
/// arithmetic (a 400-year cycle and a few divisions) answers the rest. The
/// SLA clocks convert every cycle bound with it.
#[inline]
pub(crate) fn unix_seconds(t: DateTime<Utc>) -> i64 {
    let naive = t.naive_utc();
    let date = naive.date();
    let first_day = usize::try_from(i64::from(date.year()) - FIRST_YEAR)
        .ok()
        .and_then(|slot| SLOT_START_DAYS.get(slot));
    match first_day {
        Some(&first) => {
            (first + i64::from(date.ordinal0())) * DAY_SECONDS
                + i64::from(naive.time().num_seconds_from_midnight())
        }
        None => t.timestamp(),
    }
}

/// [`unix_seconds`] for instants that mostly fall on a few days (a
/// ticket's events): the first second of the day converted last is kept,
/// so an instant on that day is a comparison and an addition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DaySeconds {
    day: NaiveDate,
    /// The Unix second at which `day` starts (UTC).
    start: i64,
}

impl DaySeconds {
    /// A cache holding the first day chrono knows.
    pub(crate) fn new() -> DaySeconds {
        let day = NaiveDate::MIN;
        DaySeconds {
            day,
            start: day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
        }
    }

    /// `unix_seconds(t)`, from the kept day when `t` is on it.
    #[inline]
    pub(crate) fn of(&mut self, t: DateTime<Utc>) -> i64 {
        let naive = t.naive_utc();
        let since_midnight = i64::from(naive.time().num_seconds_from_midnight());
        if naive.date() != self.day {
            self.day = naive.date();
            self.start = unix_seconds(t) - since_midnight;
        }
        self.start + since_midnight
    }
}

impl Default for DaySeconds {
    fn default() -> Self {
        Self::new()
    }
}

/// The year slot of an instant in `[MIN_UNIX, MAX_UNIX]` (0 before it, the
/// last slot after it): a guess from the mean Gregorian year, corrected by
/// one table look-up (this sits on the path of every calendar query).
#[inline]
pub(crate) fn slot_of(t: i64) -> usize {
    let day = t
        .div_euclid(DAY_SECONDS)
        .clamp(0, SLOT_START_DAYS[SLOT_COUNT] - 1);
    // 400 Gregorian years have 146,097 days; the guess is off by at most
    // one either way.
    let guess = usize::try_from(day * 400 / 146_097)
        .unwrap_or(0)
        .min(SLOT_COUNT - 1);
    let starts = |i: usize| SLOT_START_DAYS.get(i).copied().unwrap_or(i64::MAX);
    if starts(guess + 1) <= day {
        guess + 1
    } else if starts(guess) > day {
        guess.saturating_sub(1)
    } else {
        guess
    }
}

/// The UTC year of a slot.
pub(crate) fn slot_year(slot: usize) -> i64 {
    FIRST_YEAR + i64::try_from(slot).unwrap_or(0)
}

/// Converts a local wall time to an instant with the "compatible" rule: a
/// time in a gap is read with the offset in force before the gap (so it
/// moves later by the gap's length), a repeated time takes its earlier
/// occurrence.
///
/// The offset before a gap is the one in force a day before the wall time
/// (read as UTC), as in Temporal's `GetPossibleInstantsFor`/"compatible".
pub(crate) fn resolve(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            let wall = local.and_utc().timestamp();
            let probe = local.checked_sub_days(Days::new(1)).unwrap_or(local);
            let before = tz.offset_from_utc_datetime(&probe).fix().local_minus_utc();
            wall - i64::from(before)
        }
    }
}

/// `date` at `minutes` after its midnight (`minutes` may exceed a day).
fn local_at(date: NaiveDate, minutes: u16) -> Option<NaiveDateTime> {
    let days = minutes / DAY_MINUTES;
    let rest = minutes % DAY_MINUTES;
    date.checked_add_days(Days::new(u64::from(days)))?
        .and_hms_opt(u32::from(rest / 60), u32::from(rest % 60), 0)
}

/// The first instant of the local day `date` (the crate's one day-start
/// rule, [`crate::instant::day_start`]): a holiday is the whole local day,
/// so when a DST gap spans midnight it starts at the jump, not at the
/// compatible reading of 00:00.
pub(crate) fn local_midnight(tz: Tz, date: NaiveDate) -> Option<i64> {
    Some(crate::instant::day_start(tz, date))
}

/// The working intervals of one UTC year.
#[derive(Debug, Default)]
pub(crate) struct YearBlock {
    /// Start of the year (inclusive), Unix seconds.
    pub(crate) start: i64,
    /// End of the year (exclusive), Unix seconds.
    pub(crate) end: i64,
    starts: Box<[i64]>,
    ends: Box<[i64]>,
    /// Business seconds from `start` to each interval's end.
    cum_end: Box<[i64]>,
    /// Business seconds in the whole year.
    pub(crate) total: i64,
    /// For each UTC day `k` of the year (and the day after it), the index of
    /// the first interval that ends after the day's start.
    day_first: Box<[u32]>,
    /// For each bucket `b` of `2^cum_shift` business seconds, the index of
    /// the first interval with `cum_end >= b << cum_shift`.
    cum_first: Box<[u32]>,
    cum_shift: u32,
}

impl YearBlock {
    /// The number of intervals.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes of heap and inline data this block holds.
    pub(crate) fn memory_bytes(&self) -> usize {
        std::mem::size_of::<YearBlock>()
            + 3 * self.len() * std::mem::size_of::<i64>()
            + (self.day_first.len() + self.cum_first.len()) * std::mem::size_of::<u32>()
    }

    /// The index range `[lo, hi]` that `index` gives for key `k`: entry `k`
    /// and entry `k + 1` (or everything past `lo` when out of the table).
    #[inline]
    fn bounds(index: &[u32], k: Option<usize>, n: usize) -> (usize, usize) {
        let entry = |k: usize| index.get(k).map(|&i| i as usize);
        match k {
            Some(k) => (
                entry(k).unwrap_or(0),
                k.checked_add(1).and_then(entry).unwrap_or(n),
            ),
            None => (0, n),
        }
    }

    /// The index of the first interval that ends after `t`: the day index
    /// narrows it to that day's intervals, then a binary search.
    #[inline]
    fn first_ending_after(&self, t: i64) -> usize {
        let n = self.ends.len();
        let day = usize::try_from((t - self.start).div_euclid(DAY_SECONDS)).ok();
        let (lo, hi) = Self::bounds(&self.day_first, day, n);
        match self.ends.get(lo..hi) {
            Some(part) => lo + part.partition_point(|&e| e <= t),
            None => self.ends.partition_point(|&e| e <= t),
        }
    }

    /// The index of the first interval with `cum_end >= target`.
    #[inline]
    fn first_reaching(&self, target: i64) -> usize {
        let n = self.cum_end.len();
        let bucket = usize::try_from(target >> self.cum_shift).ok();
        let (lo, hi) = Self::bounds(&self.cum_first, bucket, n);
        match self.cum_end.get(lo..hi) {
            Some(part) => lo + part.partition_point(|&c| c < target),
            None => self.cum_end.partition_point(|&c| c < target),
        }
    }

    /// Interval `i` as `(start, end, cum_end)`.
    #[inline]
    fn get(&self, i: usize) -> Option<(i64, i64, i64)> {
        match (self.starts.get(i), self.ends.get(i), self.cum_end.get(i)) {
            (Some(&s), Some(&e), Some(&c)) => Some((s, e, c)),
            _ => None,
        }
    }

    /// Business seconds in `[self.start, t)`, for `t` in the year.
    #[inline]
    pub(crate) fn before(&self, t: i64) -> i64 {
        match self.get(self.first_ending_after(t)) {
            Some((s, e, c)) => c - (e - s.max(t)),
            None => self.total,
        }
    }

    /// The earliest instant `x` with `before(x) == target`, for
    /// `0 < target <= total`.
    #[inline]
    pub(crate) fn locate(&self, target: i64) -> Option<i64> {
        self.get(self.first_reaching(target))
            .map(|(_, e, c)| e - (c - target))
    }

    /// The first interval that ends after `t`, as `(start, end)`.
    #[inline]
    pub(crate) fn interval_ending_after(&self, t: i64) -> Option<(i64, i64)> {
        self.get(self.first_ending_after(t)).map(|(s, e, _)| (s, e))
    }

    /// Whether `t` is inside an interval.
    #[inline]
    pub(crate) fn contains(&self, t: i64) -> bool {
        self.interval_ending_after(t).is_some_and(|(s, _)| s <= t)
    }

    /// The first interval of the year.
    pub(crate) fn first(&self) -> Option<(i64, i64)> {
        self.get(0).map(|(s, e, _)| (s, e))
    }
}

/// The calendar definition in the form the compiler needs.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) tz: Tz,
    pub(crate) weekly: Weekly,
    pub(crate) holidays: BTreeSet<NaiveDate>,
    /// Closures, sorted and merged, Unix seconds.
    pub(crate) closures: Vec<(i64, i64)>,
    /// Extra openings, sorted and merged, Unix seconds.
    pub(crate) openings: Vec<(i64, i64)>,
}

/// Sorts `ranges` and merges the ones that overlap or touch; drops empty
/// ones.
pub(crate) fn union(ranges: &mut Vec<(i64, i64)>) {
    ranges.retain(|r| r.0 < r.1);
    ranges.sort_unstable();
    ranges.dedup_by(|next, last| {
        let joins = next.0 <= last.1;
        if joins {
            last.1 = last.1.max(next.1);
        }
        joins
    });
}

/// Removes `off` from `on`; both sorted and merged as [`union`] leaves them.
pub(crate) fn subtract(on: &[(i64, i64)], off: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(on.len());
    let mut k = 0;
    for &(s, e) in on {
        let mut start = s;
        while let Some(&(gs, ge)) = off.get(k) {
            if ge <= start {
                k += 1;
                continue;
            }
            if gs >= e {
                break;
            }
            if gs > start {
                out.push((start, gs));
            }
            start = ge;
            if start >= e {
                break;
            }
            k += 1;
        }
        if start < e {
            out.push((start, e));
        }
    }
    out
}

/// Keeps the parts of `ranges` inside `[lo, hi)`.
fn clip(ranges: &[(i64, i64)], lo: i64, hi: i64) -> Vec<(i64, i64)> {
    ranges
        .iter()
        .map(|&(s, e)| (s.max(lo), e.min(hi)))
        .filter(|r| r.0 < r.1)
        .collect()
}

/// Compiles the UTC year of slot `slot`.
pub(crate) fn compile_year(src: &Source, slot: usize) -> YearBlock {
    let year = slot_year(slot);
    let (lo, hi) = (year_start(year), year_start(year + 1));
    let mut on = Vec::new();
    if !src.weekly.is_empty() {
        weekly_intervals(src, year, lo, hi, &mut on);
    }
    let mut added = clip(&src.openings, lo, hi);
    on.append(&mut added);
    union(&mut on);
    let on = subtract(&on, &src.closures);

    let mut starts = Vec::with_capacity(on.len());
    let mut ends = Vec::with_capacity(on.len());
    let mut cum_end = Vec::with_capacity(on.len());
    let mut total = 0;
    for (s, e) in on {
        total += e - s;
        starts.push(s);
        ends.push(e);
        cum_end.push(total);
    }
    let day_first = day_index(&ends, lo, hi);
    let (cum_first, cum_shift) = cum_index(&cum_end, total);
    YearBlock {
        start: lo,
        end: hi,
        starts: starts.into_boxed_slice(),
        ends: ends.into_boxed_slice(),
        cum_end: cum_end.into_boxed_slice(),
        total,
        day_first,
        cum_first,
        cum_shift,
    }
}

/// Index `i` as a `u32` table entry (saturating: a saturated entry only
/// widens the searched range, never makes it wrong).
fn entry(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// For each day start `lo + k * 86400` (`k` up to one past the last day),
/// the first interval that ends after it.
fn day_index(ends: &[i64], lo: i64, hi: i64) -> Box<[u32]> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut day = lo;
    while day <= hi {
        while ends.get(i).is_some_and(|&e| e <= day) {
            i += 1;
        }
        out.push(entry(i));
        day += DAY_SECONDS;
    }
    out.into_boxed_slice()
}

/// Buckets of business seconds, sized so there are about as many buckets
/// as intervals (a power of two, so a bucket is a shift away).
fn cum_index(cum_end: &[i64], total: i64) -> (Box<[u32]>, u32) {
    let n = i64::try_from(cum_end.len()).unwrap_or(i64::MAX).max(1);
    let average = (total / n).max(1);
    let shift = 63 - average.leading_zeros();
    let buckets = (total >> shift) + 1;
    let mut out = Vec::new();
    let mut j = 0;
    let mut b = 0;
    while b <= buckets {
        let floor = b << shift;
        while cum_end.get(j).is_some_and(|&c| c < floor) {
            j += 1;
        }
        out.push(entry(j));
        b += 1;
    }
    (out.into_boxed_slice(), shift)
}

/// Appends the weekly intervals minus holidays that fall in `[lo, hi)`.
fn weekly_intervals(src: &Source, year: i64, lo: i64, hi: i64, out: &mut Vec<(i64, i64)>) {
    let Ok(year32) = i32::try_from(year) else {
        return;
    };
    // An interval owned by local date D lies within [D 00:00, D+2 00:00)
    // local, and local time is within a day of UTC, so the dates from two
    // days before the year to one day after it cover every interval that
    // can reach [lo, hi) (DST shifts are a few hours at most).
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year32, 1, 1).and_then(|d| d.checked_sub_days(Days::new(2))),
        NaiveDate::from_ymd_opt(year32, 12, 31).and_then(|d| d.checked_add_days(Days::new(1))),
    ) else {
        return;
    };
    let tz = src.tz;
    for date in first.iter_days().take_while(|d| *d <= last) {
        for iv in src.weekly.day(date.weekday()) {
            let open = local_at(date, iv.open().minutes_from_midnight());
            let close = local_at(date, iv.close_abs_minutes());
            if let (Some(open), Some(close)) = (open, close) {
                let (s, e) = (resolve(tz, open).max(lo), resolve(tz, close).min(hi));
                if s < e {
                    out.push((s, e));
                }
            }
        }
    }
    union(out);
    if src.holidays.is_empty() {
        return;
    }
    let mut off: Vec<(i64, i64)> = src
        .holidays
        .range(first..=last)
        .filter_map(|&d| {
            let next = d.succ_opt()?;
            Some((local_midnight(tz, d)?, local_midnight(tz, next)?))
        })
        .collect();
    if off.is_empty() {
        return;
    }
    union(&mut off);
    let kept = subtract(out, &off);
    *out = kept;
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn slot_of_matches_the_civil_year_on_every_day() {
        for day in 0..(MAX_UNIX / DAY_SECONDS) {
            let expected = usize::try_from(year_from_days(day) - FIRST_YEAR).unwrap();
            for t in [day * DAY_SECONDS, day * DAY_SECONDS + DAY_SECONDS - 1] {
                assert_eq!(slot_of(t), expected, "day {day}");
            }
        }
        assert_eq!(slot_of(-1), 0);
        assert_eq!(slot_of(i64::MAX), SLOT_COUNT - 1);
    }

    #[test]
    fn unix_seconds_match_chrono_on_every_day() {
        // Every day from 1969 to 2203 (both table edges and beyond), at
        // midnight, a second before it and a random-ish time, with and
        // without a sub-second part and a leap second.
        for day in -400..(MAX_UNIX / DAY_SECONDS + 800) {
            for secs in [0, 1, 43_210 + day.rem_euclid(40_000), DAY_SECONDS - 1] {
                let t = day * DAY_SECONDS + secs;
                let dt = DateTime::from_timestamp(t, 0).unwrap();
                assert_eq!(unix_seconds(dt), t, "{dt}");
                let nanos = DateTime::from_timestamp(t, 999_999_999).unwrap();
                assert_eq!(unix_seconds(nanos), t, "{nanos}");
            }
            let leap = DateTime::from_timestamp(day * DAY_SECONDS + DAY_SECONDS - 1, 1_500_000_000)
                .unwrap();
            assert_eq!(unix_seconds(leap), leap.timestamp(), "{leap:?}");
        }
        for dt in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert_eq!(unix_seconds(dt), dt.timestamp());
        }
    }

    /// The day cache gives chrono's seconds whatever came before: instants
    /// on the kept day, the next, far away (outside the year table), with
    /// sub-second parts and leap seconds, in any order.
    #[test]
    fn day_seconds_match_chrono_in_any_order() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let (min, max) = (
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        );
        let instant = prop_oneof![
            (0i64..3 * DAY_SECONDS).prop_map(|s| 1_772_323_200 + s),
            (-DAY_SECONDS..DAY_SECONDS),
            (min..=max),
        ];
        let nanos = prop_oneof![
            Just(0u32),
            0u32..1_000_000_000,
            1_000_000_000u32..2_000_000_000
        ];
        let mut runner = TestRunner::new(Config::with_cases(256));
        let result = runner.run(&prop::collection::vec((instant, nanos), 1..40), |seq| {
            let mut days = DaySeconds::new();
            for (t, n) in seq {
                // (A leap second only in a day's last second, as chrono
                // allows it.)
                let n = if n >= 1_000_000_000 && t.rem_euclid(DAY_SECONDS) != DAY_SECONDS - 1 {
                    n - 1_000_000_000
                } else {
                    n
                };
                let Some(dt) = DateTime::from_timestamp(t, n) else {
                    continue;
                };
                prop_assert_eq!(days.of(dt), dt.timestamp(), "{:?}", dt);
            }
            Ok(())
        });
        assert!(result.is_ok(), "{result:?}");
        let mut days = DaySeconds::default();
        for dt in [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MIN_UTC,
        ] {
            assert_eq!(days.of(dt), dt.timestamp());
        }
    }

    #[test]
    fn civil_arithmetic_matches_chrono() {
        for year in [1969, 1970, 1999, 2000, 2024, 2100, 2200, 2201] {
            let d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            let expected = d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
            assert_eq!(year_start(i64::from(year)), expected);
            assert_eq!(year_from_days(expected / DAY_SECONDS), i64::from(year));
            assert_eq!(
                year_from_days(expected / DAY_SECONDS - 1),
                i64::from(year) - 1
            );
        }
        assert_eq!(year_start(2201), MAX_UNIX);
        assert_eq!(slot_of(MAX_UNIX), SLOT_COUNT - 1);
        assert_eq!(slot_of(MAX_UNIX - 1), LAST_SEARCH_SLOT);
        assert_eq!(slot_of(0), 0);
    }

    #[test]
    fn compatible_rule_in_gap_and_overlap() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let utc = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
                .unwrap()
                .and_utc()
                .timestamp()
        };
        // Gap: 02:30 does not exist, read with EST (-5): 07:30Z = 03:30 EDT.
        assert_eq!(resolve(ny, at("2026-03-08 02:30")), utc("2026-03-08 07:30"));
        assert_eq!(resolve(ny, at("2026-03-08 03:00")), utc("2026-03-08 07:00"));
        // Overlap: 01:30 happens twice, take the EDT one.
        assert_eq!(resolve(ny, at("2026-11-01 01:30")), utc("2026-11-01 05:30"));
        // Lord Howe: 30-minute gap 02:00-02:30 on 2026-10-04 (+10:30 -> +11).
        let lh: Tz = "Australia/Lord_Howe".parse().unwrap();
        assert_eq!(resolve(lh, at("2026-10-04 02:15")), utc("2026-10-03 15:45"));
        // Lord Howe overlap 01:30-02:00 on 2026-04-05 (+11 -> +10:30).
        assert_eq!(resolve(lh, at("2026-04-05 01:45")), utc("2026-04-04 14:45"));
    }

    #[test]
    fn indexes_agree_with_plain_binary_search() {
        let tz: Tz = "Australia/Lord_Howe".parse().unwrap();
        let iv = |o: &str, c: &str| {
            crate::calendar::schedule::parse_interval(chrono::Weekday::Mon, o, c).unwrap()
        };
        let mut weekly = vec![];
        for day in crate::calendar::schedule::WEEKDAYS {
            weekly.push((day, iv("01:45", "02:15")));
            weekly.push((day, iv("09:00", "09:01")));
            weekly.push((day, iv("13:00", "20:00")));
        }
        weekly.push((chrono::Weekday::Sat, iv("22:00", "01:00")));
        let src = Source {
            tz,
            weekly: Weekly::new(weekly).unwrap(),
            holidays: ["2026-01-01", "2026-10-04"]
                .iter()
                .map(|d| d.parse().unwrap())
                .collect(),
            closures: vec![(year_start(2026) + 5_000_000, year_start(2026) + 5_100_000)],
            openings: vec![(year_start(2026) + 8_000_000, year_start(2026) + 9_000_000)],
        };
        let block = compile_year(&src, slot_of(year_start(2026)));
        assert!(block.len() > 500);
        let mut t = block.start;
        while t <= block.end {
            assert_eq!(
                block.first_ending_after(t),
                block.ends.partition_point(|&e| e <= t)
            );
            t += 997;
        }
        for target in (1..=block.total).step_by(331).chain([block.total]) {
            assert_eq!(
                block.first_reaching(target),
                block.cum_end.partition_point(|&c| c < target)
            );
        }
    }

    #[test]
    fn union_and_subtract() {
        let mut v = vec![
            (50, 60),
            (0, 10),
            (10, 20),
            (15, 18),
            (30, 40),
            (35, 45),
            (70, 70),
        ];
        union(&mut v);
        assert_eq!(v, vec![(0, 20), (30, 45), (50, 60)]);
        let on = vec![(0, 100), (200, 300)];
        let off = vec![(-10, 5), (20, 30), (40, 50), (90, 210), (250, 400)];
        assert_eq!(
            subtract(&on, &off),
            vec![(5, 20), (30, 40), (50, 90), (210, 250)]
        );
    }
}
