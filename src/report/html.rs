//! The HTML page.

use std::fmt::Write as _;

use crate::escape::markup as esc;
use crate::experience::RepeatFigures;
use crate::insight::maturity::Signal;
use crate::metrics::{Basis, DurationSummary, RESPONSE_BIN_EDGES, Rate, secs};
use crate::report::customers::{self, rate_ci, short_ids};
use crate::report::markdown::minute;
use crate::report::svg::Bar;
use crate::report::{
    CustomerSection, MATRIX_ACTIONS, Report, duration_cells, opt_secs, rate_text, short_id, svg,
};
use crate::sla::human;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2933;max-width:980px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{margin-bottom:0}h2{border-bottom:1px solid #e4e7eb;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #e4e7eb;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f5f7fa}td.n{text-align:right}.meta{color:#7b8794}.chart{max-width:100%;height:auto}\
.supports{color:#2f8132}.contradicts{color:#d64545}.neutral{color:#7b8794}.disputed{background:#fff8e1}\
figure{margin:1em 0}";

fn row(out: &mut String, cells: &[String]) {
    out.push_str("<tr>");
    for c in cells {
        let _ = write!(out, "<td>{}</td>", esc(c));
    }
    out.push_str("</tr>");
}

fn head(out: &mut String, cells: &[&str]) {
    out.push_str("<thead><tr>");
    for c in cells {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr></thead>");
}

fn durations(out: &mut String, label: &str, d: &DurationSummary) {
    row(out, &duration_cells(label, d));
}

fn rate(r: &Rate) -> String {
    rate_text(r)
}

pub(crate) fn render(r: &Report) -> String {
    let s = &r.summary;
    let mut o = String::with_capacity(32 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
        esc(&r.title)
    );
    let _ = write!(o, "<h1>{}</h1>", esc(&r.title));
    if let Some(sub) = &r.subtitle {
        let _ = write!(o, "<p>{}</p>", esc(sub));
    }
    let _ = write!(
        o,
        "<p class=\"meta\">Figures as of {} &middot; newest event {} &middot; generated {}</p>",
        esc(&s.as_of.map_or_else(|| "n/a".to_owned(), |t| t.to_rfc3339())),
        esc(&s
            .newest_event
            .map_or_else(|| "n/a".to_owned(), |t| t.to_rfc3339())),
        esc(&r.generated_at.to_rfc3339())
    );

    // Key figures.
    o.push_str("<section id=\"summary\"><h2>Key figures</h2><table>");
    head(&mut o, &["measure", "value"]);
    o.push_str("<tbody>");
    let fr = &s.first_response;
    let mut key = vec![
        (
            "tickets".to_owned(),
            format!(
                "{} ({} from customers, {} proactive)",
                s.volume.tickets, s.volume.reactive, s.volume.proactive
            ),
        ),
        ("first response".to_owned(), fr.times.describe()),
        (
            "first replies within SLA target".to_owned(),
            rate(&fr.within_target),
        ),
        (
            "longest first response".to_owned(),
            fr.longest.map_or_else(
                || "n/a".to_owned(),
                |l| {
                    format!(
                        "{} (ticket {})",
                        human(l.seconds as i64),
                        short_id(&l.ticket)
                    )
                },
            ),
        ),
        (
            "waiting for a first reply now".to_owned(),
            match fr.longest_waiting {
                Some(l) => format!(
                    "{} tickets, longest {} (ticket {})",
                    fr.waiting,
                    human(l.seconds as i64),
                    short_id(&l.ticket)
                ),
                None => "none".to_owned(),
            },
        ),
    ];
    if let Some(b) = &s.first_response_business {
        key.push((
            "first response, business time".to_owned(),
            b.times.describe(),
        ));
    }
    key.extend([
        ("next reply".to_owned(), s.next_reply.describe()),
        ("resolution".to_owned(), s.resolution.describe()),
        ("agent work".to_owned(), s.agent_work.describe()),
        ("one-touch resolution".to_owned(), rate(&s.one_touch)),
        ("reopened".to_owned(), rate(&s.reopened)),
        (
            "backlog".to_owned(),
            format!(
                "{} unsolved{}",
                s.backlog.open,
                s.backlog.oldest.map_or_else(String::new, |l| format!(
                    ", oldest {}",
                    human(l.seconds as i64)
                ))
            ),
        ),
        (
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
        ),
        (
            "CES (1 easy - 7 hard)".to_owned(),
            format!(
                "{} mean, {} low effort, {} high effort ({} answers)",
                s.ces
                    .mean
                    .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
                s.ces.easy.percent(),
                s.ces.hard.percent(),
                s.ces.responses
            ),
        ),
        (
            "replies".to_owned(),
            format!(
                "{} by agents, {} automated (not counted as agent work)",
                s.agent_replies, s.bot_replies
            ),
        ),
    ]);
    for (label, c) in &r.contact_rates {
        key.push((
            format!("contact rate, {label}"),
            format!(
                "{:.3} per {} ({} contacts / {})",
                c.rate,
                match c.per {
                    crate::metrics::Denominator::Orders => "order",
                    crate::metrics::Denominator::ActiveCustomers => "active customer",
                },
                c.contacts,
                c.denominator
            ),
        ));
    }
    for (k, v) in key {
        row(&mut o, &[k, v]);
    }
    o.push_str("</tbody></table></section>");

    // First response.
    o.push_str("<section id=\"first-response\"><h2>First response</h2>");
    let (dist, basis_name) = match (r.first_response_target, &s.first_response_business) {
        (Some((_, Basis::Business)), Some(b)) => (b, "business time"),
        _ => (fr, "calendar time"),
    };
    let target = r.first_response_target.map(|t| t.0);
    o.push_str(&svg::distribution(
        "chart-first-response",
        &format!("First response distribution ({basis_name}) against the target"),
        &dist.bins,
        target,
    ));
    o.push_str("<table>");
    head(
        &mut o,
        &["durations", "count", "mean", "median", "p90", "longest"],
    );
    o.push_str("<tbody>");
    durations(&mut o, "first response", &fr.times);
    if let Some(b) = &s.first_response_business {
        durations(&mut o, "first response (business)", &b.times);
    }
    durations(&mut o, "next reply", &s.next_reply);
    if let Some(b) = &s.next_reply_business {
        durations(&mut o, "next reply (business)", b);
    }
    durations(&mut o, "resolution", &s.resolution);
    if let Some(b) = &s.resolution_business {
        durations(&mut o, "resolution (business)", b);
    }
    durations(&mut o, "agent work", &s.agent_work);
    if let Some(b) = &s.agent_work_business {
        durations(&mut o, "agent work (business)", b);
    }
    o.push_str("</tbody></table>");
    let exact = fr.times.exact_percentiles && s.resolution.exact_percentiles;
    let _ = write!(
        o,
        "<p class=\"meta\">Means, counts and rates are exact; medians and p90 are {}.</p></section>",
        if exact {
            "exact"
        } else {
            "within 0.8% (a fixed log-bucketed sketch)"
        }
    );

    // SLA.
    o.push_str("<section id=\"sla\"><h2>SLA compliance</h2><table>");
    head(
        &mut o,
        &[
            "metric",
            "met",
            "breached",
            "running",
            "cancelled",
            "compliance",
        ],
    );
    o.push_str("<tbody>");
    for (m, c) in &s.sla {
        row(
            &mut o,
            &[
                m.clone(),
                c.met.to_string(),
                c.breached.to_string(),
                c.open.to_string(),
                c.cancelled.to_string(),
                c.rate()
                    .map_or_else(|| "n/a".to_owned(), |v| format!("{:.1}%", v * 100.0)),
            ],
        );
    }
    if s.sla.is_empty() {
        row(&mut o, &["no SLA targets on these tickets".to_owned()]);
    }
    o.push_str("</tbody></table></section>");

    // CSAT.
    o.push_str("<section id=\"csat\"><h2>Customer satisfaction</h2>");
    o.push_str(&svg::csat_per_channel(
        "chart-csat-channel",
        "Mean CSAT per channel (1-5)",
        &s.csat.by_channel,
    ));
    o.push_str("<table>");
    head(&mut o, &["score", "1", "2", "3", "4", "5"]);
    o.push_str("<tbody>");
    let mut d = vec!["answers".to_owned()];
    d.extend(s.csat.overall.distribution.iter().map(u64::to_string));
    row(&mut o, &d);
    o.push_str("</tbody></table>");
    let _ = write!(
        o,
        "<h3>Low scores to follow up</h3><p>{} followed up{}.</p>",
        esc(&rate(&s.csat.low_followed_up)),
        esc(&s
            .csat
            .follow_up_median
            .map_or_else(String::new, |m| format!(
                ", median {} after the score",
                secs(m)
            )))
    );
    o.push_str("<table>");
    head(
        &mut o,
        &[
            "when",
            "ticket",
            "channel",
            "score",
            "comment",
            "followed up",
        ],
    );
    o.push_str("<tbody>");
    for l in s.csat.low_scores.iter().rev().take(r.low_score_limit) {
        row(
            &mut o,
            &[
                l.at.format("%Y-%m-%d %H:%M").to_string(),
                short_id(&l.ticket),
                l.channel.to_string(),
                l.score.to_string(),
                l.comment.clone().unwrap_or_default(),
                l.followed_up_in.map_or_else(
                    || "not yet".to_owned(),
                    |s| format!("after {}", human(s as i64)),
                ),
            ],
        );
    }
    o.push_str("</tbody></table>");
    let more = s.csat.low_scores.len().saturating_sub(r.low_score_limit);
    if more > 0 {
        let _ = write!(o, "<p class=\"meta\">and {more} earlier low scores</p>");
    }
    o.push_str("</section>");

    // Speed against satisfaction.
    o.push_str("<section id=\"speed\"><h2>Satisfaction by first-response time</h2>");
    let rows: Vec<(String, Option<f64>, u64)> = s
        .csat_by_response_time
        .iter()
        .map(|b| (b.bin.label.clone(), b.csat.mean, b.csat.responses))
        .collect();
    let after = s
        .speed_threshold
        .as_ref()
        .and_then(|t| RESPONSE_BIN_EDGES.iter().position(|e| *e == t.within));
    o.push_str(&svg::csat_by_response(
        "chart-csat-speed",
        "Mean CSAT by first-response time",
        &rows,
        after,
    ));
    let _ = write!(
        o,
        "<p>{}</p></section>",
        esc(&match &s.speed_threshold {
            Some(t) => format!(
                "Replies within {} already get the best satisfaction (mean {:.2}); slower replies get {:.2}. Answering faster than {} does not raise CSAT in this data.",
                human(t.within as i64), t.plateau_mean, t.beyond_mean, human(t.within as i64)
            ),
            None => "No threshold in this data: not enough answers per bin, or satisfaction does not fall with slower replies.".to_owned(),
        })
    );

    // Backlog and volume.
    o.push_str("<section id=\"backlog\"><h2>Backlog</h2>");
    o.push_str(&svg::distribution(
        "chart-backlog-age",
        "Unsolved tickets by age",
        &s.backlog.by_age,
        None,
    ));
    o.push_str("<table>");
    head(&mut o, &["status", "tickets"]);
    o.push_str("<tbody>");
    for (st, n) in &s.backlog.by_status {
        row(&mut o, &[st.to_string(), n.to_string()]);
    }
    o.push_str("</tbody></table></section>");

    o.push_str("<section id=\"volume\"><h2>Volume</h2><table>");
    head(&mut o, &["channel", "tickets"]);
    o.push_str("<tbody>");
    for (c, n) in &s.volume.by_channel {
        row(&mut o, &[c.to_string(), n.to_string()]);
    }
    o.push_str("</tbody></table><table>");
    head(&mut o, &["priority", "tickets"]);
    o.push_str("<tbody>");
    for (p, n) in &s.volume.by_priority {
        row(&mut o, &[p.to_string(), n.to_string()]);
    }
    o.push_str("</tbody></table><table>");
    head(&mut o, &["tag", "tickets"]);
    o.push_str("<tbody>");
    for (t, n) in s.volume.by_tag.iter().take(15) {
        row(&mut o, &[t.to_string(), n.to_string()]);
    }
    o.push_str("</tbody></table>");
    let _ = write!(
        o,
        "<p class=\"meta\">Tagged: {}</p></section>",
        esc(&rate(&s.volume.tagged))
    );

    if !r.periods.is_empty() {
        o.push_str("<section id=\"periods\"><h2>Per period</h2><table>");
        head(
            &mut o,
            &[
                "period",
                "tickets",
                "first response (median)",
                "one touch",
                "CSAT",
                "backlog at end",
            ],
        );
        o.push_str("<tbody>");
        for p in &r.periods {
            row(
                &mut o,
                &[
                    p.label.clone(),
                    p.tickets.to_string(),
                    opt_secs(p.first_response_median),
                    p.one_touch
                        .map_or_else(|| "n/a".to_owned(), |v| format!("{:.0}%", v * 100.0)),
                    match p.csat {
                        (Some(m), n) => format!("{m:.2} ({n})"),
                        (None, _) => "n/a".to_owned(),
                    },
                    p.backlog.to_string(),
                ],
            );
        }
        o.push_str("</tbody></table></section>");
    }

    if let Some(c) = &r.customers {
        customers(&mut o, c);
    }

    // Matrix.
    o.push_str("<section id=\"matrix\"><h2>Value-irritant matrix</h2><figure id=\"chart-matrix\">");
    match &r.matrix {
        Some(m) => {
            // Drawn here from the typed matrix by the crate's own renderer,
            // which escapes every label: never markup from a caller.
            o.push_str(m.draw_svg(true).trim_end());
            if !m.plan.is_empty() {
                o.push_str("<figcaption>Top actions</figcaption><ol>");
                for p in m.plan.iter().take(MATRIX_ACTIONS) {
                    let label = m
                        .reason(&p.tag)
                        .map_or(p.tag.as_str(), |r| r.rating.label());
                    let _ = write!(
                        o,
                        "<li><strong>{}</strong> ({}): {}</li>",
                        esc(label),
                        esc(p.quadrant.name()),
                        esc(&p.action)
                    );
                }
                o.push_str("</ol>");
            }
        }
        None => o.push_str("<p class=\"meta\">Not available yet: the contact-reason matrix comes with the taxonomy insight.</p>"),
    }
    o.push_str("</figure></section>");

    // Maturity.
    o.push_str("<section id=\"maturity\"><h2>CX maturity</h2>");
    match &r.maturity {
        Some(m) => {
            o.push_str(&svg::maturity(
                "chart-maturity",
                &format!("CX maturity: {} ({})", m.tier.name, m.model),
                m,
            ));
            let _ = write!(
                o,
                "<p><strong>{}</strong> with {} of 7 traits{}.</p>",
                esc(&m.tier.name),
                m.held,
                esc(&m.next_tier.as_ref().map_or_else(String::new, |t| format!(
                    "; {} needs {}",
                    t.name, t.min_traits
                )))
            );
            o.push_str("<table>");
            head(
                &mut o,
                &[
                    "trait",
                    "your answer",
                    "evidence from the metrics",
                    "next step",
                ],
            );
            o.push_str("<tbody>");
            for t in &m.traits {
                let class = if t.disputed() {
                    " class=\"disputed\""
                } else {
                    ""
                };
                let _ = write!(
                    o,
                    "<tr{class}><td>{}</td><td>{}{}</td><td><ul>",
                    esc(t.maturity_trait.title()),
                    if t.held { "held" } else { "not held" },
                    esc(&t
                        .note
                        .as_ref()
                        .map_or_else(String::new, |n| format!(": {n}")))
                );
                for e in &t.evidence {
                    let (cls, word) = match e.signal {
                        Signal::Supports => ("supports", "supports"),
                        Signal::Contradicts => ("contradicts", "contradicts"),
                        Signal::Neutral => ("neutral", "context"),
                    };
                    let _ = write!(
                        o,
                        "<li>{}: {} <span class=\"{cls}\">({word}; {})</span></li>",
                        esc(&e.label),
                        esc(&e.value),
                        esc(&e.rule)
                    );
                }
                let _ = write!(
                    o,
                    "</ul></td><td>{}</td></tr>",
                    esc(t.next_step.as_deref().unwrap_or(""))
                );
            }
            o.push_str("</tbody></table><h3>Compared with Champions</h3><table>");
            head(
                &mut o,
                &["measure", "yours", "Champions", "at Champion level"],
            );
            o.push_str("<tbody>");
            for c in &m.comparison {
                row(
                    &mut o,
                    &[
                        c.measure.clone(),
                        c.yours.clone(),
                        c.champions.clone(),
                        match c.at_champion_level {
                            Some(true) => "yes".to_owned(),
                            Some(false) => "not yet".to_owned(),
                            None => "cannot tell".to_owned(),
                        },
                    ],
                );
            }
            o.push_str("</tbody></table>");
        }
        None => {
            o.push_str("<p class=\"meta\">No self-assessment given.</p>");
        }
    }
    o.push_str("</section></body></html>\n");
    o
}

/// Bars of one rate per channel, in the warning colour when `worse` says
/// the channel's rate is worse than the overall one.
fn channel_bars(
    c: &CustomerSection,
    pick: fn(&RepeatFigures) -> &Rate,
    worse: fn(f64, f64) -> bool,
) -> Vec<Bar> {
    let overall = pick(&c.overall).value();
    c.by_channel
        .iter()
        .map(|ch| {
            let r = pick(&ch.figures);
            let v = r.value();
            Bar {
                label: ch.channel.as_str().to_owned(),
                share: v.unwrap_or(0.0),
                text: rate_text(r),
                warn: matches!((v, overall), (Some(v), Some(o)) if worse(v, o)),
            }
        })
        .collect()
}

fn customers(o: &mut String, c: &CustomerSection) {
    o.push_str("<section id=\"customers\"><h2>Customers</h2><ul>");
    for d in &c.definitions {
        let _ = write!(
            o,
            "<li><strong>{}</strong>: {}</li>",
            esc(&d.term),
            esc(&d.meaning)
        );
    }
    o.push_str("</ul>");

    let _ = write!(
        o,
        "<h3>Repeat contacts and first-contact resolution</h3><p class=\"meta\">Contacts opened from {} to {} UTC (end excluded).</p>",
        esc(&minute(c.range.0)),
        esc(&minute(c.range.1))
    );
    let f = &c.overall;
    let _ = write!(
        o,
        "<p>Repeat contacts: <strong>{}</strong>. First-contact resolution: <strong>{}</strong> ({} pending). One-touch resolution: {}.</p>",
        esc(&rate_ci(&f.repeat)),
        esc(&rate_ci(&f.fcr)),
        f.pending,
        esc(&rate_text(&f.one_touch))
    );
    o.push_str(&svg::bars(
        "chart-repeat-channel",
        "Repeat-contact rate per channel (red: above the overall rate)",
        &svg::percent_ticks(),
        &channel_bars(c, |f| &f.repeat, |v, all| v > all),
        "no contacts",
    ));
    o.push_str(&svg::bars(
        "chart-fcr-channel",
        "First-contact resolution per channel (red: below the overall rate)",
        &svg::percent_ticks(),
        &channel_bars(c, |f| &f.fcr, |v, all| v < all),
        "no settled contacts",
    ));
    let head_cells = customers::FIGURES_HEAD;
    let figures = customers::figure_cells;
    o.push_str("<table>");
    head(o, &head_cells);
    o.push_str("<tbody>");
    row(o, &figures("all channels", &c.overall));
    for ch in &c.by_channel {
        row(o, &figures(ch.channel.as_str(), &ch.figures));
    }
    o.push_str("</tbody></table>");
    if !c.by_reason.is_empty() {
        let mut cells = head_cells;
        cells[0] = "reason";
        o.push_str("<table>");
        head(o, &cells);
        o.push_str("<tbody>");
        for r in &c.by_reason {
            row(o, &figures(r.name(), &r.figures));
        }
        o.push_str("</tbody></table>");
    }

    o.push_str("<h3>Customers at risk</h3>");
    if c.at_risk.is_empty() {
        o.push_str("<p class=\"meta\">No customer with recent bad experiences.</p>");
    } else {
        o.push_str("<table>");
        head(
            o,
            &[
                "customer",
                "tier",
                "recent bad experiences",
                "what happened",
            ],
        );
        o.push_str("<tbody>");
        for a in &c.at_risk {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><ul>",
                esc(&short_id(&a.customer)),
                esc(&a.tier.label),
                a.bad_recent
            );
            for reason in &a.reasons {
                let _ = write!(o, "<li>{}</li>", esc(&short_ids(reason)));
            }
            o.push_str("</ul></td></tr>");
        }
        o.push_str("</tbody></table>");
    }

    o.push_str("<h3>Next issues</h3>");
    let bars: Vec<Bar> = c
        .next_issues
        .iter()
        .map(|s| Bar {
            label: format!("{} → {}", s.when, s.also),
            share: s.evidence.probability,
            text: format!(
                "{:.1}% ({} of {}), 95% CI {:.0}–{:.0}%",
                s.evidence.probability * 100.0,
                s.evidence.count,
                s.evidence.of,
                s.evidence.low * 100.0,
                s.evidence.high * 100.0
            ),
            warn: false,
        })
        .collect();
    o.push_str(&svg::bars(
        "chart-next-issue",
        "Next issue: share of contacts followed by another reason",
        &svg::percent_ticks(),
        &bars,
        "no pair passed the thresholds",
    ));
    if !c.next_issues.is_empty() {
        o.push_str("<ul>");
        for s in &c.next_issues {
            let _ = write!(o, "<li>{}</li>", esc(&s.text));
        }
        o.push_str("</ul>");
    }

    o.push_str("<h3>Knowledge-base gaps</h3>");
    if c.kb_gaps.is_empty() {
        o.push_str("<p class=\"meta\">No reason is a knowledge-base candidate.</p>");
    } else {
        o.push_str("<table>");
        head(o, &customers::KB_HEAD);
        o.push_str("<tbody>");
        for g in &c.kb_gaps {
            row(o, &customers::kb_gap_cells(g));
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>");
}
