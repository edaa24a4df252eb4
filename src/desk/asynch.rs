//! [`AsyncDesk`]: the desk's workflows driven over the asynchronous ports.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::plan::{
    AddIdentity, Answer, ApplyMacro, ApplyPolicy, CheckSpikes, Delivered, Execute, Merge,
    MoveIdentity, NotifySpikes, Open, Planner, Read, Receive, RegisterCustomer, Run, Settled, Step,
    Tick, Workflow,
};
use super::{
    Delivery, DeskError, Inbound, Outcome, Receipt, RetryPolicy, SpikeCheck, SweepReport, common,
};
use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, TenantId, TicketId};
use crate::model::notification::{Notification, Recipient};
use crate::port::{
    AsyncNotifier, AsyncTicketStore, BoxFuture, Clock, Commit, OutboxClaim, OutboxLease, StoreError,
};
use crate::sla::{SlaPolicy, SlaReport};
use crate::taxonomy::Spike;
use crate::ticket::{Command, CustomerTicketView, Event, OpenTicket, Ticket};

/// How an [`AsyncDesk`] waits between retries: the host's timer
/// (`tokio::time::sleep`, `async_std::task::sleep`, ...), so the library
/// needs no runtime. Any `Fn(Duration) -> impl Future<Output = ()>` that is
/// `Send + Sync` is one.
///
/// Without one ([`AsyncDesk::with_sleep`]), a desk does not pause between
/// attempts: it yields to the executor once and tries again, still bounded
/// by the [`RetryPolicy`]'s attempts and deadline. Give it the runtime's
/// sleep for the back-off the policy describes.
pub trait Sleep: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

impl<F, Fut> Sleep for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(self(duration))
    }
}

/// Completes on its second poll: gives the executor a turn.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// The support desk over asynchronous ports: the same methods, behaviour
/// and [`Planner`] as [`Desk`](crate::Desk), for hosts whose storage and
/// transports are async (axum or actix with sqlx or tokio-postgres).
///
/// Every command runs the desk's [`Workflow`]: load what it needs from the
/// [`AsyncTicketStore`], plan (pure), commit with compare-and-set, and on a
/// lost race start again, bounded by the [`RetryPolicy`] (pausing with the
/// host's [`Sleep`]); then the committed notifications go to the
/// [`AsyncNotifier`] and are marked delivered. A notifier failure never
/// undoes the commit: the notification stays in the outbox for
/// [`dispatch_outbox`](Self::dispatch_outbox). The futures are `Send`; no
/// runtime is needed by the library.
///
/// Tasks of one `AsyncDesk` that lose races on the same ticket are held
/// off by the back-off and the deadline, as writers of other processes are
/// (the synchronous desk also makes its own threads take turns).
///
/// ```
/// use supportdesk::{AsyncDesk, Channel, InMemoryStore, Inbound, Status, ticket::Command};
/// use supportdesk::customer::Identity;
/// use supportdesk::id::{AgentId, TenantId};
/// use supportdesk::testing::{block_on, ManualClock, RecordingNotifier, SequentialIds};
///
/// let desk = AsyncDesk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?)
///     .with_ids(SequentialIds::new());
/// let shop = TenantId::from_u128(1);
/// block_on(async {
///     let r = desk.receive(shop, Inbound::new(Identity::email("ana@example.com")?, Channel::Email, "Where is my order?")).await?;
///     desk.execute(shop, r.ticket, Command::agent_reply(AgentId::from_u128(7), "It ships today.")).await?;
///     let out = desk.execute(shop, r.ticket, Command::status(Status::Solved)).await?;
///     assert_eq!(out.ticket.status(), Status::Solved);
///     assert_eq!(desk.notifier().sent().len(), 4); // ack, new-ticket alert, reply, solved
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AsyncDesk<S, N, C> {
    store: S,
    notifier: N,
    clock: C,
    planner: Planner,
    retry: RetryPolicy,
    sleep: Option<Arc<dyn Sleep>>,
    worker: String,
    outbox_lease: chrono::Duration,
    dispatch: crate::Dispatch,
}

impl<S: fmt::Debug, N: fmt::Debug, C: fmt::Debug> fmt::Debug for AsyncDesk<S, N, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncDesk")
            .field("store", &self.store)
            .field("notifier", &self.notifier)
            .field("clock", &self.clock)
            .field("planner", &self.planner)
            .field("retry", &self.retry)
            .field("sleep", &self.sleep.as_ref().map(|_| "host sleep"))
            .field("worker", &self.worker)
            .field("outbox_lease", &self.outbox_lease)
            .finish()
    }
}

/// What one attempt of a workflow came to.
enum Attempted<T> {
    Done(T, Option<Commit>),
    Retry,
}

/// Answers a read from an asynchronous store.
async fn read_async<S: AsyncTicketStore + ?Sized>(
    store: &S,
    read: &Read,
) -> Result<Answer, StoreError> {
    Ok(match read {
        Read::Ticket { tenant, id } => {
            Answer::Ticket(store.ticket(*tenant, *id).await?.map(Box::new))
        }
        Read::Events { tenant, id } => Answer::Events(store.events(*tenant, *id).await?),
        Read::Customer { tenant, id } => Answer::Customer(store.customer(*tenant, *id).await?),
        Read::CustomerByIdentity { tenant, identity } => {
            Answer::Customer(store.customer_by_identity(*tenant, identity).await?)
        }
        Read::Inbound { tenant, key } => Answer::Inbound(store.inbound(*tenant, key).await?),
        Read::Query { tenant, query } => Answer::Page(store.query(*tenant, query).await?),
    })
}

impl<S: AsyncTicketStore, N: AsyncNotifier, C: Clock> AsyncDesk<S, N, C> {
    /// A desk with random ids, default rules, the default retry policy and
    /// no sleep (see [`Sleep`]).
    pub fn new(store: S, notifier: N, clock: C) -> Self {
        let planner = Planner::new();
        AsyncDesk {
            store,
            notifier,
            clock,
            worker: common::default_worker(&planner),
            planner,
            retry: RetryPolicy::default(),
            sleep: None,
            outbox_lease: common::DEFAULT_OUTBOX_LEASE,
            dispatch: crate::Dispatch::AfterCommit,
        }
    }

    /// Pauses between retries with the host's timer, e.g.
    /// `.with_sleep(tokio::time::sleep)`.
    pub fn with_sleep(mut self, sleep: impl Sleep + 'static) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    common::configuration!();

    /// Runs a workflow: load what it needs, plan, commit, and on a lost race
    /// start again (bounded by the [`RetryPolicy`]); then dispatch the
    /// committed notifications.
    ///
    /// # Errors
    /// The workflow's [`DeskError`]; [`DeskError::Contended`] when the
    /// retry budget is spent.
    pub async fn run<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError> {
        let mut run = Run::new(workflow);
        let max = self.retry.max_attempts.max(1);
        let deadline = self.retry.deadline_from(Instant::now());
        let mut attempts: u32 = 0;
        loop {
            attempts = attempts.saturating_add(1);
            if let Attempted::Done(mut out, commit) = self.attempt(&mut run).await? {
                if let Some(c) = commit {
                    out.set_delivery(match self.dispatch {
                        crate::Dispatch::AfterCommit => self.deliver_all(&c.notifications).await,
                        crate::Dispatch::Outbox => common::left_to_outbox(&c.notifications),
                    });
                }
                return Ok(out);
            }
            let now = Instant::now();
            if attempts >= max || deadline.is_some_and(|d| now >= d) {
                break;
            }
            let mut pause = self
                .retry
                .jittered(attempts - 1, retry_salt(&run, attempts));
            if let Some(end) = deadline {
                pause = pause.min(end.saturating_duration_since(now));
            }
            match &self.sleep {
                Some(s) if !pause.is_zero() => s.sleep(pause).await,
                _ => YieldNow(false).await,
            }
            run.restart();
        }
        Err(DeskError::Contended {
            ticket: run.contended(),
            attempts,
        })
    }

    async fn attempt<W: Workflow>(
        &self,
        run: &mut Run<W>,
    ) -> Result<Attempted<W::Output>, DeskError> {
        let now = self.clock.now();
        loop {
            match run.step(&self.planner, now)? {
                Step::Need(read) => {
                    let answer = read_async(&self.store, &read).await?;
                    run.answer(read, answer);
                }
                Step::Ready(plan) => {
                    let Some(commit) = plan.commit else {
                        return Ok(Attempted::Done(plan.output, None));
                    };
                    let commit = match self.dispatch {
                        crate::Dispatch::AfterCommit => commit.leased_to(self.lease_from(now)),
                        crate::Dispatch::Outbox => commit,
                    };
                    let result = self.store.commit(&commit).await;
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

    /// As [`Desk::receive`](crate::Desk::receive).
    ///
    /// # Errors
    /// As [`Desk::receive`](crate::Desk::receive).
    pub async fn receive(&self, tenant: TenantId, inbound: Inbound) -> Result<Receipt, DeskError> {
        self.run(Receive::new(tenant, inbound)).await
    }

    /// As [`Desk::execute`](crate::Desk::execute).
    ///
    /// # Errors
    /// As [`Desk::execute`](crate::Desk::execute).
    pub async fn execute(
        &self,
        tenant: TenantId,
        id: TicketId,
        command: Command,
    ) -> Result<Outcome, DeskError> {
        self.run(Execute::new(tenant, id, command)).await
    }

    /// As [`Desk::open`](crate::Desk::open).
    ///
    /// # Errors
    /// As [`Desk::open`](crate::Desk::open).
    pub async fn open(&self, tenant: TenantId, cmd: &OpenTicket) -> Result<Outcome, DeskError> {
        self.run(Open::new(tenant, cmd.clone())).await
    }

    /// As [`Desk::open_proactive`](crate::Desk::open_proactive).
    ///
    /// # Errors
    /// As [`Desk::open_proactive`](crate::Desk::open_proactive).
    pub async fn open_proactive(
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
        .await
    }

    /// As [`Desk::merge`](crate::Desk::merge).
    ///
    /// # Errors
    /// As [`Desk::merge`](crate::Desk::merge).
    pub async fn merge(
        &self,
        tenant: TenantId,
        source: TicketId,
        target: TicketId,
    ) -> Result<Outcome, DeskError> {
        self.run(Merge::new(tenant, source, target)).await
    }

    /// As [`Desk::apply_sla_policy`](crate::Desk::apply_sla_policy).
    ///
    /// # Errors
    /// As [`Desk::apply_sla_policy`](crate::Desk::apply_sla_policy).
    pub async fn apply_sla_policy(
        &self,
        tenant: TenantId,
        id: TicketId,
        policy: SlaPolicy,
    ) -> Result<Outcome, DeskError> {
        self.run(ApplyPolicy::new(&self.planner, tenant, id, policy)?)
            .await
    }

    /// As [`Desk::tick`](crate::Desk::tick).
    ///
    /// # Errors
    /// As [`Desk::tick`](crate::Desk::tick).
    pub async fn tick(&self, tenant: TenantId, id: TicketId) -> Result<Outcome, DeskError> {
        self.run(Tick::new(tenant, id)).await
    }

    /// As [`Desk::sweep`](crate::Desk::sweep).
    ///
    /// # Errors
    /// As [`Desk::sweep`](crate::Desk::sweep).
    pub async fn sweep(&self, limit: usize) -> Result<SweepReport, DeskError> {
        let mut report = SweepReport::default();
        let budget = common::automation_budget(&self.planner);
        let mut fired = 0usize;
        for d in self.store.due(self.clock.now(), limit).await? {
            let tick = Tick::new(d.tenant, d.ticket);
            let tick = if fired >= budget {
                tick.without_automations()
            } else {
                tick
            };
            let result = self.run(tick).await;
            if result.as_ref().is_ok_and(common::fired_automation) {
                fired += 1;
            }
            report.record(d.ticket, result);
        }
        Ok(report)
    }

    /// As [`Desk::apply_macro`](crate::Desk::apply_macro).
    ///
    /// # Errors
    /// As [`Desk::apply_macro`](crate::Desk::apply_macro).
    pub async fn apply_macro(
        &self,
        tenant: TenantId,
        id: TicketId,
        name: &str,
        agent: AgentId,
    ) -> Result<Outcome, DeskError> {
        self.run(ApplyMacro::new(tenant, id, name, agent)).await
    }

    /// As [`Desk::preview`](crate::Desk::preview).
    ///
    /// # Errors
    /// As [`Desk::preview`](crate::Desk::preview).
    pub async fn preview<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError> {
        let mut run = Run::new(workflow);
        let now = self.clock.now();
        loop {
            match run.step(&self.planner, now)? {
                Step::Need(read) => {
                    let answer = read_async(&self.store, &read).await?;
                    run.answer(read, answer);
                }
                Step::Ready(plan) => return Ok(plan.output),
            }
        }
    }

    /// As [`Desk::next_wakeup`](crate::Desk::next_wakeup).
    ///
    /// # Errors
    /// As [`Desk::next_wakeup`](crate::Desk::next_wakeup).
    pub async fn next_wakeup(&self) -> Result<Option<DateTime<Utc>>, DeskError> {
        Ok(self
            .store
            .due(DateTime::<Utc>::MAX_UTC, 1)
            .await?
            .first()
            .map(|d| d.at))
    }

    /// As [`Desk::sla_report`](crate::Desk::sla_report).
    ///
    /// # Errors
    /// As [`Desk::sla_report`](crate::Desk::sla_report).
    pub async fn sla_report(&self, tenant: TenantId, id: TicketId) -> Result<SlaReport, DeskError> {
        let events = self.history(tenant, id).await?;
        Ok(self.planner.sla_report(&events, self.clock.now())?)
    }

    /// As [`Desk::ticket`](crate::Desk::ticket).
    ///
    /// # Errors
    /// As [`Desk::ticket`](crate::Desk::ticket).
    pub async fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Ticket, DeskError> {
        self.store
            .ticket(tenant, id)
            .await?
            .ok_or(DeskError::TicketNotFound { ticket: id })
    }

    /// As [`Desk::history`](crate::Desk::history).
    ///
    /// # Errors
    /// As [`Desk::history`](crate::Desk::history).
    pub async fn history(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, DeskError> {
        common::found_history(id, self.store.events(tenant, id).await?)
    }

    /// As [`Desk::customer_view`](crate::Desk::customer_view).
    ///
    /// # Errors
    /// As [`Desk::customer_view`](crate::Desk::customer_view).
    pub async fn customer_view(
        &self,
        tenant: TenantId,
        id: TicketId,
        customer: CustomerId,
    ) -> Result<CustomerTicketView, DeskError> {
        common::view_for(&self.ticket(tenant, id).await?, customer)
    }

    /// As [`Desk::customer`](crate::Desk::customer).
    ///
    /// # Errors
    /// As [`Desk::customer`](crate::Desk::customer).
    pub async fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Customer, DeskError> {
        self.store
            .customer(tenant, id)
            .await?
            .ok_or(DeskError::CustomerNotFound { customer: id })
    }

    /// As [`Desk::register_customer`](crate::Desk::register_customer).
    ///
    /// # Errors
    /// As [`Desk::register_customer`](crate::Desk::register_customer).
    pub async fn register_customer(
        &self,
        tenant: TenantId,
        name: Option<&str>,
        identities: &[Identity],
    ) -> Result<Customer, DeskError> {
        self.run(RegisterCustomer::new(tenant, name, identities))
            .await
    }

    /// As [`Desk::update_profile`](crate::Desk::update_profile).
    ///
    /// # Errors
    /// As [`Desk::update_profile`](crate::Desk::update_profile).
    pub async fn update_profile(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        profile: super::plan::Profile,
    ) -> Result<Customer, DeskError> {
        self.run(super::plan::UpdateProfile::new(tenant, customer, profile))
            .await
    }

    /// As [`Desk::add_identity`](crate::Desk::add_identity).
    ///
    /// # Errors
    /// As [`Desk::add_identity`](crate::Desk::add_identity).
    pub async fn add_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
    ) -> Result<Customer, DeskError> {
        self.run(AddIdentity::new(tenant, customer, identity)).await
    }

    /// As [`Desk::move_identity`](crate::Desk::move_identity).
    ///
    /// # Errors
    /// As [`Desk::move_identity`](crate::Desk::move_identity).
    pub async fn move_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
    ) -> Result<Customer, DeskError> {
        self.run(MoveIdentity::new(tenant, customer, identity))
            .await
    }

    /// As [`Desk::check_spikes`](crate::Desk::check_spikes).
    ///
    /// # Errors
    /// As [`Desk::check_spikes`](crate::Desk::check_spikes).
    pub async fn check_spikes(&self, tenant: TenantId) -> Result<SpikeCheck, DeskError> {
        self.run(CheckSpikes::new(tenant)).await
    }

    /// As [`Desk::notify_spikes`](crate::Desk::notify_spikes).
    ///
    /// # Errors
    /// As [`Desk::notify_spikes`](crate::Desk::notify_spikes).
    pub async fn notify_spikes(
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
        .await
    }

    async fn deliver_all(&self, notifications: &[Notification]) -> Delivery {
        let mut d = Delivery::default();
        for n in notifications {
            d.merge(self.deliver(n).await);
        }
        d
    }

    async fn deliver(&self, n: &Notification) -> Delivery {
        let sent = self.notifier.notify(n).await;
        let recorded = match &sent {
            Ok(()) => {
                self.store
                    .mark_delivered_at(n.tenant, n.id, self.clock.now())
                    .await
            }
            Err(e) => {
                let msg = e.to_string();
                self.store.record_failure(n.tenant, n.id, &msg).await
            }
        };
        common::delivery_of(n, sent, recorded)
    }

    /// As [`Desk::dispatch_outbox`](crate::Desk::dispatch_outbox).
    ///
    /// # Errors
    /// As [`Desk::dispatch_outbox`](crate::Desk::dispatch_outbox).
    pub async fn dispatch_outbox(&self, limit: usize) -> Result<Delivery, DeskError> {
        let now = self.clock.now();
        let claim = OutboxClaim::new(self.worker.clone(), now, self.outbox_lease, limit);
        let entries = self.store.claim(&claim).await?;
        let mut d = Delivery::default();
        for e in entries {
            d.merge(self.deliver(&e.notification).await);
        }
        Ok(d)
    }

    /// As [`Desk::prune_delivered`](crate::Desk::prune_delivered).
    ///
    /// # Errors
    /// As [`Desk::prune_delivered`](crate::Desk::prune_delivered).
    pub async fn prune_delivered(
        &self,
        older_than: chrono::Duration,
        limit: usize,
    ) -> Result<usize, DeskError> {
        let before = common::prune_cutoff(self.clock.now(), older_than)?;
        Ok(self.store.prune_delivered(before, limit).await?)
    }

    /// The lease of the desk's worker taken at `now`.
    fn lease_from(&self, now: DateTime<Utc>) -> OutboxLease {
        OutboxLease::new(
            self.worker.clone(),
            common::lease_until(now, self.outbox_lease),
        )
    }
}

/// Spreads the back-off of concurrent tasks: a value from the contended
/// ticket and the attempt (tasks have no thread of their own to hash).
fn retry_salt<W: Workflow>(run: &Run<W>, attempts: u32) -> u64 {
    let t = run.contended().map_or(0, |t| t.as_uuid().as_u64_pair().0);
    let addr = std::ptr::from_ref(run) as usize as u64;
    t ^ addr.rotate_left(17) ^ u64::from(attempts)
}
