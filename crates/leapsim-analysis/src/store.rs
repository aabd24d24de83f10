//! Resumable multi-run work: each finished work item's (reduced) result is kept on disk beside
//! the command's output directory, in `<out>.work/`, so that an interrupted command run again
//! with `--resume` does not redo it.
//!
//! Layout of the store directory:
//! - `fingerprint.json`: what work the store belongs to (scenario, design, seeds, outcomes, the
//!   program's revision); resuming someone else's store is refused;
//! - `items/<key>.json`: one finished item's result, written to a temporary file and renamed
//!   into place, so an item is either completely stored or absent. Its first line holds a
//!   checksum of the key and the result, so an item file edited or damaged after it was
//!   written is run again, never read into results;
//! - `lock`: held (an advisory `flock`) by the job using the store for as long as it runs, so
//!   two jobs given the same `--out` cannot both write into one store: the second is refused.
//!
//! Items are independent and merged in item order, never in completion order, so the final
//! outputs do not depend on the thread count, on how often the work was interrupted, or on
//! which machine ran which item.

use crate::JobError;
use leapsim_core::params::SPECS;
use leapsim_engine::scenario::Scenario;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

const FINGERPRINT: &str = "fingerprint.json";
const ITEMS: &str = "items";
const LOCK: &str = "lock";
/// The first word of an item file; the version says how the rest is laid out.
const ITEM_HEADER: &str = "leapsim-item-v1";

/// Finished work items of a multi-run command, kept on disk beside its output directory
/// (`<out>.work/`) so an interrupted command can be resumed without redoing them.
pub struct WorkStore {
    dir: PathBuf,
    finished: HashSet<String>,
    /// The store's `lock` file, locked until the store is dropped.
    _lock: std::fs::File,
}

/// The store directory of output directory `out`: `<out>.work` beside it.
pub fn store_dir(out: &Path) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    out.with_file_name(format!("{name}.work"))
}

/// A key is a plain file name: ASCII letters, digits, `-`, `_`, `.`, not starting with `.`.
pub(crate) fn check_key(key: &str) -> std::io::Result<()> {
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

/// A store whose opening was cut short (the process killed): no fingerprint yet, so no item
/// either (items are stored only once the fingerprint is), nothing but an empty items folder
/// and the fingerprint's temporary file. Resuming it starts afresh and loses nothing.
fn half_opened(dir: &Path) -> bool {
    let empty = |p: &Path| std::fs::read_dir(p).map(|mut d| d.next().is_none()).unwrap_or(false);
    let leftover = |e: &std::fs::DirEntry| {
        let name = e.file_name().to_string_lossy().into_owned();
        (name == ITEMS && empty(&e.path())) || name == LOCK || name.starts_with(&format!(".{FINGERPRINT}.tmp-"))
    };
    !dir.join(FINGERPRINT).exists()
        && std::fs::read_dir(dir).map(|d| d.flatten().all(|e| leftover(&e))).unwrap_or(false)
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

/// Take the store's lock for this job, or say which job holds it. The lock file is made if
/// missing; a lock taken on a file that another job removed in the meantime (by finishing and
/// clearing its store) is let go and taken again on the file now in place, so two jobs never
/// both believe they hold it.
fn lock(dir: &Path, out: &Path) -> Result<std::fs::File, JobError> {
    use std::os::unix::fs::MetadataExt;
    let path = dir.join(LOCK);
    loop {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("cannot open the lock of the work store", dir, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(JobError::Input(format!(
                    "another leapsim job is writing to {} (its work store {} is locked); wait for it to \
                     end, or give this job another --out",
                    out.display(),
                    dir.display()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error("cannot lock the work store", dir, e)),
        }
        let held = file.metadata().map_err(|e| io_error("cannot read", &path, e))?;
        match std::fs::metadata(&path) {
            Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => return Ok(file),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(|e| io_error("cannot create", dir, e))?
            }
            Err(e) => return Err(io_error("cannot read", &path, e)),
        }
    }
}

/// A failed file operation on `path` as a job's I/O error (the machine's fault, exit 1), its
/// kind kept and the path named.
fn io_error(what: &str, path: &Path, e: std::io::Error) -> JobError {
    JobError::Io(std::io::Error::new(e.kind(), format!("{what} {}: {e}", path.display())))
}

/// Remove everything in the store's directory but its lock: the earlier work of the same
/// `--out`, cleared by a job that does not resume it, or the job's own once its output is
/// written. The order matters, as the process may be killed at any point of it: the items
/// first, the fingerprint last, so that what is left is always a store (its fingerprint and
/// some of its items) or a half-opened one (no fingerprint, nothing else), never items without
/// their fingerprint, which `--resume` would have to refuse.
fn clear_work(dir: &Path) -> std::io::Result<()> {
    let remove = |p: &Path| match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    remove(&dir.join(ITEMS))?;
    for e in std::fs::read_dir(dir)? {
        let name = e?.file_name();
        if name != LOCK && name != FINGERPRINT {
            remove(&dir.join(name))?;
        }
    }
    remove(&dir.join(FINGERPRINT))
}

/// The checksum of item `key`'s stored result `json`: CRC-32 of the key, a newline and the
/// bytes, so an item edited, damaged or copied under another key's name fails it.
fn checksum(key: &str, json: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(key.as_bytes());
    h.update(b"\n");
    h.update(json);
    h.finalize()
}

/// An item file's bytes: a header line with the result's length and checksum, then the JSON
/// (public for the fuzz target, which feeds the reader well-framed JSON too).
pub fn item_bytes(key: &str, json: &[u8]) -> Vec<u8> {
    let mut bytes = format!("{ITEM_HEADER} {} {:08x}\n", json.len(), checksum(key, json)).into_bytes();
    bytes.extend_from_slice(json);
    bytes
}

/// The JSON of item `key` in `bytes`, if the header is ours and the length and checksum agree.
fn item_json<'b>(key: &str, bytes: &'b [u8]) -> Option<&'b [u8]> {
    let newline = bytes.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&bytes[..newline]).ok()?;
    let json = &bytes[newline + 1..];
    let mut words = header.split(' ');
    let ok = words.next() == Some(ITEM_HEADER)
        && words.next()?.parse::<usize>().ok()? == json.len()
        && u32::from_str_radix(words.next()?, 16).ok()? == checksum(key, json)
        && words.next().is_none();
    ok.then_some(json)
}

impl WorkStore {
    /// Open the store for output dir `out`. `fingerprint` identifies the command's work (e.g. a
    /// JSON of scenario params, design, seeds, outcomes); resuming a store made with another
    /// fingerprint is an error that says so. Without `resume`, an earlier store is cleared. The
    /// store is locked until it is dropped: opening it while another job holds it is an error
    /// naming `out`, and touches nothing. Refusals are [`JobError::Input`], failures of the
    /// file system (a full or read-only disk) [`JobError::Io`].
    pub fn open(out: &Path, fingerprint: &str, resume: bool) -> Result<WorkStore, JobError> {
        // No work whose results could not be written.
        leapsim_engine::output::check_destination(out).map_err(|e| JobError::Input(e.to_string()))?;
        let dir = store_dir(out);
        let io = |what: &str, e: std::io::Error| io_error(what, &dir, e);
        std::fs::create_dir_all(&dir).map_err(|e| io("cannot create", e))?;
        let lock = lock(&dir, out)?;
        let earlier_work = !half_opened(&dir);
        if !resume || !earlier_work {
            clear_work(&dir).map_err(|e| io("cannot clear the earlier work in", e))?;
        }
        let mut finished = HashSet::new();
        if resume && earlier_work {
            let stored = std::fs::read_to_string(dir.join(FINGERPRINT)).map_err(|e| {
                JobError::Input(format!(
                    "{} is not a readable work store ({e}); run without --resume to start afresh",
                    dir.display()
                ))
            })?;
            if stored != fingerprint {
                return Err(JobError::Input(format!(
                    "cannot resume: the unfinished work in {} was started by a different command (another \
                     scenario, parameters, design, seeds, outcomes or program version); run it with the \
                     original arguments, or without --resume to start afresh",
                    dir.display()
                )));
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
        Ok(WorkStore { dir, finished, _lock: lock })
    }

    /// [`WorkStore::open`] with `work` tagged with the program's version and revision, so
    /// results of another build are never mixed in.
    pub fn open_tagged(out: &Path, work: &Value, resume: bool) -> Result<WorkStore, JobError> {
        let tagged = json!({
            "leapsim_version": leapsim_engine::VERSION,
            "git_revision": leapsim_engine::REVISION,
            "work": work,
        });
        let text = serde_json::to_string_pretty(&tagged).map_err(|e| JobError::Input(e.to_string()))? + "\n";
        WorkStore::open(out, &text, resume)
    }

    /// The store's directory (`<out>.work`), e.g. for files an item keeps beside its result.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn item_path(&self, key: &str) -> PathBuf {
        self.dir.join(ITEMS).join(format!("{key}.json"))
    }

    /// The stored result of item `key`, if finished and its file passes its checksum.
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        check_key(key).ok()?;
        let bytes = std::fs::read(self.item_path(key)).ok()?;
        serde_json::from_slice(item_json(key, &bytes)?).ok()
    }

    /// Store item `key`'s result atomically (temporary file, then rename), with its checksum.
    pub fn put(&self, key: &str, value: &serde_json::Value) -> std::io::Result<()> {
        check_key(key)?;
        let json = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        write_atomic(&self.item_path(key), &item_bytes(key, &json))
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

    /// Whether any item file is in the store (finished earlier or in this command).
    pub fn holds_items(&self) -> bool {
        std::fs::read_dir(self.dir.join(ITEMS)).map(|mut d| d.next().is_some()).unwrap_or(false)
    }

    /// Remove the store once the final outputs are written.
    pub fn finish(self) -> std::io::Result<()> {
        self.clear()
    }

    /// Remove the store's directory (the store is not to be used after): its work first, in
    /// the order that leaves a usable store wherever it is cut short, then the lock.
    pub fn clear(&self) -> std::io::Result<()> {
        clear_work(&self.dir)?;
        std::fs::remove_dir_all(&self.dir)
    }
}

/// Everything that decides a scenario's runs: name, every parameter (including seed and
/// scale), the timeline and the pinned parameters.
pub fn scenario_fingerprint(s: &Scenario) -> Value {
    let params: serde_json::Map<String, Value> =
        SPECS.iter().map(|p| (p.key.to_string(), json!(s.params.get(p.key)))).collect();
    let timeline: Vec<String> = s.timeline.iter().map(|e| format!("{} {:?}", e.month, e.action)).collect();
    json!({
        "name": s.name,
        "params": params,
        "timeline": timeline,
        "pinned": s.overrides.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
    })
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
    fn a_store_killed_while_it_was_opened_resumes_afresh() {
        // Found by kill -9: the store's folders made, its fingerprint not yet written.
        let d = base("half-opened");
        let out = d.join("out");
        std::fs::create_dir_all(d.join("out.work").join(ITEMS)).unwrap();
        std::fs::write(d.join("out.work").join(format!(".{FINGERPRINT}.tmp-1-ThreadId(1)")), "{").unwrap();
        let s = WorkStore::open(&out, "fp", true).unwrap();
        assert_eq!(s.reused(), 0);
        s.put("seed-1", &json!(1.0)).unwrap();
        drop(s);
        // A store with items but no fingerprint is no store of ours: refused, left alone.
        std::fs::remove_file(d.join("out.work").join(FINGERPRINT)).unwrap();
        let e = WorkStore::open(&out, "fp", true).err().unwrap().to_string();
        assert!(e.contains("not a readable work store"), "{e}");
        assert!(d.join("out.work").join(ITEMS).join("seed-1.json").is_file());
        std::fs::remove_dir_all(&d).unwrap();
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
        drop(s);
        let e = WorkStore::open(&out, r#"{"runs":30}"#, true).err().unwrap().to_string();
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
        drop(s);
        let s = WorkStore::open(&out, "b", false).unwrap();
        assert_eq!(s.reused(), 0);
        assert_eq!(s.get("k1"), None);
        drop(s);
        assert_eq!(WorkStore::open(&out, "b", true).unwrap().reused(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_store_whose_clearing_was_cut_short_is_still_a_store() {
        // Found by kill -9: a job killed while removing its store (its output written) left
        // items without their fingerprint, which --resume refused. Now every state on the way
        // is resumable: the fingerprint with some of its items, or nothing but the lock.
        let d = base("cut-short");
        let out = d.join("out");
        let dir = d.join("out.work");
        let s = WorkStore::open(&out, "fp", false).unwrap();
        s.put("seed-1", &json!(1.0)).unwrap();
        s.put("seed-2", &json!(2.0)).unwrap();
        std::fs::create_dir_all(dir.join("runs").join("seed-1")).unwrap();
        drop(s);
        // The states clear_work passes through, in its order.
        std::fs::remove_file(dir.join(ITEMS).join("seed-1.json")).unwrap();
        assert_eq!(WorkStore::open(&out, "fp", true).unwrap().reused(), 1);
        std::fs::remove_dir_all(dir.join(ITEMS)).unwrap();
        assert_eq!(WorkStore::open(&out, "fp", true).unwrap().reused(), 0);
        std::fs::remove_dir_all(dir.join("runs")).unwrap();
        std::fs::remove_file(dir.join(FINGERPRINT)).unwrap();
        assert_eq!(WorkStore::open(&out, "fp", true).unwrap().reused(), 0);
        // And clear_work itself keeps the lock and takes the fingerprint last.
        let s = WorkStore::open(&out, "fp", false).unwrap();
        s.put("seed-1", &json!(1.0)).unwrap();
        clear_work(&dir).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "only the lock is left");
        assert!(dir.join(LOCK).is_file());
        s.finish().unwrap();
        assert!(!dir.exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_item_edited_into_another_valid_result_is_not_read() {
        let d = base("checksum");
        let out = d.join("out");
        let s = WorkStore::open(&out, "fp", false).unwrap();
        s.put("seed-1", &json!({ "deaths": 16.5 })).unwrap();
        s.put("seed-2", &json!({ "deaths": 17.25 })).unwrap();
        let items = d.join("out.work").join(ITEMS);
        let file = items.join("seed-1.json");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with(ITEM_HEADER), "{text}");
        // Another number of the same length, still valid JSON of the right shape.
        std::fs::write(&file, text.replace("16.5", "99.5")).unwrap();
        assert_eq!(s.get("seed-1"), None);
        // An item copied under another item's name.
        std::fs::copy(items.join("seed-2.json"), &file).unwrap();
        assert_eq!(s.get("seed-1"), None);
        // A result without the header (as stored before checksums), or with a wrong length.
        std::fs::write(&file, "{\"deaths\":16.5}").unwrap();
        assert_eq!(s.get("seed-1"), None);
        let json = b"{\"deaths\":16.5}";
        let framed = String::from_utf8(item_bytes("seed-1", json)).unwrap();
        std::fs::write(&file, framed.replacen(&format!(" {} ", json.len()), " 99 ", 1)).unwrap();
        assert_eq!(s.get("seed-1"), None);
        std::fs::write(&file, &framed).unwrap();
        assert_eq!(s.get("seed-1"), Some(json!({ "deaths": 16.5 })));
        assert_eq!(s.get("seed-2"), Some(json!({ "deaths": 17.25 })));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_store_in_use_by_another_job_is_refused_and_left_alone() {
        let d = base("lock");
        let out = d.join("out");
        let first = WorkStore::open(&out, "fp", false).unwrap();
        first.put("seed-1", &json!(1.0)).unwrap();
        for resume in [false, true] {
            let e = WorkStore::open(&out, "fp", resume).err().unwrap();
            assert!(matches!(e, JobError::Input(_)), "a refusal, not the machine's fault");
            let e = e.to_string();
            assert!(e.contains("another leapsim job is writing to") && e.contains("out.work"), "{e}");
        }
        // The refused jobs cleared nothing: the first goes on as before.
        assert_eq!(first.get("seed-1"), Some(json!(1.0)));
        first.put("seed-2", &json!(2.0)).unwrap();
        drop(first);
        // Once it has stopped (killed, or dropped here), its work can be resumed.
        let again = WorkStore::open(&out, "fp", true).unwrap();
        assert_eq!(again.reused(), 2);
        // A job that finishes removes the store, lock and all; the next opens a new one.
        again.finish().unwrap();
        assert!(!d.join("out.work").exists());
        let next = WorkStore::open(&out, "fp", true).unwrap();
        assert_eq!(next.reused(), 0);
        assert!(WorkStore::open(&out, "fp", false).is_err());
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
        drop(s);
        let s = WorkStore::open(&out, "fp", true).unwrap();
        assert_eq!(s.reused(), 1);
        assert_eq!(s.get("j"), None);
        assert_eq!(std::fs::read_dir(&items).unwrap().count(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
