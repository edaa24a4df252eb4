//! The storage conformance suite: what every [`TicketStore`] must do.
//!
//! The [`TicketStore` contract](crate::port::TicketStore#contract) in code.
//! Each case is a plain public function that takes a fresh, empty store
//! (or, for the few cases that need several stores, the factory and the
//! declared [`Capabilities`]) and **panics** with a message naming the case
//! and the broken rule when the store does not behave. They are assertion
//! helpers: call them from tests, never from production code.
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
//! The third argument declares the optional abilities the backend has
//! (see [`Capabilities`]): a durable store that can be reopened, a store
//! several handles (processes) can open at once. A case for an ability the
//! backend does not declare is not silently skipped: its test prints
//! `NOT RUN` with the reason, and [`run_all`] lists it in
//! [`Report::not_declared`]. Those who prefer one call use [`run_all`]:
//!
//! ```
//! use supportdesk::InMemoryStore;
//! use supportdesk::testing::conformance::{self, Capabilities};
//!
//! let report = conformance::run_all(&|| InMemoryStore::new(), &Capabilities::none());
//! assert_eq!(report.ran.len() + report.not_declared.len(), conformance::CASES.len());
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
//! from [`Commit::validate`], every query filter and order, paging with and
//! without concurrent writes, tenant isolation (the same ids in two
//! tenants, ids whose text forms are prefixes of one another), inbound
//! idempotency, once keys (and, for a durable store, after a reopen), the outbox (order, delivery, failures, foreign and unknown
//! ids), and a lost-update race: 16 threads each applying 100
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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Display};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{
    AgentId, CustomerId, GroupId, IdGenerator, MessageId, NotificationId, TenantId, TicketId,
};
use crate::notification::{
    AgentNotice, CustomerNotice, Notification, NotificationContent, NotificationKind, Recipient,
};
use crate::port::{
    Commit, CustomerWrite, Entity, ExpectedVersion, InboundKey, InboundRecord, OnceKey,
    OutboxEntry, StoreError, TicketOrder, TicketQuery, TicketStore, TicketWrite,
};
use crate::testing::{SequentialIds, TicketBuilder};
use crate::ticket::{
    self, Author, Ces, Command, Context, Csat, CustomerTicketView, Event, EventKind, Message,
    Origin, Priority, Status, Tag, Ticket, TicketOpened, Visibility,
};

/// Optional abilities a backend declares, so the cases that need them run
/// (and the others say they did not).
///
/// ```
/// use supportdesk::InMemoryStore;
/// use supportdesk::testing::conformance::Capabilities;
/// let caps: Capabilities<InMemoryStore> = Capabilities::none();
/// assert!(!caps.is_durable() && !caps.is_shared());
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
}

impl<S> Capabilities<S> {
    /// No optional ability.
    pub fn none() -> Self {
        Capabilities {
            reopen: None,
            second_handle: None,
        }
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
            .finish()
    }
}

impl<S> Clone for Capabilities<S> {
    fn clone(&self) -> Self {
        Capabilities {
            reopen: self.reopen,
            second_handle: self.second_handle,
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
/// removed after it. It forwards every [`TicketStore`] call to the store.
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

impl<S: TicketStore, G: Send + Sync + fmt::Debug> TicketStore for Guarded<S, G> {
    fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.store.ticket(tenant, id)
    }
    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        self.store.commit(commit)
    }
    fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
        self.store.events(tenant, id)
    }
    fn query(
        &self,
        tenant: TenantId,
        query: &TicketQuery,
    ) -> Result<crate::port::Page<Ticket>, StoreError> {
        self.store.query(tenant, query)
    }
    fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        self.store.customer(tenant, id)
    }
    fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<Customer>, StoreError> {
        self.store.customer_by_identity(tenant, identity)
    }
    fn inbound(
        &self,
        tenant: TenantId,
        key: &InboundKey,
    ) -> Result<Option<InboundRecord>, StoreError> {
        self.store.inbound(tenant, key)
    }
    fn undelivered(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.store.undelivered(limit)
    }
    fn mark_delivered(&self, tenant: TenantId, id: NotificationId) -> Result<(), StoreError> {
        self.store.mark_delivered(tenant, id)
    }
    fn record_failure(
        &self,
        tenant: TenantId,
        id: NotificationId,
        error: &str,
    ) -> Result<(), StoreError> {
        self.store.record_failure(tenant, id, error)
    }
    fn due(
        &self,
        until: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<crate::port::DueTicket>, StoreError> {
        self.store.due(until, limit)
    }
}

/// The outcome of one case that did not panic.
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseResult {
    /// The store passed.
    Passed,
    /// The case needs an ability the backend did not declare; nothing ran.
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
    /// The cases not run, with the undeclared ability each needs.
    pub not_declared: Vec<(&'static str, &'static str)>,
}

/// Every case, by name, in the order [`run_all`] runs them. The
/// [`store_conformance!`](crate::store_conformance) macro generates one
/// test for each.
///
/// Available with the crate feature `testing`.
pub const CASES: &[&str] = &[
    "round_trip_ticket_every_field",
    "round_trip_customer_every_identity_kind",
    "round_trip_inbound_record",
    "round_trip_notifications_both_audiences",
    "new_twice_is_already_exists",
    "stale_version_is_conflict",
    "unknown_ids_are_none",
    "commit_is_all_or_nothing",
    "invalid_commit_is_rejected",
    "identities_are_unique_per_tenant",
    "identity_moves_between_customers_in_one_commit",
    "lookalike_identities_stay_apart",
    "desk_keeps_lookalike_identities_apart",
    "query_filters",
    "query_orders",
    "query_paging_is_stable",
    "query_paging_with_concurrent_updates",
    "query_limits",
    "tenant_isolation",
    "tenant_isolation_prefix_ids",
    "inbound_idempotency",
    "once_keys",
    "outbox_order_and_delivery",
    "outbox_failures_are_recorded",
    "outbox_unknown_and_foreign_ids",
    "outbox_keeps_the_first_of_a_known_id",
    "race_compare_and_set",
    "durable_reopen",
    "shared_handles",
    "once_keys_durable",
    // SLA due-time index.
    "due_index_order_and_limit",
    "due_index_updates_and_removals",
    "due_index_ignores_stale_versions",
    "due_index_tenants",
];

/// Runs one case by name on stores from `factory`.
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
    let fresh = |case: fn(&S)| {
        let store = factory();
        case(&store);
        CaseResult::Passed
    };
    match name {
        "round_trip_ticket_every_field" => fresh(round_trip_ticket_every_field::<S>),
        "round_trip_customer_every_identity_kind" => {
            fresh(round_trip_customer_every_identity_kind::<S>)
        }
        "round_trip_inbound_record" => fresh(round_trip_inbound_record::<S>),
        "round_trip_notifications_both_audiences" => {
            fresh(round_trip_notifications_both_audiences::<S>)
        }
        "new_twice_is_already_exists" => fresh(new_twice_is_already_exists::<S>),
        "stale_version_is_conflict" => fresh(stale_version_is_conflict::<S>),
        "unknown_ids_are_none" => fresh(unknown_ids_are_none::<S>),
        "commit_is_all_or_nothing" => fresh(commit_is_all_or_nothing::<S>),
        "invalid_commit_is_rejected" => fresh(invalid_commit_is_rejected::<S>),
        "identities_are_unique_per_tenant" => fresh(identities_are_unique_per_tenant::<S>),
        "identity_moves_between_customers_in_one_commit" => {
            fresh(identity_moves_between_customers_in_one_commit::<S>)
        }
        "lookalike_identities_stay_apart" => fresh(lookalike_identities_stay_apart::<S>),
        "desk_keeps_lookalike_identities_apart" => {
            fresh(desk_keeps_lookalike_identities_apart::<S>)
        }
        "query_filters" => fresh(query_filters::<S>),
        "query_orders" => fresh(query_orders::<S>),
        "query_paging_is_stable" => fresh(query_paging_is_stable::<S>),
        "query_paging_with_concurrent_updates" => fresh(query_paging_with_concurrent_updates::<S>),
        "query_limits" => fresh(query_limits::<S>),
        "tenant_isolation" => fresh(tenant_isolation::<S>),
        "tenant_isolation_prefix_ids" => fresh(tenant_isolation_prefix_ids::<S>),
        "inbound_idempotency" => fresh(inbound_idempotency::<S>),
        "once_keys" => fresh(once_keys::<S>),
        "outbox_order_and_delivery" => fresh(outbox_order_and_delivery::<S>),
        "outbox_failures_are_recorded" => fresh(outbox_failures_are_recorded::<S>),
        "outbox_unknown_and_foreign_ids" => fresh(outbox_unknown_and_foreign_ids::<S>),
        "outbox_keeps_the_first_of_a_known_id" => fresh(outbox_keeps_the_first_of_a_known_id::<S>),
        "race_compare_and_set" => fresh(race_compare_and_set::<S>),
        "due_index_order_and_limit" => fresh(due_index_order_and_limit::<S>),
        "due_index_updates_and_removals" => fresh(due_index_updates_and_removals::<S>),
        "due_index_ignores_stale_versions" => fresh(due_index_ignores_stale_versions::<S>),
        "due_index_tenants" => fresh(due_index_tenants::<S>),
        "durable_reopen" => match caps.reopen {
            Some(_) => {
                durable_reopen(factory, caps);
                CaseResult::Passed
            }
            None => CaseResult::NotDeclared {
                ability: "durable (Capabilities::durable)",
            },
        },
        "shared_handles" => match caps.second_handle {
            Some(_) => {
                shared_handles(factory, caps);
                CaseResult::Passed
            }
            None => CaseResult::NotDeclared {
                ability: "shared storage (Capabilities::shared)",
            },
        },
        "once_keys_durable" => match caps.reopen {
            Some(_) => {
                once_keys_durable(factory, caps);
                CaseResult::Passed
            }
            None => CaseResult::NotDeclared {
                ability: "durable (Capabilities::durable)",
            },
        },
        other => panic!("store conformance: no case named {other:?}"),
    }
}

/// Runs every case in [`CASES`], each on a fresh store from `factory`.
///
/// # Panics
/// At the first case the store fails, with that case's message.
///
/// Available with the crate feature `testing`.
pub fn run_all<S: TicketStore>(factory: &dyn Fn() -> S, caps: &Capabilities<S>) -> Report {
    let mut report = Report::default();
    for &name in CASES {
        match run_case(name, factory, caps) {
            CaseResult::Passed => report.ran.push(name),
            CaseResult::NotDeclared { ability } => report.not_declared.push((name, ability)),
        }
    }
    report
}

/// Generates one `#[test]` per conformance case in a module named `$name`.
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
/// A case for an ability that was not declared passes and prints
/// `NOT RUN` with the reason (see it with `cargo test -- --nocapture`).
///
/// Available with the crate feature `testing`.
#[macro_export]
macro_rules! store_conformance {
    ($name:ident, $factory:expr, $caps:expr $(,)?) => {
        #[allow(non_snake_case)]
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::store_conformance!(@cases $factory, $caps;
                round_trip_ticket_every_field,
                round_trip_customer_every_identity_kind,
                round_trip_inbound_record,
                round_trip_notifications_both_audiences,
                new_twice_is_already_exists,
                stale_version_is_conflict,
                unknown_ids_are_none,
                commit_is_all_or_nothing,
                invalid_commit_is_rejected,
                identities_are_unique_per_tenant,
                identity_moves_between_customers_in_one_commit,
                lookalike_identities_stay_apart,
                desk_keeps_lookalike_identities_apart,
                query_filters,
                query_orders,
                query_paging_is_stable,
                query_paging_with_concurrent_updates,
                query_limits,
                tenant_isolation,
                tenant_isolation_prefix_ids,
                inbound_idempotency,
                once_keys,
                outbox_order_and_delivery,
                outbox_failures_are_recorded,
                outbox_unknown_and_foreign_ids,
                outbox_keeps_the_first_of_a_known_id,
                race_compare_and_set,
                durable_reopen,
                shared_handles,
                once_keys_durable,
                due_index_order_and_limit,
                due_index_updates_and_removals,
                due_index_ignores_stale_versions,
                due_index_tenants,
            );
        }
    };
    (@cases $factory:expr, $caps:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let caps = $caps;
                match $crate::testing::conformance::run_case(stringify!($case), &$factory, &caps) {
                    $crate::testing::conformance::CaseResult::Passed => {}
                    $crate::testing::conformance::CaseResult::NotDeclared { ability } => {
                        ::std::eprintln!(
                            "NOT RUN: store conformance case {} needs {}, which the backend does not declare",
                            stringify!($case),
                            ability
                        );
                    }
                }
            }
        )*

        #[test]
        fn every_case_is_generated() {
            let generated: &[&str] = &[$(stringify!($case)),*];
            assert_eq!(
                generated,
                $crate::testing::conformance::CASES,
                "this version of store_conformance! does not generate every case"
            );
        }
    };
}

// ---------------------------------------------------------------------------
// Helpers and fixtures.

/// Unwraps a store result, or fails the case naming the call.
#[track_caller]
fn must<T>(r: Result<T, StoreError>, what: impl Display) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("store conformance: {what}: unexpected error: {e} ({e:?})"),
    }
}

/// The tenants the cases use.
const T1: TenantId = TenantId::from_u128(0x7e_0001);
const T2: TenantId = TenantId::from_u128(0x7e_0002);

/// A fixed instant with nanoseconds (2026-01-05 09:00:00.123456789 UTC),
/// plus `minutes`; stores must keep every digit.
fn at(minutes: i64) -> DateTime<Utc> {
    let base = DateTime::from_timestamp(1_767_603_600, 123_456_789).unwrap_or_default();
    base + Duration::minutes(minutes)
}

#[track_caller]
fn tag(s: &str) -> Tag {
    match Tag::new(s) {
        Ok(t) => t,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

fn ev(
    tenant: TenantId,
    ticket: TicketId,
    sequence: u64,
    at: DateTime<Utc>,
    kind: EventKind,
) -> Event {
    Event {
        tenant,
        ticket,
        sequence,
        at,
        kind,
    }
}

/// A write creating a ticket from its events.
#[track_caller]
fn create(events: Vec<Event>) -> TicketWrite {
    let Some(ticket) = Ticket::from_events(&events) else {
        panic!("store conformance fixture: events do not start with opened");
    };
    TicketWrite {
        expected: ExpectedVersion::New,
        ticket,
        events,
    }
}

/// A write appending events of `kinds` (all at `at`) to `t`.
fn append(t: &Ticket, at: DateTime<Utc>, kinds: Vec<EventKind>) -> TicketWrite {
    let mut state = t.clone();
    let mut events = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let e = ev(t.tenant(), t.id(), t.version() + 1 + i as u64, at, kind);
        state.apply(&e);
        events.push(e);
    }
    TicketWrite {
        expected: ExpectedVersion::Version(t.version()),
        ticket: state,
        events,
    }
}

fn note(id: u128, agent: AgentId, at: DateTime<Utc>, body: &str) -> EventKind {
    EventKind::NoteAdded {
        message: Box::new(Message {
            id: MessageId::from_u128(id),
            author: Author::Agent(agent),
            visibility: Visibility::Internal,
            channel: Channel::Email,
            body: body.to_owned(),
            at,
            external_id: None,
        }),
    }
}

fn commit_of(tenant: TenantId, tickets: Vec<TicketWrite>) -> Commit {
    let mut c = Commit::new(tenant);
    c.tickets = tickets;
    c
}

/// A simple ticket from the [`TicketBuilder`] with its events.
fn simple(tenant: TenantId, id: TicketId) -> TicketWrite {
    create(
        TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .opened_at(at(0))
            .events(),
    )
}

fn msg(
    id: u128,
    author: Author,
    visibility: Visibility,
    channel: Channel,
    body: &str,
    at: DateTime<Utc>,
    external_id: Option<&str>,
) -> Message {
    Message {
        id: MessageId::from_u128(id),
        author,
        visibility,
        channel,
        body: body.to_owned(),
        at,
        external_id: external_id.map(str::to_owned),
    }
}

#[track_caller]
fn csat(n: i64) -> Csat {
    match Csat::new(n) {
        Ok(c) => c,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

#[track_caller]
fn ces(n: i64) -> Ces {
    match Ces::new(n) {
        Ok(c) => c,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

/// A ticket that uses every field: a proactive follow-up with starting
/// tags, messages of every author and visibility (with an external id,
/// unicode, quotes, newlines and a NUL), assignment to an agent and a
/// group, priority and status changes (a reopen), tags added and removed,
/// both ratings, and a merge received. Returns its events and the events
/// of the ticket merged into it.
fn rich_ticket(tenant: TenantId, id: TicketId) -> (Vec<Event>, Vec<Event>) {
    let customer = CustomerId::from_u128(0xc0_0001);
    let other = CustomerId::from_u128(0xc0_0002);
    let (ana, bob) = (AgentId::from_u128(0xa0_0001), AgentId::from_u128(0xa0_0002));
    let source = TicketId::from_u128(id.as_u128() + 1);
    let mut events = Vec::new();
    let mut push = |minute: i64, kind: EventKind| {
        let seq = events.len() as u64 + 1;
        events.push(ev(tenant, id, seq, at(minute), kind));
    };
    push(
        0,
        EventKind::Opened(Box::new(TicketOpened {
            customer,
            channel: Channel::WhatsApp,
            subject: "Colis «perdu» \"again\"\n— 物流/延迟".to_owned(),
            priority: Priority::High,
            origin: Origin::Proactive { agent: Some(ana) },
            follow_up_of: Some(TicketId::from_u128(id.as_u128() + 2)),
            tags: vec![tag("shipping"), tag("物流/延迟")],
        })),
    );
    push(
        1,
        EventKind::CustomerReplied {
            message: Box::new(msg(
                1,
                Author::Customer(customer),
                Visibility::Public,
                Channel::WhatsApp,
                "Where is it?\nLine two\t\"quoted\" \\ back\u{0}slash ✓",
                at(1),
                Some("wamid.HBgM\u{e9}=="),
            )),
        },
    );
    push(
        2,
        EventKind::AutomatedReplySent {
            message: Box::new(msg(
                2,
                Author::Bot("ack-bot".to_owned()),
                Visibility::Public,
                Channel::WhatsApp,
                "We got it",
                at(2),
                None,
            )),
        },
    );
    push(
        3,
        EventKind::AgentReplied {
            message: Box::new(msg(
                3,
                Author::Agent(ana),
                Visibility::Public,
                Channel::Email,
                "It ships today",
                at(3),
                Some("<r1@desk>"),
            )),
        },
    );
    push(
        4,
        EventKind::NoteAdded {
            message: Box::new(msg(
                4,
                Author::Agent(bob),
                Visibility::Internal,
                Channel::WhatsApp,
                "Carrier lost it",
                at(4),
                None,
            )),
        },
    );
    push(
        5,
        EventKind::Assigned {
            agent: Some(bob),
            group: Some(GroupId::from_u128(0x60_0001)),
        },
    );
    push(
        6,
        EventKind::PriorityChanged {
            from: Priority::High,
            to: Priority::Urgent,
        },
    );
    for (m, from, to) in [
        (7, Status::New, Status::Open),
        (8, Status::Open, Status::Pending),
        (9, Status::Pending, Status::Solved),
        (10, Status::Solved, Status::Open),
        (11, Status::Open, Status::OnHold),
        (12, Status::OnHold, Status::Solved),
    ] {
        push(m, EventKind::StatusChanged { from, to });
    }
    push(
        13,
        EventKind::TagsAdded {
            tags: vec![tag("vip"), tag("cause/carrier-delay")],
        },
    );
    push(
        14,
        EventKind::TagsRemoved {
            tags: vec![tag("shipping")],
        },
    );
    push(
        15,
        EventKind::SatisfactionRated {
            score: csat(2),
            comment: Some("slow «very»".to_owned()),
        },
    );
    push(16, EventKind::EffortRated { score: ces(6) });
    push(
        17,
        EventKind::MergeReceived {
            source,
            messages: vec![
                msg(
                    5,
                    Author::Customer(other),
                    Visibility::Internal,
                    Channel::Email,
                    "Same here (another requester)",
                    at(-30),
                    Some("<o1@mail>"),
                ),
                msg(
                    6,
                    Author::System,
                    Visibility::Internal,
                    Channel::Email,
                    "Merged from another ticket",
                    at(17),
                    None,
                ),
            ]
            .into_boxed_slice(),
        },
    );
    let source_events = vec![
        ev(
            tenant,
            source,
            1,
            at(-30),
            EventKind::Opened(Box::new(TicketOpened {
                customer: other,
                channel: Channel::Email,
                subject: String::new(),
                priority: Priority::Low,
                origin: Origin::Reactive,
                follow_up_of: None,
                tags: Vec::new(),
            })),
        ),
        ev(
            tenant,
            source,
            2,
            at(17),
            EventKind::MergedInto { target: id },
        ),
        ev(
            tenant,
            source,
            3,
            at(17),
            EventKind::StatusChanged {
                from: Status::New,
                to: Status::Closed,
            },
        ),
    ];
    (events, source_events)
}

fn a_customer(tenant: TenantId, id: u128, identities: Vec<Identity>) -> Customer {
    Customer {
        id: CustomerId::from_u128(id),
        tenant,
        name: Some(format!("Ana Silva-{id} «ü»")),
        identities,
        segment: Some("vip".to_owned()),
        version: 1,
    }
}

#[track_caller]
fn identity(r: Result<Identity, crate::customer::IdentityError>) -> Identity {
    match r {
        Ok(i) => i,
        Err(e) => panic!("store conformance fixture: {e}"),
    }
}

fn new_customer(c: &Customer) -> CustomerWrite {
    CustomerWrite {
        expected: ExpectedVersion::New,
        customer: c.clone(),
    }
}

fn inbound_key(channel: Channel, external_id: &str) -> InboundKey {
    InboundKey {
        channel,
        external_id: external_id.to_owned(),
    }
}

fn inbound_rec(key: InboundKey, ticket: TicketId, n: u128) -> InboundRecord {
    InboundRecord {
        key,
        ticket,
        message: MessageId::from_u128(n),
        customer: CustomerId::from_u128(n + 1),
    }
}

fn agent_notification(tenant: TenantId, id: u128, ticket: TicketId) -> Notification {
    Notification {
        id: NotificationId::from_u128(id),
        tenant,
        ticket,
        created_at: at(id as i64 % 1000),
        recipient: Recipient::Team,
        kind: NotificationKind::NewTicket,
        content: NotificationContent::Agent(AgentNotice {
            subject: format!("ticket {ticket}"),
            status: Status::New,
            priority: Priority::Normal,
            message: None,
            satisfaction: None,
            alert: None,
        }),
    }
}

fn ids_of(entries: &[OutboxEntry]) -> Vec<(TenantId, NotificationId)> {
    entries
        .iter()
        .map(|e| (e.notification.tenant, e.notification.id))
        .collect()
}

/// Everything the store says about some records, to compare before and
/// after a failed commit.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tickets: Vec<Option<Ticket>>,
    events: Vec<Vec<Event>>,
    customers: Vec<Option<Customer>>,
    identities: Vec<Option<Customer>>,
    inbound: Vec<Option<InboundRecord>>,
    outbox: Vec<OutboxEntry>,
    listed: Vec<Ticket>,
}

fn snapshot<S: TicketStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    tickets: &[TicketId],
    customers: &[CustomerId],
    identities: &[Identity],
    inbound: &[InboundKey],
) -> Snapshot {
    Snapshot {
        tickets: tickets
            .iter()
            .map(|id| must(store.ticket(tenant, *id), "ticket"))
            .collect(),
        events: tickets
            .iter()
            .map(|id| must(store.events(tenant, *id), "events"))
            .collect(),
        customers: customers
            .iter()
            .map(|id| must(store.customer(tenant, *id), "customer"))
            .collect(),
        identities: identities
            .iter()
            .map(|i| {
                must(
                    store.customer_by_identity(tenant, i),
                    "customer_by_identity",
                )
            })
            .collect(),
        inbound: inbound
            .iter()
            .map(|k| must(store.inbound(tenant, k), "inbound"))
            .collect(),
        outbox: must(store.undelivered(10_000), "undelivered"),
        listed: all_tickets(store, tenant, TicketOrder::CreatedAsc),
    }
}

/// Every ticket of a tenant, through the query in pages of 100.
fn all_tickets<S: TicketStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    order: TicketOrder,
) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q = TicketQuery::new().order(order).limit(100).after(after);
        let page = must(store.query(tenant, &q), "query");
        out.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

/// What a query must return from `tickets`: the matches in order.
fn expected(tickets: &[Ticket], q: &TicketQuery) -> Vec<TicketId> {
    let mut hits: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| q.matches(t))
        .filter(|t| q.after.as_ref().is_none_or(|c| q.is_after(t, c)))
        .collect();
    hits.sort_by(|a, b| {
        let (ka, kb) = (q.cursor_of(a), q.cursor_of(b));
        let ord = (ka.at, ka.id).cmp(&(kb.at, kb.id));
        match q.order {
            TicketOrder::UpdatedDesc => ord.reverse(),
            _ => ord,
        }
    });
    hits.into_iter().map(Ticket::id).collect()
}

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(Ticket::id).collect()
}

const ORDERS: [TicketOrder; 3] = [
    TicketOrder::CreatedAsc,
    TicketOrder::UpdatedAsc,
    TicketOrder::UpdatedDesc,
];

const AGENT_A: AgentId = AgentId::from_u128(0xa0_00a1);
const AGENT_B: AgentId = AgentId::from_u128(0xa0_00b2);

/// Stores `n` varied tickets in `tenant` (one commit each) and returns
/// them. Ids are not in creation order; groups of three share their
/// creation time and some share their update time, so the id tie-break
/// matters. Statuses, assignees, customers, channels and tags vary (the
/// tags include `ship`, `shipping` and `shipping/late`).
fn store_varied<S: TicketStore + ?Sized>(store: &S, tenant: TenantId, n: usize) -> Vec<Ticket> {
    let channels = [
        Channel::Email,
        Channel::LiveChat,
        Channel::WhatsApp,
        Channel::Phone,
    ];
    let mut out = Vec::new();
    for i in 0..n {
        let id = TicketId::from_u128(0x1000 + ((i * 37) % n) as u128);
        let mut b = TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .customer(CustomerId::from_u128(1 + (i % 3) as u128))
            .channel(channels[i % 4])
            .opened_at(at(60 * (i / 3) as i64));
        match i % 5 {
            0 => b = b.assignee(AGENT_A),
            1 => b = b.assignee(AGENT_B),
            _ => {}
        }
        if i % 2 == 0 {
            b = b.tag("shipping");
        }
        if i % 3 == 0 {
            b = b.tag("shipping/late");
        }
        if i % 7 == 0 {
            b = b.tag("ship");
        }
        b = match i % 6 {
            0 => b,
            1 => b.agent_reply(AGENT_A, "On it"),
            2 => b.status(Status::Pending),
            3 => b.status(Status::OnHold),
            4 => b.status(Status::Solved),
            _ => b.status(Status::Closed),
        };
        let w = create(b.events());
        must(
            store.commit(&commit_of(tenant, vec![w.clone()])),
            format_args!("storing ticket {i} of the query fixture"),
        );
        out.push(w.ticket);
    }
    out
}

#[track_caller]
fn check_query<S: TicketStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    all: &[Ticket],
    q: &TicketQuery,
) {
    let page = must(store.query(tenant, q), format_args!("query {q:?}"));
    let want = expected(all, q);
    let limit = q.effective_limit();
    let want_page: Vec<TicketId> = want.iter().copied().take(limit).collect();
    assert_eq!(
        ids(&page.items),
        want_page,
        "store conformance: query {q:?} returned the wrong tickets or order"
    );
    for t in &page.items {
        let stored = all.iter().find(|s| s.id() == t.id());
        assert_eq!(
            Some(t),
            stored,
            "store conformance: a ticket returned by query {q:?} differs from the one stored"
        );
    }
    let more = want.len() > limit;
    assert_eq!(
        page.next.is_some(),
        more,
        "store conformance: query {q:?}: next must be Some exactly when more tickets follow ({} match, limit {limit})",
        want.len()
    );
    if let (Some(next), Some(last)) = (page.next, page.items.last()) {
        assert_eq!(
            next,
            q.cursor_of(last),
            "store conformance: query {q:?}: next must be the cursor of the last ticket"
        );
    }
}

// ---------------------------------------------------------------------------
// Round trips.

/// A ticket using every field, and its events, read back exactly (also
/// after an update appends events); the merged ticket too.
///
/// # Panics
/// When anything read back differs from what was written.
pub fn round_trip_ticket_every_field<S: TicketStore + ?Sized>(store: &S) {
    let id = TicketId::from_u128(0x51_0000);
    let (events, source_events) = rich_ticket(T1, id);
    let w = create(events.clone());
    let src = create(source_events.clone());
    must(
        store.commit(&commit_of(T1, vec![w.clone(), src.clone()])),
        "committing a rich ticket",
    );
    let got = must(store.ticket(T1, id), "ticket");
    assert_eq!(
        got.as_ref(),
        Some(&w.ticket),
        "store conformance: round_trip_ticket_every_field: the ticket read back differs"
    );
    assert_eq!(
        must(store.events(T1, id), "events"),
        events,
        "store conformance: round_trip_ticket_every_field: the events read back differ"
    );
    assert_eq!(
        must(store.ticket(T1, src.ticket.id()), "ticket").as_ref(),
        Some(&src.ticket),
        "store conformance: round_trip_ticket_every_field: the merged ticket read back differs"
    );
    assert_eq!(
        must(store.events(T1, src.ticket.id()), "events"),
        source_events
    );
    // An update appends; the state and the whole history read back.
    let up = append(
        &w.ticket,
        at(30),
        vec![
            note(7, AGENT_A, at(30), "after the merge"),
            EventKind::StatusChanged {
                from: Status::Solved,
                to: Status::Closed,
            },
        ],
    );
    must(
        store.commit(&commit_of(T1, vec![up.clone()])),
        "updating the rich ticket",
    );
    assert_eq!(
        must(store.ticket(T1, id), "ticket"),
        Some(up.ticket.clone()),
        "store conformance: round_trip_ticket_every_field: the updated ticket read back differs"
    );
    let mut all = events;
    all.extend(up.events);
    assert_eq!(
        must(store.events(T1, id), "events"),
        all,
        "store conformance: round_trip_ticket_every_field: events after an update must be the whole history in sequence order"
    );
    assert_eq!(
        Ticket::from_events(&all).as_ref(),
        Some(&up.ticket),
        "store conformance fixture: replay must give the state"
    );
}

/// A customer with every identity kind, read by id and by each identity;
/// an update that drops an identity frees it and adds the new one.
///
/// # Panics
/// When a read differs from what was written.
pub fn round_trip_customer_every_identity_kind<S: TicketStore + ?Sized>(store: &S) {
    let email = identity(Identity::email("Ana.Silva@Example.com"));
    let phone = identity(Identity::phone("+44 7700 900123"));
    let social = identity(Identity::social("Twitter", "@AnaS"));
    let external = identity(Identity::external("shop", "C-17/ä"));
    let c = a_customer(
        T1,
        0xc1,
        vec![
            email.clone(),
            phone.clone(),
            social.clone(),
            external.clone(),
        ],
    );
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c));
    must(store.commit(&commit), "committing a customer");
    assert_eq!(
        must(store.customer(T1, c.id), "customer"),
        Some(c.clone()),
        "store conformance: round_trip_customer_every_identity_kind: the customer read back differs"
    );
    for i in &c.identities {
        assert_eq!(
            must(store.customer_by_identity(T1, i), "customer_by_identity"),
            Some(c.clone()),
            "store conformance: round_trip_customer_every_identity_kind: customer_by_identity({i}) must find the owner"
        );
    }
    let mut c2 = c.clone();
    c2.identities.retain(|i| *i != phone);
    let new_phone = identity(Identity::phone("+1 415 555 0132"));
    c2.identities.push(new_phone.clone());
    c2.name = None;
    c2.segment = None;
    c2.version = 2;
    let mut commit = Commit::new(T1);
    commit.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: c2.clone(),
    });
    must(store.commit(&commit), "updating a customer");
    assert_eq!(must(store.customer(T1, c.id), "customer"), Some(c2.clone()));
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone),
            "customer_by_identity"
        ),
        None,
        "store conformance: round_trip_customer_every_identity_kind: an identity dropped by an update must no longer find the customer"
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &new_phone),
            "customer_by_identity"
        ),
        Some(c2.clone())
    );
    // The dropped identity is free for another customer.
    let other = a_customer(T1, 0xc2, vec![phone.clone()]);
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&other));
    must(
        store.commit(&commit),
        "another customer claiming an identity the first one dropped",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone),
            "customer_by_identity"
        ),
        Some(other)
    );
}

/// An inbound record read back by its key, and only by its key.
///
/// # Panics
/// When the record read back differs.
pub fn round_trip_inbound_record<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0x52_0000));
    let key = inbound_key(Channel::Email, "<CAF=x+\"1\"@mail.example.com>");
    let rec = inbound_rec(key.clone(), w.ticket.id(), 77);
    let mut commit = commit_of(T1, vec![w]);
    commit.inbound.push(rec.clone());
    must(store.commit(&commit), "committing an inbound record");
    assert_eq!(
        must(store.inbound(T1, &key), "inbound"),
        Some(rec),
        "store conformance: round_trip_inbound_record: the record read back differs"
    );
    for other in [
        inbound_key(Channel::Sms, &key.external_id),
        inbound_key(Channel::Email, "<caf=x+\"1\"@mail.example.com>"),
        inbound_key(Channel::Email, "<CAF=x+\"1\"@mail.example.com"),
    ] {
        assert_eq!(
            must(store.inbound(T1, &other), "inbound"),
            None,
            "store conformance: round_trip_inbound_record: {other:?} is another key (channel and external id match exactly, case-sensitive)"
        );
    }
}

/// Notifications to every kind of recipient, with customer and agent
/// content, read back from the outbox exactly, oldest first.
///
/// # Panics
/// When an outbox entry differs.
pub fn round_trip_notifications_both_audiences<S: TicketStore + ?Sized>(store: &S) {
    let id = TicketId::from_u128(0x53_0000);
    let (events, _) = rich_ticket(T1, id);
    let w = create(events);
    let t = w.ticket.clone();
    let view = CustomerTicketView::of(&t);
    let first_public = t.public_messages().next().map(|m| m.id);
    let internal = t
        .messages()
        .iter()
        .find(|m| m.visibility == Visibility::Internal)
        .cloned();
    let base = |n: u128, recipient: Recipient, kind: NotificationKind, content| Notification {
        id: NotificationId::from_u128(0x4e_0000 + n),
        tenant: T1,
        ticket: id,
        created_at: at(n as i64),
        recipient,
        kind,
        content,
    };
    let notes = vec![
        base(
            1,
            Recipient::Customer {
                customer: t.customer(),
                channel: Channel::WhatsApp,
            },
            NotificationKind::AgentReplied,
            NotificationContent::Customer(CustomerNotice::new(view.clone(), first_public)),
        ),
        base(
            2,
            Recipient::Customer {
                customer: t.customer(),
                channel: Channel::Email,
            },
            NotificationKind::TicketSolved,
            NotificationContent::Customer(CustomerNotice::new(view, None)),
        ),
        base(
            3,
            Recipient::Agent {
                agent: AgentId::from_u128(0xa0_0002),
            },
            NotificationKind::LowSatisfaction,
            NotificationContent::Agent(AgentNotice {
                subject: t.subject().to_owned(),
                status: t.status(),
                priority: t.priority(),
                message: internal,
                satisfaction: Some((2, Some("slow «very»".to_owned()))),
                alert: None,
            }),
        ),
        base(
            4,
            Recipient::Group {
                group: GroupId::from_u128(0x60_0001),
            },
            NotificationKind::Assigned,
            NotificationContent::Agent(AgentNotice {
                subject: String::new(),
                status: Status::Open,
                priority: Priority::Urgent,
                message: None,
                satisfaction: None,
                alert: None,
            }),
        ),
        base(
            5,
            Recipient::Team,
            NotificationKind::NewTicket,
            NotificationContent::Agent(AgentNotice {
                subject: "x".to_owned(),
                status: Status::New,
                priority: Priority::Low,
                message: t.messages().first().cloned(),
                satisfaction: Some((1, None)),
                alert: None,
            }),
        ),
    ];
    let mut commit = commit_of(T1, vec![w]);
    commit.notifications = notes.clone();
    must(store.commit(&commit), "committing notifications");
    let got = must(store.undelivered(100), "undelivered");
    let want: Vec<OutboxEntry> = notes
        .into_iter()
        .map(|notification| OutboxEntry {
            notification,
            attempts: 0,
            last_error: None,
        })
        .collect();
    assert_eq!(
        got, want,
        "store conformance: round_trip_notifications_both_audiences: the outbox must hold the notifications exactly, in commit order, with no attempts"
    );
}

// ---------------------------------------------------------------------------
// Compare-and-set.

/// Creating a ticket or a customer that exists gives `AlreadyExists`
/// naming it, and changes nothing.
///
/// # Panics
/// On another outcome.
pub fn new_twice_is_already_exists<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0x54_0000));
    must(
        store.commit(&commit_of(T1, vec![w.clone()])),
        "creating a ticket",
    );
    let again = simple(T1, w.ticket.id());
    match store.commit(&commit_of(T1, vec![again])) {
        Err(StoreError::AlreadyExists {
            entity: Entity::Ticket(id),
        }) if id == w.ticket.id() => {}
        other => panic!(
            "store conformance: new_twice_is_already_exists: creating ticket {} twice must give AlreadyExists naming it, got {other:?}",
            w.ticket.id()
        ),
    }
    assert_eq!(must(store.events(T1, w.ticket.id()), "events"), w.events);

    let c = a_customer(
        T1,
        0xc3,
        vec![identity(Identity::email("new@twice.example"))],
    );
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c));
    must(store.commit(&commit), "creating a customer");
    let mut c2 = c.clone();
    c2.name = Some("Someone else".to_owned());
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c2));
    match store.commit(&commit) {
        Err(StoreError::AlreadyExists {
            entity: Entity::Customer(id),
        }) if id == c.id => {}
        other => panic!(
            "store conformance: new_twice_is_already_exists: creating customer {} twice must give AlreadyExists naming it, got {other:?}",
            c.id
        ),
    }
    assert_eq!(must(store.customer(T1, c.id), "customer"), Some(c));
}

/// A write expecting another version than the stored one (behind, ahead,
/// or of a record that does not exist) gives `Conflict` with the expected
/// and actual versions, and changes nothing.
///
/// # Panics
/// On another outcome.
pub fn stale_version_is_conflict<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0x55_0000));
    let id = w.ticket.id();
    must(
        store.commit(&commit_of(T1, vec![w.clone()])),
        "creating a ticket",
    );
    let v1 = w.ticket.version();
    let up = append(&w.ticket, at(5), vec![note(0x55, AGENT_A, at(5), "first")]);
    must(
        store.commit(&commit_of(T1, vec![up.clone()])),
        "updating a ticket",
    );
    let v2 = up.ticket.version();

    // Stale: built on the version before the update.
    let stale = append(&w.ticket, at(6), vec![note(0x56, AGENT_A, at(6), "lost")]);
    let check = |write: TicketWrite, expected: ExpectedVersion, actual: Option<u64>, what: &str| {
        let target = write.ticket.id();
        match store.commit(&commit_of(T1, vec![write])) {
            Err(StoreError::Conflict {
                entity: Entity::Ticket(t),
                expected: e,
                actual: a,
            }) if t == target && e == expected && a == actual => {}
            other => panic!(
                "store conformance: stale_version_is_conflict: {what} must give Conflict {{ ticket {target}, expected {expected}, actual {actual:?} }}, got {other:?}"
            ),
        }
    };
    check(
        stale,
        ExpectedVersion::Version(v1),
        Some(v2),
        "a stale version",
    );
    // Ahead of the stored version.
    let mut ahead_base = up.ticket.clone();
    let bump = ev(T1, id, v2 + 1, at(7), note(0x57, AGENT_A, at(7), "x"));
    ahead_base.apply(&bump);
    let ahead = append(
        &ahead_base,
        at(8),
        vec![note(0x58, AGENT_A, at(8), "ahead")],
    );
    check(
        ahead,
        ExpectedVersion::Version(v2 + 1),
        Some(v2),
        "a version ahead of the stored one",
    );
    // A version of a ticket that does not exist.
    let ghost = simple(T1, TicketId::from_u128(0x55_0001));
    let ghost_up = append(
        &ghost.ticket,
        at(9),
        vec![note(0x59, AGENT_A, at(9), "ghost")],
    );
    check(
        ghost_up,
        ExpectedVersion::Version(ghost.ticket.version()),
        None,
        "an update of a ticket that does not exist",
    );
    assert_eq!(
        must(store.ticket(T1, id), "ticket"),
        Some(up.ticket.clone())
    );
    assert_eq!(must(store.events(T1, id), "events").len() as u64, v2);
    assert_eq!(
        must(store.ticket(T1, TicketId::from_u128(0x55_0001)), "ticket"),
        None
    );

    // Customers too.
    let c = a_customer(T1, 0xc4, vec![identity(Identity::email("cas@example.com"))]);
    let mut commit = Commit::new(T1);
    commit.customers.push(new_customer(&c));
    must(store.commit(&commit), "creating a customer");
    let mut c3 = c.clone();
    c3.version = 3;
    let mut commit = Commit::new(T1);
    commit.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(2),
        customer: c3,
    });
    match store.commit(&commit) {
        Err(StoreError::Conflict {
            entity: Entity::Customer(cid),
            expected: ExpectedVersion::Version(2),
            actual: Some(1),
        }) if cid == c.id => {}
        other => panic!(
            "store conformance: stale_version_is_conflict: updating customer {} at version 2 while it is at 1 must give Conflict, got {other:?}",
            c.id
        ),
    }
    let mut missing = a_customer(
        T1,
        0xc5,
        vec![identity(Identity::email("nobody@example.com"))],
    );
    missing.version = 2;
    let mut commit = Commit::new(T1);
    commit.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: missing,
    });
    match store.commit(&commit) {
        Err(StoreError::Conflict {
            entity: Entity::Customer(_),
            expected: ExpectedVersion::Version(1),
            actual: None,
        }) => {}
        other => panic!(
            "store conformance: stale_version_is_conflict: updating a customer that does not exist must give Conflict with actual None, got {other:?}"
        ),
    }
    assert_eq!(must(store.customer(T1, c.id), "customer"), Some(c));
}

/// Reads of ids that were never written are empty, not errors.
///
/// # Panics
/// When a read returns something or fails.
pub fn unknown_ids_are_none<S: TicketStore + ?Sized>(store: &S) {
    let t = TicketId::from_u128(0x56_0000);
    assert_eq!(must(store.ticket(T1, t), "ticket of an empty store"), None);
    assert!(must(store.events(T1, t), "events of an empty store").is_empty());
    assert_eq!(
        must(store.customer(T1, CustomerId::from_u128(1)), "customer"),
        None
    );
    let i = identity(Identity::email("ghost@example.com"));
    assert_eq!(
        must(store.customer_by_identity(T1, &i), "customer_by_identity"),
        None
    );
    assert_eq!(
        must(
            store.inbound(T1, &inbound_key(Channel::Email, "x")),
            "inbound"
        ),
        None
    );
    let page = must(
        store.query(T1, &TicketQuery::new()),
        "query of an empty store",
    );
    assert!(page.items.is_empty() && page.next.is_none());
    assert!(must(store.undelivered(10), "undelivered").is_empty());
    // And with something else stored.
    must(
        store.commit(&commit_of(
            T1,
            vec![simple(T1, TicketId::from_u128(0x56_0001))],
        )),
        "creating a ticket",
    );
    assert_eq!(must(store.ticket(T1, t), "ticket"), None);
    assert!(must(store.events(T1, t), "events").is_empty());
}

/// A commit that fails in any way writes nothing: tickets, events,
/// customers, identities, inbound records and the outbox are as before.
///
/// # Panics
/// When a failed commit left anything behind, or a commit did not fail.
pub fn commit_is_all_or_nothing<S: TicketStore + ?Sized>(store: &S) {
    let existing = simple(T1, TicketId::from_u128(0x57_0000));
    let owner = a_customer(
        T1,
        0xc6,
        vec![identity(Identity::email("owner@example.com"))],
    );
    let used_key = inbound_key(Channel::Email, "<used@mail>");
    let mut setup = commit_of(T1, vec![existing.clone()]);
    setup.customers.push(new_customer(&owner));
    setup
        .inbound
        .push(inbound_rec(used_key.clone(), existing.ticket.id(), 1));
    setup
        .notifications
        .push(agent_notification(T1, 0x57_0001, existing.ticket.id()));
    must(store.commit(&setup), "setting up");

    let good1 = simple(T1, TicketId::from_u128(0x57_0010));
    let good2 = simple(T1, TicketId::from_u128(0x57_0011));
    let good_up = append(
        &existing.ticket,
        at(3),
        vec![note(0x5710, AGENT_A, at(3), "good")],
    );
    let fresh = a_customer(
        T1,
        0xc7,
        vec![identity(Identity::email("fresh@example.com"))],
    );
    let fresh_key = inbound_key(Channel::Email, "<fresh@mail>");
    let tickets = [existing.ticket.id(), good1.ticket.id(), good2.ticket.id()];
    let customers = [owner.id, fresh.id];
    let idents: Vec<Identity> = [&owner, &fresh]
        .iter()
        .flat_map(|c| c.identities.clone())
        .collect();
    let keys = [used_key.clone(), fresh_key.clone()];
    let before = snapshot(store, T1, &tickets, &customers, &idents, &keys);

    let base = || {
        let mut c = commit_of(T1, vec![good1.clone(), good_up.clone(), good2.clone()]);
        c.customers.push(new_customer(&fresh));
        c.inbound
            .push(inbound_rec(fresh_key.clone(), good1.ticket.id(), 2));
        c.notifications
            .push(agent_notification(T1, 0x57_0002, good1.ticket.id()));
        c.notifications
            .push(agent_notification(T1, 0x57_0003, good2.ticket.id()));
        c
    };
    let mut cases: Vec<(&str, Commit)> = Vec::new();
    // One stale ticket write among good ones (last, so the good ones may
    // already have been written by a careless backend).
    let mut c = base();
    c.tickets.push(append(
        &simple(T1, TicketId::from_u128(0x57_0099)).ticket,
        at(4),
        vec![note(0x5799, AGENT_A, at(4), "stale")],
    ));
    cases.push(("a stale ticket write among good ones", c));
    let mut c = base();
    c.tickets.push(simple(T1, existing.ticket.id()));
    c.tickets.remove(1);
    cases.push(("creating a ticket that exists, among good writes", c));
    let mut c = base();
    c.inbound
        .push(inbound_rec(used_key.clone(), good2.ticket.id(), 3));
    cases.push(("a duplicate inbound key", c));
    let mut c = base();
    c.customers.push(new_customer(&a_customer(
        T1,
        0xc8,
        owner.identities.clone(),
    )));
    cases.push(("an identity another customer owns", c));
    let mut c = base();
    let mut stale_owner = owner.clone();
    stale_owner.version = 3;
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(2),
        customer: stale_owner,
    });
    cases.push(("a stale customer write", c));

    for (what, commit) in cases {
        match store.commit(&commit) {
            Err(e)
                if !matches!(
                    e,
                    StoreError::Backend { .. } | StoreError::InvalidCommit { .. }
                ) => {}
            other => panic!(
                "store conformance: commit_is_all_or_nothing: a commit with {what} must fail with a conflict-type error, got {other:?}"
            ),
        }
        let after = snapshot(store, T1, &tickets, &customers, &idents, &keys);
        assert!(
            after == before,
            "store conformance: commit_is_all_or_nothing: a failed commit with {what} changed the store:\nbefore: {before:?}\nafter: {after:?}"
        );
    }
    // The same commit without the fault goes through whole.
    must(store.commit(&base()), "the commit without its fault");
    let after = snapshot(store, T1, &tickets, &customers, &idents, &keys);
    assert_eq!(after.tickets[1].as_ref(), Some(&good1.ticket));
    assert_eq!(after.tickets[0].as_ref(), Some(&good_up.ticket));
    assert_eq!(after.outbox.len(), 3);
}

/// Every inconsistency [`Commit::validate`] finds is returned as
/// `InvalidCommit`, and nothing is written.
///
/// # Panics
/// On another outcome.
pub fn invalid_commit_is_rejected<S: TicketStore + ?Sized>(store: &S) {
    let good = simple(T1, TicketId::from_u128(0x58_0000));
    let mut cases: Vec<(&str, Commit)> = Vec::new();
    // A ticket of another tenant.
    let foreign = simple(T2, TicketId::from_u128(0x58_0001));
    cases.push((
        "a ticket of another tenant",
        commit_of(T1, vec![good.clone(), foreign]),
    ));
    // A gap in the sequences.
    let mut gap = simple(T1, TicketId::from_u128(0x58_0002));
    if let Some(e) = gap.events.last_mut() {
        e.sequence += 1;
    }
    cases.push((
        "events with a gap in their sequence",
        commit_of(T1, vec![good.clone(), gap]),
    ));
    // A version that is not the last sequence.
    let mut wrong_version = simple(T1, TicketId::from_u128(0x58_0003));
    wrong_version.events.pop();
    cases.push((
        "a ticket version that is not its last event",
        commit_of(T1, vec![good.clone(), wrong_version]),
    ));
    // No events.
    let mut empty = simple(T1, TicketId::from_u128(0x58_0004));
    empty.events.clear();
    cases.push((
        "a ticket write without events",
        commit_of(T1, vec![good.clone(), empty]),
    ));
    // A customer at the wrong version.
    let mut c = commit_of(T1, vec![good.clone()]);
    let mut cust = a_customer(T1, 0xc9, vec![identity(Identity::email("v0@example.com"))]);
    cust.version = 5;
    c.customers.push(new_customer(&cust));
    cases.push(("a new customer not at version 1", c));
    // A notification of another tenant.
    let mut c = commit_of(T1, vec![good.clone()]);
    c.notifications
        .push(agent_notification(T2, 0x58_0001, good.ticket.id()));
    cases.push(("a notification of another tenant", c));
    // The same ticket twice.
    cases.push((
        "the same ticket twice",
        commit_of(T1, vec![good.clone(), good.clone()]),
    ));

    for (what, commit) in cases {
        match store.commit(&commit) {
            Err(StoreError::InvalidCommit { .. }) => {}
            other => panic!(
                "store conformance: invalid_commit_is_rejected: a commit with {what} must give InvalidCommit (call Commit::validate first), got {other:?}"
            ),
        }
        assert_eq!(
            must(store.ticket(T1, good.ticket.id()), "ticket"),
            None,
            "store conformance: invalid_commit_is_rejected: a commit with {what} wrote its good ticket"
        );
        assert!(must(store.undelivered(10), "undelivered").is_empty());
        assert!(
            must(store.query(T2, &TicketQuery::new()), "query")
                .items
                .is_empty()
        );
    }
}

/// An identity belongs to one customer per tenant: claiming it for another
/// gives `IdentityTaken` naming the owner (also when two customers of one
/// commit claim it); the owner may keep it across updates.
///
/// # Panics
/// On another outcome.
pub fn identities_are_unique_per_tenant<S: TicketStore + ?Sized>(store: &S) {
    let shared = identity(Identity::phone("+44 7700 900999"));
    let ana = a_customer(T1, 0xd1, vec![shared.clone()]);
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&ana));
    must(store.commit(&c), "creating a customer");
    let bob = a_customer(
        T1,
        0xd2,
        vec![identity(Identity::email("bob@example.com")), shared.clone()],
    );
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&bob));
    match store.commit(&c) {
        Err(StoreError::IdentityTaken { identity: i, owner }) if i == shared && owner == ana.id => {
        }
        other => panic!(
            "store conformance: identities_are_unique_per_tenant: claiming {shared} owned by {} must give IdentityTaken naming the owner, got {other:?}",
            ana.id
        ),
    }
    assert_eq!(must(store.customer(T1, bob.id), "customer"), None);
    assert_eq!(
        must(
            store.customer_by_identity(T1, &identity(Identity::email("bob@example.com"))),
            "customer_by_identity"
        ),
        None
    );
    // Two customers of one commit claiming one new identity.
    let fresh = identity(Identity::email("both@example.com"));
    let mut c = Commit::new(T1);
    c.customers
        .push(new_customer(&a_customer(T1, 0xd3, vec![fresh.clone()])));
    c.customers
        .push(new_customer(&a_customer(T1, 0xd4, vec![fresh.clone()])));
    match store.commit(&c) {
        Err(StoreError::IdentityTaken { identity: i, .. }) if i == fresh => {}
        other => panic!(
            "store conformance: identities_are_unique_per_tenant: two customers of one commit claiming {fresh} must give IdentityTaken, got {other:?}"
        ),
    }
    assert_eq!(
        must(
            store.customer_by_identity(T1, &fresh),
            "customer_by_identity"
        ),
        None
    );
    // The owner keeps it across an update.
    let mut ana2 = ana.clone();
    ana2.version = 2;
    ana2.identities.push(fresh.clone());
    let mut c = Commit::new(T1);
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: ana2.clone(),
    });
    must(store.commit(&c), "the owner updating with its identity");
    assert_eq!(
        must(
            store.customer_by_identity(T1, &shared),
            "customer_by_identity"
        ),
        Some(ana2.clone())
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &fresh),
            "customer_by_identity"
        ),
        Some(ana2)
    );
}

/// One commit may move an identity: a customer written without it releases
/// it, and another customer of the same commit claims it, whichever of the
/// two writes comes first in the commit.
///
/// # Panics
/// When the move is refused or the identity ends with the wrong owner.
pub fn identity_moves_between_customers_in_one_commit<S: TicketStore + ?Sized>(store: &S) {
    let phone = identity(Identity::phone("+44 7700 900555"));
    let ana = a_customer(
        T1,
        0xd5,
        vec![identity(Identity::email("ana@move.example")), phone.clone()],
    );
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&ana));
    must(store.commit(&c), "creating the first owner");
    // The claim first, then the release.
    let bob = a_customer(T1, 0xd6, vec![phone.clone()]);
    let mut ana2 = ana.clone();
    ana2.identities.retain(|i| *i != phone);
    ana2.version = 2;
    let mut c = Commit::new(T1);
    c.customers.push(new_customer(&bob));
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: ana2.clone(),
    });
    must(
        store.commit(&c),
        "identity_moves_between_customers_in_one_commit: moving an identity (claim listed first)",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone),
            "customer_by_identity"
        ),
        Some(bob.clone()),
        "store conformance: identity_moves_between_customers_in_one_commit: the identity must end with its new owner"
    );
    // Back again: the release first, then the claim.
    let mut bob2 = bob.clone();
    bob2.identities.clear();
    bob2.version = 2;
    let mut ana3 = ana2.clone();
    ana3.identities.push(phone.clone());
    ana3.version = 3;
    let mut c = Commit::new(T1);
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(1),
        customer: bob2,
    });
    c.customers.push(CustomerWrite {
        expected: ExpectedVersion::Version(2),
        customer: ana3.clone(),
    });
    must(
        store.commit(&c),
        "identity_moves_between_customers_in_one_commit: moving an identity back (release listed first)",
    );
    assert_eq!(
        must(
            store.customer_by_identity(T1, &phone),
            "customer_by_identity"
        ),
        Some(ana3),
        "store conformance: identity_moves_between_customers_in_one_commit: the identity must end with its new owner"
    );
}

/// Pairs of different identities whose parts, joined naively (with `:`,
/// another separator, nothing, or without the kind), are the same text;
/// `n` makes a fresh set.
fn lookalike_pairs(n: u32) -> Vec<(Identity, Identity)> {
    vec![
        (
            identity(Identity::external(&format!("shop{n}:eu"), "42")),
            identity(Identity::external(&format!("shop{n}"), "eu:42")),
        ),
        (
            identity(Identity::external(&format!("a{n}:b"), "c:d")),
            identity(Identity::external(&format!("a{n}"), "b:c:d")),
        ),
        (
            identity(Identity::external(&format!("shop{n}"), "x%3Ay")),
            identity(Identity::external(&format!("shop{n}"), "x:y")),
        ),
        (
            identity(Identity::social(&format!("twit{n}"), "terana")),
            identity(Identity::social(&format!("twit{n}ter"), "ana")),
        ),
        (
            identity(Identity::social(&format!("x{n}-y"), "z")),
            identity(Identity::social(&format!("x{n}"), "y-z")),
        ),
        (
            identity(Identity::social(&format!("net{n}"), "ana")),
            identity(Identity::external(&format!("net{n}"), "ana")),
        ),
    ]
}

/// Different identities whose parts joined naively are the same text
/// (`external("shop:eu", "42")` and `external("shop", "eu:42")`, social
/// handles likewise, the same parts under two kinds) belong to different
/// customers: each is registered, and each finds its own customer.
///
/// # Panics
/// When registering one is refused, or one finds the other's customer.
pub fn lookalike_identities_stay_apart<S: TicketStore + ?Sized>(store: &S) {
    let mut next = 0xe0_u128;
    for (a, b) in lookalike_pairs(0) {
        let mut owners = Vec::new();
        for i in [&a, &b] {
            next += 1;
            let c = a_customer(T1, next, vec![i.clone()]);
            let mut commit = Commit::new(T1);
            commit.customers.push(new_customer(&c));
            if let Err(e) = store.commit(&commit) {
                panic!(
                    "store conformance: lookalike_identities_stay_apart: registering {i:?} must succeed (it differs from {a:?} / {b:?}), got {e:?}"
                );
            }
            owners.push((i, c));
        }
        for (i, c) in &owners {
            assert_eq!(
                must(store.customer_by_identity(T1, i), "customer_by_identity"),
                Some(c.clone()),
                "store conformance: lookalike_identities_stay_apart: {i:?} must find its own customer"
            );
        }
    }
    // In one commit too.
    let pairs = lookalike_pairs(1);
    let mut commit = Commit::new(T1);
    let mut owners = Vec::new();
    for i in pairs.iter().flat_map(|(a, b)| [a, b]) {
        next += 1;
        let c = a_customer(T1, next, vec![i.clone()]);
        commit.customers.push(new_customer(&c));
        owners.push((i, c));
    }
    must(
        store.commit(&commit),
        "lookalike_identities_stay_apart: one commit registering look-alike identities",
    );
    for (i, c) in &owners {
        assert_eq!(
            must(store.customer_by_identity(T1, i), "customer_by_identity"),
            Some(c.clone()),
            "store conformance: lookalike_identities_stay_apart: {i:?} must find its own customer"
        );
    }
}

/// Through a [`Desk`](crate::Desk) on the store: a message from each of two
/// look-alike identities opens a ticket for a customer of its own, and
/// registering look-alike identities gives two customers.
///
/// # Panics
/// When the second message lands on the first's ticket or customer, or a
/// registration is refused.
pub fn desk_keeps_lookalike_identities_apart<S: TicketStore + ?Sized>(store: &S) {
    let desk = crate::Desk::new(
        store,
        crate::testing::RecordingNotifier::new(),
        crate::testing::ManualClock::new(at(0)),
    )
    .with_ids(SequentialIds::starting_at(0x10_0000));
    for (a, b) in lookalike_pairs(2) {
        let receive = |i: &Identity| match desk.receive(
            T1,
            crate::Inbound::new(i.clone(), Channel::LiveChat, format!("Hello from {i:?}")),
        ) {
            Ok(r) => r,
            Err(e) => panic!(
                "store conformance: desk_keeps_lookalike_identities_apart: receiving from {i:?} failed: {e}"
            ),
        };
        let (ra, rb) = (receive(&a), receive(&b));
        assert!(
            rb.opened && rb.customer != ra.customer && rb.ticket != ra.ticket,
            "store conformance: desk_keeps_lookalike_identities_apart: a message from {b:?} must open a ticket of its own customer, not continue {a:?}'s ({ra:?} / {rb:?})"
        );
        for (i, r) in [(&a, &ra), (&b, &rb)] {
            match desk.register_customer(T1, None, std::slice::from_ref(i)) {
                Ok(c) => assert_eq!(
                    c.id, r.customer,
                    "store conformance: desk_keeps_lookalike_identities_apart: {i:?} belongs to the customer its message created"
                ),
                Err(e) => panic!(
                    "store conformance: desk_keeps_lookalike_identities_apart: registering {i:?} again must return its customer, got {e}"
                ),
            }
        }
    }
    for (a, b) in lookalike_pairs(3) {
        let register = |i: &Identity| match desk.register_customer(
            T1,
            None,
            std::slice::from_ref(i),
        ) {
            Ok(c) => c,
            Err(e) => panic!(
                "store conformance: desk_keeps_lookalike_identities_apart: registering {i:?} failed: {e}"
            ),
        };
        let (ca, cb) = (register(&a), register(&b));
        assert_ne!(
            ca.id, cb.id,
            "store conformance: desk_keeps_lookalike_identities_apart: {a:?} and {b:?} must be two customers"
        );
    }
}

// ---------------------------------------------------------------------------
// Queries.

/// Every filter, alone and combined, and their boundaries.
///
/// # Panics
/// When a query returns other tickets than the matching ones in order.
pub fn query_filters<S: TicketStore + ?Sized>(store: &S) {
    let all = store_varied(store, T1, 36);
    let some_updated = all[7].updated_at();
    let mut queries = vec![
        TicketQuery::new().limit(1000),
        TicketQuery::new().assignee(AGENT_A).limit(1000),
        TicketQuery::new().assignee(AGENT_B).limit(1000),
        TicketQuery::new()
            .assignee(AgentId::from_u128(0xdead))
            .limit(1000),
        TicketQuery::new()
            .customer(CustomerId::from_u128(2))
            .limit(1000),
        TicketQuery::new().channel(Channel::LiveChat).limit(1000),
        TicketQuery::new().channel(Channel::Sms).limit(1000),
        TicketQuery::new().tag(tag("shipping")).limit(1000),
        TicketQuery::new().tag(tag("shipping/late")).limit(1000),
        TicketQuery::new().tag(tag("ship")).limit(1000),
        TicketQuery::new().tag(tag("shippin")).limit(1000),
        TicketQuery::new().tag(tag("late")).limit(1000),
        TicketQuery::new()
            .updated_between(some_updated, some_updated + Duration::hours(5))
            .limit(1000),
        TicketQuery::new()
            .updated_between(some_updated, some_updated)
            .limit(1000),
        TicketQuery::new()
            .updated_between(some_updated, some_updated + Duration::nanoseconds(1))
            .limit(1000),
        TicketQuery::new()
            .updated_between(some_updated - Duration::nanoseconds(1), some_updated)
            .limit(1000),
        TicketQuery::new()
            .status(Status::Open)
            .status(Status::New)
            .tag(tag("shipping"))
            .customer(CustomerId::from_u128(1))
            .limit(1000),
        TicketQuery::new()
            .status(Status::Solved)
            .assignee(AGENT_A)
            .channel(Channel::Email)
            .limit(1000),
    ];
    let mut from_only = TicketQuery::new().limit(1000);
    from_only.updated_from = Some(some_updated);
    queries.push(from_only);
    let mut before_only = TicketQuery::new().limit(1000);
    before_only.updated_before = Some(some_updated);
    queries.push(before_only);
    for s in Status::ALL {
        queries.push(TicketQuery::new().status(s).limit(1000));
    }
    for base in queries {
        for order in ORDERS {
            check_query(store, T1, &all, &base.clone().order(order));
        }
    }
    // Sanity of the fixture: the filters above are not all empty.
    assert!(!expected(&all, &TicketQuery::new().tag(tag("ship"))).is_empty());
    assert!(!expected(&all, &TicketQuery::new().status(Status::Closed)).is_empty());
}

/// Each order sorts by its timestamp, then by ticket id (ties on the
/// timestamp are in the fixture), ascending or descending whole.
///
/// # Panics
/// When the order differs.
pub fn query_orders<S: TicketStore + ?Sized>(store: &S) {
    let all = store_varied(store, T1, 24);
    for order in ORDERS {
        let q = TicketQuery::new().order(order).limit(1000);
        check_query(store, T1, &all, &q);
        let got = ids(&must(store.query(T1, &q), "query").items);
        let mut keys: Vec<(DateTime<Utc>, TicketId)> = got
            .iter()
            .filter_map(|id| all.iter().find(|t| t.id() == *id))
            .map(|t| {
                let c = q.cursor_of(t);
                (c.at, c.id)
            })
            .collect();
        if order == TicketOrder::UpdatedDesc {
            keys.reverse();
        }
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "store conformance: query_orders: {order:?} must sort by its timestamp then by id"
        );
    }
}

/// Paging through with the cursor while nothing is written returns every
/// match exactly once, in order, for each order and several page sizes.
///
/// # Panics
/// When a ticket is missed, repeated or out of order.
pub fn query_paging_is_stable<S: TicketStore + ?Sized>(store: &S) {
    let all = store_varied(store, T1, 30);
    for order in ORDERS {
        for limit in [1usize, 4, 7, 30, 31] {
            for filter in [TicketQuery::new(), TicketQuery::new().tag(tag("shipping"))] {
                let base = filter.order(order).limit(limit);
                let want = expected(&all, &base);
                let mut got = Vec::new();
                let mut after = None;
                let mut pages = 0;
                loop {
                    let q = base.clone().after(after);
                    check_query(store, T1, &all, &q);
                    let page = must(store.query(T1, &q), "query");
                    pages += 1;
                    assert!(
                        pages <= want.len() + 1,
                        "store conformance: query_paging_is_stable: paging does not end"
                    );
                    got.extend(ids(&page.items));
                    match page.next {
                        Some(c) => after = Some(c),
                        None => break,
                    }
                }
                assert_eq!(
                    got, want,
                    "store conformance: query_paging_is_stable: paging {order:?} by {limit} must return every match once, in order"
                );
            }
        }
    }
}

/// Paging while tickets are updated between pages: with `CreatedAsc` every
/// ticket is returned exactly once; with the `Updated*` orders every
/// ticket that was not updated is returned exactly once, an updated one at
/// most twice (`UpdatedAsc`: at least once) or at most once
/// (`UpdatedDesc`), as the contract says.
///
/// # Panics
/// When a ticket that was not updated is missed or repeated.
pub fn query_paging_with_concurrent_updates<S: TicketStore + ?Sized>(store: &S) {
    let all = store_varied(store, T1, 24);
    let mut minute = 100_000;
    for order in ORDERS {
        let mut seen: BTreeMap<TicketId, usize> = BTreeMap::new();
        let mut updated: BTreeSet<TicketId> = BTreeSet::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let q = TicketQuery::new().order(order).limit(5).after(after);
            let page = must(store.query(T1, &q), "query");
            for t in &page.items {
                *seen.entry(t.id()).or_default() += 1;
            }
            // Update one ticket already returned and one not yet returned.
            let current = all_tickets(store, T1, TicketOrder::CreatedAsc);
            let pick_seen = current
                .iter()
                .find(|t| seen.contains_key(&t.id()) && !updated.contains(&t.id()));
            let pick_unseen = current
                .iter()
                .rev()
                .find(|t| !seen.contains_key(&t.id()) && !updated.contains(&t.id()));
            for t in [pick_seen, pick_unseen].into_iter().flatten() {
                minute += 1;
                let w = append(
                    t,
                    at(minute),
                    vec![note(0x7000 + minute as u128, AGENT_A, at(minute), "moved")],
                );
                must(
                    store.commit(&commit_of(T1, vec![w])),
                    "updating while paging",
                );
                updated.insert(t.id());
            }
            pages += 1;
            assert!(
                pages < 100,
                "store conformance: query_paging_with_concurrent_updates: paging does not end"
            );
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        for t in &all {
            let n = seen.get(&t.id()).copied().unwrap_or(0);
            let ok = match (order, updated.contains(&t.id())) {
                (TicketOrder::CreatedAsc, _) | (_, false) => n == 1,
                (TicketOrder::UpdatedAsc, true) => (1..=2).contains(&n),
                (_, true) => n <= 1,
            };
            assert!(
                ok,
                "store conformance: query_paging_with_concurrent_updates: paging {order:?} returned ticket {} {n} times (updated while paging: {})",
                t.id(),
                updated.contains(&t.id())
            );
        }
    }
}

/// A limit of 0 means 50; a limit above 1,000 means 1,000.
///
/// # Panics
/// When a page has another size.
pub fn query_limits<S: TicketStore + ?Sized>(store: &S) {
    let mut writes = Vec::new();
    for i in 0..1001u128 {
        writes.push(simple(T1, TicketId::from_u128(0x2_0000 + i)));
    }
    must(
        store.commit(&commit_of(T1, writes)),
        "committing 1,001 tickets at once",
    );
    let page = must(store.query(T1, &TicketQuery::new()), "query");
    assert_eq!(
        page.items.len(),
        TicketQuery::DEFAULT_LIMIT,
        "store conformance: query_limits: limit 0 must give pages of 50"
    );
    assert!(page.next.is_some());
    let page = must(store.query(T1, &TicketQuery::new().limit(5000)), "query");
    assert_eq!(
        page.items.len(),
        TicketQuery::MAX_LIMIT,
        "store conformance: query_limits: a limit above 1,000 must give pages of 1,000"
    );
    assert!(page.next.is_some());
    let rest = must(
        store.query(T1, &TicketQuery::new().limit(5000).after(page.next)),
        "query",
    );
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next.is_none());
}

// ---------------------------------------------------------------------------
// Tenants.

/// The same ids in two tenants are two records: tickets, events, customers,
/// identities, inbound keys and notifications; a tenant never sees the
/// other's records.
///
/// # Panics
/// When a record leaks across tenants.
pub fn tenant_isolation<S: TicketStore + ?Sized>(store: &S) {
    let id = TicketId::from_u128(0x59_0000);
    let shared = identity(Identity::email("same@example.com"));
    let key = inbound_key(Channel::Email, "<same@mail>");
    let mut written = Vec::new();
    for (n, tenant) in [T1, T2].into_iter().enumerate() {
        let b = TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .opened_at(at(n as i64 * 10))
            .body(&format!("from tenant {n}"));
        let b = if n == 0 {
            b.tag("one")
        } else {
            b.agent_reply(AGENT_A, "two")
        };
        let w = create(b.events());
        let mut c = commit_of(tenant, vec![w.clone()]);
        let mut cust = a_customer(tenant, 0xe1, vec![shared.clone()]);
        cust.name = Some(format!("customer of tenant {n}"));
        c.customers.push(new_customer(&cust));
        c.inbound.push(inbound_rec(key.clone(), id, 10 + n as u128));
        c.notifications
            .push(agent_notification(tenant, 0x59_0001, id));
        must(
            store.commit(&c),
            format_args!("committing the same ids in tenant {n}"),
        );
        written.push((tenant, w, cust));
    }
    for (n, (tenant, w, cust)) in written.iter().enumerate() {
        let msg = format!(
            "store conformance: tenant_isolation: tenant {n} must read back its own record"
        );
        assert_eq!(
            must(store.ticket(*tenant, id), "ticket").as_ref(),
            Some(&w.ticket),
            "{msg}"
        );
        assert_eq!(must(store.events(*tenant, id), "events"), w.events, "{msg}");
        assert_eq!(
            must(store.customer(*tenant, cust.id), "customer").as_ref(),
            Some(cust),
            "{msg}"
        );
        assert_eq!(
            must(
                store.customer_by_identity(*tenant, &shared),
                "customer_by_identity"
            )
            .as_ref(),
            Some(cust),
            "{msg}"
        );
        assert_eq!(
            must(store.inbound(*tenant, &key), "inbound").map(|r| r.message),
            Some(MessageId::from_u128(10 + n as u128)),
            "{msg}"
        );
        assert_eq!(
            ids(&must(store.query(*tenant, &TicketQuery::new()), "query").items),
            vec![id],
            "{msg}"
        );
        assert_eq!(
            ids(&must(
                store.query(*tenant, &TicketQuery::new().tag(tag("one"))),
                "query"
            )
            .items)
            .len(),
            1 - n,
            "{msg}"
        );
    }
    let outbox = must(store.undelivered(10), "undelivered");
    assert_eq!(
        ids_of(&outbox),
        vec![
            (T1, NotificationId::from_u128(0x59_0001)),
            (T2, NotificationId::from_u128(0x59_0001))
        ],
        "store conformance: tenant_isolation: the same notification id in two tenants is two outbox entries"
    );
    // Delivering one tenant's leaves the other's.
    must(
        store.mark_delivered(T2, NotificationId::from_u128(0x59_0001)),
        "mark_delivered",
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10), "undelivered")),
        vec![(T1, NotificationId::from_u128(0x59_0001))],
        "store conformance: tenant_isolation: marking tenant 2's notification delivered must leave tenant 1's"
    );
    // A third tenant sees nothing.
    let t3 = TenantId::from_u128(0x7e_0003);
    assert_eq!(must(store.ticket(t3, id), "ticket"), None);
    assert!(must(store.events(t3, id), "events").is_empty());
    assert_eq!(
        must(
            store.customer_by_identity(t3, &shared),
            "customer_by_identity"
        ),
        None
    );
    assert_eq!(must(store.inbound(t3, &key), "inbound"), None);
    assert!(
        must(store.query(t3, &TicketQuery::new()), "query")
            .items
            .is_empty()
    );
}

/// Ids whose text forms are prefixes or concatenations of one another
/// (decimal and hex) stay distinct: a backend keying records by
/// concatenated strings fails here.
///
/// # Panics
/// When two such records collide.
pub fn tenant_isolation_prefix_ids<S: TicketStore + ?Sized>(store: &S) {
    // (tenant, ticket) pairs whose decimal or hex concatenations collide:
    // "1"+"23" = "12"+"3" and 0x1 + 0x23 = 0x12 + 0x3.
    let pairs = [
        (1u128, 23u128),
        (12, 3),
        (0x1, 0x23),
        (0x12, 0x3),
        (1, 2),
        (1, 0x12),
    ];
    let mut written = Vec::new();
    for (n, (tenant, ticket)) in pairs.into_iter().enumerate() {
        let (tenant, id) = (TenantId::from_u128(tenant), TicketId::from_u128(ticket));
        let b = TicketBuilder::new()
            .tenant(tenant)
            .id(id)
            .opened_at(at(n as i64))
            .body(&format!("pair {n}"));
        let w = create(b.events());
        let mut c = commit_of(tenant, vec![w.clone()]);
        c.inbound.push(inbound_rec(
            inbound_key(Channel::Email, &format!("m{}", ticket)),
            id,
            n as u128,
        ));
        must(
            store.commit(&c),
            format_args!("committing ticket {ticket:#x} of tenant {tenant}"),
        );
        written.push((tenant, w));
    }
    for (tenant, w) in &written {
        assert_eq!(
            must(store.ticket(*tenant, w.ticket.id()), "ticket").as_ref(),
            Some(&w.ticket),
            "store conformance: tenant_isolation_prefix_ids: ticket {} of tenant {tenant} was mixed up with another",
            w.ticket.id()
        );
        let listed = ids(&must(store.query(*tenant, &TicketQuery::new()), "query").items);
        let want: Vec<TicketId> = {
            let mut v: Vec<&TicketWrite> = written
                .iter()
                .filter(|(t, _)| t == tenant)
                .map(|(_, w)| w)
                .collect();
            v.sort_by_key(|w| (w.ticket.created_at(), w.ticket.id()));
            v.iter().map(|w| w.ticket.id()).collect()
        };
        assert_eq!(
            listed, want,
            "store conformance: tenant_isolation_prefix_ids: tenant {tenant} lists another tenant's tickets"
        );
    }
    // External ids that are prefixes of one another are distinct keys.
    let w = simple(T1, TicketId::from_u128(0x5a_0000));
    let mut c = commit_of(T1, vec![w.clone()]);
    for (n, ext) in ["m1", "m10", "m1 ", "M1"].iter().enumerate() {
        c.inbound.push(inbound_rec(
            inbound_key(Channel::Sms, ext),
            w.ticket.id(),
            100 + n as u128,
        ));
    }
    must(
        store.commit(&c),
        "inbound keys that are prefixes of one another",
    );
    for (n, ext) in ["m1", "m10", "m1 ", "M1"].iter().enumerate() {
        assert_eq!(
            must(
                store.inbound(T1, &inbound_key(Channel::Sms, ext)),
                "inbound"
            )
            .map(|r| r.message),
            Some(MessageId::from_u128(100 + n as u128)),
            "store conformance: tenant_isolation_prefix_ids: inbound key {ext:?} mixed up"
        );
    }
    assert_eq!(
        must(
            store.inbound(T1, &inbound_key(Channel::Sms, "m")),
            "inbound"
        ),
        None
    );
}

// ---------------------------------------------------------------------------
// Inbound idempotency.

/// An inbound key is recorded once per tenant: a second commit with it
/// gives `DuplicateInbound` with the first record and writes nothing;
/// the same external id on another channel is another message.
///
/// # Panics
/// On another outcome.
pub fn inbound_idempotency<S: TicketStore + ?Sized>(store: &S) {
    let first = simple(T1, TicketId::from_u128(0x5b_0000));
    let key = inbound_key(Channel::Email, "<once@mail>");
    let rec = inbound_rec(key.clone(), first.ticket.id(), 1);
    let mut c = commit_of(T1, vec![first.clone()]);
    c.inbound.push(rec.clone());
    must(store.commit(&c), "recording an inbound message");

    let second = simple(T1, TicketId::from_u128(0x5b_0001));
    let mut c = commit_of(T1, vec![second.clone()]);
    c.inbound
        .push(inbound_rec(key.clone(), second.ticket.id(), 2));
    c.notifications
        .push(agent_notification(T1, 0x5b_0001, second.ticket.id()));
    match store.commit(&c) {
        Err(StoreError::DuplicateInbound { existing }) if existing == rec => {}
        other => panic!(
            "store conformance: inbound_idempotency: recording {key:?} twice must give DuplicateInbound with the first record, got {other:?}"
        ),
    }
    assert_eq!(must(store.ticket(T1, second.ticket.id()), "ticket"), None);
    assert!(must(store.undelivered(10), "undelivered").is_empty());
    assert_eq!(must(store.inbound(T1, &key), "inbound"), Some(rec));

    let mut c = commit_of(T1, vec![second.clone()]);
    let other_channel = inbound_key(Channel::WebForm, "<once@mail>");
    c.inbound
        .push(inbound_rec(other_channel.clone(), second.ticket.id(), 3));
    must(store.commit(&c), "the same external id on another channel");
    assert_eq!(
        must(store.inbound(T1, &other_channel), "inbound").map(|r| r.ticket),
        Some(second.ticket.id())
    );
}

// ---------------------------------------------------------------------------
// Once keys.

/// A once key is recorded once per tenant: a second commit carrying it gives
/// `AlreadyDone` naming it and writes nothing (not its ticket, not its
/// notification, not its other keys); another tenant has keys of its own.
///
/// # Panics
/// On another outcome.
pub fn once_keys<S: TicketStore + ?Sized>(store: &S) {
    let done = OnceKey::notice(NotificationId::from_u128(0x5b_1000));
    let fresh = OnceKey::new("host/report-sent/2026-03");
    let first = simple(T1, TicketId::from_u128(0x5b_1000));
    let mut c = commit_of(T1, vec![first]);
    c.notifications.push(agent_notification(
        T1,
        0x5b_1000,
        TicketId::from_u128(0x5b_1000),
    ));
    c.once.push(done.clone());
    must(store.commit(&c), "recording a once key");

    let second = simple(T1, TicketId::from_u128(0x5b_1001));
    let mut c = commit_of(T1, vec![second.clone()]);
    c.notifications
        .push(agent_notification(T1, 0x5b_1001, second.ticket.id()));
    c.once.push(fresh.clone());
    c.once.push(done.clone());
    match store.commit(&c) {
        Err(StoreError::AlreadyDone { key }) if key == done => {}
        other => panic!(
            "store conformance: once_keys: committing {done} again must give AlreadyDone naming it, got {other:?}"
        ),
    }
    assert_eq!(
        must(store.ticket(T1, second.ticket.id()), "ticket"),
        None,
        "store conformance: once_keys: a commit refused for a once key must write nothing"
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10), "undelivered")),
        vec![(T1, NotificationId::from_u128(0x5b_1000))],
        "store conformance: once_keys: a commit refused for a once key must queue nothing"
    );
    // The fresh key of the refused commit was not recorded.
    let mut c = Commit::new(T1);
    c.once.push(fresh.clone());
    must(store.commit(&c), "a key of a refused commit");
    match store.commit(&c) {
        Err(StoreError::AlreadyDone { key }) if key == fresh => {}
        other => panic!(
            "store conformance: once_keys: a key alone is recorded too; committing {fresh} twice must give AlreadyDone, got {other:?}"
        ),
    }
    // Keys are compared exactly, and per tenant.
    for key in [
        OnceKey::new(format!("{done} ")),
        OnceKey::new(done.as_str().to_uppercase()),
        OnceKey::new("notice/"),
    ] {
        let mut c = Commit::new(T1);
        c.once.push(key.clone());
        must(store.commit(&c), format!("another key {key:?}"));
    }
    let mut c = Commit::new(T2);
    c.once.push(done);
    must(store.commit(&c), "the same key in another tenant");
}

// ---------------------------------------------------------------------------
// Outbox.

/// Undelivered notifications come oldest commit first (across tenants),
/// in commit order within a commit, up to the limit; delivered ones leave;
/// marking twice is fine.
///
/// # Panics
/// When the order or the delivered set is wrong.
pub fn outbox_order_and_delivery<S: TicketStore + ?Sized>(store: &S) {
    let mut want = Vec::new();
    // Ids deliberately not in commit order.
    let plan: [(TenantId, &[u128]); 4] =
        [(T1, &[50, 10]), (T2, &[40]), (T1, &[5, 60, 20]), (T2, &[1])];
    for (n, (tenant, nids)) in plan.iter().enumerate() {
        let w = simple(*tenant, TicketId::from_u128(0x5c_0000 + n as u128));
        let mut c = commit_of(*tenant, vec![w.clone()]);
        for id in *nids {
            c.notifications
                .push(agent_notification(*tenant, *id, w.ticket.id()));
            want.push((*tenant, NotificationId::from_u128(*id)));
        }
        must(store.commit(&c), "committing notifications");
    }
    assert_eq!(
        ids_of(&must(store.undelivered(100), "undelivered")),
        want,
        "store conformance: outbox_order_and_delivery: undelivered must be in commit order, across tenants"
    );
    assert_eq!(
        ids_of(&must(store.undelivered(3), "undelivered")),
        want[..3].to_vec()
    );
    assert!(must(store.undelivered(0), "undelivered(0)").is_empty());
    // Deliver the second and the fifth.
    for i in [1usize, 4] {
        let (t, id) = want[i];
        must(store.mark_delivered(t, id), "mark_delivered");
        must(store.mark_delivered(t, id), "mark_delivered a second time");
    }
    let rest: Vec<_> = want
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1 && *i != 4)
        .map(|(_, k)| *k)
        .collect();
    assert_eq!(
        ids_of(&must(store.undelivered(100), "undelivered")),
        rest,
        "store conformance: outbox_order_and_delivery: delivered notifications must leave the undelivered list, the rest keep their order"
    );
    for (t, id) in &rest {
        must(store.mark_delivered(*t, *id), "mark_delivered");
    }
    assert!(must(store.undelivered(100), "undelivered").is_empty());
}

/// `record_failure` counts attempts and keeps the last error; the entry
/// stays undelivered in its place.
///
/// # Panics
/// When attempts or the error are not recorded.
pub fn outbox_failures_are_recorded<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0x5d_0000));
    let mut c = commit_of(T1, vec![w.clone()]);
    for id in [1u128, 2, 3] {
        c.notifications
            .push(agent_notification(T1, id, w.ticket.id()));
    }
    must(store.commit(&c), "committing notifications");
    let n2 = NotificationId::from_u128(2);
    must(
        store.record_failure(T1, n2, "smtp 451: try later"),
        "record_failure",
    );
    must(
        store.record_failure(T1, n2, "smtp 421: «busy»\nbye"),
        "record_failure",
    );
    let got = must(store.undelivered(10), "undelivered");
    assert_eq!(
        ids_of(&got),
        vec![
            (T1, NotificationId::from_u128(1)),
            (T1, n2),
            (T1, NotificationId::from_u128(3))
        ],
        "store conformance: outbox_failures_are_recorded: a failure must not move the entry"
    );
    assert_eq!(
        (got[1].attempts, got[1].last_error.as_deref()),
        (2, Some("smtp 421: «busy»\nbye")),
        "store conformance: outbox_failures_are_recorded: two failures must give 2 attempts and the last error"
    );
    assert_eq!((got[0].attempts, got[0].last_error.as_deref()), (0, None));
    must(
        store.mark_delivered(T1, n2),
        "mark_delivered after failures",
    );
    assert_eq!(must(store.undelivered(10), "undelivered").len(), 2);
}

/// Marking or failing a notification that is not in the tenant's outbox
/// (unknown, or another tenant's) gives `UnknownNotification` and changes
/// nothing.
///
/// # Panics
/// On another outcome.
pub fn outbox_unknown_and_foreign_ids<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0x5e_0000));
    let mut c = commit_of(T1, vec![w.clone()]);
    let id = NotificationId::from_u128(0x5e_0001);
    c.notifications
        .push(agent_notification(T1, 0x5e_0001, w.ticket.id()));
    must(store.commit(&c), "committing a notification");
    let unknown = NotificationId::from_u128(0x5e_0002);
    for (tenant, nid, what) in [
        (T1, unknown, "an unknown id"),
        (T2, id, "another tenant's id"),
    ] {
        match store.mark_delivered(tenant, nid) {
            Err(StoreError::UnknownNotification { id: got }) if got == nid => {}
            other => panic!(
                "store conformance: outbox_unknown_and_foreign_ids: mark_delivered of {what} must give UnknownNotification, got {other:?}"
            ),
        }
        match store.record_failure(tenant, nid, "x") {
            Err(StoreError::UnknownNotification { id: got }) if got == nid => {}
            other => panic!(
                "store conformance: outbox_unknown_and_foreign_ids: record_failure of {what} must give UnknownNotification, got {other:?}"
            ),
        }
    }
    let got = must(store.undelivered(10), "undelivered");
    assert_eq!(ids_of(&got), vec![(T1, id)]);
    assert_eq!(
        got[0].attempts, 0,
        "store conformance: outbox_unknown_and_foreign_ids: another tenant's failure must not count"
    );
}

/// A committed notification whose tenant and id are already in the outbox
/// (delivered or not) is ignored; the rest of the commit is written.
///
/// # Panics
/// When the first notification is replaced or duplicated.
pub fn outbox_keeps_the_first_of_a_known_id<S: TicketStore + ?Sized>(store: &S) {
    let a = simple(T1, TicketId::from_u128(0x5f_0000));
    let b = simple(T1, TicketId::from_u128(0x5f_0001));
    let mut c = commit_of(T1, vec![a.clone()]);
    c.notifications
        .push(agent_notification(T1, 1, a.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 2, a.ticket.id()));
    must(store.commit(&c), "committing notifications");
    must(
        store.mark_delivered(T1, NotificationId::from_u128(2)),
        "mark_delivered",
    );
    let mut c = commit_of(T1, vec![b.clone()]);
    c.notifications
        .push(agent_notification(T1, 1, b.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 2, b.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 3, b.ticket.id()));
    must(store.commit(&c), "committing known notification ids");
    let got = must(store.undelivered(10), "undelivered");
    assert_eq!(
        got.iter()
            .map(|e| (e.notification.id.as_u128(), e.notification.ticket))
            .collect::<Vec<_>>(),
        vec![(1, a.ticket.id()), (3, b.ticket.id())],
        "store conformance: outbox_keeps_the_first_of_a_known_id: a known id must keep its first entry (delivered stays delivered)"
    );
    assert!(must(store.ticket(T1, b.ticket.id()), "ticket").is_some());
}

// ---------------------------------------------------------------------------
// Concurrency.

/// 16 threads each apply 100 decided updates to one ticket with
/// compare-and-set (load, decide, commit at the loaded version, retry on
/// conflict). Exactly 1,600 must be applied: the version grows by 1,600,
/// every update's event is there once, and the events replay to the state.
/// (Each update assigns the ticket to an agent of its own, so the ticket
/// stays small and every update is a change.)
///
/// # Panics
/// When an update is lost or applied twice, or a commit fails with
/// anything but a conflict.
pub fn race_compare_and_set<S: TicketStore + ?Sized>(store: &S) {
    race(&[store], 16, 100);
}

fn race<S: TicketStore + ?Sized>(stores: &[&S], threads: usize, per_thread: usize) {
    let Some(first) = stores.first() else { return };
    let id = TicketId::from_u128(0x60_0000);
    let w = create(
        TicketBuilder::new()
            .tenant(T1)
            .id(id)
            .opened_at(at(0))
            .agent_reply(AGENT_A, "On it")
            .events(),
    );
    must(
        first.commit(&commit_of(T1, vec![w.clone()])),
        "creating the raced ticket",
    );
    let start = w.ticket.version();
    let ids = SequentialIds::starting_at(10_000_000);
    let conflicts = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let store = stores[thread % stores.len()];
            let ids = &ids;
            let conflicts = &conflicts;
            scope.spawn(move || {
                for n in 0..per_thread {
                    let cmd = Command::Assign {
                        agent: Some(race_agent(thread, n)),
                        group: None,
                    };
                    let mut attempts = 0u64;
                    loop {
                        attempts += 1;
                        assert!(
                            attempts < 1_000_000,
                            "store conformance: race_compare_and_set: thread {thread} never got a write in"
                        );
                        let Some(t) = must(store.ticket(T1, id), "loading the raced ticket") else {
                            panic!("store conformance: race_compare_and_set: the raced ticket disappeared");
                        };
                        let now = t.updated_at() + Duration::milliseconds(1);
                        let ctx = Context::new(now, ids as &dyn IdGenerator);
                        let decision = match ticket::decide(&t, &cmd, &ctx) {
                            Ok(d) => d,
                            Err(e) => panic!("store conformance: race_compare_and_set: decide failed: {e}"),
                        };
                        let mut state = t.clone();
                        for e in &decision.events {
                            state.apply(e);
                        }
                        let mut c = commit_of(
                            T1,
                            vec![TicketWrite {
                                expected: ExpectedVersion::Version(t.version()),
                                ticket: state,
                                events: decision.events,
                            }],
                        );
                        c.notifications = decision.notifications;
                        match store.commit(&c) {
                            Ok(()) => break,
                            Err(e) if e.is_conflict() => {
                                conflicts.fetch_add(1, Ordering::Relaxed);
                                std::thread::yield_now();
                            }
                            Err(e) => panic!(
                                "store conformance: race_compare_and_set: a racing commit failed with {e} ({e:?}); only conflicts are allowed"
                            ),
                        }
                    }
                }
            });
        }
    });
    let total = (threads * per_thread) as u64;
    let Some(t) = must(first.ticket(T1, id), "loading the raced ticket") else {
        panic!("store conformance: race_compare_and_set: the raced ticket disappeared");
    };
    assert_eq!(
        t.version(),
        start + total,
        "store conformance: race_compare_and_set: {total} compare-and-set updates must move the version from {start} by exactly {total} ({} conflicts retried)",
        conflicts.load(Ordering::Relaxed)
    );
    let events = must(first.events(T1, id), "events of the raced ticket");
    assert_eq!(
        events.len() as u64,
        t.version(),
        "store conformance: race_compare_and_set: one event per version"
    );
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.sequence == i as u64 + 1),
        "store conformance: race_compare_and_set: event sequences must be 1, 2, 3, ..."
    );
    assert_eq!(
        Ticket::from_events(&events).as_ref(),
        Some(&t),
        "store conformance: race_compare_and_set: the events must replay to the state"
    );
    let mut assigned: Vec<AgentId> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Assigned { agent: Some(a), .. } if *a != AGENT_A => Some(*a),
            _ => None,
        })
        .collect();
    assigned.sort_unstable();
    let mut want: Vec<AgentId> = (0..threads)
        .flat_map(|t| (0..per_thread).map(move |n| race_agent(t, n)))
        .collect();
    want.sort_unstable();
    assert!(
        assigned == want,
        "store conformance: race_compare_and_set: every update's event must be stored exactly once ({} stored, {} made)",
        assigned.len(),
        want.len()
    );
}

fn race_agent(thread: usize, n: usize) -> AgentId {
    AgentId::from_u128(0xa1_0000_0000 + ((thread as u128) << 16) + n as u128)
}

// ---------------------------------------------------------------------------
// Optional abilities.

/// (Declared with [`Capabilities::durable`].) Everything written is read
/// back the same after the store is closed and reopened, and the reopened
/// store goes on (compare-and-set against the stored versions, the outbox
/// state kept).
///
/// # Panics
/// When something is lost or changed by the reopen, or the capability is
/// not declared.
pub fn durable_reopen<S: TicketStore>(factory: &dyn Fn() -> S, caps: &Capabilities<S>) {
    let Some(reopen) = caps.reopen else {
        panic!("store conformance: durable_reopen needs Capabilities::durable");
    };
    let store = factory();
    let (events, source) = rich_ticket(T1, TicketId::from_u128(0x61_0000));
    let rich = create(events);
    let src = create(source);
    let cust = a_customer(
        T1,
        0xf1,
        vec![identity(Identity::email("durable@example.com"))],
    );
    let key = inbound_key(Channel::Email, "<durable@mail>");
    let mut c = commit_of(T1, vec![rich.clone(), src.clone()]);
    c.customers.push(new_customer(&cust));
    c.inbound
        .push(inbound_rec(key.clone(), rich.ticket.id(), 1));
    for n in 1..=3 {
        c.notifications
            .push(agent_notification(T1, n, rich.ticket.id()));
    }
    must(store.commit(&c), "committing before the reopen");
    must(
        store.mark_delivered(T1, NotificationId::from_u128(1)),
        "mark_delivered",
    );
    must(
        store.record_failure(T1, NotificationId::from_u128(2), "down"),
        "record_failure",
    );
    let varied = store_varied(&store, T2, 12);
    let tickets = [rich.ticket.id(), src.ticket.id()];
    let before = snapshot(
        &store,
        T1,
        &tickets,
        &[cust.id],
        &cust.identities,
        std::slice::from_ref(&key),
    );
    let before_t2 = all_tickets(&store, T2, TicketOrder::UpdatedDesc);
    let store = reopen(store);
    let after = snapshot(
        &store,
        T1,
        &tickets,
        &[cust.id],
        &cust.identities,
        std::slice::from_ref(&key),
    );
    assert!(
        after == before,
        "store conformance: durable_reopen: the store reads differently after a reopen:\nbefore: {before:?}\nafter: {after:?}"
    );
    assert_eq!(all_tickets(&store, T2, TicketOrder::UpdatedDesc), before_t2);
    assert_eq!(varied.len(), before_t2.len());
    // It goes on from the stored versions.
    let stale = append(
        &src.ticket,
        at(90),
        vec![note(0x6101, AGENT_A, at(90), "x")],
    );
    must(
        store.commit(&commit_of(T1, vec![stale.clone()])),
        "updating after the reopen",
    );
    match store.commit(&commit_of(T1, vec![stale])) {
        Err(e) if e.is_conflict() => {}
        other => panic!(
            "store conformance: durable_reopen: a stale write after the reopen must conflict, got {other:?}"
        ),
    }
    let mut c = Commit::new(T1);
    c.notifications
        .push(agent_notification(T1, 1, rich.ticket.id()));
    c.notifications
        .push(agent_notification(T1, 4, rich.ticket.id()));
    must(
        store.commit(&c),
        "committing notifications after the reopen",
    );
    assert_eq!(
        ids_of(&must(store.undelivered(10), "undelivered")),
        vec![
            (T1, NotificationId::from_u128(2)),
            (T1, NotificationId::from_u128(3)),
            (T1, NotificationId::from_u128(4))
        ],
        "store conformance: durable_reopen: the outbox (delivered ids included) must survive the reopen"
    );
}

/// (Declared with [`Capabilities::durable`].) Once keys survive a reopen: a
/// commit carrying one recorded before gives `AlreadyDone`.
///
/// # Panics
/// When a key is forgotten, or the capability is not declared.
pub fn once_keys_durable<S: TicketStore>(factory: &dyn Fn() -> S, caps: &Capabilities<S>) {
    let Some(reopen) = caps.reopen else {
        panic!("store conformance: once_keys_durable needs Capabilities::durable");
    };
    let store = factory();
    let key = OnceKey::notice(NotificationId::from_u128(0x63_0000));
    let mut c = Commit::new(T1);
    c.notifications.push(agent_notification(
        T1,
        0x63_0000,
        TicketId::from_u128(0x63_0000),
    ));
    c.once.push(key.clone());
    must(store.commit(&c), "recording a once key");
    let store = reopen(store);
    match store.commit(&c) {
        Err(StoreError::AlreadyDone { key: found }) if found == key => {}
        other => panic!(
            "store conformance: once_keys_durable: {key} recorded before the reopen must give AlreadyDone after it, got {other:?}"
        ),
    }
}

/// (Declared with [`Capabilities::shared`].) Two handles on the same
/// storage, as two processes: each sees the other's commits at once,
/// compare-and-set holds across them (a stale write through one after a
/// write through the other conflicts), and the lost-update race over both
/// handles (8 threads x 50) applies every update exactly once.
///
/// # Panics
/// When the handles disagree or an update is lost, or the capability is
/// not declared.
pub fn shared_handles<S: TicketStore>(factory: &dyn Fn() -> S, caps: &Capabilities<S>) {
    let Some(second) = caps.second_handle else {
        panic!("store conformance: shared_handles needs Capabilities::shared");
    };
    let a = factory();
    let b = second(&a);
    let w = simple(T1, TicketId::from_u128(0x62_0000));
    must(
        a.commit(&commit_of(T1, vec![w.clone()])),
        "committing through the first handle",
    );
    assert_eq!(
        must(
            b.ticket(T1, w.ticket.id()),
            "ticket through the second handle"
        ),
        Some(w.ticket.clone()),
        "store conformance: shared_handles: the second handle must see the first one's commit"
    );
    let up = append(
        &w.ticket,
        at(5),
        vec![note(0x6201, AGENT_A, at(5), "through b")],
    );
    must(
        b.commit(&commit_of(T1, vec![up.clone()])),
        "updating through the second handle",
    );
    let stale = append(
        &w.ticket,
        at(6),
        vec![note(0x6202, AGENT_A, at(6), "through a")],
    );
    match a.commit(&commit_of(T1, vec![stale])) {
        Err(StoreError::Conflict { actual, .. }) if actual == Some(up.ticket.version()) => {}
        other => panic!(
            "store conformance: shared_handles: a stale write through one handle after a write through the other must conflict, got {other:?}"
        ),
    }
    let key = inbound_key(Channel::Email, "<shared@mail>");
    let mut c = Commit::new(T1);
    c.inbound.push(inbound_rec(key.clone(), w.ticket.id(), 1));
    must(a.commit(&c), "recording inbound through the first handle");
    match b.commit(&c) {
        Err(StoreError::DuplicateInbound { .. }) => {}
        other => panic!(
            "store conformance: shared_handles: an inbound key recorded through one handle must be a duplicate through the other, got {other:?}"
        ),
    }
    race(&[&a, &b], 8, 50);
}

// ---------------------------------------------------------------- due index

fn due_of<S: TicketStore + ?Sized>(
    store: &S,
    until: DateTime<Utc>,
) -> Vec<(TenantId, TicketId, DateTime<Utc>)> {
    must(store.due(until, usize::MAX), "reading the due index")
        .into_iter()
        .map(|d| (d.tenant, d.ticket, d.at))
        .collect()
}

fn with_due(tenant: TenantId, w: TicketWrite, due: Option<DateTime<Utc>>) -> Commit {
    let mut c = commit_of(tenant, vec![w.clone()]);
    c.due.push(crate::port::DueUpdate {
        ticket: w.ticket.id(),
        version: w.ticket.version(),
        at: due,
    });
    c
}

/// The due index answers tickets due by an instant, earliest first (ties
/// by tenant then ticket id), at most `limit`, and nothing after `until`.
///
/// # Panics
/// When the store breaks the rule.
pub fn due_index_order_and_limit<S: TicketStore + ?Sized>(store: &S) {
    let times = [30, 10, 20, 10, 50];
    for (i, m) in times.iter().enumerate() {
        let w = simple(T1, TicketId::from_u128(0xd0_0000 + i as u128));
        must(
            store.commit(&with_due(T1, w, Some(at(*m)))),
            "creating a due ticket",
        );
    }
    let all = due_of(store, at(40));
    let want: Vec<_> = [(10, 1u128), (10, 3), (20, 2), (30, 0)]
        .iter()
        .map(|(m, i)| (T1, TicketId::from_u128(0xd0_0000 + i), at(*m)))
        .collect();
    assert_eq!(
        all, want,
        "store conformance: due_index_order_and_limit: due by minute 40"
    );
    let two = must(store.due(at(40), 2), "reading the due index");
    assert_eq!(
        two.len(),
        2,
        "store conformance: due_index_order_and_limit: limit 2"
    );
    assert!(
        due_of(store, at(9)).is_empty(),
        "store conformance: due_index_order_and_limit: nothing due before minute 10"
    );
    assert_eq!(
        due_of(store, at(10)).len(),
        2,
        "store conformance: due_index_order_and_limit: `until` is inclusive"
    );
}

/// A later commit moves a ticket's due time or removes it (`at: None`).
///
/// # Panics
/// When the store breaks the rule.
pub fn due_index_updates_and_removals<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0xd1_0000));
    must(
        store.commit(&with_due(T1, w.clone(), Some(at(10)))),
        "creating a due ticket",
    );
    let up = append(&w.ticket, at(5), vec![note(0xd1, AGENT_A, at(5), "moved")]);
    must(
        store.commit(&with_due(T1, up.clone(), Some(at(60)))),
        "moving the due time",
    );
    assert_eq!(
        due_of(store, at(100)),
        vec![(T1, w.ticket.id(), at(60))],
        "store conformance: due_index_updates_and_removals: the new due time replaces the old"
    );
    let up2 = append(&up.ticket, at(6), vec![note(0xd2, AGENT_A, at(6), "done")]);
    must(
        store.commit(&with_due(T1, up2, None)),
        "removing the due time",
    );
    assert!(
        due_of(store, at(1000)).is_empty(),
        "store conformance: due_index_updates_and_removals: `at: None` removes the ticket from the index"
    );
}

/// A due update computed for an older version of the ticket is ignored,
/// not an error (a slower writer must not undo a newer due time).
///
/// # Panics
/// When the store breaks the rule.
pub fn due_index_ignores_stale_versions<S: TicketStore + ?Sized>(store: &S) {
    let w = simple(T1, TicketId::from_u128(0xd3_0000));
    must(
        store.commit(&with_due(T1, w.clone(), Some(at(10)))),
        "creating a due ticket",
    );
    let up = append(&w.ticket, at(5), vec![note(0xd3, AGENT_A, at(5), "newer")]);
    must(
        store.commit(&with_due(T1, up.clone(), Some(at(20)))),
        "updating",
    );
    let mut stale = Commit::new(T1);
    stale.due.push(crate::port::DueUpdate {
        ticket: w.ticket.id(),
        version: w.ticket.version(),
        at: Some(at(99)),
    });
    must(
        store.commit(&stale),
        "a stale due update is accepted and ignored",
    );
    assert_eq!(
        due_of(store, at(1000)),
        vec![(T1, w.ticket.id(), at(20))],
        "store conformance: due_index_ignores_stale_versions: the stale due time must not apply"
    );
}

/// The index spans tenants (the sweep is infrastructure) and names each
/// ticket's tenant; the same ticket id in two tenants is two entries.
///
/// # Panics
/// When the store breaks the rule.
pub fn due_index_tenants<S: TicketStore + ?Sized>(store: &S) {
    let id = TicketId::from_u128(0xd4_0000);
    must(
        store.commit(&with_due(T1, simple(T1, id), Some(at(10)))),
        "tenant 1",
    );
    must(
        store.commit(&with_due(T2, simple(T2, id), Some(at(10)))),
        "tenant 2",
    );
    let mut got = due_of(store, at(10));
    got.sort();
    let mut want = vec![(T1, id, at(10)), (T2, id, at(10))];
    want.sort();
    assert_eq!(got, want, "store conformance: due_index_tenants");
}
