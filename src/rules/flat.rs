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
use crate::model::{Origin, Priority, Tag};
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
    /// The trigger's index key ([`Index`]): a plain-data `all` test that
    /// must hold for it to fire and that comes before any condition that
    /// can fail, the most selective one; `None` when it has none.
    pub(super) key: Option<Test>,
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

/// The places of the set bits of `words`, in order.
fn ones(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let b = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + b
            })
        })
    })
}

/// The conditions that can raise an error (the barriers).
pub(super) fn fallible(c: &Condition) -> bool {
    matches!(
        c,
        Condition::TimeSince { .. } | Condition::BusinessHours { .. } | Condition::Sla { .. }
    )
}

impl Flat {
    /// Compiles one trigger's conditions (`deps` of `all` then `any`).
    pub(super) fn push(&mut self, conds: &Conditions, deps: &[u8]) -> Plan {
        let all_len = conds.all.len();
        let (all, sure) = self.list(conds.all.iter().enumerate(), deps);
        let (any, _) = self.list(
            conds.any.iter().enumerate().map(|(k, c)| (all_len + k, c)),
            deps,
        );
        // The key: among the `all` tests before the first condition that
        // can fail (none of them can raise an error, so a trigger skipped
        // for its key is found false, without an error, on either path),
        // the one accepting the fewest tickets.
        let key = sure
            .into_iter()
            .filter_map(|t| selectivity(t).map(|w| (w, t)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, t)| t);
        Plan {
            active: true,
            all,
            any,
            key,
        }
    }

    fn list<'a>(
        &mut self,
        conds: impl Iterator<Item = (usize, &'a Condition)>,
        deps: &[u8],
    ) -> (Span32, Vec<Test>) {
        let start = self.steps.len();
        let mut sure: Option<Vec<Test>> = None;
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
                if sure.is_none() {
                    sure = Some(cheap.iter().map(|s| s.test).collect());
                }
                // A barrier: what came before it runs before it.
                self.steps.append(&mut cheap);
                self.steps.append(&mut general);
            }
        }
        let sure = sure.unwrap_or_else(|| cheap.iter().map(|s| s.test).collect());
        self.steps.append(&mut cheap);
        self.steps.append(&mut general);
        (Span32::of(start, self.steps.len()), sure)
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
                let mask = value.iter().fold(0, |m, s| m | s.bit());
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
        f.status = t.status().bit();
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
#[inline]
fn set_op<T: PartialEq>(op: SetOp, current: Option<T>, value: &[T]) -> bool {
    super::engine::set_op(op, current, value, false)
}

/// The estimated share of tickets a key accepts (lower is better), `None`
/// for a test the [`Index`] cannot key on.
pub(super) fn selectivity(t: Test) -> Option<f64> {
    let share = |n: u32, of: f64| f64::from(n) / of;
    Some(match t {
        Test::Status { mask, negate } => {
            let m = if negate { !mask & 0x3f } else { mask & 0x3f };
            share(m.count_ones(), 6.0)
        }
        Test::Priority { mask, negate } => {
            let m = if negate { !mask & 0x0f } else { mask & 0x0f };
            share(m.count_ones(), 4.0)
        }
        Test::Channel { mask, negate } => {
            let n = if negate {
                65 - mask.count_ones()
            } else {
                mask.count_ones()
            };
            share(n, 20.0).min(1.0)
        }
        Test::TagsAny(s) => share(s.len, 32.0).min(1.0),
        Test::TagsAll(s) if !s.is_empty() => 1.0 / 32.0,
        Test::Group(SetOp::Is, s) | Test::Assignee(SetOp::Is, s) => share(s.len, 16.0).min(1.0),
        Test::Segment(SetOp::Is, s) => share(s.len, 8.0).min(1.0),
        Test::Proactive(true) => 0.125,
        Test::Proactive(false) => 0.875,
        _ => return None,
    })
}

/// Which triggers can hold on a ticket, from their keys ([`Plan::key`]):
/// per value of each keyed field (status, priority, channel, origin, each
/// interned tag and segment, each group and agent a key names), the
/// triggers (by their place in the engine's order) whose key accepts it,
/// as a bitset; and the active triggers without a key, always visited.
/// A trigger not in the union of the buckets of the ticket's values has a
/// false key, so its conditions are false (without an error).
#[derive(Debug, Default)]
pub(super) struct Index {
    words: usize,
    always: Vec<u64>,
    status: [Vec<u64>; 6],
    priority: [Vec<u64>; 4],
    /// By channel bit, and at 64 a ticket without one.
    channel: Vec<Vec<u64>>,
    proactive: [Vec<u64>; 2],
    /// By interned tag.
    tags: Vec<Vec<u64>>,
    /// By interned segment.
    segments: Vec<Vec<u64>>,
    groups: BTreeMap<GroupId, Vec<u64>>,
    agents: BTreeMap<AgentId, Vec<u64>>,
    /// By phrase (the engine's), for the triggers keyed on a message
    /// `contains` instead.
    phrases: Vec<Vec<u64>>,
}

pub(super) fn set_bit(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn or_into(out: &mut [u64], bits: &[u64]) {
    for (o, b) in out.iter_mut().zip(bits) {
        *o |= b;
    }
}

/// The first set bit at or after `from`.
pub(super) fn next_set(bits: &[u64], from: usize) -> Option<usize> {
    let mut w = from / 64;
    let mut word = bits.get(w)? & (!0u64 << (from % 64));
    loop {
        if word != 0 {
            return Some(w * 64 + word.trailing_zeros() as usize);
        }
        w += 1;
        word = *bits.get(w)?;
    }
}

impl Index {
    /// The index of the plans (in the engine's order) compiled in `flat`.
    /// `text_keys`: per plan, the phrase ids of the message `contains`
    /// condition it is keyed on instead of [`Plan::key`] (one of them must
    /// occur in a message of the update), out of `phrases`.
    pub(super) fn new(
        flat: &Flat,
        plans: &[Plan],
        text_keys: &[Option<Vec<u32>>],
        phrases: usize,
    ) -> Index {
        let words = plans.len().div_ceil(64);
        let empty = || vec![0u64; words];
        let mut ix = Index {
            words,
            always: empty(),
            status: std::array::from_fn(|_| empty()),
            priority: std::array::from_fn(|_| empty()),
            channel: (0..65).map(|_| empty()).collect(),
            proactive: std::array::from_fn(|_| empty()),
            tags: (0..flat.tags.len()).map(|_| empty()).collect(),
            segments: (0..flat.segments.len()).map(|_| empty()).collect(),
            groups: BTreeMap::new(),
            agents: BTreeMap::new(),
            phrases: (0..phrases).map(|_| empty()).collect(),
        };
        for (i, plan) in plans.iter().enumerate() {
            if !plan.active {
                continue;
            }
            if let Some(Some(ids)) = text_keys.get(i) {
                for p in ids {
                    match ix.phrases.get_mut(*p as usize) {
                        Some(bucket) => set_bit(bucket, i),
                        None => set_bit(&mut ix.always, i),
                    }
                }
                continue;
            }
            match plan.key {
                Some(Test::Status { mask, negate }) => {
                    for (b, bucket) in ix.status.iter_mut().enumerate() {
                        if ((mask >> b) & 1 != 0) != negate {
                            set_bit(bucket, i);
                        }
                    }
                }
                Some(Test::Priority { mask, negate }) => {
                    for (b, bucket) in ix.priority.iter_mut().enumerate() {
                        if ((mask >> b) & 1 != 0) != negate {
                            set_bit(bucket, i);
                        }
                    }
                }
                Some(Test::Channel { mask, negate }) => {
                    for (b, bucket) in ix.channel.iter_mut().enumerate() {
                        let has = b < 64 && (mask >> b) & 1 != 0;
                        if has != negate {
                            set_bit(bucket, i);
                        }
                    }
                }
                Some(Test::Proactive(p)) => set_bit(&mut ix.proactive[usize::from(p)], i),
                Some(Test::TagsAny(s)) => {
                    for t in flat.tag_ids.get(s.range()).unwrap_or(&[]) {
                        if let Some(bucket) = ix.tags.get_mut(*t as usize) {
                            set_bit(bucket, i);
                        }
                    }
                }
                Some(Test::TagsAll(s)) => {
                    // Any one of them must be on the ticket: the first.
                    match flat
                        .tag_ids
                        .get(s.range())
                        .and_then(|t| t.first())
                        .and_then(|t| ix.tags.get_mut(*t as usize))
                    {
                        Some(bucket) => set_bit(bucket, i),
                        None => set_bit(&mut ix.always, i),
                    }
                }
                Some(Test::Segment(SetOp::Is, s)) => {
                    for t in flat.segment_ids.get(s.range()).unwrap_or(&[]) {
                        if let Some(bucket) = ix.segments.get_mut(*t as usize) {
                            set_bit(bucket, i);
                        }
                    }
                }
                Some(Test::Group(SetOp::Is, s)) => {
                    for g in flat.groups.get(s.range()).unwrap_or(&[]) {
                        set_bit(ix.groups.entry(*g).or_insert_with(empty), i);
                    }
                }
                Some(Test::Assignee(SetOp::Is, s)) => {
                    for a in flat.agents.get(s.range()).unwrap_or(&[]) {
                        set_bit(ix.agents.entry(*a).or_insert_with(empty), i);
                    }
                }
                _ => set_bit(&mut ix.always, i),
            }
        }
        ix
    }

    /// Into `out`, the triggers that can hold on a ticket with facts `f`
    /// whose update's messages contain the phrases in `present`.
    pub(super) fn candidates(&self, f: &Facts, present: &[u64], out: &mut Vec<u64>) {
        out.clear();
        out.extend_from_slice(&self.always);
        let bit = |b: u8| b.trailing_zeros() as usize;
        if let Some(s) = self.status.get(bit(f.status)) {
            or_into(out, s);
        }
        if let Some(p) = self.priority.get(bit(f.priority)) {
            or_into(out, p);
        }
        let ch = if f.channel == 0 {
            64
        } else {
            f.channel.trailing_zeros() as usize
        };
        if let Some(c) = self.channel.get(ch) {
            or_into(out, c);
        }
        or_into(out, &self.proactive[usize::from(f.proactive)]);
        for b in ones(&f.tags).filter_map(|t| self.tags.get(t)) {
            or_into(out, b);
        }
        if let Seg::Known(s) = f.segment
            && let Some(b) = self.segments.get(s as usize)
        {
            or_into(out, b);
        }
        if let Some(b) = f.group.and_then(|g| self.groups.get(&g)) {
            or_into(out, b);
        }
        if let Some(b) = f.assignee.and_then(|a| self.agents.get(&a)) {
            or_into(out, b);
        }
        for b in ones(present).filter_map(|p| self.phrases.get(p)) {
            or_into(out, b);
        }
    }

    /// Into `out`, every trigger (the general path visits them all).
    pub(super) fn all(&self, n: usize, out: &mut Vec<u64>) {
        out.clear();
        out.resize(self.words, 0);
        for i in 0..n {
            set_bit(out, i);
        }
    }
}
