//! The store's operations on one connection inside one transaction whose
//! scope (tenant, or all tenants) is already set. Each is a plain async
//! function; [`super`] runs it in a transaction of the pool or in a
//! savepoint of the host's transaction.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use super::Sql;
use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, MessageId, NotificationId, TenantId, TicketId};
use crate::port::{
    Commit, Cursor, CustomerWrite, DueTicket, Entity, ExpectedVersion, InboundKey, InboundRecord,
    OutboxClaim, OutboxEntry, OutboxLease, Page, StoreError, TicketOrder, TicketQuery, TicketWrite,
};
use crate::ticket::{Event, StoredEvent, Ticket};

/// A driver error as a [`StoreError::Backend`] saying what was being done.
pub(super) fn backend(doing: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::Backend {
        message: format!("postgres: {doing}"),
        source: Some(Arc::new(e)),
    }
}

fn json_err(doing: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Backend {
        message: format!("postgres: {doing}"),
        source: Some(Arc::new(e)),
    }
}

/// Nanoseconds since 1970 of a time to store.
pub(super) fn nanos(t: DateTime<Utc>) -> Result<i64, StoreError> {
    t.timestamp_nanos_opt().ok_or_else(|| {
        StoreError::backend(format!(
            "postgres: time {t} is outside the years 1677 to 2262 the postgres store can index"
        ))
    })
}

/// Nanoseconds of a time to compare with (saturating: every stored time is
/// in range).
pub(super) fn nanos_bound(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

fn time_of(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

fn version_of(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::InvalidCommit {
        reason: format!("version {v} is beyond PostgreSQL's bigint"),
    })
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Sets the transaction's scope: the tenant every row-level-security policy
/// compares with, or all tenants (outbox and due index only), and the role
/// the transaction runs as. `SET LOCAL` semantics: it ends with the
/// transaction, so a pooled connection never carries it into the next.
pub(super) async fn set_scope(
    conn: &mut PgConnection,
    tenant: Option<TenantId>,
    role: Option<&str>,
) -> Result<(), StoreError> {
    let tenant = tenant.map(|t| t.as_uuid().to_string()).unwrap_or_default();
    let scope = if tenant.is_empty() {
        "all-tenants"
    } else {
        "tenant"
    };
    let q = match role {
        Some(role) => sqlx::query(
            "SELECT set_config('supportdesk.tenant', $1, true), set_config('supportdesk.scope', $2, true), set_config('role', $3, true)",
        )
        .bind(tenant)
        .bind(scope)
        .bind(role),
        None => sqlx::query(
            "SELECT set_config('supportdesk.tenant', $1, true), set_config('supportdesk.scope', $2, true)",
        )
        .bind(tenant)
        .bind(scope),
    };
    q.execute(conn)
        .await
        .map_err(backend("setting the transaction's tenant"))?;
    Ok(())
}

/// `BEGIN` and [`set_scope`]'s settings as one simple-query message (one
/// round trip). Only a UUID and names checked on open (plain lower-case
/// identifiers) are written into it.
pub(super) fn begin_scoped(tenant: Option<TenantId>, role: Option<&str>) -> String {
    let (tenant, scope) = match tenant {
        Some(t) => (t.as_uuid().to_string(), "tenant"),
        None => (String::new(), "all-tenants"),
    };
    let role = role
        .map(|r| format!(", set_config('role', '{r}', true)"))
        .unwrap_or_default();
    format!(
        "BEGIN; SELECT set_config('supportdesk.tenant', '{tenant}', true), set_config('supportdesk.scope', '{scope}', true){role}"
    )
}

/// A read in one round trip, outside any explicit transaction: the scope
/// statement and `select` in one simple-query message, which PostgreSQL runs
/// as one implicit transaction (so the `LOCAL` settings hold for the
/// `select` and end with it, and an error rolls both back). Returns the
/// rows of `select`, in text format. `select` may contain only values the
/// store formats itself (UUIDs): user text goes through prepared
/// statements.
pub(super) async fn read_once(
    pool: &sqlx::PgPool,
    tenant: TenantId,
    role: Option<&str>,
    select: &str,
) -> Result<Vec<sqlx::postgres::PgRow>, StoreError> {
    use futures_util::TryStreamExt;
    let begin = begin_scoped(Some(tenant), role);
    let scope = begin.trim_start_matches("BEGIN; ");
    let message = format!("{scope}; {select}");
    let mut conn = pool
        .acquire()
        .await
        .map_err(backend("acquiring a connection"))?;
    let mut stream = sqlx::raw_sql(AssertSqlSafe(message)).fetch_many(&mut *conn);
    let mut done = 0;
    let mut rows = Vec::new();
    while let Some(item) = stream.try_next().await.map_err(backend("reading"))? {
        match item {
            sqlx::Either::Left(_) => done += 1,
            sqlx::Either::Right(row) if done == 1 => rows.push(row),
            sqlx::Either::Right(_) => {}
        }
    }
    if done != 2 {
        return Err(StoreError::backend(format!(
            "postgres: a one-round-trip read returned {done} results, not 2"
        )));
    }
    Ok(rows)
}

/// [`ticket`] in one round trip (see [`read_once`]).
pub(super) async fn ticket_once(
    pool: &sqlx::PgPool,
    sql: &Sql,
    role: Option<&str>,
    tenant: TenantId,
    id: TicketId,
) -> Result<Option<Ticket>, StoreError> {
    let select = format!(
        "SELECT state FROM {}.tickets WHERE tenant = '{}' AND id = '{}'",
        sql.schema_quoted,
        tenant.as_uuid(),
        id.as_uuid()
    );
    text_once(pool, tenant, role, &select, "reading a ticket")
        .await?
        .as_deref()
        .map(decode_ticket)
        .transpose()
}

/// [`events`] in one round trip (see [`read_once`]).
pub(super) async fn events_once(
    pool: &sqlx::PgPool,
    sql: &Sql,
    role: Option<&str>,
    tenant: TenantId,
    id: TicketId,
) -> Result<Vec<Event>, StoreError> {
    let select = format!(
        "SELECT sequence, at, body FROM {}.events WHERE tenant = '{}' AND ticket = '{}' ORDER BY sequence",
        sql.schema_quoted,
        tenant.as_uuid(),
        id.as_uuid()
    );
    let rows = read_once(pool, tenant, role, &select).await?;
    event_rows(tenant, id, &rows)
}

/// [`customer`] in one round trip (see [`read_once`]).
pub(super) async fn customer_once(
    pool: &sqlx::PgPool,
    sql: &Sql,
    role: Option<&str>,
    tenant: TenantId,
    id: CustomerId,
) -> Result<Option<Customer>, StoreError> {
    let select = format!(
        "SELECT body FROM {}.customers WHERE tenant = '{}' AND id = '{}'",
        sql.schema_quoted,
        tenant.as_uuid(),
        id.as_uuid()
    );
    text_once(pool, tenant, role, &select, "reading a customer")
        .await?
        .as_deref()
        .map(decode_customer)
        .transpose()
}

/// The one text column of the one row `select` finds, if any, in one
/// round trip.
async fn text_once(
    pool: &sqlx::PgPool,
    tenant: TenantId,
    role: Option<&str>,
    select: &str,
    doing: &'static str,
) -> Result<Option<String>, StoreError> {
    let rows = read_once(pool, tenant, role, select).await?;
    rows.first()
        .map(|row| row.try_get::<String, _>(0).map_err(backend(doing)))
        .transpose()
}

fn event_rows(
    tenant: TenantId,
    id: TicketId,
    rows: &[sqlx::postgres::PgRow],
) -> Result<Vec<Event>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let seq: i64 = r.try_get(0).map_err(backend("reading events"))?;
        let at: i64 = r.try_get(1).map_err(backend("reading events"))?;
        let body: &str = r.try_get(2).map_err(backend("reading events"))?;
        out.push(decode_event(tenant, id, u64_of(seq), time_of(at), body)?);
    }
    Ok(out)
}

/// The settings [`set_scope`] changes, as they were before.
#[derive(Debug)]
pub(super) struct Settings {
    tenant: String,
    scope: String,
    role: String,
}

/// Reads the settings [`set_scope`] changes.
pub(super) async fn read_settings(conn: &mut PgConnection) -> Result<Settings, StoreError> {
    let (tenant, scope, role): (Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT current_setting('supportdesk.tenant', true), current_setting('supportdesk.scope', true), current_setting('role')",
    )
    .fetch_one(conn)
    .await
    .map_err(backend("reading the transaction's settings"))?;
    Ok(Settings {
        tenant: tenant.unwrap_or_default(),
        scope: scope.unwrap_or_default(),
        role,
    })
}

/// Puts back what [`read_settings`] read.
pub(super) async fn restore_settings(
    conn: &mut PgConnection,
    s: &Settings,
) -> Result<(), StoreError> {
    sqlx::query(
        "SELECT set_config('supportdesk.tenant', $1, true), set_config('supportdesk.scope', $2, true), set_config('role', $3, true)",
    )
    .bind(&s.tenant)
    .bind(&s.scope)
    .bind(&s.role)
    .execute(conn)
    .await
    .map_err(backend("restoring the transaction's settings"))?;
    Ok(())
}

fn decode_ticket(text: &str) -> Result<Ticket, StoreError> {
    serde_json::from_str(text).map_err(json_err("decoding a stored ticket"))
}

fn decode_customer(text: &str) -> Result<Customer, StoreError> {
    serde_json::from_str(text).map_err(json_err("decoding a stored customer"))
}

/// An event from its row: the envelope in `body`, read through the
/// upcasters, which must agree with the row's columns.
fn decode_event(
    tenant: TenantId,
    ticket: TicketId,
    sequence: u64,
    at: DateTime<Utc>,
    body: &str,
) -> Result<Event, StoreError> {
    crate::ticket::stored::decode_row(tenant, ticket, sequence, at, body, false).map_err(|e| {
        StoreError::Backend {
            message: format!("postgres: decoding stored event {sequence} of ticket {ticket}"),
            source: Some(Arc::new(e)),
        }
    })
}

pub(super) async fn ticket(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    id: TicketId,
) -> Result<Option<Ticket>, StoreError> {
    let row: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql.ticket.clone()))
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(backend("reading a ticket"))?;
    row.as_deref().map(decode_ticket).transpose()
}

pub(super) async fn events(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    id: TicketId,
) -> Result<Vec<Event>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(sql.events.clone()))
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .fetch_all(conn)
        .await
        .map_err(backend("reading events"))?;
    event_rows(tenant, id, &rows)
}

pub(super) async fn query(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    q: &TicketQuery,
) -> Result<Page<Ticket>, StoreError> {
    let t = &sql.schema_quoted;
    let mut b: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT state FROM {t}.tickets WHERE tenant = "));
    b.push_bind(*tenant.as_uuid());
    if !q.statuses.is_empty() {
        let statuses: Vec<String> = q.statuses.iter().map(|s| s.as_str().to_owned()).collect();
        b.push(" AND status = ANY(");
        b.push_bind(statuses);
        b.push(")");
    }
    if let Some(a) = q.assignee {
        b.push(" AND assignee = ");
        b.push_bind(*a.as_uuid());
    }
    if let Some(c) = q.customer {
        b.push(" AND customer = ");
        b.push_bind(*c.as_uuid());
    }
    if let Some(c) = q.channel {
        b.push(" AND channel = ");
        b.push_bind(c.as_str().to_owned());
    }
    if let Some(tag) = &q.tag {
        b.push(format!(
            " AND EXISTS (SELECT 1 FROM {t}.ticket_tags g WHERE g.tenant = tickets.tenant AND g.ticket = tickets.id AND g.tag = "
        ));
        b.push_bind(tag.as_str().to_owned());
        b.push(")");
    }
    if let Some(f) = q.updated_from {
        b.push(" AND updated_at >= ");
        b.push_bind(nanos_bound(f));
    }
    if let Some(before) = q.updated_before {
        b.push(" AND updated_at < ");
        b.push_bind(nanos_bound(before));
    }
    let (column, desc) = match q.order {
        TicketOrder::CreatedAsc => ("created_at", false),
        TicketOrder::UpdatedAsc => ("updated_at", false),
        TicketOrder::UpdatedDesc => ("updated_at", true),
    };
    if let Some(Cursor { at, id }) = q.after {
        b.push(format!(
            " AND ({column}, id) {} (",
            if desc { "<" } else { ">" }
        ));
        b.push_bind(nanos_bound(at));
        b.push(", ");
        b.push_bind(*id.as_uuid());
        b.push(")");
    }
    let dir = if desc { " DESC" } else { "" };
    b.push(format!(" ORDER BY {column}{dir}, id{dir} LIMIT "));
    let limit = q.effective_limit();
    b.push_bind(limit_of(limit.saturating_add(1)));
    let rows: Vec<String> = b
        .build_query_scalar()
        .fetch_all(conn)
        .await
        .map_err(backend("querying tickets"))?;
    let mut items = Vec::with_capacity(rows.len().min(limit));
    for text in rows.iter().take(limit) {
        items.push(decode_ticket(text)?);
    }
    let next = if rows.len() > limit {
        items.last().map(|t| q.cursor_of(t))
    } else {
        None
    };
    Ok(Page::new(items, next))
}

pub(super) async fn customer(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    id: CustomerId,
) -> Result<Option<Customer>, StoreError> {
    let row: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql.customer.clone()))
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(backend("reading a customer"))?;
    row.as_deref().map(decode_customer).transpose()
}

pub(super) async fn customer_by_identity(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    identity: &Identity,
) -> Result<Option<Customer>, StoreError> {
    let row: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql.customer_by_identity.clone()))
        .bind(tenant.as_uuid())
        .bind(identity.key())
        .fetch_optional(conn)
        .await
        .map_err(backend("reading a customer by identity"))?;
    row.as_deref().map(decode_customer).transpose()
}

pub(super) async fn inbound(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    key: &InboundKey,
) -> Result<Option<InboundRecord>, StoreError> {
    let row: Option<(Uuid, Uuid, Uuid)> = sqlx::query_as(AssertSqlSafe(sql.inbound.clone()))
        .bind(tenant.as_uuid())
        .bind(key.channel.as_str())
        .bind(&key.external_id)
        .fetch_optional(conn)
        .await
        .map_err(backend("reading an inbound record"))?;
    Ok(row.map(|(t, m, c)| {
        InboundRecord::new(
            key.clone(),
            TicketId::from_uuid(t),
            MessageId::from_uuid(m),
            CustomerId::from_uuid(c),
        )
    }))
}

/// A ticket write turned into column values.
struct TicketRow<'c> {
    write: &'c TicketWrite,
    state: String,
    created: i64,
    updated: i64,
    sequences: Vec<i64>,
    ats: Vec<i64>,
    bodies: Vec<String>,
}

impl<'c> TicketRow<'c> {
    fn of(write: &'c TicketWrite) -> Result<Self, StoreError> {
        let n = write.events.len();
        let (mut sequences, mut ats, mut bodies) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for e in &write.events {
            sequences.push(version_of(e.sequence)?);
            ats.push(nanos(e.at)?);
            bodies.push(
                serde_json::to_string(&StoredEvent::new(e))
                    .map_err(json_err("encoding an event"))?,
            );
        }
        Ok(TicketRow {
            write,
            state: serde_json::to_string(&write.ticket).map_err(json_err("encoding a ticket"))?,
            created: nanos(write.ticket.created_at())?,
            updated: nanos(write.ticket.updated_at())?,
            sequences,
            ats,
            bodies,
        })
    }
}

/// Everything a commit writes, encoded before the transaction starts (an
/// encoding error writes nothing and takes no lock).
pub(super) struct Rows<'c> {
    commit: &'c Commit,
    tickets: Vec<TicketRow<'c>>,
    customers: Vec<(&'c CustomerWrite, String)>,
    note_ids: Vec<Uuid>,
    note_bodies: Vec<String>,
}

impl<'c> Rows<'c> {
    pub(super) fn of(commit: &'c Commit) -> Result<Self, StoreError> {
        let mut tickets = commit
            .tickets
            .iter()
            .map(TicketRow::of)
            .collect::<Result<Vec<_>, _>>()?;
        // One lock order for every writer: by ticket id (a merge writes two
        // tickets; two merges of the same pair never deadlock).
        tickets.sort_by_key(|r| r.write.ticket.id());
        let mut customers = Vec::with_capacity(commit.customers.len());
        for c in &commit.customers {
            customers.push((
                c,
                serde_json::to_string(&c.customer).map_err(json_err("encoding a customer"))?,
            ));
        }
        customers.sort_by_key(|(c, _)| c.customer.id);
        let mut note_ids = Vec::with_capacity(commit.notifications.len());
        let mut note_bodies = Vec::with_capacity(commit.notifications.len());
        for n in &commit.notifications {
            note_ids.push(*n.id.as_uuid());
            note_bodies
                .push(serde_json::to_string(n).map_err(json_err("encoding a notification"))?);
        }
        if let Some(lease) = &commit.lease {
            nanos(lease.until)?;
        }
        for d in &commit.due {
            version_of(d.version)?;
        }
        Ok(Rows {
            commit,
            tickets,
            customers,
            note_ids,
            note_bodies,
        })
    }
}

async fn ticket_version(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: &Uuid,
    id: &Uuid,
) -> Result<Option<u64>, StoreError> {
    let v: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql.ticket_version.clone()))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend("reading a ticket version"))?;
    Ok(v.map(u64_of))
}

async fn write_ticket(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: &Uuid,
    row: &TicketRow<'_>,
) -> Result<(), StoreError> {
    let t = &row.write.ticket;
    let id = *t.id().as_uuid();
    let version = version_of(t.version())?;
    let assignee = t.assignee().map(|a| *a.as_uuid());
    let conflict = |actual: Option<u64>| StoreError::Conflict {
        entity: Entity::Ticket(t.id()),
        expected: row.write.expected,
        actual,
    };
    let (statement, expected) = match row.write.expected {
        ExpectedVersion::New => (&sql.insert_ticket, None),
        ExpectedVersion::Version(v) => (&sql.update_ticket, Some(version_of(v)?)),
    };
    let tags: Vec<String> = t
        .tags()
        .iter()
        .map(|g| g.as_str().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let customer = *t.customer().as_uuid();
    let mut q = sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(statement.clone()))
        .bind(tenant)
        .bind(id)
        .bind(version)
        .bind(t.status().as_str())
        .bind(assignee)
        .bind(customer)
        .bind(t.channel().as_str())
        .bind(row.created)
        .bind(row.updated)
        .bind(&row.state)
        .bind(&tags)
        .bind(&row.sequences)
        .bind(&row.ats)
        .bind(&row.bodies);
    if let Some(v) = expected {
        q = q.bind(v);
    }
    let (written, appended) = q
        .fetch_one(&mut *conn)
        .await
        .map_err(backend("writing a ticket"))?;
    if written == 0 {
        return Err(match expected {
            None => StoreError::AlreadyExists {
                entity: Entity::Ticket(t.id()),
            },
            Some(_) => conflict(ticket_version(conn, sql, tenant, &id).await?),
        });
    }
    if usize::try_from(appended).ok() != Some(row.sequences.len()) {
        // Events past the stored version: another writer's history.
        return Err(conflict(ticket_version(conn, sql, tenant, &id).await?));
    }
    Ok(())
}

/// Writes a customer's row and releases the identities it dropped; returns
/// the keys it claims, inserted once every customer of the commit has
/// released its own (so one commit can move an identity).
async fn write_customer<'w>(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: &Uuid,
    w: &'w CustomerWrite,
    body: &str,
) -> Result<Vec<(String, &'w Identity)>, StoreError> {
    let c = &w.customer;
    let id = *c.id.as_uuid();
    let version = version_of(c.version)?;
    let changed = match w.expected {
        ExpectedVersion::New => sqlx::query(AssertSqlSafe(sql.insert_customer.clone()))
            .bind(tenant)
            .bind(id)
            .bind(version)
            .bind(body)
            .execute(&mut *conn)
            .await
            .map_err(backend("inserting a customer"))?
            .rows_affected(),
        ExpectedVersion::Version(v) => sqlx::query(AssertSqlSafe(sql.update_customer.clone()))
            .bind(tenant)
            .bind(id)
            .bind(version)
            .bind(body)
            .bind(version_of(v)?)
            .execute(&mut *conn)
            .await
            .map_err(backend("updating a customer"))?
            .rows_affected(),
    };
    if changed == 0 {
        return Err(match w.expected {
            ExpectedVersion::New => StoreError::AlreadyExists {
                entity: Entity::Customer(c.id),
            },
            ExpectedVersion::Version(_) => {
                let actual: Option<i64> =
                    sqlx::query_scalar(AssertSqlSafe(sql.customer_version.clone()))
                        .bind(tenant)
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(backend("reading a customer version"))?;
                StoreError::Conflict {
                    entity: Entity::Customer(c.id),
                    expected: w.expected,
                    actual: actual.map(u64_of),
                }
            }
        });
    }
    let keys: Vec<(String, &Identity)> = c.identities.iter().map(|i| (i.key(), i)).collect();
    if matches!(w.expected, ExpectedVersion::Version(_)) {
        let kept: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        sqlx::query(AssertSqlSafe(sql.release_identities.clone()))
            .bind(tenant)
            .bind(id)
            .bind(&kept)
            .execute(&mut *conn)
            .await
            .map_err(backend("releasing identities"))?;
    }
    Ok(keys)
}

/// Inserts the identities a customer claims; one owned by another customer
/// is [`StoreError::IdentityTaken`].
async fn claim_identities(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: &Uuid,
    customer: CustomerId,
    claims: &[(String, &Identity)],
) -> Result<(), StoreError> {
    if claims.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = claims.iter().map(|(k, _)| k.as_str()).collect();
    sqlx::query(AssertSqlSafe(sql.claim_identities.clone()))
        .bind(tenant)
        .bind(customer.as_uuid())
        .bind(&keys)
        .execute(&mut *conn)
        .await
        .map_err(backend("inserting identities"))?;
    let taken: Option<(String, Uuid)> = sqlx::query_as(AssertSqlSafe(sql.identity_owners.clone()))
        .bind(tenant)
        .bind(customer.as_uuid())
        .bind(&keys)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend("reading identity owners"))?;
    if let Some((key, owner)) = taken {
        if let Some((_, identity)) = claims.iter().find(|(k, _)| *k == key) {
            return Err(StoreError::IdentityTaken {
                identity: (*identity).clone(),
                owner: CustomerId::from_uuid(owner),
            });
        }
        return Err(StoreError::backend(format!(
            "postgres: identity key {key} is owned by {owner} but was not claimed"
        )));
    }
    Ok(())
}

async fn write_inbound(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    r: &InboundRecord,
) -> Result<(), StoreError> {
    let inserted = sqlx::query(AssertSqlSafe(sql.insert_inbound.clone()))
        .bind(tenant.as_uuid())
        .bind(r.key.channel.as_str())
        .bind(&r.key.external_id)
        .bind(r.ticket.as_uuid())
        .bind(r.message.as_uuid())
        .bind(r.customer.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(backend("recording an inbound message"))?
        .rows_affected();
    if inserted == 0 {
        return match inbound(conn, sql, tenant, &r.key).await? {
            Some(existing) => Err(StoreError::DuplicateInbound { existing }),
            None => Err(StoreError::backend(format!(
                "postgres: inbound message {} on {} neither recorded nor found",
                r.key.external_id, r.key.channel
            ))),
        };
    }
    Ok(())
}

/// Writes a whole commit; the caller's transaction makes it all or nothing.
pub(super) async fn commit(
    conn: &mut PgConnection,
    sql: &Sql,
    rows: &Rows<'_>,
) -> Result<(), StoreError> {
    let commit = rows.commit;
    let tenant = *commit.tenant.as_uuid();
    for row in &rows.tickets {
        write_ticket(conn, sql, &tenant, row).await?;
    }
    let mut claims = Vec::with_capacity(rows.customers.len());
    for (w, body) in &rows.customers {
        claims.push((
            w.customer.id,
            write_customer(conn, sql, &tenant, w, body).await?,
        ));
    }
    for (customer, claimed) in &claims {
        claim_identities(conn, sql, &tenant, *customer, claimed).await?;
    }
    for r in &commit.inbound {
        write_inbound(conn, sql, commit.tenant, r).await?;
    }
    if !commit.once.is_empty() {
        let keys: Vec<&str> = commit.once.iter().map(|k| k.as_str()).collect();
        let recorded: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql.insert_once.clone()))
            .bind(tenant)
            .bind(&keys)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend("recording once keys"))?;
        if let Some(done) = commit
            .once
            .iter()
            .find(|k| !recorded.iter().any(|r| r == k.as_str()))
        {
            return Err(StoreError::AlreadyDone { key: done.clone() });
        }
    }
    if !rows.note_ids.is_empty() {
        let (owner, until) = match &commit.lease {
            Some(l) => (Some(l.owner.as_str()), Some(nanos(l.until)?)),
            None => (None, None),
        };
        sqlx::query(AssertSqlSafe(sql.queue_notifications.clone()))
            .bind(tenant)
            .bind(&rows.note_ids)
            .bind(&rows.note_bodies)
            .bind(owner)
            .bind(until)
            .execute(&mut *conn)
            .await
            .map_err(backend("queueing notifications"))?;
        sqlx::query(AssertSqlSafe(sql.wake_dispatchers.clone()))
            .execute(&mut *conn)
            .await
            .map_err(backend("waking dispatchers"))?;
    }
    if !commit.due.is_empty() {
        let mut set = (Vec::new(), Vec::new(), Vec::new());
        let mut unset = (Vec::new(), Vec::new());
        // Only the update computed for the ticket's stored version applies;
        // of two for the same version, the last (as if applied in order).
        let mut last = std::collections::BTreeMap::new();
        for d in &commit.due {
            last.insert((d.ticket, d.version), d);
        }
        for d in last.into_values() {
            let version = version_of(d.version)?;
            match d.at {
                Some(at) => {
                    set.0.push(*d.ticket.as_uuid());
                    set.1.push(version);
                    set.2.push(nanos_bound(at));
                }
                None => {
                    unset.0.push(*d.ticket.as_uuid());
                    unset.1.push(version);
                }
            }
        }
        if !set.0.is_empty() {
            sqlx::query(AssertSqlSafe(sql.set_due.clone()))
                .bind(tenant)
                .bind(&set.0)
                .bind(&set.1)
                .bind(&set.2)
                .execute(&mut *conn)
                .await
                .map_err(backend("updating the due index"))?;
        }
        if !unset.0.is_empty() {
            sqlx::query(AssertSqlSafe(sql.unset_due.clone()))
                .bind(tenant)
                .bind(&unset.0)
                .bind(&unset.1)
                .execute(&mut *conn)
                .await
                .map_err(backend("updating the due index"))?;
        }
    }
    Ok(())
}

fn outbox_entry(row: &sqlx::postgres::PgRow) -> Result<OutboxEntry, StoreError> {
    let body: &str = row.try_get("body").map_err(backend("reading the outbox"))?;
    let attempts: i32 = row
        .try_get("attempts")
        .map_err(backend("reading the outbox"))?;
    let last_error: Option<String> = row
        .try_get("last_error")
        .map_err(backend("reading the outbox"))?;
    let owner: Option<String> = row
        .try_get("lease_owner")
        .map_err(backend("reading the outbox"))?;
    let until: Option<i64> = row
        .try_get("lease_until")
        .map_err(backend("reading the outbox"))?;
    let notification =
        serde_json::from_str(body).map_err(json_err("decoding a stored notification"))?;
    let lease = match (owner, until) {
        (Some(owner), Some(until)) => Some(OutboxLease::new(owner, time_of(until))),
        _ => None,
    };
    Ok(OutboxEntry::new(
        notification,
        u32::try_from(attempts).unwrap_or(0),
        last_error,
    )
    .leased(lease))
}

pub(super) async fn undelivered(
    conn: &mut PgConnection,
    sql: &Sql,
    limit: usize,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(sql.undelivered.clone()))
        .bind(limit_of(limit))
        .fetch_all(conn)
        .await
        .map_err(backend("reading the outbox"))?;
    rows.iter().map(outbox_entry).collect()
}

pub(super) async fn claim(
    conn: &mut PgConnection,
    sql: &Sql,
    claim: &OutboxClaim,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(sql.claim.clone()))
        .bind(&claim.lease.owner)
        .bind(nanos_bound(claim.lease.until))
        .bind(nanos_bound(claim.now))
        .bind(limit_of(claim.limit))
        .fetch_all(conn)
        .await
        .map_err(backend("claiming outbox entries"))?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let seq: i64 = row.try_get("seq").map_err(backend("reading the outbox"))?;
        entries.push((seq, outbox_entry(row)?));
    }
    entries.sort_by_key(|(seq, _)| *seq);
    Ok(entries.into_iter().map(|(_, e)| e).collect())
}

pub(super) async fn mark_delivered(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    id: NotificationId,
    at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let changed = sqlx::query(AssertSqlSafe(sql.mark_delivered.clone()))
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(at.map(nanos_bound))
        .execute(conn)
        .await
        .map_err(backend("marking a notification delivered"))?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::UnknownNotification { id });
    }
    Ok(())
}

pub(super) async fn record_failure(
    conn: &mut PgConnection,
    sql: &Sql,
    tenant: TenantId,
    id: NotificationId,
    error: &str,
) -> Result<(), StoreError> {
    let changed = sqlx::query(AssertSqlSafe(sql.record_failure.clone()))
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(error)
        .execute(conn)
        .await
        .map_err(backend("recording a failed delivery"))?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::UnknownNotification { id });
    }
    Ok(())
}

pub(super) async fn prune_delivered(
    conn: &mut PgConnection,
    sql: &Sql,
    before: DateTime<Utc>,
    limit: usize,
) -> Result<usize, StoreError> {
    let deleted = sqlx::query(AssertSqlSafe(sql.prune_delivered.clone()))
        .bind(nanos_bound(before))
        .bind(limit_of(limit))
        .execute(conn)
        .await
        .map_err(backend("pruning delivered notifications"))?
        .rows_affected();
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}

pub(super) async fn due(
    conn: &mut PgConnection,
    sql: &Sql,
    until: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<DueTicket>, StoreError> {
    let rows: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(AssertSqlSafe(sql.due.clone()))
        .bind(nanos_bound(until))
        .bind(limit_of(limit))
        .fetch_all(conn)
        .await
        .map_err(backend("reading the due index"))?;
    Ok(rows
        .into_iter()
        .map(|(t, id, at)| {
            DueTicket::new(TenantId::from_uuid(t), TicketId::from_uuid(id), time_of(at))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scoped_begin_holds_only_the_uuid_and_the_checked_role() {
        let t = TenantId::from_u128(0xab);
        assert_eq!(
            begin_scoped(Some(t), Some("supportdesk_tenant")),
            "BEGIN; SELECT set_config('supportdesk.tenant', '00000000-0000-0000-0000-0000000000ab', true), \
             set_config('supportdesk.scope', 'tenant', true), set_config('role', 'supportdesk_tenant', true)"
        );
        assert_eq!(
            begin_scoped(None, None),
            "BEGIN; SELECT set_config('supportdesk.tenant', '', true), set_config('supportdesk.scope', 'all-tenants', true)"
        );
    }
}
