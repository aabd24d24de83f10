//! leapsim-analysis: every multi-run job and its mathematics — the batch runner, the work store
//! behind `--resume`, the job manifest, outcomes, statistics, designs, sensitivity, comparison,
//! attribution and calibration.
//!
//! Depends on `leapsim-core` and `leapsim-engine`; nothing here draws a chart or writes a file
//! format other than the work store's JSON (that is `leapsim-report`).
//!
//! # How a job is built: request → runner → result → writer
//!
//! 1. **Request**: a plain struct saying what to do (e.g. [`ensemble::EnsembleRequest`]): the
//!    model as a [`ModelSpec`] (scenario, typed scale and seed, `--set` overrides), the job's own
//!    options, the output directory and whether to resume. It holds no terminal or clap type, so
//!    the command line, a Python binding or a web server fill it in the same way.
//! 2. **Runner**: the job function (e.g. [`ensemble::ensemble`]) takes the request and a
//!    [`runner::Runner`] — the cancel flag and a progress callback — builds its work items (one
//!    scenario per run), opens the [`store::WorkStore`] with a fingerprint of the work, and runs
//!    the items with [`runner::Runner::run`], which reduces each run to what the job keeps,
//!    stores it under the item's key and returns the values in item order.
//! 3. **Result**: the job returns a typed result (e.g. [`ensemble::EnsembleResult`]) with its
//!    numbers, the output directory, the [`manifest::Manifest`] (the same keys for every job,
//!    the job's own part in `job`) and the work store, and [`JobError`] otherwise.
//! 4. **Writer**: `leapsim-report` renders the result as files (CSV, Parquet, charts) and writes
//!    them with the manifest into the output directory, all or nothing, then removes the work
//!    store. The command line only parses arguments into the request, calls the job, calls the
//!    writer and prints.
//!
//! `ensemble` follows this pattern; sweep, sensitivity, calibrate, compare and attribute follow
//! it by the same steps.

pub mod abc;
pub mod attribution;
pub mod calibrate;
pub mod compare;
pub mod design;
pub mod ensemble;
pub mod figure;
pub mod manifest;
pub use leapsim_engine::outcome;
pub mod runner;
pub mod sample;
pub mod sensitivity;
pub mod stats;
pub mod store;
pub mod sweep;

use leapsim_engine::run::RunError;
use leapsim_engine::scenario::{self, check_range, Scenario, ScenarioError};

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The request cannot be done as given (unknown scenario, bad value, another job's work
    /// store ...).
    #[error("{0}")]
    Input(String),
    /// The cancel flag was set.
    #[error("interrupted; nothing was written")]
    Interrupted,
    /// Reading or writing the work store failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The runs would need more memory than the process may use (checked before any starts).
    #[error("{0}")]
    Memory(String),
}

impl From<RunError> for JobError {
    fn from(e: RunError) -> JobError {
        match e {
            RunError::Interrupted => JobError::Interrupted,
            RunError::Io(e) => JobError::Io(e),
            RunError::Memory(m) => JobError::Memory(m),
            e => JobError::Input(e.to_string()),
        }
    }
}

impl From<ScenarioError> for JobError {
    fn from(e: ScenarioError) -> JobError {
        JobError::Input(e.to_string())
    }
}

/// The model a job runs: a built-in scenario name or a scenario file, with parameters fixed for
/// the whole job.
#[derive(Clone, Debug, Default)]
pub struct ModelSpec {
    /// Built-in scenario name or path to a scenario TOML file.
    pub scenario: String,
    /// Share of real families simulated (`run.scale`).
    pub scale: Option<f64>,
    /// Base seed of the random streams (`run.seed`).
    pub seed: Option<u64>,
    /// `key.path=value` overrides, applied in order before scale and seed.
    pub set: Vec<String>,
}

impl ModelSpec {
    /// The scenario with its overrides, scale and seed; each fixed for the whole run.
    pub fn resolve(&self) -> Result<Scenario, JobError> {
        Ok(self.scenario()?)
    }

    /// As [`ModelSpec::resolve`], with the error's file, line and key kept apart (for front
    /// ends that report them as fields, as the Python binding's `ScenarioError` does).
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        let mut s = scenario::load(&self.scenario)?;
        for kv in &self.set {
            s.apply_override(kv)?;
        }
        if let Some(scale) = self.scale {
            pin(&mut s, "run.scale", scale, "--scale")?;
        }
        if let Some(seed) = self.seed {
            pin(&mut s, "run.seed", seed as f64, "--seed")?;
        }
        Ok(s)
    }
}

/// Fix parameter `key` at `x` for the whole run, checked against its range (`flag` names the
/// option in an error), as an override does.
fn pin(s: &mut Scenario, key: &str, x: f64, flag: &str) -> Result<(), ScenarioError> {
    let sp = leapsim_core::params::spec(key).expect("a registered parameter");
    let err = |message: String| ScenarioError { file: flag.into(), line: None, key: Some(key.into()), message };
    let x = check_range(sp, x).map_err(err)?;
    s.params.set(sp.key, x);
    s.overrides.push((sp.key.to_string(), x));
    Ok(())
}
