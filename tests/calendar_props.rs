//! Property tests of the calendar on random calendars, against a brute-force
//! oracle that reads the wall-clock definition directly (no compiled years,
//! no prefix sums, no interval merging).

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
    Utc, Weekday,
};
use chrono_tz::Tz;
use proptest::prelude::*;
use supportdesk::calendar::{BusinessCalendar, CallbackPolicy, DeadlineRule};

const ZONES: [&str; 6] = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "UTC",
];
const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A random calendar, as plain data.
#[derive(Debug, Clone)]
struct Spec {
    zone: &'static str,
    /// (weekday index, open minute, close text minute 0..=1440, written close)
    weekly: Vec<(usize, u32, u32, String)>,
    holidays: Vec<NaiveDate>,
    closures: Vec<(i64, i64)>,
    openings: Vec<(i64, i64)>,
    /// A Unix second around which the test instants are drawn.
    base: i64,
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn rfc3339(t: i64) -> String {
    DateTime::from_timestamp(t, 0).unwrap().to_rfc3339()
}

impl Spec {
    fn tz(&self) -> Tz {
        self.zone.parse().unwrap()
    }

    fn calendar(&self) -> BusinessCalendar {
        let mut b = BusinessCalendar::builder(self.zone);
        for (day, open, _, close) in &self.weekly {
            b = b.interval(DAYS[*day], &hhmm(*open), close);
        }
        b = b.holidays(self.holidays.iter().copied());
        for &(f, t) in &self.closures {
            b = b.closure(at(f), at(t));
        }
        for &(f, t) in &self.openings {
            b = b.opening(at(f), at(t));
        }
        b.build().unwrap()
    }

    fn json(&self) -> String {
        let mut weekly = serde_json::Map::new();
        for (i, key) in KEYS.iter().enumerate() {
            let list: Vec<serde_json::Value> = self
                .weekly
                .iter()
                .filter(|w| w.0 == i)
                .map(|w| serde_json::json!([hhmm(w.1), w.3]))
                .collect();
            if !list.is_empty() {
                weekly.insert((*key).to_owned(), serde_json::Value::Array(list));
            }
        }
        let ranges = |r: &[(i64, i64)]| -> Vec<[String; 2]> {
            r.iter().map(|&(f, t)| [rfc3339(f), rfc3339(t)]).collect()
        };
        serde_json::json!({
            "timezone": self.zone,
            "weekly": weekly,
            "holidays": self.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "closures": ranges(&self.closures),
            "openings": ranges(&self.openings),
        })
        .to_string()
    }
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap()
}

// ------------------------------------------------------------------ oracle

/// Reads the definition directly: is `t` working time?
struct Oracle<'a> {
    spec: &'a Spec,
    tz: Tz,
    /// Resolved weekly intervals owned by each local date.
    days: RefCell<HashMap<NaiveDate, Vec<(i64, i64)>>>,
}

impl<'a> Oracle<'a> {
    fn new(spec: &'a Spec) -> Self {
        Oracle {
            spec,
            tz: spec.tz(),
            days: RefCell::new(HashMap::new()),
        }
    }

    /// Compatible rule, found differently from the library: in a gap, walk
    /// back minute by minute to the last wall time that exists and use its
    /// offset.
    fn resolve(&self, local: NaiveDateTime) -> i64 {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.timestamp(),
            LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
            LocalResult::None => {
                let mut probe = local;
                loop {
                    probe -= chrono::Duration::minutes(1);
                    let offset = match self.tz.from_local_datetime(&probe) {
                        LocalResult::Single(t) => t.offset().fix(),
                        LocalResult::Ambiguous(_, b) => b.offset().fix(),
                        LocalResult::None => continue,
                    };
                    return local.and_utc().timestamp() - i64::from(offset.local_minus_utc());
                }
            }
        }
    }

    fn midnight(&self, d: NaiveDate) -> i64 {
        self.resolve(d.and_hms_opt(0, 0, 0).unwrap())
    }

    fn owned_by(&self, d: NaiveDate) -> Vec<(i64, i64)> {
        if let Some(v) = self.days.borrow().get(&d) {
            return v.clone();
        }
        let wd = d.weekday().num_days_from_monday() as usize;
        let v: Vec<(i64, i64)> = self
            .spec
            .weekly
            .iter()
            .filter(|w| w.0 == wd)
            .map(|&(_, open, close, _)| {
                let o = self.resolve(d.and_hms_opt(open / 60, open % 60, 0).unwrap());
                let close_abs = if close <= open { close + 1440 } else { close };
                let cd = d + Days::new(u64::from(close_abs / 1440));
                let cm = close_abs % 1440;
                let c = self.resolve(cd.and_hms_opt(cm / 60, cm % 60, 0).unwrap());
                (o, c)
            })
            .collect();
        self.days.borrow_mut().insert(d, v.clone());
        v
    }

    fn local_date(&self, t: i64) -> NaiveDate {
        let off = self
            .tz
            .offset_from_utc_datetime(&at(t).naive_utc())
            .fix()
            .local_minus_utc();
        assert_eq!(
            off % 60,
            0,
            "offsets must be whole minutes for the minute oracle"
        );
        at(t).with_timezone(&self.tz).date_naive()
    }

    fn is_open(&self, t: i64) -> bool {
        let inside = |r: &[(i64, i64)]| r.iter().any(|&(f, to)| f <= t && t < to);
        if inside(&self.spec.closures) {
            return false;
        }
        if inside(&self.spec.openings) {
            return true;
        }
        let date = self.local_date(t);
        let holiday = self.spec.holidays.iter().any(|&h| {
            (h - date).num_days().abs() <= 1
                && self.midnight(h) <= t
                && t < self.midnight(h + Days::new(1))
        });
        if holiday {
            return false;
        }
        (-2i64..=1).any(|k| {
            let d = if k < 0 {
                date - Days::new(k.unsigned_abs())
            } else {
                date + Days::new(k as u64)
            };
            self.owned_by(d).iter().any(|&(o, c)| o <= t && t < c)
        })
    }

    /// Working seconds in [a, b), one minute at a time (the calendar's
    /// openness is constant on each UTC minute: all its boundaries are on
    /// whole minutes), one second at a time in minutes where a pause, which
    /// may be at any second, starts or ends.
    fn segments(&self, a: i64, limit: i64, pauses: &[(i64, i64)]) -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = Vec::new();
        let mut push = |lo: i64, hi: i64| match out.last_mut() {
            Some(last) if last.1 == lo => last.1 = hi,
            _ => out.push((lo, hi)),
        };
        let mut m = a.div_euclid(60) * 60;
        while m < limit {
            let (lo, hi) = (m.max(a), (m + 60).min(limit));
            if lo < hi && self.is_open(m) {
                let split = pauses
                    .iter()
                    .any(|&(f, to)| (m < f && f < m + 60) || (m < to && to < m + 60));
                if split {
                    for s in lo..hi {
                        if !pauses.iter().any(|&(f, to)| f <= s && s < to) {
                            push(s, s + 1);
                        }
                    }
                } else if !pauses.iter().any(|&(f, to)| f <= m && m < to) {
                    push(lo, hi);
                }
            }
            m += 60;
        }
        out
    }

    fn elapsed(&self, a: i64, b: i64, pauses: &[(i64, i64)]) -> i64 {
        self.segments(a, b, pauses)
            .iter()
            .map(|(lo, hi)| hi - lo)
            .sum()
    }

    /// The earliest x >= a with elapsed(a, x) == d, if it is before `limit`.
    fn add(&self, a: i64, d: i64, limit: i64, pauses: &[(i64, i64)]) -> Option<i64> {
        if d == 0 {
            return Some(a);
        }
        let mut acc = 0;
        for (lo, hi) in self.segments(a, limit, pauses) {
            if acc + (hi - lo) >= d {
                return Some(lo + (d - acc));
            }
            acc += hi - lo;
        }
        None
    }
}

// -------------------------------------------------------------- strategies

/// The DST transitions of `tz` in `year`, found by scanning.
fn transitions(tz: Tz, year: i32) -> Vec<i64> {
    let offset = |t: i64| {
        tz.offset_from_utc_datetime(&at(t).naive_utc())
            .fix()
            .local_minus_utc()
    };
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let mut out = Vec::new();
    let mut t = start;
    while t < start + 366 * 86_400 {
        let next = t + 86_400 / 4;
        if offset(t) != offset(next) {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if offset(mid) == offset(t) {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            out.push(hi);
        }
        t = next;
    }
    out
}

/// A weekly schedule on a 15-minute grid: non-overlapping in the cyclic
/// week, overnight intervals and 24:00 included. Half of the boundaries
/// are drawn near `focus` (a quarter-hour of the week: where the clocks
/// change), and half of the lengths are short, so that DST gaps and
/// overlaps cut through intervals often.
fn arb_weekly(focus: u32) -> impl Strategy<Value = Vec<(usize, u32, u32, String)>> {
    let start = prop_oneof![
        0u32..672,
        (0u32..16).prop_map(move |k| (focus + 672 + k - 8) % 672)
    ];
    let len = prop_oneof![1u32..=96, 1u32..=8];
    let random = prop::collection::vec((start, len, any::<bool>()), 0..7).prop_map(|raw| {
        let mut spans: Vec<(u32, u32, bool)> = raw;
        spans.sort();
        let mut kept: Vec<(u32, u32, bool)> = Vec::new();
        for s in spans {
            let ok_prev = kept.last().is_none_or(|p| p.0 + p.1 <= s.0);
            let wraps_first = kept
                .first()
                .is_some_and(|f| s.0 + s.1 > 672 && s.0 + s.1 - 672 > f.0);
            if ok_prev && !wraps_first {
                kept.push(s);
            }
        }
        kept.into_iter()
            .map(|(start, len, alt)| {
                let day = (start / 96) as usize;
                let open = (start % 96) * 15;
                let close_abs = open + len * 15;
                if close_abs == 1440 && alt {
                    (day, open, 1440, "24:00".to_owned())
                } else {
                    let close = close_abs % 1440;
                    (day, open, close, hhmm(close))
                }
            })
            .collect::<Vec<_>>()
    });
    let all_week = any::<bool>().prop_map(|alt| {
        (0..7)
            .map(|d| {
                (
                    d,
                    0,
                    if alt { 1440 } else { 0 },
                    if alt { "24:00".into() } else { "00:00".into() },
                )
            })
            .collect::<Vec<_>>()
    });
    let office = Just(
        (0..5)
            .flat_map(|d| {
                [
                    (d, 540, 720, "12:00".to_owned()),
                    (d, 780, 1050, "17:30".to_owned()),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let nights = Just(
        (0..7)
            .map(|d| (d, 1320, 360, "06:00".to_owned()))
            .collect::<Vec<_>>(),
    );
    prop_oneof![6 => random, 1 => all_week, 1 => office, 1 => nights]
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    (
        0usize..ZONES.len(),
        1995i32..2035,
        prop::bool::weighted(0.75),
        any::<prop::sample::Index>(),
        0i64..365 * 86_400,
    )
        .prop_flat_map(|(z, year, near_dst, pick, offset)| {
            let zone = ZONES[z];
            let tz: Tz = zone.parse().unwrap();
            let found = transitions(tz, year);
            let year_start = NaiveDate::from_ymd_opt(year, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp();
            let base = if near_dst && !found.is_empty() {
                found[pick.index(found.len())]
            } else {
                year_start + offset
            };
            let base_date = at(base).date_naive();
            let before = at(base - 1).with_timezone(&tz).naive_local();
            let focus = before.weekday().num_days_from_monday() * 96
                + (before.hour() * 60 + before.minute()) / 15;
            (
                Just(zone),
                Just(base),
                arb_weekly(focus),
                prop::collection::vec(-3i64..20, 0..4).prop_map(move |ds| {
                    ds.into_iter()
                        .map(|k| {
                            if k < 0 {
                                base_date - Days::new(k.unsigned_abs())
                            } else {
                                base_date + Days::new(k as u64)
                            }
                        })
                        .collect::<Vec<_>>()
                }),
                prop::collection::vec((-4000i64..8000, 1i64..3000), 0..3),
                prop::collection::vec((-4000i64..8000, 1i64..3000), 0..3),
            )
        })
        .prop_map(|(zone, base, weekly, holidays, closures, openings)| {
            let minute = base.div_euclid(60) * 60;
            let ranges = |r: Vec<(i64, i64)>| -> Vec<(i64, i64)> {
                r.into_iter()
                    .map(|(o, l)| (minute + o * 60, minute + (o + l) * 60))
                    .collect()
            };
            Spec {
                zone,
                weekly,
                holidays,
                closures: ranges(closures),
                openings: ranges(openings),
                base,
            }
        })
        // A calendar without any working time does not build.
        .prop_filter("no working time", |s| {
            !s.weekly.is_empty() || !s.openings.is_empty()
        })
}

/// Pauses near `base`, unsorted and possibly overlapping, at any second.
fn arb_pauses() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-3 * 86_400i64..5 * 86_400, 0i64..2 * 86_400), 0..4)
}

fn shift(p: &[(i64, i64)], base: i64) -> Vec<(i64, i64)> {
    p.iter().map(|&(o, l)| (base + o, base + o + l)).collect()
}

/// `cases`, times `CALENDAR_PROPTEST_SCALE` if set (for long local runs).
fn config(cases: u32) -> ProptestConfig {
    let scale = std::env::var("CALENDAR_PROPTEST_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1);
    ProptestConfig {
        cases: cases.saturating_mul(scale),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// -------------------------------------------------------------- properties

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn add_then_elapsed_gives_the_duration(
        spec in arb_spec(),
        off in -2 * 86_400i64..2 * 86_400,
        d in prop_oneof![0i64..7200, 0i64..1_800_000],
    ) {
        let cal = spec.calendar();
        let a = spec.base + off;
        let x = cal.add_unix(a, d);
        prop_assume!(x.is_ok() || spec.weekly.is_empty());
        let Ok(x) = x else { return Ok(()) };
        prop_assert!(x >= a);
        prop_assert_eq!(cal.elapsed_unix(a, x).unwrap(), d);
        if d > 0 {
            // Earliest: one second less is one business second short.
            prop_assert_eq!(cal.elapsed_unix(a, x - 1).unwrap(), d - 1);
        } else {
            prop_assert_eq!(x, a);
        }
    }

    #[test]
    fn add_is_monotonic_in_the_duration(
        spec in arb_spec(),
        off in -2 * 86_400i64..2 * 86_400,
        d1 in 0i64..400_000,
        extra in 0i64..400_000,
    ) {
        let cal = spec.calendar();
        let a = spec.base + off;
        prop_assume!(!spec.weekly.is_empty());
        let x1 = cal.add_unix(a, d1).unwrap();
        let x2 = cal.add_unix(a, d1 + extra).unwrap();
        prop_assert!(x1 <= x2, "add({a}, {d1}) = {x1} > add({a}, {}) = {x2}", d1 + extra);
    }

    #[test]
    fn elapsed_is_additive(
        spec in arb_spec(),
        pauses in arb_pauses(),
        mut cuts in prop::collection::vec(-40 * 86_400i64..400 * 86_400, 3),
    ) {
        let cal = spec.calendar();
        cuts.sort();
        let [a, b, c] = [spec.base + cuts[0], spec.base + cuts[1], spec.base + cuts[2]];
        let ab = cal.elapsed_unix(a, b).unwrap();
        let bc = cal.elapsed_unix(b, c).unwrap();
        prop_assert_eq!(ab + bc, cal.elapsed_unix(a, c).unwrap());
        prop_assert!(ab <= b - a);
        let p = shift(&pauses, spec.base);
        let pab = cal.elapsed_unix_with_pauses(a, b, &p).unwrap();
        let pbc = cal.elapsed_unix_with_pauses(b, c, &p).unwrap();
        prop_assert_eq!(pab + pbc, cal.elapsed_unix_with_pauses(a, c, &p).unwrap());
        prop_assert!(pab <= ab);
    }

}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn matches_the_brute_force_oracle(
        spec in arb_spec(),
        pauses in arb_pauses(),
        off in -26 * 3600i64..3600,
        len in 0i64..40 * 3600,
        d_frac in 0.0f64..1.0,
        probes in prop::collection::vec(0i64..3 * 86_400, 8),
    ) {
        let cal = spec.calendar();
        let oracle = Oracle::new(&spec);
        let a = spec.base + off;
        let b = a + len;
        let p = shift(&pauses, spec.base);

        let plain = oracle.elapsed(a, b, &[]);
        prop_assert_eq!(cal.elapsed_unix(a, b).unwrap(), plain, "elapsed({}, {})", a, b);
        let paused = oracle.elapsed(a, b, &p);
        prop_assert_eq!(cal.elapsed_unix_with_pauses(a, b, &p).unwrap(), paused);

        // A duration that fits in the window, so the oracle finds it.
        let d = (plain as f64 * d_frac) as i64;
        let expected = oracle.add(a, d, b + 60, &[]);
        prop_assert_eq!(Some(cal.add_unix(a, d).unwrap()), expected, "add({}, {})", a, d);
        let d = (paused as f64 * d_frac) as i64;
        let expected = oracle.add(a, d, b + 60, &p);
        prop_assert_eq!(Some(cal.add_unix_with_pauses(a, d, &p).unwrap()), expected);

        for probe in probes {
            let t = a + probe % (len + 1);
            prop_assert_eq!(cal.is_open_unix(t).unwrap(), oracle.is_open(t), "is_open({})", t);
            // next_opening: the oracle's first open minute from t, if any in the window.
            let expected = if oracle.is_open(t) {
                Some(t)
            } else {
                let mut m = t.div_euclid(60) * 60 + 60;
                loop {
                    if m > b { break None; }
                    if oracle.is_open(m) { break Some(m); }
                    m += 60;
                }
            };
            if let Some(e) = expected {
                prop_assert_eq!(cal.next_opening_unix(t).unwrap(), Some(e), "next_opening({})", t);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Second by second on a short range around a random instant.
    #[test]
    fn matches_the_oracle_second_by_second(
        spec in arb_spec(),
        off in -3 * 3600i64..3600,
        len in 0i64..4 * 3600,
    ) {
        let cal = spec.calendar();
        let oracle = Oracle::new(&spec);
        let a = spec.base + off;
        let mut sum = 0;
        for t in a..a + len {
            let open = oracle.is_open(t);
            sum += i64::from(open);
            prop_assert_eq!(cal.is_open_unix(t).unwrap(), open, "is_open({})", t);
        }
        prop_assert_eq!(cal.elapsed_unix(a, a + len).unwrap(), sum);
    }

    #[test]
    fn pauses_and_rolling(
        spec in arb_spec(),
        pauses in arb_pauses(),
        off in -2 * 86_400i64..2 * 86_400,
        d in 1i64..600_000,
    ) {
        prop_assume!(!spec.weekly.is_empty());
        let cal = spec.calendar();
        let a = spec.base + off;
        let p = shift(&pauses, spec.base);
        let x = cal.add_unix_with_pauses(a, d, &p).unwrap();
        prop_assert_eq!(cal.elapsed_unix_with_pauses(a, x, &p).unwrap(), d);
        prop_assert_eq!(cal.elapsed_unix_with_pauses(a, x - 1, &p).unwrap(), d - 1);

        // Rolling moves a deadline on a closing instant to the next instant
        // that is open and not paused, and never changes elapsed time.
        let roll = cal.with_deadline_rule(DeadlineRule::RollToNextOpening);
        let r = roll.add_unix_with_pauses(a, d, &p).unwrap();
        prop_assert!(r >= x);
        prop_assert_eq!(roll.elapsed_unix_with_pauses(a, r, &p).unwrap(), d);
        let paused = |t: i64| p.iter().any(|&(f, to)| f <= t && t < to);
        if r > x {
            prop_assert!(cal.is_open_unix(r).unwrap() && !paused(r));
            prop_assert!(!cal.is_open_unix(x).unwrap() || paused(x));
        }
        let r0 = roll.add_unix(a, d).unwrap();
        let x0 = cal.add_unix(a, d).unwrap();
        prop_assert_eq!(r0, cal.next_opening_unix(x0).unwrap().unwrap_or(x0));
    }

    #[test]
    fn serde_round_trip(spec in arb_spec()) {
        let from_json: BusinessCalendar = serde_json::from_str(&spec.json()).unwrap();
        let built = spec.calendar();
        prop_assert_eq!(&from_json, &built);
        let text = serde_json::to_string(&built).unwrap();
        let back: BusinessCalendar = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &built);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    #[test]
    fn callback_windows_sit_inside_blocks_with_margins(
        spec in arb_spec(),
        off in -86_400i64..86_400,
        lead in 0u64..120,
        tail in 0u64..120,
    ) {
        let cal = spec.calendar();
        let from = spec.base + off;
        let (lead, tail) = (lead * 60, tail * 60);
        let policy = CallbackPolicy::new(std::time::Duration::from_secs(lead), std::time::Duration::from_secs(tail))
            .with_horizon(std::time::Duration::from_secs(10 * 86_400));
        let windows = cal.callback_windows(at(from), 4, &policy).unwrap();
        let (lead, tail) = (lead as i64, tail as i64);
        let mut prev_end = from;
        for w in &windows {
            let (ws, we) = (w.start.timestamp(), w.end.timestamp());
            prop_assert!(ws < we && ws >= prev_end);
            // Open all the way from `lead` before (or from `from`) to `tail` after.
            let lo = if ws == from { ws } else { ws - lead };
            let hi = if we == from + 10 * 86_400 { we } else { we + tail };
            prop_assert_eq!(cal.elapsed_unix(lo, hi).unwrap(), hi - lo);
            // And the block really starts `lead` before a window that does
            // not start at `from`, and ends `tail` after it.
            if ws > from {
                prop_assert!(ws - lead == 0 || !cal.is_open_unix(ws - lead - 1).unwrap());
            }
            if we < from + 10 * 86_400 {
                prop_assert!(!cal.is_open_unix(we + tail).unwrap());
            }
            prev_end = we;
        }
    }
}
