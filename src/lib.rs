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
//! ## ... to an SLA report ...
//!
//! SLA clocks run over business calendars: [`calendar`] does exact
//! business-time arithmetic, [`sla`] evaluates every target of a ticket
//! from its events and raises warnings and breaches once
//! ([`Desk::sweep`]).
//!
//! ## ... to metrics, maturity and reports
//!
//! [`metrics`] reads each ticket's events once into
//! [`TicketFacts`](metrics::TicketFacts) with the SLA engine's own clocks,
//! so figures and SLAs never disagree, and streams them into mergeable
//! [`Aggregate`](metrics::Aggregate)s (per shard, per day): first response,
//! resolution, one touch, backlog, volume, CSAT, CES, contact rate.
//! [`insight::maturity`] scores a CX maturity self-assessment with evidence
//! from those figures; [`report`] renders it all to Markdown or to one
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
//! let html = Report::new("Monday", all.summary(), "2026-01-05T12:00:00Z".parse()?).to_html();
//! assert!(!html.contains("secret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//! - `testing`: the test kit (fake clock, recording notifier, faulty store,
//!   builders, scenarios).
//! - `proptest`: proptest strategies for the crate's values (implies
//!   `testing`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, unreachable_pub)]

pub mod calendar;
pub mod channel;
pub mod customer;
mod desk;
pub mod id;
pub mod insight;
pub mod metrics;
pub mod notification;
pub mod port;
pub mod report;
pub mod sla;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod ticket;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use channel::Channel;
pub use desk::{
    Delivery, Desk, DeskError, Inbound, Outcome, Receipt, RetryPolicy, SlaSetup, SweepReport,
};
pub use store::InMemoryStore;
pub use ticket::{Priority, Status, Tag, Ticket};
