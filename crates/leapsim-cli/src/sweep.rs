//! `leapsim sweep DESIGN [SCENARIO]`: the scenario at every point of a design (grid, Latin
//! hypercube or list), each with the design's seeds; one results row per (point, seed) (the job
//! is `leapsim_analysis::sweep`).

use crate::work::{job_error, write_error, Bar, ResumeArgs};
use crate::{cancel_flag, ModelArgs};
use clap::Args;
use leapsim_analysis::runner::Runner;
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
    /// Output directory (default: out/sweep-<design file name>), written atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// No progress bar or table; errors only.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(a: SweepArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let req = SweepRequest {
        model: a.model.spec(),
        design: a.design,
        outcomes: a.outcomes,
        out: a.out,
        resume: a.resume.resume,
        command: std::env::args().collect(),
    };
    let cancel = cancel_flag();
    let scale = req.model.scale.map(|s| format!(" (scale {s})")).unwrap_or_default();
    let bar = Bar::new(a.quiet, 0, format!("{}{scale}", req.design.display()));
    let progress = |p| bar.show(p);
    let result = sweep(&req, &Runner::new(&cancel, &progress));
    bar.finish();
    let result = result.map_err(job_error)?;
    let names = leapsim_report::writer::write(&result.out, &result, &cancel)
        .map_err(|e| write_error(e, &result.out, &cancel))?;
    if !a.quiet {
        print!("{}", leapsim_report::sweep::console(&result, started.elapsed().as_secs_f64()));
        println!("Wrote {}/{{{}}}", result.out.display(), names.join(", "));
    }
    Ok(())
}
