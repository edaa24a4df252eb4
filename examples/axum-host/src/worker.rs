//! The background task: dispatch the outbox, sweep due SLA alerts, sleep
//! until the next deadline or the poll interval.

use std::sync::Arc;
use std::time::Duration;

use supportdesk::port::Clock;
use tokio::sync::watch;

use crate::HostDesk;

/// The shortest pause before a deadline that is already due: a ticket that
/// fails to tick stays due, and the task must not spin on it.
const MIN_PAUSE: Duration = Duration::from_millis(10);

/// What one background [`pass`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Outbox notifications handed to the notifier and marked delivered.
    pub delivered: usize,
    /// Outbox notifications that failed again (they stay in the outbox).
    pub pending: usize,
    /// Due tickets the sweep looked at.
    pub checked: usize,
    /// SLA alerts the sweep raised.
    pub alerts: usize,
    /// Due tickets the sweep could not process (they stay due).
    pub failed: usize,
    /// How long to wait before the next pass.
    pub pause: Duration,
    /// Something failed: a dispatch, a sweep, the next wake-up, a
    /// notification or a due ticket (the next pass tries again, after a
    /// back-off when passes keep failing: [`backoff`]).
    pub trouble: bool,
}

/// The pause after `failures` passes in a row that had trouble: the pass's
/// own `pause`, but at least 10 ms (`MIN_PAUSE`) doubled for each failure after
/// the first, and never more than `poll` (unless the pass's pause already
/// is). A store that is down or a ticket that keeps failing then costs a
/// pass every 10 ms, 20 ms, 40 ms, ... up to `poll`, not a pass every
/// 10 ms with its error logged each time; one clean pass resets it.
pub fn backoff(pause: Duration, failures: u32, poll: Duration) -> Duration {
    if failures == 0 {
        return pause;
    }
    let doubled = MIN_PAUSE.saturating_mul(1u32.checked_shl(failures - 1).unwrap_or(u32::MAX));
    pause.max(doubled.min(poll))
}

/// One pass: [`dispatch_outbox`](supportdesk::AsyncDesk::dispatch_outbox)
/// and [`sweep`](supportdesk::AsyncDesk::sweep), `batch` of each, then how
/// long to wait: no time when a batch was full (more is waiting), else until
/// [`next_wakeup`](supportdesk::AsyncDesk::next_wakeup), at most `poll`.
/// Errors are logged to standard error; the next pass tries again.
pub async fn pass(desk: &HostDesk, batch: usize, poll: Duration) -> Pass {
    let mut out = Pass {
        pause: poll,
        ..Pass::default()
    };
    let mut more = false;
    match desk.dispatch_outbox(batch).await {
        Ok(d) => {
            out.delivered = d.delivered.len();
            out.pending = d.pending.len();
            for (id, why) in &d.pending {
                eprintln!("outbox: notification {id} still pending: {why}");
            }
            out.trouble |= out.pending > 0;
            more |= out.delivered == batch;
        }
        Err(e) => {
            eprintln!("outbox: dispatch failed: {e}");
            out.trouble = true;
        }
    }
    match desk.sweep(batch).await {
        Ok(r) => {
            out.checked = r.checked;
            out.alerts = r.alerts.len();
            out.failed = r.failed.len();
            for (ticket, alert) in &r.alerts {
                eprintln!("sla: {:?} on ticket {ticket}", alert.key);
            }
            for (ticket, why) in &r.failed {
                eprintln!("sla: ticket {ticket} not swept: {why}");
            }
            out.trouble |= out.failed > 0;
            more |= r.checked == batch && r.failed.is_empty();
        }
        Err(e) => {
            eprintln!("sla: sweep failed: {e}");
            out.trouble = true;
        }
    }
    if more {
        out.pause = Duration::ZERO;
        return out;
    }
    match desk.next_wakeup().await {
        Ok(Some(at)) => {
            let until = (at - desk.clock().now()).to_std().unwrap_or(Duration::ZERO);
            out.pause = until.clamp(MIN_PAUSE.min(poll), poll);
        }
        Ok(None) => {}
        Err(e) => {
            eprintln!("sla: next wake-up unknown: {e}");
            out.trouble = true;
        }
    }
    out
}

/// Runs [`pass`] after pass until `stop` turns true (or its sender is
/// dropped); a pause is cut short by the stop. Passes that keep having
/// trouble back off ([`backoff`]).
pub async fn background(
    desk: Arc<HostDesk>,
    poll: Duration,
    batch: usize,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let p = pass(&desk, batch, poll).await;
        failures = if p.trouble {
            failures.saturating_add(1)
        } else {
            0
        };
        let pause = backoff(p.pause, failures, poll);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLL: Duration = Duration::from_secs(1);

    #[test]
    fn a_clean_pass_keeps_its_pause() {
        assert_eq!(backoff(Duration::ZERO, 0, POLL), Duration::ZERO);
        assert_eq!(backoff(MIN_PAUSE, 0, POLL), MIN_PAUSE);
    }

    #[test]
    fn failing_passes_double_the_pause_up_to_the_poll() {
        let ms = Duration::from_millis;
        let got: Vec<Duration> = (1..=9).map(|f| backoff(Duration::ZERO, f, POLL)).collect();
        assert_eq!(
            got,
            [
                ms(10),
                ms(20),
                ms(40),
                ms(80),
                ms(160),
                ms(320),
                ms(640),
                POLL,
                POLL
            ]
        );
        // A longer pause of the pass's own stays.
        assert_eq!(backoff(ms(700), 2, POLL), ms(700));
        // A poll shorter than the minimum pause caps it too.
        assert_eq!(backoff(Duration::ZERO, 5, ms(3)), ms(3));
        // However many failures, no overflow.
        assert_eq!(backoff(Duration::ZERO, u32::MAX, POLL), POLL);
        assert_eq!(
            backoff(Duration::ZERO, 40, Duration::MAX),
            MIN_PAUSE.saturating_mul(u32::MAX)
        );
    }
}
