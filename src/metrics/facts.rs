//! The per-ticket summary every metric is computed from, derived once from a
//! ticket's events with the SLA engine's own clocks.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{DaySeconds, unix_seconds};
use crate::channel::Channel;
use crate::id::{CustomerId, TicketId};
use crate::metrics::direct::DirectClocks;
use crate::metrics::error::MetricsError;
use crate::model::{LocalTags, Visibility};
use crate::sla::{
    self, Calendars, Clockwork, CycleEnd, CycleJudge, MetricDef, SlaError, SlaPolicy, Target,
    TargetState, TimeBasis, Timeline,
};
use crate::ticket::{
    AuthorRole, Ces, Csat, Event, EventKind, Origin, Priority, Status, Tag, TicketOpened,
};

/// A time taken, in calendar seconds and, when a business calendar was
/// named, in business seconds of that calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Elapsed {
    /// Calendar (wall-clock) seconds, pauses of the metric left out.
    pub seconds: u64,
    /// Business seconds on the named calendar, pauses left out.
    pub business_seconds: Option<u64>,
}

impl Elapsed {
    /// A calendar-time duration without a business figure.
    pub const fn new(seconds: u64) -> Self {
        Elapsed {
            seconds,
            business_seconds: None,
        }
    }

    /// The same with a business-time figure.
    pub const fn with_business(mut self, business_seconds: u64) -> Self {
        self.business_seconds = Some(business_seconds);
        self
    }
}

/// A satisfaction answer as the metrics see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatFact {
    /// The score (the latest answer; a new one replaces it).
    pub score: Csat,
    /// When it was given (Unix seconds).
    pub at: i64,
    /// The customer's comment.
    pub comment: Option<String>,
    /// For a low score (1 or 2): seconds from the answer to the first human
    /// agent action on the ticket after it (a public reply or an internal
    /// note), if there was one by the instant of the facts.
    pub followed_up_in: Option<u64>,
}

impl CsatFact {
    /// An answer without comment or follow-up.
    pub fn new(score: Csat, at: i64) -> Self {
        CsatFact {
            score,
            at,
            comment: None,
            followed_up_in: None,
        }
    }

    /// A score of 1 or 2: kept with its comment for follow-up.
    pub fn is_low(&self) -> bool {
        self.score.score() <= 2
    }
}

/// Everything the metrics need from one ticket, derived once from its
/// events at an instant ([`TicketFacts::from_events`]): a compact summary
/// (no message bodies, no internal notes) that aggregates read in a few
/// nanoseconds and that can be stored, sent between shards, or built by a
/// host from its own data.
///
/// Times are Unix seconds (UTC). Durations come from the SLA engine's
/// [`Timeline`] with the metric presets, so they match what
/// [`sla::evaluate`] reports for the same events:
///
/// | fact | SLA preset | taken from |
/// |---|---|---|
/// | `first_reply`, `first_reply_waiting` | [`MetricDef::first_reply`] | cycle 0, fulfilled / still running |
/// | `next_replies` | [`MetricDef::next_reply`] | every fulfilled cycle |
/// | `resolution` | [`MetricDef::total_resolution`] | the fulfilled cycle |
/// | `agent_work` | [`MetricDef::agent_work`] | the fulfilled cycle |
///
/// Bot and automated replies never count: they fulfil none of these
/// presets, and `agent_replies` counts only human agents' public replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketFacts {
    /// The ticket.
    pub ticket: TicketId,
    /// The requester.
    pub customer: CustomerId,
    /// The channel it was opened on.
    pub channel: Channel,
    /// Its priority at the instant.
    pub priority: Priority,
    /// We contacted the customer first (no first-reply clock).
    pub proactive: bool,
    /// Its status at the instant.
    pub status: Status,
    /// When it was opened.
    pub created_at: i64,
    /// The instant the facts describe (later events are ignored).
    pub as_of: i64,
    /// When its latest event (up to the instant) happened.
    pub last_event_at: i64,
    /// First reply time, when a human agent has replied.
    pub first_reply: Option<Elapsed>,
    /// The wait so far, while no human agent has replied and the clock
    /// still runs (or is paused).
    pub first_reply_waiting: Option<Elapsed>,
    /// The first-reply target of the ticket's own SLA policy: met
    /// (`Fulfilled`), `Breached`, still `Running`/`Paused`, or `Cancelled`;
    /// `None` without a policy or a first-reply target.
    pub first_reply_sla: Option<TargetState>,
    /// Next reply times (each customer message after the first reply to the
    /// agent reply answering it), fulfilled cycles only.
    pub next_replies: Vec<Elapsed>,
    /// When it was (last) resolved, if it is resolved at the instant.
    pub resolved_at: Option<i64>,
    /// Resolution time (creation to solved, time spent solved before a
    /// reopen left out), if resolved.
    pub resolution: Option<Elapsed>,
    /// Agent work time (time in new and open), if resolved.
    pub agent_work: Option<Elapsed>,
    /// Public replies by human agents.
    pub agent_replies: u32,
    /// Automated and bot replies (never counted as agent work).
    pub bot_replies: u32,
    /// It was solved at least once.
    pub solved_ever: bool,
    /// How many times it went from solved back to unsolved.
    pub reopens: u32,
    /// Its statuses over time: `(since, status)`, oldest first, starting
    /// with `(created_at, New)`.
    pub statuses: Vec<(i64, Status)>,
    /// Its tags at the instant.
    pub tags: Vec<Tag>,
    /// The satisfaction answer.
    pub csat: Option<CsatFact>,
    /// The effort answer.
    pub ces: Option<Ces>,
    /// Every target of its own SLA policy: `(metric, state)` per cycle.
    pub sla: Vec<(String, TargetState)>,
    /// When the first target of its own SLA policy was breached (the
    /// earliest deadline among breached targets).
    #[serde(default)]
    pub sla_breached_at: Option<i64>,
    /// The closed ticket this one follows up (the customer wrote again
    /// after it was closed).
    #[serde(default)]
    pub follow_up_of: Option<TicketId>,
    /// The ticket it was merged into, if it was.
    #[serde(default)]
    pub merged_into: Option<TicketId>,
    /// Public messages (customer, human agent, bot and automated), those
    /// copied in by a merge included.
    #[serde(default)]
    pub public_messages: u32,
    /// The first time the customer wrote on another channel than the one
    /// the ticket was opened on: `(when, channel)`.
    #[serde(default)]
    pub channel_switch: Option<(i64, Channel)>,
}

impl TicketFacts {
    /// Facts of a ticket opened at `created_at` with nothing else known yet
    /// (status new, normal priority): a starting point for hosts and tests
    /// that build facts directly.
    pub fn new(ticket: TicketId, customer: CustomerId, channel: Channel, created_at: i64) -> Self {
        Self::with_statuses(ticket, customer, channel, created_at, Vec::with_capacity(1))
    }

    /// As [`new`](Self::new), the statuses kept in `statuses` (emptied; its
    /// capacity is kept).
    fn with_statuses(
        ticket: TicketId,
        customer: CustomerId,
        channel: Channel,
        created_at: i64,
        mut statuses: Vec<(i64, Status)>,
    ) -> Self {
        statuses.clear();
        statuses.push((created_at, Status::New));
        TicketFacts {
            ticket,
            customer,
            channel,
            priority: Priority::Normal,
            proactive: false,
            status: Status::New,
            created_at,
            as_of: created_at,
            last_event_at: created_at,
            first_reply: None,
            first_reply_waiting: None,
            first_reply_sla: None,
            next_replies: Vec::new(),
            resolved_at: None,
            resolution: None,
            agent_work: None,
            agent_replies: 0,
            bot_replies: 0,
            solved_ever: false,
            reopens: 0,
            statuses,
            tags: Vec::new(),
            csat: None,
            ces: None,
            sla: Vec::new(),
            sla_breached_at: None,
            follow_up_of: None,
            merged_into: None,
            public_messages: 0,
            channel_switch: None,
        }
    }

    /// Facts as [`with_statuses`](Self::with_statuses) makes them, in
    /// place, the vectors emptied but keeping their room.
    fn reset(&mut self, ticket: TicketId, customer: CustomerId, channel: Channel, created_at: i64) {
        // Field by field (every field named, so a new one is not
        // forgotten): building a whole new value and dropping the old one
        // cost about 75 instructions a ticket in the bulk fold.
        let TicketFacts {
            ticket: t,
            customer: c,
            channel: ch,
            priority,
            proactive,
            status,
            created_at: created,
            as_of,
            last_event_at,
            first_reply,
            first_reply_waiting,
            first_reply_sla,
            next_replies,
            resolved_at,
            resolution,
            agent_work,
            agent_replies,
            bot_replies,
            solved_ever,
            reopens,
            statuses,
            tags,
            csat,
            ces,
            sla,
            sla_breached_at,
            follow_up_of,
            merged_into,
            public_messages,
            channel_switch,
        } = self;
        *t = ticket;
        *c = customer;
        *ch = channel;
        *priority = Priority::Normal;
        *proactive = false;
        *status = Status::New;
        *created = created_at;
        *as_of = created_at;
        *last_event_at = created_at;
        *first_reply = None;
        *first_reply_waiting = None;
        *first_reply_sla = None;
        next_replies.clear();
        *resolved_at = None;
        *resolution = None;
        *agent_work = None;
        *agent_replies = 0;
        *bot_replies = 0;
        *solved_ever = false;
        *reopens = 0;
        statuses.clear();
        statuses.push((created_at, Status::New));
        tags.clear();
        if csat.is_some() {
            *csat = None;
        }
        *ces = None;
        sla.clear();
        *sla_breached_at = None;
        *follow_up_of = None;
        *merged_into = None;
        *public_messages = 0;
        *channel_switch = None;
    }

    /// The facts of a ticket's history at `options`' instant: `None` when
    /// the history does not start with an `Opened` event or starts after
    /// the instant. Events after the instant are ignored.
    ///
    /// # Errors
    /// [`MetricsError::Sla`] when the SLA engine cannot evaluate the history
    /// (a calendar the ticket's policy names is not in the options'
    /// calendars, or business-time arithmetic fails).
    ///
    /// # Example
    /// ```
    /// use supportdesk::metrics::{FactsOptions, TicketFacts};
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::{Status, id::AgentId};
    ///
    /// // Opened 09:00, a bot acknowledgement does not count, Bob replies 09:01, solved 09:02.
    /// let events = TicketBuilder::new()
    ///     .agent_reply(AgentId::from_u128(7), "On it")
    ///     .status(Status::Solved)
    ///     .events();
    /// let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new());
    /// let facts = TicketFacts::from_events(&events, &options)?.expect("opened");
    /// assert_eq!(facts.first_reply.map(|e| e.seconds), Some(60));
    /// assert_eq!(facts.resolution.map(|e| e.seconds), Some(120));
    /// assert_eq!(facts.agent_replies, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_events(
        events: &[Event],
        options: &FactsOptions,
    ) -> Result<Option<TicketFacts>, MetricsError> {
        // The buffers of the thread's previous call are reused.
        let mut deriver = FactsDeriver::recycled(options);
        let facts = deriver.derive(events);
        deriver.recycle();
        facts
    }

    /// The facts of many histories, spread over `threads` threads (std's
    /// scoped threads; no runtime): for each history in order, its
    /// [`from_events`](Self::from_events) facts, those without facts (no
    /// `Opened` event first, or opened after the instant) left out. The
    /// result is the same whatever the number of threads: the histories are
    /// split into `threads` consecutive runs and the runs' facts joined in
    /// order. One thread runs on the caller's thread.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use supportdesk::metrics::{FactsOptions, TicketFacts};
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::{Status, id::{AgentId, TicketId}};
    ///
    /// let histories: Vec<_> = (0..10u128)
    ///     .map(|n| TicketBuilder::new().id(TicketId::from_u128(n + 1)).agent_reply(AgentId::from_u128(7), "On it").status(Status::Solved).events())
    ///     .collect();
    /// let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new());
    /// let two = NonZeroUsize::new(2).expect("two");
    /// let facts = TicketFacts::from_histories(&histories, &options, two)?;
    /// assert_eq!(facts.len(), 10);
    /// assert_eq!(facts, TicketFacts::from_histories(&histories, &options, NonZeroUsize::MIN)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The error [`from_events`](Self::from_events) gives for the first
    /// history (in order) that fails.
    pub fn from_histories<H: AsRef<[Event]> + Sync>(
        histories: &[H],
        options: &FactsOptions,
        threads: std::num::NonZeroUsize,
    ) -> Result<Vec<TicketFacts>, MetricsError> {
        // The first run's vector has room for every run's facts: only the
        // later runs' are moved when they are joined.
        let n = histories.len();
        let parts = in_runs(
            histories,
            options,
            threads,
            |first, len| Vec::with_capacity(if first { n } else { len }),
            |deriver, _, out, events| {
                if let Some(f) = deriver.derive(events)? {
                    out.push(f);
                }
                Ok(())
            },
        )?;
        let mut parts = parts.into_iter();
        let mut out = parts.next().unwrap_or_default();
        for mut p in parts {
            out.append(&mut p);
        }
        Ok(out)
    }

    /// The facts of many histories handed to `fold` one by one as they are
    /// derived, without keeping them (each run derives every history into
    /// the same `TicketFacts`, so nothing is allocated per ticket once its
    /// vectors have room): for a host that only aggregates them
    /// (an [`Aggregate`](crate::metrics::Aggregate), an experience
    /// [`Ledger`](crate::experience::Ledger), its own counters). The
    /// histories are split into `threads` consecutive runs as in
    /// [`from_histories`](Self::from_histories); each run folds its facts,
    /// in order, into its own accumulator, made by `init` with the number
    /// of histories of the run. The accumulators come back in run order
    /// for the host to merge (one, on the caller's thread, with one
    /// thread).
    ///
    /// With [`FactsOptions::with_fields`] it derives only the figures the
    /// host reads.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use supportdesk::metrics::{Aggregate, FactsFields, FactsOptions, TicketFacts};
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::{Status, id::{AgentId, TicketId}};
    ///
    /// let histories: Vec<_> = (0..10u128)
    ///     .map(|n| TicketBuilder::new().id(TicketId::from_u128(n + 1)).agent_reply(AgentId::from_u128(7), "On it").status(Status::Solved).events())
    ///     .collect();
    /// let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new())
    ///     .with_fields(FactsFields::CORE);
    /// let two = NonZeroUsize::new(2).expect("two");
    /// let parts = TicketFacts::fold_histories(&histories, &options, two, |_| Aggregate::new(), |a, f| a.add(f))?;
    /// let mut all = Aggregate::new();
    /// for p in &parts {
    ///     all.merge(p);
    /// }
    /// assert_eq!(all.tickets(), 10);
    /// assert_eq!(all.summary().first_response.times.count, 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The error [`from_events`](Self::from_events) gives for the first
    /// history (in order) that fails.
    pub fn fold_histories<H, A, I, F>(
        histories: &[H],
        options: &FactsOptions,
        threads: std::num::NonZeroUsize,
        init: I,
        fold: F,
    ) -> Result<Vec<A>, MetricsError>
    where
        H: AsRef<[Event]> + Sync,
        A: Send,
        I: Fn(usize) -> A + Sync,
        F: Fn(&mut A, &TicketFacts) + Sync,
    {
        in_runs(
            histories,
            options,
            threads,
            |_, len| init(len),
            |deriver, facts, acc, events| {
                if deriver.derive_into(events, facts)? {
                    fold(acc, facts);
                }
                Ok(())
            },
        )
    }

    /// [`from_events`](Self::from_events) the general way: the metric
    /// presets through the SLA engine's [`Timeline`], [`sla::report`] and
    /// [`sla::evaluate`], allocating as they do. The fast path
    /// ([`FactsDeriver`]) is tested to give exactly the same facts and
    /// errors; this is kept as its reference.
    ///
    /// # Errors
    /// As [`from_events`](Self::from_events).
    #[doc(hidden)]
    pub fn from_events_reference(
        events: &[Event],
        options: &FactsOptions,
    ) -> Result<Option<TicketFacts>, MetricsError> {
        let as_of = options.as_of;
        let Some(first) = events.first() else {
            return Ok(None);
        };
        let EventKind::Opened(opened) = &first.kind else {
            return Ok(None);
        };
        let TicketOpened {
            customer,
            channel,
            priority,
            origin,
            tags,
            follow_up_of,
            ..
        } = &**opened;
        if first.at > as_of {
            return Ok(None);
        }
        let id = first.ticket;
        let created = first.at.timestamp();
        let mut f = TicketFacts::new(id, *customer, *channel, created);
        f.as_of = as_of.timestamp();
        f.priority = *priority;
        f.proactive = matches!(origin, Origin::Proactive { .. });
        f.follow_up_of = *follow_up_of;
        let mut tag_set: BTreeSet<Tag> = tags.iter().cloned().collect();
        let mut last = created;
        for e in events.iter().skip(1).filter(|e| e.at <= as_of) {
            if e.ticket != id {
                continue;
            }
            let at = e.at.timestamp();
            last = last.max(at);
            let mut agent_action = false;
            if let Some(m) = e.kind.message() {
                if m.visibility == Visibility::Public {
                    f.public_messages = f.public_messages.saturating_add(1);
                    if f.channel_switch.is_none() && m.is_from_customer() && m.channel != f.channel
                    {
                        f.channel_switch = Some((at, m.channel));
                    }
                }
            }
            match &e.kind {
                EventKind::AgentReplied { .. } => {
                    f.agent_replies = f.agent_replies.saturating_add(1);
                    agent_action = true;
                }
                EventKind::NoteAdded { message } => {
                    agent_action = message.author.role() == AuthorRole::Agent;
                }
                EventKind::AutomatedReplySent { .. } => {
                    f.bot_replies = f.bot_replies.saturating_add(1);
                }
                EventKind::StatusChanged { from, to } => {
                    f.status = *to;
                    f.statuses.push((at, *to));
                    if matches!(to, Status::Solved | Status::Closed) {
                        f.solved_ever = true;
                    }
                    if *from == Status::Solved && to.is_unsolved() {
                        f.reopens = f.reopens.saturating_add(1);
                    }
                }
                EventKind::PriorityChanged { to, .. } => f.priority = *to,
                EventKind::TagsAdded { tags } => tag_set.extend(tags.iter().cloned()),
                EventKind::TagsRemoved { tags } => {
                    for t in tags {
                        tag_set.remove(t);
                    }
                }
                EventKind::SatisfactionRated { score, comment } => {
                    f.csat = Some(CsatFact {
                        score: *score,
                        at,
                        comment: comment.as_deref().map(String::from),
                        followed_up_in: None,
                    });
                }
                EventKind::EffortRated { score } => f.ces = Some(*score),
                EventKind::MergedInto { target } => f.merged_into = Some(*target),
                EventKind::MergeReceived(m) => {
                    let public = m
                        .messages
                        .iter()
                        .filter(|m| m.visibility == Visibility::Public)
                        .count();
                    f.public_messages = f
                        .public_messages
                        .saturating_add(u32::try_from(public).unwrap_or(u32::MAX));
                }
                _ => {}
            }
            if agent_action {
                if let Some(c) = f.csat.as_mut().filter(|c| c.is_low()) {
                    if c.followed_up_in.is_none() {
                        c.followed_up_in = Some(u64::try_from(at - c.at).unwrap_or(0));
                    }
                }
            }
        }
        f.last_event_at = last;
        f.tags = tag_set.into_iter().collect();
        options.clocks_reference(events, &mut f)?;
        // The figures left out: derived, then emptied.
        options.fields.clear(&mut f);
        Ok(Some(f))
    }

    /// The instant the ticket was opened.
    pub fn created(&self) -> DateTime<Utc> {
        unix(self.created_at)
    }

    /// The status at an instant (Unix seconds), `None` before it was opened.
    pub fn status_at(&self, t: i64) -> Option<Status> {
        let i = self.statuses.partition_point(|(at, _)| *at <= t);
        match i {
            0 if t >= self.created_at => Some(Status::New),
            0 => None,
            _ => self.statuses.get(i - 1).map(|(_, s)| *s),
        }
    }

    /// Resolved at the instant with exactly one public reply by a human
    /// agent (bot replies do not count either way).
    pub fn is_one_touch(&self) -> bool {
        self.resolution.is_some() && self.agent_replies == 1
    }
}

/// The instant of Unix seconds `t`, saturating at the first and last
/// instant chrono can represent.
pub(crate) fn unix(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or(if t < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// The work of [`TicketFacts::from_histories`] and
/// [`TicketFacts::fold_histories`]: the histories split into `threads`
/// consecutive runs (the first on the caller's thread), each folding its
/// facts into its own accumulator (`init(first run, histories of the
/// run)`); the accumulators in run order, or the first history's error.
fn in_runs<H, A, I, S>(
    histories: &[H],
    options: &FactsOptions,
    threads: std::num::NonZeroUsize,
    init: I,
    step: S,
) -> Result<Vec<A>, MetricsError>
where
    H: AsRef<[Event]> + Sync,
    A: Send,
    I: Fn(bool, usize) -> A + Sync,
    S: Fn(&mut FactsDeriver<'_>, &mut TicketFacts, &mut A, &[Event]) -> Result<(), MetricsError>
        + Sync,
{
    let messages = options.fields.messages;
    let run = |hs: &[H], first: bool| -> Result<A, MetricsError> {
        let mut deriver = FactsDeriver::new(options);
        // The facts each history is derived into, when `step` reuses them.
        let mut facts = TicketFacts::with_statuses(
            TicketId::from_u128(0),
            CustomerId::from_u128(0),
            Channel::Email,
            0,
            Vec::with_capacity(4),
        );
        let mut acc = init(first, hs.len());
        for (i, h) in hs.iter().enumerate() {
            // Ask for the events a few histories ahead, and for the
            // messages of nearer ones (their events are in cache by
            // then): the wait for memory overlaps the work.
            if let Some(far) = hs.get(i + 2 * READ_AHEAD) {
                // (An event spans two cache lines: ask for both.)
                for e in far.as_ref() {
                    crate::hint::prefetch(&e.kind);
                    crate::hint::prefetch(&e.at);
                }
            }
            // The opening's boxed payload of a nearer history (its event
            // is in cache by then), and the tag list of the next one (its
            // payload is).
            if let Some(EventKind::Opened(o)) = hs
                .get(i + READ_AHEAD)
                .and_then(|h| h.as_ref().first())
                .map(|e| &e.kind)
            {
                crate::hint::prefetch(&o.customer);
                crate::hint::prefetch(&o.tags);
            }
            if let Some(EventKind::Opened(o)) = hs
                .get(i + 1)
                .and_then(|h| h.as_ref().first())
                .map(|e| &e.kind)
            {
                if let Some(t) = o.tags.first() {
                    crate::hint::prefetch(t);
                }
            }
            if messages {
                if let Some(near) = hs.get(i + READ_AHEAD) {
                    for m in near.as_ref().iter().filter_map(|e| e.kind.message()) {
                        crate::hint::prefetch(m);
                    }
                }
            }
            step(&mut deriver, &mut facts, &mut acc, h.as_ref())?;
        }
        Ok(acc)
    };
    let per = histories.len().div_ceil(threads.get()).max(1);
    if threads.get() == 1 || histories.len() <= per {
        return Ok(vec![run(histories, true)?]);
    }
    let parts: Vec<Result<A, MetricsError>> = std::thread::scope(|scope| {
        let mut chunks = histories.chunks(per);
        let first = chunks.next();
        let handles: Vec<_> = chunks.map(|c| scope.spawn(move || run(c, false))).collect();
        let mut parts = vec![run(first.unwrap_or_default(), true)];
        for h in handles {
            parts.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parts
    });
    parts.into_iter().collect()
}

/// The metric presets the facts are read from, by name.
const FIRST_REPLY: &str = "first_reply";
const NEXT_REPLY: &str = "next_reply";
const RESOLUTION: &str = "total_resolution";
const AGENT_WORK: &str = "agent_work";
/// Suffix of the business-time copy of a preset.
const BUSINESS: &str = "@business";
/// Any target works: the facts read elapsed times, not states. One week
/// keeps business deadlines well inside the calendar's range.
const PLACEHOLDER_TARGET: i64 = 7 * 86_400;

/// How to derive [`TicketFacts`]: the instant, the calendars (those the
/// tickets' SLA policies name, so their own compliance can be evaluated)
/// and, optionally, the business calendar for business-time figures.
#[derive(Debug, Clone)]
pub struct FactsOptions {
    as_of: DateTime<Utc>,
    calendars: Calendars,
    business: Option<String>,
    fields: FactsFields,
    policy: SlaPolicy,
}

/// Which of the optional figures of [`TicketFacts`] to derive (see
/// [`FactsOptions::with_fields`]); [`FactsFields::ALL`] by default.
///
/// Every fact not named here is always derived: the ticket's identity,
/// channel, origin, priority, status and statuses, tags, the first reply
/// (and the wait for it), the resolution and `resolved_at`, agent and bot
/// reply counts, reopens, CSAT (its score, instant and comment) and CES,
/// merges and follow-ups. A figure left out is **absent**, as for a ticket
/// where it never happened, so a host that skips it must not read it:
///
/// | field | derives | absent as |
/// |---|---|---|
/// | `next_replies` | `next_replies` (the next-reply preset's clock) | empty |
/// | `agent_work` | `agent_work` (the agent-work preset's clock) | `None` |
/// | `own_sla` | `first_reply_sla`, `sla`, `sla_breached_at` (the ticket's own SLA policy) | `None`, empty, `None` |
/// | `messages` | `public_messages`, `channel_switch`, `csat.followed_up_in` (read from the messages' contents) | 0, `None`, `None` |
///
/// The figures derived are exactly those of the full facts (a property
/// test compares them on generated histories): leaving figures out only
/// saves their work. It also leaves out their errors: without `own_sla`,
/// a policy naming a calendar the options lack is not an error.
///
/// ```
/// use supportdesk::metrics::{FactsFields, FactsOptions, TicketFacts};
/// use supportdesk::sla::Calendars;
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::{Status, id::AgentId};
///
/// let events = TicketBuilder::new()
///     .agent_reply(AgentId::from_u128(7), "On it")
///     .status(Status::Solved)
///     .events();
/// let full = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new());
/// // First response, resolution, CSAT and tags only.
/// let lean = full.clone().with_fields(FactsFields::CORE);
/// let a = TicketFacts::from_events(&events, &full)?.expect("opened");
/// let b = TicketFacts::from_events(&events, &lean)?.expect("opened");
/// assert_eq!((a.first_reply, a.resolution), (b.first_reply, b.resolution));
/// assert_eq!(a.public_messages, 2);
/// assert_eq!(b.public_messages, 0); // not derived
/// let mut stripped = a.clone();
/// FactsFields::CORE.clear(&mut stripped);
/// assert_eq!(stripped, b);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FactsFields {
    /// `next_replies`.
    pub next_replies: bool,
    /// `agent_work`.
    pub agent_work: bool,
    /// `first_reply_sla`, `sla` and `sla_breached_at`.
    pub own_sla: bool,
    /// `public_messages`, `channel_switch` and `csat.followed_up_in`.
    pub messages: bool,
}

impl Default for FactsFields {
    fn default() -> Self {
        FactsFields::ALL
    }
}

impl FactsFields {
    /// Every figure (the default).
    pub const ALL: FactsFields = FactsFields {
        next_replies: true,
        agent_work: true,
        own_sla: true,
        messages: true,
    };

    /// None of the optional figures: what [`Aggregate`](crate::metrics::Aggregate)'s
    /// first response, resolution and CSAT figures and the repeat-contact
    /// report ([`RepeatReport`](crate::experience::RepeatReport)) read.
    pub const CORE: FactsFields = FactsFields {
        next_replies: false,
        agent_work: false,
        own_sla: false,
        messages: false,
    };

    /// Empties the figures these fields leave out, as
    /// [`TicketFacts::from_events`] leaves them with these fields.
    pub fn clear(&self, f: &mut TicketFacts) {
        if !self.next_replies {
            f.next_replies.clear();
        }
        if !self.agent_work {
            f.agent_work = None;
        }
        if !self.own_sla {
            f.first_reply_sla = None;
            f.sla.clear();
            f.sla_breached_at = None;
        }
        if !self.messages {
            f.public_messages = 0;
            f.channel_switch = None;
            if let Some(c) = f.csat.as_mut() {
                c.followed_up_in = None;
            }
        }
    }

    /// The presets whose clocks these fields need, in [`Preset`] order, as
    /// a number: bit 0 the next reply, bit 1 the agent work.
    fn presets(&self) -> usize {
        usize::from(self.next_replies) | usize::from(self.agent_work) << 1
    }
}

impl FactsOptions {
    /// Calendar-time figures at `as_of`.
    pub fn new(as_of: DateTime<Utc>, calendars: Calendars) -> Self {
        FactsOptions {
            as_of,
            calendars,
            business: None,
            fields: FactsFields::ALL,
            policy: metrics_policy(None, FactsFields::ALL),
        }
    }

    /// Derives only the optional figures `fields` names (see
    /// [`FactsFields`]); the others are absent.
    pub fn with_fields(mut self, fields: FactsFields) -> Self {
        self.fields = fields;
        self.policy = metrics_policy(self.business.as_deref(), fields);
        self
    }

    /// The optional figures derived.
    pub fn fields(&self) -> FactsFields {
        self.fields
    }

    /// Adds business-time figures on the calendar of that name.
    ///
    /// # Errors
    /// [`MetricsError::UnknownCalendar`] when the calendars have no such
    /// calendar.
    pub fn with_business_calendar(mut self, name: &str) -> Result<Self, MetricsError> {
        if self.calendars.get(name).is_none() {
            return Err(MetricsError::UnknownCalendar {
                name: name.to_owned(),
            });
        }
        self.business = Some(name.to_owned());
        self.policy = metrics_policy(Some(name), self.fields);
        Ok(self)
    }

    /// The instant.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// The business calendar's name, if any.
    pub fn business_calendar(&self) -> Option<&str> {
        self.business.as_deref()
    }

    /// The calendars.
    pub fn calendars(&self) -> &Calendars {
        &self.calendars
    }

    /// Fills the clock-derived facts from the SLA engine (the reference
    /// path).
    fn clocks_reference(&self, events: &[Event], f: &mut TicketFacts) -> Result<(), MetricsError> {
        let as_of = self.as_of;
        let err = |source| MetricsError::Sla {
            ticket: f.ticket,
            source,
        };
        let seen = events.iter().filter(|e| e.at <= as_of);
        let timeline = Timeline::from_events(&self.policy.metrics, seen);
        let report = sla::report(&self.policy, &timeline, &self.calendars, as_of).map_err(err)?;
        let mut next: BTreeMap<u32, Elapsed> = BTreeMap::new();
        for t in &report.targets {
            let (base, business) = match t.metric.strip_suffix(BUSINESS) {
                Some(b) => (b, true),
                None => (t.metric.as_str(), false),
            };
            let how = timeline
                .metric(&t.metric)
                .and_then(|m| m.cycles.iter().find(|c| c.index == t.cycle))
                .and_then(|c| {
                    c.end
                        .map(|(_, how)| how)
                        .or(c.solved_at.map(|_| CycleEnd::Fulfilled))
                });
            let fulfilled = t.ended_at.is_some() && how == Some(CycleEnd::Fulfilled);
            let open = t.ended_at.is_none();
            let secs = u64::try_from(t.elapsed_seconds).unwrap_or(0);
            let slot = match (base, t.cycle) {
                (FIRST_REPLY, 0) if fulfilled => &mut f.first_reply,
                (FIRST_REPLY, 0) if open => &mut f.first_reply_waiting,
                (NEXT_REPLY, c) if fulfilled => {
                    let e = next.entry(c).or_insert(Elapsed::new(0));
                    set(e, secs, business);
                    continue;
                }
                (RESOLUTION, _) if fulfilled => {
                    if !business {
                        f.resolved_at = t.ended_at.map(|a| a.timestamp());
                    }
                    &mut f.resolution
                }
                (AGENT_WORK, _) if fulfilled => &mut f.agent_work,
                _ => continue,
            };
            set(slot.get_or_insert(Elapsed::new(0)), secs, business);
        }
        f.next_replies = next.into_values().collect();
        if !self.fields.own_sla {
            return Ok(());
        }

        let own = sla::evaluate(events, &self.calendars, as_of, None).map_err(err)?;
        let first_reply_like = sla::applied_policy(events, as_of).and_then(|p| {
            p.metrics
                .iter()
                .find(|m| **m == MetricDef::first_reply().named(&m.name))
                .map(|m| m.name.clone())
        });
        for t in own.targets {
            if t.cycle == 0 && Some(&t.metric) == first_reply_like.as_ref() {
                f.first_reply_sla = Some(t.state);
            }
            if t.state == TargetState::Breached {
                if let Some(d) = t.deadline.map(|d| d.timestamp()) {
                    f.sla_breached_at = Some(f.sla_breached_at.map_or(d, |b| b.min(d)));
                }
            }
            f.sla.push((t.metric, t.state));
        }
        Ok(())
    }
}

/// The four metric presets, in the order of [`Preset`].
fn presets() -> [MetricDef; 4] {
    Preset::ALL.map(Preset::def)
}

/// The four presets, built once.
static PRESETS: LazyLock<[MetricDef; 4]> = LazyLock::new(presets);

/// The presets of each set [`FactsFields::presets`] numbers: the first
/// reply and the resolution always, the next reply (bit 0) and the agent
/// work (bit 1) when asked for, in [`Preset`] order.
const PRESET_SETS: [&[Preset]; 4] = [
    &[Preset::FirstReply, Preset::Resolution],
    &[Preset::FirstReply, Preset::NextReply, Preset::Resolution],
    &[Preset::FirstReply, Preset::Resolution, Preset::AgentWork],
    &Preset::ALL,
];

/// The definitions of a set of presets.
fn preset_defs(set: usize) -> Vec<MetricDef> {
    PRESET_SETS
        .get(set)
        .copied()
        .unwrap_or(&Preset::ALL)
        .iter()
        .map(|p| p.def())
        .collect()
}

/// The definitions of each set of presets, built once (the timelines of
/// the fast path borrow them).
static PRESET_DEFS: LazyLock<[Vec<MetricDef>; 4]> = LazyLock::new(|| [0, 1, 2, 3].map(preset_defs));

/// The presets by position in [`presets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preset {
    FirstReply,
    NextReply,
    Resolution,
    AgentWork,
}

impl Preset {
    const ALL: [Preset; 4] = [
        Preset::FirstReply,
        Preset::NextReply,
        Preset::Resolution,
        Preset::AgentWork,
    ];

    fn def(self) -> MetricDef {
        match self {
            Preset::FirstReply => MetricDef::first_reply(),
            Preset::NextReply => MetricDef::next_reply(),
            Preset::Resolution => MetricDef::total_resolution(),
            Preset::AgentWork => MetricDef::agent_work(),
        }
    }
}

/// Whether two metrics run their clocks by the same rules (names aside):
/// their cycles over any history are then the same.
fn same_rules(a: &MetricDef, b: &MetricDef) -> bool {
    // Every field named, so a new one is not forgotten here.
    let MetricDef {
        name: _,
        start,
        fulfilment,
        pause_in,
        repeats,
        count_bot_replies,
        reactive_only,
        after_first_reply,
        cancel_on_customer_message,
    } = a;
    *start == b.start
        && *fulfilment == b.fulfilment
        && *pause_in == b.pause_in
        && *repeats == b.repeats
        && *count_bot_replies == b.count_bot_replies
        && *reactive_only == b.reactive_only
        && *after_first_reply == b.after_first_reply
        && *cancel_on_customer_message == b.cancel_on_customer_message
}

/// How many histories ahead [`TicketFacts::from_histories`] asks for the
/// messages of (and twice as far for the events).
const READ_AHEAD: usize = 2;

/// Derives [`TicketFacts`] from many histories under one [`FactsOptions`],
/// reusing its buffers from one ticket to the next: the bulk form of
/// [`TicketFacts::from_events`], with the same facts and errors.
///
/// One pass over the events feeds the facts and the SLA engine's cycles of
/// the four metric presets at once; each cycle's time is then counted
/// directly (in calendar time, and in business time when a business
/// calendar is named). The ticket's own SLA policy reuses those cycles for
/// the metrics that run by a preset's rules (the usual first and next
/// reply), so its targets are judged without replaying the history again.
///
/// With [`FactsFields::CORE`] and no business calendar, the first-reply
/// and resolution clocks are the only ones needed: they are then followed
/// in a few numbers as the events are read, without the cycles, and a
/// history they cannot follow exactly (another ticket's events, a second
/// opening, instants going back, a status change from a status the ticket
/// was not in, instants outside 1970 to the calendars' last year) is
/// replayed the general way. The facts are the same either way.
///
/// ```
/// use supportdesk::metrics::{Aggregate, FactsDeriver, FactsOptions};
/// use supportdesk::sla::Calendars;
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::{Status, id::AgentId};
///
/// let histories = [
///     TicketBuilder::new().agent_reply(AgentId::from_u128(7), "On it").status(Status::Solved).events(),
///     TicketBuilder::new().events(),
/// ];
/// let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new());
/// let mut deriver = FactsDeriver::new(&options);
/// let mut all = Aggregate::new();
/// for h in &histories {
///     if let Some(facts) = deriver.derive(h)? {
///         all.add(&facts);
///     }
/// }
/// assert_eq!(all.tickets(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FactsDeriver<'o> {
    options: &'o FactsOptions,
    /// The cycles of the presets the options' fields need
    /// ([`PRESET_SETS`]).
    timeline: Timeline<'static>,
    /// Which presets: the set's number.
    set: usize,
    judge: CycleJudge<'o>,
    /// The business clock, when a business calendar is named.
    business: Option<Result<Clockwork<'o>, SlaError>>,
    /// The own policy's targets whose metric it defines: (metric index,
    /// target index, its clock), in policy order.
    picks: Vec<(usize, usize, Clockwork<'o>)>,
    /// Next reply times by cycle.
    next: Vec<(u32, Elapsed)>,
    /// The deriver's own copies of the tags it copies into facts.
    tags: LocalTags,
    /// Whether the first-reply and resolution clocks in calendar time are
    /// the only clocks asked for: they are then followed directly
    /// ([`DirectClocks`]).
    direct: bool,
    /// The events' instants in Unix seconds, the day of the last kept.
    days: DaySeconds,
}

impl<'o> FactsDeriver<'o> {
    /// A deriver for `options`.
    pub fn new(options: &'o FactsOptions) -> Self {
        let set = options.fields.presets();
        let defs = PRESET_DEFS.get(set).map_or(&[][..], |d| &d[..]);
        Self::with_buffers(
            options,
            Timeline::new(defs),
            Vec::new(),
            Vec::new(),
            LocalTags::default(),
        )
    }

    /// A deriver for `options` with the buffers the thread kept from its
    /// previous [`TicketFacts::from_events`], if any.
    fn recycled(options: &'o FactsOptions) -> Self {
        let spare = SPARE
            .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.take()))
            .ok()
            .flatten();
        match spare {
            // The timeline serves if it holds the same presets.
            Some(Spare {
                timeline,
                set,
                picks,
                next,
                tags,
            }) if set == options.fields.presets() => {
                Self::with_buffers(options, timeline, relabel(picks), next, tags)
            }
            _ => Self::new(options),
        }
    }

    /// Gives the buffers back to the thread for its next
    /// [`TicketFacts::from_events`].
    fn recycle(self) {
        let spare = Spare {
            timeline: self.timeline,
            set: self.set,
            picks: relabel(self.picks),
            next: self.next,
            tags: self.tags,
        };
        // A thread being torn down keeps nothing.
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                *s = Some(spare);
            }
        });
    }

    fn with_buffers(
        options: &'o FactsOptions,
        timeline: Timeline<'static>,
        picks: Vec<(usize, usize, Clockwork<'o>)>,
        next: Vec<(u32, Elapsed)>,
        tags: LocalTags,
    ) -> Self {
        let business = options.business.as_deref().map(|name| {
            options
                .calendars
                .get_named(name)
                .map(|(name, cal)| Clockwork::Business(cal, name))
                .ok_or_else(|| SlaError::UnknownCalendar {
                    policy: options.policy.id.clone(),
                    name: name.to_owned(),
                })
        });
        FactsDeriver {
            options,
            timeline,
            set: options.fields.presets(),
            judge: CycleJudge::default(),
            business,
            picks,
            next,
            tags,
            direct: options.fields.presets() == 0
                && options.business.is_none()
                && !options.fields.own_sla,
            days: DaySeconds::new(),
        }
    }

    /// The facts of one history, as [`TicketFacts::from_events`] gives them.
    ///
    /// # Errors
    /// As [`TicketFacts::from_events`].
    pub fn derive(&mut self, events: &[Event]) -> Result<Option<TicketFacts>, MetricsError> {
        // Room for the usual few status changes without growing.
        let mut f = TicketFacts::with_statuses(
            TicketId::from_u128(0),
            CustomerId::from_u128(0),
            Channel::Email,
            0,
            Vec::with_capacity(4),
        );
        Ok(self.derive_into(events, &mut f)?.then_some(f))
    }

    /// The facts of one history written into `f`, whose vectors are
    /// emptied and reused (no allocation once they have room): `false`,
    /// with `f` left as it was, when the history has no facts (as
    /// [`derive`](Self::derive) gives `None`). A host folding many
    /// histories keeps one `TicketFacts` for all of them.
    ///
    /// ```
    /// use supportdesk::metrics::{FactsDeriver, FactsOptions, TicketFacts};
    /// use supportdesk::sla::Calendars;
    /// use supportdesk::testing::TicketBuilder;
    /// use supportdesk::{Status, id::{AgentId, CustomerId, TicketId}, Channel};
    ///
    /// let options = FactsOptions::new("2026-01-05T12:00:00Z".parse()?, Calendars::new());
    /// let mut deriver = FactsDeriver::new(&options);
    /// let mut facts = TicketFacts::new(TicketId::from_u128(0), CustomerId::from_u128(0), Channel::Email, 0);
    /// let mut replied = 0;
    /// for n in 1..=3u128 {
    ///     let events = TicketBuilder::new().id(TicketId::from_u128(n)).agent_reply(AgentId::from_u128(7), "On it").events();
    ///     if deriver.derive_into(&events, &mut facts)? {
    ///         assert_eq!(facts.ticket, TicketId::from_u128(n));
    ///         replied += usize::from(facts.first_reply.is_some());
    ///     }
    /// }
    /// assert_eq!(replied, 3);
    /// assert!(!deriver.derive_into(&[], &mut facts)?); // no history: unchanged
    /// assert_eq!(facts.ticket, TicketId::from_u128(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`TicketFacts::from_events`]; `f` is then partly written.
    pub fn derive_into(
        &mut self,
        events: &[Event],
        f: &mut TicketFacts,
    ) -> Result<bool, MetricsError> {
        let as_of = self.options.as_of;
        let Some(first) = events.first() else {
            return Ok(false);
        };
        let EventKind::Opened(opened) = &first.kind else {
            return Ok(false);
        };
        let TicketOpened {
            customer,
            channel,
            priority,
            origin,
            tags,
            follow_up_of,
            ..
        } = &**opened;
        if first.at > as_of {
            return Ok(false);
        }
        let id = first.ticket;
        let mut days = self.days;
        let created = days.of(first.at);
        let messages = self.options.fields.messages;
        f.reset(id, *customer, *channel, created);
        f.as_of = unix_seconds(as_of);
        f.priority = *priority;
        f.proactive = matches!(origin, Origin::Proactive { .. });
        f.follow_up_of = *follow_up_of;
        // Sorted and without duplicates, as a set would keep them; each a
        // copy of this deriver's own (`local`), so threads deriving at once
        // do not all count references to the same shared text. Each tag
        // put in its place as it comes (one comparison for a tag after the
        // last; a sort and a pass for duplicates cost more for a few).
        let tag_set = &mut f.tags;
        for t in tags {
            let t = self.tags.local(t);
            match tag_set.last() {
                Some(last) if last.shares_text(&t) => {}
                Some(last) if *last >= t => {
                    if let Err(i) = tag_set.binary_search(&t) {
                        tag_set.insert(i, t);
                    }
                }
                _ => tag_set.push(t),
            }
        }
        let mut last = created;
        // The first-reply and resolution clocks followed directly, when
        // they are the only clocks asked for (else, or when the history
        // turns out to be one they do not follow, the timeline's).
        let direct = self.direct;
        let mut clocks = DirectClocks::opened(created, opened.is_proactive());
        if !direct {
            self.timeline.reset();
        }
        // The SLA engine reads every event up to the instant (the first
        // included, whatever its ticket); the facts skip the first and
        // other tickets' events.
        let mut seen = events.iter().filter(|e| e.at <= as_of);
        if let Some(e) = seen.next().filter(|_| !direct) {
            self.timeline.observe_inlined(e);
        }
        // The policy applied latest by the instant (whatever the ticket of
        // the event, as `sla::applied_policy` finds it).
        let mut policy = None;
        for e in seen {
            if !direct {
                self.timeline.observe_inlined(e);
            }
            if let EventKind::SlaPolicyApplied { policy: p } = &e.kind {
                policy = Some(&**p).filter(|_| self.options.fields.own_sla);
            }
            if e.ticket != id {
                clocks.lose();
                continue;
            }
            let at = days.of(e.at);
            clocks.step(at);
            last = last.max(at);
            let mut agent_action = false;
            // (Without the message-derived figures, the messages are not
            // read at all: each is a box of its own.)
            if let Some(m) = e.kind.message().filter(|_| messages) {
                if m.visibility == Visibility::Public {
                    f.public_messages = f.public_messages.saturating_add(1);
                    if f.channel_switch.is_none() && m.is_from_customer() && m.channel != f.channel
                    {
                        f.channel_switch = Some((at, m.channel));
                    }
                }
            }
            match &e.kind {
                EventKind::AgentReplied { .. } => {
                    f.agent_replies = f.agent_replies.saturating_add(1);
                    agent_action = true;
                    clocks.agent_replied(at);
                }
                EventKind::NoteAdded { message } => {
                    agent_action = messages && message.author.role() == AuthorRole::Agent;
                }
                EventKind::AutomatedReplySent { .. } => {
                    f.bot_replies = f.bot_replies.saturating_add(1);
                }
                EventKind::StatusChanged { from, to } => {
                    clocks.status_changed(*from, *to, at);
                    f.status = *to;
                    f.statuses.push((at, *to));
                    if matches!(to, Status::Solved | Status::Closed) {
                        f.solved_ever = true;
                    }
                    if *from == Status::Solved && to.is_unsolved() {
                        f.reopens = f.reopens.saturating_add(1);
                    }
                }
                EventKind::PriorityChanged { to, .. } => f.priority = *to,
                EventKind::TagsAdded { tags } => {
                    for t in tags {
                        if let Err(i) = tag_set.binary_search(t) {
                            tag_set.insert(i, self.tags.local(t));
                        }
                    }
                }
                EventKind::TagsRemoved { tags } => {
                    for t in tags {
                        if let Ok(i) = tag_set.binary_search(t) {
                            tag_set.remove(i);
                        }
                    }
                }
                EventKind::SatisfactionRated { score, comment } => {
                    f.csat = Some(CsatFact {
                        score: *score,
                        at,
                        comment: comment.as_deref().map(String::from),
                        followed_up_in: None,
                    });
                }
                EventKind::EffortRated { score } => f.ces = Some(*score),
                EventKind::MergedInto { target } => {
                    clocks.merged(at);
                    f.merged_into = Some(*target);
                }
                EventKind::Opened(_) => clocks.lose(),
                EventKind::MergeReceived(m) => {
                    let public = m
                        .messages
                        .iter()
                        .filter(|m| m.visibility == Visibility::Public)
                        .count();
                    f.public_messages = f
                        .public_messages
                        .saturating_add(u32::try_from(public).unwrap_or(u32::MAX));
                }
                _ => {}
            }
            if agent_action && messages {
                if let Some(c) = f.csat.as_mut().filter(|c| c.is_low()) {
                    if c.followed_up_in.is_none() {
                        c.followed_up_in = Some(u64::try_from(at - c.at).unwrap_or(0));
                    }
                }
            }
        }
        self.days = days;
        f.last_event_at = last;
        if direct {
            if clocks.followed() {
                clocks.fill(unix_seconds(as_of), f);
                return Ok(true);
            }
            // A history the direct clocks do not follow: the timeline's.
            self.timeline.reset();
            for e in events.iter().filter(|e| e.at <= as_of) {
                self.timeline.observe_inlined(e);
            }
        }
        self.clocks(events, policy, f)
            .map_err(|source| MetricsError::Sla { ticket: id, source })?;
        Ok(true)
    }

    /// Fills the clock-derived facts from the presets' cycles and the
    /// ticket's own policy, as [`FactsOptions::clocks_reference`] does
    /// through the SLA engine's reports.
    fn clocks(
        &mut self,
        events: &[Event],
        policy: Option<&SlaPolicy>,
        f: &mut TicketFacts,
    ) -> Result<(), SlaError> {
        let FactsDeriver {
            options,
            timeline,
            set: presets,
            judge,
            business,
            picks,
            next,
            ..
        } = self;
        let as_of = options.as_of;
        let now = (as_of, unix_seconds(as_of));
        next.clear();
        // The metrics policy's clocks: calendar time, then business time
        // (the order the reference reports them in, so the first error is
        // the same).
        let business = match business {
            Some(Ok(clock)) => Some(*clock),
            Some(Err(e)) => return Err(e.clone()),
            None => None,
        };
        let clocks =
            std::iter::once((Clockwork::Wall, false)).chain(business.map(|clock| (clock, true)));
        for (clock, business) in clocks {
            let kinds = PRESET_SETS.get(*presets).copied().unwrap_or(&[]);
            for (&preset, mt) in kinds.iter().zip(&timeline.metrics) {
                for c in &mt.cycles {
                    let (ended_at, elapsed) =
                        judge.elapsed_only(c, PLACEHOLDER_TARGET, &clock, now)?;
                    // How the first cycle of that index ended (the
                    // reference finds the cycle by its index).
                    let how = mt.cycles.iter().find(|x| x.index == c.index).and_then(|x| {
                        x.end
                            .map(|(_, how)| how)
                            .or(x.solved_at.map(|_| CycleEnd::Fulfilled))
                    });
                    let fulfilled = ended_at.is_some() && how == Some(CycleEnd::Fulfilled);
                    let open = ended_at.is_none();
                    let secs = u64::try_from(elapsed).unwrap_or(0);
                    let slot = match (preset, c.index) {
                        (Preset::FirstReply, 0) if fulfilled => &mut f.first_reply,
                        (Preset::FirstReply, 0) if open => &mut f.first_reply_waiting,
                        (Preset::NextReply, i) if fulfilled => {
                            let at = match next.binary_search_by_key(&i, |(k, _)| *k) {
                                Ok(at) => at,
                                Err(at) => {
                                    next.insert(at, (i, Elapsed::new(0)));
                                    at
                                }
                            };
                            if let Some((_, e)) = next.get_mut(at) {
                                set(e, secs, business);
                            }
                            continue;
                        }
                        (Preset::Resolution, _) if fulfilled => {
                            if !business {
                                f.resolved_at = ended_at.map(unix_seconds);
                            }
                            &mut f.resolution
                        }
                        (Preset::AgentWork, _) if fulfilled => &mut f.agent_work,
                        _ => continue,
                    };
                    set(slot.get_or_insert(Elapsed::new(0)), secs, business);
                }
            }
        }
        f.next_replies.clear();
        f.next_replies.extend(next.iter().map(|(_, e)| *e));
        match policy {
            Some(policy) => own_policy(options, timeline, judge, picks, policy, events, f),
            None => Ok(()),
        }
    }
}

/// The buffers of a [`FactsDeriver`] a thread keeps between calls of
/// [`TicketFacts::from_events`].
#[derive(Debug)]
struct Spare {
    timeline: Timeline<'static>,
    set: usize,
    picks: Vec<(usize, usize, Clockwork<'static>)>,
    next: Vec<(u32, Elapsed)>,
    tags: LocalTags,
}

thread_local! {
    static SPARE: RefCell<Option<Spare>> = const { RefCell::new(None) };
}

/// The same buffer, emptied, for clocks of another lifetime (the
/// collection reuses the allocation: nothing is mapped).
fn relabel<'b>(
    mut picks: Vec<(usize, usize, Clockwork<'_>)>,
) -> Vec<(usize, usize, Clockwork<'b>)> {
    picks.clear();
    picks
        .into_iter()
        .map(|(m, t, _)| (m, t, Clockwork::Wall))
        .collect()
}

/// The targets of the ticket's own policy (`policy`, the latest applied by
/// the instant), as [`sla::evaluate`] judges them.
fn own_policy<'o>(
    options: &'o FactsOptions,
    presets: &Timeline<'_>,
    judge: &mut CycleJudge<'o>,
    picks: &mut Vec<(usize, usize, Clockwork<'o>)>,
    policy: &SlaPolicy,
    events: &[Event],
    f: &mut TicketFacts,
) -> Result<(), SlaError> {
    let as_of = options.as_of;
    let now = (as_of, as_of.timestamp());
    // The targets with a metric, their calendars checked in policy order
    // (the first missing one is the error).
    picks.clear();
    for (ti, t) in policy.targets.iter().enumerate() {
        if let Some(mi) = policy.metrics.iter().position(|m| m.name == t.metric) {
            let clock = Clockwork::for_target(t, &options.calendars, &policy.id)?;
            picks.push((mi, ti, clock));
        }
    }
    let first_reply = PRESETS.first();
    let first_reply_like = policy
        .metrics
        .iter()
        .find(|m| first_reply.is_some_and(|p| same_rules(m, p)))
        .map(|m| m.name.as_str());
    // A metric that runs by no preset's rules gets its own timeline.
    // (The timeline holds the presets the options' fields need.)
    let preset_of = |m: &MetricDef| presets.metrics.iter().position(|p| same_rules(m, p.metric));
    let own = if policy.metrics.iter().all(|m| preset_of(m).is_some()) {
        None
    } else {
        Some(Timeline::from_events(
            &policy.metrics,
            events.iter().filter(|e| e.at <= as_of),
        ))
    };
    let channel = presets.channel;
    for (mi, m) in policy.metrics.iter().enumerate() {
        let cycles = match (&own, preset_of(m)) {
            (Some(own), _) => own.metrics.get(mi),
            (None, Some(k)) => presets.metrics.get(k),
            (None, None) => None,
        }
        .map_or(&[][..], |mt| &mt.cycles[..]);
        let mut picked = None;
        for c in cycles {
            let choice = match picked {
                Some((p, choice)) if p == c.priority => choice,
                _ => {
                    let choice = pick(picks, &policy.targets, mi, c.priority, channel);
                    picked = Some((c.priority, choice));
                    choice
                }
            };
            let Some((target, clock)) = choice else {
                continue;
            };
            let j = judge.judge(c, target.seconds, &clock, now)?;
            // The report computes warnings while the clock runs; their
            // arithmetic can fail as the deadline's can.
            if matches!(j.state, TargetState::Running | TargetState::Paused) {
                for w in &policy.warnings {
                    if let Some(s) = sla::warning_offset(*w, target.seconds) {
                        if let Some(t) = judge.instant_after(&clock, c.end.is_some(), s)? {
                            clock.checked(t)?;
                        }
                    }
                }
            }
            let deadline = j.deadline.map(|d| clock.checked(d)).transpose()?;
            if c.index == 0 && Some(m.name.as_str()) == first_reply_like {
                f.first_reply_sla = Some(j.state);
            }
            if j.state == TargetState::Breached {
                if let Some(d) = deadline {
                    f.sla_breached_at = Some(f.sla_breached_at.map_or(d, |b| b.min(d)));
                }
            }
            f.sla.push((m.name.clone(), j.state));
        }
    }
    Ok(())
}

/// The target for a cycle of metric `metric`, as the SLA engine picks it:
/// a channel-specific target wins over a general one, the first of each
/// kind.
fn pick<'p, 'o>(
    picks: &[(usize, usize, Clockwork<'o>)],
    targets: &'p [Target],
    metric: usize,
    priority: Priority,
    channel: Channel,
) -> Option<(&'p Target, Clockwork<'o>)> {
    let mut general = None;
    for &(m, ti, clock) in picks {
        let Some(t) = targets
            .get(ti)
            .filter(|t| m == metric && t.priority == priority)
        else {
            continue;
        };
        match t.channel {
            Some(c) if c == channel => return Some((t, clock)),
            None if general.is_none() => general = Some((t, clock)),
            _ => {}
        }
    }
    general
}

fn set(e: &mut Elapsed, secs: u64, business: bool) {
    if business {
        e.business_seconds = Some(secs);
    } else {
        e.seconds = secs;
    }
}

/// The policy the facts are measured with: the four presets in calendar
/// time and, with a business calendar, their copies in business time.
fn metrics_policy(business: Option<&str>, fields: FactsFields) -> SlaPolicy {
    let presets = preset_defs(fields.presets());
    let mut metrics: Vec<MetricDef> = presets.to_vec();
    if business.is_some() {
        metrics.extend(
            presets
                .iter()
                .map(|m| m.clone().named(&format!("{}{BUSINESS}", m.name))),
        );
    }
    let mut targets = Vec::new();
    for m in &metrics {
        let basis = match (business, m.name.ends_with(BUSINESS)) {
            (Some(cal), true) => TimeBasis::Business {
                calendar: cal.to_owned(),
            },
            _ => TimeBasis::Calendar,
        };
        for priority in Priority::ALL {
            targets.push(Target {
                metric: m.name.clone(),
                priority,
                channel: None,
                seconds: PLACEHOLDER_TARGET,
                basis: basis.clone(),
            });
        }
    }
    SlaPolicy {
        id: "supportdesk-metrics".to_owned(),
        version: 1,
        name: "metrics".to_owned(),
        conditions: Default::default(),
        metrics,
        targets,
        warnings: Vec::new(),
        escalation: Vec::new(),
    }
}
