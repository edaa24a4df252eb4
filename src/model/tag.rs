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

#[cfg(test)]
mod tests {
    use super::*;

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
}
