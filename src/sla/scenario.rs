//! SLA scenarios: a JSON format to state what a ticket's SLA targets must be
//! at an instant, and a checker. The format is documented in
//! `docs/sla-scenarios.md`; the `sla` example runs files of it
//! (`cargo run --example sla -- check FILE`).
//!
//! A scenario opens one ticket under a policy, replays steps (customer and
//! agent replies, bot replies, notes, status and priority changes, merges,
//! policy re-application) through the real decision functions, evaluates
//! at `now`, and compares the expected state, deadline and elapsed time of
//! each target, and optionally the alerts a simulation fires.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{AgentId, CustomerId, IdGenerator, TenantId};
use crate::model::{AlertPoint, SlaError, SlaPolicy};
use crate::sla::policy::Calendars;
use crate::sla::report::{TargetState, evaluate};
use crate::sla::simulate::simulate;
use crate::ticket::{
    Command, Context, Event, OpenTicket, Priority, Status, Ticket, decide, merge, open,
};

/// The format tag of version 1.
pub const FORMAT_V1: &str = "supportdesk sla scenarios v1";

/// A scenario file that cannot be run as written: the checker refuses it
/// instead of giving a result that depends on how it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// Two scenarios share an id (`explain` and failure reports name
    /// scenarios by id).
    #[error("scenario id {id:?} is used twice: scenarios[{first}] and scenarios[{second}]")]
    DuplicateId {
        /// The id.
        id: String,
        /// The index of its first use in `scenarios`.
        first: usize,
        /// The index of the repeat.
        second: usize,
    },
    /// A step before the ticket was opened.
    #[error("scenario {scenario:?}: steps[{step}] at {at} is before the opening at {opened_at}")]
    StepBeforeOpening {
        /// The scenario id.
        scenario: String,
        /// The step's index in `steps`.
        step: usize,
        /// The step's instant.
        at: DateTime<Utc>,
        /// The scenario's `opened_at`.
        opened_at: DateTime<Utc>,
    },
    /// A step earlier than the step before it: steps run in list order, so
    /// the result would depend on it.
    #[error(
        "scenario {scenario:?}: steps[{step}] at {at} is earlier than steps[{}] at {previous_at} \
         (give steps in time order)",
        .step.saturating_sub(1)
    )]
    StepOutOfOrder {
        /// The scenario id.
        scenario: String,
        /// The step's index in `steps`.
        step: usize,
        /// The step's instant.
        at: DateTime<Utc>,
        /// The instant of the step before it.
        previous_at: DateTime<Utc>,
    },
    /// The instant of evaluation is before the opening.
    #[error("scenario {scenario:?}: now {now} is before the opening at {opened_at}")]
    NowBeforeOpening {
        /// The scenario id.
        scenario: String,
        /// The scenario's `now`.
        now: DateTime<Utc>,
        /// The scenario's `opened_at`.
        opened_at: DateTime<Utc>,
    },
    /// A scenario (its `policy`, or an `apply_policy` step) names a policy
    /// the file does not define.
    #[error(
        "scenario {scenario:?} names policy {policy:?}, which the file's policies do not define"
    )]
    UnknownPolicy {
        /// The scenario id.
        scenario: String,
        /// The name.
        policy: String,
    },
    /// A policy of the file fails [`SlaPolicy::check`] (a zero target, a
    /// target for a metric it does not list, a priority without a target,
    /// a bad warning, ...).
    #[error("policy {name:?}: {source}")]
    Policy {
        /// The policy's key in the file.
        name: String,
        /// What is wrong with it.
        #[source]
        source: SlaError,
    },
}

/// A file of scenarios.
///
/// Deserialising a file checks it ([`validate`](Self::validate)): a file
/// with a bad policy, a duplicate scenario id, steps out of time order or
/// before the opening, or `now` before the opening does not load, and the
/// error names the scenario, the step and the values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ScenarioFileRepr")]
pub struct ScenarioFile {
    /// Must be [`FORMAT_V1`].
    pub format: String,
    /// Named calendars the policies' targets refer to.
    pub calendars: Calendars,
    /// Named policies the scenarios refer to.
    pub policies: BTreeMap<String, SlaPolicy>,
    /// The scenarios.
    pub scenarios: Vec<Scenario>,
}

/// The serde input of a [`ScenarioFile`], before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFileRepr {
    format: String,
    #[serde(default)]
    calendars: Calendars,
    #[serde(default)]
    policies: BTreeMap<String, SlaPolicy>,
    scenarios: Vec<Scenario>,
}

impl TryFrom<ScenarioFileRepr> for ScenarioFile {
    type Error = ScenarioError;
    fn try_from(r: ScenarioFileRepr) -> Result<Self, ScenarioError> {
        let file = ScenarioFile {
            format: r.format,
            calendars: r.calendars,
            policies: r.policies,
            scenarios: r.scenarios,
        };
        file.validate()?;
        Ok(file)
    }
}

impl ScenarioFile {
    /// Checks the file: every policy passes [`SlaPolicy::check`], scenario
    /// ids are unique, every scenario passes [`Scenario::validate`] and
    /// names only policies of the file. The format tag is not checked here
    /// ([`run_all`] reports it).
    ///
    /// # Errors
    /// The first [`ScenarioError`] found.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        for (name, p) in &self.policies {
            p.check().map_err(|source| ScenarioError::Policy {
                name: name.clone(),
                source,
            })?;
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in self.scenarios.iter().enumerate() {
            if let Some(&first) = seen.get(s.id.as_str()) {
                return Err(ScenarioError::DuplicateId {
                    id: s.id.clone(),
                    first,
                    second: i,
                });
            }
            seen.insert(&s.id, i);
            s.validate()?;
            let named = std::iter::once(s.policy.as_str()).chain(s.steps.iter().filter_map(|st| {
                match &st.action {
                    Action::ApplyPolicy { policy } => Some(policy.as_str()),
                    _ => None,
                }
            }));
            for name in named {
                if !self.policies.contains_key(name) {
                    return Err(ScenarioError::UnknownPolicy {
                        scenario: s.id.clone(),
                        policy: name.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// How the ticket was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioOrigin {
    /// The customer wrote first.
    #[default]
    Reactive,
    /// An agent wrote first.
    Proactive,
}

/// One scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A unique id, printed on failure.
    pub id: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// The name of the policy (in the file's `policies`).
    pub policy: String,
    /// When the ticket was opened.
    pub opened_at: DateTime<Utc>,
    /// Its priority at opening.
    #[serde(default)]
    pub priority: Priority,
    /// Its channel.
    #[serde(default = "default_channel")]
    pub channel: Channel,
    /// Reactive (default) or proactive.
    #[serde(default)]
    pub origin: ScenarioOrigin,
    /// What happened after opening, in time order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The instant of evaluation.
    pub now: DateTime<Utc>,
    /// Expected targets.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Expected alerts from opening to `now`, in order (checked only when
    /// present).
    #[serde(default)]
    pub expect_alerts: Option<Vec<ExpectAlert>>,
}

fn default_channel() -> Channel {
    Channel::Email
}

impl Scenario {
    /// Checks the scenario's instants: no step before `opened_at`, steps in
    /// time order (equal instants keep list order), `now` not before
    /// `opened_at`.
    ///
    /// # Errors
    /// [`ScenarioError::StepBeforeOpening`],
    /// [`ScenarioError::StepOutOfOrder`] or
    /// [`ScenarioError::NowBeforeOpening`], naming the scenario, the step
    /// and the instants.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.now < self.opened_at {
            return Err(ScenarioError::NowBeforeOpening {
                scenario: self.id.clone(),
                now: self.now,
                opened_at: self.opened_at,
            });
        }
        let mut previous: Option<DateTime<Utc>> = None;
        for (i, st) in self.steps.iter().enumerate() {
            if st.at < self.opened_at {
                return Err(ScenarioError::StepBeforeOpening {
                    scenario: self.id.clone(),
                    step: i,
                    at: st.at,
                    opened_at: self.opened_at,
                });
            }
            if let Some(previous_at) = previous.filter(|p| st.at < *p) {
                return Err(ScenarioError::StepOutOfOrder {
                    scenario: self.id.clone(),
                    step: i,
                    at: st.at,
                    previous_at,
                });
            }
            previous = Some(st.at);
        }
        Ok(())
    }
}

/// What happened, in the scenario's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The customer writes (reopens a pending, on-hold or solved ticket).
    CustomerReply,
    /// A human agent replies publicly, optionally setting a status.
    AgentReply {
        /// Status after the reply.
        #[serde(default)]
        then: Option<Status>,
    },
    /// A bot or automation replies publicly.
    BotReply,
    /// An agent adds an internal note.
    Note,
    /// The status changes.
    Status {
        /// The new status.
        to: Status,
    },
    /// The priority changes.
    Priority {
        /// The new priority.
        to: Priority,
    },
    /// The ticket is merged into another one (and closed).
    MergedInto,
    /// Another policy of the file is applied explicitly.
    ApplyPolicy {
        /// Its name.
        policy: String,
    },
}

/// A step: an action at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    #[serde(flatten)]
    pub action: Action,
}

/// An expectation on one target; absent fields are not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The metric.
    pub metric: String,
    /// The cycle (0 = first); the latest cycle when absent.
    #[serde(default)]
    pub cycle: Option<u32>,
    /// Expected state.
    #[serde(default)]
    pub state: Option<TargetState>,
    /// Expected deadline; `null` expects none (paused).
    #[serde(default, with = "double_option")]
    pub deadline: Option<Option<DateTime<Utc>>>,
    /// Expected elapsed seconds.
    #[serde(default)]
    pub elapsed: Option<i64>,
    /// Expect that the metric has no target/cycle at all.
    #[serde(default)]
    pub absent: bool,
}

/// An expected alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectAlert {
    /// The metric.
    pub metric: String,
    /// The cycle.
    #[serde(default)]
    pub cycle: u32,
    /// `"breach"` or `"warning:N"`.
    pub point: String,
    /// When it fires.
    pub at: DateTime<Utc>,
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// The outcome of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The scenario id.
    pub id: String,
    /// Every mismatch, as "what: expected X, got Y"; empty when it passed.
    pub failures: Vec<String>,
}

impl Outcome {
    /// Whether everything matched.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Debug)]
struct Counter(std::sync::atomic::AtomicU64);

impl IdGenerator for Counter {
    fn next_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::from_u128(u128::from(
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

/// The events a scenario produces, through the real decision functions.
///
/// # Errors
/// A message naming the step that the ticket rules rejected, or an unknown
/// policy.
pub fn events_of(file: &ScenarioFile, s: &Scenario) -> Result<Vec<Event>, String> {
    let ids = Counter(std::sync::atomic::AtomicU64::new(1_000));
    let tenant = TenantId::from_u128(1);
    let customer = CustomerId::from_u128(1);
    let agent = AgentId::from_u128(2);
    let policy = |name: &str| {
        file.policies
            .get(name)
            .cloned()
            .ok_or_else(|| format!("unknown policy {name:?}"))
    };
    let body = "scenario message";
    let cmd = match s.origin {
        ScenarioOrigin::Reactive => OpenTicket::reactive(customer, s.channel, body),
        ScenarioOrigin::Proactive => OpenTicket::proactive(customer, s.channel, Some(agent), body),
    }
    .with_priority(s.priority);
    let d = open(tenant, &cmd, &Context::new(s.opened_at, &ids))
        .map_err(|e| format!("opening: {e}"))?;
    let mut events = d.events;
    let mut ticket = Ticket::from_events(&events).ok_or("opening produced no ticket")?;
    let step = |cmd: Command,
                at: DateTime<Utc>,
                events: &mut Vec<Event>,
                ticket: &mut Ticket,
                what: &str|
     -> Result<(), String> {
        let d = decide(ticket, &cmd, &Context::new(at, &ids))
            .map_err(|e| format!("step {what} at {at}: {e}"))?;
        let id = ticket.id();
        for e in d.events.into_iter().filter(|e| e.ticket == id) {
            ticket.apply(&e);
            events.push(e);
        }
        Ok(())
    };
    step(
        Command::ApplySlaPolicy {
            policy: Box::new(policy(&s.policy)?),
        },
        s.opened_at,
        &mut events,
        &mut ticket,
        "apply policy",
    )?;
    for st in &s.steps {
        let at = st.at;
        let cmd = match &st.action {
            Action::CustomerReply => Command::customer_reply(customer, s.channel, body),
            Action::AgentReply { then } => Command::AgentReply {
                agent,
                channel: None,
                body: body.to_owned(),
                then: *then,
            },
            Action::BotReply => Command::AutomatedReply {
                bot: "bot".to_owned(),
                body: body.to_owned(),
            },
            Action::Note => Command::AddNote {
                agent,
                body: body.to_owned(),
            },
            Action::Status { to } => Command::ChangeStatus { to: *to },
            Action::Priority { to } => Command::SetPriority { priority: *to },
            Action::ApplyPolicy { policy: name } => Command::ApplySlaPolicy {
                policy: Box::new(policy(name)?),
            },
            Action::MergedInto => {
                let other = OpenTicket::reactive(customer, s.channel, body);
                let od =
                    open(tenant, &other, &Context::new(at, &ids)).map_err(|e| e.to_string())?;
                let target = Ticket::from_events(&od.events).ok_or("no merge target")?;
                let d = merge(&ticket, &target, &Context::new(at, &ids))
                    .map_err(|e| format!("merge at {at}: {e}"))?;
                let id = ticket.id();
                for e in d.events.into_iter().filter(|e| e.ticket == id) {
                    ticket.apply(&e);
                    events.push(e);
                }
                continue;
            }
        };
        if matches!(cmd, Command::CustomerReply { .. }) && ticket.status() == Status::Closed {
            return Err(format!(
                "step customer_reply at {at}: the ticket is closed (a reply would open a follow-up)"
            ));
        }
        step(
            cmd,
            at,
            &mut events,
            &mut ticket,
            &format!("{:?}", st.action),
        )?;
    }
    Ok(events)
}

/// Runs one scenario (one that fails [`Scenario::validate`] fails with
/// its error, without running).
pub fn run(file: &ScenarioFile, s: &Scenario) -> Outcome {
    let mut failures = Vec::new();
    let checked = s.validate().map_err(|e| e.to_string());
    match checked.and_then(|()| check_one(file, s, &mut failures)) {
        Ok(()) => {}
        Err(e) => failures.push(e),
    }
    Outcome {
        id: s.id.clone(),
        failures,
    }
}

/// Runs every scenario of a file. A file with another format, or one that
/// fails [`ScenarioFile::validate`] (possible only for a file built in
/// code: a deserialised one was checked), fails as a whole: one outcome
/// with id `(file)`.
pub fn run_all(file: &ScenarioFile) -> Vec<Outcome> {
    let whole = if file.format != FORMAT_V1 {
        Some(format!(
            "format is {:?}, expected {FORMAT_V1:?}",
            file.format
        ))
    } else {
        file.validate().err().map(|e| e.to_string())
    };
    if let Some(failure) = whole {
        return vec![Outcome {
            id: "(file)".to_owned(),
            failures: vec![failure],
        }];
    }
    file.scenarios.iter().map(|s| run(file, s)).collect()
}

fn fmt_opt(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "none".to_owned(), |t| t.to_rfc3339())
}

fn check_one(file: &ScenarioFile, s: &Scenario, failures: &mut Vec<String>) -> Result<(), String> {
    let events = events_of(file, s)?;
    let report = evaluate(&events, &file.calendars, s.now, None).map_err(|e| e.to_string())?;
    for x in &s.expect {
        let found = report
            .targets
            .iter()
            .rev()
            .find(|t| t.metric == x.metric && x.cycle.is_none_or(|c| t.cycle == c));
        let label = format!(
            "{} cycle {}",
            x.metric,
            x.cycle.map_or("latest".to_owned(), |c| c.to_string())
        );
        let Some(t) = found else {
            if !x.absent {
                failures.push(format!("{label}: expected a target, found none"));
            }
            continue;
        };
        if x.absent {
            failures.push(format!(
                "{label}: expected no target, found one ({:?})",
                t.state
            ));
            continue;
        }
        if let Some(st) = x.state {
            if st != t.state {
                failures.push(format!("{label} state: expected {st:?}, got {:?}", t.state));
            }
        }
        if let Some(d) = x.deadline {
            if d != t.deadline {
                failures.push(format!(
                    "{label} deadline: expected {}, got {}",
                    fmt_opt(d),
                    fmt_opt(t.deadline)
                ));
            }
        }
        if let Some(e) = x.elapsed {
            if e != t.elapsed_seconds {
                failures.push(format!(
                    "{label} elapsed: expected {e}, got {}",
                    t.elapsed_seconds
                ));
            }
        }
    }
    if let Some(want) = &s.expect_alerts {
        let fired = simulate(&events, &file.calendars, None, s.now).map_err(|e| e.to_string())?;
        let got: Vec<String> = fired
            .iter()
            .map(|f| {
                let point = match f.alert.key.point {
                    AlertPoint::Breach => "breach".to_owned(),
                    AlertPoint::Warning(i) => format!("warning:{i}"),
                };
                format!(
                    "{} {} {} at {}",
                    f.alert.key.metric,
                    f.alert.key.cycle,
                    point,
                    f.at.to_rfc3339()
                )
            })
            .collect();
        let want: Vec<String> = want
            .iter()
            .map(|a| {
                format!(
                    "{} {} {} at {}",
                    a.metric,
                    a.cycle,
                    a.point,
                    a.at.to_rfc3339()
                )
            })
            .collect();
        if got != want {
            failures.push(format!("alerts: expected {want:?}, got {got:?}"));
        }
    }
    Ok(())
}
