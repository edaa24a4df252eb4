//! The value-irritant matrix (Price and Jaffe, "The Best Service is No
//! Service"; docs/domain.md section 5).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, TicketId};
use crate::insight::repeat::{Question, RepeatCluster, RepeatConfig, repeated_questions};
use crate::metrics::{Aggregate, BaseCount, Basis, ContactBase, Denominator, TicketFacts};
use crate::taxonomy::{TagKind, Taxonomy};
use crate::ticket::Tag;

/// The lowest rating.
pub const MIN_RATING: i8 = -2;
/// The highest rating.
pub const MAX_RATING: i8 = 2;

/// Where a contact reason sits in the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// Valuable to both: encourage these contacts (sales, saves, learning).
    Leverage,
    /// Valuable to the business, irritating to the customer: make the
    /// required steps as easy as possible.
    Simplify,
    /// Valuable to the customer, irritating to the business: self-service,
    /// FAQ, bots.
    Automate,
    /// Irritating to both: fix the root cause.
    Eliminate,
}

impl Quadrant {
    /// The quadrant for a value to the business and a value to the
    /// customer (zero counts as valuable).
    pub fn of(business: f64, customer: f64) -> Quadrant {
        match (business >= 0.0, customer >= 0.0) {
            (true, true) => Quadrant::Leverage,
            (true, false) => Quadrant::Simplify,
            (false, true) => Quadrant::Automate,
            (false, false) => Quadrant::Eliminate,
        }
    }

    /// The recommended action for every reason in the quadrant.
    pub fn action(self) -> &'static str {
        match self {
            Quadrant::Leverage => {
                "encourage these contacts: make them easy to reach and staff them with skilled agents (sales, saves, learning)"
            }
            Quadrant::Simplify => {
                "simplify: make the required steps as easy as possible (fewer steps, clear forms, proactive updates)"
            }
            Quadrant::Automate => {
                "automate: move it to self-service (a help-center article, a bot flow, a status page)"
            }
            Quadrant::Eliminate => {
                "eliminate: fix the root cause so customers never need to contact you about it"
            }
        }
    }

    /// How urgent acting on the quadrant is, for ranking (1 for Eliminate
    /// down to 0.3 for Leverage).
    pub fn urgency(self) -> f64 {
        match self {
            Quadrant::Eliminate => 1.0,
            Quadrant::Automate => 0.8,
            Quadrant::Simplify => 0.6,
            Quadrant::Leverage => 0.3,
        }
    }

    /// The name (`Leverage` ...).
    pub fn name(self) -> &'static str {
        match self {
            Quadrant::Leverage => "Leverage",
            Quadrant::Simplify => "Simplify",
            Quadrant::Automate => "Automate",
            Quadrant::Eliminate => "Eliminate",
        }
    }
}

impl fmt::Display for Quadrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A contact reason with its ratings, from `-2` (irritating) to `2`
/// (valuable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonRating {
    /// The tag of the reason (a ticket counts when it carries it or a tag
    /// below it).
    pub tag: Tag,
    /// A display name (the tag when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value to the business, -2 to 2.
    pub business: i8,
    /// The value to the customer, -2 to 2.
    pub customer: i8,
}

impl ReasonRating {
    /// A reason with its ratings.
    pub fn new(tag: Tag, business: i8, customer: i8) -> Self {
        ReasonRating {
            tag,
            label: None,
            business,
            customer,
        }
    }

    /// The display name.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(self.tag.as_str())
    }
}

/// How much signals from the data move a reason from its rating. Each
/// signal is scaled to -1..1 and multiplied by its weight; zero turns it
/// off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignalWeights {
    /// Mean CSAT (1 to 5; 3 is neutral) moves the value to the customer.
    pub csat: f64,
    /// Mean effort score (CES 1 to 7; 4 is neutral) moves the value to the
    /// customer (high effort is irritating).
    pub effort: f64,
    /// The recontact rate (0 to 1) lowers both values: a customer who must
    /// come back is irritated, and it costs the business twice.
    pub recontacts: f64,
}

impl Default for SignalWeights {
    /// 0.5 for CSAT and effort, 1 for recontacts.
    fn default() -> Self {
        SignalWeights {
            csat: 0.5,
            effort: 0.5,
            recontacts: 1.0,
        }
    }
}

/// The configuration of a matrix: the rated reasons and how data moves
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixConfig {
    /// The contact reasons.
    pub reasons: Vec<ReasonRating>,
    /// The weights of the data signals.
    #[serde(default)]
    pub signals: SignalWeights,
    /// How repeated questions are found.
    #[serde(default)]
    pub repeats: RepeatConfig,
    /// What contact rates are per (orders by default), asked of the host's
    /// [`ContactBase`].
    #[serde(default)]
    pub per: Denominator,
}

impl MatrixConfig {
    /// The first rated reason a ticket with these tags counts under (it
    /// carries the reason's tag or one below it), in the configuration's
    /// order.
    pub fn reason_of(&self, tags: &[Tag]) -> Option<&Tag> {
        self.reasons
            .iter()
            .find(|r| tags.iter().any(|x| x.is_under(&r.tag)))
            .map(|r| &r.tag)
    }

    /// A configuration with these reasons and default signals.
    pub fn new(reasons: Vec<ReasonRating>) -> Self {
        MatrixConfig {
            reasons,
            signals: SignalWeights::default(),
            repeats: RepeatConfig::default(),
            per: Denominator::Orders,
        }
    }
}

/// The matrix cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InsightError {
    /// A rating is outside -2..=2.
    #[error("the {axis} rating {value} of reason {tag} is out of range -2..=2")]
    RatingOutOfRange {
        /// The reason.
        tag: Tag,
        /// `"business"` or `"customer"`.
        axis: &'static str,
        /// The rating given.
        value: i8,
    },
    /// A reason is listed twice.
    #[error("reason {tag} is listed more than once")]
    DuplicateReason {
        /// The reason.
        tag: Tag,
    },
    /// The window is empty or reversed.
    #[error("the window from {from} to {to} is empty")]
    EmptyWindow {
        /// Start.
        from: DateTime<Utc>,
        /// End.
        to: DateTime<Utc>,
    },
    /// A weight or threshold is not a finite number in range.
    #[error("setting {name} is {value}, which is not a finite number in range")]
    BadSetting {
        /// The setting.
        name: &'static str,
        /// Its value, as text.
        value: String,
    },
}

/// How hard a reason's tickets were.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Effort {
    /// Mean public messages per ticket (customer, agent and bot).
    pub messages_per_ticket: f64,
    /// Mean reopens per ticket.
    pub reopens_per_ticket: f64,
    /// Median resolution time in hours, over tickets resolved at the facts'
    /// instant, on the SLA total-resolution clock
    /// ([`TicketFacts::resolution`]): time spent solved before a reopen is
    /// left out.
    pub hours_to_resolve: Option<f64>,
    /// Mean customer effort score (1 easy to 7 hard), over rated tickets.
    pub ces: Option<f64>,
}

/// Why a reason is a self-service candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfService {
    /// The reason came up at least the configured number of times.
    pub asked_often: bool,
    /// How many of its tickets are near-identical questions (in clusters).
    pub near_identical: usize,
}

/// One contact reason in the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonInsight {
    /// The reason and its ratings.
    pub rating: ReasonRating,
    /// The value to the business after the data signals (-2 to 2).
    pub business_value: f64,
    /// The value to the customer after the data signals (-2 to 2).
    pub customer_value: f64,
    /// Where it sits.
    pub quadrant: Quadrant,
    /// Tickets in the window.
    pub volume: u32,
    /// Its share of all tickets in the window (0 to 1).
    pub share: f64,
    /// Tickets in the window of the same length before.
    pub previous_volume: u32,
    /// The relative change from the previous window (`None` when it had
    /// none).
    pub trend: Option<f64>,
    /// How hard the tickets were.
    pub effort: Effort,
    /// Mean CSAT (1 to 5), over rated tickets.
    pub csat: Option<f64>,
    /// Share of tickets that were reopened, are follow-ups, or repeat an
    /// earlier ticket of the same customer for the same reason (0 to 1).
    pub recontact_rate: f64,
    /// Tickets per 100 orders or active customers.
    pub contact_rate: Option<f64>,
    /// The why-tags its tickets carry most, with counts (needs a taxonomy).
    pub top_causes: Vec<(Tag, u32)>,
    /// Set when it is asked again and again, or in near-identical words: a
    /// candidate for self-service (or, in Eliminate, for a fix at the
    /// source). Never set for Leverage reasons, whose contacts are wanted.
    pub self_service: Option<SelfService>,
    /// What to do.
    pub action: String,
    /// The ranking score: share x urgency of the quadrant x trend x effort.
    pub score: f64,
}

/// One step of the plan: what to do first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    /// 1 for the first thing to do.
    pub rank: usize,
    /// The reason.
    pub tag: Tag,
    /// Its quadrant.
    pub quadrant: Quadrant,
    /// What to do.
    pub action: String,
    /// Its score.
    pub score: f64,
}

/// A time window `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// Start, inclusive.
    pub from: DateTime<Utc>,
    /// End, exclusive.
    pub to: DateTime<Utc>,
}

impl Window {
    /// A window.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Window { from, to }
    }

    /// Whether `at` is inside.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// The window of the same length just before, clipped at the first
    /// instant chrono can represent ([`DateTime::<Utc>::MIN_UTC`]): nothing
    /// happens before it. A reversed window gives the empty window at its
    /// start.
    pub fn previous(&self) -> Window {
        let len = self
            .to
            .signed_duration_since(self.from)
            .max(TimeDelta::zero());
        Window {
            from: self
                .from
                .checked_sub_signed(len)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            to: self.from,
        }
    }
}

/// The value-irritant matrix of a window: every rated contact reason with
/// its volume, trend, effort, contact rate and quadrant; the repeated
/// questions; and a ranked plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// The window.
    pub window: Window,
    /// Tickets opened in the window.
    pub total: u32,
    /// Tickets in the window with no rated reason.
    pub unclassified: u32,
    /// The host's count of orders or active customers in the window, if
    /// given.
    pub denominator: Option<BaseCount>,
    /// All tickets per 100 orders or active customers.
    pub contact_rate: Option<f64>,
    /// The reasons, in the configuration's order.
    pub reasons: Vec<ReasonInsight>,
    /// Near-identical questions, largest first.
    pub repeats: Vec<RepeatCluster>,
    /// What to do first, best first (Leverage reasons included last-ish:
    /// their action is to encourage).
    pub plan: Vec<PlanItem>,
}

fn check_setting(name: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), InsightError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(InsightError::BadSetting {
            name,
            value: v.to_string(),
        })
    }
}

#[allow(clippy::cast_precision_loss)]
fn mean(xs: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

impl Matrix {
    /// Builds the matrix of `window` from per-ticket facts (those opened in
    /// the window and, for trends, in the window of the same length before;
    /// others are ignored), without repeated questions: see
    /// [`build_with_questions`](Self::build_with_questions). A taxonomy
    /// adds each reason's top causes; the host's [`ContactBase`] adds
    /// contact rates per [`MatrixConfig::per`].
    ///
    /// # Errors
    /// [`InsightError`] for a rating out of range, a reason listed twice, an
    /// empty window or a weight that is not a finite number in `0..=10`.
    ///
    /// # Example
    /// ```
    /// use supportdesk::insight::{Matrix, MatrixConfig, Quadrant, ReasonRating, Window};
    /// use supportdesk::metrics::TicketFacts;
    /// use supportdesk::{id::{CustomerId, TicketId}, Channel, Tag};
    ///
    /// let config = MatrixConfig::new(vec![
    ///     ReasonRating::new(Tag::new("order-status")?, -1, 1),
    ///     ReasonRating::new(Tag::new("shipping/damaged")?, -2, -2),
    /// ]);
    /// let opened = "2026-01-05T09:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?.timestamp();
    /// let facts: Vec<TicketFacts> = (0..10u128)
    ///     .map(|i| {
    ///         let mut f = TicketFacts::new(TicketId::from_u128(i), CustomerId::from_u128(i), Channel::Email, opened);
    ///         f.tags = vec![Tag::new(if i < 7 { "order-status" } else { "shipping/damaged" }).expect("tag")];
    ///         f
    ///     })
    ///     .collect();
    /// let window = Window::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?);
    /// let m = Matrix::build(&facts, &config, window, None, None)?;
    /// assert_eq!(m.reasons[0].quadrant, Quadrant::Automate);
    /// assert_eq!(m.reasons[0].volume, 7);
    /// assert_eq!(m.plan[0].tag.as_str(), "order-status"); // most volume, and automatable
    /// assert!(m.to_markdown().contains("| order-status | Automate | 7 | 70.0% |"));
    /// assert!(m.to_svg().starts_with("<svg"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(
        facts: &[TicketFacts],
        config: &MatrixConfig,
        window: Window,
        taxonomy: Option<&Taxonomy>,
        base: Option<&dyn ContactBase>,
    ) -> Result<Matrix, InsightError> {
        Matrix::build_with_questions(facts, &[], config, window, taxonomy, base)
    }

    /// [`build`](Self::build) with the tickets' [`Question`]s, to find
    /// near-identical questions (only questions of tickets opened in the
    /// window count; the others are ignored).
    ///
    /// # Errors
    /// As [`build`](Self::build).
    ///
    /// # Example
    /// ```
    /// use supportdesk::insight::{Matrix, MatrixConfig, Question, ReasonRating, RepeatConfig, Window};
    /// use supportdesk::metrics::{FactsOptions, TicketFacts};
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::id::TicketId;
    /// use supportdesk::Tag;
    ///
    /// let histories: Vec<_> = (0..4u128)
    ///     .map(|i| TicketBuilder::new().id(TicketId::from_u128(i)).tag("order-status")
    ///         .body(&format!("Where is my order #{i}?")).events())
    ///     .collect();
    /// let options = FactsOptions::new("2026-02-01T00:00:00Z".parse()?, Calendars::new());
    /// let mut facts = Vec::new();
    /// for h in &histories {
    ///     facts.extend(TicketFacts::from_events(h, &options)?);
    /// }
    /// let questions: Vec<Question> = histories.iter().filter_map(|h| Question::from_events(h)).collect();
    /// let config = MatrixConfig::new(vec![ReasonRating::new(Tag::new("order-status")?, -1, 1)]);
    /// let window = Window::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?);
    /// let m = Matrix::build_with_questions(&facts, &questions, &config, window, None, None)?;
    /// assert_eq!(m.repeats[0].len(), 4);
    /// assert_eq!(m.reasons[0].self_service.as_ref().map(|s| s.near_identical), Some(4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_with_questions(
        facts: &[TicketFacts],
        questions: &[Question],
        config: &MatrixConfig,
        window: Window,
        taxonomy: Option<&Taxonomy>,
        base: Option<&dyn ContactBase>,
    ) -> Result<Matrix, InsightError> {
        if window.from >= window.to {
            return Err(InsightError::EmptyWindow {
                from: window.from,
                to: window.to,
            });
        }
        let s = &config.signals;
        check_setting("signals.csat", s.csat, 0.0, 10.0)?;
        check_setting("signals.effort", s.effort, 0.0, 10.0)?;
        check_setting("signals.recontacts", s.recontacts, 0.0, 10.0)?;
        check_setting("repeats.similarity", config.repeats.similarity, 0.0, 1.0)?;
        let mut seen = BTreeSet::new();
        for r in &config.reasons {
            for (axis, value) in [("business", r.business), ("customer", r.customer)] {
                if !(MIN_RATING..=MAX_RATING).contains(&value) {
                    return Err(InsightError::RatingOutOfRange {
                        tag: r.tag.clone(),
                        axis,
                        value,
                    });
                }
            }
            if !seen.insert(&r.tag) {
                return Err(InsightError::DuplicateReason { tag: r.tag.clone() });
            }
        }
        let prev_window = window.previous();
        let current: Vec<&TicketFacts> = facts
            .iter()
            .filter(|f| window.contains(f.created()))
            .collect();
        let total = u32::try_from(current.len()).unwrap_or(u32::MAX);
        let reasons_by_ticket: BTreeMap<TicketId, Tag> = current
            .iter()
            .filter_map(|f| config.reason_of(&f.tags).map(|r| (f.ticket, r.clone())))
            .collect();
        let in_window: BTreeSet<TicketId> = current.iter().map(|f| f.ticket).collect();
        let asked: Vec<Question> = questions
            .iter()
            .filter(|q| in_window.contains(&q.ticket))
            .cloned()
            .collect();
        let repeats = repeated_questions(&asked, &config.repeats, |t| {
            reasons_by_ticket.get(&t).cloned()
        });
        let denominator = base.and_then(|b| BaseCount::of(b, config.per, window.from, window.to));
        let per_100 = |v: u32| -> Option<f64> {
            denominator
                .filter(|d| d.count > 0)
                .map(|d| f64::from(v) * 100.0 / d.count as f64)
        };
        let unclassified = current
            .iter()
            .filter(|f| config.reason_of(&f.tags).is_none())
            .count();
        let mut reasons = Vec::with_capacity(config.reasons.len());
        for r in &config.reasons {
            let has = |f: &&TicketFacts| f.tags.iter().any(|x| x.is_under(&r.tag));
            let mut mine: Vec<&TicketFacts> = current.iter().copied().filter(has).collect();
            mine.sort_by_key(|f| (f.created_at, f.ticket));
            let volume = u32::try_from(mine.len()).unwrap_or(u32::MAX);
            let previous_volume = u32::try_from(
                facts
                    .iter()
                    .filter(|f| prev_window.contains(f.created()))
                    .filter(|f| has(f))
                    .count(),
            )
            .unwrap_or(u32::MAX);
            let trend = (previous_volume > 0).then(|| {
                (f64::from(volume) - f64::from(previous_volume)) / f64::from(previous_volume)
            });
            let aggregate: Aggregate = mine.iter().copied().collect();
            #[allow(clippy::cast_precision_loss)]
            let effort = Effort {
                messages_per_ticket: mean(mine.iter().map(|f| f64::from(f.public_messages)))
                    .unwrap_or(0.0),
                reopens_per_ticket: if volume > 0 {
                    aggregate.reopens() as f64 / f64::from(volume)
                } else {
                    0.0
                },
                hours_to_resolve: aggregate
                    .resolution(Basis::Calendar)
                    .and_then(|d| d.median)
                    .map(|secs| secs / 3600.0),
                ces: aggregate.ces().mean,
            };
            let csat = aggregate.csat().overall.mean;
            let mut earlier: BTreeSet<CustomerId> = BTreeSet::new();
            let mut recontacts = 0u32;
            for f in &mine {
                let repeat = !earlier.insert(f.customer);
                if f.reopens > 0 || f.follow_up_of.is_some() || repeat {
                    recontacts += 1;
                }
            }
            let recontact_rate = if volume > 0 {
                f64::from(recontacts) / f64::from(volume)
            } else {
                0.0
            };
            let mut customer_value = f64::from(r.customer);
            let mut business_value = f64::from(r.business);
            if let Some(c) = csat {
                customer_value += s.csat * (c - 3.0) / 2.0;
            }
            if let Some(e) = effort.ces {
                customer_value -= s.effort * (e - 4.0) / 3.0;
            }
            customer_value -= s.recontacts * recontact_rate;
            business_value -= s.recontacts * recontact_rate;
            let customer_value = customer_value.clamp(-2.0, 2.0);
            let business_value = business_value.clamp(-2.0, 2.0);
            let quadrant = Quadrant::of(business_value, customer_value);
            let mut causes: BTreeMap<Tag, u32> = BTreeMap::new();
            if let Some(tax) = taxonomy {
                for f in &mine {
                    for c in &f.tags {
                        if tax.kind_of(c) == Some(TagKind::Why) {
                            *causes.entry(c.clone()).or_default() += 1;
                        }
                    }
                }
            }
            let mut top_causes: Vec<(Tag, u32)> = causes.into_iter().collect();
            top_causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top_causes.truncate(3);
            let near_identical: usize = repeats
                .iter()
                .filter(|c| c.reason.as_ref() == Some(&r.tag))
                .map(RepeatCluster::len)
                .sum();
            let asked_often = volume >= config.repeats.min_reason_volume.max(1);
            // Leverage contacts are wanted: never pushed to self-service.
            let self_service = (quadrant != Quadrant::Leverage
                && (asked_often || near_identical > 0))
                .then_some(SelfService {
                    asked_often,
                    near_identical,
                });
            let share = if total > 0 {
                f64::from(volume) / f64::from(total)
            } else {
                0.0
            };
            let action = action_text(quadrant, &top_causes, volume, self_service.as_ref());
            let effort_factor = (effort.messages_per_ticket / 4.0).min(1.0) * 0.5
                + (effort.reopens_per_ticket * 2.0).min(1.0) * 0.5;
            let growth = trend.unwrap_or(0.0).clamp(-0.5, 1.0);
            let boost = if self_service.is_some() && quadrant != Quadrant::Leverage {
                1.2
            } else {
                1.0
            };
            let score = share * quadrant.urgency() * (1.0 + growth) * (1.0 + effort_factor) * boost;
            reasons.push(ReasonInsight {
                rating: r.clone(),
                business_value,
                customer_value,
                quadrant,
                volume,
                share,
                previous_volume,
                trend,
                effort,
                csat,
                recontact_rate,
                contact_rate: per_100(volume),
                top_causes,
                self_service,
                action,
                score,
            });
        }
        let mut plan: Vec<PlanItem> = reasons
            .iter()
            .filter(|r| r.volume > 0)
            .map(|r| PlanItem {
                rank: 0,
                tag: r.rating.tag.clone(),
                quadrant: r.quadrant,
                action: r.action.clone(),
                score: r.score,
            })
            .collect();
        plan.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.tag.cmp(&b.tag)));
        for (i, p) in plan.iter_mut().enumerate() {
            p.rank = i + 1;
        }
        Ok(Matrix {
            window,
            total,
            unclassified: u32::try_from(unclassified).unwrap_or(u32::MAX),
            denominator,
            contact_rate: per_100(total),
            reasons,
            repeats,
            plan,
        })
    }

    /// A reason by tag.
    pub fn reason(&self, tag: &Tag) -> Option<&ReasonInsight> {
        self.reasons.iter().find(|r| &r.rating.tag == tag)
    }
}

fn action_text(
    quadrant: Quadrant,
    causes: &[(Tag, u32)],
    volume: u32,
    self_service: Option<&SelfService>,
) -> String {
    let mut s = quadrant.action().to_owned();
    if quadrant == Quadrant::Eliminate && !causes.is_empty() {
        let list: Vec<String> = causes
            .iter()
            .map(|(t, n)| {
                #[allow(clippy::cast_precision_loss)]
                let pct = f64::from(*n) * 100.0 / f64::from(volume.max(1));
                format!("{t} {pct:.0}%")
            })
            .collect();
        s.push_str(&format!("; start with {}", list.join(", ")));
    }
    if let Some(ss) = self_service {
        if quadrant != Quadrant::Eliminate && quadrant != Quadrant::Leverage {
            if ss.near_identical > 0 {
                s.push_str(&format!(
                    "; {} near-identical questions: answer them once in self-service",
                    ss.near_identical
                ));
            } else {
                s.push_str("; asked again and again: a self-service candidate");
            }
        }
    }
    s
}
