//! The typed errors of the calendar module.

use std::fmt;

use chrono::{DateTime, TimeDelta, Weekday};

use crate::calendar::schedule::{WallInterval, weekday_key};

/// Everything that can go wrong when building or querying a
/// [`BusinessCalendar`](crate::calendar::BusinessCalendar).
///
/// Messages are lowercase and name the offending value, e.g.
/// `unknown time zone "Mars/Olympus"` or
/// `overlapping intervals 09:00-12:00 and 11:00-13:00 on tue`.
///
/// # Example
///
/// ```
/// use supportdesk::calendar::{BusinessCalendar, CalendarError};
///
/// let err = BusinessCalendar::builder("Mars/Olympus").build().unwrap_err();
/// assert_eq!(err, CalendarError::UnknownTimeZone { name: "Mars/Olympus".into() });
/// assert_eq!(err.to_string(), r#"unknown time zone "Mars/Olympus""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The time zone is not an IANA zone name known to `chrono-tz`.
    #[error("unknown time zone {name:?}")]
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// A wall-clock time is not `HH:MM` with `00:00 <= HH:MM <= 23:59`, or
    /// `24:00` used anywhere but as a closing time.
    #[error("malformed time {value:?} on {}", weekday_key(*.day))]
    MalformedTime {
        /// The text as given.
        value: String,
        /// The weekday whose interval holds it.
        day: Weekday,
    },
    /// Two weekly intervals share some wall-clock time (also across
    /// midnight: an overnight interval against the next day's early one).
    #[error("overlapping intervals {}", describe_overlap(.first, *.first_day, .second, *.second_day))]
    OverlappingIntervals {
        /// The interval that opens first in the week (Monday 00:00 first).
        first: WallInterval,
        /// The weekday that owns `first`.
        first_day: Weekday,
        /// The interval it overlaps.
        second: WallInterval,
        /// The weekday that owns `second`.
        second_day: Weekday,
    },
    /// A holiday is not a `YYYY-MM-DD` date.
    #[error("malformed holiday date {value:?}")]
    MalformedDate {
        /// The text as given.
        value: String,
    },
    /// A closure or opening bound is not an RFC 3339 instant.
    #[error("malformed instant {value:?}")]
    MalformedInstant {
        /// The text as given.
        value: String,
    },
    /// A closure, opening, pause or query range whose end is before its
    /// start.
    #[error("{kind} ends before it starts: {} .. {}", fmt_unix(*.from), fmt_unix(*.to))]
    EndsBeforeStart {
        /// What kind of range it is.
        kind: RangeKind,
        /// The start, in Unix seconds.
        from: i64,
        /// The end, in Unix seconds.
        to: i64,
    },
    /// The calendar has no working time at all: no weekly interval and no
    /// extra opening (of non-zero length). Building or deserializing such a
    /// calendar fails with it, so no query meets one.
    #[error("calendar has no working time: no weekly interval and no extra opening")]
    NoWorkingTime,
    /// An instant outside the supported range
    /// `1970-01-01T00:00:00Z ..= 2201-01-01T00:00:00Z`.
    #[error(
        "instant {} is outside the supported range 1970-01-01T00:00:00Z ..= 2201-01-01T00:00:00Z",
        fmt_unix(*.unix_seconds)
    )]
    OutOfRange {
        /// The instant, in Unix seconds.
        unix_seconds: i64,
    },
    /// The working time left between the start and the end of the supported
    /// range is shorter than the duration.
    #[error(
        "no deadline for {seconds} business seconds from {} before the end of the supported range",
        fmt_unix(*.start)
    )]
    DeadlineOutOfRange {
        /// The start, in Unix seconds.
        start: i64,
        /// The business seconds asked for.
        seconds: i64,
    },
    /// A negative business duration.
    #[error("negative duration {seconds} s")]
    NegativeDuration {
        /// The duration, in seconds.
        seconds: i64,
    },
    /// A [`TimeDelta`] with a sub-second part, where whole seconds are
    /// required.
    #[error("duration {duration} is not a whole number of seconds")]
    FractionalDuration {
        /// The duration as given.
        duration: TimeDelta,
    },
}

/// The kind of an instant range named in
/// [`CalendarError::EndsBeforeStart`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RangeKind {
    /// A one-off closure of the calendar.
    Closure,
    /// A one-off extra opening of the calendar.
    Opening,
    /// A pause passed to a query.
    Pause,
    /// The `[start, end)` range of a query such as `elapsed`.
    Query,
}

impl fmt::Display for RangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RangeKind::Closure => "closure",
            RangeKind::Opening => "opening",
            RangeKind::Pause => "pause",
            RangeKind::Query => "range",
        })
    }
}

/// Formats Unix seconds as RFC 3339 UTC, or as a plain number when chrono
/// cannot represent them.
pub(crate) fn fmt_unix(seconds: i64) -> String {
    match DateTime::from_timestamp(seconds, 0) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("unix second {seconds}"),
    }
}

fn describe_overlap(
    first: &WallInterval,
    first_day: Weekday,
    second: &WallInterval,
    second_day: Weekday,
) -> String {
    if first_day == second_day {
        format!("{first} and {second} on {}", weekday_key(first_day))
    } else {
        format!(
            "{first} on {} and {second} on {}",
            weekday_key(first_day),
            weekday_key(second_day)
        )
    }
}
