//! Errors of the pure ticket core.

use crate::channel::Channel;
use crate::id::{CustomerId, TicketId};
use crate::model::{Status, Violation};
use crate::ticket::command::Action;

/// A command the ticket's rules do not allow. Returned by
/// [`decide`](crate::ticket::decide), [`open`](crate::ticket::open) and
/// [`merge`](crate::ticket::merge); nothing is changed when it is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The action is not allowed in the ticket's current status (including
    /// status changes the transition table forbids).
    #[error("cannot {action} on ticket {ticket}: it is {status}")]
    IllegalInStatus {
        /// The ticket.
        ticket: TicketId,
        /// Its current status.
        status: Status,
        /// What was attempted.
        action: Action,
    },
    /// Solving needs a public agent reply first (when the lifecycle rules
    /// require one).
    #[error("cannot solve ticket {ticket}: no agent has replied publicly yet")]
    ReplyRequiredToSolve {
        /// The ticket.
        ticket: TicketId,
    },
    /// Someone other than the requester tried to act as the customer.
    #[error("customer {customer} is not the requester of ticket {ticket}")]
    NotRequester {
        /// The ticket.
        ticket: TicketId,
        /// Who tried.
        customer: CustomerId,
    },
    /// The ticket was merged into another; act on that one.
    #[error("cannot {action} on ticket {ticket}: it was merged into ticket {target}")]
    Merged {
        /// The merged ticket.
        ticket: TicketId,
        /// Where it went.
        target: TicketId,
        /// What was attempted.
        action: Action,
    },
    /// A message body is empty or only white space.
    #[error("cannot {action}: the message body is empty")]
    EmptyBody {
        /// What was attempted.
        action: Action,
    },
    /// A message body is larger than the rules allow.
    #[error("cannot {action}: the message body has {len} bytes, more than the limit of {max}")]
    BodyTooLong {
        /// What was attempted.
        action: Action,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The channel cannot be used to contact a customer first.
    #[error(
        "cannot open a proactive ticket on channel {channel}: it only takes contacts customers start"
    )]
    ChannelNotProactive {
        /// The channel.
        channel: Channel,
    },
    /// A ticket cannot be merged into itself.
    #[error("cannot merge ticket {ticket} into itself")]
    MergeIntoSelf {
        /// The ticket.
        ticket: TicketId,
    },
    /// The tags break the configured taxonomy: an unknown tag, too many tags
    /// of a group, or a requirement to solve that is not met.
    #[error("ticket {ticket} breaks the tag taxonomy: {violation}")]
    Taxonomy {
        /// The ticket.
        ticket: TicketId,
        /// What is wrong.
        violation: Violation,
    },
    /// The other ticket of a merge does not exist in this tenant.
    #[error("ticket {ticket} not found")]
    NotFound {
        /// The ticket asked for.
        ticket: TicketId,
    },
}
