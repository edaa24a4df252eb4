//! Instants near the ends of chrono's range, read in a time zone without
//! panicking.
//!
//! `DateTime::with_timezone(..).date_naive()` and friends panic when the
//! local time falls outside the range chrono can represent (for instance
//! [`DateTime::<Utc>::MAX_UTC`] in a zone east of UTC). Every local reading
//! of an instant from input goes through here instead and saturates: a
//! local time past the end of the range reads as the end of the range.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The local date and time of `at` in `tz`; [`NaiveDateTime::MIN`] or
/// [`NaiveDateTime::MAX`] when it is outside chrono's range.
pub(crate) fn local_datetime(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    let utc = at.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset)
        .unwrap_or(if offset.local_minus_utc() < 0 {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        })
}

/// The local date of `at` in `tz`; [`NaiveDate::MIN`] or [`NaiveDate::MAX`]
/// when it is outside chrono's range.
pub(crate) fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    local_datetime(at, tz).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ends_of_the_range_saturate() {
        let east = chrono_tz::Pacific::Kiritimati;
        let west = chrono_tz::Pacific::Pago_Pago;
        assert_eq!(local_date(DateTime::<Utc>::MAX_UTC, east), NaiveDate::MAX);
        assert_eq!(local_date(DateTime::<Utc>::MIN_UTC, west), NaiveDate::MIN);
        // Inside the range, the ordinary reading.
        assert_eq!(
            local_datetime(DateTime::<Utc>::MAX_UTC, west),
            DateTime::<Utc>::MAX_UTC.with_timezone(&west).naive_local()
        );
        let at: DateTime<Utc> = "2026-03-08T23:30:00Z".parse().unwrap_or_default();
        assert_eq!(local_date(at, east), at.with_timezone(&east).date_naive());
    }
}
