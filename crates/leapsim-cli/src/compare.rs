//! `leapsim compare A B [C ...]`: scenarios side by side, run with the same seeds (the job is
//! `leapsim_analysis::compare`).

use crate::work::{run_job, Bar, JobArgs};
use crate::ModelArgs;
use clap::Args;
use leapsim_analysis::compare::{compare, CompareRequest};
use std::path::PathBuf;

#[derive(Args)]
pub struct CompareArgs {
    /// Two or more scenarios (built-in names or TOML files); the first is the reference that
    /// the others are compared with.
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Share of real families simulated (0.00001 to 1).
    #[arg(long)]
    scale: Option<f64>,
    /// Base seed: every scenario runs with seeds seed, seed+1, ... (common random numbers).
    #[arg(long)]
    seed: Option<u64>,
    /// Fix a parameter in every scenario: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    threads: Option<usize>,
    /// Seeds per scenario.
    #[arg(long, default_value_t = 5)]
    runs: u64,
    /// Outcome to report, SERIES:YEARS[:AGG][@REGION] (repeatable; default: the headline
    /// outcomes, excess deaths 1959-1961 first).
    #[arg(long = "outcome")]
    outcomes: Vec<String>,
    /// Draw each run's parameters from a posterior sample (posterior.csv of `calibrate
    /// --method abc-smc`), the same particle for run k of every scenario; a parameter a
    /// scenario sets itself keeps its value.
    #[arg(long, value_name = "FILE")]
    posterior: Option<PathBuf>,
    /// Output directory for compare.csv, compare.png, compare.svg and manifest.json
    /// (default: out/compare).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
}

pub fn run(a: CompareArgs) -> anyhow::Result<()> {
    let model = |scenario: &String| {
        let m = ModelArgs {
            scenario: scenario.clone(),
            scale: a.scale,
            seed: a.seed,
            set: a.set.clone(),
            threads: a.threads,
        };
        m.spec()
    };
    let req = CompareRequest {
        scenarios: a.scenarios.iter().map(model).collect(),
        runs: a.runs,
        outcomes: a.outcomes,
        out: a.out,
        resume: a.job.resume,
        posterior: crate::work::posterior(a.posterior.as_deref())?,
        command: std::env::args().collect(),
    };
    let bar = Bar::new(a.job.quiet, 0, format!("{} scenarios x {} seeds", req.scenarios.len(), req.runs));
    let (result, names) = run_job(bar, |runner| compare(&req, runner), |r| &r.out)?;
    // Printed once the files are written, so that a reader who stops early loses nothing.
    if !a.job.quiet {
        print!("{}", leapsim_report::compare::console(&result));
        println!("\nWrote {}/{{{}}}", result.out.display(), names.join(", "));
    }
    Ok(())
}
