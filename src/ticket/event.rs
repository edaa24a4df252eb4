//! Events: what happened to a ticket (past tense), each timestamped.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, GroupId, TenantId, TicketId};
use crate::model::{
    Ces, Csat, Message, Origin, Priority, RuleFiring, SlaAlert, SlaPolicy, Status, Tag,
};

/// One thing that happened to one ticket.
///
/// `sequence` numbers a ticket's events 1, 2, 3, ...; after applying event
/// `n` the ticket's version is `n`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The tenant.
    pub tenant: TenantId,
    /// The ticket it happened to.
    pub ticket: TicketId,
    /// Position in the ticket's history, from 1.
    pub sequence: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

/// The payload of [`EventKind::Opened`]: who opened the ticket, where, and
/// how it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketOpened {
    /// The requester.
    pub customer: CustomerId,
    /// The channel of the first message.
    pub channel: Channel,
    /// Subject line.
    pub subject: String,
    /// Starting priority.
    pub priority: Priority,
    /// Reactive or proactive.
    pub origin: Origin,
    /// The closed ticket this one follows up.
    pub follow_up_of: Option<TicketId>,
    /// Starting tags.
    pub tags: Vec<Tag>,
}

/// The payload of [`EventKind::Opened`]: the [`TicketOpened`] facts, boxed
/// (once per ticket; inline they would make every event larger), with the
/// three the SLA engine reads for every ticket it evaluates (priority,
/// channel, whether it is proactive) also kept inline, so a bulk replay
/// does not follow the box.
///
/// It reads as a [`TicketOpened`] (it derefs to one) and serialises exactly
/// as one: the copies inline are not part of the serialised form. It cannot
/// be changed in place, so the copies always agree with the box.
///
/// ```
/// use supportdesk::ticket::{Opening, TicketOpened};
/// use supportdesk::id::CustomerId;
/// use supportdesk::model::{Origin, Priority};
/// use supportdesk::Channel;
///
/// let opening = Opening::from(TicketOpened {
///     customer: CustomerId::from_u128(1),
///     channel: Channel::LiveChat,
///     subject: "help".into(),
///     priority: Priority::High,
///     origin: Origin::Reactive,
///     follow_up_of: None,
///     tags: Vec::new(),
/// });
/// assert_eq!((opening.priority(), opening.channel()), (Priority::High, Channel::LiveChat));
/// assert!(!opening.is_proactive());
/// assert_eq!(opening.subject, "help");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    priority: Priority,
    channel: Channel,
    proactive: bool,
    opened: Box<TicketOpened>,
}

impl Opening {
    /// The starting priority (as `self.priority`, without following the
    /// box).
    #[inline]
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The channel of the first message (as `self.channel`, without
    /// following the box).
    #[inline]
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Whether the ticket is proactive (`self.origin` is
    /// [`Origin::Proactive`]), without following the box.
    #[inline]
    pub fn is_proactive(&self) -> bool {
        self.proactive
    }

    /// The facts, unboxed.
    pub fn into_inner(self) -> TicketOpened {
        *self.opened
    }
}

impl From<Box<TicketOpened>> for Opening {
    fn from(opened: Box<TicketOpened>) -> Self {
        Opening {
            priority: opened.priority,
            channel: opened.channel,
            proactive: matches!(opened.origin, Origin::Proactive { .. }),
            opened,
        }
    }
}

impl From<TicketOpened> for Opening {
    fn from(opened: TicketOpened) -> Self {
        Opening::from(Box::new(opened))
    }
}

impl std::ops::Deref for Opening {
    type Target = TicketOpened;

    #[inline]
    fn deref(&self) -> &TicketOpened {
        &self.opened
    }
}

impl Serialize for Opening {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.opened.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Opening {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        TicketOpened::deserialize(deserializer).map(Opening::from)
    }
}

/// The payload of [`EventKind::Assigned`]: the ticket's new agent and
/// group.
///
/// ```
/// use supportdesk::id::AgentId;
/// use supportdesk::ticket::{Assignment, EventKind};
///
/// let kind = EventKind::Assigned(Box::new(Assignment {
///     agent: Some(AgentId::from_u128(7)),
///     group: None,
/// }));
/// let json = serde_json::to_string(&kind)?;
/// assert!(json.starts_with(r#"{"event":"assigned","agent":"#));
/// assert_eq!(serde_json::from_str::<EventKind>(&json)?, kind);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The new agent.
    pub agent: Option<AgentId>,
    /// The new group.
    pub group: Option<GroupId>,
}

/// The payload of [`EventKind::MergeReceived`]: the ticket merged into
/// this one and the messages copied from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeReceipt {
    /// The merged ticket.
    pub source: TicketId,
    /// The copied messages.
    pub messages: Vec<Message>,
}

/// What happened.
///
/// An event is kept small (at most 88 bytes) because bulk readers walk
/// millions of them: the large and rare payloads (the opening, messages,
/// alerts, merged messages, policies) are boxed. Boxing does not show in the
/// serialised form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The ticket was opened. Always the first event.
    ///
    /// Its payload is boxed (once per ticket; it would make every event
    /// larger), with the priority, channel and origin kind also inline (see
    /// [`Opening`]): it serialises exactly as a struct variant with the
    /// fields of [`TicketOpened`] would.
    Opened(Opening),
    /// The requester wrote.
    CustomerReplied {
        /// The message.
        message: Box<Message>,
    },
    /// A human agent replied publicly.
    AgentReplied {
        /// The message.
        message: Box<Message>,
    },
    /// An internal note was added.
    NoteAdded {
        /// The note.
        message: Box<Message>,
    },
    /// An automated public reply was sent (never a first response).
    AutomatedReplySent {
        /// The message.
        message: Box<Message>,
    },
    /// Assignment changed.
    ///
    /// Its payload is boxed (inline, the two optional ids would make every
    /// event larger): it serialises exactly as a struct variant with the
    /// fields of [`Assignment`] would.
    Assigned(Box<Assignment>),
    /// Priority changed.
    PriorityChanged {
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// Status changed (always a move the transition table allows).
    StatusChanged {
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// Tags were added.
    TagsAdded {
        /// The tags that were not there before (a boxed slice, not a
        /// `Vec`: an event's list never grows, and the two words saved keep
        /// [`EventKind`] at 24 bytes; build one with `vec![...].into()`).
        tags: Box<[Tag]>,
    },
    /// Tags were removed.
    TagsRemoved {
        /// The tags that were there before (a boxed slice, as
        /// [`TagsAdded`](EventKind::TagsAdded)'s).
        tags: Box<[Tag]>,
    },
    /// The requester rated satisfaction.
    SatisfactionRated {
        /// The score.
        score: Csat,
        /// Their comment (a boxed `str`, not a `String`, for the size of
        /// [`EventKind`]; `"text".into()` makes one).
        comment: Option<Box<str>>,
    },
    /// The requester rated effort.
    EffortRated {
        /// The score.
        score: Ces,
    },
    /// This ticket was merged into another and closed.
    MergedInto {
        /// The ticket that now holds the conversation.
        target: TicketId,
    },
    /// An SLA policy was applied to the ticket (a copy: later edits of the
    /// policy do not change tickets already under it).
    SlaPolicyApplied {
        /// The policy as applied (loaded as recorded, without today's
        /// policy checks).
        #[serde(deserialize_with = "crate::model::deserialize_recorded")]
        policy: Box<SlaPolicy>,
    },
    /// An SLA warning or breach was raised (once per target).
    SlaAlerted {
        /// The alert.
        alert: Box<SlaAlert>,
    },
    /// Another ticket was merged into this one; its messages are copied here
    /// (public messages of a different requester become internal).
    ///
    /// Its payload is boxed (rare, and inline it would make every event
    /// larger): it serialises exactly as a struct variant with the fields
    /// of [`MergeReceipt`] would.
    MergeReceived(Box<MergeReceipt>),
    /// A rule of the host's [`RuleBook`](crate::rules::RuleBook) fired: the
    /// next [`RuleFiring::events`] events are what it did. A ticket
    /// remembers the automations that fired on it (each fires once per
    /// anchor).
    RuleFired {
        /// Which rule, and what it caused.
        firing: Box<RuleFiring>,
    },
}

impl EventKind {
    /// The message this event adds, if any.
    pub fn message(&self) -> Option<&Message> {
        match self {
            EventKind::CustomerReplied { message }
            | EventKind::AgentReplied { message }
            | EventKind::NoteAdded { message }
            | EventKind::AutomatedReplySent { message } => Some(&**message),
            _ => None,
        }
    }

    /// Every name [`name`](Self::name) returns, in declaration order.
    pub const NAMES: &'static [&'static str] = &[
        "opened",
        "customer_replied",
        "agent_replied",
        "note_added",
        "automated_reply_sent",
        "assigned",
        "priority_changed",
        "status_changed",
        "tags_added",
        "tags_removed",
        "satisfaction_rated",
        "effort_rated",
        "merged_into",
        "sla_policy_applied",
        "sla_alerted",
        "merge_received",
        "rule_fired",
    ];

    /// A short snake_case name of the event type (`"agent_replied"`).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Opened(_) => "opened",
            EventKind::CustomerReplied { .. } => "customer_replied",
            EventKind::AgentReplied { .. } => "agent_replied",
            EventKind::NoteAdded { .. } => "note_added",
            EventKind::AutomatedReplySent { .. } => "automated_reply_sent",
            EventKind::Assigned(_) => "assigned",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::TagsAdded { .. } => "tags_added",
            EventKind::TagsRemoved { .. } => "tags_removed",
            EventKind::SatisfactionRated { .. } => "satisfaction_rated",
            EventKind::EffortRated { .. } => "effort_rated",
            EventKind::MergedInto { .. } => "merged_into",
            EventKind::MergeReceived(_) => "merge_received",
            EventKind::SlaPolicyApplied { .. } => "sla_policy_applied",
            EventKind::SlaAlerted { .. } => "sla_alerted",
            EventKind::RuleFired { .. } => "rule_fired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bulk readers (SLA evaluation, metrics) walk millions of events: an
    /// event stays within 80 bytes (it was 168 with the payloads inline,
    /// then 96 and 88).
    #[test]
    fn an_event_is_at_most_80_bytes() {
        assert!(
            size_of::<Event>() <= 80,
            "Event is {} bytes (EventKind {})",
            size_of::<Event>(),
            size_of::<EventKind>()
        );
        assert!(size_of::<EventKind>() <= 24);
    }

    fn opened(origin: Origin) -> TicketOpened {
        TicketOpened {
            customer: CustomerId::from_u128(3),
            channel: Channel::LiveChat,
            subject: "broken".into(),
            priority: Priority::Urgent,
            origin,
            follow_up_of: Some(TicketId::from_u128(9)),
            tags: vec![Tag::new("vip").unwrap_or_else(|e| panic!("{e}"))],
        }
    }

    /// The copies inline agree with the box, and the serialised form is the
    /// boxed facts' own, both ways.
    #[test]
    fn an_opening_reads_and_serialises_as_its_facts() {
        for origin in [
            Origin::Reactive,
            Origin::Proactive { agent: None },
            Origin::Proactive {
                agent: Some(AgentId::from_u128(4)),
            },
        ] {
            let facts = opened(origin);
            let opening = Opening::from(facts.clone());
            assert_eq!(opening.priority(), facts.priority);
            assert_eq!(opening.channel(), facts.channel);
            assert_eq!(
                opening.is_proactive(),
                matches!(facts.origin, Origin::Proactive { .. })
            );
            assert_eq!(*opening, facts);
            let text = serde_json::to_string(&opening).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                text,
                serde_json::to_string(&facts).unwrap_or_else(|e| panic!("{e}"))
            );
            let kind = EventKind::Opened(opening.clone());
            let tagged = serde_json::to_string(&kind).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                tagged.starts_with(r#"{"event":"opened","customer":"#),
                "{tagged}"
            );
            let back: EventKind = serde_json::from_str(&tagged).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(back, kind);
            let EventKind::Opened(back) = back else {
                panic!("read back as another event: {tagged}");
            };
            assert_eq!(
                (back.priority(), back.channel(), back.is_proactive()),
                (
                    opening.priority(),
                    opening.channel(),
                    opening.is_proactive()
                )
            );
            assert_eq!(back.into_inner(), facts);
        }
    }
}
