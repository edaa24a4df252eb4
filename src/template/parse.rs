//! Parsing a template text into segments, once, at load.
//!
//! Grammar (whitespace inside the braces is optional and may be any
//! Unicode whitespace):
//!
//! ```text
//! text        = { plain | placeholder }
//! plain       = any text without "{{" or "}}"
//! placeholder = "{{" ( path [ "|" quoted ] | quoted ) "}}"
//! path        = one or more characters other than whitespace, | " { }
//! quoted      = '"' { any character but " and \ | '\"' | '\\' } '"'
//! ```

use std::ops::Range;

use super::error::SyntaxProblem;
use super::placeholder::Placeholder;

/// A piece of a parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Text copied as is: a range of [`Parsed::literals`].
    Literal(Range<usize>),
    /// A value, with its fallback (a range of [`Parsed::literals`]).
    Value {
        placeholder: Placeholder,
        fallback: Option<Range<usize>>,
    },
}

/// A parsed text: segments over one buffer of literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// Every literal and fallback text, unescaped, one after the other.
    pub(crate) literals: String,
    /// The text in order.
    pub(crate) segments: Vec<Segment>,
    /// The total length of the [`Segment::Literal`]s, in bytes.
    pub(crate) literal_bytes: usize,
    /// How many [`Segment::Value`]s there are.
    pub(crate) placeholders: usize,
}

/// Why a text does not parse (the caller adds template id and locale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// A syntax error at a byte offset.
    Syntax {
        offset: usize,
        problem: SyntaxProblem,
    },
    /// A path not in the registry, in the placeholder opened at `offset`.
    Unknown { offset: usize, path: String },
}

/// Parses `src` (see the module docs for the grammar).
pub(crate) fn parse(src: &str) -> Result<Parsed, ParseError> {
    let mut p = Parser {
        src,
        pos: 0,
        out: Parsed {
            literals: String::new(),
            segments: Vec::new(),
            literal_bytes: 0,
            placeholders: 0,
        },
    };
    p.text()?;
    Ok(p.out)
}

struct Parser<'s> {
    src: &'s str,
    /// Byte offset of the next character (always on a char boundary).
    pos: usize,
    out: Parsed,
}

fn syntax(offset: usize, problem: SyntaxProblem) -> ParseError {
    ParseError::Syntax { offset, problem }
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
    }

    /// Plain text and placeholders up to the end.
    fn text(&mut self) -> Result<(), ParseError> {
        loop {
            let rest = self.rest();
            let open = rest.find("{{");
            let close = rest.find("}}");
            match (open, close) {
                (Some(o), Some(c)) if c < o => {
                    return Err(syntax(self.pos + c, SyntaxProblem::StrayClose));
                }
                (None, Some(c)) => return Err(syntax(self.pos + c, SyntaxProblem::StrayClose)),
                (Some(o), _) => {
                    let start = self.pos;
                    self.literal(start..start + o);
                    self.pos = start + o;
                    self.placeholder()?;
                }
                (None, None) => {
                    let start = self.pos;
                    self.literal(start..self.src.len());
                    self.pos = self.src.len();
                    return Ok(());
                }
            }
        }
    }

    /// Appends `src[range]` as literal text.
    fn literal(&mut self, range: Range<usize>) {
        let text = self.src.get(range).unwrap_or("");
        self.push_literal_text(text);
    }

    /// Appends `text` as literal text, merging it with a literal just before.
    fn push_literal_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let start = self.out.literals.len();
        self.out.literals.push_str(text);
        let end = self.out.literals.len();
        self.out.literal_bytes += text.len();
        if let Some(Segment::Literal(prev)) = self.out.segments.last_mut() {
            if prev.end == start {
                prev.end = end;
                return;
            }
        }
        self.out.segments.push(Segment::Literal(start..end));
    }

    /// One placeholder; `pos` is at its `{{`.
    fn placeholder(&mut self) -> Result<(), ParseError> {
        let open = self.pos;
        self.pos += 2;
        self.skip_ws();
        match self.peek() {
            None => return Err(syntax(open, SyntaxProblem::UnclosedPlaceholder)),
            Some('}') if self.rest().starts_with("}}") => {
                return Err(syntax(open, SyntaxProblem::EmptyPlaceholder));
            }
            Some('"') => {
                // A quoted string alone is literal text.
                let text = self.quoted()?;
                self.skip_ws();
                self.close(open, SyntaxProblem::ExpectedClose)?;
                self.push_literal_text(&text);
                return Ok(());
            }
            Some('|' | '{' | '}') => return Err(self.fail(open, SyntaxProblem::ExpectedPath)),
            Some(_) => {}
        }
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| c.is_whitespace() || matches!(c, '|' | '"' | '{' | '}'))
            .unwrap_or(self.rest().len());
        self.pos += len;
        let path = self.src.get(start..self.pos).unwrap_or("");
        self.skip_ws();
        let fallback = if self.peek() == Some('|') {
            self.pos += 1;
            self.skip_ws();
            if self.peek() != Some('"') {
                return Err(self.fail(open, SyntaxProblem::ExpectedFallback));
            }
            let text = self.quoted()?;
            self.skip_ws();
            self.close(open, SyntaxProblem::ExpectedClose)?;
            let from = self.out.literals.len();
            self.out.literals.push_str(&text);
            Some(from..self.out.literals.len())
        } else {
            self.close(open, SyntaxProblem::ExpectedClose)?;
            None
        };
        let placeholder = Placeholder::from_path(path).ok_or_else(|| ParseError::Unknown {
            offset: open,
            path: path.to_owned(),
        })?;
        self.out.placeholders += 1;
        self.out.segments.push(Segment::Value {
            placeholder,
            fallback,
        });
        Ok(())
    }

    /// Consumes `}}`, or fails with `problem` at the current position.
    fn close(&mut self, open: usize, problem: SyntaxProblem) -> Result<(), ParseError> {
        if self.rest().starts_with("}}") {
            self.pos += 2;
            Ok(())
        } else {
            Err(self.fail(open, problem))
        }
    }

    /// `problem` at the current position, or an unclosed placeholder at
    /// `open` when no `}}` follows before the next `{{` (the author forgot
    /// the braces rather than wrote something odd inside them).
    fn fail(&self, open: usize, problem: SyntaxProblem) -> ParseError {
        let inner = self.src.get(open + 2..).unwrap_or("");
        let closed = match (inner.find("}}"), inner.find("{{")) {
            (Some(c), Some(o)) => c < o,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if closed {
            syntax(self.pos, problem)
        } else {
            syntax(open, SyntaxProblem::UnclosedPlaceholder)
        }
    }

    /// A quoted string, unescaped; `pos` is at its `"`.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let quote = self.pos;
        let mut text = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = quote + i + 1;
                    return Ok(text);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => text.push(e),
                    Some(_) => return Err(syntax(quote + i, SyntaxProblem::UnknownEscape)),
                    None => break,
                },
                c => text.push(c),
            }
        }
        Err(syntax(quote, SyntaxProblem::UnterminatedQuote))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(src: &str) -> (usize, SyntaxProblem) {
        match parse(src) {
            Err(ParseError::Syntax { offset, problem }) => (offset, problem),
            other => panic!("{src:?}: expected a syntax error, got {other:?}"),
        }
    }

    fn pieces(src: &str) -> Vec<String> {
        let p = parse(src).unwrap_or_else(|e| panic!("{src:?}: {e:?}"));
        p.segments
            .iter()
            .map(|s| match s {
                Segment::Literal(r) => format!("lit:{}", &p.literals[r.clone()]),
                Segment::Value {
                    placeholder,
                    fallback: None,
                } => format!("val:{placeholder}"),
                Segment::Value {
                    placeholder,
                    fallback: Some(r),
                } => format!("val:{placeholder}|{}", &p.literals[r.clone()]),
            })
            .collect()
    }

    #[test]
    fn parses_literals_values_and_fallbacks() {
        assert_eq!(
            pieces("Hi {{customer.first_name}}, #{{ ticket.number | \"?\" }}."),
            [
                "lit:Hi ",
                "val:customer.first_name",
                "lit:, #",
                "val:ticket.number|?",
                "lit:."
            ]
        );
        assert_eq!(pieces(""), Vec::<String>::new());
        assert_eq!(pieces("a { b } c"), ["lit:a { b } c"]);
    }

    #[test]
    fn quoted_alone_is_literal_and_merges_with_neighbours() {
        assert_eq!(pieces("a {{ \"{{\" }} b {{\"}}\"}}"), ["lit:a {{ b }}"]);
        assert_eq!(
            pieces(r#"{{ agent.name | "say \"hi\" \\ {{x}}" }}"#),
            [r#"val:agent.name|say "hi" \ {{x}}"#]
        );
        assert_eq!(pieces("x{{ \"\" }}y"), ["lit:xy"]);
    }

    #[test]
    fn unicode_whitespace_inside_braces() {
        assert_eq!(pieces("{{\u{3000}ticket.id\u{3000}}}"), ["val:ticket.id"]);
        assert_eq!(pieces("{{\n\tticket.id\r\n}}"), ["val:ticket.id"]);
    }

    #[test]
    fn counts_values_and_literal_bytes() {
        let p = parse("ab{{ticket.id}}{{ \"cd\" }}{{agent.name|\"xyz\"}}").unwrap();
        assert_eq!(p.placeholders, 2);
        assert_eq!(p.literal_bytes, 4);
    }

    #[test]
    fn syntax_errors_and_their_offsets() {
        assert_eq!(
            problem("ab {{ ticket.id"),
            (3, SyntaxProblem::UnclosedPlaceholder)
        );
        assert_eq!(problem("ab {{"), (3, SyntaxProblem::UnclosedPlaceholder));
        assert_eq!(
            problem("ab {{ ticket.id } x"),
            (3, SyntaxProblem::UnclosedPlaceholder)
        );
        assert_eq!(
            problem("{{ customer.name, see {{ ticket.id }}"),
            (0, SyntaxProblem::UnclosedPlaceholder)
        );
        assert_eq!(problem("a }} b"), (2, SyntaxProblem::StrayClose));
        assert_eq!(problem("{{ticket.id}}}}"), (13, SyntaxProblem::StrayClose));
        assert_eq!(problem("x {{ }}"), (2, SyntaxProblem::EmptyPlaceholder));
        assert_eq!(problem("x {{}}"), (2, SyntaxProblem::EmptyPlaceholder));
        assert_eq!(
            problem("{{ agent.name | \"abc }}"),
            (16, SyntaxProblem::UnterminatedQuote)
        );
        assert_eq!(problem("{{ \"abc\\"), (3, SyntaxProblem::UnterminatedQuote));
        assert_eq!(
            problem("{{ \"a\\nb\" }}"),
            (5, SyntaxProblem::UnknownEscape)
        );
        assert_eq!(problem("{{ | \"x\" }}"), (3, SyntaxProblem::ExpectedPath));
        assert_eq!(problem("{{{ticket.id}}"), (2, SyntaxProblem::ExpectedPath));
        assert_eq!(
            problem("{{ agent.name | x }}"),
            (16, SyntaxProblem::ExpectedFallback)
        );
        assert_eq!(
            problem("{{ agent.name x }}"),
            (14, SyntaxProblem::ExpectedClose)
        );
        assert_eq!(
            problem("{{ \"a\" | \"b\" }}"),
            (7, SyntaxProblem::ExpectedClose)
        );
    }

    #[test]
    fn unknown_path_names_it_at_the_opening() {
        assert_eq!(
            parse("hi {{ ticket.notes }}"),
            Err(ParseError::Unknown {
                offset: 3,
                path: "ticket.notes".into()
            })
        );
        // Paths are case-sensitive.
        assert!(matches!(
            parse("{{Ticket.Id}}"),
            Err(ParseError::Unknown { .. })
        ));
    }
}
