//! Days, ISO weeks and months of local dates in a time zone: the one period
//! type of the crate (metrics per period, tag spikes).

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::instant::{day_start, local_date};

/// How long a period is.
///
/// Serialised as `"day"`, `"iso_week"` or `"month"`; `"week"` reads as
/// `iso_week` (the name the spike configuration used).
///
/// ```
/// use supportdesk::calendar::PeriodKind;
/// let k: PeriodKind = serde_json::from_str("\"week\"")?;
/// assert_eq!(k, PeriodKind::IsoWeek);
/// assert_eq!(serde_json::to_string(&k)?, "\"iso_week\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A calendar day.
    Day,
    /// An ISO 8601 week, Monday to Sunday.
    #[serde(alias = "week")]
    IsoWeek,
    /// A calendar month.
    Month,
}

impl PeriodKind {
    /// The first local date of the period holding `at` in `tz`.
    ///
    /// An instant whose local date is outside chrono's range (such as
    /// `DateTime::<Utc>::MAX_UTC` east of UTC) reads as the last (or first)
    /// date there is, [`NaiveDate::MAX`] (or [`NaiveDate::MIN`]).
    ///
    /// ```
    /// use supportdesk::calendar::PeriodKind;
    /// use chrono::NaiveDate;
    /// // Sunday 23:30 UTC is already Monday in Shanghai.
    /// let at = "2026-03-08T23:30:00Z".parse()?;
    /// assert_eq!(PeriodKind::IsoWeek.start_of(at, chrono_tz::Asia::Shanghai), NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
    /// assert_eq!(PeriodKind::IsoWeek.start_of(at, chrono_tz::UTC), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    /// assert_eq!(PeriodKind::Month.start_of(at, chrono_tz::UTC), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_of(self, at: DateTime<Utc>, tz: Tz) -> NaiveDate {
        Period::containing(self, local_date(at, tz)).start
    }

    /// The start of the period `n` periods before the one starting at
    /// `start`; `None` before the first date chrono can represent.
    pub fn back(self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        match self {
            PeriodKind::Day => start.checked_sub_days(Days::new(u64::from(n))),
            PeriodKind::IsoWeek => start.checked_sub_days(Days::new(u64::from(n) * 7)),
            PeriodKind::Month => start.checked_sub_months(Months::new(n)),
        }
    }

    /// "today", "this week" or "this month".
    pub fn this(self) -> &'static str {
        match self {
            PeriodKind::Day => "today",
            PeriodKind::IsoWeek => "this week",
            PeriodKind::Month => "this month",
        }
    }

    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            PeriodKind::Day => "day",
            PeriodKind::IsoWeek => "week",
            PeriodKind::Month => "month",
        }
    }
}

/// One day, ISO week or month (local dates of a time zone).
///
/// ```
/// use supportdesk::calendar::{Period, PeriodKind};
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
/// assert_eq!(Period::containing(PeriodKind::IsoWeek, d).to_string(), "2026-W10");
/// assert_eq!(Period::containing(PeriodKind::Month, d).to_string(), "2026-03");
/// assert_eq!(Period::containing(PeriodKind::Day, d).next().to_string(), "2026-03-05");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    /// Day, week or month.
    pub kind: PeriodKind,
    /// Its first local date.
    pub start: NaiveDate,
}

impl Period {
    /// The period of a kind that contains a local date.
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Period {
        let start = match kind {
            PeriodKind::Day => date,
            PeriodKind::IsoWeek => date
                .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
                .unwrap_or(date),
            PeriodKind::Month => date.with_day(1).unwrap_or(date),
        };
        Period { kind, start }
    }

    /// The period right after this one.
    pub fn next(&self) -> Period {
        let start = match self.kind {
            PeriodKind::Day => self.start.checked_add_days(Days::new(1)),
            PeriodKind::IsoWeek => self.start.checked_add_days(Days::new(7)),
            PeriodKind::Month => self.start.checked_add_months(Months::new(1)),
        }
        .unwrap_or(NaiveDate::MAX);
        Period {
            kind: self.kind,
            start,
        }
    }

    /// Its first instant and the first instant of the next period, in a
    /// time zone (Unix seconds): the first instants whose local dates are
    /// the period's first date and the next period's. A local midnight in a
    /// DST gap reads as the instant of the jump; a date a zone skipped
    /// (Pacific/Apia, 2011-12-30) as the start of the next date, so a
    /// period of only that date is empty.
    ///
    /// ```
    /// use supportdesk::calendar::{Period, PeriodKind};
    /// let d = chrono::NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
    /// // Santiago: clocks went from 00:00 to 01:00, the day is 23 hours long.
    /// let (from, to) = Period::containing(PeriodKind::Day, d).bounds(chrono_tz::America::Santiago);
    /// assert_eq!(to - from, 23 * 3600);
    /// ```
    pub fn bounds(&self, tz: Tz) -> (i64, i64) {
        (day_start(tz, self.start), day_start(tz, self.next().start))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Day => write!(f, "{}", self.start.format("%Y-%m-%d")),
            PeriodKind::IsoWeek => {
                let w = self.start.iso_week();
                write!(f, "{}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Month => write!(f, "{}", self.start.format("%Y-%m")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn back_and_start_of_per_kind() {
        let at: DateTime<Utc> = "2026-03-29T23:30:00Z".parse().unwrap_or_default();
        assert_eq!(
            PeriodKind::Day.start_of(at, chrono_tz::Europe::Berlin),
            date(2026, 3, 30)
        );
        assert_eq!(
            PeriodKind::IsoWeek.start_of(at, chrono_tz::UTC),
            date(2026, 3, 23)
        );
        assert_eq!(
            PeriodKind::Month.start_of(at, chrono_tz::UTC),
            date(2026, 3, 1)
        );
        assert_eq!(
            PeriodKind::Day.back(date(2026, 3, 1), 1),
            Some(date(2026, 2, 28))
        );
        assert_eq!(
            PeriodKind::IsoWeek.back(date(2026, 3, 2), 2),
            Some(date(2026, 2, 16))
        );
        assert_eq!(
            PeriodKind::Month.back(date(2026, 3, 1), 13),
            Some(date(2025, 2, 1))
        );
        assert_eq!(PeriodKind::Day.back(NaiveDate::MIN, 1), None);
    }

    #[test]
    fn a_skipped_date_is_an_empty_day() {
        let p = Period::containing(PeriodKind::Day, date(2011, 12, 30));
        let (from, to) = p.bounds(chrono_tz::Pacific::Apia);
        assert_eq!(from, to);
    }
}
