//! PostgreSQL for the tests (feature `postgres`): one tokio runtime, scratch
//! schemas, and the async store used through the synchronous port.

use std::sync::{Arc, LazyLock};

use supportdesk::PostgresStore;
use supportdesk::testing::conformance::Executor;
use supportdesk::testing::postgres::ScratchSchema;

/// The runtime sqlx runs on in the tests.
pub static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("starting the tokio runtime: {e}"))
});

/// Runs futures on [`RT`].
#[derive(Debug, Clone, Copy)]
pub struct Tokio;

impl Executor for Tokio {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        RT.block_on(future)
    }
}

/// A store in a new scratch schema (dropped with the returned guard);
/// panics with how to start a server when none answers.
pub fn fresh(label: &str, connections: u32) -> (PostgresStore, Arc<ScratchSchema>) {
    let schema = ScratchSchema::new(label);
    let store = RT
        .block_on(schema.open(connections))
        .unwrap_or_else(|e| panic!("{e}"));
    (store, Arc::new(schema))
}

/// A [`PostgresStore`] used through the synchronous port, each call run to
/// completion on [`RT`] (for tests written against `TicketStore`).
#[derive(Debug, Clone)]
pub struct BlockingPg {
    pub store: PostgresStore,
    pub schema: Arc<ScratchSchema>,
}

impl BlockingPg {
    pub fn fresh(label: &str) -> Self {
        let (store, schema) = fresh(label, 4);
        BlockingPg { store, schema }
    }
}

supportdesk::forward_ticket_store! {
    impl[] TicketStore for BlockingPg {
        async_inner(this) = &this.store;
        block_on(future) = RT.block_on(future);
    }
}
