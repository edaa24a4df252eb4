#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::Channel;
use crate::taxonomy::{TagConfig, TaxonomyConfig};
use proptest::prelude::*;

const DAY: i64 = 86_400;

fn taxonomy() -> Taxonomy {
    Taxonomy::from_config(TaxonomyConfig {
        tags: vec![
            TagConfig::new("a").kind(TagKind::What),
            TagConfig::new("b").kind(TagKind::What),
            TagConfig::new("c").kind(TagKind::What),
            TagConfig::new("cause/x").kind(TagKind::Why),
        ],
        ..Default::default()
    })
    .unwrap()
}

fn fact(ticket: u128, customer: u128, at: i64, tags: &[&str]) -> TicketFacts {
    let mut f = TicketFacts::new(
        TicketId::from_u128(ticket),
        CustomerId::from_u128(customer),
        Channel::Email,
        at,
    );
    f.tags = tags.iter().map(|t| Tag::new(t).unwrap()).collect();
    f
}

fn t(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

fn count(facts: &[TicketFacts], config: &NextIssueConfig, as_of: i64) -> NextIssueCounts {
    NextIssueCounts::count(facts, &taxonomy(), config, &Calendars::new(), as_of).unwrap()
}

/// `(contacts, pairs)` of reason `a`, pairs as `(b, count)`.
fn of(c: &NextIssueCounts, a: &str) -> (u64, Vec<(String, u64)>) {
    c.reasons()
        .get(&t(a))
        .map(|r| {
            (
                r.contacts,
                r.next.iter().map(|(b, n)| (b.to_string(), *n)).collect(),
            )
        })
        .unwrap_or((0, vec![]))
}

#[test]
fn a_chain_counts_only_next_contacts_within_the_window() {
    // a (day 0) -> b (day 2) -> c (day 20): a->b within 7 days, b->c not.
    let facts = [
        fact(1, 1, 0, &["a"]),
        fact(2, 1, 2 * DAY, &["b"]),
        fact(3, 1, 20 * DAY, &["c"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (1, vec![("b".into(), 1)]));
    assert_eq!(of(&c, "b"), (1, vec![]));
    assert_eq!(of(&c, "c"), (1, vec![]));
    assert_eq!(c.customers(), 1);
}

#[test]
fn only_the_next_contact_not_any_later_one() {
    // a -> b -> c all within a week: a->b and b->c, never a->c.
    let facts = [
        fact(1, 1, 0, &["a"]),
        fact(2, 1, DAY, &["b"]),
        fact(3, 1, 2 * DAY, &["c"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (1, vec![("b".into(), 1)]));
    assert_eq!(of(&c, "b"), (1, vec![("c".into(), 1)]));
}

#[test]
fn unsettled_contacts_are_not_counted() {
    // as_of day 10: the day-0 contact is settled (window ended day 7), the
    // day-5 one is not (its window ends day 12), even though its next
    // contact already came.
    let facts = [
        fact(1, 1, 0, &["a"]),
        fact(2, 1, 5 * DAY, &["b"]),
        fact(3, 1, 6 * DAY, &["c"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 10 * DAY);
    assert_eq!(of(&c, "a"), (1, vec![("b".into(), 1)]));
    assert_eq!(of(&c, "b"), (0, vec![]));
    assert_eq!(of(&c, "c"), (0, vec![]));
    // At exactly the window's end the contact is not yet settled (a contact
    // at that instant would still count); one second later it is.
    let c = count(&facts[..1], &NextIssueConfig::default(), 7 * DAY);
    assert_eq!(of(&c, "a").0, 0);
    let c = count(&facts[..1], &NextIssueConfig::default(), 7 * DAY + 1);
    assert_eq!(of(&c, "a").0, 1);
}

#[test]
fn window_is_inclusive() {
    let facts = [
        fact(1, 1, 0, &["a"]),
        fact(2, 1, 7 * DAY, &["b"]),
        fact(3, 2, 0, &["a"]),
        fact(4, 2, 7 * DAY + 1, &["b"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (2, vec![("b".into(), 1)]));
}

#[test]
fn same_reason_is_a_repeat_not_a_next_issue_unless_asked() {
    let facts = [fact(1, 1, 0, &["a"]), fact(2, 1, DAY, &["a"])];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (2, vec![]));
    let config = NextIssueConfig {
        same_reason: true,
        ..Default::default()
    };
    let c = count(&facts, &config, 40 * DAY);
    assert_eq!(of(&c, "a"), (2, vec![("a".into(), 1)]));
}

#[test]
fn several_reasons_make_every_cross_pair() {
    // {a, b} -> {b, c}: a->b, a->c, b->c (b->b is a repeat).
    let facts = [
        fact(1, 1, 0, &["a", "b", "cause/x", "untyped"]),
        fact(2, 1, DAY, &["b", "c"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (1, vec![("b".into(), 1), ("c".into(), 1)]));
    assert_eq!(of(&c, "b"), (2, vec![("c".into(), 1)]));
    assert_eq!(of(&c, "c"), (1, vec![]));
    assert!(!c.reasons().contains_key(&t("cause/x")));
    assert!(!c.reasons().contains_key(&t("untyped")));
}

#[test]
fn a_contact_without_reasons_is_still_the_next_contact() {
    let facts = [
        fact(1, 1, 0, &["a"]),
        fact(2, 1, DAY, &["untyped"]),
        fact(3, 1, 2 * DAY, &["b"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (1, vec![]));
}

#[test]
fn proactive_and_future_tickets_are_not_contacts() {
    let mut outage = fact(2, 1, DAY, &["c"]);
    outage.proactive = true;
    let facts = [
        fact(1, 1, 0, &["a"]),
        outage,
        fact(3, 1, 2 * DAY, &["b"]),
        fact(4, 1, 50 * DAY, &["c"]),
    ];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "a"), (1, vec![("b".into(), 1)]));
    assert_eq!(of(&c, "c"), (0, vec![]));
}

#[test]
fn ties_in_time_are_ordered_by_ticket() {
    // Same instant: ticket 1 (b) comes before ticket 2 (a) whatever the
    // input order, so the pair is b->a.
    let facts = [fact(2, 1, 0, &["a"]), fact(1, 1, 0, &["b"])];
    let c = count(&facts, &NextIssueConfig::default(), 40 * DAY);
    assert_eq!(of(&c, "b"), (1, vec![("a".into(), 1)]));
    assert_eq!(of(&c, "a"), (1, vec![]));
}

#[test]
fn wilson_by_hand() {
    // n = 10, p = 0.5, z = 1.96: centre 0.5, half-width
    // 1.96/1.38416 * sqrt(0.025 + 0.0096037) = 0.263413.
    let (lo, hi) = wilson95(5, 10);
    assert!((lo - 0.236_593).abs() < 1e-5, "{lo}");
    assert!((hi - 0.763_407).abs() < 1e-5, "{hi}");
    // 0 of 10: [0, z²/(n+z²)] = [0, 0.277530].
    let (lo, hi) = wilson95(0, 10);
    assert_eq!(lo, 0.0);
    assert!((hi - 0.277_530).abs() < 1e-5, "{hi}");
    let (lo, hi) = wilson95(10, 10);
    assert!((lo - 0.722_470).abs() < 1e-5, "{lo}");
    assert!((hi - 1.0).abs() < 1e-12);
    assert_eq!(wilson95(0, 0), (0.0, 1.0));
}

/// 10 customers ask about `a`; `with_b` of them come back with `b` two days
/// later, `with_c` with `c`.
fn cohort(with_b: u128, with_c: u128) -> Vec<TicketFacts> {
    let mut facts = Vec::new();
    for c in 0..10u128 {
        facts.push(fact(100 + c, c, 0, &["a"]));
        if c < with_b {
            facts.push(fact(200 + c, c, 2 * DAY, &["b"]));
        } else if c < with_b + with_c {
            facts.push(fact(300 + c, c, 2 * DAY, &["c"]));
        }
    }
    facts
}

#[test]
fn thresholds_keep_frequent_and_likely_pairs() {
    // a->b 6 of 10 (kept), a->c 3 of 10 (30% but fewer than 5 pairs).
    let config = NextIssueConfig::default();
    let found = NextIssues::from_counts(&count(&cohort(6, 3), &config, 40 * DAY), &config);
    assert_eq!(found.reasons.len(), 1);
    let after = found.after(&t("a"));
    assert_eq!(after.len(), 1);
    assert_eq!(
        (after[0].reason.as_str(), after[0].count, after[0].of),
        ("b", 6, 10)
    );
    assert!((after[0].probability - 0.6).abs() < 1e-12);
    let (lo, hi) = wilson95(6, 10);
    assert_eq!((after[0].low, after[0].high), (lo, hi));
    assert!(found.after(&t("b")).is_empty());

    // With min_pairs 3 both are kept, b first; with min_share 0.5 only b.
    let loose = NextIssueConfig {
        min_pairs: 3,
        ..Default::default()
    };
    let found = NextIssues::from_counts(&count(&cohort(6, 3), &loose, 40 * DAY), &loose);
    let names: Vec<_> = found
        .after(&t("a"))
        .iter()
        .map(|l| l.reason.as_str())
        .collect();
    assert_eq!(names, ["b", "c"]);
    let strict = NextIssueConfig {
        min_pairs: 3,
        min_share: 0.5,
        ..Default::default()
    };
    let found = NextIssues::from_counts(&count(&cohort(6, 3), &strict, 40 * DAY), &strict);
    assert_eq!(found.after(&t("a")).len(), 1);

    // 1 of 10 is below 20% even with min_pairs 1.
    let one = NextIssueConfig {
        min_pairs: 1,
        ..Default::default()
    };
    let found = NextIssues::from_counts(&count(&cohort(1, 0), &one, 40 * DAY), &one);
    assert!(found.reasons.is_empty());
    // 2 of 10 is exactly 20%: kept.
    let found = NextIssues::from_counts(&count(&cohort(2, 0), &one, 40 * DAY), &one);
    assert_eq!(found.after(&t("a")).len(), 1);
}

#[test]
fn suggestion_text() {
    let config = NextIssueConfig::default();
    let found = NextIssues::from_counts(&count(&cohort(6, 0), &config, 40 * DAY), &config);
    let s = found.suggestions();
    assert_eq!(s.len(), 1);
    // 6 of 10: 60%, Wilson 31.3%..83.2%.
    assert_eq!(
        s[0].text,
        "When answering a, also answer b (seen after 60% of a contacts within 7 days; 95% CI 31–83%)"
    );
    assert_eq!((s[0].when.as_str(), s[0].also.as_str()), ("a", "b"));
}

#[test]
fn windows_in_words() {
    assert_eq!(describe_window(&Within::default()), "7 days");
    assert_eq!(describe_window(&Within::calendar(DAY)), "1 day");
    assert_eq!(describe_window(&Within::calendar(36 * 3600)), "36 hours");
    assert_eq!(describe_window(&Within::calendar(90)), "90 seconds");
    assert_eq!(
        describe_window(&Within::business(40 * 3600, "office")),
        "40 business hours on calendar office"
    );
}

#[test]
fn bad_configurations_are_typed_errors() {
    let cals = Calendars::new();
    let bad = |c: NextIssueConfig| NextIssueCounts::count(&[], &taxonomy(), &c, &cals, 0);
    assert_eq!(
        bad(NextIssueConfig {
            min_share: 1.5,
            ..Default::default()
        }),
        Err(NextIssueError::MinShare { value: 1.5 })
    );
    assert!(matches!(
        bad(NextIssueConfig {
            min_share: f64::NAN,
            ..Default::default()
        }),
        Err(NextIssueError::MinShare { .. })
    ));
    assert_eq!(
        bad(NextIssueConfig {
            min_pairs: 0,
            ..Default::default()
        }),
        Err(NextIssueError::MinPairs { value: 0 })
    );
    assert_eq!(
        bad(NextIssueConfig {
            within: Within::calendar(-1),
            ..Default::default()
        }),
        Err(NextIssueError::Window(ExperienceError::EmptyWindow {
            seconds: -1
        }))
    );
    let e = bad(NextIssueConfig {
        within: Within::business(3600, "nope"),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("\"nope\""), "{e}");
    let e = NextIssueError::MinShare { value: 1.5 };
    assert_eq!(e.to_string(), "min_share 1.5 is not between 0 and 1");
}

#[test]
fn period_shards_merge_exactly() {
    // a (day 0) | b (day 2): the pair crosses the boundary at day 1.
    let facts = [
        fact(1, 1, 0, &["a"]),
        fact(2, 1, 2 * DAY, &["b"]),
        fact(3, 1, 3 * DAY, &["c"]),
    ];
    let config = NextIssueConfig::default();
    let whole = count(&facts, &config, 40 * DAY);
    let early = count(&facts[..1], &config, 40 * DAY);
    let late = count(&facts[1..], &config, 40 * DAY);
    assert_eq!(of(&early, "a"), (1, vec![]));
    let mut merged = early.clone();
    merged.merge(&late, &Calendars::new()).unwrap();
    assert_eq!(merged, whole);
    // Either order.
    let mut merged = late.clone();
    merged.merge(&early, &Calendars::new()).unwrap();
    assert_eq!(merged, whole);
}

#[test]
fn interleaved_or_mismatched_shards_are_refused() {
    let config = NextIssueConfig::default();
    let odd = count(
        &[fact(1, 1, 0, &["a"]), fact(3, 1, 2 * DAY, &["a"])],
        &config,
        40 * DAY,
    );
    let even = count(&[fact(2, 1, DAY, &["b"])], &config, 40 * DAY);
    let mut m = odd.clone();
    assert_eq!(
        m.merge(&even, &Calendars::new()),
        Err(NextIssueError::Interleaved {
            customer: CustomerId::from_u128(1),
            ticket: TicketId::from_u128(2),
        })
    );
    assert_eq!(m, odd, "unchanged on error");
    let other = count(&[fact(2, 2, DAY, &["b"])], &config, 41 * DAY);
    let e = m.merge(&other, &Calendars::new()).unwrap_err();
    assert!(matches!(e, NextIssueError::Mismatch { .. }));
    assert!(e.to_string().contains("as_of 3542400"), "{e}");
}

#[test]
fn business_window_counts_business_time() {
    use crate::calendar::BusinessCalendar;
    let cal: BusinessCalendar = serde_json::from_str(
        r#"{"timezone": "UTC", "weekly": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]],
            "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]}}"#,
    )
    .unwrap();
    let cals = Calendars::new().with("office", cal);
    // Friday 2026-03-06 16:00Z, next contact Monday 16:00Z: 8 business hours.
    let fri = 1_772_812_800;
    let facts = [fact(1, 1, fri, &["a"]), fact(2, 1, fri + 3 * DAY, &["b"])];
    let config = NextIssueConfig {
        within: Within::business(8 * 3600, "office"),
        ..Default::default()
    };
    let c = NextIssueCounts::count(&facts, &taxonomy(), &config, &cals, fri + 30 * DAY).unwrap();
    assert_eq!(of(&c, "a"), (1, vec![("b".into(), 1)]));
    let config = NextIssueConfig {
        within: Within::business(8 * 3600 - 60, "office"),
        ..Default::default()
    };
    let c = NextIssueCounts::count(&facts, &taxonomy(), &config, &cals, fri + 30 * DAY).unwrap();
    assert_eq!(of(&c, "a"), (1, vec![]));
}

#[test]
fn many_reasons_use_the_sparse_path() {
    // 300 what-tags: more than the dense table holds.
    let tags: Vec<TagConfig> = (0..300)
        .map(|i| TagConfig::new(format!("r{i}")).kind(TagKind::What))
        .collect();
    let tax = Taxonomy::from_config(TaxonomyConfig {
        tags,
        ..Default::default()
    })
    .unwrap();
    let facts: Vec<TicketFacts> = (0..300u128)
        .map(|i| {
            let name = format!("r{i}");
            fact(i, 1, i as i64 * 60, &[name.as_str()])
        })
        .collect();
    let c = NextIssueCounts::count(
        &facts,
        &tax,
        &NextIssueConfig::default(),
        &Calendars::new(),
        40 * DAY,
    )
    .unwrap();
    assert_eq!(c.reasons().len(), 300);
    assert_eq!(of(&c, "r0"), (1, vec![("r1".into(), 1)]));
    assert_eq!(of(&c, "r299"), (1, vec![]));
}

fn arb_facts() -> impl Strategy<Value = Vec<TicketFacts>> {
    let tag = prop::sample::select(vec!["a", "b", "c", "cause/x", "other"]);
    prop::collection::vec(
        (
            0u128..6,
            0i64..30 * DAY,
            prop::collection::vec(tag, 0..3),
            prop::bool::weighted(0.1),
        ),
        0..60,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (customer, at, tags, proactive))| {
                let mut f = fact(i as u128, customer, at, &tags);
                f.proactive = proactive;
                f
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn customer_shards_merge_to_the_whole(facts in arb_facts(), split in 0u128..7, same in any::<bool>()) {
        let config = NextIssueConfig { same_reason: same, ..Default::default() };
        let as_of = 25 * DAY;
        let whole = count(&facts, &config, as_of);
        let (left, right): (Vec<_>, Vec<_>) = facts.iter().cloned().partition(|f| f.customer < CustomerId::from_u128(split));
        let mut merged = count(&left, &config, as_of);
        merged.merge(&count(&right, &config, as_of), &Calendars::new()).unwrap();
        prop_assert_eq!(&merged, &whole);
        let mut other_way = count(&right, &config, as_of);
        other_way.merge(&count(&left, &config, as_of), &Calendars::new()).unwrap();
        prop_assert_eq!(&other_way, &whole);
    }

    #[test]
    fn period_shards_merge_to_the_whole(facts in arb_facts(), cuts in prop::collection::vec(0i64..30 * DAY, 0..4)) {
        let config = NextIssueConfig::default();
        let as_of = 25 * DAY;
        let whole = count(&facts, &config, as_of);
        let mut cuts = cuts;
        cuts.push(i64::MIN);
        cuts.push(i64::MAX);
        cuts.sort_unstable();
        let mut merged: Option<NextIssueCounts> = None;
        // Merge the periods from the latest to the earliest.
        for w in cuts.windows(2).rev() {
            let part: Vec<_> = facts.iter().filter(|f| f.created_at > w[0] && f.created_at <= w[1]).cloned().collect();
            let c = count(&part, &config, as_of);
            match &mut merged {
                None => merged = Some(c),
                Some(m) => m.merge(&c, &Calendars::new()).unwrap(),
            }
        }
        prop_assert_eq!(merged.unwrap(), whole);
    }

    #[test]
    fn kept_pairs_respect_the_thresholds(facts in arb_facts(), min_pairs in 1u64..4, min_share in 0.0f64..1.0) {
        let config = NextIssueConfig { min_pairs, min_share, ..Default::default() };
        let counts = count(&facts, &config, 25 * DAY);
        let found = NextIssues::from_counts(&counts, &config);
        for n in &found.reasons {
            prop_assert!(!n.next.is_empty());
            for l in &n.next {
                prop_assert!(l.count >= min_pairs && l.count <= l.of);
                prop_assert!(l.probability >= min_share);
                prop_assert!(l.low <= l.probability + 1e-12 && l.probability <= l.high + 1e-12);
                prop_assert!(0.0 <= l.low && l.high <= 1.0);
                prop_assert!(l.reason != n.reason);
            }
            prop_assert!(n.next.windows(2).all(|w| w[0].count >= w[1].count));
        }
        // Pairs from one reason never exceed its settled contacts times
        // the reasons a next contact can have.
        for rc in counts.reasons().values() {
            for &k in rc.next.values() {
                prop_assert!(k <= rc.contacts);
            }
        }
        prop_assert_eq!(found.suggestions().len(), found.reasons.iter().map(|n| n.next.len()).sum::<usize>());
    }
}
