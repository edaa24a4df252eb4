//! Next-issue avoidance: which contact reason follows which for the same
//! customer, so the earlier answer can cover the later question before it
//! is asked.
//!
//! # Definitions
//!
//! - A *contact* is a reactive ticket (`!proactive`) opened at or before
//!   the instant `as_of`; its *reasons* are its tags the [`Taxonomy`] calls
//!   what-tags (`kind_of(tag) == Some(TagKind::What)`), each counted once.
//!   Tickets opened after `as_of` are ignored.
//! - A customer's contacts are ordered by `(created_at, ticket)`. The
//!   *next* contact of a contact is the following one in that order,
//!   whatever its reasons (a contact without what-tags is still the next
//!   contact; it just yields no pair).
//! - A contact is *settled* when its whole window was observed: `as_of` lies
//!   after the window ([`Within`], 7 calendar days by default) that starts
//!   at its opening. Only settled contacts are counted, so a contact whose
//!   next contact may still come does not lower the shares.
//! - For a settled contact with reasons `{A…}` whose next contact opens
//!   within the window and has reasons `{B…}`, every pair `(A, B)` is
//!   counted once. `A == B` is a repeat contact, not a next issue, and is
//!   left out unless [`NextIssueConfig::same_reason`] is set.
//! - `P(B next | A) = pairs(A → B) / settled contacts with reason A`, with a
//!   Wilson score 95% interval. A pair is kept when it was seen at least
//!   [`min_pairs`](NextIssueConfig::min_pairs) times and at least
//!   [`min_share`](NextIssueConfig::min_share) of the time (20% by default,
//!   the forward-resolution rule of thumb).
//!
//! # Shards
//!
//! [`NextIssueCounts`] are additive over shards of customers, and exact
//! over shards of periods too: each keeps, per customer, its first and last
//! contact, so [`NextIssueCounts::merge`] counts the pair that crosses the
//! boundary (the last contact of the earlier shard followed by the first
//! one of the later shard). Shards must be computed with the same
//! configuration and `as_of`, and must not interleave: for each customer,
//! all contacts of one shard come before all contacts of the other.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::experience::error::ExperienceError;
use crate::experience::record::FxMap;
use crate::experience::within::Within;
use crate::id::{CustomerId, TicketId};
use crate::metrics::{Rate, TicketFacts};
use crate::sla::{Calendars, TimeBasis};
use crate::taxonomy::TagKind;
use crate::{Tag, Taxonomy};

/// What next-issue pairs are counted and which are kept.
///
/// ```
/// use supportdesk::experience::NextIssueConfig;
///
/// let c: NextIssueConfig = serde_json::from_str(r#"{"min_pairs": 10}"#)?;
/// assert_eq!(c.min_pairs, 10);
/// assert_eq!(c.min_share, 0.2);
/// assert!(!c.same_reason);
/// assert!(serde_json::from_str::<NextIssueConfig>(r#"{"min_pair": 10}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct NextIssueConfig {
    /// How soon after a contact's opening the next contact must open
    /// (7 calendar days by default).
    pub within: Within,
    /// Keep a pair seen at least this many times (5 by default).
    pub min_pairs: u64,
    /// Keep a pair whose share `P(B | A)` is at least this (0.2 by default).
    pub min_share: f64,
    /// Count `A → A` pairs too (a same-reason follow-up, which is a repeat
    /// contact rather than a next issue; off by default).
    pub same_reason: bool,
}

impl Default for NextIssueConfig {
    fn default() -> Self {
        NextIssueConfig {
            within: Within::default(),
            min_pairs: 5,
            min_share: 0.2,
            same_reason: false,
        }
    }
}

impl NextIssueConfig {
    /// Checks the configuration against the calendars it will be used with.
    ///
    /// # Errors
    /// [`NextIssueError::Window`] for a window [`Within::validate`] rejects,
    /// [`NextIssueError::MinShare`] for a share outside `0..=1` (or NaN),
    /// [`NextIssueError::MinPairs`] for `min_pairs == 0`.
    pub fn validate(&self, calendars: &Calendars) -> Result<(), NextIssueError> {
        self.within.validate(calendars)?;
        if !(0.0..=1.0).contains(&self.min_share) {
            return Err(NextIssueError::MinShare {
                value: self.min_share,
            });
        }
        if self.min_pairs == 0 {
            return Err(NextIssueError::MinPairs {
                value: self.min_pairs,
            });
        }
        Ok(())
    }
}

/// Next-issue counts or a merge could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NextIssueError {
    /// The window is unusable, or business-time arithmetic failed.
    #[error(transparent)]
    Window(#[from] ExperienceError),
    /// `min_share` is not a share.
    #[error("min_share {value} is not between 0 and 1")]
    MinShare {
        /// The value given.
        value: f64,
    },
    /// `min_pairs` is 0 (every pair, even one never seen, would be kept).
    #[error("min_pairs {value} must be at least 1")]
    MinPairs {
        /// The value given.
        value: u64,
    },
    /// Two shards were counted with different windows, `as_of` or
    /// same-reason rule.
    #[error(
        "the shards were counted differently: {left} and {right} (window, as_of and same_reason must be equal)"
    )]
    Mismatch {
        /// How the left shard was counted.
        left: String,
        /// How the right shard was counted.
        right: String,
    },
    /// A customer's contacts interleave between two shards, so neither
    /// shard knows the true next contact.
    #[error(
        "customer {customer}'s contacts interleave between the shards (ticket {ticket} lies between the other shard's first and last contact)"
    )]
    Interleaved {
        /// The customer.
        customer: CustomerId,
        /// A ticket of one shard inside the other's span.
        ticket: TicketId,
    },
}

/// One contact as a shard keeps it at its edges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct EdgeContact {
    at: i64,
    ticket: TicketId,
    settled: bool,
    reasons: Vec<Tag>,
}

impl EdgeContact {
    fn key(&self) -> (i64, TicketId) {
        (self.at, self.ticket)
    }
}

/// A customer's first and last contact in a shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Edge {
    customer: CustomerId,
    first: EdgeContact,
    last: EdgeContact,
}

/// Counts for one reason `A`: its settled contacts and what came next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReasonCounts {
    /// Settled contacts with this reason (the denominator).
    pub contacts: u64,
    /// `B → pairs(A → B)`.
    pub next: BTreeMap<Tag, u64>,
}

/// The mergeable state of next-issue avoidance: per reason, settled
/// contacts and pairs, plus each customer's first and last contact so that
/// shards of periods merge exactly. Build with [`NextIssueCounts::count`],
/// combine with [`merge`](Self::merge), read with [`NextIssues::from_counts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextIssueCounts {
    within: Within,
    same_reason: bool,
    as_of: i64,
    reasons: BTreeMap<Tag, ReasonCounts>,
    /// Sorted by customer.
    edges: Vec<Edge>,
}

impl NextIssueCounts {
    /// Counts settled contacts and next-contact pairs in `facts` (any
    /// order, any number of customers) at the instant `as_of`.
    ///
    /// # Errors
    /// As [`NextIssueConfig::validate`], and [`NextIssueError::Window`]
    /// when business-time arithmetic fails.
    pub fn count(
        facts: &[TicketFacts],
        taxonomy: &Taxonomy,
        config: &NextIssueConfig,
        calendars: &Calendars,
        as_of: i64,
    ) -> Result<NextIssueCounts, NextIssueError> {
        config.validate(calendars)?;
        let window = Window::new(&config.within, calendars);
        // Reasons interned as small numbers; per contact a range of `ids`.
        let mut names: Vec<Tag> = Vec::new();
        let mut index: FxMap<Tag, Option<u32>> = FxMap::default();
        let mut ids: Vec<u32> = Vec::with_capacity(facts.len() * 2);
        let mut contacts: Vec<Contact> = Vec::with_capacity(facts.len());
        for f in facts {
            if f.proactive || f.created_at > as_of {
                continue;
            }
            let start = ids.len();
            for tag in &f.tags {
                // Every tag is looked up in the taxonomy once.
                let id = match index.get(tag) {
                    Some(&Some(id)) => id,
                    Some(None) => continue,
                    None => {
                        if taxonomy.kind_of(tag) != Some(TagKind::What) {
                            index.insert(tag.clone(), None);
                            continue;
                        }
                        let id = u32::try_from(names.len()).unwrap_or(u32::MAX);
                        names.push(tag.clone());
                        index.insert(tag.clone(), Some(id));
                        id
                    }
                };
                if !ids[start..].contains(&id) {
                    ids.push(id);
                }
            }
            contacts.push(Contact {
                customer: f.customer,
                at: f.created_at,
                ticket: f.ticket,
                start: u32::try_from(start).unwrap_or(u32::MAX),
                end: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            });
        }
        // Number the reasons in tag order (the order of their names).
        let mut order: Vec<u32> = (0..u32::try_from(names.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by(|&a, &b| names.get(a as usize).cmp(&names.get(b as usize)));
        let mut rank = vec![0u32; names.len()];
        for (r, &id) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(id as usize) {
                *slot = u32::try_from(r).unwrap_or(u32::MAX);
            }
        }
        for id in &mut ids {
            *id = rank.get(*id as usize).copied().unwrap_or(*id);
        }
        names.sort_unstable();
        // Integer keys: ids compare as their 128-bit numbers, the same order.
        contacts.sort_unstable_by_key(|c| (c.customer.as_u128(), c.at, c.ticket.as_u128()));
        NextIssueCounts::from_sorted(&contacts, &ids, &names, config, &window, as_of)
    }

    /// The counts of `contacts`, sorted by customer, opening instant and
    /// ticket, their reasons numbered into `names` (ranges of `ids`),
    /// `names` in tag order.
    pub(crate) fn from_sorted(
        contacts: &[Contact],
        ids: &[u32],
        names: &[Tag],
        config: &NextIssueConfig,
        window: &Window<'_>,
        as_of: i64,
    ) -> Result<NextIssueCounts, NextIssueError> {
        let reasons_of = |c: &Contact| ids.get(c.start as usize..c.end as usize).unwrap_or(&[]);
        let n = names.len();
        let mut denom = vec![0u64; n];
        let dense = n <= 256;
        let mut dense_pairs = if dense { vec![0u64; n * n] } else { Vec::new() };
        let mut sparse_pairs: HashMap<(u32, u32), u64> = HashMap::new();
        let mut edges: Vec<Edge> = Vec::new();
        let edge_contact = |c: &Contact, settled: bool| {
            let mut numbers = reasons_of(c).to_vec();
            numbers.sort_unstable();
            let reasons: Vec<Tag> = numbers
                .iter()
                .filter_map(|&i| names.get(i as usize).cloned())
                .collect();
            EdgeContact {
                at: c.at,
                ticket: c.ticket,
                settled,
                reasons,
            }
        };
        let mut group_start = 0usize;
        for (i, c) in contacts.iter().enumerate() {
            let settled = window.settled(c.at, as_of)?;
            let next = contacts.get(i + 1).filter(|d| d.customer == c.customer);
            if settled {
                let reasons = reasons_of(c);
                for &a in reasons {
                    if let Some(d) = denom.get_mut(a as usize) {
                        *d += 1;
                    }
                }
                if let Some(d) = next {
                    if !reasons.is_empty() && d.end > d.start && window.contains(c.at, d.at)? {
                        for &a in reasons {
                            for &b in reasons_of(d) {
                                if a == b && !config.same_reason {
                                    continue;
                                }
                                if dense {
                                    if let Some(p) =
                                        dense_pairs.get_mut(a as usize * n + b as usize)
                                    {
                                        *p += 1;
                                    }
                                } else {
                                    *sparse_pairs.entry((a, b)).or_default() += 1;
                                }
                            }
                        }
                    }
                }
            }
            if next.is_none() {
                if let Some(first) = contacts.get(group_start) {
                    let first_settled = window.settled(first.at, as_of)?;
                    edges.push(Edge {
                        customer: c.customer,
                        first: edge_contact(first, first_settled),
                        last: edge_contact(c, settled),
                    });
                }
                group_start = i + 1;
            }
        }

        let mut reasons: BTreeMap<Tag, ReasonCounts> = BTreeMap::new();
        for (a, &count) in denom.iter().enumerate() {
            if let Some(name) = names.get(a).filter(|_| count > 0) {
                reasons.entry(name.clone()).or_default().contacts = count;
            }
        }
        let mut add_pair = |a: usize, b: usize, count: u64| {
            if let (Some(na), Some(nb)) = (names.get(a), names.get(b)) {
                if count > 0 {
                    *reasons
                        .entry(na.clone())
                        .or_default()
                        .next
                        .entry(nb.clone())
                        .or_default() += count;
                }
            }
        };
        if dense {
            for (k, &count) in dense_pairs.iter().enumerate() {
                add_pair(k / n.max(1), k % n.max(1), count);
            }
        } else {
            for (&(a, b), &count) in &sparse_pairs {
                add_pair(a as usize, b as usize, count);
            }
        }
        Ok(NextIssueCounts {
            within: config.within.clone(),
            same_reason: config.same_reason,
            as_of,
            reasons,
            edges,
        })
    }

    /// Per reason `A`: its settled contacts and `pairs(A → B)`.
    pub fn reasons(&self) -> &BTreeMap<Tag, ReasonCounts> {
        &self.reasons
    }

    /// The instant the counts describe.
    pub fn as_of(&self) -> i64 {
        self.as_of
    }

    /// Customers seen (with at least one contact).
    pub fn customers(&self) -> usize {
        self.edges.len()
    }

    /// Adds `other`, a shard of other customers or of another period of
    /// the same customers, counted with the same configuration and `as_of`.
    /// For a customer in both shards, the pair from the earlier shard's last
    /// contact to the later shard's first contact is counted here, so the
    /// result equals counting all facts at once. Merging is commutative and
    /// associative.
    ///
    /// # Errors
    /// [`NextIssueError::Mismatch`] when the shards were counted
    /// differently, [`NextIssueError::Interleaved`] when a customer's
    /// contacts interleave between them, [`NextIssueError::Window`] when
    /// business-time arithmetic fails. On error `self` is unchanged.
    pub fn merge(
        &mut self,
        other: &NextIssueCounts,
        calendars: &Calendars,
    ) -> Result<(), NextIssueError> {
        if self.within != other.within
            || self.same_reason != other.same_reason
            || self.as_of != other.as_of
        {
            let describe = |c: &NextIssueCounts| {
                format!(
                    "{} (as_of {}, same_reason {})",
                    describe_window(&c.within),
                    c.as_of,
                    c.same_reason
                )
            };
            return Err(NextIssueError::Mismatch {
                left: describe(self),
                right: describe(other),
            });
        }
        let window = Window::new(&self.within, calendars);
        // First the fallible part, without changing anything: find the
        // customers in both shards, check they do not interleave, and
        // count the pairs that cross the boundary.
        let mut crossing: Vec<(&Tag, &Tag)> = Vec::new();
        let mut shared = 0usize;
        let (mut i, mut j) = (0, 0);
        while let (Some(l), Some(r)) = (self.edges.get(i), other.edges.get(j)) {
            match l.customer.cmp(&r.customer) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    let (early, late) = if l.last.key() < r.first.key() {
                        (l, r)
                    } else if r.last.key() < l.first.key() {
                        (r, l)
                    } else {
                        let ticket = if l.first.key() >= r.first.key() {
                            l.first.ticket
                        } else {
                            r.first.ticket
                        };
                        return Err(NextIssueError::Interleaved {
                            customer: l.customer,
                            ticket,
                        });
                    };
                    let (e, n) = (&early.last, &late.first);
                    if e.settled && !n.reasons.is_empty() && window.contains(e.at, n.at)? {
                        for a in &e.reasons {
                            for b in &n.reasons {
                                if a != b || self.same_reason {
                                    crossing.push((a, b));
                                }
                            }
                        }
                    }
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let mut add: Vec<(Tag, Tag)> = crossing
            .into_iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        // Then the infallible part.
        for (tag, rc) in &other.reasons {
            let mine = self.reasons.entry(tag.clone()).or_default();
            mine.contacts += rc.contacts;
            for (b, count) in &rc.next {
                *mine.next.entry(b.clone()).or_default() += count;
            }
        }
        for (a, b) in add.drain(..) {
            *self
                .reasons
                .entry(a)
                .or_default()
                .next
                .entry(b)
                .or_default() += 1;
        }
        let mine = std::mem::take(&mut self.edges);
        let mut edges = Vec::with_capacity(mine.len() + other.edges.len() - shared);
        let mut theirs = other.edges.iter().peekable();
        for l in mine {
            while let Some(r) = theirs.next_if(|r| r.customer < l.customer) {
                edges.push(r.clone());
            }
            match theirs.next_if(|r| r.customer == l.customer) {
                Some(r) if l.last.key() < r.first.key() => edges.push(Edge {
                    customer: l.customer,
                    first: l.first,
                    last: r.last.clone(),
                }),
                Some(r) => edges.push(Edge {
                    customer: l.customer,
                    first: r.first.clone(),
                    last: l.last,
                }),
                None => edges.push(l),
            }
        }
        edges.extend(theirs.cloned());
        self.edges = edges;
        Ok(())
    }
}

/// A contact while counting: sort key and its range of reason ids.
pub(crate) struct Contact {
    pub(crate) customer: CustomerId,
    pub(crate) at: i64,
    pub(crate) ticket: TicketId,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// A window with a fast path for calendar time.
pub(crate) struct Window<'a> {
    within: &'a Within,
    calendars: &'a Calendars,
    calendar_seconds: Option<i64>,
}

impl<'a> Window<'a> {
    pub(crate) fn new(within: &'a Within, calendars: &'a Calendars) -> Self {
        let calendar_seconds = match within.basis {
            TimeBasis::Calendar => Some(within.seconds),
            _ => None,
        };
        Window {
            within,
            calendars,
            calendar_seconds,
        }
    }

    fn contains(&self, earlier: i64, later: i64) -> Result<bool, ExperienceError> {
        match self.calendar_seconds {
            Some(s) => Ok(later >= earlier && later - earlier <= s),
            None => self.within.contains_unix(earlier, later, self.calendars),
        }
    }

    /// `as_of` lies after the window opened at `at`.
    fn settled(&self, at: i64, as_of: i64) -> Result<bool, ExperienceError> {
        Ok(as_of >= at && !self.contains(at, as_of)?)
    }
}

/// A window in words: "7 days", "36 hours", "40 business hours on
/// calendar office".
pub fn describe_window(within: &Within) -> String {
    let s = within.seconds;
    let amount = if s % 86_400 == 0 {
        plural(s / 86_400, "day")
    } else if s % 3600 == 0 {
        plural(s / 3600, "hour")
    } else if s % 60 == 0 {
        plural(s / 60, "minute")
    } else {
        plural(s, "second")
    };
    match &within.basis {
        TimeBasis::Business { calendar } => {
            let (n, unit) = amount.split_once(' ').unwrap_or((&amount, ""));
            format!("{n} business {unit} on calendar {calendar}")
        }
        _ => amount,
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The Wilson score 95% interval of `count` out of `of` (`(0, 1)` when
/// `of` is 0).
fn wilson95(count: u64, of: u64) -> (f64, f64) {
    Rate { count, of }
        .wilson95()
        .map_or((0.0, 1.0), |i| (i.low, i.high))
}

/// One likely next reason `B` after a reason `A`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LikelyNext {
    /// The next reason.
    pub reason: Tag,
    /// Settled contacts with `A` whose next contact within the window had
    /// `B`.
    pub count: u64,
    /// Settled contacts with `A`.
    pub of: u64,
    /// `count / of`.
    pub probability: f64,
    /// Wilson score 95% interval, lower bound.
    pub low: f64,
    /// Wilson score 95% interval, upper bound.
    pub high: f64,
}

/// For one reason `A`, what to answer before it is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NextIssue {
    /// The reason `A`.
    pub reason: Tag,
    /// Settled contacts with `A`.
    pub contacts: u64,
    /// The kept next reasons, most likely first (ties by tag).
    pub next: Vec<LikelyNext>,
}

/// A suggestion for a macro or a knowledge-base article: when answering
/// `when`, also answer `also`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Suggestion {
    /// The reason being answered.
    pub when: Tag,
    /// The reason to answer before it is asked.
    pub also: Tag,
    /// The figures behind it.
    pub evidence: LikelyNext,
    /// The suggestion in words, e.g. "When answering billing/refund, also
    /// answer shipping/late (seen after 34% of billing/refund contacts
    /// within 7 days; 95% CI 28–41%)".
    pub text: String,
}

/// Next-issue pairs that passed the thresholds, per reason.
///
/// ```
/// use supportdesk::experience::{NextIssueConfig, NextIssueCounts, NextIssues};
/// use supportdesk::id::{CustomerId, TicketId};
/// use supportdesk::metrics::TicketFacts;
/// use supportdesk::taxonomy::TagKind;
/// use supportdesk::sla::Calendars;
/// use supportdesk::taxonomy::{TagConfig, TaxonomyConfig};
/// use supportdesk::{Channel, Tag, Taxonomy};
///
/// let taxonomy = Taxonomy::from_config(TaxonomyConfig {
///     tags: vec![
///         TagConfig::new("order/where").kind(TagKind::What),
///         TagConfig::new("order/return").kind(TagKind::What),
///     ],
///     ..Default::default()
/// })?;
/// let day = 86_400;
/// let mut facts = Vec::new();
/// for c in 0..10u128 {
///     let mut f = TicketFacts::new(TicketId::from_u128(2 * c), CustomerId::from_u128(c), Channel::Email, 0);
///     f.tags = vec![Tag::new("order/where")?];
///     facts.push(f);
///     if c < 6 {
///         let mut g = TicketFacts::new(TicketId::from_u128(2 * c + 1), CustomerId::from_u128(c), Channel::Email, 2 * day);
///         g.tags = vec![Tag::new("order/return")?];
///         facts.push(g);
///     }
/// }
/// let config = NextIssueConfig::default();
/// let counts = NextIssueCounts::count(&facts, &taxonomy, &config, &Calendars::new(), 30 * day)?;
/// let found = NextIssues::from_counts(&counts, &config);
/// let s = found.suggestions();
/// assert_eq!(s.len(), 1);
/// assert_eq!(s[0].evidence.count, 6);
/// assert_eq!(s[0].evidence.of, 10);
/// assert!(s[0].text.starts_with("When answering order/where, also answer order/return (seen after 60%"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NextIssues {
    /// The window the pairs were counted in.
    pub within: Within,
    /// Per reason `A` with at least one kept pair, sorted by reason.
    pub reasons: Vec<NextIssue>,
}

impl NextIssues {
    /// Computes `P(B | A)` and its interval for every counted pair and
    /// keeps those with `count >= min_pairs` and `P >= min_share`.
    pub fn from_counts(counts: &NextIssueCounts, config: &NextIssueConfig) -> NextIssues {
        let mut reasons = Vec::new();
        for (a, rc) in &counts.reasons {
            let of = rc.contacts;
            if of == 0 {
                continue;
            }
            let mut next: Vec<LikelyNext> = rc
                .next
                .iter()
                .filter(|&(_, &count)| count >= config.min_pairs)
                .map(|(b, &count)| {
                    let (low, high) = wilson95(count, of);
                    LikelyNext {
                        reason: b.clone(),
                        count,
                        of,
                        probability: count as f64 / of as f64,
                        low,
                        high,
                    }
                })
                .filter(|l| l.probability >= config.min_share)
                .collect();
            if next.is_empty() {
                continue;
            }
            next.sort_by(|x, y| y.count.cmp(&x.count).then_with(|| x.reason.cmp(&y.reason)));
            reasons.push(NextIssue {
                reason: a.clone(),
                contacts: of,
                next,
            });
        }
        NextIssues {
            within: counts.within.clone(),
            reasons,
        }
    }

    /// The kept next reasons after `reason`, most likely first.
    pub fn after(&self, reason: &Tag) -> &[LikelyNext] {
        self.reasons
            .binary_search_by(|n| n.reason.cmp(reason))
            .map(|i| self.reasons[i].next.as_slice())
            .unwrap_or(&[])
    }

    /// Every kept pair as a suggestion in words, by reason then likelihood:
    /// the text a macro or a knowledge-base article can start from.
    pub fn suggestions(&self) -> Vec<Suggestion> {
        let window = describe_window(&self.within);
        let pct = |x: f64| (x * 100.0).round() as i64;
        self.reasons
            .iter()
            .flat_map(|n| {
                let window = &window;
                n.next.iter().map(move |l| Suggestion {
                    when: n.reason.clone(),
                    also: l.reason.clone(),
                    evidence: l.clone(),
                    text: format!(
                        "When answering {a}, also answer {b} (seen after {p}% of {a} contacts within {window}; 95% CI {lo}–{hi}%)",
                        a = n.reason,
                        b = l.reason,
                        p = pct(l.probability),
                        lo = pct(l.low),
                        hi = pct(l.high),
                    ),
                })
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "next_issue_tests.rs"]
mod tests;
