//! How close in time two contacts must be to be related.

use serde::{Deserialize, Serialize};

use crate::experience::error::ExperienceError;
use crate::sla::{Calendars, TimeBasis};

/// A window after an instant: `seconds` of calendar time, or of business
/// time on a named calendar (nights, weekends and holidays do not count).
///
/// Serialised as `{"seconds": 604800, "basis": "calendar"}` or
/// `{"seconds": 144000, "basis": "business", "calendar": "support"}`.
///
/// ```
/// use supportdesk::experience::Within;
/// use supportdesk::sla::Calendars;
///
/// let week = Within::default(); // 7 calendar days
/// let calendars = Calendars::new();
/// let monday = "2026-03-02T09:00:00Z".parse()?;
/// assert!(week.contains(monday, "2026-03-09T09:00:00Z".parse()?, &calendars)?);
/// assert!(!week.contains(monday, "2026-03-09T09:00:01Z".parse()?, &calendars)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Within {
    /// The length, in seconds of the basis.
    pub seconds: i64,
    /// Calendar time, or business time on a calendar.
    #[serde(flatten)]
    pub basis: TimeBasis,
}

impl Default for Within {
    /// Seven calendar days.
    fn default() -> Self {
        Within::calendar(7 * 86_400)
    }
}

impl Within {
    /// `seconds` of calendar time.
    pub fn calendar(seconds: i64) -> Self {
        Within {
            seconds,
            basis: TimeBasis::Calendar,
        }
    }

    /// `seconds` of business time on the calendar `name`.
    pub fn business(seconds: i64, name: impl Into<String>) -> Self {
        Within {
            seconds,
            basis: TimeBasis::Business {
                calendar: name.into(),
            },
        }
    }

    /// Checks the window against the calendars it will be used with.
    ///
    /// # Errors
    /// [`ExperienceError::EmptyWindow`] for a length of 0 or less,
    /// [`ExperienceError::UnknownCalendar`] for a business basis on a
    /// calendar not in `calendars`.
    pub fn validate(&self, calendars: &Calendars) -> Result<(), ExperienceError> {
        if self.seconds <= 0 {
            return Err(ExperienceError::EmptyWindow {
                seconds: self.seconds,
            });
        }
        if let TimeBasis::Business { calendar } = &self.basis {
            if calendars.get(calendar).is_none() {
                return Err(ExperienceError::UnknownCalendar {
                    name: calendar.clone(),
                });
            }
        }
        Ok(())
    }

    /// Whether `later` is within the window after `earlier` (inclusive at
    /// both ends; `later` before `earlier` is not).
    ///
    /// # Errors
    /// As [`validate`](Self::validate), and
    /// [`ExperienceError::Calendar`] when business-time arithmetic fails.
    pub fn contains(
        &self,
        earlier: chrono::DateTime<chrono::Utc>,
        later: chrono::DateTime<chrono::Utc>,
        calendars: &Calendars,
    ) -> Result<bool, ExperienceError> {
        self.contains_unix(earlier.timestamp(), later.timestamp(), calendars)
    }

    /// [`contains`](Self::contains) on Unix seconds.
    ///
    /// # Errors
    /// As [`contains`](Self::contains).
    #[inline]
    pub fn contains_unix(
        &self,
        earlier: i64,
        later: i64,
        calendars: &Calendars,
    ) -> Result<bool, ExperienceError> {
        // (Calendar time, the usual window, answered here: a report asks
        // for every contact.)
        if let (TimeBasis::Calendar, 1..) = (&self.basis, self.seconds) {
            return Ok(later >= earlier && later.saturating_sub(earlier) <= self.seconds);
        }
        self.contains_checked(earlier, later, calendars)
    }

    /// [`contains_unix`](Self::contains_unix) with the window checked
    /// first.
    fn contains_checked(
        &self,
        earlier: i64,
        later: i64,
        calendars: &Calendars,
    ) -> Result<bool, ExperienceError> {
        self.validate(calendars)?;
        if later < earlier {
            return Ok(false);
        }
        // (`later` is not before `earlier`: a difference too large for an
        // i64 saturates, longer than any window.)
        match &self.basis {
            TimeBasis::Calendar => Ok(later.saturating_sub(earlier) <= self.seconds),
            TimeBasis::Business { calendar } => {
                // Calendar time is never shorter than business time.
                if later.saturating_sub(earlier) <= self.seconds {
                    return Ok(true);
                }
                let cal =
                    calendars
                        .get(calendar)
                        .ok_or_else(|| ExperienceError::UnknownCalendar {
                            name: calendar.clone(),
                        })?;
                let elapsed = cal.elapsed_unix(earlier, later).map_err(|source| {
                    ExperienceError::Calendar {
                        name: calendar.clone(),
                        source,
                    }
                })?;
                Ok(elapsed <= self.seconds)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessCalendar;

    fn weekdays() -> Calendars {
        let cal: BusinessCalendar = serde_json::from_str(
            r#"{"timezone": "Europe/Berlin", "weekly": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]],
                "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]}}"#,
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        Calendars::new().with("office", cal)
    }

    /// The whole range of instants: no overflow; far apart is outside
    /// (or, in business time, beyond the calendar's range: an error).
    #[test]
    fn extreme_instants() {
        let c = weekdays();
        for w in [Within::default(), Within::business(8 * 3600, "office")] {
            assert!(!matches!(w.contains_unix(i64::MIN, i64::MAX, &c), Ok(true)));
            assert!(!matches!(w.contains_unix(i64::MAX, i64::MIN, &c), Ok(true)));
        }
        assert!(
            !Within::default()
                .contains_unix(i64::MIN, i64::MAX, &c)
                .unwrap_or(true)
        );
        assert!(
            Within::default()
                .contains_unix(i64::MAX - 5, i64::MAX, &c)
                .unwrap_or(false)
        );
        // A window of no length is an error, whatever the basis.
        assert!(Within::calendar(0).contains_unix(0, 0, &c).is_err());
    }

    #[test]
    fn business_window_skips_the_weekend() {
        let c = weekdays();
        // 8 business hours: Friday 16:00 CET (15:00Z) to Monday 16:00 CET.
        let w = Within::business(8 * 3600, "office");
        let fri = 1_772_809_200; // 2026-03-06T15:00:00Z
        let mon_16 = fri + 3 * 86_400;
        assert!(w.contains_unix(fri, mon_16, &c).unwrap_or(false));
        assert!(!w.contains_unix(fri, mon_16 + 60, &c).unwrap_or(true));
        assert!(
            !Within::calendar(8 * 3600)
                .contains_unix(fri, mon_16, &c)
                .unwrap_or(true)
        );
    }

    #[test]
    fn bad_windows_are_typed_errors() {
        let c = Calendars::new();
        assert_eq!(
            Within::calendar(0).validate(&c),
            Err(ExperienceError::EmptyWindow { seconds: 0 })
        );
        assert_eq!(
            Within::business(60, "nope").validate(&c),
            Err(ExperienceError::UnknownCalendar {
                name: "nope".into()
            })
        );
    }

    #[test]
    fn serde_form() {
        let w = Within::business(3600, "office");
        let j = serde_json::to_string(&w).unwrap_or_default();
        assert_eq!(
            j,
            r#"{"seconds":3600,"basis":"business","calendar":"office"}"#
        );
        let back: Within = serde_json::from_str(&j).unwrap_or_default();
        assert_eq!(back, w);
        let d: Within = serde_json::from_str(r#"{"seconds":604800,"basis":"calendar"}"#)
            .unwrap_or_else(|_| Within::calendar(1));
        assert_eq!(d, Within::default());
    }
}
