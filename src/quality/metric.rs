//! Metric rules: measures of a reply's words and sentences, in one pass
//! (the tokenisation is documented on [`Measure`]).

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::is_cjk;
use super::rule::Locale;

/// What a [`Check::Metric`](super::Check::Metric) rule measures (snake case
/// in JSON: `"longest_sentence"`).
///
/// Words and sentences are told apart deterministically, the same way in
/// every locale:
///
/// - A **word** is a run of letters and digits (`char::is_alphanumeric`)
///   outside the CJK ranges; an apostrophe (`'`, `’`), a hyphen or a full
///   stop between two such characters joins them (`don't`, `e-mail`,
///   `3.5`, `example.com` are one word each). Every CJK letter (Han, kana,
///   fullwidth forms) is a word of its own, so Chinese is measured in
///   characters. Punctuation, symbols and whitespace separate words.
/// - A **sentence** ends at a run of `.` `!` `?` `。` `！` `？` (a full stop
///   inside a word, as in `3.5`, is no end), at a line break (`\n`, `\r`,
///   vertical tab, form feed, U+0085, U+2028, U+2029) and at the end of the
///   text. A stretch with no word in it (`!!!`, `--`) is no sentence. A
///   sentence's span runs from its first non-whitespace character to the
///   end of its closing punctuation, or to its last non-whitespace
///   character when a line break or the end of the text closes it.
/// - **Uppercase words** are the words of two letters or more whose letters
///   are all upper case (`OK`, `ASAP`, `I'M`), as a share of all words of
///   two letters or more; a CJK character is a word of one letter, so it
///   counts in neither.
///
/// Measures read the reply as written, not the normalised text that
/// phrases are matched on: normalisation folds case (which
/// `uppercase_words` reads) and turns line breaks into spaces (which end
/// sentences); the rest of it changes no measure.
///
/// ```
/// use supportdesk::quality::{Locale, Measure, RuleSet};
///
/// let set = RuleSet::from_json(r#"{"locale": "en", "rules": [{
///     "id": "host.short-sentences", "locale": "en", "weight": 1,
///     "severity": "suggestion", "message": "Keep sentences short.",
///     "check": {"kind": "metric", "measure": "longest_sentence", "max": 5}}]}"#)?;
/// let text = "Hi Ana. Your new card is on its way to you today. Thanks!";
/// let report = set.check(text)?;
/// let finding = &report.findings[0];
/// assert_eq!(&text[finding.span.clone()], "Your new card is on its way to you today.");
/// assert_eq!(
///     finding.message,
///     "Keep sentences short. (the longest sentence has 10 words; keep it to at most 5)"
/// );
/// assert_eq!("longest_sentence", Measure::LongestSentence.as_str());
/// # Ok::<(), supportdesk::quality::QualityError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// The number of words (Latin-script words; each CJK character is one).
    Words,
    /// The number of sentences.
    Sentences,
    /// Words per sentence (0 for a text with no sentence).
    AverageSentenceLength,
    /// The words of the longest sentence; a finding spans that sentence
    /// (the first of equally long ones).
    LongestSentence,
    /// The number of `!` and `！`.
    Exclamations,
    /// The number of `?` and `？`.
    Questions,
    /// The share in percent of words of two letters or more that are all
    /// upper case (0 for a text with no such word). Only cased scripts
    /// count, so in Chinese text it sees the Latin words alone.
    UppercaseWords,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Measure; 7] = [
        Measure::Words,
        Measure::Sentences,
        Measure::AverageSentenceLength,
        Measure::LongestSentence,
        Measure::Exclamations,
        Measure::Questions,
        Measure::UppercaseWords,
    ];

    /// The measure's name as in JSON (`"average_sentence_length"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Words => "words",
            Measure::Sentences => "sentences",
            Measure::AverageSentenceLength => "average_sentence_length",
            Measure::LongestSentence => "longest_sentence",
            Measure::Exclamations => "exclamations",
            Measure::Questions => "questions",
            Measure::UppercaseWords => "uppercase_words",
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A measured value, exact: `num / den` in lowest terms, `den >= 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Value {
    num: u64,
    den: u64,
}

impl Value {
    fn whole(n: u64) -> Value {
        Value { num: n, den: 1 }
    }

    /// `num / den` in lowest terms, 0 when `den` is 0.
    fn ratio(num: u64, den: u64) -> Value {
        if den == 0 {
            return Value::whole(0);
        }
        let (mut a, mut b) = (num, den);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        Value {
            num: num / a,
            den: den / a,
        }
    }

    /// Whether the value is above `bound`.
    pub(crate) fn above(self, bound: u32) -> bool {
        u128::from(self.num) > u128::from(bound) * u128::from(self.den)
    }

    /// Whether the value is below `bound`.
    pub(crate) fn below(self, bound: u32) -> bool {
        u128::from(self.num) < u128::from(bound) * u128::from(self.den)
    }

    /// The value for a message: whole numbers as they are, fractions to one
    /// decimal rounded away from the bound they break (`up`: rounded up, so
    /// 30.04 over a maximum of 30 reads 30.1, never 30.0).
    fn display(self, up: bool) -> String {
        if self.num % self.den == 0 {
            return (self.num / self.den).to_string();
        }
        let tenths = u128::from(self.num) * 10;
        let den = u128::from(self.den);
        let t = if up {
            tenths.div_ceil(den)
        } else {
            tenths / den
        };
        format!("{}.{}", t / 10, t % 10)
    }
}

/// Every measure of one text, from one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metrics {
    words: u64,
    sentences: u64,
    longest: u64,
    longest_span: Option<Range<usize>>,
    exclamations: u64,
    questions: u64,
    uppercase: u64,
    lettered: u64,
}

/// How the tokeniser reads a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A letter or digit of a spaced script.
    Word,
    /// A CJK letter: a word on its own.
    Cjk,
    /// Whitespace other than a line break.
    Space,
    /// A line break: ends a sentence.
    Break,
    /// `!` `！`: ends a sentence.
    Bang,
    /// `?` `？`: ends a sentence.
    Question,
    /// `.` (ends a sentence, or joins two word characters) and `。`.
    Stop,
    /// `'` `’` `-`: joins two word characters.
    Joiner,
    /// Anything else: punctuation, symbols, marks.
    Other,
}

/// The classes of the ASCII characters.
const ASCII: [Class; 128] = {
    let mut t = [Class::Other; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => Class::Word,
            b' ' | b'\t' => Class::Space,
            b'\n' | b'\r' | 0x0B | 0x0C => Class::Break,
            b'!' => Class::Bang,
            b'?' => Class::Question,
            b'.' => Class::Stop,
            b'\'' | b'-' => Class::Joiner,
            _ => Class::Other,
        };
        b += 1;
    }
    t
};

/// How the tokeniser reads `c`.
fn class(c: char) -> Class {
    let u = c as u32;
    if let Some(&k) = ASCII.get(u as usize) {
        return k;
    }
    match c {
        // The CJK Unified Ideographs and Extension A: all letters.
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' => Class::Cjk,
        '。' => Class::Stop,
        '！' => Class::Bang,
        '？' => Class::Question,
        '\u{2019}' => Class::Joiner,
        '\u{85}' | '\u{2028}' | '\u{2029}' => Class::Break,
        _ if c.is_whitespace() => Class::Space,
        _ if c.is_alphanumeric() => {
            if is_cjk(c) {
                Class::Cjk
            } else {
                Class::Word
            }
        }
        _ => Class::Other,
    }
}

/// The end of the CJK ideograph (U+3400-U+4DBF, U+4E00-U+9FFF: three
/// bytes in UTF-8) that starts at `i`, if one does.
#[inline]
fn cjk3(bytes: &[u8], i: usize) -> Option<usize> {
    let lead = *bytes.get(i)?;
    if !(0xE3..=0xE9).contains(&lead) {
        return None;
    }
    let (b1, b2) = (*bytes.get(i + 1)?, *bytes.get(i + 2)?);
    let cp = (u32::from(lead & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
    ((0x3400..=0x4DBF).contains(&cp) || (0x4E00..=0x9FFF).contains(&cp)).then_some(i + 3)
}

/// The sentence being read.
#[derive(Debug, Default)]
struct Sentence {
    /// Where it starts (its first non-whitespace character), once it has.
    start: Option<usize>,
    /// The end of its last non-whitespace character.
    end: usize,
    /// Its words.
    words: u64,
    /// Whether its closing punctuation has begun.
    closing: bool,
}

impl Metrics {
    /// Measures `text` (bounded by the caller: at most `MAX_TEXT_BYTES`).
    pub(crate) fn measure(text: &str) -> Metrics {
        let mut m = Metrics {
            words: 0,
            sentences: 0,
            longest: 0,
            longest_span: None,
            exclamations: 0,
            questions: 0,
            uppercase: 0,
            lettered: 0,
        };
        let mut s = Sentence::default();
        // The word being read: its letters, and whether all are upper case.
        let mut word: Option<(u32, bool)> = None;
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            // A run of ASCII letters and digits, in a tight loop.
            if b == b' ' && !s.closing {
                if let Some((letters, upper)) = word.take() {
                    m.end_word(letters, upper);
                }
                i += 1;
                continue;
            }
            if b.is_ascii_alphanumeric() {
                let start = i;
                let (mut letters, mut lower) = (0u32, false);
                while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_alphanumeric()) {
                    letters += u32::from(b.is_ascii_alphabetic());
                    lower |= b.is_ascii_lowercase();
                    i += 1;
                }
                m.word_chars(&mut s, &mut word, start..i, letters, !lower);
                continue;
            }
            // A run of CJK ideographs (three bytes each in UTF-8), in a
            // tight loop: each is a word, none ends or joins anything.
            if cjk3(bytes, i).is_some() {
                if s.closing {
                    m.close(&mut s);
                }
                if let Some((letters, upper)) = word.take() {
                    m.end_word(letters, upper);
                }
                s.start.get_or_insert(i);
                let mut n = 0u64;
                while let Some(next) = cjk3(bytes, i) {
                    i = next;
                    n += 1;
                }
                m.words += n;
                s.words += n;
                s.end = i;
                continue;
            }
            let c = if b.is_ascii() {
                char::from(b)
            } else if let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
                c
            } else {
                break;
            };
            let end = i + c.len_utf8();
            let at = i;
            i = end;
            let mut k = class(c);
            if matches!(k, Class::Joiner | Class::Stop)
                && c != '。'
                && word.is_some()
                && text
                    .get(end..)
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(|next| class(next) == Class::Word)
            {
                k = Class::Word;
            }
            if k == Class::Word {
                let (letters, upper) = if c.is_alphabetic() {
                    (1, c.is_uppercase())
                } else {
                    (0, true)
                };
                m.word_chars(&mut s, &mut word, at..end, letters, upper);
                continue;
            }
            if s.closing && !matches!(k, Class::Bang | Class::Question | Class::Stop) {
                m.close(&mut s);
            }
            if let Some((letters, upper)) = word.take() {
                m.end_word(letters, upper);
            }
            match k {
                Class::Break => {
                    m.close(&mut s);
                    continue;
                }
                Class::Space => continue,
                Class::Bang => m.exclamations += 1,
                Class::Question => m.questions += 1,
                Class::Cjk => {
                    m.words += 1;
                    s.words += 1;
                }
                Class::Word | Class::Stop | Class::Joiner | Class::Other => {}
            }
            if matches!(k, Class::Bang | Class::Question | Class::Stop) {
                s.closing = true;
            } else {
                s.start.get_or_insert(at);
            }
            s.end = end;
        }
        if let Some((letters, upper)) = word {
            m.end_word(letters, upper);
        }
        m.close(&mut s);
        m
    }

    /// Reads the word characters at `span` (with `letters` letters, all
    /// upper case if `upper`): the start or the rest of a word.
    fn word_chars(
        &mut self,
        s: &mut Sentence,
        word: &mut Option<(u32, bool)>,
        span: Range<usize>,
        letters: u32,
        upper: bool,
    ) {
        if s.closing {
            self.close(s);
        }
        let (l, u) = word.get_or_insert_with(|| {
            self.words += 1;
            s.words += 1;
            (0, true)
        });
        *l = l.saturating_add(letters);
        *u &= upper;
        s.start.get_or_insert(span.start);
        s.end = span.end;
    }

    fn end_word(&mut self, letters: u32, upper: bool) {
        if letters >= 2 {
            self.lettered += 1;
            if upper {
                self.uppercase += 1;
            }
        }
    }

    /// Ends the sentence `s` (if it has a word) and starts the next.
    fn close(&mut self, s: &mut Sentence) {
        if s.words > 0 {
            self.sentences += 1;
            if s.words > self.longest {
                self.longest = s.words;
                self.longest_span = s.start.map(|start| start..s.end.max(start));
            }
        }
        *s = Sentence::default();
    }

    /// The value of `measure`.
    pub(crate) fn value(&self, measure: Measure) -> Value {
        match measure {
            Measure::Words => Value::whole(self.words),
            Measure::Sentences => Value::whole(self.sentences),
            Measure::AverageSentenceLength => Value::ratio(self.words, self.sentences),
            Measure::LongestSentence => Value::whole(self.longest),
            Measure::Exclamations => Value::whole(self.exclamations),
            Measure::Questions => Value::whole(self.questions),
            Measure::UppercaseWords => Value::ratio(self.uppercase * 100, self.lettered),
        }
    }

    /// The span of a finding of `measure` in a text of `len` bytes: the
    /// longest sentence for [`Measure::LongestSentence`] (when there is
    /// one), else the whole text.
    pub(crate) fn span(&self, measure: Measure, len: usize) -> Range<usize> {
        match (measure, &self.longest_span) {
            (Measure::LongestSentence, Some(span)) => span.clone(),
            _ => 0..len,
        }
    }
}

/// Which bound a value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broken {
    /// Below `min`.
    Min(u32),
    /// Above `max`.
    Max(u32),
}

/// What a metric finding says after the rule's message: the measured value
/// and the bound, in the rule's locale ("the longest sentence has 41 words;
/// keep it to at most 35").
pub(crate) fn detail(locale: Locale, measure: Measure, value: Value, broken: Broken) -> String {
    let (bound, up) = match broken {
        Broken::Min(b) => (b, false),
        Broken::Max(b) => (b, true),
    };
    let v = value.display(up);
    let one = v == "1";
    match locale {
        Locale::En => {
            let (what, unit) = match measure {
                Measure::Words => (format!("the reply has {v} word{}", s(one)), ""),
                Measure::Sentences => (format!("the reply has {v} sentence{}", s(one)), ""),
                Measure::AverageSentenceLength => {
                    (format!("sentences average {v} word{}", s(one)), "")
                }
                Measure::LongestSentence => {
                    (format!("the longest sentence has {v} word{}", s(one)), "")
                }
                Measure::Exclamations => {
                    (format!("the reply has {v} exclamation mark{}", s(one)), "")
                }
                Measure::Questions => (format!("the reply has {v} question mark{}", s(one)), ""),
                Measure::UppercaseWords => (format!("{v}% of the words are in capitals"), "%"),
            };
            match broken {
                Broken::Min(_) => format!("{what}; write at least {bound}{unit}"),
                Broken::Max(_) => format!("{what}; keep it to at most {bound}{unit}"),
            }
        }
        Locale::ZhHans | Locale::ZhHant => {
            let hant = locale == Locale::ZhHant;
            let pick = |hans: &'static str, hant_s: &'static str| if hant { hant_s } else { hans };
            let reply = pick("回复", "回覆");
            let chars = pick("个字", "個字");
            let (what, unit) = match measure {
                Measure::Words => (format!("{reply}共 {v} {chars}"), chars),
                Measure::Sentences => (format!("{reply}共 {v} 句"), "句"),
                Measure::AverageSentenceLength => (format!("句子平均 {v} {chars}"), chars),
                Measure::LongestSentence => (
                    format!("{} {v} {chars}", pick("最长的句子有", "最長的句子有")),
                    chars,
                ),
                Measure::Exclamations => (
                    format!("{reply}有 {v} {}", pick("个感叹号", "個驚嘆號")),
                    pick("个", "個"),
                ),
                Measure::Questions => (
                    format!("{reply}有 {v} {}", pick("个问号", "個問號")),
                    pick("个", "個"),
                ),
                Measure::UppercaseWords => (
                    format!("{v}% {}", pick("的单词全为大写", "的單字全為大寫")),
                    "%",
                ),
            };
            let space = if unit == "%" { "" } else { " " };
            match broken {
                Broken::Min(_) => {
                    format!("{what}；{} {bound}{space}{unit}", pick("请至少", "請至少"))
                }
                Broken::Max(_) => {
                    format!(
                        "{what}；{} {bound}{space}{unit}",
                        pick("请不超过", "請不超過")
                    )
                }
            }
        }
    }
}

/// A metric finding's message: the rule's message, then the [`detail`] in
/// parentheses (fullwidth for Chinese); the detail alone when the rule's
/// message is blank.
pub(crate) fn message(
    locale: Locale,
    rule_message: &str,
    measure: Measure,
    value: Value,
    broken: Broken,
) -> String {
    let detail = detail(locale, measure, value, broken);
    match (rule_message.trim(), locale) {
        ("", _) => detail,
        (m, Locale::En) => format!("{m} ({detail})"),
        (m, Locale::ZhHans | Locale::ZhHant) => format!("{m}（{detail}）"),
    }
}

/// The English plural ending.
fn s(one: bool) -> &'static str {
    if one { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str, measure: Measure) -> Value {
        Metrics::measure(text).value(measure)
    }

    fn whole(text: &str, measure: Measure) -> u64 {
        let value = v(text, measure);
        assert_eq!(
            value.den, 1,
            "{measure} of {text:?} is not whole: {value:?}"
        );
        value.num
    }

    fn longest(text: &str) -> Option<&str> {
        Metrics::measure(text)
            .longest_span
            .and_then(|r| text.get(r))
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_or_single_cjk_letters() {
        assert_eq!(whole("Hello, world!", Measure::Words), 2);
        assert_eq!(
            whole("don't re-send v3.5 to a@example.com", Measure::Words),
            6
        );
        assert_eq!(whole("  spaced   out \t words\n", Measure::Words), 3);
        assert_eq!(whole("'quoted' -dash- end.", Measure::Words), 3);
        assert_eq!(whole("Ünïcödé naïve café", Measure::Words), 3);
        assert_eq!(whole("您好，我已为您退款。", Measure::Words), 8);
        assert_eq!(whole("ｆｕｌｌ", Measure::Words), 4);
        assert_eq!(whole("42 items", Measure::Words), 2);
    }

    #[test]
    fn sentences_end_at_terminators_and_line_breaks() {
        assert_eq!(whole("One. Two! Three? Four", Measure::Sentences), 4);
        assert_eq!(whole("Wait?! Really... yes", Measure::Sentences), 3);
        assert_eq!(whole("Hi Sam,\n\nAll done\r\nBye", Measure::Sentences), 3);
        assert_eq!(whole("好的。谢谢！再见？", Measure::Sentences), 3);
        assert_eq!(whole("Version 3.5 is out. Next", Measure::Sentences), 2);
        // A stretch without a word is no sentence.
        assert_eq!(whole("!!! -- ... ?", Measure::Sentences), 0);
        assert_eq!(whole("Done. !!! Next", Measure::Sentences), 2);
    }

    #[test]
    fn average_sentence_length_is_exact() {
        assert_eq!(
            v("One two. Three", Measure::AverageSentenceLength),
            Value { num: 3, den: 2 }
        );
        assert_eq!(whole("", Measure::AverageSentenceLength), 0);
        let value = v("a b. c", Measure::AverageSentenceLength);
        assert!(value.above(1) && !value.above(2) && value.below(2) && !value.below(1));
    }

    #[test]
    fn the_longest_sentence_and_its_span() {
        let text = "Short one.  This sentence is the longest here!? Tiny\nAnd a line";
        assert_eq!(whole(text, Measure::LongestSentence), 6);
        assert_eq!(longest(text), Some("This sentence is the longest here!?"));
        // Ties: the first; a line break closes without punctuation.
        assert_eq!(longest("a b\nc d."), Some("a b"));
        assert_eq!(longest("  (a quote) b  "), Some("(a quote) b"));
        assert_eq!(
            longest("很好。我们已经为您重新发货了！"),
            Some("我们已经为您重新发货了！")
        );
        let m = Metrics::measure("");
        assert_eq!(m.span(Measure::LongestSentence, 0), 0..0);
        assert_eq!(m.span(Measure::Words, 7), 0..7);
    }

    #[test]
    fn exclamations_and_questions_count_ascii_and_fullwidth() {
        assert_eq!(
            whole("Great!! Really？ Yes！ Why?", Measure::Exclamations),
            3
        );
        assert_eq!(whole("Great!! Really？ Yes！ Why?", Measure::Questions), 2);
        assert_eq!(whole("no marks", Measure::Exclamations), 0);
    }

    #[test]
    fn uppercase_words_are_a_share_of_words_of_two_letters_or_more() {
        // OK, ASAP caps; I and A too short; "call", "please" not caps.
        assert_eq!(
            whole("OK I call A please ASAP", Measure::UppercaseWords),
            50
        );
        assert_eq!(
            v("OK AB cd", Measure::UppercaseWords),
            Value { num: 200, den: 3 }
        );
        assert_eq!(whole("PLEASE CALL ME", Measure::UppercaseWords), 100);
        assert_eq!(whole("I'M HERE", Measure::UppercaseWords), 100);
        // Digits are no letters: R2D2 has two, B2 one.
        assert_eq!(whole("R2D2 B2 ab", Measure::UppercaseWords), 50);
        // CJK characters count in neither part; only the Latin words do.
        assert_eq!(whole("您好 DHL 快递 parcel", Measure::UppercaseWords), 50);
        assert_eq!(whole("您好", Measure::UppercaseWords), 0);
        assert_eq!(whole("", Measure::UppercaseWords), 0);
    }

    #[test]
    fn empty_and_punctuation_only_texts_measure_zero() {
        for text in ["", "   \n\t ", "...!?。，、——", "!!!"] {
            let m = Metrics::measure(text);
            for measure in [
                Measure::Words,
                Measure::Sentences,
                Measure::AverageSentenceLength,
                Measure::LongestSentence,
                Measure::UppercaseWords,
            ] {
                assert_eq!(whole(text, measure), 0, "{measure} of {text:?}");
            }
            assert_eq!(m.longest_span, None);
            assert_eq!(m.span(Measure::LongestSentence, text.len()), 0..text.len());
        }
        assert_eq!(whole("!!!", Measure::Exclamations), 3);
        assert_eq!(whole("...!?。，、——", Measure::Questions), 1);
    }

    #[test]
    fn mixed_english_and_chinese() {
        let text = "您好 Sam，您的 iPhone 15 已发货。Thanks a lot!";
        // 您 好 Sam 您 的 iPhone 15 已 发 货 | Thanks a lot
        assert_eq!(whole(text, Measure::Words), 13);
        assert_eq!(whole(text, Measure::Sentences), 2);
        assert_eq!(whole(text, Measure::LongestSentence), 10);
        assert_eq!(longest(text), Some("您好 Sam，您的 iPhone 15 已发货。"));
        assert_eq!(whole(text, Measure::Exclamations), 1);
        assert_eq!(whole(text, Measure::UppercaseWords), 0);
    }

    #[test]
    fn a_text_of_the_maximum_size() {
        let max = super::super::MAX_TEXT_BYTES;
        let text = "word ".repeat(max / 5);
        assert_eq!(whole(&text, Measure::Words), (max / 5) as u64);
        assert_eq!(whole(&text, Measure::Sentences), 1);
        assert_eq!(longest(&text), Some(text.trim_end()));
        let zh = "好".repeat(max / 3);
        assert_eq!(whole(&zh, Measure::LongestSentence), (max / 3) as u64);
        let bangs = "!".repeat(max);
        assert_eq!(whole(&bangs, Measure::Exclamations), max as u64);
        assert_eq!(whole(&bangs, Measure::Sentences), 0);
    }

    #[test]
    fn values_display_rounded_away_from_the_broken_bound() {
        let v = Value {
            num: 3004,
            den: 100,
        };
        assert_eq!(v.display(true), "30.1");
        assert_eq!(v.display(false), "30.0");
        assert_eq!(Value::whole(41).display(true), "41");
        assert_eq!(Value::ratio(200, 4), Value::whole(50));
        assert_eq!(Value::ratio(0, 7), Value::whole(0));
        assert_eq!(Value::ratio(6, 4), Value { num: 3, den: 2 });
        assert_eq!(Value::ratio(5, 0), Value::whole(0));
    }

    #[test]
    fn details_name_the_value_and_the_bound() {
        assert_eq!(
            detail(
                Locale::En,
                Measure::LongestSentence,
                Value::whole(41),
                Broken::Max(35)
            ),
            "the longest sentence has 41 words; keep it to at most 35"
        );
        assert_eq!(
            detail(Locale::En, Measure::Words, Value::whole(1), Broken::Min(5)),
            "the reply has 1 word; write at least 5"
        );
        assert_eq!(
            detail(
                Locale::En,
                Measure::UppercaseWords,
                Value::ratio(100, 3),
                Broken::Max(30)
            ),
            "33.4% of the words are in capitals; keep it to at most 30%"
        );
        assert_eq!(
            detail(
                Locale::ZhHans,
                Measure::LongestSentence,
                Value::whole(95),
                Broken::Max(80)
            ),
            "最长的句子有 95 个字；请不超过 80 个字"
        );
        assert_eq!(
            detail(
                Locale::ZhHant,
                Measure::Exclamations,
                Value::whole(3),
                Broken::Max(2)
            ),
            "回覆有 3 個驚嘆號；請不超過 2 個"
        );
        for measure in Measure::ALL {
            for locale in Locale::ALL {
                let d = detail(locale, measure, Value::ratio(7, 2), Broken::Min(4));
                assert!(d.contains("3.5") && d.contains('4'), "{d}");
            }
        }
    }
}
