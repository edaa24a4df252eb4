//! A storage backend of its own: a write-ahead log of JSON lines in front
//! of in-memory maps, replayed when the file is opened.
//!
//! It is the store `docs/implementing-a-store.md` walks through, and it
//! passes the whole conformance suite (`tests/custom_store.rs`), less the
//! outbox lease and retention cases: it keeps the port's defaults for
//! `claim`, `mark_delivered_at` and `prune_delivered` (run one dispatcher
//! against it; delivered notifications are kept), and opts out of those
//! cases with `Capabilities::without_leases` / `without_retention`.
//!
//! Run it with `cargo run --example custom_store`.

use std::error::Error;

use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId};
use supportdesk::port::SystemClock;
use supportdesk::testing::RecordingNotifier;
use supportdesk::ticket::Command;
use supportdesk::{Channel, Desk, Inbound, Status};

pub mod jsonl {
    //! [`JsonlStore`]: every commit is one JSON line appended and synced
    //! before it is applied to the maps; opening replays the lines.

    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

    use chrono::{DateTime, Utc};
    use std::fs::{File, OpenOptions};
    use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex, MutexGuard};

    use serde::{Deserialize, Serialize};
    use supportdesk::customer::{Customer, Identity};
    use supportdesk::id::{CustomerId, NotificationId, TenantId, TicketId};
    use supportdesk::port::{
        Commit, DueTicket, Entity, ExpectedVersion, InboundKey, InboundRecord, OnceKey,
        OutboxEntry, Page, StoreError, TicketOrder, TicketQuery, TicketStore,
    };
    use supportdesk::ticket::{Event, Ticket};

    /// One line of the log.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case")]
    enum Record {
        Commit {
            commit: Commit,
        },
        Delivered {
            tenant: TenantId,
            id: NotificationId,
        },
        Failed {
            tenant: TenantId,
            id: NotificationId,
            error: String,
        },
    }

    /// The maps. Every key starts with the tenant.
    #[derive(Debug, Default)]
    struct Data {
        tickets: HashMap<(TenantId, TicketId), Ticket>,
        events: HashMap<(TenantId, TicketId), Vec<Event>>,
        customers: HashMap<(TenantId, CustomerId), Customer>,
        identities: HashMap<(TenantId, Identity), CustomerId>,
        inbound: HashMap<(TenantId, InboundKey), InboundRecord>,
        /// The once keys recorded (`Commit::once`).
        once: HashSet<(TenantId, OnceKey)>,
        /// Outbox slot -> entry and whether it was delivered.
        outbox: BTreeMap<u64, (OutboxEntry, bool)>,
        outbox_index: HashMap<(TenantId, NotificationId), u64>,
        /// The SLA due index: ordered by due time, and each ticket's entry.
        due: BTreeSet<(DateTime<Utc>, TenantId, TicketId)>,
        due_of: HashMap<(TenantId, TicketId), DateTime<Utc>>,
    }

    #[derive(Debug)]
    struct State {
        log: File,
        /// Length of the log up to its last whole line.
        len: u64,
        data: Data,
    }

    /// A durable store in one file of JSON lines.
    #[derive(Debug)]
    pub struct JsonlStore {
        path: PathBuf,
        state: Mutex<State>,
    }

    fn io(what: &str) -> impl Fn(std::io::Error) -> StoreError + '_ {
        move |e| StoreError::Backend {
            message: format!("jsonl store: {what}"),
            source: Some(Arc::new(e)),
        }
    }

    impl JsonlStore {
        /// Opens (or creates) the log at `path` and replays it. A last line
        /// cut short by a crash is dropped; it was never acknowledged.
        ///
        /// # Errors
        /// [`StoreError::Backend`] when the file cannot be read or a whole
        /// line is not a valid record.
        pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
            let path = path.as_ref().to_path_buf();
            let mut log = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(&path)
                .map_err(io("opening the log"))?;
            let mut data = Data::default();
            let mut len = 0u64;
            let mut reader = BufReader::new(&log);
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader.read_line(&mut line).map_err(io("reading the log"))?;
                if n == 0 || !line.ends_with('\n') {
                    break; // the end, or a line torn by a crash
                }
                let record: Record =
                    serde_json::from_str(&line).map_err(|e| StoreError::Backend {
                        message: format!("jsonl store: line at byte {len} is not a record"),
                        source: Some(Arc::new(e)),
                    })?;
                data.replay(record)?;
                len += n as u64;
            }
            drop(reader);
            log.set_len(len).map_err(io("dropping a torn last line"))?;
            log.seek(SeekFrom::End(0)).map_err(io("seeking the log"))?;
            Ok(JsonlStore {
                path,
                state: Mutex::new(State { log, len, data }),
            })
        }

        /// The log file.
        pub fn path(&self) -> &Path {
            &self.path
        }

        fn lock(&self) -> MutexGuard<'_, State> {
            // Every change is checked before it mutates: a panic elsewhere
            // cannot have left the maps half-changed.
            self.state.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl State {
        /// Write ahead: the record is on disk before the maps change. A
        /// failed write is cut off again so the log stays whole lines.
        fn append(&mut self, record: &Record) -> Result<(), StoreError> {
            let mut line = serde_json::to_string(record).map_err(|e| StoreError::Backend {
                message: "jsonl store: encoding a record".to_owned(),
                source: Some(Arc::new(e)),
            })?;
            line.push('\n');
            let written = self
                .log
                .write_all(line.as_bytes())
                .and_then(|()| self.log.sync_data());
            if let Err(e) = written {
                let _ = self.log.set_len(self.len);
                return Err(io("appending to the log")(e));
            }
            self.len += line.len() as u64;
            Ok(())
        }
    }

    impl Data {
        fn replay(&mut self, record: Record) -> Result<(), StoreError> {
            match record {
                Record::Commit { commit } => {
                    self.check(&commit)?;
                    self.apply(&commit);
                    Ok(())
                }
                Record::Delivered { tenant, id } => self.slot(tenant, id).map(|s| s.1 = true),
                Record::Failed { tenant, id, error } => self.slot(tenant, id).map(|s| {
                    s.0.attempts = s.0.attempts.saturating_add(1);
                    s.0.last_error = Some(error);
                }),
            }
        }

        /// Every precondition of a commit, before anything is written.
        fn check(&self, commit: &Commit) -> Result<(), StoreError> {
            let t = commit.tenant;
            for w in &commit.tickets {
                let id = w.ticket.id();
                let actual = self.tickets.get(&(t, id)).map(Ticket::version);
                match (w.expected, actual) {
                    (ExpectedVersion::New, None) => {}
                    (ExpectedVersion::New, Some(_)) => {
                        return Err(StoreError::AlreadyExists {
                            entity: Entity::Ticket(id),
                        });
                    }
                    (ExpectedVersion::Version(v), Some(a)) if v == a => {}
                    (expected, actual) => {
                        return Err(StoreError::Conflict {
                            entity: Entity::Ticket(id),
                            expected,
                            actual,
                        });
                    }
                }
            }
            for w in &commit.customers {
                let id = w.customer.id;
                let actual = self.customers.get(&(t, id)).map(|c| c.version);
                match (w.expected, actual) {
                    (ExpectedVersion::New, None) => {}
                    (ExpectedVersion::New, Some(_)) => {
                        return Err(StoreError::AlreadyExists {
                            entity: Entity::Customer(id),
                        });
                    }
                    (ExpectedVersion::Version(v), Some(a)) if v == a => {}
                    (expected, actual) => {
                        return Err(StoreError::Conflict {
                            entity: Entity::Customer(id),
                            expected,
                            actual,
                        });
                    }
                }
                for identity in &w.customer.identities {
                    // An owner written in this commit without the identity
                    // releases it: a commit may move an identity.
                    let stored =
                        self.identities
                            .get(&(t, identity.clone()))
                            .copied()
                            .filter(|o| {
                                !commit.customers.iter().any(|w| {
                                    w.customer.id == *o && !w.customer.has_identity(identity)
                                })
                            });
                    let in_commit = commit
                        .customers
                        .iter()
                        .find(|o| o.customer.id != id && o.customer.has_identity(identity))
                        .map(|o| o.customer.id);
                    if let Some(owner) = stored.filter(|o| *o != id).or(in_commit) {
                        return Err(StoreError::IdentityTaken {
                            identity: identity.clone(),
                            owner,
                        });
                    }
                }
            }
            for r in &commit.inbound {
                if let Some(existing) = self.inbound.get(&(t, r.key.clone())) {
                    return Err(StoreError::DuplicateInbound {
                        existing: existing.clone(),
                    });
                }
            }
            if let Some(key) = commit
                .once
                .iter()
                .find(|k| self.once.contains(&(t, (*k).clone())))
            {
                return Err(StoreError::AlreadyDone { key: key.clone() });
            }
            Ok(())
        }

        /// Applies a checked commit. Cannot fail.
        fn apply(&mut self, commit: &Commit) {
            let t = commit.tenant;
            for w in &commit.tickets {
                let id = w.ticket.id();
                self.tickets.insert((t, id), w.ticket.clone());
                self.events
                    .entry((t, id))
                    .or_default()
                    .extend(w.events.iter().cloned());
            }
            // Releases before claims: an identity may move in one commit.
            for w in &commit.customers {
                if let Some(old) = self.customers.get(&(t, w.customer.id)) {
                    for gone in old
                        .identities
                        .iter()
                        .filter(|i| !w.customer.has_identity(i))
                    {
                        let key = (t, gone.clone());
                        if self.identities.get(&key) == Some(&w.customer.id) {
                            self.identities.remove(&key);
                        }
                    }
                }
            }
            for w in &commit.customers {
                for i in &w.customer.identities {
                    self.identities.insert((t, i.clone()), w.customer.id);
                }
                self.customers
                    .insert((t, w.customer.id), w.customer.clone());
            }
            for r in &commit.inbound {
                self.inbound.insert((t, r.key.clone()), r.clone());
            }
            self.once.extend(commit.once.iter().map(|k| (t, k.clone())));
            for n in &commit.notifications {
                if self.outbox_index.contains_key(&(n.tenant, n.id)) {
                    continue; // the contract: a known id keeps its first entry
                }
                let slot = self.outbox.last_key_value().map_or(0, |(k, _)| k + 1);
                self.outbox_index.insert((n.tenant, n.id), slot);
                let entry = OutboxEntry::new(n.clone(), 0, None);
                self.outbox.insert(slot, (entry, false));
            }
            // Due times apply only to the version they were computed for.
            for u in &commit.due {
                let key = (t, u.ticket);
                if self.tickets.get(&key).map(Ticket::version) != Some(u.version) {
                    continue;
                }
                if let Some(old) = self.due_of.remove(&key) {
                    self.due.remove(&(old, t, u.ticket));
                }
                if let Some(at) = u.at {
                    self.due.insert((at, t, u.ticket));
                    self.due_of.insert(key, at);
                }
            }
        }

        fn slot(
            &mut self,
            tenant: TenantId,
            id: NotificationId,
        ) -> Result<&mut (OutboxEntry, bool), StoreError> {
            self.outbox_index
                .get(&(tenant, id))
                .and_then(|k| self.outbox.get_mut(k))
                .ok_or(StoreError::UnknownNotification { id })
        }
    }

    impl TicketStore for JsonlStore {
        fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError> {
            Ok(self.lock().data.tickets.get(&(tenant, id)).cloned())
        }

        fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
            commit.validate()?;
            let mut state = self.lock();
            state.data.check(commit)?;
            // Logged before applied: a crash after this line replays it.
            state.append(&Record::Commit {
                commit: commit.clone(),
            })?;
            state.data.apply(commit);
            Ok(())
        }

        fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
            Ok(self
                .lock()
                .data
                .events
                .get(&(tenant, id))
                .cloned()
                .unwrap_or_default())
        }

        fn query(&self, tenant: TenantId, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
            let state = self.lock();
            let mut hits: Vec<&Ticket> = state
                .data
                .tickets
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, ticket)| ticket)
                .filter(|t| query.matches(t))
                .filter(|t| query.after.as_ref().is_none_or(|c| query.is_after(t, c)))
                .collect();
            hits.sort_by(|a, b| {
                let (ka, kb) = (query.cursor_of(a), query.cursor_of(b));
                let ord = (ka.at, ka.id).cmp(&(kb.at, kb.id));
                match query.order {
                    TicketOrder::UpdatedDesc => ord.reverse(),
                    _ => ord,
                }
            });
            let limit = query.effective_limit();
            let more = hits.len() > limit;
            hits.truncate(limit);
            let next = if more {
                hits.last().map(|t| query.cursor_of(t))
            } else {
                None
            };
            Ok(Page::new(hits.into_iter().cloned().collect(), next))
        }

        fn customer(
            &self,
            tenant: TenantId,
            id: CustomerId,
        ) -> Result<Option<Customer>, StoreError> {
            Ok(self.lock().data.customers.get(&(tenant, id)).cloned())
        }

        fn customer_by_identity(
            &self,
            tenant: TenantId,
            identity: &Identity,
        ) -> Result<Option<Customer>, StoreError> {
            let state = self.lock();
            Ok(state
                .data
                .identities
                .get(&(tenant, identity.clone()))
                .and_then(|id| state.data.customers.get(&(tenant, *id)))
                .cloned())
        }

        fn inbound(
            &self,
            tenant: TenantId,
            key: &InboundKey,
        ) -> Result<Option<InboundRecord>, StoreError> {
            Ok(self
                .lock()
                .data
                .inbound
                .get(&(tenant, key.clone()))
                .cloned())
        }

        fn undelivered(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
            Ok(self
                .lock()
                .data
                .outbox
                .values()
                .filter(|(_, delivered)| !delivered)
                .take(limit)
                .map(|(e, _)| e.clone())
                .collect())
        }

        fn mark_delivered(&self, tenant: TenantId, id: NotificationId) -> Result<(), StoreError> {
            let mut state = self.lock();
            state.data.slot(tenant, id)?;
            state.append(&Record::Delivered { tenant, id })?;
            state.data.slot(tenant, id)?.1 = true;
            Ok(())
        }

        fn record_failure(
            &self,
            tenant: TenantId,
            id: NotificationId,
            error: &str,
        ) -> Result<(), StoreError> {
            let mut state = self.lock();
            state.data.slot(tenant, id)?;
            state.append(&Record::Failed {
                tenant,
                id,
                error: error.to_owned(),
            })?;
            let slot = state.data.slot(tenant, id)?;
            slot.0.attempts = slot.0.attempts.saturating_add(1);
            slot.0.last_error = Some(error.to_owned());
            Ok(())
        }

        fn due(&self, until: DateTime<Utc>, limit: usize) -> Result<Vec<DueTicket>, StoreError> {
            Ok(self
                .lock()
                .data
                .due
                .iter()
                .take_while(|(at, _, _)| *at <= until)
                .take(limit)
                .map(|&(at, tenant, ticket)| DueTicket::new(tenant, ticket, at))
                .collect())
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("supportdesk-custom-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("desk.jsonl");
    let shop = TenantId::from_u128(1);

    let ticket = {
        let desk = Desk::new(
            jsonl::JsonlStore::open(&path)?,
            RecordingNotifier::new(),
            SystemClock,
        );
        let r = desk.receive(
            shop,
            Inbound::new(
                Identity::email("ana@example.com")?,
                Channel::Email,
                "Where is my parcel?",
            )
            .external_id("<m1@mail.example>"),
        )?;
        desk.execute(
            shop,
            r.ticket,
            Command::agent_reply(AgentId::from_u128(7), "It ships today."),
        )?;
        desk.execute(shop, r.ticket, Command::status(Status::Solved))?;
        r.ticket
    };

    // Reopen: the log is replayed.
    let desk = Desk::new(
        jsonl::JsonlStore::open(&path)?,
        RecordingNotifier::new(),
        SystemClock,
    );
    let t = desk.ticket(shop, ticket)?;
    println!(
        "ticket {} is {} after replaying {} ({} messages, version {})",
        t.id(),
        t.status(),
        path.display(),
        t.messages().len(),
        t.version()
    );
    assert_eq!(t.status(), Status::Solved);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
