//! The compiled rule book and its evaluation.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{DateTime, Duration, Utc};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder, SetMatches};

use super::error::RuleError;
use super::flat::{self, Flat, Index, Plan, Test};
use super::model::{
    Anchor, Chaining, Condition, Conditions, IsOp, MessageFrom, NotifyTo, NumOp, On, OriginIs,
    PresenceOp, PriorityOp, RuleAction, RuleBook, SetOp, SinceOp, SlaState, Span, TagOp, TextOp,
};
use super::{MAX_ACTIONS, MAX_CONDITIONS, MAX_PATTERN_BYTES, MAX_RULES, check_id};
use crate::customer::Customer;
use crate::id::AgentId;
use crate::model::{
    AlertPoint, Author, AuthorRole, CustomerTicketView, EscalateTo, Message, RuleFiring, RuleKind,
    SlaPolicy, Status, Tag, Visibility,
};
use crate::sla::{self, Calendars, PolicySet, TargetState};
use crate::taxonomy::Taxonomy;
use crate::template::{RenderContext, TemplateSet};
use crate::ticket::{self, Command, Context, Decision, Event, EventKind, Ticket};

/// An automation's anchor and due instant.
type AnchorDue = (DateTime<Utc>, DateTime<Utc>);

/// A list of events in two parts, `base` then `more`: an update's events
/// or a ticket's history, and the events the triggers fired so far in the
/// evaluation appended, without copying either.
#[derive(Debug, Clone, Copy, Default)]
struct Ev<'a> {
    base: &'a [Event],
    more: &'a [Event],
}

impl<'a> Ev<'a> {
    /// The events of one slice.
    fn of(base: &'a [Event]) -> Ev<'a> {
        Ev { base, more: &[] }
    }

    fn iter(self) -> std::iter::Chain<std::slice::Iter<'a, Event>, std::slice::Iter<'a, Event>> {
        self.base.iter().chain(self.more)
    }

    /// The events as one slice, copied only when both parts have some.
    fn joined(self) -> Cow<'a, [Event]> {
        if self.more.is_empty() {
            Cow::Borrowed(self.base)
        } else if self.base.is_empty() {
            Cow::Borrowed(self.more)
        } else {
            Cow::Owned(self.iter().cloned().collect())
        }
    }
}

/// The regex engine's compiled-size limit for one `matches` pattern.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The regex engine's nesting limit for one `matches` pattern.
const REGEX_NEST_LIMIT: u32 = 64;

/// What a rule book is checked against and runs with: the calendars named
/// by business-time conditions, the SLA policies `apply_sla_policy` names,
/// the taxonomy `tag_kind` conditions read, and the templates replies,
/// notes and notices render.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Named business calendars.
    pub calendars: Calendars,
    /// SLA policies, by id (the fallback included).
    pub policies: Option<PolicySet>,
    /// The tag taxonomy.
    pub taxonomy: Option<Arc<Taxonomy>>,
    /// Reply, note and notice templates.
    pub templates: TemplateSet,
}

#[derive(Debug)]
enum Matcher {
    /// Lower-cased phrases.
    Phrases(Vec<String>),
    /// The pattern, and its index in the engine's [`RegexSet`] of every
    /// trigger pattern.
    Pattern(Regex, usize),
}

#[derive(Debug)]
struct Compiled {
    /// Index into the book's list (triggers or automations).
    index: usize,
    /// A trigger's `on` list as a set of [`on_bit`]s (0: every update).
    on: u32,
    all: Vec<Option<Matcher>>,
    any: Vec<Option<Matcher>>,
    /// The [`Deps`] of each condition of `all`, then of `any`.
    deps: Vec<Deps>,
}

/// What a condition reads that a trigger's firing can change, as bits: a
/// condition found false is not evaluated again in a later pass of the
/// same update unless a firing changed one of its bits (a pure function
/// of unchanged facts gives the same answer).
type Deps = u8;
/// The status, or the update's `StatusChanged` events.
const D_STATUS: Deps = 1;
/// The priority, or the update's `PriorityChanged` events.
const D_PRIORITY: Deps = 1 << 1;
/// The tags, or the update's tag events.
const D_TAGS: Deps = 1 << 2;
/// The group or the assignee.
const D_OWNER: Deps = 1 << 3;
/// The ticket's messages, or the update's message events.
const D_MESSAGES: Deps = 1 << 4;
/// The channel, subject or origin (no action changes them).
const D_FIXED: Deps = 1 << 5;
/// Anything: the history, the update time, the SLA alerts; every firing
/// changes it.
const D_ANY: Deps = 1 << 6;

/// What a condition depends on.
fn deps_of(c: &Condition) -> Deps {
    match c {
        Condition::Status { .. } => D_STATUS,
        Condition::Priority { .. } => D_PRIORITY,
        Condition::Tags { .. } | Condition::TagKind { .. } => D_TAGS,
        Condition::Group { .. } | Condition::Assignee { .. } => D_OWNER,
        // The requester and the evaluation instant are fixed for an update.
        Condition::Segment { .. } | Condition::BusinessHours { .. } => 0,
        Condition::Channel { .. } | Condition::Subject { .. } | Condition::Origin { .. } => D_FIXED,
        Condition::Message { .. } => D_MESSAGES,
        _ => D_ANY,
    }
}

/// The bit of an `on` kind.
fn on_bit(k: On) -> u32 {
    1u32 << (k as u32 & 31)
}

/// The `on` bits of events.
fn on_mask(events: &[Event]) -> u32 {
    events
        .iter()
        .filter_map(|e| On::of_event(e.kind.name()))
        .fold(0, |m, k| m | on_bit(k))
}

/// What a firing changed: its events' kinds and the ticket before and
/// after it.
fn changed_by(events: &[Event], before: &Ticket, after: &Ticket) -> Deps {
    let mut d = D_ANY;
    for e in events {
        d |= match &e.kind {
            EventKind::StatusChanged { .. } => D_STATUS,
            EventKind::PriorityChanged { .. } => D_PRIORITY,
            EventKind::TagsAdded { .. } | EventKind::TagsRemoved { .. } => D_TAGS,
            EventKind::Opened(_) => D_TAGS | D_MESSAGES,
            EventKind::Assigned(_) => D_OWNER,
            EventKind::CustomerReplied { .. }
            | EventKind::AgentReplied { .. }
            | EventKind::NoteAdded { .. }
            | EventKind::AutomatedReplySent { .. } => D_MESSAGES,
            _ => 0,
        };
    }
    if before.status() != after.status() {
        d |= D_STATUS;
    }
    if before.priority() != after.priority() {
        d |= D_PRIORITY;
    }
    if d & D_TAGS == 0 && before.tags() != after.tags() {
        d |= D_TAGS;
    }
    if (before.group(), before.assignee()) != (after.group(), after.assignee()) {
        d |= D_OWNER;
    }
    if before.messages().len() != after.messages().len() {
        d |= D_MESSAGES;
    }
    if before.channel() != after.channel()
        || before.subject() != after.subject()
        || before.origin() != after.origin()
    {
        d |= D_FIXED;
    }
    d
}

/// Triggers found false in an update that need no evaluating again in a
/// later pass: nothing their deciding conditions read changed since (a
/// pure function of unchanged facts gives the same answer). By the
/// triggers' places in the engine's order.
struct Memo {
    /// Found false, and nothing they read changed since (a bitset).
    still_false: Vec<u64>,
    /// The [`Deps`] of the conditions that decided each, when last found
    /// false.
    deps: Vec<Deps>,
}

impl Memo {
    fn new(n: usize) -> Memo {
        Memo {
            still_false: vec![0; n.div_ceil(64)],
            deps: vec![0; n],
        }
    }

    fn record_false(&mut self, place: usize, deps: Deps) {
        flat::set_bit(&mut self.still_false, place);
        if let Some(d) = self.deps.get_mut(place) {
            *d = deps;
        }
    }

    /// A firing changed `changed`: the triggers found false by conditions
    /// reading any of it are to be evaluated again.
    fn record_firing(&mut self, changed: Deps) {
        for (w, word) in self.still_false.iter_mut().enumerate() {
            let mut bits = *word;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if self.deps.get(w * 64 + b).is_none_or(|d| d & changed != 0) {
                    *word &= !(1u64 << b);
                }
            }
        }
    }
}

/// A rule book checked against its [`Env`] and compiled (patterns built,
/// rules sorted by position then id), ready to evaluate. Cheap to clone.
///
/// Evaluation is pure: it reads the ticket, its history, its requester and
/// the context's `now`, and returns a [`Decision`] (the events and
/// notifications the rules cause, every event from
/// [`ticket::fire_rule`]) without writing anything. The desk runs it inside
/// its planner; [`Engine::triggers`] is also the dry run.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    book: RuleBook,
    env: Env,
    triggers: Vec<Compiled>,
    automations: Vec<Compiled>,
    /// Every trigger `matches` pattern in one set, so a text is scanned
    /// once per evaluation for all of them (`None` when there are none, or
    /// when the set would exceed the regex size limits: each pattern then
    /// runs on its own).
    patterns: Option<RegexSet>,
    /// The triggers' conditions as plain-data tests, and each trigger's
    /// (in the order of `triggers`).
    flat: Flat,
    plans: Vec<Plan>,
    /// Which triggers can hold on a ticket, from their plans' keys.
    index: Index,
    /// The phrases of the message `contains` conditions the index keys
    /// triggers on, in one automaton (`None` when there are none).
    phrases: Option<AhoCorasick>,
    phrase_count: usize,
    /// Whether a trigger is keyed on a message `matches` condition (the
    /// index's key ids from `phrase_count` on are the patterns').
    pattern_keys: bool,
    /// What the time keys read (each once per pass), and the triggers
    /// keyed on them: (place, source, test).
    timed_src: Vec<TimedSrc>,
    timed: Vec<(usize, usize, TimedTest)>,
    /// The triggers (by place) without an `on` list, and for each `on`
    /// bit a book uses, those listing it: a trigger is visited only when
    /// one of its kinds was seen.
    on_any: Vec<u64>,
    on_kinds: Vec<(u32, Vec<u64>)>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("triggers", &self.inner.triggers.len())
            .field("automations", &self.inner.automations.len())
            .field("macros", &self.inner.book.macros.len())
            .field("semantics", &self.inner.book.semantics)
            .finish()
    }
}

/// What the rules did to one ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// The events and notifications the rules caused (each firing's
    /// [`RuleFired`](EventKind::RuleFired) event first).
    pub decision: Decision,
    /// The firings, in order.
    pub fired: Vec<Fired>,
    /// Rules whose conditions held but whose actions were refused (by the
    /// lifecycle, the taxonomy, or a template missing a value): they did
    /// not fire, and nothing of theirs is in the decision.
    pub refused: Vec<Refused>,
}

impl Evaluation {
    /// Whether no rule fired.
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }
}

/// One firing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The rule's id.
    pub rule: String,
    /// Trigger, automation or macro.
    pub kind: RuleKind,
    /// The ticket.
    pub ticket: crate::id::TicketId,
    /// For triggers, the pass (from 1).
    pub pass: Option<u32>,
    /// For automations, the instant it was due.
    pub due: Option<DateTime<Utc>>,
    /// How many events it caused (its `RuleFired` event not counted).
    pub events: u32,
    /// How many notifications it queued.
    pub notifications: usize,
}

/// A rule that would have fired but whose actions were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The rule's id.
    pub rule: String,
    /// Trigger, automation or macro.
    pub kind: RuleKind,
    /// The ticket.
    pub ticket: crate::id::TicketId,
    /// Why, in words.
    pub reason: String,
}

/// A ticket update the triggers run on.
#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    /// The ticket before the update (`None` for a ticket the update
    /// opened).
    pub before: Option<&'a Ticket>,
    /// The ticket after the update.
    pub ticket: &'a Ticket,
    /// The update's events, in order.
    pub events: &'a [Event],
    /// The ticket's whole history, the update's events included (used for
    /// SLA conditions and the `status_changed` and `assigned` anchors).
    pub history: &'a [Event],
    /// The requester, if loaded (segment conditions; names and language in
    /// templates).
    pub customer: Option<&'a Customer>,
}

/// What a condition is evaluated against.
struct Facts<'a> {
    before: Option<&'a Ticket>,
    ticket: &'a Ticket,
    update: Ev<'a>,
    history: Ev<'a>,
    customer: Option<&'a Customer>,
    at: DateTime<Utc>,
    /// Lower-cased texts already computed in this evaluation.
    lower: Option<&'a Lowered>,
}

/// The lower-cased texts `contains` conditions compare, computed once per
/// trigger evaluation instead of once per condition: one slot per event
/// of the update (events are only appended to), and the subject and first
/// message with the text they were made from (used only while it is the
/// same text).
#[derive(Default)]
struct Lowered {
    events: Vec<OnceCell<String>>,
    subject: OnceCell<(String, String)>,
    first: OnceCell<(String, String)>,
    /// Which patterns of the engine's set match each text, as for the
    /// lower-cased texts.
    event_sets: Vec<OnceCell<SetMatches>>,
    subject_set: OnceCell<(String, SetMatches)>,
    first_set: OnceCell<(String, SetMatches)>,
    /// The index's phrases found in each event's lower-cased text (the
    /// texts do not change between passes).
    event_phrases: Vec<OnceCell<Vec<usize>>>,
    /// Time facts at the evaluation instant, keyed by the ticket's version
    /// (a firing changes it): anchors, elapsed times, open calendars.
    timing: RefCell<Timing>,
}

/// See [`Lowered::timing`].
#[derive(Default)]
struct Timing {
    anchors: Vec<(u64, Anchor, Option<DateTime<Utc>>)>,
    elapsed: Vec<(u64, Anchor, Option<String>, i64)>,
    open: Vec<(String, bool)>,
}

impl Lowered {
    fn grow(&mut self, n: usize) {
        self.events.resize_with(n, OnceCell::new);
        self.event_sets.resize_with(n, OnceCell::new);
        self.event_phrases.resize_with(n, OnceCell::new);
    }
}

/// `text` lower-cased, from `slot` when it holds the same text.
fn lowered_keyed<'a>(slot: &'a OnceCell<(String, String)>, text: &str) -> Option<&'a str> {
    let (from, lower) = slot.get_or_init(|| (text.to_owned(), text.to_lowercase()));
    (from == text).then_some(lower.as_str())
}

/// The set's matches on `text`, from `slot` when it holds the same text.
fn set_keyed<'a>(
    slot: &'a OnceCell<(String, SetMatches)>,
    set: &RegexSet,
    text: &str,
) -> Option<&'a SetMatches> {
    let (from, m) = slot.get_or_init(|| (text.to_owned(), set.matches(text)));
    (from == text).then_some(m)
}

/// Whether a text condition's matcher matches `text`, with its lower-cased
/// form from `lower` when given.
fn text_matches_with(
    m: Option<&Matcher>,
    text: &str,
    lower: Option<&str>,
    set: Option<&SetMatches>,
) -> bool {
    match (m, lower, set) {
        (Some(Matcher::Phrases(ps)), Some(lower), _) => {
            ps.iter().any(|p| lower.contains(p.as_str()))
        }
        (Some(Matcher::Pattern(_, i)), _, Some(set)) => set.matched(*i),
        _ => text_matches(m, text),
    }
}

impl Engine {
    /// Checks `book` against `env` and compiles it.
    ///
    /// # Errors
    /// The first problem found, naming the rule and the bad value: a
    /// duplicate or malformed id, a rule without actions, too many rules,
    /// conditions or actions, an empty value list, a pattern over the
    /// limits, a calendar, template or SLA policy `env` does not have, a
    /// `tag_kind` condition without a taxonomy, a `set_status` to `new`, a
    /// zero pass cap, a zero per-sweep automation budget.
    pub fn new(book: RuleBook, env: Env) -> Result<Engine, RuleError> {
        validate(&book, &env)?;
        let triggers = compile(
            book.triggers.iter().enumerate().map(|(i, t)| {
                let on = t.on.iter().fold(0, |m, k| m | on_bit(*k));
                (i, t.position, t.id.as_str(), on, &t.conditions)
            }),
            "trigger",
        )?;
        let automations = compile(
            book.automations
                .iter()
                .enumerate()
                .map(|(i, a)| (i, a.position, a.id.as_str(), 0, &a.conditions)),
            "automation",
        )?;
        let (triggers, patterns) = pattern_set(triggers);
        let mut flat = Flat::default();
        let plans = triggers
            .iter()
            .map(|c| match book.triggers.get(c.index) {
                Some(t) => Plan {
                    active: t.active,
                    ..flat.push(&t.conditions, &c.deps)
                },
                None => Plan::default(),
            })
            .collect::<Vec<Plan>>();
        let (phrases, keys) = text_keys(&book, &triggers, &plans, patterns.as_ref());
        let phrase_count = phrases.len();
        let automaton = if phrases.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&phrases)
                .ok()
        };
        // Without the automaton no trigger is keyed on its text.
        // The index's text keys: the phrases' ids, then the patterns' after
        // them (`phrase_count` + the pattern's index in the set).
        let pattern_keys = keys.iter().any(|k| matches!(k, TextKey::Pattern(_)));
        let text_keys: Vec<Option<Vec<u32>>> = keys
            .into_iter()
            .map(|k| match k {
                TextKey::Phrases(ids) if automaton.is_some() => Some(ids),
                TextKey::Pattern(i) => u32::try_from(phrase_count + i).ok().map(|id| vec![id]),
                _ => None,
            })
            .collect();
        // Time keys: a trigger keyed on neither a selective plain-data test
        // nor a text is keyed on its first condition that can fail when it
        // is `business_hours` or `time_since` (the conditions before it
        // cannot fail): visited only when that condition may hold (or
        // fails, so the evaluation raises the error as the reference does).
        let mut text_keys = text_keys;
        let mut timed_src: Vec<TimedSrc> = Vec::new();
        let mut timed: Vec<(usize, usize, TimedTest)> = Vec::new();
        for (place, (c, plan)) in triggers.iter().zip(&plans).enumerate() {
            let good = plan
                .key
                .and_then(flat::selectivity)
                .is_some_and(|s| s <= 0.25);
            if !plan.active || good || text_keys.get(place).is_none_or(Option::is_some) {
                continue;
            }
            let first = book
                .triggers
                .get(c.index)
                .and_then(|t| t.conditions.all.iter().find(|c| flat::fallible(c)));
            let (src, test) = match first {
                Some(Condition::BusinessHours { calendar, value }) => {
                    (TimedSrc::Open(calendar.clone()), TimedTest::Open(*value))
                }
                Some(Condition::TimeSince {
                    event,
                    op,
                    hours,
                    minutes,
                    calendar,
                }) => (
                    TimedSrc::Since(*event, calendar.clone()),
                    TimedTest::Since(*op, i64::from(*hours) * 3600 + i64::from(*minutes) * 60),
                ),
                _ => continue,
            };
            let k = match timed_src.iter().position(|s| *s == src) {
                Some(k) => k,
                None => {
                    timed_src.push(src);
                    timed_src.len() - 1
                }
            };
            timed.push((place, k, test));
            // In no bucket of the index.
            if let Some(slot) = text_keys.get_mut(place) {
                *slot = Some(Vec::new());
            }
        }
        let pattern_count = patterns.as_ref().map_or(0, RegexSet::len);
        let index = Index::new(&flat, &plans, &text_keys, phrase_count + pattern_count);
        let words = triggers.len().div_ceil(64);
        let mut on_any = vec![0u64; words];
        let mut on_kinds: Vec<(u32, Vec<u64>)> = Vec::new();
        for (place, c) in triggers.iter().enumerate() {
            if c.on == 0 {
                flat::set_bit(&mut on_any, place);
            }
            for b in 0..32 {
                let bit = 1u32 << b;
                if c.on & bit == 0 {
                    continue;
                }
                let k = match on_kinds.iter().position(|(k, _)| *k == bit) {
                    Some(k) => k,
                    None => {
                        on_kinds.push((bit, vec![0u64; words]));
                        on_kinds.len() - 1
                    }
                };
                if let Some((_, bits)) = on_kinds.get_mut(k) {
                    flat::set_bit(bits, place);
                }
            }
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                book,
                env,
                triggers,
                automations,
                patterns,
                flat,
                plans,
                index,
                phrases: automaton,
                phrase_count,
                pattern_keys,
                timed_src,
                timed,
                on_any,
                on_kinds,
            }),
        })
    }

    /// The rule book.
    pub fn book(&self) -> &RuleBook {
        &self.inner.book
    }

    /// The environment.
    pub fn env(&self) -> &Env {
        &self.inner.env
    }

    /// Whether the book has any active trigger.
    pub fn has_triggers(&self) -> bool {
        self.inner.book.triggers.iter().any(|t| t.active)
    }

    /// Whether the book has any active automation.
    pub fn has_automations(&self) -> bool {
        self.inner.book.automations.iter().any(|a| a.active)
    }

    /// Runs the triggers on an update, under the book's
    /// [`Semantics`](super::Semantics).
    ///
    /// # Errors
    /// [`RuleError::Loop`] when the pass cap is reached without the
    /// triggers settling (nothing of the evaluation should be committed);
    /// an SLA or calendar error from a condition.
    pub fn triggers(&self, update: Update<'_>, ctx: &Context<'_>) -> Result<Evaluation, RuleError> {
        self.run_triggers(update, ctx, true)
    }

    /// [`Engine::triggers`], with the conditions on the fast path
    /// ([`Engine::holds_flat`]) or all on the general path, the reference
    /// ([`Engine::holds_why`]); both give the same evaluation.
    fn run_triggers(
        &self,
        update: Update<'_>,
        ctx: &Context<'_>,
        fast_path: bool,
    ) -> Result<Evaluation, RuleError> {
        let inner = &*self.inner;
        let sem = inner.book.semantics;
        let mut out = Evaluation::default();
        if !self.has_triggers() {
            return Ok(out);
        }
        // The ticket as the firings left it (`None`: as the update did).
        // The events the triggers see and the history are the update's
        // with the firings' events (`out.decision.events`) after them,
        // read in two parts rather than copied.
        let mut owned: Option<Ticket> = None;
        let original = update.events.len();
        let reevaluate = sem.chaining == Chaining::Reevaluate;
        let n = inner.triggers.len();
        let words = n.div_ceil(64);
        // By place: fired in this update, refused.
        let mut fired = vec![0u64; words];
        let mut refused = vec![0u64; words];
        let mut memo = Memo::new(n);
        // The `on` kinds of the events the triggers see (with chaining,
        // the update's and then those of the firings).
        let mut seen_on = on_mask(update.events);
        let mut lowered = Lowered::default();
        lowered.grow(original);
        // The plain-data facts of the ticket, refreshed after each firing.
        let mut fast = inner.flat.facts(update.ticket, update.customer);
        // The triggers to visit (by place): on the fast path those the
        // index says can hold on the ticket as it is, whose `on` kinds were
        // seen, not fired (once per update) nor refused, and not known to
        // be still false, in order; on the general path all of them.
        let mut visit: Vec<u64> = Vec::new();
        let mut present: Vec<u64> = Vec::new();
        let has =
            |bits: &[u64], i: usize| bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
        let mut vals: Vec<Option<TimedVal>> = Vec::new();
        let fill = |visit: &mut Vec<u64>,
                    present: &mut Vec<u64>,
                    vals: &mut Vec<Option<TimedVal>>,
                    fast: &flat::Facts,
                    events: Ev<'_>,
                    history: Ev<'_>,
                    lowered: &Lowered,
                    t: &Ticket,
                    seen_on: u32,
                    memo: &Memo,
                    fired: &[u64],
                    refused: &[u64]| {
            if !fast_path {
                inner.index.all(n, visit);
                return;
            }
            self.phrases_present(events, lowered, t, present);
            inner.index.candidates(fast, present, visit);
            // What may be visited: the `on` filter, as a set, less the
            // triggers refused, fired (once per update) or still false.
            present.clear();
            present.extend_from_slice(&inner.on_any);
            for (bit, bits) in &inner.on_kinds {
                if seen_on & bit != 0 {
                    for (p, b) in present.iter_mut().zip(bits) {
                        *p |= b;
                    }
                }
            }
            let once = sem.once_per_update;
            for (k, p) in present.iter_mut().enumerate() {
                let mut skip = refused.get(k).copied().unwrap_or(0)
                    | memo.still_false.get(k).copied().unwrap_or(0);
                if once {
                    skip |= fired.get(k).copied().unwrap_or(0);
                }
                *p &= !skip;
            }
            // The time keys of the triggers that may be visited.
            if !inner.timed.is_empty() {
                let f = Facts {
                    before: update.before,
                    ticket: t,
                    update: events,
                    history,
                    customer: update.customer,
                    at: ctx.now,
                    lower: Some(lowered),
                };
                self.timed_candidates(&f, present, vals, visit);
            }
            for (v, p) in visit.iter_mut().zip(present.iter()) {
                *v &= p;
            }
        };
        let mut pass: u32 = 0;
        loop {
            pass = pass.saturating_add(1);
            let mut restart = false;
            let seen_len = if reevaluate {
                out.decision.events.len()
            } else {
                0
            };
            fill(
                &mut visit,
                &mut present,
                &mut vals,
                &fast,
                Ev {
                    base: update.events,
                    more: &out.decision.events[..seen_len],
                },
                Ev {
                    base: update.history,
                    more: &out.decision.events,
                },
                &lowered,
                owned.as_ref().unwrap_or(update.ticket),
                seen_on,
                &memo,
                &fired,
                &refused,
            );
            let mut at = 0;
            while let Some(i) = flat::next_set(&visit, at) {
                at = i + 1;
                let (Some(c), Some(plan)) = (inner.triggers.get(i), inner.plans.get(i)) else {
                    break;
                };
                if !fast_path {
                    // The reference: every trigger, the plain checks, no
                    // memo.
                    if !plan.active || has(&refused, i) {
                        continue;
                    }
                    if sem.once_per_update && has(&fired, i) {
                        continue;
                    }
                    if c.on != 0 && c.on & seen_on == 0 {
                        continue;
                    }
                }
                let rule = &inner.book.triggers[c.index];
                let state = owned.as_ref().unwrap_or(update.ticket);
                let seen_len = if reevaluate {
                    out.decision.events.len()
                } else {
                    0
                };
                let history = Ev {
                    base: update.history,
                    more: &out.decision.events,
                };
                let facts = Facts {
                    before: update.before,
                    ticket: state,
                    update: Ev {
                        base: update.events,
                        more: &out.decision.events[..seen_len],
                    },
                    history,
                    customer: update.customer,
                    at: ctx.now,
                    lower: Some(&lowered),
                };
                let (held, deps) = if fast_path {
                    self.holds_flat(*plan, &rule.conditions, c, &facts, &fast)?
                } else {
                    self.holds_why(&rule.conditions, c, &facts)?
                };
                if !held {
                    if fast_path {
                        memo.record_false(i, deps);
                    }
                    continue;
                }
                let firing = RuleFiring {
                    rule: rule.id.clone(),
                    name: rule.name.clone(),
                    kind: RuleKind::Trigger,
                    events: 0,
                    due: None,
                    anchor: None,
                    pass: Some(pass),
                };
                match self.fire(
                    state,
                    history,
                    update.customer,
                    firing,
                    &rule.actions,
                    None,
                    ctx,
                ) {
                    Ok(Some((d, next))) => {
                        // The cap counts passes that change something: a
                        // trigger still firing after `max_passes` of them
                        // means the triggers do not settle.
                        if pass > sem.max_passes.max(1) {
                            let mut looping: Vec<String> = Vec::new();
                            for c in &inner.triggers {
                                let id = &inner.book.triggers[c.index].id;
                                let n = out.fired.iter().filter(|f| &f.rule == id).count();
                                if n > 1 || (sem.once_per_update && n > 0) {
                                    looping.push(id.clone());
                                }
                            }
                            if !looping.contains(&rule.id) {
                                looping.push(rule.id.clone());
                            }
                            return Err(RuleError::Loop {
                                ticket: state.id(),
                                passes: sem.max_passes,
                                rules: looping,
                            });
                        }
                        let next = if fast_path {
                            // The state the firing built.
                            next
                        } else {
                            // The reference applies the events itself.
                            let mut t = state.clone();
                            for e in &d.events {
                                t.apply(e);
                            }
                            t
                        };
                        let changed = changed_by(&d.events, state, &next);
                        if fast_path {
                            memo.record_firing(changed);
                        }
                        owned = Some(next);
                        let state = owned.as_ref().unwrap_or(update.ticket);
                        inner.flat.refresh(&mut fast, state, update.customer);
                        if reevaluate {
                            seen_on |= on_mask(&d.events);
                        }
                        let id = state.id();
                        out.fired.push(fired_of(&d, RuleKind::Trigger, id));
                        out.decision.events.extend(d.events);
                        out.decision.notifications.extend(d.notifications);
                        if reevaluate {
                            lowered.grow(original + out.decision.events.len());
                        }
                        flat::set_bit(&mut fired, i);
                        if reevaluate {
                            restart = true;
                            break;
                        }
                        // The pass goes on with the ticket as it is now.
                        fill(
                            &mut visit,
                            &mut present,
                            &mut vals,
                            &fast,
                            Ev::of(update.events),
                            Ev {
                                base: update.history,
                                more: &out.decision.events,
                            },
                            &lowered,
                            owned.as_ref().unwrap_or(update.ticket),
                            seen_on,
                            &memo,
                            &fired,
                            &refused,
                        );
                    }
                    Ok(None) => {}
                    Err(reason) => {
                        flat::set_bit(&mut refused, i);
                        out.refused.push(Refused {
                            rule: rule.id.clone(),
                            kind: RuleKind::Trigger,
                            ticket: state.id(),
                            reason,
                        });
                    }
                }
            }
            if !restart {
                break;
            }
        }
        Ok(out)
    }

    /// Fires the automations due on a ticket at `ctx.now`: each active
    /// automation whose anchor plus delay has come, that has not fired for
    /// that anchor yet, and whose conditions hold at its due instant, in
    /// order, while the ticket is under the book's per-ticket cap. Closed
    /// and merged tickets get none. The triggers are not run here (the desk runs them on the result, as on
    /// any update).
    ///
    /// # Errors
    /// An SLA or calendar error from a condition or a delay.
    pub fn automations(
        &self,
        ticket: &Ticket,
        history: &[Event],
        customer: Option<&Customer>,
        ctx: &Context<'_>,
    ) -> Result<Evaluation, RuleError> {
        let inner = &*self.inner;
        let mut out = Evaluation::default();
        if !automatable(ticket) {
            return Ok(out);
        }
        let mut state = ticket.clone();
        let mut history = history.to_vec();
        for c in &inner.automations {
            let rule = &inner.book.automations[c.index];
            if !rule.active {
                continue;
            }
            if state.automation_firings() >= inner.book.budget.max_automation_firings_per_ticket {
                break;
            }
            let Some((anchor, due)) = self.automation_due(c, &state, &history)? else {
                continue;
            };
            if due > ctx.now {
                continue;
            }
            let facts = Facts {
                before: None,
                ticket: &state,
                update: Ev::default(),
                history: Ev::of(&history),
                customer,
                at: due,
                lower: None,
            };
            if !self.holds(&rule.conditions, c, &facts)? {
                continue;
            }
            let firing = RuleFiring {
                rule: rule.id.clone(),
                name: rule.name.clone(),
                kind: RuleKind::Automation,
                events: 0,
                due: Some(due),
                anchor: Some(anchor),
                pass: None,
            };
            // An automation that fires records its anchor even when its
            // actions change nothing, so it does not come due again.
            match self.fire_always(
                &state,
                Ev::of(&history),
                customer,
                firing,
                &rule.actions,
                None,
                ctx,
            ) {
                Ok(d) => {
                    for e in &d.events {
                        state.apply(e);
                    }
                    history.extend(d.events.iter().cloned());
                    let mut f = fired_of(&d, RuleKind::Automation, state.id());
                    f.due = Some(due);
                    out.fired.push(f);
                    out.decision.events.extend(d.events);
                    out.decision.notifications.extend(d.notifications);
                }
                Err(reason) => {
                    // Refused: recorded with no effect, so it is not due
                    // again for this anchor (and the refusal is reported).
                    let firing = RuleFiring {
                        rule: rule.id.clone(),
                        name: rule.name.clone(),
                        kind: RuleKind::Automation,
                        events: 0,
                        due: Some(due),
                        anchor: Some(anchor),
                        pass: None,
                    };
                    let d = ticket::fire_rule(&state, firing, &[], &[], ctx).map_err(|e| {
                        RuleError::Domain {
                            rule: rule.id.clone(),
                            source: e,
                        }
                    })?;
                    for e in &d.events {
                        state.apply(e);
                    }
                    history.extend(d.events.iter().cloned());
                    out.decision.events.extend(d.events);
                    out.refused.push(Refused {
                        rule: rule.id.clone(),
                        kind: RuleKind::Automation,
                        ticket: state.id(),
                        reason,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The next instant an automation comes due on the ticket (possibly
    /// already past, when one is overdue), for the due index; `None` when
    /// none will without a change to the ticket.
    ///
    /// # Errors
    /// An SLA or calendar error from a condition or a delay.
    pub fn next_due(
        &self,
        ticket: &Ticket,
        history: &[Event],
        customer: Option<&Customer>,
    ) -> Result<Option<DateTime<Utc>>, RuleError> {
        let inner = &*self.inner;
        if !automatable(ticket)
            || ticket.automation_firings() >= inner.book.budget.max_automation_firings_per_ticket
        {
            return Ok(None);
        }
        let mut next: Option<DateTime<Utc>> = None;
        for c in &inner.automations {
            let rule = &inner.book.automations[c.index];
            if !rule.active {
                continue;
            }
            let Some((_, due)) = self.automation_due(c, ticket, history)? else {
                continue;
            };
            if next.is_some_and(|n| n <= due) {
                continue;
            }
            let facts = Facts {
                before: None,
                ticket,
                update: Ev::default(),
                history: Ev::of(history),
                customer,
                at: due,
                lower: None,
            };
            if self.holds(&rule.conditions, c, &facts)? {
                next = Some(due);
            }
        }
        Ok(next)
    }

    /// Applies macro `id` for `agent`: a [`RuleFired`](EventKind::RuleFired)
    /// event (kind macro), the agent's public reply rendered from the
    /// macro's template (if it has one) with its `then` status, then its
    /// actions.
    ///
    /// # Errors
    /// [`RuleError::UnknownMacro`]; [`RuleError::Refused`] when the
    /// lifecycle refuses an action or a template misses a value.
    pub fn apply_macro(
        &self,
        id: &str,
        agent: AgentId,
        ticket: &Ticket,
        history: &[Event],
        customer: Option<&Customer>,
        ctx: &Context<'_>,
    ) -> Result<Decision, RuleError> {
        let Some(m) = self.inner.book.macros.iter().find(|m| m.id == id) else {
            return Err(RuleError::UnknownMacro { id: id.to_owned() });
        };
        let firing = RuleFiring {
            rule: m.id.clone(),
            name: m.name.clone(),
            kind: RuleKind::Macro,
            events: 0,
            due: None,
            anchor: None,
            pass: None,
        };
        let mut lead = Vec::new();
        if let Some(template) = &m.reply {
            let body = self
                .render(
                    template,
                    ticket,
                    Ev::of(history),
                    customer,
                    Some(agent),
                    ctx.now,
                    true,
                )
                .map_err(|reason| RuleError::Refused {
                    rule: m.id.clone(),
                    reason,
                })?;
            lead.push(Command::AgentReply {
                agent,
                channel: None,
                body,
                then: m.then,
            });
        } else if let Some(to) = m.then {
            lead.push(Command::ChangeStatus { to });
        }
        self.fire_always(
            ticket,
            Ev::of(history),
            customer,
            firing,
            &m.actions,
            Some((agent, lead)),
            ctx,
        )
        .map_err(|reason| RuleError::Refused {
            rule: m.id.clone(),
            reason,
        })
    }

    /// An automation's anchor and due instant on the ticket, unless it has
    /// no anchor or already fired for it.
    fn automation_due(
        &self,
        c: &Compiled,
        ticket: &Ticket,
        history: &[Event],
    ) -> Result<Option<AnchorDue>, RuleError> {
        let rule = &self.inner.book.automations[c.index];
        let Some(anchor) = anchor_of(rule.after.event, ticket, Ev::of(history)) else {
            return Ok(None);
        };
        if ticket.automation_anchor(&rule.id) == Some(anchor) {
            return Ok(None);
        }
        let due = self.add_span(&rule.id, anchor, &rule.after.span())?;
        Ok(Some((anchor, due)))
    }

    fn add_span(
        &self,
        rule: &str,
        from: DateTime<Utc>,
        span: &Span,
    ) -> Result<DateTime<Utc>, RuleError> {
        match &span.calendar {
            Some(name) => {
                let cal = self.calendar(rule, name)?;
                cal.add(from, span.seconds())
                    .map_err(|e| RuleError::Calendar {
                        rule: rule.to_owned(),
                        source: e,
                    })
            }
            None => Ok(from + Duration::seconds(span.seconds())),
        }
    }

    fn calendar(
        &self,
        rule: &str,
        name: &str,
    ) -> Result<&crate::calendar::BusinessCalendar, RuleError> {
        self.inner
            .env
            .calendars
            .get(name)
            .ok_or_else(|| RuleError::UnknownCalendar {
                rule: rule.to_owned(),
                calendar: name.to_owned(),
            })
    }

    /// Into `out`, which of the index's phrases occur in the lower-cased
    /// text of a message of `events` (or, when they open the ticket, of
    /// any of its messages): a superset of the texts a message condition
    /// reads.
    fn phrases_present(&self, events: Ev<'_>, lowered: &Lowered, t: &Ticket, out: &mut Vec<u64>) {
        let inner = &*self.inner;
        let patterns = inner.patterns.as_ref().filter(|_| inner.pattern_keys);
        out.clear();
        let keys = inner.phrase_count + patterns.map_or(0, RegexSet::len);
        out.resize(keys.div_ceil(64), 0);
        let ac = inner.phrases.as_ref();
        if ac.is_none() && patterns.is_none() {
            return;
        }
        let scan = |out: &mut Vec<u64>, lower: &str| {
            if let Some(ac) = ac {
                for m in ac.find_overlapping_iter(lower) {
                    flat::set_bit(out, m.pattern().as_usize());
                }
            }
        };
        let mut opened = false;
        for (i, e) in events.iter().enumerate() {
            if matches!(e.kind, EventKind::Opened(_)) {
                opened = true;
                continue;
            }
            let Some(msg) = e.kind.message() else {
                continue;
            };
            if let Some(ac) = ac {
                let lower = || match lowered.events.get(i) {
                    Some(c) => Cow::Borrowed(c.get_or_init(|| msg.body.to_lowercase()).as_str()),
                    None => Cow::Owned(msg.body.to_lowercase()),
                };
                match lowered.event_phrases.get(i) {
                    Some(found) => {
                        let found = found.get_or_init(|| {
                            ac.find_overlapping_iter(lower().as_ref())
                                .map(|m| m.pattern().as_usize())
                                .collect()
                        });
                        for p in found {
                            flat::set_bit(out, *p);
                        }
                    }
                    None => scan(out, lower().as_ref()),
                }
            }
            if let Some(ps) = patterns {
                // The patterns run on the text as written (case-insensitive
                // themselves), as the conditions run them.
                let fresh;
                let found = match lowered.event_sets.get(i) {
                    Some(c) => c.get_or_init(|| ps.matches(&msg.body)),
                    None => {
                        fresh = ps.matches(&msg.body);
                        &fresh
                    }
                };
                for p in found.iter() {
                    flat::set_bit(out, inner.phrase_count + p);
                }
            }
        }
        if opened {
            for m in t.messages() {
                if ac.is_some() {
                    scan(out, &m.body.to_lowercase());
                }
                if let Some(ps) = patterns {
                    for p in ps.matches(&m.body).iter() {
                        flat::set_bit(out, inner.phrase_count + p);
                    }
                }
            }
        }
    }

    /// Into `visit`, the triggers keyed on time (`business_hours`,
    /// `time_since`) among those in `may` whose key may hold on `f`: it
    /// holds, or reading it fails (the evaluation then raises the error as
    /// the reference does). Each source is read once, into `vals`.
    fn timed_candidates(
        &self,
        f: &Facts<'_>,
        may: &[u64],
        vals: &mut Vec<Option<TimedVal>>,
        visit: &mut [u64],
    ) {
        let inner = &*self.inner;
        vals.clear();
        vals.resize(inner.timed_src.len(), None);
        for (place, src, test) in &inner.timed {
            if may
                .get(place / 64)
                .is_none_or(|w| w & (1 << (place % 64)) == 0)
            {
                continue;
            }
            let Some(slot) = vals.get_mut(*src) else {
                flat::set_bit(visit, *place);
                continue;
            };
            let v = match (*slot, inner.timed_src.get(*src)) {
                (Some(v), _) => v,
                (None, Some(TimedSrc::Open(cal))) => self
                    .open_at(cal, f)
                    .map_or(TimedVal::Failed, TimedVal::Open),
                (None, Some(TimedSrc::Since(event, cal))) => self
                    .elapsed_since(*event, cal.as_deref(), f)
                    .map_or(TimedVal::Failed, TimedVal::Since),
                (None, None) => TimedVal::Failed,
            };
            *slot = Some(v);
            let holds = match (test, v) {
                (TimedTest::Open(want), TimedVal::Open(open)) => open == *want,
                (TimedTest::Since(..), TimedVal::Since(None)) => false,
                (TimedTest::Since(SinceOp::AtLeast, span), TimedVal::Since(Some(e))) => e >= *span,
                (TimedTest::Since(SinceOp::LessThan, span), TimedVal::Since(Some(e))) => e < *span,
                _ => true,
            };
            if holds {
                flat::set_bit(visit, *place);
            }
        }
    }

    /// [`Engine::phrases_present`] with a fresh cache (for the tests).
    #[cfg(test)]
    fn phrases_present_for(&self, events: &[Event], t: &Ticket) -> Vec<u64> {
        let mut lowered = Lowered::default();
        lowered.grow(events.len());
        let mut out = Vec::new();
        self.phrases_present(Ev::of(events), &lowered, t, &mut out);
        out
    }

    /// Whether a trigger's conditions hold, on the fast path: its plain-data
    /// tests against the ticket's facts `x`, the other conditions on the
    /// general path, in the order of [`flat`] (the cheap tests first, never
    /// across a condition that can fail). Returns the same as
    /// [`Engine::holds_why`] (the reference), and the [`Deps`] of the
    /// conditions that decided it.
    fn holds_flat(
        &self,
        plan: Plan,
        conds: &Conditions,
        c: &Compiled,
        f: &Facts<'_>,
        x: &flat::Facts,
    ) -> Result<(bool, Deps), RuleError> {
        let fl = &self.inner.flat;
        let mut deps: Deps = 0;
        let mut holds = |s: &flat::Step| -> Result<bool, RuleError> {
            deps |= s.deps;
            match s.test {
                Test::General(k) => self.general(conds, c, k, f),
                t => Ok(fl.eval(t, x)),
            }
        };
        for s in fl.steps(plan.all) {
            if !holds(s)? {
                return Ok((false, deps));
            }
        }
        if plan.any.is_empty() {
            return Ok((true, deps));
        }
        for s in fl.steps(plan.any) {
            if holds(s)? {
                return Ok((true, deps));
            }
        }
        Ok((false, deps))
    }

    /// The condition at position `k` of `all` then `any`, on the general
    /// path.
    fn general(
        &self,
        conds: &Conditions,
        c: &Compiled,
        k: u32,
        f: &Facts<'_>,
    ) -> Result<bool, RuleError> {
        let k = k as usize;
        let n = conds.all.len();
        let (cond, m) = if k < n {
            (conds.all.get(k), c.all.get(k))
        } else {
            (conds.any.get(k - n), c.any.get(k - n))
        };
        match cond {
            Some(cond) => self.condition(cond, m.and_then(Option::as_ref), f),
            None => Ok(false),
        }
    }

    /// Whether the conditions hold, and the [`Deps`] of the conditions
    /// that decided it (those evaluated, as `holds` evaluates them): the
    /// reference the fast path ([`Engine::holds_flat`]) is checked against.
    fn holds_why(
        &self,
        conds: &Conditions,
        c: &Compiled,
        f: &Facts<'_>,
    ) -> Result<(bool, Deps), RuleError> {
        let mut deps: Deps = 0;
        let mut k = 0;
        for (cond, m) in conds.all.iter().zip(&c.all) {
            deps |= c.deps.get(k).copied().unwrap_or(D_ANY);
            k += 1;
            if !self.condition(cond, m.as_ref(), f)? {
                return Ok((false, deps));
            }
        }
        if conds.any.is_empty() {
            return Ok((true, deps));
        }
        for (cond, m) in conds.any.iter().zip(&c.any) {
            deps |= c.deps.get(k).copied().unwrap_or(D_ANY);
            k += 1;
            if self.condition(cond, m.as_ref(), f)? {
                return Ok((true, deps));
            }
        }
        Ok((false, deps))
    }

    fn holds(&self, conds: &Conditions, c: &Compiled, f: &Facts<'_>) -> Result<bool, RuleError> {
        for (cond, m) in conds.all.iter().zip(&c.all) {
            if !self.condition(cond, m.as_ref(), f)? {
                return Ok(false);
            }
        }
        if conds.any.is_empty() {
            return Ok(true);
        }
        for (cond, m) in conds.any.iter().zip(&c.any) {
            if self.condition(cond, m.as_ref(), f)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn condition(
        &self,
        cond: &Condition,
        m: Option<&Matcher>,
        f: &Facts<'_>,
    ) -> Result<bool, RuleError> {
        let t = f.ticket;
        Ok(match cond {
            Condition::Status { op, value } => {
                let changes = f.update.iter().filter_map(|e| match &e.kind {
                    EventKind::StatusChanged { from, to } if e.ticket == t.id() => {
                        Some((*from, *to))
                    }
                    _ => None,
                });
                is_op(*op, t.status(), value, changes)
            }
            Condition::Priority { op, value } => {
                let changes = f.update.iter().filter_map(|e| match &e.kind {
                    EventKind::PriorityChanged { from, to } if e.ticket == t.id() => {
                        Some((*from, *to))
                    }
                    _ => None,
                });
                let p = t.priority();
                match op {
                    PriorityOp::Is => value.contains(&p),
                    PriorityOp::IsNot => !value.contains(&p),
                    PriorityOp::AtLeast => value.first().is_some_and(|v| p >= *v),
                    PriorityOp::AtMost => value.first().is_some_and(|v| p <= *v),
                    PriorityOp::Changed => is_op(IsOp::Changed, p, value, changes),
                    PriorityOp::ChangedTo => is_op(IsOp::ChangedTo, p, value, changes),
                    PriorityOp::ChangedFrom => is_op(IsOp::ChangedFrom, p, value, changes),
                }
            }
            Condition::Channel { op, value } => match op {
                IsOp::IsNot => !value.contains(&t.channel()),
                _ => value.contains(&t.channel()),
            },
            Condition::Tags { op, value } => {
                let tags = t.tags();
                match op {
                    TagOp::IncludesAny => value.iter().any(|v| tags.contains(v)),
                    TagOp::IncludesAll => value.iter().all(|v| tags.contains(v)),
                    TagOp::Excludes => !value.iter().any(|v| tags.contains(v)),
                    TagOp::Under => tags.iter().any(|t| value.iter().any(|v| t.is_under(v))),
                    TagOp::NotUnder => !tags.iter().any(|t| value.iter().any(|v| t.is_under(v))),
                    TagOp::Added => f.update.iter().any(|e| match &e.kind {
                        EventKind::TagsAdded { tags } => tags.iter().any(|x| value.contains(x)),
                        EventKind::Opened(o) => o.tags.iter().any(|x| value.contains(x)),
                        _ => false,
                    }),
                    TagOp::Removed => f.update.iter().any(|e| match &e.kind {
                        EventKind::TagsRemoved { tags } => tags.iter().any(|x| value.contains(x)),
                        _ => false,
                    }),
                }
            }
            Condition::TagKind { op, value } => {
                let present = match &self.inner.env.taxonomy {
                    Some(tax) => t.tags().iter().any(|x| tax.kind_of(x) == Some(*value)),
                    None => false,
                };
                match op {
                    PresenceOp::Present => present,
                    PresenceOp::Absent => !present,
                }
            }
            Condition::Group { op, value } => {
                // `changed` reads the update's events (those a rule caused
                // included only when chaining re-evaluates), as `status`
                // and `priority` do.
                let after = last_assigned(f.update, t.id()).map(|(_, g)| g);
                let before = f.before.map(|b| b.group());
                set_op(*op, t.group(), value, changed(before, after))
            }
            Condition::Assignee { op, value } => {
                let after = last_assigned(f.update, t.id()).map(|(a, _)| a);
                let before = f.before.map(|b| b.assignee());
                set_op(*op, t.assignee(), value, changed(before, after))
            }
            Condition::Segment { op, value } => {
                let seg = f.customer.and_then(|c| c.segment.clone());
                set_op(*op, seg, value, false)
            }
            Condition::Origin { value } => {
                let proactive = matches!(t.origin(), crate::model::Origin::Proactive { .. });
                proactive == (*value == OriginIs::Proactive)
            }
            Condition::Message { op, from, .. } => {
                let texts = f.update.iter().enumerate().filter_map(|(i, e)| {
                    let msg = match &e.kind {
                        EventKind::CustomerReplied { message } => message,
                        EventKind::AgentReplied { message } => message,
                        EventKind::NoteAdded { message } => message,
                        EventKind::AutomatedReplySent { message } => message,
                        EventKind::Opened(_) => {
                            return None;
                        }
                        _ => return None,
                    };
                    let ok = match from {
                        MessageFrom::Customer => msg.author.role() == AuthorRole::Customer,
                        MessageFrom::Agent => {
                            msg.author.role() == AuthorRole::Agent
                                && msg.visibility == Visibility::Public
                        }
                        MessageFrom::Any => true,
                    };
                    ok.then_some((Some(i), msg.body.as_str()))
                });
                // A ticket's first message is recorded with the opening.
                let first = f
                    .update
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::Opened(_)))
                    .then(|| first_message(t, *from))
                    .flatten()
                    .map(|text| (None, text));
                let phrases = matches!(m, Some(Matcher::Phrases(_)));
                let pattern_set = match m {
                    Some(Matcher::Pattern(..)) => self.inner.patterns.as_ref(),
                    _ => None,
                };
                let mut any = false;
                for (i, text) in texts.chain(first) {
                    let lower = match (f.lower, i) {
                        (Some(l), Some(i)) if phrases => l
                            .events
                            .get(i)
                            .map(|c| c.get_or_init(|| text.to_lowercase()).as_str()),
                        (Some(l), None) if phrases => lowered_keyed(&l.first, text),
                        _ => None,
                    };
                    let set = match (f.lower, i, pattern_set) {
                        (Some(l), Some(i), Some(ps)) => l
                            .event_sets
                            .get(i)
                            .map(|c| c.get_or_init(|| ps.matches(text))),
                        (Some(l), None, Some(ps)) => set_keyed(&l.first_set, ps, text),
                        _ => None,
                    };
                    if text_matches_with(m, text, lower, set) {
                        any = true;
                        break;
                    }
                }
                match op {
                    TextOp::NotContains => !any,
                    _ => any,
                }
            }
            Condition::Subject { op, .. } => {
                let lower = match f.lower {
                    Some(l) if matches!(m, Some(Matcher::Phrases(_))) => {
                        lowered_keyed(&l.subject, t.subject())
                    }
                    _ => None,
                };
                let set = match (f.lower, m, self.inner.patterns.as_ref()) {
                    (Some(l), Some(Matcher::Pattern(..)), Some(ps)) => {
                        set_keyed(&l.subject_set, ps, t.subject())
                    }
                    _ => None,
                };
                let hit = text_matches_with(m, t.subject(), lower, set);
                match op {
                    TextOp::NotContains => !hit,
                    _ => hit,
                }
            }
            Condition::BusinessHours { calendar, value } => self.open_at(calendar, f)? == *value,
            Condition::TimeSince {
                event,
                op,
                hours,
                minutes,
                calendar,
            } => {
                let Some(elapsed) = self.elapsed_since(*event, calendar.as_deref(), f)? else {
                    return Ok(false);
                };
                let span = i64::from(*hours) * 3600 + i64::from(*minutes) * 60;
                match op {
                    SinceOp::AtLeast => elapsed >= span,
                    SinceOp::LessThan => elapsed < span,
                }
            }
            Condition::Sla { metric, op, value } => {
                let state = self.sla_state(t, &f.history.joined(), metric, f.at)?;
                let hit = value.contains(&state)
                    || (value.contains(&SlaState::Warned) && self.warned(t, metric, state));
                match op {
                    IsOp::IsNot => !hit,
                    _ => hit,
                }
            }
            Condition::Satisfaction { op, value } => match t.satisfaction() {
                None => false,
                Some(r) => match op {
                    NumOp::AtLeast => r.score.score() >= *value,
                    NumOp::AtMost => r.score.score() <= *value,
                },
            },
        })
    }

    /// Whether `calendar` is open at the evaluation's instant (one answer
    /// per calendar per evaluation, kept in `f.lower`).
    fn open_at(&self, calendar: &str, f: &Facts<'_>) -> Result<bool, RuleError> {
        let cached = f.lower.and_then(|l| {
            l.timing
                .borrow()
                .open
                .iter()
                .find(|(c, _)| c == calendar)
                .map(|(_, o)| *o)
        });
        if let Some(o) = cached {
            return Ok(o);
        }
        let cal = self.calendar("", calendar)?;
        let o = cal.is_open(f.at).map_err(|e| RuleError::Calendar {
            rule: String::new(),
            source: e,
        })?;
        if let Some(l) = f.lower {
            l.timing.borrow_mut().open.push((calendar.to_owned(), o));
        }
        Ok(o)
    }

    /// The seconds from the ticket's `event` anchor to the evaluation's
    /// instant (0 when the anchor is not before it), in business time on
    /// `calendar` or calendar time; `None` when the ticket has no such
    /// anchor. Kept in `f.lower` by the ticket's version.
    fn elapsed_since(
        &self,
        event: Anchor,
        calendar: Option<&str>,
        f: &Facts<'_>,
    ) -> Result<Option<i64>, RuleError> {
        let t = f.ticket;
        let version = t.version();
        let cached = f.lower.and_then(|l| {
            l.timing
                .borrow()
                .anchors
                .iter()
                .find(|(v, k, _)| *v == version && *k == event)
                .map(|(_, _, a)| *a)
        });
        let anchor = match cached {
            Some(a) => a,
            None => {
                let a = anchor_of(event, t, f.history);
                if let Some(l) = f.lower {
                    l.timing.borrow_mut().anchors.push((version, event, a));
                }
                a
            }
        };
        let Some(a) = anchor else {
            return Ok(None);
        };
        let cached = f.lower.and_then(|l| {
            l.timing
                .borrow()
                .elapsed
                .iter()
                .find(|(v, k, c, _)| *v == version && *k == event && c.as_deref() == calendar)
                .map(|(.., e)| *e)
        });
        if let Some(e) = cached {
            return Ok(Some(e));
        }
        let e =
            if a >= f.at {
                0
            } else {
                match calendar {
                    Some(name) => self.calendar("", name)?.elapsed(a, f.at).map_err(|e| {
                        RuleError::Calendar {
                            rule: String::new(),
                            source: e,
                        }
                    })?,
                    None => (f.at - a).num_seconds(),
                }
            };
        if let Some(l) = f.lower {
            l.timing
                .borrow_mut()
                .elapsed
                .push((version, event, calendar.map(str::to_owned), e));
        }
        Ok(Some(e))
    }

    fn sla_state(
        &self,
        t: &Ticket,
        history: &[Event],
        metric: &str,
        at: DateTime<Utc>,
    ) -> Result<SlaState, RuleError> {
        let Some(policy) = t.sla_policy() else {
            return Ok(SlaState::None);
        };
        let report = sla::evaluate(history, &self.inner.env.calendars, at, Some(policy))
            .map_err(RuleError::Sla)?;
        Ok(match report.latest(metric) {
            None => SlaState::None,
            Some(r) => match r.state {
                TargetState::Running => SlaState::Running,
                TargetState::Paused => SlaState::Paused,
                TargetState::Fulfilled => SlaState::Fulfilled,
                TargetState::Breached => SlaState::Breached,
                TargetState::Cancelled => SlaState::Cancelled,
            },
        })
    }

    fn warned(&self, t: &Ticket, metric: &str, state: SlaState) -> bool {
        matches!(state, SlaState::Running | SlaState::Paused)
            && t.sla_alerts()
                .iter()
                .filter(|k| k.metric == metric && matches!(k.point, AlertPoint::Warning(_)))
                .max_by_key(|k| k.cycle)
                .is_some_and(|k| {
                    let latest = t
                        .sla_alerts()
                        .iter()
                        .filter(|x| x.metric == metric)
                        .map(|x| x.cycle)
                        .max();
                    latest == Some(k.cycle)
                })
    }

    /// Fires a rule; `Ok(None)` when its actions change nothing (it does
    /// not count as fired), `Err(reason)` when they are refused.
    #[allow(clippy::too_many_arguments)]
    fn fire(
        &self,
        state: &Ticket,
        history: Ev<'_>,
        customer: Option<&Customer>,
        firing: RuleFiring,
        actions: &[RuleAction],
        lead: Option<(AgentId, Vec<Command>)>,
        ctx: &Context<'_>,
    ) -> Result<Option<(Decision, Ticket)>, String> {
        let (d, t) = self.fire_state(state, history, customer, firing, actions, lead, ctx)?;
        let caused = d.events.len().saturating_sub(1);
        Ok((caused > 0 || !d.notifications.is_empty()).then_some((d, t)))
    }

    /// Fires a rule whatever its actions change: the decision.
    #[allow(clippy::too_many_arguments)]
    fn fire_always(
        &self,
        state: &Ticket,
        history: Ev<'_>,
        customer: Option<&Customer>,
        firing: RuleFiring,
        actions: &[RuleAction],
        lead: Option<(AgentId, Vec<Command>)>,
        ctx: &Context<'_>,
    ) -> Result<Decision, String> {
        self.fire_state(state, history, customer, firing, actions, lead, ctx)
            .map(|(d, _)| d)
    }

    /// [`Engine::fire_always`], and the ticket with the decision's events
    /// applied.
    #[allow(clippy::too_many_arguments)]
    fn fire_state(
        &self,
        state: &Ticket,
        history: Ev<'_>,
        customer: Option<&Customer>,
        firing: RuleFiring,
        actions: &[RuleAction],
        lead: Option<(AgentId, Vec<Command>)>,
        ctx: &Context<'_>,
    ) -> Result<(Decision, Ticket), String> {
        let bot = || format!("rule:{}", firing.rule);
        let agent = lead.as_ref().map(|(a, _)| *a);
        let mut commands: Vec<Command> = lead.map(|(_, c)| c).unwrap_or_default();
        let mut notices: Vec<(EscalateTo, String)> = Vec::new();
        let mut status = state.status();
        let mut priority = state.priority();
        let mut assignee = state.assignee();
        let mut group = state.group();
        // Copied only when an action changes the tags.
        let mut tags: Cow<'_, BTreeSet<Tag>> = Cow::Borrowed(state.tags());
        for a in actions {
            match a {
                RuleAction::SetStatus { value } => {
                    if *value != status {
                        commands.push(Command::ChangeStatus { to: *value });
                        status = *value;
                    }
                }
                RuleAction::SetPriority { value } => {
                    if *value != priority {
                        commands.push(Command::SetPriority { priority: *value });
                        priority = *value;
                    }
                }
                RuleAction::SetGroup { value } => {
                    if *value != group {
                        group = *value;
                        commands.push(Command::Assign {
                            agent: assignee,
                            group,
                        });
                    }
                }
                RuleAction::SetAssignee { value } => {
                    if *value != assignee {
                        assignee = *value;
                        commands.push(Command::Assign {
                            agent: assignee,
                            group,
                        });
                    }
                }
                RuleAction::AddTags { value } => {
                    let new: Vec<Tag> = value
                        .iter()
                        .filter(|t| !tags.contains(*t))
                        .cloned()
                        .collect();
                    if !new.is_empty() {
                        tags.to_mut().extend(new.iter().cloned());
                        commands.push(Command::AddTags { tags: new });
                    }
                }
                RuleAction::RemoveTags { value } => {
                    let gone: Vec<Tag> = value
                        .iter()
                        .filter(|t| tags.contains(*t))
                        .cloned()
                        .collect();
                    if !gone.is_empty() {
                        let tags = tags.to_mut();
                        for t in &gone {
                            tags.remove(t);
                        }
                        commands.push(Command::RemoveTags { tags: gone });
                    }
                }
                RuleAction::AddNote { template, text } => {
                    let body = match (template, text) {
                        (Some(id), _) => {
                            self.render(id, state, history, customer, agent, ctx.now, false)?
                        }
                        (None, Some(text)) => text.clone(),
                        (None, None) => return Err("add_note has neither template nor text".into()),
                    };
                    commands.push(Command::AutomatedNote { bot: bot(), body });
                }
                RuleAction::Reply { template } => {
                    let body =
                        self.render(template, state, history, customer, agent, ctx.now, true)?;
                    commands.push(Command::AutomatedReply { bot: bot(), body });
                }
                RuleAction::Notify { to, template, text } => {
                    let body = match (template, text) {
                        (Some(id), _) => {
                            self.render(id, state, history, customer, agent, ctx.now, false)?
                        }
                        (None, Some(text)) => text.clone(),
                        (None, None) => return Err("notify has neither template nor text".into()),
                    };
                    let to = match to {
                        NotifyTo::Owner => EscalateTo::Owner,
                        NotifyTo::Team => EscalateTo::Team,
                        NotifyTo::Agent(a) => EscalateTo::Agent(*a),
                        NotifyTo::Group(g) => EscalateTo::Group(*g),
                    };
                    notices.push((to, body));
                }
                RuleAction::ApplySlaPolicy { policy } => {
                    let Some(p) = self.policy(policy) else {
                        return Err(format!("no SLA policy `{policy}`"));
                    };
                    if state
                        .sla_policy()
                        .is_none_or(|cur| cur.id != p.id || cur.version != p.version)
                    {
                        commands.push(Command::ApplySlaPolicy {
                            policy: Box::new(p.clone()),
                        });
                    }
                }
            }
        }
        ticket::fire_rule_state(state, firing, &commands, &notices, ctx).map_err(|e| e.to_string())
    }

    fn policy(&self, id: &str) -> Option<&SlaPolicy> {
        let set = self.inner.env.policies.as_ref()?;
        set.policies
            .iter()
            .chain(std::iter::once(&set.fallback))
            .find(|p| p.id == id)
    }

    /// Renders a template from the customer's view of the ticket only: in
    /// the requester's language and zone for what the customer reads
    /// (`for_customer`), in the book's for what agents read (notes and
    /// notices).
    #[allow(clippy::too_many_arguments)]
    fn render(
        &self,
        template: &str,
        ticket: &Ticket,
        history: Ev<'_>,
        customer: Option<&Customer>,
        agent: Option<AgentId>,
        now: DateTime<Utc>,
        for_customer: bool,
    ) -> Result<String, String> {
        let book = &self.inner.book;
        let view = CustomerTicketView::of(ticket);
        let reader = if for_customer { customer } else { None };
        let locale = reader
            .and_then(|c| c.locale.clone())
            .unwrap_or_else(|| book.default_locale.clone());
        let zone = reader.and_then(|c| c.time_zone).unwrap_or(book.time_zone);
        let mut ctx = RenderContext::new(&view).time_zone(zone);
        if let Some(name) = customer.and_then(|c| c.name.as_deref()) {
            ctx = ctx.customer_name(name);
        }
        if let Some(name) = agent
            .or(ticket.assignee())
            .and_then(|a| book.agents.get(&a))
        {
            ctx = ctx.agent_name(name);
        }
        if let Some(company) = &book.company_name {
            ctx = ctx.company_name(company);
        }
        if let Some(policy) = ticket.sla_policy() {
            if let Ok(report) = sla::evaluate(
                &history.joined(),
                &self.inner.env.calendars,
                now,
                Some(policy),
            ) {
                if let Some(deadline) = report.nearest().and_then(|t| t.deadline) {
                    ctx = ctx.next_deadline(deadline);
                }
            }
        }
        self.inner
            .env
            .templates
            .render(template, &locale, &ctx)
            .map(|r| r.text)
            .map_err(|e| e.to_string())
    }
}

/// Automations never run on closed or merged tickets (as in Zendesk: a
/// closed ticket takes no more updates).
fn automatable(t: &Ticket) -> bool {
    t.status() != Status::Closed && t.merged_into().is_none()
}

fn fired_of(d: &Decision, kind: RuleKind, ticket: crate::id::TicketId) -> Fired {
    let (rule, pass, due, events) = match d.events.first().map(|e| &e.kind) {
        Some(EventKind::RuleFired { firing }) => {
            (firing.rule.clone(), firing.pass, firing.due, firing.events)
        }
        _ => (String::new(), None, None, 0),
    };
    Fired {
        rule,
        kind,
        ticket,
        pass,
        due,
        events,
        notifications: d.notifications.len(),
    }
}

fn first_message(t: &Ticket, from: MessageFrom) -> Option<&str> {
    let m: &Message = t.messages().first()?;
    let ok = match from {
        MessageFrom::Customer => m.author.role() == AuthorRole::Customer,
        MessageFrom::Agent => m.author.role() == AuthorRole::Agent,
        MessageFrom::Any => true,
    };
    ok.then_some(m.body.as_str())
}

fn text_matches(m: Option<&Matcher>, text: &str) -> bool {
    match m {
        Some(Matcher::Pattern(re, _)) => re.is_match(text),
        Some(Matcher::Phrases(ps)) => {
            let lower = text.to_lowercase();
            ps.iter().any(|p| lower.contains(p.as_str()))
        }
        None => false,
    }
}

fn is_op<T: PartialEq + Copy>(
    op: IsOp,
    current: T,
    value: &[T],
    mut changes: impl Iterator<Item = (T, T)>,
) -> bool {
    match op {
        IsOp::Is => value.contains(&current),
        IsOp::IsNot => !value.contains(&current),
        IsOp::Changed => changes.next().is_some(),
        IsOp::ChangedTo => changes.any(|(_, to)| value.contains(&to)),
        IsOp::ChangedFrom => changes.any(|(from, _)| value.contains(&from)),
    }
}

/// Whether a set operator holds on `current` (`changed`: whether the
/// update changed the field); the flat form uses it with `changed` false.
#[inline]
pub(super) fn set_op<T: PartialEq>(
    op: SetOp,
    current: Option<T>,
    value: &[T],
    changed: bool,
) -> bool {
    match op {
        SetOp::Is => current.is_some_and(|c| value.contains(&c)),
        SetOp::IsNot => !current.is_some_and(|c| value.contains(&c)),
        SetOp::IsSet => current.is_some(),
        SetOp::NotSet => current.is_none(),
        SetOp::Changed => changed,
    }
}

/// The assignment the last `Assigned` event of `events` on ticket `id` set.
fn last_assigned(
    events: Ev<'_>,
    id: crate::id::TicketId,
) -> Option<(Option<AgentId>, Option<crate::id::GroupId>)> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Assigned(a) if e.ticket == id => Some((a.agent, a.group)),
        _ => None,
    })
}

/// Whether a value went from `before` (`None`: the ticket is new) to
/// `after` (`None`: no event set it).
fn changed<T: PartialEq>(before: Option<Option<T>>, after: Option<Option<T>>) -> bool {
    match (before, after) {
        (_, None) => false,
        (Some(b), Some(a)) => b != a,
        (None, Some(a)) => a.is_some(),
    }
}

/// The instant of the last event of `history` on the ticket that no
/// trigger or automation caused (a macro's count as the agent's): one
/// pass forward, reading the causes as [`ticket::causes`] does.
fn last_update(t: &Ticket, history: Ev<'_>) -> Option<DateTime<Utc>> {
    let mut current: Option<(&RuleFiring, u32)> = None;
    let mut last = None;
    for e in history.iter() {
        let by_rule = match &e.kind {
            EventKind::RuleFired { firing } => {
                current = (firing.events > 0).then_some((&**firing, firing.events));
                firing.kind != RuleKind::Macro
            }
            _ => match current {
                Some((f, left)) => {
                    current = (left > 1).then_some((f, left - 1));
                    f.kind != RuleKind::Macro
                }
                None => false,
            },
        };
        if e.ticket == t.id() && !by_rule {
            last = Some(e.at);
        }
    }
    last
}

/// The instant an anchor names on the ticket, if it has one.
fn anchor_of(anchor: Anchor, t: &Ticket, history: Ev<'_>) -> Option<DateTime<Utc>> {
    let last = |pred: &dyn Fn(&EventKind) -> bool| {
        history
            .iter()
            .rev()
            .find(|e| e.ticket == t.id() && pred(&e.kind))
            .map(|e| e.at)
    };
    match anchor {
        Anchor::Created => Some(t.created_at()),
        // The last change a person or a channel made (a macro is an
        // agent's change): what triggers and automations did does not
        // count, so "a day since the last update" does not restart after
        // the automation's own firing.
        Anchor::Updated => last_update(t, history).or(Some(t.updated_at())),
        Anchor::StatusChanged => {
            last(&|k| matches!(k, EventKind::StatusChanged { .. })).or(Some(t.created_at()))
        }
        Anchor::Assigned => last(&|k| matches!(k, EventKind::Assigned(_))),
        Anchor::CustomerReplied => t
            .messages()
            .iter()
            .rev()
            .find(|m| matches!(m.author, Author::Customer(c) if c == t.customer()))
            .map(|m| m.at),
        Anchor::AgentReplied => t
            .messages()
            .iter()
            .rev()
            .find(|m| m.author.role() == AuthorRole::Agent && m.visibility == Visibility::Public)
            .map(|m| m.at),
        Anchor::Solved => match t.status() {
            Status::Solved | Status::Closed => t.solved_at(),
            _ => None,
        },
    }
}

fn compile<'a>(
    rules: impl Iterator<Item = (usize, i64, &'a str, u32, &'a Conditions)>,
    kind: &'static str,
) -> Result<Vec<Compiled>, RuleError> {
    let mut out: Vec<(i64, &str, Compiled)> = Vec::new();
    for (index, position, id, on, conds) in rules {
        let all = conds
            .all
            .iter()
            .map(|c| matcher(kind, id, c))
            .collect::<Result<Vec<_>, _>>()?;
        let any = conds
            .any
            .iter()
            .map(|c| matcher(kind, id, c))
            .collect::<Result<Vec<_>, _>>()?;
        let deps = conds.iter().map(deps_of).collect();
        out.push((
            position,
            id,
            Compiled {
                index,
                on,
                all,
                any,
                deps,
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    Ok(out.into_iter().map(|(_, _, c)| c).collect())
}

/// What a time key reads.
#[derive(Debug, Clone, PartialEq)]
enum TimedSrc {
    /// Whether the calendar is open at the evaluation's instant.
    Open(String),
    /// The time since the anchor, on the calendar if any.
    Since(Anchor, Option<String>),
}

/// A time key's test on what its [`TimedSrc`] reads.
#[derive(Debug, Clone, Copy)]
enum TimedTest {
    /// `business_hours` is this.
    Open(bool),
    /// `time_since` compares the seconds elapsed with this span.
    Since(SinceOp, i64),
}

/// The value of a [`TimedSrc`] in one pass.
#[derive(Debug, Clone, Copy)]
enum TimedVal {
    Open(bool),
    Since(Option<i64>),
    /// Reading it failed: the keyed triggers are visited, their
    /// evaluation raises the error.
    Failed,
}

/// What a trigger is keyed on instead of its plain-data key, if anything.
enum TextKey {
    None,
    /// A message `contains` condition: its phrases' ids.
    Phrases(Vec<u32>),
    /// A message `matches` condition: its pattern's index in the engine's
    /// [`RegexSet`].
    Pattern(usize),
}

/// The phrases the index keys triggers on, and per trigger (in the
/// engine's order) the ids of the phrases of the message `contains`
/// condition it is keyed on: the first `all` one before any condition that
/// can fail, for a trigger without a plain-data key accepting at most a
/// quarter of the tickets.
fn text_keys(
    book: &RuleBook,
    triggers: &[Compiled],
    plans: &[Plan],
    patterns: Option<&RegexSet>,
) -> (Vec<String>, Vec<TextKey>) {
    let mut phrases: BTreeMap<String, u32> = BTreeMap::new();
    let mut keys = Vec::with_capacity(triggers.len());
    for (c, plan) in triggers.iter().zip(plans) {
        let good = plan
            .key
            .and_then(flat::selectivity)
            .is_some_and(|s| s <= 0.25);
        let conds = book.triggers.get(c.index).map(|t| &t.conditions.all);
        let found = match conds {
            Some(all) if !good => all
                .iter()
                .zip(&c.all)
                .take_while(|(cond, _)| !flat::fallible(cond))
                .find_map(|(cond, m)| match (cond, m) {
                    (
                        Condition::Message {
                            op: TextOp::Contains,
                            ..
                        },
                        Some(Matcher::Phrases(ps)),
                    ) if !ps.is_empty() && ps.iter().all(|p| !p.is_empty()) => Some(Ok(ps)),
                    (
                        Condition::Message {
                            op: TextOp::Matches,
                            ..
                        },
                        Some(Matcher::Pattern(_, i)),
                    ) if patterns.is_some_and(|set| *i < set.len()) => Some(Err(*i)),
                    _ => None,
                }),
            _ => None,
        };
        keys.push(match found {
            Some(Ok(ps)) => TextKey::Phrases(
                ps.iter()
                    .map(|p| {
                        let next = u32::try_from(phrases.len()).unwrap_or(u32::MAX);
                        *phrases.entry(p.clone()).or_insert(next)
                    })
                    .collect(),
            ),
            Some(Err(i)) => TextKey::Pattern(i),
            None => TextKey::None,
        });
    }
    let mut list: Vec<(u32, String)> = phrases.into_iter().map(|(p, i)| (i, p)).collect();
    list.sort();
    (list.into_iter().map(|(_, p)| p).collect(), keys)
}

/// Numbers the triggers' patterns and builds one set of them all. When
/// the set cannot be built within the limits the patterns keep running one
/// by one (the results are the same).
fn pattern_set(mut triggers: Vec<Compiled>) -> (Vec<Compiled>, Option<RegexSet>) {
    let mut sources: Vec<String> = Vec::new();
    for c in &mut triggers {
        for m in c.all.iter_mut().chain(c.any.iter_mut()).flatten() {
            if let Matcher::Pattern(re, i) = m {
                *i = sources.len();
                sources.push(re.as_str().to_owned());
            }
        }
    }
    if sources.is_empty() {
        return (triggers, None);
    }
    let set = RegexSetBuilder::new(&sources)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT.saturating_mul(8))
        .dfa_size_limit(REGEX_SIZE_LIMIT.saturating_mul(8))
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .ok();
    (triggers, set)
}

fn matcher(kind: &'static str, id: &str, c: &Condition) -> Result<Option<Matcher>, RuleError> {
    let (op, value) = match c {
        Condition::Message { op, value, .. } | Condition::Subject { op, value } => (op, value),
        _ => return Ok(None),
    };
    match op {
        TextOp::Matches => {
            let [pattern] = value.as_slice() else {
                return Err(RuleError::Invalid {
                    kind,
                    id: id.to_owned(),
                    reason: format!("`matches` takes one pattern, got {}", value.len()),
                });
            };
            if pattern.len() > MAX_PATTERN_BYTES {
                return Err(RuleError::Pattern {
                    rule: id.to_owned(),
                    pattern: pattern.chars().take(60).collect(),
                    reason: format!(
                        "{} bytes, over the limit of {MAX_PATTERN_BYTES}",
                        pattern.len()
                    ),
                });
            }
            let re = RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .nest_limit(REGEX_NEST_LIMIT)
                .build()
                .map_err(|e| RuleError::Pattern {
                    rule: id.to_owned(),
                    pattern: pattern.chars().take(60).collect(),
                    reason: e.to_string(),
                })?;
            Ok(Some(Matcher::Pattern(re, usize::MAX)))
        }
        TextOp::Contains | TextOp::NotContains => Ok(Some(Matcher::Phrases(
            value.iter().map(|p| p.to_lowercase()).collect(),
        ))),
    }
}

fn validate(book: &RuleBook, env: &Env) -> Result<(), RuleError> {
    let total = book.triggers.len() + book.automations.len() + book.macros.len();
    if total > MAX_RULES {
        return Err(RuleError::TooMany {
            what: "rules",
            count: total,
            max: MAX_RULES,
        });
    }
    if book.semantics.max_passes == 0 {
        return Err(RuleError::Invalid {
            kind: "semantics",
            id: String::new(),
            reason: "max_passes must be at least 1".into(),
        });
    }
    if book.budget.max_automation_tickets_per_sweep == 0 {
        // A sweep that may fire nothing leaves its due tickets due at an
        // instant past: a host sweeping when `next_wakeup` says would spin.
        return Err(RuleError::Invalid {
            kind: "budget",
            id: String::new(),
            reason: "max_automation_tickets_per_sweep must be at least 1 (to pause automations, make them inactive)".into(),
        });
    }
    let mut seen: BTreeSet<(&'static str, String)> = BTreeSet::new();
    let mut check_rule = |kind: &'static str,
                          id: &str,
                          name: &str,
                          conds: Option<&Conditions>,
                          actions: &[RuleAction],
                          needs_action: bool|
     -> Result<(), RuleError> {
        check_id(kind, id)?;
        if !seen.insert((kind, id.to_owned())) {
            return Err(RuleError::DuplicateId {
                kind,
                id: id.to_owned(),
            });
        }
        if name.trim().is_empty() {
            return Err(RuleError::Invalid {
                kind,
                id: id.to_owned(),
                reason: "the name is empty".into(),
            });
        }
        if needs_action && actions.is_empty() {
            return Err(RuleError::Invalid {
                kind,
                id: id.to_owned(),
                reason: "no actions".into(),
            });
        }
        if actions.len() > MAX_ACTIONS {
            return Err(RuleError::TooMany {
                what: "actions in one rule",
                count: actions.len(),
                max: MAX_ACTIONS,
            });
        }
        if let Some(conds) = conds {
            let n = conds.all.len() + conds.any.len();
            if n > MAX_CONDITIONS {
                return Err(RuleError::TooMany {
                    what: "conditions in one rule",
                    count: n,
                    max: MAX_CONDITIONS,
                });
            }
            for c in conds.iter() {
                check_condition(kind, id, c, env)?;
            }
        }
        for a in actions {
            check_action(kind, id, a, env)?;
        }
        Ok(())
    };
    for t in &book.triggers {
        check_rule(
            "trigger",
            &t.id,
            &t.name,
            Some(&t.conditions),
            &t.actions,
            true,
        )?;
    }
    for a in &book.automations {
        check_rule(
            "automation",
            &a.id,
            &a.name,
            Some(&a.conditions),
            &a.actions,
            true,
        )?;
        if let Some(cal) = &a.after.calendar {
            if env.calendars.get(cal).is_none() {
                return Err(RuleError::UnknownCalendar {
                    rule: a.id.clone(),
                    calendar: cal.clone(),
                });
            }
        }
        if a.after.hours == 0 && a.after.minutes == 0 {
            return Err(RuleError::Invalid {
                kind: "automation",
                id: a.id.clone(),
                reason: "`after` is zero: an automation needs a delay".into(),
            });
        }
    }
    for m in &book.macros {
        check_rule("macro", &m.id, &m.name, None, &m.actions, false)?;
        if m.reply.is_none() && m.actions.is_empty() && m.then.is_none() {
            return Err(RuleError::Invalid {
                kind: "macro",
                id: m.id.clone(),
                reason: "no reply, status or actions".into(),
            });
        }
        if let Some(t) = &m.reply {
            if env.templates.get(t).is_none() {
                return Err(RuleError::UnknownTemplate {
                    rule: m.id.clone(),
                    template: t.clone(),
                });
            }
        }
    }
    Ok(())
}

fn check_condition(
    kind: &'static str,
    id: &str,
    c: &Condition,
    env: &Env,
) -> Result<(), RuleError> {
    let invalid = |reason: String| RuleError::Invalid {
        kind,
        id: id.to_owned(),
        reason,
    };
    match c {
        Condition::Status { op, value } if !matches!(op, IsOp::Changed) && value.is_empty() => {
            return Err(invalid("condition on `status` has no value".into()));
        }
        Condition::Priority { op, value } => match op {
            PriorityOp::AtLeast | PriorityOp::AtMost if value.len() != 1 => {
                return Err(invalid(format!(
                    "`priority` `{op:?}` takes one value, got {}",
                    value.len()
                )));
            }
            PriorityOp::Changed => {}
            _ if value.is_empty() => {
                return Err(invalid("condition on `priority` has no value".into()));
            }
            _ => {}
        },
        Condition::Channel { op, value } => {
            if !matches!(op, IsOp::Is | IsOp::IsNot) {
                return Err(invalid(format!(
                    "`channel` takes `is` or `is_not`, not `{op:?}` (a ticket keeps its channel)"
                )));
            }
            if value.is_empty() {
                return Err(invalid("condition on `channel` has no value".into()));
            }
        }
        Condition::Tags { value, .. } if value.is_empty() => {
            return Err(invalid("condition on `tags` has no value".into()));
        }
        Condition::TagKind { .. } if env.taxonomy.is_none() => {
            return Err(RuleError::NeedsTaxonomy {
                rule: id.to_owned(),
            });
        }
        Condition::Group { op, .. } | Condition::Assignee { op, .. }
            if matches!(op, SetOp::Is | SetOp::IsNot) && value_is_empty(c) =>
        {
            return Err(invalid(format!("`{op:?}` needs a value")));
        }
        Condition::Segment { op, value }
            if matches!(op, SetOp::Is | SetOp::IsNot) && value.is_empty() =>
        {
            return Err(invalid("condition on `segment` has no value".into()));
        }
        Condition::Message { value, .. } | Condition::Subject { value, .. } => {
            if value.is_empty() || value.iter().any(|v| v.is_empty()) {
                return Err(invalid("a text condition has an empty phrase".into()));
            }
            if let Some(v) = value.iter().find(|v| v.len() > MAX_PATTERN_BYTES) {
                return Err(RuleError::Pattern {
                    rule: id.to_owned(),
                    pattern: v.chars().take(60).collect(),
                    reason: format!("{} bytes, over the limit of {MAX_PATTERN_BYTES}", v.len()),
                });
            }
        }
        Condition::BusinessHours { calendar, .. }
        | Condition::TimeSince {
            calendar: Some(calendar),
            ..
        } if env.calendars.get(calendar).is_none() => {
            return Err(RuleError::UnknownCalendar {
                rule: id.to_owned(),
                calendar: calendar.clone(),
            });
        }
        Condition::Sla { op, value, metric } => {
            if !matches!(op, IsOp::Is | IsOp::IsNot) {
                return Err(invalid(format!(
                    "`sla` takes `is` or `is_not`, not `{op:?}`"
                )));
            }
            if value.is_empty() || metric.is_empty() {
                return Err(invalid(
                    "condition on `sla` needs a metric and a state".into(),
                ));
            }
        }
        Condition::Satisfaction { value, .. } if !(1..=5).contains(value) => {
            return Err(invalid(format!(
                "satisfaction {value} is not between 1 and 5"
            )));
        }
        _ => {}
    }
    Ok(())
}

fn value_is_empty(c: &Condition) -> bool {
    match c {
        Condition::Group { value, .. } => value.is_empty(),
        Condition::Assignee { value, .. } => value.is_empty(),
        _ => false,
    }
}

fn check_action(kind: &'static str, id: &str, a: &RuleAction, env: &Env) -> Result<(), RuleError> {
    let invalid = |reason: String| RuleError::Invalid {
        kind,
        id: id.to_owned(),
        reason,
    };
    let template = |t: &str| {
        if env.templates.get(t).is_none() {
            Err(RuleError::UnknownTemplate {
                rule: id.to_owned(),
                template: t.to_owned(),
            })
        } else {
            Ok(())
        }
    };
    match a {
        RuleAction::SetStatus { value: Status::New } => {
            return Err(invalid(
                "`set_status` to `new`: no ticket moves back to new".into(),
            ));
        }
        RuleAction::AddTags { value } | RuleAction::RemoveTags { value } if value.is_empty() => {
            return Err(invalid("a tag action names no tags".into()));
        }
        RuleAction::AddNote { template: t, text }
        | RuleAction::Notify {
            template: t, text, ..
        } => match (t, text) {
            (Some(t), None) => template(t)?,
            (None, Some(text)) if !text.trim().is_empty() => {}
            _ => {
                return Err(invalid(
                    "a note or notice needs exactly one of `template` and a non-empty `text`"
                        .into(),
                ));
            }
        },
        RuleAction::Reply { template: t } => template(t)?,
        RuleAction::ApplySlaPolicy { policy } => {
            let known = env.policies.as_ref().is_some_and(|set| {
                set.policies
                    .iter()
                    .chain(std::iter::once(&set.fallback))
                    .any(|p| &p.id == policy)
            });
            if !known {
                return Err(RuleError::UnknownPolicy {
                    rule: id.to_owned(),
                    policy: policy.clone(),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(all(test, feature = "testing"))]
mod fast_props;
