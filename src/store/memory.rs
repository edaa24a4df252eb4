use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, NotificationId, TenantId, TicketId};
use crate::port::{
    Commit, DueTicket, Entity, ExpectedVersion, InboundKey, InboundRecord, OnceKey, OutboxEntry,
    Page, StoreError, TicketQuery, TicketStore,
};
use crate::ticket::{Event, Ticket};

/// A thread-safe store in memory: the reference backend, the store for
/// tests, and fine in production for a small host that snapshots it
/// elsewhere (it is lost when the process ends).
///
/// Reads share a lock; a commit takes it exclusively, checks every
/// precondition first and only then writes, so it is atomic.
///
/// ```
/// use supportdesk::{Desk, InMemoryStore, port::SystemClock};
/// use supportdesk::testing::RecordingNotifier;
/// let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), SystemClock);
/// # let _ = desk;
/// ```
#[derive(Debug, Default)]
pub struct InMemoryStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    tenants: HashMap<TenantId, TenantData>,
    /// Undelivered notifications by arrival order.
    outbox: BTreeMap<u64, OutboxEntry>,
    /// Every notification ever committed, by tenant and id: its slot in
    /// `outbox` while undelivered, `None` once delivered (remembered so that
    /// marking twice is not an error).
    outbox_index: HashMap<(TenantId, NotificationId), Option<u64>>,
    next_slot: u64,
    /// The due index: every ticket with a due time, ordered by it.
    due: BTreeSet<(DateTime<Utc>, TenantId, TicketId)>,
    due_of: HashMap<(TenantId, TicketId), DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct TenantData {
    tickets: HashMap<TicketId, Ticket>,
    events: HashMap<TicketId, Vec<Event>>,
    customers: HashMap<CustomerId, Customer>,
    identities: HashMap<Identity, CustomerId>,
    inbound: HashMap<InboundKey, InboundRecord>,
    once: HashSet<OnceKey>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        // A poisoned lock means a panic elsewhere while holding it; every
        // write below checks before it mutates, so the data is consistent.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of tickets stored for a tenant.
    pub fn ticket_count(&self, tenant: TenantId) -> usize {
        self.read()
            .tenants
            .get(&tenant)
            .map_or(0, |t| t.tickets.len())
    }
}

/// Whether `commit` writes customer `owner` without `identity`.
fn released_in(commit: &Commit, owner: CustomerId, identity: &Identity) -> bool {
    commit
        .customers
        .iter()
        .any(|w| w.customer.id == owner && !w.customer.has_identity(identity))
}

fn check(data: Option<&TenantData>, commit: &Commit) -> Result<(), StoreError> {
    for w in &commit.tickets {
        let id = w.ticket.id();
        let actual = data.and_then(|d| d.tickets.get(&id)).map(Ticket::version);
        match (w.expected, actual) {
            (ExpectedVersion::New, None) => {}
            (ExpectedVersion::New, Some(_)) => {
                return Err(StoreError::AlreadyExists {
                    entity: Entity::Ticket(id),
                });
            }
            (ExpectedVersion::Version(v), Some(a)) if v == a => {}
            (expected, actual) => {
                return Err(StoreError::Conflict {
                    entity: Entity::Ticket(id),
                    expected,
                    actual,
                });
            }
        }
    }
    for w in &commit.customers {
        let id = w.customer.id;
        let actual = data.and_then(|d| d.customers.get(&id)).map(|c| c.version);
        match (w.expected, actual) {
            (ExpectedVersion::New, None) => {}
            (ExpectedVersion::New, Some(_)) => {
                return Err(StoreError::AlreadyExists {
                    entity: Entity::Customer(id),
                });
            }
            (ExpectedVersion::Version(v), Some(a)) if v == a => {}
            (expected, actual) => {
                return Err(StoreError::Conflict {
                    entity: Entity::Customer(id),
                    expected,
                    actual,
                });
            }
        }
        for identity in &w.customer.identities {
            // An owner written in this same commit without the identity
            // releases it: a commit may move an identity between customers.
            let owner = data
                .and_then(|d| d.identities.get(identity))
                .copied()
                .filter(|o| !released_in(commit, *o, identity));
            let claimed_in_commit = commit
                .customers
                .iter()
                .find(|o| o.customer.id != id && o.customer.has_identity(identity));
            if let Some(owner) = owner.filter(|o| *o != id) {
                return Err(StoreError::IdentityTaken {
                    identity: identity.clone(),
                    owner,
                });
            }
            if let Some(other) = claimed_in_commit {
                return Err(StoreError::IdentityTaken {
                    identity: identity.clone(),
                    owner: other.customer.id,
                });
            }
        }
    }
    for r in &commit.inbound {
        if let Some(existing) = data.and_then(|d| d.inbound.get(&r.key)) {
            return Err(StoreError::DuplicateInbound {
                existing: existing.clone(),
            });
        }
    }
    if let Some(key) = commit
        .once
        .iter()
        .find(|k| data.is_some_and(|d| d.once.contains(*k)))
    {
        return Err(StoreError::AlreadyDone { key: key.clone() });
    }
    Ok(())
}

impl TicketStore for InMemoryStore {
    fn ticket(&self, tenant: TenantId, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self
            .read()
            .tenants
            .get(&tenant)
            .and_then(|t| t.tickets.get(&id))
            .cloned())
    }

    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        commit.validate()?;
        let mut inner = self.write();
        check(inner.tenants.get(&commit.tenant), commit)?;
        let inner = &mut *inner;
        let data = inner.tenants.entry(commit.tenant).or_default();
        for w in &commit.tickets {
            let id = w.ticket.id();
            data.tickets.insert(id, w.ticket.clone());
            data.events
                .entry(id)
                .or_default()
                .extend(w.events.iter().cloned());
        }
        // Every release before any claim, so an identity moved from one
        // customer to another in this commit ends with its new owner.
        for w in &commit.customers {
            if let Some(old) = data.customers.get(&w.customer.id) {
                for gone in old
                    .identities
                    .iter()
                    .filter(|i| !w.customer.has_identity(i))
                {
                    if data.identities.get(gone) == Some(&w.customer.id) {
                        data.identities.remove(gone);
                    }
                }
            }
        }
        for w in &commit.customers {
            for i in &w.customer.identities {
                data.identities.insert(i.clone(), w.customer.id);
            }
            data.customers.insert(w.customer.id, w.customer.clone());
        }
        for r in &commit.inbound {
            data.inbound.insert(r.key.clone(), r.clone());
        }
        data.once.extend(commit.once.iter().cloned());
        for u in &commit.due {
            let current = inner
                .tenants
                .get(&commit.tenant)
                .and_then(|d| d.tickets.get(&u.ticket))
                .map(Ticket::version);
            if current != Some(u.version) {
                continue;
            }
            let key = (commit.tenant, u.ticket);
            if let Some(old) = inner.due_of.remove(&key) {
                inner.due.remove(&(old, key.0, key.1));
            }
            if let Some(at) = u.at {
                inner.due.insert((at, key.0, key.1));
                inner.due_of.insert(key, at);
            }
        }
        for n in &commit.notifications {
            if inner.outbox_index.contains_key(&(n.tenant, n.id)) {
                continue;
            }
            let slot = inner.next_slot;
            inner.next_slot += 1;
            inner.outbox_index.insert((n.tenant, n.id), Some(slot));
            inner.outbox.insert(
                slot,
                OutboxEntry::new(n.clone(), 0, None),
            );
        }
        Ok(())
    }

    fn events(&self, tenant: TenantId, id: TicketId) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .read()
            .tenants
            .get(&tenant)
            .and_then(|t| t.events.get(&id))
            .cloned()
            .unwrap_or_default())
    }

    fn query(&self, tenant: TenantId, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let inner = self.read();
        let Some(data) = inner.tenants.get(&tenant) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let mut hits: Vec<&Ticket> = data
            .tickets
            .values()
            .filter(|t| query.matches(t))
            .filter(|t| query.after.as_ref().is_none_or(|c| query.is_after(t, c)))
            .collect();
        hits.sort_by(|a, b| {
            let (ka, kb) = (query.cursor_of(a), query.cursor_of(b));
            let ord = (ka.at, ka.id).cmp(&(kb.at, kb.id));
            match query.order {
                crate::port::TicketOrder::UpdatedDesc => ord.reverse(),
                _ => ord,
            }
        });
        let limit = query.effective_limit();
        let more = hits.len() > limit;
        hits.truncate(limit);
        let next = if more {
            hits.last().map(|t| query.cursor_of(t))
        } else {
            None
        };
        Ok(Page {
            items: hits.into_iter().cloned().collect(),
            next,
        })
    }

    fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .read()
            .tenants
            .get(&tenant)
            .and_then(|t| t.customers.get(&id))
            .cloned())
    }

    fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<Customer>, StoreError> {
        let inner = self.read();
        let Some(data) = inner.tenants.get(&tenant) else {
            return Ok(None);
        };
        Ok(data
            .identities
            .get(identity)
            .and_then(|id| data.customers.get(id))
            .cloned())
    }

    fn inbound(
        &self,
        tenant: TenantId,
        key: &InboundKey,
    ) -> Result<Option<InboundRecord>, StoreError> {
        Ok(self
            .read()
            .tenants
            .get(&tenant)
            .and_then(|t| t.inbound.get(key))
            .cloned())
    }

    fn undelivered(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(self.read().outbox.values().take(limit).cloned().collect())
    }

    fn mark_delivered(&self, tenant: TenantId, id: NotificationId) -> Result<(), StoreError> {
        let mut inner = self.write();
        let inner = &mut *inner;
        match inner.outbox_index.get_mut(&(tenant, id)) {
            Some(slot) => {
                if let Some(k) = slot.take() {
                    inner.outbox.remove(&k);
                }
                Ok(())
            }
            None => Err(StoreError::UnknownNotification { id }),
        }
    }

    fn record_failure(
        &self,
        tenant: TenantId,
        id: NotificationId,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut inner = self.write();
        let inner = &mut *inner;
        match inner.outbox_index.get(&(tenant, id)) {
            Some(slot) => {
                // A delivered notification has no slot: nothing to record.
                if let Some(entry) = slot.and_then(|k| inner.outbox.get_mut(&k)) {
                    entry.attempts = entry.attempts.saturating_add(1);
                    entry.last_error = Some(error.to_owned());
                }
                Ok(())
            }
            None => Err(StoreError::UnknownNotification { id }),
        }
    }

    fn due(&self, until: DateTime<Utc>, limit: usize) -> Result<Vec<DueTicket>, StoreError> {
        Ok(self
            .read()
            .due
            .iter()
            .take_while(|(at, _, _)| *at <= until)
            .take(limit)
            .map(|&(at, tenant, ticket)| DueTicket { tenant, ticket, at })
            .collect())
    }
}

crate::port::async_via_sync!(<> InMemoryStore, s => s);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::notification::{
        AgentNotice, Notification, NotificationContent, NotificationKind, Recipient,
    };
    use crate::ticket::{Priority, Status};

    fn note(tenant: TenantId, id: NotificationId) -> Notification {
        Notification {
            id,
            tenant,
            ticket: TicketId::from_u128(1),
            created_at: chrono::DateTime::UNIX_EPOCH,
            recipient: Recipient::Team,
            kind: NotificationKind::NewTicket,
            content: NotificationContent::Agent(AgentNotice {
                subject: "s".to_owned(),
                status: Status::New,
                priority: Priority::Normal,
                message: None,
                satisfaction: None,
                alert: None,
            }),
        }
    }

    #[test]
    fn the_same_notification_id_in_two_tenants_is_two_entries() {
        let store = InMemoryStore::new();
        let (a, b) = (TenantId::from_u128(1), TenantId::from_u128(2));
        let id = NotificationId::from_u128(9);
        for t in [a, b] {
            let mut c = Commit::new(t);
            c.notifications.push(note(t, id));
            store.commit(&c).unwrap();
        }
        let pending = store.undelivered(10).unwrap();
        assert_eq!(pending.len(), 2, "{pending:?}");
        store.mark_delivered(b, id).unwrap();
        let pending = store.undelivered(10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].notification.tenant, a);
    }
}
