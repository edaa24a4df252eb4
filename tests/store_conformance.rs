//! The storage conformance suite against every store the crate ships and
//! the ways a host wraps one, through the synchronous port and the async
//! one.

use std::sync::Arc;

use supportdesk::InMemoryStore;
use supportdesk::port::{AsyncTicketStore, SyncStore, TicketStore};
use supportdesk::testing::FaultyStore;
use supportdesk::testing::conformance::{self, BlockOn, Capabilities};

supportdesk::store_conformance!(in_memory, InMemoryStore::new, Capabilities::none());

// The same cases through `InMemoryStore`'s native async implementation.
supportdesk::store_conformance!(
    async in_memory_async,
    InMemoryStore::new,
    Capabilities::none()
);

// An async store behind a trait object, with the executor named.
supportdesk::store_conformance!(
    async arc_dyn_async,
    || -> Arc<dyn AsyncTicketStore> { Arc::new(InMemoryStore::new()) },
    Capabilities::none(),
    BlockOn
);

// A synchronous store made async by hand.
supportdesk::store_conformance!(
    async sync_store_adapter,
    || SyncStore(FaultyStore::new(InMemoryStore::new())),
    Capabilities::none()
);

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

fn not_declared_without_capabilities() -> Vec<(&'static str, &'static str)> {
    vec![
        ("durable_reopen", "durable (Capabilities::durable)"),
        ("shared_handles", "shared storage (Capabilities::shared)"),
        ("once_keys_durable", "durable (Capabilities::durable)"),
    ]
}

#[test]
fn run_all_reports_every_case() {
    let report = conformance::run_all(&InMemoryStore::new, &Capabilities::none());
    assert_eq!(
        report.ran.len() + report.not_declared.len(),
        conformance::CASES.len()
    );
    assert_eq!(report.not_declared, not_declared_without_capabilities());
}

#[test]
fn run_all_async_runs_the_whole_suite_on_the_native_async_store() {
    let report = conformance::run_all_async(&InMemoryStore::new, &Capabilities::none(), &BlockOn);
    let ran: Vec<&str> = conformance::CASES
        .iter()
        .map(|c| c.name)
        .filter(|n| {
            !not_declared_without_capabilities()
                .iter()
                .any(|(d, _)| d == n)
        })
        .collect();
    assert_eq!(report.ran, ran);
    assert_eq!(report.not_declared, not_declared_without_capabilities());
}

#[test]
fn case_names_are_unique_and_name_their_needs() {
    let mut names: Vec<&str> = conformance::CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), conformance::CASES.len());
    for case in conformance::CASES {
        let durable = case.name.contains("durable");
        assert_eq!(
            case.needs == conformance::Needs::Durable,
            durable,
            "{case:?}"
        );
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use supportdesk::port::SyncStore;
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

    // The file-based store through the async port, reopen and second
    // handle included.
    supportdesk::store_conformance!(
        async on_a_file_async,
        || SyncStore(on_a_temp_file()),
        Capabilities::none()
            .durable(|s: SyncStore<TempSqlite>| SyncStore(reopen(s.0)))
            .shared(|s: &SyncStore<TempSqlite>| SyncStore(second_handle(&s.0)))
    );
}
