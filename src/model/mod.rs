//! The values layer: the vocabulary every other part of the crate speaks.
//!
//! `model` sits below every engine (docs/design.md, "Layers"): it depends
//! only on the foundations ([`id`](crate::id), [`channel`](crate::channel),
//! [`calendar`](crate::calendar)'s error type), and the ticket core, the SLA
//! engine, the taxonomy, notifications, ports and the desk all depend on it.
//! Nothing here reads a ticket's history, a calendar or a taxonomy: these
//! are plain values, validated on construction ("parse, don't validate"),
//! with serde going through the same checks.
//!
//! - Tickets: [`Tag`], [`Status`] and its transition table, [`Priority`],
//!   [`Waiting`], [`Message`] with its [`Author`] and [`Visibility`], the
//!   ratings [`Csat`] and [`Ces`], the ticket's [`Origin`].
//! - What a customer may see: [`CustomerTicketView`] with its
//!   [`PublicMessage`]s (built from a ticket by `CustomerTicketView::of`, in
//!   [`ticket`](crate::ticket)).
//! - SLA data a ticket records: the [`SlaPolicy`] applied to it (its
//!   [`MetricDef`]s, [`Target`]s, [`WarnAt`] points, [`Conditions`] and
//!   escalation ladder, and the checks it passes on its own, [`SlaError`]),
//!   and the [`SlaAlert`]s raised on it, keyed by [`AlertKey`], with their
//!   [`recipients`]. Evaluating a policy against a ticket's events and
//!   calendars is the SLA engine's job ([`sla`](crate::sla)).
//! - Taxonomy values: [`TagKind`], [`Polarity`], [`Cardinality`] and the
//!   [`Violation`] a tagging command is refused with; the [`SpikeNotice`]
//!   agents get about a tag spike.
//!
//! Every item is also reachable where it was first published
//! (`ticket::Tag`, `sla::SlaPolicy`, `taxonomy::Violation`, the crate root):
//! those paths re-export these same items.
//!
//! ```
//! use supportdesk::model::{Priority, Status, Tag};
//!
//! let tag = Tag::new("Shipping/Late")?;
//! assert!(tag.is_under(&Tag::new("shipping")?));
//! assert!(Status::Pending.can_transition_to(Status::Open));
//! assert!(Priority::Urgent > Priority::Low);
//! // The same items as the historical paths.
//! let same: supportdesk::ticket::Tag = tag.clone();
//! assert_eq!(same, tag);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod message;
pub mod notification;
mod origin;
mod rule;
pub(crate) mod sla;
mod spike;
pub(crate) mod status;
mod tag;
mod taxonomy;
mod view;

pub use message::{Author, AuthorRole, Ces, Csat, Message, RatingError, Visibility};
pub use origin::Origin;
pub use rule::{RuleFiring, RuleKind};
pub use sla::alert::{AlertKey, AlertPoint, SlaAlert, recipients};
pub use sla::metric::{Fulfilment, MetricDef, StartAnchor};
pub use sla::policy::{
    Conditions, EscalateTo, EscalationStep, SlaError, SlaPolicy, Target, TimeBasis, Trigger, WarnAt,
};
pub(crate) use sla::policy::{deserialize_recorded, deserialize_recorded_opt};
pub use spike::{Direction, Reading, SpikeNotice};
pub use status::{Priority, Status, UnknownPriority, UnknownStatus, Waiting};
pub(crate) use tag::{LocalTags, TagMemo};
pub use tag::{Tag, TagError};
pub use taxonomy::{Cardinality, Polarity, TagKind, Violation};
pub use view::{CustomerStatus, CustomerTicketView, PublicAuthor, PublicMessage};
