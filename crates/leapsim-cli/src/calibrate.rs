//! `leapsim calibrate`: fit the free parameters of a settings file to its targets by bounded
//! Nelder–Mead, or sample their approximate posterior by ABC-SMC, and write the fitted values as
//! a scenario overlay with the loss history and a fit report (and for ABC-SMC the posterior
//! sample, its generations and the posterior-predictive fit table); the job is
//! `leapsim_analysis::calibrate`; `--resume` replays the finished runs.

use crate::work::{run_job, Bar, JobArgs};
use crate::{InputError, ModelArgs};
use clap::Args;
use leapsim_analysis::calibrate::{calibrate, load_or_default, CalibrateRequest, FitMethod};
use std::path::PathBuf;

#[derive(Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Calibration settings: free parameters and targets (default: calibration/leap.toml, the
    /// Great Leap fit; the copy built into the program if the file is not there).
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// How to fit: `nelder-mead` (the point of least loss) or `abc-smc` (a sample of the
    /// approximate posterior under the settings' priors within the bounds; docs/calibrate.md).
    #[arg(long, default_value = "nelder-mead", value_parser = ["nelder-mead", "abc-smc"])]
    method: String,
    /// ABC-SMC: particles per generation (default: the settings' particles, 100).
    #[arg(long)]
    particles: Option<usize>,
    /// ABC-SMC: generations at most (default: the settings' generations, 8).
    #[arg(long)]
    generations: Option<usize>,
    /// Stop after this many evaluations (default: the settings' max_evals for Nelder–Mead;
    /// 20 × particles × generations for ABC-SMC).
    #[arg(long)]
    max_evals: Option<usize>,
    /// Runs (seeds) averaged per evaluation (default: the settings' seeds).
    #[arg(long)]
    seeds: Option<u64>,
    /// Output directory (default: out/calibrate). Replaced atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
}

pub fn run(a: CalibrateArgs) -> anyhow::Result<()> {
    let settings = load_or_default(a.settings.as_deref()).map_err(|e| InputError(e.to_string()))?;
    let label = format!("{} parameters, {} targets", settings.params.len(), settings.targets.len());
    let req = CalibrateRequest {
        model: a.model.spec(),
        settings,
        max_evals: a.max_evals,
        seeds: a.seeds,
        method: if a.method == "abc-smc" { FitMethod::AbcSmc } else { FitMethod::NelderMead },
        particles: a.particles,
        generations: a.generations,
        out: a.out,
        resume: a.job.resume,
        command: std::env::args().collect(),
    };
    let bar = Bar::evaluations(a.job.quiet, label);
    let (result, names) = run_job(bar, |runner| calibrate(&req, runner), |r| &r.out)?;
    if !a.job.quiet {
        if result.items.reused > 0 {
            eprintln!("resumed: {} of {} runs replayed from the store", result.items.reused, result.items.total);
        }
        print!("{}", leapsim_report::calibrate::console(&result));
        println!("Wrote {}/{{{}}}", result.out.display(), names.join(", "));
    }
    Ok(())
}
