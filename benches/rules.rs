//! Rules as data (issue 14), in one run:
//!
//! 1. `rules_trigger_update`: a book of 500 active triggers of mixed kinds
//!    (status, priority, channel, tags, group, segment, message `contains`
//!    and `matches`, `time_since`, `business_hours`, `on` lists; five fire
//!    on the update, the others do not) evaluated by `Engine::triggers` on
//!    a customer reply to a ticket (21 events of history, the reply's 2
//!    included), against 10 `ticket::decide` calls on the same ticket
//!    (agent replies and tag additions). Goal: the triggers take no longer than the 10 decides.
//!    After criterion's figures a paired run prints the ratio.
//! 2. `rules_automation_sweep_1m`: one million open tickets in
//!    `InMemoryStore`'s due index under a book of 20 automations, and
//!    `Desk::sweep` over windows holding 10, 100 and 1,000 due tickets (the
//!    automation fires on each, its note and tag are committed, the ticket
//!    comes due again 24 hours later), next to the index read alone
//!    (`TicketStore::due`) for the same windows. Goal: time per due ticket
//!    flat, whatever the million stored.
//!
//! ```text
//! cargo bench --bench rules -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! `RULES_BENCH_TICKETS` changes the million (e.g. `20000` for a smoke run).

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use criterion::{BenchmarkId, Criterion, Throughput};
use serde_json::{Value, json};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, CustomerId, GroupId, TenantId, TicketId};
use supportdesk::port::{Clock, Commit, DueUpdate, ExpectedVersion, TicketStore, TicketWrite};
use supportdesk::rules::{Engine, Env, RuleBook, Update};
use supportdesk::sla::Calendars;
use supportdesk::template::TemplateSet;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds, TicketBuilder};
use supportdesk::ticket::{
    Command, Context, Event, OpenTicket, Priority, Status, Tag, Ticket, decide, open,
};
use supportdesk::{Channel, Desk, InMemoryStore};

const SHOP: TenantId = TenantId::from_u128(1);
const BOB: AgentId = AgentId::from_u128(7);
const ALICE: AgentId = AgentId::from_u128(8);
const CUSTOMER: CustomerId = CustomerId::from_u128(42);
const SUPPORT: GroupId = GroupId::from_u128(1);
const BILLING: GroupId = GroupId::from_u128(2);

fn calendars() -> Calendars {
    let ny = BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "12:00")
        .weekdays("13:00", "17:30")
        .holidays(
            ["2026-01-01", "2026-05-25", "2026-07-03", "2026-12-25"]
                .map(|d| d.parse().unwrap_or_else(|e| panic!("{e}"))),
        )
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Calendars::new().with("ny", ny)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap_or_else(|e| panic!("{e}"))
}

fn group(g: GroupId) -> Value {
    serde_json::to_value(g).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------
// 1. 500 triggers on one update against 10 decides
// ---------------------------------------------------------------------

/// The five triggers that fire on the update (Zendesk semantics: each
/// firing starts a new pass from the top, so the book is evaluated six
/// times, less the triggers already fired).
fn firing_triggers() -> Vec<Value> {
    vec![
        json!({"id": "refund-to-billing", "name": "Refund requests go to billing",
            "position": 1000, "on": ["customer_replied"],
            "conditions": {"all": [
                {"field": "status", "op": "is", "value": ["open", "pending"]},
                {"field": "message", "op": "contains", "value": ["refund", "money back"], "from": "customer"}]},
            "actions": [{"action": "add_tags", "value": ["billing/refund"]},
                        {"action": "set_group", "value": group(BILLING)}]}),
        json!({"id": "reopened-urgent", "name": "Reopened damaged orders are urgent",
            "position": 2000, "on": ["status_changed"],
            "conditions": {"all": [
                {"field": "status", "op": "changed_to", "value": "open"},
                {"field": "tags", "op": "includes_any", "value": ["shipping/damaged"]}]},
            "actions": [{"action": "set_priority", "value": "urgent"}]}),
        json!({"id": "urgent-notify-owner", "name": "Tell the owner about urgent tickets",
            "position": 3000, "on": ["priority_changed"],
            "conditions": {"all": [{"field": "priority", "op": "changed_to", "value": "urgent"}]},
            "actions": [{"action": "notify", "to": "owner", "text": "An urgent ticket needs you"}]}),
        json!({"id": "gold-tag", "name": "Gold customers are tagged",
            "position": 4000, "on": ["customer_replied", "opened"],
            "conditions": {"all": [{"field": "segment", "op": "is", "value": ["gold", "platinum"]}]},
            "actions": [{"action": "add_tags", "value": ["tier/gold"]}]}),
        json!({"id": "in-hours-note", "name": "Note replies in business hours",
            "position": 4500, "on": ["customer_replied"],
            "conditions": {"all": [
                {"field": "business_hours", "calendar": "ny", "value": true},
                {"field": "time_since", "event": "created", "op": "at_least", "hours": 2}]},
            "actions": [{"action": "add_note", "text": "Customer replied in business hours"}]}),
    ]
}

/// One of the 495 triggers that do not fire: a cheap condition that holds
/// first, then one of ten kinds that does not, with an `on` list (empty,
/// the customer's reply, or kinds this update lacks).
fn quiet_trigger(i: usize) -> Value {
    let on: Value = match i % 3 {
        0 => json!([]),
        1 => json!(["customer_replied"]),
        _ => json!(["agent_replied", "note_added"]),
    };
    let holds = json!({"field": "status", "op": "is_not", "value": ["closed"]});
    let fails = match i % 10 {
        0 => json!({"field": "status", "op": "is", "value": ["on_hold"]}),
        1 => json!({"field": "priority", "op": "is", "value": ["low"]}),
        2 => json!({"field": "channel", "op": "is", "value": ["sms", "whatsapp", "phone"]}),
        3 => json!({"field": "tags", "op": "includes_all",
                    "value": [format!("product/p{i}"), "shipping/damaged"]}),
        4 => json!({"field": "group", "op": "is",
                    "value": [group(GroupId::from_u128(1_000 + i as u128))]}),
        5 => json!({"field": "segment", "op": "is", "value": [format!("seg{i}")]}),
        6 => json!({"field": "message", "op": "contains", "from": "customer",
                    "value": [format!("keyword{i}"), format!("cancel plan {i}")]}),
        7 => json!({"field": "message", "op": "matches",
                    "value": format!(r"(?:order|invoice)\s*#?{}\b", 10_000 + i)}),
        8 => json!({"field": "time_since", "event": "updated", "op": "at_least",
                    "hours": 24 + i % 48, "calendar": "ny"}),
        _ => json!({"field": "business_hours", "calendar": "ny", "value": false}),
    };
    let action = if i % 2 == 0 {
        json!({"action": "add_tags", "value": [format!("rule/r{i}")]})
    } else {
        json!({"action": "set_priority", "value": "high"})
    };
    let mut conditions = json!({"all": [holds, fails]});
    if i % 7 == 0 {
        // Some with an `any` list as well.
        conditions["any"] = json!([
            {"field": "subject", "op": "contains", "value": [format!("topic{i}")]},
            {"field": "priority", "op": "at_least", "value": "high"}
        ]);
    }
    json!({
        "id": format!("quiet-{i:03}"), "name": format!("Quiet trigger {i}"),
        "position": i * 10, "on": on, "conditions": conditions, "actions": [action]
    })
}

/// 500 active triggers, `firing` of them (0, 1 or 5) firing on the
/// update.
fn trigger_engine(firing: usize) -> Engine {
    let mut triggers: Vec<Value> = (0..500 - firing).map(quiet_trigger).collect();
    let fire = firing_triggers();
    match firing {
        // The one that fires alone: the gold tag (no chain).
        1 => triggers.push(fire[3].clone()),
        n => triggers.extend(fire.into_iter().take(n)),
    }
    let book = json!({"semantics": "zendesk", "triggers": triggers});
    let book = RuleBook::from_json(&book.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(book.triggers.iter().filter(|t| t.active).count(), 500);
    let env = Env {
        calendars: calendars(),
        ..Env::default()
    };
    Engine::new(book, env).unwrap_or_else(|e| panic!("{e}"))
}

/// A damaged-order ticket with 21 events, pending on the customer, and
/// the update: the customer's reply asking for a refund, which reopens it.
struct Scene {
    before: Ticket,
    after: Ticket,
    update: Vec<Event>,
    history: Vec<Event>,
    customer: Customer,
    now: DateTime<Utc>,
}

fn scene() -> Scene {
    let ids = SequentialIds::new();
    let mut now = at("2026-03-02T14:05:00Z"); // Monday 09:05 in New York
    let mut opening = OpenTicket::reactive(
        CUSTOMER,
        Channel::Email,
        "Hello, my order 4411 arrived today and the box was crushed. The lamp \
         inside is broken in two places. Could you send a replacement?",
    );
    opening.subject = Some("Order 4411 arrived damaged".into());
    let d = open(SHOP, &opening, &Context::new(now, &ids)).unwrap_or_else(|e| panic!("{e}"));
    let mut history = d.events;
    let mut t = Ticket::from_events(&history).unwrap_or_else(|| panic!("no opening"));
    let script = [
        Command::Assign {
            agent: Some(BOB),
            group: Some(SUPPORT),
        },
        Command::AddTags {
            tags: vec![tag("shipping/damaged"), tag("order")],
        },
        Command::agent_reply(
            BOB,
            "Sorry to hear that! Could you send a photo of the box?",
        ),
        Command::SetPriority {
            priority: Priority::High,
        },
        Command::status(Status::Pending),
        Command::customer_reply(CUSTOMER, Channel::Email, "Here are the photos, thanks."),
        Command::AddNote {
            agent: BOB,
            body: "Checked with the warehouse: carrier damage.".into(),
        },
        Command::AgentReply {
            agent: BOB,
            channel: None,
            body: "Thank you. We are shipping a replacement today.".into(),
            then: Some(Status::Pending),
        },
        Command::customer_reply(CUSTOMER, Channel::Email, "Great, any tracking number?"),
        Command::AgentReply {
            agent: ALICE,
            channel: None,
            body: "Tracking: 1Z999AA10123456784. It should arrive Thursday.".into(),
            then: Some(Status::Pending),
        },
        Command::AddTags {
            tags: vec![tag("replacement/sent")],
        },
        Command::AddNote {
            agent: ALICE,
            body: "Replacement 4411-R shipped with UPS.".into(),
        },
    ];
    for cmd in &script {
        now += Duration::minutes(37);
        let d = decide(&t, cmd, &Context::new(now, &ids)).unwrap_or_else(|e| panic!("{e}"));
        for e in d.events {
            t.apply(&e);
            history.push(e);
        }
    }
    now += Duration::hours(18);
    let reply = Command::customer_reply(
        CUSTOMER,
        Channel::Email,
        "The replacement arrived broken as well. At this point I would rather \
         have a refund, please. Order 4411.",
    );
    let d = decide(&t, &reply, &Context::new(now, &ids)).unwrap_or_else(|e| panic!("{e}"));
    let before = t.clone();
    for e in &d.events {
        t.apply(e);
        history.push(e.clone());
    }
    let mut customer = Customer::new(
        CUSTOMER,
        SHOP,
        Identity::email("ana@example.com").unwrap_or_else(|e| panic!("{e}")),
    );
    customer.segment = Some("gold".into());
    customer.locale = Some("en".into());
    Scene {
        before,
        after: t,
        update: d.events,
        history,
        customer,
        now,
    }
}

impl Scene {
    fn update(&self) -> Update<'_> {
        Update {
            before: Some(&self.before),
            ticket: &self.after,
            events: &self.update,
            history: &self.history,
            customer: Some(&self.customer),
        }
    }
}

/// The 10 commands timed against the triggers: agent replies and tag
/// additions on the same ticket.
fn ten_commands() -> Vec<Command> {
    (0..10)
        .map(|i| {
            if i % 2 == 0 {
                Command::agent_reply(BOB, format!("Update {i}: the refund is on its way."))
            } else {
                Command::AddTags {
                    tags: vec![tag(&format!("followup/f{i}"))],
                }
            }
        })
        .collect()
}

fn run_triggers(engine: &Engine, s: &Scene, ids: &SequentialIds) -> usize {
    let ctx = Context::new(s.now, ids);
    engine
        .triggers(black_box(s.update()), &ctx)
        .map_or(0, |e| e.fired.len())
}

fn run_decides(s: &Scene, commands: &[Command], ids: &SequentialIds) -> usize {
    let ctx = Context::new(s.now, ids);
    commands
        .iter()
        .map(|c| decide(black_box(&s.after), c, &ctx).map_or(0, |d| d.events.len()))
        .sum()
}

fn bench_triggers(c: &mut Criterion) {
    let s = scene();
    let commands = ten_commands();
    let ids = SequentialIds::new();
    assert!(run_decides(&s, &commands, &ids) > 0);
    let mut g = c.benchmark_group("rules_trigger_update");
    for firing in [0, 1, 5] {
        let engine = trigger_engine(firing);
        let eval = engine
            .triggers(s.update(), &Context::new(s.now, &ids))
            .unwrap_or_else(|e| panic!("{e}"));
        let fired: Vec<&str> = eval.fired.iter().map(|f| f.rule.as_str()).collect();
        eprintln!(
            "500 triggers on a customer reply ({} history events, {} update events): fired {fired:?}, {} events, {} notifications, refused {}",
            s.history.len(),
            s.update.len(),
            eval.decision.events.len(),
            eval.decision.notifications.len(),
            eval.refused.len()
        );
        assert_eq!(fired.len(), firing, "{firing} triggers fire: {fired:?}");
        g.bench_function(format!("triggers_500_{firing}_firing"), |b| {
            b.iter(|| run_triggers(&engine, &s, &ids))
        });
    }
    g.bench_function("decide_x10", |b| {
        b.iter(|| run_decides(&s, &commands, &ids))
    });
    g.finish();
}

/// Rounds of the paired comparison, and calls per side in a round.
const ROUNDS: usize = 31;
const PER_ROUND: usize = 200;

/// Times both sides back to back, `ROUNDS` times, and prints the median,
/// lowest and highest ratio triggers / 10 decides.
fn paired_triggers(firing: usize) {
    let engine = trigger_engine(firing);
    let s = scene();
    let commands = ten_commands();
    let ids = SequentialIds::new();
    let time = |f: &dyn Fn() -> usize| {
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            black_box(f());
        }
        start.elapsed()
    };
    let trig = || run_triggers(&engine, &s, &ids);
    let dec = || run_decides(&s, &commands, &ids);
    let mut ratios = Vec::with_capacity(ROUNDS);
    let (mut t_total, mut d_total) = (StdDuration::ZERO, StdDuration::ZERO);
    for round in 0..ROUNDS {
        let (t, d) = if round % 2 == 0 {
            let t = time(&trig);
            (t, time(&dec))
        } else {
            let d = time(&dec);
            (time(&trig), d)
        };
        t_total += t;
        d_total += d;
        ratios.push(t.as_secs_f64() / d.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let per = |d: StdDuration| d.as_secs_f64() * 1e6 / (ROUNDS * PER_ROUND) as f64;
    println!(
        "\npaired triggers_500 ({firing} firing) / decide_x10 ({ROUNDS} rounds of {PER_ROUND} calls per side): \
         triggers {:.2} µs, 10 decides {:.2} µs, ratio median {:.3} (min {:.3}, max {:.3})",
        per(t_total),
        per(d_total),
        ratios[ROUNDS / 2],
        ratios[0],
        ratios[ROUNDS - 1],
    );
}

// ---------------------------------------------------------------------
// 2. Automations over one million open tickets
// ---------------------------------------------------------------------

/// The book: one automation that holds on the bench's tickets (24 hours
/// after the last update of an open ticket: tag it and add a note, which
/// updates it, so it comes due again 24 hours later) and 19 that do not
/// (other statuses, tags, priorities, assignees), as a desk's book has.
fn automation_book() -> RuleBook {
    let mut autos = vec![json!({
        "id": "idle-24h", "name": "Nudge open tickets idle for 24 hours",
        "position": 0, "after": {"event": "updated", "hours": 24},
        "conditions": {"all": [{"field": "status", "op": "is", "value": "open"}]},
        "actions": [{"action": "add_tags", "value": "stale"},
                    {"action": "add_note", "text": "No update for 24 hours."}]
    })];
    let fixed = [
        json!({"id": "pending-reminder", "name": "Remind pending customers",
            "after": {"event": "status_changed", "hours": 48},
            "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
            "actions": [{"action": "add_note", "text": "Reminder sent."}]}),
        json!({"id": "pending-autosolve", "name": "Solve pending after 4 days",
            "after": {"event": "status_changed", "hours": 96},
            "conditions": {"all": [{"field": "status", "op": "is", "value": "pending"}]},
            "actions": [{"action": "set_status", "value": "solved"}]}),
        json!({"id": "close-solved", "name": "Close solved after 4 days",
            "after": {"event": "solved", "hours": 96},
            "actions": [{"action": "set_status", "value": "closed"}]}),
        json!({"id": "on-hold-review", "name": "Review on-hold tickets",
            "after": {"event": "status_changed", "hours": 72, "calendar": "ny"},
            "conditions": {"all": [{"field": "status", "op": "is", "value": "on_hold"}]},
            "actions": [{"action": "notify", "to": "owner", "text": "On hold for 3 business days"}]}),
        json!({"id": "unassigned-urgent", "name": "Escalate unassigned high tickets",
            "after": {"event": "created", "hours": 4},
            "conditions": {"all": [{"field": "assignee", "op": "not_set"},
                                   {"field": "priority", "op": "at_least", "value": "high"}]},
            "actions": [{"action": "set_priority", "value": "urgent"}]}),
    ];
    autos.extend(fixed);
    for k in 0..14 {
        autos.push(json!({
            "id": format!("vip-watch-{k:02}"), "name": format!("Watch VIP queue {k}"),
            "after": {"event": "customer_replied", "hours": 1 + k, "minutes": 30},
            "conditions": {"all": [
                {"field": "tags", "op": "includes_any", "value": [format!("vip/q{k}")]},
                {"field": "status", "op": "is", "value": ["open", "pending"]}]},
            "actions": [{"action": "notify", "to": "team", "text": format!("VIP queue {k} waits")}]
        }));
    }
    let book = json!({
        "budget": {"max_automation_tickets_per_sweep": 100_000},
        "automations": autos
    });
    RuleBook::from_json(&book.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// The span the tickets' due times are spread over, in microseconds per
/// ticket for a million (24 hours).
const SPACING_US: i64 = 86_400;

fn ticket_count() -> usize {
    std::env::var("RULES_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

fn sweep_start() -> DateTime<Utc> {
    at("2026-03-03T00:00:00Z")
}

/// Ticket `i` (of `n`) is due at `sweep_start() + i * 24h / n`: its last
/// update (a customer reply on an open ticket) was 24 hours earlier.
fn due_of(i: usize, n: usize) -> DateTime<Utc> {
    let spacing = Duration::microseconds(SPACING_US * 1_000_000 / n as i64);
    sweep_start() + spacing * i as i32
}

/// The store with `n` open tickets in its due index, written directly (as
/// `benches/sla.rs` does) with the due time the desk would compute.
fn open_tickets(n: usize, engine: &Engine) -> InMemoryStore {
    let store = InMemoryStore::new();
    for i in 0..n {
        let due = due_of(i, n);
        // opened, first message, agent reply (and the move to open),
        // customer reply: one minute apart, the last 24 hours before due.
        let events = TicketBuilder::new()
            .tenant(SHOP)
            .id(TicketId::from_u128(i as u128 + 1))
            .opened_at(due - Duration::hours(24) - Duration::minutes(2))
            .body("Where is my order?")
            .agent_reply(BOB, "It ships tomorrow.")
            .customer_reply("It has not arrived.")
            .events();
        let ticket = Ticket::from_events(&events).unwrap_or_else(|| panic!("no opening"));
        if i == 0 {
            let next = engine
                .next_due(&ticket, &events, None)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(next, Some(due), "the index holds what the desk computes");
        }
        let commit = Commit::new(SHOP)
            .due(DueUpdate::new(ticket.id(), ticket.version(), Some(due)))
            .ticket(TicketWrite::new(ExpectedVersion::New, ticket, events));
        store.commit(&commit).unwrap_or_else(|e| panic!("{e}"));
    }
    store
}

type BenchDesk = Desk<InMemoryStore, RecordingNotifier, ManualClock>;

fn automation_desk(n: usize) -> BenchDesk {
    let book = automation_book();
    let env = Env {
        calendars: calendars(),
        ..Env::default()
    };
    let engine = Engine::new(book.clone(), env).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let store = open_tickets(n, &engine);
    eprintln!(
        "{n} open tickets in the due index, built in {:.1?}",
        started.elapsed()
    );
    // Just before the first ticket is due.
    let clock = ManualClock::new(sweep_start() - Duration::milliseconds(1));
    Desk::new(store, RecordingNotifier::new(), clock)
        .with_ids(SequentialIds::starting_at(1 << 40))
        .with_sla(
            supportdesk::sla::PolicySet::new(empty_policy()),
            calendars(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .with_rule_book(book, TemplateSet::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A policy without targets: the desk runs its SLA machinery (calendars
/// for business-time delays) but these tickets carry no policy.
fn empty_policy() -> supportdesk::sla::SlaPolicy {
    supportdesk::sla::SlaPolicy {
        id: "none".into(),
        version: 1,
        name: "no targets".into(),
        conditions: Default::default(),
        metrics: vec![],
        targets: vec![],
        warnings: vec![],
        escalation: vec![],
    }
}

fn bench_automations(c: &mut Criterion) {
    let n = ticket_count();
    let desk = automation_desk(n);
    let spacing = Duration::microseconds(SPACING_US * 1_000_000 / n as i64);

    // The index alone, like `benches/sla.rs`: the windows just ahead.
    let mut g = c.benchmark_group("rules_automation_due_1m");
    for due in [10usize, 100, 1_000] {
        let until = desk.clock().now() + spacing * due as i32;
        let got = desk
            .store()
            .due(until, usize::MAX)
            .unwrap_or_else(|e| panic!("{e}"))
            .len();
        eprintln!("  window of {due} due: {got} due of {n}");
        g.throughput(Throughput::Elements(due as u64));
        g.bench_with_input(BenchmarkId::new("due", due), &until, |b, until| {
            b.iter(|| {
                desk.store()
                    .due(black_box(*until), usize::MAX)
                    .map_or(0, |d| d.len())
            })
        });
    }
    g.finish();

    // Sweeps: each iteration moves the clock on by one window and sweeps;
    // the automation fires on every ticket due, each comes due again 24
    // hours later, so every window holds the same number of tickets.
    let mut g = c.benchmark_group("rules_automation_sweep_1m");
    g.sample_size(10);
    for due in [10usize, 100, 1_000] {
        let window = spacing * due as i32;
        let swept = AtomicUsize::new(0);
        let sweeps = AtomicUsize::new(0);
        let busy = std::sync::Mutex::new(StdDuration::ZERO);
        g.throughput(Throughput::Elements(due as u64));
        g.bench_function(BenchmarkId::new("sweep", due), |b| {
            b.iter_custom(|iters| {
                let mut took = StdDuration::ZERO;
                for _ in 0..iters {
                    desk.clock().advance(window);
                    let start = Instant::now();
                    let report = desk.sweep(usize::MAX).unwrap_or_else(|e| panic!("{e}"));
                    took += start.elapsed();
                    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
                    swept.fetch_add(report.checked, Ordering::Relaxed);
                    sweeps.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(mut b) = busy.lock() {
                    *b += took;
                }
                took
            })
        });
        let (swept, sweeps) = (swept.into_inner(), sweeps.into_inner());
        let busy = busy.into_inner().unwrap_or_default();
        eprintln!(
            "  window of {due}: {sweeps} sweeps ticked {swept} tickets ({:.1} per sweep), {:.2} µs per ticket, store {n} tickets",
            swept as f64 / sweeps.max(1) as f64,
            busy.as_secs_f64() * 1e6 / swept.max(1) as f64
        );
    }
    g.finish();
}

/// The name filters given on the command line (criterion's positional
/// arguments), to skip building what no selected group needs.
fn filters() -> Vec<String> {
    const TAKES_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--profile-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--plotting-backend",
        "--output-format",
        "--color",
        "--format",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let after_option = i > 0 && TAKES_VALUE.contains(&args[i - 1].as_str());
        if !a.starts_with('-') && !after_option {
            out.push(a.clone());
        }
    }
    out
}

/// Whether a group of this name can match the filters.
fn selected(group: &str) -> bool {
    let f = filters();
    f.is_empty()
        || f.iter()
            .any(|f| group.contains(f.as_str()) || f.contains(group))
}

/// `RULES_CALLGRIND=<firing>`: run the triggers (500, `firing` of them
/// firing) and the 10 decides 100 times each and exit, for counting
/// instructions with callgrind (see docs/performance.md).
fn callgrind_run(firing: usize) {
    let engine = trigger_engine(firing);
    let s = scene();
    let commands = ten_commands();
    let ids = SequentialIds::new();
    let mut n = 0;
    for _ in 0..100 {
        n += run_triggers(&engine, &s, &ids);
    }
    for _ in 0..100 {
        n += run_decides(&s, &commands, &ids);
    }
    println!("callgrind run ({firing} firing): {n}");
}

fn main() {
    if let Some(firing) = std::env::var("RULES_CALLGRIND")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        callgrind_run(firing);
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(StdDuration::from_secs(1))
        .measurement_time(StdDuration::from_secs(3))
        .configure_from_args();
    if selected("rules_trigger_update") {
        bench_triggers(&mut c);
    }
    if selected("rules_automation_due_1m") || selected("rules_automation_sweep_1m") {
        bench_automations(&mut c);
    }
    c.final_summary();
    // `cargo bench -- --test` only checks the benches.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench")
        && !args.iter().any(|a| a == "--test")
        && selected("rules_trigger_update")
    {
        for firing in [0, 1, 5] {
            paired_triggers(firing);
        }
    }
}
