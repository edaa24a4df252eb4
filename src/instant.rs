//! Instants near the ends of chrono's range, read in a time zone without
//! panicking.
//!
//! `DateTime::with_timezone(..).date_naive()` and friends panic when the
//! local time falls outside the range chrono can represent (for instance
//! [`DateTime::<Utc>::MAX_UTC`] in a zone east of UTC). Every local reading
//! of an instant from input goes through here instead and saturates: a
//! local time past the end of the range reads as the end of the range.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The offset of `tz` (seconds east of UTC) at Unix second `t`.
fn offset_at(tz: Tz, t: i64) -> i64 {
    let utc = DateTime::from_timestamp(t, 0).unwrap_or(if t < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    });
    i64::from(
        tz.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// The first instant (Unix seconds) whose local date in `tz` is `date`:
/// the one day-start rule of the crate (calendar holidays, metrics periods,
/// spike periods).
///
/// - Local midnight exists: its instant (its earlier occurrence when it is
///   repeated).
/// - Local midnight falls in a DST gap (clocks jump from before midnight to
///   after it, e.g. 23:30 to 00:30, or 00:00 to 01:00): the instant of the
///   jump, the first whose local date is `date`. (The "compatible" rule for
///   wall times would give the jump plus the part of the gap before
///   midnight.) Found from the offsets either side and a bisection over the
///   gap, not a minute-by-minute scan.
/// - `date` was skipped altogether (Pacific/Apia left out 2011-12-30): the
///   first instant of the next date that exists, so the skipped day is the
///   empty range `[day_start(date), day_start(date + 1))`.
pub(crate) fn day_start(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            // Midnight read as UTC, and the offsets a day either side.
            let wall = midnight.and_utc().timestamp();
            let before = offset_at(tz, wall.saturating_sub(86_400));
            let after = offset_at(tz, wall.saturating_add(86_400));
            // With a gap, `after > before`; the jump T has local time
            // `T + before` = gap start <= midnight < gap end = `T + after`.
            // So `wall - after < T <= wall - before`: bisect for the first
            // instant whose local time reaches midnight.
            let reaches = |t: i64| t.saturating_add(offset_at(tz, t)) >= wall;
            let (mut lo, mut hi) = (wall.saturating_sub(after), wall.saturating_sub(before));
            if lo >= hi || reaches(lo) || !reaches(hi) {
                // Not a gap chrono-tz describes this way: the compatible rule.
                return wall.saturating_sub(before);
            }
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if reaches(mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi
        }
    }
}

/// The local date and time of `at` in `tz`; [`NaiveDateTime::MIN`] or
/// [`NaiveDateTime::MAX`] when it is outside chrono's range.
pub(crate) fn local_datetime(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    let utc = at.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset)
        .unwrap_or(if offset.local_minus_utc() < 0 {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        })
}

/// The local date of `at` in `tz`; [`NaiveDate::MIN`] or [`NaiveDate::MAX`]
/// when it is outside chrono's range.
pub(crate) fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    local_datetime(at, tz).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ends_of_the_range_saturate() {
        let east = chrono_tz::Pacific::Kiritimati;
        let west = chrono_tz::Pacific::Pago_Pago;
        assert_eq!(local_date(DateTime::<Utc>::MAX_UTC, east), NaiveDate::MAX);
        assert_eq!(local_date(DateTime::<Utc>::MIN_UTC, west), NaiveDate::MIN);
        // Inside the range, the ordinary reading.
        assert_eq!(
            local_datetime(DateTime::<Utc>::MAX_UTC, west),
            DateTime::<Utc>::MAX_UTC.with_timezone(&west).naive_local()
        );
        let at: DateTime<Utc> = "2026-03-08T23:30:00Z".parse().unwrap_or_default();
        assert_eq!(local_date(at, east), at.with_timezone(&east).date_naive());
    }
}

#[cfg(test)]
mod day_start_tests {
    use super::*;
    use chrono::Days;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn unix(s: &str) -> i64 {
        s.parse::<DateTime<Utc>>()
            .map(|t| t.timestamp())
            .unwrap_or(0)
    }

    fn local_date_of(tz: Tz, t: i64) -> NaiveDate {
        local_date(DateTime::from_timestamp(t, 0).unwrap_or_default(), tz)
    }

    /// The metrics' old rule: the first whole local minute from midnight
    /// that exists.
    fn old_minute_scan(tz: Tz, date: NaiveDate) -> i64 {
        let midnight = date.and_time(NaiveTime::MIN);
        for minutes in 0..=24 * 60 {
            let Some(t) = midnight.checked_add_signed(chrono::Duration::minutes(minutes)) else {
                break;
            };
            match tz.from_local_datetime(&t) {
                LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => return x.timestamp(),
                LocalResult::None => continue,
            }
        }
        midnight.and_utc().timestamp()
    }

    /// The calendar's old rule: local midnight with the compatible rule.
    fn old_compatible(tz: Tz, date: NaiveDate) -> i64 {
        let local = date.and_time(NaiveTime::MIN);
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

    #[test]
    fn a_gap_across_midnight_starts_the_day_at_the_jump() {
        // Toronto, 1919-03-30: clocks went from 23:30 EST to 00:30 EDT, so
        // 03-31 begins at the jump, 04:30 UTC.
        let tz = chrono_tz::America::Toronto;
        let d = date(1919, 3, 31);
        assert_eq!(day_start(tz, d), unix("1919-03-31T04:30:00Z"));
        assert_eq!(local_date_of(tz, day_start(tz, d)), d);
        assert_eq!(local_date_of(tz, day_start(tz, d) - 1), date(1919, 3, 30));
        // The two old rules disagreed here: the minute scan found the jump,
        // the compatible rule 30 minutes after it.
        assert_eq!(old_minute_scan(tz, d), unix("1919-03-31T04:30:00Z"));
        assert_eq!(old_compatible(tz, d), unix("1919-03-31T05:00:00Z"));
    }

    #[test]
    fn dst_at_midnight_starts_the_day_at_one() {
        for (tz, d, expected) in [
            (
                chrono_tz::America::Santiago,
                date(2022, 9, 11),
                "2022-09-11T04:00:00Z",
            ),
            (
                chrono_tz::America::Havana,
                date(2023, 3, 12),
                "2023-03-12T05:00:00Z",
            ),
            (
                chrono_tz::Asia::Beirut,
                date(2023, 3, 26),
                "2023-03-25T22:00:00Z",
            ),
            (
                chrono_tz::America::Sao_Paulo,
                date(2018, 11, 4),
                "2018-11-04T03:00:00Z",
            ),
        ] {
            assert_eq!(day_start(tz, d), unix(expected), "{tz} {d}");
            assert_eq!(old_minute_scan(tz, d), unix(expected), "{tz} {d}");
            assert_eq!(old_compatible(tz, d), unix(expected), "{tz} {d}");
        }
        // Fall back at midnight (Santiago, 2023-04-02: 24:00 -03 back to
        // 23:00 -04): the day starts at its only midnight.
        let tz = chrono_tz::America::Santiago;
        assert_eq!(
            day_start(tz, date(2023, 4, 2)),
            unix("2023-04-02T04:00:00Z")
        );
        assert_eq!(
            day_start(tz, date(2023, 4, 1)),
            unix("2023-04-01T03:00:00Z")
        );
    }

    #[test]
    fn a_skipped_date_is_an_empty_day() {
        // Samoa skipped 2011-12-30: from 12-29 24:00 (-10) to 12-31 00:00 (+14).
        let tz = chrono_tz::Pacific::Apia;
        let skipped = date(2011, 12, 30);
        let next = date(2011, 12, 31);
        assert_eq!(day_start(tz, skipped), unix("2011-12-30T10:00:00Z"));
        assert_eq!(day_start(tz, skipped), day_start(tz, next));
        assert_eq!(
            day_start(tz, date(2011, 12, 29)),
            unix("2011-12-29T10:00:00Z")
        );
        assert_eq!(local_date_of(tz, day_start(tz, skipped)), next);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// The day starts at the first instant of its date, and where the
        /// two old rules agreed the new one gives the same instant.
        #[test]
        fn the_first_instant_of_the_date(
            zone in 0..chrono_tz::TZ_VARIANTS.len(),
            day in 0u64..(200 * 366),
        ) {
            let tz = chrono_tz::TZ_VARIANTS[zone];
            let d = date(1900, 1, 1).checked_add_days(Days::new(day)).unwrap_or_default();
            let s = day_start(tz, d);
            prop_assert!(local_date_of(tz, s) >= d);
            prop_assert!(local_date_of(tz, s - 1) < d);
            let (scan, compatible) = (old_minute_scan(tz, d), old_compatible(tz, d));
            if scan == compatible {
                prop_assert_eq!(s, scan);
            }
        }

        /// Around every transition of a zone the same holds, which random
        /// dates rarely hit: the days either side of each DST change.
        #[test]
        fn the_first_instant_around_transitions(
            zone in 0..chrono_tz::TZ_VARIANTS.len(),
            year in 1900i32..2040,
        ) {
            let tz = chrono_tz::TZ_VARIANTS[zone];
            let mut d = date(year, 1, 1);
            let end = date(year + 1, 1, 1);
            while d < end {
                let next = d.succ_opt().unwrap_or(d);
                let (a, b) = (day_start(tz, d), day_start(tz, next));
                // A day with a transition is not 24 hours long.
                if b - a != 86_400 {
                    prop_assert!(local_date_of(tz, a) >= d && local_date_of(tz, a - 1) < d);
                    let (scan, compatible) = (old_minute_scan(tz, d), old_compatible(tz, d));
                    if scan == compatible {
                        prop_assert_eq!(a, scan);
                    }
                }
                d = next;
            }
        }
    }
}
