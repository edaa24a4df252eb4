//! Synthetic ticket facts for benchmarks and comparisons: many tickets,
//! deterministic, without building their event histories.

use crate::channel::Channel;
use crate::id::{CustomerId, TicketId};
use crate::metrics::{CsatFact, Elapsed, TicketFacts};
use crate::sla::TargetState;
use crate::ticket::{Ces, Csat, Priority, Status, Tag};

/// A tiny deterministic generator (64-bit LCG, Knuth's constants; the high
/// bits are used). Not for anything but test data.
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 31 random bits.
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            u64::from(self.next_u32()) % n
        }
    }

    /// True with probability `percent / 100`.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A duration with a long tail: `median` seconds typical, up to about
    /// 30 times more now and then.
    pub fn duration(&mut self, median: u64) -> u64 {
        let a = self.below(1000) + 1;
        let b = self.below(1000) + 1;
        // The product of two uniforms, scaled so the median is near `median`.
        median.saturating_mul(a * b) / 250_000 + 1
    }
}

const CHANNELS: [(Channel, u64); 6] = [
    (Channel::Email, 40),
    (Channel::LiveChat, 25),
    (Channel::WebForm, 15),
    (Channel::Phone, 10),
    (Channel::WhatsApp, 7),
    (Channel::SocialDirectMessage, 3),
];

const TAGS: [&str; 12] = [
    "shipping/late",
    "shipping/damaged",
    "returns",
    "refund",
    "payment-error",
    "account/login",
    "product/question",
    "cause/carrier-delay",
    "cause/warehouse-delay",
    "cause/stock-error",
    "discount-code",
    "order/change",
];

/// `n` tickets' facts over the 30 days from `start` (Unix seconds), all read
/// at `start + 30 days`: channel mix (email 40%, chat 25%, web form 15%,
/// phone 10%, WhatsApp 7%, social DM 3%), priorities, first responses with a
/// long tail (faster on chat and phone), next replies, resolutions (85%
/// resolved), one or more agent replies, reopens (6%), 0 to 2 tags, CSAT
/// from 30% of the resolved (lower when the first response was slow, a
/// comment on most low scores), CES from 15%, and a first-reply SLA outcome
/// against a 4-hour target. The per-ticket SLA list (`sla`) is left empty.
///
/// Deterministic: the same `n` and `seed` give the same facts.
///
/// ```
/// use supportdesk::testing::synthetic_facts;
/// let a = synthetic_facts(1000, 7, 1_772_323_200);
/// assert_eq!(a.len(), 1000);
/// assert_eq!(a, synthetic_facts(1000, 7, 1_772_323_200));
/// ```
///
/// Available with the crate feature `testing`.
pub fn synthetic_facts(n: usize, seed: u64, start: i64) -> Vec<TicketFacts> {
    let mut r = Lcg::new(seed);
    let tags: Vec<Tag> = TAGS.iter().filter_map(|t| Tag::new(t).ok()).collect();
    let span = 30 * 86_400;
    let as_of = start + span;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let created = start + (span * i as i64) / (n.max(1) as i64) + r.below(60) as i64;
        let mut pick = r.below(100);
        let mut channel = Channel::Email;
        for (c, w) in CHANNELS {
            if pick < w {
                channel = c;
                break;
            }
            pick -= w;
        }
        let mut f = TicketFacts::new(
            TicketId::from_u128(i as u128 + 1),
            CustomerId::from_u128(u128::from(r.below(n as u64 / 3 + 1))),
            channel,
            created,
        );
        f.as_of = as_of;
        f.priority = match r.below(20) {
            0 => Priority::Urgent,
            1..=3 => Priority::High,
            4..=5 => Priority::Low,
            _ => Priority::Normal,
        };
        f.proactive = r.chance(3);
        let fast = channel.is_synchronous();
        let median = if fast { 300 } else { 5400 };
        let frt = r.duration(median);
        let answered = created + frt as i64 <= as_of && !r.chance(4);
        let mut t = created;
        if !f.proactive {
            if answered {
                f.first_reply = Some(Elapsed::new(frt).with_business(frt * 2 / 5));
                f.first_reply_sla = Some(if frt <= 4 * 3600 {
                    TargetState::Fulfilled
                } else {
                    TargetState::Breached
                });
            } else {
                let wait = (as_of - created).max(0) as u64;
                f.first_reply_waiting = Some(Elapsed::new(wait).with_business(wait * 2 / 5));
                f.first_reply_sla = Some(if wait <= 4 * 3600 {
                    TargetState::Running
                } else {
                    TargetState::Breached
                });
            }
        }
        if answered {
            t += frt as i64;
            f.statuses.push((t, Status::Open));
            f.agent_replies = 1;
        }
        f.bot_replies = u32::from(r.chance(35));
        for _ in 0..r.below(3) {
            if !answered {
                break;
            }
            let nrt = r.duration(if fast { 240 } else { 3600 });
            f.next_replies
                .push(Elapsed::new(nrt).with_business(nrt / 2));
            f.agent_replies += 1;
        }
        let resolution = frt + r.duration(if fast { 1800 } else { 40_000 });
        if answered && r.chance(85) && created + resolution as i64 <= as_of {
            let solved = created + resolution as i64;
            f.statuses.push((solved, Status::Solved));
            f.status = Status::Solved;
            f.solved_ever = true;
            f.resolved_at = Some(solved);
            f.resolution = Some(Elapsed::new(resolution).with_business(resolution / 3));
            let work = resolution * 3 / 5;
            f.agent_work = Some(Elapsed::new(work).with_business(work / 3));
            if r.chance(6) {
                f.reopens = 1;
            }
            if r.chance(30) {
                let slow = frt > 4 * 3600;
                let score = match r.below(10) {
                    0 => 1,
                    1 if slow => 1,
                    1 | 2 => 2,
                    3 if slow => 2,
                    3 | 4 => 3,
                    5 if slow => 3,
                    5..=7 => 4,
                    _ => 5,
                };
                if let Ok(score) = Csat::new(score) {
                    let mut c = CsatFact::new(score, solved + 3600);
                    if c.is_low() && r.chance(70) {
                        c.comment = Some("The parcel took too long, nobody answered".to_owned());
                        if r.chance(60) {
                            c.followed_up_in = Some(r.duration(7200));
                        }
                    }
                    f.csat = Some(c);
                }
            }
            if r.chance(15) {
                f.ces = Ces::new(r.below(7) as i64 + 1).ok();
            }
        } else if answered {
            f.status = Status::Open;
            if r.chance(30) {
                f.statuses.push((t + 60, Status::Pending));
                f.status = Status::Pending;
            }
        }
        for _ in 0..r.below(3) {
            let tag = &tags[r.below(tags.len() as u64) as usize];
            if !f.tags.contains(tag) {
                f.tags.push(tag.clone());
            }
        }
        f.tags.sort();
        f.last_event_at = f.statuses.last().map_or(created, |(at, _)| *at);
        out.push(f);
    }
    out
}
