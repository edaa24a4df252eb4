//! The `Desk` service: load, decide, save with compare-and-set, retry,
//! dispatch.

mod retry;
mod tags;

pub use retry::RetryPolicy;
pub use tags::{SpikeAlerts, SpikeCheck};

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{
    AgentId, CustomerId, IdGenerator, MessageId, NotificationId, RandomIds, TenantId, TicketId,
};
use crate::notification::Notification;
use crate::port::{
    Clock, Commit, CustomerWrite, DueUpdate, ExpectedVersion, InboundKey, InboundRecord, Notifier,
    StoreError, TicketOrder, TicketQuery, TicketStore, TicketWrite,
};
use crate::sla::{self, Calendars, PolicySet, SlaError, SlaPolicy, SlaReport};
use crate::taxonomy::{AutoTagger, AutoTags, Taxonomy};
use crate::ticket::{
    self, Command, Context, CustomerTicketView, Decision, DomainError, Event, EventKind,
    LifecycleRules, OpenTicket, Priority, Status, Ticket,
};

/// A `Desk` operation failed. Nothing was changed unless the variant says so.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// The command is not allowed (see [`DomainError`]).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such ticket in this tenant.
    #[error("ticket {ticket} not found")]
    TicketNotFound {
        /// The id asked for.
        ticket: TicketId,
    },
    /// No such customer in this tenant.
    #[error("customer {customer} not found")]
    CustomerNotFound {
        /// The id asked for.
        customer: CustomerId,
    },
    /// SLA configuration or evaluation failed.
    #[error(transparent)]
    Sla(#[from] SlaError),
    /// A message named a ticket whose requester does not own the sender's
    /// identity, and the desk's [`ForeignSender`] policy is
    /// [`Refuse`](ForeignSender::Refuse). Nothing was written: no customer,
    /// no message, no identity link.
    #[error(
        "refused a message from {identity} naming ticket {ticket}: the identity is not its requester's"
    )]
    ForeignSender {
        /// The sender's identity.
        identity: Identity,
        /// The ticket the message named.
        ticket: TicketId,
    },
    /// Other writers changed the ticket every time we tried; nothing was
    /// written. Try again later.
    #[error("gave up after {attempts} attempts: other writers kept changing {}", match .ticket { Some(t) => format!("ticket {t}"), None => "the records".to_owned() })]
    Contended {
        /// The ticket, when the command was about a known one.
        ticket: Option<TicketId>,
        /// How many times it was tried.
        attempts: u32,
    },
}

impl DeskError {
    /// Whether the error is a domain rule (the command itself is wrong).
    pub fn is_domain(&self) -> bool {
        matches!(self, DeskError::Domain(_))
    }
}

/// A message that arrived on a channel, before the desk knows its customer or
/// ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// Who it is from.
    pub from: Identity,
    /// The channel it came on.
    pub channel: Channel,
    /// The text.
    pub body: String,
    /// A subject line (email), if any.
    pub subject: Option<String>,
    /// The channel's id for the message. With it, a redelivery of the same
    /// message is recorded once.
    pub external_id: Option<String>,
    /// The ticket the host knows it belongs to (an email reply's thread, a
    /// ticket link). Without it, the customer's most recently updated
    /// unsolved ticket is continued, else a new ticket is opened. From an
    /// identity the ticket's requester does not own, the desk's
    /// [`ForeignSender`] policy applies.
    pub ticket: Option<TicketId>,
    /// The sender's display name, used when the customer is new.
    pub name: Option<String>,
    /// Priority for a new ticket.
    pub priority: Priority,
}

impl Inbound {
    /// A message `from` someone on `channel`.
    pub fn new(from: Identity, channel: Channel, body: impl Into<String>) -> Self {
        Inbound {
            from,
            channel,
            body: body.into(),
            subject: None,
            external_id: None,
            ticket: None,
            name: None,
            priority: Priority::Normal,
        }
    }

    /// Sets the channel's message id (for idempotency).
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Says which ticket the message belongs to (an email thread's
    /// `In-Reply-To`, a ticket link).
    ///
    /// This never links the sender's identity to the ticket's requester:
    /// when the requester owns the identity it is their reply; otherwise
    /// the desk's [`ForeignSender`] policy decides: by default the message
    /// is recorded on the ticket as from a distinct customer (the one who
    /// owns the identity, or a new one), a participant of the ticket; with
    /// [`ForeignSender::Refuse`] it is refused with
    /// [`DeskError::ForeignSender`]. Link an identity to a customer with
    /// [`Desk::add_identity`], or move a participant's identity to the
    /// requester with [`Desk::move_identity`].
    pub fn to_ticket(mut self, ticket: TicketId) -> Self {
        self.ticket = Some(ticket);
        self
    }

    /// Sets the sender's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the priority of a new ticket.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }
}

/// What [`Desk::receive`] does with a message that names a ticket
/// ([`Inbound::to_ticket`]) but comes from an identity the ticket's requester
/// does not own: an unknown identity, or another customer's.
///
/// Hosts take the ticket from headers the sender controls (`In-Reply-To`,
/// a link), so naming a ticket proves nothing about who wrote. Under every
/// policy the desk never attaches the sender's identity to the requester:
/// linking an identity to a customer is only ever the explicit
/// [`Desk::add_identity`] or [`Desk::move_identity`]. Set with
/// [`Desk::with_foreign_sender`].
///
/// ```
/// use supportdesk::{Channel, Desk, DeskError, ForeignSender, InMemoryStore, Inbound};
/// use supportdesk::customer::Identity;
/// use supportdesk::id::TenantId;
/// use supportdesk::testing::{ManualClock, RecordingNotifier};
///
/// let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?);
/// let shop = TenantId::from_u128(1);
/// let ana = desk.receive(shop, Inbound::new(Identity::email("ana@example.com")?, Channel::Email, "My order"))?;
/// let eve = Identity::email("eve@example.com")?;
///
/// // The default: Eve's message is on Ana's ticket, from Eve's own customer.
/// let r = desk.receive(shop, Inbound::new(eve.clone(), Channel::Email, "Re: My order").to_ticket(ana.ticket))?;
/// assert_eq!(r.ticket, ana.ticket);
/// assert_ne!(r.customer, ana.customer);
/// assert_eq!(desk.ticket(shop, ana.ticket)?.participants(), [r.customer]);
///
/// // Refusing instead:
/// let desk = desk.with_foreign_sender(ForeignSender::Refuse);
/// let err = desk.receive(shop, Inbound::new(eve, Channel::Email, "Again").to_ticket(ana.ticket)).unwrap_err();
/// assert!(matches!(err, DeskError::ForeignSender { ticket, .. } if ticket == ana.ticket));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ForeignSender {
    /// Record the message on the named ticket as from a distinct customer,
    /// a participant of the ticket (as help desks treat a CC'd sender):
    /// the customer who owns the identity, or a new customer created for it.
    /// The identity stays with that customer, so the sender's later
    /// messages that name no ticket continue or open the sender's own
    /// tickets, never the requester's. The requester does not see the
    /// participant's words, and the participant gets no view of the ticket
    /// (see [`Command::ParticipantReply`]). A named ticket that is closed is
    /// not followed up for the requester: the message is handled as if it
    /// named no ticket. The default.
    #[default]
    Participant,
    /// Refuse the message with [`DeskError::ForeignSender`], writing
    /// nothing.
    Refuse,
}

/// What happened to the notifications of a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Handed to the notifier and marked delivered.
    pub delivered: Vec<NotificationId>,
    /// Not delivered (or delivered but not marked): they stay in the outbox
    /// and [`Desk::dispatch_outbox`] retries them. Never silently dropped.
    pub pending: Vec<(NotificationId, String)>,
}

impl Delivery {
    fn merge(&mut self, other: Delivery) {
        self.delivered.extend(other.delivered);
        self.pending.extend(other.pending);
    }
}

/// The result of a command that changed (or could have changed) a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The ticket after the command. For a customer reply to a closed
    /// ticket this is the new follow-up ticket; for a merge, the target.
    pub ticket: Ticket,
    /// Every event the command stored (several tickets for a merge).
    pub events: Vec<Event>,
    /// Notification delivery.
    pub delivery: Delivery,
}

/// The result of receiving an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The ticket the message is on.
    pub ticket: TicketId,
    /// The message it became.
    pub message: MessageId,
    /// The customer who owns the sender's identity (found, or created for
    /// it). For a participant's message (see [`ForeignSender`]) this is not
    /// the ticket's requester.
    pub customer: CustomerId,
    /// True when the message had been received before: nothing was written.
    pub duplicate: bool,
    /// True when a new ticket was opened for it.
    pub opened: bool,
    /// Notification delivery (empty for duplicates).
    pub delivery: Delivery,
    /// The tags the desk's auto-tagger added, with their explanations
    /// (empty without an auto-tagger, and for duplicates).
    pub auto_tags: AutoTags,
}

/// The support desk service over the host's store, notifier and clock.
///
/// Every command runs the same loop: load the ticket, [`decide`](ticket::decide),
/// commit state + events + notifications with the loaded version, and on a
/// version conflict reload and decide again (bounded by the
/// [`RetryPolicy`], then [`DeskError::Contended`]). After the commit, the
/// notifications are handed to the notifier and marked delivered; a notifier
/// failure never undoes the commit, the notification stays in the outbox.
///
/// ```
/// use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Status, ticket::Command};
/// use supportdesk::customer::Identity;
/// use supportdesk::id::{AgentId, TenantId};
/// use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
///
/// let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?)
///     .with_ids(SequentialIds::new());
/// let shop = TenantId::from_u128(1);
/// let r = desk.receive(shop, Inbound::new(Identity::email("ana@example.com")?, Channel::Email, "Where is my order?"))?;
/// desk.execute(shop, r.ticket, Command::agent_reply(AgentId::from_u128(7), "It ships today."))?;
/// let out = desk.execute(shop, r.ticket, Command::status(Status::Solved))?;
/// assert_eq!(out.ticket.status(), Status::Solved);
/// assert_eq!(desk.notifier().sent().len(), 4); // ack, new-ticket alert, reply, solved
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Desk<S, N, C> {
    store: S,
    notifier: N,
    clock: C,
    ids: Arc<dyn IdGenerator>,
    rules: LifecycleRules,
    retry: RetryPolicy,
    turns: retry::Turns,
    sla: Option<SlaSetup>,
    taxonomy: Option<Arc<Taxonomy>>,
    auto_tagger: Option<Arc<AutoTagger>>,
    spike_alerts: Option<SpikeAlerts>,
    foreign_sender: ForeignSender,
}

/// The SLA configuration of a desk: the policies and the calendars their
/// targets name.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaSetup {
    /// The policies, first match wins, with a fallback.
    pub policies: PolicySet,
    /// The calendars.
    pub calendars: Calendars,
}

/// What a [`Desk::sweep`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepReport {
    /// Tickets looked at.
    pub checked: usize,
    /// SLA alerts raised (warnings and breaches).
    pub alerts: Vec<(TicketId, sla::SlaAlert)>,
    /// Tickets that could not be processed, with why; they stay due and the
    /// next sweep tries again.
    pub failed: Vec<(TicketId, String)>,
}

impl<S: fmt::Debug, N: fmt::Debug, C: fmt::Debug> fmt::Debug for Desk<S, N, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Desk")
            .field("store", &self.store)
            .field("notifier", &self.notifier)
            .field("clock", &self.clock)
            .field("ids", &self.ids)
            .field("rules", &self.rules)
            .field("retry", &self.retry)
            .field("sla", &self.sla)
            .field("taxonomy", &self.taxonomy.is_some())
            .field("auto_tagger", &self.auto_tagger.as_ref().map(|a| a.len()))
            .field("spike_alerts", &self.spike_alerts)
            .field("foreign_sender", &self.foreign_sender)
            .finish()
    }
}

enum Attempt<T> {
    Done(T),
    Retry,
}

impl<S: TicketStore, N: Notifier, C: Clock> Desk<S, N, C> {
    /// A desk with random ids, default rules and the default retry policy.
    pub fn new(store: S, notifier: N, clock: C) -> Self {
        Desk {
            store,
            notifier,
            clock,
            ids: Arc::new(RandomIds),
            rules: LifecycleRules::default(),
            retry: RetryPolicy::default(),
            turns: retry::Turns::new(),
            sla: None,
            taxonomy: None,
            auto_tagger: None,
            spike_alerts: None,
            foreign_sender: ForeignSender::default(),
        }
    }

    /// Turns on SLAs: new tickets get the first matching policy applied
    /// (recorded on them), every write keeps the due index current, and
    /// [`sweep`](Self::sweep) / [`tick`](Self::tick) raise warnings and
    /// breaches.
    ///
    /// # Errors
    /// The first [`SlaError`] of [`PolicySet::validate`].
    pub fn with_sla(mut self, policies: PolicySet, calendars: Calendars) -> Result<Self, SlaError> {
        policies.validate(&calendars)?;
        self.sla = Some(SlaSetup {
            policies,
            calendars,
        });
        Ok(self)
    }

    /// The SLA configuration, if any.
    pub fn sla(&self) -> Option<&SlaSetup> {
        self.sla.as_ref()
    }

    /// Every SLA target of a ticket now (an empty report without SLAs or
    /// without a policy on the ticket).
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`], [`DeskError::Sla`], [`DeskError::Store`].
    pub fn sla_report(&self, tenant: TenantId, id: TicketId) -> Result<SlaReport, DeskError> {
        let events = self.history(tenant, id)?;
        let empty = Calendars::new();
        let calendars = self.sla.as_ref().map_or(&empty, |s| &s.calendars);
        Ok(sla::evaluate(&events, calendars, self.clock.now(), None)?)
    }

    /// Re-applies a policy to a ticket explicitly (time already used is
    /// kept: clocks run from their original starts). The policy is
    /// validated against the desk's calendars first, as
    /// [`with_sla`](Self::with_sla) validates its policies.
    ///
    /// # Errors
    /// [`DeskError::Sla`] with the error of [`SlaPolicy::validate`];
    /// otherwise as [`execute`](Self::execute).
    pub fn apply_sla_policy(
        &self,
        tenant: TenantId,
        id: TicketId,
        policy: SlaPolicy,
    ) -> Result<Outcome, DeskError> {
        let empty = Calendars::new();
        policy.validate(self.sla.as_ref().map_or(&empty, |s| &s.calendars))?;
        self.execute(
            tenant,
            id,
            Command::ApplySlaPolicy {
                policy: Box::new(policy),
            },
        )
    }

    /// Raises the SLA warnings and breaches of a ticket that are due now and
    /// not raised yet, as `SlaAlerted` events with their notifications, and
    /// updates its due time. Each alert is raised once: the ticket records
    /// it, and the write is compare-and-set, so retries and concurrent ticks
    /// cannot raise it twice.
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`], [`DeskError::Sla`],
    /// [`DeskError::Contended`], [`DeskError::Store`].
    pub fn tick(&self, tenant: TenantId, id: TicketId) -> Result<Outcome, DeskError> {
        let Some(setup) = &self.sla else {
            return Ok(Outcome {
                ticket: self.ticket(tenant, id)?,
                events: Vec::new(),
                delivery: Delivery::default(),
            });
        };
        self.with_retries(Some(id), || {
            let current = self.ticket(tenant, id)?;
            let ctx = self.context();
            let history = self.store.events(tenant, id)?;
            let Some(policy) = current.sla_policy() else {
                return self.set_due(tenant, &current, None);
            };
            let report = sla::evaluate(&history, &setup.calendars, ctx.now, Some(policy))?;
            let alerts = sla::due_alerts(&report, policy, current.sla_alerts(), ctx.now);
            if alerts.is_empty() {
                let at = sla::next_wakeup(&report, policy, current.sla_alerts(), ctx.now);
                return self.set_due(tenant, &current, at);
            }
            let decision = ticket::record_alerts(&current, &alerts, policy, &ctx);
            self.commit_decision(
                tenant,
                &[&current],
                decision,
                Vec::new(),
                Vec::new(),
                id,
                ctx.now,
            )
        })
    }

    fn set_due(
        &self,
        tenant: TenantId,
        t: &Ticket,
        at: Option<DateTime<Utc>>,
    ) -> Result<Attempt<Outcome>, DeskError> {
        let mut commit = Commit::new(tenant);
        commit.due.push(DueUpdate {
            ticket: t.id(),
            version: t.version(),
            at,
        });
        self.store.commit(&commit)?;
        Ok(Attempt::Done(Outcome {
            ticket: t.clone(),
            events: Vec::new(),
            delivery: Delivery::default(),
        }))
    }

    /// Ticks every ticket due by now, at most `limit`, found through the
    /// store's due index (time proportional to the tickets due). Run it when
    /// [`next_wakeup`](Self::next_wakeup) says.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the index cannot be read; failures on single
    /// tickets are reported in [`SweepReport::failed`].
    pub fn sweep(&self, limit: usize) -> Result<SweepReport, DeskError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        for d in self.store.due(now, limit)? {
            report.checked += 1;
            match self.tick(d.tenant, d.ticket) {
                Ok(out) => {
                    for e in out.events {
                        if let EventKind::SlaAlerted { alert } = e.kind {
                            report.alerts.push((d.ticket, *alert));
                        }
                    }
                }
                Err(e) => report.failed.push((d.ticket, e.to_string())),
            }
        }
        Ok(report)
    }

    /// When the earliest ticket is due, if any: when the host should call
    /// [`sweep`](Self::sweep) next.
    ///
    /// # Errors
    /// [`DeskError::Store`].
    pub fn next_wakeup(&self) -> Result<Option<DateTime<Utc>>, DeskError> {
        Ok(self.store.due(sla_far_future(), 1)?.first().map(|d| d.at))
    }

    /// Uses another id generator (deterministic ids in tests).
    pub fn with_ids(mut self, ids: impl IdGenerator + 'static) -> Self {
        self.ids = Arc::new(ids);
        self
    }

    /// Uses other lifecycle rules.
    pub fn with_rules(mut self, rules: LifecycleRules) -> Self {
        self.rules = rules;
        self
    }

    /// Uses another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets what [`receive`](Self::receive) does with a message naming a
    /// ticket from an identity its requester does not own (default
    /// [`ForeignSender::Participant`]).
    pub fn with_foreign_sender(mut self, policy: ForeignSender) -> Self {
        self.foreign_sender = policy;
        self
    }

    /// The policy for messages naming a ticket from an identity its
    /// requester does not own.
    pub fn foreign_sender(&self) -> ForeignSender {
        self.foreign_sender
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The notifier.
    pub fn notifier(&self) -> &N {
        &self.notifier
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The lifecycle rules.
    pub fn rules(&self) -> &LifecycleRules {
        &self.rules
    }

    fn context(&self) -> Context<'_> {
        let ctx = Context::new(self.clock.now(), &*self.ids).with_rules(&self.rules);
        match &self.taxonomy {
            Some(t) => ctx.with_taxonomy(t),
            None => ctx,
        }
    }

    /// Runs `attempt` until it is done, an error that is not a lost race, or
    /// the retry budget is spent (see [`RetryPolicy`]). From the first lost
    /// race on, the command holds the turn on `contended`, so the desk's
    /// own losers retry one at a time instead of starving each other.
    fn with_retries<T>(
        &self,
        contended: Option<TicketId>,
        mut attempt: impl FnMut() -> Result<Attempt<T>, DeskError>,
    ) -> Result<T, DeskError> {
        let max = self.retry.max_attempts.max(1);
        let deadline = self.retry.deadline_from(Instant::now());
        let mut turn = None;
        let mut attempts: u32 = 0;
        loop {
            attempts = attempts.saturating_add(1);
            if let Attempt::Done(v) = attempt()? {
                return Ok(v);
            }
            let spent = attempts >= max || deadline.is_some_and(|d| Instant::now() >= d);
            if spent {
                break;
            }
            self.retry.pause(attempts - 1, deadline);
            if turn.is_none() {
                turn = self.turns.enter(contended, deadline);
                if turn.is_none() {
                    break;
                }
            }
        }
        Err(DeskError::Contended {
            ticket: contended,
            attempts,
        })
    }

    /// A ticket of the tenant (agents see everything of their own tenant).
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`] when the tenant has no such ticket (also
    /// when another tenant has it); [`DeskError::Store`].
    pub fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Ticket, DeskError> {
        self.store
            .ticket(tenant, id)?
            .ok_or(DeskError::TicketNotFound { ticket: id })
    }

    /// A ticket's stored event history.
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`], [`DeskError::Store`].
    pub fn history(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, DeskError> {
        let events = self.store.events(tenant, id)?;
        if events.is_empty() {
            return Err(DeskError::TicketNotFound { ticket: id });
        }
        Ok(events)
    }

    /// What `customer` may see of a ticket: "not found" unless they are its
    /// requester.
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`], [`DeskError::Store`].
    pub fn customer_view(
        &self,
        tenant: TenantId,
        id: TicketId,
        customer: CustomerId,
    ) -> Result<CustomerTicketView, DeskError> {
        let t = self.ticket(tenant, id)?;
        CustomerTicketView::for_customer(&t, customer)
            .ok_or(DeskError::TicketNotFound { ticket: id })
    }

    /// A customer of the tenant.
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`], [`DeskError::Store`].
    pub fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Customer, DeskError> {
        self.store
            .customer(tenant, id)?
            .ok_or(DeskError::CustomerNotFound { customer: id })
    }

    /// Registers a customer with identities (or returns the existing owner of
    /// the first identity when all given identities already belong to them).
    ///
    /// # Errors
    /// [`StoreError::IdentityTaken`] (as [`DeskError::Store`]) when an
    /// identity belongs to another customer; [`DeskError::Store`].
    pub fn register_customer(
        &self,
        tenant: TenantId,
        name: Option<&str>,
        identities: &[Identity],
    ) -> Result<Customer, DeskError> {
        let Some(first) = identities.first() else {
            return Err(DeskError::Store(StoreError::InvalidCommit {
                reason: "a customer needs at least one identity".to_owned(),
            }));
        };
        if let Some(existing) = self.store.customer_by_identity(tenant, first)? {
            if identities.iter().all(|i| existing.has_identity(i)) {
                return Ok(existing);
            }
        }
        let mut customer = Customer::new(
            CustomerId::from_uuid(self.ids.next_uuid()),
            tenant,
            first.clone(),
        );
        for i in &identities[1..] {
            if !customer.has_identity(i) {
                customer.identities.push(i.clone());
            }
        }
        customer.name = name.map(str::to_owned);
        customer.version = 1;
        let mut commit = Commit::new(tenant);
        commit.customers.push(CustomerWrite {
            expected: ExpectedVersion::New,
            customer: customer.clone(),
        });
        self.store.commit(&commit)?;
        Ok(customer)
    }

    /// Links another identity to a customer (they wrote from a new phone).
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`]; [`StoreError::IdentityTaken`] when it
    /// belongs to someone else; [`DeskError::Contended`].
    pub fn add_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
    ) -> Result<Customer, DeskError> {
        self.with_retries(None, || {
            let mut c = self.customer(tenant, customer)?;
            if c.has_identity(&identity) {
                return Ok(Attempt::Done(c));
            }
            let mut commit = Commit::new(tenant);
            commit.customers.push(gain_identity(&mut c, &identity));
            match self.store.commit(&commit) {
                Ok(()) => Ok(Attempt::Done(c)),
                Err(e) if e.is_conflict() => Ok(Attempt::Retry),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Moves an identity to `customer` from whoever has it, in one commit:
    /// the explicit way to say that a participant's address (see
    /// [`ForeignSender::Participant`]) is really this customer's. The
    /// previous owner keeps their tickets and other identities; the
    /// identity's later messages are `customer`'s. Without a previous
    /// owner it is [`add_identity`](Self::add_identity).
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`]; [`DeskError::Contended`];
    /// [`DeskError::Store`].
    pub fn move_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
    ) -> Result<Customer, DeskError> {
        self.with_retries(None, || {
            let mut to = self.customer(tenant, customer)?;
            if to.has_identity(&identity) {
                return Ok(Attempt::Done(to));
            }
            let mut commit = Commit::new(tenant);
            if let Some(mut from) = self.store.customer_by_identity(tenant, &identity)? {
                let expected = ExpectedVersion::Version(from.version);
                from.identities.retain(|i| *i != identity);
                from.version = from.version.saturating_add(1);
                commit.customers.push(CustomerWrite {
                    expected,
                    customer: from,
                });
            }
            commit.customers.push(gain_identity(&mut to, &identity));
            match self.store.commit(&commit) {
                Ok(()) => Ok(Attempt::Done(to)),
                Err(e) if e.is_retryable() => Ok(Attempt::Retry),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Runs a command on a ticket.
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`]; [`DeskError::Domain`] when the command
    /// is not allowed (nothing changes); [`DeskError::Contended`] after the
    /// retry budget; [`DeskError::Store`].
    pub fn execute(
        &self,
        tenant: TenantId,
        id: TicketId,
        command: Command,
    ) -> Result<Outcome, DeskError> {
        self.with_retries(Some(id), || {
            let current = self.ticket(tenant, id)?;
            let ctx = self.context();
            let decision = ticket::decide(&current, &command, &ctx)?;
            self.commit_decision(
                tenant,
                &[&current],
                decision,
                Vec::new(),
                Vec::new(),
                id,
                ctx.now,
            )
        })
    }

    /// Opens a proactive ticket: we contact the customer first.
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`]; [`DeskError::Domain`] (empty body,
    /// channel that cannot be used proactively); [`DeskError::Store`].
    pub fn open_proactive(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        channel: Channel,
        agent: Option<AgentId>,
        subject: &str,
        body: &str,
    ) -> Result<Outcome, DeskError> {
        self.customer(tenant, customer)?;
        let cmd = OpenTicket::proactive(customer, channel, agent, body).with_subject(subject);
        self.open(tenant, &cmd)
    }

    /// Opens a ticket from an [`OpenTicket`] command for a known customer.
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`], [`DeskError::Domain`], [`DeskError::Store`].
    pub fn open(&self, tenant: TenantId, cmd: &OpenTicket) -> Result<Outcome, DeskError> {
        self.customer(tenant, cmd.customer)?;
        let ctx = self.context();
        let decision = ticket::open(tenant, cmd, &ctx)?;
        let id = decision
            .events
            .first()
            .map_or(TicketId::from_u128(0), |e| e.ticket);
        match self.commit_decision(tenant, &[], decision, Vec::new(), Vec::new(), id, ctx.now)? {
            Attempt::Done(o) => Ok(o),
            Attempt::Retry => Err(DeskError::Contended {
                ticket: Some(id),
                attempts: 1,
            }),
        }
    }

    /// Merges `source` into `target` (both of the tenant).
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`] for either; [`DeskError::Domain`];
    /// [`DeskError::Contended`]; [`DeskError::Store`].
    pub fn merge(
        &self,
        tenant: TenantId,
        source: TicketId,
        target: TicketId,
    ) -> Result<Outcome, DeskError> {
        self.with_retries(Some(source), || {
            let s = self.ticket(tenant, source)?;
            let t = self.ticket(tenant, target)?;
            let ctx = self.context();
            let decision = ticket::merge(&s, &t, &ctx)?;
            self.commit_decision(
                tenant,
                &[&s, &t],
                decision,
                Vec::new(),
                Vec::new(),
                target,
                ctx.now,
            )
        })
    }

    /// Receives an inbound message: finds (or creates) the customer by
    /// identity, finds the ticket it belongs to (the one the host names,
    /// else the customer's most recently updated unsolved ticket, on any
    /// channel), and adds the message, or opens a ticket. A reply to a
    /// closed ticket opens a follow-up. The same message delivered twice
    /// (same tenant, channel and external id) is recorded once: the second
    /// call returns the first result with `duplicate: true`.
    ///
    /// A named ticket whose requester does not own the sender's identity is
    /// handled by the desk's [`ForeignSender`] policy; the identity is never
    /// linked to the requester. [`Receipt::customer`] is always the customer
    /// who owns the sender's identity (for a participant's message, not the
    /// ticket's requester).
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`] for a named ticket the tenant does not
    /// have; [`DeskError::ForeignSender`] under [`ForeignSender::Refuse`];
    /// [`DeskError::Domain`] (empty body; the named ticket was merged);
    /// [`DeskError::Contended`]; [`DeskError::Store`].
    pub fn receive(&self, tenant: TenantId, inbound: Inbound) -> Result<Receipt, DeskError> {
        let key = inbound.external_id.as_ref().map(|e| InboundKey {
            channel: inbound.channel,
            external_id: e.clone(),
        });
        self.with_retries(inbound.ticket, || {
            if let Some(k) = &key {
                if let Some(rec) = self.store.inbound(tenant, k)? {
                    return Ok(Attempt::Done(duplicate(rec)));
                }
            }
            self.receive_once(tenant, &inbound, key.as_ref())
        })
    }

    fn receive_once(
        &self,
        tenant: TenantId,
        inbound: &Inbound,
        key: Option<&InboundKey>,
    ) -> Result<Attempt<Receipt>, DeskError> {
        let ctx = self.context();
        let mut customer_writes = Vec::new();
        let named = match inbound.ticket {
            Some(id) => Some(self.ticket(tenant, id)?),
            None => None,
        };
        let found = self.store.customer_by_identity(tenant, &inbound.from)?;
        // A named ticket whose requester does not own the identity: never
        // link the identity to the requester (the sender controls what
        // ticket the message names); the policy decides.
        let foreign = named
            .as_ref()
            .is_some_and(|t| found.as_ref().is_none_or(|c| c.id != t.customer()));
        if let Some(t) = named
            .as_ref()
            .filter(|_| foreign && self.foreign_sender == ForeignSender::Refuse)
        {
            return Err(DeskError::ForeignSender {
                identity: inbound.from.clone(),
                ticket: t.id(),
            });
        }
        let customer = match found {
            Some(c) => c,
            None => {
                let mut c = Customer::new(
                    CustomerId::from_uuid(ctx.ids.next_uuid()),
                    tenant,
                    inbound.from.clone(),
                );
                c.name = inbound.name.clone();
                c.version = 1;
                customer_writes.push(CustomerWrite {
                    expected: ExpectedVersion::New,
                    customer: c.clone(),
                });
                c
            }
        };
        // A participant's message naming a closed ticket is not a follow-up
        // of the requester's: it is handled as if it named no ticket.
        let named = named.filter(|t| !(foreign && t.status() == Status::Closed));
        let target = match named {
            Some(t) => Some(t),
            None if customer_writes.is_empty() => self.latest_unsolved(tenant, customer.id)?,
            None => None,
        };
        let (mut decision, loaded) = match &target {
            Some(t) => {
                let cmd = if t.customer() == customer.id {
                    Command::CustomerReply {
                        customer: customer.id,
                        channel: inbound.channel,
                        body: inbound.body.clone(),
                        external_id: inbound.external_id.clone(),
                    }
                } else {
                    Command::ParticipantReply {
                        customer: customer.id,
                        channel: inbound.channel,
                        body: inbound.body.clone(),
                        external_id: inbound.external_id.clone(),
                    }
                };
                (ticket::decide(t, &cmd, &ctx)?, vec![t])
            }
            None => {
                let mut cmd =
                    OpenTicket::reactive(customer.id, inbound.channel, inbound.body.clone())
                        .with_priority(inbound.priority);
                cmd.subject = inbound.subject.clone();
                cmd.external_id = inbound.external_id.clone();
                (ticket::open(tenant, &cmd, &ctx)?, vec![])
            }
        };
        let Some((ticket_id, message_id)) = decision.events.iter().find_map(|e| match &e.kind {
            EventKind::CustomerReplied { message } => Some((e.ticket, message.id)),
            _ => None,
        }) else {
            return Err(DeskError::Store(StoreError::InvalidCommit {
                reason: "an inbound message produced no customer message".to_owned(),
            }));
        };
        let opened = decision
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Opened(_)));
        let auto_tags = self.auto_tag(&mut decision, &loaded, ticket_id, inbound, &ctx);
        let inbound_records = key
            .map(|k| InboundRecord {
                key: k.clone(),
                ticket: ticket_id,
                message: message_id,
                customer: customer.id,
            })
            .into_iter()
            .collect();
        match self.commit_decision(
            tenant,
            &loaded,
            decision,
            customer_writes,
            inbound_records,
            ticket_id,
            ctx.now,
        ) {
            Ok(Attempt::Done(outcome)) => Ok(Attempt::Done(Receipt {
                ticket: ticket_id,
                message: message_id,
                customer: customer.id,
                duplicate: false,
                opened,
                delivery: outcome.delivery,
                auto_tags,
            })),
            Ok(Attempt::Retry) => Ok(Attempt::Retry),
            Err(DeskError::Store(StoreError::DuplicateInbound { existing })) => {
                Ok(Attempt::Done(duplicate(existing)))
            }
            Err(e) => Err(e),
        }
    }

    fn latest_unsolved(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Option<Ticket>, DeskError> {
        let q = TicketQuery::new()
            .customer(customer)
            .status(Status::New)
            .status(Status::Open)
            .status(Status::Pending)
            .status(Status::OnHold)
            .order(TicketOrder::UpdatedDesc)
            .limit(1);
        Ok(self.store.query(tenant, &q)?.items.into_iter().next())
    }

    /// Turns a decision into a commit, writes it, and dispatches its
    /// notifications. A lost race returns `Attempt::Retry`.
    #[allow(clippy::too_many_arguments)]
    fn commit_decision(
        &self,
        tenant: TenantId,
        loaded: &[&Ticket],
        decision: Decision,
        customers: Vec<CustomerWrite>,
        inbound: Vec<InboundRecord>,
        primary: TicketId,
        now: DateTime<Utc>,
    ) -> Result<Attempt<Outcome>, DeskError> {
        let by_id: HashMap<TicketId, &Ticket> = loaded.iter().map(|t| (t.id(), *t)).collect();
        let mut writes = Vec::new();
        for id in decision.tickets() {
            let events: Vec<Event> = decision.events_of(id).cloned().collect();
            let (expected, state) = match by_id.get(&id) {
                Some(t) => {
                    let mut s = (*t).clone();
                    for e in &events {
                        s.apply(e);
                    }
                    (ExpectedVersion::Version(t.version()), s)
                }
                None => match Ticket::from_events(&events) {
                    Some(s) => (ExpectedVersion::New, s),
                    None => {
                        return Err(DeskError::Store(StoreError::InvalidCommit {
                            reason: format!(
                                "events for unknown ticket {id} do not start with opened"
                            ),
                        }));
                    }
                },
            };
            writes.push(TicketWrite {
                expected,
                ticket: state,
                events,
            });
        }
        let due = self.sla_prepare(tenant, &mut writes, &customers, now)?;
        let primary_state = writes
            .iter()
            .find(|w| w.ticket.id() != primary && w.expected == ExpectedVersion::New)
            .or_else(|| writes.iter().find(|w| w.ticket.id() == primary))
            .map(|w| w.ticket.clone())
            .or_else(|| by_id.get(&primary).map(|t| (*t).clone()));
        let Some(primary_state) = primary_state else {
            return Err(DeskError::TicketNotFound { ticket: primary });
        };
        if writes.is_empty()
            && customers.is_empty()
            && inbound.is_empty()
            && decision.notifications.is_empty()
        {
            return Ok(Attempt::Done(Outcome {
                ticket: primary_state,
                events: Vec::new(),
                delivery: Delivery::default(),
            }));
        }
        let events: Vec<Event> = writes
            .iter()
            .flat_map(|w| w.events.iter().cloned())
            .collect();
        let commit = Commit {
            tenant,
            tickets: writes,
            customers,
            inbound,
            notifications: decision.notifications,
            due,
            once: Vec::new(),
        };
        match self.store.commit(&commit) {
            Ok(()) => {}
            Err(e) if e.is_retryable() => return Ok(Attempt::Retry),
            Err(e) => return Err(e.into()),
        }
        let delivery = self.dispatch(&commit.notifications);
        Ok(Attempt::Done(Outcome {
            ticket: primary_state,
            events,
            delivery,
        }))
    }

    /// With SLAs configured: applies the selected policy to new tickets (an
    /// `SlaPolicyApplied` event in the same commit) and computes each written
    /// ticket's next wake-up for the due index.
    fn sla_prepare(
        &self,
        tenant: TenantId,
        writes: &mut [TicketWrite],
        customers: &[CustomerWrite],
        now: DateTime<Utc>,
    ) -> Result<Vec<DueUpdate>, DeskError> {
        let Some(setup) = &self.sla else {
            return Ok(Vec::new());
        };
        let mut due = Vec::with_capacity(writes.len());
        for w in writes.iter_mut() {
            if w.expected == ExpectedVersion::New && w.ticket.sla_policy().is_none() {
                let cid = w.ticket.customer();
                let segment = match customers.iter().find(|c| c.customer.id == cid) {
                    Some(c) => c.customer.segment.clone(),
                    None => self.store.customer(tenant, cid)?.and_then(|c| c.segment),
                };
                let policy = setup.policies.select(&w.ticket, segment.as_deref()).clone();
                let e = Event {
                    tenant,
                    ticket: w.ticket.id(),
                    sequence: w.ticket.version().saturating_add(1),
                    at: w.events.last().map_or(now, |e| e.at),
                    kind: EventKind::SlaPolicyApplied {
                        policy: Box::new(policy),
                    },
                };
                w.ticket.apply(&e);
                w.events.push(e);
            }
            let history = match w.expected {
                ExpectedVersion::New => w.events.clone(),
                ExpectedVersion::Version(_) => {
                    let mut h = self.store.events(tenant, w.ticket.id())?;
                    h.extend(w.events.iter().cloned());
                    h
                }
            };
            due.push(DueUpdate {
                ticket: w.ticket.id(),
                version: w.ticket.version(),
                at: wakeup(&w.ticket, &history, &setup.calendars, now)?,
            });
        }
        Ok(due)
    }

    fn dispatch(&self, notifications: &[Notification]) -> Delivery {
        let mut d = Delivery::default();
        for n in notifications {
            d.merge(self.deliver(n));
        }
        d
    }

    fn deliver(&self, n: &Notification) -> Delivery {
        let mut d = Delivery::default();
        match self.notifier.notify(n) {
            Ok(()) => match self.store.mark_delivered(n.tenant, n.id) {
                Ok(()) => d.delivered.push(n.id),
                Err(e) => d.pending.push((
                    n.id,
                    format!("sent, but not marked delivered (it may be sent again): {e}"),
                )),
            },
            Err(e) => {
                let msg = e.to_string();
                let note = match self.store.record_failure(n.tenant, n.id, &msg) {
                    Ok(()) => msg,
                    Err(se) => format!("{msg}; recording the failure failed too: {se}"),
                };
                d.pending.push((n.id, note));
            }
        }
        d
    }

    /// Retries undelivered notifications from the outbox, oldest first, up to
    /// `limit` of them. Call it on a timer (or after an outage).
    ///
    /// # Errors
    /// [`DeskError::Store`] when the outbox cannot be read.
    pub fn dispatch_outbox(&self, limit: usize) -> Result<Delivery, DeskError> {
        let entries = self.store.undelivered(limit)?;
        let mut d = Delivery::default();
        for e in entries {
            d.merge(self.deliver(&e.notification));
        }
        Ok(d)
    }
}

/// A ticket's next SLA wake-up, from its state and history.
fn wakeup(
    ticket: &Ticket,
    history: &[Event],
    calendars: &Calendars,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, SlaError> {
    let Some(policy) = ticket.sla_policy() else {
        return Ok(None);
    };
    let report = sla::evaluate(history, calendars, now, Some(policy))?;
    Ok(sla::next_wakeup(&report, policy, ticket.sla_alerts(), now))
}

fn sla_far_future() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC
}

fn duplicate(rec: InboundRecord) -> Receipt {
    Receipt {
        ticket: rec.ticket,
        message: rec.message,
        customer: rec.customer,
        duplicate: true,
        opened: false,
        delivery: Delivery::default(),
        auto_tags: AutoTags::default(),
    }
}

/// Adds `identity` to `customer` (one version on) and returns the write that
/// stores it, expecting the version the customer was read at.
fn gain_identity(customer: &mut Customer, identity: &Identity) -> CustomerWrite {
    let expected = ExpectedVersion::Version(customer.version);
    customer.identities.push(identity.clone());
    customer.version = customer.version.saturating_add(1);
    CustomerWrite {
        expected,
        customer: customer.clone(),
    }
}
