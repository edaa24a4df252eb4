//! Rendering the matrix: a Markdown table, and a 2x2 chart spec drawn by
//! the report's one SVG writer ([`crate::chart`]).

use std::fmt::Write as _;

use crate::chart::{Chart, ChartKind, Point, Quadrant as ChartQuadrant, Quadrants};
use crate::escape::markdown as md;
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

impl Matrix {
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
    /// reasons' labels (escaped). It is [`chart`](Self::chart) drawn by
    /// [`to_svg_document`](crate::chart::to_svg_document).
    pub fn to_svg(&self) -> String {
        crate::chart::to_svg_document(&self.chart())
    }

    /// The matrix as a chart spec: a [`Quadrants`](ChartKind::Quadrants)
    /// chart with id `chart-matrix`, one bubble per reason with tickets
    /// (Simplify top left, Leverage top right, Eliminate bottom left,
    /// Automate bottom right).
    pub fn chart(&self) -> Chart {
        let points = self
            .reasons
            .iter()
            .filter(|r| r.volume > 0)
            .map(|r| Point {
                label: format!("{} ({})", r.rating.label(), r.volume),
                x: r.customer_value,
                y: r.business_value,
                weight: u64::from(r.volume),
                quadrant: match r.quadrant {
                    Quadrant::Simplify => ChartQuadrant::TopLeft,
                    Quadrant::Leverage => ChartQuadrant::TopRight,
                    Quadrant::Eliminate => ChartQuadrant::BottomLeft,
                    Quadrant::Automate => ChartQuadrant::BottomRight,
                },
                text: format!(
                    "{}: {} tickets ({})",
                    r.rating.label(),
                    r.volume,
                    pct(r.share)
                ),
            })
            .collect::<Vec<_>>();
        let title = format!(
            "Value-irritant matrix: {} tickets, {} to {}",
            self.total,
            self.window.from.format("%Y-%m-%d"),
            self.window.to.format("%Y-%m-%d")
        );
        let summary = format!(
            "{} contact reasons placed by their value to the customer (across) and to the business (up); bubble area is proportional to tickets.",
            points.len()
        );
        Chart::new(
            "chart-matrix",
            title,
            summary,
            ChartKind::Quadrants(Quadrants {
                names: [
                    Quadrant::Simplify.name().to_owned(),
                    Quadrant::Leverage.name().to_owned(),
                    Quadrant::Eliminate.name().to_owned(),
                    Quadrant::Automate.name().to_owned(),
                ],
                x_axis:
                    "irritating to the customer ← value to the customer → valuable to the customer"
                        .to_owned(),
                y_axis:
                    "irritating to the business ← value to the business → valuable to the business"
                        .to_owned(),
                points,
            }),
        )
    }
}
