//! The example's JSON-lines store passes the whole conformance suite,
//! durability included.

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

supportdesk::store_conformance!(jsonl, fresh, Capabilities::none().durable(reopen));

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
