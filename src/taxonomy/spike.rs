//! Spikes: per-tag counts per day, ISO week or month in a time zone, judged
//! against a rolling baseline, read through the tags' polarity.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::PeriodKind;
use crate::id::{NotificationId, TenantId, TicketId};
use crate::model::notification::{Notification, NotificationContent, NotificationKind, Recipient};
use crate::model::{Direction, Polarity, Reading, SpikeNotice, Tag};
use crate::taxonomy::model::Taxonomy;
use crate::ticket::Ticket;

/// The longest baseline, in periods.
pub const MAX_BASELINE_PERIODS: u32 = 520;

/// How spikes are found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpikeConfig {
    /// Day, ISO week or month (`"week"` in JSON reads as the ISO week).
    pub period: PeriodKind,
    /// The time zone periods are counted in.
    pub time_zone: Tz,
    /// How many previous periods make the baseline (1 to
    /// [`MAX_BASELINE_PERIODS`]; values outside are clamped).
    pub baseline_periods: u32,
    /// The smallest count that can be a spike (and the smallest baseline a
    /// drop is looked for in).
    pub min_count: u32,
    /// How many standard deviations from the baseline mean make a spike.
    /// The deviation is the larger of the baseline's sample deviation and
    /// the Poisson one (the square root of the mean), and at least 1.
    pub z_threshold: f64,
    /// The smallest relative change that is reported (0.5: +50%).
    pub min_change: f64,
    /// Also report drops (a count far below the baseline).
    pub drops: bool,
}

impl Default for SpikeConfig {
    /// Weeks in UTC against the previous 8, at least 5 tickets, 3 standard
    /// deviations and +50%, no drops.
    fn default() -> Self {
        SpikeConfig {
            period: PeriodKind::IsoWeek,
            time_zone: chrono_tz::UTC,
            baseline_periods: 8,
            min_count: 5,
            z_threshold: 3.0,
            min_change: 0.5,
            drops: false,
        }
    }
}

/// Per-tag ticket counts per period. A ticket counts once for each of its
/// tags, in the period it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCounts {
    period: PeriodKind,
    tz: Tz,
    counts: BTreeMap<Tag, BTreeMap<NaiveDate, u32>>,
}

impl TagCounts {
    /// Empty counts.
    pub fn new(period: PeriodKind, tz: Tz) -> Self {
        TagCounts {
            period,
            tz,
            counts: BTreeMap::new(),
        }
    }

    /// Counts the tags of `tickets` by the period they were opened in.
    pub fn from_tickets<'a>(
        tickets: impl IntoIterator<Item = &'a Ticket>,
        period: PeriodKind,
        tz: Tz,
    ) -> Self {
        let mut c = TagCounts::new(period, tz);
        for t in tickets {
            for tag in t.tags() {
                c.add(tag, t.created_at());
            }
        }
        c
    }

    /// Counts one occurrence of `tag` at `at`.
    pub fn add(&mut self, tag: &Tag, at: DateTime<Utc>) {
        let start = self.period.start_of(at, self.tz);
        let slot = self
            .counts
            .entry(tag.clone())
            .or_default()
            .entry(start)
            .or_default();
        *slot = slot.saturating_add(1);
    }

    /// The count of `tag` in the period starting at `start`.
    pub fn count(&self, tag: &Tag, start: NaiveDate) -> u32 {
        self.counts
            .get(tag)
            .and_then(|m| m.get(&start))
            .copied()
            .unwrap_or(0)
    }

    /// The tags counted.
    pub fn tags(&self) -> impl Iterator<Item = &Tag> {
        self.counts.keys()
    }
}

impl Reading {
    fn of(direction: Direction, polarity: Option<Polarity>) -> Reading {
        match (direction, polarity) {
            (_, None) => Reading::Unknown,
            (_, Some(Polarity::Neutral)) => Reading::Neutral,
            (Direction::Up, Some(Polarity::Bad)) | (Direction::Down, Some(Polarity::Good)) => {
                Reading::Bad
            }
            (Direction::Up, Some(Polarity::Good)) | (Direction::Down, Some(Polarity::Bad)) => {
                Reading::Good
            }
        }
    }
}

/// A tag whose count in a period is far from its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spike {
    /// The tag.
    pub tag: Tag,
    /// Day, ISO week or month (`"week"` in JSON reads as the ISO week).
    pub period: PeriodKind,
    /// The first local day of the period judged.
    pub period_start: NaiveDate,
    /// The count in that period.
    pub count: u32,
    /// The mean count of the baseline periods.
    pub baseline: f64,
    /// How many deviations from the baseline the count is.
    pub z: f64,
    /// The relative change from the baseline (2.4 is +240%); `None` when the
    /// baseline is zero.
    pub change: Option<f64>,
    /// Up or down.
    pub direction: Direction,
    /// The tag's polarity, if the taxonomy gives one.
    pub polarity: Option<Polarity>,
    /// What it means.
    pub reading: Reading,
}

impl Spike {
    /// The change in whole percent, rounded (`Some(240)` for +240%).
    pub fn change_percent(&self) -> Option<i64> {
        #[allow(clippy::cast_possible_truncation)]
        self.change
            .filter(|c| c.is_finite())
            .map(|c| (c * 100.0).round().clamp(-1e15, 1e15) as i64)
    }

    /// A one-line summary: `bad spike: payment-error +240% this week`.
    pub fn summary(&self) -> String {
        self.to_string()
    }

    /// The notice sent to agents about it.
    pub fn notice(&self) -> SpikeNotice {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let baseline = self.baseline.round().clamp(0.0, f64::from(u32::MAX)) as u32;
        SpikeNotice {
            summary: self.summary(),
            tag: self.tag.clone(),
            period_start: self.period_start,
            count: self.count,
            baseline,
            change_percent: self.change_percent(),
            direction: self.direction,
            reading: self.reading,
        }
    }
}

impl fmt::Display for Spike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (self.reading, self.direction) {
            (Reading::Bad, Direction::Up) => "bad spike",
            (Reading::Good, Direction::Up) => "good spike",
            (Reading::Neutral, Direction::Up) => "neutral spike",
            (Reading::Unknown, Direction::Up) => "spike (no polarity)",
            (Reading::Bad, Direction::Down) => "bad drop",
            (Reading::Good, Direction::Down) => "good drop",
            (Reading::Neutral, Direction::Down) => "neutral drop",
            (Reading::Unknown, Direction::Down) => "drop (no polarity)",
        };
        match self.change_percent() {
            Some(p) => write!(f, "{what}: {} {p:+}% {}", self.tag, self.period.this()),
            None => write!(
                f,
                "{what}: {} {} {}, none before",
                self.tag,
                self.count,
                self.period.this()
            ),
        }
    }
}

/// Finds the spikes of the period holding `at`, from the tags of `tickets`
/// (counted in the period they were opened). With a taxonomy, each spike
/// carries its tag's polarity and reading. Sorted: bad news first, then by
/// distance from the baseline, then by tag.
///
/// The period holding `at` may still be running: its count can only grow,
/// so judging it early misses spikes but never invents one (drops are only
/// sound for finished periods).
///
/// # Example
/// ```
/// use supportdesk::taxonomy::{detect_spikes, PeriodKind, SpikeConfig, Taxonomy};
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::id::TicketId;
/// use chrono::{Duration, TimeZone, Utc};
///
/// let tax: Taxonomy = serde_json::from_str(r#"{"tags": [{"tag": "payment-error", "kind": "what", "polarity": "bad"}]}"#)?;
/// let monday = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let mut tickets = Vec::new();
/// // Two a week for eight weeks, then seventeen this week.
/// for week in 1..=8i64 {
///     for n in 0..2 {
///         let at = monday - Duration::weeks(week) + Duration::hours(n);
///         tickets.push(TicketBuilder::new().id(TicketId::from_u128(tickets.len() as u128)).opened_at(at).tag("payment-error").build());
///     }
/// }
/// for n in 0..17 {
///     tickets.push(TicketBuilder::new().id(TicketId::from_u128(1000 + n)).opened_at(monday + Duration::hours(n as i64)).tag("payment-error").build());
/// }
/// let spikes = detect_spikes(&tickets, Some(&tax), monday, &SpikeConfig::default());
/// assert_eq!(spikes[0].to_string(), "bad spike: payment-error +750% this week");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn detect_spikes(
    tickets: &[Ticket],
    taxonomy: Option<&Taxonomy>,
    at: DateTime<Utc>,
    config: &SpikeConfig,
) -> Vec<Spike> {
    let counts = TagCounts::from_tickets(tickets, config.period, config.time_zone);
    spikes_in(&counts, taxonomy, at, config)
}

/// As [`detect_spikes`], over counts already made.
pub fn spikes_in(
    counts: &TagCounts,
    taxonomy: Option<&Taxonomy>,
    at: DateTime<Utc>,
    config: &SpikeConfig,
) -> Vec<Spike> {
    let period = counts.period;
    let start = period.start_of(at, counts.tz);
    let n = config.baseline_periods.clamp(1, MAX_BASELINE_PERIODS);
    let mut out = Vec::new();
    for tag in counts.tags() {
        let count = counts.count(tag, start);
        let base: Vec<f64> = (1..=n)
            .filter_map(|k| period.back(start, k))
            .map(|s| f64::from(counts.count(tag, s)))
            .collect();
        if base.is_empty() {
            continue;
        }
        #[allow(clippy::cast_precision_loss)]
        let len = base.len() as f64;
        let mean = base.iter().sum::<f64>() / len;
        let var = if base.len() > 1 {
            base.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (len - 1.0)
        } else {
            0.0
        };
        let sd = var.max(mean).sqrt().max(1.0);
        let x = f64::from(count);
        let z = (x - mean) / sd;
        let change = (mean > 0.0).then(|| (x - mean) / mean);
        let up = count >= config.min_count
            && z >= config.z_threshold
            && change.is_none_or(|c| c >= config.min_change);
        let down = config.drops
            && mean >= f64::from(config.min_count)
            && z <= -config.z_threshold
            && change.is_some_and(|c| -c >= config.min_change.min(1.0));
        if !(up || down) {
            continue;
        }
        let direction = if up { Direction::Up } else { Direction::Down };
        let polarity = taxonomy.and_then(|t| t.polarity_of(tag));
        out.push(Spike {
            tag: tag.clone(),
            period,
            period_start: start,
            count,
            baseline: mean,
            z,
            change,
            direction,
            polarity,
            reading: Reading::of(direction, polarity),
        });
    }
    out.sort_by(|a, b| {
        a.reading
            .cmp(&b.reading)
            .then(b.z.abs().total_cmp(&a.z.abs()))
            .then(a.tag.cmp(&b.tag))
    });
    out
}

/// A deterministic id for the notice of one spike: the same tenant, tag,
/// period and direction always give the same id, so a store's outbox keeps
/// one notice per spike however often spikes are checked.
fn spike_id(tenant: TenantId, spike: &Spike) -> NotificationId {
    // FNV-1a, 128 bits.
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u128::from(*b);
            h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        }
    };
    eat(b"supportdesk/tag-spike/");
    eat(tenant.as_uuid().as_bytes());
    eat(spike.tag.as_str().as_bytes());
    eat(spike.period_start.to_string().as_bytes());
    eat(b"/");
    eat(spike.period.name().as_bytes());
    eat(match spike.direction {
        Direction::Up => b"/up",
        Direction::Down => b"/down",
    });
    // Make it a valid version-8 (custom) UUID.
    let v = (h & !(0xF << 76) & !(0x3 << 62)) | (0x8 << 76) | (0x2 << 62);
    NotificationId::from_u128(v)
}

/// Builds the agent notifications for spikes, one per spike, of kind
/// [`NotificationKind::TagSpike`]. Spikes concern no single ticket: their
/// `ticket` is the nil id ([`Notification::ticket_id`] gives `None`). Ids
/// are derived from the tenant, tag, period and direction, so the same
/// spike always gets the same id. A customer recipient gets nothing:
/// spikes are internal.
///
/// # Example
/// ```
/// use supportdesk::notification::{NotificationKind, Recipient};
/// use supportdesk::taxonomy::{spike_notifications, Direction, PeriodKind, Reading, Spike};
/// use supportdesk::id::TenantId;
/// use supportdesk::Tag;
///
/// let spike = Spike {
///     tag: Tag::new("payment-error")?, period: PeriodKind::IsoWeek,
///     period_start: "2026-03-02".parse()?, count: 17, baseline: 5.0, z: 5.4,
///     change: Some(2.4), direction: Direction::Up, polarity: None, reading: Reading::Bad,
/// };
/// let now = "2026-03-04T10:00:00Z".parse()?;
/// let n = spike_notifications(TenantId::from_u128(1), &[spike], now, &Recipient::Team);
/// assert_eq!(n[0].kind, NotificationKind::TagSpike);
/// assert_eq!(n[0].ticket_id(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spike_notifications(
    tenant: TenantId,
    spikes: &[Spike],
    now: DateTime<Utc>,
    recipient: &Recipient,
) -> Vec<Notification> {
    if recipient.is_customer() {
        return Vec::new();
    }
    spikes
        .iter()
        .map(|s| Notification {
            id: spike_id(tenant, s),
            tenant,
            ticket: TicketId::from_u128(0),
            created_at: now,
            recipient: recipient.clone(),
            kind: NotificationKind::TagSpike,
            content: NotificationContent::TagSpike(s.notice()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> Tag {
        Tag::new(s).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_are_iso_and_local() {
        let d = PeriodKind::IsoWeek.start_of(at("2026-01-01T12:00:00Z"), chrono_tz::UTC);
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 12, 29).unwrap());
        let d = PeriodKind::Day.start_of(at("2026-03-29T23:30:00Z"), chrono_tz::Europe::Berlin);
        assert_eq!(d, NaiveDate::from_ymd_opt(2026, 3, 30).unwrap());
    }

    #[test]
    fn flat_counts_are_no_spike_and_a_jump_is() {
        let mut c = TagCounts::new(PeriodKind::Day, chrono_tz::UTC);
        let t = tag("payment-error");
        for day in 1..=8 {
            for _ in 0..10 {
                c.add(&t, at(&format!("2026-03-{day:02}T10:00:00Z")));
            }
        }
        let cfg = SpikeConfig {
            period: PeriodKind::Day,
            baseline_periods: 7,
            ..SpikeConfig::default()
        };
        assert!(spikes_in(&c, None, at("2026-03-08T12:00:00Z"), &cfg).is_empty());
        for _ in 0..24 {
            c.add(&t, at("2026-03-09T10:00:00Z"));
        }
        let s = spikes_in(&c, None, at("2026-03-09T12:00:00Z"), &cfg);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].count, 24);
        assert_eq!(s[0].change_percent(), Some(140));
        assert_eq!(s[0].reading, Reading::Unknown);
        assert_eq!(
            s[0].to_string(),
            "spike (no polarity): payment-error +140% today"
        );
    }

    #[test]
    fn drops_only_when_asked_and_read_through_polarity() {
        let mut c = TagCounts::new(PeriodKind::IsoWeek, chrono_tz::UTC);
        let t = tag("feedback/praise");
        for w in 0..8 {
            let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Days::new(7 * w);
            for _ in 0..20 {
                c.add(&t, d.and_hms_opt(10, 0, 0).unwrap().and_utc());
            }
        }
        c.add(&t, at("2026-03-02T10:00:00Z"));
        let tax: Taxonomy = serde_json::from_str(
            r#"{"tags":[{"tag":"feedback/praise","kind":"what","polarity":"good"}]}"#,
        )
        .unwrap();
        let now = at("2026-03-02T12:00:00Z");
        assert!(spikes_in(&c, Some(&tax), now, &SpikeConfig::default()).is_empty());
        let cfg = SpikeConfig {
            drops: true,
            ..SpikeConfig::default()
        };
        let s = spikes_in(&c, Some(&tax), now, &cfg);
        assert_eq!(s[0].direction, Direction::Down);
        assert_eq!(s[0].reading, Reading::Bad);
        assert_eq!(s[0].to_string(), "bad drop: feedback/praise -95% this week");
    }

    #[test]
    fn notification_ids_are_stable() {
        let s = Spike {
            tag: tag("a"),
            period: PeriodKind::IsoWeek,
            period_start: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            count: 9,
            baseline: 1.0,
            z: 8.0,
            change: Some(8.0),
            direction: Direction::Up,
            polarity: Some(Polarity::Bad),
            reading: Reading::Bad,
        };
        let t = TenantId::from_u128(1);
        let a = spike_notifications(
            t,
            std::slice::from_ref(&s),
            at("2026-03-03T00:00:00Z"),
            &Recipient::Team,
        );
        let b = spike_notifications(
            t,
            std::slice::from_ref(&s),
            at("2026-03-04T00:00:00Z"),
            &Recipient::Team,
        );
        assert_eq!(a[0].id, b[0].id);
        assert_eq!(a[0].id.as_uuid().get_version_num(), 8);
        let customer = Recipient::Customer {
            customer: crate::id::CustomerId::from_u128(1),
            channel: crate::Channel::Email,
        };
        assert!(spike_notifications(t, &[s], at("2026-03-03T00:00:00Z"), &customer).is_empty());
    }
}
