//! Reply-quality checks (`supportdesk::quality`): golden files per locale
//! (`tests/data/quality/<locale>.json`: replies with their expected
//! findings and score), and properties of spans and order.
//!
//! To rewrite the golden files after a deliberate change of the shipped
//! rules, run with `QUALITY_BLESS=1` and review the diff.

use std::path::PathBuf;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use supportdesk::quality::{self, Locale, MAX_TEXT_BYTES, Report};
use supportdesk::ticket::LifecycleRules;

/// One expected finding, with the text its span covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule_id: String,
    span: [usize; 2],
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    suggestion: Option<String>,
}

/// One reply of a golden file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    reply: String,
    score: u8,
    findings: Vec<Expected>,
}

fn path(locale: Locale) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/quality")
        .join(format!("{locale}.json"))
}

fn actual(reply: &str, report: &Report) -> Case {
    Case {
        reply: reply.to_string(),
        score: report.score,
        findings: report
            .findings
            .iter()
            .map(|f| Expected {
                rule_id: f.rule_id.clone(),
                span: [f.span.start, f.span.end],
                text: reply
                    .get(f.span.clone())
                    .unwrap_or("<not a char range>")
                    .to_string(),
                suggestion: f.suggestion.clone(),
            })
            .collect(),
    }
}

fn golden(locale: Locale) {
    let file = path(locale);
    let json = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let cases: Vec<Case> =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(cases.len() >= 4, "{}: a handful of replies", file.display());
    let mut got = Vec::new();
    for case in &cases {
        let report = quality::check(&case.reply, locale)
            .unwrap_or_else(|e| panic!("{locale}: {:?}: {e}", case.reply));
        got.push(actual(&case.reply, &report));
    }
    if std::env::var_os("QUALITY_BLESS").is_some() {
        let mut out = serde_json::to_string_pretty(&got).unwrap_or_default();
        out.push('\n');
        std::fs::write(&file, out).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        return;
    }
    for (want, got) in cases.iter().zip(&got) {
        assert_eq!(got, want, "{locale}: reply {:?}", want.reply);
    }
}

#[test]
fn golden_en() {
    golden(Locale::En);
}

#[test]
fn golden_zh_hans() {
    golden(Locale::ZhHans);
}

#[test]
fn golden_zh_hant() {
    golden(Locale::ZhHant);
}

#[test]
fn the_text_limit_is_the_message_body_limit() {
    assert_eq!(MAX_TEXT_BYTES, LifecycleRules::DEFAULT.max_body_bytes);
}

/// Replies built from the shipped phrases, other words and odd characters
/// (case that changes length when folded, whitespace runs, CJK).
fn reply() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Unfortunately".to_string()),
        Just("that’s OUR policy".to_string()),
        Just("Sorry".to_string()),
        Just("I will".to_string()),
        Just("thanks".to_string()),
        Just("Hi".to_string()),
        Just("no problem".to_string()),
        Just("抱歉".to_string()),
        Just("無法".to_string()),
        Just("无法".to_string()),
        Just("感谢您的耐心".to_string()),
        Just("İ".to_string()),
        Just("ẞ".to_string()),
        Just(" \t\n ".to_string()),
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.join(" "))
}

proptest! {
    #[test]
    fn spans_lie_on_char_boundaries_and_findings_are_sorted(text in reply()) {
        for locale in Locale::ALL {
            let report = quality::check(&text, locale).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(report.score <= 100);
            for f in &report.findings {
                prop_assert!(f.span.start <= f.span.end && f.span.end <= text.len(), "{f:?}");
                prop_assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end), "{f:?}");
            }
            for w in report.findings.windows(2) {
                prop_assert!(
                    (w[0].span.start, w[0].span.end, &w[0].rule_id) <= (w[1].span.start, w[1].span.end, &w[1].rule_id),
                    "{:?}", report.findings
                );
            }
        }
    }
}
