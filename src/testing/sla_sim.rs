use chrono::{DateTime, Utc};

use crate::sla::{Calendars, Fired, SlaError, SlaPolicy, simulate};
use crate::ticket::Event;

/// Runs a ticket's SLA clocks in virtual time: from the first event, it
/// jumps straight to each next warning or breach (and to each event), and
/// collects what fires, each alert once. A week of a ticket's life is a
/// handful of evaluations, so tests can check alert timing to the second
/// without sleeping or a clock.
///
/// ```
/// use supportdesk::sla::{Calendars, MetricDef, SlaPolicy, Target, TimeBasis, WarnAt, AlertPoint};
/// use supportdesk::testing::{SlaSimulator, TicketBuilder};
/// use supportdesk::Priority;
///
/// let policy = SlaPolicy {
///     id: "p".into(), version: 1, name: String::new(), conditions: Default::default(),
///     metrics: vec![MetricDef::first_reply()],
///     targets: vec![Target { metric: "first_reply".into(), priority: Priority::Normal, channel: None,
///                            seconds: 3600, basis: TimeBasis::Calendar }],
///     warnings: vec![WarnAt::Share { share: 0.5 }], escalation: vec![],
/// };
/// let events = TicketBuilder::new().events(); // opened 2026-01-05 09:00 UTC, never answered
/// let fired = SlaSimulator::new(&events, &Calendars::new())
///     .policy(&policy)
///     .run_until("2026-01-12T09:00:00Z".parse()?)?;
/// let points: Vec<_> = fired.iter().map(|f| (f.alert.key.point, f.at.to_rfc3339())).collect();
/// assert_eq!(points, [
///     (AlertPoint::Warning(0), "2026-01-05T09:30:00+00:00".to_owned()),
///     (AlertPoint::Breach, "2026-01-05T10:00:01+00:00".to_owned()),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug, Clone, Copy)]
pub struct SlaSimulator<'a> {
    events: &'a [Event],
    calendars: &'a Calendars,
    policy: Option<&'a SlaPolicy>,
}

impl<'a> SlaSimulator<'a> {
    /// A simulation of this history (its recorded policy applies).
    pub fn new(events: &'a [Event], calendars: &'a Calendars) -> Self {
        SlaSimulator {
            events,
            calendars,
            policy: None,
        }
    }

    /// Simulates under this policy instead of the recorded one.
    pub fn policy(mut self, policy: &'a SlaPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Runs until `until` and returns what fired, in order.
    ///
    /// # Errors
    /// The first [`SlaError`] of an evaluation.
    pub fn run_until(&self, until: DateTime<Utc>) -> Result<Vec<Fired>, SlaError> {
        simulate(self.events, self.calendars, self.policy, until)
    }
}
