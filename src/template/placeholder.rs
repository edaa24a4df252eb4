//! The fixed registry of placeholders a template may name.

use std::fmt;
use std::str::FromStr;

/// A value a template can insert: the fixed registry of `{{ path }}`s.
///
/// The paths are the only names a template may use; any other is a load
/// error ([`TemplateError::UnknownPlaceholder`](super::TemplateError::UnknownPlaceholder)).
///
/// ```
/// use supportdesk::template::Placeholder;
///
/// assert_eq!(Placeholder::TicketNumber.path(), "ticket.number");
/// assert_eq!("customer.first_name".parse(), Ok(Placeholder::CustomerFirstName));
/// assert_eq!(Placeholder::ALL.len(), 11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Placeholder {
    /// `ticket.id`: the ticket's UUID, hyphenated
    /// (`0195a3c4-7d2e-7b1a-9c3f-5e6d7a8b9c0d`).
    TicketId,
    /// `ticket.number`: the short ticket number, the first 8 hex digits of
    /// the UUID (`0195a3c4`).
    TicketNumber,
    /// `ticket.subject`: the subject line.
    TicketSubject,
    /// `ticket.status`: the status as the customer sees it, in the
    /// template's language (en "awaiting your reply", zh-Hans "等待您的回复").
    TicketStatus,
    /// `ticket.created_at`: when the ticket was opened, in the customer's
    /// zone, in the template's language's date format.
    TicketCreatedAt,
    /// `customer.name`: the customer's name (host-supplied).
    CustomerName,
    /// `customer.first_name`: host-supplied, else derived from the name.
    CustomerFirstName,
    /// `agent.name`: the replying agent's name (host-supplied).
    AgentName,
    /// `agent.first_name`: host-supplied, else derived from the agent's name.
    AgentFirstName,
    /// `sla.next_deadline`: the next SLA deadline (host-supplied), in the
    /// customer's zone, in the template's language's date format.
    SlaNextDeadline,
    /// `company.name`: the company's name (host-supplied).
    CompanyName,
}

impl Placeholder {
    /// Every placeholder, in the order of the docs.
    pub const ALL: &'static [Placeholder] = &[
        Placeholder::TicketId,
        Placeholder::TicketNumber,
        Placeholder::TicketSubject,
        Placeholder::TicketStatus,
        Placeholder::TicketCreatedAt,
        Placeholder::CustomerName,
        Placeholder::CustomerFirstName,
        Placeholder::AgentName,
        Placeholder::AgentFirstName,
        Placeholder::SlaNextDeadline,
        Placeholder::CompanyName,
    ];

    /// The path a template writes: `ticket.id`, `customer.first_name`, ...
    pub const fn path(self) -> &'static str {
        match self {
            Placeholder::TicketId => "ticket.id",
            Placeholder::TicketNumber => "ticket.number",
            Placeholder::TicketSubject => "ticket.subject",
            Placeholder::TicketStatus => "ticket.status",
            Placeholder::TicketCreatedAt => "ticket.created_at",
            Placeholder::CustomerName => "customer.name",
            Placeholder::CustomerFirstName => "customer.first_name",
            Placeholder::AgentName => "agent.name",
            Placeholder::AgentFirstName => "agent.first_name",
            Placeholder::SlaNextDeadline => "sla.next_deadline",
            Placeholder::CompanyName => "company.name",
        }
    }

    /// The placeholder with this exact path (case-sensitive), if any.
    pub fn from_path(path: &str) -> Option<Placeholder> {
        Placeholder::ALL.iter().copied().find(|p| p.path() == path)
    }

    /// The known paths, comma-separated (for error messages).
    pub(crate) fn known_paths() -> String {
        let paths: Vec<&str> = Placeholder::ALL.iter().map(|p| p.path()).collect();
        paths.join(", ")
    }

    /// The index of this placeholder in [`Placeholder::ALL`].
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A path that names no [`Placeholder`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown placeholder {path:?}; the known placeholders are: {known}", known = Placeholder::known_paths())]
pub struct UnknownPlaceholder {
    /// The path given.
    pub path: String,
}

impl FromStr for Placeholder {
    type Err = UnknownPlaceholder;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Placeholder::from_path(s).ok_or_else(|| UnknownPlaceholder { path: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_paths_round_trip_and_index_matches_position() {
        for (i, p) in Placeholder::ALL.iter().enumerate() {
            assert_eq!(Placeholder::from_path(p.path()), Some(*p));
            assert_eq!(p.index(), i, "{p}");
        }
        assert_eq!(Placeholder::from_path("Ticket.id"), None);
        let e = "ticket.secret".parse::<Placeholder>().unwrap_err();
        assert!(e.to_string().contains("ticket.secret"));
        assert!(e.to_string().contains("sla.next_deadline"));
    }
}
