//! Long work off the calling thread: the work runs on a worker thread with the GIL released,
//! and the calling thread (Python's main thread in a script or notebook) wakes every tenth of a
//! second to report progress to a Python callback and to check for signals. Ctrl-C sets the
//! work's cancel flag, so the run or job stops at its next check and writes nothing; the
//! `KeyboardInterrupt` is then raised in place of the library's "interrupted".

use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the work and the calling thread share: the cancel flag and how far the work has got.
#[derive(Default)]
pub struct Watch {
    pub cancel: AtomicBool,
    pub done: AtomicUsize,
    pub total: AtomicUsize,
}

impl Watch {
    /// Record that `done` of `total` steps are finished.
    pub fn report(&self, done: usize, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }
}

/// How often the calling thread wakes to show progress and check for Ctrl-C.
const TICK: Duration = Duration::from_millis(100);

/// Run `work` on a worker thread with the GIL released; meanwhile call `progress(done, total)`
/// whenever the work has moved on, and check for signals. Returns the work's value and the
/// exception that interrupted it, if any (a signal, or an exception of the progress callback,
/// each of which cancels the work).
pub fn supervise<T: Send>(
    py: Python<'_>,
    watch: &Watch,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce() -> T + Send,
) -> (T, Option<PyErr>) {
    std::thread::scope(|s| {
        let handle = s.spawn(work);
        let mut interrupt: Option<PyErr> = None;
        let mut shown = (usize::MAX, usize::MAX);
        loop {
            py.detach(|| {
                let t = Instant::now();
                while !handle.is_finished() && t.elapsed() < TICK {
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
            if interrupt.is_none() {
                if let Err(e) = py.check_signals() {
                    watch.cancel.store(true, Ordering::SeqCst);
                    interrupt = Some(e);
                }
            }
            let now = (watch.done.load(Ordering::Relaxed), watch.total.load(Ordering::Relaxed));
            if let (Some(cb), true, true) = (progress, now != shown, interrupt.is_none()) {
                shown = now;
                if let Err(e) = cb.call1(now) {
                    watch.cancel.store(true, Ordering::SeqCst);
                    interrupt = Some(e);
                }
            }
            if handle.is_finished() {
                break;
            }
        }
        match handle.join() {
            Ok(v) => (v, interrupt),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
