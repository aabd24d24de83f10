//! Tables handed to Python as columns: numbers as little-endian buffers (`int32`, `float64`)
//! that numpy and Arrow read without parsing, and text columns as dictionary codes (`int32`)
//! with their list of values, which become Arrow dictionary arrays (pandas categoricals).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::collections::HashMap;

/// Columns being built into a Python dict: `name` → bytes, and `name + "_values"` → the
/// dictionary of a coded column.
pub struct Columns<'py> {
    pub dict: Bound<'py, PyDict>,
}

impl<'py> Columns<'py> {
    pub fn new(py: Python<'py>) -> Columns<'py> {
        Columns { dict: PyDict::new(py) }
    }

    /// An `int32` column.
    pub fn ints(&self, name: &str, values: impl Iterator<Item = i32>) -> PyResult<()> {
        let bytes: Vec<u8> = values.flat_map(i32::to_le_bytes).collect();
        self.dict.set_item(name, PyBytes::new(self.dict.py(), &bytes))
    }

    /// A `float64` column.
    pub fn floats(&self, name: &str, values: impl Iterator<Item = f64>) -> PyResult<()> {
        let bytes: Vec<u8> = values.flat_map(f64::to_le_bytes).collect();
        self.dict.set_item(name, PyBytes::new(self.dict.py(), &bytes))
    }

    /// A text column as codes into its distinct values (in order of first appearance).
    pub fn coded<'a>(&self, name: &str, values: impl Iterator<Item = &'a str>) -> PyResult<()> {
        let mut index: HashMap<&str, i32> = HashMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        let codes: Vec<i32> = values
            .map(|v| {
                *index.entry(v).or_insert_with(|| {
                    distinct.push(v);
                    distinct.len() as i32 - 1
                })
            })
            .collect();
        self.ints(name, codes.into_iter())?;
        self.dict.set_item(format!("{name}_values"), distinct)
    }
}

/// A run's tidy table (`year,[month,]region,series,value`) as columns.
pub fn tidy<'py>(py: Python<'py>, rows: &[leapsim_engine::series::Row], monthly: bool) -> PyResult<Bound<'py, PyDict>> {
    let c = Columns::new(py);
    c.ints("year", rows.iter().map(|r| r.year))?;
    if monthly {
        c.ints("month", rows.iter().map(|r| r.month.unwrap_or(0) as i32))?;
    }
    c.coded("region", rows.iter().map(|r| r.region.as_str()))?;
    c.coded("series", rows.iter().map(|r| r.series))?;
    c.floats("value", rows.iter().map(|r| r.value))?;
    Ok(c.dict)
}
