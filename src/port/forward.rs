//! Forwarding a store port to an inner store: [`forward_ticket_store!`]
//! (the one list of the port's methods every forwarder is generated from),
//! with [`StoreOp`] and [`StoreCall`] naming the call a hook wraps.
//!
//! [`forward_ticket_store!`]: crate::forward_ticket_store

use chrono::{DateTime, Utc};

use crate::customer::Identity;
use crate::id::{CustomerId, NotificationId, TenantId, TicketId};
#[cfg(doc)]
use crate::port::{AsyncTicketStore, TicketStore};
use crate::port::{Commit, InboundKey, OutboxClaim, TicketQuery};

/// A store operation: one method of [`TicketStore`] (and of
/// [`AsyncTicketStore`]), for aiming faults and for forwarding hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreOp {
    /// [`TicketStore::ticket`].
    Ticket,
    /// [`TicketStore::commit`].
    Commit,
    /// [`TicketStore::events`].
    Events,
    /// [`TicketStore::query`].
    Query,
    /// [`TicketStore::customer`].
    Customer,
    /// [`TicketStore::customer_by_identity`].
    CustomerByIdentity,
    /// [`TicketStore::inbound`].
    Inbound,
    /// [`TicketStore::undelivered`].
    Undelivered,
    /// [`TicketStore::mark_delivered`].
    MarkDelivered,
    /// [`TicketStore::record_failure`].
    RecordFailure,
    /// [`TicketStore::due`].
    Due,
    /// [`TicketStore::claim`].
    Claim,
    /// [`TicketStore::mark_delivered_at`].
    MarkDeliveredAt,
    /// [`TicketStore::prune_delivered`].
    PruneDelivered,
}

/// One call of a store port with its arguments, as a forwarding hook of
/// [`forward_ticket_store!`](crate::forward_ticket_store) sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs)] // The fields are the arguments of the method named by the variant.
pub enum StoreCall<'a> {
    /// [`TicketStore::ticket`].
    Ticket { tenant: TenantId, id: TicketId },
    /// [`TicketStore::commit`].
    Commit { commit: &'a Commit },
    /// [`TicketStore::events`].
    Events { tenant: TenantId, id: TicketId },
    /// [`TicketStore::query`].
    Query {
        tenant: TenantId,
        query: &'a TicketQuery,
    },
    /// [`TicketStore::customer`].
    Customer { tenant: TenantId, id: CustomerId },
    /// [`TicketStore::customer_by_identity`].
    CustomerByIdentity {
        tenant: TenantId,
        identity: &'a Identity,
    },
    /// [`TicketStore::inbound`].
    Inbound {
        tenant: TenantId,
        key: &'a InboundKey,
    },
    /// [`TicketStore::undelivered`].
    Undelivered { limit: usize },
    /// [`TicketStore::mark_delivered`].
    MarkDelivered {
        tenant: TenantId,
        id: NotificationId,
    },
    /// [`TicketStore::record_failure`].
    RecordFailure {
        tenant: TenantId,
        id: NotificationId,
        error: &'a str,
    },
    /// [`TicketStore::due`].
    Due { until: DateTime<Utc>, limit: usize },
    /// [`TicketStore::claim`].
    Claim { claim: &'a OutboxClaim },
    /// [`TicketStore::mark_delivered_at`].
    MarkDeliveredAt {
        tenant: TenantId,
        id: NotificationId,
        at: DateTime<Utc>,
    },
    /// [`TicketStore::prune_delivered`].
    PruneDelivered {
        delivered_before: DateTime<Utc>,
        limit: usize,
    },
}

impl StoreCall<'_> {
    /// The operation called.
    pub fn op(&self) -> StoreOp {
        match self {
            StoreCall::Ticket { .. } => StoreOp::Ticket,
            StoreCall::Commit { .. } => StoreOp::Commit,
            StoreCall::Events { .. } => StoreOp::Events,
            StoreCall::Query { .. } => StoreOp::Query,
            StoreCall::Customer { .. } => StoreOp::Customer,
            StoreCall::CustomerByIdentity { .. } => StoreOp::CustomerByIdentity,
            StoreCall::Inbound { .. } => StoreOp::Inbound,
            StoreCall::Undelivered { .. } => StoreOp::Undelivered,
            StoreCall::MarkDelivered { .. } => StoreOp::MarkDelivered,
            StoreCall::RecordFailure { .. } => StoreOp::RecordFailure,
            StoreCall::Due { .. } => StoreOp::Due,
            StoreCall::Claim { .. } => StoreOp::Claim,
            StoreCall::MarkDeliveredAt { .. } => StoreOp::MarkDeliveredAt,
            StoreCall::PruneDelivered { .. } => StoreOp::PruneDelivered,
        }
    }
}

/// Implements a store port for a wrapper by forwarding every method to an
/// inner store, optionally through a hook around each call.
///
/// The port's methods are listed once, here: adding a method to
/// [`TicketStore`] / [`AsyncTicketStore`] means adding it to this list (and
/// to [`StoreOp`] / [`StoreCall`]), and every forwarder follows.
///
/// Forms (the generic parameters go in `[...]`, the names in `(...)` are
/// yours and are bound in the expressions that follow):
///
/// - `impl[G] TicketStore for Ty { inner(this) = expr; }`: each method
///   calls the same method of the [`TicketStore`] `expr` (a reference).
/// - `impl[G] TicketStore for Ty { inner(this) = expr; around(call, forward) = hook; }`:
///   each method evaluates `hook`, in which `call` is the [`StoreCall`]
///   (the method and its arguments) and `forward()` makes the inner call;
///   `hook` returns the method's `Result` (so `?` works in it).
/// - `impl[G] TicketStore for Ty { async_inner(this) = expr; block_on(future) = run; }`:
///   each method calls the [`AsyncTicketStore`] `expr` and evaluates `run`
///   to wait for `future`.
/// - `impl[G] AsyncTicketStore for Ty { inner(this) = expr; }` and the
///   `around` form: the same over an inner [`AsyncTicketStore`] (`forward()`
///   returns the method's future, and so must `hook`).
/// - `impl[G] AsyncTicketStore for Ty { sync_inner(this) = expr; }`: each
///   method's future calls the [`TicketStore`] `expr` to completion when
///   first polled.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use supportdesk::InMemoryStore;
/// use supportdesk::port::{StoreCall, StoreError, TicketStore};
///
/// /// Counts commits, refuses them all once `limit` is reached.
/// #[derive(Debug, Default)]
/// struct Capped {
///     inner: InMemoryStore,
///     commits: AtomicU64,
///     limit: u64,
/// }
///
/// supportdesk::forward_ticket_store! {
///     impl[] TicketStore for Capped {
///         inner(this) = &this.inner;
///         around(call, forward) = {
///             if let StoreCall::Commit { .. } = call {
///                 if this.commits.fetch_add(1, Ordering::Relaxed) >= this.limit {
///                     return Err(StoreError::backend("commit limit reached"));
///                 }
///             }
///             forward()
///         };
///     }
/// }
///
/// let store = Capped { limit: 1, ..Capped::default() };
/// let tenant = supportdesk::id::TenantId::from_u128(1);
/// assert!(store.commit(&supportdesk::port::Commit::new(tenant)).is_ok());
/// assert!(store.commit(&supportdesk::port::Commit::new(tenant)).is_err());
/// assert!(store.undelivered(10)?.is_empty());
/// # Ok::<(), StoreError>(())
/// ```
#[macro_export]
macro_rules! forward_ticket_store {
    // ---- The public forms.
    (impl [$($gen:tt)*] TicketStore for $ty:ty {
        inner($this:ident) = $inner:expr;
    }) => {
        $crate::forward_ticket_store!(@list sync_plain [$($gen)*] [$ty] [$this] [$inner] [] []);
    };
    (impl [$($gen:tt)*] TicketStore for $ty:ty {
        inner($this:ident) = $inner:expr;
        around($call:ident, $forward:ident) = $around:expr;
    }) => {
        $crate::forward_ticket_store!(@list sync_around [$($gen)*] [$ty] [$this] [$inner] [$call $forward] [$around]);
    };
    (impl [$($gen:tt)*] TicketStore for $ty:ty {
        async_inner($this:ident) = $inner:expr;
        block_on($future:ident) = $run:expr;
    }) => {
        $crate::forward_ticket_store!(@list sync_blocking [$($gen)*] [$ty] [$this] [$inner] [$future] [$run]);
    };
    (impl [$($gen:tt)*] AsyncTicketStore for $ty:ty {
        inner($this:ident) = $inner:expr;
    }) => {
        $crate::forward_ticket_store!(@list async_plain [$($gen)*] [$ty] [$this] [$inner] [] []);
    };
    (impl [$($gen:tt)*] AsyncTicketStore for $ty:ty {
        inner($this:ident) = $inner:expr;
        around($call:ident, $forward:ident) = $around:expr;
    }) => {
        $crate::forward_ticket_store!(@list async_around [$($gen)*] [$ty] [$this] [$inner] [$call $forward] [$around]);
    };
    (impl [$($gen:tt)*] AsyncTicketStore for $ty:ty {
        sync_inner($this:ident) = $inner:expr;
    }) => {
        $crate::forward_ticket_store!(@list async_via_sync [$($gen)*] [$ty] [$this] [$inner] [] []);
    };

    // ---- The one list of the port's methods: name, operation, arguments,
    // what the `Result` holds.
    (@list $mode:ident $gen:tt $ty:tt $this:tt $inner:tt $names:tt $hook:tt) => {
        $crate::forward_ticket_store!(@emit $mode $gen $ty $this $inner $names $hook;
            ticket Ticket (tenant: $crate::id::TenantId, id: $crate::id::TicketId)
                -> ::core::option::Option<$crate::ticket::Ticket>;
            commit Commit (commit: &'a $crate::port::Commit) -> ();
            events Events (tenant: $crate::id::TenantId, id: $crate::id::TicketId)
                -> ::std::vec::Vec<$crate::ticket::Event>;
            query Query (tenant: $crate::id::TenantId, query: &'a $crate::port::TicketQuery)
                -> $crate::port::Page<$crate::ticket::Ticket>;
            customer Customer (tenant: $crate::id::TenantId, id: $crate::id::CustomerId)
                -> ::core::option::Option<$crate::customer::Customer>;
            customer_by_identity CustomerByIdentity
                (tenant: $crate::id::TenantId, identity: &'a $crate::customer::Identity)
                -> ::core::option::Option<$crate::customer::Customer>;
            inbound Inbound (tenant: $crate::id::TenantId, key: &'a $crate::port::InboundKey)
                -> ::core::option::Option<$crate::port::InboundRecord>;
            undelivered Undelivered (limit: usize)
                -> ::std::vec::Vec<$crate::port::OutboxEntry>;
            mark_delivered MarkDelivered
                (tenant: $crate::id::TenantId, id: $crate::id::NotificationId) -> ();
            record_failure RecordFailure
                (tenant: $crate::id::TenantId, id: $crate::id::NotificationId, error: &'a str) -> ();
            due Due (until: $crate::port::__private::DateTime<$crate::port::__private::Utc>, limit: usize)
                -> ::std::vec::Vec<$crate::port::DueTicket>;
            claim Claim (claim: &'a $crate::port::OutboxClaim)
                -> ::std::vec::Vec<$crate::port::OutboxEntry>;
            mark_delivered_at MarkDeliveredAt
                (tenant: $crate::id::TenantId, id: $crate::id::NotificationId,
                 at: $crate::port::__private::DateTime<$crate::port::__private::Utc>) -> ();
            prune_delivered PruneDelivered
                (delivered_before: $crate::port::__private::DateTime<$crate::port::__private::Utc>, limit: usize)
                -> usize;
        );
    };

    // ---- One generator per form.
    (@emit sync_plain [$($gen:tt)*] [$ty:ty] [$this:ident] [$inner:expr] [] [];
        $($m:ident $op:ident ($($a:ident : $t:ty),*) -> $r:ty;)*) => {
        impl<$($gen)*> $crate::port::TicketStore for $ty {
            $(
                #[allow(clippy::needless_lifetimes)]
                fn $m<'a>(&'a self, $($a: $t),*) -> ::core::result::Result<$r, $crate::port::StoreError> {
                    let $this = self;
                    $crate::port::TicketStore::$m($inner, $($a),*)
                }
            )*
        }
    };
    (@emit sync_around [$($gen:tt)*] [$ty:ty] [$this:ident] [$inner:expr] [$call:ident $forward:ident] [$around:expr];
        $($m:ident $op:ident ($($a:ident : $t:ty),*) -> $r:ty;)*) => {
        impl<$($gen)*> $crate::port::TicketStore for $ty {
            $(
                #[allow(clippy::needless_lifetimes)]
                fn $m<'a>(&'a self, $($a: $t),*) -> ::core::result::Result<$r, $crate::port::StoreError> {
                    let $this = self;
                    #[allow(unused_variables)]
                    let $call = $crate::port::StoreCall::$op { $($a),* };
                    #[allow(unused_variables)]
                    let $forward = || $crate::port::TicketStore::$m($inner, $($a),*);
                    $around
                }
            )*
        }
    };
    (@emit sync_blocking [$($gen:tt)*] [$ty:ty] [$this:ident] [$inner:expr] [$future:ident] [$run:expr];
        $($m:ident $op:ident ($($a:ident : $t:ty),*) -> $r:ty;)*) => {
        impl<$($gen)*> $crate::port::TicketStore for $ty {
            $(
                #[allow(clippy::needless_lifetimes)]
                fn $m<'a>(&'a self, $($a: $t),*) -> ::core::result::Result<$r, $crate::port::StoreError> {
                    let $this = self;
                    let $future = $crate::port::AsyncTicketStore::$m($inner, $($a),*);
                    $run
                }
            )*
        }
    };
    (@emit async_plain [$($gen:tt)*] [$ty:ty] [$this:ident] [$inner:expr] [] [];
        $($m:ident $op:ident ($($a:ident : $t:ty),*) -> $r:ty;)*) => {
        impl<$($gen)*> $crate::port::AsyncTicketStore for $ty {
            $(
                #[allow(clippy::needless_lifetimes)]
                fn $m<'a>(&'a self, $($a: $t),*)
                    -> $crate::port::BoxFuture<'a, ::core::result::Result<$r, $crate::port::StoreError>> {
                    let $this = self;
                    $crate::port::AsyncTicketStore::$m($inner, $($a),*)
                }
            )*
        }
    };
    (@emit async_around [$($gen:tt)*] [$ty:ty] [$this:ident] [$inner:expr] [$call:ident $forward:ident] [$around:expr];
        $($m:ident $op:ident ($($a:ident : $t:ty),*) -> $r:ty;)*) => {
        impl<$($gen)*> $crate::port::AsyncTicketStore for $ty {
            $(
                #[allow(clippy::needless_lifetimes)]
                fn $m<'a>(&'a self, $($a: $t),*)
                    -> $crate::port::BoxFuture<'a, ::core::result::Result<$r, $crate::port::StoreError>> {
                    let $this = self;
                    #[allow(unused_variables)]
                    let $call = $crate::port::StoreCall::$op { $($a),* };
                    #[allow(unused_variables)]
                    let $forward = || $crate::port::AsyncTicketStore::$m($inner, $($a),*);
                    $around
                }
            )*
        }
    };
    (@emit async_via_sync [$($gen:tt)*] [$ty:ty] [$this:ident] [$inner:expr] [] [];
        $($m:ident $op:ident ($($a:ident : $t:ty),*) -> $r:ty;)*) => {
        impl<$($gen)*> $crate::port::AsyncTicketStore for $ty {
            $(
                #[allow(clippy::needless_lifetimes)]
                fn $m<'a>(&'a self, $($a: $t),*)
                    -> $crate::port::BoxFuture<'a, ::core::result::Result<$r, $crate::port::StoreError>> {
                    let $this = self;
                    ::std::boxed::Box::pin(async move { $crate::port::TicketStore::$m($inner, $($a),*) })
                }
            )*
        }
    };
}
