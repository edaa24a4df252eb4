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

mod build;
mod customers;
mod html;
mod markdown;
pub mod model;
pub mod words;

pub use customers::{CUSTOMER_TOP, CustomerSection, Definition};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::Priority;
use crate::calendar::Period;
pub use crate::chart;
pub use words::{Lang, Words};

use crate::insight::Matrix;
use crate::insight::maturity::MaturityReport;
use crate::metrics::{Basis, ContactRate, MetricsSummary, Periodic};

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
    /// The period (its local dates), when the row was built from a
    /// [`Periodic`]: the report labels it in its own language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Median first response, seconds.
    pub first_response_median: Option<f64>,
    /// 90th percentile of the first response, seconds.
    #[serde(default)]
    pub first_response_p90: Option<f64>,
    /// Median first response in business time, seconds (when measured).
    #[serde(default)]
    pub first_response_business_median: Option<f64>,
    /// 90th percentile of the first response in business time, seconds.
    #[serde(default)]
    pub first_response_business_p90: Option<f64>,
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
    /// Per-priority figures, with their targets.
    #[serde(default)]
    pub priorities: Vec<PriorityFigures>,
    /// The language of the words.
    #[serde(default)]
    pub lang: Lang,
    /// The zone times are written in.
    #[serde(default = "utc")]
    pub time_zone: Tz,
    /// The fewest observations judged (see [`Report::with_min_sample`]).
    #[serde(default = "min_sample")]
    pub min_sample: u64,
}

fn utc() -> Tz {
    Tz::UTC
}

fn min_sample() -> u64 {
    MIN_SAMPLE
}

/// The fewest observations (answers, decided SLA targets, contacts) a
/// report judges by default: a rate or mean of fewer is shown greyed with
/// its count and "too few to judge", never coloured as good or bad.
pub const MIN_SAMPLE: u64 = 10;

/// The rows of a per-period trend.
fn period_rows(periods: &Periodic) -> Vec<PeriodRow> {
    periods
        .periods()
        .map(|(p, a)| {
            let s = a.summary();
            PeriodRow {
                label: p.to_string(),
                period: Some(*p),
                tickets: s.volume.tickets,
                first_response_median: s.first_response.times.median,
                first_response_p90: s.first_response.times.p90,
                first_response_business_median: s
                    .first_response_business
                    .as_ref()
                    .and_then(|b| b.times.median),
                first_response_business_p90: s
                    .first_response_business
                    .as_ref()
                    .and_then(|b| b.times.p90),
                one_touch: s.one_touch.value(),
                csat: (s.csat.overall.mean, s.csat.overall.responses),
                backlog: s.backlog.open,
            }
        })
        .collect()
}

/// A first-response target of a priority, as the report marks it: its
/// length and what it applies to ("email and messaging").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetLine {
    /// What it applies to (a policy's name); empty when it applies to all.
    pub label: String,
    /// The target, seconds.
    pub seconds: u64,
}

/// One priority's figures for a [`Report`]: its summary (first-response
/// distribution, SLA compliance), its per-period trend and the
/// first-response targets that apply to it.
///
/// Build one per priority from the facts of that priority's tickets; take
/// the targets from the SLA policies with
/// [`PriorityFigures::targets_from`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriorityFigures {
    /// The priority.
    pub priority: Priority,
    /// Its figures.
    pub summary: MetricsSummary,
    /// Its per-period trend.
    pub periods: Vec<PeriodRow>,
    /// Its first-response targets (several when policies differ by
    /// channel).
    pub targets: Vec<TargetLine>,
}

impl PriorityFigures {
    /// A priority's figures from its aggregate and its per-period
    /// aggregates.
    pub fn new(priority: Priority, summary: MetricsSummary, periods: &Periodic) -> Self {
        PriorityFigures {
            priority,
            summary,
            periods: period_rows(periods),
            targets: Vec::new(),
        }
    }

    /// Adds a target to mark.
    pub fn with_target(mut self, label: &str, seconds: u64) -> Self {
        self.targets.push(TargetLine {
            label: label.to_owned(),
            seconds,
        });
        self
    }

    /// Takes the priority's targets of `metric` ("first_reply") from a
    /// policy set: one line per policy that sets one, labelled with the
    /// policy's name (policies are listed in precedence order, the
    /// fallback last). Targets of one length are marked once, their
    /// policies' names joined.
    pub fn targets_from(mut self, policies: &crate::sla::PolicySet, metric: &str) -> Self {
        let all = policies
            .policies
            .iter()
            .chain(std::iter::once(&policies.fallback));
        for policy in all {
            for t in &policy.targets {
                if t.metric != metric || t.priority != self.priority || t.seconds < 0 {
                    continue;
                }
                let seconds = t.seconds as u64;
                match self.targets.iter_mut().find(|l| l.seconds == seconds) {
                    Some(l) if !l.label.split(", ").any(|n| n == policy.name) => {
                        l.label = format!("{}, {}", l.label, policy.name);
                    }
                    Some(_) => {}
                    None => self.targets.push(TargetLine {
                        label: policy.name.clone(),
                        seconds,
                    }),
                }
            }
        }
        self
    }
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
            priorities: Vec::new(),
            lang: Lang::En,
            time_zone: Tz::UTC,
            min_sample: MIN_SAMPLE,
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

    /// Adds the per-period trend (tickets opened, first response median
    /// and p90, CSAT, backlog at each period's end), drawn as line charts.
    pub fn with_periods(mut self, periods: &Periodic) -> Self {
        self.periods = period_rows(periods);
        self
    }

    /// Adds one priority's figures: its first-response distribution and
    /// trend are drawn against its own targets, and its SLA compliance gets
    /// a row of its own. Call once per priority, in the order to show.
    pub fn with_priority(mut self, figures: PriorityFigures) -> Self {
        self.priorities.retain(|p| p.priority != figures.priority);
        self.priorities.push(figures);
        self
    }

    /// The language of the report's words (English by default).
    pub fn with_language(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// The time zone the report's times are written in (UTC by default).
    pub fn with_time_zone(mut self, tz: Tz) -> Self {
        self.time_zone = tz;
        self
    }

    /// The fewest observations a rate or mean needs before the report
    /// judges it ([`MIN_SAMPLE`] by default): smaller samples are shown
    /// greyed with their count, never highlighted as good or bad.
    pub fn with_min_sample(mut self, n: u64) -> Self {
        self.min_sample = n.max(1);
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

    /// The report as a [`Document`](model::Document): its sections, key
    /// figures, tables, chart specs and notes, in the report's language
    /// and time zone. The renderers lay this out and add nothing; hosts
    /// can render it their own way.
    pub fn document(&self) -> model::Document {
        build::document(self)
    }

    /// The basis the first-response distribution is drawn in: the
    /// target's basis when business figures were measured, else calendar
    /// time.
    pub fn first_response_basis(&self) -> Basis {
        match (
            self.first_response_target,
            &self.summary.first_response_business,
        ) {
            (Some((_, Basis::Business)), Some(_)) => Basis::Business,
            _ if !self.priorities.is_empty()
                && self.summary.first_response_business.is_some()
                && self
                    .first_response_target
                    .is_none_or(|t| t.1 == Basis::Business) =>
            {
                Basis::Business
            }
            _ => Basis::Calendar,
        }
    }

    /// The report as Markdown (GitHub flavour: tables). Text from the data
    /// is escaped so it cannot open HTML or Markdown markup.
    pub fn to_markdown(&self) -> String {
        markdown::render(&self.document())
    }

    /// The report as one self-contained HTML page.
    pub fn to_html(&self) -> String {
        html::render(&self.document())
    }
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
