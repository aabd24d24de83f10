//! What the multi-run commands share: `--resume`, the one progress bar over runs, and how a
//! job's errors become exit codes.

use crate::{InputError, Interrupted};
use clap::Args;
use leapsim_analysis::runner::{Progress, Runner};
use leapsim_analysis::JobError;
use leapsim_report::writer::JobOutput;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::Ordering;

/// `--resume` and `--quiet`, which every multi-run command takes.
#[derive(Args, Clone, Debug)]
pub struct JobArgs {
    /// Resume an interrupted command: work items already finished (kept in `<out>.work/`) are
    /// not run again. The command's other arguments must be the same as the first time.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar or tables; errors only.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run a job with `bar` following its progress, then write its output directory (all or
/// nothing): what every multi-run command does between parsing its arguments and printing.
/// Returns the result and the names written.
pub fn run_job<R: JobOutput>(
    bar: Bar,
    job: impl FnOnce(&Runner) -> Result<R, JobError>,
    out: fn(&R) -> &Path,
) -> anyhow::Result<(R, Vec<String>)> {
    let cancel = crate::cancel_flag();
    let progress = |p| bar.show(p);
    let result = job(&Runner::new(&cancel, &progress));
    bar.finish();
    let result = result.map_err(job_error)?;
    let dir = out(&result).to_path_buf();
    let names = leapsim_report::writer::write(&dir, &result, &cancel).map_err(|e| match result.work() {
        // Every run is finished and kept: say how not to lose them.
        Some(store) if e.kind() == std::io::ErrorKind::StorageFull && !cancel.load(Ordering::Relaxed) => {
            anyhow::anyhow!(
                "writing {}: {e}; the finished runs are kept in {}: make room, then run the command again \
                 with --resume",
                dir.display(),
                store.path().display()
            )
        }
        _ => write_error(e, &dir, &cancel),
    })?;
    Ok((result, names))
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
        Bar { pb: bar(quiet, total, "runs", label.clone()), label, quiet }
    }

    /// A bar over a job's evaluations (at most the total it reports), `label` beside it.
    pub fn evaluations(quiet: bool, label: String) -> Bar {
        Bar { pb: bar(quiet, 0, "evaluations (at most)", label.clone()), label, quiet }
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

    /// Clear the bar, whatever the outcome.
    pub fn finish(&self) {
        if let Some(pb) = &self.pb {
            pb.finish_and_clear();
        }
    }
}

/// The indicatif bar behind [`Bar`] (only on a terminal, and not with `quiet`): `total` items
/// counted as `unit` ("runs", "evaluations (at most)"), `message` beside it.
fn bar(quiet: bool, total: usize, unit: &str, message: String) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(total as u64);
    let template = format!("{{spinner}} {{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{elapsed}} elapsed, eta {{eta}}");
    pb.set_style(indicatif::ProgressStyle::with_template(&template).unwrap().progress_chars("=> "));
    pb.set_message(message);
    Some(pb)
}

/// The sample of `--posterior FILE`, if given; a bad file is the user's input (exit 2).
pub fn posterior(path: Option<&Path>) -> anyhow::Result<Option<leapsim_analysis::sample::PosteriorSample>> {
    path.map(|p| leapsim_analysis::sample::load(&p.to_string_lossy()))
        .transpose()
        .map_err(|e| anyhow::Error::new(InputError(e.to_string())))
}

/// A job's error as the command reports it: interrupted (exit 130), bad input (exit 2), or an
/// I/O error or too little memory (exit 1).
pub fn job_error(e: JobError) -> anyhow::Error {
    match e {
        JobError::Interrupted => anyhow::Error::new(Interrupted),
        JobError::Input(m) => anyhow::Error::new(InputError(m)),
        JobError::Io(e) => anyhow::Error::new(e),
        JobError::Memory(m) => anyhow::anyhow!(m),
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
