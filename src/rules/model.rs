//! The rule book as data: triggers, automations, macros, their conditions
//! and actions, and the evaluation semantics.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, GroupId};
use crate::model::{Priority, Status, Tag, TagKind};

/// How triggers chain within one ticket update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chaining {
    /// After a trigger fires, evaluation starts again from the first
    /// trigger on the changed ticket (Zendesk): a trigger can react to what
    /// another did.
    Reevaluate,
    /// One pass in order: each trigger sees the ticket as the triggers
    /// before it left it, but what a trigger does never starts another pass
    /// (Chatwoot, whose rules ignore events caused by rules).
    None,
}

/// The evaluation semantics of triggers, chosen by data.
///
/// In JSON either a preset name, `"zendesk"` or `"chatwoot"`, or the three
/// fields: `{"chaining": "reevaluate", "once_per_update": true,
/// "max_passes": 50}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Semantics {
    /// Whether a firing starts a new pass.
    pub chaining: Chaining,
    /// Whether a trigger fires at most once per update (Zendesk's rule; it
    /// is what ends most chains). With `false` a trigger whose conditions
    /// still hold after it changed something fires again in the next pass,
    /// until nothing changes or the pass cap is reached.
    pub once_per_update: bool,
    /// The hard cap on passes per update. Reaching it without settling is
    /// a [`RuleError::Loop`](super::RuleError::Loop) naming the triggers that kept firing; nothing
    /// is committed.
    pub max_passes: u32,
}

impl Semantics {
    /// Zendesk's trigger semantics: re-evaluate from the top after each
    /// firing, each trigger at most once per update. Zendesk documents no
    /// pass cap (fire-once bounds it by the number of triggers); the preset
    /// caps passes at 100.
    pub const ZENDESK: Semantics = Semantics {
        chaining: Chaining::Reevaluate,
        once_per_update: true,
        max_passes: 100,
    };

    /// Chatwoot's automation-rule semantics: one pass in order over the
    /// event; changes made by rules do not trigger rules.
    pub const CHATWOOT: Semantics = Semantics {
        chaining: Chaining::None,
        once_per_update: true,
        max_passes: 1,
    };
}

impl Default for Semantics {
    fn default() -> Self {
        Semantics::ZENDESK
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SemanticsForm {
    Preset(String),
    Fields(SemanticsFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SemanticsFields {
    chaining: Chaining,
    once_per_update: bool,
    max_passes: u32,
}

impl<'de> Deserialize<'de> for Semantics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        if let serde_json::Value::String(name) = &value {
            return match name.as_str() {
                "zendesk" => Ok(Semantics::ZENDESK),
                "chatwoot" => Ok(Semantics::CHATWOOT),
                other => Err(D::Error::custom(format!(
                    "unknown semantics preset `{other}`, expected `zendesk`, `chatwoot` or {{\"chaining\", \"once_per_update\", \"max_passes\"}}"
                ))),
            };
        }
        match serde_json::from_value::<SemanticsForm>(value.clone()) {
            Ok(SemanticsForm::Fields(f)) => Ok(Semantics {
                chaining: f.chaining,
                once_per_update: f.once_per_update,
                max_passes: f.max_passes,
            }),
            Ok(SemanticsForm::Preset(p)) => {
                Err(D::Error::custom(format!("unknown semantics preset `{p}`")))
            }
            Err(_) => serde_json::from_value::<SemanticsFields>(value)
                .map(|f| Semantics {
                    chaining: f.chaining,
                    once_per_update: f.once_per_update,
                    max_passes: f.max_passes,
                })
                .map_err(|e| D::Error::custom(format!("semantics: {e}"))),
        }
    }
}

/// Caps on time-based automations, as data. The defaults are Zendesk's:
/// at most 1,000 tickets updated by automations per run (Zendesk runs them
/// hourly) and at most 100 automation updates per ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// At most this many tickets get automation firings per sweep; the
    /// rest stay due for the next sweep.
    #[serde(default = "Budget::default_tickets")]
    pub max_automation_tickets_per_sweep: u32,
    /// After this many automation firings a ticket gets no more.
    #[serde(default = "Budget::default_firings")]
    pub max_automation_firings_per_ticket: u32,
}

impl Budget {
    fn default_tickets() -> u32 {
        1_000
    }
    fn default_firings() -> u32 {
        100
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_automation_tickets_per_sweep: Budget::default_tickets(),
            max_automation_firings_per_ticket: Budget::default_firings(),
        }
    }
}

/// The kinds of ticket update a trigger can run on: the names of
/// [`EventKind`](crate::ticket::EventKind)s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum On {
    /// A ticket was opened.
    Opened,
    /// The requester (or a participant) wrote.
    CustomerReplied,
    /// An agent replied publicly.
    AgentReplied,
    /// An internal note was added.
    NoteAdded,
    /// An automated reply was sent.
    AutomatedReplySent,
    /// The assignment changed.
    Assigned,
    /// The priority changed.
    PriorityChanged,
    /// The status changed.
    StatusChanged,
    /// Tags were added.
    TagsAdded,
    /// Tags were removed.
    TagsRemoved,
    /// A satisfaction rating arrived.
    SatisfactionRated,
    /// An effort rating arrived.
    EffortRated,
    /// The ticket was merged into another.
    MergedInto,
    /// Another ticket was merged into this one.
    MergeReceived,
    /// An SLA policy was applied.
    SlaPolicyApplied,
    /// An SLA warning or breach was raised.
    SlaAlerted,
}

impl On {
    /// The kind of an event name ([`EventKind::name`](crate::ticket::EventKind::name)),
    /// if triggers can run on it.
    pub fn of_event(name: &str) -> Option<On> {
        Some(match name {
            "opened" => On::Opened,
            "customer_replied" => On::CustomerReplied,
            "agent_replied" => On::AgentReplied,
            "note_added" => On::NoteAdded,
            "automated_reply_sent" => On::AutomatedReplySent,
            "assigned" => On::Assigned,
            "priority_changed" => On::PriorityChanged,
            "status_changed" => On::StatusChanged,
            "tags_added" => On::TagsAdded,
            "tags_removed" => On::TagsRemoved,
            "satisfaction_rated" => On::SatisfactionRated,
            "effort_rated" => On::EffortRated,
            "merged_into" => On::MergedInto,
            "merge_received" => On::MergeReceived,
            "sla_policy_applied" => On::SlaPolicyApplied,
            "sla_alerted" => On::SlaAlerted,
            _ => return None,
        })
    }
}

/// A list of conditions: every one of `all` holds, and, when `any` is not
/// empty, at least one of `any`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Conditions that must all hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<Condition>,
    /// Conditions of which one must hold (ignored when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<Condition>,
}

impl Conditions {
    /// Every condition, `all` then `any`.
    pub fn iter(&self) -> impl Iterator<Item = &Condition> {
        self.all.iter().chain(self.any.iter())
    }
}

/// Operators on a field with a set of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsOp {
    /// The field is one of the values.
    Is,
    /// The field is none of the values.
    IsNot,
    /// This update changed the field (values ignored).
    Changed,
    /// This update changed the field to one of the values.
    ChangedTo,
    /// This update changed the field from one of the values.
    ChangedFrom,
}

/// Operators on the priority: those of [`IsOp`] and an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityOp {
    /// One of the values.
    Is,
    /// None of the values.
    IsNot,
    /// At least the (single) value.
    AtLeast,
    /// At most the (single) value.
    AtMost,
    /// This update changed it.
    Changed,
    /// This update changed it to one of the values.
    ChangedTo,
    /// This update changed it from one of the values.
    ChangedFrom,
}

/// Operators on an optional id (group, assignee) or label (segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetOp {
    /// Set to one of the values.
    Is,
    /// Not set to any of the values (unset counts).
    IsNot,
    /// Set at all.
    IsSet,
    /// Not set.
    NotSet,
    /// This update changed it.
    Changed,
}

/// Operators on the ticket's tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagOp {
    /// At least one of the tags is on the ticket.
    IncludesAny,
    /// Every one of the tags is on the ticket.
    IncludesAll,
    /// None of the tags is on the ticket.
    Excludes,
    /// A tag on the ticket is one of the tags or below one in the hierarchy
    /// (`shipping` covers `shipping/late`).
    Under,
    /// No tag on the ticket is one of the tags or below one.
    NotUnder,
    /// This update added one of the tags.
    Added,
    /// This update removed one of the tags.
    Removed,
}

/// Whether the ticket carries a tag of a kind (what happened, why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceOp {
    /// At least one tag of the kind.
    Present,
    /// No tag of the kind.
    Absent,
}

/// Operators on text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    /// Contains one of the phrases, case-insensitively (Unicode lower case).
    Contains,
    /// Contains none of the phrases.
    NotContains,
    /// Matches the regular expression (the bounded `regex` engine: linear
    /// time, size-limited; see [`MAX_PATTERN_BYTES`](super::MAX_PATTERN_BYTES)).
    Matches,
}

/// Whose message a text condition reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageFrom {
    /// Messages this update added by customers.
    #[default]
    Customer,
    /// Public replies this update added by agents.
    Agent,
    /// Any message this update added (internal notes included).
    Any,
}

/// Comparisons of an elapsed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinceOp {
    /// At least the span has passed.
    AtLeast,
    /// Less than the span has passed.
    LessThan,
}

/// Comparisons of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumOp {
    /// At least the value.
    AtLeast,
    /// At most the value.
    AtMost,
}

/// The instant a time condition or an automation counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Anchor {
    /// When the ticket was opened.
    Created,
    /// The ticket's last change of any kind.
    Updated,
    /// When the ticket entered its current status.
    StatusChanged,
    /// The requester's last message.
    CustomerReplied,
    /// The last public reply by an agent.
    AgentReplied,
    /// The last change of assignment.
    Assigned,
    /// When the ticket was last solved (only while it is solved or closed).
    Solved,
}

/// A span of time: hours and minutes, counted in business time on a named
/// calendar or, without one, in calendar time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// Hours.
    #[serde(default)]
    pub hours: u32,
    /// Minutes.
    #[serde(default)]
    pub minutes: u32,
    /// A calendar of the planner's [`Calendars`](crate::sla::Calendars):
    /// the span is business time on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

impl Span {
    /// The span in seconds.
    pub fn seconds(&self) -> i64 {
        i64::from(self.hours) * 3600 + i64::from(self.minutes) * 60
    }
}

/// The state of an SLA target a condition asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// The clock runs, deadline not passed.
    Running,
    /// The clock is paused.
    Paused,
    /// Met in time.
    Fulfilled,
    /// Deadline passed.
    Breached,
    /// Stopped before the deadline without being met.
    Cancelled,
    /// A warning was raised for the target and it is still open.
    Warned,
    /// The ticket has no target for the metric.
    None,
}

/// Reactive or proactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginIs {
    /// The customer wrote first.
    Reactive,
    /// We wrote first.
    Proactive,
}

/// One condition on a ticket and the update being evaluated. In JSON, an
/// object with a `field` and the fields of that kind of condition, e.g.
/// `{"field": "status", "op": "is", "value": ["open", "pending"]}`; a
/// `value` may be one value or a list. Unknown fields and values are load
/// errors that name them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Condition {
    /// The status.
    Status {
        /// How to compare.
        op: IsOp,
        /// The statuses.
        #[serde(default, deserialize_with = "one_or_many")]
        value: Vec<Status>,
    },
    /// The priority.
    Priority {
        /// How to compare.
        op: PriorityOp,
        /// The priorities (one for `at_least` / `at_most`).
        #[serde(default, deserialize_with = "one_or_many")]
        value: Vec<Priority>,
    },
    /// The ticket's channel (where it started).
    Channel {
        /// `is` or `is_not` (changes are not tracked: a ticket keeps its
        /// channel).
        op: IsOp,
        /// The channels.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<Channel>,
    },
    /// The tags.
    Tags {
        /// How to compare.
        op: TagOp,
        /// The tags.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<Tag>,
    },
    /// Whether a tag of a kind (what happened, why) is on the ticket; needs
    /// the planner's taxonomy.
    TagKind {
        /// Present or absent.
        op: PresenceOp,
        /// `what` or `why`.
        value: TagKind,
    },
    /// The group.
    Group {
        /// How to compare.
        op: SetOp,
        /// The groups.
        #[serde(default, deserialize_with = "one_or_many")]
        value: Vec<GroupId>,
    },
    /// The assignee.
    Assignee {
        /// How to compare.
        op: SetOp,
        /// The agents.
        #[serde(default, deserialize_with = "one_or_many")]
        value: Vec<AgentId>,
    },
    /// The requester's segment (`Customer::segment`).
    Segment {
        /// How to compare (`changed` is never true).
        op: SetOp,
        /// The segments.
        #[serde(default, deserialize_with = "one_or_many")]
        value: Vec<String>,
    },
    /// The ticket's origin.
    Origin {
        /// Reactive or proactive.
        value: OriginIs,
    },
    /// The text of the messages this update added.
    Message {
        /// How to compare.
        op: TextOp,
        /// Phrases, or one pattern for `matches`.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<String>,
        /// Whose messages.
        #[serde(default)]
        from: MessageFrom,
    },
    /// The subject line.
    Subject {
        /// How to compare.
        op: TextOp,
        /// Phrases, or one pattern for `matches`.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<String>,
    },
    /// Whether the evaluation instant is within business hours of a named
    /// calendar.
    BusinessHours {
        /// The calendar.
        calendar: String,
        /// `true`: within business hours; `false`: outside them.
        value: bool,
    },
    /// Time since an anchor, in business time on a calendar or calendar
    /// time. False when the ticket has no such anchor.
    TimeSince {
        /// The anchor.
        event: Anchor,
        /// How to compare.
        op: SinceOp,
        /// Hours.
        #[serde(default)]
        hours: u32,
        /// Minutes.
        #[serde(default)]
        minutes: u32,
        /// Business time on this calendar (calendar time without it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calendar: Option<String>,
    },
    /// The state of the ticket's latest cycle of an SLA metric.
    Sla {
        /// The metric (`first_reply`, ...).
        metric: String,
        /// `is` or `is_not`.
        op: IsOp,
        /// The states.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<SlaState>,
    },
    /// The satisfaction score (false while unrated).
    Satisfaction {
        /// How to compare.
        op: NumOp,
        /// 1 to 5.
        value: u8,
    },
}

/// Who a notify action tells.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NotifyTo {
    /// The assignee, else the group, else the team.
    Owner,
    /// The whole team.
    Team,
    /// One agent.
    Agent(AgentId),
    /// One group.
    Group(GroupId),
}

/// What a rule does. In JSON, an object with an `action` and its fields,
/// e.g. `{"action": "add_tags", "value": ["vip"]}`. There is no "set all
/// tags": tags are added or removed by name, so a rule never wipes tags it
/// does not name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum RuleAction {
    /// Move to a status (checked against the lifecycle).
    SetStatus {
        /// The status.
        value: Status,
    },
    /// Set the priority.
    SetPriority {
        /// The priority.
        value: Priority,
    },
    /// Set the group (keeps the assignee); `null` clears it.
    SetGroup {
        /// The group.
        value: Option<GroupId>,
    },
    /// Set the assignee (keeps the group); `null` clears it.
    SetAssignee {
        /// The agent.
        value: Option<AgentId>,
    },
    /// Add tags.
    AddTags {
        /// The tags.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<Tag>,
    },
    /// Remove tags.
    RemoveTags {
        /// The tags.
        #[serde(deserialize_with = "one_or_many")]
        value: Vec<Tag>,
    },
    /// Add an internal note, from a template (rendered like a reply) or a
    /// fixed text.
    AddNote {
        /// A template id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        template: Option<String>,
        /// A fixed text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Send a public automated reply rendered from a template in the
    /// customer's language.
    Reply {
        /// The template id.
        template: String,
    },
    /// Notify agents, with a template or a fixed text.
    Notify {
        /// Who.
        to: NotifyTo,
        /// A template id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        template: Option<String>,
        /// A fixed text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Apply an SLA policy of the planner's policy set, by id.
    ApplySlaPolicy {
        /// The policy id.
        policy: String,
    },
}

/// An event trigger: on the listed update kinds, when the conditions hold,
/// do the actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Unique within the book (`[a-z0-9_.-]`, 1 to 100 characters).
    pub id: String,
    /// A name people read.
    pub name: String,
    /// Order: lower first, then by id.
    #[serde(default)]
    pub position: i64,
    /// Inactive triggers never fire.
    #[serde(default = "yes")]
    pub active: bool,
    /// The update kinds it runs on; empty: every update.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<On>,
    /// When it fires.
    #[serde(default)]
    pub conditions: Conditions,
    /// What it does (at least one action).
    pub actions: Vec<RuleAction>,
}

/// A time-based automation: `after` the anchor, when the conditions hold
/// at that instant, do the actions, once per anchor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Automation {
    /// Unique within the book.
    pub id: String,
    /// A name people read.
    pub name: String,
    /// Order: lower first, then by id.
    #[serde(default)]
    pub position: i64,
    /// Inactive automations never fire.
    #[serde(default = "yes")]
    pub active: bool,
    /// When it is due: its anchor plus a span.
    pub after: After,
    /// Checked at the due instant.
    #[serde(default)]
    pub conditions: Conditions,
    /// What it does (at least one action).
    pub actions: Vec<RuleAction>,
}

/// An automation's delay: the anchor it counts from and the span.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct After {
    /// The anchor.
    pub event: Anchor,
    /// Hours.
    #[serde(default)]
    pub hours: u32,
    /// Minutes.
    #[serde(default)]
    pub minutes: u32,
    /// Business time on this calendar (calendar time without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

impl After {
    /// The span.
    pub fn span(&self) -> Span {
        Span {
            hours: self.hours,
            minutes: self.minutes,
            calendar: self.calendar.clone(),
        }
    }
}

/// A macro: what an agent applies in one click. A public reply by the
/// agent rendered from a template (optional), then the actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Macro {
    /// Unique within the book.
    pub id: String,
    /// A name people read.
    pub name: String,
    /// The reply's template, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// The status to set with the reply (as
    /// [`Command::AgentReply`](crate::ticket::Command::AgentReply)'s `then`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<Status>,
    /// The other actions.
    #[serde(default)]
    pub actions: Vec<RuleAction>,
}

/// Everything a host configures: triggers, automations, macros, the
/// semantics and budget, and what templates render with.
///
/// ```
/// use supportdesk::rules::{RuleBook, Semantics};
///
/// let book = RuleBook::from_json(r#"{
///   "semantics": "chatwoot",
///   "triggers": [{
///     "id": "vip-urgent", "name": "VIP tickets are urgent", "on": ["opened"],
///     "conditions": {"all": [{"field": "segment", "op": "is", "value": "vip"}]},
///     "actions": [{"action": "set_priority", "value": "urgent"}]
///   }]
/// }"#)?;
/// assert_eq!(book.semantics, Semantics::CHATWOOT);
/// assert_eq!(book.triggers[0].id, "vip-urgent");
///
/// let err = RuleBook::from_json(r#"{"triggers": [{"id": "x", "name": "x",
///   "conditions": {"all": [{"field": "mood", "op": "is", "value": "sad"}]},
///   "actions": [{"action": "add_tags", "value": "sad"}]}]}"#).unwrap_err();
/// assert!(err.to_string().contains("mood"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBook {
    /// How triggers chain.
    #[serde(default)]
    pub semantics: Semantics,
    /// Caps on automations.
    #[serde(default)]
    pub budget: Budget,
    /// Event triggers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Time-based automations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub automations: Vec<Automation>,
    /// Macros.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macros: Vec<Macro>,
    /// The locale templates render in when the customer has none.
    #[serde(default = "default_locale")]
    pub default_locale: String,
    /// The zone templates show instants in when the customer has none.
    #[serde(default = "default_zone")]
    pub time_zone: chrono_tz::Tz,
    /// The company name templates may show (`{{company.name}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Agents' display names for templates (`{{agent.name}}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agents: BTreeMap<AgentId, String>,
}

fn yes() -> bool {
    true
}

fn default_locale() -> String {
    "en".to_owned()
}

fn default_zone() -> chrono_tz::Tz {
    chrono_tz::UTC
}

/// Reads one value or a list of values.
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|v| {
                let shown = v.to_string();
                serde_json::from_value(v)
                    .map_err(|e| D::Error::custom(format!("value {shown}: {e}")))
            })
            .collect(),
        v => {
            let shown = v.to_string();
            serde_json::from_value(v)
                .map(|t| vec![t])
                .map_err(|e| D::Error::custom(format!("value {shown}: {e}")))
        }
    }
}
