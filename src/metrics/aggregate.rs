//! The streaming, mergeable aggregate of ticket facts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::TicketId;
use crate::metrics::facts::{TicketFacts, unix};
use crate::metrics::sketch::DurationSketch;
use crate::model::TagMemo;
use crate::sla::{Compliance, TargetState};
use crate::ticket::{Status, Tag};

/// Upper edges (exclusive), in seconds, of the first-response bins used
/// for the distribution chart and for CSAT by first-response time: under
/// 15 minutes, 15-30 minutes, 30 minutes-1 hour, 1-2 h, 2-4 h, 4-8 h,
/// 8-24 h, 1-3 days, 3 days and more.
pub const RESPONSE_BIN_EDGES: [u64; 8] =
    [900, 1_800, 3_600, 7_200, 14_400, 28_800, 86_400, 259_200];

/// Upper edges (exclusive), in seconds, of the backlog age bins: under an
/// hour, 1-4 h, 4-24 h, 1-3 days, 3-7 days, 7-14 days, 14 days and more.
pub const BACKLOG_AGE_EDGES: [u64; 6] = [3_600, 14_400, 86_400, 259_200, 604_800, 1_209_600];

pub(crate) const CHANNELS: usize = Channel::ALL.len();
pub(crate) const RESPONSE_BINS: usize = RESPONSE_BIN_EDGES.len() + 1;
pub(crate) const AGE_BINS: usize = BACKLOG_AGE_EDGES.len() + 1;

/// The bin of a value: the number of edges at or below it.
#[inline]
pub(crate) fn bin_of(v: u64, edges: &[u64]) -> usize {
    edges.partition_point(|&e| e <= v)
}

#[inline]
pub(crate) fn channel_slot(c: Channel) -> usize {
    c as usize
}

pub(crate) fn unsolved_slot(s: Status) -> Option<usize> {
    match s {
        Status::New => Some(0),
        Status::Open => Some(1),
        Status::Pending => Some(2),
        Status::OnHold => Some(3),
        Status::Solved | Status::Closed => None,
    }
}

/// Tickets per tag, sorted by tag (serialised as the map it replaces). A
/// count is found by the tag's address first ([`TagMemo`]): the facts of
/// one deriver share their tags' text, so the usual look-up compares one
/// pointer and reads no text; a tag not remembered is found by a binary
/// search of the texts.
#[derive(Debug, Clone, Default)]
pub(crate) struct TagCounts {
    counts: Vec<(Tag, u64)>,
    /// Each remembered tag's index in `counts` (forgotten when a tag is
    /// inserted before it).
    memo: TagMemo<usize>,
}

impl PartialEq for TagCounts {
    fn eq(&self, other: &Self) -> bool {
        self.counts == other.counts
    }
}

impl Eq for TagCounts {}

impl TagCounts {
    /// Adds `n` to `t`'s count.
    #[inline]
    pub(crate) fn add(&mut self, t: &Tag, n: u64) {
        if let Some((_, c)) = self.memo.get(t).and_then(|i| self.counts.get_mut(i)) {
            *c = c.saturating_add(n);
            return;
        }
        self.add_slow(t, n);
    }

    /// [`add`](Self::add) for a tag not remembered.
    #[cold]
    fn add_slow(&mut self, t: &Tag, n: u64) {
        match self.counts.binary_search_by(|(k, _)| k.cmp(t)) {
            Ok(i) => {
                if let Some((_, c)) = self.counts.get_mut(i) {
                    *c = c.saturating_add(n);
                }
                self.memo.insert(t, i);
            }
            Err(i) => {
                self.counts.insert(i, (t.clone(), n));
                // (The indices after `i` moved.)
                self.memo.clear();
                self.memo.insert(t, i);
            }
        }
    }

    /// The counts in tag order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Tag, &u64)> {
        self.counts.iter().map(|(t, n)| (t, n))
    }
}

impl Serialize for TagCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for TagCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<Tag, u64>::deserialize(d)?;
        Ok(TagCounts {
            counts: map.into_iter().collect(),
            memo: TagMemo::default(),
        })
    }
}

/// The longest of something and the ticket it belongs to. Ties go to the
/// larger ticket id, so the result never depends on the order of merging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Longest {
    /// Seconds.
    pub seconds: u64,
    /// The ticket.
    pub ticket: TicketId,
}

fn keep_longest(slot: &mut Option<Longest>, candidate: Option<Longest>) {
    if candidate > *slot {
        *slot = candidate;
    }
}

/// A low satisfaction score (1 or 2) kept with its comment, for follow-up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LowScore {
    /// When it was given.
    pub at: DateTime<Utc>,
    /// The ticket.
    pub ticket: TicketId,
    /// The score, 1 or 2.
    pub score: u8,
    /// The ticket's channel.
    pub channel: Channel,
    /// The customer's comment.
    pub comment: Option<String>,
    /// Seconds from the answer to the first agent action after it, if any.
    pub followed_up_in: Option<u64>,
}

/// Low scores in the order they came; compared and serialised sorted, so
/// the order of adding and merging never shows. Adding is a push.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct LowScores(pub(crate) Vec<LowScore>);

impl LowScores {
    /// The low scores in their order (`Ord`: by instant first), by a radix
    /// sort of their seconds ([`sorted_by_seconds`](crate::by_seconds::sorted_by_seconds)):
    /// a comparison sort mispredicted most of its comparisons and was most
    /// of the summary's time (a million tickets, 100,000 low scores).
    pub(crate) fn sorted(&self) -> Vec<LowScore> {
        crate::by_seconds::sorted_by_seconds(&self.0, |l| l.at.timestamp())
    }
}

impl PartialEq for LowScores {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.sorted() == other.sorted()
    }
}

impl Eq for LowScores {}

impl Serialize for LowScores {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.sorted())
    }
}

/// Tickets unsolved at an instant and how old they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BacklogTally {
    /// The latest instant measured (Unix seconds).
    pub(crate) at: Option<i64>,
    pub(crate) open: u64,
    /// New, open, pending, on hold.
    pub(crate) by_status: [u64; 4],
    pub(crate) by_age: [u64; AGE_BINS],
    pub(crate) oldest: Option<Longest>,
}

impl BacklogTally {
    fn merge(&mut self, o: &BacklogTally) {
        self.at = self.at.max(o.at);
        self.open = self.open.saturating_add(o.open);
        add_arrays(&mut self.by_status, &o.by_status);
        add_arrays(&mut self.by_age, &o.by_age);
        keep_longest(&mut self.oldest, o.oldest);
    }
}

fn add_arrays<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.saturating_add(*y);
    }
}

/// Exact first-response time bins and extremes for one time basis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResponseTally {
    pub(crate) times: DurationSketch,
    pub(crate) bins: [u64; RESPONSE_BINS],
    pub(crate) longest: Option<Longest>,
    pub(crate) waiting: u64,
    pub(crate) longest_waiting: Option<Longest>,
}

impl ResponseTally {
    fn merge(&mut self, o: &ResponseTally) {
        self.times.merge(&o.times);
        add_arrays(&mut self.bins, &o.bins);
        keep_longest(&mut self.longest, o.longest);
        self.waiting = self.waiting.saturating_add(o.waiting);
        keep_longest(&mut self.longest_waiting, o.longest_waiting);
    }
}

/// The mergeable aggregate of any number of [`TicketFacts`]: every metric
/// of the crate, built by streaming facts in ([`add`](Self::add)) and
/// combined across shards or days ([`merge`](Self::merge)). Read it with
/// [`summary`](Self::summary) and the other accessors.
///
/// Counts, sums, means, minima, maxima, rates, bins and the lists of low
/// scores are exact, and merging the aggregates of parts gives exactly the
/// aggregate of the whole (`==`), in any order. Medians and 90th
/// percentiles come from a [`DurationSketch`]: exact up to 64 values, then
/// within 1/128 (0.78%) relative error.
///
/// Backlog figures are measured at an instant: [`add`](Self::add) measures
/// each ticket at its facts' `as_of`; [`Periodic`](crate::metrics::Periodic)
/// measures at each period's end.
///
/// ```
/// use supportdesk::metrics::{Aggregate, Elapsed, TicketFacts};
/// use supportdesk::id::{CustomerId, TicketId};
/// use supportdesk::Channel;
///
/// let facts: Vec<TicketFacts> = (0..4u64).map(|i| {
///     let mut f = TicketFacts::new(TicketId::from_u128(i.into()), CustomerId::from_u128(1), Channel::Email, 0);
///     f.first_reply = Some(Elapsed::new(600 * (i + 1)));
///     f
/// }).collect();
/// let mut left = Aggregate::new();
/// let mut right = Aggregate::new();
/// facts[..2].iter().for_each(|f| left.add(f));
/// facts[2..].iter().for_each(|f| right.add(f));
/// left.merge(&right);
/// let all: Aggregate = facts.iter().collect();
/// assert_eq!(left, all);
/// assert_eq!(all.summary().first_response.times.mean, Some(1500.0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    pub(crate) tickets: u64,
    pub(crate) reactive: u64,
    pub(crate) by_channel: [u64; CHANNELS],
    pub(crate) by_priority: [u64; 4],
    pub(crate) by_tag: TagCounts,
    pub(crate) tagged: u64,
    pub(crate) agent_replies: u64,
    pub(crate) bot_replies: u64,
    pub(crate) newest_event: Option<i64>,
    pub(crate) as_of: Option<i64>,

    pub(crate) first_response: ResponseTally,
    pub(crate) first_response_business: ResponseTally,
    pub(crate) first_response_sla: Compliance,
    pub(crate) next_reply: DurationSketch,
    pub(crate) next_reply_business: DurationSketch,

    pub(crate) resolved: u64,
    pub(crate) one_touch: u64,
    pub(crate) resolution: DurationSketch,
    pub(crate) resolution_business: DurationSketch,
    pub(crate) agent_work: DurationSketch,
    pub(crate) agent_work_business: DurationSketch,

    pub(crate) solved_ever: u64,
    pub(crate) reopened: u64,
    pub(crate) reopens: u64,

    pub(crate) csat: [u64; 5],
    pub(crate) csat_by_channel: [[u64; 5]; CHANNELS],
    pub(crate) csat_by_response: [[u64; 5]; RESPONSE_BINS],
    pub(crate) low_scores: LowScores,
    pub(crate) ces: [u64; 7],

    pub(crate) sla: BTreeMap<String, Compliance>,
    pub(crate) backlog: BacklogTally,
}

pub(crate) fn tally(c: &mut Compliance, s: TargetState) {
    let n = match s {
        TargetState::Fulfilled => &mut c.met,
        TargetState::Breached => &mut c.breached,
        TargetState::Running | TargetState::Paused => &mut c.open,
        TargetState::Cancelled => &mut c.cancelled,
    };
    *n = n.saturating_add(1);
}

/// Counts one more, saturating: an aggregate read from storage may hold
/// any count, and a count never wraps to zero.
#[inline]
fn bump(n: &mut u64) {
    *n = n.saturating_add(1);
}

/// Seconds from `from` to `to` (0 when `to` is earlier), exact for any two
/// `i64` instants.
#[inline]
pub(crate) fn seconds_between(from: i64, to: i64) -> u64 {
    u64::try_from(i128::from(to) - i128::from(from)).unwrap_or(0)
}

fn merge_compliance(a: &mut Compliance, b: &Compliance) {
    a.met = a.met.saturating_add(b.met);
    a.breached = a.breached.saturating_add(b.breached);
    a.open = a.open.saturating_add(b.open);
    a.cancelled = a.cancelled.saturating_add(b.cancelled);
}

impl Aggregate {
    /// An empty aggregate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a ticket: everything about it, and its backlog state at its
    /// facts' instant.
    pub fn add(&mut self, f: &TicketFacts) {
        self.add_ticket(f);
        self.add_backlog(f, f.as_of);
    }

    /// Adds everything about a ticket except the backlog.
    pub fn add_ticket(&mut self, f: &TicketFacts) {
        bump(&mut self.tickets);
        if !f.proactive {
            bump(&mut self.reactive);
        }
        if let Some(c) = self.by_channel.get_mut(channel_slot(f.channel)) {
            bump(c);
        }
        bump(&mut self.by_priority[f.priority as usize & 3]);
        if !f.tags.is_empty() {
            bump(&mut self.tagged);
            for t in &f.tags {
                self.by_tag.add(t, 1);
            }
        }
        self.agent_replies = self
            .agent_replies
            .saturating_add(u64::from(f.agent_replies));
        self.bot_replies = self.bot_replies.saturating_add(u64::from(f.bot_replies));
        self.newest_event = self.newest_event.max(Some(f.last_event_at));
        self.as_of = self.as_of.max(Some(f.as_of));

        // First response.
        if let Some(e) = f.first_reply {
            let r = &mut self.first_response;
            r.times.add(e.seconds);
            bump(&mut r.bins[bin_of(e.seconds, &RESPONSE_BIN_EDGES)]);
            keep_longest(&mut r.longest, Some(longest(e.seconds, f.ticket)));
            if let Some(b) = e.business_seconds {
                let r = &mut self.first_response_business;
                r.times.add(b);
                bump(&mut r.bins[bin_of(b, &RESPONSE_BIN_EDGES)]);
                keep_longest(&mut r.longest, Some(longest(b, f.ticket)));
            }
        }
        if let Some(e) = f.first_reply_waiting {
            let r = &mut self.first_response;
            bump(&mut r.waiting);
            keep_longest(&mut r.longest_waiting, Some(longest(e.seconds, f.ticket)));
            if let Some(b) = e.business_seconds {
                let r = &mut self.first_response_business;
                bump(&mut r.waiting);
                keep_longest(&mut r.longest_waiting, Some(longest(b, f.ticket)));
            }
        }
        if let Some(s) = f.first_reply_sla {
            tally(&mut self.first_response_sla, s);
        }
        for e in &f.next_replies {
            self.next_reply.add(e.seconds);
            if let Some(b) = e.business_seconds {
                self.next_reply_business.add(b);
            }
        }

        // Resolution.
        if let Some(e) = f.resolution {
            bump(&mut self.resolved);
            if f.agent_replies == 1 {
                bump(&mut self.one_touch);
            }
            self.resolution.add(e.seconds);
            if let Some(b) = e.business_seconds {
                self.resolution_business.add(b);
            }
        }
        if let Some(e) = f.agent_work {
            self.agent_work.add(e.seconds);
            if let Some(b) = e.business_seconds {
                self.agent_work_business.add(b);
            }
        }
        if f.solved_ever {
            bump(&mut self.solved_ever);
        }
        if f.reopens > 0 {
            bump(&mut self.reopened);
            self.reopens = self.reopens.saturating_add(u64::from(f.reopens));
        }

        // Satisfaction and effort.
        if let Some(c) = &f.csat {
            let i = usize::from(c.score.score().clamp(1, 5)) - 1;
            bump(&mut self.csat[i]);
            if let Some(row) = self.csat_by_channel.get_mut(channel_slot(f.channel)) {
                bump(&mut row[i]);
            }
            if let Some(e) = f.first_reply {
                bump(&mut self.csat_by_response[bin_of(e.seconds, &RESPONSE_BIN_EDGES)][i]);
            }
            if c.is_low() {
                let low = LowScore {
                    at: unix(c.at),
                    ticket: f.ticket,
                    score: c.score.score(),
                    channel: f.channel,
                    comment: c.comment.clone(),
                    followed_up_in: c.followed_up_in,
                };
                self.low_scores.0.push(low);
            }
        }
        if let Some(c) = f.ces {
            bump(&mut self.ces[usize::from(c.score().clamp(1, 7)) - 1]);
        }

        // The ticket's own SLA targets.
        for (metric, state) in &f.sla {
            match self.sla.get_mut(metric.as_str()) {
                Some(c) => tally(c, *state),
                None => {
                    let mut c = Compliance::default();
                    tally(&mut c, *state);
                    self.sla.insert(metric.clone(), c);
                }
            }
        }
    }

    /// Adds the ticket to the backlog measured at `at` (Unix seconds) if it
    /// was unsolved then. Instants after the facts' `as_of` are measured at
    /// `as_of` (nothing later is known).
    pub fn add_backlog(&mut self, f: &TicketFacts, at: i64) {
        let at = at.min(f.as_of);
        let b = &mut self.backlog;
        b.at = b.at.max(Some(at));
        let status = if at == f.as_of {
            Some(f.status)
        } else {
            f.status_at(at)
        };
        let Some(slot) = status.and_then(unsolved_slot) else {
            return;
        };
        let age = seconds_between(f.created_at, at);
        bump(&mut b.open);
        bump(&mut b.by_status[slot]);
        bump(&mut b.by_age[bin_of(age, &BACKLOG_AGE_EDGES)]);
        keep_longest(&mut b.oldest, Some(longest(age, f.ticket)));
    }

    /// Adds everything another aggregate holds (the backlog included: merge
    /// aggregates measured at the same instant).
    pub fn merge(&mut self, o: &Aggregate) {
        self.merge_tickets(o);
        self.backlog.merge(&o.backlog);
    }

    /// [`merge`](Self::merge) without the backlog.
    pub(crate) fn merge_tickets(&mut self, o: &Aggregate) {
        self.tickets = self.tickets.saturating_add(o.tickets);
        self.reactive = self.reactive.saturating_add(o.reactive);
        add_arrays(&mut self.by_channel, &o.by_channel);
        add_arrays(&mut self.by_priority, &o.by_priority);
        for (t, n) in o.by_tag.iter() {
            self.by_tag.add(t, *n);
        }
        self.tagged = self.tagged.saturating_add(o.tagged);
        self.agent_replies = self.agent_replies.saturating_add(o.agent_replies);
        self.bot_replies = self.bot_replies.saturating_add(o.bot_replies);
        self.newest_event = self.newest_event.max(o.newest_event);
        self.as_of = self.as_of.max(o.as_of);
        self.first_response.merge(&o.first_response);
        self.first_response_business
            .merge(&o.first_response_business);
        merge_compliance(&mut self.first_response_sla, &o.first_response_sla);
        self.next_reply.merge(&o.next_reply);
        self.next_reply_business.merge(&o.next_reply_business);
        self.resolved = self.resolved.saturating_add(o.resolved);
        self.one_touch = self.one_touch.saturating_add(o.one_touch);
        self.resolution.merge(&o.resolution);
        self.resolution_business.merge(&o.resolution_business);
        self.agent_work.merge(&o.agent_work);
        self.agent_work_business.merge(&o.agent_work_business);
        self.solved_ever = self.solved_ever.saturating_add(o.solved_ever);
        self.reopened = self.reopened.saturating_add(o.reopened);
        self.reopens = self.reopens.saturating_add(o.reopens);
        add_arrays(&mut self.csat, &o.csat);
        for (a, b) in self.csat_by_channel.iter_mut().zip(&o.csat_by_channel) {
            add_arrays(a, b);
        }
        for (a, b) in self.csat_by_response.iter_mut().zip(&o.csat_by_response) {
            add_arrays(a, b);
        }
        self.low_scores.0.extend(o.low_scores.0.iter().cloned());
        add_arrays(&mut self.ces, &o.ces);
        for (m, c) in &o.sla {
            merge_compliance(self.sla.entry(m.clone()).or_default(), c);
        }
    }

    /// How many tickets were added.
    pub fn tickets(&self) -> u64 {
        self.tickets
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.tickets == 0 && self.backlog.open == 0
    }
}

fn longest(seconds: u64, ticket: TicketId) -> Longest {
    Longest { seconds, ticket }
}

impl<'a> FromIterator<&'a TicketFacts> for Aggregate {
    fn from_iter<I: IntoIterator<Item = &'a TicketFacts>>(iter: I) -> Self {
        let mut a = Aggregate::new();
        for f in iter {
            a.add(f);
        }
        a
    }
}

impl<'a> Extend<&'a TicketFacts> for Aggregate {
    fn extend<I: IntoIterator<Item = &'a TicketFacts>>(&mut self, iter: I) {
        for f in iter {
            self.add(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tag counts equal a map's, whatever the order, with equal tags that
    /// share their text and others that do not, and tags inserted before
    /// remembered ones (which moves their indices).
    #[test]
    fn tag_counts_equal_a_map() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let texts: Vec<String> = (0..40).map(|i| format!("tag/{:02}", 39 - i)).collect();
        let shared: Vec<Tag> = texts
            .iter()
            .map(|t| Tag::new(t).unwrap_or_else(|e| unreachable!("{e}")))
            .collect();
        let mut runner = TestRunner::new(Config::with_cases(128));
        let result = runner.run(
            &prop::collection::vec((0..texts.len(), any::<bool>(), 1u64..5), 0..300),
            |adds| {
                let mut counts = TagCounts::default();
                let mut want = BTreeMap::new();
                for &(i, apart, n) in &adds {
                    let t = if apart {
                        Tag::new(&texts[i]).unwrap_or_else(|e| unreachable!("{e}"))
                    } else {
                        shared[i].clone()
                    };
                    counts.add(&t, n);
                    *want.entry(t).or_insert(0u64) += n;
                }
                let got: Vec<(Tag, u64)> = counts.iter().map(|(t, n)| (t.clone(), *n)).collect();
                let want: Vec<(Tag, u64)> = want.into_iter().collect();
                prop_assert_eq!(got, want);
                Ok(())
            },
        );
        assert!(result.is_ok(), "{result:?}");
    }

    /// Low scores come out in `Ord` order, over spans small and large,
    /// with many in one second.
    #[test]
    fn low_scores_sorted_as_ord() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config::with_cases(48));
        // One span per case: a few seconds (many ties), a day, 300 years
        // (past what the radix sort takes).
        let cases = prop_oneof![Just(5i64), Just(100_000i64), Just(10_000_000_000i64)]
            .prop_flat_map(|span| {
                let score = (
                    0..span,
                    0u32..3,
                    0u128..4,
                    1u8..3,
                    prop::option::of(0u64..3),
                    prop::option::of("[ab]{0,2}"),
                )
                    .prop_map(
                        |(secs, nanos, ticket, score, followed_up_in, comment)| LowScore {
                            at: DateTime::from_timestamp(
                                secs - 5_000_000_000 + 1_770_000_000 * 2,
                                nanos,
                            )
                            .unwrap_or(DateTime::<Utc>::MIN_UTC),
                            ticket: TicketId::from_u128(ticket),
                            score,
                            channel: Channel::Email,
                            comment,
                            followed_up_in,
                        },
                    );
                prop::collection::vec(score, 0..1500)
            });
        let result = runner.run(&cases, |v| {
            let mut want = v.clone();
            want.sort();
            prop_assert_eq!(LowScores(v).sorted(), want);
            Ok(())
        });
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn channel_slots_follow_all() {
        for (i, c) in Channel::ALL.into_iter().enumerate() {
            assert_eq!(channel_slot(c), i);
        }
        assert_eq!(bin_of(0, &RESPONSE_BIN_EDGES), 0);
        assert_eq!(bin_of(899, &RESPONSE_BIN_EDGES), 0);
        assert_eq!(bin_of(900, &RESPONSE_BIN_EDGES), 1);
        assert_eq!(bin_of(u64::MAX, &RESPONSE_BIN_EDGES), RESPONSE_BINS - 1);
    }
}
