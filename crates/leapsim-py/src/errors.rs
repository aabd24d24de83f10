//! Library errors as the Python package's exceptions (`leapsim.errors`): the classes are
//! Python's, so they carry attributes (`ScenarioError.file`, `.line`, `.key`) and docstrings,
//! and every message is the library's, word for word as the command line prints it.

use leapsim_analysis::JobError;
use leapsim_engine::scenario::ScenarioError;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// An instance of exception `class` of `leapsim.errors`, made with `args`.
fn raise<'py>(py: Python<'py>, class: &str, args: Bound<'py, PyTuple>) -> PyErr {
    let made = py.import("leapsim.errors").and_then(|m| m.getattr(class)).and_then(|c| c.call1(args));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// `leapsim.ScenarioError(message, file, line, key)`.
pub fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    match (e.to_string(), e.file.clone(), e.line, e.key.clone()).into_pyobject(py) {
        Ok(args) => raise(py, "ScenarioError", args),
        Err(err) => err,
    }
}

/// `leapsim.InputError(message)`: a request that cannot be done as given.
pub fn input_error(py: Python<'_>, message: String) -> PyErr {
    match (message,).into_pyobject(py) {
        Ok(args) => raise(py, "InputError", args),
        Err(err) => err,
    }
}

/// A job's error: the user's interrupt (the `KeyboardInterrupt` that stopped it, when there is
/// one), bad input (`InputError`), too little memory (`MemoryLimitError`) or an I/O error.
pub fn job_error(py: Python<'_>, e: JobError, interrupt: Option<PyErr>) -> PyErr {
    match e {
        JobError::Interrupted => {
            interrupt.unwrap_or_else(|| PyKeyboardInterrupt::new_err("interrupted; nothing was written"))
        }
        JobError::Input(m) => input_error(py, m),
        JobError::Io(e) => PyOSError::new_err(e.to_string()),
        JobError::Memory(m) => match (m,).into_pyobject(py) {
            Ok(args) => raise(py, "MemoryLimitError", args),
            Err(err) => err,
        },
    }
}
