//! The taxonomy through the public API: enforcement in the pure core and
//! the desk, auto-tagging on inbound messages, spikes, lint, serde.

#[macro_use]
mod support;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId};
use supportdesk::notification::{NotificationContent, NotificationKind, Recipient};
use supportdesk::taxonomy::{
    AutoTagger, Input, LintCode, PeriodKind, Reading, SpikeConfig, TagKind, Taxonomy, Violation,
};
use supportdesk::testing::{
    ManualClock, RecordingNotifier, Scenario, SequentialIds, TicketBuilder,
};
use supportdesk::ticket::{Command, Context, DomainError, EventKind, OpenTicket, decide, open};
use supportdesk::{Channel, DeskError, InMemoryStore, Inbound, SpikeAlerts, Status, Tag};

use support::Driver;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn example() -> Taxonomy {
    let json = include_str!("../examples/data/taxonomy.json");
    serde_json::from_str(json).expect("the shipped taxonomy loads")
}

fn tag(s: &str) -> Tag {
    Tag::new(s).expect("valid tag")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("valid instant")
}

#[test]
fn shipped_taxonomy_round_trips_and_lints_as_documented() {
    let tax = example();
    let json = serde_json::to_string_pretty(&tax).expect("serialises");
    let back: Taxonomy = serde_json::from_str(&json).expect("reloads");
    assert_eq!(tax, back);
    let findings = tax.lint();
    let has = |code, t: &str| {
        findings
            .iter()
            .any(|f| f.code == code && f.tags.iter().any(|x| x.as_str() == t))
    };
    assert!(has(LintCode::VagueName, "misc"));
    assert!(has(LintCode::VagueName, "cause/unknown"));
    assert!(has(LintCode::UnreadableSpike, "payment"));
    assert!(has(LintCode::NearDuplicate, "shipping/damage"));
    assert!(has(LintCode::OrphanCause, "cause/unknown"));
    assert!(has(LintCode::UnexplainedSymptom, "sales/upgrade"));
    assert!(!has(LintCode::UnexplainedSymptom, "shipping/late"));
    for f in &findings {
        assert!(!f.reason.is_empty() && !f.suggestion.is_empty());
    }
}

#[test]
fn the_core_enforces_the_taxonomy_only_when_configured() -> TestResult {
    let tax = example();
    let ids = SequentialIds::new();
    let now = at("2026-03-02T10:00:00Z");
    let plain = Context::new(now, &ids);
    let strict = Context::new(now, &ids).with_taxonomy(&tax);
    let ticket = TicketBuilder::new().build();
    let unknown = Command::AddTags {
        tags: vec![tag("vip")],
    };
    assert!(decide(&ticket, &unknown, &plain).is_ok());
    let err = decide(&ticket, &unknown, &strict).unwrap_err();
    assert_eq!(
        err,
        DomainError::Taxonomy {
            ticket: ticket.id(),
            violation: Violation::UnknownTag { tag: tag("vip") }
        }
    );
    assert!(
        err.to_string()
            .contains("breaks the tag taxonomy: tag vip is not in the taxonomy")
    );

    // Cardinality: one payment problem at a time.
    let paid = TicketBuilder::new().tag("payment/declined").build();
    let err = decide(
        &paid,
        &Command::AddTags {
            tags: vec![tag("payment/double-charge")],
        },
        &strict,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Taxonomy { violation: Violation::TooManyInGroup { ref group, .. }, .. } if group == "payment-problem"
    ));

    // Opening with an unknown tag is refused too.
    let cmd = OpenTicket::reactive(ticket.customer(), Channel::Email, "hi").with_tags([tag("vip")]);
    assert!(matches!(
        open(TenantId::from_u128(1), &cmd, &strict),
        Err(DomainError::Taxonomy { .. })
    ));
    Ok(())
}

#[test]
fn solving_needs_a_what_and_a_why_tag() -> TestResult {
    let tax = example();
    let agent = AgentId::from_u128(7);
    let base = TicketBuilder::new()
        .agent_reply(agent, "Looking")
        .tag("shipping/late");
    Scenario::given(base.clone())
        .taxonomy(tax.clone())
        .when(Command::status(Status::Solved))
        .then_error(|e| {
            matches!(
                e,
                DomainError::Taxonomy {
                    violation: Violation::MissingKind {
                        kind: TagKind::Why,
                        min: 1,
                        found: 0
                    },
                    ..
                }
            )
        });
    // Solving through a reply is checked too.
    Scenario::given(base.clone())
        .taxonomy(tax.clone())
        .when(Command::AgentReply {
            agent,
            channel: None,
            body: "Sorted".into(),
            then: Some(Status::Solved),
        })
        .then_error(|e| matches!(e, DomainError::Taxonomy { .. }));
    Scenario::given(base.tag("cause/carrier-delay"))
        .taxonomy(tax)
        .when(Command::status(Status::Solved))
        .then_status(Status::Solved);
    Ok(())
}

support::for_both_drivers! {

/// The desk before it is driven.
fn desk(
    tax: &Taxonomy,
    clock: ManualClock,
) -> Result<TheDesk<InMemoryStore, RecordingNotifier, ManualClock>, Box<dyn std::error::Error>> {
    Ok(
        TheDesk::new(InMemoryStore::new(), RecordingNotifier::new(), clock)
            .with_ids(SequentialIds::new())
            .with_auto_tagger(AutoTagger::new(tax)?)
            .with_taxonomy(tax.clone()),
    )
}

#[test]
fn the_desk_auto_tags_inbound_messages_in_the_same_commit() -> TestResult {
    let tax = example();
    let desk = drive(desk(&tax, ManualClock::at("2026-03-02T09:00:00Z")?)?);
    let shop = TenantId::from_u128(1);
    let li = Identity::email("li@example.com")?;
    let r = desk.receive(
        shop,
        Inbound::new(li.clone(), Channel::WhatsApp, "我的包裹延迟了一周，还没到")
            .external_id("wa-1"),
    )?;
    assert!(r.opened);
    assert_eq!(r.auto_tags.tags, [tag("shipping/late")]);
    let e = &r.auto_tags.explanations[0];
    assert_eq!(e.rule, "late");
    assert_eq!(
        e.spans.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
        ["延迟", "还没到"]
    );
    let history = desk.history(shop, r.ticket)?;
    let last = history.last().expect("events");
    assert!(matches!(&last.kind, EventKind::TagsAdded { tags } if tags[..] == [tag("shipping/late")]));
    assert_eq!(desk.ticket(shop, r.ticket)?.version(), last.sequence);

    // A redelivery is a duplicate: nothing added, nothing explained.
    let again = desk.receive(
        shop,
        Inbound::new(li.clone(), Channel::WhatsApp, "我的包裹延迟了一周，还没到")
            .external_id("wa-1"),
    )?;
    assert!(again.duplicate && again.auto_tags.is_empty());

    // A follow-up on the same ticket adds what is new only.
    let r2 = desk.receive(
        shop,
        Inbound::new(li, Channel::Email, "Still late. I want a refund!"),
    )?;
    assert_eq!(r2.ticket, r.ticket);
    assert_eq!(r2.auto_tags.tags, [tag("refund/request")]);
    let t = desk.ticket(shop, r.ticket)?;
    assert_eq!(
        t.tags().iter().map(Tag::as_str).collect::<Vec<_>>(),
        ["refund/request", "shipping/late"]
    );

    // The agent cannot solve before a cause is tagged.
    let agent = AgentId::from_u128(7);
    desk.execute(shop, r.ticket, Command::agent_reply(agent, "We are on it"))?;
    let err = desk
        .execute(shop, r.ticket, Command::status(Status::Solved))
        .unwrap_err();
    assert!(matches!(
        err,
        DeskError::Domain(DomainError::Taxonomy { .. })
    ));
    let err = desk
        .execute(
            shop,
            r.ticket,
            Command::AddTags {
                tags: vec![tag("cause/made-up")],
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("cause/made-up"));
    desk.execute(
        shop,
        r.ticket,
        Command::AddTags {
            tags: vec![tag("cause/carrier-delay")],
        },
    )?;
    let out = desk.execute(shop, r.ticket, Command::status(Status::Solved))?;
    assert_eq!(out.ticket.status(), Status::Solved);
    Ok(())
}

#[test]
fn auto_tagging_skips_conflicting_group_tags_instead_of_failing() -> TestResult {
    let tax = example();
    let desk = drive(desk(&tax, ManualClock::at("2026-03-02T09:00:00Z")?)?);
    let shop = TenantId::from_u128(1);
    let r = desk.receive(
        shop,
        Inbound::new(
            Identity::email("ana@example.com")?,
            Channel::Email,
            "My card was declined and then I was charged twice",
        ),
    )?;
    assert!(r.auto_tags.tags.is_empty());
    assert_eq!(r.auto_tags.skipped.len(), 2);
    assert!(desk.ticket(shop, r.ticket)?.tags().is_empty());
    Ok(())
}

#[test]
fn spikes_are_found_and_sent_to_the_team() -> TestResult {
    let tax = example();
    let cfg = SpikeConfig {
        period: PeriodKind::IsoWeek,
        time_zone: chrono_tz::Asia::Shanghai,
        baseline_periods: 4,
        min_count: 5,
        ..SpikeConfig::default()
    };
    let desk = drive(
        desk(&tax, ManualClock::at("2026-01-05T09:00:00Z")?)? // a Monday
            .with_spike_alerts(SpikeAlerts::new(cfg, Recipient::Team)),
    );
    let shop = TenantId::from_u128(1);
    let mut n = 0;
    let mut write = |desk: &Driven<_, _, _>, body: &str| -> TestResult {
        n += 1;
        let who = Identity::email(&format!("c{n}@example.com"))?;
        desk.receive(shop, Inbound::new(who, Channel::Email, body))?;
        Ok(())
    };
    // Four quiet weeks: one declined card a week, one praise.
    for _week in 0..4 {
        write(&desk, "My card was declined")?;
        write(&desk, "Thank you, great service")?;
        desk.clock().advance(Duration::weeks(1));
    }
    // Then twelve declined cards in one week.
    for _ in 0..12 {
        write(&desk, "payment failed again")?;
        desk.clock().advance(Duration::hours(2));
    }
    let check = desk.check_spikes(shop)?;
    assert_eq!(check.spikes.len(), 1, "{:?}", check.spikes);
    let s = &check.spikes[0];
    assert_eq!(s.reading, Reading::Bad);
    assert_eq!(
        s.to_string(),
        "bad spike: payment/declined +1100% this week"
    );
    assert_eq!(check.delivery.delivered.len(), 1);
    let sent = desk.notifier().sent();
    let notice = sent
        .iter()
        .find(|n| n.kind == NotificationKind::TagSpike)
        .expect("sent");
    assert_eq!(notice.recipient, Recipient::Team);
    assert_eq!(notice.ticket_id(), None);
    assert!(
        matches!(&notice.content, NotificationContent::TagSpike(s) if s.change_percent == Some(1100))
    );
    // Checking again gives the notice the same id.
    let again = desk.check_spikes(shop)?;
    assert_eq!(again.spikes.len(), 1);
    let ids: BTreeSet<_> = desk
        .notifier()
        .sent()
        .iter()
        .filter(|n| n.kind == NotificationKind::TagSpike)
        .map(|n| n.id)
        .collect();
    assert_eq!(ids.len(), 1);
    Ok(())
}

}

#[test]
fn the_tagger_explains_chinese_and_mixed_text() -> TestResult {
    let tax = example();
    let tagger = AutoTagger::new(&tax)?;
    let out = tagger.tag(&Input::new(
        "付款时提示支付失败，我用的是Visa卡, password reset也不行",
        Channel::LiveChat,
    ));
    assert_eq!(out.tags, [tag("account/access"), tag("payment/declined")]);
    for e in &out.explanations {
        assert!(!e.spans.is_empty(), "{e}");
    }
    assert!(
        tagger
            .tag(&Input::new(
                "I cancelled nothing; the cancellation fee?",
                Channel::Email
            ))
            .is_empty()
    );
    Ok(())
}

#[test]
fn results_round_trip_through_serde() -> TestResult {
    let tax = example();
    let findings = tax.lint();
    let back: Vec<supportdesk::taxonomy::Finding> =
        serde_json::from_str(&serde_json::to_string(&findings)?)?;
    assert_eq!(findings, back);
    assert!(serde_json::to_string(&findings[0])?.contains("\"code\":\"vague-name\""));
    let out = AutoTagger::new(&tax)?.tag(&Input::new("late and broken, 退款", Channel::Email));
    let back: supportdesk::taxonomy::AutoTags =
        serde_json::from_str(&serde_json::to_string(&out)?)?;
    assert_eq!(out, back);
    let v = Violation::MissingKind {
        kind: TagKind::Why,
        min: 1,
        found: 0,
    };
    assert_eq!(
        serde_json::to_string(&v)?,
        r#"{"violation":"missing_kind","kind":"why","min":1,"found":0}"#
    );
    let tickets: Vec<_> = (0..12u128)
        .map(|i| {
            TicketBuilder::new()
                .id(supportdesk::id::TicketId::from_u128(i))
                .opened_at(at("2026-03-02T10:00:00Z"))
                .tag("payment/declined")
                .build()
        })
        .collect();
    let spikes = supportdesk::taxonomy::detect_spikes(
        &tickets,
        Some(&tax),
        at("2026-03-03T10:00:00Z"),
        &SpikeConfig::default(),
    );
    assert_eq!(
        spikes[0].to_string(),
        "bad spike: payment/declined 12 this week, none before"
    );
    let back: Vec<supportdesk::taxonomy::Spike> =
        serde_json::from_str(&serde_json::to_string(&spikes)?)?;
    assert_eq!(spikes, back);
    let cfg: SpikeConfig =
        serde_json::from_str(r#"{"period":"day","time_zone":"Asia/Shanghai","drops":true}"#)?;
    assert_eq!(cfg.time_zone, chrono_tz::Asia::Shanghai);
    assert_eq!(cfg.baseline_periods, 8);
    Ok(())
}

/// One period type: spike configs written with `"period": "week"` still
/// load (as the ISO week), and months work like days and weeks.
#[test]
fn spike_periods_are_the_calendar_periods() -> TestResult {
    let old: SpikeConfig = serde_json::from_str(r#"{"period": "week", "min_count": 3}"#)?;
    assert_eq!(old.period, PeriodKind::IsoWeek);
    assert_eq!(old.period, supportdesk::metrics::PeriodKind::IsoWeek);
    let month: SpikeConfig = serde_json::from_str(r#"{"period": "month", "min_count": 3}"#)?;
    assert_eq!(month.period, PeriodKind::Month);
    // Three quiet months with one payment error each, then six in April.
    let mut tickets = Vec::new();
    let mut n = 0u128;
    let mut open_at = |when: &str, tickets: &mut Vec<supportdesk::Ticket>| {
        n += 1;
        tickets.push(
            supportdesk::testing::TicketBuilder::new()
                .id(supportdesk::id::TicketId::from_u128(n))
                .opened_at(at(when))
                .tag("payment-error")
                .build(),
        );
    };
    for m in [
        "2026-01-10T10:00:00Z",
        "2026-02-10T10:00:00Z",
        "2026-03-10T10:00:00Z",
    ] {
        open_at(m, &mut tickets);
    }
    for d in 1..=6 {
        open_at(&format!("2026-04-{:02}T10:00:00Z", d * 4), &mut tickets);
    }
    let cfg = SpikeConfig {
        baseline_periods: 3,
        ..month
    };
    let spikes =
        supportdesk::taxonomy::detect_spikes(&tickets, None, at("2026-04-30T12:00:00Z"), &cfg);
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(spikes[0].period, PeriodKind::Month);
    assert_eq!(spikes[0].count, 6);
    assert_eq!(
        spikes[0].period_start,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 1).ok_or("date")?
    );
    assert!(
        spikes[0].to_string().contains("this month"),
        "{}",
        spikes[0]
    );
    Ok(())
}
