//! A week of a lamp shop's tickets under a rule book: triggers, time-based
//! automations, two macros and reply-quality advice, then a dry run of a
//! changed rule book over the same week next to what actually fired.
//!
//! Run with `cargo run --example automations`. The rule books and
//! templates are in `examples/data/automations/`; their format is
//! documented in `docs/automations.md`.

use std::collections::BTreeMap;
use std::error::Error;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::{Customer, Identity};
use supportdesk::id::{AgentId, TenantId, TicketId};
use supportdesk::model::{
    Conditions, EscalateTo, EscalationStep, MetricDef, SlaPolicy, Target, TimeBasis, Trigger,
    WarnAt,
};
use supportdesk::plan::Profile;
use supportdesk::port::Clock;
use supportdesk::rules::{Engine, Env, ReplayReport, RuleBook};
use supportdesk::sla::{Calendars, PolicySet};
use supportdesk::template::TemplateSet;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Command, Csat, Event, EventKind, causes};
use supportdesk::{Channel, Desk, InMemoryStore, Inbound, Outcome, Priority, ReplyQuality, Status};

const RULES: &str = include_str!("data/automations/rules.json");
const PROPOSED: &str = include_str!("data/automations/rules-proposed.json");
const TEMPLATES: &str = include_str!("data/automations/templates.json");

const BERLIN: Tz = chrono_tz::Europe::Berlin;

type ShopDesk = Desk<InMemoryStore, RecordingNotifier, ManualClock>;

fn calendars() -> Result<Calendars, Box<dyn Error>> {
    let support = BusinessCalendar::builder("Europe/Berlin")
        .weekdays("09:00", "17:00")
        .build()?;
    Ok(Calendars::new().with("support", support))
}

fn policies() -> PolicySet {
    let targets = Priority::ALL
        .into_iter()
        .zip([8 * 3600, 4 * 3600, 2 * 3600, 3600])
        .map(|(priority, seconds)| Target {
            metric: "first_reply".into(),
            priority,
            channel: None,
            seconds,
            basis: TimeBasis::Business {
                calendar: "support".into(),
            },
        })
        .collect();
    PolicySet::new(SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Conditions::default(),
        metrics: vec![MetricDef::first_reply()],
        targets,
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: vec![EscalationStep {
            trigger: Trigger::Breach,
            level: 1,
            notify: EscalateTo::Team,
        }],
    })
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&BERLIN)
        .format("%a %d %b %H:%M %Z")
        .to_string()
}

/// `#` and the ticket id's last four hex digits.
fn short(id: TicketId) -> String {
    let text = id.to_string();
    format!("#{}", &text[text.len().saturating_sub(4)..])
}

fn clip(text: &str, n: usize) -> String {
    let t: String = text.chars().take(n).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Prints the rules that fired in `events`, with what each caused.
fn print_firings(events: &[Event]) {
    let by = causes(events);
    for (i, e) in events.iter().enumerate() {
        let EventKind::RuleFired { firing } = &e.kind else {
            continue;
        };
        let mut did: Vec<String> = Vec::new();
        for (j, c) in events.iter().enumerate().skip(i + 1) {
            if by[j].is_none_or(|f| !std::ptr::eq(f, &**firing)) {
                break;
            }
            did.push(match &c.kind {
                EventKind::AutomatedReplySent { message } => {
                    format!("reply \"{}\"", clip(&message.body, 70))
                }
                EventKind::AgentReplied { message } => {
                    format!("agent reply \"{}\"", clip(&message.body, 70))
                }
                EventKind::NoteAdded { message } => format!("note \"{}\"", clip(&message.body, 60)),
                EventKind::StatusChanged { to, .. } => format!("status {to}"),
                EventKind::PriorityChanged { to, .. } => format!("priority {to}"),
                EventKind::TagsAdded { tags } => format!(
                    "tags +{}",
                    tags.iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(" +")
                ),
                EventKind::Assigned(a) => format!(
                    "group {}",
                    a.group
                        .map_or("none".to_owned(), |g| short_group(g.to_string()))
                ),
                other => other.name().to_owned(),
            });
        }
        let when = match firing.due {
            Some(due) => format!(" (due {})", local(due)),
            None => String::new(),
        };
        println!(
            "    {} {} `{}`{}: {}",
            firing.kind,
            short(e.ticket),
            firing.rule,
            when,
            if did.is_empty() {
                "notified only".to_owned()
            } else {
                did.join("; ")
            }
        );
    }
}

fn short_group(g: String) -> String {
    if g.ends_with("b1") {
        "billing".into()
    } else {
        g
    }
}

fn print_quality(out: &Outcome) {
    if let Some(q) = &out.quality {
        println!("    reply quality: score {}/100", q.score);
        for f in &q.findings {
            let hint = f
                .suggestion
                .as_ref()
                .map(|s| format!(" (try: {s})"))
                .unwrap_or_default();
            println!("      - {}: {}{}", f.rule_id, f.message, hint);
        }
    }
}

/// Sweeps at every due instant up to `until`, printing what fired.
fn run_until(desk: &ShopDesk, until: DateTime<Utc>) -> Result<(), Box<dyn Error>> {
    for _ in 0..1_000 {
        let Some(at) = desk.next_wakeup()? else {
            break;
        };
        if at > until {
            break;
        }
        let now = desk.clock().now();
        desk.clock().set(at.max(now));
        let report = desk.sweep(100)?;
        for (ticket, alert) in &report.alerts {
            println!(
                "{}  SLA {:?} on {} ({})",
                local(desk.clock().now()),
                alert.key.point,
                short(*ticket),
                alert.key.metric
            );
        }
        if !report.fired.is_empty() {
            println!("{}  sweep", local(desk.clock().now()));
            for (t, f) in &report.fired {
                let history = desk.history(TenantId::from_u128(1), *t)?;
                let start = history
                    .iter()
                    .position(
                        |e| matches!(&e.kind, EventKind::RuleFired { firing } if **firing == *f),
                    )
                    .unwrap_or(history.len());
                let end = (start + 1 + f.events as usize).min(history.len());
                print_firings(&history[start..end]);
            }
        }
        for (t, why) in &report.failed {
            println!("    failed on {}: {why}", short(*t));
        }
    }
    desk.clock().set(until.max(desk.clock().now()));
    Ok(())
}

fn at(local_time: &str) -> Result<DateTime<Utc>, Box<dyn Error>> {
    let naive = chrono::NaiveDateTime::parse_from_str(local_time, "%Y-%m-%d %H:%M")?;
    Ok(naive
        .and_local_timezone(BERLIN)
        .single()
        .ok_or("ambiguous local time")?
        .with_timezone(&Utc))
}

fn main() -> Result<(), Box<dyn Error>> {
    let shop = TenantId::from_u128(1);
    let mia = AgentId::from_u128(0xa1);
    let jing = AgentId::from_u128(0xa2);
    let templates = TemplateSet::from_json(TEMPLATES)?;
    let book = RuleBook::from_json(RULES)?;
    let desk = Desk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::new(at("2026-03-23 07:00")?),
    )
    .with_ids(SequentialIds::new())
    .with_sla(policies(), calendars()?)?
    .with_rule_book(book.clone(), templates.clone())?
    .with_reply_quality(ReplyQuality::shipped()?);

    println!(
        "Lumen Lamps, week of Monday 23 March 2026 (Berlin time; clocks go forward on Sunday 29th)"
    );
    println!(
        "{} triggers, {} automations, {} macros, semantics {:?}\n",
        book.triggers.len(),
        book.automations.len(),
        book.macros.len(),
        book.semantics.chaining
    );

    // Customers, with their language and zone for templates.
    let mut customers: Vec<Customer> = Vec::new();
    let mut customer =
        |name: &str, email: &str, profile: Profile| -> Result<Identity, Box<dyn Error>> {
            let id = Identity::email(email)?;
            let c = desk.register_customer(shop, Some(name), std::slice::from_ref(&id))?;
            customers.push(desk.update_profile(shop, c.id, profile)?);
            Ok(id)
        };
    let ana = customer(
        "Ana Silva",
        "ana@example.com",
        Profile::default()
            .locale("en")
            .time_zone(chrono_tz::Europe::Lisbon),
    )?;
    let fang = customer(
        "王芳",
        "wang.fang@example.cn",
        Profile::default()
            .locale("zh-Hans")
            .time_zone(chrono_tz::Asia::Shanghai),
    )?;
    let bob = customer(
        "Bob Meyer",
        "bob@example.de",
        Profile::default()
            .locale("en")
            .segment("vip")
            .time_zone(BERLIN),
    )?;
    let mei = customer(
        "陳美玲",
        "mei@example.tw",
        Profile::default()
            .locale("zh-Hant")
            .time_zone(chrono_tz::Asia::Taipei),
    )?;

    let receive = |when: &str,
                   who: &Identity,
                   channel: Channel,
                   subject: &str,
                   body: &str|
     -> Result<TicketId, Box<dyn Error>> {
        let t = at(when)?;
        run_until(&desk, t)?;
        let r = desk.receive(
            shop,
            Inbound::new(who.clone(), channel, body).subject(subject),
        )?;
        println!(
            "{}  {} writes ({}): \"{}\"",
            local(t),
            short(r.ticket),
            channel,
            clip(body, 60)
        );
        let history = desk.history(shop, r.ticket)?;
        let from = history
            .iter()
            .rposition(|e| e.kind.message().is_some_and(|m| m.id == r.message))
            .unwrap_or(0);
        print_firings(&history[from..]);
        Ok(r.ticket)
    };
    let act = |when: &str,
               ticket: TicketId,
               what: &str,
               f: &dyn Fn() -> Result<Outcome, supportdesk::DeskError>|
     -> Result<(), Box<dyn Error>> {
        let t = at(when)?;
        run_until(&desk, t)?;
        let out = f()?;
        println!("{}  {} {}", local(t), short(ticket), what);
        print_quality(&out);
        print_firings(&out.events);
        Ok(())
    };

    let t_ana = receive(
        "2026-03-23 07:30",
        &ana,
        Channel::Email,
        "Lamp not arrived",
        "Hi, my lamp order #5521 has not arrived yet.",
    )?;
    let t_fang = receive(
        "2026-03-23 09:40",
        &fang,
        Channel::Email,
        "台灯坏了",
        "台灯到货就坏了，我想要退款。",
    )?;
    let t_bob = receive(
        "2026-03-23 10:15",
        &bob,
        Channel::LiveChat,
        "Flickering",
        "My new desk lamp flickers when dimmed.",
    )?;
    act(
        "2026-03-23 11:00",
        t_ana,
        "Mia applies macro `shipping-delay`",
        &|| desk.apply_macro(shop, t_ana, "shipping-delay", mia),
    )?;
    act(
        "2026-03-23 14:00",
        t_fang,
        "陈静 replies (and sets pending)",
        &|| {
            desk.execute(
                shop,
                t_fang,
                Command::AgentReply {
                    agent: jing,
                    channel: None,
                    body: "无法退款，这是规定。".into(),
                    then: Some(Status::Pending),
                },
            )
        },
    )?;
    receive(
        "2026-03-24 10:00",
        &fang,
        Channel::Email,
        "台灯坏了",
        "为什么不能退款？台灯是坏的。",
    )?;
    act(
        "2026-03-24 11:00",
        t_fang,
        "陈静 applies macro `refund-approved`",
        &|| desk.apply_macro(shop, t_fang, "refund-approved", jing),
    )?;
    let t_mei = receive(
        "2026-03-24 12:00",
        &mei,
        Channel::Email,
        "檯燈何時到貨",
        "請問我訂的檯燈什麼時候會到？",
    )?;
    act(
        "2026-03-24 16:30",
        t_bob,
        "Mia replies (and sets pending)",
        &|| {
            desk.execute(
                shop,
                t_bob,
                Command::AgentReply {
                    agent: mia,
                    channel: None,
                    body: "Unfortunately that's our policy: dimmers are not covered.".into(),
                    then: Some(Status::Pending),
                },
            )
        },
    )?;
    let two = Csat::new(2)?;
    act(
        "2026-03-25 09:30",
        t_fang,
        "王芳 rates the support 2/5",
        &|| {
            desk.execute(
                shop,
                t_fang,
                Command::RateSatisfaction {
                    score: two,
                    comment: Some("第一次回复很生硬".into()),
                },
            )
        },
    )?;
    act(
        "2026-03-25 15:00",
        t_mei,
        "陈静 replies (and sets pending)",
        &|| {
            desk.execute(
                shop,
                t_mei,
                Command::AgentReply {
                    agent: jing,
                    channel: None,
                    body: "感謝您的耐心！您的檯燈已於今天出貨，預計週五送達。".into(),
                    then: Some(Status::Pending),
                },
            )
        },
    )?;
    act(
        "2026-03-26 10:00",
        t_bob,
        "Mia replies again with an apology and a plan",
        &|| {
            desk.execute(shop, t_bob, Command::AgentReply { agent: mia, channel: None, body: "Hi Bob, I'm sorry about the flicker. I have sent you a replacement dimmer today; it arrives Friday. Thank you for your patience.".into(), then: Some(Status::Pending) })
        },
    )?;
    let end = at("2026-04-03 18:00")?;
    run_until(&desk, end)?;

    // Where the tickets ended.
    println!("\nAt {}:", local(end));
    let mut histories: Vec<Vec<Event>> = Vec::new();
    for (name, t) in [
        ("Ana", t_ana),
        ("王芳", t_fang),
        ("Bob", t_bob),
        ("陳美玲", t_mei),
    ] {
        let ticket = desk.ticket(shop, t)?;
        println!(
            "  {} {:<6} {:<8} {:<7} tags: {}",
            short(t),
            name,
            ticket.status().to_string(),
            ticket.priority().to_string(),
            ticket
                .tags()
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        histories.push(desk.history(shop, t)?);
    }

    // Dry run: the same week under the current and the proposed book.
    let env = Env {
        calendars: calendars()?,
        policies: Some(policies()),
        taxonomy: None,
        templates,
    };
    let current = Engine::new(book, env.clone())?;
    let proposed = Engine::new(RuleBook::from_json(PROPOSED)?, env)?;
    let slices: Vec<&[Event]> = histories.iter().map(Vec::as_slice).collect();
    let now_book = current.replay(slices.iter().copied(), &customers, end);
    let new_book = proposed.replay(slices.iter().copied(), &customers, end);
    println!(
        "\nDry run of rules-proposed.json (Chatwoot semantics, reminder after 8 business hours, wider refund pattern):"
    );
    print_replay(&now_book, &new_book);
    // Replaying the week under the book in force must reproduce what fired.
    if let Some(r) = now_book.rules.iter().find(|r| r.actual != r.proposed) {
        return Err(format!(
            "replay under the current book disagrees with the histories on `{}`: {} recorded, {} replayed",
            r.rule, r.actual, r.proposed
        )
        .into());
    }
    Ok(())
}

fn print_replay(now: &ReplayReport, new: &ReplayReport) {
    let mut rows: BTreeMap<(String, String), (usize, usize, usize)> = BTreeMap::new();
    for r in &now.rules {
        let e = rows
            .entry((r.kind.to_string(), r.rule.clone()))
            .or_default();
        e.0 = r.actual;
        e.1 = r.proposed;
    }
    for r in &new.rules {
        let e = rows
            .entry((r.kind.to_string(), r.rule.clone()))
            .or_default();
        e.0 = e.0.max(r.actual);
        e.2 = r.proposed;
    }
    println!(
        "  {:<11} {:<20} {:>6} {:>9} {:>9}",
        "kind", "rule", "fired", "replayed", "proposed"
    );
    for ((kind, rule), (actual, replayed, proposed)) in rows {
        let mark = if replayed != proposed {
            "  <- changes"
        } else {
            ""
        };
        println!("  {kind:<11} {rule:<20} {actual:>6} {replayed:>9} {proposed:>9}{mark}");
    }
    println!(
        "  ({} tickets, {} updates replayed; `fired` is what the histories record, `replayed` the current book re-run, `proposed` the new one)",
        new.tickets, new.updates
    );
    for id in ["pending-reminder", "pending-solve"] {
        let show = |r: &ReplayReport| {
            r.rule(id).map_or(String::new(), |r| {
                r.examples
                    .iter()
                    .map(|(t, at)| format!("{} {}", short(*t), local(*at)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        println!("  {id} now:      {}", show(now));
        println!("  {id} proposed: {}", show(new));
    }
}
