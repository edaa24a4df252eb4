//! Inline SVG charts: plain shapes and text, no scripts, no external
//! references. Every piece of text goes through
//! [`escape::markup`](crate::escape::markup).

use std::fmt::Write as _;

use crate::Channel;
use crate::escape::markup as esc;
use crate::insight::maturity::MaturityReport;
use crate::metrics::{BinCount, CsatFigures};
use crate::sla::human;

const W: f64 = 640.0;
const INK: &str = "#1f2933";
const MUTED: &str = "#7b8794";
const BAR: &str = "#3e7cb1";
const WARN: &str = "#d64545";
const GRID: &str = "#e4e7eb";

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart" width="{W}" height="{height}" viewBox="0 0 {W} {height}" font-family="system-ui, sans-serif" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
        esc(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, size: u32, fill: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{}</text>"#,
        esc(s)
    );
}

fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str) {
    let _ = write!(
        out,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
        w.max(0.0),
        h.max(0.0)
    );
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, dashed: bool) {
    let dash = if dashed {
        r#" stroke-dasharray="4 3""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="1.5"{dash}/>"#
    );
}

/// A column chart of a distribution over bins, with an optional target
/// marker (seconds, placed proportionally inside its bin).
pub(crate) fn distribution(
    id: &str,
    title: &str,
    bins: &[BinCount],
    target: Option<u64>,
) -> String {
    let h = 270.0;
    let (left, right, top, bottom) = (40.0, 10.0, 44.0, 50.0);
    let mut out = String::new();
    open(&mut out, id, title, h);
    text(&mut out, left, 18.0, "start", 13, INK, title);
    let n = bins.len().max(1) as f64;
    let bw = (W - left - right) / n;
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let plot = h - top - bottom;
    line(
        &mut out,
        left,
        h - bottom,
        W - right,
        h - bottom,
        GRID,
        false,
    );
    for (i, b) in bins.iter().enumerate() {
        let x = left + i as f64 * bw;
        let bh = plot * b.count as f64 / max;
        rect(&mut out, x + 4.0, h - bottom - bh, bw - 8.0, bh, BAR);
        text(
            &mut out,
            x + bw / 2.0,
            h - bottom - bh - 4.0,
            "middle",
            11,
            INK,
            &b.count.to_string(),
        );
        text(
            &mut out,
            x + bw / 2.0,
            h - bottom + 16.0,
            "middle",
            10,
            MUTED,
            &b.label,
        );
    }
    if let Some(t) = target {
        let i = bins
            .iter()
            .position(|b| t >= b.from && b.to.is_none_or(|to| t < to))
            .unwrap_or(0);
        let frac = bins
            .get(i)
            .and_then(|b| {
                b.to.map(|to| (t - b.from) as f64 / (to - b.from).max(1) as f64)
            })
            .unwrap_or(0.0);
        let x = left + (i as f64 + frac) * bw;
        line(&mut out, x, top - 6.0, x, h - bottom, WARN, true);
        text(
            &mut out,
            x + 4.0,
            top + 4.0,
            "start",
            11,
            WARN,
            &format!("target {}", human(t as i64)),
        );
    }
    text(
        &mut out,
        left,
        h - 10.0,
        "start",
        10,
        MUTED,
        "tickets per bin",
    );
    out.push_str("</svg>");
    out
}

/// One bar of [`bars`]: its label, its length as a share of the scale (0
/// to 1), the text after it, and whether to draw it in the warning colour.
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) share: f64,
    pub(crate) text: String,
    pub(crate) warn: bool,
}

/// Horizontal bars, one per row, on a scale with `ticks` (each a share of
/// the scale, 0 to 1, and its label); `empty` is written when there are
/// no rows.
pub(crate) fn bars(
    id: &str,
    title: &str,
    ticks: &[(f64, String)],
    rows: &[Bar],
    empty: &str,
) -> String {
    let row_h = 26.0;
    // Room for the longest label (about 7 px a character at 12 px), from
    // 150 to 300 px.
    let longest = rows
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * 7.0 + 16.0).clamp(150.0, 300.0);
    let top = 34.0;
    let h = top + row_h * rows.len().max(1) as f64 + 24.0;
    let width = W - left - 240.0;
    let mut out = String::new();
    open(&mut out, id, title, h);
    text(&mut out, 10.0, 18.0, "start", 13, INK, title);
    for (at, label) in ticks {
        let x = left + width * at.clamp(0.0, 1.0);
        line(&mut out, x, top - 4.0, x, h - 24.0, GRID, false);
        text(&mut out, x, h - 10.0, "middle", 10, MUTED, label);
    }
    if rows.is_empty() {
        text(&mut out, left, top + 16.0, "start", 12, MUTED, empty);
    }
    for (i, b) in rows.iter().enumerate() {
        let y = top + i as f64 * row_h;
        let share = if b.share.is_finite() {
            b.share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let fill = if b.warn { WARN } else { BAR };
        text(&mut out, left - 8.0, y + 15.0, "end", 12, INK, &b.label);
        rect(&mut out, left, y + 3.0, width * share, row_h - 8.0, fill);
        text(
            &mut out,
            left + width * share + 6.0,
            y + 15.0,
            "start",
            11,
            INK,
            &b.text,
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars of mean CSAT (1-5) per channel.
pub(crate) fn csat_per_channel(id: &str, title: &str, rows: &[(Channel, CsatFigures)]) -> String {
    let ticks: Vec<(f64, String)> = (1..=5)
        .map(|s| (f64::from(s) / 5.0, s.to_string()))
        .collect();
    let rows: Vec<Bar> = rows
        .iter()
        .map(|(c, f)| {
            let mean = f.mean.unwrap_or(0.0);
            Bar {
                label: c.as_str().to_owned(),
                share: mean / 5.0,
                text: format!(
                    "{mean:.2} ({} answers, {} satisfied)",
                    f.responses,
                    f.satisfied.percent()
                ),
                warn: mean < 3.5,
            }
        })
        .collect();
    bars(id, title, &ticks, &rows, "no answers yet")
}

/// Ticks at 0, 25, 50, 75 and 100% for [`bars`] of shares.
pub(crate) fn percent_ticks() -> Vec<(f64, String)> {
    (0..=4)
        .map(|q| (f64::from(q) / 4.0, format!("{}%", q * 25)))
        .collect()
}

/// Columns of mean CSAT per first-response bin, with the speed threshold.
pub(crate) fn csat_by_response(
    id: &str,
    title: &str,
    rows: &[(String, Option<f64>, u64)],
    threshold_after: Option<usize>,
) -> String {
    let h = 250.0;
    let (left, right, top, bottom) = (40.0, 10.0, 44.0, 50.0);
    let mut out = String::new();
    open(&mut out, id, title, h);
    text(&mut out, left, 18.0, "start", 13, INK, title);
    let bw = (W - left - right) / rows.len().max(1) as f64;
    let plot = h - top - bottom;
    line(
        &mut out,
        left,
        h - bottom,
        W - right,
        h - bottom,
        GRID,
        false,
    );
    for (i, (label, mean, n)) in rows.iter().enumerate() {
        let x = left + i as f64 * bw;
        if let Some(m) = mean {
            let bh = plot * m / 5.0;
            rect(&mut out, x + 4.0, h - bottom - bh, bw - 8.0, bh, BAR);
            text(
                &mut out,
                x + bw / 2.0,
                h - bottom - bh - 4.0,
                "middle",
                11,
                INK,
                &format!("{m:.2}"),
            );
        }
        text(
            &mut out,
            x + bw / 2.0,
            h - bottom + 16.0,
            "middle",
            10,
            MUTED,
            label,
        );
        text(
            &mut out,
            x + bw / 2.0,
            h - bottom + 30.0,
            "middle",
            9,
            MUTED,
            &format!("n={n}"),
        );
    }
    if let Some(i) = threshold_after {
        let x = left + (i as f64 + 1.0) * bw;
        line(&mut out, x, top - 6.0, x, h - bottom, WARN, true);
        text(
            &mut out,
            x + 4.0,
            top + 4.0,
            "start",
            11,
            WARN,
            "speed threshold",
        );
    }
    out.push_str("</svg>");
    out
}

/// The tiers of the model as a scale of 0 to 7 traits, with the
/// organisation's position.
pub(crate) fn maturity(id: &str, title: &str, m: &MaturityReport) -> String {
    let h = 130.0;
    let (left, right, top) = (20.0, 20.0, 40.0);
    let slot = (W - left - right) / 8.0;
    let palette = ["#f0b429", "#8bc34a", "#3ebd93", "#2680c2"];
    let mut out = String::new();
    open(&mut out, id, title, h);
    text(&mut out, left, 18.0, "start", 13, INK, title);
    for (i, t) in m.tiers.iter().enumerate() {
        let (name, lo, hi) = (&t.name, t.min_traits.min(7), t.max_traits.min(7));
        let x = left + f64::from(lo) * slot;
        let w = f64::from(hi.saturating_sub(lo) + 1) * slot;
        let fill = palette.get(i % palette.len()).copied().unwrap_or(BAR);
        rect(&mut out, x, top, w - 2.0, 34.0, fill);
        text(&mut out, x + w / 2.0, top + 21.0, "middle", 12, INK, name);
    }
    for n in 0..=7u8 {
        text(
            &mut out,
            left + (f64::from(n) + 0.5) * slot,
            top + 50.0,
            "middle",
            10,
            MUTED,
            &n.to_string(),
        );
    }
    let x = left + (f64::from(m.held.min(7)) + 0.5) * slot;
    let _ = write!(
        out,
        r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{INK}"/>"#,
        x - 7.0,
        top - 12.0,
        x + 7.0,
        top - 12.0,
        x,
        top - 2.0
    );
    text(
        &mut out,
        (x + 12.0).min(W - 200.0),
        top - 14.0,
        "start",
        11,
        INK,
        &format!("{}: {} of 7 traits", m.tier.name, m.held),
    );
    text(
        &mut out,
        left,
        h - 8.0,
        "start",
        10,
        MUTED,
        &format!("{} tiers by traits held", m.model),
    );
    out.push_str("</svg>");
    out
}
