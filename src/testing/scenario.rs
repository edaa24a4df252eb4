use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, TenantId, TicketId};
use crate::model::notification::{NotificationKind, Recipient};
use crate::plan::{
    AddIdentity, ApplyMacro, ApplyPolicy, CheckSpikes, Execute, Merge, MoveIdentity, NotifySpikes,
    Open, Planner, Receive, RegisterCustomer, Run, Settled, Step, Tick, Workflow,
};
use crate::port::{InboundRecord, OnceKey};
use crate::sla::SlaPolicy;
use crate::taxonomy::{Spike, Taxonomy};
use crate::testing::world::{GivenTicket, World, WorldTicket};
use crate::testing::{SequentialIds, ThenPlan, TicketBuilder};
use crate::ticket::{
    Command, Context, Decision, DomainError, Event, LifecycleRules, OpenTicket, Status, Ticket,
    decide,
};
use crate::{Delivery, DeskError, Inbound, Outcome, Receipt, SpikeCheck};

/// The most reads one workflow may make in a scenario before it is taken
/// for a loop.
const MAX_READS: usize = 10_000;
/// The most commits the world may refuse before the workflow settles.
const MAX_REFUSED: usize = 100;

/// A given/when/then test, without a store: given a small world (tickets,
/// customers, inbound records), when a command is decided or a whole desk
/// workflow is planned at an instant, then these events, notifications,
/// writes and result, or this error.
///
/// Two levels:
/// - [`when`](Self::when) decides one [`Command`] on one ticket with the
///   pure core ([`decide`]), and [`Then`] checks the decision;
/// - the `when_*` methods ([`when_received`](Self::when_received),
///   [`when_executed`](Self::when_executed),
///   [`when_ticked`](Self::when_ticked), [`when_merged`](Self::when_merged),
///   ... or any [`Workflow`] with [`when_run`](Self::when_run)) run a desk
///   workflow with the scenario's [`Planner`], answering its reads from the
///   world, and [`ThenPlan`] checks the plan: the commit's events per
///   ticket, notifications, customers, inbound records and due-index
///   updates, and the result (a [`Receipt`], an [`Outcome`], ...) or the
///   error.
///
/// **The world is a model, not a store.** The scenario answers each read
/// with plain code over what the test gave: a ticket or customer by id, a
/// customer by identity, an inbound record by key, and a ticket query by
/// evaluating [`TicketQuery::matches`](crate::port::TicketQuery::matches)
/// over the given tickets in the query's order and limit. A planned commit
/// is checked only as far as the workflow's settling depends on it
/// ([`Commit::validate`](crate::port::Commit::validate), and a once key
/// recorded before answers
/// [`StoreError::AlreadyDone`](crate::port::StoreError::AlreadyDone)); no
/// version, identity or inbound-key conflicts are simulated. What real
/// stores do with a commit is checked by the storage
/// [`conformance`](super::conformance) suite.
///
/// Assertions panic with a message showing what happened instead (they are
/// test helpers and report the caller's line).
///
/// A command on one ticket:
///
/// ```
/// use supportdesk::testing::{Scenario, TicketBuilder};
/// use supportdesk::ticket::{Command, DomainError};
/// use supportdesk::Status;
///
/// Scenario::given(TicketBuilder::new().status(Status::Closed))
///     .when(Command::status(Status::Open))
///     .then_error(|e| matches!(e, DomainError::IllegalInStatus { status: Status::Closed, .. }));
/// ```
///
/// An inbound message, matched and auto-tagged: Ana texts while
/// her email ticket is open, so the message continues that ticket, and the
/// auto-tagger's tag follows the message:
///
/// ```
/// use supportdesk::customer::{Customer, Identity};
/// use supportdesk::id::{CustomerId, TenantId, TicketId};
/// use supportdesk::plan::Planner;
/// use supportdesk::testing::{Scenario, TicketBuilder};
/// use supportdesk::{AutoTagger, Channel, Inbound, Taxonomy};
///
/// let tax: Taxonomy = serde_json::from_str(r#"{
///   "tags": [{"tag": "payment/declined", "kind": "what", "polarity": "bad"}],
///   "rules": [{"name": "declined", "pattern": "declined", "add": ["payment/declined"]}]
/// }"#)?;
/// let shop = TenantId::from_u128(1);
/// let ana_id = CustomerId::from_u128(1);
/// let mut ana = Customer::new(ana_id, shop, Identity::email("ana@example.com")?);
/// ana.identities.push(Identity::phone("+14155550100")?);
/// let order = TicketId::from_u128(100);
///
/// let then = Scenario::new()
///     .planner(Planner::new().with_auto_tagger(AutoTagger::new(&tax)?))
///     .given_customer(ana)
///     .given_tickets([TicketBuilder::new().id(order).customer(ana_id).body("Where is my order?")])
///     .at("2026-01-05T11:00:00Z".parse()?)
///     .when_received(Inbound::new(Identity::phone("+14155550100")?, Channel::Sms, "and my card was declined"))
///     .then_continues(order)
///     .then_customer(ana_id)
///     .then_events(&["customer_replied", "tags_added"])
///     .then_tags(&["payment/declined"])
///     .then_no_customer_written();
/// assert_eq!(then.output().auto_tags.explanations[0].rule, "declined");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone)]
pub struct Scenario {
    world: World,
    /// The ticket [`when`](Self::when) decides on: the constructor's, else
    /// the first given.
    subject: Option<(TenantId, TicketId)>,
    now: Option<DateTime<Utc>>,
    tenant: Option<TenantId>,
    rules: LifecycleRules,
    taxonomy: Option<Taxonomy>,
    planner: Option<Planner>,
}

/// The result of [`Scenario::when`], with the assertions.
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct Then {
    before: Ticket,
    result: Result<Decision, DomainError>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::new()
    }
}

impl Scenario {
    /// An empty world: no tickets, customers or inbound records. Unless set
    /// with [`at`](Self::at), `now` is one hour after the latest update of
    /// the tickets given, or 2026-01-05 10:00 UTC without any; unless set
    /// with [`tenant`](Self::tenant), the tenant is the first given
    /// ticket's (or customer's), else tenant 1 (the [`TicketBuilder`]
    /// default).
    pub fn new() -> Self {
        Scenario {
            world: World::default(),
            subject: None,
            now: None,
            tenant: None,
            rules: LifecycleRules::default(),
            taxonomy: None,
            planner: None,
        }
    }

    /// Starts from a given ticket: `now` is one hour after it was last
    /// updated.
    fn starting_with(given: WorldTicket) -> Self {
        let t = &given.ticket;
        let subject = Some((t.tenant(), t.id()));
        let now = Some(an_hour_after(t.updated_at()));
        let mut s = Scenario::new();
        s.world.put_ticket(given);
        s.subject = subject;
        s.now = now;
        s
    }

    /// Starts from a built ticket (with its history); `now` is one hour
    /// after it was last updated.
    pub fn given(builder: TicketBuilder) -> Self {
        Self::starting_with(WorldTicket::from_given(GivenTicket::Built(builder)))
    }

    /// Starts from a ticket's state (without history, see [`GivenTicket`]);
    /// `now` is one hour after it was last updated.
    pub fn given_ticket(ticket: Ticket) -> Self {
        Self::starting_with(WorldTicket::from_given(GivenTicket::from(ticket)))
    }

    /// Starts from a stored history.
    ///
    /// # Panics
    /// When the history does not start with an `Opened` event.
    #[track_caller]
    pub fn given_events(events: &[Event]) -> Self {
        match Ticket::from_events(events) {
            Some(ticket) => Self::starting_with(WorldTicket {
                ticket,
                history: Some(events.to_vec()),
            }),
            None => panic!("Scenario::given_events: the history must start with an opened event"),
        }
    }

    /// Adds tickets to the world: built ([`TicketBuilder`]), as histories
    /// (`Vec<Event>`, `&[Event]`) or as states ([`Ticket`]); see
    /// [`GivenTicket`]. A ticket with the tenant and id of one given before
    /// replaces it.
    ///
    /// # Panics
    /// When a history does not start with an `opened` event.
    #[track_caller]
    pub fn given_tickets<I>(mut self, tickets: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<GivenTicket>,
    {
        for t in tickets {
            let w = WorldTicket::from_given(t.into());
            if self.subject.is_none() {
                self.subject = Some((w.ticket.tenant(), w.ticket.id()));
            }
            self.world.put_ticket(w);
        }
        self
    }

    /// Adds a customer to the world, with its identities (one of the same
    /// tenant and id given before is replaced). A customer at version 0, as
    /// [`Customer::new`] makes it, is given as stored: at version 1.
    pub fn given_customer(mut self, mut customer: Customer) -> Self {
        if customer.version == 0 {
            customer.version = 1;
        }
        self.world.put_customer(customer);
        self
    }

    /// Adds an inbound record (of the scenario's tenant): a message with its
    /// key was received before, so a redelivery is a duplicate.
    pub fn given_inbound(mut self, record: InboundRecord) -> Self {
        self.world.inbound.push((None, record));
        self
    }

    /// Records a once key (of the scenario's tenant): what it stands for
    /// (e.g. a spike notice, [`OnceKey::notice`]) was done before, so a
    /// commit carrying it is refused.
    pub fn given_done(mut self, key: OnceKey) -> Self {
        self.world.done.push((None, key));
        self
    }

    /// Decides (and plans) at this instant.
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// The tenant the `when_*` workflows run for.
    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = Some(tenant);
        self
    }

    /// Decides under these rules (for [`when`](Self::when), and for the
    /// workflows when no [`planner`](Self::planner) is given).
    pub fn rules(mut self, rules: LifecycleRules) -> Self {
        self.rules = rules;
        self
    }

    /// Decides with this tag taxonomy in the context (for
    /// [`when`](Self::when), and for the workflows when no
    /// [`planner`](Self::planner) is given).
    pub fn taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = Some(taxonomy);
        self
    }

    /// Plans the `when_*` workflows with this planner (auto-tagger, SLAs,
    /// spike alerts, foreign-sender policy, ids), used as it is: give it
    /// [`SequentialIds`] (`with_ids`) for ids a test can predict. Without
    /// one, the planner has [`SequentialIds`] and the scenario's
    /// [`rules`](Self::rules) and [`taxonomy`](Self::taxonomy).
    pub fn planner(mut self, planner: Planner) -> Self {
        self.planner = Some(planner);
        self
    }

    /// The instant the scenario decides at (see [`new`](Self::new)).
    pub fn now(&self) -> DateTime<Utc> {
        if let Some(now) = self.now {
            return now;
        }
        match self
            .world
            .tickets
            .iter()
            .map(|w| w.ticket.updated_at())
            .max()
        {
            Some(latest) => an_hour_after(latest),
            None => an_hour_after(
                Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
                    .single()
                    .unwrap_or_default(),
            ),
        }
    }

    /// The tenant of the `when_*` workflows (see [`new`](Self::new)).
    pub fn tenant_id(&self) -> TenantId {
        self.tenant
            .or(self.subject.map(|(t, _)| t))
            .or(self.world.tickets.first().map(|w| w.ticket.tenant()))
            .or(self.world.customers.first().map(|c| c.tenant))
            .unwrap_or(TenantId::from_u128(1))
    }

    /// The planner the workflows run with (see [`planner`](Self::planner)).
    pub fn planner_used(&self) -> Planner {
        match &self.planner {
            Some(p) => p.clone(),
            None => {
                let p = Planner::new()
                    .with_ids(SequentialIds::new())
                    .with_rules(self.rules.clone());
                match &self.taxonomy {
                    Some(t) => p.with_taxonomy(t.clone()),
                    None => p,
                }
            }
        }
    }

    /// A ticket of the world, by id (in any tenant).
    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.world
            .tickets
            .iter()
            .map(|w| &w.ticket)
            .find(|t| t.id() == id)
    }

    /// A customer of the world, by id (in any tenant).
    pub fn customer(&self, id: CustomerId) -> Option<&Customer> {
        self.world.customers.iter().find(|c| c.id == id)
    }

    /// Decides the command on the scenario's ticket (the constructor's,
    /// else the first given) with the pure core, under the scenario's rules
    /// and taxonomy.
    ///
    /// # Panics
    /// When no ticket was given.
    #[track_caller]
    pub fn when(self, command: Command) -> Then {
        let now = self.now();
        let subject = self
            .subject
            .and_then(|(tenant, id)| self.world.ticket(tenant, id));
        let Some(ticket) = subject.map(|w| w.ticket.clone()) else {
            panic!("Scenario::when: no ticket was given to decide the command on");
        };
        let ids = SequentialIds::new();
        let mut ctx = Context::new(now, &ids).with_rules(&self.rules);
        if let Some(t) = &self.taxonomy {
            ctx = ctx.with_taxonomy(t);
        }
        let result = decide(&ticket, &command, &ctx);
        Then {
            before: ticket,
            result,
        }
    }

    /// Runs any workflow with the scenario's planner at `now`: each read is
    /// answered from the world, the plan's commit is checked by the world
    /// (see the type docs) and settled; a commit the world refuses (a once
    /// key recorded before) is planned again, as a desk does.
    ///
    /// # Panics
    /// When the workflow reads the events of a ticket given as a state
    /// alone, or does not settle (more than 10,000 reads or 100 refused
    /// commits).
    #[track_caller]
    pub fn when_run<W: Workflow>(self, workflow: W) -> ThenPlan<W::Output> {
        let planner = self.planner_used();
        let now = self.now();
        let tenant = self.tenant_id();
        let mut run = Run::new(workflow);
        let mut reads = Vec::new();
        let mut refused = Vec::new();
        let (commit, result) = loop {
            let step = match run.step(&planner, now) {
                Ok(step) => step,
                Err(e) => break (None, Err(e)),
            };
            match step {
                Step::Need(read) => {
                    if reads.len() >= MAX_READS {
                        panic!(
                            "Scenario: the workflow made more than {MAX_READS} reads; the last: {read:?}"
                        );
                    }
                    let answer = self.world.answer(&read, tenant);
                    reads.push(read.clone());
                    run.answer(read, answer);
                }
                Step::Ready(plan) => {
                    let Some(commit) = plan.commit else {
                        break (None, Ok(plan.output));
                    };
                    let written = self.world.check(&commit, tenant);
                    let ok = written.is_ok();
                    match run.settle(plan.output, written) {
                        Ok(Settled::Done(out)) => break (ok.then_some(commit), Ok(out)),
                        Ok(Settled::Replan) => {
                            if refused.len() >= MAX_REFUSED {
                                panic!(
                                    "Scenario: the world refused {MAX_REFUSED} commits and the workflow still plans again"
                                );
                            }
                            refused.push(commit);
                        }
                        // The world does not change between attempts: a
                        // retry would plan the same again.
                        Ok(Settled::Retry) => {
                            break (
                                None,
                                Err(DeskError::Contended {
                                    ticket: run.contended(),
                                    attempts: 1,
                                }),
                            );
                        }
                        Err(e) => break (None, Err(e)),
                    }
                }
            }
        };
        ThenPlan::new(self, tenant, reads, refused, commit, result)
    }

    /// Receives an inbound message ([`Receive`], as
    /// [`Desk::receive`](crate::Desk::receive)).
    #[track_caller]
    pub fn when_received(self, inbound: Inbound) -> ThenPlan<Receipt> {
        let tenant = self.tenant_id();
        self.when_run(Receive::new(tenant, inbound))
    }

    /// Runs a command on a ticket ([`Execute`], as
    /// [`Desk::execute`](crate::Desk::execute)).
    #[track_caller]
    pub fn when_executed(self, id: TicketId, command: Command) -> ThenPlan<Outcome> {
        let tenant = self.tenant_id();
        self.when_run(Execute::new(tenant, id, command))
    }

    /// Opens a ticket for a given customer ([`Open`], as
    /// [`Desk::open`](crate::Desk::open)).
    #[track_caller]
    pub fn when_opened(self, command: OpenTicket) -> ThenPlan<Outcome> {
        let tenant = self.tenant_id();
        self.when_run(Open::new(tenant, command))
    }

    /// Merges `source` into `target` ([`Merge`], as
    /// [`Desk::merge`](crate::Desk::merge)).
    #[track_caller]
    pub fn when_merged(self, source: TicketId, target: TicketId) -> ThenPlan<Outcome> {
        let tenant = self.tenant_id();
        self.when_run(Merge::new(tenant, source, target))
    }

    /// Raises a ticket's due SLA alerts and updates its due time ([`Tick`],
    /// as [`Desk::tick`](crate::Desk::tick)).
    #[track_caller]
    pub fn when_ticked(self, id: TicketId) -> ThenPlan<Outcome> {
        let tenant = self.tenant_id();
        self.when_run(Tick::new(tenant, id))
    }

    /// Applies macro `name` of the planner's rule book to a ticket as
    /// `agent` ([`ApplyMacro`], as
    /// [`Desk::apply_macro`](crate::Desk::apply_macro)); the triggers then
    /// run on the update.
    ///
    /// ```
    /// use supportdesk::id::AgentId;
    /// use supportdesk::plan::Planner;
    /// use supportdesk::rules::RuleBook;
    /// use supportdesk::template::TemplateSet;
    /// use supportdesk::testing::{Scenario, SequentialIds, TicketBuilder};
    /// use supportdesk::Status;
    ///
    /// let bob = AgentId::from_u128(7);
    /// let templates = TemplateSet::from_json(
    ///     r#"{"templates": [{"id": "photo", "text": {"en": "Could you send a photo? {{agent.name}}"}}]}"#,
    /// )?;
    /// let book = RuleBook::from_json(&format!(r#"{{
    ///   "agents": {{"{bob}": "Bob"}},
    ///   "macros": [{{"id": "ask-photo", "name": "Ask for a photo", "reply": "photo", "then": "pending"}}],
    ///   "triggers": [{{"id": "waiting", "name": "Waiting", "on": ["status_changed"],
    ///     "conditions": {{"all": [{{"field": "status", "op": "is", "value": "pending"}}]}},
    ///     "actions": [{{"action": "set_priority", "value": "low"}}]}}]
    /// }}"#))?;
    /// let planner = Planner::new().with_ids(SequentialIds::new()).with_rule_book(book, templates)?;
    /// let ticket = TicketBuilder::new().status(Status::Open);
    /// let id = ticket.build().id();
    /// Scenario::given(ticket)
    ///     .planner(planner)
    ///     .when_macro_applied(id, "ask-photo", bob)
    ///     .then_fired(&["ask-photo", "waiting"])
    ///     .then_events(&["rule_fired", "agent_replied", "status_changed", "rule_fired", "priority_changed"])
    ///     .then_status(Status::Pending);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[track_caller]
    pub fn when_macro_applied(self, id: TicketId, name: &str, agent: AgentId) -> ThenPlan<Outcome> {
        let tenant = self.tenant_id();
        self.when_run(ApplyMacro::new(tenant, id, name, agent))
    }

    /// Applies an SLA policy to a ticket ([`ApplyPolicy`], as
    /// [`Desk::apply_sla_policy`](crate::Desk::apply_sla_policy)); a policy
    /// the planner's calendars reject is the error, with nothing planned.
    #[track_caller]
    pub fn when_policy_applied(self, id: TicketId, policy: SlaPolicy) -> ThenPlan<Outcome> {
        let tenant = self.tenant_id();
        match ApplyPolicy::new(&self.planner_used(), tenant, id, policy) {
            Ok(w) => self.when_run(w),
            Err(e) => ThenPlan::new(self, tenant, Vec::new(), Vec::new(), None, Err(e)),
        }
    }

    /// Registers a customer ([`RegisterCustomer`], as
    /// [`Desk::register_customer`](crate::Desk::register_customer)).
    #[track_caller]
    pub fn when_registered(
        self,
        name: Option<&str>,
        identities: &[Identity],
    ) -> ThenPlan<Customer> {
        let tenant = self.tenant_id();
        self.when_run(RegisterCustomer::new(tenant, name, identities))
    }

    /// Links an identity to a customer ([`AddIdentity`], as
    /// [`Desk::add_identity`](crate::Desk::add_identity)).
    #[track_caller]
    pub fn when_identity_added(
        self,
        customer: CustomerId,
        identity: Identity,
    ) -> ThenPlan<Customer> {
        let tenant = self.tenant_id();
        self.when_run(AddIdentity::new(tenant, customer, identity))
    }

    /// Moves an identity to a customer ([`MoveIdentity`], as
    /// [`Desk::move_identity`](crate::Desk::move_identity)).
    #[track_caller]
    pub fn when_identity_moved(
        self,
        customer: CustomerId,
        identity: Identity,
    ) -> ThenPlan<Customer> {
        let tenant = self.tenant_id();
        self.when_run(MoveIdentity::new(tenant, customer, identity))
    }

    /// Queues the notices of spikes, each once ([`NotifySpikes`], as
    /// [`Desk::notify_spikes`](crate::Desk::notify_spikes)).
    #[track_caller]
    pub fn when_spikes_notified(
        self,
        spikes: Vec<Spike>,
        recipient: Recipient,
    ) -> ThenPlan<Delivery> {
        let tenant = self.tenant_id();
        self.when_run(NotifySpikes::new(tenant, spikes, recipient))
    }

    /// Finds the spikes of the current period over the given tickets and
    /// queues their notices ([`CheckSpikes`], as
    /// [`Desk::check_spikes`](crate::Desk::check_spikes)).
    #[track_caller]
    pub fn when_spikes_checked(self) -> ThenPlan<SpikeCheck> {
        let tenant = self.tenant_id();
        self.when_run(CheckSpikes::new(tenant))
    }

    /// The world after a commit is written (used by
    /// [`ThenPlan::afterwards`]).
    pub(crate) fn applying(mut self, commit: Option<&crate::port::Commit>) -> Self {
        if let Some(c) = commit {
            self.world.apply(c);
        }
        self
    }

    /// A ticket of the world with its history, if known.
    pub(crate) fn world_ticket(&self, tenant: TenantId, id: TicketId) -> Option<&WorldTicket> {
        self.world.ticket(tenant, id)
    }
}

fn an_hour_after(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_signed(Duration::hours(1))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Then {
    #[track_caller]
    fn decision(&self) -> &Decision {
        match &self.result {
            Ok(d) => d,
            Err(e) => panic!("expected the command to be accepted, it was rejected: {e}"),
        }
    }

    /// Asserts the events, by [`EventKind::name`](crate::ticket::EventKind::name), in order.
    ///
    /// # Panics
    /// When the command was rejected or the events differ.
    #[track_caller]
    pub fn then_events(self, names: &[&str]) -> Self {
        let got: Vec<&str> = self
            .decision()
            .events
            .iter()
            .map(|e| e.kind.name())
            .collect();
        assert_eq!(got, names, "events differ");
        self
    }

    /// Asserts the ticket's status after applying the events.
    ///
    /// # Panics
    /// When the command was rejected or the status differs.
    #[track_caller]
    pub fn then_status(self, status: Status) -> Self {
        let t = self.ticket();
        assert_eq!(t.status(), status, "status after the command");
        self
    }

    /// Asserts the notification kinds, in order.
    ///
    /// # Panics
    /// When the command was rejected or the kinds differ.
    #[track_caller]
    pub fn then_notifies(self, kinds: &[NotificationKind]) -> Self {
        let got: Vec<NotificationKind> = self
            .decision()
            .notifications
            .iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(got, kinds, "notifications differ");
        self
    }

    /// Asserts the command was rejected with an error matching `pred`.
    ///
    /// # Panics
    /// When it was accepted, or the error does not match.
    #[track_caller]
    pub fn then_error(self, pred: impl FnOnce(&DomainError) -> bool) -> Self {
        match &self.result {
            Ok(d) => panic!(
                "expected a rejection, got events {:?}",
                d.events.iter().map(|e| e.kind.name()).collect::<Vec<_>>()
            ),
            Err(e) => assert!(pred(e), "the error did not match: {e:?}"),
        }
        self
    }

    /// The ticket after applying the events (the original on rejection, which
    /// changes nothing).
    pub fn ticket(&self) -> Ticket {
        let mut t = self.before.clone();
        if let Ok(d) = &self.result {
            let id = t.id();
            for e in d.events.iter().filter(|e| e.ticket == id) {
                t.apply(e);
            }
        }
        t
    }

    /// The raw result.
    pub fn result(&self) -> &Result<Decision, DomainError> {
        &self.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use crate::plan::{Answer, Read};
    use crate::port::{TicketOrder, TicketQuery};
    use crate::sla::{Calendars, MetricDef, PolicySet, Target, TimeBasis};

    const SHOP: TenantId = TenantId::from_u128(1);
    const OTHER: TenantId = TenantId::from_u128(2);
    const ANA: CustomerId = CustomerId::from_u128(1);

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn ana() -> Customer {
        let id = Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}"));
        Customer::new(ANA, SHOP, id)
    }

    fn ticket(n: u128, minutes: i64) -> TicketBuilder {
        TicketBuilder::new()
            .id(TicketId::from_u128(n))
            .customer(ANA)
            .opened_at(t0() + Duration::minutes(minutes))
    }

    fn page_ids(answer: Answer) -> (Vec<u128>, bool) {
        match answer {
            Answer::Page(p) => (
                p.items.iter().map(|t| t.id().as_u128()).collect(),
                p.next.is_some(),
            ),
            other => panic!("expected a page, got {other:?}"),
        }
    }

    #[test]
    fn the_world_answers_a_query_by_its_filters_order_limit_and_cursor() {
        let s = Scenario::new().given_tickets([
            ticket(100, 0),
            ticket(101, 10).status(Status::Solved),
            ticket(102, 20),
            ticket(103, 30).tenant(OTHER),
            ticket(104, 5).customer(CustomerId::from_u128(9)),
        ]);
        let unsolved = TicketQuery::new()
            .customer(ANA)
            .status(Status::New)
            .status(Status::Open)
            .order(TicketOrder::UpdatedDesc)
            .limit(1);
        let read = |query: TicketQuery| Read::Query {
            tenant: SHOP,
            query,
        };
        // The latest unsolved ticket of Ana in the shop: not the solved one,
        // not another tenant's, not another customer's.
        let (ids, more) = page_ids(s.world.answer(&read(unsolved.clone()), SHOP));
        assert_eq!(ids, [102]);
        assert!(more);
        // The next page, after the cursor of the first.
        let first = s
            .world
            .ticket(SHOP, TicketId::from_u128(102))
            .map(|w| unsolved.cursor_of(&w.ticket));
        let (ids, more) = page_ids(s.world.answer(&read(unsolved.after(first)), SHOP));
        assert_eq!(ids, [100]);
        assert!(!more);
        // Oldest first, every ticket of the shop.
        let all = TicketQuery::new().order(TicketOrder::CreatedAsc);
        assert_eq!(
            page_ids(s.world.answer(&read(all), SHOP)).0,
            [100, 104, 101, 102]
        );
    }

    #[test]
    fn the_world_answers_customers_and_inbound_records_per_tenant() {
        let ana = ana();
        let email = ana.identities[0].clone();
        let record = InboundRecord {
            key: crate::port::InboundKey {
                channel: Channel::Email,
                external_id: "<m1>".into(),
            },
            ticket: TicketId::from_u128(100),
            message: crate::id::MessageId::from_u128(1),
            customer: ANA,
        };
        let s = Scenario::new()
            .given_customer(ana)
            .given_inbound(record.clone());
        // Given at version 0 (Customer::new), stored at version 1.
        assert_eq!(s.customer(ANA).map(|c| c.version), Some(1));
        let by_identity = |tenant| Read::CustomerByIdentity {
            tenant,
            identity: email.clone(),
        };
        assert!(
            matches!(s.world.answer(&by_identity(SHOP), SHOP), Answer::Customer(Some(c)) if c.id == ANA)
        );
        assert_eq!(
            s.world.answer(&by_identity(OTHER), SHOP),
            Answer::Customer(None)
        );
        let inbound = |tenant| Read::Inbound {
            tenant,
            key: record.key.clone(),
        };
        assert_eq!(
            s.world.answer(&inbound(SHOP), SHOP),
            Answer::Inbound(Some(record.clone()))
        );
        assert_eq!(s.world.answer(&inbound(OTHER), SHOP), Answer::Inbound(None));
    }

    #[test]
    fn when_decides_on_the_first_given_ticket_of_an_empty_scenario() {
        Scenario::new()
            .given_tickets([ticket(100, 0).status(Status::Solved), ticket(101, 0)])
            .when(Command::status(Status::Open))
            .then_events(&["status_changed"])
            .then_status(Status::Open);
    }

    #[test]
    #[should_panic(expected = "no ticket was given")]
    fn when_without_a_ticket_says_so() {
        let _ = Scenario::new().when(Command::status(Status::Open));
    }

    #[test]
    #[should_panic(expected = "given as a state without history")]
    fn a_workflow_reading_the_history_of_a_state_says_so() {
        let policy = SlaPolicy {
            id: "p".into(),
            version: 1,
            name: "p".into(),
            conditions: Default::default(),
            metrics: vec![MetricDef::first_reply()],
            targets: Target::every_priority("first_reply", 3600, TimeBasis::Calendar),
            warnings: Vec::new(),
            escalation: Vec::new(),
        };
        let planner = Planner::new()
            .with_sla(PolicySet::new(policy.clone()), Calendars::new())
            .unwrap_or_else(|e| panic!("{e}"));
        // A state under a policy, without its history.
        let mut state = ticket(100, 0).build();
        let applied = Event {
            tenant: state.tenant(),
            ticket: state.id(),
            sequence: state.version() + 1,
            at: state.created_at(),
            kind: crate::ticket::EventKind::SlaPolicyApplied {
                policy: Box::new(policy),
            },
        };
        state.apply(&applied);
        // Executing a command under a policy reads the history for the due
        // time.
        let _ = Scenario::given_ticket(state)
            .planner(planner)
            .when_executed(TicketId::from_u128(100), Command::status(Status::Open));
    }

    #[test]
    #[should_panic(expected = "expected a new ticket")]
    fn then_opens_fails_on_a_continued_ticket() {
        let _ = Scenario::new()
            .given_customer(ana())
            .given_tickets([ticket(100, 0)])
            .when_received(Inbound::new(
                ana().identities[0].clone(),
                Channel::Email,
                "Hi",
            ))
            .then_continues(TicketId::from_u128(100))
            .then_opens();
    }

    #[test]
    #[should_panic(expected = "events differ")]
    fn then_events_fails_on_other_events() {
        let _ = Scenario::new()
            .when_received(Inbound::new(
                ana().identities[0].clone(),
                Channel::Email,
                "Hi",
            ))
            .then_events(&["customer_replied"]);
    }

    #[test]
    fn afterwards_carries_the_commit_into_the_world() {
        let first = Scenario::new().at(t0()).when_received(Inbound::new(
            ana().identities[0].clone(),
            Channel::Email,
            "Hi",
        ));
        let receipt = first.output().clone();
        let next = first.afterwards();
        assert_eq!(next.now(), t0());
        assert_eq!(next.customer(receipt.customer).map(|c| c.version), Some(1));
        let stored = next
            .world
            .ticket(SHOP, receipt.ticket)
            .map(|w| (w.ticket.version(), w.history.as_ref().map(Vec::len)));
        assert_eq!(stored, Some((2, Some(2))));
        next.when_received(Inbound::new(
            ana().identities[0].clone(),
            Channel::Sms,
            "Again",
        ))
        .then_continues(receipt.ticket)
        .then_customer(receipt.customer)
        .then_no_customer_written()
        .then_events(&["customer_replied"]);
    }
}
