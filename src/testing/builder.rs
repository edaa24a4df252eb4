use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, MessageId, TenantId, TicketId};
use crate::insight::Question;
use crate::metrics::{FactsOptions, TicketFacts};
use crate::sla::Calendars;
use crate::ticket::{
    Assignment, Author, Event, EventKind, Message, Opening, Origin, Priority, Status, Tag, Ticket,
    TicketOpened, Visibility,
};

/// Builds a ticket with fixed ids and times through real events, so the
/// result is a ticket the core could have produced.
///
/// Defaults: tenant 1, ticket 100, customer 1, email, normal priority,
/// opened 2026-01-05 09:00 UTC (a Monday) with the message "Hello".
/// Each later step happens one minute after the previous one.
///
/// ```
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::{Status, id::AgentId};
/// let t = TicketBuilder::new().agent_reply(AgentId::from_u128(7), "On it").status(Status::Solved).build();
/// assert_eq!(t.status(), Status::Solved);
/// assert_eq!(t.messages().len(), 2);
/// assert_eq!(t.version(), 5); // opened, message, reply, open, solved
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone)]
pub struct TicketBuilder {
    tenant: TenantId,
    id: TicketId,
    customer: CustomerId,
    channel: Channel,
    priority: Priority,
    subject: String,
    body: String,
    at: DateTime<Utc>,
    steps: Vec<EventKind>,
    next_message: u128,
}

impl Default for TicketBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TicketBuilder {
    /// The default ticket (see the type docs).
    pub fn new() -> Self {
        TicketBuilder {
            tenant: TenantId::from_u128(1),
            id: TicketId::from_u128(100),
            customer: CustomerId::from_u128(1),
            channel: Channel::Email,
            priority: Priority::Normal,
            subject: "Hello".to_owned(),
            body: "Hello".to_owned(),
            at: Utc
                .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
                .single()
                .unwrap_or_default(),
            steps: Vec::new(),
            next_message: 1,
        }
    }

    /// Sets the tenant.
    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = tenant;
        self
    }
    /// Sets the ticket id.
    pub fn id(mut self, id: TicketId) -> Self {
        self.id = id;
        self
    }
    /// Sets the requester.
    pub fn customer(mut self, customer: CustomerId) -> Self {
        self.customer = customer;
        self
    }
    /// Sets the channel.
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }
    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }
    /// Sets the first message (and subject).
    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self.subject = body.lines().next().unwrap_or("").to_owned();
        self
    }
    /// Sets when it was opened.
    pub fn opened_at(mut self, at: DateTime<Utc>) -> Self {
        self.at = at;
        self
    }

    fn message(&mut self, author: Author, visibility: Visibility, body: &str) -> Message {
        let id = MessageId::from_u128((self.id.as_u128() << 32) | self.next_message);
        self.next_message += 1;
        Message {
            id,
            author,
            visibility,
            channel: self.channel,
            body: body.to_owned(),
            at: self.at, // replaced in build with the step time
            external_id: None,
        }
    }

    /// Adds a public agent reply.
    pub fn agent_reply(mut self, agent: AgentId, body: &str) -> Self {
        let m = self.message(Author::Agent(agent), Visibility::Public, body);
        self.steps.push(EventKind::AgentReplied {
            message: Box::new(m),
        });
        self
    }
    /// Adds a customer reply.
    pub fn customer_reply(mut self, body: &str) -> Self {
        let m = self.message(Author::Customer(self.customer), Visibility::Public, body);
        self.steps.push(EventKind::CustomerReplied {
            message: Box::new(m),
        });
        self
    }
    /// Adds an internal note.
    pub fn note(mut self, agent: AgentId, body: &str) -> Self {
        let m = self.message(Author::Agent(agent), Visibility::Internal, body);
        self.steps.push(EventKind::NoteAdded {
            message: Box::new(m),
        });
        self
    }
    /// Assigns an agent.
    pub fn assignee(mut self, agent: AgentId) -> Self {
        self.steps.push(EventKind::Assigned(Box::new(Assignment {
            agent: Some(agent),
            group: None,
        })));
        self
    }
    /// Adds a tag.
    ///
    /// # Panics
    /// When `tag` is not a valid [`Tag`] (a test fixture mistake).
    #[track_caller]
    pub fn tag(mut self, tag: &str) -> Self {
        let tag = match Tag::new(tag) {
            Ok(t) => t,
            Err(e) => panic!("TicketBuilder::tag: {e}"),
        };
        self.steps.push(EventKind::TagsAdded {
            tags: Box::new([tag]),
        });
        self
    }

    /// Moves the ticket to `status` along allowed transitions (through
    /// `open` and `solved` where needed).
    pub fn status(mut self, status: Status) -> Self {
        let current = self.current_status();
        let path: &[Status] = match (current, status) {
            (a, b) if a == b => &[],
            (a, b) if a.can_transition_to(b) => &[],
            (Status::Closed, _) => &[],
            (_, Status::Closed) => &[Status::Solved],
            (Status::Solved, _) => &[Status::Open],
            _ => &[],
        };
        let mut from = current;
        for &to in path.iter().chain(std::iter::once(&status)) {
            if from != to && from.can_transition_to(to) {
                self.steps.push(EventKind::StatusChanged { from, to });
                from = to;
            }
        }
        self
    }

    fn current_status(&self) -> Status {
        self.steps.iter().fold(Status::New, |s, k| match k {
            EventKind::StatusChanged { to, .. } => *to,
            EventKind::AgentReplied { .. } if s == Status::New => Status::Open,
            _ => s,
        })
    }

    /// The events of the ticket, one minute apart (never past
    /// `DateTime::<Utc>::MAX_UTC`: near it, the later events share that
    /// instant).
    pub fn events(&self) -> Vec<Event> {
        let mut out = Vec::with_capacity(self.steps.len() + 2);
        let mut seq = 0u64;
        let mut at = self.at;
        let mut push = |kind: EventKind, at: DateTime<Utc>| {
            seq += 1;
            out.push(Event {
                tenant: self.tenant,
                ticket: self.id,
                sequence: seq,
                at,
                kind,
            });
        };
        push(
            EventKind::Opened(Opening::from(TicketOpened {
                customer: self.customer,
                channel: self.channel,
                subject: self.subject.clone(),
                priority: self.priority,
                origin: Origin::Reactive,
                follow_up_of: None,
                tags: Vec::new(),
            })),
            at,
        );
        let first = Message {
            id: MessageId::from_u128(self.id.as_u128() << 32),
            author: Author::Customer(self.customer),
            visibility: Visibility::Public,
            channel: self.channel,
            body: self.body.clone(),
            at,
            external_id: None,
        };
        push(
            EventKind::CustomerReplied {
                message: Box::new(first),
            },
            at,
        );
        let mut status = Status::New;
        for step in &self.steps {
            at = at
                .checked_add_signed(Duration::minutes(1))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let mut kind = step.clone();
            match &mut kind {
                EventKind::AgentReplied { message }
                | EventKind::CustomerReplied { message }
                | EventKind::NoteAdded { message } => message.at = at,
                _ => {}
            }
            let agent_reply_on_new =
                matches!(kind, EventKind::AgentReplied { .. }) && status == Status::New;
            if let EventKind::StatusChanged { to, .. } = kind {
                status = to;
            }
            push(kind, at);
            if agent_reply_on_new {
                push(
                    EventKind::StatusChanged {
                        from: Status::New,
                        to: Status::Open,
                    },
                    at,
                );
                status = Status::Open;
            }
        }
        // Re-derive `from` of status changes after automatic moves.
        let mut cur = Status::New;
        for e in &mut out {
            if let EventKind::StatusChanged { from, to } = &mut e.kind {
                *from = cur;
                cur = *to;
            }
        }
        out
    }

    /// The ticket's [`TicketFacts`] at `as_of`, in calendar time (no
    /// business calendar). A test helper:
    ///
    /// # Panics
    /// When `as_of` is before the ticket was opened (there are no facts
    /// yet), or when the SLA engine cannot read the history (a builder's
    /// history with a policy naming a calendar; the builder adds none). Use
    /// [`TicketFacts::from_events`] for typed errors.
    ///
    /// ```
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::{Status, id::AgentId};
    /// let f = TicketBuilder::new().agent_reply(AgentId::from_u128(7), "On it").status(Status::Solved)
    ///     .facts_at("2026-02-01T00:00:00Z".parse().unwrap());
    /// assert!(f.is_one_touch());
    /// ```
    pub fn facts_at(&self, as_of: DateTime<Utc>) -> TicketFacts {
        let options = FactsOptions::new(as_of, Calendars::new());
        #[allow(clippy::expect_used)]
        TicketFacts::from_events(&self.events(), &options)
            .expect("the SLA engine reads a built history")
            .expect("as_of is not before the ticket was opened")
    }

    /// The ticket's [`Question`] (its first public customer message and
    /// first public agent reply).
    pub fn question(&self) -> Option<Question> {
        Question::from_events(&self.events())
    }

    /// The ticket.
    pub fn build(&self) -> Ticket {
        let events = self.events();
        // The first event is always `Opened`: `from_events` cannot fail here.
        #[allow(clippy::expect_used)]
        Ticket::from_events(&events).expect("the first event is always opened")
    }
}
