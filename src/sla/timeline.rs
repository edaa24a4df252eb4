//! Cycles: the stretches of a ticket's history during which a metric's clock
//! runs, derived from its events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::model::{Fulfilment, MetricDef, Priority, StartAnchor, Status};
use crate::ticket::{Event, EventKind};

/// How a cycle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleEnd {
    /// What the metric asks for happened.
    Fulfilled,
    /// The clock stopped without it: the ticket was solved, closed or
    /// merged, or a newer customer message restarted the clock.
    Cancelled,
}

/// A pause in a cycle: `[from, to)`, `to == None` while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pause {
    /// When it started.
    pub from: DateTime<Utc>,
    /// When it ended, if it did.
    pub to: Option<DateTime<Utc>>,
    /// The status that paused the clock.
    pub status: Status,
}

/// One run of a metric's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    /// 0 for the first cycle of the metric, then 1, 2, ...
    pub index: u32,
    /// When the clock started.
    pub start: DateTime<Utc>,
    /// When and how it ended.
    pub end: Option<(DateTime<Utc>, CycleEnd)>,
    /// Pauses, in order, disjoint.
    pub pauses: Vec<Pause>,
    /// For metrics fulfilled by solving: when the ticket was solved, while
    /// it stays solved (a reopen clears it and resumes the cycle).
    pub solved_at: Option<DateTime<Utc>>,
    /// The ticket's priority for this cycle: it follows the ticket while the
    /// cycle is open and is frozen when the cycle ends, so a later priority
    /// change never re-judges a finished cycle.
    pub priority: Priority,
}

impl Cycle {
    /// A new cycle; `pauses` is an empty vector to reuse.
    fn new(
        index: u32,
        start: DateTime<Utc>,
        paused_in: Option<Status>,
        priority: Priority,
        mut pauses: Vec<Pause>,
    ) -> Self {
        pauses.clear();
        if let Some(status) = paused_in {
            pauses.push(Pause {
                from: start,
                to: None,
                status,
            });
        }
        Cycle {
            index,
            priority,
            start,
            end: None,
            pauses,
            solved_at: None,
        }
    }

    /// Whether the clock is still counting or paused (not ended).
    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }

    fn open_pause(&mut self, at: DateTime<Utc>, status: Status) {
        if self.pauses.last().is_none_or(|p| p.to.is_some()) {
            self.pauses.push(Pause {
                from: at,
                to: None,
                status,
            });
        }
    }

    fn close_pause(&mut self, at: DateTime<Utc>) {
        if let Some(p) = self.pauses.last_mut().filter(|p| p.to.is_none()) {
            p.to = Some(at);
        }
        // A zero-length pause says nothing.
        if self.pauses.last().is_some_and(|p| p.to == Some(p.from)) {
            self.pauses.pop();
        }
    }

    fn finish(&mut self, at: DateTime<Utc>, how: CycleEnd) {
        self.close_pause(at);
        self.end = Some((at, how));
    }
}

/// The cycles of one metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricTimeline<'a> {
    /// The metric.
    pub metric: &'a MetricDef,
    /// Its cycles, oldest first.
    pub cycles: Vec<Cycle>,
    replied: bool,
    last_reply_at: Option<DateTime<Utc>>,
    /// The statuses that pause the metric, as a bit set.
    pausing: u8,
}

/// What the SLA engine reads from a ticket's history: its cycles per metric,
/// and the facts targets depend on (priority, channel, status).
///
/// Feed it events one by one with [`Timeline::observe`] (incremental) or all
/// at once with [`Timeline::from_events`]; both give the same result.
/// [`Timeline::reset`] empties it for another ticket and keeps its
/// allocations, so replaying many histories through one timeline allocates
/// almost nothing.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    /// Per metric.
    pub metrics: Vec<MetricTimeline<'a>>,
    /// The ticket's current priority.
    pub priority: Priority,
    /// The channel it was opened on.
    pub channel: Channel,
    /// Its current status.
    pub status: Status,
    /// When it was opened (`None` before the `Opened` event).
    pub opened_at: Option<DateTime<Utc>>,
    /// Emptied pause vectors of the cycles dropped by `reset`, reused by new
    /// cycles.
    spare: Vec<Vec<Pause>>,
}

/// Equal when what they say about the ticket is equal (the spare buffers
/// are not compared).
impl PartialEq for Timeline<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.metrics == other.metrics
            && self.priority == other.priority
            && self.channel == other.channel
            && self.status == other.status
            && self.opened_at == other.opened_at
    }
}

impl Eq for Timeline<'_> {}

fn closes(s: Status) -> bool {
    matches!(s, Status::Solved | Status::Closed)
}

impl<'a> Timeline<'a> {
    /// An empty timeline for these metrics.
    pub fn new(metrics: &'a [MetricDef]) -> Self {
        Timeline {
            metrics: metrics
                .iter()
                .map(|m| MetricTimeline {
                    metric: m,
                    cycles: Vec::new(),
                    replied: false,
                    last_reply_at: None,
                    pausing: pausing_statuses(m),
                })
                .collect(),
            priority: Priority::Normal,
            channel: Channel::Email,
            status: Status::New,
            opened_at: None,
            spare: Vec::new(),
        }
    }

    /// Empties the timeline for another ticket, keeping its allocations.
    pub fn reset(&mut self) {
        for mt in &mut self.metrics {
            // A plain loop: `extend` over a filtered `drain` took the generic
            // path (a reserve check per element and a `Drain` to drop).
            while let Some(c) = mt.cycles.pop() {
                if c.pauses.capacity() > 0 {
                    self.spare.push(c.pauses);
                }
            }
            mt.replied = false;
            mt.last_reply_at = None;
        }
        self.priority = Priority::Normal;
        self.channel = Channel::Email;
        self.status = Status::New;
        self.opened_at = None;
    }

    /// The timeline of a whole history.
    pub fn from_events<'e>(
        metrics: &'a [MetricDef],
        events: impl IntoIterator<Item = &'e Event>,
    ) -> Self {
        let mut t = Timeline::new(metrics);
        for e in events {
            t.observe(e);
        }
        t
    }

    /// Takes one more event into account.
    pub fn observe(&mut self, e: &Event) {
        self.observe_inlined(e);
    }

    /// [`observe`](Self::observe), inlined into the bulk evaluator's loop:
    /// the call's register saves and restores were about 8% of the
    /// instructions spent observing.
    #[inline(always)]
    pub(crate) fn observe_inlined(&mut self, e: &Event) {
        let at = e.at;
        let status = self.status;
        match &e.kind {
            EventKind::Opened(opened) => {
                // The copies kept inline in the event: reading them does not
                // follow the box (a cache miss per ticket in bulk replays).
                let priority = opened.priority();
                self.priority = priority;
                self.channel = opened.channel();
                self.status = Status::New;
                self.opened_at = Some(at);
                let proactive = opened.is_proactive();
                for mt in &mut self.metrics {
                    let m = &mt.metric;
                    if m.start == StartAnchor::TicketCreated && !(m.reactive_only && proactive) {
                        let p = paused_status(mt.pausing, Status::New);
                        let pauses = self.spare.pop().unwrap_or_default();
                        mt.cycles.push(Cycle::new(0, at, p, priority, pauses));
                    }
                }
            }
            EventKind::CustomerReplied { .. } => {
                let priority = self.priority;
                for mt in &mut self.metrics {
                    let m = mt.metric;
                    if m.cancel_on_customer_message {
                        if let Some(c) = mt.cycles.last_mut().filter(|c| c.is_open()) {
                            c.finish(at, CycleEnd::Cancelled);
                        }
                    }
                    let may_start = m.repeats || mt.cycles.is_empty();
                    match m.start {
                        StartAnchor::OldestUnansweredCustomerMessage => {
                            let running = mt.cycles.last().is_some_and(Cycle::is_open);
                            if !running && may_start && (!m.after_first_reply || mt.replied) {
                                start_cycle(mt, &mut self.spare, at, status, priority);
                            }
                        }
                        StartAnchor::LatestCustomerMessage => {
                            // A newer message restarts a running clock (a
                            // restart, not a repeat); with no clock running,
                            // a new one starts only if the metric repeats.
                            let restart = match mt.cycles.last_mut().filter(|c| c.is_open()) {
                                Some(c) => {
                                    c.finish(at, CycleEnd::Cancelled);
                                    true
                                }
                                None => false,
                            };
                            if restart || may_start {
                                start_cycle(mt, &mut self.spare, at, status, priority);
                            }
                        }
                        StartAnchor::TicketCreated | StartAnchor::PreviousAgentReply => {}
                    }
                }
            }
            EventKind::AgentReplied { .. } | EventKind::AutomatedReplySent { .. } => {
                let human = matches!(e.kind, EventKind::AgentReplied { .. });
                let priority = self.priority;
                for mt in &mut self.metrics {
                    if !human && !mt.metric.count_bot_replies {
                        continue;
                    }
                    mt.replied = true;
                    mt.last_reply_at = Some(at);
                    if mt.metric.fulfilment == Fulfilment::AgentReply {
                        if let Some(c) = mt.cycles.last_mut().filter(|c| c.is_open()) {
                            c.finish(at, CycleEnd::Fulfilled);
                        }
                    }
                    if mt.metric.start == StartAnchor::PreviousAgentReply
                        && !closes(status)
                        && (mt.metric.repeats || mt.cycles.is_empty())
                    {
                        start_cycle(mt, &mut self.spare, at, status, priority);
                    }
                }
            }
            EventKind::PriorityChanged { to, .. } => {
                self.priority = *to;
                for mt in &mut self.metrics {
                    if let Some(c) = mt.cycles.last_mut().filter(|c| c.is_open()) {
                        c.priority = *to;
                    }
                }
            }
            EventKind::StatusChanged { from, to } => {
                self.status = *to;
                let priority = self.priority;
                // An agent reply that reopens a solved ticket (a reply with
                // `then: open`) starts the update clock it could not start
                // while the ticket was solved.
                let reopened = closes(*from) && !closes(*to);
                for mt in &mut self.metrics {
                    let m = mt.metric;
                    let pausing = mt.pausing;
                    if reopened
                        && m.start == StartAnchor::PreviousAgentReply
                        && mt.last_reply_at == Some(at)
                        && !mt.cycles.last().is_some_and(Cycle::is_open)
                        && (m.repeats || mt.cycles.is_empty())
                    {
                        start_cycle(mt, &mut self.spare, at, *to, priority);
                        continue;
                    }
                    let Some(c) = mt.cycles.last_mut().filter(|c| c.is_open()) else {
                        continue;
                    };
                    match m.fulfilment {
                        Fulfilment::AgentReply if closes(*to) => {
                            if c.start == at {
                                // Started and stopped at once: no clock ran.
                                mt.cycles.pop();
                            } else {
                                c.finish(at, CycleEnd::Cancelled);
                            }
                            continue;
                        }
                        Fulfilment::Solved if *to == Status::Closed => {
                            let when = c.solved_at.unwrap_or(at);
                            c.close_pause(when);
                            c.end = Some((when, CycleEnd::Fulfilled));
                            continue;
                        }
                        Fulfilment::Solved if *to == Status::Solved => c.solved_at = Some(at),
                        Fulfilment::Solved if *from == Status::Solved => c.solved_at = None,
                        _ => {}
                    }
                    let was = paused_status(pausing, *from);
                    let now = paused_status(pausing, *to);
                    match (was, now) {
                        (None, Some(s)) => c.open_pause(at, s),
                        (Some(_), None) => c.close_pause(at),
                        (Some(a), Some(b)) if a != b => {
                            c.close_pause(at);
                            c.open_pause(at, b);
                        }
                        _ => {}
                    }
                }
            }
            EventKind::MergedInto { .. } => {
                for mt in &mut self.metrics {
                    if let Some(c) = mt.cycles.last_mut().filter(|c| c.is_open()) {
                        match c.solved_at {
                            // Solved before the merge: it stays fulfilled
                            // at the solve, as closing would leave it.
                            Some(s) => {
                                c.close_pause(s);
                                c.end = Some((s, CycleEnd::Fulfilled));
                            }
                            None => c.finish(at, CycleEnd::Cancelled),
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The timeline of one metric.
    pub fn metric(&self, name: &str) -> Option<&MetricTimeline<'a>> {
        self.metrics.iter().find(|m| m.metric.name == name)
    }
}

/// The statuses that pause a metric's clock, as a bit set: its
/// `pause_in`, and solved and closed for metrics fulfilled by solving.
fn pausing_statuses(m: &MetricDef) -> u8 {
    let by_solve = if m.fulfilment == Fulfilment::Solved {
        Status::Solved.bit() | Status::Closed.bit()
    } else {
        0
    };
    m.pause_in.iter().fold(by_solve, |set, s| set | s.bit())
}

/// `status` if it is in the set of pausing statuses.
#[inline]
fn paused_status(pausing: u8, status: Status) -> Option<Status> {
    (pausing & status.bit() != 0).then_some(status)
}

fn start_cycle(
    mt: &mut MetricTimeline<'_>,
    spare: &mut Vec<Vec<Pause>>,
    at: DateTime<Utc>,
    status: Status,
    priority: Priority,
) {
    let index = u32::try_from(mt.cycles.len()).unwrap_or(u32::MAX);
    // A customer message on a solved ticket reopens it in the same
    // decision; the clock starts running, not paused by the old status.
    let status = if closes(status) { Status::Open } else { status };
    let p = paused_status(mt.pausing, status);
    let pauses = spare.pop().unwrap_or_default();
    mt.cycles.push(Cycle::new(index, at, p, priority, pauses));
}
