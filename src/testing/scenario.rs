use chrono::{DateTime, Utc};

use crate::model::notification::NotificationKind;
use crate::taxonomy::Taxonomy;
use crate::testing::{SequentialIds, TicketBuilder};
use crate::ticket::{
    Command, Context, Decision, DomainError, Event, LifecycleRules, Status, Ticket, decide,
};

/// A given/when/then test over the pure core: given a ticket, when a command
/// is decided at an instant, then these events, this status, or this error.
///
/// Assertions panic with a message showing what happened instead (they
/// are test helpers and report the caller's line).
///
/// ```
/// use supportdesk::testing::{Scenario, TicketBuilder};
/// use supportdesk::ticket::{Command, DomainError};
/// use supportdesk::Status;
///
/// Scenario::given(TicketBuilder::new().status(Status::Closed))
///     .when(Command::status(Status::Open))
///     .then_error(|e| matches!(e, DomainError::IllegalInStatus { status: Status::Closed, .. }));
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct Scenario {
    ticket: Ticket,
    now: DateTime<Utc>,
    rules: LifecycleRules,
    taxonomy: Option<Taxonomy>,
}

/// The result of [`Scenario::when`], with the assertions.
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct Then {
    before: Ticket,
    result: Result<Decision, DomainError>,
}

impl Scenario {
    /// Starts from a built ticket; `now` is one hour after it was last
    /// updated.
    pub fn given(builder: TicketBuilder) -> Self {
        Self::given_ticket(builder.build())
    }

    /// Starts from a ticket.
    pub fn given_ticket(ticket: Ticket) -> Self {
        let now = ticket
            .updated_at()
            .checked_add_signed(chrono::Duration::hours(1))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Scenario {
            ticket,
            now,
            rules: LifecycleRules::default(),
            taxonomy: None,
        }
    }

    /// Starts from a stored history.
    ///
    /// # Panics
    /// When the history does not start with an `Opened` event.
    #[track_caller]
    pub fn given_events(events: &[Event]) -> Self {
        match Ticket::from_events(events) {
            Some(t) => Self::given_ticket(t),
            None => panic!("Scenario::given_events: the history must start with an opened event"),
        }
    }

    /// Decides at this instant.
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// Decides under these rules.
    pub fn rules(mut self, rules: LifecycleRules) -> Self {
        self.rules = rules;
        self
    }

    /// Decides with this tag taxonomy in the context.
    pub fn taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = Some(taxonomy);
        self
    }

    /// Decides the command.
    pub fn when(self, command: Command) -> Then {
        let ids = SequentialIds::new();
        let mut ctx = Context::new(self.now, &ids).with_rules(&self.rules);
        if let Some(t) = &self.taxonomy {
            ctx = ctx.with_taxonomy(t);
        }
        let result = decide(&self.ticket, &command, &ctx);
        Then {
            before: self.ticket,
            result,
        }
    }
}

impl Then {
    #[track_caller]
    fn decision(&self) -> &Decision {
        match &self.result {
            Ok(d) => d,
            Err(e) => panic!("expected the command to be accepted, it was rejected: {e}"),
        }
    }

    /// Asserts the events, by [`EventKind::name`](crate::ticket::EventKind::name), in order.
    ///
    /// # Panics
    /// When the command was rejected or the events differ.
    #[track_caller]
    pub fn then_events(self, names: &[&str]) -> Self {
        let got: Vec<&str> = self
            .decision()
            .events
            .iter()
            .map(|e| e.kind.name())
            .collect();
        assert_eq!(got, names, "events differ");
        self
    }

    /// Asserts the ticket's status after applying the events.
    ///
    /// # Panics
    /// When the command was rejected or the status differs.
    #[track_caller]
    pub fn then_status(self, status: Status) -> Self {
        let t = self.ticket();
        assert_eq!(t.status(), status, "status after the command");
        self
    }

    /// Asserts the notification kinds, in order.
    ///
    /// # Panics
    /// When the command was rejected or the kinds differ.
    #[track_caller]
    pub fn then_notifies(self, kinds: &[NotificationKind]) -> Self {
        let got: Vec<NotificationKind> = self
            .decision()
            .notifications
            .iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(got, kinds, "notifications differ");
        self
    }

    /// Asserts the command was rejected with an error matching `pred`.
    ///
    /// # Panics
    /// When it was accepted, or the error does not match.
    #[track_caller]
    pub fn then_error(self, pred: impl FnOnce(&DomainError) -> bool) -> Self {
        match &self.result {
            Ok(d) => panic!(
                "expected a rejection, got events {:?}",
                d.events.iter().map(|e| e.kind.name()).collect::<Vec<_>>()
            ),
            Err(e) => assert!(pred(e), "the error did not match: {e:?}"),
        }
        self
    }

    /// The ticket after applying the events (the original on rejection, which
    /// changes nothing).
    pub fn ticket(&self) -> Ticket {
        let mut t = self.before.clone();
        if let Ok(d) = &self.result {
            let id = t.id();
            for e in d.events.iter().filter(|e| e.ticket == id) {
                t.apply(e);
            }
        }
        t
    }

    /// The raw result.
    pub fn result(&self) -> &Result<Decision, DomainError> {
        &self.result
    }
}
