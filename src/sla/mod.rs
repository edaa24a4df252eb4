//! SLA engine: clock rules as data, explainable deadlines, warnings and
//! breaches raised exactly once.
//!
//! - A [`MetricDef`] says when a metric's clock starts, what pauses it, what
//!   fulfils it and whether it repeats. The presets reproduce Zendesk's first
//!   reply, next reply, periodic and pausable update, requester wait, agent
//!   work and total resolution time, and Request Tracker's Response,
//!   KeepInLoop and Resolve.
//! - An [`SlaPolicy`] has targets per priority (optionally per channel), in
//!   business time on a named calendar or in calendar time, warning points
//!   and an escalation ladder. A [`PolicySet`] picks the first policy whose
//!   [`Conditions`] match, else its fallback. The policy applied is recorded
//!   on the ticket (an `SlaPolicyApplied` event with a copy), so editing a
//!   policy never rewrites tickets already under it.
//! - [`evaluate`] is a pure function from a ticket's events, the calendars
//!   and an instant to an [`SlaReport`] of *every* target: state, deadline,
//!   time elapsed and remaining, share used. [`Evaluator`] is its bulk form
//!   for many tickets under one policy (reports, dashboards, replays): same
//!   reports, buffers reused, over a million tickets a second on one core.
//!   [`explain`] says in sentences which working intervals, holidays and
//!   pauses produced a deadline.
//! - [`due_alerts`] and [`next_wakeup`] drive warnings and breaches: the
//!   [`Desk`](crate::Desk) records each as an `SlaAlerted` event with its
//!   notifications (once per target: the ticket remembers what was raised),
//!   and keeps a due-time index in the store so a sweep finds the tickets due
//!   without scanning all of them.
//! - [`what_if`] replays histories under a proposed policy or calendar.
//!
//! Conventions follow the calendar module: whole seconds, a target is
//! breached at `now` iff `now > deadline`.
//!
//! ```
//! use supportdesk::calendar::BusinessCalendar;
//! use supportdesk::sla::{self, Calendars, MetricDef, SlaPolicy, Target, TimeBasis, TargetState};
//! use supportdesk::testing::TicketBuilder;
//! use supportdesk::ticket::{Event, EventKind};
//! use supportdesk::Priority;
//!
//! let calendars = Calendars::new().with("office", BusinessCalendar::builder("Europe/London").weekdays("09:00", "17:00").build()?);
//! let policy = SlaPolicy {
//!     id: "standard".into(), version: 1, name: "Standard".into(), conditions: Default::default(),
//!     metrics: vec![MetricDef::first_reply()],
//!     targets: vec![Target { metric: "first_reply".into(), priority: Priority::Normal, channel: None,
//!                            seconds: 4 * 3600, basis: TimeBasis::Business { calendar: "office".into() } }],
//!     warnings: vec![], escalation: vec![],
//! };
//! // A ticket opened Monday 2026-01-05 16:00 UTC (London is on UTC in winter).
//! let events = TicketBuilder::new().opened_at("2026-01-05T16:00:00Z".parse()?).events();
//! let report = sla::evaluate(&events, &calendars, "2026-01-06T09:30:00Z".parse()?, Some(&policy))?;
//! let frt = &report.targets[0];
//! assert_eq!(frt.state, TargetState::Running);
//! assert_eq!(frt.deadline, Some("2026-01-06T12:00:00Z".parse()?)); // 1 h Monday + 3 h Tuesday
//! assert_eq!(frt.elapsed_seconds, 5400);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod alert;
mod explain;
mod policy;
mod report;
pub mod scenario;
mod simulate;
mod timeline;
mod whatif;

pub use alert::{due_alerts, next_wakeup};
pub use explain::{Explanation, explain};
pub use policy::{Calendars, PolicySet};
pub(crate) use report::{Clockwork, CycleJudge, warning_offset};
pub use report::{
    Evaluator, SlaReport, TargetReport, TargetState, applied_policy, evaluate, report,
};
pub use simulate::{Fired, simulate};
pub use timeline::{Cycle, CycleEnd, MetricTimeline, Pause, Timeline};
pub use whatif::{Compliance, WhatIf, what_if};

// The SLA data a ticket records (policies, metric definitions, alerts) lives
// in `model`; it stays reachable here.
pub use crate::model::sla::human;
pub use crate::model::{
    AlertKey, AlertPoint, Conditions, EscalateTo, EscalationStep, Fulfilment, MetricDef, SlaAlert,
    SlaError, SlaPolicy, StartAnchor, Target, TimeBasis, Trigger, WarnAt, recipients,
};

/// A range of instants `[from, to)`.
pub type Span = (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>);
