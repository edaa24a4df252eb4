//! CX maturity: the seven traits of the Zendesk/ESG benchmark, tier models
//! as data, scoring from a self-assessment with evidence read from the
//! metrics, next steps, and a comparison with the published Champion
//! figures.
//!
//! ```
//! use supportdesk::insight::maturity::{assess, EvidenceInputs, MaturityTrait, SelfAssessment, TierModel};
//! use supportdesk::metrics::Aggregate;
//!
//! let summary = Aggregate::new().summary();
//! let answers = SelfAssessment::new()
//!     .answer(MaturityTrait::SkilledTeam, true)
//!     .answer(MaturityTrait::AppropriateStaffing, true)
//!     .answer(MaturityTrait::ActsOnFeedback, true)
//!     .answer(MaturityTrait::StrongData, true)
//!     .answer(MaturityTrait::TimelyData, true);
//! let report = assess(&TierModel::esg_2021(), &answers, &EvidenceInputs::new(&summary, "2026-04-01T00:00:00Z".parse()?))?;
//! assert_eq!(report.held, 5);
//! assert_eq!(report.tier.name, "Emerging");
//! assert_eq!(report.next_tier.as_ref().map(|t| t.name.as_str()), Some("Riser"));
//! // The same answers under the 2020 model.
//! let old = assess(&TierModel::esg_2020(), &answers, &EvidenceInputs::new(&summary, "2026-04-01T00:00:00Z".parse()?))?;
//! assert_eq!(old.tier.name, "Riser");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::metrics::{MetricsSummary, Periodic, secs};

/// The seven traits of the benchmark (docs/domain.md section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaturityTrait {
    /// 1. Skilling up the service team.
    SkilledTeam,
    /// 2. Appropriate staffing levels.
    AppropriateStaffing,
    /// 3. Acting on customer feedback.
    ActsOnFeedback,
    /// 4. Agility in acting on feedback.
    AgileOnFeedback,
    /// 5. Strong data and visualisation of service performance.
    StrongData,
    /// 6. Timeliness of that data.
    TimelyData,
    /// 7. Quality of the technology experience for agents.
    AgentTechnology,
}

impl MaturityTrait {
    /// The seven traits, in the benchmark's order.
    pub const ALL: [MaturityTrait; 7] = [
        MaturityTrait::SkilledTeam,
        MaturityTrait::AppropriateStaffing,
        MaturityTrait::ActsOnFeedback,
        MaturityTrait::AgileOnFeedback,
        MaturityTrait::StrongData,
        MaturityTrait::TimelyData,
        MaturityTrait::AgentTechnology,
    ];

    /// A short title.
    pub const fn title(self) -> &'static str {
        match self {
            MaturityTrait::SkilledTeam => "Skilling up the service team",
            MaturityTrait::AppropriateStaffing => "Appropriate staffing levels",
            MaturityTrait::ActsOnFeedback => "Acting on customer feedback",
            MaturityTrait::AgileOnFeedback => "Agility in acting on feedback",
            MaturityTrait::StrongData => "Strong data and visualisation",
            MaturityTrait::TimelyData => "Timeliness of data",
            MaturityTrait::AgentTechnology => "Technology experience for agents",
        }
    }

    /// The self-assessment question.
    pub const fn question(self) -> &'static str {
        match self {
            MaturityTrait::SkilledTeam => {
                "Do agents get regular training and coaching, and can they solve most requests without handing them on?"
            }
            MaturityTrait::AppropriateStaffing => {
                "Is the team staffed to keep up with demand, at the hours customers contact you?"
            }
            MaturityTrait::ActsOnFeedback => {
                "Do you collect customer feedback and change things because of it?"
            }
            MaturityTrait::AgileOnFeedback => {
                "Do you act on feedback within days rather than quarters?"
            }
            MaturityTrait::StrongData => {
                "Do you measure service performance and show it in dashboards people use?"
            }
            MaturityTrait::TimelyData => "Is that data available in real time or the same day?",
            MaturityTrait::AgentTechnology => {
                "Do agents have one tool with the whole customer history, automation and SLA alerts?"
            }
        }
    }

    /// What to do next when the trait is missing.
    pub const fn next_step(self) -> &'static str {
        match self {
            MaturityTrait::SkilledTeam => {
                "Review a sample of reopened and multi-touch tickets each week with the agents; turn the recurring gaps into training and into saved replies."
            }
            MaturityTrait::AppropriateStaffing => {
                "Forecast volume per hour and day from the ticket history and staff the peaks; watch whether the backlog grows from week to week."
            }
            MaturityTrait::ActsOnFeedback => {
                "Send a CSAT survey on every solved ticket and follow up every score of 1 or 2 with the customer."
            }
            MaturityTrait::AgileOnFeedback => {
                "Give low scores an owner and a target (a follow-up within one business day) and review the comments weekly."
            }
            MaturityTrait::StrongData => {
                "Tag every ticket with what it is about and why, and publish first response, resolution, one-touch and CSAT on a shared dashboard."
            }
            MaturityTrait::TimelyData => {
                "Compute the metrics daily (or continuously) from the event stream instead of monthly exports."
            }
            MaturityTrait::AgentTechnology => {
                "Bring every channel into one queue with the customer's history, automate acknowledgements and routine answers, and turn on SLA warnings."
            }
        }
    }
}

impl fmt::Display for MaturityTrait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A tier model is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MaturityError {
    /// The model has no tiers.
    #[error("tier model {model:?} has no tiers")]
    NoTiers {
        /// The model.
        model: String,
    },
    /// A trait count from 0 to 7 falls in no tier.
    #[error("tier model {model:?} has no tier for {traits} traits")]
    Gap {
        /// The model.
        model: String,
        /// The count not covered.
        traits: u8,
    },
    /// A trait count falls in two tiers, or a tier's range is empty or
    /// beyond 7.
    #[error("tier model {model:?}: tier {tier:?} overlaps another or has a bad range")]
    BadTier {
        /// The model.
        model: String,
        /// The tier.
        tier: String,
    },
}

/// One tier: held by organisations with `min_traits..=max_traits` traits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tier {
    /// Its name ("Champion").
    pub name: String,
    /// The fewest traits of the tier.
    pub min_traits: u8,
    /// The most traits of the tier.
    pub max_traits: u8,
}

impl Tier {
    /// A tier.
    pub fn new(name: &str, min_traits: u8, max_traits: u8) -> Self {
        Tier {
            name: name.to_owned(),
            min_traits,
            max_traits,
        }
    }
}

/// Tiers by the number of traits held, as data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TierModel {
    /// Its name.
    pub name: String,
    /// The tiers, lowest first.
    pub tiers: Vec<Tier>,
}

impl TierModel {
    /// The 2021 Zendesk/ESG model: Starter (0-3), Emerging (4-5), Riser (6),
    /// Champion (7).
    pub fn esg_2021() -> Self {
        TierModel {
            name: "ESG 2021".to_owned(),
            tiers: vec![
                Tier::new("Starter", 0, 3),
                Tier::new("Emerging", 4, 5),
                Tier::new("Riser", 6, 6),
                Tier::new("Champion", 7, 7),
            ],
        }
    }

    /// The 2020 Zendesk/ESG model: Starter (0-3), Riser (4-5), Champion
    /// (6-7).
    pub fn esg_2020() -> Self {
        TierModel {
            name: "ESG 2020".to_owned(),
            tiers: vec![
                Tier::new("Starter", 0, 3),
                Tier::new("Riser", 4, 5),
                Tier::new("Champion", 6, 7),
            ],
        }
    }

    /// Checks that every count from 0 to 7 falls in exactly one tier.
    ///
    /// # Errors
    /// [`MaturityError`] naming the first problem.
    pub fn validate(&self) -> Result<(), MaturityError> {
        if self.tiers.is_empty() {
            return Err(MaturityError::NoTiers {
                model: self.name.clone(),
            });
        }
        for t in &self.tiers {
            if t.min_traits > t.max_traits || t.max_traits > 7 {
                return Err(self.bad(t));
            }
        }
        for n in 0..=7u8 {
            let mut holders = self
                .tiers
                .iter()
                .filter(|t| t.min_traits <= n && n <= t.max_traits);
            match (holders.next(), holders.next()) {
                (None, _) => {
                    return Err(MaturityError::Gap {
                        model: self.name.clone(),
                        traits: n,
                    });
                }
                (Some(_), Some(second)) => return Err(self.bad(second)),
                _ => {}
            }
        }
        Ok(())
    }

    fn bad(&self, t: &Tier) -> MaturityError {
        MaturityError::BadTier {
            model: self.name.clone(),
            tier: t.name.clone(),
        }
    }

    /// The tier of an organisation holding `held` traits (more than 7 count
    /// as 7).
    ///
    /// # Errors
    /// [`MaturityError`] when the model is not valid.
    pub fn tier_for(&self, held: u8) -> Result<&Tier, MaturityError> {
        self.validate()?;
        let n = held.min(7);
        self.tiers
            .iter()
            .find(|t| t.min_traits <= n && n <= t.max_traits)
            .ok_or(MaturityError::Gap {
                model: self.name.clone(),
                traits: n,
            })
    }

    /// The tier above the one for `held` traits, if any.
    pub fn next_tier(&self, held: u8) -> Option<&Tier> {
        let n = held.min(7);
        self.tiers
            .iter()
            .filter(|t| t.min_traits > n)
            .min_by_key(|t| t.min_traits)
    }
}

/// One answer of the self-assessment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Answer {
    /// The organisation says it holds the trait.
    pub held: bool,
    /// Why, in its own words.
    pub note: Option<String>,
}

/// The organisation's own answers: which traits it holds. Traits not
/// answered count as not held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfAssessment {
    /// The answers.
    pub answers: BTreeMap<MaturityTrait, Answer>,
}

impl SelfAssessment {
    /// No answers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers one trait.
    pub fn answer(mut self, t: MaturityTrait, held: bool) -> Self {
        self.answers.insert(t, Answer { held, note: None });
        self
    }

    /// Answers one trait with a note.
    pub fn answer_with_note(mut self, t: MaturityTrait, held: bool, note: &str) -> Self {
        self.answers.insert(
            t,
            Answer {
                held,
                note: Some(note.to_owned()),
            },
        );
        self
    }

    /// Whether the trait is held.
    pub fn holds(&self, t: MaturityTrait) -> bool {
        self.answers.get(&t).is_some_and(|a| a.held)
    }
}

/// What a piece of evidence says about an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The data backs the trait.
    Supports,
    /// The data argues against it.
    Contradicts,
    /// Context only, or not enough data.
    Neutral,
}

/// A figure from the metrics shown beside an answer. Evidence never
/// changes the score: the tier comes from the answers; the evidence tells
/// whether the data agrees.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    /// What was measured ("low-CSAT follow-up rate").
    pub label: String,
    /// The figure ("7 of 9 (77.8%)").
    pub value: String,
    /// What it says, by the rule in `rule`.
    pub signal: Signal,
    /// The rule ("supports at 80% or more, contradicts below 50%").
    pub rule: String,
}

/// A baseline to compare with the Champion figures: your own figures from
/// an earlier period (the published figures are relative to Starters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Mean first response then, seconds.
    pub first_response_seconds: Option<f64>,
    /// Mean resolution then, seconds.
    pub resolution_seconds: Option<f64>,
    /// Channels offered then.
    pub channels: Option<u32>,
}

/// What the evidence is read from.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceInputs<'a> {
    /// The figures.
    pub summary: &'a MetricsSummary,
    /// Per-period figures, for trends (backlog against volume).
    pub periods: Option<&'a Periodic>,
    /// When the assessment is made (data freshness is measured to it).
    pub reported_at: DateTime<Utc>,
    /// Agents on the team, if the host says (tickets per agent).
    pub agents: Option<u32>,
    /// Your earlier figures, for the Champion comparison.
    pub baseline: Option<Baseline>,
}

impl<'a> EvidenceInputs<'a> {
    /// Evidence from a summary, assessed at `reported_at`.
    pub fn new(summary: &'a MetricsSummary, reported_at: DateTime<Utc>) -> Self {
        EvidenceInputs {
            summary,
            periods: None,
            reported_at,
            agents: None,
            baseline: None,
        }
    }

    /// Adds per-period figures (for the backlog trend).
    pub fn with_periods(mut self, periods: &'a Periodic) -> Self {
        self.periods = Some(periods);
        self
    }

    /// Adds the team size.
    pub fn with_agents(mut self, agents: u32) -> Self {
        self.agents = Some(agents);
        self
    }

    /// Adds a baseline.
    pub fn with_baseline(mut self, baseline: Baseline) -> Self {
        self.baseline = Some(baseline);
        self
    }
}

/// The published figures for Champions (Zendesk/ESG).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChampionFigures {
    /// First response this much faster than Starters (0.43).
    pub first_response_faster: f64,
    /// Resolution this much faster than Starters (0.53).
    pub resolution_faster: f64,
    /// Share of tickets solved in one touch (0.84).
    pub one_touch: f64,
    /// Channels, as a multiple of Starters' (2.1).
    pub channels_multiple: f64,
    /// Starters' average first response, seconds ("over three hours":
    /// 10,800).
    pub starter_first_response_seconds: f64,
}

impl ChampionFigures {
    /// The published figures.
    pub const PUBLISHED: ChampionFigures = ChampionFigures {
        first_response_faster: 0.43,
        resolution_faster: 0.53,
        one_touch: 0.84,
        channels_multiple: 2.1,
        starter_first_response_seconds: 10_800.0,
    };

    /// The first response a Champion has when Starters take three hours:
    /// 43% faster, 6,156 s (1 h 42 m 36 s).
    pub fn champion_first_response_seconds(&self) -> f64 {
        self.starter_first_response_seconds * (1.0 - self.first_response_faster)
    }
}

/// One line of the Champion comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comparison {
    /// The measure.
    pub measure: String,
    /// Your figure.
    pub yours: String,
    /// The Champions' figure.
    pub champions: String,
    /// Whether you are at Champion level (`None`: cannot tell without a
    /// baseline or data).
    pub at_champion_level: Option<bool>,
}

/// One trait in the result: the answer, the evidence beside it, and the
/// next step when it is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TraitLine {
    /// The trait.
    pub maturity_trait: MaturityTrait,
    /// The answer.
    pub held: bool,
    /// The answer's note.
    pub note: Option<String>,
    /// The evidence from the metrics.
    pub evidence: Vec<Evidence>,
    /// What to do next (missing traits only).
    pub next_step: Option<String>,
}

impl TraitLine {
    /// Whether any evidence contradicts a "held" answer (or supports a "not
    /// held" one): worth a second look.
    pub fn disputed(&self) -> bool {
        let against = if self.held {
            Signal::Contradicts
        } else {
            Signal::Supports
        };
        self.evidence.iter().any(|e| e.signal == against)
    }
}

/// The result of an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MaturityReport {
    /// The model's name.
    pub model: String,
    /// The tier.
    pub tier: Tier,
    /// The tier above, if any.
    pub next_tier: Option<Tier>,
    /// Every tier of the model, lowest first.
    pub tiers: Vec<Tier>,
    /// Traits held.
    pub held: u8,
    /// Every trait, in order.
    pub traits: Vec<TraitLine>,
    /// Your figures next to the Champions'.
    pub comparison: Vec<Comparison>,
}

impl MaturityReport {
    /// The traits held.
    pub fn traits_held(&self) -> impl Iterator<Item = MaturityTrait> + '_ {
        self.traits
            .iter()
            .filter(|t| t.held)
            .map(|t| t.maturity_trait)
    }

    /// The missing traits with their next step.
    pub fn next_steps(&self) -> impl Iterator<Item = (MaturityTrait, &str)> + '_ {
        self.traits
            .iter()
            .filter_map(|t| t.next_step.as_deref().map(|s| (t.maturity_trait, s)))
    }
}

/// Scores a self-assessment under a tier model, with the evidence beside
/// each answer and the Champion comparison.
///
/// # Errors
/// [`MaturityError`] when the model is not valid.
pub fn assess(
    model: &TierModel,
    answers: &SelfAssessment,
    inputs: &EvidenceInputs<'_>,
) -> Result<MaturityReport, MaturityError> {
    let traits: Vec<TraitLine> = MaturityTrait::ALL
        .into_iter()
        .map(|t| {
            let a = answers.answers.get(&t);
            let held = a.is_some_and(|a| a.held);
            TraitLine {
                maturity_trait: t,
                held,
                note: a.and_then(|a| a.note.clone()),
                evidence: evidence(t, inputs),
                next_step: (!held).then(|| t.next_step().to_owned()),
            }
        })
        .collect();
    let held = traits.iter().filter(|t| t.held).count() as u8;
    let tier = model.tier_for(held)?.clone();
    Ok(MaturityReport {
        model: model.name.clone(),
        tier,
        next_tier: model.next_tier(held).cloned(),
        tiers: model.tiers.clone(),
        held,
        traits,
        comparison: compare(inputs, &ChampionFigures::PUBLISHED),
    })
}

fn rate_evidence(
    label: &str,
    r: crate::metrics::Rate,
    supports_at: f64,
    contradicts_below: f64,
    higher_is_better: bool,
) -> Evidence {
    let signal = match r.value() {
        None => Signal::Neutral,
        Some(v) if higher_is_better && v >= supports_at => Signal::Supports,
        Some(v) if higher_is_better && v < contradicts_below => Signal::Contradicts,
        Some(v) if !higher_is_better && v <= supports_at => Signal::Supports,
        Some(v) if !higher_is_better && v > contradicts_below => Signal::Contradicts,
        Some(_) => Signal::Neutral,
    };
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let rule = if higher_is_better {
        format!(
            "supports at {} or more, contradicts below {}",
            pct(supports_at),
            pct(contradicts_below)
        )
    } else {
        format!(
            "supports at {} or less, contradicts above {}",
            pct(supports_at),
            pct(contradicts_below)
        )
    };
    Evidence {
        label: label.to_owned(),
        value: format!("{} of {} ({})", r.count, r.of, r.percent()),
        signal,
        rule,
    }
}

/// The evidence for one trait. The rules are simple, stated thresholds; they
/// are shown with each figure.
pub fn evidence(t: MaturityTrait, inputs: &EvidenceInputs<'_>) -> Vec<Evidence> {
    let s = inputs.summary;
    match t {
        MaturityTrait::SkilledTeam => vec![
            rate_evidence("one-touch resolution", s.one_touch, 0.7, 0.4, true),
            rate_evidence("reopened tickets", s.reopened, 0.1, 0.2, false),
        ],
        MaturityTrait::AppropriateStaffing => {
            let mut v = vec![backlog_trend(inputs)];
            v.push(rate_evidence(
                "first replies within the SLA target",
                s.first_response.within_target,
                0.9,
                0.75,
                true,
            ));
            if let Some(agents) = inputs.agents.filter(|a| *a > 0) {
                let days = inputs.periods.map_or(0, |p| p.periods().count()).max(1);
                v.push(Evidence {
                    label: "tickets per agent per period".to_owned(),
                    value: format!(
                        "{:.1} ({} tickets, {agents} agents, {days} periods)",
                        s.volume.tickets as f64 / f64::from(agents) / days as f64,
                        s.volume.tickets
                    ),
                    signal: Signal::Neutral,
                    rule: "context".to_owned(),
                });
            }
            v
        }
        MaturityTrait::ActsOnFeedback => vec![
            rate_evidence("CSAT response rate", s.csat.response_rate, 0.2, 0.05, true),
            rate_evidence(
                "low-CSAT follow-up rate",
                s.csat.low_followed_up,
                0.8,
                0.5,
                true,
            ),
        ],
        MaturityTrait::AgileOnFeedback => {
            let (value, signal) = match s.csat.follow_up_median {
                None => ("no follow-ups".to_owned(), Signal::Neutral),
                Some(m) if m <= 86_400.0 => (secs(m), Signal::Supports),
                Some(m) if m > 3.0 * 86_400.0 => (secs(m), Signal::Contradicts),
                Some(m) => (secs(m), Signal::Neutral),
            };
            vec![Evidence {
                label: "median time from a low score to the follow-up".to_owned(),
                value,
                signal,
                rule: "supports within 1 day, contradicts beyond 3 days".to_owned(),
            }]
        }
        MaturityTrait::StrongData => {
            let both = s.csat.overall.responses > 0 && s.ces.responses > 0;
            vec![
                rate_evidence("tickets tagged", s.volume.tagged, 0.8, 0.5, true),
                Evidence {
                    label: "satisfaction and effort measured".to_owned(),
                    value: format!(
                        "{} CSAT and {} CES answers",
                        s.csat.overall.responses, s.ces.responses
                    ),
                    signal: if both {
                        Signal::Supports
                    } else {
                        Signal::Contradicts
                    },
                    rule: "supports when both are collected".to_owned(),
                },
            ]
        }
        MaturityTrait::TimelyData => {
            let (value, signal) = match s.newest_event {
                None => ("no data".to_owned(), Signal::Contradicts),
                Some(n) => {
                    let lag = (inputs.reported_at - n).num_seconds().max(0);
                    let signal = if lag <= 86_400 {
                        Signal::Supports
                    } else if lag > 7 * 86_400 {
                        Signal::Contradicts
                    } else {
                        Signal::Neutral
                    };
                    (
                        format!("newest event {} before the report", crate::sla::human(lag)),
                        signal,
                    )
                }
            };
            let mut v = vec![Evidence {
                label: "data freshness".to_owned(),
                value,
                signal,
                rule: "supports within 1 day, contradicts beyond 7 days".to_owned(),
            }];
            if let Some(p) = inputs.periods {
                v.push(Evidence {
                    label: "reporting period".to_owned(),
                    value: format!("{:?} in {}", p.kind(), p.timezone().name()),
                    signal: if p.kind() == crate::metrics::PeriodKind::Day {
                        Signal::Supports
                    } else {
                        Signal::Neutral
                    },
                    rule: "supports when reported daily".to_owned(),
                });
            }
            v
        }
        MaturityTrait::AgentTechnology => {
            let sla_in_use = !s.sla.is_empty();
            vec![
                Evidence {
                    label: "SLA clocks with warnings".to_owned(),
                    value: if sla_in_use {
                        format!("{} metrics tracked", s.sla.len())
                    } else {
                        "none".to_owned()
                    },
                    signal: if sla_in_use {
                        Signal::Supports
                    } else {
                        Signal::Contradicts
                    },
                    rule: "supports when tickets carry SLA targets".to_owned(),
                },
                Evidence {
                    label: "automated replies (not counted as agent work)".to_owned(),
                    value: format!("{} automated, {} by agents", s.bot_replies, s.agent_replies),
                    signal: if s.bot_replies > 0 {
                        Signal::Supports
                    } else {
                        Signal::Neutral
                    },
                    rule: "supports when routine replies are automated".to_owned(),
                },
            ]
        }
    }
}

/// Backlog at the end of the first and the last period, against the
/// volume of a period.
fn backlog_trend(inputs: &EvidenceInputs<'_>) -> Evidence {
    let rule = "supports when the backlog does not grow by more than 10% of a period's volume, contradicts when it grows by more than 50%".to_owned();
    let Some(p) = inputs.periods else {
        return Evidence {
            label: "backlog trend".to_owned(),
            value: format!(
                "{} open now (no periods given)",
                inputs.summary.backlog.open
            ),
            signal: Signal::Neutral,
            rule,
        };
    };
    let all: Vec<(String, u64, u64)> = p
        .periods()
        .map(|(p, a)| (p.to_string(), a.backlog().open, a.tickets()))
        .collect();
    let (Some(first), Some(last)) = (all.first(), all.last()) else {
        return Evidence {
            label: "backlog trend".to_owned(),
            value: "no data".to_owned(),
            signal: Signal::Neutral,
            rule,
        };
    };
    let volume = all.iter().map(|x| x.2).sum::<u64>() as f64 / all.len() as f64;
    let growth = last.1 as f64 - first.1 as f64;
    let signal = if volume <= 0.0 {
        Signal::Neutral
    } else if growth <= 0.1 * volume {
        Signal::Supports
    } else if growth > 0.5 * volume {
        Signal::Contradicts
    } else {
        Signal::Neutral
    };
    Evidence {
        label: "backlog trend against volume".to_owned(),
        value: format!(
            "{} open at the end of {}, {} at the end of {}; {:.1} new tickets per period",
            first.1, first.0, last.1, last.0, volume
        ),
        signal,
        rule,
    }
}

fn compare(inputs: &EvidenceInputs<'_>, c: &ChampionFigures) -> Vec<Comparison> {
    let s = inputs.summary;
    let base = inputs.baseline.unwrap_or_default();
    let faster = |now: Option<f64>, then: Option<f64>| match (now, then) {
        (Some(n), Some(t)) if t > 0.0 => Some(1.0 - n / t),
        _ => None,
    };
    let mut out = Vec::new();

    let frt = s.first_response.times.mean;
    let champion_frt = c.champion_first_response_seconds();
    out.push(match faster(frt, base.first_response_seconds) {
        Some(f) => Comparison {
            measure: "first response".to_owned(),
            yours: format!("{:.0}% faster than your baseline", f * 100.0),
            champions: format!(
                "{:.0}% faster than Starters",
                c.first_response_faster * 100.0
            ),
            at_champion_level: Some(f >= c.first_response_faster),
        },
        None => Comparison {
            measure: "first response (mean)".to_owned(),
            yours: frt.map_or_else(|| "no data".to_owned(), secs),
            champions: format!(
                "{} (43% faster than Starters' three hours)",
                secs(champion_frt)
            ),
            at_champion_level: frt.map(|f| f <= champion_frt),
        },
    });

    let res = s.resolution.mean;
    out.push(match faster(res, base.resolution_seconds) {
        Some(f) => Comparison {
            measure: "resolution".to_owned(),
            yours: format!("{:.0}% faster than your baseline", f * 100.0),
            champions: format!("{:.0}% faster than Starters", c.resolution_faster * 100.0),
            at_champion_level: Some(f >= c.resolution_faster),
        },
        None => Comparison {
            measure: "resolution (mean)".to_owned(),
            yours: res.map_or_else(|| "no data".to_owned(), secs),
            champions: format!("{:.0}% faster than Starters", c.resolution_faster * 100.0),
            at_champion_level: None,
        },
    });

    out.push(Comparison {
        measure: "one-touch resolution".to_owned(),
        yours: s.one_touch.percent(),
        champions: format!("{:.0}%", c.one_touch * 100.0),
        at_champion_level: s.one_touch.value().map(|v| v >= c.one_touch),
    });

    let channels = s.volume.by_channel.len() as u32;
    out.push(match base.channels.filter(|b| *b > 0) {
        Some(b) => {
            let m = f64::from(channels) / f64::from(b);
            Comparison {
                measure: "channels".to_owned(),
                yours: format!("{channels} ({m:.1}x your baseline of {b})"),
                champions: format!("{:.1}x Starters", c.channels_multiple),
                at_champion_level: Some(m >= c.channels_multiple),
            }
        }
        None => Comparison {
            measure: "channels".to_owned(),
            yours: format!("{channels} with tickets"),
            champions: format!("{:.1}x as many channels as Starters", c.channels_multiple),
            at_champion_level: None,
        },
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_map_counts() {
        let m21 = TierModel::esg_2021();
        let m20 = TierModel::esg_2020();
        let names = |m: &TierModel| -> Vec<String> {
            (0..=7)
                .map(|n| m.tier_for(n).map(|t| t.name.clone()).unwrap_or_default())
                .collect()
        };
        assert_eq!(
            names(&m21),
            [
                "Starter", "Starter", "Starter", "Starter", "Emerging", "Emerging", "Riser",
                "Champion"
            ]
        );
        assert_eq!(
            names(&m20),
            [
                "Starter", "Starter", "Starter", "Starter", "Riser", "Riser", "Champion",
                "Champion"
            ]
        );
        assert_eq!(m21.next_tier(7), None);
        assert_eq!(m20.next_tier(3).map(|t| t.name.as_str()), Some("Riser"));
    }

    #[test]
    fn broken_models_are_reported() {
        let gap = TierModel {
            name: "gap".into(),
            tiers: vec![Tier::new("Low", 0, 2), Tier::new("High", 4, 7)],
        };
        assert_eq!(
            gap.validate(),
            Err(MaturityError::Gap {
                model: "gap".into(),
                traits: 3
            })
        );
        let overlap = TierModel {
            name: "overlap".into(),
            tiers: vec![Tier::new("Low", 0, 4), Tier::new("High", 4, 7)],
        };
        assert!(
            matches!(overlap.validate(), Err(MaturityError::BadTier { tier, .. }) if tier == "High")
        );
        let empty = TierModel {
            name: "e".into(),
            tiers: vec![],
        };
        assert!(empty.tier_for(3).is_err());
    }

    #[test]
    fn champion_first_response_is_derived_from_starters() {
        assert!(
            (ChampionFigures::PUBLISHED.champion_first_response_seconds() - 6156.0).abs() < 1e-9
        );
    }
}
