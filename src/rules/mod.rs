//! Rules as data: event triggers, time-based automations and macros,
//! evaluated by the pure core, exact in time, testable without a store.
//!
//! A [`RuleBook`] is serde data the host configures (JSON is the documented
//! form, see `docs/automations.md`):
//!
//! - **Triggers** run on ticket updates (`on`: the kinds of event), when
//!   their [`Conditions`] hold, and do [`RuleAction`]s: set status,
//!   priority, group or assignee, add or remove tags (never a "set all
//!   tags"), add an internal note, send a public reply from a template,
//!   notify agents, apply an SLA policy.
//! - **Automations** fire once per anchor at the instant their delay ends
//!   ("24 business hours after the ticket became pending"), through the
//!   store's due index, not an hourly poll; the [`Budget`] caps them.
//! - **Macros** are what an agent applies in one click: a reply rendered
//!   from a template plus actions.
//!
//! The [`Semantics`] are data too: Zendesk's (re-evaluate from the top after
//! each firing, each trigger once per update) or Chatwoot's (one pass, no
//! chaining), with a hard pass cap that ends in [`RuleError::Loop`].
//! Every firing is recorded as a
//! [`RuleFired`](crate::ticket::EventKind::RuleFired) event just before the
//! events it caused ([`ticket::causes`](crate::ticket::causes) maps each
//! event to its rule).
//!
//! An [`Engine`] is a book checked against its [`Env`] (calendars, SLA
//! policies, taxonomy, templates) and compiled. The desk's planner runs it
//! ([`Planner::with_rule_book`](crate::plan::Planner::with_rule_book)); it
//! can also be run by hand, which is the dry run:
//!
//! ```
//! use supportdesk::rules::{Engine, Env, RuleBook, Update};
//! use supportdesk::testing::{SequentialIds, TicketBuilder};
//! use supportdesk::ticket::{causes, Context};
//! use supportdesk::Status;
//!
//! let book = RuleBook::from_json(r#"{"triggers": [{
//!     "id": "refund-urgent", "name": "Refund requests are urgent",
//!     "conditions": {"all": [{"field": "subject", "op": "contains", "value": "refund"}]},
//!     "actions": [{"action": "set_priority", "value": "urgent"},
//!                 {"action": "add_tags", "value": "billing/refund"}]
//! }]}"#)?;
//! let engine = Engine::new(book, Env::default())?;
//! let ticket = TicketBuilder::new().body("Refund please").status(Status::Open).build();
//! let ids = SequentialIds::new();
//! let ctx = Context::new("2026-03-02T09:00:00Z".parse()?, &ids);
//! let update = Update { before: None, ticket: &ticket, events: &[], history: &[], customer: None };
//! let eval = engine.triggers(update, &ctx)?;
//! assert_eq!(eval.fired.len(), 1);
//! let by = causes(&eval.decision.events);
//! assert!(by[1..].iter().all(|f| f.map(|f| f.rule.as_str()) == Some("refund-urgent")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod engine;
mod error;
mod flat;
mod model;
mod replay;

pub use engine::{Engine, Env, Evaluation, Fired, Refused, Update};
pub use error::RuleError;
pub use model::{
    After, Anchor, Automation, Budget, Chaining, Condition, Conditions, IsOp, Macro, MessageFrom,
    NotifyTo, NumOp, On, OriginIs, PresenceOp, PriorityOp, RuleAction, RuleBook, Semantics, SetOp,
    SinceOp, SlaState, Span, TagOp, TextOp, Trigger,
};
pub use replay::{REPLAY_EXAMPLES, ReplayReport, RuleReplay};

pub use crate::model::{RuleFiring, RuleKind};

/// At most this many rules (triggers, automations and macros together) in
/// a book.
pub const MAX_RULES: usize = 5_000;
/// At most this many conditions in one rule.
pub const MAX_CONDITIONS: usize = 100;
/// At most this many actions in one rule.
pub const MAX_ACTIONS: usize = 50;
/// A phrase or pattern of a text condition is at most this many bytes.
pub const MAX_PATTERN_BYTES: usize = 1_000;
/// A rule book's JSON is at most this many bytes.
pub const MAX_BOOK_BYTES: usize = 16 << 20;

impl RuleBook {
    /// Parses a rule book from JSON. Only the syntax and the values are
    /// checked here; [`Engine::new`] checks the book against the calendars,
    /// templates, policies and taxonomy it will run with.
    ///
    /// # Errors
    /// [`RuleError::Parse`] naming the unknown key or bad value, with its
    /// line and column; [`RuleError::TooMany`] for a text over
    /// [`MAX_BOOK_BYTES`].
    pub fn from_json(text: &str) -> Result<RuleBook, RuleError> {
        if text.len() > MAX_BOOK_BYTES {
            return Err(RuleError::TooMany {
                what: "bytes of rule book",
                count: text.len(),
                max: MAX_BOOK_BYTES,
            });
        }
        serde_json::from_str(text).map_err(|e| RuleError::Parse(e.to_string()))
    }

    /// The book as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Checks a rule id: 1 to 100 characters of `a-z`, `0-9`, `_`, `.`, `-`.
pub(crate) fn check_id(kind: &'static str, id: &str) -> Result<(), RuleError> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(RuleError::Invalid {
            kind,
            id: id.chars().take(100).collect(),
            reason: "an id is 1 to 100 characters of a-z, 0-9, `_`, `.` and `-`".into(),
        })
    }
}
