//! The report's sections, built once from the figures into the
//! [`Document`] model: one function per section. Every figure a reader
//! sees is formatted here, in the report's language and time zone; the
//! renderers add none of their own.

use crate::Priority;
use crate::chart::{
    Band, Bar, Bars, Chart, ChartKind, Column, Columns, Emphasis, Lines, Marker, Reference, Scale,
    Series, Tiers,
};
use crate::insight::maturity::{MaturityReport, Signal};
use crate::metrics::{
    BinCount, CsatFigures, Denominator, DurationSummary, RESPONSE_BIN_EDGES, Rate,
};
use crate::report::model::{Block, Cell, Document, Figure, Section, Table, Tone};
use crate::report::words::{Noun, Words};
use crate::report::{MATRIX_ACTIONS, PeriodRow, Report, short_id};
use crate::sla::Compliance;

/// What the section builders share: the report, its words and the
/// smallest sample judged.
pub(crate) struct Ctx<'a> {
    pub(crate) r: &'a Report,
    pub(crate) w: Words,
}

impl Ctx<'_> {
    fn min(&self) -> u64 {
        self.r.min_sample
    }

    /// A duration or a dash.
    fn dur(&self, v: Option<f64>) -> String {
        v.map_or_else(|| self.w.t("no data").to_owned(), |s| self.w.duration(s))
    }

    fn rate(&self, r: &Rate) -> String {
        self.w.rate(r.count, r.of)
    }

    /// A rate with its 95% interval when the sample is large enough to
    /// judge, and greyed with its count when it is not.
    pub(crate) fn rate_ci(&self, r: &Rate) -> Cell {
        if r.of == 0 {
            return Cell::new(self.w.t("no data")).tone(Tone::Muted);
        }
        let base = self.rate(r);
        if r.of < self.min() {
            return Cell::new(joined(&self.w, &base, self.w.t("(too few to judge)")))
                .tone(Tone::Small);
        }
        match r.wilson95() {
            Some(i) => Cell::new(self.w.fmt(
                "{rate}, 95% CI {low}–{high}",
                &[
                    ("rate", base),
                    ("low", self.w.percent(i.low)),
                    ("high", self.w.percent(i.high)),
                ],
            )),
            None => Cell::new(base),
        }
    }

    fn duration_row(&self, label: String, d: &DurationSummary) -> Vec<Cell> {
        vec![
            Cell::new(label),
            Cell::new(self.w.number(d.count)),
            Cell::new(self.dur(d.mean)),
            Cell::new(self.dur(d.median)),
            Cell::new(self.dur(d.p90)),
            Cell::new(self.dur(d.max.map(|m| m as f64))),
        ]
    }
}

/// Two phrases one after the other: with a space in English, without one
/// in Chinese (whose punctuation is full-width).
pub(crate) fn joined(w: &Words, first: &str, second: &str) -> String {
    match w.lang() {
        crate::report::Lang::En => format!("{first} {second}"),
        _ => format!("{first}{second}"),
    }
}

/// The whole document.
pub(crate) fn document(r: &Report) -> Document {
    let c = Ctx {
        r,
        w: Words::new(r.lang, r.time_zone),
    };
    let w = &c.w;
    let s = &r.summary;
    let mut meta = Vec::new();
    if let Some(at) = s.as_of {
        meta.push(w.fmt("Figures as of {when}", &[("when", w.datetime(at))]));
    }
    meta.push(w.fmt(
        "Times in {zone}",
        &[("zone", r.time_zone.name().to_owned())],
    ));
    if let Some(at) = s.newest_event {
        meta.push(w.fmt("newest event {when}", &[("when", w.datetime(at))]));
    }
    meta.push(w.fmt("generated {when}", &[("when", w.datetime(r.generated_at))]));
    let mut sections = vec![
        summary(&c),
        trends(&c),
        first_response(&c),
        sla(&c),
        csat(&c),
    ];
    sections.push(backlog(&c));
    sections.push(volume(&c));
    if let Some(cs) = &r.customers {
        sections.push(crate::report::customers::section(&c, cs));
    }
    sections.push(matrix(&c));
    sections.push(maturity(&c));
    sections.retain(|s| !s.blocks.is_empty());
    for sec in &mut sections {
        for b in &mut sec.blocks {
            if let Block::Charts(charts) = b {
                for ch in charts.iter_mut().filter(|ch| ch.heads.is_empty()) {
                    ch.heads = data_heads(w, &ch.id);
                }
            }
        }
    }
    Document {
        lang: w.lang().to_string(),
        title: r.title.clone(),
        subtitle: r.subtitle.clone(),
        meta,
        sections,
        contents_label: w.t("Contents").to_owned(),
        data_label: w.t("Data").to_owned(),
    }
}

/// The column heads of a chart's data table, by chart.
fn data_heads(w: &Words, id: &str) -> Vec<String> {
    let heads = match id {
        _ if id.starts_with("chart-trend-") => vec![w.t("period")],
        _ if id.starts_with("chart-first-response") => {
            vec![w.t("time to first reply"), w.t("tickets")]
        }
        "chart-backlog-age" => vec![w.t("age"), w.t("tickets")],
        "chart-csat-channel" => vec![w.t("channel"), w.t("mean CSAT")],
        "chart-csat-speed" => vec![w.t("time to first reply"), w.t("mean CSAT")],
        "chart-maturity" => vec![w.t("tier"), w.t("traits")],
        "chart-repeat-channel" => vec![w.t("channel"), w.t("repeat contacts")],
        "chart-fcr-channel" => vec![w.t("channel"), w.t("first-contact resolution")],
        "chart-next-issue" => vec![w.t("reason → next reason"), w.t("share")],
        _ => Vec::new(),
    };
    heads.into_iter().map(str::to_owned).collect()
}

fn summary(c: &Ctx<'_>) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    let mut sec = Section::new("summary", w.t("Key figures"));
    let fr = &s.first_response;
    let mut f = vec![
        Figure::new(w.t("Tickets"), w.number(s.volume.tickets)).detail(w.fmt(
            "{reactive} from customers, {proactive} proactive",
            &[
                ("reactive", w.number(s.volume.reactive)),
                ("proactive", w.number(s.volume.proactive)),
            ],
        )),
        Figure::new(w.t("First response (median)"), c.dur(fr.times.median)).detail(w.fmt(
            "p90 {p90}; {n}",
            &[
                ("p90", c.dur(fr.times.p90)),
                ("n", w.count(fr.times.count, Noun::Ticket)),
            ],
        )),
    ];
    if let Some(b) = &s.first_response_business {
        f.push(
            Figure::new(
                w.t("First response in business hours (median)"),
                c.dur(b.times.median),
            )
            .detail(w.fmt("p90 {p90}", &[("p90", c.dur(b.times.p90))])),
        );
    }
    if let Some(cmp) = s.sla.get("first_reply") {
        f.push(compliance_figure(
            c,
            w.t("First replies within SLA target"),
            cmp,
        ));
    }
    f.push(
        Figure::new(w.t("Resolution (median)"), c.dur(s.resolution.median)).detail(w.fmt(
            "p90 {p90}; {n}",
            &[
                ("p90", c.dur(s.resolution.p90)),
                ("n", w.count(s.resolution.count, Noun::Ticket)),
            ],
        )),
    );
    f.push(rate_figure(c, w.t("One-touch resolution"), &s.one_touch));
    f.push(rate_figure(c, w.t("Reopened"), &s.reopened));
    let csat = &s.csat.overall;
    if csat.responses == 0 {
        f.push(Figure::new(w.t("CSAT (1–5)"), w.t("no data")).tone(Tone::Muted));
    } else {
        f.push(
            Figure::new(
                w.t("CSAT (1–5)"),
                csat.mean
                    .map_or_else(|| w.t("no data").to_owned(), |m| format!("{m:.2}")),
            )
            .detail(w.fmt(
                "{satisfied} satisfied; {n} ({rate} response rate)",
                &[
                    (
                        "satisfied",
                        w.percent(csat.satisfied.value().unwrap_or(0.0)),
                    ),
                    ("n", w.count(csat.responses, Noun::Answer)),
                    (
                        "rate",
                        w.percent(s.csat.response_rate.value().unwrap_or(0.0)),
                    ),
                ],
            ))
            .tone(small_tone(c, csat.responses)),
        );
    }
    if s.ces.responses > 0 {
        f.push(
            Figure::new(
                w.t("Customer effort (1 easy – 7 hard)"),
                s.ces
                    .mean
                    .map_or_else(|| w.t("no data").to_owned(), |m| format!("{m:.2}")),
            )
            .detail(w.fmt(
                "{easy} low effort, {hard} high effort; {n}",
                &[
                    ("easy", w.percent(s.ces.easy.value().unwrap_or(0.0))),
                    ("hard", w.percent(s.ces.hard.value().unwrap_or(0.0))),
                    ("n", w.count(s.ces.responses, Noun::Answer)),
                ],
            ))
            .tone(small_tone(c, s.ces.responses)),
        );
    }
    let mut backlog = Figure::new(w.t("Unsolved now"), w.number(s.backlog.open));
    if let Some(o) = &s.backlog.oldest {
        backlog = backlog.detail(w.fmt(
            "oldest {age} (ticket {ticket})",
            &[
                ("age", w.duration(o.seconds as f64)),
                ("ticket", short_id(&o.ticket)),
            ],
        ));
    }
    f.push(backlog);
    let waiting = match &fr.longest_waiting {
        Some(l) => {
            Figure::new(w.t("Waiting for a first reply"), w.number(fr.waiting)).detail(w.fmt(
                "longest {age} (ticket {ticket})",
                &[
                    ("age", w.duration(l.seconds as f64)),
                    ("ticket", short_id(&l.ticket)),
                ],
            ))
        }
        None => Figure::new(w.t("Waiting for a first reply"), w.number(fr.waiting)),
    };
    f.push(waiting);
    f.push(
        Figure::new(w.t("Replies by agents"), w.number(s.agent_replies)).detail(w.fmt(
            "{n} automated (not counted as agent work)",
            &[("n", w.number(s.bot_replies))],
        )),
    );
    sec.push(Block::Figures(f));
    sec
}

fn small_tone(c: &Ctx<'_>, n: u64) -> Tone {
    if n < c.min() {
        Tone::Small
    } else {
        Tone::Plain
    }
}

/// A rate as a key figure: the share, then its count, and its 95%
/// interval when the sample is large enough to judge (greyed with "too
/// few to judge" when it is not).
pub(crate) fn rate_figure(c: &Ctx<'_>, label: &str, r: &Rate) -> Figure {
    let w = &c.w;
    let small = r.of < c.min();
    match r.value() {
        Some(v) => {
            let mut detail = w.fmt(
                "{count} of {of}",
                &[("count", w.number(r.count)), ("of", w.number(r.of))],
            );
            if small {
                detail = joined(w, &detail, w.t("(too few to judge)"));
            } else if let Some(i) = r.wilson95() {
                detail.push_str(&w.fmt(
                    "; 95% CI {low}–{high}",
                    &[("low", w.percent(i.low)), ("high", w.percent(i.high))],
                ));
            }
            Figure::new(label, w.percent(v))
                .detail(detail)
                .tone(if small { Tone::Small } else { Tone::Plain })
        }
        None => Figure::new(label, w.t("no data")).tone(Tone::Muted),
    }
}

fn compliance_figure(c: &Ctx<'_>, label: &str, cmp: &Compliance) -> Figure {
    let w = &c.w;
    let decided = cmp.met.saturating_add(cmp.breached) as u64;
    match cmp.rate() {
        Some(v) => {
            let mut detail = w.fmt(
                "{met} met, {breaches}",
                &[
                    ("met", w.number(cmp.met as u64)),
                    ("breaches", w.count(cmp.breached as u64, Noun::Breach)),
                ],
            );
            if decided < c.min() {
                detail = joined(w, &detail, w.t("(too few to judge)"));
            }
            Figure::new(label, w.percent(v))
                .detail(detail)
                .tone(small_tone(c, decided))
        }
        None => Figure::new(label, w.t("no data")).tone(Tone::Muted),
    }
}

/// The rows of the trend: periods before the report's instant (a period
/// that starts at or after it is empty by definition and left out).
fn trend_rows<'r>(c: &Ctx<'r>, rows: &'r [PeriodRow]) -> Vec<&'r PeriodRow> {
    let as_of = c.r.summary.as_of.unwrap_or(c.r.generated_at);
    let tz = c.r.time_zone;
    rows.iter()
        .filter(|p| match &p.period {
            Some(period) => period.bounds(tz).0 < as_of.timestamp(),
            None => true,
        })
        .collect()
}

fn period_label(c: &Ctx<'_>, p: &PeriodRow) -> String {
    p.period
        .as_ref()
        .map_or_else(|| p.label.clone(), |period| c.w.period(period))
}

fn trends(c: &Ctx<'_>) -> Section {
    let w = &c.w;
    let mut sec = Section::new("trends", w.t("Trends"));
    let rows = trend_rows(c, &c.r.periods);
    if rows.is_empty() {
        return sec;
    }
    let x: Vec<String> = rows.iter().map(|p| period_label(c, p)).collect();
    let opened: Vec<Option<f64>> = rows.iter().map(|p| Some(p.tickets as f64)).collect();
    let backlog: Vec<Option<f64>> = rows.iter().map(|p| Some(p.backlog as f64)).collect();
    let peak = rows.iter().max_by_key(|p| p.tickets);
    let last = rows.last();
    let volume_summary = match (peak, last) {
        (Some(peak), Some(last)) => w.fmt(
            "Tickets opened per period and the unsolved backlog at each period's end. Busiest: {peak} ({n}); backlog at the end: {backlog}.",
            &[
                ("peak", period_label(c, peak)),
                ("n", w.count(peak.tickets, Noun::Ticket)),
                ("backlog", w.number(last.backlog)),
            ],
        ),
        _ => String::new(),
    };
    let mut charts = vec![Chart::new(
        "chart-trend-volume",
        w.t("Tickets opened and backlog"),
        volume_summary,
        ChartKind::Lines(Lines {
            x: x.clone(),
            scale: Scale::Count,
            series: vec![
                Series {
                    name: w.t("tickets opened").to_owned(),
                    values: opened,
                    dashed: false,
                },
                Series {
                    name: w.t("unsolved at the end").to_owned(),
                    values: backlog,
                    dashed: true,
                },
            ],
            references: Vec::new(),
        }),
    )];
    let min = c.min();
    let csat: Vec<Option<f64>> = rows
        .iter()
        .map(|p| match p.csat {
            (Some(m), n) if n >= min => Some(m),
            _ => None,
        })
        .collect();
    let left_out = csat.iter().filter(|v| v.is_none()).count() as u64;
    let overall = c.r.summary.csat.overall.mean;
    charts.push(Chart::new(
        "chart-trend-csat",
        w.t("Mean CSAT"),
        w.fmt(
            "Mean CSAT (1–5) per period; periods with fewer than {min} answers are left out ({n}).",
            &[("min", w.number(min)), ("n", w.number(left_out))],
        ),
        ChartKind::Lines(Lines {
            x: x.clone(),
            scale: Scale::Score { min: 1.0, max: 5.0 },
            series: vec![Series {
                name: w.t("mean CSAT").to_owned(),
                values: csat,
                dashed: false,
            }],
            references: overall
                .map(|m| Reference {
                    label: w.fmt("overall {mean}", &[("mean", format!("{m:.2}"))]),
                    value: m,
                })
                .into_iter()
                .collect(),
        }),
    ));
    sec.push(Block::Charts(charts));

    // First response per priority against its targets.
    let mut multiples = Vec::new();
    if c.r.priorities.is_empty() {
        let target = c.r.first_response_target.map(|(t, _)| t);
        multiples.push(first_response_trend(
            c,
            "chart-trend-first-response",
            w.t("First response").to_owned(),
            &rows,
            &target
                .map(|t| (w.fmt("target {t}", &[("t", w.duration_short(t as f64))]), t))
                .into_iter()
                .collect::<Vec<_>>(),
        ));
    } else {
        for p in &c.r.priorities {
            let prow = trend_rows(c, &p.periods);
            let targets: Vec<(String, u64)> = p
                .targets
                .iter()
                .map(|t| (target_label(c, &t.label, t.seconds), t.seconds))
                .collect();
            multiples.push(first_response_trend(
                c,
                &format!("chart-trend-first-response-{}", p.priority.as_str()),
                w.fmt(
                    "First response, {priority}",
                    &[("priority", w.priority(p.priority).to_owned())],
                ),
                &prow,
                &targets,
            ));
        }
    }
    sec.push(Block::Heading(
        w.t("First response against each priority's target")
            .to_owned(),
    ));
    sec.push(Block::Charts(multiples));
    sec
}

fn target_label(c: &Ctx<'_>, label: &str, seconds: u64) -> String {
    let t = c.w.duration_short(seconds as f64);
    if label.is_empty() {
        c.w.fmt("target {t}", &[("t", t)])
    } else {
        c.w.fmt(
            "target {t} ({label})",
            &[("t", t), ("label", label.to_owned())],
        )
    }
}

fn first_response_trend(
    c: &Ctx<'_>,
    id: &str,
    title: String,
    rows: &[&PeriodRow],
    targets: &[(String, u64)],
) -> Chart {
    let w = &c.w;
    let x: Vec<String> = rows.iter().map(|p| period_label(c, p)).collect();
    let business = matches!(c.r.first_response_basis(), crate::metrics::Basis::Business);
    let (median, p90): (Vec<Option<f64>>, Vec<Option<f64>>) = rows
        .iter()
        .map(|p| {
            if business {
                (
                    p.first_response_business_median,
                    p.first_response_business_p90,
                )
            } else {
                (p.first_response_median, p.first_response_p90)
            }
        })
        .unzip();
    let over = targets.iter().map(|t| t.1).max().map(|t| {
        p90.iter()
            .filter(|v| v.is_some_and(|v| v > t as f64))
            .count()
    });
    let summary = w.fmt(
        if business {
            "Median and 90th percentile of the first response per period, in business hours as the SLA targets are counted, with the targets as dashed lines. The p90 is above the longest target in {n} of {of} periods."
        } else {
            "Median and 90th percentile of the first response per period, with the SLA targets as dashed lines. The p90 is above the longest target in {n} of {of} periods."
        },
        &[
            ("n", w.number(over.unwrap_or(0) as u64)),
            ("of", w.number(rows.len() as u64)),
        ],
    );
    Chart::new(
        id,
        title,
        summary,
        ChartKind::Lines(Lines {
            x,
            scale: Scale::Duration,
            series: vec![
                Series {
                    name: w.t("median").to_owned(),
                    values: median,
                    dashed: false,
                },
                Series {
                    name: w.t("p90").to_owned(),
                    values: p90,
                    dashed: true,
                },
            ],
            references: targets
                .iter()
                .map(|(label, t)| Reference {
                    label: label.clone(),
                    value: *t as f64,
                })
                .collect(),
        }),
    )
}

/// A bin's short label: "<15m", "1h–2h", "≥3d".
fn bin_label(c: &Ctx<'_>, b: &BinCount) -> String {
    let w = &c.w;
    match (b.from, b.to) {
        (0, Some(to)) => format!("<{}", w.duration_short(to as f64)),
        (from, Some(to)) => format!(
            "{}–{}",
            w.duration_short(from as f64),
            w.duration_short(to as f64)
        ),
        (from, None) => format!("≥{}", w.duration_short(from as f64)),
    }
}

/// Where a target falls on a distribution's bins, in column units.
fn marker_at(bins: &[BinCount], seconds: u64) -> f64 {
    for (i, b) in bins.iter().enumerate() {
        let inside = match b.to {
            Some(to) => seconds < to,
            None => true,
        };
        if seconds >= b.from && inside {
            let frac = match b.to {
                Some(to) if to > b.from => (seconds - b.from) as f64 / (to - b.from) as f64,
                _ => 0.0,
            };
            return i as f64 + frac;
        }
    }
    bins.len() as f64
}

fn distribution_chart(
    c: &Ctx<'_>,
    id: String,
    title: String,
    summary: String,
    bins: &[BinCount],
    targets: &[(String, u64)],
) -> Chart {
    let columns = bins
        .iter()
        .map(|b| Column {
            label: bin_label(c, b),
            value: Some(b.count as f64),
            n: b.count,
            emphasis: Emphasis::Normal,
        })
        .collect();
    Chart::new(
        id,
        title,
        summary,
        ChartKind::Columns(Columns {
            scale: Scale::Count,
            columns,
            markers: targets
                .iter()
                .map(|(label, t)| Marker {
                    label: label.clone(),
                    at: marker_at(bins, *t),
                })
                .collect(),
        }),
    )
}

fn first_response(c: &Ctx<'_>) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    let mut sec = Section::new("first-response", w.t("First response"));
    let business = matches!(c.r.first_response_basis(), crate::metrics::Basis::Business);
    let basis_note = if business {
        w.t("Times are counted in business hours, as the SLA targets are.")
    } else {
        w.t("Times are counted in calendar time.")
    };
    let mut charts = Vec::new();
    if c.r.priorities.is_empty() {
        let resp = match (business, &s.first_response_business) {
            (true, Some(b)) => b,
            _ => &s.first_response,
        };
        let targets: Vec<(String, u64)> =
            c.r.first_response_target
                .map(|(t, _)| (w.fmt("target {t}", &[("t", w.duration_short(t as f64))]), t))
                .into_iter()
                .collect();
        let summary = first_response_summary(c, resp.times.count, s.sla.get("first_reply"));
        charts.push(distribution_chart(
            c,
            "chart-first-response".to_owned(),
            w.t("First response distribution").to_owned(),
            summary,
            &resp.bins,
            &targets,
        ));
    } else {
        for p in &c.r.priorities {
            let ps = &p.summary;
            let resp = match (business, &ps.first_response_business) {
                (true, Some(b)) => b,
                _ => &ps.first_response,
            };
            let targets: Vec<(String, u64)> = p
                .targets
                .iter()
                .map(|t| (target_label(c, &t.label, t.seconds), t.seconds))
                .collect();
            let summary = first_response_summary(c, resp.times.count, ps.sla.get("first_reply"));
            charts.push(distribution_chart(
                c,
                format!("chart-first-response-{}", p.priority.as_str()),
                w.fmt(
                    "First response, {priority}",
                    &[("priority", w.priority(p.priority).to_owned())],
                ),
                summary,
                &resp.bins,
                &targets,
            ));
        }
    }
    sec.push(Block::Note(basis_note.to_owned()));
    sec.push(Block::Charts(charts));

    let mut t = Table::with_head(vec![
        w.t("measure").to_owned(),
        w.t("tickets").to_owned(),
        w.t("mean").to_owned(),
        w.t("median").to_owned(),
        w.t("p90").to_owned(),
        w.t("longest").to_owned(),
    ])
    .numeric(&[1, 2, 3, 4, 5]);
    t.row(c.duration_row(w.t("First response").to_owned(), &s.first_response.times));
    if let Some(b) = &s.first_response_business {
        t.row(c.duration_row(w.t("First response, business hours").to_owned(), &b.times));
    }
    t.row(c.duration_row(w.t("Next reply").to_owned(), &s.next_reply));
    if let Some(b) = &s.next_reply_business {
        t.row(c.duration_row(w.t("Next reply, business hours").to_owned(), b));
    }
    t.row(c.duration_row(w.t("Resolution").to_owned(), &s.resolution));
    if let Some(b) = &s.resolution_business {
        t.row(c.duration_row(w.t("Resolution, business hours").to_owned(), b));
    }
    t.row(c.duration_row(w.t("Agent work").to_owned(), &s.agent_work));
    if let Some(b) = &s.agent_work_business {
        t.row(c.duration_row(w.t("Agent work, business hours").to_owned(), b));
    }
    sec.push(Block::Table(t));
    let exact = s.first_response.times.exact_percentiles && s.resolution.exact_percentiles;
    sec.push(Block::Note(
        if exact {
            w.t("Means, counts and rates are exact; so are medians and p90.")
        } else {
            w.t("Means, counts and rates are exact; medians and p90 are within 0.8% (a fixed log-bucketed sketch).")
        }
        .to_owned(),
    ));
    sec
}

fn first_response_summary(c: &Ctx<'_>, n: u64, sla: Option<&Compliance>) -> String {
    let w = &c.w;
    match sla {
        Some(cmp) => w.fmt(
            "{n} first replies by time to reply, with each SLA target marked; the SLA engine judged {breaches} and {met} met.",
            &[
                ("n", w.number(n)),
                ("breaches", w.count(cmp.breached as u64, Noun::Breach)),
                ("met", w.number(cmp.met as u64)),
            ],
        ),
        None => w.fmt(
            "{n} first replies by time to reply.",
            &[("n", w.number(n))],
        ),
    }
}

fn sla(c: &Ctx<'_>) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    let mut sec = Section::new("sla", w.t("SLA compliance"));
    if s.sla.is_empty() {
        sec.push(Block::Note(
            w.t("No SLA targets on these tickets.").to_owned(),
        ));
        return sec;
    }
    // Rows: per metric, then per priority when the report has them.
    let mut rows: Vec<(String, Option<Priority>, &Compliance)> = Vec::new();
    for (m, cmp) in &s.sla {
        let by_priority: Vec<(Priority, &Compliance)> =
            c.r.priorities
                .iter()
                .filter_map(|p| p.summary.sla.get(m).map(|x| (p.priority, x)))
                .collect();
        if by_priority.is_empty() {
            rows.push((m.clone(), None, cmp));
        } else {
            for (p, x) in by_priority {
                rows.push((m.clone(), Some(p), x));
            }
        }
    }
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(m, p, cmp)| {
            let decided = cmp.met.saturating_add(cmp.breached) as u64;
            let small = decided < c.min();
            Bar {
                label: p.map_or_else(|| w.metric(m), |p| w.priority(p).to_owned()),
                value: cmp.rate(),
                text: compliance_text(c, cmp),
                n: decided,
                emphasis: if small {
                    Emphasis::SmallSample
                } else {
                    Emphasis::Normal
                },
                group: p.map(|_| w.metric(m)),
            }
        })
        .collect();
    let worst = rows
        .iter()
        .filter(|(_, _, cmp)| cmp.met.saturating_add(cmp.breached) as u64 >= c.min())
        .filter_map(|(m, p, cmp)| cmp.rate().map(|r| (r, m, p)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let summary = match worst {
        Some((r, m, Some(p))) => w.fmt(
            "Share of SLA targets met, per metric and priority. Lowest: {metric}, {priority} at {rate}.",
            &[
                ("metric", w.metric(m)),
                ("priority", w.priority(*p).to_owned()),
                ("rate", w.percent(r)),
            ],
        ),
        Some((r, m, None)) => w.fmt(
            "Share of SLA targets met, per metric. Lowest: {metric} at {rate}.",
            &[("metric", w.metric(m)), ("rate", w.percent(r))],
        ),
        None => w.t("Share of SLA targets met.").to_owned(),
    };
    let heads = if c.r.priorities.is_empty() {
        vec![w.t("metric"), w.t("targets met")]
    } else {
        vec![w.t("metric"), w.t("priority"), w.t("targets met")]
    };
    sec.push(Block::Charts(vec![
        Chart::new(
            "chart-sla",
            w.t("SLA targets met"),
            summary,
            ChartKind::Bars(Bars {
                scale: Scale::Share,
                bars,
                reference: None,
                empty: w.t("no SLA targets decided yet").to_owned(),
            }),
        )
        .with_heads(heads.into_iter().map(str::to_owned).collect()),
    ]));
    let mut t = Table::with_head(vec![
        w.t("metric").to_owned(),
        w.t("priority").to_owned(),
        w.t("met").to_owned(),
        w.t("breached").to_owned(),
        w.t("running").to_owned(),
        w.t("cancelled").to_owned(),
        w.t("compliance").to_owned(),
    ])
    .numeric(&[2, 3, 4, 5, 6]);
    for (m, cmp) in &s.sla {
        t.row(compliance_row(c, w.metric(m), w.t("all").to_owned(), cmp));
        for (mm, p, x) in &rows {
            if mm == m {
                if let Some(p) = p {
                    t.row(compliance_row(
                        c,
                        String::new(),
                        w.priority(*p).to_owned(),
                        x,
                    ));
                }
            }
        }
    }
    sec.push(Block::Table(t));
    sec.push(Block::Note(w.t("Compliance is met ÷ (met + breached); targets still running or cancelled are not counted.").to_owned()));
    sec
}

fn compliance_text(c: &Ctx<'_>, cmp: &Compliance) -> String {
    let w = &c.w;
    let decided = cmp.met.saturating_add(cmp.breached) as u64;
    let base = w.rate(cmp.met as u64, decided);
    if decided < c.min() {
        joined(w, &base, w.t("(too few to judge)"))
    } else {
        base
    }
}

fn compliance_row(c: &Ctx<'_>, metric: String, priority: String, cmp: &Compliance) -> Vec<Cell> {
    let w = &c.w;
    let decided = cmp.met.saturating_add(cmp.breached) as u64;
    let rate = cmp
        .rate()
        .map_or_else(|| w.t("no data").to_owned(), |v| w.percent(v));
    vec![
        Cell::new(metric),
        Cell::new(priority),
        Cell::new(w.number(cmp.met as u64)),
        Cell::new(w.number(cmp.breached as u64)),
        Cell::new(w.number(cmp.open as u64)),
        Cell::new(w.number(cmp.cancelled as u64)),
        Cell::new(rate).tone(small_tone(c, decided)),
    ]
}

fn csat_bar(c: &Ctx<'_>, label: String, f: &CsatFigures, overall: Option<f64>) -> Bar {
    let w = &c.w;
    let small = f.responses < c.min();
    let text = match f.mean {
        Some(m) if small => w.fmt(
            "{mean} ({answers}; too few to judge)",
            &[
                ("mean", format!("{m:.2}")),
                ("answers", w.count(f.responses, Noun::Answer)),
            ],
        ),
        Some(m) => w.fmt(
            "{mean} ({answers}, {satisfied} satisfied)",
            &[
                ("mean", format!("{m:.2}")),
                ("answers", w.count(f.responses, Noun::Answer)),
                ("satisfied", w.percent(f.satisfied.value().unwrap_or(0.0))),
            ],
        ),
        None => w.t("no answers").to_owned(),
    };
    // Worse only when the channel is both below 3.5 and below the overall
    // mean on a sample large enough to judge.
    let emphasis = match (f.mean, overall) {
        _ if small => Emphasis::SmallSample,
        (Some(m), Some(o)) if m < 3.5 && m < o => Emphasis::Worse,
        _ => Emphasis::Normal,
    };
    Bar {
        label,
        value: f.mean,
        text,
        n: f.responses,
        emphasis,
        group: None,
    }
}

fn csat(c: &Ctx<'_>) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    let mut sec = Section::new("csat", w.t("Customer satisfaction"));
    let overall = s.csat.overall.mean;
    let bars: Vec<Bar> = s
        .csat
        .by_channel
        .iter()
        .map(|(ch, f)| csat_bar(c, w.channel(*ch), f, overall))
        .collect();
    let small = bars
        .iter()
        .filter(|b| b.emphasis == Emphasis::SmallSample)
        .count() as u64;
    sec.push(Block::Charts(vec![Chart::new(
        "chart-csat-channel",
        w.t("Mean CSAT per channel"),
        w.fmt(
            "Mean CSAT (1–5) per channel with its number of answers; channels with fewer than {min} answers are grey ({n}), the others in vermillion when below 3.5 and the overall mean.",
            &[("min", w.number(c.min())), ("n", w.number(small))],
        ),
        ChartKind::Bars(Bars {
            scale: Scale::Score { min: 1.0, max: 5.0 },
            bars,
            reference: overall.map(|m| Reference {
                label: w.fmt("overall {mean}", &[("mean", format!("{m:.2}"))]),
                value: m,
            }),
            empty: w.t("no answers yet").to_owned(),
        }),
    )]));
    let mut dist = Table::with_head(vec![
        w.t("score").to_owned(),
        "1".to_owned(),
        "2".to_owned(),
        "3".to_owned(),
        "4".to_owned(),
        "5".to_owned(),
    ])
    .numeric(&[1, 2, 3, 4, 5]);
    let mut row = vec![Cell::new(w.t("answers"))];
    row.extend(
        s.csat
            .overall
            .distribution
            .iter()
            .map(|n| Cell::new(w.number(*n))),
    );
    dist.row(row);
    sec.push(Block::Table(dist));

    sec.push(Block::Heading(w.t("Low scores to follow up").to_owned()));
    if s.csat.low_followed_up.of == 0 {
        sec.push(Block::Paragraph(
            w.t("No low scores in this period.").to_owned(),
        ));
        return speed(c, sec);
    }
    let mut p = w.fmt(
        "{rate} followed up",
        &[("rate", c.rate(&s.csat.low_followed_up))],
    );
    if let Some(m) = s.csat.follow_up_median {
        p.push_str(&w.fmt(
            ", median {after} after the score",
            &[("after", w.duration(m))],
        ));
    }
    p.push('.');
    sec.push(Block::Paragraph(p));
    let mut t = Table::with_head(vec![
        w.t("when").to_owned(),
        w.t("ticket").to_owned(),
        w.t("channel").to_owned(),
        w.t("score").to_owned(),
        w.t("comment").to_owned(),
        w.t("followed up").to_owned(),
    ])
    .numeric(&[3]);
    for l in s.csat.low_scores.iter().rev().take(c.r.low_score_limit) {
        t.row(vec![
            Cell::new(w.datetime(l.at)),
            Cell::new(short_id(&l.ticket)),
            Cell::new(w.channel(l.channel)),
            Cell::new(l.score.to_string()),
            Cell::new(l.comment.clone().unwrap_or_default()),
            match l.followed_up_in {
                Some(s) => Cell::new(w.fmt("after {after}", &[("after", w.duration(s as f64))])),
                None => Cell::new(w.t("not yet")).tone(Tone::Bad),
            },
        ]);
    }
    if !t.rows.is_empty() {
        sec.push(Block::Table(t));
    }
    let more = s.csat.low_scores.len().saturating_sub(c.r.low_score_limit) as u64;
    if more > 0 {
        sec.push(Block::Note(
            w.fmt("and {n} earlier low scores", &[("n", w.number(more))]),
        ));
    }

    speed(c, sec)
}

/// Speed against satisfaction: the end of the satisfaction section.
fn speed(c: &Ctx<'_>, mut sec: Section) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    sec.push(Block::Heading(
        w.t("Satisfaction by first-response time").to_owned(),
    ));
    let columns: Vec<Column> = s
        .csat_by_response_time
        .iter()
        .map(|b| Column {
            label: bin_label(c, &b.bin),
            value: b.csat.mean,
            n: b.csat.responses,
            emphasis: if b.csat.responses < c.min() {
                Emphasis::SmallSample
            } else {
                Emphasis::Normal
            },
        })
        .collect();
    let after = s
        .speed_threshold
        .as_ref()
        .and_then(|t| RESPONSE_BIN_EDGES.iter().position(|e| *e == t.within));
    let text = match &s.speed_threshold {
        Some(t) => w.fmt(
            "Replies within {within} already get the best satisfaction (mean {plateau}); slower replies get {beyond}. Answering faster than {within} does not raise CSAT in this data.",
            &[
                ("within", w.duration(t.within as f64)),
                ("plateau", format!("{:.2}", t.plateau_mean)),
                ("beyond", format!("{:.2}", t.beyond_mean)),
            ],
        ),
        None => w.t("No threshold in this data: not enough answers per bin, or satisfaction does not fall with slower replies.").to_owned(),
    };
    sec.push(Block::Charts(vec![Chart::new(
        "chart-csat-speed",
        w.t("Mean CSAT by first-response time"),
        text,
        ChartKind::Columns(Columns {
            scale: Scale::Score { min: 1.0, max: 5.0 },
            columns,
            markers: after
                .map(|i| Marker {
                    label: w.t("speed threshold").to_owned(),
                    at: i as f64 + 1.0,
                })
                .into_iter()
                .collect(),
        }),
    )]));
    sec
}

fn backlog(c: &Ctx<'_>) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    let mut sec = Section::new("backlog", w.t("Backlog"));
    let oldest = s.backlog.oldest.as_ref().map_or_else(String::new, |o| {
        w.fmt(
            " The oldest is {age}.",
            &[("age", w.duration(o.seconds as f64))],
        )
    });
    sec.push(Block::Charts(vec![distribution_chart(
        c,
        "chart-backlog-age".to_owned(),
        w.t("Unsolved tickets by age").to_owned(),
        format!(
            "{}{oldest}",
            w.fmt(
                "{n} unsolved at the report's instant, by age.",
                &[("n", w.count(s.backlog.open, Noun::Ticket))],
            )
        ),
        &s.backlog.by_age,
        &[],
    )]));
    let mut t =
        Table::with_head(vec![w.t("status").to_owned(), w.t("tickets").to_owned()]).numeric(&[1]);
    for (st, n) in &s.backlog.by_status {
        t.row(vec![Cell::new(w.status(*st)), Cell::new(w.number(*n))]);
    }
    sec.push(Block::Table(t));
    sec
}

fn volume(c: &Ctx<'_>) -> Section {
    let (w, s) = (&c.w, &c.r.summary);
    let mut sec = Section::new("volume", w.t("Volume"));
    let total = s.volume.tickets;
    let share = |n: u64| {
        if total == 0 {
            String::new()
        } else {
            w.percent(n as f64 / total as f64)
        }
    };
    // One table per breakdown: label, tickets, share of all tickets.
    let counts = |first: &str, rows: Vec<(String, u64)>| {
        let mut t = Table::with_head(vec![
            first.to_owned(),
            w.t("tickets").to_owned(),
            w.t("share").to_owned(),
        ])
        .numeric(&[1, 2]);
        for (label, n) in rows {
            t.row(vec![
                Cell::new(label),
                Cell::new(w.number(n)),
                Cell::new(share(n)),
            ]);
        }
        Block::Table(t)
    };
    let v = &s.volume;
    sec.push(counts(
        w.t("channel"),
        v.by_channel
            .iter()
            .map(|(c, n)| (w.channel(*c), *n))
            .collect(),
    ));
    sec.push(counts(
        w.t("priority"),
        v.by_priority
            .iter()
            .map(|(p, n)| (w.priority(*p).to_owned(), *n))
            .collect(),
    ));
    sec.push(counts(
        w.t("tag"),
        v.by_tag
            .iter()
            .take(15)
            .map(|(t, n)| (t.to_string(), *n))
            .collect(),
    ));
    sec.push(Block::Note(
        w.fmt("Tagged: {rate}", &[("rate", c.rate(&s.volume.tagged))]),
    ));
    if !c.r.contact_rates.is_empty() {
        sec.push(Block::Heading(w.t("Contact rate").to_owned()));
        let mut t = Table::with_head(vec![
            w.t("period").to_owned(),
            w.t("contacts").to_owned(),
            w.t("base").to_owned(),
            w.t("contact rate").to_owned(),
        ])
        .numeric(&[1, 2, 3]);
        for (label, r) in &c.r.contact_rates {
            let per = match r.per {
                Denominator::Orders => w.t("per order"),
                Denominator::ActiveCustomers => w.t("per active customer"),
            };
            t.row(vec![
                Cell::new(label.clone()),
                Cell::new(w.number(r.contacts)),
                Cell::new(w.number(r.denominator)),
                Cell::new(format!("{:.3} {per}", r.rate)),
            ]);
        }
        sec.push(Block::Table(t));
    }
    sec
}

fn matrix(c: &Ctx<'_>) -> Section {
    let w = &c.w;
    let mut sec = Section::new("matrix", w.t("Value-irritant matrix"));
    let Some(m) = &c.r.matrix else {
        return sec;
    };
    let mut chart = m.chart().with_heads(vec![
        w.t("reason").to_owned(),
        w.t("figures").to_owned(),
        w.t("quadrant").to_owned(),
    ]);
    chart.title = w.fmt(
        "Value-irritant matrix: {n}",
        &[("n", w.count(u64::from(m.total), Noun::Ticket))],
    );
    chart.summary = w.t("Contact reasons placed by their value to the customer (across) and to the business (up); bubble area is proportional to tickets.").to_owned();
    if let ChartKind::Quadrants(q) = &mut chart.kind {
        use crate::insight::Quadrant as Q;
        q.names = [
            w.quadrant(Q::Simplify).to_owned(),
            w.quadrant(Q::Leverage).to_owned(),
            w.quadrant(Q::Eliminate).to_owned(),
            w.quadrant(Q::Automate).to_owned(),
        ];
        q.x_axis = w
            .t("irritating to the customer ← value to the customer → valuable to the customer")
            .to_owned();
        q.y_axis = w
            .t("irritating to the business ← value to the business → valuable to the business")
            .to_owned();
    }
    sec.push(Block::Charts(vec![chart]));
    let mut t = Table::with_head(vec![
        w.t("reason").to_owned(),
        w.t("quadrant").to_owned(),
        w.t("tickets").to_owned(),
        w.t("share").to_owned(),
        w.t("CSAT").to_owned(),
        w.t("hours to resolve").to_owned(),
        w.t("recontacts").to_owned(),
    ])
    .numeric(&[2, 3, 4, 5, 6]);
    for reason in &m.reasons {
        let small = u64::from(reason.volume) < c.min();
        let csat = reason
            .csat
            .map_or_else(|| w.t("no data").to_owned(), |v| format!("{v:.2}"));
        t.row(vec![
            Cell::new(reason.rating.label()),
            Cell::new(w.quadrant(reason.quadrant)),
            Cell::new(w.number(u64::from(reason.volume)))
                .tone(small_tone(c, u64::from(reason.volume))),
            Cell::new(w.percent(reason.share)),
            Cell::new(csat).tone(if small { Tone::Small } else { Tone::Plain }),
            Cell::new(
                reason
                    .effort
                    .hours_to_resolve
                    .map_or_else(|| w.t("no data").to_owned(), |h| w.duration(h * 3600.0)),
            ),
            Cell::new(w.percent(reason.recontact_rate)),
        ]);
    }
    sec.push(Block::Table(t));
    if !m.plan.is_empty() {
        sec.push(Block::Heading(w.t("Top actions").to_owned()));
        let items = m
            .plan
            .iter()
            .take(MATRIX_ACTIONS)
            .map(|p| {
                let label = m
                    .reason(&p.tag)
                    .map_or(p.tag.as_str(), |r| r.rating.label());
                let quadrant = w.quadrant(p.quadrant);
                let action = strip_prefix_ci(&p.action, p.quadrant.name());
                format!("{label} ({quadrant}): {action}")
            })
            .collect();
        sec.push(Block::List {
            ordered: true,
            items,
        });
    }
    if !m.repeats.is_empty() {
        sec.push(Block::Heading(
            w.t("Repeated questions (self-service candidates)")
                .to_owned(),
        ));
        let items = m
            .repeats
            .iter()
            .map(|r| {
                let example: String = r.example.chars().take(80).collect();
                let n = w.count(r.len() as u64, Noun::Ticket);
                match &r.reason {
                    Some(tag) => format!("{n} ({tag}): “{example}”"),
                    None => format!("{n}: “{example}”"),
                }
            })
            .collect();
        sec.push(Block::List {
            ordered: false,
            items,
        });
    }
    sec
}

/// `text` without a leading "`prefix`: " (any case), so a plan step that
/// starts with its quadrant's name does not say it twice.
fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> &'t str {
    let n = prefix.len();
    match (text.get(..n), text.get(n..)) {
        (Some(head), Some(rest)) if head.eq_ignore_ascii_case(prefix) => {
            rest.trim_start_matches([':', ' ', '-', '–'])
        }
        _ => text,
    }
}

fn maturity(c: &Ctx<'_>) -> Section {
    let w = &c.w;
    let mut sec = Section::new("maturity", w.t("CX maturity"));
    let Some(m) = &c.r.maturity else {
        return sec;
    };
    sec.push(Block::Charts(vec![tiers_chart(c, m)]));
    let mut p = w.fmt(
        "{tier}: {n} of 7 traits held by your own answers.",
        &[
            ("tier", w.tier(&m.tier.name)),
            ("n", w.number(u64::from(m.held))),
        ],
    );
    if let Some(t) = &m.next_tier {
        let next = w.fmt(
            "{tier} needs {n}.",
            &[
                ("tier", w.tier(&t.name)),
                ("n", w.number(u64::from(t.min_traits))),
            ],
        );
        p = joined(w, &p, &next);
    }
    sec.push(Block::Paragraph(p));
    let mut t = Table::with_head(vec![
        w.t("trait").to_owned(),
        w.t("your answer").to_owned(),
        w.t("what the data says").to_owned(),
        w.t("next step").to_owned(),
    ]);
    for line in &m.traits {
        let answer = if line.held { w.t("yes") } else { w.t("no") };
        let answer = match &line.note {
            Some(n) => format!("{answer} ({n})"),
            None => answer.to_owned(),
        };
        let count = |s: Signal| line.evidence.iter().filter(|e| e.signal == s).count() as u64;
        let (for_, against) = (count(Signal::Supports), count(Signal::Contradicts));
        let (verdict, tone) = if line.evidence.is_empty() {
            (w.t("no evidence in the data").to_owned(), Tone::Muted)
        } else if line.held && against > 0 {
            (
                w.fmt(
                    "You answered yes, but the data points to no: {n} against.",
                    &[("n", w.number(against))],
                ),
                Tone::Bad,
            )
        } else if !line.held && for_ > 0 {
            (
                w.fmt(
                    "You answered no, but the data points to yes: {n} in favour.",
                    &[("n", w.number(for_))],
                ),
                Tone::Bad,
            )
        } else if for_ + against == 0 {
            (
                w.t("Context only; nothing for or against.").to_owned(),
                Tone::Muted,
            )
        } else {
            (
                w.t("The data agrees with your answer.").to_owned(),
                Tone::Good,
            )
        };
        let items = line
            .evidence
            .iter()
            .map(|e| {
                let sig = match e.signal {
                    Signal::Supports => w.t("points to yes"),
                    Signal::Contradicts => w.t("points to no"),
                    _ => w.t("context"),
                };
                format!("{}: {} ({sig})", e.label, e.value)
            })
            .collect();
        t.row(vec![
            Cell::new(line.maturity_trait.title()),
            Cell::new(answer),
            Cell::new(verdict).tone(tone).items(items),
            Cell::new(line.next_step.clone().unwrap_or_default()),
        ]);
    }
    sec.push(Block::Table(t));
    if !m.comparison.is_empty() {
        sec.push(Block::Heading(w.t("Compared with Champions").to_owned()));
        let mut t = Table::with_head(vec![
            w.t("measure").to_owned(),
            w.t("yours").to_owned(),
            w.t("Champions").to_owned(),
            w.t("at Champion level").to_owned(),
        ]);
        let mut needs_baseline = false;
        for cmp in &m.comparison {
            let at = match cmp.at_champion_level {
                Some(true) => Cell::new(w.t("yes")).tone(Tone::Good),
                Some(false) => Cell::new(w.t("not yet")).tone(Tone::Bad),
                None => {
                    needs_baseline = true;
                    Cell::new(w.t("needs a baseline")).tone(Tone::Muted)
                }
            };
            t.row(vec![
                Cell::new(cmp.measure.clone()),
                Cell::new(cmp.yours.clone()),
                Cell::new(cmp.champions.clone()),
                at,
            ]);
        }
        sec.push(Block::Table(t));
        if needs_baseline {
            sec.push(Block::Note(w.t("The published Champion figures are relative to Starters: give your own figures from an earlier period (a baseline) to compare them.").to_owned()));
        }
    }
    sec
}

fn tiers_chart(c: &Ctx<'_>, m: &MaturityReport) -> Chart {
    let w = &c.w;
    let caption = w.fmt(
        "{tier}: {n} of 7 traits",
        &[
            ("tier", w.tier(&m.tier.name)),
            ("n", w.number(u64::from(m.held))),
        ],
    );
    Chart::new(
        "chart-maturity",
        w.t("CX maturity"),
        w.fmt(
            "The {model} tiers by traits held; you are at {caption}.",
            &[("model", m.model.clone()), ("caption", caption.clone())],
        ),
        ChartKind::Tiers(Tiers {
            bands: m
                .tiers
                .iter()
                .map(|t| Band {
                    name: w.tier(&t.name),
                    from: t.min_traits,
                    to: t.max_traits,
                })
                .collect(),
            steps: 7,
            at: m.held.min(7),
            caption,
            footer: w.fmt(
                "{model} tiers by traits held",
                &[("model", m.model.clone())],
            ),
        }),
    )
}
