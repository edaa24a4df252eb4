//! SLA metric definitions as data, and the built-in presets.

use serde::{Deserialize, Serialize};

use crate::model::status::Status;

/// When a metric's clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartAnchor {
    /// When the ticket is opened: one cycle per ticket.
    TicketCreated,
    /// At the oldest customer message not yet answered: a cycle starts at a
    /// customer message when none is running, and later customer messages do
    /// not move it.
    OldestUnansweredCustomerMessage,
    /// At the latest customer message: every customer message restarts the
    /// clock.
    LatestCustomerMessage,
    /// At each public agent reply: the next update is due a target after the
    /// previous one. Only a reply starts a cycle: when a ticket leaves
    /// solved (a customer message reopens it, or its status changes), no
    /// cycle runs until the next counted agent reply (one that itself
    /// reopens the ticket starts it at once).
    PreviousAgentReply,
}

/// What stops a metric's clock as achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fulfilment {
    /// A public reply by a human agent (and by bots or automations only when
    /// the metric's `count_bot_replies` is set). Internal notes never count.
    /// Solving or closing the ticket ends a running cycle as cancelled, not
    /// fulfilled, and not breached if its deadline had not passed.
    AgentReply,
    /// The ticket being solved. Reopening resumes the same cycle, with the
    /// time it spent solved left out.
    Solved,
}

/// One SLA metric: when its clock starts, what pauses it, what fulfils it,
/// whether it repeats. Metrics are plain data, so a host can define its own
/// next to the [presets](MetricDef::presets).
///
/// ```
/// use supportdesk::sla::{MetricDef, StartAnchor, Fulfilment};
/// let frt = MetricDef::first_reply();
/// assert_eq!(frt.start, StartAnchor::TicketCreated);
/// assert_eq!(frt.fulfilment, Fulfilment::AgentReply);
/// assert!(!frt.count_bot_replies && !frt.repeats);
/// ```
///
/// In serde, a metric is either its full object or, for a preset, just its
/// name: `"metrics": ["first_reply", "next_reply", {"name": "custom", ...}]`.
/// Unknown keys in the object are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricDef {
    /// Name, unique within a policy (targets refer to it).
    pub name: String,
    /// When the clock starts.
    pub start: StartAnchor,
    /// What achieves it.
    pub fulfilment: Fulfilment,
    /// Statuses in which the clock is paused.
    pub pause_in: Vec<Status>,
    /// Whether a new cycle can start after one ends (next reply, updates).
    pub repeats: bool,
    /// Bot and automated public replies fulfil it too.
    pub count_bot_replies: bool,
    /// No clock on tickets we opened proactively.
    pub reactive_only: bool,
    /// Customer messages before the first agent reply do not start a cycle
    /// (they belong to the first-reply metric).
    pub after_first_reply: bool,
    /// A customer message ends a running cycle as cancelled (the ball is in
    /// our court again and a reply metric takes over: RT's KeepInLoop).
    pub cancel_on_customer_message: bool,
}

/// The serde input of a full metric definition.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricRepr {
    name: String,
    start: StartAnchor,
    fulfilment: Fulfilment,
    #[serde(default)]
    pause_in: Vec<Status>,
    #[serde(default)]
    repeats: bool,
    #[serde(default)]
    count_bot_replies: bool,
    #[serde(default)]
    reactive_only: bool,
    #[serde(default)]
    after_first_reply: bool,
    #[serde(default)]
    cancel_on_customer_message: bool,
}

impl From<MetricRepr> for MetricDef {
    fn from(r: MetricRepr) -> Self {
        MetricDef {
            name: r.name,
            start: r.start,
            fulfilment: r.fulfilment,
            pause_in: r.pause_in,
            repeats: r.repeats,
            count_bot_replies: r.count_bot_replies,
            reactive_only: r.reactive_only,
            after_first_reply: r.after_first_reply,
            cancel_on_customer_message: r.cancel_on_customer_message,
        }
    }
}

impl<'de> Deserialize<'de> for MetricDef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor, value::MapAccessDeserializer};

        struct Def;
        impl<'de> Visitor<'de> for Def {
            type Value = MetricDef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a preset metric name or a metric definition object")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<MetricDef, E> {
                MetricDef::preset(name).ok_or_else(|| {
                    let known: Vec<String> =
                        MetricDef::presets().into_iter().map(|m| m.name).collect();
                    E::custom(format!(
                        "unknown metric preset {name:?}; presets are {}",
                        known.join(", ")
                    ))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MetricDef, A::Error> {
                MetricRepr::deserialize(MapAccessDeserializer::new(map)).map(MetricDef::from)
            }
        }
        deserializer.deserialize_any(Def)
    }
}

impl MetricDef {
    fn base(name: &str, start: StartAnchor, fulfilment: Fulfilment) -> Self {
        MetricDef {
            name: name.to_owned(),
            start,
            fulfilment,
            pause_in: Vec::new(),
            repeats: false,
            count_bot_replies: false,
            reactive_only: false,
            after_first_reply: false,
            cancel_on_customer_message: false,
        }
    }

    /// Zendesk **first reply time**: from the ticket's creation to the first
    /// public reply by a human agent. Bot replies and internal notes do not
    /// count; not paused; one cycle; no clock on proactive tickets. Solving
    /// without a reply cancels it.
    pub fn first_reply() -> Self {
        MetricDef {
            reactive_only: true,
            ..Self::base(
                "first_reply",
                StartAnchor::TicketCreated,
                Fulfilment::AgentReply,
            )
        }
    }

    /// Zendesk **next reply time**: after the first agent reply, from the
    /// oldest unanswered customer message to the next public agent reply;
    /// repeats for every exchange. Not paused; solving cancels the running
    /// cycle (no clock runs on a resolved conversation).
    pub fn next_reply() -> Self {
        MetricDef {
            repeats: true,
            after_first_reply: true,
            ..Self::base(
                "next_reply",
                StartAnchor::OldestUnansweredCustomerMessage,
                Fulfilment::AgentReply,
            )
        }
    }

    /// Zendesk **periodic update**: from each public agent reply to the
    /// next one, while the ticket is unsolved, whatever its status.
    pub fn periodic_update() -> Self {
        MetricDef {
            repeats: true,
            ..Self::base(
                "periodic_update",
                StartAnchor::PreviousAgentReply,
                Fulfilment::AgentReply,
            )
        }
    }

    /// Zendesk **pausable update**: as periodic update, paused while the
    /// ticket is pending.
    pub fn pausable_update() -> Self {
        MetricDef {
            pause_in: vec![Status::Pending],
            ..Self::periodic_update()
        }
        .named("pausable_update")
    }

    /// Zendesk **requester wait time**: the time the customer waits, from
    /// creation to solved, paused while pending (new, open and on-hold
    /// count). Reopening resumes it.
    pub fn requester_wait() -> Self {
        MetricDef {
            pause_in: vec![Status::Pending],
            ..Self::base(
                "requester_wait",
                StartAnchor::TicketCreated,
                Fulfilment::Solved,
            )
        }
    }

    /// Zendesk **agent work time**: time in new and open only (paused while
    /// pending or on hold), from creation to solved. Reopening resumes it.
    pub fn agent_work() -> Self {
        MetricDef {
            pause_in: vec![Status::Pending, Status::OnHold],
            ..Self::base("agent_work", StartAnchor::TicketCreated, Fulfilment::Solved)
        }
    }

    /// Zendesk **total resolution time**: from creation to solved, never
    /// paused. Reopening resumes it (the time spent solved is left out).
    pub fn total_resolution() -> Self {
        Self::base(
            "total_resolution",
            StartAnchor::TicketCreated,
            Fulfilment::Solved,
        )
    }

    /// Request Tracker **Response**: from the oldest unanswered requestor
    /// message (the first one included) to the next public staff reply;
    /// repeats.
    pub fn rt_response() -> Self {
        MetricDef {
            repeats: true,
            ..Self::base(
                "rt_response",
                StartAnchor::OldestUnansweredCustomerMessage,
                Fulfilment::AgentReply,
            )
        }
    }

    /// Request Tracker **KeepInLoop**: after a staff reply, the next staff
    /// reply is due within the target unless the requestor writes first
    /// (their message cancels it; Response takes over). Repeats.
    pub fn rt_keep_in_loop() -> Self {
        MetricDef {
            cancel_on_customer_message: true,
            ..Self::periodic_update()
        }
        .named("rt_keep_in_loop")
    }

    /// Request Tracker **Resolve**: from creation to resolved, not paused.
    pub fn rt_resolve() -> Self {
        Self::total_resolution().named("rt_resolve")
    }

    /// Every preset, by name.
    ///
    /// The update clocks ([`periodic_update`](Self::periodic_update),
    /// [`pausable_update`](Self::pausable_update),
    /// [`rt_keep_in_loop`](Self::rt_keep_in_loop)) start at an agent reply
    /// ([`StartAnchor::PreviousAgentReply`]): they do not restart when a
    /// ticket leaves solved, only at the next counted agent reply (an agent
    /// reply that reopens the ticket starts one at that instant). The
    /// customer's reopening message is measured by
    /// [`next_reply`](Self::next_reply) and [`rt_response`](Self::rt_response).
    pub fn presets() -> Vec<MetricDef> {
        vec![
            Self::first_reply(),
            Self::next_reply(),
            Self::periodic_update(),
            Self::pausable_update(),
            Self::requester_wait(),
            Self::agent_work(),
            Self::total_resolution(),
            Self::rt_response(),
            Self::rt_keep_in_loop(),
            Self::rt_resolve(),
        ]
    }

    /// The preset with this name.
    pub fn preset(name: &str) -> Option<MetricDef> {
        Self::presets().into_iter().find(|m| m.name == name)
    }

    /// The same definition under another name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// Lets bot and automated replies fulfil it.
    pub fn counting_bot_replies(mut self) -> Self {
        self.count_bot_replies = true;
        self
    }
}
