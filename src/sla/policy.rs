//! SLA policies against calendars and tickets: the calendar set, policy
//! selection, and the checks that need calendars. The policy data itself
//! ([`SlaPolicy`], [`Target`], [`Conditions`], ...) is a value of
//! [`model`](crate::model).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::model::{Conditions, SlaError, SlaPolicy, TimeBasis};
use crate::ticket::Ticket;

impl Conditions {
    /// Whether a ticket (with its customer's segment) matches.
    pub fn matches(&self, ticket: &Ticket, segment: Option<&str>) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&ticket.priority()))
            && (self.channels.is_empty() || self.channels.contains(&ticket.channel()))
            && (self.tags.is_empty()
                || self
                    .tags
                    .iter()
                    .any(|want| ticket.tags().iter().any(|t| t.is_under(want))))
            && (self.segments.is_empty()
                || segment.is_some_and(|s| self.segments.iter().any(|x| x == s)))
    }
}

impl SlaPolicy {
    /// Checks the policy ([`check`](Self::check)) and its calendars against
    /// a calendar set.
    ///
    /// # Errors
    /// The error of [`check`](Self::check), or
    /// [`UnknownCalendar`](SlaError::UnknownCalendar) for a target on a
    /// calendar not in `calendars`.
    pub fn validate(&self, calendars: &Calendars) -> Result<(), SlaError> {
        self.check()?;
        for t in &self.targets {
            if let TimeBasis::Business { calendar } = &t.basis {
                if calendars.get(calendar).is_none() {
                    return Err(SlaError::UnknownCalendar {
                        policy: self.id.clone(),
                        name: calendar.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Named business calendars the targets refer to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Calendars(BTreeMap<String, BusinessCalendar>);

impl Calendars {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a calendar.
    pub fn insert(&mut self, name: impl Into<String>, calendar: BusinessCalendar) -> &mut Self {
        self.0.insert(name.into(), calendar);
        self
    }

    /// Adds a calendar, builder style.
    pub fn with(mut self, name: impl Into<String>, calendar: BusinessCalendar) -> Self {
        self.insert(name, calendar);
        self
    }

    /// A calendar by name.
    pub fn get(&self, name: &str) -> Option<&BusinessCalendar> {
        self.0.get(name)
    }

    /// A calendar by name, with the name as stored.
    pub(crate) fn get_named(&self, name: &str) -> Option<(&str, &BusinessCalendar)> {
        self.0.get_key_value(name).map(|(k, c)| (k.as_str(), c))
    }
}

/// Ordered policies with a fallback: the first policy whose conditions match
/// a ticket applies, else the fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySet {
    /// Policies in order of precedence.
    pub policies: Vec<SlaPolicy>,
    /// The policy for tickets no other matches.
    pub fallback: SlaPolicy,
}

impl PolicySet {
    /// A set with only a fallback policy.
    pub fn new(fallback: SlaPolicy) -> Self {
        PolicySet {
            policies: Vec::new(),
            fallback,
        }
    }

    /// Adds a policy after the existing ones.
    pub fn with_policy(mut self, policy: SlaPolicy) -> Self {
        self.policies.push(policy);
        self
    }

    /// The policy for a ticket: the first that matches, else the fallback.
    pub fn select(&self, ticket: &Ticket, segment: Option<&str>) -> &SlaPolicy {
        self.policies
            .iter()
            .find(|p| p.conditions.matches(ticket, segment))
            .unwrap_or(&self.fallback)
    }

    /// Validates every policy against the calendars.
    ///
    /// # Errors
    /// The first [`SlaError`] found.
    pub fn validate(&self, calendars: &Calendars) -> Result<(), SlaError> {
        for p in self.policies.iter().chain(std::iter::once(&self.fallback)) {
            p.validate(calendars)?;
        }
        Ok(())
    }
}
