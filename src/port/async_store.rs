//! The asynchronous ports: [`AsyncTicketStore`] and [`AsyncNotifier`], for
//! hosts whose storage and transports are async (sqlx, tokio-postgres, an
//! HTTP mail API). [`AsyncDesk`](crate::AsyncDesk) drives the same planner
//! over them as [`Desk`](crate::Desk) does over the synchronous ports.
//!
//! The methods return boxed futures ([`BoxFuture`]), so the traits stay
//! object-safe (`Arc<dyn AsyncTicketStore>` works) and need no runtime: the
//! futures are `Send`, and the library never spawns, sleeps or blocks on
//! them itself.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, NotificationId, TenantId, TicketId};
use crate::model::notification::Notification;
#[cfg(doc)]
use crate::port::TicketStore;
use crate::port::{
    Commit, DueTicket, InboundKey, InboundRecord, Notifier, NotifyError, OutboxClaim, OutboxEntry, Page,
    StoreError, TicketQuery,
};
use crate::ticket::{Event, Ticket};

/// A boxed, `Send` future: what the async ports return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The asynchronous storage port: the same operations, with the same
/// contract, as [`TicketStore`] (each method's `# Contract` there applies
/// word for word), returning futures.
///
/// Implement it for a store whose I/O is async. A synchronous store becomes
/// one with [`SyncStore`]; [`InMemoryStore`](crate::InMemoryStore)
/// implements both ports. The storage conformance suite
/// ([`testing::conformance`](crate::testing::conformance)) checks async
/// stores with the same cases as synchronous ones.
pub trait AsyncTicketStore: Send + Sync + Debug {
    /// See [`TicketStore::ticket`].
    fn ticket(
        &self,
        tenant: TenantId,
        id: TicketId,
    ) -> BoxFuture<'_, Result<Option<Ticket>, StoreError>>;
    /// See [`TicketStore::commit`].
    fn commit<'a>(&'a self, commit: &'a Commit) -> BoxFuture<'a, Result<(), StoreError>>;
    /// See [`TicketStore::events`].
    fn events(
        &self,
        tenant: TenantId,
        id: TicketId,
    ) -> BoxFuture<'_, Result<Vec<Event>, StoreError>>;
    /// See [`TicketStore::query`].
    fn query<'a>(
        &'a self,
        tenant: TenantId,
        query: &'a TicketQuery,
    ) -> BoxFuture<'a, Result<Page<Ticket>, StoreError>>;
    /// See [`TicketStore::customer`].
    fn customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> BoxFuture<'_, Result<Option<Customer>, StoreError>>;
    /// See [`TicketStore::customer_by_identity`].
    fn customer_by_identity<'a>(
        &'a self,
        tenant: TenantId,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<Option<Customer>, StoreError>>;
    /// See [`TicketStore::inbound`].
    fn inbound<'a>(
        &'a self,
        tenant: TenantId,
        key: &'a InboundKey,
    ) -> BoxFuture<'a, Result<Option<InboundRecord>, StoreError>>;
    /// See [`TicketStore::undelivered`].
    fn undelivered(&self, limit: usize) -> BoxFuture<'_, Result<Vec<OutboxEntry>, StoreError>>;
    /// See [`TicketStore::mark_delivered`].
    fn mark_delivered(
        &self,
        tenant: TenantId,
        id: NotificationId,
    ) -> BoxFuture<'_, Result<(), StoreError>>;
    /// See [`TicketStore::record_failure`].
    fn record_failure<'a>(
        &'a self,
        tenant: TenantId,
        id: NotificationId,
        error: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// See [`TicketStore::due`].
    fn due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<DueTicket>, StoreError>>;
    /// See [`TicketStore::claim`] (the same default: `undelivered`, no
    /// lease).
    fn claim<'a>(
        &'a self,
        claim: &'a OutboxClaim,
    ) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>> {
        self.undelivered(claim.limit)
    }
    /// See [`TicketStore::mark_delivered_at`] (the same default:
    /// `mark_delivered`, no time kept).
    fn mark_delivered_at(
        &self,
        tenant: TenantId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        let _ = at;
        self.mark_delivered(tenant, id)
    }
    /// See [`TicketStore::prune_delivered`] (the same default: deletes
    /// nothing).
    fn prune_delivered(
        &self,
        delivered_before: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'_, Result<usize, StoreError>> {
        let _ = (delivered_before, limit);
        Box::pin(std::future::ready(Ok(0)))
    }
}

/// Implements [`AsyncTicketStore`] for a type by calling its
/// [`TicketStore`] methods, each to completion inside the returned future
/// (a shorthand for the `sync_inner` form of
/// [`forward_ticket_store!`](crate::forward_ticket_store)).
macro_rules! async_via_sync {
    (<$($g:ident),*> $ty:ty, $inner:ident => $expr:expr) => {
        $crate::forward_ticket_store! {
            impl[$($g: $crate::port::TicketStore),*] AsyncTicketStore for $ty {
                sync_inner($inner) = $expr;
            }
        }
    };
}
pub(crate) use async_via_sync;

/// A synchronous [`TicketStore`] used as an [`AsyncTicketStore`]: each call
/// runs to completion when its future is first polled.
///
/// Right for stores whose calls do not wait on I/O for long (in memory, a
/// local SQLite file on a host that accepts short blocking). A store that
/// blocks for long belongs on the host's blocking pool
/// (`tokio::task::spawn_blocking`) or behind a native async implementation.
///
/// ```
/// use supportdesk::InMemoryStore;
/// use supportdesk::port::{AsyncTicketStore, SyncStore};
/// use supportdesk::id::{TenantId, TicketId};
///
/// let store = SyncStore(InMemoryStore::new());
/// let found = supportdesk::testing::block_on(store.ticket(TenantId::from_u128(1), TicketId::from_u128(2)))?;
/// assert!(found.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SyncStore<S>(pub S);

async_via_sync!(<S> SyncStore<S>, s => &s.0);

crate::forward_ticket_store! {
    impl[T: AsyncTicketStore + ?Sized] AsyncTicketStore for &T {
        inner(this) = &**this;
    }
}
crate::forward_ticket_store! {
    impl[T: AsyncTicketStore + ?Sized] AsyncTicketStore for Box<T> {
        inner(this) = &**this;
    }
}
crate::forward_ticket_store! {
    impl[T: AsyncTicketStore + ?Sized] AsyncTicketStore for Arc<T> {
        inner(this) = &**this;
    }
}

/// The asynchronous notification port: [`Notifier`] with a future. The same
/// contract (accept means accepted; at-least-once, deduplicate on the id).
/// A synchronous notifier becomes one with [`SyncNotifier`].
pub trait AsyncNotifier: Send + Sync + Debug {
    /// Sends one notification.
    fn notify<'a>(
        &'a self,
        notification: &'a Notification,
    ) -> BoxFuture<'a, Result<(), NotifyError>>;
}

/// A synchronous [`Notifier`] used as an [`AsyncNotifier`] (the call runs
/// when the future is first polled).
#[derive(Debug, Clone, Default)]
pub struct SyncNotifier<N>(pub N);

impl<N: Notifier> AsyncNotifier for SyncNotifier<N> {
    fn notify<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move { self.0.notify(n) })
    }
}

macro_rules! forward_async_notifier {
    ($($ty:ty),*) => {$(
        impl<T: AsyncNotifier + ?Sized> AsyncNotifier for $ty {
            fn notify<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), NotifyError>> {
                (**self).notify(n)
            }
        }
    )*};
}

forward_async_notifier!(&T, Box<T>, Arc<T>);
