//! One run: `leapsim_engine::run::run_with_detail`, as `leapsim run` calls it, and its result
//! kept in Rust (`Run`) until Python asks for its tables, summary, manifest or run directory.

use crate::errors;
use crate::supervise::{supervise, Watch};
use leapsim_analysis::ModelSpec;
use leapsim_engine::output;
use leapsim_engine::run::{run_with_detail, RunResult};
use leapsim_engine::scenario::Scenario;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// A finished run: the resolved scenario, its reports and tables, and how long it took.
#[pyclass(module = "leapsim._native", frozen)]
pub struct Run {
    scenario: Scenario,
    result: RunResult,
    seconds: f64,
}

/// Run a scenario (a built-in name or a scenario file) with `set` overrides ("key=value"),
/// scale and seed, and `detail` (a province code) to follow one commune. `progress(done,
/// total)` is called with the months done; Ctrl-C stops the run and raises KeyboardInterrupt.
#[pyfunction]
#[pyo3(signature = (scenario, scale=None, seed=None, set=Vec::new(), detail=None, progress=None))]
pub fn run(
    py: Python<'_>,
    scenario: String,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
    detail: Option<String>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Run> {
    let started = Instant::now();
    let spec = ModelSpec { scenario, scale, seed, set };
    let s = spec.scenario().map_err(|e| errors::scenario_error(py, &e))?;
    let watch = Watch::default();
    let (result, interrupt) = supervise(py, &watch, progress.as_ref(), || {
        run_with_detail(&s, detail.as_deref(), &mut |done, total| watch.report(done, total), &watch.cancel)
    });
    if let Some(e) = interrupt {
        return Err(e);
    }
    let result = result.map_err(|e| errors::job_error(py, e.into(), None))?;
    Ok(Run { scenario: s, result, seconds: started.elapsed().as_secs_f64() })
}

#[pymethods]
impl Run {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> &str {
        &self.scenario.name
    }

    /// The run's seed.
    #[getter]
    fn seed(&self) -> i64 {
        self.scenario.params.run.seed
    }

    /// The run's scale.
    #[getter]
    fn scale(&self) -> f64 {
        self.scenario.params.run.scale
    }

    /// Wall time of the call, build and simulation, in seconds.
    #[getter]
    fn seconds(&self) -> f64 {
        self.seconds
    }

    /// annual.csv's table as columns.
    fn annual<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        crate::columns::tidy(py, &self.result.tables.annual, false)
    }

    /// monthly.csv's table as columns.
    fn monthly<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        crate::columns::tidy(py, &self.result.tables.monthly, true)
    }

    /// summary.json's text (headline figures, fit table, diagnostics).
    fn summary_json(&self) -> String {
        output::summary(&self.scenario, &self.result).to_string()
    }

    /// manifest.json's text, stamped with `command`.
    fn manifest_json(&self, command: Vec<String>) -> String {
        output::manifest(&self.scenario, &self.result, &command, leapsim_engine::REVISION, self.seconds).to_string()
    }

    /// detail.csv's text, when the run followed a commune.
    fn detail_csv(&self) -> Option<String> {
        self.result.detail.clone()
    }

    /// Write the run directory `out` as `leapsim run --out` does (`output::save`), stamped with
    /// `command`; returns the names written.
    fn save(&self, py: Python<'_>, out: PathBuf, command: Vec<String>) -> PyResult<Vec<&'static str>> {
        output::check_destination(&out).map_err(|e| errors::input_error(py, e.to_string()))?;
        let cancel = AtomicBool::new(false);
        let written = py.detach(|| output::save(&out, &self.scenario, &self.result, &command, self.seconds, &cancel));
        written.map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("writing {}: {e}", out.display())))
    }
}
