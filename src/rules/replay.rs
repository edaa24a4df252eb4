//! What-if: replay stored histories under a proposed rule book and report
//! what would have fired, next to what did.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::engine::{Engine, Update};
use super::error::RuleError;
use crate::customer::Customer;
use crate::id::{CustomerId, IdGenerator, TicketId};
use crate::model::{RuleFiring, RuleKind};
use crate::ticket::{Context, Event, EventKind, Ticket, causes};

/// At most this many example tickets are kept per rule in a
/// [`ReplayReport`].
pub const REPLAY_EXAMPLES: usize = 5;

/// One rule's firings in a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleReplay {
    /// The rule's id.
    pub rule: String,
    /// Trigger, automation or macro.
    pub kind: RuleKind,
    /// Firings recorded in the histories (what the rules in force did).
    pub actual: usize,
    /// Firings under the proposed book.
    pub proposed: usize,
    /// Its first few firings under the proposed book: the ticket and the
    /// instant (for an automation, the instant it was due).
    pub examples: Vec<(TicketId, DateTime<Utc>)>,
    /// Firings refused under the proposed book (their actions were
    /// refused by the lifecycle or a template).
    pub refused: usize,
}

/// What a proposed rule book would have done over a set of histories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Histories replayed.
    pub tickets: usize,
    /// Updates the triggers were run on (human and channel changes, and
    /// the macros agents applied, kept as they were; the events triggers
    /// and automations caused in the histories are left out and replaced
    /// by what the proposed book does).
    pub updates: usize,
    /// Per rule, by kind then id: actual and proposed firings. Rules that
    /// fired in the histories but are not in the proposed book are listed
    /// with `proposed: 0`.
    pub rules: Vec<RuleReplay>,
    /// Tickets on which the proposed triggers did not settle.
    pub loops: Vec<(TicketId, RuleError)>,
}

impl ReplayReport {
    /// The entry of a rule, if it fired or would have.
    pub fn rule(&self, id: &str) -> Option<&RuleReplay> {
        self.rules.iter().find(|r| r.rule == id)
    }
}

/// Ids for replayed events: deterministic, never written anywhere.
#[derive(Debug, Default)]
struct ReplayIds(AtomicU64);

impl IdGenerator for ReplayIds {
    fn next_uuid(&self) -> Uuid {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        Uuid::from_u128((0x5e1a_u128 << 112) | u128::from(n))
    }
}

impl Engine {
    /// Replays `histories` under this engine's book, as if it had been in
    /// force: each history's updates (its events grouped by instant, the
    /// events rules caused left out) run through the triggers, and the
    /// automations fire at their instants between updates and up to
    /// `until`. What the book does is applied to the replayed ticket, so
    /// later updates see it. `customers` gives segment, name and language
    /// (tickets whose requester is missing run without one).
    ///
    /// Nothing is written: this is the what-if of a rule change, as
    /// [`sla::simulate`](crate::sla::simulate) is for SLA policies.
    ///
    /// ```
    /// use supportdesk::rules::{Engine, Env, RuleBook};
    /// use supportdesk::testing::TicketBuilder;
    ///
    /// let book = RuleBook::from_json(r#"{"triggers": [{
    ///     "id": "tag-refunds", "name": "Tag refunds",
    ///     "conditions": {"all": [{"field": "message", "op": "contains", "value": "refund"}]},
    ///     "actions": [{"action": "add_tags", "value": "billing/refund"}]
    /// }]}"#)?;
    /// let engine = Engine::new(book, Env::default())?;
    /// let history = TicketBuilder::new().body("I want a refund").events();
    /// let report = engine.replay([history.as_slice()], &[], "2026-03-09T00:00:00Z".parse()?);
    /// assert_eq!(report.rule("tag-refunds").map(|r| (r.actual, r.proposed)), Some((0, 1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay<'h>(
        &self,
        histories: impl IntoIterator<Item = &'h [Event]>,
        customers: &[Customer],
        until: DateTime<Utc>,
    ) -> ReplayReport {
        let by_id: HashMap<CustomerId, &Customer> = customers.iter().map(|c| (c.id, c)).collect();
        let ids = ReplayIds::default();
        let mut report = ReplayReport::default();
        let mut rules: BTreeMap<(u8, String), RuleReplay> = BTreeMap::new();
        for history in histories {
            report.tickets += 1;
            // What the rules in force did.
            for e in history {
                if let EventKind::RuleFired { firing } = &e.kind {
                    rules
                        .entry((key(firing.kind), firing.rule.clone()))
                        .or_insert_with(|| empty(&firing.rule, firing.kind))
                        .actual += 1;
                }
            }
            // The events people and channels caused, and the macros agents
            // applied (a macro is an agent's decision, replayed as it was);
            // what triggers and automations caused is left out.
            let is_macro = |f: &RuleFiring| f.kind == RuleKind::Macro;
            let human: Vec<&Event> = history
                .iter()
                .zip(causes(history))
                .filter(|(e, by)| match (&e.kind, by) {
                    (EventKind::RuleFired { firing }, _) => is_macro(firing),
                    (_, Some(f)) => is_macro(f),
                    (_, None) => true,
                })
                .map(|(e, _)| e)
                .collect();
            for e in &human {
                if let EventKind::RuleFired { firing } = &e.kind {
                    let r = rules
                        .entry((key(firing.kind), firing.rule.clone()))
                        .or_insert_with(|| empty(&firing.rule, firing.kind));
                    r.proposed += 1;
                    if r.examples.len() < REPLAY_EXAMPLES {
                        r.examples.push((e.ticket, e.at));
                    }
                }
            }
            let Some(first) = human.first() else {
                continue;
            };
            let customer = match &first.kind {
                EventKind::Opened(o) => by_id.get(&o.customer).copied(),
                _ => continue,
            };
            let mut state: Option<Ticket> = None;
            let mut replayed: Vec<Event> = Vec::new();
            let mut i = 0;
            let mut failed = false;
            while i < human.len() && !failed {
                let at = human[i].at;
                let mut j = i;
                while j < human.len() && human[j].at == at {
                    j += 1;
                }
                // Automations due before this update.
                if let Some(s) = state.as_mut() {
                    self.replay_automations(s, &mut replayed, customer, at, &ids, &mut rules);
                }
                let before = state.clone();
                let mut update = Vec::with_capacity(j - i);
                for e in &human[i..j] {
                    let mut e = (*e).clone();
                    e.sequence = state.as_ref().map_or(1, |s| s.version() + 1);
                    match state.as_mut() {
                        Some(s) => s.apply(&e),
                        None => state = Ticket::opened(&e),
                    }
                    update.push(e);
                }
                replayed.extend(update.iter().cloned());
                i = j;
                let Some(s) = state.as_mut() else {
                    break;
                };
                report.updates += 1;
                let ctx = Context::new(at, &ids);
                match self.triggers(
                    Update {
                        before: before.as_ref(),
                        ticket: s,
                        events: &update,
                        history: &replayed,
                        customer,
                    },
                    &ctx,
                ) {
                    Ok(eval) => {
                        record(&mut rules, &eval, s.id(), at);
                        for e in &eval.decision.events {
                            s.apply(e);
                        }
                        replayed.extend(eval.decision.events);
                    }
                    Err(e) => {
                        report.loops.push((s.id(), e));
                        failed = true;
                    }
                }
            }
            if let (Some(s), false) = (state.as_mut(), failed) {
                // Up to `until`.
                let mut guard = 0;
                while guard < 10_000 {
                    guard += 1;
                    let Ok(Some(due)) = self.next_due(s, &replayed, customer) else {
                        break;
                    };
                    if due > until {
                        break;
                    }
                    if !self.fire_due(s, &mut replayed, customer, due, &ids, &mut rules) {
                        break;
                    }
                }
            }
        }
        report.rules = rules.into_values().collect();
        report
    }

    /// Fires the automations due strictly before `next`.
    fn replay_automations(
        &self,
        s: &mut Ticket,
        replayed: &mut Vec<Event>,
        customer: Option<&Customer>,
        next: DateTime<Utc>,
        ids: &ReplayIds,
        rules: &mut BTreeMap<(u8, String), RuleReplay>,
    ) {
        let mut guard = 0;
        while guard < 10_000 {
            guard += 1;
            let Ok(Some(due)) = self.next_due(s, replayed, customer) else {
                return;
            };
            if due >= next {
                return;
            }
            if !self.fire_due(s, replayed, customer, due, ids, rules) {
                return;
            }
        }
    }

    /// Runs the automations at `due`, then the triggers on what they did.
    /// False when nothing changed (so the caller stops).
    fn fire_due(
        &self,
        s: &mut Ticket,
        replayed: &mut Vec<Event>,
        customer: Option<&Customer>,
        due: DateTime<Utc>,
        ids: &ReplayIds,
        rules: &mut BTreeMap<(u8, String), RuleReplay>,
    ) -> bool {
        let ctx = Context::new(due, ids);
        let Ok(eval) = self.automations(s, replayed, customer, &ctx) else {
            return false;
        };
        if eval.decision.events.is_empty() {
            return false;
        }
        record(rules, &eval, s.id(), due);
        let before = s.clone();
        for e in &eval.decision.events {
            s.apply(e);
        }
        replayed.extend(eval.decision.events.iter().cloned());
        if let Ok(t) = self.triggers(
            Update {
                before: Some(&before),
                ticket: s,
                events: &eval.decision.events,
                history: replayed,
                customer,
            },
            &ctx,
        ) {
            record(rules, &t, s.id(), due);
            for e in &t.decision.events {
                s.apply(e);
            }
            replayed.extend(t.decision.events);
        }
        true
    }
}

/// Orders a report's rules: triggers, automations, then macros.
fn key(kind: RuleKind) -> u8 {
    match kind {
        RuleKind::Trigger => 0,
        RuleKind::Automation => 1,
        _ => 2,
    }
}

fn empty(rule: &str, kind: RuleKind) -> RuleReplay {
    RuleReplay {
        rule: rule.to_owned(),
        kind,
        actual: 0,
        proposed: 0,
        examples: Vec::new(),
        refused: 0,
    }
}

fn record(
    rules: &mut BTreeMap<(u8, String), RuleReplay>,
    eval: &super::engine::Evaluation,
    ticket: TicketId,
    at: DateTime<Utc>,
) {
    for f in &eval.fired {
        let r = rules
            .entry((key(f.kind), f.rule.clone()))
            .or_insert_with(|| empty(&f.rule, f.kind));
        r.proposed += 1;
        if r.examples.len() < REPLAY_EXAMPLES {
            r.examples.push((ticket, f.due.unwrap_or(at)));
        }
    }
    for x in &eval.refused {
        rules
            .entry((key(x.kind), x.rule.clone()))
            .or_insert_with(|| empty(&x.rule, x.kind))
            .refused += 1;
    }
}
