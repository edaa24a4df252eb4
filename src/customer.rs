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
    /// Not an identity key (see [`Identity::key`]).
    #[error("invalid identity key {key:?}: {reason}")]
    Key {
        /// The text given.
        key: String,
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
    /// parentheses are ignored; a leading `00` is read as `+`. A bracketed
    /// national trunk prefix `(0)` right after the country code, as in
    /// `+44 (0)7700 900123`, is dropped: it is dialled only from inside the
    /// country.
    ///
    /// ```
    /// use supportdesk::customer::Identity;
    /// assert_eq!(Identity::phone("+44 (0)7700 900123")?.value(), "+447700900123");
    /// # Ok::<(), supportdesk::customer::IdentityError>(())
    /// ```
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
        let mut chars = trimmed.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '+' if i == 0 => plus = true,
                '(' if trimmed[i..].starts_with("(0)") && follows_country_code(plus, &digits) => {
                    // `+44 (0)20 ...`: the trunk prefix is not part of the
                    // international number. Skip the `0` and the `)`.
                    chars.nth(1);
                }
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

    /// A canonical text key, **injective**: two different identities never
    /// have the same key, so storage backends can index identities by it.
    ///
    /// The format is the kind, then the identity's parts, separated by `:`:
    /// `email:<address>`, `phone:<+digits>`, `social:<network>:<handle>`,
    /// `external:<system>:<id>`. In each part `%` is written `%25` and `:`
    /// is written `%3A`, so a part never contains a `:` and the key splits
    /// back into exactly its kind and parts ([`Identity::from_key`] does,
    /// and gives the identity back). An identity whose parts have neither
    /// character has the plain joined form:
    ///
    /// ```
    /// use supportdesk::customer::Identity;
    /// assert_eq!(Identity::email("ana@example.com")?.key(), "email:ana@example.com");
    /// assert_eq!(Identity::social("Twitter", "@AnaS")?.key(), "social:twitter:anas");
    /// // Parts that contain the separator do not run into each other:
    /// let a = Identity::external("shop:eu", "42")?;
    /// let b = Identity::external("shop", "eu:42")?;
    /// assert_eq!(a.key(), "external:shop%3Aeu:42");
    /// assert_eq!(b.key(), "external:shop:eu%3A42");
    /// assert_eq!(Identity::from_key(&b.key())?, b);
    /// # Ok::<(), supportdesk::customer::IdentityError>(())
    /// ```
    ///
    /// Earlier versions of this crate joined the parts with `:` without
    /// escaping, so two external ids could share a key; `SqliteStore`
    /// rewrites such stored keys when it opens an older database.
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// The identity whose [`key`](Identity::key) is `key`.
    ///
    /// # Errors
    /// [`IdentityError::Key`] when `key` is not a key this crate writes
    /// (unknown kind, wrong number of parts, a `%` that is not `%25` or
    /// `%3A`, or a value that is not normalised); the constructor's error
    /// when a part is not a valid value.
    pub fn from_key(key: &str) -> Result<Self, IdentityError> {
        let err = |reason| IdentityError::Key {
            key: key.to_owned(),
            reason,
        };
        let (kind, rest) = key.split_once(':').ok_or_else(|| err("it has no kind"))?;
        let kind = KIND_NAMES
            .iter()
            .find(|(name, _)| *name == kind)
            .map(|(_, k)| *k)
            .ok_or_else(|| err("its kind is not email, phone, social or external"))?;
        let part = |p: &str| unescape_part(p).ok_or_else(|| err("a part has a stray '%' or ':'"));
        let identity = match kind {
            IdentityKind::Email | IdentityKind::Phone => {
                let value = part(rest)?;
                if kind == IdentityKind::Email {
                    Identity::email(&value)?
                } else {
                    Identity::phone(&value)?
                }
            }
            IdentityKind::Social | IdentityKind::External => {
                let (a, b) = rest
                    .split_once(':')
                    .ok_or_else(|| err("it needs two parts after the kind"))?;
                let (a, b) = (part(a)?, part(b)?);
                if kind == IdentityKind::Social {
                    Identity::social(&a, &b)?
                } else {
                    Identity::external(&a, &b)?
                }
            }
        };
        if identity.key() != key {
            return Err(err("it is not in normalised form"));
        }
        Ok(identity)
    }

    /// The key as earlier versions wrote it: the parts joined by `:`
    /// without escaping (not injective). Only for migrating stored keys.
    #[cfg(feature = "sqlite")]
    pub(crate) fn legacy_key(&self) -> String {
        match &self.0 {
            IdentityRepr::Email { address } => format!("email:{address}"),
            IdentityRepr::Phone { number } => format!("phone:{number}"),
            IdentityRepr::Social { network, handle } => format!("social:{network}:{handle}"),
            IdentityRepr::External { system, id } => format!("external:{system}:{id}"),
        }
    }

    /// Reads a key written by earlier versions, the way they built it.
    /// Such a key of a social handle or an external id can have several
    /// `:` after the kind; the first `:` that splits it into a valid
    /// identity whose old key it is wins (a network never has a `:`; for
    /// an external id this takes the system name up to its first `:`).
    /// `None` when no split gives a valid identity.
    #[cfg(feature = "sqlite")]
    pub(crate) fn from_legacy_key(key: &str) -> Option<Self> {
        let (kind, rest) = key.split_once(':')?;
        let found = match kind {
            "email" => Identity::email(rest).ok(),
            "phone" => Identity::phone(rest).ok(),
            "social" | "external" => rest
                .match_indices(':')
                .filter_map(|(at, _)| {
                    let (a, b) = (rest.get(..at)?, rest.get(at + 1..)?);
                    if kind == "social" {
                        Identity::social(a, b).ok()
                    } else {
                        Identity::external(a, b).ok()
                    }
                })
                .find(|i| i.legacy_key() == key),
            _ => None,
        };
        found.filter(|i| i.legacy_key() == key)
    }
}

/// Whether the digits read so far are exactly an international prefix and
/// a country code (1 to 3 digits after `+` or `00`), so that a `(0)` next is
/// a national trunk prefix.
fn follows_country_code(plus: bool, digits: &str) -> bool {
    let country = if plus {
        Some(digits)
    } else {
        digits.strip_prefix("00")
    };
    country.is_some_and(|cc| (1..=3).contains(&cc.len()) && !cc.starts_with('0'))
}

/// The kinds' names in keys, in the order of [`IdentityKind`].
const KIND_NAMES: [(&str, IdentityKind); 4] = [
    ("email", IdentityKind::Email),
    ("phone", IdentityKind::Phone),
    ("social", IdentityKind::Social),
    ("external", IdentityKind::External),
];

/// Writes one part of a key: `%` as `%25` and `:` as `%3A`, everything
/// else as it is.
fn escape_part(out: &mut impl fmt::Write, part: &str) -> fmt::Result {
    let mut rest = part;
    while let Some(at) = rest.find(['%', ':']) {
        let (plain, tail) = rest.split_at(at);
        out.write_str(plain)?;
        let mut tail_chars = tail.chars();
        match tail_chars.next() {
            Some('%') => out.write_str("%25")?,
            _ => out.write_str("%3A")?,
        }
        rest = tail_chars.as_str();
    }
    out.write_str(rest)
}

/// Reads one part of a key written by [`escape_part`]; `None` when it has a
/// `:` or a `%` that does not start `%25` or `%3A`.
fn unescape_part(part: &str) -> Option<String> {
    let mut out = String::with_capacity(part.len());
    let mut rest = part;
    while let Some(at) = rest.find(['%', ':']) {
        let (plain, tail) = rest.split_at(at);
        out.push_str(plain);
        if let Some(after) = tail.strip_prefix("%25") {
            out.push('%');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("%3A") {
            out.push(':');
            rest = after;
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

impl fmt::Display for Identity {
    /// Writes the [key](Identity::key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: (&str, &str, Option<&str>) = match &self.0 {
            IdentityRepr::Email { address } => ("email", address, None),
            IdentityRepr::Phone { number } => ("phone", number, None),
            IdentityRepr::Social { network, handle } => ("social", network, Some(handle)),
            IdentityRepr::External { system, id } => ("external", system, Some(id)),
        };
        let (kind, first, second) = parts;
        f.write_str(kind)?;
        f.write_str(":")?;
        escape_part(f, first)?;
        if let Some(second) = second {
            f.write_str(":")?;
            escape_part(f, second)?;
        }
        Ok(())
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
    /// The customer's language (a BCP 47 tag such as `en`, `zh-Hans`),
    /// if known: templates render in it (see [`rules`](crate::rules)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The customer's time zone, if known: templates show instants in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<chrono_tz::Tz>,
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
            locale: None,
            time_zone: None,
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
    fn phone_drops_a_bracketed_trunk_zero_after_the_country_code() {
        let want = "+447700900123";
        for ok in [
            "+44 (0)7700 900123",
            "+44(0)7700900123",
            "0044 (0) 7700 900123",
            "+44 7700 900123",
        ] {
            assert_eq!(Identity::phone(ok).unwrap().value(), want, "{ok}");
        }
        assert_eq!(
            Identity::phone("+49 (0)30 1234567").unwrap().value(),
            "+49301234567"
        );
        assert_eq!(
            Identity::phone_in_country("+44 (0)20 7946 0958", "1")
                .unwrap()
                .value(),
            "+442079460958"
        );
        // A `(0)` that does not follow a country code is a digit.
        assert_eq!(
            Identity::phone("+44 20 (0)79 460958").unwrap().value(),
            "+4420079460958"
        );
        assert_eq!(
            Identity::phone_in_country("(0)20 7946 0958", "44")
                .unwrap()
                .value(),
            "+442079460958"
        );
        assert!(Identity::phone("+(0)7700 900123").is_err());
    }

    #[test]
    fn keys_of_lookalike_identities_differ() {
        let pairs = [
            (
                Identity::external("shop:eu", "42").unwrap(),
                Identity::external("shop", "eu:42").unwrap(),
            ),
            (
                Identity::external("shop", "x%3Ay").unwrap(),
                Identity::external("shop", "x:y").unwrap(),
            ),
            (
                Identity::external("a%3ab", "c").unwrap(),
                Identity::external("a:b", "c").unwrap(),
            ),
            (
                Identity::email("a%b@x.io").unwrap(),
                Identity::email("a%25b@x.io").unwrap(),
            ),
        ];
        for (a, b) in pairs {
            assert_ne!(a, b);
            assert_ne!(a.key(), b.key(), "{a:?} and {b:?}");
            assert_eq!(Identity::from_key(&a.key()).unwrap(), a);
            assert_eq!(Identity::from_key(&b.key()).unwrap(), b);
        }
        assert_eq!(
            Identity::external("Shop:EU", "4:2%").unwrap().key(),
            "external:shop%3Aeu:4%3A2%25"
        );
    }

    #[test]
    fn from_key_rejects_what_key_never_writes() {
        for bad in [
            "",
            "email",
            "fax:+441234567890",
            "external:shop",
            "external:shop:eu:42",
            "external:shop%3aeu:42",
            "external:shop%2:42",
            "email:ANA@x.io",
            "social:x:@ana",
        ] {
            assert!(
                matches!(Identity::from_key(bad), Err(IdentityError::Key { ref key, .. }) if key == bad),
                "{bad}: {:?}",
                Identity::from_key(bad)
            );
        }
        assert!(matches!(
            Identity::from_key("email:nope"),
            Err(IdentityError::Email { .. })
        ));
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn legacy_keys_read_back_the_old_way() {
        let a = Identity::external("shop:eu", "42").unwrap();
        assert_eq!(a.legacy_key(), "external:shop:eu:42");
        // Ambiguous: the old reading takes the system up to the first ':'.
        assert_eq!(
            Identity::from_legacy_key("external:shop:eu:42"),
            Some(Identity::external("shop", "eu:42").unwrap())
        );
        assert_eq!(
            Identity::from_legacy_key("external::x:42"),
            Some(Identity::external(":x", "42").unwrap())
        );
        for i in [
            Identity::email("a%b@x.io").unwrap(),
            Identity::phone("+14155550132").unwrap(),
            Identity::social("x", "ana_s").unwrap(),
            Identity::external("shop", "C-17").unwrap(),
        ] {
            assert_eq!(Identity::from_legacy_key(&i.legacy_key()), Some(i));
        }
        assert_eq!(Identity::from_legacy_key("external:shop"), None);
        assert_eq!(Identity::from_legacy_key("email:ANA@x.io"), None);
    }

    /// Identities built from parts rich in the separator and the escape
    /// character, of every kind.
    fn tricky_identity() -> impl proptest::strategy::Strategy<Value = Identity> {
        use proptest::prelude::*;
        prop_oneof![
            ("[a-z%!.]{1,6}", "[a-z]{1,4}")
                .prop_filter_map("email", |(l, d)| Identity::email(&format!("{l}@{d}.io"))
                    .ok()),
            "\\+[1-9][0-9]{7,13}".prop_filter_map("phone", |s| Identity::phone(&s).ok()),
            ("[a-z_-]{1,5}", "[a-z._-]{1,5}")
                .prop_filter_map("social", |(n, h)| Identity::social(&n, &h).ok()),
            ("[a-z:%3A]{1,6}", "[a-zA-Z0-9:% 3A25]{1,8}")
                .prop_filter_map("external", |(s, i)| Identity::external(&s, &i).ok()),
        ]
    }

    proptest::proptest! {
        #[test]
        fn distinct_identities_have_distinct_keys(a in tricky_identity(), b in tricky_identity()) {
            proptest::prop_assert_eq!(a == b, a.key() == b.key(), "{:?} {:?}", a, b);
            proptest::prop_assert_eq!(Identity::from_key(&a.key()).unwrap(), a);
        }

        #[test]
        fn parts_split_differently_have_distinct_keys(
            p in "[a-z:%]{1,4}", q in "[a-z:%]{0,4}", r in "[a-z0-9:%]{1,4}", social in proptest::bool::ANY,
        ) {
            // (p, q:r) and (p:q, r) have the same naive join `p:q:r`.
            let (a, b) = if social {
                let p = p.replace([':', '%'], "");
                let q = q.replace([':', '%'], "");
                let r = r.replace([':', '%'], "");
                // A social network or handle has no ':'; the naive joins
                // that can collide there are other separators.
                (Identity::social(&p, &format!("{q}-{r}")), Identity::social(&format!("{p}-{q}"), &r))
            } else {
                (Identity::external(&p, &format!("{q}:{r}")), Identity::external(&format!("{p}:{q}"), &r))
            };
            if let (Ok(a), Ok(b)) = (a, b) {
                proptest::prop_assert_ne!(&a, &b);
                proptest::prop_assert_ne!(a.key(), b.key());
            }
        }
    }

    #[test]
    fn external_keeps_case_of_id() {
        let i = Identity::external("Shop", " C-17 ").unwrap();
        assert_eq!(i.key(), "external:shop:C-17");
        assert!(Identity::external("shop", "a\nb").is_err());
    }
}
