//! Reports: the metrics, SLA compliance, CX maturity and (when available)
//! the value-irritant matrix and the customer section in one [`Report`],
//! rendered to Markdown or to a self-contained HTML page with inline SVG
//! charts.
//!
//! The customer section ([`CustomerSection`], added with
//! [`Report::with_customers`]) shows the customers at risk of leaving
//! (recent bad experiences, in words, from ticket facts), the
//! repeat-contact rate and first-contact resolution next to one-touch
//! resolution (overall, per channel with charts, per contact reason), the
//! most likely next-issue pairs (with a chart) and the knowledge-base gaps
//! (an example question in the customer's words, the reply most often
//! given, the article that covers it or "none"), each term defined in
//! words.
//!
//! The HTML page has no JavaScript and no external assets (styles inline,
//! charts as SVG), and every piece of text in it is HTML-escaped; the
//! Markdown escapes text so that it cannot open HTML, links, images or
//! emphasis, or break a table. Every chart, the value-irritant matrix's
//! included, is drawn by the crate from typed data: a report never inserts
//! markup it was handed. A report
//! is built from aggregated figures, never from internal notes: the only
//! words from tickets in it are customers' CSAT comments (in the list of
//! low scores to follow up) and, in the customer section, the example
//! questions and most given replies of the knowledge-base gaps, which are
//! customers' first public messages and agents' first public replies.
//!
//! ```
//! use supportdesk::metrics::Aggregate;
//! use supportdesk::report::Report;
//!
//! let summary = Aggregate::new().summary();
//! let report = Report::new("Support <weekly>", summary, "2026-03-09T08:00:00Z".parse()?);
//! let html = report.to_html();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("Support &lt;weekly&gt;"));
//! assert!(!html.contains("<script"));
//! assert!(report.to_markdown().starts_with("# Support &lt;weekly&gt;"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chart;
mod customers;
mod html;
mod markdown;
pub mod model;
mod svg;
pub mod words;

pub use customers::{CUSTOMER_TOP, CustomerSection, Definition};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::insight::Matrix;
use crate::insight::maturity::MaturityReport;
use crate::metrics::{Basis, ContactRate, MetricsSummary, Periodic};

/// The ids of the charts of the HTML page (each an `<svg id=...>`), in
/// page order. The matrix chart is [`Matrix::to_svg`]'s drawing of the
/// report's matrix, wrapped in `<figure id="chart-matrix">`. The three
/// customer charts are drawn when the report has a [`CustomerSection`].
pub const CHART_IDS: [&str; 9] = [
    "chart-first-response",
    "chart-csat-channel",
    "chart-csat-speed",
    "chart-backlog-age",
    "chart-repeat-channel",
    "chart-fcr-channel",
    "chart-next-issue",
    "chart-matrix",
    "chart-maturity",
];

/// How many steps of the matrix's plan the HTML page lists under its
/// chart, most important first.
pub const MATRIX_ACTIONS: usize = 3;

/// One row of the per-period table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PeriodRow {
    /// "2026-03-02", "2026-W10", "2026-03".
    pub label: String,
    /// Tickets opened.
    pub tickets: u64,
    /// Median first response, seconds.
    pub first_response_median: Option<f64>,
    /// One-touch share of resolved tickets.
    pub one_touch: Option<f64>,
    /// Mean CSAT and answers.
    pub csat: (Option<f64>, u64),
    /// Backlog at the period's end.
    pub backlog: u64,
}

/// Everything a report shows. Build it with [`Report::new`] and the
/// `with_*` methods, then render it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The title.
    pub title: String,
    /// A line under the title (the period covered, the desk).
    pub subtitle: Option<String>,
    /// When the report was made.
    pub generated_at: DateTime<Utc>,
    /// The figures.
    pub summary: MetricsSummary,
    /// The first-response target drawn on the distribution (seconds) and
    /// the basis the distribution is drawn in.
    pub first_response_target: Option<(u64, Basis)>,
    /// Per-period rows.
    pub periods: Vec<PeriodRow>,
    /// Contact rates, labelled ("March 2026", a period label).
    pub contact_rates: Vec<(String, ContactRate)>,
    /// CX maturity.
    pub maturity: Option<MaturityReport>,
    /// The value-irritant matrix, drawn by the crate's own renderers
    /// ([`Matrix::to_svg`], [`Matrix::to_markdown`]).
    pub matrix: Option<Matrix>,
    /// How many low scores to list (most recent first); 25 by default.
    pub low_score_limit: usize,
    /// The customer section: at-risk customers, repeat contacts and FCR,
    /// next issues, knowledge-base gaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<CustomerSection>,
}

impl Report {
    /// A report of a summary.
    pub fn new(title: &str, summary: MetricsSummary, generated_at: DateTime<Utc>) -> Self {
        Report {
            title: title.to_owned(),
            subtitle: None,
            generated_at,
            summary,
            first_response_target: None,
            periods: Vec::new(),
            contact_rates: Vec::new(),
            maturity: None,
            matrix: None,
            low_score_limit: 25,
            customers: None,
        }
    }

    /// Sets the line under the title.
    pub fn with_subtitle(mut self, subtitle: &str) -> Self {
        self.subtitle = Some(subtitle.to_owned());
        self
    }

    /// Draws a first-response target on the distribution, which is then
    /// drawn in the target's basis (business time when the target is in
    /// business time and business figures were measured).
    pub fn with_first_response_target(mut self, seconds: u64, basis: Basis) -> Self {
        self.first_response_target = Some((seconds, basis));
        self
    }

    /// Adds the per-period table.
    pub fn with_periods(mut self, periods: &Periodic) -> Self {
        self.periods = periods
            .periods()
            .map(|(p, a)| {
                let s = a.summary();
                PeriodRow {
                    label: p.to_string(),
                    tickets: s.volume.tickets,
                    first_response_median: s.first_response.times.median,
                    one_touch: s.one_touch.value(),
                    csat: (s.csat.overall.mean, s.csat.overall.responses),
                    backlog: s.backlog.open,
                }
            })
            .collect();
        self
    }

    /// Adds contact rates.
    pub fn with_contact_rates(mut self, rates: Vec<(String, ContactRate)>) -> Self {
        self.contact_rates = rates;
        self
    }

    /// Adds the CX maturity assessment.
    pub fn with_maturity(mut self, maturity: MaturityReport) -> Self {
        self.maturity = Some(maturity);
        self
    }

    /// Adds the value-irritant matrix. The HTML page draws it as an SVG
    /// chart with the first [`MATRIX_ACTIONS`] steps of its plan; the
    /// Markdown report has its table, plan and repeated questions. Both are
    /// rendered here from the typed matrix, with every label and question
    /// escaped: no caller-supplied markup ever reaches a report.
    pub fn with_matrix(mut self, matrix: Matrix) -> Self {
        self.matrix = Some(matrix);
        self
    }

    /// Adds the customer section (see [`CustomerSection`]): its tables in
    /// both renderers, and in the HTML page charts of the repeat-contact
    /// rate and FCR per channel and of the next-issue probabilities.
    pub fn with_customers(mut self, section: CustomerSection) -> Self {
        self.customers = Some(section);
        self
    }

    /// The report as Markdown (GitHub flavour: tables). Text from the data
    /// is escaped so it cannot open HTML or Markdown markup.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        html::render(self)
    }
}

/// A duration in seconds for people, or "n/a".
pub(crate) fn opt_secs(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), crate::metrics::secs)
}

/// The cells of a duration row, shared by the Markdown and HTML tables:
/// label, count, mean, median, p90, longest.
pub(crate) fn duration_cells(label: &str, d: &crate::metrics::DurationSummary) -> Vec<String> {
    vec![
        label.to_owned(),
        d.count.to_string(),
        opt_secs(d.mean),
        opt_secs(d.median),
        opt_secs(d.p90),
        d.max
            .map_or_else(|| "n/a".to_owned(), |m| crate::sla::human(m as i64)),
    ]
}

/// "42.0% (21 of 50)".
pub(crate) fn rate_text(r: &crate::metrics::Rate) -> String {
    format!("{} ({} of {})", r.percent(), r.count, r.of)
}

/// The short form of an id (a ticket's, a customer's) for tables: its last
/// group of hex digits.
pub(crate) fn short_id(id: &impl std::fmt::Display) -> String {
    let s = id.to_string();
    s.rsplit('-')
        .next()
        .unwrap_or(&s)
        .trim_start_matches('0')
        .to_owned()
}
