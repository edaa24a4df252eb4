//! Normalised text with a map back to the original byte offsets.

use std::ops::Range;

/// A text folded for matching: lower case (`char::to_lowercase`), every run
/// of whitespace collapsed to one space, the typographic apostrophe `’`
/// read as `'`. For each byte of the normalised text, the byte range in the
/// original text of the character it came from, so a match in the
/// normalised text maps back to a span of the original text that starts
/// and ends on character boundaries.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    /// The folded text.
    pub(crate) text: String,
    /// For each byte of `text`, the start in the original of its source.
    starts: Vec<u32>,
    /// For each byte of `text`, the end in the original of its source.
    ends: Vec<u32>,
}

/// Folds one phrase (or a text) the way [`Normalized`] does, without the map.
pub(crate) fn fold(s: &str) -> String {
    Normalized::new(s).text.trim().to_string()
}

impl Normalized {
    /// Folds `original`. Offsets are `u32`: callers bound texts far below
    /// 4 GiB (the quality checker takes at most 1 MiB).
    pub(crate) fn new(original: &str) -> Normalized {
        let mut text: Vec<u8> = Vec::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len());
        let mut ends = Vec::with_capacity(original.len());
        let mut in_space = false;
        let mut buf = [0u8; 4];
        let bytes = original.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            // ASCII (most of an English reply): one byte in, one byte out.
            let (c, len) = if b.is_ascii() {
                if !matches!(b, b' ' | b'\t'..=b'\r') {
                    in_space = false;
                    text.push(b.to_ascii_lowercase());
                    starts.push(offset(i));
                    ends.push(offset(i + 1));
                    i += 1;
                    continue;
                }
                (char::from(b), 1)
            } else {
                match original.get(i..).and_then(|rest| rest.chars().next()) {
                    Some(c) => (c, c.len_utf8()),
                    None => break,
                }
            };
            let end = offset(i + len);
            if c.is_whitespace() {
                if in_space {
                    // The space stands for the whole run: stretch its end.
                    if let Some(last) = ends.last_mut() {
                        *last = end;
                    }
                } else {
                    in_space = true;
                    text.push(b' ');
                    starts.push(offset(i));
                    ends.push(end);
                }
                i += len;
                continue;
            }
            in_space = false;
            let at = offset(i);
            let mut push = |folded: char| {
                let n = folded.encode_utf8(&mut buf).len();
                text.extend_from_slice(&buf[..n]);
                for _ in 0..n {
                    starts.push(at);
                    ends.push(end);
                }
            };
            if c == '\u{2019}' {
                push('\'');
            } else if is_caseless(c) {
                // Most of a Chinese reply: no case table lookup.
                push(c);
            } else {
                for folded in c.to_lowercase() {
                    push(folded);
                }
            }
            i += len;
        }
        // Only whole characters were written.
        let text = String::from_utf8(text).unwrap_or_default();
        Normalized { text, starts, ends }
    }

    /// The span of the original text that the non-empty normalised range
    /// `r` (on character boundaries of `text`) came from.
    pub(crate) fn original(&self, r: Range<usize>) -> Range<usize> {
        let start = self.starts.get(r.start).copied().unwrap_or(0) as usize;
        let end = r
            .end
            .checked_sub(1)
            .and_then(|last| self.ends.get(last))
            .map_or(start, |&e| e as usize);
        start..end.max(start)
    }
}

/// A byte offset as `u32`, saturating (texts are bounded far below).
/// Characters of blocks without case (CJK punctuation, kana, the CJK
/// ideographs, Hangul syllables, fullwidth punctuation and halfwidth
/// forms): lower-casing leaves them as they are.
#[inline]
fn is_caseless(c: char) -> bool {
    matches!(
        c as u32,
        0x3000..=0x30FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7A3
            | 0xFF01..=0xFF20
            | 0xFF3B..=0xFF40
            | 0xFF5B..=0xFFEF
    )
}

fn offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks taken as caseless are: lower-casing changes none of
    /// their characters.
    #[test]
    fn caseless_blocks_have_no_lower_case() {
        for c in (0x3000u32..=0xFFEF).filter_map(char::from_u32) {
            if is_caseless(c) {
                let lower: Vec<char> = c.to_lowercase().collect();
                assert_eq!(lower, [c], "{c:?} (U+{:04X})", c as u32);
            }
        }
    }

    #[test]
    fn folds_case_and_whitespace_and_maps_back() {
        let s = "Hello  \n World ÄÖ";
        let n = Normalized::new(s);
        assert_eq!(n.text, "hello world äö");
        let at = n.text.find("world").map(|i| i..i + 5);
        assert_eq!(at.map(|r| &s[n.original(r)]), Some("World"));
        // The space stands for the whole run of whitespace.
        assert_eq!(&s[n.original(5..6)], "  \n ");
        let at = n.text.find("äö").map(|i| i..i + "äö".len());
        assert_eq!(at.map(|r| &s[n.original(r)]), Some("ÄÖ"));
    }

    #[test]
    fn expanding_lowercase_maps_to_the_whole_source_char() {
        // 'İ' lowercases to two chars ("i̇"): both map back to it.
        let s = "aİb";
        let n = Normalized::new(s);
        assert_eq!(n.text, "ai\u{307}b");
        assert_eq!(&s[n.original(1..2)], "İ");
        assert_eq!(&s[n.original(1..4)], "İ");
        assert_eq!(&s[n.original(0..5)], "aİb");
    }

    #[test]
    fn typographic_apostrophe_reads_as_ascii() {
        let s = "That’s our policy";
        let n = Normalized::new(s);
        assert_eq!(n.text, "that's our policy");
        assert_eq!(&s[n.original(0..n.text.len())], s);
        assert_eq!(fold("  That’s   OUR policy "), "that's our policy");
    }
}
