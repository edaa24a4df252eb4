//! Tickets: values, commands, events, the aggregate and the pure decision
//! functions.
//!
//! The flow is always the same: a [`Command`] and the current [`Ticket`] go
//! into [`decide`] (with a [`Context`] giving the time and an id source); out
//! comes a [`Decision`] with the [`Event`]s to store and the notifications to
//! send, or a [`DomainError`] that changed nothing. [`Ticket::apply`] folds
//! events into state and never fails.
//!
//! ```
//! use supportdesk::ticket::{decide, open, Command, Context, OpenTicket, Ticket};
//! use supportdesk::{Channel, Status, id::{AgentId, CustomerId, TenantId}};
//! use supportdesk::testing::SequentialIds;
//!
//! let ids = SequentialIds::new();
//! let ctx = Context::new("2026-03-02T09:00:00Z".parse()?, &ids);
//! let ana = CustomerId::from_u128(1);
//! let opened = open(TenantId::from_u128(1), &OpenTicket::reactive(ana, Channel::Email, "Where is my order?"), &ctx)?;
//! let mut ticket = Ticket::from_events(&opened.events).expect("opened");
//!
//! let reply = decide(&ticket, &Command::agent_reply(AgentId::from_u128(7), "It ships today."), &ctx)?;
//! for e in &reply.events { ticket.apply(e); }
//! assert_eq!(ticket.status(), Status::Open);
//! assert!(ticket.has_agent_reply());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod command;
mod decide;
mod error;
mod event;
mod state;
pub(crate) mod stored;
mod view;

pub use command::{Action, Command, OpenTicket};
pub(crate) use decide::fire_rule_state;
pub use decide::{
    Context, Decision, LifecycleRules, TagRules, auto_tag, causes, decide, fire_rule, merge, open,
    record_alerts,
};
pub use error::DomainError;
pub use event::{Assignment, Event, EventKind, MergeReceipt, Opening, TicketOpened};
pub use state::{EffortRating, SatisfactionRating, Ticket};
pub use stored::{EVENT_FORMAT_VERSION, StoredEvent, StoredEventError};

// The values tickets are made of live in `model`; they stay reachable here.
pub use crate::model::{
    Author, AuthorRole, Ces, Csat, CustomerStatus, CustomerTicketView, Message, Origin, Priority,
    PublicAuthor, PublicMessage, RatingError, Status, Tag, TagError, UnknownPriority,
    UnknownStatus, Visibility, Waiting,
};
