//! The desk's taxonomy side: enforcing a taxonomy, auto-tagging inbound
//! messages, and spike alerts.

use std::sync::Arc;

use chrono::{Days, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{Delivery, Desk, DeskError, Inbound};
use crate::id::{TenantId, TicketId};
use crate::notification::Recipient;
use crate::port::{
    Clock, Commit, Notifier, OnceKey, StoreError, TicketOrder, TicketQuery, TicketStore,
};
use crate::taxonomy::{
    AutoTagger, AutoTags, Input, MAX_BASELINE_PERIODS, Spike, SpikeConfig, Taxonomy, detect_spikes,
    spike_notifications,
};
use crate::ticket::{AuthorRole, Context, Decision, Event, EventKind, Ticket};

/// Spike alerts for a [`Desk`]: how to find spikes and whom to tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeAlerts {
    /// How spikes are found.
    pub config: SpikeConfig,
    /// Who is told (the team, a group or an agent; never a customer).
    pub recipient: Recipient,
    /// The most tickets [`Desk::check_spikes`] reads.
    pub max_tickets: usize,
}

impl SpikeAlerts {
    /// Alerts to `recipient` with `config`, reading at most 200,000
    /// tickets.
    pub fn new(config: SpikeConfig, recipient: Recipient) -> Self {
        SpikeAlerts {
            config,
            recipient,
            max_tickets: 200_000,
        }
    }
}

/// The result of [`Desk::check_spikes`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpikeCheck {
    /// The spikes found, bad news first.
    pub spikes: Vec<Spike>,
    /// How many tickets were read.
    pub tickets_read: usize,
    /// Delivery of the notices this call queued (spikes notified before
    /// are not notified again).
    pub delivery: Delivery,
}

impl<S: TicketStore, N: Notifier, C: Clock> Desk<S, N, C> {
    /// Enforces a tag taxonomy: tagging commands reject unknown tags and
    /// broken cardinality, and solving needs the required tags
    /// ([`DomainError::Taxonomy`](crate::ticket::DomainError::Taxonomy)).
    pub fn with_taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = Some(Arc::new(taxonomy));
        self
    }

    /// Auto-tags inbound messages: the tags the tagger's rules add are
    /// stored as a `TagsAdded` event in the same commit as the message, and
    /// [`Receipt::auto_tags`](crate::Receipt::auto_tags) explains them.
    /// Rules see the message body, the channel, the customer role and the
    /// ticket's tags before the message. Build the tagger from the same
    /// taxonomy as [`Desk::with_taxonomy`]: the tagger keeps its own
    /// taxonomy's groups when it skips conflicting tags. The tagger's work
    /// per message is bounded (linear in the body, plus a fixed budget for
    /// explanations; see [`AutoTagger`]'s "Work per message"), so a long
    /// body and many rules cannot stall [`Desk::receive`]; spans the bound
    /// leaves out are reported by
    /// [`AutoTags::spans_truncated`](crate::taxonomy::AutoTags::spans_truncated).
    ///
    /// # Example
    /// ```
    /// use supportdesk::{AutoTagger, Channel, Desk, InMemoryStore, Inbound, Tag, Taxonomy};
    /// use supportdesk::customer::Identity;
    /// use supportdesk::id::TenantId;
    /// use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
    ///
    /// let tax: Taxonomy = serde_json::from_str(r#"{
    ///   "tags": [{"tag": "payment/declined", "kind": "what", "polarity": "bad"}],
    ///   "rules": [{"name": "declined", "pattern": "declined|拒绝", "add": ["payment/declined"]}]
    /// }"#)?;
    /// let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?)
    ///     .with_ids(SequentialIds::new())
    ///     .with_auto_tagger(AutoTagger::new(&tax)?)
    ///     .with_taxonomy(tax);
    /// let shop = TenantId::from_u128(1);
    /// let r = desk.receive(shop, Inbound::new(Identity::email("li@example.com")?, Channel::Email, "我的卡被拒绝了"))?;
    /// assert!(desk.ticket(shop, r.ticket)?.has_tag(&Tag::new("payment/declined")?));
    /// assert_eq!(r.auto_tags.explanations[0].spans[0].text, "拒绝");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_auto_tagger(mut self, tagger: AutoTagger) -> Self {
        self.auto_tagger = Some(Arc::new(tagger));
        self
    }

    /// Configures spike alerts for [`Desk::check_spikes`].
    pub fn with_spike_alerts(mut self, alerts: SpikeAlerts) -> Self {
        self.spike_alerts = Some(alerts);
        self
    }

    /// The taxonomy enforced, if any.
    pub fn taxonomy(&self) -> Option<&Taxonomy> {
        self.taxonomy.as_deref()
    }

    /// The auto-tagger, if any.
    pub fn auto_tagger(&self) -> Option<&AutoTagger> {
        self.auto_tagger.as_deref()
    }

    /// Appends the auto-tags of an inbound message to a decision.
    pub(super) fn auto_tag(
        &self,
        decision: &mut Decision,
        loaded: &[&Ticket],
        ticket: TicketId,
        inbound: &Inbound,
        ctx: &Context<'_>,
    ) -> AutoTags {
        let Some(tagger) = &self.auto_tagger else {
            return AutoTags::default();
        };
        let state = match loaded.iter().find(|t| t.id() == ticket) {
            Some(t) => {
                let mut s = (*t).clone();
                for e in decision.events_of(ticket) {
                    s.apply(e);
                }
                Some(s)
            }
            None => Ticket::from_events(decision.events_of(ticket)),
        };
        let Some(state) = state else {
            return AutoTags::default();
        };
        let input = Input::new(&inbound.body, inbound.channel)
            .role(AuthorRole::Customer)
            .tags(state.tags());
        let out = tagger.tag(&input);
        if !out.tags.is_empty() {
            decision.events.push(Event {
                tenant: state.tenant(),
                ticket,
                sequence: state.version().saturating_add(1),
                at: ctx.now,
                kind: EventKind::TagsAdded {
                    tags: out.tags.clone(),
                },
            });
        }
        out
    }

    /// Finds the tag spikes of the current period (see
    /// [`detect_spikes`]) over the tenant's tickets opened in it and its
    /// baseline, and notifies the configured recipient through
    /// [`notify_spikes`](Self::notify_spikes). Without
    /// [`Desk::with_spike_alerts`] it finds nothing. Call it on a timer
    /// (e.g. hourly): each spike (per tag, period and direction) is notified
    /// once, however often it is checked, also across restarts and by
    /// concurrent callers on the same store.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the tickets cannot be read or the outbox
    /// written.
    pub fn check_spikes(&self, tenant: TenantId) -> Result<SpikeCheck, DeskError> {
        let Some(alerts) = &self.spike_alerts else {
            return Ok(SpikeCheck::default());
        };
        let now = self.clock.now();
        let cfg = &alerts.config;
        let start = cfg.period.start_of(now, cfg.time_zone);
        let first = cfg
            .period
            .back(start, cfg.baseline_periods.clamp(1, MAX_BASELINE_PERIODS))
            .unwrap_or(start);
        // A day of slack covers every UTC offset.
        let from = first
            .checked_sub_days(Days::new(1))
            .unwrap_or(first)
            .and_time(NaiveTime::MIN)
            .and_utc();
        let mut query = TicketQuery::new()
            .order(TicketOrder::CreatedAsc)
            .limit(TicketQuery::MAX_LIMIT);
        query.updated_from = Some(from);
        let mut tickets = Vec::new();
        loop {
            let page = self.store.query(tenant, &query)?;
            tickets.extend(
                page.items
                    .into_iter()
                    .filter(|t| t.created_at() >= from && t.created_at() <= now),
            );
            match page.next {
                Some(c) if tickets.len() < alerts.max_tickets => query.after = Some(c),
                _ => break,
            }
        }
        tickets.truncate(alerts.max_tickets);
        let spikes = detect_spikes(&tickets, self.taxonomy(), now, cfg);
        let delivery = self.notify_spikes(tenant, &spikes, &alerts.recipient)?;
        Ok(SpikeCheck {
            spikes,
            tickets_read: tickets.len(),
            delivery,
        })
    }

    /// Puts the notice of each spike for `recipient` in the outbox and sends
    /// it (see [`spike_notifications`]), exactly once per notice: each
    /// notice is committed together with its [`OnceKey::notice`], so a notice
    /// queued before (by an earlier call, a concurrent one, another desk on
    /// the same store, before a restart) is neither queued nor sent again.
    /// A notice the notifier does not take stays in the outbox, and
    /// [`Desk::dispatch_outbox`] sends it later. A customer recipient gets
    /// nothing.
    ///
    /// The [`Delivery`] covers the notices this call queued.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the outbox cannot be written; then none of
    /// the notices was queued.
    pub fn notify_spikes(
        &self,
        tenant: TenantId,
        spikes: &[Spike],
        recipient: &Recipient,
    ) -> Result<Delivery, DeskError> {
        let mut notifications = spike_notifications(tenant, spikes, self.clock.now(), recipient);
        // Each round either commits or drops a notice queued before, so
        // there are at most as many rounds as notices, plus one.
        while !notifications.is_empty() {
            let mut commit = Commit::new(tenant);
            commit.once = notifications
                .iter()
                .map(|n| OnceKey::notice(n.id))
                .collect();
            commit.notifications = notifications;
            match self.store.commit(&commit) {
                Ok(()) => return Ok(self.dispatch(&commit.notifications)),
                Err(StoreError::AlreadyDone { key }) => {
                    let before = commit.notifications.len();
                    notifications = commit.notifications;
                    notifications.retain(|n| OnceKey::notice(n.id) != key);
                    if notifications.len() == before {
                        // A store that names a key the commit did not
                        // carry: do not loop on it.
                        return Err(DeskError::Store(StoreError::AlreadyDone { key }));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Delivery::default())
    }
}
