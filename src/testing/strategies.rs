//! proptest strategies for the crate's values (feature `proptest`).
//!
//! ```
//! use proptest::prelude::*;
//! use supportdesk::testing::strategies;
//! proptest!(|(cmd in strategies::command(supportdesk::id::CustomerId::from_u128(1)))| {
//!     let _ = cmd.action();
//! });
//! ```

use proptest::prelude::*;

use crate::channel::Channel;
use crate::customer::Identity;
use crate::id::{AgentId, CustomerId, GroupId};
use crate::ticket::{Ces, Command, Csat, Priority, Status, Tag};

/// Any channel.
pub fn channel() -> impl Strategy<Value = Channel> {
    proptest::sample::select(Channel::ALL.to_vec())
}

/// Any status.
pub fn status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL.to_vec())
}

/// Any priority.
pub fn priority() -> impl Strategy<Value = Priority> {
    proptest::sample::select(Priority::ALL.to_vec())
}

/// A valid tag, one or two levels.
pub fn tag() -> impl Strategy<Value = Tag> {
    "[a-z][a-z0-9-]{0,8}(/[a-z][a-z0-9-]{0,8})?".prop_filter_map("valid tag", |s| Tag::new(&s).ok())
}

/// A valid identity of any kind.
pub fn identity() -> impl Strategy<Value = Identity> {
    prop_oneof![
        "[a-z]{1,8}@[a-z]{1,8}\\.(com|org|io)"
            .prop_filter_map("email", |s| Identity::email(&s).ok()),
        "\\+[1-9][0-9]{9,12}".prop_filter_map("phone", |s| Identity::phone(&s).ok()),
        ("(x|instagram|facebook)", "[a-z0-9_]{1,12}")
            .prop_filter_map("social", |(n, h)| Identity::social(&n, &h).ok()),
        // Systems and ids with the key separator and escape character in them.
        ("[a-z]{1,4}(:[a-z]{1,3})?", "[A-Za-z0-9:%-]{1,10}")
            .prop_filter_map("external", |(s, i)| Identity::external(&s, &i).ok()),
    ]
}

/// Message text, sometimes blank (which commands must reject).
pub fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[A-Za-z0-9 ,.?!]{1,40}",
        1 => Just(String::new()),
        1 => Just("   ".to_owned()),
    ]
}

/// Any command on a ticket whose requester is `customer` (customer replies
/// are mostly from them, sometimes from someone else; participant messages
/// mostly from someone else).
pub fn command(customer: CustomerId) -> impl Strategy<Value = Command> {
    let agent = (1u128..4).prop_map(AgentId::from_u128);
    let who = prop_oneof![9 => Just(customer), 1 => Just(CustomerId::from_u128(999))];
    prop_oneof![
        (who, channel(), body()).prop_map(|(customer, channel, body)| Command::CustomerReply {
            customer,
            channel,
            body,
            external_id: None,
        }),
        (
            prop_oneof![1 => Just(customer), 3 => Just(CustomerId::from_u128(998))],
            channel(),
            body()
        )
            .prop_map(|(customer, channel, body)| Command::ParticipantReply {
                customer,
                channel,
                body,
                external_id: None,
            }),
        (agent.clone(), body(), proptest::option::of(status())).prop_map(|(agent, body, then)| {
            Command::AgentReply {
                agent,
                channel: None,
                body,
                then,
            }
        }),
        (agent.clone(), body()).prop_map(|(agent, body)| Command::AddNote { agent, body }),
        body().prop_map(|body| Command::AutomatedReply {
            bot: "bot".to_owned(),
            body
        }),
        (
            proptest::option::of(agent),
            proptest::option::of((1u128..3).prop_map(GroupId::from_u128))
        )
            .prop_map(|(agent, group)| Command::Assign { agent, group }),
        priority().prop_map(|priority| Command::SetPriority { priority }),
        status().prop_map(|to| Command::ChangeStatus { to }),
        proptest::collection::vec(tag(), 0..3).prop_map(|tags| Command::AddTags { tags }),
        proptest::collection::vec(tag(), 0..3).prop_map(|tags| Command::RemoveTags { tags }),
        (1i64..=5, proptest::option::of("[a-z ]{0,20}")).prop_filter_map("csat", |(s, comment)| {
            Csat::new(s)
                .ok()
                .map(|score| Command::RateSatisfaction { score, comment })
        }),
        (1i64..=7).prop_filter_map("ces", |s| Ces::new(s)
            .ok()
            .map(|score| Command::RateEffort { score })),
    ]
}

/// A duration with both figures, business never above calendar.
fn elapsed() -> impl Strategy<Value = crate::metrics::Elapsed> {
    (0u64..400_000, proptest::option::of(0u64..=100)).prop_map(|(s, share)| {
        let e = crate::metrics::Elapsed::new(s);
        match share {
            Some(p) => e.with_business(s * p / 100),
            None => e,
        }
    })
}

fn target_state() -> impl Strategy<Value = crate::sla::TargetState> {
    use crate::sla::TargetState::*;
    proptest::sample::select(vec![Running, Paused, Fulfilled, Breached, Cancelled])
}

/// Facts of any shape (not necessarily from a real history): ids, channel,
/// priority, times in January-February 2026, statuses over time, any mix of
/// durations, replies, tags, ratings with comments and SLA outcomes. For
/// properties of aggregates (merging, order independence).
pub fn ticket_facts() -> impl Strategy<Value = crate::metrics::TicketFacts> {
    use crate::metrics::{CsatFact, TicketFacts};
    let base = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    let ids = (1u128..40, 1u128..10, channel(), priority(), any::<bool>());
    let times = (
        0i64..40 * 86_400,
        0i64..20 * 86_400,
        proptest::collection::vec((1i64..200_000, status()), 0..4),
    );
    let clocks = (
        proptest::option::of(elapsed()),
        proptest::option::of(elapsed()),
        proptest::option::of(target_state()),
        proptest::collection::vec(elapsed(), 0..3),
        proptest::option::of(elapsed()),
        proptest::option::of(elapsed()),
    );
    let counts = (
        0u32..4,
        0u32..3,
        0u32..3,
        proptest::collection::vec(tag(), 0..3),
    );
    let ratings = (
        proptest::option::of((
            1i64..=5,
            0i64..86_400,
            proptest::option::of("[a-z ]{0,12}"),
            proptest::option::of(0u64..50_000),
        )),
        proptest::option::of(1i64..=7),
        proptest::collection::vec(
            ("(first_reply|next_reply|agent_work)", target_state()),
            0..3,
        ),
    );
    (ids, times, clocks, counts, ratings).prop_map(
        move |((t, c, ch, pr, proactive), (created, age, steps), clocks, counts, ratings)| {
            let created = base + created;
            let mut f = TicketFacts::new(
                crate::id::TicketId::from_u128(t),
                CustomerId::from_u128(c),
                ch,
                created,
            );
            f.as_of = created + age;
            f.priority = pr;
            f.proactive = proactive;
            let mut at = created;
            for (dt, s) in steps {
                at += dt;
                if at <= f.as_of && s != Status::New {
                    f.statuses.push((at, s));
                    f.status = s;
                }
            }
            f.last_event_at = at.min(f.as_of);
            let (first, waiting, sla, next, resolution, work) = clocks;
            f.first_reply = first;
            f.first_reply_waiting = if first.is_none() { waiting } else { None };
            f.first_reply_sla = sla;
            f.next_replies = next;
            f.resolution = resolution;
            f.resolved_at = resolution.map(|r| created + r.seconds as i64);
            f.agent_work = work;
            f.solved_ever =
                resolution.is_some() || f.statuses.iter().any(|(_, s)| !s.is_unsolved());
            let (agents, bots, reopens, mut tags) = counts;
            f.agent_replies = agents;
            f.bot_replies = bots;
            f.reopens = reopens;
            tags.sort();
            tags.dedup();
            f.tags = tags;
            let (csat, ces, sla_list) = ratings;
            f.csat = csat.and_then(|(s, dt, comment, follow)| {
                let mut r = CsatFact::new(Csat::new(s).ok()?, created + dt);
                r.comment = comment;
                r.followed_up_in = follow;
                Some(r)
            });
            f.ces = ces.and_then(|s| Ces::new(s).ok());
            f.sla = sla_list;
            f
        },
    )
}
