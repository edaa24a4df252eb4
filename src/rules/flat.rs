//! The triggers' conditions compiled into one contiguous array of small
//! plain-data tests, evaluated against the ticket's facts computed once
//! per pass (the fast path of [`Engine::triggers`](super::Engine::triggers)).
//!
//! Status, priority, channel, tags (`includes_any`, `includes_all`,
//! `excludes`), group, assignee and segment (all but `changed`) and origin
//! become a few integer operations: bitsets of the accepted values, tags
//! and segments interned at compile time over the ones the book names.
//! Every other condition stays on the general path (`Engine::condition`,
//! the reference) as [`Test::General`].
//!
//! Order: inside an `all` (or `any`) list the cheap tests run before the
//! general ones, so a false cheap condition short-circuits. Conditions are
//! pure, so only errors could tell the orders apart: the conditions that
//! can fail (`time_since`, `business_hours`, `sla`) are barriers that no
//! condition crosses. Each is still preceded by exactly the conditions
//! that preceded it in the book, so an error is raised exactly when the
//! reference raises it, and the result is otherwise the same.

use std::collections::BTreeMap;

use super::model::{Condition, Conditions, IsOp, OriginIs, PriorityOp, SetOp, TagOp};
use crate::customer::Customer;
use crate::id::{AgentId, GroupId};
use crate::model::{Origin, Priority, Status, Tag};
use crate::ticket::Ticket;

/// A range of one of [`Flat`]'s arrays.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Span32 {
    start: u32,
    len: u32,
}

impl Span32 {
    fn of(start: usize, end: usize) -> Span32 {
        let start32 = u32::try_from(start).unwrap_or(u32::MAX);
        let len = u32::try_from(end.saturating_sub(start)).unwrap_or(0);
        Span32 {
            start: start32,
            len,
        }
    }

    fn range(self) -> std::ops::Range<usize> {
        let start = self.start as usize;
        start..start + self.len as usize
    }

    pub(super) fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// One condition as plain data.
#[derive(Debug, Clone, Copy)]
pub(super) enum Test {
    /// The status's bit is in the mask (xor `negate`).
    Status { mask: u8, negate: bool },
    /// The priority's bit is in the mask.
    Priority { mask: u8, negate: bool },
    /// The channel's bit is in the mask (xor `negate`).
    Channel { mask: u64, negate: bool },
    /// Any of the interned tags is on the ticket.
    TagsAny(Span32),
    /// All of them are.
    TagsAll(Span32),
    /// None of them is.
    TagsNone(Span32),
    /// `set_op` on the group (not `changed`).
    Group(SetOp, Span32),
    /// `set_op` on the assignee (not `changed`).
    Assignee(SetOp, Span32),
    /// `set_op` on the interned segment.
    Segment(SetOp, Span32),
    /// Whether the ticket is proactive.
    Proactive(bool),
    /// The rule's condition at this position (`all` then `any`), on the
    /// general path.
    General(u32),
}

/// A test and what it reads (the engine's `Deps`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub(super) test: Test,
    pub(super) deps: u8,
}

/// One trigger's `all` and `any` steps.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Plan {
    /// Whether the trigger is active (kept here, beside the spans, so
    /// that skipping an inactive trigger reads nothing else).
    pub(super) active: bool,
    pub(super) all: Span32,
    pub(super) any: Span32,
}

/// Every trigger's steps in one array, and the values they name.
#[derive(Debug, Default)]
pub(super) struct Flat {
    steps: Vec<Step>,
    /// The tags the book names, interned.
    tags: BTreeMap<Tag, u32>,
    tag_ids: Vec<u32>,
    groups: Vec<GroupId>,
    agents: Vec<AgentId>,
    /// The segments the book names, interned.
    segments: BTreeMap<String, u32>,
    segment_ids: Vec<u32>,
}

/// The requester's segment against the book's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    /// No requester, or no segment.
    Unset,
    /// A segment no condition names.
    Other,
    /// An interned segment.
    Known(u32),
}

/// What the tests read of the ticket and its requester.
#[derive(Debug)]
pub(super) struct Facts {
    status: u8,
    priority: u8,
    /// The channel's bit (0 when it has none below 64).
    channel: u64,
    /// Which interned tags the ticket has.
    tags: Vec<u64>,
    group: Option<GroupId>,
    assignee: Option<AgentId>,
    segment: Seg,
    proactive: bool,
}

fn status_bit(s: Status) -> u8 {
    match s {
        Status::New => 1,
        Status::Open => 1 << 1,
        Status::Pending => 1 << 2,
        Status::OnHold => 1 << 3,
        Status::Solved => 1 << 4,
        Status::Closed => 1 << 5,
    }
}

const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];

fn priority_bit(p: Priority) -> u8 {
    match p {
        Priority::Low => 1,
        Priority::Normal => 1 << 1,
        Priority::High => 1 << 2,
        Priority::Urgent => 1 << 3,
    }
}

fn channel_bit(c: crate::channel::Channel) -> Option<u64> {
    let n = c as u32;
    (n < 64).then(|| 1u64 << n)
}

/// The conditions that can raise an error (the barriers).
fn fallible(c: &Condition) -> bool {
    matches!(
        c,
        Condition::TimeSince { .. } | Condition::BusinessHours { .. } | Condition::Sla { .. }
    )
}

impl Flat {
    /// Compiles one trigger's conditions (`deps` of `all` then `any`).
    pub(super) fn push(&mut self, conds: &Conditions, deps: &[u8]) -> Plan {
        let all_len = conds.all.len();
        let all = self.list(conds.all.iter().enumerate(), deps);
        let any = self.list(
            conds.any.iter().enumerate().map(|(k, c)| (all_len + k, c)),
            deps,
        );
        Plan {
            active: true,
            all,
            any,
        }
    }

    fn list<'a>(
        &mut self,
        conds: impl Iterator<Item = (usize, &'a Condition)>,
        deps: &[u8],
    ) -> Span32 {
        let start = self.steps.len();
        let mut cheap: Vec<Step> = Vec::new();
        let mut general: Vec<Step> = Vec::new();
        for (k, c) in conds {
            let d = deps.get(k).copied().unwrap_or(u8::MAX);
            let test = self
                .test(c)
                .unwrap_or(Test::General(u32::try_from(k).unwrap_or(0)));
            let step = Step { test, deps: d };
            if matches!(test, Test::General(_)) {
                general.push(step);
            } else {
                cheap.push(step);
            }
            if fallible(c) {
                // A barrier: what came before it runs before it.
                self.steps.append(&mut cheap);
                self.steps.append(&mut general);
            }
        }
        self.steps.append(&mut cheap);
        self.steps.append(&mut general);
        Span32::of(start, self.steps.len())
    }

    fn intern_tags(&mut self, tags: &[Tag]) -> Span32 {
        let start = self.tag_ids.len();
        for t in tags {
            let next = u32::try_from(self.tags.len()).unwrap_or(u32::MAX);
            let id = *self.tags.entry(t.clone()).or_insert(next);
            self.tag_ids.push(id);
        }
        Span32::of(start, self.tag_ids.len())
    }

    /// The plain-data test of a condition, `None` for the general path.
    fn test(&mut self, c: &Condition) -> Option<Test> {
        Some(match c {
            Condition::Status { op, value } => {
                let mask = value.iter().fold(0, |m, s| m | status_bit(*s));
                match op {
                    IsOp::Is => Test::Status {
                        mask,
                        negate: false,
                    },
                    IsOp::IsNot => Test::Status { mask, negate: true },
                    _ => return None,
                }
            }
            Condition::Priority { op, value } => {
                let of = |pred: &dyn Fn(Priority) -> bool| {
                    PRIORITIES
                        .iter()
                        .filter(|p| pred(**p))
                        .fold(0, |m, p| m | priority_bit(*p))
                };
                let (mask, negate) = match op {
                    PriorityOp::Is => (of(&|p| value.contains(&p)), false),
                    PriorityOp::IsNot => (of(&|p| value.contains(&p)), true),
                    PriorityOp::AtLeast => match value.first() {
                        Some(v) => (of(&|p| p >= *v), false),
                        None => (0, false),
                    },
                    PriorityOp::AtMost => match value.first() {
                        Some(v) => (of(&|p| p <= *v), false),
                        None => (0, false),
                    },
                    _ => return None,
                };
                Test::Priority { mask, negate }
            }
            Condition::Channel { op, value } => {
                let mut mask = 0u64;
                for ch in value {
                    mask |= channel_bit(*ch)?;
                }
                Test::Channel {
                    mask,
                    negate: *op == IsOp::IsNot,
                }
            }
            Condition::Tags { op, value } => match op {
                TagOp::IncludesAny => Test::TagsAny(self.intern_tags(value)),
                TagOp::IncludesAll => Test::TagsAll(self.intern_tags(value)),
                TagOp::Excludes => Test::TagsNone(self.intern_tags(value)),
                _ => return None,
            },
            Condition::Group { op, value } if *op != SetOp::Changed => {
                let start = self.groups.len();
                self.groups.extend(value.iter().copied());
                Test::Group(*op, Span32::of(start, self.groups.len()))
            }
            Condition::Assignee { op, value } if *op != SetOp::Changed => {
                let start = self.agents.len();
                self.agents.extend(value.iter().copied());
                Test::Assignee(*op, Span32::of(start, self.agents.len()))
            }
            Condition::Segment { op, value } => {
                let start = self.segment_ids.len();
                for s in value {
                    let next = u32::try_from(self.segments.len()).unwrap_or(u32::MAX);
                    let id = *self.segments.entry(s.clone()).or_insert(next);
                    self.segment_ids.push(id);
                }
                Test::Segment(*op, Span32::of(start, self.segment_ids.len()))
            }
            Condition::Origin { value } => Test::Proactive(*value == OriginIs::Proactive),
            _ => return None,
        })
    }

    /// The steps of a span.
    pub(super) fn steps(&self, s: Span32) -> &[Step] {
        self.steps.get(s.range()).unwrap_or(&[])
    }

    /// The facts of a ticket and its requester.
    pub(super) fn facts(&self, t: &Ticket, customer: Option<&Customer>) -> Facts {
        let mut f = Facts {
            status: 0,
            priority: 0,
            channel: 0,
            tags: vec![0; self.tags.len().div_ceil(64)],
            group: None,
            assignee: None,
            segment: Seg::Unset,
            proactive: false,
        };
        self.refresh(&mut f, t, customer);
        f
    }

    /// Recomputes `f` for a ticket and its requester.
    pub(super) fn refresh(&self, f: &mut Facts, t: &Ticket, customer: Option<&Customer>) {
        f.status = status_bit(t.status());
        f.priority = priority_bit(t.priority());
        f.channel = channel_bit(t.channel()).unwrap_or(0);
        f.tags.iter_mut().for_each(|w| *w = 0);
        if !self.tags.is_empty() {
            for tag in t.tags() {
                if let Some(&i) = self.tags.get(tag)
                    && let Some(w) = f.tags.get_mut(i as usize / 64)
                {
                    *w |= 1 << (i % 64);
                }
            }
        }
        f.group = t.group();
        f.assignee = t.assignee();
        f.segment = match customer.and_then(|c| c.segment.as_deref()) {
            None => Seg::Unset,
            Some(s) => self.segments.get(s).map_or(Seg::Other, |&i| Seg::Known(i)),
        };
        f.proactive = matches!(t.origin(), Origin::Proactive { .. });
    }

    /// A plain-data test's answer (`false` for [`Test::General`], which the
    /// caller evaluates on the general path).
    pub(super) fn eval(&self, test: Test, f: &Facts) -> bool {
        let has = |i: &u32| {
            f.tags
                .get(*i as usize / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0)
        };
        let tags = |s: Span32| self.tag_ids.get(s.range()).unwrap_or(&[]);
        match test {
            Test::Status { mask, negate } => (f.status & mask != 0) != negate,
            Test::Priority { mask, negate } => (f.priority & mask != 0) != negate,
            Test::Channel { mask, negate } => (f.channel & mask != 0) != negate,
            Test::TagsAny(s) => tags(s).iter().any(has),
            Test::TagsAll(s) => tags(s).iter().all(has),
            Test::TagsNone(s) => !tags(s).iter().any(has),
            Test::Group(op, s) => set_op(op, f.group, self.groups.get(s.range()).unwrap_or(&[])),
            Test::Assignee(op, s) => {
                set_op(op, f.assignee, self.agents.get(s.range()).unwrap_or(&[]))
            }
            Test::Segment(op, s) => {
                let ids = self.segment_ids.get(s.range()).unwrap_or(&[]);
                let is = matches!(f.segment, Seg::Known(i) if ids.contains(&i));
                match op {
                    SetOp::Is => is,
                    SetOp::IsNot => !is,
                    SetOp::IsSet => f.segment != Seg::Unset,
                    SetOp::NotSet => f.segment == Seg::Unset,
                    SetOp::Changed => false,
                }
            }
            Test::Proactive(p) => f.proactive == p,
            Test::General(_) => false,
        }
    }
}

/// `set_op` without `changed` (which stays on the general path).
fn set_op<T: PartialEq + Copy>(op: SetOp, current: Option<T>, value: &[T]) -> bool {
    match op {
        SetOp::Is => current.is_some_and(|c| value.contains(&c)),
        SetOp::IsNot => !current.is_some_and(|c| value.contains(&c)),
        SetOp::IsSet => current.is_some(),
        SetOp::NotSet => current.is_none(),
        SetOp::Changed => false,
    }
}
