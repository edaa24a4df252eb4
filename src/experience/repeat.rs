//! Repeat contacts and first-contact resolution, defined as data.
//!
//! A contact (a ticket the customer opened, not a proactive one) **repeats**
//! an earlier contact `p` of the same customer when `p` comes first (opened
//! earlier, or at the same second with a smaller ticket id), the two match
//! on [`Same`] and the later one comes within the rule's window:
//!
//! - [`Anchor::Opened`]: within the window after `p` was opened;
//! - [`Anchor::Resolved`]: while `p` was still unresolved (its `resolved_at`
//!   is unknown or not before the later contact), or within the window after
//!   `p` was resolved.
//!
//! A contact is **first-contact resolved** when, at its facts' instant
//! (`as_of`), it is resolved, was never reopened, and no later contact
//! repeats it. Whether a later contact will repeat it is only knowable once
//! its repeat window has closed at that instant, so the FCR denominator
//! counts only those contacts; the others are reported as `pending`. With
//! [`Anchor::Resolved`], an unresolved contact is always pending.

use std::num::NonZeroUsize;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::experience::error::ExperienceError;
use crate::experience::record::{Record, TagCache, Tags};
use crate::experience::repeat_rows::{BUCKETS, Bucket, Item, bucket_of, gather_items};
use crate::experience::within::Within;
use crate::id::{CustomerId, TicketId};
use crate::metrics::{Interval, Rate, TicketFacts};
use crate::model::Tag;
use crate::sla::{Calendars, TimeBasis};
use crate::taxonomy::Taxonomy;

/// What two contacts must share to be one repeated issue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Same {
    /// At least one why-tag (cause) of the taxonomy (the default).
    #[default]
    Why,
    /// At least one what-tag (contact reason) of the taxonomy.
    What,
    /// Anything: every contact within the window is a repeat.
    Any,
}

/// Where the repeat window starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Anchor {
    /// When the earlier contact was opened (the default).
    #[default]
    Opened,
    /// When the earlier contact was resolved; a contact while it is still
    /// unresolved is a repeat too.
    Resolved,
}

/// The definition of a repeat contact.
///
/// A contact (a ticket the customer opened, not a proactive one) **repeats**
/// an earlier contact `p` of the same customer when `p` comes first (opened
/// earlier, or at the same second with a smaller ticket id), the two match
/// on [`Same`] and the later one comes within the window:
///
/// - [`Anchor::Opened`]: within the window after `p` was opened;
/// - [`Anchor::Resolved`]: while `p` was still unresolved (its `resolved_at`
///   is unknown or not before the later contact), or within the window after
///   `p` was resolved.
///
/// A contact is **first-contact resolved** when, at its facts' instant
/// (`as_of`), it is resolved, was never reopened, and no later contact
/// repeats it. Whether a later contact will repeat it is only knowable once
/// its repeat window has closed at that instant, so the FCR denominator
/// counts only those contacts; the others are reported as `pending`. With
/// [`Anchor::Resolved`], an unresolved contact is always pending.
///
/// Serialised as `{"within": {"seconds": 604800, "basis": "calendar"},
/// "same": "why", "from": "opened"}`; every field has its default (7
/// calendar days, same why-tag, from the opening) and unknown fields are
/// rejected.
///
/// ```
/// use supportdesk::experience::{Anchor, RepeatRule, Same, Within};
///
/// let rule: RepeatRule = serde_json::from_str(r#"{"same": "what", "from": "resolved"}"#)?;
/// assert_eq!(rule.within, Within::default());
/// assert_eq!((rule.same, rule.from), (Same::What, Anchor::Resolved));
/// assert!(serde_json::from_str::<RepeatRule>(r#"{"window": 3}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RepeatRule {
    /// The window (default: 7 calendar days).
    pub within: Within,
    /// What the two contacts share (default: a why-tag).
    pub same: Same,
    /// Where the window starts (default: the earlier contact's opening).
    pub from: Anchor,
}

impl RepeatRule {
    /// A rule from its three parts.
    pub fn new(within: Within, same: Same, from: Anchor) -> Self {
        RepeatRule { within, same, from }
    }

    /// The same rule with another window.
    pub fn with_within(mut self, within: Within) -> Self {
        self.within = within;
        self
    }

    /// The same rule matching on `same`.
    pub fn with_same(mut self, same: Same) -> Self {
        self.same = same;
        self
    }

    /// The same rule with the window starting at `from`.
    pub fn with_anchor(mut self, from: Anchor) -> Self {
        self.from = from;
        self
    }

    /// Checks the window against the calendars.
    ///
    /// # Errors
    /// As [`Within::validate`].
    pub fn validate(&self, calendars: &Calendars) -> Result<(), ExperienceError> {
        self.within.validate(calendars)
    }

    fn matches<R: RepeatRow>(&self, p: &R, c: &R) -> bool {
        match self.same {
            Same::Why => p.why().intersects(&c.why()),
            Same::What => p.what().intersects(&c.what()),
            Same::Any => true,
        }
    }

    fn in_window<R: RepeatRow>(
        &self,
        p: &R,
        c: &R,
        cal: &Calendars,
    ) -> Result<bool, ExperienceError> {
        match self.from {
            Anchor::Opened => self
                .within
                .contains_unix(p.created_at(), c.created_at(), cal),
            Anchor::Resolved => match p.resolved_at() {
                Some(r) if r < c.created_at() => self.within.contains_unix(r, c.created_at(), cal),
                _ => Ok(true),
            },
        }
    }

    /// Whether the repeat window of `c` has closed at its facts' instant.
    fn closed<R: RepeatRow>(&self, c: &R, cal: &Calendars) -> Result<bool, ExperienceError> {
        let start = match self.from {
            Anchor::Opened => c.created_at(),
            Anchor::Resolved => match c.resolved_at() {
                Some(r) => r,
                None => return Ok(false),
            },
        };
        Ok(c.as_of() >= start && !self.within.contains_unix(start, c.as_of(), cal)?)
    }
}

/// What the repeat report reads of a contact: the ledger's [`Record`] and
/// the leaner rows of [`RepeatContacts`] alike.
pub(crate) trait RepeatRow {
    fn created_at(&self) -> i64;
    /// The instant of its facts.
    fn as_of(&self) -> i64;
    fn ticket(&self) -> TicketId;
    fn channel(&self) -> Channel;
    fn proactive(&self) -> bool;
    /// Resolved with one human agent reply.
    fn one_touch(&self) -> bool;
    fn resolved_at(&self) -> Option<i64>;
    /// Went from solved back to unsolved at least once.
    fn reopened(&self) -> bool;
    /// The what-tags' numbers.
    fn what(&self) -> Tags<'_>;
    /// The why-tags' numbers.
    fn why(&self) -> Tags<'_>;
}

impl RepeatRow for Record {
    #[inline]
    fn created_at(&self) -> i64 {
        self.created_at
    }
    #[inline]
    fn as_of(&self) -> i64 {
        self.as_of
    }
    #[inline]
    fn ticket(&self) -> TicketId {
        self.ticket
    }
    #[inline]
    fn channel(&self) -> Channel {
        self.channel
    }
    #[inline]
    fn proactive(&self) -> bool {
        self.proactive
    }
    #[inline]
    fn one_touch(&self) -> bool {
        self.one_touch
    }
    #[inline]
    fn resolved_at(&self) -> Option<i64> {
        Record::resolved_at(self)
    }
    #[inline]
    fn reopened(&self) -> bool {
        !self.reopens().is_empty()
    }
    #[inline]
    fn what(&self) -> Tags<'_> {
        Record::what(self)
    }
    #[inline]
    fn why(&self) -> Tags<'_> {
        Record::why(self)
    }
}

/// The repeat relation among one customer's records (sorted by
/// opening instant then ticket), in buffers reused across customers.
#[derive(Debug, Default)]
pub(crate) struct Relations {
    /// For each record: the most recent earlier contact it repeats.
    pub(crate) nearest: Vec<Option<usize>>,
    /// For each record: a later contact repeats it.
    pub(crate) repeated: Vec<bool>,
}

impl Relations {
    pub(crate) fn relate<R: RepeatRow>(
        &mut self,
        recs: &[R],
        rule: &RepeatRule,
        cal: &Calendars,
    ) -> Result<(), ExperienceError> {
        self.nearest.clear();
        self.nearest.resize(recs.len(), None);
        self.repeated.clear();
        self.repeated.resize(recs.len(), false);
        // With calendar time from the opening, contacts further back than
        // the window cannot match: stop there.
        let cutoff = match (&rule.from, &rule.within.basis) {
            (Anchor::Opened, TimeBasis::Calendar) => Some(rule.within.seconds),
            _ => None,
        };
        for (i, c) in recs.iter().enumerate() {
            if c.proactive() {
                continue;
            }
            for j in (0..i).rev() {
                let Some(p) = recs.get(j) else { continue };
                if cutoff.is_some_and(|s| c.created_at().saturating_sub(p.created_at()) > s) {
                    break;
                }
                if p.proactive() || !rule.matches(p, c) || !rule.in_window(p, c, cal)? {
                    continue;
                }
                if let Some(n) = self.nearest.get_mut(i) {
                    n.get_or_insert(j);
                }
                if let Some(r) = self.repeated.get_mut(j) {
                    *r = true;
                }
            }
        }
        Ok(())
    }
}

/// Repeat contacts, first-contact resolution and one-touch resolution of a
/// group of contacts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepeatFigures {
    /// Contacts opened in the range.
    pub contacts: u64,
    /// Contacts that repeat an earlier one, out of `contacts`.
    pub repeat: Rate,
    /// First-contact resolved, out of the contacts whose repeat window has
    /// closed at their facts' instant.
    pub fcr: Rate,
    /// Contacts whose repeat window is still open: not yet knowable.
    pub pending: u64,
    /// One-touch resolutions ([`TicketFacts::is_one_touch`]) out of the
    /// resolved contacts, as the metrics count them.
    pub one_touch: Rate,
}

impl RepeatFigures {
    /// The 95% interval of the repeat-contact rate.
    pub fn repeat_interval(&self) -> Option<Interval> {
        self.repeat.wilson95()
    }

    /// The 95% interval of the FCR rate.
    pub fn fcr_interval(&self) -> Option<Interval> {
        self.fcr.wilson95()
    }

    fn count<R: RepeatRow>(&mut self, c: &R, repeat: bool, fcr: Option<bool>) {
        self.contacts += 1;
        self.repeat.of += 1;
        self.repeat.count += u64::from(repeat);
        match fcr {
            Some(yes) => {
                self.fcr.of += 1;
                self.fcr.count += u64::from(yes);
            }
            None => self.pending += 1,
        }
        if c.resolved_at().is_some() {
            self.one_touch.of += 1;
            self.one_touch.count += u64::from(c.one_touch());
        }
    }

    /// Adds the counts of `other` (another group of contacts).
    fn add(&mut self, other: &RepeatFigures) {
        self.contacts += other.contacts;
        self.repeat.count += other.repeat.count;
        self.repeat.of += other.repeat.of;
        self.fcr.count += other.fcr.count;
        self.fcr.of += other.fcr.of;
        self.pending += other.pending;
        self.one_touch.count += other.one_touch.count;
        self.one_touch.of += other.one_touch.of;
    }
}

/// The figures of one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelFigures {
    /// The channel the contacts were opened on.
    pub channel: Channel,
    /// Its figures.
    pub figures: RepeatFigures,
}

/// The figures of one contact reason: a what-tag, or `None` for the
/// contacts with no what-tag (the `unclassified` bucket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReasonFigures {
    /// The what-tag, `None` for unclassified contacts.
    pub reason: Option<Tag>,
    /// Its figures.
    pub figures: RepeatFigures,
}

impl ReasonFigures {
    /// The reason's name: the tag, or `unclassified`.
    pub fn name(&self) -> &str {
        self.reason.as_ref().map_or("unclassified", Tag::as_str)
    }
}

/// A contact and the earlier contact it repeats (the most recent one when
/// it repeats several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepeatPair {
    /// When the later contact was opened (Unix seconds).
    pub at: i64,
    /// The later contact.
    pub later: TicketId,
    /// The earlier contact.
    pub earlier: TicketId,
    /// The customer.
    pub customer: CustomerId,
    /// Calendar seconds from the earlier contact's opening to the later's.
    pub gap: i64,
}

/// Repeat contacts and first-contact resolution over the contacts opened
/// in a range, overall, per channel and per contact reason (what-tag; a
/// contact with several counts under each, one with none under
/// `unclassified`). Contacts opened before the range still count as the
/// earlier contact of a repeat.
///
/// Build it with [`RepeatReport::from_facts`] or
/// [`Ledger::repeat_report`](crate::experience::Ledger::repeat_report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepeatReport {
    /// The definition used.
    pub rule: RepeatRule,
    /// The range of opening instants, `[from, to)` in Unix seconds.
    pub range: (i64, i64),
    /// All contacts.
    pub overall: RepeatFigures,
    /// Per channel, in channel order.
    pub by_channel: Vec<ChannelFigures>,
    /// Per reason, in tag order, `unclassified` last.
    pub by_reason: Vec<ReasonFigures>,
    /// Every repeat contact in the range with the contact it repeats, by
    /// opening instant then ticket.
    pub pairs: Vec<RepeatPair>,
}

impl RepeatReport {
    /// The report of `facts` (several facts of one ticket: the latest
    /// `as_of` counts) for contacts opened in `[from, to)`.
    ///
    /// # Errors
    /// As [`RepeatRule::validate`], and [`ExperienceError::Calendar`] when
    /// business-time arithmetic fails.
    ///
    /// ```
    /// use supportdesk::experience::{RepeatReport, RepeatRule, Same};
    /// use supportdesk::id::{CustomerId, TicketId};
    /// use supportdesk::metrics::TicketFacts;
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::taxonomy::TaxonomyConfig;
    /// use supportdesk::{Channel, Taxonomy};
    ///
    /// let customer = CustomerId::from_u128(1);
    /// let day = 86_400;
    /// let mut first = TicketFacts::new(TicketId::from_u128(1), customer, Channel::Email, 0);
    /// first.as_of = 30 * day;
    /// first.resolved_at = Some(3600);
    /// let mut second = TicketFacts::new(TicketId::from_u128(2), customer, Channel::Phone, 2 * day);
    /// second.as_of = 30 * day;
    /// let rule = RepeatRule::default().with_same(Same::Any);
    /// let report = RepeatReport::from_facts(
    ///     [&first, &second], &rule, &Taxonomy::from_config(TaxonomyConfig::default())?, &Calendars::new(), 0, 30 * day,
    /// )?;
    /// assert_eq!((report.overall.repeat.count, report.overall.repeat.of), (1, 2));
    /// // The first was resolved but repeated; the second is unresolved.
    /// assert_eq!((report.overall.fcr.count, report.overall.fcr.of), (0, 2));
    /// assert_eq!(report.pairs[0].gap, 2 * day);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_facts<'a>(
        facts: impl IntoIterator<Item = &'a TicketFacts>,
        rule: &RepeatRule,
        taxonomy: &Taxonomy,
        calendars: &Calendars,
        from: i64,
        to: i64,
    ) -> Result<RepeatReport, ExperienceError> {
        let mut contacts = RepeatContacts::new(rule.clone(), taxonomy, calendars.clone())?;
        contacts.extend(facts);
        contacts.report(from, to)
    }
}

/// The contacts a [`RepeatReport`] is computed from, and nothing else: the
/// repeat report of an experience [`Ledger`](crate::experience::Ledger)
/// without the ledger's other queries, so without keeping its records
/// sorted. Each ticket's facts become a lean row (88 bytes: what the
/// report reads and what ranks two facts of one ticket; the rarer figures
/// aside), put in one of 128 buckets by a hash of the customer, so that
/// the report sorts each bucket's rows on its own, in cache, and can
/// share the buckets out among threads ([`report_on`](Self::report_on)).
///
/// It accumulates facts as they are derived (nothing else is kept of
/// them), shard by shard if need be ([`merge`](Self::merge), which moves
/// no row), and gives the same report as a ledger of the same facts (a
/// property test checks it): several facts of one ticket count once, the
/// newest.
///
/// ```
/// use std::num::NonZeroUsize;
/// use supportdesk::experience::{RepeatContacts, RepeatRule};
/// use supportdesk::metrics::{FactsFields, FactsOptions, TicketFacts};
/// use supportdesk::sla::Calendars;
/// use supportdesk::taxonomy::TaxonomyConfig;
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::Taxonomy;
///
/// let histories: Vec<_> = (0..4).map(|_| TicketBuilder::new().events()).collect();
/// let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new())
///     .with_fields(FactsFields::CORE);
/// let taxonomy = Taxonomy::from_config(TaxonomyConfig::default())?;
/// let empty = RepeatContacts::new(RepeatRule::default(), &taxonomy, Calendars::new())?;
/// // One accumulator per thread, the facts never kept.
/// let parts = TicketFacts::fold_histories(
///     &histories, &options, NonZeroUsize::MIN, |_| empty.clone(), |c, f| c.add(&f),
/// )?;
/// let mut contacts = empty.clone();
/// for p in parts {
///     contacts.merge(p)?;
/// }
/// let report = contacts.report(0, i64::MAX)?;
/// assert_eq!(report.overall.contacts, 1); // one ticket: the builder's id
/// // The same report with the customers shared among two threads.
/// assert_eq!(contacts.report_on(0, i64::MAX, NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN))?, report);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RepeatContacts {
    rule: RepeatRule,
    calendars: Calendars,
    /// The taxonomy's what- and why-tags, in tag order, and their numbers.
    tags: Vec<(Tag, crate::model::TagKind)>,
    index: crate::experience::record::FxMap<Tag, (u32, crate::model::TagKind)>,
    /// The tags seen last, in front of `index`.
    cache: TagCache,
    /// The rows of each shard merged in (none until the first fact), each
    /// [`BUCKETS`] buckets; facts are added to the last.
    parts: Vec<Vec<Bucket>>,
    /// How many facts were added.
    len: usize,
}

impl RepeatContacts {
    /// No contacts yet: the rule, the what/why kinds of `taxonomy`'s tags,
    /// and the calendars a business-time window names.
    ///
    /// # Errors
    /// As [`RepeatRule::validate`].
    pub fn new(
        rule: RepeatRule,
        taxonomy: &Taxonomy,
        calendars: Calendars,
    ) -> Result<RepeatContacts, ExperienceError> {
        rule.validate(&calendars)?;
        let tags = crate::experience::ledger::tag_numbers(taxonomy);
        let index = crate::experience::ledger::tag_index(&tags);
        Ok(RepeatContacts {
            rule,
            calendars,
            tags,
            index,
            cache: TagCache::default(),
            parts: Vec::new(),
            len: 0,
        })
    }

    /// Adds a ticket's facts (the newest facts of a ticket count).
    pub fn add(&mut self, facts: &TicketFacts) {
        let b = bucket_of(facts.customer);
        if self.parts.is_empty() {
            self.parts.push(vec![Bucket::default(); BUCKETS]);
        }
        let added = self
            .parts
            .last_mut()
            .and_then(|p| p.get_mut(b))
            .is_some_and(|bucket| bucket.push(facts, &self.index, &mut self.cache));
        if added {
            self.len += 1;
        } else {
            // (A bucket with four billion rows of rarer figures: another
            // part.)
            let mut part = vec![Bucket::default(); BUCKETS];
            if part
                .get_mut(b)
                .is_some_and(|bucket| bucket.push(facts, &self.index, &mut self.cache))
            {
                self.len += 1;
                self.parts.push(part);
            }
        }
    }

    /// Makes room for `additional` more tickets (over the buckets, with
    /// some slack for an uneven spread; nothing for a few).
    pub fn reserve(&mut self, additional: usize) {
        let per = additional / BUCKETS;
        if per < 16 {
            return;
        }
        if self.parts.is_empty() {
            self.parts.push(vec![Bucket::default(); BUCKETS]);
        }
        // Four standard deviations of a bucket's share, and a little.
        let room = per + 4 * per.isqrt() + 8;
        if let Some(part) = self.parts.last_mut() {
            for bucket in part {
                bucket.reserve(room);
            }
        }
    }

    /// How many facts were added (several of one ticket each count).
    pub fn len(&self) -> usize {
        self.len
    }

    /// No facts were added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the contacts of `other`, built with the same rule, taxonomy
    /// and calendars (another shard or thread). Its rows are not moved:
    /// they stay in their buckets, read alongside these.
    ///
    /// # Errors
    /// [`ExperienceError::Mismatch`] when they differ; `self` is unchanged.
    pub fn merge(&mut self, mut other: RepeatContacts) -> Result<(), ExperienceError> {
        if self.rule != other.rule {
            // (The rule is the whole of a repeat report's configuration.)
            return Err(ExperienceError::Mismatch { what: "config" });
        }
        if self.tags != other.tags {
            return Err(ExperienceError::Mismatch { what: "taxonomy" });
        }
        if self.calendars != other.calendars {
            return Err(ExperienceError::Mismatch { what: "calendars" });
        }
        if other.len == 0 {
            return Ok(());
        }
        if self.len == 0 {
            self.parts = other.parts;
        } else {
            // Facts added later go to the bigger part's buckets (the
            // last), whose room is more likely to be reserved.
            if other.len > self.len {
                std::mem::swap(&mut self.parts, &mut other.parts);
            }
            self.parts.splice(0..0, other.parts);
        }
        self.len += other.len;
        Ok(())
    }

    /// The report for contacts opened in `[from, to)`: what
    /// [`Ledger::repeat_report`](crate::experience::Ledger::repeat_report)
    /// gives for the same facts. On this thread:
    /// [`report_on`](Self::report_on) with one thread.
    ///
    /// # Errors
    /// [`ExperienceError::Calendar`] when business-time arithmetic fails.
    pub fn report(&self, from: i64, to: i64) -> Result<RepeatReport, ExperienceError> {
        self.report_on(from, to, NonZeroUsize::MIN)
    }

    /// The report for contacts opened in `[from, to)` with the customers
    /// shared among `threads` threads (this one and scoped threads: no
    /// runtime), each building the figures of its customers; the parts
    /// are then added up and the pairs merged. Exactly the report of
    /// [`report`](Self::report), whatever the number of threads.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use supportdesk::experience::{RepeatContacts, RepeatRule, Same};
    /// use supportdesk::id::{CustomerId, TicketId};
    /// use supportdesk::metrics::TicketFacts;
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::taxonomy::TaxonomyConfig;
    /// use supportdesk::{Channel, Taxonomy};
    ///
    /// let day = 86_400;
    /// let taxonomy = Taxonomy::from_config(TaxonomyConfig::default())?;
    /// let rule = RepeatRule::default().with_same(Same::Any);
    /// let mut contacts = RepeatContacts::new(rule, &taxonomy, Calendars::new())?;
    /// // 100 customers, each writing twice two days apart.
    /// for c in 0..100u128 {
    ///     for k in 0..2u128 {
    ///         let customer = CustomerId::from_u128(c + 1);
    ///         let ticket = TicketId::from_u128(2 * c + k + 1);
    ///         let mut f = TicketFacts::new(ticket, customer, Channel::Email, 2 * day * k as i64);
    ///         f.as_of = 30 * day;
    ///         contacts.add(&f);
    ///     }
    /// }
    /// let threads = NonZeroUsize::new(4).unwrap_or(NonZeroUsize::MIN);
    /// let report = contacts.report_on(0, 30 * day, threads)?;
    /// assert_eq!((report.overall.repeat.count, report.overall.repeat.of), (100, 200));
    /// assert_eq!(report, contacts.report(0, 30 * day)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ExperienceError::Calendar`] when business-time arithmetic fails
    /// (the error [`report`](Self::report) gives).
    pub fn report_on(
        &self,
        from: i64,
        to: i64,
        threads: NonZeroUsize,
    ) -> Result<RepeatReport, ExperienceError> {
        let threads = threads.get().min(BUCKETS);
        // Contiguous ranges of buckets, the first on this thread: the
        // first error in bucket order is the one a single thread meets.
        let per = BUCKETS.div_ceil(threads);
        let range = |t: usize| (t * per).min(BUCKETS)..((t + 1) * per).min(BUCKETS);
        if threads == 1 {
            return Ok(self.build(from, to, 0..BUCKETS)?.finish(&self.tags));
        }
        let parts: Vec<Result<ReportBuilder<'_>, ExperienceError>> = std::thread::scope(|s| {
            let others: Vec<_> = (1..threads)
                .map(|t| {
                    let r = range(t);
                    s.spawn(move || self.build(from, to, r))
                })
                .collect();
            let mut parts = vec![self.build(from, to, range(0))];
            for h in others {
                parts.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            parts
        });
        let mut parts = parts.into_iter();
        let mut whole = match parts.next() {
            Some(first) => first?,
            None => ReportBuilder::new(&self.rule, &self.calendars, from, to, self.tags.len()),
        };
        for p in parts {
            whole.absorb(p?);
        }
        // Each part's pairs are sorted: a stable sort merges the runs.
        whole.pairs.sort();
        Ok(whole.finish(&self.tags))
    }

    /// The figures of the customers of `buckets`, their pairs sorted.
    fn build(
        &self,
        from: i64,
        to: i64,
        buckets: Range<usize>,
    ) -> Result<ReportBuilder<'_>, ExperienceError> {
        let mut b = ReportBuilder::new(&self.rule, &self.calendars, from, to, self.tags.len());
        let mut items: Vec<Item<'_>> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut of_k: Vec<&Bucket> = Vec::with_capacity(self.parts.len());
        for k in buckets {
            of_k.clear();
            of_k.extend(self.parts.iter().filter_map(|part| part.get(k)));
            gather_items(&of_k, &mut items, &mut counts);
            // Several rows of one ticket: the highest-ranked (as the
            // ledger keeps it).
            items.dedup_by(|later, kept| {
                if later.key_cmp(kept).is_ne() {
                    return false;
                }
                if later.rank_cmp(kept).is_gt() {
                    std::mem::swap(later, kept);
                }
                true
            });
            let mut next = 0;
            for run in items.chunk_by(Item::same_customer) {
                // The rows of the items a few customers on, asked for now:
                // sorted, the items read their rows in no memory order.
                next += run.len();
                for ahead in items
                    .get(next + ROWS_AHEAD..next + ROWS_AHEAD + run.len())
                    .unwrap_or_default()
                {
                    ahead.prefetch_row();
                }
                if let Some(first) = run.first() {
                    b.customer(first.row.customer, run)?;
                }
            }
        }
        // (By instant first: a radix sort of the instants.)
        b.pairs = crate::by_seconds::sorted_by_seconds(&b.pairs, |p| p.at);
        Ok(b)
    }
}

/// How many items ahead [`RepeatContacts::build`] asks for rows.
const ROWS_AHEAD: usize = 8;

/// Adds each ticket's facts (as [`RepeatContacts::add`]), reserving room
/// for the iterator's lower size bound first.
impl<'a> Extend<&'a TicketFacts> for RepeatContacts {
    fn extend<I: IntoIterator<Item = &'a TicketFacts>>(&mut self, facts: I) {
        let facts = facts.into_iter();
        self.reserve(facts.size_hint().0);
        for f in facts {
            self.add(f);
        }
    }
}

/// Accumulates a report customer by customer.
pub(crate) struct ReportBuilder<'a> {
    rule: &'a RepeatRule,
    cal: &'a Calendars,
    from: i64,
    to: i64,
    /// Per channel, indexed by the channel's place in [`Channel::ALL`]
    /// (a channel with no contacts has none: it is left out of the
    /// report).
    by_channel: [RepeatFigures; Channel::ALL.len()],
    /// Per what-tag number (the taxonomy's few tags: indexed directly).
    by_reason: Vec<RepeatFigures>,
    unclassified: RepeatFigures,
    pairs: Vec<RepeatPair>,
    rel: Relations,
}

impl<'a> ReportBuilder<'a> {
    /// A builder for contacts opened in `[from, to)`; `tags`: how many
    /// tags the ledger numbers.
    pub(crate) fn new(
        rule: &'a RepeatRule,
        cal: &'a Calendars,
        from: i64,
        to: i64,
        tags: usize,
    ) -> Self {
        ReportBuilder {
            rule,
            cal,
            from,
            to,
            by_channel: Default::default(),
            by_reason: vec![RepeatFigures::default(); tags],
            unclassified: RepeatFigures::default(),
            pairs: Vec::new(),
            rel: Relations::default(),
        }
    }

    pub(crate) fn customer<R: RepeatRow>(
        &mut self,
        customer: CustomerId,
        recs: &[R],
    ) -> Result<(), ExperienceError> {
        if !recs
            .iter()
            .any(|r| !r.proactive() && r.created_at() >= self.from && r.created_at() < self.to)
        {
            return Ok(());
        }
        self.rel.relate(recs, self.rule, self.cal)?;
        for (i, c) in recs.iter().enumerate() {
            if c.proactive() || c.created_at() < self.from || c.created_at() >= self.to {
                continue;
            }
            let nearest = self.rel.nearest.get(i).copied().flatten();
            let repeated = self.rel.repeated.get(i).copied().unwrap_or(false);
            let fcr = if self.rule.closed(c, self.cal)? {
                Some(c.resolved_at().is_some() && !c.reopened() && !repeated)
            } else {
                None
            };
            let repeat = nearest.is_some();
            // (`Channel` is a field-less enum in `Channel::ALL`'s order.)
            if let Some(figures) = self.by_channel.get_mut(c.channel() as usize) {
                figures.count(c, repeat, fcr);
            }
            if c.what().is_empty() {
                self.unclassified.count(c, repeat, fcr);
            } else {
                for id in c.what().iter() {
                    // (A number the taxonomy does not have, from a
                    // deserialised record, names no reason.)
                    let i = usize::try_from(id).unwrap_or(usize::MAX);
                    if let Some(figures) = self.by_reason.get_mut(i) {
                        figures.count(c, repeat, fcr);
                    }
                }
            }
            if let Some(p) = nearest.and_then(|j| recs.get(j)) {
                self.pairs.push(RepeatPair {
                    at: c.created_at(),
                    later: c.ticket(),
                    earlier: p.ticket(),
                    customer,
                    gap: c.created_at().saturating_sub(p.created_at()),
                });
            }
        }
        Ok(())
    }

    /// Adds what `other` counted (other customers, for the same rule,
    /// range and tags); its pairs go after these, unsorted.
    pub(crate) fn absorb(&mut self, mut other: ReportBuilder<'_>) {
        for (mine, theirs) in self.by_channel.iter_mut().zip(&other.by_channel) {
            mine.add(theirs);
        }
        for (mine, theirs) in self.by_reason.iter_mut().zip(&other.by_reason) {
            mine.add(theirs);
        }
        self.unclassified.add(&other.unclassified);
        self.pairs.append(&mut other.pairs);
    }

    pub(crate) fn finish(mut self, tags: &[(Tag, crate::model::TagKind)]) -> RepeatReport {
        // Every contact counts under exactly one channel: the overall
        // figures are their sum.
        let mut overall = RepeatFigures::default();
        for figures in &self.by_channel {
            overall.add(figures);
        }
        if !self.pairs.is_sorted() {
            self.pairs = crate::by_seconds::sorted_by_seconds(&self.pairs, |p| p.at);
        }
        let mut by_reason: Vec<ReasonFigures> = self
            .by_reason
            .into_iter()
            .zip(tags)
            .filter(|(figures, _)| figures.contacts > 0)
            .map(|(figures, (tag, _))| ReasonFigures {
                reason: Some(tag.clone()),
                figures,
            })
            .collect();
        by_reason.sort_by(|a, b| a.reason.cmp(&b.reason));
        if self.unclassified.contacts > 0 {
            by_reason.push(ReasonFigures {
                reason: None,
                figures: self.unclassified,
            });
        }
        RepeatReport {
            rule: self.rule.clone(),
            range: (self.from, self.to),
            overall,
            by_channel: Channel::ALL
                .into_iter()
                .zip(self.by_channel)
                .filter(|(_, figures)| figures.contacts > 0)
                .map(|(channel, figures)| ChannelFigures { channel, figures })
                .collect(),
            by_reason,
            pairs: self.pairs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_by_hand() {
        // 0 of 10: [0, 0.2775]; 10 of 10: [0.7225, 1].
        let none = Rate { count: 0, of: 10 }.wilson95().unwrap_or(Interval {
            low: 9.0,
            high: 9.0,
        });
        assert!(none.low.abs() < 1e-12 && (none.high - 0.2775).abs() < 1e-4);
        let all = Rate { count: 10, of: 10 }.wilson95().unwrap_or(Interval {
            low: 9.0,
            high: 9.0,
        });
        assert!((all.low - 0.7225).abs() < 1e-4 && (all.high - 1.0).abs() < 1e-12);
        assert_eq!(Rate::default().wilson95(), None);
    }

    #[test]
    fn serde_form_of_the_rule() {
        let r = RepeatRule::default();
        assert_eq!(
            serde_json::to_string(&r).unwrap_or_default(),
            r#"{"within":{"seconds":604800,"basis":"calendar"},"same":"why","from":"opened"}"#
        );
    }
}
