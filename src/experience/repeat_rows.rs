//! The rows [`RepeatContacts`](crate::experience::RepeatContacts) keeps:
//! what the repeat report reads of a ticket, and what ranks two facts of
//! one ticket as the ledger ranks its records, in 88 bytes instead of the
//! ledger's 136-byte [`Record`](crate::experience::record::Record).
//!
//! The figures the report does not read but that still decide between two
//! facts of one ticket (SLA breach, CSAT, CES, follow-up, channel switch)
//! are kept aside, in the bucket's `tails`, for the rows that have any; the
//! rare variable-length parts (reopens, tags numbered 64 or more) in the
//! bucket's pools, so that adding a row never allocates on its own.
//!
//! Rows are spread over [`BUCKETS`] buckets by a hash of the customer as
//! they are added, so that a customer's rows are all in one bucket: the
//! report sorts each bucket (a few thousand rows, in cache) on its own, and
//! buckets go to threads in contiguous ranges.
//!
//! 128 buckets, not more: the ends of 128 buckets stay in the core's cache
//! while the facts stream a history's events through it, so adding a row
//! is a write to cache. With 1,024 buckets the row's write missed the
//! cache and was the top stall of the lean path's fold (`perf annotate`);
//! the fold over a million histories took 0.48 s on one thread against
//! 0.35 s with 128 (the example `export_events_csv`).

use std::cmp::Ordering;

use crate::channel::Channel;
use crate::experience::record::{
    FxMap, TagCache, Tags, When, reopen_instants, tags_and_reopens_by,
};
use crate::experience::repeat::RepeatRow;
use crate::id::{CustomerId, TicketId};
use crate::metrics::TicketFacts;
use crate::model::{Tag, TagKind};

/// log2 of [`BUCKETS`].
const BUCKET_BITS: u32 = 7;

/// How many buckets the rows are spread over (a million tickets: about
/// 7,800 rows, 690 KB, a bucket).
pub(crate) const BUCKETS: usize = 1 << BUCKET_BITS;

/// A row's `tail` when it has none.
const NO_TAIL: u32 = u32::MAX;

/// A tail's `extra` when it has none.
const NO_EXTRA: u32 = u32::MAX;

const PROACTIVE: u8 = 1;
const ONE_TOUCH: u8 = 2;
const REOPENED: u8 = 4;
/// The row's tail has an [`ExtraAt`] with tags numbered 64 or more (so the
/// what- and why-tags of a row without are read without its tail: the
/// tails are read out of order, each a likely cache miss).
const MORE_TAGS: u8 = 8;

/// The bucket of a customer's rows: Fibonacci hashing of the id's two
/// halves (ids that differ only in their low bits, `from_u128(n)`, spread
/// as well as random ones).
pub(crate) fn bucket_of(customer: CustomerId) -> usize {
    (customer_hash(customer.as_u128()) >> (64 - BUCKET_BITS)) as usize
}

/// The hash [`bucket_of`] takes its bits from.
#[inline]
fn customer_hash(v: u128) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let lo = v as u64;
    let hi = (v >> 64) as u64;
    (lo ^ hi.wrapping_mul(K)).wrapping_mul(K)
}

/// The customer's hash bits after the bucket's, `bits` of them (1 to
/// 64 - [`BUCKET_BITS`]; [`slot_bits`] gives 8 to 16): the slot
/// [`gather_items`] puts its items in.
#[inline]
fn slot_of(customer: (u64, u64), bits: u32) -> usize {
    let (hi, lo) = customer;
    let v = (u128::from(hi) << 64) | u128::from(lo);
    let h = customer_hash(v) << BUCKET_BITS;
    (h >> (64 - bits)) as usize
}

/// How many slots [`gather_items`] spreads `n` items over, as a power of
/// two: about one customer a slot (customers have a few items each), from
/// 2^8 to 2^16 (a table of at most 256 KiB).
fn slot_bits(n: usize) -> u32 {
    n.next_power_of_two().trailing_zeros().clamp(8, 16)
}

/// Gathers the items of `buckets` (one bucket's rows from every part) into
/// `items`, each customer's items together in [`Item::key_cmp`] order
/// (customers in any order), as `sort_unstable_by(Item::key_cmp)` would
/// group them: a counting sort by the customer's hash bits after the
/// bucket's ([`slot_bits`] of them), the rows read twice (counted, then
/// placed), then each slot that holds more than one item, a customer or a
/// few whose hashes share the bits, sorted by `key_cmp`. `counts` is
/// scratch kept from one bucket to the next.
///
/// One counting pass and one placing pass instead of a copy of the rows
/// followed by a radix sort of two 8-bit passes: the report over a million
/// contacts 40.4-41.4 ms on two threads instead of 42.5-43.1 ms (Intel
/// Xeon, alternating; docs/performance.md). Comparison sorts of the whole
/// bucket mispredicted a branch at most of their comparisons and were half
/// of the report's time.
pub(crate) fn gather_items<'a>(
    buckets: &[&'a Bucket],
    items: &mut Vec<Item<'a>>,
    counts: &mut Vec<u32>,
) {
    items.clear();
    let n: usize = buckets.iter().map(|b| b.rows.len()).sum();
    let first = buckets.iter().find_map(|b| b.items().next());
    let (Some(first), Ok(_)) = (first.filter(|_| n >= 64), u32::try_from(n)) else {
        items.extend(buckets.iter().flat_map(|b| b.items()));
        items.sort_unstable_by(Item::key_cmp);
        return;
    };
    let bits = slot_bits(n);
    counts.clear();
    counts.resize(1 << bits, 0);
    for b in buckets {
        for row in &b.rows {
            if let Some(c) = counts.get_mut(slot_of(split(row.customer.as_u128()), bits)) {
                *c += 1;
            }
        }
    }
    // Each slot's start.
    let mut at = 0u32;
    for c in counts.iter_mut() {
        let k = *c;
        *c = at;
        at += k;
    }
    items.resize(n, first);
    for b in buckets {
        for item in b.items() {
            if let Some(c) = counts.get_mut(slot_of(item.customer, bits)) {
                if let Some(slot) = items.get_mut(*c as usize) {
                    *slot = item;
                }
                *c += 1;
            }
        }
    }
    // Each slot's end is now the next one's start.
    let mut start = 0;
    for &end in counts.iter() {
        let end = end as usize;
        if end > start + 1 {
            if let Some(run) = items.get_mut(start..end) {
                run.sort_unstable_by(Item::key_cmp);
            }
        }
        start = end;
    }
}

/// One ticket as [`RepeatContacts`](crate::experience::RepeatContacts)
/// keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) customer: CustomerId,
    ticket: TicketId,
    created_at: i64,
    as_of: i64,
    last_event_at: i64,
    resolved_at: When,
    what: u64,
    why: u64,
    /// Its [`Tail`] in the bucket's tails, or [`NO_TAIL`].
    tail: u32,
    channel: Channel,
    /// [`PROACTIVE`], [`ONE_TOUCH`], [`REOPENED`], [`MORE_TAGS`].
    flags: u8,
}

impl Row {
    /// The row of `f` with its tags' bits, its tail (or [`NO_TAIL`]) and
    /// the flags only a tail tells ([`REOPENED`], [`MORE_TAGS`]).
    #[inline]
    fn of(f: &TicketFacts, what: u64, why: u64, tail: u32, mut flags: u8) -> Row {
        if f.proactive {
            flags |= PROACTIVE;
        }
        if f.is_one_touch() {
            flags |= ONE_TOUCH;
        }
        Row {
            customer: f.customer,
            ticket: f.ticket,
            created_at: f.created_at,
            as_of: f.as_of,
            last_event_at: f.last_event_at,
            resolved_at: When::of(f.resolved_at),
            what,
            why,
            tail,
            channel: f.channel,
            flags,
        }
    }
}

/// What a ledger record has beyond a [`Row`], in the order the ledger ranks
/// two records of one ticket by (after the row's `as_of`, last event,
/// channel, proactive, resolution and one-touch; the `extra` comes last,
/// after the row's what- and why-bits, as the record's
/// [`Extra`](crate::experience::record::Extra)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tail {
    sla_breached_at: When,
    csat_at: When,
    csat_score: u8,
    ces: Option<u8>,
    follow_up_of: Option<TicketId>,
    switch_at: When,
    switch_to: Channel,
    /// Its [`ExtraAt`] in the bucket's `extras`, or [`NO_EXTRA`].
    extra: u32,
}

/// Where a tail's reopen instants and tags numbered 64 or more are in its
/// bucket's pools (a tail has one only when it has any of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ExtraAt {
    /// The first of its instants in the bucket's `reopens`.
    reopens_at: u32,
    reopens: u32,
    /// The first of its numbers in the bucket's `numbers`: the what-tags'
    /// (sorted), then the why-tags' (sorted).
    numbers_at: u32,
    what: u32,
    why: u32,
}

/// A tail's reopen instants, what- and why-tag numbers from 64 up, in the
/// order the ledger's [`Extra`](crate::experience::record::Extra) compares
/// them.
type ExtraRef<'a> = (&'a [i64], &'a [u32], &'a [u32]);

/// The ranking part of a tail, and its `extra`.
type TailCore = (When, When, u8, Option<u8>, Option<TicketId>, When, Channel);

impl Tail {
    /// The tail of a record with none of these (the record keeps the
    /// opening channel as the switch's).
    fn none(channel: Channel) -> Tail {
        Tail {
            sla_breached_at: When::NONE,
            csat_at: When::NONE,
            csat_score: 0,
            ces: None,
            follow_up_of: None,
            switch_at: When::NONE,
            switch_to: channel,
            extra: NO_EXTRA,
        }
    }

    fn core(&self) -> TailCore {
        (
            self.sla_breached_at,
            self.csat_at,
            self.csat_score,
            self.ces,
            self.follow_up_of,
            self.switch_at,
            self.switch_to,
        )
    }
}

/// The rows of the customers of one bucket, their tails, and the pools
/// of the tails' variable-length parts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bucket {
    pub(crate) rows: Vec<Row>,
    tails: Vec<Tail>,
    extras: Vec<ExtraAt>,
    /// Every extra's reopen instants, one extra's after another's.
    reopens: Vec<i64>,
    /// Every extra's what- then why-tag numbers from 64 up.
    numbers: Vec<u32>,
}

impl Bucket {
    /// Adds the row of `f`, its tags numbered by `index` (as
    /// [`Record::of`](crate::experience::record::Record::of)); false, and
    /// nothing added, when the bucket cannot number another tail.
    ///
    /// Most facts have nothing a tail keeps (no CSAT, reopen, breach,
    /// tags numbered 64 or more...): their row is made from the tags' bits
    /// alone, without the lists [`tags_and_reopens_by`] builds.
    #[inline(always)]
    pub(crate) fn push(
        &mut self,
        f: &TicketFacts,
        index: &FxMap<Tag, (u32, TagKind)>,
        cache: &mut TagCache,
    ) -> bool {
        let mut what = 0u64;
        let mut why = 0u64;
        let mut more = false;
        for t in &f.tags {
            match cache.get(t, index) {
                Some((id @ 0..64, kind)) => {
                    let bit = 1u64 << id;
                    match kind {
                        TagKind::What => what |= bit,
                        TagKind::Why => why |= bit,
                    }
                }
                Some(_) => more = true,
                None => {}
            }
        }
        let plain = !more
            && f.sla_breached_at.is_none()
            && f.csat.is_none()
            && f.ces.is_none()
            && f.follow_up_of.is_none()
            && f.channel_switch.is_none()
            && reopen_instants(&f.statuses).next().is_none();
        if !plain {
            // (The bits found are the tags when none is numbered 64 or
            // more.)
            let bits = (!more).then_some((what, why));
            return self.push_with_tail(f, index, cache, bits);
        }
        self.push_row(Row::of(f, what, why, NO_TAIL, 0));
        true
    }

    /// Adds `row`, then asks for the memory of the two rows after the next
    /// (when reserved): a bucket's next row comes about [`BUCKETS`] facts
    /// later, and its cache lines, never written yet, would otherwise be
    /// read from memory while the row is written. With the hint, the fold
    /// of a million histories into `RepeatContacts` took 6% less time on
    /// one thread (`examples/export_events_csv.rs`, Intel Xeon).
    #[inline(always)]
    fn push_row(&mut self, row: Row) {
        self.rows.push(row);
        let ahead = self.rows.spare_capacity_mut();
        // (Rows are 88 bytes: each start is in a line the row before may
        // not have touched.)
        if let Some(r) = ahead.get(1) {
            crate::hint::prefetch(r);
        }
        if let Some(r) = ahead.get(2) {
            crate::hint::prefetch(r);
        }
    }

    /// [`push`](Self::push) for facts with a tail; `bits`, the what- and
    /// why-bits when no tag is numbered 64 or more (else looked up again).
    /// Nothing is added when a tail, an extra or a pool would outgrow what
    /// a `u32` numbers (the bucket is as it was).
    #[cold]
    fn push_with_tail(
        &mut self,
        f: &TicketFacts,
        index: &FxMap<Tag, (u32, TagKind)>,
        cache: &mut TagCache,
        bits: Option<(u64, u64)>,
    ) -> bool {
        let (Ok(tail), Ok(extra), Ok(reopens_at), Ok(numbers_at)) = (
            u32::try_from(self.tails.len()),
            u32::try_from(self.extras.len()),
            u32::try_from(self.reopens.len()),
            u32::try_from(self.numbers.len()),
        ) else {
            return false;
        };
        if tail == NO_TAIL || extra == NO_EXTRA {
            return false;
        }
        // The reopens and the tags from 64 up straight into the pools
        // (taken back if they do not fit).
        let (what, why, more_what, more_why) = match bits {
            Some((what, why)) => {
                self.reopens.extend(reopen_instants(&f.statuses));
                (what, why, 0, 0)
            }
            None => {
                let (what, why, reopens) = tags_and_reopens_by(f, |t| cache.get(t, index));
                self.reopens.extend(reopens);
                self.numbers.extend(&what.more);
                self.numbers.extend(&why.more);
                (what.bits, why.bits, what.more.len(), why.more.len())
            }
        };
        let fits = (
            u32::try_from(self.reopens.len() - reopens_at as usize),
            u32::try_from(more_what),
            u32::try_from(more_why),
            u32::try_from(self.reopens.len()),
            u32::try_from(self.numbers.len()),
        );
        let (Ok(reopens), Ok(more_what), Ok(more_why), Ok(_), Ok(_)) = fits else {
            self.reopens.truncate(reopens_at as usize);
            self.numbers.truncate(numbers_at as usize);
            return false;
        };
        let mut flags = 0;
        if reopens > 0 {
            flags |= REOPENED;
        }
        if more_what > 0 || more_why > 0 {
            flags |= MORE_TAGS;
        }
        let extra = if reopens > 0 || more_what > 0 || more_why > 0 {
            self.extras.push(ExtraAt {
                reopens_at,
                reopens,
                numbers_at,
                what: more_what,
                why: more_why,
            });
            extra
        } else {
            NO_EXTRA
        };
        let (csat_score, csat_at) = f
            .csat
            .as_ref()
            .map_or((0, When::NONE), |c| (c.score.score(), When(c.at)));
        let (switch_at, switch_to) = f
            .channel_switch
            .map_or((When::NONE, f.channel), |(at, c)| (When(at), c));
        self.tails.push(Tail {
            sla_breached_at: When::of(f.sla_breached_at),
            csat_at,
            csat_score,
            ces: f.ces.map(|c| c.score()),
            follow_up_of: f.follow_up_of,
            switch_at,
            switch_to,
            extra,
        });
        self.push_row(Row::of(f, what, why, tail, flags));
        true
    }

    /// Makes room for `rows` more rows (unless there is), and tails for
    /// half of them (a tail is a row with CSAT, a reopen, an SLA breach...:
    /// a third of them in a typical month), so that the fold does not copy
    /// a bucket's rows or tails as they grow.
    pub(crate) fn reserve(&mut self, rows: usize) {
        if self.rows.capacity() - self.rows.len() < rows {
            self.rows.reserve(rows);
        }
        let tails = rows / 2;
        if self.tails.capacity() - self.tails.len() < tails {
            self.tails.reserve(tails);
        }
    }

    /// Each row, for the report.
    pub(crate) fn items(&self) -> impl Iterator<Item = Item<'_>> {
        self.rows.iter().map(|row| Item {
            customer: split(row.customer.as_u128()),
            created_at: row.created_at,
            row,
            bucket: self,
        })
    }

    /// The tail of `row` (a row of this bucket), if it has one.
    #[inline]
    fn tail(&self, row: &Row) -> Option<&Tail> {
        if row.tail == NO_TAIL {
            return None;
        }
        self.tails.get(row.tail as usize)
    }

    /// The variable-length parts of `tail` (a tail of this bucket), if it
    /// has any.
    fn extra(&self, tail: &Tail) -> Option<ExtraRef<'_>> {
        let e = self.extras.get(tail.extra as usize)?;
        let part = |at: u32, len: u32| (at as usize)..(at as usize).saturating_add(len as usize);
        let reopens = self.reopens.get(part(e.reopens_at, e.reopens))?;
        let numbers = self
            .numbers
            .get(part(e.numbers_at, e.what.saturating_add(e.why)))?;
        let (what, why) = numbers.split_at_checked(e.what as usize)?;
        Some((reopens, what, why))
    }
}

/// A number as its two halves, high first (the same order).
fn split(n: u128) -> (u64, u64) {
    ((n >> 64) as u64, n as u64)
}

/// A row and its bucket (where its tail is), as the report reads them,
/// with the row's sort key at hand (sorting compares it, not the row's
/// bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'a> {
    customer: (u64, u64),
    created_at: i64,
    pub(crate) row: &'a Row,
    bucket: &'a Bucket,
}

impl Item<'_> {
    /// The order of one customer's contacts after the customer (whose
    /// order is any): opening instant, then ticket (ids as numbers, as the
    /// ledger's `row_key`).
    #[inline]
    pub(crate) fn key_cmp(&self, other: &Item<'_>) -> Ordering {
        (self.customer, self.created_at)
            .cmp(&(other.customer, other.created_at))
            .then_with(|| self.row.ticket.as_u128().cmp(&other.row.ticket.as_u128()))
    }

    /// Asks for the memory of the row (both its lines).
    #[inline]
    pub(crate) fn prefetch_row(&self) {
        crate::hint::prefetch(&self.row.customer);
        crate::hint::prefetch(&self.row.flags);
    }

    /// Of the same customer.
    #[inline]
    pub(crate) fn same_customer(&self, other: &Item<'_>) -> bool {
        self.customer == other.customer
    }

    fn tail(&self) -> Option<&Tail> {
        self.bucket.tail(self.row)
    }

    fn extra(&self) -> Option<ExtraRef<'_>> {
        self.tail().and_then(|t| self.bucket.extra(t))
    }

    /// The extra of a row with tags numbered 64 or more.
    #[inline]
    fn more_tags(&self) -> Option<ExtraRef<'_>> {
        if self.row.flags & MORE_TAGS == 0 {
            return None;
        }
        self.extra()
    }

    /// The order of the ledger's records of one ticket: the higher one
    /// stays (the later `as_of`, then the later last event, then a fixed
    /// order of the contents).
    pub(crate) fn rank_cmp(&self, other: &Item<'_>) -> Ordering {
        let (a, b) = (self.row, other.row);
        let prefix = |r: &Row| {
            (
                r.as_of,
                r.last_event_at,
                r.channel,
                r.flags & PROACTIVE != 0,
                r.resolved_at,
                r.flags & ONE_TOUCH != 0,
            )
        };
        let core = |i: &Item<'_>| {
            i.tail()
                .map_or_else(|| Tail::none(i.row.channel).core(), Tail::core)
        };
        prefix(a)
            .cmp(&prefix(b))
            .then_with(|| core(self).cmp(&core(other)))
            .then_with(|| (a.what, a.why).cmp(&(b.what, b.why)))
            .then_with(|| self.extra().cmp(&other.extra()))
    }
}

impl RepeatRow for Item<'_> {
    #[inline]
    fn created_at(&self) -> i64 {
        self.row.created_at
    }
    #[inline]
    fn as_of(&self) -> i64 {
        self.row.as_of
    }
    #[inline]
    fn ticket(&self) -> TicketId {
        self.row.ticket
    }
    #[inline]
    fn channel(&self) -> Channel {
        self.row.channel
    }
    #[inline]
    fn proactive(&self) -> bool {
        self.row.flags & PROACTIVE != 0
    }
    #[inline]
    fn one_touch(&self) -> bool {
        self.row.flags & ONE_TOUCH != 0
    }
    #[inline]
    fn resolved_at(&self) -> Option<i64> {
        self.row.resolved_at.get()
    }
    #[inline]
    fn reopened(&self) -> bool {
        self.row.flags & REOPENED != 0
    }
    #[inline]
    fn what(&self) -> Tags<'_> {
        Tags::new(self.row.what, self.more_tags().map_or(&[], |e| e.1))
    }
    #[inline]
    fn why(&self) -> Tags<'_> {
        Tags::new(self.row.why, self.more_tags().map_or(&[], |e| e.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experience::record::Record;
    use crate::model::Status;

    #[test]
    fn a_row_is_small() {
        assert!(
            std::mem::size_of::<Row>() <= 88,
            "{}",
            std::mem::size_of::<Row>()
        );
    }

    #[test]
    fn buckets_spread_small_ids() {
        let used: std::collections::BTreeSet<usize> = (0..4 * BUCKETS as u128)
            .map(|n| bucket_of(CustomerId::from_u128(n)))
            .collect();
        assert!(used.len() > BUCKETS * 9 / 10, "{}", used.len());
        assert!(used.iter().all(|&b| b < BUCKETS));
    }

    /// A row with only a customer, an opening instant and a ticket.
    fn plain_row(customer: CustomerId, created_at: i64, ticket: u128) -> Row {
        Row {
            customer,
            ticket: TicketId::from_u128(ticket),
            created_at,
            as_of: 0,
            last_event_at: 0,
            resolved_at: When::NONE,
            what: 0,
            why: 0,
            tail: NO_TAIL,
            channel: Channel::Email,
            flags: 0,
        }
    }

    /// Gathering a bucket's items from its parts groups each customer's
    /// items in `key_cmp` order, as a comparison sort does: over customers
    /// whose hash bits after the bucket's are equal, duplicate keys, runs
    /// of any length, and one to three parts.
    #[test]
    fn gathering_items_groups_customers_as_a_comparison_sort() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        // Customers whose 16 slot bits collide (so they collide at every
        // width), found by search, and others.
        let mut seen = std::collections::HashMap::new();
        let mut pool = Vec::new();
        for n in 0..100_000u128 {
            let d = slot_of(split(n), 16);
            if let Some(&m) = seen.get(&d) {
                pool.push(CustomerId::from_u128(m));
                pool.push(CustomerId::from_u128(n));
                if pool.len() >= 8 {
                    break;
                }
            } else {
                seen.insert(d, n);
            }
        }
        pool.extend((1..=24u128).map(|n| CustomerId::from_u128(n << 70 | n)));
        let pool_len = pool.len();
        let mut runner = TestRunner::new(Config::with_cases(96));
        let result = runner.run(
            &(
                prop::collection::vec((0..pool_len, 0i64..5, 0u128..4, 0usize..3), 0..400),
                1usize..=3,
            ),
            |(spec, parts)| {
                let mut buckets = vec![Bucket::default(); parts];
                for &(c, at, t, part) in &spec {
                    buckets[part % parts].rows.push(plain_row(pool[c], at, t));
                }
                let of_k: Vec<&Bucket> = buckets.iter().collect();
                let mut want: Vec<Item<'_>> = buckets.iter().flat_map(Bucket::items).collect();
                want.sort_unstable_by(Item::key_cmp);
                let mut got = Vec::new();
                gather_items(&of_k, &mut got, &mut vec![7; 3]);
                prop_assert_eq!(got.len(), spec.len());
                // Each customer's items, in order, as the comparison sort
                // has them; every customer in one run.
                let key = |i: &Item<'_>| (i.customer, i.created_at, i.row.ticket);
                let mut runs = std::collections::BTreeMap::new();
                for run in got.chunk_by(Item::same_customer) {
                    let keys: Vec<_> = run.iter().map(key).collect();
                    prop_assert!(runs.insert(run[0].customer, keys).is_none());
                }
                let mut want_runs = std::collections::BTreeMap::new();
                for run in want.chunk_by(Item::same_customer) {
                    want_runs.insert(run[0].customer, run.iter().map(key).collect::<Vec<_>>());
                }
                prop_assert_eq!(runs, want_runs);
                Ok(())
            },
        );
        assert!(result.is_ok(), "{result:?}");
        assert!(pool_len >= 30, "{pool_len}");
    }

    #[test]
    fn slots_grow_with_the_items() {
        assert_eq!(slot_bits(0), 8);
        assert_eq!(slot_bits(300), 9);
        assert_eq!(slot_bits(7_800), 13);
        assert_eq!(slot_bits(8_192), 13);
        assert_eq!(slot_bits(8_193), 14);
        assert_eq!(slot_bits(10_000_000), 16);
        // Every slot of a width is reachable (the bits are the hash's top
        // ones after the bucket's).
        for bits in [8, 13, 16] {
            assert!((0..1u128 << 20).any(|n| slot_of(split(n), bits) == (1 << bits) - 1));
            assert!((0..1u128 << 20).all(|n| slot_of(split(n), bits) < 1 << bits));
        }
    }

    /// Two facts of one ticket rank as the ledger's records of them do,
    /// including those equal but for a figure the report does not read.
    #[test]
    fn rows_rank_as_records() {
        let tag = |s: &str| Tag::new(s).unwrap_or_else(|e| unreachable!("{e}"));
        let mut index = FxMap::default();
        index.insert(tag("late"), (70, TagKind::What));
        index.insert(tag("carrier"), (2, TagKind::Why));
        index.insert(tag("slow"), (80, TagKind::Why));
        index.insert(tag("lost"), (65, TagKind::What));
        let base = TicketFacts::new(
            TicketId::from_u128(7),
            CustomerId::from_u128(9),
            Channel::Email,
            100,
        );
        let mut variants = vec![base.clone()];
        let mut v = base.clone();
        v.sla_breached_at = Some(150);
        variants.push(v);
        let mut v = base.clone();
        v.channel_switch = Some((120, Channel::Phone));
        variants.push(v);
        let mut v = base.clone();
        v.follow_up_of = Some(TicketId::from_u128(3));
        variants.push(v);
        let mut v = base.clone();
        v.ces = crate::ticket::Ces::new(6).ok();
        variants.push(v);
        let mut v = base.clone();
        v.csat = Some(crate::metrics::CsatFact::new(
            crate::ticket::Csat::new(2).unwrap_or_else(|e| unreachable!("{e}")),
            130,
        ));
        variants.push(v);
        let mut v = base.clone();
        v.tags = vec![tag("late")];
        variants.push(v);
        let mut v = base.clone();
        v.tags = vec![tag("carrier")];
        variants.push(v);
        let mut v = base.clone();
        v.statuses = vec![
            (100, Status::Open),
            (200, Status::Solved),
            (300, Status::Open),
        ];
        variants.push(v);
        // Reopens and tags from 64 up together, in the same bucket as the
        // extras above (their parts start further in the pools).
        let mut v = base.clone();
        v.tags = vec![tag("slow"), tag("late"), tag("carrier"), tag("lost")];
        v.statuses = vec![
            (100, Status::Open),
            (200, Status::Solved),
            (310, Status::Open),
            (400, Status::Solved),
            (510, Status::Pending),
        ];
        variants.push(v.clone());
        v.statuses.truncate(3);
        variants.push(v.clone());
        v.tags.retain(|t| t.as_str() != "lost");
        v.statuses[2].0 = 305;
        variants.push(v);
        let mut v = base.clone();
        v.resolved_at = Some(200);
        variants.push(v);
        let mut v = base;
        v.as_of += 1;
        variants.push(v);
        let mut bucket = Bucket::default();
        let mut cache = TagCache::default();
        for f in &variants {
            assert!(bucket.push(f, &index, &mut cache));
        }
        let items: Vec<Item<'_>> = bucket.items().collect();
        let records: Vec<Record> = variants.iter().map(|f| Record::of(f, &index)).collect();
        for (a, ra) in items.iter().zip(&records) {
            for (b, rb) in items.iter().zip(&records) {
                assert_eq!(a.rank_cmp(b), ra.cmp(rb));
            }
            assert_eq!(a.reopened(), !ra.reopens().is_empty());
            assert_eq!(
                a.what().iter().collect::<Vec<_>>(),
                ra.what().iter().collect::<Vec<_>>()
            );
            assert_eq!(
                a.why().iter().collect::<Vec<_>>(),
                ra.why().iter().collect::<Vec<_>>()
            );
        }
        // The facts with a figure beyond the row's have a tail, the others
        // (plain, a why-tag below 64, resolved, later) none; the reopens
        // and the tags from 64 up are in the pools, one extra each.
        assert_eq!(bucket.tails.len(), 10);
        assert_eq!(bucket.extras.len(), 5);
        assert_eq!(bucket.reopens, [300, 310, 510, 310, 305]);
        assert_eq!(bucket.numbers, [70, 65, 70, 80, 65, 70, 80, 70, 80]);
    }
}
