//! A month of a small online shop's support, simulated through the `Desk`:
//! customers write on several channels, a bot acknowledges, agents answer
//! in business hours, ask questions, leave internal notes, tag, solve;
//! customers answer surveys and sometimes reopen; SLA warnings and breaches
//! fire as the month advances. Then the metrics, SLA compliance, CSAT, CX
//! maturity, the customers (at risk, repeat contacts and FCR, next issues,
//! knowledge-base gaps), and an HTML report.
//!
//! ```sh
//! cargo run --example demo                 # writes report.html
//! cargo run --example demo -- out/x.html   # writes it elsewhere
//! ```
//!
//! Deterministic: a fixed seed, a manual clock and sequential ids give the
//! same month, the same figures and the same report on every run.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::error::Error;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
#[cfg(not(feature = "sqlite"))]
use supportdesk::InMemoryStore;
use supportdesk::calendar::BusinessCalendar;
use supportdesk::customer::Identity;
use supportdesk::experience::{Ledger, LedgerConfig, NextIssueConfig, NextIssues};
use supportdesk::id::{AgentId, CustomerId, TenantId, TicketId};
use supportdesk::insight::maturity::{
    EvidenceInputs, MaturityTrait, SelfAssessment, Signal, TierModel, assess,
};
use supportdesk::insight::{
    Article, KbConfig, KbReasons, Matrix, MatrixConfig, Question, ReasonRating, Window, kb_gaps,
};
use supportdesk::metrics::{
    Aggregate, Basis, ContactBase, Denominator, FactsOptions, PeriodKind, Periodic, TicketFacts,
    secs,
};
use supportdesk::port::{Clock, TicketQuery, TicketStore};
use supportdesk::report::{CustomerSection, Lang, PriorityFigures, Report};
use supportdesk::sla::{
    AlertPoint, Calendars, Conditions, EscalateTo, EscalationStep, MetricDef, PolicySet, SlaPolicy,
    Target, TimeBasis, Trigger, WarnAt, human,
};
use supportdesk::taxonomy::{TagConfig, TagKind, TaxonomyConfig};
use supportdesk::testing::{Lcg, ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Ces, Command, Csat};
use supportdesk::{Channel, Desk, DeskError, Inbound, Priority, Status, Tag, Taxonomy};

type ShopDesk = Desk<Box<dyn TicketStore>, RecordingNotifier, ManualClock>;

const SHOP: TenantId = TenantId::from_u128(1);
const SEED: u64 = 202_603;
const CUSTOMERS: u64 = 600;
const AGENTS: u128 = 4;

// ---------------------------------------------------------------- setup --

fn office() -> Result<BusinessCalendar, Box<dyn Error>> {
    // Staffed Monday-Friday 09:00-17:30 and Saturday 10:00-14:00, London
    // time (the clocks go forward on 29 March); closed for team training on
    // Wednesday 18 March 13:00-15:00.
    let d = |s: &str| s.parse::<DateTime<Utc>>();
    Ok(BusinessCalendar::builder("Europe/London")
        .weekdays("09:00", "17:30")
        .interval(Weekday::Sat, "10:00", "14:00")
        .closure(d("2026-03-18T13:00:00Z")?, d("2026-03-18T15:00:00Z")?)
        .build()?)
}

fn policies() -> PolicySet {
    let business = || TimeBasis::Business {
        calendar: "office".into(),
    };
    let targets = |first: [i64; 4], next: i64, resolve_days: i64| {
        let mut v = Vec::new();
        for (p, f) in Priority::ALL.into_iter().zip(first) {
            v.push(Target {
                metric: "first_reply".into(),
                priority: p,
                channel: None,
                seconds: f,
                basis: business(),
            });
            v.push(Target {
                metric: "next_reply".into(),
                priority: p,
                channel: None,
                seconds: next,
                basis: business(),
            });
            v.push(Target {
                metric: "total_resolution".into(),
                priority: p,
                channel: None,
                seconds: resolve_days * 86_400,
                basis: TimeBasis::Calendar,
            });
        }
        v
    };
    let ladder = vec![
        EscalationStep {
            trigger: Trigger::Warning(0),
            level: 1,
            notify: EscalateTo::Owner,
        },
        EscalationStep {
            trigger: Trigger::Breach,
            level: 2,
            notify: EscalateTo::Team,
        },
    ];
    let metrics = vec![
        MetricDef::first_reply(),
        MetricDef::next_reply(),
        MetricDef::total_resolution(),
    ];
    let standard = SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Email and messaging".into(),
        conditions: Conditions::default(),
        metrics: metrics.clone(),
        // Low 8 h, normal 4 h, high 2 h, urgent 1 h of office time.
        targets: targets([8 * 3600, 4 * 3600, 2 * 3600, 3600], 8 * 3600, 5),
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: ladder.clone(),
    };
    let live = SlaPolicy {
        id: "live".into(),
        version: 1,
        name: "Live chat and phone".into(),
        conditions: Conditions {
            channels: vec![Channel::LiveChat, Channel::Phone],
            ..Conditions::default()
        },
        metrics,
        targets: targets([900, 600, 300, 300], 900, 2),
        warnings: vec![WarnAt::Share { share: 0.75 }],
        escalation: ladder,
    };
    PolicySet::new(standard).with_policy(live)
}

// ------------------------------------------------------------ the month --

/// What a customer writes about: the what-tag, the why-tag, the words.
const TOPICS: [(&str, Option<&str>, &str, u64); 8] = [
    (
        "shipping/late",
        Some("cause/carrier-delay"),
        "My order hasn't arrived yet",
        26,
    ),
    (
        "shipping/damaged",
        Some("cause/packaging"),
        "The tin arrived dented and the tea spilled",
        8,
    ),
    (
        "returns",
        None,
        "I'd like to return an unopened gift box",
        12,
    ),
    (
        "refund",
        Some("cause/stock-error"),
        "I was charged for an item that was out of stock",
        9,
    ),
    (
        "payment-error",
        Some("cause/card-declined"),
        "My card was declined at checkout",
        10,
    ),
    (
        "order/change",
        None,
        "Can I change the delivery address of my order?",
        13,
    ),
    (
        "product/question",
        None,
        "Is the sencha suitable for cold brew?",
        15,
    ),
    ("discount-code", None, "My discount code doesn't work", 7),
];

/// How customers ask about each topic: near-identical words, as people
/// really write (the first is the topic's own line above).
const WORDINGS: [&[&str]; 8] = [
    &[
        "My order hasn't arrived yet",
        "my order has not arrived yet, where is it?",
    ],
    &["The tin arrived dented and the tea spilled"],
    &[
        "I'd like to return an unopened gift box",
        "How do I return a gift box?",
    ],
    &["I was charged for an item that was out of stock"],
    &[
        "My card was declined at checkout",
        "my card got declined at checkout",
    ],
    &[
        "Can I change the delivery address of my order?",
        "can i change the delivery address on my order",
    ],
    &[
        "Is the sencha suitable for cold brew?",
        "Is the sencha suitable for cold brew",
        "is your sencha suitable for cold brewing?",
    ],
    &[
        "My discount code doesn't work",
        "my discount code does not work",
    ],
];

/// The agents' usual answer per topic (the reply a knowledge-base article
/// would give).
const ANSWERS: [&str; 8] = [
    "Your parcel is with the carrier; here is the tracking link and we'll refund postage if it's not there by Friday.",
    "Sorry about the tin: a replacement is on its way, no need to send anything back.",
    "Returns are free within 30 days: print the label from your account and drop the box at any post office.",
    "We've refunded the out-of-stock item to your card; it shows in 3-5 working days.",
    "Declines come from the card issuer: please try again or pay by PayPal; nothing was charged.",
    "Done: the delivery address is changed for this order.",
    "Yes: steep 10 g of sencha in a litre of cold water for 8 hours in the fridge.",
    "The code works from a 25 GBP basket; I've applied it to your order by hand.",
];

/// The shop's taxonomy: each topic's what-tag (the contact reason), each
/// cause a why-tag that explains it. Repeat contacts are counted on the
/// same cause, next issues and knowledge-base gaps on the reasons.
fn taxonomy() -> Result<Taxonomy, Box<dyn Error>> {
    let mut tags = Vec::new();
    for (what, why, _, _) in TOPICS {
        tags.push(TagConfig::new(what).kind(TagKind::What));
        if let Some(why) = why {
            tags.push(TagConfig::new(why).kind(TagKind::Why).explains(what));
        }
    }
    Ok(Taxonomy::from_config(TaxonomyConfig {
        tags,
        ..Default::default()
    })?)
}

/// What customers come back about after a topic was solved, how often (%)
/// and after how many days at most: the next issue (another topic) or the
/// same issue again (a repeat contact).
const COME_BACK: [(usize, usize, u64, u64); 6] = [
    (5, 0, 35, 5), // changed the address, then the parcel is late
    (4, 3, 40, 4), // card declined, then charged anyway: refund
    (2, 3, 45, 6), // return sent, then asks for the refund
    (1, 2, 25, 5), // damaged, then wants to return it
    (0, 0, 20, 5), // late parcel: still not there
    (7, 7, 15, 3), // discount code: still does not work
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Act {
    Arrive,
    /// Customer `n` writes again (topic), on the identity and channel of
    /// their ticket `i`.
    ComeBack(usize, usize),
    FirstReply(usize),
    CustomerAnswers(usize),
    FollowUp(usize),
    SolveStale(usize),
    Rate(usize),
    LowScoreFollowUp(usize),
    Reopen(usize),
    Close(usize),
}

#[derive(Debug)]
struct Sim {
    id: TicketId,
    customer: CustomerId,
    channel: Channel,
    identity: Identity,
    topic: usize,
    agent: AgentId,
    opened: DateTime<Utc>,
    first_reply: Option<DateTime<Utc>>,
    reopened: bool,
    /// The customer's own number `n`.
    n: u64,
    /// A second identity of theirs, linked to the same customer (a
    /// WhatsApp number next to their email), if they have one.
    alt: Option<Identity>,
}

struct World {
    desk: ShopDesk,
    office: BusinessCalendar,
    rng: Lcg,
    queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Act)>>,
    seq: u64,
    tickets: Vec<Sim>,
    busy: BTreeSet<u64>,
    customer_ids: BTreeMap<u64, CustomerId>,
    alerts: (usize, usize),
    refused: usize,
    notes: Vec<String>,
    day: DayCount,
}

#[derive(Debug, Default)]
struct DayCount {
    opened: usize,
    solved: usize,
    warnings: usize,
    breaches: usize,
}

impl World {
    fn at(&mut self, t: DateTime<Utc>, act: Act) {
        self.seq += 1;
        self.queue.push(Reverse((t, self.seq, act)));
    }

    /// `seconds` of office time after `t` (the agents' working time).
    fn office_after(&self, t: DateTime<Utc>, seconds: u64) -> DateTime<Utc> {
        self.office
            .add(t, seconds as i64)
            .unwrap_or(t + Duration::seconds(seconds as i64))
    }

    /// Runs a command; a command the ticket no longer allows (the state
    /// moved on) is counted and skipped.
    fn exec(&mut self, i: usize, cmd: Command) -> Result<(), DeskError> {
        match self.desk.execute(SHOP, self.tickets[i].id, cmd) {
            Ok(_) => Ok(()),
            Err(e) if e.is_domain() => {
                self.refused += 1;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn status(&self, i: usize) -> Result<Status, DeskError> {
        Ok(self.desk.ticket(SHOP, self.tickets[i].id)?.status())
    }

    /// Sweeps at every SLA wake-up up to `t`, so warnings and breaches fire
    /// at their instants.
    fn sweep_until(&mut self, t: DateTime<Utc>) -> Result<(), DeskError> {
        for _ in 0..10_000 {
            let Some(w) = self.desk.next_wakeup()? else {
                break;
            };
            if w > t {
                break;
            }
            self.desk.clock().set(w.max(self.desk.clock().now()));
            let r = self.desk.sweep(1000)?;
            for (_, a) in &r.alerts {
                match a.key.point {
                    AlertPoint::Warning(_) => {
                        self.alerts.0 += 1;
                        self.day.warnings += 1;
                    }
                    AlertPoint::Breach => {
                        self.alerts.1 += 1;
                        self.day.breaches += 1;
                    }
                }
            }
            if r.checked == 0 || !r.failed.is_empty() {
                break;
            }
        }
        Ok(())
    }

    fn arrive(&mut self, now: DateTime<Utc>) -> Result<(), Box<dyn Error>> {
        // A customer without an open ticket writes in.
        let mut n = self.rng.below(CUSTOMERS);
        for _ in 0..CUSTOMERS {
            if !self.busy.contains(&n) {
                break;
            }
            n = (n + 1) % CUSTOMERS;
        }
        let open_now = self.office.is_open(now)?;
        let channel = match self.rng.below(100) {
            0..=39 => Channel::Email,
            40..=54 => Channel::WebForm,
            55..=74 if open_now => Channel::LiveChat,
            55..=74 => Channel::WebForm,
            75..=89 => Channel::WhatsApp,
            90..=94 if open_now => Channel::Phone,
            90..=94 => Channel::Voicemail,
            _ => Channel::Instagram,
        };
        let identity = match channel {
            Channel::WhatsApp | Channel::Phone | Channel::Voicemail => {
                Identity::phone(&format!("+4477009{n:05}"))?
            }
            Channel::Instagram => Identity::social("instagram", &format!("leaf_fan_{n}"))?,
            _ => Identity::email(&format!("customer{n}@example.com"))?,
        };
        let mut pick = self.rng.below(100);
        let topic = TOPICS
            .iter()
            .position(|t| {
                if pick < t.3 {
                    true
                } else {
                    pick -= t.3;
                    false
                }
            })
            .unwrap_or(0);
        self.open(now, n, identity, channel, topic)
    }

    /// Customer `n` opens a ticket about `topic` from `identity`.
    fn open(
        &mut self,
        now: DateTime<Utc>,
        n: u64,
        identity: Identity,
        channel: Channel,
        topic: usize,
    ) -> Result<(), Box<dyn Error>> {
        let words = WORDINGS[topic];
        let text = words[self.rng.below(words.len() as u64) as usize];
        let priority = match (TOPICS[topic].0, self.rng.below(10)) {
            ("payment-error", 0..=2) => Priority::Urgent,
            ("payment-error", _) => Priority::High,
            (_, 0) => Priority::High,
            (_, 1) => Priority::Low,
            _ => Priority::Normal,
        };
        let r = self.desk.receive(
            SHOP,
            Inbound::new(identity.clone(), channel, text)
                .priority(priority)
                .external_id(format!("msg-{}", self.seq)),
        )?;
        if !r.opened {
            // Continued a ticket of theirs (it has its own flow already).
            return Ok(());
        }
        self.busy.insert(n);
        self.customer_ids.insert(n, r.customer);
        self.day.opened += 1;
        let i = self.tickets.len();
        // Some email and web-form customers also give their WhatsApp
        // number: one customer, two identities (and, when they use it on
        // the same issue, a channel switch).
        let alt = if matches!(channel, Channel::Email | Channel::WebForm) && self.rng.chance(30) {
            let phone = Identity::phone(&format!("+4477119{n:05}"))?;
            match self.desk.add_identity(SHOP, r.customer, phone.clone()) {
                Ok(_) => Some(phone),
                Err(_) => None,
            }
        } else {
            None
        };
        self.tickets.push(Sim {
            id: r.ticket,
            customer: r.customer,
            channel,
            identity,
            topic,
            agent: AgentId::from_u128(1 + u128::from(self.rng.below(AGENTS as u64))),
            opened: now,
            first_reply: None,
            reopened: false,
            n,
            alt,
        });
        if matches!(
            channel,
            Channel::Email | Channel::WebForm | Channel::Voicemail
        ) {
            self.exec(
                i,
                Command::AutomatedReply {
                    bot: "auto-ack".into(),
                    body: "Thanks for getting in touch! We answer within 4 working hours.".into(),
                },
            )?;
        }
        // When an agent gets to it: live channels at once in office hours,
        // the others from the queue (slower on busy days).
        let delay = match channel {
            Channel::LiveChat | Channel::Phone => 20 + self.rng.below(420),
            _ => {
                let load = if now.weekday() == Weekday::Mon { 2 } else { 1 };
                self.rng.duration(2700 * load)
            }
        };
        let t = self.office_after(now, delay);
        self.at(t, Act::FirstReply(i));
        Ok(())
    }

    fn first_reply(&mut self, i: usize, now: DateTime<Utc>) -> Result<(), Box<dyn Error>> {
        if self.status(i)? != Status::New {
            return Ok(());
        }
        let (what, why, _, _) = TOPICS[self.tickets[i].topic];
        let mut tags = vec![Tag::new(what)?];
        if let Some(w) = why.filter(|_| self.rng.chance(80)) {
            tags.push(Tag::new(w)?);
        }
        self.exec(i, Command::AddTags { tags })?;
        if self.rng.chance(25) {
            let note = format!(
                "[internal] {} checked the order system for ticket #{}: {}",
                self.tickets[i].agent,
                i,
                [
                    "carrier scan stops at the depot",
                    "warehouse packed it late",
                    "card issuer flagged it",
                    "customer is a wholesale account"
                ][self.rng.below(4) as usize]
            );
            self.notes.push(note.clone());
            let agent = self.tickets[i].agent;
            self.exec(i, Command::AddNote { agent, body: note })?;
        }
        self.tickets[i].first_reply = Some(now);
        let agent = self.tickets[i].agent;
        let topic = self.tickets[i].topic;
        let reply = |then| Command::AgentReply {
            agent,
            channel: None,
            body: ANSWERS[topic].into(),
            then,
        };
        // Product questions are answered at once, with the same answer:
        // a knowledge-base article would do. Returns mostly too (the shop
        // has an article on them, which customers do not find).
        let roll = match TOPICS[topic].0 {
            "product/question" => self.rng.below(60),
            "returns" => self.rng.below(80),
            _ => self.rng.below(100),
        };
        match roll {
            0..=54 => {
                self.exec(i, reply(Some(Status::Solved)))?;
                self.solved(i, now);
            }
            55..=79 => {
                self.exec(i, reply(Some(Status::Pending)))?;
                if self.rng.chance(85) {
                    let wait = 1800 + self.rng.duration(4 * 3600);
                    self.at(
                        now + Duration::seconds(wait as i64),
                        Act::CustomerAnswers(i),
                    );
                } else {
                    self.at(now + Duration::days(3), Act::SolveStale(i));
                }
            }
            _ => {
                self.exec(i, reply(None))?;
                let d = 600 + self.rng.duration(3 * 3600);
                let t = self.office_after(now, d);
                self.at(t, Act::FollowUp(i));
            }
        }
        Ok(())
    }

    fn customer_writes(&mut self, i: usize, body: &str) -> Result<(), Box<dyn Error>> {
        let switch = self.tickets[i].alt.is_some() && self.rng.chance(50);
        let s = &self.tickets[i];
        let (identity, channel) = match &s.alt {
            Some(alt) if switch => (alt.clone(), Channel::WhatsApp),
            _ => (s.identity.clone(), s.channel),
        };
        let inbound = Inbound::new(identity, channel, body)
            .to_ticket(s.id)
            .external_id(format!("msg-{}", self.seq));
        self.desk.receive(SHOP, inbound)?;
        let now = self.desk.clock().now();
        let d = 300 + self.rng.duration(2 * 3600);
        let t = self.office_after(now, d);
        self.at(t, Act::FollowUp(i));
        Ok(())
    }

    fn solved(&mut self, i: usize, now: DateTime<Utc>) {
        self.day.solved += 1;
        if self.rng.chance(35) {
            let t = now + Duration::seconds(600 + self.rng.duration(6 * 3600) as i64);
            self.at(t, Act::Rate(i));
        }
        if !self.tickets[i].reopened && self.rng.chance(7) {
            let t = now + Duration::seconds(3600 + self.rng.duration(12 * 3600) as i64);
            self.at(t, Act::Reopen(i));
        }
        self.at(now + Duration::days(4), Act::Close(i));
        let topic = self.tickets[i].topic;
        for (from, to, pct, days) in COME_BACK {
            if from == topic && self.rng.chance(pct) {
                let later = 3600 * (2 + self.rng.below(24 * days));
                self.at(now + Duration::seconds(later as i64), Act::ComeBack(i, to));
                break;
            }
        }
    }

    fn rate(&mut self, i: usize, now: DateTime<Utc>) -> Result<(), Box<dyn Error>> {
        if self.status(i)?.is_unsolved() {
            return Ok(());
        }
        // Satisfaction falls once the first reply takes more than an hour;
        // faster than that it hardly changes.
        let s = &self.tickets[i];
        let frt = s
            .first_reply
            .map_or(i64::MAX, |f| (f - s.opened).num_seconds());
        let base: i64 = match frt {
            ..=1800 => 46,
            1801..=3600 => 45,
            3601..=14_400 => 40,
            14_401..=86_400 => 34,
            _ => 27,
        } - if s.reopened { 6 } else { 0 };
        let noisy = base + self.rng.below(25) as i64 - 12;
        let score = (noisy as f64 / 10.0).round().clamp(1.0, 5.0) as i64;
        let comment = match score {
            1 | 2 => Some(
                [
                    "Took days to get an answer",
                    "Nobody told me the parcel was stuck",
                    "I had to explain it twice",
                ][self.rng.below(3) as usize]
                    .to_owned(),
            ),
            5 if self.rng.chance(30) => Some("Lovely, quick and friendly".to_owned()),
            _ => None,
        };
        self.exec(
            i,
            Command::RateSatisfaction {
                score: Csat::new(score)?,
                comment,
            },
        )?;
        if self.rng.chance(40) {
            let effort = (6 - score + self.rng.below(3) as i64).clamp(1, 7);
            self.exec(
                i,
                Command::RateEffort {
                    score: Ces::new(effort)?,
                },
            )?;
        }
        if score <= 2 && self.rng.chance(70) {
            let d = 900 + self.rng.duration(6 * 3600);
            let t = self.office_after(now, d);
            self.at(t, Act::LowScoreFollowUp(i));
        }
        Ok(())
    }

    fn step(&mut self, now: DateTime<Utc>, act: Act) -> Result<(), Box<dyn Error>> {
        match act {
            Act::Arrive => self.arrive(now)?,
            Act::ComeBack(i, topic) => {
                let s = &self.tickets[i];
                let (n, identity, channel) = (s.n, s.identity.clone(), s.channel);
                let channel = match channel {
                    // Live channels are only staffed in office hours.
                    Channel::LiveChat if !self.office.is_open(now)? => Channel::WebForm,
                    Channel::Phone if !self.office.is_open(now)? => Channel::Voicemail,
                    c => c,
                };
                self.open(now, n, identity, channel, topic)?;
            }
            Act::FirstReply(i) => self.first_reply(i, now)?,
            Act::CustomerAnswers(i) => {
                if self.status(i)? == Status::Pending {
                    self.customer_writes(i, "Here is my order number: LL-2044")?;
                }
            }
            Act::FollowUp(i) => {
                if self.status(i)?.is_unsolved() {
                    let agent = self.tickets[i].agent;
                    self.exec(
                        i,
                        Command::AgentReply {
                            agent,
                            channel: None,
                            body: "All done: a replacement is on its way today.".into(),
                            then: Some(Status::Solved),
                        },
                    )?;
                    self.solved(i, now);
                }
            }
            Act::SolveStale(i) => {
                if self.status(i)? == Status::Pending {
                    self.exec(i, Command::status(Status::Solved))?;
                    self.solved(i, now);
                }
            }
            Act::Rate(i) => self.rate(i, now)?,
            Act::LowScoreFollowUp(i) => {
                let agent = self.tickets[i].agent;
                let note =
                    format!("[internal] called back customer of ticket #{i}, offered a refund");
                self.notes.push(note.clone());
                self.exec(i, Command::AddNote { agent, body: note })?;
            }
            Act::Reopen(i) => {
                if self.status(i)? == Status::Solved {
                    self.tickets[i].reopened = true;
                    self.customer_writes(i, "Sorry, it's still not right")?;
                }
            }
            Act::Close(i) => {
                let t = self.desk.ticket(SHOP, self.tickets[i].id)?;
                let old = t.solved_at().is_some_and(|s| now - s >= Duration::days(4));
                if t.status() == Status::Solved && old {
                    self.exec(i, Command::status(Status::Closed))?;
                    let c = self.tickets[i].customer;
                    if let Some((k, _)) = self.customer_ids.iter().find(|(_, v)| **v == c) {
                        let k = *k;
                        self.busy.remove(&k);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Arrival instants of one local day: busier on Mondays, quieter at
/// weekends, a carrier strike from the 16th to the 18th.
fn arrivals(rng: &mut Lcg, day: NaiveDate) -> Vec<DateTime<Utc>> {
    let base = match day.weekday() {
        Weekday::Mon => 46,
        Weekday::Tue => 40,
        Weekday::Wed | Weekday::Thu => 36,
        Weekday::Fri => 34,
        Weekday::Sat => 18,
        Weekday::Sun => 12,
    };
    let strike = if (16..=18).contains(&day.day()) {
        18
    } else {
        0
    };
    let n = base + strike + rng.below(9) as usize;
    // Hour weights 07:00-23:00, peaking at lunchtime and evening.
    const HOURS: [u64; 17] = [2, 4, 6, 8, 8, 9, 10, 8, 7, 7, 6, 6, 8, 9, 8, 5, 3];
    let total: u64 = HOURS.iter().sum();
    let mut out: Vec<DateTime<Utc>> = (0..n)
        .filter_map(|_| {
            let mut pick = rng.below(total);
            let hour = HOURS.iter().position(|w| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })? as u32
                + 7;
            let local = day.and_hms_opt(hour, rng.below(60) as u32, rng.below(60) as u32)?;
            London
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
        .collect();
    out.sort();
    out
}

/// The shop's orders: about 330 a day, 40% more on Mondays. The shop's
/// order data covers the month simulated.
struct Orders {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}
impl ContactBase for Orders {
    fn orders(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
        let (from, to) = (from.max(self.from), to.min(self.to));
        let mut n = 0;
        let mut d = from;
        while d < to {
            n += if d.weekday() == Weekday::Mon {
                460
            } else {
                330
            };
            d += Duration::days(1);
        }
        Some(n)
    }
}

/// The embedded SQLite store (a fresh `demo.db` beside the report) when the
/// `sqlite` feature is on, which the crate's own examples always have; the
/// in-memory store otherwise.
///
/// With `DATABASE_URL` set to a `postgres://` URL (and the `postgres`
/// feature: `cargo run --example demo --features postgres`), the demo runs
/// on `PostgresStore` instead, in a schema `supportdesk_demo` it drops and
/// recreates.
fn open_store(report_path: &str) -> Result<(Box<dyn TicketStore>, String), Box<dyn Error>> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return open_postgres(&url);
        }
        return Err(format!(
            "DATABASE_URL={url} is not a postgres:// URL; unset it to run on SQLite"
        )
        .into());
    }
    #[cfg(feature = "sqlite")]
    {
        use supportdesk::store::{Durability, SqliteOptions, SqliteStore};
        let db = std::path::Path::new(report_path).with_file_name("demo.db");
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        // A simulation: surviving a killed process is enough, no fsync per
        // commit.
        let options = SqliteOptions::default().durability(Durability::ProcessCrash);
        let store = SqliteStore::open_with(&db, options)?;
        Ok((Box::new(store), format!("SQLite file {}", db.display())))
    }
    #[cfg(not(feature = "sqlite"))]
    {
        let _ = report_path;
        Ok((Box::new(InMemoryStore::new()), "in memory".to_owned()))
    }
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(_url: &str) -> Result<(Box<dyn TicketStore>, String), Box<dyn Error>> {
    Err("DATABASE_URL names PostgreSQL: run with `--features postgres`".into())
}

/// `PostgresStore` (an async store) behind the synchronous port the demo's
/// `Desk` takes: each call runs to completion on a tokio runtime.
#[cfg(feature = "postgres")]
#[derive(Debug)]
struct BlockingPostgres {
    store: supportdesk::PostgresStore,
    runtime: tokio::runtime::Runtime,
}

#[cfg(feature = "postgres")]
supportdesk::forward_ticket_store! {
    impl[] TicketStore for BlockingPostgres {
        async_inner(this) = &this.store;
        block_on(future) = this.runtime.block_on(future);
    }
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &str) -> Result<(Box<dyn TicketStore>, String), Box<dyn Error>> {
    use supportdesk::store::{PostgresOptions, PostgresStore};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let store = runtime.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect(url)
            .await
            .map_err(|e| format!("connecting to {url}: {e}"))?;
        // A fresh simulation each run, as with the SQLite file.
        sqlx::raw_sql("DROP SCHEMA IF EXISTS supportdesk_demo CASCADE")
            .execute(&pool)
            .await
            .map_err(|e| format!("dropping the old demo schema: {e}"))?;
        PostgresStore::open_with(pool, PostgresOptions::new().schema("supportdesk_demo"))
            .await
            .map_err(|e| e.to_string())
    })?;
    let name = format!("PostgreSQL {url}, schema supportdesk_demo");
    Ok((Box::new(BlockingPostgres { store, runtime }), name))
}

fn main() -> Result<(), Box<dyn Error>> {
    let out_path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "report.html".to_owned());
    run(&out_path)
}

/// Simulates the month, prints the figures and writes the HTML report to
/// `out_path` (tests/browser.rs runs it too).
pub fn run(out_path: &str) -> Result<(), Box<dyn Error>> {
    let out_path = out_path.to_owned();
    let started = std::time::Instant::now();
    let month_start = London
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .ok_or("start")?;
    let month_end = London
        .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .single()
        .ok_or("end")?;
    let (month_start, month_end) = (
        month_start.with_timezone(&Utc),
        month_end.with_timezone(&Utc),
    );

    let office = office()?;
    let calendars = Calendars::new().with("office", office.clone());
    if let Some(dir) = std::path::Path::new(&out_path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let (store, store_name) = open_store(&out_path)?;
    eprintln!("store: {store_name}");
    let desk = Desk::new(
        store,
        RecordingNotifier::new(),
        ManualClock::new(month_start),
    )
    .with_ids(SequentialIds::new())
    .with_sla(policies(), calendars.clone())?;
    let mut w = World {
        desk,
        office,
        rng: Lcg::new(SEED),
        queue: BinaryHeap::new(),
        seq: 0,
        tickets: Vec::new(),
        busy: BTreeSet::new(),
        customer_ids: BTreeMap::new(),
        alerts: (0, 0),
        refused: 0,
        notes: Vec::new(),
        day: DayCount::default(),
    };

    eprintln!("Simulating March 2026 at Little Leaf Tea Co. (seed {SEED})");
    let mut day = month_start.with_timezone(&London).date_naive();
    let last_day = (month_end - Duration::seconds(1))
        .with_timezone(&London)
        .date_naive();
    while day <= last_day {
        let times = arrivals(&mut w.rng, day);
        for t in times {
            w.at(t, Act::Arrive);
        }
        let next = day.succ_opt().ok_or("date")?;
        let end = London
            .from_local_datetime(&next.and_hms_opt(0, 0, 0).ok_or("time")?)
            .earliest()
            .ok_or("midnight")?
            .with_timezone(&Utc);
        while let Some(Reverse((t, _, _))) = w.queue.peek() {
            if *t >= end {
                break;
            }
            let Some(Reverse((t, _, act))) = w.queue.pop() else {
                break;
            };
            w.sweep_until(t)?;
            w.desk.clock().set(t.max(w.desk.clock().now()));
            w.step(t, act)?;
        }
        w.sweep_until(end)?;
        w.desk.clock().set(end);
        let backlog = w
            .desk
            .store()
            .query(
                SHOP,
                &TicketQuery::new()
                    .status(Status::New)
                    .status(Status::Open)
                    .status(Status::Pending)
                    .status(Status::OnHold)
                    .limit(1000),
            )?
            .items
            .len();
        eprintln!(
            "  {} {}: {:>3} new, {:>3} solved, backlog {:>3}, SLA alerts {:>3} ({} breaches)",
            day,
            day.weekday(),
            w.day.opened,
            w.day.solved,
            backlog,
            w.day.warnings + w.day.breaches,
            w.day.breaches
        );
        w.day = DayCount::default();
        day = next;
    }

    // ------------------------------------------------------ the figures --
    let options =
        FactsOptions::new(month_end, calendars.clone()).with_business_calendar("office")?;
    let mut all = Aggregate::new();
    let mut days = Periodic::new(PeriodKind::Day, London);
    let mut weeks = Periodic::new(PeriodKind::IsoWeek, London);
    // Per priority: its own figures and daily trend, drawn against its own
    // targets (they differ by priority, and live chat and phone have
    // shorter ones).
    let mut by_priority: BTreeMap<Priority, (Aggregate, Periodic)> = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = w.desk.store().query(
            SHOP,
            &TicketQuery::new()
                .limit(TicketQuery::MAX_LIMIT)
                .after(cursor),
        )?;
        for t in &page.items {
            let events = w.desk.history(SHOP, t.id())?;
            if let Some(f) = TicketFacts::from_events(&events, &options)? {
                all.add(&f);
                days.add(&f);
                weeks.add(&f);
                let (a, p) = by_priority
                    .entry(f.priority)
                    .or_insert_with(|| (Aggregate::new(), Periodic::new(PeriodKind::Day, London)));
                a.add(&f);
                p.add(&f);
            }
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let s = all.summary();

    let mut out = String::new();
    let _ = writeln!(out, "\n== Little Leaf Tea Co. support, March 2026 ==");
    let _ = writeln!(
        out,
        "tickets: {} ({} from customers), {} agent replies, {} automated (never counted as agent work)",
        s.volume.tickets, s.volume.reactive, s.agent_replies, s.bot_replies
    );
    let _ = writeln!(
        out,
        "SLA alerts raised by the sweeps: {} warnings, {} breaches (each once)",
        w.alerts.0, w.alerts.1
    );
    let _ = writeln!(
        out,
        "\nSLA compliance (as the SLA engine judges each target):"
    );
    for (m, c) in &s.sla {
        let _ = writeln!(
            out,
            "  {m:<17} met {:>4}  breached {:>4}  running {:>3}  cancelled {:>3}  -> {}",
            c.met,
            c.breached,
            c.open,
            c.cancelled,
            c.rate()
                .map_or_else(|| "n/a".to_owned(), |v| format!("{:.1}%", v * 100.0))
        );
    }
    let fr = &s.first_response;
    let _ = writeln!(
        out,
        "\nFirst response, calendar time: {}",
        fr.times.describe()
    );
    if let Some(b) = &s.first_response_business {
        let _ = writeln!(out, "First response, office time:   {}", b.times.describe());
    }
    let _ = writeln!(
        out,
        "  within the SLA target: {} ({} of {}); longest {}; still waiting at month end: {}",
        fr.within_target.percent(),
        fr.within_target.count,
        fr.within_target.of,
        fr.longest
            .map_or_else(|| "n/a".to_owned(), |l| human(l.seconds as i64)),
        fr.waiting
    );
    let _ = writeln!(out, "Next reply: {}", s.next_reply.describe());
    let _ = writeln!(out, "Resolution: {}", s.resolution.describe());
    let _ = writeln!(
        out,
        "One-touch resolution: {}   reopened: {}   backlog at month end: {}{}",
        s.one_touch.percent(),
        s.reopened.percent(),
        s.backlog.open,
        s.backlog.oldest.map_or_else(String::new, |l| format!(
            " (oldest {})",
            human(l.seconds as i64)
        ))
    );
    let _ = writeln!(
        out,
        "\nCSAT: {} mean, {} satisfied, {} answers (response rate {})",
        s.csat
            .overall
            .mean
            .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
        s.csat.overall.satisfied.percent(),
        s.csat.overall.responses,
        s.csat.response_rate.percent()
    );
    for (c, f) in &s.csat.by_channel {
        let _ = writeln!(
            out,
            "  {:<11} {} ({} answers)",
            c.as_str(),
            f.mean
                .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
            f.responses
        );
    }
    let _ = writeln!(
        out,
        "  low scores: {}, followed up {}{}",
        s.csat.low_scores.len(),
        s.csat.low_followed_up.percent(),
        s.csat
            .follow_up_median
            .map_or_else(String::new, |m| format!(
                " (median {} after the score)",
                secs(m)
            ))
    );
    match &s.speed_threshold {
        Some(t) => {
            let _ = writeln!(
                out,
                "  speed threshold: first replies within {} get {:.2}; slower ones {:.2}",
                human(t.within as i64),
                t.plateau_mean,
                t.beyond_mean
            );
        }
        None => {
            let _ = writeln!(out, "  speed threshold: none found");
        }
    }
    let _ = writeln!(
        out,
        "CES: {} mean over {} answers ({} low effort)",
        s.ces
            .mean
            .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.2}")),
        s.ces.responses,
        s.ces.easy.percent()
    );
    let orders = Orders {
        from: month_start,
        to: month_end,
    };
    let rates = weeks.contact_rates(&orders, Denominator::Orders);
    let _ = writeln!(
        out,
        "Contact rate per order by week: {}",
        rates
            .iter()
            .map(|(p, r)| format!("{p} {:.3}", r.rate))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // The value-irritant matrix of the month's contact reasons: each what-tag
    // rated by value to the business and to the customer, moved by the data
    // (CSAT, effort, recontacts), with the host's order count as the
    // contact-rate denominator.
    // The matrix reads the same per-ticket facts as the metrics above, and
    // each ticket's opening question for near-identical questions.
    let mut all_facts = Vec::with_capacity(w.tickets.len());
    let mut questions = Vec::with_capacity(w.tickets.len());
    for sim in &w.tickets {
        let events = w.desk.history(SHOP, sim.id)?;
        all_facts.extend(TicketFacts::from_events(&events, &options)?);
        questions.extend(Question::from_events(&events));
    }
    let ratings = vec![
        ReasonRating::new(Tag::new("shipping/late")?, -2, -1),
        ReasonRating::new(Tag::new("shipping/damaged")?, -2, -2),
        ReasonRating::new(Tag::new("returns")?, -1, 1),
        ReasonRating::new(Tag::new("refund")?, -1, -1),
        ReasonRating::new(Tag::new("payment-error")?, -2, -2),
        ReasonRating::new(Tag::new("order/change")?, -1, 1),
        ReasonRating::new(Tag::new("product/question")?, 2, 2),
        ReasonRating::new(Tag::new("discount-code")?, -1, -1),
    ];
    let built = Matrix::build_with_questions(
        &all_facts,
        &questions,
        &MatrixConfig::new(ratings),
        Window::new(month_start, month_end),
        None,
        Some(&orders),
    )?;
    let top_actions: Vec<String> = built
        .plan
        .iter()
        .take(3)
        .map(|p| format!("{}. {} ({:?}): {}", p.rank, p.tag, p.quadrant, p.action))
        .collect();
    let _ = writeln!(out, "\nMatrix top actions:");
    for a in &top_actions {
        let _ = writeln!(out, "  {a}");
    }
    let matrix = Some(built);

    // The customers behind the tickets: who is at risk of leaving, how often
    // they had to come back, what they ask next, what an article could
    // answer. All from the same facts and opening questions.
    let taxonomy = taxonomy()?;
    let (from, to) = (month_start.timestamp(), month_end.timestamp());
    let mut ledger = Ledger::new(LedgerConfig::default(), &taxonomy, calendars.clone())?;
    ledger.extend(&all_facts);
    let at_risk = ledger.at_risk(to, 10)?;
    let repeat = ledger.repeat_report(from, to)?;
    // A month of ~1,400 tickets is small: keep a next-issue pair seen 3
    // times (the library's default is 5).
    let mut next_config = NextIssueConfig::default();
    next_config.min_pairs = 3;
    // Read off the ledger's records: the same counts as
    // `NextIssueCounts::count(&all_facts, ..)`, without a second sort.
    let counts = ledger.next_issue_counts(&next_config, to)?;
    let next = NextIssues::from_counts(&counts, &next_config);
    // The shop's help center has one article, on returns.
    let articles = [Article::new(
        "Returning an order: free within 30 days",
        vec![Tag::new("returns")?],
    )];
    let gaps = kb_gaps(
        &all_facts,
        &questions,
        KbReasons::Taxonomy(&taxonomy),
        &articles,
        &KbConfig::default(),
    )?;
    let customers = CustomerSection::new(at_risk, &repeat, &next, gaps);
    let o = &customers.overall;
    let _ = writeln!(
        out,
        "\nCustomers ({} of them wrote this month):",
        ledger.customers()
    );
    let _ = writeln!(
        out,
        "  repeat contacts (same cause within 7 days): {} ({} of {})",
        o.repeat.percent(),
        o.repeat.count,
        o.repeat.of
    );
    let _ = writeln!(
        out,
        "  first-contact resolution: {} ({} of {}, {} still in their window) vs one-touch {}",
        o.fcr.percent(),
        o.fcr.count,
        o.fcr.of,
        o.pending,
        o.one_touch.percent()
    );
    for c in &customers.by_channel {
        let f = &c.figures;
        let _ = writeln!(
            out,
            "    {:<11} repeat {:>6}  FCR {:>6}  one-touch {:>6}  ({} contacts)",
            c.channel.as_str(),
            f.repeat.percent(),
            f.fcr.percent(),
            f.one_touch.percent(),
            f.contacts
        );
    }
    match customers.at_risk.first() {
        Some(a) => {
            let _ = writeln!(
                out,
                "  most at risk: customer {} ({}, {} bad experiences in 90 days):",
                a.customer, a.tier.label, a.bad_recent
            );
            for r in &a.reasons {
                let _ = writeln!(out, "    - {r}");
            }
        }
        None => {
            let _ = writeln!(out, "  nobody at risk");
        }
    }
    let _ = writeln!(
        out,
        "  next issues ({} pairs kept, min 3 pairs, share >= 20%):",
        customers.next_issues.len()
    );
    for s in customers.next_issues.iter().take(3) {
        let _ = writeln!(out, "    {}", s.text);
    }
    match customers.kb_gaps.first() {
        Some(g) => {
            let _ = writeln!(
                out,
                "  top knowledge-base gap: {} ({} tickets, {} one-touch, {} near-identical), article: {}",
                g.tag,
                g.volume,
                g.one_touch.percent(),
                g.near_identical,
                if g.articles.is_empty() {
                    "none".to_owned()
                } else {
                    g.articles.join("; ")
                }
            );
            if let Some(q) = g.examples.first() {
                let _ = writeln!(out, "    asked as: \"{q}\"");
            }
        }
        None => {
            let _ = writeln!(out, "  no knowledge-base gap");
        }
    }
    for g in customers.kb_gaps.iter().skip(1) {
        let _ = writeln!(
            out,
            "    also: {} ({} near-identical), article: {}",
            g.tag,
            g.near_identical,
            if g.articles.is_empty() {
                "none".to_owned()
            } else {
                g.articles.join("; ")
            }
        );
    }

    let answers = SelfAssessment::new()
        .answer(MaturityTrait::SkilledTeam, true)
        .answer_with_note(
            MaturityTrait::AppropriateStaffing,
            false,
            "four agents, Mondays overflow",
        )
        .answer(MaturityTrait::ActsOnFeedback, true)
        .answer(MaturityTrait::AgileOnFeedback, false)
        .answer(MaturityTrait::StrongData, true)
        .answer(MaturityTrait::TimelyData, true)
        .answer(MaturityTrait::AgentTechnology, true);
    let inputs = EvidenceInputs::new(&s, month_end)
        .with_periods(&weeks)
        .with_agents(AGENTS as u32);
    let maturity = assess(&TierModel::esg_2021(), &answers, &inputs)?;
    let _ = writeln!(
        out,
        "\nCX maturity ({}): {} with {} of 7 traits{}",
        maturity.model,
        maturity.tier.name,
        maturity.held,
        maturity
            .next_tier
            .as_ref()
            .map_or_else(String::new, |t| format!("; {} at {}", t.name, t.min_traits))
    );
    for t in &maturity.traits {
        let mark = if t.held { "x" } else { " " };
        let flag = match (t.disputed(), t.held) {
            (true, true) => "  <- you answered yes; the data points to no",
            (true, false) => "  <- you answered no; the data points to yes",
            _ => "",
        };
        let _ = writeln!(out, "  [{mark}] {}{flag}", t.maturity_trait.title());
        for e in &t.evidence {
            let sig = match e.signal {
                Signal::Supports => "+",
                Signal::Contradicts => "-",
                Signal::Neutral => "~",
            };
            let _ = writeln!(out, "        {sig} {}: {}", e.label, e.value);
        }
    }
    for (t, step) in maturity.next_steps() {
        let _ = writeln!(out, "  next for {}: {step}", t.title());
    }
    for c in &maturity.comparison {
        let _ = writeln!(
            out,
            "  vs Champions, {}: yours {}, Champions {}",
            c.measure, c.yours, c.champions
        );
    }

    let mut report = Report::new("Little Leaf Tea Co. support: March 2026", s.clone(), month_end)
        .with_subtitle("Simulated month: email, web form, live chat, WhatsApp, phone, Instagram; four agents; London office hours")
        .with_first_response_target(4 * 3600, Basis::Business)
        .with_time_zone(London)
        .with_periods(&days)
        .with_contact_rates(
            rates
                .iter()
                .map(|(p, r)| (format!("week {p}"), *r))
                .collect(),
        )
        .with_maturity(maturity)
        .with_customers(customers);
    if let Some(m) = matrix {
        report = report.with_matrix(m);
    }
    let sla = policies();
    for p in Priority::ALL.into_iter().rev() {
        if let Some((a, periods)) = by_priority.get(&p) {
            report = report.with_priority(
                PriorityFigures::new(p, a.summary(), periods).targets_from(&sla, "first_reply"),
            );
        }
    }
    let html = report.to_html();
    // The same report for a team that reads Chinese, beside the English one.
    let zh = report.clone().with_language(Lang::ZhHans).to_html();
    let zh_path = std::path::Path::new(&out_path).with_extension("zh-Hans.html");
    let leaked = w.notes.iter().filter(|n| html.contains(n.as_str())).count();
    if let Some(dir) = std::path::Path::new(&out_path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    std::fs::write(&out_path, &html)?;
    std::fs::write(&zh_path, &zh)?;
    let _ = writeln!(
        out,
        "\nReport: {out_path} ({} KB, {} internal notes in the month, {leaked} of them in the report)",
        html.len() / 1024,
        w.notes.len()
    );
    let _ = writeln!(
        out,
        "Simulated {} tickets in {:.1} s ({} commands refused because the ticket had moved on)",
        w.tickets.len(),
        started.elapsed().as_secs_f64(),
        w.refused
    );
    // Printing may fail on a closed pipe (`| head`); that is not an error.
    use std::io::Write as _;
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(())
}
