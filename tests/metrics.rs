//! Every metric on small histories, with the expected values computed by
//! hand (the arithmetic is in the comments).
//!
//! The calendar "office" is Europe/London, Monday to Friday 09:00-17:00;
//! January 2026 is on GMT, so local times equal UTC. Monday is 2026-01-05.
//! The figures are read on Wednesday 2026-01-07 at 12:00.

use chrono::{DateTime, Utc};
use supportdesk::calendar::BusinessCalendar;
use supportdesk::id::{AgentId, CustomerId, TicketId};
use supportdesk::metrics::{
    Aggregate, Basis, ContactBase, ContactRate, CsatFact, Denominator, Elapsed, FactsOptions,
    MetricsError, PeriodKind, Periodic, TicketFacts, speed_threshold,
};
use supportdesk::sla::{self, Calendars, MetricDef, SlaPolicy, Target, TargetState, TimeBasis};
use supportdesk::testing::SequentialIds;
use supportdesk::ticket::{Ces, Command, Context, Csat, Event, OpenTicket, Ticket, decide, open};
use supportdesk::{Channel, Priority, Status, Tag};

const BOB: AgentId = AgentId::from_u128(7);
const MARKER: &str = "INTERNAL-NOTE-7f3a";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ts(s: &str) -> i64 {
    at(s).timestamp()
}

fn calendars() -> Calendars {
    let office = BusinessCalendar::builder("Europe/London")
        .weekdays("09:00", "17:00")
        .build()
        .unwrap();
    Calendars::new().with("office", office)
}

fn policy() -> SlaPolicy {
    let business = TimeBasis::Business {
        calendar: "office".into(),
    };
    let t = |metric: &str, priority, hours: i64| Target {
        metric: metric.into(),
        priority,
        channel: None,
        seconds: hours * 3600,
        basis: business.clone(),
    };
    SlaPolicy {
        id: "standard".into(),
        version: 1,
        name: "Standard".into(),
        conditions: Default::default(),
        metrics: vec![MetricDef::first_reply(), MetricDef::next_reply()],
        targets: vec![
            t("first_reply", Priority::Low, 8),
            t("first_reply", Priority::Normal, 2),
            t("first_reply", Priority::High, 1),
            t("next_reply", Priority::Low, 4),
            t("next_reply", Priority::Normal, 4),
            t("next_reply", Priority::High, 4),
        ],
        warnings: vec![],
        escalation: vec![],
    }
}

/// A ticket's history built through the pure core at chosen instants.
struct History<'a> {
    ids: &'a SequentialIds,
    events: Vec<Event>,
    ticket: Ticket,
}

impl<'a> History<'a> {
    fn open(ids: &'a SequentialIds, when: &str, cmd: OpenTicket) -> Self {
        let d = open(
            supportdesk::id::TenantId::from_u128(1),
            &cmd,
            &Context::new(at(when), ids),
        )
        .unwrap();
        let ticket = Ticket::from_events(&d.events).unwrap();
        let mut h = History {
            ids,
            events: d.events,
            ticket,
        };
        h.run(
            when,
            Command::ApplySlaPolicy {
                policy: Box::new(policy()),
            },
        );
        h
    }

    fn run(&mut self, when: &str, cmd: Command) -> &mut Self {
        let d = decide(&self.ticket, &cmd, &Context::new(at(when), self.ids)).unwrap();
        for e in &d.events {
            self.ticket.apply(e);
        }
        self.events.extend(d.events);
        self
    }

    fn customer(&mut self, when: &str, body: &str) -> &mut Self {
        let c = self.ticket.customer();
        let ch = self.ticket.channel();
        self.run(when, Command::customer_reply(c, ch, body))
    }

    fn reply(&mut self, when: &str, then: Option<Status>) -> &mut Self {
        self.run(
            when,
            Command::AgentReply {
                agent: BOB,
                channel: None,
                body: "Here is what we did".into(),
                then,
            },
        )
    }

    fn tag(&mut self, when: &str, tag: &str) -> &mut Self {
        self.run(
            when,
            Command::AddTags {
                tags: vec![Tag::new(tag).unwrap()],
            },
        )
    }
}

fn reactive(n: u128, channel: Channel, priority: Priority) -> OpenTicket {
    OpenTicket::reactive(CustomerId::from_u128(n), channel, "Where is my order?")
        .with_priority(priority)
}

/// The five tickets of the module docs:
///
/// - A (email, normal): opened Mon 09:00, bot acknowledgement 09:00:30,
///   Bob replies 10:30, the customer asks again 11:00, Bob answers and
///   solves 11:20; CSAT 5, CES 2. Tag shipping/late.
/// - B (live chat, high): opened Mon 16:30, Bob replies Tue 09:30 asking a
///   question (pending), the customer answers 10:00 (open), Bob solves
///   10:30 without another reply (one touch). CSAT 2 "Too slow" at 11:00, an
///   internal note at 11:30 (the follow-up). Tag payment-error.
/// - C (email, normal): opened Mon 10:00, Bob answers and solves 10:10, the
///   customer reopens 12:00, Bob answers and solves 12:30. CSAT 4 at 13:00.
///   Tag shipping/late.
/// - D (SMS, low): opened Mon 11:00, never answered.
/// - E (email, proactive by Bob, Mon 14:00, starts pending): the customer
///   answers Tue 14:00, nobody replies. Tag billing.
fn histories(ids: &SequentialIds) -> Vec<Vec<Event>> {
    let mut a = History::open(
        ids,
        "2026-01-05T09:00:00Z",
        reactive(1, Channel::Email, Priority::Normal),
    );
    a.run(
        "2026-01-05T09:00:30Z",
        Command::AutomatedReply {
            bot: "ack".into(),
            body: "We got your message".into(),
        },
    )
    .reply("2026-01-05T10:30:00Z", None)
    .customer("2026-01-05T11:00:00Z", "And the invoice?")
    .reply("2026-01-05T11:20:00Z", Some(Status::Solved))
    .tag("2026-01-05T11:20:00Z", "shipping/late")
    .run(
        "2026-01-05T12:00:00Z",
        Command::RateSatisfaction {
            score: Csat::new(5).unwrap(),
            comment: Some("Great".into()),
        },
    )
    .run(
        "2026-01-05T12:00:00Z",
        Command::RateEffort {
            score: Ces::new(2).unwrap(),
        },
    );

    let mut b = History::open(
        ids,
        "2026-01-05T16:30:00Z",
        reactive(2, Channel::LiveChat, Priority::High),
    );
    b.tag("2026-01-05T16:30:00Z", "payment-error")
        .reply("2026-01-06T09:30:00Z", Some(Status::Pending))
        .customer("2026-01-06T10:00:00Z", "Card ending 42")
        .run("2026-01-06T10:30:00Z", Command::status(Status::Solved))
        .run(
            "2026-01-06T11:00:00Z",
            Command::RateSatisfaction {
                score: Csat::new(2).unwrap(),
                comment: Some("Too slow".into()),
            },
        )
        .run(
            "2026-01-06T11:30:00Z",
            Command::AddNote {
                agent: BOB,
                body: format!("{MARKER}: called the customer back"),
            },
        );

    let mut c = History::open(
        ids,
        "2026-01-05T10:00:00Z",
        reactive(3, Channel::Email, Priority::Normal),
    );
    c.reply("2026-01-05T10:10:00Z", Some(Status::Solved))
        .customer("2026-01-05T12:00:00Z", "Still broken")
        .reply("2026-01-05T12:30:00Z", Some(Status::Solved))
        .tag("2026-01-05T12:30:00Z", "shipping/late")
        .run(
            "2026-01-05T13:00:00Z",
            Command::RateSatisfaction {
                score: Csat::new(4).unwrap(),
                comment: None,
            },
        );

    let d = History::open(
        ids,
        "2026-01-05T11:00:00Z",
        reactive(4, Channel::Sms, Priority::Low),
    );

    let mut e = History::open(
        ids,
        "2026-01-05T14:00:00Z",
        OpenTicket::proactive(
            CustomerId::from_u128(5),
            Channel::Email,
            Some(BOB),
            "Your parcel is delayed",
        )
        .with_tags([Tag::new("billing").unwrap()]),
    );
    e.customer("2026-01-06T14:00:00Z", "When will it arrive?");

    vec![a.events, b.events, c.events, d.events, e.events]
}

const AS_OF: &str = "2026-01-07T12:00:00Z";

fn options() -> FactsOptions {
    FactsOptions::new(at(AS_OF), calendars())
        .with_business_calendar("office")
        .unwrap()
}

fn facts(ids: &SequentialIds) -> Vec<TicketFacts> {
    let o = options();
    histories(ids)
        .iter()
        .map(|h| TicketFacts::from_events(h, &o).unwrap().unwrap())
        .collect()
}

fn e(cal: u64, business: u64) -> Option<Elapsed> {
    Some(Elapsed::new(cal).with_business(business))
}

#[test]
fn facts_of_each_ticket() {
    let ids = SequentialIds::new();
    let f = facts(&ids);
    let (a, b, c, d, p) = (&f[0], &f[1], &f[2], &f[3], &f[4]);

    // A: 09:00 -> 10:30 = 5400 s, all inside office hours; the bot
    // acknowledgement at 09:00:30 does not count.
    assert_eq!(a.first_reply, e(5400, 5400));
    assert_eq!(a.bot_replies, 1);
    assert_eq!(a.agent_replies, 2);
    // 11:00 -> 11:20.
    assert_eq!(a.next_replies, vec![Elapsed::new(1200).with_business(1200)]);
    // 09:00 -> 11:20 = 8400 s, never paused.
    assert_eq!(a.resolution, e(8400, 8400));
    assert_eq!(a.agent_work, e(8400, 8400));
    assert_eq!(a.resolved_at, Some(ts("2026-01-05T11:20:00Z")));
    assert_eq!(a.first_reply_sla, Some(TargetState::Fulfilled));
    assert!(!a.is_one_touch());

    // B: Mon 16:30 -> Tue 09:30 is 17 h of calendar time, 30 + 30 min of
    // office time; exactly the 1 h high-priority target: met (breached only
    // after the deadline).
    assert_eq!(b.first_reply, e(61_200, 3600));
    assert_eq!(b.first_reply_sla, Some(TargetState::Fulfilled));
    // The customer's 10:00 message was never answered before the solve:
    // that next-reply cycle is cancelled, not counted.
    assert!(b.next_replies.is_empty());
    // Mon 16:30 -> Tue 10:30: 18 h; office time 30 min + 90 min.
    assert_eq!(b.resolution, e(64_800, 7200));
    // Agent work leaves out the pending half hour (09:30-10:00).
    assert_eq!(b.agent_work, e(63_000, 5400));
    assert!(b.is_one_touch());
    let csat = b.csat.as_ref().unwrap();
    assert_eq!(csat.score.score(), 2);
    assert_eq!(csat.comment.as_deref(), Some("Too slow"));
    // Rated 11:00, internal note 11:30.
    assert_eq!(csat.followed_up_in, Some(1800));

    // C: 600 s to the first reply; reopened at 12:00, answered 12:30. The
    // resolution clock leaves out the time solved: 600 + 1800 s.
    assert_eq!(c.first_reply, e(600, 600));
    assert_eq!(c.next_replies, vec![Elapsed::new(1800).with_business(1800)]);
    assert_eq!(c.resolution, e(2400, 2400));
    assert_eq!(c.reopens, 1);
    assert!(c.solved_ever);

    // D: unanswered. Mon 11:00 -> Wed 12:00 = 49 h; office time Mon 6 h +
    // Tue 8 h + Wed 3 h = 17 h. The 8 h low-priority target passed on Tue
    // at 11:00.
    assert_eq!(d.first_reply, None);
    assert_eq!(d.first_reply_waiting, e(176_400, 61_200));
    assert_eq!(d.first_reply_sla, Some(TargetState::Breached));
    assert_eq!(d.status, Status::New);

    // E: proactive, so no first-reply clock at all.
    assert!(p.proactive);
    assert_eq!(p.first_reply, None);
    assert_eq!(p.first_reply_waiting, None);
    assert_eq!(p.first_reply_sla, None);
    assert_eq!(p.status, Status::Open);
    assert_eq!(
        p.status_at(ts("2026-01-06T00:00:00Z")),
        Some(Status::Pending)
    );
    assert_eq!(p.status_at(ts("2026-01-05T13:00:00Z")), None);
}

#[test]
fn every_figure_of_the_aggregate() {
    let ids = SequentialIds::new();
    let f = facts(&ids);
    let all: Aggregate = f.iter().collect();
    let s = all.summary();

    assert_eq!(s.as_of, Some(at(AS_OF)));
    // Latest event: B's note Tue 11:30? No: E's customer reply Tue 14:00.
    assert_eq!(s.newest_event, Some(at("2026-01-06T14:00:00Z")));

    // Volume.
    assert_eq!(
        (s.volume.tickets, s.volume.reactive, s.volume.proactive),
        (5, 4, 1)
    );
    assert_eq!(
        s.volume.by_channel,
        vec![
            (Channel::Email, 3),
            (Channel::LiveChat, 1),
            (Channel::Sms, 1)
        ]
    );
    assert_eq!(
        s.volume.by_priority,
        vec![
            (Priority::Low, 1),
            (Priority::Normal, 3),
            (Priority::High, 1),
            (Priority::Urgent, 0)
        ]
    );
    let tags: Vec<(String, u64)> = s
        .volume
        .by_tag
        .iter()
        .map(|(t, n)| (t.to_string(), *n))
        .collect();
    assert_eq!(
        tags,
        vec![
            ("shipping/late".into(), 2),
            ("billing".into(), 1),
            ("payment-error".into(), 1)
        ]
    );
    assert_eq!((s.volume.tagged.count, s.volume.tagged.of), (4, 5));

    // First response, calendar: 5400, 61200, 600.
    let fr = &s.first_response;
    assert_eq!(fr.basis, Basis::Calendar);
    assert_eq!(fr.times.count, 3);
    assert_eq!(fr.times.mean, Some(22_400.0)); // 67200 / 3
    assert_eq!(fr.times.median, Some(5400.0));
    // p90: rank 0.9 * 2 = 1.8, so 5400 + 0.8 * (61200 - 5400).
    assert_eq!(fr.times.p90, Some(50_040.0));
    assert!(fr.times.exact_percentiles);
    assert_eq!(fr.longest.map(|l| l.seconds), Some(61_200));
    assert_eq!(fr.longest.map(|l| l.ticket), Some(f[1].ticket));
    assert_eq!(fr.waiting, 1);
    assert_eq!(
        fr.longest_waiting.map(|l| (l.seconds, l.ticket)),
        Some((176_400, f[3].ticket))
    );
    // Bins: 600 under 15m, 5400 in 1h-2h, 61200 in 8h-1d.
    let counts: Vec<u64> = fr.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![1, 0, 0, 1, 0, 0, 1, 0, 0]);
    assert_eq!(fr.bins[3].label, "1h-2h");
    assert_eq!(fr.bins[0].label, "under 15m");
    assert_eq!(fr.bins[8].label, "3d and more");
    // Within the SLA target: A, B, C met, D breached (E has no clock).
    assert_eq!((fr.within_target.count, fr.within_target.of), (3, 4));
    assert_eq!(fr.within_target.value(), Some(0.75));

    // First response, business: 5400, 3600, 600.
    let fb = s.first_response_business.as_ref().unwrap();
    assert_eq!(fb.times.mean, Some(3200.0));
    assert_eq!(fb.times.median, Some(3600.0));
    assert_eq!(fb.longest_waiting.map(|l| l.seconds), Some(61_200));

    // Next reply: A 1200, C 1800.
    assert_eq!(s.next_reply.count, 2);
    assert_eq!(s.next_reply.mean, Some(1500.0));
    assert_eq!(s.next_reply.max, Some(1800));
    assert_eq!(s.next_reply_business.as_ref().unwrap().mean, Some(1500.0));

    // Resolution: A 8400, B 64800, C 2400 (calendar); 8400, 7200, 2400.
    assert_eq!(s.resolution.count, 3);
    assert_eq!(s.resolution.mean, Some(25_200.0));
    assert_eq!(s.resolution.median, Some(8400.0));
    assert_eq!(s.resolution_business.as_ref().unwrap().mean, Some(6000.0));
    // Agent work: 8400, 63000, 2400; business 8400, 5400, 2400.
    assert_eq!(s.agent_work.mean, Some(24_600.0));
    assert_eq!(s.agent_work_business.as_ref().unwrap().mean, Some(5400.0));

    // One touch: only B of the three resolved; reopened: C of A, B, C.
    assert_eq!((s.one_touch.count, s.one_touch.of), (1, 3));
    assert_eq!((s.reopened.count, s.reopened.of), (1, 3));
    assert_eq!(s.reopens, 1);

    // Backlog on Wed 12:00: D (new, 49 h old), E (open, 46 h old).
    assert_eq!(s.backlog.at, Some(at(AS_OF)));
    assert_eq!(s.backlog.open, 2);
    assert_eq!(
        s.backlog.by_status,
        vec![
            (Status::New, 1),
            (Status::Open, 1),
            (Status::Pending, 0),
            (Status::OnHold, 0)
        ]
    );
    let ages: Vec<u64> = s.backlog.by_age.iter().map(|b| b.count).collect();
    assert_eq!(ages, vec![0, 0, 0, 2, 0, 0, 0]); // both 1d-3d
    assert_eq!(
        s.backlog.oldest.map(|l| (l.seconds, l.ticket)),
        Some((176_400, f[3].ticket))
    );

    // CSAT: 5 (A, email), 2 (B, chat), 4 (C, email).
    let csat = &s.csat;
    assert_eq!(csat.overall.responses, 3);
    assert_eq!(csat.overall.mean, Some(11.0 / 3.0));
    assert_eq!(csat.overall.distribution, [0, 1, 0, 1, 1]);
    assert_eq!(
        (csat.overall.satisfied.count, csat.overall.satisfied.of),
        (2, 3)
    );
    assert_eq!((csat.response_rate.count, csat.response_rate.of), (3, 3));
    assert_eq!(csat.by_channel.len(), 2);
    assert_eq!(csat.by_channel[0].0, Channel::Email);
    assert_eq!(csat.by_channel[0].1.mean, Some(4.5));
    assert_eq!(csat.by_channel[1].0, Channel::LiveChat);
    assert_eq!(csat.by_channel[1].1.mean, Some(2.0));
    assert_eq!(csat.low_scores.len(), 1);
    let low = &csat.low_scores[0];
    assert_eq!(
        (low.ticket, low.score, low.comment.as_deref()),
        (f[1].ticket, 2, Some("Too slow"))
    );
    assert_eq!(low.at, at("2026-01-06T11:00:00Z"));
    assert_eq!(
        (csat.low_followed_up.count, csat.low_followed_up.of),
        (1, 1)
    );
    assert_eq!(csat.follow_up_median, Some(1800.0));

    // CES: one answer, 2 (easy), out of three solved tickets.
    assert_eq!(s.ces.responses, 1);
    assert_eq!(s.ces.mean, Some(2.0));
    assert_eq!((s.ces.response_rate.count, s.ces.response_rate.of), (1, 3));
    assert_eq!((s.ces.easy.count, s.ces.hard.count), (1, 0));

    // CSAT by first-response bin: C (600 s) 4, A (5400 s) 5, B (61200 s) 2.
    let by_rt: Vec<(u64, Option<f64>)> = s
        .csat_by_response_time
        .iter()
        .map(|b| (b.csat.responses, b.csat.mean))
        .collect();
    assert_eq!(by_rt[0], (1, Some(4.0)));
    assert_eq!(by_rt[3], (1, Some(5.0)));
    assert_eq!(by_rt[6], (1, Some(2.0)));
    assert_eq!(s.speed_threshold, None); // too few answers

    // SLA compliance as the engine judges it. First reply: A, B, C met, D
    // breached. Next reply: A and C met; B's cycle cancelled by the solve;
    // E's (Tue 14:00, 4 office hours: due Wed 10:00) breached.
    let fr_sla = &s.sla["first_reply"];
    assert_eq!(
        (fr_sla.met, fr_sla.breached, fr_sla.open, fr_sla.cancelled),
        (3, 1, 0, 0)
    );
    let nr_sla = &s.sla["next_reply"];
    assert_eq!(
        (nr_sla.met, nr_sla.breached, nr_sla.open, nr_sla.cancelled),
        (2, 1, 0, 1)
    );

    // Replies: A 2, B 1, C 2, E 1 (the proactive message); one bot reply.
    assert_eq!((s.agent_replies, s.bot_replies), (6, 1));
}

#[test]
fn figures_agree_with_the_sla_engine() {
    let ids = SequentialIds::new();
    let o = options();
    for h in histories(&ids) {
        let f = TicketFacts::from_events(&h, &o).unwrap().unwrap();
        let report = sla::evaluate(&h, o.calendars(), o.as_of(), None).unwrap();
        // The ticket's own first-reply target is on the same calendar, so
        // its elapsed time is the business first-response time.
        if let Some(t) = report.targets.iter().find(|t| t.metric == "first_reply") {
            let ours = f
                .first_reply
                .or(f.first_reply_waiting)
                .and_then(|e| e.business_seconds);
            assert_eq!(ours, Some(t.elapsed_seconds as u64));
            assert_eq!(f.first_reply_sla, Some(t.state));
        }
        let next: Vec<u64> = report
            .targets
            .iter()
            .filter(|t| t.metric == "next_reply" && t.state == TargetState::Fulfilled)
            .map(|t| t.elapsed_seconds as u64)
            .collect();
        let ours: Vec<u64> = f
            .next_replies
            .iter()
            .filter_map(|e| e.business_seconds)
            .collect();
        assert_eq!(ours, next);
    }
}

#[test]
fn facts_never_hold_internal_notes() {
    let ids = SequentialIds::new();
    let text = serde_json::to_string(&facts(&ids)).unwrap();
    assert!(!text.contains(MARKER));
}

#[test]
fn days_in_a_time_zone() {
    let ids = SequentialIds::new();
    let f = facts(&ids);
    let mut days = Periodic::new(PeriodKind::Day, chrono_tz::Europe::London);
    for x in &f {
        days.add(x);
    }
    let rows: Vec<(String, u64, u64)> = days
        .periods()
        .map(|(p, a)| (p.to_string(), a.tickets(), a.backlog().open))
        .collect();
    // All five opened on Monday. At midnight Mon/Tue: B (open), D (new), E
    // (pending) are unsolved; at midnight Tue/Wed: D and E; on Wed at the
    // reading instant: D and E.
    assert_eq!(
        rows,
        vec![
            ("2026-01-05".into(), 5, 3),
            ("2026-01-06".into(), 0, 2),
            ("2026-01-07".into(), 0, 2),
        ]
    );
    // The total equals the plain aggregate (the backlog of the last day is
    // the backlog now).
    let all: Aggregate = f.iter().collect();
    assert_eq!(days.total(), all);

    let mut weeks = Periodic::new(PeriodKind::IsoWeek, chrono_tz::Europe::London);
    f.iter().for_each(|x| weeks.add(x));
    assert_eq!(
        weeks
            .periods()
            .map(|(p, _)| p.to_string())
            .collect::<Vec<_>>(),
        ["2026-W02"]
    );
    assert!(matches!(
        weeks.merge(&days),
        Err(MetricsError::PeriodMismatch { .. })
    ));

    let mut months = Periodic::new(PeriodKind::Month, chrono_tz::America::New_York);
    f.iter().for_each(|x| months.add(x));
    assert_eq!(
        months
            .periods()
            .map(|(p, _)| p.to_string())
            .collect::<Vec<_>>(),
        ["2026-01"]
    );
}

#[test]
fn a_day_starts_at_local_midnight() {
    // 2026-03-08 is the spring-forward day in New York (EST -> EDT): 23 h.
    let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
    let p = supportdesk::metrics::Period::containing(PeriodKind::Day, d);
    let (a, b) = p.bounds(chrono_tz::America::New_York);
    assert_eq!(a, ts("2026-03-08T05:00:00Z"));
    assert_eq!(b - a, 23 * 3600);
    // Ticket opened 2026-03-09 03:30 UTC = Sunday 23:30 EDT: Sunday.
    let mut days = Periodic::new(PeriodKind::Day, chrono_tz::America::New_York);
    assert_eq!(
        days.period_of(ts("2026-03-09T03:30:00Z")).to_string(),
        "2026-03-08"
    );
    assert_eq!(
        days.period_of(ts("2026-03-09T04:00:00Z")).to_string(),
        "2026-03-09"
    );
}

#[test]
fn bots_never_count_as_agent_work() {
    let ids = SequentialIds::new();
    let mut h = History::open(
        &ids,
        "2026-01-05T09:00:00Z",
        reactive(9, Channel::Chatbot, Priority::Normal),
    );
    h.run(
        "2026-01-05T09:00:05Z",
        Command::AutomatedReply {
            bot: "faq-bot".into(),
            body: "Try the FAQ".into(),
        },
    )
    .run("2026-01-05T09:01:00Z", Command::status(Status::Solved));
    let f = TicketFacts::from_events(&h.events, &options())
        .unwrap()
        .unwrap();
    assert_eq!((f.agent_replies, f.bot_replies), (0, 1));
    // Solved by the bot conversation without a human reply: the first-reply
    // clock is cancelled, so there is no first response at all.
    assert_eq!(f.first_reply, None);
    assert_eq!(f.first_reply_waiting, None);
    assert_eq!(f.first_reply_sla, Some(TargetState::Cancelled));
    // Resolved, but not in one touch (no human reply).
    assert!(f.resolution.is_some());
    assert!(!f.is_one_touch());
    let a: Aggregate = [f].iter().collect();
    assert_eq!(a.one_touch().count, 0);
    assert_eq!(a.summary().agent_replies, 0);
}

fn speed_facts(copies: usize) -> Aggregate {
    // Answers by first-response bin (fastest first), each `copies` times:
    // under 15m: six 5s, four 4s (mean 4.6, variance 0.2667); 15m-30m and
    // 30m-1h: five 5s, five 4s (4.5, 0.2778); 1h-2h: nine 4s, one 3 (3.9,
    // 0.1); 2h-4h: two 4s, eight 3s (3.2, 0.1778).
    let mut facts = Vec::new();
    let mut n = 0u128;
    for (frt, scores) in [
        (60, vec![5, 5, 5, 5, 5, 5, 4, 4, 4, 4]),
        (1000, vec![5, 5, 5, 5, 5, 4, 4, 4, 4, 4]),
        (2000, vec![5, 5, 5, 5, 5, 4, 4, 4, 4, 4]),
        (4000, vec![4, 4, 4, 4, 4, 4, 4, 4, 4, 3]),
        (8000, vec![4, 4, 3, 3, 3, 3, 3, 3, 3, 3]),
    ] {
        for _ in 0..copies {
            for &s in &scores {
                n += 1;
                let mut f = TicketFacts::new(
                    TicketId::from_u128(n),
                    CustomerId::from_u128(1),
                    Channel::Email,
                    0,
                );
                f.first_reply = Some(Elapsed::new(frt));
                f.csat = Some(CsatFact::new(Csat::new(s).unwrap(), 100));
                facts.push(f);
            }
        }
    }
    facts.iter().collect()
}

#[test]
fn speed_threshold_by_hand() {
    let a = speed_facts(1);
    // Best 4.6. 15m-30m: 4.5 is within 0.15. 1h-2h: 3.9 is 0.7 below; two
    // standard errors of the difference are 2 * sqrt(0.2667/10 + 0.1/10) =
    // 0.383: off the plateau. So the plateau ends at 1 hour.
    let t = a.summary().speed_threshold.unwrap();
    assert_eq!(t.within, 3600);
    assert!((t.plateau_mean - 136.0 / 30.0).abs() < 1e-12);
    assert!((t.beyond_mean - 71.0 / 20.0).abs() < 1e-12);
    // With ten answers a bin, a strict tolerance of 0.05 still keeps the
    // 4.5 bins: 0.1 below the best is within two standard errors (0.467).
    assert_eq!(
        speed_threshold(&a.csat_by_response_time(), 5, 0.05)
            .unwrap()
            .within,
        3600
    );
    // With a hundred times the answers, two standard errors shrink to
    // 0.047 and the tolerance decides: 0.05 keeps only the fastest bin.
    let big = speed_facts(100);
    assert_eq!(
        speed_threshold(&big.csat_by_response_time(), 5, 0.05)
            .unwrap()
            .within,
        900
    );
    assert_eq!(
        speed_threshold(&big.csat_by_response_time(), 5, 0.15)
            .unwrap()
            .within,
        3600
    );
    // More answers per bin required than there are: no threshold.
    assert!(speed_threshold(&a.csat_by_response_time(), 11, 0.15).is_none());
}

struct Shop;
impl ContactBase for Shop {
    fn orders(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> Option<u64> {
        Some(40)
    }
}

#[test]
fn contact_rate_per_order() {
    let ids = SequentialIds::new();
    let f = facts(&ids);
    let a: Aggregate = f.iter().collect();
    // Four reactive tickets (E was ours) for 40 orders.
    let r = ContactRate::of(
        &a,
        &Shop,
        Denominator::Orders,
        at("2026-01-05T00:00:00Z"),
        at(AS_OF),
    )
    .unwrap();
    assert_eq!((r.contacts, r.denominator, r.rate), (4, 40, 0.1));
    // The host does not know active customers.
    assert!(
        ContactRate::of(
            &a,
            &Shop,
            Denominator::ActiveCustomers,
            at(AS_OF),
            at(AS_OF)
        )
        .is_none()
    );
    let mut days = Periodic::new(PeriodKind::Day, chrono_tz::Europe::London);
    f.iter().for_each(|x| days.add(x));
    let rates = days.contact_rates(&Shop, Denominator::Orders);
    assert_eq!(rates.len(), 3);
    assert_eq!(rates[0].1.contacts, 4);
    assert_eq!(rates[1].1.contacts, 0);
}

#[test]
fn unknown_business_calendar_is_an_error() {
    let err = FactsOptions::new(at(AS_OF), calendars())
        .with_business_calendar("nope")
        .unwrap_err();
    assert_eq!(err.to_string(), "unknown business calendar \"nope\"");
    // A history whose policy names a calendar we were not given.
    let ids = SequentialIds::new();
    let h = &histories(&ids)[0];
    let bare = FactsOptions::new(at(AS_OF), Calendars::new());
    assert!(matches!(
        TicketFacts::from_events(h, &bare),
        Err(MetricsError::Sla { .. })
    ));
    // Not a history: no facts.
    assert_eq!(TicketFacts::from_events(&h[1..], &bare).unwrap(), None);
    assert_eq!(TicketFacts::from_events(&[], &bare).unwrap(), None);
    // Opened after the instant: no facts.
    let early = FactsOptions::new(at("2026-01-01T00:00:00Z"), calendars());
    assert_eq!(TicketFacts::from_events(h, &early).unwrap(), None);
}

#[test]
fn facts_before_the_end_ignore_later_events() {
    let ids = SequentialIds::new();
    let h = &histories(&ids)[0];
    // A at 10:00: still waiting 1 h for the first reply, nothing resolved.
    let o = FactsOptions::new(at("2026-01-05T10:00:00Z"), calendars());
    let f = TicketFacts::from_events(h, &o).unwrap().unwrap();
    assert_eq!(f.first_reply, None);
    assert_eq!(f.first_reply_waiting, Some(Elapsed::new(3600)));
    assert_eq!(f.first_reply_sla, Some(TargetState::Running));
    assert_eq!(f.resolution, None);
    assert_eq!(f.bot_replies, 1);
    assert_eq!(f.csat, None);
}

/// The experience facts (issue 15) of the five module-doc tickets and of a
/// follow-up that the customer continues on another channel and that is
/// then merged.
#[test]
fn experience_facts_by_hand() {
    let ids = SequentialIds::new();
    let f = facts(&ids);
    let (a, b, c, d, p) = (&f[0], &f[1], &f[2], &f[3], &f[4]);
    // Only D breached a target: its 8 business-hour first reply, Mon 11:00
    // + 6 h Mon + 2 h Tue = Tue 11:00.
    assert_eq!(d.sla_breached_at, Some(ts("2026-01-06T11:00:00Z")));
    for t in [a, b, c] {
        assert_eq!(t.sla_breached_at, None, "{:?}", t.ticket);
    }
    // Public messages, the opening one included: A opening, bot ack,
    // reply, customer, reply = 5; B opening, reply, customer = 3 (the note
    // is internal); C opening, reply, customer, reply = 4; D the opening;
    // E Bob's proactive opening and the customer's answer = 2.
    let public: Vec<u32> = f.iter().map(|t| t.public_messages).collect();
    assert_eq!(public, vec![5, 3, 4, 1, 2]);
    for t in &f {
        assert_eq!(t.follow_up_of, None);
        assert_eq!(t.merged_into, None);
        assert_eq!(t.channel_switch, None);
    }
    // E's only customer message is on its own channel.
    assert!(p.proactive);

    // A follow-up of C by the same customer: opened on email, continued by
    // SMS at 10:15, merged into A at 11:00.
    let mut cmd = reactive(3, Channel::Email, Priority::Normal);
    cmd.follow_up_of = Some(c.ticket);
    let mut g = History::open(&ids, "2026-01-06T10:00:00Z", cmd);
    let customer = g.ticket.customer();
    g.run(
        "2026-01-06T10:15:00Z",
        Command::customer_reply(customer, Channel::Sms, "Texting you instead"),
    )
    .run(
        "2026-01-06T10:20:00Z",
        Command::customer_reply(customer, Channel::Phone, "And calling"),
    );
    let mut events = g.events.clone();
    let last = events.last().cloned().unwrap();
    events.push(Event {
        sequence: last.sequence + 1,
        at: at("2026-01-06T11:00:00Z"),
        kind: supportdesk::ticket::EventKind::MergedInto { target: a.ticket },
        ..last
    });
    let g = TicketFacts::from_events(&events, &options())
        .unwrap()
        .unwrap();
    assert_eq!(g.follow_up_of, Some(c.ticket));
    assert_eq!(
        g.channel_switch,
        Some((ts("2026-01-06T10:15:00Z"), Channel::Sms))
    );
    assert_eq!(g.merged_into, Some(a.ticket));
    assert_eq!(g.public_messages, 3);
}

/// The core figures (first reply, resolution) follow the two clocks
/// directly; by hand, and equal to the SLA engine's reference in the eras
/// where the calendars' range clips the solved spans.
#[test]
fn core_figures_of_a_reopened_ticket_by_hand_and_in_every_era() {
    use supportdesk::metrics::FactsFields;
    use supportdesk::testing::TicketBuilder;
    // Opened 09:00; Bob replies 09:01 (first reply 60 s); solved 09:02;
    // reopened 09:03 (a solved span of 60 s, not counted); solved 09:04,
    // closed 09:05 (resolved at 09:04: 240 s less the span, 180 s).
    let history = |opened: DateTime<Utc>| {
        TicketBuilder::new()
            .opened_at(opened)
            .agent_reply(BOB, "On it")
            .status(Status::Solved)
            .status(Status::Open)
            .status(Status::Solved)
            .status(Status::Closed)
            .events()
    };
    let opened = at("2026-01-05T09:00:00Z");
    let events = history(opened);
    let core =
        FactsOptions::new(at("2026-01-07T12:00:00Z"), calendars()).with_fields(FactsFields::CORE);
    let f = TicketFacts::from_events(&events, &core).unwrap().unwrap();
    assert_eq!(f.first_reply, Some(Elapsed::new(60)));
    assert_eq!(f.resolution, Some(Elapsed::new(180)));
    assert_eq!(f.resolved_at, Some(ts("2026-01-05T09:04:00Z")));
    assert_eq!(f.first_reply_waiting, None);
    assert_eq!(
        Ok(Some(f)),
        TicketFacts::from_events_reference(&events, &core)
    );
    // Read at 09:02:30, solved: resolved at 09:02 (120 s); and at 09:03:30,
    // reopened: no resolution yet.
    for (read, resolution) in [("09:02:30", Some(120)), ("09:03:30", None)] {
        let options = FactsOptions::new(at(&format!("2026-01-05T{read}Z")), calendars())
            .with_fields(FactsFields::CORE);
        let f = TicketFacts::from_events(&events, &options)
            .unwrap()
            .unwrap();
        assert_eq!(
            f.resolution.map(|e| e.seconds),
            resolution,
            "read at {read}"
        );
        assert_eq!(
            Ok(Some(f)),
            TicketFacts::from_events_reference(&events, &options)
        );
    }
    // Before 1970 and across the calendars' last instant the engine clips
    // the solved span to the calendars' range: the same figures both ways.
    let last = DateTime::from_timestamp(BusinessCalendar::MAX_UNIX_SECONDS, 0).unwrap();
    for opened in [
        at("1965-06-01T09:00:00Z"),
        last - chrono::Duration::seconds(150),
        last + chrono::Duration::days(1),
    ] {
        let events = history(opened);
        let options = FactsOptions::new(opened + chrono::Duration::days(2), calendars())
            .with_fields(FactsFields::CORE);
        assert_eq!(
            TicketFacts::from_events(&events, &options),
            TicketFacts::from_events_reference(&events, &options),
            "opened {opened}"
        );
    }
}
