//! The calendar itself, its builder and its lazily compiled years.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use crate::calendar::compiled::{self, SLOT_COUNT, Source, YearBlock};
use crate::calendar::error::{CalendarError, RangeKind};
use crate::calendar::schedule::{WEEKDAYS, WallInterval, Weekly, parse_interval};

/// What a deadline that uses up a working interval exactly does.
///
/// With [`StayAtClosing`](DeadlineRule::StayAtClosing) (the default, as in
/// the shared vectors, workclock, businesstimedelta) the deadline is the
/// closing instant itself: 3 h from 09:00 on a 09:00-12:00 / 13:00-17:30
/// day is 12:00. With [`RollToNextOpening`](DeadlineRule::RollToNextOpening)
/// (zendesk/biz >= 1.8.2, pandas `BusinessHour`) it is moved to the next
/// opening, 13:00. A zero duration never moves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadlineRule {
    /// A deadline that lands on a closing instant stays there.
    #[default]
    StayAtClosing,
    /// A deadline that lands on a closing instant moves to the next opening
    /// (of the calendar minus the pauses of the query).
    RollToNextOpening,
}

impl DeadlineRule {
    pub(crate) fn is_default(&self) -> bool {
        *self == DeadlineRule::StayAtClosing
    }
}

/// A business calendar: an IANA time zone, a weekly schedule, holidays,
/// one-off closures and one-off extra openings.
///
/// See the [module documentation](crate::calendar) for the conventions.
/// Build one with [`BusinessCalendar::builder`] or deserialize it from the
/// JSON `calendar` object of the shared vectors file (see
/// [`crate::calendar`] for the form).
///
/// Working time is, in this order of precedence (later wins):
/// weekly intervals; minus holidays (whole local days); plus extra
/// `openings`; minus `closures`. Pauses passed to a query are removed last.
///
/// The calendar compiles each UTC year it is asked about once, on first
/// use, into sorted working intervals with prefix sums (see
/// [`CacheStats`]); queries are then a couple of binary searches whatever
/// the duration. Cloning is cheap and clones share the compiled years.
/// Equality compares the definitions (and the deadline rule), not caches.
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
///         .holiday("2026-01-19".parse()?)
///         .build()?;
///     // Friday 17:00 + 1 business hour, Monday is a holiday: Tuesday 09:30.
///     let start: DateTime<Utc> = "2026-01-16T17:00:00-05:00".parse()?;
///     let due = cal.add(start, 3600)?;
///     assert_eq!(due, "2026-01-20T09:30:00-05:00".parse::<DateTime<Utc>>()?);
///     assert_eq!(cal.elapsed(start, due)?, 3600);
///     Ok(())
/// }
/// ```
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(
    try_from = "crate::calendar::serde_form::RawCalendar",
    into = "crate::calendar::serde_form::RawCalendar"
)]
pub struct BusinessCalendar {
    pub(crate) inner: Arc<Inner>,
    pub(crate) rule: DeadlineRule,
}

/// The shared, immutable part of a calendar.
pub(crate) struct Inner {
    /// What the compiler reads.
    pub(crate) src: Source,
    /// Closures as given.
    closures: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Extra openings as given.
    openings: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Whether there is any weekly interval or extra opening.
    pub(crate) has_working_pattern: bool,
    /// The compiled UTC years, 1970 ..= 2201.
    slots: Box<[OnceLock<Box<YearBlock>>]>,
}

impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&*self.inner, &*other.inner);
        self.rule == other.rule
            && a.src.tz == b.src.tz
            && a.src.weekly == b.src.weekly
            && a.src.holidays == b.src.holidays
            && a.closures == b.closures
            && a.openings == b.openings
    }
}

impl Eq for BusinessCalendar {}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let weekly: Vec<String> = WEEKDAYS
            .iter()
            .flat_map(|&d| {
                self.intervals(d)
                    .iter()
                    .map(move |iv| format!("{} {iv}", crate::calendar::schedule::weekday_key(d)))
            })
            .collect();
        f.debug_struct("BusinessCalendar")
            .field("timezone", &self.inner.src.tz.name())
            .field("weekly", &weekly)
            .field("holidays", &self.inner.src.holidays)
            .field("closures", &self.inner.closures)
            .field("openings", &self.inner.openings)
            .field("deadline_rule", &self.rule)
            .field("compiled_years", &self.cache_stats().years)
            .finish()
    }
}

/// What a calendar's compiled cache holds.
///
/// Each compiled UTC year takes a 112-byte header (year bounds, total, five
/// boxed slices, a shift) plus 24 bytes per working interval (start, end
/// and cumulative business seconds, `i64` each) plus two `u32` lookup
/// tables: one entry per UTC day (367) and one per business-time bucket
/// (about one to two per interval). The slot table adds 16 bytes per year
/// slot (`OnceLock<Box<_>>`, 232 slots) whether compiled or not. Allocator
/// overhead is not counted. For Monday-Friday 09:00-12:00 + 13:00-17:30 in
/// New York that is about 17 KB per year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// UTC years compiled so far.
    pub years: usize,
    /// Working intervals in those years.
    pub intervals: usize,
    /// Bytes held by the compiled years and the slot table.
    pub bytes: usize,
}

impl BusinessCalendar {
    /// The smallest supported instant, 1970-01-01T00:00:00Z, in Unix seconds.
    pub const MIN_UNIX_SECONDS: i64 = compiled::MIN_UNIX;
    /// The largest supported instant, 2201-01-01T00:00:00Z, in Unix seconds.
    /// Deadlines are searched up to it.
    pub const MAX_UNIX_SECONDS: i64 = compiled::MAX_UNIX;

    /// Starts building a calendar in the IANA time zone `timezone`.
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::BusinessCalendar;
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let night_desk = BusinessCalendar::builder("Europe/London")
    ///         .every_day("22:00", "06:00")
    ///         .build()?;
    ///     assert_eq!(night_desk.timezone(), chrono_tz::Europe::London);
    ///     Ok(())
    /// }
    /// ```
    #[must_use]
    pub fn builder(timezone: impl Into<String>) -> CalendarBuilder {
        CalendarBuilder {
            timezone: timezone.into(),
            intervals: Vec::new(),
            holidays: Vec::new(),
            closures: Vec::new(),
            openings: Vec::new(),
            rule: DeadlineRule::default(),
        }
    }

    /// The time zone.
    #[must_use]
    pub fn timezone(&self) -> Tz {
        self.inner.src.tz
    }

    /// The weekly intervals owned by `day`, sorted by opening time.
    #[must_use]
    pub fn intervals(&self, day: Weekday) -> &[WallInterval] {
        self.inner.src.weekly.day(day)
    }

    /// The holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.inner.src.holidays.iter().copied()
    }

    /// Whether `date` is a holiday.
    #[must_use]
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.inner.src.holidays.contains(&date)
    }

    /// The one-off closures `[from, to)`, as given.
    #[must_use]
    pub fn closures(&self) -> &[(DateTime<Utc>, DateTime<Utc>)] {
        &self.inner.closures
    }

    /// The one-off extra openings `[from, to)`, as given.
    #[must_use]
    pub fn openings(&self) -> &[(DateTime<Utc>, DateTime<Utc>)] {
        &self.inner.openings
    }

    /// The deadline rule.
    #[must_use]
    pub fn deadline_rule(&self) -> DeadlineRule {
        self.rule
    }

    /// The same calendar with another deadline rule (sharing the compiled
    /// years).
    #[must_use]
    pub fn with_deadline_rule(&self, rule: DeadlineRule) -> BusinessCalendar {
        BusinessCalendar {
            inner: Arc::clone(&self.inner),
            rule,
        }
    }

    /// What the compiled cache holds now.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        let table = self.inner.slots.len() * std::mem::size_of::<OnceLock<Box<YearBlock>>>();
        self.inner.slots.iter().filter_map(OnceLock::get).fold(
            CacheStats {
                bytes: table,
                ..CacheStats::default()
            },
            |acc, b| CacheStats {
                years: acc.years + 1,
                intervals: acc.intervals + b.len(),
                bytes: acc.bytes + b.memory_bytes(),
            },
        )
    }

    /// The compiled year of `slot`, compiling it on first use.
    #[inline]
    pub(crate) fn block(&self, slot: usize) -> Option<&YearBlock> {
        let cell = self.inner.slots.get(slot)?;
        Some(cell.get_or_init(|| Box::new(compiled::compile_year(&self.inner.src, slot))))
    }
}

/// Builds a [`BusinessCalendar`]; every check happens in
/// [`build`](CalendarBuilder::build).
///
/// # Example
///
/// ```
/// use chrono::Weekday;
/// use supportdesk::calendar::{BusinessCalendar, DeadlineRule};
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let cal = BusinessCalendar::builder("Australia/Lord_Howe")
///         .interval(Weekday::Mon, "08:00", "12:00")
///         .intervals_on([Weekday::Tue, Weekday::Thu], "22:00", "06:00")
///         .interval(Weekday::Sat, "10:00", "24:00")
///         .holiday("2026-12-25".parse()?)
///         .closure("2026-06-01T00:00:00Z".parse()?, "2026-06-02T00:00:00Z".parse()?)
///         .opening("2026-06-07T10:00:00+10:30".parse()?, "2026-06-07T14:00:00+10:30".parse()?)
///         .deadline_rule(DeadlineRule::RollToNextOpening)
///         .build()?;
///     assert_eq!(cal.intervals(Weekday::Tue).len(), 1);
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CalendarBuilder {
    timezone: String,
    intervals: Vec<(Weekday, String, String)>,
    holidays: Vec<NaiveDate>,
    closures: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    openings: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    rule: DeadlineRule,
}

impl CalendarBuilder {
    /// Adds the weekly interval `open`-`close` (`"HH:MM"`, `close` may be
    /// `"24:00"`; `close <= open` is overnight) to `day`.
    #[must_use]
    pub fn interval(mut self, day: Weekday, open: &str, close: &str) -> Self {
        self.intervals
            .push((day, open.to_owned(), close.to_owned()));
        self
    }

    /// Adds the interval to each of `days`.
    #[must_use]
    pub fn intervals_on(
        mut self,
        days: impl IntoIterator<Item = Weekday>,
        open: &str,
        close: &str,
    ) -> Self {
        for day in days {
            self.intervals
                .push((day, open.to_owned(), close.to_owned()));
        }
        self
    }

    /// Adds the interval to Monday through Friday.
    #[must_use]
    pub fn weekdays(self, open: &str, close: &str) -> Self {
        self.intervals_on(WEEKDAYS.iter().copied().take(5), open, close)
    }

    /// Adds the interval to every day of the week; `every_day("00:00",
    /// "24:00")` is 24x7.
    #[must_use]
    pub fn every_day(self, open: &str, close: &str) -> Self {
        self.intervals_on(WEEKDAYS, open, close)
    }

    /// Adds a holiday: the local day `[date 00:00, date+1 00:00)` is closed,
    /// including the after-midnight part of the previous evening's overnight
    /// interval.
    #[must_use]
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.holidays.push(date);
        self
    }

    /// Adds several holidays.
    #[must_use]
    pub fn holidays(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(dates);
        self
    }

    /// Adds a one-off closure `[from, to)` (beats weekly hours and extra
    /// openings).
    #[must_use]
    pub fn closure(mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        self.closures.push((from, to));
        self
    }

    /// Adds a one-off extra opening `[from, to)` (beats holidays and gaps
    /// in the weekly schedule, loses to closures).
    #[must_use]
    pub fn opening(mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        self.openings.push((from, to));
        self
    }

    /// Sets the [`DeadlineRule`] (default
    /// [`StayAtClosing`](DeadlineRule::StayAtClosing)).
    #[must_use]
    pub fn deadline_rule(mut self, rule: DeadlineRule) -> Self {
        self.rule = rule;
        self
    }

    /// Validates the definition and makes the calendar. Cheap: years are
    /// compiled on first use.
    ///
    /// # Errors
    ///
    /// [`CalendarError::UnknownTimeZone`], [`CalendarError::MalformedTime`],
    /// [`CalendarError::OverlappingIntervals`],
    /// [`CalendarError::EndsBeforeStart`] for a closure or opening whose end
    /// is before its start (an empty one is allowed and ignored), and
    /// [`CalendarError::NoWorkingTime`] when there is no weekly interval and
    /// no non-empty extra opening. Valid but suspicious definitions are not
    /// errors: see [`BusinessCalendar::lint`].
    ///
    /// # Example
    ///
    /// ```
    /// use supportdesk::calendar::{BusinessCalendar, CalendarError};
    ///
    /// let err = BusinessCalendar::builder("UTC").weekdays("09:00", "25:00").build();
    /// assert_eq!(err.unwrap_err().to_string(), r#"malformed time "25:00" on mon"#);
    /// let err = BusinessCalendar::builder("UTC").holiday("2026-12-25".parse()?).build();
    /// assert_eq!(err.unwrap_err(), CalendarError::NoWorkingTime);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<BusinessCalendar, CalendarError> {
        let tz: Tz = self
            .timezone
            .parse()
            .map_err(|_| CalendarError::UnknownTimeZone {
                name: self.timezone.clone(),
            })?;
        let intervals = self
            .intervals
            .iter()
            .map(|(day, open, close)| Ok((*day, parse_interval(*day, open, close)?)))
            .collect::<Result<Vec<_>, CalendarError>>()?;
        let weekly = Weekly::new(intervals)?;
        let closures = unix_ranges(&self.closures, RangeKind::Closure)?;
        let openings = unix_ranges(&self.openings, RangeKind::Opening)?;
        let has_working_pattern = !weekly.is_empty() || !openings.is_empty();
        if !has_working_pattern {
            return Err(CalendarError::NoWorkingTime);
        }
        let slots = (0..SLOT_COUNT).map(|_| OnceLock::new()).collect();
        Ok(BusinessCalendar {
            inner: Arc::new(Inner {
                src: Source {
                    tz,
                    weekly,
                    holidays: self.holidays.into_iter().collect::<BTreeSet<_>>(),
                    closures,
                    openings,
                },
                closures: self.closures,
                openings: self.openings,
                has_working_pattern,
                slots,
            }),
            rule: self.rule,
        })
    }
}

/// Validates ranges and returns them sorted and merged in Unix seconds.
fn unix_ranges(
    ranges: &[(DateTime<Utc>, DateTime<Utc>)],
    kind: RangeKind,
) -> Result<Vec<(i64, i64)>, CalendarError> {
    let mut out = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        if to < from {
            return Err(CalendarError::EndsBeforeStart {
                kind,
                from: from.timestamp(),
                to: to.timestamp(),
            });
        }
        out.push((from.timestamp(), to.timestamp()));
    }
    compiled::union(&mut out);
    Ok(out)
}
