//! Locale tags, their resolution, and the localised words and dates.

use chrono::{DateTime, Datelike, Offset, Timelike, Utc, Weekday};
use chrono_tz::{OffsetName, Tz};

use crate::model::CustomerStatus;

/// The longest locale tag accepted (BCP 47's practical maximum).
const MAX_TAG_BYTES: usize = 35;

/// Why `tag` is not a locale tag, if it is not one: `lang[-subtag]*`, 1 to
/// 35 characters, subtags of 1 to 8 ASCII letters or digits.
pub(crate) fn invalid_tag(tag: &str) -> Option<&'static str> {
    if tag.is_empty() {
        return Some("it is empty");
    }
    if tag.len() > MAX_TAG_BYTES {
        return Some("it is longer than 35 characters");
    }
    for sub in tag.split('-') {
        if sub.is_empty() {
            return Some("it has an empty subtag");
        }
        if sub.len() > 8 {
            return Some("it has a subtag longer than 8 characters");
        }
        if !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Some("a subtag has a character other than an ASCII letter or digit");
        }
    }
    None
}

/// `tag`, then its prefixes: `zh-Hant-TW`, `zh-Hant`, `zh`.
pub(crate) fn chain(tag: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(tag), |t| t.rfind('-').and_then(|i| t.get(..i)))
}

/// The language whose words and date format a text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    ZhHans,
    ZhHant,
}

impl Lang {
    /// The language of a text's locale tag: `zh-Hant*` and `zh-TW`, `zh-HK`,
    /// `zh-MO` are Traditional Chinese, other `zh*` Simplified, anything
    /// else English.
    pub(crate) fn of(tag: &str) -> Lang {
        let mut subs = tag.split('-');
        if !subs.next().is_some_and(|l| l.eq_ignore_ascii_case("zh")) {
            return Lang::En;
        }
        for sub in subs {
            if sub.eq_ignore_ascii_case("hant")
                || ["tw", "hk", "mo"]
                    .iter()
                    .any(|r| sub.eq_ignore_ascii_case(r))
            {
                return Lang::ZhHant;
            }
            if sub.eq_ignore_ascii_case("hans") {
                return Lang::ZhHans;
            }
        }
        Lang::ZhHans
    }

    /// The customer's word for a status.
    pub(crate) fn status(self, status: CustomerStatus) -> &'static str {
        use CustomerStatus::*;
        match (self, status) {
            (Lang::En, Open) => "open",
            (Lang::En, AwaitingYourReply) => "awaiting your reply",
            (Lang::En, Solved) => "solved",
            (Lang::En, Closed) => "closed",
            (Lang::ZhHans, Open) => "处理中",
            (Lang::ZhHans, AwaitingYourReply) => "等待您的回复",
            (Lang::ZhHans, Solved) => "已解决",
            (Lang::ZhHans, Closed) => "已关闭",
            (Lang::ZhHant, Open) => "處理中",
            (Lang::ZhHant, AwaitingYourReply) => "等待您的回覆",
            (Lang::ZhHant, Solved) => "已解決",
            (Lang::ZhHant, Closed) => "已關閉",
        }
    }

    /// An instant in `zone`: en `Tue 3 Mar 2026, 14:00 CET`, zh
    /// `2026年3月3日 星期二 14:00 (CET)`. The zone's abbreviation, or its
    /// offset (`+08`, `+0530`) where the zone has none.
    pub(crate) fn instant(self, at: DateTime<Utc>, zone: Tz) -> String {
        let local = at.with_timezone(&zone);
        let abbr = zone_name(&local);
        let (y, m, d) = (local.year(), local.month(), local.day());
        let (hh, mm) = (local.hour(), local.minute());
        match self {
            Lang::En => {
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                let month = MONTHS.get(local.month0() as usize).copied().unwrap_or("");
                let day = match local.weekday() {
                    Weekday::Mon => "Mon",
                    Weekday::Tue => "Tue",
                    Weekday::Wed => "Wed",
                    Weekday::Thu => "Thu",
                    Weekday::Fri => "Fri",
                    Weekday::Sat => "Sat",
                    Weekday::Sun => "Sun",
                };
                format!("{day} {d} {month} {y}, {hh:02}:{mm:02} {abbr}")
            }
            Lang::ZhHans | Lang::ZhHant => {
                let day = match local.weekday() {
                    Weekday::Mon => "一",
                    Weekday::Tue => "二",
                    Weekday::Wed => "三",
                    Weekday::Thu => "四",
                    Weekday::Fri => "五",
                    Weekday::Sat => "六",
                    Weekday::Sun => "日",
                };
                format!("{y}年{m}月{d}日 星期{day} {hh:02}:{mm:02} ({abbr})")
            }
        }
    }
}

/// The zone's abbreviation at `local` (`CET`, `CEST`), or its UTC offset
/// written as the time zone database does (`+08`, `+0530`, `-0330`).
fn zone_name(local: &DateTime<Tz>) -> String {
    if let Some(abbr) = local.offset().abbreviation() {
        return abbr.to_owned();
    }
    let secs = local.offset().fix().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.unsigned_abs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}{m:02}"),
        _ => format!("{sign}{h:02}{m:02}{s:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        for ok in ["en", "zh-Hans", "zh-Hant-TW", "de-CH-1901", "x"] {
            assert_eq!(invalid_tag(ok), None, "{ok}");
        }
        for bad in [
            "",
            "en-",
            "-en",
            "en--US",
            "en_US",
            "zh-Hänt",
            "abcdefghi",
            &"a-".repeat(20),
        ] {
            assert!(invalid_tag(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn chain_strips_subtags() {
        assert_eq!(
            chain("zh-Hant-TW").collect::<Vec<_>>(),
            ["zh-Hant-TW", "zh-Hant", "zh"]
        );
        assert_eq!(chain("en").collect::<Vec<_>>(), ["en"]);
        assert_eq!(chain("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn lang_of_tags() {
        assert_eq!(Lang::of("en-GB"), Lang::En);
        assert_eq!(Lang::of("fr"), Lang::En);
        assert_eq!(Lang::of("zh"), Lang::ZhHans);
        assert_eq!(Lang::of("zh-CN"), Lang::ZhHans);
        assert_eq!(Lang::of("ZH-hans"), Lang::ZhHans);
        assert_eq!(Lang::of("zh-Hant"), Lang::ZhHant);
        assert_eq!(Lang::of("zh-TW"), Lang::ZhHant);
        assert_eq!(Lang::of("zh-hk"), Lang::ZhHant);
    }

    #[test]
    fn instants() {
        let at: DateTime<Utc> = "2026-03-03T13:00:00Z".parse().unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(Lang::En.instant(at, berlin), "Tue 3 Mar 2026, 14:00 CET");
        assert_eq!(
            Lang::ZhHans.instant(at, berlin),
            "2026年3月3日 星期二 14:00 (CET)"
        );
        assert_eq!(
            Lang::ZhHant.instant(at, berlin),
            "2026年3月3日 星期二 14:00 (CET)"
        );
        assert_eq!(Lang::En.instant(at, Tz::UTC), "Tue 3 Mar 2026, 13:00 UTC");
        let sunday: DateTime<Utc> = "2026-03-08T01:00:00Z".parse().unwrap();
        assert_eq!(
            Lang::ZhHans.instant(sunday, "Asia/Shanghai".parse().unwrap()),
            "2026年3月8日 星期日 09:00 (CST)"
        );
    }

    #[test]
    fn numeric_zone_names() {
        let at: DateTime<Utc> = "2026-03-03T13:00:00Z".parse().unwrap();
        // The database writes these zones' abbreviations as offsets.
        let kathmandu = Lang::En.instant(at, "Asia/Kathmandu".parse().unwrap());
        assert_eq!(kathmandu, "Tue 3 Mar 2026, 18:45 +0545");
        let dubai = Lang::En.instant(at, "Asia/Dubai".parse().unwrap());
        assert_eq!(dubai, "Tue 3 Mar 2026, 17:00 +04");
    }
}
