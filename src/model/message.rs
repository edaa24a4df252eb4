//! Messages, their authors and visibility; satisfaction and effort
//! ratings.

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
