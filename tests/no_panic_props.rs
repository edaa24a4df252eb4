//! No panic from input (public API only, overflow checks on as in every
//! test build):
//!
//! 1. Every public type that implements `Deserialize` is fed mutated JSON:
//!    a valid value of it (made through the API and written), with numbers
//!    turned into extremes, strings into odd text, fields dropped, swapped
//!    or replaced by other parts of the document. Reading returns `Ok` or
//!    `Err`, never panics; a value read is used (its main methods), written
//!    again and read back.
//! 2. Every public function that takes an instant is called with the first
//!    and last instants chrono can represent, instants next to them, and
//!    instants anywhere in between, in time zones from UTC-11 to UTC+14.

use std::collections::BTreeSet;
use std::fmt::Debug;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use supportdesk::calendar::{BusinessCalendar, CallbackPolicy, DeadlineRule};
use supportdesk::channel::{Audience, ChannelProperties, Synchrony};
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{
    AgentId, CustomerId, GroupId, MessageId, NotificationId, TenantId, TicketId,
};
use supportdesk::insight::maturity::{
    Answer, Baseline, ChampionFigures, Comparison, Evidence, EvidenceInputs, MaturityReport,
    MaturityTrait, SelfAssessment, Signal, Tier, TierModel, TraitLine, assess,
};
use supportdesk::insight::{
    Effort, Matrix, MatrixConfig, PlanItem, Quadrant, Question, ReasonInsight, ReasonRating,
    RepeatCluster, RepeatConfig, SelfService, SignalWeights, Window,
};
use supportdesk::metrics::{
    Aggregate, BacklogSummary, BaseCount, Basis, BinCount, CesSummary, ContactBase, ContactRate,
    CsatFact, CsatFigures, CsatSummary, Denominator, DurationSketch, DurationSummary, Elapsed,
    FactsOptions, Longest, LowScore, MetricsSummary, Period as MetricsPeriod, PeriodKind, Periodic,
    Rate, ResponseCsat, ResponseSummary, SpeedThreshold, TicketFacts, VolumeSummary,
};
use supportdesk::notification::{
    AgentNotice, CustomerNotice, Notification, NotificationContent, NotificationKind, Recipient,
};
use supportdesk::port::{
    Clock, Commit, Cursor, CustomerWrite, DueTicket, DueUpdate, Entity, ExpectedVersion,
    InboundKey, InboundRecord, OutboxEntry, TicketOrder, TicketQuery, TicketStore, TicketWrite,
};
use supportdesk::report::{CustomerSection, PeriodRow, Report};
use supportdesk::sla::scenario::{
    Action as ScenarioAction, Expect, ExpectAlert, Scenario, ScenarioFile, ScenarioOrigin, Step,
};
use supportdesk::sla::{
    AlertKey, AlertPoint, Calendars, Compliance, Conditions, Cycle, CycleEnd, EscalateTo,
    EscalationStep, Explanation as SlaExplanation, Fulfilment, MetricDef, Pause, PolicySet,
    SlaAlert, SlaPolicy, SlaReport, StartAnchor, Target, TargetReport, TargetState, TimeBasis,
    Timeline, Trigger, WarnAt, WhatIf,
};
use supportdesk::taxonomy::{
    AutoTags, Cardinality, Direction, Explanation as TagExplanation, Finding, Group, Input, Limits,
    LintCode, PeriodKind as SpikePeriod, Polarity, Reading, Requirement, Rule, Severity, Skipped,
    Span, Spike, SpikeConfig, SpikeNotice, TagConfig, TagCounts, TagKind, TaxonomyConfig,
    Violation,
};
use supportdesk::testing::{
    ManualClock, RecordingNotifier, SequentialIds, SlaSimulator, TicketBuilder,
};
use supportdesk::ticket::{
    self, Action, Author, AuthorRole, Ces, Command, Context, Csat, CustomerStatus,
    CustomerTicketView, Decision, EffortRating, Event, EventKind, LifecycleRules, Message,
    OpenTicket, Origin, PublicAuthor, PublicMessage, SatisfactionRating, Visibility, Waiting,
};
use supportdesk::{
    AutoTagger, Channel, Desk, InMemoryStore, Inbound, Priority, RetryPolicy, SpikeAlerts, Status,
    Tag, Taxonomy, Ticket,
};

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
const TAXONOMY: &str = include_str!("../examples/data/taxonomy.json");
const SCENARIOS: &str = include_str!("../examples/data/sla_scenarios.json");

/// Cases per type (property 1) and per function group (property 2).
const CASES: u32 = 64;

// ---------------------------------------------------------------------------
// A small desk's worth of values, made through the API.
// ---------------------------------------------------------------------------

fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

fn calendars() -> Calendars {
    let office = BusinessCalendar::builder("Europe/London")
        .weekdays("09:00", "17:00")
        .holiday(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap())
        .build()
        .unwrap();
    Calendars::new().with("office", office)
}

fn policy() -> SlaPolicy {
    let targets = Priority::ALL
        .into_iter()
        .flat_map(|p| {
            [("first_reply", 3600, true), ("next_reply", 4 * 3600, false)].map(
                |(m, s, business)| Target {
                    metric: m.into(),
                    priority: p,
                    channel: None,
                    seconds: s,
                    basis: if business {
                        TimeBasis::Business {
                            calendar: "office".into(),
                        }
                    } else {
                        TimeBasis::Calendar
                    },
                },
            )
        })
        .collect();
    SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Conditions::default(),
        metrics: vec![MetricDef::first_reply(), MetricDef::next_reply()],
        targets,
        warnings: vec![WarnAt::Share { share: 0.5 }],
        escalation: vec![EscalationStep {
            trigger: Trigger::Breach,
            level: 1,
            notify: EscalateTo::Team,
        }],
    }
}

struct World {
    tickets: Vec<Ticket>,
    histories: Vec<Vec<Event>>,
    notifications: Vec<Notification>,
    reports: Vec<SlaReport>,
    alerts: Vec<SlaAlert>,
    facts: Vec<TicketFacts>,
    aggregate: Aggregate,
    periodic: Periodic,
    taxonomy: Taxonomy,
    auto_tags: AutoTags,
    customer: Customer,
    view: CustomerTicketView,
    matrix: Matrix,
    matrix_config: MatrixConfig,
    maturity: MaturityReport,
    report: Report,
    scenarios: ScenarioFile,
    spikes: Vec<Spike>,
    decision: Decision,
    commit: Commit,
    what_if: WhatIf,
    explanation: SlaExplanation,
}

fn world() -> World {
    let taxonomy: Taxonomy = serde_json::from_str(TAXONOMY).unwrap();
    let desk = Desk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::at("2026-03-02T08:00:00Z").unwrap(),
    )
    .with_ids(SequentialIds::new())
    .with_sla(PolicySet::new(policy()), calendars())
    .unwrap()
    .with_taxonomy(taxonomy.clone())
    .with_auto_tagger(AutoTagger::new(&taxonomy).unwrap());
    let clock = desk.clock();
    let mut ids = Vec::new();
    let mut auto_tags = None;
    for (i, ch) in [Channel::Email, Channel::LiveChat, Channel::WhatsApp]
        .into_iter()
        .enumerate()
    {
        clock.advance(Duration::minutes(20));
        let who = Identity::email(&format!("c{i}@example.com")).unwrap();
        let r = desk
            .receive(
                SHOP,
                Inbound::new(who, ch, format!("Order {i} is late, parcel lost?")).subject("Late"),
            )
            .unwrap();
        auto_tags = Some(r.auto_tags.clone());
        ids.push(r.ticket);
    }
    for (i, t) in ids.iter().enumerate().take(2) {
        clock.advance(Duration::minutes(50 * i as i64 + 5));
        desk.execute(SHOP, *t, Command::agent_reply(BOB, "Tracking: 123"))
            .unwrap();
        desk.execute(
            SHOP,
            *t,
            Command::AddNote {
                agent: BOB,
                body: "called".into(),
            },
        )
        .unwrap();
        desk.execute(
            SHOP,
            *t,
            Command::AddTags {
                tags: vec![tag("shipping/late"), tag("cause")],
            },
        )
        .unwrap();
        desk.execute(SHOP, *t, Command::status(Status::Solved))
            .unwrap();
        desk.execute(
            SHOP,
            *t,
            Command::RateSatisfaction {
                score: Csat::new(if i == 0 { 2 } else { 5 }).unwrap(),
                comment: Some("slow <b>".into()),
            },
        )
        .unwrap();
        desk.execute(
            SHOP,
            *t,
            Command::RateEffort {
                score: Ces::new(3).unwrap(),
            },
        )
        .unwrap();
    }
    clock.advance(Duration::hours(5));
    let swept = desk.sweep(100).unwrap();
    let now = clock.now();
    let tickets: Vec<Ticket> = ids.iter().map(|t| desk.ticket(SHOP, *t).unwrap()).collect();
    let histories: Vec<Vec<Event>> = ids
        .iter()
        .map(|t| desk.history(SHOP, *t).unwrap())
        .collect();
    let reports: Vec<SlaReport> = ids
        .iter()
        .map(|t| desk.sla_report(SHOP, *t).unwrap())
        .collect();
    let options = FactsOptions::new(now, calendars())
        .with_business_calendar("office")
        .unwrap();
    let facts: Vec<TicketFacts> = histories
        .iter()
        .filter_map(|h| TicketFacts::from_events(h, &options).unwrap())
        .collect();
    let aggregate: Aggregate = facts.iter().collect();
    let mut periodic = Periodic::new(PeriodKind::Day, chrono_tz::Europe::London);
    facts.iter().for_each(|f| periodic.add(f));
    let summary = aggregate.summary();
    let customer = desk.customer(SHOP, tickets[0].customer()).unwrap();
    let view = desk
        .customer_view(SHOP, ids[0], tickets[0].customer())
        .unwrap();
    let matrix_config = MatrixConfig::new(vec![
        ReasonRating::new(tag("shipping"), -2, -2),
        ReasonRating::new(tag("order-status"), -1, 1),
    ]);
    let window = Window::new(
        "2026-03-01T00:00:00Z".parse().unwrap(),
        "2026-04-01T00:00:00Z".parse().unwrap(),
    );
    let mut matrix_facts = facts.clone();
    let mut questions: Vec<Question> = tickets.iter().filter_map(Question::from_ticket).collect();
    for n in 0..6u128 {
        let b = TicketBuilder::new()
            .id(TicketId::from_u128(100 + n))
            .opened_at("2026-03-03T10:00:00Z".parse().unwrap())
            .tag(if n % 2 == 0 {
                "shipping/late"
            } else {
                "order-status"
            })
            .body("Where is my order 42?");
        matrix_facts.push(b.facts_at("2026-04-01T00:00:00Z".parse().unwrap()));
        questions.extend(b.question());
    }
    let matrix = Matrix::build_with_questions(
        &matrix_facts,
        &questions,
        &matrix_config,
        window,
        Some(&taxonomy),
        None,
    )
    .unwrap();
    let answers = SelfAssessment::new()
        .answer(MaturityTrait::SkilledTeam, true)
        .answer_with_note(MaturityTrait::ActsOnFeedback, true, "we call back");
    let inputs = EvidenceInputs::new(&summary, now)
        .with_periods(&periodic)
        .with_agents(1)
        .with_baseline(Baseline {
            first_response_seconds: Some(4.0 * 3600.0),
            resolution_seconds: None,
            channels: Some(2),
        });
    let maturity = assess(&TierModel::esg_2021(), &answers, &inputs).unwrap();
    let report = Report::new("Shop", summary, now)
        .with_periods(&periodic)
        .with_maturity(maturity.clone());
    let scenarios: ScenarioFile = serde_json::from_str(SCENARIOS).unwrap();
    let mut spike_tickets = Vec::new();
    let monday: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
    for n in 0..12u128 {
        spike_tickets.push(
            TicketBuilder::new()
                .id(TicketId::from_u128(500 + n))
                .opened_at(monday + Duration::hours(n as i64))
                .tag("shipping/late")
                .build(),
        );
    }
    let spikes = supportdesk::taxonomy::detect_spikes(
        &spike_tickets,
        Some(&taxonomy),
        monday,
        &SpikeConfig::default(),
    );
    assert!(!spikes.is_empty());
    let seq = SequentialIds::new();
    let ctx = Context::new(now, &seq);
    let decision = ticket::decide(&tickets[2], &Command::agent_reply(BOB, "On it"), &ctx).unwrap();
    let mut commit = Commit::new(SHOP);
    commit.tickets.push(TicketWrite::new(
        ExpectedVersion::Version(tickets[2].version()),
        tickets[2].clone(),
        decision.events.clone(),
    ));
    commit
        .customers
        .push(CustomerWrite::new(ExpectedVersion::New, customer.clone()));
    commit.inbound.push(InboundRecord::new(
        InboundKey::new(Channel::Email, "<m1@example.com>"),
        tickets[2].id(),
        tickets[2].messages()[0].id,
        customer.id,
    ));
    commit.notifications = desk.notifier().sent();
    commit
        .due
        .push(DueUpdate::new(tickets[2].id(), 3, Some(now)));
    let what_if = supportdesk::sla::what_if(&histories, &calendars(), None, None, now).unwrap();
    let explanation = reports
        .iter()
        .flat_map(|r| r.targets.iter())
        .find_map(|t| supportdesk::sla::explain(t, &calendars()).ok())
        .unwrap();
    World {
        tickets,
        notifications: desk.notifier().sent(),
        histories,
        reports,
        alerts: swept.alerts.into_iter().map(|(_, a)| a).collect(),
        facts,
        aggregate,
        periodic,
        taxonomy,
        auto_tags: auto_tags.unwrap(),
        customer,
        view,
        matrix,
        matrix_config,
        maturity,
        report,
        scenarios,
        spikes,
        decision,
        commit,
        what_if,
        explanation,
    }
}

// ---------------------------------------------------------------------------
// Mutations.
// ---------------------------------------------------------------------------

const NUMBERS: &[&str] = &[
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551615",
    "-1",
    "0",
    "1",
    "1e308",
    "-1e308",
    "0.5",
    "255",
    "256",
    "65536",
    "4294967296",
    "340282366920938463463374607431768211455",
];

const STRINGS: &[&str] = &[
    "",
    "NaN",
    "inf",
    "-1",
    "+262142-12-31T23:59:59.999999999Z",
    "+262142-12-31T23:59:59Z",
    "+262142-12-31T23:00:00Z",
    "-262143-01-01T00:00:00Z",
    "-262143-01-01T00:00:01Z",
    "-262143-01-01T11:00:00Z",
    "+262142-12-31T23:59:59.999999999-14:00",
    "+262142-12-31",
    "-262143-01-01",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "2026-02-30",
    "24:00",
    "23:59",
    "25:61",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Mars/Olympus",
    "a/b/c",
    "A B",
    "\u{0}\u{202e}x",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "00000000-0000-0000-0000-000000000000",
    "day",
    "week",
    "month",
    "iso_week",
    "email",
    "business",
    "calendar",
    "<svg/onload=alert(1)>",
];

/// Every node of a document, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(x, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The numbers of a document down to depth 4, looking only into the first
/// element of each array.
fn shallow_numbers(v: &Value, at: String, depth: usize, out: &mut Vec<String>) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Number(_) => out.push(at),
        Value::Object(m) => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                shallow_numbers(x, format!("{at}/{k}"), depth + 1, out);
            }
        }
        Value::Array(a) => {
            if let Some(x) = a.first() {
                shallow_numbers(x, format!("{at}/0"), depth + 1, out);
            }
        }
        _ => {}
    }
}

/// One change to a document: which node, what to do, and a number that
/// picks among the choices of that change.
type Mutation = (u32, u8, u32);

fn pick<T: Copy>(xs: &[T], n: u32) -> T {
    xs[n as usize % xs.len()]
}

/// A node picked by a walk from the root that stops at each level with
/// probability 1/4, else goes into a child picked uniformly: every field of
/// an object is as likely as its siblings, however long the arrays beside it.
fn walk(doc: &Value, seed: u32) -> String {
    let mut x = u64::from(seed) | 1;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    let mut at = String::new();
    let mut v = doc;
    loop {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(m) => m
                .iter()
                .map(|(k, x)| (k.replace('~', "~0").replace('/', "~1"), x))
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (i.to_string(), x))
                .collect(),
            _ => Vec::new(),
        };
        if children.is_empty() || (!at.is_empty() && next() % 4 == 0) {
            return at;
        }
        let (k, child) = &children[next() % children.len()];
        at = format!("{at}/{k}");
        v = child;
    }
}

fn mutate(doc: &mut Value, (node, kind, aux): Mutation) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let at = walk(doc, node);
    let other = doc
        .pointer(&all[aux as usize % all.len()])
        .cloned()
        .unwrap_or(Value::Null);
    let Some(target) = doc.pointer_mut(&at) else {
        return;
    };
    match kind % 10 {
        0 => *target = serde_json::from_str(pick(NUMBERS, aux)).unwrap(),
        1 => *target = Value::String(pick(STRINGS, aux).to_owned()),
        2 => {
            *target = match aux % 4 {
                0 => Value::Null,
                1 => Value::Bool(aux % 8 > 3),
                2 => json!([]),
                _ => json!({}),
            }
        }
        3 => match target {
            // Drop a field or an element.
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(aux as usize % m.len()).cloned().unwrap();
                m.remove(&k);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(aux as usize % a.len());
            }
            _ => *target = Value::Null,
        },
        4 => match target {
            // Swap two fields or elements.
            Value::Object(m) if m.len() > 1 => {
                let keys: Vec<String> = m.keys().cloned().collect();
                let a = keys[aux as usize % keys.len()].clone();
                let b = keys[(aux as usize / 7 + 1) % keys.len()].clone();
                let va = m[&a].clone();
                let vb = std::mem::replace(m.get_mut(&b).unwrap(), va);
                m.insert(a, vb);
            }
            Value::Array(a) if a.len() > 1 => {
                let n = a.len();
                a.swap(aux as usize % n, (aux as usize / 7 + 1) % n);
            }
            _ => {}
        },
        5 => *target = other,
        6 => {
            // Nudge a number: next to the valid value.
            if let Some(n) = target.as_i64() {
                *target = json!(match aux % 4 {
                    0 => n.saturating_add(1),
                    1 => n.saturating_sub(1),
                    2 => n.saturating_mul(2),
                    _ => n.saturating_neg(),
                });
            } else if let Some(n) = target.as_u64() {
                *target = json!(n.saturating_add(u64::from(aux % 3)));
            } else if let Some(f) = target.as_f64() {
                *target = json!(-f);
            }
        }
        7 => {
            // Duplicate an element (repeated ids, periods, keys).
            if let Value::Array(a) = target {
                if let Some(x) = a.get(aux as usize % a.len().max(1)).cloned() {
                    a.push(x);
                }
            }
        }
        8 => {
            // Rename a key (maps keyed by name).
            if let Value::Object(m) = target {
                if !m.is_empty() {
                    let k = m.keys().nth(aux as usize % m.len()).cloned().unwrap();
                    let v = m.remove(&k).unwrap();
                    m.insert(pick(STRINGS, aux / 3).to_owned(), v);
                }
            }
        }
        _ => {
            // Grow a string or an array a lot.
            match target {
                Value::String(s) => *s = s.repeat(200),
                Value::Array(a) if !a.is_empty() => {
                    let x = a[0].clone();
                    a.extend(std::iter::repeat_n(x, 300));
                }
                _ => *target = json!(pick(NUMBERS, aux).len()),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Probes: read, use, write, read again.
// ---------------------------------------------------------------------------

struct Probe {
    name: &'static str,
    seeds: Vec<Value>,
    check: Box<dyn Fn(&Value)>,
}

/// Reads `v` as `T`; if that works, uses the value, writes it and reads it
/// back (what was read must be writable and readable again).
fn check<T: DeserializeOwned + Serialize + Debug>(v: &Value, use_it: &dyn Fn(&T)) {
    let text = v.to_string();
    let Ok(x) = serde_json::from_str::<T>(&text) else {
        return;
    };
    let _ = format!("{x:?}");
    use_it(&x);
    let again = serde_json::to_string(&x)
        .unwrap_or_else(|e| panic!("read from {text} but cannot be written: {e}"));
    if let Err(e) = serde_json::from_str::<T>(&again) {
        panic!("read from {text}, written as {again}, which cannot be read: {e}");
    }
}

macro_rules! probe {
    ($ty:ty, [$($seed:expr),+ $(,)?]) => {
        probe!($ty, [$($seed),+], |_x: &$ty| {})
    };
    ($ty:ty, [$($seed:expr),+ $(,)?], $use:expr) => {{
        let use_it = $use;
        Probe {
            name: stringify!($ty),
            seeds: vec![$(serde_json::to_value(&$seed).unwrap()),+],
            check: Box::new(move |v: &Value| check::<$ty>(v, &use_it)),
        }
    }};
}

/// The part of a document at a JSON pointer (it must be there).
fn part(v: &impl Serialize, pointer: &str) -> Value {
    let v = serde_json::to_value(v).unwrap();
    v.pointer(pointer)
        .cloned()
        .unwrap_or_else(|| panic!("no {pointer} in {v}"))
}

/// An object without one of its fields.
fn without(mut v: Value, field: &str) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove(field);
    }
    v
}

/// Runs every probe on mutations of its seeds.
fn run(probes: Vec<Probe>) {
    let mut failures = Vec::new();
    for p in &probes {
        assert!(!p.seeds.is_empty());
        // Each seed as it is reads back; then every number near the root
        // (arrays: their first element) at every extreme.
        for s in &p.seeds {
            (p.check)(s);
            let mut numbers = Vec::new();
            shallow_numbers(s, String::new(), 0, &mut numbers);
            for at in numbers {
                for n in NUMBERS {
                    let mut doc = s.clone();
                    *doc.pointer_mut(&at).unwrap() = serde_json::from_str(n).unwrap();
                    let r =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (p.check)(&doc)));
                    if r.is_err() {
                        failures.push(format!("{}: {at} = {n} panics", p.name));
                    }
                }
            }
        }
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (
            any::<u32>(),
            prop::collection::vec((any::<u32>(), any::<u8>(), any::<u32>()), 1..4),
        );
        let result = runner.run(&strategy, |(seed, mutations)| {
            let mut doc = p.seeds[seed as usize % p.seeds.len()].clone();
            for m in &mutations {
                mutate(&mut doc, *m);
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (p.check)(&doc)));
            r.map_err(|e| {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                TestCaseError::fail(format!("{msg}\n  input: {doc}"))
            })
        });
        if let Err(e) = result {
            failures.push(format!("{}: {e}", p.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

struct Orders;

impl ContactBase for Orders {
    fn orders(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> Option<u64> {
        Some(7)
    }
    fn active_customers(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> Option<u64> {
        Some(3)
    }
}

fn use_sketch(s: &DurationSketch) {
    for p in [f64::NAN, -1.0, 0.0, 0.1, 0.5, 0.9, 0.99, 1.0, 2.0] {
        let _ = s.quantile(p);
    }
    let _ = (
        s.mean(),
        s.median(),
        s.min(),
        s.max(),
        s.sum(),
        s.is_exact(),
    );
    for v in [0, 1, 127, 128, 1 << 40, u64::MAX] {
        let _ = s.count_at_most(v);
    }
    let mut twice = s.clone();
    twice.merge(s);
    twice.add(u64::MAX);
    twice.add(0);
    let _ = twice.quantile(0.5);
}

fn use_aggregate(a: &Aggregate, facts: &[TicketFacts]) {
    let s = a.summary();
    let _ = (s.first_response.times.describe(), s.resolution.describe());
    let mut b = a.clone();
    b.merge(a);
    for f in facts {
        b.add(f);
        b.add_backlog(f, i64::MIN);
        b.add_backlog(f, i64::MAX);
    }
    let _ = b.summary();
    let _ = (
        b.csat(),
        b.ces(),
        b.backlog(),
        b.volume(),
        b.one_touch(),
        b.reopen_rate(),
    );
    let _ = (b.first_response(Basis::Business), b.csat_by_response_time());
    for c in a.sla().values() {
        let _ = c.rate();
    }
    let _ = ContactRate::of(
        a,
        &Orders,
        Denominator::Orders,
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
    );
    let _ = s;
}

fn use_periodic(p: &Periodic, facts: &[TicketFacts]) {
    let mut q = p.clone();
    q.merge(p).unwrap();
    for f in facts {
        q.add(f);
    }
    for t in [i64::MIN, -1, 0, i64::MAX] {
        let _ = q.period_of(t);
    }
    let total = q.total();
    let _ = total.summary();
    let _ = q.contact_rates(&Orders, Denominator::ActiveCustomers);
    for (period, a) in q.periods() {
        let _ = (
            period.to_string(),
            period.bounds(q.timezone()),
            period.next(),
        );
        let _ = a.summary();
    }
    let summary = total.summary();
    let _ = Report::new("r", summary, DateTime::<Utc>::MIN_UTC)
        .with_periods(&q)
        .to_markdown();
}

fn use_facts(f: &TicketFacts) {
    let mut a = Aggregate::new();
    a.add(f);
    a.add(f);
    let _ = a.summary();
    // One kind and zone: a ticket open across all of time counts in the
    // backlog of 10,000 periods (facts_spanning_all_of_time_... covers the
    // others).
    let mut p = Periodic::new(PeriodKind::Month, chrono_tz::Pacific::Kiritimati);
    p.add(f);
    let _ = p.total().summary();
    let _ = (f.created(), f.status_at(f.as_of), f.status_at(i64::MIN));
}

fn use_ticket(t: &Ticket) {
    let _ = (
        t.public_messages().count(),
        t.solved_at(),
        t.first_agent_reply(),
    );
    let _ = CustomerTicketView::of(t);
    let seq = SequentialIds::new();
    for now in instants() {
        let ctx = Context::new(now, &seq);
        for c in commands() {
            let _ = ticket::decide(t, &c, &ctx);
        }
    }
    let _ = supportdesk::taxonomy::detect_spikes(
        std::slice::from_ref(t),
        None,
        t.created_at(),
        &SpikeConfig::default(),
    );
}

fn use_events(events: &[Event]) {
    let cal = calendars();
    let _ = Ticket::from_events(events);
    let now = instants();
    for now in [now[0], now[4], now[9]] {
        if let Ok(r) = supportdesk::sla::evaluate(events, &cal, now, Some(&policy())) {
            use_sla_report(&r);
        }
        if let Ok(Some(f)) = TicketFacts::from_events(events, &FactsOptions::new(now, cal.clone()))
        {
            use_facts(&f);
        }
    }
}

fn use_sla_report(r: &SlaReport) {
    let cal = calendars();
    let p = policy();
    for t in &r.targets {
        let _ = supportdesk::sla::explain(t, &cal).map(|e| e.to_string());
    }
    for now in instants() {
        let _ = supportdesk::sla::due_alerts(r, &p, &BTreeSet::new(), now);
        let _ = supportdesk::sla::next_wakeup(r, &p, &BTreeSet::new(), now);
    }
}

// ---------------------------------------------------------------------------
// Property 1: mutated JSON of every public `Deserialize` type.
// ---------------------------------------------------------------------------

#[test]
fn metrics_types_survive_mutated_json() {
    let w = world();
    let facts = w.facts.clone();
    let facts2 = w.facts.clone();
    let summary = w.aggregate.summary();
    let mut sketch = DurationSketch::new();
    for v in 0..100 {
        sketch.add(v * v * 37);
    }
    let mut small = DurationSketch::new();
    small.add(60);
    small.add(3600);
    run(vec![
        probe!(
            DurationSketch,
            [sketch, small, DurationSketch::new()],
            use_sketch
        ),
        probe!(
            Aggregate,
            [w.aggregate, Aggregate::new()],
            move |a: &Aggregate| { use_aggregate(a, &facts) }
        ),
        probe!(Periodic, [w.periodic], move |p: &Periodic| use_periodic(
            p, &facts2
        )),
        probe!(TicketFacts, [w.facts[0], w.facts[1], w.facts[2]], use_facts),
        probe!(Elapsed, [Elapsed::new(5).with_business(3)]),
        probe!(CsatFact, [CsatFact::new(Csat::new(2).unwrap(), 5)]),
        probe!(Denominator, [Denominator::Orders]),
        probe!(
            ContactRate,
            [ContactRate::of(
                &w.aggregate,
                &Orders,
                Denominator::Orders,
                DateTime::<Utc>::MIN_UTC,
                DateTime::<Utc>::MAX_UTC
            )
            .unwrap()]
        ),
        probe!(
            Longest,
            [Longest {
                seconds: 5,
                ticket: TicketId::from_u128(1)
            }]
        ),
        probe!(LowScore, [part(&summary, "/csat/low_scores/0")]),
        probe!(
            MetricsPeriod,
            [MetricsPeriod::containing(
                PeriodKind::Month,
                NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
            )],
            |p: &MetricsPeriod| {
                let _ = (
                    p.to_string(),
                    p.next(),
                    p.bounds(chrono_tz::Pacific::Kiritimati),
                );
            }
        ),
        probe!(PeriodKind, [PeriodKind::IsoWeek]),
        probe!(Basis, [Basis::Business]),
        probe!(Rate, [Rate { count: 1, of: 2 }], |r: &Rate| {
            let _ = (r.value(), r.percent());
        }),
        probe!(
            DurationSummary,
            [summary.first_response.times],
            |d: &DurationSummary| {
                let _ = d.describe();
            }
        ),
        probe!(BinCount, [part(&summary, "/backlog/by_age/0")]),
        probe!(ResponseSummary, [summary.first_response]),
        probe!(CsatFigures, [summary.csat.overall], |c: &CsatFigures| {
            let _ = c.variance();
        }),
        probe!(CsatSummary, [summary.csat]),
        probe!(CesSummary, [summary.ces]),
        probe!(BacklogSummary, [summary.backlog]),
        probe!(VolumeSummary, [summary.volume]),
        probe!(ResponseCsat, [summary.csat_by_response_time[0]]),
        probe!(
            SpeedThreshold,
            [json!({"within": 900, "plateau_mean": 4.5, "beyond_mean": 3.0})]
        ),
        probe!(MetricsSummary, [summary], |s: &MetricsSummary| {
            let _ = supportdesk::metrics::speed_threshold(&s.csat_by_response_time, 0, f64::NAN);
            let _ = Report::new("r", s.clone(), DateTime::<Utc>::MAX_UTC).to_html();
            let inputs = EvidenceInputs::new(s, DateTime::<Utc>::MAX_UTC);
            let _ = assess(&TierModel::esg_2021(), &SelfAssessment::new(), &inputs);
        }),
    ]);
}

#[test]
fn insight_and_report_types_survive_mutated_json() {
    let w = world();
    let m = w.matrix.clone();
    let tickets = w.facts.clone();
    let taxonomy = w.taxonomy.clone();
    run(vec![
        probe!(Matrix, [w.matrix], |m: &Matrix| {
            let _ = (m.to_markdown(), m.to_svg());
            let report = Report::new("r", Aggregate::new().summary(), DateTime::<Utc>::MIN_UTC)
                .with_matrix(m.clone());
            let _ = (report.to_html(), report.to_markdown());
        }),
        probe!(MatrixConfig, [w.matrix_config], move |c: &MatrixConfig| {
            for window in [
                m.window,
                Window::new(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC),
            ] {
                let _ = Matrix::build(&tickets, c, window, Some(&taxonomy), None)
                    .map(|m| (m.to_markdown(), m.to_svg()));
            }
        }),
        probe!(Quadrant, [part(&w.matrix, "/reasons/0/quadrant")]),
        probe!(ReasonRating, [part(&w.matrix, "/reasons/0/rating")]),
        probe!(SignalWeights, [part(&w.matrix_config, "/signals")]),
        probe!(BaseCount, [BaseCount::new(Denominator::Orders, 5)]),
        probe!(
            Question,
            [
                Question::new(TicketId::from_u128(1), CustomerId::from_u128(2), 3, "q")
                    .with_reply("r")
            ],
            |q: &Question| {
                let _ = supportdesk::insight::repeated_questions(
                    std::slice::from_ref(q),
                    &RepeatConfig::default(),
                    |_| None,
                );
            }
        ),
        probe!(Effort, [part(&w.matrix, "/reasons/0/effort")]),
        probe!(
            SelfService,
            [SelfService {
                asked_often: true,
                near_identical: 3
            }]
        ),
        probe!(ReasonInsight, [part(&w.matrix, "/reasons/0")]),
        probe!(PlanItem, [part(&w.matrix, "/plan/0")]),
        probe!(Window, [w.matrix.window], |x: &Window| {
            let _ = (
                x.previous(),
                x.previous().previous(),
                x.contains(DateTime::<Utc>::MAX_UTC),
            );
        }),
        probe!(RepeatConfig, [part(&w.matrix_config, "/repeats")]),
        probe!(RepeatCluster, [part(&w.matrix, "/repeats/0")]),
        probe!(MaturityTrait, [MaturityTrait::TimelyData]),
        probe!(Tier, [part(&TierModel::esg_2021(), "/tiers/0")]),
        probe!(
            TierModel,
            [TierModel::esg_2021(), TierModel::esg_2020()],
            |t: &TierModel| {
                let _ = t.validate();
                for held in [0, 1, 5, 255] {
                    let _ = (t.tier_for(held), t.next_tier(held));
                }
            }
        ),
        probe!(
            Answer,
            [part(
                &SelfAssessment::new().answer_with_note(MaturityTrait::SkilledTeam, true, "x"),
                "/answers/skilled_team"
            )]
        ),
        probe!(
            SelfAssessment,
            [SelfAssessment::new().answer_with_note(MaturityTrait::SkilledTeam, true, "x")]
        ),
        probe!(Signal, [part(&w.maturity, "/traits/0/evidence/0/signal")]),
        probe!(Evidence, [part(&w.maturity, "/traits/0/evidence/0")]),
        probe!(
            Baseline,
            [Baseline {
                first_response_seconds: Some(1.0),
                resolution_seconds: Some(2.0),
                channels: Some(1)
            }]
        ),
        probe!(
            ChampionFigures,
            [
                json!({"first_response_faster": 0.43, "resolution_faster": 0.53, "one_touch": 0.84, "channels_multiple": 2.1, "starter_first_response_seconds": 3600.0})
            ],
            |c: &ChampionFigures| {
                let _ = c.champion_first_response_seconds();
            }
        ),
        probe!(Comparison, [part(&w.maturity, "/comparison")]),
        probe!(
            TraitLine,
            [part(&w.maturity, "/traits/0")],
            |t: &TraitLine| {
                let _ = t.disputed();
            }
        ),
        probe!(MaturityReport, [w.maturity], |m: &MaturityReport| {
            let _ = (m.traits_held().count(), m.next_steps().count());
            let _ = Report::new("r", Aggregate::new().summary(), DateTime::<Utc>::MIN_UTC)
                .with_maturity(m.clone())
                .to_html();
        }),
        probe!(Report, [w.report], |r: &Report| {
            let _ = (r.to_html(), r.to_markdown());
        }),
        probe!(PeriodRow, [part(&w.report, "/periods/0")]),
        probe!(
            CustomerSection,
            [customer_section()],
            |c: &CustomerSection| {
                let r = Report::new("r", Aggregate::new().summary(), DateTime::<Utc>::MIN_UTC)
                    .with_customers(c.clone().with_top(3));
                let _ = (r.to_html(), r.to_markdown());
            }
        ),
    ]);
}

/// A customer section with an at-risk customer, repeat contacts, a
/// next-issue pair and a knowledge-base gap: three customers who each ask
/// twice within a day.
fn customer_section() -> Value {
    use supportdesk::experience::{
        Ledger, LedgerConfig, NextIssueConfig, NextIssueCounts, NextIssues, RepeatRule, Same,
    };
    use supportdesk::insight::{KbConfig, KbReasons, Question, kb_gaps};
    let start: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
    let as_of: DateTime<Utc> = "2026-04-01T00:00:00Z".parse().unwrap();
    let builders: Vec<TicketBuilder> = (0..6u128)
        .map(|n| {
            TicketBuilder::new()
                .id(TicketId::from_u128(700 + n))
                .customer(CustomerId::from_u128(700 + n % 3))
                .opened_at(start + Duration::hours(n as i64))
                .tag("shipping/late")
                .body("Where is my order 42?")
                .agent_reply(AgentId::from_u128(1), "Tracking link")
                .status(Status::Solved)
        })
        .collect();
    let facts: Vec<TicketFacts> = builders.iter().map(|b| b.facts_at(as_of)).collect();
    let questions: Vec<Question> = builders
        .iter()
        .filter_map(TicketBuilder::question)
        .collect();
    let taxonomy = supportdesk::Taxonomy::from_config(Default::default()).unwrap();
    let config = LedgerConfig::default().with_repeat(RepeatRule::default().with_same(Same::Any));
    let mut ledger = Ledger::new(config, &taxonomy, Calendars::new()).unwrap();
    facts.iter().for_each(|f| ledger.add(f));
    let counts = NextIssueCounts::count(
        &facts,
        &taxonomy,
        &NextIssueConfig::default(),
        &Calendars::new(),
        as_of.timestamp(),
    )
    .unwrap();
    let reasons = [Tag::new("shipping/late").unwrap()];
    let kb = KbConfig {
        min_volume: 3,
        ..KbConfig::default()
    };
    let section = CustomerSection::new(
        ledger.at_risk(as_of.timestamp(), 10).unwrap(),
        &ledger.repeat_report(0, as_of.timestamp()).unwrap(),
        &NextIssues::from_counts(&counts, &NextIssueConfig::default()),
        kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &[], &kb).unwrap(),
    );
    assert!(!section.at_risk.is_empty() && !section.kb_gaps.is_empty());
    let mut v = serde_json::to_value(&section).unwrap();
    v["next_issues"] = json!([{
        "when": "a", "also": "b", "text": "When answering a, also answer b",
        "evidence": {"reason": "b", "count": 3, "of": 10, "probability": 0.3, "low": 0.1, "high": 0.6}
    }]);
    v
}

#[test]
fn sla_and_calendar_types_survive_mutated_json() {
    let w = world();
    let histories = w.histories.clone();
    let target_report = w.reports[0].targets[0].clone();
    let events = w.histories[0].clone();
    run(vec![
        probe!(
            BusinessCalendar,
            [
                calendars().get("office").unwrap(),
                part(&w.scenarios, "/calendars/ny_split")
            ],
            |c: &BusinessCalendar| {
                use_calendar(c, DateTime::<Utc>::MAX_UTC);
                use_calendar(c, "2026-03-02T09:00:00Z".parse().unwrap());
            }
        ),
        probe!(Calendars, [calendars(), part(&w.scenarios, "/calendars")]),
        probe!(
            DeadlineRule,
            [part(&w.scenarios, "/calendars/ny_split_roll/deadline_rule")]
        ),
        probe!(SlaPolicy, [policy()], move |p: &SlaPolicy| {
            let cal = calendars();
            let _ = p.validate(&cal);
            for now in instants() {
                if let Ok(r) = supportdesk::sla::evaluate(&events, &cal, now, Some(p)) {
                    use_sla_report(&r);
                }
                let _ = supportdesk::sla::simulate(&events, &cal, Some(p), now);
            }
        }),
        probe!(
            PolicySet,
            [PolicySet::new(policy())],
            move |p: &PolicySet| {
                let _ = p.validate(&calendars());
                let _ = supportdesk::sla::what_if(
                    &histories,
                    &calendars(),
                    Some(p),
                    None,
                    DateTime::<Utc>::MAX_UTC,
                );
            }
        ),
        probe!(TimeBasis, [TimeBasis::Calendar]),
        probe!(Target, [policy().targets[0]]),
        probe!(WarnAt, [part(&policy(), "/warnings/0")]),
        probe!(Trigger, [part(&policy(), "/escalation/0/trigger")]),
        probe!(EscalateTo, [EscalateTo::Team, EscalateTo::Agent(BOB)]),
        probe!(EscalationStep, [part(&policy(), "/escalation/0")]),
        probe!(Conditions, [part(&policy(), "/conditions")]),
        probe!(
            MetricDef,
            [
                MetricDef::first_reply(),
                MetricDef::agent_work(),
                MetricDef::total_resolution()
            ],
            |m: &MetricDef| {
                let defs = [m.clone()];
                let mut t = Timeline::new(&defs);
                for e in &world_events() {
                    t.observe(e);
                }
            }
        ),
        probe!(StartAnchor, [part(&MetricDef::next_reply(), "/start")]),
        probe!(Fulfilment, [part(&MetricDef::first_reply(), "/fulfilment")]),
        probe!(
            SlaReport,
            [
                w.reports[0],
                w.reports[1],
                running_until(DateTime::<Utc>::MAX_UTC)
            ],
            use_sla_report
        ),
        probe!(TargetReport, [target_report], |t: &TargetReport| {
            let _ = supportdesk::sla::explain(t, &calendars()).map(|e| e.to_string());
        }),
        probe!(TargetState, [TargetState::Breached]),
        probe!(
            Pause,
            [
                json!({"from": "2026-03-02T09:00:00Z", "to": "2026-03-02T10:00:00Z", "status": "pending"})
            ]
        ),
        probe!(
            Cycle,
            [
                json!({"index": 0, "start": "2026-03-02T09:00:00Z", "end": ["2026-03-02T10:00:00Z", "fulfilled"], "pauses": [{"from": "2026-03-02T09:10:00Z", "to": null, "status": "pending"}], "solved_at": null})
            ]
        ),
        probe!(CycleEnd, [CycleEnd::Cancelled]),
        probe!(SlaExplanation, [w.explanation], |e: &SlaExplanation| {
            let _ = e.to_string();
        }),
        probe!(
            Compliance,
            [Compliance {
                met: 1,
                breached: 2,
                open: 0,
                cancelled: 0
            }],
            |c: &Compliance| {
                let _ = c.rate();
            }
        ),
        probe!(WhatIf, [w.what_if]),
        probe!(AlertPoint, [part(&w.alerts[0], "/key/point")]),
        probe!(AlertKey, [w.alerts[0].key]),
        probe!(SlaAlert, [w.alerts[0]]),
        probe!(ScenarioFile, [w.scenarios], |f: &ScenarioFile| {
            for o in supportdesk::sla::scenario::run_all(f) {
                let _ = o.passed();
            }
        }),
        probe!(ScenarioOrigin, [part(&w.scenarios, "/scenarios/13/origin")]),
        probe!(Scenario, [part(&w.scenarios, "/scenarios/0")]),
        probe!(
            ScenarioAction,
            [
                json!({"do": "agent_reply", "then": "solved"}),
                json!({"do": "customer_reply"})
            ]
        ),
        probe!(Step, [part(&w.scenarios, "/scenarios/1/steps/0")]),
        probe!(Expect, [part(&w.scenarios, "/scenarios/0/expect/0")]),
        probe!(
            ExpectAlert,
            [part(&w.scenarios, "/scenarios/4/expect_alerts/0")]
        ),
    ]);
}

/// An SLA report with one running target due at `deadline`.
fn running_until(deadline: DateTime<Utc>) -> SlaReport {
    let mut v = serde_json::to_value(world_report()).unwrap();
    let t = &mut v["targets"][0];
    t["state"] = json!("running");
    t["deadline"] = json!(deadline);
    t["ended_at"] = Value::Null;
    t["warnings"] = json!([]);
    serde_json::from_value(v).unwrap()
}

fn world_report() -> SlaReport {
    let events = TicketBuilder::new().events();
    let at = events[0].at;
    supportdesk::sla::evaluate(&events, &calendars(), at, Some(&policy())).unwrap()
}

fn world_events() -> Vec<Event> {
    TicketBuilder::new()
        .agent_reply(BOB, "hi")
        .customer_reply("more")
        .status(Status::Solved)
        .events()
}

#[test]
fn ticket_desk_and_port_types_survive_mutated_json() {
    let w = world();
    let ticket = w.tickets[0].clone();
    run(vec![
        probe!(Ticket, [w.tickets[0], w.tickets[2]], use_ticket),
        probe!(
            Event,
            [w.histories[0][0], w.histories[0][1], w.histories[1][4]],
            |e: &Event| {
                use_events(std::slice::from_ref(e));
            }
        ),
        probe!(Vec<Event>, [w.histories[0], w.histories[2]], |h: &Vec<
            Event,
        >| {
            use_events(h)
        }),
        probe!(
            EventKind,
            [
                part(&w.histories[0][0], "/kind"),
                part(&w.histories[0][2], "/kind")
            ]
        ),
        probe!(Message, [w.tickets[0].messages()[0]]),
        probe!(Author, [part(&w.tickets[0].messages()[0], "/author")]),
        probe!(AuthorRole, [AuthorRole::Agent]),
        probe!(Visibility, [Visibility::Internal]),
        probe!(Tag, [tag("shipping/late")]),
        probe!(Csat, [Csat::new(4).unwrap()]),
        probe!(Ces, [Ces::new(7).unwrap()]),
        probe!(Status, [Status::OnHold]),
        probe!(Priority, [Priority::Urgent]),
        probe!(Waiting, [Waiting::Us]),
        probe!(SatisfactionRating, [w.tickets[0].satisfaction().unwrap()]),
        probe!(EffortRating, [w.tickets[0].effort().unwrap()]),
        probe!(
            LifecycleRules,
            [LifecycleRules::default()],
            move |r: &LifecycleRules| {
                let seq = SequentialIds::new();
                for now in instants() {
                    let ctx = Context::new(now, &seq).with_rules(r);
                    for c in commands() {
                        let _ = ticket::decide(&ticket, &c, &ctx);
                    }
                }
            }
        ),
        probe!(Decision, [w.decision]),
        probe!(Origin, [part(&w.tickets[0], "/origin")]),
        probe!(
            OpenTicket,
            [
                OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "hi")
                    .with_tags([tag("shipping")])
            ],
            |o: &OpenTicket| {
                let seq = SequentialIds::new();
                for now in instants() {
                    let _ = ticket::open(SHOP, o, &Context::new(now, &seq));
                }
            }
        ),
        probe!(
            Command,
            [commands()[0], commands()[2], commands()[5], commands()[6]],
            |c: &Command| {
                let _ = c.action();
                let t = world_ticket();
                let seq = SequentialIds::new();
                for now in instants() {
                    let _ = ticket::decide(&t, c, &Context::new(now, &seq));
                }
            }
        ),
        probe!(Action, [Action::AgentReply]),
        probe!(CustomerStatus, [part(&w.view, "/status")]),
        probe!(PublicAuthor, [part(&w.view, "/messages/0/from")]),
        probe!(PublicMessage, [part(&w.view, "/messages/0")]),
        probe!(CustomerTicketView, [w.view]),
        probe!(Notification, [w.notifications[0], w.notifications[1]]),
        probe!(NotificationKind, [w.notifications[0].kind]),
        probe!(
            NotificationContent,
            [w.notifications[0].content, w.notifications[1].content]
        ),
        probe!(
            CustomerNotice,
            [without(part(&w.notifications[0], "/content"), "audience")]
        ),
        probe!(
            AgentNotice,
            [without(part(&w.notifications[1], "/content"), "audience")]
        ),
        probe!(Recipient, [Recipient::Team, w.notifications[0].recipient]),
        probe!(Channel, [Channel::WhatsApp]),
        probe!(Synchrony, [Synchrony::Asynchronous]),
        probe!(Audience, [Audience::Public]),
        probe!(ChannelProperties, [Channel::Email.properties()]),
        probe!(TicketId, [TicketId::from_u128(5)]),
        probe!(TenantId, [SHOP]),
        probe!(CustomerId, [CustomerId::from_u128(u128::MAX)]),
        probe!(AgentId, [BOB]),
        probe!(GroupId, [GroupId::from_u128(3)]),
        probe!(MessageId, [MessageId::from_u128(4)]),
        probe!(NotificationId, [NotificationId::from_u128(6)]),
        probe!(
            Identity,
            [
                Identity::email("a@example.com").unwrap(),
                Identity::external("shop", "42").unwrap()
            ],
            |i: &Identity| {
                let _ = i.to_string();
            }
        ),
        probe!(Customer, [w.customer]),
        probe!(
            SpikeAlerts,
            [SpikeAlerts::new(SpikeConfig::default(), Recipient::Team)]
        ),
        probe!(RetryPolicy, [RetryPolicy::default()]),
        probe!(
            Inbound,
            [Inbound::new(
                Identity::email("a@example.com").unwrap(),
                Channel::Email,
                "hi"
            )
            .subject("s")],
            use_inbound
        ),
        probe!(Commit, [w.commit], |c: &Commit| {
            let _ = c.validate();
            let _ = InMemoryStore::new().commit(c);
        }),
        probe!(ExpectedVersion, [ExpectedVersion::Version(3)]),
        probe!(Entity, [Entity::Ticket(TicketId::from_u128(1))]),
        probe!(InboundKey, [w.commit.inbound[0].key]),
        probe!(InboundRecord, [w.commit.inbound[0]]),
        probe!(TicketWrite, [w.commit.tickets[0]]),
        probe!(CustomerWrite, [w.commit.customers[0]]),
        probe!(DueUpdate, [w.commit.due[0]]),
        probe!(
            DueTicket,
            [DueTicket::new(
                SHOP,
                TicketId::from_u128(1),
                DateTime::<Utc>::MAX_UTC
            )]
        ),
        probe!(
            OutboxEntry,
            [OutboxEntry::new(
                w.notifications[0].clone(),
                2,
                Some("x".into())
            )]
        ),
        probe!(TicketOrder, [TicketOrder::CreatedAsc]),
        probe!(Cursor, [TicketQuery::new().cursor_of(&w.tickets[0])]),
        probe!(
            TicketQuery,
            [TicketQuery::new()
                .tag(tag("shipping"))
                .updated_between(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)],
            |q: &TicketQuery| {
                let _ = q.effective_limit();
                let _ = InMemoryStore::new().query(SHOP, q);
            }
        ),
    ]);
}

fn world_ticket() -> Ticket {
    TicketBuilder::new().agent_reply(BOB, "hi").build()
}

fn use_inbound(i: &Inbound) {
    for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let desk = Desk::new(
            InMemoryStore::new(),
            RecordingNotifier::new(),
            ManualClock::new(now),
        )
        .with_ids(SequentialIds::new());
        let _ = desk.receive(SHOP, i.clone());
    }
}

#[test]
fn taxonomy_types_survive_mutated_json() {
    let w = world();
    // A small taxonomy for the limits: compiling the example's rules for
    // every case would dominate the test's time.
    let taxonomy: Taxonomy = serde_json::from_value(json!({
        "tags": [{"tag": "shipping/late", "kind": "what"}],
        "rules": [{"name": "late", "pattern": "late|delayed", "add": ["shipping/late"]}]
    }))
    .unwrap();
    let tickets = w.tickets.clone();
    run(vec![
        probe!(Taxonomy, [w.taxonomy], move |t: &Taxonomy| use_taxonomy(
            t, &tickets
        )),
        probe!(
            TaxonomyConfig,
            [w.taxonomy.to_config()],
            |c: &TaxonomyConfig| {
                if let Ok(t) = Taxonomy::from_config(c.clone()) {
                    use_taxonomy(&t, &[]);
                }
            }
        ),
        probe!(TagConfig, [part(&w.taxonomy.to_config(), "/tags/0")]),
        probe!(TagKind, [TagKind::Why]),
        probe!(Polarity, [Polarity::Bad]),
        probe!(
            Cardinality,
            [part(&w.taxonomy.to_config(), "/groups/0/cardinality")]
        ),
        probe!(Group, [part(&w.taxonomy.to_config(), "/groups/0")]),
        probe!(
            Requirement,
            [part(&w.taxonomy.to_config(), "/solve_requires/0")]
        ),
        probe!(Rule, [part(&w.taxonomy.to_config(), "/rules/0")]),
        probe!(Limits, [Limits::default()], move |l: &Limits| {
            if let Ok(t) = AutoTagger::with_limits(&taxonomy, *l) {
                let _ = t.tag(&Input::new("late parcel lost refund", Channel::Email));
            }
        }),
        probe!(AutoTags, [w.auto_tags]),
        probe!(Span, [part(&w.auto_tags, "/explanations/0/spans/0")]),
        probe!(TagExplanation, [part(&w.auto_tags, "/explanations/0")]),
        probe!(
            Skipped,
            [json!({"tag": "shipping", "rule": "r", "reason": "conflict"})]
        ),
        probe!(SpikePeriod, [SpikePeriod::IsoWeek], |p: &SpikePeriod| {
            for at in instants() {
                for tz in zones() {
                    let s = p.start_of(at, tz);
                    let _ = p.back(s, u32::MAX);
                }
            }
        }),
        probe!(SpikeConfig, [SpikeConfig::default()], |c: &SpikeConfig| {
            let tickets = [world_ticket()];
            for at in instants() {
                let _ = supportdesk::taxonomy::detect_spikes(&tickets, None, at, c);
            }
        }),
        probe!(Direction, [Direction::Down]),
        probe!(Reading, [Reading::Good]),
        probe!(Spike, [w.spikes[0]], |s: &Spike| {
            let _ = (s.summary(), s.notice(), s.change_percent());
            let _ = supportdesk::taxonomy::spike_notifications(
                SHOP,
                std::slice::from_ref(s),
                DateTime::<Utc>::MAX_UTC,
                &Recipient::Team,
            );
        }),
        probe!(SpikeNotice, [w.spikes[0].notice()]),
        probe!(LintCode, [part(&w.taxonomy.lint(), "/0/code")]),
        probe!(Severity, [Severity::Warning]),
        probe!(Finding, [w.taxonomy.lint()[0]]),
        probe!(
            Violation,
            [w.taxonomy.solve_violations(&BTreeSet::new())[0]]
        ),
    ]);
}

fn use_taxonomy(t: &Taxonomy, tickets: &[Ticket]) {
    let _ = t.lint();
    let _ = t.solve_violations(&BTreeSet::new());
    let _ = t.check_add(
        &BTreeSet::new(),
        &[tag("shipping/late"), tag("order-status")],
    );
    if let Ok(a) = AutoTagger::new(t) {
        let _ = a.tag(&Input::new("my parcel is late and lost", Channel::Email));
    }
    let at = instants();
    for at in [at[0], at[4], at[9]] {
        let _ = supportdesk::taxonomy::detect_spikes(tickets, Some(t), at, &SpikeConfig::default());
    }
}

// ---------------------------------------------------------------------------
// Property 2: extreme instants to every public function taking one.
// ---------------------------------------------------------------------------

fn zones() -> [Tz; 6] {
    [
        chrono_tz::UTC,
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::America::New_York,
        chrono_tz::Pacific::Pago_Pago,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
    ]
}

/// The ends of chrono's range and instants next to them, and two ordinary
/// ones.
fn instants() -> Vec<DateTime<Utc>> {
    let min = DateTime::<Utc>::MIN_UTC;
    let max = DateTime::<Utc>::MAX_UTC;
    vec![
        min,
        min + Duration::seconds(1),
        min + Duration::hours(13),
        min + Duration::days(8),
        max,
        max - Duration::seconds(1),
        max - Duration::hours(13),
        max - Duration::days(8),
        DateTime::<Utc>::UNIX_EPOCH,
        "2026-03-08T23:30:00Z".parse().unwrap(),
    ]
}

/// Any instant chrono can represent, weighted towards the ends.
fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let min = DateTime::<Utc>::MIN_UTC.timestamp();
    let max = DateTime::<Utc>::MAX_UTC.timestamp();
    prop_oneof![min..=max, min..=min + 40 * 86_400, max - 40 * 86_400..=max,]
        .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn any_zone() -> impl Strategy<Value = Tz> {
    (0usize..6).prop_map(|i| zones()[i])
}

fn commands() -> Vec<Command> {
    vec![
        Command::agent_reply(BOB, "hi"),
        Command::customer_reply(CustomerId::from_u128(1), Channel::Email, "more"),
        Command::status(Status::Solved),
        Command::status(Status::Pending),
        Command::AddNote {
            agent: BOB,
            body: "n".into(),
        },
        Command::AddTags {
            tags: vec![tag("shipping/late")],
        },
        Command::RateSatisfaction {
            score: Csat::new(1).unwrap(),
            comment: None,
        },
        Command::Assign {
            agent: Some(BOB),
            group: None,
        },
        Command::SetPriority {
            priority: Priority::High,
        },
    ]
}

fn use_calendar(c: &BusinessCalendar, at: DateTime<Utc>) {
    let other = DateTime::<Utc>::MAX_UTC;
    let early = DateTime::<Utc>::MIN_UTC;
    let _ = c.add(at, 3600);
    let _ = c.add(at, i64::MAX);
    let _ = c.add(at, i64::MIN);
    let _ = c.add_duration(at, Duration::seconds(90));
    let _ = c.add_with_pauses(at, 3600, &[(at, other), (early, at)]);
    let _ = c.elapsed(at, other);
    let _ = c.elapsed(early, at);
    let _ = c.elapsed_duration(at, other);
    let _ = c.elapsed_with_pauses(early, at, &[(early, other)]);
    let _ = c.is_open(at);
    let _ = c.next_opening(at);
    let _ = c.next_closing(at);
    let _ = c.prepare(at, other);
    let _ = c.prepare(early, at);
    let _ = c.open_intervals(at, other).map(|i| i.take(3).count());
    let _ = c.open_intervals(early, at).map(|i| i.take(3).count());
    let policy = CallbackPolicy::new(
        std::time::Duration::from_secs(1800),
        std::time::Duration::from_secs(1800),
    );
    let _ = c.callback_windows(at, 3, &policy);
    let _ = c.callback_windows(
        at,
        3,
        &policy.with_horizon(std::time::Duration::from_secs(u64::MAX)),
    );
}

/// Calendars in `tz`: office hours with a closure from `at` on and an
/// opening before it, and around the clock.
fn zone_calendar(at: DateTime<Utc>, tz: Tz) -> Vec<BusinessCalendar> {
    let closed = BusinessCalendar::builder(tz.name())
        .weekdays("09:00", "17:30")
        .closure(at, DateTime::<Utc>::MAX_UTC)
        .opening(DateTime::<Utc>::MIN_UTC, at)
        .build();
    let always = BusinessCalendar::builder(tz.name())
        .every_day("00:00", "24:00")
        .build();
    closed.into_iter().chain(always).collect()
}

/// An event history shifted so that it starts at `at` (events past the end
/// of the range are dropped).
fn history_at(events: &[Event], at: DateTime<Utc>) -> Vec<Event> {
    let first = events[0].at;
    events
        .iter()
        .filter_map(|e| {
            let mut e = e.clone();
            e.at = at.checked_add_signed(e.at - first)?;
            Some(e)
        })
        .collect()
}

fn instants_in_every_zone(f: impl Fn(DateTime<Utc>, Tz)) {
    for at in instants() {
        for tz in zones() {
            f(at, tz);
        }
    }
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(any_instant(), any_zone()), |(at, tz)| {
            f(at, tz);
            Ok(())
        })
        .unwrap();
}

#[test]
fn calendars_take_any_instant_in_any_zone() {
    instants_in_every_zone(|at, tz| {
        for c in zone_calendar(at, tz) {
            use_calendar(&c, at);
        }
    });
}

#[test]
fn taxonomy_takes_any_instant_in_any_zone() {
    let taxonomy: Taxonomy = serde_json::from_str(TAXONOMY).unwrap();
    instants_in_every_zone(|at, tz| {
        for p in [SpikePeriod::Day, SpikePeriod::IsoWeek, SpikePeriod::Month] {
            let start = p.start_of(at, tz);
            let _ = p.back(start, 520);
            let mut counts = TagCounts::new(p, tz);
            counts.add(&tag("shipping"), at);
            let config = SpikeConfig {
                period: p,
                time_zone: tz,
                min_count: 0,
                drops: true,
                ..SpikeConfig::default()
            };
            let _ = supportdesk::taxonomy::spikes_in(&counts, Some(&taxonomy), at, &config);
            let t = TicketBuilder::new().opened_at(at).tag("shipping").build();
            let spikes = supportdesk::taxonomy::detect_spikes(
                std::slice::from_ref(&t),
                Some(&taxonomy),
                at,
                &config,
            );
            let _ = supportdesk::taxonomy::spike_notifications(SHOP, &spikes, at, &Recipient::Team);
        }
    });
}

#[test]
fn metrics_take_any_instant_in_any_zone() {
    let w = world();
    instants_in_every_zone(|at, tz| {
        let secs = at.timestamp();
        for h in &w.histories {
            let h = history_at(h, at);
            let options = FactsOptions::new(at, calendars())
                .with_business_calendar("office")
                .unwrap();
            let _ = TicketFacts::from_events(&h, &options);
            let _ = TicketFacts::from_events(&w.histories[0], &options);
        }
        for base in &w.facts {
            // Spans of at most a day here: a ticket counts in the backlog of
            // up to 10,000 periods, which the test below covers once.
            for (created, as_of) in [
                (secs, secs),
                (secs.saturating_sub(86_400), secs),
                (secs, secs.saturating_add(86_400)),
                (secs, secs.saturating_sub(1)),
            ] {
                let mut f = base.clone();
                f.created_at = created;
                f.as_of = as_of;
                f.last_event_at = as_of;
                if let Some(c) = &mut f.csat {
                    c.at = secs;
                }
                let mut a = Aggregate::new();
                a.add(&f);
                a.add_backlog(&f, secs);
                let s = a.summary();
                let _ = Report::new("r", s.clone(), at).to_html();
                let _ = assess(
                    &TierModel::esg_2021(),
                    &SelfAssessment::new(),
                    &EvidenceInputs::new(&s, at),
                );
                for kind in [PeriodKind::Day, PeriodKind::IsoWeek, PeriodKind::Month] {
                    let mut p = Periodic::new(kind, tz);
                    let _ = p.period_of(secs);
                    p.add(&f);
                    let _ = p.contact_rates(&Orders, Denominator::Orders);
                    let _ = Report::new("r", p.total().summary(), at)
                        .with_periods(&p)
                        .to_markdown();
                    let inputs = EvidenceInputs::new(&s, at).with_periods(&p);
                    let _ = assess(&TierModel::esg_2021(), &SelfAssessment::new(), &inputs);
                }
                let _ = ContactRate::of(&a, &Orders, Denominator::Orders, at, at);
            }
        }
    });
}

#[test]
fn facts_spanning_all_of_time_fit_every_period_kind_and_zone() {
    let w = world();
    for (created, as_of) in [
        (i64::MIN, i64::MAX),
        (i64::MAX, i64::MIN),
        (i64::MIN, i64::MIN),
    ] {
        let mut f = w.facts[2].clone();
        f.created_at = created;
        f.as_of = as_of;
        f.last_event_at = as_of;
        let mut a = Aggregate::new();
        a.add(&f);
        let _ = a.summary();
        for kind in [PeriodKind::Day, PeriodKind::IsoWeek, PeriodKind::Month] {
            for tz in zones() {
                let mut p = Periodic::new(kind, tz);
                p.add(&f);
                assert!(p.periods().count() <= 10_001);
                let _ = p.total().summary();
            }
        }
    }
}

#[test]
fn insight_takes_any_instant() {
    let w = world();
    instants_in_every_zone(|at, _| {
        let builders: Vec<TicketBuilder> = (0..3u128)
            .map(|n| {
                TicketBuilder::new()
                    .id(TicketId::from_u128(n))
                    .opened_at(at)
                    .tag("shipping/late")
                    .body("Where is my order?")
            })
            .collect();
        let options = FactsOptions::new(at, calendars());
        let facts: Vec<TicketFacts> = builders
            .iter()
            .filter_map(|b| {
                TicketFacts::from_events(&b.events(), &options)
                    .ok()
                    .flatten()
            })
            .collect();
        let questions: Vec<Question> = builders
            .iter()
            .filter_map(TicketBuilder::question)
            .collect();
        for window in [
            Window::new(DateTime::<Utc>::MIN_UTC, at),
            Window::new(at, DateTime::<Utc>::MAX_UTC),
            Window::new(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC),
            Window::new(at, at),
        ] {
            let _ = (window.previous(), window.contains(at));
            let denominator = |_: Denominator, _: DateTime<Utc>, _: DateTime<Utc>| Some(3);
            let _ = Matrix::build_with_questions(
                &facts,
                &questions,
                &w.matrix_config,
                window,
                Some(&w.taxonomy),
                Some(&denominator),
            )
            .map(|m| (m.to_markdown(), m.to_svg()));
        }
    });
}

#[test]
fn sla_takes_any_instant() {
    let w = world();
    let cal = calendars();
    let p = policy();
    instants_in_every_zone(|at, _| {
        for h in &w.histories {
            for events in [history_at(h, at), h.clone()] {
                if events.is_empty() {
                    continue;
                }
                let _ = supportdesk::sla::applied_policy(&events, at);
                if let Ok(r) = supportdesk::sla::evaluate(&events, &cal, at, Some(&p)) {
                    use_sla_report(&r);
                }
                let _ = supportdesk::sla::simulate(&events, &cal, Some(&p), at);
                let _ = SlaSimulator::new(&events, &cal).policy(&p).run_until(at);
                let _ =
                    supportdesk::sla::what_if(std::slice::from_ref(&events), &cal, None, None, at);
                let metrics = [MetricDef::first_reply(), MetricDef::next_reply()];
                let timeline = Timeline::from_events(&metrics, &events);
                let _ = supportdesk::sla::report(&p, &timeline, &cal, at);
            }
        }
        for r in &w.reports {
            let _ = supportdesk::sla::due_alerts(r, &p, &BTreeSet::new(), at);
            let _ = supportdesk::sla::next_wakeup(r, &p, &BTreeSet::new(), at);
        }
    });
}

#[test]
fn tickets_decide_at_any_instant() {
    let w = world();
    instants_in_every_zone(|at, _| {
        let seq = SequentialIds::new();
        let ctx = Context::new(at, &seq).with_taxonomy(&w.taxonomy);
        for t in &w.tickets {
            for c in commands() {
                let _ = ticket::decide(t, &c, &ctx);
            }
            let _ = ticket::merge(t, &w.tickets[2], &ctx);
        }
        let fresh = TicketBuilder::new().opened_at(at).build();
        for c in commands() {
            if let Ok(d) = ticket::decide(&fresh, &c, &ctx) {
                let mut t = fresh.clone();
                d.events.iter().for_each(|e| t.apply(e));
                let _ = CustomerTicketView::of(&t);
            }
        }
        let open = OpenTicket::reactive(CustomerId::from_u128(1), Channel::Email, "hi");
        let _ = ticket::open(SHOP, &open, &ctx);
        let _ = TicketQuery::new().updated_between(at, DateTime::<Utc>::MAX_UTC);
    });
}

/// A desk on `store` whose clock stands at `at`, with SLA and spike alerts
/// in `tz`.
fn desk_at<S: TicketStore>(
    store: S,
    at: DateTime<Utc>,
    tz: Tz,
) -> Desk<S, RecordingNotifier, ManualClock> {
    static TAGGER: std::sync::OnceLock<(Taxonomy, AutoTagger)> = std::sync::OnceLock::new();
    let (taxonomy, tagger) = TAGGER.get_or_init(|| {
        let taxonomy: Taxonomy = serde_json::from_str(TAXONOMY).unwrap();
        let tagger = AutoTagger::new(&taxonomy).unwrap();
        (taxonomy, tagger)
    });
    let config = SpikeConfig {
        period: SpikePeriod::Day,
        time_zone: tz,
        min_count: 1,
        baseline_periods: 3,
        ..SpikeConfig::default()
    };
    Desk::new(store, RecordingNotifier::new(), ManualClock::new(at))
        .with_ids(SequentialIds::new())
        .with_sla(PolicySet::new(policy()), calendars())
        .unwrap()
        .with_taxonomy(taxonomy.clone())
        .with_auto_tagger(tagger.clone())
        .with_spike_alerts(SpikeAlerts::new(config, Recipient::Team))
}

/// Everything a host does with a desk, at its clock's instant.
fn exercise<S: TicketStore>(desk: &Desk<S, RecordingNotifier, ManualClock>) {
    let at = desk.clock().now();
    let who = Identity::email("ana@example.com").unwrap();
    let r = desk.receive(
        SHOP,
        Inbound::new(who, Channel::Email, "parcel late").external_id("m1"),
    );
    if let Ok(r) = &r {
        for c in commands() {
            let _ = desk.execute(SHOP, r.ticket, c);
        }
        let _ = desk.sla_report(SHOP, r.ticket);
        let _ = desk.tick(SHOP, r.ticket);
        let _ = desk.customer_view(SHOP, r.ticket, r.customer);
        let _ = desk.history(SHOP, r.ticket);
    }
    let _ = desk.next_wakeup();
    let _ = desk.sweep(10);
    let _ = desk.check_spikes(SHOP);
    let _ = desk.dispatch_outbox(10);
    let _ = desk.store().due(at, 10);
    let _ = desk.store().query(
        SHOP,
        &TicketQuery::new().updated_between(at, DateTime::<Utc>::MAX_UTC),
    );
}

#[test]
fn the_desk_runs_at_any_instant_in_any_zone() {
    for at in instants() {
        for tz in zones() {
            exercise(&desk_at(InMemoryStore::new(), at, tz));
        }
    }
    let mut runner = TestRunner::new(Config {
        cases: 8,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(any_instant(), any_zone()), |(at, tz)| {
            exercise(&desk_at(InMemoryStore::new(), at, tz));
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_sqlite_desk_runs_at_the_ends_of_time() {
    for at in instants() {
        for tz in [
            chrono_tz::Pacific::Kiritimati,
            chrono_tz::Pacific::Pago_Pago,
        ] {
            let store = supportdesk::SqliteStore::in_memory().unwrap();
            exercise(&desk_at(store, at, tz));
        }
    }
}

#[test]
fn the_test_kit_takes_any_instant() {
    instants_in_every_zone(|at, _| {
        let b = TicketBuilder::new()
            .opened_at(at)
            .agent_reply(BOB, "a")
            .customer_reply("b")
            .status(Status::Solved);
        let _ = (b.events(), b.build());
        let clock = ManualClock::new(at);
        clock.set(at);
        clock.advance(Duration::days(1));
        let _ = clock.now();
    });
}

// ---------------------------------------------------------------------------
// Named regressions of the findings (each fails without its fix).
// ---------------------------------------------------------------------------

#[test]
fn a_sketch_with_min_above_max_is_refused() {
    let bad = json!({"count": 100, "sum": 5000, "min": 90, "max": 10,
                     "exact": [], "buckets": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100]});
    let err = serde_json::from_value::<DurationSketch>(bad.clone()).unwrap_err();
    assert!(
        err.to_string().contains("min 90 is above its max 10"),
        "{err}"
    );
    // Inside an aggregate, the whole aggregate is refused.
    let mut agg = serde_json::to_value(Aggregate::new()).unwrap();
    agg["resolution"] = bad;
    assert!(serde_json::from_value::<Aggregate>(agg).is_err());
}

#[test]
fn periodic_round_trips_through_json() {
    let w = world();
    let text = serde_json::to_string(&w.periodic).unwrap();
    let back: Periodic = serde_json::from_str(&text).unwrap();
    assert_eq!(back, w.periodic);
    assert_eq!(back.total(), w.periodic.total());
    // A period of another kind, or a week not starting on a Monday, is
    // refused with the period named.
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["periods"][0]["period"]["start"] = json!("2026-03-04");
    v["kind"] = json!("iso_week");
    let err = serde_json::from_value::<Periodic>(v)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2026-03-04") && err.contains("IsoWeek"),
        "{err}"
    );
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let first = v["periods"][0].clone();
    v["periods"].as_array_mut().unwrap().push(first);
    let err = serde_json::from_value::<Periodic>(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than once"), "{err}");
}

#[test]
fn the_ends_of_time_have_a_period_in_every_zone() {
    let max = DateTime::<Utc>::MAX_UTC;
    let min = DateTime::<Utc>::MIN_UTC;
    let east = chrono_tz::Pacific::Kiritimati;
    let west = chrono_tz::Pacific::Pago_Pago;
    assert_eq!(SpikePeriod::Day.start_of(max, east), NaiveDate::MAX);
    assert_eq!(SpikePeriod::Day.start_of(min, west), NaiveDate::MIN);
    let mut p = Periodic::new(PeriodKind::Day, east);
    assert_eq!(p.period_of(max.timestamp()).start, NaiveDate::MAX);
    assert_eq!(p.period_of(i64::MAX).start, NaiveDate::MAX);
    let window = Window::new(min + Duration::days(1), max);
    assert_eq!(window.previous(), Window::new(min, window.from));
    let desk = desk_at(InMemoryStore::new(), max, east);
    assert!(desk.check_spikes(SHOP).unwrap().spikes.is_empty());
}

#[test]
fn facts_opened_at_the_first_second_age_without_wrapping() {
    let mut f = TicketFacts::new(
        TicketId::from_u128(1),
        CustomerId::from_u128(1),
        Channel::Email,
        i64::MIN,
    );
    f.as_of = i64::MAX;
    let mut a = Aggregate::new();
    a.add(&f);
    let s = a.summary();
    assert_eq!(s.backlog.open, 1);
    assert_eq!(s.backlog.oldest.map(|o| o.seconds), Some(u64::MAX));
    assert_eq!(s.backlog.at, Some(DateTime::<Utc>::MAX_UTC));
}

#[test]
fn counts_read_at_their_maximum_saturate() {
    let mut v = serde_json::to_value(Aggregate::new()).unwrap();
    v["tickets"] = json!(u64::MAX);
    v["reactive"] = json!(u64::MAX);
    v["first_response_sla"]["met"] = json!(u64::MAX);
    v["first_response_sla"]["breached"] = json!(u64::MAX);
    let mut a: Aggregate = serde_json::from_value(v).unwrap();
    let mut f = TicketFacts::new(
        TicketId::from_u128(1),
        CustomerId::from_u128(1),
        Channel::Email,
        0,
    );
    f.first_reply_sla = Some(TargetState::Fulfilled);
    a.add(&f);
    assert_eq!(a.tickets(), u64::MAX);
    let s = a.summary();
    assert_eq!(s.first_response.within_target.of, u64::MAX);
    let c = Compliance {
        met: usize::MAX,
        breached: usize::MAX,
        open: 0,
        cancelled: 0,
    };
    assert!(c.rate().is_some());
}
