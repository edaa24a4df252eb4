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
    /// The compiled size limit of each automaton over all rules (the set,
    /// the anchored sets, the alternation).
    pub set_size_limit: usize,
    /// The lazy DFA cache of each automaton over all rules.
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

/// The rules of a [`Taxonomy`], compiled into one [`RegexSet`] that finds
/// every matching rule of a message; the matching rules' own regexes run
/// only where a span for the explanations is still missing.
///
/// How a message is scanned: the rules' patterns are compiled into one
/// alternation (the *screen*), whose leftmost search jumps from one place
/// where some rule's match starts to the next; at each such place one
/// anchored pass of the set (which stops as soon as no pattern can go on)
/// says exactly which rules match there. A message no rule matches costs one
/// fast scan; the first span of each place comes from the screen's own
/// match. When a message has very many such places (more than 16) the rest
/// of it gets one ordinary overlapping pass of the set instead, so the work
/// stays linear. The result is always exactly the set of rules a
/// `RegexSet::matches` over the message would report (a property test
/// checks it).
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
    finder: Option<Finder>,
    limits: Limits,
}

/// The automata that enumerate the places where rules match.
#[derive(Debug, Clone)]
struct Finder {
    /// Every pattern in one leftmost-first alternation.
    screen: Regex,
    /// Every pattern anchored at the start: `^(?:p)`.
    at_start: RegexSet,
    /// Every pattern anchored after one character of context:
    /// `^(?s:.)(?:p)`, searched from the character before the place, so
    /// boundaries and anchors see what precedes it.
    after_one: RegexSet,
}

/// Places past this many in one message are left to one overlapping set
/// pass.
const MAX_PLACES: usize = 16;

/// What scanning one message found.
#[derive(Debug, Default)]
struct Scan {
    /// Whether each rule matches.
    found: Vec<bool>,
    /// Per rule, match starts in order, with the end when already known.
    starts: BTreeMap<usize, Vec<(usize, Option<usize>)>>,
    /// Where an overlapping set pass took over, if one did.
    fallback_from: Option<usize>,
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

/// The first `max` matches of `regex` in `text` from byte `from` (where no
/// rule's match can start earlier), in order and not overlapping.
fn find_spans(regex: &Regex, text: &str, from: usize, max: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = from;
    while out.len() < max && at <= text.len() {
        let Some(m) = regex.find_at(text, at) else {
            break;
        };
        out.push(Span {
            start: m.start(),
            end: m.end(),
            text: m.as_str().to_owned(),
        });
        at = if m.end() > m.start() {
            m.end()
        } else {
            // An empty match: step over the next character.
            text[m.end()..]
                .chars()
                .next()
                .map_or(text.len() + 1, |c| m.end() + c.len_utf8())
        };
    }
    out
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
            let build = |p: &str, nest: u32| {
                RegexBuilder::new(p)
                    .case_insensitive(true)
                    .size_limit(limits.size_limit)
                    .dfa_size_limit(limits.dfa_size_limit)
                    .nest_limit(nest)
                    .build()
            };
            // The user's pattern as written decides whether it is valid ...
            let plain = build(&rule.pattern, limits.nest_limit)
                .map_err(|e| regex_error(name, limits.size_limit, e))?;
            // ... then the boundaries are added (two more levels of
            // nesting), falling back to the plain pattern if the heuristic
            // edit does not compile.
            let (pattern, regex) = if rule.whole_words {
                let wrapped = with_boundaries(&rule.pattern);
                match build(&wrapped, limits.nest_limit.saturating_add(2)) {
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
        // The finder; without it (too large to compile) every message gets
        // the plain overlapping set pass.
        let finder = if patterns.is_empty() {
            None
        } else {
            let set_of = |f: &dyn Fn(&String) -> String| {
                RegexSetBuilder::new(patterns.iter().map(f))
                    .case_insensitive(true)
                    .size_limit(limits.set_size_limit)
                    .dfa_size_limit(limits.set_dfa_size_limit)
                    .nest_limit(limits.nest_limit.saturating_add(2))
                    .build()
                    .ok()
            };
            let screen = RegexBuilder::new(&patterns.join("|"))
                .case_insensitive(true)
                .size_limit(limits.set_size_limit)
                .dfa_size_limit(limits.set_dfa_size_limit)
                .nest_limit(limits.nest_limit.saturating_add(2))
                .build()
                .ok();
            match (
                screen,
                set_of(&|p| format!("^{p}")),
                set_of(&|p| format!("^(?s:.){p}")),
            ) {
                (Some(screen), Some(at_start), Some(after_one)) => Some(Finder {
                    screen,
                    at_start,
                    after_one,
                }),
                _ => None,
            }
        };
        Ok(AutoTagger {
            taxonomy: taxonomy.clone(),
            rules,
            set,
            finder,
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
    /// conditions, in rule order (what `RegexSet::matches` would say).
    pub fn matching_rules(&self, text: &str) -> Vec<&str> {
        let scan = self.scan(text);
        self.rules
            .iter()
            .zip(&scan.found)
            .filter(|(_, f)| **f)
            .map(|(c, _)| c.rule.name.as_str())
            .collect()
    }

    /// Finds the matching rules and where their matches start.
    fn scan(&self, text: &str) -> Scan {
        let n = self.rules.len();
        let mut scan = Scan {
            found: vec![false; n],
            ..Scan::default()
        };
        let Some(f) = &self.finder else {
            if n > 0 {
                for i in self.set.matches(text).iter() {
                    scan.found[i] = true;
                }
                scan.fallback_from = Some(0);
            }
            return scan;
        };
        let max = self.limits.max_spans_per_rule;
        let mut from = 0;
        let mut places = 0;
        while from <= text.len() {
            let Some(m) = f.screen.find_at(text, from) else {
                break;
            };
            let at = m.start();
            places += 1;
            if places > MAX_PLACES {
                for i in self.set.matches_at(text, at).iter() {
                    scan.found[i] = true;
                }
                scan.fallback_from = Some(at);
                break;
            }
            let hits = match text[..at].chars().next_back() {
                None => f.at_start.matches(text),
                Some(c) => f.after_one.matches(&text[at - c.len_utf8()..]),
            };
            // The screen's match is the match of the first rule matching
            // here (leftmost-first): its end is known.
            let mut end = Some(m.end());
            for i in hits.iter() {
                if let Some(found) = scan.found.get_mut(i) {
                    *found = true;
                }
                let starts = scan.starts.entry(i).or_default();
                if starts.len() < max {
                    starts.push((at, end));
                }
                end = None;
            }
            from = at + text[at..].chars().next().map_or(1, char::len_utf8);
        }
        scan
    }

    /// The spans of rule `i` from what the scan found, not overlapping.
    fn spans(&self, i: usize, text: &str, scan: &Scan) -> Vec<Span> {
        let Some(c) = self.rules.get(i) else {
            return Vec::new();
        };
        let max = self.limits.max_spans_per_rule;
        let mut out: Vec<Span> = Vec::new();
        for &(start, end) in scan.starts.get(&i).into_iter().flatten() {
            if out.last().is_some_and(|l| start < l.end.max(l.start + 1)) {
                continue;
            }
            let end = match end {
                Some(e) => e,
                None => match c.regex.find_at(text, start) {
                    Some(m) if m.start() == start => m.end(),
                    _ => continue,
                },
            };
            out.push(Span {
                start,
                end,
                text: text[start..end].to_owned(),
            });
        }
        if out.is_empty() {
            if let Some(from) = scan.fallback_from {
                out = find_spans(&c.regex, text, from, max);
            }
        }
        out.truncate(max);
        out
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
        self.finish(input, &self.scan(input.text))
    }

    fn finish(&self, input: &Input<'_>, scan: &Scan) -> AutoTags {
        if !scan.found.iter().any(|f| *f) {
            return AutoTags::default();
        }
        // tag -> rules proposing it
        let mut proposed: BTreeMap<Tag, BTreeSet<usize>> = BTreeMap::new();
        for i in (0..scan.found.len()).filter(|&i| scan.found[i]) {
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
                let s = spans
                    .entry(i)
                    .or_insert_with(|| self.spans(i, input.text, scan));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> Tag {
        Tag::new(s).unwrap()
    }

    fn tax(rules: &str) -> Taxonomy {
        serde_json::from_str(&format!(
            r#"{{"tags":[{{"tag":"shipping","kind":"what"}},{{"tag":"shipping/late"}},{{"tag":"shipping/lost"}},
                {{"tag":"refund","kind":"what"}},{{"tag":"vip","kind":"what"}},
                {{"tag":"cause/carrier","kind":"why","explains":["shipping"]}}],
                "groups":[{{"name":"g","cardinality":"at_most_one","tags":["shipping/late","shipping/lost"]}}],
                "rules":{rules}}}"#
        ))
        .unwrap()
    }

    fn run(t: &AutoTagger, text: &str) -> Vec<String> {
        t.tag(&Input::new(text, Channel::Email))
            .tags
            .iter()
            .map(|t| t.to_string())
            .collect()
    }

    #[test]
    fn word_boundaries_for_ascii_and_none_inside_cjk() {
        let t = AutoTagger::new(&tax(
            r#"[{"name":"refund","pattern":"refund|退款","add":["refund"]}]"#,
        ))
        .unwrap();
        assert_eq!(run(&t, "I want a REFUND."), ["refund"]);
        assert_eq!(run(&t, "我要退款，谢谢"), ["refund"]);
        assert_eq!(run(&t, "我要refund"), ["refund"]);
        assert!(run(&t, "it was refunded").is_empty());
        assert!(run(&t, "nonrefundable").is_empty());
        let loose = AutoTagger::new(&tax(
            r#"[{"name":"refund","pattern":"refund","add":["refund"],"whole_words":false}]"#,
        ))
        .unwrap();
        assert_eq!(run(&loose, "nonrefundable"), ["refund"]);
    }

    #[test]
    fn spans_are_byte_offsets_with_text() {
        let t = AutoTagger::new(&tax(
            r#"[{"name":"late","pattern":"延迟|late","add":["shipping/late"]}]"#,
        ))
        .unwrap();
        let text = "包裹延迟了, very late";
        let out = t.tag(&Input::new(text, Channel::Email));
        let spans = &out.explanations[0].spans;
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].start..spans[0].end], "延迟");
        assert_eq!(spans[0].start, 6);
        assert_eq!(spans[1].text, "late");
        assert_eq!(
            out.explanations[0].to_string(),
            "shipping/late by rule \"late\": matched \"延迟\" at 6..12, \"late\" at 22..26"
        );
    }

    #[test]
    fn conditions_use_the_tags_before_auto_tagging() {
        let t = AutoTagger::new(&tax(
            r#"[{"name":"late","pattern":"late","add":["shipping/late"]},
                {"name":"carrier","pattern":"dhl","add":["cause/carrier"],"if_tags":["shipping"],"roles":["agent"]},
                {"name":"vip","pattern":"gold","add":["vip"],"channels":["live_chat"],"unless_tags":["refund"]}]"#,
        ))
        .unwrap();
        // The carrier rule needs `shipping` already there, and an agent.
        assert_eq!(run(&t, "late, dhl"), ["shipping/late"]);
        let current: BTreeSet<Tag> = [tag("shipping/late")].into();
        let agent = Input::new("DHL again", Channel::Email)
            .role(AuthorRole::Agent)
            .tags(&current);
        assert_eq!(t.tag(&agent).tags, [tag("cause/carrier")]);
        let customer = Input::new("DHL again", Channel::Email).tags(&current);
        assert!(t.tag(&customer).is_empty());
        assert!(run(&t, "gold member").is_empty());
        assert_eq!(
            t.tag(&Input::new("gold member", Channel::LiveChat)).tags,
            [tag("vip")]
        );
        let refund: BTreeSet<Tag> = [tag("refund")].into();
        assert!(
            t.tag(&Input::new("gold", Channel::LiveChat).tags(&refund))
                .is_empty()
        );
        // Tags already there are not proposed again.
        assert!(
            t.tag(&Input::new("late", Channel::Email).tags(&current))
                .is_empty()
        );
    }

    #[test]
    fn cardinality_skips_every_conflicting_tag() {
        let t = AutoTagger::new(&tax(
            r#"[{"name":"late","pattern":"late","add":["shipping/late"]},
                {"name":"lost","pattern":"lost","add":["shipping/lost"]},
                {"name":"refund","pattern":"refund","add":["refund"]}]"#,
        ))
        .unwrap();
        let out = t.tag(&Input::new("late or lost? refund!", Channel::Email));
        assert_eq!(out.tags, [tag("refund")]);
        assert_eq!(out.skipped.len(), 2);
        assert!(matches!(
            out.skipped[0].violation,
            Violation::TooManyInGroup { .. }
        ));
        let current: BTreeSet<Tag> = [tag("shipping/late")].into();
        let out = t.tag(&Input::new("now lost", Channel::Email).tags(&current));
        assert!(out.tags.is_empty());
        assert_eq!(out.skipped[0].tag, tag("shipping/lost"));
    }

    #[test]
    fn bad_and_oversized_patterns_name_the_rule() {
        let err =
            |rules: &str, limits: Limits| AutoTagger::with_limits(&tax(rules), limits).unwrap_err();
        let e = err(
            r#"[{"name":"bad","pattern":"(late","add":["refund"]}]"#,
            Limits::DEFAULT,
        );
        assert!(
            matches!(&e, AutoTagError::BadPattern { rule, .. } if rule == "bad"),
            "{e}"
        );
        let e = err(
            r#"[{"name":"empty","pattern":"  ","add":["refund"]}]"#,
            Limits::DEFAULT,
        );
        assert_eq!(
            e,
            AutoTagError::EmptyPattern {
                rule: "empty".into()
            }
        );
        let long = format!(
            r#"[{{"name":"long","pattern":"{}","add":["refund"]}}]"#,
            "a".repeat(5000)
        );
        assert!(matches!(
            err(&long, Limits::DEFAULT),
            AutoTagError::PatternTooLong { len: 5000, .. }
        ));
        let big = r#"[{"name":"big","pattern":"\\w{50}","add":["refund"]}]"#;
        let e = err(
            big,
            Limits {
                size_limit: 10_000,
                ..Limits::DEFAULT
            },
        );
        assert_eq!(
            e,
            AutoTagError::PatternTooLarge {
                rule: "big".into(),
                limit: 10_000
            }
        );
        assert_eq!(
            e.to_string(),
            "the pattern of rule \"big\" compiles to more than the limit of 10000 bytes"
        );
        let nested = format!(
            r#"[{{"name":"deep","pattern":"{}a{}","add":["refund"]}}]"#,
            "(".repeat(40),
            ")".repeat(40)
        );
        assert!(
            matches!(err(&nested, Limits::DEFAULT), AutoTagError::BadPattern { rule, .. } if rule == "deep")
        );
        let set = r#"[{"name":"a","pattern":"\\w{5}","add":["refund"]},{"name":"b","pattern":"\\w{6}","add":["refund"]}]"#;
        assert!(matches!(
            err(
                set,
                Limits {
                    set_size_limit: 100,
                    ..Limits::DEFAULT
                }
            ),
            AutoTagError::SetTooLarge { rules: 2, .. }
        ));
    }

    #[test]
    fn matching_rules_is_the_bare_set_pass() {
        let t = AutoTagger::new(&tax(
            r#"[{"name":"late","pattern":"late","add":["shipping/late"]},
                {"name":"vip","pattern":"gold","add":["vip"],"channels":["live_chat"]}]"#,
        ))
        .unwrap();
        assert_eq!(t.matching_rules("late gold"), ["late", "vip"]);
        assert_eq!(t.len(), 2);
    }
}
