//! The pure decision functions: a ticket and a command in, events and
//! notifications out.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{CustomerId, IdGenerator, MessageId, NotificationId, TenantId, TicketId};
use crate::model::notification::{
    AgentNotice, CustomerNotice, Notification, NotificationContent, NotificationKind, Recipient,
};
use crate::model::{
    AlertPoint, Author, CustomerTicketView, EscalateTo, Message, Origin, RuleFiring, SlaAlert,
    SlaPolicy, Status, Tag, Violation, Visibility, recipients,
};
use crate::ticket::command::{Action, Command, OpenTicket};
use crate::ticket::error::DomainError;
use crate::ticket::event::{Assignment, Event, EventKind, MergeReceipt, Opening, TicketOpened};
use crate::ticket::state::Ticket;

/// Lifecycle rules a tenant can set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecycleRules {
    /// Refuse to solve a ticket no agent has replied to publicly.
    pub require_agent_reply_to_solve: bool,
    /// Send the customer a "we received your request" notice for new
    /// reactive tickets.
    pub acknowledge_new_tickets: bool,
    /// The largest message body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The longest subject kept, in characters (longer ones are cut).
    pub max_subject_chars: usize,
}

impl LifecycleRules {
    /// The defaults: solving without a reply allowed, acknowledgements on,
    /// bodies up to 1 MiB, subjects up to 200 characters.
    pub const DEFAULT: LifecycleRules = LifecycleRules {
        require_agent_reply_to_solve: false,
        acknowledge_new_tickets: true,
        max_body_bytes: 1 << 20,
        max_subject_chars: 200,
    };
}

impl Default for LifecycleRules {
    fn default() -> Self {
        LifecycleRules::DEFAULT
    }
}

/// Tag rules `decide` enforces: which tags may be added to a ticket and
/// which tags a ticket needs before it can be solved. A
/// [`Taxonomy`](crate::Taxonomy) is one (its tags, groups and
/// solve requirements); a host may bring its own.
///
/// # Example
/// ```
/// use std::collections::BTreeSet;
/// use supportdesk::taxonomy::Violation;
/// use supportdesk::testing::{SequentialIds, TicketBuilder};
/// use supportdesk::ticket::{decide, Command, Context, DomainError, TagRules};
/// use supportdesk::Tag;
///
/// /// Only `vip/...` tags, and no solving without one.
/// #[derive(Debug)]
/// struct VipOnly;
/// impl TagRules for VipOnly {
///     fn check_add(&self, _current: &BTreeSet<Tag>, new: &[Tag]) -> Result<(), Violation> {
///         let vip = Tag::new("vip").expect("a valid tag");
///         match new.iter().find(|t| !t.is_under(&vip)) {
///             Some(t) => Err(Violation::UnknownTag { tag: t.clone() }),
///             None => Ok(()),
///         }
///     }
///     fn check_solve(&self, _tags: &BTreeSet<Tag>) -> Result<(), Violation> {
///         Ok(())
///     }
/// }
///
/// let ids = SequentialIds::new();
/// let ctx = Context::new("2026-03-02T09:00:00Z".parse()?, &ids).with_tag_rules(&VipOnly);
/// let ticket = TicketBuilder::new().build();
/// let err = decide(&ticket, &Command::AddTags { tags: vec![Tag::new("refund")?] }, &ctx).unwrap_err();
/// assert!(matches!(err, DomainError::Taxonomy { violation: Violation::UnknownTag { .. }, .. }));
/// assert!(decide(&ticket, &Command::AddTags { tags: vec![Tag::new("vip/gold")?] }, &ctx).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TagRules: std::fmt::Debug {
    /// Checks adding `new` tags to a ticket that carries `current`.
    ///
    /// # Errors
    /// The [`Violation`] that refuses the tags; `decide` returns it as
    /// [`DomainError::Taxonomy`].
    fn check_add(&self, current: &BTreeSet<Tag>, new: &[Tag]) -> Result<(), Violation>;

    /// Checks a ticket carrying `tags` can be solved.
    ///
    /// # Errors
    /// The [`Violation`] that keeps it from being solved; `decide` returns
    /// it as [`DomainError::Taxonomy`].
    fn check_solve(&self, tags: &BTreeSet<Tag>) -> Result<(), Violation>;
}

/// What a decision needs besides the ticket and the command: the time, a
/// source of new ids, the rules and, optionally, tag rules (a taxonomy).
/// Nothing else is read: `decide` is pure.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The instant every event of the decision is stamped with.
    pub now: DateTime<Utc>,
    /// Where new ticket, message and notification ids come from.
    pub ids: &'a dyn IdGenerator,
    /// The lifecycle rules.
    pub rules: &'a LifecycleRules,
    /// The tag rules, if any are configured (a tag taxonomy): tags added
    /// must pass [`TagRules::check_add`], and solving
    /// [`TagRules::check_solve`].
    pub tag_rules: Option<&'a dyn TagRules>,
}

impl<'a> Context<'a> {
    /// A context with the default rules.
    pub fn new(now: DateTime<Utc>, ids: &'a dyn IdGenerator) -> Self {
        Context {
            now,
            ids,
            rules: &LifecycleRules::DEFAULT,
            tag_rules: None,
        }
    }

    /// The same context with other rules.
    pub fn with_rules(self, rules: &'a LifecycleRules) -> Self {
        Context { rules, ..self }
    }

    /// The same context with tag rules to enforce (a tag taxonomy, or the
    /// host's own [`TagRules`]). [`with_taxonomy`](Self::with_taxonomy)
    /// is the same for a [`Taxonomy`](crate::Taxonomy).
    pub fn with_tag_rules(self, tag_rules: &'a dyn TagRules) -> Self {
        Context {
            tag_rules: Some(tag_rules),
            ..self
        }
    }
}

/// Checks tags added to a ticket against the tag rules, if any.
fn enforce_add(
    rules: Option<&dyn TagRules>,
    ticket: TicketId,
    current: &BTreeSet<Tag>,
    new: &[Tag],
) -> Result<(), DomainError> {
    match rules {
        Some(r) => r
            .check_add(current, new)
            .map_err(|violation| DomainError::Taxonomy { ticket, violation }),
        None => Ok(()),
    }
}

/// Checks the tag rules, if any, let the ticket be solved.
fn enforce_solve(rules: Option<&dyn TagRules>, ticket: &Ticket) -> Result<(), DomainError> {
    match rules {
        Some(r) => r
            .check_solve(ticket.tags())
            .map_err(|violation| DomainError::Taxonomy {
                ticket: ticket.id(),
                violation,
            }),
        None => Ok(()),
    }
}

/// The outcome of a command: the events to append (possibly to several
/// tickets: a follow-up or a merge) and the notifications to send once they
/// are stored. Both empty means the command changed nothing (e.g. adding a
/// tag already present).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Events, grouped by ticket, in order.
    pub events: Vec<Event>,
    /// Notifications to send after the events are stored.
    pub notifications: Vec<Notification>,
}

impl Decision {
    /// True when the command changes nothing.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.notifications.is_empty()
    }

    /// The tickets the events touch, in order of first appearance.
    pub fn tickets(&self) -> Vec<TicketId> {
        let mut out: Vec<TicketId> = Vec::new();
        for e in &self.events {
            if !out.contains(&e.ticket) {
                out.push(e.ticket);
            }
        }
        out
    }

    /// The events of one ticket.
    pub fn events_of(&self, ticket: TicketId) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.ticket == ticket)
    }

    fn extend(&mut self, other: Decision) {
        self.events.extend(other.events);
        self.notifications.extend(other.notifications);
    }
}

/// Accumulates events on a working copy of a ticket.
struct Builder<'c> {
    ticket: Ticket,
    events: Vec<Event>,
    notifications: Vec<Notification>,
    ctx: &'c Context<'c>,
}

impl<'c> Builder<'c> {
    fn new(ticket: Ticket, ctx: &'c Context<'c>) -> Self {
        Builder {
            ticket,
            events: Vec::new(),
            notifications: Vec::new(),
            ctx,
        }
    }

    fn push(&mut self, kind: EventKind) {
        let event = Event {
            tenant: self.ticket.tenant(),
            ticket: self.ticket.id(),
            sequence: self.ticket.version().saturating_add(1),
            at: self.ctx.now,
            kind,
        };
        self.ticket.apply(&event);
        self.events.push(event);
    }

    fn status(&mut self, to: Status) {
        let from = self.ticket.status();
        if from != to && from.can_transition_to(to) {
            self.push(EventKind::StatusChanged { from, to });
        }
    }

    fn message(
        &self,
        author: Author,
        visibility: Visibility,
        channel: Channel,
        body: &str,
        external_id: Option<String>,
    ) -> Message {
        Message {
            id: MessageId::from_uuid(self.ctx.ids.next_uuid()),
            author,
            visibility,
            channel,
            body: body.to_owned(),
            at: self.ctx.now,
            external_id,
        }
    }

    /// A public message from a customer (the requester or a participant):
    /// it reopens a pending, on-hold or solved ticket and tells its owner.
    fn customer_message(
        &mut self,
        customer: CustomerId,
        channel: Channel,
        body: &str,
        external_id: Option<String>,
    ) {
        let before = self.ticket.status();
        let m = self.message(
            Author::Customer(customer),
            Visibility::Public,
            channel,
            body,
            external_id,
        );
        self.push(EventKind::CustomerReplied {
            message: Box::new(m.clone()),
        });
        if matches!(before, Status::Pending | Status::OnHold | Status::Solved) {
            self.status(Status::Open);
        }
        self.notify_owner(NotificationKind::CustomerReplied, Some(m));
    }

    fn notify_customer(
        &mut self,
        kind: NotificationKind,
        channel: Channel,
        message: Option<MessageId>,
    ) {
        let view = CustomerTicketView::of(&self.ticket);
        self.notifications.push(Notification {
            id: NotificationId::from_uuid(self.ctx.ids.next_uuid()),
            tenant: self.ticket.tenant(),
            ticket: self.ticket.id(),
            created_at: self.ctx.now,
            recipient: Recipient::Customer {
                customer: self.ticket.customer(),
                channel,
            },
            kind,
            content: NotificationContent::Customer(CustomerNotice::new(view, message)),
        });
    }

    /// Notifies the assignee, else the group, else the whole team.
    fn notify_owner(&mut self, kind: NotificationKind, message: Option<Message>) {
        let recipient = owner(&self.ticket);
        self.notify_agents(recipient, kind, message);
    }

    fn notify_agents(
        &mut self,
        recipient: Recipient,
        kind: NotificationKind,
        message: Option<Message>,
    ) {
        let t = &self.ticket;
        self.notifications.push(Notification {
            id: NotificationId::from_uuid(self.ctx.ids.next_uuid()),
            tenant: t.tenant(),
            ticket: t.id(),
            created_at: self.ctx.now,
            recipient,
            kind,
            content: NotificationContent::Agent(AgentNotice {
                subject: t.subject().to_owned(),
                status: t.status(),
                priority: t.priority(),
                message,
                satisfaction: t
                    .satisfaction()
                    .map(|s| (s.score.score(), s.comment.clone())),
                alert: None,
            }),
        });
    }

    fn finish(self) -> Decision {
        Decision {
            events: self.events,
            notifications: self.notifications,
        }
    }
}

fn owner(t: &Ticket) -> Recipient {
    match (t.assignee(), t.group()) {
        (Some(agent), _) => Recipient::Agent { agent },
        (None, Some(group)) => Recipient::Group { group },
        (None, None) => Recipient::Team,
    }
}

fn check_body(body: &str, action: Action, rules: &LifecycleRules) -> Result<(), DomainError> {
    if body.trim().is_empty() {
        return Err(DomainError::EmptyBody { action });
    }
    if body.len() > rules.max_body_bytes {
        return Err(DomainError::BodyTooLong {
            action,
            len: body.len(),
            max: rules.max_body_bytes,
        });
    }
    Ok(())
}

fn subject_from(subject: Option<&str>, body: &str, max: usize) -> String {
    let s = subject
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| body.trim().lines().next().unwrap_or("").trim());
    s.chars().take(max).collect()
}

/// Opens a ticket: the `Opened` event, the first message, and the
/// notifications (an acknowledgement to the customer and a new-ticket alert to
/// the team for reactive tickets; the message itself for proactive ones).
///
/// A proactive ticket starts `pending`: we wrote first and wait on the
/// customer.
///
/// # Errors
/// [`DomainError::EmptyBody`], [`DomainError::BodyTooLong`], or
/// [`DomainError::ChannelNotProactive`] for proactive outreach on a channel
/// customers alone can start (web form, help center, ...).
///
/// # Example
/// ```
/// use supportdesk::{Channel, ticket::{open, Context, OpenTicket, EventKind}};
/// use supportdesk::id::{CustomerId, TenantId};
/// use supportdesk::testing::SequentialIds;
///
/// let ids = SequentialIds::new();
/// let now = "2026-03-02T09:00:00Z".parse()?;
/// let cmd = OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "My parcel is late");
/// let d = open(TenantId::from_u128(1), &cmd, &Context::new(now, &ids))?;
/// assert!(matches!(d.events[0].kind, EventKind::Opened(_)));
/// assert!(matches!(d.events[1].kind, EventKind::CustomerReplied { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(
    tenant: TenantId,
    cmd: &OpenTicket,
    ctx: &Context<'_>,
) -> Result<Decision, DomainError> {
    check_body(&cmd.body, Action::Open, ctx.rules)?;
    if matches!(cmd.origin, Origin::Proactive { .. }) && !cmd.channel.supports_proactive() {
        return Err(DomainError::ChannelNotProactive {
            channel: cmd.channel,
        });
    }
    let id = TicketId::from_uuid(ctx.ids.next_uuid());
    let mut tags: Vec<_> = cmd
        .tags
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    tags.dedup();
    enforce_add(ctx.tag_rules, id, &BTreeSet::new(), &tags)?;
    let opened = Event {
        tenant,
        ticket: id,
        sequence: 1,
        at: ctx.now,
        kind: EventKind::Opened(Opening::from(TicketOpened {
            customer: cmd.customer,
            channel: cmd.channel,
            subject: subject_from(
                cmd.subject.as_deref(),
                &cmd.body,
                ctx.rules.max_subject_chars,
            ),
            priority: cmd.priority,
            origin: cmd.origin.clone(),
            follow_up_of: cmd.follow_up_of,
            tags,
        })),
    };
    let Some(ticket) = Ticket::opened(&opened) else {
        return Err(DomainError::NotFound { ticket: id });
    };
    let mut b = Builder::new(ticket, ctx);
    b.events.push(opened);
    match &cmd.origin {
        Origin::Reactive => {
            let m = b.message(
                Author::Customer(cmd.customer),
                Visibility::Public,
                cmd.channel,
                &cmd.body,
                cmd.external_id.clone(),
            );
            b.push(EventKind::CustomerReplied {
                message: Box::new(m.clone()),
            });
            if ctx.rules.acknowledge_new_tickets {
                b.notify_customer(NotificationKind::TicketReceived, cmd.channel, None);
            }
            b.notify_owner(NotificationKind::NewTicket, Some(m));
        }
        Origin::Proactive { agent } => {
            let author = match agent {
                Some(a) => Author::Agent(*a),
                None => Author::Bot("proactive".to_owned()),
            };
            let m = b.message(
                author,
                Visibility::Public,
                cmd.channel,
                &cmd.body,
                cmd.external_id.clone(),
            );
            let id = m.id;
            if agent.is_some() {
                b.push(EventKind::AgentReplied {
                    message: Box::new(m),
                });
            } else {
                b.push(EventKind::AutomatedReplySent {
                    message: Box::new(m),
                });
            }
            b.status(Status::Pending);
            b.notify_customer(NotificationKind::ProactiveMessage, cmd.channel, Some(id));
        }
    }
    Ok(b.finish())
}

/// Decides what a command does to a ticket. Pure: the ticket is not
/// changed; apply the returned events (or let the [`Desk`](crate::Desk)
/// store them) to change it.
///
/// A customer reply to a closed ticket returns the events of a new
/// follow-up ticket linked to it (`follow_up_of`), not events of the closed
/// one.
///
/// # Errors
/// A [`DomainError`] naming the ticket, its status and the action when the
/// command is not allowed (closed tickets are read-only; status changes
/// follow [`Status::can_transition_to`]; ratings need a solved ticket), or
/// when its content is invalid. Nothing changes on error.
///
/// # Example
/// ```
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::ticket::{decide, Command, Context, DomainError};
/// use supportdesk::{Status, id::AgentId};
/// use supportdesk::testing::SequentialIds;
///
/// let ticket = TicketBuilder::new().status(Status::Closed).build();
/// let ids = SequentialIds::new();
/// let ctx = Context::new("2026-03-02T10:00:00Z".parse()?, &ids);
/// let err = decide(&ticket, &Command::agent_reply(AgentId::from_u128(9), "hi"), &ctx).unwrap_err();
/// assert!(matches!(err, DomainError::IllegalInStatus { status: Status::Closed, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(
    ticket: &Ticket,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Decision, DomainError> {
    let action = command.action();
    if let Some(target) = ticket.merged_into() {
        return Err(DomainError::Merged {
            ticket: ticket.id(),
            target,
            action,
        });
    }
    let status = ticket.status();
    let illegal = || DomainError::IllegalInStatus {
        ticket: ticket.id(),
        status,
        action,
    };
    let mut b = Builder::new(ticket.clone(), ctx);
    match command {
        Command::CustomerReply {
            customer,
            channel,
            body,
            external_id,
        } => {
            check_body(body, action, ctx.rules)?;
            if *customer != ticket.customer() {
                return Err(DomainError::NotRequester {
                    ticket: ticket.id(),
                    customer: *customer,
                });
            }
            if status == Status::Closed {
                let follow = OpenTicket {
                    customer: *customer,
                    channel: *channel,
                    subject: Some(ticket.subject().to_owned()),
                    body: body.clone(),
                    external_id: external_id.clone(),
                    priority: ticket.priority(),
                    origin: Origin::Reactive,
                    follow_up_of: Some(ticket.id()),
                    tags: Vec::new(),
                };
                return open(ticket.tenant(), &follow, ctx);
            }
            b.customer_message(*customer, *channel, body, external_id.clone());
        }
        Command::ParticipantReply {
            customer,
            channel,
            body,
            external_id,
        } => {
            if *customer == ticket.customer() {
                let reply = Command::CustomerReply {
                    customer: *customer,
                    channel: *channel,
                    body: body.clone(),
                    external_id: external_id.clone(),
                };
                return decide(ticket, &reply, ctx);
            }
            check_body(body, action, ctx.rules)?;
            if status == Status::Closed {
                return Err(illegal());
            }
            b.customer_message(*customer, *channel, body, external_id.clone());
        }
        Command::AgentReply {
            agent,
            channel,
            body,
            then,
        } => {
            check_body(body, action, ctx.rules)?;
            if status == Status::Closed {
                return Err(illegal());
            }
            if let Some(to) = then {
                check_status_change(ticket, *to, Action::ChangeStatus(*to), ctx.rules, true)?;
                if *to == Status::Solved && status != Status::Solved {
                    enforce_solve(ctx.tag_rules, ticket)?;
                }
            }
            let channel = channel.unwrap_or(ticket.channel());
            let m = b.message(
                Author::Agent(*agent),
                Visibility::Public,
                channel,
                body,
                None,
            );
            let mid = m.id;
            b.push(EventKind::AgentReplied {
                message: Box::new(m),
            });
            match then {
                Some(to) => b.status(*to),
                None if status == Status::New => b.status(Status::Open),
                None => {}
            }
            let kind = if b.ticket.status() == Status::Solved && status != Status::Solved {
                NotificationKind::TicketSolved
            } else {
                NotificationKind::AgentReplied
            };
            b.notify_customer(kind, channel, Some(mid));
        }
        Command::AddNote { agent, body } => {
            check_body(body, action, ctx.rules)?;
            if status == Status::Closed {
                return Err(illegal());
            }
            let m = b.message(
                Author::Agent(*agent),
                Visibility::Internal,
                ticket.channel(),
                body,
                None,
            );
            b.push(EventKind::NoteAdded {
                message: Box::new(m.clone()),
            });
            if ticket.assignee().is_some_and(|a| a != *agent) {
                b.notify_owner(NotificationKind::NoteAdded, Some(m));
            }
        }
        Command::AutomatedNote { bot, body } => {
            check_body(body, action, ctx.rules)?;
            if status == Status::Closed {
                return Err(illegal());
            }
            let m = b.message(
                Author::Bot(bot.clone()),
                Visibility::Internal,
                ticket.channel(),
                body,
                None,
            );
            b.push(EventKind::NoteAdded {
                message: Box::new(m),
            });
        }
        Command::AutomatedReply { bot, body } => {
            check_body(body, action, ctx.rules)?;
            if status == Status::Closed {
                return Err(illegal());
            }
            let m = b.message(
                Author::Bot(bot.clone()),
                Visibility::Public,
                ticket.channel(),
                body,
                None,
            );
            let mid = m.id;
            b.push(EventKind::AutomatedReplySent {
                message: Box::new(m),
            });
            b.notify_customer(
                NotificationKind::AutomatedReply,
                ticket.channel(),
                Some(mid),
            );
        }
        Command::Assign { agent, group } => {
            if status == Status::Closed {
                return Err(illegal());
            }
            if ticket.assignee() == *agent && ticket.group() == *group {
                return Ok(Decision::default());
            }
            b.push(EventKind::Assigned(Box::new(Assignment {
                agent: *agent,
                group: *group,
            })));
            if agent.is_some() && status == Status::New {
                b.status(Status::Open);
            }
            match (agent, group) {
                (Some(a), _) if ticket.assignee() != Some(*a) => {
                    b.notify_agents(
                        Recipient::Agent { agent: *a },
                        NotificationKind::Assigned,
                        None,
                    );
                }
                (None, Some(g)) if ticket.group() != Some(*g) => {
                    b.notify_agents(
                        Recipient::Group { group: *g },
                        NotificationKind::Assigned,
                        None,
                    );
                }
                _ => {}
            }
        }
        Command::SetPriority { priority } => {
            if status == Status::Closed {
                return Err(illegal());
            }
            if ticket.priority() != *priority {
                b.push(EventKind::PriorityChanged {
                    from: ticket.priority(),
                    to: *priority,
                });
            }
        }
        Command::ChangeStatus { to } => {
            if *to == status {
                return Ok(Decision::default());
            }
            check_status_change(ticket, *to, action, ctx.rules, false)?;
            if *to == Status::Solved {
                enforce_solve(ctx.tag_rules, ticket)?;
            }
            b.status(*to);
            if *to == Status::Solved {
                b.notify_customer(NotificationKind::TicketSolved, ticket.channel(), None);
            }
        }
        Command::AddTags { tags } => {
            if status == Status::Closed {
                return Err(illegal());
            }
            let new: BTreeSet<_> = tags
                .iter()
                .filter(|t| !ticket.has_tag(t))
                .cloned()
                .collect();
            let new_tags: Vec<Tag> = new.iter().cloned().collect();
            enforce_add(ctx.tag_rules, ticket.id(), ticket.tags(), &new_tags)?;
            if !new.is_empty() {
                b.push(EventKind::TagsAdded {
                    tags: new.into_iter().collect(),
                });
            }
        }
        Command::RemoveTags { tags } => {
            if status == Status::Closed {
                return Err(illegal());
            }
            let gone: BTreeSet<_> = tags.iter().filter(|t| ticket.has_tag(t)).cloned().collect();
            if !gone.is_empty() {
                b.push(EventKind::TagsRemoved {
                    tags: gone.into_iter().collect(),
                });
            }
        }
        Command::RateSatisfaction { score, comment } => {
            if status.is_unsolved() {
                return Err(illegal());
            }
            let comment = comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(Box::from);
            b.push(EventKind::SatisfactionRated {
                score: *score,
                comment,
            });
            if score.score() <= 2 {
                b.notify_owner(NotificationKind::LowSatisfaction, None);
            }
        }
        Command::RateEffort { score } => {
            if status.is_unsolved() {
                return Err(illegal());
            }
            b.push(EventKind::EffortRated { score: *score });
        }
        Command::ApplySlaPolicy { policy } => {
            if status == Status::Closed {
                return Err(illegal());
            }
            if ticket.sla_policy() != Some(&**policy) {
                b.push(EventKind::SlaPolicyApplied {
                    policy: policy.clone(),
                });
            }
        }
    }
    Ok(b.finish())
}

/// Checks a status change against the transition table and the rules.
/// `with_reply` is true when the change comes with a public agent reply in
/// the same command (`AgentReply { then }`): staying in the same status is
/// then fine, and the reply counts for `require_agent_reply_to_solve`.
fn check_status_change(
    ticket: &Ticket,
    to: Status,
    action: Action,
    rules: &LifecycleRules,
    with_reply: bool,
) -> Result<(), DomainError> {
    let from = ticket.status();
    if from == to && with_reply {
        return Ok(());
    }
    if !from.can_transition_to(to) {
        return Err(DomainError::IllegalInStatus {
            ticket: ticket.id(),
            status: from,
            action,
        });
    }
    if to == Status::Solved
        && rules.require_agent_reply_to_solve
        && !with_reply
        && !ticket.has_agent_reply()
    {
        return Err(DomainError::ReplyRequiredToSolve {
            ticket: ticket.id(),
        });
    }
    Ok(())
}

/// Merges `source` into `target`: the source gets `MergedInto` and is
/// solved then closed (two moves the transition table allows); the target
/// gets `MergeReceived` with copies of the source's messages. Public messages
/// of a different requester become internal on the target, so the target's
/// customer never sees another customer's words.
///
/// # Errors
/// [`DomainError::MergeIntoSelf`]; [`DomainError::NotFound`] when the target
/// belongs to another tenant; [`DomainError::IllegalInStatus`] when either
/// ticket is closed; [`DomainError::Merged`] when either was already merged.
pub fn merge(source: &Ticket, target: &Ticket, ctx: &Context<'_>) -> Result<Decision, DomainError> {
    if source.id() == target.id() {
        return Err(DomainError::MergeIntoSelf {
            ticket: source.id(),
        });
    }
    if source.tenant() != target.tenant() {
        return Err(DomainError::NotFound {
            ticket: target.id(),
        });
    }
    for t in [source, target] {
        if let Some(into) = t.merged_into() {
            return Err(DomainError::Merged {
                ticket: t.id(),
                target: into,
                action: Action::Merge,
            });
        }
        if t.status() == Status::Closed {
            return Err(DomainError::IllegalInStatus {
                ticket: t.id(),
                status: t.status(),
                action: Action::Merge,
            });
        }
    }
    let mut s = Builder::new(source.clone(), ctx);
    s.push(EventKind::MergedInto {
        target: target.id(),
    });
    s.status(Status::Solved);
    s.status(Status::Closed);
    if source.customer() == target.customer() {
        s.notify_customer(NotificationKind::TicketMerged, source.channel(), None);
    }
    let mut decision = s.finish();

    let same_customer = source.customer() == target.customer();
    let messages = source
        .messages()
        .iter()
        .map(|m| {
            let mut m = m.clone();
            if !same_customer {
                m.visibility = Visibility::Internal;
            }
            m
        })
        .collect();
    let mut t = Builder::new(target.clone(), ctx);
    t.push(EventKind::MergeReceived(Box::new(MergeReceipt {
        source: source.id(),
        messages,
    })));
    decision.extend(t.finish());
    Ok(decision)
}

/// Records SLA alerts on a ticket: one
/// [`SlaAlerted`](EventKind::SlaAlerted) event each, and an agent
/// notification ([`SlaWarning`](NotificationKind::SlaWarning) or
/// [`SlaBreach`](NotificationKind::SlaBreach), carrying the alert) per
/// recipient the policy's escalation ladder names for the alert's point
/// ([`recipients`]; the owner is the assignee, else the group, else the
/// team), each recipient once. Alerts already raised on the ticket (in
/// [`Ticket::sla_alerts`]) are skipped, so replaying is harmless; nothing
/// raised gives an empty decision. Pure, like [`decide`]: the alerts come
/// from the SLA engine (`sla::due_alerts`), the
/// time and ids from `ctx`.
///
/// # Example
/// ```
/// use supportdesk::model::{AlertKey, AlertPoint, SlaAlert, SlaPolicy};
/// use supportdesk::notification::NotificationKind;
/// use supportdesk::testing::{SequentialIds, TicketBuilder};
/// use supportdesk::ticket::{record_alerts, Context};
///
/// let policy: SlaPolicy = serde_json::from_str(r#"{"id": "std", "version": 2, "metrics": [], "targets": []}"#)?;
/// let ticket = TicketBuilder::new().build();
/// let alert = SlaAlert {
///     key: AlertKey { policy: "std".into(), version: 2, metric: "first_reply".into(), cycle: 0, point: AlertPoint::Breach },
///     due_at: "2026-03-02T11:00:00Z".parse()?,
///     deadline: Some("2026-03-02T11:00:00Z".parse()?),
///     level: None,
/// };
/// let ids = SequentialIds::new();
/// let ctx = Context::new("2026-03-02T11:00:01Z".parse()?, &ids);
/// let d = record_alerts(&ticket, &[alert.clone()], &policy, &ctx);
/// assert_eq!(d.events.len(), 1);
/// assert_eq!(d.notifications[0].kind, NotificationKind::SlaBreach);
///
/// // Once recorded, the same alert is not raised again.
/// let mut after = ticket.clone();
/// for e in &d.events { after.apply(e); }
/// assert!(record_alerts(&after, &[alert], &policy, &ctx).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn record_alerts(
    ticket: &Ticket,
    alerts: &[SlaAlert],
    policy: &SlaPolicy,
    ctx: &Context<'_>,
) -> Decision {
    let mut b = Builder::new(ticket.clone(), ctx);
    for a in alerts {
        if b.ticket.sla_alerts().contains(&a.key) {
            continue;
        }
        b.push(EventKind::SlaAlerted {
            alert: Box::new(a.clone()),
        });
        let kind = match a.key.point {
            AlertPoint::Warning(_) => NotificationKind::SlaWarning,
            AlertPoint::Breach => NotificationKind::SlaBreach,
        };
        let mut sent: Vec<Recipient> = Vec::new();
        for to in recipients(policy, a.key.point) {
            let r = match to {
                EscalateTo::Owner => owner(&b.ticket),
                EscalateTo::Agent(agent) => Recipient::Agent { agent },
                EscalateTo::Group(group) => Recipient::Group { group },
                EscalateTo::Team => Recipient::Team,
            };
            if sent.contains(&r) {
                continue;
            }
            sent.push(r.clone());
            b.notify_agents(r, kind, None);
            if let Some(n) = b.notifications.last_mut() {
                if let NotificationContent::Agent(notice) = &mut n.content {
                    notice.alert = Some(a.clone());
                }
            }
        }
    }
    b.finish()
}

/// Records one firing of a rule: a [`RuleFired`](EventKind::RuleFired)
/// event, then the events of `commands` decided in order on the ticket as
/// it goes, then one agent notification per entry of `notices` (kind
/// [`RuleNotice`](NotificationKind::RuleNotice), the text as an internal
/// message by the rule). The firing's [`events`](RuleFiring::events) is set
/// to the number of events the commands produced.
///
/// All or nothing: when a command is refused the whole firing is, with
/// that command's error.
///
/// ```
/// use supportdesk::testing::{SequentialIds, TicketBuilder};
/// use supportdesk::ticket::{causes, fire_rule, Command, Context, EventKind};
/// use supportdesk::model::{EscalateTo, RuleFiring, RuleKind};
/// use supportdesk::{Priority, Status};
///
/// let ids = SequentialIds::new();
/// let ctx = Context::new("2026-03-02T09:00:00Z".parse()?, &ids);
/// let ticket = TicketBuilder::new().status(Status::Open).build();
/// let firing = RuleFiring {
///     rule: "urgent-vip".into(), name: "VIP is urgent".into(), kind: RuleKind::Trigger,
///     events: 0, due: None, anchor: None, pass: Some(1),
/// };
/// let d = fire_rule(
///     &ticket,
///     firing,
///     &[Command::SetPriority { priority: Priority::Urgent }],
///     &[(EscalateTo::Team, "A VIP wrote".into())],
///     &ctx,
/// )?;
/// assert_eq!(d.events.len(), 2);
/// assert!(matches!(&d.events[0].kind, EventKind::RuleFired { firing } if firing.events == 1));
/// let by = causes(&d.events);
/// assert_eq!(by[1].map(|f| f.rule.as_str()), Some("urgent-vip"));
/// assert_eq!(d.notifications.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The first command's [`DomainError`], as [`decide`] returns it.
pub fn fire_rule(
    ticket: &Ticket,
    firing: RuleFiring,
    commands: &[Command],
    notices: &[(EscalateTo, String)],
    ctx: &Context<'_>,
) -> Result<Decision, DomainError> {
    fire_rule_state(ticket, firing, commands, notices, ctx).map(|(d, _)| d)
}

/// [`fire_rule`], and the ticket with the decision's events applied (the
/// state it already builds), so a caller chaining firings need not copy
/// the ticket and apply them again.
pub(crate) fn fire_rule_state(
    ticket: &Ticket,
    firing: RuleFiring,
    commands: &[Command],
    notices: &[(EscalateTo, String)],
    ctx: &Context<'_>,
) -> Result<(Decision, Ticket), DomainError> {
    let bot = (!notices.is_empty()).then(|| format!("rule:{}", firing.rule));
    let mut b = Builder::new(ticket.clone(), ctx);
    b.push(EventKind::RuleFired {
        firing: Box::new(firing),
    });
    let Builder {
        ticket: mut state,
        events,
        notifications,
        ..
    } = b;
    let mut out = Decision {
        events,
        notifications,
    };
    let mut caused: u32 = 0;
    for c in commands {
        let d = decide(&state, c, ctx)?;
        for e in &d.events {
            state.apply(e);
        }
        caused = caused.saturating_add(u32::try_from(d.events.len()).unwrap_or(u32::MAX));
        out.extend(d);
    }
    if let Some(Event {
        kind: EventKind::RuleFired { firing },
        ..
    }) = out.events.first_mut()
    {
        firing.events = caused;
    }
    let Some(bot) = bot else {
        return Ok((out, state));
    };
    let mut b = Builder::new(state, ctx);
    for (to, text) in notices {
        let r = match to {
            EscalateTo::Owner => owner(&b.ticket),
            EscalateTo::Agent(agent) => Recipient::Agent { agent: *agent },
            EscalateTo::Group(group) => Recipient::Group { group: *group },
            EscalateTo::Team => Recipient::Team,
        };
        let m = b.message(
            Author::Bot(bot.clone()),
            Visibility::Internal,
            b.ticket.channel(),
            text,
            None,
        );
        b.notify_agents(r, NotificationKind::RuleNotice, Some(m));
    }
    let Builder {
        ticket: state,
        events,
        notifications,
        ..
    } = b;
    out.extend(Decision {
        events,
        notifications,
    });
    Ok((out, state))
}

/// For each event of a history, the rule firing that caused it, if any:
/// the [`RuleFired`](EventKind::RuleFired) event's
/// [`events`](RuleFiring::events) count says how many of the events after
/// it are its doing. A `RuleFired` event itself maps to `None`.
pub fn causes(history: &[Event]) -> Vec<Option<&RuleFiring>> {
    let mut out = Vec::with_capacity(history.len());
    let mut current: Option<(&RuleFiring, u32)> = None;
    for e in history {
        if let EventKind::RuleFired { firing } = &e.kind {
            current = (firing.events > 0).then_some((&**firing, firing.events));
            out.push(None);
            continue;
        }
        match current {
            Some((f, left)) => {
                out.push(Some(f));
                current = (left > 1).then_some((f, left - 1));
            }
            None => out.push(None),
        }
    }
    out
}

/// Records the tags an auto-tagger found for a ticket: a `TagsAdded` event
/// with those not on the ticket yet, in the order given (empty when none
/// is new). The tagger has already applied its taxonomy (unknown tags and
/// group conflicts are skipped there, with explanations), so the
/// taxonomy's tagging checks are not run again here; the tags a human adds
/// go through [`decide`] and [`Command::AddTags`].
///
/// ```
/// use supportdesk::testing::{SequentialIds, TicketBuilder};
/// use supportdesk::ticket::{auto_tag, Context, EventKind};
/// use supportdesk::Tag;
///
/// let ids = SequentialIds::new();
/// let ctx = Context::new("2026-03-02T09:00:00Z".parse()?, &ids);
/// let ticket = TicketBuilder::new().build();
/// let d = auto_tag(&ticket, &[Tag::new("payment/declined")?], &ctx);
/// assert!(matches!(&d.events[0].kind, EventKind::TagsAdded { tags } if tags.len() == 1));
/// assert_eq!(d.events[0].sequence, ticket.version() + 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn auto_tag(ticket: &Ticket, tags: &[Tag], ctx: &Context<'_>) -> Decision {
    let mut new: Vec<Tag> = Vec::new();
    for t in tags {
        if !ticket.has_tag(t) && !new.contains(t) {
            new.push(t.clone());
        }
    }
    let mut b = Builder::new(ticket.clone(), ctx);
    if !new.is_empty() {
        b.push(EventKind::TagsAdded { tags: new.into() });
    }
    b.finish()
}
