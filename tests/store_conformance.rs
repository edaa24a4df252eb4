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
            ("shared_handles", "shared storage (Capabilities::shared)")
        ]
    );
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::path::PathBuf;

    use supportdesk::customer::{Customer, Identity};
    use supportdesk::id::{CustomerId, NotificationId, TenantId, TicketId};
    use supportdesk::port::{
        Commit, InboundKey, InboundRecord, OutboxEntry, Page, StoreError, TicketQuery, TicketStore,
    };
    use supportdesk::store::SqliteStore;
    use supportdesk::testing::conformance::Capabilities;
    use supportdesk::ticket::{Event, Ticket};

    /// A store on a file in its own temporary directory, removed with it.
    #[derive(Debug)]
    pub struct TempSqlite {
        store: SqliteStore,
        dir: tempfile::TempDir,
    }

    impl TempSqlite {
        pub fn new() -> Self {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let store = SqliteStore::open(dir.path().join("desk.db")).expect("opening sqlite");
            TempSqlite { store, dir }
        }

        fn path(&self) -> PathBuf {
            self.dir.path().join("desk.db")
        }

        /// Closes the store and opens the file again.
        pub fn reopen(self) -> Self {
            let path = self.path();
            drop(self.store);
            let store = SqliteStore::open(path).expect("reopening sqlite");
            TempSqlite {
                store,
                dir: self.dir,
            }
        }

        /// Another handle on the same file, as another process would open
        /// it (the directory stays with the first).
        pub fn second_handle(&self) -> Self {
            let store = SqliteStore::open(self.path()).expect("opening a second handle");
            let dir = tempfile::tempdir().expect("a temporary directory");
            TempSqlite { store, dir }
        }
    }

    impl TicketStore for TempSqlite {
        fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError> {
            self.store.ticket(tenant, id)
        }
        fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
            self.store.commit(commit)
        }
        fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
            self.store.events(tenant, id)
        }
        fn query(&self, tenant: TenantId, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
            self.store.query(tenant, query)
        }
        fn customer(
            &self,
            tenant: TenantId,
            id: CustomerId,
        ) -> Result<Option<Customer>, StoreError> {
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
    }

    supportdesk::store_conformance!(
        on_a_file,
        TempSqlite::new,
        Capabilities::none()
            .durable(TempSqlite::reopen)
            .shared(TempSqlite::second_handle)
    );

    supportdesk::store_conformance!(
        in_memory,
        || SqliteStore::in_memory().expect("an in-memory sqlite store"),
        Capabilities::none()
    );
}
