//! The auto-tagger: every rule of a taxonomy compiled into one
//! [`RegexSet`] pass, with explanations of each tag it adds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::model::{AuthorRole, Cardinality, Tag, Violation};
use crate::taxonomy::model::Taxonomy;
use crate::taxonomy::rule::{Rule, with_boundaries};

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
    /// For how many matching rules of one message spans are looked for (the
    /// first in the order of the explanations: by tag, then rule name);
    /// the explanations of the others carry no spans.
    pub max_rules_with_spans: usize,
    /// How many bytes of text one span search looks at, from where it
    /// starts (at least 16): a match longer than that is not shown.
    pub span_window: usize,
    /// How many bytes of text all span searches of one message may look at
    /// together; when it is spent, the remaining spans are left out.
    pub span_budget: usize,
}

impl Limits {
    /// The defaults: patterns up to 4 KiB and 1 MiB compiled, nesting up to
    /// 32; the whole set up to 64 MiB compiled with a 32 MiB DFA cache; up
    /// to 8 spans per rule for up to 16 rules per message, each span
    /// searched within 256 bytes, and 32 KiB of span searching per
    /// message (8 windows for each of the 16 rules).
    pub const DEFAULT: Limits = Limits {
        max_pattern_len: 4096,
        size_limit: 1 << 20,
        dfa_size_limit: 2 << 20,
        nest_limit: 32,
        set_size_limit: 64 << 20,
        set_dfa_size_limit: 32 << 20,
        max_spans_per_rule: 8,
        max_rules_with_spans: 16,
        span_window: 256,
        span_budget: 32 << 10,
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
    /// Where the rule's pattern matched (the first few; fewer or none when
    /// [`AutoTags::spans_truncated`]).
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
    /// True when the bound on the work for explanations left spans out:
    /// more rules matched than [`Limits::max_rules_with_spans`], a match
    /// was longer than [`Limits::span_window`], or [`Limits::span_budget`]
    /// was spent. The tags and the rules named in the explanations are
    /// complete all the same; only spans are missing.
    #[serde(default)]
    pub spans_truncated: bool,
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
    /// For each tag of `rule.add`, the place of (tag, rule name) among all
    /// rules' (tag, rule name) pairs: the order of the explanations.
    ranks: Vec<u32>,
}

/// The rules of a [`Taxonomy`], compiled into one [`RegexSet`] that finds
/// every matching rule of a message; the matching rules' own regexes run
/// only where a span for the explanations is still missing, within a bound.
///
/// How a message is scanned: the rules' patterns are compiled into one
/// alternation (the *screen*), whose leftmost search jumps from one place
/// where some rule's match starts to the next; at each such place one
/// anchored pass of the set (which stops as soon as no pattern can go on)
/// says exactly which rules match there. A message no rule matches costs one
/// fast scan; the first span of each place comes from the screen's own
/// match. After 16 such places, or fewer in a long message (as many as fit
/// 256 KiB of text: none past 256 KiB), the rest of the message gets one
/// ordinary overlapping pass of the set instead. The result is always
/// exactly the set of rules a `RegexSet::matches` over the message would
/// report (a property test checks it).
///
/// # Work per message
/// Finding the matching rules costs at most one overlapping pass of the set
/// over the message plus, at up to 16 places, one screen search and one
/// anchored set pass, each over at most the rest of the message, with the
/// number of places limited so that their text adds up to at most 256 KiB:
/// linear in the length of the message, whatever the number of rules.
/// Explanations then cost at most [`Limits::span_budget`] bytes of
/// single-rule regex search (each search looking at no more than
/// [`Limits::span_window`] bytes), for at most
/// [`Limits::max_rules_with_spans`] rules; what does not fit is left out
/// and reported by [`AutoTags::spans_truncated`] instead of searched for.
/// The tags are never affected by these bounds.
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

/// The places of one message are limited so that the text they search
/// (each place costs up to the length of the message) adds up to at most
/// this many bytes.
const PLACES_TEXT: usize = 256 << 10;

/// The fewest bytes a span search looks at.
const MIN_SPAN_WINDOW: usize = 16;

/// How far past a match its look-around assertions (`\b`, `$`) may look:
/// one character.
const LOOKAHEAD: usize = 4;

/// The places of a message of `len` bytes that get the screen and the
/// anchored passes.
fn max_places(len: usize) -> usize {
    MAX_PLACES.min(PLACES_TEXT / len.max(1))
}

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

/// What span searches of one message may still do.
#[derive(Debug)]
struct SpanBudget {
    /// Bytes of text searches may still look at.
    bytes: usize,
    /// Whether something was left out.
    truncated: bool,
}

/// The result of one span search.
enum Search {
    /// A match, `start..end`, that is a match in the whole text too.
    Found(usize, usize),
    /// A match starting here does not fit in the window.
    TooLong(usize),
    /// No match in the window, which ends at this byte (the end of the text
    /// or not).
    Nothing(usize),
    /// The budget cannot pay for the search.
    NoBudget,
}

/// The last character boundary of `text` at or before `i`, not before
/// `floor` (a boundary).
fn boundary_at_or_before(text: &str, i: usize, floor: usize) -> usize {
    (floor..=i.min(text.len()))
        .rev()
        .find(|&b| text.is_char_boundary(b))
        .unwrap_or(floor)
}

/// The leftmost match of `regex` starting at or after `at` (a character
/// boundary) in the window of `window` bytes from `at`, charged to the
/// budget.
///
/// The search sees the text before `at` and only the window after it. A
/// match ending at least one character before the window's end (or at the
/// end of the text) saw all the context its assertions look at, so it is a
/// match in the whole text; one ending closer may have been cut short.
fn search(regex: &Regex, text: &str, at: usize, window: usize, budget: &mut SpanBudget) -> Search {
    let cut = boundary_at_or_before(text, at.saturating_add(window), at);
    let cost = cut.saturating_sub(at).max(1);
    if cost > budget.bytes {
        budget.truncated = true;
        return Search::NoBudget;
    }
    budget.bytes -= cost;
    let Some(hay) = text.get(..cut) else {
        return Search::Nothing(cut);
    };
    match regex.find_at(hay, at) {
        None => Search::Nothing(cut),
        Some(m) if cut == text.len() || m.end().saturating_add(LOOKAHEAD) <= cut => {
            Search::Found(m.start(), m.end())
        }
        Some(m) => Search::TooLong(m.start()),
    }
}

/// The byte after the character at `at`.
fn next_char(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|r| r.chars().next())
        .map_or(text.len().saturating_add(1), |c| at + c.len_utf8())
}

fn span(text: &str, start: usize, end: usize) -> Option<Span> {
    Some(Span {
        start,
        end,
        text: text.get(start..end)?.to_owned(),
    })
}

/// The first `max` matches of `regex` in `text` from byte `from` (where no
/// rule's match can start earlier), in order and not overlapping, searched
/// window by window (overlapping by half a window) within the budget.
fn find_spans(
    regex: &Regex,
    text: &str,
    from: usize,
    max: usize,
    window: usize,
    budget: &mut SpanBudget,
) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = from;
    let mut too_long = 0;
    while out.len() < max && at <= text.len() {
        match search(regex, text, at, window, budget) {
            Search::Found(start, end) => {
                out.extend(span(text, start, end));
                // After an empty match, step over the next character.
                at = if end > start {
                    end
                } else {
                    next_char(text, end)
                };
            }
            Search::TooLong(start) if start > at => at = start,
            Search::TooLong(start) => {
                budget.truncated = true;
                too_long += 1;
                if too_long > max {
                    break;
                }
                at = next_char(text, start);
            }
            Search::Nothing(cut) if cut >= text.len() => break,
            Search::Nothing(cut) => {
                let back = boundary_at_or_before(text, cut.saturating_sub(window / 2), at);
                at = if back > at { back } else { next_char(text, at) };
            }
            Search::NoBudget => break,
        }
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
                ranks: Vec::new(),
            });
        }
        // The order of the explanations, fixed once: by tag, then rule name.
        let mut pairs: Vec<(&Tag, &str, usize, usize)> = rules
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.rule
                    .add
                    .iter()
                    .enumerate()
                    .map(move |(k, t)| (t, c.rule.name.as_str(), i, k))
            })
            .collect();
        pairs.sort();
        let mut ranks: Vec<Vec<u32>> = rules.iter().map(|c| vec![0; c.rule.add.len()]).collect();
        for (rank, (_, _, i, k)) in pairs.iter().enumerate() {
            if let Some(r) = ranks.get_mut(*i).and_then(|r| r.get_mut(*k)) {
                *r = u32::try_from(rank).unwrap_or(u32::MAX);
            }
        }
        for (c, r) in rules.iter_mut().zip(ranks) {
            c.ranks = r;
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
        let max_places = max_places(text.len());
        if max_places == 0 {
            for i in self.set.matches(text).iter() {
                scan.found[i] = true;
            }
            scan.fallback_from = Some(0);
            return scan;
        }
        let mut from = 0;
        let mut places = 0;
        while from <= text.len() {
            let Some(m) = f.screen.find_at(text, from) else {
                break;
            };
            let at = m.start();
            places += 1;
            if places > max_places {
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

    /// The spans of rule `i` from what the scan found, not overlapping,
    /// within the budget.
    fn spans(&self, i: usize, text: &str, scan: &Scan, budget: &mut SpanBudget) -> Vec<Span> {
        let Some(c) = self.rules.get(i) else {
            return Vec::new();
        };
        let max = self.limits.max_spans_per_rule;
        let window = self.limits.span_window.max(MIN_SPAN_WINDOW);
        let mut out: Vec<Span> = Vec::new();
        for &(start, end) in scan.starts.get(&i).into_iter().flatten() {
            if out.last().is_some_and(|l| start < l.end.max(l.start + 1)) {
                continue;
            }
            let end = match end {
                Some(e) => e,
                None => match search(&c.regex, text, start, window, budget) {
                    Search::Found(s, e) if s == start => e,
                    Search::NoBudget => break,
                    // The match starting here is longer than the window.
                    _ => {
                        budget.truncated = true;
                        continue;
                    }
                },
            };
            out.extend(span(text, start, end));
        }
        if out.is_empty() {
            if let Some(from) = scan.fallback_from {
                out = find_spans(&c.regex, text, from, max, window, budget);
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
        let name = |i: usize| self.rules.get(i).map_or("", |c| c.rule.name.as_str());
        // (tag, rule) proposals, by tag then rule name (their rank): not the
        // rules' order, so the outcome does not depend on it.
        let mut proposed: Vec<(u32, &Tag, usize)> = Vec::new();
        for (i, c) in self.rules.iter().enumerate() {
            if !scan.found.get(i).is_some_and(|f| *f) || !Self::conditions_hold(&c.rule, input) {
                continue;
            }
            for (t, rank) in c.rule.add.iter().zip(&c.ranks) {
                if !input.tags.contains(t) {
                    proposed.push((*rank, t, i));
                }
            }
        }
        if proposed.is_empty() {
            return AutoTags::default();
        }
        proposed.sort_unstable_by_key(|p| p.0);
        // A rule listing a tag twice proposes it once.
        proposed.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        let mut tags: Vec<&Tag> = proposed.iter().map(|(_, t, _)| *t).collect();
        tags.dedup();
        let mut out = AutoTags::default();
        let mut refused: BTreeMap<&Tag, Violation> = BTreeMap::new();
        for g in self.taxonomy.groups() {
            if g.cardinality == Cardinality::Any {
                continue;
            }
            let members: BTreeSet<&Tag> = input
                .tags
                .iter()
                .chain(tags.iter().copied())
                .filter(|t| g.contains(t))
                .collect();
            if members.len() > 1 {
                let violation = Violation::TooManyInGroup {
                    group: g.name.clone(),
                    cardinality: g.cardinality,
                    tags: members.iter().map(|t| (*t).clone()).collect(),
                };
                for t in tags.iter().filter(|t| g.contains(t)) {
                    refused.entry(t).or_insert_with(|| violation.clone());
                }
            }
        }
        out.tags = tags
            .iter()
            .filter(|t| !refused.contains_key(*t))
            .map(|t| (*t).clone())
            .collect();
        // Spans, in the order of the explanations, for a bounded number of
        // rules within a bounded budget.
        let mut budget = SpanBudget {
            bytes: self.limits.span_budget,
            truncated: false,
        };
        // Spans of rules adding more than one tag, kept for their other
        // explanations.
        let mut spans: BTreeMap<usize, Vec<Span>> = BTreeMap::new();
        let mut rules_with_spans = 0;
        out.explanations.reserve(proposed.len());
        for (_, tag, i) in proposed {
            if let Some(v) = refused.get(tag) {
                out.skipped.push(Skipped {
                    tag: tag.clone(),
                    rule: name(i).to_owned(),
                    violation: v.clone(),
                });
                continue;
            }
            let s = match spans.get(&i) {
                Some(s) => s.clone(),
                None if rules_with_spans < self.limits.max_rules_with_spans => {
                    rules_with_spans += 1;
                    let s = self.spans(i, input.text, scan, &mut budget);
                    if self.rules.get(i).is_some_and(|c| c.rule.add.len() > 1) {
                        spans.insert(i, s.clone());
                    }
                    s
                }
                None => {
                    budget.truncated = true;
                    Vec::new()
                }
            };
            out.explanations.push(Explanation {
                tag: tag.clone(),
                rule: name(i).to_owned(),
                spans: s,
            });
        }
        out.spans_truncated = budget.truncated;
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

    /// `n` rules `a*b{i}|a` (i = rule index, as written, no boundaries),
    /// each adding its own tag.
    fn many(n: usize) -> Taxonomy {
        use crate::taxonomy::{TagConfig, TagKind, TaxonomyConfig};
        let mut tags = Vec::new();
        let mut rules = Vec::new();
        for i in 0..n {
            tags.push(TagConfig::new(format!("r/{i:04}")).kind(TagKind::What));
            let mut rule = Rule::new(
                format!("rule-{i:04}"),
                format!("a*b{{{i}}}|a"),
                vec![tag(&format!("r/{i:04}"))],
            );
            rule.whole_words = false;
            rules.push(rule);
        }
        Taxonomy::from_config(TaxonomyConfig {
            tags,
            rules,
            ..TaxonomyConfig::default()
        })
        .unwrap()
    }

    fn spans_found(out: &AutoTags) -> usize {
        out.explanations.iter().map(|e| e.spans.len()).sum()
    }

    #[test]
    fn spans_are_looked_for_for_a_bounded_number_of_rules() {
        let t = AutoTagger::with_limits(
            &many(40),
            Limits {
                max_rules_with_spans: 5,
                ..Limits::DEFAULT
            },
        )
        .unwrap();
        let out = t.tag(&Input::new("xx a xx a", Channel::Email));
        // Every rule matches and is explained: the tags are complete.
        assert_eq!(out.tags.len(), 40);
        assert_eq!(out.explanations.len(), 40);
        // Spans only for the first five explanations (by tag, then rule).
        let with: Vec<&str> = out
            .explanations
            .iter()
            .filter(|e| !e.spans.is_empty())
            .map(|e| e.rule.as_str())
            .collect();
        assert_eq!(
            with,
            [
                "rule-0000",
                "rule-0001",
                "rule-0002",
                "rule-0003",
                "rule-0004"
            ]
        );
        assert!(out.spans_truncated);
        // Under the bound nothing is truncated.
        let out = AutoTagger::new(&many(5))
            .unwrap()
            .tag(&Input::new("xx a xx a", Channel::Email));
        // rule-0000 is `a*`: 8 spans (empty ones too); the others 2 each.
        assert_eq!(spans_found(&out), 16);
        assert!(!out.spans_truncated);
    }

    #[test]
    fn span_searches_stay_within_the_budget_on_a_long_message() {
        // Past 256 KiB a message gets one set pass and no places, so every
        // span is searched for; on a run of `a` each search reads a whole
        // window, so a budget of four windows pays for four spans.
        let text = "a".repeat(300 << 10);
        let limits = Limits {
            max_rules_with_spans: 1000,
            span_window: 1 << 10,
            span_budget: 4 << 10,
            ..Limits::DEFAULT
        };
        let t = AutoTagger::with_limits(&many(30), limits).unwrap();
        let out = t.tag(&Input::new(&text, Channel::Email));
        assert_eq!(out.tags.len(), 30);
        assert_eq!(out.explanations.len(), 30);
        assert!(out.spans_truncated);
        assert!(spans_found(&out) <= 4, "{}", spans_found(&out));
        // Each span found is a real match of its rule.
        for e in &out.explanations {
            for s in &e.spans {
                assert_eq!(&text[s.start..s.end], s.text);
                assert!(!s.text.is_empty() || e.rule == "rule-0000");
            }
        }
        // With room in the budget, the first spans of each rule are there.
        let roomy = Limits {
            span_budget: 1 << 20,
            ..limits
        };
        let out = AutoTagger::with_limits(&many(3), roomy)
            .unwrap()
            .tag(&Input::new(&text, Channel::Email));
        let late = &out.explanations[1];
        assert_eq!(late.rule, "rule-0001");
        assert_eq!(late.spans.len(), 8);
        assert_eq!((late.spans[7].start, late.spans[7].end), (7, 8));
        // rule-0000 is `a*`: its match is the whole message, longer than a
        // window, so it has no span, and the result says so.
        assert!(out.explanations[0].spans.is_empty());
        assert!(out.spans_truncated);
    }

    #[test]
    fn a_match_longer_than_the_window_is_left_out_not_cut() {
        let t = AutoTagger::with_limits(
            &tax(
                r#"[{"name":"late","pattern":"a+","add":["shipping/late"],"whole_words":false},
                     {"name":"refund","pattern":"a+b?","add":["refund"],"whole_words":false}]"#,
            ),
            Limits {
                span_window: 64,
                ..Limits::DEFAULT
            },
        )
        .unwrap();
        let text = format!("x{}", "a".repeat(100));
        let out = t.tag(&Input::new(&text, Channel::Email));
        assert_eq!(out.tags.len(), 2);
        // The screen's match gives one rule its span for free, whole; the
        // other would need a search longer than the window.
        let lens: Vec<usize> = out.explanations.iter().map(|e| e.spans.len()).collect();
        assert_eq!(lens.iter().sum::<usize>(), 1, "{lens:?}");
        let shown = out
            .explanations
            .iter()
            .flat_map(|e| &e.spans)
            .next()
            .unwrap();
        assert_eq!((shown.start, shown.end), (1, 101));
        assert!(out.spans_truncated);
        // A wide enough window finds both.
        let wide = AutoTagger::with_limits(t.taxonomy(), Limits::DEFAULT).unwrap();
        let out = wide.tag(&Input::new(&text, Channel::Email));
        assert!(out.explanations.iter().all(|e| e.spans.len() == 1));
        assert!(!out.spans_truncated);
    }

    #[test]
    fn a_window_never_shows_a_match_its_cut_made() {
        // `late\b` in "lately" does not match; a window cut right after
        // "late" must not make it look like it does.
        let t = AutoTagger::with_limits(
            &tax(r#"[{"name":"late","pattern":"late","add":["shipping/late"]}]"#),
            Limits {
                span_window: 16,
                span_budget: 4 << 20,
                ..Limits::DEFAULT
            },
        )
        .unwrap();
        // Past 256 KiB: no places, the span is searched for window by
        // window, and many windows end right after a "late" of "lately".
        let text = format!("{}late", "lately ".repeat(40_000));
        let out = t.tag(&Input::new(&text, Channel::Email));
        assert_eq!(out.tags, [tag("shipping/late")]);
        let spans = &out.explanations[0].spans;
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_eq!(spans[0].start, text.len() - 4);
    }
}
