//! The storage conformance suite against every store the crate ships and
//! the ways a host wraps one.

use std::sync::Arc;

use supportdesk::InMemoryStore;
use supportdesk::port::TicketStore;
use supportdesk::testing::FaultyStore;
use supportdesk::testing::conformance::{self, Capabilities};

supportdesk::store_conformance!(in_memory, InMemoryStore::new, Capabilities::none());

supportdesk::store_conformance!(
    boxed_dyn,
    || -> Box<dyn TicketStore> { Box::new(InMemoryStore::new()) },
    Capabilities::none()
);

supportdesk::store_conformance!(
    arc_dyn,
    || -> Arc<dyn TicketStore> { Arc::new(InMemoryStore::new()) },
    Capabilities::none()
);

supportdesk::store_conformance!(
    faulty_without_faults,
    || FaultyStore::new(InMemoryStore::new()),
    Capabilities::none()
);

#[test]
fn run_all_reports_every_case() {
    let report = conformance::run_all(&InMemoryStore::new, &Capabilities::none());
    assert_eq!(
        report.ran.len() + report.not_declared.len(),
        conformance::CASES.len()
    );
    assert_eq!(
        report.not_declared,
        vec![
            ("durable_reopen", "durable (Capabilities::durable)"),
            ("shared_handles", "shared storage (Capabilities::shared)"),
            ("once_keys_durable", "durable (Capabilities::durable)")
        ]
    );
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use supportdesk::store::SqliteStore;
    use supportdesk::testing::conformance::{Capabilities, Guarded};
    use tempfile::TempDir;

    /// A store on a file in its own temporary directory, removed with it.
    type TempSqlite = Guarded<SqliteStore, TempDir>;

    fn on_a_temp_file() -> TempSqlite {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path().join("desk.db")).expect("opening sqlite");
        Guarded::new(store, dir)
    }

    /// Closes the store and opens its file again.
    fn reopen(s: TempSqlite) -> TempSqlite {
        let (store, dir) = s.into_parts();
        drop(store);
        let store = SqliteStore::open(dir.path().join("desk.db")).expect("reopening sqlite");
        Guarded::new(store, dir)
    }

    /// Another handle on the same file, as another process would open it
    /// (the directory stays with the first).
    fn second_handle(s: &TempSqlite) -> TempSqlite {
        let path = s.guard().path().join("desk.db");
        let store = SqliteStore::open(path).expect("opening a second handle");
        Guarded::new(store, tempfile::tempdir().expect("a temporary directory"))
    }

    supportdesk::store_conformance!(
        on_a_file,
        on_a_temp_file,
        Capabilities::none().durable(reopen).shared(second_handle)
    );

    supportdesk::store_conformance!(
        in_memory,
        || SqliteStore::in_memory().expect("an in-memory sqlite store"),
        Capabilities::none()
    );
}
