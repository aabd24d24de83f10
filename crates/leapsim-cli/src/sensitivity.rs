//! `leapsim sensitivity`: Morris elementary effects or Sobol indices of outcomes over parameter
//! ranges (the job is `leapsim_analysis::sensitivity`).

use crate::work::{run_job, Bar, JobArgs};
use crate::{InputError, ModelArgs};
use clap::{Args, ValueEnum};
use leapsim_analysis::sensitivity::{self as job, parse_range, parse_range_file, SensitivityRequest};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Method {
    /// Morris elementary effects (screening: r (k + 1) runs).
    Morris,
    /// Sobol first-order and total indices (Saltelli design: N (k + 2) runs).
    Sobol,
}

#[derive(Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Method: morris (screening, cheap) or sobol (variance shares, costly).
    #[arg(long, value_enum, default_value = "morris")]
    method: Method,
    /// A parameter and its range, KEY=LOW:HIGH (repeatable), e.g. procurement.enforcement=0.1:0.4.
    #[arg(long = "param", value_name = "KEY=LOW:HIGH")]
    param: Vec<String>,
    /// A file of parameters and ranges, one KEY=LOW:HIGH a line (`#` starts a comment).
    #[arg(long = "params", value_name = "FILE")]
    params_file: Option<PathBuf>,
    /// An outcome SERIES:YEARS[:AGG][@REGION] (repeatable; default: the headline outcomes).
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcome: Vec<String>,
    /// Morris: number of trajectories (r).
    #[arg(long, default_value_t = 10)]
    trajectories: usize,
    /// Morris: number of grid levels (p, even).
    #[arg(long, default_value_t = 4)]
    levels: usize,
    /// Sobol: number of base samples (N).
    #[arg(long, default_value_t = 64)]
    samples: usize,
    /// Sobol: bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 200)]
    bootstrap: usize,
    /// Runs per design point (seeds base .. base + runs - 1), averaged.
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Give every design point its own seeds instead of the same ones (common random numbers).
    #[arg(long)]
    independent_seeds: bool,
    /// Pin the varied parameters for the whole run, as --set does (timeline events do not
    /// change them); by default a varied value holds until the timeline changes it.
    #[arg(long)]
    pin: bool,
    /// Output directory (default: out/sensitivity). Replaced atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
}

pub fn run(a: SensitivityArgs) -> anyhow::Result<()> {
    let mut ranges = match &a.params_file {
        Some(f) => parse_range_file(f).map_err(InputError)?,
        None => Vec::new(),
    };
    for p in &a.param {
        ranges.push(parse_range(p).map_err(|e| InputError(format!("--param {e}")))?);
    }
    let method = match a.method {
        Method::Morris => job::Method::Morris,
        Method::Sobol => job::Method::Sobol,
    };
    let req = SensitivityRequest {
        model: a.model.spec(),
        method,
        ranges,
        outcomes: a.outcome,
        trajectories: a.trajectories,
        levels: a.levels,
        samples: a.samples,
        bootstrap: a.bootstrap,
        runs: a.runs,
        independent_seeds: a.independent_seeds,
        pin: a.pin,
        out: a.out,
        resume: a.job.resume,
        command: std::env::args().collect(),
    };
    let label = format!("{}: {} parameters x {} run(s)", method.name(), req.ranges.len(), req.runs);
    let bar = Bar::new(a.job.quiet, 0, label);
    let (result, names) = run_job(bar, |runner| job::sensitivity(&req, runner), |r| &r.out)?;
    if !a.job.quiet {
        print!("{}", leapsim_report::sensitivity::console(&result));
        println!("\nWrote {}/{{{}}}", result.out.display(), names.join(", "));
    }
    Ok(())
}
