//! The customer experience ledger, repeat contacts and first-contact
//! resolution (issue 15, parts 2 and 3), through the public API only:
//! hand-computed cases for every experience kind and every repeat rule, and
//! properties (shards merge into the whole, newer facts replace older ones,
//! serde round trips, the report agrees with a direct reading of the
//! definition).

use proptest::prelude::*;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::experience::{
    Anchor, ExperienceError, ExperienceKind, Ledger, LedgerConfig, NextIssueConfig,
    NextIssueCounts, RepeatContacts, RepeatReport, RepeatRule, RiskTier, RiskTiers, Same, Within,
};
use supportdesk::id::{CustomerId, TicketId};
use supportdesk::metrics::{CsatFact, Elapsed, FactsFields, FactsOptions, TicketFacts};
use supportdesk::sla::Calendars;
use supportdesk::taxonomy::Taxonomy;
use supportdesk::testing::TicketBuilder;
use supportdesk::ticket::{Ces, Csat};
use supportdesk::{Channel, Status, Tag};

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// 2026-03-02T00:00:00Z, a Monday.
const T0: i64 = 1_772_409_600;

fn taxonomy() -> Taxonomy {
    serde_json::from_str(
        r#"{"tags": [
            {"tag": "shipping", "kind": "what"}, {"tag": "shipping/late"},
            {"tag": "billing", "kind": "what"},
            {"tag": "cause", "kind": "why"}, {"tag": "cause/carrier"}, {"tag": "cause/stock"}
        ]}"#,
    )
    .unwrap()
}

fn tid(n: u128) -> TicketId {
    TicketId::from_u128(n)
}

fn cid(n: u128) -> CustomerId {
    CustomerId::from_u128(n)
}

/// A contact opened `day` days (and `hour` hours) after T0, seen at `as_of`.
fn contact(
    ticket: u128,
    customer: u128,
    channel: Channel,
    at: i64,
    tags: &[&str],
    as_of: i64,
) -> TicketFacts {
    let mut f = TicketFacts::new(tid(ticket), cid(customer), channel, at);
    f.tags = tags.iter().map(|t| Tag::new(t).unwrap()).collect();
    f.tags.sort();
    f.as_of = as_of;
    f.last_event_at = at;
    f
}

/// Resolved `after` seconds after opening with `replies` agent replies.
fn resolve(f: &mut TicketFacts, after: i64, replies: u32) {
    let at = f.created_at + after;
    f.statuses.push((f.created_at + 60, Status::Open));
    f.statuses.push((at, Status::Solved));
    f.status = Status::Solved;
    f.solved_ever = true;
    f.resolved_at = Some(at);
    f.resolution = Some(Elapsed::new(after as u64));
    f.agent_replies = replies;
    f.last_event_at = f.last_event_at.max(at);
}

fn reopen(f: &mut TicketFacts, at: i64, solved_again: i64) {
    f.statuses.push((at, Status::Open));
    f.statuses.push((solved_again, Status::Solved));
    f.reopens += 1;
    f.resolved_at = Some(solved_again);
    f.last_event_at = f.last_event_at.max(solved_again);
}

/// Customer 1: t1 (day 0, email, shipping/late + carrier, one touch), t2
/// (day 3, phone, billing + carrier, one touch), a proactive notice t6
/// (day 2, carrier), t3 (day 20, email, shipping/late + stock, reopened),
/// t4 (day 21, email, billing + stock, unresolved). Customer 2: t5 (day 1,
/// chat, shipping/late + carrier, two replies).
fn five(as_of: i64) -> Vec<TicketFacts> {
    let c = |t, cu, ch, d: i64, tags: &[&str]| contact(t, cu, ch, T0 + d * DAY, tags, as_of);
    let mut t1 = c(1, 1, Channel::Email, 0, &["shipping/late", "cause/carrier"]);
    resolve(&mut t1, HOUR, 1);
    let mut t2 = c(2, 1, Channel::Phone, 3, &["billing", "cause/carrier"]);
    resolve(&mut t2, HOUR, 1);
    let mut t3 = c(3, 1, Channel::Email, 20, &["shipping/late", "cause/stock"]);
    resolve(&mut t3, HOUR, 2);
    reopen(&mut t3, T0 + 20 * DAY + 2 * HOUR, T0 + 20 * DAY + 3 * HOUR);
    let t4 = c(4, 1, Channel::Email, 21, &["billing", "cause/stock"]);
    let mut t5 = c(
        5,
        2,
        Channel::LiveChat,
        1,
        &["shipping/late", "cause/carrier"],
    );
    resolve(&mut t5, HOUR, 2);
    let mut t6 = c(6, 1, Channel::Email, 2, &["cause/carrier"]);
    t6.proactive = true;
    vec![t1, t2, t3, t4, t5, t6]
}

fn report(facts: &[TicketFacts], rule: &RepeatRule, from: i64, to: i64) -> RepeatReport {
    RepeatReport::from_facts(facts, rule, &taxonomy(), &Calendars::new(), from, to).unwrap()
}

fn rate(r: supportdesk::metrics::Rate) -> (u64, u64) {
    (r.count, r.of)
}

#[test]
fn repeat_by_why_tag_in_seven_calendar_days_from_opening() {
    let facts = five(T0 + 60 * DAY);
    let r = report(&facts, &RepeatRule::default(), T0, T0 + 60 * DAY);
    let o = &r.overall;
    // t2 repeats t1 (carrier, 3 days; the proactive t6 is no contact); t4
    // repeats t3 (stock, 1 day); t3 shares no cause with t2; t5 is another
    // customer.
    assert_eq!(o.contacts, 5);
    assert_eq!(rate(o.repeat), (2, 5));
    // FCR, every window closed by day 60: t1 repeated, t2 yes, t3
    // reopened, t4 unresolved, t5 yes.
    assert_eq!(rate(o.fcr), (2, 5));
    assert_eq!(o.pending, 0);
    // One touch out of the resolved t1, t2, t3, t5: t1 and t2.
    assert_eq!(rate(o.one_touch), (2, 4));
    let pairs: Vec<_> = r
        .pairs
        .iter()
        .map(|p| (p.earlier, p.later, p.customer, p.gap))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (tid(1), tid(2), cid(1), 3 * DAY),
            (tid(3), tid(4), cid(1), DAY)
        ]
    );
    let ch: Vec<_> = r
        .by_channel
        .iter()
        .map(|c| {
            let f = &c.figures;
            (
                c.channel,
                f.contacts,
                rate(f.repeat),
                rate(f.fcr),
                rate(f.one_touch),
            )
        })
        .collect();
    assert_eq!(
        ch,
        vec![
            (Channel::Email, 3, (1, 3), (0, 3), (1, 2)),
            (Channel::LiveChat, 1, (0, 1), (1, 1), (0, 1)),
            (Channel::Phone, 1, (1, 1), (1, 1), (1, 1)),
        ]
    );
    let reasons: Vec<_> = r
        .by_reason
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                c.figures.contacts,
                rate(c.figures.repeat),
                rate(c.figures.fcr),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("billing".to_owned(), 2, (2, 2), (1, 2)),
            ("shipping/late".to_owned(), 3, (0, 3), (1, 3)),
        ]
    );
    // Wilson interval of 2/5.
    let i = o.repeat_interval().unwrap();
    assert!(
        (i.low - 0.1176).abs() < 1e-3 && (i.high - 0.7693).abs() < 1e-3,
        "{i:?}"
    );
}

#[test]
fn unclassified_contacts_have_their_own_bucket() {
    let f = contact(
        1,
        1,
        Channel::Email,
        T0,
        &["cause/carrier", "vip"],
        T0 + DAY,
    );
    let r = report(&[f], &RepeatRule::default(), T0, T0 + DAY);
    assert_eq!(r.by_reason.len(), 1);
    assert_eq!(r.by_reason[0].name(), "unclassified");
    assert_eq!(r.by_reason[0].reason, None);
    // Opened at T0, seen a day later: its 7-day window is still open.
    assert_eq!(r.overall.pending, 1);
    assert_eq!(rate(r.overall.fcr), (0, 0));
}

#[test]
fn same_what_and_same_any() {
    let facts = five(T0 + 60 * DAY);
    // What-tags within 30 days: t3 repeats t1 (shipping/late, 20 days), t4
    // repeats t2 (billing, 18 days); t2 has no what-tag in common with t1.
    let what = RepeatRule::new(Within::calendar(30 * DAY), Same::What, Anchor::Opened);
    let r = report(&facts, &what, T0, T0 + 60 * DAY);
    assert_eq!(rate(r.overall.repeat), (2, 5));
    let pairs: Vec<_> = r
        .pairs
        .iter()
        .map(|p| (p.earlier, p.later, p.gap))
        .collect();
    assert_eq!(
        pairs,
        vec![(tid(1), tid(3), 20 * DAY), (tid(2), tid(4), 18 * DAY)]
    );
    // Anything within 7 days: t2 (3 days after t1), t4 (1 day after t3);
    // t3 is 17 days after t2.
    let any = RepeatRule::default().with_same(Same::Any);
    let r = report(&facts, &any, T0, T0 + 60 * DAY);
    assert_eq!(rate(r.overall.repeat), (2, 5));
    // t1 and t3 are repeated: FCR t2, t5.
    assert_eq!(rate(r.overall.fcr), (2, 5));
}

#[test]
fn contacts_before_the_range_still_count_as_the_earlier_contact() {
    let facts = five(T0 + 60 * DAY);
    // Contacts opened from day 2: t2, t3, t4; t2 repeats t1 from before.
    let r = report(&facts, &RepeatRule::default(), T0 + 2 * DAY, T0 + 30 * DAY);
    assert_eq!(r.overall.contacts, 3);
    assert_eq!(rate(r.overall.repeat), (2, 3));
}

#[test]
fn fcr_waits_for_the_window_to_close() {
    // Seen on day 22: t3 (day 20) and t4 (day 21) are still in their
    // windows; t1, t2, t5 are not.
    let facts = five(T0 + 22 * DAY);
    let r = report(&facts, &RepeatRule::default(), T0, T0 + 60 * DAY);
    assert_eq!(r.overall.pending, 2);
    assert_eq!(rate(r.overall.fcr), (2, 3));
    // Exactly at the end of t4's window (inclusive) it is still pending;
    // one second later it is known.
    let at_end = five(T0 + 28 * DAY);
    let r = report(&at_end, &RepeatRule::default(), T0, T0 + 60 * DAY);
    assert_eq!(r.overall.pending, 1);
    let after = five(T0 + 28 * DAY + 1);
    let r = report(&after, &RepeatRule::default(), T0, T0 + 60 * DAY);
    assert_eq!(r.overall.pending, 0);
}

#[test]
fn anchor_resolved_counts_contacts_while_open_and_after_resolution() {
    let as_of = T0 + 60 * DAY;
    // p opened day 0, resolved day 10; c1 day 5 (while p was open),
    // resolved the same day; c2 day 16, 6 days after p's resolution.
    let mut p = contact(1, 1, Channel::Email, T0, &[], as_of);
    resolve(&mut p, 10 * DAY, 1);
    let mut c1 = contact(2, 1, Channel::Email, T0 + 5 * DAY, &[], as_of);
    resolve(&mut c1, HOUR, 1);
    let c2 = contact(3, 1, Channel::Phone, T0 + 16 * DAY, &[], as_of);
    let facts = [p, c1, c2];
    let resolved = RepeatRule::default()
        .with_same(Same::Any)
        .with_anchor(Anchor::Resolved);
    let r = report(&facts, &resolved, T0, as_of);
    let pairs: Vec<_> = r
        .pairs
        .iter()
        .map(|p| (p.earlier, p.later, p.gap))
        .collect();
    // c2 is 16 - 5 days after c1's resolution: it repeats p, not c1.
    assert_eq!(
        pairs,
        vec![(tid(1), tid(2), 5 * DAY), (tid(1), tid(3), 16 * DAY)]
    );
    // Unresolved c2 is pending (its window has not started); p repeated;
    // c1 first-contact resolved.
    assert_eq!(r.overall.pending, 1);
    assert_eq!(rate(r.overall.fcr), (1, 2));
    // From the opening, only c1 (5 days) repeats.
    let opened = RepeatRule::default().with_same(Same::Any);
    let r = report(&facts, &opened, T0, as_of);
    assert_eq!(rate(r.overall.repeat), (1, 3));
}

fn office() -> Calendars {
    let cal = BusinessCalendar::builder("Europe/Berlin")
        .weekdays("09:00", "17:00")
        .build()
        .unwrap();
    Calendars::new().with("office", cal)
}

#[test]
fn business_window_skips_nights_and_the_weekend() {
    // Friday 2026-03-06 16:00 CET; Monday 15:00 CET is 1 + 6 = 7 office
    // hours later, Monday 16:30 CET 8.5 hours.
    let fri = T0 + 4 * DAY + 15 * HOUR;
    let mon_15 = T0 + 7 * DAY + 14 * HOUR;
    let mon_1630 = mon_15 + 90 * 60;
    let as_of = T0 + 30 * DAY;
    let facts = [
        contact(1, 1, Channel::Email, fri, &[], as_of),
        contact(2, 1, Channel::Email, mon_15, &[], as_of),
        contact(3, 2, Channel::Email, fri, &[], as_of),
        contact(4, 2, Channel::Email, mon_1630, &[], as_of),
    ];
    let business = RepeatRule::new(
        Within::business(8 * HOUR, "office"),
        Same::Any,
        Anchor::Opened,
    );
    let r = RepeatReport::from_facts(&facts, &business, &taxonomy(), &office(), T0, as_of).unwrap();
    let later: Vec<_> = r.pairs.iter().map(|p| p.later).collect();
    assert_eq!(later, vec![tid(2)]);
    // Eight calendar hours: neither.
    let calendar = RepeatRule::new(Within::calendar(8 * HOUR), Same::Any, Anchor::Opened);
    let r = RepeatReport::from_facts(&facts, &calendar, &taxonomy(), &office(), T0, as_of).unwrap();
    assert!(r.pairs.is_empty());
    // A calendar the calendars lack is a typed error.
    let err =
        RepeatReport::from_facts(&facts, &business, &taxonomy(), &Calendars::new(), T0, as_of);
    assert_eq!(
        err.err(),
        Some(ExperienceError::UnknownCalendar {
            name: "office".into()
        })
    );
}

/// Customer 9's two tickets, one experience of each kind.
fn every_kind() -> Vec<TicketFacts> {
    let as_of = T0 + 3 * DAY;
    let mut a = contact(10, 9, Channel::Email, T0, &["cause/carrier"], as_of);
    a.sla_breached_at = Some(T0 + 4 * HOUR);
    a.statuses = vec![
        (T0, Status::New),
        (T0 + HOUR, Status::Open),
        (T0 + 2 * HOUR, Status::Solved),
        (T0 + 3 * HOUR, Status::Open),
        (T0 + 5 * HOUR, Status::Solved),
    ];
    a.reopens = 1;
    a.resolved_at = Some(T0 + 5 * HOUR);
    a.resolution = Some(Elapsed::new(4 * 3600));
    a.agent_replies = 2;
    a.csat = Some(CsatFact::new(Csat::new(1).unwrap(), T0 + 6 * HOUR));
    a.ces = Some(Ces::new(6).unwrap());
    a.last_event_at = T0 + 6 * HOUR;
    a.follow_up_of = Some(tid(9));
    a.channel_switch = Some((T0 + 1800, Channel::Phone));
    let mut b = contact(
        11,
        9,
        Channel::Email,
        T0 + 2 * DAY,
        &["cause/carrier"],
        as_of,
    );
    resolve(&mut b, HOUR, 1);
    b.csat = Some(CsatFact::new(
        Csat::new(5).unwrap(),
        T0 + 2 * DAY + 2 * HOUR,
    ));
    b.ces = Some(Ces::new(2).unwrap());
    vec![a, b]
}

fn ledger_of(facts: &[TicketFacts]) -> Ledger {
    let mut l = Ledger::new(LedgerConfig::default(), &taxonomy(), Calendars::new()).unwrap();
    for f in facts {
        l.add(f);
    }
    l
}

#[test]
fn one_experience_of_each_kind() {
    let l = ledger_of(&every_kind());
    let timeline: Vec<_> = l
        .timeline(cid(9))
        .unwrap()
        .iter()
        .map(|e| (e.at - T0, e.ticket, e.kind))
        .collect();
    let (a, b) = (tid(10), tid(11));
    assert_eq!(
        timeline,
        vec![
            (0, a, ExperienceKind::FollowUpAfterClose { closed: tid(9) }),
            (
                1800,
                a,
                ExperienceKind::ChannelSwitch {
                    from: Channel::Email,
                    to: Channel::Phone
                }
            ),
            (3 * HOUR, a, ExperienceKind::Reopen),
            (4 * HOUR, a, ExperienceKind::SlaBreach),
            (6 * HOUR, a, ExperienceKind::LowCsat { score: 1 }),
            // The CES has no instant of its own: the ticket's last event.
            (6 * HOUR, a, ExperienceKind::LowCes { score: 6 }),
            (2 * DAY, b, ExperienceKind::RepeatContact { earlier: a }),
            (2 * DAY + HOUR, b, ExperienceKind::OneTouch),
            (2 * DAY + 2 * HOUR, b, ExperienceKind::HighCsat { score: 5 }),
        ]
    );
    assert_eq!(l.timeline(cid(404)).unwrap(), vec![]);
}

#[test]
fn at_risk_ranks_by_recent_bad_experiences() {
    let mut facts = every_kind();
    let as_of = T0 + 3 * DAY;
    // Customer 20: one SLA breach on day 1. Customer 21: one on day 1 too,
    // at the same instant (ties go to the smaller id). Customer 22: a
    // breach 100 days ago, too old. Customer 23: only good experiences.
    for (t, c, at) in [
        (20, 20, T0 + DAY),
        (21, 21, T0 + DAY),
        (22, 22, T0 - 100 * DAY),
    ] {
        let mut f = contact(t, c, Channel::Email, at, &[], as_of);
        f.sla_breached_at = Some(at + HOUR);
        facts.push(f);
    }
    let mut good = contact(23, 23, Channel::Email, T0, &[], as_of);
    resolve(&mut good, HOUR, 1);
    facts.push(good);
    let l = ledger_of(&facts);
    let risk = l.at_risk(as_of, 10).unwrap();
    let summary: Vec<_> = risk
        .iter()
        .map(|r| (r.customer, r.bad_recent, r.tier.min_bad, r.last_bad_at - T0))
        .collect();
    assert_eq!(
        summary,
        vec![
            (cid(9), 7, 2, 2 * DAY),
            (cid(20), 1, 1, DAY + HOUR),
            (cid(21), 1, 1, DAY + HOUR),
        ]
    );
    assert_eq!(
        risk[1].reasons,
        vec!["SLA breached on ticket 00000000-0000-0000-0000-000000000014 (2026-03-03)".to_owned()]
    );
    assert_eq!(risk[0].tier.year, 2022);
    assert!(risk[0].tier.figure.contains("76%"));
    assert_eq!(risk[0].reasons.len(), 7);
    assert_eq!(
        risk[0].reasons[0],
        "wrote again after ticket 00000000-0000-0000-0000-000000000009 was closed: ticket 00000000-0000-0000-0000-00000000000a (2026-03-02)"
    );
    // The typed experiences are the reasons, in the same order.
    for r in &risk {
        let described: Vec<String> = r.experiences.iter().map(|e| e.describe()).collect();
        assert_eq!(described, r.reasons);
        assert!(r.experiences.iter().all(|e| e.kind.is_bad()));
        assert!(r.experiences.windows(2).all(|w| w[0].at <= w[1].at));
    }
    // JSON written before the typed experiences still reads.
    let mut old = serde_json::to_value(&risk[1]).unwrap();
    old.as_object_mut().unwrap().remove("experiences");
    let back: supportdesk::experience::AtRisk = serde_json::from_value(old).unwrap();
    assert!(back.experiences.is_empty());
    assert_eq!(back.reasons, risk[1].reasons);
    // The limit keeps the top of the ranking.
    assert_eq!(l.at_risk(as_of, 1).unwrap().len(), 1);
    // Before the experiences happened, nobody is at risk.
    assert!(l.at_risk(T0 - DAY, 10).unwrap().is_empty());
    // A host's own tiers: only three or more bad experiences count.
    let tiers = RiskTiers(vec![RiskTier::new(
        3,
        "churn watch",
        "our own churn study",
        "Acme",
        2025,
    )]);
    let mut own = Ledger::new(
        LedgerConfig::default().with_tiers(tiers),
        &taxonomy(),
        Calendars::new(),
    )
    .unwrap();
    for f in &facts {
        own.add(f);
    }
    let risk = own.at_risk(as_of, 10).unwrap();
    assert_eq!(risk.len(), 1);
    assert_eq!(risk[0].tier.label, "churn watch");
}

#[test]
fn risk_tier_presets_cite_their_figures() {
    let t2020 = RiskTiers::zendesk_2020();
    assert_eq!(t2020.tier_for(1).map(|t| t.year), Some(2020));
    assert!(t2020.tier_for(3).is_some_and(|t| t.figure.contains("80%")));
    assert!(
        RiskTiers::zendesk_2022()
            .tier_for(1)
            .is_some_and(|t| t.figure.contains("61%"))
    );
    assert_eq!(RiskTiers::default(), RiskTiers::zendesk_2022());
}

#[test]
fn configurations_are_checked() {
    let cal = Calendars::new();
    let bad = |c: LedgerConfig| Ledger::new(c, &taxonomy(), cal.clone()).err();
    assert_eq!(
        bad(LedgerConfig::default().with_thresholds(0, 5, 5)),
        Some(ExperienceError::Threshold {
            name: "low_csat",
            value: 0,
            min: 1,
            max: 5
        })
    );
    assert_eq!(
        bad(LedgerConfig::default().with_thresholds(3, 3, 5)),
        Some(ExperienceError::CsatThresholds { low: 3, high: 3 })
    );
    assert!(matches!(
        bad(LedgerConfig::default().with_thresholds(2, 5, 8)),
        Some(ExperienceError::Threshold {
            name: "high_effort",
            value: 8,
            ..
        })
    ));
    assert_eq!(
        bad(LedgerConfig::default().with_recent_seconds(0)),
        Some(ExperienceError::RecentWindow { seconds: 0 })
    );
    assert!(matches!(
        bad(LedgerConfig::default().with_tiers(RiskTiers(vec![]))),
        Some(ExperienceError::RiskTier { .. })
    ));
    let twice = RiskTiers(vec![
        RiskTier::new(2, "a", "", "", 2022),
        RiskTier::new(2, "b", "", "", 2022),
    ]);
    assert!(matches!(
        bad(LedgerConfig::default().with_tiers(twice)),
        Some(ExperienceError::RiskTier { min_bad: 2, .. })
    ));
    assert_eq!(
        bad(LedgerConfig::default()
            .with_repeat(RepeatRule::default().with_within(Within::calendar(-1)))),
        Some(ExperienceError::EmptyWindow { seconds: -1 })
    );
    // Serde: defaults for every field, unknown fields rejected.
    let c: LedgerConfig =
        serde_json::from_str(r#"{"low_csat": 1, "recent_seconds": 86400}"#).unwrap();
    assert_eq!(
        c,
        LedgerConfig::default()
            .with_thresholds(1, 5, 5)
            .with_recent_seconds(86_400)
    );
    assert!(serde_json::from_str::<LedgerConfig>(r#"{"low": 1}"#).is_err());
    assert!(serde_json::from_str::<RepeatRule>(r#"{"same": "when"}"#).is_err());
}

#[test]
fn merging_needs_the_same_definitions() {
    let mut a = ledger_of(&[]);
    let b = Ledger::new(
        LedgerConfig::default().with_recent_seconds(DAY),
        &taxonomy(),
        Calendars::new(),
    )
    .unwrap();
    assert_eq!(
        a.merge(b),
        Err(ExperienceError::Mismatch { what: "config" })
    );
    let other: Taxonomy =
        serde_json::from_str(r#"{"tags": [{"tag": "x", "kind": "what"}]}"#).unwrap();
    let c = Ledger::new(LedgerConfig::default(), &other, Calendars::new()).unwrap();
    assert_eq!(
        a.merge(c),
        Err(ExperienceError::Mismatch { what: "taxonomy" })
    );
}

#[test]
fn facts_from_histories_feed_the_ledger() {
    // Two histories of one customer a day apart, both tagged with the same
    // cause: the second repeats the first; the first was one touch.
    let first = TicketBuilder::new()
        .id(tid(1))
        .tag("cause/carrier")
        .agent_reply(supportdesk::id::AgentId::from_u128(7), "On it")
        .status(Status::Solved)
        .events();
    let second = TicketBuilder::new()
        .id(tid(2))
        .opened_at("2026-01-06T09:00:00Z".parse().unwrap())
        .tag("cause/carrier")
        .events();
    let options = FactsOptions::new("2026-01-20T00:00:00Z".parse().unwrap(), Calendars::new());
    let mut l = ledger_of(&[]);
    for h in [&first, &second] {
        l.add(&TicketFacts::from_events(h, &options).unwrap().unwrap());
    }
    let kinds: Vec<_> = l
        .timeline(cid(1))
        .unwrap()
        .iter()
        .map(|e| (e.ticket, e.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (tid(1), ExperienceKind::OneTouch),
            (tid(2), ExperienceKind::RepeatContact { earlier: tid(1) }),
        ]
    );
    let r = l.repeat_report(0, i64::MAX).unwrap();
    assert_eq!(rate(r.overall.repeat), (1, 2));
    assert_eq!(rate(r.overall.fcr), (0, 2));
}

#[test]
fn serialised_ledgers_round_trip_and_are_checked() {
    let l = ledger_of(&five(T0 + 60 * DAY));
    let json = serde_json::to_string(&l).unwrap();
    let back: Ledger = serde_json::from_str(&json).unwrap();
    assert_eq!(back, l);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // A record naming a tag number the ledger does not define.
    let broken = json.replacen("\"bits\":", "\"more\":[99],\"bits\":", 1);
    let err = serde_json::from_str::<Ledger>(&broken)
        .unwrap_err()
        .to_string();
    assert!(err.contains("tag number 99"), "{err}");
}

// ---- properties -------------------------------------------------------

const TAGS: [&str; 5] = [
    "shipping/late",
    "billing",
    "cause/carrier",
    "cause/stock",
    "vip",
];

prop_compose! {
    fn arb_facts(ticket: u128)(
        customer in 0u128..6,
        created in 0i64..(40 * DAY),
        channel in prop::sample::select(vec![Channel::Email, Channel::Phone, Channel::LiveChat]),
        tags in prop::collection::vec(0usize..TAGS.len(), 0..3),
        resolved in prop::option::of(60i64..(5 * DAY)),
        replies in 0u32..3,
        reopened in any::<bool>(),
        proactive in prop::bool::weighted(0.1),
        breach in prop::option::of(0i64..DAY),
        csat in prop::option::of(1i64..=5),
        ces in prop::option::of(1i64..=7),
        switch in any::<bool>(),
        follow in any::<bool>(),
        as_of_after in 0i64..(20 * DAY),
    ) -> TicketFacts {
        let as_of = T0 + created + as_of_after;
        let tags: Vec<&str> = tags.into_iter().map(|i| TAGS[i]).collect();
        let mut f = contact(ticket, customer, channel, T0 + created, &tags, as_of);
        f.proactive = proactive;
        if let Some(after) = resolved {
            resolve(&mut f, after, replies);
            if reopened {
                let at = f.created_at + after + HOUR;
                reopen(&mut f, at, at + HOUR);
            }
        }
        f.sla_breached_at = breach.map(|b| f.created_at + b);
        if let Some(s) = csat {
            f.csat = Some(CsatFact::new(Csat::new(s).unwrap(), f.last_event_at + 60));
            f.last_event_at += 60;
        }
        f.ces = ces.and_then(|c| Ces::new(c).ok());
        if switch {
            f.channel_switch = Some((f.created_at + 600, Channel::Sms));
        }
        if follow {
            f.follow_up_of = Some(tid(ticket + 10_000));
        }
        f
    }
}

fn arb_many() -> impl Strategy<Value = Vec<TicketFacts>> {
    (0usize..30).prop_flat_map(|n| (0..n).map(|i| arb_facts(i as u128 + 1)).collect::<Vec<_>>())
}

fn arb_rule() -> impl Strategy<Value = RepeatRule> {
    (
        prop::sample::select(vec![Same::Why, Same::What, Same::Any]),
        prop::sample::select(vec![Anchor::Opened, Anchor::Resolved]),
        1i64..(10 * DAY),
    )
        .prop_map(|(same, from, secs)| RepeatRule::new(Within::calendar(secs), same, from))
}

/// `facts` added to `shards` `RepeatContacts` as `seed` spreads them,
/// merged in an order `seed` turns (and reversed when asked).
fn merged_shards(
    rule: &RepeatRule,
    facts: &[TicketFacts],
    shards: usize,
    seed: u64,
    reverse: bool,
) -> RepeatContacts {
    let empty = RepeatContacts::new(rule.clone(), &taxonomy(), Calendars::new()).unwrap();
    let mut parts = vec![empty.clone(); shards];
    for (i, f) in facts.iter().enumerate() {
        parts[(seed.rotate_left(i as u32) as usize) % shards].add(f);
    }
    parts.rotate_left(seed as usize % shards);
    if reverse {
        parts.reverse();
    }
    let mut contacts = empty;
    for p in parts {
        contacts.merge(p).unwrap();
    }
    contacts
}

fn ledger_with(rule: &RepeatRule, facts: &[TicketFacts]) -> Ledger {
    let mut l = Ledger::new(
        LedgerConfig::default().with_repeat(rule.clone()),
        &taxonomy(),
        Calendars::new(),
    )
    .unwrap();
    for f in facts {
        l.add(f);
    }
    l
}

/// The definition read directly off the facts, O(n²): the figures a
/// pandas script computes.
fn reference(
    facts: &[TicketFacts],
    rule: &RepeatRule,
    from: i64,
    to: i64,
) -> (u64, u64, u64, u64, u64) {
    let tax = taxonomy();
    let kinds = |f: &TicketFacts, k| -> Vec<Tag> {
        f.tags
            .iter()
            .filter(|t| tax.kind_of(t) == Some(k))
            .cloned()
            .collect()
    };
    let share = |p: &TicketFacts, c: &TicketFacts| match rule.same {
        Same::Why => kinds(p, supportdesk::taxonomy::TagKind::Why)
            .iter()
            .any(|t| kinds(c, supportdesk::taxonomy::TagKind::Why).contains(t)),
        Same::What => kinds(p, supportdesk::taxonomy::TagKind::What)
            .iter()
            .any(|t| kinds(c, supportdesk::taxonomy::TagKind::What).contains(t)),
        _ => true,
    };
    let w = rule.within.seconds;
    let inside = |a: i64, b: i64| b >= a && b - a <= w;
    let repeats = |p: &TicketFacts, c: &TicketFacts| {
        !p.proactive
            && !c.proactive
            && p.customer == c.customer
            && (p.created_at, p.ticket) < (c.created_at, c.ticket)
            && share(p, c)
            && match rule.from {
                Anchor::Opened => inside(p.created_at, c.created_at),
                _ => match p.resolved_at {
                    Some(r) if r < c.created_at => inside(r, c.created_at),
                    _ => true,
                },
            }
    };
    let (mut contacts, mut rep, mut fcr, mut fcr_of, mut pending) = (0, 0, 0, 0, 0);
    for c in facts
        .iter()
        .filter(|c| !c.proactive && c.created_at >= from && c.created_at < to)
    {
        contacts += 1;
        if facts.iter().any(|p| repeats(p, c)) {
            rep += 1;
        }
        let start = match rule.from {
            Anchor::Opened => Some(c.created_at),
            _ => c.resolved_at,
        };
        match start {
            Some(s) if c.as_of >= s && !inside(s, c.as_of) => {
                fcr_of += 1;
                if c.resolved_at.is_some() && c.reopens == 0 && !facts.iter().any(|l| repeats(c, l))
                {
                    fcr += 1;
                }
            }
            _ => pending += 1,
        }
    }
    (contacts, rep, fcr, fcr_of, pending)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_report_is_the_definition(facts in arb_many(), rule in arb_rule(), from in 0i64..(20 * DAY), len in 1i64..(40 * DAY)) {
        let (from, to) = (T0 + from, T0 + from + len);
        let r = report(&facts, &rule, from, to);
        let o = &r.overall;
        prop_assert_eq!((o.contacts, o.repeat.count, o.fcr.count, o.fcr.of, o.pending), reference(&facts, &rule, from, to));
        prop_assert_eq!(r.pairs.len() as u64, o.repeat.count);
        let by_channel: u64 = r.by_channel.iter().map(|c| c.figures.contacts).sum();
        prop_assert_eq!(by_channel, o.contacts);
    }

    #[test]
    fn shards_merge_into_the_whole(
        facts in arb_many(),
        rule in arb_rule(),
        split in prop::sample::select(vec![0u8, 1, 2]),
        shards in 1usize..5,
        seed in any::<u64>(),
    ) {
        let whole = ledger_with(&rule, &facts);
        let mut parts = vec![Vec::new(); shards];
        for (i, f) in facts.iter().enumerate() {
            let k = match split {
                // By customer.
                0 => f.customer.as_u128() as usize % shards,
                // By period (5-day blocks).
                1 => ((f.created_at - T0) / (5 * DAY)) as usize % shards,
                // Any split at all.
                _ => (seed.rotate_left(i as u32) as usize) % shards,
            };
            parts[k].push(f.clone());
        }
        let mut ledgers: Vec<Ledger> = parts.iter().map(|p| ledger_with(&rule, p)).collect();
        // Merge in an order that depends on the seed.
        ledgers.rotate_left(seed as usize % shards);
        if seed % 2 == 1 {
            ledgers.reverse();
        }
        // Some shards queried (so sorted) before they are merged, as
        // shards built on threads of their own are.
        for (i, l) in ledgers.iter().enumerate() {
            if (seed >> (8 + i)) & 1 == 1 {
                let _ = l.tickets();
            }
        }
        let mut merged = ledgers.remove(0);
        for l in ledgers {
            merged.merge(l).unwrap();
        }
        prop_assert_eq!(&merged, &whole);
        let as_of = T0 + 45 * DAY;
        prop_assert_eq!(merged.at_risk(as_of, 5).unwrap(), whole.at_risk(as_of, 5).unwrap());
        prop_assert_eq!(merged.repeat_report(T0, as_of).unwrap(), whole.repeat_report(T0, as_of).unwrap());
        for c in 0..6 {
            prop_assert_eq!(merged.timeline(cid(c)).unwrap(), whole.timeline(cid(c)).unwrap());
        }
    }

    /// `RepeatContacts` (no ledger) gives the ledger's repeat report, with
    /// several facts of one ticket (newer, older, or as new with other
    /// contents) and the contacts added over shards merged in any order.
    #[test]
    fn repeat_contacts_equal_the_ledger(
        facts in arb_many(),
        rule in arb_rule(),
        again in prop::collection::vec((any::<prop::sample::Index>(), -2i64..3, any::<bool>()), 0..8),
        shards in 1usize..4,
        seed in any::<u64>(),
    ) {
        let mut all = facts.clone();
        if !facts.is_empty() {
            for (i, shift, retag) in again {
                let mut f = i.get(&facts).clone();
                f.as_of += shift * DAY;
                if retag {
                    f.tags.reverse();
                    f.tags.pop();
                    f.proactive = !f.proactive;
                }
                all.push(f);
            }
        }
        let whole = ledger_with(&rule, &all);
        let contacts = merged_shards(&rule, &all, shards, seed, false);
        prop_assert_eq!(contacts.len(), all.len());
        for (from, to) in [(T0, T0 + 45 * DAY), (T0 + 10 * DAY, T0 + 20 * DAY)] {
            prop_assert_eq!(contacts.report(from, to).unwrap(), whole.repeat_report(from, to).unwrap());
        }
        prop_assert_eq!(
            RepeatReport::from_facts(&all, &rule, &taxonomy(), &Calendars::new(), T0, T0 + 45 * DAY).unwrap(),
            whole.repeat_report(T0, T0 + 45 * DAY).unwrap()
        );
    }

    /// The repeat report reads none of the figures `FactsFields::CORE`
    /// leaves out: facts derived with it give the same report.
    #[test]
    fn core_facts_give_the_same_repeat_report(facts in arb_many(), rule in arb_rule()) {
        let mut core = facts.clone();
        for f in &mut core {
            FactsFields::CORE.clear(f);
        }
        let as_of = T0 + 45 * DAY;
        let full = RepeatReport::from_facts(&facts, &rule, &taxonomy(), &Calendars::new(), T0, as_of).unwrap();
        let lean = RepeatReport::from_facts(&core, &rule, &taxonomy(), &Calendars::new(), T0, as_of).unwrap();
        prop_assert_eq!(lean, full);
    }

    #[test]
    fn newer_facts_replace_older_ones(facts in arb_many(), seed in any::<u64>()) {
        let rule = RepeatRule::default();
        let finals = ledger_with(&rule, &facts);
        // Each ticket first seen at its opening, with nothing known yet,
        // then its final facts; early and final versions interleaved in an
        // order that depends on the seed (finals sometimes first).
        let mut stream: Vec<TicketFacts> = Vec::new();
        for f in &facts {
            let mut early = TicketFacts::new(f.ticket, f.customer, f.channel, f.created_at);
            early.as_of = f.created_at.min(f.as_of - 1);
            early.tags = f.tags.clone();
            stream.push(early);
            stream.push(f.clone());
        }
        let n = stream.len().max(1);
        for i in 0..stream.len() {
            let j = (seed.rotate_left(i as u32) as usize) % n;
            stream.swap(i, j);
        }
        let incremental = ledger_with(&rule, &stream);
        prop_assert_eq!(&incremental, &finals);
    }

    #[test]
    fn queries_between_additions_change_nothing(
        facts in arb_many(),
        rule in arb_rule(),
        seed in any::<u64>(),
    ) {
        let whole = ledger_with(&rule, &facts);
        let as_of = T0 + 45 * DAY;
        // Each ticket's early facts (nothing known yet) and its final ones,
        // shuffled by the seed and queried at points the seed picks: what
        // was added before a query and what comes after it must give the
        // ledger of the final facts, whatever the order.
        let mut stream: Vec<TicketFacts> = Vec::new();
        for f in &facts {
            let mut early = TicketFacts::new(f.ticket, f.customer, f.channel, f.created_at);
            early.as_of = f.created_at.min(f.as_of - 1);
            early.tags = f.tags.clone();
            stream.push(early);
            stream.push(f.clone());
        }
        let n = stream.len().max(1);
        for i in 0..stream.len() {
            stream.swap(i, (seed.rotate_left(i as u32) as usize) % n);
        }
        let mut l = ledger_with(&rule, &[]);
        for (i, f) in stream.iter().enumerate() {
            l.add(f);
            if seed.rotate_left(i as u32 * 7) % 3 == 0 {
                prop_assert!(l.tickets() <= facts.len());
                let _ = l.timeline(f.customer).unwrap();
            }
        }
        prop_assert_eq!(&l, &whole);
        prop_assert_eq!((l.customers(), l.tickets()), (whole.customers(), whole.tickets()));
        prop_assert_eq!(l.at_risk(as_of, 5).unwrap(), whole.at_risk(as_of, 5).unwrap());
        prop_assert_eq!(l.repeat_report(T0, as_of).unwrap(), whole.repeat_report(T0, as_of).unwrap());
    }

    #[test]
    fn serde_round_trip(facts in arb_many(), rule in arb_rule()) {
        let l = ledger_with(&rule, &facts);
        let back: Ledger = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        prop_assert_eq!(&back, &l);
        let r = l.repeat_report(T0, T0 + 60 * DAY).unwrap();
        let r2: RepeatReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        prop_assert_eq!(r2, r);
    }

    #[test]
    fn next_issues_from_the_ledger_equal_counting_the_facts(
        facts in arb_many(),
        secs in 1i64..(10 * DAY),
        same_reason in any::<bool>(),
        at in 0i64..(50 * DAY),
        seed in any::<u64>(),
    ) {
        let mut config = NextIssueConfig::default();
        config.within = Within::calendar(secs);
        config.same_reason = same_reason;
        let as_of = T0 + at;
        let direct = NextIssueCounts::count(&facts, &taxonomy(), &config, &Calendars::new(), as_of).unwrap();
        // The ledger fed early facts too (shuffled): it keeps the newest.
        let mut stream: Vec<TicketFacts> = Vec::new();
        for f in &facts {
            let mut early = TicketFacts::new(f.ticket, f.customer, f.channel, f.created_at);
            early.as_of = f.created_at.min(f.as_of - 1);
            stream.push(early);
            stream.push(f.clone());
        }
        let n = stream.len().max(1);
        for i in 0..stream.len() {
            stream.swap(i, (seed.rotate_left(i as u32) as usize) % n);
        }
        let mut l = ledger_with(&RepeatRule::default(), &[]);
        l.extend(&stream);
        prop_assert_eq!(l.next_issue_counts(&config, as_of).unwrap(), direct);
    }
}

/// Customer `c`'s id spread over the whole id space (the repeat contacts'
/// buckets, and so the threads of a report, then differ between them).
fn spread(c: CustomerId) -> CustomerId {
    CustomerId::from_u128(
        c.as_u128()
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The report over several threads is the report on one and the
    /// ledger's, with several facts of one ticket (newer, older, or as new
    /// and differing only in a figure the report does not read, which then
    /// decides between them as it does in the ledger) and the contacts
    /// added over shards merged in any order.
    #[test]
    fn repeat_contacts_on_threads_equal_one_thread_and_the_ledger(
        facts in arb_many(),
        rule in arb_rule(),
        again in prop::collection::vec((any::<prop::sample::Index>(), -1i64..2, 0u8..8), 0..10),
        wide in any::<bool>(),
        threads in 1usize..6,
        shards in 1usize..4,
        seed in any::<u64>(),
    ) {
        let mut all = facts.clone();
        if wide {
            // Up to 42 customers, spread over the buckets.
            for (i, f) in all.iter_mut().enumerate() {
                f.customer = spread(cid(f.customer.as_u128() * 7 + i as u128 % 7));
            }
        }
        let base = all.clone();
        if !base.is_empty() {
            for (i, shift, what) in again {
                let mut f = i.get(&base).clone();
                f.as_of += shift * DAY;
                match what {
                    0 => f.sla_breached_at = Some(f.created_at + HOUR),
                    1 => f.csat = Some(CsatFact::new(Csat::new(1 + (seed % 5) as i64).unwrap(), f.created_at)),
                    2 => f.ces = Ces::new(1 + (seed % 7) as i64).ok(),
                    3 => f.channel_switch = Some((f.created_at + 60, Channel::Phone)),
                    4 => f.follow_up_of = Some(tid(99_999)),
                    5 => {
                        let at = f.last_event_at;
                        f.statuses.push((at, Status::Solved));
                        f.statuses.push((at, Status::Open));
                    }
                    6 => {
                        f.tags.reverse();
                        f.tags.pop();
                    }
                    _ => f.proactive = !f.proactive,
                }
                all.push(f);
            }
        }
        let whole = ledger_with(&rule, &all);
        let contacts = merged_shards(&rule, &all, shards, seed, seed % 2 == 1);
        let threads = std::num::NonZeroUsize::new(threads).unwrap();
        for (from, to) in [(T0, T0 + 45 * DAY), (T0 + 10 * DAY, T0 + 20 * DAY)] {
            let one = contacts.report(from, to).unwrap();
            prop_assert_eq!(&one, &whole.repeat_report(from, to).unwrap());
            prop_assert_eq!(contacts.report_on(from, to, threads).unwrap(), one);
        }
    }
}

#[test]
fn a_report_on_many_threads_adds_up_the_customers() {
    // 300 customers over the buckets, each with two contacts a day apart,
    // the second a repeat; more threads than there is work for some.
    let rule = RepeatRule::default().with_same(Same::Any);
    let mut contacts = RepeatContacts::new(rule.clone(), &taxonomy(), Calendars::new()).unwrap();
    let mut facts = Vec::new();
    for c in 0..300u128 {
        for k in 0..2u128 {
            let mut f = contact(
                2 * c + k + 1,
                0,
                [Channel::Email, Channel::Phone][k as usize],
                T0 + k as i64 * DAY,
                &["billing"],
                T0 + 30 * DAY,
            );
            f.customer = spread(cid(c));
            facts.push(f);
        }
    }
    contacts.extend(&facts);
    let whole = ledger_with(&rule, &facts);
    let one = contacts.report(T0, T0 + 30 * DAY).unwrap();
    assert_eq!(rate(one.overall.repeat), (300, 600));
    assert_eq!(one.pairs.len(), 300);
    assert_eq!(one, whole.repeat_report(T0, T0 + 30 * DAY).unwrap());
    for n in [2, 3, 7, 64, 5000] {
        let threads = std::num::NonZeroUsize::new(n).unwrap();
        assert_eq!(contacts.report_on(T0, T0 + 30 * DAY, threads).unwrap(), one);
    }
}
