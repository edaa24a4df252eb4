//! Reply templates (`supportdesk::template`) through the public API only:
//! every placeholder in en, zh-Hans and zh-Hant, the locale fallback chain,
//! every load error, missing values against fallbacks, values never
//! re-expanded, internal notes never reachable, times across a DST change,
//! and properties (no panic on any input; what loads renders and
//! round-trips).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use supportdesk::id::{AgentId, CustomerId, TicketId};
use supportdesk::model::{CustomerStatus, CustomerTicketView};
use supportdesk::template::{
    MAX_OUTPUT_BYTES, MAX_PLACEHOLDERS, MAX_TEMPLATE_BYTES, MAX_TEMPLATES, Placeholder,
    RenderContext, RenderError, Rendered, SyntaxProblem, Template, TemplateError, TemplateSet,
};
use supportdesk::testing::TicketBuilder;
use supportdesk::{Status, Ticket};

const TICKET: u128 = 0x0195_a3c4_7d2e_7b1a_9c3f_5e6d_7a8b_9c0d;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn view(status: CustomerStatus) -> CustomerTicketView {
    CustomerTicketView {
        ticket: TicketId::from_u128(TICKET),
        customer: CustomerId::from_u128(1),
        subject: "Parcel late".into(),
        status,
        created_at: at("2026-03-03T13:00:00Z"),
        messages: vec![],
    }
}

/// A context with every value set, in Berlin.
fn full(view: &CustomerTicketView) -> RenderContext<'_> {
    RenderContext::new(view)
        .customer_name("Ana Silva")
        .agent_name("Bob Lee")
        .company_name("Shop & Co")
        .next_deadline(at("2026-03-04T08:30:00Z"))
        .time_zone(zone("Europe/Berlin"))
}

fn set(json: &str) -> TemplateSet {
    TemplateSet::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(json: &str) -> TemplateError {
    match TemplateSet::from_json(json) {
        Ok(s) => panic!("loaded, expected an error: {s:?}"),
        Err(e) => e,
    }
}

fn render(set: &TemplateSet, id: &str, locale: &str, ctx: &RenderContext<'_>) -> Rendered {
    set.render(id, locale, ctx)
        .unwrap_or_else(|e| panic!("{id} {locale}: {e}"))
}

/// A one-template set with one text, as JSON.
fn one(id: &str, locale: &str, text: &str) -> String {
    serde_json::json!({"templates": [{"id": id, "text": {locale: text}}]}).to_string()
}

const EVERYTHING: &str = "{{ticket.id}}|{{ticket.number}}|{{ticket.subject}}|{{ticket.status}}|{{ticket.created_at}}|{{customer.name}}|{{customer.first_name}}|{{agent.name}}|{{agent.first_name}}|{{sla.next_deadline}}|{{company.name}}";

#[test]
fn every_placeholder_in_every_language() {
    let s = set(&serde_json::json!({"templates": [{"id": "all", "text": {
        "en": EVERYTHING, "zh-Hans": EVERYTHING, "zh-Hant": EVERYTHING }}]})
    .to_string());
    // Every placeholder of the registry is in the text.
    let used = s.get("all").map(Template::placeholders).unwrap_or_default();
    assert_eq!(used.into_iter().collect::<Vec<_>>(), Placeholder::ALL);
    let v = view(CustomerStatus::AwaitingYourReply);
    let ctx = full(&v);
    let id = "0195a3c4-7d2e-7b1a-9c3f-5e6d7a8b9c0d";
    assert_eq!(
        render(&s, "all", "en", &ctx).text,
        format!(
            "{id}|0195a3c4|Parcel late|awaiting your reply|Tue 3 Mar 2026, 14:00 CET|Ana Silva|Ana|Bob Lee|Bob|Wed 4 Mar 2026, 09:30 CET|Shop & Co"
        )
    );
    assert_eq!(
        render(&s, "all", "zh-Hans", &ctx).text,
        format!(
            "{id}|0195a3c4|Parcel late|等待您的回复|2026年3月3日 星期二 14:00 (CET)|Ana Silva|Ana|Bob Lee|Bob|2026年3月4日 星期三 09:30 (CET)|Shop & Co"
        )
    );
    assert_eq!(
        render(&s, "all", "zh-Hant", &ctx).text,
        format!(
            "{id}|0195a3c4|Parcel late|等待您的回覆|2026年3月3日 星期二 14:00 (CET)|Ana Silva|Ana|Bob Lee|Bob|2026年3月4日 星期三 09:30 (CET)|Shop & Co"
        )
    );
}

#[test]
fn status_words_per_language() {
    let s = set(&serde_json::json!({"templates": [{"id": "s", "text": {
        "en": "{{ticket.status}}", "zh-Hans": "{{ticket.status}}", "zh-Hant": "{{ticket.status}}",
        "fr": "{{ticket.status}}" }}]})
    .to_string());
    let cases = [
        (CustomerStatus::Open, ["open", "处理中", "處理中"]),
        (
            CustomerStatus::AwaitingYourReply,
            ["awaiting your reply", "等待您的回复", "等待您的回覆"],
        ),
        (CustomerStatus::Solved, ["solved", "已解决", "已解決"]),
        (CustomerStatus::Closed, ["closed", "已关闭", "已關閉"]),
    ];
    for (status, [en, hans, hant]) in cases {
        let v = view(status);
        let ctx = RenderContext::new(&v);
        assert_eq!(render(&s, "s", "en", &ctx).text, en);
        assert_eq!(render(&s, "s", "zh-Hans", &ctx).text, hans);
        assert_eq!(render(&s, "s", "zh-Hant", &ctx).text, hant);
        // Other languages use the English words.
        assert_eq!(render(&s, "s", "fr", &ctx).text, en);
    }
}

#[test]
fn first_names_from_names() {
    let s = set(&one(
        "f",
        "en",
        "{{customer.first_name}}/{{agent.first_name}}",
    ));
    let v = view(CustomerStatus::Open);
    // CJK names have no reliable split: used whole.
    let ctx = RenderContext::new(&v)
        .customer_name("张伟")
        .agent_name("Mary Ann Smith");
    assert_eq!(render(&s, "f", "en", &ctx).text, "张伟/Mary");
    // Host-supplied first names win.
    let ctx = ctx.customer_first_name("伟").agent_first_name("Mary Ann");
    assert_eq!(render(&s, "f", "en", &ctx).text, "伟/Mary Ann");
}

#[test]
fn locale_fallback_chain() {
    let s = set(r#"{"templates": [
        {"id": "t", "fallback": ["en"], "text": {"en": "en", "zh": "zh", "zh-Hant": "zh-Hant"}},
        {"id": "order", "fallback": ["zh-hant", "en"], "text": {"en": "en", "zh-Hant": "zh-Hant"}},
        {"id": "none", "text": {"en": "en", "zh-Hans": "zh-Hans"}}
    ]}"#);
    let v = view(CustomerStatus::Open);
    let ctx = RenderContext::new(&v);
    let used = |id: &str, locale: &str| {
        let r = render(&s, id, locale, &ctx);
        assert_eq!(r.text, r.locale, "the text says which locale it is");
        r.locale
    };
    // Exact tag, case-insensitive.
    assert_eq!(used("t", "zh-Hant"), "zh-Hant");
    assert_eq!(used("t", "ZH-hant"), "zh-Hant");
    // Prefixes: zh-Hant-TW -> zh-Hant -> zh.
    assert_eq!(used("t", "zh-Hant-TW"), "zh-Hant");
    assert_eq!(used("t", "zh-Hans-CN"), "zh");
    assert_eq!(used("t", "en-GB"), "en");
    // Then the declared fallbacks, in order.
    assert_eq!(used("t", "fr-CA"), "en");
    assert_eq!(used("t", ""), "en");
    assert_eq!(used("order", "de"), "zh-Hant");
    assert_eq!(
        s.get("t").and_then(|t| t.resolve_locale("zh-TW")),
        Some("zh")
    );
    // Nothing fits and no fallback.
    match s.render("none", "fr-CA", &ctx) {
        Err(RenderError::NoLocale {
            template,
            locale,
            available,
        }) => {
            assert_eq!(template, "none");
            assert_eq!(locale, "fr-CA");
            assert_eq!(available, ["en", "zh-Hans"]);
        }
        other => panic!("{other:?}"),
    }
    let e = s.render("none", "fr-CA", &ctx).map(|r| r.text).unwrap_err();
    assert!(
        e.to_string().contains("fr-CA") && e.to_string().contains("zh-Hans"),
        "{e}"
    );
    assert!(matches!(
        s.render("nope", "en", &ctx),
        Err(RenderError::UnknownTemplate { template }) if template == "nope"
    ));
}

/// Asserts a syntax error with its offset and problem, and that the
/// message names template, locale, offset and the snippet.
fn syntax(text: &str, offset: usize, problem: SyntaxProblem, snippet: &str) {
    let e = load_err(&one("reply_1", "zh-Hant", text));
    match &e {
        TemplateError::Syntax {
            template,
            locale,
            offset: o,
            problem: p,
            snippet: s,
        } => {
            assert_eq!(
                (template.as_str(), locale.as_str(), *o, *p, s.as_str()),
                ("reply_1", "zh-Hant", offset, problem, snippet),
                "{text:?}"
            );
        }
        other => panic!("{text:?}: {other:?}"),
    }
    let msg = e.to_string();
    // The snippet is quoted (Debug), so control characters show.
    for part in [
        "reply_1",
        "zh-Hant",
        &format!("byte {offset}"),
        &format!("{snippet:?}"),
    ] {
        assert!(msg.contains(part), "{msg:?} lacks {part:?}");
    }
}

#[test]
fn syntax_errors() {
    // Unbalanced both ways.
    syntax(
        "Hi {{ customer.name",
        3,
        SyntaxProblem::UnclosedPlaceholder,
        "{{ customer.name",
    );
    syntax(
        "Hi {{ customer.name, see {{ ticket.id }}",
        3,
        SyntaxProblem::UnclosedPlaceholder,
        "{{ customer.name, see {{ ticket.id }}",
    );
    syntax(
        "Hi {{ customer.name }",
        3,
        SyntaxProblem::UnclosedPlaceholder,
        "{{ customer.name }",
    );
    syntax("Hi }} there", 3, SyntaxProblem::StrayClose, "}} there");
    syntax("{{ ticket.id }}}}", 15, SyntaxProblem::StrayClose, "}}");
    // Empty.
    syntax("a {{}} b", 2, SyntaxProblem::EmptyPlaceholder, "{{}} b");
    syntax(
        "a {{   }} b",
        2,
        SyntaxProblem::EmptyPlaceholder,
        "{{   }} b",
    );
    // Unterminated quote.
    syntax(
        "{{ agent.name | \"Support }}",
        16,
        SyntaxProblem::UnterminatedQuote,
        "\"Support }}",
    );
    syntax("{{ \"", 3, SyntaxProblem::UnterminatedQuote, "\"");
    // Other.
    syntax(
        r#"{{ agent.name | "a\n" }}"#,
        18,
        SyntaxProblem::UnknownEscape,
        r#"\n" }}"#,
    );
    syntax(
        "{{ | \"x\" }}",
        3,
        SyntaxProblem::ExpectedPath,
        "| \"x\" }}",
    );
    syntax(
        "{{ agent.name | Support }}",
        16,
        SyntaxProblem::ExpectedFallback,
        "Support }}",
    );
    syntax(
        "{{ agent.name agent.first_name }}",
        14,
        SyntaxProblem::ExpectedClose,
        "agent.first_name }}",
    );
    // A long snippet is cut at 40 characters.
    let long = format!("{{{{ ticket.id {}", "x".repeat(100));
    syntax(
        &long,
        0,
        SyntaxProblem::UnclosedPlaceholder,
        &format!("{}…", &long[..40]),
    );
}

#[test]
fn literal_braces() {
    let s = set(&one(
        "b",
        "en",
        r#"{ {{ "{{" }}ticket.number{{"}}"}} } {{ "say \"hi\" \\" }}"#,
    ));
    let v = view(CustomerStatus::Open);
    assert_eq!(
        render(&s, "b", "en", &RenderContext::new(&v)).text,
        r#"{ {{ticket.number}} } say "hi" \"#
    );
}

#[test]
fn unknown_placeholder_names_it_and_the_known_ones() {
    let e = load_err(&one("x", "en", "Hi {{ customer.nickname }}"));
    assert!(
        matches!(&e, TemplateError::UnknownPlaceholder { template, locale, offset: 3, path }
            if template == "x" && locale == "en" && path == "customer.nickname"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("customer.nickname"), "{msg}");
    for p in Placeholder::ALL {
        assert!(msg.contains(p.path()), "{msg} lacks {p}");
    }
    // The placeholder's fallback does not excuse an unknown path.
    assert!(matches!(
        load_err(&one("x", "en", "{{ ticket.notes | \"-\" }}")),
        TemplateError::UnknownPlaceholder { .. }
    ));
}

#[test]
fn bad_ids() {
    for bad in ["", "Pending", "pending reminder", "réponse", "a/b"] {
        let e = load_err(&one(bad, "en", "x"));
        assert!(
            matches!(&e, TemplateError::InvalidId { id, .. } if id == bad),
            "{bad:?}: {e:?}"
        );
        assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
    }
    let long = "a".repeat(101);
    assert!(matches!(
        load_err(&one(&long, "en", "x")),
        TemplateError::InvalidId { .. }
    ));
    set(&one(&"a".repeat(100), "en", "x"));
    set(&one("pending_reminder.v2-b", "en", "x"));
}

#[test]
fn fallback_to_a_missing_locale() {
    let e = load_err(
        r#"{"templates": [{"id": "t", "fallback": ["en", "de"], "text": {"en": "x", "zh-Hans": "y"}}]}"#,
    );
    assert_eq!(
        e,
        TemplateError::UnknownFallback {
            template: "t".into(),
            locale: "de".into(),
            available: vec!["en".into(), "zh-Hans".into()],
        }
    );
    assert!(e.to_string().contains("\"de\""), "{e}");
}

#[test]
fn duplicates() {
    let e = load_err(
        r#"{"templates": [{"id": "t", "text": {"en": "x"}}, {"id": "u", "text": {"en": "x"}}, {"id": "t", "text": {"en": "y"}}]}"#,
    );
    assert_eq!(e, TemplateError::DuplicateId { id: "t".into() });
    assert!(e.to_string().contains("\"t\""));
    let e = load_err(r#"{"templates": [{"id": "t", "text": {"en": "x", "EN": "y"}}]}"#);
    assert!(
        matches!(&e, TemplateError::DuplicateLocale { template, locale } if template == "t" && locale == "EN"),
        "{e:?}"
    );
    // The same through insert.
    let mut s = set(&one("t", "en", "x"));
    let again = Template::new("t", [("de", "y")]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.insert(again),
        Err(TemplateError::DuplicateId { id: "t".into() })
    );
    assert_eq!(s.len(), 1);
}

#[test]
fn no_text_bad_locale_and_unknown_keys() {
    assert_eq!(
        load_err(r#"{"templates": [{"id": "t", "text": {}}]}"#),
        TemplateError::NoText {
            template: "t".into()
        }
    );
    for bad in ["", "en_US", "zh--Hant", "zh-Hänt", "toolongsubtag"] {
        let e = load_err(&one("t", bad, "x"));
        assert!(
            matches!(&e, TemplateError::InvalidLocale { locale, .. } if locale == bad),
            "{bad:?}: {e:?}"
        );
    }
    for json in [
        r#"{"templates": [{"id": "t", "text": {"en": "x"}, "subject": "y"}]}"#,
        r#"{"templates": [], "version": 1}"#,
        r#"{"templates": [{"id": "t", "text": {"en": 1}}]}"#,
        r#"{"templates": [{"text": {"en": "x"}}]}"#,
        r#"{"templates": [{"id": "t", "text": {"en": "x"}}]"#,
    ] {
        assert!(
            matches!(load_err(json), TemplateError::Json { .. }),
            "{json}"
        );
    }
    let e = load_err(r#"{"templates": [{"id": "t", "text": {"en": "x"}, "subject": "y"}]}"#);
    assert!(e.to_string().contains("subject"), "{e}");
}

#[test]
fn text_length_limit() {
    let at_limit = "a".repeat(MAX_TEMPLATE_BYTES);
    set(&one("t", "en", &at_limit));
    let over = "a".repeat(MAX_TEMPLATE_BYTES + 1);
    let e = load_err(&one("t", "en", &over));
    assert_eq!(
        e,
        TemplateError::TextTooLong {
            template: "t".into(),
            locale: "en".into(),
            bytes: MAX_TEMPLATE_BYTES + 1,
            max: MAX_TEMPLATE_BYTES,
        }
    );
    assert!(
        e.to_string().contains("65537") && e.to_string().contains("65536"),
        "{e}"
    );
}

#[test]
fn placeholder_count_limit() {
    let at_limit = "{{ticket.number}}".repeat(MAX_PLACEHOLDERS);
    // Quoted literals are not placeholders.
    let with_literals = format!("{at_limit}{}", "{{\"x\"}}".repeat(10));
    set(&one("t", "en", &with_literals));
    let over = "{{ticket.number}}".repeat(MAX_PLACEHOLDERS + 1);
    let e = load_err(&one("t", "zh-Hans", &over));
    assert_eq!(
        e,
        TemplateError::TooManyPlaceholders {
            template: "t".into(),
            locale: "zh-Hans".into(),
            count: MAX_PLACEHOLDERS + 1,
            max: MAX_PLACEHOLDERS,
        }
    );
    assert!(e.to_string().contains("257"), "{e}");
}

#[test]
fn template_count_limit() {
    let templates: Vec<serde_json::Value> = (0..=MAX_TEMPLATES)
        .map(|i| serde_json::json!({"id": format!("t{i}"), "text": {"en": "x"}}))
        .collect();
    let e = load_err(&serde_json::json!({ "templates": templates }).to_string());
    assert_eq!(
        e,
        TemplateError::TooManyTemplates {
            count: MAX_TEMPLATES + 1,
            max: MAX_TEMPLATES
        }
    );
    let full = serde_json::json!({ "templates": &templates[..MAX_TEMPLATES] }).to_string();
    let mut s = set(&full);
    assert_eq!(s.len(), MAX_TEMPLATES);
    let extra = Template::new("extra", [("en", "x")]).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        s.insert(extra),
        Err(TemplateError::TooManyTemplates { .. })
    ));
}

#[test]
fn missing_values_against_fallbacks() {
    let s = set(r#"{"templates": [{"id": "t", "text": {
        "en": "Hi {{ customer.first_name | \"there\" }}, {{ agent.name }} here.",
        "zh-Hans": "{{ sla.next_deadline }}" }}]}"#);
    let v = view(CustomerStatus::Open);
    // No agent name, no fallback: an error naming template, locale, placeholder.
    let e = s.render("t", "en", &RenderContext::new(&v)).map(|r| r.text);
    assert_eq!(
        e,
        Err(RenderError::MissingValue {
            template: "t".into(),
            locale: "en".into(),
            placeholder: Placeholder::AgentName,
        })
    );
    let msg = e.unwrap_err().to_string();
    assert!(
        msg.contains("agent.name") && msg.contains("\"t\"") && msg.contains("\"en\""),
        "{msg}"
    );
    // With the agent name: the fallback fills the first name.
    let ctx = RenderContext::new(&v).agent_name("Bob");
    assert_eq!(render(&s, "t", "en", &ctx).text, "Hi there, Bob here.");
    // An empty or blank value is missing, never a blank.
    let ctx = RenderContext::new(&v).agent_name("").customer_name("  ");
    assert!(matches!(
        s.render("t", "en", &ctx),
        Err(RenderError::MissingValue {
            placeholder: Placeholder::AgentName,
            ..
        })
    ));
    let ctx = ctx.agent_name("Bob");
    assert_eq!(render(&s, "t", "en", &ctx).text, "Hi there, Bob here.");
    // No deadline.
    assert!(matches!(
        s.render("t", "zh-Hans", &ctx),
        Err(RenderError::MissingValue { placeholder: Placeholder::SlaNextDeadline, ref locale, .. }) if locale == "zh-Hans"
    ));
    // An empty subject is missing too.
    let mut blank = view(CustomerStatus::Open);
    blank.subject.clear();
    let s2 = set(&one("s", "en", "[{{ ticket.subject | \"no subject\" }}]"));
    assert_eq!(
        render(&s2, "s", "en", &RenderContext::new(&blank)).text,
        "[no subject]"
    );
}

#[test]
fn values_are_never_expanded() {
    let s = set(&one(
        "t",
        "en",
        "Dear {{ customer.name }} ({{ ticket.subject }})",
    ));
    let mut v = view(CustomerStatus::Open);
    v.subject = "{{ agent.name }} }} {{".into();
    let ctx = RenderContext::new(&v)
        .customer_name("{{ ticket.id }}")
        .agent_name("SECRET AGENT");
    let r = render(&s, "t", "en", &ctx);
    assert_eq!(r.text, "Dear {{ ticket.id }} ({{ agent.name }} }} {{)");
    assert!(!r.text.contains("SECRET") && !r.text.contains("0195a3c4"));
}

#[test]
fn an_internal_note_never_leaks() {
    let agent = AgentId::from_u128(7);
    let ticket: Ticket = TicketBuilder::new()
        .id(TicketId::from_u128(TICKET))
        .body("Where is my parcel?")
        .note(agent, "INTERNAL: customer is on the fraud watch list")
        .agent_reply(agent, "It ships today.")
        .customer_reply("Thanks")
        .note(agent, "INTERNAL: refund approved by finance")
        .status(Status::Pending)
        .build();
    let view = CustomerTicketView::of(&ticket);
    let s = set(&serde_json::json!({"templates": [{"id": "all", "text": {
        "en": EVERYTHING, "zh-Hans": EVERYTHING, "zh-Hant": EVERYTHING }}]})
    .to_string());
    let ctx = full(&view);
    for locale in ["en", "zh-Hans", "zh-Hant"] {
        let r = render(&s, "all", locale, &ctx);
        assert!(!r.text.contains("INTERNAL"), "{locale}: {}", r.text);
        assert!(
            !r.text.contains("fraud") && !r.text.contains("finance"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Where is my parcel?"), "{}", r.text);
        assert!(r.text.starts_with("0195a3c4-7d2e"), "{}", r.text);
    }
    assert!(
        render(&s, "all", "en", &ctx)
            .text
            .contains("awaiting your reply")
    );
}

#[test]
fn deadline_across_the_berlin_dst_change() {
    // 2026-03-29 02:00 CET becomes 03:00 CEST in Europe/Berlin.
    let s = set(r#"{"templates": [{"id": "d", "text": {
        "en": "{{ sla.next_deadline }}", "zh-Hans": "{{ sla.next_deadline }}", "zh-Hant": "{{ sla.next_deadline }}" }}]}"#);
    let v = view(CustomerStatus::Open);
    let berlin = zone("Europe/Berlin");
    let cases = [
        (
            "2026-03-28T11:00:00Z",
            "Sat 28 Mar 2026, 12:00 CET",
            "2026年3月28日 星期六 12:00 (CET)",
        ),
        (
            "2026-03-29T00:59:00Z",
            "Sun 29 Mar 2026, 01:59 CET",
            "2026年3月29日 星期日 01:59 (CET)",
        ),
        (
            "2026-03-29T01:00:00Z",
            "Sun 29 Mar 2026, 03:00 CEST",
            "2026年3月29日 星期日 03:00 (CEST)",
        ),
        (
            "2026-03-30T11:00:00Z",
            "Mon 30 Mar 2026, 13:00 CEST",
            "2026年3月30日 星期一 13:00 (CEST)",
        ),
    ];
    for (instant, en, zh) in cases {
        let ctx = RenderContext::new(&v)
            .next_deadline(at(instant))
            .time_zone(berlin);
        assert_eq!(render(&s, "d", "en", &ctx).text, en, "{instant}");
        assert_eq!(render(&s, "d", "zh-Hans", &ctx).text, zh, "{instant}");
        assert_eq!(render(&s, "d", "zh-Hant", &ctx).text, zh, "{instant}");
    }
    // The default zone is UTC.
    let ctx = RenderContext::new(&v).next_deadline(at("2026-03-29T01:00:00Z"));
    assert_eq!(
        render(&s, "d", "en", &ctx).text,
        "Sun 29 Mar 2026, 01:00 UTC"
    );
}

#[test]
fn output_length_limit() {
    // 256 copies of a 5,000-byte name: 1.28 MB, over 1 MiB.
    let text = "{{customer.name}}".repeat(MAX_PLACEHOLDERS);
    let s = set(&one("big", "en", &text));
    let v = view(CustomerStatus::Open);
    let name = "n".repeat(5_000);
    let ctx = RenderContext::new(&v).customer_name(name.as_str());
    match s.render("big", "en", &ctx) {
        Err(RenderError::OutputTooLong {
            template,
            locale,
            bytes,
            max,
        }) => {
            assert_eq!((template.as_str(), locale.as_str()), ("big", "en"));
            assert_eq!((bytes, max), (5_000 * MAX_PLACEHOLDERS, MAX_OUTPUT_BYTES));
        }
        other => panic!("{:?}", other.map(|r| r.text.len())),
    }
    let ctx = RenderContext::new(&v).customer_name("n".repeat(4_000));
    assert_eq!(
        render(&s, "big", "en", &ctx).text.len(),
        4_000 * MAX_PLACEHOLDERS
    );
}

#[test]
fn serde_validates_and_round_trips() {
    // Deserialising through serde runs the same checks as from_json.
    let bad = one("x", "en", "{{ ticket.secret_notes }}");
    let e = serde_json::from_str::<TemplateSet>(&bad)
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("ticket.secret_notes"), "{e}");
    let e = serde_json::from_str::<Template>(r#"{"id": "x", "text": {"en": "}}"}}"#)
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("byte 0"), "{e}");

    let json = r#"{"templates": [
        {"id": "b", "name": "Second", "fallback": ["zh-Hant", "en"], "text": {"zh-Hant": "{{ customer.name | \"您好\" }}", "en": "{{ \"{{\" }}"}},
        {"id": "a", "text": {"en": "x"}}]}"#;
    let s = set(json);
    assert_eq!(s.iter().map(Template::id).collect::<Vec<_>>(), ["b", "a"]);
    let b = s.get("b").unwrap_or_else(|| panic!("b"));
    assert_eq!(b.name(), Some("Second"));
    assert_eq!(b.fallback(), ["zh-Hant", "en"]);
    assert_eq!(b.locales().collect::<Vec<_>>(), ["zh-Hant", "en"]);
    assert_eq!(b.text("ZH-HANT"), Some("{{ customer.name | \"您好\" }}"));
    let out = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out,
        r#"{"templates":[{"id":"b","name":"Second","fallback":["zh-Hant","en"],"text":{"zh-Hant":"{{ customer.name | \"您好\" }}","en":"{{ \"{{\" }}"}},{"id":"a","text":{"en":"x"}}]}"#
    );
    assert_eq!(set(&out), s);
    let back: TemplateSet = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, s);
}

#[test]
fn built_in_code() {
    let t = Template::new("thanks", [("en", "Thanks!"), ("zh-Hans", "谢谢！")])
        .and_then(|t| t.with_name("Thanks").with_fallback(["en"]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        t.clone().with_fallback(["de"]),
        Err(TemplateError::UnknownFallback { .. })
    ));
    let mut s = TemplateSet::new();
    assert!(s.is_empty());
    s.insert(t).unwrap_or_else(|e| panic!("{e}"));
    let v = view(CustomerStatus::Open);
    assert_eq!(
        render(&s, "thanks", "zh-Hans-SG", &RenderContext::from(&v)).text,
        "谢谢！"
    );
    assert_eq!(
        Template::new("x", Vec::<(String, String)>::new()),
        Err(TemplateError::NoText {
            template: "x".into()
        })
    );
}

// ---------------------------------------------------------------- properties

/// Text pieces that make placeholders, literals and broken syntax likely.
fn piece() -> impl Strategy<Value = String> {
    let paths: Vec<&'static str> = Placeholder::ALL.iter().map(|p| p.path()).collect();
    prop_oneof![
        8 => "[a-z 你好,.!#\n]{0,8}",
        6 => (proptest::sample::select(paths.clone()), "[ \t]{0,2}", "[ \t]{0,2}")
            .prop_map(|(p, a, b)| format!("{{{{{a}{p}{b}}}}}")),
        4 => (proptest::sample::select(paths), "[a-z\"\\\\{}|你 ]{0,6}")
            .prop_map(|(p, f)| format!("{{{{ {p} | \"{}\" }}}}", f.replace('\\', "\\\\").replace('"', "\\\""))),
        2 => "[a-z{}\"\\\\|]{0,4}".prop_map(|s| format!("{{{{ \"{}\" }}}}", s.replace('\\', "\\\\").replace('"', "\\\""))),
        1 => proptest::sample::select(vec!["{", "}", "{{", "}}", "\"", "|", "\\", "{{ ", " }}", "{{\"", "\u{3000}"])
            .prop_map(str::to_owned),
    ]
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..12).prop_map(|v| v.concat())
}

fn locale() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "en",
        "en-GB",
        "zh",
        "zh-Hans",
        "zh-Hant",
        "zh-Hant-TW",
        "fr",
        "EN",
        "x-y",
    ])
    .prop_map(str::to_owned)
}

/// Template JSON values: fallbacks mostly among the template's locales;
/// ids, locales and fallbacks sometimes invalid.
fn template_json() -> impl Strategy<Value = serde_json::Value> {
    (
        prop_oneof![12 => "[a-z0-9_.-]{1,12}", 1 => "\\PC{0,6}"],
        proptest::option::of("\\PC{0,8}"),
        proptest::collection::btree_map(locale(), text(), 0..4),
        proptest::collection::vec(any::<proptest::sample::Index>(), 0..3),
        prop_oneof![8 => Just(None), 1 => locale().prop_map(Some)],
    )
        .prop_map(|(id, name, texts, picks, stray)| {
            let locales: Vec<&String> = texts.keys().collect();
            let mut fallback: Vec<String> = if locales.is_empty() {
                Vec::new()
            } else {
                picks.iter().map(|i| i.get(&locales).to_string()).collect()
            };
            fallback.extend(stray);
            let mut t = serde_json::json!({"id": id, "fallback": fallback, "text": texts});
            if let Some(n) = name {
                t["name"] = serde_json::Value::String(n);
            }
            t
        })
}

fn set_json() -> impl Strategy<Value = String> {
    proptest::collection::vec(template_json(), 0..4)
        .prop_map(|ts| serde_json::json!({ "templates": ts }).to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_json_never_panics(json in "\\PC{0,200}") {
        let _ = TemplateSet::from_json(&json);
        let _ = Template::from_json(&json);
    }

    #[test]
    fn arbitrary_texts_never_panic(t in "\\PC{0,120}", u in text()) {
        let _ = Template::new("t", [("en", t)]);
        let _ = Template::new("t", [("en", u)]);
    }

    #[test]
    fn what_loads_renders_and_round_trips(json in set_json(), ask in locale()) {
        let Ok(set) = TemplateSet::from_json(&json) else { return Ok(()) };
        let v = view(CustomerStatus::Solved);
        let ctx = full(&v);
        for t in &set {
            for l in t.locales() {
                let r = set.render(t.id(), l, &ctx);
                prop_assert!(r.is_ok(), "{} {l}: {r:?}", t.id());
                let used = r.map(|r| r.locale).ok();
                prop_assert_eq!(used.as_deref(), Some(l));
            }
            match t.resolve_locale(&ask) {
                Some(l) => {
                    let used = set.render(t.id(), &ask, &ctx).map(|r| r.locale).ok();
                    prop_assert_eq!(used.as_deref(), Some(l));
                }
                None => {
                    let is_no_locale = matches!(set.render(t.id(), &ask, &ctx), Err(RenderError::NoLocale { .. }));
                    prop_assert!(is_no_locale);
                }
            }
        }
        let out = serde_json::to_string(&set).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = TemplateSet::from_json(&out);
        prop_assert_eq!(back.as_ref().ok(), Some(&set), "{}", out);
    }

    #[test]
    fn what_loads_as_one_template_renders_and_round_trips(json in template_json()) {
        let Ok(t) = Template::from_json(&json.to_string()) else { return Ok(()) };
        let v = view(CustomerStatus::Closed);
        let ctx = full(&v);
        for l in t.locales() {
            let r = t.render(l, &ctx);
            prop_assert!(r.is_ok(), "{} {l}: {r:?}", t.id());
        }
        let out = serde_json::to_string(&t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Result<Template, _> = serde_json::from_str(&out);
        prop_assert_eq!(back.as_ref().ok(), Some(&t), "{}", out);
    }

    #[test]
    fn values_are_inserted_verbatim(name in "\\PC{1,40}", t in text()) {
        prop_assume!(!name.trim().is_empty());
        let Ok(tpl) = Template::new("t", [("en", format!("{t}[{{{{customer.name}}}}]"))]) else { return Ok(()) };
        let v = view(CustomerStatus::Open);
        let ctx = full(&v).customer_name(name.as_str());
        let r = tpl.render("en", &ctx).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = format!("[{name}]");
        prop_assert!(r.text.ends_with(&expected), "{:?}", r.text);
    }
}
