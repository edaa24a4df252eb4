//! The ticket aggregate: state folded from events.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, GroupId, TenantId, TicketId};
use crate::model::{
    AlertKey, Author, Ces, Csat, Message, Origin, Priority, RuleKind, SlaPolicy, Status, Tag,
    Visibility,
};
use crate::ticket::event::{Event, EventKind, TicketOpened};

/// A satisfaction rating with its comment and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionRating {
    /// The score.
    pub score: Csat,
    /// The comment.
    pub comment: Option<String>,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// An effort rating with its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffortRating {
    /// The score.
    pub score: Ces,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// One customer problem, from first contact to resolution.
///
/// A ticket is only ever changed by [`Ticket::apply`]ing events that
/// [`decide`](crate::ticket::decide) produced; its fields are read through
/// accessors. `version` counts the events applied, so a store can
/// compare-and-set on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    id: TicketId,
    tenant: TenantId,
    version: u64,
    customer: CustomerId,
    subject: String,
    status: Status,
    priority: Priority,
    channel: Channel,
    origin: Origin,
    assignee: Option<AgentId>,
    group: Option<GroupId>,
    tags: BTreeSet<Tag>,
    messages: Vec<Message>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    follow_up_of: Option<TicketId>,
    merged_into: Option<TicketId>,
    merged_from: Vec<TicketId>,
    satisfaction: Option<SatisfactionRating>,
    effort: Option<EffortRating>,
    solved_at: Option<DateTime<Utc>>,
    reopens: u32,
    #[serde(default, deserialize_with = "crate::model::deserialize_recorded_opt")]
    sla_policy: Option<Box<SlaPolicy>>,
    #[serde(default)]
    sla_alerts: BTreeSet<AlertKey>,
    /// Per automation rule id, the anchor of its latest firing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    automations: BTreeMap<String, DateTime<Utc>>,
    /// How many automation firings the ticket has had.
    #[serde(default, skip_serializing_if = "is_zero")]
    automation_firings: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Ticket {
    /// Builds a ticket from its history. Returns `None` unless the first
    /// event is [`EventKind::Opened`]; the other events are applied in order.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Ticket> {
        let mut it = events.into_iter();
        let first = it.next()?;
        let mut t = Ticket::opened(first)?;
        for e in it {
            t.apply(e);
        }
        Some(t)
    }

    /// The ticket an [`EventKind::Opened`] event creates (version 1), or
    /// `None` for any other event.
    pub fn opened(event: &Event) -> Option<Ticket> {
        let EventKind::Opened(opened) = &event.kind else {
            return None;
        };
        let TicketOpened {
            customer,
            channel,
            subject,
            priority,
            origin,
            follow_up_of,
            tags,
        } = &**opened;
        Some(Ticket {
            id: event.ticket,
            tenant: event.tenant,
            version: event.sequence,
            customer: *customer,
            subject: subject.clone(),
            status: Status::New,
            priority: *priority,
            channel: *channel,
            origin: origin.clone(),
            assignee: match origin {
                Origin::Proactive { agent } => *agent,
                Origin::Reactive => None,
            },
            group: None,
            tags: tags.iter().cloned().collect(),
            messages: Vec::new(),
            created_at: event.at,
            updated_at: event.at,
            follow_up_of: *follow_up_of,
            merged_into: None,
            merged_from: Vec::new(),
            satisfaction: None,
            effort: None,
            solved_at: None,
            reopens: 0,
            sla_policy: None,
            sla_alerts: BTreeSet::new(),
            automations: BTreeMap::new(),
            automation_firings: 0,
        })
    }

    /// Applies one event. Infallible: events are facts; an event that does
    /// not fit (another ticket's, or a second `Opened`) only advances the
    /// version, so replaying a stored history never fails.
    pub fn apply(&mut self, event: &Event) {
        self.version = self.version.saturating_add(1).max(event.sequence);
        if event.at > self.updated_at {
            self.updated_at = event.at;
        }
        if event.ticket != self.id {
            return;
        }
        match &event.kind {
            EventKind::Opened(_) => {}
            EventKind::CustomerReplied { message }
            | EventKind::AgentReplied { message }
            | EventKind::NoteAdded { message }
            | EventKind::AutomatedReplySent { message } => {
                self.messages.push(Message::clone(message))
            }
            EventKind::Assigned(a) => {
                self.assignee = a.agent;
                self.group = a.group;
            }
            EventKind::PriorityChanged { to, .. } => self.priority = *to,
            EventKind::StatusChanged { from, to } => {
                if *to == Status::Solved {
                    self.solved_at = Some(event.at);
                }
                if *from == Status::Solved && to.is_unsolved() {
                    self.reopens = self.reopens.saturating_add(1);
                }
                self.status = *to;
            }
            EventKind::TagsAdded { tags } => self.tags.extend(tags.iter().cloned()),
            EventKind::TagsRemoved { tags } => {
                for t in tags {
                    self.tags.remove(t);
                }
            }
            EventKind::SatisfactionRated { score, comment } => {
                self.satisfaction = Some(SatisfactionRating {
                    score: *score,
                    comment: comment.as_deref().map(String::from),
                    at: event.at,
                });
            }
            EventKind::EffortRated { score } => {
                self.effort = Some(EffortRating {
                    score: *score,
                    at: event.at,
                });
            }
            EventKind::MergedInto { target } => self.merged_into = Some(*target),
            EventKind::SlaPolicyApplied { policy } => self.sla_policy = Some(policy.clone()),
            EventKind::SlaAlerted { alert } => {
                self.sla_alerts.insert(alert.key.clone());
            }
            EventKind::MergeReceived(m) => {
                self.merged_from.push(m.source);
                self.messages.extend(m.messages.iter().cloned());
                self.messages.sort_by_key(|m| m.at);
            }
            EventKind::RuleFired { firing } => {
                if firing.kind == RuleKind::Automation {
                    self.automation_firings = self.automation_firings.saturating_add(1);
                    if let Some(anchor) = firing.anchor {
                        self.automations.insert(firing.rule.clone(), anchor);
                    }
                }
            }
        }
    }

    /// The anchor of the latest firing of automation `rule` on this ticket
    /// (an automation fires once per anchor).
    pub fn automation_anchor(&self, rule: &str) -> Option<DateTime<Utc>> {
        self.automations.get(rule).copied()
    }

    /// How many times automations fired on this ticket.
    pub fn automation_firings(&self) -> u32 {
        self.automation_firings
    }

    /// The ticket id.
    pub fn id(&self) -> TicketId {
        self.id
    }
    /// The tenant.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
    /// Number of events applied; grows with every change.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// The requester.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }
    /// Subject line.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// Current status.
    pub fn status(&self) -> Status {
        self.status
    }
    /// Current priority.
    pub fn priority(&self) -> Priority {
        self.priority
    }
    /// The channel of the first message.
    pub fn channel(&self) -> Channel {
        self.channel
    }
    /// Reactive or proactive.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
    /// The assigned agent.
    pub fn assignee(&self) -> Option<AgentId> {
        self.assignee
    }
    /// The assigned group.
    pub fn group(&self) -> Option<GroupId> {
        self.group
    }
    /// Tags, sorted.
    pub fn tags(&self) -> &BTreeSet<Tag> {
        &self.tags
    }
    /// Whether the ticket carries this tag.
    pub fn has_tag(&self, tag: &Tag) -> bool {
        self.tags.contains(tag)
    }
    /// Every message, public and internal, in time order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }
    /// The customers other than the requester whose messages the ticket
    /// holds, in order of their first message: participants who wrote on
    /// it (see [`Command::ParticipantReply`](crate::ticket::Command::ParticipantReply))
    /// and requesters of tickets merged into it. Derived from the messages,
    /// so a replay of the events gives the same list.
    pub fn participants(&self) -> Vec<CustomerId> {
        let mut out: Vec<CustomerId> = Vec::new();
        for m in &self.messages {
            if let Author::Customer(c) = m.author {
                if c != self.customer && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }
    /// Only the public messages.
    pub fn public_messages(&self) -> impl Iterator<Item = &Message> {
        self.messages
            .iter()
            .filter(|m| m.visibility == Visibility::Public)
    }
    /// When it was opened.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When it last changed.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
    /// The closed ticket this follows up.
    pub fn follow_up_of(&self) -> Option<TicketId> {
        self.follow_up_of
    }
    /// The ticket this was merged into.
    pub fn merged_into(&self) -> Option<TicketId> {
        self.merged_into
    }
    /// Tickets merged into this one.
    pub fn merged_from(&self) -> &[TicketId] {
        &self.merged_from
    }
    /// The latest satisfaction rating.
    pub fn satisfaction(&self) -> Option<&SatisfactionRating> {
        self.satisfaction.as_ref()
    }
    /// The latest effort rating.
    pub fn effort(&self) -> Option<&EffortRating> {
        self.effort.as_ref()
    }
    /// When it was last solved.
    pub fn solved_at(&self) -> Option<DateTime<Utc>> {
        self.solved_at
    }
    /// How many times it went from solved back to unsolved.
    pub fn reopens(&self) -> u32 {
        self.reopens
    }
    /// The SLA policy applied to the ticket, as it was when applied.
    pub fn sla_policy(&self) -> Option<&SlaPolicy> {
        self.sla_policy.as_deref()
    }
    /// The SLA warnings and breaches already raised.
    pub fn sla_alerts(&self) -> &BTreeSet<AlertKey> {
        &self.sla_alerts
    }
    /// The first public reply by a human agent (what a first-reply SLA
    /// counts: automated replies and notes do not).
    pub fn first_agent_reply(&self) -> Option<&Message> {
        self.messages.iter().find(|m| m.is_public_agent_reply())
    }
    /// Whether a human agent has replied publicly.
    pub fn has_agent_reply(&self) -> bool {
        self.first_agent_reply().is_some()
    }
}
