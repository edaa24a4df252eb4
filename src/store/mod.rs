//! Store adapters shipped with the crate: [`InMemoryStore`] always, and
//! [`SqliteStore`] with the `sqlite` feature.

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::InMemoryStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{Durability, SCHEMA_VERSION, SqliteOpenError, SqliteOptions, SqliteStore};
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{
    OutboxWaker, POSTGRES_SCHEMA_VERSION, PostgresOpenError, PostgresOptions, PostgresStore,
    PostgresTx, Wake,
};
