//! Who started a ticket.

use serde::{Deserialize, Serialize};

use crate::id::AgentId;

/// Who started a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// The customer contacted us.
    Reactive,
    /// We contacted the customer first (an outage notice, a delivery
    /// problem we spotted), by this agent or, with `agent: None`, by an
    /// automation.
    Proactive {
        /// The agent who reached out, if a person did.
        agent: Option<AgentId>,
    },
}
