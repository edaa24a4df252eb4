//! Escaping, in one place for every renderer of the crate (the HTML report,
//! its inline SVG charts, the matrix's SVG and the Markdown of the report
//! and of the matrix): text from outside (customers' words, configuration,
//! labels) is written so that it always reads as the same text and never
//! becomes markup.
//!
//! - [`markup`]: HTML and XML (SVG) element content and quoted attribute
//!   values.
//! - [`markdown`]: inline Markdown (CommonMark with the GitHub extensions):
//!   a paragraph, a list item, heading text or a table cell.
//!
//! Renderers write only fixed markup of their own around escaped text;
//! nothing from outside is ever inserted as markup.

/// Escapes text for HTML and for XML (SVG): element content and attribute
/// values in double or single quotes.
///
/// `&`, `<`, `>`, `"` and `'` become character references (numeric for
/// `'`, which HTML 4 and XML both read). Characters XML 1.0 does not allow
/// (C0 controls other than tab, line feed and carriage return; U+FFFE,
/// U+FFFF) become spaces, so an SVG stays a well-formed XML document.
pub(crate) fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7F}' => out.push(' '),
            '\u{FFFE}' | '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for inline Markdown (CommonMark with the GitHub
/// extensions), so it renders as exactly the same text, on one line, with
/// no markup from it:
///
/// - `&`, `<` and `>` become entities: no raw HTML, no `<...>` autolink, no
///   block quote;
/// - `\`, `` ` ``, `*`, `_`, `~`, `[`, `]`, `#` and `|` are escaped with a
///   backslash: no code span, emphasis, strike-through, link, image
///   (`![..](..)` needs a live `[`), heading, or table cell break;
/// - GitHub's bare autolinks are broken: `:` before `//`
///   (`https://`, `javascript://`), the `.` of `www.`, and `@` (e-mail
///   addresses) are escaped;
/// - line breaks become spaces, so a table row or list item stays one
///   line;
/// - a leading `-`, `+` or `=`, and the `.` or `)` of a leading number that
///   would start an ordered list (`1. `), are escaped, so text at the start
///   of a line cannot open a list, a heading underline or a thematic break.
pub(crate) fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let leading_digits = s.chars().take_while(char::is_ascii_digit).count();
    // Digits are ASCII, so `leading_digits` is also a byte offset.
    let list_delimiter = (1..=9).contains(&leading_digits)
        && s.get(leading_digits..).is_some_and(|r| {
            let mut after = r.chars();
            matches!(after.next(), Some('.' | ')'))
                && after
                    .next()
                    .is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        });
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '#' | '|' | '@' => {
                out.push('\\');
                out.push(c);
            }
            ':' if s.get(i + 1..).is_some_and(|r| r.starts_with("//")) => out.push_str("\\:"),
            '.' if i
                .checked_sub(3)
                .and_then(|from| s.get(from..i))
                .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                out.push_str("\\.");
            }
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if list_delimiter && i == leading_digits => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads escaped Markdown text back: backslash escapes and the three
    /// entities [`markdown`] writes.
    fn unescape_markdown(s: &str) -> String {
        let s = s
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn markup_escapes_every_special_character() {
        assert_eq!(
            markup(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(markup("x\u{1}y\u{FFFF}\tz"), "x y \tz");
        assert_eq!(
            markup("</svg><img/src/onerror=alert(1)>"),
            "&lt;/svg&gt;&lt;img/src/onerror=alert(1)&gt;"
        );
    }

    #[test]
    fn markdown_leaves_no_live_syntax() {
        assert_eq!(
            markdown("![p](https://evil/p.png)"),
            "!\\[p\\](https\\://evil/p.png)"
        );
        assert_eq!(
            markdown("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            markdown("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(markdown("a|b\nc\r\nd"), "a\\|b c  d");
        assert_eq!(markdown("see www.evil.com"), "see www\\.evil.com");
        assert_eq!(markdown("mail ana@evil.com"), "mail ana\\@evil.com");
        assert_eq!(markdown("# title"), "\\# title");
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("1. item"), "1\\. item");
        assert_eq!(markdown("12) item"), "12\\) item");
        // Numbers that cannot open a list keep their dot.
        assert_eq!(markdown("42.0% (21 of 50)"), "42.0% (21 of 50)");
        assert_eq!(markdown("a-b 1. c"), "a-b 1. c");
        assert_eq!(
            markdown("*x* _y_ `z` ~w~"),
            "\\*x\\* \\_y\\_ \\`z\\` \\~w\\~"
        );
        assert_eq!(markdown("延迟 & 退款"), "延迟 &amp; 退款");
    }

    proptest! {
        /// Escaped Markdown reads back as the same text (line breaks as
        /// spaces), is one line, and leaves no character that could open
        /// markup unescaped.
        #[test]
        fn markdown_round_trips_and_is_inert(s in any::<String>()) {
            let e = markdown(&s);
            prop_assert!(!e.contains(['\n', '\r', '<', '>']));
            prop_assert_eq!(unescape_markdown(&e), s.replace(['\n', '\r'], " "));
            // Every special character is preceded by an odd number of
            // backslashes (escaped), and `&` only starts our entities.
            let chars: Vec<char> = e.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if matches!(c, '`' | '*' | '_' | '~' | '[' | ']' | '#' | '|' | '@') {
                    let slashes = chars[..i].iter().rev().take_while(|c| **c == '\\').count();
                    prop_assert!(slashes % 2 == 1, "unescaped {:?} in {:?}", c, e);
                }
            }
            prop_assert!(!e.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").contains('&'));
        }

        /// Escaped markup has no `<`, `>`, quote or bare `&`.
        #[test]
        fn markup_is_inert(s in any::<String>()) {
            let e = markup(&s);
            prop_assert!(!e.contains(['<', '>', '"', '\'']));
            let rest = e
                .replace("&amp;", "")
                .replace("&lt;", "")
                .replace("&gt;", "")
                .replace("&quot;", "")
                .replace("&#39;", "");
            prop_assert!(!rest.contains('&'));
        }
    }
}
