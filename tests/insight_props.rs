//! Property tests for insight and spikes: no panics on arbitrary input,
//! escaped renderings, sane similarity.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportdesk::id::{CustomerId, TicketId};
use supportdesk::insight::{Matrix, MatrixConfig, ReasonRating, SignalWeights, Window, similarity};
use supportdesk::taxonomy::{Period, SpikeConfig, detect_spikes};
use supportdesk::testing::TicketBuilder;
use supportdesk::{Tag, Ticket};

const TAGS: &[&str] = &[
    "order-status",
    "shipping/late",
    "shipping",
    "refund",
    "cause/x",
];

fn start() -> DateTime<Utc> {
    "2026-03-01T00:00:00Z".parse().expect("instant")
}

fn tickets() -> impl Strategy<Value = Vec<Ticket>> {
    proptest::collection::vec(
        (
            0i64..24 * 60,
            proptest::collection::vec(proptest::sample::select(TAGS), 0..3),
            "\\PC{0,40}",
            0u128..5,
        ),
        0..40,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (hours, tags, body, customer))| {
                let mut b = TicketBuilder::new()
                    .id(TicketId::from_u128(i as u128))
                    .customer(CustomerId::from_u128(customer))
                    .opened_at(start() + Duration::hours(hours))
                    .body(if body.trim().is_empty() { "x" } else { &body });
                for t in tags {
                    b = b.tag(t);
                }
                b.build()
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_matrix_builds_and_renders_escaped(
        tickets in tickets(),
        ratings in proptest::collection::vec((proptest::sample::select(TAGS), -2i8..=2, -2i8..=2, "\\PC{0,16}"), 1..5),
        days in 1i64..60,
    ) {
        let mut reasons: Vec<ReasonRating> = Vec::new();
        for (t, b, c, label) in ratings {
            let tag = Tag::new(t).expect("tag");
            if reasons.iter().any(|r| r.tag == tag) {
                continue;
            }
            let label = format!("<{label}&\"");
            reasons.push(ReasonRating { label: Some(label), ..ReasonRating::new(tag, b, c) });
        }
        let config = MatrixConfig { signals: SignalWeights::default(), ..MatrixConfig::new(reasons.clone()) };
        let window = Window::new(start() + Duration::days(days / 2), start() + Duration::days(days));
        let m = Matrix::build(&tickets, &config, window, None, None).expect("valid config");
        let in_window = tickets.iter().filter(|t| window.contains(t.created_at())).count();
        prop_assert_eq!(m.total as usize, in_window);
        for r in &m.reasons {
            prop_assert!(r.share >= 0.0 && r.share <= 1.0);
            prop_assert!(r.business_value.abs() <= 2.0 && r.customer_value.abs() <= 2.0);
        }
        let svg = m.to_svg();
        prop_assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for r in &reasons {
            prop_assert!(!svg.contains(r.label()), "raw label in the svg");
        }
        let md = m.to_markdown();
        prop_assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), reasons.len() + 1);
        prop_assert_eq!(m.to_svg(), svg);
    }

    #[test]
    fn spikes_never_panic(
        tickets in tickets(),
        day in any::<bool>(),
        baseline in any::<u32>(),
        min_count in any::<u32>(),
        z in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -5.0f64..5.0],
        change in prop_oneof![Just(f64::NAN), -2.0f64..5.0],
        drops in any::<bool>(),
        offset in 0i64..30,
    ) {
        let config = SpikeConfig {
            period: if day { Period::Day } else { Period::Week },
            time_zone: chrono_tz::Pacific::Kiritimati,
            baseline_periods: baseline % 2000,
            min_count,
            z_threshold: z,
            min_change: change,
            drops,
        };
        for s in detect_spikes(&tickets, None, start() + Duration::days(offset), &config) {
            prop_assert!(!s.to_string().is_empty());
        }
    }

    #[test]
    fn similarity_is_symmetric_and_bounded(a in "\\PC{0,40}", b in "\\PC{0,40}") {
        let x = similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&x));
        prop_assert_eq!(x, similarity(&b, &a));
        prop_assert_eq!(similarity(&a, &a), 1.0);
    }
}
