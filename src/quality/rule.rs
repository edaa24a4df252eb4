//! Reply-quality rules as data.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::metric::Measure;

/// The language a rule set checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Locale {
    /// English (`"en"`).
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese (`"zh-Hans"`).
    #[serde(rename = "zh-Hans")]
    ZhHans,
    /// Traditional Chinese (`"zh-Hant"`).
    #[serde(rename = "zh-Hant")]
    ZhHant,
}

impl Locale {
    /// Every locale with a shipped rule set.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::ZhHans, Locale::ZhHant];

    /// The BCP 47 tag: `en`, `zh-Hans`, `zh-Hant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHans => "zh-Hans",
            Locale::ZhHant => "zh-Hant",
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a thought.
    Suggestion,
    /// Should change.
    Warning,
    /// Must change.
    Error,
}

/// One reply-quality rule: what it checks, and what a failure says and costs.
///
/// In JSON: `{"id": "en.thanks", "locale": "en", "message": "...",
/// "weight": 10, "severity": "warning", "check": {"kind": "occurrence",
/// "phrases": ["thank you"], "min": 1}}`. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique within its [`RuleSet`](super::RuleSet), e.g. `en.negative`.
    pub id: String,
    /// The locale of the texts the rule is written for.
    pub locale: Locale,
    /// What a finding of this rule tells the agent.
    pub message: String,
    /// The rule's share of the score: a reply that breaks it loses this
    /// weight out of the total weight of the rule set (0: advisory only).
    pub weight: u32,
    /// How much a finding matters.
    pub severity: Severity,
    /// What the rule looks for.
    pub check: Check,
}

/// What a [`Rule`] looks for. Phrases are matched on normalised text (lower
/// case, whitespace collapsed), as whole words where a phrase begins or
/// ends with a Latin letter or digit, anywhere for CJK; metrics measure the
/// text as written (see [`Measure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Check {
    /// A finding at every occurrence of any phrase, unless one of the
    /// `unless` phrases occurs anywhere in the text (an apology with no
    /// action: `sorry` unless `I will`).
    Existence {
        /// The phrases to flag.
        phrases: Vec<String>,
        /// Phrases whose presence anywhere clears the rule.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        unless: Vec<String>,
    },
    /// A finding with a suggested replacement at every occurrence of a phrase.
    Substitution {
        /// Phrase -> what to write instead.
        swap: BTreeMap<String, String>,
    },
    /// The phrases (together) must occur at least `min` and at most `max`
    /// times. Too few: one finding spanning the whole text; too many: a
    /// finding at each occurrence past `max`.
    Occurrence {
        /// Any of these counts.
        phrases: Vec<String>,
        /// At least this many occurrences.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        /// At most this many occurrences.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// Groups of phrases that must come in this order (LATTE: acknowledge,
    /// then act, then thank). A step that does not occur is not checked
    /// (presence is an [`Check::Occurrence`] rule's job); a step whose last
    /// occurrence comes before the first occurrence of an earlier step is a
    /// finding at that last occurrence.
    Sequence {
        /// The steps, each a group of phrases.
        steps: Vec<Vec<String>>,
    },
    /// A measure of the reply (words, sentences, their lengths,
    /// exclamation and question marks, words in capitals) must be at least
    /// `min` and at most `max`; outside, one finding whose message gives
    /// the measured value and the bound, spanning the longest sentence for
    /// [`Measure::LongestSentence`] and the whole text otherwise. In JSON:
    /// `{"kind": "metric", "measure": "longest_sentence", "max": 35}`.
    Metric {
        /// What is measured.
        measure: Measure,
        /// The least value allowed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        /// The greatest value allowed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
}

impl Check {
    /// The kind's name as in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Existence { .. } => "existence",
            Check::Substitution { .. } => "substitution",
            Check::Occurrence { .. } => "occurrence",
            Check::Sequence { .. } => "sequence",
            Check::Metric { .. } => "metric",
        }
    }
}
