//! The weekly schedule: wall-clock times and intervals, and their validation.

use std::fmt;

use chrono::Weekday;

use crate::calendar::error::CalendarError;

/// Minutes in a day.
pub(crate) const DAY_MINUTES: u16 = 1440;
/// Minutes in a week.
const WEEK_MINUTES: u32 = 7 * 1440;

/// The seven weekdays, Monday first (the order of the serde form).
pub(crate) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The key of a weekday in the serde form and in messages: `mon` .. `sun`.
pub(crate) fn weekday_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// A local wall-clock time of day with minute precision, from `00:00` to
/// `24:00` (the next midnight, valid only as a closing time).
///
/// # Example
///
/// ```
/// use supportdesk::calendar::WallTime;
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let t: WallTime = "17:30".parse()?;
///     assert_eq!((t.hour(), t.minute()), (17, 30));
///     assert_eq!(t.to_string(), "17:30");
///     assert!("24:00".parse::<WallTime>()?.is_end_of_day());
///     assert!("25:00".parse::<WallTime>().is_err());
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallTime(u16);

impl WallTime {
    /// `00:00`.
    pub const MIDNIGHT: WallTime = WallTime(0);
    /// `24:00`, the end of the day.
    pub const END_OF_DAY: WallTime = WallTime(DAY_MINUTES);

    /// The time `hour:minute`, or `None` unless `hour < 24 && minute < 60`
    /// or it is `24:00`.
    #[must_use]
    pub fn new(hour: u32, minute: u32) -> Option<WallTime> {
        if (hour < 24 && minute < 60) || (hour == 24 && minute == 0) {
            // hour * 60 + minute <= 1440 fits in u16.
            u16::try_from(hour * 60 + minute).ok().map(WallTime)
        } else {
            None
        }
    }

    /// The hour, `0..=24`.
    #[must_use]
    pub fn hour(self) -> u32 {
        u32::from(self.0 / 60)
    }

    /// The minute, `0..=59`.
    #[must_use]
    pub fn minute(self) -> u32 {
        u32::from(self.0 % 60)
    }

    /// Whether this is `24:00`.
    #[must_use]
    pub fn is_end_of_day(self) -> bool {
        self.0 == DAY_MINUTES
    }

    /// Minutes since midnight, `0..=1440`.
    #[must_use]
    pub fn minutes_from_midnight(self) -> u16 {
        self.0
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

/// The error of parsing a [`WallTime`] from text that is not `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed time {0:?}")]
pub struct ParseWallTimeError(String);

impl std::str::FromStr for WallTime {
    type Err = ParseWallTimeError;

    /// Parses exactly `HH:MM` (two digits each), `00:00` to `24:00`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseWallTimeError(s.to_owned());
        let bytes = s.as_bytes();
        let digit = |i: usize| -> Option<u32> {
            bytes
                .get(i)
                .filter(|b| b.is_ascii_digit())
                .map(|b| u32::from(b - b'0'))
        };
        if bytes.len() != 5 || bytes.get(2) != Some(&b':') {
            return Err(err());
        }
        match (digit(0), digit(1), digit(3), digit(4)) {
            (Some(h1), Some(h2), Some(m1), Some(m2)) => {
                WallTime::new(h1 * 10 + h2, m1 * 10 + m2).ok_or_else(err)
            }
            _ => Err(err()),
        }
    }
}

/// A weekly working interval `[open, close)` in local wall time.
///
/// `close <= open` makes it overnight: it closes on the next day, and it
/// belongs to the weekday it opens on. So `22:00-06:00` on Monday runs from
/// Monday 22:00 to Tuesday 06:00, and `00:00-00:00` (like `09:00-09:00`) is a
/// whole 24-hour interval. `24:00` as a closing time is the next midnight,
/// so `00:00-24:00` is the whole day too.
///
/// # Example
///
/// ```
/// use supportdesk::calendar::WallInterval;
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let night = WallInterval::new("22:00".parse()?, "06:00".parse()?).ok_or("bad")?;
///     assert!(night.is_overnight());
///     assert_eq!(night.length_minutes(), 8 * 60);
///     assert_eq!(night.to_string(), "22:00-06:00");
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallInterval {
    open: WallTime,
    close: WallTime,
}

impl WallInterval {
    /// The interval from `open` to `close`, or `None` if `open` is `24:00`.
    #[must_use]
    pub fn new(open: WallTime, close: WallTime) -> Option<WallInterval> {
        (!open.is_end_of_day()).then_some(WallInterval { open, close })
    }

    /// The opening time.
    #[must_use]
    pub fn open(self) -> WallTime {
        self.open
    }

    /// The closing time (on the next day if [`is_overnight`](Self::is_overnight)).
    #[must_use]
    pub fn close(self) -> WallTime {
        self.close
    }

    /// Whether it closes on the day after it opens (`close <= open`).
    #[must_use]
    pub fn is_overnight(self) -> bool {
        self.close <= self.open
    }

    /// The closing time in minutes after the opening day's midnight:
    /// `open < close_abs <= open + 1440`.
    pub(crate) fn close_abs_minutes(self) -> u16 {
        if self.is_overnight() {
            self.close.0.saturating_add(DAY_MINUTES)
        } else {
            self.close.0
        }
    }

    /// Its length in wall-clock minutes, `1..=1440` (real time can differ on
    /// DST days).
    #[must_use]
    pub fn length_minutes(self) -> u32 {
        u32::from(self.close_abs_minutes().saturating_sub(self.open.0))
    }
}

impl fmt::Display for WallInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.open, self.close)
    }
}

/// Parses one `[open, close]` pair of the weekly schedule of `day`.
pub(crate) fn parse_interval(
    day: Weekday,
    open: &str,
    close: &str,
) -> Result<WallInterval, CalendarError> {
    let malformed = |value: &str| CalendarError::MalformedTime {
        value: value.to_owned(),
        day,
    };
    let open_time: WallTime = open.parse().map_err(|_| malformed(open))?;
    let close_time: WallTime = close.parse().map_err(|_| malformed(close))?;
    WallInterval::new(open_time, close_time).ok_or_else(|| malformed(open))
}

/// The weekly schedule: intervals per weekday, each day sorted by opening
/// time, validated not to overlap anywhere in the (cyclic) week.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Weekly {
    days: [Vec<WallInterval>; 7],
}

impl Weekly {
    /// Validates and sorts the intervals.
    pub(crate) fn new(intervals: Vec<(Weekday, WallInterval)>) -> Result<Weekly, CalendarError> {
        // Each interval as a span of minutes of the week, Monday 00:00 = 0.
        let mut spans: Vec<(u32, u32, Weekday, WallInterval)> = intervals
            .iter()
            .map(|&(day, iv)| {
                let start =
                    day.num_days_from_monday() * u32::from(DAY_MINUTES) + u32::from(iv.open.0);
                (start, start + iv.length_minutes(), day, iv)
            })
            .collect();
        spans.sort_unstable_by_key(|s| (s.0, s.1));
        let overlap = |a: &(u32, u32, Weekday, WallInterval),
                       b: &(u32, u32, Weekday, WallInterval)| {
            CalendarError::OverlappingIntervals {
                first: a.3,
                first_day: a.2,
                second: b.3,
                second_day: b.2,
            }
        };
        for pair in spans.windows(2) {
            match pair {
                [a, b] if a.1 > b.0 => return Err(overlap(a, b)),
                _ => {}
            }
        }
        // Sunday's overnight interval wraps into Monday.
        match (spans.first(), spans.last()) {
            (Some(first), Some(last))
                if spans.len() > 1 && last.1 > WEEK_MINUTES && last.1 - WEEK_MINUTES > first.0 =>
            {
                return Err(overlap(first, last));
            }
            _ => {}
        }
        let mut days: [Vec<WallInterval>; 7] = Default::default();
        for (day, slot) in WEEKDAYS.iter().zip(days.iter_mut()) {
            slot.extend(spans.iter().filter(|s| s.2 == *day).map(|s| s.3));
        }
        Ok(Weekly { days })
    }

    /// The intervals of `day`, sorted by opening time.
    pub(crate) fn day(&self, day: Weekday) -> &[WallInterval] {
        self.days
            .get(day.num_days_from_monday() as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether there is no interval at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn iv(open: &str, close: &str) -> WallInterval {
        parse_interval(Weekday::Mon, open, close).unwrap()
    }

    #[test]
    fn parses_and_formats_wall_times() {
        for ok in ["00:00", "09:30", "23:59", "24:00"] {
            assert_eq!(ok.parse::<WallTime>().unwrap().to_string(), ok);
        }
        for bad in [
            "24:01", "25:00", "9:00", "09:60", "0900", "09:00:00", "", "aa:bb", "-1:00",
        ] {
            assert!(bad.parse::<WallTime>().is_err(), "{bad}");
        }
    }

    #[test]
    fn overnight_and_full_day_lengths() {
        assert_eq!(iv("22:00", "06:00").length_minutes(), 480);
        assert_eq!(iv("00:00", "00:00").length_minutes(), 1440);
        assert_eq!(iv("09:00", "09:00").length_minutes(), 1440);
        assert_eq!(iv("00:00", "24:00").length_minutes(), 1440);
        assert!(!iv("00:00", "24:00").is_overnight());
        assert_eq!(iv("13:00", "24:00").length_minutes(), 660);
    }

    #[test]
    fn open_at_24_is_malformed() {
        assert_eq!(
            parse_interval(Weekday::Wed, "24:00", "01:00")
                .unwrap_err()
                .to_string(),
            r#"malformed time "24:00" on wed"#
        );
    }

    #[test]
    fn overlap_on_same_day_is_reported() {
        let err = Weekly::new(vec![
            (Weekday::Tue, iv("11:00", "13:00")),
            (Weekday::Tue, iv("09:00", "12:00")),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "overlapping intervals 09:00-12:00 and 11:00-13:00 on tue"
        );
    }

    #[test]
    fn overlap_across_midnight_and_week_end() {
        let err = Weekly::new(vec![
            (Weekday::Mon, iv("22:00", "06:00")),
            (Weekday::Tue, iv("05:00", "09:00")),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "overlapping intervals 22:00-06:00 on mon and 05:00-09:00 on tue"
        );
        let err = Weekly::new(vec![
            (Weekday::Sun, iv("22:00", "06:00")),
            (Weekday::Mon, iv("05:00", "09:00")),
        ])
        .unwrap_err();
        assert!(matches!(err, CalendarError::OverlappingIntervals { .. }));
        assert!(
            Weekly::new(vec![
                (Weekday::Sun, iv("22:00", "06:00")),
                (Weekday::Mon, iv("06:00", "09:00")),
                (Weekday::Mon, iv("09:00", "10:00")),
            ])
            .is_ok()
        );
    }

    #[test]
    fn full_days_touch_without_overlap() {
        let all: Vec<_> = WEEKDAYS
            .iter()
            .map(|&d| (d, iv("00:00", "24:00")))
            .collect();
        assert!(Weekly::new(all).is_ok());
        let all: Vec<_> = WEEKDAYS
            .iter()
            .map(|&d| (d, iv("00:00", "00:00")))
            .collect();
        assert!(Weekly::new(all).is_ok());
        let dup = vec![
            (Weekday::Fri, iv("09:00", "10:00")),
            (Weekday::Fri, iv("09:00", "10:00")),
        ];
        assert!(Weekly::new(dup).is_err());
    }
}
