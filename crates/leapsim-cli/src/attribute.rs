//! `leapsim attribute`: each cause's Shapley share of the excess deaths of 1959-1961 (or of any
//! outcome), nationally and with `--by-province` for every province (the job is
//! `leapsim_analysis::attribution::attribute`).

use crate::work::{run_job, Bar, JobArgs};
use crate::ModelArgs;
use clap::Args;
use leapsim_analysis::attribution::{attribute, AttributeRequest};
use std::path::PathBuf;

#[derive(Args)]
pub struct AttributeArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Causes to attribute, comma-separated (default: weather, reporting, procurement, exports,
    /// furnaces, mess-halls; also known: water-works, targets, sown-area, enforcement,
    /// relief-denial, pooling, zeal). Each is switched off for the whole run.
    #[arg(long, value_delimiter = ',')]
    causes: Vec<String>,
    /// Seeds per coalition (seed, seed+1, ...): common random numbers across coalitions.
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Outcome to attribute, SERIES:YEARS[:AGG][@REGION] (repeatable; default
    /// excess_deaths:1959-1961).
    #[arg(long = "outcome")]
    outcomes: Vec<String>,
    /// Also attribute every outcome in every province.
    #[arg(long)]
    by_province: bool,
    /// Sample this many orders of the causes instead of running every coalition (the default,
    /// 32, when there are more than 8 causes); every order is used when there are no more.
    #[arg(long, value_name = "M")]
    permutations: Option<usize>,
    /// Draw each seed's parameters from a posterior sample (posterior.csv of `calibrate
    /// --method abc-smc`), the same particle for every coalition of a seed, so the shares'
    /// intervals carry parameter uncertainty; a parameter a cause switches keeps the switch.
    #[arg(long, value_name = "FILE")]
    posterior: Option<PathBuf>,
    /// Output directory for attribution.csv, attribution.png, attribution.svg and manifest.json
    /// (default: out/attribution).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
}

pub fn run(a: AttributeArgs) -> anyhow::Result<()> {
    let req = AttributeRequest {
        model: a.model.spec(),
        causes: a.causes,
        runs: a.runs,
        outcomes: a.outcomes,
        by_province: a.by_province,
        permutations: a.permutations,
        out: a.out,
        resume: a.job.resume,
        posterior: crate::work::posterior(a.posterior.as_deref())?,
        command: std::env::args().collect(),
    };
    let bar = Bar::new(a.job.quiet, 0, format!("coalitions x {} seed(s)", req.runs));
    let (result, names) = run_job(bar, |runner| attribute(&req, runner), |r| &r.out)?;
    // Printed once the files are written, so that a reader who stops early loses nothing.
    if !a.job.quiet {
        print!("{}", leapsim_report::attribution::console(&result));
        if result.items.reused > 0 {
            eprintln!("resumed: {} of {} runs reused", result.items.reused, result.items.total);
        }
        println!("Wrote {}/{{{}}}", result.out.display(), names.join(", "));
    }
    Ok(())
}
