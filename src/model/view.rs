//! What a customer may see of a ticket.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{CustomerId, MessageId, TicketId};
use crate::model::status::Status;

/// The status as the customer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    /// We are working on it (new, open or on hold).
    Open,
    /// We are waiting for the customer's answer (pending).
    AwaitingYourReply,
    /// Solved; replying reopens it.
    Solved,
    /// Closed; replying starts a new request.
    Closed,
}

impl From<Status> for CustomerStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::New | Status::Open | Status::OnHold => CustomerStatus::Open,
            Status::Pending => CustomerStatus::AwaitingYourReply,
            Status::Solved => CustomerStatus::Solved,
            Status::Closed => CustomerStatus::Closed,
        }
    }
}

/// Who wrote a message, as the customer sees it: no agent ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicAuthor {
    /// The customer themselves.
    You,
    /// A member of the support team.
    Support,
    /// An automated reply.
    Automated,
}

/// A public message as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicMessage {
    /// The message id (public messages only; internal notes never appear).
    pub id: MessageId,
    /// Who wrote it.
    pub from: PublicAuthor,
    /// Where.
    pub channel: Channel,
    /// The text.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A customer-facing view of a ticket. It is built only from the ticket's
/// public messages written by the requester, agents and bots, so it can
/// never contain an internal note, an agent id, or another customer's words
/// (public messages of another requester merged in are made internal by
/// [`merge`](crate::ticket::merge)). Customer notifications are built only
/// from this view. It is built by
/// [`CustomerTicketView::of`] (in the `ticket` module, beside the ticket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTicketView {
    /// The ticket.
    pub ticket: TicketId,
    /// The requester this view is for.
    pub customer: CustomerId,
    /// Subject line.
    pub subject: String,
    /// Status in customer terms.
    pub status: CustomerStatus,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// The public conversation, in time order.
    pub messages: Vec<PublicMessage>,
}

impl CustomerTicketView {
    /// A message of the view by id.
    pub fn message(&self, id: MessageId) -> Option<&PublicMessage> {
        self.messages.iter().find(|m| m.id == id)
    }
}
