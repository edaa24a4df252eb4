//! Reading an aggregate: the figures, ready to print or render.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::metrics::aggregate::{
    Aggregate, BACKLOG_AGE_EDGES, Longest, LowScore, RESPONSE_BIN_EDGES, ResponseTally,
    channel_slot,
};
use crate::metrics::facts::unix;
use crate::metrics::sketch::DurationSketch;
use crate::sla::{Compliance, human};
use crate::ticket::{Priority, Status, Tag};

/// Which clock a duration is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Wall-clock time, around the clock.
    Calendar,
    /// Business time on the calendar named in
    /// [`FactsOptions::with_business_calendar`](crate::metrics::FactsOptions::with_business_calendar).
    Business,
}

/// A share: `count` out of `of`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rate {
    /// The numerator.
    pub count: u64,
    /// The denominator.
    pub of: u64,
}

impl Rate {
    /// `count / of`, `None` when `of` is 0.
    pub fn value(&self) -> Option<f64> {
        (self.of > 0).then(|| self.count as f64 / self.of as f64)
    }

    /// "84.0%" or "n/a".
    pub fn percent(&self) -> String {
        self.value()
            .map_or_else(|| "n/a".to_owned(), |v| format!("{:.1}%", v * 100.0))
    }

    /// The Wilson score interval of the rate at 95% confidence; `None` when
    /// its denominator is 0. A count above the denominator reads as the
    /// denominator.
    ///
    /// ```
    /// use supportdesk::metrics::Rate;
    ///
    /// let i = Rate { count: 5, of: 10 }.wilson95().expect("not empty");
    /// assert!((i.low - 0.2366).abs() < 1e-4 && (i.high - 0.7634).abs() < 1e-4);
    /// assert!(Rate { count: 0, of: 0 }.wilson95().is_none());
    /// ```
    pub fn wilson95(&self) -> Option<Interval> {
        if self.of == 0 {
            return None;
        }
        let z = 1.959_963_984_540_054_f64;
        let n = self.of as f64;
        let p = self.count.min(self.of) as f64 / n;
        let z2 = z * z;
        let denom = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denom;
        let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Some(Interval {
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        })
    }
}

/// A confidence interval of a share (the Wilson score interval at 95%,
/// [`Rate::wilson95`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The lower bound, 0 to 1.
    pub low: f64,
    /// The upper bound, 0 to 1.
    pub high: f64,
}

/// Count, mean, median, 90th percentile and extremes of durations, in
/// seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DurationSummary {
    /// How many.
    pub count: u64,
    /// The mean (exact).
    pub mean: Option<f64>,
    /// The median (see `exact_percentiles`).
    pub median: Option<f64>,
    /// The 90th percentile (see `exact_percentiles`).
    pub p90: Option<f64>,
    /// The shortest (exact).
    pub min: Option<u64>,
    /// The longest (exact).
    pub max: Option<u64>,
    /// Percentiles are exact (few values); otherwise within 1/128
    /// relative error.
    pub exact_percentiles: bool,
}

impl DurationSummary {
    /// The summary of a sketch.
    pub fn of(s: &DurationSketch) -> Self {
        DurationSummary {
            count: s.count(),
            mean: s.mean(),
            median: s.median(),
            p90: s.quantile(0.9),
            min: s.min(),
            max: s.max(),
            exact_percentiles: s.is_exact(),
        }
    }

    /// "mean 1h 2m, median 45m, p90 3h (12)": for terminals and reports.
    pub fn describe(&self) -> String {
        match (self.mean, self.median, self.p90) {
            (Some(m), Some(md), Some(p)) => format!(
                "mean {}, median {}, p90 {} ({} tickets)",
                secs(m),
                secs(md),
                secs(p),
                self.count
            ),
            _ => "no data".to_owned(),
        }
    }
}

/// The number of answers of a distribution.
fn total(d: &[u64]) -> u64 {
    d.iter().fold(0u64, |a, n| a.saturating_add(*n))
}

/// The mean score of a distribution of scores 1, 2, ...
fn weighted_mean(d: &[u64]) -> Option<f64> {
    let n = total(d);
    let sum: f64 = d
        .iter()
        .enumerate()
        .map(|(i, c)| (i as f64 + 1.0) * *c as f64)
        .sum();
    (n > 0).then(|| sum / n as f64)
}

/// Seconds as "1h 2m", rounded to the second.
pub fn secs(s: f64) -> String {
    human(s.round() as i64)
}

/// One bin of a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinCount {
    /// "15m-30m", "under 15m", "3d and more".
    pub label: String,
    /// The lower edge, seconds (inclusive).
    pub from: u64,
    /// The upper edge, seconds (exclusive); `None` for the last bin.
    pub to: Option<u64>,
    /// How many.
    pub count: u64,
}

pub(crate) fn bins(edges: &[u64], counts: &[u64]) -> Vec<BinCount> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let from = if i == 0 {
                0
            } else {
                edges.get(i - 1).copied().unwrap_or(0)
            };
            let to = edges.get(i).copied();
            let label = match (i, to) {
                (0, Some(t)) => format!("under {}", human(t as i64)),
                (_, Some(t)) => format!("{}-{}", human(from as i64), human(t as i64)),
                (_, None) => format!("{} and more", human(from as i64)),
            };
            BinCount {
                label,
                from,
                to,
                count,
            }
        })
        .collect()
}

/// First response times on one basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseSummary {
    /// Calendar or business time.
    pub basis: Basis,
    /// The times of the tickets a human agent answered.
    pub times: DurationSummary,
    /// The longest first response and its ticket.
    pub longest: Option<Longest>,
    /// Tickets still waiting for a first human reply at the instant.
    pub waiting: u64,
    /// The longest current wait and its ticket.
    pub longest_waiting: Option<Longest>,
    /// The exact distribution over [`RESPONSE_BIN_EDGES`].
    pub bins: Vec<BinCount>,
    /// First replies within the ticket's own SLA target, out of those
    /// decided (met or breached), exactly as the SLA engine judges them.
    pub within_target: Rate,
}

impl ResponseSummary {
    fn of(r: &ResponseTally, basis: Basis, sla: &Compliance) -> Self {
        ResponseSummary {
            basis,
            times: DurationSummary::of(&r.times),
            longest: r.longest,
            waiting: r.waiting,
            longest_waiting: r.longest_waiting,
            bins: bins(&RESPONSE_BIN_EDGES, &r.bins),
            within_target: Rate {
                count: sla.met as u64,
                of: sla.met.saturating_add(sla.breached) as u64,
            },
        }
    }
}

/// Satisfaction figures of a group of answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CsatFigures {
    /// Answers.
    pub responses: u64,
    /// Mean score (1-5).
    pub mean: Option<f64>,
    /// Share of 4 and 5 (the usual "CSAT %").
    pub satisfied: Rate,
    /// Answers per score, 1 to 5.
    pub distribution: [u64; 5],
}

impl CsatFigures {
    /// The sample variance of the scores (0 with fewer than two answers).
    pub fn variance(&self) -> f64 {
        let (Some(mean), n) = (self.mean, self.responses) else {
            return 0.0;
        };
        if n < 2 {
            return 0.0;
        }
        let ss: f64 = self
            .distribution
            .iter()
            .enumerate()
            .map(|(i, c)| (i as f64 + 1.0 - mean).powi(2) * *c as f64)
            .sum();
        // (n is at least 2 here.)
        ss / (n - 1) as f64
    }

    /// The figures of a distribution of scores 1 to 5.
    pub fn of(distribution: &[u64; 5]) -> Self {
        let responses = total(distribution);
        CsatFigures {
            responses,
            mean: weighted_mean(distribution),
            satisfied: Rate {
                count: distribution[3].saturating_add(distribution[4]),
                of: responses,
            },
            distribution: *distribution,
        }
    }
}

/// Customer satisfaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CsatSummary {
    /// All answers.
    pub overall: CsatFigures,
    /// Answers out of tickets solved at least once.
    pub response_rate: Rate,
    /// Per channel (channels with answers), in channel order.
    pub by_channel: Vec<(Channel, CsatFigures)>,
    /// Every score of 1 or 2 with its comment, oldest first.
    pub low_scores: Vec<LowScore>,
    /// Low scores an agent acted on afterwards (reply or note).
    pub low_followed_up: Rate,
    /// Median seconds from a low score to the agent's follow-up.
    pub follow_up_median: Option<f64>,
}

/// Customer effort (1 very easy to 7 very hard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CesSummary {
    /// Answers.
    pub responses: u64,
    /// Mean score.
    pub mean: Option<f64>,
    /// Answers per score, 1 to 7.
    pub distribution: [u64; 7],
    /// Answers out of tickets solved at least once.
    pub response_rate: Rate,
    /// Scores 1 to 3 (low effort).
    pub easy: Rate,
    /// Scores 5 to 7 (high effort).
    pub hard: Rate,
}

/// The backlog at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BacklogSummary {
    /// The instant.
    pub at: Option<DateTime<Utc>>,
    /// Unsolved tickets.
    pub open: u64,
    /// Per unsolved status (new, open, pending, on hold).
    pub by_status: Vec<(Status, u64)>,
    /// By age over [`BACKLOG_AGE_EDGES`].
    pub by_age: Vec<BinCount>,
    /// The oldest unsolved ticket and its age.
    pub oldest: Option<Longest>,
}

/// Ticket volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VolumeSummary {
    /// Tickets.
    pub tickets: u64,
    /// Opened by the customer (contacts).
    pub reactive: u64,
    /// Opened by us.
    pub proactive: u64,
    /// Per channel with tickets, in channel order.
    pub by_channel: Vec<(Channel, u64)>,
    /// Per priority, lowest first.
    pub by_priority: Vec<(Priority, u64)>,
    /// Per tag, most frequent first (ties by tag).
    pub by_tag: Vec<(Tag, u64)>,
    /// Tickets with at least one tag.
    pub tagged: Rate,
}

/// CSAT of the answers whose ticket's first response fell in a bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseCsat {
    /// The first-response bin.
    pub bin: BinCount,
    /// The answers' figures.
    pub csat: CsatFigures,
}

/// Where faster first responses stop raising satisfaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpeedThreshold {
    /// Replies within this many seconds already get the best satisfaction;
    /// answering faster does not raise it.
    pub within: u64,
    /// Mean CSAT of answers with a first response within the threshold.
    pub plateau_mean: f64,
    /// Mean CSAT of answers with a slower first response.
    pub beyond_mean: f64,
}

/// Finds the speed threshold in CSAT-by-first-response bins (fastest
/// first). Bins with fewer than `min_answers` answers are ignored. The
/// best mean among the others is the plateau level. A bin is *on the
/// plateau* when its mean is within `tolerance` of that level, or not
/// significantly below it: less than two standard errors of the difference
/// (from the bins' own score variances), so that a handful of answers does
/// not end the plateau by chance. The plateau is the run of bins, from the
/// first one on it, that stay on it; the threshold is the upper edge of its
/// last bin, provided a slower bin with enough answers is off the plateau
/// (otherwise satisfaction does not fall with slower replies in this data
/// and there is no threshold).
///
/// ```
/// use supportdesk::metrics::{speed_threshold, Aggregate};
/// // With no answers there is no threshold.
/// assert!(speed_threshold(&Aggregate::new().csat_by_response_time(), 5, 0.15).is_none());
/// ```
pub fn speed_threshold(
    bins: &[ResponseCsat],
    min_answers: u64,
    tolerance: f64,
) -> Option<SpeedThreshold> {
    let eligible: Vec<&ResponseCsat> = bins
        .iter()
        .filter(|b| b.csat.responses >= min_answers.max(1))
        .collect();
    let best = eligible
        .iter()
        .filter(|b| b.csat.mean.is_some())
        .max_by(|a, b| {
            let (x, y) = (a.csat.mean.unwrap_or(0.0), b.csat.mean.unwrap_or(0.0));
            x.total_cmp(&y)
        })?;
    let (best_mean, best_var) = (best.csat.mean?, best.csat.variance());
    let best_n = best.csat.responses as f64;
    let within = |b: &ResponseCsat| {
        let Some(m) = b.csat.mean else { return false };
        let se = (b.csat.variance() / b.csat.responses.max(1) as f64 + best_var / best_n).sqrt();
        m >= best_mean - tolerance.max(2.0 * se)
    };
    let start = eligible.iter().position(|b| within(b))?;
    let mut end = start;
    while eligible.get(end + 1).is_some_and(|b| within(b)) {
        end += 1;
    }
    let last = eligible.get(end)?;
    let edge = last.bin.to?;
    if !eligible[end + 1..].iter().any(|b| !within(b)) {
        return None;
    }
    let (mut fast, mut slow) = ([0u64; 5], [0u64; 5]);
    for b in bins {
        let side = if b.bin.to.is_some_and(|t| t <= edge) {
            &mut fast
        } else {
            &mut slow
        };
        for (s, n) in side.iter_mut().zip(&b.csat.distribution) {
            *s = s.saturating_add(*n);
        }
    }
    Some(SpeedThreshold {
        within: edge,
        plateau_mean: CsatFigures::of(&fast).mean?,
        beyond_mean: CsatFigures::of(&slow).mean?,
    })
}

/// Every figure of an aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricsSummary {
    /// The latest instant the facts describe.
    pub as_of: Option<DateTime<Utc>>,
    /// The newest event in the data (how fresh the figures are).
    pub newest_event: Option<DateTime<Utc>>,
    /// Volume.
    pub volume: VolumeSummary,
    /// First response in calendar time.
    pub first_response: ResponseSummary,
    /// First response in business time, when measured.
    pub first_response_business: Option<ResponseSummary>,
    /// Next reply times, calendar time.
    pub next_reply: DurationSummary,
    /// Next reply times, business time, when measured.
    pub next_reply_business: Option<DurationSummary>,
    /// Resolution times of resolved tickets, calendar time.
    pub resolution: DurationSummary,
    /// Resolution times, business time, when measured.
    pub resolution_business: Option<DurationSummary>,
    /// Agent work times of resolved tickets, calendar time.
    pub agent_work: DurationSummary,
    /// Agent work times, business time, when measured.
    pub agent_work_business: Option<DurationSummary>,
    /// Resolved tickets with exactly one public human agent reply, out of
    /// resolved tickets.
    pub one_touch: Rate,
    /// Tickets reopened at least once, out of tickets solved at least once.
    pub reopened: Rate,
    /// Reopens in all.
    pub reopens: u64,
    /// The backlog.
    pub backlog: BacklogSummary,
    /// Satisfaction.
    pub csat: CsatSummary,
    /// Effort.
    pub ces: CesSummary,
    /// CSAT by first-response bin (calendar time), fastest first.
    pub csat_by_response_time: Vec<ResponseCsat>,
    /// Where faster replies stop raising CSAT (5 answers per bin at least,
    /// 0.15 points tolerance; see [`speed_threshold`]).
    pub speed_threshold: Option<SpeedThreshold>,
    /// Compliance with the tickets' own SLA targets, per metric.
    pub sla: BTreeMap<String, Compliance>,
    /// Public replies by human agents.
    pub agent_replies: u64,
    /// Automated and bot replies (not counted as agent work).
    pub bot_replies: u64,
}

impl Aggregate {
    /// First response figures on a basis (`None` for business time when it
    /// was not measured).
    pub fn first_response(&self, basis: Basis) -> Option<ResponseSummary> {
        match basis {
            Basis::Calendar => Some(ResponseSummary::of(
                &self.first_response,
                basis,
                &self.first_response_sla,
            )),
            Basis::Business => {
                let r = &self.first_response_business;
                (r.times.count() > 0 || r.waiting > 0)
                    .then(|| ResponseSummary::of(r, basis, &self.first_response_sla))
            }
        }
    }

    /// Resolution times of resolved tickets on a basis (`None` for business
    /// time when it was not measured): the SLA total-resolution clock, time
    /// spent solved before a reopen left out.
    pub fn resolution(&self, basis: Basis) -> Option<DurationSummary> {
        match basis {
            Basis::Calendar => Some(DurationSummary::of(&self.resolution)),
            Basis::Business => (self.resolution_business.count() > 0)
                .then(|| DurationSummary::of(&self.resolution_business)),
        }
    }

    /// Reopens in all (solved back to unsolved), over the tickets added.
    pub fn reopens(&self) -> u64 {
        self.reopens
    }

    /// CSAT by first-response bin, fastest first.
    pub fn csat_by_response_time(&self) -> Vec<ResponseCsat> {
        let zero = [0u64; RESPONSE_BIN_EDGES.len() + 1];
        bins(&RESPONSE_BIN_EDGES, &zero)
            .into_iter()
            .zip(&self.csat_by_response)
            .map(|(mut bin, d)| {
                bin.count = total(d);
                ResponseCsat {
                    bin,
                    csat: CsatFigures::of(d),
                }
            })
            .collect()
    }

    /// Satisfaction figures.
    pub fn csat(&self) -> CsatSummary {
        let by_channel = Channel::ALL
            .into_iter()
            .filter_map(|c| {
                let d = self.csat_by_channel.get(channel_slot(c))?;
                (total(d) > 0).then(|| (c, CsatFigures::of(d)))
            })
            .collect();
        let low_scores = self.low_scores.sorted();
        let mut delays: Vec<u64> = low_scores.iter().filter_map(|l| l.followed_up_in).collect();
        delays.sort_unstable();
        let follow_up_median = match delays.len() {
            0 => None,
            n if n % 2 == 1 => Some(delays[n / 2] as f64),
            n => Some((delays[n / 2 - 1] as f64 + delays[n / 2] as f64) / 2.0),
        };
        let overall = CsatFigures::of(&self.csat);
        CsatSummary {
            response_rate: Rate {
                count: overall.responses,
                of: self.solved_ever,
            },
            overall,
            by_channel,
            low_followed_up: Rate {
                count: delays.len() as u64,
                of: low_scores.len() as u64,
            },
            follow_up_median,
            low_scores,
        }
    }

    /// Effort figures.
    pub fn ces(&self) -> CesSummary {
        let responses = total(&self.ces);
        CesSummary {
            responses,
            mean: weighted_mean(&self.ces),
            distribution: self.ces,
            response_rate: Rate {
                count: responses,
                of: self.solved_ever,
            },
            easy: Rate {
                count: total(&self.ces[..3]),
                of: responses,
            },
            hard: Rate {
                count: total(&self.ces[4..]),
                of: responses,
            },
        }
    }

    /// The backlog figures.
    pub fn backlog(&self) -> BacklogSummary {
        let b = &self.backlog;
        BacklogSummary {
            at: b.at.map(unix),
            open: b.open,
            by_status: [Status::New, Status::Open, Status::Pending, Status::OnHold]
                .into_iter()
                .zip(b.by_status)
                .collect(),
            by_age: bins(&BACKLOG_AGE_EDGES, &b.by_age),
            oldest: b.oldest,
        }
    }

    /// Volume figures.
    pub fn volume(&self) -> VolumeSummary {
        let mut by_tag: Vec<(Tag, u64)> =
            self.by_tag.iter().map(|(t, n)| (t.clone(), *n)).collect();
        by_tag.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        VolumeSummary {
            tickets: self.tickets,
            reactive: self.reactive,
            proactive: self.tickets.saturating_sub(self.reactive),
            by_channel: Channel::ALL
                .into_iter()
                .zip(self.by_channel)
                .filter(|(_, n)| *n > 0)
                .collect(),
            by_priority: Priority::ALL.into_iter().zip(self.by_priority).collect(),
            by_tag,
            tagged: Rate {
                count: self.tagged,
                of: self.tickets,
            },
        }
    }

    /// Resolved tickets solved with exactly one public human agent reply.
    pub fn one_touch(&self) -> Rate {
        Rate {
            count: self.one_touch,
            of: self.resolved,
        }
    }

    /// Tickets reopened at least once, out of those solved at least once.
    pub fn reopen_rate(&self) -> Rate {
        Rate {
            count: self.reopened,
            of: self.solved_ever,
        }
    }

    /// Compliance with the tickets' own SLA targets, per metric.
    pub fn sla(&self) -> &BTreeMap<String, Compliance> {
        &self.sla
    }

    /// Every figure.
    pub fn summary(&self) -> MetricsSummary {
        let business = |s: &DurationSketch| (s.count() > 0).then(|| DurationSummary::of(s));
        let csat_by_response_time = self.csat_by_response_time();
        MetricsSummary {
            as_of: self.as_of.map(unix),
            newest_event: self.newest_event.map(unix),
            volume: self.volume(),
            first_response: ResponseSummary::of(
                &self.first_response,
                Basis::Calendar,
                &self.first_response_sla,
            ),
            first_response_business: self.first_response(Basis::Business),
            next_reply: DurationSummary::of(&self.next_reply),
            next_reply_business: business(&self.next_reply_business),
            resolution: DurationSummary::of(&self.resolution),
            resolution_business: business(&self.resolution_business),
            agent_work: DurationSummary::of(&self.agent_work),
            agent_work_business: business(&self.agent_work_business),
            one_touch: self.one_touch(),
            reopened: self.reopen_rate(),
            reopens: self.reopens,
            backlog: self.backlog(),
            csat: self.csat(),
            ces: self.ces(),
            speed_threshold: speed_threshold(&csat_by_response_time, 5, 0.15),
            csat_by_response_time,
            sla: self.sla.clone(),
            agent_replies: self.agent_replies,
            bot_replies: self.bot_replies,
        }
    }
}
