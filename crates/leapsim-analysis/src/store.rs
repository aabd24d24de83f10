//! Resumable multi-run work: each finished work item's (reduced) result is kept on disk beside
//! the command's output directory, in `<out>.work/`, so that an interrupted command run again
//! with `--resume` does not redo it.
//!
//! Layout of the store directory:
//! - `fingerprint.json`: what work the store belongs to (scenario, design, seeds, outcomes, the
//!   program's revision); resuming someone else's store is refused;
//! - `items/<key>.json`: one finished item's result, written to a temporary file and renamed
//!   into place, so an item is either completely stored or absent.
//!
//! Items are independent and merged in item order, never in completion order, so the final
//! outputs do not depend on the thread count, on how often the work was interrupted, or on
//! which machine ran which item.

use leapsim_engine::run::{run, RunError, RunResult};
use leapsim_engine::scenario::Scenario;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const FINGERPRINT: &str = "fingerprint.json";
const ITEMS: &str = "items";

/// Finished work items of a multi-run command, kept on disk beside its output directory
/// (`<out>.work/`) so an interrupted command can be resumed without redoing them.
pub struct WorkStore {
    dir: PathBuf,
    finished: HashSet<String>,
}

/// The store directory of output directory `out`: `<out>.work` beside it.
pub fn store_dir(out: &Path) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    out.with_file_name(format!("{name}.work"))
}

/// A key is a plain file name: ASCII letters, digits, `-`, `_`, `.`, not starting with `.`.
fn check_key(key: &str) -> std::io::Result<()> {
    let ok = !key.is_empty()
        && !key.starts_with('.')
        && key.len() <= 200
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("work item key `{key}` is not a plain file name (letters, digits, - _ .)"),
        ))
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl WorkStore {
    /// Open the store for output dir `out`. `fingerprint` identifies the command's work (e.g. a
    /// JSON of scenario params, design, seeds, outcomes); resuming a store made with another
    /// fingerprint is an error that says so. Without `resume`, an earlier store is cleared.
    pub fn open(out: &Path, fingerprint: &str, resume: bool) -> Result<WorkStore, String> {
        let dir = store_dir(out);
        let io = |what: &str, e: std::io::Error| format!("{what} {}: {e}", dir.display());
        if dir.exists() && !resume {
            std::fs::remove_dir_all(&dir).map_err(|e| io("cannot clear the earlier work in", e))?;
        }
        let mut finished = HashSet::new();
        if dir.exists() {
            let stored = std::fs::read_to_string(dir.join(FINGERPRINT)).map_err(|e| {
                format!("{} is not a readable work store ({e}); run without --resume to start afresh", dir.display())
            })?;
            if stored != fingerprint {
                return Err(format!(
                    "cannot resume: the unfinished work in {} was started by a different command (another \
                     scenario, parameters, design, seeds, outcomes or program version); run it with the \
                     original arguments, or without --resume to start afresh",
                    dir.display()
                ));
            }
            let items = dir.join(ITEMS);
            std::fs::create_dir_all(&items).map_err(|e| io("cannot create", e))?;
            for e in std::fs::read_dir(&items).map_err(|e| io("cannot read", e))? {
                let e = e.map_err(|e| io("cannot read", e))?;
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    // A temporary file of an item whose write was interrupted.
                    let _ = std::fs::remove_file(e.path());
                } else if let Some(key) = name.strip_suffix(".json") {
                    finished.insert(key.to_string());
                }
            }
        } else {
            std::fs::create_dir_all(dir.join(ITEMS)).map_err(|e| io("cannot create", e))?;
            write_atomic(&dir.join(FINGERPRINT), fingerprint.as_bytes()).map_err(|e| io("cannot write to", e))?;
        }
        Ok(WorkStore { dir, finished })
    }

    /// The store's directory (`<out>.work`), e.g. for files an item keeps beside its result.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn item_path(&self, key: &str) -> PathBuf {
        self.dir.join(ITEMS).join(format!("{key}.json"))
    }

    /// The stored result of item `key`, if finished.
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        check_key(key).ok()?;
        let text = std::fs::read_to_string(self.item_path(key)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Store item `key`'s result atomically (temporary file, then rename).
    pub fn put(&self, key: &str, value: &serde_json::Value) -> std::io::Result<()> {
        check_key(key)?;
        let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        write_atomic(&self.item_path(key), &bytes)
    }

    /// Forget item `key` (it will be run again), e.g. when something it left beside its result
    /// is missing.
    pub fn remove(&self, key: &str) -> std::io::Result<()> {
        check_key(key)?;
        match std::fs::remove_file(self.item_path(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// How many items were found finished when the store was opened.
    pub fn reused(&self) -> usize {
        self.finished.len()
    }

    /// Remove the store once the final outputs are written.
    pub fn finish(self) -> std::io::Result<()> {
        std::fs::remove_dir_all(&self.dir)
    }
}

/// `batch::run_all` through a store: items whose key is already stored are not run again;
/// results come back in item order (so the merge is deterministic whatever ran where).
///
/// `reduce(item index, result)` keeps what the command needs of a run; its value is stored
/// under the item's key as soon as the run finishes. `progress(done, total)` counts only the
/// items actually run in this call (`total` excludes those found in the store), so a progress
/// bar's time estimate is not fooled by reused items. Setting `cancel` stops the work with
/// [`RunError::Interrupted`]; finished items stay stored for a later resume.
pub fn run_all_resumable<T: serde::Serialize + serde::de::DeserializeOwned + Send>(
    store: &WorkStore,
    keys: &[String],
    items: &[Scenario],
    reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &AtomicBool,
) -> Result<Vec<T>, RunError> {
    assert_eq!(keys.len(), items.len(), "one key per work item");
    let mut seen = HashSet::new();
    for k in keys {
        check_key(k).map_err(|e| RunError::Inputs(e.to_string()))?;
        assert!(seen.insert(k.as_str()), "work item key `{k}` is not unique");
    }
    // Stored results that still read back as a `T`; anything else is run (again).
    let mut results: Vec<Option<T>> =
        keys.iter().map(|k| store.get(k).and_then(|v| serde_json::from_value(v).ok())).collect();
    let todo: Vec<usize> = (0..items.len()).filter(|&i| results[i].is_none()).collect();
    let total = todo.len();
    let done = AtomicUsize::new(0);
    let fresh: Vec<(usize, T)> = todo
        .par_iter()
        .map(|&i| {
            if cancel.load(Ordering::Relaxed) {
                return Err(RunError::Interrupted);
            }
            let r = run(&items[i], &mut |_, _| {}, cancel)?;
            let out = reduce(i, r);
            let value = serde_json::to_value(&out)
                .map_err(|e| RunError::Inputs(format!("work item {}: cannot serialise its result: {e}", keys[i])))?;
            store.put(&keys[i], &value).map_err(|e| {
                RunError::Inputs(format!("cannot save finished work item {} in {}: {e}", keys[i], store.dir.display()))
            })?;
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Ok((i, out))
        })
        .collect::<Result<_, _>>()?;
    for (i, out) in fresh {
        results[i] = Some(out);
    }
    Ok(results.into_iter().map(|r| r.expect("every item stored or run")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("leapsim-resume-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn put_get_round_trip_and_reuse_on_resume() {
        let d = base("roundtrip");
        let out = d.join("out");
        let s = WorkStore::open(&out, "fp", false).unwrap();
        assert_eq!(s.path(), d.join("out.work"));
        assert_eq!(s.reused(), 0);
        assert_eq!(s.get("point-0001-seed-1"), None);
        let v = json!({ "x": [1.5, 0.1 + 0.2, 1e-300], "n": null });
        s.put("point-0001-seed-1", &v).unwrap();
        s.put("point-0002-seed-1", &json!(2)).unwrap();
        assert_eq!(s.get("point-0001-seed-1"), Some(v.clone()));
        // Floats come back bit for bit.
        assert_eq!(s.get("point-0001-seed-1").unwrap()["x"][1].as_f64(), Some(0.1 + 0.2));
        drop(s);
        let s = WorkStore::open(&out, "fp", true).unwrap();
        assert_eq!(s.reused(), 2);
        assert_eq!(s.get("point-0001-seed-1"), Some(v));
        s.remove("point-0002-seed-1").unwrap();
        s.remove("point-0002-seed-1").unwrap();
        assert_eq!(s.get("point-0002-seed-1"), None);
        // Keys that are not plain file names are refused.
        assert!(s.put("../escape", &json!(1)).is_err());
        assert!(s.put(".hidden", &json!(1)).is_err());
        assert!(s.put("a/b", &json!(1)).is_err());
        s.finish().unwrap();
        assert!(!d.join("out.work").exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn resuming_another_commands_work_is_refused() {
        let d = base("mismatch");
        let out = d.join("out");
        let s = WorkStore::open(&out, r#"{"runs":20}"#, false).unwrap();
        s.put("run-1", &json!(1)).unwrap();
        let e = WorkStore::open(&out, r#"{"runs":30}"#, true).err().unwrap();
        assert!(e.contains("cannot resume") && e.contains("different command"), "{e}");
        // The refused attempt left the earlier work alone.
        assert_eq!(WorkStore::open(&out, r#"{"runs":20}"#, true).unwrap().reused(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn without_resume_earlier_work_is_cleared() {
        let d = base("clear");
        let out = d.join("out");
        let s = WorkStore::open(&out, "a", false).unwrap();
        s.put("k1", &json!(1)).unwrap();
        // Resuming with no store at all starts afresh.
        let other = d.join("never");
        assert_eq!(WorkStore::open(&other, "a", true).unwrap().reused(), 0);
        let s = WorkStore::open(&out, "b", false).unwrap();
        assert_eq!(s.reused(), 0);
        assert_eq!(s.get("k1"), None);
        assert_eq!(WorkStore::open(&out, "b", true).unwrap().reused(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn items_are_written_atomically() {
        let d = base("atomic");
        let out = d.join("out");
        let s = WorkStore::open(&out, "fp", false).unwrap();
        s.put("k", &json!({ "v": 1 })).unwrap();
        s.put("k", &json!({ "v": 2 })).unwrap();
        let items = d.join("out.work").join(ITEMS);
        // Only the finished file, no temporary left behind.
        let names: Vec<String> =
            std::fs::read_dir(&items).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names, vec!["k.json".to_string()]);
        assert_eq!(s.get("k"), Some(json!({ "v": 2 })));
        // A temporary file of a write that was killed counts as nothing and is cleaned up.
        std::fs::write(items.join(".j.json.tmp-1-ThreadId(2)"), b"{\"v\":").unwrap();
        let s = WorkStore::open(&out, "fp", true).unwrap();
        assert_eq!(s.reused(), 1);
        assert_eq!(s.get("j"), None);
        assert_eq!(std::fs::read_dir(&items).unwrap().count(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn resumable_batch_runs_only_missing_items_and_keeps_item_order() {
        let d = base("batch");
        let out = d.join("out");
        let mut s = leapsim_engine::scenario::load("historical").unwrap();
        s.apply_override("run.scale=0.0003").unwrap();
        s.apply_override("run.end_year=1954").unwrap();
        let items = crate::runner::seeds(&s, 3);
        let keys: Vec<String> = (0..3).map(|k| format!("seed-{k}")).collect();
        let deaths = |_: usize, r: RunResult| r.tables.annual(1953, "CN", "deaths").unwrap();
        let no = AtomicBool::new(false);
        let all = crate::runner::run_all(&items, &deaths, &|_, _| {}, &no).unwrap();

        let store = WorkStore::open(&out, "fp", false).unwrap();
        // Pretend item 1 finished earlier, with a value no run gives, to see it is not rerun.
        store.put("seed-1", &json!(-1.0)).unwrap();
        let ran = AtomicUsize::new(0);
        let progress = |done: usize, total: usize| {
            assert_eq!(total, 2);
            ran.fetch_max(done, Ordering::Relaxed);
        };
        let got = run_all_resumable(&store, &keys, &items, &deaths, &progress, &no).unwrap();
        assert_eq!(got, vec![all[0], -1.0, all[2]]);
        assert_eq!(ran.load(Ordering::Relaxed), 2);
        assert_eq!(store.get("seed-2"), Some(json!(all[2])));
        // Everything stored: nothing runs, even when cancelled.
        let yes = AtomicBool::new(true);
        let again = run_all_resumable(&store, &keys, &items, &deaths, &|_, _| panic!("ran"), &yes).unwrap();
        assert_eq!(again, got);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
