//! The test kit (feature `testing`): fakes for the ports, deterministic ids,
//! fixed-time builders, a given/when/then [`Scenario`] over the pure core,
//! and the storage [`conformance`] suite every backend runs.
//!
//! Test a workflow in a few lines:
//!
//! ```
//! use supportdesk::testing::{Scenario, TicketBuilder};
//! use supportdesk::ticket::Command;
//! use supportdesk::{Status, id::AgentId};
//!
//! Scenario::given(TicketBuilder::new().status(Status::Pending))
//!     .when(Command::agent_reply(AgentId::from_u128(7), "Any news?"))
//!     .then_events(&["agent_replied"])
//!     .then_status(Status::Pending);
//! ```

mod block_on;
mod builder;
mod clock;
pub mod conformance;
mod faulty;
mod ids;
mod notifier;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
mod scenario;
mod sla_sim;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategies;
mod synthetic;
mod then_plan;
mod world;

pub use crate::port::StoreOp;
pub use block_on::block_on;
pub use builder::TicketBuilder;
pub use clock::ManualClock;
pub use faulty::FaultyStore;
pub use ids::SequentialIds;
pub use notifier::RecordingNotifier;
pub use scenario::{Scenario, Then};
pub use sla_sim::SlaSimulator;
pub use synthetic::{Lcg, synthetic_facts};
pub use then_plan::ThenPlan;
pub use world::GivenTicket;
