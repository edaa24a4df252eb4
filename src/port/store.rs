use std::fmt::{self, Debug};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::customer::{Customer, Identity};
use crate::id::{AgentId, CustomerId, MessageId, NotificationId, TenantId, TicketId};
use crate::model::notification::Notification;
use crate::ticket::{Event, Status, Tag, Ticket};

/// The version a write expects the stored record to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedVersion {
    /// The record must not exist yet.
    New,
    /// The record must exist at exactly this version.
    Version(u64),
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::New => f.write_str("new"),
            ExpectedVersion::Version(v) => write!(f, "version {v}"),
        }
    }
}

/// A record named in a store error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "entity", content = "id", rename_all = "snake_case")]
pub enum Entity {
    /// A ticket.
    Ticket(TicketId),
    /// A customer.
    Customer(CustomerId),
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::Ticket(id) => write!(f, "ticket {id}"),
            Entity::Customer(id) => write!(f, "customer {id}"),
        }
    }
}

/// What identifies an inbound message for idempotency: the same tenant,
/// channel and external id is the same message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundKey {
    /// The channel it came on.
    pub channel: Channel,
    /// The channel's id for it (email Message-ID, chat message id).
    pub external_id: String,
}

impl InboundKey {
    /// The key of message `external_id` received on `channel`.
    ///
    /// ```
    /// use supportdesk::Channel;
    /// use supportdesk::port::InboundKey;
    /// let k = InboundKey::new(Channel::Email, "<m1@mail>");
    /// assert_eq!(k.external_id, "<m1@mail>");
    /// ```
    pub fn new(channel: Channel, external_id: impl Into<String>) -> Self {
        InboundKey {
            channel,
            external_id: external_id.into(),
        }
    }
}

/// Where an inbound message went: stored under its [`InboundKey`] in the same
/// commit as the ticket change, so a redelivery finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundRecord {
    /// The key.
    pub key: InboundKey,
    /// The ticket the message was added to.
    pub ticket: TicketId,
    /// The message it became.
    pub message: MessageId,
    /// The customer it was matched to.
    pub customer: CustomerId,
}

impl InboundRecord {
    /// The record that the message under `key` became `message` on `ticket`,
    /// matched to `customer`.
    pub fn new(
        key: InboundKey,
        ticket: TicketId,
        message: MessageId,
        customer: CustomerId,
    ) -> Self {
        InboundRecord {
            key,
            ticket,
            message,
            customer,
        }
    }
}

/// A key a commit records once per tenant, to make an action happen once:
/// a later commit carrying the same key fails with
/// [`StoreError::AlreadyDone`] and writes nothing. The desk queues a tag
/// spike's notice in the same commit as [`OnceKey::notice`] of it, so the
/// notice is queued, and sent, once, however often and however concurrently
/// spikes are checked.
///
/// ```
/// use supportdesk::id::NotificationId;
/// use supportdesk::port::OnceKey;
/// let k = OnceKey::notice(NotificationId::from_u128(7));
/// assert_eq!(k.as_str(), "notice/00000000-0000-0000-0000-000000000007");
/// assert_ne!(k, OnceKey::new("notice/7"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OnceKey(String);

impl OnceKey {
    /// A key of the host's own (keep it apart from the desk's `notice/`
    /// keys, e.g. with a prefix of your own).
    pub fn new(key: impl Into<String>) -> Self {
        OnceKey(key.into())
    }

    /// The key recording that notification `id` was queued.
    pub fn notice(id: NotificationId) -> Self {
        OnceKey(format!("notice/{id}"))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OnceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ticket's new state with the events that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketWrite {
    /// `New` for a ticket being created, else the version it was loaded at.
    pub expected: ExpectedVersion,
    /// The state after the events; its version is `expected` plus the number
    /// of events.
    pub ticket: Ticket,
    /// The new events, with consecutive sequence numbers following `expected`.
    pub events: Vec<Event>,
}

impl TicketWrite {
    /// A ticket's new state with the events that produced it, written over
    /// `expected` ([`ExpectedVersion::New`] to create it).
    pub fn new(expected: ExpectedVersion, ticket: Ticket, events: Vec<Event>) -> Self {
        TicketWrite {
            expected,
            ticket,
            events,
        }
    }
}

/// A customer record to create or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerWrite {
    /// `New` to create, else the version it was loaded at.
    pub expected: ExpectedVersion,
    /// The record to store; its version is `expected + 1` (1 when new).
    pub customer: Customer,
}

impl CustomerWrite {
    /// A customer record written over `expected` ([`ExpectedVersion::New`]
    /// to create it).
    pub fn new(expected: ExpectedVersion, customer: Customer) -> Self {
        CustomerWrite { expected, customer }
    }
}

/// A ticket's next SLA wake-up time, for the due index. Applied only if the
/// stored ticket is at `version` once the commit's ticket writes are done
/// (a stale update from a slower writer is ignored, not an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DueUpdate {
    /// The ticket.
    pub ticket: TicketId,
    /// The version the value was computed for.
    pub version: u64,
    /// When the ticket must be looked at next; `None` removes it from the
    /// index.
    pub at: Option<DateTime<Utc>>,
}

impl DueUpdate {
    /// Sets (`Some`) or removes (`None`) the due time of `ticket`, computed
    /// for its `version`.
    pub fn new(ticket: TicketId, version: u64, at: Option<DateTime<Utc>>) -> Self {
        DueUpdate {
            ticket,
            version,
            at,
        }
    }
}

/// A ticket found by [`TicketStore::due`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DueTicket {
    /// Its tenant.
    pub tenant: TenantId,
    /// The ticket.
    pub ticket: TicketId,
    /// When it is due.
    pub at: DateTime<Utc>,
}

impl DueTicket {
    /// Ticket `ticket` of `tenant`, due at `at`.
    pub fn new(tenant: TenantId, ticket: TicketId, at: DateTime<Utc>) -> Self {
        DueTicket { tenant, ticket, at }
    }
}

/// Everything one command writes, all or nothing.
///
/// It is serde, so a backend can log it as it is (the write-ahead log of
/// `examples/custom_store.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Commit {
    /// The tenant every record belongs to.
    pub tenant: TenantId,
    /// Ticket states with their events.
    pub tickets: Vec<TicketWrite>,
    /// Customer records.
    pub customers: Vec<CustomerWrite>,
    /// Inbound idempotency records.
    pub inbound: Vec<InboundRecord>,
    /// Notifications to put in the outbox.
    pub notifications: Vec<Notification>,
    /// Due-index updates.
    pub due: Vec<DueUpdate>,
    /// Keys to record once (see [`OnceKey`]): if the tenant has any of them
    /// already, the commit fails with [`StoreError::AlreadyDone`] and writes
    /// nothing. Absent in JSON written before it existed: empty.
    #[serde(default)]
    pub once: Vec<OnceKey>,
    /// The lease the commit's notifications enter the outbox under (see
    /// [`Commit::leased_to`]); `None`: unleased, claimable at once. Stores
    /// without leases ignore it. Absent in JSON written before it existed:
    /// `None`.
    #[serde(default)]
    pub lease: Option<OutboxLease>,
}

impl Commit {
    /// An empty commit for a tenant.
    pub fn new(tenant: TenantId) -> Self {
        Commit {
            tenant,
            tickets: Vec::new(),
            customers: Vec::new(),
            inbound: Vec::new(),
            notifications: Vec::new(),
            due: Vec::new(),
            once: Vec::new(),
            lease: None,
        }
    }

    /// Adds a ticket write.
    ///
    /// ```
    /// use supportdesk::id::{NotificationId, TenantId, TicketId};
    /// use supportdesk::port::{Commit, DueUpdate, OnceKey};
    /// let tenant = TenantId::from_u128(1);
    /// let c = Commit::new(tenant)
    ///     .due(DueUpdate::new(TicketId::from_u128(2), 3, None))
    ///     .once(OnceKey::notice(NotificationId::from_u128(4)));
    /// assert_eq!((c.due.len(), c.once.len(), c.tickets.len()), (1, 1, 0));
    /// ```
    pub fn ticket(mut self, write: TicketWrite) -> Self {
        self.tickets.push(write);
        self
    }

    /// Adds a customer write.
    pub fn customer(mut self, write: CustomerWrite) -> Self {
        self.customers.push(write);
        self
    }

    /// Adds an inbound idempotency record.
    pub fn inbound(mut self, record: InboundRecord) -> Self {
        self.inbound.push(record);
        self
    }

    /// Adds a notification to queue in the outbox.
    pub fn notification(mut self, notification: Notification) -> Self {
        self.notifications.push(notification);
        self
    }

    /// Adds a due-index update.
    pub fn due(mut self, update: DueUpdate) -> Self {
        self.due.push(update);
        self
    }

    /// Adds a key to record once (see [`OnceKey`]).
    pub fn once(mut self, key: OnceKey) -> Self {
        self.once.push(key);
        self
    }

    /// Puts the commit's notifications in the outbox already leased to the
    /// committing worker: it delivers them itself right after the commit,
    /// and no dispatcher [claims](TicketStore::claim) them until the lease
    /// ends (then, if the worker died before marking them delivered, one
    /// does). [`Desk`](crate::Desk) and [`AsyncDesk`](crate::AsyncDesk)
    /// lease every commit they make to their worker name.
    pub fn leased_to(mut self, lease: OutboxLease) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Checks the commit is self-consistent: every record belongs to
    /// `tenant`, each ticket's events are its own with consecutive sequences
    /// after `expected`, its version is the last sequence, and no ticket,
    /// customer, inbound key or notification appears twice. Stores call
    /// this first and return its error as is.
    ///
    /// # Errors
    /// [`StoreError::InvalidCommit`] saying what is inconsistent.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |reason: String| Err(StoreError::InvalidCommit { reason });
        for w in &self.tickets {
            let t = &w.ticket;
            if t.tenant() != self.tenant {
                return bad(format!(
                    "ticket {} belongs to tenant {}, not {}",
                    t.id(),
                    t.tenant(),
                    self.tenant
                ));
            }
            let base = match w.expected {
                ExpectedVersion::New => 0,
                ExpectedVersion::Version(v) => v,
            };
            for (i, e) in w.events.iter().enumerate() {
                let want = base.saturating_add(i as u64).saturating_add(1);
                if e.ticket != t.id() || e.tenant != self.tenant || e.sequence != want {
                    return bad(format!(
                        "event {} of ticket {} has ticket {}, tenant {} and sequence {}; expected sequence {want}",
                        i,
                        t.id(),
                        e.ticket,
                        e.tenant,
                        e.sequence
                    ));
                }
            }
            if w.events.is_empty() || t.version() != base.saturating_add(w.events.len() as u64) {
                return bad(format!(
                    "ticket {} is at version {} after {} events on {}",
                    t.id(),
                    t.version(),
                    w.events.len(),
                    w.expected
                ));
            }
        }
        for c in &self.customers {
            let want = match c.expected {
                ExpectedVersion::New => 1,
                ExpectedVersion::Version(v) => v.saturating_add(1),
            };
            if c.customer.tenant != self.tenant || c.customer.version != want {
                return bad(format!(
                    "customer {} has tenant {} and version {}; expected tenant {} and version {want}",
                    c.customer.id, c.customer.tenant, c.customer.version, self.tenant
                ));
            }
        }
        for n in &self.notifications {
            if n.tenant != self.tenant {
                return bad(format!(
                    "notification {} belongs to tenant {}",
                    n.id, n.tenant
                ));
            }
        }
        // The same record twice in one commit would be checked against the
        // stored version twice and then written twice.
        if let Some(id) = first_repeat(self.tickets.iter().map(|w| w.ticket.id())) {
            return bad(format!("ticket {id} is written twice"));
        }
        if let Some(id) = first_repeat(self.customers.iter().map(|w| w.customer.id)) {
            return bad(format!("customer {id} is written twice"));
        }
        if let Some(k) = first_repeat(self.inbound.iter().map(|r| &r.key)) {
            return bad(format!(
                "inbound message {} on {} is recorded twice",
                k.external_id, k.channel
            ));
        }
        if let Some(id) = first_repeat(self.notifications.iter().map(|n| n.id)) {
            return bad(format!("notification {id} is queued twice"));
        }
        if let Some(k) = first_repeat(self.once.iter()) {
            return bad(format!("once key {k} is recorded twice"));
        }
        Ok(())
    }
}

/// The first item that occurs twice.
fn first_repeat<T: Eq + std::hash::Hash>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut seen = std::collections::HashSet::new();
    for item in items {
        if seen.contains(&item) {
            return Some(item);
        }
        seen.insert(item);
    }
    None
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboxEntry {
    /// The notification.
    pub notification: Notification,
    /// How many times sending failed.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Who holds the entry and until when, if anyone claimed it (stores
    /// without leases leave it `None`). Absent in JSON written before it
    /// existed: `None`.
    #[serde(default)]
    pub lease: Option<OutboxLease>,
}

impl OutboxEntry {
    /// An outbox entry: the notification, how many times sending it failed
    /// and the last failure; not leased.
    pub fn new(notification: Notification, attempts: u32, last_error: Option<String>) -> Self {
        OutboxEntry {
            notification,
            attempts,
            last_error,
            lease: None,
        }
    }

    /// The same entry, leased as `lease`.
    pub fn leased(mut self, lease: Option<OutboxLease>) -> Self {
        self.lease = lease;
        self
    }
}

/// A lease on outbox entries: who may deliver them, and until when.
///
/// A dispatcher that [claims](TicketStore::claim) entries holds them until
/// `until`; no other dispatcher claims them before. If it dies mid-lease,
/// nothing is lost: the lease expires and another dispatcher claims them.
/// A [`Commit`] can put its notifications in the outbox already leased to
/// the committing worker ([`Commit::leased_to`]), so the desk that made
/// them delivers them at once and no dispatcher sends them a second time
/// meanwhile.
///
/// Lease times come from the workers' clocks (the desk's
/// [`Clock`](crate::port::Clock)): workers sharing a store should agree on
/// the time to well within a lease.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboxLease {
    /// The worker holding the entries (a name unique among the workers
    /// sharing the store).
    pub owner: String,
    /// When the lease ends; from then on anyone may claim the entries.
    pub until: DateTime<Utc>,
}

impl OutboxLease {
    /// A lease held by `owner` until `until`.
    pub fn new(owner: impl Into<String>, until: DateTime<Utc>) -> Self {
        OutboxLease {
            owner: owner.into(),
            until,
        }
    }

    /// Whether the lease still holds at `now` (it ends at `until`).
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        now < self.until
    }
}

/// A request to [claim](TicketStore::claim) undelivered notifications.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboxClaim {
    /// The worker claiming, and when its lease on what it claims ends.
    pub lease: OutboxLease,
    /// The claiming worker's time: leases ending at or before it have
    /// expired.
    pub now: DateTime<Utc>,
    /// At most this many entries.
    pub limit: usize,
}

impl OutboxClaim {
    /// Claims up to `limit` entries for `owner` from `now` until `now +
    /// lease_for` (a negative or overflowing duration leases until `now`,
    /// i.e. not at all).
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use supportdesk::port::OutboxClaim;
    /// let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
    /// let claim = OutboxClaim::new("dispatcher-1", now, Duration::seconds(30), 100);
    /// assert_eq!(claim.lease.until, now + Duration::seconds(30));
    /// ```
    pub fn new(
        owner: impl Into<String>,
        now: DateTime<Utc>,
        lease_for: chrono::Duration,
        limit: usize,
    ) -> Self {
        let until = if lease_for > chrono::Duration::zero() {
            now.checked_add_signed(lease_for).unwrap_or(now)
        } else {
            now
        };
        OutboxClaim {
            lease: OutboxLease::new(owner, until),
            now,
            limit,
        }
    }

    /// Whether an entry leased as `lease` may be claimed: it has no lease,
    /// its lease has expired at [`now`](Self::now), or the claimant holds it
    /// already.
    pub fn may_take(&self, lease: Option<&OutboxLease>) -> bool {
        match lease {
            None => true,
            Some(l) => !l.holds_at(self.now) || l.owner == self.lease.owner,
        }
    }
}

/// The order of a ticket query. Every order ends with the ticket id, so
/// paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketOrder {
    /// Oldest first by creation.
    #[default]
    CreatedAsc,
    /// Least recently updated first.
    UpdatedAsc,
    /// Most recently updated first.
    UpdatedDesc,
}

/// Where the next page starts: the sort key of the last ticket returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cursor {
    /// The timestamp the order sorts on (created or updated).
    pub at: DateTime<Utc>,
    /// The ticket id, the tie-breaker.
    pub id: TicketId,
}

impl Cursor {
    /// The cursor of a ticket `id` whose sort timestamp is `at`.
    pub fn new(at: DateTime<Utc>, id: TicketId) -> Self {
        Cursor { at, id }
    }
}

/// A ticket query: all filters given must match. Build it with the
/// methods; `limit` is capped at 1,000 and defaults to 50.
///
/// ```
/// use supportdesk::port::{TicketOrder, TicketQuery};
/// use supportdesk::Status;
/// let q = TicketQuery::new().status(Status::Open).status(Status::New).order(TicketOrder::UpdatedDesc).limit(20);
/// assert_eq!(q.statuses, vec![Status::Open, Status::New]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketQuery {
    /// Any of these statuses (empty: any status).
    pub statuses: Vec<Status>,
    /// Assigned to this agent.
    pub assignee: Option<AgentId>,
    /// Requested by this customer.
    pub customer: Option<CustomerId>,
    /// Opened on this channel.
    pub channel: Option<Channel>,
    /// Carrying this tag.
    pub tag: Option<Tag>,
    /// Updated at or after this instant.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated strictly before this instant.
    pub updated_before: Option<DateTime<Utc>>,
    /// The order.
    pub order: TicketOrder,
    /// Page size (1 to 1,000; 0 means the default, 50).
    pub limit: usize,
    /// Continue after this cursor (from [`Page::next`]).
    pub after: Option<Cursor>,
}

impl TicketQuery {
    /// The largest page.
    pub const MAX_LIMIT: usize = 1000;
    /// The page size when none is given.
    pub const DEFAULT_LIMIT: usize = 50;

    /// A query matching every ticket.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a status to match.
    pub fn status(mut self, s: Status) -> Self {
        self.statuses.push(s);
        self
    }
    /// Matches tickets assigned to `agent`.
    pub fn assignee(mut self, agent: AgentId) -> Self {
        self.assignee = Some(agent);
        self
    }
    /// Matches tickets of `customer`.
    pub fn customer(mut self, customer: CustomerId) -> Self {
        self.customer = Some(customer);
        self
    }
    /// Matches tickets opened on `channel`.
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }
    /// Matches tickets carrying `tag`.
    pub fn tag(mut self, tag: Tag) -> Self {
        self.tag = Some(tag);
        self
    }
    /// Matches tickets updated in `[from, before)`.
    pub fn updated_between(mut self, from: DateTime<Utc>, before: DateTime<Utc>) -> Self {
        self.updated_from = Some(from);
        self.updated_before = Some(before);
        self
    }
    /// Sets the order.
    pub fn order(mut self, order: TicketOrder) -> Self {
        self.order = order;
        self
    }
    /// Sets the page size.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    /// Continues after a cursor.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }

    /// The page size to use: `limit` clamped to 1..=1,000, 50 when 0.
    pub fn effective_limit(&self) -> usize {
        match self.limit {
            0 => Self::DEFAULT_LIMIT,
            n => n.min(Self::MAX_LIMIT),
        }
    }

    /// Whether a ticket passes the filters (not the cursor). Backends that
    /// filter in memory can use it; SQL backends translate the fields.
    pub fn matches(&self, t: &Ticket) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&t.status()))
            && self.assignee.is_none_or(|a| t.assignee() == Some(a))
            && self.customer.is_none_or(|c| t.customer() == c)
            && self.channel.is_none_or(|c| t.channel() == c)
            && self.tag.as_ref().is_none_or(|tag| t.has_tag(tag))
            && self.updated_from.is_none_or(|f| t.updated_at() >= f)
            && self.updated_before.is_none_or(|b| t.updated_at() < b)
    }

    /// The cursor (sort key) of a ticket under this query's order.
    pub fn cursor_of(&self, t: &Ticket) -> Cursor {
        let at = match self.order {
            TicketOrder::CreatedAsc => t.created_at(),
            TicketOrder::UpdatedAsc | TicketOrder::UpdatedDesc => t.updated_at(),
        };
        Cursor { at, id: t.id() }
    }

    /// Whether a ticket sorts strictly after the cursor in this order.
    pub fn is_after(&self, t: &Ticket, cursor: &Cursor) -> bool {
        let k = self.cursor_of(t);
        match self.order {
            TicketOrder::CreatedAsc | TicketOrder::UpdatedAsc => {
                (k.at, k.id) > (cursor.at, cursor.id)
            }
            TicketOrder::UpdatedDesc => (k.at, k.id) < (cursor.at, cursor.id),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items, in the query's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page of `items`, with the cursor of the next page (`None` on the
    /// last page).
    pub fn new(items: Vec<T>, next: Option<Cursor>) -> Self {
        Page { items, next }
    }
}

/// A storage failure. The variants are part of the contract every backend
/// keeps (the conformance suite checks them).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A record written with [`ExpectedVersion::New`] exists already.
    #[error("{entity} already exists")]
    AlreadyExists {
        /// Which record.
        entity: Entity,
    },
    /// A record's stored version is not the one the write expected (or it
    /// does not exist).
    #[error("version conflict on {entity}: expected {expected}, found {}", match .actual { Some(v) => format!("version {v}"), None => "no record".to_owned() })]
    Conflict {
        /// Which record.
        entity: Entity,
        /// What the write expected.
        expected: ExpectedVersion,
        /// What is stored (`None`: nothing).
        actual: Option<u64>,
    },
    /// An identity written for one customer already belongs to another.
    #[error("identity {identity} already belongs to customer {owner}")]
    IdentityTaken {
        /// The identity.
        identity: Identity,
        /// Who owns it.
        owner: CustomerId,
    },
    /// An inbound message with this key was already recorded.
    #[error("inbound message {} on {} was already recorded on ticket {}", .existing.key.external_id, .existing.key.channel, .existing.ticket)]
    DuplicateInbound {
        /// The record stored first.
        existing: InboundRecord,
    },
    /// A [`OnceKey`] of the commit is recorded already: what it stands for
    /// was done by an earlier commit. Nothing was written.
    #[error("{key} was already done")]
    AlreadyDone {
        /// The key found.
        key: OnceKey,
    },
    /// The commit is not self-consistent (see [`Commit::validate`]).
    #[error("invalid commit: {reason}")]
    InvalidCommit {
        /// What is wrong.
        reason: String,
    },
    /// A notification id is not in the outbox.
    #[error("notification {id} is not in the outbox")]
    UnknownNotification {
        /// The id.
        id: NotificationId,
    },
    /// The backend failed (I/O, connection, driver error).
    #[error("storage backend failed: {message}")]
    Backend {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    /// A backend error with a message and no source.
    pub fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: None,
        }
    }

    /// A version conflict or an existing record: another writer got there
    /// first; reload and retry.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            StoreError::Conflict { .. } | StoreError::AlreadyExists { .. }
        )
    }

    /// Whether retrying the whole load-decide-save cycle can succeed: a
    /// conflict, or an identity claimed concurrently.
    pub fn is_retryable(&self) -> bool {
        self.is_conflict() || matches!(self, StoreError::IdentityTaken { .. })
    }
}

/// Where tickets, their events, customers, inbound keys and the outbox live.
///
/// # Contract
/// Every backend keeps these rules; `testing::conformance` checks them.
/// They apply word for word to [`AsyncTicketStore`](crate::port::AsyncTicketStore),
/// method by method, and the same conformance cases check both ports.
/// - **Tenant scope**: every read and write names a tenant and sees only that
///   tenant's records. A record of another tenant is "not found" (`None`),
///   never an error that reveals it exists.
/// - **Compare-and-set**: [`commit`](TicketStore::commit) checks every
///   record's [`ExpectedVersion`] and writes nothing if any differs
///   ([`StoreError::Conflict`] / [`StoreError::AlreadyExists`]).
/// - **Atomic**: a commit's ticket states, events, customers, inbound
///   records, notifications and once keys are all written or none are.
/// - **Unique identities, inbound keys and once keys** per tenant
///   ([`StoreError::IdentityTaken`], [`StoreError::DuplicateInbound`],
///   [`StoreError::AlreadyDone`]). A
///   commit may move an identity: a customer written without it releases
///   it to another customer of the same commit, in whatever order the two
///   writes are listed.
/// - **Stable paging**: [`query`](TicketStore::query) orders by
///   the query's order and then by ticket id, and a page's
///   [`next`](Page::next) is `Some` exactly when more tickets follow. Paging
///   through with the cursor while nothing is written returns every match
///   exactly once, in order. While tickets are updated, a ticket that is
///   not updated is still returned exactly once; an updated one moves to its
///   new place in an `Updated*` order, so it can be returned twice
///   (`UpdatedAsc`) or not at all (`UpdatedDesc`).
/// - **Exact values**: everything read back equals what was written,
///   timestamps to the nanosecond.
/// - **Outbox**: notifications are keyed by tenant and id. They stay in
///   [`undelivered`](TicketStore::undelivered) (oldest commit first, then
///   in commit order) until [`mark_delivered`](TicketStore::mark_delivered).
///   A committed notification whose tenant and id are already in the outbox
///   (delivered or not) is ignored: the first one is kept. Dispatchers
///   [claim](TicketStore::claim) entries under expiring leases, so several
///   can share the outbox; delivered entries are deleted by
///   [`prune_delivered`](TicketStore::prune_delivered) (stores without
///   leases or retention keep the defaults of those methods).
pub trait TicketStore: Send + Sync + Debug {
    /// The ticket, or `None` if the tenant has no such ticket.
    ///
    /// # Contract
    /// - The state exactly as the last successful commit wrote it (its
    ///   [`version`](Ticket::version) is the compare-and-set token).
    /// - `None` also when another tenant has a ticket with this id: never an
    ///   error that reveals it.
    /// - Conformance: `round_trip_ticket_every_field`, `unknown_ids_are_none`,
    ///   `tenant_isolation`, `tenant_isolation_prefix_ids`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError>;

    /// Writes a commit atomically, or nothing.
    ///
    /// # Contract
    /// - Calls [`Commit::validate`] first and returns its error as is.
    /// - Compare-and-set on every ticket and customer write:
    ///   [`ExpectedVersion::New`] must not exist ([`StoreError::AlreadyExists`]);
    ///   `Version(v)` must exist at exactly `v` ([`StoreError::Conflict`] with
    ///   the expected and actual versions, `actual: None` when missing).
    /// - Unique per tenant: an identity owned by another customer
    ///   ([`StoreError::IdentityTaken`]; identities a customer drops in the
    ///   same commit are released first, so one commit can move one), an
    ///   inbound key already recorded ([`StoreError::DuplicateInbound`] with
    ///   the first record), a once key already recorded
    ///   ([`StoreError::AlreadyDone`]).
    /// - All or nothing: on any error nothing of the commit is visible, not
    ///   a ticket, event, customer, identity, inbound record, notification,
    ///   once key or due update.
    /// - Events are appended after the ticket's last; never changed.
    /// - Notifications join the outbox in commit order; one whose tenant and
    ///   id are already there (delivered or not) is ignored.
    /// - Due index: each [`DueUpdate`] applies only if, after the commit's
    ///   ticket writes, the stored ticket is at exactly its `version`
    ///   (otherwise it is ignored silently: a slower writer never undoes a
    ///   newer due time); `at: None` removes the ticket from the index. A
    ///   commit may carry due updates only.
    /// - Concurrent commits, from threads or processes sharing the storage,
    ///   never lose an update.
    /// - Conformance: `new_twice_is_already_exists`,
    ///   `stale_version_is_conflict`, `commit_is_all_or_nothing`,
    ///   `invalid_commit_is_rejected`, `identities_are_unique_per_tenant`,
    ///   `identity_moves_between_customers_in_one_commit`,
    ///   `lookalike_identities_stay_apart`, `inbound_idempotency`,
    ///   `once_keys`, `race_compare_and_set`, `due_index_*`, `shared_handles`.
    ///
    /// # Errors
    /// [`StoreError::InvalidCommit`] (from [`Commit::validate`]),
    /// [`StoreError::Conflict`], [`StoreError::AlreadyExists`],
    /// [`StoreError::IdentityTaken`], [`StoreError::DuplicateInbound`],
    /// [`StoreError::AlreadyDone`], [`StoreError::Backend`].
    fn commit(&self, commit: &Commit) -> Result<(), StoreError>;

    /// A ticket's events in sequence order (empty when there is no such
    /// ticket), for replay and audit.
    ///
    /// # Contract
    /// - Every committed event of the ticket, sequences `1..=version`, each
    ///   exactly as written; replaying them gives [`ticket`](Self::ticket)'s
    ///   state.
    /// - Empty for an unknown ticket and for another tenant's.
    /// - Conformance: `round_trip_ticket_every_field`, `unknown_ids_are_none`,
    ///   `tenant_isolation`, `race_compare_and_set`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError>;

    /// One page of tickets matching the query.
    ///
    /// # Contract
    /// - Only the tenant's tickets, every filter of [`TicketQuery`] applied
    ///   ([`TicketQuery::matches`]).
    /// - Ordered by the query's order, then by ticket id in the same
    ///   direction; at most [`TicketQuery::effective_limit`] tickets.
    /// - [`Page::next`] is `Some` exactly when more tickets follow; a query
    ///   with `after` continues strictly after that cursor
    ///   ([`TicketQuery::is_after`]).
    /// - See the trait docs for paging while tickets are updated.
    /// - Conformance: `query_filters`, `query_fixed_answers`, `query_orders`, `query_limits`,
    ///   `query_paging_is_stable`, `query_paging_with_concurrent_updates`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn query(&self, tenant: TenantId, query: &TicketQuery) -> Result<Page<Ticket>, StoreError>;

    /// A customer by id.
    ///
    /// # Contract
    /// - The customer exactly as last written, with its identities and
    ///   version; `None` when unknown or another tenant's.
    /// - Conformance: `round_trip_customer_every_identity_kind`,
    ///   `unknown_ids_are_none`, `tenant_isolation`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError>;

    /// The customer who owns an identity.
    ///
    /// # Contract
    /// - Matches identities exactly (both are normalised on construction):
    ///   two different identities never find the same customer by accident,
    ///   whatever their parts ([`Identity::key`] is injective).
    /// - `None` when no customer of the tenant owns it.
    /// - Conformance: `round_trip_customer_every_identity_kind`,
    ///   `lookalike_identities_stay_apart`,
    ///   `desk_keeps_lookalike_identities_apart`, `tenant_isolation`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<Customer>, StoreError>;

    /// The record of an inbound message, if it was already received.
    ///
    /// # Contract
    /// - The first record committed for the tenant, channel and external id;
    ///   `None` when none was.
    /// - Conformance: `round_trip_inbound_record`, `inbound_idempotency`,
    ///   `tenant_isolation_prefix_ids`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn inbound(
        &self,
        tenant: TenantId,
        key: &InboundKey,
    ) -> Result<Option<InboundRecord>, StoreError>;

    /// Up to `limit` undelivered notifications of every tenant, oldest
    /// first (the outbox is drained by infrastructure, not per tenant).
    ///
    /// # Contract
    /// - Oldest commit first, then commit order within a commit (an
    ///   insertion sequence, not times or ids); failed attempts keep their
    ///   place.
    /// - A notification stays here until
    ///   [`mark_delivered`](Self::mark_delivered): it is never dropped.
    /// - Conformance: `outbox_order_and_delivery`,
    ///   `outbox_failures_are_recorded`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn undelivered(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Removes a notification from the undelivered set, delivered at a time
    /// not recorded (see [`mark_delivered_at`](Self::mark_delivered_at)).
    ///
    /// # Contract
    /// - Idempotent: marking a delivered notification again is `Ok` and
    ///   changes nothing.
    /// - An id the tenant's outbox does not have (unknown, or another
    ///   tenant's) is [`StoreError::UnknownNotification`] and changes
    ///   nothing.
    /// - Conformance: `outbox_unknown_and_foreign_ids`.
    ///
    /// # Errors
    /// [`StoreError::UnknownNotification`] when it is not in the tenant's
    /// outbox (marking twice is not an error), [`StoreError::Backend`].
    fn mark_delivered(&self, tenant: TenantId, id: NotificationId) -> Result<(), StoreError>;

    /// Records a failed delivery attempt (it stays undelivered).
    ///
    /// # Contract
    /// - Adds one to the entry's attempts and keeps `error` as its last
    ///   error; the entry stays undelivered, in its place, and its lease
    ///   (if any) ends: any dispatcher may claim it again at once.
    /// - An id the tenant's outbox does not have is
    ///   [`StoreError::UnknownNotification`].
    /// - Conformance: `outbox_failures_are_recorded`,
    ///   `outbox_unknown_and_foreign_ids`.
    ///
    /// # Errors
    /// [`StoreError::UnknownNotification`], [`StoreError::Backend`].
    fn record_failure(
        &self,
        tenant: TenantId,
        id: NotificationId,
        error: &str,
    ) -> Result<(), StoreError>;

    /// Up to `limit` tickets of every tenant whose due time is at or before
    /// `until`, earliest first (ties by tenant, then ticket id). Answers in
    /// time proportional to the tickets returned, not to all tickets: keep an
    /// index on the due time.
    ///
    /// # Contract
    /// - Tickets of every tenant whose due time is at or before `until`,
    ///   earliest first, ties by tenant then ticket id, at most `limit`.
    /// - The due time is the one the latest applicable
    ///   [`DueUpdate`] set (see [`commit`](Self::commit)); a ticket whose
    ///   update was `at: None` is not listed.
    /// - Conformance: `due_index_order_and_limit`,
    ///   `due_index_updates_and_removals`, `due_index_ignores_stale_versions`,
    ///   `due_index_tenants`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn due(&self, until: DateTime<Utc>, limit: usize) -> Result<Vec<DueTicket>, StoreError>;

    /// Claims up to `claim.limit` undelivered notifications of every tenant
    /// for one dispatcher, leasing them to it until `claim.lease.until`.
    ///
    /// # Contract
    /// - Returns undelivered entries in outbox order (as
    ///   [`undelivered`](Self::undelivered)) that have no lease, whose
    ///   lease has ended at `claim.now`, or that the claimant holds already
    ///   ([`OutboxClaim::may_take`]); each is returned leased to
    ///   `claim.lease`, and the store keeps that lease.
    /// - While a lease holds, no other owner's claim returns the entry, even
    ///   when claims run at the same instant in several threads or
    ///   processes sharing the storage.
    /// - A lease never removes an entry: it stays in the outbox until
    ///   [`mark_delivered`](Self::mark_delivered) /
    ///   [`mark_delivered_at`](Self::mark_delivered_at), whoever holds it.
    /// - Conformance: `outbox_claims_lease_entries`,
    ///   `outbox_claims_expire`, `outbox_commit_leases`,
    ///   `outbox_concurrent_claims_are_disjoint`.
    ///
    /// The default, for single-process stores without leases, returns
    /// [`undelivered`](Self::undelivered)`(claim.limit)` and leases nothing:
    /// every claim sees the same oldest entries, so run one dispatcher.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn claim(&self, claim: &OutboxClaim) -> Result<Vec<OutboxEntry>, StoreError> {
        self.undelivered(claim.limit)
    }

    /// Marks a notification delivered at `at` (the dispatcher's time),
    /// which [`prune_delivered`](Self::prune_delivered) measures its age by.
    ///
    /// # Contract
    /// - As [`mark_delivered`](Self::mark_delivered) (idempotent; unknown
    ///   or another tenant's id is [`StoreError::UnknownNotification`]), and
    ///   records `at` as the delivery time, to the nanosecond.
    /// - The first marking wins: marking a delivered entry again, with or
    ///   without a time, changes nothing (an entry first marked by
    ///   [`mark_delivered`](Self::mark_delivered) stays "time unknown").
    /// - Conformance: `outbox_retention_prunes_old_deliveries`.
    ///
    /// The default calls [`mark_delivered`](Self::mark_delivered) and keeps
    /// no time.
    ///
    /// # Errors
    /// [`StoreError::UnknownNotification`], [`StoreError::Backend`].
    fn mark_delivered_at(
        &self,
        tenant: TenantId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _ = at;
        self.mark_delivered(tenant, id)
    }

    /// Deletes up to `limit` delivered notifications of every tenant that
    /// were delivered before `delivered_before`; returns how many it
    /// deleted (call again while it returns `limit`).
    ///
    /// # Contract
    /// - Only delivered entries go, those delivered strictly before
    ///   `delivered_before`, oldest delivery first, at most `limit`; an
    ///   undelivered entry is never deleted, however old. An entry
    ///   delivered with no recorded time
    ///   ([`mark_delivered`](Self::mark_delivered), or before the store
    ///   recorded times) counts as delivered before any time.
    /// - Once pruned, the id is forgotten: [`mark_delivered`](Self::mark_delivered)
    ///   of it is [`StoreError::UnknownNotification`], and a later commit
    ///   of the same tenant and id queues it again.
    /// - Conformance: `outbox_retention_prunes_old_deliveries`.
    ///
    /// The default deletes nothing and returns 0 (a store that keeps no
    /// delivered notifications, or does not prune).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn prune_delivered(
        &self,
        delivered_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let _ = (delivered_before, limit);
        Ok(0)
    }
}

crate::forward_ticket_store! {
    impl[T: TicketStore + ?Sized] TicketStore for &T {
        inner(this) = &**this;
    }
}
crate::forward_ticket_store! {
    impl[T: TicketStore + ?Sized] TicketStore for Box<T> {
        inner(this) = &**this;
    }
}
crate::forward_ticket_store! {
    impl[T: TicketStore + ?Sized] TicketStore for Arc<T> {
        inner(this) = &**this;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TicketBuilder;

    fn write_of(t: &Ticket, events: Vec<Event>) -> TicketWrite {
        TicketWrite {
            expected: ExpectedVersion::New,
            ticket: t.clone(),
            events,
        }
    }

    #[test]
    fn validate_rejects_a_ticket_written_twice() {
        let b = TicketBuilder::new();
        let t = b.build();
        let mut c = Commit::new(t.tenant());
        c.tickets.push(write_of(&t, b.events()));
        assert!(c.validate().is_ok());
        c.tickets.push(write_of(&t, b.events()));
        let err = c.validate().unwrap_err();
        assert!(
            matches!(&err, StoreError::InvalidCommit { reason } if reason.contains("written twice")),
            "{err}"
        );
    }

    #[test]
    fn validate_rejects_an_inbound_key_recorded_twice() {
        let t = TenantId::from_u128(1);
        let rec = InboundRecord {
            key: InboundKey {
                channel: Channel::Email,
                external_id: "<m1@mail>".to_owned(),
            },
            ticket: TicketId::from_u128(1),
            message: MessageId::from_u128(1),
            customer: CustomerId::from_u128(1),
        };
        let mut c = Commit::new(t);
        c.inbound = vec![rec.clone(), rec];
        assert!(matches!(
            c.validate(),
            Err(StoreError::InvalidCommit { .. })
        ));
    }

    #[test]
    fn commit_round_trips_through_serde() {
        let b = TicketBuilder::new().tag("vip");
        let t = b.build();
        let mut c = Commit::new(t.tenant());
        c.tickets.push(write_of(&t, b.events()));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Commit>(&json).unwrap(), c);
    }
}
