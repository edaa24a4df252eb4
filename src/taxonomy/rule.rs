//! Auto-tagging rules as configured, and how their patterns get word
//! boundaries.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::model::{AuthorRole, Tag};

/// An auto-tagging rule: when a message's text matches `pattern` (and the
/// conditions hold), add the tags in `add`.
///
/// Patterns use the [`regex`](https://docs.rs/regex) syntax and are matched
/// case-insensitively with Unicode on. With `whole_words` (the default), an
/// edge of a top-level alternative that is an ASCII letter, digit or `_`
/// only matches next to a character that is not one (`refund` does not
/// match in `refunded`, but does in `我要refund`), while edges in scripts
/// written without spaces (Chinese, Japanese, Thai) match anywhere: `\b`
/// would never match between two CJK characters.
///
/// Conditions are checked against the tags the ticket carried *before*
/// auto-tagging, so rules never trigger one another and their order does
/// not matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's name, unique in the taxonomy; named in explanations and
    /// errors.
    pub name: String,
    /// The pattern to find in the message text.
    pub pattern: String,
    /// The tags to add when it matches.
    pub add: Vec<Tag>,
    /// Only on these channels (any channel when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Only for messages by these roles (any role when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<AuthorRole>,
    /// Only when the ticket already carries all of these tags (or tags
    /// below them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub if_tags: Vec<Tag>,
    /// Never when the ticket carries one of these tags (or a tag below one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless_tags: Vec<Tag>,
    /// Add word boundaries at ASCII-word edges of the pattern (default
    /// true).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub whole_words: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl Rule {
    /// A rule adding `add` when `pattern` matches, with no conditions.
    pub fn new(name: impl Into<String>, pattern: impl Into<String>, add: Vec<Tag>) -> Self {
        Rule {
            name: name.into(),
            pattern: pattern.into(),
            add,
            channels: Vec::new(),
            roles: Vec::new(),
            if_tags: Vec::new(),
            unless_tags: Vec::new(),
            whole_words: true,
        }
    }

    /// Restricts the rule to channels.
    pub fn on_channels(mut self, channels: impl IntoIterator<Item = Channel>) -> Self {
        self.channels.extend(channels);
        self
    }

    /// Restricts the rule to author roles.
    pub fn for_roles(mut self, roles: impl IntoIterator<Item = AuthorRole>) -> Self {
        self.roles.extend(roles);
        self
    }

    /// Requires tags already on the ticket.
    pub fn if_tags(mut self, tags: impl IntoIterator<Item = Tag>) -> Self {
        self.if_tags.extend(tags);
        self
    }

    /// Skips tickets carrying one of these tags.
    pub fn unless_tags(mut self, tags: impl IntoIterator<Item = Tag>) -> Self {
        self.unless_tags.extend(tags);
        self
    }

    /// The pattern as the [`AutoTagger`](crate::taxonomy::AutoTagger)
    /// compiles it: with the word boundaries when `whole_words` is on (if
    /// the edited pattern does not compile, the tagger falls back to the
    /// plain one).
    ///
    /// ```
    /// use supportdesk::taxonomy::Rule;
    /// let r = Rule::new("refund", "refund|退款", vec![]);
    /// assert_eq!(r.compiled_pattern(), r"(?:(?-u:\b{start-half})(?:refund)(?-u:\b{end-half})|退款)");
    /// ```
    pub fn compiled_pattern(&self) -> String {
        if self.whole_words {
            with_boundaries(&self.pattern)
        } else {
            format!("(?:{})", self.pattern)
        }
    }

    /// Turns automatic word boundaries on or off.
    pub fn whole_words(mut self, on: bool) -> Self {
        self.whole_words = on;
        self
    }
}

const START: &str = r"(?-u:\b{start-half})";
const END: &str = r"(?-u:\b{end-half})";

/// The pattern with ASCII half word boundaries at the ASCII-word edges of
/// its top-level alternatives, as one non-capturing group.
pub(crate) fn with_boundaries(pattern: &str) -> String {
    if has_verbose_flag(pattern) {
        // `(?x)` allows comments and free spacing the scanner does not
        // follow: no boundaries rather than wrong ones.
        return format!("(?:{pattern})");
    }
    let mut out = String::with_capacity(pattern.len() + 64);
    out.push_str("(?:");
    for (i, alt) in top_level_alternatives(pattern).into_iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        let start = starts_with_word(alt);
        let end = ends_with_word(alt);
        if start {
            out.push_str(START);
        }
        if start || end {
            out.push_str("(?:");
            out.push_str(alt);
            out.push(')');
        } else {
            out.push_str(alt);
        }
        if end {
            out.push_str(END);
        }
    }
    out.push(')');
    out
}

/// Whether a flag group turns on verbose mode (`(?x)`, `(?ix:`).
fn has_verbose_flag(p: &str) -> bool {
    p.match_indices("(?").any(|(i, _)| {
        p[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .take_while(|c| *c != '-')
            .any(|c| c == 'x')
    })
}

/// Splits at `|` outside groups and classes (a heuristic scanner: the result
/// is compiled and checked, and the desk falls back to the plain pattern if
/// it does not compile).
fn top_level_alternatives(p: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut class = 0usize;
    let mut start = 0;
    let mut escaped = false;
    let mut prev_open_class = false;
    for (i, c) in p.char_indices() {
        if escaped {
            escaped = false;
            prev_open_class = false;
            continue;
        }
        let was_open = prev_open_class;
        prev_open_class = false;
        match c {
            '\\' => escaped = true,
            '[' => {
                class += 1;
                prev_open_class = true;
            }
            ']' if class > 0 && !was_open => class -= 1,
            '^' if was_open => prev_open_class = true,
            '(' if class == 0 => depth += 1,
            ')' if class == 0 => depth = depth.saturating_sub(1),
            '|' if class == 0 && depth == 0 => {
                out.push(&p[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&p[start..]);
    out
}

fn is_word_ascii(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn starts_with_word(alt: &str) -> bool {
    let mut s = alt;
    loop {
        if let Some(rest) = s.strip_prefix("(?") {
            // A flag group `(?i)`, or a group with flags or a name.
            match rest.find([')', ':', '>']) {
                Some(i) => s = &rest[i + 1..],
                None => return false,
            }
        } else if let Some(rest) = s.strip_prefix('(') {
            s = rest;
        } else {
            break;
        }
    }
    let mut cs = s.chars();
    match cs.next() {
        Some('\\') => matches!(cs.next(), Some('d' | 'w')),
        Some(c) => is_word_ascii(c),
        None => false,
    }
}

fn is_escaped(s: &str, byte_index: usize) -> bool {
    s[..byte_index]
        .bytes()
        .rev()
        .take_while(|&b| b == b'\\')
        .count()
        % 2
        == 1
}

fn ends_with_word(alt: &str) -> bool {
    let mut s = alt;
    loop {
        let Some(last) = s.chars().next_back() else {
            return false;
        };
        let at = s.len() - last.len_utf8();
        if is_escaped(s, at) {
            // `\d`, `\w` end in a word character; other escapes do not.
            return matches!(last, 'd' | 'w');
        }
        match last {
            '?' | '*' | '+' | ')' => s = &s[..at],
            '}' => match s.rfind('{') {
                Some(i) => s = &s[..i],
                None => return false,
            },
            c => return is_word_ascii(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_top_level_alternatives_only() {
        assert_eq!(
            top_level_alternatives("a|b(c|d)|[|]e"),
            ["a", "b(c|d)", "[|]e"]
        );
        assert_eq!(top_level_alternatives(r"a\|b|c"), [r"a\|b", "c"]);
        assert_eq!(top_level_alternatives("[]|]x|y"), ["[]|]x", "y"]);
    }

    #[test]
    fn edges() {
        assert!(starts_with_word("refund"));
        assert!(starts_with_word("(?:late|slow)"));
        assert!(starts_with_word(r"(?i)\d+ days"));
        assert!(!starts_with_word("退款"));
        assert!(!starts_with_word("^x"));
        assert!(ends_with_word("refunds?"));
        assert!(ends_with_word("(late)"));
        assert!(ends_with_word(r"a\d{2,3}"));
        assert!(!ends_with_word("退款"));
        assert!(!ends_with_word(r"a\."));
        assert!(!ends_with_word("x$"));
    }

    #[test]
    fn verbose_patterns_are_left_alone() {
        assert_eq!(
            with_boundaries("(?x) late # or | early"),
            "(?:(?x) late # or | early)"
        );
        assert_eq!(
            with_boundaries("(?i-x:late)|x"),
            r"(?:(?-u:\b{start-half})(?:(?i-x:late))(?-u:\b{end-half})|(?-u:\b{start-half})(?:x)(?-u:\b{end-half}))"
        );
    }

    #[test]
    fn wraps_each_alternative() {
        assert_eq!(
            with_boundaries("refund|退款"),
            r"(?:(?-u:\b{start-half})(?:refund)(?-u:\b{end-half})|退款)"
        );
    }
}
