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
/// are mostly from them, sometimes from someone else).
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
