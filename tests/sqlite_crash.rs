//! SqliteStore under crashes and contention.
//!
//! - `killed_writers_lose_nothing_acknowledged`: a child process (this test
//!   executable, re-invoked with an environment variable) writes through
//!   `Desk` to an SQLite file and prints every acknowledged write; the
//!   parent kills it with SIGKILL at pseudo-random moments (fixed seed),
//!   200 times, and after each kill reopens the file and checks
//!   `PRAGMA integrity_check`, that every acknowledged write is there, that
//!   no ticket is half-written (its version is its number of events and its
//!   state the replay of them), and that undelivered notifications are
//!   still in the outbox.
//! - `contended_writers_never_see_busy`: 8 threads, each with its own
//!   handle on one file (as 8 processes), run 200 write transactions each
//!   on shared records; no busy error reaches them.
#![cfg(feature = "sqlite")]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use chrono::Utc;
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, MessageId, NotificationId, TenantId, TicketId};
use supportdesk::port::{
    Commit, ExpectedVersion, SystemClock, TicketOrder, TicketQuery, TicketStore, TicketWrite,
};
use supportdesk::store::SqliteStore;
use supportdesk::testing::{RecordingNotifier, SequentialIds, TicketBuilder};
use supportdesk::ticket::{Command, EventKind};
use supportdesk::{Channel, Desk, DeskError, Inbound, RetryPolicy, Status, Ticket};

const CHILD_DB: &str = "SUPPORTDESK_CRASH_CHILD_DB";
const CHILD_SEED: &str = "SUPPORTDESK_CRASH_CHILD_SEED";
const KILLS: u64 = 200;
const TENANTS: [TenantId; 2] = [TenantId::from_u128(0xa), TenantId::from_u128(0xb)];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The child: only does something when the parent starts it with the
/// environment variables set; otherwise it passes at once.
#[test]
fn crash_child_helper() {
    let (Ok(db), Ok(seed)) = (std::env::var(CHILD_DB), std::env::var(CHILD_SEED)) else {
        return;
    };
    let seed: u64 = seed.parse().expect("a numeric seed");
    let store = SqliteStore::open(&db).expect("child: opening the database");
    let notifier = RecordingNotifier::new();
    // Odd runs cannot deliver: their notifications stay in the outbox.
    notifier.set_failing(seed % 2 == 1);
    let desk = Desk::new(store, notifier, SystemClock)
        .with_ids(SequentialIds::starting_at((seed + 1) * 1_000_000));
    let mut rng = Rng::new(seed + 7);
    let mut known: Vec<(TenantId, TicketId)> = Vec::new();
    for tenant in TENANTS {
        let q = TicketQuery::new().order(TicketOrder::UpdatedDesc).limit(20);
        for t in desk.store().query(tenant, &q).expect("child: query").items {
            known.push((tenant, t.id()));
        }
    }
    let out = std::io::stdout();
    let mut last_external: Option<(TenantId, Inbound)> = None;
    for n in 0u64.. {
        let roll = rng.below(100);
        let pending = if roll < 40 || known.is_empty() {
            let who = rng.below(30);
            let tenant = TENANTS[(who % 2) as usize];
            let from = Identity::email(&format!("c{who}@example.com")).expect("an email");
            let inbound = Inbound::new(from, Channel::Email, format!("message {seed}-{n}"))
                .external_id(format!("<{seed}-{n}@mail>"));
            let r = desk
                .receive(tenant, inbound.clone())
                .expect("child: receive");
            assert!(!r.duplicate);
            if !known.contains(&(tenant, r.ticket)) {
                known.push((tenant, r.ticket));
            }
            last_external = Some((tenant, inbound));
            writeln!(
                out.lock(),
                "ACKMSG {} {} {}",
                tenant.as_u128(),
                r.ticket,
                r.message
            )
            .expect("stdout");
            r.delivery.pending
        } else if roll < 50 {
            if let Some((tenant, inbound)) = &last_external {
                let r = desk
                    .receive(*tenant, inbound.clone())
                    .expect("child: receive again");
                assert!(
                    r.duplicate,
                    "child: a redelivered message must be a duplicate"
                );
            }
            Vec::new()
        } else {
            let (tenant, ticket) = known[rng.below(known.len() as u64) as usize];
            let cmd = if roll < 85 {
                Command::agent_reply(AgentId::from_u128(7), format!("reply {seed}-{n}"))
            } else {
                Command::status(Status::Solved)
            };
            match desk.execute(tenant, ticket, cmd) {
                Ok(o) => {
                    if !o.events.is_empty() {
                        writeln!(
                            out.lock(),
                            "ACK {} {} {}",
                            tenant.as_u128(),
                            ticket,
                            o.ticket.version()
                        )
                        .expect("stdout");
                    }
                    o.delivery.pending
                }
                Err(DeskError::Domain(_)) => Vec::new(),
                Err(e) => panic!("child: execute failed: {e}"),
            }
        };
        for (id, _) in pending {
            // Odd runs: the notifier failed, so it is in the outbox.
            writeln!(out.lock(), "PENDING {id}").expect("stdout");
        }
    }
}

/// What the children acknowledged.
#[derive(Debug, Default)]
struct Acked {
    /// Ticket -> lowest version it must have.
    versions: BTreeMap<(u128, TicketId), u64>,
    /// Messages that must be on their ticket.
    messages: Vec<(u128, TicketId, MessageId)>,
    /// Notifications that must still be undelivered.
    pending: BTreeSet<NotificationId>,
}

impl Acked {
    fn take(&mut self, line: &str) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["ACK", tenant, ticket, version] => {
                let key = (
                    tenant.parse().expect("tenant"),
                    ticket.parse().expect("ticket"),
                );
                let v: u64 = version.parse().expect("version");
                let e = self.versions.entry(key).or_default();
                *e = (*e).max(v);
            }
            ["ACKMSG", tenant, ticket, message] => self.messages.push((
                tenant.parse().expect("tenant"),
                ticket.parse().expect("ticket"),
                message.parse().expect("message"),
            )),
            ["PENDING", id] => {
                self.pending.insert(id.parse().expect("notification"));
            }
            _ => {}
        }
    }
}

fn tenant(n: u128) -> TenantId {
    TenantId::from_u128(n)
}

/// A ticket is whole: version = number of events, sequences 1..=n, state =
/// replay of the events.
fn check_whole(store: &SqliteStore, t: &Ticket) {
    let events = store.events(t.tenant(), t.id()).expect("events");
    assert_eq!(
        events.len() as u64,
        t.version(),
        "ticket {} is half-written: version {} with {} events",
        t.id(),
        t.version(),
        events.len()
    );
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.sequence == i as u64 + 1)
    );
    assert_eq!(
        Ticket::from_events(&events).as_ref(),
        Some(t),
        "ticket {}: the state is not the replay of its events",
        t.id()
    );
}

fn tickets(store: &SqliteStore, tenant: TenantId, q: TicketQuery) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .query(tenant, &q.clone().limit(500).after(after))
            .expect("query");
        out.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

fn verify(path: &Path, acked: &Acked, since: chrono::DateTime<Utc>, everything: bool) {
    let conn = rusqlite::Connection::open(path).expect("opening with rusqlite");
    let check: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .expect("integrity_check");
    assert_eq!(check, vec!["ok".to_owned()], "integrity_check");
    drop(conn);
    let store = SqliteStore::open(path).expect("reopening after the kill");
    // Every acknowledged write is there.
    for ((t, ticket), v) in &acked.versions {
        let got = store.ticket(tenant(*t), *ticket).expect("ticket");
        let got = got.unwrap_or_else(|| panic!("acknowledged ticket {ticket} is gone"));
        assert!(
            got.version() >= *v,
            "ticket {ticket}: acknowledged version {v}, stored {}",
            got.version()
        );
    }
    for (t, ticket, message) in &acked.messages {
        let got = store.ticket(tenant(*t), *ticket).expect("ticket");
        let got = got.unwrap_or_else(|| panic!("acknowledged ticket {ticket} is gone"));
        assert!(
            got.messages().iter().any(|m| m.id == *message),
            "acknowledged message {message} is not on ticket {ticket}"
        );
    }
    // Undelivered notifications are still waiting.
    let waiting: BTreeSet<NotificationId> = store
        .undelivered(1_000_000)
        .expect("undelivered")
        .into_iter()
        .map(|e| e.notification.id)
        .collect();
    let lost: Vec<_> = acked.pending.difference(&waiting).collect();
    assert!(
        lost.is_empty(),
        "undelivered notifications left the outbox: {lost:?}"
    );
    // No ticket is half-written: those changed in this run (acknowledged
    // or not), or all of them now and then.
    for t in TENANTS {
        let mut q = TicketQuery::new();
        if !everything {
            q.updated_from = Some(since);
        }
        for ticket in tickets(&store, t, q) {
            check_whole(&store, &ticket);
        }
    }
}

#[test]
fn killed_writers_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("crash.db");
    let exe = std::env::current_exe().expect("the test executable");
    let mut rng = Rng::new(0x5eed);
    let mut acked = Acked::default();
    let mut killed_mid_run = 0;
    for run in 0..KILLS {
        let since = Utc::now() - chrono::Duration::seconds(1);
        let mut child = Process::new(&exe)
            .args([
                "crash_child_helper",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB, &path)
            .env(CHILD_SEED, run.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning the child");
        let stdout = child.stdout.take().expect("the child's stdout");
        let mut lines = BufReader::new(stdout);
        // Kill after a random number of acknowledgements (0 kills it while
        // it starts or opens the database), plus a random pause that lands
        // inside a write as often as not.
        let acks_before_kill = rng.below(10);
        let pause = Duration::from_micros(rng.below(4000));
        let mut seen = 0;
        let mut line = String::new();
        while seen < acks_before_kill {
            line.clear();
            let n = lines.read_line(&mut line).expect("reading the child");
            if n == 0 {
                break;
            }
            if line.ends_with('\n') {
                if line.starts_with("ACK") {
                    seen += 1;
                }
                acked.take(&line);
            }
        }
        std::thread::sleep(pause);
        let _ = child.kill(); // SIGKILL on Unix.
        // Everything printed before the kill was acknowledged: read to EOF,
        // dropping a line cut by the kill.
        loop {
            line.clear();
            let n = lines.read_line(&mut line).expect("reading the child");
            if n == 0 {
                break;
            }
            if line.ends_with('\n') {
                acked.take(&line);
            }
        }
        let status = child.wait().expect("waiting for the child");
        if status.success() || status.code().is_some() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!(
                "run {run}: the child exited by itself ({status}) instead of being killed:\n{err}"
            );
        }
        if seen == acks_before_kill && acks_before_kill > 0 {
            killed_mid_run += 1;
        }
        verify(&path, &acked, since, run % 25 == 24);
    }
    verify(&path, &acked, Utc::now(), true);
    eprintln!(
        "{KILLS} kills ({killed_mid_run} after acknowledged writes): {} ticket versions, {} messages and {} undelivered notifications acknowledged, all found",
        acked.versions.len(),
        acked.messages.len(),
        acked.pending.len()
    );
    assert!(
        acked.versions.len() + acked.messages.len() > 100,
        "the children acknowledged too little to mean anything"
    );
    assert!(killed_mid_run > KILLS / 2);
}

// ---------------------------------------------------------------------------

/// 8 threads, each with its own handle on one file, run 200 write
/// transactions each: compare-and-set updates of one shared ticket
/// (retried on conflict), new tickets, and outbox writes. Writers wait for
/// each other: no busy error reaches a caller, and nothing is lost.
#[test]
fn contended_writers_never_see_busy() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 200;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("contended.db");
    let shop = TENANTS[0];
    let hot = TicketId::from_u128(0x407);
    let first = SqliteStore::open(&path).expect("opening");
    let w = TicketBuilder::new()
        .tenant(shop)
        .id(hot)
        .agent_reply(AgentId::from_u128(1), "On it")
        .events();
    let created = TicketWrite::new(
        ExpectedVersion::New,
        Ticket::from_events(&w).expect("opened"),
        w,
    );
    let start = created.ticket.version();
    let mut c = Commit::new(shop);
    c.tickets.push(created);
    first.commit(&c).expect("creating the hot ticket");
    let busy_or_backend = std::sync::atomic::AtomicUsize::new(0);
    let hot_updates = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let path = &path;
            let errors = &busy_or_backend;
            let hot_updates = &hot_updates;
            scope.spawn(move || {
                let store = SqliteStore::open(path).expect("opening a handle");
                let desk = Desk::new(&store, RecordingNotifier::new(), SystemClock)
                    .with_ids(SequentialIds::starting_at(
                        60_000_000 + thread as u64 * 1_000_000,
                    ))
                    // Conflicts are retried until they go through: this test
                    // is about busy errors, not about giving up.
                    .with_retry(RetryPolicy::attempts(100_000));
                for n in 0..PER_THREAD {
                    let result = match n % 4 {
                        // A compare-and-set update of the shared ticket
                        // (Desk retries conflicts).
                        0 | 1 => desk
                            .execute(
                                shop,
                                hot,
                                Command::Assign {
                                    agent: Some(AgentId::from_u128(
                                        ((thread as u128) << 32) | n as u128,
                                    )),
                                    group: None,
                                },
                            )
                            .map(|o| {
                                assert!(matches!(
                                    o.events.first().map(|e| &e.kind),
                                    Some(EventKind::Assigned(_))
                                ));
                                hot_updates.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }),
                        // A new ticket with its customer and notifications.
                        2 => desk
                            .receive(
                                shop,
                                Inbound::new(
                                    Identity::email(&format!("t{thread}n{n}@example.com"))
                                        .expect("an email"),
                                    Channel::Email,
                                    "Hello",
                                ),
                            )
                            .map(|_| ()),
                        // An outbox write.
                        _ => store
                            .undelivered(5)
                            .map_err(DeskError::from)
                            .and_then(|pending| {
                                for e in pending {
                                    match store.record_failure(
                                        e.notification.tenant,
                                        e.notification.id,
                                        "retry later",
                                    ) {
                                        Ok(()) => {}
                                        Err(e) => return Err(e.into()),
                                    }
                                }
                                Ok(())
                            }),
                    };
                    if let Err(e) = result {
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        panic!("thread {thread} write {n}: {e} ({e:?})");
                    }
                }
            });
        }
    });
    assert_eq!(busy_or_backend.into_inner(), 0);
    let hot_updates = hot_updates.into_inner();
    assert_eq!(hot_updates, THREADS * PER_THREAD / 2);
    let t = first
        .ticket(shop, hot)
        .expect("ticket")
        .expect("the hot ticket");
    assert_eq!(
        t.version(),
        start + hot_updates as u64,
        "a compare-and-set update was lost"
    );
    check_whole(&first, &t);
    let all = tickets(&first, shop, TicketQuery::new());
    assert_eq!(all.len(), 1 + THREADS * PER_THREAD / 4);
}
