//! Callback windows: when to phone a customer inside their own working
//! hours, away from the edges of each working block.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::calendar::business_calendar::BusinessCalendar;
use crate::calendar::business_time::{check_unix, to_datetime};
use crate::calendar::compiled::{MAX_UNIX, MIN_UNIX};
use crate::calendar::error::CalendarError;

/// How to place callback windows in a customer's working blocks.
///
/// A working block is a maximal stretch of working time (adjacent intervals
/// merge). Its window is the block without its first `lead_margin` and its
/// last `tail_margin`; blocks no longer than both margins together get no
/// window. Windows are searched up to `horizon` after the start (default
/// 366 days) and never end after it.
///
/// With the default 30-minute margins, 09:00-12:00 and 13:00-17:00 give
/// 09:30-11:30 and 13:30-16:30. (docs/domain.md quotes 13:45-16:30 from the
/// sources; one rule for every block gives 13:30. Use a larger
/// `lead_margin` to reproduce 13:45 in afternoons too.)
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use supportdesk::calendar::CallbackPolicy;
///
/// let policy = CallbackPolicy::new(Duration::from_secs(15 * 60), Duration::from_secs(45 * 60))
///     .with_horizon(Duration::from_secs(14 * 86_400));
/// assert_eq!(policy.lead_margin(), Duration::from_secs(900));
/// assert_eq!(CallbackPolicy::default().tail_margin(), Duration::from_secs(1800));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallbackPolicy {
    lead_margin: Duration,
    tail_margin: Duration,
    horizon: Duration,
}

impl Default for CallbackPolicy {
    /// 30 minutes at each end, 366-day horizon.
    fn default() -> Self {
        CallbackPolicy {
            lead_margin: Duration::from_secs(30 * 60),
            tail_margin: Duration::from_secs(30 * 60),
            horizon: Duration::from_secs(366 * 86_400),
        }
    }
}

impl CallbackPolicy {
    /// Margins at the start and at the end of each working block (whole
    /// seconds; a sub-second part is ignored), with the default horizon.
    #[must_use]
    pub fn new(lead_margin: Duration, tail_margin: Duration) -> CallbackPolicy {
        CallbackPolicy {
            lead_margin,
            tail_margin,
            ..CallbackPolicy::default()
        }
    }

    /// The same policy searching windows up to `horizon` after the start.
    #[must_use]
    pub fn with_horizon(self, horizon: Duration) -> CallbackPolicy {
        CallbackPolicy { horizon, ..self }
    }

    /// The margin kept free after each block opens.
    #[must_use]
    pub fn lead_margin(&self) -> Duration {
        self.lead_margin
    }

    /// The margin kept free before each block closes.
    #[must_use]
    pub fn tail_margin(&self) -> Duration {
        self.tail_margin
    }

    /// How far after the start windows are searched.
    #[must_use]
    pub fn horizon(&self) -> Duration {
        self.horizon
    }
}

/// A window `[start, end)` in which to call a customer back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallbackWindow {
    /// When calling may start.
    pub start: DateTime<Utc>,
    /// When calling must have stopped.
    pub end: DateTime<Utc>,
}

fn seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl BusinessCalendar {
    /// The next `count` callback windows from `from`, on this calendar taken
    /// as the customer's working calendar. If `from` is inside a window,
    /// the first window starts at `from`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] if `from` is outside the supported
    /// range.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use supportdesk::calendar::{BusinessCalendar, CallbackPolicy};
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let customer = BusinessCalendar::builder("Europe/Paris")
    ///         .weekdays("09:00", "12:00")
    ///         .weekdays("13:00", "17:00")
    ///         .build()?;
    ///     let from: DateTime<Utc> = "2026-01-05T07:00:00+01:00".parse()?;
    ///     let windows = customer.callback_windows(from, 3, &CallbackPolicy::default())?;
    ///     let shown: Vec<String> = windows
    ///         .iter()
    ///         .map(|w| format!("{}-{}", w.start.format("%a %H:%M"), w.end.format("%H:%M")))
    ///         .collect();
    ///     // 09:30-11:30 and 13:30-16:30 Paris time, shown in UTC.
    ///     assert_eq!(shown, ["Mon 08:30-10:30", "Mon 12:30-15:30", "Tue 08:30-10:30"]);
    ///     Ok(())
    /// }
    /// ```
    pub fn callback_windows(
        &self,
        from: DateTime<Utc>,
        count: usize,
        policy: &CallbackPolicy,
    ) -> Result<Vec<CallbackWindow>, CalendarError> {
        let f = check_unix(from.timestamp())?;
        let lead = seconds(policy.lead_margin);
        let tail = seconds(policy.tail_margin);
        // Looking `lead` back is enough to know whether a block holding
        // `from` started early enough; clipping it there gives the window
        // start `from`. Likewise `tail` past the horizon.
        let lo = f.saturating_sub(lead).max(MIN_UNIX);
        let horizon_end = f.saturating_add(seconds(policy.horizon)).min(MAX_UNIX);
        let hi = horizon_end.saturating_add(tail).min(MAX_UNIX);
        let mut out = Vec::new();
        let mut cursor = lo;
        while out.len() < count {
            let Some((bs, be)) = self.next_interval_unix(cursor, hi) else {
                break;
            };
            cursor = be;
            let ws = bs.saturating_add(lead).max(f);
            let we = be.saturating_sub(tail).min(horizon_end);
            if ws < we {
                out.push(CallbackWindow {
                    start: to_datetime(ws)?,
                    end: to_datetime(we)?,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, Utc, Weekday};

    use crate::calendar::{BusinessCalendar, CallbackPolicy};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn shown(w: &[super::CallbackWindow]) -> Vec<String> {
        w.iter()
            .map(|w| format!("{}/{}", w.start.to_rfc3339(), w.end.to_rfc3339()))
            .collect()
    }

    fn customer() -> BusinessCalendar {
        BusinessCalendar::builder("UTC")
            .weekdays("09:00", "12:00")
            .weekdays("13:00", "17:00")
            .build()
            .unwrap()
    }

    #[test]
    fn default_margins_give_0930_1130_and_1330_1630() {
        let w = customer()
            .callback_windows(t("2026-01-05T00:00:00Z"), 2, &CallbackPolicy::default())
            .unwrap();
        assert_eq!(
            shown(&w),
            [
                "2026-01-05T09:30:00+00:00/2026-01-05T11:30:00+00:00",
                "2026-01-05T13:30:00+00:00/2026-01-05T16:30:00+00:00"
            ]
        );
    }

    #[test]
    fn from_inside_a_window_or_a_margin() {
        let cal = customer();
        let p = CallbackPolicy::default();
        let w = cal
            .callback_windows(t("2026-01-05T10:00:00Z"), 1, &p)
            .unwrap();
        assert_eq!(
            shown(&w),
            ["2026-01-05T10:00:00+00:00/2026-01-05T11:30:00+00:00"]
        );
        // In the tail margin: next block.
        let w = cal
            .callback_windows(t("2026-01-05T11:45:00Z"), 1, &p)
            .unwrap();
        assert_eq!(
            shown(&w),
            ["2026-01-05T13:30:00+00:00/2026-01-05T16:30:00+00:00"]
        );
        // Friday evening: Monday.
        let w = cal
            .callback_windows(t("2026-01-09T16:45:00Z"), 1, &p)
            .unwrap();
        assert_eq!(
            shown(&w),
            ["2026-01-12T09:30:00+00:00/2026-01-12T11:30:00+00:00"]
        );
        assert!(
            cal.callback_windows(t("2026-01-09T16:45:00Z"), 0, &p)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn short_blocks_are_skipped_and_adjacent_intervals_merge() {
        let cal = BusinessCalendar::builder("UTC")
            .interval(Weekday::Mon, "08:00", "09:00")
            .interval(Weekday::Mon, "10:00", "11:00")
            .interval(Weekday::Mon, "11:00", "12:30")
            .build()
            .unwrap();
        let w = cal
            .callback_windows(t("2026-01-05T00:00:00Z"), 3, &CallbackPolicy::default())
            .unwrap();
        // 08:00-09:00 is exactly both margins: no window. 10:00-12:30 is one block.
        assert_eq!(
            shown(&w)[0],
            "2026-01-05T10:30:00+00:00/2026-01-05T12:00:00+00:00"
        );
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn horizon_and_margins_are_configurable() {
        let cal = BusinessCalendar::builder("UTC")
            .every_day("00:00", "24:00")
            .build()
            .unwrap();
        let p = CallbackPolicy::new(Duration::from_secs(0), Duration::from_secs(0))
            .with_horizon(Duration::from_secs(3600));
        let w = cal
            .callback_windows(t("2026-01-05T10:00:00Z"), 5, &p)
            .unwrap();
        assert_eq!(
            shown(&w),
            ["2026-01-05T10:00:00+00:00/2026-01-05T11:00:00+00:00"]
        );
        let huge = CallbackPolicy::new(Duration::MAX, Duration::MAX).with_horizon(Duration::MAX);
        assert!(
            cal.callback_windows(t("2026-01-05T10:00:00Z"), 5, &huge)
                .unwrap()
                .is_empty()
        );
        // Open once, before the window asked for.
        let closed = BusinessCalendar::builder("UTC")
            .opening(t("2020-01-01T10:00:00Z"), t("2020-01-01T11:00:00Z"))
            .build()
            .unwrap();
        assert!(
            closed
                .callback_windows(t("2026-01-05T10:00:00Z"), 5, &CallbackPolicy::default())
                .unwrap()
                .is_empty()
        );
    }
}
