//! `PostgresStore` on the local PostgreSQL server (issue 13), in one run,
//! each part in a scratch schema of its own (dropped at the end):
//!
//! 1. `command/*`: one `AsyncDesk::execute` on an existing ticket (an
//!    internal note, and an agent reply whose customer notice goes through
//!    the outbox and is delivered inline, as the desk does) against the
//!    same work written by hand with sqlx (`direct`): one transaction with
//!    the scope statement, `SELECT state`, the compare-and-set `UPDATE`,
//!    the events `INSERT ... unnest`, the outbox `INSERT` and `pg_notify`
//!    when there is a notice, `COMMIT`, then the notice marked delivered in
//!    a transaction of its own; the state, events and notices serialised
//!    as the store does (`serde_json`, `StoredEvent::new`), the decision
//!    made by the same pure `ticket::decide`. `direct_desk_shape` issues
//!    exactly the statements the desk's store calls issue (the read in a
//!    transaction of its own, the tag `DELETE` every update runs), to tell
//!    the cost of those statements from the cost of the desk's code. Every
//!    command runs on a fresh ticket (one message), created outside the
//!    timing. After criterion, a paired run prints desk/direct: rounds that
//!    time both back to back (alternating which goes first; 31 rounds of 24
//!    commands each), the median of the rounds' ratios, and the desk's
//!    store calls per command (counted by the wrapper below).
//! 2. `concurrency/*`: a batch of 64 internal notes split over 1, 2 and 4
//!    tokio tasks, each with its own `AsyncDesk` over a clone of the store
//!    (one shared pool of 8 connections), on one shared set of 8 tickets
//!    (each task picks tickets at random) or on disjoint sets (8 tickets
//!    per task, in turn). Fresh tickets for every batch, outside the
//!    timing. The conflict rate is counted by a wrapper store
//!    (`forward_ticket_store!`): `StoreError::Conflict` returned by
//!    `commit`, over commits attempted (warm-up included). After criterion,
//!    an interleaved run: 15 rounds in which the six configurations take
//!    turns batch by batch; the median throughput of each.
//! 3. `outbox/*`: 500 undelivered notices queued (outside the timing),
//!    then 1 or 4 dispatcher tasks `claim` 100 at a time under a 30 s
//!    lease and `mark_delivered_at` each, until a claim comes back empty;
//!    every delivery is recorded, and an entry delivered twice counted.
//!    After criterion, 6 rounds of one drain each by 1 and 4 dispatchers
//!    in turn; the median rate of each.
//!
//! `cargo bench --features postgres --bench postgres` (needs the server:
//! see `supportdesk::testing::postgres`; `SUPPORTDESK_TEST_DATABASE_URL`
//! names another). Warm-up 1 s and measurement 3 s per benchmark are set
//! here; the whole run takes about 2.5-3 minutes after the build.

use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use sqlx::{AssertSqlSafe, PgPool};
use supportdesk::id::{
    AgentId, CustomerId, IdGenerator, NotificationId, RandomIds, TenantId, TicketId,
};
use supportdesk::notification::Notification;
use supportdesk::port::{
    AsyncTicketStore, Commit, ExpectedVersion, Notifier, NotifyError, OutboxClaim, StoreCall,
    StoreError, StoreOp, SyncNotifier, TicketWrite,
};
use supportdesk::testing::ManualClock;
use supportdesk::testing::postgres::ScratchSchema;
use supportdesk::ticket::{self, Command, Context, OpenTicket, StoredEvent, Ticket};
use supportdesk::{AsyncDesk, Channel, DeskError, PostgresStore};

type BoxError = Box<dyn Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
const ANA: CustomerId = CustomerId::from_u128(11);
/// The time of every command (a stopped clock, on desk and direct alike).
const NOW: &str = "2026-03-02T09:00:00Z";
/// Connections in the pool of each part's store.
const POOL: u32 = 8;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{NOW}: {e}"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("starting the tokio runtime: {e}"))
}

/// Accepts every notice (the transport is not what is measured).
#[derive(Debug, Default)]
struct NullNotifier;

impl Notifier for NullNotifier {
    fn notify(&self, _: &Notification) -> Result<(), NotifyError> {
        Ok(())
    }
}

/// Commits attempted and lost to a version conflict, and the store calls
/// made, by operation.
#[derive(Debug, Default)]
struct Counts {
    commits: AtomicU64,
    conflicts: AtomicU64,
    calls: Mutex<BTreeMap<String, u64>>,
}

impl Counts {
    fn take(&self) -> (u64, u64) {
        (
            self.commits.swap(0, Ordering::Relaxed),
            self.conflicts.swap(0, Ordering::Relaxed),
        )
    }

    fn called(&self, op: StoreOp) {
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(format!("{op:?}")).or_default() += 1;
        }
    }

    fn take_calls(&self) -> BTreeMap<String, u64> {
        self.calls
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }
}

/// The store, counting what `commit` returns.
#[derive(Debug, Clone)]
struct Counting {
    inner: PostgresStore,
    counts: Arc<Counts>,
}

supportdesk::forward_ticket_store! {
    impl[] AsyncTicketStore for Counting {
        inner(this) = &this.inner;
        around(call, forward) = {
            this.counts.called(call.op());
            let commit = matches!(call, StoreCall::Commit { .. });
            let future = forward();
            Box::pin(async move {
                let out = future.await;
                if commit {
                    this.counts.commits.fetch_add(1, Ordering::Relaxed);
                    if matches!(out, Err(StoreError::Conflict { .. })) {
                        this.counts.conflicts.fetch_add(1, Ordering::Relaxed);
                    }
                }
                out
            })
        };
    }
}

type BenchDesk = AsyncDesk<Counting, SyncNotifier<NullNotifier>, ManualClock>;

fn desk(store: &PostgresStore, counts: &Arc<Counts>) -> BenchDesk {
    let store = Counting {
        inner: store.clone(),
        counts: Arc::clone(counts),
    };
    AsyncDesk::new(store, SyncNotifier(NullNotifier), ManualClock::new(now()))
        .with_sleep(tokio::time::sleep)
}

fn note() -> Command {
    Command::AddNote {
        agent: BOB,
        body: "Checked the warehouse: the parcel left on Friday.".into(),
    }
}

fn reply() -> Command {
    Command::agent_reply(BOB, "It ships today.")
}

/// `n` new tickets of one customer message each, in one commit.
async fn fresh_tickets(store: &PostgresStore, n: usize) -> Res<Vec<TicketId>> {
    let ids = RandomIds;
    let ctx = Context::new(now(), &ids);
    let mut commit = Commit::new(SHOP);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let open = OpenTicket::reactive(ANA, Channel::Email, format!("Where is my parcel {i}?"));
        let decision = ticket::open(SHOP, &open, &ctx)?;
        let state = Ticket::from_events(&decision.events).ok_or("no ticket from its events")?;
        out.push(state.id());
        commit.tickets.push(TicketWrite::new(
            ExpectedVersion::New,
            state,
            decision.events,
        ));
    }
    store.commit(&commit).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// The direct path: the store's statements by hand.

/// Which statements the direct path issues besides the ones a command
/// needs.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Read the ticket in a transaction of its own (as the desk's separate
    /// `ticket` and `commit` calls do).
    split_read: bool,
    /// Run the tag `DELETE` the store runs on every update (the tickets
    /// have no tags, so it deletes nothing).
    drop_tags: bool,
}

const LEAN: Shape = Shape {
    split_read: false,
    drop_tags: false,
};
const DESK_SHAPE: Shape = Shape {
    split_read: true,
    drop_tags: true,
};

struct Direct {
    pool: PgPool,
    role: Option<String>,
    select: Arc<str>,
    update: Arc<str>,
    drop_tags: Arc<str>,
    append: Arc<str>,
    queue: Arc<str>,
    wake: Arc<str>,
    mark: Arc<str>,
}

impl Direct {
    fn new(store: &PostgresStore) -> Self {
        let s = format!("\"{}\"", store.schema());
        let text = |t: &str| -> Arc<str> { t.replace("{s}", &s).into() };
        let mut channel = format!("{}.outbox", store.schema());
        channel.truncate(63);
        Direct {
            pool: store.pool().clone(),
            role: store.tenant_role().map(str::to_owned),
            select: text("SELECT state FROM {s}.tickets WHERE tenant = $1 AND id = $2"),
            update: text(
                "UPDATE {s}.tickets SET version = $3, status = $4, assignee = $5, customer = $6, channel = $7,
                        created_at = $8, updated_at = $9, state = $10
                 WHERE tenant = $1 AND id = $2 AND version = $11",
            ),
            drop_tags: text(
                "DELETE FROM {s}.ticket_tags WHERE tenant = $1 AND ticket = $2 AND NOT (tag = ANY($3::text[]))",
            ),
            append: text(
                "INSERT INTO {s}.events (tenant, ticket, sequence, at, body)
                 SELECT $1, $2, u.s, u.a, u.b FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS u(s, a, b)
                 ON CONFLICT DO NOTHING",
            ),
            queue: text(
                "INSERT INTO {s}.outbox (tenant, id, body, lease_owner, lease_until)
                 SELECT $1, u.id, u.body, $4, $5
                 FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS u(id, body, ord)
                 ORDER BY u.ord
                 ON CONFLICT (tenant, id) DO NOTHING",
            ),
            wake: format!("SELECT pg_notify('{channel}', '')").into(),
            mark: text(
                "UPDATE {s}.outbox SET delivered_at = CASE WHEN delivered THEN delivered_at ELSE $3 END,
                        delivered = true, lease_owner = NULL, lease_until = NULL
                 WHERE tenant = $1 AND id = $2",
            ),
        }
    }

    /// Starts a transaction with the tenant's scope set (`SET LOCAL`).
    async fn begin(&self) -> Res<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.pool.begin().await?;
        let tenant = SHOP.as_uuid().to_string();
        match &self.role {
            Some(role) => {
                sqlx::query(
                    "SELECT set_config('supportdesk.tenant', $1, true), set_config('supportdesk.scope', $2, true), set_config('role', $3, true)",
                )
                .bind(tenant)
                .bind("tenant")
                .bind(role)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "SELECT set_config('supportdesk.tenant', $1, true), set_config('supportdesk.scope', $2, true)",
                )
                .bind(tenant)
                .bind("tenant")
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(tx)
    }

    /// One command on ticket `id`: load, decide, commit, deliver.
    async fn execute(&self, id: TicketId, command: &Command, shape: Shape) -> Res<usize> {
        let tenant = *SHOP.as_uuid();
        let mut tx = self.begin().await?;
        let state: String = sqlx::query_scalar(AssertSqlSafe(self.select.clone()))
            .bind(tenant)
            .bind(id.as_uuid())
            .fetch_one(&mut *tx)
            .await?;
        if shape.split_read {
            tx.commit().await?;
            tx = self.begin().await?;
        }
        let current: Ticket = serde_json::from_str(&state)?;
        let ids = RandomIds;
        let decision = ticket::decide(&current, command, &Context::new(now(), &ids))?;
        let mut next = current.clone();
        for e in &decision.events {
            next.apply(e);
        }
        let mut sequences = Vec::with_capacity(decision.events.len());
        let mut ats = Vec::with_capacity(decision.events.len());
        let mut bodies = Vec::with_capacity(decision.events.len());
        for e in &decision.events {
            sequences.push(i64::try_from(e.sequence)?);
            ats.push(e.at.timestamp_nanos_opt().ok_or("time out of range")?);
            bodies.push(serde_json::to_string(&StoredEvent::new(e))?);
        }
        let note_ids: Vec<_> = decision
            .notifications
            .iter()
            .map(|n| *n.id.as_uuid())
            .collect();
        let note_bodies = decision
            .notifications
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()?;
        let changed = sqlx::query(AssertSqlSafe(self.update.clone()))
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(i64::try_from(next.version())?)
            .bind(next.status().as_str())
            .bind(next.assignee().map(|a| *a.as_uuid()))
            .bind(next.customer().as_uuid())
            .bind(next.channel().as_str())
            .bind(
                next.created_at()
                    .timestamp_nanos_opt()
                    .ok_or("time out of range")?,
            )
            .bind(
                next.updated_at()
                    .timestamp_nanos_opt()
                    .ok_or("time out of range")?,
            )
            .bind(serde_json::to_string(&next)?)
            .bind(i64::try_from(current.version())?)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Err(format!("ticket {id} changed under the direct path").into());
        }
        if shape.drop_tags {
            let tags: Vec<String> = next.tags().iter().map(|t| t.as_str().to_owned()).collect();
            sqlx::query(AssertSqlSafe(self.drop_tags.clone()))
                .bind(tenant)
                .bind(id.as_uuid())
                .bind(&tags)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(AssertSqlSafe(self.append.clone()))
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(&sequences)
            .bind(&ats)
            .bind(&bodies)
            .execute(&mut *tx)
            .await?;
        if !note_ids.is_empty() {
            sqlx::query(AssertSqlSafe(self.queue.clone()))
                .bind(tenant)
                .bind(&note_ids)
                .bind(&note_bodies)
                .bind(None::<&str>)
                .bind(None::<i64>)
                .execute(&mut *tx)
                .await?;
            sqlx::query(AssertSqlSafe(self.wake.clone()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // Delivered (a transport that accepts everything): marked as the
        // desk marks it, one transaction per notice.
        for n in &decision.notifications {
            let mut tx = self.begin().await?;
            sqlx::query(AssertSqlSafe(self.mark.clone()))
                .bind(tenant)
                .bind(n.id.as_uuid())
                .bind(None::<i64>)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(decision.events.len())
    }
}

// ---------------------------------------------------------------------------
// 1. Desk against the driver.

#[derive(Debug, Clone, Copy)]
enum Path {
    Desk,
    Direct(Shape),
}

struct CommandBench<'a> {
    rt: &'a tokio::runtime::Runtime,
    store: &'a PostgresStore,
    desk: &'a BenchDesk,
    counts: &'a Counts,
    direct: &'a Direct,
}

impl CommandBench<'_> {
    /// Runs `command` once on each of `tickets` by `path`; the time taken.
    fn time(&self, path: Path, command: &Command, tickets: &[TicketId]) -> Duration {
        self.rt.block_on(async {
            let start = Instant::now();
            for &id in tickets {
                let events = match path {
                    Path::Desk => self
                        .desk
                        .execute(SHOP, id, command.clone())
                        .await
                        .map(|o| o.events.len())
                        .unwrap_or_else(|e| panic!("desk command on {id}: {e}")),
                    Path::Direct(shape) => self
                        .direct
                        .execute(id, command, shape)
                        .await
                        .unwrap_or_else(|e| panic!("direct command on {id}: {e}")),
                };
                black_box(events);
            }
            start.elapsed()
        })
    }

    fn tickets(&self, n: usize) -> Vec<TicketId> {
        self.rt
            .block_on(fresh_tickets(self.store, n))
            .unwrap_or_else(|e| panic!("creating tickets: {e}"))
    }
}

fn commands(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let schema = ScratchSchema::new("bench_command");
    let store = rt
        .block_on(schema.open(POOL))
        .unwrap_or_else(|e| panic!("{e}"));
    let counts = Arc::new(Counts::default());
    let bench = CommandBench {
        rt,
        store: &store,
        desk: &desk(&store, &counts),
        counts: &counts,
        direct: &Direct::new(&store),
    };
    let paths = [
        ("desk", Path::Desk),
        ("direct", Path::Direct(LEAN)),
        ("direct_desk_shape", Path::Direct(DESK_SHAPE)),
    ];
    let mut g = c.benchmark_group("postgres/command");
    g.sample_size(20).throughput(Throughput::Elements(1));
    for (name, command) in [("add_note", note()), ("agent_reply", reply())] {
        for (path_name, path) in paths {
            g.bench_function(format!("{name}/{path_name}"), |b| {
                b.iter_custom(|iters| {
                    let n = usize::try_from(iters).unwrap_or(usize::MAX);
                    let tickets = bench.tickets(n);
                    bench.time(path, &command, &tickets)
                })
            });
        }
    }
    g.finish();
    let (commits, conflicts) = counts.take();
    println!("postgres/command: desk commits {commits}, conflicts {conflicts}");
    paired(&bench);
    drop(store);
    drop(schema);
}

/// Desk against direct, back to back in each round: the median ratio.
fn paired(bench: &CommandBench<'_>) {
    const ROUNDS: usize = 31;
    const PER_ROUND: usize = 24;
    for (name, command) in [("add_note", note()), ("agent_reply", reply())] {
        for (shape_name, shape) in [("direct", LEAN), ("direct_desk_shape", DESK_SHAPE)] {
            let mut ratios = Vec::with_capacity(ROUNDS);
            let (mut desk_total, mut direct_total) = (Duration::ZERO, Duration::ZERO);
            bench.counts.take_calls();
            for round in 0..ROUNDS {
                let a = bench.tickets(PER_ROUND);
                let b = bench.tickets(PER_ROUND);
                let (desk, direct) = if round % 2 == 0 {
                    let d = bench.time(Path::Desk, &command, &a);
                    (d, bench.time(Path::Direct(shape), &command, &b))
                } else {
                    let r = bench.time(Path::Direct(shape), &command, &b);
                    (bench.time(Path::Desk, &command, &a), r)
                };
                desk_total += desk;
                direct_total += direct;
                ratios.push(desk.as_secs_f64() / direct.as_secs_f64());
            }
            let calls: Vec<String> = bench
                .counts
                .take_calls()
                .into_iter()
                .map(|(op, n)| format!("{op} {:.2}", n as f64 / (ROUNDS * PER_ROUND) as f64))
                .collect();
            ratios.sort_by(f64::total_cmp);
            let per = |d: Duration| d.as_secs_f64() * 1e6 / (ROUNDS * PER_ROUND) as f64;
            println!(
                "paired {name}: desk {:.0} µs, {shape_name} {:.0} µs per command; desk/{shape_name} median {:.3} (rounds {:.3}..{:.3}, {ROUNDS} rounds of {PER_ROUND})",
                per(desk_total),
                per(direct_total),
                ratios[ROUNDS / 2],
                ratios[0],
                ratios[ROUNDS - 1],
            );
            println!("  desk store calls per {name}: {}", calls.join(", "));
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Concurrency curve.

/// Commands per timed batch (split evenly over the workers).
const BATCH: usize = 64;
/// Tickets in the shared set, and per worker in disjoint sets.
const SET: usize = 8;

/// A small deterministic generator (xorshift), one per worker.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Runs one batch: `desks.len()` workers, each its share of `BATCH` notes.
/// Returns the time and the commands that gave up (`DeskError::Contended`).
async fn batch(
    desks: &[Arc<BenchDesk>],
    tickets: &[Vec<TicketId>],
    shared: bool,
) -> (Duration, u64) {
    let workers = desks.len();
    let per_worker = BATCH / workers;
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(workers);
    for (w, desk) in desks.iter().enumerate() {
        let desk = Arc::clone(desk);
        let mine = if shared {
            tickets[0].clone()
        } else {
            tickets[w].clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ ((w as u64 + 1) << 32);
            let mut gave_up = 0;
            for j in 0..per_worker {
                let k = if shared {
                    (next_random(&mut seed) % mine.len() as u64) as usize
                } else {
                    j % mine.len()
                };
                match desk.execute(SHOP, mine[k], note()).await {
                    Ok(out) => {
                        black_box(out);
                    }
                    Err(DeskError::Contended { .. }) => gave_up += 1,
                    Err(e) => panic!("note on {}: {e}", mine[k]),
                }
            }
            gave_up
        }));
    }
    let mut gave_up = 0;
    for t in tasks {
        gave_up += t.await.unwrap_or_else(|e| panic!("worker: {e}"));
    }
    (start.elapsed(), gave_up)
}

fn concurrency(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let schema = ScratchSchema::new("bench_concurrency");
    let store = rt
        .block_on(schema.open(POOL))
        .unwrap_or_else(|e| panic!("{e}"));
    let counts = Arc::new(Counts::default());
    let mut report = Vec::new();
    let mut g = c.benchmark_group("postgres/concurrency");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(BATCH as u64));
    for shared in [true, false] {
        for workers in [1, 2, 4] {
            let desks: Vec<Arc<BenchDesk>> = (0..workers)
                .map(|_| Arc::new(desk(&store, &counts)))
                .collect();
            let gave_up = AtomicU64::new(0);
            let name = format!("{}/{workers}", if shared { "shared" } else { "disjoint" });
            g.bench_function(&name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let sets = if shared { 1 } else { workers };
                        let tickets: Vec<Vec<TicketId>> = (0..sets)
                            .map(|_| {
                                rt.block_on(fresh_tickets(&store, SET))
                                    .unwrap_or_else(|e| panic!("creating tickets: {e}"))
                            })
                            .collect();
                        let (took, lost) = rt.block_on(batch(&desks, &tickets, shared));
                        gave_up.fetch_add(lost, Ordering::Relaxed);
                        total += took;
                    }
                    total
                })
            });
            let (commits, conflicts) = counts.take();
            report.push((name, commits, conflicts, gave_up.into_inner()));
        }
    }
    g.finish();
    interleaved_curve(rt, &store, &counts);
    for (name, commits, conflicts, gave_up) in report {
        let rate = if commits == 0 {
            0.0
        } else {
            conflicts as f64 / commits as f64
        };
        println!(
            "postgres/concurrency/{name}: {commits} commits attempted, {conflicts} conflicts ({:.1}%), {gave_up} commands gave up",
            rate * 100.0
        );
    }
    drop(store);
    drop(schema);
}

/// The curve again, with the six configurations taking turns batch by
/// batch (the order rotated each round), so that a change in the machine's
/// load falls on all of them alike: the median throughput of each.
fn interleaved_curve(rt: &tokio::runtime::Runtime, store: &PostgresStore, counts: &Arc<Counts>) {
    const ROUNDS: usize = 15;
    let configs: Vec<(String, bool, Vec<Arc<BenchDesk>>)> = [true, false]
        .into_iter()
        .flat_map(|shared| [1, 2, 4].map(|w| (shared, w)))
        .map(|(shared, workers)| {
            let name = format!("{}/{workers}", if shared { "shared" } else { "disjoint" });
            let desks = (0..workers)
                .map(|_| Arc::new(desk(store, counts)))
                .collect();
            (name, shared, desks)
        })
        .collect();
    let mut rates = vec![Vec::with_capacity(ROUNDS); configs.len()];
    let mut tallies = vec![(0, 0, 0); configs.len()];
    counts.take();
    for round in 0..ROUNDS {
        for k in 0..configs.len() {
            let i = (k + round) % configs.len();
            let (_, shared, desks) = &configs[i];
            let sets = if *shared { 1 } else { desks.len() };
            let tickets: Vec<Vec<TicketId>> = (0..sets)
                .map(|_| {
                    rt.block_on(fresh_tickets(store, SET))
                        .unwrap_or_else(|e| panic!("creating tickets: {e}"))
                })
                .collect();
            let (took, lost) = rt.block_on(batch(desks, &tickets, *shared));
            let (commits, conflicts) = counts.take();
            rates[i].push(BATCH as f64 / took.as_secs_f64());
            tallies[i].0 += commits;
            tallies[i].1 += conflicts;
            tallies[i].2 += lost;
        }
    }
    for (i, (name, _, _)) in configs.iter().enumerate() {
        let r = &mut rates[i];
        r.sort_by(f64::total_cmp);
        let (commits, conflicts, lost) = tallies[i];
        println!(
            "interleaved concurrency/{name}: median {:.0} commands/s ({:.0}..{:.0}, {ROUNDS} batches of {BATCH}); {commits} commits, {conflicts} conflicts ({:.1}%), {lost} gave up",
            r[ROUNDS / 2],
            r[0],
            r[ROUNDS - 1],
            if commits == 0 {
                0.0
            } else {
                conflicts as f64 * 100.0 / commits as f64
            },
        );
    }
}

// ---------------------------------------------------------------------------
// 3. Outbox claim and deliver.

/// Notices queued before each timed drain.
const QUEUED: usize = 500;

/// Queues `QUEUED` undelivered copies of an agent reply's customer notice.
async fn fill_outbox(store: &PostgresStore, template: &Notification) -> Res<()> {
    let mut commit = Commit::new(SHOP);
    for _ in 0..QUEUED {
        let mut n = template.clone();
        n.id = NotificationId::from_uuid(RandomIds.next_uuid());
        commit.notifications.push(n);
    }
    store.commit(&commit).await?;
    Ok(())
}

/// `dispatchers` tasks claim and deliver until the outbox is empty; the
/// notices delivered and those delivered twice.
async fn drain(store: &PostgresStore, dispatchers: usize) -> Res<(usize, usize)> {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let duplicates = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(dispatchers);
    for w in 0..dispatchers {
        let store = store.clone();
        let seen = Arc::clone(&seen);
        let duplicates = Arc::clone(&duplicates);
        tasks.push(tokio::spawn(async move {
            let claim = OutboxClaim::new(
                format!("dispatcher-{w}"),
                now(),
                chrono::Duration::seconds(30),
                100,
            );
            loop {
                let entries = store.claim(&claim).await?;
                if entries.is_empty() {
                    return Ok::<(), StoreError>(());
                }
                for e in entries {
                    let n = &e.notification;
                    store.mark_delivered_at(n.tenant, n.id, now()).await?;
                    let fresh = seen.lock().map(|mut s| s.insert(n.id)).unwrap_or(false);
                    if !fresh {
                        duplicates.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let delivered = seen.lock().map(|s| s.len()).map_err(|_| "poisoned")?;
    Ok((
        delivered,
        usize::try_from(duplicates.load(Ordering::Relaxed))?,
    ))
}

fn outbox(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let schema = ScratchSchema::new("bench_outbox");
    let store = rt
        .block_on(schema.open(POOL))
        .unwrap_or_else(|e| panic!("{e}"));
    let template = rt
        .block_on(async {
            let id = fresh_tickets(&store, 1).await?[0];
            let current = store.ticket(SHOP, id).await?.ok_or("ticket not found")?;
            let ids = RandomIds;
            let d = ticket::decide(&current, &reply(), &Context::new(now(), &ids))?;
            d.notifications
                .into_iter()
                .next()
                .ok_or_else(|| BoxError::from("a reply notifies nobody"))
        })
        .unwrap_or_else(|e| panic!("making a notice: {e}"));
    let mut g: BenchmarkGroup<'_, WallTime> = c.benchmark_group("postgres/outbox");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(QUEUED as u64));
    let mut report = Vec::new();
    for dispatchers in [1, 4] {
        let (mut delivered, mut duplicates) = (0, 0);
        g.bench_function(format!("claim_deliver/{dispatchers}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    rt.block_on(fill_outbox(&store, &template))
                        .unwrap_or_else(|e| panic!("filling the outbox: {e}"));
                    let start = Instant::now();
                    let (d, dup) = rt
                        .block_on(drain(&store, dispatchers))
                        .unwrap_or_else(|e| panic!("draining the outbox: {e}"));
                    total += start.elapsed();
                    assert_eq!(d, QUEUED, "every queued notice is delivered");
                    delivered += d;
                    duplicates += dup;
                }
                total
            })
        });
        report.push((dispatchers, delivered, duplicates));
    }
    g.finish();
    // 1 and 4 dispatchers in turn (alternating which goes first).
    const ROUNDS: usize = 6;
    let mut rates = [Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS)];
    let mut twice = [0, 0];
    for round in 0..ROUNDS {
        for k in 0..2 {
            let i = (k + round) % 2;
            let dispatchers = [1, 4][i];
            rt.block_on(fill_outbox(&store, &template))
                .unwrap_or_else(|e| panic!("filling the outbox: {e}"));
            let start = Instant::now();
            let (d, dup) = rt
                .block_on(drain(&store, dispatchers))
                .unwrap_or_else(|e| panic!("draining the outbox: {e}"));
            rates[i].push(d as f64 / start.elapsed().as_secs_f64());
            assert_eq!(d, QUEUED, "every queued notice is delivered");
            twice[i] += dup;
        }
    }
    for (i, dispatchers) in [1, 4].into_iter().enumerate() {
        let r = &mut rates[i];
        r.sort_by(f64::total_cmp);
        println!(
            "interleaved outbox/claim_deliver/{dispatchers}: median {:.0} notices/s ({:.0}..{:.0}, {ROUNDS} drains of {QUEUED}), {} delivered twice",
            (r[ROUNDS / 2 - 1] + r[ROUNDS / 2]) / 2.0,
            r[0],
            r[ROUNDS - 1],
            twice[i],
        );
    }
    for (dispatchers, delivered, duplicates) in report {
        println!(
            "postgres/outbox/claim_deliver/{dispatchers}: {delivered} notices delivered, {duplicates} delivered twice"
        );
    }
    drop(store);
    drop(schema);
}

fn main() {
    let rt = runtime();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    commands(&mut c, &rt);
    concurrency(&mut c, &rt);
    outbox(&mut c, &rt);
    c.final_summary();
}
