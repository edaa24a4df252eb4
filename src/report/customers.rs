//! The customer section of a report: at-risk customers, repeat contacts and
//! first-contact resolution, next-issue pairs and knowledge-base gaps, as
//! typed data built from the library's own outputs.

use serde::{Deserialize, Serialize};

use crate::experience::{
    Anchor, AtRisk, ChannelFigures, Experience, ExperienceKind, NextIssues, ReasonFigures,
    RepeatFigures, RepeatReport, RepeatRule, RiskTier, Same, Suggestion, Within, describe_window,
};
use chrono::{DateTime, Utc};

use crate::chart::{Bar, Bars, Chart, ChartKind, Emphasis, Reference, Scale};
use crate::insight::KbGap;
use crate::metrics::Rate;
use crate::report::build::{Ctx, rate_figure};
use crate::report::model::{Block, Cell, Section, Table, Tone};
use crate::report::words::{Noun, Words};
use crate::sla::TimeBasis;

/// How many at-risk customers, next-issue pairs and knowledge-base gaps a
/// [`CustomerSection`] keeps by default.
pub const CUSTOMER_TOP: usize = 10;

/// One term of the customer section and what it means, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Definition {
    /// The term ("repeat contact").
    pub term: String,
    /// What it means ("the same customer again within 7 days about the
    /// same cause").
    pub meaning: String,
}

impl Definition {
    /// A definition.
    pub fn new(term: impl Into<String>, meaning: impl Into<String>) -> Self {
        Definition {
            term: term.into(),
            meaning: meaning.into(),
        }
    }
}

/// The customer section of a [`Report`](crate::report::Report): who is at
/// risk of leaving, how often customers have to come back, what they ask
/// next and which questions a help-center article could answer.
///
/// Every figure comes from the library's typed outputs
/// ([`Ledger::at_risk`](crate::experience::Ledger::at_risk),
/// [`RepeatReport`], [`NextIssues`], [`kb_gaps`](crate::insight::kb_gaps)),
/// so no internal note can reach it: the at-risk reasons are built from
/// ticket facts (no message text), and the knowledge-base examples and
/// replies are the customers' first public messages and the agents' first
/// public replies ([`Question`](crate::insight::Question)).
///
/// ```
/// use supportdesk::experience::{NextIssues, RepeatReport, RepeatRule, Within};
/// use supportdesk::metrics::Aggregate;
/// use supportdesk::report::{CustomerSection, Report};
/// use supportdesk::sla::Calendars;
/// use supportdesk::taxonomy::TaxonomyConfig;
/// use supportdesk::Taxonomy;
///
/// let taxonomy = Taxonomy::from_config(TaxonomyConfig::default())?;
/// let repeat = RepeatReport::from_facts([], &RepeatRule::default(), &taxonomy, &Calendars::new(), 0, 86_400)?;
/// let next: NextIssues = serde_json::from_value(serde_json::json!({
///     "within": Within::default(), "reasons": []
/// }))?;
/// let section = CustomerSection::new(Vec::new(), &repeat, &next, Vec::new());
/// assert_eq!(section.definitions[0].meaning,
///     "the same customer again within 7 days of the earlier contact's opening about the same cause (a why-tag)");
/// let report = Report::new("Support", Aggregate::new().summary(), "2026-04-01T00:00:00Z".parse()?)
///     .with_customers(section);
/// assert!(report.to_markdown().contains("## Customers"));
/// assert!(report.to_html().contains("id=\"chart-repeat-channel\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerSection {
    /// The terms used, in words (English, for hosts that print them; the
    /// report writes them in its own language from [`rule`](Self::rule),
    /// [`next_within`](Self::next_within) and the at-risk tiers).
    pub definitions: Vec<Definition>,
    /// The repeat-contact rule the repeat figures were counted by.
    #[serde(default)]
    pub rule: RepeatRule,
    /// The window of the next issues.
    #[serde(default)]
    pub next_within: Within,
    /// The range of opening instants the repeat figures cover, `[from,
    /// to)` in Unix seconds.
    pub range: (i64, i64),
    /// Repeat contacts, FCR and one-touch resolution of all contacts.
    pub overall: RepeatFigures,
    /// The same per channel.
    pub by_channel: Vec<ChannelFigures>,
    /// The same per contact reason.
    pub by_reason: Vec<ReasonFigures>,
    /// The customers most at risk, most recent bad experiences first.
    pub at_risk: Vec<AtRisk>,
    /// The most likely next-issue pairs, most likely first.
    pub next_issues: Vec<Suggestion>,
    /// The knowledge-base gaps, highest score first.
    pub kb_gaps: Vec<KbGap>,
}

impl CustomerSection {
    /// The section of an at-risk list, a repeat report, the next issues
    /// and the knowledge-base gaps, keeping the first [`CUSTOMER_TOP`]
    /// at-risk customers (in the order given), the [`CUSTOMER_TOP`] most
    /// likely next-issue pairs (by probability, then count, then the two
    /// tags) and the first [`CUSTOMER_TOP`] gaps (in the order given, which
    /// [`kb_gaps`](crate::insight::kb_gaps) ranks). The definitions are
    /// written from the repeat report's rule and the next issues' window.
    pub fn new(
        at_risk: Vec<AtRisk>,
        repeat: &RepeatReport,
        next: &NextIssues,
        kb_gaps: Vec<KbGap>,
    ) -> Self {
        let mut next_issues = next.suggestions();
        next_issues.sort_by(|a, b| {
            b.evidence
                .probability
                .total_cmp(&a.evidence.probability)
                .then(b.evidence.count.cmp(&a.evidence.count))
                .then_with(|| a.when.cmp(&b.when))
                .then_with(|| a.also.cmp(&b.also))
        });
        let mut section = CustomerSection {
            definitions: definitions(repeat, next, &at_risk),
            rule: repeat.rule.clone(),
            next_within: next.within.clone(),
            range: repeat.range,
            overall: repeat.overall.clone(),
            by_channel: repeat.by_channel.clone(),
            by_reason: repeat.by_reason.clone(),
            at_risk,
            next_issues,
            kb_gaps,
        };
        section.truncate(CUSTOMER_TOP);
        section
    }

    /// Keeps at most `n` at-risk customers, next-issue pairs and
    /// knowledge-base gaps.
    pub fn with_top(mut self, n: usize) -> Self {
        self.truncate(n);
        self
    }

    fn truncate(&mut self, n: usize) {
        self.at_risk.truncate(n);
        self.next_issues.truncate(n);
        self.kb_gaps.truncate(n);
    }
}

fn definitions(repeat: &RepeatReport, next: &NextIssues, at_risk: &[AtRisk]) -> Vec<Definition> {
    let rule = &repeat.rule;
    let window = describe_window(&rule.within);
    let same = match rule.same {
        Same::Why => "about the same cause (a why-tag)",
        Same::What => "about the same reason (a what-tag)",
        _ => "about anything",
    };
    let from = match rule.from {
        Anchor::Resolved => "of the earlier contact's resolution, or while it was unresolved",
        _ => "of the earlier contact's opening",
    };
    let mut out = vec![
        Definition::new(
            "repeat contact",
            format!("the same customer again within {window} {from} {same}"),
        ),
        Definition::new(
            "first-contact resolution (FCR)",
            format!(
                "resolved, never reopened and not repeated; counted once its window ({window}) has closed (contacts still in it are pending)"
            ),
        ),
        Definition::new(
            "one-touch resolution",
            "resolved with one public reply by a human agent",
        ),
        Definition::new(
            "next issue",
            format!(
                "the customer's next contact within {} is about another reason; the share is of the contacts whose window has closed",
                describe_window(&next.within)
            ),
        ),
        Definition::new(
            "knowledge-base gap",
            "a reason with many near-identical questions, mostly answered with one reply: an article could answer it",
        ),
    ];
    for t in tiers_of(at_risk) {
        out.push(Definition::new(
            t.label.clone(),
            format!(
                "{} or more recent bad experiences: {} ({} {})",
                t.min_bad, t.figure, t.source, t.year
            ),
        ));
    }
    out
}

/// The distinct tiers of an at-risk list, by increasing `min_bad`.
fn tiers_of(at_risk: &[AtRisk]) -> Vec<&RiskTier> {
    let mut tiers: Vec<&RiskTier> = Vec::new();
    for a in at_risk {
        if !tiers.contains(&&a.tier) {
            tiers.push(&a.tier);
        }
    }
    tiers.sort_by_key(|t| t.min_bad);
    tiers
}

/// A shipped label or term in the report's language; a host's own as
/// given.
fn known(w: &Words, en: &str) -> String {
    w.lookup(en).unwrap_or(en).to_owned()
}

/// A window in the report's language, as
/// [`describe_window`] says it in English: "7 days", "2 business days on
/// calendar office".
fn window(w: &Words, within: &Within) -> String {
    let s = within.seconds;
    let (n, unit) = if s % 86_400 == 0 {
        (s / 86_400, 'd')
    } else if s % 3600 == 0 {
        (s / 3600, 'h')
    } else if s % 60 == 0 {
        (s / 60, 'm')
    } else {
        (s, 's')
    };
    let num = if n < 0 {
        format!("-{}", w.number(n.unsigned_abs()))
    } else {
        w.number(n.unsigned_abs())
    };
    let one = n == 1;
    match &within.basis {
        TimeBasis::Business { calendar } => {
            let args = [("n", num), ("calendar", calendar.clone())];
            match (unit, one) {
                ('d', true) => w.fmt("1 business day on calendar {calendar}", &args),
                ('d', false) => w.fmt("{n} business days on calendar {calendar}", &args),
                ('h', true) => w.fmt("1 business hour on calendar {calendar}", &args),
                ('h', false) => w.fmt("{n} business hours on calendar {calendar}", &args),
                ('m', true) => w.fmt("1 business minute on calendar {calendar}", &args),
                ('m', false) => w.fmt("{n} business minutes on calendar {calendar}", &args),
                (_, true) => w.fmt("1 business second on calendar {calendar}", &args),
                (_, false) => w.fmt("{n} business seconds on calendar {calendar}", &args),
            }
        }
        _ => {
            let args = [("n", num)];
            match (unit, one) {
                ('d', true) => w.t("1 day").to_owned(),
                ('d', false) => w.fmt("{n} days", &args),
                ('h', true) => w.t("1 hour").to_owned(),
                ('h', false) => w.fmt("{n} hours", &args),
                ('m', true) => w.t("1 minute").to_owned(),
                ('m', false) => w.fmt("{n} minutes", &args),
                (_, true) => w.t("1 second").to_owned(),
                (_, false) => w.fmt("{n} seconds", &args),
            }
        }
    }
}

/// The definitions of the section's terms in the report's language: the
/// meanings written from the section's rule, next-issue window and
/// at-risk tiers (as [`CustomerSection::definitions`] says them in
/// English).
fn local_definitions(w: &Words, cs: &CustomerSection) -> Vec<(String, String)> {
    let rule = &cs.rule;
    let repeat_window = window(w, &rule.within);
    let same = match rule.same {
        Same::Why => w.t("about the same cause (a why-tag)"),
        Same::What => w.t("about the same reason (a what-tag)"),
        _ => w.t("about anything"),
    };
    let args = [("window", repeat_window.clone()), ("same", same.to_owned())];
    let repeat = match rule.from {
        Anchor::Resolved => w.fmt(
            "the same customer again within {window} of the earlier contact's resolution, or while it was unresolved {same}",
            &args,
        ),
        _ => w.fmt(
            "the same customer again within {window} of the earlier contact's opening {same}",
            &args,
        ),
    };
    let mut out = vec![
        (w.t("repeat contact").to_owned(), repeat),
        (
            w.t("first-contact resolution (FCR)").to_owned(),
            w.fmt(
                "resolved, never reopened and not repeated; counted once its window ({window}) has closed (contacts still in it are pending)",
                &[("window", repeat_window)],
            ),
        ),
        (
            w.t("one-touch resolution").to_owned(),
            w.t("resolved with one public reply by a human agent")
                .to_owned(),
        ),
        (
            w.t("next issue").to_owned(),
            w.fmt(
                "the customer's next contact within {window} is about another reason; the share is of the contacts whose window has closed",
                &[("window", window(w, &cs.next_within))],
            ),
        ),
        (
            w.t("knowledge-base gap").to_owned(),
            w.t("a reason with many near-identical questions, mostly answered with one reply: an article could answer it").to_owned(),
        ),
    ];
    for t in tiers_of(&cs.at_risk) {
        out.push((
            known(w, &t.label),
            w.fmt(
                "{n} or more recent bad experiences: {figure} ({source} {year})",
                &[
                    ("n", w.number(u64::from(t.min_bad))),
                    (
                        "figure",
                        w.lookup(&t.figure)
                            .map_or_else(|| t.figure.clone(), str::to_owned),
                    ),
                    ("source", t.source.clone()),
                    ("year", t.year.to_string()),
                ],
            ),
        ));
    }
    out
}

/// One experience in the report's language, with the short ticket ids and
/// the local date (as [`Experience::describe`] says it in English with
/// full ids and UTC days).
fn experience(w: &Words, e: &Experience) -> String {
    let date =
        DateTime::<Utc>::from_timestamp(e.at, 0).map_or_else(|| e.at.to_string(), |d| w.date(d));
    let ticket = short(&e.ticket);
    let mut args = vec![("ticket", ticket), ("date", date)];
    match e.kind {
        ExperienceKind::SlaBreach => w.fmt("SLA breached on ticket {ticket} ({date})", &args),
        ExperienceKind::Reopen => w.fmt("ticket {ticket} reopened ({date})", &args),
        ExperienceKind::LowCsat { score } => {
            args.push(("score", score.to_string()));
            w.fmt("low CSAT {score}/5 on ticket {ticket} ({date})", &args)
        }
        ExperienceKind::LowCes { score } => {
            args.push(("score", score.to_string()));
            w.fmt("high effort {score}/7 on ticket {ticket} ({date})", &args)
        }
        ExperienceKind::RepeatContact { earlier } => {
            args.push(("earlier", short(&earlier)));
            w.fmt(
                "contacted again on ticket {ticket} about ticket {earlier} ({date})",
                &args,
            )
        }
        ExperienceKind::FollowUpAfterClose { closed } => {
            args.push(("closed", short(&closed)));
            w.fmt(
                "wrote again after ticket {closed} was closed: ticket {ticket} ({date})",
                &args,
            )
        }
        ExperienceKind::ChannelSwitch { from, to } => {
            args.push(("from", w.channel(from)));
            args.push(("to", w.channel(to)));
            w.fmt(
                "had to switch from {from} to {to} on ticket {ticket} ({date})",
                &args,
            )
        }
        ExperienceKind::OneTouch => w.fmt("ticket {ticket} resolved in one touch ({date})", &args),
        ExperienceKind::HighCsat { score } => {
            args.push(("score", score.to_string()));
            w.fmt("high CSAT {score}/5 on ticket {ticket} ({date})", &args)
        }
    }
}

/// A ticket's short id, "0" for the nil id (as [`short_ids`] writes it).
fn short(id: &crate::id::TicketId) -> String {
    let s = crate::report::short_id(id);
    if s.is_empty() { "0".to_owned() } else { s }
}

/// A next-issue suggestion in the report's language.
fn suggestion(w: &Words, s: &Suggestion, within: &Within) -> String {
    let e = &s.evidence;
    w.fmt(
        "When answering {when}, also answer {also} (seen after {share} of {when} contacts within {window}; 95% CI {low}–{high})",
        &[
            ("when", s.when.to_string()),
            ("also", s.also.to_string()),
            ("share", w.percent(e.probability)),
            ("window", window(w, within)),
            ("low", w.percent(e.low)),
            ("high", w.percent(e.high)),
        ],
    )
}

/// Text with every UUID in it shortened as [`short_id`](crate::report::short_id)
/// does (the last group, leading zeros dropped).
pub(crate) fn short_ids(text: &str) -> String {
    use std::sync::OnceLock;
    static UUID: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let re = UUID.get_or_init(|| {
        regex::Regex::new(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-([0-9a-fA-F]{12})\b",
        )
        .ok()
    });
    match re {
        Some(re) => re
            .replace_all(text, |c: &regex::Captures<'_>| {
                let last = c.get(1).map_or("", |m| m.as_str()).trim_start_matches('0');
                if last.is_empty() {
                    "0".to_owned()
                } else {
                    last.to_owned()
                }
            })
            .into_owned(),
        None => text.to_owned(),
    }
}

/// The customer section of the document.
pub(crate) fn section(c: &Ctx<'_>, cs: &CustomerSection) -> Section {
    let w = &c.w;
    let mut sec = Section::new("customers", w.t("Customers"));
    sec.push(Block::Definitions(local_definitions(w, cs)));

    sec.push(Block::Heading(
        w.t("Repeat contacts and first-contact resolution")
            .to_owned(),
    ));
    let (from, to) = (
        DateTime::<Utc>::from_timestamp(cs.range.0, 0),
        DateTime::<Utc>::from_timestamp(cs.range.1, 0),
    );
    if let (Some(from), Some(to)) = (from, to) {
        sec.push(Block::Note(w.fmt(
            "Contacts opened from {from} to {to} (end excluded).",
            &[("from", w.datetime(from)), ("to", w.datetime(to))],
        )));
    }
    let f = &cs.overall;
    let mut figures = vec![
        rate_figure(c, w.t("Repeat contacts"), &f.repeat),
        rate_figure(c, w.t("First-contact resolution"), &f.fcr),
        rate_figure(c, w.t("One-touch resolution"), &f.one_touch),
    ];
    if let Some(fcr) = figures.get_mut(1) {
        let pending = w.fmt("{n} still in their window", &[("n", w.number(f.pending))]);
        fcr.detail = Some(match fcr.detail.take() {
            Some(d) => format!("{d}; {pending}"),
            None => pending,
        });
    }
    sec.push(Block::Figures(figures));
    sec.push(Block::Charts(vec![
        channel_chart(
            c,
            cs,
            "chart-repeat-channel",
            w.t("Repeat-contact rate per channel"),
            |f| &f.repeat,
            true,
        ),
        channel_chart(
            c,
            cs,
            "chart-fcr-channel",
            w.t("First-contact resolution per channel"),
            |f| &f.fcr,
            false,
        ),
    ]));
    let head = |first: &str| {
        Table::with_head(vec![
            first.to_owned(),
            w.t("contacts").to_owned(),
            w.t("repeat contacts").to_owned(),
            w.t("first-contact resolution").to_owned(),
            w.t("pending").to_owned(),
            w.t("one-touch").to_owned(),
        ])
        .numeric(&[1, 4])
    };
    let mut t = head(w.t("channel"));
    t.row(figure_cells(c, w.t("all channels").to_owned(), &cs.overall));
    for ch in &cs.by_channel {
        t.row(figure_cells(c, w.channel(ch.channel), &ch.figures));
    }
    sec.push(Block::Table(t));
    if !cs.by_reason.is_empty() {
        let mut t = head(w.t("reason"));
        for r in &cs.by_reason {
            t.row(figure_cells(c, r.name().to_owned(), &r.figures));
        }
        sec.push(Block::Table(t));
    }

    sec.push(Block::Heading(w.t("Customers at risk").to_owned()));
    if cs.at_risk.is_empty() {
        sec.push(Block::Note(
            w.t("No customer with recent bad experiences.").to_owned(),
        ));
    } else {
        let mut t = Table::with_head(vec![
            w.t("customer").to_owned(),
            w.t("risk").to_owned(),
            w.t("recent bad experiences").to_owned(),
            w.t("what happened").to_owned(),
        ])
        .numeric(&[2]);
        for a in &cs.at_risk {
            t.row(vec![
                Cell::new(crate::report::short_id(&a.customer)),
                Cell::new(known(w, &a.tier.label)),
                Cell::new(w.number(u64::from(a.bad_recent))),
                Cell::new(String::new()).items(if a.experiences.is_empty() {
                    // Read from JSON written before the typed experiences:
                    // the English words, ids shortened.
                    a.reasons.iter().map(|r| short_ids(r)).collect()
                } else {
                    a.experiences.iter().map(|e| experience(w, e)).collect()
                }),
            ]);
        }
        sec.push(Block::Table(t));
    }

    sec.push(Block::Heading(w.t("Next issues").to_owned()));
    let bars: Vec<Bar> = cs
        .next_issues
        .iter()
        .map(|s| {
            let e = &s.evidence;
            let small = e.of < c.r.min_sample;
            Bar {
                label: format!("{} → {}", s.when, s.also),
                value: Some(e.probability),
                text: w.fmt(
                    "{rate}, 95% CI {low}–{high}",
                    &[
                        ("rate", w.rate(e.count, e.of)),
                        ("low", w.percent(e.low)),
                        ("high", w.percent(e.high)),
                    ],
                ),
                n: e.of,
                emphasis: if small {
                    Emphasis::SmallSample
                } else {
                    Emphasis::Normal
                },
                group: None,
            }
        })
        .collect();
    sec.push(Block::Charts(vec![Chart::new(
        "chart-next-issue",
        w.t("Next issue after each reason"),
        w.t("For each reason, the share of contacts followed by the other reason within the window, with its 95% confidence interval.").to_owned(),
        ChartKind::Bars(Bars {
            scale: Scale::Share,
            bars,
            reference: None,
            empty: w.t("no pair passed the thresholds").to_owned(),
        }),
    )]));
    if !cs.next_issues.is_empty() {
        sec.push(Block::List {
            ordered: false,
            items: cs
                .next_issues
                .iter()
                .map(|s| suggestion(w, s, &cs.next_within))
                .collect(),
        });
    }

    sec.push(Block::Heading(w.t("Knowledge-base gaps").to_owned()));
    if cs.kb_gaps.is_empty() {
        sec.push(Block::Note(
            w.t("No reason is a knowledge-base candidate.").to_owned(),
        ));
    } else {
        let mut t = Table::with_head(vec![
            w.t("reason").to_owned(),
            w.t("tickets").to_owned(),
            w.t("one-touch").to_owned(),
            w.t("near-identical").to_owned(),
            w.t("example question").to_owned(),
            w.t("most given reply").to_owned(),
            w.t("article").to_owned(),
        ])
        .numeric(&[1, 3]);
        for g in &cs.kb_gaps {
            t.row(vec![
                Cell::new(g.tag.to_string()),
                Cell::new(w.number(u64::from(g.volume))),
                Cell::new(w.rate(g.one_touch.count, g.one_touch.of)),
                Cell::new(w.number(g.near_identical as u64)),
                Cell::new(g.examples.first().cloned().unwrap_or_default()),
                match &g.reply {
                    Some(r) => Cell::new(format!(
                        "{} ({})",
                        r.text,
                        w.count(u64::from(r.count), Noun::Ticket)
                    )),
                    None => Cell::new(w.t("none")).tone(Tone::Muted),
                },
                if g.articles.is_empty() {
                    Cell::new(w.t("none")).tone(Tone::Bad)
                } else {
                    Cell::new(g.articles.join("; "))
                },
            ]);
        }
        sec.push(Block::Table(t));
    }
    sec
}

fn figure_cells(c: &Ctx<'_>, label: String, f: &RepeatFigures) -> Vec<Cell> {
    let w = &c.w;
    vec![
        Cell::new(label),
        Cell::new(w.number(f.contacts)),
        c.rate_ci(&f.repeat),
        c.rate_ci(&f.fcr),
        Cell::new(w.number(f.pending)),
        c.rate_ci(&f.one_touch),
    ]
}

/// Bars of one rate per channel; a channel is drawn worse than the
/// overall rate only when its 95% interval lies wholly on the worse side
/// (a difference the data can tell), grey when its sample is too small.
fn channel_chart(
    c: &Ctx<'_>,
    cs: &CustomerSection,
    id: &str,
    title: &str,
    pick: fn(&RepeatFigures) -> &Rate,
    higher_is_worse: bool,
) -> Chart {
    let w = &c.w;
    let overall = pick(&cs.overall).value();
    let bars: Vec<Bar> = cs
        .by_channel
        .iter()
        .map(|ch| {
            let r = pick(&ch.figures);
            let small = r.of < c.r.min_sample;
            let worse = match (r.wilson95(), overall) {
                (Some(i), Some(o)) if higher_is_worse => i.low > o,
                (Some(i), Some(o)) => i.high < o,
                _ => false,
            };
            let mut text = w.rate(r.count, r.of);
            if small {
                text.push_str(&format!(" {}", w.t("(too few to judge)")));
            } else if worse {
                text.push_str(&format!(" {}", w.t("(worse than overall)")));
            }
            Bar {
                label: w.channel(ch.channel),
                value: r.value(),
                text,
                n: r.of,
                emphasis: if small {
                    Emphasis::SmallSample
                } else if worse {
                    Emphasis::Worse
                } else {
                    Emphasis::Normal
                },
                group: None,
            }
        })
        .collect();
    let summary = w.fmt(
        "Per channel, with the rate of all channels as a dashed line. A channel is in vermillion only when its 95% interval lies wholly on the worse side; channels with fewer than {min} contacts are grey.",
        &[("min", w.number(c.r.min_sample))],
    );
    Chart::new(
        id,
        title,
        summary,
        ChartKind::Bars(Bars {
            scale: Scale::Share,
            bars,
            reference: overall.map(|o| Reference {
                label: w.fmt("all channels {rate}", &[("rate", w.percent(o))]),
                value: o,
            }),
            empty: w.t("no contacts").to_owned(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_shortened() {
        assert_eq!(
            short_ids("ticket 00000000-0000-0000-0000-00000000000c reopened (2026-03-04)"),
            "ticket c reopened (2026-03-04)"
        );
        assert_eq!(
            short_ids("x 00000000-0000-0000-0000-000000000000 y"),
            "x 0 y"
        );
        assert_eq!(short_ids("no id 2026-03-04"), "no id 2026-03-04");
    }

    use crate::experience::RiskTiers;
    use crate::experience::{LikelyNext, NextIssue, RepeatRule, Within};
    use crate::report::words::Lang;

    fn words(lang: Lang) -> Words {
        Words::new(lang, chrono_tz::Asia::Shanghai)
    }

    /// Every shipped tier label and definition term has a catalog entry,
    /// so that `lookup` translates it.
    #[test]
    fn shipped_labels_and_terms_are_in_the_catalog() {
        let taxonomy = Taxonomy::from_config(TaxonomyConfig::default()).unwrap();
        let repeat = RepeatReport::from_facts(
            [],
            &RepeatRule::default(),
            &taxonomy,
            &Calendars::new(),
            0,
            1,
        )
        .unwrap();
        let next = NextIssues {
            within: Within::default(),
            reasons: Vec::new(),
        };
        let mut en: Vec<String> = definitions(&repeat, &next, &[])
            .into_iter()
            .map(|d| d.term)
            .collect();
        for tiers in [RiskTiers::zendesk_2022(), RiskTiers::zendesk_2020()] {
            en.extend(tiers.0.into_iter().map(|t| t.label));
        }
        assert_eq!(en.len(), 9);
        for term in &en {
            let hans = words(Lang::ZhHans).lookup(term);
            assert!(
                hans.is_some_and(|h| h != term),
                "{term:?} is not in CATALOG"
            );
            assert!(words(Lang::ZhHant).lookup(term).is_some(), "{term:?}");
            assert_eq!(words(Lang::En).lookup(term), Some(term.as_str()));
        }
        // A host's own label reads as given.
        assert_eq!(
            known(&words(Lang::ZhHans), "gold customers"),
            "gold customers"
        );
    }

    /// In English the localized definitions are the stored ones.
    #[test]
    fn english_definitions_equal_the_stored_ones() {
        let taxonomy = Taxonomy::from_config(TaxonomyConfig::default()).unwrap();
        for rule in [
            RepeatRule::default(),
            RepeatRule::new(
                Within::business(2 * 86_400, "office"),
                Same::What,
                Anchor::Resolved,
            ),
            RepeatRule::new(Within::calendar(3600), Same::Any, Anchor::Opened),
        ] {
            // The rule as given (its calendar need not exist to be named).
            let mut repeat = RepeatReport::from_facts(
                [],
                &RepeatRule::default(),
                &taxonomy,
                &Calendars::new(),
                0,
                1,
            )
            .unwrap();
            repeat.rule = rule;
            let next = NextIssues {
                within: Within::calendar(90),
                reasons: Vec::new(),
            };
            let cs = CustomerSection::new(Vec::new(), &repeat, &next, Vec::new());
            let stored: Vec<(String, String)> = cs
                .definitions
                .iter()
                .map(|d| (d.term.clone(), d.meaning.clone()))
                .collect();
            assert_eq!(local_definitions(&words(Lang::En), &cs), stored);
        }
    }

    /// The localized window says what `describe_window` says in English.
    #[test]
    fn windows_read_as_describe_window_in_english() {
        let en = words(Lang::En);
        for seconds in [
            1,
            2,
            59,
            60,
            120,
            3600,
            7200,
            86_400,
            7 * 86_400,
            90,
            0,
            -86_400,
        ] {
            for w in [
                Within::calendar(seconds),
                Within::business(seconds, "office"),
            ] {
                assert_eq!(window(&en, &w), describe_window(&w), "{w:?}");
            }
        }
        assert_eq!(window(&words(Lang::ZhHans), &Within::default()), "7 天");
        assert_eq!(
            window(&words(Lang::ZhHant), &Within::business(8 * 3600, "office")),
            "依 office 行事曆計算的 8 個工作小時"
        );
    }

    /// Every kind of experience reads as `describe` in English, with the
    /// short id and the local date, and in Chinese has no English word
    /// left but the ids.
    #[test]
    fn experiences_in_every_language() {
        use crate::Channel;
        let t = TicketId::from_u128(0x12);
        let other = TicketId::from_u128(0xc);
        // 2026-03-04T20:00:00Z: 5 March in Shanghai.
        let at = 1_772_654_400;
        let kinds = [
            ExperienceKind::SlaBreach,
            ExperienceKind::Reopen,
            ExperienceKind::LowCsat { score: 2 },
            ExperienceKind::LowCes { score: 6 },
            ExperienceKind::RepeatContact { earlier: other },
            ExperienceKind::FollowUpAfterClose { closed: other },
            ExperienceKind::ChannelSwitch {
                from: Channel::Email,
                to: Channel::Phone,
            },
            ExperienceKind::OneTouch,
            ExperienceKind::HighCsat { score: 5 },
        ];
        for kind in kinds {
            let e = Experience {
                at,
                ticket: t,
                kind,
            };
            let want = short_ids(&e.describe())
                .replace("2026-03-04", "5 Mar 2026")
                .replace("email", "Email")
                .replace("phone", "Phone");
            assert_eq!(experience(&words(Lang::En), &e), want);
            let hans = experience(&words(Lang::ZhHans), &e);
            assert!(
                hans.contains("2026年3月5日") && hans.contains("12"),
                "{hans}"
            );
            let latin: String = hans.chars().filter(|c| c.is_ascii_alphabetic()).collect();
            assert!(
                ["", "c", "SLA", "CSAT"].iter().any(|ok| latin == *ok),
                "{hans}"
            );
            let hant = experience(&words(Lang::ZhHant), &e);
            assert!(hant.contains("工單"), "{hant}");
        }
    }

    use crate::id::TicketId;
    use crate::model::Tag;
    use crate::sla::Calendars;
    use crate::taxonomy::{Taxonomy, TaxonomyConfig};
    use proptest::prelude::*;

    fn next_issues(pairs: &[(u8, u8, u64, u64)]) -> NextIssues {
        let tag = |i: u8| Tag::new(&format!("r{i}")).ok();
        let mut reasons: Vec<NextIssue> = Vec::new();
        for a in 0..4u8 {
            let next: Vec<LikelyNext> = pairs
                .iter()
                .filter(|p| p.0 == a)
                .filter_map(|&(_, b, count, of)| {
                    let of = of.max(count).max(1);
                    Some(LikelyNext {
                        reason: tag(b)?,
                        count,
                        of,
                        probability: count as f64 / of as f64,
                        low: 0.0,
                        high: 1.0,
                    })
                })
                .collect();
            if let (Some(reason), false) = (tag(a), next.is_empty()) {
                reasons.push(NextIssue {
                    reason,
                    contacts: next.first().map_or(0, |l| l.of),
                    next,
                });
            }
        }
        NextIssues {
            within: Within::default(),
            reasons,
        }
    }

    proptest! {
        /// The section keeps the most likely pairs, most likely first, at
        /// most `CUSTOMER_TOP` of them, each one of the next issues'
        /// suggestions; `with_top(n)` keeps a prefix of them.
        #[test]
        fn keeps_the_most_likely_pairs(
            pairs in proptest::collection::vec((0..4u8, 0..4u8, 0..50u64, 0..60u64), 0..30),
            n in 0..15usize,
        ) {
            let next = next_issues(&pairs);
            let all = next.suggestions();
            let taxonomy = Taxonomy::from_config(TaxonomyConfig::default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let repeat = RepeatReport::from_facts([], &RepeatRule::default(), &taxonomy, &Calendars::new(), 0, 1)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let s = CustomerSection::new(Vec::new(), &repeat, &next, Vec::new());
            prop_assert_eq!(s.next_issues.len(), all.len().min(CUSTOMER_TOP));
            for w in s.next_issues.windows(2) {
                prop_assert!(w[0].evidence.probability >= w[1].evidence.probability);
            }
            for kept in &s.next_issues {
                prop_assert!(all.contains(kept));
            }
            // Nothing left out is more likely than the least likely kept.
            if let Some(last) = s.next_issues.last() {
                let left_out = all.iter().filter(|x| !s.next_issues.contains(x));
                for x in left_out {
                    prop_assert!(x.evidence.probability <= last.evidence.probability);
                }
            }
            let top = s.clone().with_top(n);
            prop_assert!(top.next_issues.len() <= n);
            prop_assert_eq!(&s.next_issues[..top.next_issues.len()], &top.next_issues[..]);
        }

        /// A ticket id in a text reads as its short form; the rest of the
        /// text is unchanged.
        #[test]
        fn short_ids_shorten_only_ids(n in any::<u128>(), before in "[a-z ]{0,12}", after in "[a-z ()0-9-]{0,12}") {
            let id = TicketId::from_u128(n);
            let text = format!("{before} {id} {after}");
            let short = crate::report::short_id(&id);
            let want = if short.is_empty() { "0".to_owned() } else { short };
            prop_assert_eq!(short_ids(&text), format!("{before} {want} {after}"));
            prop_assert_eq!(short_ids(&before), before);
        }
    }
}
