//! The Markdown report.

use std::fmt::Write as _;

use crate::escape::markdown as md;
use crate::insight::maturity::Signal;
use crate::metrics::{BinCount, DurationSummary, Rate};
use crate::report::customers::{self, short_ids};
use crate::report::{CustomerSection, Report, duration_cells, opt_secs, rate_text, short_id};
use crate::sla::human;

fn table(o: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(
        o,
        "| {} |",
        head.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(o, "|{}", "---|".repeat(head.len()));
    for r in rows {
        let _ = writeln!(
            o,
            "| {} |",
            r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    o.push('\n');
}

fn bar(n: u64, max: u64) -> String {
    let w = if max == 0 {
        0
    } else {
        n.min(max).saturating_mul(30).div_ceil(max)
    };
    "█".repeat(w as usize)
}

fn bins(o: &mut String, bins: &[BinCount], target: Option<u64>) {
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let rows: Vec<Vec<String>> = bins
        .iter()
        .map(|b| {
            let mark = match target {
                Some(t) if t >= b.from && b.to.is_none_or(|to| t < to) => {
                    format!(" ← target {}", human(t as i64))
                }
                _ => String::new(),
            };
            vec![
                b.label.clone(),
                b.count.to_string(),
                format!("{}{mark}", bar(b.count, max)),
            ]
        })
        .collect();
    table(o, &["bin", "tickets", ""], &rows);
}

fn dur_row(label: &str, d: &DurationSummary) -> Vec<String> {
    duration_cells(label, d)
}

fn rate(r: &Rate) -> String {
    rate_text(r)
}

pub(crate) fn render(r: &Report) -> String {
    let s = &r.summary;
    let mut o = String::with_capacity(16 * 1024);
    let _ = writeln!(o, "# {}\n", md(&r.title));
    if let Some(sub) = &r.subtitle {
        let _ = writeln!(o, "{}\n", md(sub));
    }
    let _ = writeln!(
        o,
        "Figures as of {}; newest event {}; generated {}.\n",
        s.as_of.map_or_else(|| "n/a".to_owned(), |t| t.to_rfc3339()),
        s.newest_event
            .map_or_else(|| "n/a".to_owned(), |t| t.to_rfc3339()),
        r.generated_at.to_rfc3339()
    );

    o.push_str("## Key figures\n\n");
    let fr = &s.first_response;
    let mut key = vec![
        vec![
            "tickets".to_owned(),
            format!(
                "{} ({} from customers, {} proactive)",
                s.volume.tickets, s.volume.reactive, s.volume.proactive
            ),
        ],
        vec!["first response".to_owned(), fr.times.describe()],
        vec![
            "first replies within SLA target".to_owned(),
            rate(&fr.within_target),
        ],
        vec![
            "waiting for a first reply now".to_owned(),
            match fr.longest_waiting {
                Some(l) => format!(
                    "{} tickets, longest {}",
                    fr.waiting,
                    human(l.seconds as i64)
                ),
                None => "none".to_owned(),
            },
        ],
        vec!["next reply".to_owned(), s.next_reply.describe()],
        vec!["resolution".to_owned(), s.resolution.describe()],
        vec!["one-touch resolution".to_owned(), rate(&s.one_touch)],
        vec!["reopened".to_owned(), rate(&s.reopened)],
        vec!["backlog".to_owned(), format!("{} unsolved", s.backlog.open)],
        vec![
            "CSAT".to_owned(),
            format!(
                "{} mean, {} satisfied, response rate {}",
                s.csat
                    .overall
                    .mean
                    .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
                s.csat.overall.satisfied.percent(),
                s.csat.response_rate.percent()
            ),
        ],
        vec![
            "CES (1 easy - 7 hard)".to_owned(),
            format!(
                "{} mean ({} answers)",
                s.ces
                    .mean
                    .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
                s.ces.responses
            ),
        ],
        vec![
            "replies".to_owned(),
            format!("{} by agents, {} automated", s.agent_replies, s.bot_replies),
        ],
    ];
    for (label, c) in &r.contact_rates {
        key.push(vec![
            format!("contact rate, {label}"),
            format!(
                "{:.3} ({} contacts / {})",
                c.rate, c.contacts, c.denominator
            ),
        ]);
    }
    table(&mut o, &["measure", "value"], &key);

    o.push_str("## First response\n\n");
    let target = r.first_response_target.map(|t| t.0);
    let dist = match (r.first_response_target, &s.first_response_business) {
        (Some((_, crate::metrics::Basis::Business)), Some(b)) => b,
        _ => fr,
    };
    bins(&mut o, &dist.bins, target);
    let mut rows = vec![dur_row("first response", &fr.times)];
    if let Some(b) = &s.first_response_business {
        rows.push(dur_row("first response (business)", &b.times));
    }
    rows.push(dur_row("next reply", &s.next_reply));
    rows.push(dur_row("resolution", &s.resolution));
    if let Some(b) = &s.resolution_business {
        rows.push(dur_row("resolution (business)", b));
    }
    rows.push(dur_row("agent work", &s.agent_work));
    table(
        &mut o,
        &["durations", "count", "mean", "median", "p90", "longest"],
        &rows,
    );

    o.push_str("## SLA compliance\n\n");
    let rows: Vec<Vec<String>> = s
        .sla
        .iter()
        .map(|(m, c)| {
            vec![
                m.clone(),
                c.met.to_string(),
                c.breached.to_string(),
                c.open.to_string(),
                c.cancelled.to_string(),
                c.rate()
                    .map_or_else(|| "n/a".to_owned(), |v| format!("{:.1}%", v * 100.0)),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "metric",
            "met",
            "breached",
            "running",
            "cancelled",
            "compliance",
        ],
        &rows,
    );

    o.push_str("## Customer satisfaction\n\n");
    let rows: Vec<Vec<String>> = s
        .csat
        .by_channel
        .iter()
        .map(|(c, f)| {
            vec![
                c.to_string(),
                f.responses.to_string(),
                f.mean
                    .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
                f.satisfied.percent(),
            ]
        })
        .collect();
    table(&mut o, &["channel", "answers", "mean", "satisfied"], &rows);
    let _ = writeln!(
        o,
        "Low scores followed up: {}.\n",
        rate(&s.csat.low_followed_up)
    );
    let rows: Vec<Vec<String>> = s
        .csat
        .low_scores
        .iter()
        .rev()
        .take(r.low_score_limit)
        .map(|l| {
            vec![
                l.at.format("%Y-%m-%d %H:%M").to_string(),
                short_id(&l.ticket),
                l.channel.to_string(),
                l.score.to_string(),
                l.comment.clone().unwrap_or_default(),
                l.followed_up_in
                    .map_or_else(|| "not yet".to_owned(), |s| human(s as i64)),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "when",
            "ticket",
            "channel",
            "score",
            "comment",
            "followed up after",
        ],
        &rows,
    );

    o.push_str("## Satisfaction by first-response time\n\n");
    let rows: Vec<Vec<String>> = s
        .csat_by_response_time
        .iter()
        .map(|b| {
            vec![
                b.bin.label.clone(),
                b.csat.responses.to_string(),
                b.csat
                    .mean
                    .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
            ]
        })
        .collect();
    table(&mut o, &["first response", "answers", "mean CSAT"], &rows);
    let _ = writeln!(
        o,
        "{}\n",
        md(&match &s.speed_threshold {
            Some(t) => format!(
                "Speed threshold: replies within {} already get the best satisfaction ({:.2}); slower ones get {:.2}.",
                human(t.within as i64),
                t.plateau_mean,
                t.beyond_mean
            ),
            None => "No speed threshold in this data.".to_owned(),
        })
    );

    o.push_str("## Backlog\n\n");
    bins(&mut o, &s.backlog.by_age, None);

    o.push_str("## Volume\n\n");
    let rows: Vec<Vec<String>> = s
        .volume
        .by_channel
        .iter()
        .map(|(c, n)| vec![c.to_string(), n.to_string()])
        .collect();
    table(&mut o, &["channel", "tickets"], &rows);
    let rows: Vec<Vec<String>> = s
        .volume
        .by_tag
        .iter()
        .take(15)
        .map(|(t, n)| vec![t.to_string(), n.to_string()])
        .collect();
    table(&mut o, &["tag", "tickets"], &rows);

    if !r.periods.is_empty() {
        o.push_str("## Per period\n\n");
        let rows: Vec<Vec<String>> = r
            .periods
            .iter()
            .map(|p| {
                vec![
                    p.label.clone(),
                    p.tickets.to_string(),
                    opt_secs(p.first_response_median),
                    p.one_touch
                        .map_or_else(|| "n/a".to_owned(), |v| format!("{:.0}%", v * 100.0)),
                    p.csat
                        .0
                        .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2} ({})", p.csat.1)),
                    p.backlog.to_string(),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                "period",
                "tickets",
                "first response (median)",
                "one touch",
                "CSAT",
                "backlog at end",
            ],
            &rows,
        );
    }

    if let Some(c) = &r.customers {
        customers(&mut o, c);
    }

    o.push_str("## Value-irritant matrix\n\n");
    match &r.matrix {
        // The matrix's own renderer, which escapes every label, action and
        // question.
        Some(m) => {
            o.push_str(m.to_markdown().trim_end());
            o.push_str("\n\n");
        }
        None => o.push_str("Not available yet.\n\n"),
    }

    o.push_str("## CX maturity\n\n");
    match &r.maturity {
        Some(m) => {
            let _ = writeln!(
                o,
                "**{}** ({}) with {} of 7 traits{}.\n",
                md(&m.tier.name),
                md(&m.model),
                m.held,
                m.next_tier.as_ref().map_or_else(String::new, |t| format!(
                    "; {} needs {}",
                    md(&t.name),
                    t.min_traits
                ))
            );
            let rows: Vec<Vec<String>> = m
                .traits
                .iter()
                .map(|t| {
                    let ev: Vec<String> = t
                        .evidence
                        .iter()
                        .map(|e| {
                            let w = match e.signal {
                                Signal::Supports => "supports",
                                Signal::Contradicts => "contradicts",
                                Signal::Neutral => "context",
                            };
                            format!("{}: {} ({w})", e.label, e.value)
                        })
                        .collect();
                    vec![
                        t.maturity_trait.title().to_owned(),
                        if t.held { "held" } else { "not held" }.to_owned(),
                        ev.join("; "),
                        t.next_step.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            table(&mut o, &["trait", "answer", "evidence", "next step"], &rows);
            let rows: Vec<Vec<String>> = m
                .comparison
                .iter()
                .map(|c| {
                    vec![
                        c.measure.clone(),
                        c.yours.clone(),
                        c.champions.clone(),
                        match c.at_champion_level {
                            Some(true) => "yes",
                            Some(false) => "not yet",
                            None => "cannot tell",
                        }
                        .to_owned(),
                    ]
                })
                .collect();
            table(
                &mut o,
                &["measure", "yours", "Champions", "at Champion level"],
                &rows,
            );
        }
        None => o.push_str("No self-assessment given.\n"),
    }
    o
}

/// A Unix instant to the minute, in UTC: "2026-03-31 23:00".
pub(crate) fn minute(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(
        || at.to_string(),
        |d| d.format("%Y-%m-%d %H:%M").to_string(),
    )
}

fn customers(o: &mut String, c: &CustomerSection) {
    o.push_str("## Customers\n\n");
    for d in &c.definitions {
        let _ = writeln!(o, "- {}: {}", md(&d.term), md(&d.meaning));
    }
    o.push('\n');

    o.push_str("### Repeat contacts and first-contact resolution\n\n");
    let _ = writeln!(
        o,
        "Contacts opened from {} to {} UTC (end excluded).\n",
        minute(c.range.0),
        minute(c.range.1)
    );
    let head = customers::FIGURES_HEAD;
    let figures = customers::figure_cells;
    let mut rows = vec![figures("all channels", &c.overall)];
    rows.extend(
        c.by_channel
            .iter()
            .map(|ch| figures(ch.channel.as_str(), &ch.figures)),
    );
    table(o, &head, &rows);
    let rows: Vec<Vec<String>> = c
        .by_reason
        .iter()
        .map(|r| figures(r.name(), &r.figures))
        .collect();
    if !rows.is_empty() {
        let mut head = head;
        head[0] = "reason";
        table(o, &head, &rows);
    }

    o.push_str("### Customers at risk\n\n");
    if c.at_risk.is_empty() {
        o.push_str("No customer with recent bad experiences.\n\n");
    } else {
        let rows: Vec<Vec<String>> = c
            .at_risk
            .iter()
            .map(|a| {
                vec![
                    short_id(&a.customer),
                    a.tier.label.clone(),
                    a.bad_recent.to_string(),
                    a.reasons
                        .iter()
                        .map(|r| short_ids(r))
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        table(
            o,
            &[
                "customer",
                "tier",
                "recent bad experiences",
                "what happened",
            ],
            &rows,
        );
    }

    o.push_str("### Next issues\n\n");
    if c.next_issues.is_empty() {
        o.push_str("No next-issue pair passed the thresholds.\n\n");
    } else {
        let rows: Vec<Vec<String>> = c
            .next_issues
            .iter()
            .map(|s| {
                let e = &s.evidence;
                vec![
                    s.when.to_string(),
                    s.also.to_string(),
                    format!(
                        "{:.1}% ({} of {}), 95% CI {:.0}–{:.0}%",
                        e.probability * 100.0,
                        e.count,
                        e.of,
                        e.low * 100.0,
                        e.high * 100.0
                    ),
                    bar(
                        (e.probability.clamp(0.0, 1.0) * 1000.0).round() as u64,
                        1000,
                    ),
                ]
            })
            .collect();
        table(
            o,
            &["when answering", "also answer", "seen next", ""],
            &rows,
        );
    }

    o.push_str("### Knowledge-base gaps\n\n");
    if c.kb_gaps.is_empty() {
        o.push_str("No reason is a knowledge-base candidate.\n\n");
    } else {
        let rows: Vec<Vec<String>> = c.kb_gaps.iter().map(customers::kb_gap_cells).collect();
        table(o, &customers::KB_HEAD, &rows);
    }
}
