//! Aggregates per day, ISO week or month in a time zone (the periods are
//! [`calendar::Period`](crate::calendar::Period)).

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Period, PeriodKind};
use crate::metrics::aggregate::Aggregate;
use crate::metrics::contact::{ContactBase, ContactRate, Denominator};
use crate::metrics::error::MetricsError;
use crate::metrics::facts::{TicketFacts, unix};

/// The last period looked up and the bounds of the periods seen, to skip
/// the time-zone arithmetic (ignored by `==` and serde).
#[derive(Debug, Clone, Default)]
struct Cache {
    last: Option<(i64, i64, Period)>,
    bounds: BTreeMap<Period, (i64, i64)>,
}

impl PartialEq for Cache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Aggregates per day, ISO week or month in a time zone, mergeable like
/// [`Aggregate`].
///
/// Each ticket counts in the period it was **opened** in (a cohort: its
/// first response, resolution, ratings and SLA outcomes stay with it, so
/// rates within a period are consistent). The **backlog** of a period is
/// measured at its end (the start of the next period), or at the facts'
/// instant for the period still running; a ticket counts in the backlog of
/// at most 10,000 periods.
///
/// ```
/// use supportdesk::metrics::{Periodic, PeriodKind, TicketFacts};
/// use supportdesk::id::{CustomerId, TicketId};
/// use supportdesk::Channel;
///
/// let mut days = Periodic::new(PeriodKind::Day, chrono_tz::Europe::London);
/// // Opened 2026-03-02 23:30 UTC: still Monday in London (GMT).
/// let mut f = TicketFacts::new(TicketId::from_u128(1), CustomerId::from_u128(1), Channel::Email, 1_772_494_200);
/// f.as_of = f.created_at + 2 * 86_400; // still unsolved two days later
/// days.add(&f);
/// let labels: Vec<String> = days.periods().map(|(p, _)| p.to_string()).collect();
/// assert_eq!(labels, ["2026-03-02", "2026-03-03", "2026-03-04"]);
/// assert_eq!(days.periods().map(|(_, a)| a.backlog().open).collect::<Vec<_>>(), [1, 1, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Serialised form
/// The kind, the time zone's name and the periods as a list of entries,
/// oldest first (JSON objects cannot have a period as key):
/// `{"kind": "day", "tz": "Europe/London", "periods": [{"period": {"kind":
/// "day", "start": "2026-03-02"}, "aggregate": {..}}]}`. Reading checks that
/// every period is of the kind, starts where a period of that kind starts,
/// and is listed once ([`MetricsError`] names the period otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPeriodic")]
pub struct Periodic {
    kind: PeriodKind,
    tz: Tz,
    #[serde(serialize_with = "periods_as_entries")]
    periods: BTreeMap<Period, Aggregate>,
    #[serde(skip)]
    cache: Cache,
}

/// One period and its aggregate, the serialised entry of a [`Periodic`].
#[derive(Serialize, Deserialize)]
struct PeriodEntry<A> {
    period: Period,
    aggregate: A,
}

fn periods_as_entries<S: serde::Serializer>(
    periods: &BTreeMap<Period, Aggregate>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(periods.iter().map(|(p, a)| PeriodEntry {
        period: *p,
        aggregate: a,
    }))
}

/// The serialised form of a [`Periodic`], checked before it becomes one.
#[derive(Deserialize)]
struct RawPeriodic {
    kind: PeriodKind,
    tz: Tz,
    periods: Vec<PeriodEntry<Aggregate>>,
}

impl TryFrom<RawPeriodic> for Periodic {
    type Error = MetricsError;

    fn try_from(raw: RawPeriodic) -> Result<Self, MetricsError> {
        let mut periodic = Periodic::new(raw.kind, raw.tz);
        for PeriodEntry { period, aggregate } in raw.periods {
            if period.kind != raw.kind || Period::containing(raw.kind, period.start) != period {
                return Err(MetricsError::NotAPeriod {
                    period: format!("{:?} from {}", period.kind, period.start),
                    kind: raw.kind,
                });
            }
            if periodic.periods.insert(period, aggregate).is_some() {
                return Err(MetricsError::DuplicatePeriod {
                    period: period.to_string(),
                });
            }
        }
        Ok(periodic)
    }
}

impl Periodic {
    /// Empty, with periods of `kind` in `tz`.
    pub fn new(kind: PeriodKind, tz: Tz) -> Self {
        Periodic {
            kind,
            tz,
            periods: BTreeMap::new(),
            cache: Cache::default(),
        }
    }

    /// The kind of period.
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The time zone.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The period containing an instant (Unix seconds). Instants beyond
    /// the range of [`DateTime<Utc>`](chrono::DateTime) read as its first or
    /// last instant, and a local date beyond chrono's range as its first or
    /// last date.
    pub fn period_of(&mut self, t: i64) -> Period {
        if let Some((a, b, p)) = self.cache.last {
            if a <= t && t < b {
                return p;
            }
        }
        let local = crate::instant::local_date(unix(t), self.tz);
        let p = Period::containing(self.kind, local);
        let (a, b) = self.bounds_of(p);
        self.cache.last = Some((a, b, p));
        p
    }

    /// A period's bounds, computed once per period.
    fn bounds_of(&mut self, p: Period) -> (i64, i64) {
        if let Some(b) = self.cache.bounds.get(&p) {
            return *b;
        }
        let b = p.bounds(self.tz);
        self.cache.bounds.insert(p, b);
        b
    }

    /// Adds a ticket: to the period it was opened in, and to the backlog at
    /// the end of each period it was unsolved at.
    pub fn add(&mut self, f: &TicketFacts) {
        let first = self.period_of(f.created_at);
        self.periods.entry(first).or_default().add_ticket(f);
        // Unsolved at the instant, or until the latest status change.
        let open_until = if f.status.is_unsolved() {
            f.as_of
        } else {
            f.statuses.last().map_or(f.created_at, |(at, _)| *at)
        };
        let mut p = first;
        // Bounded: a ticket counts in the backlog of at most 10,000 periods
        // (27 years of days) after the one it was opened in.
        for _ in 0..10_000 {
            let (_, end) = self.bounds_of(p);
            let at = end.min(f.as_of);
            if at > open_until && !f.status.is_unsolved() {
                break;
            }
            if f.status_at(at).is_some_and(|s| s.is_unsolved()) {
                self.periods.entry(p).or_default().add_backlog(f, at);
            }
            let next = p.next();
            if end > f.as_of || next <= p {
                break;
            }
            p = next;
        }
    }

    /// Adds everything another per-period aggregate holds.
    ///
    /// # Errors
    /// [`MetricsError::PeriodMismatch`] when the kinds or time zones differ.
    pub fn merge(&mut self, other: &Periodic) -> Result<(), MetricsError> {
        if self.kind != other.kind || self.tz != other.tz {
            return Err(MetricsError::PeriodMismatch {
                left: format!("{:?} in {}", self.kind, self.tz.name()),
                right: format!("{:?} in {}", other.kind, other.tz.name()),
            });
        }
        for (p, a) in &other.periods {
            self.periods.entry(*p).or_default().merge(a);
        }
        Ok(())
    }

    /// The periods with data, oldest first.
    pub fn periods(&self) -> impl Iterator<Item = (&Period, &Aggregate)> {
        self.periods.iter()
    }

    /// One period's aggregate.
    pub fn get(&self, period: &Period) -> Option<&Aggregate> {
        self.periods.get(period)
    }

    /// Every period merged, with the backlog of the latest period (backlogs
    /// at different instants do not add up).
    pub fn total(&self) -> Aggregate {
        let mut all = Aggregate::new();
        for a in self.periods.values() {
            all.merge_tickets(a);
        }
        if let Some(last) = self.periods.values().next_back() {
            all.backlog = last.backlog.clone();
        }
        all
    }

    /// The contact rate of each period with a known denominator: reactive
    /// tickets opened in the period per order or per active customer.
    pub fn contact_rates(
        &self,
        base: &dyn ContactBase,
        per: Denominator,
    ) -> Vec<(Period, ContactRate)> {
        self.periods
            .iter()
            .filter_map(|(p, a)| {
                let (from, to) = p.bounds(self.tz);
                ContactRate::of(a, base, per, unix(from), unix(to)).map(|r| (*p, r))
            })
            .collect()
    }
}
