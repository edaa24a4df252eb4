//! The storage conformance suite: what every [`TicketStore`] and every
//! [`AsyncTicketStore`] must do.
//!
//! The [`TicketStore` contract](crate::port::TicketStore#contract) in code
//! (it applies word for word to [`AsyncTicketStore`]). Each case is written
//! once, as an `async fn` over a `&dyn AsyncTicketStore`, and **panics**
//! with a message naming the case and the broken rule when the store does
//! not behave. The runner checks a synchronous store by wrapping it in
//! [`SyncStore`] and driving the futures with
//! [`testing::block_on`](crate::testing::block_on), and an async store with
//! the [`Executor`] the caller supplies. They are assertion helpers: call
//! them from tests, never from production code.
//!
//! The cases are listed once, in [`CASES`] (name, what the case needs): the
//! runners and the [`store_conformance!`](crate::store_conformance) macro
//! all work from that table.
//!
//! # Running it
//! In the backend's crate, with `supportdesk` as a dev-dependency with the
//! `testing` feature, one line generates one `#[test]` per case (the
//! walk-through is `docs/implementing-a-store.md` in the repository):
//!
//! ```
//! use supportdesk::InMemoryStore;
//! use supportdesk::testing::conformance::Capabilities;
//!
//! supportdesk::store_conformance!(in_memory, || InMemoryStore::new(), Capabilities::none());
//! # fn main() {}
//! ```
//!
//! An async store ([`AsyncTicketStore`]) says `async` first, and may name
//! the [`Executor`] its futures need (a tokio runtime, say); the default is
//! [`BlockOn`], which needs no runtime:
//!
//! ```
//! use supportdesk::InMemoryStore;
//! use supportdesk::testing::conformance::{BlockOn, Capabilities};
//!
//! supportdesk::store_conformance!(async in_memory_async, InMemoryStore::new, Capabilities::none());
//! supportdesk::store_conformance!(async with_executor, InMemoryStore::new, Capabilities::none(), BlockOn);
//! # fn main() {}
//! ```
//!
//! The third argument declares the optional abilities the backend has
//! (see [`Capabilities`]): a durable store that can be reopened, a store
//! several handles (processes) can open at once. Outbox leases and
//! retention are required unless the backend opts out
//! ([`Capabilities::without_leases`], [`Capabilities::without_retention`]:
//! a store that keeps the port's defaults for
//! [`claim`](TicketStore::claim) and
//! [`prune_delivered`](TicketStore::prune_delivered)). A case for an ability
//! the backend does not declare, or opted out of, is not silently skipped:
//! its test prints `NOT RUN` with the reason, and [`run_all`] lists it in
//! [`Report::not_declared`]. Those who prefer one call use [`run_all`]
//! (or [`run_all_async`]):
//!
//! ```
//! use supportdesk::InMemoryStore;
//! use supportdesk::testing::conformance::{self, BlockOn, Capabilities};
//!
//! let report = conformance::run_all(&|| InMemoryStore::new(), &Capabilities::none());
//! assert_eq!(report.ran.len() + report.not_declared.len(), conformance::CASES.len());
//! let report = conformance::run_all_async(&InMemoryStore::new, &Capabilities::none(), &BlockOn);
//! assert_eq!(report.not_declared.len(), 3);
//! ```
//!
//! One case on its own is an `async fn`:
//!
//! ```
//! use supportdesk::InMemoryStore;
//! use supportdesk::port::SyncStore;
//! use supportdesk::testing::{block_on, conformance};
//!
//! block_on(conformance::query_filters(&SyncStore(InMemoryStore::new())));
//! ```
//!
//! # What it checks
//! Round trips of every field (tickets with messages of every author and
//! visibility, tags, ratings, merges and follow-ups; customers with every
//! identity kind; inbound records; notifications of both audiences),
//! compare-and-set (`AlreadyExists`, `Conflict` with the expected and
//! actual versions), unique identities (and moving one between customers
//! in one commit), look-alike identities whose parts joined naively are the
//! same text kept apart (in the store and through a `Desk` on it), unknown
//! ids, all-or-nothing commits, `InvalidCommit`
//! from [`Commit::validate`](crate::port::Commit::validate), every query
//! filter and order against an independent model of the query (and
//! hand-written answers for small fixed cases), paging with and
//! without concurrent writes, tenant isolation (the same ids in two
//! tenants, ids whose text forms are prefixes of one another), inbound
//! idempotency, once keys (and, for a durable store, after a reopen), the
//! outbox (order, delivery, failures, foreign and unknown
//! ids; leases taken by claims and by commits, their expiry, claims from
//! several threads, or handles, never sharing an entry; retention pruning
//! the oldest deliveries), and a lost-update race: 16 threads each applying 100
//! compare-and-set updates to one ticket must end with exactly 1,600.
//!
//! The SLA due-time index ([`TicketStore::due`]
//! and [`Commit::due`](crate::port::Commit)) is covered by the `due_index_*` cases: order
//! and limit, updates and removals, stale versions ignored, and tenants.
//!
//! # Stability policy
//! The suite is part of the public API and follows semver with the crate:
//! - **adding a case is a minor change**: a backend that passed may fail a
//!   new case, which means it had a bug the suite did not catch yet;
//! - **changing what an existing case checks is a breaking change**: it is
//!   done only in a major release (or a 0.x minor), and the changelog says
//!   which case changed and why;
//! - case names are stable: a renamed case keeps its old name as a
//!   deprecated alias for one release;
//! - removing an ability from [`Capabilities`] is breaking, adding one is
//!   not (the struct is `#[non_exhaustive]`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::port::{AsyncTicketStore, SyncStore, TicketStore};

mod commits;
mod concurrency;
mod customers;
mod due;
mod durable;
mod fixtures;
mod inbound;
mod leases;
mod once;
mod outbox;
mod query;
mod tenants;
mod tickets;

pub use commits::*;
pub use concurrency::*;
pub use customers::*;
pub use due::*;
pub use durable::*;
pub use inbound::*;
pub use leases::*;
pub use once::*;
pub use outbox::*;
pub use query::*;
pub use tenants::*;
pub use tickets::*;

/// The one table of the suite's cases: `name: area, kind, needs;` where
/// `area` is the module the case is in, `kind` is `Async` (an `async fn`
/// over the store) or `Harness` (a `fn` over a [`Harness`]: several
/// threads, handles or a reopen), and `needs` the ability it needs (`Fresh`:
/// only a fresh store). It hands the table to `$callback!` after the given
/// tokens; [`CASES`] and [`store_conformance!`](crate::store_conformance)
/// are generated from it.
///
/// Available with the crate feature `testing`.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($($callback:ident)::+ { $($ctx:tt)* }) => {
        $($callback)::+! { $($ctx)*
            round_trip_ticket_every_field: tickets, Async, Fresh;
            round_trip_customer_every_identity_kind: customers, Async, Fresh;
            round_trip_inbound_record: inbound, Async, Fresh;
            round_trip_notifications_both_audiences: outbox, Async, Fresh;
            new_twice_is_already_exists: commits, Async, Fresh;
            stale_version_is_conflict: commits, Async, Fresh;
            unknown_ids_are_none: tickets, Async, Fresh;
            commit_is_all_or_nothing: commits, Async, Fresh;
            invalid_commit_is_rejected: commits, Async, Fresh;
            identities_are_unique_per_tenant: customers, Async, Fresh;
            identity_moves_between_customers_in_one_commit: customers, Async, Fresh;
            lookalike_identities_stay_apart: customers, Async, Fresh;
            desk_keeps_lookalike_identities_apart: customers, Harness, Fresh;
            query_filters: query, Async, Fresh;
            query_fixed_answers: query, Async, Fresh;
            query_orders: query, Async, Fresh;
            query_paging_is_stable: query, Async, Fresh;
            query_paging_with_concurrent_updates: query, Async, Fresh;
            query_limits: query, Async, Fresh;
            tenant_isolation: tenants, Async, Fresh;
            tenant_isolation_prefix_ids: tenants, Async, Fresh;
            inbound_idempotency: inbound, Async, Fresh;
            once_keys: once, Async, Fresh;
            outbox_order_and_delivery: outbox, Async, Fresh;
            outbox_failures_are_recorded: outbox, Async, Fresh;
            outbox_unknown_and_foreign_ids: outbox, Async, Fresh;
            outbox_keeps_the_first_of_a_known_id: outbox, Async, Fresh;
            race_compare_and_set: concurrency, Harness, Fresh;
            durable_reopen: durable, Harness, Durable;
            shared_handles: concurrency, Harness, Shared;
            once_keys_durable: once, Harness, Durable;
            due_index_order_and_limit: due, Async, Fresh;
            due_index_updates_and_removals: due, Async, Fresh;
            due_index_ignores_stale_versions: due, Async, Fresh;
            due_index_tenants: due, Async, Fresh;
            outbox_claims_lease_entries: leases, Async, Leases;
            outbox_claims_expire: leases, Async, Leases;
            outbox_commit_leases: leases, Async, Leases;
            outbox_concurrent_claims_are_disjoint: leases, Harness, Leases;
            outbox_retention_prunes_old_deliveries: leases, Async, Retention;
        }
    };
}

/// What a backend declares it can do, beyond what every store must: the
/// optional abilities (durable, shared storage) are off until declared;
/// outbox leases and retention are required until the backend opts out.
///
/// ```
/// use supportdesk::InMemoryStore;
/// use supportdesk::testing::conformance::Capabilities;
/// let caps: Capabilities<InMemoryStore> = Capabilities::none();
/// assert!(!caps.is_durable() && !caps.is_shared());
/// assert!(caps.has_leases() && caps.has_retention());
/// let defaults = Capabilities::<InMemoryStore>::none().without_leases().without_retention();
/// assert!(!defaults.has_leases() && !defaults.has_retention());
/// ```
///
/// Available with the crate feature `testing`.
#[non_exhaustive]
pub struct Capabilities<S> {
    /// Closes a store and opens its storage again (a durable backend: a
    /// file, a database). Declared with [`Capabilities::durable`].
    pub reopen: Option<fn(S) -> S>,
    /// Opens a second, independent handle on the same storage while the
    /// first stays open, as another process would (a database file several
    /// processes share). Declared with [`Capabilities::shared`].
    pub second_handle: Option<fn(&S) -> S>,
    /// The store keeps outbox leases ([`TicketStore::claim`],
    /// [`Commit::leased_to`](crate::port::Commit::leased_to)). Required:
    /// `true` unless the backend opts out with
    /// [`Capabilities::without_leases`].
    pub leases: bool,
    /// The store records delivery times and prunes old deliveries
    /// ([`TicketStore::mark_delivered_at`],
    /// [`TicketStore::prune_delivered`]). Required: `true` unless the
    /// backend opts out with [`Capabilities::without_retention`].
    pub retention: bool,
}

impl<S> Capabilities<S> {
    /// No optional ability (leases and retention stay required).
    pub fn none() -> Self {
        Capabilities {
            reopen: None,
            second_handle: None,
            leases: true,
            retention: true,
        }
    }

    /// Opts out of outbox leases: for a store that keeps the port's
    /// default [`claim`](TicketStore::claim) (its
    /// [`undelivered`](TicketStore::undelivered), no lease) and ignores
    /// [`Commit::lease`](crate::port::Commit::lease), so only one
    /// dispatcher may run against it. The lease cases report themselves
    /// `NOT RUN` (in [`Report::not_declared`]) instead of failing.
    pub fn without_leases(mut self) -> Self {
        self.leases = false;
        self
    }

    /// Opts out of retention: for a store that keeps the port's defaults
    /// of [`mark_delivered_at`](TicketStore::mark_delivered_at) (no time
    /// kept) and [`prune_delivered`](TicketStore::prune_delivered)
    /// (deletes nothing). The retention case reports itself `NOT RUN`.
    pub fn without_retention(mut self) -> Self {
        self.retention = false;
        self
    }

    /// Whether outbox leases are checked (not opted out of).
    pub fn has_leases(&self) -> bool {
        self.leases
    }

    /// Whether retention is checked (not opted out of).
    pub fn has_retention(&self) -> bool {
        self.retention
    }

    /// Declares durability: `reopen` takes a store, closes it and returns a
    /// store on the same storage. Enables [`durable_reopen`].
    pub fn durable(mut self, reopen: fn(S) -> S) -> Self {
        self.reopen = Some(reopen);
        self
    }

    /// Declares shared storage: `second_handle` opens another handle on the
    /// storage of a live store. Enables [`shared_handles`].
    pub fn shared(mut self, second_handle: fn(&S) -> S) -> Self {
        self.second_handle = Some(second_handle);
        self
    }

    /// Whether durability is declared.
    pub fn is_durable(&self) -> bool {
        self.reopen.is_some()
    }

    /// Whether shared storage is declared.
    pub fn is_shared(&self) -> bool {
        self.second_handle.is_some()
    }
}

impl<S> fmt::Debug for Capabilities<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("durable", &self.is_durable())
            .field("shared", &self.is_shared())
            .field("leases", &self.leases)
            .field("retention", &self.retention)
            .finish()
    }
}

impl<S> Clone for Capabilities<S> {
    fn clone(&self) -> Self {
        Capabilities {
            reopen: self.reopen,
            second_handle: self.second_handle,
            leases: self.leases,
            retention: self.retention,
        }
    }
}

impl<S> Default for Capabilities<S> {
    fn default() -> Self {
        Self::none()
    }
}

/// A store together with something that must live exactly as long as it,
/// usually the temporary directory its files are in: the conformance
/// factories of file-based backends return one so each case's files are
/// removed after it. It forwards every [`TicketStore`] (or
/// [`AsyncTicketStore`]) call to the store.
///
/// ```
/// use supportdesk::InMemoryStore;
/// use supportdesk::port::TicketStore;
/// use supportdesk::testing::conformance::Guarded;
/// let g = Guarded::new(InMemoryStore::new(), "a temporary directory would go here");
/// assert!(g.undelivered(1)?.is_empty());
/// let (_store, _guard) = g.into_parts();
/// # Ok::<(), supportdesk::port::StoreError>(())
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct Guarded<S, G> {
    store: S,
    guard: G,
}

impl<S, G> Guarded<S, G> {
    /// Keeps `guard` alive with `store`.
    pub fn new(store: S, guard: G) -> Self {
        Guarded { store, guard }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The guard.
    pub fn guard(&self) -> &G {
        &self.guard
    }

    /// Both, to close the store and reopen it on the same files.
    pub fn into_parts(self) -> (S, G) {
        (self.store, self.guard)
    }
}

crate::forward_ticket_store! {
    impl[S: TicketStore, G: Send + Sync + fmt::Debug] TicketStore for Guarded<S, G> {
        inner(this) = &this.store;
    }
}

crate::forward_ticket_store! {
    impl[S: AsyncTicketStore, G: Send + Sync + fmt::Debug] AsyncTicketStore for Guarded<S, G> {
        inner(this) = &this.store;
    }
}

/// The outcome of one case that did not panic.
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseResult {
    /// The store passed.
    Passed,
    /// The case needs an ability the backend did not declare (or opted
    /// out of); nothing ran.
    NotDeclared {
        /// The ability.
        ability: &'static str,
    },
}

/// What [`run_all`] did.
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The cases that ran and passed.
    pub ran: Vec<&'static str>,
    /// The cases not run, with the ability each needs that the backend did
    /// not declare or opted out of.
    pub not_declared: Vec<(&'static str, &'static str)>,
}

/// What a case needs besides a fresh, empty store.
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Needs {
    /// Nothing more.
    Fresh,
    /// A store that can be closed and reopened ([`Capabilities::durable`]).
    Durable,
    /// A second handle on the same storage ([`Capabilities::shared`]).
    Shared,
    /// Outbox leases (required unless [`Capabilities::without_leases`]).
    Leases,
    /// Delivery times and pruning (required unless
    /// [`Capabilities::without_retention`]).
    Retention,
}

impl Needs {
    /// The ability as the reports name it, `None` for [`Needs::Fresh`].
    pub fn ability(self) -> Option<&'static str> {
        match self {
            Needs::Fresh => None,
            Needs::Durable => Some("durable (Capabilities::durable)"),
            Needs::Shared => Some("shared storage (Capabilities::shared)"),
            Needs::Leases => Some("outbox leases (opted out with Capabilities::without_leases)"),
            Needs::Retention => {
                Some("outbox retention (opted out with Capabilities::without_retention)")
            }
        }
    }
}

/// One case of the suite: its name, what it needs, and how to run it.
///
/// Available with the crate feature `testing`.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Case {
    /// The case's name (also the name of its function and of its test).
    pub name: &'static str,
    /// What it needs besides a fresh store.
    pub needs: Needs,
    run: fn(&mut Harness<'_>),
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Case")
            .field("name", &self.name)
            .field("needs", &self.needs)
            .finish_non_exhaustive()
    }
}

/// Builds [`CASES`] from the table of `__conformance_cases!`.
///
/// Available with the crate feature `testing`.
macro_rules! case_table {
    ($($name:ident: $area:ident, $kind:ident, $needs:ident;)*) => {
        /// Every case, in the order [`run_all`] runs them: the one list of
        /// the suite. The [`store_conformance!`](crate::store_conformance)
        /// macro generates one test for each.
        ///
        /// Available with the crate feature `testing`.
        pub const CASES: &[Case] = &[$(
            Case {
                name: stringify!($name),
                needs: Needs::$needs,
                run: case_table!(@run $kind $area::$name),
            },
        )*];
    };
    (@run Async $case:path) => {{
        fn run(h: &mut Harness<'_>) {
            h.block_on($case(h.store()))
        }
        run
    }};
    (@run Harness $case:path) => {{
        fn run(h: &mut Harness<'_>) {
            $case(h)
        }
        run
    }};
}

crate::__conformance_cases!(case_table {});

/// Runs futures to completion for the suite: the executor an async store's
/// futures need (a tokio runtime's `block_on`, say). Cases that use several
/// threads call it from each thread, so it is `Sync`.
///
/// ```
/// use supportdesk::testing::conformance::Executor;
///
/// /// Any runtime with a `block_on` fits the same way.
/// struct Parking;
/// impl Executor for Parking {
///     fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
///         supportdesk::testing::block_on(future)
///     }
/// }
/// assert_eq!(Parking.block_on(async { 6 * 7 }), 42);
/// ```
///
/// Available with the crate feature `testing`.
pub trait Executor: Sync {
    /// Runs `future` to completion on the calling thread.
    fn block_on<F: Future>(&self, future: F) -> F::Output;
}

impl<E: Executor + ?Sized> Executor for &E {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        (**self).block_on(future)
    }
}

/// The default [`Executor`]: [`testing::block_on`](crate::testing::block_on),
/// which needs no runtime (enough for synchronous stores behind
/// [`SyncStore`] and for async stores that do not need a reactor).
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockOn;

impl Executor for BlockOn {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::testing::block_on(future)
    }
}

/// An [`Executor`] behind a reference the cases can share.
trait RunLocal: Sync {
    fn run_local(&self, future: Pin<Box<dyn Future<Output = ()> + '_>>);
}

impl<E: Executor> RunLocal for E {
    fn run_local(&self, future: Pin<Box<dyn Future<Output = ()> + '_>>) {
        self.block_on(future);
    }
}

/// The store (or stores) a case works on.
trait Handles: Send + Sync {
    fn store(&self) -> &dyn AsyncTicketStore;
    fn has_second_handle(&self) -> bool;
    fn reopen(&mut self);
    fn second_handle(&self) -> Box<dyn AsyncTicketStore + '_>;
}

/// A synchronous store, used through [`SyncStore`].
struct SyncHandles<'c, S> {
    store: Option<SyncStore<S>>,
    caps: &'c Capabilities<S>,
}

impl<S: TicketStore> Handles for SyncHandles<'_, S> {
    fn store(&self) -> &dyn AsyncTicketStore {
        match &self.store {
            Some(s) => s,
            None => panic!("store conformance: the store was lost by a failed reopen"),
        }
    }
    fn has_second_handle(&self) -> bool {
        self.caps.is_shared()
    }
    fn reopen(&mut self) {
        let (Some(reopen), Some(SyncStore(store))) = (self.caps.reopen, self.store.take()) else {
            panic!("store conformance: reopening needs Capabilities::durable");
        };
        self.store = Some(SyncStore(reopen(store)));
    }
    fn second_handle(&self) -> Box<dyn AsyncTicketStore + '_> {
        let (Some(second), Some(SyncStore(store))) = (self.caps.second_handle, &self.store) else {
            panic!("store conformance: a second handle needs Capabilities::shared");
        };
        Box::new(SyncStore(second(store)))
    }
}

/// An async store, used as it is.
struct AsyncHandles<'c, S> {
    store: Option<S>,
    caps: &'c Capabilities<S>,
}

impl<S: AsyncTicketStore> Handles for AsyncHandles<'_, S> {
    fn store(&self) -> &dyn AsyncTicketStore {
        match &self.store {
            Some(s) => s,
            None => panic!("store conformance: the store was lost by a failed reopen"),
        }
    }
    fn has_second_handle(&self) -> bool {
        self.caps.is_shared()
    }
    fn reopen(&mut self) {
        let (Some(reopen), Some(store)) = (self.caps.reopen, self.store.take()) else {
            panic!("store conformance: reopening needs Capabilities::durable");
        };
        self.store = Some(reopen(store));
    }
    fn second_handle(&self) -> Box<dyn AsyncTicketStore + '_> {
        let (Some(second), Some(store)) = (self.caps.second_handle, &self.store) else {
            panic!("store conformance: a second handle needs Capabilities::shared");
        };
        Box::new(second(store))
    }
}

/// What a case that needs more than one store call at a time gets: the
/// store, the executor (to call from each thread it starts), a reopen and
/// a second handle when the backend declares them. The runner builds it.
///
/// Available with the crate feature `testing`.
pub struct Harness<'a> {
    handles: &'a mut dyn Handles,
    exec: &'a dyn RunLocal,
}

impl fmt::Debug for Harness<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Harness")
            .field("store", &self.handles.store())
            .finish_non_exhaustive()
    }
}

impl<'a> Harness<'a> {
    /// The store under test.
    pub fn store(&self) -> &dyn AsyncTicketStore {
        self.handles.store()
    }

    /// Runs `future` to completion with the suite's executor.
    ///
    /// # Panics
    /// When the executor returns before the future is done.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let mut out = None;
        self.exec.run_local(Box::pin(async {
            out = Some(future.await);
        }));
        match out {
            Some(v) => v,
            None => panic!("store conformance: the executor returned before the future completed"),
        }
    }

    /// Closes the store and opens its storage again.
    ///
    /// # Panics
    /// When the backend does not declare [`Capabilities::durable`].
    pub fn reopen(&mut self) {
        self.handles.reopen();
    }

    /// Whether the backend declared [`Capabilities::shared`], so that
    /// [`second_handle`](Self::second_handle) can be called.
    pub fn has_second_handle(&self) -> bool {
        self.handles.has_second_handle()
    }

    /// A second handle on the store's storage, as another process would
    /// open it.
    ///
    /// # Panics
    /// When the backend does not declare [`Capabilities::shared`].
    pub fn second_handle(&self) -> Box<dyn AsyncTicketStore + '_> {
        self.handles.second_handle()
    }

    /// The store as a synchronous [`TicketStore`], each call run with the
    /// suite's executor (for a [`Desk`](crate::Desk) on it).
    pub(crate) fn blocking(&self) -> Blocking<'_, 'a> {
        Blocking {
            store: self.store(),
            harness: self,
        }
    }
}

/// The store under test seen as a [`TicketStore`] (see
/// [`Harness::blocking`]).
pub(crate) struct Blocking<'h, 'x> {
    store: &'h dyn AsyncTicketStore,
    harness: &'h Harness<'x>,
}

impl fmt::Debug for Blocking<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Blocking").field(&self.store).finish()
    }
}

crate::forward_ticket_store! {
    impl['h, 'x] TicketStore for Blocking<'h, 'x> {
        async_inner(this) = this.store;
        block_on(future) = this.harness.block_on(future);
    }
}

/// Whether a backend's [`Capabilities`] give what a case needs.
fn declares<S>(caps: &Capabilities<S>, needs: Needs) -> bool {
    match needs {
        Needs::Fresh => true,
        Needs::Durable => caps.is_durable(),
        Needs::Shared => caps.is_shared(),
        Needs::Leases => caps.has_leases(),
        Needs::Retention => caps.has_retention(),
    }
}

/// Runs the case named `name` with `fresh` stores.
fn run_named<'c>(
    name: &str,
    declared: &dyn Fn(Needs) -> bool,
    exec: &dyn RunLocal,
    fresh: &dyn Fn() -> Box<dyn Handles + 'c>,
) -> CaseResult {
    let Some(case) = CASES.iter().find(|c| c.name == name) else {
        panic!("store conformance: no case named {name:?}");
    };
    let declared = declared(case.needs);
    if let (false, Some(ability)) = (declared, case.needs.ability()) {
        return CaseResult::NotDeclared { ability };
    }
    let mut handles = fresh();
    let mut harness = Harness {
        handles: &mut *handles,
        exec,
    };
    (case.run)(&mut harness);
    CaseResult::Passed
}

/// Runs one case by name on synchronous stores from `factory`, each used
/// through [`SyncStore`] with the [`BlockOn`] executor.
///
/// # Panics
/// When the store breaks the case's rule, or `name` is not in [`CASES`].
///
/// Available with the crate feature `testing`.
pub fn run_case<S: TicketStore>(
    name: &str,
    factory: &dyn Fn() -> S,
    caps: &Capabilities<S>,
) -> CaseResult {
    run_named(name, &|needs| declares(caps, needs), &BlockOn, &|| {
        Box::new(SyncHandles {
            store: Some(SyncStore(factory())),
            caps,
        })
    })
}

/// Runs one case by name on async stores from `factory`, their futures
/// driven by `executor`.
///
/// # Panics
/// When the store breaks the case's rule, or `name` is not in [`CASES`].
///
/// Available with the crate feature `testing`.
pub fn run_case_async<S: AsyncTicketStore, E: Executor>(
    name: &str,
    factory: &dyn Fn() -> S,
    caps: &Capabilities<S>,
    executor: &E,
) -> CaseResult {
    run_named(name, &|needs| declares(caps, needs), executor, &|| {
        Box::new(AsyncHandles {
            store: Some(factory()),
            caps,
        })
    })
}

/// Runs every case in [`CASES`], each on a fresh synchronous store from
/// `factory` (see [`run_case`]).
///
/// # Panics
/// At the first case the store fails, with that case's message.
///
/// Available with the crate feature `testing`.
pub fn run_all<S: TicketStore>(factory: &dyn Fn() -> S, caps: &Capabilities<S>) -> Report {
    report(|name| run_case(name, factory, caps))
}

/// Runs every case in [`CASES`], each on a fresh async store from
/// `factory` (see [`run_case_async`]).
///
/// # Panics
/// At the first case the store fails, with that case's message.
///
/// Available with the crate feature `testing`.
pub fn run_all_async<S: AsyncTicketStore, E: Executor>(
    factory: &dyn Fn() -> S,
    caps: &Capabilities<S>,
    executor: &E,
) -> Report {
    report(|name| run_case_async(name, factory, caps, executor))
}

fn report(mut run: impl FnMut(&'static str) -> CaseResult) -> Report {
    let mut report = Report::default();
    for case in CASES {
        match run(case.name) {
            CaseResult::Passed => report.ran.push(case.name),
            CaseResult::NotDeclared { ability } => report.not_declared.push((case.name, ability)),
        }
    }
    report
}

/// Generates one `#[test]` per conformance case (one per entry of
/// [`CASES`](crate::testing::conformance::CASES)) in a module named `$name`.
///
/// `$factory` is an expression (usually a closure) returning a fresh, empty
/// store each time it is called; `$caps` is the
/// [`Capabilities`](crate::testing::conformance::Capabilities) the backend
/// declares. Put it in a test file of the backend's crate:
///
/// ```
/// use supportdesk::InMemoryStore;
/// use supportdesk::testing::conformance::Capabilities;
///
/// supportdesk::store_conformance!(memory, || InMemoryStore::new(), Capabilities::none());
/// # fn main() {}
/// ```
///
/// For an [`AsyncTicketStore`](crate::port::AsyncTicketStore), start with
/// `async` and optionally end with the
/// [`Executor`](crate::testing::conformance::Executor) its futures need
/// (default [`BlockOn`](crate::testing::conformance::BlockOn)):
/// `store_conformance!(async my_store, factory, caps, executor)`.
///
/// A case for an ability that was not declared (or that the backend opted
/// out of, see [`Capabilities`](crate::testing::conformance::Capabilities))
/// passes and prints `NOT RUN` with the reason (see it with
/// `cargo test -- --nocapture`).
///
/// Available with the crate feature `testing`.
#[macro_export]
macro_rules! store_conformance {
    (@tests $name:ident $mode:tt $factory:expr, $caps:expr;
        $($case:ident: $area:ident, $kind:ident, $needs:ident;)*) => {
        #[allow(non_snake_case)]
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(
                #[test]
                fn $case() {
                    let caps = $caps;
                    let result = $crate::store_conformance!(@run $mode stringify!($case), &$factory, &caps);
                    if let $crate::testing::conformance::CaseResult::NotDeclared { ability } = result {
                        ::std::eprintln!(
                            "NOT RUN: store conformance case {} needs {}, which the backend's Capabilities do not include",
                            stringify!($case),
                            ability
                        );
                    }
                }
            )*
        }
    };
    (@run [sync] $case:expr, $factory:expr, $caps:expr) => {
        $crate::testing::conformance::run_case($case, $factory, $caps)
    };
    (@run [async $executor:expr] $case:expr, $factory:expr, $caps:expr) => {
        $crate::testing::conformance::run_case_async($case, $factory, $caps, &$executor)
    };
    (async $name:ident, $factory:expr, $caps:expr, $executor:expr $(,)?) => {
        $crate::__conformance_cases!($crate::store_conformance {
            @tests $name [async $executor] $factory, $caps;
        });
    };
    (async $name:ident, $factory:expr, $caps:expr $(,)?) => {
        $crate::store_conformance!(async $name, $factory, $caps, $crate::testing::conformance::BlockOn);
    };
    ($name:ident, $factory:expr, $caps:expr $(,)?) => {
        $crate::__conformance_cases!($crate::store_conformance {
            @tests $name [sync] $factory, $caps;
        });
    };
}
