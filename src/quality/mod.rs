//! Reply-quality checks: deterministic rules over an agent's reply, per
//! locale, each finding with a span into the reply and, where the rule has
//! one, a suggestion; and a 0–100 score from the rules' weights.
//!
//! - [`Rule`]s are data (serde, unknown keys rejected): [`Check::Existence`]
//!   (negative phrasing, an apology with no action), [`Check::Substitution`]
//!   (a phrase and what to write instead), [`Check::Occurrence`] (thanks at
//!   least once, a greeting, a closing), [`Check::Sequence`] (LATTE:
//!   acknowledge, then act, then thank), [`Check::Metric`] (a [`Measure`]
//!   of the reply within `min`/`max`: words, sentences, average and longest
//!   sentence length, exclamation and question marks, the share of words in
//!   capitals).
//! - [`RuleSet::shipped`]: small curated sets for `en`, `zh-Hans` and
//!   `zh-Hant` (`src/quality/data/*.json`); hosts add their own rules with
//!   [`RuleSet::with_rules`] or load a whole set with [`RuleSet::from_json`].
//! - Matching runs on normalised text (lower case, whitespace collapsed)
//!   with regexes built from escaped phrases (whole words for Latin
//!   scripts, anywhere for CJK): linear time, over replies of at most
//!   [`MAX_TEXT_BYTES`].
//! - Metrics are measured in one pass over the reply as written, shared by
//!   all of a set's metric rules. Words are runs of letters and digits
//!   (joined by `'`, `-` or `.`: `don't`, `3.5`), each CJK character a word;
//!   sentences end at a run of `.` `!` `?` `。` `！` `？` and at line breaks;
//!   a stretch without words is no sentence (details in [`Measure`]). A
//!   finding's message gives the measured value and the bound.
//!
//! ```
//! use supportdesk::quality::{self, Locale};
//!
//! let report = quality::check(
//!     "Hi Ana, unfortunately that's our policy. Best regards",
//!     Locale::En,
//! )?;
//! let ids: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
//! assert!(ids.contains(&"en.negative"));
//! assert!(ids.contains(&"en.thanks"));
//! assert!(report.score < 100);
//! # Ok::<(), supportdesk::quality::QualityError>(())
//! ```

mod metric;
mod normalize;
mod rule;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

pub use metric::Measure;
use normalize::{Normalized, fold};
pub use rule::{Check, Locale, Rule, Severity};

use metric::{Broken, Metrics};

/// The longest reply checked: 1 MiB, the default maximum message body of
/// the lifecycle rules. Longer texts are a [`QualityError::TooLong`].
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// The compiled size limit of one rule's regex.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a rule set could not be built or a text not checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QualityError {
    /// The text is longer than [`MAX_TEXT_BYTES`].
    #[error("reply of {bytes} bytes is over the limit of {max} bytes")]
    TooLong {
        /// The text's length in bytes.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A rule set's JSON is malformed (the message names the bad key or value).
    #[error("rule set JSON: {message}")]
    Json {
        /// serde_json's message, with line and column.
        message: String,
    },
    /// A rule's id is empty.
    #[error("a rule has an empty id")]
    EmptyId,
    /// Two rules share an id.
    #[error("two rules have the id {id:?}")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A rule is for another locale than its rule set.
    #[error("rule {id:?} is for locale {found}, the rule set is for {expected}")]
    LocaleMismatch {
        /// The rule.
        id: String,
        /// The rule's locale.
        found: Locale,
        /// The rule set's locale.
        expected: Locale,
    },
    /// A list the rule needs is empty (`phrases`, `swap`, `steps`, a step).
    #[error("rule {id:?}: {key} is empty")]
    EmptyList {
        /// The rule.
        id: String,
        /// The key.
        key: &'static str,
    },
    /// A phrase is empty once normalised (blank).
    #[error("rule {id:?}: {key} has a blank phrase {phrase:?}")]
    BlankPhrase {
        /// The rule.
        id: String,
        /// The key holding the phrase.
        key: &'static str,
        /// The phrase as written.
        phrase: String,
    },
    /// Two `swap` phrases are the same once normalised but suggest different things.
    #[error("rule {id:?}: swap phrase {phrase:?} appears twice with different replacements")]
    ConflictingSwap {
        /// The rule.
        id: String,
        /// The normalised phrase.
        phrase: String,
    },
    /// An occurrence or metric rule without `min` or `max` (or only `min`
    /// 0), or with `min` above `max`.
    #[error("rule {id:?}: {kind} bounds min {min:?} max {max:?} admit nothing or everything")]
    Bounds {
        /// The rule.
        id: String,
        /// The rule's kind: `occurrence` or `metric`.
        kind: &'static str,
        /// `min`.
        min: Option<u32>,
        /// `max`.
        max: Option<u32>,
    },
    /// A sequence rule with fewer than two steps.
    #[error("rule {id:?}: a sequence needs at least 2 steps, found {steps}")]
    ShortSequence {
        /// The rule.
        id: String,
        /// How many steps it has.
        steps: usize,
    },
    /// A rule's phrases do not compile within the regex size limit.
    #[error("rule {id:?}: {message}")]
    Regex {
        /// The rule.
        id: String,
        /// The regex crate's message.
        message: String,
    },
}

/// One thing a rule found in a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id.
    pub rule_id: String,
    /// Byte range in the checked text (on character boundaries); for a
    /// phrase that is missing, the whole text.
    pub span: Range<usize>,
    /// The rule's message.
    pub message: String,
    /// What to write instead, for a substitution.
    pub suggestion: Option<String>,
    /// The rule's severity.
    pub severity: Severity,
}

/// The findings on one reply, by span then rule id, and its score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Every finding, sorted by span start, span end, rule id.
    pub findings: Vec<Finding>,
    /// 100 times the weight of the rules the reply passes over the total
    /// weight, rounded down (100 for a rule set without weight).
    pub score: u8,
}

/// A rule set's JSON: `{"locale": "en", "rules": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSetData {
    locale: Locale,
    rules: Vec<Rule>,
}

/// A rule's compiled matchers.
#[derive(Debug, Clone)]
enum Compiled {
    Existence {
        phrases: Regex,
        unless: Option<Regex>,
    },
    Substitution {
        phrases: Regex,
        swap: HashMap<String, String>,
    },
    Occurrence {
        phrases: Regex,
        min: Option<u32>,
        max: Option<u32>,
    },
    Sequence {
        steps: Vec<Regex>,
    },
    Metric {
        measure: Measure,
        min: Option<u32>,
        max: Option<u32>,
    },
}

/// The rules for one locale, compiled.
#[derive(Debug, Clone)]
pub struct RuleSet {
    locale: Locale,
    rules: Vec<Rule>,
    compiled: Vec<Compiled>,
    total_weight: u64,
}

/// Checks `text` with the shipped rule set for `locale`.
pub fn check(text: &str, locale: Locale) -> Result<Report, QualityError> {
    RuleSet::shipped(locale)?.check(text)
}

/// The shipped rule sets' JSON.
fn shipped_json(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("data/en.json"),
        Locale::ZhHans => include_str!("data/zh-Hans.json"),
        Locale::ZhHant => include_str!("data/zh-Hant.json"),
    }
}

impl RuleSet {
    /// Compiles `rules` for `locale`: ids unique and non-empty, every rule
    /// of this locale, lists non-empty, phrases not blank, bounds sensible.
    pub fn new(locale: Locale, rules: Vec<Rule>) -> Result<RuleSet, QualityError> {
        let mut ids = BTreeSet::new();
        let mut compiled = Vec::with_capacity(rules.len());
        let mut total_weight = 0u64;
        for rule in &rules {
            if rule.id.trim().is_empty() {
                return Err(QualityError::EmptyId);
            }
            if !ids.insert(rule.id.as_str()) {
                return Err(QualityError::DuplicateId {
                    id: rule.id.clone(),
                });
            }
            if rule.locale != locale {
                return Err(QualityError::LocaleMismatch {
                    id: rule.id.clone(),
                    found: rule.locale,
                    expected: locale,
                });
            }
            compiled.push(compile(rule)?);
            total_weight += u64::from(rule.weight);
        }
        Ok(RuleSet {
            locale,
            rules,
            compiled,
            total_weight,
        })
    }

    /// Reads and compiles a rule set from JSON (`{"locale": "en", "rules":
    /// [...]}`); errors name the bad key or value.
    pub fn from_json(json: &str) -> Result<RuleSet, QualityError> {
        let data: RuleSetData = serde_json::from_str(json).map_err(|e| QualityError::Json {
            message: e.to_string(),
        })?;
        RuleSet::new(data.locale, data.rules)
    }

    /// The shipped rule set for `locale`, compiled once.
    pub fn shipped(locale: Locale) -> Result<&'static RuleSet, QualityError> {
        static SHIPPED: [OnceLock<Result<RuleSet, QualityError>>; 3] =
            [const { OnceLock::new() }; 3];
        let slot = match locale {
            Locale::En => &SHIPPED[0],
            Locale::ZhHans => &SHIPPED[1],
            Locale::ZhHant => &SHIPPED[2],
        };
        slot.get_or_init(|| RuleSet::from_json(shipped_json(locale)))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// This set with `rules` added after its own (a host's lexicon), checked
    /// as [`RuleSet::new`] does.
    pub fn with_rules(
        self,
        rules: impl IntoIterator<Item = Rule>,
    ) -> Result<RuleSet, QualityError> {
        let mut all = self.rules;
        all.extend(rules);
        RuleSet::new(self.locale, all)
    }

    /// The locale.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Checks `text` (at most [`MAX_TEXT_BYTES`]).
    pub fn check(&self, text: &str) -> Result<Report, QualityError> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(QualityError::TooLong {
                bytes: text.len(),
                max: MAX_TEXT_BYTES,
            });
        }
        let n = Normalized::new(text);
        let hay = n.text.as_str();
        let mut findings = Vec::new();
        let mut failed = 0u64;
        // Measured once, on the first metric rule.
        let mut metrics: Option<Metrics> = None;
        for (rule, compiled) in self.rules.iter().zip(&self.compiled) {
            let before = findings.len();
            let mut found = |span: Range<usize>, suggestion: Option<String>| {
                findings.push(Finding {
                    rule_id: rule.id.clone(),
                    span,
                    message: rule.message.clone(),
                    suggestion,
                    severity: rule.severity,
                });
            };
            match compiled {
                Compiled::Existence { phrases, unless } => {
                    if !unless.as_ref().is_some_and(|u| u.is_match(hay)) {
                        for m in phrases.find_iter(hay) {
                            found(n.original(m.range()), None);
                        }
                    }
                }
                Compiled::Substitution { phrases, swap } => {
                    for m in phrases.find_iter(hay) {
                        found(n.original(m.range()), swap.get(m.as_str()).cloned());
                    }
                }
                Compiled::Occurrence { phrases, min, max } => {
                    let mut count = 0u32;
                    for m in phrases.find_iter(hay) {
                        count = count.saturating_add(1);
                        if max.is_some_and(|max| count > max) {
                            found(n.original(m.range()), None);
                        }
                    }
                    if min.is_some_and(|min| count < min) {
                        found(0..text.len(), None);
                    }
                }
                Compiled::Sequence { steps } => {
                    // The latest first occurrence of the steps before.
                    let mut earlier: Option<usize> = None;
                    for step in steps {
                        let mut first = None;
                        let mut last = None;
                        for m in step.find_iter(hay) {
                            first.get_or_insert(m.start());
                            last = Some(m.range());
                        }
                        if let (Some(first), Some(last)) = (first, last) {
                            if earlier.is_some_and(|e| last.start < e) {
                                found(n.original(last), None);
                            }
                            earlier = Some(earlier.map_or(first, |e| e.max(first)));
                        }
                    }
                }
                Compiled::Metric { measure, min, max } => {
                    let metrics = metrics.get_or_insert_with(|| Metrics::measure(text));
                    let value = metrics.value(*measure);
                    let broken = match (min, max) {
                        (Some(min), _) if value.below(*min) => Some(Broken::Min(*min)),
                        (_, Some(max)) if value.above(*max) => Some(Broken::Max(*max)),
                        _ => None,
                    };
                    if let Some(broken) = broken {
                        let message =
                            metric::message(rule.locale, &rule.message, *measure, value, broken);
                        findings.push(Finding {
                            rule_id: rule.id.clone(),
                            span: metrics.span(*measure, text.len()),
                            message,
                            suggestion: None,
                            severity: rule.severity,
                        });
                    }
                }
            }
            if findings.len() > before {
                failed += u64::from(rule.weight);
            }
        }
        findings.sort_by(|a, b| {
            (a.span.start, a.span.end, &a.rule_id).cmp(&(b.span.start, b.span.end, &b.rule_id))
        });
        let score = if self.total_weight == 0 {
            100
        } else {
            let passed = self.total_weight.saturating_sub(failed);
            u8::try_from(passed * 100 / self.total_weight).unwrap_or(100)
        };
        Ok(Report { findings, score })
    }
}

/// Compiles one rule's matchers.
fn compile(rule: &Rule) -> Result<Compiled, QualityError> {
    let id = &rule.id;
    let group = |key: &'static str, phrases: &[String]| -> Result<Regex, QualityError> {
        phrase_regex(id, key, phrases.iter().map(String::as_str))
    };
    Ok(match &rule.check {
        Check::Existence { phrases, unless } => Compiled::Existence {
            phrases: group("phrases", phrases)?,
            unless: if unless.is_empty() {
                None
            } else {
                Some(group("unless", unless)?)
            },
        },
        Check::Substitution { swap } => {
            let mut folded: HashMap<String, String> = HashMap::new();
            for (phrase, replacement) in swap {
                let key = fold(phrase);
                if let Some(old) = folded.get(&key) {
                    if old != replacement {
                        return Err(QualityError::ConflictingSwap {
                            id: id.clone(),
                            phrase: key,
                        });
                    }
                }
                folded.insert(key, replacement.clone());
            }
            Compiled::Substitution {
                phrases: phrase_regex(id, "swap", swap.keys().map(String::as_str))?,
                swap: folded,
            }
        }
        Check::Occurrence { phrases, min, max } => {
            bounds(rule, *min, *max)?;
            Compiled::Occurrence {
                phrases: group("phrases", phrases)?,
                min: *min,
                max: *max,
            }
        }
        Check::Sequence { steps } => {
            if steps.len() < 2 {
                return Err(QualityError::ShortSequence {
                    id: id.clone(),
                    steps: steps.len(),
                });
            }
            Compiled::Sequence {
                steps: steps
                    .iter()
                    .map(|s| group("steps", s))
                    .collect::<Result<_, _>>()?,
            }
        }
        Check::Metric { measure, min, max } => {
            bounds(rule, *min, *max)?;
            Compiled::Metric {
                measure: *measure,
                min: *min,
                max: *max,
            }
        }
    })
}

/// Checks an occurrence or metric rule's bounds: at least one that admits
/// something and excludes something, `min` not above `max`.
fn bounds(rule: &Rule, min: Option<u32>, max: Option<u32>) -> Result<(), QualityError> {
    let admits_all = min.is_none_or(|m| m == 0) && max.is_none();
    if admits_all || matches!((min, max), (Some(lo), Some(hi)) if lo > hi) {
        return Err(QualityError::Bounds {
            id: rule.id.clone(),
            kind: rule.check.kind(),
            min,
            max,
        });
    }
    Ok(())
}

/// Whether `c` is a CJK (or other unspaced East Asian) character: no word
/// boundaries around phrases that begin or end with one.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// The word boundary to put next to `c`: ASCII `\b` for ASCII letters and
/// digits (what the fast engines handle), Unicode `\b` for other non-CJK
/// letters, none otherwise.
fn boundary(c: Option<char>) -> &'static str {
    match c {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => r"(?-u:\b)",
        Some(c) if c.is_alphanumeric() && !is_cjk(c) => r"\b",
        _ => "",
    }
}

/// One regex matching any of `phrases` (normalised, longest first so the
/// leftmost match is the longest phrase there).
fn phrase_regex<'a>(
    id: &str,
    key: &'static str,
    phrases: impl Iterator<Item = &'a str>,
) -> Result<Regex, QualityError> {
    let mut folded = BTreeSet::new();
    for phrase in phrases {
        let f = fold(phrase);
        if f.is_empty() {
            return Err(QualityError::BlankPhrase {
                id: id.to_string(),
                key,
                phrase: phrase.to_string(),
            });
        }
        folded.insert(f);
    }
    if folded.is_empty() {
        return Err(QualityError::EmptyList {
            id: id.to_string(),
            key,
        });
    }
    let mut ordered: Vec<String> = folded.into_iter().collect();
    ordered.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    let alternatives: Vec<String> = ordered
        .iter()
        .map(|p| {
            format!(
                "{}{}{}",
                boundary(p.chars().next()),
                regex::escape(p),
                boundary(p.chars().next_back())
            )
        })
        .collect();
    RegexBuilder::new(&alternatives.join("|"))
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| QualityError::Regex {
            id: id.to_string(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, weight: u32, check: Check) -> Rule {
        Rule {
            id: id.to_string(),
            locale: Locale::En,
            message: format!("{id} message"),
            weight,
            severity: Severity::Warning,
            check,
        }
    }

    fn phrases(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    fn found<'t>(text: &'t str, report: &Report) -> Vec<(&'t str, String)> {
        report
            .findings
            .iter()
            .map(|f| (&text[f.span.clone()], f.rule_id.clone()))
            .collect()
    }

    #[test]
    fn shipped_sets_compile() -> Result<(), QualityError> {
        for locale in Locale::ALL {
            let set = RuleSet::shipped(locale)?;
            assert_eq!(set.locale(), locale);
            assert!(set.rules().len() >= 7, "{locale}");
        }
        Ok(())
    }

    #[test]
    fn existence_finds_every_occurrence_as_whole_words() -> Result<(), QualityError> {
        let set = RuleSet::new(
            Locale::En,
            vec![rule(
                "neg",
                1,
                Check::Existence {
                    phrases: phrases(&["Unfortunately", "you must"]),
                    unless: vec![],
                },
            )],
        )?;
        let text = "UNFORTUNATELY,  You\n must pay. Unfortunately! mustard you mustn't";
        let r = set.check(text)?;
        assert_eq!(
            found(text, &r),
            [
                ("UNFORTUNATELY", "neg".to_string()),
                ("You\n must", "neg".to_string()),
                ("Unfortunately", "neg".to_string()),
            ]
        );
        assert_eq!(r.score, 0);
        Ok(())
    }

    #[test]
    fn unless_clears_an_existence_rule() -> Result<(), QualityError> {
        let set = RuleSet::new(
            Locale::En,
            vec![rule(
                "apology",
                1,
                Check::Existence {
                    phrases: phrases(&["sorry"]),
                    unless: phrases(&["I will"]),
                },
            )],
        )?;
        assert_eq!(set.check("Sorry about that.")?.findings.len(), 1);
        assert_eq!(set.check("Sorry, I will fix it.")?.findings.len(), 0);
        Ok(())
    }

    #[test]
    fn substitution_suggests_the_replacement() -> Result<(), QualityError> {
        let mut swap = std::collections::BTreeMap::new();
        swap.insert("No Problem".to_string(), "happy to help".to_string());
        let set = RuleSet::new(Locale::En, vec![rule("w", 1, Check::Substitution { swap })])?;
        let text = "Sure, no  problem.";
        let r = set.check(text)?;
        assert_eq!(r.findings.len(), 1);
        assert_eq!(&text[r.findings[0].span.clone()], "no  problem");
        assert_eq!(r.findings[0].suggestion.as_deref(), Some("happy to help"));
        Ok(())
    }

    #[test]
    fn occurrence_bounds() -> Result<(), QualityError> {
        let check = |min, max| Check::Occurrence {
            phrases: phrases(&["thanks"]),
            min,
            max,
        };
        let set = RuleSet::new(
            Locale::En,
            vec![
                rule("min", 3, check(Some(1), None)),
                rule("max", 1, check(None, Some(1))),
            ],
        )?;
        let r = set.check("Hello")?;
        assert_eq!(found("Hello", &r), [("Hello", "min".to_string())]);
        assert_eq!(r.score, 25);
        let text = "thanks thanks";
        let r = set.check(text)?;
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].span, 7..13);
        assert_eq!(r.score, 75);
        assert_eq!(set.check("thanks")?.score, 100);
        Ok(())
    }

    #[test]
    fn sequence_flags_a_step_entirely_before_an_earlier_one() -> Result<(), QualityError> {
        let set = RuleSet::new(
            Locale::En,
            vec![rule(
                "latte",
                1,
                Check::Sequence {
                    steps: vec![
                        phrases(&["sorry"]),
                        phrases(&["i will"]),
                        phrases(&["thanks"]),
                    ],
                },
            )],
        )?;
        assert!(
            set.check("Sorry! I will fix it. Thanks")?
                .findings
                .is_empty()
        );
        // Missing steps are not the sequence's business.
        assert!(set.check("I will fix it.")?.findings.is_empty());
        // Thanks first and again at the end is fine.
        assert!(
            set.check("Thanks. Sorry! I will fix it. Thanks")?
                .findings
                .is_empty()
        );
        let text = "I will fix it. Sorry about that.";
        let r = set.check(text)?;
        assert_eq!(found(text, &r), [("I will", "latte".to_string())]);
        Ok(())
    }

    #[test]
    fn cjk_phrases_match_without_word_boundaries() -> Result<(), QualityError> {
        let text = "您好，很抱歉我们无法退款。";
        let r = check(text, Locale::ZhHans)?;
        let hits = found(text, &r);
        assert!(
            hits.contains(&("无法", "zh-Hans.negative".to_string())),
            "{hits:?}"
        );
        assert!(hits.contains(&("抱歉", "zh-Hans.apology-without-action".to_string())));
        Ok(())
    }

    #[test]
    fn non_ascii_latin_phrases_match_as_whole_words() -> Result<(), QualityError> {
        let set = RuleSet::new(
            Locale::En,
            vec![rule(
                "fr",
                1,
                Check::Existence {
                    phrases: phrases(&["Désolé"]),
                    unless: vec![],
                },
            )],
        )?;
        let text = "DÉSOLÉ, désolée, désolé.";
        let r = set.check(text)?;
        assert_eq!(
            found(text, &r),
            [("DÉSOLÉ", "fr".to_string()), ("désolé", "fr".to_string())]
        );
        Ok(())
    }

    #[test]
    fn findings_are_sorted_by_span() -> Result<(), QualityError> {
        let text = "Unfortunately you must wait. Sorry.";
        let r = check(text, Locale::En)?;
        let starts: Vec<usize> = r.findings.iter().map(|f| f.span.start).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted);
        Ok(())
    }

    #[test]
    fn texts_over_the_limit_are_an_error() {
        let text = "a".repeat(MAX_TEXT_BYTES + 1);
        assert_eq!(
            check(&text, Locale::En),
            Err(QualityError::TooLong {
                bytes: MAX_TEXT_BYTES + 1,
                max: MAX_TEXT_BYTES
            })
        );
        assert!(check(&"a".repeat(MAX_TEXT_BYTES), Locale::En).is_ok());
    }

    #[test]
    fn bad_rules_are_typed_errors_naming_the_value() {
        let bad = |check: Check| RuleSet::new(Locale::En, vec![rule("r", 1, check)]);
        assert_eq!(
            bad(Check::Existence {
                phrases: vec![],
                unless: vec![]
            })
            .err(),
            Some(QualityError::EmptyList {
                id: "r".into(),
                key: "phrases"
            })
        );
        assert_eq!(
            bad(Check::Existence {
                phrases: phrases(&["  "]),
                unless: vec![]
            })
            .err(),
            Some(QualityError::BlankPhrase {
                id: "r".into(),
                key: "phrases",
                phrase: "  ".into()
            })
        );
        assert_eq!(
            bad(Check::Occurrence {
                phrases: phrases(&["x"]),
                min: Some(2),
                max: Some(1)
            })
            .err(),
            Some(QualityError::Bounds {
                id: "r".into(),
                kind: "occurrence",
                min: Some(2),
                max: Some(1)
            })
        );
        assert_eq!(
            bad(Check::Occurrence {
                phrases: phrases(&["x"]),
                min: None,
                max: None
            })
            .err(),
            Some(QualityError::Bounds {
                id: "r".into(),
                kind: "occurrence",
                min: None,
                max: None
            })
        );
        assert_eq!(
            bad(Check::Sequence {
                steps: vec![phrases(&["x"])]
            })
            .err(),
            Some(QualityError::ShortSequence {
                id: "r".into(),
                steps: 1
            })
        );
        let mut swap = std::collections::BTreeMap::new();
        swap.insert("A b".to_string(), "x".to_string());
        swap.insert("a  B".to_string(), "y".to_string());
        assert_eq!(
            bad(Check::Substitution { swap }).err(),
            Some(QualityError::ConflictingSwap {
                id: "r".into(),
                phrase: "a b".into()
            })
        );
        let twice = vec![
            rule(
                "r",
                1,
                Check::Existence {
                    phrases: phrases(&["x"]),
                    unless: vec![],
                },
            ),
            rule(
                "r",
                1,
                Check::Existence {
                    phrases: phrases(&["y"]),
                    unless: vec![],
                },
            ),
        ];
        assert_eq!(
            RuleSet::new(Locale::En, twice).err(),
            Some(QualityError::DuplicateId { id: "r".into() })
        );
        assert_eq!(
            RuleSet::new(
                Locale::ZhHans,
                vec![rule(
                    "r",
                    1,
                    Check::Existence {
                        phrases: phrases(&["x"]),
                        unless: vec![]
                    }
                )]
            )
            .err(),
            Some(QualityError::LocaleMismatch {
                id: "r".into(),
                found: Locale::En,
                expected: Locale::ZhHans
            })
        );
    }

    #[test]
    fn json_errors_name_the_unknown_key_or_value() {
        let err = |json: &str| match RuleSet::from_json(json) {
            Err(QualityError::Json { message }) => message,
            other => format!("not a JSON error: {other:?}"),
        };
        let rule = |extra: &str, kind: &str| {
            format!(
                r#"{{"locale": "en", "rules": [{{"id": "r", "locale": "en", "message": "m", "weight": 1,
                "severity": "warning", "check": {{"kind": "{kind}", "phrases": ["x"]{extra}}}}}]}}"#
            )
        };
        assert!(RuleSet::from_json(&rule("", "existence")).is_ok());
        assert!(err(&rule(r#", "typo": 1"#, "existence")).contains("typo"));
        assert!(err(&rule("", "histogram")).contains("histogram"));
        assert!(err(r#"{"locale": "fr", "rules": []}"#).contains("fr"));
        assert!(err(r#"{"locale": "en", "rules": [], "extra": 1}"#).contains("extra"));
    }

    fn metric(id: &str, measure: Measure, min: Option<u32>, max: Option<u32>) -> Rule {
        rule(id, 1, Check::Metric { measure, min, max })
    }

    #[test]
    fn metric_findings_give_the_value_and_the_bound() -> Result<(), QualityError> {
        let set = RuleSet::new(
            Locale::En,
            vec![
                metric("long", Measure::LongestSentence, None, Some(3)),
                metric("few-words", Measure::Words, Some(20), None),
                metric("bangs", Measure::Exclamations, None, Some(1)),
                metric("avg", Measure::AverageSentenceLength, Some(1), Some(2)),
                metric("caps", Measure::UppercaseWords, None, Some(30)),
                metric("questions", Measure::Questions, Some(1), Some(1)),
            ],
        )?;
        let text = "Hi! Your parcel left today! See you";
        let r = set.check(text)?;
        let by_id = |id: &str| r.findings.iter().find(|f| f.rule_id == id);
        let long = by_id("long").map(|f| (&text[f.span.clone()], f.message.as_str()));
        assert_eq!(
            long,
            Some((
                "Your parcel left today!",
                "long message (the longest sentence has 4 words; keep it to at most 3)"
            ))
        );
        let few = by_id("few-words").map(|f| (f.span.clone(), f.message.as_str()));
        assert_eq!(
            few,
            Some((
                0..text.len(),
                "few-words message (the reply has 7 words; write at least 20)"
            ))
        );
        assert!(by_id("bangs").is_some_and(|f| {
            f.message
                .ends_with("(the reply has 2 exclamation marks; keep it to at most 1)")
        }));
        // 7 words in 3 sentences: 2.33 > 2, shown rounded up.
        assert!(by_id("avg").is_some_and(|f| {
            f.message
                .ends_with("(sentences average 2.4 words; keep it to at most 2)")
        }));
        assert!(by_id("caps").is_none());
        assert!(by_id("questions").is_some_and(|f| {
            f.message
                .ends_with("(the reply has 0 question marks; write at least 1)")
        }));
        assert_eq!(r.findings.len(), 5);
        // 1 of 6 rules passes.
        assert_eq!(r.score, 16);
        Ok(())
    }

    #[test]
    fn a_metric_within_its_bounds_finds_nothing() -> Result<(), QualityError> {
        let set = RuleSet::new(
            Locale::En,
            vec![
                metric("long", Measure::LongestSentence, Some(1), Some(4)),
                metric("caps", Measure::UppercaseWords, None, Some(60)),
            ],
        )?;
        let r = set.check("Your parcel LEFT TODAY. OK")?;
        assert_eq!(r.findings, []);
        assert_eq!(r.score, 100);
        // Empty text: the longest sentence has 0 words, the span is the text.
        let r = set.check("")?;
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].span, 0..0);
        Ok(())
    }

    #[test]
    fn shipped_metric_rules_fire() -> Result<(), QualityError> {
        let ids = |text: &str, locale| -> Result<Vec<String>, QualityError> {
            Ok(check(text, locale)?
                .findings
                .into_iter()
                .map(|f| f.rule_id)
                .filter(|id| {
                    id.ends_with("long-sentence")
                        || id.ends_with("shouting")
                        || id.ends_with("exclamations")
                })
                .collect())
        };
        let long = format!("Hi, {}. Thanks, regards", "word ".repeat(40).trim_end());
        assert_eq!(ids(&long, Locale::En)?, ["en.long-sentence"]);
        assert_eq!(
            ids("Hi, WE ARE CLOSED today. Thanks", Locale::En)?,
            ["en.shouting"]
        );
        assert_eq!(ids("Hi! Done! Thanks!", Locale::En)?, ["en.exclamations"]);
        assert_eq!(ids("Hi! Done! Thanks", Locale::En)?, Vec::<String>::new());
        let long = format!("您好，{}。谢谢", "好".repeat(85));
        assert_eq!(ids(&long, Locale::ZhHans)?, ["zh-Hans.long-sentence"]);
        assert_eq!(
            ids("您好！谢谢！祝好！", Locale::ZhHans)?,
            ["zh-Hans.exclamations"]
        );
        assert_eq!(
            ids("您好！謝謝！祝好！", Locale::ZhHant)?,
            ["zh-Hant.exclamations"]
        );
        let long = format!("您好，{}。謝謝", "好".repeat(81));
        assert_eq!(ids(&long, Locale::ZhHant)?, ["zh-Hant.long-sentence"]);
        Ok(())
    }

    #[test]
    fn metric_bounds_and_json_are_checked() {
        let bad =
            |min, max| RuleSet::new(Locale::En, vec![metric("m", Measure::Words, min, max)]).err();
        for (min, max) in [(None, None), (Some(0), None), (Some(3), Some(2))] {
            assert_eq!(
                bad(min, max),
                Some(QualityError::Bounds {
                    id: "m".into(),
                    kind: "metric",
                    min,
                    max
                })
            );
        }
        assert!(bad(Some(2), Some(2)).is_none());
        assert!(bad(None, Some(0)).is_none());
        assert_eq!(
            bad(None, None).map(|e| e.to_string()),
            Some(
                r#"rule "m": metric bounds min None max None admit nothing or everything"#
                    .to_string()
            )
        );
        let json = |check: &str| {
            format!(
                r#"{{"locale": "en", "rules": [{{"id": "r", "locale": "en", "message": "m", "weight": 1,
                "severity": "warning", "check": {{"kind": "metric", {check}}}}}]}}"#
            )
        };
        let set = RuleSet::from_json(&json(r#""measure": "average_sentence_length", "max": 20"#));
        assert_eq!(
            set.map(|s| s.rules()[0].check.clone()),
            Ok(Check::Metric {
                measure: Measure::AverageSentenceLength,
                min: None,
                max: Some(20)
            })
        );
        let err = |check: &str| match RuleSet::from_json(&json(check)) {
            Err(e) => e.to_string(),
            Ok(_) => "loaded".to_string(),
        };
        assert!(err(r#""measure": "syllables", "max": 2"#).contains("syllables"));
        assert!(err(r#""measure": "words", "max": 2, "limit": 3"#).contains("limit"));
        assert!(err(r#""max": 2"#).contains("measure"));
        assert!(err(r#""measure": "words", "max": -1"#).contains("-1"));
        assert!(err(r#""measure": "words""#).contains("metric bounds"));
        for measure in Measure::ALL {
            let check = Check::Metric {
                measure,
                min: None,
                max: Some(1),
            };
            let json = serde_json::to_string(&check).unwrap_or_default();
            assert!(
                json.contains(&format!(r#""measure":"{measure}""#)),
                "{json}"
            );
            assert_eq!(serde_json::from_str::<Check>(&json).ok(), Some(check));
        }
    }

    #[test]
    fn host_rules_extend_a_shipped_set() -> Result<(), QualityError> {
        let set = RuleSet::shipped(Locale::En)?.clone().with_rules([rule(
            "host.jargon",
            0,
            Check::Existence {
                phrases: phrases(&["RMA"]),
                unless: vec![],
            },
        )])?;
        let text = "Hi, thanks! I will send the RMA. Best regards";
        let r = set.check(text)?;
        assert_eq!(found(text, &r), [("RMA", "host.jargon".to_string())]);
        // Weight 0: advisory, the score stays.
        assert_eq!(r.score, 100);
        Ok(())
    }
}
