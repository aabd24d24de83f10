//! The run's output directory: `annual.csv`, `monthly.csv`, `summary.json`, `manifest.json` and
//! `provincial_grain.csv`, written into a hidden sibling directory and renamed into place only when complete, so an
//! interrupted or failed run never leaves a partial output directory behind.

use crate::history::fit_table;
use crate::provincial_grain::{self, grain_path, official};
use crate::run::RunResult;
use crate::scenario::Scenario;
use crate::series::to_csv;
use leapsim_core::params::SPECS;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Headline figures and the fit to the record.
pub fn summary(scenario: &Scenario, r: &RunResult) -> Value {
    let t = &r.tables;
    let years: Vec<i32> = t.annual.iter().map(|x| x.year).collect();
    let sum = |series: &str, from: i32, to: i32| -> f64 { (from..=to).filter_map(|y| t.annual(y, "CN", series)).sum() };
    let (mut peak_year, mut peak) = (0, f64::MIN);
    for y in years.iter().copied() {
        if let Some(v) = t.annual(y, "CN", "cdr_permille") {
            if v > peak {
                peak = v;
                peak_year = y;
            }
        }
    }
    let last = *years.iter().max().unwrap_or(&1953);
    let fit = fit_table(t);
    let grain = grain_path(t, official());
    let births_unplaced: f64 = r.reports.iter().flat_map(|m| m.provinces.iter()).map(|p| p.births_unplaced).sum();
    json!({
        "scenario": scenario.name,
        "seed": scenario.params.run.seed,
        "scale": scenario.params.run.scale,
        "years": [1953, last],
        "headline": {
            "population_1957": t.annual(1957, "CN", "population"),
            "population_end": t.annual(last, "CN", "population"),
            "excess_deaths_1959_1961": sum("excess_deaths", 1959, 1961),
            "excess_deaths_1958_1962": sum("excess_deaths", 1958, 1962),
            "peak_cdr_permille": peak,
            "peak_cdr_year": peak_year,
            "grain_true_mt_1958": t.annual(1958, "CN", "grain_true_mt"),
            "grain_reported_mt_1958": t.annual(1958, "CN", "grain_reported_mt"),
            "communes_1958": t.annual(1958, "CN", "communes"),
        },
        "fit": fit,
        "fit_all_ok": fit.iter().all(|f| f.ok),
        "provincial_grain": { "falls": grain.falls, "fall_correlation": grain.fall_correlation },
        "diagnostics": { "births_without_a_free_slot": births_unplaced },
    })
}

/// Everything needed to reproduce the run.
pub fn manifest(scenario: &Scenario, r: &RunResult, command: &[String], revision: &str, total_seconds: f64) -> Value {
    let mut params = Map::new();
    for s in SPECS {
        params.insert(s.key.to_string(), json!(scenario.params.get(s.key)));
    }
    let timeline: Vec<Value> = scenario
        .timeline
        .iter()
        .map(|e| json!({ "date": e.month.to_string(), "action": format!("{:?}", e.action), "label": e.label }))
        .collect();
    json!({
        "leapsim_version": env!("CARGO_PKG_VERSION"),
        "git_revision": revision,
        "command": command,
        "scenario": { "name": scenario.name, "origin": scenario.origin, "description": scenario.description },
        "seed": scenario.params.run.seed,
        "scale": scenario.params.run.scale,
        "threads": rayon::current_num_threads(),
        "overrides": scenario.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "params": params,
        "timeline": timeline,
        "timings_seconds": { "build": r.build_seconds, "simulate": r.simulate_seconds, "total": total_seconds },
        "peak_memory_bytes": peak_memory_bytes(),
        "memory_estimate_bytes": r.memory_estimate_bytes,
        "person_months": r.person_months,
        "state_bytes": r.state_bytes,
    })
}

/// The process's peak resident memory so far (Linux `VmHWM`), if the system tells it.
pub fn peak_memory_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A memory figure of `/proc/self/status` (`field` with its colon, e.g. `VmRSS:`), in bytes.
pub(crate) fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Write run directory `out` (annual.csv, monthly.csv, summary.json, manifest.json,
/// provincial_grain.csv and detail.csv with `--detail`) atomically, stamped with `command` and the run's `total_seconds`;
/// returns the names written. What `leapsim run --out` does, for every front end.
pub fn save(
    out: &Path,
    scenario: &Scenario,
    r: &RunResult,
    command: &[String],
    total_seconds: f64,
    cancel: &AtomicBool,
) -> std::io::Result<Vec<&'static str>> {
    let manifest = manifest(scenario, r, command, crate::REVISION, total_seconds);
    let files = files(scenario, r, &manifest);
    write_dir(out, &files, cancel)?;
    Ok(files.iter().map(|f| f.0).collect())
}

/// The files of a run directory, in memory.
pub fn files(scenario: &Scenario, r: &RunResult, manifest: &Value) -> Vec<(&'static str, Vec<u8>)> {
    let mut f = vec![
        ("annual.csv", to_csv(&r.tables.annual, false).into_bytes()),
        ("monthly.csv", to_csv(&r.tables.monthly, true).into_bytes()),
        ("summary.json", pretty(&summary(scenario, r))),
        ("manifest.json", pretty(manifest)),
        ("provincial_grain.csv", provincial_grain_csv(r).into_bytes()),
    ];
    if let Some(d) = &r.detail {
        f.push(("detail.csv", d.clone().into_bytes()));
    }
    f
}

/// The run's provincial grain beside the official series (`provincial_grain.csv`).
pub fn provincial_grain_csv(r: &RunResult) -> String {
    provincial_grain::to_csv(&grain_path(&r.tables, official()))
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).expect("JSON values serialise");
    b.push(b'\n');
    b
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Remove temporary directories that an earlier, killed run left beside `out`.
fn clean_stale(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else { return };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let prefix = format!(".{}.", name.to_string_lossy());
    if let Ok(entries) = std::fs::read_dir(parent) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) && (n.contains(".partial-") || n.contains(".old-")) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Whether `out` may become an output directory: absent, empty, or an earlier run's (it has a
/// manifest.json). Checked before writing, and before a long job starts, so that no work is
/// done whose results could not be written there.
pub fn check_destination(out: &Path) -> std::io::Result<()> {
    if out.exists() {
        let is_run = out.join("manifest.json").is_file();
        let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !is_run && !empty {
            return Err(std::io::Error::other(format!(
                "{} exists and is not a leapsim output directory; choose another --out",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Write `files` as directory `out`, atomically: complete or not at all. An existing `out` is
/// replaced only if it is an earlier run's output (has a manifest.json) or empty.
pub fn write_dir(out: &Path, files: &[(&str, Vec<u8>)], cancel: &AtomicBool) -> std::io::Result<()> {
    write_dir_moving(out, files, &[], cancel)
}

/// As [`write_dir`], and also move the finished directories `dirs` (name inside `out`, where
/// it is now) into `out`, e.g. per-run directories written earlier beside it; they must be on
/// the same file system as `out`.
pub fn write_dir_moving(
    out: &Path,
    files: &[(&str, Vec<u8>)],
    dirs: &[(String, PathBuf)],
    cancel: &AtomicBool,
) -> std::io::Result<()> {
    check_destination(out)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    clean_stale(out);
    let tmp = sibling(out, "partial");
    let result = (|| {
        std::fs::create_dir(&tmp)?;
        for (name, bytes) in files {
            if cancel.load(Ordering::Relaxed) {
                return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"));
            }
            let mut f = std::fs::File::create(tmp.join(name))?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        for (name, from) in dirs {
            std::fs::rename(from, tmp.join(name))?;
        }
        if out.exists() {
            let old = sibling(out, "old");
            std::fs::rename(out, &old)?;
            std::fs::rename(&tmp, out)?;
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&tmp, out)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn atomic_write_and_refusal() {
        let base = std::env::temp_dir().join(format!("leapsim-out-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let out = base.join("run");
        let no = AtomicBool::new(false);
        write_dir(&out, &[("manifest.json", b"{}".to_vec()), ("a.csv", b"x".to_vec())], &no).unwrap();
        assert!(out.join("a.csv").is_file());
        // Replacing an earlier run works and leaves no temporary siblings.
        write_dir(&out, &[("manifest.json", b"{}".to_vec())], &no).unwrap();
        assert!(!out.join("a.csv").exists());
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        // A cancelled write leaves nothing.
        let yes = AtomicBool::new(true);
        let other = base.join("other");
        assert!(write_dir(&other, &[("manifest.json", b"{}".to_vec())], &yes).is_err());
        assert!(!other.exists());
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        // A directory that is not a run is never replaced.
        let foreign = base.join("foreign");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("precious.txt"), b"keep").unwrap();
        assert!(write_dir(&foreign, &[("manifest.json", b"{}".to_vec())], &no).is_err());
        assert!(foreign.join("precious.txt").is_file());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
