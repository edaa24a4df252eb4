//! A minimal executor for tests: run one future to completion on the
//! calling thread.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the calling thread, parking it while the
/// future waits. No runtime needed: enough for the async ports over
/// in-memory or synchronous stores in tests and doctests. Futures that
/// need a runtime's reactor or timers (tokio I/O, `tokio::time::sleep`)
/// need that runtime's own `block_on`.
///
/// Available with the crate feature `testing`.
///
/// ```
/// assert_eq!(supportdesk::testing::block_on(async { 1 + 1 }), 2);
/// ```
///
/// Available with the crate feature `testing`.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => thread::park(),
        }
    }
}
