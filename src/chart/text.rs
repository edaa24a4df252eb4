//! Text metrics and number formats shared by the SVG writer, its data
//! tables and its layout tests.
//!
//! Widths are estimates (no font is loaded): about 0.6 em a Latin
//! character, more for capitals and wide letters, 1 em for CJK and other
//! wide characters. Layout keeps a margin around every estimate.

use super::Scale;

/// Ascent of a line of text, in em, above its baseline.
pub(super) const ASCENT: f64 = 0.95;
/// Descent of a line of text, in em, below its baseline.
pub(super) const DESCENT: f64 = 0.3;

/// The estimated width of one character, in em.
fn char_em(c: char) -> f64 {
    let u = c as u32;
    if is_wide(u) {
        1.0
    } else if matches!(c, 'M' | 'W' | 'm' | 'w' | '@' | '%' | '…' | '—' | '→' | '←') {
        0.9
    } else if c.is_uppercase() {
        0.7
    } else if c.is_ascii_digit() {
        0.65
    } else {
        0.6
    }
}

/// East Asian wide and full-width ranges (CJK, kana, Hangul, full-width
/// forms, emoji): about one em.
fn is_wide(u: u32) -> bool {
    matches!(u,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD)
}

/// The estimated width of `s` at `size` px.
pub(super) fn width(s: &str, size: f64) -> f64 {
    s.chars().map(char_em).sum::<f64>() * size
}

/// `s`, cut with "…" so that it is at most `max` px wide at `size` px;
/// empty when not even "…" fits.
pub(super) fn fit(s: &str, size: f64, max: f64) -> String {
    if width(s, size) <= max {
        return s.to_owned();
    }
    let ell = width("…", size);
    if ell > max {
        return String::new();
    }
    let mut out = String::new();
    let mut w = ell;
    for c in s.chars() {
        let cw = char_em(c) * size;
        if w + cw > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    out
}

/// `s` broken into lines at most `max` px wide at `size` px (at spaces,
/// or between characters for words that do not fit, as CJK text has no
/// spaces), at most `lines` of them; the last is cut with "…" when text
/// remains.
pub(super) fn wrap(s: &str, size: f64, max: f64, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_owned()
        } else {
            format!("{cur} {word}")
        };
        if width(&candidate, size) <= max {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if width(word, size) <= max {
            cur = word.to_owned();
        } else {
            for c in word.chars() {
                let mut next = cur.clone();
                next.push(c);
                if !cur.is_empty() && width(&next, size) > max {
                    out.push(std::mem::take(&mut cur));
                    cur.push(c);
                } else {
                    cur = next;
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    let lines = lines.max(1);
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(fit(&rest, size, max));
    }
    out.retain(|l| !l.is_empty());
    out
}

/// A finite value to draw, clamped to ±1e15 (so that arithmetic on it
/// stays finite); `None` for NaN and infinities.
pub(super) fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite()).map(|x| x.clamp(-1e15, 1e15))
}

/// An integer with thousands separators ("12,345").
pub(super) fn thousands(v: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A duration in seconds in words: "45m", "2h 10m", "1d 4h", "30s".
pub(super) fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".to_owned();
    }
    #[allow(clippy::cast_possible_truncation)]
    let s = secs.round() as i64;
    let sign = if s < 0 { "-" } else { "" };
    let s = s.unsigned_abs();
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    let body = if s == 0 {
        "0".to_owned()
    } else if s < 60 {
        format!("{s}s")
    } else if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{h}h")
        }
    } else {
        format!("{m}m")
    };
    format!("{sign}{body}")
}

/// A value in words on its scale, for data tables and labels.
pub(super) fn value(scale: Scale, v: f64) -> String {
    if !v.is_finite() {
        return "-".to_owned();
    }
    match scale {
        Scale::Count => {
            if (v - v.round()).abs() < 1e-9 {
                thousands(v)
            } else {
                let whole = thousands(v.trunc());
                let tenth = format!("{:.1}", v.abs().fract());
                format!("{whole}{}", tenth.trim_start_matches('0'))
            }
        }
        Scale::Duration => duration(v),
        Scale::Share => format!("{:.1}%", v * 100.0),
        Scale::Score { .. } => format!("{v:.2}"),
    }
}

/// The next "nice" step (1, 2, 2.5 or 5 times a power of ten) at least
/// `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let exp = 10f64.powf(raw.log10().floor());
    let f = raw / exp;
    let m = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| *m >= f - 1e-9)
        .unwrap_or(10.0);
    m * exp
}

/// An axis: its range and ticks with their labels.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Axis {
    /// The lowest value drawn.
    pub(super) lo: f64,
    /// The highest value drawn.
    pub(super) hi: f64,
    /// The ticks: value and label.
    pub(super) ticks: Vec<(f64, String)>,
}

impl Axis {
    /// Where `v` sits on the axis, 0 to 1 (clamped).
    pub(super) fn frac(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if !(span.is_finite() && span > 0.0 && v.is_finite()) {
            return 0.0;
        }
        ((v - self.lo) / span).clamp(0.0, 1.0)
    }

    /// The widest tick label at `size` px.
    pub(super) fn label_width(&self, size: f64) -> f64 {
        self.ticks
            .iter()
            .map(|(_, l)| width(l, size))
            .fold(0.0, f64::max)
    }
}

/// Durations a time axis steps by: 15m, 30m, 1h, 2h, 4h, 8h, 12h, 1d, 2d,
/// 7d.
const DURATION_STEPS: [f64; 10] = [
    900.0, 1800.0, 3600.0, 7200.0, 14_400.0, 28_800.0, 43_200.0, 86_400.0, 172_800.0, 604_800.0,
];

/// An axis for values from `lo` to `hi` (data and references, finite) on
/// `scale`, with at most `max_ticks` ticks (2 to 5; 3 to 5 as a rule).
pub(super) fn axis(scale: Scale, lo: f64, hi: f64, max_ticks: usize) -> Axis {
    let intervals = max_ticks.clamp(2, 5) - 1;
    #[allow(clippy::cast_precision_loss)]
    let parts = intervals as f64;
    let (lo, hi) = (
        if lo.is_finite() { lo } else { 0.0 },
        if hi.is_finite() { hi } else { 0.0 },
    );
    let (mut lo, mut hi, step) = match scale {
        Scale::Score { min, max } => {
            let (min, max) = if min.is_finite() && max.is_finite() && min < max {
                (min, max)
            } else {
                (1.0, 5.0)
            };
            let lo = lo.min(min).floor();
            let hi = hi.max(max).ceil();
            let step = nice_step((hi - lo) / parts).max(1.0).ceil();
            (lo, hi, step)
        }
        Scale::Duration => {
            let (lo, hi) = (lo.min(0.0), hi.max(0.0));
            let span = hi - lo;
            let step = DURATION_STEPS
                .into_iter()
                .find(|s| span / s <= parts + 1e-9)
                .unwrap_or_else(|| 604_800.0 * nice_step(span / parts / 604_800.0).ceil());
            (lo, hi, step)
        }
        Scale::Count => {
            let (lo, hi) = (lo.min(0.0), hi.max(0.0));
            let step = nice_step((hi - lo) / parts).max(1.0);
            (lo, hi, step)
        }
        Scale::Share => {
            let (lo, hi) = (lo.min(0.0), hi.max(0.0));
            let step = nice_step(((hi - lo) / parts).max(0.0001));
            (lo, hi, step)
        }
    };
    // Snap the range to whole steps (at least one).
    if !matches!(scale, Scale::Score { .. }) {
        lo = (lo / step).floor() * step;
        hi = (hi / step).ceil() * step;
    } else {
        hi = lo + ((hi - lo) / step).ceil() * step;
    }
    if hi <= lo {
        hi = lo + step;
    }
    let n = ((hi - lo) / step).round().clamp(1.0, 10.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = n as usize;
    let ticks = (0..=n)
        .map(|i| {
            #[allow(clippy::cast_precision_loss)]
            let v = lo + step * i as f64;
            (v, tick_label(scale, v, step))
        })
        .collect();
    Axis { lo, hi, ticks }
}

/// A tick label on `scale` for ticks `step` apart.
fn tick_label(scale: Scale, v: f64, step: f64) -> String {
    match scale {
        Scale::Count => thousands(v),
        Scale::Duration => duration(v),
        Scale::Share => {
            let pct = v * 100.0;
            if (step * 100.0 - (step * 100.0).round()).abs() < 1e-9 {
                format!("{pct:.0}%")
            } else if (step * 1000.0 - (step * 1000.0).round()).abs() < 1e-9 {
                format!("{pct:.1}%")
            } else {
                format!("{pct:.2}%")
            }
        }
        Scale::Score { .. } => format!("{v:.0}"),
    }
}

/// The WCAG relative luminance of a `#rrggbb` colour.
pub(super) fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let v = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, |b| f64::from(b) / 255.0);
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/// The WCAG contrast ratio of two `#rrggbb` colours.
pub(super) fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}
