//! Days, ISO weeks and months in a time zone, and aggregates per period.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::metrics::aggregate::Aggregate;
use crate::metrics::contact::{ContactBase, ContactRate, Denominator};
use crate::metrics::error::MetricsError;
use crate::metrics::facts::{TicketFacts, unix};

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A calendar day.
    Day,
    /// An ISO 8601 week, Monday to Sunday.
    IsoWeek,
    /// A calendar month.
    Month,
}

/// One day, ISO week or month (local dates of a time zone).
///
/// ```
/// use supportdesk::metrics::{Period, PeriodKind};
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
/// assert_eq!(Period::containing(PeriodKind::IsoWeek, d).to_string(), "2026-W10");
/// assert_eq!(Period::containing(PeriodKind::Month, d).to_string(), "2026-03");
/// assert_eq!(Period::containing(PeriodKind::Day, d).next().to_string(), "2026-03-05");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    /// Day, week or month.
    pub kind: PeriodKind,
    /// Its first local date.
    pub start: NaiveDate,
}

impl Period {
    /// The period of a kind that contains a local date.
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Period {
        let start = match kind {
            PeriodKind::Day => date,
            PeriodKind::IsoWeek => date
                .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
                .unwrap_or(date),
            PeriodKind::Month => date.with_day(1).unwrap_or(date),
        };
        Period { kind, start }
    }

    /// The period right after this one.
    pub fn next(&self) -> Period {
        let start = match self.kind {
            PeriodKind::Day => self.start.checked_add_days(Days::new(1)),
            PeriodKind::IsoWeek => self.start.checked_add_days(Days::new(7)),
            PeriodKind::Month => self.start.checked_add_months(Months::new(1)),
        }
        .unwrap_or(NaiveDate::MAX);
        Period {
            kind: self.kind,
            start,
        }
    }

    /// Its first instant and the first instant of the next period, in a
    /// time zone (Unix seconds). A local midnight that does not exist
    /// (a DST gap) is read as the first local time after the gap.
    pub fn bounds(&self, tz: Tz) -> (i64, i64) {
        (
            local_start(tz, self.start),
            local_start(tz, self.next().start),
        )
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Day => write!(f, "{}", self.start.format("%Y-%m-%d")),
            PeriodKind::IsoWeek => {
                let w = self.start.iso_week();
                write!(f, "{}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Month => write!(f, "{}", self.start.format("%Y-%m")),
        }
    }
}

/// The first instant of a local date (the crate's one day-start rule).
fn local_start(tz: Tz, date: NaiveDate) -> i64 {
    crate::instant::day_start(tz, date)
}

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
