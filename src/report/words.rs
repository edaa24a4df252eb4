//! TEMPORARY stub of the words module (replaced by the real one at merge).
#![allow(missing_docs, dead_code)]
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Lang {
    #[default]
    En,
    ZhHans,
    ZhHant,
}
impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
        })
    }
}
#[derive(Debug, Clone, Copy)]
pub enum Noun {
    Ticket,
    Answer,
    Breach,
    Contact,
    Customer,
    Agent,
    Reply,
    Score,
    Day,
    Week,
    Trait,
    Pair,
    Question,
    Article,
    Experience,
}
#[derive(Debug, Clone)]
pub struct Words {
    lang: Lang,
    tz: Tz,
}
impl Words {
    pub fn new(lang: Lang, tz: Tz) -> Self {
        Words { lang, tz }
    }
    pub fn lang(&self) -> Lang {
        self.lang
    }
    pub fn time_zone(&self) -> Tz {
        self.tz
    }
    pub fn t(&self, en: &'static str) -> &'static str {
        en
    }
    pub fn fmt(&self, en: &'static str, args: &[(&str, String)]) -> String {
        let mut s = en.to_owned();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }
    pub fn metric(&self, id: &str) -> String {
        id.replace('_', " ")
    }
    pub fn channel(&self, c: crate::Channel) -> String {
        c.as_str().to_owned()
    }
    pub fn priority(&self, p: crate::Priority) -> &'static str {
        p.as_str()
    }
    pub fn status(&self, s: crate::Status) -> &'static str {
        s.as_str()
    }
    pub fn tier(&self, name: &str) -> String {
        name.to_owned()
    }
    pub fn quadrant(&self, q: crate::insight::Quadrant) -> &'static str {
        q.name()
    }
    pub fn duration(&self, seconds: f64) -> String {
        crate::metrics::secs(seconds)
    }
    pub fn duration_short(&self, seconds: f64) -> String {
        crate::metrics::secs(seconds)
    }
    pub fn count(&self, n: u64, noun: Noun) -> String {
        format!("{n} {noun:?}s")
    }
    pub fn number(&self, n: u64) -> String {
        n.to_string()
    }
    pub fn percent(&self, share: f64) -> String {
        format!("{:.1}%", share * 100.0)
    }
    pub fn rate(&self, count: u64, of: u64) -> String {
        if of == 0 {
            "no data".into()
        } else {
            format!("{:.1}% ({count} of {of})", count as f64 * 100.0 / of as f64)
        }
    }
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .format("%a %-d %b %Y, %H:%M %Z")
            .to_string()
    }
    pub fn date(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%-d %b %Y").to_string()
    }
    pub fn period(&self, p: &crate::calendar::Period) -> String {
        p.to_string()
    }
    pub fn period_long(&self, p: &crate::calendar::Period) -> String {
        p.to_string()
    }
}
