//! The multi-process test of `PostgresStore` (issue 13): four OS processes,
//! each an `AsyncDesk` on one database, run 4 x 400 commands over 50 shared
//! tickets plus new inbound messages with redeliveries; four dispatcher
//! processes deliver the outbox through a notifier that fails 30% of the
//! time; one worker is SIGKILLed midway and restarted. Then: no message lost
//! or doubled, every notification delivered at least once (duplicates
//! counted), every SLA alert raised once, every ticket the replay of its
//! events.
//!
//! `harness = false`: the binary is both the orchestrator and, with
//! `SD_PG_CHILD` set, each child process. Needs the local PostgreSQL server
//! (see `supportdesk::testing::postgres`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId, TicketId};
use supportdesk::notification::Notification;
use supportdesk::port::{AsyncTicketStore, Notifier, NotifyError, SystemClock, TicketQuery};
use supportdesk::sla::{MetricDef, PolicySet, SlaPolicy, Target, TimeBasis, WarnAt};
use supportdesk::store::{PostgresOptions, PostgresStore};
use supportdesk::testing::Lcg;
use supportdesk::testing::postgres::{ScratchSchema, test_url};
use supportdesk::ticket::{Command, EventKind};
use supportdesk::{AsyncDesk, Channel, DeskError, Inbound, Priority, Ticket};

const SHOP: TenantId = TenantId::from_u128(0x5409);
const BOB: AgentId = AgentId::from_u128(7);
const WORKERS: u64 = 4;
const COMMANDS: u64 = 400;
const SHARED: u64 = 50;
const DISPATCHERS: u64 = 4;
const KILLED: u64 = 1;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() {
    let outcome = match std::env::var("SD_PG_CHILD") {
        Ok(role) => child(&role),
        Err(_) => orchestrate(),
    };
    if let Err(e) = outcome {
        eprintln!("postgres_processes: FAILED: {e}");
        std::process::exit(1);
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// First reply within 3 s of calendar time, warning at half: alerts fall
/// due while the processes run.
fn policies() -> PolicySet {
    let targets = Priority::ALL
        .into_iter()
        .map(|p| Target {
            metric: "first_reply".into(),
            priority: p,
            channel: None,
            seconds: 3,
            basis: TimeBasis::Calendar,
        })
        .collect();
    PolicySet::new(SlaPolicy {
        id: "fast".into(),
        version: 1,
        name: "Fast".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets,
        warnings: vec![WarnAt::Share { share: 0.5 }],
        escalation: vec![],
    })
}

async fn open(schema: &str, connections: u32) -> Result<PostgresStore> {
    let pool = supportdesk::sqlx::postgres::PgPoolOptions::new()
        .max_connections(connections)
        .connect(&test_url())
        .await
        .map_err(|e| {
            format!(
                "PostgreSQL is not reachable at {}: {e} (start it: `service postgresql start`)",
                test_url()
            )
        })?;
    Ok(PostgresStore::open_with(pool, PostgresOptions::new().schema(schema)).await?)
}

fn customer(n: u64) -> Result<Identity> {
    Ok(Identity::email(&format!("c{n}@example.com"))?)
}

/// A notifier that refuses 30% of what it is given (a fixed seed per
/// process), and appends every notification it accepts to a log file.
#[derive(Debug)]
struct Flaky {
    rng: Mutex<Lcg>,
    log: Mutex<std::fs::File>,
    refused: AtomicU64,
}

impl Flaky {
    fn new(seed: u64, log: &str) -> Result<Self> {
        Ok(Flaky {
            rng: Mutex::new(Lcg::new(seed)),
            log: Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)?,
            ),
            refused: AtomicU64::new(0),
        })
    }
}

impl Notifier for Flaky {
    fn notify(&self, n: &Notification) -> std::result::Result<(), NotifyError> {
        let roll = self
            .rng
            .lock()
            .map_err(|_| NotifyError::Unavailable {
                reason: "poisoned".into(),
            })?
            .below(100);
        if roll < 30 {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(NotifyError::Unavailable {
                reason: "flaky transport (30%)".into(),
            });
        }
        let mut f = self.log.lock().map_err(|_| NotifyError::Unavailable {
            reason: "poisoned".into(),
        })?;
        writeln!(f, "{}", n.id).map_err(|e| NotifyError::Unavailable {
            reason: e.to_string(),
        })?;
        f.flush().map_err(|e| NotifyError::Unavailable {
            reason: e.to_string(),
        })?;
        Ok(())
    }
}

/// The inbound message of command `k` of worker `w` that creates or
/// continues a conversation (`kind` 0-4: a customer of a shared ticket; 7: a
/// new customer), the same every time it is (re)delivered.
fn inbound_of(w: u64, k: u64, shared: &[TicketId]) -> Result<Inbound> {
    let marker = format!("[p{w}-c{k}]");
    let external = format!("p{w}-c{k}");
    Ok(if k % 10 == 7 {
        Inbound::new(
            Identity::email(&format!("n{w}-{k}@example.com"))?,
            Channel::Email,
            format!("New question {marker}"),
        )
        .external_id(external)
    } else {
        let t = (w * 131 + k * 17) % SHARED;
        Inbound::new(
            customer(t)?,
            Channel::Email,
            format!("More on my order {marker}"),
        )
        .external_id(external)
        .to_ticket(shared[t as usize])
    })
}

fn child(role: &str) -> Result<()> {
    let schema = std::env::var("SD_PG_SCHEMA")?;
    let index: u64 = std::env::var("SD_PG_INDEX")?.parse()?;
    let dir = std::env::var("SD_PG_DIR")?;
    let rt = runtime()?;
    rt.block_on(async {
        let store = open(&schema, 4).await?;
        let notifier = Flaky::new(
            0x5eed + index * 7919 + u64::from(role == "dispatcher") * 104_729,
            &format!("{dir}/accepted-{role}-{index}.log"),
        )?;
        let desk = AsyncDesk::new(
            store,
            supportdesk::port::SyncNotifier(notifier),
            SystemClock,
        )
        .with_worker(format!("{role}-{index}-{}", std::process::id()))
        .with_outbox_lease(chrono::Duration::seconds(2))
        .with_sla(policies(), Default::default())?;
        match role {
            "worker" => {
                let from: u64 = std::env::var("SD_PG_FROM")?.parse()?;
                let mut shared = Vec::new();
                let page = desk
                    .store()
                    .query(SHOP, &TicketQuery::new().limit(1000))
                    .await?;
                let mut opened: Vec<&Ticket> = page
                    .items
                    .iter()
                    .filter(|t| t.tags().iter().any(|g| g.as_str() == "shared"))
                    .collect();
                opened.sort_by_key(|t| t.created_at());
                shared.extend(opened.iter().map(|t| t.id()));
                if shared.len() != SHARED as usize {
                    return Err(format!("found {} shared tickets", shared.len()).into());
                }
                let mut rng = Lcg::new(index * 1_000_003 + 11);
                let out = std::io::stdout();
                for k in from..COMMANDS {
                    let result: std::result::Result<(), DeskError> = match k % 10 {
                        5 | 6 => {
                            let t = shared[rng.below(SHARED) as usize];
                            desk.execute(
                                SHOP,
                                t,
                                Command::agent_reply(
                                    BOB,
                                    format!("Looking into it [p{index}-c{k}]"),
                                ),
                            )
                            .await
                            .map(|_| ())
                        }
                        8 => {
                            // A redelivery of an earlier message of any worker.
                            let w = rng.below(WORKERS);
                            let earlier = (0..k)
                                .rev()
                                .find(|j| matches!(j % 10, 0..=4 | 7))
                                .unwrap_or(0);
                            desk.receive(SHOP, inbound_of(w, earlier, &shared)?)
                                .await
                                .map(|_| ())
                        }
                        9 => desk.sweep(20).await.map(|_| ()),
                        _ => desk
                            .receive(SHOP, inbound_of(index, k, &shared)?)
                            .await
                            .map(|_| ()),
                    };
                    let mut o = out.lock();
                    match result {
                        Ok(()) => writeln!(o, "ack {k}")?,
                        Err(e) => writeln!(o, "err {k} {e}")?,
                    }
                    o.flush()?;
                }
                Ok(())
            }
            "dispatcher" => {
                let mut waker = desk.store().outbox_waker().await?;
                let stop = format!("{dir}/stop");
                while !std::path::Path::new(&stop).exists() {
                    let _ = waker.wait(StdDuration::from_millis(100)).await;
                    desk.dispatch_outbox(50).await?;
                    desk.sweep(20).await?;
                }
                Ok(())
            }
            other => Err(format!("unknown role {other}").into()),
        }
    })
}

/// A child process, with its stdout lines collected by a thread.
struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn spawn(role: &str, index: u64, schema: &str, dir: &str, from: u64) -> Result<Running> {
    let mut child = Process::new(std::env::current_exe()?)
        .env("SD_PG_CHILD", role)
        .env("SD_PG_INDEX", index.to_string())
        .env("SD_PG_SCHEMA", schema)
        .env("SD_PG_DIR", dir)
        .env("SD_PG_FROM", from.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
        {
            if let Ok(mut l) = sink.lock() {
                l.push(line);
            }
        }
    });
    Ok(Running {
        child,
        lines,
        reader: Some(reader),
    })
}

impl Running {
    fn wait(&mut self) -> Result<Vec<String>> {
        let status = self.child.wait()?;
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        if !status.success() {
            return Err(format!("a child exited with {status}").into());
        }
        Ok(self.lines.lock().map_err(|_| "poisoned")?.clone())
    }
    fn count(&self) -> usize {
        self.lines.lock().map(|l| l.len()).unwrap_or(0)
    }
    fn kill(&mut self) -> Result<Vec<String>> {
        self.child.kill()?; // SIGKILL
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        Ok(self.lines.lock().map_err(|_| "poisoned")?.clone())
    }
}

fn orchestrate() -> Result<()> {
    let started = Instant::now();
    let scratch = ScratchSchema::new("processes");
    let dir = tempfile::tempdir()?;
    let dir_s = dir.path().to_str().ok_or("temp dir")?.to_owned();
    let rt = runtime()?;
    let store = rt.block_on(scratch.open(4)).map_err(|e| e.to_string())?;
    // The 50 shared tickets, tagged so the workers find them.
    rt.block_on(async {
        let setup = Flaky::new(0x5e7, &format!("{dir_s}/accepted-setup-0.log"))?;
        let desk = AsyncDesk::new(
            store.clone(),
            supportdesk::port::SyncNotifier(setup),
            SystemClock,
        )
        .with_sla(policies(), Default::default())?;
        for n in 0..SHARED {
            let r = desk
                .receive(
                    SHOP,
                    Inbound::new(customer(n)?, Channel::Email, format!("Order {n} is late")),
                )
                .await?;
            desk.execute(
                SHOP,
                r.ticket,
                Command::AddTags {
                    tags: vec![supportdesk::Tag::new("shared")?],
                },
            )
            .await?;
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })?;

    let mut dispatchers = (0..DISPATCHERS)
        .map(|i| spawn("dispatcher", i, scratch.name(), &dir_s, 0))
        .collect::<Result<Vec<_>>>()?;
    let mut workers = (0..WORKERS)
        .map(|i| spawn("worker", i, scratch.name(), &dir_s, 0))
        .collect::<Result<Vec<_>>>()?;
    // SIGKILL one worker midway, then restart it after its last
    // acknowledged command.
    let deadline = Instant::now() + StdDuration::from_secs(120);
    while workers[KILLED as usize].count() < (COMMANDS / 2) as usize {
        if Instant::now() > deadline {
            return Err("the worker to kill made no progress".into());
        }
        std::thread::sleep(StdDuration::from_millis(5));
    }
    let before_kill = workers[KILLED as usize].kill()?;
    // The command in flight when the process died may or may not have
    // committed (it was never acknowledged): the restarted worker goes on
    // after it, and the checks allow its message at most once.
    let done = before_kill.len() as u64;
    let resumed_from = done + 1;
    eprintln!(
        "killed worker {KILLED} after {done} acknowledged commands; restarting it after the one in flight"
    );
    let mut restarted = spawn("worker", KILLED, scratch.name(), &dir_s, resumed_from)?;

    let mut outputs: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (i, w) in workers.iter_mut().enumerate() {
        if i as u64 != KILLED {
            outputs.insert(i as u64, w.wait()?);
        }
    }
    let mut killed_out = before_kill;
    killed_out.extend(restarted.wait()?);
    outputs.insert(KILLED, killed_out);

    // Let the dispatchers empty the outbox (and sweep what falls due), then
    // stop them.
    let drain_deadline = Instant::now() + StdDuration::from_secs(120);
    loop {
        let left = rt.block_on(store.undelivered(10))?;
        if left.is_empty() {
            break;
        }
        if Instant::now() > drain_deadline {
            return Err(
                format!("{} notifications still undelivered after 120 s", left.len()).into(),
            );
        }
        std::thread::sleep(StdDuration::from_millis(100));
    }
    std::fs::write(format!("{dir_s}/stop"), b"stop")?;
    for d in &mut dispatchers {
        d.wait()?;
    }
    // The dispatchers also swept until they stopped: an alert they raised
    // after the outbox was drained, and failed to send, is still waiting.
    // One last dispatcher (same flaky notifier) delivers what is left.
    rt.block_on(async {
        let last = Flaky::new(0x1a57, &format!("{dir_s}/accepted-last-0.log"))?;
        let desk = AsyncDesk::new(
            store.clone(),
            supportdesk::port::SyncNotifier(last),
            SystemClock,
        )
        .with_worker("last-dispatcher");
        let deadline = Instant::now() + StdDuration::from_secs(60);
        while !store.undelivered(1).await?.is_empty() {
            if Instant::now() > deadline {
                return Err("the last dispatcher could not empty the outbox in 60 s".into());
            }
            desk.dispatch_outbox(100).await?;
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })?;

    // ---- Checks.
    let mut acked = BTreeSet::new();
    let mut errors = 0;
    for (w, lines) in &outputs {
        for l in lines {
            let mut parts = l.splitn(3, ' ');
            match (parts.next(), parts.next()) {
                (Some("ack"), Some(k)) => {
                    acked.insert((*w, k.parse::<u64>()?));
                }
                (Some("err"), Some(_)) => errors += 1,
                _ => return Err(format!("unexpected output {l:?}").into()),
            }
        }
    }
    let (stats, alerts_ok) = rt.block_on(check_store(&store, &acked))?;
    // Notifications: every one in the outbox was accepted at least once.
    let ids: Vec<String> = rt.block_on(async {
        supportdesk::sqlx::query_scalar::<_, String>(supportdesk::sqlx::AssertSqlSafe(format!(
            "SELECT id::text FROM \"{}\".outbox",
            scratch.name()
        )))
        .fetch_all(store.pool())
        .await
    })?;
    let mut accepted: BTreeMap<String, u32> = BTreeMap::new();
    for entry in std::fs::read_dir(dir.path())? {
        let p = entry?.path();
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("accepted-"))
        {
            for line in std::fs::read_to_string(&p)?.lines() {
                *accepted.entry(line.to_owned()).or_insert(0) += 1;
            }
        }
    }
    let never: Vec<&String> = ids
        .iter()
        .filter(|id| !accepted.contains_key(*id))
        .collect();
    let duplicates: u32 = accepted.values().map(|n| n - 1).sum();
    println!(
        "postgres_processes: {WORKERS} workers x {COMMANDS} commands ({} acknowledged, {errors} refused with an error, worker {KILLED} SIGKILLed after {done} and restarted after the one in flight), {DISPATCHERS} dispatchers",
        acked.len()
    );
    println!(
        "  messages: {} markers expected once, {} found once, {} lost, {} doubled; tickets {} ({} shared); consistency: {} tickets are the replay of their events",
        stats.expected,
        stats.once,
        stats.lost,
        stats.doubled,
        stats.tickets,
        SHARED,
        stats.consistent
    );
    println!(
        "  notifications: {} in the outbox, {} never delivered, {} delivered more than once ({} duplicate deliveries), {} accepted in all",
        ids.len(),
        never.len(),
        accepted.values().filter(|n| **n > 1).count(),
        duplicates,
        accepted.values().sum::<u32>()
    );
    println!(
        "  SLA alerts: {} raised, {} raised twice",
        stats.alerts, stats.alerts_doubled
    );
    println!("  took {:.1} s", started.elapsed().as_secs_f64());
    if stats.lost > 0
        || stats.doubled > 0
        || !never.is_empty()
        || !alerts_ok
        || stats.consistent != stats.tickets
    {
        return Err("the checks above failed".into());
    }
    if stats.alerts == 0 {
        return Err("no SLA alert was raised: the test proved nothing about sweeps".into());
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Stats {
    expected: usize,
    once: usize,
    lost: usize,
    doubled: usize,
    tickets: usize,
    consistent: usize,
    alerts: usize,
    alerts_doubled: usize,
}

/// Reads every ticket: each acknowledged command's marker must appear in
/// exactly one event (a refused or interrupted one in at most one), alerts
/// once per key, and every state the replay of its events.
async fn check_store(store: &PostgresStore, acked: &BTreeSet<(u64, u64)>) -> Result<(Stats, bool)> {
    let mut stats = Stats::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut alerts: BTreeMap<(TicketId, String), usize> = BTreeMap::new();
    let marker = regex::Regex::new(r"\[p\d+-c\d+\]")?;
    let mut q = TicketQuery::new().limit(500);
    loop {
        let page = store.query(SHOP, &q).await?;
        for t in &page.items {
            let events = store.events(SHOP, t.id()).await?;
            stats.tickets += 1;
            if Ticket::from_events(&events).as_ref() == Some(t) {
                stats.consistent += 1;
            }
            for e in &events {
                if let EventKind::SlaAlerted { alert } = &e.kind {
                    *alerts
                        .entry((t.id(), format!("{:?}", alert.key)))
                        .or_insert(0) += 1;
                }
                // Messages holding the marker (an opening event repeats the
                // first message's words as the subject: not a message).
                if matches!(e.kind, EventKind::Opened(_)) {
                    continue;
                }
                let json = serde_json::to_string(e)?;
                let markers: BTreeSet<&str> = marker.find_iter(&json).map(|m| m.as_str()).collect();
                for m in markers {
                    let n = seen.entry(m.to_owned()).or_insert(0);
                    *n += 1;
                    if *n > 1 && std::env::var("SD_PG_DEBUG").is_ok() {
                        eprintln!("{m} again in {}", &json[..json.len().min(400)]);
                    }
                }
            }
        }
        match page.next {
            Some(c) => q = q.after(Some(c)),
            None => break,
        }
    }
    for (w, k) in acked {
        // A sweep carries no message.
        if k % 10 == 9 {
            continue;
        }
        // A redelivery names the earlier message; its own marker is that one.
        if k % 10 == 8 {
            continue;
        }
        stats.expected += 1;
        match seen.get(&format!("[p{w}-c{k}]")).copied().unwrap_or(0) {
            0 => stats.lost += 1,
            1 => stats.once += 1,
            _ => stats.doubled += 1,
        }
    }
    // Nothing, acknowledged or not, appears twice.
    stats.doubled += seen
        .iter()
        .filter(|(m, n)| **n > 1 && !acked_marker(acked, m))
        .count();
    stats.alerts = alerts.len();
    stats.alerts_doubled = alerts.values().filter(|n| **n > 1).count();
    Ok((stats, stats_alerts_once(&alerts)))
}

fn acked_marker(acked: &BTreeSet<(u64, u64)>, m: &str) -> bool {
    let inner = m.trim_start_matches("[p").trim_end_matches(']');
    let mut it = inner.split("-c");
    match (
        it.next().and_then(|w| w.parse().ok()),
        it.next().and_then(|k| k.parse().ok()),
    ) {
        (Some(w), Some(k)) => acked.contains(&(w, k)),
        _ => false,
    }
}

fn stats_alerts_once(alerts: &BTreeMap<(TicketId, String), usize>) -> bool {
    alerts.values().all(|n| *n == 1)
}
