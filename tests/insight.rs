//! The value-irritant matrix through the public API.

use chrono::{DateTime, Duration, Utc};
use supportdesk::id::{AgentId, CustomerId, TicketId};
use supportdesk::insight::{
    InsightError, Matrix, MatrixConfig, Quadrant, Question, ReasonRating, SignalWeights, Window,
};
use supportdesk::metrics::{Denominator, TicketFacts};
use supportdesk::testing::TicketBuilder;
use supportdesk::{Status, Tag, Taxonomy};

fn tag(s: &str) -> Tag {
    Tag::new(s).expect("valid tag")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("valid instant")
}

fn march() -> Window {
    Window::new(at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"))
}

fn ticket(n: u128, opened: DateTime<Utc>, tags: &[&str], body: &str) -> TicketBuilder {
    let mut b = TicketBuilder::new()
        .id(TicketId::from_u128(n))
        .customer(CustomerId::from_u128(n))
        .opened_at(opened)
        .body(body);
    for t in tags {
        b = b.tag(t);
    }
    b
}

fn config() -> MatrixConfig {
    MatrixConfig::new(vec![
        ReasonRating::new(tag("sales/upgrade"), 2, 1),
        ReasonRating::new(tag("account/verify"), 1, -1),
        ReasonRating::new(tag("order-status"), -1, 1),
        ReasonRating::new(tag("shipping/damaged"), -2, -2),
    ])
}

/// Facts at the end of the simulated months and the questions of
/// [`builders`].
fn tickets() -> (Vec<TicketFacts>, Vec<Question>) {
    let b = builders();
    let as_of = at("2026-06-01T00:00:00Z");
    (
        b.iter().map(|b| b.facts_at(as_of)).collect(),
        b.iter().filter_map(TicketBuilder::question).collect(),
    )
}

/// Builds the matrix from [`tickets`], with their questions.
fn build(
    config: &MatrixConfig,
    window: Window,
    taxonomy: Option<&Taxonomy>,
    base: Option<&dyn supportdesk::metrics::ContactBase>,
) -> Result<Matrix, InsightError> {
    let (facts, questions) = tickets();
    Matrix::build_with_questions(&facts, &questions, config, window, taxonomy, base)
}

fn builders() -> Vec<TicketBuilder> {
    let mut v = Vec::new();
    let start = at("2026-03-02T09:00:00Z");
    let mut n = 0;
    let mut add = |b: TicketBuilder| {
        v.push(b);
    };
    for i in 0..30 {
        n += 1;
        add(ticket(
            n,
            start + Duration::hours(i),
            &["order-status"],
            &format!("Where is my order #{i}?"),
        ));
    }
    for i in 0..10 {
        n += 1;
        add(ticket(
            n,
            start + Duration::hours(i),
            &["shipping/damaged", "cause/packaging"],
            "The box arrived crushed",
        )
        .agent_reply(AgentId::from_u128(1), "Sorry")
        .status(Status::Solved)
        .customer_reply("Still broken")
        .status(Status::Open)
        .status(Status::Solved));
    }
    for i in 0..5 {
        n += 1;
        add(ticket(
            n,
            start + Duration::hours(i),
            &["sales/upgrade"],
            &format!("upgrade plan {i} please"),
        ));
    }
    for i in 0..3 {
        n += 1;
        add(ticket(
            n,
            start + Duration::hours(i),
            &["account/verify"],
            &format!("verify me {i}"),
        ));
    }
    // February: fewer damaged boxes.
    for i in 0..5 {
        n += 1;
        add(ticket(
            n,
            at("2026-02-10T09:00:00Z") + Duration::hours(i),
            &["shipping/damaged"],
            "box broken",
        ));
    }
    n += 1;
    add(ticket(n, start, &["vip"], "hello"));
    v
}

#[test]
fn reasons_land_in_their_quadrants_with_metrics() -> Result<(), Box<dyn std::error::Error>> {
    let tax: Taxonomy = serde_json::from_str(
        r#"{"tags":[{"tag":"shipping/damaged","kind":"what","polarity":"bad"},
                    {"tag":"cause/packaging","kind":"why","polarity":"bad","explains":["shipping/damaged"]}]}"#,
    )?;
    let orders = |per: Denominator, _: DateTime<Utc>, _: DateTime<Utc>| {
        (per == Denominator::Orders).then_some(1000)
    };
    let m = build(&config(), march(), Some(&tax), Some(&orders))?;
    assert_eq!(m.total, 49);
    assert_eq!(m.unclassified, 1);
    let q = |t: &str| m.reason(&tag(t)).map(|r| r.quadrant);
    assert_eq!(q("sales/upgrade"), Some(Quadrant::Leverage));
    assert_eq!(q("account/verify"), Some(Quadrant::Simplify));
    assert_eq!(q("order-status"), Some(Quadrant::Automate));
    assert_eq!(q("shipping/damaged"), Some(Quadrant::Eliminate));
    let damaged = m.reason(&tag("shipping/damaged")).ok_or("missing")?;
    assert_eq!(damaged.volume, 10);
    assert_eq!(damaged.previous_volume, 5);
    assert_eq!(damaged.trend, Some(1.0));
    assert_eq!(damaged.effort.reopens_per_ticket, 1.0);
    assert_eq!(damaged.recontact_rate, 1.0);
    assert_eq!(damaged.contact_rate, Some(1.0));
    assert_eq!(damaged.top_causes, vec![(tag("cause/packaging"), 10)]);
    assert!(damaged.action.contains("cause/packaging 100%"));
    assert_eq!(m.contact_rate, Some(4.9));
    // Damaged boxes come first (irritating to all, growing, reopened), then
    // the 30 order-status questions; leverage last.
    let order: Vec<&str> = m.plan.iter().map(|p| p.tag.as_str()).collect();
    assert_eq!(order[0], "shipping/damaged");
    assert_eq!(order[1], "order-status");
    assert_eq!(order.last(), Some(&"sales/upgrade"));
    // 30 near-identical "where is my order" questions: a self-service candidate.
    let status = m.reason(&tag("order-status")).ok_or("missing")?;
    let ss = status.self_service.as_ref().ok_or("not flagged")?;
    assert!(ss.asked_often);
    assert_eq!(ss.near_identical, 30);
    assert_eq!(m.repeats[0].len(), 30);
    assert_eq!(m.repeats[0].reason, Some(tag("order-status")));
    Ok(())
}

#[test]
fn signals_can_move_a_reason_across_quadrants() -> Result<(), Box<dyn std::error::Error>> {
    let cfg = MatrixConfig::new(vec![ReasonRating::new(tag("shipping/damaged"), -1, 0)]);
    let m = build(&cfg, march(), None, None)?;
    // Every damaged ticket was reopened: recontacts pull it into Eliminate.
    assert_eq!(m.reasons[0].quadrant, Quadrant::Eliminate);
    let off = MatrixConfig {
        signals: SignalWeights {
            csat: 0.0,
            effort: 0.0,
            recontacts: 0.0,
        },
        ..cfg
    };
    let m = build(&off, march(), None, None)?;
    assert_eq!(m.reasons[0].quadrant, Quadrant::Automate);
    assert_eq!(m.contact_rate, None);
    Ok(())
}

#[test]
fn bad_configs_are_typed_errors() {
    let (t, _) = tickets();
    let bad = MatrixConfig::new(vec![ReasonRating::new(tag("x"), 3, 0)]);
    assert_eq!(
        Matrix::build(&t, &bad, march(), None, None).unwrap_err(),
        InsightError::RatingOutOfRange {
            tag: tag("x"),
            axis: "business",
            value: 3
        }
    );
    let dup = MatrixConfig::new(vec![
        ReasonRating::new(tag("x"), 0, 0),
        ReasonRating::new(tag("x"), 1, 1),
    ]);
    assert!(matches!(
        Matrix::build(&t, &dup, march(), None, None),
        Err(InsightError::DuplicateReason { .. })
    ));
    let empty = Window::new(at("2026-03-01T00:00:00Z"), at("2026-03-01T00:00:00Z"));
    assert!(matches!(
        Matrix::build(&t, &config(), empty, None, None),
        Err(InsightError::EmptyWindow { .. })
    ));
    let nan = MatrixConfig {
        signals: SignalWeights {
            csat: f64::NAN,
            ..SignalWeights::default()
        },
        ..config()
    };
    let e = Matrix::build(&t, &nan, march(), None, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "setting signals.csat is NaN, which is not a finite number in range"
    );
}

#[test]
fn renderings_escape_text_and_are_deterministic() -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = config();
    cfg.reasons[2].label = Some("Where is <my> order | \"now\" & 订单".to_owned());
    let m = build(&cfg, march(), None, None)?;
    let md = m.to_markdown();
    assert!(md.contains("| Where is &lt;my&gt; order \\| \"now\" &amp; 订单 | Automate | 30 |"));
    assert!(md.contains("What to do first:"));
    let svg = m.to_svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("Where is &lt;my&gt; order | &quot;now&quot; &amp; 订单"));
    assert!(!svg.contains("<my>"));
    for q in ["Leverage", "Simplify", "Automate", "Eliminate"] {
        assert!(svg.contains(q));
    }
    assert_eq!(svg.matches("<circle").count(), 4);
    assert_eq!(svg, build(&cfg, march(), None, None)?.to_svg());
    Ok(())
}

#[test]
fn matrix_and_config_round_trip_through_serde() -> Result<(), Box<dyn std::error::Error>> {
    let cfg: MatrixConfig = serde_json::from_str(
        r#"{"reasons":[{"tag":"order-status","business":-1,"customer":1,"label":"Where is my order?"}],
            "signals":{"csat":0.25},"repeats":{"min_cluster":5}}"#,
    )?;
    assert_eq!(cfg.signals.recontacts, 1.0);
    assert_eq!(cfg.repeats.min_cluster, 5);
    let back: MatrixConfig = serde_json::from_str(&serde_json::to_string(&cfg)?)?;
    assert_eq!(cfg, back);
    let m = build(&cfg, march(), None, None)?;
    let m2: Matrix = serde_json::from_str(&serde_json::to_string(&m)?)?;
    assert_eq!(m, m2);
    Ok(())
}

/// The documented fix of issue 15: "hours to resolve" is the SLA
/// total-resolution clock, which leaves out the time a ticket spent solved
/// before it was reopened. The old matrix took the wall clock from opening
/// to the last solve, which counted that time.
#[test]
fn hours_to_resolve_leave_out_time_spent_solved_before_a_reopen()
-> Result<(), Box<dyn std::error::Error>> {
    // Opened 09:00, tagged 09:01, answered 09:02, solved 09:03, the
    // customer writes at 09:04, reopened 09:05, solved again 09:06.
    let b = ticket(
        1,
        at("2026-03-02T09:00:00Z"),
        &["shipping/damaged"],
        "Box crushed",
    )
    .agent_reply(AgentId::from_u128(1), "Sorry")
    .status(Status::Solved)
    .customer_reply("Still broken")
    .status(Status::Open)
    .status(Status::Solved);
    let t = b.build();
    let wall = t.solved_at().ok_or("not solved")? - t.created_at();
    assert_eq!(wall, Duration::minutes(6)); // the old figure: 6 minutes
    let facts = vec![b.facts_at(at("2026-04-01T00:00:00Z"))];
    let cfg = MatrixConfig::new(vec![ReasonRating::new(tag("shipping/damaged"), -2, -2)]);
    let m = Matrix::build(&facts, &cfg, march(), None, None)?;
    let damaged = &m.reasons[0];
    // 09:00 to 09:06 less the two minutes solved (09:03 to 09:05).
    assert_eq!(damaged.effort.hours_to_resolve, Some(4.0 / 60.0));
    assert_eq!(damaged.effort.reopens_per_ticket, 1.0);
    // In the shared fixture every damaged ticket has the same history.
    let m = build(&config(), march(), None, None)?;
    let all = m.reason(&tag("shipping/damaged")).ok_or("missing")?;
    // (Two tags, so each step is a minute later: 7 minutes wall, 5 resolved.)
    assert_eq!(all.effort.hours_to_resolve, Some(5.0 / 60.0));
    Ok(())
}

/// Every other per-reason figure is what the old ticket-based matrix gave:
/// computed here by hand from the fixture.
#[test]
fn per_reason_figures_are_hand_computed() -> Result<(), Box<dyn std::error::Error>> {
    let m = build(&config(), march(), None, None)?;
    let damaged = m.reason(&tag("shipping/damaged")).ok_or("missing")?;
    // Opening message, "Sorry", "Still broken": 3 public messages each.
    assert_eq!(damaged.effort.messages_per_ticket, 3.0);
    assert_eq!(damaged.effort.ces, None);
    assert_eq!(damaged.csat, None);
    assert_eq!(damaged.share, 10.0 / 49.0);
    let status = m.reason(&tag("order-status")).ok_or("missing")?;
    assert_eq!(status.effort.messages_per_ticket, 1.0);
    assert_eq!(status.effort.reopens_per_ticket, 0.0);
    assert_eq!(status.effort.hours_to_resolve, None); // none solved
    assert_eq!(status.recontact_rate, 0.0); // 30 customers, once each
    assert_eq!(status.trend, None);
    // Without questions there are no clusters, but 30 tickets is "asked often".
    let (facts, _) = tickets();
    let bare = Matrix::build(&facts, &config(), march(), None, None)?;
    assert!(bare.repeats.is_empty());
    let ss = bare
        .reason(&tag("order-status"))
        .and_then(|r| r.self_service.clone())
        .ok_or("not flagged")?;
    assert!(ss.asked_often);
    assert_eq!(ss.near_identical, 0);
    Ok(())
}

/// Contact rates come from the one denominator port, per the configured
/// unit; an unknown count gives none.
#[test]
fn contact_rates_use_the_configured_unit() -> Result<(), Box<dyn std::error::Error>> {
    struct Shop;
    impl supportdesk::metrics::ContactBase for Shop {
        fn active_customers(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> Option<u64> {
            Some(490)
        }
    }
    let per_customer = MatrixConfig {
        per: Denominator::ActiveCustomers,
        ..config()
    };
    let m = build(&per_customer, march(), None, Some(&Shop))?;
    assert_eq!(m.contact_rate, Some(10.0));
    assert_eq!(
        m.denominator.map(|d| (d.per, d.count)),
        Some((Denominator::ActiveCustomers, 490))
    );
    assert!(
        m.to_markdown()
            .contains("10.00 contacts per 100 active customers")
    );
    // Shop does not know its orders.
    let m = build(&config(), march(), None, Some(&Shop))?;
    assert_eq!((m.contact_rate, m.denominator), (None, None));
    Ok(())
}
