//! The small in-memory world of a [`Scenario`](super::Scenario): what a test
//! gives, and the answers to the planner's reads, in plain code.
//!
//! It is a model of what a store returns, not a store: it checks a commit
//! only for what a workflow's settling depends on ([`Commit::validate`] and
//! the once keys), and applies it without compare-and-set. Store semantics
//! are the conformance suite's ([`conformance`](super::conformance)).

use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, TenantId, TicketId};
use crate::plan::{Answer, Read};
use crate::port::{
    Commit, ExpectedVersion, InboundKey, InboundRecord, OnceKey, Page, StoreError, TicketOrder,
    TicketQuery,
};
use crate::testing::TicketBuilder;
use crate::ticket::{Event, Ticket};

/// A ticket given to a [`Scenario`](super::Scenario)'s world: built with a
/// [`TicketBuilder`], as its stored history, or as a state alone.
///
/// A ticket given as a state alone has no history: a workflow that reads
/// its events (an SLA tick, a command on a ticket under SLAs) makes the
/// scenario panic, saying so. Give it by its events or a builder instead.
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum GivenTicket {
    /// Built by a [`TicketBuilder`] (with its history).
    Built(TicketBuilder),
    /// A stored history, starting with an `opened` event.
    History(Vec<Event>),
    /// A state without history.
    State(Box<Ticket>),
}

impl From<TicketBuilder> for GivenTicket {
    fn from(b: TicketBuilder) -> Self {
        GivenTicket::Built(b)
    }
}

impl From<Vec<Event>> for GivenTicket {
    fn from(events: Vec<Event>) -> Self {
        GivenTicket::History(events)
    }
}

impl From<&[Event]> for GivenTicket {
    fn from(events: &[Event]) -> Self {
        GivenTicket::History(events.to_vec())
    }
}

impl From<Ticket> for GivenTicket {
    fn from(t: Ticket) -> Self {
        GivenTicket::State(Box::new(t))
    }
}

/// A ticket of the world: its state and, when known, its history.
#[derive(Debug, Clone)]
pub(crate) struct WorldTicket {
    pub(crate) ticket: Ticket,
    pub(crate) history: Option<Vec<Event>>,
}

impl WorldTicket {
    /// The ticket a test gave.
    ///
    /// # Panics
    /// When a history does not start with an `opened` event.
    #[track_caller]
    pub(crate) fn from_given(given: GivenTicket) -> Self {
        match given {
            GivenTicket::Built(b) => {
                let events = b.events();
                WorldTicket {
                    ticket: b.build(),
                    history: Some(events),
                }
            }
            GivenTicket::History(events) => match Ticket::from_events(&events) {
                Some(ticket) => WorldTicket {
                    ticket,
                    history: Some(events),
                },
                None => panic!(
                    "Scenario: a given history must start with an opened event (it has {} events)",
                    events.len()
                ),
            },
            GivenTicket::State(ticket) => WorldTicket {
                ticket: *ticket,
                history: None,
            },
        }
    }
}

/// What a scenario's world holds. Inbound records and once keys given by
/// the test have no tenant (`None`): they belong to the scenario's tenant.
#[derive(Debug, Clone, Default)]
pub(crate) struct World {
    pub(crate) tickets: Vec<WorldTicket>,
    pub(crate) customers: Vec<Customer>,
    pub(crate) inbound: Vec<(Option<TenantId>, InboundRecord)>,
    pub(crate) done: Vec<(Option<TenantId>, OnceKey)>,
}

impl World {
    /// Adds a ticket, replacing one of the same tenant and id.
    pub(crate) fn put_ticket(&mut self, t: WorldTicket) {
        let key = (t.ticket.tenant(), t.ticket.id());
        match self
            .tickets
            .iter_mut()
            .find(|w| (w.ticket.tenant(), w.ticket.id()) == key)
        {
            Some(slot) => *slot = t,
            None => self.tickets.push(t),
        }
    }

    /// Adds a customer, replacing one of the same tenant and id.
    pub(crate) fn put_customer(&mut self, c: Customer) {
        match self
            .customers
            .iter_mut()
            .find(|w| (w.tenant, w.id) == (c.tenant, c.id))
        {
            Some(slot) => *slot = c,
            None => self.customers.push(c),
        }
    }

    pub(crate) fn ticket(&self, tenant: TenantId, id: TicketId) -> Option<&WorldTicket> {
        self.tickets
            .iter()
            .find(|w| w.ticket.tenant() == tenant && w.ticket.id() == id)
    }

    fn customer(&self, tenant: TenantId, id: CustomerId) -> Option<&Customer> {
        self.customers
            .iter()
            .find(|c| c.tenant == tenant && c.id == id)
    }

    fn customer_by_identity(&self, tenant: TenantId, identity: &Identity) -> Option<&Customer> {
        self.customers
            .iter()
            .find(|c| c.tenant == tenant && c.has_identity(identity))
    }

    fn inbound_record(
        &self,
        tenant: TenantId,
        scenario: TenantId,
        key: &InboundKey,
    ) -> Option<&InboundRecord> {
        self.inbound
            .iter()
            .find(|(t, r)| t.unwrap_or(scenario) == tenant && r.key == *key)
            .map(|(_, r)| r)
    }

    /// The page of a ticket query: the tenant's tickets that
    /// [`TicketQuery::matches`], after its cursor, in its order, cut at its
    /// limit.
    fn query(&self, tenant: TenantId, query: &TicketQuery) -> Page<Ticket> {
        let mut hits: Vec<&Ticket> = self
            .tickets
            .iter()
            .map(|w| &w.ticket)
            .filter(|t| t.tenant() == tenant && query.matches(t))
            .filter(|t| query.after.as_ref().is_none_or(|c| query.is_after(t, c)))
            .collect();
        hits.sort_by(|a, b| {
            let (ka, kb) = (query.cursor_of(a), query.cursor_of(b));
            let ord = (ka.at, ka.id).cmp(&(kb.at, kb.id));
            match query.order {
                TicketOrder::UpdatedDesc => ord.reverse(),
                TicketOrder::CreatedAsc | TicketOrder::UpdatedAsc => ord,
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
        Page {
            items: hits.into_iter().cloned().collect(),
            next,
        }
    }

    /// The answer to a planner's read; `scenario` is the tenant of the
    /// records given without one.
    ///
    /// # Panics
    /// When the events of a ticket given as a state alone are read.
    #[track_caller]
    pub(crate) fn answer(&self, read: &Read, scenario: TenantId) -> Answer {
        match read {
            Read::Ticket { tenant, id } => Answer::Ticket(
                self.ticket(*tenant, *id)
                    .map(|w| Box::new(w.ticket.clone())),
            ),
            Read::Events { tenant, id } => match self.ticket(*tenant, *id) {
                None => Answer::Events(Vec::new()),
                Some(WorldTicket {
                    history: Some(h), ..
                }) => Answer::Events(h.clone()),
                Some(WorldTicket { history: None, .. }) => panic!(
                    "Scenario: the workflow reads the events of ticket {id}, which was given as a state without history; give it with a TicketBuilder or its events"
                ),
            },
            Read::Customer { tenant, id } => Answer::Customer(self.customer(*tenant, *id).cloned()),
            Read::CustomerByIdentity { tenant, identity } => {
                Answer::Customer(self.customer_by_identity(*tenant, identity).cloned())
            }
            Read::Inbound { tenant, key } => {
                Answer::Inbound(self.inbound_record(*tenant, scenario, key).cloned())
            }
            Read::Query { tenant, query } => Answer::Page(self.query(*tenant, query)),
        }
    }

    /// What writing `commit` would answer, as far as a workflow's settling
    /// depends on it: the commit must be self-consistent
    /// ([`Commit::validate`]), and none of its once keys may be recorded.
    pub(crate) fn check(&self, commit: &Commit, scenario: TenantId) -> Result<(), StoreError> {
        commit.validate()?;
        for key in &commit.once {
            if self
                .done
                .iter()
                .any(|(t, k)| t.unwrap_or(scenario) == commit.tenant && k == key)
            {
                return Err(StoreError::AlreadyDone { key: key.clone() });
            }
        }
        Ok(())
    }

    /// The world after `commit` is written (no checks: see [`check`](Self::check)).
    pub(crate) fn apply(&mut self, commit: &Commit) {
        for w in &commit.tickets {
            let history = match w.expected {
                ExpectedVersion::New => Some(w.events.clone()),
                ExpectedVersion::Version(_) => self
                    .ticket(commit.tenant, w.ticket.id())
                    .and_then(|old| old.history.clone())
                    .map(|mut h| {
                        h.extend(w.events.iter().cloned());
                        h
                    }),
            };
            self.put_ticket(WorldTicket {
                ticket: w.ticket.clone(),
                history,
            });
        }
        for c in &commit.customers {
            self.put_customer(c.customer.clone());
        }
        for r in &commit.inbound {
            self.inbound.push((Some(commit.tenant), r.clone()));
        }
        for k in &commit.once {
            self.done.push((Some(commit.tenant), k.clone()));
        }
    }
}
