//! Why a template could not be loaded or rendered.

use std::fmt;

use super::placeholder::Placeholder;

/// What is wrong with a template text's syntax (see
/// [`TemplateError::Syntax`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyntaxProblem {
    /// A `{{` with no `}}` after it.
    UnclosedPlaceholder,
    /// A `}}` outside a placeholder (write a literal `}}` as `{{ "}}" }}`).
    StrayClose,
    /// `{{ }}`: nothing between the braces.
    EmptyPlaceholder,
    /// A `"` with no closing `"`.
    UnterminatedQuote,
    /// A backslash in a quoted string followed by something other than
    /// `"` or `\`.
    UnknownEscape,
    /// Something other than a path or a quoted string after `{{`.
    ExpectedPath,
    /// Something other than a quoted string after `|`.
    ExpectedFallback,
    /// Something other than `|` or `}}` after a path, or other than `}}`
    /// after a quoted string.
    ExpectedClose,
}

impl fmt::Display for SyntaxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyntaxProblem::UnclosedPlaceholder => "`{{` is never closed by `}}`",
            SyntaxProblem::StrayClose => {
                "`}}` outside a placeholder (write a literal `}}` as `{{ \"}}\" }}`)"
            }
            SyntaxProblem::EmptyPlaceholder => "empty placeholder `{{ }}`",
            SyntaxProblem::UnterminatedQuote => "unterminated quoted string",
            SyntaxProblem::UnknownEscape => {
                "unknown escape in a quoted string (only `\\\"` and `\\\\` are escapes)"
            }
            SyntaxProblem::ExpectedPath => {
                "expected a placeholder path or a quoted string after `{{`"
            }
            SyntaxProblem::ExpectedFallback => "expected a quoted fallback string after `|`",
            SyntaxProblem::ExpectedClose => "expected `|` or `}}`",
        })
    }
}

/// Why a template or a template set could not be loaded. Every message
/// names the template id, the locale and the bad text where there is one;
/// long texts are shown as a snippet of at most 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The JSON is malformed or has unknown keys (the message names them).
    #[error("template JSON: {message}")]
    Json {
        /// serde_json's message, with line and column.
        message: String,
    },
    /// An id that is not 1 to 100 characters of `[a-z0-9_.-]`.
    #[error("invalid template id {id:?}: {reason}")]
    InvalidId {
        /// The id (a snippet when it is long).
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two templates of a set share an id.
    #[error("two templates have the id {id:?}")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A set with more than [`MAX_TEMPLATES`](super::MAX_TEMPLATES) templates.
    #[error("a template set of {count} templates is over the limit of {max}")]
    TooManyTemplates {
        /// How many templates there are (at least).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A template with no text in any locale.
    #[error("template {template:?} has no text")]
    NoText {
        /// The template id.
        template: String,
    },
    /// A locale tag that is not `lang[-subtag]*` (1 to 35 characters,
    /// subtags of 1 to 8 ASCII letters or digits).
    #[error("template {template:?}: invalid locale tag {locale:?}: {reason}")]
    InvalidLocale {
        /// The template id.
        template: String,
        /// The tag (a snippet when it is long).
        locale: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two texts of a template for the same locale (tags compare
    /// case-insensitively).
    #[error("template {template:?} has two texts for locale {locale:?}")]
    DuplicateLocale {
        /// The template id.
        template: String,
        /// The second tag.
        locale: String,
    },
    /// A `fallback` entry naming a locale the template has no text for.
    #[error(
        "template {template:?}: fallback locale {locale:?} has no text (the template has: {})",
        available.join(", ")
    )]
    UnknownFallback {
        /// The template id.
        template: String,
        /// The fallback entry.
        locale: String,
        /// The locales the template has.
        available: Vec<String>,
    },
    /// A text longer than [`MAX_TEMPLATE_BYTES`](super::MAX_TEMPLATE_BYTES).
    #[error(
        "template {template:?}, locale {locale:?}: text of {bytes} bytes is over the limit of {max} bytes"
    )]
    TextTooLong {
        /// The template id.
        template: String,
        /// The locale.
        locale: String,
        /// The text's length in bytes.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A text with more than
    /// [`MAX_PLACEHOLDERS`](super::MAX_PLACEHOLDERS) placeholders.
    #[error(
        "template {template:?}, locale {locale:?}: {count} placeholders are over the limit of {max}"
    )]
    TooManyPlaceholders {
        /// The template id.
        template: String,
        /// The locale.
        locale: String,
        /// How many placeholders the text has.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A syntax error in a text.
    #[error("template {template:?}, locale {locale:?}, byte {offset}: {problem}, at {snippet:?}")]
    Syntax {
        /// The template id.
        template: String,
        /// The locale.
        locale: String,
        /// Byte offset in the text where the problem starts (the `{{`, the
        /// `}}`, the `"` or the unexpected character).
        offset: usize,
        /// What is wrong.
        problem: SyntaxProblem,
        /// The text from `offset`, at most 40 characters.
        snippet: String,
    },
    /// A placeholder path that is not in the registry ([`Placeholder::ALL`]).
    #[error(
        "template {template:?}, locale {locale:?}, byte {offset}: unknown placeholder {path:?}; the known placeholders are: {}",
        Placeholder::known_paths()
    )]
    UnknownPlaceholder {
        /// The template id.
        template: String,
        /// The locale.
        locale: String,
        /// Byte offset of the placeholder's `{{`.
        offset: usize,
        /// The path (a snippet when it is long).
        path: String,
    },
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// No template with this id in the set.
    #[error("no template with the id {template:?}")]
    UnknownTemplate {
        /// The id asked for.
        template: String,
    },
    /// Neither the locale asked for, nor its prefixes, nor the template's
    /// fallbacks have a text.
    #[error(
        "template {template:?} has no text for locale {locale:?} or its fallbacks (it has: {})",
        available.join(", ")
    )]
    NoLocale {
        /// The template id.
        template: String,
        /// The locale asked for.
        locale: String,
        /// The locales the template has.
        available: Vec<String>,
    },
    /// A placeholder with no value (or an empty one) and no fallback.
    #[error(
        "template {template:?}, locale {locale:?}: no value for {placeholder} and the placeholder has no fallback"
    )]
    MissingValue {
        /// The template id.
        template: String,
        /// The locale rendered.
        locale: String,
        /// The placeholder.
        placeholder: Placeholder,
    },
    /// The output would be longer than
    /// [`MAX_OUTPUT_BYTES`](super::MAX_OUTPUT_BYTES).
    #[error(
        "template {template:?}, locale {locale:?}: output of {bytes} bytes is over the limit of {max} bytes"
    )]
    OutputTooLong {
        /// The template id.
        template: String,
        /// The locale rendered.
        locale: String,
        /// The output's length in bytes (at least).
        bytes: usize,
        /// The limit.
        max: usize,
    },
}

/// At most 40 characters of `s` (with `…` when cut), for error messages.
pub(crate) fn snippet(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or(s)),
        None => s.to_owned(),
    }
}
