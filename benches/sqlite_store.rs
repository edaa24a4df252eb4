//! SqliteStore against raw rusqlite doing the same work in the same run.
//!
//! - `commands/*`: a ticket's life through `Desk` — open it by `receive`,
//!   an agent reply, solve — three commands per iteration, each with its
//!   notifications dispatched and marked delivered. `raw` replays, with
//!   hand-written rusqlite on the same schema, exactly the store calls the
//!   desk makes for the same commands (recorded from a desk over an
//!   in-memory store outside the timing): the same selects (decoded with
//!   serde_json), the same inserts and updates of the same rows (encoded
//!   with serde_json), in the same transactions.
//! - `load/*`: one ticket by id, at random among 1,000: through `Desk`
//!   (pooled read connections, and a connection per call), and raw
//!   (a prepared select plus serde_json decoding, and the select alone).
//!
//! Run: `cargo bench --bench sqlite_store --features sqlite`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, CustomerId, NotificationId, TenantId, TicketId};
use supportdesk::notification::Notification;
use supportdesk::port::{
    Commit, ExpectedVersion, InboundKey, InboundRecord, Notifier, NotifyError, OutboxEntry, Page,
    StoreError, TicketOrder, TicketQuery, TicketStore,
};
use supportdesk::store::{Durability, SqliteOptions, SqliteStore};
use supportdesk::testing::{ManualClock, SequentialIds};
use supportdesk::ticket::{Command, Event, StoredEvent, Ticket};
use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Status};

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
/// Customers writing in, in turn.
const CUSTOMERS: u64 = 64;

#[derive(Debug, Default)]
struct NullNotifier;

impl Notifier for NullNotifier {
    fn notify(&self, _: &Notification) -> Result<(), NotifyError> {
        Ok(())
    }
}

type BenchDesk<S> = Desk<S, NullNotifier, ManualClock>;

fn desk<S: TicketStore>(store: S) -> BenchDesk<S> {
    let clock = ManualClock::at("2026-03-02T09:00:00Z").expect("a time");
    Desk::new(store, NullNotifier, clock).with_ids(SequentialIds::new())
}

fn identity(n: u64) -> Identity {
    Identity::email(&format!("customer{n}@example.com")).expect("an email")
}

/// One iteration: open a ticket by receiving a message, reply, solve.
fn life<S: TicketStore>(d: &BenchDesk<S>, n: u64) {
    d.clock().advance(chrono::Duration::seconds(1));
    let r = d
        .receive(
            SHOP,
            Inbound::new(
                identity(n % CUSTOMERS),
                Channel::Email,
                "Where is my parcel?",
            ),
        )
        .expect("receive");
    debug_assert!(r.opened);
    d.clock().advance(chrono::Duration::seconds(1));
    d.execute(SHOP, r.ticket, Command::agent_reply(BOB, "It ships today."))
        .expect("reply");
    d.clock().advance(chrono::Duration::seconds(1));
    let out = d
        .execute(SHOP, r.ticket, Command::status(Status::Solved))
        .expect("solve");
    black_box(out);
}

// ---------------------------------------------------------------------------
// Recording the store calls of a desk, to replay them raw.

#[derive(Debug, Clone)]
enum Op {
    Ticket(TicketId),
    CustomerByIdentity(Identity),
    Query(TicketQuery),
    Commit(Commit),
    MarkDelivered(NotificationId),
}

#[derive(Debug, Default)]
struct Recording {
    inner: InMemoryStore,
    ops: Mutex<Vec<Op>>,
}

impl Recording {
    fn push(&self, op: Op) {
        self.ops.lock().expect("ops").push(op);
    }
    fn take(&self) -> Vec<Op> {
        std::mem::take(&mut *self.ops.lock().expect("ops"))
    }
}

impl TicketStore for Recording {
    fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.push(Op::Ticket(id));
        self.inner.ticket(tenant, id)
    }
    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        self.push(Op::Commit(commit.clone()));
        self.inner.commit(commit)
    }
    fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
        unreachable!("{tenant} {id}: not used by the commands")
    }
    fn query(&self, tenant: TenantId, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        self.push(Op::Query(query.clone()));
        self.inner.query(tenant, query)
    }
    fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        unreachable!("{tenant} {id}: not used by the commands")
    }
    fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<Customer>, StoreError> {
        self.push(Op::CustomerByIdentity(identity.clone()));
        self.inner.customer_by_identity(tenant, identity)
    }
    fn inbound(
        &self,
        tenant: TenantId,
        key: &InboundKey,
    ) -> Result<Option<InboundRecord>, StoreError> {
        unreachable!("{tenant} {key:?}: not used by the commands")
    }
    fn undelivered(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        unreachable!("{limit}: not used by the commands")
    }
    fn mark_delivered(&self, tenant: TenantId, id: NotificationId) -> Result<(), StoreError> {
        self.push(Op::MarkDelivered(id));
        self.inner.mark_delivered(tenant, id)
    }
    fn record_failure(
        &self,
        tenant: TenantId,
        id: NotificationId,
        e: &str,
    ) -> Result<(), StoreError> {
        unreachable!("{tenant} {id} {e}: not used by the commands")
    }
    fn due(
        &self,
        until: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<supportdesk::port::DueTicket>, StoreError> {
        unreachable!("{until} {limit}: not used by the commands")
    }
}

// ---------------------------------------------------------------------------
// Raw rusqlite: the same statements, written by hand.

struct Raw {
    conn: Connection,
}

fn id(u: &uuid::Uuid) -> &[u8] {
    u.as_bytes()
}

fn ns(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_nanos_opt().expect("a time in range")
}

impl Raw {
    /// A connection on a database whose schema `SqliteStore` created, set
    /// up as `SqliteStore` sets up its own.
    fn open(path: &Path, durability: Durability) -> Raw {
        drop(SqliteStore::open(path).expect("creating the schema"));
        let conn = Connection::open(path).expect("opening raw");
        conn.busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        let sync = match durability {
            Durability::Full => "FULL",
            _ => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync};"
        ))
        .expect("pragmas");
        Raw { conn }
    }

    fn replay(&mut self, op: &Op) {
        let t = id(SHOP.as_uuid());
        match op {
            Op::Ticket(ticket) => {
                let text: Option<String> = self
                    .conn
                    .prepare_cached("SELECT state FROM tickets WHERE tenant = ?1 AND id = ?2")
                    .and_then(|mut s| {
                        s.query_row(params![t, id(ticket.as_uuid())], |r| r.get(0))
                            .optional()
                    })
                    .expect("select ticket");
                let ticket: Ticket =
                    serde_json::from_str(&text.expect("the ticket")).expect("decode");
                black_box(ticket);
            }
            Op::CustomerByIdentity(identity) => {
                let text: Option<String> = self
                    .conn
                    .prepare_cached(
                        "SELECT c.body FROM identities i JOIN customers c ON c.tenant = i.tenant AND c.id = i.customer
                         WHERE i.tenant = ?1 AND i.identity = ?2",
                    )
                    .and_then(|mut s| s.query_row(params![t, identity.key()], |r| r.get(0)).optional())
                    .expect("select customer");
                let c: Option<Customer> = text.map(|b| serde_json::from_str(&b).expect("decode"));
                black_box(c);
            }
            Op::Query(q) => {
                // The desk's one query: the customer's latest unsolved ticket.
                assert!(q.order == TicketOrder::UpdatedDesc && q.statuses.len() == 4);
                let customer = q.customer.expect("a customer filter");
                let mut s = self
                    .conn
                    .prepare_cached(
                        "SELECT state FROM tickets WHERE tenant = ? AND status IN (?, ?, ?, ?) AND customer = ?
                         ORDER BY updated_at DESC, id DESC LIMIT ?",
                    )
                    .expect("prepare query");
                let limit = q.effective_limit() as i64 + 1;
                let rows = s
                    .query_map(
                        params![
                            t,
                            q.statuses[0].as_str(),
                            q.statuses[1].as_str(),
                            q.statuses[2].as_str(),
                            q.statuses[3].as_str(),
                            id(customer.as_uuid()),
                            limit
                        ],
                        |r| r.get::<_, String>(0),
                    )
                    .expect("query");
                for row in rows {
                    let ticket: Ticket = serde_json::from_str(&row.expect("row")).expect("decode");
                    black_box(ticket);
                }
            }
            Op::Commit(c) => {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .expect("begin");
                for w in &c.tickets {
                    let k = &w.ticket;
                    let state = serde_json::to_string(k).expect("encode");
                    let assignee = k.assignee();
                    let assignee = assignee.as_ref().map(|a| id(a.as_uuid()));
                    match w.expected {
                        ExpectedVersion::New => {
                            tx.prepare_cached(
                                "INSERT INTO tickets (tenant, id, version, status, assignee, customer, channel, created_at, updated_at, state)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                            )
                            .and_then(|mut s| {
                                s.execute(params![
                                    t,
                                    id(k.id().as_uuid()),
                                    k.version() as i64,
                                    k.status().as_str(),
                                    assignee,
                                    id(k.customer().as_uuid()),
                                    k.channel().as_str(),
                                    ns(k.created_at()),
                                    ns(k.updated_at()),
                                    state
                                ])
                            })
                            .expect("insert ticket");
                        }
                        ExpectedVersion::Version(v) => {
                            let n = tx
                                .prepare_cached(
                                    "UPDATE tickets SET version = ?3, status = ?4, assignee = ?5, customer = ?6, channel = ?7,
                                            created_at = ?8, updated_at = ?9, state = ?10
                                     WHERE tenant = ?1 AND id = ?2 AND version = ?11",
                                )
                                .and_then(|mut s| {
                                    s.execute(params![
                                        t,
                                        id(k.id().as_uuid()),
                                        k.version() as i64,
                                        k.status().as_str(),
                                        assignee,
                                        id(k.customer().as_uuid()),
                                        k.channel().as_str(),
                                        ns(k.created_at()),
                                        ns(k.updated_at()),
                                        state,
                                        v as i64
                                    ])
                                })
                                .expect("update ticket");
                            assert_eq!(n, 1);
                            let tags: Vec<String> = tx
                                .prepare_cached(
                                    "SELECT tag FROM ticket_tags WHERE tenant = ?1 AND ticket = ?2",
                                )
                                .and_then(|mut s| {
                                    s.query_map(params![t, id(k.id().as_uuid())], |r| r.get(0))?
                                        .collect()
                                })
                                .expect("select tags");
                            black_box(tags);
                        }
                    }
                    let mut s = tx
                        .prepare_cached(
                            "INSERT INTO events (tenant, ticket, sequence, at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                        )
                        .expect("prepare event");
                    for e in &w.events {
                        s.execute(params![
                            t,
                            id(e.ticket.as_uuid()),
                            e.sequence as i64,
                            ns(e.at),
                            serde_json::to_string(&StoredEvent::new(e)).expect("encode")
                        ])
                        .expect("insert event");
                    }
                }
                for w in &c.customers {
                    assert_eq!(w.expected, ExpectedVersion::New);
                    let cust = &w.customer;
                    tx.prepare_cached(
                        "INSERT INTO customers (tenant, id, version, body) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            t,
                            id(cust.id.as_uuid()),
                            cust.version as i64,
                            serde_json::to_string(cust).expect("encode")
                        ])
                    })
                    .expect("insert customer");
                    for i in &cust.identities {
                        tx.prepare_cached("INSERT INTO identities (tenant, identity, customer) VALUES (?1, ?2, ?3)")
                            .and_then(|mut s| s.execute(params![t, i.key(), id(cust.id.as_uuid())]))
                            .expect("insert identity");
                    }
                }
                let mut s = tx
                    .prepare_cached(
                        "INSERT INTO outbox (tenant, id, body) VALUES (?1, ?2, ?3) ON CONFLICT (tenant, id) DO NOTHING",
                    )
                    .expect("prepare outbox");
                for n in &c.notifications {
                    s.execute(params![
                        t,
                        id(n.id.as_uuid()),
                        serde_json::to_string(n).expect("encode")
                    ])
                    .expect("insert notification");
                }
                drop(s);
                tx.commit().expect("commit");
            }
            Op::MarkDelivered(n) => {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .expect("begin");
                let changed = tx
                    .prepare_cached("UPDATE outbox SET delivered = 1 WHERE tenant = ?1 AND id = ?2")
                    .and_then(|mut s| s.execute(params![t, id(n.as_uuid())]))
                    .expect("mark delivered");
                assert_eq!(changed, 1);
                tx.commit().expect("commit");
            }
        }
    }
}

// ---------------------------------------------------------------------------

fn commands(c: &mut Criterion) {
    for (name, durability) in [
        ("full", Durability::Full),
        ("process_crash", Durability::ProcessCrash),
    ] {
        let mut g = c.benchmark_group(format!("commands_{name}"));
        g.throughput(Throughput::Elements(3));
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(6));

        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open_with(
            dir.path().join("desk.db"),
            SqliteOptions::default().durability(durability),
        )
        .expect("open");
        let ours = desk(store);
        let mut n = 0u64;
        g.bench_function("desk", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    life(&ours, n);
                    n += 1;
                }
                start.elapsed()
            })
        });

        let mut raw = Raw::open(&dir.path().join("raw.db"), durability);
        let recorder = desk(Recording::default());
        let mut m = 0u64;
        g.bench_function("raw_rusqlite", |b| {
            b.iter_custom(|iters| {
                // The same commands on the recorder, outside the timing.
                for _ in 0..iters {
                    life(&recorder, m);
                    m += 1;
                }
                let ops = recorder.store().take();
                let start = Instant::now();
                for op in &ops {
                    raw.replay(op);
                }
                start.elapsed()
            })
        });
        g.finish();
    }
}

fn loads(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Elements(1));
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("desk.db");
    let ids: Vec<TicketId> = {
        let store = SqliteStore::open_with(
            &path,
            SqliteOptions::default().durability(Durability::ProcessCrash),
        )
        .expect("open");
        let d = desk(store);
        (0..1000u64)
            .map(|n| {
                let r = d
                    .receive(
                        SHOP,
                        Inbound::new(identity(n), Channel::Email, "Where is my parcel?"),
                    )
                    .expect("receive");
                d.execute(SHOP, r.ticket, Command::agent_reply(BOB, "It ships today."))
                    .expect("reply");
                r.ticket
            })
            .collect()
    };
    let mut pick = 0usize;
    let mut next = move || {
        pick = (pick + 7919) % ids.len();
        ids[pick]
    };

    let pooled = desk(SqliteStore::open(&path).expect("open"));
    g.bench_function("desk_pooled_readers", |b| {
        b.iter(|| black_box(pooled.ticket(SHOP, next()).expect("load")))
    });
    let per_call = desk(
        SqliteStore::open_with(&path, SqliteOptions::default().idle_readers(0)).expect("open"),
    );
    g.bench_function("desk_connection_per_call", |b| {
        b.iter(|| black_box(per_call.ticket(SHOP, next()).expect("load")))
    });
    let raw = Connection::open(&path).expect("raw");
    let select = |ticket: TicketId| -> String {
        raw.prepare_cached("SELECT state FROM tickets WHERE tenant = ?1 AND id = ?2")
            .and_then(|mut s| {
                s.query_row(params![id(SHOP.as_uuid()), id(ticket.as_uuid())], |r| {
                    r.get(0)
                })
            })
            .expect("select")
    };
    g.bench_function("raw_rusqlite_decoded", |b| {
        b.iter(|| {
            let t: Ticket = serde_json::from_str(&select(next())).expect("decode");
            black_box(t)
        })
    });
    g.bench_function("raw_rusqlite_bytes_only", |b| {
        b.iter(|| black_box(select(next())))
    });
    g.finish();
}

criterion_group!(benches, commands, loads);
criterion_main!(benches);
