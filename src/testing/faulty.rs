use std::sync::Mutex;

use crate::port::{StoreError, StoreOp, TicketStore};

#[derive(Debug, Default)]
struct Plan {
    calls: u64,
    log: Vec<StoreOp>,
    fail_calls: Vec<u64>,
    fail_ops: Vec<(StoreOp, u64)>,
    op_calls: Vec<(StoreOp, u64)>,
    fail_always: Vec<StoreOp>,
}

/// Wraps a store and makes chosen calls fail with [`StoreError::Backend`]
/// *before* they reach the inner store (so a failed commit wrote nothing).
/// With no faults set it is a plain pass-through.
///
/// ```
/// use supportdesk::InMemoryStore;
/// use supportdesk::port::TicketStore;
/// use supportdesk::testing::{FaultyStore, StoreOp};
/// use supportdesk::id::{TenantId, TicketId};
///
/// let store = FaultyStore::new(InMemoryStore::new());
/// store.fail_call(2);                 // the 2nd call from now fails
/// store.fail_op(StoreOp::Commit, 1);  // and the 1st commit
/// let (t, id) = (TenantId::from_u128(1), TicketId::from_u128(1));
/// assert!(store.ticket(t, id).is_ok());
/// assert!(store.ticket(t, id).is_err());
/// assert_eq!(store.calls(), 2);
/// ```
///
/// Available with the crate feature `testing`.
#[derive(Debug)]
pub struct FaultyStore<S> {
    inner: S,
    plan: Mutex<Plan>,
}

impl<S> FaultyStore<S> {
    /// Wraps `inner` with no faults.
    pub fn new(inner: S) -> Self {
        FaultyStore {
            inner,
            plan: Mutex::new(Plan::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Makes the `k`-th call from now (1 = the next) fail, whatever it is.
    pub fn fail_call(&self, k: u64) {
        let mut p = self.lock();
        let at = p.calls.saturating_add(k);
        p.fail_calls.push(at);
    }

    /// Makes the `k`-th call of `op` from now (1 = the next) fail.
    pub fn fail_op(&self, op: StoreOp, k: u64) {
        let mut p = self.lock();
        let done = p
            .op_calls
            .iter()
            .find(|(o, _)| *o == op)
            .map_or(0, |(_, n)| *n);
        p.fail_ops.push((op, done.saturating_add(k)));
    }

    /// Makes every call of `op` fail until [`clear`](Self::clear).
    pub fn fail_always(&self, op: StoreOp) {
        self.lock().fail_always.push(op);
    }

    /// Removes every fault.
    pub fn clear(&self) {
        let mut p = self.lock();
        p.fail_calls.clear();
        p.fail_ops.clear();
        p.fail_always.clear();
    }

    /// Calls made so far.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    /// The operations called so far, in order.
    pub fn log(&self) -> Vec<StoreOp> {
        self.lock().log.clone()
    }

    fn gate(&self, op: StoreOp) -> Result<(), StoreError> {
        let mut p = self.lock();
        p.calls += 1;
        p.log.push(op);
        let n = match p.op_calls.iter_mut().find(|(o, _)| *o == op) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                p.op_calls.push((op, 1));
                1
            }
        };
        let call = p.calls;
        let hit = p.fail_calls.contains(&call)
            || p.fail_ops.contains(&(op, n))
            || p.fail_always.contains(&op);
        if hit {
            return Err(StoreError::backend(format!(
                "injected fault on call {call} ({op:?} #{n})"
            )));
        }
        Ok(())
    }
}

crate::forward_ticket_store! {
    impl[S: TicketStore] TicketStore for FaultyStore<S> {
        inner(this) = &this.inner;
        around(call, forward) = {
            this.gate(call.op())?;
            forward()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InMemoryStore;
    use crate::id::NotificationId;
    use crate::port::{Commit, OutboxClaim};
    use crate::testing::TicketBuilder;

    #[test]
    fn the_lease_and_retention_calls_are_faulted_and_forwarded() {
        let store = FaultyStore::new(InMemoryStore::new());
        let t = TicketBuilder::new().build();
        let tenant = t.tenant();
        let ids = crate::testing::SequentialIds::new();
        let ctx = crate::ticket::Context::new(t.updated_at(), &ids);
        let d = crate::ticket::decide(
            &t,
            &crate::ticket::Command::agent_reply(crate::id::AgentId::from_u128(7), "Hi"),
            &ctx,
        )
        .unwrap();
        let mut c = Commit::new(tenant);
        c.notifications = d.notifications;
        assert!(!c.notifications.is_empty());
        store.commit(&c).unwrap();
        let id: NotificationId = c.notifications[0].id;
        let claim = OutboxClaim::new("w", t.updated_at(), chrono::Duration::minutes(1), 10);
        let at = t.updated_at();

        store.fail_op(StoreOp::Claim, 1);
        store.fail_op(StoreOp::MarkDeliveredAt, 1);
        store.fail_op(StoreOp::PruneDelivered, 1);
        assert!(store.claim(&claim).is_err());
        assert!(store.mark_delivered_at(tenant, id, at).is_err());
        assert!(store.prune_delivered(at, 10).is_err());

        let got = store.claim(&claim).unwrap();
        assert_eq!(
            got[0].lease.as_ref(),
            Some(&claim.lease),
            "forwarded to the inner store"
        );
        store.mark_delivered_at(tenant, id, at).unwrap();
        assert_eq!(
            store
                .prune_delivered(at + chrono::Duration::seconds(1), 10)
                .unwrap(),
            1
        );
        assert_eq!(
            store.log()[store.log().len() - 6..],
            [
                StoreOp::Claim,
                StoreOp::MarkDeliveredAt,
                StoreOp::PruneDelivered,
                StoreOp::Claim,
                StoreOp::MarkDeliveredAt,
                StoreOp::PruneDelivered
            ]
        );
    }
}
