//! Identifiers: UUID newtypes for every entity, and the generator port that
//! makes new ones.
//!
//! Every id is a distinct type, so a [`TicketId`] can never be passed where a
//! [`CustomerId`] is expected. Tests build ids deterministically with
//! `from_u128`; production hosts use [`RandomIds`] or their own
//! [`IdGenerator`].
//!
//! ```
//! use supportdesk::id::TicketId;
//! let id = TicketId::from_u128(7);
//! assert_eq!(id.to_string(), "00000000-0000-0000-0000-000000000007");
//! assert_eq!(id.to_string().parse::<TicketId>()?, id);
//! # Ok::<(), supportdesk::id::ParseIdError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The text given for an id is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id {value:?}: expected a UUID")]
pub struct ParseIdError {
    /// Which kind of id was being parsed (`"ticket"`, `"customer"`, ...).
    pub kind: &'static str,
    /// The text that failed to parse.
    pub value: String,
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// Builds an id from a number: deterministic ids for tests and
            /// fixtures (`from_u128(1)` is `00000000-...-000000000001`).
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The id as a number (inverse of `from_u128`).
            pub const fn as_u128(&self) -> u128 {
                self.0.as_u128()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| ParseIdError {
                    kind: $kind,
                    value: s.to_owned(),
                })
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

id_type!(
    /// A tenant: one company's desk. Every store call is scoped to a tenant.
    TenantId,
    "tenant"
);
id_type!(
    /// A ticket: one customer problem from first contact to resolution.
    TicketId,
    "ticket"
);
id_type!(
    /// A customer (requester), with one or more identities.
    CustomerId,
    "customer"
);
id_type!(
    /// A human agent of the support team.
    AgentId,
    "agent"
);
id_type!(
    /// A group (team) tickets can be assigned to.
    GroupId,
    "group"
);
id_type!(
    /// A message on a ticket (public reply, internal note, automated reply).
    MessageId,
    "message"
);
id_type!(
    /// A notification in the outbox.
    NotificationId,
    "notification"
);

/// Makes new UUIDs. The domain core never invents ids itself: every new
/// ticket, message and notification id comes from the generator in the
/// [`Context`](crate::ticket::Context), so hosts and tests control them.
///
/// # Contract
/// Ids must be unique within a tenant for the life of the store.
pub trait IdGenerator: Send + Sync + fmt::Debug {
    /// Returns a UUID that has not been returned before.
    fn next_uuid(&self) -> Uuid;
}

/// Random version-4 UUIDs: the default generator for production hosts.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn next_uuid(&self) -> Uuid {
        Uuid::new_v4()
    }
}

impl<T: IdGenerator + ?Sized> IdGenerator for std::sync::Arc<T> {
    fn next_uuid(&self) -> Uuid {
        (**self).next_uuid()
    }
}

impl<T: IdGenerator + ?Sized> IdGenerator for &T {
    fn next_uuid(&self) -> Uuid {
        (**self).next_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_names_kind_and_value() {
        let err = "nope".parse::<TicketId>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ticket id \"nope\": expected a UUID"
        );
    }

    #[test]
    fn round_trips_through_u128_and_serde() {
        let id = CustomerId::from_u128(42);
        assert_eq!(id.as_u128(), 42);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"00000000-0000-0000-0000-00000000002a\"");
        assert_eq!(serde_json::from_str::<CustomerId>(&json).unwrap(), id);
    }
}
