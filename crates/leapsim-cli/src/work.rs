//! What the multi-run commands share: `--resume`, the one progress bar over runs, and how a
//! job's errors become exit codes.

use crate::{InputError, Interrupted};
use clap::Args;
use leapsim_analysis::runner::{Progress, Runner, Stored};
use leapsim_analysis::store::WorkStore;
use leapsim_analysis::JobError;
use leapsim_engine::run::{RunError, RunResult};
use leapsim_engine::scenario::Scenario;
use serde_json::Value;
use std::io::IsTerminal;
use std::path::Path;

pub use leapsim_analysis::store::scenario_fingerprint;

/// `--resume`, for every command whose work can be interrupted and resumed.
#[derive(Args, Clone, Debug)]
pub struct ResumeArgs {
    /// Resume an interrupted command: work items already finished (kept in `<out>.work/`) are
    /// not run again. The command's other arguments must be the same as the first time.
    #[arg(long)]
    pub resume: bool,
}

/// Open the work store of output directory `out` (tagged with the program's version and
/// revision). Errors (another command's work, an unreadable store) are the user's input: exit 2.
pub fn open_store(out: &Path, fingerprint: &Value, resume: bool) -> anyhow::Result<WorkStore> {
    WorkStore::open_tagged(out, fingerprint, resume).map_err(|e| anyhow::Error::new(InputError(e)))
}

/// The progress bar over runs of every multi-run command (only on a terminal, and not with
/// `quiet`), with an estimate of the time left; the one place a job's progress callback
/// becomes an indicatif bar.
pub struct Bar {
    pb: Option<indicatif::ProgressBar>,
    label: String,
    quiet: bool,
}

impl Bar {
    /// A bar over `total` runs (set again by [`Bar::show`]), `label` beside it.
    pub fn new(quiet: bool, total: usize, label: String) -> Bar {
        Bar { pb: runs_bar(quiet, total, label.clone()), label, quiet }
    }

    /// Show `p`: runs done of those still to do (reused runs do not skew the estimate).
    pub fn show(&self, p: Progress) {
        if let (true, Some(best)) = (p.improved, p.best) {
            let line = format!("evaluation {}: loss {best:.4}", p.done);
            match &self.pb {
                Some(pb) => pb.println(line),
                None if !self.quiet => eprintln!("{line}"),
                None => {}
            }
        }
        if let (Some(pb), Some(best)) = (&self.pb, p.best) {
            pb.set_message(format!("best loss {best:.4}"));
        }
        if let Some(pb) = &self.pb {
            if p.done == 0 && p.reused > 0 {
                pb.set_message(format!("{}, {} reused", self.label, p.reused));
            }
            pb.set_length(p.total as u64);
            pb.set_position(p.done as u64);
        }
    }

    /// One more run done (for jobs that report runs one by one).
    pub fn inc(&self) {
        if let Some(pb) = &self.pb {
            pb.inc(1);
        }
    }

    /// Clear the bar, whatever the outcome.
    pub fn finish(&self) {
        if let Some(pb) = &self.pb {
            pb.finish_and_clear();
        }
    }
}

/// The bar of [`Bar`], for commands that drive it themselves: `total` runs, `message` beside it.
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

/// Run `items` through the store while `bar` follows the runs done, and clear the bar at the
/// end, whatever the outcome.
pub fn run_with_bar<T: serde::Serialize + serde::de::DeserializeOwned + Send>(
    bar: Bar,
    store: &WorkStore,
    keys: &[String],
    items: &[Scenario],
    reduce: &(dyn Fn(usize, RunResult) -> T + Sync),
    cancel: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<Vec<T>> {
    let progress = |p| bar.show(p);
    let results = Runner::new(cancel, &progress).run(items, Some(Stored { store, keys }), reduce);
    bar.finish();
    results.map_err(batch_error)
}

/// A batch's error as the command reports it: interrupted (exit 130) or bad input (exit 2).
pub fn batch_error(e: RunError) -> anyhow::Error {
    match e {
        RunError::Interrupted => anyhow::Error::new(Interrupted),
        e => anyhow::Error::new(InputError(e.to_string())),
    }
}

/// A job's error as the command reports it: interrupted (exit 130), bad input (exit 2) or an
/// I/O error.
pub fn job_error(e: JobError) -> anyhow::Error {
    match e {
        JobError::Interrupted => anyhow::Error::new(Interrupted),
        JobError::Input(m) => anyhow::Error::new(InputError(m)),
        JobError::Io(e) => anyhow::Error::new(e),
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

impl Bar {
    /// A bar over a job's evaluations (at most the total it reports), `label` beside it.
    pub fn evaluations(quiet: bool, label: String) -> Bar {
        let pb = runs_bar(quiet, 0, label.clone());
        if let Some(pb) = &pb {
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:40}] {pos}/{len} evaluations (at most), {elapsed} elapsed, eta {eta}",
                )
                .unwrap()
                .progress_chars("=> "),
            );
        }
        Bar { pb, label, quiet }
    }
}
