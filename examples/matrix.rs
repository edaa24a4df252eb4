//! Simulates two months of a web shop's support desk (deterministically: a
//! tiny LCG, no rand crate), builds the value-irritant matrix of the second
//! month, prints it as Markdown and writes it as `matrix.svg`.
//!
//! ```text
//! cargo run --example matrix [output.svg]
//! ```

use std::error::Error;

use chrono::{DateTime, Duration, Utc};
use supportdesk::customer::Identity;
use supportdesk::id::{AgentId, TenantId};
use supportdesk::insight::{Matrix, MatrixConfig, Question, ReasonRating, Window};
use supportdesk::metrics::{Denominator, FactsOptions, TicketFacts};
use supportdesk::port::Clock;
use supportdesk::port::{TicketQuery, TicketStore};
use supportdesk::sla::Calendars;
use supportdesk::testing::{ManualClock, RecordingNotifier, SequentialIds};
use supportdesk::ticket::{Ces, Command, Csat};
use supportdesk::{
    AutoTagger, Channel, Desk, InMemoryStore, Inbound, Status, Tag, Taxonomy, Ticket,
};

/// A 64-bit linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A contact reason of the simulation: how often, what customers write,
/// which causes agents find, how it usually goes.
struct Reason {
    weight: u64,
    texts: &'static [&'static str],
    causes: &'static [&'static str],
    reopen_percent: u64,
    csat: (i64, i64),
    ces: (i64, i64),
}

const REASONS: &[Reason] = &[
    Reason {
        weight: 30,
        texts: &[
            "Where is my order #{n}?",
            "where is my order {n}",
            "订单{n}的物流信息在哪里查？",
            "Can I get the tracking for order {n}?",
        ],
        causes: &["cause/no-tracking-email", "cause/warehouse-delay"],
        reopen_percent: 5,
        csat: (3, 5),
        ces: (2, 4),
    },
    Reason {
        weight: 18,
        texts: &[
            "My parcel {n} is late",
            "包裹{n}延迟了，还没到",
            "Order {n} still not arrived, it is late",
        ],
        causes: &["cause/carrier-delay", "cause/warehouse-delay"],
        reopen_percent: 25,
        csat: (1, 4),
        ces: (4, 7),
    },
    Reason {
        weight: 8,
        texts: &[
            "The mug arrived broken",
            "收到的杯子碎了",
            "Box {n} was damaged in transit",
        ],
        causes: &["cause/packaging"],
        reopen_percent: 30,
        csat: (1, 3),
        ces: (5, 7),
    },
    Reason {
        weight: 10,
        texts: &[
            "My card was declined at checkout",
            "支付失败，卡被拒绝",
            "payment failed for order {n}",
        ],
        causes: &["cause/bank-rule"],
        reopen_percent: 15,
        csat: (2, 4),
        ces: (4, 6),
    },
    Reason {
        weight: 9,
        texts: &[
            "I would like a refund for order {n}",
            "我要退款",
            "How do I get my money back?",
        ],
        causes: &["cause/unclear-return-policy"],
        reopen_percent: 10,
        csat: (3, 5),
        ces: (3, 5),
    },
    Reason {
        weight: 8,
        texts: &[
            "I can't log in",
            "忘记密码了，登录不了",
            "password reset email never came",
        ],
        causes: &["cause/sso-outage"],
        reopen_percent: 5,
        csat: (3, 5),
        ces: (2, 4),
    },
    Reason {
        weight: 5,
        texts: &["Please cancel order {n}", "我想取消订单{n}"],
        causes: &["cause/unclear-return-policy"],
        reopen_percent: 5,
        csat: (3, 5),
        ces: (2, 4),
    },
    Reason {
        weight: 5,
        texts: &["Can I upgrade to the premium plan?", "想升级会员"],
        causes: &["cause/great-agent"],
        reopen_percent: 0,
        csat: (4, 5),
        ces: (1, 2),
    },
    Reason {
        weight: 4,
        texts: &["Thank you, great service!", "谢谢，非常满意"],
        causes: &["cause/great-agent"],
        reopen_percent: 0,
        csat: (5, 5),
        ces: (1, 1),
    },
];

fn pick<'a, T>(rng: &mut Lcg, items: &'a [T]) -> &'a T {
    let i = usize::try_from(rng.below(items.len() as u64)).unwrap_or(0);
    &items[i.min(items.len() - 1)]
}

fn in_range(rng: &mut Lcg, (lo, hi): (i64, i64)) -> i64 {
    lo + i64::try_from(rng.below(u64::try_from(hi - lo + 1).unwrap_or(1))).unwrap_or(0)
}

type Sim = Desk<InMemoryStore, RecordingNotifier, ManualClock>;

/// One ticket: the customer writes, the desk auto-tags it, an agent finds
/// the cause, replies and solves; some customers come back; some rate.
fn simulate_ticket(
    desk: &Sim,
    rng: &mut Lcg,
    shop: TenantId,
    at: DateTime<Utc>,
    n: u64,
) -> Result<(), Box<dyn Error>> {
    let total: u64 = REASONS.iter().map(|r| r.weight).sum();
    let mut roll = rng.below(total);
    let reason = REASONS
        .iter()
        .find(|r| {
            if roll < r.weight {
                true
            } else {
                roll -= r.weight;
                false
            }
        })
        .unwrap_or(&REASONS[0]);
    let text = pick(rng, reason.texts).replace("{n}", &(10_000 + n).to_string());
    // A few customers write several times (repeat contacts).
    let customer = if rng.chance(15) {
        rng.below(40)
    } else {
        1_000 + n
    };
    let who = Identity::email(&format!("customer{customer}@example.com"))?;
    let channel = *pick(
        rng,
        &[
            Channel::Email,
            Channel::LiveChat,
            Channel::WhatsApp,
            Channel::WebForm,
        ],
    );
    desk.clock().set(at);
    let r = desk.receive(shop, Inbound::new(who, channel, text))?;
    if !r.opened {
        return Ok(()); // it continued an open ticket
    }
    let agent = AgentId::from_u128(u128::from(rng.below(6)) + 1);
    let cause = Tag::new(pick::<&str>(rng, reason.causes))?;
    let step = |desk: &Sim, minutes: i64| desk.clock().advance(Duration::minutes(minutes));
    step(desk, 20 + i64::try_from(rng.below(600)).unwrap_or(0));
    desk.execute(shop, r.ticket, Command::AddTags { tags: vec![cause] })?;
    desk.execute(
        shop,
        r.ticket,
        Command::agent_reply(agent, "Thanks for writing in, here is what we found."),
    )?;
    step(desk, 30);
    desk.execute(shop, r.ticket, Command::status(Status::Solved))?;
    let customer_id = r.customer;
    if rng.chance(reason.reopen_percent) {
        step(desk, 600);
        desk.execute(
            shop,
            r.ticket,
            Command::customer_reply(customer_id, channel, "This is still not sorted."),
        )?;
        step(desk, 120);
        desk.execute(
            shop,
            r.ticket,
            Command::AgentReply {
                agent,
                channel: None,
                body: "Sorry, done now.".into(),
                then: Some(Status::Solved),
            },
        )?;
    }
    if rng.chance(40) {
        let score = Csat::new(in_range(rng, reason.csat))?;
        desk.execute(
            shop,
            r.ticket,
            Command::RateSatisfaction {
                score,
                comment: None,
            },
        )?;
        let score = Ces::new(in_range(rng, reason.ces))?;
        desk.execute(shop, r.ticket, Command::RateEffort { score })?;
    }
    Ok(())
}

fn all_tickets(desk: &Sim, shop: TenantId) -> Result<Vec<Ticket>, Box<dyn Error>> {
    let mut out = Vec::new();
    let mut q = TicketQuery::new().limit(TicketQuery::MAX_LIMIT);
    loop {
        let page = desk.store().query(shop, &q)?;
        out.extend(page.items);
        match page.next {
            Some(c) => q.after = Some(c),
            None => return Ok(out),
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let out_path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "matrix.svg".to_owned());
    let taxonomy: Taxonomy = serde_json::from_str(include_str!("data/taxonomy.json"))?;
    let desk = Desk::new(
        InMemoryStore::new(),
        RecordingNotifier::new(),
        ManualClock::at("2026-02-01T00:00:00Z")?,
    )
    .with_ids(SequentialIds::new())
    .with_auto_tagger(AutoTagger::new(&taxonomy)?)
    .with_taxonomy(taxonomy.clone());
    let shop = TenantId::from_u128(1);
    let mut rng = Lcg(2026);
    let start: DateTime<Utc> = "2026-02-01T00:00:00Z".parse()?;
    let mut n = 0;
    for day in 0..59 {
        // More contacts in March (a carrier problem), fewer at weekends.
        let base = if day >= 28 { 22 } else { 16 };
        let today = base + rng.below(8);
        for _ in 0..today {
            n += 1;
            let at = start
                + Duration::days(day)
                + Duration::minutes(i64::try_from(rng.below(24 * 60)).unwrap_or(0));
            simulate_ticket(&desk, &mut rng, shop, at, n)?;
        }
    }
    let tickets = all_tickets(&desk, shop)?;
    // The matrix reads per-ticket facts (as of the end of the simulation)
    // and each ticket's opening question.
    let options = FactsOptions::new(desk.clock().now(), Calendars::new());
    let mut facts = Vec::with_capacity(tickets.len());
    let mut questions = Vec::with_capacity(tickets.len());
    for t in &tickets {
        let events = desk.history(shop, t.id())?;
        facts.extend(TicketFacts::from_events(&events, &options)?);
        questions.extend(Question::from_events(&events));
    }
    let config = MatrixConfig::new(vec![
        ReasonRating {
            label: Some("Where is my order? / 订单在哪".into()),
            ..ReasonRating::new(Tag::new("order-status")?, -1, 1)
        },
        ReasonRating::new(Tag::new("shipping/late")?, -2, -1),
        ReasonRating::new(Tag::new("shipping/damaged")?, -2, -2),
        ReasonRating::new(Tag::new("payment/declined")?, -1, -2),
        ReasonRating::new(Tag::new("refund/request")?, -1, 1),
        ReasonRating::new(Tag::new("account/access")?, -1, 1),
        ReasonRating::new(Tag::new("order/cancel")?, 1, -1),
        ReasonRating::new(Tag::new("sales/upgrade")?, 2, 2),
        ReasonRating::new(Tag::new("feedback/praise")?, 2, 1),
    ]);
    let march = Window::new(
        "2026-03-01T00:00:00Z".parse()?,
        "2026-03-29T00:00:00Z".parse()?,
    );
    // The host's order count for the window: the contact-rate denominator.
    let orders = |per: Denominator, from: DateTime<Utc>, to: DateTime<Utc>| {
        let days = u64::try_from((to - from).num_days()).ok()?;
        (per == Denominator::Orders).then_some(days * 180)
    };
    let matrix = Matrix::build_with_questions(
        &facts,
        &questions,
        &config,
        march,
        Some(&taxonomy),
        Some(&orders),
    )?;
    println!("{}", matrix.to_markdown());
    std::fs::write(&out_path, matrix.to_svg())?;
    println!("Wrote {out_path} ({} tickets simulated).", tickets.len());
    Ok(())
}
