//! The customer experience ledger: good and bad experiences per customer,
//! risk tiers with the figures they come from, an at-risk list and a
//! timeline, mergeable across shards and updatable as events arrive.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use chrono::DateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::channel::Channel;
use crate::experience::error::ExperienceError;
use crate::experience::next_issue::{
    Contact, NextIssueConfig, NextIssueCounts, NextIssueError, Window,
};
use crate::experience::record::{FxMap, Record};
use crate::experience::repeat::{Relations, RepeatReport, RepeatRule, ReportBuilder};
use crate::id::{CustomerId, TicketId};
use crate::metrics::TicketFacts;
use crate::model::{Tag, TagKind};
use crate::sla::Calendars;
use crate::taxonomy::Taxonomy;

/// What happened to the customer on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum ExperienceKind {
    /// A target of the ticket's SLA policy was breached (at the earliest
    /// breached deadline).
    SlaBreach,
    /// The ticket went from solved back to unsolved (at the change).
    Reopen,
    /// A CSAT answer at or below [`LedgerConfig::low_csat`] (at the answer).
    LowCsat {
        /// The score, 1 to 5.
        score: u8,
    },
    /// A CES answer at or above [`LedgerConfig::high_effort`]. The facts do
    /// not keep when it was given: the instant is the ticket's last event.
    LowCes {
        /// The effort, 1 (easy) to 7 (hard).
        score: u8,
    },
    /// The ticket repeats an earlier contact (the ledger's
    /// [`RepeatRule`]), at its opening.
    RepeatContact {
        /// The earlier contact (the most recent one it repeats).
        earlier: TicketId,
    },
    /// The customer wrote again after a ticket was closed, opening this
    /// follow-up (at its opening).
    FollowUpAfterClose {
        /// The closed ticket.
        closed: TicketId,
    },
    /// The customer had to change channel within one issue (at the first
    /// message on the other channel).
    ChannelSwitch {
        /// The channel the ticket was opened on.
        from: Channel,
        /// The channel the customer wrote on.
        to: Channel,
    },
    /// Good: resolved with one human agent reply (at the resolution).
    OneTouch,
    /// Good: a CSAT answer at or above [`LedgerConfig::high_csat`].
    HighCsat {
        /// The score, 1 to 5.
        score: u8,
    },
}

impl ExperienceKind {
    /// Whether it is a bad experience (everything but one-touch resolution
    /// and a high CSAT).
    pub fn is_bad(&self) -> bool {
        !matches!(
            self,
            ExperienceKind::OneTouch | ExperienceKind::HighCsat { .. }
        )
    }
}

/// One experience: what happened, on which ticket, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Experience {
    /// When (Unix seconds).
    pub at: i64,
    /// The ticket.
    pub ticket: TicketId,
    /// What.
    pub kind: ExperienceKind,
}

impl Experience {
    /// The experience in words, with the ticket and the day (UTC), e.g.
    /// `SLA breached on ticket 00000000-0000-0000-0000-000000000012 (2026-03-04)`.
    /// No message text: the ledger never sees any.
    pub fn describe(&self) -> String {
        let day = DateTime::from_timestamp(self.at, 0)
            .map_or_else(|| self.at.to_string(), |d| d.format("%Y-%m-%d").to_string());
        let t = self.ticket;
        match self.kind {
            ExperienceKind::SlaBreach => format!("SLA breached on ticket {t} ({day})"),
            ExperienceKind::Reopen => format!("ticket {t} reopened ({day})"),
            ExperienceKind::LowCsat { score } => {
                format!("low CSAT {score}/5 on ticket {t} ({day})")
            }
            ExperienceKind::LowCes { score } => {
                format!("high effort {score}/7 on ticket {t} ({day})")
            }
            ExperienceKind::RepeatContact { earlier } => {
                format!("contacted again on ticket {t} about ticket {earlier} ({day})")
            }
            ExperienceKind::FollowUpAfterClose { closed } => {
                format!("wrote again after ticket {closed} was closed: ticket {t} ({day})")
            }
            ExperienceKind::ChannelSwitch { from, to } => {
                format!("had to switch from {from} to {to} on ticket {t} ({day})")
            }
            ExperienceKind::OneTouch => format!("ticket {t} resolved in one touch ({day})"),
            ExperienceKind::HighCsat { score } => {
                format!("high CSAT {score}/5 on ticket {t} ({day})")
            }
        }
    }
}

/// A risk tier: customers with at least `min_bad` recent bad experiences,
/// with the published figure that motivates it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RiskTier {
    /// The least number of recent bad experiences in the tier (1 or more).
    pub min_bad: u32,
    /// A short name ("at risk").
    pub label: String,
    /// The figure, as published.
    pub figure: String,
    /// Where it comes from.
    pub source: String,
    /// The year of the source.
    pub year: u16,
}

impl RiskTier {
    /// A tier.
    pub fn new(
        min_bad: u32,
        label: impl Into<String>,
        figure: impl Into<String>,
        source: impl Into<String>,
        year: u16,
    ) -> Self {
        RiskTier {
            min_bad,
            label: label.into(),
            figure: figure.into(),
            source: source.into(),
            year,
        }
    }
}

/// Risk tiers by increasing `min_bad`; the host can replace them.
///
/// The default is [`RiskTiers::zendesk_2022`]; [`RiskTiers::zendesk_2020`]
/// is the earlier edition's.
///
/// ```
/// use supportdesk::experience::RiskTiers;
///
/// let tiers = RiskTiers::default();
/// assert_eq!(tiers.tier_for(0), None);
/// assert_eq!(tiers.tier_for(1).map(|t| t.year), Some(2022));
/// assert!(tiers.tier_for(5).is_some_and(|t| t.figure.contains("76%")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RiskTiers(pub Vec<RiskTier>);

impl Default for RiskTiers {
    fn default() -> Self {
        RiskTiers::zendesk_2022()
    }
}

impl RiskTiers {
    /// Zendesk CX Trends 2022: 61% of customers would switch to a
    /// competitor after one bad experience, 76% after more than one.
    pub fn zendesk_2022() -> Self {
        RiskTiers(vec![
            RiskTier::new(
                1,
                "at risk",
                "61% of customers would switch to a competitor after one bad experience",
                "Zendesk CX Trends",
                2022,
            ),
            RiskTier::new(
                2,
                "likely to leave",
                "76% of customers would switch to a competitor after more than one bad experience",
                "Zendesk CX Trends",
                2022,
            ),
        ])
    }

    /// Zendesk CX Trends 2020: about half of customers would consider
    /// switching after one bad experience, 80% would leave after several.
    pub fn zendesk_2020() -> Self {
        RiskTiers(vec![
            RiskTier::new(
                1,
                "at risk",
                "about half of customers would consider switching to a competitor after one bad experience",
                "Zendesk CX Trends",
                2020,
            ),
            RiskTier::new(
                2,
                "likely to leave",
                "80% of customers would switch to a competitor after several bad experiences",
                "Zendesk CX Trends",
                2020,
            ),
        ])
    }

    /// The tier for a number of recent bad experiences: the one with the
    /// highest `min_bad` not above it.
    pub fn tier_for(&self, bad: u32) -> Option<&RiskTier> {
        self.0.iter().rev().find(|t| t.min_bad <= bad)
    }

    /// Checks that there is a tier, every tier starts at 1 or more and the
    /// tiers strictly increase.
    ///
    /// # Errors
    /// [`ExperienceError::RiskTier`] naming the tier.
    pub fn validate(&self) -> Result<(), ExperienceError> {
        if self.0.is_empty() {
            return Err(ExperienceError::RiskTier {
                label: String::new(),
                min_bad: 0,
                problem: "there are no risk tiers",
            });
        }
        let mut previous = 0;
        for t in &self.0 {
            if t.min_bad == 0 {
                return Err(ExperienceError::RiskTier {
                    label: t.label.clone(),
                    min_bad: t.min_bad,
                    problem: "a tier needs at least one bad experience",
                });
            }
            if t.min_bad <= previous {
                return Err(ExperienceError::RiskTier {
                    label: t.label.clone(),
                    min_bad: t.min_bad,
                    problem: "tiers must strictly increase",
                });
            }
            previous = t.min_bad;
        }
        Ok(())
    }
}

/// What the ledger counts, as data. Serde with defaults for every field
/// and unknown fields rejected.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `repeat` | [`RepeatRule::default`] | what a repeat contact is |
/// | `low_csat` | 2 | CSAT at or below is bad (1-5) |
/// | `high_csat` | 5 | CSAT at or above is good (1-5) |
/// | `high_effort` | 5 | CES at or above is bad (1-7) |
/// | `recent_seconds` | 90 days | "recent" for the at-risk list |
/// | `tiers` | [`RiskTiers::zendesk_2022`] | risk tiers |
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LedgerConfig {
    /// What a repeat contact is.
    pub repeat: RepeatRule,
    /// A CSAT score at or below this is a bad experience.
    pub low_csat: u8,
    /// A CSAT score at or above this is a good experience.
    pub high_csat: u8,
    /// A CES (effort) at or above this is a bad experience.
    pub high_effort: u8,
    /// Bad experiences this many seconds before the at-risk instant (or
    /// later) are recent.
    pub recent_seconds: i64,
    /// The risk tiers.
    pub tiers: RiskTiers,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            repeat: RepeatRule::default(),
            low_csat: 2,
            high_csat: 5,
            high_effort: 5,
            recent_seconds: 90 * 86_400,
            tiers: RiskTiers::default(),
        }
    }
}

impl LedgerConfig {
    /// The same configuration with another repeat rule.
    pub fn with_repeat(mut self, repeat: RepeatRule) -> Self {
        self.repeat = repeat;
        self
    }

    /// The same configuration with other thresholds: CSAT at or below
    /// `low_csat` is bad, at or above `high_csat` good, CES at or above
    /// `high_effort` bad.
    pub fn with_thresholds(mut self, low_csat: u8, high_csat: u8, high_effort: u8) -> Self {
        self.low_csat = low_csat;
        self.high_csat = high_csat;
        self.high_effort = high_effort;
        self
    }

    /// The same configuration with another recency window.
    pub fn with_recent_seconds(mut self, seconds: i64) -> Self {
        self.recent_seconds = seconds;
        self
    }

    /// The same configuration with other risk tiers.
    pub fn with_tiers(mut self, tiers: RiskTiers) -> Self {
        self.tiers = tiers;
        self
    }

    /// Checks thresholds, window and tiers.
    ///
    /// # Errors
    /// [`ExperienceError::Threshold`], [`ExperienceError::CsatThresholds`],
    /// [`ExperienceError::RecentWindow`], [`ExperienceError::RiskTier`], or
    /// those of [`RepeatRule::validate`].
    pub fn validate(&self, calendars: &Calendars) -> Result<(), ExperienceError> {
        for (name, value, max) in [
            ("low_csat", self.low_csat, 5),
            ("high_csat", self.high_csat, 5),
            ("high_effort", self.high_effort, 7),
        ] {
            if !(1..=max).contains(&value) {
                return Err(ExperienceError::Threshold {
                    name,
                    value: i64::from(value),
                    min: 1,
                    max: i64::from(max),
                });
            }
        }
        if self.low_csat >= self.high_csat {
            return Err(ExperienceError::CsatThresholds {
                low: self.low_csat,
                high: self.high_csat,
            });
        }
        if self.recent_seconds <= 0 {
            return Err(ExperienceError::RecentWindow {
                seconds: self.recent_seconds,
            });
        }
        self.tiers.validate()?;
        self.repeat.validate(calendars)
    }
}

/// A customer on the at-risk list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AtRisk {
    /// The customer.
    pub customer: CustomerId,
    /// The tier their recent bad experiences put them in.
    pub tier: RiskTier,
    /// How many recent bad experiences.
    pub bad_recent: u32,
    /// Each recent bad experience in words (English, UTC days), oldest
    /// first, for hosts that print it; [`experiences`](Self::experiences)
    /// are the same, typed.
    pub reasons: Vec<String>,
    /// The recent bad experiences, typed, oldest first (in the order of
    /// [`reasons`](Self::reasons)), for a rendering in another language or
    /// time zone. Empty when read from JSON written before it existed.
    #[serde(default)]
    pub experiences: Vec<Experience>,
    /// The latest one (Unix seconds).
    pub last_bad_at: i64,
}

/// Every customer's experiences, kept as one compact record per ticket so
/// that shards of customers or periods merge into the whole and newer facts
/// of a ticket replace older ones; experiences (repeat contacts included,
/// across shard boundaries) are derived on query.
///
/// A ticket is known by its customer, opening instant and id. Of two facts
/// of one ticket, the later `as_of` wins (then the later last event, then a
/// fixed order of their contents), so the result never depends on the order
/// of [`add`](Self::add) and [`merge`](Self::merge).
///
/// ```
/// use supportdesk::experience::{ExperienceKind, Ledger, LedgerConfig};
/// use supportdesk::id::{CustomerId, TicketId};
/// use supportdesk::metrics::TicketFacts;
/// use supportdesk::sla::Calendars;
/// use supportdesk::taxonomy::TaxonomyConfig;
/// use supportdesk::{Channel, Taxonomy};
///
/// let ann = CustomerId::from_u128(1);
/// let mut f = TicketFacts::new(TicketId::from_u128(12), ann, Channel::Email, 1_772_582_400);
/// f.sla_breached_at = Some(1_772_604_000); // 2026-03-04T06:00Z
/// f.as_of = 1_772_700_000;
/// let mut ledger = Ledger::new(LedgerConfig::default(), &Taxonomy::from_config(TaxonomyConfig::default())?, Calendars::new())?;
/// ledger.add(&f);
/// let risk = ledger.at_risk(1_772_700_000, 10)?;
/// assert_eq!(risk[0].customer, ann);
/// assert_eq!(risk[0].reasons, ["SLA breached on ticket 00000000-0000-0000-0000-00000000000c (2026-03-04)"]);
/// assert_eq!(ledger.timeline(ann)?[0].kind, ExperienceKind::SlaBreach);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Ledger {
    config: LedgerConfig,
    /// The taxonomy's what- and why-tags, in tag order; a tag's number is
    /// its position.
    tags: Vec<(Tag, TagKind)>,
    index: FxMap<Tag, (u32, TagKind)>,
    calendars: Calendars,
    /// Every record: a settled part sorted by customer, opening instant
    /// and ticket (one per ticket), then the ones added since. Queries
    /// settle it first; the lock only makes that possible behind `&self`.
    store: RwLock<Store>,
}

impl Clone for Ledger {
    fn clone(&self) -> Self {
        let store = self
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Ledger {
            config: self.config.clone(),
            tags: self.tags.clone(),
            index: self.index.clone(),
            calendars: self.calendars.clone(),
            store: RwLock::new(store),
        }
    }
}

/// Equal when they hold the same configuration, taxonomy, calendars and
/// records (one per ticket, the newest), however they were built.
impl PartialEq for Ledger {
    fn eq(&self, other: &Self) -> bool {
        if std::ptr::eq(self, other) {
            return true;
        }
        self.config == other.config
            && self.tags == other.tags
            && self.calendars == other.calendars
            && {
                let a = self.settled();
                let b = other.settled();
                a.rows == b.rows
            }
    }
}

impl Ledger {
    /// An empty ledger: `config`, the what/why kinds of `taxonomy`'s tags
    /// (tags it does not define are neither), and the calendars a
    /// business-time repeat window names.
    ///
    /// # Errors
    /// As [`LedgerConfig::validate`].
    pub fn new(
        config: LedgerConfig,
        taxonomy: &Taxonomy,
        calendars: Calendars,
    ) -> Result<Ledger, ExperienceError> {
        config.validate(&calendars)?;
        Ok(Ledger::assemble(
            config,
            tag_numbers(taxonomy),
            calendars,
            Store::default(),
        ))
    }

    fn assemble(
        config: LedgerConfig,
        tags: Vec<(Tag, TagKind)>,
        calendars: Calendars,
        store: Store,
    ) -> Ledger {
        let index = tag_index(&tags);
        Ledger {
            config,
            tags,
            index,
            calendars,
            store: RwLock::new(store),
        }
    }

    /// The records, settled (sorted, one per ticket).
    fn settled(&self) -> RwLockReadGuard<'_, Store> {
        {
            let r = self.store.read().unwrap_or_else(PoisonError::into_inner);
            if r.settled == r.rows.len() {
                return r;
            }
        }
        self.store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .settle();
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn store_mut(&mut self) -> &mut Store {
        self.store.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// The configuration.
    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    /// How many customers.
    pub fn customers(&self) -> usize {
        self.settled().customers
    }

    /// How many tickets.
    pub fn tickets(&self) -> usize {
        self.settled().rows.len()
    }

    /// Adds a ticket's facts, or replaces the facts of the same ticket when
    /// these are newer (see the type docs): feed it the facts of each
    /// ticket whose events changed.
    pub fn add(&mut self, facts: &TicketFacts) {
        let record = Record::of(facts, &self.index);
        self.store_mut().rows.push(record);
    }

    /// Makes room for `additional` more tickets' facts before a bulk
    /// [`add`](Self::add) (or use [`Extend`], which reserves by the
    /// iterator's size).
    pub fn reserve(&mut self, additional: usize) {
        self.store_mut().rows.reserve(additional);
    }

    /// Adds every ticket of `other`, a ledger of another shard (customers or
    /// periods) built with the same configuration, taxonomy and calendars.
    ///
    /// # Errors
    /// [`ExperienceError::Mismatch`] when they differ; `self` is unchanged.
    pub fn merge(&mut self, other: Ledger) -> Result<(), ExperienceError> {
        if self.config != other.config {
            return Err(ExperienceError::Mismatch { what: "config" });
        }
        if self.tags != other.tags {
            return Err(ExperienceError::Mismatch { what: "taxonomy" });
        }
        if self.calendars != other.calendars {
            return Err(ExperienceError::Mismatch { what: "calendars" });
        }
        let theirs = other
            .store
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let mine = self.store_mut();
        if mine.rows.is_empty() {
            *mine = theirs;
        } else if mine.settled == mine.rows.len() && theirs.settled == theirs.rows.len() {
            // Both sorted with one record per ticket (ledgers built apart,
            // queried once): joined at once, as settling them would, so
            // ledgers sorted on several threads are not sorted again.
            mine.rows = join(std::mem::take(&mut mine.rows), theirs.rows);
            mine.settled = mine.rows.len();
            mine.customers = runs(&mine.rows).count();
        } else {
            mine.rows.extend(theirs.rows);
        }
        Ok(())
    }

    /// A customer's experiences, good and bad, by instant (then ticket).
    ///
    /// # Errors
    /// [`ExperienceError::Calendar`] when the business-time repeat window
    /// cannot be evaluated.
    pub fn timeline(&self, customer: CustomerId) -> Result<Vec<Experience>, ExperienceError> {
        let store = self.settled();
        self.timeline_of(run_of(&store.rows, customer))
    }

    fn timeline_of(&self, recs: &[Record]) -> Result<Vec<Experience>, ExperienceError> {
        let mut out = Vec::new();
        if !recs.is_empty() {
            let mut rel = Relations::default();
            self.experiences(recs, &mut rel, &mut out)?;
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The customers with recent bad experiences (at most
    /// [`LedgerConfig::recent_seconds`] before `as_of`, not after it) that
    /// put them in a risk tier, most recent bad experiences first, then the
    /// latest, then by customer id; at most `limit`.
    ///
    /// # Errors
    /// As [`timeline`](Self::timeline).
    pub fn at_risk(&self, as_of: i64, limit: usize) -> Result<Vec<AtRisk>, ExperienceError> {
        let since = as_of.saturating_sub(self.config.recent_seconds);
        let mut rel = Relations::default();
        let mut buf = Vec::new();
        // (bad_recent, last_bad_at, customer) of everyone in a tier.
        let mut ranked: Vec<(u32, i64, CustomerId)> = Vec::new();
        let store = self.settled();
        for recs in runs(&store.rows) {
            let Some(customer) = recs.first().map(|r| r.customer) else {
                continue;
            };
            if !self.may_have_bad_since(recs, since) {
                continue;
            }
            buf.clear();
            self.experiences(recs, &mut rel, &mut buf)?;
            let mut n = 0u32;
            let mut last = i64::MIN;
            for e in buf.iter().filter(|e| e.kind.is_bad()) {
                if e.at >= since && e.at <= as_of {
                    n = n.saturating_add(1);
                    last = last.max(e.at);
                }
            }
            if n > 0 && self.config.tiers.tier_for(n).is_some() {
                ranked.push((n, last, customer));
            }
        }
        ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked.truncate(limit);
        let mut out = Vec::with_capacity(ranked.len());
        for (n, last, customer) in ranked {
            let Some(tier) = self.config.tiers.tier_for(n) else {
                continue;
            };
            let mut bad: Vec<Experience> = self
                .timeline_of(run_of(&store.rows, customer))?
                .into_iter()
                .filter(|e| e.kind.is_bad() && e.at >= since && e.at <= as_of)
                .collect();
            bad.sort_unstable();
            out.push(AtRisk {
                customer,
                tier: tier.clone(),
                bad_recent: n,
                reasons: bad.iter().map(Experience::describe).collect(),
                experiences: bad,
                last_bad_at: last,
            });
        }
        Ok(out)
    }

    /// Repeat contacts and FCR of the contacts opened in `[from, to)`, by
    /// the ledger's [`RepeatRule`] (see [`RepeatReport`]).
    ///
    /// # Errors
    /// As [`timeline`](Self::timeline).
    pub fn repeat_report(&self, from: i64, to: i64) -> Result<RepeatReport, ExperienceError> {
        let mut b = ReportBuilder::new(
            &self.config.repeat,
            &self.calendars,
            from,
            to,
            self.tags.len(),
        );
        let store = self.settled();
        for recs in runs(&store.rows) {
            if let Some(first) = recs.first() {
                b.customer(first.customer, recs)?;
            }
        }
        Ok(b.finish(&self.tags))
    }

    /// Next-issue counts of the ledger's tickets at `as_of`, read from the
    /// records the ledger already keeps in customer order: the same counts
    /// as [`NextIssueCounts::count`] over the facts of the same tickets
    /// (the newest facts of each) with the taxonomy the ledger was built
    /// with, without a second pass over the facts or a second sort. Read
    /// them with [`NextIssues::from_counts`](crate::experience::NextIssues::from_counts);
    /// they merge with counts from other shards as usual.
    ///
    /// ```
    /// use supportdesk::experience::{Ledger, LedgerConfig, NextIssueConfig, NextIssueCounts};
    /// use supportdesk::id::{CustomerId, TicketId};
    /// use supportdesk::metrics::TicketFacts;
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::taxonomy::TaxonomyConfig;
    /// use supportdesk::{Channel, Tag, Taxonomy};
    ///
    /// let taxonomy: Taxonomy = serde_json::from_str(
    ///     r#"{"tags": [{"tag": "address-change", "kind": "what"}, {"tag": "late-parcel", "kind": "what"}]}"#,
    /// )?;
    /// let ann = CustomerId::from_u128(1);
    /// let mut first = TicketFacts::new(TicketId::from_u128(1), ann, Channel::Email, 0);
    /// first.tags.push(Tag::new("address-change")?);
    /// let mut then = TicketFacts::new(TicketId::from_u128(2), ann, Channel::Email, 86_400);
    /// then.tags.push(Tag::new("late-parcel")?);
    /// let mut ledger = Ledger::new(LedgerConfig::default(), &taxonomy, Calendars::new())?;
    /// ledger.extend([&first, &then]);
    /// let as_of = 30 * 86_400;
    /// let counts = ledger.next_issue_counts(&NextIssueConfig::default(), as_of)?;
    /// let direct = NextIssueCounts::count(&[first, then], &taxonomy, &NextIssueConfig::default(), &Calendars::new(), as_of)?;
    /// assert_eq!(counts, direct);
    /// let after = &counts.reasons()[&Tag::new("address-change")?];
    /// assert_eq!((after.contacts, after.next[&Tag::new("late-parcel")?]), (1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`NextIssueCounts::count`] (the window is checked against the
    /// ledger's calendars).
    pub fn next_issue_counts(
        &self,
        config: &NextIssueConfig,
        as_of: i64,
    ) -> Result<NextIssueCounts, NextIssueError> {
        config.validate(&self.calendars)?;
        let window = Window::new(&config.within, &self.calendars);
        // The what-tags numbered from 0 in tag order (the ledger's numbers
        // count the why-tags too).
        let mut renumber = vec![u32::MAX; self.tags.len()];
        let mut names: Vec<Tag> = Vec::new();
        for ((tag, kind), slot) in self.tags.iter().zip(renumber.iter_mut()) {
            if *kind == TagKind::What {
                *slot = u32::try_from(names.len()).unwrap_or(u32::MAX);
                names.push(tag.clone());
            }
        }
        let store = self.settled();
        let mut ids: Vec<u32> = Vec::with_capacity(store.rows.len() * 2);
        let mut contacts: Vec<Contact> = Vec::with_capacity(store.rows.len());
        for r in &store.rows {
            if r.proactive || r.created_at > as_of {
                continue;
            }
            let start = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            ids.extend(
                r.what()
                    .iter()
                    .filter_map(|t| renumber.get(t as usize).copied())
                    .filter(|&t| t != u32::MAX),
            );
            contacts.push(Contact {
                customer: r.customer,
                at: r.created_at,
                ticket: r.ticket,
                start,
                end: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            });
        }
        NextIssueCounts::from_sorted(&contacts, &ids, &names, config, &window, as_of)
    }

    /// Whether a bad experience can be at or after `since`: false when
    /// every instant a record gives an experience is before it.
    fn may_have_bad_since(&self, recs: &[Record], since: i64) -> bool {
        recs.iter().any(|r| {
            let latest = [
                Some(r.last_event_at),
                Some(r.created_at),
                r.sla_breached_at(),
                r.csat().map(|(_, at)| at),
                r.channel_switch().map(|(at, _)| at),
                r.reopens().last().copied(),
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(i64::MIN);
            latest >= since
        })
    }

    fn experiences(
        &self,
        recs: &[Record],
        rel: &mut Relations,
        out: &mut Vec<Experience>,
    ) -> Result<(), ExperienceError> {
        rel.relate(recs, &self.config.repeat, &self.calendars)?;
        let c = &self.config;
        for (i, r) in recs.iter().enumerate() {
            let mut push = |at: i64, kind: ExperienceKind| {
                out.push(Experience {
                    at,
                    ticket: r.ticket,
                    kind,
                });
            };
            if let Some(at) = r.sla_breached_at() {
                push(at, ExperienceKind::SlaBreach);
            }
            for &at in r.reopens() {
                push(at, ExperienceKind::Reopen);
            }
            if let Some((score, at)) = r.csat() {
                if score <= c.low_csat {
                    push(at, ExperienceKind::LowCsat { score });
                } else if score >= c.high_csat {
                    push(at, ExperienceKind::HighCsat { score });
                }
            }
            if let Some(score) = r.ces().filter(|s| *s >= c.high_effort) {
                push(r.last_event_at, ExperienceKind::LowCes { score });
            }
            if let Some(p) = rel
                .nearest
                .get(i)
                .copied()
                .flatten()
                .and_then(|j| recs.get(j))
            {
                push(
                    r.created_at,
                    ExperienceKind::RepeatContact { earlier: p.ticket },
                );
            }
            if let Some(closed) = r.follow_up_of() {
                push(r.created_at, ExperienceKind::FollowUpAfterClose { closed });
            }
            if let Some((at, to)) = r.channel_switch() {
                push(
                    at,
                    ExperienceKind::ChannelSwitch {
                        from: r.channel,
                        to,
                    },
                );
            }
            if r.one_touch {
                if let Some(at) = r.resolved_at() {
                    push(at, ExperienceKind::OneTouch);
                }
            }
        }
        Ok(())
    }
}

/// Adds each ticket's facts (as [`Ledger::add`]), reserving room for the
/// iterator's lower size bound first.
impl<'a> Extend<&'a TicketFacts> for Ledger {
    fn extend<I: IntoIterator<Item = &'a TicketFacts>>(&mut self, facts: I) {
        let facts = facts.into_iter();
        self.reserve(facts.size_hint().0);
        for f in facts {
            self.add(f);
        }
    }
}

/// The taxonomy's tags with their kinds, in tag order: a tag's number (in
/// the records) is its position.
pub(crate) fn tag_numbers(taxonomy: &Taxonomy) -> Vec<(Tag, TagKind)> {
    let mut tags: Vec<(Tag, TagKind)> = taxonomy
        .tags()
        .map(|d| (d.tag().clone(), d.kind()))
        .collect();
    tags.sort();
    tags.dedup_by(|a, b| a.0 == b.0);
    tags
}

/// Each tag's number and kind, by tag.
pub(crate) fn tag_index(tags: &[(Tag, TagKind)]) -> FxMap<Tag, (u32, TagKind)> {
    tags.iter()
        .enumerate()
        .map(|(i, (t, k))| (t.clone(), (u32::try_from(i).unwrap_or(u32::MAX), *k)))
        .collect()
}

/// The ledger's records: `rows[..settled]` sorted by [`Record::row_key`]
/// with one record per ticket, the rest as added since.
#[derive(Debug, Clone, Default, PartialEq)]
struct Store {
    rows: Vec<Record>,
    settled: usize,
    /// Distinct customers in the settled part.
    customers: usize,
}

impl Store {
    /// Sorts the records added since the last settling into the settled
    /// ones, keeping the highest-ranked record of each ticket.
    fn settle(&mut self) {
        if self.settled == self.rows.len() {
            return;
        }
        if self.settled == 0 {
            // Nothing settled yet (a ledger built in bulk): sort in place.
            self.rows.sort_by_cached_key(Record::row_key);
            keep_newest(&mut self.rows);
        } else {
            let mut tail = self.rows.split_off(self.settled);
            tail.sort_by_cached_key(Record::row_key);
            keep_newest(&mut tail);
            self.rows = join(std::mem::take(&mut self.rows), tail);
        }
        self.settled = self.rows.len();
        self.customers = runs(&self.rows).count();
    }
}

/// Of sorted records, keeps the highest-ranked record of each ticket.
fn keep_newest(rows: &mut Vec<Record>) {
    rows.dedup_by(|later, kept| {
        if later.row_key() != kept.row_key() {
            return false;
        }
        if *later > *kept {
            std::mem::swap(later, kept);
        }
        true
    });
}

/// Two lists sorted by [`Record::row_key`], one record per ticket each,
/// as one: the second appended when it comes after the first, else
/// [`merge_sorted`].
fn join(mut a: Vec<Record>, mut b: Vec<Record>) -> Vec<Record> {
    let in_order = match (a.last(), b.first()) {
        (Some(x), Some(y)) => x.row_key() < y.row_key(),
        _ => true,
    };
    if in_order {
        a.append(&mut b);
        a
    } else {
        merge_sorted(a, b)
    }
}

/// Two lists sorted by [`Record::row_key`], one record per ticket each,
/// merged into one; of a ticket in both, the higher-ranked record stays.
fn merge_sorted(a: Vec<Record>, b: Vec<Record>) -> Vec<Record> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.row_key().cmp(&y.row_key()) {
                std::cmp::Ordering::Less => a.next(),
                std::cmp::Ordering::Greater => b.next(),
                std::cmp::Ordering::Equal => a.next().zip(b.next()).map(|(x, y)| x.max(y)),
            },
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
    out
}

/// Each customer's records, in sorted records.
fn runs(rows: &[Record]) -> impl Iterator<Item = &[Record]> {
    rows.chunk_by(|a, b| a.customer == b.customer)
}

/// A customer's records, in sorted records.
fn run_of(rows: &[Record], customer: CustomerId) -> &[Record] {
    let lo = rows.partition_point(|r| r.customer < customer);
    let rest = rows.get(lo..).unwrap_or_default();
    let n = rest.partition_point(|r| r.customer == customer);
    rest.get(..n).unwrap_or_default()
}

/// The serialised form: customers in id order so that equal ledgers
/// serialise alike.
#[derive(Serialize)]
struct WireRef<'a> {
    config: &'a LedgerConfig,
    tags: &'a [(Tag, TagKind)],
    calendars: &'a Calendars,
    customers: Vec<(&'a CustomerId, &'a [Record])>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    config: LedgerConfig,
    tags: Vec<(Tag, TagKind)>,
    calendars: Calendars,
    customers: Vec<(CustomerId, Vec<Record>)>,
}

impl Serialize for Ledger {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let store = self.settled();
        let customers: Vec<_> = runs(&store.rows)
            .filter_map(|recs| recs.first().map(|r| (&r.customer, recs)))
            .collect();
        WireRef {
            config: &self.config,
            tags: &self.tags,
            calendars: &self.calendars,
            customers,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Ledger {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(d)?;
        Ledger::from_wire(w).map_err(serde::de::Error::custom)
    }
}

impl Ledger {
    fn from_wire(w: Wire) -> Result<Ledger, ExperienceError> {
        w.config.validate(&w.calendars)?;
        let tags = w.tags;
        let mut store = Store::default();
        for (customer, records) in w.customers {
            for mut r in records {
                r.customer = customer;
                if let Some(bad) = r.what().iter().chain(r.why().iter()).find(|&id| {
                    usize::try_from(id).is_ok_and(|i| i >= tags.len())
                        || usize::try_from(id).is_err()
                }) {
                    return Err(ExperienceError::UnknownTagId {
                        ticket: r.ticket.to_string(),
                        tag: bad,
                        defined: tags.len(),
                    });
                }
                store.rows.push(r);
            }
        }
        store.settle();
        Ok(Ledger::assemble(w.config, tags, w.calendars, store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ticket: u128, created: i64, as_of: i64) -> Record {
        let f = TicketFacts::new(
            TicketId::from_u128(ticket),
            CustomerId::from_u128(1),
            Channel::Email,
            created,
        );
        let mut r = Record::of(&f, &FxMap::default());
        r.as_of = as_of;
        r
    }

    #[test]
    fn settling_keeps_order_and_the_newest_facts() {
        let mut c = Store::default();
        c.rows.push(record(2, 20, 30));
        c.rows.push(record(1, 10, 30));
        c.rows.push(record(3, 20, 30));
        c.settle();
        let keys: Vec<_> = c.rows.iter().map(|r| r.ticket.as_u128()).collect();
        assert_eq!(keys, vec![1, 2, 3]);
        // Older facts of ticket 2 do not replace the newer ones...
        c.rows.push(record(2, 20, 25));
        c.settle();
        assert_eq!(c.rows.get(1).map(|r| r.as_of), Some(30));
        // ...newer ones do, whether settled one by one or together.
        c.rows.push(record(2, 20, 40));
        c.rows.push(record(2, 20, 35));
        c.rows.push(record(4, 5, 30));
        c.settle();
        let got: Vec<_> = c
            .rows
            .iter()
            .map(|r| (r.ticket.as_u128(), r.as_of))
            .collect();
        assert_eq!(got, vec![(4, 30), (1, 30), (2, 40), (3, 30)]);
        assert_eq!((c.settled, c.customers), (4, 1));
    }

    #[test]
    fn every_kind_in_words() {
        let t = TicketId::from_u128(18);
        let e = |kind| {
            Experience {
                at: 1_772_582_400,
                ticket: t,
                kind,
            }
            .describe()
        };
        let id = "00000000-0000-0000-0000-000000000012";
        let other = TicketId::from_u128(17);
        assert_eq!(
            e(ExperienceKind::SlaBreach),
            format!("SLA breached on ticket {id} (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::Reopen),
            format!("ticket {id} reopened (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::LowCsat { score: 2 }),
            format!("low CSAT 2/5 on ticket {id} (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::LowCes { score: 6 }),
            format!("high effort 6/7 on ticket {id} (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::RepeatContact { earlier: other }),
            format!("contacted again on ticket {id} about ticket {other} (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::FollowUpAfterClose { closed: other }),
            format!("wrote again after ticket {other} was closed: ticket {id} (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::ChannelSwitch {
                from: Channel::Email,
                to: Channel::Phone
            }),
            format!("had to switch from email to phone on ticket {id} (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::OneTouch),
            format!("ticket {id} resolved in one touch (2026-03-04)")
        );
        assert_eq!(
            e(ExperienceKind::HighCsat { score: 5 }),
            format!("high CSAT 5/5 on ticket {id} (2026-03-04)")
        );
        assert!(!ExperienceKind::OneTouch.is_bad());
        assert!(!ExperienceKind::HighCsat { score: 5 }.is_bad());
        assert!(ExperienceKind::Reopen.is_bad());
    }

    #[test]
    fn csat_between_the_thresholds_is_neither() {
        let tax = Taxonomy::from_config(crate::taxonomy::TaxonomyConfig::default())
            .unwrap_or_else(|e| unreachable!("{e}"));
        let mut l = Ledger::new(LedgerConfig::default(), &tax, Calendars::new())
            .unwrap_or_else(|e| unreachable!("{e}"));
        let mut f = TicketFacts::new(
            TicketId::from_u128(1),
            CustomerId::from_u128(1),
            Channel::Email,
            0,
        );
        f.csat = Some(crate::metrics::CsatFact::new(
            crate::ticket::Csat::new(3).unwrap_or_else(|e| unreachable!("{e}")),
            10,
        ));
        f.ces = crate::ticket::Ces::new(4).ok();
        l.add(&f);
        assert_eq!(l.timeline(CustomerId::from_u128(1)), Ok(vec![]));
        assert_eq!((l.customers(), l.tickets()), (1, 1));
    }
}
