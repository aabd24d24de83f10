//! The batch runner: every multi-run job (ensemble, sweep, sensitivity, calibrate, compare,
//! attribute) is a list of scenarios, each a complete run with its own seed, run through
//! [`Runner::run`].
//!
//! Items run in parallel (rayon) and come back in item order, so nothing depends on the thread
//! count or on which item finished first; `reduce` keeps what the job needs of each run, so
//! thousands of runs do not hold their monthly reports in memory. With a [`WorkStore`], each
//! item's reduced result is stored as soon as it is finished and items already stored are not
//! run again (`--resume`). Setting the runner's cancel flag stops the batch with
//! [`RunError::Interrupted`]; progress is reported to a callback.

use crate::store::WorkStore;
use leapsim_engine::run::{simulate, RunError, RunResult};
use leapsim_engine::scenario::Scenario;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// How far a batch has got: `done` of the `total` items to run in this call; `reused` items
/// were found finished in the work store and are not counted in `total` (so a time estimate is
/// not fooled by them). A job that minimises something (calibration) also gives the best value
/// so far, and whether the step just reported improved on it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub reused: usize,
    pub best: Option<f64>,
    pub improved: bool,
}

/// The work store and one key per item (a plain file name, unique), for a resumable batch.
#[derive(Clone, Copy)]
pub struct Stored<'s> {
    pub store: &'s WorkStore,
    pub keys: &'s [String],
}

impl Stored<'_> {
    /// How many items the store holds results of that read back as a `T`: those a batch will
    /// reuse (a truncated or edited item file is run again, and not counted).
    pub fn reusable<T: DeserializeOwned>(&self) -> usize {
        self.keys
            .iter()
            .filter(|k| self.store.get(k).and_then(|v| serde_json::from_value::<T>(v).ok()).is_some())
            .count()
    }
}

fn no_progress(_: Progress) {}

/// A job spread over processes or machines: the items of its first batch shared out. Each
/// worker runs the same job (the same request) with [`Share::Run`] of some items and gets their
/// reduced values, as the work store keeps them; the caller then runs the job with
/// [`Share::Given`] of every value, and the job merges them as if it had run them itself (in
/// item order, so its results are the same, item for item). A job whose batches depend on
/// each other (a calibration) is not shared this way.
#[derive(Clone, Debug)]
pub enum Share {
    /// Run nothing: count the first batch's items ([`Sharing::items`]), then stop the job with
    /// [`RunError::Interrupted`].
    Plan,
    /// Run only these items of the first batch, keep their values ([`Sharing::values`]), then
    /// stop the job with [`RunError::Interrupted`].
    Run(Vec<usize>),
    /// Every item's value of the first batch, run elsewhere, in item order: none is run here.
    Given(Vec<serde_json::Value>),
}

/// A [`Share`] and what it found: the number of items of the first batch, and with
/// [`Share::Run`] each item's value.
pub struct Sharing {
    pub share: Share,
    first: AtomicBool,
    found: Mutex<(usize, Vec<(usize, serde_json::Value)>)>,
}

impl Sharing {
    pub fn new(share: Share) -> Sharing {
        Sharing { share, first: AtomicBool::new(true), found: Mutex::new((0, Vec::new())) }
    }

    /// The number of items of the job's first batch (once it has been reached).
    pub fn items(&self) -> usize {
        self.found.lock().expect("not poisoned").0
    }

    /// The values of the items run with [`Share::Run`]: (item index, value), in item order.
    pub fn values(&self) -> Vec<(usize, serde_json::Value)> {
        self.found.lock().expect("not poisoned").1.clone()
    }
}

/// Runs batches of scenarios: the cancel flag it watches and the callback it reports progress
/// to (called from worker threads: once with `done = 0` before any item runs, then as items
/// finish), and, for a job spread over processes, its [`Sharing`].
#[derive(Clone, Copy)]
pub struct Runner<'a> {
    cancel: &'a AtomicBool,
    progress: &'a (dyn Fn(Progress) + Sync),
    sharing: Option<&'a Sharing>,
}

impl<'a> Runner<'a> {
    pub fn new(cancel: &'a AtomicBool, progress: &'a (dyn Fn(Progress) + Sync)) -> Runner<'a> {
        Runner { cancel, progress, sharing: None }
    }

    /// This runner with its first batch shared out as `sharing` says.
    pub fn shared(self, sharing: &'a Sharing) -> Runner<'a> {
        Runner { sharing: Some(sharing), ..self }
    }

    /// A runner that reports no progress.
    pub fn silent(cancel: &'a AtomicBool) -> Runner<'a> {
        Runner { cancel, progress: &no_progress, sharing: None }
    }

    /// The cancel flag (e.g. for writing the outputs, which stops when it is set).
    pub fn cancel(&self) -> &'a AtomicBool {
        self.cancel
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Report `p` to the progress callback: for jobs whose steps are not single batches (a
    /// calibration reports its evaluations, each a batch of runs).
    pub fn report(&self, p: Progress) {
        (self.progress)(p)
    }

    /// Run every item (in parallel) and reduce each result with `reduce(item index, result)`;
    /// the values come back in item order. With `stored`, items whose key is in the store are
    /// not run again and each new value is stored under its key as soon as its run finishes.
    /// The first error of any item is returned.
    pub fn run<T: Serialize + DeserializeOwned + Send>(
        &self,
        items: &[Scenario],
        stored: Option<Stored<'_>>,
        reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
    ) -> Result<Vec<T>, RunError> {
        let save = |i: usize, out: &T| match stored {
            Some(s) => save(s, i, out),
            None => Ok(()),
        };
        if let Some(sharing) = self.sharing.filter(|s| s.first.swap(false, Ordering::SeqCst)) {
            return self.run_shared(sharing, items, reduce, &save);
        }
        let mut results: Vec<Option<T>> = match stored {
            Some(s) => reuse(s, items.len())?,
            None => items.iter().map(|_| None).collect(),
        };
        let todo: Vec<usize> = (0..items.len()).filter(|&i| results[i].is_none()).collect();
        let fresh = match self.run_missing(items, &todo, reduce, &save) {
            // Refused before any run started: a store that holds nothing is not left behind.
            Err(RunError::Memory(m)) => {
                if let Some(s) = stored.filter(|s| !s.store.holds_items()) {
                    let _ = s.store.clear();
                }
                return Err(RunError::Memory(m));
            }
            r => r?,
        };
        for (i, out) in fresh {
            results[i] = Some(out);
        }
        Ok(results.into_iter().map(|r| r.expect("every item stored or run")).collect())
    }

    /// [`Runner::run`] for values that need not be stored: no work store.
    pub fn run_all<T: Send>(
        &self,
        items: &[Scenario],
        reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
    ) -> Result<Vec<T>, RunError> {
        let all: Vec<usize> = (0..items.len()).collect();
        let fresh = self.run_missing(items, &all, reduce, &|_, _| Ok(()))?;
        Ok(fresh.into_iter().map(|(_, out)| out).collect())
    }

    /// The first batch of a shared job ([`Share`]): counted, partly run, or given.
    fn run_shared<T: Serialize + DeserializeOwned + Send>(
        &self,
        sharing: &Sharing,
        items: &[Scenario],
        reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
        save: &(dyn Fn(usize, &T) -> Result<(), RunError> + Sync),
    ) -> Result<Vec<T>, RunError> {
        sharing.found.lock().expect("not poisoned").0 = items.len();
        let todo = match &sharing.share {
            Share::Plan => return Err(RunError::Interrupted),
            Share::Run(todo) => todo,
            Share::Given(values) => {
                if values.len() != items.len() {
                    let n = values.len();
                    return Err(RunError::Inputs(format!("{n} values given for a batch of {} items", items.len())));
                }
                let given = |(i, v): (usize, &serde_json::Value)| {
                    let out = serde_json::from_value(v.clone())
                        .map_err(|e| RunError::Inputs(format!("the value given for item {i} does not fit it: {e}")))?;
                    save(i, &out)?;
                    Ok(out)
                };
                return values.iter().enumerate().map(given).collect();
            }
        };
        if let Some(&i) = todo.iter().find(|&&i| i >= items.len()) {
            return Err(RunError::Inputs(format!("item {i} asked of a batch of {} items", items.len())));
        }
        let fresh = self.run_missing(items, todo, reduce, &|_, _| Ok(()))?;
        let mut values = Vec::with_capacity(fresh.len());
        for (i, out) in fresh {
            let v = serde_json::to_value(&out)
                .map_err(|e| RunError::Inputs(format!("work item {i}: cannot serialise its result: {e}")))?;
            values.push((i, v));
        }
        sharing.found.lock().expect("not poisoned").1 = values;
        Err(RunError::Interrupted)
    }

    /// The one loop: run the items `todo`, in parallel, in item order.
    fn run_missing<T: Send>(
        &self,
        items: &[Scenario],
        todo: &[usize],
        reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
        save: &(dyn Fn(usize, &T) -> Result<(), RunError> + Sync),
    ) -> Result<Vec<(usize, T)>, RunError> {
        let (total, reused) = (todo.len(), items.len() - todo.len());
        // Before any run starts: refuse a batch whose runs, as many at a time as there are
        // threads, cannot fit in the memory limit (the warnings go out before the batch does).
        let todo_items: Vec<&Scenario> = todo.iter().map(|&i| &items[i]).collect();
        for w in leapsim_engine::memory::check(&todo_items, rayon::current_num_threads())?.warnings {
            eprintln!("warning: {w}");
        }
        (self.progress)(Progress { done: 0, total, reused, ..Progress::default() });
        let done = AtomicUsize::new(0);
        todo.par_iter()
            .map(|&i| {
                if self.cancelled() {
                    return Err(RunError::Interrupted);
                }
                let out = reduce(i, simulate(&items[i], None, &mut |_, _| {}, self.cancel)?);
                save(i, &out)?;
                (self.progress)(Progress {
                    done: done.fetch_add(1, Ordering::Relaxed) + 1,
                    total,
                    reused,
                    ..Progress::default()
                });
                Ok((i, out))
            })
            .collect()
    }
}

/// The stored results that still read back as a `T`, by item; anything else is run (again).
fn reuse<T: DeserializeOwned>(s: Stored<'_>, n: usize) -> Result<Vec<Option<T>>, RunError> {
    assert_eq!(s.keys.len(), n, "one key per work item");
    let mut seen = HashSet::new();
    for k in s.keys {
        crate::store::check_key(k).map_err(|e| RunError::Inputs(e.to_string()))?;
        assert!(seen.insert(k.as_str()), "work item key `{k}` is not unique");
    }
    Ok(s.keys.iter().map(|k| s.store.get(k).and_then(|v| serde_json::from_value(v).ok())).collect())
}

fn save<T: Serialize>(s: Stored<'_>, i: usize, out: &T) -> Result<(), RunError> {
    let key = &s.keys[i];
    let value = serde_json::to_value(out)
        .map_err(|e| RunError::Inputs(format!("work item {key}: cannot serialise its result: {e}")))?;
    s.store.put(key, &value).map_err(|e| {
        let mut what = format!("cannot save finished work item {key} in {}: {e}", s.store.path().display());
        if e.kind() == std::io::ErrorKind::StorageFull {
            what += "; the items finished so far are kept: make room, then run the command again with --resume";
        }
        RunError::Io(std::io::Error::new(e.kind(), what))
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;
    use std::sync::Mutex;

    fn base(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("leapsim-runner-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn small() -> Scenario {
        let mut s = leapsim_engine::scenario::load("historical").unwrap();
        s.apply_override("run.scale=0.0003").unwrap();
        s.apply_override("run.end_year=1954").unwrap();
        s
    }

    #[test]
    fn resumable_batch_runs_only_missing_items_and_keeps_item_order() {
        let d = base("batch");
        let out = d.join("out");
        let items = seeds(&small(), 3);
        let keys: Vec<String> = (0..3).map(|k| format!("seed-{k}")).collect();
        let deaths = |_: usize, r: RunResult| r.tables.annual(1953, "CN", "deaths").unwrap();
        let no = AtomicBool::new(false);
        let all = Runner::silent(&no).run_all(&items, &deaths).unwrap();

        let store = WorkStore::open(&out, "fp", false).unwrap();
        // Pretend item 1 finished earlier, with a value no run gives, to see it is not rerun.
        store.put("seed-1", &json!(-1.0)).unwrap();
        let seen = Mutex::new(Vec::new());
        let progress = |p: Progress| seen.lock().unwrap().push(p);
        let stored = Some(Stored { store: &store, keys: &keys });
        let got = Runner::new(&no, &progress).run(&items, stored, &deaths).unwrap();
        assert_eq!(got, vec![all[0], -1.0, all[2]]);
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen[0], Progress { done: 0, total: 2, reused: 1, ..Progress::default() });
        assert_eq!(seen.iter().map(|p| p.done).max(), Some(2));
        assert!(seen.iter().all(|p| p.total == 2 && p.reused == 1));
        assert_eq!(store.get("seed-2"), Some(json!(all[2])));
        // Everything stored: nothing runs, even when cancelled.
        let yes = AtomicBool::new(true);
        let again = Runner::silent(&yes).run(&items, stored, &deaths).unwrap();
        assert_eq!(again, got);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_shared_batch_merges_to_the_local_result() {
        let items = seeds(&small(), 3);
        let deaths = |_: usize, r: RunResult| r.tables.annual(1953, "CN", "deaths").unwrap();
        let no = AtomicBool::new(false);
        let local = Runner::silent(&no).run(&items, None, &deaths).unwrap();
        let plan = Sharing::new(Share::Plan);
        assert!(matches!(Runner::silent(&no).shared(&plan).run(&items, None, &deaths), Err(RunError::Interrupted)));
        assert_eq!(plan.items(), 3);
        let mut values = Vec::new();
        for part in [vec![2], vec![0, 1]] {
            let s = Sharing::new(Share::Run(part));
            assert!(matches!(Runner::silent(&no).shared(&s).run(&items, None, &deaths), Err(RunError::Interrupted)));
            values.extend(s.values());
        }
        values.sort_by_key(|v| v.0);
        assert_eq!(values.iter().map(|v| v.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        let given = Sharing::new(Share::Given(values.into_iter().map(|v| v.1).collect()));
        // Nothing runs: even a cancelled runner merges the values given.
        let yes = AtomicBool::new(true);
        assert_eq!(Runner::silent(&yes).shared(&given).run(&items, None, &deaths).unwrap(), local);
        // Only the first batch is shared: a second one runs here.
        assert_eq!(Runner::silent(&no).shared(&given).run(&items, None, &deaths).unwrap(), local);
        let short = Sharing::new(Share::Given(vec![json!(1.0)]));
        assert!(matches!(Runner::silent(&no).shared(&short).run(&items, None, &deaths), Err(RunError::Inputs(_))));
    }

    #[test]
    fn a_cancelled_batch_is_interrupted() {
        let yes = AtomicBool::new(true);
        let r = Runner::silent(&yes).run_all(&seeds(&small(), 2), &|_, _| ());
        assert!(matches!(r, Err(RunError::Interrupted)));
    }
}
