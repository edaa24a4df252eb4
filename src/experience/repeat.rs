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

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::experience::error::ExperienceError;
use crate::experience::record::Record;
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

    fn matches(&self, p: &Record, c: &Record) -> bool {
        match self.same {
            Same::Why => p.why().intersects(&c.why()),
            Same::What => p.what().intersects(&c.what()),
            Same::Any => true,
        }
    }

    fn in_window(&self, p: &Record, c: &Record, cal: &Calendars) -> Result<bool, ExperienceError> {
        match self.from {
            Anchor::Opened => self.within.contains_unix(p.created_at, c.created_at, cal),
            Anchor::Resolved => match p.resolved_at() {
                Some(r) if r < c.created_at => self.within.contains_unix(r, c.created_at, cal),
                _ => Ok(true),
            },
        }
    }

    /// Whether the repeat window of `c` has closed at its facts' instant.
    fn closed(&self, c: &Record, cal: &Calendars) -> Result<bool, ExperienceError> {
        let start = match self.from {
            Anchor::Opened => c.created_at,
            Anchor::Resolved => match c.resolved_at() {
                Some(r) => r,
                None => return Ok(false),
            },
        };
        Ok(c.as_of >= start && !self.within.contains_unix(start, c.as_of, cal)?)
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
    pub(crate) fn relate(
        &mut self,
        recs: &[Record],
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
            if c.proactive {
                continue;
            }
            for j in (0..i).rev() {
                let Some(p) = recs.get(j) else { continue };
                if cutoff.is_some_and(|s| c.created_at.saturating_sub(p.created_at) > s) {
                    break;
                }
                if p.proactive || !rule.matches(p, c) || !rule.in_window(p, c, cal)? {
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

    fn count(&mut self, c: &Record, repeat: bool, fcr: Option<bool>) {
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
            self.one_touch.count += u64::from(c.one_touch);
        }
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
/// sorted. Each ticket's facts become the ledger's compact record (tags
/// numbered, no message or SLA detail); the report sorts small keys (the
/// customer, the opening instant, the ticket and the record's position)
/// once and reads each customer's records in that order.
///
/// It accumulates facts as they are derived (nothing else is kept of
/// them), shard by shard if need be ([`merge`](Self::merge)), and gives
/// the same report as a ledger of the same facts (a property test checks
/// it): several facts of one ticket count once, the newest.
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
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RepeatContacts {
    rule: RepeatRule,
    calendars: Calendars,
    /// The taxonomy's what- and why-tags, in tag order, and their numbers.
    tags: Vec<(Tag, crate::model::TagKind)>,
    index: crate::experience::record::FxMap<Tag, (u32, crate::model::TagKind)>,
    /// In the order added.
    rows: Vec<Record>,
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
            rows: Vec::new(),
        })
    }

    /// Adds a ticket's facts (the newest facts of a ticket count).
    pub fn add(&mut self, facts: &TicketFacts) {
        self.rows.push(Record::of(facts, &self.index));
    }

    /// Makes room for `additional` more tickets.
    pub fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
    }

    /// How many facts were added (several of one ticket each count).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No facts were added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds the contacts of `other`, built with the same rule, taxonomy
    /// and calendars (another shard or thread).
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
        if self.rows.is_empty() {
            self.rows = other.rows;
        } else {
            self.rows.append(&mut other.rows);
        }
        Ok(())
    }

    /// The report for contacts opened in `[from, to)`: what
    /// [`Ledger::repeat_report`](crate::experience::Ledger::repeat_report)
    /// gives for the same facts.
    ///
    /// # Errors
    /// [`ExperienceError::Calendar`] when business-time arithmetic fails.
    pub fn report(&self, from: i64, to: i64) -> Result<RepeatReport, ExperienceError> {
        // The records' keys sorted, not the records: each record is then
        // read once, in key order, asked for a few places ahead.
        let mut keys: Vec<((u128, i64, u128), usize)> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.row_key(), i))
            .collect();
        keys.sort_unstable();
        let row = |k: Option<&((u128, i64, u128), usize)>| k.and_then(|(_, i)| self.rows.get(*i));
        let mut b = ReportBuilder::new(&self.rule, &self.calendars, from, to, self.tags.len());
        let mut run: Vec<Record> = Vec::new();
        let mut at = 0;
        while at < keys.len() {
            // One customer's keys.
            let customer = keys.get(at).map(|((c, _, _), _)| *c);
            let end = keys
                .get(at..)
                .unwrap_or_default()
                .iter()
                .position(|((c, _, _), _)| Some(*c) != customer)
                .map_or(keys.len(), |n| at + n);
            run.clear();
            for k in at..end {
                if let Some(r) = row(keys.get(k + READ_AHEAD)) {
                    crate::hint::prefetch(r);
                }
                let (key, _) = keys.get(k).map_or(((0, 0, 0), 0), |k| *k);
                let Some(r) = row(keys.get(k)) else { continue };
                // Several records of one ticket: the highest-ranked (as
                // the ledger keeps it).
                match run.last_mut() {
                    Some(last) if last.row_key() == key => {
                        if *r > *last {
                            *last = r.clone();
                        }
                    }
                    _ => run.push(r.clone()),
                }
            }
            if let Some(first) = run.first() {
                b.customer(first.customer, &run)?;
            }
            at = end;
        }
        Ok(b.finish(&self.tags))
    }
}

/// How many records ahead [`RepeatContacts::report`] asks for.
const READ_AHEAD: usize = 8;

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
    overall: RepeatFigures,
    /// Per channel, in the order first seen (a handful: a short list
    /// searched is cheaper than a map per contact).
    by_channel: Vec<(Channel, RepeatFigures)>,
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
            overall: RepeatFigures::default(),
            by_channel: Vec::new(),
            by_reason: vec![RepeatFigures::default(); tags],
            unclassified: RepeatFigures::default(),
            pairs: Vec::new(),
            rel: Relations::default(),
        }
    }

    pub(crate) fn customer(
        &mut self,
        customer: CustomerId,
        recs: &[Record],
    ) -> Result<(), ExperienceError> {
        if !recs
            .iter()
            .any(|r| !r.proactive && r.created_at >= self.from && r.created_at < self.to)
        {
            return Ok(());
        }
        self.rel.relate(recs, self.rule, self.cal)?;
        for (i, c) in recs.iter().enumerate() {
            if c.proactive || c.created_at < self.from || c.created_at >= self.to {
                continue;
            }
            let nearest = self.rel.nearest.get(i).copied().flatten();
            let repeated = self.rel.repeated.get(i).copied().unwrap_or(false);
            let fcr = if self.rule.closed(c, self.cal)? {
                Some(c.resolved_at().is_some() && c.reopens().is_empty() && !repeated)
            } else {
                None
            };
            let repeat = nearest.is_some();
            self.overall.count(c, repeat, fcr);
            let channel = match self.by_channel.iter().position(|(ch, _)| *ch == c.channel) {
                Some(i) => i,
                None => {
                    self.by_channel.push((c.channel, RepeatFigures::default()));
                    self.by_channel.len() - 1
                }
            };
            if let Some((_, figures)) = self.by_channel.get_mut(channel) {
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
                    at: c.created_at,
                    later: c.ticket,
                    earlier: p.ticket,
                    customer,
                    gap: c.created_at.saturating_sub(p.created_at),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self, tags: &[(Tag, crate::model::TagKind)]) -> RepeatReport {
        self.pairs.sort_unstable();
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
            overall: self.overall,
            by_channel: {
                let mut by_channel = self.by_channel;
                by_channel.sort_by_key(|(channel, _)| *channel);
                by_channel
                    .into_iter()
                    .map(|(channel, figures)| ChannelFigures { channel, figures })
                    .collect()
            },
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
