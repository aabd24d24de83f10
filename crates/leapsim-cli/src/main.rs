//! The `leapsim` command-line tool.

mod attribute;
mod bandwidth;
mod calibrate;
mod compare;
mod ensemble;
mod fit_baseline;
mod run;
mod sensitivity;
mod serve;
mod sweep;
pub mod work;

use clap::{Args, Parser, Subcommand};
use leapsim_engine::scenario;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// leapsim: an agent-based simulator of the Great Leap Forward's planning system
/// (communes, cadres who inflate reports, targets, procurement) and of the famine it caused.
#[derive(Parser)]
#[command(name = "leapsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write annual.csv, monthly.csv, summary.json and manifest.json.
    Run(run::RunArgs),
    /// List the built-in scenarios.
    Scenarios,
    /// List every parameter with its unit, default, range, meaning and source.
    Params {
        /// Print as a Markdown table.
        #[arg(long)]
        markdown: bool,
    },
    /// Fit the baseline demography (mortality level and trend, fertility 1953-1957) to the
    /// registered CBR and CDR of 1953-1957 and print the values for the scenario file.
    FitBaseline(fit_baseline::FitArgs),
    /// Fit free parameters to targets by bounded Nelder-Mead (default: the Great Leap's eleven
    /// to the great-leap rows of the fit table, calibration/leap.toml); writes fitted.toml, the
    /// loss history and a fit report.
    #[command(alias = "fit-leap")]
    Calibrate(calibrate::CalibrateArgs),
    /// Each cause's Shapley share of the excess deaths of 1959-1961 (causes switched off in
    /// every combination, with common random numbers).
    Attribute(attribute::AttributeArgs),
    /// Measure the machine's streaming-read memory bandwidth (the yardstick of the benchmark's
    /// floor: the bytes of model state a run touches, over this rate).
    Bandwidth(bandwidth::BandwidthArgs),
    /// Morris elementary effects or Sobol indices of outcomes over parameter ranges; a ranked
    /// table per outcome, written to sensitivity.csv.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Run a scenario with many seeds (in parallel): quantiles of every annual series and the
    /// headline outcomes with their 90% intervals. Resumable (--resume).
    Ensemble(ensemble::EnsembleArgs),
    /// Run a scenario at every point of a design file (grid, Latin hypercube or list of
    /// parameter sets), each with the design's seeds: results.csv and results.parquet with one
    /// row per (point, seed). Resumable (--resume).
    Sweep(sweep::SweepArgs),
    /// Run two or more scenarios with the same seeds and set their headline figures side by
    /// side, with paired differences; writes compare.csv and a chart.
    Compare(compare::CompareArgs),
    /// Start the dashboard: levers, runs and charts in a browser, and a JSON API for scripts
    /// (docs/dashboard.md).
    Serve(serve::ServeArgs),
}

/// Options every command that runs the model shares.
#[derive(Args, Clone)]
pub struct ModelArgs {
    /// Built-in scenario name (see `leapsim scenarios`) or path to a scenario TOML file.
    #[arg(default_value = "historical")]
    pub scenario: String,
    /// Share of real families simulated (0.00001 to 1; 1 = every family of China).
    #[arg(long)]
    pub scale: Option<f64>,
    /// Base seed of the random streams.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fix a parameter for the whole run: --set key.path=value (repeatable; timeline events do
    /// not change a fixed parameter; see `leapsim params`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// An error that is the user's input: exit code 2.
#[derive(Debug)]
pub struct InputError(pub String);
impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InputError {}

impl ModelArgs {
    /// The model as a job takes it (scale and seed typed, not through `--set`); also sizes the
    /// thread pool to `--threads`.
    pub fn spec(&self) -> leapsim_analysis::ModelSpec {
        self.use_threads();
        leapsim_analysis::ModelSpec {
            scenario: self.scenario.clone(),
            scale: self.scale,
            seed: self.seed,
            set: self.set.clone(),
        }
    }

    /// Size the global thread pool to `--threads`, if given.
    pub fn use_threads(&self) {
        if let Some(n) = self.threads {
            rayon::ThreadPoolBuilder::new().num_threads(n).build_global().ok();
        }
    }
}

/// Resolve the scenario with overrides, seed and scale from the command line (as every job
/// does: `ModelSpec::resolve`).
pub fn resolve(m: &ModelArgs) -> anyhow::Result<scenario::Scenario> {
    m.spec().resolve().map_err(work::job_error)
}

/// Ctrl-C and SIGTERM set this flag; long work checks it and stops cleanly.
pub fn cancel_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
    flag
}

/// The user stopped the work.
#[derive(Debug)]
pub struct Interrupted;
impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted; nothing was written")
    }
}
impl std::error::Error for Interrupted {}

fn cmd_scenarios() {
    for (name, description) in scenario::builtin_list() {
        println!("{name:<22} {description}");
    }
}

fn cmd_params(markdown: bool) {
    use leapsim_core::params::SPECS;
    let defaults = scenario::load("historical").map(|s| s.params).unwrap_or_default();
    if markdown {
        println!("| key | unit | historical | default | range | lever | meaning | source |\n|---|---|---|---|---|---|---|---|");
    }
    for s in SPECS {
        let hist = defaults.get(s.key).unwrap_or(s.default);
        if markdown {
            println!(
                "| `{}` | {} | {} | {} | {} – {} | {} | {} | {} |",
                s.key,
                s.unit,
                hist,
                s.default,
                s.min,
                s.max,
                if s.lever { "yes" } else { "" },
                s.meaning,
                s.source
            );
        } else {
            println!(
                "{}{}\n    {} [{}]; historical {}, default {}, range {} to {}\n    source: {}",
                s.key,
                if s.lever { " (lever: the timeline may change it)" } else { "" },
                s.meaning,
                s.unit,
                hist,
                s.default,
                s.min,
                s.max,
                s.source
            );
        }
    }
}

/// When the reader of our output goes away (`leapsim params | head`), stop quietly as other
/// command-line tools do, instead of panicking on the failed write. Rust ignores SIGPIPE by
/// default; this restores the system's default action. Every command writes its output files
/// (atomically) before it prints its report, so none is lost or left half-written.
fn stop_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: `signal` is unsafe because a handler may run at any moment; SIG_DFL installs
    // none, so no Rust code ever runs on the signal. It is called first thing in `main`, before
    // any other thread (rayon's pool, the Ctrl-C handler) exists to change signals at the same
    // time. The behaviour is tested in tests/cli.rs (output piped into a reader that has gone).
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    stop_quietly_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Scenarios => {
            cmd_scenarios();
            Ok(())
        }
        Command::Params { markdown } => {
            cmd_params(markdown);
            Ok(())
        }
        Command::FitBaseline(a) => fit_baseline::run(a),
        Command::Calibrate(a) => calibrate::run(a),
        Command::Attribute(a) => attribute::run(a),
        Command::Bandwidth(a) => bandwidth::run(a),
        Command::Sensitivity(a) => sensitivity::run(a),
        Command::Ensemble(a) => ensemble::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<InputError>().is_some() {
                ExitCode::from(2)
            } else if e.downcast_ref::<Interrupted>().is_some() {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
