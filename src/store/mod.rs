//! Store adapters shipped with the crate.

mod memory;

pub use memory::InMemoryStore;
