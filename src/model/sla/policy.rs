//! SLA policy data: targets per priority and channel, selection conditions,
//! warnings and escalation ladders, and the checks a policy passes on its
//! own. What needs calendars or a ticket (`SlaPolicy::validate`,
//! `Conditions::matches`, `PolicySet`) is in the SLA engine
//! ([`sla`](crate::sla)).

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarError;
use crate::channel::Channel;
use crate::id::{AgentId, GroupId};
use crate::model::sla::human;
use crate::model::sla::metric::MetricDef;
use crate::model::status::Priority;
use crate::model::tag::Tag;

/// An SLA configuration or evaluation error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlaError {
    /// A target names a calendar that is not configured.
    #[error("unknown calendar {name:?} in policy {policy:?}")]
    UnknownCalendar {
        /// The policy.
        policy: String,
        /// The calendar name.
        name: String,
    },
    /// A target names a metric the policy does not define.
    #[error("target for unknown metric {metric:?} in policy {policy:?}")]
    UnknownMetric {
        /// The policy.
        policy: String,
        /// The metric name.
        metric: String,
    },
    /// Two metrics of a policy share a name.
    #[error("metric {metric:?} is defined twice in policy {policy:?}")]
    DuplicateMetric {
        /// The policy.
        policy: String,
        /// The metric name.
        metric: String,
    },
    /// A target duration is not positive.
    #[error("target {seconds} s for metric {metric:?} in policy {policy:?} must be positive")]
    NonPositiveTarget {
        /// The policy.
        policy: String,
        /// The metric name.
        metric: String,
        /// The value given.
        seconds: i64,
    },
    /// A metric the policy lists has no target for a priority: a ticket at
    /// that priority (or raised or lowered to it later) would silently not
    /// be measured.
    #[error(
        "metric {metric:?} of policy {policy:?} has no target for priority {priority} \
         (every metric a policy lists needs a target for every priority)"
    )]
    MissingTarget {
        /// The policy.
        policy: String,
        /// The metric name.
        metric: String,
        /// The priority left without a target.
        priority: Priority,
    },
    /// A warning point is outside (0, 1) or not shorter than a target.
    #[error(
        "warning {warning} in policy {policy:?} is not strictly between the start and the breach"
    )]
    BadWarning {
        /// The policy.
        policy: String,
        /// The warning, described.
        warning: String,
    },
    /// A calendar-time target whose deadline falls after the last instant
    /// that can be represented (a business-time target reports this as
    /// [`CalendarError::DeadlineOutOfRange`] inside [`SlaError::Calendar`]).
    #[error(
        "no deadline for {seconds} seconds of calendar time from {} before the end of the supported range",
        fmt_unix(*.start)
    )]
    CalendarTimeOutOfRange {
        /// The start, in Unix seconds.
        start: i64,
        /// The calendar-time seconds asked for.
        seconds: i64,
    },
    /// Business-time arithmetic failed (for example a calendar with no
    /// working time, or an instant out of range).
    #[error("calendar {name:?}: {source}")]
    Calendar {
        /// The calendar name.
        name: String,
        /// The calendar's error.
        #[source]
        source: CalendarError,
    },
}

/// Unix seconds as RFC 3339, or as a number when out of range.
pub(crate) fn fmt_unix(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map_or_else(|| format!("{t} (Unix seconds)"), |d| d.to_rfc3339())
}

/// Whether a target counts business time on a calendar or plain time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum TimeBasis {
    /// Business time on the named calendar.
    Business {
        /// The calendar's name in the [`Calendars`](crate::sla::Calendars) set.
        calendar: String,
    },
    /// Calendar (elapsed) time, around the clock.
    Calendar,
}

/// One target: a metric's limit for a priority (and optionally a channel).
///
/// In serde, the basis is flattened into the target:
/// `{"metric": "first_reply", "priority": "high", "seconds": 3600,
/// "basis": "business", "calendar": "ny"}` or `"basis": "calendar"`. Unknown
/// keys are errors, so a misspelt key never goes unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TargetRepr")]
pub struct Target {
    /// The metric's name.
    pub metric: String,
    /// The priority it applies to.
    pub priority: Priority,
    /// The channel it applies to (`None`: any). A channel-specific target
    /// wins over a general one.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The limit in seconds.
    pub seconds: i64,
    /// Business or calendar time.
    #[serde(flatten)]
    pub basis: TimeBasis,
}

impl Target {
    /// The same target for every priority, in [`Priority::ALL`] order: a
    /// policy needs a target for every priority of every metric it lists
    /// ([`SlaPolicy::check`]).
    ///
    /// ```
    /// use supportdesk::sla::{Target, TimeBasis};
    /// let targets = Target::every_priority("first_reply", 3600, TimeBasis::Calendar);
    /// assert_eq!(targets.len(), 4);
    /// assert!(targets.iter().all(|t| t.seconds == 3600 && t.channel.is_none()));
    /// ```
    pub fn every_priority(metric: &str, seconds: i64, basis: TimeBasis) -> Vec<Target> {
        Priority::ALL
            .into_iter()
            .map(|priority| Target {
                metric: metric.to_owned(),
                priority,
                channel: None,
                seconds,
                basis: basis.clone(),
            })
            .collect()
    }
}

/// The serde input of a [`Target`]: its fields and the basis's, checked
/// together.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRepr {
    metric: String,
    priority: Priority,
    #[serde(default)]
    channel: Option<Channel>,
    seconds: i64,
    basis: BasisKind,
    #[serde(default)]
    calendar: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum BasisKind {
    Business,
    Calendar,
}

impl TryFrom<TargetRepr> for Target {
    type Error = String;
    fn try_from(r: TargetRepr) -> Result<Self, String> {
        let basis = match (r.basis, r.calendar) {
            (BasisKind::Business, Some(calendar)) => TimeBasis::Business { calendar },
            (BasisKind::Business, None) => {
                return Err(format!(
                    "target for metric {:?}: basis \"business\" needs a \"calendar\"",
                    r.metric
                ));
            }
            (BasisKind::Calendar, None) => TimeBasis::Calendar,
            (BasisKind::Calendar, Some(calendar)) => {
                return Err(format!(
                    "target for metric {:?}: basis \"calendar\" counts around the clock, \
                     yet names calendar {calendar:?} (use basis \"business\")",
                    r.metric
                ));
            }
        };
        Ok(Target {
            metric: r.metric,
            priority: r.priority,
            channel: r.channel,
            seconds: r.seconds,
            basis,
        })
    }
}

/// When to warn before a breach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case", deny_unknown_fields)]
pub enum WarnAt {
    /// When this share of the target is used (0.75 = 75%).
    Share {
        /// Between 0 and 1, exclusive.
        share: f64,
    },
    /// This many seconds (of the target's basis) before the deadline.
    Before {
        /// Seconds before the deadline.
        seconds: i64,
    },
}

impl std::fmt::Display for WarnAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WarnAt::Share { share } => write!(f, "{:.0}% used", share * 100.0),
            WarnAt::Before { seconds } => {
                write!(f, "{} before the deadline", human(*seconds))
            }
        }
    }
}

/// What an escalation step reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "on", content = "index", rename_all = "snake_case")]
pub enum Trigger {
    /// The policy's warning with this index (in `warnings`).
    Warning(usize),
    /// The breach.
    Breach,
}

/// Who an escalation step notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "notify", content = "id", rename_all = "snake_case")]
pub enum EscalateTo {
    /// The assignee, else the group, else the team.
    Owner,
    /// A specific agent (a team lead).
    Agent(AgentId),
    /// A group.
    Group(GroupId),
    /// The whole team.
    Team,
}

/// One rung of an escalation ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// What it reacts to.
    pub trigger: Trigger,
    /// The escalation level it reaches (1, 2, ...).
    pub level: u8,
    /// Who hears about it.
    pub notify: EscalateTo,
}

/// Which tickets a policy is for. Every non-empty condition must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Conditions {
    /// Any of these priorities.
    pub priorities: Vec<Priority>,
    /// Any of these channels.
    pub channels: Vec<Channel>,
    /// Carrying any of these tags (a tag matches its descendants too).
    pub tags: Vec<Tag>,
    /// A customer in any of these segments.
    pub segments: Vec<String>,
}

/// An SLA policy: metrics, targets, warnings and an escalation ladder.
///
/// The policy applied to a ticket is recorded on it (a copy, in a
/// `SlaPolicyApplied` event), so editing the policy later never rewrites
/// tickets already under the old version.
///
/// Unknown keys in its serde form (here and in its conditions, targets,
/// warnings and escalation steps) are errors: a misspelt `"warnings"` would
/// otherwise silently drop every warning.
///
/// Deserialising a policy checks it ([`check`](Self::check)): a policy that
/// does not pass does not load, and the error names the problem. A policy
/// recorded on a ticket (in its events and stored state) is history and
/// loads as it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PolicyRepr")]
pub struct SlaPolicy {
    /// A stable id.
    pub id: String,
    /// Bumped on every edit.
    pub version: u32,
    /// A display name.
    pub name: String,
    /// Which tickets it is for.
    pub conditions: Conditions,
    /// The metrics it measures.
    pub metrics: Vec<MetricDef>,
    /// The targets.
    pub targets: Vec<Target>,
    /// Warning points, in order.
    pub warnings: Vec<WarnAt>,
    /// The escalation ladder.
    pub escalation: Vec<EscalationStep>,
}

/// The serde input of an [`SlaPolicy`], before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRepr {
    id: String,
    #[serde(default)]
    version: u32,
    #[serde(default)]
    name: String,
    #[serde(default)]
    conditions: Conditions,
    metrics: Vec<MetricDef>,
    targets: Vec<Target>,
    #[serde(default)]
    warnings: Vec<WarnAt>,
    #[serde(default)]
    escalation: Vec<EscalationStep>,
}

impl PolicyRepr {
    fn into_policy(self) -> SlaPolicy {
        SlaPolicy {
            id: self.id,
            version: self.version,
            name: self.name,
            conditions: self.conditions,
            metrics: self.metrics,
            targets: self.targets,
            warnings: self.warnings,
            escalation: self.escalation,
        }
    }
}

impl TryFrom<PolicyRepr> for SlaPolicy {
    type Error = SlaError;
    fn try_from(r: PolicyRepr) -> Result<Self, SlaError> {
        let p = r.into_policy();
        p.check()?;
        Ok(p)
    }
}

/// Deserialises a policy recorded on a ticket without [`SlaPolicy::check`]:
/// history loads as it was written, even when today's checks are stricter
/// than those it passed when it was applied.
pub(crate) fn deserialize_recorded<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Box<SlaPolicy>, D::Error> {
    PolicyRepr::deserialize(d).map(|r| Box::new(r.into_policy()))
}

/// [`deserialize_recorded`] for an optional policy.
pub(crate) fn deserialize_recorded_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<SlaPolicy>>, D::Error> {
    Option::<PolicyRepr>::deserialize(d).map(|r| r.map(|r| Box::new(r.into_policy())))
}

impl Eq for SlaPolicy {}

impl SlaPolicy {
    /// The metric definition with this name.
    pub fn metric(&self, name: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// The target of a metric for a priority and channel: a
    /// channel-specific target wins over a general one.
    pub fn target(&self, metric: &str, priority: Priority, channel: Channel) -> Option<&Target> {
        let mut general = None;
        for t in self
            .targets
            .iter()
            .filter(|t| t.metric == metric && t.priority == priority)
        {
            match t.channel {
                Some(c) if c == channel => return Some(t),
                None if general.is_none() => general = Some(t),
                _ => {}
            }
        }
        general
    }

    /// Checks what the policy says on its own, without calendars: run when
    /// a policy is deserialised, and by [`validate`](Self::validate).
    ///
    /// # Errors
    /// [`SlaError`] naming the first problem:
    /// [`DuplicateMetric`](SlaError::DuplicateMetric), a target for a
    /// metric the policy does not list
    /// ([`UnknownMetric`](SlaError::UnknownMetric)), a target that is not
    /// positive ([`NonPositiveTarget`](SlaError::NonPositiveTarget)), a
    /// listed metric with no target for some priority
    /// ([`MissingTarget`](SlaError::MissingTarget); a channel-specific
    /// target counts, and leaves the other channels without one), a
    /// warning share outside (0, 1) or a `before` warning not strictly
    /// shorter than every target ([`BadWarning`](SlaError::BadWarning)).
    pub fn check(&self) -> Result<(), SlaError> {
        for (i, m) in self.metrics.iter().enumerate() {
            if self.metrics.iter().take(i).any(|o| o.name == m.name) {
                return Err(SlaError::DuplicateMetric {
                    policy: self.id.clone(),
                    metric: m.name.clone(),
                });
            }
        }
        for t in &self.targets {
            if self.metric(&t.metric).is_none() {
                return Err(SlaError::UnknownMetric {
                    policy: self.id.clone(),
                    metric: t.metric.clone(),
                });
            }
            if t.seconds <= 0 {
                return Err(SlaError::NonPositiveTarget {
                    policy: self.id.clone(),
                    metric: t.metric.clone(),
                    seconds: t.seconds,
                });
            }
        }
        for m in &self.metrics {
            for priority in Priority::ALL {
                if !self
                    .targets
                    .iter()
                    .any(|t| t.metric == m.name && t.priority == priority)
                {
                    return Err(SlaError::MissingTarget {
                        policy: self.id.clone(),
                        metric: m.name.clone(),
                        priority,
                    });
                }
            }
        }
        for w in &self.warnings {
            let ok = match *w {
                // NaN fails both comparisons.
                WarnAt::Share { share } => share > 0.0 && share < 1.0,
                WarnAt::Before { seconds } => {
                    seconds > 0 && self.targets.iter().all(|t| seconds < t.seconds)
                }
            };
            if !ok {
                let warning = match *w {
                    WarnAt::Share { share } => format!("share {share}"),
                    WarnAt::Before { seconds } => {
                        format!("{seconds} s before the deadline")
                    }
                };
                return Err(SlaError::BadWarning {
                    policy: self.id.clone(),
                    warning,
                });
            }
        }
        Ok(())
    }
}
