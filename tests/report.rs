//! The report end to end through the Desk: the HTML page is well-formed
//! (checked by a small tag-balance parser below), self-contained, has every
//! chart, escapes hostile text, and never contains internal-note text.
//! Hostile text in every field that reaches a report stays text: no element,
//! attribute or style of its own in the HTML, no live link, image or HTML in
//! the Markdown.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::Identity;
use supportdesk::experience::{Ledger, LedgerConfig, NextIssueConfig, NextIssueCounts, NextIssues};
use supportdesk::id::{AgentId, CustomerId, TenantId, TicketId};
use supportdesk::insight::maturity::{
    Baseline, EvidenceInputs, MaturityTrait, SelfAssessment, Signal, TierModel, assess,
};
use supportdesk::insight::{
    Article, KbConfig, KbReasons, Matrix, MatrixConfig, Question, ReasonRating, Window, kb_gaps,
};
use supportdesk::metrics::{Aggregate, Basis, FactsOptions, PeriodKind, Periodic, TicketFacts};
use supportdesk::port::{Clock, TicketQuery, TicketStore};
use supportdesk::report::{CustomerSection, Report};
use supportdesk::sla::{Calendars, MetricDef, PolicySet, SlaPolicy, Target, TimeBasis};
use supportdesk::taxonomy::{TagConfig, TagKind, TaxonomyConfig};
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds, TicketBuilder};
use supportdesk::ticket::{Command, Csat, Event};
use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Priority, Status, Tag, Taxonomy};

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
const MARKER: &str = "ZQX-internal-9931";
const HOSTILE: &str = r#"<script>alert("x")</script> & | *bold* [link](http://evil)"#;

fn calendars() -> Calendars {
    let office = BusinessCalendar::builder("Europe/London")
        .weekdays("09:00", "17:00")
        .build()
        .unwrap();
    Calendars::new().with("office", office)
}

fn policy() -> SlaPolicy {
    let targets = Priority::ALL
        .into_iter()
        .flat_map(|p| {
            [("first_reply", 3600), ("next_reply", 4 * 3600)].map(|(m, s)| Target {
                metric: m.into(),
                priority: p,
                channel: None,
                seconds: s,
                basis: TimeBasis::Business {
                    calendar: "office".into(),
                },
            })
        })
        .collect();
    SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply(), MetricDef::next_reply()],
        targets,
        warnings: vec![],
        escalation: vec![],
    }
}

/// Six tickets over a morning, with notes carrying the marker on each.
fn histories() -> Vec<Vec<Event>> {
    let desk = Desk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::at("2026-03-02T08:00:00Z").unwrap(),
    )
    .with_ids(SequentialIds::new())
    .with_sla(PolicySet::new(policy()), calendars())
    .unwrap();
    let clock = desk.clock();
    let channels = [
        Channel::Email,
        Channel::LiveChat,
        Channel::WhatsApp,
        Channel::Email,
        Channel::WebForm,
        Channel::Email,
    ];
    let mut tickets = Vec::new();
    for (i, ch) in channels.into_iter().enumerate() {
        clock.advance(Duration::minutes(20));
        let who = Identity::email(&format!("c{i}@example.com")).unwrap();
        let r = desk
            .receive(SHOP, Inbound::new(who, ch, format!("Order {i} is late")))
            .unwrap();
        desk.execute(
            SHOP,
            r.ticket,
            Command::AutomatedReply {
                bot: "ack".into(),
                body: "Thanks, we are on it".into(),
            },
        )
        .unwrap();
        desk.execute(
            SHOP,
            r.ticket,
            Command::AddNote {
                agent: BOB,
                body: format!("{MARKER} customer {i} is a <VIP> & angry"),
            },
        )
        .unwrap();
        tickets.push(r.ticket);
    }
    // Answer all but the last, at growing delays; solve, rate.
    for (i, t) in tickets.iter().enumerate().take(5) {
        clock.advance(Duration::minutes(15 * i as i64 + 5));
        desk.execute(
            SHOP,
            *t,
            Command::agent_reply(BOB, "Here is the tracking link"),
        )
        .unwrap();
        desk.execute(
            SHOP,
            *t,
            Command::AddTags {
                tags: vec![Tag::new("shipping/late").unwrap()],
            },
        )
        .unwrap();
        desk.execute(SHOP, *t, Command::status(Status::Solved))
            .unwrap();
        let (score, comment) = match i {
            0 => (5, None),
            1 => (4, Some("ok".to_owned())),
            2 => (1, Some(HOSTILE.to_owned())),
            3 => (2, Some("slow".to_owned())),
            _ => (5, None),
        };
        desk.execute(
            SHOP,
            *t,
            Command::RateSatisfaction {
                score: Csat::new(score).unwrap(),
                comment,
            },
        )
        .unwrap();
    }
    // Follow up the hostile low score with a note.
    clock.advance(Duration::minutes(30));
    desk.execute(
        SHOP,
        tickets[2],
        Command::AddNote {
            agent: BOB,
            body: format!("{MARKER}: called back"),
        },
    )
    .unwrap();
    let swept = desk.sweep(100).unwrap();
    assert!(!swept.alerts.is_empty());
    let page = desk
        .store()
        .query(SHOP, &TicketQuery::new().limit(1000))
        .unwrap();
    let mut out: Vec<Vec<Event>> = page
        .items
        .iter()
        .map(|t| desk.history(SHOP, t.id()).unwrap())
        .collect();
    out.sort_by_key(|h| h[0].at);
    assert_eq!(clock.now().to_rfc3339(), "2026-03-02T13:25:00+00:00");
    out
}

fn report(matrix: Option<Matrix>) -> Report {
    let hs = histories();
    let options = FactsOptions::new("2026-03-02T13:25:00Z".parse().unwrap(), calendars())
        .with_business_calendar("office")
        .unwrap();
    let facts: Vec<TicketFacts> = hs
        .iter()
        .map(|h| TicketFacts::from_events(h, &options).unwrap().unwrap())
        .collect();
    let all: Aggregate = facts.iter().collect();
    let mut days = Periodic::new(PeriodKind::Day, chrono_tz::Europe::London);
    facts.iter().for_each(|f| days.add(f));
    let summary = all.summary();
    let answers = SelfAssessment::new()
        .answer(MaturityTrait::SkilledTeam, true)
        .answer_with_note(
            MaturityTrait::ActsOnFeedback,
            true,
            "we call back <every> low score",
        )
        .answer(MaturityTrait::TimelyData, true);
    let inputs = EvidenceInputs::new(&summary, "2026-03-02T14:00:00Z".parse().unwrap())
        .with_periods(&days)
        .with_agents(1)
        .with_baseline(Baseline {
            first_response_seconds: Some(4.0 * 3600.0),
            resolution_seconds: None,
            channels: Some(2),
        });
    let maturity = assess(&TierModel::esg_2021(), &answers, &inputs).unwrap();
    let mut r = Report::new(
        "Shop support: March 2nd",
        summary,
        "2026-03-02T14:00:00Z".parse().unwrap(),
    )
    .with_subtitle("Monday morning, one agent")
    .with_first_response_target(3600, Basis::Business)
    .with_periods(&days)
    .with_maturity(maturity);
    if let Some(m) = matrix {
        r = r.with_matrix(m);
    }
    r.with_customers(customer_section("Where is my parcel?"))
}

/// The customer section of 18 hand-made March tickets of 10 customers,
/// each with an internal note carrying the marker:
///
/// - every customer `c` (0..10) asks `question` by email about
///   `order/where` (cause `cause/carrier`) on March 2nd at 09:00 + c hours,
///   answered in one reply and solved;
/// - customers 0..4 ask it again on WhatsApp two days later, same cause: 4
///   repeat contacts (so 4 of the 10 first contacts are not FCR);
/// - customers 4..8 ask "How do I return it?" (`order/return`) by email two
///   days later: the next issue `order/where → order/return`, 4 of the 14
///   `order/where` contacts;
/// - customer 0's first ticket breached its SLA: with the repeat contact,
///   two bad experiences ("likely to leave"); customers 1..3 one each.
///
/// Repeat contacts 4 of 18; FCR 14 of 18 (email 10 of 14, WhatsApp 4 of
/// 4); one-touch 18 of 18. Knowledge-base gaps: `order/where` (14
/// near-identical questions, no article) then `order/return` (4, covered by
/// the returns article).
fn customer_section(question: &str) -> CustomerSection {
    let start: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
    let as_of: DateTime<Utc> = "2026-04-01T00:00:00Z".parse().unwrap();
    let ticket =
        |id: u128, c: u128, channel: Channel, at: DateTime<Utc>, body: &str, tags: &[&str]| {
            let mut b = TicketBuilder::new()
                .id(TicketId::from_u128(id))
                .customer(CustomerId::from_u128(200 + c))
                .channel(channel)
                .opened_at(at)
                .body(body);
            for t in tags {
                b = b.tag(t);
            }
            b.note(BOB, &format!("{MARKER} customer {c} is a <VIP>"))
                .agent_reply(BOB, "Track it at example.com/track")
                .status(Status::Solved)
        };
    let mut builders = Vec::new();
    for c in 0..10u128 {
        let at = start + Duration::hours(c as i64);
        let body = format!("{question} (order {c})");
        builders.push(ticket(
            200 + c,
            c,
            Channel::Email,
            at,
            &body,
            &["order/where", "cause/carrier"],
        ));
        let later = at + Duration::days(2);
        if c < 4 {
            builders.push(ticket(
                300 + c,
                c,
                Channel::WhatsApp,
                later,
                &body,
                &["order/where", "cause/carrier"],
            ));
        } else if c < 8 {
            builders.push(ticket(
                300 + c,
                c,
                Channel::Email,
                later,
                "How do I return it?",
                &["order/return"],
            ));
        }
    }
    let mut facts: Vec<TicketFacts> = builders.iter().map(|b| b.facts_at(as_of)).collect();
    facts[0].sla_breached_at = Some(start.timestamp() + 1800);
    let questions: Vec<Question> = builders
        .iter()
        .filter_map(TicketBuilder::question)
        .collect();
    let taxonomy = Taxonomy::from_config(TaxonomyConfig {
        tags: vec![
            TagConfig::new("order/where").kind(TagKind::What),
            TagConfig::new("order/return").kind(TagKind::What),
            TagConfig::new("cause/carrier")
                .kind(TagKind::Why)
                .explains("order/where"),
        ],
        ..Default::default()
    })
    .unwrap();
    let mut ledger = Ledger::new(LedgerConfig::default(), &taxonomy, Calendars::new()).unwrap();
    facts.iter().for_each(|f| ledger.add(f));
    let at_risk = ledger.at_risk(as_of.timestamp(), 10).unwrap();
    let repeat = ledger
        .repeat_report(start.timestamp() - 86_400, as_of.timestamp())
        .unwrap();
    let mut config = NextIssueConfig::default();
    config.min_pairs = 3;
    let counts = NextIssueCounts::count(
        &facts,
        &taxonomy,
        &config,
        &Calendars::new(),
        as_of.timestamp(),
    )
    .unwrap();
    let next = NextIssues::from_counts(&counts, &config);
    let articles = [Article::new(
        "Returns: free within 30 days",
        vec![Tag::new("order/return").unwrap()],
    )];
    let kb = KbConfig {
        min_volume: 3,
        ..KbConfig::default()
    };
    let gaps = kb_gaps(
        &facts,
        &questions,
        KbReasons::Taxonomy(&taxonomy),
        &articles,
        &kb,
    )
    .unwrap();
    CustomerSection::new(at_risk, &repeat, &next, gaps)
}

/// A minimal well-formedness check: every element opened is closed in
/// order (void elements and `/>` excepted), no stray `<`, every `&` starts
/// an entity, and exactly one html, head and body. Returns the names of the
/// elements in order.
fn check_well_formed(html: &str) -> Result<Vec<String>, String> {
    Ok(elements(html)?.into_iter().map(|(name, _)| name).collect())
}

/// As [`check_well_formed`], with each element's whole tag (`a href="x"`).
fn elements(html: &str) -> Result<Vec<(String, String)>, String> {
    const VOID: [&str; 6] = ["meta", "br", "hr", "img", "input", "link"];
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html;
    let entity = regex::Regex::new(r"^&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);").unwrap();
    while let Some(i) = rest.find(['<', '&']) {
        let (text_part, tail) = rest.split_at(i);
        if text_part.contains('>') {
            return Err(format!("stray '>' in text: {text_part:?}"));
        }
        if let Some(after) = tail.strip_prefix('&') {
            if !entity.is_match(tail) {
                return Err(format!(
                    "bare '&' before {:?}",
                    after.chars().take(20).collect::<String>()
                ));
            }
            rest = after;
            continue;
        }
        if let Some(after) = tail.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unclosed comment")?;
            rest = &after[end + 3..];
            continue;
        }
        if tail.starts_with("<!DOCTYPE") {
            let end = tail.find('>').ok_or("unclosed doctype")?;
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail.find('>').ok_or("unclosed tag")?;
        let tag = &tail[1..end];
        if tag.contains('<') {
            return Err(format!("'<' inside a tag: {tag:?}"));
        }
        rest = &tail[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.is_empty() {
            return Err(format!("bad tag {tag:?}"));
        }
        // Attribute values must be quoted and balanced.
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in {tag:?}"));
        }
        seen.push((name.clone(), tag.to_owned()));
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        stack.push(name);
    }
    if rest.contains('>') {
        return Err("stray '>' at the end".into());
    }
    if !stack.is_empty() {
        return Err(format!("unclosed: {stack:?}"));
    }
    for one in ["html", "head", "body"] {
        let n = seen.iter().filter(|(s, _)| s == one).count();
        if n != 1 {
            return Err(format!("{n} <{one}> elements"));
        }
    }
    Ok(seen)
}

#[test]
fn the_checker_catches_broken_pages() {
    let ok = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>a &amp; b</title></head><body><p>x<br></p><svg><rect/></svg></body></html>";
    assert!(check_well_formed(ok).is_ok());
    for bad in [
        "<html><head></head><body><p></body></html>",
        "<html><head></head><body><p>a & b</p></body></html>",
        "<html><head></head><body><b><i></b></i></body></html>",
        "<html><head></head><body>1 > 0</body></html>",
        "<html><head></head><body></body></html><html></html>",
    ] {
        assert!(check_well_formed(bad).is_err(), "{bad}");
    }
}

/// A value-irritant matrix of six March tickets: four late deliveries
/// (labelled `label`) and two product questions, all opened with the same
/// question (`question` and an order number), so they form one cluster of
/// repeated questions.
fn matrix(label: &str, question: &str) -> Matrix {
    let start: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
    let builders: Vec<TicketBuilder> = (0..6u128)
        .map(|i| {
            TicketBuilder::new()
                .id(TicketId::from_u128(100 + i))
                .customer(CustomerId::from_u128(100 + i))
                .opened_at(start + Duration::hours(i as i64))
                .body(&format!("{question} order {i}"))
                .tag(if i < 4 {
                    "shipping/late"
                } else {
                    "product/question"
                })
        })
        .collect();
    let as_of = "2026-04-01T00:00:00Z".parse().unwrap();
    let facts: Vec<_> = builders.iter().map(|b| b.facts_at(as_of)).collect();
    let questions: Vec<_> = builders
        .iter()
        .filter_map(TicketBuilder::question)
        .collect();
    let mut late = ReasonRating::new(Tag::new("shipping/late").unwrap(), -2, -1);
    late.label = Some(label.to_owned());
    let config = MatrixConfig::new(vec![
        late,
        ReasonRating::new(Tag::new("product/question").unwrap(), 2, 2),
    ]);
    let march = Window::new(
        "2026-03-01T00:00:00Z".parse().unwrap(),
        "2026-04-01T00:00:00Z".parse().unwrap(),
    );
    Matrix::build_with_questions(&facts, &questions, &config, march, None, None).unwrap()
}

#[test]
fn html_is_well_formed_complete_and_free_of_internal_notes() {
    let r = report(Some(matrix("Carrier <handover>", "Where is my parcel?")));
    let html = r.to_html();
    let tags = check_well_formed(&html).unwrap_or_else(|e| panic!("{e}"));
    assert!(tags.iter().filter(|t| *t == "svg").count() >= 6);
    let doc = r.document();
    assert!(doc.charts().count() >= 6);
    for c in doc.charts() {
        assert!(
            html.contains(&format!("id=\"{}\"", c.id)),
            "missing chart {}",
            c.id
        );
    }
    // Self-contained: no scripts, no external resources.
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains("src="));
    // The only references are inside the page: links to its sections, a
    // chart's own hatch pattern.
    assert!(html.split("url(").skip(1).all(|r| r.starts_with("#chart-")));
    assert!(html.split("href=\"").skip(1).all(|r| r.starts_with('#')));
    // The only URLs are the SVG namespace and the customer's own (escaped) text.
    let rest = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("[link](http://evil)", "");
    assert!(!rest.contains("http://") && !rest.contains("https://"));
    // Internal notes never reach the report, whatever they contain.
    assert!(!html.contains(MARKER));
    assert!(!html.contains("VIP"));
    // Hostile customer text is escaped.
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(html.contains("we call back &lt;every&gt; low score"));
    assert!(html.contains("<li>Carrier &lt;handover&gt; (Eliminate): "));
    // The figures are there, the matrix drawn from the typed matrix.
    assert!(html.contains("Value-irritant matrix"));
    assert!(html.contains("Carrier &lt;handover&gt; (4)"));
    assert!(html.contains("target 1h"));
    assert!(html.contains("Mon 2 Mar 2026"));
}

#[test]
fn markdown_has_every_section_and_no_internal_notes() {
    let r = report(Some(matrix("Carrier <handover>", "Where is my parcel?")));
    let md = r.to_markdown();
    for h in [
        "## Key figures",
        "## First response",
        "## SLA compliance",
        "## Customer satisfaction",
        "### Satisfaction by first-response time",
        "## Backlog",
        "## Volume",
        "## Trends",
        "## Customers",
        "### Customers at risk",
        "### Knowledge-base gaps",
        "## Value-irritant matrix",
        "## CX maturity",
    ] {
        assert!(md.contains(h), "missing {h}");
    }
    assert!(!md.contains(MARKER));
    assert!(!md.contains("<script"));
    assert!(md.contains("&lt;script&gt;"));
    assert!(md.contains("\\*bold\\*"));
    assert!(md.contains("| Carrier &lt;handover&gt; | Eliminate | 4 | 66.7% |"));
    assert!(md.contains("- 6 tickets (shipping/late): “Where is my parcel? order 0”"));
    assert!(md.contains("target 1h"));
    // Every table row has the same number of cells as its header.
    for block in md.split("\n\n") {
        let rows: Vec<&str> = block.lines().filter(|l| l.starts_with('|')).collect();
        if rows.len() < 2 {
            continue;
        }
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        let n = cells(rows[0]);
        assert!(rows.iter().all(|r| cells(r) == n), "ragged table:\n{block}");
    }
}

#[test]
fn the_customer_section_renders_its_hand_made_figures() {
    let section = customer_section("Where is my parcel?");
    // The typed data first: the figures of the fixture, by hand.
    assert_eq!(
        (section.overall.repeat.count, section.overall.repeat.of),
        (4, 18)
    );
    assert_eq!(
        (section.overall.fcr.count, section.overall.fcr.of),
        (14, 18)
    );
    assert_eq!(section.at_risk.len(), 4);
    assert_eq!(section.next_issues.len(), 1);
    assert_eq!(section.kb_gaps.len(), 2);
    let r = Report::new(
        "Customers",
        Aggregate::new().summary(),
        "2026-04-01T00:00:00Z".parse().unwrap(),
    )
    .with_customers(section);
    let md = r.to_markdown();
    for line in [
        "- **repeat contact**: the same customer again within 7 days of the earlier contact's opening about the same cause (a why-tag)",
        "- **likely to leave**: 2 or more recent bad experiences: 76% of customers would switch to a competitor after more than one bad experience (Zendesk CX Trends 2022)",
        "- **Repeat contacts**: 22.2% — 4 of 18; 95% CI 9.0%–45.2%",
        "- **First-contact resolution**: 77.8% — 14 of 18; 95% CI 54.8%–91.0%; 0 still in their window",
        "| channel | contacts | repeat contacts | first-contact resolution | pending | one-touch |",
        "| all channels | 18 | 22.2% (4 of 18), 95% CI 9.0%–45.2% | 77.8% (14 of 18), 95% CI 54.8%–91.0% | 0 | 100% (18 of 18), 95% CI 82.4%–100% |",
        "| Email | 14 | 0% (0 of 14), 95% CI 0%–21.5% | 71.4% (10 of 14), 95% CI 45.4%–88.3% | 0 | 100% (14 of 14), 95% CI 78.5%–100% |",
        "| WhatsApp | 4 | 100% (4 of 4) (too few to judge) | 100% (4 of 4) (too few to judge) | 0 | 100% (4 of 4) (too few to judge) |",
        "| order/where | 14 | 28.6% (4 of 14), 95% CI 11.7%–54.6% | 71.4% (10 of 14), 95% CI 45.4%–88.3% | 0 | 100% (14 of 14), 95% CI 78.5%–100% |",
        "| order/return | 4 | 0% (0 of 4) (too few to judge) | 100% (4 of 4) (too few to judge) | 0 | 100% (4 of 4) (too few to judge) |",
        "| c8 | likely to leave | 2 | SLA breached on ticket c8 (2 Mar 2026); contacted again on ticket 12c about ticket c8 (4 Mar 2026) |",
        "| cb | at risk | 1 | contacted again on ticket 12f about ticket cb (4 Mar 2026) |",
        "| order/where → order/return | 28.6% (4 of 14), 95% CI 11.7%–54.6% |",
        "- When answering order/where, also answer order/return (seen after 28.6% of order/where contacts within 7 days; 95% CI 11.7%–54.6%)",
        "| order/where | 14 | 100% (14 of 14) | 14 | Where is my parcel? (order 0) | Track it at example.com/track (14 tickets) | none |",
        "| order/return | 4 | 100% (4 of 4) | 4 | How do I return it? | Track it at example.com/track (4 tickets) | Returns: free within 30 days |",
    ] {
        assert!(md.contains(line), "missing {line:?} in\n{md}");
    }
    assert!(!md.contains(MARKER));
    // The at-risk list: most bad experiences first, then the latest.
    let at_risk = md.split("### Customers at risk").nth(1).unwrap();
    let order: Vec<usize> = ["| c8 |", "| cb |", "| ca |", "| c9 |"]
        .iter()
        .map(|c| at_risk.find(c).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{at_risk}");
}

/// A section read from JSON written before the typed experiences and the
/// rule shows the at-risk reasons as stored (ids shortened) and the
/// default definitions; in Chinese the shipped tier labels are translated.
#[test]
fn the_customer_section_reads_older_json() {
    let mut v = serde_json::to_value(customer_section("Where is my parcel?")).unwrap();
    for a in v["at_risk"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("experiences");
    }
    v.as_object_mut().unwrap().remove("rule");
    v.as_object_mut().unwrap().remove("next_within");
    let section: CustomerSection = serde_json::from_value(v).unwrap();
    let r = Report::new(
        "Customers",
        Aggregate::new().summary(),
        "2026-04-01T00:00:00Z".parse().unwrap(),
    )
    .with_customers(section);
    let md = r.to_markdown();
    assert!(
        md.contains(
            "| cb | at risk | 1 | contacted again on ticket 12f about ticket cb (2026-03-04) |"
        ),
        "{md}"
    );
    assert!(md.contains("- **repeat contact**: the same customer again within 7 days of the earlier contact's opening about the same cause (a why-tag)"));
    let zh = r
        .with_language(supportdesk::report::Lang::ZhHans)
        .to_markdown();
    assert!(zh.contains("| cb | 有流失风险 | 1 |"), "{zh}");
    assert!(
        zh.contains("- **重复联系**：同一客户在上一次联系创建后 7 天内再次联系"),
        "{zh}"
    );
}

#[test]
fn the_customer_section_in_html_has_its_charts_and_escapes_questions() {
    let r = Report::new(
        "Customers",
        Aggregate::new().summary(),
        "2026-04-01T00:00:00Z".parse().unwrap(),
    )
    .with_customers(customer_section(
        "<script>alert(1)</script> Where is my parcel?",
    ));
    let html = r.to_html();
    check_well_formed(&html).unwrap_or_else(|e| panic!("{e}"));
    assert_html_inert(&html, "customer section");
    for id in [
        "chart-repeat-channel",
        "chart-fcr-channel",
        "chart-next-issue",
    ] {
        assert!(
            html.contains(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\""
            )),
            "missing chart {id}"
        );
    }
    assert!(!html.contains("<script"));
    assert!(
        html.contains(
            "<td>&lt;script&gt;alert(1)&lt;/script&gt; Where is my parcel? (order 0)</td>"
        )
    );
    assert!(!html.contains(MARKER));
    // The bars carry their counts; WhatsApp's 4 contacts are too few to
    // judge (grey, hatched, said in words), never red.
    let repeat = html.split("id=\"chart-repeat-channel\"").nth(1).unwrap();
    let repeat = repeat.split("</svg>").next().unwrap();
    assert!(repeat.contains("100% (4 of 4)"), "{repeat}");
    assert!(repeat.contains("too few to judge"), "{repeat}");
    assert!(
        repeat.contains("url(#chart-repeat-channel-hatch)"),
        "{repeat}"
    );
    assert!(repeat.contains("0% (0 of 14)"), "{repeat}");
    assert!(
        !repeat.contains("#D55E00"),
        "no bar is drawn as worse: {repeat}"
    );
    let next = html.split("id=\"chart-next-issue\"").nth(1).unwrap();
    let next = next.split("</svg>").next().unwrap();
    assert!(next.contains("order/where → order/return"), "{next}");
    assert!(
        next.contains("28.6% (4 of 14), 95% CI 11.7%–54.6%"),
        "{next}"
    );
    assert!(html.contains("<td>c8</td><td>likely to leave</td><td class=\"n\">2</td><td><ul><li>SLA breached on ticket c8 (2 Mar 2026)</li>"));
}

#[test]
fn figures_of_the_morning() {
    let r = report(None);
    let s = &r.summary;
    // Six tickets at 08:20, 08:40, ..., 10:00; replies at 10:05, 10:25,
    // 11:00, 11:50, 12:55. Office opens 09:00.
    assert_eq!(s.volume.tickets, 6);
    assert_eq!(s.first_response.times.count, 5);
    assert_eq!(s.first_response.waiting, 1);
    assert_eq!(s.bot_replies, 6);
    assert_eq!(s.agent_replies, 5);
    // Every resolved ticket was solved with one reply.
    assert_eq!((s.one_touch.count, s.one_touch.of), (5, 5));
    assert_eq!(s.csat.overall.distribution, [1, 1, 0, 1, 2]);
    assert_eq!(s.csat.low_scores.len(), 2);
    // The hostile 1 (rated 11:00) was followed up by a note at 13:25; the
    // 2 was not.
    assert_eq!(
        (s.csat.low_followed_up.count, s.csat.low_followed_up.of),
        (1, 2)
    );
    assert_eq!(s.csat.follow_up_median, Some(8700.0));
    // First reply target 1 office hour: 08:20 -> 10:05 is 65 min of office
    // time (breached), 08:40 -> 10:25 85 min (breached), 09:00 -> 11:00 2 h
    // (breached), 09:20 -> 11:50 breached, 09:40 -> 12:55 breached; the
    // sixth, 10:00 waiting to 13:25, breached too.
    assert_eq!(
        (
            s.first_response.within_target.count,
            s.first_response.within_target.of
        ),
        (0, 6)
    );
    let m = r.maturity.as_ref().unwrap();
    assert_eq!((m.held, m.tier.name.as_str()), (3, "Starter"));
    assert_eq!(m.next_steps().count(), 4);
    // Evidence beside "acts on feedback": 1 of 2 low scores followed up.
    let acts = &m.traits[2];
    assert_eq!(acts.maturity_trait, MaturityTrait::ActsOnFeedback);
    let follow = acts
        .evidence
        .iter()
        .find(|e| e.label == "low-CSAT follow-up rate")
        .unwrap();
    assert_eq!(follow.value, "1 of 2 (50.0%)");
    assert_eq!(follow.signal, Signal::Neutral);
    // Skilled team: 100% one touch supports.
    assert_eq!(m.traits[0].evidence[0].signal, Signal::Supports);
    // Timely data: newest event 13:25, 35 minutes before 14:00.
    assert_eq!(m.traits[5].evidence[0].signal, Signal::Supports);
    // The comparison: first response vs the 4 h baseline, one touch vs 84%.
    assert_eq!(m.comparison[2].yours, "100.0%");
    assert_eq!(m.comparison[2].at_champion_level, Some(true));
    assert_eq!(m.comparison[3].yours, "4 (2.0x your baseline of 2)");
    assert_eq!(m.comparison[3].at_champion_level, Some(false));
}

/// Attacks from the review, and others of the same kinds: markup that
/// would run or load something if a renderer inserted it, and Markdown that
/// would become a live link, image or HTML.
const ATTACKS: [&str; 18] = [
    "<svg/onload=alert(1)>",
    "<svg onload=alert(1)//",
    "</svg><img/src/onerror=alert(1)>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<a href=&#106;avascript:alert(1)>x</a>",
    "<a href=https://evil.example/>x</a>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "@import url(https://evil.example/x.css);",
    "\"><script>alert(1)</script>",
    "' onmouseover='alert(1)",
    "[x](javascript:alert(1))",
    "![p](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example/>",
    "see https://evil.example/p, www.evil.example or ana@evil.example",
    "a | b\n| c | d\n\n# heading\n- item",
    "]]><!-- --><foreignObject>&#x3C;script&#x3E;",
    "`code` *em* _em_ ~~del~~ [ref]: https://evil.example",
];

/// The elements the report writes itself: nothing else may appear.
const REPORT_ELEMENTS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "nav",
    "main",
    "h1",
    "h2",
    "h3",
    "p",
    "a",
    "div",
    "section",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "strong",
    "figure",
    "figcaption",
    "details",
    "summary",
    "svg",
    "desc",
    "defs",
    "pattern",
    "rect",
    "line",
    "polyline",
    "text",
    "polygon",
    "circle",
];

/// The attributes the report writes itself (none loads or runs anything).
const REPORT_ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "id",
    "class",
    "href",
    "scope",
    "aria-label",
    "aria-labelledby",
    "xmlns",
    "width",
    "height",
    "viewBox",
    "font-family",
    "font-size",
    "font-weight",
    "role",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "points",
    "text-anchor",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "paint-order",
    "transform",
    "patternUnits",
    "patternTransform",
];

/// The base report with a matrix, built once.
fn base() -> &'static Report {
    static BASE: OnceLock<Report> = OnceLock::new();
    BASE.get_or_init(|| report(Some(matrix("Late parcels", "Where is my parcel?"))))
}

/// The base report with `text` in every field that carries text from
/// outside the crate (the host's title, labels and configuration; customers'
/// comments and questions; self-assessment notes), and hostile but valid
/// tags.
fn hostile(text: &str) -> Report {
    let mut r = base().clone();
    r.title = text.to_owned();
    r.subtitle = Some(text.to_owned());
    let rate = serde_json::from_value(serde_json::json!({
        "contacts": 3, "denominator": 100, "per": "orders", "rate": 0.03
    }))
    .unwrap();
    r.contact_rates = vec![(text.to_owned(), rate)];
    r.summary.sla.insert(text.to_owned(), Default::default());
    for l in &mut r.summary.csat.low_scores {
        l.comment = Some(text.to_owned());
    }
    for t in [
        "javascript:alert",
        "www.evil.example",
        "__init__",
        "mailto:ana",
    ] {
        r.summary.volume.by_tag.push((Tag::new(t).unwrap(), 1));
    }
    for p in &mut r.periods {
        p.label = text.to_owned();
    }
    let m = r.maturity.as_mut().unwrap();
    m.model = text.to_owned();
    m.tier.name = text.to_owned();
    for t in m.tiers.iter_mut().chain(m.next_tier.as_mut()) {
        t.name = text.to_owned();
    }
    for t in &mut m.traits {
        t.note = Some(text.to_owned());
        t.next_step = Some(text.to_owned());
        for e in &mut t.evidence {
            e.label = text.to_owned();
            e.value = text.to_owned();
            e.rule = text.to_owned();
        }
    }
    for c in &mut m.comparison {
        c.measure = text.to_owned();
        c.yours = text.to_owned();
        c.champions = text.to_owned();
    }
    let mx = r.matrix.as_mut().unwrap();
    for reason in &mut mx.reasons {
        reason.rating.label = Some(text.to_owned());
        reason.action = text.to_owned();
    }
    for p in &mut mx.plan {
        p.action = text.to_owned();
    }
    for c in &mut mx.repeats {
        c.example = text.to_owned();
    }
    let cs = r.customers.as_mut().unwrap();
    for d in &mut cs.definitions {
        d.term = text.to_owned();
        d.meaning = text.to_owned();
    }
    for a in &mut cs.at_risk {
        a.tier.label = text.to_owned();
        a.reasons = vec![text.to_owned()];
    }
    for s in &mut cs.next_issues {
        s.text = text.to_owned();
    }
    for g in &mut cs.kb_gaps {
        g.examples = vec![text.to_owned()];
        g.articles = vec![text.to_owned()];
        if let Some(reply) = &mut g.reply {
            reply.text = text.to_owned();
        }
    }
    r
}

/// The HTML has only the report's own elements and attributes, every
/// attribute quoted, and only the report's own style sheet.
fn assert_html_inert(html: &str, what: &str) {
    let els = elements(html).unwrap_or_else(|e| panic!("{what}: {e}"));
    let attr = regex::Regex::new(r#"^\s+([A-Za-z][A-Za-z0-9:-]*)="[^"<>]*""#).unwrap();
    for (name, tag) in &els {
        assert!(
            REPORT_ELEMENTS.contains(&name.as_str()),
            "{what}: element <{tag}>"
        );
        let mut rest = tag[name.len()..].trim_end_matches('/');
        while let Some(c) = attr.captures(rest) {
            let a = c.get(1).unwrap().as_str();
            assert!(
                REPORT_ATTRIBUTES.contains(&a),
                "{what}: attribute {a} in <{tag}>"
            );
            rest = &rest[c.get(0).unwrap().end()..];
        }
        assert!(rest.trim().is_empty(), "{what}: {rest:?} in <{tag}>");
    }
    assert_eq!(html.matches("<style").count(), 1, "{what}");
    let style = html
        .split("<style>")
        .nth(1)
        .and_then(|s| s.split("</style>").next())
        .unwrap();
    for bad in ["@import", "url(", "expression(", "<"] {
        assert!(!style.contains(bad), "{what}: {bad} in the style sheet");
    }
}

/// Whether the character at byte `i` is escaped by a backslash (an odd
/// number of backslashes before it).
fn escaped(s: &str, i: usize) -> bool {
    s[..i].chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// The Markdown has no HTML, no link or image syntax, no autolink and no
/// code span from the text, and every table row has its header's cells.
fn assert_markdown_inert(md: &str, what: &str) {
    // The report's Markdown writes no HTML of its own.
    assert!(!md.contains('<'), "{what}: raw '<' in\n{md}");
    for (i, c) in md.char_indices() {
        if matches!(c, '[' | ']' | '`' | '@') {
            assert!(escaped(md, i), "{what}: live {c:?} at {i} in\n{md}");
        }
    }
    for (i, _) in md.match_indices("://") {
        assert!(escaped(md, i), "{what}: live autolink at {i} in\n{md}");
    }
    assert!(
        !md.to_lowercase().contains("www."),
        "{what}: live www. link"
    );
    for block in md.split("\n\n") {
        let rows: Vec<&str> = block.lines().filter(|l| l.starts_with('|')).collect();
        if rows.len() < 2 {
            continue;
        }
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        let n = cells(rows[0]);
        assert!(
            rows.iter().all(|r| cells(r) == n),
            "{what}: ragged table:\n{block}"
        );
    }
}

#[test]
fn hostile_text_in_every_field_stays_text() {
    for attack in ATTACKS {
        let r = hostile(attack);
        let html = r.to_html();
        assert_html_inert(&html, attack);
        // The text itself is there, escaped, not dropped.
        let first_line = attack.lines().next().unwrap_or("");
        let escaped_html = first_line
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(html.contains(&escaped_html), "{attack}: not shown");
        assert_markdown_inert(&r.to_markdown(), attack);
        // The matrix's own Markdown, alone.
        assert_markdown_inert(&r.matrix.as_ref().unwrap().to_markdown(), attack);
    }
}

#[test]
fn the_matrix_in_a_report_is_drawn_from_the_typed_matrix() {
    let r = hostile("</svg><img/src/onerror=alert(1)>");
    let html = r.to_html();
    let start = html
        .find("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-matrix\" class=\"chart\"")
        .unwrap();
    let figure = html[start..].split("</figure>").next().unwrap();
    assert!(figure.contains("&lt;/svg&gt;&lt;img/src/onerror=alert(1)&gt; (4)"));
    assert_eq!(figure.matches("<svg").count(), 1);
    assert_eq!(figure.matches("</svg>").count(), 1);
    // A report read back from JSON is drawn the same way: there is no field
    // for markup.
    let back: Report = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back.to_html(), html);
}

/// Text that is mostly the characters markup is made of.
fn markupish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("<"),
                Just(">"),
                Just("&"),
                Just("\""),
                Just("'"),
                Just("/"),
                Just("="),
                Just("!"),
                Just("["),
                Just("]"),
                Just("("),
                Just(")"),
                Just(":"),
                Just("@"),
                Just("."),
                Just("|"),
                Just("\n"),
                Just("#"),
                Just("*"),
                Just("`"),
                Just("\\"),
                Just("-"),
                Just(" "),
                Just("svg"),
                Just("img"),
                Just("script"),
                Just("on"),
                Just("href"),
                Just("src"),
                Just("javascript"),
                Just("www"),
                Just("http"),
                Just("1"),
                Just("@import"),
                Just("&#"),
                Just(";"),
                Just("x"),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the text in customer-text fields, the HTML has only the
    /// report's own elements and attributes, and the Markdown no live
    /// markup.
    #[test]
    fn arbitrary_text_never_adds_an_element(text in markupish()) {
        let r = hostile(&text);
        assert_html_inert(&r.to_html(), &text);
        assert_markdown_inert(&r.to_markdown(), &text);
    }
}

/// Compares a rendering with its golden file under `tests/data/report/`;
/// `SUPPORTDESK_BLESS=1 cargo test --test report` rewrites the files
/// (review the diff before committing it).
fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/report")
        .join(name);
    if std::env::var_os("SUPPORTDESK_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run SUPPORTDESK_BLESS=1 cargo test --test report to write it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendering at line {}:\n  golden: {:?}\n  actual: {:?}\n(SUPPORTDESK_BLESS=1 rewrites it)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn markdown_matches_its_golden_files_in_english_and_chinese() {
    use supportdesk::report::Lang;
    let r = report(Some(matrix("Carrier handover", "Where is my parcel?")))
        .with_time_zone(chrono_tz::Europe::London);
    golden("report.en.md", &r.to_markdown());
    golden(
        "report.zh-Hans.md",
        &r.clone().with_language(Lang::ZhHans).to_markdown(),
    );
    golden(
        "report.zh-Hant.md",
        &r.with_language(Lang::ZhHant).to_markdown(),
    );
}
