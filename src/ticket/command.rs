//! Commands: what someone asks the desk to do to a ticket (imperative).

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, GroupId, TicketId};
use crate::model::{Ces, Csat, Origin, Priority, SlaPolicy, Status, Tag};

/// Open a new ticket. Built by the [`Desk`](crate::Desk) from an inbound
/// message, or directly for proactive outreach; [`open`](crate::ticket::open)
/// turns it into events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTicket {
    /// The requester.
    pub customer: CustomerId,
    /// The channel of the first message.
    pub channel: Channel,
    /// A subject line; derived from the body when empty.
    pub subject: Option<String>,
    /// The first message: the customer's words (reactive) or ours (proactive).
    pub body: String,
    /// The channel's id for the first message, if any.
    pub external_id: Option<String>,
    /// Priority to start with.
    pub priority: Priority,
    /// Reactive or proactive.
    pub origin: Origin,
    /// The closed ticket this one follows up, if any.
    pub follow_up_of: Option<TicketId>,
    /// Tags to start with.
    pub tags: Vec<Tag>,
}

impl OpenTicket {
    /// A reactive ticket: `customer` wrote `body` on `channel`.
    pub fn reactive(customer: CustomerId, channel: Channel, body: impl Into<String>) -> Self {
        OpenTicket {
            customer,
            channel,
            subject: None,
            body: body.into(),
            external_id: None,
            priority: Priority::Normal,
            origin: Origin::Reactive,
            follow_up_of: None,
            tags: Vec::new(),
        }
    }

    /// A proactive ticket: we write `body` to `customer` on `channel` first.
    pub fn proactive(
        customer: CustomerId,
        channel: Channel,
        agent: Option<AgentId>,
        body: impl Into<String>,
    ) -> Self {
        OpenTicket {
            origin: Origin::Proactive { agent },
            ..OpenTicket::reactive(customer, channel, body)
        }
    }

    /// Sets the subject.
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the priority.
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Sets the channel's message id.
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Adds starting tags.
    pub fn with_tags(mut self, tags: impl IntoIterator<Item = Tag>) -> Self {
        self.tags.extend(tags);
        self
    }
}

/// A command on an existing ticket. [`decide`](crate::ticket::decide) checks
/// it against the ticket and returns the events it causes, or a typed error
/// that changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
    /// The requester writes. Reopens a pending, on-hold or solved ticket; on a
    /// closed ticket it opens a follow-up ticket linked to the closed one.
    CustomerReply {
        /// Who wrote (must be the ticket's requester).
        customer: CustomerId,
        /// Where they wrote.
        channel: Channel,
        /// What they wrote.
        body: String,
        /// The channel's message id, if any.
        external_id: Option<String>,
    },
    /// A customer other than the requester writes on the ticket: a
    /// participant, as help desks treat a CC'd sender. The message is
    /// recorded as a [`CustomerReplied`](crate::ticket::EventKind::CustomerReplied)
    /// event whose author is that customer (so [`Ticket::participants`]
    /// lists them, and a replay finds them again); like a requester's reply
    /// it reopens a pending, on-hold or solved ticket and notifies the
    /// assignee. The requester never sees it (a [`CustomerTicketView`] holds
    /// only the requester's own words), and the participant gets no view of
    /// the ticket and no notifications about it. Not allowed on a closed
    /// ticket (a participant's words never start a follow-up for the
    /// requester). When `customer` is the requester, it is their
    /// [`CustomerReply`](Command::CustomerReply).
    ///
    /// [`Ticket::participants`]: crate::ticket::Ticket::participants
    /// [`CustomerTicketView`]: crate::ticket::CustomerTicketView
    ParticipantReply {
        /// Who wrote (a customer of the tenant).
        customer: CustomerId,
        /// Where they wrote.
        channel: Channel,
        /// What they wrote.
        body: String,
        /// The channel's message id, if any.
        external_id: Option<String>,
    },
    /// A human agent answers publicly. `then` sets the status afterwards
    /// (e.g. `Pending` when the reply asks the customer something); without
    /// it a new ticket becomes open and other statuses stay.
    AgentReply {
        /// Who answers.
        agent: AgentId,
        /// Channel of the reply; the ticket's channel when `None`.
        channel: Option<Channel>,
        /// The reply.
        body: String,
        /// Status to set after replying. With `None`, a `New` ticket moves
        /// to `Open` and any other status is kept.
        then: Option<Status>,
    },
    /// An internal note: agents only, never shown to the customer.
    AddNote {
        /// Who writes it.
        agent: AgentId,
        /// The note.
        body: String,
    },
    /// An automated public reply (auto-acknowledgement, bot answer). It never
    /// counts as a first response.
    AutomatedReply {
        /// The bot or rule name.
        bot: String,
        /// The reply.
        body: String,
    },
    /// An internal note written by a bot or rule (a rule's "add an internal
    /// note" action). Like [`AddNote`](Command::AddNote), agents only.
    AutomatedNote {
        /// The bot or rule name.
        bot: String,
        /// The note.
        body: String,
    },
    /// Assign to an agent and/or a group (`None` clears it).
    Assign {
        /// The agent, or none.
        agent: Option<AgentId>,
        /// The group, or none.
        group: Option<GroupId>,
    },
    /// Change the priority.
    SetPriority {
        /// The new priority.
        priority: Priority,
    },
    /// Move to another status (pending, on-hold, solved, closed, or back to
    /// open), checked against the transition table.
    ChangeStatus {
        /// The target status.
        to: Status,
    },
    /// Add tags (tags already present are ignored).
    AddTags {
        /// Tags to add.
        tags: Vec<Tag>,
    },
    /// Remove tags (tags not present are ignored).
    RemoveTags {
        /// Tags to remove.
        tags: Vec<Tag>,
    },
    /// The requester rates their satisfaction (CSAT 1-5). Allowed once the
    /// ticket is solved, and on closed tickets (survey answers arrive late);
    /// a later rating replaces the earlier one.
    RateSatisfaction {
        /// The score.
        score: Csat,
        /// Their comment.
        comment: Option<String>,
    },
    /// The requester rates the effort it took (CES 1-7), on solved or closed
    /// tickets.
    RateEffort {
        /// The score.
        score: Ces,
    },
    /// Apply an SLA policy (explicitly re-applying a new one keeps the time
    /// already used: clocks still run from their original starts).
    ApplySlaPolicy {
        /// The policy.
        policy: Box<SlaPolicy>,
    },
}

/// The action a command attempts, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", content = "to", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Open a ticket.
    Open,
    /// Add a customer reply.
    CustomerReply,
    /// Add a participant's message.
    ParticipantReply,
    /// Add an agent reply.
    AgentReply,
    /// Add an internal note.
    AddNote,
    /// Add an automated reply.
    AutomatedReply,
    /// Add an automated internal note.
    AutomatedNote,
    /// Assign.
    Assign,
    /// Change priority.
    SetPriority,
    /// Change status to the given one.
    ChangeStatus(Status),
    /// Add tags.
    AddTags,
    /// Remove tags.
    RemoveTags,
    /// Rate satisfaction.
    RateSatisfaction,
    /// Rate effort.
    RateEffort,
    /// Merge into another ticket.
    Merge,
    /// Apply an SLA policy.
    ApplySlaPolicy,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Open => f.write_str("open a ticket"),
            Action::CustomerReply => f.write_str("add a customer reply"),
            Action::ParticipantReply => f.write_str("add a participant's message"),
            Action::AgentReply => f.write_str("add an agent reply"),
            Action::AddNote => f.write_str("add an internal note"),
            Action::AutomatedReply => f.write_str("add an automated reply"),
            Action::AutomatedNote => f.write_str("add an automated internal note"),
            Action::Assign => f.write_str("assign"),
            Action::SetPriority => f.write_str("set the priority"),
            Action::ChangeStatus(to) => write!(f, "change the status to {to}"),
            Action::AddTags => f.write_str("add tags"),
            Action::RemoveTags => f.write_str("remove tags"),
            Action::RateSatisfaction => f.write_str("rate satisfaction"),
            Action::RateEffort => f.write_str("rate effort"),
            Action::Merge => f.write_str("merge"),
            Action::ApplySlaPolicy => f.write_str("apply an sla policy"),
        }
    }
}

impl Command {
    /// The action this command attempts.
    pub fn action(&self) -> Action {
        match self {
            Command::CustomerReply { .. } => Action::CustomerReply,
            Command::ParticipantReply { .. } => Action::ParticipantReply,
            Command::AgentReply { .. } => Action::AgentReply,
            Command::AddNote { .. } => Action::AddNote,
            Command::AutomatedReply { .. } => Action::AutomatedReply,
            Command::AutomatedNote { .. } => Action::AutomatedNote,
            Command::Assign { .. } => Action::Assign,
            Command::SetPriority { .. } => Action::SetPriority,
            Command::ChangeStatus { to } => Action::ChangeStatus(*to),
            Command::AddTags { .. } => Action::AddTags,
            Command::RemoveTags { .. } => Action::RemoveTags,
            Command::RateSatisfaction { .. } => Action::RateSatisfaction,
            Command::RateEffort { .. } => Action::RateEffort,
            Command::ApplySlaPolicy { .. } => Action::ApplySlaPolicy,
        }
    }

    /// Shorthand for [`Command::AgentReply`] on the ticket's channel with no
    /// requested status (`then: None`). The reply still moves a `New` ticket
    /// to `Open` (an agent has picked it up); in every other status the
    /// ticket stays where it is. Use the variant with `then` to solve or
    /// set pending in the same step.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// use supportdesk::testing::{Scenario, TicketBuilder};
    /// use supportdesk::ticket::Command;
    /// use supportdesk::id::AgentId;
    /// use supportdesk::Status;
    ///
    /// let bob = AgentId::from_u128(7);
    /// Scenario::given(TicketBuilder::new().status(Status::New))
    ///     .when(Command::agent_reply(bob, "On it."))
    ///     .then_status(Status::Open);
    /// Scenario::given(TicketBuilder::new().status(Status::Pending))
    ///     .when(Command::agent_reply(bob, "Any news?"))
    ///     .then_status(Status::Pending);
    /// # }
    /// ```
    pub fn agent_reply(agent: AgentId, body: impl Into<String>) -> Command {
        Command::AgentReply {
            agent,
            channel: None,
            body: body.into(),
            then: None,
        }
    }

    /// Shorthand for [`Command::CustomerReply`] without an external id.
    pub fn customer_reply(
        customer: CustomerId,
        channel: Channel,
        body: impl Into<String>,
    ) -> Command {
        Command::CustomerReply {
            customer,
            channel,
            body: body.into(),
            external_id: None,
        }
    }

    /// Shorthand for [`Command::ChangeStatus`].
    pub fn status(to: Status) -> Command {
        Command::ChangeStatus { to }
    }
}
