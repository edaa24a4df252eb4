//! Chart specifications: what a chart shows, as typed data, and the one
//! SVG writer that draws every chart of a report (and the value-irritant
//! matrix's standalone drawing).
//!
//! A [`Chart`] carries its id, a title, a text alternative (a sentence
//! that says what the chart shows) and one of the [`ChartKind`]s. The
//! renderers never compute figures: a chart is drawn from the values in
//! its spec, and its data table (the text alternative for screen readers
//! and the Markdown report) comes from the same values.
//!
//! Colours come from the Okabe–Ito palette, which people with the common
//! colour-vision deficiencies can tell apart, and no meaning is carried by
//! colour alone: a highlighted bar also says why in its text, a small
//! sample is grey *and* says "too few to judge", a target line is dashed
//! and labelled.

use serde::{Deserialize, Serialize};

mod canvas;
mod draw;
mod table;

use table::Table;
pub use table::{Cell as DataCell, Table as DataTable};
#[cfg(test)]
mod tests;
mod text;

/// The chart as an inline `<svg>` for an HTML page, `width` px wide (640
/// for a full-width chart, about 310 for one of a pair of small
/// multiples): `id`, `class="chart"`, `width`, `height` and a `viewBox`
/// (so CSS can scale it), `role="img"` labelled by its `<title>` (the
/// chart's title) and `<desc>` (its summary). Every text is escaped; no
/// scripts, styles or external references.
pub fn svg(chart: &Chart, width: f64) -> String {
    draw::draw(chart, width, false)
}

/// The chart as a standalone SVG document (a `.svg` file): the drawing of
/// a full-width chart (640 px) on a white background, starting with
/// `<svg xmlns=...>` (no XML declaration).
///
/// ```
/// use supportdesk::report::chart::{Chart, ChartKind, Tiers, Band};
///
/// let chart = Chart::new(
///     "maturity",
///     "CX maturity",
///     "5 of 7 traits: Emerging.",
///     ChartKind::Tiers(Tiers {
///         bands: vec![Band { name: "Emerging".into(), from: 0, to: 7 }],
///         steps: 7,
///         at: 5,
///         caption: "Emerging: 5 of 7 traits".into(),
///         footer: "tiers by traits held".into(),
///     }),
/// );
/// let svg = supportdesk::report::chart::to_svg_document(&chart);
/// assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
/// ```
pub fn to_svg_document(chart: &Chart) -> String {
    draw::draw(chart, 640.0, true)
}

/// The chart's data as a table: the text alternative the Markdown report
/// shows and the HTML page puts under each chart. Lines: a row per x
/// label, a column per series, references in the caption; bars: label and
/// text (after the group when grouped); columns: label, value and (when it
/// differs) n; quadrants: label, text and quadrant name; tiers: a row per
/// band and the position.
pub fn data_table(chart: &Chart) -> Table {
    table::data_table(chart)
}

/// How a value axis reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Scale {
    /// Counts (tickets, answers): from 0 to the largest value, rounded up.
    Count,
    /// Durations in seconds: from 0 to the largest value (ticks in hours
    /// or days as fits).
    Duration,
    /// Shares from 0 to 1, ticked as percentages.
    Share,
    /// A score between `min` and `max` (CSAT 1–5, CES 1–7).
    Score {
        /// The lowest score.
        min: f64,
        /// The highest score.
        max: f64,
    },
}

/// How a mark is emphasised. Emphasis never rests on colour alone: the
/// mark's text says the same in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Emphasis {
    /// Drawn in the series colour.
    #[default]
    Normal,
    /// Worse than the reference it is compared with (drawn in vermillion).
    Worse,
    /// Better than the reference (drawn in bluish green).
    Better,
    /// Too few observations to judge: drawn grey and hatched, never as
    /// good or bad.
    SmallSample,
}

/// One series of a line chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Its name in the legend ("median", "p90", "tickets opened").
    pub name: String,
    /// One value per x label; `None` where there is no value (drawn as a
    /// gap, never as zero).
    pub values: Vec<Option<f64>>,
    /// Drawn dashed (a secondary series such as a p90).
    pub dashed: bool,
}

/// A horizontal reference line (a target, an overall rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Its label, drawn beside the line ("target 4h").
    pub label: String,
    /// Its value on the chart's scale.
    pub value: f64,
}

/// A line chart over categories (periods): trends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lines {
    /// The x labels, in order ("Mar 2", "W10").
    pub x: Vec<String>,
    /// The value axis.
    pub scale: Scale,
    /// The series (at most 4 read well).
    pub series: Vec<Series>,
    /// Reference lines.
    pub references: Vec<Reference>,
}

/// One bar of a [`Bars`] chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// The row label ("email", "first reply · urgent").
    pub label: String,
    /// The value on the chart's scale; `None` draws no bar (the text says
    /// why).
    pub value: Option<f64>,
    /// The text after the bar: the value in words with its count
    /// ("86.6% (499 of 576)").
    pub text: String,
    /// How many observations the value rests on.
    pub n: u64,
    /// Its emphasis.
    pub emphasis: Emphasis,
    /// A group heading this bar belongs to (bars of one group are drawn
    /// together under it); `None` for ungrouped charts.
    pub group: Option<String>,
}

/// Horizontal bars, one per row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bars {
    /// The value axis.
    pub scale: Scale,
    /// The bars, in the order drawn.
    pub bars: Vec<Bar>,
    /// A vertical reference line (the overall rate, a target).
    pub reference: Option<Reference>,
    /// What is written when there are no bars.
    pub empty: String,
}

/// One column of a [`Columns`] chart (a bin of a distribution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Its label ("15m-30m").
    pub label: String,
    /// Its height on the chart's scale (a count, a mean score).
    pub value: Option<f64>,
    /// How many observations (written under the label when it is not the
    /// value itself).
    pub n: u64,
    /// Its emphasis (e.g. beyond the target).
    pub emphasis: Emphasis,
}

/// A vertical marker between or inside columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// Its label ("target 4h").
    pub label: String,
    /// Its position in column units: 0 is the left edge of the first
    /// column, 1 the edge between the first and second, 2.5 the middle of
    /// the third.
    pub at: f64,
}

/// Vertical columns: a distribution over bins, a mean per bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Columns {
    /// The value axis.
    pub scale: Scale,
    /// The columns, left to right.
    pub columns: Vec<Column>,
    /// Markers (targets, thresholds).
    pub markers: Vec<Marker>,
}

/// Where a point of a [`Quadrants`] chart sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quadrant {
    /// Top left.
    TopLeft,
    /// Top right.
    TopRight,
    /// Bottom left.
    BottomLeft,
    /// Bottom right.
    BottomRight,
}

/// A bubble of a [`Quadrants`] chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Its label ("shipping/late").
    pub label: String,
    /// Across, from -2 to 2.
    pub x: f64,
    /// Up, from -2 to 2.
    pub y: f64,
    /// Its weight (bubble area is proportional to it).
    pub weight: u64,
    /// Its quadrant (decides its colour).
    pub quadrant: Quadrant,
    /// The tooltip and data-table text ("shipping/late: 437 tickets (30%)").
    pub text: String,
}

/// A 2x2 chart with bubbles: the value-irritant matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quadrants {
    /// The quadrants' names: top left, top right, bottom left, bottom
    /// right.
    pub names: [String; 4],
    /// The x axis caption.
    pub x_axis: String,
    /// The y axis caption.
    pub y_axis: String,
    /// The bubbles.
    pub points: Vec<Point>,
}

/// One band of a [`Tiers`] scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Its name ("Emerging").
    pub name: String,
    /// Its first step.
    pub from: u8,
    /// Its last step.
    pub to: u8,
}

/// A scale of steps in named bands, with a position on it: the CX maturity
/// tiers by traits held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tiers {
    /// The bands, lowest first.
    pub bands: Vec<Band>,
    /// The last step of the scale (7 traits).
    pub steps: u8,
    /// The position (traits held).
    pub at: u8,
    /// The position's caption ("Emerging: 5 of 7 traits").
    pub caption: String,
    /// The caption under the scale ("ESG 2021 tiers by traits held").
    pub footer: String,
}

/// What a chart draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ChartKind {
    /// A trend over periods.
    Lines(Lines),
    /// Horizontal bars.
    Bars(Bars),
    /// Vertical columns.
    Columns(Columns),
    /// A 2x2 bubble chart.
    Quadrants(Quadrants),
    /// A banded scale with a position.
    Tiers(Tiers),
}

/// One chart: an id (the `<svg id>` of the HTML page), a title, a text
/// alternative and what it draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Chart {
    /// The id, unique in a report ("chart-first-response-urgent").
    pub id: String,
    /// The title, drawn above the chart and used as its accessible name.
    pub title: String,
    /// A sentence or two saying what the chart shows and what stands out:
    /// the text alternative.
    pub summary: String,
    /// What it draws.
    pub kind: ChartKind,
    /// The column heads of its data table, in the report's language: they
    /// fill the table's empty heads in order (the label column, then the
    /// value column; a line chart's series name their own columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heads: Vec<String>,
}

impl Chart {
    /// With the column heads of its data table (see [`Chart::heads`]).
    pub fn with_heads(mut self, heads: Vec<String>) -> Self {
        self.heads = heads;
        self
    }

    /// A chart.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        summary: impl Into<String>,
        kind: ChartKind,
    ) -> Self {
        Chart {
            id: id.into(),
            title: title.into(),
            summary: summary.into(),
            kind,
            heads: Vec::new(),
        }
    }
}
