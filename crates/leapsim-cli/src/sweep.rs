//! `leapsim sweep DESIGN [SCENARIO]`: the scenario at every point of a design (grid, Latin
//! hypercube or list), each with the design's seeds; one results row per (point, seed) (the job
//! is `leapsim_analysis::sweep`).

use crate::work::{run_job, Bar, JobArgs};
use crate::ModelArgs;
use clap::Args;
use leapsim_analysis::sweep::{sweep, SweepRequest};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct SweepArgs {
    /// Design file (TOML): [design] kind = "grid" | "lhs" | "list", seeds, outcomes, and the
    /// parameters to vary (see docs/sweep.md and designs/).
    #[arg(value_name = "DESIGN")]
    design: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Outcomes to keep (repeatable; SERIES:YEARS[:AGG][@REGION]); replaces the design's
    /// `outcomes`. Default: the design's, else the headline outcomes.
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcomes: Vec<String>,
    /// Draw the parameters the design does not vary from a posterior sample (posterior.csv of
    /// `calibrate --method abc-smc`): run k of every point the same particle.
    #[arg(long, value_name = "FILE")]
    posterior: Option<PathBuf>,
    /// Output directory (default: out/sweep-<design file name>), written atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
}

pub fn run(a: SweepArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let req = SweepRequest {
        model: a.model.spec(),
        design: a.design,
        outcomes: a.outcomes,
        out: a.out,
        resume: a.job.resume,
        posterior: crate::work::posterior(a.posterior.as_deref())?,
        command: std::env::args().collect(),
    };
    let scale = req.model.scale.map(|s| format!(" (scale {s})")).unwrap_or_default();
    let bar = Bar::new(a.job.quiet, 0, format!("{}{scale}", req.design.display()));
    let (result, names) = run_job(bar, |runner| sweep(&req, runner), |r| &r.out)?;
    if !a.job.quiet {
        print!("{}", leapsim_report::sweep::console(&result, started.elapsed().as_secs_f64()));
        println!("Wrote {}/{{{}}}", result.out.display(), names.join(", "));
    }
    Ok(())
}
