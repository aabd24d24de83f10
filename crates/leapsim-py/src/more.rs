//! The jobs whose tables Python reads from the files the report renders (`JobOutput::files`,
//! the very bytes `leapsim <command> --out` writes): attribute, sweep, sensitivity and
//! calibrate. Each fills its request as the command line does and runs through
//! [`crate::jobs::execute`].

use crate::errors;
use crate::jobs::{check_models, command, execute, posterior};
use leapsim_analysis::attribution::{attribute as attribute_job, AttributeRequest};
use leapsim_analysis::calibrate::{calibrate as calibrate_job, load_or_default, CalibrateRequest, FitMethod};
use leapsim_analysis::sensitivity::{self as sens, parse_range, parse_range_file, SensitivityRequest};
use leapsim_analysis::sweep::{sweep as sweep_job, SweepRequest};
use leapsim_analysis::ModelSpec;
use leapsim_report::writer::JobOutput;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::{Path, PathBuf};

/// A finished job for Python: its text files (CSV and TOML) by name, its manifest, and the
/// names written (with `out`).
fn files<'py, R: JobOutput>(py: Python<'py>, r: &R, written: Option<Vec<String>>) -> PyResult<Bound<'py, PyDict>> {
    let files = PyDict::new(py);
    for (name, bytes) in r.files().map_err(|e| errors::input_error(py, e))? {
        if name.ends_with(".csv") || name.ends_with(".toml") {
            files.set_item(name, PyBytes::new(py, &bytes))?;
        }
    }
    let d = PyDict::new(py);
    d.set_item("files", files)?;
    d.set_item("manifest", String::from_utf8_lossy(&r.manifest().to_json()).into_owned())?;
    d.set_item("written", written)?;
    Ok(d)
}

/// The model of a job, checked (a bad scenario or parameter raises `ScenarioError`).
fn model(
    py: Python<'_>,
    scenario: String,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
) -> PyResult<ModelSpec> {
    let m = ModelSpec { scenario, scale, seed, set };
    check_models(py, std::slice::from_ref(&m))?;
    Ok(m)
}

/// `leapsim attribute`: each cause's Shapley share of the outcomes (attribution.csv).
#[pyfunction]
#[pyo3(signature = (scenario, causes=Vec::new(), runs=1, outcomes=Vec::new(), by_province=false,
    permutations=None, scale=None, seed=None, set=Vec::new(), out=None, resume=false, posterior=None,
    command=None, progress=None, share=None))]
#[allow(clippy::too_many_arguments)]
pub fn attribute<'py>(
    py: Python<'py>,
    scenario: String,
    causes: Vec<String>,
    runs: u64,
    outcomes: Vec<String>,
    by_province: bool,
    permutations: Option<usize>,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    out: Option<PathBuf>,
    resume: bool,
    posterior: Option<String>,
    command: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
    share: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let sharing = crate::share::parse(py, share.as_ref())?;
    let req = AttributeRequest {
        model: model(py, scenario, scale, seed, set)?,
        causes,
        runs,
        outcomes,
        by_province,
        permutations,
        out: None,
        resume,
        posterior: self::posterior(py, posterior)?,
        command: self::command(command, "attribute"),
    };
    let Some((r, written)) = execute(py, out, progress.as_ref(), sharing.as_ref(), |runner, dir| {
        attribute_job(&AttributeRequest { out: Some(dir.to_path_buf()), ..req.clone() }, runner)
    })?
    else {
        return crate::share::found(py, sharing.as_ref());
    };
    files(py, &r, written)
}

/// `leapsim sweep DESIGN`: the scenario at every point of a design file (results.csv).
#[pyfunction]
#[pyo3(signature = (design, scenario, outcomes=Vec::new(), scale=None, seed=None, set=Vec::new(),
    out=None, resume=false, posterior=None, command=None, progress=None, share=None))]
#[allow(clippy::too_many_arguments)]
pub fn sweep<'py>(
    py: Python<'py>,
    design: PathBuf,
    scenario: String,
    outcomes: Vec<String>,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    out: Option<PathBuf>,
    resume: bool,
    posterior: Option<String>,
    command: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
    share: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let sharing = crate::share::parse(py, share.as_ref())?;
    let req = SweepRequest {
        model: model(py, scenario, scale, seed, set)?,
        design,
        outcomes,
        out: None,
        resume,
        posterior: self::posterior(py, posterior)?,
        command: self::command(command, "sweep"),
    };
    let Some((r, written)) = execute(py, out, progress.as_ref(), sharing.as_ref(), |runner, dir| {
        sweep_job(&SweepRequest { out: Some(dir.to_path_buf()), ..req.clone() }, runner)
    })?
    else {
        return crate::share::found(py, sharing.as_ref());
    };
    files(py, &r, written)
}

/// `leapsim sensitivity`: Morris effects or Sobol indices of outcomes over parameter ranges
/// (`ranges` as `KEY=LOW:HIGH`, and/or a file of them), sensitivity.csv and points.csv.
#[pyfunction]
#[pyo3(signature = (scenario, ranges=Vec::new(), ranges_file=None, method="morris", outcomes=Vec::new(),
    trajectories=10, levels=4, samples=64, bootstrap=200, runs=1, independent_seeds=false, pin=false,
    scale=None, seed=None, set=Vec::new(), out=None, resume=false, command=None, progress=None, share=None))]
#[allow(clippy::too_many_arguments)]
pub fn sensitivity<'py>(
    py: Python<'py>,
    scenario: String,
    ranges: Vec<String>,
    ranges_file: Option<PathBuf>,
    method: &str,
    outcomes: Vec<String>,
    trajectories: usize,
    levels: usize,
    samples: usize,
    bootstrap: usize,
    runs: u64,
    independent_seeds: bool,
    pin: bool,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    out: Option<PathBuf>,
    resume: bool,
    command: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
    share: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let sharing = crate::share::parse(py, share.as_ref())?;
    let method = match method {
        "morris" => sens::Method::Morris,
        "sobol" => sens::Method::Sobol,
        other => return Err(errors::input_error(py, format!("method \"{other}\": expected morris or sobol"))),
    };
    let mut parsed = match &ranges_file {
        Some(f) => parse_range_file(f).map_err(|e| errors::input_error(py, e))?,
        None => Vec::new(),
    };
    for p in &ranges {
        parsed.push(parse_range(p).map_err(|e| errors::input_error(py, format!("--param {e}")))?);
    }
    let req = SensitivityRequest {
        model: model(py, scenario, scale, seed, set)?,
        method,
        ranges: parsed,
        outcomes,
        trajectories,
        levels,
        samples,
        bootstrap,
        runs,
        independent_seeds,
        pin,
        out: None,
        resume,
        command: self::command(command, "sensitivity"),
    };
    let Some((r, written)) = execute(py, out, progress.as_ref(), sharing.as_ref(), |runner, dir| {
        sens::sensitivity(&SensitivityRequest { out: Some(dir.to_path_buf()), ..req.clone() }, runner)
    })?
    else {
        return crate::share::found(py, sharing.as_ref());
    };
    files(py, &r, written)
}

/// `leapsim calibrate`: fit the free parameters of a settings file (default: the Great Leap's,
/// calibration/leap.toml) to its targets; fitted.toml, loss_history.csv, fit_report.csv (and
/// with `abc-smc` the posterior sample's files).
#[pyfunction]
#[pyo3(signature = (scenario, settings=None, method="nelder-mead", particles=None, generations=None,
    max_evals=None, seeds=None, scale=None, seed=None, set=Vec::new(), out=None, resume=false,
    command=None, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn calibrate<'py>(
    py: Python<'py>,
    scenario: String,
    settings: Option<PathBuf>,
    method: &str,
    particles: Option<usize>,
    generations: Option<usize>,
    max_evals: Option<usize>,
    seeds: Option<u64>,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    out: Option<PathBuf>,
    resume: bool,
    command: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let method = match method {
        "nelder-mead" => FitMethod::NelderMead,
        "abc-smc" => FitMethod::AbcSmc,
        other => return Err(errors::input_error(py, format!("method \"{other}\": expected nelder-mead or abc-smc"))),
    };
    let settings = load_or_default(settings.as_deref()).map_err(|e| errors::scenario_error(py, &e))?;
    let req = CalibrateRequest {
        model: model(py, scenario, scale, seed, set)?,
        settings,
        max_evals,
        seeds,
        method,
        particles,
        generations,
        out: None,
        resume,
        command: self::command(command, "calibrate"),
    };
    let done = execute(py, out, progress.as_ref(), None, |runner, dir: &Path| {
        calibrate_job(&CalibrateRequest { out: Some(dir.to_path_buf()), ..req.clone() }, runner)
    })?;
    let (r, written) = done.expect("an unshared job finishes or fails");
    files(py, &r, written)
}
