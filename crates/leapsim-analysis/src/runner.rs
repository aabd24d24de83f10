//! Many runs at once: independent work items run in parallel and come back in item order.
//!
//! Every multi-run command (attribute, compare, ensemble, sweep, sensitivity, calibrate) is a
//! list of scenarios, each a complete run with its own seed. A run's result depends only on its
//! scenario, so the results do not depend on the thread count or on which item finished first;
//! `reduce` keeps what the command needs of each run, so thousands of runs do not hold their
//! monthly reports in memory.

use leapsim_engine::run::{run, RunError, RunResult};
use leapsim_engine::scenario::Scenario;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Run every scenario (in parallel) and reduce each result with `reduce(item index, result)`.
/// `progress(done, total)` is called as items finish, from worker threads. Setting `cancel`
/// stops the batch with [`RunError::Interrupted`]; the first error of any item is returned.
pub fn run_all<T: Send>(
    items: &[Scenario],
    reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &AtomicBool,
) -> Result<Vec<T>, RunError> {
    let done = AtomicUsize::new(0);
    items
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            if cancel.load(Ordering::Relaxed) {
                return Err(RunError::Interrupted);
            }
            let r = run(s, &mut |_, _| {}, cancel)?;
            let out = reduce(i, r);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, items.len());
            Ok(out)
        })
        .collect()
}

/// `scenario` once per seed `base, base + 1, ..., base + runs - 1` (common random numbers:
/// every scenario compared gets the same seeds).
pub fn seeds(scenario: &Scenario, runs: u64) -> Vec<Scenario> {
    (0..runs)
        .map(|k| {
            let mut s = scenario.clone();
            s.params.run.seed = scenario.params.run.seed + k as i64;
            s
        })
        .collect()
}
