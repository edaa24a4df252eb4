//! Stored events: the versioned envelope a store writes for one [`Event`],
//! and the upcasters that read every format ever written back to today's
//! [`Event`]. See [`StoredEvent`].

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ticket::Event;

/// The format version of the stored events this code writes (the
/// [`StoredEvent`] envelope). Version 1 is the bare [`Event`] of the first
/// releases; see [`StoredEvent`].
pub const EVENT_FORMAT_VERSION: u32 = 2;

/// What a store writes for one event: the event with the version of its
/// format (the envelope of format 2, `{"format": 2, "event": {...}}`).
///
/// Build it with [`StoredEvent::new`] (it borrows the event) and serialise
/// it with any serde format. `StoredEvent` is not `Deserialize` on purpose:
/// deserialising a record as today's envelope would skip the version check
/// and the upcasters.
///
/// Stored events are the storage format: they are written once and read
/// forever, by code that may be years newer. So what a store writes carries
/// a format version:
///
/// - **Format 1** is the bare [`Event`] of the first releases, without an
///   envelope (`{"tenant": ..., "ticket": ..., "sequence": ..., "at": ...,
///   "kind": {...}}`). A record without a `format` field is format 1.
/// - **Format 2** ([`EVENT_FORMAT_VERSION`], what this code writes) is the
///   envelope [`StoredEvent`]: `{"format": 2, "event": {...}}`, the event
///   in today's shape.
///
/// Decoding is version first: [`StoredEvent::format_of`] reads a record's
/// version, [`StoredEvent::decode`] reads the record in the shape of that
/// version and upcasts it one version at a time to today's shape. A version
/// newer than this code is [`StoredEventError::TooNew`], never a guess.
///
/// Both functions take any serde [`Deserializer`], so the core needs no
/// particular format: a JSON store calls them on two
/// `serde_json::Deserializer`s of the same text (or twice on one
/// `&serde_json::Value`, see [`StoredEvent::read`]).
///
/// ```
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::ticket::{EVENT_FORMAT_VERSION, StoredEvent};
///
/// let event = TicketBuilder::new().events().remove(0);
/// // Writing: the envelope of today's format.
/// let text = serde_json::to_string(&StoredEvent::new(&event))?;
/// assert!(text.starts_with(r#"{"format":2,"event":{"#));
///
/// // Reading: the version first, then the record in that version's shape.
/// let format = StoredEvent::format_of(&mut serde_json::Deserializer::from_str(&text))?;
/// assert_eq!(format, EVENT_FORMAT_VERSION);
/// let back = StoredEvent::decode(format, &mut serde_json::Deserializer::from_str(&text))?;
/// assert_eq!(back, event);
///
/// // A bare event of format 1 reads through the upcaster.
/// let bare = serde_json::to_string(&event)?;
/// let format = StoredEvent::format_of(&mut serde_json::Deserializer::from_str(&bare))?;
/// assert_eq!(format, 1);
/// assert_eq!(StoredEvent::decode(format, &mut serde_json::Deserializer::from_str(&bare))?, event);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Changing an event's shape
///
/// A change of the shape of [`Event`] (or of anything in it) is a new
/// format version, and comes with, in `src/ticket/stored.rs`:
///
/// 1. a frozen copy of the old shape in its module (`v2` re-exports today's
///    types while they are its shape; the change replaces the re-exports by
///    copies of the old types, deserialise only);
/// 2. an upcaster from the previous version to the new one, a small typed
///    function (`fn v2_to_v3(old: v2::Envelope) -> v3::Envelope`), and the
///    step added to the chain (`from_v2` calls it and then `from_v3`);
/// 3. [`EVENT_FORMAT_VERSION`] raised by one;
///
/// and with a new golden file in `tests/data/golden/` written by the new
/// code (see `tests/golden_histories.rs`), while every older golden file
/// keeps replaying through the upcasters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent<'a> {
    /// The format version ([`EVENT_FORMAT_VERSION`] when written by this
    /// code). Serialised first.
    pub format: u32,
    /// The event, in the shape of today's [`Event`].
    pub event: Cow<'a, Event>,
}

/// A stored event could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoredEventError {
    /// The record was written by a newer version of this crate, in a format
    /// this code does not know. Upgrade the crate to read it.
    #[error(
        "stored event format version {found} is newer than version {supported}, the newest this version of supportdesk reads"
    )]
    TooNew {
        /// The record's format version.
        found: u32,
        /// The newest format this code reads ([`EVENT_FORMAT_VERSION`]).
        supported: u32,
    },
    /// The record names a format version that never existed (versions
    /// start at 1).
    #[error("stored event format version {found} does not exist (versions start at 1)")]
    UnknownVersion {
        /// The version named.
        found: u32,
    },
    /// The record's format version could not be read (not a record, or a
    /// `format` field that is not a version number).
    #[error("the format version of a stored event does not read: {reason}")]
    Header {
        /// What the deserializer said.
        reason: String,
    },
    /// The record does not have the shape of its format version.
    #[error("stored event of format version {format} does not read: {reason}")]
    Malformed {
        /// The format version it was read as.
        format: u32,
        /// What the deserializer said, or what does not agree.
        reason: String,
    },
}

/// The shape of format 1: a bare event, no envelope.
///
/// While it is also today's shape these are today's types; the change of
/// an event's shape replaces them with frozen copies (deserialise only).
pub(crate) mod v1 {
    pub(crate) use crate::ticket::Event;
    /// The kind of a format-1 event (`SqliteStore` kept it alone).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) use crate::ticket::EventKind;
}

/// The shape of format 2: the envelope around an event.
pub(crate) mod v2 {
    use serde::Deserialize;

    /// While it is also today's shape this is today's type; the change of
    /// an event's shape replaces it with a frozen copy (deserialise only).
    pub(crate) use crate::ticket::Event;

    /// The envelope of format 2, as read.
    #[derive(Debug, Deserialize)]
    pub(crate) struct Envelope {
        /// The version the record says it is in.
        pub(crate) format: u32,
        /// The event.
        pub(crate) event: Event,
    }
}

/// Upcaster 1 → 2: a bare event of format 1 goes into the envelope; the
/// event's shape did not change.
fn v1_to_v2(old: v1::Event) -> v2::Envelope {
    v2::Envelope {
        format: 2,
        event: old,
    }
}

/// The chain from format 2 on: format 2 is today's format, so its event is
/// today's event. (With a format 3, this calls `v2_to_v3` and `from_v3`.)
fn from_v2(record: v2::Envelope) -> Event {
    record.event
}

/// The chain from format 1 on: one upcaster, then the chain from format 2.
pub(crate) fn from_v1(record: v1::Event) -> Event {
    from_v2(v1_to_v2(record))
}

/// Reads the version field only; every other field is skipped.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<u32>,
}

impl<'a> StoredEvent<'a> {
    /// The envelope this code writes for `event` (format
    /// [`EVENT_FORMAT_VERSION`]), borrowing the event.
    pub fn new(event: &'a Event) -> Self {
        StoredEvent {
            format: EVENT_FORMAT_VERSION,
            event: Cow::Borrowed(event),
        }
    }

    /// The event, in today's shape.
    pub fn into_event(self) -> Event {
        self.event.into_owned()
    }

    /// The format version of a stored record: its `format` field, or 1 for
    /// a record without one (a bare event of format 1). Reads only that
    /// field; pass the result and the record again to
    /// [`decode`](Self::decode).
    ///
    /// # Errors
    /// [`StoredEventError::Header`] when the record is not a map or struct,
    /// or its `format` is not a number from 0 to `u32::MAX`.
    pub fn format_of<'de, D: Deserializer<'de>>(record: D) -> Result<u32, StoredEventError> {
        let header = Header::deserialize(record).map_err(|e| StoredEventError::Header {
            reason: e.to_string(),
        })?;
        Ok(header.format.unwrap_or(1))
    }

    /// Decodes a stored record of format version `format` (from
    /// [`format_of`](Self::format_of), or kept by the store beside the
    /// record) to today's [`Event`]: reads the record in the shape of that
    /// version and runs it through the upcasters, one version step at a
    /// time.
    ///
    /// # Errors
    /// - [`StoredEventError::TooNew`] for a version newer than
    ///   [`EVENT_FORMAT_VERSION`] (nothing is read);
    /// - [`StoredEventError::UnknownVersion`] for version 0;
    /// - [`StoredEventError::Malformed`] when the record does not have the
    ///   shape of its version, or is an envelope that names another version
    ///   than `format`.
    pub fn decode<'de, D: Deserializer<'de>>(
        format: u32,
        record: D,
    ) -> Result<Event, StoredEventError> {
        let malformed = |reason: String| StoredEventError::Malformed { format, reason };
        match format {
            0 => Err(StoredEventError::UnknownVersion { found: 0 }),
            1 => v1::Event::deserialize(record)
                .map(from_v1)
                .map_err(|e| malformed(e.to_string())),
            2 => {
                let record =
                    v2::Envelope::deserialize(record).map_err(|e| malformed(e.to_string()))?;
                if record.format != 2 {
                    return Err(malformed(format!(
                        "the envelope says format version {}",
                        record.format
                    )));
                }
                Ok(from_v2(record))
            }
            found => Err(StoredEventError::TooNew {
                found,
                supported: EVENT_FORMAT_VERSION,
            }),
        }
    }

    /// [`format_of`](Self::format_of) and then [`decode`](Self::decode) on
    /// the same record, for deserializers that can be read twice (`Copy`,
    /// e.g. `&serde_json::Value`).
    ///
    /// ```
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::ticket::{StoredEvent, StoredEventError};
    ///
    /// let event = TicketBuilder::new().events().remove(0);
    /// let value = serde_json::to_value(StoredEvent::new(&event))?;
    /// assert_eq!(StoredEvent::read(&value)?, event);
    ///
    /// let future = serde_json::json!({"format": 9, "event": {"new": "shape"}});
    /// assert_eq!(
    ///     StoredEvent::read(&future),
    ///     Err(StoredEventError::TooNew { found: 9, supported: 2 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`format_of`](Self::format_of) and [`decode`](Self::decode).
    pub fn read<'de, D: Deserializer<'de> + Copy>(record: D) -> Result<Event, StoredEventError> {
        let format = Self::format_of(record)?;
        Self::decode(format, record)
    }
}

impl From<Event> for StoredEvent<'static> {
    /// The envelope this code writes for `event`, owning it.
    fn from(event: Event) -> Self {
        StoredEvent {
            format: EVENT_FORMAT_VERSION,
            event: Cow::Owned(event),
        }
    }
}

/// An event read from a SQL store's row: `body` holds its stored record
/// (any format, through the upcasters) and the row's columns say whose it
/// is and where; with `bare_v1`, a record without a format field is a bare
/// format-1 *kind* whose other fields are the columns (SQLite rows written
/// before its schema 5). The decoded event must agree with the columns.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn decode_row(
    tenant: crate::id::TenantId,
    ticket: crate::id::TicketId,
    sequence: u64,
    at: chrono::DateTime<chrono::Utc>,
    body: &str,
    bare_v1: bool,
) -> Result<Event, StoredEventError> {
    let format = StoredEvent::format_of(&mut serde_json::Deserializer::from_str(body))?;
    let event = if format == 1 && bare_v1 {
        let kind: v1::EventKind =
            serde_json::from_str(body).map_err(|e| StoredEventError::Malformed {
                format: 1,
                reason: e.to_string(),
            })?;
        from_v1(v1::Event {
            tenant,
            ticket,
            sequence,
            at,
            kind,
        })
    } else {
        StoredEvent::decode(format, &mut serde_json::Deserializer::from_str(body))?
    };
    if (event.tenant, event.ticket, event.sequence, event.at) != (tenant, ticket, sequence, at) {
        return Err(StoredEventError::Malformed {
            format,
            reason: format!(
                "the event is {} #{} at {} of tenant {}, its row {ticket} #{sequence} at {at} of tenant {tenant}",
                event.ticket, event.sequence, event.at, event.tenant
            ),
        });
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use crate::id::{CustomerId, TenantId};
    use crate::testing::{SequentialIds, strategies};
    use crate::ticket::{Context, OpenTicket, Ticket, decide, open};
    use proptest::prelude::*;

    fn format_of(text: &str) -> Result<u32, StoredEventError> {
        StoredEvent::format_of(&mut serde_json::Deserializer::from_str(text))
    }

    fn decode(format: u32, text: &str) -> Result<Event, StoredEventError> {
        StoredEvent::decode(format, &mut serde_json::Deserializer::from_str(text))
    }

    fn read_json(text: &str) -> Result<Event, StoredEventError> {
        decode(format_of(text)?, text)
    }

    /// A history from the core: an opened ticket and `cmds` applied in turn
    /// (rejected commands skipped), seven minutes apart.
    fn history(cmds: &[crate::ticket::Command]) -> Vec<Event> {
        let ids = SequentialIds::new();
        let mut now: chrono::DateTime<chrono::Utc> =
            "2026-03-02T09:00:00.123456789Z".parse().expect("a time");
        let opened = open(
            TenantId::from_u128(1),
            &OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "hello"),
            &Context::new(now, &ids),
        )
        .expect("opens");
        let mut events = opened.events;
        let Some(mut ticket) = Ticket::from_events(&events) else {
            return events;
        };
        for cmd in cmds {
            now += chrono::Duration::minutes(7);
            if let Ok(d) = decide(&ticket, cmd, &Context::new(now, &ids)) {
                for e in d.events {
                    if e.ticket == ticket.id() {
                        ticket.apply(&e);
                        events.push(e);
                    }
                }
            }
        }
        events
    }

    /// The first two events of the golden history of 2026-12-03, as the
    /// code of that day wrote them (format 1, bare), frozen here.
    const V1_OPENED: &str = r#"{
        "tenant": "00000000-0000-0000-0000-000000000001",
        "ticket": "00000000-0000-0000-0000-0000000f4241",
        "sequence": 1,
        "at": "2026-03-02T09:00:00Z",
        "kind": {
            "event": "opened",
            "customer": "00000000-0000-0000-0000-0000000f4240",
            "channel": "email",
            "subject": "Refund",
            "priority": "normal",
            "origin": {"kind": "reactive"},
            "follow_up_of": null,
            "tags": []
        }
    }"#;

    #[test]
    fn a_bare_event_of_format_1_reads_through_the_upcaster() {
        assert_eq!(format_of(V1_OPENED), Ok(1));
        let event = read_json(V1_OPENED).expect("format 1 reads");
        assert_eq!(event.sequence, 1);
        assert_eq!(event.tenant, TenantId::from_u128(1));
        assert_eq!(
            event.at,
            "2026-03-02T09:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .expect("a time")
        );
        match &event.kind {
            crate::ticket::EventKind::Opened(opened) => {
                assert_eq!(opened.customer, CustomerId::from_u128(1_000_000));
                assert_eq!(opened.subject, "Refund");
                assert!(opened.tags.is_empty());
            }
            other => panic!("read as {other:?}"),
        }
        // Written again, it is the envelope of today's format.
        let text = serde_json::to_string(&StoredEvent::new(&event)).expect("encodes");
        assert!(
            text.starts_with(r#"{"format":2,"event":{"tenant":"#),
            "{text}"
        );
        assert_eq!(read_json(&text), Ok(event));
    }

    #[test]
    fn a_newer_format_is_refused_with_its_version() {
        // The body is not read at all: its shape is unknown to this code.
        let future = r#"{"event": {"whatever": [1, 2]}, "format": 3}"#;
        assert_eq!(format_of(future), Ok(3));
        let err = read_json(future).expect_err("a newer format");
        assert_eq!(
            err,
            StoredEventError::TooNew {
                found: 3,
                supported: EVENT_FORMAT_VERSION
            }
        );
        assert_eq!(
            err.to_string(),
            "stored event format version 3 is newer than version 2, the newest this version of supportdesk reads"
        );
        assert_eq!(
            decode(u32::MAX, "{}"),
            Err(StoredEventError::TooNew {
                found: u32::MAX,
                supported: EVENT_FORMAT_VERSION
            })
        );
    }

    #[test]
    fn broken_records_are_typed_errors_naming_what_is_wrong() {
        assert_eq!(
            read_json(r#"{"format": 0, "event": {}}"#),
            Err(StoredEventError::UnknownVersion { found: 0 })
        );
        for header in [r#"{"format": "2"}"#, r#"{"format": -1}"#, "[1, 2]", "7"] {
            assert!(
                matches!(format_of(header), Err(StoredEventError::Header { .. })),
                "{header}: {:?}",
                format_of(header)
            );
        }
        let Err(StoredEventError::Malformed { format: 2, reason }) =
            read_json(r#"{"format": 2, "event": {"tenant": "not a uuid"}}"#)
        else {
            panic!("a malformed envelope")
        };
        assert!(reason.contains("UUID parsing failed"), "{reason}");
        // An envelope read as another version than it says it is.
        let event = history(&[]).remove(0);
        let text = serde_json::to_string(&StoredEvent::new(&event)).expect("encodes");
        let other = text.replacen(r#""format":2"#, r#""format":1"#, 1);
        assert_eq!(format_of(&other), Ok(1));
        assert!(matches!(
            read_json(&other),
            Err(StoredEventError::Malformed { format: 1, .. })
        ));
        assert!(matches!(
            decode(2, &serde_json::to_string(&event).expect("encodes")),
            Err(StoredEventError::Malformed { format: 2, .. })
        ));
        let mismatch = serde_json::json!({"format": 1, "event": event});
        let Err(StoredEventError::Malformed { format: 2, reason }) =
            StoredEvent::decode(2, &mismatch)
        else {
            panic!("an envelope naming another version")
        };
        assert_eq!(reason, "the envelope says format version 1");
    }

    #[test]
    fn owned_and_borrowed_envelopes_are_the_same() {
        let event = history(&[]).remove(0);
        let borrowed = StoredEvent::new(&event);
        let owned = StoredEvent::from(event.clone());
        assert_eq!(borrowed, owned);
        assert_eq!(owned.format, EVENT_FORMAT_VERSION);
        assert_eq!(owned.into_event(), event);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Every event of a random history survives the envelope (text and
        /// value), and reads back from its bare format-1 form too.
        #[test]
        fn events_round_trip_through_the_envelope(
            cmds in proptest::collection::vec(strategies::command(CustomerId::from_u128(1)), 0..30),
        ) {
            for e in history(&cmds) {
                let text = serde_json::to_string(&StoredEvent::new(&e)).expect("encodes");
                prop_assert_eq!(format_of(&text), Ok(EVENT_FORMAT_VERSION));
                prop_assert_eq!(read_json(&text), Ok(e.clone()));
                let value = serde_json::to_value(StoredEvent::new(&e)).expect("encodes");
                prop_assert_eq!(StoredEvent::read(&value), Ok(e.clone()));
                let bare = serde_json::to_string(&e).expect("encodes");
                prop_assert_eq!(read_json(&bare), Ok(e));
            }
        }
    }
}
