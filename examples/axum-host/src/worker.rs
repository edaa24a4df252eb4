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
            more |= out.delivered == batch;
        }
        Err(e) => eprintln!("outbox: dispatch failed: {e}"),
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
            more |= r.checked == batch && r.failed.is_empty();
        }
        Err(e) => eprintln!("sla: sweep failed: {e}"),
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
        Err(e) => eprintln!("sla: next wake-up unknown: {e}"),
    }
    out
}

/// Runs [`pass`] after pass until `stop` turns true (or its sender is
/// dropped); a pause is cut short by the stop.
pub async fn background(
    desk: Arc<HostDesk>,
    poll: Duration,
    batch: usize,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let p = pass(&desk, batch, poll).await;
        tokio::select! {
            () = tokio::time::sleep(p.pause) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}
