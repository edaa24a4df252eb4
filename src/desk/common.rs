//! What the synchronous and the asynchronous desk share besides the
//! planner: their configuration methods and the small pure steps around
//! reads and deliveries.

use super::{Delivery, DeskError};
use crate::id::{CustomerId, TicketId};
use crate::model::notification::Notification;
use crate::port::{NotifyError, StoreError};
use crate::ticket::{CustomerTicketView, Event, Ticket};

/// The configuration methods of a desk type with the fields `planner`,
/// `retry`, `store`, `notifier` and `clock`.
macro_rules! configuration {
    () => {
        /// Turns on SLAs: new tickets get the first matching policy applied
        /// (recorded on them), every write keeps the due index current, and
        /// `sweep` / `tick` raise warnings and breaches. See
        /// [`Planner::with_sla`]($crate::plan::Planner::with_sla).
        ///
        /// # Errors
        /// The first [`SlaError`]($crate::sla::SlaError) of
        /// [`PolicySet::validate`]($crate::sla::PolicySet::validate).
        pub fn with_sla(
            mut self,
            policies: $crate::sla::PolicySet,
            calendars: $crate::sla::Calendars,
        ) -> Result<Self, $crate::sla::SlaError> {
            self.planner = self.planner.with_sla(policies, calendars)?;
            Ok(self)
        }

        /// The SLA configuration, if any.
        pub fn sla(&self) -> Option<&$crate::SlaSetup> {
            self.planner.sla()
        }

        /// Uses another id generator (deterministic ids in tests).
        pub fn with_ids(mut self, ids: impl $crate::id::IdGenerator + 'static) -> Self {
            self.planner = self.planner.with_ids(ids);
            self
        }

        /// Uses other lifecycle rules.
        pub fn with_rules(mut self, rules: $crate::ticket::LifecycleRules) -> Self {
            self.planner = self.planner.with_rules(rules);
            self
        }

        /// The lifecycle rules.
        pub fn rules(&self) -> &$crate::ticket::LifecycleRules {
            self.planner.rules()
        }

        /// Uses another retry policy.
        pub fn with_retry(mut self, retry: $crate::RetryPolicy) -> Self {
            self.retry = retry;
            self
        }

        /// The retry policy.
        pub fn retry_policy(&self) -> &$crate::RetryPolicy {
            &self.retry
        }

        /// Sets what `receive` does with a message naming a ticket from an
        /// identity its requester does not own (default
        /// [`ForeignSender::Participant`]($crate::ForeignSender::Participant)).
        pub fn with_foreign_sender(mut self, policy: $crate::ForeignSender) -> Self {
            self.planner = self.planner.with_foreign_sender(policy);
            self
        }

        /// The policy for messages naming a ticket from an identity its
        /// requester does not own.
        pub fn foreign_sender(&self) -> $crate::ForeignSender {
            self.planner.foreign_sender()
        }

        /// Enforces a tag taxonomy: tagging commands reject unknown tags and
        /// broken cardinality, and solving needs the required tags
        /// ([`DomainError::Taxonomy`]($crate::ticket::DomainError::Taxonomy)).
        pub fn with_taxonomy(mut self, taxonomy: $crate::Taxonomy) -> Self {
            self.planner = self.planner.with_taxonomy(taxonomy);
            self
        }

        /// The taxonomy enforced, if any.
        pub fn taxonomy(&self) -> Option<&$crate::Taxonomy> {
            self.planner.taxonomy()
        }

        /// Auto-tags inbound messages: the tags the tagger's rules add are
        /// stored as a `TagsAdded` event in the same commit as the message,
        /// and the receipt's `auto_tags` explains them. See
        /// [`Planner::with_auto_tagger`]($crate::plan::Planner::with_auto_tagger).
        pub fn with_auto_tagger(mut self, tagger: $crate::AutoTagger) -> Self {
            self.planner = self.planner.with_auto_tagger(tagger);
            self
        }

        /// The auto-tagger, if any.
        pub fn auto_tagger(&self) -> Option<&$crate::AutoTagger> {
            self.planner.auto_tagger()
        }

        /// Configures spike alerts for `check_spikes`.
        pub fn with_spike_alerts(mut self, alerts: $crate::SpikeAlerts) -> Self {
            self.planner = self.planner.with_spike_alerts(alerts);
            self
        }

        /// Uses a whole [`Planner`]($crate::plan::Planner) (ids, rules, SLA,
        /// taxonomy, auto-tagger, spike alerts, foreign-sender policy), e.g.
        /// one shared by a synchronous and an asynchronous desk.
        pub fn with_planner(mut self, planner: $crate::plan::Planner) -> Self {
            self.planner = planner;
            self
        }

        /// The planner: everything the desk decides with.
        pub fn planner(&self) -> &$crate::plan::Planner {
            &self.planner
        }

        /// The store.
        pub fn store(&self) -> &S {
            &self.store
        }

        /// The notifier.
        pub fn notifier(&self) -> &N {
            &self.notifier
        }

        /// The clock.
        pub fn clock(&self) -> &C {
            &self.clock
        }
    };
}
pub(super) use configuration;

/// A ticket's history, or "not found" when it has none.
pub(super) fn found_history(id: TicketId, events: Vec<Event>) -> Result<Vec<Event>, DeskError> {
    if events.is_empty() {
        return Err(DeskError::TicketNotFound { ticket: id });
    }
    Ok(events)
}

/// What `customer` may see of a ticket: "not found" unless they are its
/// requester.
pub(super) fn view_for(
    ticket: &Ticket,
    customer: CustomerId,
) -> Result<CustomerTicketView, DeskError> {
    CustomerTicketView::for_customer(ticket, customer).ok_or(DeskError::TicketNotFound {
        ticket: ticket.id(),
    })
}

/// The delivery of one notification, from what the notifier said and what
/// recording that in the outbox gave (marked delivered, or the failure
/// recorded).
pub(super) fn delivery_of(
    n: &Notification,
    sent: Result<(), NotifyError>,
    recorded: Result<(), StoreError>,
) -> Delivery {
    let mut d = Delivery::default();
    match (sent, recorded) {
        (Ok(()), Ok(())) => d.delivered.push(n.id),
        (Ok(()), Err(e)) => d.pending.push((
            n.id,
            format!("sent, but not marked delivered (it may be sent again): {e}"),
        )),
        (Err(e), Ok(())) => d.pending.push((n.id, e.to_string())),
        (Err(e), Err(se)) => d
            .pending
            .push((n.id, format!("{e}; recording the failure failed too: {se}"))),
    }
    d
}
