//! The SVG writer: one function per kind of chart, on a [`Canvas`].
//!
//! How each kind keeps its text apart:
//!
//! - every kind: the title wraps onto two lines at most; every label is
//!   fitted to the room it has ("…"); text the layout calls optional (a
//!   value over a column, an x label, a bubble label) is written only
//!   where it overlaps no text already written and stays inside the
//!   picture ([`Canvas::try_text`]), and the picture grows to the lowest
//!   text.
//! - Lines: every k-th x label (k from the widest label and the spacing),
//!   a legend that wraps onto more rows, reference labels stacked at
//!   least one line apart inside the plot.
//! - Bars: a label column sized to the longest label (wrapped onto two
//!   lines, then cut), the text after the bar, inside its end (white on
//!   blue) or on a line of its own below when it would run past the edge.
//! - Columns: labels under the columns, rotated −35° and thinned out when
//!   they do not fit flat; values over columns only where they fit;
//!   marker labels in lanes above the plot, a lane per clash.
//! - Quadrants: quadrant names in a strip of their own; bubbles and their
//!   labels pushed apart by [`spread`] inside their quadrants; a label
//!   that still clashes is left out (the bubble's tooltip and the data
//!   table keep it).
//! - Tiers: band names cut to their block, step numbers thinned, the
//!   caption flipped to the left of the marker near the right edge.

use std::fmt::Write as _;

use super::canvas::{
    Anchor, BETTER, BOLD, Canvas, GRID, INK, MUTED, NORMAL, SERIES, SMALL, Text, WORSE, c,
};
use super::text::{self, Axis, axis, contrast, finite, fit, width, wrap};
use super::{Bars, Chart, ChartKind, Columns, Emphasis, Lines, Quadrant, Quadrants, Tiers};
use crate::escape::markup as esc;

/// Outer padding.
const PAD: f64 = 8.0;
/// Title size.
const TITLE: f64 = 13.0;
/// Label size.
const LABEL: f64 = 11.0;
/// Tick and small text size.
const SMALL_TEXT: f64 = 10.0;

/// The chart as an `<svg>` `width` px wide (200 to 2000).
pub(super) fn draw(chart: &Chart, width: f64, background: bool) -> String {
    let w = if width.is_finite() {
        width.clamp(200.0, 2000.0)
    } else {
        640.0
    };
    let mut cv = Canvas::new(w);
    let top = title(&mut cv, &chart.title);
    let id = chart.id.as_str();
    let height = match &chart.kind {
        ChartKind::Lines(l) => lines(&mut cv, l, top),
        ChartKind::Bars(b) => bars(&mut cv, id, b, top),
        ChartKind::Columns(col) => columns(&mut cv, id, col, top),
        ChartKind::Quadrants(q) => quadrants(&mut cv, q, top),
        ChartKind::Tiers(t) => tiers(&mut cv, t, top),
    };
    cv.finish(id, &chart.title, &chart.summary, height, background)
}

/// Writes the title (two lines at most); the y under it.
fn title(cv: &mut Canvas, title: &str) -> f64 {
    let lines = wrap(title, TITLE * BOLD, cv.w - 2.0 * PAD, 2);
    let mut y = 4.0;
    for l in &lines {
        y += 17.0;
        cv.text(&Text::new(PAD, y - 3.0, Anchor::Start, TITLE, INK, l).bold());
    }
    y + 6.0
}

/// The fill of a mark: a colour, or the hatch for a small sample.
fn fill(id: &str, e: Emphasis) -> String {
    match e {
        Emphasis::Worse => WORSE.to_owned(),
        Emphasis::Better => BETTER.to_owned(),
        Emphasis::SmallSample => format!("url(#{}-hatch)", esc(id)),
        _ => NORMAL.to_owned(),
    }
}

/// The hatch pattern for small samples, its id prefixed by the chart's.
fn hatch(cv: &mut Canvas, id: &str) {
    cv.raw(&format!(
        r##"<defs><pattern id="{}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{SMALL}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>"##,
        esc(id)
    ));
}

/// A label centred at `x`, moved inward so that it stays inside the
/// canvas.
fn centred_x(cv: &Canvas, x: f64, w: f64) -> f64 {
    let half = w / 2.0 + 2.0;
    if cv.w - 2.0 * half <= 0.0 {
        cv.w / 2.0
    } else {
        x.clamp(half, cv.w - half)
    }
}

/// Y ticks and grid for a vertical value axis; the labels right-aligned
/// at `left - 5`.
fn y_axis(cv: &mut Canvas, ax: &Axis, left: f64, right: f64, top: f64, bottom: f64) {
    for (v, label) in &ax.ticks {
        let y = bottom - ax.frac(*v) * (bottom - top);
        cv.line((left, y), (right, y), GRID, false);
        cv.try_text(&Text::new(
            left - 5.0,
            y + 3.5,
            Anchor::End,
            SMALL_TEXT,
            MUTED,
            label,
        ));
    }
}

/// The line chart; its height.
fn lines(cv: &mut Canvas, l: &Lines, top: f64) -> f64 {
    let w = cv.w;
    let mut y = top;
    // Legend: swatch and name, wrapping onto more rows.
    if !l.series.is_empty() {
        let mut x = PAD;
        let mut row_y = y + 11.0;
        for (i, s) in l.series.iter().enumerate() {
            let name = fit(&s.name, LABEL, w - 2.0 * PAD - 22.0);
            let item = 20.0 + width(&name, LABEL) + 12.0;
            if x > PAD && x + item > w - PAD {
                x = PAD;
                row_y += 15.0;
            }
            let colour = SERIES[i % SERIES.len()];
            cv.raw(&format!(
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2.5"{}/>"#,
                c(x),
                c(row_y - 4.0),
                c(x + 16.0),
                c(row_y - 4.0),
                if s.dashed {
                    r#" stroke-dasharray="4 2""#
                } else {
                    ""
                }
            ));
            cv.text(&Text::new(
                x + 20.0,
                row_y,
                Anchor::Start,
                LABEL,
                INK,
                &name,
            ));
            x += item;
        }
        y = row_y + 6.0;
    }
    let plot_top = y + 12.0;
    // The value range: every finite value and reference.
    let values = l
        .series
        .iter()
        .flat_map(|s| s.values.iter().map(|v| finite(*v)))
        .chain(l.references.iter().map(|r| finite(Some(r.value))))
        .flatten();
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let ax = axis(l.scale, lo, hi, 5);
    let left = PAD + ax.label_width(SMALL_TEXT) + 8.0;
    let right = w - PAD;
    let ph = (w * 0.4).clamp(120.0, 220.0);
    let bottom = plot_top + ph;
    y_axis(cv, &ax, left, right, plot_top, bottom);
    cv.line((left, bottom), (right, bottom), MUTED, false);
    let pw = right - left;
    let n = l.x.len();
    #[allow(clippy::cast_precision_loss)]
    let step = pw / n.max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let x_of = |i: usize| left + (i as f64 + 0.5) * step;
    let y_of = |v: f64| bottom - ax.frac(v) * ph;
    // References: dashed lines first (under the series).
    let mut refs: Vec<(f64, String)> = l
        .references
        .iter()
        .filter_map(|r| {
            finite(Some(r.value)).map(|v| (y_of(v), fit(&r.label, SMALL_TEXT, pw * 0.6)))
        })
        .collect();
    for (ry, _) in &refs {
        cv.line((left, *ry), (right, *ry), MUTED, true);
    }
    // Series: polylines split at gaps, dots on points.
    for (i, s) in l.series.iter().enumerate() {
        let colour = SERIES[i % SERIES.len()];
        let dash = if s.dashed {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let points: Vec<Option<(f64, f64)>> = s
            .values
            .iter()
            .take(n)
            .enumerate()
            .map(|(j, v)| finite(*v).map(|v| (x_of(j), y_of(v))))
            .collect();
        for run in points.split(Option::is_none) {
            if run.len() < 2 {
                continue;
            }
            let mut pts = String::new();
            for (px, py) in run.iter().flatten() {
                let _ = write!(pts, "{},{} ", c(*px), c(*py));
            }
            cv.raw(&format!(
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
                pts.trim_end()
            ));
        }
        for (px, py) in points.iter().flatten() {
            cv.raw(&format!(
                r#"<circle cx="{}" cy="{}" r="2.5" fill="{colour}"/>"#,
                c(*px),
                c(*py)
            ));
        }
    }
    // Reference labels: at the right end, above their line, stacked at
    // least a line apart, inside the plot.
    refs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let gap = 14.0;
    let mut ys: Vec<f64> = refs.iter().map(|(ry, _)| ry - 3.0).collect();
    let (min_y, max_y) = (plot_top + 10.0, bottom - 3.0);
    for i in 0..ys.len() {
        let floor = if i == 0 { min_y } else { ys[i - 1] + gap };
        ys[i] = ys[i].max(floor);
    }
    for i in (0..ys.len()).rev() {
        let ceiling = if i + 1 == ys.len() {
            max_y
        } else {
            ys[i + 1] - gap
        };
        ys[i] = ys[i].min(ceiling);
    }
    for ((_, label), ly) in refs.iter().zip(&ys) {
        cv.try_text(&Text::new(right - 4.0, *ly, Anchor::End, SMALL_TEXT, MUTED, label).halo());
    }
    // X labels: every k-th, so that none overlap.
    let labels: Vec<String> =
        l.x.iter()
            .map(|s| fit(s, SMALL_TEXT, (pw / 2.0 - 4.0).max(10.0)))
            .collect();
    let widest = labels
        .iter()
        .map(|s| width(s, SMALL_TEXT))
        .fold(0.0, f64::max);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (((widest + 8.0) / step.max(0.1)).ceil() as usize).max(1);
    for (i, s) in labels.iter().enumerate().step_by(k) {
        let x = centred_x(cv, x_of(i), width(s, SMALL_TEXT));
        cv.try_text(&Text::new(
            x,
            bottom + 18.0,
            Anchor::Middle,
            SMALL_TEXT,
            MUTED,
            s,
        ));
    }
    bottom + 26.0
}

/// One row of a bar chart, laid out.
enum Row<'a> {
    Group(String),
    Bar(&'a super::Bar, Vec<String>),
}

/// The horizontal bar chart; its height.
#[allow(clippy::too_many_lines)]
fn bars(cv: &mut Canvas, id: &str, b: &Bars, top: f64) -> f64 {
    let w = cv.w;
    let mut y = top;
    if b.bars.is_empty() {
        let s = fit(&b.empty, LABEL, w - 2.0 * PAD);
        cv.text(&Text::new(PAD, y + 12.0, Anchor::Start, LABEL, MUTED, &s));
        return y + 22.0;
    }
    if b.bars.iter().any(|x| x.emphasis == Emphasis::SmallSample) {
        hatch(cv, id);
    }
    let reference = b
        .reference
        .as_ref()
        .and_then(|r| finite(Some(r.value)).map(|v| (v, r.label.as_str())));
    let ref_y = y + 10.0;
    if reference.is_some() {
        y += 16.0;
    }
    // The label column: the longest label, at most 36% of the width, on
    // two lines at most.
    let col_max = (w * 0.36).max(60.0);
    let longest = b
        .bars
        .iter()
        .map(|x| width(&x.label, LABEL))
        .fold(0.0, f64::max);
    let col = longest.min(col_max);
    let x0 = PAD + col + 8.0;
    let avail = w - PAD - x0;
    let widest_text = b
        .bars
        .iter()
        .map(|x| width(&x.text, LABEL))
        .fold(0.0, f64::max);
    // Bars stop short enough for the texts after them when that leaves
    // them room; otherwise each text finds its own place.
    let reserve = widest_text + 6.0;
    let bar_w = if avail - reserve >= avail * 0.45 {
        avail - reserve
    } else {
        avail
    };
    let (lo, hi) = b
        .bars
        .iter()
        .filter_map(|x| finite(x.value))
        .chain(reference.map(|r| r.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    // As many ticks as fit under the bars.
    let mut ax = axis(b.scale, lo, hi, 5);
    for max in (2..5).rev() {
        #[allow(clippy::cast_precision_loss)]
        let room = bar_w / (ax.ticks.len().max(2) - 1) as f64;
        if ax.label_width(SMALL_TEXT) + 6.0 <= room {
            break;
        }
        ax = axis(b.scale, lo, hi, max);
    }
    let x_of = |v: f64| x0 + ax.frac(v) * bar_w;
    let zero = x_of(0.0_f64.clamp(ax.lo, ax.hi));
    // Rows, with a heading where the group changes.
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut group: Option<&str> = None;
    for bar in &b.bars {
        if let Some(g) = bar.group.as_deref()
            && group != Some(g)
        {
            rows.push(Row::Group(fit(g, LABEL * BOLD, w - 2.0 * PAD)));
        }
        group = bar.group.as_deref();
        rows.push(Row::Bar(bar, wrap(&bar.label, LABEL, col, 2)));
    }
    let bars_top = y;
    // Rows first (their marks on a canvas of their own), so that the grid
    // and the reference go under the bars and every text over them.
    let mut marks = Canvas::new(w);
    let mut texts: Vec<Placed> = Vec::new();
    for row in &rows {
        match row {
            Row::Group(g) => {
                texts.push(Placed::new(PAD, y + 14.0, Anchor::Start, LABEL, INK, g.clone()).bold());
                y += 20.0;
            }
            Row::Bar(bar, label) => {
                let small = bar.emphasis == Emphasis::SmallSample;
                let ink = if small { MUTED } else { INK };
                for (i, line) in label.iter().enumerate() {
                    #[allow(clippy::cast_precision_loss)]
                    let ly = y + 15.0 + 14.0 * i as f64;
                    texts.push(Placed::new(
                        PAD + col,
                        ly,
                        Anchor::End,
                        LABEL,
                        ink,
                        line.clone(),
                    ));
                }
                #[allow(clippy::cast_precision_loss)]
                let mut h = (14.0 * label.len() as f64 + 9.0).max(22.0);
                let end = match finite(bar.value) {
                    Some(v) => {
                        let xv = x_of(v);
                        let (bx, bw) = (zero.min(xv), (xv - zero).abs());
                        marks.rect(bx, y + 4.0, bw, 14.0, &fill(id, bar.emphasis), "");
                        xv.max(zero)
                    }
                    None => zero,
                };
                let tw = width(&bar.text, LABEL);
                if end + 5.0 + tw <= w - PAD {
                    texts.push(
                        Placed::new(
                            end + 5.0,
                            y + 15.0,
                            Anchor::Start,
                            LABEL,
                            ink,
                            bar.text.clone(),
                        )
                        .halo(),
                    );
                } else if bar.emphasis == Emphasis::Normal && end - x0 >= tw + 10.0 {
                    texts.push(Placed::new(
                        end - 4.0,
                        y + 15.0,
                        Anchor::End,
                        LABEL,
                        "#ffffff",
                        bar.text.clone(),
                    ));
                } else {
                    // On lines of their own under the bar.
                    let below = wrap(&bar.text, LABEL, w - PAD - x0, 2);
                    for (i, line) in below.iter().enumerate() {
                        #[allow(clippy::cast_precision_loss)]
                        let ly = y + 32.0 + 14.0 * i as f64;
                        texts.push(
                            Placed::new(x0, ly, Anchor::Start, LABEL, ink, line.clone()).halo(),
                        );
                    }
                    #[allow(clippy::cast_precision_loss)]
                    let below_h = 23.0 + 14.0 * below.len() as f64;
                    h = h.max(below_h);
                }
                y += h;
            }
        }
    }
    let rows_bottom = y;
    // Grid and ticks under the bars.
    for (v, _) in &ax.ticks {
        let x = x_of(*v);
        cv.line((x, bars_top), (x, rows_bottom), GRID, false);
    }
    cv.line((zero, bars_top), (zero, rows_bottom), MUTED, false);
    if let Some((v, label)) = reference {
        let x = x_of(v);
        cv.line((x, ref_y + 3.0), (x, rows_bottom), INK, true);
        let label = fit(label, SMALL_TEXT, w - 2.0 * PAD);
        let lx = centred_x(cv, x, width(&label, SMALL_TEXT));
        cv.text(&Text::new(
            lx,
            ref_y,
            Anchor::Middle,
            SMALL_TEXT,
            INK,
            &label,
        ));
    }
    cv.raw(&marks.into_body());
    for t in &texts {
        cv.text(&t.text());
    }
    for (v, label) in &ax.ticks {
        let x = centred_x(cv, x_of(*v), width(label, SMALL_TEXT));
        cv.try_text(&Text::new(
            x,
            rows_bottom + 14.0,
            Anchor::Middle,
            SMALL_TEXT,
            MUTED,
            label,
        ));
    }
    rows_bottom + 22.0
}

/// A text laid out before it is written.
#[derive(Debug, Clone)]
struct Placed {
    x: f64,
    y: f64,
    anchor: Anchor,
    size: f64,
    fill: &'static str,
    bold: bool,
    halo: bool,
    s: String,
}

impl Placed {
    fn new(x: f64, y: f64, anchor: Anchor, size: f64, fill: &'static str, s: String) -> Self {
        Placed {
            x,
            y,
            anchor,
            size,
            fill,
            bold: false,
            halo: false,
            s,
        }
    }

    fn bold(mut self) -> Self {
        self.bold = true;
        self.halo = true;
        self
    }

    fn halo(mut self) -> Self {
        self.halo = true;
        self
    }

    fn text(&self) -> Text<'_> {
        let mut t = Text::new(self.x, self.y, self.anchor, self.size, self.fill, &self.s);
        t.bold = self.bold;
        t.halo = self.halo;
        t
    }
}

/// The column chart; its height.
#[allow(clippy::too_many_lines)]
fn columns(cv: &mut Canvas, id: &str, col: &Columns, top: f64) -> f64 {
    let w = cv.w;
    if col
        .columns
        .iter()
        .any(|x| x.emphasis == Emphasis::SmallSample)
    {
        hatch(cv, id);
    }
    let (lo, hi) = col
        .columns
        .iter()
        .filter_map(|x| finite(x.value))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let ax = axis(col.scale, lo, hi, 5);
    let n = col.columns.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let right = w - PAD;
    // n under the label when it is not the value itself.
    let with_n = |x: &super::Column| {
        #[allow(clippy::cast_precision_loss)]
        let n = x.n as f64;
        finite(x.value).is_none_or(|v| (v - n).abs() > 1e-9)
    };
    #[allow(clippy::cast_precision_loss)]
    let n_text = |x: &super::Column| format!("n={}", text::thousands(x.n as f64));
    let left = PAD + ax.label_width(SMALL_TEXT) + 8.0;
    let pw = right - left;
    let bw = pw / nf;
    let x_of = |at: f64| left + at * bw;
    // Marker labels in lanes above the plot.
    let mut y = top;
    let mut lanes: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut placed: Vec<(f64, Anchor, usize, String)> = Vec::new();
    let mut lines_at: Vec<(f64, usize)> = Vec::new();
    let mut markers: Vec<(f64, &str)> = col
        .markers
        .iter()
        .filter_map(|m| finite(Some(m.at)).map(|at| (x_of(at.clamp(0.0, nf)), m.label.as_str())))
        .collect();
    markers.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (x, label) in &markers {
        let label = fit(label, SMALL_TEXT, w - 2.0 * PAD);
        let lw = width(&label, SMALL_TEXT);
        let (lx, anchor, l, r) = if x + 3.0 + lw <= w - PAD {
            (x + 3.0, Anchor::Start, x + 3.0, x + 3.0 + lw)
        } else if x - 3.0 - lw >= PAD {
            (x - 3.0, Anchor::End, x - 3.0 - lw, x - 3.0)
        } else {
            (PAD, Anchor::Start, PAD, PAD + lw)
        };
        let lane = lanes
            .iter()
            .position(|spans| spans.iter().all(|(a, b)| r + 4.0 <= *a || *b + 4.0 <= l))
            .unwrap_or(lanes.len());
        if lane == lanes.len() {
            lanes.push(Vec::new());
        }
        if let Some(spans) = lanes.get_mut(lane) {
            spans.push((l, r));
        }
        placed.push((lx, anchor, lane, label));
        lines_at.push((*x, lane));
    }
    #[allow(clippy::cast_precision_loss)]
    let lanes_h = 14.0 * lanes.len() as f64;
    let lanes_top = y;
    let lane_y = |lane: usize| {
        #[allow(clippy::cast_precision_loss)]
        let k = lane as f64;
        lanes_top + 11.0 + 14.0 * k
    };
    for (lx, anchor, lane, label) in &placed {
        cv.text(&Text::new(
            *lx,
            lane_y(*lane),
            *anchor,
            SMALL_TEXT,
            INK,
            label,
        ));
    }
    y += lanes_h;
    let plot_top = y + 18.0;
    let ph = (w * 0.35).clamp(110.0, 200.0);
    let bottom = plot_top + ph;
    y_axis(cv, &ax, left, right, plot_top, bottom);
    // Columns, their values over them where they fit.
    let mut values = Vec::new();
    for (i, x) in col.columns.iter().enumerate() {
        let Some(v) = finite(x.value) else { continue };
        #[allow(clippy::cast_precision_loss)]
        let cx = x_of(i as f64);
        let base = 0.0_f64.clamp(ax.lo, ax.hi);
        let (y0, y1) = (bottom - ax.frac(base) * ph, bottom - ax.frac(v) * ph);
        let gap = (bw * 0.15).min(6.0);
        cv.rect(
            cx + gap,
            y1.min(y0),
            bw - 2.0 * gap,
            (y0 - y1).abs(),
            &fill(id, x.emphasis),
            "",
        );
        values.push((
            cx + bw / 2.0,
            y1.min(y0) - 3.0,
            text::value(col.scale, v),
            x.emphasis,
        ));
    }
    cv.line((left, bottom), (right, bottom), MUTED, false);
    for (mx, lane) in &lines_at {
        cv.line((*mx, lane_y(*lane) - 9.0), (*mx, bottom), INK, true);
    }
    for (vx, vy, s, e) in &values {
        if width(s, SMALL_TEXT) <= bw - 2.0 {
            let ink = if *e == Emphasis::SmallSample {
                MUTED
            } else {
                INK
            };
            cv.try_text(&Text::new(*vx, *vy, Anchor::Middle, SMALL_TEXT, ink, s));
        }
    }
    // Labels under the columns (flat, as a page's text boxes are upright):
    // every k-th when they do not fit their columns.
    let labels: Vec<(String, Option<String>)> = col
        .columns
        .iter()
        .map(|x| {
            let max = (pw - 4.0).clamp(10.0, 96.0);
            (
                fit(&x.label, SMALL_TEXT, max),
                with_n(x).then(|| fit(&n_text(x), SMALL_TEXT, max)),
            )
        })
        .collect();
    let widest = labels
        .iter()
        .map(|(l, n)| width(l, SMALL_TEXT).max(n.as_deref().map_or(0.0, |n| width(n, SMALL_TEXT))))
        .fold(0.0, f64::max);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (((widest + 6.0) / bw.max(0.1)).ceil() as usize).max(1);
    let mut label_bottom = bottom + 8.0;
    for (i, (label, n)) in labels.iter().enumerate().step_by(k) {
        #[allow(clippy::cast_precision_loss)]
        let cx = x_of(i as f64 + 0.5);
        let lx = centred_x(cv, cx, width(label, SMALL_TEXT));
        if cv.try_text(&Text::new(
            lx,
            bottom + 15.0,
            Anchor::Middle,
            SMALL_TEXT,
            MUTED,
            label,
        )) {
            label_bottom = label_bottom.max(bottom + 19.0);
        }
        if let Some(n) = n {
            let nx = centred_x(cv, cx, width(n, SMALL_TEXT));
            if cv.try_text(&Text::new(
                nx,
                bottom + 29.0,
                Anchor::Middle,
                SMALL_TEXT,
                MUTED,
                n,
            )) {
                label_bottom = label_bottom.max(bottom + 33.0);
            }
        }
    }
    label_bottom + 6.0
}

/// Quadrant colours (Okabe–Ito) and their light tints: top left, top
/// right, bottom left, bottom right.
const QUADRANT_COLOURS: [(&str, &str); 4] = [
    ("#E69F00", "#fcf0d6"),
    ("#009E73", "#daf1ea"),
    ("#D55E00", "#f8e2d5"),
    ("#0072B2", "#dbeaf4"),
];

fn quadrant_index(q: Quadrant) -> usize {
    match q {
        Quadrant::TopLeft => 0,
        Quadrant::TopRight => 1,
        Quadrant::BottomLeft => 2,
        Quadrant::BottomRight => 3,
    }
}

/// The height of a bubble's label line.
pub(super) const LABEL_H: f64 = 15.0;

/// A bubble with its label, laid out.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) radius: f64,
    pub(super) half_w: f64,
    pub(super) quadrant: Quadrant,
}

impl Node {
    /// The box of the bubble and its label below: (left, top, right, bottom).
    fn rect(&self) -> (f64, f64, f64, f64) {
        (
            self.x - self.half_w,
            self.y - self.radius,
            self.x + self.half_w,
            self.y + self.radius + LABEL_H,
        )
    }
}

/// Pushes overlapping bubbles (with their labels) apart, keeping each in
/// its quadrant where it fits. Deterministic: a fixed number of passes in a
/// fixed order.
pub(super) fn spread(nodes: &mut [Node], bounds: &dyn Fn(Quadrant) -> (f64, f64, f64, f64)) {
    for pass in 0..80 {
        let mut moved = false;
        for i in 0..nodes.len() {
            for j in i + 1..nodes.len() {
                let (a, b) = (nodes[i].rect(), nodes[j].rect());
                let ox = a.2.min(b.2) - a.0.max(b.0);
                let oy = a.3.min(b.3) - a.1.max(b.1);
                if ox <= 0.0 || oy <= 0.0 {
                    continue;
                }
                moved = true;
                // Separate along the axis that needs the smaller move; the
                // direction follows the centres, or alternates when equal.
                let tie = if (i + j + pass) % 2 == 0 { 1.0 } else { -1.0 };
                let sign = |d: f64| if d.abs() < 1e-9 { tie } else { d.signum() };
                if ox < oy {
                    let d = sign(nodes[j].x - nodes[i].x) * (ox / 2.0 + 0.5);
                    nodes[i].x -= d;
                    nodes[j].x += d;
                } else {
                    let d = sign(nodes[j].y - nodes[i].y) * (oy / 2.0 + 0.5);
                    nodes[i].y -= d;
                    nodes[j].y += d;
                }
            }
        }
        for n in nodes.iter_mut() {
            let (l, t, r, b) = bounds(n.quadrant);
            let (min_x, max_x) = (l + n.half_w, r - n.half_w);
            let (min_y, max_y) = (t + n.radius, b - n.radius - LABEL_H);
            if min_x <= max_x {
                n.x = n.x.clamp(min_x, max_x);
            }
            if min_y <= max_y {
                n.y = n.y.clamp(min_y, max_y);
            }
        }
        if !moved {
            break;
        }
    }
}

/// The 2x2 bubble chart; its height.
#[allow(clippy::too_many_lines)]
fn quadrants(cv: &mut Canvas, q: &Quadrants, top: f64) -> f64 {
    let w = cv.w;
    // The y caption runs along the plot's height (about that of the
    // plot drawn below).
    let est = w - 2.0 * PAD - 30.0;
    let est_h = if w < 450.0 { est } else { est * 0.72 };
    let y_caption = wrap(&q.y_axis, LABEL, est_h.max(100.0), 2);
    #[allow(clippy::cast_precision_loss)]
    let left = PAD + 14.0 * y_caption.len() as f64 + 4.0;
    let pw = w - PAD - left;
    // Square when narrow (room for labels), wider than tall otherwise.
    let ph = if w < 450.0 { pw } else { pw * 0.72 }.max(120.0);
    let pt = top + 4.0;
    let (cx, cy) = (left + pw / 2.0, pt + ph / 2.0);
    let corners = [(left, pt), (cx, pt), (left, cy), (cx, cy)];
    for (i, ((x, y), name)) in corners.iter().zip(&q.names).enumerate() {
        let (_, tint) = QUADRANT_COLOURS[i];
        cv.rect(
            *x,
            *y,
            pw / 2.0,
            ph / 2.0,
            tint,
            r##" stroke="#ffffff" stroke-width="2""##,
        );
        let name = fit(name, 12.0 * BOLD, pw / 2.0 - 12.0);
        cv.text(&Text::new(x + 6.0, y + 16.0, Anchor::Start, 12.0, INK, &name).bold());
    }
    // Values -2..2 map inside the plot with a margin for the bubbles.
    let x_of = |v: f64| left + (finite(Some(v)).unwrap_or(0.0).clamp(-2.0, 2.0) + 2.4) / 4.8 * pw;
    let y_of = |v: f64| pt + (2.4 - finite(Some(v)).unwrap_or(0.0).clamp(-2.0, 2.0)) / 4.8 * ph;
    let scale = (pw / 620.0).clamp(0.4, 2.0);
    let max = q.points.iter().map(|p| p.weight).max().unwrap_or(0).max(1);
    let labels: Vec<String> = q
        .points
        .iter()
        .map(|p| fit(&p.label, LABEL, pw / 2.0 - 10.0))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let mut nodes: Vec<(usize, Node)> = q
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let radius = (4.0 + 30.0 * (p.weight as f64 / max as f64).sqrt()) * scale;
            let lw = labels.get(i).map_or(0.0, |l| width(l, LABEL));
            (
                i,
                Node {
                    x: x_of(p.x),
                    y: y_of(p.y),
                    radius,
                    half_w: radius.max(lw / 2.0) + 3.0,
                    quadrant: p.quadrant,
                },
            )
        })
        .collect();
    // The heaviest first (they keep their place best), ties by label.
    nodes.sort_by(|(a, _), (b, _)| {
        let (pa, pb) = (&q.points[*a], &q.points[*b]);
        pb.weight.cmp(&pa.weight).then(pa.label.cmp(&pb.label))
    });
    let bounds = |quad: Quadrant| -> (f64, f64, f64, f64) {
        let (x, y) = corners[quadrant_index(quad)];
        (x + 2.0, y + 22.0, x + pw / 2.0 - 2.0, y + ph / 2.0 - 2.0)
    };
    let mut laid: Vec<Node> = nodes.iter().map(|(_, n)| n.clone()).collect();
    spread(&mut laid, &bounds);
    for ((i, _), n) in nodes.iter().zip(&laid) {
        let p = &q.points[*i];
        let (colour, _) = QUADRANT_COLOURS[quadrant_index(n.quadrant)];
        cv.raw(&format!(
            r#"<circle cx="{}" cy="{}" r="{}" fill="{colour}" fill-opacity="0.6" stroke="{colour}"><title>{}</title></circle>"#,
            c(n.x),
            c(n.y),
            c(n.radius),
            esc(&p.text)
        ));
    }
    for ((i, _), n) in nodes.iter().zip(&laid) {
        if let Some(label) = labels.get(*i) {
            cv.try_text(
                &Text::new(
                    n.x,
                    n.y + n.radius + LABEL_H - 4.0,
                    Anchor::Middle,
                    LABEL,
                    INK,
                    label,
                )
                .halo(),
            );
        }
    }
    let bottom = pt + ph;
    let mut y = bottom;
    for line in wrap(&q.x_axis, LABEL, pw, 2) {
        y += 14.0;
        cv.text(&Text::new(cx, y, Anchor::Middle, LABEL, INK, &line));
    }
    for (i, line) in y_caption.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = PAD + 10.0 + 14.0 * i as f64;
        cv.text(&Text::new(x, cy, Anchor::Middle, LABEL, INK, line).rotate(-90.0));
    }
    y + 8.0
}

/// Band colours (Okabe–Ito), lowest band first.
const BAND_COLOURS: [&str; 7] = [
    "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#D55E00", "#F0E442",
];

/// The text colour with the best contrast on `fill`: ink, black or white
/// (each band colour reaches 4.5:1 with one of them).
pub(super) fn text_on(fill: &str) -> &'static str {
    ["#1f2933", "#000000", "#ffffff"]
        .into_iter()
        .max_by(|a, b| contrast(a, fill).total_cmp(&contrast(b, fill)))
        .unwrap_or(INK)
}

/// The banded scale with a position; its height.
fn tiers(cv: &mut Canvas, t: &Tiers, top: f64) -> f64 {
    let w = cv.w;
    let steps = t.steps;
    let slots = f64::from(steps) + 1.0;
    let slot = (w - 2.0 * PAD) / slots;
    let slot_x = |s: u8| PAD + (f64::from(s.min(steps)) + 0.5) * slot;
    let mut y = top;
    // The caption above the marker, flipped left near the right edge.
    let x = slot_x(t.at);
    let caption = wrap(&t.caption, LABEL, w - 2.0 * PAD, 2);
    let cw = caption.iter().map(|l| width(l, LABEL)).fold(0.0, f64::max);
    let (cx, anchor) = if x + 9.0 + cw <= w - PAD {
        (x + 9.0, Anchor::Start)
    } else if x - 9.0 - cw >= PAD {
        (x - 9.0, Anchor::End)
    } else {
        (centred_x(cv, x, cw), Anchor::Middle)
    };
    for line in &caption {
        y += 14.0;
        cv.text(&Text::new(cx, y - 3.0, anchor, LABEL, INK, line));
    }
    y += 2.0;
    cv.raw(&format!(
        r#"<polygon points="{},{} {},{} {},{}" fill="{INK}"/>"#,
        c(x - 6.0),
        c(y),
        c(x + 6.0),
        c(y),
        c(x),
        c(y + 9.0)
    ));
    y += 12.0;
    for (i, band) in t.bands.iter().enumerate() {
        let (from, to) = (
            band.from.min(band.to).min(steps),
            band.to.max(band.from).min(steps),
        );
        let bx = PAD + f64::from(from) * slot;
        let bw = (f64::from(to) - f64::from(from) + 1.0) * slot;
        let colour = BAND_COLOURS[i % BAND_COLOURS.len()];
        cv.rect(bx, y, bw - 2.0, 30.0, colour, "");
        let name = fit(&band.name, LABEL, bw - 8.0);
        cv.try_text(&Text::new(
            bx + bw / 2.0 - 1.0,
            y + 19.0,
            Anchor::Middle,
            LABEL,
            text_on(colour),
            &name,
        ));
    }
    y += 30.0;
    let widest = width(&steps.to_string(), SMALL_TEXT);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (((widest + 6.0) / slot.max(0.1)).ceil() as usize).max(1);
    for s in (0..=steps).step_by(k) {
        let label = s.to_string();
        cv.try_text(&Text::new(
            slot_x(s),
            y + 13.0,
            Anchor::Middle,
            SMALL_TEXT,
            MUTED,
            &label,
        ));
    }
    y += 16.0;
    for line in wrap(&t.footer, SMALL_TEXT, w - 2.0 * PAD, 3) {
        y += 13.0;
        cv.text(&Text::new(PAD, y, Anchor::Start, SMALL_TEXT, MUTED, &line));
    }
    y + 8.0
}
