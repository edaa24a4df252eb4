//! Scratch PostgreSQL schemas for tests (features `testing` and
//! `postgres`): each test opens a [`PostgresStore`] in a schema of its own,
//! dropped when the [`ScratchSchema`] guard goes.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::store::{PostgresOptions, PostgresStore};

/// The environment variable naming the test server (else
/// [`DEFAULT_TEST_URL`]).
///
/// Available with the crate feature `testing` and the crate feature
/// `postgres`.
pub const TEST_URL_VAR: &str = "SUPPORTDESK_TEST_DATABASE_URL";

/// The server tests use when [`TEST_URL_VAR`] is not set: the local
/// PostgreSQL, database `test`, as the connecting OS user (`PGUSER` if set).
///
/// Available with the crate feature `testing` and the crate feature
/// `postgres`.
pub const DEFAULT_TEST_URL: &str = "postgres://127.0.0.1:5432/test";

/// The URL of the test server.
///
/// Available with the crate feature `testing` and the crate feature
/// `postgres`.
pub fn test_url() -> String {
    std::env::var(TEST_URL_VAR).unwrap_or_else(|_| DEFAULT_TEST_URL.to_owned())
}

/// What to tell someone whose test server is not there.
fn unreachable(url: &str, error: &dyn fmt::Display) -> String {
    format!(
        "PostgreSQL is not reachable at {url} ({error}). The PostgreSQL tests need a server: \
         start the local one (Debian: `service postgresql start`, or `pg_ctlcluster 15 main start`; \
         install it with `apt-get install postgresql`), or set {TEST_URL_VAR} to a server where \
         this user may create schemas, e.g. postgres://user@host:5432/db"
    )
}

/// A schema that exists for one test: dropped (with everything in it) when
/// this guard is dropped.
///
/// Available with the crate feature `testing` and the crate feature
/// `postgres`.
pub struct ScratchSchema {
    url: String,
    name: String,
}

impl fmt::Debug for ScratchSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScratchSchema")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl ScratchSchema {
    /// A fresh schema name (`sd_<label>_<pid>_<n>`) on the test server,
    /// not created yet (opening a store creates it).
    pub fn new(label: &str) -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let label: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(30)
            .collect();
        ScratchSchema {
            url: test_url(),
            name: format!("sd_{label}_{}_{n}", std::process::id()),
        }
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens a store in this schema on a new pool of up to `connections`.
    ///
    /// # Errors
    /// A message that says how to start a server when none answers, or
    /// why opening failed.
    pub async fn open(&self, connections: u32) -> Result<PostgresStore, String> {
        let options: PgConnectOptions = self
            .url
            .parse()
            .map_err(|e| format!("{} is not a PostgreSQL URL: {e}", self.url))?;
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(1))
            .connect_with(options)
            .await
            .map_err(|e| unreachable(&self.url, &e))?;
        PostgresStore::open_with(pool, PostgresOptions::new().schema(self.name.clone()))
            .await
            .map_err(|e| format!("opening a store in schema {}: {e}", self.name))
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        // A thread of its own with its own runtime: the guard may be
        // dropped inside another runtime, or outside any.
        let url = self.url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let options: PgConnectOptions = url.parse().map_err(|e| format!("{e}"))?;
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                )))
                .execute(&pool)
                .await
                .map_err(|e| e.to_string())?;
                pool.close().await;
                Ok(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: scratch schema {} was not dropped: {e}", self.name),
            Err(_) => eprintln!("warning: dropping scratch schema {} panicked", self.name),
        }
    }
}
