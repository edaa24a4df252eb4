//! Customers and their identities (omnichannel).
//!
//! One customer, many identities: an email address, a phone number, a social
//! handle, an id in another system. An inbound message names the identity it
//! came from; the [`Desk`](crate::Desk) finds the customer who owns it, so a
//! customer who writes by email and then by WhatsApp is one customer with one
//! history.
//!
//! Identities are normalised when they are built, so the same person is
//! found whatever way they typed their address:
//!
//! ```
//! use supportdesk::customer::Identity;
//! let a = Identity::email("  Ana.Silva@Example.COM ")?;
//! let b = Identity::email("ana.silva@example.com")?;
//! assert_eq!(a, b);
//! assert_eq!(Identity::phone("+1 (415) 555-0132")?, Identity::phone("0014155550132")?);
//! assert_eq!(Identity::social("Twitter", "@AnaS")?.to_string(), "social:twitter:anas");
//! assert!(Identity::email("ana at example.com").is_err());
//! # Ok::<(), supportdesk::customer::IdentityError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, TenantId};

/// A malformed identity. The message names the value that was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Not an email address.
    #[error("invalid email address {value:?}: {reason}")]
    Email {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a phone number.
    #[error("invalid phone number {value:?}: {reason}")]
    Phone {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a social handle.
    #[error("invalid social handle {value:?} on {network:?}: {reason}")]
    Social {
        /// The network given.
        network: String,
        /// The handle given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not an external id.
    #[error("invalid external id {value:?} in system {system:?}: {reason}")]
    External {
        /// The system given.
        system: String,
        /// The id given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// A normalised way to reach a customer. Build it with [`Identity::email`],
/// [`Identity::phone`], [`Identity::social`] or [`Identity::external`]; the
/// constructors are the only way in, so every `Identity` is valid and
/// normalised (serde goes through the same checks).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "IdentityRepr", into = "IdentityRepr")]
pub struct Identity(IdentityRepr);

/// The serde form of an [`Identity`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum IdentityRepr {
    Email { address: String },
    Phone { number: String },
    Social { network: String, handle: String },
    External { system: String, id: String },
}

/// The kind of an [`Identity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// An email address.
    Email,
    /// A phone number in E.164 form.
    Phone,
    /// A handle on a social network.
    Social,
    /// An id in another system (chat visitor id, shop customer number).
    External,
}

impl TryFrom<IdentityRepr> for Identity {
    type Error = IdentityError;
    fn try_from(r: IdentityRepr) -> Result<Self, IdentityError> {
        match r {
            IdentityRepr::Email { address } => Identity::email(&address),
            IdentityRepr::Phone { number } => Identity::phone(&number),
            IdentityRepr::Social { network, handle } => Identity::social(&network, &handle),
            IdentityRepr::External { system, id } => Identity::external(&system, &id),
        }
    }
}

impl From<Identity> for IdentityRepr {
    fn from(i: Identity) -> Self {
        i.0
    }
}

const MAX_EMAIL: usize = 254;

impl Identity {
    /// An email address, trimmed and lower-cased (the domain is
    /// case-insensitive by standard; the local part is treated so too, as
    /// every major mail provider does).
    ///
    /// # Errors
    /// [`IdentityError::Email`] when the text is not `local@domain.tld`.
    pub fn email(address: &str) -> Result<Self, IdentityError> {
        let value = address.trim().to_lowercase();
        let err = |reason| IdentityError::Email {
            value: address.to_owned(),
            reason,
        };
        if value.is_empty() {
            return Err(err("it is empty"));
        }
        if value.len() > MAX_EMAIL {
            return Err(err("it is longer than 254 characters"));
        }
        let (local, domain) = value.split_once('@').ok_or_else(|| err("it has no '@'"))?;
        if domain.contains('@') {
            return Err(err("it has more than one '@'"));
        }
        if local.is_empty() || local.len() > 64 {
            return Err(err("the part before '@' must have 1 to 64 characters"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(err("the part before '@' has a misplaced dot"));
        }
        if !local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        {
            return Err(err("the part before '@' has a character not allowed there"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(err("the domain has no dot"));
        }
        for label in &labels {
            if label.is_empty() || label.len() > 63 {
                return Err(err("the domain has an empty or too long label"));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(err("a domain label starts or ends with '-'"));
            }
            if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
                return Err(err("the domain has a character not allowed there"));
            }
        }
        Ok(Identity(IdentityRepr::Email { address: value }))
    }

    /// A phone number in international form, normalised to E.164
    /// (`+` and 8 to 15 digits). Spaces, dots, dashes, slashes and
    /// parentheses are ignored; a leading `00` is read as `+`.
    ///
    /// A national number without a country code is an error: use
    /// [`Identity::phone_in_country`] for those.
    ///
    /// # Errors
    /// [`IdentityError::Phone`] naming the number.
    pub fn phone(number: &str) -> Result<Self, IdentityError> {
        Self::phone_inner(number, None)
    }

    /// A phone number that may be written nationally: a number without `+`
    /// or `00` gets `country_code` (e.g. `"44"`) in front, after dropping one
    /// national trunk `0`.
    ///
    /// ```
    /// use supportdesk::customer::Identity;
    /// assert_eq!(
    ///     Identity::phone_in_country("020 7946 0958", "44")?,
    ///     Identity::phone("+44 20 7946 0958")?,
    /// );
    /// # Ok::<(), supportdesk::customer::IdentityError>(())
    /// ```
    ///
    /// # Errors
    /// [`IdentityError::Phone`] when the number or the country code is malformed.
    pub fn phone_in_country(number: &str, country_code: &str) -> Result<Self, IdentityError> {
        Self::phone_inner(number, Some(country_code))
    }

    fn phone_inner(number: &str, country: Option<&str>) -> Result<Self, IdentityError> {
        let err = |reason| IdentityError::Phone {
            value: number.to_owned(),
            reason,
        };
        let trimmed = number.trim();
        let mut digits = String::with_capacity(trimmed.len());
        let mut plus = false;
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '+' if i == 0 => plus = true,
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                _ => return Err(err("it has a character that is not a digit")),
            }
        }
        if digits.is_empty() {
            return Err(err("it has no digits"));
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(cc) = country {
            let cc = cc.trim().trim_start_matches('+');
            if cc.is_empty() || cc.len() > 3 || !cc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("the country code must be 1 to 3 digits"));
            }
            let national = digits.strip_prefix('0').unwrap_or(&digits);
            format!("{cc}{national}")
        } else {
            return Err(err("it has no country code (start it with + or 00)"));
        };
        if international.starts_with('0') {
            return Err(err("a country code cannot start with 0"));
        }
        if !(8..=15).contains(&international.len()) {
            return Err(err("an international number has 8 to 15 digits"));
        }
        Ok(Identity(IdentityRepr::Phone {
            number: format!("+{international}"),
        }))
    }

    /// A handle on a social network, both lower-cased, the handle without a
    /// leading `@`.
    ///
    /// # Errors
    /// [`IdentityError::Social`] when the network or handle is empty or has
    /// characters other than letters, digits, `.`, `_` and `-`.
    pub fn social(network: &str, handle: &str) -> Result<Self, IdentityError> {
        let err = |reason| IdentityError::Social {
            network: network.to_owned(),
            value: handle.to_owned(),
            reason,
        };
        let net = network.trim().to_lowercase();
        let h = handle.trim().trim_start_matches('@').to_lowercase();
        if net.is_empty()
            || !net
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err("the network name must be letters, digits, '_' or '-'"));
        }
        if h.is_empty() || h.chars().count() > 64 {
            return Err(err("the handle must have 1 to 64 characters"));
        }
        if !h
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '_' || c == '-')
        {
            return Err(err("the handle has a character not allowed there"));
        }
        Ok(Identity(IdentityRepr::Social {
            network: net,
            handle: h,
        }))
    }

    /// An id in another system (a chat visitor id, a shop's customer number).
    /// The system name is lower-cased; the id is kept as given, trimmed.
    ///
    /// # Errors
    /// [`IdentityError::External`] when either is empty, the id is longer than
    /// 256 characters, or contains control characters.
    pub fn external(system: &str, id: &str) -> Result<Self, IdentityError> {
        let err = |reason| IdentityError::External {
            system: system.to_owned(),
            value: id.to_owned(),
            reason,
        };
        let sys = system.trim().to_lowercase();
        let id_t = id.trim();
        if sys.is_empty() || sys.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("the system name must be non-empty without spaces"));
        }
        if id_t.is_empty() || id_t.chars().count() > 256 {
            return Err(err("the id must have 1 to 256 characters"));
        }
        if id_t.chars().any(char::is_control) {
            return Err(err("the id has a control character"));
        }
        Ok(Identity(IdentityRepr::External {
            system: sys,
            id: id_t.to_owned(),
        }))
    }

    /// What kind of identity this is.
    pub fn kind(&self) -> IdentityKind {
        match self.0 {
            IdentityRepr::Email { .. } => IdentityKind::Email,
            IdentityRepr::Phone { .. } => IdentityKind::Phone,
            IdentityRepr::Social { .. } => IdentityKind::Social,
            IdentityRepr::External { .. } => IdentityKind::External,
        }
    }

    /// The normalised value (address, E.164 number, handle or id).
    pub fn value(&self) -> &str {
        match &self.0 {
            IdentityRepr::Email { address } => address,
            IdentityRepr::Phone { number } => number,
            IdentityRepr::Social { handle, .. } => handle,
            IdentityRepr::External { id, .. } => id,
        }
    }

    /// A canonical text key, unique per identity: `email:ana@example.com`,
    /// `phone:+14155550132`, `social:twitter:anas`, `external:shop:C-17`.
    /// Storage backends can index identities by it.
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IdentityRepr::Email { address } => write!(f, "email:{address}"),
            IdentityRepr::Phone { number } => write!(f, "phone:{number}"),
            IdentityRepr::Social { network, handle } => write!(f, "social:{network}:{handle}"),
            IdentityRepr::External { system, id } => write!(f, "external:{system}:{id}"),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({self})")
    }
}

/// A customer (requester) of one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's id.
    pub id: CustomerId,
    /// The tenant the customer belongs to.
    pub tenant: TenantId,
    /// Display name, if known.
    pub name: Option<String>,
    /// Every known way to reach them; no identity belongs to two customers of
    /// the same tenant.
    pub identities: Vec<Identity>,
    /// A segment label the host assigns (e.g. `"vip"`), used by policies.
    #[serde(default)]
    pub segment: Option<String>,
    /// Version of the customer record, for compare-and-set writes.
    pub version: u64,
}

impl Customer {
    /// A new customer with one identity, at version 0 (not yet stored).
    pub fn new(id: CustomerId, tenant: TenantId, identity: Identity) -> Self {
        Customer {
            id,
            tenant,
            name: None,
            identities: vec![identity],
            segment: None,
            version: 0,
        }
    }

    /// Whether the customer owns this identity.
    pub fn has_identity(&self, identity: &Identity) -> bool {
        self.identities.contains(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_normalises_and_rejects() {
        assert_eq!(Identity::email(" A@B.Co ").unwrap().key(), "email:a@b.co");
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@@b.co",
            "a b@c.co",
            "a@-b.co",
            "a..b@c.co",
        ] {
            let e = Identity::email(bad).unwrap_err();
            assert!(
                matches!(e, IdentityError::Email { ref value, .. } if value == bad),
                "{bad}"
            );
        }
    }

    #[test]
    fn phone_normalises_formats() {
        let want = Identity::phone("+14155550132").unwrap();
        for ok in ["+1 415 555 0132", "+1-415-555-0132", "001 (415) 555.0132"] {
            assert_eq!(Identity::phone(ok).unwrap(), want, "{ok}");
        }
        assert_eq!(
            Identity::phone_in_country("(415) 555-0132", "1").unwrap(),
            want
        );
        for bad in [
            "",
            "415 555 0132",
            "+1 415 ext 5",
            "+12",
            "+0123456789",
            "++1415555013",
        ] {
            assert!(Identity::phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_goes_through_validation() {
        let i = Identity::social("X", "@Ana_S").unwrap();
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, r#"{"kind":"social","network":"x","handle":"ana_s"}"#);
        assert_eq!(serde_json::from_str::<Identity>(&json).unwrap(), i);
        let bad = r#"{"kind":"email","address":"nope"}"#;
        let err = serde_json::from_str::<Identity>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid email address \"nope\""), "{err}");
        let upper = r#"{"kind":"email","address":"ANA@X.IO"}"#;
        assert_eq!(
            serde_json::from_str::<Identity>(upper).unwrap().value(),
            "ana@x.io"
        );
    }

    #[test]
    fn external_keeps_case_of_id() {
        let i = Identity::external("Shop", " C-17 ").unwrap();
        assert_eq!(i.key(), "external:shop:C-17");
        assert!(Identity::external("shop", "a\nb").is_err());
    }
}
