//! The first-reply and total-resolution clocks in calendar time, followed
//! directly while the facts read a history, without the SLA engine's
//! timeline and cycle judge.
//!
//! They give exactly what [`Timeline`](crate::sla::Timeline) and the judge
//! give for [`MetricDef::first_reply`](crate::sla::MetricDef::first_reply)
//! and [`MetricDef::total_resolution`](crate::sla::MetricDef::total_resolution)
//! on calendar time, for the histories they can follow: one opening, every
//! event of the same ticket, instants in order (to the second), each status
//! change from the status the ticket was in, and instants from 1970 to the
//! calendars' last year. Any other history is flagged, and the caller
//! replays it through the timeline. The property test
//! `fast_facts_equal_the_reference` (and `direct_clocks_equal_the_reference`)
//! in `tests/metrics_props.rs` compares both ways on generated histories.

use crate::calendar::BusinessCalendar;
use crate::metrics::facts::{Elapsed, TicketFacts};
use crate::ticket::Status;

/// The first-reply clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstReply {
    /// No clock (a proactive ticket), or one that stopped without a reply
    /// (solved, closed or merged first): no figure either way.
    None,
    /// Running.
    Open,
    /// Fulfilled by a human reply at these Unix seconds.
    Replied(i64),
}

/// The two clocks of one history (see the module's documentation).
#[derive(Debug, Clone)]
pub(crate) struct DirectClocks {
    /// Whether the history is one these clocks follow exactly.
    followed: bool,
    /// The opening, in Unix seconds.
    start: i64,
    /// The latest instant read, in Unix seconds.
    last: i64,
    /// The ticket's status.
    status: Status,
    first_reply: FirstReply,
    /// Resolution: when and whether fulfilled (`true`) it ended.
    end: Option<(i64, bool)>,
    /// Resolution: when the ticket was solved, while it stays solved.
    solved_at: Option<i64>,
    /// Resolution: the start of the running pause (the ticket solved).
    pause_from: Option<i64>,
    /// Resolution: the seconds of the ended pauses.
    paused: i64,
}

/// Whether a status stops the resolution clock (solved, closed).
fn closes(s: Status) -> bool {
    matches!(s, Status::Solved | Status::Closed)
}

impl DirectClocks {
    /// The clocks of a ticket opened at Unix seconds `start`; a proactive
    /// ticket has no first-reply clock.
    #[inline]
    pub(crate) fn opened(start: i64, proactive: bool) -> Self {
        DirectClocks {
            followed: (BusinessCalendar::MIN_UNIX_SECONDS..=BusinessCalendar::MAX_UNIX_SECONDS)
                .contains(&start),
            start,
            last: start,
            status: Status::New,
            first_reply: if proactive {
                FirstReply::None
            } else {
                FirstReply::Open
            },
            end: None,
            solved_at: None,
            pause_from: None,
            paused: 0,
        }
    }

    /// Whether the history read so far is one these clocks follow.
    #[inline]
    pub(crate) fn followed(&self) -> bool {
        // (The instants are in order: the last is the latest.)
        self.followed && self.last <= BusinessCalendar::MAX_UNIX_SECONDS
    }

    /// A history these clocks do not follow (another ticket's event,
    /// another opening).
    #[inline]
    pub(crate) fn lose(&mut self) {
        self.followed = false;
    }

    /// An event of the ticket at Unix seconds `at`, before its kind is
    /// read: instants must not go back.
    #[inline]
    pub(crate) fn step(&mut self, at: i64) {
        self.followed &= at >= self.last;
        self.last = at;
    }

    /// A public reply by a human agent at `at`.
    #[inline]
    pub(crate) fn agent_replied(&mut self, at: i64) {
        if matches!(self.first_reply, FirstReply::Open) {
            self.first_reply = FirstReply::Replied(at);
        }
    }

    /// The ticket merged into another at `at`.
    #[inline]
    pub(crate) fn merged(&mut self, at: i64) {
        if matches!(self.first_reply, FirstReply::Open) {
            self.first_reply = FirstReply::None;
        }
        if self.end.is_none() {
            // Solved before the merge: fulfilled at the solve, as closing
            // would leave it.
            match self.solved_at {
                Some(s) => {
                    self.close_pause(s);
                    self.end = Some((s, true));
                }
                None => {
                    self.close_pause(at);
                    self.end = Some((at, false));
                }
            }
        }
    }

    /// A status change at `at`.
    #[inline]
    pub(crate) fn status_changed(&mut self, from: Status, to: Status, at: i64) {
        self.followed &= from == self.status;
        self.status = to;
        if matches!(self.first_reply, FirstReply::Open) && closes(to) {
            self.first_reply = FirstReply::None;
        }
        if self.end.is_some() {
            return;
        }
        match (from, to) {
            (_, Status::Closed) => {
                let when = self.solved_at.unwrap_or(at);
                self.close_pause(when);
                self.end = Some((when, true));
                return;
            }
            (_, Status::Solved) => self.solved_at = Some(at),
            (Status::Solved, _) => self.solved_at = None,
            _ => {}
        }
        match (closes(from), closes(to)) {
            (false, true) => self.open_pause(at),
            (true, false) => self.close_pause(at),
            (true, true) if from != to => {
                self.close_pause(at);
                self.open_pause(at);
            }
            _ => {}
        }
    }

    fn open_pause(&mut self, at: i64) {
        if self.pause_from.is_none() {
            self.pause_from = Some(at);
        }
    }

    fn close_pause(&mut self, at: i64) {
        if let Some(from) = self.pause_from.take() {
            self.paused += at - from;
        }
    }

    /// Writes the clocks' facts at the instant `now` (Unix seconds): the
    /// first reply (or the wait for it) and the resolution.
    #[inline]
    pub(crate) fn fill(&self, now: i64, f: &mut TicketFacts) {
        let counted = |until: i64| u64::try_from(until - self.start).unwrap_or(0);
        match self.first_reply {
            FirstReply::Replied(at) => f.first_reply = Some(Elapsed::new(counted(at))),
            FirstReply::Open => f.first_reply_waiting = Some(Elapsed::new(counted(now))),
            FirstReply::None => {}
        }
        let resolved = match self.end {
            Some((at, fulfilled)) => fulfilled.then_some(at),
            None => self.solved_at,
        };
        if let Some(at) = resolved {
            // The pauses all lie between the opening and the resolution
            // (instants in order); the running one, while the ticket stays
            // solved, is not counted.
            let secs = if at > self.start {
                counted(at - self.paused)
            } else {
                0
            };
            f.resolution = Some(Elapsed::new(secs));
            f.resolved_at = Some(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use crate::id::{CustomerId, TicketId};

    fn facts(c: &DirectClocks, now: i64) -> TicketFacts {
        let mut f = TicketFacts::new(
            TicketId::from_u128(1),
            CustomerId::from_u128(1),
            Channel::Email,
            0,
        );
        c.fill(now, &mut f);
        f
    }

    #[test]
    fn a_reply_then_a_solve_a_reopen_and_a_close() {
        let mut c = DirectClocks::opened(1_000, false);
        c.step(1_060);
        c.agent_replied(1_060);
        c.status_changed(Status::New, Status::Solved, 1_100);
        c.status_changed(Status::Solved, Status::Open, 1_300);
        c.status_changed(Status::Open, Status::Solved, 1_400);
        // Solved again while solved: the later solve is the resolution,
        // and the span between the two solves counts until it closes.
        c.status_changed(Status::Solved, Status::Solved, 1_450);
        let f = facts(&c, 2_000);
        assert_eq!(f.first_reply, Some(Elapsed::new(60)));
        assert_eq!(f.resolution, Some(Elapsed::new(450 - 200)));
        assert_eq!(f.resolved_at, Some(1_450));
        c.status_changed(Status::Solved, Status::Closed, 1_500);
        // Closing ends the solved span at the latest solve.
        let f = facts(&c, 2_000);
        assert_eq!(f.resolution, Some(Elapsed::new(450 - 200 - 50)));
        assert_eq!(f.resolved_at, Some(1_450));
        assert!(c.followed());
    }

    #[test]
    fn waiting_merged_proactive_and_histories_not_followed() {
        let c = DirectClocks::opened(1_000, false);
        assert_eq!(
            facts(&c, 1_500).first_reply_waiting,
            Some(Elapsed::new(500))
        );
        let mut c = DirectClocks::opened(1_000, true);
        c.agent_replied(1_100);
        c.merged(1_200);
        let f = facts(&c, 1_500);
        assert_eq!(
            (f.first_reply, f.first_reply_waiting, f.resolution),
            (None, None, None)
        );
        let mut c = DirectClocks::opened(1_000, false);
        c.status_changed(Status::New, Status::Solved, 1_100);
        c.merged(1_200);
        let f = facts(&c, 1_500);
        assert_eq!(
            (f.first_reply, f.resolution),
            (None, Some(Elapsed::new(100)))
        );
        // Back in time, a status the ticket was not in, before 1970.
        let mut c = DirectClocks::opened(1_000, false);
        c.step(900);
        assert!(!c.followed());
        let mut c = DirectClocks::opened(1_000, false);
        c.status_changed(Status::Open, Status::Solved, 1_100);
        assert!(!c.followed());
        assert!(!DirectClocks::opened(-1, false).followed());
    }
}
