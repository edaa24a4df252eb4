//! Rendering the matrix: a Markdown table and a standalone SVG 2x2 chart,
//! written by hand (no dependency).

use std::fmt::Write as _;

use crate::escape::{markdown as md, markup as xml};
use crate::insight::matrix::{Matrix, Quadrant, ReasonInsight};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) => format!("{v:.digits$}"),
        None => "-".to_owned(),
    }
}

fn trend(r: &ReasonInsight) -> String {
    match r.trend {
        Some(t) => format!("{:+.0}%", t * 100.0),
        None if r.volume > 0 => "new".to_owned(),
        None => "-".to_owned(),
    }
}

const LABEL_H: f64 = 16.0;

/// A bubble with its label, laid out.
struct Node<'a> {
    r: &'a ReasonInsight,
    x: f64,
    y: f64,
    radius: f64,
    half_w: f64,
    label: String,
}

impl Node<'_> {
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

/// A rough width of a label in pixels at 12px (wide for CJK).
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 12.0 } else { 6.8 })
        .sum()
}

/// Pushes overlapping bubbles (with their labels) apart, keeping each in
/// its quadrant where it fits. Deterministic: a fixed number of passes in a
/// fixed order.
fn spread(nodes: &mut [Node<'_>], bounds: &dyn Fn(Quadrant) -> (f64, f64, f64, f64)) {
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
                #[allow(clippy::cast_precision_loss)]
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
            let (l, t, r, b) = bounds(n.r.quadrant);
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

impl Matrix {
    /// STUB (replaced by the chart writer at merge).
    pub fn chart(&self) -> crate::report::chart::Chart {
        crate::report::chart::Chart::new(
            "chart-matrix",
            "Value-irritant matrix",
            "",
            crate::report::chart::ChartKind::Bars(crate::report::chart::Bars {
                scale: crate::report::chart::Scale::Count,
                bars: Vec::new(),
                reference: None,
                empty: String::new(),
            }),
        )
    }

    /// The matrix as a Markdown table, followed by the ranked plan and the
    /// repeated questions. Text from the configuration and the tickets
    /// (labels, actions, repeated questions) is escaped so that it reads
    /// as text: no HTML, no links or images (`![p](https://..)` stays
    /// literal), no emphasis, and `|` or a line break never breaks the
    /// table.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Value-irritant matrix, {} to {}: {} tickets, {} without a rated reason{}.\n",
            self.window.from.format("%Y-%m-%d %H:%M UTC"),
            self.window.to.format("%Y-%m-%d %H:%M UTC"),
            self.total,
            self.unclassified,
            match (self.contact_rate, self.denominator) {
                (Some(c), Some(d)) => format!("; {c:.2} contacts per 100 {}", d.per),
                _ => String::new(),
            }
        );
        s.push_str("| reason | quadrant | volume | share | trend | messages/ticket | reopens/ticket | hours to resolve | CSAT | CES | recontacts | contacts/100 | self-service | action |\n");
        s.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for r in &self.reasons {
            let ss = match &r.self_service {
                Some(x) if x.near_identical > 0 => {
                    format!("yes ({} near-identical)", x.near_identical)
                }
                Some(_) => "yes (asked often)".to_owned(),
                None => "-".to_owned(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {:.1} | {:.2} | {} | {} | {} | {} | {} | {} | {} |",
                md(r.rating.label()),
                r.quadrant,
                r.volume,
                pct(r.share),
                trend(r),
                r.effort.messages_per_ticket,
                r.effort.reopens_per_ticket,
                opt(r.effort.hours_to_resolve, 1),
                opt(r.csat, 2),
                opt(r.effort.ces, 2),
                pct(r.recontact_rate),
                opt(r.contact_rate, 2),
                ss,
                md(&r.action),
            );
        }
        if !self.plan.is_empty() {
            s.push_str("\nWhat to do first:\n\n");
            for p in &self.plan {
                let label = self
                    .reason(&p.tag)
                    .map_or(p.tag.as_str(), |r| r.rating.label());
                let _ = writeln!(
                    s,
                    "{}. **{}** ({}, score {:.3}): {}",
                    p.rank,
                    md(label),
                    p.quadrant,
                    p.score,
                    md(&p.action)
                );
            }
        }
        if !self.repeats.is_empty() {
            s.push_str("\nRepeated questions (self-service candidates):\n\n");
            for c in &self.repeats {
                let example: String = c.example.chars().take(80).collect();
                let _ = writeln!(
                    s,
                    "- {} tickets{}: \"{}\"",
                    c.len(),
                    c.reason
                        .as_ref()
                        .map(|r| format!(" ({})", md(r.as_str())))
                        .unwrap_or_default(),
                    md(&example)
                );
            }
        }
        s
    }

    /// The matrix as a standalone SVG document: the 2x2 grid (value to the
    /// customer across, value to the business up), quadrant names, one
    /// bubble per reason with its area proportional to its volume, and the
    /// reasons' labels (escaped).
    pub fn to_svg(&self) -> String {
        self.draw_svg(false)
    }

    /// The SVG chart; `inline` marks it for a page (`class="chart"`, as an
    /// image with its title as label) rather than as a standalone file.
    pub(crate) fn draw_svg(&self, inline: bool) -> String {
        const W: f64 = 760.0;
        const H: f64 = 600.0;
        const L: f64 = 80.0;
        const T: f64 = 60.0;
        const PW: f64 = 620.0;
        const PH: f64 = 480.0;
        // Values -2..2 map inside the plot with a margin for the bubbles.
        let x_of = |v: f64| L + (v.clamp(-2.0, 2.0) + 2.4) / 4.8 * PW;
        let y_of = |v: f64| T + (2.4 - v.clamp(-2.0, 2.0)) / 4.8 * PH;
        let mut s = String::new();
        let page = if inline {
            r#" class="chart" role="img""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg"{page} width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif, Noto Sans CJK SC, PingFang SC, Microsoft YaHei" font-size="12">"#
        );
        let _ = writeln!(
            s,
            r#"<title>Value-irritant matrix, {} tickets</title>"#,
            self.total
        );
        s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        let (cx, cy) = (L + PW / 2.0, T + PH / 2.0);
        let quads = [
            (Quadrant::Simplify, L, T, "#fff4d6"),
            (Quadrant::Leverage, cx, T, "#e3f4e1"),
            (Quadrant::Eliminate, L, cy, "#fbe1e1"),
            (Quadrant::Automate, cx, cy, "#e1ecfb"),
        ];
        for (q, x, y, fill) in quads {
            let _ = writeln!(
                s,
                r##"<rect x="{x}" y="{y}" width="{}" height="{}" fill="{fill}" stroke="#999999"/>"##,
                PW / 2.0,
                PH / 2.0
            );
            let _ = writeln!(
                s,
                r##"<text x="{}" y="{}" font-size="16" font-weight="bold" fill="#555555">{}</text>"##,
                x + 10.0,
                y + 22.0,
                q
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="30" font-size="18" text-anchor="middle">{}</text>"#,
            W / 2.0,
            xml(&format!(
                "Value-irritant matrix: {} tickets, {} to {}",
                self.total,
                self.window.from.format("%Y-%m-%d"),
                self.window.to.format("%Y-%m-%d")
            ))
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">irritating to the customer ← value to the customer → valuable to the customer</text>"#,
            cx,
            T + PH + 30.0
        );
        let _ = writeln!(
            s,
            r#"<text x="25" y="{cy}" text-anchor="middle" transform="rotate(-90 25 {cy})">irritating to the business ← value to the business → valuable to the business</text>"#
        );
        let max = self
            .reasons
            .iter()
            .map(|r| r.volume)
            .max()
            .unwrap_or(0)
            .max(1);
        let mut nodes: Vec<Node<'_>> = self
            .reasons
            .iter()
            .filter(|r| r.volume > 0)
            .map(|r| {
                let radius = 5.0 + 35.0 * (f64::from(r.volume) / f64::from(max)).sqrt();
                let label = format!("{} ({})", r.rating.label(), r.volume);
                Node {
                    r,
                    x: x_of(r.customer_value),
                    y: y_of(r.business_value),
                    radius,
                    half_w: radius.max(text_width(&label) / 2.0) + 3.0,
                    label,
                }
            })
            .collect();
        nodes.sort_by(|a, b| {
            b.r.volume
                .cmp(&a.r.volume)
                .then(a.r.rating.tag.cmp(&b.r.rating.tag))
        });
        let bounds = |q: Quadrant| -> (f64, f64, f64, f64) {
            match q {
                Quadrant::Simplify => (L, T, cx, cy),
                Quadrant::Leverage => (cx, T, L + PW, cy),
                Quadrant::Eliminate => (L, cy, cx, T + PH),
                Quadrant::Automate => (cx, cy, L + PW, T + PH),
            }
        };
        spread(&mut nodes, &bounds);
        for n in &nodes {
            let fill = match n.r.quadrant {
                Quadrant::Leverage => "#2e8b57",
                Quadrant::Simplify => "#d4a017",
                Quadrant::Automate => "#3a6fd8",
                Quadrant::Eliminate => "#c0392b",
            };
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{fill}" fill-opacity="0.55" stroke="{fill}"><title>{}: {} tickets ({})</title></circle>"#,
                n.x,
                n.y,
                n.radius,
                xml(n.r.rating.label()),
                n.r.volume,
                pct(n.r.share)
            );
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
                n.x,
                n.y + n.radius + LABEL_H - 2.0,
                xml(&n.label)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}
