//! One body per behavioural test, run against both desk drivers.
//!
//! [`Driver`] is the desk's API in blocking form. [`Desk`] implements it
//! directly; an [`AsyncDesk`] is driven through [`BlockingAsync`], each call
//! run to completion with [`block_on`]. [`for_both_drivers!`] expands a set
//! of test items twice, in `mod sync_desk` and `mod async_desk`, each with:
//!
//! - `TheDesk`: `Desk` or `AsyncDesk` (build with `TheDesk::new(..)` and the
//!   configuration methods both have: `with_ids`, `with_sla`, ...);
//! - `Driven<S, N, C>`: the type a test drives (`Desk<S, N, C>` or
//!   `BlockingAsync<AsyncDesk<S, N, C>>`);
//! - `drive(desk)`: turns a `TheDesk` into a `Driven`;
//! - `port(store)`: a synchronous store as the store `TheDesk` takes (itself,
//!   or [`SyncStore`] around it) for stores that have only the synchronous
//!   port (`FaultyStore`, `SqliteStore`);
//! - `Port<S>`: the type `port` makes of a store `S`;
//! - `StorePort`: the store trait `TheDesk` takes (`TicketStore` or
//!   `AsyncTicketStore`), for helpers generic over the store;
//! - `DRIVER`: `"Desk"` or `"AsyncDesk"`, for messages.
//!
//! Tests about threads taking turns inside one `Desk` stay sync-only.

#![allow(dead_code, unused_macros, unused_imports)]

use chrono::{DateTime, Utc};
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, CustomerId, TenantId, TicketId};
use supportdesk::notification::Recipient;
use supportdesk::plan::{Planner, Workflow};
use supportdesk::port::{AsyncNotifier, AsyncTicketStore, Clock, Notifier, SyncStore, TicketStore};
use supportdesk::sla::{SlaPolicy, SlaReport};
use supportdesk::taxonomy::Spike;
use supportdesk::testing::block_on;
use supportdesk::ticket::{Command, CustomerTicketView, Event, OpenTicket};
use supportdesk::{
    AsyncDesk, Channel, Delivery, Desk, DeskError, Inbound, Outcome, Receipt, SlaSetup, SpikeCheck,
    SweepReport, Ticket,
};

pub mod chaos;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod tasks;

/// The desk's methods in blocking form: what a behavioural test calls.
pub trait Driver {
    /// The store the desk was built over.
    type Store;
    /// The notifier.
    type Notifier;
    /// The clock.
    type Clock;

    /// `"Desk"` or `"AsyncDesk"`.
    const NAME: &'static str;

    /// The store.
    fn store(&self) -> &Self::Store;
    /// The notifier.
    fn notifier(&self) -> &Self::Notifier;
    /// The clock.
    fn clock(&self) -> &Self::Clock;
    /// The SLA configuration, if any.
    fn sla(&self) -> Option<&SlaSetup>;
    /// The planner.
    fn planner(&self) -> &Planner;

    /// `run`.
    fn run<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError>;
    /// `receive`.
    fn receive(&self, tenant: TenantId, inbound: Inbound) -> Result<Receipt, DeskError>;
    /// `execute`.
    fn execute(
        &self,
        tenant: TenantId,
        id: TicketId,
        command: Command,
    ) -> Result<Outcome, DeskError>;
    /// `open`.
    fn open(&self, tenant: TenantId, cmd: &OpenTicket) -> Result<Outcome, DeskError>;
    /// `open_proactive`.
    fn open_proactive(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        channel: Channel,
        agent: Option<AgentId>,
        subject: &str,
        body: &str,
    ) -> Result<Outcome, DeskError>;
    /// `merge`.
    fn merge(
        &self,
        tenant: TenantId,
        source: TicketId,
        target: TicketId,
    ) -> Result<Outcome, DeskError>;
    /// `apply_sla_policy`.
    fn apply_sla_policy(
        &self,
        tenant: TenantId,
        id: TicketId,
        policy: SlaPolicy,
    ) -> Result<Outcome, DeskError>;
    /// `tick`.
    fn tick(&self, tenant: TenantId, id: TicketId) -> Result<Outcome, DeskError>;
    /// `sweep`.
    fn sweep(&self, limit: usize) -> Result<SweepReport, DeskError>;
    /// `apply_macro`.
    fn apply_macro(
        &self,
        tenant: TenantId,
        id: TicketId,
        name: &str,
        agent: AgentId,
    ) -> Result<Outcome, DeskError>;
    /// `preview`.
    fn preview<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError>;
    /// `next_wakeup`.
    fn next_wakeup(&self) -> Result<Option<DateTime<Utc>>, DeskError>;
    /// `sla_report`.
    fn sla_report(&self, tenant: TenantId, id: TicketId) -> Result<SlaReport, DeskError>;
    /// `ticket`.
    fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Ticket, DeskError>;
    /// `history`.
    fn history(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, DeskError>;
    /// `customer_view`.
    fn customer_view(
        &self,
        tenant: TenantId,
        id: TicketId,
        customer: CustomerId,
    ) -> Result<CustomerTicketView, DeskError>;
    /// `customer`.
    fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Customer, DeskError>;
    /// `register_customer`.
    fn register_customer(
        &self,
        tenant: TenantId,
        name: Option<&str>,
        identities: &[Identity],
    ) -> Result<Customer, DeskError>;
    /// `add_identity`.
    fn add_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
    ) -> Result<Customer, DeskError>;
    /// `move_identity`.
    fn move_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
    ) -> Result<Customer, DeskError>;
    /// `check_spikes`.
    fn check_spikes(&self, tenant: TenantId) -> Result<SpikeCheck, DeskError>;
    /// `notify_spikes`.
    fn notify_spikes(
        &self,
        tenant: TenantId,
        spikes: &[Spike],
        recipient: &Recipient,
    ) -> Result<Delivery, DeskError>;
    /// `dispatch_outbox`.
    fn dispatch_outbox(&self, limit: usize) -> Result<Delivery, DeskError>;
    /// `prune_delivered`.
    fn prune_delivered(
        &self,
        older_than: chrono::Duration,
        limit: usize,
    ) -> Result<usize, DeskError>;
    /// `worker`.
    fn worker(&self) -> &str;
    /// `outbox_lease`.
    fn outbox_lease(&self) -> chrono::Duration;
}

/// Implements [`Driver`] by forwarding each method to `$desk` and passing
/// the result through `$finish` (nothing for the sync desk, `block_on` of
/// the future for the async one).
macro_rules! forward_driver {
    ($d:ident => $desk:expr, $finish:path) => {
        fn store(&self) -> &Self::Store {
            let $d = self;
            $desk.store()
        }
        fn notifier(&self) -> &Self::Notifier {
            let $d = self;
            $desk.notifier()
        }
        fn clock(&self) -> &Self::Clock {
            let $d = self;
            $desk.clock()
        }
        fn sla(&self) -> Option<&SlaSetup> {
            let $d = self;
            $desk.sla()
        }
        fn planner(&self) -> &Planner {
            let $d = self;
            $desk.planner()
        }
        fn run<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError> {
            let $d = self;
            $finish($desk.run(workflow))
        }
        fn receive(&self, tenant: TenantId, inbound: Inbound) -> Result<Receipt, DeskError> {
            let $d = self;
            $finish($desk.receive(tenant, inbound))
        }
        fn execute(
            &self,
            tenant: TenantId,
            id: TicketId,
            command: Command,
        ) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.execute(tenant, id, command))
        }
        fn open(&self, tenant: TenantId, cmd: &OpenTicket) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.open(tenant, cmd))
        }
        fn open_proactive(
            &self,
            tenant: TenantId,
            customer: CustomerId,
            channel: Channel,
            agent: Option<AgentId>,
            subject: &str,
            body: &str,
        ) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.open_proactive(tenant, customer, channel, agent, subject, body))
        }
        fn merge(
            &self,
            tenant: TenantId,
            source: TicketId,
            target: TicketId,
        ) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.merge(tenant, source, target))
        }
        fn apply_sla_policy(
            &self,
            tenant: TenantId,
            id: TicketId,
            policy: SlaPolicy,
        ) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.apply_sla_policy(tenant, id, policy))
        }
        fn tick(&self, tenant: TenantId, id: TicketId) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.tick(tenant, id))
        }
        fn apply_macro(
            &self,
            tenant: TenantId,
            id: TicketId,
            name: &str,
            agent: AgentId,
        ) -> Result<Outcome, DeskError> {
            let $d = self;
            $finish($desk.apply_macro(tenant, id, name, agent))
        }
        fn preview<W: Workflow>(&self, workflow: W) -> Result<W::Output, DeskError> {
            let $d = self;
            $finish($desk.preview(workflow))
        }
        fn sweep(&self, limit: usize) -> Result<SweepReport, DeskError> {
            let $d = self;
            $finish($desk.sweep(limit))
        }
        fn next_wakeup(&self) -> Result<Option<DateTime<Utc>>, DeskError> {
            let $d = self;
            $finish($desk.next_wakeup())
        }
        fn sla_report(&self, tenant: TenantId, id: TicketId) -> Result<SlaReport, DeskError> {
            let $d = self;
            $finish($desk.sla_report(tenant, id))
        }
        fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Ticket, DeskError> {
            let $d = self;
            $finish($desk.ticket(tenant, id))
        }
        fn history(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, DeskError> {
            let $d = self;
            $finish($desk.history(tenant, id))
        }
        fn customer_view(
            &self,
            tenant: TenantId,
            id: TicketId,
            customer: CustomerId,
        ) -> Result<CustomerTicketView, DeskError> {
            let $d = self;
            $finish($desk.customer_view(tenant, id, customer))
        }
        fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Customer, DeskError> {
            let $d = self;
            $finish($desk.customer(tenant, id))
        }
        fn register_customer(
            &self,
            tenant: TenantId,
            name: Option<&str>,
            identities: &[Identity],
        ) -> Result<Customer, DeskError> {
            let $d = self;
            $finish($desk.register_customer(tenant, name, identities))
        }
        fn add_identity(
            &self,
            tenant: TenantId,
            customer: CustomerId,
            identity: Identity,
        ) -> Result<Customer, DeskError> {
            let $d = self;
            $finish($desk.add_identity(tenant, customer, identity))
        }
        fn move_identity(
            &self,
            tenant: TenantId,
            customer: CustomerId,
            identity: Identity,
        ) -> Result<Customer, DeskError> {
            let $d = self;
            $finish($desk.move_identity(tenant, customer, identity))
        }
        fn check_spikes(&self, tenant: TenantId) -> Result<SpikeCheck, DeskError> {
            let $d = self;
            $finish($desk.check_spikes(tenant))
        }
        fn notify_spikes(
            &self,
            tenant: TenantId,
            spikes: &[Spike],
            recipient: &Recipient,
        ) -> Result<Delivery, DeskError> {
            let $d = self;
            $finish($desk.notify_spikes(tenant, spikes, recipient))
        }
        fn dispatch_outbox(&self, limit: usize) -> Result<Delivery, DeskError> {
            let $d = self;
            $finish($desk.dispatch_outbox(limit))
        }
        fn prune_delivered(
            &self,
            older_than: chrono::Duration,
            limit: usize,
        ) -> Result<usize, DeskError> {
            let $d = self;
            $finish($desk.prune_delivered(older_than, limit))
        }
        fn worker(&self) -> &str {
            let $d = self;
            $desk.worker()
        }
        fn outbox_lease(&self) -> chrono::Duration {
            let $d = self;
            $desk.outbox_lease()
        }
    };
}

/// The identity: what the sync desk's results pass through.
fn done<T>(value: T) -> T {
    value
}

impl<S: TicketStore, N: Notifier, C: Clock> Driver for Desk<S, N, C> {
    type Store = S;
    type Notifier = N;
    type Clock = C;
    const NAME: &'static str = "Desk";
    forward_driver!(d => d, done);
}

/// An async desk driven in blocking form: each method runs the desk's
/// future to completion on the calling thread with [`block_on`].
#[derive(Debug)]
pub struct BlockingAsync<D>(pub D);

impl<S: AsyncTicketStore, N: AsyncNotifier, C: Clock> Driver for BlockingAsync<AsyncDesk<S, N, C>> {
    type Store = S;
    type Notifier = N;
    type Clock = C;
    const NAME: &'static str = "AsyncDesk";
    forward_driver!(d => d.0, block_on);
}

/// What `mod sync_desk` of [`for_both_drivers!`] sees.
pub mod sync_flavor {
    use super::*;

    pub use supportdesk::Desk as TheDesk;
    /// The type a test drives.
    pub type Driven<S, N, C> = Desk<S, N, C>;
    /// The name, for messages.
    pub const DRIVER: &str = "Desk";

    /// What [`port`] makes of a synchronous store `S`.
    pub type Port<S> = S;

    /// The store port this desk takes: [`TicketStore`].
    pub trait StorePort: TicketStore {}
    impl<S: TicketStore> StorePort for S {}

    /// The desk as a test drives it.
    pub fn drive<S: TicketStore, N: Notifier, C: Clock>(desk: Desk<S, N, C>) -> Driven<S, N, C> {
        desk
    }

    /// A synchronous store as this desk's store: itself.
    pub fn port<S: TicketStore>(store: S) -> S {
        store
    }
}

/// What `mod async_desk` of [`for_both_drivers!`] sees.
pub mod async_flavor {
    use super::*;

    pub use supportdesk::AsyncDesk as TheDesk;
    /// The type a test drives.
    pub type Driven<S, N, C> = BlockingAsync<AsyncDesk<S, N, C>>;
    /// The name, for messages.
    pub const DRIVER: &str = "AsyncDesk";

    /// What [`port`] makes of a synchronous store `S`.
    pub type Port<S> = SyncStore<S>;

    /// The store port this desk takes: [`AsyncTicketStore`].
    pub trait StorePort: AsyncTicketStore {}
    impl<S: AsyncTicketStore> StorePort for S {}

    /// The desk as a test drives it.
    pub fn drive<S: AsyncTicketStore, N: AsyncNotifier, C: Clock>(
        desk: AsyncDesk<S, N, C>,
    ) -> Driven<S, N, C> {
        BlockingAsync(desk)
    }

    /// A synchronous store as this desk's store: behind [`SyncStore`].
    pub fn port<S: TicketStore>(store: S) -> SyncStore<S> {
        SyncStore(store)
    }
}

/// Expands the items given twice: in `mod sync_desk` (over [`Desk`]) and in
/// `mod async_desk` (over [`AsyncDesk`] in blocking form), each with the
/// parent's items and its flavor's `TheDesk`, `Driven`, `drive`, `port`,
/// `Port`, `StorePort` and `DRIVER` in scope.
macro_rules! for_both_drivers {
    ($($body:tt)*) => {
        mod sync_desk {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::support::Driver as _;
            #[allow(unused_imports)]
            use $crate::support::sync_flavor::*;
            $($body)*
        }
        mod async_desk {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::support::Driver as _;
            #[allow(unused_imports)]
            use $crate::support::async_flavor::*;
            $($body)*
        }
    };
}
pub(crate) use for_both_drivers;
