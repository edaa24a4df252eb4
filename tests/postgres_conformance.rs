//! The storage conformance suite on `PostgresStore`, against the local
//! PostgreSQL server (each case in a scratch schema of its own, dropped
//! afterwards). Needs a server: see `supportdesk::testing::postgres`.
#![cfg(feature = "postgres")]

use std::sync::{Arc, LazyLock};

use supportdesk::PostgresStore;
use supportdesk::testing::conformance::{Capabilities, Executor, Guarded};
use supportdesk::testing::postgres::ScratchSchema;

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("starting the tokio runtime: {e}"))
});

/// Runs the cases on the tokio runtime sqlx needs.
struct Tokio;

impl Executor for Tokio {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        RT.block_on(future)
    }
}

type Store = Guarded<PostgresStore, Arc<ScratchSchema>>;

fn fresh() -> Store {
    let schema = ScratchSchema::new("conformance");
    let store = RT
        .block_on(schema.open(8))
        .unwrap_or_else(|e| panic!("{e}"));
    Guarded::new(store, Arc::new(schema))
}

/// Closes the pool and opens another on the same schema.
fn reopen(g: Store) -> Store {
    let (store, schema) = g.into_parts();
    let _in_runtime = RT.enter();
    let again = store.reconnect().unwrap_or_else(|e| panic!("{e}"));
    drop(store);
    Guarded::new(again, schema)
}

/// A second handle with a pool of its own, as another process would have.
fn second_handle(g: &Store) -> Store {
    let _in_runtime = RT.enter();
    let again = g.store().reconnect().unwrap_or_else(|e| panic!("{e}"));
    Guarded::new(again, Arc::clone(g.guard()))
}

supportdesk::store_conformance!(
    async postgres,
    fresh,
    Capabilities::none().durable(reopen).shared(second_handle),
    Tokio
);
