//! What the multi-run commands (ensemble, sweep, sensitivity, calibrate) share: `--resume`,
//! the work store beside the output directory, the runs progress bar and the fingerprint of
//! the resolved scenario.

use crate::{InputError, Interrupted};
use clap::Args;
use leapsim_analysis::store::{run_all_resumable, WorkStore};
use leapsim_core::params::SPECS;
use leapsim_engine::run::{RunError, RunResult};
use leapsim_engine::scenario::Scenario;
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::Path;

/// `--resume`, for every command whose work can be interrupted and resumed.
#[derive(Args, Clone, Debug)]
pub struct ResumeArgs {
    /// Resume an interrupted command: work items already finished (kept in `<out>.work/`) are
    /// not run again. The command's other arguments must be the same as the first time.
    #[arg(long)]
    pub resume: bool,
}

/// Open the work store of output directory `out`. The fingerprint is tagged with the program's
/// version and revision, so results of another build are never mixed in. Errors (another
/// command's work, an unreadable store) are the user's input: exit 2.
pub fn open_store(out: &Path, fingerprint: &Value, resume: bool) -> anyhow::Result<WorkStore> {
    let tagged = json!({
        "leapsim_version": leapsim_engine::VERSION,
        "git_revision": leapsim_engine::REVISION,
        "work": fingerprint,
    });
    let text = serde_json::to_string_pretty(&tagged)? + "\n";
    WorkStore::open(out, &text, resume).map_err(|e| anyhow::Error::new(InputError(e)))
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

/// A progress bar over runs (only on a terminal, and not with `quiet`), with an estimate of the
/// time left. `total` counts only the runs still to do, so reused runs do not skew the estimate.
pub fn runs_bar(quiet: bool, total: usize, message: String) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(total as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} runs, {elapsed} elapsed, eta {eta}",
        )
        .unwrap()
        .progress_chars("=> "),
    );
    pb.set_message(message);
    Some(pb)
}

/// Run `items` through the store while `pb` (from [`runs_bar`]) follows the runs done, and clear
/// the bar at the end, whatever the outcome.
pub fn run_with_bar<T: serde::Serialize + serde::de::DeserializeOwned + Send>(
    pb: Option<indicatif::ProgressBar>,
    store: &WorkStore,
    keys: &[String],
    items: &[Scenario],
    reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
    cancel: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<Vec<T>> {
    let progress = |done: usize, total: usize| {
        if let Some(pb) = &pb {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        }
    };
    let results = run_all_resumable(store, keys, items, reduce, &progress, cancel);
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    results.map_err(batch_error)
}

/// A batch's error as the command reports it: interrupted (exit 130) or bad input (exit 2).
pub fn batch_error(e: RunError) -> anyhow::Error {
    match e {
        RunError::Interrupted => anyhow::Error::new(Interrupted),
        e => anyhow::Error::new(InputError(e.to_string())),
    }
}

/// A failed write of the output directory: interrupted (exit 130) or an I/O error.
pub fn write_error(e: std::io::Error, out: &Path, cancel: &std::sync::atomic::AtomicBool) -> anyhow::Error {
    if cancel.load(std::sync::atomic::Ordering::Relaxed) {
        anyhow::Error::new(Interrupted)
    } else {
        anyhow::Error::new(e).context(format!("writing {}", out.display()))
    }
}
