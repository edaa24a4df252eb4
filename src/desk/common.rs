//! What the synchronous and the asynchronous desk share besides the
//! planner: their configuration methods and the small pure steps around
//! reads and deliveries.

use chrono::{DateTime, Utc};

use super::{Delivery, DeskError};
use crate::id::{CustomerId, TicketId};
use crate::model::notification::Notification;
use crate::port::{NotifyError, StoreError};
use crate::ticket::{CustomerTicketView, Event, Ticket};

/// How long a desk holds the outbox entries it commits and claims, unless
/// configured ([`Desk::with_outbox_lease`](crate::Desk::with_outbox_lease)).
pub(super) const DEFAULT_OUTBOX_LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// What a command's delivery says when its notifications are left to the
/// outbox ([`Dispatch::Outbox`](crate::Dispatch::Outbox)): all pending.
pub(super) fn left_to_outbox(notifications: &[Notification]) -> Delivery {
    Delivery {
        delivered: Vec::new(),
        pending: notifications
            .iter()
            .map(|n| (n.id, "left to the outbox (Dispatch::Outbox)".to_owned()))
            .collect(),
    }
}

/// The default worker name of a new desk: `desk-` and a UUID drawn from the
/// generator of `planner` (a new desk's: random ids).
pub(super) fn default_worker(planner: &crate::plan::Planner) -> String {
    format!("desk-{}", planner.ids().next_uuid())
}

/// When a lease taken at `now` for `lease` ends: `now` itself (no hold)
/// for a zero or negative duration, or one that overflows.
pub(super) fn lease_until(now: DateTime<Utc>, lease: chrono::Duration) -> DateTime<Utc> {
    if lease > chrono::Duration::zero() {
        now.checked_add_signed(lease).unwrap_or(now)
    } else {
        now
    }
}

/// The delivery time before which `prune_delivered` deletes: `now -
/// older_than`.
pub(super) fn prune_cutoff(
    now: DateTime<Utc>,
    older_than: chrono::Duration,
) -> Result<DateTime<Utc>, DeskError> {
    if older_than < chrono::Duration::zero() {
        return Err(DeskError::InvalidRetention { older_than, now });
    }
    now.checked_sub_signed(older_than)
        .ok_or(DeskError::InvalidRetention { older_than, now })
}

/// The configuration methods of a desk type with the fields `planner`,
/// `retry`, `store`, `notifier`, `clock`, `worker` and `outbox_lease`.
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

        /// Runs a rule book: triggers on every update, automations through
        /// the due index (`sweep`), macros (`apply_macro`). Configure SLAs
        /// and the taxonomy first: the book is checked against them. See
        /// [`Planner::with_rule_book`]($crate::plan::Planner::with_rule_book).
        ///
        /// # Errors
        /// [`RuleError`]($crate::rules::RuleError) naming the rule and value.
        pub fn with_rule_book(
            mut self,
            book: $crate::rules::RuleBook,
            templates: $crate::template::TemplateSet,
        ) -> Result<Self, $crate::rules::RuleError> {
            self.planner = self.planner.with_rule_book(book, templates)?;
            Ok(self)
        }

        /// Checks agents' replies for quality: advice in
        /// [`Outcome::quality`]($crate::Outcome::quality), or a refusal
        /// below a floor. See [`ReplyQuality`]($crate::ReplyQuality).
        pub fn with_reply_quality(mut self, quality: $crate::ReplyQuality) -> Self {
            self.planner = self.planner.with_reply_quality(quality);
            self
        }

        /// Uses another id generator (deterministic ids in tests). It does
        /// not rename the desk's [`worker`](Self::worker) (drawn when the
        /// desk was made): give a deterministic name with
        /// [`with_worker`](Self::with_worker).
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

        /// Names the worker the desk takes outbox leases under (see
        /// [`OutboxLease`]($crate::port::OutboxLease)): a name unique among
        /// the desks and dispatchers sharing the store, e.g. the host and
        /// process. Two desks with the same name hold each other's leases.
        ///
        /// The default is `desk-` and a UUID drawn at construction from the
        /// id generator a new desk has (random ids), so every desk has its
        /// own; it is not drawn from a generator given later with
        /// [`with_ids`](Self::with_ids), which would shift every id that
        /// generator hands out. Hosts and tests that need a deterministic
        /// name set it here.
        pub fn with_worker(mut self, name: impl Into<String>) -> Self {
            self.worker = name.into();
            self
        }

        /// The name the desk takes outbox leases under.
        pub fn worker(&self) -> &str {
            &self.worker
        }

        /// Sets how long the desk holds outbox entries: the notifications
        /// of every commit it makes (so it delivers them itself right after
        /// the commit, and no dispatcher sends them meanwhile), and those
        /// [`dispatch_outbox`](Self::dispatch_outbox) claims. Another
        /// worker takes them once the lease ends, so a desk that died
        /// mid-lease loses nothing. Make it longer than a delivery batch
        /// takes, short enough that a crash delays little. Default 60
        /// seconds; zero or negative holds nothing (any dispatcher may take
        /// the entries at once).
        pub fn with_outbox_lease(mut self, lease: chrono::Duration) -> Self {
            self.outbox_lease = lease;
            self
        }

        /// Sets when the desk sends the notifications its commands queue
        /// (default [`Dispatch::AfterCommit`]($crate::Dispatch::AfterCommit);
        /// [`Dispatch::Outbox`]($crate::Dispatch::Outbox) inside a host's
        /// transaction).
        pub fn with_dispatch(mut self, dispatch: $crate::Dispatch) -> Self {
            self.dispatch = dispatch;
            self
        }

        /// When the desk sends the notifications its commands queue.
        pub fn dispatch(&self) -> $crate::Dispatch {
            self.dispatch
        }

        /// How long the desk holds the outbox entries it commits and
        /// claims.
        pub fn outbox_lease(&self) -> chrono::Duration {
            self.outbox_lease
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

/// Whether a tick's outcome fired an automation (it counts against the
/// sweep's automation budget).
pub(crate) fn fired_automation(outcome: &crate::Outcome) -> bool {
    outcome.events.iter().any(|e| {
        matches!(&e.kind, crate::ticket::EventKind::RuleFired { firing }
            if firing.kind == crate::model::RuleKind::Automation)
    })
}

/// The sweep's automation budget: tickets that may get automation firings.
pub(crate) fn automation_budget(planner: &crate::plan::Planner) -> usize {
    planner.rule_engine().map_or(usize::MAX, |e| {
        usize::try_from(e.book().budget.max_automation_tickets_per_sweep).unwrap_or(usize::MAX)
    })
}
