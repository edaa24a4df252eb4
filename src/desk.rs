//! The `Desk` service: load, decide, save with compare-and-set, retry,
//! dispatch.

mod advice;
mod asynch;
mod common;
pub mod plan;
mod retry;
mod tags;

pub use advice::ReplyQuality;
pub use asynch::{AsyncDesk, Sleep};
pub use retry::RetryPolicy;
pub use tags::{SpikeAlerts, SpikeCheck};

use std::fmt;
use std::time::Instant;

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, MessageId, NotificationId, TenantId, TicketId};
use crate::model::notification::{Notification, Recipient};
use crate::port::{Clock, Notifier, OutboxClaim, OutboxLease, StoreError, TicketStore};
use crate::sla::{self, Calendars, PolicySet, SlaError, SlaPolicy, SlaReport};
use crate::taxonomy::{AutoTags, Spike};
use crate::ticket::{
    Command, CustomerTicketView, DomainError, Event, OpenTicket, Priority, Ticket,
};
use plan::{
    AddIdentity, Answer, ApplyMacro, ApplyPolicy, CheckSpikes, Delivered, Execute, Merge,
    MoveIdentity, NotifySpikes, Open, Planner, Read, Receive, RegisterCustomer, Run, Settled, Step,
    Tick, Workflow,
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
    /// The rule book: triggers that did not settle
    /// ([`RuleError::Loop`](crate::rules::RuleError::Loop)), a macro that
    /// does not exist or was refused, a condition that could not be
    /// evaluated. Nothing was changed.
    #[error(transparent)]
    Rules(crate::rules::RuleError),
    /// The agent's reply scored below the floor the host set
    /// ([`ReplyQuality::blocking_below`]). Nothing was changed.
    #[error("the reply scores {score}, below the required {min} ({} findings)", findings.len())]
    ReplyQuality {
        /// The reply's score.
        score: u8,
        /// The floor.
        min: u8,
        /// What the checks found.
        findings: Vec<crate::quality::Finding>,
    },
    /// The reply could not be checked (over the size limit) under a
    /// blocking floor (advice alone never refuses a reply). Nothing was
    /// changed.
    #[error(transparent)]
    Quality(crate::quality::QualityError),
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
    /// [`Desk::prune_delivered`] was given a negative age, or one that
    /// reaches before the earliest representable time. Nothing was deleted.
    #[error(
        "cannot prune deliveries older than {older_than} at {now}: the age must be zero or more, and {now} minus it a representable time"
    )]
    InvalidRetention {
        /// The age given.
        older_than: chrono::Duration,
        /// The desk's time.
        now: DateTime<Utc>,
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

/// When a desk sends the notifications a command queued.
///
/// ```
/// use supportdesk::{Desk, Dispatch, InMemoryStore};
/// use supportdesk::testing::{ManualClock, RecordingNotifier};
/// let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?)
///     .with_dispatch(Dispatch::Outbox);
/// assert_eq!(desk.dispatch(), Dispatch::Outbox);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dispatch {
    /// Right after the commit, by the desk that committed, under its lease
    /// (the default).
    #[default]
    AfterCommit,
    /// Never by the command: the notifications wait in the outbox, not
    /// leased, for [`dispatch_outbox`](Desk::dispatch_outbox) (a dispatcher
    /// process). For a desk whose store works inside a transaction the
    /// host has not committed yet (`PostgresStore::transaction`): sending
    /// before the host commits would announce a change it may still roll
    /// back. The command's [`Delivery`] lists them as pending.
    Outbox,
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
    /// Rules of the rule book whose conditions held but whose actions were
    /// refused (they did not fire; see [`Refused`](crate::rules::Refused)).
    pub refused_rules: Vec<crate::rules::Refused>,
    /// The reply-quality report on the agent's reply, when the planner
    /// checks replies ([`ReplyQuality`]).
    pub quality: Option<crate::quality::Report>,
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
/// Every command is a [`Workflow`] of the [`plan`]ner, and the desk is its
/// synchronous driver: load what the workflow asks for, let it plan (the
/// pure core, [`decide`](crate::ticket::decide) and its siblings), commit
/// state + events + notifications with the loaded versions, and on a
/// version conflict start again (bounded by the [`RetryPolicy`], then
/// [`DeskError::Contended`]). After the commit, the notifications are
/// handed to the notifier and marked delivered; a notifier failure never
/// undoes the commit, the notification stays in the outbox.
/// [`AsyncDesk`] drives the same workflows over the async ports.
///
/// Every commit puts its notifications in the outbox leased to the desk's
/// [`worker`](Desk::worker) for its [`outbox_lease`](Desk::outbox_lease)
/// (see [`Commit::leased_to`](crate::port::Commit::leased_to)): the desk
/// delivers them itself at once, and dispatchers on other desks or
/// processes ([`dispatch_outbox`](Desk::dispatch_outbox), which claims
/// entries under the same kind of lease) take only what is left when the
/// lease ends. Delivery is at least once: a notifier must deduplicate on
/// the notification id.
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
    planner: Planner,
    retry: RetryPolicy,
    turns: retry::Turns,
    worker: String,
    outbox_lease: chrono::Duration,
    dispatch: Dispatch,
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
    /// Rules that fired (automations, and the triggers they set off).
    pub fired: Vec<(TicketId, crate::model::RuleFiring)>,
    /// Tickets that could not be processed, with why; they stay due and the
    /// next sweep tries again.
    pub failed: Vec<(TicketId, String)>,
}

impl SweepReport {
    /// Adds the result of ticking one due ticket.
    fn record(&mut self, ticket: TicketId, result: Result<Outcome, DeskError>) {
        self.checked += 1;
        match result {
            Ok(out) => {
                for alert in plan::raised_alerts(&out) {
                    self.alerts.push((ticket, alert));
                }
                for e in &out.events {
                    if let crate::ticket::EventKind::RuleFired { firing } = &e.kind {
                        self.fired.push((e.ticket, (**firing).clone()));
                    }
                }
            }
            Err(e) => self.failed.push((ticket, e.to_string())),
        }
    }
}

impl<S: fmt::Debug, N: fmt::Debug, C: fmt::Debug> fmt::Debug for Desk<S, N, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Desk")
            .field("store", &self.store)
            .field("notifier", &self.notifier)
            .field("clock", &self.clock)
            .field("planner", &self.planner)
            .field("retry", &self.retry)
            .field("worker", &self.worker)
            .field("outbox_lease", &self.outbox_lease)
            .finish()
    }
}

/// What one attempt of a workflow came to.
enum Attempted<T> {
    /// Finished; the commit whose notifications to dispatch, if one was
    /// written.
    Done(T, Option<crate::port::Commit>),
    /// Lost a race.
    Retry,
}

/// Answers a read from a synchronous store.
fn read_sync<S: TicketStore + ?Sized>(store: &S, read: &Read) -> Result<Answer, StoreError> {
    Ok(match read {
        Read::Ticket { tenant, id } => Answer::Ticket(store.ticket(*tenant, *id)?.map(Box::new)),
        Read::Events { tenant, id } => Answer::Events(store.events(*tenant, *id)?),
        Read::Customer { tenant, id } => Answer::Customer(store.customer(*tenant, *id)?),
        Read::CustomerByIdentity { tenant, identity } => {
            Answer::Customer(store.customer_by_identity(*tenant, identity)?)
        }
        Read::Inbound { tenant, key } => Answer::Inbound(store.inbound(*tenant, key)?),
        Read::Query { tenant, query } => Answer::Page(store.query(*tenant, query)?),
    })
}

impl<S: TicketStore, N: Notifier, C: Clock> Desk<S, N, C> {
    /// A desk with random ids, default rules and the default retry policy.
    pub fn new(store: S, notifier: N, clock: C) -> Self {
        let planner = Planner::new();
        Desk {
            store,
            notifier,
            clock,
            worker: common::default_worker(&planner),
            planner,
            retry: RetryPolicy::default(),
            turns: retry::Turns::new(),
            outbox_lease: common::DEFAULT_OUTBOX_LEASE,
            dispatch: Dispatch::AfterCommit,
        }
    }

    common::configuration!();

    /// Runs a workflow: load what it needs, plan, commit, and on a lost race
    /// start again (bounded by the [`RetryPolicy`], holding the turn on the
    /// contended ticket from the first lost race on); then dispatch the
    /// committed notifications.
    ///
    /// # Errors
    /// The workflow's [`DeskError`]; [`DeskError::Contended`] when the
    /// retry budget is spent.
    pub fn run<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError> {
        let mut run = Run::new(workflow);
        let max = self.retry.max_attempts.max(1);
        let deadline = self.retry.deadline_from(Instant::now());
        let mut turn = None;
        let mut attempts: u32 = 0;
        loop {
            attempts = attempts.saturating_add(1);
            if let Attempted::Done(mut out, commit) = self.attempt(&mut run)? {
                drop(turn);
                if let Some(c) = commit {
                    out.set_delivery(match self.dispatch {
                        Dispatch::AfterCommit => self.deliver_all(&c.notifications),
                        Dispatch::Outbox => common::left_to_outbox(&c.notifications),
                    });
                }
                return Ok(out);
            }
            let spent = attempts >= max || deadline.is_some_and(|d| Instant::now() >= d);
            if spent {
                break;
            }
            self.retry.pause(attempts - 1, deadline);
            if turn.is_none() {
                turn = self.turns.enter(run.contended(), deadline);
                if turn.is_none() {
                    break;
                }
            }
            run.restart();
        }
        Err(DeskError::Contended {
            ticket: run.contended(),
            attempts,
        })
    }

    fn attempt<W: Workflow>(&self, run: &mut Run<W>) -> Result<Attempted<W::Output>, DeskError> {
        let now = self.clock.now();
        loop {
            match run.step(&self.planner, now)? {
                Step::Need(read) => {
                    let answer = read_sync(&self.store, &read)?;
                    run.answer(read, answer);
                }
                Step::Ready(plan) => {
                    let Some(commit) = plan.commit else {
                        return Ok(Attempted::Done(plan.output, None));
                    };
                    let commit = match self.dispatch {
                        Dispatch::AfterCommit => commit.leased_to(self.lease_from(now)),
                        Dispatch::Outbox => commit,
                    };
                    let result = self.store.commit(&commit);
                    let written = result.is_ok();
                    match run.settle(plan.output, result)? {
                        Settled::Done(out) => {
                            return Ok(Attempted::Done(out, written.then_some(commit)));
                        }
                        Settled::Retry => return Ok(Attempted::Retry),
                        Settled::Replan => {}
                    }
                }
            }
        }
    }

    /// Every SLA target of a ticket now (an empty report without SLAs or
    /// without a policy on the ticket).
    ///
    /// # Errors
    /// [`DeskError::TicketNotFound`], [`DeskError::Sla`], [`DeskError::Store`].
    pub fn sla_report(&self, tenant: TenantId, id: TicketId) -> Result<SlaReport, DeskError> {
        let events = self.history(tenant, id)?;
        Ok(self.planner.sla_report(&events, self.clock.now())?)
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
        self.run(ApplyPolicy::new(&self.planner, tenant, id, policy)?)
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
        self.run(Tick::new(tenant, id))
    }

    /// Ticks every ticket due by now, at most `limit`, found through the
    /// store's due index (time proportional to the tickets due). Run it when
    /// [`next_wakeup`](Self::next_wakeup) says.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the index cannot be read; failures on single
    /// tickets are reported in [`SweepReport::failed`].
    ///
    /// Automations fire on at most the rule book's
    /// [`max_automation_tickets_per_sweep`](crate::rules::Budget::max_automation_tickets_per_sweep)
    /// tickets per sweep; the others get their SLA alerts and stay due.
    pub fn sweep(&self, limit: usize) -> Result<SweepReport, DeskError> {
        let mut report = SweepReport::default();
        let budget = common::automation_budget(&self.planner);
        let mut fired = 0usize;
        for d in self.store.due(self.clock.now(), limit)? {
            let tick = Tick::new(d.tenant, d.ticket);
            let tick = if fired >= budget {
                tick.without_automations()
            } else {
                tick
            };
            let result = self.run(tick);
            if result.as_ref().is_ok_and(common::fired_automation) {
                fired += 1;
            }
            report.record(d.ticket, result);
        }
        Ok(report)
    }

    /// Applies macro `name` of the rule book to a ticket as `agent`: the
    /// agent's reply rendered from the macro's template in the requester's
    /// language, its status, then its actions, recorded after a
    /// [`RuleFired`](crate::ticket::EventKind::RuleFired) event; triggers
    /// then run on the update as on any other.
    ///
    /// # Errors
    /// [`DeskError::Rules`] for an unknown macro or refused actions;
    /// [`DeskError::ReplyQuality`] under a blocking floor; as
    /// [`execute`](Self::execute) otherwise.
    pub fn apply_macro(
        &self,
        tenant: TenantId,
        id: TicketId,
        name: &str,
        agent: AgentId,
    ) -> Result<Outcome, DeskError> {
        self.run(ApplyMacro::new(tenant, id, name, agent))
    }

    /// The dry run of a workflow: reads what it needs and plans it, exactly
    /// as [`run`](Self::run) would at this instant, and returns what it
    /// would return, without writing or sending anything (ids are still
    /// drawn from the id generator). For example, which rules would fire
    /// on a command:
    /// `desk.preview(plan::Execute::new(tenant, id, command))?.events`.
    ///
    /// # Errors
    /// As the workflow's run, except store conflicts (nothing is written).
    pub fn preview<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError> {
        let mut run = Run::new(workflow);
        let now = self.clock.now();
        loop {
            match run.step(&self.planner, now)? {
                Step::Need(read) => {
                    let answer = read_sync(&self.store, &read)?;
                    run.answer(read, answer);
                }
                Step::Ready(plan) => return Ok(plan.output),
            }
        }
    }

    /// When the earliest ticket is due, if any: when the host should call
    /// [`sweep`](Self::sweep) next.
    ///
    /// # Errors
    /// [`DeskError::Store`].
    pub fn next_wakeup(&self) -> Result<Option<DateTime<Utc>>, DeskError> {
        Ok(self
            .store
            .due(DateTime::<Utc>::MAX_UTC, 1)?
            .first()
            .map(|d| d.at))
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
        common::found_history(id, self.store.events(tenant, id)?)
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
        common::view_for(&self.ticket(tenant, id)?, customer)
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
        self.run(RegisterCustomer::new(tenant, name, identities))
    }

    /// Updates a customer's name, segment, language or time zone (the
    /// fields of `profile` that are set), compare-and-set on the customer's
    /// version.
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`]; [`DeskError::Contended`];
    /// [`DeskError::Store`].
    pub fn update_profile(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        profile: plan::Profile,
    ) -> Result<Customer, DeskError> {
        self.run(plan::UpdateProfile::new(tenant, customer, profile))
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
        self.run(AddIdentity::new(tenant, customer, identity))
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
        self.run(MoveIdentity::new(tenant, customer, identity))
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
        self.run(Execute::new(tenant, id, command))
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
        self.run(Open::proactive(
            tenant, customer, channel, agent, subject, body,
        ))
    }

    /// Opens a ticket from an [`OpenTicket`] command for a known customer.
    ///
    /// # Errors
    /// [`DeskError::CustomerNotFound`], [`DeskError::Domain`], [`DeskError::Store`].
    pub fn open(&self, tenant: TenantId, cmd: &OpenTicket) -> Result<Outcome, DeskError> {
        self.run(Open::new(tenant, cmd.clone()))
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
        self.run(Merge::new(tenant, source, target))
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
        self.run(Receive::new(tenant, inbound))
    }

    /// Finds the tag spikes of the current period (see
    /// [`detect_spikes`](crate::taxonomy::detect_spikes)) over the tenant's
    /// tickets opened in it and its baseline, and notifies the configured
    /// recipient as [`notify_spikes`](Self::notify_spikes) does. Without
    /// [`Desk::with_spike_alerts`] it finds nothing. Call it on a timer
    /// (e.g. hourly): each spike (per tag, period and direction) is notified
    /// once, however often it is checked, also across restarts and by
    /// concurrent callers on the same store.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the tickets cannot be read or the outbox
    /// written.
    pub fn check_spikes(&self, tenant: TenantId) -> Result<SpikeCheck, DeskError> {
        self.run(CheckSpikes::new(tenant))
    }

    /// Puts the notice of each spike for `recipient` in the outbox and sends
    /// it (see [`spike_notifications`](crate::taxonomy::spike_notifications)),
    /// exactly once per notice: each notice is committed together with its
    /// [`OnceKey::notice`](crate::port::OnceKey::notice), so a notice queued
    /// before (by an earlier call, a concurrent one, another desk on the
    /// same store, before a restart) is neither queued nor sent again. A
    /// notice the notifier does not take stays in the outbox, and
    /// [`Desk::dispatch_outbox`] sends it later. A customer recipient gets
    /// nothing.
    ///
    /// The [`Delivery`] covers the notices this call queued.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the outbox cannot be written; then none of
    /// the notices was queued.
    pub fn notify_spikes(
        &self,
        tenant: TenantId,
        spikes: &[Spike],
        recipient: &Recipient,
    ) -> Result<Delivery, DeskError> {
        self.run(NotifySpikes::new(
            tenant,
            spikes.to_vec(),
            recipient.clone(),
        ))
    }

    fn deliver_all(&self, notifications: &[Notification]) -> Delivery {
        let mut d = Delivery::default();
        for n in notifications {
            d.merge(self.deliver(n));
        }
        d
    }

    fn deliver(&self, n: &Notification) -> Delivery {
        let sent = self.notifier.notify(n);
        let recorded = match &sent {
            Ok(()) => self
                .store
                .mark_delivered_at(n.tenant, n.id, self.clock.now()),
            Err(e) => self.store.record_failure(n.tenant, n.id, &e.to_string()),
        };
        common::delivery_of(n, sent, recorded)
    }

    /// The lease of the desk's worker taken at `now`.
    fn lease_from(&self, now: DateTime<Utc>) -> OutboxLease {
        OutboxLease::new(
            self.worker.clone(),
            common::lease_until(now, self.outbox_lease),
        )
    }

    /// Sends undelivered notifications from the outbox, oldest first, up to
    /// `limit` of them: those nobody holds, those whose lease has ended
    /// (their worker died or gave up), and those this desk's worker holds.
    /// It [claims](TicketStore::claim) them for the desk's
    /// [`outbox_lease`](Self::outbox_lease) first, so several desks and
    /// dispatcher processes can run it at once without sending an entry
    /// twice while its lease holds. A failed send ends the lease (the next
    /// run retries it). Call it on a timer (or after an outage).
    ///
    /// # Errors
    /// [`DeskError::Store`] when the outbox cannot be claimed from.
    pub fn dispatch_outbox(&self, limit: usize) -> Result<Delivery, DeskError> {
        let now = self.clock.now();
        let claim = OutboxClaim::new(self.worker.clone(), now, self.outbox_lease, limit);
        let entries = self.store.claim(&claim)?;
        let mut d = Delivery::default();
        for e in entries {
            d.merge(self.deliver(&e.notification));
        }
        Ok(d)
    }

    /// Deletes up to `limit` notifications of every tenant delivered more
    /// than `older_than` ago (by the desk's clock), oldest delivery first;
    /// returns how many it deleted (call again while it returns `limit`).
    /// Undelivered notifications are never deleted. See
    /// [`TicketStore::prune_delivered`] (a store without retention deletes
    /// nothing).
    ///
    /// # Errors
    /// [`DeskError::InvalidRetention`] for a negative age, or one reaching
    /// before the earliest representable time; [`DeskError::Store`].
    pub fn prune_delivered(
        &self,
        older_than: chrono::Duration,
        limit: usize,
    ) -> Result<usize, DeskError> {
        let before = common::prune_cutoff(self.clock.now(), older_than)?;
        Ok(self.store.prune_delivered(before, limit)?)
    }
}
