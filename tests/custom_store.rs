//! The example's JSON-lines store passes the whole conformance suite,
//! durability included. It keeps the port's defaults for the outbox lease
//! and retention methods (one dispatcher, delivered notifications kept), so
//! it opts out of those cases, which report themselves `NOT RUN`.

#[allow(dead_code)]
#[path = "../examples/custom_store.rs"]
mod custom_store;

use std::io::Write;

use custom_store::jsonl::JsonlStore;
use supportdesk::port::TicketStore;
use supportdesk::testing::TicketBuilder;
use supportdesk::testing::conformance::{Capabilities, Guarded};
use tempfile::TempDir;

type TempJsonl = Guarded<JsonlStore, TempDir>;

fn fresh() -> TempJsonl {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = JsonlStore::open(dir.path().join("desk.jsonl")).expect("opening the log");
    Guarded::new(store, dir)
}

fn reopen(s: TempJsonl) -> TempJsonl {
    let (store, dir) = s.into_parts();
    drop(store);
    let store = JsonlStore::open(dir.path().join("desk.jsonl")).expect("replaying the log");
    Guarded::new(store, dir)
}

supportdesk::store_conformance!(
    jsonl,
    fresh,
    Capabilities::none()
        .durable(reopen)
        .without_leases()
        .without_retention()
);

#[test]
fn the_opted_out_cases_are_reported_not_run() {
    let caps = Capabilities::none()
        .durable(reopen)
        .without_leases()
        .without_retention();
    let report = supportdesk::testing::conformance::run_all(&fresh, &caps);
    let not_run: Vec<&str> = report.not_declared.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        not_run,
        [
            "shared_handles",
            "outbox_claims_lease_entries",
            "outbox_claims_expire",
            "outbox_commit_leases",
            "outbox_concurrent_claims_are_disjoint",
            "outbox_retention_prunes_old_deliveries",
        ]
    );
    assert!(
        report.not_declared[1].1.contains("without_leases"),
        "{:?}",
        report.not_declared
    );
    assert_eq!(
        report.ran.len() + report.not_declared.len(),
        supportdesk::testing::conformance::CASES.len()
    );
}

#[test]
fn a_torn_last_line_is_dropped_on_open() {
    let s = fresh();
    let b = TicketBuilder::new();
    let c = supportdesk::port::Commit::new(b.build().tenant()).ticket(
        supportdesk::port::TicketWrite::new(
            supportdesk::port::ExpectedVersion::New,
            b.build(),
            b.events(),
        ),
    );
    s.commit(&c).expect("commit");
    let (store, dir) = s.into_parts();
    let path = store.path().to_path_buf();
    drop(store);
    // A crash in the middle of the next append.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("the log");
    f.write_all(b"{\"op\":\"commit\",\"commit\":{\"ten")
        .expect("a torn line");
    drop(f);
    let store = JsonlStore::open(&path).expect("replaying a log with a torn line");
    assert_eq!(
        store
            .ticket(b.build().tenant(), b.build().id())
            .expect("ticket"),
        Some(b.build())
    );
    // The torn bytes are gone: the next commit is a whole line.
    store
        .commit(&supportdesk::port::Commit::new(b.build().tenant()))
        .expect("commit");
    drop(store);
    JsonlStore::open(&path).expect("replaying again");
    drop(dir);
}
