//! Enumerating the working intervals of a calendar in a range.

use std::iter::FusedIterator;

use chrono::{DateTime, Utc};

use crate::calendar::business_calendar::BusinessCalendar;
use crate::calendar::business_time::to_datetime;
use crate::calendar::compiled::{SLOT_COUNT, slot_of};
use crate::calendar::error::CalendarError;

/// A maximal stretch of working time `[start, end)` (adjacent intervals,
/// such as 22:00-24:00 and the next day's 00:00-06:00, are merged), as
/// yielded by [`BusinessCalendar::open_intervals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkingInterval {
    /// The first working instant.
    pub start: DateTime<Utc>,
    /// The first instant after it that is not working time.
    pub end: DateTime<Utc>,
}

impl WorkingInterval {
    /// Its length in seconds.
    #[must_use]
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// The iterator of [`BusinessCalendar::open_intervals`].
#[derive(Debug, Clone)]
pub struct OpenIntervals<'a> {
    calendar: &'a BusinessCalendar,
    cursor: i64,
    to: i64,
}

impl BusinessCalendar {
    /// The working intervals in `[from, to)`, clipped to it, in order:
    /// what a deadline was made of (see the example), or the blocks a
    /// callback can be planned in. Holidays, closures and extra openings
    /// are already applied.
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
    ///     let cal = BusinessCalendar::builder("America/New_York")
    ///         .weekdays("09:00", "12:00")
    ///         .weekdays("13:00", "17:30")
    ///         .build()?;
    ///     let start: DateTime<Utc> = "2026-01-06T11:00:00-05:00".parse()?;
    ///     let due = cal.add(start, 4 * 3600)?;
    ///     let used: Vec<String> = cal
    ///         .open_intervals(start, due)?
    ///         .map(|w| format!("{} {}", w.start.format("%H:%M"), w.end.format("%H:%M")))
    ///         .collect();
    ///     assert_eq!(used, ["16:00 17:00", "18:00 21:00"]); // UTC
    ///     Ok(())
    /// }
    /// ```
    pub fn open_intervals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<OpenIntervals<'_>, CalendarError> {
        let (cursor, to) = self.checked_range(from.timestamp(), to.timestamp())?;
        Ok(OpenIntervals {
            calendar: self,
            cursor,
            to,
        })
    }

    /// The next maximal working interval that ends after `cursor`, clipped
    /// to `[cursor, to)`, in Unix seconds.
    pub(crate) fn next_interval_unix(&self, cursor: i64, to: i64) -> Option<(i64, i64)> {
        let mut slot = slot_of(cursor);
        let (start, mut end) = loop {
            if cursor >= to || slot >= SLOT_COUNT {
                return None;
            }
            let block = self.block(slot)?;
            if block.start >= to {
                return None;
            }
            match block.interval_ending_after(cursor) {
                Some((s, e)) => break (s.max(cursor), e),
                None => slot += 1,
            }
        };
        if start >= to {
            return None;
        }
        // Merge across New Year cuts.
        while end < to {
            let Some(block) = self.block(slot_of(end)) else {
                break;
            };
            match block.interval_ending_after(end) {
                Some((s, e)) if s == end => end = e,
                _ => break,
            }
        }
        Some((start, end.min(to)))
    }
}

impl Iterator for OpenIntervals<'_> {
    type Item = WorkingInterval;

    fn next(&mut self) -> Option<WorkingInterval> {
        let (start, end) = self.calendar.next_interval_unix(self.cursor, self.to)?;
        self.cursor = end;
        match (to_datetime(start), to_datetime(end)) {
            (Ok(start), Ok(end)) => Some(WorkingInterval { start, end }),
            _ => {
                self.cursor = self.to;
                None
            }
        }
    }
}

impl FusedIterator for OpenIntervals<'_> {}
