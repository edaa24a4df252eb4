//! The desk's workflow as pure code: what to read, then what to commit.
//!
//! Every write of the desk (receive an inbound message, run a command, open,
//! merge, apply an SLA policy, raise due SLA alerts, register a customer,
//! link or move an identity, queue spike notices) is a [`Workflow`]: a
//! value whose [`plan`](Workflow::plan) is a pure function of what has been
//! loaded so far ([`Loaded`]), the time and an id source. It answers either
//! [`Step::Need`] (read this next) or [`Step::Ready`] with a [`Plan`]: the
//! [`Commit`] to write (with the notifications to dispatch after it) and the
//! result to return. [`settle`](Workflow::settle) then says what the
//! commit's result means (done, lost race: retry, or an answer such as a
//! duplicate inbound message).
//!
//! No workflow does I/O, reads a clock or draws a random number: the
//! drivers do. [`Desk`](crate::Desk) drives them over a
//! [`TicketStore`](crate::port::TicketStore) and
//! [`AsyncDesk`](crate::AsyncDesk) over an
//! [`AsyncTicketStore`](crate::port::AsyncTicketStore); both run the same
//! workflows, so they behave the same. Every event comes out of the pure
//! core ([`ticket::decide`] and its siblings, e.g. [`ticket::auto_tag`]),
//! numbered by it.
//!
//! A host can drive a workflow by hand, or test one without any store,
//! answering reads from its own data (the test kit's
//! [`Scenario`](crate::testing::Scenario) does):
//!
//! ```
//! use supportdesk::plan::{Answer, Planner, Read, Run, Step, Receive};
//! use supportdesk::{Channel, Inbound};
//! use supportdesk::customer::Identity;
//! use supportdesk::id::TenantId;
//! use supportdesk::testing::SequentialIds;
//!
//! let planner = Planner::new().with_ids(SequentialIds::new());
//! let shop = TenantId::from_u128(1);
//! let ana = Identity::email("ana@example.com")?;
//! let mut run = Run::new(Receive::new(shop, Inbound::new(ana.clone(), Channel::Email, "Hello")));
//! let now = "2026-03-02T09:00:00Z".parse()?;
//! // The planner asks who owns the identity; nobody does yet.
//! let Step::Need(read) = run.step(&planner, now)? else { panic!("a read first") };
//! assert_eq!(read, Read::CustomerByIdentity { tenant: shop, identity: ana });
//! run.answer(read, Answer::Customer(None));
//! // Then it is ready: a new customer and a new ticket, in one commit.
//! let Step::Ready(plan) = run.step(&planner, now)? else { panic!("ready") };
//! let commit = plan.commit.expect("something to write");
//! assert_eq!((commit.customers.len(), commit.tickets.len()), (1, 1));
//! assert!(plan.output.opened);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Days, NaiveTime, Utc};
use uuid::Uuid;

use super::{
    Delivery, DeskError, ForeignSender, Inbound, Outcome, Receipt, ReplyQuality, SlaSetup,
    SpikeAlerts, SpikeCheck,
};
use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, IdGenerator, RandomIds, TenantId, TicketId};
use crate::model::notification::{Notification, Recipient};
use crate::port::{
    Commit, CustomerWrite, DueUpdate, ExpectedVersion, InboundKey, InboundRecord, OnceKey, Page,
    StoreError, TicketOrder, TicketQuery, TicketWrite,
};
use crate::rules::{Engine, Env, Refused, RuleBook, RuleError, Update};
use crate::sla::{self, Calendars, PolicySet, SlaAlert, SlaError, SlaPolicy, SlaReport};
use crate::taxonomy::{
    AutoTagger, AutoTags, Input, MAX_BASELINE_PERIODS, Spike, Taxonomy, detect_spikes,
    spike_notifications,
};
use crate::template::TemplateSet;
use crate::ticket::{
    self, AuthorRole, Command, Context, Decision, Event, EventKind, LifecycleRules, OpenTicket,
    Status, Ticket,
};

/// Everything a desk decides with, besides its I/O: the id source, the
/// lifecycle rules, SLA policies and calendars, the taxonomy, the
/// auto-tagger, spike alerts and the foreign-sender policy. Both
/// [`Desk`](crate::Desk) and [`AsyncDesk`](crate::AsyncDesk) hold one; their
/// `with_*` methods set it.
#[derive(Clone)]
pub struct Planner {
    ids: Arc<dyn IdGenerator>,
    rules: LifecycleRules,
    sla: Option<SlaSetup>,
    taxonomy: Option<Arc<Taxonomy>>,
    auto_tagger: Option<Arc<AutoTagger>>,
    spike_alerts: Option<SpikeAlerts>,
    foreign_sender: ForeignSender,
    engine: Option<Engine>,
    reply_quality: Option<ReplyQuality>,
}

impl fmt::Debug for Planner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Planner")
            .field("ids", &self.ids)
            .field("rules", &self.rules)
            .field("sla", &self.sla)
            .field("taxonomy", &self.taxonomy.is_some())
            .field("auto_tagger", &self.auto_tagger.as_ref().map(|a| a.len()))
            .field("spike_alerts", &self.spike_alerts)
            .field("foreign_sender", &self.foreign_sender)
            .field("engine", &self.engine)
            .field("reply_quality", &self.reply_quality)
            .finish()
    }
}

impl Default for Planner {
    fn default() -> Self {
        Planner::new()
    }
}

impl Planner {
    /// Random ids, default rules, no SLA, taxonomy, auto-tagger or spike
    /// alerts, [`ForeignSender::Participant`].
    pub fn new() -> Self {
        Planner {
            ids: Arc::new(RandomIds),
            rules: LifecycleRules::default(),
            sla: None,
            taxonomy: None,
            auto_tagger: None,
            spike_alerts: None,
            foreign_sender: ForeignSender::default(),
            engine: None,
            reply_quality: None,
        }
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

    /// Turns on SLAs (see [`Desk::with_sla`](crate::Desk::with_sla)).
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

    /// Enforces a tag taxonomy (see
    /// [`Desk::with_taxonomy`](crate::Desk::with_taxonomy)).
    pub fn with_taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = Some(Arc::new(taxonomy));
        self
    }

    /// Auto-tags inbound messages: the tags the tagger's rules add are
    /// stored as a `TagsAdded` event (from [`ticket::auto_tag`]) in the same
    /// commit as the message, and
    /// [`Receipt::auto_tags`](crate::Receipt::auto_tags) explains them.
    /// Rules see the message body, the channel, the customer role and the
    /// ticket's tags before the message. Build the tagger from the same
    /// taxonomy as [`with_taxonomy`](Self::with_taxonomy): the tagger keeps
    /// its own taxonomy's groups when it skips conflicting tags. The
    /// tagger's work per message is bounded (linear in the body, plus a
    /// fixed budget for explanations; see [`AutoTagger`]'s "Work per
    /// message"), so a long body and many rules cannot stall a receive;
    /// spans the bound leaves out are reported by
    /// [`AutoTags::spans_truncated`].
    ///
    /// # Example
    /// ```
    /// use supportdesk::{AutoTagger, Channel, Desk, InMemoryStore, Inbound, Tag, Taxonomy};
    /// use supportdesk::customer::Identity;
    /// use supportdesk::id::TenantId;
    /// use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
    ///
    /// let tax: Taxonomy = serde_json::from_str(r#"{
    ///   "tags": [{"tag": "payment/declined", "kind": "what", "polarity": "bad"}],
    ///   "rules": [{"name": "declined", "pattern": "declined|拒绝", "add": ["payment/declined"]}]
    /// }"#)?;
    /// let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?)
    ///     .with_ids(SequentialIds::new())
    ///     .with_auto_tagger(AutoTagger::new(&tax)?)
    ///     .with_taxonomy(tax);
    /// let shop = TenantId::from_u128(1);
    /// let r = desk.receive(shop, Inbound::new(Identity::email("li@example.com")?, Channel::Email, "我的卡被拒绝了"))?;
    /// assert!(desk.ticket(shop, r.ticket)?.has_tag(&Tag::new("payment/declined")?));
    /// assert_eq!(r.auto_tags.explanations[0].spans[0].text, "拒绝");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_auto_tagger(mut self, tagger: AutoTagger) -> Self {
        self.auto_tagger = Some(Arc::new(tagger));
        self
    }

    /// Configures spike alerts.
    pub fn with_spike_alerts(mut self, alerts: SpikeAlerts) -> Self {
        self.spike_alerts = Some(alerts);
        self
    }

    /// Sets the [`ForeignSender`] policy.
    pub fn with_foreign_sender(mut self, policy: ForeignSender) -> Self {
        self.foreign_sender = policy;
        self
    }

    /// The id generator.
    pub fn ids(&self) -> &dyn IdGenerator {
        &*self.ids
    }

    /// The lifecycle rules.
    pub fn rules(&self) -> &LifecycleRules {
        &self.rules
    }

    /// The SLA configuration, if any.
    pub fn sla(&self) -> Option<&SlaSetup> {
        self.sla.as_ref()
    }

    /// The taxonomy enforced, if any.
    pub fn taxonomy(&self) -> Option<&Taxonomy> {
        self.taxonomy.as_deref()
    }

    /// The auto-tagger, if any.
    pub fn auto_tagger(&self) -> Option<&AutoTagger> {
        self.auto_tagger.as_deref()
    }

    /// The spike alerts, if any.
    pub fn spike_alerts(&self) -> Option<&SpikeAlerts> {
        self.spike_alerts.as_ref()
    }

    /// Runs a rule book (triggers on every update, automations through the
    /// due index, macros on request), with `templates` for its replies,
    /// notes and notices. The book is checked against this planner's
    /// calendars, SLA policies and taxonomy, so configure those first
    /// ([`with_sla`](Self::with_sla), [`with_taxonomy`](Self::with_taxonomy)).
    ///
    /// # Errors
    /// [`RuleError`] from [`Engine::new`], naming the rule and the value.
    pub fn with_rule_book(
        mut self,
        book: RuleBook,
        templates: TemplateSet,
    ) -> Result<Self, RuleError> {
        let env = Env {
            calendars: self.calendars().clone(),
            policies: self.sla.as_ref().map(|s| s.policies.clone()),
            taxonomy: self.taxonomy.clone(),
            templates,
        };
        self.engine = Some(Engine::new(book, env)?);
        Ok(self)
    }

    /// Runs an engine already built (see [`with_rule_book`](Self::with_rule_book)).
    pub fn with_rule_engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// The rule engine, if a rule book is configured.
    pub fn rule_engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    /// Checks every agent reply (and macro reply) with reply-quality rules,
    /// as advice in [`Outcome::quality`], or as a refusal below a score
    /// when [`ReplyQuality::blocking_below`] says so.
    pub fn with_reply_quality(mut self, quality: ReplyQuality) -> Self {
        self.reply_quality = Some(quality);
        self
    }

    /// The reply-quality configuration, if any.
    pub fn reply_quality(&self) -> Option<&ReplyQuality> {
        self.reply_quality.as_ref()
    }

    /// The foreign-sender policy.
    pub fn foreign_sender(&self) -> ForeignSender {
        self.foreign_sender
    }

    /// The calendars of the SLA setup (none without SLAs).
    pub fn calendars(&self) -> &Calendars {
        static EMPTY: std::sync::OnceLock<Calendars> = std::sync::OnceLock::new();
        match &self.sla {
            Some(s) => &s.calendars,
            None => EMPTY.get_or_init(Calendars::new),
        }
    }

    fn context<'a>(&'a self, now: DateTime<Utc>, ids: &'a dyn IdGenerator) -> Context<'a> {
        let ctx = Context::new(now, ids).with_rules(&self.rules);
        match &self.taxonomy {
            Some(t) => ctx.with_taxonomy(t),
            None => ctx,
        }
    }

    /// Every SLA target of a ticket at `now`, from its history (an empty
    /// report without a policy on the ticket).
    ///
    /// # Errors
    /// [`SlaError`] from [`sla::evaluate`].
    pub fn sla_report(&self, history: &[Event], now: DateTime<Utc>) -> Result<SlaReport, SlaError> {
        sla::evaluate(history, self.calendars(), now, None)
    }
}

/// A read a workflow needs before it can plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Read {
    /// [`TicketStore::ticket`](crate::port::TicketStore::ticket).
    Ticket {
        /// The tenant.
        tenant: TenantId,
        /// The ticket.
        id: TicketId,
    },
    /// [`TicketStore::events`](crate::port::TicketStore::events).
    Events {
        /// The tenant.
        tenant: TenantId,
        /// The ticket.
        id: TicketId,
    },
    /// [`TicketStore::customer`](crate::port::TicketStore::customer).
    Customer {
        /// The tenant.
        tenant: TenantId,
        /// The customer.
        id: CustomerId,
    },
    /// [`TicketStore::customer_by_identity`](crate::port::TicketStore::customer_by_identity).
    CustomerByIdentity {
        /// The tenant.
        tenant: TenantId,
        /// The identity.
        identity: Identity,
    },
    /// [`TicketStore::inbound`](crate::port::TicketStore::inbound).
    Inbound {
        /// The tenant.
        tenant: TenantId,
        /// The channel's message key.
        key: InboundKey,
    },
    /// [`TicketStore::query`](crate::port::TicketStore::query).
    Query {
        /// The tenant.
        tenant: TenantId,
        /// The query.
        query: TicketQuery,
    },
}

/// The answer to a [`Read`], of the matching kind.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// For [`Read::Ticket`].
    Ticket(Option<Box<Ticket>>),
    /// For [`Read::Events`].
    Events(Vec<Event>),
    /// For [`Read::Customer`] and [`Read::CustomerByIdentity`].
    Customer(Option<Customer>),
    /// For [`Read::Inbound`].
    Inbound(Option<InboundRecord>),
    /// For [`Read::Query`].
    Page(Page<Ticket>),
}

/// What a workflow has been given so far in this attempt: each [`Read`]
/// with its [`Answer`].
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    answers: Vec<(Read, Answer)>,
}

impl Loaded {
    /// Nothing loaded.
    pub fn new() -> Self {
        Loaded::default()
    }

    /// Records the answer to a read (a second answer to the same read
    /// replaces the first).
    pub fn insert(&mut self, read: Read, answer: Answer) {
        match self.answers.iter_mut().find(|(r, _)| *r == read) {
            Some(slot) => slot.1 = answer,
            None => self.answers.push((read, answer)),
        }
    }

    /// The answer to a read, if given.
    pub fn get(&self, read: &Read) -> Option<&Answer> {
        self.answers.iter().find(|(r, _)| r == read).map(|(_, a)| a)
    }

    /// How many reads were answered.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// True when nothing was answered.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

/// What a workflow says next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    /// Load this, then call [`Run::step`] again.
    Need(Read),
    /// Everything is known: write the plan's commit (if any).
    Ready(Plan<T>),
}

/// A planned write: the commit (none when nothing changes) and the result
/// to return once it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<T> {
    /// What to write, all or nothing. After it is written, its
    /// notifications are dispatched.
    pub commit: Option<Commit>,
    /// The result (its delivery is filled in by the driver).
    pub output: T,
}

/// What a commit's result means for a workflow.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled<T> {
    /// Finished with this result.
    Done(T),
    /// A lost race: back off, then start the attempt again from nothing
    /// loaded.
    Retry,
    /// Plan again at once with what is loaded (the workflow learned
    /// something from the error, e.g. a notice queued before).
    Replan,
}

/// A result that carries the delivery of its notifications.
pub trait Delivered {
    /// Records what happened to the notifications of the commit.
    fn set_delivery(&mut self, delivery: Delivery);
}

impl Delivered for Outcome {
    fn set_delivery(&mut self, delivery: Delivery) {
        self.delivery = delivery;
    }
}

impl Delivered for Receipt {
    fn set_delivery(&mut self, delivery: Delivery) {
        self.delivery = delivery;
    }
}

impl Delivered for Customer {
    fn set_delivery(&mut self, _: Delivery) {}
}

impl Delivered for Delivery {
    fn set_delivery(&mut self, delivery: Delivery) {
        self.merge(delivery);
    }
}

impl Delivered for SpikeCheck {
    fn set_delivery(&mut self, delivery: Delivery) {
        self.delivery.merge(delivery);
    }
}

/// One desk operation as pure code. See the [module docs](self).
pub trait Workflow: Send {
    /// What it returns.
    type Output: Delivered + Send;

    /// The ticket whose turn the workflow takes when it loses a race (see
    /// [`RetryPolicy`](crate::RetryPolicy)), if any.
    fn contended(&self) -> Option<TicketId> {
        None
    }

    /// Plans from what is loaded, at `now`, drawing new ids from `ids`:
    /// either the next read it needs or the plan. Pure: the same inputs give
    /// the same answer (the driver replays the ids drawn by an earlier call
    /// of the same attempt, so re-planning after a read draws the same ids).
    ///
    /// # Errors
    /// The operation's [`DeskError`] (a domain rule, a ticket not found, ...):
    /// nothing is written.
    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Self::Output>, DeskError>;

    /// What the commit's result means. The default: `Ok` is done, a lost
    /// race ([`StoreError::is_retryable`]) retries, anything else fails.
    ///
    /// # Errors
    /// The commit's error as a [`DeskError`].
    fn settle(
        &mut self,
        output: Self::Output,
        result: Result<(), StoreError>,
    ) -> Result<Settled<Self::Output>, DeskError> {
        match result {
            Ok(()) => Ok(Settled::Done(output)),
            Err(e) if e.is_retryable() => Ok(Settled::Retry),
            Err(e) => Err(e.into()),
        }
    }
}

/// A workflow in progress: what it has loaded and the ids it drew in this
/// attempt. Drivers call [`step`](Self::step), answer each [`Step::Need`]
/// with [`answer`](Self::answer), write a [`Step::Ready`] plan's commit and
/// pass its result to [`settle`](Self::settle).
#[derive(Debug)]
pub struct Run<W> {
    workflow: W,
    loaded: Loaded,
    drawn: Vec<Uuid>,
}

impl<W: Workflow> Run<W> {
    /// A run of `workflow` with nothing loaded.
    pub fn new(workflow: W) -> Self {
        Run {
            workflow,
            loaded: Loaded::new(),
            drawn: Vec::new(),
        }
    }

    /// The workflow.
    pub fn workflow(&self) -> &W {
        &self.workflow
    }

    /// What was loaded so far.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// Plans with what is loaded. Ids drawn by an earlier step of this
    /// attempt are handed out again in the same order, so a plan that
    /// needed one more read draws the same ids when it runs again.
    ///
    /// # Errors
    /// As [`Workflow::plan`].
    pub fn step(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
    ) -> Result<Step<W::Output>, DeskError> {
        let ids = ReplayIds {
            inner: planner.ids(),
            state: Mutex::new((std::mem::take(&mut self.drawn), 0)),
        };
        let out = self.workflow.plan(planner, now, &ids, &self.loaded);
        self.drawn = ids.into_drawn();
        out
    }

    /// Gives the answer to a read.
    pub fn answer(&mut self, read: Read, answer: Answer) {
        self.loaded.insert(read, answer);
    }

    /// What the result of writing the plan's commit means.
    ///
    /// # Errors
    /// As [`Workflow::settle`].
    pub fn settle(
        &mut self,
        output: W::Output,
        result: Result<(), StoreError>,
    ) -> Result<Settled<W::Output>, DeskError> {
        self.workflow.settle(output, result)
    }

    /// Starts a new attempt: nothing loaded, no ids drawn.
    pub fn restart(&mut self) {
        self.loaded = Loaded::new();
        self.drawn.clear();
    }

    /// The ticket the workflow contends for.
    pub fn contended(&self) -> Option<TicketId> {
        self.workflow.contended()
    }
}

/// Hands out the ids drawn before, then new ones from `inner`.
#[derive(Debug)]
struct ReplayIds<'a> {
    inner: &'a dyn IdGenerator,
    state: Mutex<(Vec<Uuid>, usize)>,
}

impl ReplayIds<'_> {
    fn into_drawn(self) -> Vec<Uuid> {
        match self.state.into_inner() {
            Ok((drawn, _)) => drawn,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }
}

impl IdGenerator for ReplayIds<'_> {
    fn next_uuid(&self) -> Uuid {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (drawn, pos) = &mut *guard;
        let id = match drawn.get(*pos) {
            Some(id) => *id,
            None => {
                let id = self.inner.next_uuid();
                drawn.push(id);
                id
            }
        };
        *pos += 1;
        id
    }
}

/// A value, or the read that must come first (inside the planner).
enum Got<T> {
    It(T),
    Need(Read),
}

/// A result that can say "read this first".
trait NeedRead {
    fn need(read: Read) -> Self;
}

impl<T> NeedRead for Step<T> {
    fn need(read: Read) -> Self {
        Step::Need(read)
    }
}

impl<T> NeedRead for Got<T> {
    fn need(read: Read) -> Self {
        Got::Need(read)
    }
}

/// Takes the answer to `$read` from `$loaded` (of kind `$kind`), or returns
/// "read this first" from the enclosing function.
macro_rules! load {
    ($loaded:expr, $read:expr, $kind:ident) => {{
        let read = $read;
        match $loaded.get(&read) {
            Some(Answer::$kind(v)) => v,
            Some(other) => {
                return Err(DeskError::Store(StoreError::backend(format!(
                    "the driver answered {read:?} with {other:?}"
                ))));
            }
            None => return Ok(NeedRead::need(read)),
        }
    }};
}

/// Unwraps a [`Got::It`] or passes the read it needs up.
macro_rules! ready {
    ($got:expr) => {
        match $got {
            Got::It(v) => v,
            Got::Need(r) => return Ok(NeedRead::need(r)),
        }
    };
}

fn ticket_of(loaded: &Loaded, tenant: TenantId, id: TicketId) -> Result<Got<&Ticket>, DeskError> {
    let t = load!(loaded, Read::Ticket { tenant, id }, Ticket);
    match t {
        Some(t) => Ok(Got::It(t)),
        None => Err(DeskError::TicketNotFound { ticket: id }),
    }
}

fn customer_of(
    loaded: &Loaded,
    tenant: TenantId,
    id: CustomerId,
) -> Result<Got<&Customer>, DeskError> {
    let c = load!(loaded, Read::Customer { tenant, id }, Customer);
    match c {
        Some(c) => Ok(Got::It(c)),
        None => Err(DeskError::CustomerNotFound { customer: id }),
    }
}

/// Appends `next` (decided on `state`) to `decision` and applies its events
/// to `state`.
fn chain(decision: &mut Decision, state: &mut Ticket, next: Decision) {
    for e in &next.events {
        state.apply(e);
    }
    decision.events.extend(next.events);
    decision.notifications.extend(next.notifications);
}

/// Turns a decision into a commit: each touched ticket's state and events
/// (with the expected version it was loaded at), the SLA policy applied to
/// new tickets, the due index, and the given customer and inbound writes.
/// Returns the commit (none when nothing changes) and the outcome.
#[allow(clippy::too_many_arguments)]
fn commit_decision(
    planner: &Planner,
    ctx: &Context<'_>,
    loaded: &Loaded,
    tenant: TenantId,
    base: &[&Ticket],
    decision: Decision,
    customers: Vec<CustomerWrite>,
    inbound: Vec<InboundRecord>,
    primary: TicketId,
) -> Result<Got<Plan<Outcome>>, DeskError> {
    let by_id: HashMap<TicketId, &Ticket> = base.iter().map(|t| (t.id(), *t)).collect();
    let mut refused: Vec<Refused> = Vec::new();
    let mut writes = Vec::new();
    let mut events_out: Vec<Event> = Vec::new();
    let tickets = decision.tickets();
    let mut notifications = decision.notifications;
    let events_by_ticket = decision.events;
    for id in tickets {
        let events: Vec<Event> = events_by_ticket
            .iter()
            .filter(|e| e.ticket == id)
            .cloned()
            .collect();
        let (expected, mut state) = match by_id.get(&id) {
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
                        reason: format!("events for unknown ticket {id} do not start with opened"),
                    }));
                }
            },
        };
        let mut events = events;
        // SLA: a new ticket gets the first matching policy, decided by the
        // core like every other event.
        if let Some(setup) = &planner.sla {
            if expected == ExpectedVersion::New && state.sla_policy().is_none() {
                let cid = state.customer();
                let segment = match customers.iter().find(|c| c.customer.id == cid) {
                    Some(c) => c.customer.segment.clone(),
                    None => load!(loaded, Read::Customer { tenant, id: cid }, Customer)
                        .as_ref()
                        .and_then(|c| c.segment.clone()),
                };
                let policy = setup.policies.select(&state, segment.as_deref()).clone();
                let applied = ticket::decide(
                    &state,
                    &Command::ApplySlaPolicy {
                        policy: Box::new(policy),
                    },
                    ctx,
                )?;
                for e in &applied.events {
                    state.apply(e);
                }
                events.extend(applied.events);
                notifications.extend(applied.notifications);
            }
        }
        // Triggers: they run on every update of every ticket the commit
        // touches, on the state after it, and their events join the update.
        if let Some(engine) = planner.engine.as_ref().filter(|e| e.has_triggers()) {
            let before = by_id.get(&id).copied();
            let history = history_of(loaded, tenant, before.is_some(), id, &events)?;
            let history = ready!(history);
            let customer = ready!(requester(loaded, tenant, &customers, state.customer())?);
            let eval = engine
                .triggers(
                    Update {
                        before,
                        ticket: &state,
                        events: &events,
                        history: &history,
                        customer: customer.as_ref(),
                    },
                    ctx,
                )
                .map_err(DeskError::Rules)?;
            for e in &eval.decision.events {
                state.apply(e);
            }
            events.extend(eval.decision.events);
            notifications.extend(eval.decision.notifications);
            refused.extend(eval.refused);
        }
        writes.push(TicketWrite {
            expected,
            ticket: state,
            events,
        });
    }
    let mut due = Vec::with_capacity(writes.len());
    let automations = planner.engine.as_ref().filter(|e| e.has_automations());
    if planner.sla.is_some() || automations.is_some() {
        for w in &writes {
            let needs_history = w.ticket.sla_policy().is_some() || automations.is_some();
            if !needs_history {
                // No policy, no clock, no automation: nothing to read.
                due.push(DueUpdate {
                    ticket: w.ticket.id(),
                    version: w.ticket.version(),
                    at: None,
                });
                continue;
            }
            let history = ready!(history_of(
                loaded,
                tenant,
                w.expected != ExpectedVersion::New,
                w.ticket.id(),
                &w.events
            )?);
            let customer = match automations {
                Some(_) => ready!(requester(loaded, tenant, &customers, w.ticket.customer())?),
                None => None,
            };
            due.push(DueUpdate {
                ticket: w.ticket.id(),
                version: w.ticket.version(),
                at: next_due(
                    planner,
                    &w.ticket,
                    &history,
                    customer.as_ref(),
                    ctx.now,
                    None,
                )?,
            });
        }
    }
    // The ticket the command is about: a new follow-up ticket if one was
    // opened, else the primary.
    let primary_state = writes
        .iter()
        .find(|w| w.ticket.id() != primary && w.expected == ExpectedVersion::New)
        .or_else(|| writes.iter().find(|w| w.ticket.id() == primary))
        .map(|w| w.ticket.clone())
        .or_else(|| by_id.get(&primary).map(|t| (*t).clone()));
    let Some(primary_state) = primary_state else {
        return Err(DeskError::TicketNotFound { ticket: primary });
    };
    for w in &writes {
        events_out.extend(w.events.iter().cloned());
    }
    let outcome = Outcome {
        ticket: primary_state,
        events: events_out,
        delivery: Delivery::default(),
        refused_rules: refused,
        quality: None,
    };
    if writes.is_empty() && customers.is_empty() && inbound.is_empty() && notifications.is_empty() {
        return Ok(Got::It(Plan {
            commit: None,
            output: outcome,
        }));
    }
    let commit = Commit {
        tenant,
        tickets: writes,
        customers,
        inbound,
        notifications,
        due,
        once: Vec::new(),
        lease: None,
    };
    Ok(Got::It(Plan {
        commit: Some(commit),
        output: outcome,
    }))
}

/// A ticket's history after `events`: the stored history plus them for a
/// ticket that exists, else only them.
fn history_of(
    loaded: &Loaded,
    tenant: TenantId,
    stored: bool,
    id: TicketId,
    events: &[Event],
) -> Result<Got<Vec<Event>>, DeskError> {
    if !stored {
        return Ok(Got::It(events.to_vec()));
    }
    let mut h = load!(loaded, Read::Events { tenant, id }, Events).clone();
    h.extend(events.iter().cloned());
    Ok(Got::It(h))
}

/// A ticket's requester: from the commit's customer writes, else loaded
/// (`None` when the store has no such customer).
fn requester(
    loaded: &Loaded,
    tenant: TenantId,
    customers: &[CustomerWrite],
    id: CustomerId,
) -> Result<Got<Option<Customer>>, DeskError> {
    if let Some(c) = customers.iter().find(|c| c.customer.id == id) {
        return Ok(Got::It(Some(c.customer.clone())));
    }
    Ok(Got::It(
        load!(loaded, Read::Customer { tenant, id }, Customer).clone(),
    ))
}

/// A ticket's next wake-up for the due index: the earlier of its next SLA
/// alert and its next automation. `report` is its SLA report at `now`
/// when already computed.
fn next_due(
    planner: &Planner,
    ticket: &Ticket,
    history: &[Event],
    customer: Option<&Customer>,
    now: DateTime<Utc>,
    report: Option<&SlaReport>,
) -> Result<Option<DateTime<Utc>>, DeskError> {
    let sla_at = match (&planner.sla, ticket.sla_policy(), report) {
        (Some(_), Some(policy), Some(report)) => {
            sla::next_wakeup(report, policy, ticket.sla_alerts(), now)
        }
        (Some(setup), Some(_), None) => wakeup(ticket, history, &setup.calendars, now)?,
        _ => None,
    };
    let auto_at = match planner.engine.as_ref().filter(|e| e.has_automations()) {
        Some(engine) => engine
            .next_due(ticket, history, customer)
            .map_err(DeskError::Rules)?,
        None => None,
    };
    Ok(match (sla_at, auto_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
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

/// Receive an inbound message (see [`Desk::receive`](crate::Desk::receive)).
#[derive(Debug, Clone)]
pub struct Receive {
    tenant: TenantId,
    inbound: Inbound,
    key: Option<InboundKey>,
    auto_tags: AutoTags,
}

impl Receive {
    /// Receive `inbound` for `tenant`.
    pub fn new(tenant: TenantId, inbound: Inbound) -> Self {
        let key = inbound.external_id.as_ref().map(|e| InboundKey {
            channel: inbound.channel,
            external_id: e.clone(),
        });
        Receive {
            tenant,
            inbound,
            key,
            auto_tags: AutoTags::default(),
        }
    }
}

/// The query for a customer's most recently updated unsolved ticket.
fn latest_unsolved(customer: CustomerId) -> TicketQuery {
    TicketQuery::new()
        .customer(customer)
        .status(Status::New)
        .status(Status::Open)
        .status(Status::Pending)
        .status(Status::OnHold)
        .order(TicketOrder::UpdatedDesc)
        .limit(1)
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

impl Workflow for Receive {
    type Output = Receipt;

    fn contended(&self) -> Option<TicketId> {
        self.inbound.ticket
    }

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Receipt>, DeskError> {
        let tenant = self.tenant;
        let inbound = &self.inbound;
        if let Some(k) = &self.key {
            let rec = load!(
                loaded,
                Read::Inbound {
                    tenant,
                    key: k.clone()
                },
                Inbound
            );
            if let Some(rec) = rec {
                return Ok(Step::Ready(Plan {
                    commit: None,
                    output: duplicate(rec.clone()),
                }));
            }
        }
        let named = match inbound.ticket {
            Some(id) => Some(ready!(ticket_of(loaded, tenant, id)?)),
            None => None,
        };
        let found = load!(
            loaded,
            Read::CustomerByIdentity {
                tenant,
                identity: inbound.from.clone()
            },
            Customer
        )
        .as_ref();
        // A named ticket whose requester does not own the identity: never
        // link the identity to the requester (the sender controls what
        // ticket the message names); the policy decides.
        let foreign = named.is_some_and(|t| found.is_none_or(|c| c.id != t.customer()));
        if let Some(t) =
            named.filter(|_| foreign && planner.foreign_sender == ForeignSender::Refuse)
        {
            return Err(DeskError::ForeignSender {
                identity: inbound.from.clone(),
                ticket: t.id(),
            });
        }
        // A participant's message naming a closed ticket is not a follow-up
        // of the requester's: it is handled as if it named no ticket.
        let named = named.filter(|t| !(foreign && t.status() == Status::Closed));
        let target: Option<&Ticket> = match (named, found) {
            (Some(t), _) => Some(t),
            (None, Some(c)) => load!(
                loaded,
                Read::Query {
                    tenant,
                    query: latest_unsolved(c.id)
                },
                Page
            )
            .items
            .first(),
            (None, None) => None,
        };
        let ctx = planner.context(now, ids);
        let mut customer_writes = Vec::new();
        let customer = match found {
            Some(c) => c.clone(),
            None => {
                let mut c = Customer::new(
                    CustomerId::from_uuid(ids.next_uuid()),
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
        let (mut decision, base): (Decision, Vec<&Ticket>) = match target {
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
            .any(|e| matches!(e.kind, EventKind::Opened { .. }));
        self.auto_tags = auto_tag(planner, &mut decision, &base, ticket_id, inbound, &ctx);
        let inbound_records = self
            .key
            .as_ref()
            .map(|k| InboundRecord {
                key: k.clone(),
                ticket: ticket_id,
                message: message_id,
                customer: customer.id,
            })
            .into_iter()
            .collect();
        let plan = ready!(commit_decision(
            planner,
            &ctx,
            loaded,
            tenant,
            &base,
            decision,
            customer_writes,
            inbound_records,
            ticket_id,
        )?);
        Ok(Step::Ready(Plan {
            commit: plan.commit,
            output: Receipt {
                ticket: ticket_id,
                message: message_id,
                customer: customer.id,
                duplicate: false,
                opened,
                delivery: Delivery::default(),
                auto_tags: self.auto_tags.clone(),
            },
        }))
    }

    fn settle(
        &mut self,
        output: Receipt,
        result: Result<(), StoreError>,
    ) -> Result<Settled<Receipt>, DeskError> {
        match result {
            Ok(()) => Ok(Settled::Done(output)),
            // A concurrent delivery of the same message won: its result.
            Err(StoreError::DuplicateInbound { existing }) => {
                Ok(Settled::Done(duplicate(existing)))
            }
            Err(e) if e.is_retryable() => Ok(Settled::Retry),
            Err(e) => Err(e.into()),
        }
    }
}

/// Appends the auto-tags of an inbound message to a decision, through the
/// core's [`ticket::auto_tag`].
fn auto_tag(
    planner: &Planner,
    decision: &mut Decision,
    base: &[&Ticket],
    ticket: TicketId,
    inbound: &Inbound,
    ctx: &Context<'_>,
) -> AutoTags {
    let Some(tagger) = &planner.auto_tagger else {
        return AutoTags::default();
    };
    let state = match base.iter().find(|t| t.id() == ticket) {
        Some(t) => {
            let mut s = (*t).clone();
            for e in decision.events_of(ticket) {
                s.apply(e);
            }
            Some(s)
        }
        None => Ticket::from_events(decision.events_of(ticket)),
    };
    let Some(mut state) = state else {
        return AutoTags::default();
    };
    let input = Input::new(&inbound.body, inbound.channel)
        .role(AuthorRole::Customer)
        .tags(state.tags());
    let out = tagger.tag(&input);
    let tagged = ticket::auto_tag(&state, &out.tags, ctx);
    chain(decision, &mut state, tagged);
    out
}

/// Run a command on a ticket (see [`Desk::execute`](crate::Desk::execute)).
#[derive(Debug, Clone)]
pub struct Execute {
    tenant: TenantId,
    id: TicketId,
    command: Command,
}

impl Execute {
    /// Run `command` on ticket `id` of `tenant`.
    pub fn new(tenant: TenantId, id: TicketId, command: Command) -> Self {
        Execute {
            tenant,
            id,
            command,
        }
    }
}

impl Workflow for Execute {
    type Output = Outcome;

    fn contended(&self) -> Option<TicketId> {
        Some(self.id)
    }

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Outcome>, DeskError> {
        let current = ready!(ticket_of(loaded, self.tenant, self.id)?);
        let ctx = planner.context(now, ids);
        let decision = ticket::decide(current, &self.command, &ctx)?;
        // Reply quality: advice on the agent's reply, or a refusal when the
        // host set a floor (checked after the core accepted the reply).
        let quality = match (&self.command, planner.reply_quality.as_ref()) {
            (Command::AgentReply { body, .. }, Some(q)) => {
                let customer = ready!(requester(loaded, self.tenant, &[], current.customer())?);
                q.judge(body, customer.as_ref())?
            }
            _ => None,
        };
        let mut plan = ready!(commit_decision(
            planner,
            &ctx,
            loaded,
            self.tenant,
            &[current],
            decision,
            Vec::new(),
            Vec::new(),
            self.id,
        )?);
        plan.output.quality = quality;
        Ok(Step::Ready(plan))
    }
}

/// Apply an SLA policy to a ticket explicitly (see
/// [`Desk::apply_sla_policy`](crate::Desk::apply_sla_policy)).
#[derive(Debug, Clone)]
pub struct ApplyPolicy(Execute);

impl ApplyPolicy {
    /// Apply `policy` to ticket `id`, after checking it against the
    /// planner's calendars.
    ///
    /// # Errors
    /// [`DeskError::Sla`] with the error of [`SlaPolicy::validate`].
    pub fn new(
        planner: &Planner,
        tenant: TenantId,
        id: TicketId,
        policy: SlaPolicy,
    ) -> Result<Self, DeskError> {
        policy.validate(planner.calendars())?;
        Ok(ApplyPolicy(Execute::new(
            tenant,
            id,
            Command::ApplySlaPolicy {
                policy: Box::new(policy),
            },
        )))
    }
}

impl Workflow for ApplyPolicy {
    type Output = Outcome;

    fn contended(&self) -> Option<TicketId> {
        self.0.contended()
    }

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Outcome>, DeskError> {
        self.0.plan(planner, now, ids, loaded)
    }
}

/// Open a ticket for a known customer (see [`Desk::open`](crate::Desk::open)).
#[derive(Debug, Clone)]
pub struct Open {
    tenant: TenantId,
    command: OpenTicket,
}

impl Open {
    /// Open a ticket from `command` for `tenant`.
    pub fn new(tenant: TenantId, command: OpenTicket) -> Self {
        Open { tenant, command }
    }

    /// A proactive ticket: we contact the customer first (see
    /// [`Desk::open_proactive`](crate::Desk::open_proactive)).
    pub fn proactive(
        tenant: TenantId,
        customer: CustomerId,
        channel: Channel,
        agent: Option<AgentId>,
        subject: &str,
        body: &str,
    ) -> Self {
        Open::new(
            tenant,
            OpenTicket::proactive(customer, channel, agent, body).with_subject(subject),
        )
    }
}

impl Workflow for Open {
    type Output = Outcome;

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Outcome>, DeskError> {
        ready!(customer_of(loaded, self.tenant, self.command.customer)?);
        let ctx = planner.context(now, ids);
        let decision = ticket::open(self.tenant, &self.command, &ctx)?;
        let id = decision
            .events
            .first()
            .map_or(TicketId::from_u128(0), |e| e.ticket);
        Ok(Step::Ready(ready!(commit_decision(
            planner,
            &ctx,
            loaded,
            self.tenant,
            &[],
            decision,
            Vec::new(),
            Vec::new(),
            id,
        )?)))
    }
}

/// Merge one ticket into another (see [`Desk::merge`](crate::Desk::merge)).
#[derive(Debug, Clone)]
pub struct Merge {
    tenant: TenantId,
    source: TicketId,
    target: TicketId,
}

impl Merge {
    /// Merge `source` into `target`.
    pub fn new(tenant: TenantId, source: TicketId, target: TicketId) -> Self {
        Merge {
            tenant,
            source,
            target,
        }
    }
}

impl Workflow for Merge {
    type Output = Outcome;

    fn contended(&self) -> Option<TicketId> {
        Some(self.source)
    }

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Outcome>, DeskError> {
        let s = ready!(ticket_of(loaded, self.tenant, self.source)?);
        let t = ready!(ticket_of(loaded, self.tenant, self.target)?);
        let ctx = planner.context(now, ids);
        let decision = ticket::merge(s, t, &ctx)?;
        Ok(Step::Ready(ready!(commit_decision(
            planner,
            &ctx,
            loaded,
            self.tenant,
            &[s, t],
            decision,
            Vec::new(),
            Vec::new(),
            self.target,
        )?)))
    }
}

/// Raise a ticket's due SLA alerts, fire its due automations, and update
/// its due time (see [`Desk::tick`](crate::Desk::tick)).
#[derive(Debug, Clone)]
pub struct Tick {
    tenant: TenantId,
    id: TicketId,
    automations: bool,
}

impl Tick {
    /// Tick ticket `id`.
    pub fn new(tenant: TenantId, id: TicketId) -> Self {
        Tick {
            tenant,
            id,
            automations: true,
        }
    }

    /// The same tick without firing automations (a sweep whose automation
    /// budget is spent): SLA alerts are raised, and the ticket stays due
    /// for its automations.
    pub fn without_automations(mut self) -> Self {
        self.automations = false;
        self
    }
}

impl Workflow for Tick {
    type Output = Outcome;

    fn contended(&self) -> Option<TicketId> {
        Some(self.id)
    }

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Outcome>, DeskError> {
        let current = ready!(ticket_of(loaded, self.tenant, self.id)?);
        let unchanged = |due: Option<Option<DateTime<Utc>>>| {
            let commit = due.map(|at| {
                let mut c = Commit::new(self.tenant);
                c.due.push(DueUpdate {
                    ticket: current.id(),
                    version: current.version(),
                    at,
                });
                c
            });
            Ok(Step::Ready(Plan {
                commit,
                output: Outcome {
                    ticket: current.clone(),
                    events: Vec::new(),
                    delivery: Delivery::default(),
                    refused_rules: Vec::new(),
                    quality: None,
                },
            }))
        };
        let engine = planner.engine.as_ref().filter(|e| e.has_automations());
        if planner.sla.is_none() && engine.is_none() {
            return unchanged(None);
        }
        if engine.is_none() && current.sla_policy().is_none() {
            return unchanged(Some(None));
        }
        let history = load!(
            loaded,
            Read::Events {
                tenant: self.tenant,
                id: self.id
            },
            Events
        );
        let customer = match engine {
            Some(_) => ready!(requester(loaded, self.tenant, &[], current.customer())?),
            None => None,
        };
        let ctx = planner.context(now, ids);
        let mut decision = Decision::default();
        let mut state = current.clone();
        let mut report = None;
        if let (Some(setup), Some(policy)) = (&planner.sla, current.sla_policy()) {
            let r = sla::evaluate(history, &setup.calendars, now, Some(policy))?;
            let alerts = sla::due_alerts(&r, policy, current.sla_alerts(), now);
            if !alerts.is_empty() {
                let d = ticket::record_alerts(&state, &alerts, policy, &ctx);
                chain(&mut decision, &mut state, d);
            }
            report = Some(r);
        }
        let mut refused = Vec::new();
        if let (Some(engine), true) = (engine, self.automations) {
            let mut h = history.clone();
            h.extend(decision.events.iter().cloned());
            let eval = engine
                .automations(&state, &h, customer.as_ref(), &ctx)
                .map_err(DeskError::Rules)?;
            refused = eval.refused;
            chain(&mut decision, &mut state, eval.decision);
        }
        if decision.is_empty() {
            let at = next_due(
                planner,
                current,
                history,
                customer.as_ref(),
                now,
                report.as_ref(),
            )?;
            return unchanged(Some(at));
        }
        let mut plan = ready!(commit_decision(
            planner,
            &ctx,
            loaded,
            self.tenant,
            &[current],
            decision,
            Vec::new(),
            Vec::new(),
            self.id,
        )?);
        plan.output.refused_rules.splice(0..0, refused);
        Ok(Step::Ready(plan))
    }
}

/// Apply a macro of the planner's rule book to a ticket for an agent (see
/// [`Desk::apply_macro`](crate::Desk::apply_macro)).
#[derive(Debug, Clone)]
pub struct ApplyMacro {
    tenant: TenantId,
    id: TicketId,
    name: String,
    agent: AgentId,
}

impl ApplyMacro {
    /// Apply macro `name` to ticket `id` of `tenant` as `agent`.
    pub fn new(tenant: TenantId, id: TicketId, name: impl Into<String>, agent: AgentId) -> Self {
        ApplyMacro {
            tenant,
            id,
            name: name.into(),
            agent,
        }
    }
}

impl Workflow for ApplyMacro {
    type Output = Outcome;

    fn contended(&self) -> Option<TicketId> {
        Some(self.id)
    }

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Outcome>, DeskError> {
        let Some(engine) = planner.engine.as_ref() else {
            return Err(DeskError::Rules(RuleError::UnknownMacro {
                id: self.name.clone(),
            }));
        };
        let current = ready!(ticket_of(loaded, self.tenant, self.id)?);
        let history = load!(
            loaded,
            Read::Events {
                tenant: self.tenant,
                id: self.id
            },
            Events
        );
        let customer = ready!(requester(loaded, self.tenant, &[], current.customer())?);
        let ctx = planner.context(now, ids);
        let decision = engine
            .apply_macro(
                &self.name,
                self.agent,
                current,
                history,
                customer.as_ref(),
                &ctx,
            )
            .map_err(DeskError::Rules)?;
        let quality = match planner.reply_quality.as_ref() {
            Some(q) => {
                let reply = decision.events.iter().find_map(|e| match &e.kind {
                    EventKind::AgentReplied { message } => Some(message.body.as_str()),
                    _ => None,
                });
                match reply {
                    Some(body) => q.judge(body, customer.as_ref())?,
                    None => None,
                }
            }
            None => None,
        };
        let mut plan = ready!(commit_decision(
            planner,
            &ctx,
            loaded,
            self.tenant,
            &[current],
            decision,
            Vec::new(),
            Vec::new(),
            self.id,
        )?);
        plan.output.quality = quality;
        Ok(Step::Ready(plan))
    }
}

/// The alerts a tick raised, from its events.
pub fn raised_alerts(outcome: &Outcome) -> Vec<SlaAlert> {
    outcome
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SlaAlerted { alert } => Some((**alert).clone()),
            _ => None,
        })
        .collect()
}

/// Register a customer (see
/// [`Desk::register_customer`](crate::Desk::register_customer)).
#[derive(Debug, Clone)]
pub struct RegisterCustomer {
    tenant: TenantId,
    name: Option<String>,
    identities: Vec<Identity>,
}

impl RegisterCustomer {
    /// Register a customer of `tenant` with `identities` (at least one).
    pub fn new(tenant: TenantId, name: Option<&str>, identities: &[Identity]) -> Self {
        RegisterCustomer {
            tenant,
            name: name.map(str::to_owned),
            identities: identities.to_vec(),
        }
    }
}

impl Workflow for RegisterCustomer {
    type Output = Customer;

    fn plan(
        &mut self,
        _planner: &Planner,
        _now: DateTime<Utc>,
        ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Customer>, DeskError> {
        let tenant = self.tenant;
        let Some(first) = self.identities.first() else {
            return Err(DeskError::Store(StoreError::InvalidCommit {
                reason: "a customer needs at least one identity".to_owned(),
            }));
        };
        let existing = load!(
            loaded,
            Read::CustomerByIdentity {
                tenant,
                identity: first.clone()
            },
            Customer
        );
        if let Some(existing) = existing {
            if self.identities.iter().all(|i| existing.has_identity(i)) {
                return Ok(Step::Ready(Plan {
                    commit: None,
                    output: existing.clone(),
                }));
            }
        }
        let mut customer = Customer::new(
            CustomerId::from_uuid(ids.next_uuid()),
            tenant,
            first.clone(),
        );
        for i in &self.identities[1..] {
            if !customer.has_identity(i) {
                customer.identities.push(i.clone());
            }
        }
        customer.name = self.name.clone();
        customer.version = 1;
        let mut commit = Commit::new(tenant);
        commit.customers.push(CustomerWrite {
            expected: ExpectedVersion::New,
            customer: customer.clone(),
        });
        Ok(Step::Ready(Plan {
            commit: Some(commit),
            output: customer,
        }))
    }

    fn settle(
        &mut self,
        output: Customer,
        result: Result<(), StoreError>,
    ) -> Result<Settled<Customer>, DeskError> {
        // A taken identity is the caller's error, not a race to retry.
        result.map(|()| Settled::Done(output)).map_err(Into::into)
    }
}

/// What a host knows about a customer besides their identities: name,
/// segment, language and time zone. Each `Some` replaces the field;
/// `None` leaves it as it is (see [`Desk::update_profile`](crate::Desk::update_profile)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The display name.
    pub name: Option<String>,
    /// The segment (`"vip"`), read by SLA policies and rule conditions.
    pub segment: Option<String>,
    /// The language templates and reply-quality checks use (`en`,
    /// `zh-Hans`, `zh-Hant`, ...).
    pub locale: Option<String>,
    /// The zone templates show instants in.
    pub time_zone: Option<chrono_tz::Tz>,
}

impl Profile {
    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the segment.
    pub fn segment(mut self, segment: impl Into<String>) -> Self {
        self.segment = Some(segment.into());
        self
    }

    /// Sets the language.
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// Sets the time zone.
    pub fn time_zone(mut self, zone: chrono_tz::Tz) -> Self {
        self.time_zone = Some(zone);
        self
    }
}

/// Update a customer's profile (see
/// [`Desk::update_profile`](crate::Desk::update_profile)).
#[derive(Debug, Clone)]
pub struct UpdateProfile {
    tenant: TenantId,
    id: CustomerId,
    profile: Profile,
}

impl UpdateProfile {
    /// Apply `profile` to customer `id` of `tenant`.
    pub fn new(tenant: TenantId, id: CustomerId, profile: Profile) -> Self {
        UpdateProfile {
            tenant,
            id,
            profile,
        }
    }
}

impl Workflow for UpdateProfile {
    type Output = Customer;

    fn plan(
        &mut self,
        _planner: &Planner,
        _now: DateTime<Utc>,
        _ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Customer>, DeskError> {
        let current = ready!(customer_of(loaded, self.tenant, self.id)?);
        let mut next = current.clone();
        let p = &self.profile;
        if let Some(name) = &p.name {
            next.name = Some(name.clone());
        }
        if let Some(segment) = &p.segment {
            next.segment = Some(segment.clone());
        }
        if let Some(locale) = &p.locale {
            next.locale = Some(locale.clone());
        }
        if let Some(zone) = p.time_zone {
            next.time_zone = Some(zone);
        }
        if next == *current {
            return Ok(Step::Ready(Plan {
                commit: None,
                output: next,
            }));
        }
        next.version = current.version.saturating_add(1);
        let mut commit = Commit::new(self.tenant);
        commit.customers.push(CustomerWrite {
            expected: ExpectedVersion::Version(current.version),
            customer: next.clone(),
        });
        Ok(Step::Ready(Plan {
            commit: Some(commit),
            output: next,
        }))
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

/// Link an identity to a customer (see
/// [`Desk::add_identity`](crate::Desk::add_identity)).
#[derive(Debug, Clone)]
pub struct AddIdentity {
    tenant: TenantId,
    customer: CustomerId,
    identity: Identity,
}

impl AddIdentity {
    /// Link `identity` to `customer`.
    pub fn new(tenant: TenantId, customer: CustomerId, identity: Identity) -> Self {
        AddIdentity {
            tenant,
            customer,
            identity,
        }
    }
}

impl Workflow for AddIdentity {
    type Output = Customer;

    fn plan(
        &mut self,
        _planner: &Planner,
        _now: DateTime<Utc>,
        _ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Customer>, DeskError> {
        let mut c = ready!(customer_of(loaded, self.tenant, self.customer)?).clone();
        if c.has_identity(&self.identity) {
            return Ok(Step::Ready(Plan {
                commit: None,
                output: c,
            }));
        }
        let mut commit = Commit::new(self.tenant);
        commit.customers.push(gain_identity(&mut c, &self.identity));
        Ok(Step::Ready(Plan {
            commit: Some(commit),
            output: c,
        }))
    }

    fn settle(
        &mut self,
        output: Customer,
        result: Result<(), StoreError>,
    ) -> Result<Settled<Customer>, DeskError> {
        match result {
            Ok(()) => Ok(Settled::Done(output)),
            // Only a changed customer is a race; a taken identity is an
            // answer.
            Err(e) if e.is_conflict() => Ok(Settled::Retry),
            Err(e) => Err(e.into()),
        }
    }
}

/// Move an identity to a customer from whoever has it (see
/// [`Desk::move_identity`](crate::Desk::move_identity)).
#[derive(Debug, Clone)]
pub struct MoveIdentity(AddIdentity);

impl MoveIdentity {
    /// Move `identity` to `customer`.
    pub fn new(tenant: TenantId, customer: CustomerId, identity: Identity) -> Self {
        MoveIdentity(AddIdentity::new(tenant, customer, identity))
    }
}

impl Workflow for MoveIdentity {
    type Output = Customer;

    fn plan(
        &mut self,
        _planner: &Planner,
        _now: DateTime<Utc>,
        _ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<Customer>, DeskError> {
        let AddIdentity {
            tenant,
            customer,
            identity,
        } = &self.0;
        let mut to = ready!(customer_of(loaded, *tenant, *customer)?).clone();
        if to.has_identity(identity) {
            return Ok(Step::Ready(Plan {
                commit: None,
                output: to,
            }));
        }
        let from = load!(
            loaded,
            Read::CustomerByIdentity {
                tenant: *tenant,
                identity: identity.clone()
            },
            Customer
        );
        let mut commit = Commit::new(*tenant);
        if let Some(from) = from {
            let mut from = from.clone();
            let expected = ExpectedVersion::Version(from.version);
            from.identities.retain(|i| i != identity);
            from.version = from.version.saturating_add(1);
            commit.customers.push(CustomerWrite {
                expected,
                customer: from,
            });
        }
        commit.customers.push(gain_identity(&mut to, identity));
        Ok(Step::Ready(Plan {
            commit: Some(commit),
            output: to,
        }))
    }
}

/// Queue the notices of spikes, each exactly once (see
/// [`Desk::notify_spikes`](crate::Desk::notify_spikes)).
#[derive(Debug, Clone)]
pub struct NotifySpikes {
    tenant: TenantId,
    spikes: Vec<Spike>,
    recipient: Recipient,
    /// The keys of the last planned commit.
    planned: Vec<OnceKey>,
    /// Notices queued before (by an earlier call, another desk, ...).
    done: Vec<OnceKey>,
}

impl NotifySpikes {
    /// The notices of `spikes` for `recipient`.
    pub fn new(tenant: TenantId, spikes: Vec<Spike>, recipient: Recipient) -> Self {
        NotifySpikes {
            tenant,
            spikes,
            recipient,
            planned: Vec::new(),
            done: Vec::new(),
        }
    }

    fn plan_notices(&mut self, now: DateTime<Utc>) -> Option<Commit> {
        let notifications: Vec<Notification> =
            spike_notifications(self.tenant, &self.spikes, now, &self.recipient)
                .into_iter()
                .filter(|n| !self.done.contains(&OnceKey::notice(n.id)))
                .collect();
        if notifications.is_empty() {
            return None;
        }
        let mut commit = Commit::new(self.tenant);
        commit.once = notifications
            .iter()
            .map(|n| OnceKey::notice(n.id))
            .collect();
        self.planned.clone_from(&commit.once);
        commit.notifications = notifications;
        Some(commit)
    }

    /// A notice queued before: drop it and plan again (`Ok(false)`); a key
    /// the commit did not carry is the store's error.
    fn settle_notices(&mut self, result: Result<(), StoreError>) -> Result<bool, DeskError> {
        match result {
            Ok(()) => Ok(true),
            Err(StoreError::AlreadyDone { key }) => {
                if !self.planned.contains(&key) || self.done.contains(&key) {
                    // Do not loop on a key the commit did not carry.
                    return Err(DeskError::Store(StoreError::AlreadyDone { key }));
                }
                self.done.push(key);
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Workflow for NotifySpikes {
    type Output = Delivery;

    fn plan(
        &mut self,
        _planner: &Planner,
        now: DateTime<Utc>,
        _ids: &dyn IdGenerator,
        _loaded: &Loaded,
    ) -> Result<Step<Delivery>, DeskError> {
        Ok(Step::Ready(Plan {
            commit: self.plan_notices(now),
            output: Delivery::default(),
        }))
    }

    fn settle(
        &mut self,
        output: Delivery,
        result: Result<(), StoreError>,
    ) -> Result<Settled<Delivery>, DeskError> {
        Ok(if self.settle_notices(result)? {
            Settled::Done(output)
        } else {
            Settled::Replan
        })
    }
}

/// Find the spikes of the current period and queue their notices (see
/// [`Desk::check_spikes`](crate::Desk::check_spikes)).
#[derive(Debug, Clone)]
pub struct CheckSpikes {
    tenant: TenantId,
    notices: Option<NotifySpikes>,
}

impl CheckSpikes {
    /// Check the spikes of `tenant`.
    pub fn new(tenant: TenantId) -> Self {
        CheckSpikes {
            tenant,
            notices: None,
        }
    }
}

impl Workflow for CheckSpikes {
    type Output = SpikeCheck;

    fn plan(
        &mut self,
        planner: &Planner,
        now: DateTime<Utc>,
        _ids: &dyn IdGenerator,
        loaded: &Loaded,
    ) -> Result<Step<SpikeCheck>, DeskError> {
        let Some(alerts) = &planner.spike_alerts else {
            return Ok(Step::Ready(Plan {
                commit: None,
                output: SpikeCheck::default(),
            }));
        };
        let cfg = &alerts.config;
        let start = cfg.period.start_of(now, cfg.time_zone);
        let first = cfg
            .period
            .back(start, cfg.baseline_periods.clamp(1, MAX_BASELINE_PERIODS))
            .unwrap_or(start);
        // A day of slack covers every UTC offset.
        let from = first
            .checked_sub_days(Days::new(1))
            .unwrap_or(first)
            .and_time(NaiveTime::MIN)
            .and_utc();
        let mut query = TicketQuery::new()
            .order(TicketOrder::CreatedAsc)
            .limit(TicketQuery::MAX_LIMIT);
        query.updated_from = Some(from);
        let mut tickets: Vec<Ticket> = Vec::new();
        loop {
            let page = load!(
                loaded,
                Read::Query {
                    tenant: self.tenant,
                    query: query.clone()
                },
                Page
            );
            tickets.extend(
                page.items
                    .iter()
                    .filter(|t| t.created_at() >= from && t.created_at() <= now)
                    .cloned(),
            );
            match page.next {
                Some(c) if tickets.len() < alerts.max_tickets => query.after = Some(c),
                _ => break,
            }
        }
        tickets.truncate(alerts.max_tickets);
        let spikes = detect_spikes(&tickets, planner.taxonomy(), now, cfg);
        let notices = self.notices.get_or_insert_with(|| {
            NotifySpikes::new(self.tenant, spikes.clone(), alerts.recipient.clone())
        });
        Ok(Step::Ready(Plan {
            commit: notices.plan_notices(now),
            output: SpikeCheck {
                spikes,
                tickets_read: tickets.len(),
                delivery: Delivery::default(),
            },
        }))
    }

    fn settle(
        &mut self,
        output: SpikeCheck,
        result: Result<(), StoreError>,
    ) -> Result<Settled<SpikeCheck>, DeskError> {
        let Some(notices) = &mut self.notices else {
            return result.map(|()| Settled::Done(output)).map_err(Into::into);
        };
        Ok(if notices.settle_notices(result)? {
            Settled::Done(output)
        } else {
            Settled::Replan
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessCalendar;
    use crate::id::AgentId;
    use crate::sla::{MetricDef, Target, TimeBasis, WarnAt};
    use crate::testing::{SequentialIds, TicketBuilder};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn with_sla(planner: Planner) -> Planner {
        let office = BusinessCalendar::builder("Europe/Paris")
            .weekdays("09:00", "18:00")
            .build()
            .unwrap();
        let policy = SlaPolicy {
            id: "standard".into(),
            version: 1,
            name: "Standard".into(),
            conditions: Default::default(),
            metrics: vec![MetricDef::first_reply()],
            targets: Target::every_priority(
                "first_reply",
                2 * 3600,
                TimeBasis::Business {
                    calendar: "office".into(),
                },
            ),
            warnings: vec![WarnAt::Share { share: 0.75 }],
            escalation: vec![],
        };
        planner
            .with_sla(
                PolicySet::new(policy),
                Calendars::new().with("office", office),
            )
            .unwrap()
    }

    /// Drives a run to its plan, answering reads from `answer`.
    fn drive<W: Workflow>(
        run: &mut Run<W>,
        planner: &Planner,
        now: DateTime<Utc>,
        answer: impl Fn(&Read) -> Answer,
    ) -> (Plan<W::Output>, usize) {
        let mut reads = 0;
        loop {
            match run.step(planner, now).unwrap() {
                Step::Need(read) => {
                    reads += 1;
                    assert!(reads < 20, "the planner keeps asking: {read:?}");
                    let a = answer(&read);
                    run.answer(read, a);
                }
                Step::Ready(plan) => return (plan, reads),
            }
        }
    }

    #[test]
    fn replanning_after_a_read_draws_the_same_ids() {
        // With SLAs the plan needs the ticket's history only after deciding
        // (which draws message and notification ids): the second pass must
        // hand out the same ids, not new ones.
        let planner = with_sla(Planner::new());
        let mut history = TicketBuilder::new().events();
        let mut ticket = Ticket::from_events(&history).unwrap();
        let ids = SequentialIds::new();
        let policy = planner
            .sla()
            .unwrap()
            .policies
            .select(&ticket, None)
            .clone();
        let applied = ticket::decide(
            &ticket,
            &Command::ApplySlaPolicy {
                policy: Box::new(policy),
            },
            &Context::new(at("2026-03-02T09:00:00Z"), &ids),
        )
        .unwrap();
        for e in applied.events {
            ticket.apply(&e);
            history.push(e);
        }
        let answer = |r: &Read| match r {
            Read::Ticket { .. } => Answer::Ticket(Some(Box::new(ticket.clone()))),
            Read::Events { .. } => Answer::Events(history.clone()),
            other => panic!("unexpected read {other:?}"),
        };
        let reply = || {
            Execute::new(
                ticket.tenant(),
                ticket.id(),
                Command::agent_reply(AgentId::from_u128(7), "On it"),
            )
        };
        let now = at("2026-03-02T10:00:00Z");
        let planner = with_sla(Planner::new().with_ids(SequentialIds::starting_at(100)));
        let (step_by_step, reads) = drive(&mut Run::new(reply()), &planner, now, answer);
        assert_eq!(reads, 2, "the ticket, then its history");

        // Everything answered up front: one pass, the same commit.
        let planner = with_sla(Planner::new().with_ids(SequentialIds::starting_at(100)));
        let mut run = Run::new(reply());
        for read in [
            Read::Ticket {
                tenant: ticket.tenant(),
                id: ticket.id(),
            },
            Read::Events {
                tenant: ticket.tenant(),
                id: ticket.id(),
            },
        ] {
            let a = answer(&read);
            run.answer(read, a);
        }
        let (at_once, reads) = drive(&mut run, &planner, now, answer);
        assert_eq!(reads, 0);
        assert_eq!(step_by_step.commit, at_once.commit);
        let commit = at_once.commit.unwrap();
        assert_eq!(commit.due.len(), 1, "the due index is kept");
        assert_eq!(commit.tickets[0].events.len(), 2, "reply and status change");
    }

    #[test]
    fn a_lost_race_retries_and_a_restart_forgets_what_was_loaded() {
        let ticket = TicketBuilder::new().build();
        let mut run = Run::new(Execute::new(
            ticket.tenant(),
            ticket.id(),
            Command::AddNote {
                agent: AgentId::from_u128(7),
                body: "n".into(),
            },
        ));
        let planner = Planner::new().with_ids(SequentialIds::new());
        let (plan, _) = drive(&mut run, &planner, at("2026-03-02T10:00:00Z"), |_| {
            Answer::Ticket(Some(Box::new(ticket.clone())))
        });
        let lost = run.settle(
            plan.output.clone(),
            Err(StoreError::Conflict {
                entity: crate::port::Entity::Ticket(ticket.id()),
                expected: ExpectedVersion::Version(ticket.version()),
                actual: Some(ticket.version() + 1),
            }),
        );
        assert!(matches!(lost, Ok(Settled::Retry)));
        run.restart();
        assert!(run.loaded().is_empty());
        let failed = run.settle(plan.output, Err(StoreError::backend("disk full")));
        assert!(matches!(failed, Err(DeskError::Store(_))));
    }

    #[test]
    fn a_concurrent_redelivery_settles_to_the_first_result() {
        let tenant = TenantId::from_u128(1);
        let from = Identity::email("ana@example.com").unwrap();
        let inbound = Inbound::new(from, Channel::Email, "Hi").external_id("<m1>");
        let mut run = Run::new(Receive::new(tenant, inbound));
        let planner = Planner::new().with_ids(SequentialIds::new());
        let (plan, reads) = drive(
            &mut run,
            &planner,
            at("2026-03-02T10:00:00Z"),
            |r| match r {
                Read::Inbound { .. } => Answer::Inbound(None),
                Read::CustomerByIdentity { .. } => Answer::Customer(None),
                other => panic!("unexpected read {other:?}"),
            },
        );
        assert_eq!(reads, 2);
        let first = InboundRecord {
            key: InboundKey {
                channel: Channel::Email,
                external_id: "<m1>".into(),
            },
            ticket: TicketId::from_u128(9),
            message: crate::id::MessageId::from_u128(10),
            customer: CustomerId::from_u128(11),
        };
        let settled = run
            .settle(
                plan.output,
                Err(StoreError::DuplicateInbound {
                    existing: first.clone(),
                }),
            )
            .unwrap();
        let Settled::Done(receipt) = settled else {
            panic!("a duplicate is an answer, not a retry")
        };
        assert!(receipt.duplicate);
        assert_eq!(receipt.ticket, first.ticket);
    }

    #[test]
    fn loaded_keeps_one_answer_per_read() {
        let mut l = Loaded::new();
        let r = Read::Ticket {
            tenant: TenantId::from_u128(1),
            id: TicketId::from_u128(2),
        };
        l.insert(r.clone(), Answer::Ticket(None));
        l.insert(r.clone(), Answer::Ticket(None));
        assert_eq!(l.len(), 1);
        assert_eq!(l.get(&r), Some(&Answer::Ticket(None)));
    }
}
