//! `leapsim ensemble`: one scenario run with many seeds; quantiles of every annual series and
//! the headline outcomes with their 90% intervals (the job is `leapsim_analysis::ensemble`).

use crate::work::{run_job, Bar, JobArgs};
use crate::ModelArgs;
use clap::Args;
use leapsim_analysis::ensemble::{ensemble, EnsembleRequest};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct EnsembleArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Number of runs, with seeds seed, seed+1, ..., seed+runs-1.
    #[arg(long, default_value_t = 20)]
    runs: u64,
    /// Outcomes to report (repeatable; SERIES:YEARS[:AGG][@REGION], e.g. excess_deaths:1959-1961;
    /// default: the headline outcomes).
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcomes: Vec<String>,
    /// Also keep every run's own output directory, run-<seed>/ (annual.csv, monthly.csv,
    /// summary.json, manifest.json).
    #[arg(long)]
    keep_runs: bool,
    /// Draw each run's parameters from a posterior sample (posterior.csv of `calibrate
    /// --method abc-smc`), so the intervals carry parameter uncertainty too.
    #[arg(long, value_name = "FILE")]
    posterior: Option<PathBuf>,
    /// Output directory (default: out/ensemble-<scenario>), written atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
}

pub fn run(a: EnsembleArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let posterior = crate::work::posterior(a.posterior.as_deref())?;
    let req = EnsembleRequest {
        model: a.model.spec(),
        runs: a.runs,
        outcomes: a.outcomes,
        keep_runs: a.keep_runs,
        out: a.out,
        resume: a.job.resume,
        posterior,
        command: std::env::args().collect(),
    };
    let scale = req.model.scale.map(|s| format!(" (scale {s})")).unwrap_or_default();
    let bar = Bar::new(a.job.quiet, 0, format!("{} x {} seeds{scale}", req.model.scenario, req.runs));
    let (result, names) = run_job(bar, |runner| ensemble(&req, runner), |r| &r.out)?;
    if !a.job.quiet {
        print!("{}", leapsim_report::console::ensemble(&result, started.elapsed().as_secs_f64()));
        let names: Vec<String> =
            names.into_iter().map(|n| if n.ends_with('/') { "run-<seed>/".to_string() } else { n }).collect();
        let mut shown: Vec<String> = Vec::new();
        for n in names {
            if !shown.contains(&n) {
                shown.push(n);
            }
        }
        println!("Wrote {}/{{{}}}", result.out.display(), shown.join(", "));
    }
    Ok(())
}
