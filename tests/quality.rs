//! Reply-quality checks (`supportdesk::quality`): golden files per locale
//! (`tests/data/quality/<locale>.json`: replies with their expected
//! findings and score), and properties of spans and order.
//!
//! Metric findings also record their message (it carries the measured
//! value and the bound); the other rules' messages are fixed per rule.
//!
//! To rewrite the golden files after a deliberate change of the shipped
//! rules, run with `QUALITY_BLESS=1` and review the diff.

use std::path::PathBuf;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use supportdesk::quality::{
    self, Check, Locale, MAX_TEXT_BYTES, Measure, Report, Rule, RuleSet, Severity,
};
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
    /// The message, for metric rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
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

fn actual(reply: &str, report: &Report, set: &RuleSet) -> Case {
    let is_metric = |id: &str| {
        set.rules()
            .iter()
            .any(|r| r.id == id && matches!(r.check, Check::Metric { .. }))
    };
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
                message: is_metric(&f.rule_id).then(|| f.message.clone()),
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
    let set = RuleSet::shipped(locale).unwrap_or_else(|e| panic!("{locale}: {e}"));
    let mut got = Vec::new();
    for case in &cases {
        let report = quality::check(&case.reply, locale)
            .unwrap_or_else(|e| panic!("{locale}: {:?}: {e}", case.reply));
        got.push(actual(&case.reply, &report, set));
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
    // Every shipped metric rule fires on some golden reply.
    for rule in set.rules() {
        if matches!(rule.check, Check::Metric { .. }) {
            assert!(
                got.iter()
                    .any(|c| c.findings.iter().any(|f| f.rule_id == rule.id)),
                "{}: no golden reply triggers {}",
                file.display(),
                rule.id
            );
        }
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

/// A rule set of every measure, each with a bound most texts break (at most
/// 0) and one few texts reach (at least 1,000), so findings are frequent.
fn every_measure(locale: Locale) -> RuleSet {
    let rules = Measure::ALL.iter().flat_map(|&measure| {
        [(None, Some(0), "max"), (Some(1000), None, "min")]
            .into_iter()
            .map(move |(min, max, which)| Rule {
                id: format!("{measure}.{which}"),
                locale,
                message: String::new(),
                weight: 1,
                severity: Severity::Suggestion,
                check: Check::Metric { measure, min, max },
            })
    });
    RuleSet::new(locale, rules.collect()).unwrap_or_else(|e| panic!("{locale}: {e}"))
}

/// Texts heavy in what the metrics read: sentence ends (ASCII and
/// fullwidth), line breaks, capitals, joiners, CJK, and anything else.
fn metric_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("OK".to_string()),
        Just("WE ARE".to_string()),
        Just("don't".to_string()),
        Just("3.5".to_string()),
        Just("e-mail".to_string()),
        Just("...".to_string()),
        Just("?!".to_string()),
        Just("。".to_string()),
        Just("！？".to_string()),
        Just("\r\n".to_string()),
        Just("\u{2028}".to_string()),
        Just("您好".to_string()),
        Just("İẞ".to_string()),
        "[a-zA-Z]{1,8}",
        "\\PC{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn metrics_never_panic_and_spans_lie_on_char_boundaries(text in metric_text()) {
        for locale in Locale::ALL {
            let report = every_measure(locale).check(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(report.score <= 100);
            for f in &report.findings {
                prop_assert!(f.span.start <= f.span.end && f.span.end <= text.len(), "{f:?}");
                prop_assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end), "{f:?}");
                prop_assert!(!f.message.is_empty());
                if f.rule_id.starts_with("longest_sentence") && f.span != (0..text.len()) {
                    // A sentence: trimmed, not empty.
                    let sentence = &text[f.span.clone()];
                    prop_assert!(!sentence.is_empty() && sentence.trim() == sentence, "{sentence:?}");
                }
            }
            // Words present: the "at most 0" word and sentence rules fire.
            let words = report.findings.iter().any(|f| f.rule_id == "words.max");
            let sentences = report.findings.iter().any(|f| f.rule_id == "sentences.max");
            prop_assert_eq!(words, sentences);
        }
    }
}

#[test]
fn metrics_on_a_reply_of_the_maximum_size() {
    let sentence = "THIS IS A VERY LOUD SENTENCE! ";
    let text = sentence.repeat(MAX_TEXT_BYTES / sentence.len());
    let report = quality::check(&text, Locale::En).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(ids.contains(&"en.shouting"), "{ids:?}");
    assert!(ids.contains(&"en.exclamations"), "{ids:?}");
    assert!(!ids.contains(&"en.long-sentence"), "{ids:?}");
    let zh = "好".repeat(MAX_TEXT_BYTES / 3);
    let report = quality::check(&zh, Locale::ZhHans).unwrap_or_else(|e| panic!("{e}"));
    let long = report
        .findings
        .iter()
        .find(|f| f.rule_id == "zh-Hans.long-sentence")
        .map(|f| (f.span.clone(), f.message.clone()));
    assert_eq!(
        long,
        Some((
            0..zh.len(),
            format!(
                "句子太长：请拆成几个短句。（最长的句子有 {} 个字；请不超过 80 个字）",
                MAX_TEXT_BYTES / 3
            )
        ))
    );
}
