//! `PostgresStore` beyond the conformance suite: row-level security per
//! tenant, pooled connections, migrations, the host's own transactions,
//! killed connections, the outbox waker and SLA sweeps from several
//! workers at once. Needs the local PostgreSQL server (see
//! `supportdesk::testing::postgres`).
#![cfg(feature = "postgres")]

#[macro_use]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use sqlx::{AssertSqlSafe, Connection, Row};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId, TicketId};
use supportdesk::port::{
    AsyncTicketStore, Commit, ExpectedVersion, StoreError, TicketQuery, TicketWrite,
};
use supportdesk::sla::{Calendars, MetricDef, PolicySet, SlaPolicy, Target, TimeBasis, WarnAt};
use supportdesk::store::{POSTGRES_SCHEMA_VERSION, PostgresOpenError, PostgresOptions, Wake};
use supportdesk::testing::postgres::ScratchSchema;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds, TicketBuilder};
use supportdesk::ticket::{Command, Event, EventKind};
use supportdesk::{AsyncDesk, Channel, Dispatch, Inbound, PostgresStore, Priority, Ticket};

use support::pg::{RT, fresh};

const A: TenantId = TenantId::from_u128(0xA);
const B: TenantId = TenantId::from_u128(0xB);
const BOB: AgentId = AgentId::from_u128(7);

/// A new ticket's commit for `tenant`, with the same ticket id in every
/// tenant.
fn new_ticket(tenant: TenantId, id: u128) -> Commit {
    let events = TicketBuilder::new()
        .tenant(tenant)
        .id(TicketId::from_u128(id))
        .tag("billing")
        .events();
    let ticket = Ticket::from_events(&events).unwrap_or_else(|| panic!("a ticket"));
    Commit::new(tenant).ticket(TicketWrite::new(ExpectedVersion::New, ticket, events))
}

async fn count(conn: &mut sqlx::PgConnection, schema: &str, table: &str) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{schema}\".{table}"
    )))
    .fetch_one(conn)
    .await
    .unwrap_or_else(|e| panic!("counting {table}: {e}"))
}

const TABLES: [&str; 9] = [
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

#[test]
fn row_level_security_is_enabled_and_forced_on_every_tenant_table() {
    let (store, _schema) = fresh("rls_flags", 2);
    RT.block_on(async {
        let rows = sqlx::query(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname",
        )
        .bind(store.schema())
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let mut seen = BTreeSet::new();
        for r in rows {
            let name: String = r.get(0);
            if name == "schema_version" {
                continue; // no tenant rows: one row, the schema's version
            }
            assert!(
                r.get::<bool, _>(1),
                "{name}: row-level security is not enabled"
            );
            assert!(
                r.get::<bool, _>(2),
                "{name}: row-level security is not forced"
            );
            seen.insert(name);
        }
        let want: BTreeSet<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(seen, want);
    });
}

#[test]
fn a_statement_that_forgets_its_tenant_sees_nothing() {
    let (store, _schema) = fresh("rls_forget", 2);
    RT.block_on(async {
        for t in [A, B] {
            store
                .commit(&new_ticket(t, 1))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let mut conn = store
            .pool()
            .acquire()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut tx = conn.begin().await.unwrap_or_else(|e| panic!("{e}"));
        if let Some(role) = store.tenant_role() {
            sqlx::query("SELECT set_config('role', $1, true)")
                .bind(role)
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        for table in TABLES {
            assert_eq!(
                count(&mut tx, store.schema(), table).await,
                0,
                "{table}: rows visible without a tenant"
            );
        }
        sqlx::query("SELECT set_config('supportdesk.tenant', $1, true)")
            .bind(A.as_uuid().to_string())
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Even without a WHERE on the tenant, only A's rows.
        let tenants: Vec<uuid::Uuid> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT tenant FROM \"{}\".tickets",
            store.schema()
        )))
        .fetch_all(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tenants, vec![*A.as_uuid()]);
        // Writing another tenant's row is refused by the policy.
        let denied = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO \"{}\".once_keys (tenant, key) VALUES ($1, 'x')",
            store.schema()
        )))
        .bind(B.as_uuid())
        .execute(&mut *tx)
        .await;
        assert!(
            denied.is_err(),
            "a row of tenant B was written in tenant A's transaction"
        );
    });
}

#[test]
fn pooled_connections_carry_no_tenant_or_role_into_the_next_use() {
    let (store, _schema) = fresh("rls_pool", 1);
    RT.block_on(async {
        store.commit(&new_ticket(A, 1)).await.unwrap_or_else(|e| panic!("{e}"));
        let found = store.ticket(A, TicketId::from_u128(1)).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(found.is_some());
        // The pool has one connection: the one the store just used.
        let (tenant, user, session): (Option<String>, String, String) = sqlx::query_as(
            "SELECT current_setting('supportdesk.tenant', true), current_user::text, session_user::text",
        )
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(tenant.unwrap_or_default().is_empty(), "the tenant setting outlived its transaction");
        assert_eq!(user, session, "the tenant role outlived its transaction");
    });
}

#[test]
fn a_schema_newer_than_the_code_is_refused_and_left_alone() {
    let (store, schema) = fresh("too_new", 1);
    RT.block_on(async {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE \"{}\".schema_version SET version = 99",
            schema.name()
        )))
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let again = PostgresStore::open_with(
            store.pool().clone(),
            PostgresOptions::new().schema(schema.name()),
        )
        .await;
        match again {
            Err(PostgresOpenError::SchemaTooNew {
                found: 99,
                supported,
            }) => {
                assert_eq!(supported, POSTGRES_SCHEMA_VERSION);
            }
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
        let v: i32 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT version FROM \"{}\".schema_version",
            schema.name()
        )))
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v, 99);
    });
}

#[test]
fn bad_names_are_refused_before_any_statement() {
    let (store, _schema) = fresh("names", 1);
    RT.block_on(async {
        let bad = PostgresStore::open_with(
            store.pool().clone(),
            PostgresOptions::new().schema("x\"; DROP TABLE t; --"),
        )
        .await;
        assert!(matches!(
            bad,
            Err(PostgresOpenError::InvalidName { what: "schema", .. })
        ));
        let bad = PostgresStore::open_with(
            store.pool().clone(),
            PostgresOptions::new()
                .schema("fine")
                .tenant_role("Bad Role"),
        )
        .await;
        assert!(matches!(
            bad,
            Err(PostgresOpenError::InvalidName { what: "role", .. })
        ));
    });
}

#[test]
fn processes_opening_a_new_schema_together_migrate_it_once() {
    let schema = ScratchSchema::new("open_race");
    RT.block_on(async {
        let schema = Arc::new(schema);
        let opens = (0..4).map(|_| {
            let schema = Arc::clone(&schema);
            async move { schema.open(2).await }
        });
        let stores: Vec<PostgresStore> = futures_join_all(opens)
            .await
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let v: i32 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT version FROM \"{}\".schema_version",
            schema.name()
        )))
        .fetch_one(stores[0].pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u32::try_from(v).ok(), Some(POSTGRES_SCHEMA_VERSION));
    });
}

/// Runs futures concurrently on the runtime and collects their outputs in
/// order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(|f| tokio::spawn(f)).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap_or_else(|e| panic!("a task failed: {e}")));
    }
    out
}

#[test]
fn a_desk_change_commits_or_rolls_back_with_the_host_transaction() {
    let (store, schema) = fresh("host_tx", 4);
    RT.block_on(async {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE TABLE \"{}\".orders (id int PRIMARY KEY, refunded boolean NOT NULL)",
            schema.name()
        )))
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let refund = format!("INSERT INTO \"{}\".orders VALUES ($1, true)", schema.name());
        let orders = format!("SELECT count(*) FROM \"{}\".orders", schema.name());
        let other = store.reconnect().unwrap_or_else(|e| panic!("{e}"));

        // Rolled back: neither the refund nor the ticket.
        let mut tx = store.pool().begin().await.unwrap_or_else(|e| panic!("{e}"));
        sqlx::query(AssertSqlSafe(refund.clone())).bind(1).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
        {
            let in_tx = store.transaction(&mut tx);
            in_tx.commit(&new_ticket(A, 1)).await.unwrap_or_else(|e| panic!("{e}"));
            assert!(in_tx.ticket(A, TicketId::from_u128(1)).await.unwrap_or_else(|e| panic!("{e}")).is_some());
            // Not visible outside the host's transaction yet.
            assert!(other.ticket(A, TicketId::from_u128(1)).await.unwrap_or_else(|e| panic!("{e}")).is_none());
        }
        tx.rollback().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(other.ticket(A, TicketId::from_u128(1)).await.unwrap_or_else(|e| panic!("{e}")).is_none());
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(orders.clone())).fetch_one(store.pool()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 0);

        // Committed: both; a failed desk write inside it (a stale version)
        // rolls back only its own savepoint.
        let replied;
        let mut tx = store.pool().begin().await.unwrap_or_else(|e| panic!("{e}"));
        sqlx::query(AssertSqlSafe(refund.clone())).bind(2).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
        {
            let in_tx = store.transaction(&mut tx);
            in_tx.commit(&new_ticket(A, 2)).await.unwrap_or_else(|e| panic!("{e}"));
            let again = in_tx.commit(&new_ticket(A, 2)).await;
            assert!(matches!(again, Err(StoreError::AlreadyExists { .. })), "{again:?}");
            // A desk command inside the host's transaction: its
            // notification waits in the outbox, nothing is sent before the
            // host commits.
            let desk = AsyncDesk::new(
                &in_tx,
                RecordingNotifier::new(),
                ManualClock::at("2026-03-02T09:00:00Z").unwrap_or_else(|e| panic!("{e}")),
            )
            .with_dispatch(Dispatch::Outbox);
            let out = desk
                .execute(A, TicketId::from_u128(2), Command::agent_reply(BOB, "Refunded"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(out.delivery.delivered.is_empty() && !out.delivery.pending.is_empty(), "{:?}", out.delivery);
            assert!(desk.notifier().sent().is_empty());
            assert!(other.undelivered(10).await.unwrap_or_else(|e| panic!("{e}")).is_empty());
            replied = out.ticket.version();
        }
        // The host's own statements run as the host again, with no tenant.
        let (tenant, user, session): (Option<String>, String, String) = sqlx::query_as(
            "SELECT current_setting('supportdesk.tenant', true), current_user::text, session_user::text",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(tenant.unwrap_or_default().is_empty(), "the store's tenant leaked into the host's transaction");
        assert_eq!(user, session, "the store's role leaked into the host's transaction");
        sqlx::query(AssertSqlSafe(refund)).bind(3).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let t2 = other.ticket(A, TicketId::from_u128(2)).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t2.map(|t| t.version()), Some(replied), "the ticket and the desk's reply");
        assert!(replied > 2);
        assert_eq!(other.undelivered(10).await.unwrap_or_else(|e| panic!("{e}")).len(), 1, "the reply's notification, waiting for a dispatcher");
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(orders)).fetch_one(store.pool()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 2);
    });
}

/// Every ticket of `tenant`: state, and events replayed to that state.
async fn whole_tickets(
    store: &PostgresStore,
    tenant: TenantId,
) -> BTreeMap<TicketId, (Ticket, Vec<Event>)> {
    let mut out = BTreeMap::new();
    let mut q = TicketQuery::new().limit(500);
    loop {
        let page = store
            .query(tenant, &q)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for t in page.items {
            let events = store
                .events(tenant, t.id())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let replayed = Ticket::from_events(&events);
            assert_eq!(
                replayed.as_ref(),
                Some(&t),
                "ticket {} is not the replay of its events",
                t.id()
            );
            out.insert(t.id(), (t, events));
        }
        match page.next {
            Some(c) => q = q.after(Some(c)),
            None => break,
        }
    }
    out
}

#[test]
fn a_killed_connection_loses_no_acknowledged_write() {
    let schema = ScratchSchema::new("kill");
    RT.block_on(async {
        let app = format!("sd-kill-{}", std::process::id());
        let options: sqlx::postgres::PgConnectOptions = schema
            .url()
            .parse::<sqlx::postgres::PgConnectOptions>()
            .unwrap_or_else(|e| panic!("{e}"))
            .application_name(&app);
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .unwrap_or_else(|e| panic!("{}", e));
        let store = PostgresStore::open_with(pool, PostgresOptions::new().schema(schema.name()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let killer = store.reconnect().unwrap_or_else(|e| panic!("{e}"));
        // Writers: each creates tickets and appends to them; what returned
        // Ok is acknowledged.
        let mut writers = Vec::new();
        for w in 0..4u128 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut acked: Vec<(TicketId, u64)> = Vec::new();
                let mut failed = 0u32;
                for i in 0..60u128 {
                    let id = w * 1000 + i;
                    match store.commit(&new_ticket(A, id)).await {
                        Ok(()) => acked.push((TicketId::from_u128(id), 0)),
                        Err(_) => failed += 1,
                    }
                }
                (acked, failed)
            }));
        }
        let kill_app = app.clone();
        let killing = tokio::spawn(async move {
            let mut killed = 0i64;
            for _ in 0..15 {
                tokio::time::sleep(StdDuration::from_millis(15)).await;
                let n: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE application_name = $1 AND pid <> pg_backend_pid() AND state <> 'idle') k",
                )
                .bind(&kill_app)
                .fetch_one(killer.pool())
                .await
                .unwrap_or(0);
                killed += n;
            }
            killed
        });
        let mut acked = Vec::new();
        let mut failed = 0;
        for w in writers {
            let (a, f) = w.await.unwrap_or_else(|e| panic!("{e}"));
            acked.extend(a);
            failed += f;
        }
        let killed = killing.await.unwrap_or_else(|e| panic!("{e}"));
        eprintln!("killed {killed} busy connections; {} commits acknowledged, {failed} failed", acked.len());
        let check = store.reconnect().unwrap_or_else(|e| panic!("{e}"));
        let stored = whole_tickets(&check, A).await;
        for (id, _) in &acked {
            assert!(stored.contains_key(id), "acknowledged ticket {id} was lost");
        }
        // Nothing half-written: every stored ticket replays to its state
        // (checked in whole_tickets) and has all its tags.
        for (id, (t, _)) in &stored {
            assert_eq!(t.tags().len(), 1, "ticket {id} lost its tag");
        }
        let tags: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{}\".ticket_tags",
            schema.name()
        )))
        .fetch_one(check.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(usize::try_from(tags).ok(), Some(stored.len()), "tag rows without their ticket");
        assert!(killed > 0 || failed == 0, "the killer found nothing to kill; the test proved nothing");
    });
}

#[test]
fn the_outbox_waker_wakes_on_a_commit_and_times_out_otherwise() {
    let (store, _schema) = fresh("waker", 2);
    RT.block_on(async {
        let mut waker = store.outbox_waker().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            waker.wait(StdDuration::from_millis(50)).await,
            Wake::Timeout
        );
        let desk = AsyncDesk::new(
            store.clone(),
            RecordingNotifier::new(),
            ManualClock::at("2026-03-02T09:00:00Z").unwrap_or_else(|e| panic!("{e}")),
        )
        .with_ids(SequentialIds::new());
        let who = Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}"));
        desk.receive(A, Inbound::new(who, Channel::Email, "Where is my order?"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(waker.wait(StdDuration::from_secs(5)).await, Wake::Notified);
    });
}

fn calendars() -> Calendars {
    let office = BusinessCalendar::builder("Europe/London")
        .weekdays("09:00", "17:00")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Calendars::new().with("office", office)
}

fn policy() -> SlaPolicy {
    let targets = Priority::ALL
        .into_iter()
        .map(|p| Target {
            metric: "first_reply".into(),
            priority: p,
            channel: None,
            seconds: 3600,
            basis: TimeBasis::Business {
                calendar: "office".into(),
            },
        })
        .collect();
    SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets,
        warnings: vec![WarnAt::Share { share: 0.5 }],
        escalation: vec![],
    }
}

#[test]
fn workers_sweeping_at_the_same_instant_raise_each_alert_once() {
    let (store, _schema) = fresh("sweep", 8);
    RT.block_on(async {
        let clock =
            Arc::new(ManualClock::at("2026-03-02T09:00:00Z").unwrap_or_else(|e| panic!("{e}")));
        let desk = |ids| {
            AsyncDesk::new(
                store.reconnect().unwrap_or_else(|e| panic!("{e}")),
                RecordingNotifier::new(),
                clock.clone(),
            )
            .with_ids(ids)
            .with_sla(PolicySet::new(policy()), calendars())
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let first = desk(SequentialIds::new());
        let mut tickets = Vec::new();
        for i in 0..12 {
            let who =
                Identity::email(&format!("c{i}@example.com")).unwrap_or_else(|e| panic!("{e}"));
            let r = first
                .receive(A, Inbound::new(who, Channel::Email, format!("Order {i}?")))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tickets.push(r.ticket);
        }
        // Past the warning (30 min) and the breach (1 h) of every ticket.
        clock.advance(Duration::hours(2));
        let workers: Vec<_> = (0..4u64)
            .map(|w| {
                let d = desk(SequentialIds::starting_at(1_000_000 * (w + 1)));
                tokio::spawn(async move { d.sweep(100).await })
            })
            .collect();
        let mut raised = 0;
        for w in workers {
            let report = w
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(report.failed.is_empty(), "{:?}", report.failed);
            raised += report.alerts.len();
        }
        let mut alerts = BTreeMap::new();
        for t in &tickets {
            let events = first.history(A, *t).await.unwrap_or_else(|e| panic!("{e}"));
            for e in events {
                if let EventKind::SlaAlerted { alert } = &e.kind {
                    *alerts.entry((*t, format!("{:?}", alert.key))).or_insert(0) += 1;
                }
            }
        }
        assert!(!alerts.is_empty(), "no alert was raised");
        for (k, n) in &alerts {
            assert_eq!(*n, 1, "alert {k:?} was raised {n} times");
        }
        assert_eq!(
            raised,
            alerts.len(),
            "the sweep reports disagree with the histories"
        );
    });
}

#[test]
fn same_ids_in_two_tenants_stay_apart_on_every_write_path() {
    let (store, _schema) = fresh("two_tenants", 4);
    RT.block_on(async {
        let clock =
            Arc::new(ManualClock::at("2026-03-02T09:00:00Z").unwrap_or_else(|e| panic!("{e}")));
        for tenant in [A, B] {
            // The same id sequence in both tenants: every id collides.
            let desk = AsyncDesk::new(store.clone(), RecordingNotifier::new(), clock.clone())
                .with_ids(SequentialIds::new())
                .with_sla(PolicySet::new(policy()), calendars())
                .unwrap_or_else(|e| panic!("{e}"));
            let ana = Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}"));
            let ana_phone = Identity::phone("+441234567890").unwrap_or_else(|e| panic!("{e}"));
            let first = desk
                .receive(
                    tenant,
                    Inbound::new(ana.clone(), Channel::Email, "Order late").external_id("m-1"),
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            // A redelivery: the same ticket, nothing new.
            let again = desk
                .receive(
                    tenant,
                    Inbound::new(ana.clone(), Channel::Email, "Order late").external_id("m-1"),
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(again.ticket, first.ticket);
            desk.add_identity(tenant, first.customer, ana_phone.clone())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let second = desk
                .receive(
                    tenant,
                    Inbound::new(ana_phone, Channel::WhatsApp, "Also: wrong size")
                        .external_id("w-1"),
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            desk.execute(
                tenant,
                first.ticket,
                Command::agent_reply(BOB, "On its way"),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            if second.ticket != first.ticket {
                desk.merge(tenant, second.ticket, first.ticket)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            desk.sweep(100).await.unwrap_or_else(|e| panic!("{e}"));
        }
        let a = whole_tickets(&store, A).await;
        let b = whole_tickets(&store, B).await;
        assert!(!a.is_empty());
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "the same ids in both tenants"
        );
        for (id, (ta, ea)) in &a {
            let (tb, eb) = &b[id];
            assert_eq!(ta.tenant(), A);
            assert_eq!(tb.tenant(), B);
            assert_eq!(
                ea.len(),
                eb.len(),
                "ticket {id}: the tenants' histories differ in length"
            );
            assert!(ea.iter().all(|e| e.tenant == A) && eb.iter().all(|e| e.tenant == B));
        }
        // Customers and identities: each tenant finds its own.
        let ana = Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}"));
        let ca = store
            .customer_by_identity(A, &ana)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let cb = store
            .customer_by_identity(B, &ana)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (ca, cb) = (
            ca.unwrap_or_else(|| panic!("A's customer")),
            cb.unwrap_or_else(|| panic!("B's customer")),
        );
        assert_eq!(ca.id, cb.id);
        assert_eq!(ca.identities, cb.identities);
        // The outbox holds each tenant's notifications under its own tenant.
        let pending = store
            .undelivered(1000)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let per_tenant: BTreeMap<TenantId, usize> =
            pending.iter().fold(BTreeMap::new(), |mut m, e| {
                *m.entry(e.notification.tenant).or_insert(0) += 1;
                m
            });
        assert_eq!(per_tenant.get(&A), per_tenant.get(&B));
    });
}

#[test]
fn a_redelivered_message_is_recorded_once() {
    let (store, _schema) = fresh("redelivery", 2);
    RT.block_on(async {
        let clock = ManualClock::at("2026-03-02T09:00:00Z").unwrap_or_else(|e| panic!("{e}"));
        let desk = AsyncDesk::new(store.clone(), RecordingNotifier::new(), clock)
            .with_ids(SequentialIds::new());
        let ana = Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}"));
        let inbound = Inbound::new(ana, Channel::Email, "Order late").external_id("m-1");
        let first = desk
            .receive(A, inbound.clone())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let before = store
            .events(A, first.ticket)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let again = desk
            .receive(A, inbound)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.ticket, first.ticket);
        assert!(again.duplicate && !first.duplicate, "{again:?}");
        assert_eq!(again.message, first.message);
        let events = store
            .events(A, first.ticket)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(events, before, "the redelivery wrote something");
    });
}

#[test]
fn tag_queries_follow_tags_added_and_removed() {
    let (store, _schema) = fresh("tags", 2);
    RT.block_on(async {
        store
            .commit(&new_ticket(A, 1))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let desk = AsyncDesk::new(
            store.clone(),
            RecordingNotifier::new(),
            ManualClock::at("2026-03-02T09:00:00Z").unwrap_or_else(|e| panic!("{e}")),
        )
        .with_ids(SequentialIds::new());
        let tag = |t: &str| supportdesk::Tag::new(t).unwrap_or_else(|e| panic!("{e}"));
        let id = TicketId::from_u128(1);
        let tagged = async |t: &str| {
            store
                .query(A, &TicketQuery::new().tag(tag(t)))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .items
                .len()
        };
        let run = async |command: Command| {
            desk.execute(A, id, command)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        };
        let counts = async || {
            (
                tagged("billing").await,
                tagged("vip").await,
                tagged("refund").await,
            )
        };
        assert_eq!(counts().await, (1, 0, 0));
        run(Command::AddTags {
            tags: vec![tag("vip"), tag("refund")],
        })
        .await;
        assert_eq!(counts().await, (1, 1, 1));
        run(Command::RemoveTags {
            tags: vec![tag("billing"), tag("vip")],
        })
        .await;
        assert_eq!(counts().await, (0, 0, 1));
        run(Command::RemoveTags {
            tags: vec![tag("refund")],
        })
        .await;
        assert_eq!(counts().await, (0, 0, 0));
    });
}
