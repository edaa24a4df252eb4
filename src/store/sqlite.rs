//! [`SqliteStore`]: the embedded default backend (feature `sqlite`).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, MessageId, NotificationId, TenantId, TicketId};
use crate::port::{
    Commit, Cursor, CustomerWrite, DueTicket, Entity, ExpectedVersion, InboundKey, InboundRecord,
    OutboxClaim, OutboxEntry, OutboxLease, Page, StoreError, TicketOrder, TicketQuery, TicketStore,
    TicketWrite,
};
use crate::ticket::stored;
use crate::ticket::{Event, StoredEvent, Ticket};

/// `PRAGMA application_id` of a supportdesk database ("SDK1").
const APPLICATION_ID: i64 = 0x5344_4b31;

/// One schema migration: SQL, or code for a change SQL cannot express.
enum Migration {
    /// Statements run as one batch.
    Sql(&'static str),
    /// A function run on the connection, inside the migration transaction.
    Code(fn(&Connection) -> Result<(), SqliteOpenError>),
}

/// The schema migrations, in order: migration `i` takes `PRAGMA
/// user_version` from `i` to `i + 1`. Forward only: a released migration
/// is never edited, a change is a new one appended here.
const MIGRATIONS: &[Migration] = &[
    // 1: tickets with the query columns, tags, events, customers,
    // identities, inbound keys, the outbox.
    Migration::Sql(
        r#"
    CREATE TABLE tickets (
        tenant     BLOB    NOT NULL,
        id         BLOB    NOT NULL,
        version    INTEGER NOT NULL,
        status     TEXT    NOT NULL,
        assignee   BLOB,
        customer   BLOB    NOT NULL,
        channel    TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        state      TEXT    NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE INDEX tickets_by_created  ON tickets (tenant, created_at, id);
    CREATE INDEX tickets_by_updated  ON tickets (tenant, updated_at, id);
    CREATE INDEX tickets_by_status   ON tickets (tenant, status, updated_at, id);
    CREATE INDEX tickets_by_assignee ON tickets (tenant, assignee, updated_at, id);
    CREATE INDEX tickets_by_customer ON tickets (tenant, customer, updated_at, id);

    CREATE TABLE ticket_tags (
        tenant BLOB NOT NULL,
        ticket BLOB NOT NULL,
        tag    TEXT NOT NULL,
        PRIMARY KEY (tenant, ticket, tag)
    ) WITHOUT ROWID;
    CREATE INDEX ticket_tags_by_tag ON ticket_tags (tenant, tag, ticket);

    CREATE TABLE events (
        tenant   BLOB    NOT NULL,
        ticket   BLOB    NOT NULL,
        sequence INTEGER NOT NULL,
        at       INTEGER NOT NULL,
        kind     TEXT    NOT NULL,
        PRIMARY KEY (tenant, ticket, sequence)
    ) WITHOUT ROWID;

    CREATE TABLE customers (
        tenant  BLOB    NOT NULL,
        id      BLOB    NOT NULL,
        version INTEGER NOT NULL,
        body    TEXT    NOT NULL,
        PRIMARY KEY (tenant, id)
    );

    CREATE TABLE identities (
        tenant   BLOB NOT NULL,
        identity TEXT NOT NULL,
        customer BLOB NOT NULL,
        PRIMARY KEY (tenant, identity)
    ) WITHOUT ROWID;
    CREATE INDEX identities_by_customer ON identities (tenant, customer);

    CREATE TABLE inbound (
        tenant      BLOB NOT NULL,
        channel     TEXT NOT NULL,
        external_id TEXT NOT NULL,
        ticket      BLOB NOT NULL,
        message     BLOB NOT NULL,
        customer    BLOB NOT NULL,
        PRIMARY KEY (tenant, channel, external_id)
    ) WITHOUT ROWID;

    CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY,
        tenant     BLOB    NOT NULL,
        id         BLOB    NOT NULL,
        body       TEXT    NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered  INTEGER NOT NULL DEFAULT 0,
        UNIQUE (tenant, id)
    );
    CREATE INDEX outbox_undelivered ON outbox (seq) WHERE delivered = 0;
    "#,
    ),
    // 2: the SLA due-time index.
    Migration::Sql(
        r#"
    ALTER TABLE tickets ADD COLUMN due_at INTEGER;
    CREATE INDEX tickets_by_due ON tickets (due_at, tenant, id) WHERE due_at IS NOT NULL;
    "#,
    ),
    // 3: identity keys in the injective format of `Identity::key`.
    Migration::Code(rekey_identities),
    // 4: once keys (`Commit::once`), e.g. that a spike notice was queued.
    Migration::Sql(
        r#"
    CREATE TABLE once_keys (
        tenant BLOB NOT NULL,
        key    TEXT NOT NULL,
        PRIMARY KEY (tenant, key)
    ) WITHOUT ROWID;
    "#,
    ),
    // 5: events are stored as their envelope (`StoredEvent`, which carries
    // its format version) in `body`. Rows written before keep their bare
    // `EventKind` JSON (format 1, the rest of the event in the columns)
    // and are read through the upcasters; nothing is rewritten. Code of
    // schema 4, which cannot read an envelope, refuses the database.
    Migration::Sql("ALTER TABLE events RENAME COLUMN kind TO body;"),
    // 6: outbox leases and delivery times. `delivered_at` is the first
    // delivery time in nanoseconds since 1970; a delivered row without one
    // was delivered at a time not recorded (every row delivered before this
    // migration, and `mark_delivered`), which retention counts as oldest.
    // `lease_owner` / `lease_until` (nanoseconds) hold an undelivered row's
    // lease. The partial index orders delivered rows for pruning (NULL
    // times first); claims use `outbox_undelivered`.
    Migration::Sql(
        r#"
    ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
    ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
    ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
    CREATE INDEX outbox_delivered ON outbox (delivered_at, seq) WHERE delivered = 1;
    "#,
    ),
];

/// The schema version this code writes and reads.
///
/// Available with the crate feature `sqlite`.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How durable a commit is once it returns (SQLite's `synchronous` in WAL
/// mode).
///
/// Available with the crate feature `sqlite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// Every commit is synced to disk before it returns: it survives a
    /// power cut (`synchronous = FULL`). The default.
    #[default]
    Full,
    /// A commit survives the process being killed, but the last commits
    /// may be lost in a power cut or OS crash (`synchronous = NORMAL`).
    /// Several times faster on slow disks.
    ProcessCrash,
}

/// Settings for [`SqliteStore::open_with`].
///
/// ```
/// use std::time::Duration;
/// use supportdesk::store::{Durability, SqliteOptions};
/// let opts = SqliteOptions::default()
///     .busy_timeout(Duration::from_secs(30))
///     .durability(Durability::ProcessCrash);
/// assert_eq!(opts.idle_readers, 4);
/// ```
///
/// Available with the crate feature `sqlite`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// How long a write waits for another connection's (or process's)
    /// write to finish before failing with a backend error. Default 10 s.
    pub busy_timeout: Duration,
    /// Durability of a commit. Default [`Durability::Full`].
    pub durability: Durability,
    /// Read connections kept open between calls (file databases; reads
    /// never wait for the writer in WAL mode). 0 opens a connection per
    /// read. Default 4.
    pub idle_readers: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(10),
            durability: Durability::Full,
            idle_readers: 4,
        }
    }
}

impl SqliteOptions {
    /// Sets the busy timeout.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }
    /// Sets the durability.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }
    /// Sets how many read connections are kept open.
    pub fn idle_readers(mut self, n: usize) -> Self {
        self.idle_readers = n;
        self
    }
}

/// Opening a [`SqliteStore`] failed.
///
/// Available with the crate feature `sqlite`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteOpenError {
    /// The database was written by a newer version of this crate (its
    /// schema version is higher than the one this code knows). Nothing was
    /// changed; upgrade the crate to open it.
    #[error(
        "database schema version {found} is newer than the {supported} this version of supportdesk supports"
    )]
    SchemaTooNew {
        /// The database's schema version.
        found: u32,
        /// The newest schema this code knows ([`SCHEMA_VERSION`]).
        supported: u32,
    },
    /// The file is an SQLite database of another application.
    #[error("not a supportdesk database (application id {application_id:#x}, tables present)")]
    ForeignDatabase {
        /// Its `PRAGMA application_id`.
        application_id: i64,
    },
    /// A migration of an older database could not convert its data. The
    /// database was left as it was (the migration is one transaction).
    #[error("migrating the database to schema version {version} failed: {reason}")]
    Migration {
        /// The schema version the failed migration leads to.
        version: u32,
        /// What could not be converted.
        reason: String,
    },
    /// SQLite failed (cannot open the file, not a database, I/O error).
    #[error("opening the sqlite database failed: {message}")]
    Sqlite {
        /// What was being done.
        message: String,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl From<SqliteOpenError> for StoreError {
    fn from(e: SqliteOpenError) -> Self {
        StoreError::Backend {
            message: "opening the sqlite store failed".to_owned(),
            source: Some(Arc::new(e)),
        }
    }
}

fn open_err(message: &str) -> impl FnOnce(rusqlite::Error) -> SqliteOpenError + '_ {
    move |e| SqliteOpenError::Sqlite {
        message: message.to_owned(),
        source: Box::new(e),
    }
}

fn backend(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Backend {
        message: format!("sqlite: {what}"),
        source: Some(Arc::new(e)),
    }
}

fn json_err(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Backend {
        message: format!("sqlite: {what}"),
        source: Some(Arc::new(e)),
    }
}

/// Column `i` of a row as text, borrowed.
fn text<'r>(
    row: &'r rusqlite::Row<'_>,
    i: usize,
    what: &'static str,
) -> Result<&'r str, StoreError> {
    let value = row.get_ref(i).map_err(backend(what))?;
    value.as_str().map_err(|e| StoreError::Backend {
        message: format!("sqlite: {what}"),
        source: Some(Arc::new(e)),
    })
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// A [`TicketStore`] in an SQLite database: the embedded default for real
/// use (feature `sqlite`; SQLite is compiled in, nothing to install).
///
/// - **Schema**: created on first open and migrated forward on open
///   (`PRAGMA user_version`); a database newer than the code is refused
///   with [`SqliteOpenError::SchemaTooNew`]. Schema version 3 rewrites the
///   identity keys of older databases into the injective format of
///   [`Identity::key`], from the identities the customer records hold.
/// - **Events**: since schema version 5 each event is stored as its
///   envelope ([`StoredEvent`](crate::ticket::StoredEvent), which carries
///   its format version) and read back through the upcasters; the bare
///   event kinds older versions wrote still read, unchanged. A row of a
///   format newer than the code is a [`StoreError::Backend`] whose source is
///   [`StoredEventError::TooNew`](crate::ticket::StoredEventError::TooNew).
/// - **Writes**: one writer connection behind a mutex; every write is a
///   `BEGIN IMMEDIATE` transaction (it takes the write lock up front) with
///   a busy timeout, so writers of other processes on the same file wait
///   for each other instead of failing. A commit's ticket states, events,
///   customers, inbound keys, notifications and once keys are one
///   transaction.
/// - **Reads**: a small pool of read connections; in WAL mode readers
///   never wait for writers, and every read is one statement, so one
///   consistent snapshot.
/// - **Outbox**: since schema version 6 it keeps leases
///   ([`claim`](TicketStore::claim) runs in a `BEGIN IMMEDIATE` transaction,
///   so claims of other connections and processes on the file never get an
///   entry while its lease holds) and delivery times
///   ([`mark_delivered_at`](TicketStore::mark_delivered_at)), and
///   [`prune_delivered`](TicketStore::prune_delivered) deletes old
///   deliveries; notifications delivered before version 6 count as
///   delivered at an unknown time (pruned first). Claims read the
///   undelivered entries in outbox order through a partial index, so a
///   claim costs what it returns plus the entries other workers hold;
///   pruning walks a partial index of delivered rows by delivery time.
/// - **Tenants**: the tenant is in every table, key and query.
/// - **Values**: a ticket is stored as its JSON with the queried fields
///   (status, assignee, customer, channel, created and updated times, tags)
///   in indexed columns; times as nanoseconds since 1970, so they must lie
///   between the years 1677 and 2262.
///
/// Several threads can share one store (it is `Sync`; put it in an
/// `Arc`), and several processes can open the same file.
///
/// ```
/// use supportdesk::{Channel, Desk, Inbound};
/// use supportdesk::customer::Identity;
/// use supportdesk::id::TenantId;
/// use supportdesk::store::SqliteStore;
/// use supportdesk::testing::{ManualClock, RecordingNotifier};
///
/// let dir = tempfile::tempdir()?;
/// let store = SqliteStore::open(dir.path().join("desk.db"))?;
/// let desk = Desk::new(store, RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?);
/// let shop = TenantId::from_u128(1);
/// let r = desk.receive(shop, Inbound::new(Identity::email("ana@example.com")?, Channel::Email, "Hello"))?;
/// assert_eq!(desk.ticket(shop, r.ticket)?.messages().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Available with the crate feature `sqlite`.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// `None` for an in-memory database: reads use the writer connection.
    readers: Option<Mutex<Vec<Connection>>>,
    path: Option<PathBuf>,
    options: SqliteOptions,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path` with the default
    /// [`SqliteOptions`], creating or migrating its schema.
    ///
    /// # Errors
    /// [`SqliteOpenError::SchemaTooNew`] for a database of a newer version
    /// of this crate, [`SqliteOpenError::ForeignDatabase`] for another
    /// application's database, [`SqliteOpenError::Migration`] when an older
    /// database holds data its migration cannot convert,
    /// [`SqliteOpenError::Sqlite`] when the file cannot be opened or is not
    /// a database.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SqliteOpenError> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens (or creates) the database file at `path` with `options`.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, SqliteOpenError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(open_err("opening the file"))?;
        configure(&conn, &options, true).map_err(open_err("configuring the connection"))?;
        migrate(&conn)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: Some(Mutex::new(Vec::new())),
            path: Some(path),
            options,
        })
    }

    /// A private database in memory, gone when the store is dropped (for
    /// tests; one connection serves reads and writes).
    ///
    /// # Errors
    /// [`SqliteOpenError::Sqlite`] if SQLite cannot allocate it.
    ///
    /// ```
    /// use supportdesk::port::TicketStore;
    /// use supportdesk::store::SqliteStore;
    /// let store = SqliteStore::in_memory()?;
    /// assert!(store.undelivered(10)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn in_memory() -> Result<Self, SqliteOpenError> {
        let options = SqliteOptions::default();
        let conn = Connection::open_in_memory().map_err(open_err("opening in memory"))?;
        configure(&conn, &options, true).map_err(open_err("configuring the connection"))?;
        migrate(&conn)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: None,
            path: None,
            options,
        })
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The options it was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.options
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock dropped its transaction, which
        // rolled back: the connection is usable.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on a read connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (Some(pool), Some(path)) = (&self.readers, &self.path) else {
            return f(&self.writer());
        };
        let idle = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(backend("opening a read connection"))?;
                configure(&c, &self.options, false)
                    .map_err(backend("configuring a read connection"))?;
                c
            }
        };
        let out = f(&conn);
        let mut idle = pool.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.options.idle_readers {
            idle.push(conn);
        }
        out
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer, committing
    /// when it returns `Ok` and rolling back otherwise.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend("beginning a write transaction"))?;
        let out = f(&tx)?;
        tx.commit().map_err(backend("committing"))?;
        Ok(out)
    }
}

fn configure(conn: &Connection, options: &SqliteOptions, writer: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(64);
    if writer {
        // In memory the journal stays "memory"; a file becomes WAL.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    }
    let sync = match options.durability {
        Durability::Full => "FULL",
        Durability::ProcessCrash => "NORMAL",
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {sync}; PRAGMA foreign_keys = OFF;"
    ))?;
    if !writer {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(())
}

/// Brings the schema to [`SCHEMA_VERSION`] in one immediate transaction
/// (so concurrent openers of a new file migrate it once).
fn migrate(conn: &Connection) -> Result<(), SqliteOpenError> {
    // The common case, an up-to-date database, needs no write lock.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(open_err("reading the schema version"))?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(open_err("reading the application id"))?;
    if app == APPLICATION_ID && version == i64::from(SCHEMA_VERSION) {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(open_err("locking the database to check its schema"))?;
    let result = migrate_locked(conn);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn
        .execute_batch(end)
        .map_err(open_err("ending the schema transaction"));
    result.and(ended)
}

fn migrate_locked(conn: &Connection) -> Result<(), SqliteOpenError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(open_err("reading the schema version"))?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(open_err("reading the application id"))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(open_err("reading the schema"))?;
    if app != APPLICATION_ID && (app != 0 || tables > 0) {
        return Err(SqliteOpenError::ForeignDatabase {
            application_id: app,
        });
    }
    let found = u32::try_from(version).unwrap_or(u32::MAX);
    if found > SCHEMA_VERSION {
        return Err(SqliteOpenError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if app == 0 {
        conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
            .map_err(open_err("setting the application id"))?;
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        match migration {
            Migration::Sql(sql) => conn
                .execute_batch(sql)
                .map_err(open_err("migrating the schema"))?,
            Migration::Code(run) => run(conn)?,
        }
        conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
            .map_err(open_err("recording the schema version"))?;
    }
    Ok(())
}

/// Migration 3: rewrites every stored identity key into the injective
/// format of [`Identity::key`].
///
/// Earlier keys joined an identity's parts with `:` unescaped, so
/// `external("shop:eu", "42")` and `external("shop", "eu:42")` shared one
/// key; the old code refused the second as taken (or found the first's
/// customer for it), so a database holds at most one identity per old key.
/// Each row is rewritten from the identity its customer's stored record
/// lists under that old key: the identity is stored in full there, so the
/// new key is exact. A row whose customer record does not list it (or
/// cannot be read) is read back from the old key the way the old code
/// built it ([`Identity::from_legacy_key`]: for an external id, the system
/// name up to its first `:`). A key that cannot be read either way fails
/// the migration with [`SqliteOpenError::Migration`] naming it, and the
/// database is left as it was.
fn rekey_identities(conn: &Connection) -> Result<(), SqliteOpenError> {
    let failed = |reason: String| SqliteOpenError::Migration { version: 3, reason };
    let read = |e: rusqlite::Error| failed(format!("reading the identities: {e}"));
    // Each customer's identities by their old key.
    let mut listed: std::collections::HashMap<(Vec<u8>, Vec<u8>), Vec<Identity>> =
        std::collections::HashMap::new();
    {
        let mut s = conn
            .prepare("SELECT tenant, id, body FROM customers")
            .map_err(read)?;
        let mut rows = s.query([]).map_err(read)?;
        while let Some(row) = rows.next().map_err(read)? {
            let tenant: Vec<u8> = row.get(0).map_err(read)?;
            let id: Vec<u8> = row.get(1).map_err(read)?;
            let body: String = row.get(2).map_err(read)?;
            if let Ok(c) = serde_json::from_str::<Customer>(&body) {
                listed.insert((tenant, id), c.identities);
            }
        }
    }
    let mut rekeyed = Vec::new();
    {
        let mut s = conn
            .prepare("SELECT tenant, identity, customer FROM identities")
            .map_err(read)?;
        let mut rows = s.query([]).map_err(read)?;
        while let Some(row) = rows.next().map_err(read)? {
            let tenant: Vec<u8> = row.get(0).map_err(read)?;
            let old: String = row.get(1).map_err(read)?;
            let customer: Vec<u8> = row.get(2).map_err(read)?;
            let from_record = listed
                .get(&(tenant.clone(), customer.clone()))
                .and_then(|ids| ids.iter().find(|i| i.legacy_key() == old).cloned());
            let Some(identity) = from_record.or_else(|| Identity::from_legacy_key(&old)) else {
                return Err(failed(format!(
                    "the stored identity key {old:?} is neither listed by its customer nor readable as an identity"
                )));
            };
            rekeyed.push((tenant, identity.key(), customer, old));
        }
    }
    let write = |e: rusqlite::Error| failed(format!("rewriting the identities: {e}"));
    conn.execute("DELETE FROM identities", []).map_err(write)?;
    for (tenant, key, customer, old) in &rekeyed {
        let inserted = conn.execute(
            "INSERT INTO identities (tenant, identity, customer) VALUES (?1, ?2, ?3)",
            params![tenant, key, customer],
        );
        match inserted {
            Ok(_) => {}
            Err(e) if is_constraint(&e) => {
                // Two old keys read as one identity: only possible for keys
                // the old code did not write. One owner keeps it; two differ.
                let owner: Vec<u8> = conn
                    .query_row(
                        "SELECT customer FROM identities WHERE tenant = ?1 AND identity = ?2",
                        params![tenant, key],
                        |r| r.get(0),
                    )
                    .map_err(write)?;
                if owner != *customer {
                    return Err(failed(format!(
                        "the stored identity key {old:?} reads as identity {key:?}, which another customer also holds"
                    )));
                }
            }
            Err(e) => return Err(write(e)),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Values <-> columns.

fn blob(u: &uuid::Uuid) -> &[u8] {
    u.as_bytes()
}

fn uuid_of(bytes: &[u8]) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::from_slice(bytes).map_err(|e| StoreError::Backend {
        message: "sqlite: a stored id is not 16 bytes".to_owned(),
        source: Some(Arc::new(e)),
    })
}

/// Nanoseconds since 1970 of a time to store.
fn nanos(t: DateTime<Utc>) -> Result<i64, StoreError> {
    t.timestamp_nanos_opt().ok_or_else(|| {
        StoreError::backend(format!(
            "sqlite: time {t} is outside the years 1677 to 2262 the sqlite store can index"
        ))
    })
}

/// Nanoseconds of a time to compare with (saturating: every stored time is
/// in range).
fn nanos_bound(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

fn time_of(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

/// A commit turned into column values before the write lock is taken.
struct Rows<'c> {
    tickets: Vec<TicketRow<'c>>,
    customers: Vec<(&'c CustomerWrite, String)>,
    notifications: Vec<(TenantId, NotificationId, String)>,
    /// The lease the notifications are queued under: owner and end in
    /// nanoseconds.
    lease: Option<(&'c str, i64)>,
    /// (ticket, version, due time in nanoseconds or NULL).
    due: Vec<(TicketId, i64, Option<i64>)>,
}

struct TicketRow<'c> {
    write: &'c TicketWrite,
    state: String,
    created: i64,
    updated: i64,
    events: Vec<(u64, i64, String)>,
}

impl<'c> Rows<'c> {
    fn of(commit: &'c Commit) -> Result<Self, StoreError> {
        let mut tickets = Vec::with_capacity(commit.tickets.len());
        for w in &commit.tickets {
            let mut events = Vec::with_capacity(w.events.len());
            for e in &w.events {
                events.push((
                    e.sequence,
                    nanos(e.at)?,
                    serde_json::to_string(&StoredEvent::new(e))
                        .map_err(json_err("encoding an event"))?,
                ));
            }
            tickets.push(TicketRow {
                write: w,
                state: serde_json::to_string(&w.ticket).map_err(json_err("encoding a ticket"))?,
                created: nanos(w.ticket.created_at())?,
                updated: nanos(w.ticket.updated_at())?,
                events,
            });
        }
        let mut customers = Vec::with_capacity(commit.customers.len());
        for c in &commit.customers {
            customers.push((
                c,
                serde_json::to_string(&c.customer).map_err(json_err("encoding a customer"))?,
            ));
        }
        let mut notifications = Vec::with_capacity(commit.notifications.len());
        for n in &commit.notifications {
            notifications.push((
                n.tenant,
                n.id,
                serde_json::to_string(n).map_err(json_err("encoding a notification"))?,
            ));
        }
        let mut due = Vec::with_capacity(commit.due.len());
        for d in &commit.due {
            let version = i64::try_from(d.version).map_err(|_| StoreError::InvalidCommit {
                reason: format!("ticket {} has a version beyond SQLite's integers", d.ticket),
            })?;
            due.push((d.ticket, version, d.at.map(nanos_bound)));
        }
        let lease = match &commit.lease {
            Some(l) => Some((l.owner.as_str(), nanos(l.until)?)),
            None => None,
        };
        Ok(Rows {
            tickets,
            customers,
            notifications,
            lease,
            due,
        })
    }
}

fn write_ticket(tx: &Connection, tenant: &[u8], row: &TicketRow<'_>) -> Result<(), StoreError> {
    let t = &row.write.ticket;
    let ticket_id = t.id();
    let id = blob(ticket_id.as_uuid());
    let assignee = t.assignee();
    let assignee = assignee.as_ref().map(|a| blob(a.as_uuid()));
    let version =
        i64::try_from(t.version()).map_err(|_| StoreError::backend("sqlite: version too large"))?;
    let conflict = |expected: ExpectedVersion| -> Result<StoreError, StoreError> {
        let actual: Option<i64> = tx
            .prepare_cached("SELECT version FROM tickets WHERE tenant = ?1 AND id = ?2")
            .and_then(|mut s| s.query_row(params![tenant, id], |r| r.get(0)).optional())
            .map_err(backend("reading a ticket version"))?;
        Ok(StoreError::Conflict {
            entity: Entity::Ticket(t.id()),
            expected,
            actual: actual.map(|v| v as u64),
        })
    };
    let mut old_tags = BTreeSet::new();
    match row.write.expected {
        ExpectedVersion::New => {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO tickets (tenant, id, version, status, assignee, customer, channel, created_at, updated_at, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        tenant,
                        id,
                        version,
                        t.status().as_str(),
                        assignee,
                        blob(t.customer().as_uuid()),
                        t.channel().as_str(),
                        row.created,
                        row.updated,
                        row.state
                    ])
                });
            match inserted {
                Ok(_) => {}
                Err(e) if is_constraint(&e) => {
                    return Err(StoreError::AlreadyExists {
                        entity: Entity::Ticket(t.id()),
                    });
                }
                Err(e) => return Err(backend("inserting a ticket")(e)),
            }
        }
        ExpectedVersion::Version(v) => {
            let v = i64::try_from(v).unwrap_or(i64::MAX);
            let changed = tx
                .prepare_cached(
                    "UPDATE tickets SET version = ?3, status = ?4, assignee = ?5, customer = ?6, channel = ?7,
                            created_at = ?8, updated_at = ?9, state = ?10
                     WHERE tenant = ?1 AND id = ?2 AND version = ?11",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        tenant,
                        id,
                        version,
                        t.status().as_str(),
                        assignee,
                        blob(t.customer().as_uuid()),
                        t.channel().as_str(),
                        row.created,
                        row.updated,
                        row.state,
                        v
                    ])
                })
                .map_err(backend("updating a ticket"))?;
            if changed == 0 {
                return Err(conflict(row.write.expected)?);
            }
            let mut s = tx
                .prepare_cached("SELECT tag FROM ticket_tags WHERE tenant = ?1 AND ticket = ?2")
                .map_err(backend("reading tags"))?;
            let rows = s
                .query_map(params![tenant, id], |r| r.get::<_, String>(0))
                .map_err(backend("reading tags"))?;
            for tag in rows {
                old_tags.insert(tag.map_err(backend("reading tags"))?);
            }
        }
    }
    let new_tags: BTreeSet<&str> = t.tags().iter().map(|g| g.as_str()).collect();
    for gone in old_tags.iter().filter(|g| !new_tags.contains(g.as_str())) {
        tx.prepare_cached("DELETE FROM ticket_tags WHERE tenant = ?1 AND ticket = ?2 AND tag = ?3")
            .and_then(|mut s| s.execute(params![tenant, id, gone]))
            .map_err(backend("removing a tag"))?;
    }
    for added in new_tags.iter().filter(|g| !old_tags.contains(**g)) {
        tx.prepare_cached("INSERT INTO ticket_tags (tenant, ticket, tag) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![tenant, id, added]))
            .map_err(backend("adding a tag"))?;
    }
    let mut s = tx
        .prepare_cached(
            "INSERT INTO events (tenant, ticket, sequence, at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend("appending an event"))?;
    for (seq, at, body) in &row.events {
        let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
        match s.execute(params![tenant, id, seq, at, body]) {
            Ok(_) => {}
            // Events past the stored version: another writer's history.
            Err(e) if is_constraint(&e) => return Err(conflict(row.write.expected)?),
            Err(e) => return Err(backend("appending an event")(e)),
        }
    }
    Ok(())
}

/// Writes a customer's row and releases the identities it dropped; returns
/// the identities it claims, which [`claim_identities`] inserts once every
/// customer of the commit has released its own (so a commit may move an
/// identity from one customer to another).
fn write_customer<'w>(
    tx: &Connection,
    tenant: &[u8],
    w: &'w CustomerWrite,
    body: &str,
) -> Result<Vec<(String, &'w Identity)>, StoreError> {
    let c = &w.customer;
    let id = blob(c.id.as_uuid());
    let version = i64::try_from(c.version).unwrap_or(i64::MAX);
    let mut old = BTreeSet::new();
    match w.expected {
        ExpectedVersion::New => {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO customers (tenant, id, version, body) VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut s| s.execute(params![tenant, id, version, body]));
            match inserted {
                Ok(_) => {}
                Err(e) if is_constraint(&e) => {
                    return Err(StoreError::AlreadyExists {
                        entity: Entity::Customer(c.id),
                    });
                }
                Err(e) => return Err(backend("inserting a customer")(e)),
            }
        }
        ExpectedVersion::Version(v) => {
            let v = i64::try_from(v).unwrap_or(i64::MAX);
            let changed = tx
                .prepare_cached(
                    "UPDATE customers SET version = ?3, body = ?4 WHERE tenant = ?1 AND id = ?2 AND version = ?5",
                )
                .and_then(|mut s| s.execute(params![tenant, id, version, body, v]))
                .map_err(backend("updating a customer"))?;
            if changed == 0 {
                let actual: Option<i64> = tx
                    .prepare_cached("SELECT version FROM customers WHERE tenant = ?1 AND id = ?2")
                    .and_then(|mut s| s.query_row(params![tenant, id], |r| r.get(0)).optional())
                    .map_err(backend("reading a customer version"))?;
                return Err(StoreError::Conflict {
                    entity: Entity::Customer(c.id),
                    expected: w.expected,
                    actual: actual.map(|v| v as u64),
                });
            }
            let mut s = tx
                .prepare_cached(
                    "SELECT identity FROM identities WHERE tenant = ?1 AND customer = ?2",
                )
                .map_err(backend("reading identities"))?;
            let rows = s
                .query_map(params![tenant, id], |r| r.get::<_, String>(0))
                .map_err(backend("reading identities"))?;
            for key in rows {
                old.insert(key.map_err(backend("reading identities"))?);
            }
        }
    }
    let new: Vec<(String, &Identity)> = c.identities.iter().map(|i| (i.key(), i)).collect();
    for gone in old.iter().filter(|k| !new.iter().any(|(n, _)| n == *k)) {
        tx.prepare_cached(
            "DELETE FROM identities WHERE tenant = ?1 AND identity = ?2 AND customer = ?3",
        )
        .and_then(|mut s| s.execute(params![tenant, gone, id]))
        .map_err(backend("removing an identity"))?;
    }
    Ok(new.into_iter().filter(|(k, _)| !old.contains(k)).collect())
}

/// Inserts the identities a customer claims; one owned by another customer
/// is [`StoreError::IdentityTaken`].
fn claim_identities(
    tx: &Connection,
    tenant: &[u8],
    customer: CustomerId,
    claims: &[(String, &Identity)],
) -> Result<(), StoreError> {
    let id = blob(customer.as_uuid());
    for (key, identity) in claims {
        let inserted = tx
            .prepare_cached(
                "INSERT INTO identities (tenant, identity, customer) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![tenant, key, id]));
        match inserted {
            Ok(_) => {}
            Err(e) if is_constraint(&e) => {
                let owner: Option<Vec<u8>> = tx
                    .prepare_cached(
                        "SELECT customer FROM identities WHERE tenant = ?1 AND identity = ?2",
                    )
                    .and_then(|mut s| s.query_row(params![tenant, key], |r| r.get(0)).optional())
                    .map_err(backend("reading an identity's owner"))?;
                match owner {
                    // Listed twice in this customer: already claimed by it.
                    Some(o) if o == id => {}
                    Some(o) => {
                        return Err(StoreError::IdentityTaken {
                            identity: (*identity).clone(),
                            owner: CustomerId::from_uuid(uuid_of(&o)?),
                        });
                    }
                    None => return Err(backend("inserting an identity")(e)),
                }
            }
            Err(e) => return Err(backend("inserting an identity")(e)),
        }
    }
    Ok(())
}

fn write_inbound(tx: &Connection, tenant: TenantId, r: &InboundRecord) -> Result<(), StoreError> {
    let t = blob(tenant.as_uuid());
    let inserted = tx
        .prepare_cached(
            "INSERT INTO inbound (tenant, channel, external_id, ticket, message, customer) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                t,
                r.key.channel.as_str(),
                r.key.external_id,
                blob(r.ticket.as_uuid()),
                blob(r.message.as_uuid()),
                blob(r.customer.as_uuid())
            ])
        });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_constraint(&e) => match read_inbound(tx, tenant, &r.key)? {
            Some(existing) => Err(StoreError::DuplicateInbound { existing }),
            None => Err(backend("recording an inbound message")(e)),
        },
        Err(e) => Err(backend("recording an inbound message")(e)),
    }
}

fn read_inbound(
    conn: &Connection,
    tenant: TenantId,
    key: &InboundKey,
) -> Result<Option<InboundRecord>, StoreError> {
    let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT ticket, message, customer FROM inbound WHERE tenant = ?1 AND channel = ?2 AND external_id = ?3",
        )
        .and_then(|mut s| {
            s.query_row(
                params![blob(tenant.as_uuid()), key.channel.as_str(), key.external_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })
        .map_err(backend("reading an inbound record"))?;
    row.map(|(t, m, c)| {
        Ok(InboundRecord {
            key: key.clone(),
            ticket: TicketId::from_uuid(uuid_of(&t)?),
            message: MessageId::from_uuid(uuid_of(&m)?),
            customer: CustomerId::from_uuid(uuid_of(&c)?),
        })
    })
    .transpose()
}

/// An event from its row: the envelope in `body` (any format, through the
/// upcasters), or, in rows written before schema 5, the bare kind of
/// format 1 with the rest of the event in the columns. The envelope must
/// agree with the row's columns.
fn decode_event(
    tenant: TenantId,
    ticket: TicketId,
    sequence: u64,
    at: DateTime<Utc>,
    body: &str,
) -> Result<Event, StoreError> {
    stored::decode_row(tenant, ticket, sequence, at, body, true).map_err(|e| StoreError::Backend {
        message: format!("sqlite: decoding stored event {sequence} of ticket {ticket}"),
        source: Some(Arc::new(e)),
    })
}

fn decode_ticket(text: &str) -> Result<Ticket, StoreError> {
    serde_json::from_str(text).map_err(json_err("decoding a stored ticket"))
}

fn decode_customer(text: &str) -> Result<Customer, StoreError> {
    serde_json::from_str(text).map_err(json_err("decoding a stored customer"))
}

/// The SQL and parameters of a ticket query.
fn query_sql(tenant: TenantId, q: &TicketQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut sql = String::from("SELECT state FROM tickets WHERE tenant = ?");
    let mut args: Vec<Value> = vec![Value::Blob(tenant.as_uuid().as_bytes().to_vec())];
    if !q.statuses.is_empty() {
        sql.push_str(" AND status IN (");
        for (i, s) in q.statuses.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            args.push(Value::Text(s.as_str().to_owned()));
        }
        sql.push(')');
    }
    if let Some(a) = q.assignee {
        sql.push_str(" AND assignee = ?");
        args.push(Value::Blob(a.as_uuid().as_bytes().to_vec()));
    }
    if let Some(c) = q.customer {
        sql.push_str(" AND customer = ?");
        args.push(Value::Blob(c.as_uuid().as_bytes().to_vec()));
    }
    if let Some(c) = q.channel {
        sql.push_str(" AND channel = ?");
        args.push(Value::Text(c.as_str().to_owned()));
    }
    if let Some(tag) = &q.tag {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.tenant = tickets.tenant AND g.ticket = tickets.id AND g.tag = ?)",
        );
        args.push(Value::Text(tag.as_str().to_owned()));
    }
    if let Some(f) = q.updated_from {
        sql.push_str(" AND updated_at >= ?");
        args.push(Value::Integer(nanos_bound(f)));
    }
    if let Some(b) = q.updated_before {
        sql.push_str(" AND updated_at < ?");
        args.push(Value::Integer(nanos_bound(b)));
    }
    let (column, desc) = match q.order {
        TicketOrder::CreatedAsc => ("created_at", false),
        TicketOrder::UpdatedAsc => ("updated_at", false),
        TicketOrder::UpdatedDesc => ("updated_at", true),
    };
    if let Some(Cursor { at, id }) = q.after {
        sql.push_str(&format!(
            " AND ({column}, id) {} (?, ?)",
            if desc { "<" } else { ">" }
        ));
        args.push(Value::Integer(nanos_bound(at)));
        args.push(Value::Blob(id.as_uuid().as_bytes().to_vec()));
    }
    let dir = if desc { " DESC" } else { "" };
    sql.push_str(&format!(" ORDER BY {column}{dir}, id{dir} LIMIT ?"));
    let limit = q.effective_limit() + 1;
    args.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    (sql, args)
}

impl TicketStore for SqliteStore {
    fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.read(|conn| {
            let mut s = conn
                .prepare_cached("SELECT state FROM tickets WHERE tenant = ?1 AND id = ?2")
                .map_err(backend("reading a ticket"))?;
            let mut rows = s
                .query(params![blob(tenant.as_uuid()), blob(id.as_uuid())])
                .map_err(backend("reading a ticket"))?;
            match rows.next().map_err(backend("reading a ticket"))? {
                Some(row) => {
                    let text = text(row, 0, "reading a ticket")?;
                    decode_ticket(text).map(Some)
                }
                None => Ok(None),
            }
        })
    }

    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        commit.validate()?;
        let rows = Rows::of(commit)?;
        let tenant = blob(commit.tenant.as_uuid());
        self.write(|tx| {
            for row in &rows.tickets {
                write_ticket(tx, tenant, row)?;
            }
            let mut claims = Vec::with_capacity(rows.customers.len());
            for (w, body) in &rows.customers {
                claims.push((w.customer.id, write_customer(tx, tenant, w, body)?));
            }
            for (customer, claimed) in &claims {
                claim_identities(tx, tenant, *customer, claimed)?;
            }
            for r in &commit.inbound {
                write_inbound(tx, commit.tenant, r)?;
            }
            if !commit.once.is_empty() {
                let mut s = tx
                    .prepare_cached("INSERT INTO once_keys (tenant, key) VALUES (?1, ?2)")
                    .map_err(backend("recording a once key"))?;
                for key in &commit.once {
                    match s.execute(params![tenant, key.as_str()]) {
                        Ok(_) => {}
                        Err(e) if is_constraint(&e) => {
                            return Err(StoreError::AlreadyDone { key: key.clone() });
                        }
                        Err(e) => return Err(backend("recording a once key")(e)),
                    }
                }
            }
            let mut s = tx
                .prepare_cached(
                    "INSERT INTO outbox (tenant, id, body, lease_owner, lease_until) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (tenant, id) DO NOTHING",
                )
                .map_err(backend("queueing a notification"))?;
            let (owner, until) = rows.lease.unzip();
            for (t, id, body) in &rows.notifications {
                s.execute(params![blob(t.as_uuid()), blob(id.as_uuid()), body, owner, until])
                    .map_err(backend("queueing a notification"))?;
            }
            // Due times apply only to the version they were computed for.
            let mut d = tx
                .prepare_cached(
                    "UPDATE tickets SET due_at = ?1 WHERE tenant = ?2 AND id = ?3 AND version = ?4",
                )
                .map_err(backend("updating the due index"))?;
            for (ticket, version, at) in &rows.due {
                d.execute(params![at, tenant, blob(ticket.as_uuid()), version])
                    .map_err(backend("updating the due index"))?;
            }
            Ok(())
        })
    }

    fn due(&self, until: DateTime<Utc>, limit: usize) -> Result<Vec<DueTicket>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = nanos_bound(until);
        self.read(|conn| {
            let mut s = conn
                .prepare_cached(
                    "SELECT tenant, id, due_at FROM tickets WHERE due_at IS NOT NULL AND due_at <= ?1
                     ORDER BY due_at, tenant, id LIMIT ?2",
                )
                .map_err(backend("reading the due index"))?;
            let mut rows = s.query(params![until, limit]).map_err(backend("reading the due index"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(backend("reading the due index"))? {
                let tenant: Vec<u8> = row.get(0).map_err(backend("reading the due index"))?;
                let id: Vec<u8> = row.get(1).map_err(backend("reading the due index"))?;
                let at: i64 = row.get(2).map_err(backend("reading the due index"))?;
                let uuid = |b: &[u8]| {
                    uuid::Uuid::from_slice(b).map_err(|e| StoreError::Backend {
                        message: "a stored id is not a UUID".to_owned(),
                        source: Some(std::sync::Arc::new(e)),
                    })
                };
                out.push(DueTicket {
                    tenant: TenantId::from_uuid(uuid(&tenant)?),
                    ticket: TicketId::from_uuid(uuid(&id)?),
                    at: time_of(at),
                });
            }
            Ok(out)
        })
    }

    fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
        self.read(|conn| {
            let mut s = conn
                .prepare_cached(
                    "SELECT sequence, at, body FROM events WHERE tenant = ?1 AND ticket = ?2 ORDER BY sequence",
                )
                .map_err(backend("reading events"))?;
            let mut rows = s
                .query(params![blob(tenant.as_uuid()), blob(id.as_uuid())])
                .map_err(backend("reading events"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(backend("reading events"))? {
                let seq: i64 = row.get(0).map_err(backend("reading events"))?;
                let at: i64 = row.get(1).map_err(backend("reading events"))?;
                let body = text(row, 2, "reading events")?;
                let sequence = u64::try_from(seq).unwrap_or(0);
                out.push(decode_event(tenant, id, sequence, time_of(at), body)?);
            }
            Ok(out)
        })
    }

    fn query(&self, tenant: TenantId, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let (sql, args) = query_sql(tenant, query);
        let limit = query.effective_limit();
        self.read(|conn| {
            let mut s = conn
                .prepare_cached(&sql)
                .map_err(backend("querying tickets"))?;
            let mut rows = s
                .query(rusqlite::params_from_iter(args.iter()))
                .map_err(backend("querying tickets"))?;
            let mut items = Vec::with_capacity(limit.min(64));
            let mut more = false;
            while let Some(row) = rows.next().map_err(backend("querying tickets"))? {
                if items.len() == limit {
                    more = true;
                    break;
                }
                let text = text(row, 0, "querying tickets")?;
                items.push(decode_ticket(text)?);
            }
            let next = if more {
                items.last().map(|t| query.cursor_of(t))
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }

    fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        self.read(|conn| {
            let body: Option<String> = conn
                .prepare_cached("SELECT body FROM customers WHERE tenant = ?1 AND id = ?2")
                .and_then(|mut s| {
                    s.query_row(params![blob(tenant.as_uuid()), blob(id.as_uuid())], |r| {
                        r.get(0)
                    })
                    .optional()
                })
                .map_err(backend("reading a customer"))?;
            body.as_deref().map(decode_customer).transpose()
        })
    }

    fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<Customer>, StoreError> {
        self.read(|conn| {
            let body: Option<String> = conn
                .prepare_cached(
                    "SELECT c.body FROM identities i JOIN customers c ON c.tenant = i.tenant AND c.id = i.customer
                     WHERE i.tenant = ?1 AND i.identity = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![blob(tenant.as_uuid()), identity.key()], |r| r.get(0))
                        .optional()
                })
                .map_err(backend("reading a customer by identity"))?;
            body.as_deref().map(decode_customer).transpose()
        })
    }

    fn inbound(
        &self,
        tenant: TenantId,
        key: &InboundKey,
    ) -> Result<Option<InboundRecord>, StoreError> {
        self.read(|conn| read_inbound(conn, tenant, key))
    }

    fn undelivered(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn| {
            let mut s = conn
                .prepare_cached(
                    "SELECT body, attempts, last_error, lease_owner, lease_until FROM outbox
                     WHERE delivered = 0 ORDER BY seq LIMIT ?1",
                )
                .map_err(backend("reading the outbox"))?;
            let mut rows = s
                .query(params![limit])
                .map_err(backend("reading the outbox"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(backend("reading the outbox"))? {
                out.push(outbox_entry(row)?);
            }
            Ok(out)
        })
    }

    fn mark_delivered(&self, tenant: TenantId, id: NotificationId) -> Result<(), StoreError> {
        self.deliver(tenant, id, None)
    }

    fn record_failure(
        &self,
        tenant: TenantId,
        id: NotificationId,
        error: &str,
    ) -> Result<(), StoreError> {
        let changed = self.write(|tx| {
            tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?3, lease_owner = NULL, lease_until = NULL
                 WHERE tenant = ?1 AND id = ?2",
            )
            .and_then(|mut s| s.execute(params![blob(tenant.as_uuid()), blob(id.as_uuid()), error]))
            .map_err(backend("recording a delivery failure"))
        })?;
        if changed == 0 {
            return Err(StoreError::UnknownNotification { id });
        }
        Ok(())
    }

    fn claim(&self, claim: &OutboxClaim) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(claim.limit).unwrap_or(i64::MAX);
        let now = nanos_bound(claim.now);
        let until = nanos(claim.lease.until)?;
        let owner = claim.lease.owner.as_str();
        // One immediate transaction: the write lock is taken before the
        // entries are read, so no other connection or process claims them
        // between the read and the lease being written.
        self.write(|tx| {
            let mut s = tx
                .prepare_cached(
                    "SELECT body, attempts, last_error, lease_owner, lease_until, seq FROM outbox
                     WHERE delivered = 0 AND (lease_until IS NULL OR lease_until <= ?1 OR lease_owner = ?2)
                     ORDER BY seq LIMIT ?3",
                )
                .map_err(backend("claiming from the outbox"))?;
            let mut rows = s
                .query(params![now, owner, limit])
                .map_err(backend("claiming from the outbox"))?;
            let mut out = Vec::new();
            let mut seqs = Vec::new();
            while let Some(row) = rows.next().map_err(backend("claiming from the outbox"))? {
                seqs.push(row.get::<_, i64>(5).map_err(backend("claiming from the outbox"))?);
                out.push(outbox_entry(row)?.leased(Some(claim.lease.clone())));
            }
            let mut lease = tx
                .prepare_cached("UPDATE outbox SET lease_owner = ?1, lease_until = ?2 WHERE seq = ?3")
                .map_err(backend("leasing outbox entries"))?;
            for seq in seqs {
                lease
                    .execute(params![owner, until, seq])
                    .map_err(backend("leasing outbox entries"))?;
            }
            Ok(out)
        })
    }

    fn mark_delivered_at(
        &self,
        tenant: TenantId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.deliver(tenant, id, Some(nanos(at)?))
    }

    fn prune_delivered(
        &self,
        delivered_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let before = nanos_bound(delivered_before);
        self.write(|tx| {
            // Time unknown first (oldest), then by delivery time; each
            // statement walks `outbox_delivered` and stops at its limit.
            let unknown = tx
                .prepare_cached(
                    "DELETE FROM outbox WHERE seq IN (
                         SELECT seq FROM outbox WHERE delivered = 1 AND delivered_at IS NULL
                         ORDER BY delivered_at, seq LIMIT ?1)",
                )
                .and_then(|mut s| s.execute(params![limit]))
                .map_err(backend("pruning delivered notifications"))?;
            let rest = limit.saturating_sub(i64::try_from(unknown).unwrap_or(i64::MAX));
            let timed = tx
                .prepare_cached(
                    "DELETE FROM outbox WHERE seq IN (
                         SELECT seq FROM outbox WHERE delivered = 1 AND delivered_at < ?1
                         ORDER BY delivered_at, seq LIMIT ?2)",
                )
                .and_then(|mut s| s.execute(params![before, rest]))
                .map_err(backend("pruning delivered notifications"))?;
            Ok(unknown.saturating_add(timed))
        })
    }
}

impl SqliteStore {
    /// Marks a notification delivered at `at` (nanoseconds; `None`: time
    /// unknown). A delivered row keeps its first delivery, time or not.
    fn deliver(
        &self,
        tenant: TenantId,
        id: NotificationId,
        at: Option<i64>,
    ) -> Result<(), StoreError> {
        let changed = self.write(|tx| {
            tx.prepare_cached(
                "UPDATE outbox SET delivered = 1,
                     delivered_at = CASE WHEN delivered = 0 THEN ?3 ELSE delivered_at END,
                     lease_owner = NULL, lease_until = NULL
                 WHERE tenant = ?1 AND id = ?2",
            )
            .and_then(|mut s| s.execute(params![blob(tenant.as_uuid()), blob(id.as_uuid()), at]))
            .map_err(backend("marking a notification delivered"))
        })?;
        if changed == 0 {
            return Err(StoreError::UnknownNotification { id });
        }
        Ok(())
    }
}

/// An outbox row read as `body, attempts, last_error, lease_owner,
/// lease_until`.
fn outbox_entry(row: &rusqlite::Row<'_>) -> Result<OutboxEntry, StoreError> {
    let what = "reading the outbox";
    let text = text(row, 0, what)?;
    let notification =
        serde_json::from_str(text).map_err(json_err("decoding a stored notification"))?;
    let attempts: i64 = row.get(1).map_err(backend(what))?;
    let last_error: Option<String> = row.get(2).map_err(backend(what))?;
    let owner: Option<String> = row.get(3).map_err(backend(what))?;
    let until: Option<i64> = row.get(4).map_err(backend(what))?;
    let lease = match (owner, until) {
        (Some(owner), Some(until)) => Some(OutboxLease::new(owner, time_of(until))),
        _ => None,
    };
    Ok(OutboxEntry::new(
        notification,
        u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error,
    )
    .leased(lease))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::StoredEventError;

    #[test]
    fn refuses_a_database_newer_than_the_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.db");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(
            matches!(err, SqliteOpenError::SchemaTooNew { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "database schema version {} is newer than the {} this version of supportdesk supports",
                SCHEMA_VERSION + 1,
                SCHEMA_VERSION
            )
        );
    }

    #[test]
    fn migrates_a_new_file_once_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.db");
        drop(SqliteStore::open(&path).unwrap());
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!((v, mode.as_str()), (i64::from(SCHEMA_VERSION), "wal"));
    }

    /// A database as version 2 of the schema left it, with identity rows
    /// under the old, unescaped keys.
    fn a_version_2_database(path: &Path, customers: &[Customer], extra_rows: &[(&str, u128)]) {
        let conn = Connection::open(path).unwrap();
        for m in &MIGRATIONS[..2] {
            let Migration::Sql(sql) = m else {
                panic!("migrations 1 and 2 are SQL")
            };
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 2;"
        ))
        .unwrap();
        let tenant = TenantId::from_u128(1);
        for c in customers {
            conn.execute(
                "INSERT INTO customers (tenant, id, version, body) VALUES (?1, ?2, ?3, ?4)",
                params![
                    blob(tenant.as_uuid()),
                    blob(c.id.as_uuid()),
                    1,
                    serde_json::to_string(c).unwrap()
                ],
            )
            .unwrap();
            for i in &c.identities {
                // The key as the old code wrote it.
                let old = match i.kind() {
                    crate::customer::IdentityKind::External => {
                        let json = serde_json::to_value(i).unwrap();
                        format!(
                            "external:{}:{}",
                            json["system"].as_str().unwrap(),
                            i.value()
                        )
                    }
                    _ => i.key(),
                };
                conn.execute(
                    "INSERT INTO identities (tenant, identity, customer) VALUES (?1, ?2, ?3)",
                    params![blob(tenant.as_uuid()), old, blob(c.id.as_uuid())],
                )
                .unwrap();
            }
        }
        for (key, customer) in extra_rows {
            conn.execute(
                "INSERT INTO identities (tenant, identity, customer) VALUES (?1, ?2, ?3)",
                params![
                    blob(tenant.as_uuid()),
                    key,
                    blob(CustomerId::from_u128(*customer).as_uuid())
                ],
            )
            .unwrap();
        }
    }

    fn customer(id: u128, identities: Vec<Identity>) -> Customer {
        let mut c = Customer::new(
            CustomerId::from_u128(id),
            TenantId::from_u128(1),
            identities[0].clone(),
        );
        c.identities = identities;
        c.version = 1;
        c
    }

    #[test]
    fn migration_3_rekeys_identities_from_the_customer_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let tenant = TenantId::from_u128(1);
        let eu = Identity::external("shop:eu", "42").unwrap();
        let lookalike = Identity::external("shop", "eu:42").unwrap();
        let percent = Identity::external("shop", "x%3Ay").unwrap();
        let ana = customer(
            1,
            vec![
                Identity::email("ana@example.com").unwrap(),
                eu.clone(),
                percent.clone(),
            ],
        );
        let bob = customer(2, vec![Identity::social("x", "bob").unwrap()]);
        // A row the customer record does not list: read from the old key.
        a_version_2_database(
            &path,
            &[ana.clone(), bob.clone()],
            &[("external:crm:7:b", 2)],
        );

        let store = SqliteStore::open(&path).unwrap();
        for (i, owner) in [
            (&Identity::email("ana@example.com").unwrap(), &ana),
            (&eu, &ana),
            (&percent, &ana),
            (&Identity::social("x", "bob").unwrap(), &bob),
        ] {
            assert_eq!(
                store.customer_by_identity(tenant, i).unwrap().as_ref(),
                Some(owner),
                "{i:?}"
            );
        }
        // The old reading of `external:crm:7:b`: system "crm", id "7:b".
        assert_eq!(
            store
                .customer_by_identity(tenant, &Identity::external("crm", "7:b").unwrap())
                .unwrap()
                .map(|c| c.id),
            Some(bob.id)
        );
        // The look-alike is no one's, and can be registered.
        assert_eq!(
            store.customer_by_identity(tenant, &lookalike).unwrap(),
            None
        );
        assert_eq!(
            store
                .customer_by_identity(tenant, &Identity::external("shop", "x:y").unwrap())
                .unwrap(),
            None
        );
        let carl = customer(3, vec![lookalike.clone()]);
        let mut c = Commit::new(tenant);
        c.customers.push(CustomerWrite {
            expected: ExpectedVersion::New,
            customer: carl.clone(),
        });
        store.commit(&c).unwrap();
        assert_eq!(
            store.customer_by_identity(tenant, &lookalike).unwrap(),
            Some(carl)
        );
        assert_eq!(
            store
                .customer_by_identity(tenant, &eu)
                .unwrap()
                .map(|c| c.id),
            Some(ana.id)
        );
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, i64::from(SCHEMA_VERSION));
        let mut keys: Vec<String> = conn
            .prepare("SELECT identity FROM identities ORDER BY identity")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        keys.sort();
        assert_eq!(
            keys,
            [
                "email:ana@example.com",
                "external:crm:7%3Ab",
                "external:shop%3Aeu:42",
                "external:shop:eu%3A42",
                "external:shop:x%253Ay",
                "social:x:bob",
            ]
        );
    }

    #[test]
    fn migration_3_refuses_an_unreadable_key_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let ana = customer(1, vec![Identity::email("ana@example.com").unwrap()]);
        a_version_2_database(&path, &[ana], &[("fax:12345", 1)]);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(
            matches!(&err, SqliteOpenError::Migration { version: 3, reason } if reason.contains("\"fax:12345\"")),
            "{err:?}"
        );
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM identities WHERE identity IN ('fax:12345', 'email:ana@example.com')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            (v, n),
            (2, 2),
            "the database is left at version 2, unchanged"
        );
    }

    #[test]
    fn a_database_without_once_keys_gains_them_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.db");
        drop(SqliteStore::open(&path).unwrap());
        // As the schema was before the once-key migration (and the event
        // envelope's and the outbox leases', which follow it).
        let conn = Connection::open(&path).unwrap();
        let before = MIGRATIONS
            .iter()
            .position(
                |m| matches!(m, Migration::Sql(sql) if sql.contains("CREATE TABLE once_keys")),
            )
            .unwrap();
        conn.execute_batch(&format!(
            "DROP TABLE once_keys; ALTER TABLE events RENAME COLUMN body TO kind;
             DROP INDEX outbox_delivered; ALTER TABLE outbox DROP COLUMN delivered_at;
             ALTER TABLE outbox DROP COLUMN lease_owner; ALTER TABLE outbox DROP COLUMN lease_until;
             PRAGMA user_version = {before}"
        ))
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(&path).unwrap();
        let tenant = TenantId::from_u128(1);
        let mut c = Commit::new(tenant);
        c.once.push(crate::port::OnceKey::new("k"));
        store.commit(&c).unwrap();
        assert!(matches!(
            store.commit(&c),
            Err(StoreError::AlreadyDone { key }) if key.as_str() == "k"
        ));
    }

    /// Two events as schema 4 and before stored them: the bare kind of
    /// format 1, the rest in the columns (frozen here, from the golden
    /// history of 2026-12-03).
    const V1_KINDS: [&str; 2] = [
        r#"{"event":"opened","customer":"00000000-0000-0000-0000-0000000f4240","channel":"email","subject":"Refund","priority":"normal","origin":{"kind":"reactive"},"follow_up_of":null,"tags":[]}"#,
        r#"{"event":"customer_replied","message":{"id":"00000000-0000-0000-0000-0000000f4242","author":{"role":"customer","id":"00000000-0000-0000-0000-0000000f4240"},"visibility":"public","channel":"email","body":"Where is my refund?","at":"2026-03-02T09:00:00Z","external_id":"<m1@mail>"}}"#,
    ];

    /// The events of [`V1_KINDS`], as the format-1 upcaster reads them
    /// from bare events.
    fn v1_events(tenant: TenantId, ticket: TicketId) -> Vec<Event> {
        V1_KINDS
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                let bare = serde_json::json!({
                    "tenant": tenant,
                    "ticket": ticket,
                    "sequence": i + 1,
                    "at": "2026-03-02T09:00:00Z",
                    "kind": serde_json::from_str::<serde_json::Value>(kind).unwrap(),
                });
                StoredEvent::read(&bare).unwrap()
            })
            .collect()
    }

    /// A database as schema 4 left it (raw SQL), holding one ticket whose
    /// events are stored the old way.
    fn a_version_4_database(path: &Path, tenant: TenantId, ticket: &Ticket) {
        let conn = Connection::open(path).unwrap();
        for m in &MIGRATIONS[..4] {
            match m {
                Migration::Sql(sql) => conn.execute_batch(sql).unwrap(),
                Migration::Code(run) => run(&conn).unwrap(),
            }
        }
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 4;"
        ))
        .unwrap();
        conn.execute(
            "INSERT INTO tickets (tenant, id, version, status, assignee, customer, channel, created_at, updated_at, state)
             VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8, ?9)",
            params![
                blob(tenant.as_uuid()),
                blob(ticket.id().as_uuid()),
                2,
                ticket.status().as_str(),
                blob(ticket.customer().as_uuid()),
                ticket.channel().as_str(),
                nanos(ticket.created_at()).unwrap(),
                nanos(ticket.updated_at()).unwrap(),
                serde_json::to_string(ticket).unwrap()
            ],
        )
        .unwrap();
        for (i, kind) in V1_KINDS.iter().enumerate() {
            conn.execute(
                "INSERT INTO events (tenant, ticket, sequence, at, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    blob(tenant.as_uuid()),
                    blob(ticket.id().as_uuid()),
                    i as i64 + 1,
                    nanos("2026-03-02T09:00:00Z".parse().unwrap()).unwrap(),
                    kind
                ],
            )
            .unwrap();
        }
    }

    fn bodies(path: &Path) -> Vec<String> {
        let conn = Connection::open(path).unwrap();
        conn.prepare("SELECT body FROM events ORDER BY sequence")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn migration_5_keeps_reading_the_bare_events_of_older_databases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let tenant = TenantId::from_u128(1);
        let id = TicketId::from_u128(0xf4241);
        let old = v1_events(tenant, id);
        let ticket = Ticket::from_events(&old).unwrap();
        a_version_4_database(&path, tenant, &ticket);

        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.events(tenant, id).unwrap(), old);
        assert_eq!(store.ticket(tenant, id).unwrap().as_ref(), Some(&ticket));

        // The ticket goes on: the new event is written as an envelope, the
        // old rows stay as they were, and all read together.
        let ids = crate::testing::SequentialIds::new();
        let ctx = crate::ticket::Context::new("2026-03-02T10:00:00Z".parse().unwrap(), &ids);
        let cmd = crate::ticket::Command::agent_reply(crate::id::AgentId::from_u128(7), "Done.");
        let d = crate::ticket::decide(&ticket, &cmd, &ctx).unwrap();
        let mut after = ticket.clone();
        for e in &d.events {
            after.apply(e);
        }
        let mut c = Commit::new(tenant);
        c.tickets.push(TicketWrite {
            expected: ExpectedVersion::Version(2),
            ticket: after.clone(),
            events: d.events.clone(),
        });
        store.commit(&c).unwrap();
        let all: Vec<Event> = old.iter().chain(&d.events).cloned().collect();
        assert_eq!(store.events(tenant, id).unwrap(), all);
        assert_eq!(Ticket::from_events(&all).as_ref(), Some(&after));
        drop(store);

        let bodies = bodies(&path);
        assert_eq!(&bodies[..2], &V1_KINDS, "old rows are not rewritten");
        assert!(
            bodies[2].starts_with(r#"{"format":2,"event":{"#),
            "{}",
            bodies[2]
        );
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, i64::from(SCHEMA_VERSION));
        // Reopened, the mixed history still reads.
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.events(tenant, id).unwrap(), all);
    }

    /// A store holding one ticket of two events, and a way to rewrite one
    /// event row.
    fn a_store_with_two_events() -> (SqliteStore, TenantId, TicketId, Vec<Event>) {
        let store = SqliteStore::in_memory().unwrap();
        let events = crate::testing::TicketBuilder::new()
            .customer_reply("Still waiting")
            .events();
        let ticket = Ticket::from_events(&events).unwrap();
        let (tenant, id) = (ticket.tenant(), ticket.id());
        let mut c = Commit::new(tenant);
        c.tickets.push(TicketWrite {
            expected: ExpectedVersion::New,
            ticket,
            events: events.clone(),
        });
        store.commit(&c).unwrap();
        (store, tenant, id, events)
    }

    fn set_body(store: &SqliteStore, sequence: i64, body: &str) {
        let n = store
            .writer()
            .execute(
                "UPDATE events SET body = ?1 WHERE sequence = ?2",
                params![body, sequence],
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    fn stored_event_error(e: &StoreError) -> Option<&StoredEventError> {
        match e {
            StoreError::Backend {
                source: Some(source),
                ..
            } => source.downcast_ref::<StoredEventError>(),
            _ => None,
        }
    }

    #[test]
    fn an_event_row_of_a_newer_format_is_a_typed_error_naming_its_version() {
        let (store, tenant, id, events) = a_store_with_two_events();
        assert_eq!(store.events(tenant, id).unwrap(), events);
        set_body(
            &store,
            2,
            r#"{"format":3,"event":{"a":"shape from the future"}}"#,
        );
        let err = store.events(tenant, id).unwrap_err();
        assert_eq!(
            stored_event_error(&err),
            Some(&StoredEventError::TooNew {
                found: 3,
                supported: 2
            }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("stored event 2 of ticket"),
            "{err}"
        );
    }

    #[test]
    fn an_envelope_that_disagrees_with_its_row_is_refused() {
        let (store, tenant, id, events) = a_store_with_two_events();
        // The envelope of event 1 in the row of event 2.
        let first = serde_json::to_string(&StoredEvent::new(&events[0])).unwrap();
        set_body(&store, 2, &first);
        let err = store.events(tenant, id).unwrap_err();
        assert!(
            matches!(
                stored_event_error(&err),
                Some(StoredEventError::Malformed { format: 2, reason }) if reason.contains(" #1 ") && reason.contains(" #2 ")
            ),
            "{err:?}"
        );
        // A kind alone that is not a kind.
        set_body(&store, 2, r#"{"event":"teleported"}"#);
        let err = store.events(tenant, id).unwrap_err();
        assert!(
            matches!(
                stored_event_error(&err),
                Some(StoredEventError::Malformed { format: 1, reason }) if reason.contains("teleported")
            ),
            "{err:?}"
        );
    }

    #[test]
    fn refuses_another_applications_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(
            matches!(err, SqliteOpenError::ForeignDatabase { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(
            &path,
            b"this is not an sqlite file, just some text that is long enough",
        )
        .unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, SqliteOpenError::Sqlite { .. }), "{err:?}");
    }

    fn a_notification(tenant: TenantId, id: u128) -> crate::model::notification::Notification {
        use crate::model::notification::{
            AgentNotice, Notification, NotificationContent, NotificationKind, Recipient,
        };
        Notification {
            id: NotificationId::from_u128(id),
            tenant,
            ticket: TicketId::from_u128(1),
            created_at: DateTime::UNIX_EPOCH,
            recipient: Recipient::Team,
            kind: NotificationKind::NewTicket,
            content: NotificationContent::Agent(AgentNotice {
                subject: format!("n{id}"),
                status: crate::ticket::Status::New,
                priority: crate::ticket::Priority::Normal,
                message: None,
                satisfaction: None,
                alert: None,
            }),
        }
    }

    /// A database as schema 5 left it (raw SQL), with an outbox of three
    /// notifications: 1 delivered, 2 undelivered after a failed attempt,
    /// 3 undelivered.
    fn a_version_5_database(path: &Path, tenant: TenantId) {
        let conn = Connection::open(path).unwrap();
        for m in &MIGRATIONS[..5] {
            match m {
                Migration::Sql(sql) => conn.execute_batch(sql).unwrap(),
                Migration::Code(run) => run(&conn).unwrap(),
            }
        }
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 5;"
        ))
        .unwrap();
        for (id, attempts, error, delivered) in [
            (1u128, 0, None, 1),
            (2, 1, Some("smtp 451"), 0),
            (3, 0, None, 0),
        ] {
            conn.execute(
                "INSERT INTO outbox (tenant, id, body, attempts, last_error, delivered) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    blob(tenant.as_uuid()),
                    blob(NotificationId::from_u128(id).as_uuid()),
                    serde_json::to_string(&a_notification(tenant, id)).unwrap(),
                    attempts,
                    error,
                    delivered
                ],
            )
            .unwrap();
        }
    }

    #[test]
    fn migration_6_leases_the_outbox_and_counts_old_deliveries_as_time_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        let tenant = TenantId::from_u128(1);
        a_version_5_database(&path, tenant);
        let store = SqliteStore::open(&path).unwrap();
        let v: i64 = store
            .writer()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 6);
        // The undelivered rows read as they were, unleased.
        let waiting = store.undelivered(10).unwrap();
        assert_eq!(
            waiting,
            vec![
                OutboxEntry::new(a_notification(tenant, 2), 1, Some("smtp 451".to_owned())),
                OutboxEntry::new(a_notification(tenant, 3), 0, None),
            ]
        );
        // They can be claimed and leased.
        let now: DateTime<Utc> = "2026-12-03T09:00:00Z".parse().unwrap();
        let claim = OutboxClaim::new("w1", now, chrono::Duration::seconds(60), 10);
        let got = store.claim(&claim).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|e| e.lease.as_ref() == Some(&claim.lease)));
        let other = OutboxClaim::new("w2", now, chrono::Duration::seconds(60), 10);
        assert!(store.claim(&other).unwrap().is_empty());
        // The row delivered before the migration has no recorded time: it
        // is the oldest delivery, pruned before any time, and then
        // forgotten.
        store
            .mark_delivered_at(tenant, NotificationId::from_u128(2), now)
            .unwrap();
        assert_eq!(
            store.prune_delivered(DateTime::<Utc>::MIN_UTC, 10).unwrap(),
            1
        );
        assert!(matches!(
            store.mark_delivered(tenant, NotificationId::from_u128(1)),
            Err(StoreError::UnknownNotification { .. })
        ));
        // The one delivered at `now` goes once the cut-off passes it.
        assert_eq!(store.prune_delivered(now, 10).unwrap(), 0);
        assert_eq!(
            store
                .prune_delivered(now + chrono::Duration::nanoseconds(1), 10)
                .unwrap(),
            1
        );
        assert_eq!(store.undelivered(10).unwrap().len(), 1);
        drop(store);
        // Reopening does not migrate again.
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.undelivered(10).unwrap().len(), 1);
    }

    /// The plan SQLite chooses for a statement, one line per step.
    fn plan(conn: &Connection, sql: &str) -> String {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .join("\n")
    }

    #[test]
    fn claims_and_pruning_walk_the_outbox_indexes() {
        let store = SqliteStore::in_memory().unwrap();
        let conn = store.writer();
        let claim = plan(
            &conn,
            "SELECT body, attempts, last_error, lease_owner, lease_until, seq FROM outbox
             WHERE delivered = 0 AND (lease_until IS NULL OR lease_until <= 1 OR lease_owner = 'w')
             ORDER BY seq LIMIT 10",
        );
        assert!(claim.contains("USING INDEX outbox_undelivered"), "{claim}");
        assert!(!claim.contains("TEMP B-TREE"), "{claim}");
        for sql in [
            "SELECT seq FROM outbox WHERE delivered = 1 AND delivered_at IS NULL ORDER BY delivered_at, seq LIMIT 10",
            "SELECT seq FROM outbox WHERE delivered = 1 AND delivered_at < 5 ORDER BY delivered_at, seq LIMIT 10",
        ] {
            let p = plan(&conn, sql);
            assert!(
                p.contains("USING COVERING INDEX outbox_delivered")
                    || p.contains("USING INDEX outbox_delivered"),
                "{sql}: {p}"
            );
            assert!(!p.contains("TEMP B-TREE"), "{sql}: {p}");
        }
    }

    #[test]
    fn two_handles_claiming_at_once_never_share_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claims.db");
        let tenant = TenantId::from_u128(1);
        let first = SqliteStore::open(&path).unwrap();
        let mut c = Commit::new(tenant);
        for id in 1..=200u128 {
            c.notifications.push(a_notification(tenant, id));
        }
        first.commit(&c).unwrap();
        drop(first);
        let now: DateTime<Utc> = "2026-12-03T09:00:00Z".parse().unwrap();
        let start = std::sync::Barrier::new(4);
        let claimed: Vec<Vec<u128>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|w| {
                    let (path, start) = (&path, &start);
                    scope.spawn(move || {
                        // Its own handle: its own connections, as another
                        // process.
                        let store = SqliteStore::open(path).unwrap();
                        start.wait();
                        let claim =
                            OutboxClaim::new(format!("w{w}"), now, chrono::Duration::minutes(5), 7);
                        let mut mine = Vec::new();
                        loop {
                            // A dispatcher: claim, deliver, mark.
                            let got = store.claim(&claim).unwrap();
                            if got.is_empty() {
                                break;
                            }
                            for e in got {
                                let n = &e.notification;
                                store.mark_delivered_at(n.tenant, n.id, now).unwrap();
                                mine.push(n.id.as_u128());
                            }
                        }
                        mine
                    })
                })
                .collect();
            workers.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<u128> = claimed.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(
            all,
            (1..=200).collect::<Vec<_>>(),
            "every entry claimed by exactly one worker, once"
        );
        // How the 200 were split depends on the scheduler (one thread may
        // drain them all on a loaded machine): only disjointness is a rule.
    }
}
