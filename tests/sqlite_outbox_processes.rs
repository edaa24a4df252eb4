//! `SqliteStore`'s leased outbox across OS processes (issue 13): one
//! dispatcher process claims a batch and is SIGKILLed before marking it;
//! three more drain the outbox from the same file. Every notification is
//! delivered; none by two living dispatchers while a lease holds; the dead
//! one's batch is taken over once its lease ends.
//!
//! `harness = false`: the binary is the parent and, with `SD_SQLITE_CHILD`
//! set, each dispatcher.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command as Process, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use supportdesk::customer::Identity;
use supportdesk::id::TenantId;
use supportdesk::port::{OutboxClaim, SystemClock, TicketStore};
use supportdesk::store::SqliteStore;
use supportdesk::testing::{RecordingNotifier, SequentialIds};
use supportdesk::{Channel, Desk, Dispatch, Inbound};

const SHOP: TenantId = TenantId::from_u128(0x5);
const MESSAGES: u64 = 120;
const LEASE_MS: i64 = 1500;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() {
    let outcome = match std::env::var("SD_SQLITE_CHILD") {
        Ok(name) => child(&name),
        Err(_) => parent(),
    };
    if let Err(e) = outcome {
        eprintln!("sqlite_outbox_processes: FAILED: {e}");
        std::process::exit(1);
    }
}

/// A dispatcher: claims batches of 5 under a lease, prints each entry it
/// delivers, marks it delivered. The one named `doomed` prints its first
/// batch as claimed and then waits to be killed, marking nothing.
fn child(name: &str) -> Result<()> {
    let db = std::env::var("SD_SQLITE_DB")?;
    let store = SqliteStore::open(&db)?;
    let out = std::io::stdout();
    let mut idle_since = None;
    loop {
        let claim = OutboxClaim::new(name, Utc::now(), Duration::milliseconds(LEASE_MS), 5);
        let got = store.claim(&claim)?;
        if name == "doomed" {
            let mut o = out.lock();
            for e in &got {
                writeln!(o, "CLAIMED {}", e.notification.id)?;
            }
            writeln!(o, "READY")?;
            o.flush()?;
            loop {
                std::thread::sleep(StdDuration::from_secs(1));
            }
        }
        if got.is_empty() {
            // Done once nothing is undelivered at all (entries the dead
            // dispatcher holds come free when its lease ends).
            if store.undelivered(1)?.is_empty() {
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() > StdDuration::from_millis(200) {
                    return Ok(());
                }
            }
            std::thread::sleep(StdDuration::from_millis(20));
            continue;
        }
        idle_since = None;
        for e in got {
            let n = &e.notification;
            {
                let mut o = out.lock();
                writeln!(o, "DELIVERED {}", n.id)?;
                o.flush()?;
            }
            store.mark_delivered_at(n.tenant, n.id, Utc::now())?;
        }
    }
}

fn spawn(name: &str, db: &str) -> Result<std::process::Child> {
    Ok(Process::new(std::env::current_exe()?)
        .env("SD_SQLITE_CHILD", name)
        .env("SD_SQLITE_DB", db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?)
}

fn parent() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("outbox.db");
    let db_s = db.to_str().ok_or("path")?.to_owned();
    // Notifications left to the outbox, not leased.
    let desk = Desk::new(
        SqliteStore::open(&db)?,
        RecordingNotifier::new(),
        SystemClock,
    )
    .with_ids(SequentialIds::new())
    .with_dispatch(Dispatch::Outbox);
    for i in 0..MESSAGES {
        let who = Identity::email(&format!("c{i}@example.com"))?;
        desk.receive(
            SHOP,
            Inbound::new(who, Channel::Email, format!("Order {i}?")),
        )?;
    }
    let queued: BTreeSet<String> = desk
        .store()
        .undelivered(100_000)?
        .iter()
        .map(|e| e.notification.id.to_string())
        .collect();
    drop(desk);

    // The doomed dispatcher claims a batch, then dies holding it.
    let mut doomed = spawn("doomed", &db_s)?;
    let mut held = BTreeSet::new();
    let lines = BufReader::new(doomed.stdout.take().ok_or("stdout")?);
    for line in lines.lines() {
        let line = line?;
        if line == "READY" {
            break;
        }
        if let Some(id) = line.strip_prefix("CLAIMED ") {
            held.insert(id.to_owned());
        }
    }
    doomed.kill()?; // SIGKILL
    doomed.wait()?;
    let died = Instant::now();
    if held.is_empty() {
        return Err("the doomed dispatcher claimed nothing".into());
    }

    let mut children = Vec::new();
    for i in 0..3 {
        children.push((format!("d{i}"), spawn(&format!("d{i}"), &db_s)?));
    }
    let mut delivered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, mut child) in children {
        let out = child.stdout.take().ok_or("stdout")?;
        for line in BufReader::new(out).lines() {
            if let Some(id) = line?.strip_prefix("DELIVERED ") {
                delivered
                    .entry(id.to_owned())
                    .or_default()
                    .push(name.clone());
            }
        }
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("dispatcher {name} exited with {status}").into());
        }
    }
    let took = died.elapsed();
    let all: BTreeSet<String> = delivered.keys().cloned().collect();
    let twice: Vec<(&String, &Vec<String>)> =
        delivered.iter().filter(|(_, by)| by.len() > 1).collect();
    println!(
        "sqlite_outbox_processes: {} queued; 1 dispatcher SIGKILLed holding {}; 3 dispatcher processes delivered {} distinct, {} twice; drained {:.1} s after the kill (lease {LEASE_MS} ms)",
        queued.len(),
        held.len(),
        all.len(),
        twice.len(),
        took.as_secs_f64()
    );
    if all != queued {
        return Err(format!("delivered {} of {} queued", all.len(), queued.len()).into());
    }
    if !twice.is_empty() {
        return Err(format!("delivered twice while leases held: {twice:?}").into());
    }
    if !held.is_subset(&all) {
        return Err("the dead dispatcher's batch was lost".into());
    }
    if took < StdDuration::from_millis(LEASE_MS as u64 / 2) {
        return Err("the dead dispatcher's batch was taken before its lease could end".into());
    }
    let store = SqliteStore::open(&db)?;
    if !store.undelivered(10)?.is_empty() {
        return Err("entries left undelivered".into());
    }
    Ok(())
}
