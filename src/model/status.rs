//! Ticket statuses and the one transition table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a ticket is in its lifecycle (docs/domain.md section 1).
///
/// The allowed moves are in one table, [`Status::can_transition_to`]; every
/// status change the core makes goes through it.
///
/// ```
/// use supportdesk::Status;
/// assert!(Status::Solved.can_transition_to(Status::Open));    // a reply reopens
/// assert!(!Status::Closed.can_transition_to(Status::Open));   // closed is final
/// assert_eq!(Status::OnHold.to_string(), "on_hold");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nobody has touched it yet; the customer is waiting.
    New,
    /// Being worked; the customer is waiting.
    Open,
    /// We asked the customer something; we wait on them.
    Pending,
    /// Waiting on a third party (carrier, warehouse, vendor); the customer is
    /// waiting.
    OnHold,
    /// We believe it is fixed; a customer reply reopens it.
    Solved,
    /// Final and read-only; a new reply starts a follow-up ticket.
    Closed,
}

/// Who a ticket in a given status is waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// The customer waits on us.
    Customer,
    /// We wait on the customer.
    Us,
    /// Nobody waits.
    Nobody,
}

// Rows: from; columns: to; in declaration order New, Open, Pending, OnHold, Solved, Closed.
const TRANSITIONS: [[bool; 6]; 6] = [
    // to:  New    Open   Pend   Hold   Solved Closed
    [false, true, true, true, true, false],     // from New
    [false, false, true, true, true, false],    // from Open
    [false, true, false, true, true, false],    // from Pending
    [false, true, true, false, true, false],    // from OnHold
    [false, true, true, false, false, true],    // from Solved
    [false, false, false, false, false, false], // from Closed
];

impl Status {
    /// The status's bit in a set of statuses held as a `u8` (one bit per
    /// status, in declaration order), as the SLA timeline's pausing set and
    /// the rules' compiled conditions keep them.
    #[inline]
    pub(crate) const fn bit(self) -> u8 {
        match self {
            Status::New => 1,
            Status::Open => 1 << 1,
            Status::Pending => 1 << 2,
            Status::OnHold => 1 << 3,
            Status::Solved => 1 << 4,
            Status::Closed => 1 << 5,
        }
    }

    /// Every status, in lifecycle order.
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Open,
        Status::Pending,
        Status::OnHold,
        Status::Solved,
        Status::Closed,
    ];

    const fn index(self) -> usize {
        match self {
            Status::New => 0,
            Status::Open => 1,
            Status::Pending => 2,
            Status::OnHold => 3,
            Status::Solved => 4,
            Status::Closed => 5,
        }
    }

    /// Whether the transition table allows moving from `self` to `to`.
    /// Staying in the same status is not a transition and is never allowed
    /// here (commands that would not change the status emit no event).
    pub const fn can_transition_to(self, to: Status) -> bool {
        TRANSITIONS[self.index()][to.index()]
    }

    /// The statuses reachable from this one.
    pub fn successors(self) -> impl Iterator<Item = Status> {
        Status::ALL
            .into_iter()
            .filter(move |to| self.can_transition_to(*to))
    }

    /// Who the ticket is waiting on in this status.
    pub const fn waiting(self) -> Waiting {
        match self {
            Status::New | Status::Open | Status::OnHold => Waiting::Customer,
            Status::Pending => Waiting::Us,
            Status::Solved | Status::Closed => Waiting::Nobody,
        }
    }

    /// New, open, pending or on-hold: the ticket still needs something.
    pub const fn is_unsolved(self) -> bool {
        !matches!(self, Status::Solved | Status::Closed)
    }

    /// The snake_case name used in serde and `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Solved => "solved",
            Status::Closed => "closed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}: expected one of new, open, pending, on_hold, solved, closed")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Ticket priority.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Normal (the default).
    #[default]
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The snake_case name used in serde and `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of a priority.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown priority {0:?}: expected one of low, normal, high, urgent")]
pub struct UnknownPriority(pub String);

impl FromStr for Priority {
    type Err = UnknownPriority;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPriority(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_is_terminal_and_nothing_returns_to_new() {
        assert_eq!(Status::Closed.successors().count(), 0);
        for s in Status::ALL {
            assert!(!s.can_transition_to(Status::New));
            assert!(!s.can_transition_to(s));
        }
        // Only a solved ticket can be closed.
        for s in Status::ALL {
            assert_eq!(s.can_transition_to(Status::Closed), s == Status::Solved);
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>().unwrap(), p);
        }
        assert!("done".parse::<Status>().is_err());
    }
}
