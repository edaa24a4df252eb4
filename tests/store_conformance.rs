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
