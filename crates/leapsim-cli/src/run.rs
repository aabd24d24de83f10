//! `leapsim run`: one scenario, month by month, written as a run directory (annual.csv,
//! monthly.csv, summary.json, manifest.json; detail.csv with `--detail`), with the fit table
//! printed beside the historical record.

use crate::{cancel_flag, resolve, InputError, Interrupted, ModelArgs};
use clap::Args;
use leapsim_engine::{history, output, run};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Output directory (default: out/<scenario>). Replaced atomically if it holds an earlier run.
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar or tables; errors only.
    #[arg(long, short)]
    quiet: bool,
    /// Also write detail.csv: one commune of this province (e.g. CN-HA), each team and brigade
    /// month by month (true, reported, procured, eaten, deaths).
    #[arg(long, value_name = "PROVINCE", num_args = 0..=1, default_missing_value = "CN-HA")]
    detail: Option<String>,
}

fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(0);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} months, {elapsed} elapsed, eta {eta}",
        )
        .unwrap()
        .progress_chars("=> "),
    );
    Some(pb)
}

pub fn run(a: RunArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let s = resolve(&a.model)?;
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("out").join(&s.name));
    output::check_destination(&out).map_err(|e| InputError(e.to_string()))?;
    let cancel = cancel_flag();
    let pb = progress_bar(a.quiet);
    if let Some(pb) = &pb {
        pb.set_message(format!("{} (scale {}, seed {})", s.name, s.params.run.scale, s.params.run.seed));
    }
    let mut progress = |done: usize, total: usize| {
        if let Some(pb) = &pb {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        }
    };
    let result = run::run_with_detail(&s, a.detail.as_deref(), &mut progress, &cancel);
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let result = match result {
        Ok(r) => r,
        Err(run::RunError::Interrupted) => anyhow::bail!(Interrupted),
        Err(run::RunError::Memory(m)) => anyhow::bail!(m),
        Err(e) => return Err(anyhow::Error::new(InputError(e.to_string()))),
    };
    let command: Vec<String> = std::env::args().collect();
    let names = output::save(&out, &s, &result, &command, started.elapsed().as_secs_f64(), &cancel)
        .map_err(|e| crate::work::write_error(e, &out, &cancel))?;
    if !a.quiet {
        let rows = history::fit_table(&result.tables);
        println!(
            "{}: {} months of {} simulated persons (scale {}, seed {}) in {:.1} s",
            s.name,
            result.reports.len(),
            fmt_millions(result.person_months / result.reports.len().max(1) as f64),
            s.params.run.scale,
            s.params.run.seed,
            result.simulate_seconds
        );
        println!("\nModel beside the historical record (national):\n{}", history::render(&rows));
        println!("Wrote {}/{{{}}}", out.display(), names.join(", "));
    }
    Ok(())
}

fn fmt_millions(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.1} million", x / 1e6)
    } else {
        format!("{x:.0}")
    }
}
