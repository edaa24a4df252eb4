//! A tiny multi-threaded executor: runs many tasks on a few OS threads, so
//! async tests are really concurrent without a runtime in the dev
//! dependencies.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// A task: a boxed, `Send` future.
pub type Task<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The ids of the tasks to poll.
#[derive(Debug, Default)]
struct Ready {
    queue: Mutex<VecDeque<usize>>,
    signal: Condvar,
}

impl Ready {
    fn lock(&self) -> MutexGuard<'_, VecDeque<usize>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, id: usize) {
        self.lock().push_back(id);
        self.signal.notify_one();
    }
}

struct TaskWaker {
    id: usize,
    ready: Arc<Ready>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.ready.push(self.id);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.push(self.id);
    }
}

/// A task's slot: its future until it finishes, then its output.
enum Slot<'a, T> {
    Running(Task<'a, T>),
    Finished(T),
    /// It panicked; the panic is raised again once every task has stopped.
    Panicked(Box<dyn std::any::Any + Send>),
    Taken,
}

/// Runs `tasks` on `threads` OS threads (at least 1) until every one has
/// finished, and returns their outputs in the order given. A task that
/// returns `Pending` is polled again, on whichever thread is free, once its
/// waker is woken.
pub fn run_tasks<'a, T: Send + 'a>(threads: usize, tasks: Vec<Task<'a, T>>) -> Vec<T> {
    let n = tasks.len();
    let ready = Arc::new(Ready::default());
    ready.lock().extend(0..n);
    let slots: Vec<Mutex<Slot<'a, T>>> = tasks
        .into_iter()
        .map(|t| Mutex::new(Slot::Running(t)))
        .collect();
    let wakers: Vec<Waker> = (0..n)
        .map(|id| {
            Waker::from(Arc::new(TaskWaker {
                id,
                ready: Arc::clone(&ready),
            }))
        })
        .collect();
    let remaining = Mutex::new(n);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let id = {
                        let mut queue = ready.lock();
                        loop {
                            if *remaining.lock().unwrap_or_else(PoisonError::into_inner) == 0 {
                                return;
                            }
                            if let Some(id) = queue.pop_front() {
                                break id;
                            }
                            queue = ready
                                .signal
                                .wait(queue)
                                .unwrap_or_else(PoisonError::into_inner);
                        }
                    };
                    let mut slot = slots[id].lock().unwrap_or_else(PoisonError::into_inner);
                    let Slot::Running(task) = &mut *slot else {
                        continue; // woken after it finished
                    };
                    let mut cx = Context::from_waker(&wakers[id]);
                    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        task.as_mut().poll(&mut cx)
                    }));
                    let done = match polled {
                        Ok(Poll::Pending) => None,
                        Ok(Poll::Ready(out)) => Some(Slot::Finished(out)),
                        Err(panic) => Some(Slot::Panicked(panic)),
                    };
                    if let Some(done) = done {
                        *slot = done;
                        drop(slot);
                        *remaining.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
                        // Under the queue's lock, so no worker misses it
                        // between its check and its wait.
                        let _queue = ready.lock();
                        ready.signal.notify_all();
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            match std::mem::replace(
                &mut *m.lock().unwrap_or_else(PoisonError::into_inner),
                Slot::Taken,
            ) {
                Slot::Finished(out) => out,
                Slot::Panicked(panic) => std::panic::resume_unwind(panic),
                Slot::Running(_) | Slot::Taken => {
                    unreachable!("every task finished before the workers stopped")
                }
            }
        })
        .collect()
}
