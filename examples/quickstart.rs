//! Opens, answers and solves a ticket on the in-memory store, then prints its
//! history and the notifications sent.
//!
//! Run with `cargo run --example quickstart`.

use std::error::Error;
use std::fmt::Write as _;

use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId};
use supportdesk::notification::{NotificationContent, Recipient};
use supportdesk::port::{Clock, TicketStore};
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Command, Csat, EventKind};
use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Status, Tag};

fn main() -> Result<(), Box<dyn Error>> {
    // A fixed clock and sequential ids make the output the same every run.
    let desk = Desk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::at("2026-03-02T09:00:00Z")?,
    )
    .with_ids(SequentialIds::new());
    let shop = TenantId::from_u128(1);
    let bob = AgentId::from_u128(7);

    // 1. Ana emails in.
    let ana = Identity::email("Ana.Silva@Example.com")?;
    let receipt = desk.receive(
        shop,
        Inbound::new(
            ana.clone(),
            Channel::Email,
            "Hi, my order #1234 has not arrived.",
        )
        .subject("Order #1234 missing")
        .external_id("<msg-1@mail.example.com>")
        .name("Ana Silva"),
    )?;
    // The mail server delivers the same message again: recorded once.
    let again = desk.receive(
        shop,
        Inbound::new(
            ana.clone(),
            Channel::Email,
            "Hi, my order #1234 has not arrived.",
        )
        .external_id("<msg-1@mail.example.com>"),
    )?;
    assert!(again.duplicate);
    let ticket = receipt.ticket;

    // 2. Bob picks it up, leaves an internal note and answers.
    desk.clock().advance(chrono::Duration::minutes(25));
    desk.execute(
        shop,
        ticket,
        Command::Assign {
            agent: Some(bob),
            group: None,
        },
    )?;
    desk.execute(
        shop,
        ticket,
        Command::AddNote {
            agent: bob,
            body: "Carrier scan stops in Leeds.".into(),
        },
    )?;
    desk.execute(
        shop,
        ticket,
        Command::AddTags {
            tags: vec![Tag::new("shipping/late")?, Tag::new("cause/carrier-delay")?],
        },
    )?;
    desk.clock().advance(chrono::Duration::minutes(5));
    desk.execute(
        shop,
        ticket,
        Command::AgentReply {
            agent: bob,
            channel: None,
            body: "Sorry Ana, the carrier lost track of it. A replacement leaves today.".into(),
            then: Some(Status::Pending),
        },
    )?;

    // 3. Ana answers on WhatsApp; the host links her number to her.
    let phone = Identity::phone("+44 7700 900123")?;
    desk.add_identity(shop, receipt.customer, phone.clone())?;
    desk.clock().advance(chrono::Duration::hours(2));
    desk.receive(
        shop,
        Inbound::new(phone, Channel::WhatsApp, "Great, thank you!"),
    )?;

    // 4. Bob solves; Ana rates.
    desk.clock().advance(chrono::Duration::minutes(10));
    desk.execute(shop, ticket, Command::status(Status::Solved))?;
    desk.execute(
        shop,
        ticket,
        Command::RateSatisfaction {
            score: Csat::new(5)?,
            comment: Some("Quick and kind".into()),
        },
    )?;

    let t = desk.ticket(shop, ticket)?;
    let mut out = String::new();
    writeln!(
        out,
        "Ticket {} \"{}\": {} (version {})",
        t.id(),
        t.subject(),
        t.status(),
        t.version()
    )?;
    writeln!(
        out,
        "  requester {}  assignee {:?}  tags {:?}",
        t.customer(),
        t.assignee().map(|a| a.to_string()),
        t.tags().iter().map(Tag::as_str).collect::<Vec<_>>()
    )?;
    writeln!(out, "\nHistory:")?;
    for e in desk.history(shop, ticket)? {
        let detail = match &e.kind {
            EventKind::CustomerReplied { message }
            | EventKind::AgentReplied { message }
            | EventKind::NoteAdded { message }
            | EventKind::AutomatedReplySent { message } => {
                format!(
                    "[{:?} via {}] {}",
                    message.visibility, message.channel, message.body
                )
            }
            EventKind::StatusChanged { from, to } => format!("{from} -> {to}"),
            EventKind::TagsAdded { tags } => {
                format!("{:?}", tags.iter().map(Tag::as_str).collect::<Vec<_>>())
            }
            EventKind::SatisfactionRated { score, comment } => {
                format!("CSAT {} {:?}", score.score(), comment)
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "  #{:<2} {}  {:<20} {}",
            e.sequence,
            e.at.format("%Y-%m-%d %H:%M"),
            e.kind.name(),
            detail
        )?;
    }
    writeln!(
        out,
        "\nNotifications sent ({}):",
        desk.notifier().sent().len()
    )?;
    for n in desk.notifier().sent() {
        let to = match &n.recipient {
            Recipient::Customer { channel, .. } => format!("customer via {channel}"),
            Recipient::Agent { agent } => format!("agent {agent}"),
            Recipient::Group { group } => format!("group {group}"),
            Recipient::Team => "team".to_owned(),
        };
        let what = match &n.content {
            NotificationContent::Customer(c) => {
                format!("{} public message(s) in view", c.view.messages.len())
            }
            NotificationContent::Agent(a) => format!("status {}", a.status),
            _ => String::new(),
        };
        writeln!(out, "  {:?} -> {to} ({what})", n.kind)?;
    }
    writeln!(
        out,
        "Undelivered in outbox: {}",
        desk.store().undelivered(100)?.len()
    )?;
    writeln!(out, "Now: {}", desk.clock().now())?;
    print!("{out}");
    Ok(())
}
