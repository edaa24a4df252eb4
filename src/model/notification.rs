//! Notifications: what the desk tells customers and agents.
//!
//! [`decide`](crate::ticket::decide) returns them next to the events; the
//! [`Desk`](crate::Desk) writes them to the store's outbox in the same
//! transaction as the ticket, then hands them to the host's
//! [`Notifier`](crate::port::Notifier). Customer notifications carry only a
//! [`CustomerTicketView`], so they cannot leak internal notes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, GroupId, MessageId, NotificationId, TenantId, TicketId};
use crate::model::{
    CustomerTicketView, Message, Priority, PublicMessage, SlaAlert, SpikeNotice, Status,
};

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// The requester, on a channel.
    Customer {
        /// The customer.
        customer: CustomerId,
        /// The channel to reach them on.
        channel: Channel,
    },
    /// One agent.
    Agent {
        /// The agent.
        agent: AgentId,
    },
    /// A group.
    Group {
        /// The group.
        group: GroupId,
    },
    /// The whole team of the tenant (nobody is assigned yet).
    Team,
}

impl Recipient {
    /// Whether this notification goes to a customer.
    pub fn is_customer(&self) -> bool {
        matches!(self, Recipient::Customer { .. })
    }
}

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationKind {
    /// To the customer: we received your request.
    TicketReceived,
    /// To the customer: an agent replied.
    AgentReplied,
    /// To the customer: an automated reply.
    AutomatedReply,
    /// To the customer: we contacted you first.
    ProactiveMessage,
    /// To the customer: your request is solved.
    TicketSolved,
    /// To the customer: your request was merged into another of yours.
    TicketMerged,
    /// To the team: a new ticket.
    NewTicket,
    /// To the assignee: the customer replied.
    CustomerReplied,
    /// To the agent or group: a ticket was assigned to you.
    Assigned,
    /// To the assignee: a colleague added an internal note.
    NoteAdded,
    /// To the assignee: the customer gave a low satisfaction score (1 or 2).
    LowSatisfaction,
    /// To the escalation ladder: an SLA target is close to its deadline.
    SlaWarning,
    /// To the escalation ladder: an SLA target was breached.
    SlaBreach,
    /// To agents or the team: a tag's count spiked (or dropped); about no
    /// single ticket (see [`Notification::ticket_id`]).
    TagSpike,
    /// To an agent, a group or the team: a rule of the host's rule book
    /// notifies them (the text is the notice's message).
    RuleNotice,
}

/// What a customer is told: only their view of the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerNotice {
    /// Their view of the ticket after the change.
    pub view: CustomerTicketView,
    /// The new public message the notice is about, if any.
    pub message: Option<PublicMessage>,
}

impl CustomerNotice {
    /// A notice from the view, pointing at one of its messages (dropped
    /// silently if the message is not in the view, e.g. an internal note).
    pub fn new(view: CustomerTicketView, message: Option<MessageId>) -> Self {
        let message = message.and_then(|id| view.message(id).cloned());
        CustomerNotice { view, message }
    }
}

/// What an agent is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentNotice {
    /// Subject of the ticket.
    pub subject: String,
    /// Status after the change.
    pub status: Status,
    /// Priority after the change.
    pub priority: Priority,
    /// The message the notice is about (may be an internal note).
    pub message: Option<Message>,
    /// A satisfaction score and comment, for low-score alerts.
    pub satisfaction: Option<(u8, Option<String>)>,
    /// The SLA alert, for warnings and breaches.
    #[serde(default)]
    pub alert: Option<SlaAlert>,
}

/// The content of a notification, split by audience so a customer
/// notification can only hold a [`CustomerNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "audience", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationContent {
    /// For a customer.
    Customer(CustomerNotice),
    /// For agents.
    Agent(AgentNotice),
    /// For agents: a tag spike.
    TagSpike(SpikeNotice),
}

/// One notification to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Its id (the key of the outbox entry).
    pub id: NotificationId,
    /// The tenant.
    pub tenant: TenantId,
    /// The ticket it is about; the nil id (`TicketId::from_u128(0)`) for
    /// notifications about no single ticket, such as tag spikes (read it
    /// with [`Notification::ticket_id`]).
    pub ticket: TicketId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Who it is for.
    pub recipient: Recipient,
    /// Why.
    pub kind: NotificationKind,
    /// What to say.
    pub content: NotificationContent,
}

impl Notification {
    /// The ticket it is about, or `None` for a notification about no single
    /// ticket (a tag spike), whose `ticket` is the nil id.
    pub fn ticket_id(&self) -> Option<TicketId> {
        (self.ticket.as_u128() != 0).then_some(self.ticket)
    }
}
