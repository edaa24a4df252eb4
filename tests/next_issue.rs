//! Next-issue avoidance from real ticket histories, through the public API
//! only: histories -> `TicketFacts` -> `NextIssueCounts` -> `NextIssues`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use supportdesk::experience::{NextIssueConfig, NextIssueCounts, NextIssues, Within};
use supportdesk::id::{AgentId, CustomerId, TicketId};
use supportdesk::metrics::{FactsOptions, TicketFacts};
use supportdesk::sla::Calendars;
use supportdesk::taxonomy::{TagConfig, TagKind, TaxonomyConfig};
use supportdesk::testing::TicketBuilder;
use supportdesk::{Status, Tag, Taxonomy};

fn taxonomy() -> Taxonomy {
    Taxonomy::from_config(TaxonomyConfig {
        tags: vec![
            TagConfig::new("order/where").kind(TagKind::What),
            TagConfig::new("order/return").kind(TagKind::What),
            TagConfig::new("billing/refund").kind(TagKind::What),
            TagConfig::new("cause/carrier-delay")
                .kind(TagKind::Why)
                .explains("order/where"),
        ],
        ..Default::default()
    })
    .unwrap()
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap()
}

/// A solved ticket of `customer`, opened `days` after the start, tagged.
fn history(
    ticket: u128,
    customer: u128,
    days: i64,
    tags: &[&str],
) -> Vec<supportdesk::ticket::Event> {
    let mut b = TicketBuilder::new()
        .id(TicketId::from_u128(ticket))
        .customer(CustomerId::from_u128(customer))
        .opened_at(start() + Duration::days(days));
    for t in tags {
        b = b.tag(t);
    }
    b.agent_reply(AgentId::from_u128(9), "Here you go")
        .status(Status::Solved)
        .events()
}

fn facts(histories: &[Vec<supportdesk::ticket::Event>], as_of: DateTime<Utc>) -> Vec<TicketFacts> {
    let o = FactsOptions::new(as_of, Calendars::new());
    histories
        .iter()
        .map(|h| TicketFacts::from_events(h, &o).unwrap().unwrap())
        .collect()
}

/// 20 customers ask where their order is. 8 come back within the week
/// about a return, 2 about a refund, 2 about a return after two weeks, and
/// 2 ask about the order again (a repeat, not a next issue). 5 customers
/// first ask about a refund and 3 of them come back about a return.
fn shop() -> Vec<Vec<supportdesk::ticket::Event>> {
    let mut h = Vec::new();
    let mut id = 0u128;
    let mut next = || {
        id += 1;
        id
    };
    for c in 0..20u128 {
        h.push(history(
            next(),
            c,
            0,
            &["order/where", "cause/carrier-delay"],
        ));
        match c {
            0..=7 => h.push(history(next(), c, 3, &["order/return"])),
            8..=9 => h.push(history(next(), c, 2, &["billing/refund"])),
            10..=11 => h.push(history(next(), c, 14, &["order/return"])),
            12..=13 => h.push(history(next(), c, 1, &["order/where"])),
            _ => {}
        }
    }
    for c in 100..105u128 {
        h.push(history(next(), c, 1, &["billing/refund"]));
        if c < 103 {
            h.push(history(next(), c, 4, &["order/return"]));
        }
    }
    h
}

#[test]
fn what_to_answer_before_it_is_asked() {
    let as_of = start() + Duration::days(30);
    let facts = facts(&shop(), as_of);
    let mut config = NextIssueConfig::default();
    config.min_pairs = 3;
    let counts = NextIssueCounts::count(
        &facts,
        &taxonomy(),
        &config,
        &Calendars::new(),
        as_of.timestamp(),
    )
    .unwrap();
    // order/where: 20 first contacts + 2 repeats, all settled.
    let where_ = &counts.reasons()[&Tag::new("order/where").unwrap()];
    assert_eq!(where_.contacts, 22);
    assert_eq!(where_.next[&Tag::new("order/return").unwrap()], 8);
    assert_eq!(where_.next[&Tag::new("billing/refund").unwrap()], 2);
    assert!(!where_.next.contains_key(&Tag::new("order/where").unwrap()));

    let found = NextIssues::from_counts(&counts, &config);
    // order/where -> order/return: 8 of 22 (36%) kept; refund 2 < 3 pairs.
    let after = found.after(&Tag::new("order/where").unwrap());
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].count, after[0].of), (8, 22));
    // billing/refund -> order/return: 3 of 7 (5 first contacts + 2 after
    // order/where) = 43%.
    let after = found.after(&Tag::new("billing/refund").unwrap());
    assert_eq!((after[0].count, after[0].of), (3, 7));

    let texts: Vec<String> = found.suggestions().into_iter().map(|s| s.text).collect();
    assert_eq!(
        texts,
        [
            "When answering billing/refund, also answer order/return (seen after 43% of billing/refund contacts within 7 days; 95% CI 16–75%)",
            "When answering order/where, also answer order/return (seen after 36% of order/where contacts within 7 days; 95% CI 20–57%)",
        ]
    );

    // A wider window also catches the two returns after two weeks.
    let mut wide = config.clone();
    wide.within = Within::calendar(15 * 86_400);
    let counts = NextIssueCounts::count(
        &facts,
        &taxonomy(),
        &wide,
        &Calendars::new(),
        as_of.timestamp(),
    )
    .unwrap();
    let found = NextIssues::from_counts(&counts, &wide);
    let after = found.after(&Tag::new("order/where").unwrap());
    assert_eq!((after[0].count, after[0].of), (10, 22));
}

#[test]
fn early_in_the_month_only_settled_contacts_count() {
    // On day 5 only contacts opened before day -2 would be settled: none.
    let as_of = start() + Duration::days(5);
    let histories: Vec<_> = shop().into_iter().filter(|h| h[0].at <= as_of).collect();
    let facts = facts(&histories, as_of);
    let counts = NextIssueCounts::count(
        &facts,
        &taxonomy(),
        &NextIssueConfig::default(),
        &Calendars::new(),
        as_of.timestamp(),
    )
    .unwrap();
    assert!(
        counts
            .reasons()
            .values()
            .all(|r| r.contacts == 0 && r.next.is_empty())
    );
    assert!(counts.customers() > 0);
}

#[test]
fn shards_of_customers_and_of_periods_merge_to_the_whole() {
    let as_of = start() + Duration::days(30);
    let facts = facts(&shop(), as_of);
    let config = NextIssueConfig::default();
    let cals = Calendars::new();
    let count = |part: &[TicketFacts]| {
        NextIssueCounts::count(part, &taxonomy(), &config, &cals, as_of.timestamp()).unwrap()
    };
    let whole = count(&facts);

    let (even, odd): (Vec<_>, Vec<_>) = facts
        .iter()
        .cloned()
        .partition(|f| f.customer.to_string().ends_with(['0', '2', '4', '6', '8']));
    let mut m = count(&even);
    m.merge(&count(&odd), &cals).unwrap();
    assert_eq!(m, whole);

    let cut = (start() + Duration::days(2)).timestamp();
    let (early, late): (Vec<_>, Vec<_>) = facts.iter().cloned().partition(|f| f.created_at < cut);
    let mut m = count(&early);
    m.merge(&count(&late), &cals).unwrap();
    assert_eq!(m, whole);
    // The counts travel between shards as JSON.
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(
        serde_json::from_str::<NextIssueCounts>(&json).unwrap(),
        whole
    );
}
