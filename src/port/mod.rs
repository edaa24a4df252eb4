//! Ports: the traits a host implements to plug the desk into its storage,
//! its notification transport and its clock.
//!
//! All three are small, synchronous, object-safe and `Send + Sync + Debug`,
//! and are implemented for `&T`, `Box<T>` and `Arc<T>` so a host can share
//! one store between several desks.

mod async_store;
mod clock;
mod forward;
mod notify;
mod store;

pub(crate) use async_store::async_via_sync;
pub use async_store::{AsyncNotifier, AsyncTicketStore, BoxFuture, SyncNotifier, SyncStore};
pub use clock::{Clock, SystemClock};
pub use forward::{StoreCall, StoreOp};
pub use notify::{Notifier, NotifyError};
pub use store::{
    Commit, Cursor, CustomerWrite, DueTicket, DueUpdate, Entity, ExpectedVersion, InboundKey,
    InboundRecord, OnceKey, OutboxEntry, Page, StoreError, TicketOrder, TicketQuery, TicketStore,
    TicketWrite,
};

/// What [`forward_ticket_store!`](crate::forward_ticket_store) names from
/// other crates (not part of the API).
#[doc(hidden)]
pub mod __private {
    pub use chrono::{DateTime, Utc};
}
