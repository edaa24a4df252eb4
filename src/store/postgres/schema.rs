//! The PostgreSQL schema: versioned, forward-only migrations, row-level
//! security on every tenant table, and the role the store's transactions
//! run as when the connecting role would bypass row-level security.

use sqlx::{AssertSqlSafe, PgConnection};

use super::PostgresOpenError;

/// The schema migrations, in order: migration `i` takes the schema from
/// version `i` to `i + 1`. Forward only: a released migration is never
/// edited; a change is a new one appended here. `{s}` stands for the
/// quoted schema name.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: every table, keyed by tenant first; row-level security enabled and
    // forced on each, keyed by the transaction's tenant setting. The outbox
    // and the due index also answer a transaction that declares it works
    // across tenants (dispatchers and SLA sweeps), and nothing else does.
    r#"
    CREATE TABLE {s}.tickets (
        tenant     uuid   NOT NULL,
        id         uuid   NOT NULL,
        version    bigint NOT NULL,
        status     text   NOT NULL,
        assignee   uuid,
        customer   uuid   NOT NULL,
        channel    text   NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        state      text   NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE INDEX tickets_by_created  ON {s}.tickets (tenant, created_at, id);
    CREATE INDEX tickets_by_updated  ON {s}.tickets (tenant, updated_at, id);
    CREATE INDEX tickets_by_status   ON {s}.tickets (tenant, status, updated_at, id);
    CREATE INDEX tickets_by_assignee ON {s}.tickets (tenant, assignee, updated_at, id);
    CREATE INDEX tickets_by_customer ON {s}.tickets (tenant, customer, updated_at, id);

    CREATE TABLE {s}.ticket_tags (
        tenant uuid NOT NULL,
        ticket uuid NOT NULL,
        tag    text NOT NULL,
        PRIMARY KEY (tenant, ticket, tag)
    );
    CREATE INDEX ticket_tags_by_tag ON {s}.ticket_tags (tenant, tag, ticket);

    CREATE TABLE {s}.events (
        tenant   uuid   NOT NULL,
        ticket   uuid   NOT NULL,
        sequence bigint NOT NULL,
        at       bigint NOT NULL,
        body     text   NOT NULL,
        PRIMARY KEY (tenant, ticket, sequence)
    );

    CREATE TABLE {s}.customers (
        tenant  uuid   NOT NULL,
        id      uuid   NOT NULL,
        version bigint NOT NULL,
        body    text   NOT NULL,
        PRIMARY KEY (tenant, id)
    );

    CREATE TABLE {s}.identities (
        tenant   uuid NOT NULL,
        identity text NOT NULL,
        customer uuid NOT NULL,
        PRIMARY KEY (tenant, identity)
    );
    CREATE INDEX identities_by_customer ON {s}.identities (tenant, customer);

    CREATE TABLE {s}.inbound (
        tenant      uuid NOT NULL,
        channel     text NOT NULL,
        external_id text NOT NULL,
        ticket      uuid NOT NULL,
        message     uuid NOT NULL,
        customer    uuid NOT NULL,
        PRIMARY KEY (tenant, channel, external_id)
    );

    CREATE TABLE {s}.once_keys (
        tenant uuid NOT NULL,
        key    text NOT NULL,
        PRIMARY KEY (tenant, key)
    );

    CREATE TABLE {s}.due (
        tenant uuid   NOT NULL,
        ticket uuid   NOT NULL,
        at     bigint NOT NULL,
        PRIMARY KEY (tenant, ticket)
    );
    CREATE INDEX due_by_time ON {s}.due (at, tenant, ticket);

    CREATE TABLE {s}.outbox (
        seq          bigserial PRIMARY KEY,
        tenant       uuid    NOT NULL,
        id           uuid    NOT NULL,
        body         text    NOT NULL,
        attempts     integer NOT NULL DEFAULT 0,
        last_error   text,
        delivered    boolean NOT NULL DEFAULT false,
        delivered_at bigint,
        lease_owner  text,
        lease_until  bigint,
        UNIQUE (tenant, id)
    );
    CREATE INDEX outbox_undelivered ON {s}.outbox (seq) WHERE NOT delivered;
    CREATE INDEX outbox_delivered ON {s}.outbox (delivered_at NULLS FIRST, seq) WHERE delivered;

    DO $rls$
    DECLARE
        t text;
    BEGIN
        FOREACH t IN ARRAY ARRAY['tickets', 'ticket_tags', 'events', 'customers',
                                 'identities', 'inbound', 'once_keys', 'due', 'outbox']
        LOOP
            EXECUTE format('ALTER TABLE {s}.%I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format('ALTER TABLE {s}.%I FORCE ROW LEVEL SECURITY', t);
        END LOOP;
        FOREACH t IN ARRAY ARRAY['tickets', 'ticket_tags', 'events', 'customers',
                                 'identities', 'inbound', 'once_keys']
        LOOP
            EXECUTE format(
                'CREATE POLICY tenant_rows ON {s}.%I
                 USING (tenant = NULLIF(current_setting(''supportdesk.tenant'', true), '''')::uuid)
                 WITH CHECK (tenant = NULLIF(current_setting(''supportdesk.tenant'', true), '''')::uuid)',
                t);
        END LOOP;
        FOREACH t IN ARRAY ARRAY['due', 'outbox']
        LOOP
            EXECUTE format(
                'CREATE POLICY tenant_rows ON {s}.%I
                 USING (tenant = NULLIF(current_setting(''supportdesk.tenant'', true), '''')::uuid
                        OR current_setting(''supportdesk.scope'', true) = ''all-tenants'')
                 WITH CHECK (tenant = NULLIF(current_setting(''supportdesk.tenant'', true), '''')::uuid
                        OR current_setting(''supportdesk.scope'', true) = ''all-tenants'')',
                t);
        END LOOP;
    END
    $rls$;
    "#,
];

/// The schema version this code writes and reads.
///
/// Available with the crate feature `postgres`.
pub const POSTGRES_SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The tables of a migrated schema that hold tenant rows (all of them have
/// row-level security enabled and forced).
pub(super) const TENANT_TABLES: &[&str] = &[
    "tickets",
    "ticket_tags",
    "events",
    "customers",
    "identities",
    "inbound",
    "once_keys",
    "due",
    "outbox",
];

/// Checks a schema name: a plain lower-case SQL identifier (so it needs no
/// quoting rules beyond double quotes, and cannot smuggle SQL).
pub(super) fn check_schema_name(name: &str) -> Result<(), PostgresOpenError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(PostgresOpenError::InvalidName {
            what: "schema",
            name: name.to_owned(),
        })
    }
}

/// Checks a role name, with the same rules as a schema name.
pub(super) fn check_role_name(name: &str) -> Result<(), PostgresOpenError> {
    check_schema_name(name).map_err(|_| PostgresOpenError::InvalidName {
        what: "role",
        name: name.to_owned(),
    })
}

/// `text` with `{s}` replaced by the quoted schema.
pub(super) fn in_schema(text: &str, schema: &str) -> String {
    text.replace("{s}", &format!("\"{schema}\""))
}

fn open_err(doing: &'static str) -> impl Fn(sqlx::Error) -> PostgresOpenError {
    move |e| PostgresOpenError::Postgres {
        message: doing.to_owned(),
        source: Box::new(e),
    }
}

/// A stable advisory-lock key for migrating `schema` (so two processes
/// opening the same new database migrate it once, one after the other).
fn lock_key(schema: &str) -> i64 {
    // FNV-1a over the name: stable across builds and processes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"supportdesk-migrate:".iter().chain(schema.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// A transaction holding the advisory lock of `name` until it ends, so
/// processes doing the same set-up at once take turns.
async fn locked<'c>(
    conn: &'c mut PgConnection,
    name: &str,
    doing: &'static str,
) -> Result<sqlx::Transaction<'c, sqlx::Postgres>, PostgresOpenError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await.map_err(open_err(doing))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock_key(name))
        .execute(&mut *tx)
        .await
        .map_err(open_err(doing))?;
    Ok(tx)
}

/// Brings `schema` to [`POSTGRES_SCHEMA_VERSION`], or refuses a schema
/// written by newer code. Runs in one transaction under an advisory lock:
/// a failed migration leaves the schema as it was.
pub(super) async fn migrate(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<(), PostgresOpenError> {
    let mut tx = locked(conn, schema, "migrating the schema").await?;
    sqlx::raw_sql(AssertSqlSafe(in_schema(
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.schema_version (
             one     boolean PRIMARY KEY DEFAULT true CHECK (one),
             version integer NOT NULL
         );",
        schema,
    )))
    .execute(&mut *tx)
    .await
    .map_err(open_err("creating the schema"))?;
    let found: Option<i32> = sqlx::query_scalar(AssertSqlSafe(in_schema(
        "SELECT version FROM {s}.schema_version",
        schema,
    )))
    .fetch_optional(&mut *tx)
    .await
    .map_err(open_err("reading the schema version"))?;
    let found = u32::try_from(found.unwrap_or(0)).unwrap_or(0);
    if found > POSTGRES_SCHEMA_VERSION {
        return Err(PostgresOpenError::SchemaTooNew {
            found,
            supported: POSTGRES_SCHEMA_VERSION,
        });
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sqlx::raw_sql(AssertSqlSafe(in_schema(m, schema)))
            .execute(&mut *tx)
            .await
            .map_err(|e| PostgresOpenError::Migration {
                version,
                reason: e.to_string(),
            })?;
    }
    if found < POSTGRES_SCHEMA_VERSION {
        sqlx::query(AssertSqlSafe(in_schema(
            "INSERT INTO {s}.schema_version (one, version) VALUES (true, $1)
             ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
            schema,
        )))
        .bind(i32::try_from(POSTGRES_SCHEMA_VERSION).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await
        .map_err(open_err("recording the schema version"))?;
    }
    tx.commit()
        .await
        .map_err(open_err("committing the migration"))?;
    Ok(())
}

/// Whether the connected role bypasses row-level security (a superuser or
/// a role with `BYPASSRLS`): then the store's transactions switch to the
/// tenant role, where the policies apply.
pub(super) async fn bypasses_rls(conn: &mut PgConnection) -> Result<bool, PostgresOpenError> {
    sqlx::query_scalar::<_, bool>(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_optional(conn)
    .await
    .map(|b| b.unwrap_or(false))
    .map_err(open_err("reading the connected role"))
}

/// Creates (if missing) the role the store's transactions run as, and
/// grants it what the store does on `schema`'s tables, nothing more: no
/// login, no `BYPASSRLS`, no other schema.
pub(super) async fn ensure_role(
    conn: &mut PgConnection,
    schema: &str,
    role: &str,
) -> Result<(), PostgresOpenError> {
    let mut tx = locked(conn, role, "setting up the tenant role").await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_roles WHERE rolname = $1")
        .bind(role)
        .fetch_optional(&mut *tx)
        .await
        .map_err(open_err("looking up the tenant role"))?;
    if exists.is_none() {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE ROLE \"{role}\" NOLOGIN NOSUPERUSER NOBYPASSRLS"
        )))
        .execute(&mut *tx)
        .await
        .map_err(|e| PostgresOpenError::Role {
            role: role.to_owned(),
            reason: e.to_string(),
        })?;
    }
    let tables = TENANT_TABLES
        .iter()
        .map(|t| format!("{{s}}.{t}"))
        .collect::<Vec<_>>()
        .join(", ");
    let grants = in_schema(
        &format!(
            "GRANT USAGE ON SCHEMA {{s}} TO \"{role}\";
             GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO \"{role}\";
             GRANT USAGE, SELECT ON SEQUENCE {{s}}.outbox_seq_seq TO \"{role}\";"
        ),
        schema,
    );
    sqlx::raw_sql(AssertSqlSafe(grants))
        .execute(&mut *tx)
        .await
        .map_err(|e| PostgresOpenError::Role {
            role: role.to_owned(),
            reason: e.to_string(),
        })?;
    tx.commit()
        .await
        .map_err(open_err("committing the role set-up"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for ok in ["supportdesk", "sd_test_1", "_x"] {
            assert!(check_schema_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Upper",
            "a-b",
            "a\"b",
            "1abc",
            "pg_catalog",
            "x; DROP",
            &"a".repeat(64),
        ] {
            assert!(
                matches!(
                    check_schema_name(bad),
                    Err(PostgresOpenError::InvalidName { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn lock_keys_differ_per_schema_and_are_stable() {
        assert_ne!(lock_key("a"), lock_key("b"));
        assert_eq!(lock_key("supportdesk"), lock_key("supportdesk"));
    }

    #[test]
    fn every_tenant_table_is_created_with_forced_rls() {
        let sql = MIGRATIONS[0];
        for t in TENANT_TABLES {
            assert!(sql.contains(&format!("CREATE TABLE {{s}}.{t} (")), "{t}");
            assert!(
                sql.contains(&format!("'{t}'")),
                "{t} is not in the RLS lists"
            );
        }
    }
}
