//! Tags: normalised, hierarchical labels on tickets.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A tag's text is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tag {value:?}: {reason}")]
pub struct TagError {
    /// The text given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A tag, normalised: trimmed, lower-cased, made of letters (any script),
/// digits and `-`, `_`, `.`, `:`, with `/` separating levels of a hierarchy
/// (`shipping/late`, `cause/carrier-delay`). At most 128 characters.
///
/// ```
/// use supportdesk::Tag;
/// assert_eq!(Tag::new(" Shipping/Late ")?.as_str(), "shipping/late");
/// assert_eq!(Tag::new("物流/延迟")?.as_str(), "物流/延迟");
/// assert!(Tag::new("two words").is_err());
/// assert!(Tag::new("shipping//late").is_err());
/// # Ok::<(), supportdesk::ticket::TagError>(())
/// ```
///
/// The text is shared: cloning a tag (tickets, metrics and auto-tagging
/// results copy tags a lot) does not copy it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(Arc<str>);

impl Tag {
    /// Whether the two share one text (one is a clone of the other): a
    /// pointer comparison, `true` only for equal tags, `false` tells
    /// nothing.
    #[inline]
    pub(crate) fn shares_text(&self, other: &Tag) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// One of 64 slots, from the address of the text (not the text):
    /// [`TagMemo`]'s and [`LocalTags`]' direct-mapped tables.
    #[inline]
    fn address_slot(&self) -> usize {
        let address = Arc::as_ptr(&self.0).cast::<u8>() as usize as u64;
        ((address >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize
    }

    /// Validates and normalises a tag.
    ///
    /// # Errors
    /// [`TagError`] naming the text when it is empty, too long, has spaces or
    /// other characters outside the allowed set, or an empty level.
    pub fn new(text: &str) -> Result<Tag, TagError> {
        let err = |reason| TagError {
            value: text.to_owned(),
            reason,
        };
        let t = text.trim().to_lowercase();
        if t.is_empty() {
            return Err(err("it is empty"));
        }
        if t.chars().count() > 128 {
            return Err(err("it is longer than 128 characters"));
        }
        if !t
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:/".contains(c))
        {
            return Err(err(
                "only letters, digits, '-', '_', '.', ':' and '/' are allowed",
            ));
        }
        if t.split('/').any(str::is_empty) {
            return Err(err("a level between '/' is empty"));
        }
        Ok(Tag(t.into()))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The levels of the hierarchy: `shipping/late` has `["shipping", "late"]`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// Whether `self` is `ancestor` or below it (`shipping/late` is under
    /// `shipping`).
    pub fn is_under(&self, ancestor: &Tag) -> bool {
        self.0 == ancestor.0
            || (self.0.starts_with(&*ancestor.0) && self.0[ancestor.0.len()..].starts_with('/'))
    }
}

impl TryFrom<String> for Tag {
    type Error = TagError;
    fn try_from(s: String) -> Result<Self, TagError> {
        Tag::new(&s)
    }
}

impl From<Tag> for String {
    fn from(t: Tag) -> String {
        t.0.as_ref().to_owned()
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({:?})", self.0)
    }
}

/// This thread's own copies of the tags it meets, for code that clones
/// tags out of shared events in a hot loop on several threads at once
/// (the metrics' facts): cloning a tag counts a reference on its shared
/// text, and threads counting on the same text take turns at one cache
/// line. A copy made here is counted only by the thread that owns the
/// cache.
///
/// Two small direct-mapped tables: 64 copies, each slot filled once by
/// the first text that hashes to it (a tag whose slot holds another text
/// is cloned as usual, so the cache never makes more than 64 copies); and
/// 64 recent source tags, kept (so their address names them) with the
/// slot of their copy, so that a tag met again is found by its address
/// without reading its text.
#[derive(Debug, Default, Clone)]
pub(crate) struct LocalTags {
    copies: Vec<Option<Tag>>,
    sources: Vec<Option<(Tag, usize)>>,
}

impl LocalTags {
    const SLOTS: usize = 64;

    /// A tag equal to `t`: this cache's copy when it has (or can make) one.
    #[inline]
    pub(crate) fn local(&mut self, t: &Tag) -> Tag {
        let at = t.address_slot();
        if let Some(Some((source, slot))) = self.sources.get(at) {
            if source.shares_text(t) {
                if let Some(Some(copy)) = self.copies.get(*slot) {
                    return copy.clone();
                }
            }
        }
        self.by_text(t, at)
    }

    /// [`local`](Self::local) when the address is not known: by the text's
    /// slot; `at`, the address's slot, remembers it.
    #[cold]
    fn by_text(&mut self, t: &Tag, at: usize) -> Tag {
        if self.copies.is_empty() {
            self.copies = vec![None; Self::SLOTS];
            self.sources = vec![None; Self::SLOTS];
        }
        let text = t.as_str();
        let slot = (text_hash(text) >> 58) as usize;
        let copy = match self.copies.get_mut(slot) {
            Some(Some(copy)) if copy.as_str() == text => copy.clone(),
            Some(empty @ None) => {
                let copy = Tag(Arc::from(text));
                *empty = Some(copy.clone());
                copy
            }
            _ => return t.clone(),
        };
        if let Some(source) = self.sources.get_mut(at) {
            *source = Some((t.clone(), slot));
        }
        copy
    }
}

/// A small memo of a value per tag, found by the tag's address: a stream
/// of facts names the same few tags, cloned from one another, so a tag met
/// again is found by a pointer comparison, without reading or hashing its
/// text. Direct-mapped, 64 slots; each keeps its tag alive, so no other
/// tag can be given the address while it is remembered. A tag equal to a
/// remembered one but not sharing its text is simply not found: the
/// caller looks it up as usual and may remember it too.
#[derive(Debug, Clone)]
pub(crate) struct TagMemo<V> {
    slots: Vec<Option<(Tag, V)>>,
}

impl<V> Default for TagMemo<V> {
    fn default() -> Self {
        TagMemo { slots: Vec::new() }
    }
}

impl<V: Copy> TagMemo<V> {
    const SLOTS: usize = 64;

    /// The value remembered for `t`'s text, if `t` shares it.
    #[inline]
    pub(crate) fn get(&self, t: &Tag) -> Option<V> {
        match self.slots.get(t.address_slot()) {
            Some(Some((known, v))) if known.shares_text(t) => Some(*v),
            _ => None,
        }
    }

    /// Remembers `v` for `t` (in place of the slot's tag).
    pub(crate) fn insert(&mut self, t: &Tag, v: V) {
        if self.slots.is_empty() {
            self.slots.resize_with(Self::SLOTS, || None);
        }
        if let Some(slot) = self.slots.get_mut(t.address_slot()) {
            *slot = Some((t.clone(), v));
        }
    }

    /// Forgets every value.
    pub(crate) fn clear(&mut self) {
        self.slots.clear();
    }
}

/// A quick hash of a tag's text (eight bytes at a time), for
/// [`LocalTags`]' slots.
#[inline]
fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let bytes = text.as_bytes();
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    let rest = chunks.remainder();
    if let Some(dst) = w.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A memo finds a tag by its shared text only: a clone is found, an
    /// equal tag made apart is not, and a cleared memo finds nothing.
    #[test]
    fn memo_finds_shared_texts_only() {
        let late = Tag::new("shipping/late").unwrap();
        let mut memo = TagMemo::default();
        assert_eq!(memo.get(&late), None);
        memo.insert(&late, 7u32);
        assert_eq!(memo.get(&late.clone()), Some(7));
        let apart = Tag::new("shipping/late").unwrap();
        assert_eq!(apart, late);
        assert_eq!(memo.get(&apart), None);
        memo.insert(&apart, 8);
        assert_eq!(memo.get(&apart), Some(8));
        // Many tags: each found with its own value, or not at all (a slot
        // taken by another), never with another's value.
        let tags: Vec<Tag> = (0..200)
            .map(|i| Tag::new(&format!("t{i}")).unwrap())
            .collect();
        for (i, t) in tags.iter().enumerate() {
            memo.insert(t, i as u32 + 100);
        }
        let mut found = 0;
        for (i, t) in tags.iter().enumerate() {
            if let Some(v) = memo.get(t) {
                assert_eq!(v, i as u32 + 100);
                found += 1;
            }
        }
        assert!(found > 0 && found <= 64, "{found}");
        memo.clear();
        assert!(tags.iter().all(|t| memo.get(t).is_none()));
    }

    #[test]
    fn tag_hierarchy() {
        let late = Tag::new("shipping/late").unwrap();
        assert!(late.is_under(&Tag::new("shipping").unwrap()));
        assert!(
            !Tag::new("shippingx")
                .unwrap()
                .is_under(&Tag::new("shipping").unwrap())
        );
        assert_eq!(late.segments().collect::<Vec<_>>(), ["shipping", "late"]);
    }

    #[test]
    fn local_copies_are_equal_and_not_shared() {
        let mut cache = LocalTags::default();
        let a = Tag::new("cause/carrier-delay").unwrap_or_else(|e| panic!("{e}"));
        let b = Tag::new("order/where").unwrap_or_else(|e| panic!("{e}"));
        let x = cache.local(&a);
        assert_eq!(x, a);
        assert!(!Arc::ptr_eq(&x.0, &a.0), "a copy of the cache's own");
        let y = cache.local(&a.clone());
        assert!(Arc::ptr_eq(&x.0, &y.0), "the same copy the second time");
        // Another tag of the same text (its own allocation): found by its
        // text, then by its address.
        let a2 = Tag::new("cause/carrier-delay").unwrap_or_else(|e| panic!("{e}"));
        assert!(!Arc::ptr_eq(&a.0, &a2.0));
        for _ in 0..2 {
            assert!(Arc::ptr_eq(&x.0, &cache.local(&a2).0));
        }
        assert_eq!(cache.local(&b), b);
        // Every slot taken: later texts are cloned as they are.
        let many: Vec<Tag> = (0..500)
            .map(|i| Tag::new(&format!("t/{i}")).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        for t in &many {
            assert_eq!(&cache.local(t), t);
        }
        let copies = cache.copies.iter().filter(|s| s.is_some()).count();
        assert!(copies <= LocalTags::SLOTS);
        assert_eq!(cache.local(&a), a);
    }
}
