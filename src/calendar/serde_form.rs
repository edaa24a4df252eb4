//! The serde form of a calendar: the `calendar` object of the shared
//! business-time vectors, plus `openings` and `deadline_rule`.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::business_calendar::{BusinessCalendar, DeadlineRule};
use crate::calendar::error::CalendarError;
use crate::calendar::schedule::WEEKDAYS;

type RawInterval = (String, String);

/// The weekly schedule as written: `mon` .. `sun` → `[["HH:MM", "HH:MM"]]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWeekly {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mon: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tue: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    wed: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    thu: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fri: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sat: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sun: Vec<RawInterval>,
}

impl RawWeekly {
    fn day(&self, day: Weekday) -> &[RawInterval] {
        match day {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    fn day_mut(&mut self, day: Weekday) -> &mut Vec<RawInterval> {
        match day {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// The calendar as written, before validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalendar {
    timezone: String,
    #[serde(default)]
    weekly: RawWeekly,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    closures: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    openings: Vec<RawInterval>,
    #[serde(default, skip_serializing_if = "DeadlineRule::is_default")]
    deadline_rule: DeadlineRule,
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, CalendarError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CalendarError::MalformedInstant {
            value: s.to_owned(),
        })
}

fn format_instant(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl TryFrom<RawCalendar> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(raw: RawCalendar) -> Result<Self, CalendarError> {
        let mut builder = BusinessCalendar::builder(raw.timezone);
        for day in WEEKDAYS {
            for (open, close) in raw.weekly.day(day) {
                builder = builder.interval(day, open, close);
            }
        }
        for h in &raw.holidays {
            let date = NaiveDate::parse_from_str(h, "%Y-%m-%d")
                .map_err(|_| CalendarError::MalformedDate { value: h.clone() })?;
            builder = builder.holiday(date);
        }
        for (from, to) in &raw.closures {
            builder = builder.closure(parse_instant(from)?, parse_instant(to)?);
        }
        for (from, to) in &raw.openings {
            builder = builder.opening(parse_instant(from)?, parse_instant(to)?);
        }
        builder.deadline_rule(raw.deadline_rule).build()
    }
}

impl From<BusinessCalendar> for RawCalendar {
    fn from(cal: BusinessCalendar) -> RawCalendar {
        let mut weekly = RawWeekly::default();
        for day in WEEKDAYS {
            *weekly.day_mut(day) = cal
                .intervals(day)
                .iter()
                .map(|iv| (iv.open().to_string(), iv.close().to_string()))
                .collect();
        }
        let ranges = |r: &[(DateTime<Utc>, DateTime<Utc>)]| -> Vec<RawInterval> {
            r.iter()
                .map(|(f, t)| (format_instant(f), format_instant(t)))
                .collect()
        };
        RawCalendar {
            timezone: cal.timezone().name().to_owned(),
            weekly,
            holidays: cal
                .holidays()
                .map(|d| d.format("%Y-%m-%d").to_string())
                .collect(),
            closures: ranges(cal.closures()),
            openings: ranges(cal.openings()),
            deadline_rule: cal.deadline_rule(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn malformed_holiday_and_instant() {
        let raw = |holidays: Vec<&str>, closures: Vec<(&str, &str)>| RawCalendar {
            timezone: "UTC".into(),
            weekly: RawWeekly::default(),
            holidays: holidays.into_iter().map(String::from).collect(),
            closures: closures
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect(),
            openings: vec![],
            deadline_rule: DeadlineRule::default(),
        };
        assert_eq!(
            BusinessCalendar::try_from(raw(vec!["2026-13-01"], vec![])).unwrap_err(),
            CalendarError::MalformedDate {
                value: "2026-13-01".into()
            }
        );
        assert_eq!(
            BusinessCalendar::try_from(raw(vec![], vec![("2026-01-01", "2026-01-02T00:00:00Z")]))
                .unwrap_err()
                .to_string(),
            r#"malformed instant "2026-01-01""#
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod json_tests {
    use crate::calendar::{BusinessCalendar, DeadlineRule};

    fn parse(json: &str) -> Result<BusinessCalendar, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn errors_carry_the_typed_message() {
        let err = parse(r#"{"timezone": "Mars/Olympus"}"#).unwrap_err();
        assert!(
            err.starts_with(r#"unknown time zone "Mars/Olympus""#),
            "{err}"
        );
        let err = parse(
            r#"{"timezone": "UTC", "weekly": {"tue": [["09:00","12:00"],["11:00","13:00"]]}}"#,
        )
        .unwrap_err();
        assert!(
            err.starts_with("overlapping intervals 09:00-12:00 and 11:00-13:00 on tue"),
            "{err}"
        );
        let err =
            parse(r#"{"timezone": "UTC", "weekly": {"mon": [["09:00","25:00"]]}}"#).unwrap_err();
        assert!(err.starts_with(r#"malformed time "25:00" on mon"#), "{err}");
        let err = parse(
            r#"{"timezone": "UTC", "closures": [["2026-01-02T00:00:00Z","2026-01-01T00:00:00Z"]]}"#,
        )
        .unwrap_err();
        assert!(err.starts_with("closure ends before it starts"), "{err}");
        assert!(parse(r#"{"timezone": "UTC", "weekly": {"monday": []}}"#).is_err());
        assert!(parse(r#"{"timezone": "UTC", "holiday": []}"#).is_err());
        assert!(parse(r#"{"timezone": "UTC", "weekly": {"mon": [["09:00"]]}}"#).is_err());
        assert!(parse(r#"{"weekly": {}}"#).is_err());
    }

    #[test]
    fn a_calendar_without_working_time_is_refused_at_load() {
        for json in [
            r#"{"timezone": "UTC", "weekly": {}}"#,
            r#"{"timezone": "UTC"}"#,
            r#"{"timezone": "UTC", "weekly": {"mon": []}, "holidays": ["2026-12-25"]}"#,
            r#"{"timezone": "UTC", "weekly": {}, "openings": [["2026-01-01T10:00:00Z","2026-01-01T10:00:00Z"]]}"#,
        ] {
            let err = parse(json).unwrap_err();
            assert!(
                err.starts_with(
                    "calendar has no working time: no weekly interval and no extra opening"
                ),
                "{json}: {err}"
            );
        }
        let typed: Result<BusinessCalendar, _> =
            serde_json::from_value(serde_json::json!({"timezone": "UTC", "weekly": {}}));
        assert!(typed.is_err());
        // Only extra openings: a calendar of one-off events, fine.
        let events = parse(
            r#"{"timezone": "UTC", "weekly": {}, "openings": [["2026-01-01T10:00:00Z","2026-01-01T12:00:00Z"]]}"#,
        )
        .unwrap();
        assert_eq!(events.openings().len(), 1);
    }

    #[test]
    fn round_trip_with_every_key() {
        let json = r#"{
            "timezone": "Europe/London",
            "weekly": {"mon": [["09:00","12:00"],["22:00","06:00"]], "sun": [["00:00","24:00"]]},
            "holidays": ["2026-12-25", "2026-01-01", "2026-12-25"],
            "closures": [["2026-05-05T13:00:00-04:00","2026-05-05T15:00:00-04:00"]],
            "openings": [["2026-12-26T10:00:00Z","2026-12-26T14:00:00Z"]],
            "deadline_rule": "roll_to_next_opening"
        }"#;
        let cal = parse(json).unwrap();
        assert_eq!(cal.deadline_rule(), DeadlineRule::RollToNextOpening);
        assert_eq!(cal.holidays().count(), 2);
        let out = serde_json::to_value(&cal).unwrap();
        assert_eq!(out["weekly"]["sun"][0][1], "24:00");
        assert_eq!(out["closures"][0][0], "2026-05-05T17:00:00Z");
        assert_eq!(out["holidays"][0], "2026-01-01");
        let back: BusinessCalendar = serde_json::from_value(out).unwrap();
        assert_eq!(back, cal);
        // Minimal form: a time zone and one interval.
        let bare = parse(r#"{"timezone": "UTC", "weekly": {"wed": [["10:00","11:00"]]}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"timezone":"UTC","weekly":{"wed":[["10:00","11:00"]]},"holidays":[]}"#
        );
    }
}
