//! # supportdesk
//!
//! The logic of a customer-support desk as a library: tickets and their
//! lifecycle, channels, customers with several identities, and the ports a
//! host implements to plug in its own storage, notification transport and
//! clock.
//!
//! ## From a first ticket ...
//!
//! A [`Desk`] runs commands over a [`TicketStore`](port::TicketStore), a
//! [`Notifier`](port::Notifier) and a [`Clock`](port::Clock). Here with the
//! in-memory store and the test kit's fakes:
//!
//! ```
//! use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Status};
//! use supportdesk::customer::Identity;
//! use supportdesk::id::{AgentId, TenantId};
//! use supportdesk::ticket::Command;
//! use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
//!
//! let clock = ManualClock::at("2026-03-02T09:00:00Z")?;
//! let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), clock)
//!     .with_ids(SequentialIds::new());
//! let shop = TenantId::from_u128(1);
//!
//! // A customer writes in; the desk finds or creates the customer by identity
//! // and opens a ticket.
//! let ana = Identity::email("Ana@Example.com")?;
//! let r = desk.receive(shop, Inbound::new(ana.clone(), Channel::Email, "My parcel is late").external_id("<m1@mail>"))?;
//! assert!(r.opened);
//!
//! // The same email delivered twice is recorded once.
//! let again = desk.receive(shop, Inbound::new(ana.clone(), Channel::Email, "My parcel is late").external_id("<m1@mail>"))?;
//! assert!(again.duplicate);
//!
//! // She follows up on WhatsApp from a number the host links to her: same ticket.
//! let phone = Identity::phone("+44 7700 900123")?;
//! desk.add_identity(shop, r.customer, phone.clone())?;
//! let r2 = desk.receive(shop, Inbound::new(phone, Channel::WhatsApp, "Any news?"))?;
//! assert_eq!(r2.ticket, r.ticket);
//!
//! // An agent notes, replies and solves.
//! let bob = AgentId::from_u128(7);
//! desk.execute(shop, r.ticket, Command::AddNote { agent: bob, body: "Carrier lost it".into() })?;
//! desk.execute(shop, r.ticket, Command::agent_reply(bob, "A new parcel leaves today."))?;
//! let out = desk.execute(shop, r.ticket, Command::status(Status::Solved))?;
//! assert_eq!(out.ticket.status(), Status::Solved);
//!
//! // The customer's view never holds the internal note.
//! let view = desk.customer_view(shop, r.ticket, r.customer)?;
//! assert!(view.messages.iter().all(|m| !m.body.contains("Carrier lost it")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## ... through the pure core ...
//!
//! Under the desk sits a deterministic core: [`ticket::decide`] takes a
//! [`Ticket`], a [`Command`](ticket::Command) and a
//! [`Context`](ticket::Context) (the time, an id source, the rules) and
//! returns a [`Decision`](ticket::Decision) of events and notifications, or a
//! typed [`DomainError`](ticket::DomainError) naming the ticket, its status
//! and the action. [`Ticket::apply`] folds events and never fails. Nothing
//! in the core reads a clock, makes random ids or does I/O. The
//! [`testing`] module (feature `testing`) has a given/when/then
//! [`Scenario`](testing::Scenario) to test workflows in a few lines.
//!
//! Between the two sits the [`plan`]ner: each desk operation (receive,
//! execute, merge, tick, ...) is a pure [`Workflow`](plan::Workflow) that
//! says what to read and then what to commit. [`Desk`] drives it over a
//! synchronous store, and [`AsyncDesk`] over an
//! [`AsyncTicketStore`](port::AsyncTicketStore) (sqlx, tokio-postgres) with
//! the same methods and behaviour; no runtime is required (futures are
//! `Send`; retries pause with the host's [`Sleep`]).
//!
//! ```
//! use supportdesk::{AsyncDesk, Channel, InMemoryStore, Inbound};
//! use supportdesk::customer::Identity;
//! use supportdesk::id::TenantId;
//! use supportdesk::testing::{block_on, ManualClock, RecordingNotifier};
//!
//! let desk = AsyncDesk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?);
//! let r = block_on(desk.receive(TenantId::from_u128(1), Inbound::new(Identity::email("ana@example.com")?, Channel::LiveChat, "Hi")))?;
//! assert!(r.opened);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## ... to an SLA report ...
//!
//! Give the desk business calendars and SLA policies: every new ticket gets
//! the first matching policy recorded on it, every write keeps a due-time
//! index current, and [`Desk::sweep`] raises warnings and breaches exactly
//! once when [`Desk::next_wakeup`] says. [`sla::evaluate`] reports every
//! target and [`sla::explain`] says why a deadline is where it is.
//!
//! ```
//! use supportdesk::calendar::BusinessCalendar;
//! use supportdesk::customer::Identity;
//! use supportdesk::id::TenantId;
//! use supportdesk::sla::{Calendars, MetricDef, PolicySet, SlaPolicy, Target, TargetState, TimeBasis, WarnAt};
//! use supportdesk::testing::{ManualClock, RecordingNotifier};
//! use supportdesk::{Channel, Desk, InMemoryStore, Inbound};
//!
//! let office = BusinessCalendar::builder("Europe/Paris").weekdays("09:00", "18:00").build()?;
//! let policy = SlaPolicy {
//!     id: "standard".into(), version: 1, name: "Standard".into(), conditions: Default::default(),
//!     metrics: vec![MetricDef::first_reply(), MetricDef::requester_wait()],
//!     // The same targets for every priority (each metric needs one for each).
//!     targets: [("first_reply", 2 * 3600), ("requester_wait", 16 * 3600)]
//!         .into_iter()
//!         .flat_map(|(m, s)| Target::every_priority(m, s, TimeBasis::Business { calendar: "office".into() }))
//!         .collect(),
//!     warnings: vec![WarnAt::Share { share: 0.75 }],
//!     escalation: vec![],
//! };
//! // Friday 17:00 in Paris (16:00 UTC).
//! let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-06T16:00:00Z")?)
//!     .with_sla(PolicySet::new(policy), Calendars::new().with("office", office))?;
//! let shop = TenantId::from_u128(1);
//! let r = desk.receive(shop, Inbound::new(Identity::email("ana@example.com")?, Channel::Email, "Refund?"))?;
//!
//! let report = desk.sla_report(shop, r.ticket)?;
//! let frt = report.latest("first_reply").expect("a first-reply target");
//! assert_eq!(frt.state, TargetState::Running);
//! // 1 h on Friday, then Monday 09:00-10:00 Paris time.
//! assert_eq!(frt.deadline, Some("2026-03-09T09:00:00Z".parse()?));
//! // The warning at 75% (1 h 30 m used) is when the host must wake up.
//! assert_eq!(desk.next_wakeup()?, Some("2026-03-09T08:30:00Z".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## ... with rules the host writes as data ...
//!
//! [`rules`] runs the host's triggers, time-based automations and macros
//! inside the planner; an automation fires at its exact instant through
//! the same due index, and each firing is recorded before the events it
//! caused (docs/automations.md).
//!
//! ```
//! use supportdesk::customer::Identity;
//! use supportdesk::id::{AgentId, TenantId};
//! use supportdesk::rules::RuleBook;
//! use supportdesk::template::TemplateSet;
//! use supportdesk::testing::{ManualClock, RecordingNotifier};
//! use supportdesk::ticket::{Command, EventKind};
//! use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Status};
//!
//! let book = RuleBook::from_json(r#"{"automations": [{
//!     "id": "nudge", "name": "Nudge after 2 days pending",
//!     "after": {"event": "status_changed", "hours": 48},
//!     "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
//!     "actions": [{"action": "reply", "template": "nudge"}]
//! }]}"#)?;
//! let templates = TemplateSet::from_json(r#"{"templates": [{"id": "nudge",
//!     "text": {"en": "Hi {{ customer.first_name | \"there\" }}, any news?"}}]}"#)?;
//! let desk = Desk::new(InMemoryStore::new(), RecordingNotifier::new(), ManualClock::at("2026-03-02T09:00:00Z")?)
//!     .with_rule_book(book, templates)?;
//! let shop = TenantId::from_u128(1);
//! let r = desk.receive(shop, Inbound::new(Identity::email("ana@example.com")?, Channel::Email, "Broken lamp").name("Ana Silva"))?;
//! desk.execute(shop, r.ticket, Command::AgentReply {
//!     agent: AgentId::from_u128(7), channel: None, body: "Which model is it?".into(), then: Some(Status::Pending),
//! })?;
//! // Due exactly 48 hours later, not at the next hourly poll.
//! let due = "2026-03-04T09:00:00Z".parse()?;
//! assert_eq!(desk.next_wakeup()?, Some(due));
//! desk.clock().set(due);
//! let swept = desk.sweep(100)?;
//! assert_eq!(swept.fired[0].1.rule, "nudge");
//! let history = desk.history(shop, r.ticket)?;
//! assert!(matches!(&history.last().map(|e| &e.kind),
//!     Some(EventKind::AutomatedReplySent { message }) if message.body == "Hi Ana, any news?"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## ... to metrics, maturity and reports
//!
//! [`metrics`] reads each ticket's events once into
//! [`TicketFacts`](metrics::TicketFacts) with the SLA engine's own clocks,
//! so figures and SLAs never disagree, and streams them into mergeable
//! [`Aggregate`](metrics::Aggregate)s (per shard, per day): first response,
//! resolution, one touch, backlog, volume, CSAT, CES, contact rate.
//! [`insight::maturity`] scores a CX maturity self-assessment with evidence
//! from those figures; [`report`] builds one document from it all (key
//! figures, trends against each priority's targets, SLA compliance per
//! metric and priority, tables and chart specs, in English or Chinese and
//! the host's time zone) and renders it to Markdown or to one
//! self-contained HTML page.
//!
//! ```
//! use supportdesk::metrics::{Aggregate, FactsOptions, TicketFacts};
//! use supportdesk::report::Report;
//! use supportdesk::sla::Calendars;
//! use supportdesk::testing::TicketBuilder;
//! use supportdesk::{Status, id::AgentId};
//!
//! let history = TicketBuilder::new()
//!     .note(AgentId::from_u128(7), "secret: VIP customer")
//!     .agent_reply(AgentId::from_u128(7), "On it")
//!     .status(Status::Solved)
//!     .events();
//! let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new());
//! let facts = TicketFacts::from_events(&history, &options)?.expect("a history");
//! let all: Aggregate = [facts].iter().collect();
//! assert_eq!(all.summary().first_response.times.mean, Some(120.0));
//! let report = Report::new("Monday", all.summary(), "2026-01-05T12:00:00Z".parse()?)
//!     .with_time_zone(chrono_tz::Europe::London);
//! let html = report.to_html();
//! assert!(!html.contains("secret"));
//! assert!(report.document().sections.iter().any(|s| s.id == "first-response"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## ... and the customer behind the tickets
//!
//! The same facts, grouped per customer, feed [`experience`]: a
//! [`Ledger`](experience::Ledger) of each customer's good and bad
//! experiences (SLA breaches, reopens, low CSAT or CES, repeat contacts,
//! follow-ups after a closed ticket, channel switches) with an at-risk list
//! whose tiers cite their source; the repeat-contact rate and first-contact
//! resolution defined as data ([`RepeatRule`](experience::RepeatRule));
//! which contact reason follows which
//! ([`NextIssues`](experience::NextIssues)), to answer the next question
//! before it is asked. [`insight::kb_gaps`] ranks the reasons a
//! knowledge-base article would answer, with example questions and the
//! reply most often given. docs/customers.md defines each measure.
//!
//! ## Features
//! - `testing`: the test kit (fake clock, recording notifier, faulty store,
//!   builders, scenarios).
//! - `proptest`: proptest strategies for the crate's values (implies
//!   `testing`).
//! - `sqlite`: [`SqliteStore`], the embedded SQLite
//!   backend (bundled; nothing to install).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Feature badges on docs.rs (nightly rustdoc, `--cfg docsrs`); every
// feature-gated item also says its feature in its docs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_debug_implementations, unreachable_pub)]
// The docs link to items behind the `testing` and `sqlite` features; those
// links resolve when the features are on (docs.rs and CI document with
// `--all-features`, where a broken link is an error), not in a plain
// `cargo doc`.
#![cfg_attr(
    not(all(feature = "testing", feature = "sqlite")),
    allow(rustdoc::broken_intra_doc_links)
)]

mod by_seconds;
pub mod calendar;
pub mod channel;
pub mod chart;
pub mod customer;
mod desk;
mod escape;
pub mod experience;
mod hint;
pub mod id;
pub mod insight;
mod instant;
pub mod metrics;
pub mod model;
pub mod port;
pub mod quality;
pub mod report;
pub mod rules;
pub mod sla;
pub mod store;
pub mod taxonomy;
pub mod template;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod ticket;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use channel::Channel;
pub use desk::plan;
pub use desk::{
    AsyncDesk, Delivery, Desk, DeskError, Dispatch, ForeignSender, Inbound, Outcome, Receipt,
    ReplyQuality, RetryPolicy, SlaSetup, Sleep, SpikeAlerts, SpikeCheck, SweepReport,
};
pub use model::notification;
pub use model::{Priority, Status, Tag};
/// The sqlx this crate's [`PostgresStore`] is built on (feature
/// `postgres`): build the pool you hand it, and the transactions you run
/// desk changes in, with this one, so the versions always match.
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use sqlx;
pub use store::InMemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use store::PostgresStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::SqliteStore;
pub use taxonomy::{AutoTagger, Taxonomy};
pub use ticket::Ticket;
