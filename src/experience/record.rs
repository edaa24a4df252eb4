//! The compact per-ticket record the ledger and the repeat-contact report
//! read: a few dozen bytes instead of the whole facts, tags interned to
//! small numbers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{CustomerId, TicketId};
use crate::metrics::TicketFacts;
use crate::model::{Status, Tag, TagKind, TagMemo};

/// A fast, deterministic hasher for the ledger's maps (ids and tags are not
/// attacker-chosen keys there: they come from the host's own facts): the
/// multiply-rotate of FxHash, finished with murmur3's avalanche so that
/// ids differing only in their high bytes (`from_u128(n)`) still spread
/// over the low bits the table indexes by.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A set of interned tag numbers: a bit per tag below 64 (no allocation for
/// the usual taxonomy), a sorted list above.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct TagBits {
    #[serde(default)]
    pub(crate) bits: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) more: Vec<u32>,
}

impl TagBits {
    pub(crate) fn insert(&mut self, id: u32) {
        if id < 64 {
            self.bits |= 1 << id;
        } else if let Err(i) = self.more.binary_search(&id) {
            self.more.insert(i, id);
        }
    }

    /// Puts `more` back in order after deserialisation.
    pub(crate) fn normalise(&mut self) {
        self.more.sort_unstable();
        self.more.dedup();
        // Numbers below 64 belong in the bits.
        let small: Vec<u32> = self.more.iter().copied().filter(|&i| i < 64).collect();
        self.more.retain(|&i| i >= 64);
        for i in small {
            self.bits |= 1 << i;
        }
    }
}

/// How many tags a [`TagCache`] remembers.
const TAG_CACHE: usize = 32;

/// The numbers of the tags seen last, in front of the taxonomy's index: a
/// stream of facts names the same few tags over and over. A tag is found
/// by its address first ([`TagMemo`]: one pointer comparison, the tags of
/// one deriver's facts share their text), then in a slot of its own text
/// (a short memory comparison, for equal tags that do not share a text),
/// where the index hashes its whole text.
#[derive(Debug, Clone, Default)]
pub(crate) struct TagCache {
    by_address: TagMemo<Found>,
    slots: Vec<Option<(Tag, Found)>>,
}

/// A tag's number and kind in the taxonomy's index, if it has one.
type Found = Option<(u32, TagKind)>;

impl TagCache {
    /// The number and kind of `tag` in `index` (none when the taxonomy
    /// does not define it).
    #[inline]
    pub(crate) fn get(
        &mut self,
        tag: &Tag,
        index: &FxMap<Tag, (u32, TagKind)>,
    ) -> Option<(u32, TagKind)> {
        match self.by_address.get(tag) {
            Some(found) => found,
            None => self.by_text(tag, index),
        }
    }

    /// [`get`](Self::get) for a tag whose address is not remembered.
    #[cold]
    fn by_text(&mut self, tag: &Tag, index: &FxMap<Tag, (u32, TagKind)>) -> Found {
        let text = tag.as_str().as_bytes();
        // The slot: the length and the last two bytes (tags of one
        // taxonomy differ there more than at their start).
        let last = text.last().copied().unwrap_or(0);
        let before = text
            .len()
            .checked_sub(2)
            .and_then(|i| text.get(i))
            .copied()
            .unwrap_or(0);
        let slot =
            (text.len().wrapping_mul(7) ^ usize::from(last).wrapping_mul(3) ^ usize::from(before))
                % TAG_CACHE;
        if self.slots.is_empty() {
            self.slots = vec![None; TAG_CACHE];
        }
        let found = match self.slots.get_mut(slot) {
            Some(Some((known, found))) if known == tag => *found,
            Some(entry) => {
                let found = index.get(tag).copied();
                *entry = Some((tag.clone(), found));
                found
            }
            None => index.get(tag).copied(),
        };
        self.by_address.insert(tag, found);
        found
    }
}

/// An optional instant in eight bytes: `i64::MIN` (before any instant
/// chrono can represent) stands for none, and orders first as `None` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct When(pub(crate) i64);

impl When {
    pub(crate) const NONE: When = When(i64::MIN);

    pub(crate) fn of(at: Option<i64>) -> When {
        at.map_or(When::NONE, When)
    }

    pub(crate) fn get(self) -> Option<i64> {
        (self != When::NONE).then_some(self.0)
    }
}

/// A set of interned tag numbers as a record keeps it: the bits below 64,
/// and the rest (rare) in the record's [`Extra`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tags<'a> {
    bits: u64,
    more: &'a [u32],
}

impl<'a> Tags<'a> {
    /// The tags of `bits` (numbers below 64) and `more` (sorted, 64 up).
    pub(crate) fn new(bits: u64, more: &'a [u32]) -> Tags<'a> {
        Tags { bits, more }
    }
}

impl Tags<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.bits == 0 && self.more.is_empty()
    }

    pub(crate) fn intersects(&self, other: &Tags<'_>) -> bool {
        self.bits & other.bits != 0
            || (!self.more.is_empty()
                && !other.more.is_empty()
                && self
                    .more
                    .iter()
                    .any(|x| other.more.binary_search(x).is_ok()))
    }

    /// The numbers in increasing order (a step per tag, not per bit).
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut bits = self.bits;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let i = bits.trailing_zeros();
            // Clears the lowest set bit.
            bits &= bits - 1;
            Some(i)
        })
        .chain(self.more.iter().copied())
    }
}

/// The rare, variable-length parts of a record, behind one box so that the
/// usual record (no reopen, no tag numbered 64 or more) allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Extra {
    /// Instants of every change from solved back to unsolved, in order.
    pub(crate) reopens: Vec<i64>,
    /// What-tag numbers from 64 up, sorted.
    pub(crate) what: Vec<u32>,
    /// Why-tag numbers from 64 up, sorted.
    pub(crate) why: Vec<u32>,
}

impl Extra {
    /// The extra of a record with these reopens and tags: none when there
    /// are no reopens and no tag numbered 64 or more.
    pub(crate) fn of(reopens: Vec<i64>, what: Vec<u32>, why: Vec<u32>) -> Option<Box<Extra>> {
        (!reopens.is_empty() || !what.is_empty() || !why.is_empty())
            .then(|| Box::new(Extra { reopens, what, why }))
    }
}

/// The what- and why-tags of `f` looked up in `index` (tags the taxonomy
/// does not define are neither), and the instants of every change from
/// solved back to unsolved: the parts of a record that take a pass over
/// the facts' lists.
pub(crate) fn tags_and_reopens(
    f: &TicketFacts,
    index: &FxMap<Tag, (u32, TagKind)>,
) -> (TagBits, TagBits, Vec<i64>) {
    tags_and_reopens_by(f, |t| index.get(t).copied())
}

/// As [`tags_and_reopens`], each tag's number and kind given by `lookup`.
#[inline]
pub(crate) fn tags_and_reopens_by(
    f: &TicketFacts,
    mut lookup: impl FnMut(&Tag) -> Option<(u32, TagKind)>,
) -> (TagBits, TagBits, Vec<i64>) {
    let mut what = TagBits::default();
    let mut why = TagBits::default();
    for t in &f.tags {
        match lookup(t) {
            Some((id, TagKind::What)) => what.insert(id),
            Some((id, TagKind::Why)) => why.insert(id),
            None => {}
        }
    }
    (what, why, reopens_of(&f.statuses))
}

/// The instants statuses (in order, from new) go from solved back to
/// unsolved, as they come (nothing allocated: `.next().is_some()` asks
/// whether there is one).
pub(crate) fn reopen_instants(statuses: &[(i64, Status)]) -> impl Iterator<Item = i64> + '_ {
    let previous = std::iter::once(Status::New).chain(statuses.iter().map(|&(_, s)| s));
    previous
        .zip(statuses)
        .filter(|&(p, &(_, s))| p == Status::Solved && s.is_unsolved())
        .map(|(_, &(at, _))| at)
}

/// [`reopen_instants`], listed.
pub(crate) fn reopens_of(statuses: &[(i64, Status)]) -> Vec<i64> {
    reopen_instants(statuses).collect()
}

/// One ticket as the ledger keeps it: 136 bytes, with no allocation unless
/// the ticket was reopened or has a tag numbered 64 or more.
///
/// Field order matters: the derived order ranks two records of one ticket
/// (the later `as_of` wins, then the later last event, then a fixed order
/// of the contents), so merges never depend on order. The serialised form
/// is [`RecordWire`]'s (the ledger's wire form since it was introduced).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "RecordWire", from = "RecordWire")]
pub(crate) struct Record {
    pub(crate) as_of: i64,
    pub(crate) last_event_at: i64,
    pub(crate) created_at: i64,
    pub(crate) ticket: TicketId,
    pub(crate) channel: Channel,
    pub(crate) proactive: bool,
    resolved_at: When,
    pub(crate) one_touch: bool,
    sla_breached_at: When,
    csat_at: When,
    csat_score: u8,
    ces: Option<u8>,
    follow_up_of: Option<TicketId>,
    switch_at: When,
    switch_to: Channel,
    what: u64,
    why: u64,
    extra: Option<Box<Extra>>,
    /// The customer (not serialised: the ledger's wire form groups the
    /// records by customer). Last, so it never decides the rank of two
    /// records of one ticket.
    pub(crate) customer: CustomerId,
}

/// The placeholder customer of a record being deserialised (the ledger
/// sets the real one).
fn nobody() -> CustomerId {
    CustomerId::from_u128(0)
}

impl Record {
    /// The order of the ledger's records: customer, opening instant, then ticket id
    /// (the order of one customer's contacts after the customer).
    /// The ids as numbers: the same order (a UUID's bytes are its number,
    /// big-endian), compared without a byte-by-byte loop.
    pub(crate) fn row_key(&self) -> (u128, i64, u128) {
        (
            self.customer.as_u128(),
            self.created_at,
            self.ticket.as_u128(),
        )
    }

    /// The record of `f`, its what- and why-tags looked up in `index`
    /// (tags the taxonomy does not define are neither).
    pub(crate) fn of(f: &TicketFacts, index: &FxMap<Tag, (u32, TagKind)>) -> Record {
        let (what, why, reopens) = tags_and_reopens(f, index);
        Record::assemble(
            RecordWire {
                as_of: f.as_of,
                last_event_at: f.last_event_at,
                created_at: f.created_at,
                ticket: f.ticket,
                channel: f.channel,
                proactive: f.proactive,
                resolved_at: f.resolved_at,
                one_touch: f.is_one_touch(),
                reopens,
                sla_breached_at: f.sla_breached_at,
                csat: f.csat.as_ref().map(|c| (c.score.score(), c.at)),
                ces: f.ces.map(|c| c.score()),
                follow_up_of: f.follow_up_of,
                channel_switch: f.channel_switch,
                what,
                why,
            },
            f.customer,
        )
    }

    /// The record of its wire form, for `customer`.
    pub(crate) fn assemble(w: RecordWire, customer: CustomerId) -> Record {
        let extra = Extra::of(w.reopens, w.what.more, w.why.more);
        let (csat_score, csat_at) = w.csat.map_or((0, When::NONE), |(s, at)| (s, When(at)));
        let (switch_at, switch_to) = w
            .channel_switch
            .map_or((When::NONE, w.channel), |(at, c)| (When(at), c));
        Record {
            as_of: w.as_of,
            last_event_at: w.last_event_at,
            created_at: w.created_at,
            ticket: w.ticket,
            channel: w.channel,
            proactive: w.proactive,
            resolved_at: When::of(w.resolved_at),
            one_touch: w.one_touch,
            sla_breached_at: When::of(w.sla_breached_at),
            csat_at,
            csat_score,
            ces: w.ces,
            follow_up_of: w.follow_up_of,
            switch_at,
            switch_to,
            what: w.what.bits,
            why: w.why.bits,
            extra,
            customer,
        }
    }

    pub(crate) fn resolved_at(&self) -> Option<i64> {
        self.resolved_at.get()
    }

    pub(crate) fn sla_breached_at(&self) -> Option<i64> {
        self.sla_breached_at.get()
    }

    /// `(score, at)`.
    pub(crate) fn csat(&self) -> Option<(u8, i64)> {
        self.csat_at.get().map(|at| (self.csat_score, at))
    }

    pub(crate) fn ces(&self) -> Option<u8> {
        self.ces
    }

    pub(crate) fn follow_up_of(&self) -> Option<TicketId> {
        self.follow_up_of
    }

    /// `(at, to)`: the first message on another channel.
    pub(crate) fn channel_switch(&self) -> Option<(i64, Channel)> {
        self.switch_at.get().map(|at| (at, self.switch_to))
    }

    /// Instants of every change from solved back to unsolved.
    pub(crate) fn reopens(&self) -> &[i64] {
        self.extra.as_deref().map_or(&[], |e| &e.reopens)
    }

    /// The what-tags' numbers.
    pub(crate) fn what(&self) -> Tags<'_> {
        Tags {
            bits: self.what,
            more: self.extra.as_deref().map_or(&[], |e| &e.what),
        }
    }

    /// The why-tags' numbers.
    pub(crate) fn why(&self) -> Tags<'_> {
        Tags {
            bits: self.why,
            more: self.extra.as_deref().map_or(&[], |e| &e.why),
        }
    }
}

/// A record's serialised form (the customer is not in it: the ledger's
/// wire form groups records by customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RecordWire {
    pub(crate) as_of: i64,
    pub(crate) last_event_at: i64,
    pub(crate) created_at: i64,
    pub(crate) ticket: TicketId,
    pub(crate) channel: Channel,
    #[serde(default)]
    pub(crate) proactive: bool,
    #[serde(default)]
    pub(crate) resolved_at: Option<i64>,
    #[serde(default)]
    pub(crate) one_touch: bool,
    /// Instants of every change from solved back to unsolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) reopens: Vec<i64>,
    #[serde(default)]
    pub(crate) sla_breached_at: Option<i64>,
    /// `(score, at)`.
    #[serde(default)]
    pub(crate) csat: Option<(u8, i64)>,
    #[serde(default)]
    pub(crate) ces: Option<u8>,
    #[serde(default)]
    pub(crate) follow_up_of: Option<TicketId>,
    #[serde(default)]
    pub(crate) channel_switch: Option<(i64, Channel)>,
    #[serde(default)]
    pub(crate) what: TagBits,
    #[serde(default)]
    pub(crate) why: TagBits,
}

impl From<Record> for RecordWire {
    fn from(r: Record) -> RecordWire {
        let resolved_at = r.resolved_at();
        let sla_breached_at = r.sla_breached_at();
        let csat = r.csat();
        let channel_switch = r.channel_switch();
        let extra = r.extra.map(|e| *e).unwrap_or_default();
        RecordWire {
            as_of: r.as_of,
            last_event_at: r.last_event_at,
            created_at: r.created_at,
            ticket: r.ticket,
            channel: r.channel,
            proactive: r.proactive,
            resolved_at,
            one_touch: r.one_touch,
            reopens: extra.reopens,
            sla_breached_at,
            csat,
            ces: r.ces,
            follow_up_of: r.follow_up_of,
            channel_switch,
            what: TagBits {
                bits: r.what,
                more: extra.what,
            },
            why: TagBits {
                bits: r.why,
                more: extra.why,
            },
        }
    }
}

/// A deserialised record, its tag numbers and reopens put in order; the
/// ledger sets its customer.
impl From<RecordWire> for Record {
    fn from(mut w: RecordWire) -> Record {
        w.what.normalise();
        w.why.normalise();
        w.reopens.sort_unstable();
        Record::assemble(w, nobody())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_of_small_ids_differ_in_their_low_bits() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let b = BuildHasherDefault::<FxHasher>::default();
        let low: std::collections::BTreeSet<u64> = (0..1024u128)
            .map(|n| b.hash_one(crate::id::CustomerId::from_u128(n)) & 0x3ff)
            .collect();
        // Spread over most of 1,024 buckets, not piled in a few.
        assert!(low.len() > 600, "{}", low.len());
    }

    #[test]
    fn tag_numbers_small_and_large() {
        let mut a = TagBits::default();
        a.insert(3);
        a.insert(70);
        a.insert(70);
        let mut b = TagBits::default();
        b.insert(70);
        let view = |t: &TagBits| Tags {
            bits: t.bits,
            more: &[],
        };
        let a_all = Tags {
            bits: a.bits,
            more: &a.more,
        };
        assert!(a_all.intersects(&Tags {
            bits: b.bits,
            more: &b.more
        }));
        let mut c = TagBits::default();
        c.insert(4);
        assert!(!a_all.intersects(&view(&c)));
        assert_eq!(a_all.iter().collect::<Vec<_>>(), vec![3, 70]);
        let mut d = TagBits {
            bits: 0,
            more: vec![90, 5, 90],
        };
        d.normalise();
        assert_eq!((d.bits, d.more.as_slice()), (1 << 5, &[90][..]));
        assert!(view(&TagBits::default()).is_empty());
    }

    #[test]
    fn a_record_is_small_and_its_wire_form_round_trips() {
        assert!(
            std::mem::size_of::<Record>() <= 136,
            "{}",
            std::mem::size_of::<Record>()
        );
        let mut f = TicketFacts::new(
            TicketId::from_u128(7),
            CustomerId::from_u128(9),
            Channel::Email,
            100,
        );
        f.resolved_at = Some(200);
        f.sla_breached_at = Some(150);
        f.channel_switch = Some((120, Channel::Phone));
        f.follow_up_of = Some(TicketId::from_u128(3));
        f.statuses = vec![
            (100, Status::Open),
            (200, Status::Solved),
            (300, Status::Open),
        ];
        let mut index = FxMap::default();
        let tag = |s: &str| Tag::new(s).unwrap_or_else(|e| unreachable!("{e}"));
        index.insert(tag("late"), (70, TagKind::What));
        index.insert(tag("carrier"), (2, TagKind::Why));
        f.tags = vec![tag("late"), tag("carrier"), tag("other")];
        let r = Record::of(&f, &index);
        assert_eq!(r.reopens(), &[300]);
        assert_eq!(r.what().iter().collect::<Vec<_>>(), vec![70]);
        assert_eq!(r.why().iter().collect::<Vec<_>>(), vec![2]);
        assert_eq!(r.channel_switch(), Some((120, Channel::Phone)));
        assert_eq!(
            (r.resolved_at(), r.sla_breached_at(), r.csat()),
            (Some(200), Some(150), None)
        );
        let wire = RecordWire::from(r.clone());
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(json, serde_json::to_string(&wire).unwrap_or_default());
        let mut back: Record = serde_json::from_str(&json).unwrap_or_else(|e| unreachable!("{e}"));
        back.customer = r.customer;
        assert_eq!(back, r);
        // A plain record allocates nothing.
        let plain = Record::of(
            &TicketFacts::new(
                TicketId::from_u128(1),
                CustomerId::from_u128(1),
                Channel::Email,
                0,
            ),
            &index,
        );
        assert!(plain.extra.is_none());
    }
}
