//! leapsim's Python binding: the `leapsim._native` extension module of the `leapsim` package
//! (`python/leapsim`), built by maturin.
//!
//! Every function here calls the same library functions as the command line: the run loop and
//! the run directory writer of `leapsim-engine`, the jobs of `leapsim-analysis`, the output
//! writer of `leapsim-report`. It fills their requests, runs them on a worker thread with the
//! GIL released while the calling thread shows progress and watches for Ctrl-C
//! ([`supervise`]), and hands the results to Python as columns (little-endian buffers that
//! numpy and Arrow read as they are, [`columns`]). The Python package turns them into
//! DataFrames. Nothing depends on this crate.

mod columns;
mod errors;
mod jobs;
mod more;
mod run;
mod share;
mod supervise;

use leapsim_core::params::{Kind, SPECS};
use leapsim_engine::scenario;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The built-in scenarios: a list of (name, description).
#[pyfunction]
fn scenarios() -> Vec<(String, String)> {
    scenario::builtin_list()
}

/// The parameter registry as columns: key, kind, unit, default, historical (its value in the
/// historical scenario), min, max, lever, meaning, source.
#[pyfunction]
fn params(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let historical = scenario::load("historical").map(|s| s.params).unwrap_or_default();
    let d = PyDict::new(py);
    let kind = |k: Kind| match k {
        Kind::Float => "float",
        Kind::Int => "int",
        Kind::Bool => "bool",
    };
    d.set_item("key", SPECS.iter().map(|s| s.key).collect::<Vec<_>>())?;
    d.set_item("kind", SPECS.iter().map(|s| kind(s.kind)).collect::<Vec<_>>())?;
    d.set_item("unit", SPECS.iter().map(|s| s.unit).collect::<Vec<_>>())?;
    d.set_item("default", SPECS.iter().map(|s| s.default).collect::<Vec<_>>())?;
    let hist: Vec<f64> = SPECS.iter().map(|s| historical.get(s.key).unwrap_or(s.default)).collect();
    d.set_item("historical", hist)?;
    d.set_item("min", SPECS.iter().map(|s| s.min).collect::<Vec<_>>())?;
    d.set_item("max", SPECS.iter().map(|s| s.max).collect::<Vec<_>>())?;
    d.set_item("lever", SPECS.iter().map(|s| s.lever).collect::<Vec<_>>())?;
    d.set_item("meaning", SPECS.iter().map(|s| s.meaning).collect::<Vec<_>>())?;
    d.set_item("source", SPECS.iter().map(|s| s.source).collect::<Vec<_>>())?;
    Ok(d)
}

/// A number as the CSV files write it (`leapsim_engine::series::fmt_value`).
#[pyfunction]
fn fmt_value(v: f64) -> String {
    leapsim_engine::series::fmt_value(v)
}

/// Check a scenario (a built-in name or a file) with `set` overrides, scale and seed, as a run
/// would, without running it; raises `leapsim.ScenarioError`. Returns the scenario's name.
#[pyfunction]
#[pyo3(signature = (scenario, scale=None, seed=None, set=Vec::new()))]
fn check(
    py: Python<'_>,
    scenario: String,
    scale: Option<f64>,
    seed: Option<u64>,
    set: Vec<String>,
) -> PyResult<String> {
    let spec = leapsim_analysis::ModelSpec { scenario, scale, seed, set };
    spec.scenario().map(|s| s.name).map_err(|e| errors::scenario_error(py, &e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", leapsim_engine::VERSION)?;
    m.add("REVISION", leapsim_engine::REVISION)?;
    m.add_function(wrap_pyfunction!(scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(params, m)?)?;
    m.add_function(wrap_pyfunction!(fmt_value, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_class::<run::Run>()?;
    m.add_function(wrap_pyfunction!(jobs::ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::compare, m)?)?;
    m.add_function(wrap_pyfunction!(more::attribute, m)?)?;
    m.add_function(wrap_pyfunction!(more::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(more::sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(more::calibrate, m)?)?;
    Ok(())
}
