//! A job spread over processes or machines (`executor=` and `client=` of the Python package):
//! the library's [`Share`] of a job's first batch, as Python passes it and gets it back.
//! `"plan"` counts the items; `("run", [i, ...])` runs those items and returns their values
//! (JSON text, as the work store keeps them); `("given", [value, ...])` merges every item's
//! value into the job's results, which are then the same, item for item, as a local run's.

use crate::errors;
use leapsim_analysis::runner::{Share, Sharing};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The sharing that `share` asks for (None: the job runs here, unshared).
pub fn parse(py: Python<'_>, share: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Sharing>> {
    let Some(share) = share.filter(|s| !s.is_none()) else { return Ok(None) };
    if let Ok(word) = share.extract::<String>() {
        if word == "plan" {
            return Ok(Some(Sharing::new(Share::Plan)));
        }
    } else if let Ok((word, items)) = share.extract::<(String, Bound<'_, PyAny>)>() {
        match word.as_str() {
            "run" => return Ok(Some(Sharing::new(Share::Run(items.extract()?)))),
            "given" => {
                let texts: Vec<String> = items.extract()?;
                let values = texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| serde_json::from_str(t).map_err(|e| format!("the value of item {i}: {e}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| errors::input_error(py, e))?;
                return Ok(Some(Sharing::new(Share::Given(values))));
            }
            _ => {}
        }
    }
    Err(errors::input_error(py, "share: expected \"plan\", (\"run\", [items]) or (\"given\", [values])".into()))
}

/// What a `plan` or `run` share found: `items`, the size of the first batch, and `values`,
/// (item, value as JSON text) of the items run.
pub fn found<'py>(py: Python<'py>, sharing: Option<&Sharing>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let sharing = sharing.expect("only a shared job stops after its first batch");
    d.set_item("items", sharing.items())?;
    let values: Vec<(usize, String)> = sharing.values().into_iter().map(|(i, v)| (i, v.to_string())).collect();
    d.set_item("values", values)?;
    Ok(d)
}

/// Whether a job stopped as `sharing` asked (a plan, or a worker's part), not by an interrupt.
pub fn stopped_as_asked(sharing: Option<&Sharing>) -> bool {
    matches!(sharing.map(|s| &s.share), Some(Share::Plan | Share::Run(_)))
}
