//! The "then" of a [`Scenario`]'s workflow: assertions on the plan.

use std::fmt::Debug;

use chrono::{DateTime, Utc};

use crate::customer::{Customer, Identity};
use crate::id::{CustomerId, TenantId, TicketId};
use crate::model::AlertPoint;
use crate::model::notification::{Notification, NotificationKind, Recipient};
use crate::plan::Read;
use crate::port::{Commit, ExpectedVersion};
use crate::testing::Scenario;
use crate::ticket::{Event, EventKind, Status, Ticket};
use crate::{DeskError, Outcome, Receipt, SpikeCheck};

/// The result of a [`Scenario`]'s `when_*` workflow: the commit it planned
/// (and the world settled as written), its result or error, with the
/// assertions.
///
/// Assertions on the commit (`then_events`, `then_notifies`, ...) see
/// nothing when no commit was written (a duplicate message, a rejected
/// command); [`then_no_commit`](Self::then_no_commit) says so explicitly.
/// They panic with a message showing what happened instead.
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct ThenPlan<T> {
    before: Scenario,
    tenant: TenantId,
    reads: Vec<Read>,
    refused: Vec<Commit>,
    commit: Option<Commit>,
    result: Result<T, DeskError>,
}

fn names(events: &[&Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

impl<T> ThenPlan<T> {
    pub(crate) fn new(
        before: Scenario,
        tenant: TenantId,
        reads: Vec<Read>,
        refused: Vec<Commit>,
        commit: Option<Commit>,
        result: Result<T, DeskError>,
    ) -> Self {
        ThenPlan {
            before,
            tenant,
            reads,
            refused,
            commit,
            result,
        }
    }
}

impl<T: Debug> ThenPlan<T> {
    /// The result, or the error.
    pub fn result(&self) -> Result<&T, &DeskError> {
        self.result.as_ref()
    }

    /// The result.
    ///
    /// # Panics
    /// When the workflow failed.
    #[track_caller]
    pub fn output(&self) -> &T {
        match &self.result {
            Ok(out) => out,
            Err(e) => panic!("expected the workflow to succeed, it failed: {e} ({e:?})"),
        }
    }

    /// The commit written, if any.
    pub fn commit(&self) -> Option<&Commit> {
        self.commit.as_ref()
    }

    /// The commits the world refused before the workflow planned again (a
    /// once key recorded before), in order.
    pub fn refused(&self) -> &[Commit] {
        &self.refused
    }

    /// The reads the workflow made, in order.
    pub fn reads(&self) -> &[Read] {
        &self.reads
    }

    /// Every event of the commit, ticket by ticket in the commit's order.
    pub fn events(&self) -> Vec<&Event> {
        self.commit
            .iter()
            .flat_map(|c| &c.tickets)
            .flat_map(|w| &w.events)
            .collect()
    }

    /// The events of the commit for one ticket.
    pub fn events_of(&self, ticket: TicketId) -> Vec<&Event> {
        self.events()
            .into_iter()
            .filter(|e| e.ticket == ticket)
            .collect()
    }

    /// The notifications of the commit, in order.
    pub fn notifications(&self) -> &[Notification] {
        self.commit
            .as_ref()
            .map_or(&[][..], |c| &c.notifications[..])
    }

    /// The customer records the commit writes.
    pub fn customers_written(&self) -> Vec<&Customer> {
        self.commit
            .iter()
            .flat_map(|c| &c.customers)
            .map(|w| &w.customer)
            .collect()
    }

    /// A ticket after the commit (its state in the world when the commit
    /// does not write it).
    pub fn ticket(&self, id: TicketId) -> Option<Ticket> {
        self.commit
            .iter()
            .flat_map(|c| &c.tickets)
            .find(|w| w.ticket.id() == id)
            .map(|w| w.ticket.clone())
            .or_else(|| {
                self.before
                    .world_ticket(self.tenant, id)
                    .map(|w| w.ticket.clone())
            })
    }

    /// A ticket's whole history after the commit (`None` when the ticket is
    /// unknown, or was given as a state without history), e.g. to give it
    /// to another scenario.
    pub fn history(&self, id: TicketId) -> Option<Vec<Event>> {
        let write = self
            .commit
            .iter()
            .flat_map(|c| &c.tickets)
            .find(|w| w.ticket.id() == id);
        let mut history = match write.map(|w| w.expected) {
            Some(ExpectedVersion::New) => Vec::new(),
            _ => self.before.world_ticket(self.tenant, id)?.history.clone()?,
        };
        if let Some(w) = write {
            history.extend(w.events.iter().cloned());
        }
        Some(history)
    }

    /// The scenario again, its world after the commit (the same planner,
    /// instant and tenant): to run the next workflow on what this one
    /// wrote, e.g. a redelivery, or a second tick.
    pub fn afterwards(self) -> Scenario {
        let commit = self.commit;
        self.before.applying(commit.as_ref())
    }

    /// Asserts the workflow failed with an error matching `pred`.
    ///
    /// # Panics
    /// When it succeeded, or the error does not match.
    #[track_caller]
    pub fn then_error(self, pred: impl FnOnce(&DeskError) -> bool) -> Self {
        match &self.result {
            Ok(out) => panic!(
                "expected the workflow to fail, it succeeded with events {:?}: {out:?}",
                names(&self.events())
            ),
            Err(e) => assert!(pred(e), "the error did not match: {e} ({e:?})"),
        }
        self
    }

    /// Asserts the workflow succeeded and wrote nothing.
    ///
    /// # Panics
    /// When it failed, or planned a commit.
    #[track_caller]
    pub fn then_no_commit(self) -> Self {
        self.output();
        if let Some(c) = &self.commit {
            panic!("expected no commit, got {c:?}");
        }
        self
    }

    /// Asserts the workflow succeeded and wrote a commit.
    ///
    /// # Panics
    /// When it failed, or wrote nothing.
    #[track_caller]
    pub fn then_commits(self) -> Self {
        self.output();
        assert!(
            self.commit.is_some(),
            "expected a commit, nothing was written"
        );
        self
    }

    /// Asserts every event of the commit, by
    /// [`EventKind::name`], in order (ticket by ticket).
    ///
    /// # Panics
    /// When the workflow failed, or the events differ.
    #[track_caller]
    pub fn then_events(self, names_wanted: &[&str]) -> Self {
        self.output();
        assert_eq!(names(&self.events()), names_wanted, "events differ");
        self
    }

    /// Asserts the events of the commit for one ticket, by name, in order.
    ///
    /// # Panics
    /// When the workflow failed, or the events differ.
    #[track_caller]
    pub fn then_events_of(self, ticket: TicketId, names_wanted: &[&str]) -> Self {
        self.output();
        assert_eq!(
            names(&self.events_of(ticket)),
            names_wanted,
            "events of ticket {ticket} differ"
        );
        self
    }

    /// Asserts the notification kinds of the commit, in order.
    ///
    /// # Panics
    /// When the workflow failed, or the kinds differ.
    #[track_caller]
    pub fn then_notifies(self, kinds: &[NotificationKind]) -> Self {
        self.output();
        let got: Vec<NotificationKind> = self.notifications().iter().map(|n| n.kind).collect();
        assert_eq!(got, kinds, "notifications differ");
        self
    }

    /// Asserts the notifications of the commit, by kind and recipient, in
    /// order.
    ///
    /// # Panics
    /// When the workflow failed, or the notifications differ.
    #[track_caller]
    pub fn then_notifies_to(self, wanted: &[(NotificationKind, Recipient)]) -> Self {
        self.output();
        let got: Vec<(NotificationKind, Recipient)> = self
            .notifications()
            .iter()
            .map(|n| (n.kind, n.recipient.clone()))
            .collect();
        assert_eq!(got, wanted, "notifications differ");
        self
    }

    /// Asserts the commit creates a customer owning `identity` (a write
    /// expecting a new record).
    ///
    /// # Panics
    /// When the workflow failed, or no such customer is created.
    #[track_caller]
    pub fn then_new_customer(self, identity: &Identity) -> Self {
        self.output();
        let created = self
            .commit
            .iter()
            .flat_map(|c| &c.customers)
            .any(|w| w.expected == ExpectedVersion::New && w.customer.has_identity(identity));
        assert!(
            created,
            "expected a new customer with {identity}, the commit writes customers {:?}",
            self.customers_written()
        );
        self
    }

    /// Asserts the commit writes no customer record.
    ///
    /// # Panics
    /// When the workflow failed, or a customer is written.
    #[track_caller]
    pub fn then_no_customer_written(self) -> Self {
        self.output();
        let written = self.customers_written();
        assert!(
            written.is_empty(),
            "expected no customer written, got {written:?}"
        );
        self
    }

    /// Asserts the external ids of the inbound records of the commit, in
    /// order.
    ///
    /// # Panics
    /// When the workflow failed, or the records differ.
    #[track_caller]
    pub fn then_inbound(self, external_ids: &[&str]) -> Self {
        self.output();
        let got: Vec<&str> = self
            .commit
            .iter()
            .flat_map(|c| &c.inbound)
            .map(|r| r.key.external_id.as_str())
            .collect();
        assert_eq!(got, external_ids, "inbound records differ");
        self
    }

    /// Asserts the commit's due-index update of a ticket: its next SLA
    /// wake-up `at` (`None`: off the index).
    ///
    /// # Panics
    /// When the workflow failed, or the commit has no such update.
    #[track_caller]
    pub fn then_due(self, ticket: TicketId, at: Option<DateTime<Utc>>) -> Self {
        self.output();
        let got: Vec<Option<DateTime<Utc>>> = self
            .commit
            .iter()
            .flat_map(|c| &c.due)
            .filter(|d| d.ticket == ticket)
            .map(|d| d.at)
            .collect();
        assert_eq!(got, [at], "due-index updates of ticket {ticket}");
        self
    }

    /// Asserts the commit puts a ticket on the due index (a wake-up time,
    /// whatever it is).
    ///
    /// # Panics
    /// When the workflow failed, or the commit sets no wake-up for it.
    #[track_caller]
    pub fn then_due_set(self, ticket: TicketId) -> Self {
        self.output();
        let set = self
            .commit
            .iter()
            .flat_map(|c| &c.due)
            .any(|d| d.ticket == ticket && d.at.is_some());
        assert!(
            set,
            "expected a due time for ticket {ticket}, the due-index updates are {:?}",
            self.commit.as_ref().map(|c| &c.due)
        );
        self
    }
}

impl ThenPlan<Receipt> {
    /// Asserts the message opened a new ticket.
    ///
    /// # Panics
    /// When the workflow failed, or no ticket was opened.
    #[track_caller]
    pub fn then_opens(self) -> Self {
        let r = self.output();
        assert!(r.opened && !r.duplicate, "expected a new ticket, got {r:?}");
        self
    }

    /// Asserts the message continued `ticket` (no new ticket, not a
    /// duplicate).
    ///
    /// # Panics
    /// When the workflow failed, or the message went elsewhere.
    #[track_caller]
    pub fn then_continues(self, ticket: TicketId) -> Self {
        let r = self.output();
        assert!(
            r.ticket == ticket && !r.opened && !r.duplicate,
            "expected the message on ticket {ticket}, got {r:?}"
        );
        self
    }

    /// Asserts the message opened a follow-up of `ticket`.
    ///
    /// # Panics
    /// When the workflow failed, or no follow-up of it was opened.
    #[track_caller]
    pub fn then_follows_up(self, ticket: TicketId) -> Self {
        let r = self.output();
        let follow_up = self
            .events_of(r.ticket)
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Opened(o) if o.follow_up_of == Some(ticket)));
        assert!(
            r.opened && follow_up,
            "expected a follow-up of ticket {ticket}, got {r:?} with events {:?}",
            names(&self.events())
        );
        self
    }

    /// Asserts the message was received before: a duplicate, nothing
    /// written.
    ///
    /// # Panics
    /// When the workflow failed, the message is new, or something was
    /// written.
    #[track_caller]
    pub fn then_duplicate(self) -> Self {
        let r = self.output();
        assert!(r.duplicate, "expected a duplicate, got {r:?}");
        assert!(
            self.commit.is_none(),
            "a duplicate writes nothing, got {:?}",
            self.commit
        );
        self
    }

    /// Asserts the customer the message was matched to.
    ///
    /// # Panics
    /// When the workflow failed, or it is another customer.
    #[track_caller]
    pub fn then_customer(self, customer: CustomerId) -> Self {
        let r = self.output();
        assert_eq!(r.customer, customer, "the receipt's customer");
        self
    }

    /// Asserts the message is a participant's: from a customer who is not
    /// the ticket's requester.
    ///
    /// # Panics
    /// When the workflow failed, or the sender is the requester.
    #[track_caller]
    pub fn then_participant(self) -> Self {
        let r = self.output();
        let requester = self.ticket(r.ticket).map(|t| t.customer());
        assert!(
            requester.is_some_and(|c| c != r.customer),
            "expected a participant's message, the requester is {requester:?} and the sender {}",
            r.customer
        );
        self
    }

    /// Asserts the auto-tags: the receipt explains exactly these tags
    /// (sorted, as [`AutoTags::tags`](crate::taxonomy::AutoTags::tags)),
    /// each with at least one rule, and the commit adds them to the
    /// message's ticket in one `tags_added` event after the message. With
    /// no tags: nothing was auto-tagged.
    ///
    /// # Panics
    /// When the workflow failed, or the tags, explanations or event differ.
    #[track_caller]
    pub fn then_tags(self, tags: &[&str]) -> Self {
        let r = self.output();
        let got: Vec<&str> = r.auto_tags.tags.iter().map(|t| t.as_str()).collect();
        assert_eq!(got, tags, "auto-tags of the receipt");
        for tag in &r.auto_tags.tags {
            assert!(
                r.auto_tags.explanations.iter().any(|e| e.tag == *tag),
                "auto-tag {tag} is not explained: {:?}",
                r.auto_tags.explanations
            );
        }
        if tags.is_empty() {
            return self;
        }
        let events = self.events_of(r.ticket);
        let message = events.iter().position(|e| {
            matches!(&e.kind, EventKind::CustomerReplied { message } if message.id == r.message)
        });
        let added = events.iter().position(
            |e| matches!(&e.kind, EventKind::TagsAdded { tags } if tags[..] == r.auto_tags.tags[..]),
        );
        assert!(
            matches!((message, added), (Some(m), Some(a)) if a > m),
            "expected a tags_added event of {tags:?} after the message, got {:?}",
            events.iter().map(|e| &e.kind).collect::<Vec<_>>()
        );
        self
    }
}

impl ThenPlan<Outcome> {
    /// Asserts the status of the ticket the outcome is about.
    ///
    /// # Panics
    /// When the workflow failed, or the status differs.
    #[track_caller]
    pub fn then_status(self, status: Status) -> Self {
        let o = self.output();
        assert_eq!(o.ticket.status(), status, "status after the workflow");
        self
    }

    /// Asserts the rules that fired (triggers, automations and macros, by
    /// id), in the order of their
    /// [`RuleFired`](crate::ticket::EventKind::RuleFired) events in the
    /// commit (none: no rule fired). See
    /// [`Scenario::when_macro_applied`] for an example.
    ///
    /// # Panics
    /// When the workflow failed, or the rules differ.
    #[track_caller]
    pub fn then_fired(self, rules: &[&str]) -> Self {
        self.output();
        let got: Vec<&str> = self
            .events()
            .into_iter()
            .filter_map(|e| match &e.kind {
                EventKind::RuleFired { firing } => Some(firing.rule.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(got, rules, "rules fired");
        self
    }

    /// Asserts the SLA alerts raised, by metric and point, in order (none:
    /// nothing raised).
    ///
    /// # Panics
    /// When the workflow failed, or the alerts differ.
    #[track_caller]
    pub fn then_alerts(self, alerts: &[(&str, AlertPoint)]) -> Self {
        self.output();
        let got: Vec<(&str, AlertPoint)> = self
            .events()
            .into_iter()
            .filter_map(|e| match &e.kind {
                EventKind::SlaAlerted { alert } => {
                    Some((alert.key.metric.as_str(), alert.key.point))
                }
                _ => None,
            })
            .collect();
        assert_eq!(got, alerts, "SLA alerts raised");
        self
    }
}

impl ThenPlan<SpikeCheck> {
    /// Asserts the tags of the spikes found, in the check's order.
    ///
    /// # Panics
    /// When the workflow failed, or the spikes differ.
    #[track_caller]
    pub fn then_spikes(self, tags: &[&str]) -> Self {
        let got: Vec<&str> = self
            .output()
            .spikes
            .iter()
            .map(|s| s.tag.as_str())
            .collect();
        assert_eq!(got, tags, "spikes found");
        self
    }
}
