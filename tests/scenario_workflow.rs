//! The whole desk workflow through the test kit's `Scenario`, without a
//! store: inbound matching (new customer, omnichannel, duplicates, foreign
//! senders, follow-ups), auto-tags, SLA policies, due updates and alerts,
//! spike notices, commands and merges. The world is the scenario's model;
//! what stores do with the commits is the conformance suite's.

use chrono::{DateTime, Duration, Utc};
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, CustomerId, MessageId, TenantId, TicketId};
use supportdesk::notification::{NotificationKind, Recipient};
use supportdesk::plan::{Planner, Read};
use supportdesk::port::{InboundKey, InboundRecord, OnceKey};
use supportdesk::sla::{
    AlertPoint, Calendars, EscalateTo, EscalationStep, MetricDef, PolicySet, SlaPolicy, Target,
    TimeBasis, Trigger, WarnAt,
};
use supportdesk::taxonomy::{PeriodKind, SpikeConfig};
use supportdesk::testing::{Scenario, SequentialIds, TicketBuilder};
use supportdesk::ticket::Command;
use supportdesk::{
    AutoTagger, Channel, DeskError, ForeignSender, Inbound, SpikeAlerts, Status, Taxonomy,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SHOP: TenantId = TenantId::from_u128(1);
const ANA: CustomerId = CustomerId::from_u128(1);
const EVE: CustomerId = CustomerId::from_u128(2);
const BOB: AgentId = AgentId::from_u128(7);

fn at(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    s.parse()
}

fn ana_email() -> Result<Identity, Box<dyn std::error::Error>> {
    Ok(Identity::email("ana@example.com")?)
}

fn ana_phone() -> Result<Identity, Box<dyn std::error::Error>> {
    Ok(Identity::phone("+14155550100")?)
}

/// Ana, with her email and her phone.
fn ana() -> Result<Customer, Box<dyn std::error::Error>> {
    let mut c = Customer::new(ANA, SHOP, ana_email()?);
    c.identities.push(ana_phone()?);
    Ok(c)
}

fn taxonomy() -> Result<Taxonomy, serde_json::Error> {
    serde_json::from_str(
        r#"{
      "tags": [
        {"tag": "payment/declined", "kind": "what", "polarity": "bad"},
        {"tag": "shipping/late", "kind": "what", "polarity": "bad"}
      ],
      "rules": [
        {"name": "declined", "pattern": "declined|payment failed", "add": ["payment/declined"]},
        {"name": "late", "pattern": "late|still waiting", "add": ["shipping/late"]}
      ]
    }"#,
    )
}

/// First reply within an hour of calendar time, a warning at 75%, a breach
/// alert to the team.
fn first_reply_policy() -> SlaPolicy {
    SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply()],
        targets: Target::every_priority("first_reply", 3600, TimeBasis::Calendar),
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![EscalationStep {
            trigger: Trigger::Breach,
            level: 1,
            notify: EscalateTo::Team,
        }],
    }
}

fn sla_planner() -> Result<Planner, Box<dyn std::error::Error>> {
    Ok(Planner::new()
        .with_ids(SequentialIds::new())
        .with_sla(PolicySet::new(first_reply_policy()), Calendars::new())?)
}

#[test]
fn a_message_from_an_unknown_identity_opens_a_ticket_for_a_new_customer() -> TestResult {
    let li = Identity::email("li@example.com")?;
    let then = Scenario::new()
        .at(at("2026-03-02T09:00:00Z")?)
        .when_received(
            Inbound::new(li.clone(), Channel::Email, "Where is my order?")
                .external_id("<m1@example.com>")
                .name("Li"),
        )
        .then_opens()
        .then_new_customer(&li)
        .then_events(&["opened", "customer_replied"])
        .then_inbound(&["<m1@example.com>"])
        .then_notifies(&[
            NotificationKind::TicketReceived,
            NotificationKind::NewTicket,
        ]);
    let receipt = then.output();
    let customers = then.customers_written();
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].id, receipt.customer);
    assert_eq!(customers[0].name.as_deref(), Some("Li"));
    let ticket = then.ticket(receipt.ticket).ok_or("the new ticket")?;
    assert_eq!(ticket.customer(), receipt.customer);
    assert_eq!(ticket.status(), Status::New);
    // Asked who owns the identity, found nobody, asked nothing more.
    assert_eq!(
        then.reads(),
        [
            Read::Inbound {
                tenant: SHOP,
                key: InboundKey::new(Channel::Email, "<m1@example.com>")
            },
            Read::CustomerByIdentity {
                tenant: SHOP,
                identity: li
            }
        ]
    );
    Ok(())
}

#[test]
fn a_message_on_another_channel_continues_the_latest_unsolved_ticket() -> TestResult {
    let older = TicketId::from_u128(100);
    let latest = TicketId::from_u128(101);
    let solved = TicketId::from_u128(102);
    let eves = TicketId::from_u128(103);
    let start = at("2026-03-02T09:00:00Z")?;
    Scenario::new()
        .given_customer(ana()?)
        .given_customer(Customer::new(
            EVE,
            SHOP,
            Identity::email("eve@example.com")?,
        ))
        .given_tickets([
            TicketBuilder::new()
                .id(older)
                .customer(ANA)
                .opened_at(start)
                .body("First question"),
            TicketBuilder::new()
                .id(latest)
                .customer(ANA)
                .opened_at(start + Duration::hours(1))
                .body("Second question")
                .agent_reply(BOB, "Looking into it"),
            // More recent, but solved: not continued.
            TicketBuilder::new()
                .id(solved)
                .customer(ANA)
                .opened_at(start + Duration::hours(2))
                .status(Status::Solved),
            // More recent, but Eve's.
            TicketBuilder::new()
                .id(eves)
                .customer(EVE)
                .opened_at(start + Duration::hours(3)),
        ])
        .at(start + Duration::hours(4))
        .when_received(Inbound::new(ana_phone()?, Channel::Sms, "Any news?"))
        .then_continues(latest)
        .then_customer(ANA)
        .then_no_customer_written()
        .then_events_of(latest, &["customer_replied"])
        .then_events(&["customer_replied"]);
    Ok(())
}

#[test]
fn a_redelivered_message_is_a_duplicate_and_writes_nothing() -> TestResult {
    let record = InboundRecord::new(
        InboundKey::new(Channel::Email, "<m1@example.com>"),
        TicketId::from_u128(100),
        MessageId::from_u128(5),
        ANA,
    );
    let then = Scenario::new()
        .given_customer(ana()?)
        .given_tickets([TicketBuilder::new().customer(ANA)])
        .given_inbound(record.clone())
        .when_received(
            Inbound::new(ana_email()?, Channel::Email, "Hello again")
                .external_id("<m1@example.com>"),
        )
        .then_duplicate()
        .then_customer(ANA)
        .then_tags(&[]);
    assert_eq!(then.output().ticket, record.ticket);
    assert_eq!(then.output().message, record.message);
    assert_eq!(then.reads().len(), 1, "only the inbound record is read");

    // The same through the world a first delivery leaves.
    let inbound = Inbound::new(Identity::email("li@example.com")?, Channel::Email, "Hi")
        .external_id("<m2@example.com>");
    let first = Scenario::new().when_received(inbound.clone()).then_opens();
    let ticket = first.output().ticket;
    let again = first.afterwards().when_received(inbound).then_duplicate();
    assert_eq!(again.output().ticket, ticket);
    Ok(())
}

#[test]
fn a_named_ticket_from_a_foreign_identity_is_a_participant_reply_or_refused() -> TestResult {
    let order = TicketId::from_u128(100);
    let eve = Identity::email("eve@example.com")?;
    let given = Scenario::new()
        .given_customer(ana()?)
        .given_tickets([TicketBuilder::new().id(order).customer(ANA)]);
    let inbound = Inbound::new(eve.clone(), Channel::Email, "Re: Hello").to_ticket(order);

    let then = given
        .clone()
        .when_received(inbound.clone())
        .then_continues(order)
        .then_participant()
        .then_new_customer(&eve)
        .then_events(&["customer_replied"]);
    let eve_id = then.output().customer;
    assert_ne!(eve_id, ANA);
    let ticket = then.ticket(order).ok_or("the ticket")?;
    assert_eq!(ticket.participants(), [eve_id]);
    // Eve's identity is hers; Ana's record is not touched.
    assert!(then.customers_written().iter().all(|c| c.id != ANA));

    let refused = given
        .planner(Planner::new().with_foreign_sender(ForeignSender::Refuse))
        .when_received(inbound)
        .then_error(|e| {
            matches!(e, DeskError::ForeignSender { identity, ticket } if *identity == eve && *ticket == order)
        });
    assert!(refused.commit().is_none(), "a refusal writes nothing");
    Ok(())
}

#[test]
fn a_reply_to_a_closed_ticket_opens_a_follow_up() -> TestResult {
    let closed = TicketId::from_u128(100);
    let then = Scenario::new()
        .given_customer(ana()?)
        .given_tickets([TicketBuilder::new()
            .id(closed)
            .customer(ANA)
            .agent_reply(BOB, "Done")
            .status(Status::Closed)])
        .when_received(
            Inbound::new(ana_email()?, Channel::Email, "It broke again").to_ticket(closed),
        )
        .then_opens()
        .then_follows_up(closed)
        .then_customer(ANA)
        .then_no_customer_written();
    let follow_up = then.output().ticket;
    assert_ne!(follow_up, closed);
    assert_eq!(
        then.ticket(follow_up).and_then(|t| t.follow_up_of()),
        Some(closed)
    );
    // The closed ticket itself is not written.
    assert!(then.events_of(closed).is_empty());
    Ok(())
}

#[test]
fn auto_tags_follow_the_message_and_are_explained() -> TestResult {
    let tax = taxonomy()?;
    let order = TicketId::from_u128(100);
    let then = Scenario::new()
        .planner(
            Planner::new()
                .with_ids(SequentialIds::new())
                .with_auto_tagger(AutoTagger::new(&tax)?)
                .with_taxonomy(tax),
        )
        .given_customer(ana()?)
        .given_tickets([TicketBuilder::new().id(order).customer(ANA)])
        .at(at("2026-03-02T09:00:00Z")?)
        .when_received(Inbound::new(
            ana_phone()?,
            Channel::WhatsApp,
            "My card was declined and the parcel is late",
        ))
        .then_continues(order)
        .then_events_of(order, &["customer_replied", "tags_added"])
        .then_tags(&["payment/declined", "shipping/late"]);
    let auto = &then.output().auto_tags;
    let declined = auto
        .explanations
        .iter()
        .find(|e| e.tag.as_str() == "payment/declined")
        .ok_or("explained")?;
    assert_eq!(declined.rule, "declined");
    assert_eq!(declined.spans[0].text, "declined");
    let ticket = then.ticket(order).ok_or("the ticket")?;
    assert_eq!(ticket.tags().len(), 2);

    // A new ticket: the tags come after the opening message too.
    Scenario::new()
        .planner(Planner::new().with_auto_tagger(AutoTagger::new(&taxonomy()?)?))
        .when_received(Inbound::new(
            Identity::email("li@example.com")?,
            Channel::Email,
            "payment failed",
        ))
        .then_opens()
        .then_events(&["opened", "customer_replied", "tags_added"])
        .then_tags(&["payment/declined"]);
    Ok(())
}

#[test]
fn a_new_ticket_gets_the_sla_policy_and_its_due_time() -> TestResult {
    let now = at("2026-03-02T09:00:00Z")?;
    let then = Scenario::new()
        .planner(sla_planner()?)
        .at(now)
        .when_received(Inbound::new(ana_email()?, Channel::Email, "Help"))
        .then_opens()
        .then_events(&["opened", "customer_replied", "sla_policy_applied"]);
    let id = then.output().ticket;
    let ticket = then.ticket(id).ok_or("the ticket")?;
    assert_eq!(ticket.sla_policy().map(|p| p.id.as_str()), Some("standard"));
    // The warning at 75% of the hour is the next wake-up.
    then.then_due(id, Some(now + Duration::minutes(45)));
    Ok(())
}

#[test]
fn a_tick_raises_a_breach_once() -> TestResult {
    let start = at("2026-03-02T09:00:00Z")?;
    let opened = Scenario::new()
        .planner(sla_planner()?)
        .at(start)
        .when_received(Inbound::new(ana_email()?, Channel::Email, "Help"));
    let id = opened.output().ticket;

    // 50 minutes on, nobody replied: the warning (75% of the hour) is due;
    // the next wake-up is the breach, the first second past the deadline.
    let warned = opened
        .afterwards()
        .at(start + Duration::minutes(50))
        .when_ticked(id)
        .then_alerts(&[("first_reply", AlertPoint::Warning(0))])
        .then_events(&["sla_alerted"])
        .then_due(id, Some(start + Duration::hours(1) + Duration::seconds(1)));

    // Two hours on: the breach, to the team, and nothing due any more.
    let ticked = warned
        .afterwards()
        .at(start + Duration::hours(2))
        .when_ticked(id)
        .then_alerts(&[("first_reply", AlertPoint::Breach)])
        .then_events(&["sla_alerted"])
        .then_notifies_to(&[(NotificationKind::SlaBreach, Recipient::Team)])
        .then_due(id, None);

    // The next tick on the alerted ticket raises nothing.
    let history = ticked.history(id).ok_or("the history")?;
    ticked
        .afterwards()
        .when_ticked(id)
        .then_alerts(&[])
        .then_events(&[])
        .then_notifies(&[]);

    // The same, given the alerted ticket by its history.
    Scenario::new()
        .planner(sla_planner()?)
        .given_tickets([history])
        .at(start + Duration::hours(3))
        .when_ticked(id)
        .then_alerts(&[])
        .then_events(&[])
        .then_due(id, None);
    Ok(())
}

#[test]
fn spike_notices_are_queued_once() -> TestResult {
    let tax = taxonomy()?;
    let cfg = SpikeConfig {
        period: PeriodKind::IsoWeek,
        baseline_periods: 4,
        min_count: 5,
        ..SpikeConfig::default()
    };
    let planner = Planner::new()
        .with_ids(SequentialIds::new())
        .with_taxonomy(tax)
        .with_spike_alerts(SpikeAlerts::new(cfg, Recipient::Team));
    // Four quiet weeks with one declined card each, then twelve in a week.
    let monday = at("2026-01-05T09:00:00Z")?;
    let mut tickets = Vec::new();
    for week in 0..4u128 {
        tickets.push(
            TicketBuilder::new()
                .id(TicketId::from_u128(100 + week))
                .opened_at(monday + Duration::weeks(week as i64))
                .tag("payment/declined"),
        );
    }
    for i in 0..12u128 {
        tickets.push(
            TicketBuilder::new()
                .id(TicketId::from_u128(200 + i))
                .opened_at(monday + Duration::weeks(4) + Duration::hours(2 * i as i64))
                .tag("payment/declined"),
        );
    }
    let checked = Scenario::new()
        .planner(planner)
        .given_tickets(tickets)
        .at(monday + Duration::weeks(4) + Duration::days(1) + Duration::hours(2))
        .when_spikes_checked()
        .then_spikes(&["payment/declined"])
        .then_notifies_to(&[(NotificationKind::TagSpike, Recipient::Team)])
        .then_events(&[]);
    assert_eq!(checked.output().tickets_read, 16);
    let commit = checked.commit().ok_or("a commit")?;
    let notice = commit.notifications[0].id;
    assert_eq!(commit.once, [OnceKey::notice(notice)]);

    // Checking again: the world refuses the notice's key, nothing is queued.
    let again = checked
        .afterwards()
        .when_spikes_checked()
        .then_spikes(&["payment/declined"])
        .then_no_commit();
    assert_eq!(again.refused().len(), 1);

    // Notifying the spikes found, with the notice already given as done.
    let spikes = again.output().spikes.clone();
    Scenario::new()
        .given_done(OnceKey::notice(notice))
        .when_spikes_notified(spikes.clone(), Recipient::Team)
        .then_no_commit();
    Scenario::new()
        .when_spikes_notified(spikes, Recipient::Team)
        .then_notifies(&[NotificationKind::TagSpike]);
    Ok(())
}

#[test]
fn commands_and_merges_plan_their_events() -> TestResult {
    let a = TicketId::from_u128(100);
    let b = TicketId::from_u128(101);
    let given = Scenario::new().given_customer(ana()?).given_tickets([
        TicketBuilder::new().id(a).customer(ANA),
        TicketBuilder::new()
            .id(b)
            .customer(ANA)
            .body("Same problem"),
    ]);
    given
        .clone()
        .when_executed(a, Command::agent_reply(BOB, "On it"))
        .then_events(&["agent_replied", "status_changed"])
        .then_status(Status::Open)
        .then_notifies_to(&[(
            NotificationKind::AgentReplied,
            Recipient::Customer {
                customer: ANA,
                channel: Channel::Email,
            },
        )]);
    given
        .clone()
        .when_merged(b, a)
        .then_events_of(b, &["merged_into", "status_changed", "status_changed"])
        .then_events_of(a, &["merge_received"])
        .then_status(Status::New);
    given
        .clone()
        .when_executed(TicketId::from_u128(999), Command::status(Status::Open))
        .then_error(
            |e| matches!(e, DeskError::TicketNotFound { ticket } if ticket.as_u128() == 999),
        );
    given
        .when_executed(a, Command::status(Status::Closed))
        .then_error(DeskError::is_domain);
    Ok(())
}
