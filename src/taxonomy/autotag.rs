//! The auto-tagger: every rule of a taxonomy compiled into one
//! [`RegexSet`] pass, with explanations of each tag it adds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::taxonomy::check::Violation;
use crate::taxonomy::model::{Cardinality, Taxonomy};
use crate::taxonomy::rule::{Rule, with_boundaries};
use crate::ticket::{AuthorRole, Tag};

/// Bounds on user-supplied patterns, so a taxonomy from a config file
/// cannot make the desk compile or run an enormous automaton.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// The longest pattern, in bytes.
    pub max_pattern_len: usize,
    /// The compiled size limit of one rule's regex, in bytes
    /// ([`RegexBuilder::size_limit`]).
    pub size_limit: usize,
    /// The lazy DFA cache of one rule's regex, in bytes
    /// ([`RegexBuilder::dfa_size_limit`]).
    pub dfa_size_limit: usize,
    /// The deepest nesting of groups and repetitions
    /// ([`RegexBuilder::nest_limit`]).
    pub nest_limit: u32,
    /// The compiled size limit of the set of all rules.
    pub set_size_limit: usize,
    /// The lazy DFA cache of the set of all rules.
    pub set_dfa_size_limit: usize,
    /// How many spans to report per matching rule.
    pub max_spans_per_rule: usize,
}

impl Limits {
    /// The defaults: patterns up to 4 KiB and 1 MiB compiled, nesting up to
    /// 32; the whole set up to 64 MiB compiled with a 32 MiB DFA cache; up
    /// to 8 spans per rule.
    pub const DEFAULT: Limits = Limits {
        max_pattern_len: 4096,
        size_limit: 1 << 20,
        dfa_size_limit: 2 << 20,
        nest_limit: 32,
        set_size_limit: 64 << 20,
        set_dfa_size_limit: 32 << 20,
        max_spans_per_rule: 8,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A rule's pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AutoTagError {
    /// The pattern is empty (it would match every message).
    #[error("rule {rule:?} has an empty pattern")]
    EmptyPattern {
        /// The rule.
        rule: String,
    },
    /// The pattern is longer than [`Limits::max_pattern_len`].
    #[error("the pattern of rule {rule:?} has {len} bytes, more than the limit of {max}")]
    PatternTooLong {
        /// The rule.
        rule: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The pattern is not a valid regex (or nests deeper than
    /// [`Limits::nest_limit`]).
    #[error("the pattern of rule {rule:?} is invalid: {reason}")]
    BadPattern {
        /// The rule.
        rule: String,
        /// What the regex parser said.
        reason: String,
    },
    /// The pattern compiles to more than [`Limits::size_limit`].
    #[error("the pattern of rule {rule:?} compiles to more than the limit of {limit} bytes")]
    PatternTooLarge {
        /// The rule.
        rule: String,
        /// The limit.
        limit: usize,
    },
    /// All rules together compile to more than [`Limits::set_size_limit`].
    #[error("the {rules} rules together compile to more than the limit of {limit} bytes")]
    SetTooLarge {
        /// How many rules.
        rules: usize,
        /// The limit.
        limit: usize,
    },
}

/// A message to auto-tag, with what the rules' conditions look at.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The message text.
    pub text: &'a str,
    /// The channel it came on.
    pub channel: Channel,
    /// Who wrote it.
    pub role: AuthorRole,
    /// The tags the ticket carries now.
    pub tags: &'a BTreeSet<Tag>,
}

static NO_TAGS: BTreeSet<Tag> = BTreeSet::new();

impl<'a> Input<'a> {
    /// A customer's message on a channel, on a ticket without tags.
    pub fn new(text: &'a str, channel: Channel) -> Self {
        Input {
            text,
            channel,
            role: AuthorRole::Customer,
            tags: &NO_TAGS,
        }
    }

    /// Sets the author role.
    pub fn role(mut self, role: AuthorRole) -> Self {
        self.role = role;
        self
    }

    /// Sets the ticket's current tags.
    pub fn tags(mut self, tags: &'a BTreeSet<Tag>) -> Self {
        self.tags = tags;
        self
    }
}

/// Where a rule matched: byte offsets into the text and the matched text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Start, in bytes.
    pub start: usize,
    /// End (exclusive), in bytes.
    pub end: usize,
    /// The matched text.
    pub text: String,
}

/// Why a tag was added: the rule and the spans it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The tag.
    pub tag: Tag,
    /// The rule's name.
    pub rule: String,
    /// Where the rule's pattern matched (the first few).
    pub spans: Vec<Span>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} by rule {:?}", self.tag, self.rule)?;
        for (i, s) in self.spans.iter().enumerate() {
            let sep = if i == 0 { ": matched" } else { "," };
            write!(f, "{sep} {:?} at {}..{}", s.text, s.start, s.end)?;
        }
        Ok(())
    }
}

/// A tag a rule proposed but the taxonomy's cardinality refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The tag.
    pub tag: Tag,
    /// The rule that proposed it.
    pub rule: String,
    /// Why it was not added.
    pub violation: Violation,
}

/// The result of auto-tagging one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoTags {
    /// The tags to add (not already on the ticket), sorted.
    pub tags: Vec<Tag>,
    /// For each added tag, each rule that added it, sorted by tag then
    /// rule.
    pub explanations: Vec<Explanation>,
    /// Tags proposed but not added because they would break a group's
    /// cardinality (every proposed tag of such a group is skipped, so the
    /// outcome does not depend on rule order).
    pub skipped: Vec<Skipped>,
}

impl AutoTags {
    /// True when nothing is added.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The explanations of one tag.
    pub fn explain<'s>(&'s self, tag: &'s Tag) -> impl Iterator<Item = &'s Explanation> {
        self.explanations.iter().filter(move |e| &e.tag == tag)
    }
}

#[derive(Debug, Clone)]
struct Compiled {
    rule: Rule,
    regex: Regex,
}

/// The rules of a [`Taxonomy`], compiled: one [`RegexSet`] pass over a
/// message finds every matching rule, then only the matching rules' own
/// regexes run to find the spans for the explanations.
///
/// # Example
/// ```
/// use supportdesk::taxonomy::{AutoTagger, Input, Taxonomy};
/// use supportdesk::{Channel, Tag};
///
/// let tax: Taxonomy = serde_json::from_str(r#"{
///   "tags": [{"tag": "shipping/late", "kind": "what", "polarity": "bad"}],
///   "rules": [{"name": "late", "pattern": "late|delayed|迟到|延迟", "add": ["shipping/late"]}]
/// }"#)?;
/// let tagger = AutoTagger::new(&tax)?;
/// let out = tagger.tag(&Input::new("我的包裹延迟了三天", Channel::WhatsApp));
/// assert_eq!(out.tags, vec![Tag::new("shipping/late")?]);
/// assert_eq!(out.explanations[0].spans[0].text, "延迟");
/// assert!(tagger.tag(&Input::new("Is the translation accurate?", Channel::Email)).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct AutoTagger {
    taxonomy: Taxonomy,
    rules: Vec<Compiled>,
    set: RegexSet,
    limits: Limits,
}

fn regex_error(rule: &str, limit: usize, e: regex::Error) -> AutoTagError {
    match e {
        regex::Error::CompiledTooBig(_) => AutoTagError::PatternTooLarge {
            rule: rule.to_owned(),
            limit,
        },
        other => AutoTagError::BadPattern {
            rule: rule.to_owned(),
            reason: other.to_string(),
        },
    }
}

impl AutoTagger {
    /// Compiles the rules of a taxonomy with the default [`Limits`].
    ///
    /// # Errors
    /// [`AutoTagError`] naming the first rule whose pattern is empty, too
    /// long, invalid or too large, or [`AutoTagError::SetTooLarge`].
    pub fn new(taxonomy: &Taxonomy) -> Result<AutoTagger, AutoTagError> {
        AutoTagger::with_limits(taxonomy, Limits::DEFAULT)
    }

    /// Compiles the rules of a taxonomy with other limits.
    ///
    /// # Errors
    /// As [`AutoTagger::new`].
    pub fn with_limits(taxonomy: &Taxonomy, limits: Limits) -> Result<AutoTagger, AutoTagError> {
        let mut rules = Vec::with_capacity(taxonomy.rules().len());
        let mut patterns = Vec::with_capacity(taxonomy.rules().len());
        for rule in taxonomy.rules() {
            let name = rule.name.as_str();
            if rule.pattern.trim().is_empty() {
                return Err(AutoTagError::EmptyPattern {
                    rule: name.to_owned(),
                });
            }
            if rule.pattern.len() > limits.max_pattern_len {
                return Err(AutoTagError::PatternTooLong {
                    rule: name.to_owned(),
                    len: rule.pattern.len(),
                    max: limits.max_pattern_len,
                });
            }
            let build = |p: &str| {
                RegexBuilder::new(p)
                    .case_insensitive(true)
                    .size_limit(limits.size_limit)
                    .dfa_size_limit(limits.dfa_size_limit)
                    .nest_limit(limits.nest_limit)
                    .build()
            };
            // The user's pattern as written decides whether it is valid ...
            let plain =
                build(&rule.pattern).map_err(|e| regex_error(name, limits.size_limit, e))?;
            // ... then the boundaries are added, falling back to the plain
            // pattern if the heuristic edit does not compile.
            let (pattern, regex) = if rule.whole_words {
                let wrapped = with_boundaries(&rule.pattern);
                match build(&wrapped) {
                    Ok(r) => (wrapped, r),
                    Err(_) => (format!("(?:{})", rule.pattern), plain),
                }
            } else {
                (format!("(?:{})", rule.pattern), plain)
            };
            patterns.push(pattern);
            rules.push(Compiled {
                rule: rule.clone(),
                regex,
            });
        }
        let set = RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .size_limit(limits.set_size_limit)
            .dfa_size_limit(limits.set_dfa_size_limit)
            .nest_limit(limits.nest_limit.saturating_add(2))
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => AutoTagError::SetTooLarge {
                    rules: patterns.len(),
                    limit: limits.set_size_limit,
                },
                other => AutoTagError::BadPattern {
                    rule: "(all rules)".to_owned(),
                    reason: other.to_string(),
                },
            })?;
        Ok(AutoTagger {
            taxonomy: taxonomy.clone(),
            rules,
            set,
            limits,
        })
    }

    /// The taxonomy the rules come from.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The limits it was compiled with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The names of the rules whose pattern matches `text`, ignoring their
    /// conditions, in rule order: the bare [`RegexSet`] pass.
    pub fn matching_rules(&self, text: &str) -> Vec<&str> {
        self.set
            .matches(text)
            .iter()
            .filter_map(|i| self.rules.get(i))
            .map(|c| c.rule.name.as_str())
            .collect()
    }

    fn conditions_hold(rule: &Rule, input: &Input<'_>) -> bool {
        let has = |want: &Tag| input.tags.iter().any(|t| t.is_under(want));
        (rule.channels.is_empty() || rule.channels.contains(&input.channel))
            && (rule.roles.is_empty() || rule.roles.contains(&input.role))
            && rule.if_tags.iter().all(has)
            && !rule.unless_tags.iter().any(has)
    }

    /// Auto-tags one message: the tags to add, why, and what was skipped.
    /// Never fails; the outcome depends only on the set of rules, not their
    /// order.
    pub fn tag(&self, input: &Input<'_>) -> AutoTags {
        let matched = self.set.matches(input.text);
        if !matched.matched_any() {
            return AutoTags::default();
        }
        // tag -> rules proposing it
        let mut proposed: BTreeMap<Tag, BTreeSet<usize>> = BTreeMap::new();
        for i in matched.iter() {
            let Some(c) = self.rules.get(i) else { continue };
            if !Self::conditions_hold(&c.rule, input) {
                continue;
            }
            for t in &c.rule.add {
                if !input.tags.contains(t) {
                    proposed.entry(t.clone()).or_default().insert(i);
                }
            }
        }
        if proposed.is_empty() {
            return AutoTags::default();
        }
        let mut out = AutoTags::default();
        let mut refused: BTreeMap<Tag, Violation> = BTreeMap::new();
        for g in self.taxonomy.groups() {
            if g.cardinality == Cardinality::Any {
                continue;
            }
            let members: BTreeSet<&Tag> = input
                .tags
                .iter()
                .chain(proposed.keys())
                .filter(|t| g.contains(t))
                .collect();
            if members.len() > 1 {
                let violation = Violation::TooManyInGroup {
                    group: g.name.clone(),
                    cardinality: g.cardinality,
                    tags: members.iter().map(|t| (*t).clone()).collect(),
                };
                for t in proposed.keys().filter(|t| g.contains(t)) {
                    refused
                        .entry(t.clone())
                        .or_insert_with(|| violation.clone());
                }
            }
        }
        let mut spans: BTreeMap<usize, Vec<Span>> = BTreeMap::new();
        for (tag, by) in &proposed {
            for &i in by {
                let Some(c) = self.rules.get(i) else { continue };
                if let Some(v) = refused.get(tag) {
                    out.skipped.push(Skipped {
                        tag: tag.clone(),
                        rule: c.rule.name.clone(),
                        violation: v.clone(),
                    });
                    continue;
                }
                let s = spans.entry(i).or_insert_with(|| {
                    c.regex
                        .find_iter(input.text)
                        .take(self.limits.max_spans_per_rule)
                        .map(|m| Span {
                            start: m.start(),
                            end: m.end(),
                            text: m.as_str().to_owned(),
                        })
                        .collect()
                });
                out.explanations.push(Explanation {
                    tag: tag.clone(),
                    rule: c.rule.name.clone(),
                    spans: s.clone(),
                });
            }
            if !refused.contains_key(tag) {
                out.tags.push(tag.clone());
            }
        }
        out.explanations
            .sort_by(|a, b| (&a.tag, &a.rule).cmp(&(&b.tag, &b.rule)));
        out.skipped
            .sort_by(|a, b| (&a.tag, &a.rule).cmp(&(&b.tag, &b.rule)));
        out
    }
}
