//! The compact per-ticket record the ledger and the repeat-contact report
//! read: a few dozen bytes instead of the whole facts, tags interned to
//! small numbers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{CustomerId, TicketId};
use crate::metrics::TicketFacts;
use crate::model::{Status, Tag, TagKind};

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

    pub(crate) fn is_empty(&self) -> bool {
        self.bits == 0 && self.more.is_empty()
    }

    pub(crate) fn intersects(&self, other: &TagBits) -> bool {
        self.bits & other.bits != 0
            || (!self.more.is_empty()
                && !other.more.is_empty()
                && self
                    .more
                    .iter()
                    .any(|x| other.more.binary_search(x).is_ok()))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let bits = self.bits;
        (0..64u32)
            .filter(move |i| bits & (1u64 << i) != 0)
            .chain(self.more.iter().copied())
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

/// One ticket as the ledger keeps it. Field order matters: the derived
/// order ranks two records of one ticket (the later `as_of` wins, then the
/// later last event, then a fixed order), so merges never depend on order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Record {
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
    /// The customer (not serialised: the ledger's wire form groups the
    /// records by customer). Last, so it never decides the rank of two
    /// records of one ticket.
    #[serde(skip, default = "nobody")]
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
        let mut what = TagBits::default();
        let mut why = TagBits::default();
        for t in &f.tags {
            match index.get(t) {
                Some((id, TagKind::What)) => what.insert(*id),
                Some((id, TagKind::Why)) => why.insert(*id),
                None => {}
            }
        }
        let mut reopens = Vec::new();
        let mut previous = Status::New;
        for &(at, s) in &f.statuses {
            if previous == Status::Solved && s.is_unsolved() {
                reopens.push(at);
            }
            previous = s;
        }
        Record {
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
            customer: f.customer,
        }
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
    fn tag_bits_small_and_large() {
        let mut a = TagBits::default();
        a.insert(3);
        a.insert(70);
        a.insert(70);
        let mut b = TagBits::default();
        b.insert(70);
        assert!(a.intersects(&b));
        let mut c = TagBits::default();
        c.insert(4);
        assert!(!a.intersects(&c));
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![3, 70]);
        let mut d = TagBits {
            bits: 0,
            more: vec![90, 5, 90],
        };
        d.normalise();
        assert_eq!(d.iter().collect::<Vec<_>>(), vec![5, 90]);
        assert!(TagBits::default().is_empty());
    }
}
