//! The multi-run jobs of `leapsim-analysis`, as the command line runs them: a request filled
//! from the arguments, the job run through a [`Runner`] on a worker thread, and, with `out`,
//! the output directory written by `leapsim-report`'s one writer. Without `out` the job's work
//! store lives in a scratch directory that is removed afterwards, and nothing else is written.

use crate::columns::Columns;
use crate::errors;
use crate::supervise::{supervise, Watch};
use leapsim_analysis::compare::{compare as compare_job, CompareRequest};
use leapsim_analysis::ensemble::{ensemble as ensemble_job, EnsembleRequest};
use leapsim_analysis::runner::{Progress, Runner, Sharing};
use leapsim_analysis::sample::PosteriorSample;
use leapsim_analysis::{JobError, ModelSpec};
use leapsim_report::writer::JobOutput;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Scratch directories made by this process, for their unique names.
static SCRATCH: AtomicUsize = AtomicUsize::new(0);

/// Check every model of a job before it starts, so that a bad scenario or parameter raises
/// `ScenarioError` with its file, line and key (the job itself would report only its text).
pub fn check_models(py: Python<'_>, models: &[ModelSpec]) -> PyResult<()> {
    for m in models {
        m.scenario().map_err(|e| errors::scenario_error(py, &e))?;
    }
    Ok(())
}

/// The posterior sample of file `path`, if given.
pub fn posterior(py: Python<'_>, path: Option<String>) -> PyResult<Option<PosteriorSample>> {
    path.map(|p| leapsim_analysis::sample::load(&p)).transpose().map_err(|e| errors::scenario_error(py, &e))
}

/// Run `job` (given the runner and the output directory to put in its request) with progress
/// and Ctrl-C watched; with `out`, write its output directory (returning the names written),
/// else remove its work store. A failed or interrupted job keeps its work store beside `out`
/// (for `resume=True`), as the command line does.
///
/// With `sharing` (a job spread over processes, [`crate::share`]) the job's first batch is
/// shared as it says; a plan or a worker's part stops the job, and then this returns None.
pub fn execute<R: JobOutput + Send>(
    py: Python<'_>,
    out: Option<PathBuf>,
    progress: Option<&Bound<'_, PyAny>>,
    sharing: Option<&Sharing>,
    job: impl FnOnce(&Runner, &Path) -> Result<R, JobError> + Send,
) -> PyResult<Option<(R, Option<Vec<String>>)>> {
    let scratch = out.is_none().then(|| {
        let n = SCRATCH.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("leapsim-py-{}-{n}", std::process::id()))
    });
    let dir = out.clone().unwrap_or_else(|| scratch.as_ref().expect("a scratch directory").join("job"));
    let watch = Watch::default();
    let (result, interrupt) = supervise(py, &watch, progress, || {
        let report = |p: Progress| watch.report(p.done, p.total);
        let runner = Runner::new(&watch.cancel, &report);
        let r = job(&sharing.map_or(runner, |s| runner.shared(s)), &dir)?;
        let names = match &out {
            Some(o) => Some(leapsim_report::writer::write(o, &r, &watch.cancel)?),
            None => {
                r.work().map(|w| w.clear()).transpose()?;
                None
            }
        };
        Ok::<_, JobError>((r, names))
    });
    if let Some(s) = &scratch {
        let _ = std::fs::remove_dir_all(s);
    }
    if let Some(e) = interrupt {
        return Err(e);
    }
    match result {
        Err(JobError::Interrupted) if crate::share::stopped_as_asked(sharing) => Ok(None),
        r => r.map(Some).map_err(|e| errors::job_error(py, e, None)),
    }
}

/// The command recorded in a job's manifest when the caller gives none.
pub fn command(given: Option<Vec<String>>, what: &str) -> Vec<String> {
    given.unwrap_or_else(|| vec![format!("leapsim.{what}")])
}

/// `leapsim ensemble`: one scenario run with seeds seed .. seed+runs-1. Returns the quantiles
/// of every annual series (`annual` columns: year, region, series, q05, q25, q50, q75, q95,
/// mean), each outcome's (`outcomes`, `outcome` columns), the seeds, the manifest and the names
/// written (with `out`).
#[pyfunction]
#[pyo3(signature = (scenario, runs, scale=None, seed=None, set=Vec::new(), outcomes=Vec::new(),
    keep_runs=false, out=None, resume=false, posterior=None, command=None, progress=None, share=None))]
#[allow(clippy::too_many_arguments)]
pub fn ensemble<'py>(
    py: Python<'py>,
    scenario: String,
    runs: u64,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    outcomes: Vec<String>,
    keep_runs: bool,
    out: Option<PathBuf>,
    resume: bool,
    posterior: Option<String>,
    command: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
    share: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let sharing = crate::share::parse(py, share.as_ref())?;
    let model = ModelSpec { scenario, scale, seed, set };
    check_models(py, std::slice::from_ref(&model))?;
    let req = EnsembleRequest {
        model,
        runs,
        outcomes,
        keep_runs,
        out: None,
        resume,
        posterior: self::posterior(py, posterior)?,
        command: self::command(command, "ensemble"),
    };
    let Some((r, written)) = execute(py, out, progress.as_ref(), sharing.as_ref(), |runner, dir| {
        ensemble_job(&EnsembleRequest { out: Some(dir.to_path_buf()), ..req.clone() }, runner)
    })?
    else {
        return crate::share::found(py, sharing.as_ref());
    };
    let d = PyDict::new(py);
    let a = Columns::new(py);
    a.ints("year", r.annual.iter().map(|x| x.year))?;
    a.coded("region", r.annual.iter().map(|x| x.region.as_str()))?;
    a.coded("series", r.annual.iter().map(|x| x.series))?;
    let o = Columns::new(py);
    o.coded("outcome", r.outcomes.iter().map(|x| x.0.as_str()))?;
    for (name, q) in [("q05", 0), ("q25", 1), ("q50", 2), ("q75", 3), ("q95", 4), ("mean", 5)] {
        let pick = |s: &leapsim_analysis::ensemble::Summary| [s.q05, s.q25, s.q50, s.q75, s.q95, s.mean][q];
        a.floats(name, r.annual.iter().map(|x| pick(&x.summary)))?;
        o.floats(name, r.outcomes.iter().map(|x| pick(&x.1)))?;
    }
    d.set_item("annual", a.dict)?;
    d.set_item("outcomes", o.dict)?;
    d.set_item("seeds", r.seeds.clone())?;
    d.set_item("manifest", String::from_utf8_lossy(&r.manifest.to_json()).into_owned())?;
    d.set_item("written", written)?;
    Ok(d)
}

/// `leapsim compare`: scenarios run with the same seeds. Returns compare.csv's table (`annual`
/// columns: scenario, year, region, series, value and, with more than one run, q05 .. q95),
/// every outcome of every scenario and seed (`values[o][s][k]`), each outcome's mean and 90%
/// interval by scenario with the paired difference from the first (`stats`), the names, seeds,
/// outcomes, the manifest and the names written (with `out`).
#[pyfunction]
#[pyo3(signature = (scenarios, runs, scale=None, seed=None, set=Vec::new(), outcomes=Vec::new(),
    out=None, resume=false, posterior=None, command=None, progress=None, share=None))]
#[allow(clippy::too_many_arguments)]
pub fn compare<'py>(
    py: Python<'py>,
    scenarios: Vec<String>,
    runs: u64,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    outcomes: Vec<String>,
    out: Option<PathBuf>,
    resume: bool,
    posterior: Option<String>,
    command: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
    share: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let sharing = crate::share::parse(py, share.as_ref())?;
    let models: Vec<ModelSpec> =
        scenarios.into_iter().map(|scenario| ModelSpec { scenario, scale, seed, set: set.clone() }).collect();
    check_models(py, &models)?;
    let req = CompareRequest {
        scenarios: models,
        runs,
        outcomes,
        out: None,
        resume,
        posterior: self::posterior(py, posterior)?,
        command: self::command(command, "compare"),
    };
    let Some((r, written)) = execute(py, out, progress.as_ref(), sharing.as_ref(), |runner, dir| {
        compare_job(&CompareRequest { out: Some(dir.to_path_buf()), ..req.clone() }, runner)
    })?
    else {
        return crate::share::found(py, sharing.as_ref());
    };
    let c = &r.comparison;
    let d = PyDict::new(py);
    d.set_item("annual", compare_columns(py, c)?)?;
    d.set_item("names", c.names.clone())?;
    d.set_item("seeds", c.seeds.clone())?;
    d.set_item("outcomes", c.outcomes.iter().map(|o| o.name()).collect::<Vec<_>>())?;
    d.set_item("values", c.values.clone())?;
    let stats: Vec<Vec<[f64; 6]>> = (0..c.outcomes.len())
        .map(|o| {
            (0..c.names.len())
                .map(|s| {
                    let (v, diff) = (c.stat(o, s), c.difference(o, s));
                    [v.mean, v.q05, v.q95, diff.mean, diff.q05, diff.q95]
                })
                .collect()
        })
        .collect();
    d.set_item("stats", stats)?;
    d.set_item("manifest", String::from_utf8_lossy(&r.manifest.to_json()).into_owned())?;
    d.set_item("written", written)?;
    Ok(d)
}

/// compare.csv's rows (`leapsim_report::compare::summary_rows`) as columns.
fn compare_columns<'py>(py: Python<'py>, c: &leapsim_analysis::compare::Comparison) -> PyResult<Bound<'py, PyDict>> {
    let rows = leapsim_report::compare::summary_rows(c);
    let t = Columns::new(py);
    t.coded("scenario", rows.iter().map(|r| r.scenario))?;
    t.ints("year", rows.iter().map(|r| r.row.year))?;
    t.coded("region", rows.iter().map(|r| r.row.region.as_str()))?;
    t.coded("series", rows.iter().map(|r| r.row.series))?;
    t.floats("value", rows.iter().map(|r| r.mean))?;
    if c.runs() > 1 {
        for (k, name) in ["q05", "q25", "q50", "q75", "q95"].iter().enumerate() {
            t.floats(name, rows.iter().map(|r| r.quantiles.map_or(f64::NAN, |q| q[k])))?;
        }
    }
    Ok(t.dict)
}
