//! [`BusinessCalendar::lint`]: warnings about definitions that are valid but
//! easy to write by mistake.

use std::fmt;

use chrono::{DateTime, Utc, Weekday};

use crate::calendar::business_calendar::BusinessCalendar;
use crate::calendar::error::RangeKind;
use crate::calendar::schedule::{WEEKDAYS, WallInterval, WallTime, weekday_key};

/// A warning about a calendar that is valid (it builds, and means what the
/// [conventions](crate::calendar#conventions) say) but was probably not meant
/// that way. Found by [`BusinessCalendar::lint`]; the `Display` message says
/// what was found and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CalendarLint {
    /// A weekly window whose open and close are the same time (other than
    /// `00:00-00:00`). It is not empty: it is a whole 24-hour window, to the
    /// same time the next day.
    EqualOpenAndClose {
        /// The window.
        interval: WallInterval,
        /// The weekdays that have it.
        days: Vec<Weekday>,
    },
    /// A weekly window that closes before it opens, on a calendar with no
    /// Saturday or Sunday hours, and that is longer than 12 hours: an
    /// overnight shift, where the reverse (a day window) was probably meant,
    /// as in Monday-Friday `17:00-09:00` for `09:00-17:00`.
    ReversedWindow {
        /// The window.
        interval: WallInterval,
        /// The weekdays that have it.
        days: Vec<Weekday>,
    },
    /// A closure or extra opening that starts and ends at the same instant:
    /// it is ignored.
    EmptyRange {
        /// Closure or opening.
        kind: RangeKind,
        /// Its start (and end).
        at: DateTime<Utc>,
    },
    /// An extra opening that lies inside the closures: closures win, so it
    /// adds no working time.
    OpeningInsideClosure {
        /// Its start, as given.
        from: DateTime<Utc>,
        /// Its end, as given.
        to: DateTime<Utc>,
    },
}

fn day_list(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| weekday_key(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

fn hours(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn instant(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl fmt::Display for CalendarLint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarLint::EqualOpenAndClose { interval, days } => write!(
                f,
                "{interval} on {}: equal open and close is a 24-hour window (to {} the next day), not an empty one; write 00:00-24:00 for a whole day, or fix the closing time",
                day_list(days),
                interval.close()
            ),
            CalendarLint::ReversedWindow { interval, days } => write!(
                f,
                "{interval} on {} closes before it opens: an overnight shift of {} on a calendar without weekend hours; did you mean {}-{}?",
                day_list(days),
                hours(interval.length_minutes()),
                interval.close(),
                interval.open()
            ),
            CalendarLint::EmptyRange { kind, at } => write!(
                f,
                "{kind} at {} starts and ends at the same instant: it is empty and changes nothing",
                instant(at)
            ),
            CalendarLint::OpeningInsideClosure { from, to } => write!(
                f,
                "opening {} .. {} lies inside the closures and adds no working time (closures win)",
                instant(from),
                instant(to)
            ),
        }
    }
}

/// The weekly windows that match `pick`, each with the days that have it,
/// in week order.
fn grouped(
    cal: &BusinessCalendar,
    pick: impl Fn(WallInterval) -> bool,
) -> Vec<(WallInterval, Vec<Weekday>)> {
    let mut out: Vec<(WallInterval, Vec<Weekday>)> = Vec::new();
    for day in WEEKDAYS {
        for iv in cal.intervals(day).iter().copied().filter(|iv| pick(*iv)) {
            match out.iter_mut().find(|(seen, _)| *seen == iv) {
                Some((_, days)) => days.push(day),
                None => out.push((iv, vec![day])),
            }
        }
    }
    out
}

impl BusinessCalendar {
    /// Warnings about windows and ranges that are valid but easy to write by
    /// mistake (see [`CalendarLint`]), in a stable order: weekly windows
    /// first (Monday first), then closures and openings as given. An empty
    /// list means nothing looks suspicious. Errors are not lints: a
    /// definition that cannot be meant (overlapping windows, no working time
    /// at all) does not build.
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::{BusinessCalendar, CalendarLint};
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     // 09:00-17:00 written the wrong way round.
    ///     let cal = BusinessCalendar::builder("Europe/Berlin").weekdays("17:00", "09:00").build()?;
    ///     let lints = cal.lint();
    ///     assert!(matches!(lints[..], [CalendarLint::ReversedWindow { .. }]));
    ///     assert_eq!(
    ///         lints[0].to_string(),
    ///         "17:00-09:00 on mon, tue, wed, thu, fri closes before it opens: an overnight shift \
    ///          of 16 h on a calendar without weekend hours; did you mean 09:00-17:00?"
    ///     );
    ///     // A night desk is fine.
    ///     let night = BusinessCalendar::builder("Europe/Berlin").weekdays("22:00", "06:00").build()?;
    ///     assert!(night.lint().is_empty());
    ///     Ok(())
    /// }
    /// ```
    #[must_use]
    pub fn lint(&self) -> Vec<CalendarLint> {
        let mut out = Vec::new();
        for (interval, days) in grouped(self, |iv| {
            iv.open() == iv.close() && iv.open() != WallTime::MIDNIGHT
        }) {
            out.push(CalendarLint::EqualOpenAndClose { interval, days });
        }
        let weekday_only =
            self.intervals(Weekday::Sat).is_empty() && self.intervals(Weekday::Sun).is_empty();
        if weekday_only {
            for (interval, days) in grouped(self, |iv| {
                iv.close() < iv.open() && iv.length_minutes() > 12 * 60
            }) {
                out.push(CalendarLint::ReversedWindow { interval, days });
            }
        }
        let empty = |kind: RangeKind, ranges: &[(DateTime<Utc>, DateTime<Utc>)]| {
            ranges
                .iter()
                .filter(|(from, to)| from == to)
                .map(move |(from, _)| CalendarLint::EmptyRange { kind, at: *from })
                .collect::<Vec<_>>()
        };
        out.extend(empty(RangeKind::Closure, self.closures()));
        out.extend(empty(RangeKind::Opening, self.openings()));
        let closed = &self.inner.src.closures;
        for (from, to) in self.openings() {
            let (f, t) = (from.timestamp(), to.timestamp());
            if f < t && closed.iter().any(|&(cs, ce)| cs <= f && t <= ce) {
                out.push(CalendarLint::OpeningInsideClosure {
                    from: *from,
                    to: *to,
                });
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_sound_office_calendar_has_no_lints() {
        let cal = BusinessCalendar::builder("America/New_York")
            .weekdays("09:00", "12:00")
            .weekdays("13:00", "17:30")
            .holiday("2026-12-25".parse().unwrap())
            .closure(t("2026-05-05T17:00:00Z"), t("2026-05-05T19:00:00Z"))
            .opening(t("2026-12-26T15:00:00Z"), t("2026-12-26T19:00:00Z"))
            .build()
            .unwrap();
        assert_eq!(cal.lint(), vec![]);
        // 24x7 both ways, and a night desk every day.
        for (open, close) in [("00:00", "24:00"), ("00:00", "00:00"), ("22:00", "06:00")] {
            let cal = BusinessCalendar::builder("UTC")
                .every_day(open, close)
                .build()
                .unwrap();
            assert_eq!(cal.lint(), vec![], "{open}-{close}");
        }
    }

    #[test]
    fn equal_open_and_close_is_a_24_hour_window() {
        let cal = BusinessCalendar::builder("UTC")
            .interval(Weekday::Mon, "09:00", "09:00")
            .interval(Weekday::Wed, "09:00", "09:00")
            .build()
            .unwrap();
        let lints = cal.lint();
        assert_eq!(
            lints,
            vec![CalendarLint::EqualOpenAndClose {
                interval: cal.intervals(Weekday::Mon)[0],
                days: vec![Weekday::Mon, Weekday::Wed],
            }]
        );
        assert_eq!(
            lints[0].to_string(),
            "09:00-09:00 on mon, wed: equal open and close is a 24-hour window (to 09:00 the next day), not an empty one; write 00:00-24:00 for a whole day, or fix the closing time"
        );
        // It really is 24 hours.
        assert_eq!(cal.intervals(Weekday::Mon)[0].length_minutes(), 1440);
    }

    #[test]
    fn a_reversed_weekday_window_is_flagged_but_not_on_a_seven_day_calendar() {
        let cal = BusinessCalendar::builder("UTC")
            .weekdays("18:00", "08:30")
            .build()
            .unwrap();
        let lints = cal.lint();
        assert_eq!(lints.len(), 1, "{lints:?}");
        assert!(matches!(&lints[0], CalendarLint::ReversedWindow { days, .. } if days.len() == 5));
        assert!(
            lints[0]
                .to_string()
                .contains("overnight shift of 14 h 30 min on a calendar without weekend hours; did you mean 08:30-18:00?"),
            "{}",
            lints[0]
        );
        // An evening desk every day of the week is a choice, not a slip.
        let cal = BusinessCalendar::builder("UTC")
            .every_day("17:00", "09:00")
            .build()
            .unwrap();
        assert_eq!(cal.lint(), vec![]);
        // A 12-hour night shift on weekdays is common.
        let cal = BusinessCalendar::builder("UTC")
            .weekdays("20:00", "08:00")
            .build()
            .unwrap();
        assert_eq!(cal.lint(), vec![]);
    }

    #[test]
    fn empty_ranges_and_openings_inside_closures() {
        let cal = BusinessCalendar::builder("UTC")
            .weekdays("09:00", "17:00")
            .closure(t("2026-05-05T13:00:00Z"), t("2026-05-05T13:00:00Z"))
            .opening(t("2026-05-09T10:00:00Z"), t("2026-05-09T10:00:00Z"))
            .closure(t("2026-06-01T00:00:00Z"), t("2026-06-03T00:00:00Z"))
            .opening(t("2026-06-02T10:00:00Z"), t("2026-06-02T12:00:00Z"))
            .opening(t("2026-06-02T23:00:00Z"), t("2026-06-03T01:00:00Z"))
            .build()
            .unwrap();
        let lints = cal.lint();
        assert_eq!(
            lints,
            vec![
                CalendarLint::EmptyRange {
                    kind: RangeKind::Closure,
                    at: t("2026-05-05T13:00:00Z")
                },
                CalendarLint::EmptyRange {
                    kind: RangeKind::Opening,
                    at: t("2026-05-09T10:00:00Z")
                },
                CalendarLint::OpeningInsideClosure {
                    from: t("2026-06-02T10:00:00Z"),
                    to: t("2026-06-02T12:00:00Z")
                },
            ]
        );
        assert_eq!(
            lints[0].to_string(),
            "closure at 2026-05-05T13:00:00Z starts and ends at the same instant: it is empty and changes nothing"
        );
        assert_eq!(
            lints[2].to_string(),
            "opening 2026-06-02T10:00:00Z .. 2026-06-02T12:00:00Z lies inside the closures and adds no working time (closures win)"
        );
    }
}
