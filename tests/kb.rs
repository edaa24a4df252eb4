//! Knowledge-base gaps through the public API, with hand-computed cases.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportdesk::id::{AgentId, CustomerId, TicketId};
use supportdesk::insight::{
    Article, InsightError, KbConfig, KbReasons, MatrixConfig, Question, ReasonRating, kb_gaps,
};
use supportdesk::metrics::TicketFacts;
use supportdesk::testing::TicketBuilder;
use supportdesk::{Status, Tag, Taxonomy};

fn tag(s: &str) -> Tag {
    Tag::new(s).expect("valid tag")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("valid instant")
}

const BOB: AgentId = AgentId::from_u128(1);

fn base(n: u128, tags: &[&str], body: &str) -> TicketBuilder {
    let mut b = TicketBuilder::new()
        .id(TicketId::from_u128(n))
        .customer(CustomerId::from_u128(n))
        .opened_at(at("2026-03-02T09:00:00Z") + Duration::hours(n as i64))
        .body(body);
    for t in tags {
        b = b.tag(t);
    }
    b
}

/// 12 order-status tickets (10 answered once and solved, 2 waiting), all
/// asking where the order is; 10 refunds (5 one-touch "Refund issued.", 5
/// asked "Which order?" first), 6 in near-identical words; 15 damaged boxes
/// that took two replies each; 5 account questions.
fn fixture() -> Vec<TicketBuilder> {
    let mut v = Vec::new();
    let mut n = 0u128;
    for i in 0..12 {
        n += 1;
        let b = base(
            n,
            &["order-status"],
            &format!("Where is my order #{}?", 1000 + i),
        )
        .note(BOB, "INTERNAL: carrier lost a pallet");
        v.push(if i < 10 {
            b.agent_reply(BOB, &format!("Track it at example.com/t/{i}"))
                .status(Status::Solved)
        } else {
            b
        });
    }
    let refund_texts = [
        "I want a refund for order 1",
        "I want a refund for order 2",
        "I want a refund for order 3",
        "Refund the socks",
        "I want a refund for order 4",
        "Money back please",
        "I want a refund for order 5",
        "I want a refund for order 6",
        "Cancel and refund",
        "Why was I charged twice",
    ];
    for (i, text) in refund_texts.iter().enumerate() {
        n += 1;
        let b = base(n, &["refund"], text);
        v.push(if i < 5 {
            b.agent_reply(BOB, "Refund issued.").status(Status::Solved)
        } else {
            b.agent_reply(BOB, "Which order?")
                .customer_reply("#42")
                .agent_reply(BOB, "Refund issued.")
                .status(Status::Solved)
        });
    }
    for _ in 0..15 {
        n += 1;
        v.push(
            base(n, &["shipping/damaged"], "The box arrived crushed")
                .agent_reply(BOB, "Photo please?")
                .customer_reply("here")
                .agent_reply(BOB, "Replacement sent")
                .status(Status::Solved),
        );
    }
    for _ in 0..5 {
        n += 1;
        v.push(
            base(n, &["account"], "How do I reset my password?")
                .agent_reply(BOB, "Use the link")
                .status(Status::Solved),
        );
    }
    v
}

fn inputs(b: &[TicketBuilder]) -> (Vec<TicketFacts>, Vec<Question>) {
    let as_of = at("2026-04-01T00:00:00Z");
    (
        b.iter().map(|b| b.facts_at(as_of)).collect(),
        b.iter().filter_map(TicketBuilder::question).collect(),
    )
}

fn taxonomy() -> Taxonomy {
    serde_json::from_str(
        r#"{"tags":[{"tag":"order-status","kind":"what"},{"tag":"refund","kind":"what"},
                    {"tag":"shipping/damaged","kind":"what","polarity":"bad"},
                    {"tag":"account","kind":"what"},
                    {"tag":"cause/packaging","kind":"why","explains":["shipping/damaged"]}]}"#,
    )
    .expect("taxonomy")
}

#[test]
fn gaps_are_hand_computed_and_ranked() -> Result<(), Box<dyn std::error::Error>> {
    let (facts, questions) = inputs(&fixture());
    let tax = taxonomy();
    let articles = [
        Article::new("Our refund policy", vec![tag("refund/policy")]),
        Article::new("Shipping times", vec![tag("shipping")]),
    ];
    let gaps = kb_gaps(
        &facts,
        &questions,
        KbReasons::Taxonomy(&tax),
        &articles,
        &KbConfig::default(),
    )?;
    // Damaged boxes: no one-touch answer. Account: 5 tickets, under 10.
    let order: Vec<&str> = gaps.iter().map(|g| g.tag.as_str()).collect();
    assert_eq!(order, ["order-status", "refund"]);

    let status = &gaps[0];
    assert_eq!(status.volume, 12);
    // 10 resolved, each with one agent reply.
    assert_eq!((status.one_touch.count, status.one_touch.of), (10, 10));
    assert_eq!(status.near_identical, 12);
    assert_eq!(status.score, 12.0); // 12 x 1.0
    assert_eq!(status.examples, ["Where is my order #1000?"]);
    // The replies differ only in digits: one normalised reply, given 10 times.
    let reply = status.reply.as_ref().ok_or("no reply")?;
    assert_eq!(
        (reply.text.as_str(), reply.count),
        ("Track it at example.com/t/0", 10)
    );
    assert!(status.lacks_article()); // "shipping" is not about order status
    // Internal notes are never read.
    let text = serde_json::to_string(&gaps)?;
    assert!(!text.contains("INTERNAL"));

    let refund = &gaps[1];
    assert_eq!(refund.volume, 10);
    assert_eq!((refund.one_touch.count, refund.one_touch.of), (5, 10));
    // "I want a refund for order N" six times.
    assert_eq!(refund.near_identical, 6);
    assert_eq!(refund.score, 3.0); // 6 x 0.5
    assert_eq!(refund.examples, ["I want a refund for order 1"]);
    // "Refund issued." and "Which order?" five times each: the first given wins.
    let reply = refund.reply.as_ref().ok_or("no reply")?;
    assert_eq!((reply.text.as_str(), reply.count), ("Refund issued.", 5));
    assert_eq!(refund.articles, ["Our refund policy"]);
    assert!(!refund.lacks_article());
    Ok(())
}

#[test]
fn thresholds_are_data() -> Result<(), Box<dyn std::error::Error>> {
    let (facts, questions) = inputs(&fixture());
    let reasons = [tag("refund"), tag("account"), tag("refund")];
    // Refund is half one-touch: a stricter share drops it.
    let strict = KbConfig {
        min_one_touch_share: 0.6,
        ..KbConfig::default()
    };
    assert!(kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &[], &strict)?.is_empty());
    // Account: 5 tickets all one-touch, 5 identical questions.
    let small = KbConfig {
        min_volume: 5,
        ..KbConfig::default()
    };
    let gaps = kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &[], &small)?;
    let order: Vec<&str> = gaps.iter().map(|g| g.tag.as_str()).collect();
    assert_eq!(order, ["account", "refund"]); // 5 x 1.0 > 6 x 0.5; refund listed once
    // Needing 7 near-identical questions drops refund (6).
    let many = KbConfig {
        min_near_identical: 7,
        ..KbConfig::default()
    };
    assert!(kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &[], &many)?.is_empty());
    // Without questions nothing is near-identical.
    assert!(kb_gaps(&facts, &[], KbReasons::Tags(&reasons), &[], &small)?.is_empty());
    Ok(())
}

#[test]
fn matrix_reasons_and_config_serde() -> Result<(), Box<dyn std::error::Error>> {
    let (facts, questions) = inputs(&fixture());
    let matrix = MatrixConfig::new(vec![ReasonRating::new(tag("order-status"), -1, 1)]);
    let config: KbConfig = serde_json::from_str(r#"{"min_volume": 12, "examples": 1}"#)?;
    assert_eq!(config.min_one_touch_share, 0.5);
    let gaps = kb_gaps(&facts, &questions, KbReasons::Matrix(&matrix), &[], &config)?;
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].tag, tag("order-status"));
    let back: KbConfig = serde_json::from_str(&serde_json::to_string(&config)?)?;
    assert_eq!(back, config);
    let bad = KbConfig {
        min_one_touch_share: f64::NAN,
        ..KbConfig::default()
    };
    let e = kb_gaps(&facts, &questions, KbReasons::Matrix(&matrix), &[], &bad).unwrap_err();
    assert!(matches!(
        e,
        InsightError::BadSetting {
            name: "min_one_touch_share",
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "setting min_one_touch_share is NaN, which is not a finite number in range"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every gap meets the thresholds, counts are consistent, the ranking
    /// is by score, and the input order does not matter.
    #[test]
    fn gaps_meet_the_thresholds_in_any_order(
        specs in proptest::collection::vec(
            (proptest::sample::select(&["order-status", "refund", "refund/late", "account"][..]),
             0usize..3, 0u8..3),
            0..40,
        ),
        min_volume in 0u32..6,
        share in 0.0f64..=1.0,
        rotate in 0usize..40,
    ) {
        let texts = ["Where is my order 1", "where is my order 2", "refund please"];
        let builders: Vec<TicketBuilder> = specs
            .iter()
            .enumerate()
            .map(|(i, (t, text, story))| {
                let b = base(i as u128 + 1, &[t], texts[*text]);
                match story {
                    0 => b,
                    1 => b.agent_reply(BOB, "Done").status(Status::Solved),
                    _ => b.agent_reply(BOB, "Which?").customer_reply("x")
                        .agent_reply(BOB, "Done").status(Status::Solved),
                }
            })
            .collect();
        let (facts, questions) = inputs(&builders);
        let config = KbConfig { min_volume, min_one_touch_share: share, ..KbConfig::default() };
        let reasons = [tag("order-status"), tag("refund"), tag("account")];
        let gaps = kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &[], &config)
            .expect("valid config");
        for g in &gaps {
            prop_assert!(g.volume >= min_volume.max(1));
            prop_assert!(g.one_touch.count <= g.one_touch.of && g.one_touch.of <= u64::from(g.volume));
            prop_assert!(g.one_touch.value().unwrap_or(0.0) >= share);
            prop_assert!(g.near_identical >= config.min_near_identical);
            prop_assert!(g.near_identical <= g.volume as usize);
            prop_assert!(g.examples.len() <= config.examples);
            prop_assert!(g.examples.iter().all(|e| texts.contains(&e.as_str())));
        }
        for w in gaps.windows(2) {
            prop_assert!(w[0].score >= w[1].score);
        }
        let mut f2 = facts.clone();
        let mut q2 = questions.clone();
        if !f2.is_empty() {
            let k = rotate % f2.len();
            f2.rotate_left(k);
            q2.reverse();
        }
        let again = kb_gaps(&f2, &q2, KbReasons::Tags(&reasons), &[], &config).expect("valid");
        prop_assert_eq!(again, gaps);
    }
}
