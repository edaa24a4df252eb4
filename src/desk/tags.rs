//! The desk's spike alerts: how to find spikes and whom to tell.

use serde::{Deserialize, Serialize};

use super::Delivery;
use crate::model::notification::Recipient;
use crate::taxonomy::{Spike, SpikeConfig};

/// Spike alerts for a [`Desk`](crate::Desk): how to find spikes and whom to tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeAlerts {
    /// How spikes are found.
    pub config: SpikeConfig,
    /// Who is told (the team, a group or an agent; never a customer).
    pub recipient: Recipient,
    /// The most tickets [`Desk::check_spikes`](crate::Desk::check_spikes) reads.
    pub max_tickets: usize,
}

impl SpikeAlerts {
    /// Alerts to `recipient` with `config`, reading at most 200,000
    /// tickets.
    pub fn new(config: SpikeConfig, recipient: Recipient) -> Self {
        SpikeAlerts {
            config,
            recipient,
            max_tickets: 200_000,
        }
    }
}

/// The result of [`Desk::check_spikes`](crate::Desk::check_spikes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpikeCheck {
    /// The spikes found, bad news first.
    pub spikes: Vec<Spike>,
    /// How many tickets were read.
    pub tickets_read: usize,
    /// Delivery of the notices this call queued (spikes notified before
    /// are not notified again).
    pub delivery: Delivery,
}
