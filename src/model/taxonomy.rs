//! Taxonomy values: tag kinds, polarity, group cardinality, and the
//! [`Violation`] a tagging or solving command is refused with. The taxonomy
//! itself is in [`taxonomy`](crate::taxonomy).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::tag::Tag;

/// What a tag says about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagKind {
    /// A symptom or contact reason: what happened (`shipping/late`).
    What,
    /// A cause: why it happened (`cause/carrier-delay`).
    Why,
}

impl fmt::Display for TagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TagKind::What => "what",
            TagKind::Why => "why",
        })
    }
}

/// How to read a rise in a tag's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// More of it is good news (`feedback/praise`, `sales/upgrade`).
    Good,
    /// More of it is bad news (`payment/error`, `shipping/late`).
    Bad,
    /// Neither: a rise is worth a look but is not good or bad by itself.
    Neutral,
}

impl fmt::Display for Polarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Polarity::Good => "good",
            Polarity::Bad => "bad",
            Polarity::Neutral => "neutral",
        })
    }
}

/// How many tags of a group a ticket may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cardinality {
    /// At most one while the ticket is worked, exactly one to solve it.
    ExactlyOne,
    /// At most one, always.
    AtMostOne,
    /// Any number.
    Any,
}

impl fmt::Display for Cardinality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cardinality::ExactlyOne => "exactly one",
            Cardinality::AtMostOne => "at most one",
            Cardinality::Any => "any number",
        })
    }
}

/// How a set of tags breaks a taxonomy. Carried by
/// [`DomainError::Taxonomy`](crate::ticket::DomainError::Taxonomy); found
/// by a [`TagRules`](crate::ticket::TagRules) implementation such as
/// [`Taxonomy`](crate::taxonomy::Taxonomy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "violation", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Violation {
    /// The tag is not defined by the taxonomy.
    #[error("tag {tag} is not in the taxonomy")]
    UnknownTag {
        /// The tag.
        tag: Tag,
    },
    /// More tags of a group than its cardinality allows.
    #[error("group {group:?} allows {cardinality} tag but the ticket would carry {}", join(.tags))]
    TooManyInGroup {
        /// The group.
        group: String,
        /// Its cardinality.
        cardinality: Cardinality,
        /// The tags of the group the ticket would carry.
        tags: Vec<Tag>,
    },
    /// A group needs a tag before the ticket can be solved (an
    /// exactly-one group, or a group a requirement names).
    #[error("group {group:?} needs a tag before the ticket can be solved")]
    MissingFromGroup {
        /// The group.
        group: String,
    },
    /// Too few tags of a kind to solve.
    #[error("solving needs at least {min} {kind}-tag(s), the ticket has {found}")]
    MissingKind {
        /// The kind.
        kind: TagKind,
        /// How many are needed.
        min: u32,
        /// How many the ticket has.
        found: u32,
    },
    /// A what-tag has no why-tag on the ticket that explains it.
    #[error("tag {tag} has no cause on the ticket that explains it")]
    Unexplained {
        /// The what-tag.
        tag: Tag,
    },
}

fn join(tags: &[Tag]) -> String {
    let v: Vec<&str> = tags.iter().map(Tag::as_str).collect();
    v.join(", ")
}
