//! Business calendars and business-time arithmetic for SLA clocks.
//!
//! A [`BusinessCalendar`] has an IANA time zone, a weekly schedule with any
//! number of intervals per weekday (overnight ones and `24:00` included),
//! holidays, one-off closures and one-off extra openings. It answers, in
//! whole seconds on `chrono::DateTime<Utc>` (or on Unix seconds, the fast
//! path): the deadline after `d` business seconds ([`BusinessCalendar::add`]),
//! the business time between two instants ([`BusinessCalendar::elapsed`]),
//! both optionally with pauses removed, whether it is open, the next
//! opening and closing, the working intervals in a range, and callback
//! windows ([`BusinessCalendar::callback_windows`]).
//!
//! # Conventions
//!
//! They are those of the `conventions` block of
//! `tests/data/business_time.json`:
//!
//! - **Business time is real time.** It is measured in elapsed UTC seconds:
//!   a 09:00-17:00 interval is 7 or 9 real hours on a day when the clocks
//!   change inside it.
//! - **Half-open intervals** `[open, close)` in local wall time. `close <=
//!   open` is an overnight interval closing the next day and owned by the
//!   weekday it opens on; so `00:00-00:00` (any `X-X`) is 24 hours, like
//!   `00:00-24:00`. `24:00` is only valid as a closing time. Intervals must
//!   not overlap anywhere in the week (an overnight Monday interval against
//!   Tuesday's early one counts).
//! - **Compatible DST rule.** Each wall-clock boundary becomes an instant
//!   on its own: a time in a spring-forward gap is read with the offset
//!   before the gap (02:30 becomes 03:30 EDT), a repeated fall-back time
//!   takes its earlier occurrence. An interval whose close resolves to no
//!   later than its open (02:30-03:00 on the spring-forward night) is empty;
//!   intervals that overlap once resolved are merged.
//! - **Holidays** remove the whole local day `[D 00:00, D+1 00:00)` (23 or
//!   25 hours on DST days), including the after-midnight part of the
//!   previous evening's overnight interval.
//! - **Precedence**: working time = ((weekly intervals − holidays) ∪
//!   extra openings) − closures. Openings beat holidays and weekly gaps;
//!   closures beat everything. Pauses given to a query are removed last.
//! - **Deadline** `add(t, d)` is the earliest instant `x >= t` with
//!   `elapsed(t, x) == d`. So a deadline that uses up an interval lands on
//!   its closing instant (see [`DeadlineRule`] to roll it to the next
//!   opening instead); `d == 0` returns `t` unchanged, even outside working
//!   hours; a start in closed time moves to the next opening before
//!   counting (`d > 0`).
//! - **Elapsed** `elapsed(a, b)` is the working time in `[a, b)`, `a <= b`.
//! - **Range**: instants from 1970-01-01T00:00:00Z to
//!   2201-01-01T00:00:00Z; beyond, a typed [`CalendarError::OutOfRange`].
//!   Time-zone rules come from `chrono-tz` (its data has no DST transitions
//!   after 2099: later years keep the last offset).
//! - **Precision**: whole seconds; sub-second parts of inputs are ignored
//!   (except that `add(t, 0)` returns `t` as given).
//!
//! # Performance
//!
//! Each UTC year is compiled once, on first use, into sorted working
//! intervals in Unix seconds with cumulative business seconds; a query is a
//! couple of binary searches (`partition_point`), plus one step per New
//! Year crossed, whatever the duration. Clones share the compiled years; the
//! calendar is `Send + Sync`.
//!
//! # Serde form
//!
//! Exactly the `calendar` object of the vectors file, plus optional
//! `openings` and `deadline_rule` (`"stay_at_closing"` or
//! `"roll_to_next_opening"`). Missing keys mean empty; unknown keys are
//! rejected; deserialization validates and reports the
//! [`CalendarError`] message. A calendar must have some working time: at
//! least one weekly interval or one extra opening (a calendar of only
//! openings is fine); `"weekly": {}` with no openings is
//! [`CalendarError::NoWorkingTime`] when it is loaded, not later.
//!
//! # Lint
//!
//! Some definitions are valid but easy to write by mistake: `09:00-09:00`
//! (24 hours, not empty), Monday-Friday `17:00-09:00` (an overnight shift,
//! where `09:00-17:00` was probably meant), an empty closure, an opening
//! that a closure cancels. [`BusinessCalendar::lint`] lists them as
//! [`CalendarLint`]s; check it where calendars are configured.
//!
//! ```json
//! {
//!   "timezone": "America/New_York",
//!   "weekly": { "mon": [["09:00", "12:00"], ["13:00", "17:30"]], "sat": [["22:00", "06:00"]] },
//!   "holidays": ["2026-12-25"],
//!   "closures": [["2026-05-05T13:00:00-04:00", "2026-05-05T15:00:00-04:00"]],
//!   "openings": [["2026-12-26T10:00:00-05:00", "2026-12-26T14:00:00-05:00"]]
//! }
//! ```
//!
//! # Example
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use supportdesk::calendar::BusinessCalendar;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let cal: BusinessCalendar = serde_json::from_str(
//!         r#"{"timezone": "America/New_York",
//!             "weekly": {"mon": [["22:00", "06:00"]], "tue": [["22:00", "06:00"]],
//!                        "wed": [["22:00", "06:00"]], "thu": [["22:00", "06:00"]],
//!                        "fri": [["22:00", "06:00"]]},
//!             "holidays": ["2026-12-25"]}"#,
//!     )?;
//!     let t = |s: &str| s.parse::<DateTime<Utc>>();
//!     // The holiday removes 00:00-06:00 of the Thursday-night shift; the
//!     // Friday-night shift runs into Saturday morning.
//!     let start = t("2026-12-24T22:00:00-05:00")?;
//!     assert_eq!(cal.add(start, 4 * 3600)?, t("2026-12-26T02:00:00-05:00")?);
//!     assert_eq!(cal.elapsed(t("2026-12-24T20:00:00-05:00")?, t("2026-12-25T08:00:00-05:00")?)?, 7200);
//!     // Zero duration outside hours: unchanged.
//!     assert_eq!(cal.add(t("2026-01-03T12:00:00-05:00")?, 0)?, t("2026-01-03T12:00:00-05:00")?);
//!     assert_eq!(serde_json::from_value::<BusinessCalendar>(serde_json::to_value(&cal)?)?, cal);
//!     Ok(())
//! }
//! ```
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod business_calendar;
mod business_time;
mod callback;
mod compiled;
mod error;
mod intervals;
mod lint;
mod marks;
mod period;
mod schedule;
mod serde_form;

pub use business_calendar::{BusinessCalendar, CacheStats, CalendarBuilder, DeadlineRule};
pub(crate) use business_time::{normalize_pauses, to_datetime};
pub use callback::{CallbackPolicy, CallbackWindow};
pub(crate) use compiled::{DaySeconds, unix_seconds};
pub use error::{CalendarError, RangeKind};
pub use intervals::{OpenIntervals, WorkingInterval};
pub use lint::CalendarLint;
pub(crate) use marks::{ClockMarks, MarkMemo};
pub use period::{Period, PeriodKind};
pub use schedule::{ParseWallTimeError, WallInterval, WallTime};
