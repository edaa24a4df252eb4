//! Messages, their authors and visibility; tags; satisfaction and effort
//! ratings.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, MessageId};

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum Author {
    /// A customer.
    Customer(CustomerId),
    /// A human agent.
    Agent(AgentId),
    /// The desk itself (status notices, merge notes).
    System,
    /// A bot or automation rule, by name (auto-acknowledgements, chatbots).
    Bot(String),
}

/// The role of an [`Author`], without the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorRole {
    /// A customer.
    Customer,
    /// A human agent.
    Agent,
    /// The desk itself.
    System,
    /// A bot or automation.
    Bot,
}

impl Author {
    /// The role of the author.
    pub fn role(&self) -> AuthorRole {
        match self {
            Author::Customer(_) => AuthorRole::Customer,
            Author::Agent(_) => AuthorRole::Agent,
            Author::System => AuthorRole::System,
            Author::Bot(_) => AuthorRole::Bot,
        }
    }
}

/// Who can see a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// A public reply: the customer sees it.
    Public,
    /// An internal note: only agents see it. It never reaches a customer view
    /// or a customer notification.
    Internal,
}

/// A message on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The message id.
    pub id: MessageId,
    /// Who wrote it.
    pub author: Author,
    /// Public reply or internal note.
    pub visibility: Visibility,
    /// The channel it was written on.
    pub channel: Channel,
    /// The text.
    pub body: String,
    /// When it was written (for inbound messages: when the desk received it).
    pub at: DateTime<Utc>,
    /// The id the channel gave it (email Message-ID, chat message id), used to
    /// recognise redeliveries.
    pub external_id: Option<String>,
}

impl Message {
    /// A public message from a human agent: what SLA first-reply and
    /// next-reply clocks count by default.
    pub fn is_public_agent_reply(&self) -> bool {
        self.visibility == Visibility::Public && self.author.role() == AuthorRole::Agent
    }

    /// A message the customer wrote.
    pub fn is_from_customer(&self) -> bool {
        self.author.role() == AuthorRole::Customer
    }
}

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

/// A rating is outside its scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scale} score {value} is out of range {min}..={max}")]
pub struct RatingError {
    /// `"csat"` or `"ces"`.
    pub scale: &'static str,
    /// The score given.
    pub value: i64,
    /// The lowest allowed score.
    pub min: u8,
    /// The highest allowed score.
    pub max: u8,
}

/// A customer satisfaction (CSAT) score from 1 (very dissatisfied) to 5
/// (very satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Csat(u8);

impl Csat {
    /// Validates a score.
    ///
    /// # Errors
    /// [`RatingError`] when the score is not 1 to 5.
    pub fn new(score: i64) -> Result<Csat, RatingError> {
        match u8::try_from(score) {
            Ok(v @ 1..=5) => Ok(Csat(v)),
            _ => Err(RatingError {
                scale: "csat",
                value: score,
                min: 1,
                max: 5,
            }),
        }
    }

    /// The score, 1 to 5.
    pub fn score(self) -> u8 {
        self.0
    }

    /// 4 or 5: counted as satisfied in CSAT percentages.
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }
}

impl TryFrom<i64> for Csat {
    type Error = RatingError;
    fn try_from(v: i64) -> Result<Self, RatingError> {
        Csat::new(v)
    }
}

impl From<Csat> for u8 {
    fn from(c: Csat) -> u8 {
        c.0
    }
}

/// A customer effort score (CES) from 1 (very easy) to 7 (very hard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Ces(u8);

impl Ces {
    /// Validates a score.
    ///
    /// # Errors
    /// [`RatingError`] when the score is not 1 to 7.
    pub fn new(score: i64) -> Result<Ces, RatingError> {
        match u8::try_from(score) {
            Ok(v @ 1..=7) => Ok(Ces(v)),
            _ => Err(RatingError {
                scale: "ces",
                value: score,
                min: 1,
                max: 7,
            }),
        }
    }

    /// The score, 1 to 7.
    pub fn score(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Ces {
    type Error = RatingError;
    fn try_from(v: i64) -> Result<Self, RatingError> {
        Ces::new(v)
    }
}

impl From<Ces> for u8 {
    fn from(c: Ces) -> u8 {
        c.0
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

    #[test]
    fn ratings_reject_out_of_range_with_value() {
        assert_eq!(
            Csat::new(6).unwrap_err().to_string(),
            "csat score 6 is out of range 1..=5"
        );
        assert!(Ces::new(0).is_err());
        assert!(Ces::new(-300).is_err());
        assert_eq!(Ces::new(7).unwrap().score(), 7);
        assert!(serde_json::from_str::<Csat>("9").is_err());
        assert_eq!(serde_json::from_str::<Csat>("4").unwrap().score(), 4);
    }
}
