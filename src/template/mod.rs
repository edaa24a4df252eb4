//! Reply templates: texts with placeholders (`{{ customer.first_name }}`,
//! `{{ sla.next_deadline | "soon" }}`), per locale with declared fallbacks,
//! rendered from the customer's view of a ticket.
//!
//! - A [`TemplateSet`] is data (JSON, unknown keys rejected), checked when
//!   it is loaded: ids, locale tags, the syntax of every text and every
//!   placeholder path against the fixed registry ([`Placeholder`]), the
//!   fallbacks and the limits. An unknown placeholder is a load error
//!   ([`TemplateError`]), never something that renders as `-` later.
//! - Rendering ([`TemplateSet::render`]) picks the text for the locale asked
//!   for (the exact tag, then its prefixes, then the template's fallbacks,
//!   tags compared case-insensitively), and fills every placeholder from a
//!   [`RenderContext`]. A missing value without a fallback is a
//!   [`RenderError::MissingValue`], never a blank. Status words and dates
//!   are in the text's language: English, Simplified or Traditional
//!   Chinese (other languages use the English words and format).
//! - A [`RenderContext`] is built only from a
//!   [`CustomerTicketView`](crate::model::CustomerTicketView), so an
//!   internal note can never reach a reply through a template.
//!
//! # Syntax
//!
//! | written | renders |
//! |---|---|
//! | `{{ ticket.number }}` (spaces optional) | the value; an error when it is missing |
//! | `{{ customer.first_name \| "there" }}` | the value, or `there` when it is missing |
//! | `{{ "{{" }}`, `{{ "}}" }}` | a literal `{{`, `}}` (a quoted string alone is literal text) |
//! | `{`, `}` | themselves |
//!
//! Quoted strings take the escapes `\"` and `\\`. A `{{` without `}}`, a
//! `}}` outside a placeholder, an empty `{{ }}`, an unterminated quote, an
//! unknown escape or path are load errors that name the template, the
//! locale, the byte offset and a snippet of the text. Values are inserted
//! verbatim and never expanded again: a customer name containing `{{` is
//! shown as written.
//!
//! # Placeholders
//!
//! `ticket.id`, `ticket.number` (first 8 hex digits of the id),
//! `ticket.subject`, `ticket.status` (the customer's word: en "open /
//! awaiting your reply / solved / closed", zh-Hans "处理中 / 等待您的回复 /
//! 已解决 / 已关闭", zh-Hant "處理中 / 等待您的回覆 / 已解決 / 已關閉"),
//! `ticket.created_at`, `customer.name`, `customer.first_name`,
//! `agent.name`, `agent.first_name`, `sla.next_deadline`, `company.name`.
//! Times are in the customer's zone: en `Tue 3 Mar 2026, 14:00 CET`, zh
//! `2026年3月3日 星期二 14:00 (CET)`.
//!
//! # Limits
//!
//! A text of at most [`MAX_TEMPLATE_BYTES`] with at most
//! [`MAX_PLACEHOLDERS`] placeholders, at most [`MAX_TEMPLATES`] templates
//! in a set, ids of 1 to [`MAX_ID_CHARS`] characters of `[a-z0-9_.-]`,
//! locale tags of 1 to 35 characters (`lang[-subtag]*`, subtags of 1 to 8
//! ASCII letters or digits), output of at most [`MAX_OUTPUT_BYTES`].
//!
//! ```
//! use supportdesk::template::{RenderContext, RenderError, TemplateSet};
//! use supportdesk::model::{CustomerStatus, CustomerTicketView};
//! use supportdesk::id::{CustomerId, TicketId};
//!
//! let set = TemplateSet::from_json(r#"{ "templates": [
//!   { "id": "pending_reminder", "name": "Pending reminder", "fallback": ["en"],
//!     "text": {
//!       "en": "Hi {{ customer.first_name | \"there\" }}, we are waiting for your answer on #{{ ticket.number }}. We will close it on {{ sla.next_deadline | \"soon\" }}.",
//!       "zh-Hans": "{{ customer.name | \"您好\" }}，工单 #{{ ticket.number }} 正在{{ ticket.status }}。"
//!     } } ] }"#)?;
//!
//! let view = CustomerTicketView {
//!     ticket: TicketId::from_u128(0x0195a3c4_0000_7000_8000_000000000001),
//!     customer: CustomerId::from_u128(1),
//!     subject: "Parcel late".into(),
//!     status: CustomerStatus::AwaitingYourReply,
//!     created_at: "2026-03-02T09:00:00Z".parse()?,
//!     messages: vec![],
//! };
//! let ctx = RenderContext::new(&view)
//!     .customer_name("Ana Silva")
//!     .next_deadline("2026-03-03T13:00:00Z".parse()?)
//!     .time_zone(chrono_tz::Europe::Berlin);
//!
//! let en = set.render("pending_reminder", "en-GB", &ctx)?;
//! assert_eq!(en.locale, "en");
//! assert_eq!(en.text, "Hi Ana, we are waiting for your answer on #0195a3c4. We will close it on Tue 3 Mar 2026, 14:00 CET.");
//!
//! let zh = set.render("pending_reminder", "zh-Hans-CN", &ctx)?;
//! assert_eq!(zh.text, "Ana Silva，工单 #0195a3c4 正在等待您的回复。");
//!
//! // No text for French: the template's fallback, English.
//! assert_eq!(set.render("pending_reminder", "fr", &ctx)?.locale, "en");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod locale;
mod parse;
mod placeholder;
mod render;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use error::{RenderError, SyntaxProblem, TemplateError};
pub use placeholder::{Placeholder, UnknownPlaceholder};
pub use render::{RenderContext, Rendered};

use error::snippet;
use locale::{Lang, chain, invalid_tag};
use parse::{ParseError, Parsed, Segment, parse};

/// The longest text of a template, in bytes: 64 KiB.
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;

/// The most placeholders one text may have (quoted literals such as
/// `{{ "{{" }}` do not count).
pub const MAX_PLACEHOLDERS: usize = 256;

/// The most templates a [`TemplateSet`] may hold.
pub const MAX_TEMPLATES: usize = 10_000;

/// The longest template id, in characters.
pub const MAX_ID_CHARS: usize = 100;

/// The longest rendered text, in bytes: 1 MiB (the default maximum message
/// body of the lifecycle rules).
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// How many placeholders the registry has.
const PLACEHOLDER_COUNT: usize = Placeholder::ALL.len();

/// One locale's text of a template, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Text {
    /// The locale tag as written.
    locale: String,
    /// The text as written.
    source: String,
    /// The text as segments.
    parsed: Parsed,
}

/// A reply template: an id, an optional name, a text per locale and the
/// locales to fall back to. Always valid: built by [`Template::new`],
/// [`Template::from_json`] or serde, which run the same checks.
///
/// Its JSON (as in a [`TemplateSet`]):
///
/// ```json
/// { "id": "pending_reminder", "name": "Pending reminder", "fallback": ["en"],
///   "text": { "en": "Hi {{ customer.first_name | \"there\" }}", "zh-Hant": "..." } }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TemplateData")]
pub struct Template {
    id: String,
    name: Option<String>,
    fallback: Vec<String>,
    texts: Vec<Text>,
}

/// A template's serde form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateData {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    fallback: Vec<String>,
    text: Texts,
}

/// The `text` map, in order and with any duplicate keys kept (so that a
/// duplicate locale is an error rather than silently dropped).
#[derive(Debug, Default)]
struct Texts(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Texts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from locale tag to template text")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Texts, A::Error> {
                let mut texts = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    texts.push(entry);
                }
                Ok(Texts(texts))
            }
        }
        d.deserialize_map(V)
    }
}

impl TryFrom<TemplateData> for Template {
    type Error = TemplateError;
    fn try_from(d: TemplateData) -> Result<Self, TemplateError> {
        let t = Template::new(d.id, d.text.0)?;
        let t = match d.name {
            Some(name) => t.with_name(name),
            None => t,
        };
        t.with_fallback(d.fallback)
    }
}

/// A template serialised: its JSON form, borrowed.
#[derive(Serialize)]
struct TemplateRef<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    fallback: &'a [String],
    text: TextsRef<'a>,
}

/// The `text` map, serialised in the template's order.
struct TextsRef<'a>(&'a [Text]);

impl Serialize for TextsRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for t in self.0 {
            map.serialize_entry(&t.locale, &t.source)?;
        }
        map.end()
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TemplateRef {
            id: &self.id,
            name: self.name.as_deref(),
            fallback: &self.fallback,
            text: TextsRef(&self.texts),
        }
        .serialize(s)
    }
}

/// Why `id` is not a template id, if it is not one.
fn invalid_id(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("it is empty")
    } else if id.chars().count() > MAX_ID_CHARS {
        Some("it is longer than 100 characters")
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
    {
        Some("it has a character other than a-z, 0-9, '_', '.' and '-'")
    } else {
        None
    }
}

impl Template {
    /// A template with an id and its texts, `(locale, text)` pairs (no name,
    /// no fallback: see [`with_name`](Self::with_name) and
    /// [`with_fallback`](Self::with_fallback)).
    ///
    /// # Errors
    /// [`TemplateError::InvalidId`], [`TemplateError::NoText`],
    /// [`TemplateError::InvalidLocale`], [`TemplateError::DuplicateLocale`],
    /// [`TemplateError::TextTooLong`], [`TemplateError::Syntax`],
    /// [`TemplateError::UnknownPlaceholder`],
    /// [`TemplateError::TooManyPlaceholders`].
    ///
    /// ```
    /// use supportdesk::template::{Template, TemplateError};
    ///
    /// let t = Template::new("thanks", [("en", "Thanks, {{ customer.first_name | \"there\" }}!")])?;
    /// assert_eq!(t.locales().collect::<Vec<_>>(), ["en"]);
    /// let bad = Template::new("thanks", [("en", "Thanks {{ customer.nickname }}")]);
    /// assert!(matches!(bad, Err(TemplateError::UnknownPlaceholder { .. })));
    /// # Ok::<(), TemplateError>(())
    /// ```
    pub fn new<L, T>(
        id: impl Into<String>,
        texts: impl IntoIterator<Item = (L, T)>,
    ) -> Result<Template, TemplateError>
    where
        L: Into<String>,
        T: Into<String>,
    {
        let id = id.into();
        if let Some(reason) = invalid_id(&id) {
            return Err(TemplateError::InvalidId {
                id: snippet(&id),
                reason,
            });
        }
        let mut parsed: Vec<Text> = Vec::new();
        for (locale, source) in texts {
            let (locale, source) = (locale.into(), source.into());
            parsed.push(Self::check_text(&id, &parsed, locale, source)?);
        }
        if parsed.is_empty() {
            return Err(TemplateError::NoText { template: id });
        }
        Ok(Template {
            id,
            name: None,
            fallback: Vec::new(),
            texts: parsed,
        })
    }

    /// Checks and parses one text of template `id`, given the texts before it.
    fn check_text(
        id: &str,
        before: &[Text],
        locale: String,
        source: String,
    ) -> Result<Text, TemplateError> {
        if let Some(reason) = invalid_tag(&locale) {
            return Err(TemplateError::InvalidLocale {
                template: id.to_owned(),
                locale: snippet(&locale),
                reason,
            });
        }
        if before
            .iter()
            .any(|t| t.locale.eq_ignore_ascii_case(&locale))
        {
            return Err(TemplateError::DuplicateLocale {
                template: id.to_owned(),
                locale,
            });
        }
        if source.len() > MAX_TEMPLATE_BYTES {
            return Err(TemplateError::TextTooLong {
                template: id.to_owned(),
                locale,
                bytes: source.len(),
                max: MAX_TEMPLATE_BYTES,
            });
        }
        let parsed = match parse(&source) {
            Ok(p) => p,
            Err(ParseError::Syntax { offset, problem }) => {
                return Err(TemplateError::Syntax {
                    template: id.to_owned(),
                    snippet: snippet(source.get(offset..).unwrap_or("")),
                    locale,
                    offset,
                    problem,
                });
            }
            Err(ParseError::Unknown { offset, path }) => {
                return Err(TemplateError::UnknownPlaceholder {
                    template: id.to_owned(),
                    locale,
                    offset,
                    path: snippet(&path),
                });
            }
        };
        if parsed.placeholders > MAX_PLACEHOLDERS {
            return Err(TemplateError::TooManyPlaceholders {
                template: id.to_owned(),
                locale,
                count: parsed.placeholders,
                max: MAX_PLACEHOLDERS,
            });
        }
        Ok(Text {
            locale,
            source,
            parsed,
        })
    }

    /// The template with a display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Template {
        self.name = Some(name.into());
        self
    }

    /// The template with the locales to try, in order, when the one asked
    /// for (and its prefixes) has no text. Replaces any fallback list.
    ///
    /// # Errors
    /// [`TemplateError::UnknownFallback`] when a locale has no text in the
    /// template (tags compare case-insensitively).
    pub fn with_fallback<L: Into<String>>(
        mut self,
        locales: impl IntoIterator<Item = L>,
    ) -> Result<Template, TemplateError> {
        let fallback: Vec<String> = locales.into_iter().map(Into::into).collect();
        for f in &fallback {
            if self.find(f).is_none() {
                return Err(TemplateError::UnknownFallback {
                    template: self.id.clone(),
                    locale: snippet(f),
                    available: self.locales().map(str::to_owned).collect(),
                });
            }
        }
        self.fallback = fallback;
        Ok(self)
    }

    /// A template from its JSON (see the type docs).
    ///
    /// # Errors
    /// [`TemplateError::Json`] for malformed JSON or unknown keys, and every
    /// error of [`Template::new`] and [`Template::with_fallback`].
    pub fn from_json(json: &str) -> Result<Template, TemplateError> {
        let data: TemplateData = serde_json::from_str(json).map_err(|e| TemplateError::Json {
            message: e.to_string(),
        })?;
        Template::try_from(data)
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The fallback locales, in order.
    pub fn fallback(&self) -> &[String] {
        &self.fallback
    }

    /// The locales the template has a text for, as written, in order.
    pub fn locales(&self) -> impl Iterator<Item = &str> + '_ {
        self.texts.iter().map(|t| t.locale.as_str())
    }

    /// The text for exactly this locale (case-insensitive), as written.
    pub fn text(&self, locale: &str) -> Option<&str> {
        self.find(locale).map(|t| t.source.as_str())
    }

    /// Every placeholder some text of the template uses.
    pub fn placeholders(&self) -> BTreeSet<Placeholder> {
        self.texts
            .iter()
            .flat_map(|t| &t.parsed.segments)
            .filter_map(|s| match s {
                Segment::Value { placeholder, .. } => Some(*placeholder),
                Segment::Literal(_) => None,
            })
            .collect()
    }

    /// The locale whose text a render for `locale` uses, as written in the
    /// template: `locale`, then its prefixes (`zh-Hant-TW`, `zh-Hant`,
    /// `zh`), then the fallbacks in order; tags compare case-insensitively.
    pub fn resolve_locale(&self, locale: &str) -> Option<&str> {
        self.resolve(locale).map(|t| t.locale.as_str())
    }

    fn find(&self, locale: &str) -> Option<&Text> {
        self.texts
            .iter()
            .find(|t| t.locale.eq_ignore_ascii_case(locale))
    }

    fn resolve(&self, locale: &str) -> Option<&Text> {
        chain(locale)
            .find_map(|l| self.find(l))
            .or_else(|| self.fallback.iter().find_map(|l| self.find(l)))
    }

    /// Renders the text for `locale` (see
    /// [`resolve_locale`](Self::resolve_locale)) from `ctx`.
    ///
    /// # Errors
    /// [`RenderError::NoLocale`] when no text fits,
    /// [`RenderError::MissingValue`] for a placeholder without value or
    /// fallback, [`RenderError::OutputTooLong`] past [`MAX_OUTPUT_BYTES`].
    pub fn render(&self, locale: &str, ctx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let text = self.resolve(locale).ok_or_else(|| RenderError::NoLocale {
            template: self.id.clone(),
            locale: locale.to_owned(),
            available: self.locales().map(str::to_owned).collect(),
        })?;
        let lang = Lang::of(&text.locale);
        let p = &text.parsed;
        // Pass 1: every value, once, and the output's length.
        let mut values: [Option<Option<Cow<'_, str>>>; PLACEHOLDER_COUNT] =
            [const { None }; PLACEHOLDER_COUNT];
        let mut bytes = p.literal_bytes;
        for segment in &p.segments {
            if let Segment::Value {
                placeholder,
                fallback,
            } = segment
            {
                let Some(slot) = values.get_mut(placeholder.index()) else {
                    continue;
                };
                let value = slot.get_or_insert_with(|| ctx.value(*placeholder, lang));
                let len = match (value, fallback) {
                    (Some(v), _) => v.len(),
                    (None, Some(f)) => f.len(),
                    (None, None) => {
                        return Err(RenderError::MissingValue {
                            template: self.id.clone(),
                            locale: text.locale.clone(),
                            placeholder: *placeholder,
                        });
                    }
                };
                bytes = bytes.saturating_add(len);
            }
        }
        if bytes > MAX_OUTPUT_BYTES {
            return Err(RenderError::OutputTooLong {
                template: self.id.clone(),
                locale: text.locale.clone(),
                bytes,
                max: MAX_OUTPUT_BYTES,
            });
        }
        // Pass 2: one allocation, one copy of each piece.
        let mut out = String::with_capacity(bytes);
        for segment in &p.segments {
            match segment {
                Segment::Literal(r) => out.push_str(p.literals.get(r.clone()).unwrap_or("")),
                Segment::Value {
                    placeholder,
                    fallback,
                } => match values.get(placeholder.index()) {
                    Some(Some(Some(v))) => out.push_str(v),
                    _ => {
                        let f = fallback.clone().and_then(|r| p.literals.get(r));
                        out.push_str(f.unwrap_or(""));
                    }
                },
            }
        }
        Ok(Rendered {
            text: out,
            locale: text.locale.clone(),
        })
    }
}

/// A set of templates with unique ids, in the order they were loaded.
///
/// Loaded from JSON with [`TemplateSet::from_json`] (or serde, which runs
/// the same checks), or built with [`TemplateSet::insert`]; serialising
/// gives the JSON back.
///
/// ```
/// use supportdesk::template::{RenderContext, RenderError, TemplateError, TemplateSet};
/// use supportdesk::model::{CustomerStatus, CustomerTicketView};
/// use supportdesk::id::{CustomerId, TicketId};
///
/// let set = TemplateSet::from_json(r#"{ "templates": [
///   { "id": "solved", "fallback": ["en"], "text": {
///       "en": "Hi {{ customer.first_name | \"there\" }}, ticket #{{ ticket.number }} is {{ ticket.status }}. {{ agent.first_name }}",
///       "zh-Hant": "{{ customer.name | \"您好\" }}，工單 #{{ ticket.number }} {{ ticket.status }}。{{ agent.name }}" } } ] }"#)?;
///
/// let view = CustomerTicketView {
///     ticket: TicketId::from_u128(0xdeadbeef_0000_4000_8000_000000000000),
///     customer: CustomerId::from_u128(1),
///     subject: "Refund".into(),
///     status: CustomerStatus::Solved,
///     created_at: "2026-03-02T09:00:00Z".parse()?,
///     messages: vec![],
/// };
/// let ctx = RenderContext::new(&view).agent_name("Bob Lee");
/// let r = set.render("solved", "en-US", &ctx)?;
/// assert_eq!(r.text, "Hi there, ticket #deadbeef is solved. Bob");
/// let r = set.render("solved", "zh-Hant-TW", &ctx)?;
/// assert_eq!(r.text, "您好，工單 #deadbeef 已解決。Bob Lee");
///
/// // No agent name and no fallback: an error, never a blank.
/// let err = set.render("solved", "en", &RenderContext::new(&view)).unwrap_err();
/// assert!(matches!(err, RenderError::MissingValue { .. }));
///
/// // An unknown placeholder does not load.
/// let err = TemplateSet::from_json(r#"{"templates": [{"id": "x", "text": {"en": "{{ ticket.note }}"}}]}"#).unwrap_err();
/// assert!(err.to_string().contains("ticket.note"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SetData")]
pub struct TemplateSet {
    templates: Vec<Template>,
    index: HashMap<String, usize>,
}

/// A template set's serde form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetData {
    templates: Vec<TemplateData>,
}

impl TryFrom<SetData> for TemplateSet {
    type Error = TemplateError;
    fn try_from(d: SetData) -> Result<Self, TemplateError> {
        if d.templates.len() > MAX_TEMPLATES {
            return Err(TemplateError::TooManyTemplates {
                count: d.templates.len(),
                max: MAX_TEMPLATES,
            });
        }
        let mut set = TemplateSet::new();
        for t in d.templates {
            set.insert(Template::try_from(t)?)?;
        }
        Ok(set)
    }
}

/// A template set serialised, borrowed.
#[derive(Serialize)]
struct SetRef<'a> {
    templates: &'a [Template],
}

impl Serialize for TemplateSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SetRef {
            templates: &self.templates,
        }
        .serialize(s)
    }
}

impl TemplateSet {
    /// An empty set.
    pub fn new() -> TemplateSet {
        TemplateSet::default()
    }

    /// A set from its JSON: `{"templates": [...]}`.
    ///
    /// # Errors
    /// [`TemplateError::Json`] for malformed JSON or unknown keys,
    /// [`TemplateError::DuplicateId`], [`TemplateError::TooManyTemplates`],
    /// and every error of [`Template::new`] and [`Template::with_fallback`].
    pub fn from_json(json: &str) -> Result<TemplateSet, TemplateError> {
        let data: SetData = serde_json::from_str(json).map_err(|e| TemplateError::Json {
            message: e.to_string(),
        })?;
        TemplateSet::try_from(data)
    }

    /// Adds a template.
    ///
    /// # Errors
    /// [`TemplateError::DuplicateId`] when the set has a template with its
    /// id, [`TemplateError::TooManyTemplates`] when the set is full.
    pub fn insert(&mut self, template: Template) -> Result<(), TemplateError> {
        if self.index.contains_key(&template.id) {
            return Err(TemplateError::DuplicateId { id: template.id });
        }
        if self.templates.len() >= MAX_TEMPLATES {
            return Err(TemplateError::TooManyTemplates {
                count: self.templates.len() + 1,
                max: MAX_TEMPLATES,
            });
        }
        self.index.insert(template.id.clone(), self.templates.len());
        self.templates.push(template);
        Ok(())
    }

    /// The template with this id.
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.index.get(id).and_then(|&i| self.templates.get(i))
    }

    /// The templates, in the order they were added.
    pub fn iter(&self) -> std::slice::Iter<'_, Template> {
        self.templates.iter()
    }

    /// How many templates the set has.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Whether the set has no template.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// Renders template `id` for `locale` from `ctx` (see
    /// [`Template::render`]).
    ///
    /// # Errors
    /// [`RenderError::UnknownTemplate`] when the set has no template `id`,
    /// and the errors of [`Template::render`].
    pub fn render(
        &self,
        id: &str,
        locale: &str,
        ctx: &RenderContext<'_>,
    ) -> Result<Rendered, RenderError> {
        self.get(id)
            .ok_or_else(|| RenderError::UnknownTemplate {
                template: snippet(id),
            })?
            .render(locale, ctx)
    }
}

impl<'a> IntoIterator for &'a TemplateSet {
    type Item = &'a Template;
    type IntoIter = std::slice::Iter<'a, Template>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{CustomerId, TicketId};
    use crate::model::{CustomerStatus, CustomerTicketView};

    fn view() -> CustomerTicketView {
        CustomerTicketView {
            ticket: TicketId::from_u128(1),
            customer: CustomerId::from_u128(1),
            subject: "Parcel".into(),
            status: CustomerStatus::Open,
            created_at: "2026-03-03T13:00:00Z".parse().unwrap(),
            messages: vec![],
        }
    }

    #[test]
    fn duplicate_json_keys_are_not_dropped() {
        let e = Template::from_json(r#"{"id": "a", "text": {"en": "x", "en": "y"}}"#).unwrap_err();
        assert!(
            matches!(e, TemplateError::DuplicateLocale { ref locale, .. } if locale == "en"),
            "{e}"
        );
        let e = Template::from_json(r#"{"id": "a", "text": {"en": "x", "EN": "y"}}"#).unwrap_err();
        assert!(matches!(e, TemplateError::DuplicateLocale { .. }), "{e}");
    }

    #[test]
    fn serialises_texts_in_order_and_skips_defaults() {
        let t = Template::new("a", [("zh-Hant", "乙"), ("en", "b")]).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"id":"a","text":{"zh-Hant":"乙","en":"b"}}"#);
        let back: Template = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn output_is_allocated_once_at_its_size() {
        let t = Template::new(
            "a",
            [(
                "en",
                "{{ \"{{\" }}{{ticket.number}} {{ agent.name | \"Support\" }} {{ticket.number}}!",
            )],
        )
        .unwrap();
        let v = view();
        let r = t.render("en", &RenderContext::new(&v)).unwrap();
        assert_eq!(r.text, "{{00000000 Support 00000000!");
        assert_eq!(r.text.capacity(), r.text.len());
    }

    #[test]
    fn invalid_ids() {
        for bad in ["", "Upper", "has space", "é", &"a".repeat(101)] {
            let e = Template::new(bad, [("en", "x")]).unwrap_err();
            assert!(matches!(e, TemplateError::InvalidId { .. }), "{bad:?}: {e}");
        }
        for ok in ["a", "pending_reminder", "v1.2-x", &"a".repeat(100)] {
            assert!(Template::new(ok, [("en", "x")]).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn long_values_in_errors_are_cut() {
        let e = Template::new("a".repeat(5000), [("en", "x")]).unwrap_err();
        assert!(e.to_string().len() < 200, "{e}");
        let e =
            Template::new("a", [("en", format!("{{{{ {} }}}}", "x".repeat(5000)))]).unwrap_err();
        assert!(matches!(e, TemplateError::UnknownPlaceholder { .. }));
        // The list of known placeholders is long; the path is not.
        assert!(e.to_string().len() < 400, "{e}");
    }
}
