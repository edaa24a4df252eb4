//! [`PostgresStore`]: a PostgreSQL backend that many desk processes share
//! (feature `postgres`).
//!
//! - **Driver**: [sqlx](https://docs.rs/sqlx) on tokio. Hand the store the
//!   host's [`PgPool`] ([`PostgresStore::open`]), or run desk changes
//!   inside the host's own transaction ([`PostgresStore::transaction`]).
//! - **Schema**: its own PostgreSQL schema (`supportdesk` unless
//!   [`PostgresOptions::schema`] says otherwise), migrated forward on open
//!   under an advisory lock, versioned ([`POSTGRES_SCHEMA_VERSION`]); a
//!   schema written by newer code is refused.
//! - **Commits** are one transaction with compare-and-set on every ticket
//!   and customer version (`UPDATE ... WHERE version = expected`): state,
//!   events, customers, identities, inbound keys, once keys, the outbox and
//!   the due index, all or nothing. No reader depends on a global sequence
//!   number: events are numbered per ticket under that compare-and-set, and
//!   the outbox is claimed by lease, not read "after position N" (so a
//!   transaction that commits after a later-numbered one loses nothing).
//! - **Tenants**: every key starts with the tenant, every statement names
//!   it, and row-level security is enabled and forced on every tenant
//!   table, keyed by a setting each transaction sets locally
//!   (`set_config(.., true)`, i.e. `SET LOCAL`): a statement that forgot
//!   its tenant sees nothing, and a pooled connection never carries one
//!   transaction's tenant into the next. Superusers and `BYPASSRLS` roles
//!   skip row-level security in PostgreSQL; when the store connects as one,
//!   each transaction switches (`SET LOCAL ROLE`) to a tenant role without
//!   those rights ([`PostgresOptions::tenant_role`]), created on open.
//! - **Outbox**: dispatchers [claim](crate::port::AsyncTicketStore::claim)
//!   entries with an expiring lease (`FOR UPDATE SKIP LOCKED`); a commit
//!   wakes them with `NOTIFY` ([`OutboxWaker`]), but polling stays the
//!   guarantee.
//!
//! Times are stored as nanoseconds since 1970 (`bigint`), exact, which
//! limits indexed times to the years 1677 to 2262, as in `SqliteStore`.

mod ops;
mod schema;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, Postgres, Transaction};

pub use schema::POSTGRES_SCHEMA_VERSION;

use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, NotificationId, TenantId, TicketId};
use crate::port::{
    AsyncTicketStore, BoxFuture, Commit, DueTicket, InboundKey, InboundRecord, OutboxClaim,
    OutboxEntry, Page, StoreError, TicketQuery,
};
use crate::ticket::{Event, Ticket};
use ops::backend;

/// How a [`PostgresStore`] lays out and guards its data.
///
/// Available with the crate feature `postgres`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// The PostgreSQL schema holding the store's tables (default
    /// `supportdesk`). Several stores can share a database in different
    /// schemas (tests use one schema each).
    pub schema: String,
    /// The role the store's transactions switch to when the connected role
    /// bypasses row-level security (default `supportdesk_tenant`): created
    /// on open if missing (`NOLOGIN`, no `BYPASSRLS`) and granted only the
    /// store's tables.
    pub tenant_role: String,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "supportdesk".to_owned(),
            tenant_role: "supportdesk_tenant".to_owned(),
        }
    }
}

impl PostgresOptions {
    /// The defaults: schema `supportdesk`, tenant role `supportdesk_tenant`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the tables in `schema` (a lower-case identifier: letters,
    /// digits, `_`; checked on open).
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// Switches to `role` in each transaction when the connected role
    /// bypasses row-level security (same naming rule as the schema).
    pub fn tenant_role(mut self, role: impl Into<String>) -> Self {
        self.tenant_role = role.into();
        self
    }
}

/// Opening a [`PostgresStore`] failed.
///
/// Available with the crate feature `postgres`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresOpenError {
    /// The schema was written by a newer version of this crate. Nothing was
    /// changed; upgrade the crate to open it.
    #[error(
        "database schema version {found} is newer than the {supported} this version of supportdesk supports"
    )]
    SchemaTooNew {
        /// The schema's version.
        found: u32,
        /// The newest this code knows ([`POSTGRES_SCHEMA_VERSION`]).
        supported: u32,
    },
    /// A schema or role name is not a plain lower-case identifier.
    #[error(
        "invalid {what} name {name:?}: use lower-case letters, digits and '_' (at most 63, not starting with a digit or 'pg_')"
    )]
    InvalidName {
        /// `"schema"` or `"role"`.
        what: &'static str,
        /// The name given.
        name: String,
    },
    /// A migration failed; its transaction was rolled back, so the schema
    /// is as it was.
    #[error("migrating the postgres schema to version {version} failed: {reason}")]
    Migration {
        /// The version the failed migration leads to.
        version: u32,
        /// The server's error.
        reason: String,
    },
    /// The connected role bypasses row-level security and the tenant role
    /// could not be created or granted (connect as a role that may, or
    /// create the role and grant it as the docs say).
    #[error("setting up the tenant role {role:?} failed: {reason}")]
    Role {
        /// The role.
        role: String,
        /// The server's error.
        reason: String,
    },
    /// Connecting or a statement failed.
    #[error("postgres: {message}: {source}")]
    Postgres {
        /// What was being done.
        message: String,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The statements of one schema, built once.
#[derive(Debug)]
struct Sql {
    schema_quoted: String,
    ticket: Arc<str>,
    ticket_version: Arc<str>,
    events: Arc<str>,
    customer: Arc<str>,
    customer_version: Arc<str>,
    customer_by_identity: Arc<str>,
    inbound: Arc<str>,
    insert_ticket: Arc<str>,
    update_ticket: Arc<str>,
    insert_customer: Arc<str>,
    update_customer: Arc<str>,
    release_identities: Arc<str>,
    claim_identities: Arc<str>,
    identity_owners: Arc<str>,
    insert_inbound: Arc<str>,
    insert_once: Arc<str>,
    queue_notifications: Arc<str>,
    wake_dispatchers: Arc<str>,
    set_due: Arc<str>,
    unset_due: Arc<str>,
    undelivered: Arc<str>,
    claim: Arc<str>,
    mark_delivered: Arc<str>,
    record_failure: Arc<str>,
    prune_delivered: Arc<str>,
    due: Arc<str>,
}

/// The end of the ticket-write statements: insert the tags ($11) and the
/// new events ($12-$14) if the row was written (`t`), and count both.
const TAGS_AND_EVENTS: &str = "), g AS (
                     INSERT INTO {s}.ticket_tags (tenant, ticket, tag)
                     SELECT $1, $2, u.tag FROM unnest($11::text[]) AS u(tag) WHERE EXISTS (SELECT 1 FROM t)
                     ON CONFLICT DO NOTHING
                 ), e AS (
                     INSERT INTO {s}.events (tenant, ticket, sequence, at, body)
                     SELECT $1, $2, u.s, u.a, u.b FROM unnest($12::bigint[], $13::bigint[], $14::text[]) AS u(s, a, b)
                     WHERE EXISTS (SELECT 1 FROM t)
                     ON CONFLICT DO NOTHING RETURNING 1
                 )
                 SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM e)";

/// The `LISTEN` channel of a schema's outbox.
fn channel_of(schema: &str) -> String {
    let mut c = format!("{schema}.outbox");
    c.truncate(63);
    c
}

impl Sql {
    fn new(schema: &str) -> Self {
        let s = |text: &str| -> Arc<str> { schema::in_schema(text, schema).into() };
        Sql {
            schema_quoted: format!("\"{schema}\""),
            ticket: s("SELECT state FROM {s}.tickets WHERE tenant = $1 AND id = $2"),
            ticket_version: s("SELECT version FROM {s}.tickets WHERE tenant = $1 AND id = $2"),
            events: s(
                "SELECT sequence, at, body FROM {s}.events WHERE tenant = $1 AND ticket = $2 ORDER BY sequence",
            ),
            customer: s("SELECT body FROM {s}.customers WHERE tenant = $1 AND id = $2"),
            customer_version: s("SELECT version FROM {s}.customers WHERE tenant = $1 AND id = $2"),
            customer_by_identity: s(
                "SELECT c.body FROM {s}.identities i JOIN {s}.customers c ON c.tenant = i.tenant AND c.id = i.customer
                 WHERE i.tenant = $1 AND i.identity = $2",
            ),
            inbound: s(
                "SELECT ticket, message, customer FROM {s}.inbound WHERE tenant = $1 AND channel = $2 AND external_id = $3",
            ),
            // A ticket's row, its tags and its new events in one
            // statement: the tags and events only if the row was written
            // (a lost compare-and-set writes nothing); the counts say which.
            insert_ticket: s(&[
                "WITH t AS (
                     INSERT INTO {s}.tickets (tenant, id, version, status, assignee, customer, channel, created_at, updated_at, state)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (tenant, id) DO NOTHING RETURNING id
                 ",
                TAGS_AND_EVENTS,
            ]
            .concat()),
            // The same for an update at the expected version ($15); the
            // tags that went are deleted and those that came inserted (the
            // two touch disjoint rows).
            update_ticket: s(&[
                "WITH t AS (
                     UPDATE {s}.tickets SET version = $3, status = $4, assignee = $5, customer = $6, channel = $7,
                            created_at = $8, updated_at = $9, state = $10
                     WHERE tenant = $1 AND id = $2 AND version = $15 RETURNING id
                 ), gone AS (
                     DELETE FROM {s}.ticket_tags
                     WHERE tenant = $1 AND ticket = $2 AND NOT (tag = ANY($11::text[])) AND EXISTS (SELECT 1 FROM t)
                 ",
                TAGS_AND_EVENTS,
            ]
            .concat()),
            insert_customer: s(
                "INSERT INTO {s}.customers (tenant, id, version, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            ),
            update_customer: s(
                "UPDATE {s}.customers SET version = $3, body = $4 WHERE tenant = $1 AND id = $2 AND version = $5",
            ),
            release_identities: s(
                "DELETE FROM {s}.identities WHERE tenant = $1 AND customer = $2 AND NOT (identity = ANY($3::text[]))",
            ),
            claim_identities: s(
                "INSERT INTO {s}.identities (tenant, identity, customer) SELECT $1, unnest($3::text[]), $2
                 ON CONFLICT DO NOTHING",
            ),
            identity_owners: s(
                "SELECT identity, customer FROM {s}.identities
                 WHERE tenant = $1 AND customer <> $2 AND identity = ANY($3::text[]) ORDER BY identity LIMIT 1",
            ),
            insert_inbound: s(
                "INSERT INTO {s}.inbound (tenant, channel, external_id, ticket, message, customer)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            ),
            insert_once: s(
                "INSERT INTO {s}.once_keys (tenant, key) SELECT $1, unnest($2::text[])
                 ON CONFLICT DO NOTHING RETURNING key",
            ),
            queue_notifications: s(
                "INSERT INTO {s}.outbox (tenant, id, body, lease_owner, lease_until)
                 SELECT $1, u.id, u.body, $4, $5
                 FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS u(id, body, ord)
                 ORDER BY u.ord
                 ON CONFLICT (tenant, id) DO NOTHING",
            ),
            wake_dispatchers: format!(
                "SELECT pg_notify('{}', '')",
                channel_of(schema)
            )
            .into(),
            set_due: s(
                "INSERT INTO {s}.due (tenant, ticket, at)
                 SELECT t.tenant, t.id, u.at
                 FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS u(id, v, at)
                 JOIN {s}.tickets t ON t.tenant = $1 AND t.id = u.id AND t.version = u.v
                 ON CONFLICT (tenant, ticket) DO UPDATE SET at = EXCLUDED.at",
            ),
            unset_due: s(
                "DELETE FROM {s}.due d
                 USING unnest($2::uuid[], $3::bigint[]) AS u(id, v), {s}.tickets t
                 WHERE d.tenant = $1 AND d.ticket = u.id AND t.tenant = $1 AND t.id = u.id AND t.version = u.v",
            ),
            undelivered: s(
                "SELECT seq, body, attempts, last_error, lease_owner, lease_until FROM {s}.outbox
                 WHERE NOT delivered ORDER BY seq LIMIT $1",
            ),
            claim: s(
                "WITH c AS (
                     SELECT seq FROM {s}.outbox
                     WHERE NOT delivered AND (lease_until IS NULL OR lease_until <= $3 OR lease_owner = $1)
                     ORDER BY seq LIMIT $4
                     FOR UPDATE SKIP LOCKED
                 )
                 UPDATE {s}.outbox o SET lease_owner = $1, lease_until = $2 FROM c WHERE o.seq = c.seq
                 RETURNING o.seq, o.body, o.attempts, o.last_error, o.lease_owner, o.lease_until",
            ),
            mark_delivered: s(
                "UPDATE {s}.outbox SET delivered_at = CASE WHEN delivered THEN delivered_at ELSE $3 END,
                        delivered = true, lease_owner = NULL, lease_until = NULL
                 WHERE tenant = $1 AND id = $2",
            ),
            record_failure: s(
                "UPDATE {s}.outbox SET attempts = LEAST(attempts, 2147483646) + 1, last_error = $3,
                        lease_owner = NULL, lease_until = NULL
                 WHERE tenant = $1 AND id = $2",
            ),
            prune_delivered: s(
                "DELETE FROM {s}.outbox WHERE seq IN (
                     SELECT seq FROM {s}.outbox
                     WHERE delivered AND (delivered_at IS NULL OR delivered_at < $1)
                     ORDER BY delivered_at NULLS FIRST, seq LIMIT $2
                 )",
            ),
            due: s(
                "SELECT tenant, ticket, at FROM {s}.due WHERE at <= $1 ORDER BY at, tenant, ticket LIMIT $2",
            ),
        }
    }
}

/// What every handle on one schema shares.
#[derive(Debug)]
struct Shared {
    sql: Sql,
    schema: String,
    channel: String,
    /// The role each transaction switches to (when the connected role
    /// bypasses row-level security).
    role: Option<String>,
}

/// A [`TicketStore`](crate::port::TicketStore)-contract store on
/// PostgreSQL, implementing the async port [`AsyncTicketStore`]: many
/// desk processes ([`AsyncDesk`](crate::AsyncDesk)) can share one database.
///
/// Cloning is cheap (the pool and the prepared statements are shared).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use supportdesk::{AsyncDesk, PostgresStore};
/// use supportdesk::port::{SyncNotifier, SystemClock};
/// use supportdesk::testing::RecordingNotifier;
///
/// // The host's own pool, or `PostgresStore::connect(url)`.
/// let pool = sqlx::PgPool::connect("postgres://127.0.0.1/test").await?;
/// let store = PostgresStore::open(pool).await?;
/// let desk = AsyncDesk::new(store, SyncNotifier(RecordingNotifier::new()), SystemClock);
/// # let _ = desk;
/// # Ok(()) }
/// ```
///
/// Available with the crate feature `postgres`.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    shared: Arc<Shared>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.shared.schema)
            .field("tenant_role", &self.shared.role)
            .finish_non_exhaustive()
    }
}

fn open_err(doing: &'static str) -> impl Fn(sqlx::Error) -> PostgresOpenError {
    move |e| PostgresOpenError::Postgres {
        message: doing.to_owned(),
        source: Box::new(e),
    }
}

impl PostgresStore {
    /// Connects a pool to `url` (`postgres://user@host:port/db`, or the
    /// socket form `postgres:///db?host=/var/run/postgresql`) and opens the
    /// store with the default options.
    ///
    /// # Errors
    /// As [`open_with`](Self::open_with); [`PostgresOpenError::Postgres`]
    /// when the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, PostgresOpenError> {
        let options: PgConnectOptions =
            url.parse().map_err(open_err("reading the database URL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect_with(options)
            .await
            .map_err(open_err("connecting"))?;
        Self::open(pool).await
    }

    /// Opens the store on the host's pool with the default options:
    /// migrates the schema `supportdesk` forward (once, under a lock, if
    /// several processes open it together).
    ///
    /// # Errors
    /// [`PostgresOpenError`].
    pub async fn open(pool: PgPool) -> Result<Self, PostgresOpenError> {
        Self::open_with(pool, PostgresOptions::default()).await
    }

    /// Opens the store on the host's pool with `options`.
    ///
    /// # Errors
    /// [`PostgresOpenError::InvalidName`], [`PostgresOpenError::SchemaTooNew`]
    /// (nothing changed), [`PostgresOpenError::Migration`] (rolled back),
    /// [`PostgresOpenError::Role`], [`PostgresOpenError::Postgres`].
    pub async fn open_with(
        pool: PgPool,
        options: PostgresOptions,
    ) -> Result<Self, PostgresOpenError> {
        schema::check_schema_name(&options.schema)?;
        schema::check_role_name(&options.tenant_role)?;
        let mut conn = pool.acquire().await.map_err(open_err("connecting"))?;
        schema::migrate(&mut conn, &options.schema).await?;
        let role = if schema::bypasses_rls(&mut conn).await? {
            schema::ensure_role(&mut conn, &options.schema, &options.tenant_role).await?;
            Some(options.tenant_role.clone())
        } else {
            None
        };
        drop(conn);
        Ok(PostgresStore {
            pool,
            shared: Arc::new(Shared {
                sql: Sql::new(&options.schema),
                channel: channel_of(&options.schema),
                schema: options.schema,
                role,
            }),
        })
    }

    /// Another handle on the same database and schema with a pool of its
    /// own (as another process would have), connecting lazily: no I/O
    /// here, and no migration (this handle's open did it).
    ///
    /// # Errors
    /// [`StoreError::Backend`] when called outside a tokio runtime (the
    /// pool's tasks need one).
    pub fn reconnect(&self) -> Result<Self, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::backend(
                "postgres: reconnect must be called inside a tokio runtime",
            ));
        }
        let options = (*self.pool.connect_options()).clone();
        let pool = PgPoolOptions::new()
            .max_connections(self.pool.options().get_max_connections())
            .connect_lazy_with(options);
        Ok(PostgresStore {
            pool,
            shared: Arc::clone(&self.shared),
        })
    }

    /// The pool the store runs on.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The schema holding the store's tables.
    pub fn schema(&self) -> &str {
        &self.shared.schema
    }

    /// The role each transaction switches to, when the connected role
    /// bypasses row-level security (`None`: the connected role is subject
    /// to it already).
    pub fn tenant_role(&self) -> Option<&str> {
        self.shared.role.as_deref()
    }

    /// The store's operations inside the host's transaction (or on a
    /// connection the host holds): each operation runs in a savepoint of
    /// it, so a failed commit (a version conflict, say) rolls back only
    /// itself, and nothing is visible to others until the host commits.
    ///
    /// Use it with an [`AsyncDesk`](crate::AsyncDesk) whose dispatch is
    /// left to the outbox ([`Dispatch::Outbox`](crate::Dispatch::Outbox)):
    /// the desk must not send notifications for a change the host may
    /// still roll back; a dispatcher sends them once the host commits.
    ///
    /// ```no_run
    /// # async fn run(store: supportdesk::PostgresStore) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut tx = store.pool().begin().await?;
    /// sqlx::query("UPDATE orders SET refunded = true WHERE id = 42").execute(&mut *tx).await?;
    /// {
    ///     let in_tx = store.transaction(&mut tx);
    ///     let notifier = supportdesk::testing::RecordingNotifier::new();
    ///     let desk = supportdesk::AsyncDesk::new(&in_tx, notifier, supportdesk::port::SystemClock)
    ///         .with_dispatch(supportdesk::Dispatch::Outbox);
    ///     // desk.execute(tenant, ticket, Command::AddNote { .. }).await?;
    /// #   let _ = desk;
    /// }
    /// tx.commit().await?; // the refund and the note, or neither
    /// # Ok(()) }
    /// ```
    pub fn transaction<'t>(&self, conn: &'t mut PgConnection) -> PostgresTx<'t> {
        PostgresTx {
            conn: tokio::sync::Mutex::new(conn),
            shared: Arc::clone(&self.shared),
        }
    }

    /// A listener that wakes a dispatcher when a commit queues
    /// notifications (PostgreSQL `LISTEN/NOTIFY`). A wake-up is a hint,
    /// never the guarantee: wait with a timeout and claim from the outbox
    /// after every wake-up or timeout (see [`OutboxWaker::wait`]).
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the listening connection cannot be made.
    pub async fn outbox_waker(&self) -> Result<OutboxWaker, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(backend("connecting the outbox listener"))?;
        listener
            .listen(&self.shared.channel)
            .await
            .map_err(backend("listening for outbox wake-ups"))?;
        Ok(OutboxWaker { listener })
    }

    async fn run<T>(
        &self,
        tenant: Option<TenantId>,
        op: impl AsyncFnOnce(&mut PgConnection, &Sql) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // BEGIN and the scope in one round trip (a simple-query message
        // of two statements; the values are a UUID and checked names).
        let begin = ops::begin_scoped(tenant, self.shared.role.as_deref());
        let tx = self
            .pool
            .begin_with(AssertSqlSafe(begin))
            .await
            .map_err(backend("starting a transaction"))?;
        in_transaction(tx, &self.shared, Scope::Set, None, op).await
    }
}

/// A transaction's scope: already set by its `BEGIN`, or to set (the
/// tenant, `None` for all tenants).
enum Scope {
    Set,
    Tenant(Option<TenantId>),
}

/// Runs `op` in `tx` with the transaction's scope set, then commits, or
/// rolls back on any error. In a savepoint of the host's transaction,
/// `restore` holds the settings to put back before releasing it (a setting
/// made `LOCAL` in a released savepoint would last until the host's
/// transaction ends, so the host's own statements would run as the tenant
/// role).
async fn in_transaction<T>(
    mut tx: Transaction<'_, Postgres>,
    shared: &Shared,
    scope: Scope,
    restore: Option<&ops::Settings>,
    op: impl AsyncFnOnce(&mut PgConnection, &Sql) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let scoped = match scope {
        Scope::Set => Ok(()),
        Scope::Tenant(tenant) => ops::set_scope(&mut tx, tenant, shared.role.as_deref()).await,
    };
    let mut done = match scoped {
        Ok(()) => op(&mut tx, &shared.sql).await,
        Err(e) => Err(e),
    };
    if let (Ok(_), Some(settings)) = (&done, restore) {
        if let Err(e) = ops::restore_settings(&mut tx, settings).await {
            done = Err(e);
        }
    }
    match done {
        Ok(out) => {
            tx.commit()
                .await
                .map_err(backend("committing the transaction"))?;
            Ok(out)
        }
        Err(e) => {
            // The operation's error says what went wrong; a failed rollback
            // (a lost connection) ends the transaction on the server anyway.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// A [`PostgresStore`]'s operations inside a transaction the host holds
/// (from [`PostgresStore::transaction`]); implements [`AsyncTicketStore`].
///
/// Available with the crate feature `postgres`.
pub struct PostgresTx<'t> {
    conn: tokio::sync::Mutex<&'t mut PgConnection>,
    shared: Arc<Shared>,
}

impl fmt::Debug for PostgresTx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTx")
            .field("schema", &self.shared.schema)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// One round trip ([`ops::read_once`]).
    async fn read_ticket(
        &self,
        tenant: TenantId,
        id: TicketId,
    ) -> Result<Option<Ticket>, StoreError> {
        let s = &self.shared;
        ops::ticket_once(&self.pool, &s.sql, s.role.as_deref(), tenant, id).await
    }

    async fn read_events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
        let s = &self.shared;
        ops::events_once(&self.pool, &s.sql, s.role.as_deref(), tenant, id).await
    }

    async fn read_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        let s = &self.shared;
        ops::customer_once(&self.pool, &s.sql, s.role.as_deref(), tenant, id).await
    }
}

impl PostgresTx<'_> {
    /// In a savepoint of the host's transaction, as every operation.
    async fn read_ticket(
        &self,
        tenant: TenantId,
        id: TicketId,
    ) -> Result<Option<Ticket>, StoreError> {
        self.run(Some(tenant), async move |c, sql| {
            ops::ticket(c, sql, tenant, id).await
        })
        .await
    }

    async fn read_events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
        self.run(Some(tenant), async move |c, sql| {
            ops::events(c, sql, tenant, id).await
        })
        .await
    }

    async fn read_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        self.run(Some(tenant), async move |c, sql| {
            ops::customer(c, sql, tenant, id).await
        })
        .await
    }
}

impl PostgresTx<'_> {
    async fn run<T>(
        &self,
        tenant: Option<TenantId>,
        op: impl AsyncFnOnce(&mut PgConnection, &Sql) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().await;
        let settings = ops::read_settings(&mut conn).await?;
        // A savepoint when the connection is in a transaction already.
        let tx = (**conn)
            .begin()
            .await
            .map_err(backend("starting a savepoint"))?;
        in_transaction(tx, &self.shared, Scope::Tenant(tenant), Some(&settings), op).await
    }
}

/// Implements [`AsyncTicketStore`] through the type's `run` (internal).
///
/// Available with the crate feature `postgres`.
macro_rules! async_store_via_run {
    ($($head:tt)*) => {
        $($head)* {
            fn ticket(
                &self,
                tenant: TenantId,
                id: TicketId,
            ) -> BoxFuture<'_, Result<Option<Ticket>, StoreError>> {
                Box::pin(self.read_ticket(tenant, id))
            }

            fn commit<'a>(&'a self, commit: &'a Commit) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(async move {
                    commit.validate()?;
                    let rows = ops::Rows::of(commit)?;
                    self.run(Some(commit.tenant), async move |c, sql| {
                        ops::commit(c, sql, &rows).await
                    })
                    .await
                })
            }

            fn events(
                &self,
                tenant: TenantId,
                id: TicketId,
            ) -> BoxFuture<'_, Result<Vec<Event>, StoreError>> {
                Box::pin(self.read_events(tenant, id))
            }

            fn query<'a>(
                &'a self,
                tenant: TenantId,
                query: &'a TicketQuery,
            ) -> BoxFuture<'a, Result<Page<Ticket>, StoreError>> {
                Box::pin(self.run(Some(tenant), async move |c, sql| {
                    ops::query(c, sql, tenant, query).await
                }))
            }

            fn customer(
                &self,
                tenant: TenantId,
                id: CustomerId,
            ) -> BoxFuture<'_, Result<Option<Customer>, StoreError>> {
                Box::pin(self.read_customer(tenant, id))
            }

            fn customer_by_identity<'a>(
                &'a self,
                tenant: TenantId,
                identity: &'a Identity,
            ) -> BoxFuture<'a, Result<Option<Customer>, StoreError>> {
                Box::pin(self.run(Some(tenant), async move |c, sql| {
                    ops::customer_by_identity(c, sql, tenant, identity).await
                }))
            }

            fn inbound<'a>(
                &'a self,
                tenant: TenantId,
                key: &'a InboundKey,
            ) -> BoxFuture<'a, Result<Option<InboundRecord>, StoreError>> {
                Box::pin(self.run(Some(tenant), async move |c, sql| {
                    ops::inbound(c, sql, tenant, key).await
                }))
            }

            fn undelivered(&self, limit: usize) -> BoxFuture<'_, Result<Vec<OutboxEntry>, StoreError>> {
                Box::pin(self.run(None, async move |c, sql| {
                    ops::undelivered(c, sql, limit).await
                }))
            }

            fn mark_delivered(
                &self,
                tenant: TenantId,
                id: NotificationId,
            ) -> BoxFuture<'_, Result<(), StoreError>> {
                Box::pin(self.run(Some(tenant), async move |c, sql| {
                    ops::mark_delivered(c, sql, tenant, id, None).await
                }))
            }

            fn record_failure<'a>(
                &'a self,
                tenant: TenantId,
                id: NotificationId,
                error: &'a str,
            ) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(self.run(Some(tenant), async move |c, sql| {
                    ops::record_failure(c, sql, tenant, id, error).await
                }))
            }

            fn due(
                &self,
                until: DateTime<Utc>,
                limit: usize,
            ) -> BoxFuture<'_, Result<Vec<DueTicket>, StoreError>> {
                Box::pin(self.run(None, async move |c, sql| {
                    ops::due(c, sql, until, limit).await
                }))
            }

            fn claim<'a>(
                &'a self,
                claim: &'a OutboxClaim,
            ) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>> {
                Box::pin(self.run(None, async move |c, sql| {
                    ops::claim(c, sql, claim).await
                }))
            }

            fn mark_delivered_at(
                &self,
                tenant: TenantId,
                id: NotificationId,
                at: DateTime<Utc>,
            ) -> BoxFuture<'_, Result<(), StoreError>> {
                Box::pin(self.run(Some(tenant), async move |c, sql| {
                    ops::mark_delivered(c, sql, tenant, id, Some(at)).await
                }))
            }

            fn prune_delivered(
                &self,
                delivered_before: DateTime<Utc>,
                limit: usize,
            ) -> BoxFuture<'_, Result<usize, StoreError>> {
                Box::pin(self.run(None, async move |c, sql| {
                    ops::prune_delivered(c, sql, delivered_before, limit).await
                }))
            }
        }
    };
}

async_store_via_run!(impl AsyncTicketStore for PostgresStore);
async_store_via_run!(impl AsyncTicketStore for PostgresTx<'_>);

/// Wakes a dispatcher when notifications are queued (from
/// [`PostgresStore::outbox_waker`]).
///
/// `NOTIFY` is a hint: a dropped listening connection loses wake-ups
/// silently, so [`wait`](Self::wait) always returns by its timeout, and the
/// dispatcher claims from the outbox after every return, woken or not.
///
/// Available with the crate feature `postgres`.
pub struct OutboxWaker {
    listener: PgListener,
}

impl fmt::Debug for OutboxWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxWaker").finish_non_exhaustive()
    }
}

/// Why [`OutboxWaker::wait`] returned.
///
/// Available with the crate feature `postgres`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wake {
    /// A commit queued notifications.
    Notified,
    /// The timeout passed (poll anyway).
    Timeout,
    /// The listening connection was lost (and is re-made on the next wait):
    /// wake-ups may have been missed, so poll.
    Lost,
}

impl OutboxWaker {
    /// Waits until a commit queues notifications, or `timeout` passes, or
    /// the listening connection fails; then claim from the outbox.
    pub async fn wait(&mut self, timeout: Duration) -> Wake {
        match tokio::time::timeout(timeout, self.listener.try_recv()).await {
            Err(_) => Wake::Timeout,
            Ok(Ok(Some(_))) => Wake::Notified,
            Ok(Ok(None) | Err(_)) => Wake::Lost,
        }
    }
}
